"""Filters: the Audio EQ Cookbook's biquads (Robert Bristow-Johnson), each cascadable; a
state-variable filter, a ladder, a one-pole and a DC blocker, topology-preserving where they
have a cutoff to sweep.
"""
from __future__ import annotations

from typing import Literal

from .. import _checks as check
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


SVFMode = Literal["lowpass", "highpass", "bandpass", "notch", "peak", "allpass"]
_SVF_MODES: tuple[SVFMode, ...] = ("lowpass", "highpass", "bandpass", "notch", "peak",
                                   "allpass")


class SVF(Effect):
    """State-variable filter, topology-preserving (Zavalishin; Cytomic's
    "SvfLinearTrapOptimised2"): its state is its integrators', so `frequency` and `q` may move
    every frame, even at audio rate, and it stays stable and smooth.

    At rest it is the bilinear transform, prewarped at `frequency`, of an analog prototype
    (s in units of 2 pi frequency, D = s^2 + s/q + 1): lowpass 1/D, highpass s^2/D, bandpass
    (s/q)/D (0 dB at its centre, as `Bandpass`), notch (s^2 + 1)/D, peak (1 - s^2)/D (the
    lowpass minus the highpass: a resonant bump of 2 q at `frequency`, unity far from it),
    allpass (s^2 - s/q + 1)/D. The same responses as the cookbook biquads of the same names
    (but peak), 12 dB an octave.

    Parameters
    ----------
    frequency : float
        Hz (automatable), 1 .. 1e6, default 1000: the corner or centre; kept below the
        Nyquist frequency.
    q : float
        Automatable, 0.001 .. 1000, default 0.7071 (the flattest lowpass).
    mode : {"lowpass", "highpass", "bandpass", "notch", "peak", "allpass"}
        Which response (a setting, not automatable). Default "lowpass".
    """

    kind = "svf"
    frequency = ParamAttribute()
    q = ParamAttribute()

    def __init__(self, frequency: float = 1000.0, q: float = 0.7071, *,
                 mode: SVFMode = "lowpass") -> None:
        mode = check.choice(mode, "SVF mode", _SVF_MODES)
        super().__init__({"frequency": frequency, "q": q, "mode": _SVF_MODES.index(mode)})

    @property
    def mode(self) -> SVFMode:
        """Which response: "lowpass", "highpass", "bandpass", "notch", "peak" or "allpass"."""
        return _SVF_MODES[int(self._settings["mode"])]


class Ladder(Effect):
    """Moog-style ladder: a 4-pole low-pass (24 dB an octave) with resonance, in
    Zavalishin's zero-delay-feedback form, each pole a trapezoidal integrator, so it follows
    the analog response and may be swept at audio rate.

    Linear (small signals), it is the bilinear transform, prewarped at `frequency`, of
    ``1 / ((1 + s)^4 + k)`` with s in units of 2 pi frequency and ``k = 4.2 * resonance``:
    the gain at DC is ``1 / (1 + k)`` (resonance thins the bass, as on the analog ladder).
    The loop's input passes through ``tanh(drive * u) / drive``, unity for small signals,
    which saturates loud ones and holds the level of self-oscillation: above resonance
    0.952 (k = 4) the filter rings on at `frequency` by itself.

    Parameters
    ----------
    frequency : float
        Hz (automatable), 1 .. 1e6, default 1000: the cutoff; kept below the Nyquist
        frequency.
    resonance : float
        Automatable, 0 .. 1, default 0: the feedback; self-oscillation from about 0.952.
    drive : float
        Linear gain into the saturator (automatable), 0.25 .. 100, default 1; the output is
        scaled back by 1/drive, so the higher, the earlier it saturates (at about 1/drive).
    """

    kind = "ladder"
    frequency = ParamAttribute()
    resonance = ParamAttribute()
    drive = ParamAttribute()

    def __init__(self, frequency: float = 1000.0, resonance: float = 0.0,
                 drive: float = 1.0) -> None:
        super().__init__({"frequency": frequency, "resonance": resonance, "drive": drive})


OnePoleMode = Literal["lowpass", "highpass"]
_ONEPOLE_MODES: tuple[OnePoleMode, ...] = ("lowpass", "highpass")


class OnePole(Effect):
    """One-pole low-pass or high-pass (6 dB an octave), trapezoidal (topology-preserving), so
    it may be swept at audio rate.

    At rest it is the bilinear transform, prewarped at `frequency` (its -3 dB point), of
    ``1 / (1 + s)`` (lowpass) or ``s / (1 + s)`` (highpass), s in units of 2 pi frequency;
    the highpass is the input minus the lowpass.

    Parameters
    ----------
    frequency : float
        Hz (automatable), 1 .. 1e6, default 1000; kept below the Nyquist frequency.
    mode : {"lowpass", "highpass"}
        A setting, not automatable. Default "lowpass".
    """

    kind = "onepole"
    frequency = ParamAttribute()

    def __init__(self, frequency: float = 1000.0, *, mode: OnePoleMode = "lowpass") -> None:
        mode = check.choice(mode, "OnePole mode", _ONEPOLE_MODES)
        super().__init__({"frequency": frequency, "mode": _ONEPOLE_MODES.index(mode)})

    @property
    def mode(self) -> OnePoleMode:
        """"lowpass" or "highpass"."""
        return _ONEPOLE_MODES[int(self._settings["mode"])]


class DCBlocker(Effect):
    """Takes out DC (and what is far below `frequency`):
    ``y[n] = (1 + R) / 2 * (x[n] - x[n-1]) + R * y[n-1]`` with ``R = exp(-2 pi frequency /
    samplerate)``, a zero at DC and unity gain at the Nyquist frequency.

    Parameters
    ----------
    frequency : float
        Hz (automatable), 1 .. 1000, default 10: about its -3 dB point.
    """

    kind = "dcblocker"
    frequency = ParamAttribute()

    def __init__(self, frequency: float = 10.0) -> None:
        super().__init__({"frequency": frequency})
