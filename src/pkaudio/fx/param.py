"""Parameters as timelines, with Web Audio's AudioParam semantics in frames.

A Param holds automation events (set, linear and exponential ramps, set-target, curves) in
frame order and compiles them into the core's segments: pieces of the timeline each with a
closed form, so that the value at frame t follows from t alone. The frames are the host's:
the engine's frames on a bus, frames since `prepare` or `reset` on an effect of its own.

The rules, as the Web Audio spec gives them (section "AudioParam"):

- ``set(v, at=T)``: the value is v from frame T.
- ``linear_ramp(v, at=T1)``: from the previous event (frame T0, value V0) the value moves in a
  straight line to reach v at T1: ``V0 + (v - V0) * (t - T0) / (T1 - T0)``.
- ``exponential_ramp(v, at=T1)``: ``V0 * (v / V0) ** ((t - T0) / (T1 - T0))``; v and V0 must
  be nonzero and of one sign (where V0 and v differ in sign, the value holds V0 until T1).
- ``set_target(v, at=T, time_constant=tau)``: from T the value approaches v exponentially,
  ``v + (V(T) - v) * exp(-(t - T) / tau)``, until the next event.
- ``curve(values, at=T, duration=D)``: the values spread evenly over T .. T + D, linearly
  between them; then the last value.
- ``cancel(at=T)``: every event at or after T goes (a ramp by the frame it ends at).

Where the spec's choice depends on when a call is made, the rule here depends on frames only:
a ramp after a set_target starts where that set_target starts (the spec's case of a target
that has not begun), and a ramp with no event before it starts at the host's current frame.
"""
from __future__ import annotations

import math
import threading
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .. import _checks as check
from .._dsp import fx as _fx

INT64_MIN, INT64_MAX = -(1 << 63), (1 << 63) - 1
# A plain assignment (`param.value = x`) glides there over this many seconds.
SMOOTHING = 0.01

_SET, _LINEAR, _EXPONENTIAL, _TARGET, _CURVE, _MOVE = range(6)


