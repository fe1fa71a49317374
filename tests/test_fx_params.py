"""Parameters as timelines: each automation event against the Web Audio spec's formulas,
written here independently in numpy, read through a Gain effect (its output is the gain,
frame by frame), at every block size."""
import numpy as np
import pytest

from pkaudio import fx

FRAMES = 2000


def through_gain(schedule, blocks=(FRAMES,), initial=1.0):
    """The gain, frame by frame, that a Gain effect applies under `schedule(param)`, run in
    blocks of the given sizes (cycled)."""
    effect = fx.Gain(initial)
    effect.prepare(48000, 1)
    schedule(effect.gain)
    out = np.ones((FRAMES, 1), np.float32)
    done, k = 0, 0
    while done < FRAMES:
        n = min(blocks[k % len(blocks)], FRAMES - done)
        effect.process(out[done:done + n])
        done, k = done + n, k + 1
    return out[:, 0]


def spec(events, initial, frames=FRAMES):
    """The AudioParam value at frames 0 .. frames - 1, by the spec's formulas: events as
    (kind, frame, value, extra), in frame order."""
    t = np.arange(frames, dtype=np.float64)
    v = np.full(frames, initial, np.float64)
    prev_t, prev_v = None, initial
    for i, (kind, at, value, extra) in enumerate(events):
        nxt = events[i + 1][1] if i + 1 < len(events) else frames
        if kind == "set":
            v[t >= at] = value
            prev_t, prev_v = at, value
        elif kind in ("linear", "exponential"):
            t0, v0 = prev_t, prev_v
            inside = (t >= t0) & (t < at)
            x = (t[inside] - t0) / (at - t0)
            v[inside] = v0 + (value - v0) * x if kind == "linear" else v0 * (value / v0) ** x
            v[t >= at] = value
            prev_t, prev_v = at, value
        elif kind == "target":
            v0 = v[at] if at < frames else prev_v
            inside = t >= at
            v[inside] = value + (v0 - value) * np.exp(-(t[inside] - at) / extra)
            prev_t, prev_v = at, v0
        elif kind == "curve":
            points, duration = np.asarray(value, np.float32).astype(np.float64), extra
            inside = (t >= at) & (t < at + duration)
            x = (len(points) - 1) * (t[inside] - at) / duration
            k = np.minimum(x.astype(int), len(points) - 2)
            v[inside] = points[k] + (points[k + 1] - points[k]) * (x - k)
            v[t >= at + duration] = points[-1]
            prev_t, prev_v = at + duration, points[-1]
        del nxt
    return v


CASES = {
    "set": ([("set", 100, 0.25, None), ("set", 700, 2.0, None)], 1.0),
    "linear": ([("set", 100, 0.5, None), ("linear", 900, 2.0, None)], 1.0),
    "exponential": ([("set", 50, 0.01, None), ("exponential", 1500, 1.0, None)], 1.0),
    "target": ([("set", 0, 1.0, None), ("target", 300, 0.0, 200.0)], 1.0),
    "curve": ([("curve", 200, [0.0, 1.0, 0.25, 0.75], 999)], 0.5),
    "linear after target": ([("target", 300, 0.0, 100.0), ("linear", 800, 1.5, None)], 1.0),
}


def schedule_of(events):
    def schedule(param):
        for kind, at, value, extra in events:
            if kind == "set":
                param.set(value, at=at)
            elif kind == "linear":
                param.linear_ramp(value, at=at)
            elif kind == "exponential":
                param.exponential_ramp(value, at=at)
            elif kind == "target":
                param.set_target(value, at=at, time_constant=extra)
            else:
                param.curve(value, at=at, duration=extra)
    return schedule


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("blocks", [(1,), (64,), (75,), (256,), (17, 509, 3)])
def test_automation_follows_the_spec_at_every_block_size(case, blocks):
    events, initial = CASES[case]
    if case == "linear after target":  # the ramp starts where the target starts (see param.py)
        reference = spec([("set", 300, 1.0, None), ("linear", 800, 1.5, None)], initial)
    else:
        reference = spec(events, initial)
    got = through_gain(schedule_of(events), blocks, initial)
    np.testing.assert_allclose(got, reference.astype(np.float32), rtol=2e-6, atol=1e-7)
    np.testing.assert_array_equal(got, through_gain(schedule_of(events), (FRAMES,), initial))


