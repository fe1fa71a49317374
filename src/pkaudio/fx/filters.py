"""Filters: the Audio EQ Cookbook's biquads (Robert Bristow-Johnson), each cascadable."""
from __future__ import annotations

from .effect import Effect, ParamAttribute


class _Biquad(Effect):
    frequency = ParamAttribute()
    q = ParamAttribute()

    def __init__(self, frequency: float, q: float, stages: int, gain_db: float = 0.0) -> None:
        super().__init__({"frequency": frequency, "q": q, "stages": stages, "gain_db": gain_db})

    @property
    def stages(self) -> int:
        """Identical sections in series (each adds its slope: 12 dB an octave for a
        low-pass).
        """
        return int(self._settings["stages"])


class _ShelvingBiquad(_Biquad):
    gain_db = ParamAttribute()

    def __init__(self, frequency: float, q: float, gain_db: float, stages: int) -> None:
        super().__init__(frequency, q, stages, gain_db)


_PARAMETERS = """
    Parameters
    ----------
    frequency : float
        Hz (automatable), its corner{centre}; kept below the Nyquist frequency.
    q : float
        The cookbook's Q (automatable), 0.001 .. 1000.{gain}
    stages : int
        1 .. 8 identical sections in series, for steeper slopes.
"""
_GAIN = """
    gain_db : float
        dB (automatable), the boost or cut, -120 .. 120."""


class Lowpass(_Biquad):
    __doc__ = "Low-pass biquad (12 dB an octave a stage)." + _PARAMETERS.format(centre="",
                                                                                gain="")
    kind = "lowpass"

    def __init__(self, frequency: float = 1000.0, q: float = 0.7071, *, stages: int = 1):
        super().__init__(frequency, q, stages)


class Highpass(_Biquad):
    __doc__ = "High-pass biquad (12 dB an octave a stage)." + _PARAMETERS.format(centre="",
                                                                                  gain="")
    kind = "highpass"

    def __init__(self, frequency: float = 1000.0, q: float = 0.7071, *, stages: int = 1):
        super().__init__(frequency, q, stages)


class Bandpass(_Biquad):
    __doc__ = "Band-pass biquad, 0 dB at its centre." + _PARAMETERS.format(
        centre=" (centre)", gain="")
    kind = "bandpass"

    def __init__(self, frequency: float = 1000.0, q: float = 0.7071, *, stages: int = 1):
        super().__init__(frequency, q, stages)


class Notch(_Biquad):
    __doc__ = "Notch (band-stop) biquad." + _PARAMETERS.format(centre=" (centre)", gain="")
    kind = "notch"

    def __init__(self, frequency: float = 1000.0, q: float = 0.7071, *, stages: int = 1):
        super().__init__(frequency, q, stages)


class Allpass(_Biquad):
    __doc__ = "All-pass biquad: phase only." + _PARAMETERS.format(centre=" (centre)", gain="")
    kind = "allpass"

    def __init__(self, frequency: float = 1000.0, q: float = 0.7071, *, stages: int = 1):
        super().__init__(frequency, q, stages)


class Peak(_ShelvingBiquad):
    __doc__ = "Peaking EQ biquad: a bell of `gain_db` at `frequency`." + _PARAMETERS.format(
        centre=" (centre)", gain=_GAIN)
    kind = "peak"

    def __init__(self, frequency: float = 1000.0, q: float = 0.7071, gain_db: float = 0.0, *,
                 stages: int = 1):
        super().__init__(frequency, q, gain_db, stages)


class LowShelf(_ShelvingBiquad):
    __doc__ = "Low-shelf biquad: `gain_db` below `frequency`." + _PARAMETERS.format(
        centre=" (the shelf's midpoint)", gain=_GAIN)
    kind = "lowshelf"

    def __init__(self, frequency: float = 1000.0, q: float = 0.7071, gain_db: float = 0.0, *,
                 stages: int = 1):
        super().__init__(frequency, q, gain_db, stages)


class HighShelf(_ShelvingBiquad):
    __doc__ = "High-shelf biquad: `gain_db` above `frequency`." + _PARAMETERS.format(
        centre=" (the shelf's midpoint)", gain=_GAIN)
    kind = "highshelf"

    def __init__(self, frequency: float = 1000.0, q: float = 0.7071, gain_db: float = 0.0, *,
                 stages: int = 1):
        super().__init__(frequency, q, gain_db, stages)