class Param:
    """One automatable parameter of an effect (or a send's gain).

    Attributes
    ----------
    name : str
    initial : float
        Its value before any event.
    low, high : float
        Values are kept within these (what the core clamps to).
    smoothing : float
        Seconds a plain assignment to `value` glides over (0: it jumps).
    timeline : object
        Its compiled form, as the core follows it.

    Parameters
    ----------
    name : str
    initial, low, high : float
        As the attributes.
    install : callable, optional
        ``install(param, timeline)``: make whatever runs it follow a new timeline, and set
        `param.timeline` (under the lock that guards that). None: only set it.
    """

    def __init__(self, name: str, initial: float, low: float, high: float,
                 install: Callable[[Param, Any], None] | None = None):
        self.name, self.low, self.high = name, low, high
        self.initial = initial
        self.smoothing = SMOOTHING
        self._events: list[tuple] = []  # (frame, kind, value, extra), in frame order
        self._compiled = _compile(initial, self._events)
        self._install = install
        self._lock = threading.RLock()  # one change at a time, from any thread
        # What runs it, or None: its .now is the frame it renders next, ._param_frame() the
        # first a change made now surely reaches in time, ._heard() whether anything may have
        # been heard yet (else a new value needs no glide), .samplerate its rate.
        self._host: Any = None
        self.timeline = _fx.Timeline(self._compiled)

    def __repr__(self) -> str:
        return f"<Param {self.name} = {self.value:g}>"

    # ---- reading ----

    @property
    def value(self) -> float:
        """The value at the host's current frame. Assigning glides to the new value over
        `smoothing` seconds from there, cancelling what was scheduled after it.
        """
        return self.value_at(self._now())

    @value.setter
    def value(self, value: float) -> None:
        value = self._checked(value, f"{self.name}.value")
        with self._lock:
            now = self._now()
            rate = None if self._host is None else self._host.samplerate
            glide = round(self.smoothing * rate) if rate and self._host._heard() else 0
            events = self._held_at(now)
            if glide == 0:
                events.append((now, _SET, value, None))
            else:
                events += [(now, _SET, self.value_at(now), None),
                           (now + glide, _LINEAR, value, None)]
            self._changed(events)

    def value_at(self, frame: int) -> float:
        """The value at `frame` (host frames), as the core computes it."""
        frame = check.frame(frame, f"{self.name}.value_at frame")
        return _value_at(self._compiled, frame, self.low, self.high)

    # ---- scheduling ----

    def set(self, value: float, *, at: int) -> None:
        """The value is `value` from frame `at` on.

        Parameters
        ----------
        value : float
        at : int
            Host frame.
        """
        self._add(at, _SET, self._checked(value, f"{self.name}.set value"), None, "set")

    def linear_ramp(self, value: float, *, at: int) -> None:
        """Move in a straight line from the previous event to reach `value` at frame `at`.

        Parameters
        ----------
        value : float
        at : int
            Host frame the ramp ends at.
        """
        self._ramp(_LINEAR, value, at, "linear_ramp")

    def exponential_ramp(self, value: float, *, at: int) -> None:
        """Move exponentially from the previous event to reach `value` (nonzero) at `at`.

        Parameters
        ----------
        value : float
            Nonzero, of the previous value's sign.
        at : int
            Host frame the ramp ends at.
        """
        checked = self._checked(value, f"{self.name}.exponential_ramp value")
        if checked == 0:
            raise ValueError(f"{self.name}.exponential_ramp value: expected a nonzero value, "
                             "got 0")
        self._ramp(_EXPONENTIAL, checked, at, "exponential_ramp")

    def set_target(self, value: float, *, at: int, time_constant: float) -> None:
        """From frame `at`, approach `value` exponentially, with this time constant.

        Parameters
        ----------
        value : float
        at : int
            Host frame it starts at.
        time_constant : float
            Frames for the distance to shrink by a factor e (> 0).
        """
        tau = check.number(time_constant, f"{self.name}.set_target time_constant")
        if tau <= 0:
            raise ValueError(f"{self.name}.set_target time_constant: expected a number of "
                             f"frames > 0, got {time_constant!r}")
        self._add(at, _TARGET, self._checked(value, f"{self.name}.set_target value"), tau,
                  "set_target")

    def curve(self, values: Sequence[float] | np.ndarray, *, at: int, duration: int) -> None:
        """Follow `values`, spread evenly over frames at .. at + duration, linearly between
        them; then hold the last.

        Parameters
        ----------
        values : sequence of float
            At least two finite values.
        at : int
            Host frame it starts at.
        duration : int
            Frames it lasts (> 0).
        """
        what = f"{self.name}.curve"
        try:
            points = np.asarray(values)
        except (TypeError, ValueError):  # (ragged)
            points = np.asarray(None)
        if points.dtype.kind not in "iuf":
            raise TypeError(f"{what} values: expected a sequence of numbers, got "
                            f"{check._shown(values)}")
        points = points.astype(np.float64)
        if points.ndim != 1 or len(points) < 2 or not np.isfinite(points).all():
            raise ValueError(f"{what} values: expected two or more finite numbers, got "
                             f"{np.shape(values)}")
        with np.errstate(over="ignore"):  # (beyond float32's range: infinity, refused)
            as_float32 = points.astype(np.float32)
        if not ((self.low <= as_float32) & (as_float32 <= self.high)).all():
            raise ValueError(f"{what} values: expected {np.float32(self.low):g} .. "
                             f"{np.float32(self.high):g}, got {check._shown(values)}")
        start = check.frame(at, f"{what} at")
        duration = check.whole(duration, f"{what} duration", 1, check.MAX_FRAME,
                               "a number of frames")
        if start + duration > check.MAX_FRAME:
            raise ValueError(f"{what} duration: expected it to end by frame {check.MAX_FRAME},"
                             f" got {start} + {duration}")
        with self._lock:
            for frame, kind, _, extra in self._events:
                if frame < start + duration and (frame + extra if kind == _CURVE else frame) \
                        > start:
                    raise ValueError(f"{what}: frames {start} .. {start + duration} overlap "
                                     f"an event at frame {frame}")
            self._add(start, _CURVE, as_float32, duration, "curve")

    def cancel(self, *, at: int) -> None:
        """Remove every event at or after frame `at` (a ramp by the frame it ends at).

        Parameters
        ----------
        at : int
            Host frame.
        """
        at = check.frame(at, f"{self.name}.cancel at")
        with self._lock:
            self._changed([e for e in self._events if e[0] < at])

    def _move(self, value: float, at: int, ramp: int) -> None:
        """From wherever the timeline is at frame `at`, a straight line reaching `value` at
        `at + ramp` (a step at `at` when ramp is 0), then hold; a later move or set cuts it
        where it is. (What `Voice.set` and `Bus.set` schedule: an event keyed by its start.)
        """
        value = self._checked(value, f"{self.name} value")
        self._add(at, _MOVE, value, ramp, "move")

    def modulate(self, bus: Any, depth: float = 1.0) -> None:
        """Let a bus's output drive the parameter: its first channel times `depth` is added
        to the timeline's value, frame by frame (then kept within low .. high). The effect
        must be on a bus of the same engine; the driving bus is processed first (the graph
        must stay acyclic) and is not delayed for latency.

        Parameters
        ----------
        bus : Bus or None
            The driving bus (an LFO's, say); None stops.
        depth : float
            Parameter units per unit of the bus's signal.
        """
        modulate = getattr(self._host, "_modulate", None)
        if modulate is None:
            raise RuntimeError(f"{self.name}.modulate: only an effect's parameters can be "
                               "driven by a bus")
        modulate(self, bus, check.number(depth, f"{self.name}.modulate depth"))

    # ---- inside ----

    def _checked(self, value: Any, what: str) -> float:
        return within_float32(value, what, self.low, self.high)

    def _now(self) -> int:
        """The first frame a change made now lands on for sure."""
        return 0 if self._host is None else self._host._param_frame()

    def _ramp(self, kind: int, value: Any, at: int, what: str) -> None:
        value = self._checked(value, f"{self.name}.{what} value")
        frame = check.frame(at, f"{self.name}.{what} at")
        with self._lock:
            events = self._events
            if not any(e[0] < frame for e in events):  # it starts where the host is
                now = min(self._now(), frame)
                events = _inserted(events, (now, _SET, self.value_at(now), None))
            self._add(frame, kind, value, None, what, events)

    def _add(self, at: Any, kind: int, value: Any, extra: Any, what: str,
             events: list[tuple] | None = None) -> None:
        """Add an event to `events` (default: its own) and use them from now on."""
        frame = check.frame(at, f"{self.name}.{what} at")
        with self._lock:
            events = self._events if events is None else events
            for start, other, _, duration in events:
                if other == _CURVE and start < frame < start + duration and kind != _CURVE:
                    raise ValueError(f"{self.name}.{what} at: frame {frame} falls in the curve "
                                     f"from frame {start} to {start + duration}")
            self._changed(_inserted(events, (frame, kind, value, extra)))

    def _held_at(self, frame: int) -> list[tuple]:
        """The events that shape the value before `frame`, a ramp that reaches past it cut
        at `frame` where it is then (so that what comes before stays as it was).
        """
        kept = [e for e in self._events if e[0] < frame]
        later = [e for e in self._events if e[0] >= frame]
        if kept and later and later[0][1] in (_LINEAR, _EXPONENTIAL):
            kept.append((frame, later[0][1], self.value_at(frame), None))
        return kept

    def _changed(self, events: list[tuple]) -> None:
        """Use these events from now on: compiled, then handed to what runs the parameter."""
        events = self._forget_past(events)
        compiled = _compile(self.initial, events)
        timeline = _fx.Timeline(compiled)
        if self._install is not None:
            self._install(self, timeline)
        else:
            self.timeline = timeline
        self._events, self._compiled = events, compiled

    def _forget_past(self, events: list[tuple]) -> list[tuple]:
        """The events without those before the host's frame that no longer shape what comes:
        what leads to the piece of the timeline the host is in becomes one `set`.
        """
        now = 0 if self._host is None else self._host.now
        for kind, start, _, v0, _, _, _ in reversed(_compile(self.initial, events)):
            if start <= now:
                if start == INT64_MIN:
                    return events
                # (a target, curve or move is its own event at `start`; the rest end there)
                own = kind in (_fx.TARGET, _fx.CURVE) or any(
                    e[0] == start and e[1] == _MOVE for e in events)
                first = start if own else start + 1
                return [(start, _SET, v0, None)] + [e for e in events if e[0] >= first]
        return events


