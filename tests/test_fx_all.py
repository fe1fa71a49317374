"""What every effect promises, checked on each with its parameters moving: one node used three
ways (on an array, on a stream of blocks, on an engine's bus) gives the same samples; any
block size, length and channel count; float64 and 1-D in, the same back."""
import numpy as np
import pytest
from fx_cases import AUTOMATED, BLOCKS, COUPLED, RATE, streamed

from pkaudio import Engine, fx

NAMES = sorted(AUTOMATED)


def signal(frames, channels, seed=0):
    """Noise whose level wanders over 40 dB (so that dynamics move too)."""
    rng = np.random.default_rng(seed)
    level = 10 ** (np.repeat(rng.uniform(-2, 0, frames // 97 + 1), 97)[:frames] / 1)
    return (0.8 * rng.uniform(-1, 1, (frames, channels)) * level[:, None]).astype(np.float32)


def test_every_effect_is_covered():
    effects = {name for name in fx.__all__
               if isinstance(getattr(fx, name), type) and issubclass(getattr(fx, name),
                                                                    fx.Effect)}
    assert effects - {"Effect"} == set(AUTOMATED)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("channels", [1, 2, 5])
def test_streamed_in_any_block_size_is_the_one_shot_call(name, channels):
    x = signal(2503, channels)
    effect = AUTOMATED[name]()
    once = effect(x, RATE)
    latency = effect.latency
    for block in BLOCKS:
        out = streamed(effect, x, block)
        np.testing.assert_array_equal(out[latency:], once[:len(x) - latency], err_msg=block)
    effect.reset()
    again = x.copy()
    effect.process(again)
    np.testing.assert_array_equal(again[latency:], once[:len(x) - latency])


@pytest.mark.parametrize("name", NAMES)
def test_on_an_engine_bus_it_is_the_one_shot_call(name):
    x = signal(3001, 2, seed=1)
    eng = Engine(RATE, 2)
    bus = eng.bus("effects")
    effect = AUTOMATED[name]()
    bus.add(effect)  # before anything has played: in at once, no fade
    eng.play(x, at=0, bus=bus)
    latency = eng.latency
    got = np.concatenate([eng.render(n) for n in (75, 256, 1, 2669 + latency)])
    expected = AUTOMATED[name]()(x, RATE)
    np.testing.assert_array_equal(got[latency:latency + len(x)], expected)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("frames", [0, 1, 2, 257])
@pytest.mark.parametrize("channels", [1, 64])
def test_awkward_lengths_and_channel_counts(name, frames, channels):
    x = signal(frames, channels, seed=frames)
    y = AUTOMATED[name]()(x, RATE)
    assert y.shape == x.shape and y.dtype == np.float32 and np.isfinite(y).all()


@pytest.mark.parametrize("name", sorted(set(NAMES) - COUPLED))
def test_channels_are_independent_up_to_64(name):
    x = signal(600, 64, seed=2)
    y = AUTOMATED[name]()(x, RATE)
    for c in (0, 31, 63):
        np.testing.assert_array_equal(AUTOMATED[name]()(x[:, c], RATE), y[:, c])


@pytest.mark.parametrize("name", NAMES)
def test_float64_and_mono_keep_their_type_and_shape(name):
    x = signal(700, 1, seed=3)[:, 0].astype(np.float64)
    y = AUTOMATED[name]()(x, RATE)
    assert y.shape == x.shape and y.dtype == np.float64
    np.testing.assert_array_equal(y, AUTOMATED[name]()(x.astype(np.float32), RATE))


@pytest.mark.parametrize("name", NAMES)
def test_the_tail_is_silent_input_run_on(name):
    x = signal(500, 2, seed=4)
    effect = AUTOMATED[name]()
    ringing = effect(x, RATE, tail=True)
    assert len(ringing) == len(x) + effect.tail
    padded = np.concatenate([x, np.zeros((effect.tail + effect.latency, 2), np.float32)])
    np.testing.assert_array_equal(ringing, AUTOMATED[name]()(padded, RATE)[:len(ringing)])
