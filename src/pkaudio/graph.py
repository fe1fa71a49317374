"""The engine's graph: which buses feed which, the effects on each, sidechains and the buses
that drive parameters. Python owns it; every change builds a new render plan (the buses in
processing order, each with its effects, sends and latency-compensating delays) that the core
swaps in whole between two passes, giving the old one back to be freed. The audio thread
never sorts, allocates or waits.

Edits do not click: an added effect fades in, a removed one fades out (over `FADE`) and then
leaves the plan, and only then is free to use elsewhere. The graph must be acyclic (a cycle is
refused), and where effects delay what passes through them (a limiter's lookahead, a
convolution's block), the paths that meet at a bus are delayed to line up: voices playing into
a bus wait for the slowest bus feeding it. Sidechains and parameter inputs are not delayed. An
edit that changes how much a path must be delayed starts its delay afresh: that path is
silent for as many frames as the delay grew by (a limiter added on one of two parallel buses
mutes the other for its lookahead), so put effects with latency in place before playing, or
on the master.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from . import _checks as check
from ._dsp.engine import AT_ONCE, DelayLine, Fade
from ._dsp.fx import ParamCell
from .fx.effect import Effect
from .fx.param import Param

if TYPE_CHECKING:
    from .engine import Bus, Engine

# Seconds an effect takes to fade in when added, and out when removed.
FADE = 0.005
# The fade of what is simply there (a bus's output, what was added before anything played).
STEADY = Fade(1.0, 1.0, 0, 0)


class Send:
    """What one bus adds into another: its output after its fader (or, pre_fader, after its
    effects), times `gain`. Made by `Bus.send`.

    Attributes
    ----------
    source, to : Bus
    gain : Param
        Linear, automatable like any parameter.
    pre_fader : bool
    """

    def __init__(self, engine: Engine, source: Bus, to: Bus, gain: float, pre_fader: bool):
        self.source, self.to, self.pre_fader = source, to, pre_fader
        self.gain = Param("gain", gain, -check.FLOAT32_MAX, check.FLOAT32_MAX, self._install)
        self.gain._host = engine
        self._cell = ParamCell(self.gain.timeline, -check.FLOAT32_MAX, check.FLOAT32_MAX)
        self._engine = engine
        self._part = _Part(STEADY)

    def _install(self, param: Param, timeline: Any) -> None:
        with self._engine._lock:
            self._engine._set_timeline(self._cell.address, param, timeline)

    def remove(self) -> None:
        """Stop sending."""
        self._engine._graph.remove_send(self)

    def __repr__(self) -> str:
        kind = "pre-fader " if self.pre_fader else ""
        return f"<Send {kind}{self.source.name!r} -> {self.to.name!r}>"


@dataclass(eq=False)
class _Part:
    """How an effect or a send comes in and goes (its Fade, in the plans that name it), and
    whether it is leaving.
    """

    fade: Fade
    leaving: bool = False

    def gone(self, graph: Graph) -> bool:
        """Whether it is leaving and has faded out by the frame the core renders next (a
        fade the core has not taken yet has not begun).
        """
        start = self.fade.start
        return self.leaving and start != AT_ONCE and \
            graph.engine.now >= start + self.fade.frames


@dataclass(eq=False)
class _Slot:
    """An effect in a bus's chain."""

    effect: Effect
    sidechain: Bus | None
    part: _Part
    move_to: int | None = None  # leaving to come back at this place in the chain


@dataclass(eq=False)
class _Bus:
    bus: Bus
    slots: list[_Slot] = field(default_factory=list)
    sends: list[Send] = field(default_factory=list)
    output: Send | None = None


