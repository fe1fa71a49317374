"""Every role a device plays in an engine, on real PortAudio streams: the JACK dummy device
(which the `jack_device` fixture starts) as the clock master beside a NullDevice, as a second
output beside a NullDevice master, as a second input, and a NullDevice input beside it.

These tests assert only what does not depend on how busy the machine is: that audio flows,
on the right channels, at about the right frequency and level, that counters move, and that
start, stop and restart leave nothing behind. How well the clocks are followed (drift,
latency, SNR) is tested on virtual time in test_multicard.py, and measured on JACK by the
multicard benchmark."""
import os
import threading
import time

import numpy as np
import pytest
import soundfile as sf
from conftest import eventually, jack_connect, jack_ports, new_ports

import pkaudio
from pkaudio.devices import open_stream
from pkaudio.engine import Engine

RATE = 48000
RUN = 3.0  # seconds each device runs: the links start within 0.1 s
TONE_RMS = 0.5 / np.sqrt(2)  # of each channel of stereo()


def stereo():
    """One second, left 1 kHz, right 3 kHz, both at RMS 0.354: loops without a seam."""
    t = np.arange(RATE) / RATE
    return (0.5 * np.stack([np.sin(2 * np.pi * 1000 * t), np.sin(2 * np.pi * 3000 * t)], 1)
            ).astype(np.float32)


