"""Software devices, and virtual time to run them on.

A `NullDevice` plays (or records) blocks of frames at its own rate without a sound card. On
the system's clock a thread of its own calls its callback in real time. On a `VirtualClock`
it has no thread: time stands still until the clock is advanced, which calls every device on
it in the order their blocks fall due, each at its exact time on that clock. The callbacks,
and the loops that steer one device's clock to another's, read that clock too, so a setup of
several devices renders the same samples on every run, faster than real time.
"""
from __future__ import annotations

import threading

import numpy as np

from . import _checks as check
from ._dsp.device import MOST_FRAMES, VirtualTime, call, monotonic

__all__ = ["NullDevice", "VirtualClock"]


class VirtualClock:
    """Virtual time: render a multi-device setup deterministically, faster than real time.

    NullDevices made with ``clock=`` this clock run on it instead of on the system's clock.
    They have no thread: time stands still until `advance` moves it on, calling each running
    device's callback in the order their blocks fall due, at each block's exact time on this
    clock (later by a random part of the device's `jitter`, drawn from a generator seeded
    with `seed`). Everything that reads a clock for them reads this one: the devices'
    callbacks, and the loops that hold the latency between an engine's devices. So the same
    setup, the same commands between the same advances, and the same seed render the same
    samples and statistics on every run and every machine.

    Parameters
    ----------
    seed : int
        Seeds the lateness of devices with `jitter` (each device started draws its own).

    Examples
    --------
    >>> clock = pkaudio.VirtualClock()
    >>> main = pkaudio.NullDevice(48000, 2, clock=clock)
    >>> fast = pkaudio.NullDevice(48000, 2, rate_error_ppm=200, capture=True, clock=clock)
    >>> eng = pkaudio.Engine(48000, 2, outputs=[main, fast])
    >>> with eng.start():
    ...     clock.advance(10.0)  # ten seconds of both devices, in a fraction of that
    """

    def __init__(self, seed: int = 0):
        self.seed = check.whole(seed, "VirtualClock seed", 0, 2**64 - 1)
        self._time = VirtualTime(0.0)
        self._streams: list[_VirtualStream] = []  # running, each with its next call
        self._lock = threading.Lock()  # a step of time, or a stream starting or stopping
        self._advancing: int | None = None  # the thread advancing it, if one is
        self._started = 0  # streams started so far: the order of those due at once

    @property
    def now(self) -> float:
        """Seconds since the clock was made."""
        return self._time.seconds

    def advance(self, seconds: float) -> None:
        """Move time on by `seconds`, calling the callbacks of the devices running on this
        clock for each of their blocks that falls due meanwhile, in order, on this thread.

        Parameters
        ----------
        seconds : float
            How far, >= 0.

        Raises
        ------
        TypeError, ValueError
            If `seconds` is not a number, or not a finite one >= 0.
        RuntimeError
            If another thread is advancing it.
        """
        seconds = check.within(seconds, "VirtualClock.advance seconds", 0.0, 1e9, " seconds")
        with self._lock:
            if self._advancing is not None:
                raise RuntimeError("VirtualClock.advance: another thread is advancing it")
            self._advancing = threading.get_ident()
            end = self._time.seconds + float(seconds)
        try:
            while True:
                with self._lock:  # (a device may stop between two steps, not during one)
                    stream = min(self._streams, key=_VirtualStream.due, default=None)
                    if stream is None or stream.next_call > end:
                        self._time.seconds = end
                        return
                    self._time.seconds = stream.next_call
                    stream.step()
        finally:
            self._advancing = None

    def __repr__(self) -> str:
        return f"<VirtualClock at {self.now:.6f} s, {len(self._streams)} devices running>"


