"""Sounds, fillers, files and disk streams, against soundfile and exact frame counts."""
import gc
import threading
import time
import weakref

import numpy as np
import pytest
import soundfile as sf
from conftest import ArraySource

import pkaudio
from pkaudio import buffering, dsp
from pkaudio.buffering import DiskStream, Filler, Sound


class NoZeros:
    """The seed's source: `total` frames of non-zero samples, then nothing."""

    def __init__(self, total, channels=1, dtype=np.float32):
        self.total, self.channels, self.dtype, self.given = total, channels, dtype, 0

    def read(self, frames):
        n = min(frames, self.total - self.given)
        start = self.given
        self.given += n
        values = (np.arange(start, start + n) % 100 + 1) / 128
        return np.repeat(values[:, None], self.channels, axis=1).astype(self.dtype)


def noise(rng, frames, channels=2, dtype=np.float32):
    return rng.uniform(-0.9, 0.9, (frames, channels)).astype(dtype)


def drain(stream, block, frames, patience=5.0):
    """Read `frames` frames in blocks, each once it has arrived: the test waits (with a
    deadline, so a bug fails instead of hanging), the consumer never does."""
    out, got = [], 0
    while got < frames:
        n = min(block, frames - got)
        deadline = time.monotonic() + patience
        while stream.stats()["buffered"] < n and time.monotonic() < deadline:
            time.sleep(0.0005)
        out.append(stream.read(n))
        got += n
    return np.concatenate(out) if out else np.zeros((0, stream.channels), np.float32)


def wait_complete(stream, patience=5.0):
    deadline = time.monotonic() + patience
    while not stream.stats()["complete"] and time.monotonic() < deadline:
        time.sleep(0.0005)
    assert stream.stats()["complete"]


# ---- Sound ----

def test_sound_basics():
    s = Sound(1000, 44100)
    assert s.data.shape == (1000, 1) and s.data.dtype == np.float32 and not s.data.any()
    assert (s.frames, s.channels, s.samplerate) == (1000, 1, 44100)
    assert s.duration == pytest.approx(1000 / 44100)
    stereo = Sound(10, 48000, channels=2, dtype="int16")
    assert stereo.data.shape == (10, 2) and stereo.data.dtype == np.int16


@pytest.mark.parametrize("args,error", [((-1, 44100), ValueError), ((10, 0), ValueError),
                                        ((10, 44100, 0), ValueError),
                                        ((10, 44100, 1, "uint8"), TypeError)])
def test_sound_bad_arguments(args, error):
    with pytest.raises(error, match="Sound"):
        Sound(*args)


def test_empty_sounds(tmp_path):
    empty = Sound.from_array(np.zeros((0, 2), np.float32), 48000)
    assert empty.data.shape == (0, 2) and empty.duration == 0
    assert Sound.from_array(np.zeros(0, np.float32), 48000).data.shape == (0, 1)
    empty.save(tmp_path / "empty.wav")
    loaded = Sound.from_file(tmp_path / "empty.wav")
    assert loaded.data.shape == (0, 2) and loaded.samplerate == 48000


def test_sound_from_array_shares_contiguous_memory(rng):
    x = noise(rng, 100)
    s = Sound.from_array(x, 48000)
    assert np.shares_memory(s.data, x) and s.channels == 2
    mono = Sound.from_array(x[:, 0], 48000)
    assert mono.data.shape == (100, 1)
    np.testing.assert_array_equal(mono.data[:, 0], x[:, 0])
    with pytest.raises(ValueError, match="shape"):
        Sound.from_array(np.zeros((2, 2, 2)), 48000)


# ---- files ----

PCM_CASES = [("WAV", "PCM_16", np.int16), ("WAV", "PCM_24", np.int32), ("WAV", "PCM_32", np.int32),
             ("WAV", "FLOAT", np.float32), ("WAV", "DOUBLE", np.float64),
             ("FLAC", "PCM_16", np.int16), ("FLAC", "PCM_24", np.int32),
             ("AIFF", "PCM_16", np.int16), ("AIFF", "PCM_24", np.int32),
             ("AIFF", "FLOAT", np.float32)]


