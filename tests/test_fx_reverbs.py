"""Reverb and Convolution (and the core's FFT) against independent references: numpy's FFT,
scipy's fftconvolve, the RT60 measured from impulse responses by Schroeder's backward
integral, an energy bound that follows from the feedback matrix being orthogonal, and the
feedback delay network written out in numpy for automation."""
import gc
import weakref

import numpy as np
import pytest
from fx_cases import BLOCKS, streamed
from scipy import linalg, signal

from pkaudio import dsp, fx
from pkaudio._dsp import fx as _fx
from pkaudio.engine import Engine

RATE = 48000
def noise(rng, frames, channels=1):
    return rng.uniform(-1.0, 1.0, (frames, channels)).astype(np.float32)


def impulse(frames, channels=1):
    x = np.zeros((frames, channels), np.float32)
    x[0] = 1.0
    return x


def values(param, frames):
    return np.array([param.value_at(t) for t in range(frames)], np.float64)


# ---- the FFT ----

@pytest.mark.parametrize("n", [4, 8, 16, 64, 512, 4096, 32768])
def test_fft_matches_numpy_rfft(n):
    x = np.random.default_rng(n).standard_normal(n).astype(np.float32)
    expected = np.fft.rfft(x.astype(np.float64))
    got = _fx.fft(x)
    assert got.shape == (n // 2 + 1,) and got.dtype == np.complex64
    scale = np.sqrt(n) * np.log2(n)
    assert np.max(np.abs(got - expected)) < 2e-7 * scale


@pytest.mark.parametrize("n", [4, 32, 1024, 16384])
def test_inverse_fft_is_n_times_the_inverse(n):
    rng = np.random.default_rng(n)
    spectrum = np.fft.rfft(rng.standard_normal(n))
    expected = np.fft.irfft(spectrum, n) * n
    got = _fx.inverse_fft(spectrum, n)
    assert np.max(np.abs(got - expected)) < 1e-6 * np.log2(n) * np.sqrt(np.mean(expected ** 2))


def test_fft_of_a_tone_and_of_an_impulse():
    n = 256
    t = np.arange(n)
    bins = _fx.fft(np.cos(2 * np.pi * 5 * t / n).astype(np.float32))
    assert abs(bins[5] - n / 2) < 1e-3 and np.abs(np.delete(bins, 5)).max() < 1e-3
    np.testing.assert_allclose(_fx.fft(impulse(n)[:, 0]), np.ones(n // 2 + 1), atol=1e-7)


@pytest.mark.parametrize("n", [0, 1, 2, 3, 6, 100])
def test_fft_refuses_sizes_that_are_not_powers_of_two(n):
    with pytest.raises(ValueError, match="fft: the core's FFT takes a power of two"):
        _fx.fft(np.zeros(n, np.float32))


# ---- Convolution ----

def convolved(x, h):
    """Each channel of x with h's channel (h mono: the same for all), float64."""
    x = np.asarray(x, np.float64).reshape(len(x), -1)
    h = np.asarray(h, np.float64).reshape(len(h), -1)
    return np.stack([signal.fftconvolve(x[:, c], h[:, c % h.shape[1]])
                     for c in range(x.shape[1])], axis=1)


def assert_close(got, expected):
    assert got.shape == expected.shape
    assert np.max(np.abs(got - expected)) <= 2e-6 * max(1.0, np.abs(expected).max())


@pytest.mark.parametrize("ir_frames", [1, 2, 7, 63, 64, 65, 127, 1009, 5003])
@pytest.mark.parametrize("partition", [16, 64, 256])
def test_convolution_matches_fftconvolve(ir_frames, partition):
    rng = np.random.default_rng(ir_frames * 7 + partition)
    h = rng.standard_normal(ir_frames).astype(np.float32) * np.exp(
        -np.arange(ir_frames) / max(1, ir_frames / 4)).astype(np.float32)
    x = noise(rng, 3001)[:, 0]
    effect = fx.Convolution(h, partition=partition)
    y = effect(x, RATE, tail=True)
    assert effect.latency == partition and effect.tail == ir_frames - 1
    assert_close(y, convolved(x, h)[:, 0])


def test_convolution_output_comes_one_partition_late():
    rng = np.random.default_rng(1)
    h, x = noise(rng, 300)[:, 0], noise(rng, 2000)
    effect = fx.Convolution(h, partition=128)
    y = streamed(effect, x, 64)
    assert np.all(y[:128] == 0)
    assert_close(y[128:], convolved(x, h)[:2000 - 128])


@pytest.mark.parametrize("channels", [2, 3])
def test_a_response_per_channel(channels):
    rng = np.random.default_rng(channels)
    h, x = noise(rng, 700, channels), noise(rng, 1500, channels)
    y = fx.Convolution(h, partition=64)(x, RATE, tail=True)
    assert_close(y, convolved(x, h))


def test_a_mono_response_on_every_channel():
    rng = np.random.default_rng(2)
    h, x = noise(rng, 333)[:, 0], noise(rng, 1000, 2)
    y = fx.Convolution(h)(x, RATE, tail=True)
    assert_close(y, convolved(x, h))


@pytest.mark.parametrize("block", BLOCKS)
@pytest.mark.parametrize("channels", [1, 2])
def test_convolution_streamed_is_one_shot_whatever_the_block(block, channels):
    rng = np.random.default_rng(block)
    h, x = noise(rng, 1000, channels), noise(rng, 2003, channels)
    effect = fx.Convolution(h, partition=128, mix=0.7)
    once = effect(x, RATE, tail=True)
    padded = np.concatenate([x, np.zeros((effect.latency + effect.tail, channels),
                                         np.float32)])
    np.testing.assert_array_equal(streamed(effect, padded, block)[effect.latency:], once)


def partition_edges(partition, most=50000):
    """Where the response's partitions begin, as fx_convolution.c cuts it: level l's of
    partition * 4**l frames (at most 16384) from 2 * (size - partition) on, six a level."""
    edges, size = [], partition
    while True:
        begin = 2 * (size - partition)
        last = size * 4 > 16384
        for j in range(6 if not last else (most - begin) // size + 1):
            edges.append(begin + j * size)
        if last:
            return [e for e in edges if e <= most]
        size *= 4


@pytest.mark.parametrize("partition", [16, 64])
def test_convolution_at_every_partition_edge(partition):
    rng = np.random.default_rng(partition)
    x = noise(rng, 1500)[:, 0]
    lengths = sorted({n for e in partition_edges(partition, 40000) for n in (e - 1, e, e + 1)
                      if n >= 1})
    for ir_frames in lengths:
        h = rng.standard_normal(ir_frames).astype(np.float32) * np.exp(
            -np.arange(ir_frames) / max(1.0, ir_frames / 3)).astype(np.float32)
        effect = fx.Convolution(h, partition=partition)
        y = effect(x, RATE, tail=True)
        assert effect.latency == partition, ir_frames
        assert_close(y, convolved(x, h)[:, 0])


@pytest.mark.parametrize("block", BLOCKS)
def test_long_responses_streamed_whatever_the_block(block):
    # past the largest partition (16384 frames): every level works, on a running stream
    rng = np.random.default_rng(block + 1)
    h = noise(rng, 40000, 2) * np.exp(-np.arange(40000) / 12000).astype(np.float32)[:, None]
    x = noise(rng, 20000, 2)
    effect = fx.Convolution(h, partition=64, mix=0.6)
    padded = np.concatenate([x, np.zeros((64 + 39999, 2), np.float32)])
    y = streamed(effect, padded, block)
    assert np.all(y[:64] == 0)  # the dry path is delayed by the latency too
    once = effect(x, RATE, tail=True)
    np.testing.assert_array_equal(y[64:], once)
    dry = np.concatenate([x, np.zeros((39999, 2), np.float32)])
    assert_close(once, (0.4 * dry + 0.6 * convolved(x, h)).astype(np.float32))


@pytest.mark.parametrize("frames", [0, 1, 2])
def test_convolution_of_very_short_inputs(frames):
    rng = np.random.default_rng(frames)
    h, x = noise(rng, 50)[:, 0], noise(rng, frames)[:, 0]
    effect = fx.Convolution(h, partition=16)
    assert effect(x, RATE).shape == (frames,)
    assert_close(effect(x, RATE, tail=True), convolved(x, h)[:, 0] if frames else
                 np.zeros(49))


def test_mix_0_passes_the_input_and_mix_blends_the_two():
    rng = np.random.default_rng(3)
    h, x = noise(rng, 500)[:, 0], noise(rng, 2000)[:, 0]
    np.testing.assert_array_equal(fx.Convolution(h, mix=0.0)(x, RATE), x)
    wet = convolved(x, h)[:2000, 0]
    assert_close(fx.Convolution(h, mix=0.25)(x, RATE), 0.75 * x + 0.25 * wet)


@pytest.mark.parametrize("block", [1, 75, 256])
def test_mix_automated_per_frame(block):
    rng = np.random.default_rng(4)
    h, x = noise(rng, 400)[:, 0], noise(rng, 4000)
    effect = fx.Convolution(h, partition=64, mix=0.0)
    effect.mix.set(0.0, at=500)
    effect.mix.linear_ramp(1.0, at=1500)
    effect.mix.set_target(0.2, at=2500, time_constant=300)
    y = streamed(effect, x, block)
    m = values(effect.mix, 4000)
    dry = np.concatenate([np.zeros(64), x[:-64, 0]])
    wet = np.concatenate([np.zeros(64), convolved(x, h)[:4000 - 64, 0]])
    assert np.max(np.abs(y[:, 0] - ((1 - m) * dry + m * wet))) < 2e-6 * np.abs(wet).max()


def test_a_response_at_another_rate_is_resampled_and_keeps_its_gain():
    rng = np.random.default_rng(5)
    h = noise(rng, 800)[:, 0] * np.exp(-np.arange(800) / 200).astype(np.float32)
    x = noise(rng, 3000)[:, 0]
    effect = fx.Convolution(h, 24000)
    expected_h = dsp.resample(h, 24000, 48000) * 0.5
    assert_close(effect(x, 48000, tail=True), convolved(x, expected_h)[:, 0])
    assert_close(effect(x, 24000, tail=True), convolved(x, h)[:, 0])  # its own rate: as is
    # a DC gain of 1 stays 1
    dc = fx.Convolution(np.full(100, 0.01, np.float32), 24000)(np.ones(3000, np.float32),
                                                                 48000)
    assert abs(dc[1000:2000].mean() - 1.0) < 5e-3


def test_a_response_from_a_file(tmp_path):
    soundfile = pytest.importorskip("soundfile")
    rng = np.random.default_rng(6)
    h = (noise(rng, 600, 2) * 0.5).astype(np.float32)
    path = tmp_path / "room.wav"
    soundfile.write(path, h, 44100, subtype="FLOAT")
    x = noise(rng, 2000, 2)
    effect = fx.Convolution(path)
    assert effect.impulse_samplerate == 44100 and effect.impulse.shape == (600, 2)
    assert_close(effect(x, 44100, tail=True), convolved(x, h))
    expected_h = dsp.resample(h, 44100, 48000) * (44100 / 48000)
    assert_close(effect(x, 48000, tail=True), convolved(x, expected_h))
    assert_close(fx.Convolution(str(path))(x, 44100, tail=True), convolved(x, h))


def test_convolution_in_a_chain_and_on_an_engine_bus():
    rng = np.random.default_rng(7)
    h = noise(rng, 300)[:, 0]
    x = noise(rng, 1000)[:, 0]
    chain = fx.Chain([fx.Gain(2.0), fx.Convolution(h, 24000, partition=64)])
    y = chain(x, 48000, tail=True)
    assert_close(y, convolved(2 * x, dsp.resample(h, 24000, 48000) * 0.5)[:, 0])

    eng = Engine(48000, 1)
    bus = eng.bus("room")
    bus.add(fx.Convolution(h, partition=128))
    assert eng.latency == 128
    eng.render(1024)  # past the effect's fade in
    eng.play(x, bus=bus)
    out = np.concatenate([eng.render(256) for _ in range(8)])[:, 0]
    expected = np.zeros(len(out))
    expected[128:128 + 1299] = convolved(x, h)[:, 0]
    assert_close(out, expected)


def test_convolution_refuses_what_it_cannot_use(tmp_path):
    with pytest.raises(TypeError, match="Convolution impulse: expected a numpy array or a"):
        fx.Convolution([1.0, 0.5])
    with pytest.raises(ValueError, match="Convolution impulse: expected at least one frame"):
        fx.Convolution(np.zeros(0, np.float32))
    with pytest.raises(ValueError, match="Convolution impulse: expected finite samples"):
        fx.Convolution(np.array([1.0, np.nan]))
    with pytest.raises(TypeError, match="Convolution impulse: expected dtype float32"):
        fx.Convolution(np.ones(4, np.int16))
    with pytest.raises(ValueError, match="Convolution partition: expected a power of two"):
        fx.Convolution(np.ones(4), partition=100)
    with pytest.raises(ValueError, match="Convolution partition"):
        fx.Convolution(np.ones(4), partition=8)
    with pytest.raises(ValueError, match="Convolution mix"):
        fx.Convolution(np.ones(4), mix=1.5)
    with pytest.raises(ValueError, match="Convolution samplerate"):
        fx.Convolution(np.ones(4), 0)
    with pytest.raises(TypeError, match="Convolution samplerate: expected None with a file"):
        fx.Convolution(tmp_path / "x.wav", 48000)
    with pytest.raises(FileNotFoundError, match="Convolution impulse"):
        fx.Convolution(tmp_path / "missing.wav")
    stereo = fx.Convolution(np.ones((4, 2), np.float32))
    with pytest.raises(ValueError, match="Convolution: its impulse response has 2 channels"):
        stereo(np.zeros((10, 3), np.float32), RATE)
    with pytest.raises(ValueError, match="Convolution: its impulse response"):
        fx.Convolution(np.ones(4), 100)(np.zeros(10, np.float32), RATE)  # 480 times
    with pytest.raises(TypeError, match="convolution_use: expected a convolution node"):
        _fx.convolution_use(fx.Gain()._node, np.ones((1, 1), np.float32))


def test_a_convolution_is_collected_after_use():
    effect = fx.Convolution(np.ones(100, np.float32), 24000)
    effect(np.ones(500, np.float32), 48000)
    ref = weakref.ref(effect)
    del effect
    gc.collect()
    assert ref() is None


# ---- Reverb ----

def schroeder_rt60(h, rate):
    """The RT60 from the energy decay curve (Schroeder's backward integral), its straight
    line fitted from -5 to -35 dB and extrapolated to -60."""
    energy = np.cumsum(np.asarray(h, np.float64)[::-1] ** 2)[::-1]
    edc = 10 * np.log10(energy / energy[0])
    start, stop = np.argmax(edc <= -5), np.argmax(edc <= -35)
    slope = np.polyfit(np.arange(start, stop) / rate, edc[start:stop], 1)[0]
    return -60 / slope


def reverb_response(reverb, seconds, channels=1, rate=RATE):
    return reverb(impulse(int(seconds * rate), channels), rate).astype(np.float64)


@pytest.mark.parametrize("decay", [0.3, 1.0, 3.0, 10.0])
@pytest.mark.parametrize(("matrix", "lines", "size"), [("householder", 8, 0.5),
                                                       ("hadamard", 8, 0.5),
                                                       ("householder", 16, 1.0),
                                                       ("hadamard", 16, 0.0)])
def test_rt60_measured_by_schroeder_integration_is_the_decay(decay, matrix, lines, size):
    reverb = fx.Reverb(decay, damping=0.0, mix=1.0, matrix=matrix, lines=lines, size=size)
    h = reverb_response(reverb, 0.8 * decay + 0.2)
    assert abs(schroeder_rt60(h[:, 0], RATE) / decay - 1) < 0.1


def test_damping_shortens_the_high_frequencies_decay_only():
    decay = 2.0
    h = reverb_response(fx.Reverb(decay, damping=0.6, mix=1.0), 2.0)[:, 0]
    low = signal.sosfiltfilt(signal.butter(4, 300, "lowpass", fs=RATE, output="sos"), h)
    high = signal.sosfiltfilt(signal.butter(4, 12000, "highpass", fs=RATE, output="sos"), h)
    assert abs(schroeder_rt60(low, RATE) / decay - 1) < 0.1
    assert schroeder_rt60(high, RATE) < 0.75 * decay


def test_echo_density_grows():
    # Echoes (nonzero frames: without damping, each is a sum of whole-frame delays) in
    # 20 ms windows: few at first, then more with each pass through the matrix, until
    # every frame is one.
    window = int(0.02 * RATE)
    density = {}
    for lines in (8, 16):
        h = reverb_response(fx.Reverb(3.0, damping=0.0, mix=1.0, lines=lines), 0.5)[:, 0]
        density[lines] = np.array([np.count_nonzero(h[i:i + window])
                                   for i in range(0, 25 * window, window)])
        early = density[lines][:12]
        assert np.all(np.diff(early[early < window]) > 0)
        assert density[lines][0] < 0.05 * window and density[lines][-1] == window
    assert density[16][:10].sum() > 2 * density[8][:10].sum()


def test_first_echo_lengths_follow_size_and_predelay():
    for size in (0.0, 0.5, 1.0):
        h = reverb_response(fx.Reverb(1.0, mix=1.0, size=size), 0.2)[:, 0]
        shortest = RATE * (0.005 + 0.035 * size)
        assert shortest <= np.flatnonzero(h)[0] < shortest + 50
    plain = reverb_response(fx.Reverb(1.0, mix=1.0), 0.5)
    later = reverb_response(fx.Reverb(1.0, mix=1.0, predelay=0.1), 0.6)
    np.testing.assert_array_equal(later[:4800], 0)
    np.testing.assert_array_equal(later[4800:], plain)


@pytest.mark.parametrize("damping", [0.0, 0.5])
@pytest.mark.parametrize("channels", [1, 2, 5])
def test_energy_is_bounded_by_the_loop_gain(damping, channels):
    # The matrix is orthogonal and the low-passes never gain: what the lines give back is
    # at most g^2 of what went in, g the largest line gain (the shortest line's), and each
    # output channel's signs are a unit vector; so the response's energy is at most
    # g^2 / (1 - g^2) of the (unit) impulse's.
    decay, size = 1.0, 0.5
    shortest = RATE * (0.005 + 0.035 * size)
    g = 10 ** (-3 * shortest / (decay * RATE))
    h = reverb_response(fx.Reverb(decay, damping=damping, mix=1.0, size=size), 2.5,
                        channels)
    # the impulse on every channel averages to 1 into the network
    energy = (h ** 2).sum(axis=0)
    assert np.all(energy <= g * g / (1 - g * g)) and np.all(energy > 0.05)
    assert np.abs(h[-4800:]).max() < 1e-4 * np.abs(h).max()


def test_noise_for_long_settles_rather_than_grows():
    rng = np.random.default_rng(8)
    y = fx.Reverb(3.0, damping=0.2, mix=1.0)(noise(rng, 12 * RATE), RATE)[:, 0]
    rms = [np.sqrt(np.mean(y[i * RATE:(i + 1) * RATE] ** 2)) for i in range(12)]
    assert max(rms[8:]) < 1.1 * min(rms[8:]) and np.isfinite(rms).all()


def test_stereo_outputs_are_decorrelated():
    h = reverb_response(fx.Reverb(2.0, mix=1.0), 2.0, channels=2)
    rho = np.corrcoef(h[:, 0], h[:, 1])[0, 1]
    assert abs(rho) < 0.2
    assert not np.allclose(h[:, 0], h[:, 1])


def test_reverb_mix_0_passes_the_input():
    rng = np.random.default_rng(9)
    x = noise(rng, 5000, 2)
    np.testing.assert_array_equal(fx.Reverb(2.0, mix=0.0)(x, RATE), x)


def line_lengths(rate, size, lines):
    """Distinct primes from rate * (5 + 35 size) ms, geometrically to three times that."""
    shortest, lengths = rate * (0.005 + 0.035 * size), []
    for i in range(lines):
        n = max(round(shortest * 3 ** (i / (lines - 1))), lengths[-1] + 1 if lengths else 0)
        while n < 2 or any(n % d == 0 for d in range(2, int(n ** 0.5) + 1)):
            n += 1
        lengths.append(n)
    return np.array(lengths)


@pytest.mark.parametrize("frames", [0, 1, 7])
def test_reverb_of_very_short_inputs(frames):
    x = noise(np.random.default_rng(frames), frames)[:, 0]
    reverb = fx.Reverb(0.1, mix=0.5, predelay=0.01)
    assert reverb(x, RATE).shape == (frames,)
    y = reverb(x, RATE, tail=True)
    assert len(y) == frames + reverb.tail
    # the predelay, the longest line, and 120 dB of decay
    assert reverb.tail == 480 + line_lengths(RATE, 0.5, 8)[-1] + 2 * 4800
    assert np.abs(y[-100:]).max() < 1e-5


def fdn_reference(x, rate, decay, damping, mix, size, lines, matrix):
    """The network as the docs describe it, in float64, frame by frame."""
    lengths = line_lengths(rate, size, lines)
    h = linalg.hadamard(lines) / np.sqrt(lines)
    a = np.eye(lines) - 2 / lines if matrix == "householder" else h
    into, out = h[lines - 1], h[[1 + c % (lines - 1) for c in range(x.shape[1])]]
    buffer = np.zeros((lines, lengths.max()))
    position, state = np.zeros(lines, int), np.zeros(lines)
    y = np.empty_like(x, dtype=np.float64)
    rows = np.arange(lines)
    for t in range(len(x)):
        gain = 10 ** (-3 * lengths / (decay[t] * rate))
        bright = max(1 - damping[t], 0.01)
        q = 10 ** (-3 * lengths / rate * (1 / (decay[t] * bright) - 1 / decay[t]))
        pole = (1 - q) / (1 + q)
        o = buffer[rows, position] * gain
        state = o + pole * (state - o)
        buffer[rows, position] = a @ state + into * x[t].mean()
        position = (position + 1) % lengths
        y[t] = (1 - mix[t]) * x[t] + mix[t] * (out @ state)
    return y


@pytest.mark.parametrize("matrix", ["householder", "hadamard"])
def test_reverb_automated_against_the_network_in_numpy(matrix):
    rng = np.random.default_rng(10)
    frames = 6000
    x = noise(rng, frames, 2) * np.exp(-np.arange(frames) / 500)[:, None].astype(np.float32)
    reverb = fx.Reverb(0.5, damping=0.1, mix=0.2, size=0.05, matrix=matrix)
    reverb.decay.exponential_ramp(0.1, at=3000)
    reverb.damping.linear_ramp(0.9, at=4000)
    reverb.mix.set(1.0, at=2000)
    y = streamed(reverb, x, 75)
    expected = fdn_reference(x.astype(np.float64), RATE, values(reverb.decay, frames),
                             values(reverb.damping, frames), values(reverb.mix, frames),
                             0.05, 8, matrix)
    assert np.max(np.abs(y - expected)) < 1e-5 * np.abs(expected).max()


def test_reverb_settings_and_bad_values():
    reverb = fx.Reverb(size=0.2, predelay=0.05, lines=16, matrix="hadamard")
    assert (reverb.size, reverb.predelay, reverb.lines, reverb.matrix) == pytest.approx(
        (0.2, 0.05, 16, "hadamard"))
    assert fx.Reverb().matrix == "householder" and fx.Reverb().lines == 8
    with pytest.raises(ValueError, match="Reverb decay: expected 0.05 .. 100"):
        fx.Reverb(0.0)
    with pytest.raises(ValueError, match="Reverb damping"):
        fx.Reverb(damping=1.5)
    with pytest.raises(ValueError, match="Reverb mix"):
        fx.Reverb(mix=-0.1)
    with pytest.raises(ValueError, match="Reverb size"):
        fx.Reverb(size=2.0)
    with pytest.raises(ValueError, match="Reverb predelay"):
        fx.Reverb(predelay=-1.0)
    with pytest.raises(ValueError, match="Reverb lines: expected 8 or 16, got 12"):
        fx.Reverb(lines=12)
    with pytest.raises(TypeError, match="Reverb lines"):
        fx.Reverb(lines="8")
    with pytest.raises(ValueError, match="Reverb matrix: expected one of 'householder'"):
        fx.Reverb(matrix="identity")
    with pytest.raises(TypeError, match="Reverb matrix"):
        fx.Reverb(matrix=1)
    with pytest.raises(ValueError, match="decay"):
        reverb.decay.set(0.0, at=10)
