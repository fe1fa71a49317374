"""The fuzz suite's targets for effects and the graph (issue 13): every effect class of
`pkaudio.fx` built with hostile arguments, run on hostile arrays at once and as a stream,
its parameters automated with hostile frames and values; chains and mixes misbuilt; buses
edited (add, remove, move, send, modulate) with hostile arguments. Registered into
`fuzz_targets`' tables, which import this module last.

What an effect promises, and the checks here hold it to: its output has x's shape (longer
by its tail when asked) and dtype; it is finite for finite input wherever its parameters
cannot amplify beyond float32 (`_headroom`); a limiter's never goes over its ceiling, whatever
comes in; and streamed in any blocks after `prepare`, it is the one-shot call, sample for
sample.
"""
from __future__ import annotations

import inspect
import math
import typing

import fuzz_targets
import numpy as np
from fuzz_targets import (
    CHANNELS,
    FILLS,
    NOT_NUMBER,
    NUMBER,
    _case,
    array_or_hostile,
    arrays,
    chance,
    frame_value,
    hostile,
    pick,
    rate_value,
)
from fuzzing import CHECKS, TARGETS, Array, Case, Code, Target, V, number, v
from hypothesis import strategies as st

from pkaudio import fx
from pkaudio._dsp import fx as _fx

# Constructor arguments that are whole numbers, flags, or a choice of names.
WHOLE_ARGS = {"stages", "voices", "lines", "downsample", "partition"}
FLAG_ARGS = {"ping_pong"}
CLASSES = sorted(name for name in fx.__all__
                 if isinstance(getattr(fx, name), type) and hasattr(getattr(fx, name), "kind")
                 and name not in ("Chain", "Mix"))
SIDECHAINED = ("Compressor", "Gate", "Expander")
# Value tags a number parameter refuses (besides what is out of its range).
NUMBER_REFUSED = NUMBER | {"seq", "bool", "array", "huge", "big"}
IMPULSE = "np.random.default_rng(1).uniform(-0.5, 0.5, (300, 1)).astype(np.float32)"


def _choices(cls, name):
    """The names a choice argument takes (from its Literal annotation), or None."""
    hint = typing.get_type_hints(cls.__init__, vars(inspect.getmodule(cls))).get(name)
    args = typing.get_args(hint)
    return args if args and all(isinstance(a, str) for a in args) else None


def _spec(name):
    """[(argument, kind, low, high or options, default)] of an effect class's constructor."""
    cls = getattr(fx, name)
    ranges = {key: (low, high) for key, _, low, high, _ in _fx.params(cls.kind)}
    out = []
    for arg, p in inspect.signature(cls.__init__).parameters.items():
        if arg == "self":
            continue
        options = _choices(cls, arg)
        if options:
            out.append((arg, "choice", None, options, p.default))
        elif arg in FLAG_ARGS:
            out.append((arg, "flag", 0, 1, p.default))
        elif arg in ranges:
            kind = "whole" if arg in WHOLE_ARGS else "number"
            out.append((arg, kind, *ranges[arg], p.default))
        else:  # Convolution's impulse and samplerate
            out.append((arg, arg, None, None, p.default))
    return out


SPECS = {name: _spec(name) for name in CLASSES}
ARGS = sorted({arg for spec in SPECS.values() for arg, *_ in spec})


def number_value(draw, low, high, whole=False):
    """Mostly within low .. high (its edges often), now and then just beyond, or hostile."""
    c = draw(st.integers(0, 19))
    if c < 12:
        if whole:
            return number(draw(st.integers(int(low), int(high))))
        if c < 5:
            return number(pick(draw, (low, high, float(np.float32(low)),
                                      float(np.float32(high)), (low + high) / 2)))
        if low > 0 and c < 8:
            return number(math.exp(draw(st.floats(math.log(low), math.log(high)))))
        return number(draw(st.floats(low, high)))
    if c < 16:
        return number(pick(draw, (low - 1, high + 1, high * 1.001 + 1e-9, low - 1e-6,
                                  -high, high * 1e6)))
    return hostile(draw)


def arg_value(draw, arg, kind, low, high):
    if kind == "number":
        return number_value(draw, low, high)
    if kind == "whole":
        if arg == "partition" and chance(draw, 70):
            return number(pick(draw, (16, 32, 64, 128, 256, 512, 1024)))
        return number_value(draw, low, high, whole=True)
    if kind == "flag":
        return pick(draw, (v("True", "bool"), v("False", "bool"))) if chance(draw, 80) \
            else hostile(draw)
    if kind == "choice":
        return v(repr(pick(draw, high))) if chance(draw, 80) else \
            pick(draw, (v("'LOWPASS'", "str"), v("''", "str"), v("None", "none"), v("0")))
    if kind == "impulse":
        if chance(draw, 75):
            frames = pick(draw, (1, 2, 17, 300, 1000, 5000))
            return Array(pick(draw, ("float32", "float64")),
                         (frames,) + ((pick(draw, (1, 1, 2)),) if chance(draw, 70) else ()),
                         fill=pick(draw, ("noise", "noise", "zeros", "tiny")),
                         seed=draw(st.integers(0, 99)))
        return array_or_hostile(draw, 40, bad=100)
    if kind == "samplerate":
        return None if chance(draw, 60) else rate_value(draw)
    raise AssertionError(kind)


