/* The resampler's sample loops, written once: included by resample.c for each pair of
 * COMPUTE (the history, table and sums) and IO (the caller's samples) types, whose names get
 * the suffix SFX. */
#define FN(name) PK_CAT(name, SFX)

/* Deinterleave `frames` input frames onto the end of the history, converting to COMPUTE. */
PK_INLINE void FN(push_)(pk_resampler *r, const IO *x, ptrdiff_t frames)
{
    const ptrdiff_t channels = r->channels, capacity = r->capacity;
    COMPUTE *h = (COMPUTE *)r->history + r->length;
    for (ptrdiff_t c = 0; c < channels; c++)
        for (ptrdiff_t f = 0; f < frames; f++)
            h[c * capacity + f] = (COMPUTE)x[f * channels + c];
    r->length += frames;
    r->end += frames;
}

#if PK_VECTORS
/* Two 32-byte vectors of partial sums per channel: AVX2 registers, or halves of them with SSE. */
typedef COMPUTE FN(vec_) __attribute__((vector_size(32)));
typedef COMPUTE FN(half_) __attribute__((vector_size(16)));
#define VL ((ptrdiff_t)(32 / sizeof(COMPUTE)))

PK_INLINE FN(vec_) FN(load_)(const COMPUTE *p)
{
    FN(vec_) v;
    memcpy(&v, p, sizeof v); /* unaligned */
    return v;
}

PK_INLINE COMPUTE FN(sum_)(FN(vec_) a, FN(vec_) b)
{
    FN(half_) lo, hi;
    a += b;
    memcpy(&lo, &a, sizeof lo);
    memcpy(&hi, (char *)&a + sizeof lo, sizeof hi);
    lo += hi;
    COMPUTE s = lo[0];
    for (ptrdiff_t i = 1; i < VL / 2; i++)
        s += lo[i];
    return s;
}

/* Sum of c[j] * x[j] for j < n, n a multiple of PK_RS_TAP_MULTIPLE. */
PK_INLINE COMPUTE FN(dot1_)(const COMPUTE *restrict c, const COMPUTE *restrict x, ptrdiff_t n)
{
    FN(vec_) a = {0}, b = {0};
    for (ptrdiff_t j = 0; j < n; j += 2 * VL) {
        a += FN(load_)(c + j) * FN(load_)(x + j);
        b += FN(load_)(c + j + VL) * FN(load_)(x + j + VL);
    }
    return FN(sum_)(a, b);
}

/* Two channels against the same coefficients: each coefficient is loaded once for both. */
PK_INLINE void FN(dot2_)(const COMPUTE *restrict c, const COMPUTE *restrict x0,
                         const COMPUTE *restrict x1, ptrdiff_t n, IO *y0, IO *y1)
{
    FN(vec_) a0 = {0}, b0 = {0}, a1 = {0}, b1 = {0};
    for (ptrdiff_t j = 0; j < n; j += 2 * VL) {
        const FN(vec_) ca = FN(load_)(c + j), cb = FN(load_)(c + j + VL);
        a0 += ca * FN(load_)(x0 + j);
        b0 += cb * FN(load_)(x0 + j + VL);
        a1 += ca * FN(load_)(x1 + j);
        b1 += cb * FN(load_)(x1 + j + VL);
    }
    *y0 = (IO)FN(sum_)(a0, b0);
    *y1 = (IO)FN(sum_)(a1, b1);
}

/* PK_RS_POLY for one channel, or two: each coefficient is evaluated from the cubic in
 * registers as the sums take it, instead of through a row in memory. */
