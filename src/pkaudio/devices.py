"""Audio devices, through sounddevice (PortAudio).

sounddevice is imported on first use, not with pkaudio: it raises ``OSError`` at import on a
machine without the PortAudio library, and everything else in pkaudio works without it.

`open_stream` is the one place pkaudio opens a PortAudio stream. Its callback is a C function
of the compiled core (given by address, with the address of its state: PortAudio's thread then
runs it without ever taking the GIL), or a Python function (the GIL-taking mode).
"""
from __future__ import annotations

import numbers
from collections.abc import Callable
from types import ModuleType
from typing import Any

_INSTALL_HINT = (
    "PortAudio is needed for audio devices: install it with your system's package manager "
    "(Debian/Ubuntu: apt-get install libportaudio2; Fedora: dnf install portaudio; "
    "macOS and Windows: the sounddevice wheel bundles it)"
)

KINDS = ("output", "input", "duplex")


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


def device_info(device: int | str | None, kind: str, what: str = "device_info"
                ) -> dict[str, Any]:
    """What PortAudio says of a device, as ``sounddevice.query_devices(device, kind)``.

    Parameters
    ----------
    device : int, str or None
        An index, a substring of a name, or None for the default.
    kind : {"output", "input"}
        Which side of the device.
    what : str
        The function to name in errors.

    Raises
    ------
    ValueError
        When there is no such device, naming what was asked for.
    """
    if kind not in ("output", "input"):
        raise ValueError(f"{what} kind: expected 'output' or 'input', got {kind!r}")
    if not (device is None or isinstance(device, str) or
            (isinstance(device, numbers.Integral) and not isinstance(device, bool))):
        raise TypeError(f"{what} device: expected a device's index, part of its name, or None "
                        f"for the default, got {type(device).__name__} {device!r}")
    sd = sounddevice()
    if not isinstance(device, (str, type(None))) and not 0 <= device < len(sd.query_devices()):
        raise ValueError(f"{what} device: no {kind} device {device!r}; pkaudio.devices() "
                         "lists them")
    try:
        return dict(sd.query_devices(device, kind))
    except (ValueError, sd.PortAudioError) as error:
        raise ValueError(f"{what} device: no {kind} device {device!r} ({error}); "
                         "pkaudio.devices() lists them") from None


def _pair(value, kind: str) -> tuple[Any, Any]:
    """(input, output) of a duplex stream's setting, or of one side's."""
    if kind == "duplex":
        return value
    return (value, None) if kind == "input" else (None, value)


def open_stream(kind: str, device, channels, samplerate: float, blocksize: int,
                callback: int | Callable[..., Any], userdata: int | None = None, *,
                latency: str | float = "low", what: str = "open_stream"):
    """Open a PortAudio stream of float32 frames (not started) whose callback is a C function,
    or a Python one.

    Parameters
    ----------
    kind : {"output", "input", "duplex"}
        Play, record, or both in one stream.
    device : int, str or None; for "duplex", a pair (input, output)
        An index, a substring of a name, or None for the default.
    channels : int; for "duplex", a pair (input, output)
        Channels of each side.
    samplerate : float
        Frames a second (Hz).
    blocksize : int
        Frames per callback (0: as many as the device likes, varying).
    callback : int or callable
        The address of a C function with PortAudio's ``PaStreamCallback`` signature, called
        with `userdata` on PortAudio's thread, which it must never make wait (no GIL,
        allocation, lock or I/O); or a Python function, called as sounddevice's streams
        call theirs, with numpy arrays: ``(outdata, frames, time, status)`` for "output",
        ``(indata, frames, time, status)`` for "input", ``(indata, outdata, frames, time,
        status)`` for "duplex" (it takes the GIL on the audio thread).
    userdata : int, optional
        For a C callback: the address it gets as its last argument. The caller keeps what
        it points to alive until the stream is closed.
    latency : {"low", "high"} or float
        PortAudio's suggested latency (the device's defaults), or seconds.
    what : str
        The function to name in errors.

    Returns
    -------
    stream
        sounddevice's stream: ``start()``, ``stop()``, ``close()``, ``active``.

    Raises
    ------
    ValueError
        When there is no such device, or it cannot run these channels at this rate.
    TypeError
        When `callback` is neither an address nor a function.
    """
    if kind not in KINDS:
        raise ValueError(f"{what} kind: expected 'output', 'input' or 'duplex', got {kind!r}")
    native = isinstance(callback, int) and not isinstance(callback, bool)
    if isinstance(callback, int) and native and callback <= 0:
        raise ValueError(f"{what} callback: expected a function's address (> 0), got "
                         f"{callback!r}")
    if not native and not callable(callback):
        raise TypeError(f"{what} callback: expected a C function's address (int) or a "
                        f"Python function, got {callback!r}")
    if native and (isinstance(userdata, bool) or not isinstance(userdata, int) or
                   userdata < 0):
        raise TypeError(f"{what} userdata: expected an address (int >= 0) for a C callback, "
                        f"got {userdata!r}")
    if not native and userdata is not None:
        raise TypeError(f"{what} userdata: a Python callback takes none, got {userdata!r}")
    sd = sounddevice()
    (input_device, output_device) = _pair(device, kind)
    (input_channels, output_channels) = _pair(channels, kind)
    sides = [("output", output_device)] if kind != "input" else []
    sides += [("input", input_device)] if kind != "output" else []
    names = [repr(device_info(side_device, side, what)["name"]) for side, side_device in sides]
    try:
        if kind != "input":
            sd.check_output_settings(output_device, output_channels, "float32",
                                     samplerate=samplerate)
        if kind != "output":
            sd.check_input_settings(input_device, input_channels, "float32",
                                    samplerate=samplerate)
    except sd.PortAudioError as error:
        raise ValueError(f"{what}: device {' with input '.join(names)} cannot run "
                         f"{output_channels or 0} output and {input_channels or 0} input "
                         f"channels at {samplerate:g} Hz ({error})") from None
    settings: dict[str, Any] = {"device": device, "channels": channels, "dtype": "float32",
                                "latency": latency}
    if native:
        ffi = sd._ffi
        return sd._StreamBase(kind, samplerate, blocksize,
                              callback=ffi.cast("PaStreamCallback *", callback),
                              userdata=ffi.cast("void *", userdata), **settings)
    return sd._StreamBase(kind, samplerate, blocksize, callback=callback,
                          wrap_callback="array", **settings)
