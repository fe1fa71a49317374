"""Distortion, Clip, Bitcrush and Pan against their formulas written in numpy."""
import numpy as np
import pytest

from pkaudio import dsp, fx

RATE = 48000
def noise(rng, frames, channels=1, scale=1.0):
    return (scale * rng.uniform(-1.0, 1.0, (frames, channels))).astype(np.float32)


def ramp(frames, v0, v1, start, end):
    """Web Audio's linear ramp: v0 until `start`, a straight line to v1 at `end`, then v1."""
    t = np.arange(frames)
    return np.where(t < start, v0, np.where(t >= end, v1,
                                            v0 + (v1 - v0) * (t - start) / (end - start)))


def crushed(x, bits):
    scale = (2.0 ** (np.asarray(bits, np.float64) - 1)).astype(np.float32)
    return np.floor(x * scale + np.float32(0.5)) / scale


# ---- formulas ----

@pytest.mark.parametrize(("drive_db", "mix"), [(25.0, 1.0), (0.0, 1.0), (-20.0, 1.0),
                                               (12.0, 0.3), (40.0, 0.0)])
def test_distortion_is_tanh_of_the_driven_input(rng, drive_db, mix):
    x = noise(rng, 4001, 2, 2.0)
    g = 10 ** (drive_db / 20)
    expected = (1 - mix) * x + mix * np.tanh(g * x.astype(np.float64))
    np.testing.assert_allclose(fx.Distortion(drive_db, mix)(x, RATE), expected, atol=2e-6)


def test_distortion_never_exceeds_one_when_wet(rng):
    x = noise(rng, 4001, 2, 100.0)
    assert np.max(np.abs(fx.Distortion(60.0)(x, RATE))) <= 1.0


def ulps_apart(a, b):
    """How many float32 values lie between a and b (0 where both are NaN)."""
    def key(v):
        i = np.asarray(v, np.float32).view(np.int32).astype(np.int64)
        return np.where(i < 0, -(i & 0x7FFFFFFF), i)
    return np.where(np.isnan(a) & np.isnan(b), 0, np.abs(key(a) - key(b)))


def test_distortion_tanh_is_within_one_ulp_over_the_float_range():
    # Every 257th float32, both signs, subnormals to the largest, infinities and NaNs among
    # them. At drive 0 dB and mix 1 the output is x + (tanh x - x) in float32, which is
    # tanh x itself wherever the subtraction is exact (|x| < 1.9): there within 1 ulp of
    # numpy's tanh. Beyond, numpy's tanh through the same two roundings is the reference,
    # and a 1-ulp difference in tanh may come out as a few (tanh x - x is coarser than
    # tanh x). Subnormals come in as 0 (the hosts flush them).
    x = np.arange(0, 2**32, 257, dtype=np.uint64).astype(np.uint32).view(np.float32)
    flushed = np.where(np.abs(x) < np.finfo(np.float32).tiny, np.float32(0), x)
    with np.errstate(invalid="ignore", over="ignore"):
        t = np.tanh(flushed.astype(np.float64)).astype(np.float32)
        expected = flushed + (t - flushed)
        y = fx.Distortion(0.0, 1.0)(x, RATE)
    exact = np.abs(x) < 1.9
    assert np.max(ulps_apart(y[exact], t[exact])) <= 1
    assert np.max(ulps_apart(y[~exact], expected[~exact])) <= 4
    assert np.array_equal(np.isnan(y), ~np.isfinite(x))  # inf + (1 - inf): NaN, as before
    specials = np.array([0.0, 9.02, -9.02, 1e30, 2.0**-126], np.float32)
    assert np.array_equal(fx.Distortion(0.0, 1.0)(specials, RATE),
                          [0.0, 1.0, -1.0, 0.0, 2.0**-126])


@pytest.mark.parametrize("threshold", [0.0, 0.25, 1.0, 5.0])
def test_clip_is_numpy_clip(rng, threshold):
    x = noise(rng, 3001, 3, 2.0)
    expected = np.clip(x, -np.float32(threshold), np.float32(threshold))
    assert np.array_equal(fx.Clip(threshold)(x, RATE), expected)


@pytest.mark.parametrize("bits", [1, 2, 4, 8, 12, 16, 24])
def test_bitcrush_rounds_to_whole_bit_levels(rng, bits):
    x = noise(rng, 5003, 2, 1.2)
    y = fx.Bitcrush(bits)(x, RATE)
    assert np.array_equal(y, crushed(x, bits))
    step = 2.0 ** (1 - bits)
    assert np.all(np.abs(y - x) <= step / 2 + 1e-7)
    assert len(np.unique(y[np.abs(x) < 0.999])) <= 2 ** bits + 1