def effect_args(draw, name, valid=False):
    """(bindings, call) that build an effect of class `name`: arguments drawn per its spec
    (with `valid`, only in range, a third of them left at their defaults)."""
    bindings, names = [], []
    for arg, kind, low, high, default in SPECS[name]:
        if default is inspect.Parameter.empty or not chance(draw, 35):
            if valid:
                value = _valid_value(draw, name, arg, kind, low, high)
            else:
                value = arg_value(draw, arg, kind, low, high)
            if value is None:
                continue
            key = f"{name.lower()}_{arg}" if valid else arg
            bindings.append((key, value))
            names.append(f"{arg}={key}")
    return bindings, f"fx.{name}({', '.join(names)})"


def _valid_value(draw, name, arg, kind, low, high):
    if kind == "number":
        if arg == "time" and name == "Delay":
            high = 2.0  # (within the default max_time)
        if arg == "max_time":
            low = 2.0
        if arg == "lookahead":
            high = 0.02
        return number(pick(draw, (low, high, (low + high) / 2)) if chance(draw, 30)
                      else draw(st.floats(low, high)))
    if kind == "whole":
        if arg == "partition":
            return number(pick(draw, (16, 64, 256)))
        return number(8 if arg == "lines" else draw(st.integers(int(low), int(high))))
    if kind == "flag":
        return v(repr(draw(st.booleans())))
    if kind == "choice":
        return v(repr(pick(draw, high)))
    if kind == "impulse":
        return V(IMPULSE)
    return None


def valid_effect(draw, var, names=CLASSES):
    """Code binding `var` to an effect built with valid arguments; its class's name."""
    name = pick(draw, names)
    bindings, call = effect_args(draw, name, valid=True)
    code = "\n".join(f"{key} = {value.code}" for key, value in bindings)
    return Code((code + "\n" if code else "") + f"{var} = {call}"), name


# ---- the references ----

def _headroom(effect):
    """How much an effect may amplify a signal within -1 .. 1 (a bound, roughly): where it
    is below float32's range, finite input must give finite output."""
    if isinstance(effect, fx.Chain):
        return math.prod(_headroom(e) for e in effect.effects)
    if isinstance(effect, fx.Mix):
        return sum(_headroom(e) for e in effect.effects)
    p = {k: q.initial for k, q in effect.params.items()}
    name = type(effect).__name__
    stages = getattr(effect, "stages", 1)
    if name in ("Peak", "LowShelf", "HighShelf"):
        return (10 ** (max(p["gain_db"], 0) / 20) * 4 * max(1.0, p["q"])) ** stages
    if name in ("Lowpass", "Highpass", "Bandpass", "Notch", "Allpass"):
        return (4 * max(1.0, p["q"])) ** stages
    if name == "Gain":
        return abs(p["gain"]) + 1
    if name == "Clip":
        return 1.0
    if name == "Compressor":
        return 10 ** (max(p["makeup_db"], 0) / 20) * 10 ** (60 / 20)
    if name == "Convolution":
        return float(np.abs(effect.impulse).sum(axis=0).max()) * 4 + 1
    if name in ("SVF",):
        return 4 * max(1.0, p["q"]) ** 2
    return 1e4  # delays, modulation, reverbs, ladder, dynamics, colour: bounded by design


def _is_finite_input(x):
    return isinstance(x, np.ndarray) and x.dtype.kind == "f" and bool(np.isfinite(x).all()) \
        and float(np.abs(x).max(initial=0)) <= 1.0


def _ceiling(effect):
    """A limiter's ceiling (linear), if `effect` ends in one with nothing after it."""
    while isinstance(effect, fx.Chain) and effect.effects:
        effect = effect.effects[-1]
    if isinstance(effect, fx.Limiter):
        return 10 ** (effect.ceiling_db.initial / 20) if not effect.ceiling_db._events else None
    return None


