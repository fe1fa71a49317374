/* The real FFT (fft.h): a complex radix-2 FFT of n/2 points on the even samples as real parts
 * and the odd ones as imaginary parts, then one pass that separates the two halves' spectra
 * and joins them into the n-point spectrum. Twiddles are computed in double once, in the plan;
 * each stage's are stored contiguously so its butterflies run over unit strides. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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

/* One butterfly of span h: b times the twiddle w (conjugated for the inverse, sign +1),
 * then a + wb, a - wb. */
PK_INLINE void butterfly(float *ar, float *ai, float *br, float *bi, float wr, float wi,
                         float sign)
{
    const float s = -sign * wi;
    const float tr = *br * wr - *bi * s, ti = *br * s + *bi * wr;
    *br = *ar - tr, *bi = *ai - ti;
    *ar += tr, *ai += ti;
}

/* The first three stages (spans 1, 2, 4) on 8 points in registers. */
PK_INLINE void first_stages(float *r, float *i, const float *wr, const float *wi, float sign)
{
#define PK_BUTTERFLY(a, b, w) butterfly(r + (a), i + (a), r + (b), i + (b), wr[w], wi[w], sign)
    PK_BUTTERFLY(0, 1, 0), PK_BUTTERFLY(2, 3, 0), PK_BUTTERFLY(4, 5, 0), PK_BUTTERFLY(6, 7, 0);
    PK_BUTTERFLY(0, 2, 1), PK_BUTTERFLY(1, 3, 2), PK_BUTTERFLY(4, 6, 1), PK_BUTTERFLY(5, 7, 2);
    PK_BUTTERFLY(0, 4, 3), PK_BUTTERFLY(1, 5, 4), PK_BUTTERFLY(2, 6, 5), PK_BUTTERFLY(3, 7, 6);
#undef PK_BUTTERFLY
}

#if PK_VECTORS
/* 8 floats; loads and stores through it need no alignment. */
typedef float pk_v8 __attribute__((vector_size(32), aligned(4), may_alias));
#define PK_LANES 8
#define PK_VEC(T, name, at) T name = *(const pk_v8 *)(at)
#define PK_PUT(at, value) (*(pk_v8 *)(at) = (value))
#else
#define PK_LANES 1
#define PK_VEC(T, name, at) T name = *(at)
#define PK_PUT(at, value) (*(at) = (value))
typedef float pk_v8;
#endif

/* One butterfly of span h on PK_LANES points in a row. */
PK_INLINE void butterflies(pk_v8 *ar, pk_v8 *ai, pk_v8 *br, pk_v8 *bi, pk_v8 wr, pk_v8 s)
{
    const pk_v8 tr = *br * wr - *bi * s, ti = *br * s + *bi * wr;
    *br = *ar - tr, *bi = *ai - ti;
    *ar += tr, *ai += ti;
}

/* Butterflies of span h >= 8 on zr, zi (m points). */
PK_SIMD static void stage(float *zr, float *zi, size_t m, size_t h, const float *wr,
                          const float *wi, float sign)
{
    for (size_t start = 0; start < m; start += 2 * h)
        for (size_t j = start; j < start + h; j += PK_LANES) {
            PK_VEC(pk_v8, a_r, zr + j); PK_VEC(pk_v8, a_i, zi + j);
            PK_VEC(pk_v8, b_r, zr + j + h); PK_VEC(pk_v8, b_i, zi + j + h);
            PK_VEC(pk_v8, w_r, wr + j - start); PK_VEC(pk_v8, w_i, wi + j - start);
            butterflies(&a_r, &a_i, &b_r, &b_i, w_r, -sign * w_i);
            PK_PUT(zr + j, a_r), PK_PUT(zi + j, a_i);
            PK_PUT(zr + j + h, b_r), PK_PUT(zi + j + h, b_i);
        }
}

/* Spans h and 2h in one pass (the same arithmetic as two stages, half the memory traffic):
 * twiddles w (span h) and v (span 2h); h >= 8. */
PK_SIMD static void stage4(float *zr, float *zi, size_t m, size_t h, const float *wr,
                           const float *wi, const float *vr, const float *vi, float sign)
{
    for (size_t start = 0; start < m; start += 4 * h)
        for (size_t j = start; j < start + h; j += PK_LANES) {
            const size_t t = j - start;
            PK_VEC(pk_v8, a_r, zr + j); PK_VEC(pk_v8, a_i, zi + j);
            PK_VEC(pk_v8, b_r, zr + j + h); PK_VEC(pk_v8, b_i, zi + j + h);
            PK_VEC(pk_v8, c_r, zr + j + 2 * h); PK_VEC(pk_v8, c_i, zi + j + 2 * h);
            PK_VEC(pk_v8, d_r, zr + j + 3 * h); PK_VEC(pk_v8, d_i, zi + j + 3 * h);
            PK_VEC(pk_v8, w_r, wr + t); PK_VEC(pk_v8, w_i, wi + t);
            PK_VEC(pk_v8, v_r, vr + t); PK_VEC(pk_v8, v_i, vi + t);
            PK_VEC(pk_v8, u_r, vr + t + h); PK_VEC(pk_v8, u_i, vi + t + h);
            const pk_v8 w_s = -sign * w_i;
            butterflies(&a_r, &a_i, &b_r, &b_i, w_r, w_s);
            butterflies(&c_r, &c_i, &d_r, &d_i, w_r, w_s);
            butterflies(&a_r, &a_i, &c_r, &c_i, v_r, -sign * v_i);
            butterflies(&b_r, &b_i, &d_r, &d_i, u_r, -sign * u_i);
            PK_PUT(zr + j, a_r), PK_PUT(zi + j, a_i);
            PK_PUT(zr + j + h, b_r), PK_PUT(zi + j + h, b_i);
            PK_PUT(zr + j + 2 * h, c_r), PK_PUT(zi + j + 2 * h, c_i);
            PK_PUT(zr + j + 3 * h, d_r), PK_PUT(zi + j + 3 * h, d_i);
        }
}

