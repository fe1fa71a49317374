"""The engine: voices scheduled to the frame, rendered by the compiled core.

Python builds and steers; the core renders. `Engine.play` hands a voice to the core through a
lock-free command ring; `Engine.render` runs the core on the calling thread with the GIL
released (a device callback will run the same core); `Engine.events` collects what the core
reported. A voice's place in its sound follows from the engine's time, so the output is the
same whatever the block sizes.
"""
from __future__ import annotations

import asyncio
import math
import threading
import time
import weakref
from collections.abc import AsyncIterator, Callable
from typing import Any

import numpy as np

from . import _checks as check
from . import dsp
from ._design import QUALITIES, QualityName
from ._dsp.device import MOST_FRAMES
from ._dsp.engine import AT_ONCE, EVENT_CAPACITY, MAX_RATE, MIN_RATE, EngineCore
from ._dsp.engine import INPUT as CORE_INPUT
from ._dsp.level import pan_gains
from .buffering import DiskStream, Sound
from .events import Event
from .fx.effect import Effect, reduction_event
from .fx.param import Param
from .graph import Graph, Send
from .realtime import (
    DeviceRun,
    NullDevice,
    Output,
    Recorder,
    RecordSource,
    SecondInput,
    SecondOutput,
)

__all__ = ["Bus", "Clock", "Engine", "Input", "Voice"]

# Frames of a DiskStream a voice holds to read between (its window).
STREAM_WINDOW = 1024
# Sounds (in memory) up to this long: positions in them are 32.32 fixed point.
MAX_SOUND = (1 << 31) - 1
# Ramps and releases up to this long (12 hours at 48 kHz).
MAX_RAMP = (1 << 31) - 1
# A change's default ramp: short enough to feel immediate, long enough not to click.
DEFAULT_RAMP = 0.005
# Seconds to wait for the audio thread to make room for a command.
COMMAND_WAIT = 2.0
# Seconds between looks for events from a thread that does not say when it posts them.
EVENT_POLL = 0.005
# The most frames one render returns (12 hours at 48 kHz): longer pieces render in parts.
MOST_RENDER = (1 << 31) - 1
# Seconds an offline render waits for a disk stream's reader before it plays what is
# missing as silence (reported as an underrun): a reader this stuck is not coming back.
STREAM_WAIT = 10.0


# Seconds between a running engine's housekeeping: freeing what the core gave back, and
# letting effects and sends that have faded out leave the graph.
HOUSEKEEPING = 0.02


def _keep_house(engine: weakref.ref, stop: threading.Event) -> None:
    """While a device runs the engine (until `stop`), tidy up after the core now and then:
    the user's own thread may never call into the engine again.
    """
    while not stop.wait(HOUSEKEEPING):
        running = engine()
        if running is None:
            return
        with running._lock:
            running._core.reclaim()
            running._graph.tidy()
        del running


def _stop_dropped(run: DeviceRun) -> None:
    """An engine dropped while it ran: stop its device. The collector may run this on any
    thread, even the audio thread or a recorder's, which cannot stop themselves: then a
    thread of its own does it.
    """
    if threading.current_thread() is threading.main_thread():
        run.stop()
    else:
        threading.Thread(target=run.stop, name="pkaudio stop", daemon=True).start()


class Clock:
    """The seed's clock: which period of frames is being rendered.

    ``set(frame, frames)`` says that the next render covers `frames` frames from engine frame
    `frame`.
    """

    def __init__(self) -> None:
        self.frame = 0
        self.frames = 0

    def set(self, frame: int, frames: int) -> None:
        """Say that the next render covers `frames` frames from engine frame `frame`.

        Parameters
        ----------
        frame : int
        frames : int
        """
        self.frame = check.frame(frame, "Clock.set frame")
        self.frames = check.frames(frames, "Clock.set frames")


def _devices(devices: Any, what: str) -> list[Any]:
    """An engine's `outputs` or `inputs`: a list or tuple of devices (None: none)."""
    if devices is None:
        return []
    if not isinstance(devices, (list, tuple)):
        raise TypeError(f"{what}: expected a list of devices, got {type(devices).__name__} "
                        f"{devices!r}")
    return list(devices)


def channel_gains(gain: float, pan: float | None, sources: int, channels: int, what: str
                  ) -> list[float]:
    """The gain of each output channel for a source of `sources` channels.

    On a stereo engine, `pan` (-1 left .. 1 right) places a mono source by the constant-power
    law of `pkaudio.dsp.pan` (-3 dB each side at the centre), and balances a source of more
    channels (or a bus): the far side falls as cos(|pan| pi / 2), the near side stays. None
    pans nothing: a mono source plays as it is in every channel (as Web Audio up-mixes). Other
    engines take no pan: every channel gets `gain`.
    """
    gain = check.gain(gain, f"{what} gain")
    if pan is None:
        return [gain] * channels
    pan = check.within(pan, f"{what} pan", -1.0, 1.0, " (left .. right)")
    if channels != 2:
        if pan != 0:
            raise ValueError(f"{what} pan: needs a stereo engine, this one has {channels} "
                             "channels")
        return [gain] * channels
    if sources == 1:
        left, right = pan_gains(pan)
        return [gain * left, gain * right]
    far = gain * math.cos(abs(pan) * math.pi / 2)
    return [gain, far] if pan < 0 else [far, gain]


def loop_region(loop: bool | tuple[int, int], frames: int, what: str = "Engine.play loop"
                ) -> tuple[int, int]:
    """(start, end) of the frames that repeat; (0, 0) for none."""
    if isinstance(loop, tuple):
        if len(loop) != 2:
            raise ValueError(f"{what}: expected (start, end), got {loop!r}")
        start = check.frames(loop[0], f"{what} start", frames)
        end = check.frames(loop[1], f"{what} end", frames)
        if not start < end:
            raise ValueError(f"{what}: expected start < end <= {frames} (the sound's frames), "
                             f"got {loop!r}")
        return start, end
    if not isinstance(loop, (bool, np.bool_)):
        raise TypeError(f"{what}: expected True, False or (start, end), got "
                        f"{type(loop).__name__} {loop!r}")
    if loop and frames == 0:
        raise ValueError(f"{what}: an empty sound cannot loop")
    return (0, frames) if loop else (0, 0)


