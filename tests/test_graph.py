"""The engine's graph: effects on buses, sends, parameters driven by buses, edits that fade,
cycles refused; offline against the same effects run on arrays, and on a JACK device while
edits come in."""
import numpy as np
import pytest
import soundfile as sf
from conftest import eventually
from references import biquad_per_frame

import pkaudio
from pkaudio import Engine, fx

RATE = 48000
FADE = 240  # graph.FADE at 48 kHz


@pytest.fixture
def noise():
    return (0.3 * np.random.default_rng(5).standard_normal(20000)).astype(np.float32)


def test_an_effect_on_a_bus_is_the_effect_on_the_bus_signal(noise):
    eng = Engine(RATE, 2)
    drums = eng.bus("drums")
    drums.add(fx.Lowpass(800, 1.3))
    eng.play(noise, at=10, bus=drums)
    got = np.concatenate([eng.render(n) for n in (1, 64, 75, 256, 7000, 12614)])
    dry = np.zeros((20010, 2), np.float32)
    dry[10:] = noise[:, None]
    np.testing.assert_array_equal(got, fx.Lowpass(800, 1.3)(dry, RATE))


def test_automation_lands_on_engine_frames_whatever_the_render_sizes(noise):
    def run(sizes):
        eng = Engine(RATE, 1)
        gain = fx.Gain(1.0)
        eng.master.add(gain)
        gain.gain.set(0.25, at=1000)
        gain.gain.linear_ramp(1.0, at=3000)
        eng.play(noise, at=0)
        return np.concatenate([eng.render(n) for n in sizes])[:, 0]

    one = run([20000])
    np.testing.assert_array_equal(one, run([999, 2, 1, 1998, 17000]))
    assert one[999] == noise[999] and one[1000] == np.float32(noise[1000] * np.float32(0.25))
    assert one[3000] == noise[3000]


def test_sends_pre_and_post_fader(noise):
    eng = Engine(RATE, 1)
    vocal, verb = eng.bus("vocal", gain=0.5), eng.bus("verb")
    eng.bus("monitor", output=verb)
    post = vocal.send(verb, gain=0.25)
    vocal.send("monitor", gain=2.0, pre_fader=True)
    eng.play(noise, at=0, bus=vocal)
    got = eng.render(len(noise))[:, 0]
    expected = noise * 0.5 + noise * 0.5 * 0.25 + noise * 2.0  # output, post send, pre send
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-7)
    assert vocal.sends[0] is post and repr(post) == "<Send 'vocal' -> 'verb'>"
    post.gain.set(0.0, at=len(noise) + 100)
    post.remove()
    assert len(vocal.sends) == 1
    with pytest.raises(ValueError, match="Send.remove: .* was removed already"):
        post.remove()


def test_parallel_compression_style_sends_sum_at_the_master(noise):
    eng = Engine(RATE, 2)
    dry, wet = eng.bus("dry"), eng.bus("wet")
    dry.send(wet, pre_fader=True)
    wet.add(fx.Highpass(2000))
    eng.play(noise, at=0, bus=dry)
    got = eng.render(len(noise))
    expected = noise[:, None] + fx.Highpass(2000)(np.repeat(noise[:, None], 2, 1), RATE)
    np.testing.assert_allclose(got, expected, atol=1e-6)


def test_paths_of_unequal_latency_line_up_where_they_meet(noise):
    eng = Engine(RATE, 1)
    slow, fast = eng.bus("slow"), eng.bus("fast")
    slow.add(fx.Convolution(np.array([0.5], np.float32), partition=64))  # 64 frames late
    eng.play(noise, at=0, bus=slow)
    eng.play(noise, at=0, bus=fast)
    eng.play(noise, at=0)  # straight into the master
    assert eng.latency == 64
    got = eng.render(len(noise) + 64)[:, 0]
    late = np.concatenate([np.zeros(64, np.float32), noise])
    np.testing.assert_allclose(got, 2.5 * late, rtol=1e-5, atol=1e-6)
    slow.send(fast)  # fast's voices now wait for slow's send into it
    start = eng.now
    for bus in (slow, fast, eng.master):
        eng.play(noise, at=start, bus=bus)
    got = eng.render(len(noise) + 64)[:, 0]
    assert eng.latency == 64
    fades_in = np.minimum(np.arange(len(late)) / FADE, 1)  # the new send's, from `start`
    expected = late * (2.5 + 0.5 * fades_in)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


