"""The VirtualClock: NullDevices on it have no thread; `advance` calls each block at its time
on the clock, in order, and the callbacks and links read that clock. Runs are the same on
every run, and seconds of them take milliseconds."""
import threading
import time

import numpy as np
import pytest
import soundfile as sf

import pkaudio
from pkaudio.engine import Engine

RATE = 48000


def tone(frequency, seconds=1.0):
    t = np.arange(int(RATE * seconds)) / RATE
    return (0.5 * np.sin(2 * np.pi * frequency * t)).astype(np.float32)


def test_it_calls_each_block_at_its_time():
    """Blocks of each device at its own rate, lost ones skipped, its time going on; nothing
    moves while the clock stands still."""
    clock = pkaudio.VirtualClock()
    fast = pkaudio.NullDevice(RATE, 1, rate_error_ppm=1000, clock=clock, capture=True)
    main = pkaudio.NullDevice(RATE, 1, clock=clock, blocksize=100)
    eng = Engine(RATE, 1, outputs=[main, fast])
    with eng.start(blocksize=100):
        assert eng.now == 0 and clock.now == 0.0
        clock.advance(1.0005)  # blocks due at 0, 1/480 s, ... 1 s: 481 of them
        assert eng.now == 481 * 100 and clock.now == 1.0005
        main.lose(3)
        clock.advance(1.0)
        assert eng.now == (961 - 3) * 100
        clock.advance(0)
        assert eng.now == (961 - 3) * 100
    assert len(fast.captured()) == (int(2.0005 / fast.period) + 1) * 256
    stats = eng.stats()
    assert stats["callbacks"] == 961 - 3 and stats["clock_jumps"] == 0
    assert repr(clock) == "<VirtualClock at 2.000500 s, 0 devices running>"
    now = eng.now
    clock.advance(1.0)  # stopped: nothing runs
    assert eng.now == now and eng.render(64).shape == (64, 1)


def test_a_run_is_the_same_every_time():
    """Jittery devices, measured and exact times, lost blocks, drifting clocks, an input: two
    runs with the same seed give the same samples and statistics; another seed, other
    jitter."""
    def run(seed):
        clock = pkaudio.VirtualClock(seed)
        mic = pkaudio.NullDevice(RATE, 1, rate_error_ppm=-700, jitter=0.002, clock=clock,
                                 source=tone(440), exact_times=False, blocksize=160)
        side = pkaudio.NullDevice(RATE, 1, rate_error_ppm=300, jitter=0.003, capture=True,
                                  clock=clock)
        main = pkaudio.NullDevice(RATE, 1, jitter=0.001, capture=True, clock=clock,
                                  exact_times=False, blocksize=128)
        eng = Engine(RATE, 1, outputs=[main, side], inputs=[mic])
        eng.play(tone(1000), loop=True)
        eng.play(eng.inputs[0])
        with eng.start(blocksize=128):
            clock.advance(2.0)
            main.lose(2)
            side.lose(1)
            clock.advance(1.5)
        stats = eng.stats()
        links = [{key: value for key, value in link.items() if not key.endswith("_us_mean")}
                 for link in stats["outputs"] + stats["inputs"]]  # (all but CPU times)
        return main.captured(), side.captured(), links

    first, again, other = run(7), run(7), run(8)
    np.testing.assert_array_equal(first[0], again[0])
    np.testing.assert_array_equal(first[1], again[1])
    assert first[2] == again[2]
    assert first[0].any() and first[1].any() and first[2][1]["frames"] > 0
    assert not np.array_equal(first[1], other[1])


def test_recording_on_virtual_time(tmp_path):
    """A recorder on a NullDevice master: every block the clock called, in the file, the
    same as the engine renders offline."""
    def scene(clock):
        eng = Engine(RATE, 2, outputs=[pkaudio.NullDevice(RATE, 2, clock=clock)])
        eng.play(tone(440), at=0, loop=True, gain=0.6)
        return eng

    clock = pkaudio.VirtualClock()
    eng = scene(clock)
    with eng.start():
        recorder = eng.record(tmp_path / "out.wav", subtype="FLOAT")
        clock.advance(2.0)
        frames = recorder.stop()
    recording, _ = sf.read(tmp_path / "out.wav", dtype="float32")
    assert frames == len(recording) == eng.now == (int(2.0 * RATE / 256) + 1) * 256
    first = recorder.first_frame
    np.testing.assert_array_equal(recording, scene(None).render(first + frames)[first:])