def effect_problem(effect, x, y, samplerate, tail, sidechain=None, blocks=(17, 64, 1, 509)):
    """What is wrong with y = effect(x, samplerate, tail=tail, sidechain=sidechain), or None:
    its shape and dtype, finiteness where promised, a limiter's ceiling, and the same samples
    from prepare + process in `blocks`."""
    extra = effect.tail if tail else 0
    shape = (len(x) + extra,) + x.shape[1:]
    dtype = x.dtype.newbyteorder("=")  # (byte-swapped input comes back in native order)
    if not isinstance(y, np.ndarray) or y.shape != shape or y.dtype != dtype:
        return f"returned {getattr(y, 'shape', y)!r} {getattr(y, 'dtype', '')}, expected " \
               f"{shape} {dtype}"
    if _is_finite_input(x) and (sidechain is None or _is_finite_input(sidechain)) and \
            _headroom(effect) < 1e30 and not np.isfinite(y).all():
        bad = np.flatnonzero(~np.isfinite(_rows(y)).all(axis=1))
        return f"output not finite (from frame {bad[0]} of {len(y)}) for finite input"
    ceiling = _ceiling(effect)
    if ceiling is not None:
        with np.errstate(invalid="ignore"):
            over = ~(np.abs(y.astype(np.float64)) <= ceiling * (1 + 1e-6))
        if over.any():
            i = np.flatnonzero(_rows(over).any(axis=1))[0]
            return f"limiter output {y[i]!r} at frame {i} above its ceiling {ceiling!r}"
    return _streamed_problem(effect, x, y, samplerate, extra, sidechain, blocks)


def _rows(a):
    return a.reshape(len(a), a.shape[1] if a.ndim == 2 else 1)


def _streamed_problem(effect, x, y, samplerate, extra, sidechain, blocks):
    rows = _rows(x)
    latency = effect.latency
    block = np.zeros((len(rows) + latency + extra, rows.shape[1]), np.float32)
    block[:len(rows)] = rows
    side = None
    if sidechain is not None:
        side = np.zeros_like(block)
        side[:len(rows)] = _rows(sidechain)
    effect.prepare(samplerate, rows.shape[1])
    start, i = 0, 0
    while start < len(block):
        n = blocks[i % len(blocks)]
        i += 1
        effect.process(block[start:start + n], None if side is None else side[start:start + n])
        start += n
    want = block[latency:].astype(y.dtype).reshape(y.shape)
    if want.tobytes() != y.tobytes():
        with np.errstate(invalid="ignore"):
            differ = np.flatnonzero(~_rows((want == y) | (np.isnan(want) & np.isnan(y)))
                                    .all(axis=1))
        if len(differ):
            f = differ[0]
            return f"streamed in blocks of {list(blocks)} differs from the one-shot call in " \
                   f"{len(differ)} frames, first at {f}: {want[f]!r} vs {y[f]!r}"
    return None


def check_fx_built(ns, pre):
    """A built effect runs on a second of noise: finite, its limiter under its ceiling, and
    streamed the same."""
    effect = ns["result"]
    x = np.random.default_rng(3).uniform(-1, 1, (1201, 2)).astype(np.float32)
    effect.prepare(48000, 2)
    tail = effect.tail < 100_000  # (a long reverb's minutes: the one-shot target has them)
    return effect_problem(effect, x, effect(x, 48000, tail=tail), 48000, tail)


def check_fx_call(ns, pre):
    effect, x, y = ns["e"], pre["x"], ns["result"]
    side = pre.get("sidechain")
    tail = bool(ns.get("tail", False))
    rate = float(ns["samplerate"])
    return effect_problem(effect, x, y, rate, tail, side)


def check_fx_after(ns, pre):
    """After an automation call (or a group built), the effect still runs, finite (its
    parameters within their bounds) and streamed the same."""
    effect = ns.get("result") if isinstance(ns.get("result"), fx.Effect) else ns["e"]
    for part in effect._effects():
        for p in part.params.values():
            for t in (0, 1, 100, 4000, 10**6):
                value = p.value_at(t)
                if not p.low <= value <= p.high:
                    return f"{p.name}.value_at({t}) = {value!r}, beyond {p.low} .. {p.high}"
    x = np.random.default_rng(4).uniform(-1, 1, (4000, 2)).astype(np.float32)
    return effect_problem(effect, x, effect(x, 48000), 48000, False)


# ---- the targets ----

@st.composite
def fx_build_case(draw):
    name = pick(draw, CLASSES)
    bindings, call = effect_args(draw, name)
    return _case("fx.Effect()", bindings, [], call)


@st.composite
def fx_call_case(draw):
    """One-shot calls: odd shapes, dtypes, lengths (0, 1, primes), views, byte orders."""
    code, name = valid_effect(draw, "e")
    x = draw(arrays(bad=30, frames=(0, 1, 2, 3, 7, 17, 64, 127, 509, 1031, 4099),
                    channels=CHANNELS[:8])) if chance(draw, 92) else hostile(draw)
    if isinstance(x, Array) and chance(draw, 15):
        x = Array(pick(draw, (">f4", ">f8", "float32")), x.shape or (5,), step=pick(
            draw, (1, 2, -1)), readonly=chance(draw, 50), fill=pick(draw, FILLS),
            seed=x.seed)
    b = [("e", code), ("x", x), ("samplerate", rate_value(draw))]
    tail = None if chance(draw, 50) else pick(draw, (v("True", "bool"), v("False", "bool"))) \
        if chance(draw, 85) else hostile(draw)
    side = None
    if name in SIDECHAINED and chance(draw, 50):
        side = Array("float32", x.shape, seed=7) if isinstance(x, Array) and chance(draw, 70) \
            else array_or_hostile(draw, 30, bad=60)
    return _case("fx.Effect.__call__", b, [("tail", tail), ("sidechain", side)],
                 "e(x, samplerate{kw})")