def checked_rate(rate: float, what: str) -> float:
    return check.within(rate, what, MIN_RATE, MAX_RATE)


class Input:
    """The engine's input: a running device's (``Engine.start(input_channels=...)``), or what
    `Engine.render` is given as ``input``. Play it as a voice, ``engine.play(engine.input)``,
    to hear it, send it through a bus, meter it; silent when there is none.
    """

    def __repr__(self) -> str:
        return "<the engine's input>"


INPUT = Input()


class DeviceSource:
    """An input device of an engine, on its own clock (``Engine(inputs=[...])``): play it
    with ``engine.play(engine.inputs[i])``.
    """

    def __init__(self, engine: Engine, device):
        if isinstance(device, NullDevice) and device.source is None:
            raise ValueError(f"Engine input {device.name}: a NullDevice input needs a "
                             "source= to record")
        self.engine, self.device = engine, device
        self._second: SecondInput | None = None

    def second(self) -> SecondInput:
        """Its link to the engine's clock, made on first use."""
        if self._second is None:
            self._second = SecondInput(self.device, self.engine.samplerate,
                                       self.engine.blocksize)
        return self._second

    def __repr__(self) -> str:
        return f"<input {self.device!r}>"


# A voice's pan laws (the core's PK_LAW_*): unpanned, a mono source's constant power, balance.
LAW_NONE, LAW_MONO, LAW_BALANCE = 0, 1, 2


def pan_law(pan: float | None, sources: int, channels: int) -> int:
    """The law that places a source of `sources` channels panned at `pan` (None: unpanned)
    in `channels`, as `channel_gains` has it.
    """
    if pan is None or channels != 2:
        return LAW_NONE
    return LAW_MONO if sources == 1 else LAW_BALANCE


class Voice:
    """A sound playing (or due to play) on an engine; returned by `Engine.play`.

    Attributes
    ----------
    id : int
        The id its events carry.
    start : int or None
        The engine frame its first frame was asked to play at; None for one played on a
        running device without `at`, which starts as soon as the device takes it. Its
        "voice_start" event says on which frame it did: a voice the core takes after its
        frame has passed starts then, from its first frame, and a "late" event says by how
        many frames.
    gain : Param
        Linear, automatable in engine frames like an effect's parameters.
    pan : Param
        -1 (left) .. 1 (right), placed by `channel_gains`'s law; it counts only once the
        voice is `panned` (and only on a stereo engine).
    panned : bool
        Whether it was played with a pan, or one was set since (None: not panned).
    rate : Param
        Sound frames per engine frame (1/256 .. 256), automatable likewise.
    """

    def __init__(self, engine: Engine, start: int | None, gain: float, pan: float | None,
                 rate: float, channels: int):
        self.engine, self.start = engine, start
        self.gain = Param("gain", gain, -check.FLOAT32_MAX, check.FLOAT32_MAX, self._install)
        self.pan = Param("pan", 0.0 if pan is None else pan, -1.0, 1.0, self._install)
        self.rate = Param("rate", rate, MIN_RATE, MAX_RATE, self._install)
        self.gain._host = self.pan._host = self.rate._host = engine
        self.panned = pan is not None
        self._channels = channels  # of what it plays: the pan law follows them
        self.id = -1

    def _params(self, pan: float | None) -> tuple[Any, Any, Any, int]:
        """What the core's play takes: the timelines' addresses and the pan law."""
        law = pan_law(pan, self._channels, self.engine.channels)
        return self.gain.timeline, self.pan.timeline, self.rate.timeline, law

    def _install(self, param: Param, timeline: Any) -> None:
        engine = self.engine
        with engine._lock:
            engine._core.reclaim()
            engine._make_room()
            # (after reclaim, which may free it: an ended voice takes nothing)
            which = 0 if param is self.gain else 1 if param is self.pan else 2
            engine._core.set_voice_timeline(self.id, which, timeline, param.timeline)
            param.timeline = timeline

    def stop(self, at: int | None = None, *, release: int = 0) -> None:
        """Stop at engine frame `at` (default: the next frame rendered), fading out over
        `release` frames from there (default 0: a cut on the frame).

        Parameters
        ----------
        at : int, optional
            The engine frame.
        release : int
            Frames of the fade.
        """
        release = check.frames(release, "Voice.stop release", MAX_RAMP)
        self.engine._send(lambda core, frame: core.stop(self.id, frame, release), at,
                          "Voice.stop")

    def set(self, *, gain: float | None = None, pan: float | None = None,
            rate: float | None = None, ramp: int | None = None, at: int | None = None) -> None:
        """Change gain, pan and/or rate from engine frame `at`, moving there in a straight
        line over `ramp` frames (default: 5 ms) from wherever each is then, so that a change
        makes no zipper noise; a later change cuts it short where it has got to. Sugar for
        moves of the `gain`, `pan` and `rate` Params. A pan on a voice played unpanned switches it
        to its pan law on frame `at` (the glide starts from the centre).

        Parameters
        ----------
        gain, pan, rate : float, optional
            As `Engine.play` takes them; None leaves one as it is.
        ramp : int, optional
            Frames the change takes.
        at : int, optional
            The engine frame it starts at. Default: offline, the next frame rendered; on a
            running device, the first frame a change made now surely reaches in time (past
            the block the device may be rendering), as for effects' parameters.
        """
        engine = self.engine
        ramp = engine._ramp(ramp, "Voice.set ramp")
        if rate is not None:
            rate = checked_rate(rate, "Voice.set rate")
        channel_gains(1.0 if gain is None else gain, pan, self._channels, engine.channels,
                      "Voice.set")  # checked before sending
        frame = engine._param_at(at, "Voice.set at")
        if gain is not None:
            self.gain._move(gain, frame, ramp)
        if pan is not None:
            if not self.panned:
                law = pan_law(pan, self._channels, engine.channels)
                engine._send(lambda core, _: core.set_law(self.id, frame, law), frame,
                             "Voice.set")
                self.panned = True
            self.pan._move(pan, frame, ramp)
        if rate is not None:
            self.rate._move(rate, frame, ramp)

    def __repr__(self) -> str:
        return f"<Voice {self.id} from frame {self.start}>"


