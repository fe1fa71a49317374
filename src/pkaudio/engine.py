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
from collections.abc import AsyncIterator
from dataclasses import dataclass

import numpy as np

from . import dsp
from ._dsp.engine import EngineCore
from .buffering import DiskStream, Sound
from .events import Event

__all__ = ["Clock", "Engine", "Voice"]

# Frames a stream voice reads from its DiskStream at a time.
STREAM_SCRATCH = 1024
# Engine frames go up to this (6 million years at 48 kHz): start + length stays in 64 bits.
MAX_FRAME = 1 << 62
# Seconds between looks for events from a thread that does not say when it posts them.
EVENT_POLL = 0.005


class Clock:
    """The seed's clock: which period of frames is being rendered.

    ``set(frame, frames)`` says that the next render covers `frames` frames from engine frame
    `frame`.
    """

    def __init__(self) -> None:
        self.frame = 0
        self.frames = 0

    def set(self, frame: int, frames: int) -> None:
        if int(frame) != frame or frame < 0:
            raise ValueError(f"Clock.set frame: expected a whole number >= 0, got {frame!r}")
        if int(frames) != frames or frames < 0:
            raise ValueError(f"Clock.set frames: expected a whole number >= 0, got {frames!r}")
        self.frame, self.frames = int(frame), int(frames)


@dataclass(frozen=True)
class Voice:
    """A sound playing (or due to play) on an engine."""

    engine: Engine
    id: int
    start: int

    def stop(self, at: int | None = None) -> None:
        """Stop at engine frame `at` (default: the next frame rendered)."""
        self.engine._stop(self, at)


def pan_gains(gain: float, pan: float, channels: int) -> list[float]:
    """Per-channel gains. pan 0 leaves the sound as it is; on a stereo engine, pan -1 (left)
    .. 1 (right) follows a constant-power law, 0 dB at the centre and +3 dB at the sides."""
    if not -1 <= pan <= 1:
        raise ValueError(f"Engine.play pan: expected -1 (left) .. 1 (right), got {pan}")
    if pan == 0:
        return [gain] * channels
    if channels != 2:
        raise ValueError(f"Engine.play pan: needs a stereo engine, this one has {channels} "
                         "channels")
    angle = (pan + 1) * math.pi / 4
    return [gain * math.sqrt(2) * math.cos(angle), gain * math.sqrt(2) * math.sin(angle)]


def loop_region(loop: bool | tuple[int, int], frames: int) -> tuple[int, int]:
    """(start, end) of the frames that repeat; (0, 0) for none."""
    if loop is False:
        return 0, 0
    start, end = (0, frames) if loop is True else loop
    if not (int(start) == start and int(end) == end and 0 <= start < end <= frames):
        raise ValueError(f"Engine.play loop: expected True or (start, end) with 0 <= start < "
                         f"end <= {frames} (the sound's frames), got {loop!r}")
    return int(start), int(end)


def finite(value: float, what: str) -> float:
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{what}: expected a finite number, got {value}")
    return value