@st.composite
def fx_stream_case(draw):
    """prepare, process and reset, in any order, with hostile arguments."""
    code, name = valid_effect(draw, "e")
    channels = pick(draw, (1, 2, 3))
    before = pick(draw, ("", f"e.prepare(48000, {channels})",
                         f"e.prepare(44100, {channels}, report_interval=64)",
                         f"e.prepare(48000, {channels})\ne.reset()"))
    b = [("e", code), ("_", Code(before))]
    which = pick(draw, ("prepare", "process", "process", "reset"))
    if which == "prepare":
        ch = number(channels) if chance(draw, 50) else pick(draw, (
            v("0", "zero"), v("65"), v("64"), v("2.5", "frac"), v("-1", "neg"),
            v("True", "bool"))) if chance(draw, 60) else hostile(draw)
        interval = None if chance(draw, 50) else frame_value(draw, 5000, none_ok=False)
        b += [("samplerate", rate_value(draw)), ("channels", ch)]
        return _case("fx.Effect.process", b, [("report_interval", interval)],
                     "e.prepare(samplerate, channels{kw})")
    if which == "reset":
        return Case_("fx.Effect.process", b, "e.reset()")
    frames = pick(draw, (0, 1, 7, 64, 257))
    block = Array("float32", (frames, channels) if chance(draw, 70) or channels > 1
                  else (frames,), seed=draw(st.integers(0, 99)),
                  fill=pick(draw, FILLS)) if chance(draw, 60) else \
        array_or_hostile(draw, 20, bad=100)
    side = None
    if name in SIDECHAINED and chance(draw, 40):
        side = Array("float32", block.shape, seed=8) if isinstance(block, Array) and \
            chance(draw, 70) else array_or_hostile(draw, 30, bad=80)
    b.append(("block", block))
    return _case("fx.Effect.process", b, [("sidechain", side)], "e.process(block{kw})")


def Case_(target, bindings, call):  # noqa: N802 (a Case from a list of bindings)
    return Case(target, tuple(bindings), call)


AUTOMATION = ("set", "linear_ramp", "exponential_ramp", "set_target", "curve", "cancel",
              "value", "value_at", "modulate")


@st.composite
def fx_param_case(draw):
    """A parameter's automation methods with hostile values, frames, curves."""
    names = [n for n in CLASSES if any(k == "number" and not _fx_setting(n, a)
                                       for a, k, *_ in SPECS[n])]
    code, name = valid_effect(draw, "e", names)
    params = [a for a, k, *_ in SPECS[name] if k == "number" and not _fx_setting(name, a)]
    param = pick(draw, params)
    low, high = next((lo, hi) for a, _, lo, hi, _ in SPECS[name] if a == param)
    prior = pick(draw, ("", "p.set(p.high, at=100)", "p.linear_ramp(p.low, at=1000)",
                        "p.set_target(p.high, at=50, time_constant=10.0)",
                        "p.curve([p.low, p.high, p.low], at=200, duration=500)",
                        "e.prepare(48000, 2)\ne.process(np.zeros((300, 2), np.float32))"))
    b = [("e", code), ("p", Code(f"p = e.{param}\n{prior}"))]
    method = pick(draw, AUTOMATION)
    value = number_value(draw, low, high)
    at = frame_value(draw, 20000, none_ok=False)
    if method == "value":
        b.append(("value", value))
        return Case_("fx.Param", b, "setattr(p, 'value', value)")
    if method == "value_at":
        b.append(("frame", at))
        return Case_("fx.Param", b, "p.value_at(frame)")
    if method == "cancel":
        b.append(("at", at))
        return Case_("fx.Param", b, "p.cancel(at=at)")
    if method == "modulate":
        b += [("bus", pick(draw, (v("None", "none"), v("pkaudio.Engine().master")))),
              ("depth", number_value(draw, -10, 10))]
        return Case_("fx.Param", b, "p.modulate(bus, depth)")
    if method == "curve":
        values = curve_values(draw, low, high)
        duration = frame_value(draw, 5000, none_ok=False)
        b += [("values", values), ("at", at), ("duration", duration)]
        return Case_("fx.Param", b, "p.curve(values, at=at, duration=duration)")
    b += [("value", value), ("at", at)]
    if method == "set_target":
        tc = number_value(draw, 1e-3, 1e6) if chance(draw, 80) else pick(draw, (
            v("1e-300"), v("5e-324", "frac"), v("1e300")))
        b.append(("time_constant", tc))
        return Case_("fx.Param", b, "p.set_target(value, at=at, time_constant=time_constant)")
    return Case_("fx.Param", b, f"p.{method}(value, at=at)")


