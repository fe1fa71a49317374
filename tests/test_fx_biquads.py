"""The cookbook biquads against scipy.signal.lfilter with the Audio EQ Cookbook's
coefficients computed here, and against their analytic magnitude responses; the effect
base's three uses (one-shot, streamed, chained) on them."""
import numpy as np
import pytest
from references import biquad_per_frame, cookbook
from scipy import signal

from pkaudio import fx

RATE = 48000


CLASSES = {"lowpass": fx.Lowpass, "highpass": fx.Highpass, "bandpass": fx.Bandpass,
           "notch": fx.Notch, "allpass": fx.Allpass, "peak": fx.Peak,
           "lowshelf": fx.LowShelf, "highshelf": fx.HighShelf}
GAINED = {"peak", "lowshelf", "highshelf"}


def make(kind, f0, q, gain_db=0.0, stages=1):
    if kind in GAINED:
        return CLASSES[kind](f0, q, gain_db, stages=stages)
    return CLASSES[kind](f0, q, stages=stages)


@pytest.fixture(scope="module")
def noise():
    return np.random.default_rng(7).standard_normal((9601, 3)).astype(np.float32)


@pytest.mark.parametrize("kind", list(CLASSES))
@pytest.mark.parametrize(("f0", "q", "gain_db"), [(1000, 0.7071, 6.0), (80, 2.0, -9.0),
                                                  (15000, 0.5, 12.0)])
def test_matches_lfilter_with_cookbook_coefficients(kind, f0, q, gain_db, noise):
    b, a = cookbook(kind, f0, q, gain_db)
    expected = signal.lfilter(b, a, noise.astype(np.float64), axis=0)
    got = make(kind, f0, q, gain_db)(noise, RATE)
    scale = np.abs(expected).max()
    np.testing.assert_allclose(got, expected, atol=2e-5 * scale + 1e-5)


@pytest.mark.parametrize("kind", list(CLASSES))
@pytest.mark.parametrize("stages", [1, 3])
def test_magnitude_response_is_the_formulas(kind, stages):
    impulse = np.zeros(1 << 15, np.float32)
    impulse[0] = 1
    response = make(kind, 2000, 1.5, 8.0, stages)(impulse, RATE)
    measured = np.abs(np.fft.rfft(response.astype(np.float64)))
    b, a = cookbook(kind, 2000, 1.5, 8.0)
    _, h = signal.freqz(b, a, worN=len(measured), whole=False, include_nyquist=True)
    np.testing.assert_allclose(measured, np.abs(h) ** stages, rtol=2e-3, atol=2e-5)


def test_stages_steepen_the_slope():
    impulse = np.zeros(1 << 14, np.float32)
    impulse[0] = 1
    one = np.abs(np.fft.rfft(fx.Lowpass(500)(impulse, RATE)))
    four = np.abs(np.fft.rfft(fx.Lowpass(500, stages=4)(impulse, RATE)))
    bin_4k = int(4000 / RATE * len(impulse))
    assert 20 * np.log10(four[bin_4k] / one[bin_4k]) == pytest.approx(
        3 * 20 * np.log10(one[bin_4k]), rel=1e-3)


def test_frequency_sweep_per_frame_matches_a_per_frame_reference():
    x = np.random.default_rng(3).standard_normal(3000)
    effect = fx.Lowpass(200, 0.9)
    effect.frequency.set(200, at=0)
    effect.frequency.exponential_ramp(8000, at=2999)
    got = effect(x.astype(np.float32), RATE)
    f = 200 * (8000 / 200) ** (np.arange(3000) / 2999)
    y = biquad_per_frame("lowpass", x, f, np.full(3000, 0.9))
    np.testing.assert_allclose(got, y, atol=1e-4)


@pytest.mark.parametrize("frames", [0, 1, 2, 257])
def test_awkward_lengths_and_mono(frames):
    x = np.linspace(-1, 1, frames)
    got = fx.Highpass(300)(x, RATE)
    assert got.shape == x.shape and got.dtype == np.float64
    b, a = cookbook("highpass", 300, 0.7071)
    np.testing.assert_allclose(got, signal.lfilter(b, a, x), atol=1e-5)


