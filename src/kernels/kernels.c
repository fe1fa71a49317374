/* pkaudio's sample kernels (declared and documented in kernels.h). */
#include <stdlib.h>
#include <string.h>

#include "kernels.h"
#include "simd.h"

/* Samples of `out` per mixing pass: small enough to stay in L1 while every voice is added. */
#define PK_MIX_CHUNK 1024
/* Independent accumulators in the meter: channel counts that divide it take the fast path. */
#define PK_LANES 16
/* Samples the meter reads for one reading before going over them again for the other. */
#define PK_METER_BLOCK 2048

static inline int all_equal(const double *values, size_t n)
{
    for (size_t i = 1; i < n; i++)
        if (values[i] != values[0])
            return 0;
    return 1;
}

/* ---- float and double kernels: gain, ramp, mix, pan ---- */

#define SAMPLE float
#define SFX f
#include "kernels_float.h"

#define SAMPLE double
#define SFX d
#include "kernels_float.h"

/* ---- meters ---- */

static inline uint32_t float_key(float x)
{
    uint32_t bits;
    memcpy(&bits, &x, sizeof bits);
    return bits & 0x7fffffffu;
}

static inline float float_of_key(uint32_t key)
{
    float x;
    memcpy(&x, &key, sizeof x);
    return x;
}

static inline uint64_t double_key(double x)
{
    uint64_t bits;
    memcpy(&bits, &x, sizeof bits);
    return bits & 0x7fffffffffffffffull;
}

static inline double double_of_key(uint64_t key)
{
    double x;
    memcpy(&x, &key, sizeof x);
    return x;
}

#define SAMPLE float
#define SFX f
#define KEY_T uint32_t
#define KEY(x) float_key(x)
#define KEY_VALUE(k) ((double)float_of_key(k))
#define FULL_SCALE 1.0
#include "kernels_meter.h"

#define SAMPLE double
#define SFX d
#define KEY_T uint64_t
#define KEY(x) double_key(x)
#define KEY_VALUE(k) double_of_key(k)
#define FULL_SCALE 1.0
#include "kernels_meter.h"

#define SAMPLE int16_t
#define SFX i16
#define KEY_T uint32_t
#define KEY(x) ((uint32_t)((x) < 0 ? -(int32_t)(x) : (int32_t)(x)))
#define KEY_VALUE(k) ((double)(k))
#define FULL_SCALE 32768.0
#include "kernels_meter.h"

#define SAMPLE int32_t
#define SFX i32
#define KEY_T uint32_t
#define KEY(x) ((x) < 0 ? 0u - (uint32_t)(x) : (uint32_t)(x))
#define KEY_VALUE(k) ((double)(k))
#define FULL_SCALE 2147483648.0
#include "kernels_meter.h"

/* ---- sample-format conversion ---- */

/* Round to nearest, ties to even, for |v| < 2^51: adding 1.5 * 2^52 leaves no fraction bits.
 * Plain arithmetic, so it vectorises at every SIMD level (rint needs SSE4.1 or a libm call). */
static inline double round_nearest(double v)
{
    const double magic = 6755399441055744.0;
    return (v + magic) - magic;
}

static inline double clip(double v, double lo, double hi)
{
    v = v > hi ? hi : v;
    return v < lo ? lo : v;
}

/* Full-scale value v (already times 32768) to int16: clip, round, NaN -> 0. */
static inline int16_t to_i16(double v)
{
    return (int16_t)(v == v ? round_nearest(clip(v, -32768.0, 32767.0)) : 0.0);
}

static inline int32_t to_i32(double v)
{
    return (int32_t)(v == v ? round_nearest(clip(v, -2147483648.0, 2147483647.0)) : 0.0);
}

/* float32 -> int16 is the hot conversion (every float engine feeding a 16-bit device or file),
 * so it stays in single precision: exact here, since |v| <= 32768 and 2^23 + 2^22 rounds. */
static inline int16_t f32_to_i16(float s)
{
    const float magic = 12582912.0f; /* 1.5 * 2^23 */
    float v = s * 32768.0f;
    v = v > 32767.0f ? 32767.0f : v;
    v = v < -32768.0f ? -32768.0f : v;
    v = v == v ? v : 0.0f;
    return (int16_t)((v + magic) - magic);
}