def _fx_setting(name, arg):
    kind = getattr(fx, name).kind
    return next(s for k, _, _, _, s in _fx.params(kind) if k == arg) if any(
        k == arg for k, *_ in _fx.params(kind)) else True


def curve_values(draw, low, high):
    c = draw(st.integers(0, 9))
    if c < 5:
        n = pick(draw, (2, 3, 17, 1000))
        return V(f"np.linspace({low!r}, {high!r}, {n})" if chance(draw, 50) else
                 f"np.random.default_rng({n}).uniform({low!r}, {high!r}, {n})")
    return pick(draw, (v("[1.0]", "seq"), v("[]", "seq"), v("[float('nan'), 1.0]", "seq"),
                       v("[1e39, 1.0]", "seq"), v("np.ones((2, 2))", "array"),
                       v("['a', 'b']", "seq"), v("[1, 2, 3]", "seq"),
                       v("np.array([1, 2], np.int8)", "array"), v("(1e300, -1e300)", "seq"),
                       hostile(draw)))


@st.composite
def fx_group_case(draw):
    """Chain and Mix with what is not an effect, an effect twice or already in use, nested,
    empty, a generator."""
    kind = pick(draw, ("Chain", "Mix"))
    items, lines = [], []
    for i in range(pick(draw, (0, 1, 2, 3, 5))):
        c = draw(st.integers(0, 19))
        if c < 12:
            code, _ = valid_effect(draw, f"g{i}")
            lines.append(code.text)
            items.append(f"g{i}")
        elif c < 14 and items:
            items.append(items[0])  # the same effect twice
        elif c < 16:
            code, _ = valid_effect(draw, f"g{i}")
            lines.append(code.text + f"\nfx.Chain([g{i}])")  # already in a group
            items.append(f"g{i}")
        elif c < 17:
            code, _ = valid_effect(draw, f"g{i}")
            lines.append(code.text + f"\npkaudio.Engine(48000, 2).master.add(g{i})")
            items.append(f"g{i}")
        elif c < 18:
            a, _ = valid_effect(draw, f"h{i}")
            lines.append(a.text + f"\ng{i} = fx.{pick(draw, ('Chain', 'Mix'))}([h{i}])")
            items.append(f"g{i}")
        else:
            h = hostile(draw)
            lines += ([h.prelude] if h.prelude else []) + [f"g{i} = {h.code}"]
            items.append(f"g{i}")
    body = ", ".join(items)
    wrap = pick(draw, ("[{}]", "[{}]", "({},)" if items else "({})", "iter([{}])"))
    effects = Code("\n".join(lines) + f"\neffects = {wrap.format(body)}")
    if chance(draw, 10):
        h = hostile(draw)
        return Case_("fx.Chain/Mix", [("effects", h)], f"fx.{kind}(effects)")
    return Case_("fx.Chain/Mix", [("effects", effects)], f"fx.{kind}(effects)")


GRAPH = """\
eng = pkaudio.Engine(48000, {channels})
a, b = eng.bus('a'), eng.bus('b', output='a')
eng.play(np.random.default_rng(0).uniform(-0.5, 0.5, 30000).astype(np.float32), bus=b)
eng.play(np.random.default_rng(1).uniform(-0.5, 0.5, 30000).astype(np.float32), bus=a)
on_a = fx.Lowpass(2000)
a.add(on_a)
on_b = fx.Chain([fx.Gain(0.5), fx.Limiter()])
b.add(on_b)
ab = a.send(eng.master, gain=0.5){more}
eng.render({frames})"""
MORE = ("", "\nb.add(fx.Compressor(), sidechain=eng.bus('key'))",
        "\nb.send(eng.master, pre_fader=True)", "\non_a.frequency.modulate(b, 100.0)",
        "\nb.remove(on_b)", "\na.move(on_a, 0)")
BUSES = (v("a"), v("b"), v("eng.master"), v("'a'"), v("'b'"), v("'master'"), v("'nope'"),
         v("pkaudio.Engine(48000, 2).master"))
GRAPH_AFTER = """\
out = eng.render(3000)
assert out.shape == (3000, eng.channels) and np.isfinite(out).all(), 'render not finite'
for bus in (a, b, eng.master):
    bus.effects, bus.sends
eng.events()"""


def graph_setup(draw):
    return Code(GRAPH.format(channels=pick(draw, (1, 2)), more=pick(draw, MORE),
                             frames=pick(draw, (0, 1, 100, 5000))))


def bus_value_fx(draw):
    return pick(draw, BUSES) if chance(draw, 85) else hostile(draw)


def index_value(draw):
    return pick(draw, (v("0", "zero"), v("1"), v("2"), v("-1", "neg"), v("1.5", "frac"),
                       v("10"), v("np.int64(1)"), v("True", "bool"), v("2**63", "big"))) \
        if chance(draw, 85) else hostile(draw)


