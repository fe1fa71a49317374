"""Delay, Chorus, Flanger and Phaser against numpy references of their difference equations
(computed here, frame by frame, in float64), sample-exact echoes, and the same output
whatever the block size."""
import math

import numpy as np
import pytest

from pkaudio import fx

SR = 48000


def noise(frames, channels, seed=7, scale=0.5):
    return (np.random.default_rng(seed).uniform(-1, 1, (frames, channels)) * scale).astype(
        np.float32)


def band_limited(frames, channels, sr=SR, seed=3):
    """Sines well below Nyquist (where interpolation is accurate), random phases."""
    rng = np.random.default_rng(seed)
    t = np.arange(frames)[:, None] / sr
    out = np.zeros((frames, channels))
    for f in (110.0, 440.0, 1234.0, 3000.0):
        out += 0.2 * np.sin(2 * np.pi * f * t + rng.uniform(0, 2 * np.pi, channels))
    return out.astype(np.float32)


def values(param, frames):
    """A parameter's per-frame values, as the core computes them."""
    return np.array([param.value_at(t) for t in range(frames)], np.float64)


# ---- references ----

def tap(d):
    """fx_delayline.h's read at d frames (d >= 1): (first delay, four weights)."""
    if d < 2.0:
        return 1, (2.0 - d, d - 1.0, 0.0, 0.0)
    j = int(d) - 1
    p = d - j
    return j, (-(p - 1) * (p - 2) * (p - 3) / 6, p * (p - 2) * (p - 3) / 2,
               -p * (p - 1) * (p - 3) / 2, p * (p - 1) * (p - 2) / 6)


def read(line, n, d):
    j, h = tap(d)
    return sum(h[k] * line[n - j - k] for k in range(4) if n - j - k >= 0)


def delay_reference(x, sr, time, feedback, mix, most, ping_pong=False):
    frames, channels = x.shape
    v, y = np.zeros((frames, channels)), np.zeros((frames, channels))
    for n in range(frames):
        d = min(max(time[n] * sr, 1.0), most)
        w = [read(v[:, c], n, d) for c in range(channels)]
        for c in range(channels):
            if ping_pong:
                v[n, c] = (x[n].mean() if c == 0 else 0.0) + feedback[n] * w[c - 1]
            else:
                v[n, c] = x[n, c] + feedback[n] * w[c]
            y[n, c] = (1 - mix[n]) * x[n, c] + mix[n] * w[c]
    return y


def lfo_phase(rate, sr):
    return np.concatenate([[0.0], np.cumsum(rate / sr)])[:-1] % 1.0


def sweep_reference(x, sr, rate, depth, centre, feedback, mix, most, voices=1, spread=0.25):
    frames, channels = x.shape
    phase = lfo_phase(rate, sr)
    v, y = np.zeros((frames, channels)), np.zeros((frames, channels))
    for n in range(frames):
        for c in range(channels):
            wet = 0.0
            for k in range(voices):
                lfo = math.sin(2 * math.pi * (phase[n] + k / voices + c * spread))
                d = min(max((centre[n] + depth[n] * lfo) * sr, 1.0), most)
                wet += read(v[:, c], n, d)
            wet /= voices
            v[n, c] = x[n, c] + feedback[n] * wet
            y[n, c] = (1 - mix[n]) * x[n, c] + mix[n] * wet
    return y


def phaser_reference(x, sr, rate, depth, centre, feedback, mix, stages, spread=0.25):
    frames, channels = x.shape
    phase = lfo_phase(rate, sr)
    state, last = np.zeros((stages, channels)), np.zeros(channels)
    y = np.zeros((frames, channels))
    for n in range(frames):
        for c in range(channels):
            lfo = math.sin(2 * math.pi * (phase[n] + c * spread))
            f = min(max(centre[n] * 2.0 ** (depth[n] * lfo), 1.0), 0.49 * sr)
            t = math.tan(math.pi * f / sr)
            a = (t - 1) / (t + 1)
            u = x[n, c] + feedback[n] * last[c]
            for k in range(stages):
                out = a * u + state[k, c]
                state[k, c] = u - a * out
                u = out
            last[c] = u
            y[n, c] = (1 - mix[n]) * x[n, c] + mix[n] * u
    return y


def held(value, frames):
    return np.full(frames, float(np.float32(value)))


def most_frames(effect, sr):
    names = ("centre_delay", "depth")
    return math.ceil(sum(effect.params[k].high for k in names) * sr) + 1


