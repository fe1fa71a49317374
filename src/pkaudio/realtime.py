"""An engine on a device: a PortAudio stream whose callback is C, and recorders.

`DeviceRun` opens a PortAudio stream (`pkaudio.devices.open_stream`) whose callback is
``pk_device_callback`` from the compiled core, with the engine's state as its user data:
PortAudio's thread renders the engine without ever taking the GIL. A `Recorder` drains a
lock-free ring that the callback fills (with the device's input or the engine's output) into
a sound file, on its own thread.

The audio thread's rules (see the README): it never allocates, locks, waits or does I/O; it
takes commands from a lock-free ring and posts events to another; what it has no room for
(events, recorded frames) is counted, never waited for.
"""
from __future__ import annotations

import numbers
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from . import _checks as check
from ._dsp.device import DeviceCallback, DeviceInput, DeviceOutput, Recording
from ._dsp.resample import Resampler
from .devices import device_info, open_stream
from .files import open_file
from .nulldevice import NullDevice

__all__ = ["DeviceRun", "NullDevice", "Output", "Recorder", "SecondInput", "SecondOutput"]

# What a Recorder records: the device's input, or the engine's output.
RecordSource = Literal["input", "output"]
# Seconds of audio a recording's ring holds while its thread writes to disk.
RECORD_SECONDS = 4.0
# Seconds the recorder thread sleeps when the ring is empty.
RECORD_POLL = 0.01
# Seconds to wait for the callback to let go of a recording.
RELEASE_TIMEOUT = 2.0


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
        self.python = process is not None
        self.blocksize, self.samplerate = blocksize, samplerate
        self.recorders: list[Recorder] = []
        self.last_recorder: Recorder | None = None
        self.seconds: list[SecondOutput] = []  # more devices, each on its own clock
        self.inputs: list = []  # the streams of SecondInputs
        self._python_stats = {"callbacks": 0, "frames": 0, "xruns": 0, "late": 0}
        self.process_error: BaseException | None = None
        self.audio_thread: int | None = None  # the Python mode's callback thread
        if process is not None and not callable(process):
            raise TypeError(f"Engine.start process: expected a function, got {process!r}")
        if isinstance(device, NullDevice):
            if input_channels or process is not None:
                raise ValueError("Engine.start: a NullDevice has no input, nor a Python mode")
            device.check(samplerate, channels, "Engine.start")
            self.callback = DeviceCallback(core, float(samplerate),
                                           ideal_time=device.exact_times,
                                           clock=device.virtual_time)
            self.stream = device.stream(self.callback.callback_address, self.callback.address)
            self.device, self.input_channels = device.name, 0
            return
        kind, devices = "output", device
        channel_counts: int | tuple[int, int] = channels
        if input_channels:
            kind = "duplex"
            devices, channel_counts = (input_device, device), (input_channels, channels)
        self.callback = DeviceCallback(core, float(samplerate), input_channels)
        if self.python:
            callback, user = self._python_callback(core, process, lock, kind), None
        else:
            callback, user = self.callback.callback_address, self.callback.address
        self.stream = open_stream(kind, devices, channel_counts, samplerate, blocksize,
                                  callback, user, latency=latency, what="Engine.start")
        self.device = device_info(device, "output", "Engine.start")["name"]
        self.input_channels = input_channels

    def _python_callback(self, core, process, lock, kind):
        """The GIL-taking mode: sounddevice's Python callback renders the core, then runs
        `process` on the block.
        """
        counts, budget = self._python_stats, self.blocksize / self.samplerate

        def callback(indata, outdata, frames, time_info, status):
            start = time.perf_counter()
            self.audio_thread = threading.get_ident()
            if self.process_error is not None:  # it failed: silence from then on
                outdata.fill(0)
                return
            try:
                with lock:
                    core.render_into(outdata, indata)
                process(outdata)
            except Exception as error:  # kept for stop() to raise; the stream goes on
                self.process_error = error
                outdata.fill(0)
            counts["callbacks"] += 1
            counts["frames"] += frames
            counts["xruns"] += bool(status.output_underflow or status.output_overflow or
                                    status.input_underflow or status.input_overflow)
            counts["late"] += time.perf_counter() - start > budget

        return (lambda *args: callback(None, *args)) if kind == "output" else \
            (lambda indata, *rest: callback(np.ascontiguousarray(indata), *rest))

    def start(self) -> None:
        """Start the other devices (each waits for its latency's worth of frames), then the
        one that clocks the render. Raises ValueError, starting none, unless all run on one
        clock.
        """
        streams = [self.stream] + [second.stream for second in self.seconds] + self.inputs
        if len({id(getattr(stream, "clock", None)) for stream in streams}) > 1:
            raise ValueError("Engine.start: the devices of an engine run on one clock: give "
                             "every NullDevice the same VirtualClock, and none to NullDevices "
                             "beside PortAudio devices")
        for stream in self.inputs:
            stream.start()
        for second in self.seconds:
            second.stream.start()
        self.stream.start()

    def stop(self) -> None:
        """Stop the stream (PortAudio waits for the callback to return), the other
        devices', then the recorders, which write out what is left in their rings; every
        stream is closed whatever fails. Raises the first error (a recorder's, or the
        Python mode's `process`).
        """
        errors: list[BaseException] = []
        for stream in [self.stream] + [second.stream for second in self.seconds] + \
                self.inputs:
            try:
                stream.stop()
            except Exception as error:
                errors.append(error)
            finally:
                stream.close()
                if stream is self.stream:
                    self.callback.release()
        for recorder in list(self.recorders):
            try:
                recorder.stop()
            except Exception as error:
                errors.append(error)
        if self.process_error is not None:
            errors.append(self.process_error)
        if errors:
            raise errors[0]

    @property
    def active(self) -> bool:
        return bool(self.stream.active)

    def stats(self) -> dict[str, float]:
        if self.python:
            return dict(self._python_stats)
        return self.callback.stats()

    def record(self, path, source: RecordSource, channels: int, *, format=None, subtype=None
               ) -> Recorder:
        if self.python:
            raise RuntimeError("Engine.record: not in the Python callback mode")
        if self.recorders:
            raise RuntimeError(f"Engine.record: already recording to {self.recorders[0].path}")
        recorder = Recorder(self, path, source, channels, format=format, subtype=subtype)
        self.recorders.append(recorder)
        self.last_recorder = recorder
        return recorder


