"""Engine scenarios for the fuzz suite: whole sequences of commands rather than single calls.

`scenarios()` draws a set of sounds, buses and timed commands (plays with rates, loops,
gains, pans and buses; changes; stops; bus changes). `render()` plays one through an engine,
either sending every command first and rendering in one call, or sending each command just
before the block its frame falls in and rendering in the given block sizes: the engine
promises the same output, bit for bit, either way.

`commands_from_threads()` has threads send commands while another renders; `mix_race()` and
`init_race()` change what a running kernel reads from another thread. These run in the fuzz
worker's subprocess, so that a crash is a result.
"""
from __future__ import annotations

import random
import threading
import traceback

import numpy as np
from hypothesis import strategies as st

# Frames a scenario renders, at most.
LONGEST = 12_000
BLOCKS = (1, 2, 7, 64, 100, 127, 128, 255, 256, 257, 480, 1000, 1024, 4096, 10_000)


@st.composite
def scenarios(draw):
    """A scenario as plain data (so that it prints as a reproducer)."""
    channels = draw(st.sampled_from((1, 2, 2)))
    pan = (lambda: draw(st.floats(-1, 1))) if channels == 2 else (lambda: 0.0)
    sounds = [(draw(st.integers(1, 3000)), draw(st.sampled_from((1, 2, 3))),
               draw(st.sampled_from((48000, 48000, 44100, 96000, 22050))),
               draw(st.integers(0, 99)))
              for _ in range(draw(st.integers(1, 4)))]
    buses = []
    for i in range(draw(st.integers(0, 3))):
        buses.append((f"bus{i}", draw(st.floats(0, 2)), pan(), draw(st.integers(0, i))))
    total = draw(st.integers(1, LONGEST))
    commands, voices = [], 0
    for _ in range(draw(st.integers(1, 24))):
        at = draw(st.integers(0, total))
        kind = draw(st.sampled_from(("play", "play", "play", "set", "stop", "bus")))
        if kind == "play" or not voices and kind in ("set", "stop"):
            s = draw(st.integers(0, len(sounds) - 1))
            frames = sounds[s][0]
            loop = draw(st.sampled_from((False, False, True, "region")))
            if loop == "region":
                start = draw(st.integers(0, frames - 1))
                loop = (start, draw(st.integers(start + 1, frames)))
            commands.append(("play", at, voices, s, draw(st.floats(-2, 2)), pan(),
                             draw(st.sampled_from((1.0, 1.0, 0.5, 2.0, 0.25, 4.0,
                                                   1.0594630943592953, 0.9))), loop,
                             draw(st.integers(0, len(buses)))))
            voices += 1
        elif kind == "set":
            commands.append(("set", at, draw(st.integers(0, voices - 1)),
                             draw(st.none() | st.floats(-2, 2)), draw(st.none()) if channels == 1
                             else draw(st.none() | st.floats(-1, 1)),
                             draw(st.none() | st.sampled_from((0.5, 1.5, 2.0, 0.3))),
                             draw(st.sampled_from((0, 1, 64, 255, 1000, 5000)))))
        elif kind == "stop":
            commands.append(("stop", at, draw(st.integers(0, voices - 1)),
                             draw(st.sampled_from((0, 1, 64, 300, 2000)))))
        else:
            commands.append(("bus", at, draw(st.integers(0, len(buses))),
                             draw(st.none() | st.floats(0, 2)),
                             draw(st.none()) if channels == 1 else draw(st.none() |
                                                                        st.floats(-1, 1)),
                             draw(st.none() | st.booleans()),
                             draw(st.sampled_from((0, 1, 64, 1000)))))
    # Sent in frame order (a voice's play before its changes), ties in the order drawn.
    played_at = {c[2]: c[1] for c in commands if c[0] == "play"}
    for i, c in enumerate(commands):
        if c[0] in ("set", "stop"):
            commands[i] = (c[0], max(c[1], played_at[c[2]])) + c[2:]
    order = sorted(range(len(commands)), key=lambda i: (commands[i][1], i))
    commands = [commands[i] for i in order]
    blocks = draw(st.lists(st.sampled_from(BLOCKS), min_size=1, max_size=8))
    return {"rate": 48000, "channels": channels,
            "meter": draw(st.sampled_from((0, 0, 100, 480))), "sounds": sounds,
            "buses": buses, "commands": commands, "total": total, "blocks": blocks}


def _sound(spec, pkaudio):
    frames, channels, rate, seed = spec
    data = np.random.default_rng(seed).uniform(-1, 1, (frames, channels)).astype(np.float32)
    return data if rate == 48000 else pkaudio.Sound.from_array(data, rate)


