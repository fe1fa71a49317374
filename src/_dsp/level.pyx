# cython: language_level=3
"""Gain, gain ramps, mixing and constant-power panning; public as pkaudio.dsp."""
cimport numpy as cnp
from cpython.mem cimport PyMem_Free, PyMem_Malloc
from libc.math cimport M_PI, cos, sin

from _arrays cimport (GAIN_BUFFER, PARTIAL, SAME_PLACE, Audio, FLOATS, NOGIL_MIN_SAMPLES,
                      Overlap, audio_arg, check_finite, check_layout, check_overlap, describe,
                      flag_arg, format_names, gains_arg, most_gain, number_arg, numbers_arg, out_arg,
                      overlap, raise_overlap, sample_format)
from _kernels cimport *

cnp.import_array()

# Voice pointers for mix() live on the stack up to this many voices.
cdef enum:
    STACK_VOICES = 64


cdef inline void gain_kernel(Audio *a, char *out, const double *gains, size_t ngains) noexcept nogil:
    if a.format == PK_F32:
        pk_gain_f(<float *>a.data, <float *>out, a.frames, a.channels, gains, ngains)
    else:
        pk_gain_d(<double *>a.data, <double *>out, a.frames, a.channels, gains, ngains)


def gain(x, g, *, out=None):
    """Multiply audio by a gain.

    Parameters
    ----------
    x : numpy.ndarray
        float32 or float64 audio shaped ``(frames,)`` or ``(frames, channels)``, C-contiguous.
    g : float or sequence of float
        One gain for all channels, or one per channel (linear, not dB).
    out : numpy.ndarray, optional
        Where to write the result: same shape and dtype as `x`; may be `x` itself.

    Returns
    -------
    numpy.ndarray
        `out`, or a new array when `out` is None.
    """
    cdef Audio a
    cdef double buf[GAIN_BUFFER]
    cdef size_t ngains
    audio_arg(x, "gain", "x", FLOATS, &a)
    held = gains_arg(g, a.channels, "gain", "g", buf, &ngains, most_gain(a.format))
    cdef const double *gains = &buf[0] if held is None else <double *>cnp.PyArray_DATA(held)
    result = out_arg(out, "gain", cnp.PyArray_NDIM(x), cnp.PyArray_DIMS(x), a.format)
    check_overlap(x, result, True, "gain", "x")
    cdef char *dst = cnp.PyArray_BYTES(result)
    if a.frames * a.channels >= NOGIL_MIN_SAMPLES:
        with nogil:
            gain_kernel(&a, dst, gains, ngains)
    else:
        gain_kernel(&a, dst, gains, ngains)
    return result


cdef inline void ramp_kernel(Audio *a, char *out, const double *g0, const double *g1,
                             size_t ngains) noexcept nogil:
    if a.format == PK_F32:
        pk_ramp_f(<float *>a.data, <float *>out, a.frames, a.channels, g0, g1, ngains)
    else:
        pk_ramp_d(<double *>a.data, <double *>out, a.frames, a.channels, g0, g1, ngains)


