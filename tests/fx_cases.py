"""Every effect of pkaudio.fx with automation scheduled, for the properties all of them share
(tests/test_fx_all.py), and the helpers the effects' tests stream with."""
import numpy as np

from pkaudio import fx

RATE = 48000
BLOCKS = [1, 64, 75, 256]


def streamed(effect, x, block, sidechain=None, rate=RATE, report_interval=None):
    """x (a copy, as (frames, channels) float32) through `effect` prepared afresh, as a stream
    of blocks of `block` frames; no latency taken out."""
    out = np.array(x, np.float32, order="C", copy=True).reshape(len(x), -1)
    if report_interval is None:
        effect.prepare(rate, out.shape[1])
    else:
        effect.prepare(rate, out.shape[1], report_interval=report_interval)
    for start in range(0, len(out), block):
        side = None if sidechain is None else \
            np.ascontiguousarray(sidechain[start:start + block], np.float32)
        effect.process(out[start:start + block], side)
    return out


def _moving(effect, name, *moves):
    """Schedule moves (method, value, frame[, time constant]) on a parameter."""
    param = effect.params[name]
    for method, value, at, *rest in moves:
        if method == "target":
            param.set_target(value, at=at, time_constant=rest[0])
        else:
            getattr(param, method)(value, at=at)
    return effect


# name -> a fresh effect whose parameters move within the first 2000 frames (held, moving,
# held), so that every per-frame path runs.
AUTOMATED = {
    "Gain": lambda: _moving(fx.Gain(0.5), "gain", ("set", 0.5, 100),
                            ("linear_ramp", 1.5, 900)),
    "Lowpass": lambda: _moving(fx.Lowpass(300, 0.9, stages=2), "frequency",
                               ("set", 300, 100), ("exponential_ramp", 6000, 900)),
    "Highpass": lambda: _moving(fx.Highpass(200), "q", ("set", 0.7, 50),
                                ("linear_ramp", 4.0, 800)),
    "Bandpass": lambda: _moving(fx.Bandpass(1000, 2.0), "frequency",
                                ("target", 200, 300, 150)),
    "Notch": lambda: _moving(fx.Notch(1000, 2.0), "frequency", ("set", 1000, 0),
                             ("linear_ramp", 3000, 1200)),
    "Allpass": lambda: _moving(fx.Allpass(500), "frequency", ("set", 500, 10),
                               ("linear_ramp", 900, 700)),
    "Peak": lambda: _moving(fx.Peak(700, 1.2, 5.0), "gain_db", ("set", 5.0, 100),
                            ("linear_ramp", -9.0, 1000)),
    "LowShelf": lambda: _moving(fx.LowShelf(200, 0.7, 6.0), "gain_db",
                                ("target", -6.0, 200, 300)),
    "HighShelf": lambda: _moving(fx.HighShelf(6000, 0.7, -6.0), "frequency",
                                 ("set", 6000, 0), ("exponential_ramp", 2000, 1500)),
    "SVF": lambda: _moving(fx.SVF(300.0, 2.0, mode="peak"), "frequency",
                           ("set", 300.0, 200), ("exponential_ramp", 5000.0, 700)),
    "Ladder": lambda: _moving(fx.Ladder(300.0, 0.5, drive=3.0), "resonance",
                              ("set", 0.5, 300), ("linear_ramp", 0.97, 900)),
    "OnePole": lambda: _moving(fx.OnePole(200.0), "frequency", ("set", 200.0, 333),
                               ("linear_ramp", 9000.0, 777)),
    "DCBlocker": lambda: _moving(fx.DCBlocker(20.0), "frequency", ("set", 20.0, 100),
                                 ("linear_ramp", 300.0, 500)),
    "Delay": lambda: _moving(fx.Delay(0.003, feedback=0.5, mix=0.5, ping_pong=True), "time",
                             ("set", 0.003, 0), ("linear_ramp", 0.0011, 1700)),
    "Chorus": lambda: _moving(fx.Chorus(rate=5.0, feedback=0.4, voices=3), "depth",
                              ("set", 0.001, 0), ("linear_ramp", 0.004, 1500)),
    "Flanger": lambda: _moving(fx.Flanger(rate=3.0, feedback=-0.8), "mix",
                               ("target", 1.0, 300, 200)),
    "Phaser": lambda: _moving(fx.Phaser(rate=7.0, feedback=0.5, stages=8), "rate",
                              ("set", 7.0, 0), ("linear_ramp", 0.5, 1200)),
    "Reverb": lambda: _moving(fx.Reverb(0.5, damping=0.4, mix=0.5, predelay=0.01, lines=16,
                                        matrix="hadamard"), "decay",
                              ("linear_ramp", 0.2, 2000)),
    "Convolution": lambda: _moving(
        fx.Convolution(np.random.default_rng(1).uniform(-0.5, 0.5, 300).astype(np.float32),
                       partition=64, mix=0.7), "mix", ("set", 0.7, 500),
        ("linear_ramp", 0.2, 1500)),
    "Compressor": lambda: _moving(fx.Compressor(-30, 6, 10, 0.002, 0.05, 4), "threshold_db",
                                  ("linear_ramp", -15, 1500), ("set", -30, 1800)),
    "Limiter": lambda: _moving(fx.Limiter(-6, 0.02, lookahead=0.002), "ceiling_db",
                               ("linear_ramp", -1, 1500), ("set", -6, 1800)),
    "Gate": lambda: _moving(fx.Gate(-30, 0.001, 0.005, 0.02, 60), "threshold_db",
                            ("linear_ramp", -15, 1500)),
    "Expander": lambda: _moving(fx.Expander(-30, 3, 0.001, 0.05, 50), "ratio",
                                ("linear_ramp", 6, 1500)),
    "Distortion": lambda: _moving(fx.Distortion(6.0, 0.8), "drive_db", ("set", 6.0, 100),
                                  ("linear_ramp", 30.0, 700)),
    "Clip": lambda: _moving(fx.Clip(0.8), "threshold", ("set", 0.8, 200),
                            ("exponential_ramp", 0.05, 900)),
    "Bitcrush": lambda: _moving(fx.Bitcrush(10.0, downsample=5), "bits", ("set", 10.0, 333),
                                ("linear_ramp", 3.0, 999)),
    "Pan": lambda: _moving(fx.Pan(-0.5), "pan", ("set", -0.5, 64), ("linear_ramp", 0.9, 1000)),
    "Chain": lambda: fx.Chain([AUTOMATED["Compressor"](), AUTOMATED["Lowpass"](),
                               AUTOMATED["Limiter"]()]),
    "Mix": lambda: fx.Mix([AUTOMATED["Convolution"](), AUTOMATED["Delay"](),
                           AUTOMATED["Gain"]()]),
}

# Effects in which a channel's output depends on more than that channel's input: on the other
# channels (a ping-pong delay's crossings, a reverb's shared network, pan pairs, dynamics'
# linked detection) or on its place (modulation whose LFO is spread across channels).
COUPLED = {"Delay", "Reverb", "Pan", "Compressor", "Limiter", "Gate", "Expander", "Chorus",
           "Flanger", "Phaser", "Chain", "Mix"}