@st.composite
def graph_case(draw):
    """One edit of a running graph with hostile arguments; afterwards it still renders,
    finite."""
    b = [("_", graph_setup(draw))]
    op = pick(draw, ("add", "add", "remove", "move", "send", "send", "modulate", "send.remove"))
    fresh, _ = valid_effect(draw, "new", ("Gain", "Lowpass", "Limiter", "Compressor", "Delay",
                                          "Convolution", "Reverb", "SVF"))
    effect = pick(draw, (v("new"), v("new"), v("on_a"), v("on_b"), v("on_b.effects[0]"),
                         v("fx.Chain([fx.Gain()])"))) if chance(draw, 85) else hostile(draw)
    b.append(("new", fresh))
    if op == "add":
        b.append(("effect", effect))
        optional = [("index", None if chance(draw, 50) else index_value(draw)),
                    ("sidechain", None if chance(draw, 60) else bus_value_fx(draw))]
        return _case("Bus.add", b, optional, "b.add(effect{kw})")
    if op == "remove":
        b.append(("effect", effect))
        return Case_("Bus.add", b, f"{pick(draw, ('a', 'b'))}.remove(effect)")
    if op == "move":
        b += [("effect", effect), ("index", index_value(draw))]
        return Case_("Bus.add", b, f"{pick(draw, ('a', 'b'))}.move(effect, index)")
    if op == "send":
        gain = None if chance(draw, 50) else number_value(draw, -4, 4)
        pre = None if chance(draw, 60) else pick(draw, (v("True", "bool"), v("False", "bool"))) \
            if chance(draw, 70) else hostile(draw)
        b.append(("to", bus_value_fx(draw)))
        source = pick(draw, ("a", "b", "eng.master"))
        return _case("Bus.add", b, [("gain", gain), ("pre_fader", pre)],
                     f"{source}.send(to{{kw}})")
    if op == "send.remove":
        return Case_("Bus.add", b, "ab.remove()")
    b += [("bus", bus_value_fx(draw) if chance(draw, 90) else v("None", "none")),
          ("depth", number_value(draw, -1000, 1000))]
    param = pick(draw, ("on_a.frequency", "on_b.effects[0].gain", "on_b.effects[1].ceiling_db",
                        "new.params[sorted(new.params)[0]]"))
    return Case_("Bus.add", b, f"{param}.modulate(bus, depth)")


def register():
    group_names = tuple(CLASSES) + ("Chain", "Mix", "fx")
    TARGETS["fx.Effect()"] = Target(
        names=group_names + ("Convolution: its impulse response",), params=tuple(ARGS),
        outputs=(), refuse={arg: NUMBER_REFUSED for arg in ARGS
                            if arg not in ("impulse", "samplerate", "mode", "matrix",
                                           "ping_pong")},
        none_ok=("samplerate",), check="fx_built",
        aliases=("sample rate", "the rates"))
    TARGETS["fx.Effect.__call__"] = Target(
        names=group_names, params=("x", "samplerate", "tail", "sidechain"), outputs=(),
        refuse={"samplerate": NUMBER | {"neg", "zero", "bool", "seq"},
                "tail": NOT_NUMBER | {"nan", "inf", "seq", "frac", "neg", "huge", "big"}},
        check="fx_call", after="e(np.zeros((10, 2), np.float32), 48000)")
    TARGETS["fx.Effect.process"] = Target(
        names=tuple(f"{n}.{m}" for n in CLASSES for m in ("prepare", "process")) + group_names,
        params=("samplerate", "channels", "report_interval", "block", "sidechain"),
        outputs=("block",), errors=("TypeError", "ValueError", "RuntimeError"),
        refuse={"samplerate": NUMBER | {"neg", "zero", "bool", "seq"},
                "channels": NUMBER | {"neg", "zero", "frac", "bool", "seq"},
                "report_interval": NUMBER | {"neg", "frac", "bool", "seq"}},
        after="e.prepare(48000, 2); e.process(np.zeros((64, 2), np.float32)); e.reset()")
    TARGETS["fx.Param"] = Target(
        names=("set", "linear_ramp", "exponential_ramp", "set_target", "curve", "cancel",
               "value", "value_at", "modulate"),
        params=("value", "at", "time_constant", "values", "duration", "frame", "bus", "depth"),
        outputs=(), errors=("TypeError", "ValueError", "RuntimeError"),
        refuse={"value": NUMBER_REFUSED, "at": NUMBER | {"neg", "frac", "bool", "seq", "big"},
                "time_constant": NUMBER_REFUSED | {"neg", "zero"},
                "duration": NUMBER | {"neg", "zero", "frac", "bool", "seq", "big"},
                "depth": NUMBER_REFUSED},
        check="fx_after")
    TARGETS["fx.Chain/Mix"] = Target(names=("Chain", "Mix"), params=("effects",), outputs=(),
                                     check="fx_after")
    TARGETS["Bus.add"] = Target(
        names=("Bus.add", "Bus.remove", "Bus.move", "Bus.send", "Send.remove", "modulate"),
        params=("effect", "index", "sidechain", "to", "gain", "pre_fader", "bus", "depth"),
        outputs=(), errors=("TypeError", "ValueError", "RuntimeError"),
        refuse={"index": NUMBER | {"neg", "frac", "bool", "seq", "big"},
                "gain": NUMBER | {"bool", "seq", "huge"}, "depth": NUMBER | {"bool", "seq"},
                "pre_fader": NOT_NUMBER | {"nan", "inf", "seq", "frac", "neg", "huge"}},
        after=GRAPH_AFTER)
    CHECKS.update(fx_built=check_fx_built, fx_call=check_fx_call, fx_after=check_fx_after)


