"""An engine on a device: a PortAudio stream whose callback is C, and recorders.

`DeviceRun` opens a sounddevice stream whose callback is ``pk_device_callback`` from the
compiled core, with the engine's state as its user data: PortAudio's thread renders the
engine without ever taking the GIL. A `Recorder` drains a lock-free ring that the callback
fills (with the device's input or the engine's output) into a sound file, on its own thread.

The audio thread's rules (see the README): it never allocates, locks, waits or does I/O; it
takes commands from a lock-free ring and posts events to another; what it has no room for
(events, recorded frames) is counted, never waited for.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from .devices import sounddevice
from ._dsp.device import DeviceCallback, Recording
from .buffering import _open

__all__ = ["DeviceRun", "Recorder"]

# Seconds of audio a recording's ring holds while its thread writes to disk.
RECORD_SECONDS = 4.0
# Seconds the recorder thread sleeps when the ring is empty.
RECORD_POLL = 0.01
# Seconds to wait for the callback to let go of a recording.
RELEASE_TIMEOUT = 2.0


def _device_name(sd, device, kind: str) -> str:
    """The device's name, or a ValueError that names what was asked for."""
    try:
        return sd.query_devices(device, kind)["name"]
    except (ValueError, sd.PortAudioError) as error:
        raise ValueError(f"Engine.start: no {kind} device {device!r} ({error}); "
                         "pkaudio.devices() lists them") from None


class DeviceRun:
    """A running stream on a device, rendering `core` (an EngineCore).

    Parameters
    ----------
    core : EngineCore
        What the callback renders.
    samplerate, channels : float, int
        The engine's.
    device, input_device : int, str or None
        sounddevice's conventions: an index, a substring of a name, or None for the default.
    blocksize : int
        Frames per callback.
    latency : str or float
        "low", "high" or seconds.
    input_channels : int
        Input channels to open (a duplex stream), for recording the input.
    process : callable, optional
        A Python function called with each rendered block on the audio thread: the
        GIL-taking mode (see `Engine.start`).
    """

    def __init__(self, core, samplerate: float, channels: int, *, device=None,
                 blocksize: int, latency: str | float = "low", input_device=None,
                 input_channels: int = 0,
                 process: Callable[[np.ndarray], Any] | None = None, lock=None):
        sd = sounddevice()
        output_name = _device_name(sd, device, "output")
        kind, settings = "output", {"device": device, "channels": channels}
        if input_channels:
            input_name = _device_name(sd, input_device, "input")
            kind = "duplex"
            settings = {"device": (input_device, device), "channels": (input_channels, channels)}
        try:
            sd.check_output_settings(device, channels, "float32", samplerate=samplerate)
            if input_channels:
                sd.check_input_settings(input_device, input_channels, "float32",
                                        samplerate=samplerate)
        except sd.PortAudioError as error:
            what = f"{output_name!r}" + (f" with input {input_name!r}" if input_channels else "")
            raise ValueError(f"Engine.start: device {what} cannot run {channels} output and "
                             f"{input_channels} input channels at {samplerate:g} Hz ({error})"
                             ) from None
        self.callback = DeviceCallback(core, float(samplerate), input_channels)
        self.python = process is not None
        self.blocksize, self.samplerate = blocksize, samplerate
        self._python_stats = {"callbacks": 0, "frames": 0, "xruns": 0, "late": 0}
        if self.python:
            callback = self._python_callback(core, process, lock, kind)
            self.stream = sd._StreamBase(kind, samplerate, blocksize, dtype="float32",
                                         latency=latency, callback=callback,
                                         wrap_callback="array", **settings)
        else:
            ffi = sd._ffi
            self.stream = sd._StreamBase(
                kind, samplerate, blocksize, dtype="float32", latency=latency,
                callback=ffi.cast("PaStreamCallback *", self.callback.callback_address),
                userdata=ffi.cast("void *", self.callback.address), **settings)
        self.device, self.input_channels = output_name, input_channels
        self.recorders: list[Recorder] = []
        self.last_recorder: Recorder | None = None

    def _python_callback(self, core, process, lock, kind):
        """The GIL-taking mode: sounddevice's Python callback renders the core, then runs
        `process` on the block."""
        counts, budget = self._python_stats, self.blocksize / self.samplerate

        def callback(*args):
            outdata, frames, status = args[-4], args[-3], args[-1]
            start = time.perf_counter()
            with lock:
                core.render_into(outdata)
            process(outdata)
            counts["callbacks"] += 1
            counts["frames"] += frames
            counts["xruns"] += bool(status.output_underflow or status.output_overflow or
                                    status.input_underflow or status.input_overflow)
            counts["late"] += time.perf_counter() - start > budget

        return callback if kind == "output" else (lambda indata, *rest: callback(*rest))

    def start(self) -> None:
        self.stream.start()

    def stop(self) -> None:
        """Stop the stream (PortAudio waits for the callback to return), then the
        recorders, which write out what is left in their rings."""
        try:
            self.stream.stop()
        finally:
            for recorder in list(self.recorders):
                recorder.stop()
            self.stream.close()

    @property
    def active(self) -> bool:
        return bool(self.stream.active)

    def stats(self) -> dict[str, float]:
        if self.python:
            return dict(self._python_stats)
        return self.callback.stats()

    def record(self, path, source: str, channels: int, *, format=None, subtype=None
               ) -> Recorder:
        if self.python:
            raise RuntimeError("Engine.record: not in the Python callback mode")
        if self.recorders:
            raise RuntimeError(f"Engine.record: already recording to {self.recorders[0].path}")
        recorder = Recorder(self, path, source, channels, format=format, subtype=subtype)
        self.recorders.append(recorder)
        self.last_recorder = recorder
        return recorder


