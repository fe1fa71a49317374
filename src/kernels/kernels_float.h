/* The float kernels, written once: kernels.c includes this file with SAMPLE = float, SFX = f
 * and again with SAMPLE = double, SFX = d. FN(pk_gain_) names pk_gain_f or pk_gain_d. */

#define FN(name) PK_CAT(name, SFX)

/* out (+)= x * gains; inlined into each caller so that `accumulate` and the gain layout are
 * constants there and every branch is a plain loop the compiler vectorises. */
PK_INLINE void FN(scale_)(const SAMPLE *x, SAMPLE *out, size_t frames, size_t channels,
                              const double *gains, size_t ngains, int accumulate)
{
    const size_t n = frames * channels;
    if (ngains == 1 || channels == 1 || all_equal(gains, ngains)) {
        const SAMPLE g = (SAMPLE)gains[0];
        if (accumulate)
            PK_IVDEP
            for (size_t i = 0; i < n; i++) out[i] += x[i] * g;
        else
            PK_IVDEP
            for (size_t i = 0; i < n; i++) out[i] = x[i] * g;
    } else if (channels == 2) {
        const SAMPLE gl = (SAMPLE)gains[0], gr = (SAMPLE)gains[1];
        if (accumulate)
            PK_IVDEP
            for (size_t i = 0; i < n; i += 2) {
                out[i] += x[i] * gl;
                out[i + 1] += x[i + 1] * gr;
            }
        else
            PK_IVDEP
            for (size_t i = 0; i < n; i += 2) {
                out[i] = x[i] * gl;
                out[i + 1] = x[i + 1] * gr;
            }
    } else {
        for (size_t f = 0; f < frames; f++)
            PK_IVDEP
            for (size_t c = 0; c < channels; c++) {
                const size_t i = f * channels + c;
                out[i] = (accumulate ? out[i] : 0) + x[i] * (SAMPLE)gains[c];
            }
    }
}

PK_SIMD void FN(pk_gain_)(const SAMPLE *x, SAMPLE *out, size_t frames, size_t channels,
                          const double *gains, size_t ngains)
{
    FN(scale_)(x, out, frames, channels, gains, ngains, 0);
}

/* out (+)= the sum of `count` voices, each times its one gain, in one pass over out: adding
 * voices one by one makes a pass each, and those passes are what bound a wide mix. Inlined with
 * a constant count, so that the voice loop unrolls and the sample loop vectorises. */
PK_INLINE void FN(scale_group_)(const SAMPLE *const *in, size_t count, SAMPLE *out, size_t n,
                                const SAMPLE *g, int accumulate)
{
    PK_IVDEP
    for (size_t i = 0; i < n; i++) {
        SAMPLE sum = accumulate ? out[i] : 0;
        for (size_t j = 0; j < count; j++)
            sum += g[j] * in[j][i];
        out[i] = sum;
    }
}

PK_SIMD void FN(pk_mix_)(const SAMPLE *const *inputs, size_t nvoices, SAMPLE *out,
                         size_t frames, size_t channels, const double *gains, size_t ngains,
                         int accumulate)
{
    static const double unity = 1.0;
    const size_t n = frames * channels;
    if (n == 0)
        return; /* (no channels: no chunks to cut) */
    /* Work through `out` a chunk at a time so that it stays in L1 while every voice is added. */
    const size_t chunk = channels >= PK_MIX_CHUNK ? 1 : PK_MIX_CHUNK / channels;
    /* Voices in groups of eight or four where each has one gain for all its channels. */
    const int grouped = gains == NULL || ngains == 1;
    /* The voice that is `out` itself, if any, goes in the first group: read before anything
     * overwrites it. */
    size_t first = 0;
    for (size_t v = 0; v < nvoices; v++)
        if (inputs[v] == out)
            first = v;
    if (nvoices == 0) {
        if (!accumulate)
            for (size_t i = 0; i < n; i++) out[i] = 0;
        return;
    }
    for (size_t f0 = 0; f0 < frames; f0 += chunk) {
        const size_t nf = frames - f0 < chunk ? frames - f0 : chunk;
        const size_t offset = f0 * channels;
        size_t k = 0;
        while (grouped && nvoices - k >= 4) {
            const size_t count = nvoices - k >= 8 ? 8 : 4;
            const SAMPLE *in[8];
            SAMPLE g[8];
            for (size_t j = 0; j < count; j++) {
                const size_t v = k + j == 0 ? first : k + j == first ? 0 : k + j;
                in[j] = inputs[v] + offset;
                g[j] = gains ? (SAMPLE)gains[v] : 1;
            }
            if (count == 8)
                FN(scale_group_)(in, 8, out + offset, nf * channels, g, accumulate || k > 0);
            else
                FN(scale_group_)(in, 4, out + offset, nf * channels, g, accumulate || k > 0);
            k += count;
        }
        for (; k < nvoices; k++) {
            const size_t v = k == 0 ? first : k == first ? 0 : k;
            const double *g = gains ? gains + v * ngains : &unity;
            const size_t ng = gains ? ngains : 1;
            if (accumulate || k > 0)
                FN(scale_)(inputs[v] + offset, out + offset, nf, channels, g, ng, 1);
            else
                FN(scale_)(inputs[v] + offset, out + offset, nf, channels, g, ng, 0);
        }
    }
}

PK_SIMD void FN(pk_ramp_)(const SAMPLE *x, SAMPLE *out, size_t frames, size_t channels,
                          const double *g0, const double *g1, size_t ngains)
{
    if (frames == 0)
        return;
    const double inv = 1.0 / (double)frames;
    if (ngains == 1 || (all_equal(g0, ngains) && all_equal(g1, ngains))) {
        const double start = g0[0], step = (g1[0] - g0[0]) * inv;
        if (channels == 1)
            PK_IVDEP
            for (size_t f = 0; f < frames; f++)
                out[f] = x[f] * (SAMPLE)(start + step * (double)f);
        else
            for (size_t f = 0; f < frames; f++) {
                const SAMPLE g = (SAMPLE)(start + step * (double)f);
                PK_IVDEP
                for (size_t c = 0; c < channels; c++)
                    out[f * channels + c] = x[f * channels + c] * g;
            }
    } else {
        for (size_t f = 0; f < frames; f++) {
            const double t = (double)f * inv;
            PK_IVDEP
            for (size_t c = 0; c < channels; c++)
                out[f * channels + c] =
                    x[f * channels + c] * (SAMPLE)(g0[c] + (g1[c] - g0[c]) * t);
        }
    }
}

PK_SIMD void FN(pk_pan_)(const SAMPLE *x, SAMPLE *out, size_t frames, double left, double right)
{
    const SAMPLE gl = (SAMPLE)left, gr = (SAMPLE)right;
    for (size_t f = 0; f < frames; f++) {
        out[2 * f] = x[f] * gl;
        out[2 * f + 1] = x[f] * gr;
    }
}

#undef FN
/* The parameters end here, so that the next inclusion defines them afresh. */
#undef SAMPLE
#undef SFX
