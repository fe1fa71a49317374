"""Machinery for the hostile-input fuzz suite (``test_fuzz.py``).

A *case* is a short Python program: lines that make the arguments (arrays placed in guarded
buffers, hostile scalars and objects), then one call of pkaudio's public API. The program is
the case's only description, so a failing case is reported as the snippet that ran, ready to
paste. Cases run in a `Worker`: one child process that has imported pkaudio once and forks a
grandchild per case, so that a segfault, an abort or a hang (an alarm) is a result to report
rather than the end of the test run. Where there is no fork (Windows) the child runs the cases
itself and is restarted after one kills it.

Each case is judged against the contract: the call works (and where a reference is cheap,
agrees with numpy), or raises TypeError/ValueError (RuntimeError where the target documents
it) whose message names the function and one of its arguments. Besides, a call must not write
outside its `out=` (every array sits between guard bytes), must not write at all when it
refuses, must refuse values that are plainly invalid for the parameter (a string for a gain,
a negative frame count), and must leave its object usable.

``python tests/fuzzing.py`` runs every target and prints the faults found, grouped by cause.
"""
from __future__ import annotations

import math
import os
import pickle
import re
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import warnings
from dataclasses import dataclass, field

import numpy as np

try:
    from numpy.lib.array_utils import byte_bounds
except ImportError:  # numpy < 2.0
    from numpy import byte_bounds

# Seconds a case may run before it counts as a hang (its grandchild gets SIGALRM); after a
# target's first hang, its other cases get less (a hang found again costs little time).
CASE_TIMEOUT = 5
SHORT_TIMEOUT = 2
# Address space a case may use, so that a huge allocation fails at once instead of paging.
CASE_MEMORY = 6 << 30
# Guard bytes on each side of every array a case makes, and their value.
GUARD = 64
GUARD_BYTE = 0xA5

HEADER = """\
import asyncio, io, os, pathlib, threading, time
from decimal import Decimal
from fractions import Fraction
import numpy as np
import soundfile as sf
import pkaudio
from pkaudio import buffering, dsp, engine, fx, scheduler
"""


# ---- values, as code ----

@dataclass(frozen=True)
class V:
    """A value given as the expression that makes it. `tags` say what kind of value it is,
    for the parameters that must refuse such values: str, bytes, none, bool, seq, map, obj,
    callable, complex, array, nan, inf, neg, zero, frac (not whole), big (beyond 64 bits),
    huge (beyond float32's range). `prelude` is code the expression needs first."""

    code: str
    tags: frozenset = frozenset()
    prelude: str = ""

    def lines(self, name, ctx):
        return ([self.prelude] if self.prelude else []) + [f"{name} = {self.code}"]


def v(code, *tags, prelude=""):
    return V(code, frozenset(tags), prelude)


def literal(x) -> str:
    """Code for a float, int, bool, str or None that evaluates back to it exactly."""
    if isinstance(x, float):
        if math.isnan(x):
            return "float('nan')"
        if math.isinf(x):
            return "float('inf')" if x > 0 else "-float('inf')"
        return repr(x)
    return repr(x)


def number(x, *extra) -> V:
    """A V for a plain int or float, tagged by what it is."""
    tags = set(extra)
    if isinstance(x, bool):
        tags.add("bool")
    if isinstance(x, float) and math.isnan(x):
        tags.add("nan")
    elif isinstance(x, float) and math.isinf(x):
        tags.add("inf")
    else:
        if x < 0:
            tags.add("neg")
        if x == 0:
            tags.add("zero")
        if x != int(x):
            tags.add("frac")
        if isinstance(x, int) and not -2**63 <= x < 2**63:
            tags.add("big")
        if abs(x) > 3.4028234663852886e38:
            tags.add("huge")
    return V(literal(x), frozenset(tags))


FLOATY = """\
class Floaty:  # converts to a float, an index and an int, all hostile
    def __float__(self): return float('nan')
    def __index__(self): return 2**70
    def __int__(self): return -1"""

