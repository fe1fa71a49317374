"""The effect base class: one compiled node used three ways.

- On an array at once, as pedalboard's effects are: ``effect(x, samplerate)`` returns the
  processed copy (state reset first; latency taken out, so the output lines up with x; the
  tail after x's end when asked).
- On a stream of blocks with its state kept: ``effect.prepare(samplerate, channels)``, then
  ``effect.process(block)`` in place, ``effect.reset()``.
- On a bus of an engine: ``bus.add(effect)``; the engine's audio thread runs it.

Every parameter is a `Param` (an attribute of the effect: ``lp.frequency.linear_ramp(...)``;
assigning ``lp.frequency = 800`` is ``lp.frequency.value = 800``).
"""
from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from typing import Any, ClassVar

import numpy as np

from .. import _checks as check
from .._dsp import fx as _fx
from ..events import Event
from .param import INT64_MAX, INT64_MIN, Param, within_float32


class ParamAttribute:
    """A parameter as an attribute of its effect class: reading gives the `Param`,
    assigning sets its value (smoothed).
    """

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, effect: Effect | None, owner: type | None = None) -> Any:
        return self if effect is None else effect._params[self.name]

    def __set__(self, effect: Effect, value: float) -> None:
        effect._params[self.name].value = value


def _setting_timeline(value: float) -> Any:
    return _fx.Timeline([(_fx.HOLD, INT64_MIN, INT64_MAX, value, value, 0.0, None)])


