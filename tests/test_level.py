"""gain, ramp, mix and pan against naive numpy references."""
import numpy as np
import pytest
from conftest import AWKWARD_FRAMES, CHANNELS, audio
from hypothesis import given
from hypothesis import strategies as st

from pkaudio import dsp

FLOATS = [np.float32, np.float64]


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("frames", AWKWARD_FRAMES)
@pytest.mark.parametrize("channels", CHANNELS)
def test_gain_matches_numpy(rng, dtype, frames, channels):
    x = audio(rng, frames, channels, dtype)
    np.testing.assert_array_equal(dsp.gain(x, 0.3), x * dtype(0.3))
    per_channel = rng.uniform(-2, 2, channels)
    np.testing.assert_array_equal(dsp.gain(x, per_channel), x * per_channel.astype(dtype))


@pytest.mark.parametrize("dtype", FLOATS)
def test_gain_in_place_and_into_out(rng, dtype):
    x = audio(rng, 1031, 2, dtype)
    expected = x * dtype(-0.5)
    out = np.empty_like(x)
    assert dsp.gain(x, -0.5, out=out) is out
    np.testing.assert_array_equal(out, expected)
    assert dsp.gain(x, -0.5, out=x) is x
    np.testing.assert_array_equal(x, expected)


def test_gain_mono_1d_and_gain_forms(rng):
    x = audio(rng, 100, 1, mono_1d=True)
    for g in (2, 2.0, np.float32(2.0), np.float64(2.0), np.array(2.0), [2.0], (2.0,),
              np.array([2.0])):
        np.testing.assert_array_equal(dsp.gain(x, g), x * np.float32(2.0))


def test_gain_many_channels_beyond_stack_buffer(rng):
    x = audio(rng, 33, 100)
    g = np.linspace(0, 1, 100)
    np.testing.assert_array_equal(dsp.gain(x, g), x * g.astype(np.float32))


def ramp_reference(x, g0, g1):
    frames = x.shape[0]
    steps = np.arange(frames)[:, None] / max(frames, 1)
    gains = np.asarray(g0, float) + (np.asarray(g1, float) - np.asarray(g0, float)) * steps
    flat = x.astype(np.float64) if x.ndim == 2 else x.astype(np.float64)[:, None]
    return (flat * gains).reshape(x.shape)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("frames", AWKWARD_FRAMES)
@pytest.mark.parametrize("channels", [1, 2, 5])
def test_ramp_matches_numpy(rng, dtype, frames, channels):
    x = audio(rng, frames, channels, dtype)
    tol = 1e-6 if dtype == np.float32 else 1e-13
    np.testing.assert_allclose(dsp.ramp(x, 0.0, 1.0), ramp_reference(x, 0.0, 1.0), rtol=tol,
                               atol=tol)
    g0, g1 = rng.uniform(0, 1, channels), 0.25
    np.testing.assert_allclose(dsp.ramp(x, g0, g1), ramp_reference(x, g0, g1), rtol=tol, atol=tol)


def test_ramp_blocks_join_without_a_step(rng):
    """Ramping block by block gives the same gains as one ramp over the whole."""
    x = np.ones((512, 2), np.float64)
    whole = dsp.ramp(x, 0.0, 1.0)
    halves = np.concatenate([dsp.ramp(x[:256], 0.0, 0.5), dsp.ramp(x[256:], 0.5, 1.0)])
    np.testing.assert_allclose(halves, whole, atol=1e-15)
    assert whole[0, 0] == 0.0 and whole[-1, 0] == pytest.approx(511 / 512)


def test_ramp_in_place(rng):
    x = audio(rng, 300, 2)
    expected = ramp_reference(x, 1.0, 0.0)
    dsp.ramp(x, 1.0, 0.0, out=x)
    np.testing.assert_allclose(x, expected, rtol=1e-6, atol=1e-7)


