"""Several output devices in one engine, each on its own clock: the drift between the clocks
is found and followed, the second device never runs dry, its latency holds, and what it
plays stays clean. Two independent clocks: the JACK dummy device (the system's clock) and a
NullDevice whose clock runs fast or slow, or two NullDevices."""
import threading
import time

import numpy as np
import pytest

import pkaudio
from pkaudio.benchmarks.multicard import tone_snr
from pkaudio.engine import Engine

RATE = 48000
LOCKED = 5.0  # seconds by which the drift estimate must have converged


def tone(frequency, seconds=1.0):
    t = np.arange(int(RATE * seconds)) / RATE
    return (0.5 * np.sin(2 * np.pi * frequency * t)).astype(np.float32)


def follow(eng, seconds, every=0.25, kind="outputs"):
    """The first further output's (or input's) stats every `every` seconds for `seconds`:
    (time, stats)."""
    start, seen = time.monotonic(), []
    while time.monotonic() - start < seconds:
        time.sleep(every)
        seen.append((time.monotonic() - start, eng.stats()[kind][0]))
    return seen


def check_locked(seen, ppm, block, played, xruns=False):
    """Converged to ppm +- 30 by LOCKED (its median after; no sample off by more than 60:
    the JACK dummy server's timer clock itself wanders by some 20 ppm, and the estimate
    follows), no underrun after, latency within a block of the target, and the tone clean.
    With `xruns` (a JACK device may have some), the latency is that close once what they
    took from it, still to make up, is counted."""
    after = [stats for t, stats in seen if t >= LOCKED]
    assert after, "the run was too short"
    assert abs(np.median([stats["drift_ppm"] for stats in after]) - ppm) <= 30, after
    for stats in after:
        assert abs(stats["drift_ppm"] - ppm) <= 60, stats
        debt = stats["debt_frames"] if xruns else 0
        assert abs(stats["latency_frames"] + debt - stats["target_frames"]) <= block, stats
        assert stats["underruns"] == after[0]["underruns"], stats
    windows = [tone_snr(played[i:i + 4800].astype(np.float64), 1000 / RATE)
               for i in range(int(LOCKED * RATE), len(played) - 4800, 24000)]
    assert min(windows) >= 80, windows


@pytest.mark.parametrize("ppm", [200])
def test_a_null_device_beside_the_jack_device(jack_device, ppm):
    second = pkaudio.NullDevice(RATE, 2, rate_error_ppm=ppm, capture=True)
    eng = Engine(RATE, 2, outputs=[jack_device, second])
    eng.play(tone(1000), loop=True)
    with eng.start(blocksize=128):
        seen = follow(eng, 20.0)
    check_locked(seen, ppm, second.blocksize, second.captured()[:, 0], xruns=True)
    assert eng.stats()["xruns"] <= 0.01 * eng.stats()["callbacks"]


@pytest.mark.parametrize("ppm,jitter", [(1000, 0.0), (-1000, 0.005)])
def test_two_null_devices_far_apart_and_jittery(ppm, jitter):
    second = pkaudio.NullDevice(RATE, 1, rate_error_ppm=ppm, capture=True, jitter=jitter)
    eng = Engine(RATE, 1, outputs=[pkaudio.NullDevice(RATE, 1), second])
    eng.play(tone(1000), loop=True)
    with eng.start():
        seen = follow(eng, 20.0)
    check_locked(seen, ppm, second.blocksize, second.captured()[:, 0])


def test_blocks_lost_on_either_side_leave_the_drift_estimate_alone():
    """An xrun on either device makes its time jump by the blocks it lost, and the ring's
    fill as much: a debt, made up slowly (the pitch glides, the tone stays clean), not
    drift."""
    master = pkaudio.NullDevice(RATE, 1)
    second = pkaudio.NullDevice(RATE, 1, rate_error_ppm=500, capture=True)
    eng = Engine(RATE, 1, outputs=[master, second])
    eng.play(tone(1000), loop=True)

    def off():  # how far the ring's fill is from its target
        stats = eng.stats()["outputs"][0]
        return stats["latency_frames"] - stats["target_frames"]

    with eng.start():
        seen = follow(eng, 7.0)
        master.lose(1)  # the ring gets 256 frames fewer than the master's clock says
        time.sleep(0.5)
        lost, debt = off(), eng.stats()["outputs"][0]["debt_frames"]
        seen += follow(eng, 4.5)
        made_up = off() - lost
        second.lose(2)  # the second device takes 512 frames fewer: the ring holds more
        time.sleep(0.5)
        gained = off() - lost - made_up
        seen += follow(eng, 4.5)
    assert abs(lost + 256) <= 16 and abs(gained - 512) <= 16, (lost, gained)
    assert abs(debt - 256) <= 16, debt  # what is still to make up, counted
    assert made_up > 5, made_up  # (a pace rising at 30 ppm/s makes up 12 frames in 4 s)
    after = [stats for t, stats in seen if t >= LOCKED]
    drift = [stats["drift_ppm"] for stats in after]
    assert abs(np.median(drift) - 500) <= 30 and np.abs(np.array(drift) - 500).max() <= 60, drift
    assert after[-1]["underruns"] == after[0]["underruns"], after[-1]
    played = second.captured()[:, 0].astype(np.float64)
    windows = [tone_snr(played[i:i + 4800], 1000 / RATE)
               for i in range(int(LOCKED * RATE), len(played) - 4800, 24000)]
    assert min(windows) >= 80, windows


