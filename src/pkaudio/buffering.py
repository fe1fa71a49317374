"""Sounds in memory, fillers that copy sources into them, and disk streams read ahead.

A *source* is anything with ``read(frames)`` that returns up to that many frames as a numpy
array, ``(frames,)`` or ``(frames, channels)`` of any dtype the kernels convert (int16, int32,
float32, float64), fewer at the end and then none: a ``soundfile.SoundFile`` is one. Disk streams
also need ``samplerate`` and ``channels`` attributes, and ``seek(frame)`` to loop or seek.

Files are read and written through soundfile (libsndfile): WAV, AIFF, FLAC, OGG/Vorbis, Opus,
MP3 and more. A file that is missing raises FileNotFoundError; one that is empty, corrupt or in a
format libsndfile cannot read raises ValueError; both name the file.
"""
from __future__ import annotations

import os
import threading
import weakref
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import dsp
from ._dsp.stream import StreamBuffer
from .events import Event

__all__ = ["DiskStream", "Filler", "Info", "Sound", "info"]


def _soundfile():
    try:
        import soundfile
    except (ImportError, OSError) as e:  # OSError: libsndfile itself is missing
        raise ImportError(f"pkaudio reads and writes files with soundfile ({e}); "
                          "install it with: pip install soundfile") from None
    return soundfile


def _open(path, mode: str = "r", **settings):
    """soundfile.SoundFile(path, ...), its errors turned into ones that name the file."""
    soundfile = _soundfile()
    try:
        return soundfile.SoundFile(path, mode, **settings)
    except (soundfile.LibsndfileError, RuntimeError, TypeError) as e:
        if mode == "r" and isinstance(path, (str, os.PathLike)):
            if not os.path.exists(path):
                raise FileNotFoundError(f"{os.fspath(path)}: no such file") from None
            if os.path.isfile(path) and os.path.getsize(path) == 0:
                raise ValueError(f"{os.fspath(path)}: the file is empty") from None
            raise ValueError(f"{os.fspath(path)}: not a sound file libsndfile can read "
                             f"({e})") from None
        raise ValueError(f"{path}: cannot open for {'writing' if mode == 'w' else 'reading'} "
                         f"({e})") from None


@dataclass(frozen=True)
class Info:
    """What a sound file holds (see `info`)."""

    format: str
    subtype: str
    samplerate: int
    channels: int
    frames: int

    @property
    def duration(self) -> float:
        """Seconds."""
        return self.frames / self.samplerate


def info(path) -> Info:
    """Format, subtype, sample rate, channels and length of a sound file, without decoding it."""
    with _open(path) as f:
        return Info(f.format, f.subtype, f.samplerate, f.channels, f.frames)


def _as_frames(chunk: Any, channels: int, what: str) -> np.ndarray:
    """A source's chunk as a (frames, channels) array, checked."""
    if not isinstance(chunk, np.ndarray):
        raise TypeError(f"{what}: read() returned {type(chunk).__name__}, not a numpy array")
    if chunk.ndim == 1:
        chunk = chunk.reshape(-1, 1)
    if chunk.ndim != 2 or chunk.shape[1] != channels:
        raise ValueError(f"{what}: read() returned an array shaped {chunk.shape}; expected "
                         f"(frames, {channels})" + (" or (frames,)" if channels == 1 else ""))
    return np.ascontiguousarray(chunk)


def _read_float32(source: Any, frames: int, channels: int, what: str) -> np.ndarray:
    """Up to `frames` frames from source as a (frames, channels) float32 array."""
    soundfile = _soundfile()
    if isinstance(source, soundfile.SoundFile):
        return source.read(frames, dtype="float32", always_2d=True)
    chunk = _as_frames(source.read(frames), channels, what)
    if len(chunk) > frames:
        raise ValueError(f"{what}: read({frames}) returned {len(chunk)} frames")
    return chunk if chunk.dtype == np.float32 else dsp.convert(chunk, "float32")