class Bus:
    """A mix of voices with its own gain, pan, mute and meter; it feeds the master (or another
    bus). Made by `Engine.bus`; the master is `Engine.master`.

    Attributes
    ----------
    name : str
    gain : Param
        Its fader, linear: automatable like an effect's parameters (``bus.gain.linear_ramp(0.5,
        at=48000)``), in engine frames.
    pan : Param
        Balance, -1 (left) .. 1 (right), on a stereo engine (other engines ignore it).
    muted : bool
        As last set.
    """

    def __init__(self, engine: Engine, name: str, gain: float, pan: float, id: int | None = None):
        self.engine, self.name = engine, name
        self.gain = Param("gain", gain, -check.FLOAT32_MAX, check.FLOAT32_MAX, self._install)
        self.pan = Param("pan", pan, -1.0, 1.0, self._install)
        # The mute's level, 1 playing .. 0 muted, multiplying the gain.
        self._level = Param("mute", 1.0, 0.0, 1.0, self._install)
        self.muted = False
        params = (self.gain, self.pan, self._level)
        for param in params:
            param._host = engine
        timelines = tuple(p.timeline.address for p in params)
        if id is None:
            id = engine._core.add_bus(timelines)
        else:
            engine._core.start_master(timelines)
        self.id = id
        self._addresses = dict(zip(params, engine._core.bus_params(id), strict=True))

    def _install(self, param: Param, timeline: Any) -> None:
        with self.engine._lock:
            self.engine._set_timeline(self._addresses[param], param, timeline)

    def set(self, *, gain: float | None = None, pan: float | None = None,
            mute: bool | None = None, ramp: int | None = None, at: int | None = None) -> None:
        """Change gain, pan and/or mute from engine frame `at`, moving there in a straight
        line over `ramp` frames (default: 5 ms) from wherever each is then; a later change
        cuts it short where it has got to. Sugar for moves of the `gain` and `pan` Params.

        Parameters
        ----------
        gain : float, optional
            Linear.
        pan : float, optional
            Balance, -1 (left) .. 1 (right), on a stereo engine.
        mute : bool, optional
        ramp : int, optional
            Frames the change takes.
        at : int, optional
            The engine frame it starts at. Default: offline, the next frame rendered; on a
            running device, the first frame a change made now surely reaches in time (past
            the block the device may be rendering), as for effects' parameters.
        """
        engine = self.engine
        ramp = engine._ramp(ramp, "Bus.set ramp")
        channel_gains(1.0 if gain is None else gain, 0.0 if pan is None else pan,
                      engine.channels, engine.channels, "Bus.set")  # checked before sending
        mute = None if mute is None else check.boolean(mute, "Bus.set mute")
        frame = engine._param_at(at, "Bus.set at")
        if gain is not None:
            self.gain._move(gain, frame, ramp)
        if pan is not None:
            self.pan._move(pan, frame, ramp)
        if mute is not None:
            self._level._move(0.0 if mute else 1.0, frame, ramp)
            self.muted = mute

    def add(self, effect: Effect, index: int | None = None, *,
            sidechain: Bus | str | None = None) -> None:
        """Insert an effect in the bus's chain (before its fader and meter); it fades in.

        Parameters
        ----------
        effect : pkaudio.fx.Effect
            Not running anywhere else (prepared here, at the engine's rate and channels).
        index : int, optional
            Its place in the chain (default: last).
        sidechain : Bus or str, optional
            For effects with a sidechain (a compressor's key input): the bus whose output
            drives it (processed before this one).
        """
        engine = self.engine
        with engine._lock:
            side = None if sidechain is None else engine._bus(sidechain, "Bus.add sidechain")
            engine._graph.add(self, effect, index, side)

    def remove(self, effect: Effect) -> None:
        """Take an effect out of the chain: it fades out, then leaves, and is free to use
        elsewhere once the engine has rendered past its fade (and `effects`, `events` or
        `render` has looked).

        Parameters
        ----------
        effect : pkaudio.fx.Effect
        """
        with self.engine._lock:
            self.engine._graph.remove(self, effect)

    def move(self, effect: Effect, index: int) -> None:
        """Move an effect to another place in the chain: it fades out where it is, then in
        at its new place (its state carried on).

        Parameters
        ----------
        effect : pkaudio.fx.Effect
        index : int
            Its new place among the other effects of the chain (0: first).
        """
        with self.engine._lock:
            self.engine._graph.move(self, effect, index)

    @property
    def effects(self) -> list[Effect]:
        """The effects in its chain, in order (not those fading out)."""
        with self.engine._lock:
            self.engine._graph.tidy()
            return [s.effect for s in self.engine._graph.buses[self.id].slots
                    if not s.part.leaving]

    def send(self, to: Bus | str, *, gain: float = 1.0, pre_fader: bool = False) -> Send:
        """Add a send: this bus's output also goes into `to`, times `gain`.

        Parameters
        ----------
        to : Bus or str
            The bus it feeds (the graph must stay acyclic).
        gain : float
            Linear; the send's `gain` Param automates it.
        pre_fader : bool
            Take it after the effects but before the fader (a monitor or parallel mix
            independent of the fader), rather than after the fader.

        Returns
        -------
        Send
        """
        engine = self.engine
        gain = check.gain(gain, "Bus.send gain")
        pre_fader = check.boolean(pre_fader, "Bus.send pre_fader")
        with engine._lock:
            target = engine._bus(to, "Bus.send to")
            return engine._graph.send(self, target, gain, pre_fader)

    @property
    def sends(self) -> list[Send]:
        """Its sends (not its output; not those fading out)."""
        with self.engine._lock:
            return [s for s in self.engine._graph.buses[self.id].sends if not s._part.leaving]

    def __repr__(self) -> str:
        return f"<Bus {self.name!r}>"


