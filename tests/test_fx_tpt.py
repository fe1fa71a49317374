"""SVF, Ladder, OnePole and DCBlocker against independent references: the analog prototypes
through the prewarped bilinear transform, scipy.signal.lfilter with coefficients computed
here, and the filters' equations written out in numpy for automation."""
import numpy as np
import pytest
from scipy import signal

from pkaudio import fx

RATE = 48000
def noise(rng, frames, channels=1):
    return rng.uniform(-1.0, 1.0, (frames, channels)).astype(np.float32)


def response(effect, frames=1 << 15, amplitude=1.0):
    """The complex frequency response measured from its impulse response, at the FFT's
    frequencies (rad/sample)."""
    impulse = np.zeros(frames, np.float32)
    impulse[0] = amplitude
    h = effect(impulse, RATE).astype(np.float64) / amplitude
    return np.fft.rfftfreq(frames) * 2 * np.pi, np.fft.rfft(h)


def analog(w, frequency):
    """s for the analog prototype (in units of 2 pi frequency) at digital frequencies w
    under the bilinear transform prewarped at `frequency`."""
    g = np.tan(np.pi * frequency / RATE)
    return 1j * np.tan(w / 2) / g


def svf_prototype(mode, s, q):
    k = 1 / q
    d = s * s + k * s + 1
    return {"lowpass": 1 / d, "highpass": s * s / d, "bandpass": k * s / d,
            "notch": (s * s + 1) / d, "peak": (1 - s * s) / d,
            "allpass": (s * s - k * s + 1) / d}[mode]


def ladder_prototype(s, resonance):
    return 1 / ((1 + s) ** 4 + 4.2 * resonance)


def values(param, frames):
    return np.array([param.value_at(t) for t in range(frames)], np.float64)


# ---- at rest, against the transfer functions ----

@pytest.mark.parametrize("mode", ["lowpass", "highpass", "bandpass", "notch", "peak",
                                  "allpass"])
@pytest.mark.parametrize(("frequency", "q"), [(1000.0, 0.7071), (200.0, 4.0),
                                              (9000.0, 0.3), (20000.0, 1.5)])
def test_svf_matches_its_analog_prototype_through_the_bilinear_transform(mode, frequency, q):
    w, h = response(fx.SVF(frequency, q, mode=mode))
    expected = svf_prototype(mode, analog(w, frequency), q)
    assert np.max(np.abs(h - expected)) < 2e-4 * max(1.0, q)


def test_svf_bandpass_is_0_db_at_its_centre_and_the_peak_q():
    w, h = response(fx.SVF(3000.0, 5.0, mode="bandpass"), 1 << 16)
    centre = np.argmin(np.abs(w - 2 * np.pi * 3000 / RATE))
    assert abs(np.abs(h[centre]) - 1) < 1e-3
    w, h = response(fx.SVF(3000.0, 5.0, mode="peak"), 1 << 16)
    assert abs(np.abs(h[centre]) - 10) < 1e-2  # 2 q


@pytest.mark.parametrize(("frequency", "resonance"), [(1000.0, 0.0), (300.0, 0.5),
                                                      (5000.0, 0.9), (15000.0, 0.3)])
def test_ladder_at_low_drive_matches_the_4_pole_with_feedback(frequency, resonance):
    # Small signals through the least drive: the saturator is the identity to float32.
    w, h = response(fx.Ladder(frequency, resonance, drive=0.25), 1 << 16, amplitude=1e-3)
    expected = ladder_prototype(analog(w, frequency), resonance)
    assert np.max(np.abs(h - expected)) < 1e-4 * np.max(np.abs(expected))


def test_ladder_falls_24_db_an_octave():
    w, h = response(fx.Ladder(50.0, 0.0, drive=0.25), 1 << 16, amplitude=1e-3)
    level = 20 * np.log10(np.abs(h))
    at = [np.argmin(np.abs(w - 2 * np.pi * f / RATE)) for f in (800.0, 1600.0)]
    assert level[at[1]] - level[at[0]] == pytest.approx(-24.0, abs=0.5)
    assert level[0] == pytest.approx(0.0, abs=1e-3)


