"""convert, copy, interleave and deinterleave against numpy references."""
import numpy as np
import pytest
from conftest import AWKWARD_FRAMES, audio
from hypothesis import given
from hypothesis import strategies as st

from pkaudio import dsp

FORMATS = [np.int16, np.int32, np.float32, np.float64]
FULL_SCALE = {np.int16: 32768.0, np.int32: 2.0**31}


def convert_reference(x, dtype):
    """Independent statement of the documented rules, in float64 numpy."""
    src, dst = x.dtype.type, np.dtype(dtype).type
    if src == dst:
        return x.copy()
    value = x.astype(np.float64)
    if src in FULL_SCALE:
        value /= FULL_SCALE[src]
    if dst in FULL_SCALE:
        info = np.iinfo(dst)
        scaled = np.nan_to_num(value * FULL_SCALE[dst], nan=0.0, posinf=info.max, neginf=info.min)
        return np.clip(np.rint(scaled), info.min, info.max).astype(dst)
    return value.astype(dst)


def samples(rng, frames, channels, dtype):
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        return rng.integers(info.min, info.max, (frames, channels), dtype=dtype, endpoint=True)
    # Past full scale on both sides, so that clipping is exercised.
    return (audio(rng, frames, channels, dtype) * 1.2).astype(dtype)


@pytest.mark.parametrize("src", FORMATS)
@pytest.mark.parametrize("dst", FORMATS)
@pytest.mark.parametrize("frames", AWKWARD_FRAMES)
def test_convert_matches_reference(rng, src, dst, frames):
    x = samples(rng, frames, 2, src)
    result = dsp.convert(x, dst)
    assert result.dtype == dst and result.shape == x.shape
    np.testing.assert_array_equal(result, convert_reference(x, dst))


def test_convert_documented_points():
    x = np.array([-1.0, 1.0, 0.5, -0.5, 2.0, -2.0, np.nan, np.inf, -np.inf, 1 / 65536, 3 / 65536],
                 np.float32)
    assert dsp.convert(x, "int16").tolist() == [-32768, 32767, 16384, -16384, 32767, -32768, 0,
                                                32767, -32768, 0, 2]
    assert dsp.convert(np.array([-32768, 32767], np.int16), np.float32).tolist() == [
        -1.0, 32767 / 32768]
    assert dsp.convert(np.array([-32768, 1], np.int16), "int32").tolist() == [-(2**31), 65536]
    assert dsp.convert(np.array([2**31 - 1, -(2**31), 98304], np.int32), "int16").tolist() == [
        32767, -32768, 2]


@pytest.mark.parametrize("dtype_arg", ["int16", np.int16, np.dtype("int16"), "i2", "<i2"])
def test_convert_dtype_spellings(dtype_arg):
    assert dsp.convert(np.zeros(3), dtype_arg).dtype == np.int16


def test_convert_in_place_when_item_sizes_match(rng):
    x = samples(rng, 4099, 2, np.float32)
    expected = convert_reference(x, np.int32)
    out = x.view(np.int32)
    assert dsp.convert(x, np.int32, out=out) is out
    np.testing.assert_array_equal(out, expected)


def test_copy_converts_into_out(rng):
    src = samples(rng, 509, 3, np.float64)
    out = np.empty((509, 3), np.int16)
    assert dsp.copy(src, out) is out
    np.testing.assert_array_equal(out, convert_reference(src, np.int16))


@pytest.mark.parametrize("src", [np.float32, np.float64])
def test_dither_is_tpdf_of_one_lsb(rng, src):
    x = rng.uniform(-0.9, 0.9, 200_000).astype(src)
    exact = x.astype(np.float64) * 32768
    error = dsp.convert(x, np.int16, dither=True).astype(np.float64) - exact
    # Rounding of (value + triangular noise in (-1, 1)): never more than 1.5 LSB away.
    assert np.abs(error).max() <= 1.5
    assert abs(error.mean()) < 0.01
    # TPDF noise (variance 1/6) plus rounding (1/12) gives 1/4 LSB^2.
    assert error.var() == pytest.approx(0.25, rel=0.02)
    # Fresh noise on every call.
    assert not np.array_equal(dsp.convert(x, np.int16, dither=True),
                              dsp.convert(x, np.int16, dither=True))


@pytest.mark.parametrize("dtype", FORMATS)
@pytest.mark.parametrize("channels", [1, 2, 3, 17, 40])
@pytest.mark.parametrize("frames", [0, 1, 31, 33, 1031, 100_003])
def test_interleave_round_trip(rng, dtype, channels, frames):
    planar = samples(rng, channels, frames, dtype)
    interleaved = dsp.interleave(planar)
    np.testing.assert_array_equal(interleaved, planar.T)
    np.testing.assert_array_equal(dsp.deinterleave(interleaved), planar)
    out = np.empty((channels, frames), dtype)
    assert dsp.deinterleave(interleaved, out=out) is out


@given(frames=st.integers(0, 300), channels=st.integers(1, 9), src=st.sampled_from(FORMATS),
       dst=st.sampled_from(FORMATS), seed=st.integers(0, 2**32 - 1))
def test_convert_property(frames, channels, src, dst, seed):
    x = samples(np.random.default_rng(seed), frames, channels, src)
    np.testing.assert_array_equal(dsp.convert(x, dst), convert_reference(x, dst))