# Values that are not numbers, or numbers at the edges; every parameter may get any of them.
HOSTILE = [
    v("float('nan')", "nan"), v("float('inf')", "inf"), v("-float('inf')", "inf", "neg"),
    v("1e39", "huge"), v("-1e39", "huge", "neg"), v("3.5e38", "huge"), v("1e308", "huge"),
    v("5e-324", "frac"), v("1e-45", "frac"), v("-0.0", "zero"), v("0", "zero"),
    v("-1", "neg"), v("-2", "neg"), v("1.5", "frac"), v("2**31", ), v("2**32 + 1"),
    v("2**62"), v("2**63", "big"), v("2**64 + 1", "big"), v("-2**63 - 1", "big", "neg"),
    v("10**400", "big", "huge"), v("-10**400", "big", "huge", "neg"),
    v("True", "bool"), v("False", "bool", "zero"),
    v("np.float32('nan')", "nan"), v("np.float64('inf')", "inf"), v("np.float16(65504.0)"),
    v("np.int64(-1)", "neg"), v("np.uint64(2**64 - 1)"), v("np.int8(-128)", "neg"),
    v("np.bool_(True)", "bool"), v("np.longdouble('1e4000')", "huge"),
    v("np.float32(3e38)", ), v("np.int32(7)"), v("np.float64(2.5)", "frac"),
    v("1j", "complex"), v("complex(1, 0)", "complex"), v("Fraction(1, 3)", "frac"),
    v("Fraction(10**400, 3)", "big", "huge", "frac"), v("Decimal('nan')", "nan"),
    v("Decimal('1e999')", "huge"), v("Decimal('0.5')", "frac"),
    v("'0.5'", "str"), v("''", "str"), v("'nan'", "str"), v("'yes'", "str"), v("'3'", "str"),
    v("b'1'", "bytes"), v("None", "none"), v("[]", "seq"), v("[0.5]", "seq"),
    v("[[0.5]]", "seq"), v("(1, 2)", "seq"), v("[None]", "seq"), v("{}", "map"),
    v("{0.5}", "seq"), v("object()", "obj"), v("np.array(0.5)", "array"),
    v("np.array([0.5, 0.5])", "array", "seq"), v("np.array([])", "array", "seq"),
    v("np.array('x')", "array", "str"), v("np.array(None)", "array", "none"),
    v("range(2)", "seq"), v("iter([1.0])", "obj"), v("print", "callable"),
    v("float", "callable"), v("Ellipsis", "obj"), v("slice(1)", "obj"),
    v("np.datetime64('2020')", "obj"), v("np.timedelta64(1, 's')", "obj"),
    v("np.ma.masked", "obj"), v("Floaty()", "obj", prelude=FLOATY),
    v("'a' * 10000", "str"), v("'\\x00'", "str"), v("bytearray(b'ab')", "bytes"),
    v("memoryview(b'ab')", "bytes"),
]


# ---- arrays, placed in guarded buffers ----

@dataclass(frozen=True)
class Array:
    """An array made in a buffer of its own, between guard bytes (and `slack` bytes of room
    around it for aliases), with the given layout: `order` "C" or "F", every `step`-th row
    (negative: reversed), `misalign` bytes off the buffer's alignment, read-only or not,
    filled as `fill` says."""

    dtype: str
    shape: tuple
    order: str = "C"
    step: int = 1
    misalign: int = 0
    readonly: bool = False
    fill: str = "noise"
    seed: int = 0
    slack: int = 0

    @property
    def itemsize(self):
        return np.dtype(self.dtype).itemsize

    @property
    def nbytes(self):
        return math.prod(self.shape) * self.itemsize

    @property
    def channels(self):
        return self.shape[1] if len(self.shape) == 2 else 1

    def raw_shape(self):
        if not self.shape or self.step == 1:
            return self.shape
        return (self.shape[0] * abs(self.step),) + self.shape[1:]

    def lines(self, name, ctx):
        dt = np.dtype(self.dtype)
        raw = self.raw_shape()
        view = f"[::{self.step}]" if self.shape and self.step != 1 else ""
        order = ", order='F'" if self.order == "F" else ""
        if dt.kind == "O":  # no buffer can hold objects
            out = [f"{name} = np.empty({raw!r}, 'O'{order}){view}", f"{name}[...] = 0.5"]
        else:
            raw_bytes = math.prod(raw) * dt.itemsize
            offset = GUARD + self.slack + self.misalign
            size = offset + raw_bytes + self.slack + GUARD
            buf = ctx.buffer(name)
            out = [f"{buf} = np.full({size}, {GUARD_BYTE}, np.uint8)",
                   f"{name} = np.ndarray({raw!r}, {self.dtype!r}, {buf}, {offset}{order}){view}"]
            out += fill_lines(name, dt, self.fill, self.seed)
            ctx.placed[name] = (buf, offset, size)
        if self.readonly:
            out.append(f"{name}.flags.writeable = False")
        return out