@pytest.mark.parametrize("engine_rate,device_rate", [(8000, 192000), (192000, 8000)])
@pytest.mark.parametrize("direction", ["output", "input"])
def test_a_second_device_at_a_far_other_rate(engine_rate, device_rate, direction):
    """24 times the rate either way, out and in: the latency counts each side's blocks in
    time, the resampler's output for a pull is bounded whatever the ratio, and the tone
    comes through at its level."""
    def sine(rate):
        return (0.5 * np.sin(2 * np.pi * 300 * np.arange(rate) / rate)).astype(np.float32)

    master = pkaudio.NullDevice(engine_rate, 1, capture=True)
    if direction == "output":
        other = pkaudio.NullDevice(device_rate, 1, capture=True, blocksize=1024)
        eng = Engine(engine_rate, 1, outputs=[master, other])
        eng.play(sine(engine_rate), loop=True)
    else:
        other = pkaudio.NullDevice(device_rate, 1, source=sine(device_rate), blocksize=1024)
        eng = Engine(engine_rate, 1, outputs=[master], inputs=[other])
        eng.play(eng.inputs[0])
    with eng.start():
        time.sleep(3.0)
    played, rate = ((other.captured()[:, 0], device_rate) if direction == "output" else
                    (master.captured()[:, 0], engine_rate))
    assert eng.stats()[direction + "s"][0]["underruns"] == 0
    assert len(played) > rate
    np.testing.assert_allclose(np.sqrt(np.mean(played[-rate // 2:] ** 2)), 0.5 / np.sqrt(2),
                               rtol=0.01)


def test_routing_a_bus_to_the_second_device():
    first = pkaudio.NullDevice(RATE, 2, capture=True)
    second = pkaudio.NullDevice(RATE, 1, capture=True)
    eng = Engine(RATE, 2, outputs=[first, pkaudio.Output(second, bus="side",
                                                         channels=(1,))])
    side = eng.bus("side", pan=1.0)  # all to the right
    eng.play(tone(1000), loop=True, bus=side)
    eng.play(tone(3000), loop=True)
    with eng.start():
        time.sleep(LOCKED + 1)
    main, played = first.captured(), second.captured()[:, 0]
    locked = int(LOCKED * RATE)
    assert tone_snr(played[locked:locked + 4800].astype(np.float64), 1000 / RATE) >= 80
    rms = np.sqrt((main[RATE:].astype(np.float64) ** 2).mean(axis=0))
    np.testing.assert_allclose(rms, [0.5 / np.sqrt(2), np.sqrt(0.25 + 0.125)], rtol=1e-3)
    # (left: the 3 kHz voice alone; right: both, the 1 kHz one at sqrt(2) * 0.5)
    outputs = eng.stats()["outputs"]
    assert [o["device"] for o in outputs] == ["NullDevice"] and outputs[0]["frames"] > RATE


def test_starting_and_stopping_again_leaves_nothing_behind():
    threads = threading.active_count()
    second = pkaudio.NullDevice(RATE, 2, rate_error_ppm=-300)
    eng = Engine(RATE, 2, outputs=[pkaudio.NullDevice(RATE, 2), second])
    eng.play(tone(500), loop=True)
    for _ in range(5):
        eng.start()
        time.sleep(0.1)
        eng.stop()
    assert threading.active_count() == threads
    assert eng.render(64).any()  # offline again, the taps gone from the master


@pytest.mark.parametrize("settings,match", [
    ({"samplerate": 0}, "samplerate"),
    ({"channels": 0}, "channels"),
    ({"rate_error_ppm": 1e6}, "rate_error_ppm"),
    ({"blocksize": 0}, "blocksize"),
    ({"jitter": -1}, "jitter"),
])
def test_null_device_errors(settings, match):
    with pytest.raises(ValueError, match=match):
        pkaudio.NullDevice(**{"samplerate": RATE, "channels": 2, **settings})


@pytest.mark.parametrize("blocks", [0, -1, 1.5, True])
def test_losing_no_blocks_is_an_error(blocks):
    with pytest.raises(ValueError, match="NullDevice.lose"):
        pkaudio.NullDevice(RATE, 2).lose(blocks)


def test_output_errors():
    null = pkaudio.NullDevice(RATE, 2)
    eng = Engine(RATE, 2, outputs=[null, pkaudio.Output(pkaudio.NullDevice(RATE, 2),
                                                        channels=(0, 5))])
    with pytest.raises(ValueError, match="channels"):
        eng.start()
    eng = Engine(RATE, 2, outputs=[null, pkaudio.Output(pkaudio.NullDevice(RATE, 2),
                                                        bus="nope")])
    with pytest.raises(ValueError, match="nope"):
        eng.start()
    with pytest.raises(ValueError, match="give no device"):
        Engine(RATE, 2, outputs=[null]).start(null)
    with pytest.raises(ValueError, match="44100"):
        Engine(44100, 2, outputs=[null]).start()
    assert not eng.running


def test_an_input_on_its_own_clock_plays_through_the_graph():
    """A NullDevice recording a 1 kHz tone 300 ppm slow, jittery, played by a voice at the
    engine's clock: the drift found, no underrun, the tone clean."""
    mic = pkaudio.NullDevice(RATE, 1, rate_error_ppm=-300, source=tone(1000), jitter=0.003)
    main = pkaudio.NullDevice(RATE, 2, capture=True)
    eng = Engine(RATE, 2, outputs=[main], inputs=[mic])
    voice = eng.play(eng.inputs[0], pan=-1.0)
    start, seen = time.monotonic(), []
    with eng.start():
        while time.monotonic() - start < LOCKED + 3:
            time.sleep(0.25)
            seen.append((time.monotonic() - start, eng.stats()["inputs"][0]))
    check_locked(seen, -300, mic.blocksize, main.captured()[:, 0] / np.sqrt(2))
    assert not main.captured()[:, 1].any()  # panned hard left
    assert eng.playing == 1 and voice.id


def test_an_input_keeps_its_drift_estimate_from_one_start_to_the_next():
    mic = pkaudio.NullDevice(RATE, 1, rate_error_ppm=-300, source=tone(1000))
    eng = Engine(RATE, 1, outputs=[pkaudio.NullDevice(RATE, 1)], inputs=[mic])
    eng.play(eng.inputs[0])
    with eng.start():
        time.sleep(LOCKED + 1)
    with eng.start():  # the link starts over (its latency, its calibration), not the estimate
        seen = [stats["drift_ppm"] for _, stats in follow(eng, 3.0, kind="inputs")]
    assert np.abs(np.array(seen) + 300).max() <= 60, seen


def test_inputs_before_a_start_and_after_a_stop_are_silent():
    clock = pkaudio.VirtualClock()
    mic = pkaudio.NullDevice(RATE, 2, source=np.ones((100, 2), np.float32), clock=clock)
    eng = Engine(RATE, 2, outputs=[pkaudio.NullDevice(RATE, 2, clock=clock)], inputs=[mic])
    eng.play(eng.inputs[0])
    assert not eng.render(512).any()  # no clock runs the engine: nothing is pulled
    with eng.start():
        clock.advance(1.0)
    pulled = eng.stats()["inputs"][0]["frames"]
    assert pulled > 0
    assert not eng.render(4096).any()  # (what was left in the link stays there)
    assert eng.stats()["inputs"][0]["frames"] == pulled
    with pytest.raises(ValueError, match="source="):
        Engine(RATE, 2, inputs=[pkaudio.NullDevice(RATE, 2)])
    with pytest.raises(ValueError, match="another engine"):
        Engine(RATE, 2).play(eng.inputs[0])


@pytest.mark.parametrize("ppm", [4000, -4000])
@pytest.mark.parametrize("direction", ["output", "input"])
def test_a_drift_far_from_nominal_reads_true(direction, ppm):
    """The estimate is how much faster the device runs than the engine: the step's
    correction c makes it 1 / (1 + c) - 1, where -c is off by its square (16 ppm at 4000)."""
    clock = pkaudio.VirtualClock()
    master = pkaudio.NullDevice(RATE, 1, clock=clock)
    if direction == "output":
        other = pkaudio.NullDevice(RATE, 1, rate_error_ppm=ppm, clock=clock)
        eng = Engine(RATE, 1, outputs=[master, other])
    else:
        other = pkaudio.NullDevice(RATE, 1, rate_error_ppm=ppm, source=tone(1000),
                                   clock=clock)
        eng = Engine(RATE, 1, outputs=[master], inputs=[other])
        eng.play(eng.inputs[0])
    with eng.start():
        clock.advance(20.0)
    assert abs(eng.stats()[direction + "s"][0]["drift_ppm"] - ppm) <= 1
