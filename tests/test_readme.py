"""The README's tour runs as written."""
import re
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_python_examples_run():
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    assert blocks, "the README has no python examples"
    exec(compile("\n".join(blocks), str(README), "exec"), {})


def test_readme_main_job_runs_as_written(tmp_path, monkeypatch, capsys):
    """The set-up's first command ends in a pkaudio command: it runs (in a scratch folder)."""
    from pkaudio.cli import main

    first = re.search(r"```sh\n(.*?)```", README.read_text(), re.S).group(1).strip()
    install, command = first.split(" && ")
    assert install == "pip install ." and command.split()[0] == "pkaudio"
    monkeypatch.chdir(tmp_path)
    assert main(command.split()[1:]) == 0
    assert capsys.readouterr().out and any(tmp_path.iterdir())
