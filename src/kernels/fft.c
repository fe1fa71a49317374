/* The real FFT (fft.h): a complex radix-2 FFT of n/2 points on the even samples as real parts
 * and the odd ones as imaginary parts, then one pass that separates the two halves' spectra
 * and joins them into the n-point spectrum. Twiddles are computed in double once, in the plan;
 * each stage's are stored contiguously so its butterflies run over unit strides. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "fft.h"
#include "simd.h"

struct pk_fft_plan {
    size_t n, m;       /* m = n / 2 complex points */
    int bits;          /* m = 2^bits */
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
    p->bits = bits;
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

/* Butterflies of span h on zr, zi (m points), twiddles w; sign -1 forward, +1 inverse. */
PK_SIMD static void stage(float *restrict zr, float *restrict zi, size_t m, size_t h,
                          const float *restrict wr, const float *restrict wi, float sign)
{
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

/* The first two stages at once (spans 1 and 2, whose twiddles are 1 and -+i), on m >= 4
 * points in bit-reversed order. */
static void first_stages(float *restrict zr, float *restrict zi, size_t m, float sign)
{
    for (size_t a = 0; a < m; a += 4) {
        const float r0 = zr[a] + zr[a + 1], i0 = zi[a] + zi[a + 1];
        const float r1 = zr[a] - zr[a + 1], i1 = zi[a] - zi[a + 1];
        const float r2 = zr[a + 2] + zr[a + 3], i2 = zi[a + 2] + zi[a + 3];
        const float r3 = zr[a + 2] - zr[a + 3], i3 = zi[a + 2] - zi[a + 3];
        /* the span-2 twiddle is sign i: (r3 + i i3) sign i = sign (-i3 + i r3) */
        const float tr = -sign * i3, ti = sign * r3;
        zr[a] = r0 + r2, zi[a] = i0 + i2;
        zr[a + 2] = r0 - r2, zi[a + 2] = i0 - i2;
        zr[a + 1] = r1 + tr, zi[a + 1] = i1 + ti;
        zr[a + 3] = r1 - tr, zi[a + 3] = i1 - ti;
    }
}

static void first_stage(float *restrict zr, float *restrict zi, size_t m, float sign)
{
    if (m >= 4) {
        first_stages(zr, zi, m, sign);
        return;
    }
    for (size_t a = 0; a < m; a += 2) {
        const float tr = zr[a + 1], ti = zi[a + 1];
        zr[a + 1] = zr[a] - tr, zi[a + 1] = zi[a] - ti;
        zr[a] += tr, zi[a] += ti;
    }
}

size_t pk_fft_steps(const pk_fft_plan *p)
{
    /* the load with the first stage(s), each later stage, the join */
    return p->m >= 4 ? (size_t)p->bits : 2;
}

/* Stage step 1 .. steps - 2 runs: the span it doubles from. */
static size_t span(const pk_fft_plan *p, size_t step)
{
    return p->m >= 4 ? (size_t)2 << step : 1;
}

PK_SIMD static void join(const float *restrict zr, const float *restrict zi,
                         const float *restrict cr, const float *restrict ci, size_t m,
                         float *restrict re, float *restrict im)
{
    re[0] = zr[0] + zi[0], im[0] = 0.0f;
    re[m] = zr[0] - zi[0], im[m] = 0.0f;
    for (size_t k = 1; k < m; k++) {
        /* The even samples' spectrum E = (Z[k] + conj Z[m-k]) / 2, the odd ones'
         * O = (Z[k] - conj Z[m-k]) / 2i; X[k] = E + e^(-2 pi i k / n) O. */
        const float ar = zr[k], ai = zi[k], br = zr[m - k], bi = -zi[m - k];
        const float er = 0.5f * (ar + br), ei = 0.5f * (ai + bi);
        const float or_ = 0.5f * (ai - bi), oi = -0.5f * (ar - br);
        const float c = cr[k], s = -ci[k];
        re[k] = er + c * or_ - s * oi;
        im[k] = ei + c * oi + s * or_;
    }
}

void pk_fft_forward_step(pk_fft_plan *p, size_t step, const float *x, float *re, float *im)
{
    const size_t m = p->m, last = pk_fft_steps(p) - 1;
    float *zr = p->zr, *zi = p->zi;
    if (step == 0) {
        for (size_t k = 0; k < m; k++)
            zr[p->order[k]] = x[2 * k], zi[p->order[k]] = x[2 * k + 1];
        first_stage(zr, zi, m, -1.0f);
    } else if (step < last) {
        const size_t h = span(p, step);
        stage(zr, zi, m, h, p->stage_re + h - 1, p->stage_im + h - 1, -1.0f);
    } else {
        join(zr, zi, p->join_re, p->join_im, m, re, im);
    }
}

void pk_fft_inverse_step(pk_fft_plan *p, size_t step, const float *re, const float *im,
                         float *x)
{
    const size_t m = p->m, last = pk_fft_steps(p) - 1;
    float *zr = p->zr, *zi = p->zi;
    if (step == 0) {
        /* Bin 0: E = X[0] + X[m], O = X[0] - X[m], both real. */
        const size_t to = p->order[0];
        zr[to] = re[0] + re[m];
        zi[to] = re[0] - re[m];
        for (size_t k = 1; k < m; k++) {
            /* Twice the halves' spectra: E = X[k] + conj X[m-k], O = (X[k] - conj X[m-k])
             * e^(2 pi i k / n); Z[k] = E + i O. */
            const float ar = re[k], ai = im[k], br = re[m - k], bi = -im[m - k];
            const float dr = ar - br, di = ai - bi;
            const float c = p->join_re[k], s = p->join_im[k];
            const float or_ = dr * c - di * s, oi = dr * s + di * c;
            const size_t at = p->order[k];
            zr[at] = ar + br - oi;
            zi[at] = ai + bi + or_;
        }
        first_stage(zr, zi, m, 1.0f);
    } else if (step < last) {
        const size_t h = span(p, step);
        stage(zr, zi, m, h, p->stage_re + h - 1, p->stage_im + h - 1, 1.0f);
    } else {
        for (size_t k = 0; k < m; k++)
            x[2 * k] = zr[k], x[2 * k + 1] = zi[k];
    }
}

void pk_fft_forward(pk_fft_plan *p, const float *x, float *re, float *im)
{
    const size_t steps = pk_fft_steps(p);
    for (size_t step = 0; step < steps; step++)
        pk_fft_forward_step(p, step, x, re, im);
}

void pk_fft_inverse(pk_fft_plan *p, const float *re, const float *im, float *x)
{
    const size_t steps = pk_fft_steps(p);
    for (size_t step = 0; step < steps; step++)
        pk_fft_inverse_step(p, step, re, im, x);
}