class Graph:
    """The graph of one engine. Its methods run with the engine's lock held."""

    def __init__(self, engine: Engine, core: Any):
        self.engine, self.core = engine, core
        self.buses: dict[int, _Bus] = {}
        self.inputs: dict[Param, tuple[Bus, float]] = {}
        self.delays: dict[tuple, DelayLine] = {}
        self.dropped: list[Effect] = []  # out of the graph, not yet of a plan sent
        self.moved = False  # an effect came back in at its new place
        self.releasing: list[tuple[Effect, int]] = []  # out of the plan once it is taken
        self.latency = 0
        self.fade = max(1, round(FADE * engine.samplerate))

    # ---- edits ----

    def add_bus(self, bus: Bus, output: Bus | None) -> None:
        entry = _Bus(bus)
        self.buses[bus.id] = entry
        if output is not None:
            entry.output = Send(self.engine, bus, output, 1.0, False)
        self.rebuild()

    def add(self, bus: Bus, effect: Effect, index: int | None, sidechain: Bus | None) -> None:
        what = "Bus.add"
        if not isinstance(effect, Effect):
            raise TypeError(f"{what} effect: expected a pkaudio.fx effect, got "
                            f"{check._shown(effect)}")
        if sidechain is not None and not effect.takes_sidechain:
            raise ValueError(f"{what} sidechain: {type(effect).__name__} takes no sidechain")
        slots = self.buses[bus.id].slots
        staying = [s for s in slots if not s.part.leaving]
        index = len(staying) if index is None else \
            check.whole(index, f"{what} index", 0, len(staying), "a place in the chain")
        place = slots.index(staying[index]) if index < len(staying) else len(slots)
        with effect._lock:  # (not while another thread runs it by itself)
            if effect._owner is not None or effect._engine is not None:
                raise ValueError(f"{what}: {effect!r} already runs in a group or on a bus (a "
                                 "removed effect is free once it has faded out)")
            effect._node.prepare(self.engine.samplerate, self.engine.channels,
                                 self.engine.meter_interval)
            for part in effect._effects():
                part._engine = self.engine
        slot = _Slot(effect, sidechain, self.fading_in())
        slots.insert(place, slot)
        try:
            self.rebuild(f"{what} sidechain")
        except BaseException:
            slots.remove(slot)
            for part in effect._effects():
                part._engine = None
            raise

    def remove(self, bus: Bus, effect: Effect) -> None:
        slot = next((s for s in self.buses[bus.id].slots
                     if s.effect is effect and not s.part.leaving), None)
        if slot is None:
            raise ValueError(f"Bus.remove effect: {effect!r} is not on bus {bus.name!r}")
        self.fade_out(slot.part, "Bus.remove")

    def move(self, bus: Bus, effect: Effect, index: int) -> None:
        slots = self.buses[bus.id].slots
        slot = next((s for s in slots if s.effect is effect and not s.part.leaving), None)
        if slot is None:
            raise ValueError(f"Bus.move effect: {effect!r} is not on bus {bus.name!r}")
        staying = [s for s in slots if not s.part.leaving and s is not slot]
        slot.move_to = check.whole(index, "Bus.move index", 0, len(staying),
                                   "a place in the chain")
        self.fade_out(slot.part, "Bus.move")

    def fading_in(self) -> _Part:
        """A part added now: it fades in (at once before anything has played)."""
        running, now = self.engine.running, self.engine.now
        if not running and now == 0:
            return _Part(STEADY)
        return _Part(Fade(0.0, 1.0, AT_ONCE if running else now, self.fade))

    def fade_out(self, part: _Part, what: str) -> None:
        """Fade a part out, from now, from where its fade in has got to (it leaves the plan
        once faded).
        """
        old, now = part.fade, self.engine.now
        level = old.level if old.frames == 0 else 0.0 if old.start == AT_ONCE else \
            min(max((now - old.start) / old.frames, 0.0), 1.0)
        part.fade = Fade(level, 0.0, AT_ONCE if self.engine.running else now, self.fade)
        part.leaving = True
        try:
            self.rebuild(what)
        except BaseException:
            part.fade, part.leaving = old, False
            raise

    def send(self, bus: Bus, to: Bus, gain: float, pre_fader: bool) -> Send:
        entry = self.buses[bus.id]
        if any(s.to is to and s.pre_fader == pre_fader and not s._part.leaving
               for s in entry.sends):
            raise ValueError(f"Bus.send: {bus.name!r} already sends to {to.name!r} "
                             f"{'pre' if pre_fader else 'post'}-fader")
        send = Send(self.engine, bus, to, gain, pre_fader)
        send._part = self.fading_in()
        entry.sends.append(send)
        try:
            self.rebuild("Bus.send to")
        except BaseException:
            entry.sends.remove(send)
            raise
        return send

    def remove_send(self, send: Send) -> None:
        if send not in self.buses[send.source.id].sends or send._part.leaving:
            raise ValueError(f"Send.remove: {send!r} was removed already")
        self.fade_out(send._part, "Send.remove")

    def modulate(self, param: Param, bus: Bus | None, depth: float) -> None:
        if bus is None:
            self.inputs.pop(param, None)
            self.rebuild()
            return
        previous = self.inputs.get(param)
        self.inputs[param] = (bus, depth)
        try:
            self.rebuild(f"{param.name}.modulate bus")
        except BaseException:
            if previous is None:
                del self.inputs[param]
            else:
                self.inputs[param] = previous
            raise

    def tidy(self) -> None:
        """Let effects that have faded out leave the plan, and free those that have left."""
        if self.drop_faded():
            self.rebuild()
        still = []
        for effect, after in self.releasing:
            # (its parameters' changes sent while it was leaving must have been taken too)
            if self.core.commands_taken >= max(after, effect._last_command):
                for part in effect._effects():
                    part._engine = None
            else:
                still.append((effect, after))
        self.releasing = still

    def drop_faded(self) -> bool:
        """Take the effects whose fade out is over out of the graph (into `dropped`, to be
        freed once a plan without them is in). Returns whether there were any.
        """
        for entry in self.buses.values():
            entry.sends = [s for s in entry.sends if not s._part.gone(self)]
            for slot in [s for s in entry.slots if s.part.gone(self)]:
                if slot.move_to is not None:
                    entry.slots.remove(slot)  # back in at its new place, fading in
                    staying = [s for s in entry.slots if not s.part.leaving]
                    place = entry.slots.index(staying[slot.move_to]) \
                        if slot.move_to < len(staying) else len(entry.slots)
                    entry.slots.insert(place, _Slot(slot.effect, slot.sidechain,
                                                    self.fading_in()))
                    self.moved = True
                else:
                    entry.slots.remove(slot)
                    parts = set(slot.effect._effects())
                    for param in [p for p in self.inputs if p._host in parts]:
                        del self.inputs[param]
                    self.dropped.append(slot.effect)
        moved, self.moved = self.moved, False
        return bool(self.dropped) or moved

    # ---- the plan ----

    def host_bus(self, effect: Effect) -> Bus | None:
        """The bus whose chain runs `effect` (itself or within a group)."""
        root = effect._root()
        for entry in self.buses.values():
            if any(s.effect is root for s in entry.slots):
                return entry.bus
        return None

    def order(self, what: str = "the graph") -> list[int]:
        """Bus ids, each after every bus it reads: a topological order of the graph. A cycle
        is a ValueError that begins with `what` (the edit that would make it).
        """
        reads: dict[int, set[int]] = {i: set() for i in self.buses}
        for i, entry in self.buses.items():
            for send in entry.sends + ([entry.output] if entry.output else []):
                reads[send.to.id].add(i)
            for slot in entry.slots:
                if slot.sidechain is not None:
                    reads[i].add(slot.sidechain.id)
        for param, (source, _) in self.inputs.items():
            host = self.host_bus(param._host)
            if host is not None:
                reads[host.id].add(source.id)
        done: list[int] = []
        placed: set[int] = set()
        waiting = dict(reads)
        while waiting:
            ready = sorted(i for i, r in waiting.items() if r <= placed)
            if not ready:
                names = sorted(self.buses[i].bus.name for i in _on_cycles(waiting))
                raise ValueError(f"{what}: the graph would have a cycle through buses {names}: "
                                 "a bus cannot feed, sidechain or modulate itself, directly or "
                                 "through others")
            ready = [i for i in ready if i != 0] or ready  # the master last
            done.append(ready[0])
            placed.add(ready[0])
            del waiting[ready[0]]
        return done

    def rebuild(self, what: str = "the graph") -> int:
        """Build the plan from the graph and hand it to the core. Returns the command count
        that, once taken, means the core has swapped it in. `what` is the edit, for the error
        a cycle would raise.
        """
        self.core.reclaim()
        self.drop_faded()
        order = self.order(what)
        chain = {i: sum(s.effect.latency for s in e.slots) for i, e in self.buses.items()}
        arrives = dict.fromkeys(self.buses, 0)
        for i in order:
            entry = self.buses[i]
            for send in entry.sends + ([entry.output] if entry.output else []):
                arrives[send.to.id] = max(arrives[send.to.id], arrives[i] + chain[i])
        keep: list[Any] = []
        steps = []
        for i in order:
            entry = self.buses[i]
            nodes = [(s.effect._node.address, -1 if s.sidechain is None else s.sidechain.id,
                      s.part.fade) for s in entry.slots]
            keep += [s.effect for s in entry.slots] + [s.part.fade for s in entry.slots]
            sends = []
            for send in ([entry.output] if entry.output else []) + entry.sends:
                delay = self.delay(("send", id(send)),
                                   arrives[send.to.id] - arrives[i] - chain[i])
                sends.append((send.to.id, send._cell.address, delay, send.pre_fader,
                              send._part.fade))
                keep += [send, delay, send._part.fade]
            input_delay = self.delay(("input", i), arrives[i])
            keep.append(input_delay)
            steps.append((i, input_delay, nodes, sends))
        inputs = []
        for param, (source, depth) in self.inputs.items():
            effect = param._host
            inputs.append((effect._node.param_address(effect._index[param.name]), source.id,
                           depth))
        self.latency = arrives[0] + chain[0]
        used = {key for key, line in self.delays.items() if line in keep}
        self.delays = {k: v for k, v in self.delays.items() if k in used}
        self.engine._make_room()
        after = self.core.set_plan(steps, inputs, keep)
        self.releasing += [(effect, after) for effect in self.dropped]
        if self.dropped and not self.engine.running:  # offline: as the next render would
            self.core.take_commands()
        self.dropped = []
        return after

    def delay(self, key: tuple, frames: int) -> DelayLine | None:
        """The delay line for one path, kept across plans while its length holds."""
        if frames <= 0:
            return None
        line = self.delays.get(key)
        if line is None or line.frames != frames:
            line = self.delays[key] = DelayLine(frames, self.engine.channels)
        return line


def _on_cycles(reads: dict[int, set[int]]) -> set[int]:
    """Of buses that cannot be ordered, those on a cycle: without the ones only downstream
    of one (that no other of them reads).
    """
    left = set(reads)
    while True:  # (a bus that reads itself is on a cycle of its own)
        sinks = {i for i in left if not any(i in reads[j] for j in left)}
        if not sinks:
            return left
        left -= sinks
