"""The engine's own gains, pans and rates as Params: a voice's gain, pan and rate and a bus's
gain and pan follow every AudioParam method frame by frame (against the spec's formulas,
written out in tests/test_fx_params.py), at every block size, offline and on a device alike."""
import numpy as np
import pytest
from test_fx_params import CASES, schedule_of, spec

import pkaudio
from pkaudio import Engine

RATE = 48000
FRAMES = 2000
BLOCKS = [(1,), (64,), (75,), (256,), (17, 509, 3)]


def rendered(eng, blocks, frames=FRAMES):
    out, done, k = [], 0, 0
    while done < frames:
        n = min(blocks[k % len(blocks)], frames - done)
        out.append(eng.render(n))
        done, k = done + n, k + 1
    return np.concatenate(out)


@pytest.mark.parametrize("case", [c for c in CASES if c != "linear after target"])
@pytest.mark.parametrize("blocks", BLOCKS)
def test_a_voice_gain_follows_the_spec(case, blocks):
    events, initial = CASES[case]
    eng = Engine(RATE, 1)
    voice = eng.play(np.ones(FRAMES, np.float32), at=0, gain=initial)
    schedule_of(events)(voice.gain)
    got = rendered(eng, blocks)[:, 0]
    np.testing.assert_allclose(got, spec(events, initial).astype(np.float32), rtol=2e-6,
                               atol=1e-7)


@pytest.mark.parametrize("case", ["set", "linear", "target", "curve"])
@pytest.mark.parametrize("blocks", BLOCKS)
def test_a_bus_gain_follows_the_spec(case, blocks):
    events, initial = CASES[case]
    eng = Engine(RATE, 1)
    bus = eng.bus("b", gain=initial)
    eng.play(np.ones(FRAMES, np.float32), at=0, bus=bus)
    schedule_of(events)(bus.gain)
    got = rendered(eng, blocks)[:, 0]
    np.testing.assert_allclose(got, spec(events, initial).astype(np.float32), rtol=2e-6,
                               atol=1e-7)


@pytest.mark.parametrize("blocks", BLOCKS)
def test_a_voice_pan_moves_by_its_law_frame_by_frame(blocks):
    eng = Engine(RATE, 2)
    voice = eng.play(np.ones(FRAMES, np.float32), at=0, pan=-1.0)
    voice.pan.set(-1.0, at=200)
    voice.pan.linear_ramp(0.5, at=1200)
    got = rendered(eng, blocks)
    pan = spec([("set", 200, -1.0, None), ("linear", 1200, 0.5, None)], -1.0)
    theta = (pan.astype(np.float32).astype(np.float64) + 1) * np.pi / 4
    np.testing.assert_allclose(got[:, 0], np.cos(theta), atol=2e-6)
    np.testing.assert_allclose(got[:, 1], np.sin(theta), atol=2e-6)


@pytest.mark.parametrize("blocks", BLOCKS)
def test_a_voice_rate_follows_an_exponential_ramp(blocks):
    """A sound whose sample i is i reads back its own position: the sum of the rates."""
    eng = Engine(RATE, 1)
    ramp = np.arange(10000, dtype=np.float32)
    voice = eng.play(ramp, at=0)
    voice.rate.set(1.0, at=100)
    voice.rate.exponential_ramp(2.0, at=1100)
    got = rendered(eng, blocks)[:, 0]
    rates = spec([("set", 100, 1.0, None), ("exponential", 1100, 2.0, None)], 1.0)
    steps = np.round(rates.astype(np.float32).astype(np.float64) * 2 ** 32)
    position = np.concatenate([[0.0], np.cumsum(steps)[:-1]]) / 2 ** 32
    np.testing.assert_allclose(got[1:], position[1:], atol=2e-3)


def test_the_same_on_a_device_as_offline():
    def scene(eng):
        voice = eng.play(np.sin(np.arange(RATE) / 20).astype(np.float32), at=0, loop=True,
                         pan=0.0)
        voice.gain.set(1.0, at=1000)
        voice.gain.linear_ramp(0.25, at=3000)
        voice.pan.set_target(0.8, at=2000, time_constant=300)
        voice.rate.curve([1.0, 1.5, 0.75], at=500, duration=4000)
        eng.master.gain.set(1.0, at=4000)
        eng.master.gain.exponential_ramp(0.5, at=6000)

    clock = pkaudio.VirtualClock()
    device = pkaudio.NullDevice(RATE, 2, clock=clock, blocksize=128, capture=True)
    live = Engine(RATE, 2, outputs=[device])
    scene(live)
    with live.start(blocksize=128):
        clock.advance(8000 / RATE)
    played = device.captured()
    offline = Engine(RATE, 2)
    scene(offline)
    np.testing.assert_array_equal(played, offline.render(len(played)))


def test_voice_set_is_a_move_from_wherever_the_value_is():
    eng = Engine(RATE, 1)
    voice = eng.play(np.ones(3000, np.float32), at=0)
    voice.set(gain=0.0, ramp=1000, at=0)
    voice.set(gain=1.0, ramp=100, at=500)  # cuts the first where it has got to
    got = eng.render(3000)[:, 0]
    assert got[499] == np.float32(1 - 499 / 1000) and got[600] == 1.0
    np.testing.assert_allclose(got[500:600], 0.5 + 0.5 * np.arange(100) / 100, atol=2e-6)


def test_every_block_size_renders_the_same_samples():
    def run(blocks):
        eng = Engine(RATE, 2)
        bus = eng.bus("b")
        voice = eng.play(np.sin(np.arange(8000) / 7).astype(np.float32), at=3, bus=bus,
                         pan=-0.3)
        voice.gain.set_target(0.3, at=700, time_constant=250)
        voice.pan.linear_ramp(0.9, at=1900)
        voice.rate.set(1.0884, at=100)
        voice.rate.exponential_ramp(0.61, at=2600)
        voice.set(rate=1.3, ramp=300, at=3000)
        bus.gain.curve([1.0, 0.2, 0.9], at=1500, duration=1700)
        bus.pan.set(0.5, at=3333)
        return rendered(eng, blocks, 4000)

    whole = run((4000,))
    for blocks in BLOCKS:
        np.testing.assert_array_equal(run(blocks), whole, err_msg=str(blocks))
