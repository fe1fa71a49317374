from typing import Literal, TypeVar

import numpy as np
import numpy.typing as npt

SampleFormat = Literal["int16", "int32", "float32", "float64"]
_Sample = TypeVar("_Sample", np.int16, np.int32, np.float32, np.float64)
Samples = npt.NDArray[np.int16 | np.int32 | np.float32 | np.float64]

def convert(
    x: Samples,
    dtype: SampleFormat | npt.DTypeLike,
    *,
    out: npt.NDArray[_Sample] | None = None,
    dither: bool = False,
) -> npt.NDArray[_Sample]: ...
def copy(src: Samples, out: npt.NDArray[_Sample]) -> npt.NDArray[_Sample]: ...
def interleave(
    planar: npt.NDArray[_Sample], *, out: npt.NDArray[_Sample] | None = None
) -> npt.NDArray[_Sample]: ...
def deinterleave(
    x: npt.NDArray[_Sample], *, out: npt.NDArray[_Sample] | None = None
) -> npt.NDArray[_Sample]: ...
