/* The real FFT (fft.h): a complex radix-2 FFT of n/2 points on the even samples as real parts
 * and the odd ones as imaginary parts, then one pass that separates the two halves' spectra
 * and joins them into the n-point spectrum. Twiddles are computed in double once, in the plan;
 * each stage's are stored contiguously so its butterflies run over unit strides. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "fft.h"

struct pk_fft_plan {
    size_t n, m;       /* m = n / 2 complex points */
    uint32_t *order;   /* m: the bit-reversed index of each */
    float *stage_re;   /* m - 1: the stage of half-size h uses entries h - 1 .. 2h - 2, */
    float *stage_im;   /* e^(-2 pi i j / (2h)) for j < h */
    float *join_re;    /* m: cos(2 pi k / n) */
    float *join_im;    /* m: sin(2 pi k / n) */
    float *zr, *zi;    /* m: the complex work */
};

void pk_fft_plan_free(pk_fft_plan *plan)
{
    if (!plan)
        return;
    free(plan->order);
    free(plan->stage_re);
    free(plan->stage_im);
    free(plan->join_re);
    free(plan->join_im);
    free(plan->zr);
    free(plan->zi);
    free(plan);
}

pk_fft_plan *pk_fft_plan_new(size_t n)
{
    if (n < 4 || (n & (n - 1)) != 0 || n > ((size_t)1 << 30))
        return NULL;
    pk_fft_plan *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    const size_t m = n / 2;
    p->n = n, p->m = m;
    p->order = malloc(m * sizeof *p->order);
    p->stage_re = malloc(m * sizeof(float));
    p->stage_im = malloc(m * sizeof(float));
    p->join_re = malloc(m * sizeof(float));
    p->join_im = malloc(m * sizeof(float));
    p->zr = malloc(m * sizeof(float));
    p->zi = malloc(m * sizeof(float));
    if (!p->order || !p->stage_re || !p->stage_im || !p->join_re || !p->join_im || !p->zr ||
        !p->zi) {
        pk_fft_plan_free(p);
        return NULL;
    }
    int bits = 0;
    while (((size_t)1 << bits) < m)
        bits++;
    for (size_t k = 0; k < m; k++) {
        size_t r = 0;
        for (int b = 0; b < bits; b++)
            r |= ((k >> b) & 1u) << (bits - 1 - b);
        p->order[k] = (uint32_t)r;
    }
    for (size_t h = 1; h < m; h *= 2)
        for (size_t j = 0; j < h; j++) {
            const double angle = -M_PI * (double)j / (double)h;
            p->stage_re[h - 1 + j] = (float)cos(angle);
            p->stage_im[h - 1 + j] = (float)sin(angle);
        }
    for (size_t k = 0; k < m; k++) {
        const double angle = 2.0 * M_PI * (double)k / (double)n;
        p->join_re[k] = (float)cos(angle);
        p->join_im[k] = (float)sin(angle);
    }
    return p;
}

size_t pk_fft_size(const pk_fft_plan *plan)
{
    return plan->n;
}

/* The m-point complex FFT of zr, zi in place, its input already in bit-reversed order;
 * sign -1 forward, +1 inverse (unnormalised). */
static void transform(pk_fft_plan *p, float sign)
{
    float *restrict zr = p->zr, *restrict zi = p->zi;
    const size_t m = p->m;
    for (size_t a = 0; a < m; a += 2) {
        const float tr = zr[a + 1], ti = zi[a + 1];
        zr[a + 1] = zr[a] - tr, zi[a + 1] = zi[a] - ti;
        zr[a] += tr, zi[a] += ti;
    }
    for (size_t h = 2; h < m; h *= 2) {
        const float *restrict wr = p->stage_re + h - 1, *restrict wi = p->stage_im + h - 1;
        for (size_t start = 0; start < m; start += 2 * h) {
            float *restrict ar = zr + start, *restrict ai = zi + start;
            float *restrict br = ar + h, *restrict bi = ai + h;
            for (size_t j = 0; j < h; j++) {
                const float s = sign * -wi[j];
                const float tr = br[j] * wr[j] - bi[j] * s, ti = br[j] * s + bi[j] * wr[j];
                br[j] = ar[j] - tr, bi[j] = ai[j] - ti;
                ar[j] += tr, ai[j] += ti;
            }
        }
    }
}

void pk_fft_forward(pk_fft_plan *p, const float *x, float *re, float *im)
{
    const size_t m = p->m;
    float *zr = p->zr, *zi = p->zi;
    for (size_t k = 0; k < m; k++)
        zr[p->order[k]] = x[2 * k], zi[p->order[k]] = x[2 * k + 1];
    transform(p, -1.0f);
    re[0] = zr[0] + zi[0], im[0] = 0.0f;
    re[m] = zr[0] - zi[0], im[m] = 0.0f;
    for (size_t k = 1; k < m; k++) {
        /* The even samples' spectrum E = (Z[k] + conj Z[m-k]) / 2, the odd ones'
         * O = (Z[k] - conj Z[m-k]) / 2i; X[k] = E + e^(-2 pi i k / n) O. */
        const float ar = zr[k], ai = zi[k], br = zr[m - k], bi = -zi[m - k];
        const float er = 0.5f * (ar + br), ei = 0.5f * (ai + bi);
        const float or_ = 0.5f * (ai - bi), oi = -0.5f * (ar - br);
        const float c = p->join_re[k], s = -p->join_im[k];
        re[k] = er + c * or_ - s * oi;
        im[k] = ei + c * oi + s * or_;
    }
}

void pk_fft_inverse(pk_fft_plan *p, const float *re, const float *im, float *x)
{
    const size_t m = p->m;
    float *zr = p->zr, *zi = p->zi;
    {
        /* Bin 0: E = X[0] + X[m], O = X[0] - X[m], both real. */
        const size_t to = p->order[0];
        zr[to] = re[0] + re[m];
        zi[to] = re[0] - re[m];
    }
    for (size_t k = 1; k < m; k++) {
        /* Twice the halves' spectra: E = X[k] + conj X[m-k], O = (X[k] - conj X[m-k])
         * e^(2 pi i k / n); Z[k] = E + i O. */
        const float ar = re[k], ai = im[k], br = re[m - k], bi = -im[m - k];
        const float dr = ar - br, di = ai - bi;
        const float c = p->join_re[k], s = p->join_im[k];
        const float or_ = dr * c - di * s, oi = dr * s + di * c;
        const size_t to = p->order[k];
        zr[to] = ar + br - oi;
        zi[to] = ai + bi + or_;
    }
    transform(p, 1.0f);
    for (size_t k = 0; k < m; k++)
        x[2 * k] = zr[k], x[2 * k + 1] = zi[k];
}