@pytest.mark.parametrize("fmt,subtype,dtype", PCM_CASES)
def test_lossless_round_trip_is_bit_exact(fmt, subtype, dtype, tmp_path, rng):
    if np.issubdtype(dtype, np.integer):
        x = rng.integers(np.iinfo(dtype).min, np.iinfo(dtype).max, (4099, 2), dtype=dtype)
        if subtype == "PCM_24":
            x &= ~np.int32(0xFF)  # 24 significant bits
    else:
        x = noise(rng, 4099, dtype=dtype)
    path = tmp_path / f"x.{fmt.lower()}"
    Sound.from_array(x, 44100).save(path, format=fmt, subtype=subtype)
    i = pkaudio.info(path)
    assert (i.format, i.subtype, i.samplerate, i.channels, i.frames) == (fmt, subtype, 44100, 2,
                                                                          4099)
    y, rate = sf.read(path, dtype=x.dtype.name, always_2d=True)
    np.testing.assert_array_equal(y, x)
    # Loaded as float32: int formats divided by their full scale.
    loaded = Sound.from_file(path)
    expected = dsp.convert(x, "float32") if np.issubdtype(dtype, np.integer) else x
    np.testing.assert_allclose(loaded.data, expected, rtol=0, atol=2**-23)


@pytest.mark.parametrize("fmt,subtype,ext,tolerance", [("OGG", "VORBIS", "ogg", 0.05),
                                                       ("OGG", "OPUS", "opus", 0.05),
                                                       ("MP3", "MPEG_LAYER_III", "mp3", 0.05)])
def test_lossy_round_trip(fmt, subtype, ext, tolerance, tmp_path):
    t = np.arange(48000) / 48000
    x = (0.5 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)[:, None]
    path = tmp_path / f"x.{ext}"
    Sound.from_array(x, 48000).save(path, format=fmt, subtype=subtype)
    y = Sound.from_file(path)
    assert y.samplerate == 48000 and y.channels == 1 and abs(y.frames - 48000) < 2048
    # The codec's delay: compare where the tone is, after aligning by cross-correlation.
    n = min(y.frames, 48000) - 4096
    lags = [np.sum(y.data[lag:lag + n, 0] * x[2048:2048 + n, 0]) for lag in range(0, 4096)]
    lag = int(np.argmax(lags))
    err = y.data[lag:lag + n, 0] - x[2048:2048 + n, 0]
    assert np.sqrt(np.mean(err**2)) < tolerance


def test_from_file_resamples(tmp_path, rng):
    x = noise(rng, 44100)
    path = tmp_path / "x.wav"
    Sound.from_array(x, 44100).save(path, subtype="FLOAT")
    s = Sound.from_file(path, samplerate=48000)
    assert s.samplerate == 48000 and s.frames == 48000
    np.testing.assert_array_equal(s.data, dsp.resample(x, 44100, 48000))


def test_file_errors_name_the_file(tmp_path):
    missing = tmp_path / "missing.wav"
    with pytest.raises(FileNotFoundError, match="missing.wav: no such file"):
        pkaudio.info(missing)
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    with pytest.raises(ValueError, match="empty.wav: the file is empty"):
        Sound.from_file(empty)
    junk = tmp_path / "junk.flac"
    junk.write_bytes(b"this is not audio at all" * 100)
    with pytest.raises(ValueError, match="junk.flac: not a sound file"):
        DiskStream(junk)
    with pytest.raises(ValueError, match="whole sample rate"):
        Sound(10, 44100.5).save(tmp_path / "x.wav")
    with pytest.raises(ValueError, match="x.nope"):
        Sound(10, 44100).save(tmp_path / "x.nope")


# ---- Filler ----

def test_seed_filler():
    sound = Sound(1000, 44100)
    buffering.Filler(NoZeros(1000), sound).run()
    assert np.all(sound.data != 0)


@pytest.mark.parametrize("dtype", [np.int16, np.int32, np.float32, np.float64])
def test_filler_converts_and_stops_at_the_end(dtype):
    sound = Sound(3000, 48000, channels=2, dtype="float64")
    filler = Filler(NoZeros(2500, 2, np.float64), sound, block=77)
    filler.run()
    assert filler.filled == 2500 and filler.progress == pytest.approx(2500 / 3000)
    assert np.all(sound.data[:2500] != 0) and not sound.data[2500:].any()
    int_source = NoZeros(10, 1, dtype)
    target = Sound(10, 48000, dtype="float32")
    Filler(int_source, target).run()
    assert target.data.dtype == np.float32


def test_filler_in_background_reraises():
    class Broken:
        def read(self, frames):
            raise OSError("bad sector")

    f = Filler(Broken(), Sound(10, 48000)).start()
    with pytest.raises(OSError, match="bad sector"):
        f.join(5)
    ok = Filler(NoZeros(500), Sound(500, 48000)).start()
    assert ok.join(5) and ok.done and ok.progress == 1.0


