"""What a fuzzer and a new user found: crashes, results bent without a word, and errors that
did not say what was wrong. Each test here failed before its fix."""
import math
import subprocess
import sys
import textwrap
import threading

import numpy as np
import pytest
import soundfile

import pkaudio
import pkaudio.scheduler
from pkaudio import dsp
from pkaudio.benchmarks.multicard import tone_snr
from pkaudio.engine import Engine


def run_isolated(code: str) -> subprocess.CompletedProcess:
    """Run code in a fresh interpreter: a crash there fails the test, not the run."""
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, timeout=120)


def sine(frequency, rate, seconds=1.0, channels=1):
    t = np.arange(int(rate * seconds)) / rate
    x = (0.5 * np.sin(2 * np.pi * frequency * t)).astype(np.float32)
    return np.repeat(x[:, None], channels, axis=1) if channels > 1 else x


def frequency_of(x, rate):
    """The frequency of the strongest sine in x (Hz), to a fraction of a hertz."""
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x)), 16 * len(x)))
    return np.argmax(spectrum) * rate / (16 * len(x))


# ---- crashes ----

def test_mixing_voices_of_no_channels():
    result = run_isolated("""
        import numpy as np
        from pkaudio import dsp
        print(dsp.mix([np.zeros((8, 0), np.float32)]).shape,
              dsp.mix(np.zeros((3, 4, 0), np.float32)).shape)
    """)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[0] == "(8, 0) (4, 0)"


def test_mixing_a_list_another_thread_empties():
    """mix reads the voices without the GIL: it holds them itself, so a list emptied
    meanwhile changes nothing (it mixes all of them, or, if emptied first, none)."""
    result = run_isolated("""
        import threading
        import numpy as np
        from pkaudio import dsp
        for _ in range(3):
            voices = [np.ones((1 << 20, 2), np.float32) for _ in range(8)]
            out = np.empty((1 << 20, 2), np.float32)
            go = threading.Event()
            def empty():
                go.wait()
                voices.clear()
            thread = threading.Thread(target=empty)
            thread.start()
            go.set()
            dsp.mix(voices, out=out)
            thread.join()
            assert (out == 8).all() or (out == 0).all(), np.unique(out)
        print("ok")
    """)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_a_resampler_is_set_up_once():
    r = dsp.Resampler(48000, 44100, 2)
    with pytest.raises(RuntimeError, match="Resampler.__init__: a Resampler is set up once"):
        r.__init__(44100, 48000, 1)
    assert repr(r) == "Resampler(48000, 44100, 2, quality='high', dtype='float32')"
    x = np.random.default_rng(1).uniform(-1, 1, (4800, 2)).astype(np.float32)
    np.testing.assert_array_equal(r.process(x, last=True), dsp.resample(x, 48000, 44100))


def test_setting_a_resampler_up_again_while_it_runs():
    result = run_isolated("""
        import threading
        import numpy as np
        from pkaudio import dsp
        r = dsp.Resampler(48000, 44100, 2)
        x = np.zeros((1 << 20, 2), np.float32)
        errors = []
        def again():
            for _ in range(200):
                try:
                    r.__init__(8000, 192000, 7)
                except RuntimeError as e:
                    errors.append(e)
        thread = threading.Thread(target=again)
        thread.start()
        for _ in range(5):
            r.process(x)
        thread.join()
        print(len(errors), repr(r))
    """)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ("200 Resampler(48000, 44100, 2, quality='high', "
                                     "dtype='float32')")


# ---- sources at another rate play at their own pitch and length ----

@pytest.mark.parametrize("quality", ["quick", "high"])
def test_a_sound_at_another_rate_plays_at_its_pitch_and_length(quality):
    sound = pkaudio.Sound.from_array(sine(1000, 44100), 44100)
    eng = Engine(48000, 1)
    eng.play(sound, quality=quality)
    out = eng.render(50000)[:, 0]
    (end,) = [e.frame for e in eng.events() if e.kind == "voice_end"]
    assert end == 48000  # 1.0 s, not 0.919
    assert abs(frequency_of(out[:end], 48000) - 1000) < 0.5  # not 1088 Hz
    if quality == "high":
        np.testing.assert_array_equal(out[:end], dsp.resample(sound.data, 44100, 48000)[:, 0])


