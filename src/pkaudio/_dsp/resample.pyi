from typing import Literal, TypeVar

import numpy as np
import numpy.typing as npt

from .._design import QualityName as Quality

_Float = TypeVar("_Float", np.float32, np.float64)

MAX_CHANNELS: int

class Resampler:
    @property
    def quality(self) -> Quality: ...
    @property
    def in_rate(self) -> float: ...
    @property
    def out_rate(self) -> float: ...
    @property
    def dtype(self) -> Literal["float32", "float64"]: ...
    def __init__(
        self,
        in_rate: float,
        out_rate: float,
        channels: int = 1,
        *,
        quality: Quality = "high",
        dtype: Literal["float32", "float64"] | type[np.floating] | np.dtype = "float32",
    ) -> None: ...
    @property
    def channels(self) -> int: ...
    @property
    def address(self) -> int: ...
    @property
    def delay(self) -> int: ...
    @property
    def ratio(self) -> float: ...
    @ratio.setter
    def ratio(self, value: float) -> None: ...
    def reset(self) -> None: ...
    def process(self, x: npt.NDArray[_Float], *, last: bool = False) -> npt.NDArray[_Float]: ...

def resample(
    x: npt.NDArray[_Float], in_rate: float, out_rate: float, *, quality: Quality = "high"
) -> npt.NDArray[_Float]: ...
