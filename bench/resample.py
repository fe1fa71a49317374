"""Resampler benchmark: pkaudio.dsp.resample/Resampler against python-soxr and
python-samplerate (libsamplerate), speed and quality, in one run.

Run from the repository with the package and its bench extra installed:

    pip install '.[bench]'
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python bench/resample.py

The cases live in pkaudio.benchmarks.resample (also ``pkaudio bench resample``); this script
writes the report to bench/results/resample.md and the response plot to
bench/results/resample.png.
"""
import sys
from pathlib import Path

from pkaudio.cli import main

if __name__ == "__main__":
    results = Path(__file__).parent / "results"
    sys.exit(main(["bench", "resample", "--output", str(results / "resample.md"), "--plot",
                   str(results / "resample.png"), *sys.argv[1:]]))