def test_value_at_is_what_the_core_computes():
    events, initial = CASES["exponential"]
    effect = fx.Gain(initial)
    schedule_of(events)(effect.gain)
    got = through_gain(schedule_of(events))
    np.testing.assert_array_equal([effect.gain.value_at(t) for t in range(0, FRAMES, 7)],
                                  got[::7])


def test_cancel_removes_events_from_a_frame_on():
    def schedule(param):
        param.set(0.5, at=100)
        param.linear_ramp(2.0, at=500)
        param.set(3.0, at=1000)
        param.cancel(at=500)
    got = through_gain(schedule)
    assert got[99] == 1.0 and (got[100:] == 0.5).all()


def test_same_kind_same_frame_replaces():
    def schedule(param):
        param.set(0.5, at=100)
        param.set(0.25, at=100)
    assert through_gain(schedule)[100] == 0.25


def test_assignment_glides_once_running_and_jumps_before():
    effect = fx.Gain(1.0)
    effect.gain = 0.5  # nothing processed yet: it is 0.5 from the start
    effect.prepare(48000, 1)
    block = np.ones((480, 1), np.float32)
    effect.process(block)
    assert (block == 0.5).all()
    effect.gain.value = 1.0  # glides over 10 ms from frame 480
    block = np.ones((960, 1), np.float32)
    effect.process(block)
    expected = 0.5 + 0.5 * np.arange(480) / 480
    np.testing.assert_allclose(block[:480, 0], expected, rtol=1e-6)
    assert (block[480:] == 1.0).all()
    assert effect.gain.value == 1.0


def test_assignments_do_not_pile_up():
    effect = fx.Gain(1.0)
    effect.prepare(48000, 1)
    block = np.ones((64, 1), np.float32)
    for i in range(500):
        effect.gain.value = 1.0 + (i % 7) / 10
        effect.process(block)
    assert len(effect.gain._events) <= 3


def test_values_are_kept_within_range_and_bad_events_refused():
    gain = fx.Gain(1.0).gain
    with pytest.raises(ValueError, match=r"gain.set value: expected -1e\+06 .. 1e\+06"):
        gain.set(1e9, at=0)
    with pytest.raises(TypeError, match="gain.linear_ramp value: expected a number"):
        gain.linear_ramp("loud", at=10)
    with pytest.raises(ValueError, match="gain.exponential_ramp value: expected a nonzero"):
        gain.exponential_ramp(0.0, at=10)
    with pytest.raises(ValueError, match="time_constant: expected a number of frames > 0"):
        gain.set_target(0.0, at=10, time_constant=0)
    with pytest.raises(ValueError, match="gain.curve values: expected two or more"):
        gain.curve([1.0], at=0, duration=10)
    with pytest.raises(ValueError, match="gain.set at: expected an engine frame"):
        gain.set(1.0, at=-1)
    gain.set(1.0, at=50)
    with pytest.raises(ValueError, match="overlap an event at frame 50"):
        gain.curve([0.0, 1.0], at=0, duration=100)


def test_bounds_are_the_cores_float32_bounds_inclusive():
    assert fx.Lowpass(q=0.001).q.value == float(np.float32(0.001))  # float32(0.001) > 0.001
    with pytest.raises(ValueError, match=r"Lowpass q: expected 0.001 .. 1000, got 0.0009"):
        fx.Lowpass(q=0.0009)
    fx.Lowpass().q.set(1000, at=0)


