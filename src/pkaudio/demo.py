"""``pkaudio demo``: a short piece rendered by the engine from sounds synthesised here.

Everything is scheduled before the first frame renders: voices on exact frames, notes as
varispeed rates of one sample each, pans, buses with their own gain and mute, a looped pad
that fades in, glides and is released. The engine renders it offline block by block, as a
device would pull it, and the meters print as it goes.
"""
from __future__ import annotations

import math
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from .buffering import Sound
from .engine import Engine

RATE = 48000
BEAT = RATE // 2          # 120 beats a minute
BARS = 6
METER_SECONDS = 0.1       # meters every 0.1 s; a line printed every PRINT_EVERY of them
PRINT_EVERY = 5          # (the loudest of them)

# Semitones above the bass's and the bell's own pitch: a minor progression, and a melody.
BASS_LINE = [0, 0, 7, 5, 3, 3, 10, 7]
MELODY = [12, 15, 19, 17, 15, 12, 10, 12, 15]


def envelope(seconds: float, decay: float) -> np.ndarray:
    """A 1 ms attack, then an exponential decay with time constant `decay` seconds."""
    t = np.arange(int(seconds * RATE)) / RATE
    return np.minimum(t / 0.001, 1.0) * np.exp(-t / decay)


def synthesise(rng: np.random.Generator) -> dict[str, np.ndarray]:
    """The piece's sounds, float32 mono at RATE."""
    t = np.arange(int(2.0 * RATE)) / RATE
    kick_phase = 2 * np.pi * np.cumsum(45 + 105 * np.exp(-t[:int(0.35 * RATE)] / 0.03)) / RATE
    noise = rng.uniform(-1, 1, int(0.25 * RATE))
    bright = np.diff(noise, prepend=0.0) / 2  # a first difference tilts it towards the highs
    snare_t = t[:int(0.25 * RATE)]
    pluck_t = t[:int(0.6 * RATE)]
    bell_t = t[:int(1.8 * RATE)]
    sounds = {
        "kick": np.sin(kick_phase) * envelope(0.35, 0.09),
        "hat": bright[:int(0.06 * RATE)] * envelope(0.06, 0.012),
        "snare": (0.6 * noise + 0.5 * np.sin(2 * np.pi * 185 * snare_t)) * envelope(0.25, 0.05),
        # A1 with a few harmonics, the upper ones dying first: a plucked bass.
        "bass": sum(np.sin(2 * np.pi * 55 * k * pluck_t) * np.exp(-pluck_t * (4 + 6 * k)) / k
                    for k in range(1, 6)) * np.minimum(pluck_t / 0.002, 1),
        # A4 with a bell's inharmonic partials.
        "bell": sum(a * np.sin(2 * np.pi * 440 * r * bell_t) * np.exp(-bell_t * d)
                    for r, a, d in [(1, 0.6, 1.5), (2.76, 0.25, 3), (5.4, 0.12, 5),
                                    (8.93, 0.06, 8)]) * np.minimum(bell_t / 0.001, 1),
        # A minor chord whose every partial repeats within the 2 s: it loops without a seam.
        "pad": sum(np.sin(2 * np.pi * f * t) / (i + 1)
                   for i, f in enumerate([110.0, 130.5, 165.0, 220.5, 261.5, 329.5])) / 3,
    }
    return {name: (x * 0.8).astype(np.float32) for name, x in sounds.items()}