def test_tail_rings_out():
    x = np.zeros(10, np.float32)
    x[0] = 1
    effect = fx.Lowpass(100, 4.0)
    ringing = effect(x, RATE, tail=True)
    assert len(ringing) == 10 + effect.tail
    assert np.abs(ringing[-100:]).max() < 1e-5 < np.abs(ringing[: effect.tail // 2]).max()


def test_chain_and_mix_are_effects(noise):
    low, high = fx.Lowpass(500), fx.Highpass(500)
    chained = fx.Chain([low, high])(noise, RATE)
    expected = fx.Highpass(500)(fx.Lowpass(500)(noise, RATE), RATE)
    np.testing.assert_array_equal(chained, expected)
    mixed = fx.Mix([fx.Lowpass(500), fx.Gain(0.5)])(noise, RATE)
    np.testing.assert_allclose(mixed, fx.Lowpass(500)(noise, RATE) + 0.5 * noise, atol=1e-6)


def test_tails_are_at_most_ten_seconds():
    """Poles next to the unit circle (a high q near the Nyquist frequency; an SVF's tiny q
    at a low frequency; a ladder near self-oscillation) would ask for hours of tail: it is
    10 s at most, as for a filter that does not decay."""
    for effect, rate in ((fx.Allpass(q=965), 1000.001), (fx.Lowpass(1e6, 1000, stages=8), 8000),
                         (fx.SVF(1.5, 0.001), RATE), (fx.Ladder(453080, 0.94, 0.25), 44100.5)):
        effect.prepare(rate, 1)
        assert 0 < effect.tail <= 10 * rate, (effect, effect.tail)
    lowpass = fx.Lowpass(1000, 0.7071)
    lowpass.prepare(RATE, 1)
    assert lowpass.tail < RATE // 100  # (a plain filter's is short, as before)


def test_misuse_is_refused_clearly(noise):
    effect = fx.Lowpass(500)
    with pytest.raises(RuntimeError, match=r"Lowpass.process: call prepare"):
        effect.process(noise.copy())
    with pytest.raises(ValueError, match=r"Lowpass frequency: expected 1 .. 1e\+06"):
        fx.Lowpass(-5)
    with pytest.raises(ValueError, match="Lowpass stages: expected 1 .. 8"):
        fx.Lowpass(100, stages=9)
    with pytest.raises(TypeError, match="Lowpass: no parameter 'gain_dbx'"):
        fx.Effect.__init__(fx.Lowpass.__new__(fx.Lowpass), {"gain_dbx": 1})
    effect.prepare(RATE, 2)
    with pytest.raises(ValueError, match=r"Lowpass.process block: expected shape \(frames, 2\)"):
        effect.process(noise.copy())
    with pytest.raises(TypeError, match="Lowpass.process block: expected a writeable float32"):
        effect.process(noise[:, :2].astype(np.float64))
    with pytest.raises(TypeError, match=r"Lowpass\(\) x: expected dtype float32 or float64"):
        effect(np.zeros(10, np.int16), RATE)
    with pytest.raises(ValueError, match=r"prepare channels: expected a channel count \(1 .. 64"):
        effect.prepare(RATE, 65)
    chain = fx.Chain([effect])
    with pytest.raises(RuntimeError, match="Lowpass.process: Lowpass is part of Chain"):
        effect.process(noise[:, :2].copy())
    with pytest.raises(ValueError, match="Chain effects: .* already part of a group"):
        fx.Chain([effect])
    with pytest.raises(ValueError, match="Mix effects: an effect is listed twice"):
        fx.Mix([fx.Gain()] * 2)
    for not_effects in (1e39, np.array(0.5), "gain"):  # (a 0-d array claims to iterate)
        with pytest.raises(TypeError, match="Chain effects: expected an iterable of effects"):
            fx.Chain(not_effects)
    with pytest.raises(ValueError, match=r"Lowpass\(\) x channels: expected a channel count"):
        fx.Lowpass()(np.zeros((1, 65), np.float32), RATE)
    with pytest.raises(ValueError, match=r"Lowpass frequency: expected 1 .. 1e\+06, got 1e\+308"):
        fx.Lowpass(1e308)  # (beyond float32's range: refused, without an overflow warning)
    del chain


@pytest.mark.parametrize("channels", [1, 2, 5])
@pytest.mark.parametrize("blocks", [17, 509])
def test_streamed_equals_one_shot_for_any_channels(channels, blocks):
    x = np.random.default_rng(11).standard_normal((4000, channels)).astype(np.float32)
    effect = fx.LowShelf(300, 0.8, 4.0, stages=3)
    effect.frequency.set(300, at=1000)  # held, then moving, then held again
    effect.frequency.linear_ramp(2000, at=1500)
    effect.gain_db.set(-3.0, at=2560)  # where a one-shot call's block starts
    whole = effect(x, RATE)
    effect.prepare(RATE, channels)
    streamed = x.copy()
    for i in range(0, len(x), blocks):
        effect.process(streamed[i:i + blocks])
    np.testing.assert_array_equal(streamed, whole)
    b, a = cookbook("lowshelf", 300, 0.8, 4.0)
    section = np.concatenate([b, a]) / a[0]
    expected = signal.sosfilt(np.tile(section, (3, 1)), x[:1000].astype(float), axis=0)
    np.testing.assert_allclose(whole[:1000], expected, atol=1e-5)