register()

STRATEGIES = {"fx.Effect()": fx_build_case(), "fx.Effect.__call__": fx_call_case(),
              "fx.Effect.process": fx_stream_case(), "fx.Param": fx_param_case(),
              "fx.Chain/Mix": fx_group_case(), "Bus.add": graph_case()}
COUNTS = {"fx.Effect()": 70, "fx.Effect.__call__": 50, "fx.Effect.process": 60,
          "fx.Param": 60, "fx.Chain/Mix": 40, "Bus.add": 50}
EXAMPLES: dict = {}
fuzz_targets.STRATEGIES.update(STRATEGIES)
fuzz_targets.COUNTS.update(COUNTS)
fuzz_targets.EXAMPLES.update(EXAMPLES)


# ---- scenarios: effect chains with automation on a bus, and sequences of graph edits ----

SCENARIO_CLASSES = ("Lowpass", "Peak", "HighShelf", "SVF", "Ladder", "OnePole", "DCBlocker",
                    "Delay", "Chorus", "Flanger", "Phaser", "Reverb", "Convolution",
                    "Compressor", "Limiter", "Gate", "Expander", "Distortion", "Clip",
                    "Bitcrush", "Gain", "Pan")
EVENTS = ("set", "linear_ramp", "exponential_ramp", "set_target", "curve", "cancel", "value")


@st.composite
def fx_scenarios(draw):
    """An effect chain (plain data: class names, constructor code, automation) to run on a
    bus and at once."""
    total = draw(st.integers(1, 6000))
    effects = []
    for _ in range(draw(st.integers(1, 4))):
        name = pick(draw, SCENARIO_CLASSES)
        bindings, call = effect_args(draw, name, valid=True)
        setup = "; ".join(f"{k} = {val.code}" for k, val in bindings)
        params = [a for a, k, *_ in SPECS[name] if k == "number" and not _fx_setting(name, a)]
        events = []
        for _ in range(draw(st.integers(0, 4)) if params else 0):
            param = pick(draw, params)
            low, high = next((lo, hi) for a, _, lo, hi, _ in SPECS[name] if a == param)
            value = draw(st.floats(low, high))
            at = draw(st.integers(0, total))
            events.append((param, pick(draw, EVENTS), value, at,
                           draw(st.floats(1.0, 2000.0)), draw(st.integers(1, 3000))))
        effects.append((setup, call, events))
    return {"channels": pick(draw, (1, 2)), "total": total, "effects": effects,
            "group": pick(draw, ("Chain", "Chain", "Mix")), "seed": draw(st.integers(0, 99)),
            "blocks": draw(st.lists(st.sampled_from((1, 7, 64, 75, 256, 1000, 4096)),
                                    min_size=1, max_size=6))}


def _automate(effect, events):
    for param, kind, value, at, tau, duration in events:
        p = getattr(effect, param)
        if kind == "set":
            p.set(value, at=at)
        elif kind == "linear_ramp":
            p.linear_ramp(value, at=at)
        elif kind == "exponential_ramp" and value != 0:
            p.exponential_ramp(value, at=at)
        elif kind == "set_target":
            p.set_target(value, at=at, time_constant=tau)
        elif kind == "curve":
            try:
                p.curve([p.low, value, p.high], at=at, duration=duration)
            except ValueError as e:  # (overlapping another event: refused, as documented)
                assert "overlap" in str(e), e
        elif kind == "cancel":
            p.cancel(at=at)


def _build(scenario):
    import pkaudio  # noqa: F401 (what the constructors' code may name)

    effects = []
    for setup, call, events in scenario["effects"]:
        ns = {"np": np, "fx": fx}
        exec(setup, ns)
        effects.append((eval(call, ns), events))
    group = getattr(fx, scenario["group"])([e for e, _ in effects])
    return group, effects