/* Spans 1 .. m/2 (m < 8; radix 2, scalar). */
static void small(float *zr, float *zi, size_t m, const float *wr, const float *wi, float sign)
{
    for (size_t h = 1; h < m; h *= 2)
        for (size_t start = 0; start < m; start += 2 * h)
            for (size_t j = start; j < start + h; j++)
                butterfly(zr + j, zi + j, zr + j + h, zi + j + h, wr[h - 1 + j - start],
                          wi[h - 1 + j - start], sign);
}

size_t pk_fft_steps(const pk_fft_plan *p)
{
    /* the load with the first three stages (all of them below 8 points), each later pair
     * of stages (one alone first if their number is odd), the join */
    return p->m < 8 ? 2 : 2 + ((size_t)p->bits - 3 + 1) / 2;
}

/* A middle step's stages: the span it starts from; *pair whether it does two. */
static size_t span(const pk_fft_plan *p, size_t step, int *pair)
{
    const size_t odd = ((size_t)p->bits - 3) & 1;
    *pair = !(odd && step == 1);
    return (size_t)8 << (odd && step > 1 ? 2 * (step - 1) - 1 : 2 * (step - 1));
}

static void middle(pk_fft_plan *p, size_t step, float sign)
{
    int pair;
    const size_t h = span(p, step, &pair);
    const float *wr = p->stage_re + h - 1, *wi = p->stage_im + h - 1;
    if (pair)
        stage4(p->zr, p->zi, p->m, h, wr, wi, wr + h, wi + h, sign);
    else
        stage(p->zr, p->zi, p->m, h, wr, wi, sign);
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

/* The load, in bit-reversed order, and the first three stages, 8 points at a time. */
PK_SIMD static void load(pk_fft_plan *p, const float *restrict x)
{
    const size_t m = p->m;
    const uint32_t *order = p->order;
    for (size_t a = 0; a < m; a += 8) {
        float r[8], i[8];
        for (size_t q = 0; q < 8; q++)
            r[q] = x[2 * order[a + q]], i[q] = x[2 * order[a + q] + 1];
        first_stages(r, i, p->stage_re, p->stage_im, -1.0f);
        memcpy(p->zr + a, r, sizeof r);
        memcpy(p->zi + a, i, sizeof i);
    }
}

/* The inverse's load: twice the halves' spectra, in bit-reversed order, and the first three
 * stages, 8 points at a time. */
PK_SIMD static void unjoin(pk_fft_plan *p, const float *restrict re, const float *restrict im)
{
    const size_t m = p->m;
    const uint32_t *order = p->order;
    for (size_t a = 0; a < m; a += 8) {
        float r[8], i[8];
        for (size_t q = 0; q < 8; q++) {
            const size_t k = order[a + q];
            /* E = X[k] + conj X[m-k], O = (X[k] - conj X[m-k]) e^(2 pi i k / n);
             * Z[k] = E + i O. */
            const float ar = re[k], ai = im[k], br = re[m - k], bi = -im[m - k];
            const float dr = ar - br, di = ai - bi;
            const float c = p->join_re[k], s = p->join_im[k];
            const float or_ = dr * c - di * s, oi = dr * s + di * c;
            r[q] = ar + br - oi, i[q] = ai + bi + or_;
        }
        if (a == 0) /* bin 0 (order[0] is 0): E = X[0] + X[m], O = X[0] - X[m], both real */
            r[0] = re[0] + re[m], i[0] = re[0] - re[m];
        first_stages(r, i, p->stage_re, p->stage_im, 1.0f);
        memcpy(p->zr + a, r, sizeof r);
        memcpy(p->zi + a, i, sizeof i);
    }
}

void pk_fft_forward_step(pk_fft_plan *p, size_t step, const float *x, float *re, float *im)
{
    const size_t m = p->m, last = pk_fft_steps(p) - 1;
    float *zr = p->zr, *zi = p->zi;
    if (step == 0 && m >= 8) {
        load(p, x);
    } else if (step == 0) {
        for (size_t k = 0; k < m; k++)
            zr[p->order[k]] = x[2 * k], zi[p->order[k]] = x[2 * k + 1];
        small(zr, zi, m, p->stage_re, p->stage_im, -1.0f);
    } else if (step < last) {
        middle(p, step, -1.0f);
    } else {
        join(zr, zi, p->join_re, p->join_im, m, re, im);
    }
}

void pk_fft_inverse_step(pk_fft_plan *p, size_t step, const float *re, const float *im,
                         float *x)
{
    const size_t m = p->m, last = pk_fft_steps(p) - 1;
    float *zr = p->zr, *zi = p->zi;
    if (step == 0 && m >= 8) {
        unjoin(p, re, im);
    } else if (step == 0) {
        zr[0] = re[0] + re[m], zi[0] = re[0] - re[m];
        for (size_t k = 1; k < m; k++) {
            const float ar = re[k], ai = im[k], br = re[m - k], bi = -im[m - k];
            const float dr = ar - br, di = ai - bi;
            const float c = p->join_re[k], s = p->join_im[k];
            const float or_ = dr * c - di * s, oi = dr * s + di * c;
            const size_t at = p->order[k];
            zr[at] = ar + br - oi;
            zi[at] = ai + bi + or_;
        }
        small(zr, zi, m, p->stage_re, p->stage_im, 1.0f);
    } else if (step < last) {
        middle(p, step, 1.0f);
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
