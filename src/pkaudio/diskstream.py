"""Disk streams: a sound file (or source) read ahead by a thread into a lock-free buffer that
its consumer, the engine's core or `DiskStream.read`, drains without ever waiting.

A *source* is anything with ``read(frames)`` that returns up to that many frames as a numpy
array, ``(frames,)`` or ``(frames, channels)`` of a dtype the kernels convert (int16, int32,
float32, float64), fewer at the end and then none, and ``samplerate`` and ``channels``
attributes; ``seek(frame)`` to loop or seek. A ``soundfile.SoundFile`` is one.
"""
from __future__ import annotations

import threading
import time
import weakref
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import _checks as check
from . import dsp
from ._design import QUALITIES, QualityName
from ._dsp.stream import StreamBuffer
from .events import Event
from .files import cut_short, name_of, open_file, soundfile

__all__ = ["DiskStream"]

# Frames a reader asks of its source at a time.
READ_BLOCK = 4096
# How long closing a stream waits for its reader to finish a read in progress; a source stuck
# longer is left to its (daemon) thread, so neither close() nor the interpreter's exit hangs.
CLOSE_TIMEOUT = 5.0
# The longest read-ahead a stream may be asked for.
MOST_BUFFER_SECONDS = 600.0


def as_frames(chunk: Any, channels: int, what: str) -> np.ndarray:
    """A source's chunk as a (frames, channels) array in C order, checked."""
    return check.audio(chunk, f"{what} read()", channels=channels)


def read_float32(source: Any, frames: int, channels: int, what: str) -> np.ndarray:
    """Up to `frames` frames from source as a (frames, channels) float32 array."""
    if isinstance(source, soundfile().SoundFile):
        return source.read(frames, dtype="float32", always_2d=True)
    chunk = as_frames(source.read(frames), channels, what)
    if len(chunk) > frames:
        raise ValueError(f"{what}: read({frames}) returned {len(chunk)} frames")
    return chunk if chunk.dtype == np.float32 else dsp.convert(chunk, "float32")


@dataclass(frozen=True)
class _Delivery:
    """How a reader turns its source's frames into its buffer's: into which buffer, through
    which resampler (None: at the source's rate), `block` source frames at a time, each
    becoming at most `room` frames.
    """

    buffer: StreamBuffer
    resampler: dsp.Resampler | None
    block: int
    room: int

    @classmethod
    def at(cls, rate: float, source_rate: float, channels: int, quality: QualityName,
           buffer_seconds: float) -> _Delivery:
        resampler = None
        if rate != source_rate:
            resampler = dsp.Resampler(source_rate, rate, channels, quality=quality)
        room = int(READ_BLOCK * rate / source_rate) + 64  # (and the filter's tail)
        # The reader fills the buffer up to a block short (room for a seek's first block).
        buffer = StreamBuffer(channels, max(3 * room, int(buffer_seconds * rate)))
        return cls(buffer, resampler, READ_BLOCK, room)


class _Control:
    """What a DiskStream's owner tells its reader thread, and what the thread reports back."""

    def __init__(self) -> None:
        self.wake = threading.Event()       # set to wake the reader early
        self.delivered = threading.Event()  # set by the reader after each write
        self.stop = False
        self.finished = False  # the reader thread has returned
        self.error = ""
        self._lock = threading.Lock()
        self._seek: tuple[int, _Delivery | None] | None = None

    def request_seek(self, frame: int, delivery: _Delivery | None = None) -> None:
        """Go on from source frame `frame` (into a new delivery, if one is given)."""
        with self._lock:
            self._seek = (frame, delivery)
        self.wake.set()

    def take_seek(self) -> tuple[int, _Delivery | None] | None:
        with self._lock:
            seek, self._seek = self._seek, None
        return seek