def test_cycles_are_refused_and_the_graph_is_left_as_it_was():
    eng = Engine(RATE, 2)
    a, b = eng.bus("a"), eng.bus("b", output="a")
    with pytest.raises(ValueError, match=r"cycle through buses \['a', 'b'\]"):
        a.send(b)
    assert a.sends == []
    # (a bus on a cycle of its own is named too; the edit that would make it is said)
    with pytest.raises(ValueError, match=r"Bus.send to: .*cycle through buses \['a'\]"):
        a.send(a)
    with pytest.raises(ValueError, match=r"Bus.add sidechain: .*cycle through buses \['b'\]"):
        b.add(fx.Compressor(), sidechain=b)
    assert b.effects == []
    with pytest.raises(ValueError, match="already sends to 'master' post-fader"):
        b.send("master")
        b.send("master")
    eng.render(256)


def test_a_bus_drives_a_parameter_frame_by_frame():
    eng = Engine(RATE, 1)
    lfo, music = eng.bus("lfo"), eng.bus("music")
    gain = fx.Gain(0.5)
    music.add(gain)
    gain.gain.modulate(lfo, depth=0.25)
    wave = np.sin(2 * np.pi * 5 * np.arange(9600) / RATE).astype(np.float32)
    eng.play(wave, at=0, bus=lfo)
    eng.play(np.ones(9600, np.float32), at=0, bus=music)
    got = eng.render(4800)[:, 0]  # the LFO's bus plays too, and drives the gain
    np.testing.assert_allclose(got, wave[:4800] + (0.5 + 0.25 * wave[:4800]), atol=1e-6)
    gain.gain.modulate(None)
    np.testing.assert_allclose(eng.render(10)[:, 0], wave[4800:4810] + 0.5, atol=1e-6)
    with pytest.raises(RuntimeError, match="gain.modulate: Gain is on no bus"):
        fx.Gain().gain.modulate(lfo)
    gain.gain.modulate(lfo)
    with pytest.raises(ValueError, match=r"cycle through buses \['lfo', 'music'\]"):
        music.send(lfo)  # music's gain reads lfo: lfo cannot read music


def test_an_lfo_bus_sweeps_a_filter_frequency_frame_by_frame(noise):
    eng = Engine(RATE, 1)
    lfo, music = eng.bus("lfo", gain=0.0), eng.bus("music")
    lfo_tap = eng.bus("lfo tap", output=lfo)  # the LFO before the silent fader
    low = fx.Lowpass(1000, 0.8)
    music.add(low)
    low.frequency.modulate(lfo_tap, depth=800)
    wave = np.sin(2 * np.pi * 3 * np.arange(6000) / RATE).astype(np.float32)
    eng.play(wave, at=0, bus=lfo_tap)
    eng.play(noise[:6000], at=0, bus=music)
    got = np.concatenate([eng.render(n) for n in (75, 256, 5669)])[:, 0]
    frequencies = np.float32(1000) + np.float32(800) * wave  # as the core adds them
    expected = biquad_per_frame("lowpass", noise[:6000].astype(np.float64), frequencies,
                                np.full(6000, 0.8))
    np.testing.assert_allclose(got, expected, atol=2e-5)


def test_added_effects_fade_in_removed_fade_out_then_are_free(noise):
    eng = Engine(RATE, 1)
    eng.play(np.ones(100000, np.float32), at=0)
    eng.render(1000)
    half = fx.Gain(0.5)
    eng.master.add(half)
    got = eng.render(1000)[:, 0]
    np.testing.assert_allclose(got[:FADE + 1], 1 - 0.5 * np.arange(FADE + 1) / FADE, atol=1e-6)
    assert (got[FADE:] == 0.5).all()
    eng.master.remove(half)
    assert eng.master.effects == []  # fading out
    with pytest.raises(ValueError, match="already runs in a group or on a bus"):
        eng.bus("other").add(half)
    got = eng.render(1000)[:, 0]
    np.testing.assert_allclose(got[:FADE + 1], 0.5 + 0.5 * np.arange(FADE + 1) / FADE,
                               atol=1e-6)
    assert (got[FADE:] == 1.0).all()
    eng.render(1)
    assert eng.master.effects == []
    np.testing.assert_array_equal(half(np.ones(4, np.float32), RATE), [0.5] * 4)  # free
    with pytest.raises(ValueError, match="is not on bus 'master'"):
        eng.master.remove(half)