class Engine:
    """Voices mixed by the compiled render core.

    Parameters
    ----------
    samplerate : float
        Frames per second.
    channels : int
        Output channels.
    blocksize : int
        Frames per block when a device drives the engine (`render` takes any number).
    """

    def __init__(self, samplerate: float = 48000, channels: int = 2, blocksize: int = 256):
        if not samplerate > 0:
            raise ValueError(f"Engine samplerate: expected a positive rate, got {samplerate!r}")
        if int(blocksize) != blocksize or blocksize < 1:
            raise ValueError(f"Engine blocksize: expected a whole number >= 1, got "
                             f"{blocksize!r}")
        self.samplerate, self.channels, self.blocksize = samplerate, channels, int(blocksize)
        self._core = EngineCore(channels)
        self._lock = threading.Lock()  # commands from several threads, one at a time
        self._rendered = threading.Condition()  # wakes threads waiting for events

    @property
    def now(self) -> int:
        """Frames rendered so far: the engine frame the next render starts at."""
        return self._core.now

    def play(self, sound: Sound | DiskStream | np.ndarray, *, at: int | None = None,
             gain: float = 1.0,
             pan: float = 0.0, rate: float = 1.0,
             loop: bool | tuple[int, int] = False) -> Voice:
        """Play a sound (or a ``(frames,)`` / ``(frames, channels)`` array at the engine's
        rate, or a DiskStream delivering it) from engine frame `at` (default: the next frame
        rendered), exactly from that frame, its samples unmodified unless `gain`, `pan` or
        `rate` say otherwise. A DiskStream plays once, at rate 1; the voice ends where the
        stream does, and the stream reports its own underruns (`DiskStream.events`).

        `rate` is varispeed (2: an octave up, in half the time), read between frames by
        Catmull-Rom interpolation (the resampler's "quick"). `loop`: True repeats the whole
        sound, ``(start, end)`` its frames start .. end-1 after a first pass up to `end`;
        a looping voice plays until stopped. A mono sound goes to every channel; a sound of
        other channels maps channel c of the output to channel c modulo its channels.
        """
        if isinstance(sound, DiskStream):
            return self._play_stream(sound, at, gain, pan, rate, loop)
        data = sound.data if isinstance(sound, Sound) else np.asarray(sound)
        if data.ndim == 1:
            data = data.reshape(-1, 1)
        if data.ndim != 2 or data.shape[1] < 1:
            raise ValueError(f"Engine.play: expected a Sound or an array shaped (frames,) or "
                             f"(frames, channels) with channels >= 1, got shape {data.shape}")
        data = dsp.convert(np.ascontiguousarray(data), "float32") if data.dtype != np.float32 \
            else np.ascontiguousarray(data)
        gains = pan_gains(finite(gain, "Engine.play gain"), finite(pan, "Engine.play pan"),
                          self.channels)
        rate = finite(rate, "Engine.play rate")
        if not 1 / 256 <= rate <= 256:
            raise ValueError(f"Engine.play rate: expected 1/256 .. 256, got {rate:g}")
        loop_start, loop_end = loop_region(loop, len(data))
        with self._lock:
            start = self.now if at is None else self._frame(at, "Engine.play at")
            if self._core.command_room == 0:
                # Rendering offline, the core takes the waiting commands only when it renders:
                # let it take them now (voices keep their own start frames).
                self._core.render(0)
            return Voice(self, self._core.play(data, start, gains, rate, loop_start, loop_end),
                         start)

    def _play_stream(self, stream: DiskStream, at, gain, pan, rate, loop) -> Voice:
        """A voice that plays a DiskStream as its reader delivers it."""
        if stream.samplerate != self.samplerate:
            raise ValueError(f"Engine.play: the stream delivers {stream.samplerate} Hz, the "
                             f"engine runs at {self.samplerate}; open it with "
                             f"DiskStream(..., samplerate={self.samplerate})")
        if rate != 1 or loop is not False:
            raise ValueError("Engine.play: a DiskStream plays at rate 1 for now, and loops "
                             "with DiskStream(..., loop=True)")
        gains = pan_gains(finite(gain, "Engine.play gain"), finite(pan, "Engine.play pan"),
                          self.channels)
        scratch = np.zeros((STREAM_SCRATCH, stream.channels), np.float32)
        with self._lock:
            stream._claim()
            start = self.now if at is None else self._frame(at, "Engine.play at")
            if self._core.command_room == 0:
                self._core.render(0)
            return Voice(self, self._core.play(scratch, start, gains, stream=stream._buffer,
                                               owner=stream), start)

    def _stop(self, voice: Voice, at: int | None) -> None:
        with self._lock:
            self._core.stop(voice.id, self.now if at is None else self._frame(at, "stop at"))

    @staticmethod
    def _frame(at: int, what: str) -> int:
        if isinstance(at, bool) or int(at) != at or not 0 <= at <= MAX_FRAME:
            raise ValueError(f"{what}: expected an engine frame (whole number 0 .. 2^62), got "
                             f"{at!r}")
        return int(at)

    def render(self, frames: int) -> np.ndarray:
        """Render the next `frames` frames, ``(frames, channels)`` float32 (GIL released)."""
        with self._lock:
            block = self._core.render(frames)
        with self._rendered:
            self._rendered.notify_all()
        return block

    def events(self, timeout: float | None = 0) -> list[Event]:
        """What the core reported since the last call, oldest first.

        Parameters
        ----------
        timeout : float or None
            Seconds to wait for at least one event when there is none yet (None: as long as
            it takes). The default, 0, returns at once.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            with self._lock:
                found = [Event(kind, frame, voice=voice) for kind, frame, voice in
                         self._core.events()]
            left = None if deadline is None else deadline - time.monotonic()
            if found or (left is not None and left <= 0):
                return found
            # Woken by render() at once; a device's thread does not notify, so look again soon.
            with self._rendered:
                self._rendered.wait(EVENT_POLL if left is None else min(left, EVENT_POLL))

    async def listen(self, poll: float = EVENT_POLL) -> AsyncIterator[Event]:
        """The core's events as they come, for ``async for event in engine.listen():`` (it
        looks every `poll` seconds without blocking the event loop)."""
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