def render(scenario, blocks=None):
    """(output, events) of a scenario: every command sent first and one render, or with
    `blocks`, each command sent just before the block its frame is in."""
    import pkaudio

    eng = pkaudio.Engine(scenario["rate"], scenario["channels"],
                         meter_interval=scenario["meter"])
    sounds = [_sound(s, pkaudio) for s in scenario["sounds"]]
    buses = [eng.master]
    for name, gain, pan, output in scenario["buses"]:
        buses.append(eng.bus(name, gain=gain, pan=pan, output=buses[output]))
    voices = {}  # by the number of the play that made them

    def send(command):
        kind, at = command[0], command[1]
        if kind == "play":
            _, _, number, s, gain, pan, rate, loop, bus = command
            voices[number] = eng.play(sounds[s], at=at, gain=gain, pan=pan, rate=rate,
                                      loop=loop, bus=buses[bus])
        elif kind == "set":
            _, _, v, gain, pan, rate, ramp = command
            voices[v].set(gain=gain, pan=pan, rate=rate, ramp=ramp, at=at)
        elif kind == "stop":
            voices[command[2]].stop(at=at, release=command[3])
        else:
            _, _, b, gain, pan, mute, ramp = command
            buses[b].set(gain=gain, pan=pan, mute=mute, ramp=ramp, at=at)

    total, pending, out, events = scenario["total"], list(scenario["commands"]), [], []
    if blocks is None:
        for command in pending:
            send(command)
        out.append(eng.render(total))
        events += eng.events()
    else:
        i = 0
        while eng.now < total:
            n = min(blocks[i % len(blocks)], total - eng.now)
            i += 1
            while pending and pending[0][1] < eng.now + n:
                send(pending.pop(0))
            out.append(eng.render(n))
            events += eng.events()
    key = [(e.kind, e.frame, e.voice, e.bus, e.frames, e.peak, e.rms) for e in events]
    return np.concatenate(out), sorted(key, key=repr)


def check_block_sizes(scenario):
    """Raise AssertionError unless both ways of rendering give the same samples and events."""
    whole, whole_events = render(scenario)
    blocked, blocked_events = render(scenario, scenario["blocks"])
    if whole.tobytes() != blocked.tobytes():
        differ = np.flatnonzero(np.any(whole != blocked, axis=1))
        first = int(differ[0]) if len(differ) else -1
        raise AssertionError(
            f"output differs in {len(differ)} of {len(whole)} frames, first at frame {first}: "
            f"{whole[first].tolist()} rendered at once, {blocked[first].tolist()} in blocks "
            f"of {scenario['blocks']}")
    if whole_events != blocked_events:
        only = [e for e in whole_events if e not in blocked_events][:3]
        extra = [e for e in blocked_events if e not in whole_events][:3]
        raise AssertionError(f"events differ: rendered at once only {only}; in blocks only "
                             f"{extra}")


def commands_from_threads(seed, senders=4, commands=150):
    """Threads play, change and stop voices and change and add buses while one thread
    renders in random block sizes and collects events. Then every voice is stopped and the
    engine rendered until none plays. Raises AssertionError unless no command failed, every
    voice reported one start and one end (in that order, the start where it was played),
    and no event was lost."""
    import pkaudio

    eng = pkaudio.Engine(48000, 2, meter_interval=480)
    eng.bus("a")
    eng.bus("b", output="a", pan=0.5)
    tone = np.sin(np.arange(4000, dtype=np.float32) / 7)
    played, errors, events = [], [], []
    done = threading.Event()
    lock = threading.Lock()

    def sender(t):
        rng = random.Random(seed * 100 + t)
        mine = []
        try:
            for i in range(commands):
                voice = send_random_command(eng, rng, tone, mine, new_bus=f"t{t}.{i}")
                if voice is not None:
                    mine.append(voice)
                    with lock:
                        played.append(voice)
        except Exception:
            errors.append(traceback.format_exc())

    def renderer():
        rng = random.Random(seed)
        try:
            while not done.is_set():
                eng.render(rng.choice((1, 64, 256, 1000, 3000)))
                events.extend(eng.events())
        except Exception:
            errors.append(traceback.format_exc())

    threads = [threading.Thread(target=sender, args=(t,)) for t in range(senders)]
    render_thread = threading.Thread(target=renderer)
    render_thread.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    done.set()
    render_thread.join()
    assert not errors, "commands failed:\n" + "\n".join(errors)
    events += stop_and_render_out(eng, played)
    assert eng.playing == 0, f"{eng.playing} voices still playing after all were stopped"
    wrong = misreported_voices(played, events)
    lost = eng.stats()["lost_events"]
    assert not wrong and not lost, (
        f"{len(wrong)} of {len(played)} voices reported wrongly, {lost} events lost: "
        + "; ".join(wrong[:5]))