class _Reader:
    """The reader thread's work: keep the delivery's buffer filled from the source until told
    to stop. The source's frames are counted, so that a file that ends before its header
    says (cut short, or being cut while read) ends the stream with an error, not an end.
    """

    def __init__(self, source: Any, name: str, owned: bool, control: _Control, loop: bool,
                 start: int, delivery: _Delivery, poll: float):
        self.source, self.name, self.owned, self.control = source, name, owned, control
        self.loop, self.start, self.delivery, self.poll = loop, start, delivery, poll
        self.channels = delivery.buffer.channels
        self.promised = source.frames if isinstance(source, soundfile().SoundFile) else None
        self.position = start  # the source frame the next read starts at
        self.read = 0          # frames read since the start, or the last seek or loop

    def next_block(self) -> tuple[np.ndarray, bool]:
        """The next block for the buffer, and whether the source has ended."""
        delivery = self.delivery
        chunk = read_float32(self.source, delivery.block, self.channels, "DiskStream source")
        self.read += len(chunk)
        self.position += len(chunk)
        at_end = len(chunk) == 0
        if at_end and self.promised is not None and self.position < self.promised:
            raise cut_short(self.name, self.position, self.promised)
        if delivery.resampler is not None:  # (through a loop's splice, the filter runs on)
            chunk = delivery.resampler.process(chunk, last=at_end and not self.loop)
        return chunk, at_end

    def ended_or_looped(self, at_end: bool) -> bool:
        """At the end: loop (a source that gave nothing ends instead of spinning) or end."""
        if not at_end:
            return False
        if self.loop and self.read > 0:
            self.source.seek(0)
            self.read = self.position = 0
            return False
        self.delivery.buffer.end()
        return True

    def write(self, frames: np.ndarray) -> None:
        # The reader waits for room for two blocks first, so all of one fits.
        if self.delivery.buffer.write(frames) != len(frames):
            raise RuntimeError("DiskStream: buffer overrun in the reader (a bug in pkaudio)")
        self.control.delivered.set()

    def idle(self) -> None:
        self.control.wake.wait(self.poll)
        self.control.wake.clear()

    def run(self) -> None:
        control = self.control
        ended = False
        pending = np.zeros((0, self.channels), np.float32)  # a seek's frames waiting for room
        pending_end = False  # the source ended after them
        try:
            if self.start:
                self.source.seek(self.start)
            while not control.stop:
                seek = control.take_seek()
                if seek is not None:
                    pending, pending_end = self.seek(*seek)
                    ended = False
                buffer = self.delivery.buffer
                if len(pending) or pending_end:
                    if buffer.writable() < len(pending):
                        self.idle()
                        continue
                    self.write(pending)
                    pending = pending[:0]
                    ended, pending_end = self.ended_or_looped(pending_end), False
                    continue
                if ended or buffer.writable() < 2 * self.delivery.room:
                    self.idle()
                    continue
                chunk, at_end = self.next_block()
                self.write(chunk)
                ended = self.ended_or_looped(at_end)
            if not ended:  # closed: what was buffered plays, then the stream ends
                self.delivery.buffer.end()
        except Exception as e:  # the consumer plays what arrived, then reports the error
            text = str(e).removeprefix(f"{self.name}: ")
            control.error = f"{self.name}: {type(e).__name__}: {text}"
            self.delivery.buffer.end(error=True)
        finally:
            if self.owned:
                self.source.close()
            control.finished = True
            seek = control.take_seek()  # (one asked for as it stopped: nothing comes to it)
            if seek is not None and seek[1] is not None:
                seek[1].buffer.end(error=bool(control.error))
            control.delivered.set()

    def seek(self, frame: int, delivery: _Delivery | None) -> tuple[np.ndarray, bool]:
        """Go on from source frame `frame`. The first block there goes in with the switch,
        so no gap opens; it fits (the buffer is filled only up to a block short) unless an
        earlier seek's frames still wait for the consumer: the rest is returned, to follow
        when it can, with whether the source ended after it.
        """
        if delivery is not None:
            self.delivery = delivery
        self.source.seek(frame)
        self.read, self.position = 0, frame
        if self.delivery.resampler is not None:
            self.delivery.resampler.reset()
        chunk, at_end = self.next_block()
        buffer = self.delivery.buffer
        fit = min(len(chunk), buffer.writable())
        buffer.restart(chunk[:fit])
        self.control.delivered.set()
        return chunk[fit:], at_end


