"""Arguments turned into checked values, for every layer of pkaudio.

Each check takes the value and `what`, the function and argument it came as ("Engine.play
gain"), and returns the value in the type the caller works with, or raises: TypeError for a
value of the wrong kind (a string where a number goes), ValueError for one of the right kind
out of range. Messages read "<what>: expected <what is expected>, got <what came>", the same
everywhere. (The compiled kernels check arrays and gains on their hot path in
``src/_dsp/_arrays.pxd``, worded the same way.)
"""
from __future__ import annotations

import math
import numbers
from typing import Any, TypeVar

import numpy as np

_Choice = TypeVar("_Choice", bound=str)

# The largest finite float32: gains and levels are float32 in the core.
FLOAT32_MAX = float(np.finfo(np.float32).max)
# Sample rates a clock can run at: a whole number of frames a second is not required, but a
# rate from a control signal's 1 Hz up to 10 MHz.
LEAST_SAMPLERATE, MOST_SAMPLERATE = 1.0, 1e7
# Engine frames go up to this (6 million years at 48 kHz): start + length stays in 64 bits.
MAX_FRAME = 1 << 62
# Channels of the engine and of devices.
MAX_CHANNELS = 64


def _shown(value: Any) -> str:
    """How an error message shows what came: repr, cut short."""
    if isinstance(value, np.ndarray):
        return f"{value.dtype} array shaped {value.shape}"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def number(value: Any, what: str) -> float:
    """A finite real number (int, float or numpy scalar; not a bool, not a string)."""
    if type(value) is float and math.isfinite(value):  # (the common case, quickly)
        return value
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{what}: expected a number, got {type(value).__name__} "
                        f"{_shown(value)}")
    try:
        result = float(value)
    except OverflowError:
        result = math.inf
    except (TypeError, ValueError):  # (numpy's timedelta64 is an Integral that float refuses)
        raise TypeError(f"{what}: expected a number, got {type(value).__name__} "
                        f"{_shown(value)}") from None
    if not math.isfinite(result):
        raise ValueError(f"{what}: expected a finite number, got {_shown(value)}")
    return result


def within(value: Any, what: str, low: float, high: float, unit: str = "") -> float:
    """A finite number within low .. high."""
    result = number(value, what)
    if not low <= result <= high:
        raise ValueError(f"{what}: expected {low:g} .. {high:g}{unit}, got {_shown(value)}")
    return result


def gain(value: Any, what: str) -> float:
    """A linear gain: finite, and within what float32 holds (the core's format)."""
    result = number(value, what)
    if abs(result) > FLOAT32_MAX:
        raise ValueError(f"{what}: expected a gain within +-{FLOAT32_MAX:.7g} (float32), got "
                         f"{_shown(value)}")
    return result


def samplerate(value: Any, what: str) -> float:
    """Frames a second: LEAST_SAMPLERATE .. MOST_SAMPLERATE."""
    return within(value, what, LEAST_SAMPLERATE, MOST_SAMPLERATE, " frames a second")


def conversion(source_rate: float, rate: float, what: str) -> None:
    """Raise unless a source at `source_rate` can be resampled to `rate` (within 256 times)."""
    if not 1 / 256 <= rate / source_rate <= 256:
        raise ValueError(f"{what}: expected a rate within 256 times the source's "
                         f"{source_rate:g}, got {rate:g}")


def whole(value: Any, what: str, low: int = 0, high: int = MAX_FRAME,
          expected: str = "a whole number") -> int:
    """An integer low .. high (an int, a numpy integer, or a float with no fraction; not a
    bool).
    """
    if type(value) is int and low <= value <= high:  # (the common case, quickly)
        return value
    span = f"{low} .. {high}" if high < MAX_FRAME else f">= {low}"
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{what}: expected {expected} ({span}), got {type(value).__name__} "
                        f"{_shown(value)}")
    if isinstance(value, numbers.Integral) and not isinstance(value, np.timedelta64):
        result = int(value)
    else:
        as_float = number(value, what) if not isinstance(value, float) else value
        if not (math.isfinite(as_float) and as_float == int(as_float)):
            raise ValueError(f"{what}: expected {expected} ({span}), got {_shown(value)}")
        result = int(as_float)
    if not low <= result <= high:
        raise ValueError(f"{what}: expected {expected} ({span}), got {_shown(value)}")
    return result


