"""Reverbs: a feedback delay network (`Reverb`) and convolution with an impulse response
(`Convolution`).
"""
from __future__ import annotations

import os
from typing import Any, Literal

import numpy as np

from .. import _checks as check
from .._dsp import fx as _fx
from .effect import Effect, ParamAttribute

Matrix = Literal["householder", "hadamard"]
_MATRICES: tuple[Matrix, ...] = ("householder", "hadamard")


class Reverb(Effect):
    """A feedback delay network reverb (Jot's): 8 or 16 delay lines of mutually prime lengths
    fed back through an orthogonal matrix, each line's gain set so that everything it holds
    dies by 60 dB in `decay` seconds, a one-pole low-pass in each line's loop for `damping`.

    Channels: the input's channels are averaged into one signal, delayed by `predelay` and fed
    to every line; output channel c takes the lines with the signs of row 1 + c mod (lines - 1)
    of the Hadamard matrix, rows orthogonal to each other, so that the channels are
    decorrelated (stereo's two, and any others up to lines - 1 apart; channels c and
    c + lines - 1 are the same). The output is ``(1 - mix) * input + mix * wet``. No latency;
    the tail lasts until 120 dB down (twice `decay`, with the predelay and the longest line).

    Parameters
    ----------
    decay : float
        Seconds (automatable), the RT60 at low frequencies: 0.05 .. 100; default 1.5.
    damping : float
        0 .. 1 (automatable), how much sooner the highest frequencies die: their RT60 is
        ``decay * (1 - damping)`` (at least 1% of decay); 0 is no damping. Default 0.3.
    mix : float
        0 .. 1 (automatable), the wet share; default 0.3.
    size : float
        0 .. 1, the room's size: the shortest line is 5 ms at 0 and 40 ms at 1, the longest
        three times as long. Default 0.5.
    predelay : float
        Seconds before the reverberation starts, 0 .. 2; default 0.
    lines : int
        8 or 16 delay lines (16: denser echoes, twice the work); default 8.
    matrix : {"householder", "hadamard"}
        The feedback matrix: Householder's reflection ``I - 2/N 11^T`` (each line fed from all
        the others alike) or the Hadamard matrix scaled by ``1/sqrt(N)``. Default
        "householder".
    """

    kind = "reverb"
    decay = ParamAttribute()
    damping = ParamAttribute()
    mix = ParamAttribute()

    def __init__(self, decay: float = 1.5, damping: float = 0.3, mix: float = 0.3, *,
                 size: float = 0.5, predelay: float = 0.0, lines: int = 8,
                 matrix: Matrix = "householder") -> None:
        lines = check.whole(lines, "Reverb lines", 8, 16, "8 or 16")
        if lines not in (8, 16):
            raise ValueError(f"Reverb lines: expected 8 or 16, got {lines}")
        matrix = check.choice(matrix, "Reverb matrix", _MATRICES)
        predelay = check.seconds(predelay, "Reverb predelay", 0.0, 2.0)
        super().__init__({"decay": decay, "damping": damping, "mix": mix, "size": size,
                          "predelay": predelay, "lines": lines,
                          "matrix": _MATRICES.index(matrix)})

    @property
    def size(self) -> float:
        return self._settings["size"]

    @property
    def predelay(self) -> float:
        """Seconds."""
        return self._settings["predelay"]

    @property
    def lines(self) -> int:
        return int(self._settings["lines"])

    @property
    def matrix(self) -> Matrix:
        return _MATRICES[int(self._settings["matrix"])]


