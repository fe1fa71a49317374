"""Disk streams: how many one core sustains in real time, and whole-file loading speed.

Capacity: the process is pinned to one core (its reader threads and the consumer alike). N
streams of the same 30 s stereo 48 kHz file (each with its own file handle) are opened and
given a second to fill their 1 s buffers; then a consumer in Python reads 256 frames from
every stream every 256/48000 s, on the real-time clock, for 10 s (so readers slower than real
time run dry). N doubles until a stream underruns or the consumer falls 5 % behind real time;
the report gives the largest N that kept up. (The engine's consumer will be C without
the GIL; a Python consumer competing with the readers for the GIL is the harder case.)

Loading: `Sound.from_file` against `soundfile.read`, and with resampling 44.1k -> 48k against
`soundfile.read` + `soxr.resample` (what `librosa.load(sr=48000)` does), in the same run.
"""
from __future__ import annotations

import os
import platform
import tempfile
import time
from pathlib import Path

import numpy as np

from .. import __version__
from ..buffering import DiskStream, Sound
from . import Case, compare, table

BLOCK = 256
RATE = 48000


def write_test_files(folder: Path, seconds: float = 30.0) -> dict[str, Path]:
    """A stereo noise file at 48 kHz as WAV (16-bit) and FLAC (16-bit), and one at 44.1 kHz."""
    rng = np.random.default_rng(3)
    data = (0.3 * rng.standard_normal((int(seconds * RATE), 2))).astype(np.float32)
    files = {"WAV": folder / "stream.wav", "FLAC": folder / "stream.flac",
             "WAV 44.1k": folder / "load.wav"}
    Sound.from_array(data, RATE).save(files["WAV"], subtype="PCM_16")
    Sound.from_array(data, RATE).save(files["FLAC"], subtype="PCM_16")
    Sound.from_array(data[:int(seconds * 44100)], 44100).save(files["WAV 44.1k"],
                                                              subtype="PCM_16")
    return files


def sustains(path: Path, count: int, seconds: float) -> str:
    """Run `count` streams of `path` in real time for `seconds` (10 times their 1 s buffers,
    so readers slower than real time run dry); "" if all kept up, else what went wrong.
    """
    streams = [DiskStream(path, buffer_seconds=1.0) for _ in range(count)]
    try:
        time.sleep(1.0)  # let the readers fill the buffers
        out = np.empty((BLOCK, 2), np.float32)
        period = BLOCK / RATE
        blocks = int(seconds / period)
        start = deadline = time.perf_counter()
        for _ in range(blocks):
            for s in streams:
                s.read(BLOCK, out=out)
            deadline += period
            pause = deadline - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
        late = time.perf_counter() - start - blocks * period
        missing = sum(s.stats()["underrun_frames"] for s in streams)
        if late > 0.05 * seconds:  # a consumer behind real time takes less than it should
            return f"consumer {late:.2f} s behind real time"
        return f"{missing} frames missing" if missing else ""
    finally:
        for s in streams:
            s.close()


def capacity(path: Path, seconds: float, most: int) -> tuple[int, list[str]]:
    """The largest power-of-two count of streams (up to `most`) that kept up."""
    best, log, count = 0, [], 8
    while count <= most:
        try:
            failure = sustains(path, count, seconds)
        except OSError as e:  # such as the limit on open files
            log.append(f"{count}: could not open them ({e})")
            break
        log.append(f"{count}: {failure or 'ok'}")
        if failure:
            break
        best, count = count, count * 2
    return best, log


def load_cases(files: dict[str, Path], seconds: float) -> list[Case]:
    import soundfile
    import soxr

    def librosa_style():
        data, rate = soundfile.read(files["WAV 44.1k"], dtype="float32", always_2d=True)
        return soxr.resample(data, rate, RATE, quality="HQ")

    return [
        Case(f"load {seconds:g} s stereo 16-bit WAV as float32",
             lambda: Sound.from_file(files["WAV"]),
             lambda: soundfile.read(files["WAV"], dtype="float32", always_2d=True),
             "soundfile.read", "(context)"),
        Case(f"load {seconds:g} s stereo 16-bit FLAC as float32",
             lambda: Sound.from_file(files["FLAC"]),
             lambda: soundfile.read(files["FLAC"], dtype="float32", always_2d=True),
             "soundfile.read", "(context)"),
        Case(f"load {seconds:g} s 44.1k WAV resampled to 48k",
             lambda: Sound.from_file(files["WAV 44.1k"], samplerate=RATE), librosa_style,
             "soundfile.read + soxr.resample HQ (librosa.load)", "(context)"),
    ]


def run(quick: bool = False) -> str:
    """Run the stream benchmark and return the report (Markdown)."""
    seconds, most, length = (3.0, 64, 10.0) if quick else (10.0, 2048, 30.0)
    rounds, batch = (3, 0.2) if quick else (7, 0.5)
    pinned = hasattr(os, "sched_setaffinity")
    with tempfile.TemporaryDirectory() as folder:
        files = write_test_files(Path(folder), length)
        results = [compare(case, rounds, batch) for case in load_cases(files, length)]
        if pinned:
            cores = os.sched_getaffinity(0)
            os.sched_setaffinity(0, {min(cores)})
        try:
            found = {fmt: capacity(files[fmt], seconds, most) for fmt in ("WAV", "FLAC")}
        finally:
            if pinned:
                os.sched_setaffinity(0, cores)
    lines = [
        f"# pkaudio {__version__} disk stream benchmark\n",
        f"{platform.processor() or platform.machine()}, Python {platform.python_version()}; "
        f"{'one core' if pinned else 'all cores (no sched_setaffinity here)'}; 48 kHz stereo "
        f"16-bit files in the page cache; {BLOCK}-frame blocks for {seconds:g} s of real time; "
        "a Python consumer.\n",
        "| format | streams sustained in real time | runs |",
        "| --- | ---: | --- |",
    ]
    for fmt, (best, log) in found.items():
        lines.append(f"| {fmt} | {best}{'+' if best == most else ''} | {'; '.join(log)} |")
    lines += ["", "Whole-file loading (medians of interleaved rounds; ratio = peer time / pkaudio "
              "time):", "", table(results)]
    return "\n".join(lines) + "\n"


__all__ = ["capacity", "load_cases", "run", "sustains"]
