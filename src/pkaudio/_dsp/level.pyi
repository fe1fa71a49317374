from collections.abc import Sequence
from typing import TypeVar

import numpy as np
import numpy.typing as npt

_Float = TypeVar("_Float", np.float32, np.float64)
Gain = float | Sequence[float] | npt.NDArray[np.floating]

def gain(
    x: npt.NDArray[_Float], g: Gain, *, out: npt.NDArray[_Float] | None = None
) -> npt.NDArray[_Float]: ...
def ramp(
    x: npt.NDArray[_Float], g0: Gain, g1: Gain, *, out: npt.NDArray[_Float] | None = None
) -> npt.NDArray[_Float]: ...
def mix(
    inputs: Sequence[npt.NDArray[_Float]] | npt.NDArray[_Float],
    gains: npt.ArrayLike | None = None,
    *,
    out: npt.NDArray[_Float] | None = None,
    accumulate: bool = False,
) -> npt.NDArray[_Float]: ...
def pan(
    mono: npt.NDArray[_Float], position: float, *, out: npt.NDArray[_Float] | None = None
) -> npt.NDArray[_Float]: ...
def pan_gains(position: float) -> tuple[float, float]: ...