def test_filler_checks_the_source():
    with pytest.raises(ValueError, match=r"Filler source read\(\): expected shape \(frames,\) "
                                         r"or \(frames, 1\), got \(10, 2\)"):
        Filler(NoZeros(10, 2), Sound(10, 48000)).run()

    class Greedy:
        def read(self, frames):
            return np.ones(frames + 1, np.float32)

    with pytest.raises(ValueError, match="returned 11 frames"):
        Filler(Greedy(), Sound(10, 48000), block=10).run()


# ---- DiskStream ----

@pytest.mark.parametrize("fmt,subtype", [("WAV", "FLOAT"), ("FLAC", "PCM_24")])
@pytest.mark.parametrize("block", [1, 17, 256, 509])
def test_streaming_gives_the_loaded_frames(fmt, subtype, block, tmp_path, rng):
    x = noise(rng, 12345)
    path = tmp_path / f"x.{fmt.lower()}"
    Sound.from_array(x, 48000).save(path, format=fmt, subtype=subtype)
    loaded = Sound.from_file(path).data
    with DiskStream(path, buffer_seconds=0.1) as stream:
        got = drain(stream, block, 12345)
        np.testing.assert_array_equal(got, loaded)
        wait_complete(stream)
        assert not stream.read(10).any()
        assert stream.events() == [pkaudio.Event("end", 12345)]
        assert stream.stats()["underruns"] == 0


def test_blocked_source_underruns_without_blocking_the_consumer(rng):
    x = noise(rng, 20000)
    source = ArraySource(x)
    source.gate.clear()  # read() waits until the test opens the gate
    stream = DiskStream(source, buffer_seconds=0.1)
    done = threading.Event()

    def consume():
        for _ in range(10):
            assert not stream.read(256).any()
        done.set()

    worker = threading.Thread(target=consume)
    worker.start()
    worker.join(5)
    assert done.is_set(), "the consumer blocked"
    assert stream.stats()["underrun_frames"] == 2560 and stream.stats()["underruns"] == 1
    assert stream.events() == [pkaudio.Event("underrun", 0, 256)]
    source.gate.set()
    got = drain(stream, 256, 20000)
    np.testing.assert_array_equal(got, x)
    assert stream.stats()["underruns"] == 1
    stream.close()


def test_loop_is_seamless(tmp_path, rng):
    x = noise(rng, 1000)
    source = ArraySource(x)
    with DiskStream(source, loop=True, buffer_seconds=0.1) as stream:
        got = drain(stream, 300, 3500)
    np.testing.assert_array_equal(got, np.concatenate([x, x, x, x[:500]]))


def test_seek_refills_from_the_new_position_with_a_crossfade(rng):
    x = noise(rng, 50000)
    with DiskStream(ArraySource(x), buffer_seconds=0.1) as stream:
        drain(stream, 256, 1024)
        stream.seek(30000)
        deadline = time.monotonic() + 5
        while not stream.stats()["pending_seek"] and time.monotonic() < deadline:
            time.sleep(0.0005)  # until the reader has written the new frames
        out = drain(stream, 256, 12000)
    # The consumer switches at its next read: the 64 frames that would have played next fade
    # out as the new position fades in.
    fade = 64
    w = (np.arange(fade, dtype=np.float32)[:, None] + 1) / (fade + 1)
    np.testing.assert_allclose(out[:fade], x[30000:30000 + fade] * w + x[1024:1024 + fade] *
                               (1 - w), rtol=0, atol=1e-6)
    np.testing.assert_array_equal(out[fade:], x[30000 + fade:30000 + len(out)])


def test_seeks_while_the_consumer_waits(rng):
    """Seeks faster than the consumer switches to them (a paused player being scrubbed): the
    last one wins, and nothing breaks."""
    x = noise(rng, 200000)
    with DiskStream(ArraySource(x), buffer_seconds=0.1) as stream:
        drain(stream, 256, 512)
        for target in (50000, 100000, 150000):
            stream.seek(target)
            deadline = time.monotonic() + 5
            while not stream.stats()["pending_seek"] and time.monotonic() < deadline:
                time.sleep(0.0005)
            time.sleep(0.02)  # let the reader act on the seek before the next one
        out = drain(stream, 256, 20000)
        assert [e.kind for e in stream.events()] == []
    # What played ends with the last seek's position, continuous from its start.
    tail = out[-10000:]
    start = 150000 + len(out) - 10000 - np.flatnonzero(
        [np.array_equal(out[i], x[150000 + 64]) for i in range(len(out))])[0] + 64
    np.testing.assert_array_equal(tail, x[start:start + 10000])


