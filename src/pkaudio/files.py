"""Sound files, through soundfile (libsndfile): WAV, AIFF, FLAC, OGG/Vorbis, Opus, MP3 and more.

A file that is missing raises FileNotFoundError; one that is empty, corrupt, cut short or in a
format libsndfile cannot read raises ValueError; each names the file.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np

from . import _checks as check

__all__ = ["Info", "info"]


# Frames read_all decodes at a time.
READ_ALL_BLOCK = 1 << 20


def soundfile() -> ModuleType:
    """The soundfile module, or an ImportError that says how to install it."""
    try:
        import soundfile
    except (ImportError, OSError) as e:  # OSError: libsndfile itself is missing
        raise ImportError(f"pkaudio reads and writes files with soundfile ({e}); "
                          "install it with: pip install soundfile") from None
    return soundfile


def open_file(path: Any, mode: str = "r", what: str = "open", **settings: Any) -> Any:
    """soundfile.SoundFile(path, mode, ...), its errors turned into ones that name the file
    (and, for a path of the wrong type, `what`: the function and argument it came as).
    """
    sf = soundfile()
    if not isinstance(path, (str, os.PathLike)) and not hasattr(path, "read"):
        raise TypeError(f"{what}: expected a file name (str or os.PathLike) or a file object, "
                        f"got {type(path).__name__}")
    if isinstance(path, (str, os.PathLike)) and not os.fspath(path):
        raise ValueError(f"{what}: expected a file name, got ''")
    try:
        return sf.SoundFile(path, mode, **settings)
    except (sf.LibsndfileError, RuntimeError, TypeError, ValueError) as e:
        name = f"{what}: {name_of(path)}" if isinstance(path, (str, os.PathLike)) else what
        if mode == "r" and isinstance(path, (str, os.PathLike)):
            if not os.path.exists(path):
                raise FileNotFoundError(f"{name}: no such file") from None
            if os.path.isfile(path) and os.path.getsize(path) == 0:
                raise ValueError(f"{name}: the file is empty") from None
        if mode == "r":
            raise ValueError(f"{name}: not a sound file libsndfile can read ({e})") from None
        raise ValueError(f"{name}: cannot open for writing ({e})") from None


def name_of(path: Any) -> str:
    return os.fspath(path) if isinstance(path, (str, os.PathLike)) else repr(path)


def cut_short(name: str, frames: int, promised: int) -> ValueError:
    """The error for a file that decoded to fewer frames than its header promised."""
    return ValueError(f"{name}: the file ends after {frames} of the {promised} frames its "
                      f"header gives (cut short, or corrupt)")


def read_all(path: Any, what: str) -> tuple[np.ndarray, float]:
    """The whole of a sound file as (frames, channels) float32, and its sample rate; a file
    that decodes to fewer frames than its header gives is an error, not a shorter sound.
    """
    sf = soundfile()
    with open_file(path, what=what) as f:
        rate = check.samplerate(f.samplerate, f"{what}: {name_of(path)}: its sample rate")
        # A block at a time: a header may claim far more frames than the file holds.
        blocks = []
        try:
            while len(block := f.read(READ_ALL_BLOCK, dtype="float32", always_2d=True)):
                blocks.append(block)
        except (sf.LibsndfileError, RuntimeError) as e:
            raise ValueError(f"{what}: {name_of(path)}: cannot decode ({e})") from None
        data = np.concatenate(blocks) if blocks else np.zeros((0, f.channels), np.float32)
        if len(data) < f.frames:
            raise cut_short(f"{what}: {name_of(path)}", len(data), f.frames)
        return data, rate


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


def info(path: str | os.PathLike) -> Info:
    """Format, subtype, sample rate, channels and length of a sound file, without decoding it.

    Parameters
    ----------
    path : str or os.PathLike

    Returns
    -------
    Info
    """
    with open_file(path, what="info path") as f:
        return Info(f.format, f.subtype, f.samplerate, f.channels, f.frames)
