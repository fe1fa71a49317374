"""The resampler against python-soxr and python-samplerate (libsamplerate): speed and quality.

Speed: 10 s of stereo float32 at 44.1k/48k, one thread, peers timed in the same interleaved
rounds. Quality, for every quality of each library, measured with the same probes:

- SNR: a 1 kHz tone at half scale, 48k -> 44.1k; the output's best-fitting 1 kHz sinusoid
  (least squares, so a library's delay and gain do not count) against the residual.
- Alias: a full-scale 23 kHz tone, 48k -> 44.1k, is all above the output's Nyquist frequency:
  the output's RMS relative to full scale is what aliased.
- Noise: 200 sinusoids of random frequency (20 Hz .. 19 kHz) and phase; SNR against the same
  sum evaluated at the output's times (only for libraries that compensate their delay).
- Sweep: an exponential sweep 20 Hz .. 20 kHz over 2 s, against its formula at the output's
  times (the same way).
- Response: fitted output amplitude of tones up to 24 kHz, 48k -> 44.1k (the plot), and the
  deviation at 20 kHz.
"""
from __future__ import annotations

import functools
import os
import platform
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import __version__, dsp
from .._design import QualityName
from . import Case, compare, table, thread_scaling

CHUNK = 256
IN_RATE, OUT_RATE = 48000, 44100


def peers():
    """The peers' modules, soxr and samplerate (ImportError if either is missing: `pkaudio
    bench` says how to install them).
    """
    import samplerate
    import soxr

    return soxr, samplerate


