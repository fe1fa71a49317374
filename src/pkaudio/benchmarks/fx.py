"""The effects against pedalboard and scipy, on 10 s of stereo float32 at 48 kHz, one thread.

pedalboard runs each effect as a one-shot call (its plugins reset first); pkaudio's one-shot
`effect(x, samplerate)` does the same (a prepare, a reset, the whole array). The biquad
cascade is also measured against scipy.signal.sosfilt with the same sections.
"""
from __future__ import annotations

import platform
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from .. import __version__, fx
from ..engine import Engine
from . import Case, compare, table

RATE = 48000


def cases() -> list[Case]:
    import pedalboard
    from scipy import signal

    x = np.random.default_rng(1).uniform(-0.5, 0.5, (10 * RATE, 2)).astype(np.float32)
    planar = np.ascontiguousarray(x.T)  # pedalboard's layout: (channels, frames)
    decay = np.exp(-np.arange(2 * RATE) / (0.4 * RATE))
    impulse = (np.random.default_rng(2).standard_normal(2 * RATE) * decay * 0.05
               ).astype(np.float32)
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
        ("delay 0.25 s, feedback 0.5", fx.Delay(0.25, 0.5, 0.5), pedalboard.Delay(0.25, 0.5, 0.5)),
        ("chorus", fx.Chorus(1.0, 0.002, 0.007, 0.0, 0.5, voices=1),
         pedalboard.Chorus(1.0, 0.25, 7.0, 0.0, 0.5)),
        ("phaser", fx.Phaser(1.0, 1.5, 1300.0, 0.0, 0.5), pedalboard.Phaser(1.0, 0.5, 1300.0)),
        ("reverb (FDN, 8 lines; pedalboard: Freeverb)", fx.Reverb(1.5, 0.5, 0.33),
         pedalboard.Reverb(0.5, 0.5, 0.33, 0.4)),
        ("convolution, 2 s impulse response", fx.Convolution(impulse, RATE),
         pedalboard.Convolution(impulse, 1.0, RATE)),
        ("compressor -18 dB 4:1", fx.Compressor(-18.0, 4.0, 0.0, 0.001, 0.1),
         pedalboard.Compressor(-18.0, 4.0, 1.0, 100.0)),
        ("limiter -3 dB", fx.Limiter(-3.0, 0.1), pedalboard.Limiter(-3.0, 100.0)),
        ("distortion 25 dB", fx.Distortion(25.0), pedalboard.Distortion(25.0)),
    ]
    filters = ("lowpass", "highpass", "peak", "low shelf", "high shelf")
    found = [Case(name, _call(ours, x), _call(theirs, planar), "pedalboard",
                  ">= 2x (goal 3x)" if name.startswith(filters) else ">= 1x")
             for name, ours, theirs in pairs]
    cascade = fx.Lowpass(1000, stages=4)
    lowpass = np.concatenate(_any_cookbook("lowpass", 1000, 0.7071, 0.0))
    found.append(Case("cascade: lowpass 1 kHz, 4 stages", _call(cascade, x),
                      lambda: signal.sosfilt(np.tile(lowpass, (4, 1)), x, axis=0),
                      "scipy sosfilt (float32 in)", ">= 2x"))
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


def mix_engine(buses: int) -> Engine:
    """8 looped voices a bus, each bus with an EQ of 4 biquads and a compressor and a send
    to one reverb bus.
    """
    rng = np.random.default_rng(3)
    table = (0.2 * np.sin(2 * np.pi * 3 * np.arange(8192) / 8192)).astype(np.float32)
    engine = Engine(RATE, 2)
    verb = engine.bus("reverb")
    verb.add(fx.Reverb(decay=1.5, mix=1.0))
    for b in range(buses):
        bus = engine.bus(f"bus {b}", gain=0.5)
        bus.add(fx.Chain([fx.LowShelf(120, 0.7071, 2.0), fx.Peak(500, 1.0, -3.0),
                          fx.Peak(2500, 1.4, 2.0), fx.HighShelf(9000, 0.7071, 1.5)]))
        bus.add(fx.Compressor(threshold_db=-18.0, ratio=4.0))
        bus.send(verb, gain=0.2)
        for _ in range(8):
            engine.play(table, loop=True, rate=float(rng.uniform(0.5, 2.0)),
                        gain=float(rng.uniform(0.05, 0.1)), pan=float(rng.uniform(-1, 1)),
                        bus=bus)
    return engine


def block_times(engine: Engine, blocks: int) -> np.ndarray:
    """Seconds each of `blocks` 64-frame renders took (after a warm-up)."""
    engine.render(64 * 100)
    times = np.empty(blocks)
    for i in range(blocks):
        start = time.perf_counter()
        engine.render(64)
        times[i] = time.perf_counter() - start
    return times


