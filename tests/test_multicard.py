"""Several devices in one engine, each on its own clock: the drift between the clocks is found
and followed, the latency holds, no device runs dry, what plays stays clean, lost blocks are
made up, and inputs come through at the engine's clock.

These run NullDevices on a VirtualClock: every callback comes at its exact virtual time (or
late by jitter drawn from a seeded generator), and the control loops read that clock too. So
each run is the same however busy the machine is (test_virtual_clock.py shows it), 20 s of
two devices take a fraction of a second, and the tolerances are tight. The same roles on
real PortAudio streams: test_device_roles.py; the same figures on a real-time device: the
multicard benchmark (`bench/run.py multicard`)."""
import threading

import numpy as np
import pytest

import pkaudio
from pkaudio.benchmarks.multicard import tone_snr
from pkaudio.engine import Engine

RATE = 48000
LOCKED = 5.0  # seconds by which the loop has locked


def tone(frequency, seconds=1.0, rate=RATE):
    t = np.arange(int(rate * seconds)) / rate
    return (0.5 * np.sin(2 * np.pi * frequency * t)).astype(np.float32)


def follow(eng, clock, seconds, every=0.25, kind="outputs"):
    """Advance `clock` by `seconds`, looking at the first further output's (or input's)
    stats every `every` seconds: [(seconds since the first look began, stats)]."""
    start, seen = clock.now, []
    for _ in range(round(seconds / every)):
        clock.advance(every)
        seen.append((clock.now - start, eng.stats()[kind][0]))
    return seen