def ramp(x, g0, g1, *, out=None):
    """Multiply audio by a gain that moves linearly from `g0` to `g1` across the block.

    Frame ``f`` of ``n`` gets the gain ``g0 + (g1 - g0) * f / n``: the block ends one step short
    of `g1`, so the next block ramps on from `g1` without a repeated value or a click.

    Parameters
    ----------
    x : numpy.ndarray
        float32 or float64 audio shaped ``(frames,)`` or ``(frames, channels)``, C-contiguous.
    g0, g1 : float or sequence of float
        Gains at the start of this block and of the next one: one for all channels or one each.
    out : numpy.ndarray, optional
        Same shape and dtype as `x`; may be `x` itself.

    Returns
    -------
    numpy.ndarray
        `out`, or a new array when `out` is None.
    """
    cdef Audio a
    cdef double buf0[GAIN_BUFFER]
    cdef double buf1[GAIN_BUFFER]
    cdef size_t n0, n1
    audio_arg(x, "ramp", "x", FLOATS, &a)
    cdef double most = most_gain(a.format)
    held0 = gains_arg(g0, a.channels, "ramp", "g0", buf0, &n0, most)
    held1 = gains_arg(g1, a.channels, "ramp", "g1", buf1, &n1, most)
    # One value on one side and one per channel on the other: repeat the one for each channel.
    if n0 < n1:
        held0 = gains_arg([buf0[0]] * a.channels, a.channels, "ramp", "g0", buf0, &n0)
    elif n1 < n0:
        held1 = gains_arg([buf1[0]] * a.channels, a.channels, "ramp", "g1", buf1, &n1)
    cdef const double *p0 = &buf0[0] if held0 is None else <double *>cnp.PyArray_DATA(held0)
    cdef const double *p1 = &buf1[0] if held1 is None else <double *>cnp.PyArray_DATA(held1)
    result = out_arg(out, "ramp", cnp.PyArray_NDIM(x), cnp.PyArray_DIMS(x), a.format)
    check_overlap(x, result, True, "ramp", "x")
    cdef char *dst = cnp.PyArray_BYTES(result)
    if a.frames * a.channels >= NOGIL_MIN_SAMPLES:
        with nogil:
            ramp_kernel(&a, dst, p0, p1, n0)
    else:
        ramp_kernel(&a, dst, p0, p1, n0)
    return result


cdef inline void mix_kernel(pk_format fmt, const void **inputs, size_t nvoices, char *out,
                            size_t frames, size_t channels, const double *gains, size_t ngains,
                            int accumulate) noexcept nogil:
    if fmt == PK_F32:
        pk_mix_f(<const float **>inputs, nvoices, <float *>out, frames, channels, gains,
                 ngains, accumulate)
    else:
        pk_mix_d(<const double **>inputs, nvoices, <double *>out, frames, channels, gains,
                 ngains, accumulate)


