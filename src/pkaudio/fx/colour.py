"""Colour: gain and the effects that shape a signal's level sample by sample."""
from __future__ import annotations

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