class Sound:
    """Audio in memory: a ``(frames, channels)`` array and its sample rate.

    Parameters
    ----------
    frames : int
        Length; the sound starts silent.
    samplerate : float
        Frames per second.
    channels : int
        Samples per frame.
    dtype : {"float32", "float64", "int16", "int32"}
        Sample type of `data`.
    """

    def __init__(self, frames: int, samplerate: float, channels: int = 1, dtype="float32"):
        if int(frames) != frames or frames < 0:
            raise ValueError(f"Sound frames: expected a whole number >= 0, got {frames!r}")
        if not samplerate > 0:
            raise ValueError(f"Sound samplerate: expected a positive rate, got {samplerate!r}")
        if int(channels) != channels or channels < 1:
            raise ValueError(f"Sound channels: expected a whole number >= 1, got {channels!r}")
        dtype = np.dtype(dtype)
        if dtype.name not in ("float32", "float64", "int16", "int32"):
            raise TypeError(f"Sound dtype: expected float32, float64, int16 or int32, got "
                            f"{dtype.name}")
        self.data = np.zeros((int(frames), int(channels)), dtype)
        self.samplerate = samplerate

    @classmethod
    def from_array(cls, array: np.ndarray, samplerate: float) -> Sound:
        """A Sound holding `array`, ``(frames,)`` (mono) or ``(frames, channels)``: the same
        memory where it is C-contiguous, else a copy."""
        array = np.asarray(array)
        if array.ndim not in (1, 2):
            raise ValueError(f"Sound.from_array: expected shape (frames,) or (frames, channels), "
                             f"got {array.shape}")
        channels = array.shape[1] if array.ndim == 2 else 1
        sound = cls(0, samplerate, channels, array.dtype)
        sound.data = np.ascontiguousarray(array.reshape(len(array), channels))
        return sound

    @classmethod
    def from_file(cls, path, *, samplerate: float | None = None,
                  quality: str = "high") -> Sound:
        """The whole of a sound file, decoded to float32; with `samplerate`, resampled to it
        (with `pkaudio.dsp.resample` at `quality`)."""
        soundfile = _soundfile()
        with _open(path) as f:
            try:
                data = f.read(dtype="float32", always_2d=True)
            except (soundfile.LibsndfileError, RuntimeError) as e:  # truncated, corrupt
                raise ValueError(f"{os.fspath(path)}: cannot decode ({e})") from None
            rate = f.samplerate
        if samplerate is not None and samplerate != rate:
            data = dsp.resample(data, rate, samplerate, quality=quality)
            rate = samplerate
        return cls.from_array(data, rate)

    @property
    def frames(self) -> int:
        return self.data.shape[0]

    @property
    def channels(self) -> int:
        return self.data.shape[1]

    @property
    def duration(self) -> float:
        """Seconds."""
        return self.frames / self.samplerate

    def save(self, path, format: str | None = None, subtype: str | None = None) -> None:
        """Write to a sound file; format from the file name's extension unless given (see
        ``soundfile.available_formats()`` and ``available_subtypes()``)."""
        if int(self.samplerate) != self.samplerate:
            raise ValueError(f"Sound.save: files need a whole sample rate, got {self.samplerate}")
        with _open(path, "w", samplerate=int(self.samplerate), channels=self.channels,
                   format=format, subtype=subtype) as f:
            f.write(self.data)

    def __repr__(self) -> str:
        return (f"Sound({self.frames} frames, {self.samplerate} Hz, {self.channels} channels, "
                f"{self.data.dtype})")


class Filler:
    """Copies a source into a Sound, from its first frame until the sound is full or the
    source ends (what is left stays as it was).

    Parameters
    ----------
    source : object with ``read(frames)``
        See the module's documentation; its channels must match the sound's.
    sound : Sound
        Where the frames go, converted to its dtype.
    block : int
        Frames asked of the source at a time.
    """

    def __init__(self, source: Any, sound: Sound, *, block: int = 65536):
        self.source, self.sound, self.block = source, sound, block
        self.filled = 0
        self.error: BaseException | None = None
        self._thread: threading.Thread | None = None

    @property
    def progress(self) -> float:
        """Fraction of the sound filled so far (1.0 for an empty sound)."""
        return self.filled / self.sound.frames if self.sound.frames else 1.0

    @property
    def done(self) -> bool:
        """Whether the copy has finished (or failed)."""
        return self._thread is None or not self._thread.is_alive()

    def run(self) -> Filler:
        """Copy in the calling thread; return when done (errors propagate)."""
        data = self.sound.data
        while self.filled < len(data):
            want = min(self.block, len(data) - self.filled)
            chunk = _as_frames(self.source.read(want), self.sound.channels, "Filler source")
            if len(chunk) == 0:
                break
            if len(chunk) > want:
                raise ValueError(f"Filler source: read({want}) returned {len(chunk)} frames")
            dsp.convert(chunk, data.dtype, out=data[self.filled:self.filled + len(chunk)])
            self.filled += len(chunk)
        return self

    def start(self) -> Filler:
        """Copy in a background thread; `join` waits for it."""
        def fill():
            try:
                self.run()
            except BaseException as e:  # re-raised by join()
                self.error = e

        self._thread = threading.Thread(target=fill, name="pkaudio Filler", daemon=True)
        self._thread.start()
        return self

    def join(self, timeout: float | None = None) -> bool:
        """Wait for a started copy; re-raise its error. Returns whether it finished."""
        if self._thread is not None:
            self._thread.join(timeout)
        if self.error is not None:
            raise self.error
        return self.done


