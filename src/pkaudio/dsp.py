"""Compiled DSP kernels for numpy audio arrays.

Audio arrays are C-contiguous ``(frames,)`` (mono) or ``(frames, channels)``; the level kernels
take float32 or float64, the format and meter kernels int16 and int32 too (full scale 32768 and
2**31). Every kernel checks its arguments, raising ``TypeError`` or ``ValueError`` that name what
it received and what it expected, accepts ``out=`` (the input itself for in-place work where the
kernel allows it) and returns the result. Zero-length arrays are valid and do nothing.

The kernels release the GIL while they run, so threads calling them run in parallel. Calls on
fewer than 2048 samples keep it: taking it back would cost more than the work.
"""
from ._dsp.format import convert, copy, deinterleave, interleave
from ._dsp.level import gain, mix, pan, pan_gains, ramp
from ._dsp.meter import meter, peak, rms
from ._dsp.resample import Resampler, resample

__all__ = [
    "Resampler",
    "convert",
    "copy",
    "deinterleave",
    "gain",
    "interleave",
    "meter",
    "mix",
    "pan",
    "pan_gains",
    "peak",
    "ramp",
    "resample",
    "rms",
]
