"""The DSP kernels against the fastest numpy idiom for the same job (stereo float32)."""
from __future__ import annotations

import os
import platform

import numpy as np

from .. import __version__, dsp
from . import Case, compare, table, thread_scaling


def cases(frames_large: int = 1 << 20) -> list[Case]:
    rng = np.random.default_rng(1)

    def noise(*shape: int) -> np.ndarray:
        return rng.uniform(-1, 1, shape).astype(np.float32)

    # Gains of -1 keep in-place data from decaying into denormals over millions of calls.
    small = noise(64, 2)
    large = noise(frames_large, 2)
    voices = [noise(64, 2) for _ in range(8)]
    stacked = np.stack(voices)
    gains32 = np.linspace(0.1, 0.8, 8, dtype=np.float32)
    gains = gains32.astype(np.float64)
    mixed = np.empty((64, 2), np.float32)
    scratch = np.empty((64, 2), np.float32)
    big_voices = [noise(frames_large // 8, 2) for _ in range(8)]
    big_stacked = np.stack(big_voices)
    big_mixed = np.empty((frames_large // 8, 2), np.float32)
    big_scratch = np.empty_like(big_mixed)
    as_int16 = np.empty((frames_large, 2), np.int16)
    as_int16_numpy = np.empty((frames_large, 2), np.int16)
    scaled = np.empty_like(large)

    def numpy_mix_loop(voice_list, out, tmp):
        np.multiply(voice_list[0], gains32[0], out=out)
        for v, g in zip(voice_list[1:], gains32[1:], strict=True):
            np.multiply(v, g, out=tmp)
            np.add(out, tmp, out=out)

    def numpy_rms(x):
        return np.sqrt(np.mean(np.square(x, dtype=np.float64), axis=0))

    def numpy_convert(x):
        np.multiply(x, 32768.0, out=scaled)
        np.clip(scaled, -32768, 32767, out=scaled)
        np.rint(scaled, out=scaled)
        as_int16_numpy[...] = scaled

    cases = [
        Case("gain in place, 64 frames", lambda: dsp.gain(small, -1.0, out=small),
             lambda: np.multiply(small, -1.0, out=small), "np.multiply(out=)", ">= 4x"),
        Case("mix 8 voices x 64 frames, list", lambda: dsp.mix(voices, gains, out=mixed),
             lambda: numpy_mix_loop(voices, mixed, scratch), "numpy loop with out=", ">= 3x"),
        Case("mix 8 voices x 64 frames, stacked", lambda: dsp.mix(stacked, gains, out=mixed),
             lambda: np.dot(gains32, stacked.reshape(8, -1), out=mixed.reshape(-1)),
             "np.dot(out=)", ">= 2x"),
        Case("peak, 1M frames", lambda: dsp.peak(large), lambda: np.abs(large).max(axis=0),
             "np.abs(x).max(axis=0)", ">= 20x"),
        Case("rms, 1M frames", lambda: dsp.rms(large), lambda: numpy_rms(large),
             "sqrt(mean(square(x)))", ">= 20x"),
        Case("rms, 1M frames (vs einsum)", lambda: dsp.rms(large),
             lambda: np.sqrt(np.einsum("ij,ij->j", large, large) / len(large)),
             "einsum", "(context)"),
        Case("convert float32 -> int16, 1M frames",
             lambda: dsp.convert(large, np.int16, out=as_int16),
             lambda: np.clip(large * 32768, -32768, 32767).astype(np.int16),
             "clip + astype", ">= 1.5x"),
        Case("convert float32 -> int16, 1M frames (rounding, no allocation)",
             lambda: dsp.convert(large, np.int16, out=as_int16), lambda: numpy_convert(large),
             "multiply, clip, rint with out=", "(context)"),
        Case("gain in place, 1M frames", lambda: dsp.gain(large, -1.0, out=large),
             lambda: np.multiply(large, -1.0, out=large), "np.multiply(out=)", "within 10%"),
        Case("mix 8 voices x 128k frames, list", lambda: dsp.mix(big_voices, gains, out=big_mixed),
             lambda: numpy_mix_loop(big_voices, big_mixed, big_scratch), "numpy loop with out=",
             "within 10%"),
        Case("mix 8 voices x 128k frames, stacked",
             lambda: dsp.mix(big_stacked, gains, out=big_mixed),
             lambda: np.dot(gains32, big_stacked.reshape(8, -1), out=big_mixed.reshape(-1)),
             "np.dot (BLAS, all cores)", "within 10%"),
    ]
    try:  # BLAS on one core, as pkaudio's kernel runs (bench extra)
        from threadpoolctl import threadpool_limits
    except ImportError:
        return cases

    cases.append(Case("mix 8 voices x 128k frames, stacked (vs one BLAS thread)",
                      lambda: dsp.mix(big_stacked, gains, out=big_mixed),
                      lambda: np.dot(gains32, big_stacked.reshape(8, -1),
                                     out=big_mixed.reshape(-1)),
                      "np.dot, BLAS on one thread", "(context)",
                      setting=lambda: threadpool_limits(1, user_api="blas")))
    return cases


def scaling_report(seconds: float) -> str:
    """Work done by 1 and 2 threads running a compute-bound kernel: dithered float32 -> int16
    conversion (a hash per sample) of 65536 stereo frames, each thread on its own block.
    """
    frames = 65536
    blocks = [np.random.default_rng(i).uniform(-1, 1, (frames, 2)).astype(np.float32)
              for i in range(2)]
    outs = [np.empty((frames, 2), np.int16) for _ in range(2)]
    one, two = thread_scaling(
        lambda i: dsp.convert(blocks[i], np.int16, out=outs[i], dither=True), seconds)
    return (f"Thread scaling, dithered float32 -> int16 of {frames} stereo frames per call: "
            f"1 thread {one:,.0f} calls/s, 2 threads {two:,.0f} calls/s: {two / one:.2f}x the "
            f"work (cores: {os.cpu_count()})")


def run(quick: bool = False) -> str:
    """Run the kernel benchmark and return the report (Markdown)."""
    rounds, batch, scaling_seconds = (5, 0.005, 0.5) if quick else (21, 0.02, 3.0)
    results = [compare(case, rounds, batch) for case in cases()]
    header = (
        f"# pkaudio {__version__} kernel benchmark\n\n"
        f"{platform.processor() or platform.machine()}, Python {platform.python_version()}, "
        f"numpy {np.__version__}; medians of {rounds} interleaved rounds; "
        f"ratio = peer time / pkaudio time.\n"
    )
    return f"{header}\n{table(results)}\n\n{scaling_report(scaling_seconds)}\n"


__all__ = ["cases", "run", "scaling_report"]
