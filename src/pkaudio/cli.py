"""The ``pkaudio`` command."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="pkaudio", description="pkaudio: low-latency audio.")
    commands = parser.add_subparsers(dest="command", required=True)
    bench = commands.add_parser("bench", help="benchmark pkaudio against its peers")
    bench.add_argument("suite", nargs="?", choices=["kernels", "resample", "streams"],
                       default="kernels",
                       help="kernels: the DSP kernels against numpy (default); resample: the "
                            "resampler against soxr and samplerate; streams: disk streams one "
                            "core sustains, and file loading (the last two need "
                            "pip install 'pkaudio[bench]')")
    bench.add_argument("--quick", action="store_true", help="fewer, shorter rounds")
    bench.add_argument("--output", type=Path, default=Path("pkaudio-bench.md"),
                       help="where to write the report (default: %(default)s)")
    bench.add_argument("--plot", type=Path, default=None,
                       help="resample suite: also draw the frequency response to this PNG")
    args = parser.parse_args(argv)

    if args.command == "bench":
        if args.suite == "kernels":
            from .benchmarks import kernels

            report = kernels.run(quick=args.quick)
        elif args.suite == "resample":
            from .benchmarks import resample

            try:
                report = resample.run(quick=args.quick, plot_path=args.plot)
            except ImportError as e:
                parser.exit(2, f"pkaudio bench resample: {e}\n")
        else:
            from .benchmarks import streams

            try:
                report = streams.run(quick=args.quick)
            except ImportError as e:
                parser.exit(2, f"pkaudio bench streams: needs soxr for the comparison ({e}); "
                               "pip install 'pkaudio[bench]'\n")
        print(report)
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(report)
        print(f"written to {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