# ---- Delay ----

@pytest.mark.parametrize("sr, frames", [(48000, 100), (44100, 4410), (48000, 1), (1000, 37)])
def test_delay_of_whole_frames_is_sample_exact(sr, frames):
    """An impulse comes back exactly `frames` later, times mix, then times feedback each
    pass; nothing in between (time as float32 seconds rounds to the whole frame count)."""
    x = np.zeros(12 * frames + 5, np.float32)
    x[3] = 1.0
    y = fx.Delay(frames / sr, feedback=0.5, mix=0.25)(x, sr)
    expected = np.zeros_like(x)
    expected[3] = 0.75
    for k in range(1, (len(x) - 4) // frames + 1):
        expected[3 + k * frames] = 0.25 * 0.5 ** (k - 1)
    np.testing.assert_array_equal(y, expected)


def test_delay_of_no_time_is_one_frame():
    x = np.zeros(8, np.float32)
    x[0] = 1.0
    np.testing.assert_array_equal(fx.Delay(0.0, mix=1.0)(x, SR), np.eye(8, dtype=np.float32)[1])


@pytest.mark.parametrize("frames", [1.3, 1.75, 2.5, 10.37, 123.9])
def test_fractional_delay_matches_the_interpolation_formula(frames):
    x = band_limited(1200, 2)
    effect = fx.Delay(frames / SR, feedback=0.6, mix=0.7)
    y = effect(x, SR)
    n = len(x)
    expected = delay_reference(x.astype(np.float64), SR, values(effect.time, n),
                               held(0.6, n), held(0.7, n), 2 * SR)
    np.testing.assert_allclose(y, expected, atol=2e-6)


def test_fractional_delay_is_close_to_the_ideal_delay():
    """Of a low sine, the interpolated read is the sine shifted by the fractional time."""
    d, f = 20.4, 500.0
    t = np.arange(4000)
    x = np.sin(2 * np.pi * f * t / SR).astype(np.float32)
    y = fx.Delay(d / SR, mix=1.0)(x, SR)
    ideal = np.sin(2 * np.pi * f * (t - d) / SR)
    np.testing.assert_allclose(y[100:], ideal[100:], atol=1e-4)


def test_ping_pong_echoes_alternate_left_and_right():
    x = np.zeros((70, 2), np.float32)
    x[0] = [1.0, 0.0]  # hard left; its echoes still bounce
    y = fx.Delay(10 / SR, feedback=0.5, mix=1.0, ping_pong=True)(x, SR)
    expected = np.zeros_like(x)
    for k in range(1, 7):
        expected[10 * k, (k - 1) % 2] = 0.5 * 0.5 ** (k - 1)
    np.testing.assert_array_equal(y, expected)


def test_ping_pong_goes_round_three_channels():
    x = np.zeros((50, 3), np.float32)
    x[0] = 1.0
    y = fx.Delay(5 / SR, feedback=0.5, mix=1.0, ping_pong=True)(x, SR)
    hits = [(int(f), int(c)) for f, c in zip(*np.nonzero(y), strict=True)]
    assert hits[:6] == [(5, 0), (10, 1), (15, 2), (20, 0), (25, 1), (30, 2)]
    x = noise(500, 3)
    e = fx.Delay(7.5 / SR, feedback=-0.8, mix=0.6, ping_pong=True)
    expected = delay_reference(x.astype(np.float64), SR, values(e.time, 500), held(-0.8, 500),
                               held(0.6, 500), 2 * SR, ping_pong=True)
    np.testing.assert_allclose(e(x, SR), expected, atol=3e-6)


def test_delay_time_automation_follows_the_reference_and_stays_continuous():
    n, f0 = 3000, 300.0
    x = np.sin(2 * np.pi * f0 * np.arange(n) / SR).astype(np.float32)[:, None]
    effect = fx.Delay(0.002, mix=1.0)
    effect.time.set(0.002, at=0)
    effect.time.linear_ramp(0.004, at=1500)  # the read slows to half speed
    effect.time.linear_ramp(0.001, at=2500)  # and then runs ahead, 4x
    y = effect(x, SR)
    expected = delay_reference(x.astype(np.float64), SR, values(effect.time, n), held(0, n),
                               held(1, n), 2 * SR)
    np.testing.assert_allclose(y, expected, atol=2e-6)
    # No step beyond what the sine's slope allows at the read's speed (1 - dd/dn <= 4).
    slope = 2 * np.pi * f0 / SR
    assert np.abs(np.diff(y[200:, 0])).max() <= 4 * slope * 1.01
    # Where the time jumps instead, the output does step.
    jump = fx.Delay(0.002, mix=1.0)
    jump.time.set(0.004, at=1000)
    assert np.abs(np.diff(jump(x, SR)[200:, 0])).max() > 10 * slope


def test_delay_feedback_and_mix_automation():
    n = 2000
    x = noise(n, 2)
    effect = fx.Delay(33.3 / SR, feedback=0.2)
    effect.feedback.set(0.2, at=0)
    effect.feedback.linear_ramp(-0.9, at=1500)
    effect.mix.set(0.1, at=0)
    effect.mix.linear_ramp(1.0, at=n)
    expected = delay_reference(x.astype(np.float64), SR, values(effect.time, n),
                               values(effect.feedback, n), values(effect.mix, n), 2 * SR)
    np.testing.assert_allclose(effect(x, SR), expected, atol=3e-6)


def test_delay_time_is_held_at_max_time():
    x = np.zeros(200, np.float32)
    x[0] = 1.0
    effect = fx.Delay(0.02, mix=1.0, max_time=0.05)
    effect.time.set(0.2, at=0)
    y = effect(x, 1000)
    assert np.nonzero(y)[0].tolist() == [50] and effect.max_time == 0.05


def test_delay_tail_reaches_minus_120_db():
    sr = 1000
    effect = fx.Delay(0.01, feedback=0.5, mix=1.0)
    x = np.zeros(1, np.float32)
    x[0] = 1.0
    effect.prepare(sr, 1)
    assert effect.latency == 0
    assert effect.tail == 12 * 21  # a pass, and 20 more until 0.5**k < 1e-6
    y = effect(x, sr, tail=True)
    assert len(y) == 1 + effect.tail
    longer = effect(np.concatenate([x, np.zeros(2000, np.float32)]), sr)
    assert np.abs(longer[len(y):]).max() < 1e-6


def test_no_feedback_tail_is_about_one_echo():
    effect = fx.Delay(0.1, feedback=0.0)
    effect.prepare(SR, 2)
    assert 0.1 * SR < effect.tail < 0.1 * SR + 10


# ---- Chorus, Flanger, Phaser: references ----

def test_chorus_matches_the_reference():
    n = 2500
    x = noise(n, 2)
    effect = fx.Chorus(rate=3.0, depth=0.003, centre_delay=0.008, feedback=0.3, mix=0.6,
                       voices=3, spread=0.3)
    expected = sweep_reference(x.astype(np.float64), SR, held(3, n), held(0.003, n),
                               held(0.008, n), held(0.3, n), held(0.6, n),
                               most_frames(effect, SR), voices=3, spread=0.3)
    np.testing.assert_allclose(effect(x, SR), expected, atol=1e-5)


def test_chorus_automation_matches_the_reference():
    """Rate, depth and centre_delay moving frame by frame; the LFO's phase integrates the
    rate."""
    n = 3000
    x = band_limited(n, 2)
    effect = fx.Chorus(rate=2.0, depth=0.002, centre_delay=0.006, mix=0.5)
    effect.rate.set(2.0, at=0)
    effect.rate.exponential_ramp(40.0, at=n)
    effect.depth.set(0.0, at=0)
    effect.depth.linear_ramp(0.004, at=2000)
    effect.centre_delay.set(0.006, at=0)
    effect.centre_delay.linear_ramp(0.003, at=n)
    effect.feedback.set(-0.5, at=1000)
    expected = sweep_reference(
        x.astype(np.float64), SR, values(effect.rate, n), values(effect.depth, n),
        values(effect.centre_delay, n), values(effect.feedback, n), values(effect.mix, n),
        most_frames(effect, SR), voices=2)
    np.testing.assert_allclose(effect(x, SR), expected, atol=1e-5)


def test_flanger_matches_the_reference_through_short_delays():
    """depth beyond centre_delay: the delay is held at 1 frame at the bottom of the sweep."""
    n = 3000
    x = noise(n, 3)
    effect = fx.Flanger(rate=20.0, depth=0.001, centre_delay=0.0008, feedback=0.9, mix=0.5)
    effect.rate.set(20.0, at=0)
    effect.rate.linear_ramp(5.0, at=n)
    expected = sweep_reference(x.astype(np.float64), SR, values(effect.rate, n),
                               held(0.001, n), held(0.0008, n), held(0.9, n), held(0.5, n),
                               most_frames(effect, SR))
    np.testing.assert_allclose(effect(x, SR), expected, atol=3e-5)


def test_phaser_matches_the_reference():
    n = 3000
    x = noise(n, 2)
    effect = fx.Phaser(rate=4.0, depth=2.0, centre=800.0, feedback=0.7, mix=0.5, stages=4)
    expected = phaser_reference(x.astype(np.float64), SR, held(4, n), held(2, n),
                                held(800, n), held(0.7, n), held(0.5, n), 4)
    np.testing.assert_allclose(effect(x, SR), expected, atol=1e-5)


def test_phaser_automation_matches_the_reference():
    n = 3000
    x = band_limited(n, 1)
    effect = fx.Phaser(rate=1.0, depth=1.0, centre=500.0, feedback=-0.5, stages=7, spread=0)
    effect.centre.set(500.0, at=0)
    effect.centre.exponential_ramp(20000.0, at=n)  # up past 0.49 fs, held there
    effect.rate.set(1.0, at=0)
    effect.rate.linear_ramp(30.0, at=n)
    effect.depth.set_target(4.0, at=500, time_constant=300)
    effect.mix.set(0.5, at=0)
    effect.mix.linear_ramp(1.0, at=2000)
    expected = phaser_reference(
        x.astype(np.float64), SR, values(effect.rate, n), values(effect.depth, n),
        values(effect.centre, n), values(effect.feedback, n), values(effect.mix, n), 7,
        spread=0.0)
    np.testing.assert_allclose(effect(x, SR), expected, atol=1e-5)


def test_phaser_at_rest_notches_where_its_stages_turn_half_a_cycle():
    """Still (depth 0), mix 0.5: the wet all-pass is -180 degrees at the centre for two
    stages, so a sine there cancels."""
    f = 1000.0
    t = np.arange(20000)
    x = np.sin(2 * np.pi * f * t / SR).astype(np.float32)
    y = fx.Phaser(rate=0.0, depth=0.0, centre=f, mix=0.5, stages=2)(x, SR)
    assert np.abs(y[10000:]).max() < 1e-3
    passed = fx.Phaser(rate=0.0, depth=0.0, centre=f, mix=0.5, stages=2)(
        np.sin(2 * np.pi * 100.0 * t / SR).astype(np.float32), SR)
    assert np.abs(passed[10000:]).max() > 0.9


def test_the_lfo_runs_at_rate():
    """A chorus of one voice, wet only, on a constant: sweeping a constant changes nothing;
    on a ramp x[n] = n, the output is n - d[n], so the delay is read off exactly."""
    n = SR // 2
    x = np.arange(n, dtype=np.float32)
    effect = fx.Chorus(rate=10.0, depth=0.001, centre_delay=0.002, mix=1.0, voices=1)
    d = (x - effect(x, SR))[1000:] / SR
    t = np.arange(1000, n) / SR
    np.testing.assert_allclose(d, 0.002 + 0.001 * np.sin(2 * np.pi * 10 * t), atol=2e-7)


# ---- every effect ----

KINDS = ["delay", "chorus", "flanger", "phaser"]


@pytest.mark.parametrize("effect", [fx.Chorus(spread=0.0, voices=3), fx.Flanger(spread=0.0),
                                    fx.Phaser(spread=0.0, feedback=0.5)],
                         ids=KINDS[1:])
def test_no_spread_treats_every_channel_alike(effect):
    x = np.repeat(noise(1500, 1), 4, axis=1)
    y = effect(x, SR)
    for c in range(1, 4):
        np.testing.assert_array_equal(y[:, c], y[:, 0])
    assert np.abs(y - x).max() > 0.01


@pytest.mark.parametrize("effect", [fx.Delay(0.01, feedback=0.9, mix=0.0),
                                    fx.Chorus(mix=0.0, feedback=0.9),
                                    fx.Flanger(mix=0.0, feedback=-0.99),
                                    fx.Phaser(mix=0.0, feedback=0.99)],
                         ids=KINDS)
def test_mix_zero_is_the_input_exactly(effect):
    x = noise(3000, 2, scale=1.0)
    np.testing.assert_array_equal(effect(x, SR), x)


@pytest.mark.parametrize("effect", [fx.Delay(0.0013, feedback=0.99, mix=1.0),
                                    fx.Delay(1.5 / SR, feedback=-0.99, mix=1.0),
                                    fx.Delay(0.002, feedback=0.99, mix=1.0, ping_pong=True),
                                    fx.Chorus(rate=8, feedback=0.99, mix=1.0, voices=8),
                                    fx.Flanger(rate=11, depth=0.02, centre_delay=0.0,
                                               feedback=-0.99, mix=1.0),
                                    fx.Phaser(rate=50, depth=10, feedback=0.99, mix=1.0,
                                              stages=16)],
                         ids=["delay", "delay-short", "ping-pong", "chorus", "flanger",
                              "phaser"])
def test_output_stays_bounded_at_most_feedback(effect):
    x = noise(2 * SR, 2, scale=1.0)
    y = effect(x, SR)
    assert np.isfinite(y).all() and np.abs(y).max() < 200


def test_reset_forgets_the_past_and_restarts_the_lfo():
    x = noise(1000, 2)
    effect = fx.Chorus(rate=9.0, feedback=0.5)
    first = effect(x, SR)
    effect.prepare(SR, 2)
    effect.process(noise(777, 2, seed=1))
    effect.reset()
    again = x.copy()
    effect.process(again)
    np.testing.assert_array_equal(again, first)


def test_tails_and_latency():
    for effect in (fx.Delay(), fx.Chorus(), fx.Flanger(), fx.Phaser()):
        effect.prepare(SR, 2)
        assert effect.latency == 0 and 0 < effect.tail <= 60 * SR
    flanger = fx.Flanger(feedback=0.9)
    flanger.prepare(SR, 1)
    x = np.zeros(1, np.float32)
    x[0] = 1.0
    y = flanger(x, SR, tail=True)
    assert np.abs(y[-100:]).max() < 1e-5
    phaser = fx.Phaser(rate=0.0, depth=0.0, centre=200.0, feedback=0.5)
    y = phaser(x, SR, tail=True)
    assert np.abs(y[-100:]).max() < 1e-5


def test_settings_read_back():
    assert fx.Delay(ping_pong=True).ping_pong is True
    assert fx.Chorus(voices=5, spread=0.5).voices == 5
    assert fx.Chorus(spread=0.5).spread == 0.5
    assert fx.Phaser(stages=3).stages == 3
    assert "rate" in fx.Flanger().params and "voices" not in fx.Flanger().params


@pytest.mark.parametrize("make, error, words", [
    (lambda: fx.Delay(3.0), ValueError, "Delay time"),
    (lambda: fx.Delay(0.5, max_time=0.1), ValueError, "Delay time: expected at most max_time"),
    (lambda: fx.Delay(max_time=0.1), ValueError, r"max_time \(0.1 seconds\), got 0.25"),
    (lambda: fx.Delay(max_time=0.0), ValueError, "Delay max_time"),
    (lambda: fx.Delay(feedback=1.5), ValueError, "Delay feedback"),
    (lambda: fx.Delay(mix=-0.1), ValueError, "Delay mix"),
    (lambda: fx.Delay(time="1"), TypeError, "Delay time"),
    (lambda: fx.Delay(ping_pong=1), TypeError, "Delay ping_pong"),
    (lambda: fx.Chorus(voices=0), ValueError, "Chorus voices"),
    (lambda: fx.Chorus(voices=2.5), ValueError, "Chorus voices"),
    (lambda: fx.Chorus(depth=0.5), ValueError, "Chorus depth"),
    (lambda: fx.Chorus(rate=-1), ValueError, "Chorus rate"),
    (lambda: fx.Flanger(centre_delay=0.5), ValueError, "Flanger centre_delay"),
    (lambda: fx.Flanger(spread=2), ValueError, "Flanger spread"),
    (lambda: fx.Phaser(stages=0), ValueError, "Phaser stages"),
    (lambda: fx.Phaser(centre=float("nan")), ValueError, "Phaser centre"),
    (lambda: fx.Phaser(feedback=-1), ValueError, "Phaser feedback"),
])
def test_bad_arguments_name_the_function_and_argument(make, error, words):
    with pytest.raises(error, match=words):
        make()


def test_bad_automation_values_are_refused():
    with pytest.raises(ValueError, match="feedback"):
        fx.Delay().feedback.set(2.0, at=0)
    with pytest.raises(ValueError, match="rate"):
        fx.Phaser().rate.linear_ramp(-3.0, at=10)
