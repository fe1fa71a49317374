import os
import shutil
import subprocess
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import settings

# Property tests draw the same examples on every run: a failure reproduces, CI never flakes.
settings.register_profile("pkaudio", derandomize=True, deadline=None, max_examples=150)
settings.load_profile("pkaudio")

# Lengths that catch off-by-one and vector-remainder bugs: empty, one, around the 16-sample
# vector groups, a prime, past the GIL-release threshold, and large.
AWKWARD_FRAMES = [0, 1, 2, 7, 15, 16, 17, 31, 33, 509, 1031, 4099, 100_003]
CHANNELS = [1, 2, 3, 6, 8]


@pytest.fixture
def rng():
    return np.random.default_rng(20261124)


def audio(rng, frames, channels, dtype=np.float32, mono_1d=False):
    """Seeded noise within [-1, 1), shaped (frames,) when mono_1d else (frames, channels)."""
    shape = (frames,) if mono_1d else (frames, channels)
    return rng.uniform(-1.0, 1.0, shape).astype(dtype)


class ArraySource:
    """A source over an array, with the hooks the tests need: a gate that read() waits on,
    and a frame after which read() fails."""

    def __init__(self, data, samplerate=48000, fail_at=None):
        self.data, self.samplerate, self.channels = data, samplerate, data.shape[1]
        self.position, self.fail_at = 0, fail_at
        self.gate = threading.Event()
        self.gate.set()
        self.closed = False

    def read(self, frames):
        self.gate.wait()
        if self.fail_at is not None and self.position >= self.fail_at:
            raise OSError("disk on fire")
        chunk = self.data[self.position:self.position + frames]
        if self.fail_at is not None:
            chunk = chunk[:max(0, self.fail_at - self.position)]
        self.position += len(chunk)
        return chunk

    def seek(self, frame):
        self.position = frame

    def close(self):
        self.closed = True


TESTBED = Path(__file__).resolve().parent.parent / "scripts" / "audio-testbed"


def _audio_missing() -> str:
    """Why a real-time device cannot run here, or "" if it can."""
    if shutil.which("jackd") is None or shutil.which("jack_lsp") is None:
        return "no JACK server (jackd): run scripts/audio-testbed install"
    try:
        import sounddevice  # noqa: F401
    except OSError as error:
        return f"no PortAudio ({error}): run scripts/audio-testbed install"
    return ""


@pytest.fixture(scope="session")
def jack_device():
    """A JACK server with the dummy driver (a real-time clocked device, 48 kHz, 2 in and 2
    out), started for these tests and stopped after them; PortAudio sees it as device
    "system". Skips where JACK or PortAudio is missing, but fails in CI (CI=true or 1)."""
    missing = _audio_missing()
    if missing:
        if os.environ.get("CI", "").lower() in ("true", "1", "yes"):
            pytest.fail(f"CI must run the real-time tests: {missing}")
        pytest.skip(missing)
    import sounddevice as sd

    name = f"pkaudio-test-{os.getpid()}"
    subprocess.run([str(TESTBED), "start", name], check=True, capture_output=True, text=True,
                   timeout=30)
    saved = {key: os.environ.get(key) for key in ("JACK_NO_START_SERVER", "JACK_DEFAULT_SERVER")}
    os.environ.update(JACK_NO_START_SERVER="1", JACK_DEFAULT_SERVER=name)
    sd._terminate()  # PortAudio looks for devices when it starts: start it again
    sd._initialize()
    try:
        yield "system"
    finally:
        sd._terminate()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        subprocess.run([str(TESTBED), "stop", name], check=True, timeout=30)
        sd._initialize()


def jack_ports() -> list[str]:
    """The ports of the JACK server that `jack_device` started."""
    return subprocess.run(["jack_lsp"], capture_output=True, text=True, check=True,
                          timeout=30).stdout.split()


def new_ports(before: list[str], prefix: str) -> list[str]:
    """The ports named `prefix`N that are not in `before`, in the order of N: the ports of
    the stream opened since (PortAudio numbers each client's ports on)."""
    ports = [port for port in jack_ports() if port.startswith(prefix) and port not in before]
    return sorted(ports, key=lambda port: int(port[len(prefix):]))


def jack_connect(source: str, destination: str) -> None:
    subprocess.run(["jack_connect", source, destination], check=True, timeout=30)


def eventually(condition, patience=10.0):
    """Whether `condition()` comes true within `patience` seconds (a busy machine may hold
    a device's thread up for a while; it may not stop it)."""
    deadline = time.monotonic() + patience
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.001)
    return True