class _Control:
    """What a DiskStream's owner tells its reader thread, and what the thread reports back."""

    def __init__(self):
        self.wake = threading.Event()   # set to wake the reader early
        self.stop = False
        self.error = ""
        self._lock = threading.Lock()
        self._seek_to: int | None = None  # source frame

    def request_seek(self, frame: int) -> None:
        with self._lock:
            self._seek_to = frame
        self.wake.set()

    def take_seek(self) -> int | None:
        with self._lock:
            frame, self._seek_to = self._seek_to, None
        return frame


def _read_ahead(buffer: StreamBuffer, source: Any, name: str, owned: bool, control: _Control,
                loop: bool, start: int, resampler: dsp.Resampler | None, block: int, room: int,
                poll: float) -> None:
    """The reader thread: keep `buffer` filled from `source`, `block` frames at a time (at
    most `room` frames once resampled), until told to stop."""
    channels = buffer.channels
    read = 0  # frames read since the start, or the last seek or loop

    def next_block() -> tuple[np.ndarray, bool]:
        """The next block for the buffer, and whether the source has ended."""
        nonlocal read
        chunk = _read_float32(source, block, channels, "DiskStream source")
        read += len(chunk)
        at_end = len(chunk) == 0
        if resampler is not None:  # (through a loop's splice, the filter runs on)
            chunk = resampler.process(chunk, last=at_end and not loop)
        return chunk, at_end

    def ended_or_looped(at_end: bool) -> bool:
        """At the end: loop (a source that gave nothing ends instead of spinning) or end."""
        nonlocal read
        if not at_end:
            return False
        if loop and read > 0:
            source.seek(0)
            read = 0
            return False
        buffer.end()
        return True

    ended = False
    pending = np.zeros((0, channels), np.float32)  # a seek's frames still waiting for room
    pending_end = False  # the source ended after them
    try:
        if start:
            source.seek(start)
        while not control.stop:
            target = control.take_seek()
            if target is not None:
                # The first block at the new place goes in with the switch, so no gap opens.
                # It fits (the buffer is filled only up to a block short) unless an earlier
                # seek's frames still wait for the consumer: then the rest follows when it can.
                source.seek(target)
                read = 0
                if resampler is not None:
                    resampler.reset()
                chunk, at_end = next_block()
                fit = min(len(chunk), buffer.writable())
                buffer.restart(chunk[:fit])
                pending, pending_end, ended = chunk[fit:], at_end, False
            if len(pending) or pending_end:
                if buffer.writable() < len(pending):
                    control.wake.wait(poll)
                    control.wake.clear()
                    continue
                _write(buffer, pending)
                pending = pending[:0]
                ended, pending_end = ended_or_looped(pending_end), False
                continue
            if ended or buffer.writable() < 2 * room:
                control.wake.wait(poll)
                control.wake.clear()
                continue
            chunk, at_end = next_block()
            _write(buffer, chunk)
            ended = ended_or_looped(at_end)
        if not ended:  # closed: what was buffered plays, then the stream ends
            buffer.end()
    except Exception as e:  # the consumer plays what arrived, then reports the error
        control.error = f"{name}: {type(e).__name__}: {e}"
        buffer.end(error=True)
    finally:
        if owned:
            source.close()


def _write(buffer: StreamBuffer, frames: np.ndarray) -> None:
    # The reader waits for room for two blocks first, so all of one fits.
    if buffer.write(frames) != len(frames):
        raise RuntimeError("DiskStream: buffer overrun in the reader (a bug in pkaudio)")


