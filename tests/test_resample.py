"""The resampler against independent references: exact frame counts from the rates as fractions,
analytic tones evaluated at the output times, and the one-shot result for every chunking."""
import gc
import threading
import weakref
from fractions import Fraction

import numpy as np
import pytest

from pkaudio import dsp
from pkaudio.dsp import Resampler, resample

QUALITIES = ["quick", "low", "medium", "high", "very_high"]
RATE_PAIRS = [(44100, 48000), (48000, 44100), (8000, 192000), (192000, 8000), (1, 1.9999),
              (1, 0.456789), (44100, 44100), (96000, 32000)]


def expected_frames(frames, in_rate, out_rate):
    """floor(frames * out / in + 1/2), in exact arithmetic."""
    ratio = Fraction(out_rate).limit_denominator(10**6) / Fraction(in_rate).limit_denominator(
        10**6)
    return int(frames * ratio + Fraction(1, 2))


def tone(frames, freq, rate, channels=None, dtype=np.float32, phase=0.0):
    t = np.arange(frames) / rate
    x = 0.5 * np.sin(2 * np.pi * freq * t + phase)
    if channels is not None:
        x = np.stack([x] * channels, axis=1)
    return x.astype(dtype)


def amplitude(y, freq, rate, start):
    """Amplitude of the sinusoid at freq that best fits y, whose first frame is at start/rate
    (least squares: exact for any number of periods)."""
    t = (start + np.arange(len(y))) / rate
    basis = np.stack([np.sin(2 * np.pi * freq * t), np.cos(2 * np.pi * freq * t)], axis=1)
    return np.hypot(*np.linalg.lstsq(basis, np.asarray(y, np.float64), rcond=None)[0])


def snr_db(y, reference):
    noise = np.asarray(y, np.float64) - reference
    return 10 * np.log10(np.sum(reference**2) / np.sum(noise**2))


def chunked(resampler, x, size):
    pieces = [resampler.process(x[i:i + size]) for i in range(0, len(x), size)]
    pieces.append(resampler.process(x[:0], last=True))
    return np.concatenate(pieces)


# ---- lengths and timing ----

@pytest.mark.parametrize("in_rate,out_rate", RATE_PAIRS)
@pytest.mark.parametrize("frames", [0, 1, 2, 17, 1000, 44101])
def test_frame_count_is_rounded_ratio(in_rate, out_rate, frames):
    x = np.zeros(frames, np.float32)
    assert len(resample(x, in_rate, out_rate, quality="low")) == expected_frames(
        frames, in_rate, out_rate)


@pytest.mark.parametrize("rate", [8000, 11025, 22050, 32000, 44100, 48000, 88200, 96000,
                                  176400, 192000, 384000])
def test_counts_for_every_common_rate_pair(rate):
    for other in (8000, 44100, 48000, 384000):
        if 1 / 256 <= other / rate <= 256:
            x = np.zeros(12345, np.float32)
            assert len(resample(x, rate, other, quality="quick")) == expected_frames(
                12345, rate, other)


@pytest.mark.parametrize("quality", QUALITIES)
@pytest.mark.parametrize("in_rate,out_rate", [(48000, 44100), (44100, 48000), (1, 1.001),
                                              (1, 3.0), (1, 0.3), (1, 1.9999)])
def test_output_is_the_input_at_output_times(quality, in_rate, out_rate):
    """Delay-compensated: output frame k is the input tone at time k / out_rate."""
    rate = 48000.0
    freq = 1000.0 if quality != "quick" else 200.0
    x = tone(20000, freq, rate)
    y = resample(x, rate * in_rate, rate * out_rate, quality=quality)
    scale = out_rate / in_rate
    k = np.arange(len(y))
    reference = 0.5 * np.sin(2 * np.pi * freq * k / (rate * scale))
    edge = int(600 * max(scale, 1 / scale))  # the filter's run-in and run-out at the ends
    floor = {"quick": 60, "low": 65, "medium": 95, "high": 125, "very_high": 135}[quality]
    assert snr_db(y[edge:-edge], reference[edge:-edge]) > floor


# ---- streaming ----

@pytest.mark.parametrize("in_rate,out_rate", [(44100, 48000), (48000, 44100), (1, 1.9999)])
@pytest.mark.parametrize("chunk", [1, 17, 509, 44100])
@pytest.mark.parametrize("frames", [0, 1, 508, 509, 510, 3001])
def test_chunked_equals_one_shot(in_rate, out_rate, chunk, frames, rng):
    x = rng.uniform(-1, 1, (frames, 2)).astype(np.float32)
    whole = resample(x, in_rate, out_rate, quality="medium")
    parts = chunked(Resampler(in_rate, out_rate, 2, quality="medium"), x, chunk)
    np.testing.assert_array_equal(parts, whole)