def worst_snr(played, ppm=0.0, frequency=1000.0):
    """The lowest SNR (dB) of a `frequency` Hz tone in 0.1 s windows, every 0.5 s from
    LOCKED, where `played` holds it `ppm` high: a second output whose clock runs p ppm fast
    plays it -p ppm high in its frames; an engine plays an input whose clock runs p ppm fast
    p ppm high."""
    played = np.asarray(played, np.float64)
    cycles = frequency / RATE * (1 + ppm * 1e-6)
    return min(tone_snr(played[i:i + 4800], cycles)
               for i in range(int(LOCKED * RATE), len(played) - 4800, RATE // 2))


def check_locked(seen, ppm, *, median, worst, latency):
    """From LOCKED on: the drift estimate's median within `median` ppm of the truth, every
    look within `worst`; the ring's fill within `latency` frames of its target; no
    underrun, ever (the link starts once it holds its latency)."""
    after = [stats for t, stats in seen if t >= LOCKED]
    assert len(after) >= 8, "the run was too short"
    drift = np.array([stats["drift_ppm"] for stats in after]) - ppm
    assert abs(np.median(drift)) <= median, drift
    assert np.abs(drift).max() <= worst, drift
    off = [stats["latency_frames"] - stats["target_frames"] for stats in after]
    assert max(np.abs(off)) <= latency, off
    assert seen[-1][1]["underruns"] == 0, seen[-1][1]


def two_outputs(ppm, *, second=None, master=None, seconds=20.0):
    """A 1 kHz tone played by a master NullDevice and a second one `ppm` fast, on a
    VirtualClock for `seconds`: (looks at the second's stats, what it played, engine)."""
    clock = pkaudio.VirtualClock()
    other = pkaudio.NullDevice(RATE, 1, rate_error_ppm=ppm, capture=True, clock=clock,
                               **(second or {}))
    main = pkaudio.NullDevice(RATE, 1, clock=clock, **(master or {}))
    eng = Engine(RATE, 1, outputs=[main, other])
    eng.play(tone(1000), loop=True)
    with eng.start(blocksize=main.blocksize):
        seen = follow(eng, clock, seconds)
    return seen, other.captured()[:, 0], eng


@pytest.mark.parametrize("ppm", [200, -200, 1000, -1000, 4000, -4000])
def test_the_drift_is_found_and_followed(ppm):
    """Two clean clocks `ppm` apart: the estimate within a ppm, the latency to a frame, the
    tone as clean as the medium-quality resampler makes it."""
    seen, played, _ = two_outputs(ppm)
    check_locked(seen, ppm, median=1.0, worst=12.0, latency=2)
    assert worst_snr(played, -ppm) >= 95


@pytest.mark.parametrize("second,master,median,worst,latency,snr", [
    # callbacks late by up to 5 ms, each with its exact time
    ({"jitter": 0.005}, {}, 1.0, 5.0, 128, 80),
    # as a sound card's: the engine measures when they come, and filters the jitter out
    ({"jitter": 0.002, "exact_times": False}, {}, 6.0, 60.0, 8, 78),
    # both sides measured, as a JACK master of 128-frame periods beside a jittery second
    ({"jitter": 0.001, "exact_times": False},
     {"jitter": 0.0005, "exact_times": False, "blocksize": 128}, 3.0, 30.0, 8, 82),
])
def test_jittery_devices(second, master, median, worst, latency, snr):
    seen, played, eng = two_outputs(-1000, second=second, master=master)
    check_locked(seen, -1000, median=median, worst=worst, latency=latency)
    assert worst_snr(played, 1000) >= snr
    assert eng.stats()["clock_jumps"] == 0 and seen[-1][1]["clock_jumps"] == 0


def test_blocks_lost_on_either_side_leave_the_drift_estimate_alone():
    """An xrun on either device makes its time jump by the blocks it lost, and the ring's
    fill as much: a debt, made up slowly (the pitch glides, the tone stays clean), not
    drift."""
    clock = pkaudio.VirtualClock()
    master = pkaudio.NullDevice(RATE, 1, clock=clock)
    second = pkaudio.NullDevice(RATE, 1, rate_error_ppm=500, capture=True, clock=clock)
    eng = Engine(RATE, 1, outputs=[master, second])
    eng.play(tone(1000), loop=True)

    def off():  # how far the ring's fill is from its target
        stats = eng.stats()["outputs"][0]
        return stats["latency_frames"] - stats["target_frames"]

    with eng.start():
        seen = follow(eng, clock, 7.0)
        master.lose(1)  # the ring gets 256 frames fewer than the master's clock says
        clock.advance(0.5)
        lost, debt = off(), eng.stats()["outputs"][0]["debt_frames"]
        seen += [(t + 7.5, stats) for t, stats in follow(eng, clock, 4.5)]
        made_up = off() - lost
        second.lose(2)  # the second device takes 512 frames fewer: the ring holds more
        clock.advance(0.5)
        gained = off() - lost - made_up
        seen += [(t + 12.5, stats) for t, stats in follow(eng, clock, 4.5)]
    assert abs(lost + 256) <= 4 and abs(gained - 512) <= 4, (lost, gained)
    assert abs(debt - 256) <= 4, debt  # what is still to make up, counted
    assert 8 <= made_up <= 20, made_up  # (a pace rising at 30 ppm/s makes up 12 frames in 4 s)
    drift = np.array([stats["drift_ppm"] for t, stats in seen if t >= LOCKED]) - 500
    assert abs(np.median(drift)) <= 1 and np.abs(drift).max() <= 5, drift
    assert seen[-1][1]["underruns"] == 0
    assert worst_snr(second.captured()[:, 0], -500) >= 80  # (the glide: see PACE_SLOPE)


@pytest.mark.parametrize("engine_rate,device_rate", [(8000, 192000), (192000, 8000)])
@pytest.mark.parametrize("direction", ["output", "input"])
def test_a_second_device_at_a_far_other_rate(engine_rate, device_rate, direction):
    """24 times the rate either way, out and in: the latency counts each side's blocks in
    time, the resampler's output for a pull is bounded whatever the ratio, and the tone
    comes through at its level and frequency."""
    clock = pkaudio.VirtualClock()
    master = pkaudio.NullDevice(engine_rate, 1, capture=True, clock=clock)
    if direction == "output":
        other = pkaudio.NullDevice(device_rate, 1, capture=True, blocksize=1024, clock=clock)
        eng = Engine(engine_rate, 1, outputs=[master, other])
        eng.play(tone(300, rate=engine_rate), loop=True)
    else:
        other = pkaudio.NullDevice(device_rate, 1, source=tone(300, rate=device_rate),
                                   blocksize=1024, clock=clock)
        eng = Engine(engine_rate, 1, outputs=[master], inputs=[other])
        eng.play(eng.inputs[0])
    with eng.start():
        clock.advance(3.0)
    played, rate = ((other.captured()[:, 0], device_rate) if direction == "output" else
                    (master.captured()[:, 0], engine_rate))
    assert eng.stats()[direction + "s"][0]["underruns"] == 0
    assert len(played) >= 3 * rate
    last = played[-rate // 2:].astype(np.float64)
    np.testing.assert_allclose(np.sqrt(np.mean(last ** 2)), 0.5 / np.sqrt(2), rtol=1e-3)
    assert tone_snr(last, 300 / rate) >= 60  # (8 kHz at either end: its filter's edge)


def test_routing_a_bus_to_the_second_device():
    clock = pkaudio.VirtualClock()
    first = pkaudio.NullDevice(RATE, 2, capture=True, clock=clock)
    second = pkaudio.NullDevice(RATE, 1, capture=True, clock=clock)
    eng = Engine(RATE, 2, outputs=[first, pkaudio.Output(second, bus="side",
                                                         channels=(1,))])
    side = eng.bus("side", pan=1.0)  # all to the right
    eng.play(tone(1000), loop=True, bus=side)
    eng.play(tone(3000), loop=True)
    with eng.start():
        clock.advance(LOCKED + 1)
    main, played = first.captured(), second.captured()[:, 0]
    assert worst_snr(played) >= 100
    rms = np.sqrt((main[RATE:].astype(np.float64) ** 2).mean(axis=0))
    np.testing.assert_allclose(rms, [0.5 / np.sqrt(2), np.sqrt(0.125 + 0.125)], rtol=1e-3)
    # (left: the 3 kHz voice alone; right: both, the bus balanced hard right keeping its own)
    outputs = eng.stats()["outputs"]
    assert [o["device"] for o in outputs] == ["NullDevice"] and outputs[0]["frames"] > RATE


def test_an_input_on_its_own_clock_plays_through_the_graph():
    """A NullDevice recording a 1 kHz tone 300 ppm slow, jittery, played by a voice at the
    engine's clock: the drift found, no underrun, the tone clean."""
    clock = pkaudio.VirtualClock()
    mic = pkaudio.NullDevice(RATE, 1, rate_error_ppm=-300, source=tone(1000), jitter=0.003,
                             clock=clock)
    main = pkaudio.NullDevice(RATE, 2, capture=True, clock=clock)
    eng = Engine(RATE, 2, outputs=[main], inputs=[mic])
    voice = eng.play(eng.inputs[0], pan=-1.0)
    with eng.start():
        seen = follow(eng, clock, LOCKED + 5, kind="inputs")
    check_locked(seen, -300, median=1.0, worst=3.0, latency=16)
    assert worst_snr(main.captured()[:, 0], -300) >= 80
    assert not main.captured()[:, 1].any()  # panned hard left
    assert eng.playing == 1 and voice.id


def test_an_input_keeps_its_drift_estimate_from_one_start_to_the_next():
    clock = pkaudio.VirtualClock()
    mic = pkaudio.NullDevice(RATE, 1, rate_error_ppm=-300, source=tone(1000), clock=clock)
    eng = Engine(RATE, 1, outputs=[pkaudio.NullDevice(RATE, 1, clock=clock)], inputs=[mic])
    eng.play(eng.inputs[0])
    with eng.start():
        clock.advance(LOCKED + 1)
    with eng.start():  # the link starts over (its latency, its calibration), not the estimate
        seen = [stats["drift_ppm"] for _, stats in follow(eng, clock, 3.0, kind="inputs")]
    assert np.abs(np.array(seen) + 300).max() <= 2, seen


def test_starting_and_stopping_again_leaves_nothing_behind():
    threads = threading.active_count()
    second = pkaudio.NullDevice(RATE, 2, rate_error_ppm=-300)  # on the system's clock
    eng = Engine(RATE, 2, outputs=[pkaudio.NullDevice(RATE, 2), second])
    eng.play(tone(500), loop=True)
    for _ in range(5):
        eng.start()
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
    with pytest.raises((TypeError, ValueError), match="NullDevice.lose blocks: expected"):
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