class Effect:
    """An effect: a compiled node with automatable parameters (see the module's doc).

    Attributes
    ----------
    latency : int
        Frames it delays its input by (once prepared).
    tail : int
        Frames of output it keeps making after its input stops (once prepared).
    params : dict of str to Param
    """

    kind: ClassVar[str]  # the compiled node class
    takes_sidechain = False  # whether a sidechain can drive it

    def __init__(self, values: dict[str, Any] | None = None,
                 children: Sequence[Effect] = ()) -> None:
        values = dict(values or {})
        name = type(self).__name__
        self._params: dict[str, Param] = {}
        self._settings: dict[str, float] = {}
        self._index: dict[str, int] = {}
        timelines = []
        exposed = {key for key in dir(type(self))
                   if isinstance(getattr(type(self), key, None), ParamAttribute)}
        for i, (key, initial, low, high, setting) in enumerate(_fx.params(self.kind)):
            value = values.pop(key, None)
            value = initial if value is None else within_float32(value, f"{name} {key}", low,
                                                                  high)
            self._index[key] = i
            if setting or key not in exposed:
                self._settings[key] = value
                timelines.append(_setting_timeline(value))
            else:
                param = Param(key, value, low, high, self._install)
                param._host = self
                self._params[key] = param
                timelines.append(param.timeline)
        if values:
            raise TypeError(f"{name}: no parameter {sorted(values)[0]!r}")
        self._children = list(children)
        nodes: list[_fx.NodeHost] = [c._node for c in self._children]
        self._node: _fx.NodeHost = _fx.NodeHost(self.kind, timelines, nodes)
        self._node.source = id(self)  # what its events carry, to find it by
        self._lock = threading.RLock()
        self._owner: Effect | None = None  # a Chain or Mix it is part of
        self._engine: Any = None  # the engine whose bus runs it
        self._last_command = 0  # the engine's count once its last parameter change is taken

    def __repr__(self) -> str:
        values = ", ".join(f"{k}={p.value:g}" for k, p in self._params.items())
        return f"{type(self).__name__}({values})"

    def __call__(self, x: np.ndarray, samplerate: float, *, tail: bool = False,
                 sidechain: np.ndarray | None = None) -> np.ndarray:
        """The processed copy of `x`, from a fresh state.

        Parameters
        ----------
        x : numpy.ndarray
            float32 or float64, ``(frames,)`` or ``(frames, channels)``.
        samplerate : float
            Its frames a second.
        tail : bool
            Whether to go on past x's end for `tail` frames (what a reverb or delay still
            rings out), the input silent there.
        sidechain : numpy.ndarray, optional
            For effects with a sidechain: what drives them, shaped as x.

        Returns
        -------
        numpy.ndarray
            Shaped as x (longer by `tail` when asked), x's dtype; lined up with x (the
            effect's latency taken out).
        """
        name = f"{type(self).__name__}()"
        array = check.audio(x, f"{name} x")
        if array.dtype.kind != "f":
            raise TypeError(f"{name} x: expected dtype float32 or float64, got {array.dtype}")
        tail = check.boolean(tail, f"{name} tail")
        check.channels(array.shape[1], f"{name} x channels")
        if sidechain is not None and not self.takes_sidechain:
            raise ValueError(f"{name} sidechain: {type(self).__name__} takes no sidechain")
        with self._lock:  # prepared and run as one, whatever other threads do with it
            return self._one_shot(array, np.ndim(x), samplerate, tail, sidechain, name)

    def _one_shot(self, array: np.ndarray, ndim: int, samplerate: float, tail: bool,
                  sidechain: np.ndarray | None, name: str) -> np.ndarray:
        self.prepare(samplerate, array.shape[1])
        frames, latency = len(array), self.latency
        extra = self.tail if tail else 0
        side_array = None
        if sidechain is not None:
            side_array = check.audio(sidechain, f"{name} sidechain", array.shape[1], frames)
            if side_array.dtype.kind != "f":
                raise TypeError(f"{name} sidechain: expected dtype float32 or float64, got "
                                f"{side_array.dtype}")
        source = None
        # (float64 beyond float32's range becomes infinity, as the core would make it)
        with np.errstate(over="ignore"):
            if latency + extra == 0 and array.dtype == np.float32:
                # (the common case: x copied block by block as the node reaches it)
                block, source = np.empty_like(array), array
            elif latency + extra == 0:
                block = array.astype(np.float32)
            else:
                block = np.empty((frames + latency + extra, array.shape[1]), np.float32)
                block[:frames] = array
                block[frames:] = 0
            side = None
            if side_array is not None:
                side = np.zeros_like(block)
                side[:frames] = side_array
        self._run(block, side, source)
        out = block[latency:].astype(array.dtype, copy=False)
        return out[:, 0] if ndim == 1 else out

    def prepare(self, samplerate: float, channels: int, *, report_interval: int = 0) -> None:
        """Get ready to process blocks of `channels` channels at `samplerate`, from a fresh
        state (frames counted from 0).

        Parameters
        ----------
        samplerate : float
            Frames a second.
        channels : int
            1 .. 64.
        report_interval : int
            Frames between the reports of effects that report (dynamics: their gain
            reduction, see `events`), counted from frame 0; 0 (the default): none.
        """
        name = f"{type(self).__name__}.prepare"
        samplerate = check.samplerate(samplerate, f"{name} samplerate")
        channels = check.channels(channels, f"{name} channels")
        report_interval = check.frames(report_interval, f"{name} report_interval")
        with self._lock:
            self._free(name)
            self._node.prepare(samplerate, channels, report_interval)

    def reset(self) -> None:
        """Forget what came before (tails, envelopes), frames counted from 0 again."""
        with self._lock:
            self._free(f"{type(self).__name__}.reset")
            self._node.reset()

    def process(self, block: np.ndarray, sidechain: np.ndarray | None = None) -> np.ndarray:
        """Process a block in place, the state carried on from the last block.

        Parameters
        ----------
        block : numpy.ndarray
            float32, C order, writeable, ``(frames, channels)`` with the prepared channels
            (``(frames,)`` when prepared for 1).
        sidechain : numpy.ndarray, optional
            For effects with a sidechain: float32 shaped as block.

        Returns
        -------
        numpy.ndarray
            `block`.
        """
        name = f"{type(self).__name__}.process"
        if sidechain is not None and not self.takes_sidechain:
            raise ValueError(f"{name} sidechain: {type(self).__name__} takes no sidechain")
        with self._lock:
            self._free(name)
            if not self._node.prepared:
                raise RuntimeError(f"{name}: call prepare(samplerate, channels) first")
            rows = self._block(block, f"{name} block")
            side = None if sidechain is None else self._block(sidechain, f"{name} sidechain",
                                                              len(rows))
            self._node.process(rows, side)
        return block

    @property
    def latency(self) -> int:
        """Frames it delays what passes through (as prepared)."""
        return int(self._node.latency)

    @property
    def tail(self) -> int:
        """Frames of sound it makes after its input stops (as prepared)."""
        return int(self._node.tail)

    @property
    def params(self) -> dict[str, Param]:
        """Its automatable parameters by name."""
        return dict(self._params)

    @property
    def now(self) -> int:
        """The frame its host is at: the engine's next frame on a bus, else frames processed
        since prepare or reset (its parameters' events are in these frames).
        """
        root = self._root()
        return root._engine.now if root._engine is not None else root._node.frame

    def _heard(self) -> bool:
        root = self._root()
        return root._engine._heard() if root._engine is not None else root._node.frame > 0

    def _param_frame(self) -> int:
        root = self._root()
        return root._engine._param_frame() if root._engine is not None else root._node.frame

    @property
    def samplerate(self) -> float | None:
        """As prepared (None before)."""
        return self._node.samplerate if self._node.prepared else None

    def events(self) -> list[Event]:
        """What it, or an effect inside it, reported since the last call (effects that
        report, such as dynamics, when prepared with a `report_interval`), oldest first.
        """
        parts = {id(part): part for part in self._effects()}
        return [reduction_event(frame, peak, mean, parts.get(source))
                for _, frame, source, _, _, peak, mean in self._node.take_events()]

    # ---- inside ----

    def _root(self) -> Effect:
        effect = self
        while effect._owner is not None:
            effect = effect._owner
        return effect

    def _free(self, what: str) -> None:
        """Refuse to run it by itself while a group or an engine runs it."""
        root = self._root()
        if root is not self or self._engine is not None:
            holder = "an engine's bus" if root._engine is not None else repr(root)
            raise RuntimeError(f"{what}: {type(self).__name__} is part of {holder}; use that")

    def _block(self, block: Any, what: str, frames: int | None = None) -> np.ndarray:
        channels = self._node.channels
        if not isinstance(block, np.ndarray) or block.dtype != np.float32 or \
                not block.flags.c_contiguous or not block.flags.writeable:
            raise TypeError(f"{what}: expected a writeable float32 array in C order, got "
                            f"{check._shown(block)}")
        rows = block.reshape(-1, 1) if block.ndim == 1 and channels == 1 else block
        if rows.ndim != 2 or rows.shape[1] != channels or \
                (frames is not None and len(rows) != frames):
            raise ValueError(f"{what}: expected shape ({'frames' if frames is None else frames}"
                             f", {channels}), got {block.shape}")
        return rows

    def _run(self, block: np.ndarray, sidechain: np.ndarray | None,
             source: np.ndarray | None = None) -> None:
        with self._lock:
            self._node.process(block, sidechain, source)

    def _install(self, param: Param, timeline: Any) -> None:
        """Make the node follow a parameter's new timeline."""
        index = self._index[param.name]
        root = self._root()
        while True:  # (until it is on a bus or by itself throughout the change)
            engine = root._engine
            if engine is not None:
                with engine._lock:  # (what a bus's edits and the release hold)
                    if root._engine is engine:
                        root._last_command = engine._set_timeline(
                            self._node.param_address(index), param, timeline)
                        return
            else:
                with root._lock:  # (what running it, and adding it to a bus, hold)
                    if root._engine is None:
                        self._node.set_timeline(index, timeline)
                        param.timeline = timeline
                        return

    def _modulate(self, param: Param, bus: Any, depth: float) -> None:
        engine = self._root()._engine
        if engine is None:
            raise RuntimeError(f"{param.name}.modulate: {type(self).__name__} is on no bus; "
                               "add it to a bus of an engine first")
        with engine._lock:
            source = None if bus is None else engine._bus(bus, f"{param.name}.modulate bus")
            engine._graph.modulate(param, source, depth)

    def _effects(self) -> Iterable[Effect]:
        """It and every effect inside it."""
        yield self
        for child in self._children:
            yield from child._effects()