def test_varispeed_on_a_sound_at_another_rate():
    eng = Engine(48000, 1)
    eng.play(pkaudio.Sound.from_array(sine(1000, 44100), 44100), rate=2.0)
    out = eng.render(30000)[:, 0]
    (end,) = [e.frame for e in eng.events() if e.kind == "voice_end"]
    assert end == 24000 and abs(frequency_of(out[:end], 48000) - 2000) < 1


def test_a_loop_of_a_sound_at_another_rate_keeps_its_place():
    x = np.arange(1, 101, dtype=np.float32).repeat(2)  # 200 frames at 24 kHz
    eng = Engine(48000, 1)
    eng.play(pkaudio.Sound.from_array(x, 24000), loop=(50, 150), quality="quick")
    out = eng.render(1000)[:, 0]
    assert abs(out[100] - x[50]) <= 1 and abs(out[299] - x[149]) <= 1
    np.testing.assert_allclose(out[300:500], out[500:700], atol=1e-5)  # (its loop, 200 here)


@pytest.fixture
def flac_44k(tmp_path):
    x = sine(1000, 44100, 3.0, channels=2)
    path = tmp_path / "tone.flac"
    soundfile.write(path, x, 44100, subtype="PCM_24")
    return path, soundfile.read(path, dtype="float32")[0]


@pytest.mark.parametrize("block", [256, 144_000])
def test_a_disk_stream_at_another_rate_renders_all_of_it(flac_44k, block):
    """Offline, render waits for the reader (nothing silent), and the stream is brought to
    the engine's rate: the same as resampling the file in one go."""
    path, x = flac_44k
    eng = Engine(48000, 2)
    stream = pkaudio.DiskStream(path, buffer_seconds=0.1)
    eng.play(stream)
    out = np.concatenate([eng.render(block) for _ in range(0, 144_100, block)])
    np.testing.assert_array_equal(out[:144_000], dsp.resample(x, 44100, 48000))
    assert not out[144_000:].any()
    kinds = [e.kind for e in eng.events()]
    assert kinds == ["voice_start", "voice_end"]  # no underrun
    assert stream.samplerate == 48000
    stream.close()


@pytest.mark.parametrize("block", [256, 144_000])
def test_a_disk_stream_renders_all_of_it_offline(tmp_path, block):
    x = sine(440, 48000, 3.0, channels=2)
    path = tmp_path / "tone.flac"
    soundfile.write(path, x, 48000, subtype="PCM_24")
    x = soundfile.read(path, dtype="float32")[0]
    eng = Engine(48000, 2)
    with pkaudio.DiskStream(path, buffer_seconds=0.05) as stream:
        eng.play(stream)
        out = np.concatenate([eng.render(block) for _ in range(0, 144_100, block)])
    np.testing.assert_array_equal(out[:144_000], x)
    assert not out[144_000:].any()


def test_a_stream_read_already_is_not_brought_to_another_rate(flac_44k):
    with pkaudio.DiskStream(flac_44k[0]) as stream:
        stream.read(10)
        with pytest.raises(ValueError, match="read at 44100 Hz already.*samplerate=48000"):
            Engine(48000, 2).play(stream)


# ---- files cut short ----

def test_a_file_cut_short_is_an_error_not_a_shorter_sound(tmp_path):
    path = tmp_path / "cut.mp3"
    soundfile.write(path, sine(440, 48000), 48000, format="MP3")
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2])
    assert pkaudio.info(path).frames == 48000  # what its header promises
    with pytest.raises(ValueError, match=r"cut\.mp3: the file ends after \d+ of the 48000 "
                                         r"frames its header gives"):
        pkaudio.Sound.from_file(path)