class NullDevice:
    """A software device, on the system's clock or a `VirtualClock`: for rendering without a
    sound card (in real time, or faster), and for testing what several clocks do.

    It plays `blocksize` frames at a time at ``samplerate * (1 + rate_error_ppm / 1e6)``
    frames a second of its clock. Each block is called for when it is due (later by up to
    `jitter` seconds, at random, to play a device whose callbacks come unevenly; a late block
    is caught up at once), so the frames it takes keep its own rate, as a sound card's
    crystal keeps its own. On the system's clock (the default) a thread of its own wakes for
    each block; on a `VirtualClock`, the clock's `~VirtualClock.advance` calls it.

    Parameters
    ----------
    samplerate : float
        Its nominal rate.
    channels : int
    rate_error_ppm : float
        How much faster (or, negative, slower) its clock runs than nominal.
    capture : bool
        Keep what it played, for `captured`.
    blocksize : int
    jitter : float
        Seconds its callbacks may come late.
    source : array, optional
        ``(frames, channels)``: what it records, round and round, as an input device
        (``Engine(inputs=[...])``).
    name : str
    clock : VirtualClock, optional
        The clock it runs on (default: the system's, in real time). Every device of an
        engine runs on the same clock.
    exact_times : bool
        Whether its callbacks tell the engine each block's exact time (the default, as a
        software device can), or leave the engine to measure when they come and filter the
        jitter out, as it does for a sound card's.
    """

    def __init__(self, samplerate: float, channels: int, *, rate_error_ppm: float = 0.0,
                 capture: bool = False, blocksize: int = 256, jitter: float = 0.0,
                 source: np.ndarray | None = None, name: str = "NullDevice",
                 clock: VirtualClock | None = None, exact_times: bool = True):
        samplerate = check.samplerate(samplerate, "NullDevice samplerate")
        channels = check.channels(channels, "NullDevice channels")
        rate_error_ppm = check.within(rate_error_ppm, "NullDevice rate_error_ppm", -99999.0,
                                      99999.0, " ppm")
        capture = check.boolean(capture, "NullDevice capture")
        blocksize = check.whole(blocksize, "NullDevice blocksize", 1, MOST_FRAMES,
                                "a number of frames")
        jitter = check.within(jitter, "NullDevice jitter", 0.0, 0.999, " seconds")
        name = check.text(name, "NullDevice name")
        if clock is not None and not isinstance(clock, VirtualClock):
            raise TypeError(f"NullDevice clock: expected None (the system's clock) or a "
                            f"pkaudio.VirtualClock, got {clock!r}")
        exact_times = check.boolean(exact_times, "NullDevice exact_times")
        if source is not None:
            if not isinstance(source, np.ndarray) or source.dtype.kind not in "iuf":
                raise TypeError(f"NullDevice source: expected a numpy array of samples, got "
                                f"{type(source).__name__} {getattr(source, 'dtype', '')}")
            if source.ndim == 1:
                source = source.reshape(-1, 1)
            if source.ndim != 2 or source.shape[1] != channels or len(source) == 0:
                raise ValueError(f"NullDevice source: expected (frames > 0, {channels}) "
                                 f"frames, got shape {source.shape}")
            source = source.astype(np.float32)
        self.source = None if source is None else np.ascontiguousarray(source)
        self.samplerate, self.channels = samplerate, channels
        self.rate_error_ppm, self.capture = rate_error_ppm, capture
        self.blocksize, self.jitter, self.name = blocksize, jitter, name
        self.clock, self.exact_times = clock, exact_times
        self._blocks: list[np.ndarray] = []
        self._lock = threading.Lock()
        self._losing = 0

    @property
    def virtual_time(self) -> VirtualTime | None:
        """What its callbacks read the time through: its clock's, or None for the
        system's.
        """
        return None if self.clock is None else self.clock._time

    @property
    def period(self) -> float:
        """Seconds of its clock a block lasts."""
        return self.blocksize / (self.samplerate * (1 + self.rate_error_ppm / 1e6))

    def check(self, samplerate: float, channels: int, what: str) -> None:
        """Raise unless it can play the engine's rate and channels as it is."""
        if samplerate != self.samplerate or channels != self.channels:
            raise ValueError(f"{what}: {self.name} runs {self.channels} channels at "
                             f"{self.samplerate:g} Hz, the engine {channels} at "
                             f"{samplerate:g} Hz")

    def captured(self) -> np.ndarray:
        """What it has played so far (with ``capture=True``): ``(frames, channels)``."""
        with self._lock:
            blocks = list(self._blocks)
        return (np.concatenate(blocks) if blocks else
                np.zeros((0, self.channels), np.float32))

    def lose(self, blocks: int = 1) -> None:
        """Lose the next `blocks` blocks while it runs, as a sound card does whose callback
        came too late: its time goes on, its callbacks skip them (an xrun).

        Parameters
        ----------
        blocks : int
        """
        blocks = check.whole(blocks, "NullDevice.lose blocks", 1, 1 << 30, "a number of blocks")
        with self._lock:
            self._losing += blocks

    def _take_losses(self) -> int:
        """The blocks it was asked to lose since it last looked."""
        with self._lock:
            lost, self._losing = self._losing, 0
        return lost

    def stream(self, callback: int, user: int) -> _TimerStream | _VirtualStream:
        """A stream that calls `callback` (a PaStreamCallback) with `user` on its clock."""
        if self.clock is None:
            return _TimerStream(self, callback, user)
        return _VirtualStream(self, self.clock, callback, user)

    def __repr__(self) -> str:
        return (f"NullDevice({self.samplerate:g}, {self.channels}, "
                f"rate_error_ppm={self.rate_error_ppm:g})")


