"""Run one of pkaudio's benchmarks, peers measured in the same run, and write its report to
bench/results/<suite>.md (the figures the README quotes).

    pip install '.[bench]'
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python bench/run.py SUITE [--quick]

SUITE is kernels (the DSP kernels against numpy), resample (against soxr and libsamplerate;
also draws bench/results/resample.png), streams (disk streams one core sustains, and file
loading) or engine (voices against pyo, and voices per core in real time). The two variables,
set on some machines for old OpenBLAS builds, slow numpy's BLAS down and would flatter pkaudio
against np.dot. The cases live in pkaudio.benchmarks, so ``pkaudio bench SUITE`` runs the same
ones on any installed copy.
"""
import sys
from pathlib import Path

from pkaudio.cli import main

if __name__ == "__main__":
    suite, options = (sys.argv[1], sys.argv[2:]) if len(sys.argv) > 1 else ("kernels", [])
    results = Path(__file__).parent / "results"
    plot = ["--plot", str(results / "resample.png")] if suite == "resample" else []
    sys.exit(main(["bench", suite, "--output", str(results / f"{suite}.md"), *plot, *options]))