class Convolution(Effect):
    """Convolution with an impulse response, partitioned non-uniformly in the frequency
    domain: the response's head is cut into partitions of `partition` frames, later parts
    into partitions four times as long at each step (up to 16384 frames), all transformed
    once when the effect is prepared. The latency is one partition (`latency`, in frames);
    the longer partitions' work is spread evenly over the partitions of `partition` frames,
    so no block does much more work than another; the output does not depend on the block
    size, and the work per frame grows with the logarithm of the response's length.

    Channels: a mono response convolves every channel; one of several channels gives each
    channel its own (the effect then runs only on that many channels). The output is
    ``(1 - mix) * input + mix * wet``, the input delayed to line up. The tail is the
    response's length less one frame.

    Parameters
    ----------
    impulse : numpy.ndarray or str or os.PathLike
        The response: a float32 or float64 array ``(frames,)`` or ``(frames, channels)``
        (at least one frame, up to 64 channels, finite), or a sound file's path (read whole).
    samplerate : float, optional
        For an array: its frames a second, so that it is resampled (`pkaudio.dsp.resample`)
        when the effect runs at another rate, scaled by the ratio of the rates so that its
        frequency response keeps its gain; None (the default) takes it as it is at any rate.
        For a file: not given (the file says).
    mix : float
        0 .. 1 (automatable), the wet share; default 1 (only the convolved signal).
    partition : int
        Frames of the first partitions, a power of two 16 .. 16384: the latency. Smaller is
        less latency for more work. Default 256.
    """

    kind = "convolution"
    mix = ParamAttribute()

    def __init__(self, impulse: np.ndarray | str | os.PathLike[str],
                 samplerate: float | None = None, *, mix: float = 1.0,
                 partition: int = 256) -> None:
        partition = check.whole(partition, "Convolution partition", 16, 16384,
                                "a power of two")
        if partition & (partition - 1):
            raise ValueError(f"Convolution partition: expected a power of two (16 .. 16384), "
                             f"got {partition}")
        ir, rate = _impulse(impulse, samplerate)
        super().__init__({"mix": mix, "partition": partition})
        self._impulse, self._impulse_rate = ir, rate
        self._node.preparing = _Loader(ir, rate)

    @property
    def impulse(self) -> np.ndarray:
        """The response as given (or read), float32 ``(frames, channels)``."""
        return self._impulse.copy()

    @property
    def impulse_samplerate(self) -> float | None:
        """The response's rate (None: taken as it is at any rate)."""
        return self._impulse_rate

    @property
    def partition(self) -> int:
        return int(self._settings["partition"])


def _impulse(impulse: Any, samplerate: Any) -> tuple[np.ndarray, float | None]:
    """The response as float32 (frames, channels) and its rate, checked."""
    what = "Convolution impulse"
    rate: float | None
    if isinstance(impulse, (str, os.PathLike)):
        if samplerate is not None:
            raise TypeError("Convolution samplerate: expected None with a file (the file gives "
                            f"its rate), got {check._shown(samplerate)}")
        from ..files import read_all

        ir, rate = read_all(impulse, what)
    elif isinstance(impulse, np.ndarray):
        ir = check.audio(impulse, what)
        if ir.dtype.kind != "f":
            raise TypeError(f"{what}: expected dtype float32 or float64, got {ir.dtype}")
        rate = None if samplerate is None else check.samplerate(samplerate,
                                                                "Convolution samplerate")
    else:
        raise TypeError(f"{what}: expected a numpy array or a file's path, got "
                        f"{type(impulse).__name__}")
    if len(ir) == 0:
        raise ValueError(f"{what}: expected at least one frame, got none")
    check.channels(ir.shape[1], f"{what} channels")
    if not np.isfinite(ir).all():
        raise ValueError(f"{what}: expected finite samples, got NaN or infinity")
    ir = np.ascontiguousarray(ir, np.float32)
    ir.flags.writeable = False
    return ir, rate


class _Loader:
    """Hands a convolution node its response, at the rate it is prepared at, before each
    prepare (off the audio thread): the last rate's resampled copy is kept.
    """

    def __init__(self, ir: np.ndarray, rate: float | None) -> None:
        self.ir, self.rate = ir, rate
        self.resampled: tuple[float, np.ndarray] | None = None

    def __call__(self, host: _fx.NodeHost, samplerate: float, channels: int) -> None:
        have = self.ir.shape[1]
        if have not in (1, channels):
            raise ValueError(f"Convolution: its impulse response has {have} channels, so it "
                             f"runs on {have} (or give a mono one), not on {channels}")
        ir = self.ir
        if self.rate is not None and self.rate != samplerate:
            if self.resampled is None or self.resampled[0] != samplerate:
                check.conversion(self.rate, samplerate, "Convolution: its impulse response")
                from ..dsp import resample

                scaled = resample(self.ir, self.rate, samplerate) * (self.rate / samplerate)
                self.resampled = samplerate, np.ascontiguousarray(scaled, np.float32)
            ir = self.resampled[1]
        _fx.convolution_use(host, ir)