def test_seek_does_not_click():
    level = np.where(np.arange(200000) < 100000, 0.5, -0.5).astype(np.float32)[:, None]
    with DiskStream(ArraySource(level), buffer_seconds=0.1) as stream:
        before = drain(stream, 256, 2048)
        stream.seek(150000)
        after = drain(stream, 256, 2048)
    steps = np.abs(np.diff(np.concatenate([before, after])[:, 0]))
    assert steps.max() <= 1 / 65 + 1e-6


def test_resampled_stream_lasts_the_right_time(tmp_path, rng):
    x = noise(rng, 44100)
    path = tmp_path / "x.wav"
    Sound.from_array(x, 44100).save(path, subtype="FLOAT")
    with DiskStream(path, samplerate=48000) as stream:
        assert stream.samplerate == 48000
        got = drain(stream, 256, 48000)
        wait_complete(stream)
        assert not stream.read(256).any()
        assert stream.events() == [pkaudio.Event("end", 48000)]
    np.testing.assert_allclose(got, dsp.resample(x, 44100, 48000), atol=1e-6)


def test_read_error_ends_the_stream_after_what_was_read(rng):
    x = noise(rng, 10000)
    with DiskStream(ArraySource(x, fail_at=6000), buffer_seconds=0.1) as stream:
        got = drain(stream, 500, 6000)
        wait_complete(stream)
        assert not stream.read(500).any()
        events = stream.events()
    np.testing.assert_array_equal(got, x[:6000])
    assert events == [pkaudio.Event("error", 6000, 0, "ArraySource: OSError: disk on fire")]


def test_truncated_flac(tmp_path, rng):
    """libsndfile reads a FLAC cut in half up to a point, then fails: loading says which file;
    streaming plays what decoded, then reports the error."""
    x = noise(rng, 48000)
    whole, cut = tmp_path / "whole.flac", tmp_path / "cut.flac"
    Sound.from_array(x, 48000).save(whole, subtype="PCM_16")
    cut.write_bytes(whole.read_bytes()[:whole.stat().st_size // 2])
    with pytest.raises(ValueError, match="cut.flac: cannot decode"):
        Sound.from_file(cut)
    expected = Sound.from_file(whole).data
    with DiskStream(cut, buffer_seconds=2) as stream:  # room for all that decodes
        wait_complete(stream)
        decoded = stream.stats()["buffered"]
        got = stream.read(decoded)
        stream.read(10)
        (event,) = stream.events()
    assert 0 < decoded < 48000
    np.testing.assert_array_equal(got, expected[:decoded])
    assert event.kind == "error" and event.frame == decoded
    assert event.message.startswith(f"{cut}: LibsndfileError")


def test_bad_source_is_reported():
    class WrongChannels(ArraySource):
        def read(self, frames):
            return np.zeros((frames, 3), np.float32)

    with DiskStream(WrongChannels(np.zeros((10, 2), np.float32))) as stream:
        wait_complete(stream)
        stream.read(10)
        (event,) = stream.events()
    assert event.kind == "error" and "(frames, 2)" in event.message


def test_stream_arguments():
    with pytest.raises(ValueError, match="buffer_seconds"):
        DiskStream(ArraySource(np.zeros((10, 1), np.float32)), buffer_seconds=0)
    with pytest.raises(ValueError, match=r"start: expected a number of frames \(>= 0\), got -1"):
        DiskStream(ArraySource(np.zeros((10, 1), np.float32)), start=-1)


def test_many_streams_open_and_close(tmp_path, rng):
    path = tmp_path / "x.flac"
    x = noise(rng, 4800)
    Sound.from_array(x, 48000).save(path, subtype="PCM_16")
    before = threading.active_count()
    streams = [DiskStream(path, buffer_seconds=0.1) for _ in range(120)]
    assert threading.active_count() >= before + 120
    first = Sound.from_file(path).data
    for s in streams[::10]:
        np.testing.assert_array_equal(drain(s, 480, 4800), first)
    for s in streams:
        s.close()
    assert threading.active_count() == before


def test_dropped_stream_stops_its_thread_and_closes_its_source(rng):
    source = ArraySource(noise(rng, 100))
    before = threading.active_count()
    stream = DiskStream(source)
    ref = weakref.ref(stream)
    del stream
    gc.collect()
    assert ref() is None and threading.active_count() == before
    assert not source.closed  # a source handed in is the caller's to close
