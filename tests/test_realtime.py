"""The engine on a real-time device: a JACK server's dummy driver, which the `jack_device`
fixture starts (these tests skip without JACK and PortAudio, except in CI). The machine
itself causes some xruns: the tests assert on the frames delivered and on the engine's own
late count, never on zero xruns."""
import gc
import os
import threading
import time

import numpy as np
import pytest
import soundfile as sf

from pkaudio.engine import Engine

RATE = 48000


def run_for(seconds, work=None):
    """Let the device run for `seconds` while the main thread does `work` (or sleeps);
    return the seconds it really took."""
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        if work is None:
            time.sleep(0.01)
        else:
            work()
    return time.monotonic() - start


def delivered(before, after, seconds):
    """The fraction of real time the device's callbacks rendered."""
    return (after["frames"] - before.get("frames", 0)) / (seconds * RATE)


def busy_python():
    total = 0
    for i in range(100_000):
        total += i * i


def collect_garbage(objects=[]):  # noqa: B006 - kept across calls on purpose
    if not objects:
        objects.extend([{"i": i}, [i]] for i in range(150_000))  # 300k objects
    gc.collect()


def looping_engine(voices=64, **settings):
    eng = Engine(RATE, 2, **settings)
    table = (np.sin(2 * np.pi * np.arange(8192) * 3 / 8192) * 0.01).astype(np.float32)
    for i in range(voices):
        eng.play(table, rate=0.5 + 1.5 * i / voices, loop=True, pan=i / voices * 2 - 1)
    return eng


@pytest.mark.parametrize("work", [None, busy_python, collect_garbage],
                         ids=["idle", "busy-python", "gc"])
def test_busy_python_does_not_stop_the_audio(jack_device, work):
    eng = looping_engine()
    with eng.start(jack_device, blocksize=64):
        run_for(0.2)  # settled
        before = eng.stats()
        seconds = run_for(1.5, work)
        after = eng.stats()
    assert delivered(before, after, seconds) > 0.9
    callbacks = after["callbacks"] - before["callbacks"]
    assert after["late"] <= 0.01 * after["callbacks"] and callbacks > 0
    assert 0 < after["render_us_p50"] <= after["render_us_p999"] <= after["render_us_max"] + 1


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
        time.sleep(0.02)
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
    run_for(10.0)
    eng.stop()
    stats = eng.stats()
    recording, rate = sf.read(path, dtype="float32")
    assert rate == RATE and recording.shape[1] == 2
    assert len(recording) == stats["recorded"] == recorder.frames > 9.5 * RATE
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
        run_for(0.5)
        frames = recorder.stop()
        starts = [e for e in eng.events(timeout=1) if e.kind == "voice_start"]
    recording, _ = sf.read(tmp_path / "in.flac", dtype="float32")
    assert len(recording) == frames == recorder.recorded > 0.4 * RATE
    assert recording.ndim == 1 and not recording.any()  # the dummy driver's input is silent
    assert [e.voice for e in starts] == [monitor.id] and eng.playing == 1


def test_python_mode_runs_the_users_code_on_the_audio_thread(jack_device):
    eng = looping_engine(4)
    seen = []

    def process(block):
        seen.append(threading.current_thread() is threading.main_thread())
        block *= 0.5

    with eng.start(jack_device, blocksize=256, process=process):
        seconds = run_for(0.5)
        stats = eng.stats()
    assert seen and not any(seen)
    assert delivered({}, stats, seconds) > 0.5 and stats["callbacks"] == len(seen)


def test_a_recorder_stopped_from_two_threads_at_once(jack_device, tmp_path):
    eng = looping_engine(2)
    with eng.start(jack_device):
        recorder = eng.record(tmp_path / "x.wav")
        run_for(0.2)
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
    run_for(0.1)
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