class Recorder:
    """Writes what the device callback records into a sound file, from its own thread; made
    by `Engine.record`.

    Attributes
    ----------
    path
        The file.
    frames : int
        Frames written so far.
    first_frame : int or None
        The engine frame of the file's first frame.
    """

    def __init__(self, run: DeviceRun, path, source: str, channels: int, *, format=None,
                 subtype=None):
        if source not in ("input", "output"):
            raise ValueError(f"Engine.record source: expected 'input' or 'output', got "
                             f"{source!r}")
        rate = run.samplerate
        if int(rate) != rate:
            raise ValueError(f"Engine.record: files need a whole sample rate, got {rate}")
        self.path, self.frames, self._run = path, 0, run
        self._file = _open(path, "w", samplerate=int(rate), channels=channels, format=format,
                           subtype=subtype)
        capacity = 1 << max(12, int(np.ceil(np.log2(RECORD_SECONDS * rate))))
        self._recording = Recording(source, channels, capacity)
        self._buffer = np.empty((capacity // 4, channels), np.float32)
        self._stopping = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._write, name=f"pkaudio recorder {path}",
                                        daemon=True)
        self._thread.start()
        run.callback.record(self._recording)

    def _drain(self) -> int:
        got = self._recording.read(self._buffer)
        if got:
            self._file.write(self._buffer[:got])
            self.frames += got
        return got

    def _write(self) -> None:
        try:
            while not self._stopping.is_set():
                if not self._drain():
                    self._stopping.wait(RECORD_POLL)
        except BaseException as error:  # reported by stop()
            self._error = error

    @property
    def dropped(self) -> int:
        """Frames lost because the ring was full (the disk did not keep up)."""
        return self._recording.dropped

    @property
    def first_frame(self) -> int | None:
        """The engine frame of the file's first frame (None until the callback has
        recorded one)."""
        return self._recording.first_frame

    @property
    def recorded(self) -> int:
        """Frames the callback handed over (written, or waiting to be)."""
        return self._recording.recorded

    def stop(self) -> int:
        """Stop recording, write out what is left, close the file; return the frames
        written. Raises what went wrong writing, if anything did."""
        if self._thread is None:
            return self.frames
        callback = self._run.callback
        released = callback.record(None)
        deadline = time.monotonic() + RELEASE_TIMEOUT
        while (self._run.active and callback.callbacks <= released and
               time.monotonic() < deadline):
            time.sleep(0.001)  # the callback in progress may still be writing
        self._stopping.set()
        self._thread.join()
        self._thread = None
        try:
            if self._error is None:
                while self._drain():
                    pass
        finally:
            self._file.close()
            self._run.recorders.remove(self)
        if self._error is not None:
            raise self._error
        return self.frames

    def __repr__(self) -> str:
        return f"<Recorder {self.path!s}: {self.frames} frames>"
