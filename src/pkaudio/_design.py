"""Filter design for the resampler: Kaiser-windowed sinc low-pass filters and their tables.

The resampler (``pkaudio._dsp.resample``) interpolates the input at each output time t with
``sum(x[m] * h(t - m))``, where h is a low-pass kernel of ``taps`` coefficients. Here h is
designed and tabulated, once per (quality, ratio) and cached; the compiled core only looks
rows up.

A quality fixes the kernel's length at ratio 1, its Kaiser window and its cutoff, chosen so that
the stopband starts at the lower of the two Nyquist frequencies (nothing aliases into the
output's band). When downsampling by r < 1 the kernel is stretched by 1/r: its cutoff follows
the output's Nyquist frequency, and it has taps / r coefficients.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Literal

import numpy as np

# The qualities by name, as ``quality=`` takes them.
QualityName = Literal["quick", "low", "medium", "high", "very_high"]

# Filter lengths are multiples of this (the compiled core sums in this many lanes).
TAP_MULTIPLE = 16
# Largest table (in bytes) of exact per-phase rows; past it the core interpolates between
# precomputed rows instead, which costs more per output but fits in cache.
EXACT_TABLE_BYTES = 1 << 20


@dataclass(frozen=True)
class Quality:
    """One resampling quality.

    Attributes
    ----------
    name : str
        As passed to ``quality=``.
    taps : int
        Kernel length at ratio >= 1 (input frames); 4 for the cubic.
    attenuation : float
        Stopband attenuation (dB) that sets the Kaiser window's beta; 0 for the cubic.
    cutoff : float
        The sinc's cutoff as a fraction of the lower Nyquist frequency.
    poly_phases : int
        Intervals of the interpolated table, used for ratios whose exact table is too large.
    wide : bool
        Compute in double precision even for float32 audio.

    Each (taps, attenuation, cutoff) is the shortest Kaiser design, taps a multiple of 16,
    whose response at and above the Nyquist frequency stays below the quality's stopband level,
    with the cutoff as high as that allows (the widest flat passband).
    """

    name: QualityName
    taps: int
    attenuation: float
    cutoff: float
    poly_phases: int
    wide: bool = False

    @property
    def cubic(self) -> bool:
        return self.attenuation == 0

    @property
    def beta(self) -> float:
        return 0.1102 * (self.attenuation - 8.7)


# Measured at ratio 1 (bench/run.py resample): passband flat within 0.01 dB up to, and stopband
# level from the Nyquist frequency on: low 0.66 of Nyquist, -80 dB; medium 0.853, -112 dB;
# high 0.909, -132 dB; very_high 0.946, -162 dB. The interpolated tables add errors below that.
QUALITIES: dict[QualityName, Quality] = {
    q.name: q
    for q in (
        Quality("quick", 4, 0.0, 1.0, 0),
        Quality("low", 32, 84.5, 0.8231, 8),
        Quality("medium", 96, 119.5, 0.9181, 16),
        Quality("high", 176, 138.0, 0.9480, 32),
        Quality("very_high", 352, 168.0, 0.9680, 64, wide=True),
    )
}


def kernel_taps(quality: Quality, scale: float) -> int:
    """Kernel length when the cutoff is scaled by `scale` = min(1, ratio)."""
    if quality.cubic:
        return 4
    return TAP_MULTIPLE * math.ceil(quality.taps / scale / TAP_MULTIPLE)


def kernel(quality: Quality, scale: float, t: np.ndarray) -> np.ndarray:
    """The windowed-sinc kernel h(t) for `scale`, t in input frames (float64).

    Its support, |t| < taps/2 - 1, leaves the first and last coefficient of every row zero:
    the compiled core sums two outputs a frame or two apart over one window of taps frames.
    """
    half = kernel_taps(quality, scale) / 2 - 1
    cutoff = 0.5 * scale * quality.cutoff  # cycles per input frame
    inside = np.clip(1.0 - (t / half) ** 2, 0.0, None)
    # Kaiser's window less its value at the edges, so the kernel falls to zero continuously
    # there: a step would leave an error no interpolation between rows can follow.
    pedestal = 1.0
    window = (np.i0(quality.beta * np.sqrt(inside)) - pedestal) / (np.i0(quality.beta) - pedestal)
    return np.where(np.abs(t) < half, 2 * cutoff * np.sinc(2 * cutoff * t) * window, 0.0)


def rows(quality: Quality, scale: float, fractions: np.ndarray) -> np.ndarray:
    """Coefficient rows for outputs at these fractions of a frame past the window's centre
    frame, each normalised to unit gain at 0 Hz; shape (len(fractions), taps).
    """
    taps = kernel_taps(quality, scale)
    j = np.arange(taps)
    # Row f weighs window frame j, which lies at t = f + taps/2 - 1 - j frames before the output.
    t = fractions[:, None] + (taps // 2 - 1) - j[None, :]
    h = kernel(quality, scale, t)
    return h / h.sum(axis=1, keepdims=True)


@functools.lru_cache(maxsize=32)
def exact_table(quality: Quality, scale: float, den: int, dtype: str, pad: tuple[int, int]
                ) -> np.ndarray:
    """One row per phase k/den, k < den, with pad[0] zeros before and pad[1] after its taps:
    shape (den, pad[0] + taps + pad[1]), read-only. At ratio 1 (one phase at full scale) the
    row is a unit impulse: nothing can alias, so the samples pass unchanged.
    """
    taps = kernel_taps(quality, scale)
    table = np.zeros((den, pad[0] + taps + pad[1]), dtype)
    if den == 1 and scale == 1.0:
        table[0, pad[0] + taps // 2 - 1] = 1.0
    else:
        table[:, pad[0]:pad[0] + taps] = rows(quality, scale, np.arange(den) / den)
    table.flags.writeable = False
    return table


# Turns a cubic's values at u = 0, 1/3, 2/3, 1 into its coefficients in u (constant first).
_CUBIC_FIT = np.linalg.inv(np.vander(np.array([0.0, 1 / 3, 2 / 3, 1.0]), 4, increasing=True))


@functools.lru_cache(maxsize=32)
def poly_table(quality: Quality, scale: float, dtype: str) -> np.ndarray:
    """For each of `poly_phases` intervals of a frame, the cubic in the position u in [0, 1)
    across it that passes through the exact rows at u = 0, 1/3, 2/3 and 1: shape
    (phases, 4, taps), coefficients of u^0 .. u^3, read-only.
    """
    phases = quality.poly_phases
    points = np.arange(3 * phases + 1) / (3 * phases)
    exact = rows(quality, scale, points)
    samples = np.stack([exact[k : k + 3 * phases : 3] for k in range(4)], axis=1)
    table = np.einsum("pq,iqt->ipt", _CUBIC_FIT, samples).astype(dtype)
    table = np.ascontiguousarray(table)
    table.flags.writeable = False
    return table


def exact_fits(quality: Quality, scale: float, den: int, itemsize: int, pad: int) -> bool:
    """Whether the exact table for this denominator, its rows padded by `pad` zeros, stays
    within EXACT_TABLE_BYTES.
    """
    return den * (kernel_taps(quality, scale) + pad) * itemsize <= EXACT_TABLE_BYTES
