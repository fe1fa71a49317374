"""Bad input gets a TypeError or ValueError that names what was received; nothing crashes."""
import numpy as np
import pytest

from pkaudio import dsp

x32 = np.zeros((64, 2), np.float32)
ro = np.zeros((64, 2), np.float32)
ro.flags.writeable = False

BAD_CALLS = [
    (lambda: dsp.gain([0.0, 1.0], 0.5), TypeError, r"gain\(\) x: expected a numpy array, got list"),
    (lambda: dsp.gain(np.zeros(4, np.int16), 0.5), TypeError, r"float32 or float64.*int16"),
    (lambda: dsp.gain(np.zeros(4, ">f4"), 0.5), TypeError, r"native byte order"),
    (lambda: dsp.gain(np.zeros((2, 2, 2), np.float32), 0.5), ValueError,
     r"shape \(frames,\) or \(frames, channels\).*\(2, 2, 2\)"),
    (lambda: dsp.gain(np.zeros((64, 4), np.float32)[:, ::2], 0.5), ValueError, r"C-contiguous"),
    (lambda: dsp.gain(x32, float("nan")), ValueError, r"g: expected a finite number, got nan"),
    (lambda: dsp.gain(x32, [1.0, float("inf")]), ValueError, r"finite"),
    (lambda: dsp.gain(x32, [1.0, 2.0, 3.0]), ValueError, r"one value per channel \(2\), got 3"),
    (lambda: dsp.gain(x32, "loud"), TypeError, r"g: expected a number"),
    (lambda: dsp.gain(x32, 0.5, out=ro), ValueError, r"out: the array is read-only"),
    (lambda: dsp.gain(x32, 0.5, out=np.zeros((64, 2))), TypeError,
     r"out: expected a float32 array shaped \(64, 2\), got float64"),
    (lambda: dsp.gain(x32, 0.5, out=np.zeros(64, np.float32)), ValueError,
     r"out: expected a float32 array shaped \(64, 2\)"),
    (lambda: dsp.gain(x32[1:], 0.5, out=x32[:-1]), ValueError, r"overlaps x"),
    (lambda: dsp.ramp(x32, 0.0, float("nan")), ValueError, r"g1"),
    (lambda: dsp.mix([x32, np.zeros((63, 2), np.float32)]), ValueError,
     r"inputs\[1\]: expected the dtype and shape"),
    (lambda: dsp.mix([x32, np.zeros((64, 2))]), ValueError, r"inputs\[1\]"),
    (lambda: dsp.mix([x32, "x"]), TypeError, r"inputs\[1\]: expected a numpy array, got str"),
    (lambda: dsp.mix([x32, x32], [1.0]), ValueError, r"gains: expected shape \(2,\) or \(2, 2\)"),
    (lambda: dsp.mix([x32, x32], [1.0, float("nan")]), ValueError, r"gains: expected finite"),
    (lambda: dsp.mix([x32], accumulate=True), ValueError, r"accumulate=True needs out="),
    (lambda: dsp.mix([]), ValueError, r"no voices"),
    (lambda: dsp.mix(np.zeros(5, np.float32)), ValueError, r"\(voices, frames\)"),
    (lambda: dsp.mix([x32, x32], out=x32), ValueError, r"more than one of the inputs"),
    (lambda: dsp.pan(x32, 0.0), ValueError,
     r"pan\(\) mono: expected shape \(frames,\) or \(frames, 1\)"),
    (lambda: dsp.pan(np.zeros(4, np.float32), 1.5), ValueError,
     r"position: expected a value in \[-1, 1\], got 1.5"),
    (lambda: dsp.pan(np.zeros(4, np.float32), float("nan")), ValueError, r"finite"),
    (lambda: dsp.peak(np.zeros(4, np.uint8)), TypeError,
     r"int16 or int32 or float32 or float64.*uint8"),
    (lambda: dsp.meter(x32, out=np.zeros(2)), ValueError, r"shaped \(2, 2\)"),
    (lambda: dsp.convert(x32, "int8"), TypeError, r"dtype: expected int16 or int32"),
    (lambda: dsp.convert(x32, "nonsense"), TypeError, r"dtype"),
    (lambda: dsp.convert(x32, "int32", dither=True), ValueError,
     r"dither: applies to float -> int16"),
    (lambda: dsp.convert(np.zeros(4, np.int32), "int16", dither=True), ValueError,
     r"int32 -> int16"),
    (lambda: dsp.convert(x32, np.int16, out=x32.view(np.int16)[:, :2]), ValueError,
     r"C-contiguous|overlaps"),
    (lambda: dsp.copy(x32, [0]), TypeError, r"copy\(\) out: expected a numpy array"),
    (lambda: dsp.interleave(np.zeros(4, np.float32)), ValueError, r"\(channels, frames\)"),
    (lambda: dsp.deinterleave(x32, out=x32.reshape(2, 64)), ValueError, r"overlaps"),
]


@pytest.mark.parametrize("call, error, message", BAD_CALLS)
def test_bad_input_is_named(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_zero_length_is_valid_everywhere():
    empty = np.zeros((0, 2), np.float32)
    assert dsp.gain(empty, 2.0).shape == (0, 2)
    assert dsp.ramp(empty, 0.0, 1.0).shape == (0, 2)
    assert dsp.mix([empty, empty]).shape == (0, 2)
    assert dsp.pan(np.zeros(0, np.float32), 0.0).shape == (0, 2)
    assert dsp.peak(empty).tolist() == [0.0, 0.0] and dsp.rms(empty).tolist() == [0.0, 0.0]
    assert dsp.convert(empty, "int16").shape == (0, 2)
    assert dsp.interleave(np.zeros((2, 0), np.int16)).shape == (0, 2)
    assert dsp.peak(np.zeros((5, 0), np.float32)).shape == (0,)