def reduction_event(frame: int, peak: float, mean: float, effect: Effect | None) -> Event:
    """A dynamics effect's report (the core's PK_EVENT_REDUCTION) as an Event."""
    return Event("reduction", frame, peak=(peak,), rms=(mean,), effect=effect)


class _Group(Effect):
    def __init__(self, effects: Iterable[Effect]) -> None:
        what = f"{type(self).__name__} effects"
        try:
            if isinstance(effects, (str, bytes)):
                raise TypeError
            effects = list(effects)
        except TypeError:  # (not iterable: a number, a 0-d array)
            raise TypeError(f"{what}: expected an iterable of effects, got "
                            f"{check._shown(effects)}") from None
        for effect in effects:
            if not isinstance(effect, Effect):
                raise TypeError(f"{what}: expected effects, got {check._shown(effect)}")
            if effect._owner is not None or effect._engine is not None:
                raise ValueError(f"{what}: {effect!r} is already part of a group or a bus")
        if len({id(e) for e in effects}) != len(effects):
            raise ValueError(f"{what}: an effect is listed twice")
        super().__init__(children=effects)
        self.takes_sidechain = any(effect.takes_sidechain for effect in effects)
        for effect in effects:
            effect._owner = self

    @property
    def effects(self) -> list[Effect]:
        return list(self._children)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._children!r})"


class Chain(_Group):
    """Effects in series, itself an effect: the latency and tail add up.

    Parameters
    ----------
    effects : iterable of Effect
        Each not part of another group or a bus.
    """

    kind = "chain"


class Mix(_Group):
    """Effects in parallel, each on the same input, summed; itself an effect. The quicker
    ones are delayed to line up with the one of most latency.

    Parameters
    ----------
    effects : iterable of Effect
        Each not part of another group or a bus.
    """

    kind = "mix"
