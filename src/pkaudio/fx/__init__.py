"""Effects: compiled nodes that run on an engine's buses, on arrays at once, or on streams of
blocks, every parameter automatable (`Param`).

    from pkaudio import fx
    y = fx.Chain([fx.Highpass(80), fx.Peak(3000, 1.0, 4.0)])(x, 48000)
"""
from .colour import Gain
from .dynamics import Compressor, Expander, Gate, Limiter
from .effect import Chain, Effect, Mix
from .filters import Allpass, Bandpass, Highpass, HighShelf, Lowpass, LowShelf, Notch, Peak
from .param import Param

__all__ = ["Allpass", "Bandpass", "Chain", "Effect", "Gain", "HighShelf", "Highpass",
           "LowShelf", "Lowpass", "Mix", "Notch", "Param", "Peak"]
__all__ += ["Compressor", "Expander", "Gate", "Limiter"]