def fill_lines(name, dt, fill, seed):
    rng = f"np.random.default_rng({seed})"
    if dt.kind in "US":
        return [f"{name}[...] = 'a'"]
    if dt.kind not in "biufc" or dt.fields:
        return []  # the guard pattern stands in for data
    if fill == "zeros":
        return [f"{name}[...] = 0"]
    if dt.kind == "b":
        return [f"{name}[...] = {rng}.integers(0, 1, {name}.shape, endpoint=True)"]
    if dt.kind in "iu":
        info = np.iinfo(dt)
        lo, hi = (info.min, info.max) if fill in ("huge", "special") else \
            (max(info.min, -1000), min(info.max, 1000))
        return [f"{name}[...] = {rng}.integers({lo}, {hi}, {name}.shape, "
                f"{dt.newbyteorder('=').name!r}, endpoint=True)"]
    if fill == "noise":
        return [f"{name}[...] = {rng}.uniform(-1, 1, {name}.shape)"]
    if fill == "huge":
        top = min(float(np.finfo(dt).max), sys.float_info.max)
        return [f"{name}[...] = {rng}.choice([{top!r}, -{top!r}, {top / 3!r}], {name}.shape)"]
    if fill == "tiny":
        tiny = max(float(np.finfo(dt).smallest_subnormal), 5e-324)
        return [f"{name}[...] = {rng}.choice([{tiny!r}, -{tiny!r}, 0.0], {name}.shape)"]
    # "special": NaN, infinities, signed zeros and edges, scattered among plain samples
    return [f"{name}[...] = {rng}.choice([float('nan'), float('inf'), -float('inf'), -0.0, "
            f"1.0, -1.0, 0.5, 3e38, 1e-40], {name}.shape)"]


@dataclass(frozen=True)
class Alias:
    """A view of `shape` and `dtype` into the buffer of array `of`, starting `delta` bytes
    from `of`'s first byte (moved to fit the buffer): out= arguments that overlap their
    input, partly or wholly."""

    of: str
    dtype: str
    shape: tuple
    delta: int
    readonly: bool = False

    def lines(self, name, ctx):
        nbytes = math.prod(self.shape) * np.dtype(self.dtype).itemsize
        if self.of not in ctx.placed or nbytes > ctx.placed[self.of][2] or \
                np.dtype(self.dtype).hasobject:  # (objects from raw bytes would be wild pointers)
            return Array(self.dtype, self.shape, readonly=self.readonly).lines(name, ctx)
        buf, start, size = ctx.placed[self.of]
        offset = min(max(start + self.delta, 0), size - nbytes)
        out = [f"{name} = np.ndarray({self.shape!r}, {self.dtype!r}, {buf}, {offset})"]
        if self.readonly:
            out.append(f"{name}.flags.writeable = False")
        return out


@dataclass(frozen=True)
class Same:
    """The very object bound to another name (``out = x``)."""

    of: str

    def lines(self, name, ctx):
        return [f"{name} = {self.of}"]


@dataclass(frozen=True)
class Items:
    """A list (or tuple) whose items are values: ``name = [name_0, name_1, ...]``."""

    items: tuple
    kind: str = "list"

    def lines(self, name, ctx):
        out, names = [], []
        for i, item in enumerate(self.items):
            out += item.lines(f"{name}_{i}", ctx)
            names.append(f"{name}_{i}")
        body = ", ".join(names) + ("," if self.kind == "tuple" and len(names) == 1 else "")
        return out + [f"{name} = " + ("({})" if self.kind == "tuple" else "[{}]").format(body)]


@dataclass(frozen=True)
class Code:
    """Lines of setup code, bound to no name."""

    text: str

    def lines(self, name, ctx):
        return [self.text]


class _Context:
    def __init__(self):
        self.placed = {}  # array name -> (buffer name, byte offset, buffer size)
        self.buffers = 0

    def buffer(self, name):
        self.buffers += 1
        return f"_b{self.buffers - 1}"


@dataclass(frozen=True)
class Case:
    """One call of `target` (a key of TARGETS): `bindings` make the names, in order, and
    `call` is the expression whose value becomes ``result``. A `valid` case is one the API
    promises to do: raising is a fault."""

    target: str
    bindings: tuple  # ((name, V | Array | Alias | Same | Items | Code), ...)
    call: str
    valid: bool = False

    def setup(self) -> str:
        ctx, lines = _Context(), []
        for name, value in self.bindings:
            lines += value.lines(name, ctx)
        return "\n".join(line for line in lines if line)

    def source(self) -> str:
        """The case as a program (what the report shows)."""
        return HEADER + self.setup() + f"\nresult = {self.call}\n"

    def value(self, name):
        for bound, value in self.bindings:
            if bound == name:
                return value
        return None


# ---- running a case (in the grandchild) ----

def _buffers(ns):
    return {k: val for k, val in ns.items() if re.fullmatch(r"_b\d+", k)}


def _byte_range(arr, buf):
    """arr's bytes as (start, end) offsets into buf, or None if it is not in buf."""
    if not isinstance(arr, np.ndarray) or arr.size == 0:
        return None
    lo, hi = byte_bounds(arr)
    base = buf.ctypes.data
    if base <= lo and hi <= base + buf.nbytes:
        return lo - base, hi - base
    return None


