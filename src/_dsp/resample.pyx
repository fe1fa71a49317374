# cython: language_level=3
"""Band-limited sample-rate conversion: one-shot, streaming and variable-ratio; public as
pkaudio.dsp."""
cimport numpy as cnp
from libc.math cimport fabs, frexp, isfinite, ldexp
from libc.stdint cimport uint64_t

from _arrays cimport (Audio, FLOATS, NOGIL_MIN_SAMPLES, audio_arg, describe, flag_arg,
                      format_names)
from _kernels cimport PK_F32, PK_F64, pk_format
from _resample cimport *

import numpy

from pkaudio import _checks as check
from pkaudio import _design

cnp.import_array()

# The most channels a Resampler converts: its history holds a window and a block of each
# (some 34 kB), whatever the length of the audio.
MAX_CHANNELS = 1024
# Input frames the history holds besides one window: how much one pass of the core takes in.
cdef enum:
    HISTORY_BLOCK = 8192
# Input frames per call of the core (pk_rs_pending's limit is 2^28); longer inputs go in
# pieces of this many.
cdef enum:
    CALL_FRAMES = 1 << 22


# Rates (and set ratios) are read as the closest fraction with at most this denominator, and
# the time step's denominator is at most MAX_DEN (the core's integer time arithmetic needs it).
cdef uint64_t RATE_DEN = 1000000
cdef uint64_t MAX_DEN = 1ULL << 32
# Rates within these bounds have exact fractions in 64-bit integers.
cdef double MIN_RATE = 1e-3, MAX_RATE = 1e12


cdef struct Fraction:
    uint64_t num
    uint64_t den


cdef double rate_arg(object value, str name) except -1.0:
    return check.within(value, f"Resampler {name}", MIN_RATE, MAX_RATE, " frames a second")


cdef uint64_t gcd(uint64_t a, uint64_t b) noexcept nogil:
    while b:
        a, b = b, a % b
    return a


cdef Fraction closest_fraction(uint64_t n, uint64_t d, uint64_t max_den) noexcept nogil:
    """The closest fraction to n/d with a denominator of at most max_den, by continued
    fractions, as fractions.Fraction.limit_denominator finds it (except that of two candidates
    equally close within double precision, either may be chosen)."""
    cdef uint64_t g = gcd(n, d)
    n //= g
    d //= g
    if d <= max_den:
        return Fraction(n, d)
    cdef uint64_t p0 = 0, q0 = 1, p1 = 1, q1 = 0, a, rest, top = n, bottom = d
    while bottom != 0:
        a = top // bottom
        if q1 != 0 and a > (max_den - q0) // q1:
            break
        p0, q0, p1, q1 = p1, q1, p0 + a * p1, q0 + a * q1
        top, bottom = bottom, top - a * bottom
    # The best is p1/q1 or the semiconvergent with the largest denominator allowed.
    cdef uint64_t k = (max_den - q0) // q1
    cdef double x = <double>n / <double>d
    cdef double semi = <double>(p0 + k * p1) / <double>(q0 + k * q1)
    if fabs(<double>p1 / <double>q1 - x) <= fabs(semi - x):
        return Fraction(p1, q1)
    return Fraction(p0 + k * p1, q0 + k * q1)


cdef Fraction float_fraction(double x, uint64_t max_den) noexcept nogil:
    """x (within 2^-10 .. 2^53) as the closest fraction with denominator <= max_den."""
    cdef int e
    cdef uint64_t mantissa = <uint64_t>ldexp(frexp(x, &e), 53)  # x = mantissa * 2^(e - 53)
    cdef int shift = 53 - e
    while shift > 0 and mantissa % 2 == 0:
        mantissa //= 2
        shift -= 1
    if shift <= 0:
        return Fraction(mantissa << (-shift), 1)
    return closest_fraction(mantissa, 1ULL << shift, max_den)


cdef Fraction step_fraction(double in_rate, double out_rate) noexcept nogil:
    """The time step, input frames per output frame, in_rate / out_rate, as a fraction: each
    rate read as the closest fraction with denominator <= RATE_DEN (so 1.9999 is 19999/10000,
    not the float's binary fraction), the quotient's denominator kept within MAX_DEN."""
    cdef Fraction a = float_fraction(in_rate, RATE_DEN), b = float_fraction(out_rate, RATE_DEN)
    cdef uint64_t g1 = gcd(a.num, b.num), g2 = gcd(a.den, b.den)
    cdef uint64_t num_a = a.num // g1, num_b = b.den // g2, den_a = a.den // g2
    cdef uint64_t den_b = b.num // g1, limit = <uint64_t>-1
    if num_a > limit // num_b or den_a > limit // den_b:  # rates of many digits: not exact
        return float_fraction(in_rate / out_rate, MAX_DEN)
    return closest_fraction(num_a * num_b, den_a * den_b, MAX_DEN)


