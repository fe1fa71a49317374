"""pkaudio: low-latency audio for Python, with a compiled, GIL-free core.

``pkaudio.dsp`` holds the DSP kernels; ``pkaudio.devices()`` lists audio devices (PortAudio is
loaded only then, so importing pkaudio needs no sound library).
"""
from . import dsp
from ._version import __version__
from .buffering import Sound
from .devices import devices
from .diskstream import DiskStream
from .engine import Engine
from .events import Event
from .files import info
from .nulldevice import NullDevice, VirtualClock
from .realtime import Output

__all__ = ["DiskStream", "Engine", "Event", "NullDevice", "Output", "Sound", "VirtualClock",
           "__version__", "devices", "dsp", "info"]
