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

/* A vector read exactly once: values used twice stay in registers. (Through memcpy, GCC folds
 * each use into its own memory operand, 16 loads for the 8 multiply-adds of dot2x2_, which
 * made two outputs at once slower than one at a time.) */
typedef COMPUTE FN(unaligned_) __attribute__((vector_size(32), aligned(sizeof(COMPUTE))));
PK_INLINE FN(vec_) FN(load_once_)(const COMPUTE *p)
{
    return *(const volatile FN(unaligned_) *)p;
}

/* Two outputs (coefficients c and e over the same n frames) of two channels: each input
 * vector is loaded once for both outputs, each coefficient vector once for both channels. */
PK_INLINE void FN(dot2x2_)(const COMPUTE *restrict c, const COMPUTE *restrict e,
                           const COMPUTE *restrict x0, const COMPUTE *restrict x1, ptrdiff_t n,
                           IO *y0, IO *y1, IO *z0, IO *z1)
{
    FN(vec_) ya0 = {0}, yb0 = {0}, ya1 = {0}, yb1 = {0};
    FN(vec_) za0 = {0}, zb0 = {0}, za1 = {0}, zb1 = {0};
    for (ptrdiff_t j = 0; j < n; j += 2 * VL) {
        const FN(vec_) xa0 = FN(load_once_)(x0 + j), xa1 = FN(load_once_)(x1 + j);
        const FN(vec_) ca = FN(load_once_)(c + j), ea = FN(load_once_)(e + j);
        ya0 += ca * xa0;
        ya1 += ca * xa1;
        za0 += ea * xa0;
        za1 += ea * xa1;
        const FN(vec_) xb0 = FN(load_once_)(x0 + j + VL), xb1 = FN(load_once_)(x1 + j + VL);
        const FN(vec_) cb = FN(load_once_)(c + j + VL), eb = FN(load_once_)(e + j + VL);
        yb0 += cb * xb0;
        yb1 += cb * xb1;
        zb0 += eb * xb0;
        zb1 += eb * xb1;
    }
    *y0 = (IO)FN(sum_)(ya0, yb0);
    *y1 = (IO)FN(sum_)(ya1, yb1);
    *z0 = (IO)FN(sum_)(za0, zb0);
    *z1 = (IO)FN(sum_)(za1, zb1);
}

