# Declarations of the resampler core in src/kernels/resample.h, for the Cython entry points.
from libc.stdint cimport int64_t, uint64_t

cdef extern from "resample.h" nogil:
    enum:
        PK_RS_TAP_MULTIPLE
        PK_RS_PAD_LEFT
        PK_RS_PAD_RIGHT

    ctypedef enum pk_rs_kind:
        PK_RS_TABLE
        PK_RS_POLY
        PK_RS_CUBIC

    ctypedef struct pk_resampler:
        pk_rs_kind kind
        int wide
        Py_ssize_t taps
        Py_ssize_t phases
        const void *table
        void *row
        uint64_t den
        uint64_t frac
        int64_t step_int
        uint64_t step_frac
        Py_ssize_t pos
        int64_t produced
        void *history
        Py_ssize_t channels
        Py_ssize_t capacity
        Py_ssize_t length
        Py_ssize_t end

    void pk_rs_reset(pk_resampler *r)
    Py_ssize_t pk_rs_pending(const pk_resampler *r, Py_ssize_t frames, int last)
    Py_ssize_t pk_rs_process_f(pk_resampler *r, const float *x, Py_ssize_t frames, float *out,
                               int last)
    Py_ssize_t pk_rs_process_d(pk_resampler *r, const double *x, Py_ssize_t frames,
                               double *out, int last)
