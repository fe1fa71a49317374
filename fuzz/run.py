"""Coverage-guided fuzzing of pkaudio with atheris (libFuzzer for Python).

Two targets:

files
    The input's first byte picks a file extension and its second a sample rate to load at;
    the rest is written to a file, which then goes through ``pkaudio.info``,
    ``Sound.from_file`` and a ``DiskStream`` read to its end. The seed corpus is small
    WAV/FLAC/OGG/AIFF/MP3/AU files made with soundfile when the run starts.
commands
    The input is decoded into an engine and a sequence of operations on it (play, set, stop,
    bus, bus set, render, events) with arbitrary values: numbers of every kind, sounds of
    every shape and dtype, Sounds at other rates, the engine's input.

Each input must keep pkaudio's contract: calls work or raise TypeError/ValueError (and the
RuntimeError or FileNotFoundError the API documents); a loaded file holds what ``info`` says;
an engine fed finite sounds and accepted settings renders finite audio, reports each voice's
start before its end, and loses no event. A broken rule is a *finding*: it is saved once per
cause (the input, and what went wrong) in the work directory's ``findings/`` and fuzzing goes
on. A crash stops libFuzzer, which saves the input as ``crash-*`` (``--keep-going`` runs
libFuzzer's fork mode, which goes on past crashes).

Usage::

    pip install '.[fuzz]'            # atheris
    python fuzz/run.py files --seconds 600
    python fuzz/run.py commands --seconds 600
    python fuzz/run.py replay files INPUT...      # run saved inputs, print what each did

With AddressSanitizer (an opt-in build, see the README), run with
``LD_PRELOAD=$(gcc -print-file-name=libasan.so)`` and
``ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=1`` (huge allocations then raise
MemoryError instead of aborting).
"""
from __future__ import annotations

import argparse
import hashlib
import io
import math
import os
import re
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path

import numpy as np

# Rules the inputs break, found so far this run: signature -> count.
FOUND: dict[str, int] = {}
WORKDIR = Path(tempfile.gettempdir()) / "pkaudio-fuzz"
EXTENSIONS = (".wav", ".flac", ".ogg", ".aiff", ".mp3", ".au", ".caf", ".w64", ".opus",
              ".raw", ".txt", "")
LOAD_RATES = (None, None, None, 48000, 44100, 8000, 96000, 22050.5, 1.5, 1e12)


class Finding(Exception):
    """An input broke a rule of the contract (not a crash: fuzzing goes on)."""


def signature(error: BaseException) -> str:
    """What makes two findings the same: the kind, where in pkaudio it was raised, and the
    message with its numbers blurred.
    """
    frames = [f for f in traceback.extract_tb(error.__traceback__)
              if "pkaudio" in f.filename or f.filename.endswith((".pyx", ".pxd"))]
    where = f" [{os.path.basename(frames[-1].filename)}:{frames[-1].name}]" if frames else ""
    message = re.sub(r"'[^']*'|\"[^\"]*\"", "'...'", str(error).splitlines()[0] if str(error)
                     else "")
    message = re.sub(r"-?\d[\d.e+-]*|\b(nan|inf)\b", "#", message)[:150]
    return f"{type(error).__name__}: {message}{where}"


def record(error: BaseException, data: bytes, target: str) -> None:
    """Save the smallest input of each finding so far, and count every one (in a file, as
    libFuzzer's fork mode runs the inputs in child processes).
    """
    key = signature(error)
    FOUND[key] = FOUND.get(key, 0) + 1
    folder = WORKDIR / target / "findings"
    folder.mkdir(parents=True, exist_ok=True)
    name = hashlib.sha1(key.encode()).hexdigest()[:12]
    with open(folder / "hits.log", "a") as log:
        log.write(f"{name}\n")
    saved = folder / f"{name}.input"
    if saved.exists() and len(saved.read_bytes()) <= len(data):
        return
    new = not saved.exists()
    saved.write_bytes(data)
    text = "".join(traceback.format_exception(error))
    (folder / f"{name}.txt").write_text(f"{key}\n\n{text}")
    if new:
        print(f"\n=== new finding: {key}\n    input: {saved}", flush=True)


