from typing import overload

import numpy as np
import numpy.typing as npt

Samples = npt.NDArray[np.int16 | np.int32 | np.float32 | np.float64]

@overload
def peak(x: Samples, *, out: None = None) -> float | npt.NDArray[np.float64]: ...
@overload
def peak(x: Samples, *, out: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]: ...
@overload
def rms(x: Samples, *, out: None = None) -> float | npt.NDArray[np.float64]: ...
@overload
def rms(x: Samples, *, out: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]: ...
def meter(
    x: Samples, *, out: npt.NDArray[np.float64] | None = None
) -> npt.NDArray[np.float64]: ...
