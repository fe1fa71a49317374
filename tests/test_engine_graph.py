"""Timed changes (set, stop with release), buses, meters and stream voices of the engine,
checked against numpy references on whole rendered streams."""
import threading
import time

import numpy as np
import pytest
from conftest import ArraySource

import pkaudio
from pkaudio import dsp
from pkaudio.engine import Engine

BLOCKS = [1, 64, 75, 256, 1000]


def render_in_blocks(eng, total, block):
    return np.concatenate([eng.render(min(block, total - i)) for i in range(0, total, block)])


def ramp_reference(total, changes, start=1.0):
    """Gain per frame: from `start`, each (frame, target, ramp) a straight line from where it
    was to `target` over `ramp` frames."""
    gain = np.empty(total)
    value, t0, t1, v0, v1 = start, 0, 0, start, start
    pending = sorted(changes)
    for t in range(total):
        while pending and pending[0][0] == t:
            _, target, ramp = pending.pop(0)
            value = v0 + (v1 - v0) * min(1.0, (t - t0) / t1) if t1 else v1
            t0, t1, v0, v1 = t, ramp, value, target
        gain[t] = v1 if t >= t0 + t1 else v0 + (v1 - v0) * (t - t0) / t1
    return gain


@pytest.mark.parametrize("block", BLOCKS)
def test_gain_changes_land_on_their_frames_as_ramps(block):
    eng = Engine(48000, 1)
    voice = eng.play(np.ones(5000, np.float32))
    voice.set(gain=0.5, ramp=100, at=1000)
    voice.set(gain=2.0, ramp=0, at=2000)
    voice.set(gain=0.0, ramp=1000, at=3000)
    voice.set(gain=1.0, ramp=10, at=3500)  # turns round halfway down
    out = render_in_blocks(eng, 5000, block)[:, 0]
    expected = ramp_reference(5000, [(1000, 0.5, 100), (2000, 2.0, 0), (3000, 0.0, 1000),
                                     (3500, 1.0, 10)])
    np.testing.assert_allclose(out, expected, atol=2e-6)
    assert out[1999] == 0.5 and out[2000] == 2.0  # a ramp of 0 is a step on the frame


def test_default_ramp_is_short_and_smooth():
    eng = Engine(48000, 1)
    voice = eng.play(np.ones(2000, np.float32))
    eng.render(500)
    voice.set(gain=0.0)
    out = eng.render(1000)[:, 0]
    steps = np.abs(np.diff(out))
    assert out[0] == 1.0 and out[240] == 0.0 and steps.max() < 1 / 200  # 5 ms at 48 kHz


@pytest.mark.parametrize("block", BLOCKS)
def test_pan_changes_move_between_the_pan_laws(block):
    eng = Engine(48000, 2)
    voice = eng.play(np.ones(3000, np.float32), pan=-1.0)
    voice.set(pan=1.0, ramp=0, at=1000)
    voice.set(pan=0.0, gain=0.5, ramp=500, at=2000)
    out = render_in_blocks(eng, 3000, block)
    np.testing.assert_allclose(out[:1000], [[1, 0]] * 1000, atol=1e-6)
    np.testing.assert_allclose(out[1000:2000], [[0, 1]] * 1000, atol=1e-6)
    t = np.arange(500) / 500
    centre = 0.5 / np.sqrt(2)  # -3 dB each side
    # gain and pan are Params: each moves in a straight line, the law places them per frame
    gain, pan = 1 + (0.5 - 1) * t, 1 + (0.0 - 1) * t
    np.testing.assert_allclose(out[2000:2500, 1], gain * np.sin((pan + 1) * np.pi / 4),
                               atol=2e-6)
    np.testing.assert_allclose(out[2500:], centre, atol=1e-6)
    assert voice.gain.value == 0.5 and voice.pan.value == 0.0


def position_reference(total, start, changes, rate=1.0):
    """Where a voice reads at each frame: steps of `rate`, then each (frame, rate, ramp) moving
    the step in a straight line, in 32.32 fixed point as the engine counts."""
    one = 1 << 32
    step = round(rate * one)
    positions, position = np.zeros(total), 0
    pending = dict((f, (round(r * one), ramp)) for f, r, ramp in changes)
    step_from, change_at, change_frames = step, 0, 0
    for t in range(total):
        if t in pending:
            now = step if t >= change_at + change_frames else step_from + round(
                (step - step_from) * (t - change_at) / change_frames)
            step_from, (step, change_frames), change_at = now, pending[t], t
        if t < start:
            continue
        positions[t] = position / one
        current = step if t >= change_at + change_frames else step_from + round(
            (step - step_from) * (t - change_at) / change_frames)
        position += current
    return positions