#define CONVERT(SRC_T, DST_T, EXPR)                                                     \
    do {                                                                                \
        const SRC_T *src = (const SRC_T *)x;                                            \
        DST_T *dst = (DST_T *)out;                                                      \
        PK_IVDEP                                                                        \
        for (size_t i = 0; i < n; i++) {                                                \
            const SRC_T s = src[i];                                                     \
            dst[i] = (EXPR);                                                            \
        }                                                                               \
    } while (0)

/* float32 -> int16 on x86 with explicit SIMD: written as C, the NaN test and the two clips
 * come out of GCC as a chain of compares and blends at half the speed of min/max.
 * cvtps rounds to nearest even (the default MXCSR mode) and, once clipped, packs exactly. */
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define PK_X86_F32_TO_I16 1

static void f32_to_i16_sse2(const float *x, int16_t *out, size_t n)
{
    const __m128 scale = _mm_set1_ps(32768.0f), lo = _mm_set1_ps(-32768.0f),
                 hi = _mm_set1_ps(32767.0f);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m128 a = _mm_mul_ps(_mm_loadu_ps(x + i), scale);
        __m128 b = _mm_mul_ps(_mm_loadu_ps(x + i + 4), scale);
        a = _mm_max_ps(_mm_min_ps(_mm_and_ps(a, _mm_cmpord_ps(a, a)), hi), lo); /* NaN -> 0 */
        b = _mm_max_ps(_mm_min_ps(_mm_and_ps(b, _mm_cmpord_ps(b, b)), hi), lo);
        _mm_storeu_si128((__m128i *)(out + i),
                         _mm_packs_epi32(_mm_cvtps_epi32(a), _mm_cvtps_epi32(b)));
    }
    for (; i < n; i++)
        out[i] = f32_to_i16(x[i]);
}

__attribute__((target("avx2"))) static void f32_to_i16_avx2(const float *x, int16_t *out,
                                                             size_t n)
{
    const __m256 scale = _mm256_set1_ps(32768.0f), lo = _mm256_set1_ps(-32768.0f),
                 hi = _mm256_set1_ps(32767.0f);
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m256 a = _mm256_mul_ps(_mm256_loadu_ps(x + i), scale);
        __m256 b = _mm256_mul_ps(_mm256_loadu_ps(x + i + 8), scale);
        a = _mm256_and_ps(a, _mm256_cmp_ps(a, a, _CMP_ORD_Q));
        b = _mm256_and_ps(b, _mm256_cmp_ps(b, b, _CMP_ORD_Q));
        a = _mm256_max_ps(_mm256_min_ps(a, hi), lo);
        b = _mm256_max_ps(_mm256_min_ps(b, hi), lo);
        /* packs works within 128-bit lanes; the permute puts the four quarters in order. */
        const __m256i packed = _mm256_packs_epi32(_mm256_cvtps_epi32(a), _mm256_cvtps_epi32(b));
        _mm256_storeu_si256((__m256i *)(out + i), _mm256_permute4x64_epi64(packed, 0xd8));
    }
    for (; i < n; i++)
        out[i] = f32_to_i16(x[i]);
}
#endif

#define PAIR(from, to) ((from) * 4 + (to))

PK_SIMD void pk_convert(const void *x, pk_format from, void *out, pk_format to, size_t n)
{
    static const size_t itemsize[4] = {2, 4, 4, 8};
    if (from == to) {
        if (x != out)
            memmove(out, x, n * itemsize[from]);
        return;
    }
    switch (PAIR(from, to)) {
    case PAIR(PK_I16, PK_I32): CONVERT(int16_t, int32_t, (int32_t)s * 65536); break;
    case PAIR(PK_I16, PK_F32): CONVERT(int16_t, float, (float)s * (1.0f / 32768.0f)); break;
    case PAIR(PK_I16, PK_F64): CONVERT(int16_t, double, (double)s * (1.0 / 32768.0)); break;
    case PAIR(PK_I32, PK_I16): CONVERT(int32_t, int16_t, to_i16((double)s * (1.0 / 65536.0))); break;
    case PAIR(PK_I32, PK_F32): CONVERT(int32_t, float, (float)((double)s * (1.0 / 2147483648.0))); break;
    case PAIR(PK_I32, PK_F64): CONVERT(int32_t, double, (double)s * (1.0 / 2147483648.0)); break;
    case PAIR(PK_F32, PK_I16):
#ifdef PK_X86_F32_TO_I16
        if (__builtin_cpu_supports("avx2"))
            f32_to_i16_avx2((const float *)x, (int16_t *)out, n);
        else
            f32_to_i16_sse2((const float *)x, (int16_t *)out, n);
#else
        CONVERT(float, int16_t, f32_to_i16(s));
#endif
        break;
    case PAIR(PK_F32, PK_I32): CONVERT(float, int32_t, to_i32((double)s * 2147483648.0)); break;
    case PAIR(PK_F32, PK_F64): CONVERT(float, double, (double)s); break;
    case PAIR(PK_F64, PK_I16): CONVERT(double, int16_t, to_i16(s * 32768.0)); break;
    case PAIR(PK_F64, PK_I32): CONVERT(double, int32_t, to_i32(s * 2147483648.0)); break;
    case PAIR(PK_F64, PK_F32): CONVERT(double, float, (float)s); break;
    }
}