def _inserted(events: list[tuple], event: tuple) -> list[tuple]:
    """The events with `event` in its place: after those of its frame, replacing one of its
    kind there (as the spec's insertion rule has it).
    """
    frame, kind = event[0], event[1]
    kept = [e for e in events if not (e[0] == frame and e[1] == kind)]
    place = len(kept)
    while place > 0 and kept[place - 1][0] > frame:
        place -= 1
    return kept[:place] + [event] + kept[place:]


def _compile(initial: float, events: list[tuple]) -> list[tuple]:
    """The core's segments for these events: (kind, start, end, from, to, rate, curve points
    or None), in order, the first from INT64_MIN.
    """
    pieces: list[list] = [[_fx.HOLD, INT64_MIN, initial, initial, 0.0, None]]
    before: tuple[int, float] | None = None  # the previous event's frame and value

    def begin(kind: int, start: int, v0: float, v1: float, rate: float = 0.0,
              points: Any = None) -> None:
        while pieces and pieces[-1][1] >= start and len(pieces) > 1:
            pieces.pop()
        pieces.append([kind, start, v0, v1, rate, points])

    for frame, kind, value, extra in events:
        if kind == _SET:
            begin(_fx.HOLD, frame, value, value)
            before = (frame, value)
        elif kind in (_LINEAR, _EXPONENTIAL):
            t0, v0 = before if before is not None else (frame, value)
            if frame > t0 and kind == _EXPONENTIAL and v0 * value <= 0:
                begin(_fx.HOLD, t0, v0, v0)
            elif frame > t0:
                begin(_fx.LINEAR if kind == _LINEAR else _fx.EXPONENTIAL, t0, v0, value,
                      1.0 / (frame - t0))
            begin(_fx.HOLD, frame, value, value)
            before = (frame, value)
        elif kind == _TARGET:
            v0 = _pieces_value(pieces, frame)
            begin(_fx.TARGET, frame, v0, value, 1.0 / extra)
            before = (frame, v0)
        elif kind == _MOVE:
            v0 = _pieces_value(pieces, frame)
            if extra > 0:
                begin(_fx.LINEAR, frame, v0, value, 1.0 / extra)
            begin(_fx.HOLD, frame + extra, value, value)
            before = (frame + extra, value)
        else:  # _CURVE
            begin(_fx.CURVE, frame, float(value[0]), float(value[-1]), 1.0 / extra, value)
            begin(_fx.HOLD, frame + extra, float(value[-1]), float(value[-1]))
            before = (frame + extra, float(value[-1]))
    ends = [p[1] for p in pieces[1:]] + [INT64_MAX]
    return [(kind, start, end, v0, v1, rate, points)
            for (kind, start, v0, v1, rate, points), end in zip(pieces, ends, strict=True)]