# Frames a DiskStream's reader asks of its source at a time.
READ_BLOCK = 4096
# How long closing a stream waits for its reader to finish a read in progress; a source stuck
# longer is left to its (daemon) thread, so neither close() nor the interpreter's exit hangs.
CLOSE_TIMEOUT = 5.0


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
    reading failed (what was read before still plays).

    Parameters
    ----------
    path_or_source : str, os.PathLike or source
        A file to open with soundfile (closed with the stream), or a source object with
        ``read``, ``samplerate``, ``channels`` (and ``seek`` to loop or seek).
    buffer_seconds : float
        How far ahead of the consumer the reader keeps the buffer.
    loop : bool
        Play from the start again at the end, without a gap.
    start : int
        Frame (at the stream's `samplerate`) to start from.
    samplerate : float, optional
        Rate to deliver frames at; a source at another rate is resampled on the fly (quality
        "high"), so it plays at the right pitch and length. Default: the source's rate.

    Notes
    -----
    Streams close their files and stop their threads when closed, at the end of a ``with``
    block, or when garbage collected.
    """

    def __init__(self, path_or_source: Any, *, buffer_seconds: float = 2.0, loop: bool = False,
                 start: int = 0, samplerate: float | None = None):
        if not buffer_seconds > 0:
            raise ValueError(f"DiskStream buffer_seconds: expected > 0, got {buffer_seconds!r}")
        owned = isinstance(path_or_source, (str, os.PathLike))
        source = _open(path_or_source) if owned else path_or_source
        self.name = os.fspath(path_or_source) if owned else type(source).__name__
        self.channels = int(source.channels)
        self.source_samplerate = source.samplerate
        self.samplerate = samplerate if samplerate is not None else source.samplerate
        resampler = None
        if self.samplerate != self.source_samplerate:
            resampler = dsp.Resampler(self.source_samplerate, self.samplerate, self.channels)
        block = READ_BLOCK
        ratio = resampler.ratio if resampler is not None else 1.0
        room = int(block * ratio) + 64  # frames a block can become, with the filter's tail
        # The reader fills the buffer up to a block short (room for a seek's first block).
        self._buffer = StreamBuffer(self.channels, max(3 * room,
                                                       int(buffer_seconds * self.samplerate)))
        self._control = _Control()
        self._claimed = False  # an engine's voice consumes it
        poll = min(0.05, buffer_seconds / 8)
        thread = threading.Thread(
            target=_read_ahead, name=f"pkaudio DiskStream {self.name}", daemon=True,
            args=(self._buffer, source, self.name, owned, self._control, loop,
                  self._source_frame(start), resampler, block, room, poll))
        self._finalizer = weakref.finalize(self, _shut_down, self._control, thread)
        thread.start()

    def _source_frame(self, frame: int) -> int:
        if int(frame) != frame or frame < 0:
            raise ValueError(f"DiskStream: expected a frame >= 0, got {frame!r}")
        return round(frame * self.source_samplerate / self.samplerate)

    def read(self, frames: int, *, out: np.ndarray | None = None) -> np.ndarray:
        """Consume the next `frames` frames, ``(frames, channels)`` float32: never waits."""
        if self._claimed:
            raise RuntimeError("DiskStream.read: an engine plays this stream; it has one "
                               "consumer")
        return self._buffer.read(frames, out=out)

    def _claim(self) -> None:
        """Make an engine's voice this stream's one consumer."""
        if self._claimed:
            raise RuntimeError(f"{self!r} is already being played: a stream plays once")
        self._claimed = True

    def seek(self, frame: int) -> None:
        """Continue from `frame` (at the stream's rate): the reader refills from there and the
        consumer skips what was buffered before."""
        self._control.request_seek(self._source_frame(frame))

    def events(self) -> list[Event]:
        """Events since the last call, oldest first."""
        return [Event(kind, frame, value, self._control.error if kind == "error" else "")
                for kind, frame, value in self._buffer.events()]

    def stats(self) -> dict[str, int | bool]:
        """The consumer's counters (frames played, underrun frames and runs, lost events),
        frames buffered ahead now, and whether all the stream's frames have been read into
        the buffer ("complete": the end, or an error)."""
        return {**self._buffer.stats(), "buffered": self._buffer.readable()}

    @property
    def closed(self) -> bool:
        return not self._finalizer.alive

    def close(self) -> None:
        """Stop the reader thread and close the file: the consumer plays what was buffered,
        then the stream ends."""
        self._finalizer()

    def __enter__(self) -> DiskStream:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return (f"DiskStream({self.name!r}, {self.samplerate} Hz, {self.channels} channels"
                f"{', closed' if self.closed else ''})")