cdef int ratio_check(double ratio, str func, str name) except -1:
    if not 1.0 / 256 <= ratio <= 256.0:
        raise ValueError(f"{func}{' ' if name else ''}{name}: expected a ratio within 1/256 .. 256 (output frames "
                         f"per input frame), got {ratio:g}")
    return 0


cdef class Resampler:
    """Sample-rate converter for a stream of audio, fed in chunks of any size.

    The concatenation of what `process` returns for the chunks of a stream, the last one
    passed with ``last=True``, equals ``resample()`` of the whole stream, frame for frame.

    Parameters
    ----------
    in_rate, out_rate : float
        Sample rates in frames per second, any positive values (not only integers): their
        ratio is kept exactly as a fraction, so the output never drifts.
    channels : int
        Channels of the audio. Chunks are ``(frames, channels)`` arrays, or ``(frames,)``
        when mono (the output then is 1-D too).
    quality : {"quick", "low", "medium", "high", "very_high"}
        Filter quality, as documented for ``pkaudio.dsp.resample``.
    dtype : {"float32", "float64"}
        Sample type of the chunks and of the output.

    Notes
    -----
    Output frame k is the input at time ``k * in_rate / out_rate``: the filter's delay is
    compensated. A stream of n input frames gives ``floor(n * out_rate / in_rate + 1/2)``
    output frames. Outputs need `delay` input frames past their time before they are
    returned, so `process` returns fewer frames than the ratio suggests until ``last=True``
    drains the tail.

    One Resampler may be used from any thread, but by one thread at a time.
    """
    cdef pk_resampler state
    cdef readonly str quality
    cdef object spec   # the _design.Quality
    cdef readonly double in_rate, out_rate
    cdef readonly str dtype
    cdef pk_format format
    cdef double scale
    cdef bint finished, busy
    cdef object table, history, row   # the arrays whose memory the state points into
    cdef bint constructed
    cdef object __weakref__

    # Set up in __cinit__, which runs once, before anyone else can hold the object: so a
    # Resampler cannot be set up again while a thread runs it, nor left half set up.
    def __cinit__(self, in_rate, out_rate, channels=1, *, quality="high", dtype="float32"):
        self.in_rate = rate_arg(in_rate, "in_rate")
        self.out_rate = rate_arg(out_rate, "out_rate")
        ratio_check(self.out_rate / self.in_rate, "Resampler", "out_rate / in_rate")
        channels = check.channels(channels, "Resampler channels", MAX_CHANNELS)
        self.quality = check.choice(quality, "Resampler quality", tuple(_design.QUALITIES))
        self.spec = _design.QUALITIES[quality]
        dt = check.dtype(dtype, "Resampler dtype", ("float32", "float64")).name
        self.dtype = dt
        self.format = PK_F32 if dt == "float32" else PK_F64

        q = self.spec
        compute = "float64" if q.wide or dt == "float64" else "float32"
        self.state.wide = compute == "float64"
        self.scale = min(1.0, self.out_rate / self.in_rate)
        self.state.taps = _design.kernel_taps(q, self.scale)
        cdef Fraction step = step_fraction(self.in_rate, self.out_rate)
        self.set_step(step.num, step.den)
        if q.cubic:
            self.state.kind = PK_RS_CUBIC
        elif _design.exact_fits(q, self.scale, step.den, 8 if self.state.wide else 4,
                                PK_RS_PAD_LEFT + PK_RS_PAD_RIGHT):
            self.use_table(_design.exact_table(q, self.scale, step.den, compute,
                                               (PK_RS_PAD_LEFT, PK_RS_PAD_RIGHT)),
                           PK_RS_TABLE, step.den)
        else:
            self.use_poly_table()
        self.state.channels = channels
        # Room for a window, the frames an output waits for past it, and a block of input.
        self.state.capacity = self.state.taps + PK_RS_TAP_MULTIPLE + HISTORY_BLOCK
        self.history = cnp.PyArray_ZEROS(2, [channels, self.state.capacity],
                                         cnp.NPY_FLOAT64 if self.state.wide else cnp.NPY_FLOAT32,
                                         0)
        self.state.history = cnp.PyArray_DATA(self.history)
        pk_rs_reset(&self.state)

    def __init__(self, *args, **kwargs):
        if self.constructed:
            raise RuntimeError("Resampler.__init__: a Resampler is set up once, when made; "
                               "make a new one for other settings")
        self.constructed = True

    cdef set_step(self, uint64_t numerator, uint64_t den):
        self.state.den = den
        self.state.step_int = numerator // den
        self.state.step_frac = numerator % den

    cdef use_table(self, cnp.ndarray table, pk_rs_kind kind, Py_ssize_t phases):
        self.table = table
        self.state.table = cnp.PyArray_DATA(table)
        self.state.kind = kind
        self.state.phases = phases

    cdef use_poly_table(self):
        compute = "float64" if self.state.wide else "float32"
        self.use_table(_design.poly_table(self.spec, self.scale, compute), PK_RS_POLY,
                       self.spec.poly_phases)
        self.row = cnp.PyArray_EMPTY(1, [self.state.taps], cnp.NPY_FLOAT64 if self.state.wide
                                     else cnp.NPY_FLOAT32, 0)
        self.state.row = cnp.PyArray_DATA(self.row)

    @property
    def channels(self):
        """Channels of the audio."""
        return self.state.channels

    @property
    def address(self):
        """The address of the pk_resampler, for the compiled core (which then owns it: use
        this Resampler from Python no more)."""
        return <size_t>&self.state

    @property
    def delay(self):
        """Input frames an output waits for past its own time: half the filter's length, and
        with exact-ratio tables, 16 more (such outputs also come in pairs, the first waiting
        for the second)."""
        return self.state.taps // 2 + (PK_RS_TAP_MULTIPLE if self.state.kind == PK_RS_TABLE
                                       else 0)

    @property
    def ratio(self):
        """The conversion ratio out/in, output frames per input frame.

        Setting it (varispeed, clock-drift correction) changes the step from the next output
        frame on: the waveform stays continuous, and from then on the output length follows the
        integral of the ratio. A ratio is read as the rates are, as the closest fraction to the
        float given whose denominator is at most a million (so ``44100 / 48000`` is exactly
        147/160), and played through interpolated filter rows, which make any ratio cost the
        same. The anti-aliasing cutoff stays where the rates given at
        construction put it: for playback faster than that ratio, construct with the fastest
        ratio you will use.
        """
        return self.state.den / <double>(self.state.step_int * self.state.den +
                                         self.state.step_frac)

    @ratio.setter
    def ratio(self, value):
        cdef double r = check.number(value, "Resampler.ratio")
        ratio_check(r, "Resampler.ratio", "")
        cdef Fraction step = step_fraction(1.0, r)
        # The same step over a denominator near 2^32, so that the time within the frame keeps
        # its precision when re-expressed in it (small denominators would round it). Both
        # denominators are at most 2^32, so frac * den fits in 64 bits.
        cdef uint64_t scale = MAX_DEN // step.den
        self.enter()
        try:
            if self.state.kind == PK_RS_TABLE:
                self.use_poly_table()
            self.state.frac = self.state.frac * (step.den * scale) // self.state.den
            self.set_step(step.num * scale, step.den * scale)
        finally:
            self.busy = False

    cdef int enter(self) except -1:
        if self.busy:
            raise RuntimeError("Resampler: in use by another thread; use one Resampler per "
                               "thread")
        self.busy = True
        return 0

    def reset(self):
        """Forget the stream: the next chunk starts a new one (the ratio is kept)."""
        self.enter()
        pk_rs_reset(&self.state)
        self.finished = False
        self.busy = False

    def process(self, x, *, last=False):
        """Resample the next chunk of the stream.

        Parameters
        ----------
        x : numpy.ndarray
            ``(frames, channels)`` of the Resampler's dtype, or ``(frames,)`` when mono; may be
            empty.
        last : bool
            This is the end of the stream: also return the tail still held in the filter. After
            it, `reset` starts a new stream.

        Returns
        -------
        numpy.ndarray
            The output frames ready: ``(frames, channels)``, or ``(frames,)`` for 1-D input.
        """
        cdef Audio a
        last = flag_arg(last, "Resampler.process", "last")
        audio_arg(x, "Resampler.process", "x", FLOATS, &a)
        if a.format != self.format:
            raise TypeError(f"Resampler.process() x: expected dtype {self.dtype}, the "
                            f"Resampler's, got {describe(x)}")
        if a.channels != self.state.channels or (cnp.PyArray_NDIM(x) == 1
                                                 and self.state.channels != 1):
            raise ValueError(f"Resampler.process() x: expected shape (frames, "
                             f"{self.state.channels}), got {describe(x)}")
        if self.finished:
            raise RuntimeError("Resampler.process(): the stream ended with last=True; call "
                               "reset() to start another")
        self.enter()
        try:
            if a.frames > CALL_FRAMES:
                return self.process_pieces(x, last)
            return self.process_audio(&a, cnp.PyArray_NDIM(x), last)
        finally:
            self.busy = False

    cdef object process_audio(self, Audio *a, int nd, bint last):
        cdef cnp.npy_intp dims[2]
        cdef Py_ssize_t n = pk_rs_pending(&self.state, a.frames, last)
        dims[0] = n
        dims[1] = self.state.channels
        out = cnp.PyArray_EMPTY(nd, dims, cnp.NPY_FLOAT32 if self.format == PK_F32
                                else cnp.NPY_FLOAT64, 0)
        cdef char *dst = cnp.PyArray_BYTES(out)
        if (a.frames + n) * self.state.channels >= NOGIL_MIN_SAMPLES:
            with nogil:
                process_kernel(&self.state, a, dst, last)
        else:
            process_kernel(&self.state, a, dst, last)
        self.finished = last
        return out

    cdef object process_pieces(self, x, bint last):
        cdef Audio a
        cdef Py_ssize_t start, frames = len(x)
        pieces = []
        for start in range(0, frames, CALL_FRAMES):
            piece = x[start:start + CALL_FRAMES]
            audio_arg(piece, "Resampler.process", "x", FLOATS, &a)
            pieces.append(self.process_audio(&a, cnp.PyArray_NDIM(x),
                                             last and start + CALL_FRAMES >= frames))
        return numpy.concatenate(pieces)

    def __repr__(self):
        return (f"Resampler({self.in_rate:g}, {self.out_rate:g}, {self.state.channels}, "
                f"quality={self.quality!r}, dtype={self.dtype!r})")


