"""pkaudio: low-latency audio for Python, with a compiled, GIL-free core.

``pkaudio.dsp`` holds the DSP kernels; ``pkaudio.devices()`` lists audio devices (PortAudio is
loaded only then, so importing pkaudio needs no sound library).
"""
from . import dsp
from ._version import __version__
from .devices import devices

__all__ = ["__version__", "devices", "dsp"]