def test_bitcrush_keeps_silence_silent():
    assert not np.any(fx.Bitcrush(1)(np.zeros(100, np.float32), RATE))


def test_bitcrush_with_fractional_bits(rng):
    x = noise(rng, 5003, 1)
    y = fx.Bitcrush(5.5)(x, RATE)
    expected = crushed(x, 5.5)
    # Float rounding may put a sample exactly on a boundary the other way: one step off, rarely.
    differ = y != expected
    assert np.mean(differ) < 1e-3
    assert np.all(np.abs(y - expected)[differ] <= 2.0 ** (1 - 5.5) * 1.0001)


@pytest.mark.parametrize("every", [2, 3, 7, 256])
def test_bitcrush_downsample_holds_frames_counted_from_the_start(rng, every):
    x = noise(rng, 2000, 2)
    effect = fx.Bitcrush(24, downsample=every)
    held = x[(np.arange(len(x)) // every) * every]
    assert np.array_equal(effect(x, RATE), crushed(held, 24))
    assert effect.downsample == every and effect.tail == every - 1


@pytest.mark.parametrize("position", [-1.0, -0.3, 0.0, 0.5, 0.7, 1.0])
def test_pan_of_stereo_uses_the_law_of_pan_gains(rng, position):
    x = noise(rng, 1001, 2)
    # The core holds the position as float32; the gains follow from that value.
    left, right = dsp.pan_gains(float(np.float32(position)))
    expected = x * np.array([left, right], np.float32)
    assert np.array_equal(fx.Pan(position)(x, RATE), expected)


def test_pan_is_constant_power_for_a_mono_source_made_stereo(rng):
    x = noise(rng, 1001, 1)
    for position in np.linspace(-1, 1, 9):
        y = fx.Pan(position)(np.repeat(x, 2, axis=1), RATE)
        np.testing.assert_allclose(np.sum(y.astype(np.float64) ** 2, axis=1), x[:, 0] ** 2,
                                   rtol=1e-6)
        np.testing.assert_allclose(y, dsp.pan(x[:, 0], position), rtol=1e-6)


def test_pan_of_other_channel_counts(rng):
    mono = noise(rng, 500, 1)
    assert np.array_equal(fx.Pan(0.7)(mono, RATE), mono)
    left, right = (np.float32(g) for g in dsp.pan_gains(float(np.float32(0.7))))
    for channels in (3, 4, 5, 64):
        x = noise(rng, 500, channels)
        y = fx.Pan(0.7)(x, RATE)
        pairs = channels // 2 * 2
        assert np.array_equal(y[:, 0:pairs:2], x[:, 0:pairs:2] * left)
        assert np.array_equal(y[:, 1:pairs:2], x[:, 1:pairs:2] * right)
        assert np.array_equal(y[:, pairs:], x[:, pairs:])


# ---- automation ----

def test_distortion_automation(rng):
    x = noise(rng, 3001, 2)
    effect = fx.Distortion(0.0, 1.0)
    effect.drive_db.set(0.0, at=500)
    effect.drive_db.linear_ramp(30.0, at=2500)
    effect.mix.set(1.0, at=1000)
    effect.mix.linear_ramp(0.5, at=1200)
    g = 10 ** (ramp(len(x), 0.0, 30.0, 500, 2500) / 20)[:, None]
    m = ramp(len(x), 1.0, 0.5, 1000, 1200)[:, None]
    expected = (1 - m) * x + m * np.tanh(g * x)
    np.testing.assert_allclose(effect(x, RATE), expected, atol=1e-5)


def test_clip_automation(rng):
    x = noise(rng, 3001, 2, 2.0)
    effect = fx.Clip(1.0)
    effect.threshold.set(1.0, at=300)
    effect.threshold.linear_ramp(0.1, at=2300)
    th = ramp(len(x), 1.0, 0.1, 300, 2300)[:, None]
    y = effect(x, RATE)
    np.testing.assert_allclose(y, np.clip(x, -th, th), atol=1e-6)


def test_bitcrush_automation(rng):
    x = noise(rng, 3001, 1)
    effect = fx.Bitcrush(12.0, downsample=3)
    effect.bits.set(12.0, at=1000)
    effect.bits.linear_ramp(2.0, at=2000)
    bits = np.array([effect.bits.value_at(t) for t in range(len(x))], np.float32)
    np.testing.assert_allclose(bits, ramp(len(x), 12.0, 2.0, 1000, 2000), atol=1e-5)
    held = x[(np.arange(len(x)) // 3) * 3]
    expected = crushed(held, bits[:, None])
    y = effect(x, RATE)
    differ = y != expected
    assert np.mean(differ) < 1e-3
    assert np.all(np.abs(y - expected)[differ] <= 2.0 ** (1 - bits[:, None][differ]) * 1.0001)


def test_pan_automation(rng):
    x = noise(rng, 3001, 2)
    effect = fx.Pan(-1.0)
    effect.pan.linear_ramp(1.0, at=3000)
    theta = (ramp(len(x), -1.0, 1.0, 0, 3000) + 1) * np.pi / 4
    expected = x * np.stack([np.cos(theta), np.sin(theta)], axis=1)
    np.testing.assert_allclose(effect(x, RATE), expected, atol=1e-6)


# ---- one node, any block size, any length, any channels ----

def test_no_latency_and_tails(rng):
    for effect in [fx.Distortion(), fx.Clip(), fx.Bitcrush(), fx.Pan()]:
        effect.prepare(RATE, 2)
        assert (effect.latency, effect.tail) == (0, 0)
    x = noise(rng, 10, 1)
    y = fx.Bitcrush(24, downsample=4)(x, RATE, tail=True)
    # Frame 8's sample is held through 11; frame 12 takes the silence after x.
    assert len(y) == 13 and np.all(y[10:12] == crushed(x[8], 24)) and y[12] == 0


def test_defaults():
    assert fx.Distortion().drive_db.value == 25.0 and fx.Distortion().mix.value == 1.0
    assert fx.Clip().threshold.value == 1.0
    assert fx.Bitcrush().bits.value == 8.0 and fx.Bitcrush().downsample == 1
    assert fx.Pan().pan.value == 0.0


# ---- bad input ----

@pytest.mark.parametrize(("make", "error", "words"), [
    (lambda: fx.Distortion(drive_db=200.0), ValueError, "Distortion drive_db"),
    (lambda: fx.Distortion(mix=1.5), ValueError, "Distortion mix"),
    (lambda: fx.Distortion(mix="wet"), TypeError, "Distortion mix"),
    (lambda: fx.Clip(-1.0), ValueError, "Clip threshold"),
    (lambda: fx.Bitcrush(0.5), ValueError, "Bitcrush bits"),
    (lambda: fx.Bitcrush(25), ValueError, "Bitcrush bits"),
    (lambda: fx.Bitcrush(downsample=0), ValueError, "Bitcrush downsample"),
    (lambda: fx.Bitcrush(downsample=2.5), ValueError, "Bitcrush downsample"),
    (lambda: fx.Bitcrush(downsample=300), ValueError, "Bitcrush downsample"),
    (lambda: fx.Bitcrush(downsample="4"), TypeError, "Bitcrush downsample"),
    (lambda: fx.Pan(1.5), ValueError, "Pan pan"),
    (lambda: fx.Pan(float("inf")), ValueError, "Pan pan"),
])
def test_bad_arguments_are_named(make, error, words):
    with pytest.raises(error, match=words):
        make()


def test_bad_automation_values_are_named():
    pan = fx.Pan()
    with pytest.raises(ValueError, match="pan.linear_ramp value"):
        pan.pan.linear_ramp(-2.0, at=10)
    crush = fx.Bitcrush()
    with pytest.raises(ValueError, match="bits.value"):
        crush.bits = 30
    with pytest.raises(TypeError, match="Bitcrush.process block"):
        crush.prepare(RATE, 1)
        crush.process(np.zeros(10, np.float64))


def test_bitcrush_on_a_bus_holds_frames_counted_in_engine_frames(rng):
    from pkaudio import Engine
    from pkaudio.graph import FADE

    x = noise(rng, 1000, 2)
    engine = Engine(RATE, 2)
    bus = engine.bus("crushed")
    bus.add(fx.Bitcrush(24, downsample=4))
    start = round(FADE * RATE) + 1001  # past the fade-in, not a multiple of 4
    engine.render(start)
    engine.play(x, at=start, bus=bus)
    out = np.concatenate([engine.render(n) for n in (1, 63, 75, 256, 300, 305)])
    frames = np.arange(start, start + len(x))
    held = np.concatenate([np.zeros((start, 2), np.float32), x])[(frames // 4) * 4]
    assert np.array_equal(out, crushed(held, 24))