def compose(engine: Engine, sounds: dict[str, np.ndarray]) -> int:
    """Schedule the whole piece on `engine`; return how many voices it plays."""
    engine.master.set(gain=0.7, ramp=0)  # headroom: the busiest beats peak near -3 dBFS
    drums = engine.bus("drums", gain=0.45)
    music = engine.bus("music", gain=0.0)
    pad_bus = engine.bus("pad", gain=0.5)
    music.set(gain=0.4, ramp=2 * BEAT, at=4 * BEAT)  # fades in over the second bar
    drums.set(mute=True, ramp=480, at=16 * BEAT)     # a bar's break before the end
    drums.set(mute=False, ramp=0, at=20 * BEAT)
    engine.master.set(gain=0.0, ramp=2 * BEAT, at=(BARS * 4 - 2) * BEAT)
    voices = 0
    for beat in range(BARS * 4):
        at = beat * BEAT
        engine.play(sounds["kick"], at=at, bus=drums, gain=0.9)
        if beat % 2:
            engine.play(sounds["snare"], at=at, bus=drums, gain=0.45, pan=0.15)
        for eighth in range(2):  # hats on every eighth, swung a little, left and right
            engine.play(sounds["hat"], at=at + eighth * (BEAT // 2 + 1200),
                        bus=drums, gain=0.5 if eighth else 0.3, pan=-0.5 if eighth else 0.5)
        note = BASS_LINE[beat // 2 % len(BASS_LINE)]
        engine.play(sounds["bass"], at=at, bus=music, rate=2 ** (note / 12), gain=0.7)
        voices += 3 + beat % 2 + 1
    for i, note in enumerate(MELODY):  # bells from the second bar, on the off-beats
        engine.play(sounds["bell"], at=(4 + 2 * i) * BEAT + BEAT // 2, bus=music,
                    rate=2 ** ((note - 12) / 12), gain=0.35, pan=math.sin(i) * 0.7)
        voices += 1
    pad = engine.play(sounds["pad"], loop=True, bus=pad_bus, gain=0.0, pan=-0.3)
    pad.set(gain=0.6, ramp=4 * BEAT)
    pad.set(pan=0.3, ramp=8 * BEAT, at=8 * BEAT)
    pad.set(rate=0.5, ramp=3 * BEAT, at=(BARS * 4 - 3) * BEAT)  # glides down an octave
    pad.stop(at=BARS * 4 * BEAT)
    return voices + 1


def decibels(level: float) -> str:
    return f"{20 * math.log10(level):6.1f}" if level > 0 else "  -inf"


def meter_line(second: float, levels: dict[str, float]) -> str:
    master = levels.get("master", 0.0)
    bar = int(round(max(0.0, 1 + 20 * math.log10(master) / 48) * 24)) if master > 0 else 0
    others = "  ".join(f"{name} {decibels(levels.get(name, 0.0))}"
                       for name in ("drums", "music", "pad"))
    return (f"{second:5.1f} s  master [{'#' * bar}{'.' * (24 - bar)}] "
            f"{decibels(master)} dBFS   {others}")


def run(output: Path, *, say: Callable[[str], None] = print) -> dict[str, float]:
    """Render the piece to `output` (a WAV file), printing the meters with `say`; return a
    summary: seconds rendered, render time, voices started and ended, the peak.
    """
    engine = Engine(RATE, 2, meter_interval=int(METER_SECONDS * RATE))
    voices = compose(engine, synthesise(np.random.default_rng(7)))
    total = BARS * 4 * BEAT + RATE // 2  # and half a second for the last tails
    say(f"pkaudio demo: {voices} voices, {BARS} bars at 120 bpm, 3 buses; meters (peak, dB):")
    blocks, started, ended, meters = [], 0, 0, 0
    levels: dict[str, float] = {}  # bus -> its loudest peak since the last line printed
    took = 0.0
    while engine.now < total:
        begin = time.perf_counter()
        blocks.append(engine.render(min(engine.blocksize, total - engine.now)))
        took += time.perf_counter() - begin
        for event in engine.events():
            started += event.kind == "voice_start"
            ended += event.kind == "voice_end"
            if event.kind == "peak":  # the loudest since the last line printed
                levels[event.bus] = max(levels.get(event.bus, 0.0), *event.peak)
                if event.bus == "master":
                    meters += 1
                    if meters % PRINT_EVERY == 0:
                        say(meter_line(event.frame / RATE, levels))
                        levels = {}
    mix = np.concatenate(blocks)
    Sound.from_array(mix, RATE).save(output, subtype="PCM_24")
    peak = float(np.abs(mix).max())
    seconds = total / RATE
    say(f"rendered {seconds:.1f} s in {took * 1e3:.0f} ms ({seconds / took:.0f}x real time); "
        f"{started} voices started, {ended} ended; peak {decibels(peak).strip()} dBFS; "
        f"written to {output}")
    return {"seconds": seconds, "render_seconds": took, "voices": voices, "started": started,
            "ended": ended, "peak": peak, "lost_events": engine.stats()["lost_events"]}


__all__ = ["run"]
