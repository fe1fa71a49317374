"""Two clocks: a second output device beside the one that clocks the engine.

The master is the device given (`bench/run.py multicard` starts a JACK dummy server for it);
the second is a NullDevice whose clock runs `ppm` fast or slow, its wake-ups late by up to
`jitter`, in one case losing a block (an xrun) every 15 s. The engine plays a 1 kHz tone to
both. Measured over the run: when the drift estimate settled within 30 ppm of the truth for
good, underruns after lock-in (5 s), how far the ring's latency strayed from its target, the
tone's SNR on the second device (sine fits over 0.1 s windows, one a second), and what the
second device costs: its callback's mean time beside that of the resampler alone on the same
frames.
"""
from __future__ import annotations

import platform
import time

import numpy as np

from .. import __version__, dsp
from ..engine import Engine
from ..realtime import NullDevice

RATE = 48000
LOCKED = 5.0
TOLERANCE = 30.0


def tone() -> np.ndarray:
    t = np.arange(RATE) / RATE
    return (0.5 * np.sin(2 * np.pi * 1000 * t)).astype(np.float32)


def tone_snr(x: np.ndarray, frequency: float) -> float:
    """SNR (dB) of the best-fitting sine near `frequency` (cycles a sample) in x."""
    n = np.arange(len(x))

    def fit(f):
        basis = np.stack([np.sin(2 * np.pi * f * n), np.cos(2 * np.pi * f * n),
                          np.ones(len(x))], 1)
        coef = np.linalg.lstsq(basis, x, rcond=None)[0]
        return x - basis @ coef, coef

    low, high, golden = frequency * (1 - 3e-3), frequency * (1 + 3e-3), (5 ** 0.5 - 1) / 2
    for _ in range(60):
        a, b = high - golden * (high - low), low + golden * (high - low)
        if (fit(a)[0] ** 2).sum() < (fit(b)[0] ** 2).sum():
            high = b
        else:
            low = a
    residual, coef = fit((low + high) / 2)
    return float(10 * np.log10((coef[0] ** 2 + coef[1] ** 2) / 2 / np.mean(residual ** 2)))


def resampler_us(frames: int) -> float:
    """Time (us) the resampler alone takes for `frames` mono frames, medium quality, at a
    drifting ratio (as the second device runs it): timed on a long stretch, so that no
    Python call's overhead counts.
    """
    resampler = dsp.Resampler(RATE, RATE, 1, quality="medium")
    resampler.ratio = 1.0002
    x = np.zeros(frames * 2000, np.float32)
    resampler.process(x)
    times = []
    for _ in range(5):
        start = time.perf_counter()
        resampler.process(x)
        times.append(time.perf_counter() - start)
    return min(times) / 2000 * 1e6


def run_case(master, ppm: float, jitter: float, seconds: float, lose_every: float = 0.0) -> dict:
    second = NullDevice(RATE, 1, rate_error_ppm=ppm, capture=True, jitter=jitter)
    engine = Engine(RATE, 1, outputs=[master, second])
    engine.play(tone(), loop=True)
    seen = []
    engine.start(blocksize=128)
    try:
        start = lost = time.monotonic()
        while time.monotonic() - start < seconds:
            time.sleep(0.5)
            seen.append((time.monotonic() - start, engine.stats()["outputs"][0]))
            if lose_every and time.monotonic() - lost >= lose_every:
                second.lose(1)
                lost = time.monotonic()
    finally:
        engine.stop()
    settled = next((t for i, (t, _) in enumerate(seen)
                    if all(abs(s["drift_ppm"] - ppm) <= TOLERANCE for _, s in seen[i:])),
                   float("inf"))
    after = [s for t, s in seen if t >= LOCKED]
    played = second.captured()[:, 0].astype(np.float64)
    snrs = [tone_snr(played[i:i + 4800], 1000 / RATE)
            for i in range(int(LOCKED * RATE), len(played) - 4800, RATE)]
    last = seen[-1][1]
    worst = int(np.argmin(snrs))
    stats = engine.stats()
    return {"ppm": ppm, "jitter": jitter, "seconds": seconds, "settled": settled,
            "lose_every": lose_every, "master_jumps": stats.get("clock_jumps", 0),
            "farthest": max(abs(s["drift_ppm"] - ppm) for s in after),
            "worst_at": LOCKED + worst, "master_xruns": stats.get("xruns", 0),
            "master_late": stats.get("late", 0),
            "drift": float(np.median([s["drift_ppm"] for s in after])),
            "underruns": after[-1]["underruns"] - after[0]["underruns"],
            "latency": max(abs(s["latency_frames"] - s["target_frames"]) for s in after),
            "block": second.blocksize, "snr_min": min(snrs), "snr_median": float(np.median(snrs)),
            "callback_us": last["callback_us_mean"], "resample_us": last["resample_us_mean"],
            "master_us": stats.get("render_us_mean", float("nan"))}


