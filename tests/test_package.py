"""Packaging promises: import without PortAudio, version, stubs and markers installed."""
import importlib.resources
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pkaudio


def test_version_from_one_place():
    from pkaudio._version import __version__

    assert pkaudio.__version__ == __version__ and __version__.count(".") == 2


def test_typing_files_are_installed():
    files = importlib.resources.files("pkaudio")
    assert files.joinpath("py.typed").is_file()
    for module in ("level", "meter", "format"):
        assert files.joinpath("_dsp", f"{module}.pyi").is_file()


def run_without_portaudio(code):
    """Run code in a fresh interpreter in which importing sounddevice fails as it does on a
    machine without the PortAudio library."""
    prelude = (
        "import builtins\n"
        "real_import = builtins.__import__\n"
        "def fake_import(name, *args, **kwargs):\n"
        "    if name == 'sounddevice':\n"
        "        raise OSError('PortAudio library not found')\n"
        "    return real_import(name, *args, **kwargs)\n"
        "builtins.__import__ = fake_import\n"
    )
    return subprocess.run([sys.executable, "-c", prelude + code], capture_output=True, text=True)


def test_import_works_without_portaudio():
    result = run_without_portaudio("import pkaudio, numpy; print(pkaudio.dsp.peak(numpy.ones(3)))")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "1.0"


def test_devices_without_portaudio_says_what_to_install():
    result = run_without_portaudio("import pkaudio; pkaudio.devices()")
    assert result.returncode != 0
    assert "OSError: PortAudio library not found" in result.stderr
    assert "apt-get install libportaudio2" in result.stderr


def test_the_sdist_leaves_out_what_the_readme_commands_write(tmp_path, monkeypatch):
    """A copy of the tree, with the demo's and the benchmark's output in it as a user who ran
    the README's commands has them: the source distribution holds neither."""
    from scikit_build_core.build import build_sdist

    root = Path(__file__).resolve().parent.parent
    tracked = subprocess.run(["git", "ls-files"], cwd=root, capture_output=True, text=True,
                             check=True).stdout.split()
    tree = tmp_path / "tree"
    for name in tracked:
        (tree / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / name, tree / name)
    for generated in ("pkaudio-demo.wav", "pkaudio-bench.md"):
        (tree / generated).write_bytes(b"generated")
    monkeypatch.chdir(tree)
    sdist = build_sdist(str(tmp_path))
    with tarfile.open(tmp_path / sdist) as archive:
        names = {Path(name).name for name in archive.getnames()}
    assert "pyproject.toml" in names and "engine.c" in names
    assert not names & {"pkaudio-demo.wav", "pkaudio-bench.md"}