def mix(inputs, gains=None, *, out=None, accumulate=False):
    """Sum voices, each times its gain, in one pass without temporaries.

    Parameters
    ----------
    inputs : sequence of numpy.ndarray or numpy.ndarray
        Equal-shaped float32 or float64 arrays ``(frames,)`` or ``(frames, channels)``, or one
        array shaped ``(voices, frames)`` or ``(voices, frames, channels)``.
    gains : array_like, optional
        One gain per voice ``(voices,)``, or one per voice and channel ``(voices, channels)``.
        None means unity gain.
    out : numpy.ndarray, optional
        Shaped like one voice, same dtype. It may be one of the inputs (for mixing in place),
        but must not partly overlap any.
    accumulate : bool
        Add the mix to what `out` holds instead of overwriting it (needs `out`).

    Returns
    -------
    numpy.ndarray
        `out`, or a new array when `out` is None.
    """
    cdef Audio voice
    cdef Py_ssize_t nvoices, v, aliases = 0
    cdef Overlap o
    cdef int voice_nd
    cdef cnp.npy_intp *voice_dims
    cdef Py_ssize_t voice_bytes, ngains
    cdef const void *stack_ptrs[STACK_VOICES]
    cdef const void **ptrs = stack_ptrs
    cdef cnp.ndarray stacked
    cdef tuple voices = None

    cdef bint adding = flag_arg(accumulate, "mix", "accumulate")
    if adding and out is None:
        raise ValueError("mix() accumulate=True needs out=, the array to add to")
    if cnp.PyArray_Check(inputs):
        stacked = <cnp.ndarray>inputs
        if cnp.PyArray_NDIM(stacked) not in (2, 3):
            raise ValueError("mix() inputs: expected an array shaped (voices, frames) or "
                             f"(voices, frames, channels), got {describe(inputs)}")
        nvoices = cnp.PyArray_DIM(stacked, 0)
        voice_nd = cnp.PyArray_NDIM(stacked) - 1
        voice_dims = cnp.PyArray_DIMS(stacked) + 1
        if sample_format(stacked) < 0 or not (FLOATS >> sample_format(stacked)) & 1:
            raise TypeError(f"mix() inputs: expected dtype {format_names(FLOATS)}, "
                            f"got {describe(inputs)}")
        check_layout(stacked, "mix", "inputs")
        voice.format = <pk_format>sample_format(stacked)
    else:
        # A tuple of our own: the kernel reads the voices without the GIL, and another
        # thread may change the caller's list meanwhile.
        try:
            voices = tuple(inputs)
        except TypeError:
            raise TypeError("mix() inputs: expected a sequence of arrays or one stacked array, "
                            f"got {describe(inputs)}") from None
        nvoices = len(voices)
        if nvoices == 0 and out is None:
            raise ValueError("mix() inputs: no voices, and no out= to take the shape from")
        # With no voices the mix is silence shaped like out.
        first = voices[0] if nvoices else out
        audio_arg(first, "mix", "inputs[0]" if nvoices else "out", FLOATS, &voice)
        voice_nd = cnp.PyArray_NDIM(<cnp.ndarray>first)
        voice_dims = cnp.PyArray_DIMS(<cnp.ndarray>first)
    voice.frames = voice_dims[0] if voice_nd > 0 else 0
    voice.channels = voice_dims[1] if voice_nd == 2 else 1
    voice_bytes = voice.frames * voice.channels * (4 if voice.format == PK_F32 else 8)

    gain_values, ngains = mix_gains(gains, nvoices, voice.channels, most_gain(voice.format))
    cdef const double *gain_ptr = NULL
    if gain_values is not None:
        gain_ptr = <double *>cnp.PyArray_DATA(gain_values)
    result = out_arg(out, "mix", voice_nd, voice_dims, voice.format)

    if nvoices > STACK_VOICES:
        ptrs = <const void **>PyMem_Malloc(nvoices * sizeof(void *))
        if ptrs == NULL:
            raise MemoryError()
    try:
        for v in range(nvoices):
            if voices is None:
                ptrs[v] = cnp.PyArray_BYTES(stacked) + v * voice_bytes
            else:
                ptrs[v] = voice_pointer(voices[v], v, <cnp.ndarray>first, &voice)
            o = overlap(<char *>ptrs[v], voice_bytes, result)
            if o == PARTIAL:
                raise_overlap("mix", f"inputs[{v}]", True)
            aliases += o == SAME_PLACE and voice_bytes > 0
        if aliases > 1:
            raise ValueError("mix() out: is more than one of the inputs; it may be one at most")
        if voice.frames * voice.channels * nvoices >= NOGIL_MIN_SAMPLES:
            with nogil:
                mix_kernel(voice.format, ptrs, nvoices, cnp.PyArray_BYTES(result),
                           voice.frames, voice.channels, gain_ptr, ngains, adding)
        else:
            mix_kernel(voice.format, ptrs, nvoices, cnp.PyArray_BYTES(result),
                       voice.frames, voice.channels, gain_ptr, ngains, adding)
    finally:
        if ptrs != stack_ptrs:
            PyMem_Free(ptrs)
    return result


cdef inline const void *voice_pointer(object x, Py_ssize_t v, cnp.ndarray first,
                                      Audio *like) except NULL:
    """The data of voice v, checked to have the first voice's dtype, shape and layout."""
    cdef int need = cnp.NPY_ARRAY_C_CONTIGUOUS | cnp.NPY_ARRAY_ALIGNED
    cdef int nd = cnp.PyArray_NDIM(first)
    cdef cnp.ndarray arr
    if cnp.PyArray_Check(x):
        arr = <cnp.ndarray>x
        if (cnp.PyArray_DESCR(arr) == cnp.PyArray_DESCR(first) and cnp.PyArray_NDIM(arr) == nd
                and cnp.PyArray_DIM(arr, 0) == like.frames
                and (nd == 1 or cnp.PyArray_DIM(arr, 1) == like.channels)
                and cnp.PyArray_FLAGS(arr) & need == need):
            return cnp.PyArray_BYTES(arr)
    # Not the same as the first voice: say exactly what is wrong.
    cdef Audio a
    name = f"inputs[{v}]"
    audio_arg(x, "mix", name, FLOATS, &a)
    if (a.format != like.format or cnp.PyArray_NDIM(<cnp.ndarray>x) != nd
            or a.frames != like.frames or a.channels != like.channels):
        raise ValueError(f"mix() {name}: expected the dtype and shape of the first voice, "
                         f"{describe(first)}, got {describe(x)}")
    return a.data