@dataclass(frozen=True)
class Output:
    """An output device of an engine with several (``Engine(outputs=[...])``), and what it
    plays.

    Parameters
    ----------
    device : int, str, NullDevice or None
        As `Engine.start` takes it.
    bus : str
        The bus it plays (default: the master).
    channels : list of int, optional
        For each of the device's channels, the bus channel it plays (default: the bus's
        channels in order, round again if the device has more).
    latency : int, optional
        For a device after the first: the frames to keep buffered between the two clocks
        (default: two blocks of each device, and 20 ms).
    """

    device: Any = None
    bus: str = "master"
    channels: tuple[int, ...] | None = None
    latency: int | None = None

    def __post_init__(self) -> None:
        device = self.device
        if not (device is None or isinstance(device, (str, NullDevice)) or
                (isinstance(device, numbers.Integral) and not isinstance(device, bool))):
            raise TypeError(f"Output device: expected a device's index, part of its name, a "
                            f"NullDevice or None, got {type(device).__name__} {device!r}")
        check.text(self.bus, "Output bus")
        if self.channels is not None:
            if not isinstance(self.channels, (list, tuple)) or not self.channels:
                raise TypeError(f"Output channels: expected a list of bus channels, got "
                                f"{self.channels!r}")
            object.__setattr__(self, "channels", tuple(
                check.whole(c, "Output channels", 0, check.MAX_CHANNELS - 1, "a bus channel")
                for c in self.channels))
        if self.latency is not None:
            object.__setattr__(self, "latency", check.frames(self.latency, "Output latency",
                                                             1 << 30))


def _second_device(device, kind: str, blocksize: int) -> tuple[str, float, int, int]:
    """A second device's name, rate, channels and block size (for PortAudio: its default
    rate, as many channels as it has, the engine's block size).
    """
    if isinstance(device, NullDevice):
        return device.name, device.samplerate, device.channels, device.blocksize
    info = device_info(device, kind, "Engine.start")
    return (info["name"], float(info["default_samplerate"]),
            min(int(info[f"max_{kind}_channels"]), 64), blocksize)


def _latency(device, engine_block: float, device_block: float, rate: float) -> int:
    """Frames (at `rate`, the ring's) a link keeps by default: two blocks of each side (in
    seconds), 20 ms for the other side's hiccups, and twice the device's jitter.
    """
    seconds = 2 * (engine_block + device_block) + 0.02 + 2 * getattr(device, "jitter", 0.0)
    return int(seconds * rate)