def test_bad_graph_edits_are_refused_clearly():
    eng = Engine(RATE, 2)
    with pytest.raises(TypeError, match="Bus.add effect: expected a pkaudio.fx effect"):
        eng.master.add("reverb")
    with pytest.raises(ValueError, match="Bus.add index: expected a place in the chain"):
        eng.master.add(fx.Gain(), index=3)
    with pytest.raises(ValueError, match="Bus.send to: expected a bus of this engine"):
        eng.master.send("nowhere")
    with pytest.raises(TypeError, match="Bus.send pre_fader: expected True or False"):
        eng.bus("x").send("master", pre_fader=1)
    with pytest.raises(ValueError, match="Bus.remove effect: Gain.* is not on bus 'master'"):
        eng.master.remove(fx.Gain())
    with pytest.raises(ValueError, match="Bus.move effect: Gain.* is not on bus 'master'"):
        eng.master.move(fx.Gain(), 0)
    lone = fx.Gain()
    chain = fx.Chain([lone])
    with pytest.raises(ValueError, match="already runs in a group or on a bus"):
        eng.master.add(lone)
    eng.master.add(chain)
    with pytest.raises(RuntimeError, match="Chain.process: Chain is part of an engine's bus"):
        chain.process(np.zeros((4, 2), np.float32))


def test_edits_while_a_device_runs_never_click(jack_device, tmp_path):
    """Effects added and removed, sends made and automated while JACK plays a steady tone:
    the recording changes no faster than the fades allow."""
    eng = Engine(RATE, 2)
    tone = (0.5 * np.sin(2 * np.pi * 100 * np.arange(RATE) / RATE)).astype(np.float32)
    music, verb = eng.bus("music"), eng.bus("verb")
    eng.play(tone, at=0, loop=True, bus=music)
    path = tmp_path / "edits.wav"
    with eng.start(jack_device, blocksize=64):
        recorder = eng.record(path, subtype="FLOAT")
        for i in range(30):
            effect = [fx.Gain(0.25), fx.Lowpass(300), fx.Peak(100, 1.0, -12.0)][i % 3]
            music.add(effect)
            send = music.send(verb, gain=0.5)
            send.gain.value = 0.0
            eventually(lambda n=eng.now: eng.now > n + 2048)
            music.remove(effect)
            send.remove()
            eventually(lambda n=eng.now: eng.now > n + 2048)
        eng.events()
        assert eventually(lambda: not music.effects)
        recorder.stop()
    recording, _ = sf.read(path, dtype="float32")
    assert len(recording) > RATE
    # A 100 Hz tone of amplitude at most 0.75 moves by < 0.01 a frame; a fade of 240 frames
    # between two such signals adds at most 1.5 / 240 more.
    assert np.abs(np.diff(recording, axis=0)).max() < 0.01 + 1.5 / FADE
    assert eng.stats()["xruns"] <= 5


def test_moving_an_effect_fades_it_out_and_back_in_at_its_new_place():
    eng = Engine(RATE, 1)
    eng.play(np.ones(100000, np.float32), at=0)
    half, unity = fx.Gain(0.5), fx.Gain(1.0)
    eng.master.add(half)
    eng.master.add(unity)
    eng.render(100)
    eng.master.move(half, 1)
    out = eng.render(FADE)[:, 0]  # fading out where it was
    np.testing.assert_allclose(out, 0.5 + 0.5 * np.arange(FADE) / FADE, atol=1e-6)
    back = eng.render(2 * FADE)[:, 0]  # gone, then in at its new place
    assert eng.master.effects == [unity, half]
    assert back[0] == 1.0 and back[-1] == 0.5 and (np.diff(back) <= 0).all()
    with pytest.raises(ValueError, match="Bus.move index: expected a place in the chain"):
        eng.master.move(half, 2)


def running_engine(channels=1, blocksize=64):
    """An engine on a NullDevice of a VirtualClock: real time that the test advances."""
    clock = pkaudio.VirtualClock()
    device = pkaudio.NullDevice(RATE, channels, clock=clock, blocksize=blocksize, capture=True)
    eng = Engine(RATE, channels, outputs=[device])
    return eng, clock, device