def run(quick: bool = False, device=None) -> str:
    """Run the two-clock benchmark with `device` (default: the default output; a NullDevice
    where there is no PortAudio) as the master, and return the report (Markdown).
    """
    from ..devices import sounddevice

    master = device
    try:
        sd = sounddevice()
        name = sd.query_devices(device, "output")["name"]
    except (OSError, ValueError) as error:  # no PortAudio, or no such device
        master, name = NullDevice(RATE, 1), f"a NullDevice ({error})"
    except sd.PortAudioError as error:  # no output device
        master, name = NullDevice(RATE, 1), f"a NullDevice ({error})"
    long_run, short = (20.0, 20.0) if quick else (600.0, 60.0)
    cases = [run_case(master, 200, 0.0, long_run), run_case(master, 1000, 0.0, short),
             run_case(master, -1000, 0.005, short), run_case(master, 200, 0.0, short, 15.0)]
    rows = []
    for c in cases:
        late = f", wake-ups up to {c['jitter'] * 1e3:g} ms late" if c["jitter"] else ""
        losing = f", a block lost every {c['lose_every']:g} s" if c["lose_every"] else ""
        rows.append(
            f"| {c['ppm']:+g} ppm{late}{losing}"
            f" | {c['seconds']:g} s | {c['settled']:.1f} s | {c['drift']:.1f} ppm "
            f"(farthest {c['farthest']:.0f} off) | "
            f"{c['underruns']} | {c['latency']:.0f} frames ({c['latency'] / c['block']:.2f} "
            f"blocks) | {c['snr_min']:.1f} (at {c['worst_at']:.0f} s) / "
            f"{c['snr_median']:.1f} dB | {c['master_xruns']} / {c['master_jumps']} | "
            f"{c['callback_us']:.1f} us |")
    c0, alone = cases[0], resampler_us(cases[0]["block"])
    return (f"# pkaudio {__version__} two-clock benchmark\n\n"
            f"{platform.processor() or platform.machine()}, Python "
            f"{platform.python_version()}; master: {name!r}, 128-frame blocks; second device: "
            f"a NullDevice, 256-frame blocks; a 1 kHz tone.\n\n"
            "| second clock | run | drift estimate within 30 ppm for good from | its median "
            "after 5 s | underruns after 5 s | latency's largest miss | SNR min / median | "
            "master's xruns / clock jumps | second device's callback |\n"
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n" +
            "\n".join(rows) +
            f"\n\nThe second device's callback (+200 ppm case): {c0['callback_us']:.1f} us, of "
            f"which reading its ring and resampling {c0['resample_us']:.1f} us: the rest (the "
            f"control loop, copies) adds {c0['callback_us'] / c0['resample_us'] - 1:.0%} to "
            f"the resampling. The resampler alone (medium quality, drifting ratio) on "
            f"{c0['block']} frames, timed hot on a long stretch: {alone:.1f} us "
            f"(the callback: {c0['callback_us'] / alone:.2f}x). The "
            f"master's render, for scale: {c0['master_us']:.1f} us a block.\n")


__all__ = ["run"]