def realtime_mix(blocks: int, most: int) -> tuple[str, str]:
    """The 64-voice, 8-bus mix's 99.9th percentile render time per 64-frame block; and the
    most such buses (8 voices each, doubling) one core renders with that percentile under
    half a block's duration.
    """
    budget = 0.5 * 64 / RATE
    p999 = float(np.percentile(block_times(mix_engine(8), blocks), 99.9))
    best, log, count = 0, [], 8
    while count <= most:
        took = float(np.percentile(block_times(mix_engine(count), blocks), 99.9))
        log.append(f"{count}: {took * 1e6:.0f} us")
        if took > budget:
            break
        best, count = count, count * 2
    mix = (f"The mix (64 voices on 8 buses, each with an EQ of 4 biquads and a compressor, "
           f"sends to one FDN reverb; 64-frame blocks): 99.9th percentile render time "
           f"{p999 * 1e6:.0f} us of a block's {64 / RATE * 1e6:.0f} us.")
    scale = (f"Such buses one core renders with the 99.9th percentile under half a block "
             f"({budget * 1e6:.0f} us): {best} ({'; '.join(log)}).")
    return mix, scale


def on_device(device: Any, seconds: float) -> str:
    """The same mix played on `device` at 64-frame blocks while the main thread sleeps: the
    audio thread's own render times, from the engine's statistics.
    """
    engine = mix_engine(8)
    engine.start(device, blocksize=64)
    try:
        time.sleep(seconds)
        stats = engine.stats()
    finally:
        engine.stop()
    return (f"On the device ({seconds:g} s, {stats['callbacks']} callbacks of 64 frames): the "
            f"audio thread's render time per block, 99.9th percentile "
            f"{stats['render_us_p999']:.0f} us, 99th {stats['render_us_p99']:.0f} us, mean "
            f"{stats['render_us_mean']:.0f} us; late callbacks {stats['late']}, xruns "
            f"{stats['xruns']}.")


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


def run(quick: bool = False, plot_path: Path | None = None, device: Any = None) -> str:
    """Run the effects benchmark and return the report (Markdown); with plot_path, also draw
    the filters' responses there (needs matplotlib); with a device, also play the mix on it.
    """
    import pedalboard

    if plot_path is not None:
        plot_responses(plot_path)

    rounds, batch, blocks, most = (3, 0.05, 2000, 64) if quick else (11, 0.3, 20000, 512)
    results = [compare(case, rounds, batch) for case in cases()]
    mix, scale = realtime_mix(blocks, most)
    if device is not None:
        mix += "\n\n" + on_device(device, 5.0 if quick else 30.0)
    header = (
        f"# pkaudio {__version__} effects benchmark\n\n"
        f"{platform.processor() or platform.machine()}, Python {platform.python_version()}, "
        f"pedalboard {pedalboard.__version__}; 10 s of stereo float32 at 48 kHz, one-shot "
        f"calls; medians of {rounds} interleaved rounds; ratio = peer time / pkaudio time.\n"
    )
    return f"{header}\n{table(results)}\n\n{mix}\n\n{scale}\n"




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
    fig, (ax, decays) = plt.subplots(1, 2, figsize=(16, 6), width_ratios=(3, 2))
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
    ax.legend(ncol=2, fontsize=8, loc="lower center")
    plot_decays(decays)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_decays(ax: Any) -> None:
    """The reverb's energy decay curves (Schroeder's backward integral of its impulse
    response) for several `decay` settings, beside the straight lines of their RT60s.
    """
    impulse = np.zeros((12 * RATE, 1), np.float32)
    impulse[0] = 1
    for decay in (0.3, 1.0, 3.0):
        response = fx.Reverb(decay, damping=0.0, mix=1.0)(impulse, RATE)[:, 0]
        energy = np.cumsum(response[::-1].astype(np.float64) ** 2)[::-1]
        curve = 10 * np.log10(energy / energy[0] + 1e-30)
        t = np.arange(len(curve)) / RATE
        line, = ax.plot(t, curve, linewidth=2, alpha=0.6, label=f"decay={decay:g} s")
        ax.plot(t, -60 * t / decay, "--", color=line.get_color(), linewidth=1,
                label=f"-60 dB in {decay:g} s")
    ax.set(xlim=(0, 4), ylim=(-90, 3), xlabel="s", ylabel="dB",
           title="fx.Reverb: energy decay (Schroeder) against its RT60")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8, loc="upper right")


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