def send_random_command(eng, rng, tone, mine, new_bus):
    """Send `eng` one command drawn from `rng`: play a piece of `tone` (the voice is
    returned; always this while `mine` is empty), change or stop one of the voices `mine`,
    change a bus, or add the bus named `new_bus`."""
    op = rng.random()
    if op < 0.45 or not mine:
        return eng.play(tone[:rng.randrange(1, 4000)], gain=rng.uniform(0, 1),
                        pan=rng.uniform(-1, 1), rate=rng.choice((1, 0.5, 2, 1.5)),
                        loop=rng.random() < 0.15, bus=rng.choice(("master", "a", "b")))
    if op < 0.65:
        rng.choice(mine).set(gain=rng.uniform(0, 1), pan=rng.uniform(-1, 1),
                             rate=rng.choice((None, 0.75, 1.25)), ramp=rng.randrange(0, 500))
    elif op < 0.8:
        rng.choice(mine).stop(release=rng.randrange(0, 500))
    elif op < 0.95:
        eng.buses[rng.choice(("master", "a", "b"))].set(
            gain=rng.uniform(0.5, 1), mute=rng.random() < 0.2, ramp=rng.randrange(0, 300))
    else:
        eng.bus(new_bus, gain=rng.uniform(0, 1), output=rng.choice(("master", "a")))
    return None


def stop_and_render_out(eng, voices):
    """Stop every one of `voices` and render until none plays (at most 1000 blocks of
    4096 frames); the events the engine reported meanwhile."""
    for voice in voices:
        voice.stop()
    events = []
    for _ in range(1000):
        eng.render(4096)
        events.extend(eng.events())
        if not eng.playing:
            break
    events.extend(eng.events())
    return events


def misreported_voices(played, events):
    """A line for each voice in `played` whose `events` are not one end and at most one
    start, the start (or, without one, the end) at the frame it was played and the end no
    earlier than the start."""
    starts, ends = {}, {}
    for e in events:
        if e.kind == "voice_start":
            starts.setdefault(e.voice, []).append(e.frame)
        elif e.kind == "voice_end":
            ends.setdefault(e.voice, []).append(e.frame)
    # A voice stopped on the frame it was to start plays nothing: whether it reports a
    # start as well is for the hostile-call suite (Voice.stop) to judge, not a race.
    wrong = []
    for voice in played:
        s, e = starts.get(voice.id, []), ends.get(voice.id, [])
        if len(e) != 1 or len(s) > 1 or (s and (e[0] < s[0] or s[0] != voice.start)) or \
                (not s and e[0] != voice.start):
            wrong.append(f"voice {voice.id} played at {voice.start}: starts {s}, ends {e}")
    return wrong


def mix_race(rounds=6, voices=8, samples=1 << 21):
    """dsp.mix reading a list of voices that another thread empties while it runs: the list
    holds the only references, so the arrays are freed. The mix must not read freed memory:
    it mixes what the list held when it was called (or refuses)."""
    from pkaudio import dsp

    def empty(inputs, started):
        started.wait()
        inputs.clear()

    out = np.empty(samples, np.float32)
    for r in range(rounds):
        inputs = [np.full(samples, float(i + 1), np.float32) for i in range(voices)]
        started = threading.Barrier(2)
        thief = threading.Thread(target=empty, args=(inputs, started))
        thief.start()
        started.wait()
        try:
            dsp.mix(inputs, out=out)
        except (TypeError, ValueError):
            pass  # refusing a list that changed is fine
        else:
            total = voices * (voices + 1) / 2
            assert np.all((out == total) | (out == 0)), \
                f"round {r}: the mix read something other than its voices"
        thief.join()


def init_race(rounds=6, patience=10.0):
    """Resampler.__init__ called from another thread while process() runs: it must refuse
    (RuntimeError: in use) or wait; never free or change what process() reads. A process()
    still running `patience` seconds later (it takes milliseconds) counts as a hang."""
    from pkaudio import dsp

    x = np.random.default_rng(0).uniform(-1, 1, (1 << 18, 2)).astype(np.float32)

    def again(r, started, failures):
        started.wait()
        for rates in ((8000, 96000), (96000, 8000), (22050, 44100)):
            try:
                r.__init__(*rates, channels=1, quality="quick")
            except RuntimeError:
                pass  # in use: refused, as it should be
            except Exception:
                failures.append(traceback.format_exc())

    def process(r, started, failures):
        started.wait()
        try:
            r.process(x)
        except RuntimeError:
            pass  # refused because the other thread holds it: fine
        except Exception:
            failures.append(traceback.format_exc())

    for _ in range(rounds):
        r = dsp.Resampler(44100, 48000, 2, quality="very_high")
        started, failures = threading.Barrier(2), []
        threads = [threading.Thread(target=f, args=(r, started, failures), daemon=True)
                   for f in (again, process)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(patience)
        assert not threads[1].is_alive(), \
            f"process() still running {patience:g} s after __init__ was called during it"
        assert not failures, "\n".join(failures)