class _Player:
    """Plays a NullDevice's blocks: block n, at its time on the device's clock, through the
    callback; with the device's source as what it records, keeping what it plays.
    """

    def __init__(self, device: NullDevice, callback: int, user: int):
        self.device, self.callback, self.user = device, callback, user
        self.block = np.zeros((device.blocksize, device.channels), np.float32)
        self.recorded = None if device.source is None else np.zeros_like(self.block)

    def play(self, n: int, due: float) -> None:
        device = self.device
        if self.recorded is not None:  # the source, round and round
            source = device.source
            assert source is not None  # (recorded is made for a device with a source)
            at = np.arange(n * device.blocksize, (n + 1) * device.blocksize)
            self.recorded[:] = source[at % len(source)]
        call(self.callback, self.user, self.block, due, self.recorded)
        if device.capture:
            with device._lock:
                device._blocks.append(self.block.copy())


class _TimerStream:
    """A NullDevice's stream on the system's clock: its thread calls the callback block by
    block, with each block's exact time.
    """

    clock = None

    def __init__(self, device: NullDevice, callback: int, user: int):
        self.device, self._player = device, _Player(device, callback, user)
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name=f"pkaudio {self.device.name}",
                                        daemon=True)
        self._thread.start()

    def _run(self) -> None:
        device = self.device
        period = device.period
        late = np.random.default_rng()
        device._take_losses()  # (what was asked while it stood still)
        start, n = monotonic(), 0
        while not self._stopping.is_set():
            n += device._take_losses()
            due = start + n * period
            wait = due - monotonic()
            if wait > 0:
                wait += late.uniform(0, device.jitter) if device.jitter else 0.0
                if self._stopping.wait(wait):
                    break
            self._player.play(n, due)
            n += 1

    @property
    def active(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join()

    def close(self) -> None:
        self.stop()


class _VirtualStream:
    """A NullDevice's stream on a VirtualClock: the clock calls `step` when its next block
    is due (`next_call`).
    """

    def __init__(self, device: NullDevice, clock: VirtualClock, callback: int, user: int):
        self.device, self.clock = device, clock
        self._player = _Player(device, callback, user)
        self._running = False
        self.next_call, self._order, self._start, self._n = 0.0, 0, 0.0, 0
        self._late: np.random.Generator | None = None

    def due(self) -> tuple[float, int]:
        """When it is next called, and before which others called at the same time."""
        return self.next_call, self._order

    def start(self) -> None:
        clock = self.clock
        with clock._lock:
            if self._running:
                return
            self.device._take_losses()  # (what was asked while it stood still)
            self._order, clock._started = clock._started, clock._started + 1
            self._late = np.random.default_rng([clock.seed, self._order])
            self._start = self.next_call = clock.now
            self._n = 0
            self._running = True
            clock._streams.append(self)

    def _schedule(self, now: float) -> None:
        """Call the next block when it is due, late by some jitter; at once if it is
        overdue.
        """
        due = self._start + self._n * self.device.period
        jitter = self.device.jitter
        assert self._late is not None  # (start made it; the clock steps a started stream)
        self.next_call = (due + (self._late.uniform(0, jitter) if jitter else 0.0)
                          if due > now else now)

    def step(self) -> None:
        """Play the block due now (the clock's lock held, its time at `next_call`)."""
        now = self.next_call
        lost = self.device._take_losses()
        if lost:  # its time goes on: the next block comes when it is due
            self._n += lost
            self._schedule(now)
            if self.next_call > now:
                return
        self._player.play(self._n, self._start + self._n * self.device.period)
        self._n += 1
        self._schedule(now)

    @property
    def active(self) -> bool:
        """Whether its callback may be running: while its clock advances."""
        return self._running and self.clock._advancing is not None

    def stop(self) -> None:
        """Take it off the clock (after the callback in progress, if any, as PortAudio
        does).
        """
        with self.clock._lock:
            if self._running:
                self.clock._streams.remove(self)
                self._running = False

    def close(self) -> None:
        self.stop()
