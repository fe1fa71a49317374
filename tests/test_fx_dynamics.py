"""Dynamics (Compressor, Limiter, Gate, Expander) against their formulas: static curves from
steady levels, time constants from level steps, a numpy implementation of the compressor
under automation, the limiter's ceiling on loud random input of many shapes, and their gain
reduction reports on their own and on an engine."""
import math

import numpy as np
import pytest
from fx_cases import BLOCKS, streamed

from pkaudio import fx
from pkaudio.engine import Engine

SR = 48000
def db(x):
    return 20.0 * np.log10(x)


def gain_of(db_value):
    return 10.0 ** (db_value / 20.0)


def alpha(seconds):
    return math.exp(-1.0 / (seconds * SR)) if seconds > 0 else 0.0


def compression(x, t, r, w):
    """Giannoulis, Massberg and Reiss (2012), eq. 4, as reduction in dB."""
    over = x - t
    if 2 * over <= -w:
        return 0.0
    if 2 * over < w:
        return (1 - 1 / r) * (over + w / 2) ** 2 / (2 * w)
    return (1 - 1 / r) * over


def reference_compressor(x, thresholds, ratio, knee, attack, release, makeup):
    """The compressor in numpy/Python: linked peak level, static curve, the smooth decoupled
    peak detector in dB; thresholds per frame."""
    a_att, a_rel = alpha(attack), alpha(release)
    held = state = 0.0
    levels = db(np.maximum(np.abs(x).max(axis=1).astype(np.float64), 1e-10))
    out = np.empty_like(x, dtype=np.float64)
    for n in range(len(x)):
        target = compression(levels[n], thresholds[n], ratio, knee)
        held = max(target, target + a_rel * (held - target))
        state = held + a_att * (state - held)
        out[n] = x[n] * gain_of(makeup - state)
    return out