def summary(target: str) -> str:
    """The findings of `target` in the work directory: each with its hits and input."""
    folder = WORKDIR / target / "findings"
    if not folder.exists():
        return f"{target}: no findings"
    hits: dict[str, int] = {}
    if (folder / "hits.log").exists():
        for name in (folder / "hits.log").read_text().split():
            hits[name] = hits.get(name, 0) + 1
    lines = []
    for text in sorted(folder.glob("*.txt")):
        key = text.read_text().splitlines()[0]
        lines.append(f"{hits.get(text.stem, 0):8d}  {key}\n          {text.with_suffix('.input')}")
    crashes = sorted((WORKDIR / target).glob("crash-*")) + \
        sorted((WORKDIR / target).glob("timeout-*")) + sorted((WORKDIR / target).glob("oom-*"))
    return (f"{target}: {len(lines)} findings, {len(crashes)} crashes/timeouts/OOMs\n"
            + "\n".join(lines) + "".join(f"\n   crash  {c}" for c in crashes))


def allowed(*extra):
    return (TypeError, ValueError) + extra


# ---- files ----

def file_input(extension: str, rate_index: int, body: bytes) -> bytes:
    return bytes([EXTENSIONS.index(extension), rate_index]) + body


def seed_files(folder: Path) -> None:
    """Small valid files in every format libsndfile writes here, as inputs of this target."""
    import soundfile as sf

    folder.mkdir(parents=True, exist_ok=True)
    t = np.arange(600) / 8000
    tone = np.stack([np.sin(2 * np.pi * 440 * t), np.sin(2 * np.pi * 660 * t)], axis=1) / 2
    formats = [(".wav", "WAV", "PCM_16"), (".wav", "WAV", "FLOAT"), (".flac", "FLAC", "PCM_16"),
               (".ogg", "OGG", "VORBIS"), (".aiff", "AIFF", "PCM_24"), (".au", "AU", "PCM_16"),
               (".caf", "CAF", "ALAC_16"), (".w64", "W64", "PCM_U8"), (".mp3", "MP3", None),
               (".opus", "OGG", "OPUS"), (".wav", "WAV", "IMA_ADPCM")]
    for i, (extension, fmt, subtype) in enumerate(formats):
        buffer = io.BytesIO()
        rate = 48000 if extension == ".opus" else 8000
        try:
            sf.write(buffer, tone[:, :1 + i % 2], rate, format=fmt, subtype=subtype)
        except (sf.LibsndfileError, TypeError, ValueError, RuntimeError):
            continue  # this libsndfile cannot write it
        body = buffer.getvalue()
        (folder / f"seed-{i}{extension}").write_bytes(file_input(extension, i % 4, body))
        if len(body) > 200:  # and cut short, as files on disks are
            (folder / f"cut-{i}{extension}").write_bytes(
                file_input(extension, 0, body[:len(body) // 2]))


def files(data: bytes) -> None:
    import pkaudio

    if len(data) < 2:
        return
    extension = EXTENSIONS[data[0] % len(EXTENSIONS)]
    rate = LOAD_RATES[data[1] % len(LOAD_RATES)]
    path = os.path.join(SCRATCH, "input" + extension)
    with open(path, "wb") as f:
        f.write(data[2:])
    try:
        info = pkaudio.info(path)
    except allowed():
        info = None
    try:
        sound = pkaudio.Sound.from_file(path, samplerate=rate)
    except allowed():
        sound = None
    if sound is not None:
        check_loaded(sound, info, rate)
    check_streamed(path, rate, info, sound)


def check_loaded(sound, info, rate) -> None:
    """What Sound.from_file returned must be float32 (frames, channels) with the channels
    info() reported, and (loaded at the file's own rate) all the frames it reported.
    """
    data = sound.data
    if data.dtype != np.float32 or data.ndim != 2:
        raise Finding(f"from_file returned {data.dtype} {data.shape}")
    if info is None:
        raise Finding("from_file read a file that info() refused")
    if data.shape[1] != info.channels:
        raise Finding(f"from_file: {data.shape[1]} channels, info() said {info.channels}")
    # (More frames than the header said is no loss: some headers' lengths are estimates, as
    # an MPEG stream's without a Xing header; fewer without an error is.)
    if rate is None and sound.frames < info.frames:
        raise Finding(f"from_file returned {sound.frames} of the {info.frames} frames "
                      f"info() promised, without an error ({info.format} {info.subtype})")


def check_streamed(path, rate, info, sound) -> None:
    """A DiskStream of the file (where it opens one) must end, and not early: not before the
    frames info() reported, where from_file loaded them all at the file's own rate.
    """
    from pkaudio import buffering

    try:
        stream = buffering.DiskStream(path, buffer_seconds=0.5, samplerate=rate)
    except allowed():
        return
    with stream:
        kinds = read_to_end(stream, path)
        if "end" in kinds and info is not None and rate is None and \
                stream.stats()["played"] < info.frames and sound is not None and \
                sound.frames == info.frames:
            raise Finding("a DiskStream ended early: played "
                          f"{stream.stats()['played']} of {info.frames} frames")


def read_to_end(stream, path) -> list:
    """Read `stream` (of the file at `path`) until it reports its end or an error; the kinds
    of the events it reported. Raises Finding if that takes more than 5 s.
    """
    deadline = time.monotonic() + 5.0
    frames, kinds = 0, []
    while time.monotonic() < deadline:
        frames += len(stream.read(8192))
        kinds += [e.kind for e in stream.events()]
        if "end" in kinds or "error" in kinds:
            return kinds
        time.sleep(0.0005)
    raise Finding(f"a DiskStream of a {os.path.getsize(path)}-byte file had not ended "
                  f"after 5 s ({frames} frames read)")


# ---- commands ----

class Commands:
    """Decodes the input into engine operations as it goes."""

    def __init__(self, fdp):
        self.fdp = fdp
        self.poisoned = False  # a value the engine may rightly turn into NaN was accepted

    def choice(self, options):
        return options[self.fdp.ConsumeIntInRange(0, len(options) - 1)]

    def number(self, lo=-4.0, hi=4.0, poisons=True):
        """A float in range mostly; now and then anything at all."""
        kind = self.fdp.ConsumeIntInRange(0, 15)
        if kind < 9:
            return self.fdp.ConsumeFloatInRange(lo, hi)
        if kind < 11:
            value = self.fdp.ConsumeFloat()  # NaN, infinities, extremes
        elif kind < 13:
            value = self.fdp.ConsumeInt(self.fdp.ConsumeIntInRange(1, 80))
        else:
            value = self.choice((1e39, -1e39, 3.5e38, 1e308, 5e-324, -0.0, True, "0.5", None,
                                 [1.0, 1.0], np.float32("nan"), np.int64(-1), 10**400, 1j,
                                 np.float64(2.5), "nan"))
        if poisons:
            self.poisoned = True
        return value

    def frame(self, now):
        kind = self.fdp.ConsumeIntInRange(0, 9)
        if kind < 3:
            return None
        if kind < 8:
            return now + self.fdp.ConsumeIntInRange(0, 5000)
        return self.choice((-1, 2**62, 2**63, 10**30, 1.5, math.nan, "3", np.int64(5),
                            np.uint64(2**64 - 1), np.float32(7), True, self.fdp.ConsumeInt(9)))

    def sound(self, eng):
        import pkaudio

        kind = self.fdp.ConsumeIntInRange(0, 9)
        frames = self.choice((0, 1, 2, 17, 100, 1000, 3000))
        channels = self.choice((1, 1, 2, 3, 0, 65))
        dtype = self.choice(("float32", "float32", "float64", "int16", "int32", "uint8",
                             "complex64", ">f4", "bool"))
        shape = (frames, channels) if self.fdp.ConsumeBool() else (frames,)
        rng = np.random.default_rng(self.fdp.ConsumeIntInRange(0, 255))
        data = rng.uniform(-1, 1, shape).astype(dtype)
        if self.fdp.ConsumeIntInRange(0, 15) == 0 and data.dtype.kind == "f":
            data.flat[::7] = np.nan
            self.poisoned = True
        if kind < 5:
            return data if self.fdp.ConsumeIntInRange(0, 3) else data[::2]
        if kind < 8:
            rate = self.choice((48000, 44100, 96000, 22050, 48000.5, 8000))
            return pkaudio.Sound.from_array(data, rate)
        if kind < 9:
            return eng.input
        return self.choice((None, "sound", 3, [0.0, 1.0], np.zeros((2, 2, 2), np.float32)))

    def run(self):
        import pkaudio

        fdp = self.fdp
        rate = self.choice((48000, 44100, 8000, 96000, 1.0, 44100.5, 1e7))
        channels = self.choice((1, 2, 2, 3, 8, 0, 65, 2.5))
        meter = self.choice((0, 0, 64, 480, 1))
        try:
            eng = pkaudio.Engine(rate, channels, meter_interval=meter)
        except allowed():
            return
        voices, buses, events = [], [eng.master], []
        for i in range(fdp.ConsumeIntInRange(0, 48)):
            op = fdp.ConsumeIntInRange(0, 9)
            try:
                if op < 3 or not voices and op < 6:
                    voices.append(eng.play(
                        self.sound(eng), at=self.frame(eng.now), gain=self.number(),
                        pan=self.number(-1, 1), rate=self.number(0.25, 4),
                        loop=self.choice((False, False, True, (0, 1), (0, 50), 1, "yes",
                                          (5, 2), (0, 10**9), None)),
                        bus=self.choice(buses + ["master", "nope", None])))
                elif op < 4:
                    self.choice(voices).set(gain=self.number(), pan=self.number(-1, 1),
                                            rate=self.number(0.25, 4),
                                            ramp=self.frame(0), at=self.frame(eng.now))
                elif op < 5:
                    self.choice(voices).stop(at=self.frame(eng.now), release=self.frame(0))
                elif op < 6:
                    buses.append(eng.bus(f"b{i}" if fdp.ConsumeBool() else fdp.ConsumeUnicode(4),
                                         gain=self.number(), pan=self.number(-1, 1),
                                         output=self.choice(buses)))
                elif op < 7:
                    self.choice(buses).set(gain=self.number(), pan=self.number(-1, 1),
                                           mute=self.choice((None, True, False, "no")),
                                           ramp=self.frame(0), at=self.frame(eng.now))
                else:
                    self.render(eng, fdp.ConsumeIntInRange(0, 6000), events)
            except allowed(RuntimeError):
                pass
        for voice in voices:
            voice.stop()
        for _ in range(50):
            self.render(eng, 65536, events)
            if not eng.playing:
                break
        self.check_events(eng, voices, events)

    def render(self, eng, frames, events):
        out = eng.render(frames)
        if not self.poisoned and not np.isfinite(out).all():
            raise Finding("non-finite output from finite sounds and settings")
        events += eng.events()

    def check_events(self, eng, voices, events):
        if eng.playing:
            raise Finding(f"{eng.playing} voices still playing after all were stopped")
        lost = eng.stats()["lost_events"]
        if lost:
            raise Finding(f"{lost} events lost rendering offline")
        starts, ends = {}, {}
        for e in events:
            if e.kind == "voice_start":
                starts.setdefault(e.voice, []).append(e.frame)
            elif e.kind == "voice_end":
                ends.setdefault(e.voice, []).append(e.frame)
        for voice in voices:
            s, e = starts.get(voice.id, []), ends.get(voice.id, [])
            if len(e) != 1 or len(s) > 1 or (s and e[0] < s[0]):
                raise Finding(f"voice events: starts {s}, ends {e}")


def commands(data: bytes) -> None:
    import atheris

    Commands(atheris.FuzzedDataProvider(data)).run()


# ---- running ----

TARGETS = {"files": files, "commands": commands}


def one_input(target: str):
    function = TARGETS[target]

    def test(data: bytes) -> None:
        try:
            function(data)
        except Finding as error:
            record(error, data, target)
        except (TypeError, ValueError, RuntimeError, FileNotFoundError) as error:
            # Allowed from the calls themselves, but the targets catch those: one that
            # escapes was raised where no call allows it.
            record(error, data, target)
        except Exception as error:
            record(error, data, target)

    return test


def replay(target: str, paths: list[str], verbose: bool = False) -> int:
    """Run saved inputs (files, or every file in a directory) once each; print what broke
    the contract, grouped by cause. Returns how many did.
    """
    global SCRATCH
    SCRATCH = tempfile.mkdtemp(prefix="pkaudio-replay-")
    inputs = sorted(p for path in map(Path, paths)
                    for p in (path.iterdir() if path.is_dir() else [path]) if p.is_file())
    broken: dict[str, list[Path]] = {}
    try:
        for path in inputs:
            try:
                TARGETS[target](path.read_bytes())
            except Exception as error:
                key = signature(error)
                broken.setdefault(key, []).append(path)
                if verbose or len(broken[key]) == 1:
                    print(f"{path}: {key}", flush=True)
                    if verbose:
                        traceback.print_exception(error)
    finally:
        shutil.rmtree(SCRATCH, ignore_errors=True)
    print(f"\n{len(inputs)} inputs, {sum(map(len, broken.values()))} broke the contract, "
          f"{len(broken)} causes:")
    for key, found in sorted(broken.items(), key=lambda kv: -len(kv[1])):
        smallest = min(found, key=lambda p: p.stat().st_size)
        print(f"{len(found):8d}  {key}\n          e.g. {smallest}")
    return sum(map(len, broken.values()))


SCRATCH = ""


def _python(function):
    code = getattr(function, "__code__", None)
    return code is not None and code.co_filename.endswith(".py")  # (not Cython's)


def _instrument(atheris, value):
    """Instrument a Python function, or the methods of a class, for coverage (in place)."""
    if isinstance(value, type):
        for member in vars(value).values():
            for function in (getattr(member, "__func__", member), getattr(member, "fget", None),
                             getattr(member, "fset", None)):
                if _python(function):
                    atheris.instrument_func(function)
    elif _python(value):
        atheris.instrument_func(value)


def keep_going(args, libfuzzer) -> int:
    """Run the fuzzer again after each crash until args.seconds have passed. (libFuzzer's own
    fork mode re-executes argv[0], which for atheris is a script, not a program.)
    """
    import subprocess

    deadline = time.monotonic() + args.seconds
    runs = 0
    while (left := int(deadline - time.monotonic())) > 5:
        runs += 1
        status = subprocess.call([sys.executable, os.path.abspath(__file__), args.target,
                                  f"--seconds={left}", f"--workdir={args.workdir}", "--",
                                  *libfuzzer])
        if status == 2:  # atheris missing: no use trying again
            return status
        print(f"=== run {runs} ended with status {status}", flush=True)
    return 0


def main(argv=None) -> int:
    global WORKDIR, SCRATCH
    parser = argparse.ArgumentParser(
        description="Coverage-guided fuzzing of pkaudio with atheris.",
        epilog="Arguments after -- go to libFuzzer (e.g. -- -jobs=2 -max_len=65536).")
    parser.add_argument("target", choices=[*TARGETS, "replay", "summary"])
    parser.add_argument("inputs", nargs="*",
                        help="replay: the target, then input files; summary: targets")
    parser.add_argument("--seconds", type=int, default=60, help="how long to fuzz")
    parser.add_argument("--workdir", type=Path, default=WORKDIR,
                        help=f"corpus and findings (default {WORKDIR})")
    parser.add_argument("--verbose", action="store_true",
                        help="replay: print every failing input with its traceback")
    parser.add_argument("--keep-going", action="store_true",
                        help="after a crash, hang or OOM, start again (with the corpus so far) "
                             "until the time is up")
    args, libfuzzer = parser.parse_known_args(argv)
    libfuzzer = [a for a in libfuzzer if a != "--"]
    if args.target == "summary":
        WORKDIR = args.workdir
        print("\n\n".join(summary(t) for t in args.inputs or TARGETS))
        return 0
    if args.target == "replay":
        if not args.inputs or args.inputs[0] not in TARGETS:
            parser.error("replay TARGET INPUT...")
        return 1 if replay(args.inputs[0], args.inputs[1:], args.verbose) else 0
    if args.keep_going:
        return keep_going(args, libfuzzer)
    try:
        import atheris
    except ImportError:
        print("atheris is not installed: pip install '.[fuzz]' (wheels exist for Linux; on "
              "macOS it builds against Homebrew's LLVM, as Apple's clang has no libFuzzer)",
              file=sys.stderr)
        return 2
    WORKDIR = args.workdir
    corpus = WORKDIR / args.target / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    if args.target == "files":
        seed_files(corpus)
    SCRATCH = tempfile.mkdtemp(prefix="pkaudio-fuzz-")
    # pkaudio's editable install loads it through its own finder, which atheris's import
    # hook does not see: instrument what is loaded instead (pkaudio's and soundfile's Python).
    import soundfile

    import pkaudio
    import pkaudio.buffering
    import pkaudio.engine

    for module in [m for name, m in sys.modules.items()
                   if name.split(".")[0] in ("pkaudio", "soundfile") and m is not None]:
        for value in list(vars(module).values()):
            if getattr(value, "__module__", None) == module.__name__:
                _instrument(atheris, value)
    del pkaudio, soundfile
    options = [f"-max_total_time={args.seconds}", "-rss_limit_mb=4096", "-timeout=20",
               f"-artifact_prefix={WORKDIR / args.target}/", "-print_final_stats=1"]
    if "asan" not in os.environ.get("LD_PRELOAD", ""):
        options.append("-close_fd_mask=2")  # libsndfile's decoders chatter on stderr
    if args.target == "files":
        options.append("-max_len=65536")
    atheris.Setup([sys.argv[0], *options, *libfuzzer, str(corpus)], one_input(args.target))
    try:
        atheris.Fuzz()
    finally:
        shutil.rmtree(SCRATCH, ignore_errors=True)
        print(summary(args.target), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