def stereo(seconds: float, rate: int, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (0.25 * rng.standard_normal((int(seconds * rate), 2))).astype(np.float32)


def chunks(x: np.ndarray) -> list[np.ndarray]:
    return [x[i:i + CHUNK] for i in range(0, len(x), CHUNK)]


def speed_cases() -> list[Case]:
    soxr, samplerate = peers()
    x44, x48 = stereo(10, 44100), stereo(10, 48000)
    pieces44 = chunks(x44)
    # A slow vibrato of the playback rate, +-5 %, one ratio per chunk.
    ratios = [48000 / 44100 * (1 + 0.05 * np.sin(2 * np.pi * i / 400))
              for i in range(len(pieces44))]

    def ours_stream():
        r = dsp.Resampler(44100, 48000, 2)
        for piece in pieces44:
            r.process(piece)
        r.process(x44[:0], last=True)

    def soxr_stream():
        s = soxr.ResampleStream(44100, 48000, 2, dtype="float32", quality="HQ")
        for piece in pieces44:
            s.resample_chunk(piece)
        s.resample_chunk(x44[:0], last=True)

    def ours_varispeed(quality: QualityName) -> Callable[[], None]:
        def run():
            r = dsp.Resampler(44100, 48000, 2, quality=quality)
            for piece, ratio in zip(pieces44, ratios, strict=True):
                r.ratio = ratio
                r.process(piece)
        return run

    def samplerate_varispeed():
        r = samplerate.Resampler("sinc_fastest", channels=2)
        for piece, ratio in zip(pieces44, ratios, strict=True):
            r.process(piece, ratio)

    return [
        Case("one-shot high, 48k -> 44.1k, 10 s stereo",
             lambda: dsp.resample(x48, 48000, 44100),
             lambda: soxr.resample(x48, 48000, 44100, quality="HQ"), "soxr.resample HQ",
             ">= 0.75x (goal 1x)"),
        Case("one-shot high, 44.1k -> 48k, 10 s stereo",
             lambda: dsp.resample(x44, 44100, 48000),
             lambda: soxr.resample(x44, 44100, 48000, quality="HQ"), "soxr.resample HQ",
             ">= 0.75x (goal 1x)"),
        Case("one-shot very_high, 44.1k -> 48k, 10 s stereo",
             lambda: dsp.resample(x44, 44100, 48000, quality="very_high"),
             lambda: soxr.resample(x44, 44100, 48000, quality="VHQ"), "soxr.resample VHQ",
             "(context)"),
        Case("one-shot medium, 44.1k -> 48k, 10 s stereo",
             lambda: dsp.resample(x44, 44100, 48000, quality="medium"),
             lambda: soxr.resample(x44, 44100, 48000, quality="MQ"), "soxr.resample MQ",
             "(context)"),
        Case(f"streaming high, {CHUNK}-frame chunks, 44.1k -> 48k, 10 s stereo", ours_stream,
             soxr_stream, "soxr.ResampleStream HQ", ">= 1.0x"),
        Case(f"varispeed medium, {CHUNK}-frame chunks, ratio per chunk, 10 s stereo",
             ours_varispeed("medium"), samplerate_varispeed,
             "samplerate.Resampler sinc_fastest", ">= 3x at better quality"),
        Case(f"varispeed high, {CHUNK}-frame chunks, ratio per chunk, 10 s stereo",
             ours_varispeed("high"), samplerate_varispeed,
             "samplerate.Resampler sinc_fastest", "(context)"),
    ]


def scaling_report(seconds: float) -> str:
    """Work done by 1 and 2 threads each resampling its own 2 s stereo block (high)."""
    blocks = [stereo(2, 48000, seed=i) for i in range(2)]
    one, two = thread_scaling(lambda i: dsp.resample(blocks[i], 48000, 44100), seconds)
    return (f"Thread scaling, one-shot high 48k -> 44.1k of 2 s stereo per call: 1 thread "
            f"{one:.1f} calls/s, 2 threads {two:.1f} calls/s: {two / one:.2f}x the work "
            f"(cores: {os.cpu_count()})")


# ---- quality ----

@dataclass
class Contender:
    """One library at one quality setting, as a function of (mono x, in_rate, out_rate);
    `tier` ranks the setting within its library (0 the cheapest), for the plot's colours.
    """

    name: str
    resample: Callable[[np.ndarray, float, float], np.ndarray]
    tier: int
    dtype: type = np.float32
    delay_compensated: bool = True


def contenders() -> list[Contender]:
    soxr, _ = peers()  # (and samplerate: both there, or ImportError before any measuring)
    qualities: tuple[QualityName, ...] = ("quick", "low", "medium", "high", "very_high")
    ours = [Contender(f"pkaudio {q}", functools.partial(dsp.resample, quality=q),
                      tier, np.float64 if q == "very_high" else np.float32)
            for tier, q in enumerate(qualities)]
    # The same filters with the time step a changing ratio uses, through interpolated rows.
    varying: tuple[tuple[int, QualityName], ...] = ((2, "medium"), (3, "high"))
    variable = [Contender(f"pkaudio {q}, variable ratio",
                          functools.partial(varispeed, quality=q), tier)
                for tier, q in varying]
    theirs = [Contender(f"soxr {q}", functools.partial(soxr.resample, quality=q),
                        tier, np.float64 if q == "VHQ" else np.float32)
              for tier, q in enumerate(("QQ", "LQ", "MQ", "HQ", "VHQ"))]
    libsamplerate = [
        Contender(f"samplerate {c}", functools.partial(libsamplerate_resample, converter=c),
                  tier, delay_compensated=False)
        for tier, c in enumerate(("linear", "sinc_fastest", "sinc_medium", "sinc_best"))
    ]
    return ours + variable + theirs + libsamplerate


def libsamplerate_resample(x: np.ndarray, in_rate: float, out_rate: float, converter: str
                           ) -> np.ndarray:
    _, samplerate = peers()
    return samplerate.resample(x, out_rate / in_rate, converter).astype(x.dtype)


def varispeed(x: np.ndarray, in_rate: float, out_rate: float, quality: QualityName
              ) -> np.ndarray:
    r = dsp.Resampler(in_rate, out_rate, quality=quality, dtype=x.dtype)
    r.ratio = out_rate / in_rate
    return r.process(x, last=True)


def tone(freq: float, rate: float, seconds: float, amplitude: float, dtype) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (amplitude * np.sin(2 * np.pi * freq * t)).astype(dtype)


def fit_tone(y: np.ndarray, freq: float, rate: float) -> tuple[float, float]:
    """(amplitude of the best-fitting sinusoid at freq, RMS of what is left), over the middle
    80 % of y (the ends hold the filters' run-in and run-out).
    """
    skip = len(y) // 10
    y = np.asarray(y[skip:len(y) - skip], np.float64)
    t = (np.arange(len(y)) + skip) / rate
    basis = np.stack([np.sin(2 * np.pi * freq * t), np.cos(2 * np.pi * freq * t)], axis=1)
    coef = np.linalg.lstsq(basis, y, rcond=None)[0]
    residual = y - basis @ coef
    return float(np.hypot(*coef)), float(np.sqrt(np.mean(residual**2)))


def db(value: float) -> float:
    return 20 * np.log10(max(value, 1e-30))


def multitone(rate: float, frames: int) -> np.ndarray:
    """200 sinusoids of random frequency and phase, peak about 0.5, at times k / rate."""
    rng = np.random.default_rng(7)
    freqs, phases = rng.uniform(20, 19000, 200), rng.uniform(0, 2 * np.pi, 200)
    t = np.arange(frames)[:, None] / rate
    return np.sin(2 * np.pi * freqs * t + phases).sum(axis=1) * (0.5 / 40)


def sweep(rate: float, frames: int, seconds: float = 2.0) -> np.ndarray:
    """Exponential sweep 20 Hz -> 20 kHz over `seconds`, amplitude 0.5, at times k / rate."""
    f0, f1 = 20.0, 20000.0
    t = np.arange(frames) / rate
    growth = np.log(f1 / f0) / seconds
    return 0.5 * np.sin(2 * np.pi * f0 * (np.exp(growth * t) - 1) / growth)


def analytic_snr(c: Contender, signal: Callable[[float, int], np.ndarray]) -> float | None:
    """SNR of c's output against `signal` evaluated at the output's own times."""
    if not c.delay_compensated:
        return None
    frames = 2 * IN_RATE
    y = c.resample(signal(IN_RATE, frames).astype(c.dtype), IN_RATE, OUT_RATE)
    reference = signal(OUT_RATE, len(y))
    skip = len(y) // 10
    y, reference = y[skip:-skip].astype(np.float64), reference[skip:-skip]
    return db(np.sqrt(np.sum(reference**2) / np.sum((y - reference) ** 2)))


RESPONSE_FREQS = np.concatenate([np.linspace(100, 19000, 30), np.linspace(19200, 24000, 49)])


def measure(c: Contender) -> dict:
    amplitude, residual = fit_tone(c.resample(tone(1000, IN_RATE, 1, 0.5, c.dtype), IN_RATE,
                                              OUT_RATE), 1000, OUT_RATE)
    aliased = c.resample(tone(23000, IN_RATE, 1, 1.0, c.dtype), IN_RATE, OUT_RATE)
    skip = len(aliased) // 10
    response = []
    for f in RESPONSE_FREQS:
        y = c.resample(tone(f, IN_RATE, 0.25, 1.0, c.dtype), IN_RATE, OUT_RATE)
        if f < OUT_RATE / 2:
            response.append(db(fit_tone(y, f, OUT_RATE)[0]))
        else:  # above the output's Nyquist frequency: all of the output is alias
            response.append(db(np.sqrt(2) * np.sqrt(np.mean(y[len(y) // 10:-len(y) // 10] ** 2))))
    at_20k = db(fit_tone(c.resample(tone(20000, IN_RATE, 0.5, 1.0, c.dtype), IN_RATE,
                                    OUT_RATE), 20000, OUT_RATE)[0])
    return {
        "snr": db(amplitude / np.sqrt(2) / residual),
        "noise": analytic_snr(c, multitone),
        "sweep": analytic_snr(c, sweep),
        "alias": db(np.sqrt(np.mean(aliased[skip:-skip].astype(np.float64) ** 2)) * np.sqrt(2)),
        "at_20k": at_20k,
        "response": np.array(response),
    }


def quality_table(measured: dict[str, tuple[Contender, dict]]) -> str:
    def snr(value: float | None) -> str:
        return "n/a" if value is None else f"{value:.1f} dB"

    lines = ["| resampler | SNR, 1 kHz | SNR, noise | SNR, sweep | 23 kHz alias | "
             "response at 20 kHz |", "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for name, (_, m) in measured.items():
        lines.append(f"| {name} | {snr(m['snr'])} | {snr(m['noise'])} | {snr(m['sweep'])} | "
                     f"{m['alias']:.1f} dBFS | {m['at_20k']:+.4f} dB |")
    return "\n".join(lines)


def plot(measured: dict[str, tuple[Contender, dict]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (whole, edge) = plt.subplots(1, 2, figsize=(13, 5))
    colours = plt.get_cmap("viridis")(np.linspace(0, 0.9, 5))
    for name, (contender, m) in measured.items():
        style = ("-." if "variable" in name else "-") if name.startswith("pkaudio") else (
            "--" if name.startswith("soxr") else ":")
        for ax in (whole, edge):
            ax.plot(RESPONSE_FREQS / 1000, m["response"], style, label=name, linewidth=1.3,
                    color=colours[contender.tier])
    whole.set(title=f"{IN_RATE} -> {OUT_RATE} Hz: output level of a full-scale tone",
              xlabel="input tone (kHz); past 22.05 kHz the output is alias", ylabel="dB",
              ylim=(-200, 5))
    edge.set(title="passband edge", xlabel="input tone (kHz)", ylabel="dB", xlim=(18, 22.2),
             ylim=(-1.0, 0.1))
    for ax in (whole, edge):
        ax.axvline(OUT_RATE / 2000, color="grey", linewidth=0.5)
        ax.grid(alpha=0.3)
    whole.legend(fontsize=7, ncol=2, title="colour: quality tier; line: library", title_fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def run(quick: bool = False, plot_path: Path | None = None) -> str:
    """Run the resampler benchmark and return the report (Markdown); with plot_path, also
    draw the response plot there (needs matplotlib).
    """
    soxr, samplerate = peers()
    rounds, batch, scaling_seconds = (3, 0.05, 1.0) if quick else (11, 0.2, 4.0)
    results = [compare(case, rounds, batch) for case in speed_cases()]
    measured = {c.name: (c, measure(c)) for c in contenders()}
    if plot_path is not None:
        plot(measured, plot_path)
    header = (
        f"# pkaudio {__version__} resampler benchmark\n\n"
        f"{platform.processor() or platform.machine()}, Python {platform.python_version()}, "
        f"numpy {np.__version__}, soxr {soxr.__version__}, samplerate "
        f"{samplerate.__version__}; medians of {rounds} interleaved rounds; ratio = peer time "
        f"/ pkaudio time.\n"
    )
    notes = (
        "Quality, 48k -> 44.1k (float32; very_high and VHQ float64), measured as described in "
        "pkaudio/benchmarks/resample.py: SNR of a 1 kHz tone against its best-fitting sinusoid; "
        "SNR of noise (200 random sinusoids up to 19 kHz) and of a 20 Hz - 20 kHz sweep against "
        "their formulas at the output's times (n/a: libsamplerate does not compensate its "
        "delay); level of what a full-scale 23 kHz tone aliases to; gain at 20 kHz."
    )
    return (f"{header}\n{table(results)}\n\n{scaling_report(scaling_seconds)}\n\n{notes}\n\n"
            f"{quality_table(measured)}\n")


__all__ = ["contenders", "measure", "run", "scaling_report", "speed_cases"]