def check_fx_on_bus(scenario):
    """An effect group with automation on the master, rendered in one call or in blocks,
    is the one-shot call on the same signal, sample for sample (latency aside)."""
    from pkaudio import Engine

    total, channels = scenario["total"], scenario["channels"]
    x = np.random.default_rng(scenario["seed"]).uniform(-0.8, 0.8, (total, channels)) \
        .astype(np.float32)
    group, effects = _build(scenario)
    for effect, events in effects:
        _automate(effect, events)
    want = group(x, 48000)
    for blocks in (None, scenario["blocks"]):
        group, effects = _build(scenario)
        eng = Engine(48000, channels)
        for i, (effect, events) in enumerate(effects):  # (automated before or once added)
            if i % 2 == 0:
                _automate(effect, events)
        eng.master.add(group)
        for i, (effect, events) in enumerate(effects):
            if i % 2 == 1:
                _automate(effect, events)
        eng.play(x, at=0)
        frames = total + group.latency
        if blocks is None:
            got = eng.render(frames)
        else:
            parts, i = [], 0
            while sum(len(p) for p in parts) < frames:
                parts.append(eng.render(min(blocks[i % len(blocks)],
                                            frames - sum(len(p) for p in parts))))
                i += 1
            got = np.concatenate(parts)
        got = got[group.latency:]
        if got.tobytes() != want.tobytes():
            differ = np.flatnonzero(np.any(got != want, axis=1))
            f = int(differ[0])
            raise AssertionError(
                f"on the master {'in one render' if blocks is None else f'in blocks {blocks}'}"
                f", {len(differ)} of {total} frames differ from the one-shot call, first at "
                f"{f}: {got[f].tolist()} vs {want[f].tolist()}")


@st.composite
def graph_edits(draw):
    """A sequence of graph edits and renders (plain data)."""
    ops = []
    for _ in range(draw(st.integers(1, 25))):
        kind = pick(draw, ("add", "add", "remove", "move", "send", "unsend", "modulate",
                           "render", "render", "automate"))
        ops.append((kind, draw(st.integers(0, 3)), draw(st.integers(0, 3)),
                    pick(draw, ("Gain", "Lowpass", "Limiter", "Compressor", "Delay",
                                "Convolution", "SVF", "Chain")),
                    draw(st.integers(0, 4)), pick(draw, (1, 64, 100, 300, 1000))))
    return {"channels": pick(draw, (1, 2)), "ops": ops}


def _new_effect(name):
    if name == "Chain":
        return fx.Chain([fx.Gain(0.5), fx.Limiter(-6)])
    if name == "Convolution":
        return fx.Convolution(np.hanning(100).astype(np.float32), partition=64)
    return getattr(fx, name)()


def check_graph_edits(scenario):  # noqa: C901 (one branch an edit)
    """Edits and renders in any order: no crash, renders finite, a cycle refused with
    ValueError and the graph left as it was, removed effects free once faded out and then
    collected."""
    import gc
    import weakref

    from pkaudio import Engine

    eng = Engine(48000, scenario["channels"])
    buses = [eng.master, eng.bus("a"), eng.bus("b", output="a"), eng.bus("c")]
    noise = np.random.default_rng(0).uniform(-0.5, 0.5, 200000).astype(np.float32)
    for bus in buses:
        eng.play(noise, bus=bus, loop=True)
    removed = []
    for kind, i, j, name, index, frames in scenario["ops"]:
        bus, other = buses[i], buses[j]
        on = [e for e in bus.effects]
        before = {b.name: (list(b.effects), list(b.sends)) for b in buses}
        try:
            if kind == "add":
                bus.add(_new_effect(name), min(index, len(on)),
                        sidechain=other if name == "Compressor" else None)
            elif kind == "remove" and on:
                effect = on[index % len(on)]
                bus.remove(effect)
                removed.append(weakref.ref(effect))
            elif kind == "move" and on:
                bus.move(on[index % len(on)], index % len(on))
            elif kind == "send":
                bus.send(other, gain=0.5, pre_fader=bool(index % 2))
            elif kind == "unsend" and bus.sends:
                bus.sends[index % len(bus.sends)].remove()
            elif kind == "modulate" and on:
                params = list(on[index % len(on)].params.values())
                if params:
                    params[0].modulate(other, 0.01)
            elif kind == "automate" and on:
                for p in list(on[index % len(on)].params.values())[:1]:
                    p.linear_ramp((p.low + p.high) / 2 if p.high < 1e5 else 1.0,
                                  at=eng.now + frames)
            elif kind == "render":
                out = eng.render(frames)
                assert out.shape == (frames, eng.channels) and np.isfinite(out).all(), \
                    "render not finite"
        except ValueError as e:
            if "cycle" not in str(e) and "already sends" not in str(e) and \
                    "is not on bus" not in str(e):
                raise
            after = {b.name: (list(b.effects), list(b.sends)) for b in buses}
            assert after == before, f"refused {kind} left the graph changed: {e}"
    out = eng.render(2000)  # (every fade over)
    assert np.isfinite(out).all(), "render not finite"
    for bus in buses:
        _ = bus.effects  # (lets the faded ones go)
    del on, before
    gc.collect()
    for ref in removed:
        effect = ref()
        assert effect is None or effect._engine is None, f"{effect!r} not free after removal"