def _changed(before, after, allowed):
    """Byte offsets where after differs from before, outside the allowed ranges."""
    diff = np.flatnonzero(before != after)
    for lo, hi in allowed:
        diff = diff[(diff < lo) | (diff >= hi)]
    return diff


def run_case(case: Case) -> dict:
    """Run one case in this process and judge it: {"faults": [(kind, detail), ...],
    "outcome": "returned" or the exception's type name}."""
    target = TARGETS[case.target]
    ns: dict = {}
    setup_error = _set_up(case, ns)
    if setup_error:  # a case the strategies should not have drawn
        return {"faults": [], "outcome": "setup-failed", "setup_error": setup_error}
    buffers = {k: b.copy() for k, b in _buffers(ns).items()}
    pre = {k: val.copy() for k, val in ns.items()
           if isinstance(val, np.ndarray) and not k.startswith("_")}
    error, faults = _call(case, ns)
    if error is not None:
        faults += judge_error(target, case, error)
    else:
        faults += judge_accepted(target, case, ns)
    faults += _memory_faults(target, ns, buffers, error)
    if error is None:
        faults += _result_faults(target, ns, pre)
    if target.after and (error is None or target.after_refused):
        faults += _after_faults(target, ns, error)
    return {"faults": faults,
            "outcome": "returned" if error is None else type(error).__name__}


def _set_up(case, ns) -> str:
    """Run the case's setup in `ns`; the error it raised, or "" if none."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            exec(compile(HEADER + case.setup(), "<case setup>", "exec"), ns)
        except Exception as e:
            return f"{type(e).__name__}: {e}"
    return ""


def _call(case, ns):
    """Make the case's call in `ns`: the exception it raised (None if it returned), and a
    "warning" fault for each warning it gave."""
    error = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            exec(compile(f"result = {case.call}", "<case>", "exec"), ns)
        except Exception as e:  # judged by the caller
            error = e
        faults = [("warning", f"{w.category.__name__}: {w.message}") for w in caught]
    return error, faults


def _memory_faults(target, ns, buffers, error) -> list:
    """Compare each guarded buffer with its copy from before the call (`buffers`): nothing
    outside the target's outputs may change; nothing at all when the call refused."""
    faults = []
    for key, before in buffers.items():
        allowed = _output_ranges(target, ns, ns[key]) if error is None else []
        diff = _changed(before, ns[key], allowed)
        if len(diff):
            where = "refused call wrote" if error is not None else "wrote outside out="
            faults.append(("memory", f"{where}: {len(diff)} bytes of {key} changed, first at "
                                     f"byte {diff[0]} of {len(before)}"))
    return faults


def _output_ranges(target, ns, buf) -> list:
    """The (start, end) byte offsets in `buf` of each of the target's outputs that lies in it."""
    ranges = [_byte_range(ns.get(out), buf) for out in target.outputs]
    return [rng for rng in ranges if rng]


def _result_faults(target, ns, pre) -> list:
    """A "wrong-result" fault if the target's reference check (if it has one) disagrees with
    what the call returned; `pre` holds the case's arrays as they were before the call."""
    if not target.check:
        return []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            problem = CHECKS[target.check](ns, pre)
        except Exception as e:
            problem = f"the check failed: {type(e).__name__}: {e}"
    return [("wrong-result", problem)] if problem else []


def _after_faults(target, ns, error) -> list:
    """An "unusable-after" fault if the target's `after` code fails after the call (it sees
    the call's exception, or None, as `_error`)."""
    ns["_error"] = error
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            exec(compile(target.after, "<after>", "exec"), ns)
        except Exception as e:
            return [("unusable-after", f"{type(e).__name__}: {e}")]
    return []


def _names(message, names):
    return any(re.search(rf"(?<![\w.]){re.escape(n)}(?!\w)", message) or
               re.search(rf"\.{re.escape(n)}(?!\w)", message) for n in names)


def raised_at(error) -> str:
    """Where pkaudio raised `error` (or let it through): its innermost frame in pkaudio's
    code, or else the innermost frame of all."""
    frames = traceback.extract_tb(error.__traceback__)
    if frames and frames[-1].filename == "<case>":
        return "the compiled function's argument conversion"  # (Cython's, before its body)
    frames = [f for f in frames if not f.filename.startswith("<")]
    if not frames:
        return ""
    ours = [f for f in frames if "pkaudio" in f.filename or f.filename.endswith((".pyx", ".pxd"))]
    f = (ours or frames)[-1]
    return f"{os.path.basename(f.filename)}:{f.lineno} in {f.name}"