class Engine:
    """Voices mixed through buses by the compiled render core.

    Parameters
    ----------
    samplerate : float
        Frames per second.
    channels : int
        Output channels (1 .. 64).
    blocksize : int
        Frames per block when a device drives the engine (`render` takes any number).
    meter_interval : int
        Frames between "peak" events (peak and RMS of each bus and the master); 0, the
        default, posts none.
    event_capacity : int
        Events the core can hold for `events` to collect (rounded up to a power of two). On
        a device, events that find it full are lost: counted (``stats()["lost_events"]``)
        and reported by an "events_lost" event. Offline, `render` keeps what does not fit
        (up to a million events more), so none is lost.
    outputs : list, optional
        Devices for `start` to play on together (each as `start` takes a device, or an
        `Output` saying which bus and channels it plays; default: the master, all channels).
        The first clocks the render; each other one runs on its own clock, fed through a
        resampler whose ratio follows the drift between the clocks, so that none of them
        underruns however far apart the clocks are (``stats()["outputs"]``).
    inputs : list, optional
        Input devices on clocks of their own, brought to the engine's the same way: play
        one with ``engine.play(engine.inputs[i])`` (``stats()["inputs"]``).
    """

    input = INPUT

    def __init__(self, samplerate: float = 48000, channels: int = 2, blocksize: int = 256, *,
                 meter_interval: int = 0, event_capacity: int = EVENT_CAPACITY,
                 outputs: list | None = None, inputs: list | None = None):
        samplerate = check.samplerate(samplerate, "Engine samplerate")
        channels = check.channels(channels, "Engine channels")
        blocksize = check.whole(blocksize, "Engine blocksize", 1, MOST_FRAMES,
                                "a number of frames")
        meter_interval = check.frames(meter_interval, "Engine meter_interval")
        event_capacity = check.whole(event_capacity, "Engine event_capacity", 64, 1 << 24,
                                     "a number of events")
        self.samplerate, self.channels, self.blocksize = samplerate, channels, blocksize
        self.meter_interval = meter_interval
        self._core = EngineCore(channels, samplerate, meter_interval,
                                1 << (event_capacity - 1).bit_length())
        self._lost_events = 0  # as last reported by an "events_lost" event
        self._lock = threading.Lock()  # commands from several threads, one at a time
        self._device_lock = threading.Lock()  # one start() or stop() at a time
        self._rendered = threading.Condition()  # wakes threads waiting for events
        self._default_ramp = round(DEFAULT_RAMP * samplerate)
        self.master = Bus(self, "master", 1.0, 0.0, id=0)
        self._buses = {"master": self.master}
        self._graph = Graph(self, self._core)
        self._graph.add_bus(self.master, None)
        self._streams: dict[int, DiskStream] = {}  # voice id -> its stream, for error messages
        self._levels: list = []  # a bus's meter events read so far, channel by channel
        self._run: DeviceRun | None = None  # the device rendering the engine, if one is
        self._last_run: DeviceRun | None = None
        self._stop_at_exit: weakref.finalize | None = None
        self._housekeeping = threading.Event()  # set: no housekeeping thread runs
        self._housekeeper: threading.Thread | None = None
        self.outputs = [o if isinstance(o, Output) else Output(o)
                        for o in _devices(outputs, "Engine outputs")]
        self.inputs = [DeviceSource(self, device) for device in _devices(inputs, "Engine inputs")]

    @property
    def now(self) -> int:
        """Frames rendered so far: the engine frame the next render starts at."""
        return self._core.now

    @property
    def buses(self) -> dict[str, Bus]:
        """The buses by name, the master among them."""
        return dict(self._buses)

    def bus(self, name: str, *, gain: float = 1.0, pan: float = 0.0,
            output: Bus | str | None = None) -> Bus:
        """Add a bus called `name` feeding `output` (default: the master).

        Parameters
        ----------
        name : str
        gain : float
            Its fader, linear.
        pan : float
            Balance, -1 (left) .. 1 (right), on a stereo engine.
        output : Bus or str, optional
            The bus it feeds.

        Returns
        -------
        Bus
        """
        name = check.text(name, "Engine.bus name")
        channel_gains(gain, pan, self.channels, self.channels, "Engine.bus")  # (checks)
        with self._lock:
            if name in self._buses:
                raise ValueError(f"Engine.bus: there is already a bus called {name!r}")
            feeds = self._bus(self.master if output is None else output, "Engine.bus output")
            self._make_room()
            bus = Bus(self, name, float(gain), float(pan))
            self._buses[name] = bus
            self._graph.add_bus(bus, feeds)
        return bus

    @property
    def latency(self) -> int:
        """Frames the effects on the way to the master delay what plays (the slowest path;
        the others are delayed to line up with it).
        """
        with self._lock:
            return self._graph.latency

    def _heard(self) -> bool:
        """Whether anything may have been heard yet (a device runs it, or it has rendered)."""
        return self._run is not None or self.now > 0

    def _param_frame(self) -> int:
        """The first frame a parameter change made now surely reaches in time: on a device,
        past the block it may be rendering.
        """
        run = self._run
        return self.now + (run.blocksize if run is not None else 0)

    def _set_timeline(self, address: int, param: Any, timeline: Any) -> int:
        """Make the core's parameter at `address` follow `timeline`, and `param` (its Param)
        hold it (with the engine's lock held). Returns the command count that, once taken,
        means the core has it.
        """
        self._core.reclaim()
        self._make_room()
        written = self._core.set_timeline(address, timeline, param.timeline)
        param.timeline = timeline
        return written

    def _bus(self, bus: Bus | str, what: str) -> Bus:
        found = self._buses.get(bus) if isinstance(bus, str) else bus
        if not isinstance(found, Bus) or found.engine is not self:
            raise ValueError(f"{what}: expected a bus of this engine or one of the names "
                             f"{sorted(self._buses)}, got {bus!r}")
        return found

    def play(self, sound: Sound | DiskStream | np.ndarray | Input | DeviceSource, *,
             at: int | None = None, gain: float = 1.0, pan: float | None = None,
             rate: float = 1.0, loop: bool | tuple[int, int] = False,
             bus: Bus | str | None = None, quality: QualityName = "high") -> Voice:
        """Play a sound from engine frame `at` (default: the next frame rendered), exactly
        from that frame, into `bus`.

        A Sound or DiskStream at another sample rate than the engine's is brought to the
        engine's rate (by `pkaudio.dsp.resample` at `quality`: a Sound when played, a
        stream by its reader as it reads), so that it plays at its own pitch and length.
        `rate` is varispeed on top of that (2: an octave up, in half the time), read between
        frames by Catmull-Rom interpolation (the resampler's "quick"). A sound plays
        unmodified unless `gain`, `pan` or `rate` say otherwise.

        A mono sound goes to every channel; a sound of other channels maps channel c of the
        output to channel c modulo its channels. `Engine.input` plays the engine's input as
        it comes (until stopped), and each of `Engine.inputs` another device's. A DiskStream
        plays once (open it with ``loop=True`` to repeat it); the voice ends where the stream
        does. Its underruns and a read error are reported as this engine's "underrun" and
        "error" events (and the stream's own). Offline, `render` waits for a stream's reader:
        nothing is missed.

        A voice whose `at` has passed when the core takes it (late on a running device, or
        behind `now` offline) starts on the frame the core takes it, from its first frame,
        and a "late" event says how late it is.

        Parameters
        ----------
        sound : Sound, DiskStream, numpy.ndarray, Engine.input or an item of Engine.inputs
            An array is ``(frames,)`` or ``(frames, channels)`` at the engine's rate (int16,
            int32, float32 or float64; float32 C-contiguous arrays are played in place).
        at : int, optional
            The engine frame its first frame plays at.
        gain : float
            Linear, within what float32 holds.
        pan : float, optional
            -1 (left) .. 1 (right), on a stereo engine: for a mono sound, the constant-power
            law of `pkaudio.dsp.pan` (-3 dB each side at 0); for a sound of more channels, a
            balance (0 leaves it as it is). None, the default, pans nothing: a mono sound
            plays as it is in every channel.
        rate : float
            Varispeed, 1/256 .. 256.
        loop : bool or (int, int)
            True repeats the whole sound; ``(start, end)`` its frames start .. end-1 after a
            first pass up to `end` (in the sound's own frames). A looping voice plays until
            stopped.
        bus : Bus or str, optional
            Where it plays (default: the master).
        quality : {"quick", "low", "medium", "high", "very_high"}
            Of the conversion from a sound's own rate to the engine's.

        Returns
        -------
        Voice
        """
        gain = check.gain(gain, "Engine.play gain")
        rate = checked_rate(rate, "Engine.play rate")
        quality = check.choice(quality, "Engine.play quality", tuple(QUALITIES))
        # What the core's voice plays: a stream, the input (`owner`), a second device's
        # input (`owner` keeps its `link`), or `data`, repeating loop_start .. loop_end.
        stream: DiskStream | None = None
        owner: object = None
        link = loop_start = loop_end = 0
        if sound is INPUT or isinstance(sound, DeviceSource):
            if rate != 1:
                raise ValueError(f"Engine.play rate: the input plays as it comes, at rate 1; "
                                 f"got {rate:g}")
            if loop is not False:
                raise ValueError(f"Engine.play loop: the input plays as it comes, once; got "
                                 f"{loop!r}")
            data, owner, channels = np.zeros((0, 1), np.float32), CORE_INPUT, 1
            if isinstance(sound, DeviceSource):
                if sound.engine is not self:
                    raise ValueError("Engine.play: an input of another engine")
                state = sound.second().state
                owner, link, channels = state, state.link, state.channels
        elif isinstance(sound, DiskStream):
            if loop is not False:
                raise ValueError("Engine.play: a DiskStream loops with DiskStream(..., "
                                 "loop=True)")
            data = np.zeros((STREAM_WINDOW, sound.channels), np.float32)  # (its window)
            stream, channels = sound, sound.channels
        else:
            data, loop_start, loop_end = self._sound_data(sound, loop, quality)
            channels = data.shape[1]
        channel_gains(gain, pan, channels, self.channels, "Engine.play")  # (checks)
        pan = None if pan is None else float(pan)
        with self._lock:
            start = self._at(at, "Engine.play at")
            bus_id = self._bus(self.master if bus is None else bus, "Engine.play bus").id
            self._make_room()
            voice = Voice(self, None if start == AT_ONCE else start, float(gain), pan, rate,
                          channels)
            params = voice._params(pan)
            if stream is not None:
                voice.id = self._play_stream(data, start, params, rate, bus_id, stream,
                                             quality)
            else:
                voice.id = self._core.play(data, start, params, rate, loop_start, loop_end,
                                           bus_id, owner=owner, link=link)
        return voice

    def _sound_data(self, sound: object, loop, quality: QualityName
                    ) -> tuple[np.ndarray, int, int]:
        """A sound's frames as the core reads them, (frames, channels) float32 in C order at
        the engine's rate, and its loop's start and end there; TypeError unless `sound` is a
        Sound or an array.
        """
        if isinstance(sound, Sound):
            data, rate = sound.data, sound.samplerate
        elif isinstance(sound, np.ndarray):
            data, rate = sound, self.samplerate
        else:
            raise TypeError(f"Engine.play sound: expected a Sound, a DiskStream, an array, "
                            f"Engine.input or one of Engine.inputs, got "
                            f"{type(sound).__name__}")
        data = check.audio(data, "Engine.play sound")
        loop_start, loop_end = loop_region(loop, len(data))
        if data.dtype != np.float32:
            data = dsp.convert(data, "float32")
        if rate != self.samplerate:
            check.conversion(rate, self.samplerate, "Engine.play sound")
            ratio = self.samplerate / rate
            data = dsp.resample(data, rate, self.samplerate, quality=quality)
            loop_start, loop_end = round(loop_start * ratio), round(loop_end * ratio)
            if loop_end and loop_start == loop_end:  # shorter than a frame here: one frame
                loop_start, loop_end = min(loop_start, len(data) - 1), min(loop_end + 1,
                                                                           len(data))
        if len(data) > MAX_SOUND:
            raise ValueError(f"Engine.play sound: at most {MAX_SOUND} frames, got {len(data)};"
                             f" play a DiskStream of it instead")
        if len(data) and not np.isfinite(np.max(dsp.peak(data))):
            first = int(np.flatnonzero(~np.isfinite(data).all(axis=1))[0])
            raise ValueError(f"Engine.play sound: expected finite samples, got NaN or "
                             f"infinity at frame {first}")
        return data, loop_start, loop_end

    def _play_stream(self, window, start, params, rate, bus_id, stream: DiskStream,
                     quality: QualityName) -> int:
        """Hand the core a voice that plays a DiskStream as its reader delivers it, at the
        engine's rate (under the lock); the stream has one consumer, this voice.
        """
        stream._claim()
        try:
            if stream.samplerate != self.samplerate:
                stream._deliver_at(self.samplerate, quality)
            voice = self._core.play(window, start, params, rate, bus=bus_id,
                                    stream=stream._buffer, owner=stream)
        except BaseException:
            stream._claimed = False  # it never reached the core: free to play again
            raise
        self._streams[voice] = stream
        return voice

    def _make_room(self) -> None:
        """Room for a command in the ring (called with the lock held)."""
        if self._core.command_room:
            return
        if self._run is None:
            # Rendering offline, the core takes the waiting commands only when it renders:
            # let it take them now (voices keep their own start frames).
            self._core.take_commands()
            return
        deadline = time.monotonic() + COMMAND_WAIT
        while self._core.command_room == 0:  # the device takes them at its next block
            if time.monotonic() > deadline:
                raise RuntimeError(f"Engine: the audio thread took no command for "
                                   f"{COMMAND_WAIT:g} s; is the device stalled?")
            self._lock.release()  # a Python-mode callback needs it to render
            try:
                time.sleep(0.001)
            finally:
                self._lock.acquire()
            if self._run is None:  # stopped meanwhile: offline again
                self._core.take_commands()
                return

    def _at(self, at: int | None, what: str) -> int:
        if at is None:
            # On a device, "now" has passed by the time the core takes the command: a voice
            # starts on the first frame rendered after that instead.
            return AT_ONCE if self._run is not None else self.now
        return check.frame(at, what)

    def _param_at(self, at: int | None, what: str) -> int:
        """The frame a parameter change `at` names: None is `_param_frame()`."""
        return self._param_frame() if at is None else check.frame(at, what)

    def _ramp(self, ramp: int | None, what: str) -> int:
        return self._default_ramp if ramp is None else check.frames(ramp, what, MAX_RAMP)

    def _send(self, send, at: int | None, what: str) -> None:
        """Call send(core, frame) with the frame `at` names, under the lock."""
        with self._lock:
            frame = self._at(at, f"{what} at")
            self._make_room()
            send(self._core, frame)

    def render(self, frames: int, *, input: np.ndarray | None = None) -> np.ndarray:
        """Render the next `frames` frames, ``(frames, channels)`` float32 (GIL released).

        Offline, nothing is lost: a voice of a DiskStream waits for its reader (up to
        STREAM_WAIT seconds without progress, then what is missing plays as silence,
        reported as an "underrun"), and events are kept until `events` collects them.

        Parameters
        ----------
        frames : int
        input : array, optional
            ``(frames,)`` or ``(frames, channels)``: the engine's input for these frames, as
            voices of `Engine.input` play it (a device's input does the same on a device).
        """
        frames = check.frames(frames, "Engine.render frames", MOST_RENDER)
        if input is not None:
            input = self._input_block(input, frames)
        with self._lock:
            if self._run is not None:
                raise RuntimeError(f"Engine.render: the device {self._run.device!r} renders "
                                   "this engine; stop() it first")
            block, done = self._core.render_block(frames, input)
            wait = True
            while done < frames:  # (a stream's reader is behind)
                wait = self._wait_for_stream(*self._core.starved)
                # A reader that delivers nothing for so long is stuck: the rest plays as a
                # device would play it, the stream's gap reported as an underrun.
                done += self._core.render_offline(block, input, done, frames, wait)
            self._core.reclaim()
            self._graph.tidy()
        with self._rendered:
            self._rendered.notify_all()
        return block

    @staticmethod
    def _input_block(input: np.ndarray, frames: int) -> np.ndarray:
        """`render`'s input as (frames, channels) float32 in C order."""
        input = check.audio(input, "Engine.render input", frames=frames)
        return input if input.dtype == np.float32 else dsp.convert(input, "float32")

    def _wait_for_stream(self, voice: int, frames: int) -> bool:
        """Wait until the stream of `voice` holds `frames` frames (or has ended); False if
        its reader made no progress for STREAM_WAIT seconds.
        """
        stream = self._streams.get(voice)
        return stream is None or stream._wait_for(frames, STREAM_WAIT)

    def events(self, timeout: float | None = 0) -> list[Event]:
        """What the core reported since the last call, oldest first.

        Parameters
        ----------
        timeout : float or None
            Seconds to wait for at least one event when there is none yet (None: as long as
            it takes). The default, 0, returns at once.
        """
        if timeout is not None:
            timeout = check.seconds(timeout, "Engine.events timeout")
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            with self._lock:
                self._graph.tidy()
                found = self._events()
            left = None if deadline is None else deadline - time.monotonic()
            if found or (left is not None and left <= 0):
                return found
            # Woken by render() at once; a device's thread does not notify, so look again soon.
            with self._rendered:
                self._rendered.wait(EVENT_POLL if left is None else min(left, EVENT_POLL))

    def _events(self) -> list[Event]:
        """The core's events as Event objects; a bus's meter events, one per channel, become
        one "peak" event.
        """
        found = []
        names = {bus.id: bus.name for bus in self._buses.values()}
        lost = self._core.lost_events
        if lost != self._lost_events:
            found.append(Event("events_lost", self._core.now, lost - self._lost_events))
            self._lost_events = lost
        effects: dict[int, Any] | None = None
        for kind, frame, source, frames, channel, peak, rms in self._core.events():
            if kind == "reduction":
                effects = self._effects() if effects is None else effects
                found.append(reduction_event(frame, peak, rms, effects.get(source)))
                continue
            if kind == "invalid":
                found.append(Event(kind, frame, frames, bus=names[source]))
                continue
            if kind == "peak":
                self._levels.append((peak, rms))
                if channel == self.channels - 1:
                    found.append(Event("peak", frame, bus=names[source],
                                       peak=tuple(p for p, _ in self._levels),
                                       rms=tuple(r for _, r in self._levels)))
                    self._levels = []
                continue
            message = ""
            if kind == "error":
                stream = self._streams.get(source)
                message = stream._control.error if stream else "its stream failed"
            elif kind == "voice_end":
                self._streams.pop(source, None)
            found.append(Event(kind, frame, frames, message, voice=source))
        for voice in [v for v in self._streams if not self._core.holds(v)]:
            del self._streams[voice]  # ended, its end event perhaps lost
        # The core posts a render's events voice by voice: in frame order, the same whatever
        # the block sizes (ties keep the core's order).
        found.sort(key=lambda event: event.frame)
        return found

    def _effects(self) -> dict[int, Any]:
        """The effects on its buses (and those leaving them), and those inside them, by id:
        the source of their events.
        """
        graph = self._graph
        tops = [slot.effect for entry in graph.buses.values() for slot in entry.slots]
        tops += [effect for effect, _ in graph.releasing]
        return {id(part): part for effect in tops for part in effect._effects()}

    def listen(self, poll: float = EVENT_POLL) -> AsyncIterator[Event]:
        """The core's events as they come, for ``async for event in engine.listen():``.

        Parameters
        ----------
        poll : float
            Seconds between looks (without blocking the event loop), > 0.
        """
        return self._listen(check.seconds(poll, "Engine.listen poll", 1e-6, 3600.0))

    async def _listen(self, poll: float) -> AsyncIterator[Event]:
        while True:
            for event in self.events():
                yield event
            await asyncio.sleep(poll)

    @property
    def playing(self) -> int:
        """Voices started or waiting that have not ended."""
        with self._lock:
            self._core.reclaim()
            return self._core.playing

    def stats(self) -> dict[str, Any]:
        """Counters, read without stopping the audio thread.

        Returns
        -------
        dict
            ``now`` (frames rendered so far), ``voices`` (playing or waiting),
            ``lost_events`` (dropped because nobody read them: the event ring was full),
            ``invalid_samples`` (NaN or infinite samples set to 0 on buses);
            and from the device of the last `start`: ``callbacks``, ``frames`` (rendered by
            it), ``xruns`` (callbacks PortAudio flagged with an underflow or overflow),
            ``late`` (callbacks whose render took longer than their frames last),
            ``clock_jumps`` (times its time jumped: it lost frames), the render time's
            ``render_us_p50``, ``render_us_p99``, ``render_us_p999`` (to 1 us),
            ``render_us_mean`` and ``render_us_max``, and the last recording's
            ``recorded`` and ``record_dropped`` frames. ``outputs`` and ``inputs``: for
            each further device, ``frames``, ``underruns`` (frames it got as silence),
            ``drift_ppm`` (how much faster its clock runs than the engine's),
            ``latency_frames`` (its ring's fill), ``target_frames``, ``debt_frames`` (what
            lost frames took from the fill, still to make up), ``overflows``,
            ``callback_us_mean`` and ``clock_jumps``.
        """
        with self._lock:
            self._core.reclaim()
            self._graph.tidy()
            stats: dict[str, Any] = {
                "now": self._core.now, "voices": self._core.playing,
                "lost_events": self._core.lost_events,
                "invalid_samples": self._core.invalid_samples}
            run = self._run or self._last_run
            if run is not None:
                stats.update(run.stats())
                if run.seconds:
                    stats["outputs"] = [second.stats() for second in run.seconds]
                if run.last_recorder is not None:
                    stats["recorded"] = run.last_recorder.recorded
                    stats["record_dropped"] = run.last_recorder.dropped
            if self.inputs:
                stats["inputs"] = [source.second().stats() for source in self.inputs]
            return stats

    @property
    def running(self) -> bool:
        """Whether a device is rendering the engine."""
        return self._run is not None

    def start(self, device: int | str | None = None, *, blocksize: int | None = None,
              latency: str | float = "low", input_device: int | str | None = None,
              input_channels: int = 0,
              process: Callable[[np.ndarray], object] | None = None) -> Engine:
        """Render on an audio device until `stop`: PortAudio's thread runs the compiled
        core through a C callback, without the GIL, so busy Python code cannot cause a
        dropout.

        Parameters
        ----------
        device, input_device : int, str or None
            As sounddevice takes them: an index, part of a name, or None for the default
            (`pkaudio.devices()` lists them).
        blocksize : int, optional
            Frames per callback (default: the engine's).
        latency : {"low", "high"} or float
            PortAudio's suggested latency, or seconds.
        input_channels : int
            Input channels to open as well (a duplex stream), for `record`.
        process : callable, optional
            The Python mode, for code that must run on the audio thread: called with each
            rendered block, ``(frames, channels)`` float32, to change in place. It takes the
            GIL on the audio thread, so whatever else Python does (a busy loop, the garbage
            collector) delays the audio: expect dropouts (the benchmark measures them).

        Returns
        -------
        Engine
            itself, so that ``with engine.start(...):`` stops it at the end.
        """
        blocksize = self.blocksize if blocksize is None else check.whole(
            blocksize, "Engine.start blocksize", 1, MOST_FRAMES, "a number of frames")
        input_channels = check.whole(input_channels, "Engine.start input_channels", 0,
                                     check.MAX_CHANNELS, "a channel count")
        if not isinstance(latency, str):
            latency = check.within(latency, "Engine.start latency", 0.0, 10.0, " seconds")
        elif latency not in ("low", "high"):
            raise ValueError(f"Engine.start latency: expected 'low', 'high' or seconds "
                             f"(0 .. 10), got {latency!r}")
        if self.outputs:
            if device is not None:
                raise ValueError("Engine.start: this engine plays on its outputs; give no "
                                 "device")
            if self.outputs[0].bus != "master" or self.outputs[0].channels is not None:
                raise ValueError("Engine.start: the first output plays the master, as it is")
            device = self.outputs[0].device
        if input_device is not None and not input_channels:
            raise ValueError("Engine.start: an input_device, but no input_channels to open")
        with self._device_lock:  # one start or stop at a time, whatever the threads
            with self._lock:
                if self._run is not None:
                    raise RuntimeError(f"Engine.start: already running on "
                                       f"{self._run.device!r}")
                buses = [self._bus(o.bus, "Engine output bus").id for o in self.outputs[1:]]
                run = DeviceRun(self._core, self.samplerate, self.channels, device=device,
                                blocksize=int(blocksize), latency=latency,
                                input_device=input_device,
                                input_channels=int(input_channels), process=process,
                                lock=self._lock)
                self._stop_at_exit = weakref.finalize(self, _stop_dropped, run)
                self._run = run  # from here on, _stop(run) undoes what is set up
                try:
                    self._open_others(run, buses, blocksize, latency)
                    failed = None
                except BaseException as error:
                    failed = error
            try:
                if failed is not None:
                    raise failed
                run.start()
            except BaseException:
                self._stop(run)
                raise
            self._housekeeping = threading.Event()
            self._housekeeper = threading.Thread(
                target=_keep_house, args=(weakref.ref(self), self._housekeeping),
                name="pkaudio housekeeping", daemon=True)
            self._housekeeper.start()
        return self

    def _open_others(self, run: DeviceRun, buses: list[int], blocksize: int,
                     latency: str | float) -> None:
        """Open the engine's other devices for `run` (with the lock held): its inputs, and
        its outputs after the first, each with its tap at the end of its bus. Each is noted
        in `run` as soon as it is open, so that stopping the run closes it.
        """
        for source in self.inputs:
            run.inputs.append(source.second().open(latency))
        for output, bus in zip(self.outputs[1:], buses, strict=True):
            second = SecondOutput(output, self.samplerate, self.channels, blocksize, latency)
            run.seconds.append(second)
            self._make_room()
            self._core.node(bus, second.state.node, True)  # the tap, from the next block

    def stop(self) -> None:
        """Stop rendering on the device (what is recording is written out); voices stay
        where they are, and `start` or `render` go on from there. Raises what went wrong
        while it ran, if anything did: a recorder's error, or the Python mode's `process`'s.
        """
        run = self._run
        if run is not None and run.python and run.audio_thread == threading.get_ident():
            raise RuntimeError("Engine.stop: not from the audio thread (the Python mode's "
                               "process); from another thread")
        with self._device_lock:
            if self._run is not None:
                self._stop(self._run)

    def _stop(self, run: DeviceRun) -> None:
        """Stop `run` (with the device lock held). The engine counts as running until its
        streams have stopped, so that nothing else renders it meanwhile.
        """
        assert self._stop_at_exit is not None  # (start made it before it set _run)
        self._stop_at_exit.detach()
        self._housekeeping.set()
        if self._housekeeper is not None and self._housekeeper is not threading.current_thread():
            self._housekeeper.join()
        self._housekeeper = None
        try:
            run.stop()
        finally:
            with self._lock:
                self._run, self._last_run = None, run
                for second in run.seconds:  # the taps leave before their memory can go
                    self._make_room()
                    self._core.node(self._bus(second.bus, "output").id, second.state.node,
                                    False)
                self._core.take_commands()

    def __enter__(self) -> Engine:
        if self._run is None:
            self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def record(self, path, *, source: RecordSource = "output", format: str | None = None,
               subtype: str | None = None) -> Recorder:
        """Record the engine's output (or, with ``source="input"``, the device's input) to
        a sound file while the engine runs, from its next block. A thread writes the file;
        if the disk falls behind by more than a few seconds, frames are dropped and counted
        (`Recorder.dropped`, ``stats()["record_dropped"]``), never waited for.

        Returns
        -------
        Recorder
            ``stop()`` it (or stop the engine) to finish the file.
        """
        with self._lock:
            run = self._run
            if run is None:
                raise RuntimeError("Engine.record: start the engine on a device first")
            source = check.choice(source, "Engine.record source", ("output", "input"))
            if source == "input" and not run.input_channels:
                raise ValueError("Engine.record source: 'input', but the engine has no input; "
                                 "start it with input_channels=...")
            channels = run.input_channels if source == "input" else self.channels
            return run.record(path, source, channels, format=format, subtype=subtype)
