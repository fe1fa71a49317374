"""What the fuzz suite calls, with which values, and how each call is judged.

Every public function and method of pkaudio has a *target* here: a hypothesis strategy that
draws a `Case` (mostly valid arguments, each one hostile now and then, so that the checks
past the first are reached too), the rules its errors follow (`Target`), and where cheap a
numpy reference for what it returns (`CHECKS`). `fuzzing.py` runs and judges the cases.
"""
from __future__ import annotations

import math
import os
from dataclasses import replace

import numpy as np
from fuzzing import (
    CHECKS,
    HOSTILE,
    TARGETS,
    Alias,
    Array,
    Case,
    Code,
    Items,
    Same,
    Target,
    V,
    number,
    v,
)
from hypothesis import strategies as st

# Sample types the kernels take, and every other kind numpy has.
GOOD_DTYPES = ("float32", "float64")
SAMPLE_DTYPES = ("int16", "int32", "float32", "float64")
ALL_DTYPES = SAMPLE_DTYPES + (
    "bool", "int8", "int64", "uint8", "uint16", "uint32", "uint64", "float16", "longdouble",
    "complex64", "complex128", "clongdouble", ">f4", ">f8", ">i2", ">i4", "O", "U3", "S3",
    "V4", "M8[s]", "m8[s]", "f4,f4")
# Lengths around the kernels' vector widths, chunk sizes and the GIL-release threshold.
FRAMES = (0, 1, 2, 3, 7, 15, 16, 17, 63, 64, 65, 255, 256, 257, 1031, 2049, 4099)
CHANNELS = (0, 1, 2, 3, 5, 6, 8, 16, 17, 63, 64, 65, 100)
# Few frames of very many channels (and the reverse); each within a few MB.
HUGE_SHAPES = ((1, 100_000), (2, 65_537), (0, 1_000_000), (3, 33_333), (1, 1 << 20),
               (70_000, 0), (4, 70_000))
MAX_ELEMENTS = 1 << 20
FILLS = ("noise", "zeros", "special", "huge", "tiny")

# Value tags that each kind of parameter must refuse (see fuzzing.V).
NOT_NUMBER = frozenset({"str", "bytes", "none", "map", "obj", "callable", "complex"})
NUMBER = NOT_NUMBER | {"nan", "inf"}
SCALAR = NUMBER | {"seq"}
RATE = SCALAR | {"neg", "zero"}
WHOLE = SCALAR | {"neg", "frac"}
FLAG = NOT_NUMBER | {"nan", "inf", "seq", "array", "frac", "neg", "huge", "big"}
GAIN32 = NUMBER | {"huge"}  # gains the engine keeps as float32


def chance(draw, percent):
    return draw(st.integers(0, 99)) < percent


def pick(draw, options):
    return draw(st.sampled_from(options))


def hostile(draw):
    return pick(draw, HOSTILE)


def seq(values, kind="list") -> V:
    """A list of values as one V, tagged by its items (a list is welcome where this is used:
    what must be refused is what is in it)."""
    body = ", ".join(x.code for x in values)
    body = f"[{body}]" if kind == "list" else f"({body}{',' if len(values) == 1 else ''})"
    tags = frozenset().union(*(x.tags for x in values)) if values else frozenset()
    prelude = "\n".join(sorted({x.prelude for x in values if x.prelude}))
    return V(body, tags, prelude)


def floats(draw, lo, hi) -> V:
    return number(draw(st.floats(lo, hi, allow_nan=False, allow_infinity=False)))


def ints(draw, lo, hi) -> V:
    return number(draw(st.integers(lo, hi)))