def test_ladder_self_oscillates_near_full_resonance_and_stays_bounded():
    x = np.zeros(2 * RATE, np.float32)
    x[0] = 0.1
    ringing = fx.Ladder(1000.0, 1.0, drive=1.0)(x, RATE)[RATE:]
    assert np.all(np.isfinite(ringing))
    assert 0.01 < np.sqrt(np.mean(ringing ** 2)) and np.max(np.abs(ringing)) < 2.0
    spectrum = np.abs(np.fft.rfft(ringing))
    peak = np.fft.rfftfreq(len(ringing), 1 / RATE)[np.argmax(spectrum)]
    assert peak == pytest.approx(1000.0, rel=0.05)
    # Below the edge (k = 4 at resonance 0.952) it dies away.
    decaying = fx.Ladder(1000.0, 0.9, drive=1.0)(x, RATE)[RATE:]
    assert np.max(np.abs(decaying)) < 1e-6


def test_ladder_drive_saturates_loud_input():
    x = np.full(4800, 10.0, np.float32)
    assert np.max(np.abs(fx.Ladder(1000.0, 0.0, drive=4.0)(x, RATE))) <= 0.25 + 1e-6
    quiet = fx.Ladder(1000.0, 0.0, drive=4.0)(x * 1e-4, RATE)
    assert quiet[-1] == pytest.approx(1e-3, rel=1e-4)  # unity at DC for small signals


@pytest.mark.parametrize("mode", ["lowpass", "highpass"])
@pytest.mark.parametrize("frequency", [30.0, 1000.0, 12000.0, 23999.0])
def test_onepole_matches_lfilter(rng, mode, frequency):
    x = noise(rng, 5003, 2)
    g = np.tan(np.pi * min(frequency, 0.49995 * RATE) / RATE)  # kept below Nyquist
    a = [1.0, (g - 1) / (1 + g)]
    b = [g / (1 + g)] * 2 if mode == "lowpass" else [1 / (1 + g), -1 / (1 + g)]
    expected = signal.lfilter(b, a, x.astype(np.float64), axis=0)
    y = fx.OnePole(frequency, mode=mode)(x, RATE)
    np.testing.assert_allclose(y, expected, atol=2e-5)


@pytest.mark.parametrize("frequency", [1.0, 10.0, 300.0])
def test_dcblocker_matches_lfilter_and_removes_dc(rng, frequency):
    x = noise(rng, 20011, 3) + 0.5
    r = np.exp(-2 * np.pi * frequency / RATE)
    expected = signal.lfilter([(1 + r) / 2, -(1 + r) / 2], [1, -r], x.astype(np.float64),
                              axis=0)
    y = fx.DCBlocker(frequency)(x, RATE)
    np.testing.assert_allclose(y, expected, atol=5e-5)
    if frequency >= 10:
        assert abs(np.mean(y[-4000:])) < 0.02


def test_defaults_and_settings_read_back():
    svf = fx.SVF(mode="notch")
    assert (svf.frequency.value, svf.mode) == (1000.0, "notch")
    assert svf.q.value == pytest.approx(0.7071)
    assert fx.OnePole(mode="highpass").mode == "highpass"
    assert fx.OnePole().mode == "lowpass"
    assert fx.DCBlocker().frequency.value == 10.0
    ladder = fx.Ladder()
    assert (ladder.frequency.value, ladder.resonance.value, ladder.drive.value) == \
        (1000.0, 0.0, 1.0)