def _value_at(segments: list[tuple], frame: int, low: float, high: float) -> float:
    for kind, start, end, v0, v1, rate, points in reversed(segments):
        if start <= frame:
            value = _segment_value(kind, start, end, v0, v1, rate, points, frame)
            return float(np.float32(min(max(value, low), high)))
    raise AssertionError("the first segment starts at INT64_MIN")


def within_float32(value: Any, what: str, low: float, high: float) -> float:
    """A finite number within a parameter's float32 bounds, as the core sees it: the bound
    0.001 is float32(0.001), a hair above 0.001 itself, which must still pass.
    """
    result = check.number(value, what)
    with np.errstate(over="ignore"):  # (beyond float32's range: infinity, refused below)
        as_float32 = float(np.float32(result))
    if not low <= as_float32 <= high:
        raise ValueError(f"{what}: expected {np.float32(low):g} .. {np.float32(high):g}, got "
                         f"{check._shown(value)}")
    return result


def _segment_value(kind: int, start: int, end: int, v0: float, v1: float, rate: float,
                   points: Any, t: int) -> float:
    """A segment's value at frame t, by the formulas the core uses."""
    if kind == _fx.LINEAR:
        return v0 + (v1 - v0) * ((t - start) * rate)
    if kind == _fx.EXPONENTIAL:
        return v0 * (v1 / v0) ** ((t - start) * rate)
    if kind == _fx.TARGET:
        return v0 if t == start else v1 + (v0 - v1) * math.exp(-(t - start) * rate)
    if kind == _fx.CURVE:
        x = (len(points) - 1) * (t - start) * rate
        k = int(x)
        if k >= len(points) - 1:
            return float(points[-1])
        return float(points[k]) + (float(points[k + 1]) - float(points[k])) * (x - k)
    return v0


def _pieces_value(pieces: list[list], t: int) -> float:
    """The value at t of the pieces compiled so far (the last one runs on)."""
    for i in range(len(pieces) - 1, -1, -1):
        kind, start, v0, v1, rate, points = pieces[i]
        if start <= t:
            end = pieces[i + 1][1] if i + 1 < len(pieces) else INT64_MAX
            if kind in (_fx.LINEAR, _fx.EXPONENTIAL) and (t - start) * rate >= 1:
                return v1
            return _segment_value(kind, start, end, v0, v1, rate, points, t)
    return pieces[0][2]

