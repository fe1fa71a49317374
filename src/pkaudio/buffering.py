"""Sounds in memory, and fillers that copy sources into them (the seed's API; disk streams
live in `pkaudio.diskstream` and files in `pkaudio.files`, both also found here).

A *source* is anything with ``read(frames)`` that returns up to that many frames as a numpy
array, ``(frames,)`` or ``(frames, channels)`` of any dtype the kernels convert (int16, int32,
float32, float64), fewer at the end and then none: a ``soundfile.SoundFile`` is one.
"""
from __future__ import annotations

import threading
from typing import Any

import numpy as np

from . import _checks as check
from . import dsp
from ._design import QUALITIES, QualityName
from .diskstream import DiskStream, as_frames
from .files import Info, info, open_file, read_all

__all__ = ["DiskStream", "Filler", "Info", "Sound", "info"]

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

    def __init__(self, frames: int, samplerate: float, channels: int = 1,
                 dtype: Any = "float32"):
        frames = check.frames(frames, "Sound frames", 1 << 40)
        self.samplerate = check.samplerate(samplerate, "Sound samplerate")
        channels = check.channels(channels, "Sound channels", 1 << 16)
        if frames * channels > 1 << 40:
            raise ValueError(f"Sound frames: {frames} frames of {channels} channels are more "
                             "samples than memory holds")
        self.data = np.zeros((frames, channels),
                             check.dtype(dtype, "Sound dtype", check.SAMPLE_TYPES))

    @classmethod
    def from_array(cls, array: np.ndarray, samplerate: float) -> Sound:
        """A Sound holding `array`: the same memory where it is C-contiguous, else a copy.

        Parameters
        ----------
        array : numpy.ndarray
            ``(frames,)`` (mono) or ``(frames, channels)``: float32, float64, int16 or int32.
        samplerate : float
            Frames per second.
        """
        data = check.audio(array, "Sound.from_array array")
        check.channels(data.shape[1], "Sound.from_array array's channels", 1 << 16)
        sound = cls(0, samplerate, data.shape[1], data.dtype)
        sound.data = data
        return sound

    @classmethod
    def from_file(cls, path: Any, *, samplerate: float | None = None,
                  quality: QualityName = "high") -> Sound:
        """The whole of a sound file, decoded to float32.

        A file that decodes to fewer frames than its header gives (cut short, or corrupt) is
        a ValueError naming it, not a shorter sound; one that decodes to more (the length of
        an MPEG stream without a length header is an estimate) gives them all.

        Parameters
        ----------
        path : str, os.PathLike or file object
        samplerate : float, optional
            Resample to this rate (with `pkaudio.dsp.resample` at `quality`).
        quality : {"quick", "low", "medium", "high", "very_high"}
        """
        if samplerate is not None:
            samplerate = check.samplerate(samplerate, "Sound.from_file samplerate")
        quality = check.choice(quality, "Sound.from_file quality", tuple(QUALITIES))
        data, rate = read_all(path, "Sound.from_file path")
        if samplerate is not None and samplerate != rate:
            check.conversion(rate, samplerate, "Sound.from_file samplerate")
            data = dsp.resample(data, rate, samplerate, quality=quality)
            return cls.from_array(data, samplerate)
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

    def save(self, path: Any, format: str | None = None, subtype: str | None = None) -> None:
        """Write to a sound file.

        Parameters
        ----------
        path : str, os.PathLike or file object
        format, subtype : str, optional
            Default: from the file name's extension (see ``soundfile.available_formats()``
            and ``available_subtypes()``).
        """
        if int(self.samplerate) != self.samplerate:
            raise ValueError(f"Sound.save: files need a whole sample rate, got {self.samplerate}")
        with open_file(path, "w", what="Sound.save path", samplerate=int(self.samplerate),
                       channels=self.channels, format=format, subtype=subtype) as f:
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
        if not callable(getattr(source, "read", None)):
            raise TypeError(f"Filler source: expected an object with read(frames), got "
                            f"{type(source).__name__}")
        if not isinstance(sound, Sound):
            raise TypeError(f"Filler sound: expected a Sound, got {type(sound).__name__}")
        block = check.whole(block, "Filler block", 1, 1 << 30, "a number of frames")
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
            chunk = as_frames(self.source.read(want), self.sound.channels, "Filler source")
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