@pytest.mark.parametrize("block", BLOCKS)
def test_rate_changes_glide_and_land_on_their_frames(block):
    """A sound whose sample i is i reads back its own position (Catmull-Rom is exact on a
    straight line): the position is the sum of the rates so far."""
    ramp = np.arange(20000, dtype=np.float32)
    eng = Engine(48000, 1)
    voice = eng.play(ramp, at=100)  # rate 1: read by frame at first
    voice.set(rate=2.0, ramp=0, at=1100)
    voice.set(rate=0.5, ramp=1000, at=3000)
    voice.set(rate=1.5, ramp=300, at=3500)  # a new glide from halfway through the last
    out = render_in_blocks(eng, 6000, block)[:, 0]
    expected = position_reference(6000, 100, [(1100, 2.0, 0), (3000, 0.5, 1000),
                                              (3500, 1.5, 300)])
    np.testing.assert_allclose(out[101:], expected[101:], atol=2e-3)  # float32 of ~1e4
    assert not out[:100].any()
    assert voice.rate.value == 1.5


def test_rate_change_before_the_voice_starts():
    ramp = np.arange(1000, dtype=np.float32)
    eng = Engine(48000, 1)
    voice = eng.play(ramp, at=500)
    voice.set(rate=2.0, ramp=0, at=200)
    out = eng.render(1100)[:, 0]
    np.testing.assert_allclose(out[501:900], 2.0 * np.arange(1, 400), atol=1e-3)
    assert [e.frame for e in eng.events() if e.kind == "voice_end"] == [1000]


@pytest.mark.parametrize("block", BLOCKS)
def test_stop_with_release_fades_out_and_ends_on_its_frame(block):
    eng = Engine(48000, 1)
    voice = eng.play(np.ones(10000, np.float32), at=10)
    voice.stop(at=1000, release=480)
    out = render_in_blocks(eng, 3000, block)[:, 0]
    np.testing.assert_allclose(out[1000:1480], 1 - np.arange(480) / 480, atol=2e-6)
    assert out[999] == 1.0 and not out[1480:].any()
    events = [(e.kind, e.frame) for e in eng.events()]
    assert events == [("voice_start", 10), ("voice_end", 1480)]


def test_stop_after_release_was_asked_keeps_the_earlier_end():
    eng = Engine(48000, 1)
    voice = eng.play(np.ones(10000, np.float32))
    voice.stop(at=1000, release=1000)
    voice.stop(at=1500)  # cuts the release short
    out = eng.render(3000)[:, 0]
    assert out[1499] > 0 and not out[1500:].any()
    assert [e.frame for e in eng.events() if e.kind == "voice_end"] == [1500]


def test_changes_to_an_ended_voice_are_ignored():
    eng = Engine(48000, 1)
    voice = eng.play(np.ones(10, np.float32))
    later = eng.play(np.ones(100, np.float32))
    voice.set(gain=0.5, at=50)  # lands after the voice has ended: dropped with it
    eng.render(200)
    voice.set(gain=0.25)
    voice.stop(release=10)
    later.set(rate=2.0)
    assert eng.playing == 0 and not eng.render(100).any()


def test_buses_mix_with_their_own_gain_and_pan(rng):
    x, y, z = (rng.uniform(-0.5, 0.5, 4000).astype(np.float32) for _ in range(3))
    eng = Engine(48000, 2)
    drums = eng.bus("drums", gain=0.5)
    eng.bus("keys", pan=-1.0)
    eng.play(x, bus=drums)
    eng.play(y, bus="keys", gain=0.5)
    eng.play(z)  # the master
    out = eng.render(4000)
    left = x * 0.5 + y * 0.5 + z  # (a bus is balanced: hard left keeps its left as it is)
    right = x * 0.5 + z
    np.testing.assert_allclose(out, np.stack([left, right], 1), atol=1e-6)
    assert eng.buses.keys() == {"master", "drums", "keys"}