cdef inline void process_kernel(pk_resampler *r, Audio *a, char *out, bint last) noexcept nogil:
    if a.format == PK_F32:
        pk_rs_process_f(r, <float *>a.data, a.frames, <float *>out, last)
    else:
        pk_rs_process_d(r, <double *>a.data, a.frames, <double *>out, last)


def resample(x, in_rate, out_rate, *, quality="high"):
    """Convert audio from one sample rate to another.

    Parameters
    ----------
    x : numpy.ndarray
        float32 or float64 audio, ``(frames,)`` (mono) or ``(frames, channels)``.
    in_rate, out_rate : float
        Sample rates, any positive values; their ratio is kept exactly.
    quality : {"quick", "low", "medium", "high", "very_high"}
        ``"quick"`` is 4-point cubic interpolation (cheap, no anti-aliasing: for many voices
        at once). The others are windowed-sinc filters whose stopband starts at the lower
        Nyquist frequency (nothing aliases into the output's band). At ratio 1: taps, where
        the passband (flat within 0.01 dB) ends as a fraction of the lower Nyquist frequency,
        and the stopband level from that frequency on:

        ==========  =====  ========  ========  ==============================
        quality     taps   passband  stopband  precision
        ==========  =====  ========  ========  ==============================
        low         32     0.66      -80 dB    of the audio
        medium      96     0.853     -112 dB   of the audio
        high        176    0.909     -132 dB   of the audio
        very_high   352    0.946     -162 dB   double, for float32 audio too
        ==========  =====  ========  ========  ==============================

        Latency (`Resampler.delay`) is half the taps in input frames; downsampling by r
        stretches the filter to taps / r input frames.

    Returns
    -------
    numpy.ndarray
        ``floor(frames * out_rate / in_rate + 1/2)`` frames, same dtype and channels; output
        frame k is the input at time ``k / out_rate``.
    """
    cdef Audio a
    audio_arg(x, "resample", "x", FLOATS, &a)
    if not 1 <= a.channels <= MAX_CHANNELS:
        raise ValueError(f"resample() x: expected 1 .. {MAX_CHANNELS} channels, got "
                         f"{describe(x)}")
    resampler = Resampler(in_rate, out_rate, a.channels, quality=quality,
                          dtype="float32" if a.format == PK_F32 else "float64")
    return resampler.process(x, last=True)
