"""The clock a device's callbacks keep: it follows the device's own rate through callback
jitter, leaves out a callback that came late for a moment, and jumps with the device's time
when the device loses frames. Checked against the device's true times, made up here."""
import numpy as np
import pytest

from pkaudio._dsp.device import DeviceClock

RATE, BLOCK = 48000, 128
PERIOD = BLOCK / RATE


def true_times(seconds, ppm):
    """When each block of a device running `ppm` fast really starts."""
    return np.arange(int(seconds / PERIOD)) * PERIOD / (1 + ppm * 1e-6)


def follow(measured):
    clock = DeviceClock(RATE)
    return clock, np.array([clock.update(t, BLOCK) for t in measured])


def rate_ppm(times):
    """How fast (ppm) the filtered times say the device runs, over their last half."""
    half = len(times) // 2
    slope = np.polyfit(np.arange(half), times[half:], 1)[0]
    return (PERIOD / slope - 1) * 1e6


def test_it_finds_the_rate_through_the_jitter(rng):
    truth = true_times(30.0, 150.0)
    lateness = rng.exponential(100e-6, len(truth))  # callbacks only ever come late
    clock, filtered = follow(truth + lateness)
    assert abs(rate_ppm(filtered) - 150.0) < 2.0
    settled = filtered[len(filtered) // 2:] - truth[len(truth) // 2:]
    assert np.ptp(settled) < 20e-6  # the jitter gone: steady to a frame
    assert abs(settled.mean() - 100e-6) < 20e-6  # the mean lateness stays: a constant
    assert clock.jumps == 0


def test_a_callback_late_for_a_moment_counts_for_nothing(rng):
    truth = true_times(20.0, -80.0)
    lateness = rng.exponential(50e-6, len(truth))
    _, steady = follow(truth + lateness)
    late = truth + lateness
    at = len(truth) // 2
    late[at:at + 12] = np.maximum(late[at:at + 12], late[at] + 0.030)  # 30 ms, then caught up
    clock, filtered = follow(late)
    # (the last to catch up comes within a block's jitter, and counts: a quarter frame)
    assert np.abs(filtered - steady).max() < 5e-6
    assert clock.jumps == 0


@pytest.mark.parametrize("lost", [1, 3, 40])
def test_it_jumps_when_the_device_loses_frames(rng, lost):
    truth = true_times(20.0, 0.0)
    at = len(truth) // 2
    truth[at:] += lost * PERIOD  # `lost` blocks never came: the frames count on from there
    clock, filtered = follow(truth + rng.exponential(50e-6, len(truth)))
    assert clock.jumps == 1
    after = filtered[at + 10:] - truth[at + 10:]
    assert np.abs(after - 50e-6).max() < 30e-6  # (the mean lateness stays)


def test_callbacks_in_bursts_are_no_jumps(rng):
    truth = true_times(20.0, 40.0)
    bursty = truth[(np.arange(len(truth)) // 4) * 4 + 3] + rng.exponential(50e-6, len(truth))
    clock, filtered = follow(bursty)  # four at a time, when the last of them is due
    assert clock.jumps == 0
    assert abs(rate_ppm(filtered) - 40.0) < 5.0


@pytest.mark.parametrize("rate,bandwidth", [(0, 0.1), (48000, 0), (float("nan"), 0.1)])
def test_bad_settings(rate, bandwidth):
    with pytest.raises(ValueError, match="DeviceClock"):
        DeviceClock(rate, bandwidth)