@pytest.mark.parametrize("block", BLOCKS)
def test_bus_changes_and_mute_land_on_their_frames(block):
    eng = Engine(48000, 1)
    group = eng.bus("group", gain=0.5)
    sub = eng.bus("sub", output=group)
    eng.play(np.ones(5000, np.float32), bus=sub)
    sub.set(gain=2.0, ramp=0, at=1000)
    group.set(mute=True, ramp=100, at=2000)
    group.set(mute=False, ramp=0, at=3000)
    eng.master.set(gain=0.25, ramp=0, at=4000)
    out = render_in_blocks(eng, 5000, block)[:, 0]
    np.testing.assert_allclose(out[:1000], 0.5)
    np.testing.assert_allclose(out[1000:2000], 1.0)
    np.testing.assert_allclose(out[2000:2100], 1 - np.arange(100) / 100, atol=2e-6)
    assert not out[2100:3000].any()
    np.testing.assert_allclose(out[3000:4000], 1.0)
    np.testing.assert_allclose(out[4000:], 0.25)
    assert group.muted is False and sub.gain.value == 2.0


def test_bus_errors():
    eng = Engine(48000, 2)
    eng.bus("fx")
    with pytest.raises(ValueError, match="already a bus called 'fx'"):
        eng.bus("fx")
    with pytest.raises(ValueError, match=r"bus.*\['fx', 'master'\].*'nope'"):
        eng.play(np.ones(4, np.float32), bus="nope")
    with pytest.raises(ValueError, match="bus of this engine"):
        eng.play(np.ones(4, np.float32), bus=Engine(48000, 2).master)
    with pytest.raises(ValueError, match="output"):
        eng.bus("x", output="nope")
    with pytest.raises(ValueError, match="name"):
        eng.bus("")
    with pytest.raises(ValueError, match="Bus.set gain"):
        eng.master.set(gain=float("nan"))
    assert eng.render(10).shape == (10, 2)


