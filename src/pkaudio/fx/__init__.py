"""Effects: compiled nodes that run on an engine's buses, on arrays at once, or on streams of
blocks, every parameter automatable (`Param`).

    from pkaudio import fx
    y = fx.Chain([fx.Highpass(80), fx.Peak(3000, 1.0, 4.0)])(x, 48000)
"""
from .colour import Bitcrush, Clip, Distortion, Gain, Pan
from .delays import Chorus, Delay, Flanger, Phaser
from .dynamics import Compressor, Expander, Gate, Limiter
from .effect import Chain, Effect, Mix
from .filters import (
    SVF,
    Allpass,
    Bandpass,
    DCBlocker,
    Highpass,
    HighShelf,
    Ladder,
    Lowpass,
    LowShelf,
    Notch,
    OnePole,
    Peak,
)
from .param import Param
from .reverbs import Convolution, Reverb

__all__ = ["SVF", "Allpass", "Bandpass", "Bitcrush", "Chain", "Chorus", "Clip", "Compressor",
           "Convolution", "DCBlocker", "Delay", "Distortion", "Effect", "Expander", "Flanger",
           "Gain", "Gate", "HighShelf", "Highpass", "Ladder", "Limiter", "LowShelf", "Lowpass",
           "Mix", "Notch", "OnePole", "Pan", "Param", "Peak", "Phaser", "Reverb"]