def test_events_inside_a_curve_are_refused_as_the_spec_says():
    gain = fx.Gain(1.0).gain
    gain.curve([0.0, 1.0], at=0, duration=1000)
    with pytest.raises(ValueError, match="gain.set at: frame 500 falls in the curve from "
                                         "frame 0 to 1000"):
        gain.set(0.7, at=500)
    with pytest.raises(ValueError, match="falls in the curve"):
        gain.linear_ramp(0.7, at=999)
    gain.set(0.7, at=1000)
    assert gain.value_at(250) == 0.25 and gain.value_at(1000) == np.float32(0.7)


def test_a_ramp_with_no_event_before_it_starts_where_the_host_is():
    def schedule(param):
        param.set(0.25, at=1000)
        param.linear_ramp(0.0, at=500)  # before the set: from frame 0 (the host's now)
    got = through_gain(schedule)
    np.testing.assert_allclose(got[:500], 1 - np.arange(500) / 500, atol=1e-6)
    assert got[999] == 0.0 and got[1000] == 0.25


def test_a_tiny_time_constant_is_a_step_not_nan():
    def schedule(param):
        param.set_target(0.25, at=10, time_constant=1e-300)
    got = through_gain(schedule)
    assert np.isfinite(got).all() and got[9] == 1.0 and got[10] == 1.0 and got[11] == 0.25


def test_frames_beyond_the_core_are_refused_and_change_nothing():
    gain = fx.Gain(1.0).gain
    gain.set(0.5, at=10)
    with pytest.raises(ValueError, match="gain.curve duration: expected it to end by frame"):
        gain.curve([0.0, 1.0], at=2 ** 62, duration=2 ** 62)
    with pytest.raises(ValueError, match="gain.set at: expected an engine frame"):
        gain.set(0.5, at=2 ** 63)
    with pytest.raises(ValueError, match=r"gain.curve values: expected -1e\+06 .. 1e\+06"):
        gain.curve([0.0, 1e9], at=100, duration=10)
    assert gain._events == [(10, 0, 0.5, None)]
    gain.set(0.25, at=20)
    assert gain.value_at(20) == 0.25


def test_value_at_refuses_what_is_not_a_frame():
    p = fx.Gain(0.5).gain
    with pytest.raises(TypeError, match="gain.value_at frame"):
        p.value_at(slice(1))
    with pytest.raises(ValueError, match="gain.value_at frame"):
        p.value_at(-1)
    assert p.value_at(10) == 0.5


def test_one_shot_input_beyond_float32_is_infinity_without_a_warning():
    """(pytest turns warnings into errors: an overflow in the cast to float32 was one)"""
    x = np.array([1e308, -1e308, 0.5])
    np.testing.assert_array_equal(fx.Gain(1.0)(x, 48000), [np.inf, -np.inf, 0.5])
    with pytest.raises(TypeError, match=r"Compressor\(\) sidechain: expected dtype float32"):
        fx.Compressor()(np.zeros(4, np.float32), 48000, sidechain=np.zeros(4, np.int16))


def test_curve_values_are_numbers_within_the_bounds():
    """As set() refuses a value beyond its parameter's bounds, curve() refuses such points:
    1e39 (infinity in float32) once made a filter's output NaN."""
    p = fx.Bandpass(792673.9, 501.7).frequency
    with pytest.raises(ValueError, match="frequency.curve values: expected 1 .. 1e\\+06"):
        p.curve([1e39, 1.0], at=0, duration=10)
    with pytest.raises(ValueError, match="frequency.curve values: expected 1 .. 1e\\+06"):
        p.curve([1e300, -1e300], at=0, duration=10)
    for bad in ("a" * 50, ["a", "b"], [True, False], [[1.0], 2.0]):
        with pytest.raises(TypeError, match="frequency.curve values: expected a sequence"):
            p.curve(bad, at=0, duration=10)
    p.curve([100.0, 200.0], at=0, duration=10)
    assert p.value_at(10) == 200.0
