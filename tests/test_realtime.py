"""The engine on a real-time device: a JACK server's dummy driver, which the `jack_device`
fixture starts (these tests skip without JACK and PortAudio, except in CI). The machine, and
whatever else runs on it, decides how much of real time a device delivers: the tests wait
for what they need (with a deadline, so that a bug fails rather than hangs) and assert only
what no load can change. How much a busy main thread lets through is the realtime
benchmark's to measure (`bench/run.py realtime`)."""
import gc
import os
import sys
import threading
import time

import numpy as np
import pytest
import soundfile as sf
from conftest import eventually

from pkaudio.engine import Engine

RATE = 48000



def holding_the_gil(condition, patience=10.0):
    """Whether `condition()` (pure Python, which never lets go of the GIL) comes true within
    `patience` seconds while this thread keeps the GIL all along: no other thread runs
    Python meanwhile."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1000.0)  # no thread asking for the GIL gets it before then
    try:
        deadline = time.monotonic() + patience
        while not condition():
            if time.monotonic() > deadline:
                return False
        return True
    finally:
        sys.setswitchinterval(interval)


def looping_engine(voices=64, **settings):
    eng = Engine(RATE, 2, **settings)
    table = (np.sin(2 * np.pi * np.arange(8192) * 3 / 8192) * 0.01).astype(np.float32)
    for i in range(voices):
        eng.play(table, rate=0.5 + 1.5 * i / voices, loop=True, pan=i / voices * 2 - 1)
    return eng


def test_the_audio_thread_renders_while_python_holds_the_gil(jack_device):
    """The callback is C and never takes the GIL: blocks go on being rendered while the main
    thread holds the GIL without a break (as a busy loop or the garbage collector may)."""
    eng = looping_engine()
    with eng.start(jack_device, blocksize=64):
        assert eventually(lambda: eng.stats()["callbacks"] > 0)
        before = eng.stats()["frames"]
        assert holding_the_gil(lambda: eng.stats()["frames"] >= before + 10 * 64)
        stats = eng.stats()
    assert 0 < stats["render_us_p50"] <= stats["render_us_p999"] <= stats["render_us_max"] + 1


def test_commands_and_events_while_running(jack_device):
    eng = Engine(RATE, 2)
    click = np.ones(480, np.float32) * 0.1
    with eng.start(jack_device, blocksize=128):
        voices = [eng.play(click) for _ in range(50)]  # as soon as the device takes them
        assert all(voice.start is None for voice in voices)
        later = eng.play(click, at=eng.now + RATE // 10)
        events, deadline = [], time.monotonic() + 5
        while sum(e.kind == "voice_end" for e in events) < 51 and time.monotonic() < deadline:
            events += eng.events(timeout=0.5)
        starts = {e.voice: e.frame for e in events if e.kind == "voice_start"}
        ends = {e.voice: e.frame for e in events if e.kind == "voice_end"}
    assert len(starts) == len(ends) == 51
    assert all(ends[v] - starts[v] == 480 for v in starts)
    assert starts[later.id] == later.start


def test_start_stop_restart_many_times_without_leaks(jack_device):
    eng = looping_engine(4)
    threads, files = threading.active_count(), len(os.listdir("/proc/self/fd"))
    frames = 0
    for i in range(20):
        eng.start(jack_device, blocksize=[64, 128, 256][i % 3])
        assert eventually(lambda frames=frames: eng.now > frames)
        eng.stop()
        assert eng.stats()["now"] >= frames
        frames = eng.stats()["now"]
    assert frames > 0 and not eng.running
    block = eng.render(256)  # offline again, on from where the device left it
    assert block.any() and eng.now == frames + 256
    gc.collect()
    assert threading.active_count() == threads
    assert len(os.listdir("/proc/self/fd")) <= files


def test_stop_while_voices_play(jack_device):
    eng = looping_engine(8)
    eng.start(jack_device)
    time.sleep(0.1)
    eng.stop()
    assert eng.playing == 8
    assert eng.render(64).any()


@pytest.mark.parametrize("settings,error,match", [
    ({"device": "no such device"}, ValueError, "no output device 'no such device'"),
    ({"blocksize": 0}, ValueError, "blocksize"),
    ({"input_channels": -1}, ValueError, "input_channels"),
    ({"input_channels": 9}, ValueError, "cannot run 2 output and 9 input channels"),
])
def test_device_errors(jack_device, settings, error, match):
    eng = Engine(RATE, 2)
    with pytest.raises(error, match=match):
        eng.start(**{"device": jack_device, **settings})
    assert not eng.running and eng.render(10).shape == (10, 2)


def test_settings_the_device_cannot_run(jack_device):
    with pytest.raises(ValueError, match="cannot run 8 output .* at 48000 Hz"):
        Engine(RATE, 8).start(jack_device)
    with pytest.raises(ValueError, match="at 44100 Hz"):  # JACK runs at its server's rate
        Engine(44100, 2).start(jack_device)


def test_misuse_while_running(jack_device, tmp_path):
    eng = Engine(RATE, 2)
    with pytest.raises(RuntimeError, match="start the engine"):
        eng.record(tmp_path / "x.wav")
    with eng.start(jack_device):
        with pytest.raises(RuntimeError, match="already running"):
            eng.start(jack_device)
        with pytest.raises(RuntimeError, match="stop.. it first"):
            eng.render(64)
        with pytest.raises(ValueError, match="no input"):
            eng.record(tmp_path / "x.wav", source="input")
        recorder = eng.record(tmp_path / "x.wav")
        with pytest.raises(RuntimeError, match="already recording"):
            eng.record(tmp_path / "y.wav")
        recorder.stop()
    assert not eng.running


def test_recording_a_ten_second_duplex_run(jack_device, tmp_path):
    """The engine's output, recorded while it plays: exactly the frames the callback
    recorded, and exactly what the same engine renders offline from the recording's first
    frame."""
    def scene():
        eng = Engine(RATE, 2, meter_interval=4800)
        tone = (0.3 * np.sin(2 * np.pi * 440 * np.arange(RATE) / RATE)).astype(np.float32)
        eng.play(tone, at=0, loop=True, pan=-0.5)
        eng.play(tone[:1000], at=0, loop=True, rate=1.5, gain=0.2)
        return eng

    eng = scene()
    path = tmp_path / "out.wav"
    eng.start(jack_device, blocksize=128, input_channels=2, input_device=jack_device)
    recorder = eng.record(path, subtype="FLOAT")
    assert eventually(lambda: recorder.recorded >= 10 * RATE, patience=60)
    eng.stop()
    stats = eng.stats()
    recording, rate = sf.read(path, dtype="float32")
    assert rate == RATE and recording.shape[1] == 2
    assert len(recording) == stats["recorded"] == recorder.frames >= 10 * RATE
    assert stats["record_dropped"] == 0
    first = recorder.first_frame
    offline = scene().render(first + len(recording))[first:]
    np.testing.assert_array_equal(recording, offline)
    assert any(e.kind == "peak" for e in eng.events())


def test_recording_the_input(jack_device, tmp_path):
    eng = Engine(RATE, 2)
    with eng.start(jack_device, input_channels=1, input_device=jack_device):
        monitor = eng.play(eng.input, gain=0.5)  # and through the graph, to the output
        recorder = eng.record(tmp_path / "in.flac", source="input")
        assert eventually(lambda: recorder.recorded >= RATE // 2)
        frames = recorder.stop()
        starts = [e for e in eng.events(timeout=1) if e.kind == "voice_start"]
    recording, _ = sf.read(tmp_path / "in.flac", dtype="float32")
    assert len(recording) == frames == recorder.recorded >= RATE // 2
    assert recording.ndim == 1 and not recording.any()  # the dummy driver's input is silent
    assert [e.voice for e in starts] == [monitor.id] and eng.playing == 1


def test_python_mode_runs_the_users_code_on_the_audio_thread(jack_device):
    eng = looping_engine(4)
    seen = []

    def process(block):
        seen.append(threading.current_thread() is threading.main_thread())
        block *= 0.5

    with eng.start(jack_device, blocksize=256, process=process):
        assert eventually(lambda: len(seen) >= 10)
    stats = eng.stats()
    assert not any(seen) and stats["callbacks"] == len(seen)
    assert stats["frames"] == 256 * len(seen)


def test_a_recorder_stopped_from_two_threads_at_once(jack_device, tmp_path):
    eng = looping_engine(2)
    with eng.start(jack_device):
        recorder = eng.record(tmp_path / "x.wav")
        assert eventually(lambda: recorder.recorded > 0)
        results = []
        threads = [threading.Thread(target=lambda: results.append(recorder.stop()))
                   for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert len(set(results)) == 1 and results[0] == sf.info(tmp_path / "x.wav").frames > 0


def test_stop_while_another_thread_starts_leaves_no_stream_running(jack_device):
    eng = looping_engine(2)
    stopper = threading.Thread(target=lambda: [eng.stop() for _ in range(200)])
    stopper.start()
    for _ in range(5):
        eng.start(jack_device)
        eng.stop()
    stopper.join()
    now = eng.now
    time.sleep(0.1)
    assert not eng.running and eng.now == now  # nothing renders it any more
    eng.render(64)


def test_python_mode_errors_are_raised_by_stop(jack_device):
    eng = looping_engine(2)

    def process(block):
        raise ZeroDivisionError("in process")

    eng.start(jack_device, process=process)
    assert eventually(lambda: eng.stats()["callbacks"] > 0)  # (counted after it failed)
    with pytest.raises(ZeroDivisionError, match="in process"):
        eng.stop()
    assert not eng.running
    with pytest.raises(TypeError, match="process"):
        eng.start(jack_device, process=42)


@pytest.mark.parametrize("settings,match", [
    ({"latency": "medium"}, "latency"),
    ({"latency": -1}, "latency"),
    ({"blocksize": 10**9}, "blocksize"),
    ({"input_device": 0}, "input_channels"),
])
def test_start_settings_are_checked(jack_device, settings, match):
    with pytest.raises(ValueError, match=match):
        Engine(RATE, 2).start(jack_device, **settings)
