# Declarations of the C kernels in src/kernels/kernels.h, for the Cython entry points.
from libc.stdint cimport int16_t, int32_t, uint64_t

cdef extern from "kernels.h" nogil:
    ctypedef enum pk_format:
        PK_I16
        PK_I32
        PK_F32
        PK_F64

    void pk_gain_f(const float *x, float *out, size_t frames, size_t channels,
                   const double *gains, size_t ngains)
    void pk_gain_d(const double *x, double *out, size_t frames, size_t channels,
                   const double *gains, size_t ngains)
    void pk_ramp_f(const float *x, float *out, size_t frames, size_t channels,
                   const double *g0, const double *g1, size_t ngains)
    void pk_ramp_d(const double *x, double *out, size_t frames, size_t channels,
                   const double *g0, const double *g1, size_t ngains)
    void pk_mix_f(const float *const *inputs, size_t nvoices, float *out, size_t frames,
                  size_t channels, const double *gains, size_t ngains, int accumulate)
    void pk_mix_d(const double *const *inputs, size_t nvoices, double *out, size_t frames,
                  size_t channels, const double *gains, size_t ngains, int accumulate)
    void pk_pan_f(const float *x, float *out, size_t frames, double left, double right)
    void pk_pan_d(const double *x, double *out, size_t frames, double left, double right)

    void pk_meter_f(const float *x, size_t frames, size_t channels, double *peak, double *sumsq)
    void pk_meter_d(const double *x, size_t frames, size_t channels, double *peak, double *sumsq)
    void pk_meter_i16(const int16_t *x, size_t frames, size_t channels, double *peak,
                      double *sumsq)
    void pk_meter_i32(const int32_t *x, size_t frames, size_t channels, double *peak, double *sumsq)

    void pk_convert(const void *x, pk_format src, void *out, pk_format dst, size_t n)
    void pk_convert_dither_i16(const void *x, pk_format src, int16_t *out, size_t n,
                               uint64_t seed)
    void pk_transpose(const void *x, void *out, size_t rows, size_t cols, size_t itemsize)
