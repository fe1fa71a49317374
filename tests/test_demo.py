"""The demo: the piece renders whole, to the frame, with its meters printed as it goes."""
import re

import numpy as np
import soundfile as sf

from pkaudio import demo
from pkaudio.cli import main


def test_demo_renders_the_piece_and_prints_meters(tmp_path):
    lines = []
    summary = demo.run(tmp_path / "demo.wav", say=lines.append)
    mix, rate = sf.read(tmp_path / "demo.wav", dtype="float32")
    total = demo.BARS * 4 * demo.BEAT + demo.RATE // 2
    assert rate == demo.RATE and mix.shape == (total, 2)
    assert summary["started"] == summary["ended"] == summary["voices"]
    assert summary["lost_events"] == 0
    assert 0.5 < summary["peak"] < 1.0  # loud, and no clipping
    assert abs(np.abs(mix).max() - summary["peak"]) <= 2**-23  # (the file is 24-bit)
    meters = [line for line in lines if re.match(r" *\d+\.\d s  master \[", line)]
    assert len(meters) == round(total / demo.RATE / (demo.METER_SECONDS * demo.PRINT_EVERY))
    # The drums' bar of rest (beats 16 .. 20, 8 .. 10 s) shows on their meter and in the mix.
    rest = [line for line in meters if 9.0 <= float(line.split()[0]) <= 10.0]
    assert rest and all("drums   -inf" in line for line in rest)
    assert "written to" in lines[-1]


def test_demo_command(tmp_path, capsys):
    assert main(["demo", "--output", str(tmp_path / "piece.wav")]) == 0
    assert sf.info(tmp_path / "piece.wav").frames > 0
    assert "master [" in capsys.readouterr().out
