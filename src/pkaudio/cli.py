"""The ``pkaudio`` command."""
from __future__ import annotations

import argparse
import sys
from importlib import import_module
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="pkaudio", description="pkaudio: low-latency audio.")
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="render a short piece with the engine, printing "
                                            "its meters, to a WAV file")
    demo.add_argument("--output", type=Path, default=Path("pkaudio-demo.wav"),
                      help="where to write it (default: %(default)s)")
    bench = commands.add_parser("bench", help="benchmark pkaudio against its peers")
    bench.add_argument("suite", nargs="?",
                       choices=["kernels", "resample", "streams", "engine", "realtime",
                                "multicard", "fx"],
                       default="kernels",
                       help="kernels: the DSP kernels against numpy (default); resample: the "
                            "resampler against soxr and samplerate; streams: disk streams one "
                            "core sustains, and file loading; engine: voices against pyo, and "
                            "voices per core in real time (these three need "
                            "pip install 'pkaudio[bench]'); realtime: real time delivered on "
                            "a device while Python is busy; multicard: a second device on its "
                            "own clock; fx: the effects against pedalboard and scipy")
    bench.add_argument("--device", default=None,
                       help="realtime and multicard suites: the output device (default: the "
                            "default one); fx: also play the mix on this device")
    bench.add_argument("--quick", action="store_true", help="fewer, shorter rounds")
    bench.add_argument("--output", type=Path, default=Path("pkaudio-bench.md"),
                       help="where to write the report (default: %(default)s)")
    bench.add_argument("--plot", type=Path, default=None,
                       help="resample and fx suites: also draw the frequency responses to this PNG")
    args = parser.parse_args(argv)

    if args.command == "demo":
        from . import demo as piece

        piece.run(args.output)
    if args.command == "bench":
        suite = import_module(f".benchmarks.{args.suite}", __package__)
        options = ({"plot_path": args.plot} if args.suite == "resample" else
                   {"plot_path": args.plot, "device": args.device} if args.suite == "fx" else
                   {"device": args.device} if args.suite in ("realtime", "multicard") else {})
        try:
            report = suite.run(quick=args.quick, **options)
        except ImportError as e:
            parser.exit(2, f"pkaudio bench {args.suite}: a peer is missing ({e}); "
                           "pip install 'pkaudio[bench]'\n")
        print(report)
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(report)
        print(f"written to {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
