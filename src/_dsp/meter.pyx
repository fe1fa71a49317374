# cython: language_level=3
"""Peak and RMS meters; public as pkaudio.dsp."""
cimport numpy as cnp
from libc.math cimport sqrt
from libc.stdint cimport int16_t, int32_t

from _arrays cimport ANY_FORMAT, NOGIL_MIN_SAMPLES, Audio, audio_arg, check_overlap, out_arg
from _kernels cimport *

cnp.import_array()

cdef enum Reading:
    PEAK = 1
    RMS = 2
    BOTH = 3


cdef inline void meter_kernel(Audio *a, double *peak, double *sumsq) noexcept nogil:
    if a.format == PK_F32:
        pk_meter_f(<float *>a.data, a.frames, a.channels, peak, sumsq)
    elif a.format == PK_F64:
        pk_meter_d(<double *>a.data, a.frames, a.channels, peak, sumsq)
    elif a.format == PK_I16:
        pk_meter_i16(<int16_t *>a.data, a.frames, a.channels, peak, sumsq)
    else:
        pk_meter_i32(<int32_t *>a.data, a.frames, a.channels, peak, sumsq)


cdef object measure(object x, object out, str func, Reading reading):
    """The reading(s) of x per channel: a float for 1-D x and no `out`, else an array shaped
    x.shape[1:], or (2,) + x.shape[1:] for BOTH (peak row, then RMS row)."""
    cdef Audio a
    cdef cnp.npy_intp dims[2]
    cdef double scalar
    cdef Py_ssize_t c
    audio_arg(x, func, "x", ANY_FORMAT, &a)
    cdef int nd = cnp.PyArray_NDIM(x) - 1
    if reading == BOTH:
        dims[0] = 2
        dims[1] = a.channels
        nd += 1
    else:
        dims[0] = a.channels
    cdef double *values = &scalar
    result = None
    if nd > 0 or out is not None:
        result = out_arg(out, func, nd, dims, PK_F64)
        check_overlap(x, result, False, func, "x")  # (results are written as it reads)
        values = <double *>cnp.PyArray_DATA(result)
    cdef double *peak = values if reading & PEAK else NULL
    cdef double *rms = values + (a.channels if reading == BOTH else 0) if reading & RMS else NULL
    if a.frames * a.channels >= NOGIL_MIN_SAMPLES:
        with nogil:
            meter_kernel(&a, peak, rms)
    else:
        meter_kernel(&a, peak, rms)
    if rms != NULL:
        for c in range(a.channels):
            rms[c] = sqrt(rms[c] / a.frames) if a.frames else 0.0
    return scalar if result is None else result


def peak(x, *, out=None):
    """Peak magnitude of each channel, relative to full scale.

    Parameters
    ----------
    x : numpy.ndarray
        Audio shaped ``(frames,)`` or ``(frames, channels)``: float32, float64 (full scale 1.0),
        int16 (full scale 32768) or int32 (2**31). C-contiguous.
    out : numpy.ndarray, optional
        float64 array shaped ``x.shape[1:]`` to write into.

    Returns
    -------
    float or numpy.ndarray
        A float for 1-D `x`, else one float64 per channel (`out` when given). Zero frames read
        0.0; a NaN sample makes its channel NaN.
    """
    return measure(x, out, "peak", PEAK)


def rms(x, *, out=None):
    """Root-mean-square level of each channel, relative to full scale.

    Sums in double precision, so long float32 blocks lose nothing to rounding.

    Parameters
    ----------
    x : numpy.ndarray
        Audio shaped ``(frames,)`` or ``(frames, channels)``, as for :func:`peak`.
    out : numpy.ndarray, optional
        float64 array shaped ``x.shape[1:]`` to write into.

    Returns
    -------
    float or numpy.ndarray
        A float for 1-D `x`, else one float64 per channel (`out` when given). Zero frames read
        0.0.
    """
    return measure(x, out, "rms", RMS)


def meter(x, *, out=None):
    """Peak and RMS of each channel in one pass over the data.

    Parameters
    ----------
    x : numpy.ndarray
        Audio shaped ``(frames,)`` or ``(frames, channels)``, as for :func:`peak`.
    out : numpy.ndarray, optional
        float64 array shaped ``(2,) + x.shape[1:]`` to write into.

    Returns
    -------
    numpy.ndarray
        float64 shaped ``(2,) + x.shape[1:]``: row 0 the peaks, row 1 the RMS levels, so
        ``peak, rms = meter(x)`` unpacks them.
    """
    return measure(x, out, "meter", BOTH)