@pytest.mark.parametrize("quality", QUALITIES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_chunked_equals_one_shot_every_quality(quality, dtype, rng):
    x = rng.uniform(-1, 1, (7919, 3)).astype(dtype)
    whole = resample(x, 48000, 44100, quality=quality)
    assert whole.dtype == dtype
    sizes = iter(rng.integers(0, 700, 1000))
    r = Resampler(48000, 44100, 3, quality=quality, dtype=dtype)
    pieces, start = [], 0
    while start < len(x):
        size = int(next(sizes))
        pieces.append(r.process(x[start:start + size]))
        start += size
    pieces.append(r.process(x[:0], last=True))
    np.testing.assert_array_equal(np.concatenate(pieces), whole)


@pytest.mark.parametrize("quality", ["quick", "low"])
@pytest.mark.parametrize("ratio", [1 / 12, 1 / 200])
def test_steps_longer_than_the_window_keep_the_length(quality, ratio, rng):
    """With a step longer than half the filter, outputs whose window is in may still lie past
    the stream's last output: a chunk must not return them."""
    x = rng.uniform(-1, 1, 100060).astype(np.float32)
    r = Resampler(1, 1, quality=quality)
    r.ratio = ratio
    streamed = np.concatenate([r.process(x), r.process(x[:0], last=True)])
    r.reset()
    assert len(streamed) == len(r.process(x, last=True)) == round(len(x) * ratio)
    y = resample(np.zeros(1000, np.float32), 48000, 4000, quality="quick")
    s = Resampler(48000, 4000, quality="quick")
    assert len(np.concatenate([s.process(np.zeros(1000, np.float32)),
                               s.process(x[:0], last=True)])) == len(y) == 83


def test_long_input_goes_through_in_pieces(rng):
    """Inputs past 2^22 frames reach the core in pieces: the same frames as in chunks."""
    x = rng.uniform(-1, 1, (1 << 22) + 1017).astype(np.float32)
    whole = resample(x, 44100, 48000, quality="low")
    assert len(whole) == expected_frames(len(x), 44100, 48000)
    np.testing.assert_array_equal(whole, chunked(Resampler(44100, 48000, quality="low"), x,
                                                 1 << 20))


@pytest.mark.parametrize("variable", [False, True])
def test_outputs_come_as_soon_as_they_are_ready(variable):
    """At ratio 1, output k is ready once input frame k + delay is in; exact-ratio outputs come
    in pairs (the first waits for the second), variable-ratio ones one by one."""
    r = Resampler(48000, 48000, 1)
    if variable:
        r.ratio = 1.0
    total = 0
    for n in range(1, 400):
        total += len(r.process(np.zeros(1, np.float32)))
        ready = max(0, n - r.delay)
        assert total == (ready if variable else ready - ready % 2), n
    assert total + len(r.process(np.zeros(0, np.float32), last=True)) == 399


def test_reset_starts_a_new_stream(rng):
    x = rng.uniform(-1, 1, 5000).astype(np.float32)
    r = Resampler(44100, 48000)
    first = r.process(x, last=True)
    with pytest.raises(RuntimeError, match="reset"):
        r.process(x)
    r.reset()
    np.testing.assert_array_equal(r.process(x, last=True), first)


def test_mono_shapes(rng):
    x = rng.uniform(-1, 1, 1000).astype(np.float32)
    assert resample(x, 2, 3).shape == (1500,)
    assert resample(x[:, None], 2, 3).shape == (1500, 1)
    np.testing.assert_array_equal(resample(x[:, None], 2, 3)[:, 0], resample(x, 2, 3))


@pytest.mark.parametrize("channels", [1, 2, 3, 6, 8])
def test_channels_are_independent(channels, rng):
    x = rng.uniform(-1, 1, (3000, channels)).astype(np.float32)
    y = resample(x, 44100, 48000)
    for c in range(channels):
        np.testing.assert_array_equal(y[:, c], resample(np.ascontiguousarray(x[:, c]),
                                                        44100, 48000))


@pytest.mark.parametrize("quality", QUALITIES)
def test_equal_rates_pass_the_samples_unchanged(quality, rng):
    x = rng.uniform(-1, 1, (4000, 2)).astype(np.float32)
    np.testing.assert_array_equal(resample(x, 48000, 48000, quality=quality), x)


# ---- quality targets (the figures; see bench/run.py resample for the full report) ----

def test_high_snr_and_aliasing_at_48k_to_44k1():
    x = tone(96000, 1000.0, 48000)
    y = resample(x, 48000, 44100)
    k = np.arange(len(y))
    reference = 0.5 * np.sin(2 * np.pi * 1000 * k / 44100)
    assert snr_db(y[1000:-1000], reference[1000:-1000]) >= 130


@pytest.mark.parametrize("in_rate,out_rate", [(48000, 44100), (192000, 8000), (96000, 44100)])
@pytest.mark.parametrize("variable", [False, True])
def test_high_aliasing(in_rate, out_rate, variable):
    """A full-scale tone at 23/22.05 of the output's Nyquist frequency (23 kHz at 48k ->
    44.1k) is all alias: what comes out must stay below -130 dBFS."""
    freq = out_rate / 2 * 23000 / 22050
    x = tone(in_rate, freq, in_rate) * 2
    r = Resampler(in_rate, out_rate)
    if variable:
        r.ratio = out_rate / in_rate
    y = r.process(x, last=True)
    edge = len(y) // 10
    assert 20 * np.log10(np.max(np.abs(y[edge:-edge]))) < -130


@pytest.mark.parametrize("in_rate,out_rate", [(192000, 8000), (8000, 192000)])
def test_high_snr_for_large_factors(in_rate, out_rate):
    low = min(in_rate, out_rate)
    freq = low / 48  # 1 kHz at 48k, scaled
    x = tone(in_rate * 2, freq, in_rate)
    y = resample(x, in_rate, out_rate)
    k = np.arange(len(y))
    reference = 0.5 * np.sin(2 * np.pi * freq * k / out_rate)
    edge = len(y) // 8
    assert snr_db(y[edge:-edge], reference[edge:-edge]) >= 130


@pytest.mark.parametrize("in_rate,out_rate", [(48000, 44100), (44100, 48000), (192000, 8000),
                                              (8000, 192000)])
def test_high_is_flat_to_20k(in_rate, out_rate):
    """Flat within 0.01 dB up to 20 kHz of 22.05 (at 44.1k), and at the same fraction of the
    lower Nyquist frequency for other rates."""
    top = min(in_rate, out_rate) / 2 * 20000 / 22050
    for f in (top / 1000, top / 20, top / 2, top):
        x = tone(2 * in_rate, f, in_rate, dtype=np.float64)
        y = resample(x, in_rate, out_rate)
        edge = len(y) // 10
        gain = amplitude(y[edge:-edge], f, out_rate, edge) / 0.5
        assert abs(20 * np.log10(gain)) < 0.01, f


def test_very_high_snr_and_passband():
    x = tone(96000, 1000.0, 48000, dtype=np.float64)
    y = resample(x, 48000, 44100, quality="very_high")
    k = np.arange(len(y))
    reference = 0.5 * np.sin(2 * np.pi * 1000 * k / 44100)
    assert snr_db(y[2000:-2000], reference[2000:-2000]) >= 145
    f = 0.94 * 22050
    y = resample(tone(96000, f, 48000, dtype=np.float64), 48000, 44100, quality="very_high")
    assert abs(20 * np.log10(amplitude(y[5000:-5000], f, 44100, 5000) / 0.5)) < 0.1


def test_quick_reproduces_straight_lines():
    x = np.linspace(-1, 1, 1001)
    y = resample(x, 1000, 3000, quality="quick")
    t = np.arange(len(y)) / 3.0
    inside = (t >= 1) & (t <= 998)
    np.testing.assert_allclose(y[inside], -1 + 2 * t[inside] / 1000, atol=1e-12)


# ---- variable ratio ----

def test_ratio_change_is_continuous():
    """A tone through a ratio that steps mid-stream: each output is the tone at the input time
    reached by summing the steps so far (no click, no jump)."""
    rate, freq = 48000.0, 500.0
    x = tone(60000, freq, rate, dtype=np.float64)
    r = Resampler(rate, rate, 1, dtype="float64")
    pieces, steps = [], []
    for i, ratio in enumerate([1.0, 0.7, 1.3, 1.0001, 2.0]):
        r.ratio = ratio
        piece = r.process(x[i * 12000:(i + 1) * 12000])
        pieces.append(piece)
        steps += [1 / r.ratio] * len(piece)
    y = np.concatenate(pieces)
    times = np.concatenate([[0.0], np.cumsum(steps)[:-1]])
    reference = 0.5 * np.sin(2 * np.pi * freq * times / rate)
    assert snr_db(y[200:], reference[200:]) > 150  # a time jump of 1e-6 frame would fail


def test_ratio_with_small_denominator_keeps_time():
    """A ratio of 0.7 steps 10/7 frames: the time reached before the change must not be
    rounded to sevenths of a frame."""
    x = tone(20000, 300.0, 48000, dtype=np.float64)
    r = Resampler(48000, 48000, dtype="float64")
    r.ratio = 1 / 1.0000123
    first = r.process(x[:5000])
    times = np.arange(len(first)) * 1.0000123
    r.ratio = 0.7
    second = r.process(x[5000:])
    times = np.concatenate([times, times[-1] + 1.0000123 + np.arange(len(second)) / 0.7])
    reference = 0.5 * np.sin(2 * np.pi * 300.0 * times / 48000)
    assert snr_db(np.concatenate([first, second])[500:], reference[500:]) > 150


def test_ratio_sets_length():
    r = Resampler(1, 1)
    r.ratio = 1.5
    assert r.ratio == 1.5
    y = r.process(np.zeros(100000, np.float32), last=True)
    assert len(y) == 150000


def test_ratio_from_table_mode_keeps_time(rng):
    """Switching a fixed-ratio stream to variable mode at the same ratio leaves the output on
    the same times, exactly: only the coefficient interpolation differs."""
    x = rng.uniform(-1, 1, 20000)
    fixed = resample(x, 44100, 48000, quality="high")
    r = Resampler(44100, 48000, dtype="float64")
    first = r.process(x[:7000])
    r.ratio = 48000 / 44100
    rest = r.process(x[7000:], last=True)
    assert len(first) + len(rest) == len(fixed)
    np.testing.assert_array_equal(first, fixed[:len(first)])
    np.testing.assert_allclose(rest, fixed[len(first):], atol=1e-7)


# ---- bad input ----

@pytest.mark.parametrize("rate", [0, -44100, float("nan"), float("inf")])
def test_bad_rates(rate):
    with pytest.raises(ValueError, match="Resampler in_rate: expected .*, got"):
        Resampler(rate, 48000)
    with pytest.raises(ValueError, match="Resampler out_rate: expected .*, got"):
        resample(np.zeros(10, np.float32), 48000, rate)


def test_bad_arguments():
    with pytest.raises(TypeError, match="expected a number"):
        Resampler("44100", 48000)
    with pytest.raises(ValueError, match="1/256 .. 256"):
        Resampler(1000, 384000)
    with pytest.raises(ValueError, match="quality"):
        Resampler(44100, 48000, quality="best")
    with pytest.raises(ValueError, match="channels"):
        Resampler(44100, 48000, 0)
    with pytest.raises(TypeError, match="dtype"):
        Resampler(44100, 48000, dtype="int16")
    r = Resampler(44100, 48000)
    with pytest.raises(ValueError, match="1/256 .. 256"):
        r.ratio = 1000
    with pytest.raises(ValueError, match="Resampler.ratio: expected a finite number, got nan"):
        r.ratio = float("nan")
    with pytest.raises(TypeError, match="Resampler.ratio: expected a number, got str"):
        r.ratio = "2"


def test_bad_chunks():
    r = Resampler(44100, 48000, 2)
    with pytest.raises(ValueError, match=r"expected shape \(frames, 2\), got float32 array "
                                         r"shaped \(10, 3\)"):
        r.process(np.zeros((10, 3), np.float32))
    with pytest.raises(ValueError, match=r"\(frames, 2\)"):
        r.process(np.zeros(10, np.float32))
    with pytest.raises(TypeError, match="expected dtype float32, the Resampler's, got float64"):
        r.process(np.zeros((10, 2)))
    with pytest.raises(TypeError, match="float32 or float64"):
        r.process(np.zeros((10, 2), np.int16))
    with pytest.raises(TypeError, match="numpy array"):
        r.process([[0.0, 0.0]])
    with pytest.raises(ValueError, match="shape"):
        resample(np.zeros((2, 2, 2), np.float32), 1, 2)
    # After refusals, the stream goes on as if they never happened.
    assert r.process(np.zeros((0, 2), np.float32), last=True).shape == (0, 2)


# ---- threads and lifetime ----

def test_threads_match_serial(rng):
    inputs = [rng.uniform(-1, 1, (50000, 2)).astype(np.float32) for _ in range(4)]
    serial = [resample(x, 44100, 48000) for x in inputs]
    results = [None] * 4

    def work(i):
        results[i] = chunked(Resampler(44100, 48000, 2), inputs[i], 4096)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for got, want in zip(results, serial, strict=True):
        np.testing.assert_array_equal(got, want)


def test_resampler_is_collected():
    r = Resampler(44100, 48000, 2)
    r.process(np.zeros((1000, 2), np.float32))
    ref = weakref.ref(r)
    del r
    gc.collect()
    assert ref() is None


def test_exported():
    assert dsp.resample is resample and "Resampler" in dsp.__all__