PK_INLINE void FN(poly_dot_)(const COMPUTE *restrict c0, ptrdiff_t n, COMPUTE w,
                             const COMPUTE *restrict x0, const COMPUTE *restrict x1, int two,
                             IO *y0, IO *y1)
{
    const COMPUTE *c1 = c0 + n, *c2 = c1 + n, *c3 = c2 + n;
    const FN(vec_) wv = (FN(vec_)){0} + w;
    FN(vec_) a0 = {0}, b0 = {0}, a1 = {0}, b1 = {0};
    for (ptrdiff_t j = 0; j < n; j += 2 * VL) {
        const FN(vec_) ca = FN(load_)(c0 + j) + wv * (FN(load_)(c1 + j) + wv * (
                            FN(load_)(c2 + j) + wv * FN(load_)(c3 + j)));
        const FN(vec_) cb = FN(load_)(c0 + j + VL) + wv * (FN(load_)(c1 + j + VL) + wv * (
                            FN(load_)(c2 + j + VL) + wv * FN(load_)(c3 + j + VL)));
        a0 += ca * FN(load_)(x0 + j);
        b0 += cb * FN(load_)(x0 + j + VL);
        if (two) {
            a1 += ca * FN(load_)(x1 + j);
            b1 += cb * FN(load_)(x1 + j + VL);
        }
    }
    *y0 = (IO)FN(sum_)(a0, b0);
    if (two)
        *y1 = (IO)FN(sum_)(a1, b1);
}
#undef VL

#else /* compilers without vector extensions: independent lanes the optimiser may vectorise */

PK_INLINE COMPUTE FN(dot1_)(const COMPUTE *restrict c, const COMPUTE *restrict x, ptrdiff_t n)
{
    COMPUTE acc[PK_RS_TAP_MULTIPLE] = {0}, s = 0;
    for (ptrdiff_t j = 0; j < n; j += PK_RS_TAP_MULTIPLE)
        for (int l = 0; l < PK_RS_TAP_MULTIPLE; l++)
            acc[l] += c[j + l] * x[j + l];
    for (int l = 0; l < PK_RS_TAP_MULTIPLE; l++)
        s += acc[l];
    return s;
}

PK_INLINE void FN(dot2_)(const COMPUTE *restrict c, const COMPUTE *restrict x0,
                         const COMPUTE *restrict x1, ptrdiff_t n, IO *y0, IO *y1)
{
    *y0 = (IO)FN(dot1_)(c, x0, n);
    *y1 = (IO)FN(dot1_)(c, x1, n);
}

PK_INLINE void FN(poly_dot_)(const COMPUTE *restrict c0, ptrdiff_t n, COMPUTE w,
                             const COMPUTE *restrict x0, const COMPUTE *restrict x1, int two,
                             IO *y0, IO *y1)
{
    const COMPUTE *c1 = c0 + n, *c2 = c1 + n, *c3 = c2 + n;
    COMPUTE s0 = 0, s1 = 0;
    for (ptrdiff_t j = 0; j < n; j++) {
        const COMPUTE c = c0[j] + w * (c1[j] + w * (c2[j] + w * c3[j]));
        s0 += c * x0[j];
        s1 += c * x1[j];
    }
    *y0 = (IO)s0;
    if (two)
        *y1 = (IO)s1;
}
#endif

/* PK_RS_POLY: the interval's four coefficient rows (cubic in w) for an output at frac/den
 * past a frame, and w, the position within the interval. */
PK_INLINE const COMPUTE *FN(interval_)(const pk_resampler *r, uint64_t frac, COMPUTE *w)
{
    const uint64_t scaled = frac * (uint64_t)r->phases;
    const ptrdiff_t i = (ptrdiff_t)(scaled / r->den);
    *w = (COMPUTE)((double)(scaled % r->den) / (double)r->den);
    return (const COMPUTE *)r->table + i * 4 * r->taps;
}

/* The coefficients for an output at frac/den past a frame. */
PK_INLINE const COMPUTE *FN(row_)(const pk_resampler *r, uint64_t frac)
{
    const ptrdiff_t taps = r->taps;
    if (r->kind == PK_RS_TABLE)
        return (const COMPUTE *)r->table + (ptrdiff_t)frac * taps;
    COMPUTE w;
    const COMPUTE *c0 = FN(interval_)(r, frac, &w), *c1 = c0 + taps, *c2 = c1 + taps,
                  *c3 = c2 + taps;
    COMPUTE *row = (COMPUTE *)r->row;
    for (ptrdiff_t j = 0; j < taps; j++)
        row[j] = c0[j] + w * (c1[j] + w * (c2[j] + w * c3[j]));
    return row;
}