def mix_reference(voices, gains):
    return sum((np.float64(g) if np.ndim(g) == 0 else np.asarray(g)) * v.astype(np.float64)
               for g, v in zip(gains, voices, strict=True))


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("frames", [0, 1, 17, 64, 509, 4099])
@pytest.mark.parametrize("channels", [1, 2, 3])
@pytest.mark.parametrize("nvoices", [1, 2, 8, 70])
def test_mix_matches_numpy(rng, dtype, frames, channels, nvoices):
    voices = [audio(rng, frames, channels, dtype) for _ in range(nvoices)]
    gains = rng.uniform(-1, 1, nvoices)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    expected = mix_reference(voices, gains)
    np.testing.assert_allclose(dsp.mix(voices, gains), expected, rtol=tol, atol=tol * nvoices)
    np.testing.assert_allclose(dsp.mix(np.stack(voices), gains), expected, rtol=tol,
                               atol=tol * nvoices)
    np.testing.assert_allclose(dsp.mix(voices), mix_reference(voices, np.ones(nvoices)),
                               rtol=tol, atol=tol * nvoices)
    per_channel = rng.uniform(-1, 1, (nvoices, channels))
    np.testing.assert_allclose(dsp.mix(voices, per_channel), mix_reference(voices, per_channel),
                               rtol=tol, atol=tol * nvoices)


@pytest.mark.parametrize("nvoices", [3, 9])
def test_mix_accumulate_and_in_place(rng, nvoices):
    voices = [audio(rng, 3000, 2, np.float64) for _ in range(nvoices)]
    gains = rng.uniform(-2, 2, nvoices)
    expected = mix_reference(voices, gains)
    out = np.ones((3000, 2))
    dsp.mix(voices, gains, out=out, accumulate=True)
    np.testing.assert_allclose(out, expected + 1.0, rtol=1e-12, atol=1e-12)
    # out may be any one of the inputs: that voice is read before anything overwrites it.
    for k in range(nvoices):
        copies = [v.copy() for v in voices]
        result = dsp.mix(copies, gains, out=copies[k])
        assert result is copies[k]
        np.testing.assert_allclose(result, expected, rtol=1e-12, atol=1e-12)
        copies = [v.copy() for v in voices]
        dsp.mix(copies, gains, out=copies[k], accumulate=True)
        np.testing.assert_allclose(copies[k], expected + voices[k], rtol=1e-12, atol=1e-12)
    stack = np.stack(voices)
    dsp.mix(stack, gains, out=stack[1])
    np.testing.assert_allclose(stack[1], expected, rtol=1e-12, atol=1e-12)


def test_mix_of_no_voices_is_silence_shaped_like_out():
    out = np.ones((64, 2), np.float32)
    np.testing.assert_array_equal(dsp.mix([], out=out), 0.0)
    out[:] = 1.0
    np.testing.assert_array_equal(dsp.mix([], out=out, accumulate=True), 1.0)
    np.testing.assert_array_equal(dsp.mix(np.zeros((0, 64, 2), np.float32)), 0.0)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("position", [-1.0, -0.5, 0.0, 0.3, 1.0])
@pytest.mark.parametrize("frames", [0, 1, 17, 4099])
def test_pan_constant_power(rng, dtype, position, frames):
    mono = audio(rng, frames, 1, dtype, mono_1d=True)
    theta = (position + 1) * np.pi / 4
    expected = np.stack([mono * dtype(np.cos(theta)), mono * dtype(np.sin(theta))], axis=1)
    out = dsp.pan(mono, position)
    assert out.shape == (frames, 2) and out.dtype == dtype
    np.testing.assert_array_equal(out, expected)
    np.testing.assert_array_equal(dsp.pan(mono[:, None], position), expected)


def test_pan_law_centre_is_minus_3_db():
    left, right = dsp.pan(np.ones(1), 0.0)[0]
    assert 20 * np.log10(left) == pytest.approx(-3.0103, abs=1e-4)
    assert left == pytest.approx(right) and left**2 + right**2 == pytest.approx(1.0)
    assert tuple(dsp.pan(np.ones(1), -1.0)[0]) == pytest.approx((1.0, 0.0))


@given(frames=st.integers(0, 600), channels=st.integers(1, 9), dtype=st.sampled_from(FLOATS),
       g=st.floats(-4, 4), seed=st.integers(0, 2**32 - 1))
def test_gain_property(frames, channels, dtype, g, seed):
    x = audio(np.random.default_rng(seed), frames, channels, dtype)
    np.testing.assert_array_equal(dsp.gain(x, g), x * dtype(g))