def test_a_stream_of_a_file_cut_while_read_reports_an_error(tmp_path):
    """Offline, what decodes plays, then the error is reported (not an end)."""
    x = sine(440, 48000, 3.0)
    path = tmp_path / "cut.wav"
    soundfile.write(path, x, 48000, subtype="FLOAT")
    stream = pkaudio.DiskStream(path, buffer_seconds=0.05)
    with open(path, "r+b") as f:  # cut to a second (after the header) while it reads
        f.truncate(path.stat().st_size - 2 * 48000 * 4)
    eng = Engine(48000, 1)
    voice = eng.play(stream)
    out = eng.render(3 * 48000)[:, 0]
    events = eng.events()
    (error,) = [e for e in events if e.kind == "error"]
    end = error.frame
    assert end == 48000 and not out[end:].any()
    np.testing.assert_array_equal(out[:end], x[:end])
    assert error.voice == voice.id and "cut.wav" in error.message
    assert "ends after 48000 of the 144000 frames" in error.message
    assert [e.kind for e in events] == ["voice_start", "error", "voice_end"]
    stream.close()


# ---- gains and values float32 cannot hold ----

@pytest.mark.parametrize("call", [
    lambda eng, voice: eng.play(np.ones(4, np.float32), gain=1e39),
    lambda eng, voice: voice.set(gain=1e39),
    lambda eng, voice: eng.bus("b", gain=-1e39),
    lambda eng, voice: eng.master.set(gain=1e39),
    lambda eng, voice: dsp.gain(np.ones(4, np.float32), 1e39),
])
def test_a_gain_float32_cannot_hold_is_refused(call):
    eng = Engine(48000, 2)
    voice = eng.play(np.full(8, 0.25, np.float32))
    with pytest.raises(ValueError, match="float32"):
        call(eng, voice)
    np.testing.assert_array_equal(eng.render(8), 0.25)  # nothing else changed


def test_one_voice_overflowing_does_not_silence_the_mix():
    """Two voices at the largest gains float32 holds overflow their bus to infinity: that
    bus's samples are set to 0 and reported; the rest of the mix plays on."""
    eng = Engine(48000, 1)
    loud = eng.bus("loud")
    for _ in range(2):
        eng.play(np.full(100, 2.0, np.float32), gain=3e38, bus=loud)
    quiet = np.full(200, 0.5, np.float32)
    eng.play(quiet)
    out = eng.render(200)[:, 0]
    np.testing.assert_array_equal(out, quiet)
    invalid = [e for e in eng.events() if e.kind == "invalid"]
    assert invalid == [pkaudio.Event("invalid", 0, 100, bus="loud")]
    assert eng.stats()["invalid_samples"] == 100


def test_a_sound_of_nan_is_refused():
    x = np.ones(100, np.float32)
    x[37] = np.nan
    with pytest.raises(ValueError, match="Engine.play sound: expected finite samples, got "
                                         "NaN or infinity at frame 37"):
        Engine(48000, 1).play(x)


def test_peaks_of_nan_read_nan():
    eng = Engine(48000, 2, meter_interval=100)
    eng.play(eng.input)
    audio = np.full((100, 2), 0.5, np.float32)
    audio[10, 1] = np.nan
    out = eng.render(100, input=audio)
    (peak,) = [e for e in eng.events() if e.kind == "peak"]
    assert peak.peak[0] == 0.5 and math.isnan(peak.peak[1]) and math.isnan(peak.rms[1])
    assert out[10, 1] == 0 and np.isfinite(out).all()  # (the bus let none of it through)


@pytest.mark.parametrize("channels", [3, 5, 17])
@pytest.mark.parametrize("func", [dsp.rms, dsp.peak, dsp.meter])
def test_meters_refuse_an_out_that_overlaps_x(func, channels):
    x = np.random.default_rng(2).uniform(-1, 1, (64, channels))
    out = x[0] if func is not dsp.meter else x[:2]
    with pytest.raises(ValueError, match="out: overlaps x"):
        func(x, out=out)


# ---- events ----

def test_ten_thousand_voices_between_two_renders_lose_no_event_offline():
    eng = Engine(48000, 1)
    voices = [eng.play(np.ones(10, np.float32), at=i) for i in range(10_000)]
    eng.render(20_000)
    events = eng.events()
    assert len(events) == 20_000 and eng.stats()["lost_events"] == 0
    assert {e.voice for e in events if e.kind == "voice_end"} == {v.id for v in voices}


