"""Colour: gain, pan, and the effects that shape a signal's level sample by sample."""
from __future__ import annotations

from .. import _checks as check
from .effect import Effect, ParamAttribute


class Gain(Effect):
    """Every channel times `gain`.

    Parameters
    ----------
    gain : float
        Linear (automatable), -1e6 .. 1e6.
    """

    kind = "gain"
    gain = ParamAttribute()

    def __init__(self, gain: float = 1.0) -> None:
        super().__init__({"gain": gain})


class Distortion(Effect):
    """Soft saturation: ``(1 - mix) * x + mix * tanh(g * x)`` with ``g = 10 ** (drive_db /
    20)``. The wet part never exceeds 1.

    Parameters
    ----------
    drive_db : float
        dB (automatable), -60 .. 100, default 25: the gain into the tanh.
    mix : float
        The wet share (automatable), 0 .. 1, default 1.
    """

    kind = "distortion"
    drive_db = ParamAttribute()
    mix = ParamAttribute()

    def __init__(self, drive_db: float = 25.0, mix: float = 1.0) -> None:
        super().__init__({"drive_db": drive_db, "mix": mix})


class Clip(Effect):
    """Hard clipping: every sample kept within ``-threshold .. threshold``.

    Parameters
    ----------
    threshold : float
        Linear (automatable), 0 .. 1e6, default 1.
    """

    kind = "clip"
    threshold = ParamAttribute()

    def __init__(self, threshold: float = 1.0) -> None:
        super().__init__({"threshold": threshold})


class Bitcrush(Effect):
    """Fewer bits and, optionally, a lower rate.

    Every `downsample`-th frame is taken and held until the next (frames counted in the host's
    time: from `prepare` or `reset` on its own, the engine's frames on a bus); each sample is
    then rounded to the nearest of the levels ``2 ** (1 - bits)`` apart, a mid-tread
    quantiser (silence stays silent): ``floor(x * 2 ** (bits - 1) + 0.5) / 2 ** (bits - 1)``.
    `bits` need not be whole, so that it glides.

    Parameters
    ----------
    bits : float
        Automatable, 1 .. 24, default 8.
    downsample : int
        1 .. 256 (a setting, not automatable), default 1 (every frame).
    """

    kind = "bitcrush"
    bits = ParamAttribute()

    def __init__(self, bits: float = 8.0, *, downsample: int = 1) -> None:
        downsample = check.whole(downsample, "Bitcrush downsample", 1, 256)
        super().__init__({"bits": bits, "downsample": downsample})

    @property
    def downsample(self) -> int:
        """Each frame taken is held for this many."""
        return int(self._settings["downsample"])


class Pan(Effect):
    """Constant-power pan (a balance control for stereo): the left channel times
    ``cos(theta)``, the right times ``sin(theta)``, ``theta = (pan + 1) * pi / 4``, the law
    of `pkaudio.dsp.pan_gains` (a stereo signal in the centre is therefore 3 dB quieter, as a
    mono source panned there).

    It keeps its input's channel count: with more than two channels, the pairs (0, 1),
    (2, 3), ... are each panned as left and right; a last odd channel passes unchanged, and
    so does a mono signal (to place a mono source, make it stereo first, with
    `pkaudio.dsp.pan`).

    Parameters
    ----------
    pan : float
        Automatable, -1 (left) .. 1 (right), default 0.
    """

    kind = "pan"
    pan = ParamAttribute()

    def __init__(self, pan: float = 0.0) -> None:
        super().__init__({"pan": pan})
