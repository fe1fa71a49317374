/* The meter kernel, written once: kernels.c includes this file for each sample type with
 *   SAMPLE        the sample type;            SFX  the name suffix (f, d, i16, i32);
 *   KEY_T, KEY(x) an unsigned integer that orders samples by magnitude (for floats the bits
 *                 with the sign cleared, so NaN orders above infinity and wins the max);
 *   KEY_VALUE(k)  that magnitude as a double;  FULL_SCALE  the value that reads as 1.0.
 * Integer keys make the max a plain integer max, which every SIMD level vectorises. */

#define FN(name) PK_CAT(name, SFX)

/* The fast path's inner loops over whole groups of PK_LANES samples. Lane j sees only samples
 * of channel j % channels; the lanes are independent accumulators, copied into locals so that
 * the compiler keeps them in vector registers. */
PK_INLINE void FN(peak_lanes_)(const SAMPLE *x, size_t n, KEY_T *lane_keys)
{
    KEY_T keys[PK_LANES];
    memcpy(keys, lane_keys, sizeof keys);
    for (size_t i = 0; i < n; i += PK_LANES)
        for (size_t j = 0; j < PK_LANES; j++) {
            const KEY_T k = KEY(x[i + j]);
            keys[j] = k > keys[j] ? k : keys[j];
        }
    memcpy(lane_keys, keys, sizeof keys);
}

PK_INLINE void FN(sumsq_lanes_)(const SAMPLE *x, size_t n, double *lane_sums)
{
    double sums[PK_LANES];
    memcpy(sums, lane_sums, sizeof sums);
    for (size_t i = 0; i < n; i += PK_LANES)
        for (size_t j = 0; j < PK_LANES; j++)
            sums[j] += (double)x[i + j] * (double)x[i + j];
    memcpy(lane_sums, sums, sizeof sums);
}

/* Inlined with constant want_peak/want_sumsq so that each variant does only its work. */
PK_INLINE void FN(meter_)(const SAMPLE *x, size_t frames, size_t channels, double *peak,
                              double *sumsq, int want_peak, int want_sumsq)
{
    const size_t n = frames * channels;
    if (channels == 0)
        return;
    if (PK_LANES % channels == 0) {
        KEY_T keys[PK_LANES] = {0};
        double sums[PK_LANES] = {0};
        const size_t whole = n - n % PK_LANES;
        /* Both readings a block at a time: the second reads the block while it is in L1. */
        for (size_t b = 0; b < whole; b += PK_METER_BLOCK) {
            const size_t len = whole - b < PK_METER_BLOCK ? whole - b : PK_METER_BLOCK;
            if (want_peak)
                FN(peak_lanes_)(x + b, len, keys);
            if (want_sumsq)
                FN(sumsq_lanes_)(x + b, len, sums);
        }
        for (size_t j = 0; whole + j < n; j++) {
            const KEY_T k = KEY(x[whole + j]);
            keys[j] = k > keys[j] ? k : keys[j];
            sums[j] += (double)x[whole + j] * (double)x[whole + j];
        }
        for (size_t c = 0; c < channels; c++) {
            KEY_T k = 0;
            double s = 0;
            for (size_t j = c; j < PK_LANES; j += channels) {
                k = keys[j] > k ? keys[j] : k;
                s += sums[j];
            }
            if (want_peak)
                peak[c] = KEY_VALUE(k) / FULL_SCALE;
            if (want_sumsq)
                sumsq[c] = s / (FULL_SCALE * FULL_SCALE);
        }
    } else {
        /* Any other channel count: a frame at a time, the running values kept in the outputs. */
        for (size_t c = 0; c < channels; c++) {
            if (want_peak)
                peak[c] = 0;
            if (want_sumsq)
                sumsq[c] = 0;
        }
        for (size_t f = 0; f < frames; f++)
            for (size_t c = 0; c < channels; c++) {
                const SAMPLE s = x[f * channels + c];
                if (want_peak) {
                    const double m = KEY_VALUE(KEY(s));
                    if (m > peak[c] || m != m)
                        peak[c] = m;
                }
                if (want_sumsq)
                    sumsq[c] += (double)s * (double)s;
            }
        for (size_t c = 0; c < channels; c++) {
            if (want_peak)
                peak[c] /= FULL_SCALE;
            if (want_sumsq)
                sumsq[c] /= FULL_SCALE * FULL_SCALE;
        }
    }
}

PK_SIMD void FN(pk_meter_)(const SAMPLE *x, size_t frames, size_t channels, double *peak,
                           double *sumsq)
{
    if (peak && sumsq)
        FN(meter_)(x, frames, channels, peak, sumsq, 1, 1);
    else if (peak)
        FN(meter_)(x, frames, channels, peak, sumsq, 1, 0);
    else if (sumsq)
        FN(meter_)(x, frames, channels, peak, sumsq, 0, 1);
}

#undef FN
/* The parameters end here, so that the next inclusion defines them afresh. */
#undef SAMPLE
#undef SFX
#undef KEY_T
#undef KEY
#undef KEY_VALUE
#undef FULL_SCALE