def meter_reference(out, interval):
    blocks = out[:len(out) // interval * interval].reshape(-1, interval, out.shape[1])
    return np.abs(blocks).max(axis=1), np.sqrt((blocks.astype(np.float64) ** 2).mean(axis=1))


@pytest.mark.parametrize("block", [1, 75, 256, 4096])
def test_meters_report_peak_and_rms_per_bus_on_interval_frames(rng, block):
    x = rng.uniform(-0.9, 0.9, (10000, 2)).astype(np.float32)
    eng = Engine(48000, 2, meter_interval=480)
    quiet = eng.bus("quiet", gain=0.25)
    eng.play(x, bus=quiet)
    out = render_in_blocks(eng, 9700, block)
    events = eng.events()
    peaks = [e for e in events if e.kind == "peak"]
    master = [e for e in peaks if e.bus == "master"]
    assert [e.frame for e in master] == list(range(480, 9700, 480))
    peak, rms = meter_reference(out, 480)
    np.testing.assert_array_equal([e.peak for e in master], peak)
    np.testing.assert_allclose([e.rms for e in master], rms, rtol=1e-5)
    bus = [e for e in peaks if e.bus == "quiet"]
    np.testing.assert_array_equal([e.peak for e in bus], peak)  # the master adds nothing
    assert len(bus) == len(master)


def test_meters_off_by_default():
    eng = Engine(48000, 2)
    eng.play(np.ones(1000, np.float32))
    eng.render(5000)
    assert [e.kind for e in eng.events()] == ["voice_start", "voice_end"]


def test_offline_events_are_kept_until_read():
    """Offline, events that do not fit in the ring wait for `events`, in order: none lost."""
    eng = Engine(48000, 2, meter_interval=1, event_capacity=64)
    eng.play(np.ones(10, np.float32))
    eng.render(20000)  # a meter event a frame: far more than the ring holds
    events = eng.events()
    assert [e.kind for e in events[:3]] == ["voice_start", "peak", "peak"]
    assert len(events) == 2 + 20000 and eng.stats()["lost_events"] == 0
    assert [e.frame for e in events if e.kind == "peak"] == list(range(1, 20001))


def test_events_past_what_an_offline_render_keeps_are_reported(monkeypatch):
    eng = Engine(48000, 1, meter_interval=1, event_capacity=64)
    eng.render(1_100_000)  # more than the million events kept past the ring
    lost = eng.stats()["lost_events"]
    assert lost == 1_100_000 - (1 << 20) - 64
    events = eng.events()  # (the lost ones came last: they are reported last)
    assert events[-1] == pkaudio.Event("events_lost", 1_100_000, lost)
    assert len(events) == 1 + (1 << 20) + 64
    assert eng.render(10).shape == (10, 1) and eng.events()[0].kind == "peak"


def wait_complete(stream):
    deadline = time.monotonic() + 5
    while not stream.stats()["complete"] and time.monotonic() < deadline:
        time.sleep(0.001)


@pytest.mark.parametrize("rate", [0.37, 1.0, 1.5, 7.0])
def test_stream_voice_varispeed_matches_the_same_sound_in_memory(rng, tmp_path, rate):
    x = rng.uniform(-0.5, 0.5, (30000, 2)).astype(np.float32)
    path = tmp_path / "x.wav"
    pkaudio.Sound.from_array(x, 48000).save(path, subtype="FLOAT")
    with pkaudio.DiskStream(path, buffer_seconds=1.0) as stream:
        wait_complete(stream)
        from_disk, in_memory = Engine(48000, 2), Engine(48000, 2)
        for eng, sound in ((from_disk, stream), (in_memory, x)):
            voice = eng.play(sound, at=77, rate=rate, gain=0.5)
            voice.set(rate=rate * 1.3, ramp=2000, at=5000)
        total = 77 + int(30000 / rate) + 1000
        disk = render_in_blocks(from_disk, total, 256)
        memory = render_in_blocks(in_memory, total, 256)
    np.testing.assert_allclose(disk, memory, atol=1e-6)
    assert disk[77:].any()
    ends = [[e.frame for e in eng.events() if e.kind == "voice_end"]
            for eng in (from_disk, in_memory)]
    assert ends[0] == ends[1] and len(ends[0]) == 1


def test_offline_render_waits_for_a_stream_then_reports_its_error(rng):
    """Offline, a voice of a stream whose reader is slow waits for it: nothing is missed;
    where reading fails, what was read plays, then the error is reported."""
    x = rng.uniform(-0.5, 0.5, (20000, 1)).astype(np.float32)
    source = ArraySource(x, fail_at=15000)
    source.gate.clear()  # nothing arrives until the gate opens
    stream = pkaudio.DiskStream(source, buffer_seconds=0.1)
    eng = Engine(48000, 1)
    voice = eng.play(stream)
    opener = threading.Timer(0.05, source.gate.set)
    opener.start()
    out = np.concatenate([eng.render(256) for _ in range(80)])
    opener.join()
    np.testing.assert_array_equal(out[:15000], x[:15000])
    assert not out[15000:].any()
    events = eng.events()
    assert [(e.kind, e.frame) for e in events] == [("voice_start", 0), ("error", 15000),
                                                   ("voice_end", 15000)]
    assert events[1].voice == voice.id and "disk on fire" in events[1].message
    stream.close()


def test_a_stuck_stream_plays_as_an_underrun_offline_too(rng, monkeypatch):
    """A reader that delivers nothing for STREAM_WAIT seconds is not waited for again in
    that render: the gap plays as silence, reported."""
    monkeypatch.setattr(pkaudio.engine, "STREAM_WAIT", 0.05)
    source = ArraySource(rng.uniform(-0.5, 0.5, (2000, 1)).astype(np.float32))
    source.gate.clear()
    stream = pkaudio.DiskStream(source, buffer_seconds=0.1)
    eng = Engine(48000, 1)
    voice = eng.play(stream)
    assert not eng.render(512).any()
    underruns = [e for e in eng.events() if e.kind == "underrun"]
    assert len(underruns) == 1 and underruns[0].voice == voice.id
    assert underruns[0].frame == 0 and underruns[0].frames > 0
    source.gate.set()
    stream.close()


def test_sets_and_stops_from_several_threads():
    eng = Engine(48000, 2)
    voices = [eng.play(np.ones(1000, np.float32), loop=True) for _ in range(40)]
    barrier = threading.Barrier(4)

    def steer(mine):
        barrier.wait()
        for i in range(300):
            voice = mine[i % len(mine)]
            voice.set(gain=(i % 7) / 7, pan=(i % 5) / 5 - 0.4, rate=1 + (i % 3) / 3)
        for voice in mine:
            voice.stop(release=64)

    threads = [threading.Thread(target=steer, args=(voices[i::4],)) for i in range(4)]
    for thread in threads:
        thread.start()
    while any(thread.is_alive() for thread in threads):
        eng.render(64)
    eng.render(1000)
    assert eng.playing == 0
    assert sum(e.kind == "voice_end" for e in eng.events()) == 40


@pytest.mark.parametrize("call,match", [
    (lambda v: v.set(gain=float("nan")), "Voice.set gain"),
    (lambda v: v.set(pan=2), "Voice.set pan"),
    (lambda v: v.set(rate=0), "Voice.set rate"),
    (lambda v: v.set(ramp=-1), "Voice.set ramp"),
    (lambda v: v.set(gain=1, at=-5), "Voice.set at"),
    (lambda v: v.stop(release=1.5), "Voice.stop release"),
    (lambda v: Engine(48000, 2, meter_interval=-1), "meter_interval"),
])
def test_bad_changes_raise_and_the_engine_keeps_running(call, match):
    eng = Engine(48000, 2)
    voice = eng.play(np.ones(100, np.float32))
    with pytest.raises(ValueError, match=match):
        call(voice)
    assert voice.gain.value == 1.0 and voice.rate.value == 1.0
    assert eng.render(200)[:100].all()


@pytest.mark.parametrize("rate,new", [(1.0, 2.0), (1.5, 0.5)])
def test_late_voice_then_rate_change_starts_from_its_beginning(rate, new):
    """A voice that came late starts when taken; a rate change sent with it lands then."""
    ramp = np.arange(20000, dtype=np.float32)
    eng = Engine(48000, 1)
    eng.render(1000)
    voice = eng.play(ramp, at=0, rate=rate)
    voice.set(rate=new, ramp=0)
    out = eng.render(100)[:, 0]
    # (the first frames are read beside the silence before the sound)
    np.testing.assert_allclose(out[4:], new * np.arange(4, 100), atol=1e-2)


def test_meter_rms_is_the_same_for_every_block_size(rng):
    x = rng.uniform(-0.9, 0.9, (9600, 2)).astype(np.float32)
    levels = []
    for block in (1, 7, 480, 1000):
        eng = Engine(48000, 2, meter_interval=480)
        eng.play(x)
        render_in_blocks(eng, 9600, block)
        levels.append([(e.peak, e.rms) for e in eng.events() if e.kind == "peak"])
    assert levels[0] == levels[1] == levels[2] == levels[3]


def test_meter_of_a_bus_added_mid_interval_counts_its_own_frames():
    eng = Engine(48000, 1, meter_interval=480)
    eng.render(240)
    bus = eng.bus("late")
    eng.play(np.ones(1000, np.float32), bus=bus)
    eng.render(240)
    (event,) = [e for e in eng.events() if e.kind == "peak" and e.bus == "late"]
    assert event.frame == 480 and event.rms == (1.0,)


def test_a_change_during_a_release_keeps_fading():
    eng = Engine(48000, 2)
    voice = eng.play(np.ones(5000, np.float32))
    voice.stop(at=1000, release=1000)
    voice.set(pan=0.5, ramp=0, at=1500)
    out = eng.render(3000)
    fade = 1 - np.arange(1000) / 1000
    np.testing.assert_allclose(out[1000:1500, 0], fade[:500], atol=2e-6)
    left, right = dsp.pan_gains(0.5)
    np.testing.assert_allclose(out[1500:2000], np.outer(fade[500:], [left, right]),
                               atol=2e-6)
    assert not out[2000:].any()


def test_set_with_gain_and_rate_lands_as_one_change():
    eng = Engine(48000, 1)
    voice = eng.play(np.arange(1000, dtype=np.float32))
    voice.set(gain=0.5, rate=2.0, ramp=0, at=100)
    out = eng.render(300)[:, 0]
    np.testing.assert_allclose(out[101:300], 0.5 * (100 + 2 * np.arange(1, 200)), atol=1e-3)
    assert out[99] == 99 and voice.gain.value == 0.5 and voice.rate.value == 2.0


def test_at_capacity_voices_can_still_be_stopped():
    eng = Engine(48000, 1)
    x = np.ones(10, np.float32)
    voices = []
    with pytest.raises(RuntimeError, match="already waiting or playing"):
        while True:
            voices.append(eng.play(x, loop=True))
    for voice in voices:
        voice.stop()
    eng.render(64)
    assert eng.playing == 0


def test_voices_ending_with_changes_still_to_come():
    """Timed changes of voices that ended wait in the timeline, dead, until their frame:
    20,000 voices ending in one block, each with a stop still to come."""
    eng = Engine(48000, 1)
    x = np.ones(10, np.float32)
    for _ in range(20000):
        eng.play(x).stop(at=10**6)
    eng.render(256)
    assert eng.playing == 0
    assert eng._core.held == 20000
    eng.render(10**6)  # the dead stops come due and go back
    assert eng._core.held == 0


def test_closing_a_stream_ends_its_voice(rng, tmp_path):
    x = rng.uniform(-0.5, 0.5, (480000, 1)).astype(np.float32)
    path = tmp_path / "long.wav"
    pkaudio.Sound.from_array(x, 48000).save(path, subtype="FLOAT")
    stream = pkaudio.DiskStream(path, buffer_seconds=0.2)
    eng = Engine(48000, 1)
    eng.play(stream)
    eng.render(1024)
    stream.close()
    for _ in range(200):  # what was buffered plays out, then the voice ends
        eng.render(4800)
        if eng.playing == 0:
            break
    assert eng.playing == 0
    assert [e.kind for e in eng.events() if e.kind in ("voice_end", "underrun")] == ["voice_end"]


@pytest.mark.parametrize("block", [1, 64, 75, 256])
def test_the_input_plays_through_the_graph(rng, block):
    x = rng.uniform(-0.5, 0.5, (3000, 2)).astype(np.float32)
    eng = Engine(48000, 2, meter_interval=1000)
    room = eng.bus("room", gain=0.5)
    voice = eng.play(eng.input, at=100, bus=room)
    voice.stop(at=2500)
    out = np.concatenate([eng.render(min(block, 3000 - i), input=x[i:i + block])
                          for i in range(0, 3000, block)])
    np.testing.assert_array_equal(out[100:2500], x[100:2500] * np.float32(0.5))
    assert not out[:100].any() and not out[2500:].any()
    assert [e.frame for e in eng.events() if e.kind == "voice_end"] == [2500]


def test_input_without_input_is_silence_and_mono_input_goes_to_every_channel():
    eng = Engine(48000, 2)
    eng.play(eng.input)
    assert not eng.render(100).any()
    out = eng.render(3, input=np.array([0.25, 0.5, -1.0]))  # int or float, (frames,)
    np.testing.assert_array_equal(out, [[0.25, 0.25], [0.5, 0.5], [-1.0, -1.0]])
    assert eng.playing == 1  # the input plays until stopped


def test_input_errors():
    eng = Engine(48000, 2)
    with pytest.raises(ValueError, match="rate 1"):
        eng.play(eng.input, rate=2.0)
    with pytest.raises(ValueError, match=r"render input.*\(10, channels\)"):
        eng.render(10, input=np.zeros((11, 2), np.float32))
    assert eng.render(10).shape == (10, 2)


def test_on_a_device_a_late_stream_plays_silence_and_says_so(rng):
    """A device's callback never waits for a stream's reader: what has not arrived plays as
    silence, reported as an underrun (here, on virtual time, every block of 50 ms)."""
    source = ArraySource(rng.uniform(-0.5, 0.5, (20000, 1)).astype(np.float32))
    source.gate.clear()  # nothing arrives
    stream = pkaudio.DiskStream(source, buffer_seconds=0.1)
    clock = pkaudio.VirtualClock()
    device = pkaudio.NullDevice(48000, 1, clock=clock, capture=True)
    eng = Engine(48000, 1, outputs=[device])
    voice = eng.play(stream)
    with eng.start():
        clock.advance(0.05)
    assert eng.now >= 2048 and not device.captured().any()
    underruns = [e for e in eng.events() if e.kind == "underrun"]
    assert len(underruns) == 1 and underruns[0].voice == voice.id and underruns[0].frame == 0
    source.gate.set()
    stream.close()