def test_edits_elsewhere_leave_effects_and_sends_where_their_fades_got_them():
    eng, clock, device = running_engine()
    eng.play(np.ones(RATE, np.float32), at=0, loop=True)
    fx_bus, verb = eng.bus("fx"), eng.bus("verb", gain=0.0)
    with eng.start(blocksize=64):
        eng.master.add(fx.Gain(0.5))
        fx_bus.send(verb)
        clock.advance(0.05)
        for _ in range(5):  # unrelated edits: nothing fades again
            verb.add(fx.Gain(0.9))
            clock.advance(0.01)
        eng.master.remove(eng.master.effects[0])
        clock.advance(0.0013)  # 64 frames into the fade out
        verb.add(fx.Lowpass(1000))  # an edit during it: the fade goes on from where it is
        clock.advance(0.05)
    out = device.captured()[:, 0]
    steps = np.abs(np.diff(out))
    assert steps.max() <= 0.5 / FADE + 1e-6  # the fades, never a jump
    assert (out[2400:2450] == 0.5).all() and out[-1] == 1.0


def test_a_value_assigned_while_a_device_runs_glides_from_where_it_is():
    eng, clock, device = running_engine(blocksize=256)
    eng.play(np.ones(RATE, np.float32), at=0, loop=True)
    gain = fx.Gain(1.0)
    eng.master.add(gain)
    with eng.start(blocksize=256):
        clock.advance(0.02)
        gain.gain.value = 0.8
        clock.advance(0.05)
        step = eng.now + 100
        gain.gain.set(0.3, at=step)  # the events before still shape the frames before
        clock.advance(0.02)
        gain.gain.value = 0.5
        clock.advance(0.05)
    out = device.captured()[:, 0]
    glides = np.abs(np.diff(out))
    glides[step - 1] = 0  # the set's own step
    assert glides.max() <= 0.5 / round(0.01 * RATE) + 1e-6
    assert (out[step - 300:step] == np.float32(0.8)).all() and out[step] == np.float32(0.3)
    assert (out[-100:] == 0.5).all()


def test_an_effect_is_freed_only_once_the_core_has_taken_its_last_change():
    eng, clock, _ = running_engine()
    gain = fx.Gain(1.0)
    with eng.start(blocksize=64):
        eng.master.add(gain)
        clock.advance(0.01)
        eng.master.remove(gain)
        clock.advance(0.01)  # faded out
        gain.gain.set(0.5, at=eng.now + 10)  # while it is still the engine's
        eng.events()
        clock.advance(0.01)
        eng.events()
        eng.stats()
        assert gain._engine is None
        gain.gain.set(0.25, at=0)  # by itself now
        np.testing.assert_array_equal(gain(np.ones(4, np.float32), RATE), 0.25)
        for _ in range(3):
            clock.advance(0.01)
            eng.stats()
    assert eng._core.held == 0 or eng._core.held < 10


def test_changes_on_a_running_device_never_fill_the_core_without_any_other_call():
    eng, clock, _ = running_engine()
    gain = fx.Gain(1.0)
    eng.master.add(gain)
    with eng.start(blocksize=64):
        for i in range(3000):
            gain.gain.value = 0.5 + (i % 2) / 4
            clock.advance(0.0014)
        assert eng._core.held < 100
        assert len(gain.gain._events) <= 4


def test_a_move_completes_while_nothing_else_calls_the_engine():
    eng, clock, device = running_engine()
    eng.play(np.ones(RATE, np.float32), at=0, loop=True)
    half, clip = fx.Gain(0.5), fx.Clip(0.4)
    eng.master.add(half)
    eng.master.add(clip)
    with eng.start(blocksize=64):
        clock.advance(0.01)
        eng.master.move(clip, 0)
        clock.advance(0.01)  # faded out where it was
        assert eventually(lambda: eng._graph.buses[0].slots[0].effect is clip)  # housekeeping
        clock.advance(0.02)
    assert device.captured()[-1, 0] == np.float32(0.2)  # clipped to 0.4, then halved


def test_graph_errors_name_the_edit_and_the_buses():
    eng = Engine(RATE, 2)
    a = eng.bus("a")
    with pytest.raises(ValueError, match=r"Bus.add sidechain: the graph would have a cycle "
                                         r"through buses \['a'\]"):
        a.add(fx.Compressor(), sidechain=a)
    with pytest.raises(ValueError, match="Bus.add sidechain: Gain takes no sidechain"):
        a.add(fx.Gain(), sidechain="master")
    with pytest.raises(ValueError, match=r"Gain\(\) sidechain: Gain takes no sidechain"):
        fx.Gain()(np.zeros(4), RATE, sidechain=np.zeros(4))