class SecondOutput:
    """A device after the first: on its own clock, fed from the render through a ring and a
    resampler whose ratio a control loop steers (see `pk_output_callback`).
    """

    def __init__(self, output: Output, rate: float, engine_channels: int, blocksize: int,
                 latency: str | float):
        device = output.device
        self.name, device_rate, channels, block = _second_device(device, "output", blocksize)
        if not isinstance(device, NullDevice):
            channels = len(output.channels) if output.channels else engine_channels
        mapping = list(output.channels) if output.channels else \
            [c % engine_channels for c in range(channels)]
        if len(mapping) != channels or not all(0 <= c < engine_channels for c in mapping):
            raise ValueError(f"Engine output {self.name!r} channels: expected {channels} "
                             f"bus channels, each 0 .. {engine_channels - 1}, got "
                             f"{output.channels!r}")
        target = output.latency if output.latency is not None else \
            _latency(device, blocksize / rate, block / device_rate, rate)
        self.resampler = Resampler(rate, device_rate, channels, quality="medium")
        self.resampler.ratio = device_rate / rate  # the steerable kind, whatever the rates
        null = isinstance(device, NullDevice)
        self.state = DeviceOutput(channels, mapping, float(rate), float(device_rate),
                                  float(target), self.resampler,
                                  ideal_time=null and device.exact_times,
                                  clock=device.virtual_time if null else None)
        if isinstance(device, NullDevice):
            self.stream = device.stream(self.state.callback_address, self.state.address)
        else:
            self.stream = open_stream("output", device, channels, device_rate, block,
                                      self.state.callback_address, self.state.address,
                                      latency=latency, what="Engine.start")
        self.bus = output.bus

    def stats(self) -> dict[str, Any]:
        return {"device": self.name, **self.state.stats()}


class SecondInput:
    """A device's input on its own clock (``Engine(inputs=[...])``): its callback pushes
    what it records into a link, which the engine's voices of it pull at the engine's clock
    through a steered resampler. It lasts as long as its engine (voices hold its link);
    each `Engine.start` opens its device again.
    """

    def __init__(self, device, rate: float, blocksize: int):
        self.name, device_rate, channels, block = _second_device(device, "input", blocksize)
        target = _latency(device, blocksize / rate, block / device_rate, device_rate)
        self.device, self.device_rate, self.blocksize = device, device_rate, block
        resampler = Resampler(device_rate, rate, channels, quality="medium")
        resampler.ratio = rate / device_rate  # the steerable kind, whatever the rates
        null = isinstance(device, NullDevice)
        self.state = DeviceInput(channels, device_rate, float(rate), float(target), resampler,
                                 ideal_time=null and device.exact_times,
                                 clock=device.virtual_time if null else None)

    def open(self, latency: str | float):
        """A stream of the device that pushes into the link."""
        self.state.reset()
        if isinstance(self.device, NullDevice):
            return self.device.stream(self.state.callback_address, self.state.address)
        return open_stream("input", self.device, self.state.channels, self.device_rate,
                           self.blocksize, self.state.callback_address, self.state.address,
                           latency=latency, what="Engine.start")

    def stats(self) -> dict[str, Any]:
        stats: dict[str, Any] = {"device": self.name, **self.state.stats()}
        # The link measures the engine's clock against the device's: say it the other way
        # (the device runs 1 / (1 + d) - 1 faster, if the engine runs d faster).
        stats["drift_ppm"] = (1 / (1 + stats["drift_ppm"] * 1e-6) - 1) * 1e6
        return stats


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

    def __init__(self, run: DeviceRun, path, source: RecordSource, channels: int, *,
                 format=None, subtype=None):
        if source not in ("input", "output"):
            raise ValueError(f"Engine.record source: expected 'input' or 'output', got "
                             f"{source!r}")
        rate = run.samplerate
        if int(rate) != rate:
            raise ValueError(f"Engine.record: files need a whole sample rate, got {rate}")
        self.path, self.frames, self._run = path, 0, run
        self._file = open_file(path, "w", "Engine.record path", samplerate=int(rate),
                               channels=channels, format=format, subtype=subtype)
        capacity = 1 << max(12, int(np.ceil(np.log2(RECORD_SECONDS * rate))))
        self._recording = Recording(source, channels, capacity)
        self._buffer = np.empty((capacity // 4, channels), np.float32)
        self._stopping = threading.Event()
        self._stop_lock = threading.Lock()
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = threading.Thread(
            target=self._write, name=f"pkaudio recorder {path}", daemon=True)
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
        recorded one).
        """
        return self._recording.first_frame

    @property
    def recorded(self) -> int:
        """Frames the callback handed over (written, or waiting to be)."""
        return self._recording.recorded

    def stop(self) -> int:
        """Stop recording, write out what is left, close the file; return the frames
        written. Raises what went wrong writing, if anything did (once). Any thread may call
        it, more than once. A recording that got no frame leaves an empty file where its
        format can hold none (WAV, OGG), and no file where it cannot (FLAC, MP3).
        """
        with self._stop_lock:
            return self._stop()

    def _stop(self) -> int:
        if self._thread is None:
            return self.frames
        if self._thread is threading.current_thread():
            raise RuntimeError("Recorder.stop: not from the recorder's own thread")
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
            if self.frames == 0 and isinstance(self.path, (str, os.PathLike)) and \
                    os.path.getsize(self.path) == 0:
                os.remove(self.path)  # (FLAC and MP3 hold no frames as an empty file)
        error, self._error = self._error, None
        if error is not None:
            raise error
        return self.frames

    def __repr__(self) -> str:
        return f"<Recorder {self.path!s}: {self.frames} frames>"
