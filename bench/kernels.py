"""Kernel benchmark: pkaudio.dsp against the fastest numpy idiom for each job, in one run.

Run from the repository with the package installed:

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python bench/kernels.py

(the two variables, set on some machines for old OpenBLAS builds, slow numpy's BLAS down and
would flatter pkaudio against np.dot). The cases live in pkaudio.benchmarks.kernels so that
``pkaudio bench`` runs the same ones on any installed copy; this script writes the report
quoted in the README to bench/results/kernels.md.
"""
import sys
from pathlib import Path

from pkaudio.cli import main

if __name__ == "__main__":
    output = Path(__file__).parent / "results" / "kernels.md"
    sys.exit(main(["bench", "--output", str(output), *sys.argv[1:]]))