/* A well-mixed 32-bit hash (Wellons' lowbias32) of the sample index: counter-based noise needs
 * no state between samples, so the loop vectorises and threads never share a generator. */
static inline uint32_t hash32(uint32_t h)
{
    h ^= h >> 16;
    h *= 0x7feb352du;
    h ^= h >> 15;
    h *= 0x846ca68bu;
    h ^= h >> 16;
    return h;
}

/* Triangular noise in (-1, 1) LSB: the sum of two uniform values, one from each half of a hash. */
static inline double tpdf(size_t i, uint32_t key)
{
    const uint32_t h = hash32((uint32_t)i * 0x9e3779b9u + key);
    return ((double)(h & 0xffffu) + (double)(h >> 16) - 65535.0) * (1.0 / 65536.0);
}

PK_SIMD void pk_convert_dither_i16(const void *x, pk_format from, int16_t *out, size_t n,
                                   uint64_t seed)
{
    const uint32_t key = hash32((uint32_t)seed ^ hash32((uint32_t)(seed >> 32)));
    if (from == PK_F32) {
        const float *src = (const float *)x;
        for (size_t i = 0; i < n; i++)
            out[i] = to_i16((double)src[i] * 32768.0 + tpdf(i, key));
    } else {
        const double *src = (const double *)x;
        for (size_t i = 0; i < n; i++)
            out[i] = to_i16(src[i] * 32768.0 + tpdf(i, key));
    }
}

/* ---- interleaving ---- */

/* Few rows (interleaving a handful of channels): read each row in order, write out in order.
 * Few columns (deinterleaving): the mirror. Otherwise square tiles that fit in L1. */
#define PK_TILE 32
#define TRANSPOSE(T)                                                                       \
    do {                                                                                   \
        const T *src = (const T *)x;                                                       \
        T *dst = (T *)out;                                                                 \
        if (rows <= 16) {                                                                  \
            for (size_t c = 0; c < cols; c++)                                              \
                for (size_t r = 0; r < rows; r++)                                          \
                    dst[c * rows + r] = src[r * cols + c];                                 \
        } else if (cols <= 16) {                                                           \
            for (size_t r = 0; r < rows; r++)                                              \
                for (size_t c = 0; c < cols; c++)                                          \
                    dst[c * rows + r] = src[r * cols + c];                                 \
        } else {                                                                           \
            for (size_t r0 = 0; r0 < rows; r0 += PK_TILE)                                  \
                for (size_t c0 = 0; c0 < cols; c0 += PK_TILE) {                            \
                    const size_t r1 = r0 + PK_TILE < rows ? r0 + PK_TILE : rows;           \
                    const size_t c1 = c0 + PK_TILE < cols ? c0 + PK_TILE : cols;           \
                    for (size_t r = r0; r < r1; r++)                                       \
                        for (size_t c = c0; c < c1; c++)                                   \
                            dst[c * rows + r] = src[r * cols + c];                         \
                }                                                                          \
        }                                                                                  \
    } while (0)

PK_SIMD void pk_transpose(const void *x, void *out, size_t rows, size_t cols, size_t itemsize)
{
    switch (itemsize) {
    case 2: TRANSPOSE(uint16_t); break;
    case 4: TRANSPOSE(uint32_t); break;
    case 8: TRANSPOSE(uint64_t); break;
    }
}