def _shut_down(control: _Control, thread: threading.Thread) -> None:
    control.stop = True
    control.wake.set()
    if thread is not threading.current_thread():
        thread.join(CLOSE_TIMEOUT)


class DiskStream:
    """A sound file (or source) read ahead by a background thread into a lock-free buffer that
    its consumer drains without ever waiting.

    The consumer is the engine's render core (in C, without the GIL) or `read` here. What has
    not arrived when it is due plays as silence, counted and reported as an "underrun" event;
    the stream goes on when data arrives. At the end comes an "end" event, or "error" if
    reading failed or the file ended before its header said (what was read before still
    plays). Offline, `pkaudio.Engine.render` waits for the reader instead.

    Parameters
    ----------
    path_or_source : str, os.PathLike or source
        A file to open with soundfile (closed with the stream), or a source object with
        ``read``, ``samplerate``, ``channels`` (and ``seek`` to loop or seek).
    buffer_seconds : float
        How far ahead of the consumer the reader keeps the buffer (up to 600 s).
    loop : bool
        Play from the start again at the end, without a gap.
    start : int
        Frame (at the stream's `samplerate`) to start from.
    samplerate : float, optional
        Rate to deliver frames at; a source at another rate is resampled on the fly (quality
        "high"), so it plays at the right pitch and length. Default: the source's rate. An
        engine playing a stream at another rate than its own has it delivered at its own.

    Notes
    -----
    Streams close their files and stop their threads when closed, at the end of a ``with``
    block, or when garbage collected.
    """

    def __init__(self, path_or_source: Any, *, buffer_seconds: float = 2.0, loop: bool = False,
                 start: int = 0, samplerate: float | None = None):
        self.buffer_seconds = check.within(buffer_seconds, "DiskStream buffer_seconds", 1e-3,
                                           MOST_BUFFER_SECONDS, " seconds")
        loop = check.boolean(loop, "DiskStream loop")
        start = check.frames(start, "DiskStream start")
        if samplerate is not None:
            samplerate = check.samplerate(samplerate, "DiskStream samplerate")
        owned = not all(hasattr(path_or_source, name)
                        for name in ("read", "samplerate", "channels"))
        source = open_file(path_or_source, what="DiskStream path_or_source") if owned else \
            path_or_source
        try:
            self.name = name_of(path_or_source) if owned else type(source).__name__
            self.channels = check.channels(source.channels,
                                           "DiskStream path_or_source.channels", 1 << 16)
            self.source_samplerate = check.samplerate(source.samplerate,
                                                      "DiskStream path_or_source.samplerate")
            self.samplerate = samplerate if samplerate is not None else self.source_samplerate
            check.conversion(self.source_samplerate, self.samplerate, "DiskStream samplerate")
            delivery = _Delivery.at(self.samplerate, self.source_samplerate, self.channels,
                                    "high", self.buffer_seconds)
        except BaseException:
            if owned:
                source.close()
            raise
        self._buffer = delivery.buffer
        self._start = self._source_frame(start)
        self._control = _Control()
        self._claimed = False  # an engine's voice consumes it
        self._lost_events = 0  # as last reported by an "events_lost" event
        reader = _Reader(source, self.name, owned, self._control, loop, self._start, delivery,
                         min(0.05, self.buffer_seconds / 8))
        thread = threading.Thread(target=reader.run, name=f"pkaudio DiskStream {self.name}",
                                  daemon=True)
        self._finalizer = weakref.finalize(self, _shut_down, self._control, thread)
        thread.start()

    def _source_frame(self, frame: int) -> int:
        return round(frame * self.source_samplerate / self.samplerate)

    def read(self, frames: int, *, out: np.ndarray | None = None) -> np.ndarray:
        """Consume the next `frames` frames, ``(frames, channels)`` float32: never waits.

        Parameters
        ----------
        frames : int
        out : numpy.ndarray, optional
            ``(frames, channels)`` float32, C-contiguous, to write into.
        """
        if self._claimed:
            raise RuntimeError("DiskStream.read: an engine plays this stream; it has one "
                               "consumer")
        frames = check.frames(frames, "DiskStream.read frames", 1 << 30)
        return self._buffer.read(frames, out=out)

    def _claim(self) -> None:
        """Make an engine's voice this stream's one consumer."""
        if self._claimed:
            raise RuntimeError(f"{self!r} is already being played: a stream plays once")
        self._claimed = True

    def _deliver_at(self, rate: float, quality: QualityName) -> None:
        """Deliver frames at `rate` from now on (for an engine at that rate): the reader
        starts again from the stream's start into a new buffer. Only before anything has
        been consumed.
        """
        quality = check.choice(quality, "DiskStream quality", tuple(QUALITIES))
        check.conversion(self.source_samplerate, rate, "Engine.play sound")
        if self._buffer.stats()["played"]:
            raise ValueError(f"Engine.play: {self!r} has been read at {self.samplerate:g} Hz "
                             f"already; open it with DiskStream(..., samplerate={rate:g})")
        delivery = _Delivery.at(rate, self.source_samplerate, self.channels, quality,
                                self.buffer_seconds)
        self._buffer, self.samplerate = delivery.buffer, rate
        self._control.request_seek(self._start, delivery)
        if self._control.finished:  # its reader failed, or was closed: nothing comes
            delivery.buffer.end(error=bool(self._control.error))

    def _wait_for(self, frames: int, timeout: float) -> bool:
        """Wait until `frames` frames are buffered (or the stream has ended); False if the
        reader delivered nothing for `timeout` seconds.
        """
        control, buffer = self._control, self._buffer
        deadline = time.monotonic() + timeout
        while buffer.readable() < frames and not buffer.stats()["complete"]:
            control.delivered.clear()
            if buffer.readable() >= frames or buffer.stats()["complete"]:
                break
            control.wake.set()
            if control.delivered.wait(max(0.0, deadline - time.monotonic())):
                deadline = time.monotonic() + timeout
            elif self.closed or time.monotonic() >= deadline:
                return False
        return True

    def seek(self, frame: int) -> None:
        """Continue from `frame` (at the stream's rate): the reader refills from there and the
        consumer skips what was buffered before.

        Parameters
        ----------
        frame : int
        """
        self._control.request_seek(self._source_frame(check.frames(frame, "DiskStream.seek "
                                                                          "frame")))

    def events(self) -> list[Event]:
        """Events since the last call, oldest first; an "events_lost" event first if its
        event ring overflowed since.
        """
        found = []
        lost = self._buffer.stats()["lost_events"]
        if lost != self._lost_events:
            found.append(Event("events_lost", self._buffer.stats()["played"],
                               lost - self._lost_events))
            self._lost_events = lost
        return found + [Event(kind, frame, value, self._control.error if kind == "error"
                              else "") for kind, frame, value in self._buffer.events()]

    def stats(self) -> dict[str, int | bool]:
        """The consumer's counters (frames played, underrun frames and runs, lost events),
        frames buffered ahead now, and whether all the stream's frames have been read into
        the buffer ("complete": the end, or an error).
        """
        return {**self._buffer.stats(), "buffered": self._buffer.readable()}

    @property
    def closed(self) -> bool:
        return not self._finalizer.alive

    def close(self) -> None:
        """Stop the reader thread and close the file: the consumer plays what was buffered,
        then the stream ends.
        """
        self._finalizer()

    def __enter__(self) -> DiskStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return (f"DiskStream({self.name!r}, {self.samplerate:g} Hz, {self.channels} channels"
                f"{', closed' if self.closed else ''})")
