# cython: language_level=3
"""Sample-format conversion and (de)interleaving; public as pkaudio.dsp."""
import os

cimport numpy as cnp
from libc.stdint cimport int16_t, uint64_t

import numpy as np

from _arrays cimport (ANY_FORMAT, NOGIL_MIN_SAMPLES, Audio, audio_arg, check_layout,
                      check_overlap, describe, flag_arg, format_names, out_arg,
                      sample_format)
from _kernels cimport *

cnp.import_array()

# The formats by every name a caller is likely to pass; anything else goes through numpy.dtype.
cdef dict FORMATS = {}
for _fmt, _name in enumerate(("int16", "int32", "float32", "float64")):
    FORMATS[_name] = FORMATS[np.dtype(_name)] = FORMATS[np.dtype(_name).type] = _fmt

# Each dithered conversion draws fresh noise: a random base plus a count of calls, taken while
# the GIL is held, so concurrent calls never share a seed.
cdef uint64_t dither_seed = int.from_bytes(os.urandom(8), "little")


cdef pk_format format_arg(object dtype, str func) except *:
    fmt = FORMATS.get(dtype) if isinstance(dtype, (str, np.dtype, type)) else None
    if fmt is None:
        try:  # (numpy.dtype(None) would be float64)
            fmt = FORMATS.get(np.dtype(dtype)) if isinstance(dtype, (str, np.dtype, type)) \
                else None  # (not a value: numpy would read np.float32(1) as float32)
        except (TypeError, ValueError):
            fmt = None
        if fmt is None:
            raise TypeError(f"{func}() dtype: expected {format_names(ANY_FORMAT)}, got {dtype!r}")
    return <pk_format>fmt


cdef inline void convert_kernel(Audio *a, char *out, pk_format target, bint dither,
                                uint64_t seed) noexcept nogil:
    cdef size_t n = a.frames * a.channels
    if dither:
        pk_convert_dither_i16(a.data, a.format, <int16_t *>out, n, seed)
    else:
        pk_convert(a.data, a.format, out, target, n)


cdef object convert_into(object x, pk_format target, object out, bint dither, str func):
    global dither_seed
    cdef Audio a
    audio_arg(x, func, "x" if func == "convert" else "src", ANY_FORMAT, &a)
    if dither and not (target == PK_I16 and (a.format == PK_F32 or a.format == PK_F64)):
        raise ValueError(f"{func}() dither: applies to float -> int16 conversion, not "
                         f"{format_names(1 << a.format)} -> {format_names(1 << target)}")
    result = out_arg(out, func, cnp.PyArray_NDIM(x), cnp.PyArray_DIMS(x), target)
    check_overlap(x, result, True, func, "x" if func == "convert" else "src")
    cdef char *dst = cnp.PyArray_BYTES(result)
    cdef size_t n = a.frames * a.channels
    cdef uint64_t seed = dither_seed
    dither_seed += 1
    if n >= NOGIL_MIN_SAMPLES:
        with nogil:
            convert_kernel(&a, dst, target, dither, seed)
    else:
        convert_kernel(&a, dst, target, dither, seed)
    return result


def convert(x, dtype, *, out=None, dither=False):
    """Convert audio to another sample format.

    int16 full scale is 32768 and int32's is 2**31: int -> float divides by it, float -> int
    multiplies by it, rounds to nearest (ties to even) and clips to the integer range, so 1.0
    becomes 32767 and -1.0 becomes -32768. NaN becomes 0. int16 <-> int32 shift by 16 bits
    (rounding, saturating).

    Parameters
    ----------
    x : numpy.ndarray
        int16, int32, float32 or float64 audio shaped ``(frames,)`` or ``(frames, channels)``.
    dtype : numpy dtype or str
        The target: int16, int32, float32 or float64.
    out : numpy.ndarray, optional
        Shaped like `x`, of the target dtype. It may be `x` itself when the item sizes match.
    dither : bool
        Add triangular (TPDF) noise of +-1 LSB before rounding; float -> int16 only.

    Returns
    -------
    numpy.ndarray
        `out`, or a new array when `out` is None.
    """
    return convert_into(x, format_arg(dtype, "convert"), out,
                        flag_arg(dither, "convert", "dither"), "convert")


def copy(src, out):
    """Copy `src` into `out`, converting to `out`'s sample format as :func:`convert` does.

    Parameters
    ----------
    src : numpy.ndarray
        int16, int32, float32 or float64 audio.
    out : numpy.ndarray
        Same shape as `src`; any of those dtypes.

    Returns
    -------
    numpy.ndarray
        `out`.
    """
    if not cnp.PyArray_Check(out):
        raise TypeError(f"copy() out: expected a numpy array, got {describe(out)}")
    cdef int target = sample_format(<cnp.ndarray>out)
    if target < 0:
        raise TypeError(f"copy() out: expected dtype {format_names(ANY_FORMAT)}, "
                        f"got {describe(out)}")
    return convert_into(src, <pk_format>target, out, False, "copy")


cdef object transpose(object x, object out, str func, str name, str layout):
    """out (cols, rows) = x (rows, cols), for any sample format."""
    cdef cnp.npy_intp dims[2]
    if not cnp.PyArray_Check(x):
        raise TypeError(f"{func}() {name}: expected a numpy array, got {describe(x)}")
    cdef cnp.ndarray arr = <cnp.ndarray>x
    cdef int fmt = sample_format(arr)
    if fmt < 0:
        raise TypeError(f"{func}() {name}: expected dtype {format_names(ANY_FORMAT)}, "
                        f"got {describe(x)}")
    if cnp.PyArray_NDIM(arr) != 2:
        raise ValueError(f"{func}() {name}: expected shape {layout}, got {describe(x)}")
    check_layout(arr, func, name)
    cdef size_t rows = cnp.PyArray_DIM(arr, 0), cols = cnp.PyArray_DIM(arr, 1)
    dims[0] = cols
    dims[1] = rows
    result = out_arg(out, func, 2, dims, <pk_format>fmt)
    check_overlap(arr, result, False, func, name)
    cdef char *src = cnp.PyArray_BYTES(arr)
    cdef char *dst = cnp.PyArray_BYTES(result)
    cdef size_t itemsize = cnp.PyArray_ITEMSIZE(arr)
    if rows * cols >= NOGIL_MIN_SAMPLES:
        with nogil:
            pk_transpose(src, dst, rows, cols, itemsize)
    else:
        pk_transpose(src, dst, rows, cols, itemsize)
    return result


def interleave(planar, *, out=None):
    """Interleave planar audio: ``(channels, frames)`` to ``(frames, channels)``.

    Parameters
    ----------
    planar : numpy.ndarray
        int16, int32, float32 or float64, shaped ``(channels, frames)``, C-contiguous.
    out : numpy.ndarray, optional
        ``(frames, channels)``, same dtype; must not overlap `planar`.

    Returns
    -------
    numpy.ndarray
        `out`, or a new array when `out` is None.
    """
    return transpose(planar, out, "interleave", "planar", "(channels, frames)")


def deinterleave(x, *, out=None):
    """Split interleaved audio into planes: ``(frames, channels)`` to ``(channels, frames)``.

    Parameters
    ----------
    x : numpy.ndarray
        int16, int32, float32 or float64, shaped ``(frames, channels)``, C-contiguous.
    out : numpy.ndarray, optional
        ``(channels, frames)``, same dtype; must not overlap `x`.

    Returns
    -------
    numpy.ndarray
        `out`, or a new array when `out` is None.
    """
    return transpose(x, out, "deinterleave", "x", "(frames, channels)")