def frames(value: Any, what: str, high: int = MAX_FRAME) -> int:
    """A number of frames, 0 .. high."""
    return whole(value, what, 0, high, "a number of frames")


def frame(value: Any, what: str) -> int:
    """An engine frame, 0 .. MAX_FRAME."""
    return whole(value, what, 0, MAX_FRAME, "an engine frame")


def channels(value: Any, what: str, high: int = MAX_CHANNELS) -> int:
    """A channel count, 1 .. high."""
    return whole(value, what, 1, high, "a channel count")


def seconds(value: Any, what: str, low: float = 0.0, high: float = 1e9) -> float:
    """A finite number of seconds, low .. high."""
    return within(value, what, low, high, " seconds")


def boolean(value: Any, what: str) -> bool:
    """True or False (a Python or numpy bool; not 1, not "yes")."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{what}: expected True or False, got {type(value).__name__} "
                        f"{_shown(value)}")
    return bool(value)


def choice(value: Any, what: str, options: tuple[_Choice, ...]) -> _Choice:
    """One of the strings in `options` (typed as they are: a Literal's, say)."""
    if not isinstance(value, str) or value not in options:
        raise (ValueError if isinstance(value, str) else TypeError)(
            f"{what}: expected one of {', '.join(map(repr, options))}, got {_shown(value)}")
    return value


def dtype(value: Any, what: str, options: tuple[str, ...]) -> np.dtype:
    """A numpy dtype whose name is one of `options`, given as a name, a dtype or a type (not
    a value of one: numpy would read np.float32(1) as float32).
    """
    try:
        result = np.dtype(value) if isinstance(value, (str, np.dtype, type)) else None
    except (TypeError, ValueError):
        result = None
    if result is None or result.name not in options:
        raise TypeError(f"{what}: expected dtype {' or '.join(options)}, got {_shown(value)}")
    return result


# The sample types audio arrays come in.
SAMPLE_TYPES = ("int16", "int32", "float32", "float64")


def audio(value: Any, what: str, channels: int | None = None,
          frames: int | None = None) -> np.ndarray:
    """An audio array as (frames, channels) in C order and native byte order, of one of
    SAMPLE_TYPES (1-D is mono); `channels` and `frames`, where given, as it must have.
    """
    if not isinstance(value, np.ndarray):
        raise TypeError(f"{what}: expected a numpy array, got {type(value).__name__}")
    array = value.reshape(-1, 1) if value.ndim == 1 else value
    if (array.ndim != 2 or array.shape[1] < 1 or (channels is not None and
                                                    array.shape[1] != channels)
            or (frames is not None and len(array) != frames)):
        shape = (frames if frames is not None else "frames",
                 channels if channels is not None else "channels")
        raise ValueError(f"{what}: expected shape ({shape[0]},) or ({shape[0]}, {shape[1]})"
                         f", got {value.shape}")
    if array.dtype.name not in SAMPLE_TYPES:
        raise TypeError(f"{what}: expected dtype {', '.join(SAMPLE_TYPES)}, got "
                        f"{array.dtype}")
    return np.ascontiguousarray(array, array.dtype.newbyteorder("="))


def text(value: Any, what: str) -> str:
    """A non-empty string."""
    if not isinstance(value, str) or not value:
        raise (ValueError if isinstance(value, str) else TypeError)(
            f"{what}: expected a non-empty string, got {_shown(value)}")
    return value
