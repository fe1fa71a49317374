"""The engine core and the seed's Clock/Scheduler, checked on whole rendered streams."""
import asyncio
import math
import threading
import time
import tracemalloc

import numpy as np
import pytest

import pkaudio
from pkaudio import buffering, dsp, engine, scheduler
from pkaudio.engine import Engine


class NoZeros:
    """The seed's source: `total` frames of non-zero samples, then nothing."""

    def __init__(self, total, channels=1):
        self.total, self.channels, self.given = total, channels, 0

    def read(self, frames):
        n = min(frames, self.total - self.given)
        values = (np.arange(self.given, self.given + n) % 50 + 1) / 64
        self.given += n
        return np.repeat(values[:, None], self.channels, axis=1).astype(np.float32)


def seed_stream(period, start, target_shape, dtype, total=3000, sound_frames=1000):
    """Run the seed's loop for `total` frames and return everything it rendered."""
    sound = buffering.Sound(sound_frames, 44100)
    buffering.Filler(NoZeros(sound_frames), sound).run()
    clock = engine.Clock()
    sched = scheduler.Scheduler(sound, clock)
    sched.play(start)
    target = np.zeros((period,) + target_shape, dtype)
    out = []
    for i in range(total // period + 1):
        clock.set(period * i, period)
        sched.render(target)
        out.append(target.copy())
    return np.concatenate(out)[:total], sound


@pytest.mark.parametrize("period", [1, 64, 75, 256])
@pytest.mark.parametrize("start", [0, 1, 400, 999, 1001])
@pytest.mark.parametrize("shape,dtype", [((), np.int16), ((), np.float32), ((1,), np.int16),
                                         ((2,), np.float32), ((3,), np.int16)])
def test_seed_scheduler(period, start, shape, dtype):
    """Silence before the start frame, the sound exactly from it, silence after it ends."""
    out, sound = seed_stream(period, start, shape, dtype)
    expected = np.zeros_like(out)
    played = dsp.convert(sound.data, dtype)
    expected[start:start + sound.frames] = played if shape else played[:, 0]  # to each channel
    np.testing.assert_array_equal(out, expected)
    assert np.all(out[start:start + sound.frames] != 0)


def test_seed_example_as_written():
    sound = buffering.Sound(1000, 44100)
    buffering.Filler(NoZeros(1000), sound).run()
    clock = engine.Clock()
    sched = scheduler.Scheduler(sound, clock)
    sched.play(400)
    target = np.zeros(75, np.int16)
    seen = []
    for i in range(10):
        clock.set(75 * i, 75)
        sched.render(target)
        seen.append(target.copy())
    stream = np.concatenate(seen)
    assert not stream[:400].any() and np.all(stream[400:] != 0)


def test_scheduler_periods_may_skip_ahead():
    """A period that starts later than the last one ended: the sound goes on as if the gap
    had played."""
    sound = buffering.Sound.from_array(np.arange(1, 101, dtype=np.float32), 48000)
    clock = engine.Clock()
    sched = scheduler.Scheduler(sound, clock)
    sched.play(10)
    target = np.zeros(50, np.float32)
    clock.set(0, 50)
    sched.render(target)
    clock.set(80, 50)  # frames 50 .. 79 are skipped
    sched.render(target)
    np.testing.assert_array_equal(target[:30], np.arange(71, 101))
    assert not target[30:].any()


def test_scheduler_checks_its_target():
    sched = scheduler.Scheduler(buffering.Sound(10, 48000), engine.Clock())
    sched.clock.set(0, 10)
    with pytest.raises(ValueError, match="period is 10 frames, the target holds 5"):
        sched.render(np.zeros(5, np.int16))
    sched.render(np.zeros(10, np.int16))
    sched.clock.set(0, 10)
    with pytest.raises(ValueError, match="went back"):
        sched.render(np.zeros(10, np.int16))


# ---- Engine ----

def render_in_blocks(eng, total, block):
    return np.concatenate([eng.render(min(block, total - i)) for i in range(0, total, block)])


def busy_engine(rng, block):
    eng = Engine(48000, 2)
    for i in range(20):
        x = rng.uniform(-0.5, 0.5, (int(rng.integers(1, 3000)), int(rng.integers(1, 3))))
        loop = [False, True, (len(x) // 3, len(x) // 3 + 1)][i % 3] if len(x) > 3 else False
        voice = eng.play(x.astype(np.float32), at=int(rng.integers(0, 8000)),
                         gain=float(rng.uniform(0.1, 1)), pan=float(rng.uniform(-1, 1)),
                         rate=[1.0, float(rng.uniform(0.3, 3))][i % 2], loop=loop)
        if i % 3 == 0:
            voice.stop(at=voice.start + int(rng.integers(0, 2000)))
    return render_in_blocks(eng, 12000, block), eng


def test_same_output_for_every_block_size():
    results = [busy_engine(np.random.default_rng(5), block)[0] for block in (1, 64, 75, 256)]
    for other in results[1:]:
        np.testing.assert_array_equal(other, results[0])
    assert results[0].any()


def test_voice_events_on_their_frames():
    eng = Engine(48000, 1)
    a = eng.play(np.ones(100, np.float32), at=10)
    b = eng.play(np.ones(100, np.float32), at=50)
    b.stop(at=70)
    out = render_in_blocks(eng, 300, 64)
    assert out[10:50].sum() == 40 and out[50:70].sum() == 40 and out[70:110].sum() == 40
    assert not out[:10].any() and not out[110:].any()
    events = sorted(eng.events(), key=lambda e: (e.frame, e.kind))
    assert [(e.kind, e.frame, e.voice) for e in events] == [
        ("voice_start", 10, a.id), ("voice_start", 50, b.id), ("voice_end", 70, b.id),
        ("voice_end", 110, a.id)]
    assert eng.playing == 0


def test_more_voices_than_the_command_ring_holds():
    """The command ring holds 4096; rendering offline, play() lets the core take what waits
    when it fills, and every voice sounds."""
    eng = Engine(48000, 1)
    x = np.ones(1, np.float32)
    for _ in range(10000):
        eng.play(x, at=10)
    assert eng.render(20)[10, 0] == 10000


def test_scheduler_with_more_plays_than_the_ring_holds():
    sound = buffering.Sound.from_array(np.ones(5, np.float32), 48000)
    clock = engine.Clock()
    sched = scheduler.Scheduler(sound, clock)
    for i in range(5000):
        sched.play(10 * i)
    clock.set(0, 50000)
    out = sched.render(np.zeros(50000, np.float32))
    assert np.count_nonzero(out) == 25000


def test_loops_are_the_same_whatever_the_blocks():
    """Looping voices at rates above 2 (steps past the loop's end within one run), and steps
    longer than the loop itself."""
    x = np.sin(np.arange(200) / 5).astype(np.float32)
    def make():
        eng = Engine(48000, 1)
        eng.play(x, rate=3.3, loop=(61, 181))
        eng.play(np.array([5, 5, 5, 1, 9, 9], np.float32), rate=256, loop=(3, 4), gain=0.5)
        return eng
    whole = make().render(5000)
    for block in (1, 64, 75):
        np.testing.assert_array_equal(render_in_blocks(make(), 5000, block), whole)
    assert np.all(whole[100:, 0] != 0)


def test_step_longer_than_the_loop_stays_in_it():
    eng = Engine(48000, 1)
    eng.play(np.array([5, 5, 5, 1, 9, 9], np.float32), rate=256, loop=(3, 4))
    assert eng.render(1)[0, 0] == 5  # the first frame, before the loop
    for _ in range(200):  # past where a position creeping by 255 frames a step would wrap
        np.testing.assert_array_equal(eng.render(100000), 1.0)


def test_loop_restart_is_read_from_the_loop():
    """At a rate other than 1, a periodic loop comes round seamlessly: the frames before its
    start are read from its end."""
    period = 64
    x = np.sin(2 * np.pi * np.arange(4 * period) / period).astype(np.float64)
    eng = Engine(48000, 1)
    eng.play(x.astype(np.float32), rate=0.37, loop=(period, 3 * period))
    out = eng.render(3000)[:, 0]
    t = np.arange(3000) * 0.37
    expected = np.sin(2 * np.pi * t / period)
    # (the first frames are read next to the silence before the sound)
    assert np.max(np.abs(out[8:] - expected[8:])) < 2e-3


def test_a_late_voice_starts_when_taken_and_says_so():
    """A voice whose frame has passed starts on the frame the core takes it, from its first
    frame (all of it plays), and a "late" event says by how much."""
    eng = Engine(48000, 1)
    eng.render(100)
    voice = eng.play(np.ones(40, np.float32), at=0, rate=2.0)
    out = eng.render(100)[:, 0]
    np.testing.assert_array_equal(out, np.r_[np.ones(20), np.zeros(80)])
    assert [(e.kind, e.frame, e.frames) for e in eng.events()] == [
        ("late", 100, 100), ("voice_start", 100, 0), ("voice_end", 120, 0)]
    assert voice.start == 0  # as asked


@pytest.mark.parametrize("rate,loop", [(1.0, False), (1.5, False), (0.7, True), (256.0, True)])
def test_late_voice_plays_as_one_on_time_from_where_it_was_taken(rate, loop):
    x = np.sin(np.arange(3000) / 7).astype(np.float32)
    on_time = Engine(48000, 1)
    on_time.render(300)
    on_time.play(x, at=300, rate=rate, loop=loop)
    late = Engine(48000, 1)
    late.render(300)
    late.play(x, at=100, rate=rate, loop=loop)  # arrives when frame 300 is next
    np.testing.assert_array_equal(late.render(1700), on_time.render(1700))
    assert [(e.kind, e.frames) for e in late.events()][:1] == [("late", 200)]


def test_a_very_late_voice_starts_from_its_beginning():
    x = np.arange(1, 8, dtype=np.float32)
    late = Engine(48000, 1)
    render_in_blocks(late, 5_000_003, 1 << 20)
    late.play(x, at=0, rate=3.0, loop=True)  # 5,000,003 frames late
    on_time = Engine(48000, 1)
    on_time.play(x, rate=3.0, loop=True)
    np.testing.assert_array_equal(late.render(64), on_time.render(64))
    assert late.events()[0] == pkaudio.Event("late", 5_000_003, 5_000_003, voice=1)


def test_play_at_now_sounds_in_the_next_block():
    eng = Engine(48000, 1)
    eng.render(256)
    eng.play(np.ones(10, np.float32))
    block = eng.render(256)
    assert block[:10].sum() == 10 and not block[10:].any()


@pytest.mark.parametrize("rate", [2.0, 0.5, 1.37, 1.0 + 2**-20])
def test_varispeed_length_and_pitch(rate):
    """Rate r plays the sound in 1/r of the time, at r times the pitch."""
    eng = Engine(48000, 1)
    t = np.arange(4800) / 48000
    voice = eng.play(np.sin(2 * np.pi * 300 * t).astype(np.float32), at=10, rate=rate)
    out = render_in_blocks(eng, 20000, 256)[:, 0]
    end = next(e.frame for e in eng.events() if e.kind == "voice_end")
    assert end - voice.start == math.ceil(4800 / rate)
    assert not out[end:].any() and not out[:10].any()
    k = np.arange(end - voice.start - 20)
    expected = np.sin(2 * np.pi * 300 * k * rate / 48000)
    err = out[10:10 + len(k)] - expected
    assert 10 * np.log10(np.sum(expected[5:] ** 2) / np.sum(err[5:] ** 2)) > 60


def test_loops_and_stop():
    eng = Engine(48000, 1)
    x = np.arange(1, 101, dtype=np.float32)
    whole = eng.play(x, loop=True)
    out = eng.render(350)[:, 0]
    np.testing.assert_array_equal(out, np.tile(x, 4)[:350])
    whole.stop(at=400)
    part = eng.play(x, at=400, loop=(50, 60))  # once up to frame 60, then 50..59 again
    out = eng.render(100)[:, 0]
    np.testing.assert_array_equal(out[:50], np.tile(x, 5)[350:400])
    np.testing.assert_array_equal(out[50:], np.concatenate([x[:60], x[50:60], x[50:60],
                                                            x[50:60], x[50:60]])[:50])
    part.stop()
    eng.render(10)
    ends = {e.voice: e.frame for e in eng.events() if e.kind == "voice_end"}
    assert ends == {whole.id: 400, part.id: 450}


@pytest.mark.parametrize("pan", [-1.0, -0.5, 0.0, 0.3, 1.0])
def test_a_mono_voice_is_panned_as_dsp_pan_pans(pan):
    """One constant-power law for a mono source: the engine's voice equals dsp.pan."""
    x = np.random.default_rng(1).uniform(-1, 1, 1000).astype(np.float32)
    eng = Engine(48000, 2)
    eng.play(x, pan=pan)
    np.testing.assert_array_equal(eng.render(1000), dsp.pan(x, pan))


def test_unpanned_mono_plays_as_it_is_in_every_channel():
    eng = Engine(48000, 2)
    voice = eng.play(np.full(8, 0.5, np.float32))
    np.testing.assert_array_equal(eng.render(4), np.full((4, 2), 0.5))
    assert not voice.panned
    voice.set(pan=0.0, ramp=0)  # from then on, the law
    np.testing.assert_allclose(eng.render(1), [[0.5 / math.sqrt(2)] * 2], rtol=1e-7)


@pytest.mark.parametrize("pan", [-1.0, -0.5, 0.0, 0.3, 1.0])
def test_stereo_voices_and_buses_are_balanced(pan):
    """A source of two channels (a voice, or a bus) is balanced: the near side stays, the far
    side falls as cos(|pan| pi / 2); nothing ever plays louder than it is."""
    stereo = np.array([[0.5, -0.25]] * 4, np.float32)
    far = math.cos(abs(pan) * math.pi / 2)
    expected = [0.5 * (far if pan > 0 else 1), -0.25 * (far if pan < 0 else 1)]
    eng = Engine(48000, 2)
    eng.play(stereo, pan=pan)
    np.testing.assert_allclose(eng.render(4), [expected] * 4, rtol=1e-6)
    eng = Engine(48000, 2)
    eng.play(stereo, bus=eng.bus("b", pan=pan))
    np.testing.assert_allclose(eng.render(4), [expected] * 4, rtol=1e-6)


def test_channel_mapping_and_gain():
    eng = Engine(48000, 2)
    stereo = np.array([[0.25, -0.5]] * 3, np.float32)
    eng.play(stereo, gain=2.0)
    np.testing.assert_allclose(eng.render(3), [[0.5, -1.0]] * 3)
    eng.play(buffering.Sound.from_array(np.array([100, -200], np.int16), 48000))
    np.testing.assert_allclose(eng.render(2)[:, 1], [100 / 32768, -200 / 32768])


def test_ten_thousand_voices_without_leaks():
    eng = Engine(48000, 2)
    x = np.ones((50, 1), np.float32)

    def run(voices):
        for i in range(voices):
            eng.play(x, at=eng.now + i % 40)
            if i % 100 == 99:
                eng.render(128)
        eng.render(256)
        eng.events()

    run(10000)  # warm up: the event lists grow to their working size
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    run(10000)
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    grown = sum(s.size_diff for s in after.compare_to(before, "filename"))
    assert eng.playing == 0
    # Python's free lists keep up to 2000 tuples of each size (some 200 kB here); a leak of
    # 100 bytes a voice would be 1 MB.
    assert grown < 1_000_000, f"{grown} bytes still held after 10,000 voices"


def test_commands_from_several_threads():
    """Four threads queue 200 voices each while a fifth renders: all 800 sound, together, on
    their frame (5000, past what is rendered while they queue)."""
    eng = Engine(48000, 1)
    x = np.ones(10, np.float32)

    def player():
        for _ in range(200):
            eng.play(x, at=5000)

    threads = [threading.Thread(target=player) for _ in range(4)]
    for t in threads:
        t.start()
    rendered = [eng.render(64) for _ in range(20)]
    for t in threads:
        t.join()
    rendered.append(eng.render(6000 - eng.now))
    out = np.concatenate(rendered)[:, 0]
    np.testing.assert_array_equal(out[5000:5010], 800)
    assert not out[:5000].any() and not out[5010:].any()
    assert len([e for e in eng.events() if e.kind == "voice_start"]) == 800


@pytest.mark.parametrize("call,error,match", [
    (lambda e: e.play(np.ones(4, np.float32), at=-1), ValueError, "engine frame"),
    (lambda e: e.play(np.ones(4, np.float32), gain=1e39), ValueError, "float32"),
    (lambda e: e.play(np.ones(4, np.float32), gain=float("nan")), ValueError, "gain"),
    (lambda e: e.play(np.ones((2, 2, 2), np.float32)), ValueError, "shape"),
    (lambda e: e.render(-5), ValueError, "frames"),
    (lambda e: Engine(48000, 1).play(np.ones(4, np.float32), pan=0.5), ValueError, "stereo"),
    (lambda e: Engine(48000, 0), ValueError, "channels"),
    (lambda e: e.play(np.ones(4, np.float32), rate=0), ValueError, "rate"),
    (lambda e: e.play(np.ones(4, np.float32), rate=float("inf")), ValueError, "rate"),
    (lambda e: e.play(np.ones(4, np.float32), loop=(3, 2)), ValueError, "loop"),
    (lambda e: e.play(np.ones(4, np.float32), loop=(0, 5)), ValueError, "loop"),
    (lambda e: e.play(np.zeros((4, 0), np.float32)), ValueError,
     r"sound: expected shape .*\(4, 0\)"),
    (lambda e: e.play(np.ones(4, np.float32), at=2**63 - 50), ValueError, "engine frame"),
    (lambda e: e.play(np.ones(4, np.float32), pan=3), ValueError, "pan"),
])
def test_bad_input_leaves_the_engine_running(call, error, match):
    eng = Engine(48000, 2)
    eng.play(np.ones(8, np.float32))
    with pytest.raises(error, match=match):
        call(eng)
    np.testing.assert_array_equal(eng.render(8), np.ones((8, 2)))


def test_waiting_for_events():
    eng = Engine(48000, 1)
    start = time.monotonic()
    assert eng.events(timeout=0.05) == [] and time.monotonic() - start >= 0.05
    eng.play(np.ones(10, np.float32), at=100)
    renderer = threading.Timer(0.05, lambda: eng.render(256))
    renderer.start()
    got = eng.events(timeout=5)  # woken by the render in another thread
    renderer.join()
    assert [e.kind for e in got] == ["voice_start", "voice_end"]


def test_listen_with_asyncio():
    eng = Engine(48000, 1)
    eng.play(np.ones(10, np.float32), at=100)

    async def main():
        async def render_later():
            await asyncio.sleep(0.02)
            eng.render(256)

        task = asyncio.create_task(render_later())
        seen = []
        async for event in eng.listen(poll=0.001):
            seen.append(event)
            if event.kind == "voice_end":
                break
        await task
        return seen

    seen = asyncio.run(main())
    assert [(e.kind, e.frame) for e in seen] == [("voice_start", 100), ("voice_end", 110)]


def test_disk_stream_voice(tmp_path):
    """A DiskStream played by a voice: its frames from the voice's start, on the frame, then
    the voice ends where the stream does."""
    rng = np.random.default_rng(3)
    x = rng.uniform(-0.5, 0.5, (30000, 2)).astype(np.float32)
    path = tmp_path / "x.wav"
    buffering.Sound.from_array(x, 48000).save(path, subtype="FLOAT")
    eng = Engine(48000, 2)
    stream = pkaudio.DiskStream(path, buffer_seconds=1.0)
    deadline = time.monotonic() + 5
    while not stream.stats()["complete"] and time.monotonic() < deadline:
        time.sleep(0.001)  # all of it buffered: the render below cannot run dry
    eng.play(stream, at=300, gain=0.5)
    out = render_in_blocks(eng, 40000, 75)
    np.testing.assert_array_equal(out[300:30300], x * np.float32(0.5))
    assert not out[:300].any() and not out[30300:].any()
    ends = [e.frame for e in eng.events() if e.kind == "voice_end"]
    assert ends == [30300] and eng.playing == 0
    with pytest.raises(RuntimeError, match="already being played"):
        eng.play(stream)
    with pytest.raises(RuntimeError, match="one consumer"):
        stream.read(10)
    stream.close()
    with pytest.raises(ValueError, match="loop=True"):
        eng.play(pkaudio.DiskStream(path), loop=True)


def test_exported():
    assert pkaudio.Engine is Engine
