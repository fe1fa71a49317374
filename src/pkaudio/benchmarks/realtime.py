"""Real time: the fraction of real time a device stream delivers while the main thread is busy.

For each load on the main thread (none, a pure-Python loop, gc.collect() over 300k objects,
large numpy work) and block size (64, 128, 256), each stream runs for a few seconds and the
frames its callbacks produced are divided by the frames the device played meanwhile:

- pkaudio: the engine, 64 looped voices at 64 rates with gains and pans, rendered by the C
  callback;
- pkaudio, Python mode: the same engine with ``start(process=...)``, a no-op Python function
  on the audio thread (what the GIL costs);
- sounddevice: a stream with a numpy Python callback doing the same mix (64 voices read from
  the table with linear interpolation, panned, summed; all voices at once, vectorised);
- bare C: a C callback that writes silence, the machine's control.

Xruns are PortAudio's underflow/overflow flags. Also the CPU time of pkaudio's audio thread
per voice at 64-frame blocks. Needs a device: `bench/run.py realtime` starts a JACK dummy
server (scripts/audio-testbed) for it; elsewhere the default device is used.
"""
from __future__ import annotations

import gc
import platform
import statistics
import time

import numpy as np

from .. import __version__
from .._dsp.device import DeviceCallback
from ..devices import open_stream, sounddevice
from ..engine import Engine
from .engine import VOICES, voice_settings

BLOCKS = (64, 128, 256)


def idle() -> None:
    time.sleep(0.01)


def python_loop() -> None:
    total = 0
    for i in range(100_000):
        total += i * i


_garbage: list = []


def collect_garbage() -> None:
    if not _garbage:
        _garbage.extend([{"i": i}, [i]] for i in range(150_000))  # 300k objects
    gc.collect()


_numbers = np.random.default_rng(1).random(4_000_000)


def numpy_work() -> None:
    np.sort(_numbers)
    np.sqrt(_numbers) * _numbers


LOADS = {"none": idle, "pure-Python loop": python_loop, "gc.collect(), 300k objects":
         collect_garbage, "numpy (sort, arithmetic on 4M floats)": numpy_work}


def engine_stream(rate: int, block: int, python_mode: bool, device):
    table, rates, gains, pans = voice_settings()
    engine = Engine(rate, 2)
    for r, g, p in zip(rates, gains, pans, strict=True):
        engine.play(table, rate=float(r), gain=float(g), pan=float(p), loop=True)
    engine.start(device, blocksize=block, process=(lambda b: None) if python_mode else None)
    return (lambda: engine.stats()), engine.stop


def numpy_stream(rate: int, block: int, device):
    """A sounddevice stream with a Python callback mixing the same voices with numpy."""
    sd = sounddevice()
    table, rates, gains, pans = voice_settings()
    table = np.append(table, table[0])  # linear interpolation reads one past the end
    size = len(table) - 1
    angle = (pans + 1) * np.pi / 4  # the engine's law for a mono voice (dsp.pan_gains)
    left, right = gains * np.cos(angle), gains * np.sin(angle)
    phases = np.zeros(VOICES)
    steps = np.arange(block)
    counts = {"frames": 0, "xruns": 0, "callbacks": 0}

    def callback(outdata, frames, time_info, status):
        positions = (phases[:, None] + rates[:, None] * steps[:frames]) % size
        index = positions.astype(np.int64)
        fraction = positions - index
        samples = table[index] * (1 - fraction) + table[index + 1] * fraction
        outdata[:, 0] = left @ samples
        outdata[:, 1] = right @ samples
        phases[:] = (phases + rates * frames) % size
        counts["frames"] += frames
        counts["callbacks"] += 1
        counts["xruns"] += bool(status.output_underflow or status.output_overflow)

    stream = sd.OutputStream(rate, block, device, 2, "float32", latency="low",
                             callback=callback)
    stream.start()
    return (lambda: dict(counts)), lambda: (stream.stop(), stream.close())


def silence_stream(rate: int, block: int, device):
    control = DeviceCallback(None, float(rate), channels=2)
    stream = open_stream("output", device, 2, rate, block, control.callback_address,
                         control.address, what="realtime benchmark")
    stream.start()
    return control.stats, lambda: (stream.stop(), stream.close(), control)


STREAMS = {
    "pkaudio engine, C callback": lambda rate, block, device: engine_stream(
        rate, block, False, device),
    "pkaudio engine, Python mode": lambda rate, block, device: engine_stream(
        rate, block, True, device),
    "sounddevice, numpy callback": numpy_stream,
    "bare C callback": silence_stream,
}


def delivered(stream, rate: int, block: int, load, seconds: float, device) -> tuple[float, int]:
    """Run `stream` under `load` for `seconds`; return the fraction of real time its callbacks
    delivered, and its xruns.
    """
    stats, stop = stream(rate, block, device)
    try:
        time.sleep(0.3)  # settled
        before = stats()
        start = time.monotonic()
        while time.monotonic() - start < seconds:
            load()
        took = time.monotonic() - start
        after = stats()
    finally:
        stop()
    return ((after["frames"] - before["frames"]) / (took * rate),
            int(after["xruns"] - before["xruns"]))


def cpu_per_voice(rate: int, device, seconds: float) -> tuple[float, float]:
    """Mean render time of one 64-frame block per voice (us), and as a share of the
    block's duration (%).
    """
    stats, stop = engine_stream(rate, 64, False, device)
    time.sleep(seconds)
    took = stats()["render_us_mean"]
    stop()
    return took / VOICES, 100 * took / VOICES / (64 / rate * 1e6)


def run(quick: bool = False, device=None) -> str:
    """Run the real-time benchmark on `device` (default: the default output) and return the
    report (Markdown).
    """
    sd = sounddevice()
    rate = int(sd.query_devices(device, "output")["default_samplerate"])
    seconds, repeats = (1.0, 1) if quick else (3.0, 3)
    rows = []
    for load_name, load in LOADS.items():
        for block in BLOCKS:
            cells = []
            for stream in STREAMS.values():
                runs = [delivered(stream, rate, block, load, seconds, device)
                        for _ in range(repeats)]
                fraction = statistics.median(f for f, _ in runs)
                xruns = statistics.median(x for _, x in runs)
                cells.append(f"{100 * fraction:.1f}% ({xruns:g})")
            rows.append(f"| {load_name} | {block} | " + " | ".join(cells) + " |")
    per_voice, share = cpu_per_voice(rate, device, seconds)
    name = sd.query_devices(device, "output")["name"]
    return (f"# pkaudio {__version__} real-time benchmark\n\n"
            f"{platform.processor() or platform.machine()}, Python "
            f"{platform.python_version()}; device {name!r} at {rate} Hz (bench/run.py: a "
            f"JACK dummy server of 64-frame periods); each cell: the "
            f"median over {repeats} runs of {seconds:g} s of the real time delivered, and "
            f"(xruns).\n\n"
            "| load on the main thread | block | " + " | ".join(STREAMS) + " |\n"
            "| --- | ---: |" + " ---: |" * len(STREAMS) + "\n" + "\n".join(rows) + "\n\n"
            f"pkaudio's audio thread at 64-frame blocks: {per_voice:.3f} us per voice per "
            f"block, {share:.4f}% of a core per voice (mean render time of {VOICES} "
            f"voices).\n")


__all__ = ["run"]