def judge_error(target, case, error) -> list:
    kind = type(error).__name__
    message = str(error)
    where = raised_at(error)
    where = f" [{where}]" if where else ""
    frames = traceback.extract_tb(error.__traceback__)
    if frames and frames[-1].filename == "<case setup>":
        return []  # raised by the case's own code (a source's read): pkaudio passed it on
    allowed = tuple(ERRORS[n] for n in target.errors)
    if not isinstance(error, allowed):
        return [("wrong-type", f"{kind}: {message}{where}")]
    if case.valid:
        return [("refused", f"a call the API promises to do raised {kind}: {message}{where}")]
    params = [p for p in target.params if case.value(p) is not None]
    paths = [case.value(p).code.strip("'\"") for p in target.path_params
             if isinstance(case.value(p), V)]
    # A message may name the argument by the string it was given ("no bus 'nope'").
    quoted = [case.value(p).code for p in params if isinstance(case.value(p), V)
              and re.fullmatch(r"'[^']{1,40}'", case.value(p).code)]
    named_function = _names(message, target.names)
    named_argument = _names(message, params + list(target.aliases)) or \
        any(p and p in message for p in paths) or any(q in message for q in quoted) or \
        isinstance(error, RuntimeError)
    if isinstance(error, (FileNotFoundError,)) or (paths and any(p and p in message
                                                                 for p in paths)):
        named_function = True  # file errors name the file (documented in buffering)
    if not (named_function and named_argument):
        missing = " and ".join(w for w, ok in (("function", named_function),
                                                ("argument", named_argument)) if not ok)
        return [("unnamed", f"{kind} names no {missing}: {message}{where}")]
    return []


def judge_accepted(target, case, ns) -> list:
    faults = []
    for param, refused in target.refuse.items():
        if param in target.none_ok:
            refused = refused - {"none"}
        value = case.value(param)
        if isinstance(value, V) and value.tags & refused:
            faults.append(("accepted", f"{param}={value.code}"))
        if isinstance(value, Items):
            for item in value.items:
                if isinstance(item, V) and item.tags & refused:
                    faults.append(("accepted", f"{param} item {item.code}"))
    return faults


# ---- the worker: a child process that runs cases, each in a forked grandchild ----

def _send(stream, obj):
    data = pickle.dumps(obj)
    stream.write(struct.pack("<Q", len(data)) + data)
    stream.flush()


def _receive(stream):
    head = stream.read(8)
    if len(head) < 8:
        return None
    (n,) = struct.unpack("<Q", head)
    return pickle.loads(stream.read(n))


def _limit_memory():
    if "asan" in os.environ.get("LD_PRELOAD", ""):
        return  # AddressSanitizer reserves terabytes of address space for its shadow
    try:
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (CASE_MEMORY, CASE_MEMORY))
    except (ImportError, ValueError, OSError):
        pass


def _run_job(job):
    """A job is a Case, or ("script", code): a program whose failing assertion (any
    exception) is the fault."""
    if isinstance(job, Case):
        return run_case(job)
    ns: dict = {"__name__": "__fuzz__"}
    try:
        exec(compile(job[1], "<script>", "exec"), ns)
    except Exception:
        return {"faults": [("failed", traceback.format_exc(limit=4))], "outcome": "raised"}
    return {"faults": [], "outcome": "returned"}


def _forked(job, timeout):
    """Run job in a forked grandchild; its result, or the signal that killed it."""
    read_end, write_end = os.pipe()
    err = tempfile.TemporaryFile()
    folder = tempfile.mkdtemp(dir=".")
    pid = os.fork()
    if pid == 0:  # the grandchild
        try:
            os.chdir(folder)
            os.close(read_end)
            # A case may read file descriptor 0 (soundfile opens an int as one): let it read
            # nothing, not the worker's pipe.
            os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
            os.dup2(err.fileno(), 1)
            os.dup2(err.fileno(), 2)
            signal.signal(signal.SIGALRM, signal.SIG_DFL)
            signal.alarm(timeout)
            _limit_memory()
            try:
                result = _run_job(job)
            except BaseException:
                result = {"faults": [("internal", traceback.format_exc())], "outcome": "?"}
            with os.fdopen(write_end, "wb") as f:
                f.write(pickle.dumps(result))
        finally:
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as f:
        data = f.read()
    _, status = os.waitpid(pid, 0)
    shutil.rmtree(folder, ignore_errors=True)
    err.seek(0)
    stderr = err.read().decode(errors="replace")
    err.close()
    if data and os.WIFEXITED(status):
        return pickle.loads(data)
    return _death(status, stderr)