def test_events_lost_on_a_device_are_reported_as_an_event():
    clock = pkaudio.VirtualClock()
    eng = Engine(48000, 1, event_capacity=64, outputs=[pkaudio.NullDevice(48000, 1,
                                                                          clock=clock)])
    with eng.start():
        for _ in range(100):
            eng.play(np.ones(10, np.float32))
        clock.advance(0.1)
    events = eng.events()
    lost = eng.stats()["lost_events"]
    assert lost == 200 - 64 and len(events) == 64 + 1
    assert events[-1].kind == "events_lost" and events[-1].frames == lost
    assert eng.events() == []  # reported once


# ---- one pan law per kind of source ----

def test_panning_never_makes_a_source_louder_than_it_is():
    x = np.ones((100, 2), np.float32)
    for pan in np.linspace(-1, 1, 21):
        eng = Engine(48000, 2)
        eng.play(x[:, 0].copy(), pan=pan)
        eng.play(x, pan=pan, bus=eng.bus("stereo", pan=pan))
        assert dsp.peak(eng.render(100)).max() <= 2.0  # (two sources of 1.0 each)


# ---- clear errors ----

def engine():
    return Engine(48000, 2)


CLEAR_ERRORS = [
    (lambda: dsp.mix(None), TypeError, r"mix\(\) inputs: expected a sequence of arrays"),
    (lambda: dsp.gain(np.ones(2), 10**400), ValueError, r"gain\(\) g: expected a finite "),
    (lambda: dsp.gain(np.ones(2), "0.5"), TypeError, r"gain\(\) g: expected a number, got str"),
    (lambda: dsp.convert(np.ones(2), None), TypeError, r"convert\(\) dtype: expected int16"),
    (lambda: Engine(float("inf")), ValueError, "Engine samplerate: expected a finite number"),
    (lambda: Engine(1e300), ValueError, r"Engine samplerate: expected 1 \.\. 1e\+07"),
    (lambda: Engine(48000, 2.5), ValueError, r"Engine channels: expected a channel count "
                                             r"\(1 \.\. 64\), got 2\.5"),
    (lambda: Engine(48000, "2"), TypeError, "Engine channels: expected a channel count"),
    (lambda: engine().play(np.ones(4), loop=1), TypeError,
     "Engine.play loop: expected True, False or \\(start, end\\), got int 1"),
    (lambda: engine().play(np.ones(4), loop="yes"), TypeError, "Engine.play loop"),
    (lambda: engine().play(np.ones(4), at=float("nan")), ValueError,
     "Engine.play at: expected an engine frame"),
    (lambda: engine().play(None), TypeError, "Engine.play sound: expected a Sound, a "
                                             "DiskStream, an array"),
    (lambda: engine().play(np.ones(4), gain="0.5"), TypeError,
     "Engine.play gain: expected a number, got str"),
    (lambda: engine().play(np.ones(4), quality="best"), ValueError, "Engine.play quality"),
    (lambda: engine().bus("b", gain="1"), TypeError, "Engine.bus gain: expected a number"),
    (lambda: engine().master.set(mute="yes"), TypeError, "Bus.set mute: expected True or"),
    (lambda: engine().render(2.5), ValueError, "Engine.render frames"),
    (lambda: engine().render(4, input=[1, 2, 3, 4]), TypeError, "Engine.render input"),
    (lambda: pkaudio.DiskStream(None), TypeError, "DiskStream path_or_source: expected a file"),
    (lambda: pkaudio.Sound(10, 0), ValueError, "Sound samplerate"),
    (lambda: pkaudio.Sound.from_array([1, 2], 48000), TypeError, "Sound.from_array array"),
    (lambda: dsp.Resampler(1, 2).__setattr__("ratio", 1e-5), ValueError,
     r"Resampler.ratio: expected a ratio within 1/256 \.\. 256"),
]


@pytest.mark.parametrize("call,error,match", CLEAR_ERRORS)
def test_bad_input_is_named(call, error, match):
    with pytest.raises(error, match=match):
        call()


@pytest.mark.parametrize("settings,error,match", [
    ({"buffer_seconds": "2"}, TypeError, "DiskStream buffer_seconds: expected a number"),
    ({"samplerate": 0}, ValueError, "DiskStream samplerate: expected 1 "),
    ({"loop": "yes"}, TypeError, "DiskStream loop: expected True or False"),
    ({"start": -1}, ValueError, "DiskStream start: expected a number of frames"),
])
def test_disk_stream_arguments_are_named(flac_44k, settings, error, match):
    with pytest.raises(error, match=match):
        pkaudio.DiskStream(flac_44k[0], **settings)