PK_INLINE void FN(dot1x2_)(const COMPUTE *restrict c, const COMPUTE *restrict e,
                           const COMPUTE *restrict x, ptrdiff_t n, IO *y, IO *z)
{
    FN(vec_) ya = {0}, yb = {0}, za = {0}, zb = {0};
    for (ptrdiff_t j = 0; j < n; j += 2 * VL) {
        const FN(vec_) xa = FN(load_once_)(x + j), xb = FN(load_once_)(x + j + VL);
        ya += FN(load_once_)(c + j) * xa;
        yb += FN(load_once_)(c + j + VL) * xb;
        za += FN(load_once_)(e + j) * xa;
        zb += FN(load_once_)(e + j + VL) * xb;
    }
    *y = (IO)FN(sum_)(ya, yb);
    *z = (IO)FN(sum_)(za, zb);
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

PK_INLINE void FN(dot2x2_)(const COMPUTE *restrict c, const COMPUTE *restrict e,
                           const COMPUTE *restrict x0, const COMPUTE *restrict x1, ptrdiff_t n,
                           IO *y0, IO *y1, IO *z0, IO *z1)
{
    FN(dot2_)(c, x0, x1, n, y0, y1);
    FN(dot2_)(e, x0, x1, n, z0, z1);
}

PK_INLINE void FN(dot1x2_)(const COMPUTE *restrict c, const COMPUTE *restrict e,
                           const COMPUTE *restrict x, ptrdiff_t n, IO *y, IO *z)
{
    *y = (IO)FN(dot1_)(c, x, n);
    *z = (IO)FN(dot1_)(e, x, n);
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
 * past a frame, and w, the position within the interval. frac * (phases / den) in double is
 * exact to 1e-14 of an interval (frac < 2^32), without a division per output. */
PK_INLINE const COMPUTE *FN(interval_)(const pk_resampler *r, uint64_t frac,
                                       double phases_per_den, COMPUTE *w)
{
    const double u = (double)frac * phases_per_den;
    ptrdiff_t i = (ptrdiff_t)u;
    if (i >= r->phases)
        i = r->phases - 1;
    *w = (COMPUTE)(u - (double)i);
    return (const COMPUTE *)r->table + i * 4 * r->taps;
}

/* The coefficients for an output at frac/den past a frame. */
PK_INLINE const COMPUTE *FN(row_)(const pk_resampler *r, uint64_t frac)
{
    const ptrdiff_t taps = r->taps;
    if (r->kind == PK_RS_TABLE)
        return (const COMPUTE *)r->table + (ptrdiff_t)frac * (PK_RS_PAD_LEFT + taps +
                                                              PK_RS_PAD_RIGHT) + PK_RS_PAD_LEFT;
    COMPUTE w;
    const COMPUTE *c0 = FN(interval_)(r, frac, (double)r->phases / (double)r->den, &w);
    const COMPUTE *c1 = c0 + taps, *c2 = c1 + taps, *c3 = c2 + taps;
    COMPUTE *row = (COMPUTE *)r->row;
    for (ptrdiff_t j = 0; j < taps; j++)
        row[j] = c0[j] + w * (c1[j] + w * (c2[j] + w * c3[j]));
    return row;
}

/* One output of every channel from the window starting at x; phases_per_den is
 * r->phases / r->den, for PK_RS_POLY. */
PK_INLINE void FN(single_)(const pk_resampler *r, const COMPUTE *x, uint64_t frac,
                           double phases_per_den, IO *o)
{
    const ptrdiff_t channels = r->channels, capacity = r->capacity, taps = r->taps;
    if (r->kind == PK_RS_CUBIC) {
        /* Catmull-Rom through x[0..3], evaluated between x[1] and x[2]. */
        PK_CATMULL_ROM(COMPUTE, (COMPUTE)((double)frac / (double)r->den), k0, k1, k2, k3);
        for (ptrdiff_t c = 0; c < channels; c++) {
            const COMPUTE *xc = x + c * capacity;
            o[c] = (IO)(k0 * xc[0] + k1 * xc[1] + k2 * xc[2] + k3 * xc[3]);
        }
    } else if (r->kind == PK_RS_POLY && channels <= 2) {
        COMPUTE w;
        const COMPUTE *c0 = FN(interval_)(r, frac, phases_per_den, &w);
        if (channels == 2)
            FN(poly_dot_)(c0, taps, w, x, x + capacity, 1, &o[0], &o[1]);
        else
            FN(poly_dot_)(c0, taps, w, x, x, 0, &o[0], &o[0]);
    } else {
        const COMPUTE *coefs = FN(row_)(r, frac);
        ptrdiff_t c = 0;
        for (; c + 1 < channels; c += 2)
            FN(dot2_)(coefs, x + c * capacity, x + (c + 1) * capacity, taps, &o[c], &o[c + 1]);
        if (c < channels)
            o[c] = (IO)FN(dot1_)(coefs, x + c * capacity, taps);
    }
}

/* Outputs 2m and 2m + 1 of a PK_RS_TABLE stream, the second `shift` frames after the first,
 * in one pass over their joint window from x (see PK_RS_PAD_LEFT). */
PK_INLINE void FN(pair_)(const pk_resampler *r, const COMPUTE *x, uint64_t frac,
                         uint64_t next_frac, ptrdiff_t shift, IO *o)
{
    const ptrdiff_t channels = r->channels, capacity = r->capacity, skip = PK_RS_ZERO_ENDS;
    const ptrdiff_t span = (r->taps - 2 * skip + shift + PK_RS_TAP_MULTIPLE - 1) /
                           PK_RS_TAP_MULTIPLE * PK_RS_TAP_MULTIPLE;
    const COMPUTE *first = FN(row_)(r, frac) + skip;
    const COMPUTE *second = FN(row_)(r, next_frac) + skip - shift;
    x += skip;
    IO *o2 = o + channels;
    ptrdiff_t c = 0;
    for (; c + 1 < channels; c += 2)
        FN(dot2x2_)(first, second, x + c * capacity, x + (c + 1) * capacity, span, &o[c],
                    &o[c + 1], &o2[c], &o2[c + 1]);
    if (c < channels)
        FN(dot1x2_)(first, second, x + c * capacity, span, &o[c], &o2[c]);
}

/* Write the outputs that are ready (see pk_rs_pending), at most `limit` of them. */
PK_INLINE ptrdiff_t FN(run_)(pk_resampler *r, IO *out, ptrdiff_t limit)
{
    const ptrdiff_t channels = r->channels, half = r->taps / 2;
    const ptrdiff_t ready_end = r->length - half - lookahead(r); /* ready while pos is below */
    const uint64_t den = r->den, step_frac = r->step_frac;
    const int64_t step_int = r->step_int;
    const int pairs = r->kind == PK_RS_TABLE;
    const double phases_per_den = (double)r->phases / (double)den;
    const COMPUTE *history = (const COMPUTE *)r->history;
    ptrdiff_t pos = r->pos, n = 0;
    uint64_t frac = r->frac;

    while (n < limit && pos < ready_end) {
        ptrdiff_t next = pos + step_int;
        uint64_t next_frac = frac + step_frac;
        if (next_frac >= den) {
            next_frac -= den;
            next++;
        }
        const COMPUTE *x = history + (pos - half + 1);
        if (pairs && (r->produced + n) % 2 == 0 && next - pos <= PK_RS_PAD_LEFT &&
            n + 1 < limit) {
            if (next >= ready_end)
                break; /* the first of a pair waits for the second */
            FN(pair_)(r, x, frac, next_frac, next - pos, out + n * channels);
            n += 2;
            pos = next + step_int;
            frac = next_frac + step_frac;
            if (frac >= den) {
                frac -= den;
                pos++;
            }
        } else { /* unpaired: a long step, another kind, or the stream's last output */
            FN(single_)(r, x, frac, phases_per_den, out + n * channels);
            n++;
            pos = next;
            frac = next_frac;
        }
    }
    r->pos = pos;
    r->frac = frac;
    r->produced += n;
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
