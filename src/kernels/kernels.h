/* pkaudio's sample kernels: plain C loops over raw buffers, no Python, no allocation.
 *
 * Conventions shared by every kernel:
 * - Audio is interleaved: sample (f, c) of a (frames, channels) buffer is at x[f * channels + c].
 * - `out` may be the input itself (exact aliasing), never a partial overlap; the Cython entry
 *   points check that before calling.
 * - Suffixes name the sample type: _f float, _d double, _i16 int16_t, _i32 int32_t.
 * - Gains are doubles; `ngains` is 1 (one gain for every channel) or `channels` (one each).
 *
 * They are safe to call without the GIL and from any number of threads at once.
 */
#ifndef PKAUDIO_KERNELS_H
#define PKAUDIO_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* out = x * gain (per channel) */
void pk_gain_f(const float *x, float *out, size_t frames, size_t channels,
               const double *gains, size_t ngains);
void pk_gain_d(const double *x, double *out, size_t frames, size_t channels,
               const double *gains, size_t ngains);

/* out = x * g(f), where g(f) = g0 + (g1 - g0) * f / frames: the next block continues at g1. */
void pk_ramp_f(const float *x, float *out, size_t frames, size_t channels,
               const double *g0, const double *g1, size_t ngains);
void pk_ramp_d(const double *x, double *out, size_t frames, size_t channels,
               const double *g0, const double *g1, size_t ngains);

/* out (+)= sum over voices of gains[v] * inputs[v]. `gains` holds `ngains` values per voice, or is
 * NULL for unity gain. `out` may be one of the inputs (one, exactly), for in-place mixing. */
void pk_mix_f(const float *const *inputs, size_t nvoices, float *out, size_t frames,
              size_t channels, const double *gains, size_t ngains, int accumulate);
void pk_mix_d(const double *const *inputs, size_t nvoices, double *out, size_t frames,
              size_t channels, const double *gains, size_t ngains, int accumulate);

/* Mono (frames,) to stereo (frames, 2): out[f] = (x[f] * left, x[f] * right). */
void pk_pan_f(const float *x, float *out, size_t frames, double left, double right);
void pk_pan_d(const double *x, double *out, size_t frames, double left, double right);

/* Per-channel peak magnitude and sum of squares, relative to full scale (int16: 32768,
 * int32: 2^31), in one pass. Either output may be NULL to skip it. A NaN sample makes that
 * channel's peak and sum NaN. */
void pk_meter_f(const float *x, size_t frames, size_t channels, double *peak, double *sumsq);
void pk_meter_d(const double *x, size_t frames, size_t channels, double *peak, double *sumsq);
void pk_meter_i16(const int16_t *x, size_t frames, size_t channels, double *peak, double *sumsq);
void pk_meter_i32(const int32_t *x, size_t frames, size_t channels, double *peak, double *sumsq);

/* Sample-format conversion of n samples: int -> float divides by full scale; float -> int
 * multiplies by it, rounds to nearest, clips to the type's range and maps NaN to 0. */
typedef enum { PK_I16 = 0, PK_I32 = 1, PK_F32 = 2, PK_F64 = 3 } pk_format;
void pk_convert(const void *x, pk_format from, void *out, pk_format to, size_t n);

/* float -> int16 with TPDF dither of +-1 LSB added before rounding; `seed` picks the noise. */
void pk_convert_dither_i16(const void *x, pk_format from, int16_t *out, size_t n, uint64_t seed);

/* out (cols, rows) = transpose of x (rows, cols), for elements of 2, 4 or 8 bytes. */
void pk_transpose(const void *x, void *out, size_t rows, size_t cols, size_t itemsize);

#ifdef __cplusplus
}
#endif

#endif