def test_tails_cover_the_decay():
    for effect in [fx.SVF(200.0, 8.0, mode="bandpass"), fx.Ladder(300.0, 0.8),
                   fx.OnePole(50.0), fx.DCBlocker(20.0)]:
        effect.prepare(RATE, 1)
        impulse = np.zeros(effect.tail + 2000, np.float32)
        impulse[0] = 1.0
        h = effect(impulse, RATE)
        assert effect.latency == 0
        assert np.max(np.abs(h[effect.tail:])) < 1e-5, effect
        assert np.max(np.abs(h[effect.tail // 2:effect.tail])) > 1e-7, effect


def test_a_self_oscillating_ladder_has_a_bounded_tail():
    ladder = fx.Ladder(1000.0, 1.0)
    ladder.prepare(RATE, 1)
    assert ladder.tail == 10 * RATE


# ---- moving parameters ----

def svf_reference(x, frequency, q, mode):
    """Cytomic's trapezoidal SVF equations, frame by frame, in float64."""
    y = np.empty_like(x, np.float64)
    ic1 = np.zeros(x.shape[1])
    ic2 = np.zeros(x.shape[1])
    for t in range(len(x)):
        g = np.tan(np.pi * min(frequency[t], 0.49995 * RATE) / RATE)
        k = 1 / q[t]
        a1 = 1 / (1 + g * (g + k))
        v0 = x[t].astype(np.float64)
        v3 = v0 - ic2
        v1 = a1 * ic1 + g * a1 * v3
        v2 = ic2 + g * a1 * ic1 + g * g * a1 * v3
        ic1, ic2 = 2 * v1 - ic1, 2 * v2 - ic2
        low, band, high = v2, v1, v0 - k * v1 - v2
        y[t] = {"lowpass": low, "highpass": high, "bandpass": k * band,
                "notch": v0 - k * band, "peak": low - high, "allpass": v0 - 2 * k * band}[mode]
    return y


@pytest.mark.parametrize("mode", ["lowpass", "bandpass", "allpass"])
def test_svf_automation_matches_the_equations_frame_by_frame(rng, mode):
    x = noise(rng, 3001, 2)
    svf = fx.SVF(500.0, 0.7, mode=mode)
    svf.frequency.set(500.0, at=100)
    svf.frequency.exponential_ramp(8000.0, at=1500)
    svf.q.set(0.7, at=800)
    svf.q.linear_ramp(6.0, at=2500)
    y = svf(x, RATE)
    expected = svf_reference(x, values(svf.frequency, len(x)), values(svf.q, len(x)), mode)
    np.testing.assert_allclose(y, expected, atol=1e-4)
    assert np.max(np.abs(y - fx.SVF(500.0, 0.7, mode=mode)(x, RATE))) > 0.1


def test_svf_under_audio_rate_modulation_stays_bounded_and_matches(rng):
    frames = 24000
    x = noise(rng, frames, 1)
    svf = fx.SVF(1000.0, 4.0)
    # A new random cutoff from 20 Hz to 20 kHz every 3 frames.
    svf.frequency.curve(np.exp(rng.uniform(np.log(20), np.log(20000), frames // 3)), at=0,
                        duration=frames)
    y = svf(x, RATE)
    assert np.all(np.isfinite(y)) and np.max(np.abs(y)) < 20.0
    expected = svf_reference(x, values(svf.frequency, frames), np.full(frames, 4.0),
                             "lowpass")
    np.testing.assert_allclose(y, expected, atol=5e-4)


def test_svf_driven_by_an_lfo_at_audio_rate_stays_bounded():
    frames = RATE
    t = np.arange(frames)
    lfo = 1000.0 * 2.0 ** (3.0 * np.sin(2 * np.pi * 2000.0 * t / RATE))  # 125 Hz .. 8 kHz
    x = np.sin(2 * np.pi * 220.0 * t / RATE).astype(np.float32)
    for mode in ["lowpass", "highpass", "bandpass", "notch", "peak", "allpass"]:
        svf = fx.SVF(1000.0, 10.0, mode=mode)
        svf.frequency.curve(lfo, at=0, duration=frames)
        y = svf(x, RATE)
        assert np.all(np.isfinite(y)) and np.max(np.abs(y)) < 40.0, mode


def ladder_reference(x, frequency, resonance, drive):
    y = np.empty(len(x))
    s = np.zeros(4)
    for t in range(len(x)):
        g = np.tan(np.pi * frequency[t] / RATE)
        big = g / (1 + g)
        k = 4.2 * resonance[t]
        total = (big ** 3 * s[0] + big ** 2 * s[1] + big * s[2] + s[3]) / (1 + g)
        u = (x[t] - k * total) / (1 + k * big ** 4)
        u = np.tanh(drive[t] * u) / drive[t]
        for i in range(4):
            v = (u - s[i]) * big
            u = v + s[i]
            s[i] = u + v
        y[t] = u
    return y


def test_ladder_automation_matches_the_equations_frame_by_frame(rng):
    x = noise(rng, 3001, 1)
    ladder = fx.Ladder(400.0, 0.2, drive=2.0)
    ladder.frequency.exponential_ramp(6000.0, at=2000)
    ladder.resonance.linear_ramp(0.9, at=1000)
    ladder.drive.set(2.0, at=1500)
    ladder.drive.linear_ramp(8.0, at=2900)
    y = ladder(x, RATE)[:, 0]
    expected = ladder_reference(x[:, 0], values(ladder.frequency, len(x)),
                                values(ladder.resonance, len(x)), values(ladder.drive, len(x)))
    np.testing.assert_allclose(y, expected, atol=1e-4)


def test_onepole_and_dcblocker_automation_match_their_equations(rng):
    x = noise(rng, 2003, 2)
    lp = fx.OnePole(100.0, mode="highpass")
    lp.frequency.exponential_ramp(10000.0, at=2000)
    f = values(lp.frequency, len(x))
    expected = np.empty((len(x), 2))
    s = np.zeros(2)
    for t in range(len(x)):
        g = np.tan(np.pi * f[t] / RATE)
        v = g / (1 + g) * (x[t] - s)
        expected[t] = x[t] - (v + s)
        s = v + s + v
    np.testing.assert_allclose(lp(x, RATE), expected, atol=2e-5)

    dc = fx.DCBlocker(5.0)
    dc.frequency.linear_ramp(500.0, at=1000)
    f = values(dc.frequency, len(x))
    expected = np.empty((len(x), 2))
    x1 = y1 = np.zeros(2)
    for t in range(len(x)):
        r = np.exp(-2 * np.pi * f[t] / RATE)
        y1 = (1 + r) / 2 * (x[t] - x1) + r * y1
        x1 = x[t]
        expected[t] = y1
    np.testing.assert_allclose(dc(x, RATE), expected, atol=5e-5)


# ---- one node, any block size, any length, any channels ----

@pytest.mark.parametrize(("make", "error", "words"), [
    (lambda: fx.SVF(mode="lowshelf"), ValueError, "SVF mode"),
    (lambda: fx.SVF(mode=1), TypeError, "SVF mode"),
    (lambda: fx.SVF(0.0), ValueError, "SVF frequency"),
    (lambda: fx.SVF(q=0.0), ValueError, "SVF q"),
    (lambda: fx.SVF(q="high"), TypeError, "SVF q"),
    (lambda: fx.Ladder(resonance=1.5), ValueError, "Ladder resonance"),
    (lambda: fx.Ladder(drive=0.2), ValueError, "Ladder drive"),
    (lambda: fx.Ladder(frequency=float("nan")), ValueError, "Ladder frequency"),
    (lambda: fx.OnePole(mode="bandpass"), ValueError, "OnePole mode"),
    (lambda: fx.OnePole(-5.0), ValueError, "OnePole frequency"),
    (lambda: fx.DCBlocker(0.0), ValueError, "DCBlocker frequency"),
    (lambda: fx.DCBlocker(5000.0), ValueError, "DCBlocker frequency"),
])
def test_bad_arguments_are_named(make, error, words):
    with pytest.raises(error, match=words):
        make()


def test_bad_automation_values_are_named():
    svf = fx.SVF()
    with pytest.raises(ValueError, match="q.linear_ramp value"):
        svf.q.linear_ramp(0.0, at=10)
    ladder = fx.Ladder()
    with pytest.raises(ValueError, match="resonance.value"):
        ladder.resonance = 2.0
    with pytest.raises(ValueError, match="expected shape"):
        svf.prepare(RATE, 2)
        svf.process(np.zeros((10, 3), np.float32))


def test_svf_on_a_bus_follows_its_timeline_in_engine_frames(rng):
    from pkaudio import Engine
    from pkaudio.graph import FADE

    start = round(FADE * RATE) + 777
    x = noise(rng, 2000, 2)

    def swept():
        svf = fx.SVF(300.0, 3.0, mode="bandpass")
        svf.frequency.set(300.0, at=start + 500)
        svf.frequency.exponential_ramp(6000.0, at=start + 1500)
        return svf

    engine = Engine(RATE, 2)
    bus = engine.bus("swept")
    bus.add(swept())
    engine.render(start)
    engine.play(x, at=start, bus=bus)
    out = np.concatenate([engine.render(n) for n in (1, 64, 75, 256, 1604)])
    padded = np.concatenate([np.zeros((start, 2), np.float32), x])
    assert np.array_equal(out, swept()(padded, RATE)[start:])
