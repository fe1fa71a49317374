"""The effects against pedalboard and scipy, on 10 s of stereo float32 at 48 kHz, one thread.

pedalboard runs each effect as a one-shot call (its plugins reset first); pkaudio's one-shot
`effect(x, samplerate)` does the same (a prepare, a reset, the whole array). The biquad
cascade is also measured against scipy.signal.sosfilt with the same sections.
"""
from __future__ import annotations

import platform
from collections.abc import Callable

import numpy as np

from .. import __version__, fx
from . import Case, compare, table

RATE = 48000


def cases() -> list[Case]:
    import pedalboard
    from scipy import signal

    x = np.random.default_rng(1).uniform(-0.5, 0.5, (10 * RATE, 2)).astype(np.float32)
    planar = np.ascontiguousarray(x.T)  # pedalboard's layout: (channels, frames)
    pairs = [
        ("lowpass 1 kHz", fx.Lowpass(1000), pedalboard.LowpassFilter(1000)),
        ("highpass 100 Hz", fx.Highpass(100), pedalboard.HighpassFilter(100)),
        ("peak 3 kHz +6 dB", fx.Peak(3000, 0.7071, 6.0),
         pedalboard.PeakFilter(3000, 6.0, 0.7071)),
        ("low shelf 200 Hz +3 dB", fx.LowShelf(200, 0.7071, 3.0),
         pedalboard.LowShelfFilter(200, 3.0, 0.7071)),
        ("high shelf 8 kHz -3 dB", fx.HighShelf(8000, 0.7071, -3.0),
         pedalboard.HighShelfFilter(8000, -3.0, 0.7071)),
        ("gain -6 dB", fx.Gain(0.5), pedalboard.Gain(-6.02)),
    ]
    found = [Case(name, _call(ours, x), _call(theirs, planar), "pedalboard",
                  ">= 1x" if name.startswith("gain") else ">= 2x (goal 3x)")
             for name, ours, theirs in pairs]
    eq = fx.Chain([fx.LowShelf(120, 0.7071, 2.0), fx.Peak(500, 1.0, -3.0),
                   fx.Peak(2500, 1.4, 2.0), fx.HighShelf(9000, 0.7071, 1.5)])
    sos = np.array([np.concatenate(_cookbook(kind, f, q, g))
                    for kind, f, q, g in [("lowshelf", 120, 0.7071, 2.0),
                                          ("peak", 500, 1.0, -3.0), ("peak", 2500, 1.4, 2.0),
                                          ("highshelf", 9000, 0.7071, 1.5)]])
    found.append(Case("EQ: 4 biquads in series", lambda: eq(x, RATE),
                      lambda: signal.sosfilt(sos, x, axis=0), "scipy sosfilt (float32 in)",
                      ">= 2x"))
    board = pedalboard.Pedalboard([pedalboard.LowShelfFilter(120, 2.0, 0.7071),
                                   pedalboard.PeakFilter(500, -3.0, 1.0),
                                   pedalboard.PeakFilter(2500, 2.0, 1.4),
                                   pedalboard.HighShelfFilter(9000, 1.5, 0.7071)])
    found.append(Case("EQ: 4 biquads in series", lambda: eq(x, RATE),
                      lambda: board(planar, RATE), "pedalboard", ">= 2x"))
    return found


def _call(effect: Callable[[np.ndarray, int], object], x: np.ndarray) -> Callable[[], object]:
    return lambda: effect(x, RATE)


def _cookbook(kind: str, f0: float, q: float, gain_db: float) -> tuple[np.ndarray, np.ndarray]:
    """(b, a) of the Audio EQ Cookbook, normalised (for scipy's sections)."""
    w0 = 2 * np.pi * f0 / RATE
    cw, alpha, a = np.cos(w0), np.sin(w0) / (2 * q), 10 ** (gain_db / 40)
    r = 2 * np.sqrt(a) * alpha
    if kind == "peak":
        b, den = [1 + alpha * a, -2 * cw, 1 - alpha * a], [1 + alpha / a, -2 * cw, 1 - alpha / a]
    elif kind == "lowshelf":
        b = [a * ((a + 1) - (a - 1) * cw + r), 2 * a * ((a - 1) - (a + 1) * cw),
             a * ((a + 1) - (a - 1) * cw - r)]
        den = [(a + 1) + (a - 1) * cw + r, -2 * ((a - 1) + (a + 1) * cw),
               (a + 1) + (a - 1) * cw - r]
    else:
        b = [a * ((a + 1) + (a - 1) * cw + r), -2 * a * ((a - 1) + (a + 1) * cw),
             a * ((a + 1) + (a - 1) * cw - r)]
        den = [(a + 1) - (a - 1) * cw + r, 2 * ((a - 1) - (a + 1) * cw),
               (a + 1) - (a - 1) * cw - r]
    return np.array(b) / den[0], np.array(den) / den[0]


def run(quick: bool = False) -> str:
    """Run the effects benchmark and return the report (Markdown)."""
    import pedalboard

    rounds, batch = (3, 0.05) if quick else (11, 0.3)
    results = [compare(case, rounds, batch) for case in cases()]
    header = (
        f"# pkaudio {__version__} effects benchmark\n\n"
        f"{platform.processor() or platform.machine()}, Python {platform.python_version()}, "
        f"pedalboard {pedalboard.__version__}; 10 s of stereo float32 at 48 kHz, one-shot "
        f"calls; medians of {rounds} interleaved rounds; ratio = peer time / pkaudio time.\n"
    )
    return f"{header}\n{table(results)}\n"


__all__ = ["cases", "run"]
