"""Engine benchmark: 64 looped varispeed voices rendered offline against pyo's offline server,
and how many voices one core renders in real time at 64-frame blocks.

    pip install '.[bench]'
    python bench/engine.py

The cases live in pkaudio.benchmarks.engine (also ``pkaudio bench engine``); this script
writes the report to bench/results/engine.md.
"""
import sys
from pathlib import Path

from pkaudio.cli import main

if __name__ == "__main__":
    output = Path(__file__).parent / "results" / "engine.md"
    sys.exit(main(["bench", "engine", "--output", str(output), *sys.argv[1:]]))