def test_a_stream_that_fails_to_start_leaves_no_thread(flac_44k):
    before = threading.active_count()
    with pytest.raises(ValueError):
        pkaudio.DiskStream(flac_44k[0], samplerate=-1)
    assert threading.active_count() == before


def test_the_tone_helper_measures_what_it_should():
    """(The helper the rate tests rely on.)"""
    assert abs(frequency_of(sine(1000, 48000), 48000) - 1000) < 0.5
    assert tone_snr(sine(1000, 48000).astype(np.float64), 1000 / 48000) > 100


def test_a_start_that_fails_half_way_leaves_nothing_behind():
    """The second output's tap was in the graph when the third failed to open: it must leave
    before its memory goes (the next render read freed memory)."""
    result = run_isolated("""
        import gc
        import numpy as np
        import pkaudio
        eng = pkaudio.Engine(48000, 2, outputs=[
            pkaudio.NullDevice(48000, 2), pkaudio.NullDevice(48000, 2),
            pkaudio.Output(pkaudio.NullDevice(48000, 2), channels=(0, 5))])
        eng.play(np.ones(1000, np.float32), loop=True)
        try:
            eng.start()
        except ValueError as error:
            assert "channels" in str(error), error
        assert not eng.running
        eng.outputs = []
        gc.collect()
        junk = [np.full(1 << 16, 7.0) for _ in range(200)]  # where the tap was, if freed
        assert (eng.render(512) == 1).all()
        print("ok")
    """)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


@pytest.mark.parametrize("play", [
    lambda eng: eng.play(np.zeros((0, 1), np.float32), at=5),          # nothing to play
    lambda eng: eng.play(np.ones(100, np.float32), at=5).stop(at=5),  # stopped as it starts
    lambda eng: eng.play(np.ones(100, np.float32), at=50).stop(at=5),  # before it starts
])
def test_every_voice_starts_and_ends_once(play):
    eng = Engine(48000, 1)
    play(eng)
    eng.render(256)
    events = [(e.kind, e.frame) for e in eng.events()]
    assert [kind for kind, _ in events] == ["voice_start", "voice_end"], events
    assert events[0][1] <= events[1][1]


@pytest.mark.parametrize("call,error,match", [
    (lambda: dsp.mix([np.ones(2)], out=np.ones(2), accumulate=np.array([])), TypeError,
     r"mix\(\) accumulate: expected True or False"),
    (lambda: dsp.Resampler(1, 2).process(np.ones(2, np.float32), last=float("inf")),
     TypeError, r"Resampler.process\(\) last: expected True or False"),
    (lambda: dsp.resample(np.ones((4, 0)), 1, 2), ValueError, r"resample\(\) x: expected 1 "
                                                              r"\.\. 1024 channels"),
    (lambda: dsp.gain(np.ones(2), np.timedelta64(1, "s")), TypeError,
     r"gain\(\) g: expected a number"),
    (lambda: Engine(outputs=1e308), TypeError, "Engine outputs: expected a list of devices"),
    (lambda: engine().events(float("nan")), ValueError, "Engine.events timeout"),
    (lambda: engine().events([]), TypeError, "Engine.events timeout"),
    (lambda: engine().listen(float("nan")), ValueError, "Engine.listen poll"),
    (lambda: engine().start(device=1.5), TypeError, "Engine.start device: expected"),
    (lambda: pkaudio.Output(device=1j), TypeError, "Output device: expected"),
    (lambda: pkaudio.Output(latency=float("nan")), ValueError, "Output latency"),
    (lambda: pkaudio.Output(channels=(0, "1")), TypeError, "Output channels"),
    (lambda: pkaudio.Sound.from_array(np.ones(3, object), 48000), TypeError,
     "Sound.from_array array: expected dtype"),
    (lambda: pkaudio.Sound.from_file(""), ValueError, "Sound.from_file path: expected a file"),
    (lambda: pkaudio.NullDevice(48000, 2, source=np.ones((0, 2, 2))), ValueError,
     "NullDevice source: expected"),
    (lambda: pkaudio.scheduler.Scheduler({0.5}, pkaudio.engine.Clock()), TypeError,
     "Scheduler sound: expected a Sound"),
    (lambda: engine().play(pkaudio.Sound.from_array(np.ones(3, np.float32), 1)), ValueError,
     "Engine.play sound: expected a rate within 256 times the source's 1"),
])
def test_more_bad_input_the_fuzzer_found_is_named(call, error, match):
    with pytest.raises(error, match=match):
        call()


