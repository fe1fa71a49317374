"""Disk stream benchmark: how many simultaneous DiskStreams one core sustains in real time at
48 kHz with 256-frame blocks (WAV and FLAC), and whole-file loading against soundfile and a
librosa.load-style read + soxr resample.

    pip install '.[bench]'
    python bench/streams.py

The cases live in pkaudio.benchmarks.streams (also ``pkaudio bench streams``); this script
writes the report to bench/results/streams.md.
"""
import sys
from pathlib import Path

from pkaudio.cli import main

if __name__ == "__main__":
    output = Path(__file__).parent / "results" / "streams.md"
    sys.exit(main(["bench", "streams", "--output", str(output), *sys.argv[1:]]))