cdef inline tuple mix_gains(object gains, Py_ssize_t nvoices, Py_ssize_t channels,
                            double most):
    """(float64 array of gains or None, gains per voice) for mix()."""
    if gains is None:
        return None, 1
    values = numbers_arg(gains, "mix", "gains", "one number per voice, or per voice and "
                         "channel", 1, 2)
    cdef int nd = cnp.PyArray_NDIM(values)
    if cnp.PyArray_DIM(values, 0) != nvoices or (nd == 2 and cnp.PyArray_DIM(values, 1) != channels):
        raise ValueError(f"mix() gains: expected shape ({nvoices},) or ({nvoices}, {channels}) "
                         f"for {nvoices} voices of {channels} channels, got shape {(<object>values).shape}")
    check_finite(values, "mix", "gains", most)
    return values, (1 if nd == 1 else channels)


cdef inline int pan_law(double position, double *left, double *right) except -1:
    """The constant-power law: gains cos(theta) and sin(theta), theta = (position + 1) pi / 4."""
    if not -1.0 <= position <= 1.0:
        raise ValueError(f"pan() position: expected a value in [-1, 1], got {position}")
    cdef double theta = (position + 1.0) * M_PI / 4.0
    left[0] = cos(theta)
    right[0] = sin(theta)
    return 0


def pan_gains(position):
    """The (left, right) gains `pan` gives a mono signal at `position` (-1 .. 1): the law
    every mono source in pkaudio is panned by (the engine's voices too)."""
    cdef double left, right
    pan_law(number_arg(position, "pan", "position"), &left, &right)
    return left, right


def pan(mono, position, *, out=None):
    """Place a mono signal in a stereo field with a constant-power law.

    The left and right gains are ``cos(theta)`` and ``sin(theta)`` with
    ``theta = (position + 1) * pi / 4``, so their powers always sum to 1 and the centre is
    -3 dB on each side.

    Parameters
    ----------
    mono : numpy.ndarray
        float32 or float64 audio shaped ``(frames,)`` or ``(frames, 1)``.
    position : float
        -1 is hard left, 0 the centre, 1 hard right.
    out : numpy.ndarray, optional
        ``(frames, 2)``, same dtype as `mono`; must not overlap it.

    Returns
    -------
    numpy.ndarray
        `out`, or a new ``(frames, 2)`` array when `out` is None.
    """
    cdef Audio a
    cdef cnp.npy_intp dims[2]
    audio_arg(mono, "pan", "mono", FLOATS, &a)
    if a.channels != 1:
        raise ValueError(f"pan() mono: expected shape (frames,) or (frames, 1), "
                         f"got {describe(mono)}")
    cdef double left, right
    pan_law(number_arg(position, "pan", "position"), &left, &right)
    dims[0] = a.frames
    dims[1] = 2
    result = out_arg(out, "pan", 2, dims, a.format)
    check_overlap(mono, result, False, "pan", "mono")
    cdef char *dst = cnp.PyArray_BYTES(result)
    if a.frames >= NOGIL_MIN_SAMPLES:
        with nogil:
            pan_kernel(&a, dst, left, right)
    else:
        pan_kernel(&a, dst, left, right)
    return result


cdef inline void pan_kernel(Audio *a, char *out, double left, double right) noexcept nogil:
    if a.format == PK_F32:
        pk_pan_f(<float *>a.data, <float *>out, a.frames, left, right)
    else:
        pk_pan_d(<double *>a.data, <double *>out, a.frames, left, right)