@pytest.mark.parametrize("call,error,match", [
    (lambda: pkaudio.Sound(3, 48000, dtype=np.float32(1)), TypeError, "Sound dtype"),
    (lambda: dsp.convert(np.ones(2), np.float32(1)), TypeError, r"convert\(\) dtype"),
    (lambda: pkaudio.Sound.from_file("x.wav", quality=b"1"), TypeError,
     "Sound.from_file quality"),
    (lambda: pkaudio.Sound(10**7, 48000, 10**6), ValueError, "Sound channels"),
    (lambda: pkaudio.Sound(10**8, 48000, 60000), ValueError, "Sound frames: .* more samples "
                                                             "than memory holds"),
    (lambda: engine().play(pkaudio.Engine.input, rate=2), ValueError, "Engine.play rate"),
    (lambda: dsp.ramp(np.ones(4), np.ma.masked, 1.0), TypeError, r"ramp\(\) g0: .* masked"),
    (lambda: pkaudio.scheduler.Scheduler(pkaudio.Sound(4, 48000), pkaudio.engine.Clock()
                                         ).render(np.zeros((0, 100))), ValueError,
     "Scheduler.render target's channels"),
])
def test_what_a_deep_fuzz_sweep_found_is_named(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_a_source_that_reads_the_wrong_samples_ends_its_stream_with_an_error():
    class Complex:
        samplerate, channels = 48000, 2

        def read(self, frames):
            return np.zeros((3, 2), np.complex64)

    sound = pkaudio.Sound(100, 48000, 2, "int16")
    with pytest.raises(TypeError,
                       match=r"Filler source read\(\): expected dtype .*, got complex64"):
        pkaudio.buffering.Filler(Complex(), sound).run()


@pytest.mark.parametrize("name,header", [
    # (found by atheris) a 42-byte FLAC whose header claims 23 billion frames: it was read
    # into 262 GiB; a 45-byte WAV claiming 1.09 GHz and 45 channels: a 720 GiB buffer
    ("h.flac", "664c6143000000221000100000012775757575fc7575752df400f0000000000000000000757528"
               "410511"),
    ("h.wav", "524946465104000057415645666d74201000000001002d000000c540803e000002001000646174"
              "61b085401f00"),
])
def test_a_tiny_file_claiming_a_huge_length_is_refused_not_allocated(tmp_path, name, header):
    path = tmp_path / name
    path.write_bytes(bytes.fromhex(header))
    with pytest.raises(ValueError, match=f"Sound.from_file path: .*{name}"):
        pkaudio.Sound.from_file(path)


def test_audio_of_either_byte_order_plays():
    x = np.random.default_rng(3).uniform(-1, 1, 256).astype(">f4")
    eng = Engine(48000, 1)
    eng.play(x)
    np.testing.assert_array_equal(eng.render(256)[:, 0], x.astype(np.float32))


def test_a_failed_stream_at_another_rate_ends_with_its_error():
    """Its reader had stopped before the engine asked for its rate: the voice ends at once
    and reports the error, rather than waiting for frames that never come."""
    class Broken:
        samplerate, channels = 44100, 1

        def read(self, frames):
            raise OSError("disk on fire")

        def seek(self, frame):
            pass

    stream = pkaudio.DiskStream(Broken())
    assert stream._control.delivered.wait(5)  # (its reader has failed)
    eng = Engine(48000, 1)
    eng.play(stream)
    assert not eng.render(1000).any()
    assert [(e.kind, e.frame) for e in eng.events()] == [("voice_start", 0), ("error", 0),
                                                         ("voice_end", 0)]