@st.composite
def arrays(draw, dtypes=GOOD_DTYPES, ndims=(1, 2), bad=25, frames=FRAMES, channels=CHANNELS):
    """Mostly a valid array (one of `dtypes`, one of `ndims`, C order, noise); `bad` percent
    of the time anything: every dtype, 0-d to 4-d, huge channel counts, Fortran order,
    strided, reversed, misaligned or read-only views, NaN, infinities, extremes."""
    seed = draw(st.integers(0, 1000))
    if not chance(draw, bad):
        ndim = pick(draw, ndims)
        shape = (pick(draw, frames),) + ((pick(draw, channels[:9]),) if ndim == 2 else ())
        return Array(pick(draw, dtypes), shape, fill=pick(draw, FILLS[:3] if chance(draw, 20)
                                                       else ("noise",)), seed=seed)
    dtype = pick(draw, dtypes + ALL_DTYPES) if chance(draw, 60) else pick(draw, ALL_DTYPES)
    if chance(draw, 10):
        shape = pick(draw, HUGE_SHAPES)
    else:
        ndim = draw(st.integers(0, 4))
        dims = (0, 1, 2, 3, 5) if ndim > 2 else None
        shape = tuple(pick(draw, dims or (frames if i == 0 else channels)) for i in range(ndim))
    if math.prod(shape) > MAX_ELEMENTS:
        shape = (MAX_ELEMENTS // max(1, math.prod(shape[1:])),) + shape[1:]
    return Array(dtype, shape, order=pick(draw, ("C", "C", "F")),
                 step=pick(draw, (1, 1, 1, 2, -1, 3)), misalign=pick(draw, (0, 0, 0, 1, 2)),
                 readonly=chance(draw, 15), fill=pick(draw, FILLS), seed=seed)


def array_or_hostile(draw, percent=10, **kw):
    return hostile(draw) if chance(draw, percent) else draw(arrays(**kw))


def gain_values(draw, channels, engine=False) -> V:
    """One gain, one per channel, or something hostile."""
    choice = draw(st.integers(0, 9))
    if choice < 4:
        return floats(draw, -4, 4)
    if choice < 6:
        n = channels if chance(draw, 80) else pick(draw, (0, 1, channels + 1, 65))
        values = [floats(draw, -4, 4) for _ in range(min(n, 70))]
        if values and chance(draw, 30):
            values[draw(st.integers(0, len(values) - 1))] = hostile(draw)
        plain = not any(x.tags & (NOT_NUMBER - {"none"} | {"seq", "array"}) for x in values)
        if plain and chance(draw, 20):
            as_list = seq(values)
            dtype = pick(draw, ("float", "np.float32"))
            return V(f"np.array({as_list.code}, {dtype})", as_list.tags | {"array"},
                     as_list.prelude)
        return seq(values, pick(draw, ("list", "tuple")))
    if choice < 7 and not engine:
        return pick(draw, (v("1e39", "huge"), v("3.5e38", "huge"), v("-1e39", "huge"),
                           v("1e-50"), v("1e300", "huge"), v("np.float64(3.4e38)")))
    return hostile(draw)


def out_value(draw, x, shape, dtype, of="x"):
    """An `out=` for input `x` (an Array, or anything): absent (None), a fresh array of the
    right shape and dtype (or read-only, Fortran-ordered, strided, misaligned), `x` itself, a
    view that overlaps `x` partly or wholly, or something hostile."""
    choice = draw(st.integers(0, 12))
    if choice < 3:
        return None
    if not isinstance(x, Array):
        return hostile(draw) if choice < 6 else Array(dtype, tuple(shape)) if choice < 9 \
            else draw(arrays(bad=100))
    if choice < 6:
        spec = Array(dtype, tuple(shape), seed=draw(st.integers(0, 99)))
        variant = draw(st.integers(0, 9))
        if variant == 0:
            spec = replace(spec, readonly=True)
        elif variant == 1:
            spec = replace(spec, order="F")
        elif variant == 2:
            spec = replace(spec, step=2)
        elif variant == 3:
            spec = replace(spec, misalign=pick(draw, (1, 2, 4)))
        return spec
    if choice == 6:
        return Same(of)
    if choice < 10:
        size = x.nbytes
        delta = pick(draw, (0, 0, x.itemsize, -x.itemsize, size // 2, -(size // 2), size,
                            -size, 1))
        return Alias(of, dtype, tuple(shape), delta, readonly=chance(draw, 10))
    if choice == 10:
        return hostile(draw)
    return draw(arrays(bad=100))


def with_slack(binding_list, name):
    """Give array `name` room around it, so that aliases of it can partly overlap."""
    for i, (bound, value) in enumerate(binding_list):
        if bound == name and isinstance(value, Array):
            binding_list[i] = (bound, replace(value, slack=4 * value.nbytes + 256))


def call_with(bindings, optional, template):
    """Bind the optional values that are present; the call with their keywords."""
    extra = []
    for name, value in optional:
        if value is not None:
            bindings.append((name, value))
            if isinstance(value, Alias):
                with_slack(bindings, value.of)
            extra.append(f"{name}={name}")
    return template.format(kw=("" if not extra else ", " + ", ".join(extra)))


def shape_of(x):
    return x.shape if isinstance(x, Array) else (3, 2)


def dtype_of(x, default="float32"):
    return x.dtype if isinstance(x, Array) and x.dtype in SAMPLE_DTYPES else default


# ---- the kernels ----

def level_target(name, params, refuse, check):
    TARGETS[f"dsp.{name}"] = Target(names=(name,), params=params, refuse=refuse, check=check)


@st.composite
def gain_case(draw):
    x = array_or_hostile(draw)
    b = [("x", x), ("g", gain_values(draw, getattr(x, "channels", 2)))]
    out = out_value(draw, x, shape_of(x), dtype_of(x))
    return _case("dsp.gain", b, [("out", out)], "dsp.gain(x, g{kw})")


@st.composite
def ramp_case(draw):
    x = array_or_hostile(draw)
    c = getattr(x, "channels", 2)
    b = [("x", x), ("g0", gain_values(draw, c)), ("g1", gain_values(draw, c))]
    out = out_value(draw, x, shape_of(x), dtype_of(x))
    return _case("dsp.ramp", b, [("out", out)], "dsp.ramp(x, g0, g1{kw})")


@st.composite
def mix_case(draw):
    kind = draw(st.integers(0, 9))
    first = draw(arrays())
    n = pick(draw, (0, 1, 2, 3, 4, 5, 8, 9, 64, 65, 70))
    inputs, alias_of = mix_inputs(draw, kind, first, n)
    nvoices = n if isinstance(inputs, Items) else (inputs.shape[0] if isinstance(inputs, Array)
                                                   and inputs.shape else 0)
    channels = first.shape[1] if len(first.shape) == 2 else 1
    g = mix_gains(draw, nvoices, channels)
    out = mix_out(draw, first, alias_of)
    acc = pick(draw, (None, v("True", "bool"), v("False", "bool"))) if chance(draw, 85) \
        else hostile(draw)
    b = [("inputs", inputs)]
    optional = [("gains", g), ("out", out), ("accumulate", acc)]
    template = "dsp.mix(inputs{kw})"
    return _case("dsp.mix", b, optional, template)


def mix_inputs(draw, kind, first, n):
    """The inputs= of a mix of `n` voices like array `first`: by `kind` (0-9), a list or
    tuple of arrays, one array, or something hostile. Also the name of the array an out= may
    alias (None if there is none)."""
    if kind < 6:  # a list of voices, mostly alike, now and then one that is not
        items = [replace(first, seed=i) for i in range(n)]
        if items and chance(draw, 25):
            items[draw(st.integers(0, n - 1))] = array_or_hostile(draw, 30, bad=100)
        inputs = Items(tuple(items), pick(draw, ("list", "list", "tuple")))
        return inputs, ("inputs_0" if n else None)
    if kind < 9:  # one array, (voices, frames) or (voices, frames, channels)
        shape = (n,) + first.shape
        inputs = replace(first, shape=shape if math.prod(shape) <= MAX_ELEMENTS
                         else (2,) + first.shape)
        if chance(draw, 20):
            inputs = draw(arrays(ndims=(2, 3), bad=100))
        return inputs, "inputs"
    return hostile(draw), None


def mix_gains(draw, nvoices, channels):
    """gains= for a mix of `nvoices` voices of `channels` channels: absent (None), one per
    voice, one per voice and channel, one per voice with one hostile, or hostile."""
    kind = draw(st.integers(0, 5))
    if kind == 1:
        return seq([floats(draw, -2, 2) for _ in range(nvoices)])
    if kind == 2:
        return V("np.array(" + seq([seq([floats(draw, -2, 2) for _ in range(min(channels, 20))])
                                    for _ in range(nvoices)]).code + ")", frozenset({"array"}))
    if kind == 3:
        values = [floats(draw, -2, 2) for _ in range(nvoices)]
        if values:
            values[draw(st.integers(0, len(values) - 1))] = gain_values(draw, 1)
        return seq(values)
    if kind == 4:
        return hostile(draw)
    return None


def mix_out(draw, first, alias_of):
    """out= for a mix of voices shaped like `first`: what `out_value` draws, with its views
    taken of `alias_of` (the inputs' array, or the first of their list), or else an overlapping
    view of it; None where there is nothing to take a view of."""
    shape, dtype = first.shape, first.dtype
    if alias_of is not None and chance(draw, 25):
        size = first.nbytes
        return Alias(alias_of, dtype, shape, pick(draw, (0, 0, first.itemsize, -size // 2,
                                                           size)))
    if not chance(draw, 60):
        return None
    out = out_value(draw, first, shape, dtype, of=alias_of or "x")
    if isinstance(out, (Same, Alias)) and alias_of is None:
        return None
    if isinstance(out, Same):
        return Same(alias_of)
    if isinstance(out, Alias):
        return replace(out, of=alias_of)
    return out


def _case(target, bindings, optional, template):
    call = call_with(bindings, optional, template)
    return Case(target, tuple(bindings), call)


@st.composite
def pan_case(draw):
    x = array_or_hostile(draw, ndims=(1, 2), channels=(1, 1, 1, 2))
    frames = shape_of(x)[0] if shape_of(x) else 0
    pos = floats(draw, -1, 1) if chance(draw, 60) else pick(draw, (
        v("1.0000001"), v("-1.5", "neg"), v("1e39", "huge"))) if chance(draw, 30) \
        else hostile(draw)
    out = out_value(draw, x, (frames, 2), dtype_of(x), of="mono")
    return _case("dsp.pan", [("mono", x), ("position", pos)], [("out", out)],
                 "dsp.pan(mono, position{kw})")


@st.composite
def meter_case(draw, name):
    x = array_or_hostile(draw, dtypes=SAMPLE_DTYPES)
    shape = shape_of(x)
    rest = tuple(shape[1:2])
    out_shape = ((2,) + rest) if name == "meter" else rest
    out = out_value(draw, x, out_shape, "float64")
    if isinstance(out, Alias):
        out = replace(out, dtype=pick(draw, ("float64", "float64", x.dtype)))
    return _case(f"dsp.{name}", [("x", x)], [("out", out)], f"dsp.{name}(x{{kw}})")


DTYPE_VALUES = [v(repr(d)) for d in SAMPLE_DTYPES] + [
    v("np.int16"), v("np.float32"), v("np.dtype('float64')"), v("'f4'"), v("'<i2'"),
    v("np.dtype('int32').type")]
BAD_DTYPE_VALUES = [
    v("'>f4'"), v("'int8'"), v("'uint16'"), v("'float16'"), v("'complex64'"), v("'object'"),
    v("'U3'"), v("None", "none"), v("float"), v("int"), v("bool"), v("'float'"), v("'double'"),
    v("1"), v("[('a', 'f4')]", "seq"), v("'nonsense'"), v("object()", "obj"),
    v("np.float32(1)", "obj"), v("b'int16'", "bytes"), v("['int16']", "seq")]


@st.composite
def convert_case(draw):
    x = array_or_hostile(draw, dtypes=SAMPLE_DTYPES)
    dt = pick(draw, DTYPE_VALUES) if chance(draw, 80) else pick(draw, BAD_DTYPE_VALUES)
    target = np.dtype(eval(dt.code, {"np": np})).name if dt in DTYPE_VALUES else "float32"
    out = out_value(draw, x, shape_of(x), target)
    dither = None if chance(draw, 60) else pick(draw, (v("True", "bool"), v("False", "bool"))) \
        if chance(draw, 80) else hostile(draw)
    return _case("dsp.convert", [("x", x), ("dtype", dt)], [("out", out), ("dither", dither)],
                 "dsp.convert(x, dtype{kw})")


@st.composite
def copy_case(draw):
    x = array_or_hostile(draw, dtypes=SAMPLE_DTYPES)
    out = out_value(draw, x, shape_of(x), pick(draw, SAMPLE_DTYPES), of="src")
    if out is None:
        out = Array(pick(draw, SAMPLE_DTYPES), shape_of(x))
    b = [("src", x)]
    call = call_with(b, [("out", out)], "dsp.copy(src, out)")
    return Case("dsp.copy", tuple(b), call)


@st.composite
def transpose_case(draw, name):
    x = array_or_hostile(draw, dtypes=SAMPLE_DTYPES, ndims=(2,))
    shape = shape_of(x)
    flipped = tuple(reversed(shape)) if len(shape) == 2 else (2, 3)
    arg = "planar" if name == "interleave" else "x"
    out = out_value(draw, x, flipped, dtype_of(x), of=arg)
    return _case(f"dsp.{name}", [(arg, x)], [("out", out)], f"dsp.{name}({arg}{{kw}})")


RATES = (8000, 11025, 22050, 44100, 48000, 96000, 192000, 44100.5, 1.9999, 1000.001)
BAD_RATES = [v("0", "zero"), v("-44100", "neg"), v("1e-3"), v("9e-4"), v("1e12"), v("1.1e12"),
             v("48000 * 257"), v("1"), v("2**53 + 1"), v("np.float32(44100)"),
             v("np.int64(48000)"), v("Fraction(44100, 1)"), v("Decimal('48000')")]
QUALITIES = [v(repr(q)) for q in ("quick", "low", "medium", "high", "very_high")]
BAD_QUALITIES = [v("'HIGH'", "str"), v("''", "str"), v("None", "none"), v("1"),
                 v("b'high'", "bytes"), v("['high']", "seq")]


def rate_value(draw):
    c = draw(st.integers(0, 9))
    if c < 7:
        return number(pick(draw, RATES))
    return pick(draw, BAD_RATES) if c < 9 else hostile(draw)


def quality_value(draw):
    return None if chance(draw, 40) else pick(draw, QUALITIES) if chance(draw, 80) \
        else pick(draw, BAD_QUALITIES) if chance(draw, 70) else hostile(draw)


@st.composite
def resample_case(draw):
    x = array_or_hostile(draw, frames=FRAMES[:14])
    b = [("x", x), ("in_rate", rate_value(draw)), ("out_rate", rate_value(draw))]
    return _case("dsp.resample", b, [("quality", quality_value(draw))],
                 "dsp.resample(x, in_rate, out_rate{kw})")


def resampler_args(draw):
    channels = ints(draw, 1, 8) if chance(draw, 80) else pick(draw, (
        v("0", "zero"), v("-1", "neg"), v("65"), v("10**6"), v("2.0"), v("np.int64(2)"))) \
        if chance(draw, 50) else hostile(draw)
    dtype = None if chance(draw, 40) else pick(draw, (v("'float32'"), v("'float64'"),
                                                       v("np.float64"))) \
        if chance(draw, 70) else pick(draw, BAD_DTYPE_VALUES + DTYPE_VALUES[:2])
    return [("in_rate", rate_value(draw)), ("out_rate", rate_value(draw))], \
        [("channels", channels), ("quality", quality_value(draw)), ("dtype", dtype)]


@st.composite
def resampler_case(draw):
    b, optional = resampler_args(draw)
    return _case("dsp.Resampler", b, optional, "dsp.Resampler(in_rate, out_rate{kw})")


def good_resampler(draw, name="r"):
    channels = pick(draw, (1, 2, 3))
    dtype = pick(draw, GOOD_DTYPES)
    setup = (f"{name} = dsp.Resampler({pick(draw, RATES[:6])}, {pick(draw, RATES[:6])}, "
             f"{channels}, quality={pick(draw, ('quick', 'low', 'high'))!r}, dtype={dtype!r})")
    return Code(setup), channels, dtype


@st.composite
def process_case(draw):
    code, channels, dtype = good_resampler(draw)
    if chance(draw, 75):
        ndim = 1 if channels == 1 and chance(draw, 50) else 2
        x = Array(dtype, (pick(draw, FRAMES[:15]),) + ((channels,) if ndim == 2 else ()),
                  fill=pick(draw, FILLS[:3]), seed=draw(st.integers(0, 99)))
    else:
        x = array_or_hostile(draw, 30, bad=100)
    before = Code("r.process(np.zeros((5, r.channels), r.dtype), last=True)") \
        if chance(draw, 10) else Code("")
    last = None if chance(draw, 50) else pick(draw, (v("True", "bool"), v("False", "bool"))) \
        if chance(draw, 80) else hostile(draw)
    return _case("Resampler.process", [("r", code), ("_", before), ("x", x)], [("last", last)],
                 "r.process(x{kw})")


@st.composite
def ratio_case(draw):
    code, _, _ = good_resampler(draw)
    value = floats(draw, 1 / 256, 256) if chance(draw, 40) else rate_value(draw) \
        if chance(draw, 50) else pick(draw, (v("1 / 256"), v("256"), v("257"), v("1 / 257"),
                                             v("0.00390625"), v("255.99999999")))
    return Case("Resampler.ratio", (("r", code), ("value", value)),
                "setattr(r, 'ratio', value)")


@st.composite
def reinit_case(draw):
    code, _, _ = good_resampler(draw)
    b, optional = resampler_args(draw)
    before = Code("before = (r.in_rate, r.out_rate, r.channels, r.quality, r.dtype)")
    return _case("Resampler.__init__", [("r", code), ("_", before)] + b,
                 optional, "r.__init__(in_rate, out_rate{kw})")


# ---- the engine ----

ENGINE = "eng = pkaudio.Engine({rate}, {channels}{meter})"


def engine_code(draw):
    channels = pick(draw, (1, 2, 2, 3))
    meter = pick(draw, ("", "", ", meter_interval=64"))
    return Code(ENGINE.format(rate=pick(draw, (48000, 44100)), channels=channels,
                              meter=meter)), channels


def frame_value(draw, hi=5000, none_ok=True):
    c = draw(st.integers(0, 9))
    if c < 3 and none_ok:
        return None
    if c < 7:
        return ints(draw, 0, hi)
    if c < 9:
        return pick(draw, (v("-1", "neg"), v("2**62"), v("2**62 + 1"), v("2**63", "big"),
                           v("10**30", "big"), v("1.5", "frac"), v("2.0"), v("np.int64(3)"),
                           v("np.uint64(2**64 - 1)"), v("np.float32(7)"), v("True", "bool")))
    return hostile(draw)


def rate_factor(draw):
    c = draw(st.integers(0, 9))
    if c < 4:
        return None
    if c < 7:
        return floats(draw, 0.25, 4)
    if c < 9:
        return pick(draw, (v("1 / 256"), v("256"), v("257"), v("1 / 257"), v("0", "zero"),
                           v("-1", "neg"), v("np.float32(2)")))
    return hostile(draw)


def pan_value(draw):
    c = draw(st.integers(0, 9))
    return None if c < 4 else floats(draw, -1, 1) if c < 7 else \
        pick(draw, (v("1.5"), v("-1.0000001"), v("np.float64(-1)"))) if c < 8 else hostile(draw)


def engine_gain(draw, channels):
    return None if chance(draw, 30) else gain_values(draw, channels, engine=not chance(draw, 20))


SOUND_RATES = (48000, 44100, 96000, 22050, 48000.5)


@st.composite
def sound_bindings(draw, channels, engine=True):
    """Bindings that end in `sound`, what Engine.play plays: an array, a Sound (perhaps at
    another rate), a DiskStream, the engine's input (with `engine`), or something else."""
    c = draw(st.integers(0, 19))
    frames = pick(draw, (0, 1, 7, 64, 100, 257, 1000))
    ch = pick(draw, (1, 1, 2, channels, 3))
    fill = "special" if chance(draw, 5) else "noise"
    array = Array(pick(draw, SAMPLE_DTYPES), (frames, ch) if chance(draw, 60) else (frames,),
                  fill=fill, seed=draw(st.integers(0, 99)))
    if c < 7 or not engine and 12 <= c < 14:  # (without an engine: no stream, no input)
        return [("sound", array)]
    if c < 12:
        rate = pick(draw, SOUND_RATES)
        return [("sound_data", array),
                ("sound", V(f"pkaudio.Sound.from_array(sound_data, {rate})"))]
    if c < 13:
        return [("_", Code("sf.write('s.wav', np.full((300, 2), 0.25, np.float32), 48000)")),
                ("sound", V("pkaudio.DiskStream('s.wav', samplerate=eng.samplerate)"))]
    if c < 14:
        return [("sound", V("eng.input"))]
    if c < 16:
        return [("sound", draw(arrays(bad=100)))]
    return [("sound", hostile(draw))]


LOOPS = [v("True", "bool"), v("False", "bool"), v("(0, 10)", "seq"), v("(5, 7)", "seq"),
         v("(0, 1)", "seq")]
BAD_LOOPS = [v("1"), v("'yes'", "str"), v("None", "none"), v("(1,)", "seq"),
             v("(0, 10**6)", "seq"), v("(2, 1)", "seq"), v("(0.5, 1)", "seq"),
             v("(float('nan'), 1)", "seq"), v("[0, 5]", "seq"), v("np.array([0, 5])", "seq"),
             v("(True, 2)", "seq"), v("(0, 2**63)", "seq"), v("(-1, 5)", "seq"),
             v("(0, 0)", "seq")]


def bus_value(draw):
    c = draw(st.integers(0, 9))
    if c < 4:
        return None
    if c < 7:
        return pick(draw, (v("'master'"), v("'fx'"), v("fx"), v("eng.master")))
    if c < 9:
        return pick(draw, (v("'nope'"), v("''"), v("pkaudio.Engine().master"), v("0"),
                           v("eng.master.id")))
    return hostile(draw)


ENGINE_AFTER = "eng.render(300); eng.events(); eng.stats()"


@st.composite
def play_case(draw):
    code, channels = engine_code(draw)
    b = [("eng", code), ("fx", V("eng.bus('fx')")), ("now_before", V("eng.now"))] + \
        draw(sound_bindings(channels))
    loop = None if chance(draw, 50) else pick(draw, LOOPS) if chance(draw, 60) \
        else pick(draw, BAD_LOOPS) if chance(draw, 70) else hostile(draw)
    optional = [("at", frame_value(draw)), ("gain", engine_gain(draw, channels)),
                ("pan", pan_value(draw)), ("rate", rate_factor(draw)), ("loop", loop),
                ("bus", bus_value(draw))]
    return _case("Engine.play", b, optional, "eng.play(sound{kw})")


def voice_setup(draw, channels):
    return Code("v = eng.play(np.sin(np.arange(5000, dtype=np.float32) / 10), at=0, loop=True"
                + (", bus=fx)" if chance(draw, 30) else ")"))


@st.composite
def voice_set_case(draw):
    code, channels = engine_code(draw)
    b = [("eng", code), ("fx", V("eng.bus('fx')")), ("v", voice_setup(draw, channels))]
    optional = [("gain", engine_gain(draw, channels)), ("pan", pan_value(draw)),
                ("rate", rate_factor(draw)), ("ramp", frame_value(draw)),
                ("at", frame_value(draw))]
    return _kw_only_case("Voice.set", b, optional, "v.set")


def _kw_only_case(target, bindings, optional, function):
    names = []
    for name, value in optional:
        if value is not None:
            bindings.append((name, value))
            names.append(f"{name}={name}")
    return Case(target, tuple(bindings), f"{function}({', '.join(names)})")


@st.composite
def voice_stop_case(draw):
    code, channels = engine_code(draw)
    b = [("eng", code), ("fx", V("eng.bus('fx')")), ("v", voice_setup(draw, channels))]
    optional = [("at", frame_value(draw)), ("release", frame_value(draw))]
    return _kw_only_case("Voice.stop", b, optional, "v.stop")


def name_value(draw):
    c = draw(st.integers(0, 9))
    if c < 6:
        return pick(draw, (v("'drums'"), v("'bass'"), v("'é'"), v("'a' * 300")))
    if c < 8:
        return pick(draw, (v("'fx'"), v("'master'"), v("''", "str"), v("' '")))
    return hostile(draw)


@st.composite
def bus_case(draw):
    code, channels = engine_code(draw)
    b = [("eng", code), ("fx", V("eng.bus('fx')")), ("name", name_value(draw))]
    optional = [("gain", engine_gain(draw, channels)), ("pan", pan_value(draw)),
                ("output", bus_value(draw))]
    return _case("Engine.bus", b, optional, "eng.bus(name{kw})")


@st.composite
def bus_set_case(draw):
    code, channels = engine_code(draw)
    b = [("eng", code), ("fx", V("eng.bus('fx')")), ("v", voice_setup(draw, channels))]
    mute = None if chance(draw, 50) else pick(draw, (v("True", "bool"), v("False", "bool"))) \
        if chance(draw, 70) else hostile(draw)
    which = pick(draw, ("fx", "eng.master"))
    optional = [("gain", engine_gain(draw, channels)), ("pan", pan_value(draw)),
                ("mute", mute), ("ramp", frame_value(draw)), ("at", frame_value(draw))]
    return _kw_only_case("Bus.set", b, optional, f"{which}.set")


@st.composite
def render_case(draw):
    code, channels = engine_code(draw)
    b = [("eng", code), ("v", Code("v = eng.play(eng.input)") if chance(draw, 50) else Code(""))]
    frames = frame_value(draw, hi=5000, none_ok=False)
    b.append(("frames", frames))
    inp = None
    if chance(draw, 40):
        n = int(frames.code) if frames.code.isdigit() else 16
        inp = Array(pick(draw, SAMPLE_DTYPES), (n, pick(draw, (1, 2, 3)))) if chance(draw, 60) \
            else array_or_hostile(draw, 30, bad=100)
    return _case("Engine.render", b, [("input", inp)], "eng.render(frames{kw})")


@st.composite
def events_case(draw):
    code, _ = engine_code(draw)
    timeout = pick(draw, (v("0", "zero"), v("0.01"), v("-1", "neg"), v("float('nan')", "nan"),
                          v("-float('inf')", "inf"), v("'0'", "str"), v("[]", "seq"),
                          v("1j", "complex"), v("np.float32(0.001)"), v("True", "bool"),
                          v("object()", "obj"), v("b''", "bytes"), v("Decimal('0.01')")))
    return Case("Engine.events", (("eng", code), ("_", Code("eng.play(np.ones(10))")),
                                  ("timeout", timeout)), "eng.events(timeout)")


@st.composite
def engine_case(draw):
    def rate():
        c = draw(st.integers(0, 9))
        return number(pick(draw, (48000, 44100, 8000, 96000, 48000.5))) if c < 6 else \
            pick(draw, BAD_RATES) if c < 9 else hostile(draw)

    channels = ints(draw, 1, 8) if chance(draw, 60) else pick(draw, (
        v("0", "zero"), v("64"), v("65"), v("2.5", "frac"), v("2.0"), v("np.int64(2)"),
        v("-2", "neg"), v("10**6"), v("True", "bool"))) if chance(draw, 60) else hostile(draw)
    blocksize = None if chance(draw, 50) else ints(draw, 1, 4096) if chance(draw, 50) \
        else frame_value(draw, none_ok=False)
    meter = None if chance(draw, 50) else ints(draw, 0, 4800) if chance(draw, 50) \
        else frame_value(draw, none_ok=False)
    devices = [v("[]", "seq"), v("[pkaudio.NullDevice(48000, 2)]", "seq"),
               v("[pkaudio.Output(pkaudio.NullDevice(48000, 2), bus='nope')]", "seq"),
               v("[pkaudio.NullDevice(48000, 2, source=np.zeros((10, 2)))]", "seq"),
               v("[None]", "seq"), v("['x']", "seq"), v("pkaudio.NullDevice(48000, 2)", "obj")]
    outputs = None if chance(draw, 80) else pick(draw, devices) if chance(draw, 70) \
        else hostile(draw)
    inputs = None if chance(draw, 80) else pick(draw, devices) if chance(draw, 70) \
        else hostile(draw)
    b = [("samplerate", rate())]
    optional = [("channels", channels), ("blocksize", blocksize), ("meter_interval", meter),
                ("outputs", outputs), ("inputs", inputs)]
    return _case("Engine", b, optional, "pkaudio.Engine(samplerate{kw})")


@st.composite
def start_case(draw):
    code, channels = engine_code(draw)
    device = pick(draw, (v("pkaudio.NullDevice(eng.samplerate, eng.channels)", "obj"),
                         v("pkaudio.NullDevice(22050, eng.channels)", "obj"),
                         v("pkaudio.NullDevice(eng.samplerate, 8)", "obj"),
                         v("'no such device, surely'", "str"), v("-5", "neg"),
                         v("10**30", "big"), v("1.5", "frac"))) if chance(draw, 80) \
        else hostile(draw)
    blocksize = None if chance(draw, 50) else ints(draw, 1, 4096) if chance(draw, 50) \
        else frame_value(draw, none_ok=False)
    latency = None if chance(draw, 60) else pick(draw, (
        v("'low'"), v("'high'"), v("0.01"), v("-1", "neg"), v("10"), v("float('nan')", "nan"),
        v("'medium'", "str"), v("None", "none"), v("True", "bool")))
    input_channels = None if chance(draw, 70) else frame_value(draw, 4, none_ok=False)
    process = None if chance(draw, 80) else pick(draw, (v("print", "callable"), v("1"),
                                                        v("'f'", "str")))
    optional = [("device", device), ("blocksize", blocksize), ("latency", latency),
                ("input_channels", input_channels), ("process", process)]
    return _kw_only_case("Engine.start", [("eng", code)], optional, "eng.start")


@st.composite
def clock_case(draw):
    return Case("Clock.set", (("clock", Code("clock = engine.Clock()")),
                              ("frame", frame_value(draw, none_ok=False)),
                              ("frames", frame_value(draw, none_ok=False))),
                "clock.set(frame, frames)")


@st.composite
def scheduler_case(draw):
    b = [("clock", Code("clock = engine.Clock()"))] + draw(sound_bindings(2, engine=False))
    b.append(("frame", frame_value(draw, 2000, none_ok=False)))
    period = pick(draw, (0, 1, 75, 256))
    target = Array(pick(draw, SAMPLE_DTYPES), (period,) + ((pick(draw, (1, 2)),)
                                                          if chance(draw, 50) else ())) \
        if chance(draw, 80) else array_or_hostile(draw, 30, bad=100)
    b.append(("_", Code(f"clock.set({pick(draw, (0, 100, 5000))}, {period})")))
    b.append(("target", target))
    return Case("Scheduler", tuple(b),
                "(lambda s: (s.play(frame), s.render(target)))"
                "(scheduler.Scheduler(sound, clock))")


@st.composite
def record_case(draw):
    start = "\neng.start(device=pkaudio.NullDevice(48000, 2))" if chance(draw, 85) else ""
    b = [("eng", Code("eng = pkaudio.Engine(48000, 2)\neng.play(np.full(96000, 0.25, "
                      "np.float32))" + start)),
         ("_", Code("os.makedirs('folder.wav', exist_ok=True)")),
         ("path", pick(draw, (v("'take.wav'"), v("'take.flac'"), v("'take.ogg'"),
                              v("pathlib.Path('take.wav')"), v("'take'"), v("'folder.wav'"),
                              v("'no/such/dir.wav'"), v("''", "str"), v("io.BytesIO()"))
                       ) if chance(draw, 85) else hostile(draw))]
    source = None if chance(draw, 50) else pick(draw, (
        v("'output'"), v("'input'"), v("'master'"), v("''", "str"))) if chance(draw, 70) \
        else hostile(draw)
    fmt = None if chance(draw, 60) else pick(draw, FORMATS) if chance(draw, 80) \
        else hostile(draw)
    sub = None if chance(draw, 60) else pick(draw, SUBTYPES) if chance(draw, 80) \
        else hostile(draw)
    return _case("Engine.record", b, [("source", source), ("format", fmt), ("subtype", sub)],
                 "eng.record(path{kw})")


def check_record(ns, pre):
    """A stopped recording is a sound file, or, where it got no frame in a format that
    cannot hold none (FLAC, MP3), no file. (Only where its first block was recorded, or where
    the device's next block is seconds away: whether a frame arrived before stop() is up to
    the device's thread.)"""
    import soundfile

    ns["eng"].stop()
    path, recorder = ns["path"], ns["result"]
    certain = recorder.recorded > 0 or ns.get("slow_device")
    if recorder.frames == 0 and isinstance(path, (str, os.PathLike)) and \
            not os.path.exists(path):
        return None
    if isinstance(path, (str, os.PathLike)) and certain:
        try:
            soundfile.info(path)
        except Exception as e:
            return (f"the recording of {recorder.recorded} frames, stopped, is not a sound "
                    f"file soundfile can read ({e})")
    return None


LISTEN = """\
async def first_event(engine, poll):  # what listen() yields once there is something
    events = engine.listen(poll)
    task = asyncio.ensure_future(events.__anext__())
    await asyncio.sleep(0.02)
    engine.render(100)
    return await asyncio.wait_for(task, 2)"""


@st.composite
def listen_case(draw):
    poll = None if chance(draw, 20) else pick(draw, (
        v("0.001"), v("0", "zero"), v("-1", "neg"), v("float('nan')", "nan"),
        v("-float('inf')", "inf", "neg"), v("np.float32(0.001)"), v("Decimal('0.001')"),
        v("Fraction(1, 1000)"), v("True", "bool"), v("'0.001'", "str"), v("None", "none"),
        v("[0.001]", "seq"), v("1j", "complex"), v("object()", "obj")))
    b = [("eng", Code("eng = pkaudio.Engine(48000, 2)\neng.play(np.ones(10, np.float32))\n"
                      + LISTEN))]
    if poll is None:
        return Case("Engine.listen", tuple(b), "asyncio.run(first_event(eng, 0.005))")
    return Case("Engine.listen", tuple(b + [("poll", poll)]),
                "asyncio.run(first_event(eng, poll))")


PLAY_ON = """\
def play_on(output):  # an engine with a second output, run for a moment
    eng = pkaudio.Engine(48000, 2, outputs=[pkaudio.NullDevice(48000, 2), output])
    eng.bus('fx')
    eng.play(np.ones(1000, np.float32), loop=True)
    with eng.start():
        time.sleep(0.05)
    return eng.stats()"""


@st.composite
def output_case(draw):
    device = pick(draw, (v("pkaudio.NullDevice(48000, 2)"), v("pkaudio.NullDevice(44100, 1)"),
                         v("pkaudio.NullDevice(48000, 8, blocksize=64)"),
                         v("pkaudio.NullDevice(96000, 2, rate_error_ppm=500)"),
                         v("'no such device, surely'", "str"), v("-5", "neg"))) \
        if chance(draw, 85) else hostile(draw)
    bus = None if chance(draw, 40) else pick(draw, (v("'master'"), v("'fx'"), v("'nope'"))) \
        if chance(draw, 70) else hostile(draw)
    channels = None if chance(draw, 50) else pick(draw, (
        v("(0, 1)", "seq"), v("(1, 0)", "seq"), v("(1,)", "seq"), v("(5,)", "seq"),
        v("(-1, 0)", "seq"), v("(0, 1, 0, 1, 0, 1, 0, 1)", "seq"), v("()", "seq"),
        v("(0.5, 1)", "seq"), v("(2**63, 0)", "seq"))) if chance(draw, 70) else hostile(draw)
    latency = None if chance(draw, 50) else pick(draw, (
        v("256"), v("0", "zero"), v("1"), v("-1", "neg"), v("10**12"), v("2**63", "big"),
        v("1.5", "frac"), v("float('nan')", "nan"))) if chance(draw, 70) else hostile(draw)
    b = [("_", Code(PLAY_ON)), ("device", device)]
    optional = [("bus", bus), ("channels", channels), ("latency", latency)]
    output = _case("Output", b, optional, "pkaudio.Output(device{kw})")
    return Case("Output", output.bindings, f"play_on({output.call})")


# ---- sounds, files and streams ----

FILES = """\
sf.write('good.wav', np.full((500, 2), 0.25, np.float32), 48000)
sf.write('good.flac', np.full((500, 1), 0.25, np.float32), 44100)
sf.write('good.mp3', np.sin(np.arange(24000, dtype=np.float32) / 9) / 2, 48000)
open('empty.wav', 'wb').close()
open('junk.wav', 'wb').write(bytes(range(256)) * 4)
open('short.wav', 'wb').write(open('good.wav', 'rb').read()[:1000])
open('short.mp3', 'wb').write(open('good.mp3', 'rb').read()[:1500])  # header: 24000 frames
os.makedirs('folder.wav', exist_ok=True)"""
PATHS = [v("'good.wav'"), v("'good.flac'"), v("pathlib.Path('good.wav')"), v("'empty.wav'"),
         v("'junk.wav'"), v("'short.wav'"), v("'short.mp3'"), v("'good.mp3'"),
         v("'missing.wav'"), v("'folder.wav'"),
         v("b'good.wav'"), v("io.BytesIO(open('good.wav', 'rb').read())"),
         v("open('good.wav', 'rb')"), v("''", "str"), v("'.'"), v("'good.wav\\x00x'"),
         v("None", "none"), v("os.open('good.wav', os.O_RDONLY)"), v("['good.wav']", "seq"),
         v("1.5", "frac"), v("object()", "obj")]


def path_value(draw):
    return pick(draw, PATHS) if chance(draw, 85) else hostile(draw)


@st.composite
def info_case(draw):
    return Case("info", (("_", Code(FILES)), ("path", path_value(draw))), "pkaudio.info(path)")


@st.composite
def from_file_case(draw):
    b = [("_", Code(FILES)), ("path", path_value(draw))]
    rate = None if chance(draw, 50) else rate_value(draw)
    return _case("Sound.from_file", b, [("samplerate", rate), ("quality", quality_value(draw))],
                 "pkaudio.Sound.from_file(path{kw})")


@st.composite
def sound_case(draw):
    frames = ints(draw, 0, 5000) if chance(draw, 60) else frame_value(draw, none_ok=False)
    rate = rate_value(draw)
    channels = None if chance(draw, 40) else ints(draw, 1, 8) if chance(draw, 50) else pick(
        draw, (v("0", "zero"), v("2.5", "frac"), v("10**9"), v("-1", "neg"))) \
        if chance(draw, 60) else hostile(draw)
    dtype = None if chance(draw, 50) else pick(draw, DTYPE_VALUES) if chance(draw, 60) \
        else pick(draw, BAD_DTYPE_VALUES)
    return _case("Sound", [("frames", frames), ("samplerate", rate)],
                 [("channels", channels), ("dtype", dtype)],
                 "buffering.Sound(frames, samplerate{kw})")


@st.composite
def from_array_case(draw):
    array = array_or_hostile(draw, 15, dtypes=SAMPLE_DTYPES)
    return Case("Sound.from_array", (("array", array), ("samplerate", rate_value(draw))),
                "pkaudio.Sound.from_array(array, samplerate)")


FORMATS = [v("'WAV'"), v("'FLAC'"), v("'OGG'"), v("'AIFF'"), v("'nonsense'", "str"),
           v("''", "str"), v("1"), v("None", "none")]
SUBTYPES = [v("'PCM_16'"), v("'FLOAT'"), v("'PCM_24'"), v("'VORBIS'"), v("'nonsense'", "str"),
            v("0"), v("None", "none")]


@st.composite
def save_case(draw):
    data = draw(arrays(dtypes=SAMPLE_DTYPES, frames=(0, 1, 100), channels=(1, 2, 3), bad=0))
    rate = pick(draw, (48000, 44100, 48000.5, 8000))
    path = pick(draw, (v("'out.wav'"), v("'out.flac'"), v("'out.ogg'"), v("'out.aiff'"),
                       v("'out'"), v("'folder.wav'"), v("'no/such/dir.wav'"),
                       v("pathlib.Path('out.wav')"), v("io.BytesIO()"), v("''", "str"),
                       v("None", "none"), v("1.5", "frac")))
    fmt = None if chance(draw, 60) else pick(draw, FORMATS)
    sub = None if chance(draw, 60) else pick(draw, SUBTYPES)
    b = [("_", Code("os.makedirs('folder.wav', exist_ok=True)")), ("data", data),
         ("s", V(f"pkaudio.Sound.from_array(data, {rate})"))]
    return _kw_or_pos("Sound.save", b, [("path", path)], [("format", fmt), ("subtype", sub)],
                      "s.save")


def _kw_or_pos(target, bindings, positional, optional, function):
    parts = []
    for name, value in positional:
        bindings.append((name, value))
        parts.append(name)
    for name, value in optional:
        if value is not None:
            bindings.append((name, value))
            parts.append(f"{name}={name}")
    return Case(target, tuple(bindings), f"{function}({', '.join(parts)})")


SOURCE = """\
def disk_on_fire():
    raise OSError('disk on fire')

class Source:  # a stream source with hostile attributes and reads
    samplerate, channels = {rate}, {channels}
    def __init__(self): self.n = 0
    def read(self, frames):
        self.n += 1
        return {read}
    def seek(self, frame): pass
    def close(self): pass"""
READS = ("np.full((min(frames, 300 - 100 * (self.n - 1)) if self.n <= 3 else 0, 2), 0.25, "
         "np.float32)", "None", "[[0.0, 0.0]] * 3", "np.zeros((4, 2, 1), np.float32)",
         "np.zeros((frames + 5, 2), np.float32)", "np.zeros((3, 2), np.complex64)",
         "np.zeros((3, 3), np.float32)", "np.full((3, 2), np.nan, np.float32)",
         "np.zeros(3, np.float32)", "np.zeros((0, 2), np.int8)", "disk_on_fire()",
         "np.zeros((3, 2), np.int16) if self.n < 3 else np.zeros((0, 2), np.float32)")


def source_value(draw):
    rate = pick(draw, ("48000", "44100", "0", "-1", "float('nan')", "'48000'", "None",
                       "10**400", "1e-9", "48000.5"))
    channels = pick(draw, ("2", "2", "0", "-1", "2.5", "10**9", "'2'", "None", "np.int64(2)"))
    read = pick(draw, READS)
    return V("Source()", frozenset({"obj"}),
             SOURCE.format(rate=rate, channels=channels, read=read))


DRAIN = """\
def drain(stream):  # read until the stream ends, as a consumer would
    stream.seen = []
    for _ in range(1500):
        stream.read(512)
        stream.seen += [e.kind for e in stream.events()]
        if 'end' in stream.seen or 'error' in stream.seen:
            break
        time.sleep(0.002)
    stream.close()
    return stream"""


@st.composite
def disk_stream_case(draw):
    what = path_value(draw) if chance(draw, 60) else source_value(draw)
    b = [("_", Code(FILES + "\n" + DRAIN)), ("path_or_source", what)]
    buffer_seconds = None if chance(draw, 60) else pick(draw, (
        v("0.1"), v("2"), v("0", "zero"), v("-1", "neg"), v("'2'", "str"), v("1e-9"),
        v("float('nan')", "nan"), v("float('inf')", "inf"), v("None", "none"), v("1e9")))
    loop = None if chance(draw, 70) else pick(draw, (v("True", "bool"), v("False", "bool"),
                                                     v("'yes'", "str"), v("None", "none"),
                                                     v("1")))
    start = None if chance(draw, 60) else frame_value(draw, 600, none_ok=False)
    rate = None if chance(draw, 60) else rate_value(draw)
    optional = [("buffer_seconds", buffer_seconds), ("loop", loop), ("start", start),
                ("samplerate", rate)]
    return _case("DiskStream", b, optional, "drain(pkaudio.DiskStream(path_or_source{kw}))")


@st.composite
def stream_read_case(draw):
    b = [("_", Code(FILES)), ("stream", V("pkaudio.DiskStream('good.wav')")),
         ("frames", frame_value(draw, 2000, none_ok=False))]
    out = None
    if chance(draw, 40):
        n = int(b[-1][1].code) if b[-1][1].code.isdigit() else 4
        out = Array("float32", (n, 2)) if chance(draw, 50) else array_or_hostile(draw, 30,
                                                                                 bad=100)
    return _case("DiskStream.read", b, [("out", out)], "stream.read(frames{kw})")


@st.composite
def seek_case(draw):
    b = [("_", Code(FILES + "\n" + DRAIN)),
         ("stream", V(f"pkaudio.DiskStream('good.wav'{pick(draw, ('', ', samplerate=44100'))})")),
         ("frame", frame_value(draw, 600, none_ok=False))]
    return Case("DiskStream.seek", tuple(b), "drain(stream) if stream.seek(frame) is None "
                                             "else None")


@st.composite
def filler_case(draw):
    source = source_value(draw) if chance(draw, 70) else hostile(draw)
    sound = pick(draw, (v("buffering.Sound(700, 48000, 2)"), v("buffering.Sound(0, 48000, 2)"),
                        v("buffering.Sound(100, 48000, 1)"),
                        v("buffering.Sound(100, 48000, 2, 'int16')"))) if chance(draw, 85) \
        else hostile(draw)
    block = None if chance(draw, 50) else frame_value(draw, 1000, none_ok=False)
    return _case("Filler", [("source", source), ("sound", sound)], [("block", block)],
                 "buffering.Filler(source, sound{kw}).run()")


@st.composite
def null_device_case(draw):
    rate = rate_value(draw)
    channels = ints(draw, 1, 8) if chance(draw, 60) else pick(draw, (
        v("0", "zero"), v("65"), v("2.5", "frac"), v("True", "bool"))) if chance(draw, 50) \
        else hostile(draw)
    optional = [
        ("rate_error_ppm", None if chance(draw, 60) else floats(draw, -1000, 1000)
         if chance(draw, 50) else hostile(draw)),
        ("capture", None if chance(draw, 70) else hostile(draw)),
        ("blocksize", None if chance(draw, 60) else frame_value(draw, 4096, none_ok=False)),
        ("jitter", None if chance(draw, 70) else pick(draw, (v("0.001"), v("1"), v("-0.1")))
         if chance(draw, 50) else hostile(draw)),
        ("source", None if chance(draw, 70) else array_or_hostile(draw, 30, bad=60)),
        ("name", None if chance(draw, 80) else hostile(draw))]
    return _case("NullDevice", [("samplerate", rate), ("channels", channels)], optional,
                 "pkaudio.NullDevice(samplerate, channels{kw})")


@st.composite
def lose_case(draw):
    return Case("NullDevice.lose", (("device", V("pkaudio.NullDevice(48000, 2)")),
                                    ("blocks", frame_value(draw, 10, none_ok=False))),
                "device.lose(blocks)")


# ---- the references ----

def compare(got, ref, dtype, ulps=2.0, tol=None, skip=None, loose=None):
    """None if got matches ref (float64, exact) to within `ulps` of dtype (or `tol`); where
    ref is beyond dtype's range either infinity or the largest value is right, and where
    `loose` (an input sample was NaN or infinite) any NaN or infinity is. Else what
    differs."""
    got = np.asarray(got)
    if got.shape != np.shape(ref):
        return f"shape {got.shape}, expected {np.shape(ref)}"
    if np.issubdtype(np.dtype(dtype), np.integer):
        bad = got.astype(np.float64) != ref
    else:
        info = np.finfo(dtype)
        g = got.astype(np.float64)
        r = np.asarray(ref, np.float64)
        allowed = ulps * float(info.eps) * np.abs(r) + ulps * float(info.smallest_subnormal)
        if tol is not None:
            allowed = allowed + tol
        near_edge = np.abs(r) >= float(info.max) * (1 - ulps * float(info.eps))
        rounded = np.where(near_edge, np.sign(r) * np.inf, r)
        with np.errstate(invalid="ignore"):
            bad = (np.isnan(g) != np.isnan(r)) | (
                ~np.isnan(r) & ~np.isnan(g) & ~(near_edge & (np.isinf(g) | (np.abs(g) >= float(
                    info.max) * 0.999))) & ~((np.isinf(rounded) | np.isinf(g)) & (rounded == g))
                & ~(np.abs(g - r) <= allowed))
    if skip is not None:
        bad &= ~skip
    if loose is not None:
        with np.errstate(invalid="ignore"):
            bad &= ~(np.broadcast_to(loose, bad.shape) & ~np.isfinite(got.astype(np.float64)))
    if not bad.any():
        return None
    i = tuple(int(k) for k in np.argwhere(bad)[0]) if bad.ndim else ()
    gv = got[i] if got.ndim else got[()]
    rv = np.asarray(ref)[i] if np.ndim(ref) else ref
    return f"{int(bad.sum())} of {bad.size} values wrong, first at {i}: got {gv!r}, " \
           f"expected {float(rv)!r}"


def _out_identity(ns):
    out = ns.get("out")
    if isinstance(out, np.ndarray) and ns["result"] is not out:
        return "returned a new array, not out="
    return None


def _per_channel(values, x):
    g = np.asarray(values, np.float64)
    if x.ndim == 1 and g.ndim == 1:
        g = g[0]
    return g


def _wild(x):
    """Where x's samples are NaN or infinite."""
    return ~np.isfinite(x.astype(np.float64))


def check_gain(ns, pre):
    x = pre["x"]
    ref = x.astype(np.float64) * _per_channel(ns["g"], x)
    return _out_identity(ns) or compare(ns["result"], ref, x.dtype, loose=_wild(x))


def check_ramp(ns, pre):
    x = pre["x"]
    n = len(x)
    g0, g1 = _per_channel(ns["g0"], x), _per_channel(ns["g1"], x)
    t = np.arange(n, dtype=np.float64) / max(n, 1)
    if x.ndim == 2:
        t = t[:, None]
    gains = g0 * (1 - t) + g1 * t
    ref = x.astype(np.float64) * gains
    tol = 4e-16 * np.maximum(np.abs(g0), np.abs(g1)) * np.abs(x.astype(np.float64)) * 4
    return _out_identity(ns) or compare(ns["result"], ref, x.dtype, ulps=3, tol=tol,
                                        loose=_wild(x))


def check_mix(ns, pre):
    inputs = ns["inputs"]
    if isinstance(inputs, np.ndarray):
        voices = list(pre["inputs"])
    else:
        voices = [pre[f"inputs_{i}"] for i in range(len(inputs))]
    out_pre = pre.get("out")
    result = ns["result"]
    gains = ns.get("gains")
    g = None if gains is None else np.asarray(gains, np.float64)
    ref = np.zeros(result.shape)
    absolute = np.zeros(result.shape)
    wild = np.zeros(result.shape, bool)
    for i, x in enumerate(voices):
        gv = 1.0 if g is None else g[i]
        term = x.astype(np.float64) * gv
        ref, absolute, wild = ref + term, absolute + np.abs(term), wild | _wild(x)
    if ns.get("accumulate") and out_pre is not None:
        ref, absolute = ref + out_pre, absolute + np.abs(out_pre.astype(np.float64))
    info = np.finfo(result.dtype)
    tol = (len(voices) + 2) * float(info.eps) * absolute
    # Sums past the format's range overflow or not by the order of the additions.
    skip = (absolute > float(info.max)) & ~np.isnan(ref)
    return _out_identity(ns) or compare(result, ref, result.dtype, tol=tol, skip=skip,
                                        loose=wild)


def check_pan(ns, pre):
    x = pre["mono"].reshape(-1).astype(np.float64)
    theta = (float(ns["position"]) + 1) * math.pi / 4
    ref = np.stack([x * math.cos(theta), x * math.sin(theta)], axis=1)
    return _out_identity(ns) or compare(ns["result"], ref, pre["mono"].dtype,
                                        loose=_wild(x)[:, None])


FULL_SCALE = {"int16": 32768.0, "int32": 2147483648.0, "float32": 1.0, "float64": 1.0}


def _levels(x):
    data = x.astype(np.float64) / FULL_SCALE[x.dtype.name]
    if len(data) == 0:
        zero = np.zeros(data.shape[1:])
        return zero, zero
    with np.errstate(over="ignore", invalid="ignore"):
        return np.abs(data).max(axis=0), np.sqrt((data * data).sum(axis=0) / len(data))


def check_meter(name):
    def check(ns, pre):
        x = pre["x"]
        peak, rms = _levels(x)
        ref = {"peak": peak, "rms": rms, "meter": np.stack([peak, rms]) if x.ndim == 2 else
               np.array([peak, rms])}[name]
        result = ns["result"]
        if x.ndim == 1 and ns.get("out") is None and name != "meter" and \
                not isinstance(result, float):
            return f"returned {type(result).__name__} for 1-D x, documented: float"
        return _out_identity(ns) or compare(result, ref, np.float64, ulps=64)
    return check


def _convert_ref(x, target):
    src, dst = x.dtype.name, np.dtype(target).name
    if src == dst:
        return x.astype(np.float64)
    if src in ("int16", "int32") and dst in ("int16", "int32"):
        if src == "int16":
            return x.astype(np.float64) * 65536
        return np.clip(np.rint(x.astype(np.float64) / 65536), -32768, 32767)
    if dst in ("float32", "float64"):
        return (x.astype(np.float64) / FULL_SCALE[src]).astype(dst).astype(np.float64)
    info = np.iinfo(dst)
    scaled = x.astype(np.float64) * FULL_SCALE[dst]
    scaled = np.where(np.isnan(scaled), 0, scaled)
    return np.rint(np.clip(scaled, info.min, info.max))


def check_convert(ns, pre):
    x = pre["x"]
    result = ns["result"]
    target = np.dtype(ns["dtype"])
    if result.dtype != target:
        return f"result dtype {result.dtype}, asked for {target}"
    if ns.get("dither"):
        ref = _convert_ref(x, "int16")
        with np.errstate(invalid="ignore"):
            bad = np.abs(result.astype(np.float64) - ref) > 1
        if bad.any():
            return f"dithered values more than 1 LSB from the rounded ones ({int(bad.sum())})"
        return _out_identity(ns)
    return _out_identity(ns) or compare(result, _convert_ref(x, target), target)


def check_copy(ns, pre):
    out = ns["out"]
    if ns["result"] is not out:
        return "returned a new array, not out"
    return compare(out, _convert_ref(pre["src"], out.dtype), out.dtype)


def check_transpose(arg):
    def check(ns, pre):
        x = pre[arg]
        if ns["result"].tobytes() != np.ascontiguousarray(x.T).tobytes():
            return "not the transpose of the input, byte for byte"
        return _out_identity(ns)
    return check


def _simple_rate(r):
    return isinstance(r, (int, float)) and float(r).is_integer()


def check_resample(ns, pre):
    x, result = pre["x"], ns["result"]
    if result.dtype != x.dtype or result.ndim != x.ndim or result.shape[1:] != x.shape[1:]:
        return f"returned {result.dtype} {result.shape} for {x.dtype} {x.shape}"
    a, b = ns["in_rate"], ns["out_rate"]
    if _simple_rate(a) and _simple_rate(b):
        expected = (2 * len(x) * int(b) + int(a)) // (2 * int(a))  # floor(n * b / a + 1/2)
        if len(result) != expected:
            return f"{len(result)} frames, documented: floor(n * out/in + 1/2) = {expected}"
    if np.isfinite(x).all() and not np.isfinite(result).all():
        return "non-finite output from finite input"
    if not x.any() and result.any():
        return "silence in, sound out"
    return None


def check_process(ns, pre):
    x, result = pre["x"], ns["result"]
    if result.dtype != x.dtype or result.ndim != x.ndim or result.shape[1:] != x.shape[1:]:
        return f"returned {result.dtype} {result.shape} for {x.dtype} {x.shape}"
    if np.isfinite(x).all() and not np.isfinite(result).all():
        return "non-finite output from finite input"
    return None


REINIT_AFTER = """\
now = (r.in_rate, r.out_rate, r.channels, r.quality, r.dtype)
if _error is not None:
    assert now == before, f'a refused re-init changed it: {before} became {now}'
probe = np.random.default_rng(1).uniform(-1, 1, (300, r.channels)).astype(r.dtype)
fresh = dsp.Resampler(*now[:3], quality=now[3], dtype=now[4])
assert np.array_equal(r.process(probe), fresh.process(probe)), \\
    f'it resamples unlike a new Resampler{now}'"""


def _render(ns, frames, sound_data=None):
    """Render `frames` frames of the case's engine; (events, what is wrong or None). Output
    must be finite where the sounds are; a meter's peak must read NaN where its RMS does."""
    eng = ns["eng"]
    out = eng.render(frames)
    events = eng.events()
    with np.errstate(invalid="ignore"):
        finite = sound_data is None or np.isfinite(np.asarray(sound_data, np.float64)).all()
    if finite and not np.isfinite(out).all():
        return events, "non-finite output (NaN/inf) from finite sounds and accepted settings"
    for e in events:
        if e.kind == "peak" and any(math.isnan(r) and not math.isnan(p)
                                    for p, r in zip(e.peak, e.rms, strict=False)):
            return events, f"a peak event reads peak {e.peak} where RMS reads {e.rms}"
    lost = eng.stats()["lost_events"]
    if lost:
        return events, f"{lost} events lost rendering offline"
    return events, None


def _engine_finite(ns, sound_data=None, frames=4096):
    return _render(ns, frames, sound_data)[1]


def _sound_data(ns, pre):
    sound = ns.get("sound")
    if isinstance(sound, np.ndarray):
        return pre["sound"], ns["eng"].samplerate
    if hasattr(sound, "data") and hasattr(sound, "samplerate"):
        return sound.data, sound.samplerate
    return None, None


def check_play(ns, pre):
    eng, voice = ns["eng"], ns["result"]
    if "stream_frames" in ns:
        return _check_stream_voice(ns, voice)
    data, rate = _sound_data(ns, pre)
    if data is None:
        return _engine_finite(ns)
    speed = voice.rate.value
    looping = not (ns.get("loop") is None or ns.get("loop") is False)
    # (A sound at another rate is resampled to a whole number of the engine's frames, the
    # nearest to its length, before its varispeed stretches it.)
    duration = (round(len(data) * eng.samplerate / rate) if rate != eng.samplerate
                else len(data)) / speed
    start, now = voice.start, ns["now_before"]
    if looping or duration > 100_000 or start is None or start > 20_000:
        return _engine_finite(ns, data)
    events, problem = _render(ns, int(max(start, now) - eng.now + duration) + 600, data)
    if problem:
        return problem
    events = [e for e in events if e.voice == voice.id]
    starts = [e.frame for e in events if e.kind == "voice_start"]
    ends = [e.frame for e in events if e.kind == "voice_end"]
    if len(starts) != 1 or len(ends) != 1:
        return f"voice events: {len(starts)} voice_start, {len(ends)} voice_end (expected 1 each)"
    if start < now and starts[0] < now:
        return (f"played at={start} when {now} frames were rendered: reports voice_start at "
                f"frame {starts[0]}, which had been rendered already (neither starts it now "
                "nor says it is late)")
    if start >= now and starts[0] != start:
        return f"voice_start at frame {starts[0]}, played at={start}"
    if abs((ends[0] - starts[0]) - duration) > 2:
        return (f"the voice lasted {ends[0] - starts[0]} frames, expected {duration:.1f} "
                f"({len(data)} frames at {rate} Hz, rate {speed}, engine at {eng.samplerate} Hz)")
    return _check_pan_law(ns, data, rate, speed, looping)


def _check_pan_law(ns, data, rate, speed, looping):
    """A mono voice on a stereo engine plays as dsp.pan(sound * gain, pan) does."""
    from pkaudio import dsp

    eng, voice = ns["eng"], ns["result"]
    if eng.channels != 2 or data.ndim == 2 and data.shape[1] != 1 or looping or speed != 1 \
            or rate != eng.samplerate or voice.start != ns["now_before"] or not len(data) or \
            not np.isfinite(data.astype(np.float64)).all() or not abs(voice.gain.initial) <= 4:
        return None
    gain, pan = voice.gain.initial, voice.pan.initial if voice.panned else None
    mono = dsp.convert(np.ascontiguousarray(data.reshape(-1)), "float32")
    if pan is None:  # not panned: as it is, in both channels
        want = np.repeat((mono * np.float32(gain))[:, None], 2, axis=1)
    else:
        want = dsp.pan(mono * np.float32(gain), pan)
    again = ns["eng_again"] = type(eng)(eng.samplerate, 2)
    again.play(data, gain=gain, pan=pan)
    got = again.render(len(data))
    if not np.allclose(got, want, rtol=1e-5, atol=1e-6):
        i = int(np.argmax(np.abs(got - want).max(axis=1)))
        return (f"a mono voice at pan={pan} plays {got[i].tolist()} where "
                f"dsp.pan gives {want[i].tolist()} (frame {i}): two pan laws")
    return None


def _check_stream_voice(ns, voice):
    """A DiskStream longer than its buffer, rendered offline in one call at once: every frame
    plays (offline, render waits for the reader; only a device never waits)."""
    frames, level = ns["stream_frames"], ns["stream_level"]
    got = ns["eng"].render(frames)
    silent = int(np.sum(np.all(got == 0, axis=1)))
    if silent or not np.allclose(got, level, atol=1e-6):
        return (f"{silent} of the {frames} frames of a DiskStream rendered offline came out "
                "silent: render did not wait for the stream's reader")
    return None


def check_engine_finite(ns, pre):
    return _engine_finite(ns)


def check_stop(ns, pre):
    eng, voice = ns["eng"], ns["v"]
    at = ns.get("at")
    release = int(ns.get("release") or 0)
    if at is None or int(at) + release > 50_000:
        return _engine_finite(ns)
    events, problem = _render(ns, int(at) + release + 300 - eng.now)
    starts = [e.frame for e in events if e.voice == voice.id and e.kind == "voice_start"]
    ends = [e.frame for e in events if e.voice == voice.id and e.kind == "voice_end"]
    if ends != [int(at) + release]:
        return f"voice_end at {ends}, expected [{int(at) + release}] (at + release)"
    if starts != [voice.start]:
        return (f"voice_start at {starts}, expected [{voice.start}] (a voice stopped at={at} "
                f"when it was to start at {voice.start})")
    return problem


def check_render(ns, pre):
    eng, result = ns["eng"], ns["result"]
    if result.shape != (int(ns["frames"]), eng.channels) or result.dtype != np.float32:
        return f"returned {result.dtype} {result.shape}"
    return None


def check_events(ns, pre):
    if not isinstance(ns["result"], list):
        return f"returned {type(ns['result']).__name__}, documented: a list"
    return None


def check_from_file(ns, pre):
    import pkaudio

    path, sound, rate = ns["path"], ns["result"], ns.get("samplerate")
    if isinstance(path, str) and path in ("good.wav", "good.flac", "good.mp3", "short.wav",
                                          "short.mp3"):
        promised = pkaudio.info(path)
        frames = promised.frames if rate is None else \
            round(promised.frames * float(rate) / promised.samplerate)
        if abs(sound.frames - frames) > 1:
            return (f"returned {sound.frames} frames of the {frames} that info() promised, "
                    "without an error")
    return None


def check_stream(ns, pre):
    stream = ns["result"]
    if not stream.closed:
        return "not closed by close()"
    if ns.get("path_or_source") == "short.mp3" and "error" not in stream.seen:
        return (f"a DiskStream of a file shorter than its header says reported {stream.seen}, "
                "not an error")
    return None


def register():
    level_target("gain", ("x", "g", "out"), {"g": NUMBER}, "gain")
    level_target("ramp", ("x", "g0", "g1", "out"), {"g0": NUMBER, "g1": NUMBER}, "ramp")
    TARGETS["dsp.mix"] = Target(("mix",), ("inputs", "gains", "out", "accumulate"),
                                none_ok=("gains",),
                                refuse={"gains": NUMBER, "accumulate": FLAG}, check="mix")
    TARGETS["dsp.pan"] = Target(("pan",), ("mono", "position", "out"),
                                refuse={"position": SCALAR}, check="pan")
    for name in ("peak", "rms", "meter"):
        TARGETS[f"dsp.{name}"] = Target((name,), ("x", "out"), check=name)
        CHECKS[name] = check_meter(name)
    TARGETS["dsp.convert"] = Target(("convert",), ("x", "dtype", "out", "dither"),
                                    refuse={"dtype": {"none", "obj", "seq", "bytes"},
                                            "dither": FLAG}, check="convert")
    TARGETS["dsp.copy"] = Target(("copy",), ("src", "out"), check="copy")
    TARGETS["dsp.interleave"] = Target(("interleave",), ("planar", "out"), check="interleave")
    TARGETS["dsp.deinterleave"] = Target(("deinterleave",), ("x", "out"),
                                         check="deinterleave")
    rates = {"in_rate": RATE, "out_rate": RATE}
    TARGETS["dsp.resample"] = Target(("resample", "Resampler"),
                                     ("x", "in_rate", "out_rate", "quality"),
                                     refuse=rates, check="resample", outputs=(),
                                     aliases=("ratio",))
    resampler = dict(rates, channels=WHOLE | {"zero"}, dtype={"none", "obj", "seq", "bytes"})
    TARGETS["dsp.Resampler"] = Target(("Resampler",), ("in_rate", "out_rate", "channels",
                                                       "quality", "dtype"),
                                      refuse=resampler, outputs=(), aliases=("ratio",))
    TARGETS["Resampler.process"] = Target(("process",), ("x", "last"),
                                          errors=("TypeError", "ValueError", "RuntimeError"),
                                          refuse={"last": FLAG}, check="process", outputs=(),
                                          after="r.reset(); r.process(np.zeros((3, r.channels),"
                                                " r.dtype))")
    TARGETS["Resampler.ratio"] = Target(("ratio", "Resampler"), ("value",),
                                        refuse={"value": RATE}, outputs=(), aliases=("ratio",),
                                        after="r.process(np.zeros((30, r.channels), r.dtype))")
    TARGETS["Resampler.__init__"] = Target(("Resampler", "__init__"),
                                           ("in_rate", "out_rate", "channels", "quality",
                                            "dtype"), refuse=resampler, outputs=(),
                                           aliases=("ratio",),
                                           errors=("TypeError", "ValueError", "RuntimeError"),
                                           after=REINIT_AFTER)
    engine_errors = ("TypeError", "ValueError", "RuntimeError")
    TARGETS["Engine.play"] = Target(
        ("play",), ("sound", "at", "gain", "pan", "rate", "loop", "bus"), outputs=(),
        errors=engine_errors, check="play", after=ENGINE_AFTER, none_ok=("at", "bus"),
        refuse={"at": WHOLE, "gain": GAIN32, "pan": SCALAR, "rate": RATE,
                "loop": NOT_NUMBER - {"none"} | {"none", "nan", "inf", "frac", "neg"}})
    gain_pan_rate = {"gain": GAIN32, "pan": SCALAR, "rate": RATE, "ramp": WHOLE, "at": WHOLE}
    TARGETS["Voice.set"] = Target(("set",), ("gain", "pan", "rate", "ramp", "at"),
                                  outputs=(), errors=engine_errors, refuse=gain_pan_rate,
                                  none_ok=("gain", "pan", "rate", "ramp", "at"),
                                  check="engine_finite", after=ENGINE_AFTER)
    TARGETS["Voice.stop"] = Target(("stop",), ("at", "release"), outputs=(),
                                   errors=engine_errors, check="stop",
                                   refuse={"at": WHOLE, "release": WHOLE}, after=ENGINE_AFTER,
                                   none_ok=("at",))
    TARGETS["Engine.bus"] = Target(("bus",), ("name", "gain", "pan", "output"), outputs=(),
                                   errors=engine_errors, check="engine_finite",
                                   refuse={"name": NOT_NUMBER - {"str"}, "gain": GAIN32,
                                           "pan": SCALAR}, after=ENGINE_AFTER)
    TARGETS["Bus.set"] = Target(("set",), ("gain", "pan", "mute", "ramp", "at"), outputs=(),
                                errors=engine_errors, check="engine_finite",
                                refuse=dict(gain_pan_rate, mute=FLAG), after=ENGINE_AFTER,
                                none_ok=("gain", "pan", "mute", "ramp", "at"))
    TARGETS["Engine.render"] = Target(("render",), ("frames", "input"), outputs=(),
                                      errors=engine_errors, check="render",
                                      refuse={"frames": WHOLE}, after=ENGINE_AFTER)
    TARGETS["Engine.events"] = Target(("events",), ("timeout",), outputs=(),
                                      errors=engine_errors, check="events",
                                      refuse={"timeout": NOT_NUMBER | {"nan", "seq"}},
                                      none_ok=("timeout",),
                                      after=ENGINE_AFTER)
    TARGETS["Engine"] = Target(("Engine",), ("samplerate", "channels", "blocksize",
                                             "meter_interval", "outputs", "inputs"),
                               aliases=("input", "output"),  # (one of the inputs or outputs)
                               outputs=(), refuse={
                                   "samplerate": RATE, "channels": WHOLE | {"zero"},
                                   "blocksize": WHOLE | {"zero"}, "meter_interval": WHOLE,
                                   "outputs": {"str", "bytes", "obj", "map"},
                                   "inputs": {"str", "bytes", "obj", "map"}},
                               after="eng = result; eng.play(np.ones(64, np.float32)); "
                                     "eng.render(300); eng.events()", after_refused=False)
    TARGETS["Engine.start"] = Target(("start",), ("device", "blocksize", "latency",
                                                  "input_channels", "process"),
                                     outputs=(), errors=engine_errors,
                                     refuse={"blocksize": WHOLE | {"zero"},
                                             "latency": NUMBER - {"str"} | {"neg"}},
                                     aliases=("NullDevice",), none_ok=("blocksize",),
                                     after="eng.stop(); " + ENGINE_AFTER)
    TARGETS["Engine.record"] = Target(("record",), ("path", "source", "format", "subtype"),
                                      outputs=(), errors=engine_errors, path_params=("path",),
                                      check="record", after="eng.stop(); eng.render(100)")
    TARGETS["Engine.listen"] = Target(("listen",), ("poll",), outputs=(),
                                      errors=engine_errors,
                                      refuse={"poll": NOT_NUMBER | {"nan", "seq"}},
                                      after=ENGINE_AFTER)
    TARGETS["Output"] = Target(("Output", "Engine", "start"), ("device", "bus", "channels",
                                                              "latency"),
                               outputs=(), errors=engine_errors,
                               refuse={"latency": WHOLE, "channels": {"str", "bytes", "obj",
                                                                      "map"}},
                               none_ok=("latency",))
    TARGETS["Clock.set"] = Target(("set", "Clock"), ("frame", "frames"), outputs=(),
                                  refuse={"frame": WHOLE, "frames": WHOLE})
    TARGETS["Scheduler"] = Target(("Scheduler", "render", "play"),
                                  ("sound", "frame", "target", "clock"), outputs=("target",),
                                  refuse={"frame": WHOLE})
    path = ("path",)
    file_errors = ("TypeError", "ValueError", "FileNotFoundError")
    TARGETS["info"] = Target(("info",), path, outputs=(), errors=file_errors,
                             path_params=path)
    TARGETS["Sound.from_file"] = Target(("from_file", "Sound"), ("path", "samplerate",
                                                                 "quality"),
                                        outputs=(), errors=file_errors, path_params=path,
                                        refuse={"samplerate": RATE}, check="from_file",
                                        none_ok=("samplerate",))
    TARGETS["Sound"] = Target(("Sound",), ("frames", "samplerate", "channels", "dtype"),
                              outputs=(), refuse={"frames": WHOLE, "samplerate": RATE,
                                                  "channels": WHOLE | {"zero"},
                                                  "dtype": {"none", "obj", "seq", "bytes"}})
    TARGETS["Sound.from_array"] = Target(("from_array", "Sound"), ("array", "samplerate"),
                                         outputs=(), refuse={"samplerate": RATE})
    TARGETS["Sound.save"] = Target(("save", "Sound"), ("path", "format", "subtype"),
                                   outputs=(), errors=file_errors, path_params=path,
                                   aliases=("sample rate",))  # (the sound's, not an argument)
    TARGETS["DiskStream"] = Target(("DiskStream",), ("path_or_source", "buffer_seconds",
                                                     "loop", "start", "samplerate"),
                                   outputs=(), errors=file_errors,
                                   path_params=("path_or_source",), check="stream",
                                   none_ok=("samplerate",),
                                   refuse={"buffer_seconds": RATE, "loop": FLAG,
                                           "start": WHOLE, "samplerate": RATE})
    TARGETS["DiskStream.read"] = Target(("read",), ("frames", "out"),
                                        errors=engine_errors, refuse={"frames": WHOLE})
    TARGETS["DiskStream.seek"] = Target(("seek",), ("frame",), outputs=(),
                                        refuse={"frame": WHOLE})
    # (Filler.run lets the source's own errors through: the hostile source's is an OSError.)
    TARGETS["Filler"] = Target(("Filler",), ("source", "sound", "block"), outputs=(),
                               errors=("TypeError", "ValueError", "OSError"),
                               refuse={"block": WHOLE | {"zero"}})
    TARGETS["NullDevice"] = Target(("NullDevice",), (
        "samplerate", "channels", "rate_error_ppm", "capture", "blocksize", "jitter",
        "source", "name"), outputs=(), refuse={
            "samplerate": RATE, "channels": WHOLE | {"zero"}, "rate_error_ppm": SCALAR,
            "capture": FLAG, "blocksize": WHOLE | {"zero"}, "jitter": SCALAR | {"neg"}})
    TARGETS["NullDevice.lose"] = Target(("lose",), ("blocks",), outputs=(),
                                        refuse={"blocks": WHOLE | {"zero"}})
    CHECKS.update(gain=check_gain, ramp=check_ramp, mix=check_mix, pan=check_pan,
                  convert=check_convert, copy=check_copy,
                  interleave=check_transpose("planar"), deinterleave=check_transpose("x"),
                  resample=check_resample, process=check_process, play=check_play,
                  engine_finite=check_engine_finite, stop=check_stop, render=check_render,
                  events=check_events, from_file=check_from_file, stream=check_stream,
                  record=check_record)


register()

def example(target, call, *bindings):
    """A case written by hand: (name, value) bindings, values as V, Array, Alias, Items or
    Code (a str is a V of that code)."""
    return Case(target, tuple((n, V(x) if isinstance(x, str) else x) for n, x in bindings),
                call)


F32 = Array("float32", (64, 2))
SIN = "np.sin(np.arange(5000, dtype=np.float32) / 10)"
WITH_FX = (("eng", Code("eng = pkaudio.Engine(48000, 2)")), ("fx", V("eng.bus('fx')")),
           ("now_before", V("eng.now")))
PLAYING = ("v", Code(f"v = eng.play({SIN}, loop=True, bus=fx)"))
# Cases that are always among those tried: the faults issue 12 lists, and their neighbours.
EXAMPLES = {
    "dsp.mix": [
        example("dsp.mix", "dsp.mix(inputs)", ("inputs", Items((Array("float32", (8, 0)),)))),
        example("dsp.mix", "dsp.mix(inputs)", ("inputs", Array("float32", (3, 4, 0)))),
        example("dsp.mix", "dsp.mix(inputs, out=out)",
                ("inputs", Items((Array("float64", (8, 0)),) * 2)),
                ("out", Array("float64", (8, 0)))),
        example("dsp.mix", "dsp.mix(inputs)", ("inputs", v("None", "none"))),
        example("dsp.mix", "dsp.mix(inputs, gains)", ("inputs", Items((F32, F32))),
                ("gains", v("[1e39, 1.0]", "huge"))),
    ],
    "dsp.gain": [
        example("dsp.gain", "dsp.gain(x, g)", ("x", F32), ("g", v("10**400", "big", "huge"))),
        example("dsp.gain", "dsp.gain(x, g)", ("x", Array("float32", (64, 2), fill="zeros")),
                ("g", v("1e39", "huge"))),
        example("dsp.gain", "dsp.gain(x, g)", ("x", F32), ("g", v("'0.5'", "str"))),
    ],
    "dsp.rms": [example("dsp.rms", "dsp.rms(x, out=out)", ("x", Array("float64", (16, c))),
                        ("out", Alias("x", "float64", (c,), 0))) for c in (3, 5, 17)],
    "dsp.meter": [example("dsp.meter", "dsp.meter(x, out=out)",
                          ("x", Array("float64", (16, c), slack=512)),
                          ("out", Alias("x", "float64", (2, c), 8))) for c in (3, 5, 17)],
    "dsp.convert": [example("dsp.convert", "dsp.convert(x, dtype)", ("x", F32),
                            ("dtype", v("None", "none")))],
    "Engine": [
        example("Engine", "pkaudio.Engine(samplerate)", ("samplerate", v("float('inf')", "inf"))),
        example("Engine", "pkaudio.Engine(samplerate, channels)", ("samplerate", "48000"),
                ("channels", v("2.5", "frac"))),
        example("Engine", "pkaudio.Engine(samplerate)", ("samplerate", v("1e300", "huge"))),
    ],
    "Engine.play": [
        example("Engine.play", "eng.play(sound)", *WITH_FX, ("sound", v("None", "none"))),
        example("Engine.play", "eng.play(sound, loop=loop)", *WITH_FX, ("sound", SIN),
                ("loop", "1")),
        example("Engine.play", "eng.play(sound, loop=loop)", *WITH_FX, ("sound", SIN),
                ("loop", v("'yes'", "str"))),
        example("Engine.play", "eng.play(sound, at=at)", *WITH_FX, ("sound", SIN),
                ("at", v("float('nan')", "nan"))),
        example("Engine.play", "eng.play(sound, gain=gain)", *WITH_FX, ("sound", SIN),
                ("gain", v("1e39", "huge"))),
        example("Engine.play", "eng.play(sound, gain=gain)", *WITH_FX, ("sound", SIN),
                ("gain", v("'0.5'", "str"))),
        example("Engine.play", "eng.play(sound)", *WITH_FX,
                ("sound", "pkaudio.Sound.from_array(np.ones(4410, np.float32), 44100)")),
        example("Engine.play", "eng.play(sound, at=at)",
                ("eng", Code("eng = pkaudio.Engine(48000, 2)\neng.render(48000)")),
                ("now_before", "eng.now"), ("sound", "np.ones(1000, np.float32)"),
                ("at", "100")),
        example("Engine.play", "eng.play(sound)",
                ("eng", Code("eng = pkaudio.Engine(48000, 2, meter_interval=256)")),
                ("now_before", "eng.now"), ("sound", Array("float32", (1000,), fill="special"))),
        example("Engine.play", "eng.play(sound)",
                ("eng", Code("eng = pkaudio.Engine(48000, 2)")),
                ("stream_frames", "48000"), ("stream_level", "0.25"),
                ("_", Code("sf.write('long.wav', np.full((stream_frames, 2), stream_level, "
                           "np.float32), 48000)")),
                ("sound", "pkaudio.DiskStream('long.wav', buffer_seconds=0.1)")),
        example("Engine.play", "eng.play(sound)", *WITH_FX,
                ("sound", "np.ones(1000, np.float32)"), ("pan", "0.0")),
        replace(example("Engine.play", "eng.play(sound)", *WITH_FX,
                        ("_", Code("sf.write('s44.wav', np.full((300, 2), 0.25, np.float32), "
                                   "44100)")),
                        ("sound", "pkaudio.DiskStream('s44.wav')")), valid=True),
        example("Engine.play", "[eng.play(sound) for _ in range(10_000)][0]",
                ("eng", Code("eng = pkaudio.Engine(48000, 2)")), ("now_before", "eng.now"),
                ("sound", "np.ones(10, np.float32)")),
    ],
    "Engine.record": [example(
        "Engine.record", "eng.record(path)", ("slow_device", "True"),
        ("eng", Code("eng = pkaudio.Engine(8000, 2)\n# blocks of two seconds: the recording "
                     "stops before its first\n"
                     "eng.start(device=pkaudio.NullDevice(8000, 2, blocksize=16384))")),
        ("path", "'take.flac'"))],
    "Voice.stop": [example("Voice.stop", "v.stop(at=at)", *WITH_FX,
                           ("v", Code(f"v = eng.play({SIN}, at=100)")), ("at", "100"))],
    "Voice.set": [example("Voice.set", "v.set(gain=gain)", *WITH_FX, PLAYING,
                          ("gain", v("1e39", "huge")))],
    "Engine.bus": [example("Engine.bus", "eng.bus(name, gain=gain)", *WITH_FX,
                           ("name", "'drums'"), ("gain", v("1e39", "huge")))],
    "Bus.set": [
        example("Bus.set", "fx.set(gain=gain)", *WITH_FX, PLAYING, ("gain", v("1e39", "huge"))),
    ],
    "Engine.events": [example("Engine.events", "eng.events(timeout)",
                              ("eng", Code("eng = pkaudio.Engine()")),
                              ("timeout", v("float('nan')", "nan")))],
    "Resampler.ratio": [example("Resampler.ratio", "setattr(r, 'ratio', value)",
                                ("r", Code("r = dsp.Resampler(44100, 44100)")),
                                ("value", "1e13"))],
    "Resampler.__init__": [example(
        "Resampler.__init__", "r.__init__(in_rate, out_rate, quality=quality)",
        ("r", Code("r = dsp.Resampler(44100, 48000)")),
        ("_", Code("before = (r.in_rate, r.out_rate, r.channels, r.quality, r.dtype)")),
        ("in_rate", "22050"), ("out_rate", "48000"), ("quality", v("'nonsense'", "str")))],
    "Sound.from_file": [example("Sound.from_file", "pkaudio.Sound.from_file(path)",
                                ("_", Code(FILES)), ("path", "'short.mp3'"))],
    "DiskStream": [
        example("DiskStream", "drain(pkaudio.DiskStream(path_or_source))",
                ("_", Code(FILES + "\n" + DRAIN)), ("path_or_source", "'short.mp3'")),
        example("DiskStream", "drain(pkaudio.DiskStream(path_or_source, "
                "buffer_seconds=buffer_seconds))", ("_", Code(FILES + "\n" + DRAIN)),
                ("path_or_source", "'good.wav'"), ("buffer_seconds", v("'2'", "str"))),
        example("DiskStream", "drain(pkaudio.DiskStream(path_or_source, samplerate=samplerate))",
                ("_", Code(FILES + "\n" + DRAIN)), ("path_or_source", "'good.wav'"),
                ("samplerate", v("0", "zero"))),
    ],
}

# Each target's strategy, and how many cases a run draws from it.
STRATEGIES = {
    "dsp.gain": gain_case(), "dsp.ramp": ramp_case(), "dsp.mix": mix_case(),
    "dsp.pan": pan_case(), "dsp.peak": meter_case("peak"), "dsp.rms": meter_case("rms"),
    "dsp.meter": meter_case("meter"), "dsp.convert": convert_case(), "dsp.copy": copy_case(),
    "dsp.interleave": transpose_case("interleave"),
    "dsp.deinterleave": transpose_case("deinterleave"), "dsp.resample": resample_case(),
    "dsp.Resampler": resampler_case(), "Resampler.process": process_case(),
    "Resampler.ratio": ratio_case(), "Resampler.__init__": reinit_case(),
    "Engine": engine_case(), "Engine.play": play_case(), "Voice.set": voice_set_case(),
    "Voice.stop": voice_stop_case(), "Engine.bus": bus_case(), "Bus.set": bus_set_case(),
    "Engine.render": render_case(), "Engine.events": events_case(),
    "Engine.start": start_case(), "Engine.record": record_case(),
    "Engine.listen": listen_case(), "Output": output_case(),
    "Clock.set": clock_case(), "Scheduler": scheduler_case(),
    "info": info_case(), "Sound.from_file": from_file_case(), "Sound": sound_case(),
    "Sound.from_array": from_array_case(), "Sound.save": save_case(),
    "DiskStream": disk_stream_case(), "DiskStream.read": stream_read_case(),
    "DiskStream.seek": seek_case(), "Filler": filler_case(), "NullDevice": null_device_case(),
    "NullDevice.lose": lose_case(),
}
# Cases drawn per target (fewer where the values to draw from are few; duplicates are run
# once, so a target runs somewhat fewer).
COUNT = 150
COUNTS = {"dsp.mix": 300, "dsp.gain": 250, "dsp.ramp": 200, "Engine.play": 300,
          "Engine.events": 40, "NullDevice.lose": 40, "Clock.set": 60, "info": 50,
          "DiskStream.seek": 60, "DiskStream": 80, "Engine.start": 80, "Engine.record": 60,
          "Engine.listen": 30, "Output": 60}

# The effects' and the graph's targets, which add themselves to the tables above (they use
# the helpers above, so they come last).
import fuzz_fx  # noqa: E402, F401