def loud_and_soft(rng, frames, channels):
    """Noise whose level wanders over 60 dB, with bursts and spikes."""
    envelope = gain_of(np.repeat(rng.uniform(-60, 6, frames // 100 + 1), 100)[:frames])
    x = rng.standard_normal((frames, channels)) * envelope[:, None]
    x[rng.integers(0, max(frames, 1), 10)[:frames]] *= 20
    return x.astype(np.float32)


def every_effect():
    return [fx.Compressor(-30, 6, 10, 0.002, 0.05, 4), fx.Compressor(knee_db=0),
            fx.Limiter(-6, 0.02, lookahead=0.002), fx.Limiter(0, 0, lookahead=0),
            fx.Gate(-30, 0.001, 0.005, 0.02, 60), fx.Expander(-30, 3, 0.001, 0.05, 50)]


# ---- the same output however it is cut ----

@pytest.mark.parametrize("block", BLOCKS)
@pytest.mark.parametrize("index", range(6))
def test_automation_gives_the_same_output_in_any_blocks(rng, block, index):
    x = loud_and_soft(rng, 3001, 3)
    effect = every_effect()[index]
    name = "ceiling_db" if isinstance(effect, fx.Limiter) else "threshold_db"
    param = effect.params[name]
    start = param.value
    param.linear_ramp(start + 15, at=1500)
    param.set(start, at=2000)
    effect.release.exponential_ramp(0.3, at=2500)
    once = effect(x, SR)
    out = streamed(effect, x, block)
    latency = effect.latency
    np.testing.assert_array_equal(out[latency:], once[:len(x) - latency])
    fixed = every_effect()[index](x, SR)
    assert not np.array_equal(once, fixed)


@pytest.mark.parametrize("knee", [0.0, 10.0])
def test_compressor_static_curve_for_steady_sines(knee):
    threshold, ratio, makeup = -20.0, 4.0, 3.0
    comp = fx.Compressor(threshold, ratio, knee, attack=0.002, release=1.0, makeup_db=makeup)
    t = np.arange(SR // 2) / SR
    for level in [-40, -30, -26, -24, -22, -20, -18, -16, -14, -10, 0, 6]:
        x = (gain_of(level) * np.sin(2 * np.pi * 1000 * t)).astype(np.float32)
        y = comp(x, SR)
        last = slice(len(x) - 48, len(x))  # one period, settled
        peak = np.argmax(np.abs(x[last])) + last.start
        measured = db(abs(x[peak])) - db(abs(y[peak])) + makeup
        expected = compression(db(abs(float(x[peak]))), threshold, ratio, knee)
        assert measured == pytest.approx(expected, abs=0.02), level


def test_compressor_attack_and_release_time_constants():
    attack, release = 0.01, 0.1
    comp = fx.Compressor(-20, 4, 0, attack, release)
    quarter = SR // 4
    x = np.concatenate([np.full(quarter, 0.1), np.full(quarter, 1.0),
                        np.full(2 * quarter, 0.1)]).astype(np.float32)
    y = comp(x, SR)
    reduction = db(x.astype(np.float64)) - db(y.astype(np.float64))
    # Attack: from 0 to the static 15 dB as 1 - exp(-t / attack).
    rise = reduction[quarter:2 * quarter]
    n = np.arange(len(rise)) + 1
    np.testing.assert_allclose(rise, 15 * (1 - np.exp(-n / (attack * SR))), atol=0.01)
    assert np.argmax(rise >= 15 * (1 - 1 / math.e)) == pytest.approx(attack * SR, abs=1)
    # Release: a peak falling with `release`, smoothed by `attack` (in series).
    fall = reduction[2 * quarter:]
    t = (np.arange(len(fall)) + 1) / SR
    two_poles = 15 * (release * np.exp(-t / release) - attack * np.exp(-t / attack)) / (
        release - attack)
    np.testing.assert_allclose(fall, two_poles, atol=0.05)
    crossing = np.argmax(fall <= 15 / math.e) / SR
    expected = t[np.argmax(two_poles <= 15 / math.e)]
    assert crossing == pytest.approx(expected, rel=0.01)
    assert expected == pytest.approx(release + attack, rel=0.05)


def test_compressor_against_numpy_under_automation(rng):
    x = loud_and_soft(rng, 3000, 2)
    comp = fx.Compressor(-30, 5, 8, 0.003, 0.04, 2)
    comp.threshold_db.set(-30, at=500)
    comp.threshold_db.linear_ramp(-10, at=2000)
    thresholds = np.full(len(x), -30.0)
    thresholds[500:2000] = -30 + 20 * (np.arange(500, 2000) - 500) / 1500
    thresholds[2000:] = -10
    y = comp(x, SR)
    expected = reference_compressor(x, thresholds, 5, 8, 0.003, 0.04, 2)
    np.testing.assert_allclose(y, expected, rtol=2e-4, atol=1e-6)


def test_compressor_makeup_ramp_matches_its_formula(rng):
    x = rng.uniform(-0.01, 0.01, (2000, 1)).astype(np.float32)  # under the threshold
    comp = fx.Compressor(-20, 4, 6, makeup_db=0)
    comp.makeup_db.set(0, at=100)
    comp.makeup_db.linear_ramp(12, at=1100)
    makeup = np.clip((np.arange(2000) - 100) / 1000, 0, 1) * 12
    np.testing.assert_allclose(comp(x, SR)[:, 0], x[:, 0] * gain_of(makeup), rtol=1e-5)


def ulps_apart(a, b):
    """How many float32 values lie between a and b."""
    def key(v):
        i = np.asarray(v, np.float32).view(np.int32).astype(np.int64)
        return np.where(i < 0, -(i & 0x7FFFFFFF), i)
    return np.abs(key(a) - key(b))


def reductions_and_gains(effect, key):
    """Each frame's reported reduction (dB, float32) and gain (the output for an input of 1)
    with `key` (mono) as the sidechain."""
    effect.prepare(SR, 1, report_interval=1)
    gains = np.ones(len(key), np.float32)
    reductions = []
    for i in range(0, len(key), 256):
        effect.process(gains[i:i + 256], np.ascontiguousarray(key[i:i + 256]))
        reductions += [e.peak[0] for e in effect.events()]
    return np.array(reductions, np.float32), gains


@pytest.mark.parametrize("low, high", [(1e-9, 1.0), (1.0, 1e30)])
def test_level_and_gain_are_within_an_ulp_or_two_of_numpys_log_and_exp(low, high):
    # The levels (20 / ln 10) ln peak and the gains e^(-reduction ln 10 / 20) are float32
    # arithmetic on the kernels' own logf and expf, each within 1 ulp: the levels within 2
    # ulps of the same product on numpy's log (the product's rounding can double one), the
    # gains within 1 of numpy's exp of the same argument. With attack and release 0 the
    # detector passes its target exactly; these curves make the reduction the level itself
    # (the expander's under 0 dB) or half of it (the compressor's, ratio 2, over 0 dB).
    key = np.geomspace(low, high, 20000).astype(np.float32)
    if high <= 1.0:
        effect, scale = fx.Expander(0.0, 2.0, 0.0, 0.0, 200.0), -1.0
    else:
        effect, scale = fx.Compressor(0.0, 2.0, 0.0, 0.0, 0.0), 0.5
    reductions, gains = reductions_and_gains(effect, key)
    db_per_neper, neper_per_db = np.float32(8.6858896), np.float32(0.11512925)  # the C's
    levels = db_per_neper * np.log(key.astype(np.float64)).astype(np.float32)
    assert np.max(ulps_apart(reductions, np.float32(scale) * levels)) <= 2
    exponent = -neper_per_db * np.abs(reductions)
    assert np.max(ulps_apart(gains, np.exp(exponent.astype(np.float64)))) <= 1


def test_sidechain_drives_the_reduction_of_another_signal():
    frames = SR // 2
    t = np.arange(frames) / SR
    x = np.stack([gain_of(-10) * np.sin(2 * np.pi * 440 * t)] * 2, axis=1).astype(np.float32)
    key = np.zeros_like(x)
    key[frames // 2:, 1] = 1.0  # loud in one channel: detection is linked (the largest)
    comp = fx.Compressor(-5, 4, 0, attack=0.001, release=0.05)
    y = comp(x, SR, sidechain=key)
    np.testing.assert_array_equal(y[:frames // 2], x[:frames // 2])  # own level is under
    settled = slice(frames // 2 + 1000, frames)
    reduction = db(np.abs(x[settled])) - db(np.abs(y[settled]))
    np.testing.assert_allclose(reduction, 0.75 * 5, atol=1e-3)
    for block in BLOCKS:
        np.testing.assert_array_equal(streamed(comp, x, block, key), y)


def test_linked_detection_reduces_every_channel_alike():
    x = np.zeros((SR // 10, 2), np.float32)
    x[:, 0] = 1.0
    x[:, 1] = 0.01
    y = fx.Compressor(-20, 4, 0, attack=0, release=0.1)(x, SR)
    np.testing.assert_allclose(y[:, 0] / x[:, 0], y[:, 1] / x[:, 1], rtol=1e-6)
    np.testing.assert_allclose(y[:, 0], gain_of(-15), rtol=1e-5)


# ---- Limiter ----

def loud_shapes(rng, frames, channels):
    """Random loud input of many shapes."""
    shapes = []
    shapes.append(rng.standard_normal((frames, channels)) * 10)
    spikes = rng.standard_normal((frames, channels)) * 0.1
    at = rng.integers(0, frames, 30)
    spikes[at, rng.integers(0, channels, 30)] = rng.choice([-1, 1], 30) * 10 ** rng.uniform(
        0, 4, 30)
    shapes.append(spikes)
    lone = np.zeros((frames, channels))
    lone[frames // 3, 0] = 1e5
    lone[frames // 3 + 1, -1] = -3.0
    shapes.append(lone)
    t = np.arange(frames) / SR
    sweep = np.sin(2 * np.pi * (20 + 20000 * t / t[-1]) * t) * 10 ** rng.uniform(-1, 3)
    shapes.append(np.repeat(sweep[:, None], channels, axis=1))
    bursts = np.sign(rng.standard_normal((frames, channels))) * np.repeat(
        10 ** rng.uniform(-2, 2, frames // 50 + 1), 50)[:frames, None]
    shapes.append(bursts)
    steps = np.repeat(10 ** rng.uniform(-1, 3, (frames // 7 + 1, channels)), 7, axis=0)
    shapes.append(steps[:frames] * rng.choice([-1, 1], (frames, channels)))
    alternating = np.where(np.arange(frames) % 2, 1.0, -1.0)[:, None] * np.linspace(
        0.5, 50, frames)[:, None]
    shapes.append(np.repeat(alternating, channels, axis=1))
    return [s.astype(np.float32) for s in shapes]


@pytest.mark.parametrize("block", BLOCKS)
@pytest.mark.parametrize("ceiling, release, lookahead", [
    (-1.0, 0.05, 0.005), (0.0, 0.0, 0.0), (-12.0, 0.2, 0.001), (6.0, 0.01, 0.0),
    (-60.0, 0.5, 0.01)])
def test_limiter_never_exceeds_its_ceiling(rng, block, ceiling, release, lookahead):
    bound = gain_of(ceiling)
    for channels in (1, 2, 3):
        for x in loud_shapes(rng, 2003, channels):
            limiter = fx.Limiter(ceiling, release, lookahead=lookahead)
            y = streamed(limiter, x, block)
            assert np.abs(y).max() <= bound
            once = limiter(x, SR)
            latency = limiter.latency
            np.testing.assert_array_equal(y[latency:], once[:len(x) - latency])


def test_limiter_with_a_moving_ceiling_keeps_each_frames_ceiling(rng):
    x = (rng.standard_normal((4000, 2)) * 5).astype(np.float32)
    limiter = fx.Limiter(-3, 0.02, lookahead=0.002)
    limiter.ceiling_db.set(-3, at=1000)
    limiter.ceiling_db.linear_ramp(-30, at=3000)
    # (as the parameter's values are: float32)
    ceilings = np.interp(np.arange(4000), [1000, 3000], [-3, -30]).astype(np.float32)
    y = limiter(x, SR)
    assert (np.abs(y).max(axis=1) <= gain_of(ceilings)).all()


def test_limiter_non_finite_input_goes_out_finite(rng):
    x = rng.uniform(-1, 1, (1000, 2)).astype(np.float32)
    x[100, 0], x[300, 1], x[500] = np.inf, -np.inf, np.nan
    y = fx.Limiter(-1)(x, SR)
    assert np.isfinite(y).all() and np.abs(y).max() <= gain_of(-1)


def test_limiter_is_transparent_under_the_ceiling_and_delays_by_its_lookahead(rng):
    x = rng.uniform(-0.5, 0.5, (2000, 2)).astype(np.float32)
    limiter = fx.Limiter(0, lookahead=0.005)
    limiter.prepare(SR, 2)
    assert limiter.latency == 240 and limiter.lookahead == 0.005
    np.testing.assert_array_equal(limiter(x, SR), x)
    y = streamed(limiter, x, 75)
    np.testing.assert_array_equal(y[240:], x[:-240])
    assert not y[:240].any()


def test_limiter_gain_falls_within_the_lookahead_and_recovers_with_release():
    lookahead, release = 0.002, 0.02
    frames, spike = 6000, 1000
    x = np.full((frames, 1), 0.5, np.float32)
    x[spike] = 4.0
    y = fx.Limiter(0, release, lookahead=lookahead)(x, SR)
    gain = y[:, 0] / x[:, 0]
    window = round(lookahead * SR)
    np.testing.assert_array_equal(gain[:spike - window], 1.0)  # untouched before
    assert gain[spike] == pytest.approx(0.25, rel=1e-6)  # exactly enough at the spike
    down = gain[spike - window:spike + 1]
    assert (np.diff(down) <= 0).all()  # falls steadily, no jump
    assert np.abs(np.diff(down)).max() < 0.75 / window * 2.5
    after = gain[spike:]
    assert (np.diff(after) >= -1e-7).all()  # then only rises
    # Back up by 1 - 1/e of the way within release plus the averaging window.
    back = np.argmax(after >= 1 - 0.75 / math.e)
    assert back <= window + release * SR * 1.05
    assert after[-1] > 1 - 0.75 * math.exp(-4)
    y = fx.Limiter(0, 0.001, lookahead=lookahead)(x, SR)
    np.testing.assert_array_equal(y[-1000:], x[-1000:])  # back to exactly 1


# ---- Gate ----

def test_gate_opens_holds_and_closes_with_its_time_constants():
    attack, hold, release, range_db = 0.002, 0.01, 0.02, 60.0
    gate = fx.Gate(-30, attack, hold, release, range_db)
    on, off = SR // 10, SR // 5
    x = np.full((SR // 2, 1), gain_of(-50), np.float32)
    x[on:off] = gain_of(-20)
    y = gate(x, SR)
    gain = (y / x)[:, 0].astype(np.float64)
    floor = gain_of(-range_db)
    np.testing.assert_allclose(gain[:on], floor, rtol=1e-4)  # starts closed
    n = np.arange(off - on) + 1
    np.testing.assert_allclose(gain[on:off], 1 - (1 - floor) * np.exp(-n / (attack * SR)),
                               atol=1e-5)
    held = round(hold * SR)
    assert (np.diff(gain[off - 1:off + held]) >= 0).all()  # still open for `hold`
    assert gain[off + held - 1] == 1.0
    closing = gain[off + held:]
    n = np.arange(len(closing)) + 1
    top = gain[off + held - 1]
    np.testing.assert_allclose(closing, floor + (top - floor) * np.exp(-n / (release * SR)),
                               rtol=1e-3, atol=1e-6)
    assert np.argmax(closing <= floor + (top - floor) / math.e) == pytest.approx(
        release * SR, abs=1)


def test_gate_hold_bridges_a_low_notes_zero_crossings():
    t = np.arange(SR // 5) / SR
    x = (gain_of(-20) * np.sin(2 * np.pi * 100 * t)).astype(np.float32)[:, None]
    bridged = fx.Gate(-30, attack=0.0005, hold=0.006)(x, SR)
    np.testing.assert_array_equal(bridged[2000:], x[2000:])  # open throughout, exactly
    chattering = fx.Gate(-30, attack=0.0005, hold=0.0, release=0.001)(x, SR)
    assert np.abs(chattering[2000:] - x[2000:]).max() > 1e-4


def test_gate_keyed_by_a_sidechain():
    x = np.full((4800, 2), 0.001, np.float32)  # always under the threshold
    key = np.zeros_like(x)
    key[2400:] = 1.0
    y = fx.Gate(-20, 0, 0, 0, 40)(x, SR, sidechain=key)
    np.testing.assert_allclose(y[:2400], 0.001 * gain_of(-40), rtol=1e-5)
    np.testing.assert_allclose(y[2400:], 0.001)


# ---- Expander ----

@pytest.mark.parametrize("ratio, range_db", [(2.0, 80.0), (4.0, 30.0)])
def test_expander_static_curve(ratio, range_db):
    threshold = -30.0
    expander = fx.Expander(threshold, ratio, attack=0.001, release=0.001, range_db=range_db)
    for level in [-80, -50, -40, -35, -31, -30, -20, 0]:
        x = np.full((SR // 10, 1), gain_of(level), np.float32)
        y = expander(x, SR)
        measured = level - db(float(y[-1, 0]))
        expected = min(range_db, (ratio - 1) * max(0.0, threshold - level))
        assert measured == pytest.approx(expected, abs=1e-3), level


def test_expander_attack_and_release_time_constants():
    attack, release = 0.005, 0.05
    expander = fx.Expander(-30, 2, attack, release, 80)
    quarter = SR // 4
    x = np.concatenate([np.full(quarter, gain_of(-40)), np.full(quarter, gain_of(-20)),
                        np.full(quarter, gain_of(-40))]).astype(np.float32)
    reduction = db(x.astype(np.float64)) - db(expander(x, SR).astype(np.float64))
    assert reduction[quarter - 1] == pytest.approx(10, abs=1e-3)
    rise = reduction[quarter:2 * quarter]  # the reduction goes with the attack
    n = np.arange(len(rise)) + 1
    np.testing.assert_allclose(rise, 10 * np.exp(-n / (attack * SR)), atol=0.01)
    fall = reduction[2 * quarter:]  # and comes with release and attack in series
    t = n / SR
    two_poles = 10 * (1 - (release * np.exp(-t / release) - attack * np.exp(-t / attack)) /
                      (release - attack))
    np.testing.assert_allclose(fall, two_poles, atol=0.05)


# ---- Reports ----

@pytest.mark.parametrize("block", [1, 75, 256])
def test_reports_standalone_hold_the_most_and_mean_reduction(rng, block):
    x = loud_and_soft(rng, 5000, 2)
    comp = fx.Compressor(-30, 4, 6, 0.001, 0.02)
    y = streamed(comp, x, block, report_interval=480)
    events = comp.events()
    assert [e.frame for e in events] == list(range(480, 5000, 480))
    assert all(e.kind == "reduction" and e.effect is comp for e in events)
    per_frame = np.max(db(np.abs(x.astype(np.float64)) + 1e-30) -
                       db(np.abs(y.astype(np.float64)) + 1e-30), axis=1)
    for e in events:
        span = per_frame[e.frame - 480:e.frame]
        assert e.peak[0] == pytest.approx(span.max(), abs=1e-3)
        assert e.rms[0] == pytest.approx(span.mean(), abs=1e-3)
    assert comp.events() == []


def test_no_reports_unless_asked_and_each_effect_in_a_chain_says_who_it_is(rng):
    x = loud_and_soft(rng, 2000, 1)
    comp = fx.Compressor()
    comp(x, SR)
    comp.prepare(SR, 1)
    comp.process(x.copy())
    assert comp.events() == []
    gate, limiter = fx.Gate(-30), fx.Limiter(-6)
    chain = fx.Chain([gate, limiter])
    chain.prepare(SR, 1, report_interval=500)
    chain.process(x.copy())
    events = chain.events()
    assert {e.effect for e in events} == {gate, limiter}
    assert sorted(e.frame for e in events if e.effect is gate) == [500, 1000, 1500, 2000]
    assert all(e.peak[0] >= e.rms[0] >= 0 for e in events)


def test_reports_on_an_engine_come_from_its_events(rng):
    x = loud_and_soft(rng, 4800, 2)
    comp = fx.Compressor(-30, 4, 6, 0.001, 0.02)
    alone = fx.Compressor(-30, 4, 6, 0.001, 0.02)
    expected = streamed(alone, x, 256, report_interval=480)
    eng = Engine(SR, 2, meter_interval=480)
    eng.master.add(comp)
    eng.play(x)
    out = np.concatenate([eng.render(300) for _ in range(16)])
    fade = 1000  # (an effect added fades in; it runs all along)
    np.testing.assert_array_equal(out[fade:], expected[fade:])
    events = [e for e in eng.events() if e.kind == "reduction"]
    assert [(e.frame, e.peak, e.rms) for e in events] == [
        (e.frame, e.peak, e.rms) for e in alone.events()]
    assert all(e.effect is comp for e in events)


# ---- Bad input ----

@pytest.mark.parametrize("make, error, match", [
    (lambda: fx.Compressor(ratio=0.5), ValueError, "Compressor ratio"),
    (lambda: fx.Compressor(threshold_db="loud"), TypeError, "Compressor threshold_db"),
    (lambda: fx.Compressor(attack=-1), ValueError, "Compressor attack"),
    (lambda: fx.Limiter(lookahead=1.0), ValueError, "Limiter lookahead"),
    (lambda: fx.Limiter(ceiling_db=math.nan), ValueError, "Limiter ceiling_db"),
    (lambda: fx.Gate(range_db=-3), ValueError, "Gate range_db"),
    (lambda: fx.Expander(ratio=0), ValueError, "Expander ratio"),
])
def test_bad_settings_are_refused_by_name(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_bad_reports_and_sidechains_are_refused_by_name():
    comp = fx.Compressor()
    with pytest.raises(ValueError, match="Compressor.prepare report_interval"):
        comp.prepare(SR, 2, report_interval=-1)
    with pytest.raises(ValueError, match="Compressor.prepare report_interval"):
        comp.prepare(SR, 2, report_interval=0.5)
    with pytest.raises(TypeError, match="Compressor.prepare report_interval"):
        comp.prepare(SR, 2, report_interval="often")
    comp.prepare(SR, 2)
    block = np.zeros((10, 2), np.float32)
    with pytest.raises(ValueError, match="Compressor.process sidechain"):
        comp.process(block, np.zeros((9, 2), np.float32))
    with pytest.raises(ValueError, match=r"Compressor\(\) sidechain"):
        comp(block, SR, sidechain=np.zeros((10, 3), np.float32))
    with pytest.raises(ValueError, match="ratio"):
        comp.ratio = 0.1


def test_a_sidechain_bus_drives_a_compressor_on_an_engine():
    frames = 9600
    t = np.arange(frames) / SR
    music = np.stack([gain_of(-10) * np.sin(2 * np.pi * 440 * t)] * 2, 1).astype(np.float32)
    key = np.zeros_like(music)
    key[frames // 2:] = 1.0
    expected = fx.Compressor(-5, 4, 0, 0.001, 0.05)(music, SR, sidechain=key)
    eng = Engine(SR, 2, meter_interval=960)
    sink = eng.bus("sink", gain=0.0)
    eng.bus("key", output=sink)
    bus = eng.bus("music")
    comp, chain_gate = fx.Compressor(-5, 4, 0, 0.001, 0.05), fx.Gate(range_db=0)
    bus.add(fx.Chain([comp, chain_gate]), sidechain="key")
    eng.play(music, bus="music")
    eng.play(key, bus="key")
    out = np.concatenate([eng.render(256) for _ in range(frames // 256)])
    np.testing.assert_allclose(out[1000:], expected[1000:len(out)], rtol=1e-6, atol=1e-7)
    events = [e for e in eng.events() if e.kind == "reduction"]
    assert {e.effect for e in events} == {comp, chain_gate}
    reduced = [e for e in events if e.effect is comp and e.frame > frames // 2 + 960]
    assert reduced and all(e.rms[0] == pytest.approx(3.75, abs=0.01) for e in reduced)
