"""Run one of pkaudio's benchmarks, peers measured in the same run, and write its report to
bench/results/<suite>.md (the figures the README quotes).

    pip install '.[bench]'
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python bench/run.py SUITE [--quick]

SUITE is kernels (the DSP kernels against numpy), resample (against soxr and libsamplerate;
also draws bench/results/resample.png), streams (disk streams one core sustains, and file
loading), engine (voices against pyo, and voices per core in real time), realtime (real
time delivered on a device while Python is busy), multicard (a second device on its own
clock beside the first) or fx (the effects against pedalboard and scipy, a mix of effects in
real time; also draws bench/results/fx.png); the last three on a JACK dummy server that this
script starts with scripts/audio-testbed, unless JACK_DEFAULT_SERVER names a running one.
The two variables, set on some machines for old OpenBLAS builds, slow numpy's BLAS down and
would flatter pkaudio against np.dot. The cases live in pkaudio.benchmarks, so
``pkaudio bench SUITE`` runs the same ones on any installed copy.
"""
import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from pkaudio.cli import main

TESTBED = Path(__file__).resolve().parent.parent / "scripts" / "audio-testbed"


@contextlib.contextmanager
def jack_server(period: int) -> Iterator[list[str]]:
    """The device of the realtime and multicard suites: a JACK dummy server
    (scripts/audio-testbed) of `period` frames, unless the environment names one already.
    Yields the device to measure."""
    if os.environ.get("JACK_DEFAULT_SERVER"):
        yield []
        return
    name = f"pkaudio-bench-{os.getpid()}"
    subprocess.run([str(TESTBED), "start", name], check=True, stdout=subprocess.DEVNULL,
                   env={**os.environ, "PKAUDIO_JACK_PERIOD": str(period)})
    os.environ.update(JACK_NO_START_SERVER="1", JACK_DEFAULT_SERVER=name)
    try:
        yield ["--device", "system"]
    finally:
        if "sounddevice" in sys.modules:  # PortAudio lets go of the server before it stops
            sys.modules["sounddevice"]._terminate()
        subprocess.run([str(TESTBED), "stop", name], check=True)


if __name__ == "__main__":
    suite, options = (sys.argv[1], sys.argv[2:]) if len(sys.argv) > 1 else ("kernels", [])
    results = Path(__file__).parent / "results"
    plot = ["--plot", str(results / f"{suite}.png")] if suite in ("resample", "fx") else []
    # The realtime suite's smallest block is the server's period: every block size it
    # measures is then a deadline the callback really has.
    server: contextlib.AbstractContextManager[list[str]] = \
        jack_server(64 if suite in ("realtime", "fx") else 128) \
        if suite in ("realtime", "multicard", "fx") else contextlib.nullcontext([])
    with server as device:
        sys.exit(main(["bench", suite, "--output", str(results / f"{suite}.md"), *plot,
                       *device, *options]))