def check_tone(x, frequency, rms=TONE_RMS):
    """x's strongest component is at `frequency` (Hz, within 1%: the drift loop bends it
    less than 0.5%) and the RMS most of its 0.1 s windows reach is `rms` (within 15%: a
    dropout or two on a busy machine do not count)."""
    x = np.asarray(x, np.float64)
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x)), 8 * len(x)))
    found = np.argmax(spectrum) * RATE / (8 * len(x))
    assert abs(found - frequency) <= 0.01 * frequency, (found, frequency)
    window = RATE // 10
    levels = np.sqrt((x[:len(x) // window * window].reshape(-1, window) ** 2).mean(axis=1))
    assert abs(np.percentile(levels, 75) - rms) <= 0.15 * rms, levels


class JackRecorder:
    """A plain sounddevice input stream on the JACK server, fed from `sources` (output
    ports): it hears what a device of the engine played."""

    def __init__(self, sources):
        import sounddevice as sd

        before, self.blocks = jack_ports(), []
        self.stream = sd.InputStream(RATE, 128, "system", len(sources), "float32",
                                     callback=lambda data, *_: self.blocks.append(data.copy()))
        self.stream.start()
        for source, port in zip(sources, new_ports(before, "PortAudio:in_"), strict=True):
            jack_connect(source, port)

    def close(self):
        self.stream.close()
        return np.concatenate(self.blocks)


class JackTone:
    """A plain sounddevice output stream on the JACK server playing `signal` round and round
    into `destinations` (input ports): it feeds a device of the engine."""

    def __init__(self, signal, destinations):
        import sounddevice as sd

        self.signal, self.at, before = signal, 0, jack_ports()

        def play(out, frames, *_):
            index = np.arange(self.at, self.at + frames) % len(signal)
            out[:] = signal[index]
            self.at += frames

        self.stream = sd.OutputStream(RATE, 128, "system", signal.shape[1], "float32",
                                      callback=play)
        self.stream.start()
        for port, destination in zip(new_ports(before, "PortAudio:out_"), destinations,
                                     strict=True):
            jack_connect(port, destination)

    def close(self):
        self.stream.close()



def moving(eng, kind):
    """Whether the first further device's frames go on moving."""
    first = eng.stats()[kind][0]["frames"]
    return eventually(lambda: eng.stats()[kind][0]["frames"] > first)


def test_jack_as_the_master_beside_a_null_device(jack_device):
    second = pkaudio.NullDevice(RATE, 2, capture=True)
    eng = Engine(RATE, 2, outputs=[jack_device, pkaudio.Output(second, channels=(1, 0))])
    eng.play(stereo(), loop=True)
    with eng.start(blocksize=128):
        time.sleep(RUN)
        assert moving(eng, "outputs")
    played = second.captured()[-RATE:]
    check_tone(played[:, 0], 3000)  # the channels swapped, as routed
    check_tone(played[:, 1], 1000)
    stats = eng.stats()
    assert stats["callbacks"] > 0 and stats["outputs"][0]["device"] == "NullDevice"


def test_jack_as_a_second_output_beside_a_null_device_master(jack_device):
    eng = Engine(RATE, 2, outputs=[pkaudio.NullDevice(RATE, 2),
                                   pkaudio.Output(jack_device, channels=(1, 0))])
    eng.play(stereo(), loop=True)
    before = jack_ports()
    with eng.start(blocksize=128):
        recorder = JackRecorder(new_ports(before, "PortAudio:out_"))
        time.sleep(RUN)
        assert moving(eng, "outputs")
        heard = recorder.close()[-RATE:]
    check_tone(heard[:, 0], 3000)
    check_tone(heard[:, 1], 1000)
    assert eng.stats()["outputs"][0]["device"] == "system"


def test_a_jack_input_beside_a_null_device_master(jack_device):
    main = pkaudio.NullDevice(RATE, 2, capture=True)
    eng = Engine(RATE, 2, outputs=[main], inputs=[jack_device])
    eng.play(eng.inputs[0])
    before = jack_ports()
    with eng.start(blocksize=128):
        tone = JackTone(stereo(), new_ports(before, "PortAudio:in_"))
        begin = len(main.captured())  # (what came before, the input's silence)
        time.sleep(RUN)
        assert moving(eng, "inputs")
        tone.close()
    heard = main.captured()[begin + RATE // 2:][:RATE]
    check_tone(heard[:, 0], 1000)
    check_tone(heard[:, 1], 3000)
    assert eng.stats()["inputs"][0]["device"] == "system"


def test_a_null_device_input_beside_the_jack_master(jack_device, tmp_path):
    mic = pkaudio.NullDevice(RATE, 2, source=stereo())
    eng = Engine(RATE, 2, outputs=[jack_device], inputs=[mic])
    eng.play(eng.inputs[0])
    with eng.start(blocksize=128):
        recorder = eng.record(tmp_path / "out.wav", subtype="FLOAT")
        time.sleep(RUN)
        assert moving(eng, "inputs")
    heard, rate = sf.read(tmp_path / "out.wav", dtype="float32")
    assert rate == RATE and len(heard) == recorder.frames > RATE
    check_tone(heard[-RATE:, 0], 1000)
    check_tone(heard[-RATE:, 1], 3000)


def test_jack_in_every_role_starts_and_stops_again_leaving_nothing_behind(jack_device):
    eng = Engine(RATE, 2, outputs=[pkaudio.NullDevice(RATE, 2), jack_device],
                 inputs=[jack_device])
    eng.play(stereo(), loop=True)
    eng.play(eng.inputs[0])
    threads, files = threading.active_count(), len(os.listdir("/proc/self/fd"))
    server = jack_ports()
    pulled = 0
    for _ in range(5):
        with eng.start(blocksize=128):
            assert eventually(lambda: eng.stats()["outputs"][0]["frames"] > 0)
            assert eventually(lambda pulled=pulled: eng.stats()["inputs"][0]["frames"] > pulled)
        pulled = eng.stats()["inputs"][0]["frames"]  # (the input's link lasts)
    assert not eng.running and jack_ports() == server  # every stream's ports gone
    assert threading.active_count() == threads
    assert len(os.listdir("/proc/self/fd")) <= files
    assert eng.render(64).any()  # offline again, the taps gone


def test_second_jack_devices_that_cannot_run_what_is_asked(jack_device):
    null, server = pkaudio.NullDevice(RATE, 2), jack_ports()
    eng = Engine(RATE, 2, outputs=[null, pkaudio.Output(jack_device, channels=(0, 1, 0))])
    with pytest.raises(ValueError, match="Engine.start: device 'system' cannot run 3 output"):
        eng.start()
    eng = Engine(RATE, 2, outputs=[null], inputs=["no such device"])
    with pytest.raises(ValueError, match="Engine.start device: no input device .no such device."):
        eng.start()
    assert not eng.running and jack_ports() == server


def test_open_stream_runs_a_c_callback(jack_device):
    from pkaudio._dsp.device import DeviceCallback

    control = DeviceCallback(None, float(RATE), channels=2)  # silence, counted
    stream = open_stream("output", jack_device, 2, RATE, 128, control.callback_address,
                         control.address)
    with stream:
        time.sleep(0.2)
    assert control.stats()["frames"] > 0


@pytest.mark.parametrize("settings,error,match", [
    ({"kind": "both"}, ValueError, "open_stream kind: expected 'output', 'input' or "
                                   "'duplex', got 'both'"),
    ({"callback": "f"}, TypeError, "open_stream callback: expected a C function's address"),
    ({"callback": 0}, ValueError, "open_stream callback: expected a function's address"),
    ({"callback": True}, TypeError, "open_stream callback"),
    ({"userdata": None}, TypeError, "open_stream userdata: expected an address"),
    ({"callback": print, "userdata": 1}, TypeError, "a Python callback takes none"),
    ({"device": "no such device"}, ValueError, "open_stream device: no output device"),
    ({"channels": 9}, ValueError, "cannot run 9 output and 0 input channels at 48000 Hz"),
])
def test_open_stream_errors(jack_device, settings, error, match):
    arguments = {"kind": "output", "device": jack_device, "channels": 2, "samplerate": RATE,
                 "blocksize": 128, "callback": 1, "userdata": 0, **settings}
    with pytest.raises(error, match=match):
        open_stream(**arguments)
