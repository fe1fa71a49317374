"""pkaudio: low-latency audio for Python."""
from ._version import __version__

__all__ = ["__version__"]