/* Write outputs while their windows are in the history, at most `limit` of them. */
PK_INLINE ptrdiff_t FN(run_)(pk_resampler *r, IO *out, ptrdiff_t limit)
{
    const ptrdiff_t channels = r->channels, capacity = r->capacity, taps = r->taps;
    const ptrdiff_t half = taps / 2, length = r->length;
    const uint64_t den = r->den, step_frac = r->step_frac;
    const int64_t step_int = r->step_int;
    const COMPUTE *history = (const COMPUTE *)r->history;
    ptrdiff_t pos = r->pos, n = 0;
    uint64_t frac = r->frac;

    for (; n < limit && pos + half < length; n++) {
        const COMPUTE *x = history + (pos - half + 1);
        IO *o = out + n * channels;
        if (r->kind == PK_RS_CUBIC) {
            /* Catmull-Rom through x[0..3], evaluated between x[1] and x[2]. */
            const COMPUTE w = (COMPUTE)((double)frac / (double)den), w2 = w * w, w3 = w2 * w;
            const COMPUTE c0 = (COMPUTE)0.5 * (-w3 + 2 * w2 - w);
            const COMPUTE c1 = (COMPUTE)0.5 * (3 * w3 - 5 * w2 + 2);
            const COMPUTE c2 = (COMPUTE)0.5 * (-3 * w3 + 4 * w2 + w);
            const COMPUTE c3 = (COMPUTE)0.5 * (w3 - w2);
            for (ptrdiff_t c = 0; c < channels; c++) {
                const COMPUTE *xc = x + c * capacity;
                o[c] = (IO)(c0 * xc[0] + c1 * xc[1] + c2 * xc[2] + c3 * xc[3]);
            }
        } else if (r->kind == PK_RS_POLY && channels <= 2) {
            COMPUTE w;
            const COMPUTE *c0 = FN(interval_)(r, frac, &w);
            if (channels == 2)
                FN(poly_dot_)(c0, taps, w, x, x + capacity, 1, &o[0], &o[1]);
            else
                FN(poly_dot_)(c0, taps, w, x, x, 0, &o[0], &o[0]);
        } else {
            const COMPUTE *coefs = FN(row_)(r, frac);
            ptrdiff_t c = 0;
            for (; c + 1 < channels; c += 2)
                FN(dot2_)(coefs, x + c * capacity, x + (c + 1) * capacity, taps, &o[c],
                          &o[c + 1]);
            if (c < channels)
                o[c] = (IO)FN(dot1_)(coefs, x + c * capacity, taps);
        }
        frac += step_frac;
        pos += step_int;
        if (frac >= den) {
            frac -= den;
            pos++;
        }
    }
    r->pos = pos;
    r->frac = frac;
    return n;
}

PK_SIMD static ptrdiff_t FN(process_)(pk_resampler *r, const IO *x, ptrdiff_t frames, IO *out,
                                      int last)
{
    const ptrdiff_t channels = r->channels, todo = pk_rs_pending(r, frames, last);
    ptrdiff_t done = 0;
    for (;;) {
        compact(r);
        const ptrdiff_t take = frames < r->capacity - r->length ? frames
                                                                : r->capacity - r->length;
        FN(push_)(r, x, take);
        x += take * channels;
        frames -= take;
        done += FN(run_)(r, out + done * channels, todo - done);
        if (frames == 0)
            break;
    }
    /* Draining: the outputs left need zeros past the end of the input. */
    while (done < todo) {
        compact(r);
        pad_zeros(r);
        done += FN(run_)(r, out + done * channels, todo - done);
    }
    return done;
}

#undef FN
#undef COMPUTE
#undef IO
#undef SFX
