"""Audio devices, through sounddevice (PortAudio).

sounddevice is imported on first use, not with pkaudio: it raises ``OSError`` at import on a
machine without the PortAudio library, and everything else in pkaudio works without it.
"""
from __future__ import annotations

from types import ModuleType
from typing import Any

_INSTALL_HINT = (
    "PortAudio is needed for audio devices: install it with your system's package manager "
    "(Debian/Ubuntu: apt-get install libportaudio2; Fedora: dnf install portaudio; "
    "macOS and Windows: the sounddevice wheel bundles it)"
)


def sounddevice() -> ModuleType:
    """Import and return the sounddevice module.

    Raises
    ------
    OSError
        When the PortAudio library is missing, saying how to install it.
    """
    try:
        import sounddevice as sd
    except OSError as error:
        raise OSError(f"{error}. {_INSTALL_HINT}") from error
    return sd


def devices() -> list[dict[str, Any]]:
    """List the audio devices PortAudio sees.

    Returns
    -------
    list of dict
        One dict per device, as ``sounddevice.query_devices()`` gives them (name, host API,
        channel counts, default sample rate and latencies), with its ``index``.
    """
    return [dict(device) for device in sounddevice().query_devices()]
