"""The README's tour runs as written."""
import re
from pathlib import Path

import numpy as np

from pkaudio.engine import Engine

README = Path(__file__).resolve().parent.parent / "README.md"


def python_blocks(realtime: bool) -> str:
    """The README's python examples, in order; those that start a device only if `realtime`."""
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    assert blocks, "the README has no python examples"
    return "\n".join(b for b in blocks if realtime or "eng.start(" not in b)


def test_readme_python_examples_run(tmp_path, monkeypatch):
    """... and what their engines render never clips."""
    peaks = []
    render = Engine.render

    def measured(self, frames, **settings):
        block = render(self, frames, **settings)
        peaks.append(float(np.abs(block).max(initial=0.0)))
        return block

    monkeypatch.setattr(Engine, "render", measured)
    monkeypatch.chdir(tmp_path)
    exec(compile(python_blocks(realtime=False), str(README), "exec"), {})
    assert peaks and max(peaks) <= 1.0, peaks


def test_readme_realtime_examples_run(jack_device, tmp_path, monkeypatch):
    """With the JACK test device as the default output."""
    monkeypatch.chdir(tmp_path)
    exec(compile(python_blocks(realtime=True), str(README), "exec"), {})
    assert (tmp_path / "take.wav").exists()


def test_readme_main_job_runs_as_written(tmp_path, monkeypatch, capsys):
    """The set-up's first command ends in a pkaudio command: it runs (in a scratch folder)."""
    from pkaudio.cli import main

    first = re.search(r"```sh\n(.*?)```", README.read_text(), re.S).group(1).strip()
    install, command = first.split(" && ")
    assert install == "pip install ." and command.split()[0] == "pkaudio"
    monkeypatch.chdir(tmp_path)
    assert main(command.split()[1:]) == 0
    assert capsys.readouterr().out and any(tmp_path.iterdir())