def _sanitizer_report(stderr):
    """The gist of an AddressSanitizer report: what, where (the first frames), and for a
    use-after-free where it was freed; None if there is none."""
    lines = stderr.splitlines()
    first = next((i for i, line in enumerate(lines) if "ERROR: AddressSanitizer" in line), None)
    if first is None:
        return None
    what = re.sub(r"^==\d+==ERROR: ", "", lines[first]).split(" on ")[0]
    kept, room = [what], 6  # frames still to keep of the section being read
    for line in lines[first + 1:]:
        if re.match(r"\s+#\d+ ", line):
            if room > 0:
                kept.append(re.sub(r" 0x[0-9a-f]+ in ", " ", line))
                room -= 1
        elif "freed by thread" in line:
            kept.append(line)
            room = 3
        elif line.startswith("SUMMARY"):
            kept.append(line)
        elif line.strip():
            room = 0 if re.search(r"allocated by|thread T\d+ created", line) else room
    return "\n".join(kept)


def _death(status, stderr):
    # What the case printed as it died (faulthandler's stack, a sanitizer's report), without
    # the harness's own frames.
    report = _sanitizer_report(stderr)
    if report:
        return {"faults": [("crash", report)], "outcome": report.splitlines()[0]}
    lines = [line for line in stderr.strip().splitlines()
             if not re.search(r"fuzzing\.py|^Extension modules|File \"<string>\"", line)]
    tail = "\n".join(lines[-12:])
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        if sig == signal.SIGALRM:
            return {"faults": [("hang", "still running after the case's time was up")],
                    "outcome": "hang"}
        name = signal.Signals(sig).name
        return {"faults": [("crash", f"{name}" + (f"\n{tail}" if tail else ""))],
                "outcome": name}
    code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else status
    return {"faults": [("crash", f"exit status {code}" + (f"\n{tail}" if tail else ""))],
            "outcome": f"exit {code}"}


def _forking():
    """Whether cases run in forked grandchildren (PKAUDIO_FUZZ_NO_FORK=1 tries, on a system
    that has fork, the way Windows runs them: in the worker itself)."""
    return hasattr(os, "fork") and not os.environ.get("PKAUDIO_FUZZ_NO_FORK")


def worker_main():
    """The worker's loop: jobs in on stdin, results out on the real stdout. Anything a case
    prints goes to stderr, so it cannot break the protocol."""
    protocol = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    exec(HEADER, {})  # import once here, not in every grandchild
    jobs = sys.stdin.buffer
    fork = _forking()
    while True:
        item = _receive(jobs)
        if item is None:
            return
        job, timeout = item
        start = time.monotonic()
        result = _forked(job, timeout) if fork else _run_job(job)
        result["seconds"] = time.monotonic() - start
        _send(protocol, result)


class Worker:
    """The parent's side: a child process that has imported pkaudio and runs cases."""

    def __init__(self, cwd=None):
        self.cwd = cwd or tempfile.mkdtemp(prefix="pkaudio-fuzz-")
        self.process = None

    def _start(self):
        env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
        if "asan" not in env.get("LD_PRELOAD", ""):  # (ASan reports a crash better itself)
            env["PYTHONFAULTHANDLER"] = "1"
        here = os.path.dirname(os.path.abspath(__file__))
        code = (f"import sys; sys.path.insert(0, {here!r}); import fuzzing, fuzz_targets; "
                "fuzzing.worker_main()")
        self.process = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, cwd=self.cwd, env=env)

    def run(self, job, timeout=CASE_TIMEOUT) -> dict:
        """Run one job (a Case or ("script", code)); its result."""
        if self.process is None or self.process.poll() is not None:
            self._start()
        answer: list = []

        def receive():
            try:
                _send(self.process.stdin, (job, timeout))
                answer.append(_receive(self.process.stdout))
            except (BrokenPipeError, OSError):
                answer.append(None)

        # The grandchild's alarm ends a hang; without fork (Windows) only this wait does.
        reader = threading.Thread(target=receive, daemon=True)
        reader.start()
        reader.join(timeout + (60 if _forking() else 1))
        if reader.is_alive():
            self.process.kill()
            self.close()
            return {"faults": [("hang", "still running after the case's time was up")],
                    "outcome": "hang"}
        if answer[0] is None:  # no fork: the case killed the worker itself
            status = self.process.wait()
            self.close()
            return _death(_as_wait_status(status), "")
        return answer[0]

    def close(self):
        if self.process is not None:
            for pipe in (self.process.stdin, self.process.stdout):
                try:
                    pipe.close()
                except OSError:
                    pass
            self.process.wait()
            self.process = None


def _as_wait_status(returncode):
    """A subprocess returncode (negative: the signal) as an os.wait status."""
    return -returncode if returncode < 0 else returncode << 8


# ---- drawing cases, running them, and reporting what they found ----

