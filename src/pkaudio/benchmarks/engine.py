"""The engine: 64 varispeed voices offline against pyo, and voices per core in real time.

Offline: 64 voices loop one 8192-frame table at 64 rates from 0.5 to 2.0, each with its own
gain and pan, mixed to stereo at 48 kHz in 256-frame blocks, 10 s. pkaudio renders with
`Engine.render`; pyo with its offline server and 64 `Osc` table readers (cubic interpolation,
as pkaudio's voices use) each through a `Pan`. Each round builds both afresh and times the
rendering only (for pyo, `Server.start()`, which renders and writes a WAV file), alternating
which goes first.

Scale: the most voices (doubling) one core renders in 64-frame blocks with the 99.9th
percentile of render times below half a block's duration (667 us at 48 kHz).
"""
from __future__ import annotations

import os
import platform
import statistics
import tempfile
import time

import numpy as np

from .. import __version__
from ..engine import Engine

RATE = 48000
VOICES = 64
TABLE = 8192


def voice_settings():
    rng = np.random.default_rng(11)
    table = np.sin(2 * np.pi * np.arange(TABLE) / TABLE * 3).astype(np.float32) * 0.5
    rates = np.linspace(0.5, 2.0, VOICES)
    gains = rng.uniform(0.2, 1.0, VOICES) / VOICES
    pans = rng.uniform(-1, 1, VOICES)
    return table, rates, gains, pans


def render_pkaudio(seconds: float, block: int = 256, graph: bool = False) -> float:
    """Seconds to render the 64 voices. With `graph`, they go through 4 buses, meters post
    every 10 ms, and every voice's gain and rate move (5 ms ramps) every 3rd block.
    """
    table, rates, gains, pans = voice_settings()
    engine = Engine(RATE, 2, meter_interval=RATE // 100 if graph else 0)
    buses = [engine.bus(f"bus{i}") for i in range(4)] if graph else [engine.master]
    voices = [engine.play(table, rate=float(rate), gain=float(gain), pan=float(pan), loop=True,
                          bus=buses[i % len(buses)])
              for i, (rate, gain, pan) in enumerate(zip(rates, gains, pans, strict=True))]
    blocks = int(seconds * RATE / block)
    took = 0.0
    for i in range(blocks):
        if graph and i % 3 == 0:  # untimed changes: they land at the next block
            wobble = 1 + 0.01 * (i // 3 % 3)
            for voice, rate, gain in zip(voices, rates, gains, strict=True):
                voice.set(gain=float(gain) * wobble, rate=float(rate) * wobble)
            engine.events()
        start = time.perf_counter()
        engine.render(block)
        took += time.perf_counter() - start
    return took


def render_pyo(seconds: float, folder: str) -> float:
    import pyo

    table, rates, gains, pans = voice_settings()
    server = pyo.Server(sr=RATE, nchnls=2, buffersize=256, duplex=0, audio="offline",
                        verbosity=1).boot()
    server.recordOptions(dur=seconds, filename=os.path.join(folder, "pyo.wav"))
    data = pyo.DataTable(size=TABLE, init=table.astype(float).tolist())
    voices = []
    for rate, gain, pan in zip(rates, gains, pans, strict=True):
        osc = pyo.Osc(data, freq=float(rate) * RATE / TABLE, interp=4, mul=float(gain))
        voices.append((osc, pyo.Pan(osc, outs=2, pan=(float(pan) + 1) / 2).out()))
    start = time.perf_counter()
    server.start()  # offline: renders `dur` seconds, then returns
    elapsed = time.perf_counter() - start
    server.shutdown()
    return elapsed


def offline(seconds: float, rounds: int) -> str:
    ours: list[float] = []
    peer: list[float] = []
    graphs: list[float] = []
    with tempfile.TemporaryDirectory() as folder:
        for i in range(rounds):
            for turn in (("ours", "pyo") if i % 2 else ("pyo", "ours")):  # first by turns
                if turn == "pyo":
                    peer.append(render_pyo(seconds, folder))
                else:
                    ours.append(render_pkaudio(seconds))
            graphs.append(render_pkaudio(seconds, graph=True))
    mine, theirs = statistics.median(ours), statistics.median(peer)
    graph = statistics.median(graphs)
    voice_frames = VOICES * seconds * RATE
    return (f"| {VOICES} looped voices, rates 0.5-2.0, gains, pans, stereo, 256-frame blocks, "
            f"{seconds:g} s offline | {mine * 1e3:.1f} ms ({mine / voice_frames * 1e9:.2f} ns "
            f"per voice-frame) | pyo offline server, {VOICES} Osc(interp=4) + Pan | "
            f"{theirs * 1e3:.1f} ms ({theirs / voice_frames * 1e9:.2f} ns) | "
            f"{theirs / mine:.2f}x | >= 3x (goal 10x) |\n"
            f"| the same through 4 buses, meters every 10 ms, every voice's gain and rate "
            f"ramping every 3rd block (16 ms) | {graph * 1e3:.1f} ms "
            f"({graph / voice_frames * 1e9:.2f} ns per voice-frame) | pyo, as above | "
            f"{theirs * 1e3:.1f} ms | {theirs / graph:.2f}x | (context) |")


def realtime_voices(most: int, blocks: int) -> tuple[int, list[str]]:
    """The most voices (doubling) with the 99.9th percentile render time per 64-frame block
    under half the block's duration.
    """
    table, rates, gains, pans = voice_settings()
    budget = 0.5 * 64 / RATE
    best, log, count = 0, [], 64
    while count <= most:
        engine = Engine(RATE, 2)
        for i in range(count):
            engine.play(table, rate=float(rates[i % VOICES]), gain=float(gains[i % VOICES]),
                        pan=float(pans[i % VOICES]), loop=True)
        times = []
        for _ in range(blocks):
            start = time.perf_counter()
            engine.render(64)
            times.append(time.perf_counter() - start)
        p999 = float(np.percentile(times, 99.9))
        log.append(f"{count}: {p999 * 1e6:.0f} us")
        if p999 > budget:
            break
        best, count = count, count * 2
    return best, log


def run(quick: bool = False) -> str:
    """Run the engine benchmark and return the report (Markdown)."""
    seconds, rounds, blocks, most = (2.0, 3, 2000, 1024) if quick else (10.0, 5, 20000, 8192)
    row = offline(seconds, rounds)
    best, log = realtime_voices(most, blocks)
    return (f"# pkaudio {__version__} engine benchmark\n\n"
            f"{platform.processor() or platform.machine()}, Python {platform.python_version()}; "
            f"medians of {rounds} alternating rounds; ratio = peer time / pkaudio time.\n\n"
            "| case | pkaudio | peer | peer time | ratio | target |\n"
            "| --- | ---: | --- | ---: | ---: | --- |\n"
            f"{row}\n\n"
            f"Voices one core renders in real time at 64-frame blocks (99.9th percentile of "
            f"{blocks} blocks under {0.5 * 64 / RATE * 1e6:.0f} us, half a block): {best} "
            f"({'; '.join(log)}).\n")


__all__ = ["offline", "realtime_voices", "run"]
