"""peak, rms and meter against numpy, for every sample format."""
import numpy as np
import pytest
from conftest import AWKWARD_FRAMES, audio
from hypothesis import given
from hypothesis import strategies as st

from pkaudio import dsp

FULL_SCALE = {np.int16: 32768.0, np.int32: 2.0**31, np.float32: 1.0, np.float64: 1.0}


def samples(rng, frames, channels, dtype):
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        return rng.integers(info.min, info.max, (frames, channels), dtype=dtype, endpoint=True)
    return audio(rng, frames, channels, dtype) * 1.5


def reference(x):
    scaled = x.astype(np.float64) / FULL_SCALE[x.dtype.type]
    if len(x) == 0:
        return np.zeros(x.shape[1:]), np.zeros(x.shape[1:])
    return np.abs(scaled).max(axis=0), np.sqrt(np.mean(scaled**2, axis=0))


@pytest.mark.parametrize("dtype", [np.int16, np.int32, np.float32, np.float64])
@pytest.mark.parametrize("frames", AWKWARD_FRAMES)
@pytest.mark.parametrize("channels", [1, 2, 3, 4, 7, 16, 40])
def test_meters_match_numpy(rng, dtype, frames, channels):
    x = samples(rng, frames, channels, dtype)
    peak, rms = reference(x)
    np.testing.assert_array_equal(dsp.peak(x), peak)
    np.testing.assert_allclose(dsp.rms(x), rms, rtol=1e-12)
    both = dsp.meter(x)
    assert both.shape == (2, channels)
    np.testing.assert_array_equal(both[0], peak)
    np.testing.assert_allclose(both[1], rms, rtol=1e-12)


def test_mono_1d_gives_floats_and_out_is_filled(rng):
    x = audio(rng, 1000, 1, mono_1d=True)
    assert isinstance(dsp.peak(x), float) and isinstance(dsp.rms(x), float)
    peak, rms = dsp.meter(x)
    assert peak == dsp.peak(x) and rms == pytest.approx(dsp.rms(x))
    out = np.empty(())
    assert dsp.peak(x, out=out) is out and out == dsp.peak(x)
    x2 = audio(rng, 1000, 3)
    out2 = np.empty((2, 3))
    assert dsp.meter(x2, out=out2) is out2
    np.testing.assert_array_equal(out2[0], dsp.peak(x2))


def test_extremes_of_integer_formats():
    x = np.array([[-32768, 32767]], np.int16)
    np.testing.assert_array_equal(dsp.peak(x), [1.0, 32767 / 32768])
    x32 = np.array([[-(2**31), 2**31 - 1]], np.int32)
    np.testing.assert_array_equal(dsp.peak(x32), [1.0, (2**31 - 1) / 2**31])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("channels", [2, 3])
def test_nan_and_inf_show_in_the_channel(dtype, channels):
    x = np.zeros((100, channels), dtype)
    x[50, 1] = np.nan
    x[10, 0] = -np.inf
    peak = dsp.peak(x)
    assert peak[0] == np.inf and np.isnan(peak[1])
    assert np.isnan(dsp.rms(x)[1])


def test_float32_rms_sums_in_double():
    """A million equal float32 samples: float32 accumulation would drift, double does not."""
    x = np.full((1_000_003, 1), 0.1, np.float32)
    assert dsp.rms(x)[0] == pytest.approx(np.float64(np.float32(0.1)), rel=1e-12)


@given(frames=st.integers(0, 400), channels=st.integers(1, 12),
       dtype=st.sampled_from([np.int16, np.int32, np.float32, np.float64]),
       seed=st.integers(0, 2**32 - 1))
def test_meter_property(frames, channels, dtype, seed):
    x = samples(np.random.default_rng(seed), frames, channels, dtype)
    peak, rms = reference(x)
    result = dsp.meter(x)
    np.testing.assert_array_equal(result[0], peak)
    np.testing.assert_allclose(result[1], rms, rtol=1e-12)