def draw_cases(strategy, count, examples=()):
    """`examples`, then `count` cases drawn by hypothesis from `strategy`, the same ones every
    run."""
    from hypothesis import HealthCheck, Phase, given, settings

    cases = list(examples)

    @settings(max_examples=count, derandomize=True, database=None, deadline=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(strategy)
    def collect(case):
        cases.append(case)

    collect()
    seen, unique = set(), []
    for case in cases:
        key = case.source() if isinstance(case, Case) else repr(case)
        if key not in seen:
            seen.add(key)
            unique.append(case)
    return unique


@dataclass
class Fault:
    """One cause of failure: every (case, detail) whose fault has the same signature."""

    target: str
    kind: str
    cases: list = field(default_factory=list)

    @property
    def smallest(self):
        """The (case, detail) with the shortest program."""
        return min(self.cases, key=lambda cd: (len(cd[0].source()), cd[0].source()))

    def text(self, number=None) -> str:
        case, detail = self.smallest
        head = f"--- {'' if number is None else f'fault {number}: '}{self.target}: " \
               f"{self.kind} ({len(self.cases)} case{'s' if len(self.cases) > 1 else ''})"
        return f"{head}\n{detail.strip()}\n\n{case.setup()}\nresult = {case.call}\n"


def signature(target, kind, detail):
    """What makes two faults the same cause: the target, the kind, and the detail with its
    numbers, quoted values and array contents blurred."""
    first = detail.strip().splitlines()[0] if detail.strip() else ""
    if kind == "accepted":
        first = first.split("=")[0].split(" item")[0]
    if kind in ("unnamed", "wrong-type", "warning", "wrong-result", "memory", "refused",
                "unusable-after"):
        first = re.sub(r"'[^']*'|\"[^\"]*\"", "'...'", first)
        first = re.sub(r"array\(.*", "array(...)", first)
        first = re.sub(r"\(at [^)]*\)", "", first) if kind != "wrong-type" else first
        first = re.sub(r"-?\d[\d.e+-]*|nan|inf", "#", first)
        first = re.sub(r"(float32|float64|int16|int32|int8|int64|uint\d+|float16|bool|"
                       r"complex\d+|longdouble|clongdouble|object|<U\d|\|S\d|\|V\d|"
                       r"datetime64\[s\]|timedelta64\[s\]|[<>|][a-zA-Z]\d+)", "<dtype>", first)
        first = re.sub(r"shaped \([^)]*\)|shape \([^)]*\)", "shaped (...)", first)
    return target, kind, first[:160]


@dataclass
class Run:
    """The results of fuzzing targets: cases tried, outcomes, and faults by cause."""

    tried: dict = field(default_factory=dict)       # target -> cases run
    outcomes: dict = field(default_factory=dict)    # target -> {outcome: count}
    faults: dict = field(default_factory=dict)      # signature -> Fault
    setup_failed: list = field(default_factory=list)
    seconds: dict = field(default_factory=dict)     # target -> seconds its cases took
    slowest: list = field(default_factory=list)     # [(seconds, case)], the slowest few

    def add(self, case, result):
        self.tried[case.target] = self.tried.get(case.target, 0) + 1
        counts = self.outcomes.setdefault(case.target, {})
        counts[result["outcome"]] = counts.get(result["outcome"], 0) + 1
        if result["outcome"] == "setup-failed":
            self.setup_failed.append((case, result["setup_error"]))
        for kind, detail in result["faults"]:
            key = signature(case.target, kind, detail)
            self.faults.setdefault(key, Fault(case.target, kind)).cases.append((case, detail))

    def count(self, *kinds):
        return sum(len(f.cases) for f in self.faults.values() if f.kind in kinds)

    def causes(self) -> str:
        """The faults grouped across targets by cause: an error of one type let through (or
        raised with an unclear message) at one place in pkaudio is one cause, whichever calls
        reach it; other faults by target, kind and what went wrong."""
        groups: dict = {}
        for fault in self.faults.values():
            case, detail = fault.smallest
            where = re.search(r"\[([^:\]]+):\d+ in ([^\]]+)\]", detail)
            conversion = "argument conversion]" in detail
            if fault.kind in ("wrong-type", "unnamed") and (where or conversion):
                kind = detail.split(":")[0].split(" names")[0]
                place = f"{where.group(1)}:{where.group(2)}" if where else \
                    "the compiled function's argument conversion"
                key = (fault.kind, f"{kind} at {place}")
            else:
                key = (fault.kind, f"{fault.target}: {signature('', fault.kind, detail)[2]}")
            groups.setdefault(key, []).append(fault)
        lines = []
        for (kind, cause), faults in sorted(groups.items(),
                                            key=lambda kv: (kv[0][0], -len(kv[1]), kv[0][1])):
            targets = sorted({f.target for f in faults})
            case, detail = min((f.smallest for f in faults),
                               key=lambda cd: len(cd[0].source()))
            lines.append(f"=== {kind}: {cause}\n    {sum(len(f.cases) for f in faults)} cases, "
                         f"{len(faults)} distinct, in {', '.join(targets)}\n    e.g. "
                         f"{detail.strip().splitlines()[0]}\n"
                         + "\n".join("      " + line for line in
                                     (case.setup() + f"\nresult = {case.call}").splitlines()))
        return "\n".join(lines)

    def report(self, targets=None) -> str:
        """The faults, grouped by cause, each with its smallest case as a program."""
        faults = sorted((f for f in self.faults.values() if not targets or f.target in targets),
                        key=lambda f: (f.target, f.kind, f.smallest[1]))
        return "\n".join(f.text(i) for i, f in enumerate(faults, 1))


def fuzz(worker, targets, strategies, counts, examples=None, run=None):
    """Draw and run cases of each target (its `examples` first); a Run with what they
    found."""
    run = run or Run()
    for target in targets:
        hangs = 0
        for case in draw_cases(strategies[target], counts[target],
                               (examples or {}).get(target, ())):
            result = worker.run(case, CASE_TIMEOUT if hangs < 1 else SHORT_TIMEOUT)
            hangs += result["outcome"] == "hang"
            run.add(case, result)
            run.seconds[case.target] = run.seconds.get(case.target, 0) + result.get("seconds", 0)
            run.slowest.append((result.get("seconds", 0), case))
            run.slowest = sorted(run.slowest, key=lambda x: -x[0])[:5]
    return run


# Names of the exceptions a target may raise.
ERRORS = {"TypeError": TypeError, "ValueError": ValueError, "RuntimeError": RuntimeError,
          "FileNotFoundError": FileNotFoundError, "OSError": OSError}


@dataclass(frozen=True)
class Target:
    """How to judge calls of one function or method.

    names: how its error messages may name it. params: its parameters, which a message may
    name. path_params: those that take a file (a message may name the file instead).
    outputs: names whose memory the call may write. errors: exceptions it may raise.
    refuse: per parameter, the value tags it must refuse. check: a key of CHECKS, the
    reference for what it returned. after: code that must still work after the call (after
    a refused one too, if after_refused). aliases: more words that name an argument (a
    message about "the ratio" names the rates it is made of). none_ok: parameters whose
    default is None, which therefore take None.
    """

    names: tuple
    params: tuple
    outputs: tuple = ("out",)
    errors: tuple = ("TypeError", "ValueError")
    refuse: dict = field(default_factory=dict)
    check: str | None = None
    after: str = ""
    after_refused: bool = True
    path_params: tuple = ()
    aliases: tuple = ()
    none_ok: tuple = ()


TARGETS: dict[str, Target] = {}
CHECKS: dict = {}


def main(argv=None):
    """Fuzz every target (or those named) and print the counts and the faults by cause."""
    import argparse

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import fuzz_targets

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("targets", nargs="*", help="targets to fuzz (default: all)")
    parser.add_argument("--count", type=int, default=None,
                        help="cases to draw per target (default: as the test suite does)")
    parser.add_argument("--quiet", action="store_true", help="counts only, no programs")
    parser.add_argument("--causes", action="store_true",
                        help="group the faults by cause across targets, not by target")
    args = parser.parse_args(argv)
    targets = args.targets or list(fuzz_targets.STRATEGIES)
    counts = {t: args.count or fuzz_targets.COUNTS.get(t, fuzz_targets.COUNT) for t in targets}
    worker = Worker()
    run = Run()
    try:
        for target in targets:
            start = time.monotonic()
            fuzz(worker, [target], fuzz_targets.STRATEGIES, counts,
                 fuzz_targets.EXAMPLES, run)
            faults = [f for f in run.faults.values() if f.target == target]
            print(f"{target:22s} {run.tried.get(target, 0):5d} cases "
                  f"{time.monotonic() - start:6.1f} s  {len(faults):3d} faults  "
                  f"{dict(sorted(run.outcomes.get(target, {}).items()))}", flush=True)
    finally:
        worker.close()
    print(f"\n{sum(run.tried.values())} cases, {len(run.faults)} distinct faults; cases with "
          f"crashes {run.count('crash')}, hangs {run.count('hang')}, wrong results "
          f"{run.count('wrong-result', 'memory')}")
    for seconds, case in run.slowest:
        print(f"(slow: {seconds:.1f} s)\n{case.setup()}\nresult = {case.call}\n")
    for case, error in run.setup_failed[:5]:
        print(f"(setup failed: {error})\n{case.setup()}\n")
    if not args.quiet:
        print(run.causes() if args.causes else run.report())


if __name__ == "__main__":
    main()
