"""Packaging promises: import without PortAudio, version, stubs and markers installed."""
import importlib.resources
import subprocess
import sys

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
