"""The effects against pedalboard and scipy, on 10 s of stereo float32 at 48 kHz, one thread.

pedalboard runs each effect as a one-shot call (its plugins reset first); pkaudio's one-shot
`effect(x, samplerate)` does the same (a prepare, a reset, the whole array). The biquad
cascade is also measured against scipy.signal.sosfilt with the same sections.
"""
from __future__ import annotations

import platform
from collections.abc import Callable
from pathlib import Path

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


def run(quick: bool = False, plot_path: Path | None = None) -> str:
    """Run the effects benchmark and return the report (Markdown); with plot_path, also draw
    the filters' responses there (needs matplotlib).
    """
    import pedalboard

    if plot_path is not None:
        plot_responses(plot_path)

    rounds, batch = (3, 0.05) if quick else (11, 0.3)
    results = [compare(case, rounds, batch) for case in cases()]
    header = (
        f"# pkaudio {__version__} effects benchmark\n\n"
        f"{platform.processor() or platform.machine()}, Python {platform.python_version()}, "
        f"pedalboard {pedalboard.__version__}; 10 s of stereo float32 at 48 kHz, one-shot "
        f"calls; medians of {rounds} interleaved rounds; ratio = peer time / pkaudio time.\n"
    )
    return f"{header}\n{table(results)}\n"




def plot_responses(path: Path) -> None:
    """Each filter's measured magnitude response (an impulse through the effect, FFT) drawn
    over its formula's (the cookbook's (b, a) evaluated on the unit circle).
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    impulse = np.zeros(1 << 15, np.float32)
    impulse[0] = 1
    freqs = np.fft.rfftfreq(len(impulse), 1 / RATE)
    z = np.exp(-2j * np.pi * freqs / RATE)
    fig, ax = plt.subplots(figsize=(10, 6))
    for kind, effect, gain_db in [
            ("lowpass", fx.Lowpass(1000, 2.0), 0.0), ("highpass", fx.Highpass(1000, 2.0), 0.0),
            ("bandpass", fx.Bandpass(1000, 2.0), 0.0), ("notch", fx.Notch(1000, 2.0), 0.0),
            ("peak", fx.Peak(1000, 2.0, 9.0), 9.0), ("lowshelf", fx.LowShelf(1000, 0.7, 9.0), 9.0),
            ("highshelf", fx.HighShelf(1000, 0.7, -9.0), -9.0)]:
        q = effect.q.value
        b, a = _any_cookbook(kind, 1000, q, gain_db)
        formula = np.abs((b[0] + b[1] * z + b[2] * z * z) / (a[0] + a[1] * z + a[2] * z * z))
        measured = np.abs(np.fft.rfft(effect(impulse, RATE).astype(np.float64)))
        line, = ax.semilogx(freqs[1:], 20 * np.log10(measured[1:] + 1e-12), linewidth=2.5,
                            alpha=0.45, label=f"{kind} (measured)")
        ax.semilogx(freqs[1:], 20 * np.log10(formula[1:] + 1e-12), "--", color=line.get_color(),
                    linewidth=1, label=f"{kind} (formula)")
    ax.set(xlim=(20, RATE / 2), ylim=(-60, 15), xlabel="Hz", ylabel="dB",
           title="pkaudio.fx biquads at 1 kHz, 48 kHz: measured (wide) over the Audio EQ "
                 "Cookbook's formula (dashed)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(ncol=2, fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _any_cookbook(kind: str, f0: float, q: float, gain_db: float
                  ) -> tuple[np.ndarray, np.ndarray]:
    """The cookbook's (b, a) of every kind the plot draws."""
    if kind in ("peak", "lowshelf", "highshelf"):
        return _cookbook(kind, f0, q, gain_db)
    w0 = 2 * np.pi * f0 / RATE
    cw, alpha = np.cos(w0), np.sin(w0) / (2 * q)
    den = [1 + alpha, -2 * cw, 1 - alpha]
    b = {"lowpass": [(1 - cw) / 2, 1 - cw, (1 - cw) / 2],
         "highpass": [(1 + cw) / 2, -(1 + cw), (1 + cw) / 2],
         "bandpass": [alpha, 0, -alpha], "notch": [1, -2 * cw, 1]}[kind]
    return np.array(b) / den[0], np.array(den) / den[0]


__all__ = ["cases", "plot_responses", "run"]