def advancing(clock):
    """Wait until another thread is advancing `clock`."""
    while clock.now == 0.0:
        time.sleep(0.001)


def test_stopping_from_another_thread_while_it_advances():
    clock = pkaudio.VirtualClock()
    eng = Engine(RATE, 1, outputs=[pkaudio.NullDevice(RATE, 1, clock=clock)])
    eng.play(tone(1000), loop=True)
    eng.start()
    stopper = threading.Thread(target=lambda: (advancing(clock), eng.stop()))
    stopper.start()
    clock.advance(1e5)  # a day, cut short: the stop comes between two callbacks
    stopper.join()
    assert not eng.running and clock.now == 1e5
    assert 0 < eng.now < 1e5 * RATE


def test_advancing_from_two_threads_at_once_is_refused():
    clock = pkaudio.VirtualClock()
    eng = Engine(RATE, 1, outputs=[pkaudio.NullDevice(RATE, 1, clock=clock)])
    errors = []

    def meanwhile():
        advancing(clock)
        try:
            clock.advance(1.0)
        except RuntimeError as error:
            errors.append(str(error))
        eng.stop()

    eng.start()
    other = threading.Thread(target=meanwhile)
    other.start()
    clock.advance(1e5)  # (until the other thread stops the engine)
    other.join()
    assert errors == ["VirtualClock.advance: another thread is advancing it"]


def test_starting_and_stopping_again_leaves_nothing_behind():
    threads = threading.active_count()
    clock = pkaudio.VirtualClock()
    eng = Engine(RATE, 2, outputs=[pkaudio.NullDevice(RATE, 2, clock=clock),
                                   pkaudio.NullDevice(RATE, 2, clock=clock)])
    eng.play(tone(500), loop=True)
    for _ in range(5):
        with eng.start():
            # no device thread: only the engine's housekeeping while it runs
            assert [t.name for t in threading.enumerate()].count("pkaudio housekeeping") == 1
            assert threading.active_count() == threads + 1
            clock.advance(0.1)
        assert threading.active_count() == threads
    assert "0 devices running" in repr(clock)
    assert eng.render(64).any()  # offline again, the taps gone from the master


def test_devices_on_different_clocks_are_refused():
    clock = pkaudio.VirtualClock()
    for outputs, inputs in [
            ([pkaudio.NullDevice(RATE, 1, clock=clock), pkaudio.NullDevice(RATE, 1)], []),
            ([pkaudio.NullDevice(RATE, 1)], [pkaudio.NullDevice(RATE, 1, clock=clock,
                                                                source=tone(100))]),
            ([pkaudio.NullDevice(RATE, 1, clock=clock),
              pkaudio.NullDevice(RATE, 1, clock=pkaudio.VirtualClock())], [])]:
        eng = Engine(RATE, 1, outputs=outputs, inputs=inputs)
        with pytest.raises(ValueError, match="Engine.start: the devices of an engine run on "
                                             "one clock"):
            eng.start()
        assert not eng.running and "0 devices running" in repr(clock)


@pytest.mark.parametrize("seconds,error", [
    (-1, ValueError), (float("nan"), ValueError), (float("inf"), ValueError),
    ("1", TypeError), (True, TypeError), (None, TypeError)])
def test_advance_errors(seconds, error):
    with pytest.raises(error, match="VirtualClock.advance seconds: expected .*, got"):
        pkaudio.VirtualClock().advance(seconds)


@pytest.mark.parametrize("seed,error", [
    (-1, ValueError), (1.5, ValueError), (float("nan"), ValueError), ("1", TypeError),
    (True, TypeError)])
def test_seed_errors(seed, error):
    with pytest.raises(error, match=r"VirtualClock seed: expected a whole number \(>= 0\)"):
        pkaudio.VirtualClock(seed)


@pytest.mark.parametrize("settings,error,match", [
    ({"clock": "fast"}, TypeError, "NullDevice clock: expected None .* got 'fast'"),
    ({"exact_times": 1}, TypeError, "NullDevice exact_times: expected True or False, got int 1"),
])
def test_null_device_clock_errors(settings, error, match):
    with pytest.raises(error, match=match):
        pkaudio.NullDevice(RATE, 2, **settings)
