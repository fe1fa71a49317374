from typing import Literal

import numpy as np
import numpy.typing as npt

from .engine import EngineCore
from .resample import Resampler

TIME_BUCKETS: int
CLOCK_BANDWIDTH: float
READ_FRAMES: int
MOST_FRAMES: int
SOURCES: dict[str, int]

def monotonic() -> float: ...

class VirtualTime:
    def __init__(self, seconds: float = 0.0) -> None: ...
    @property
    def seconds(self) -> float: ...
    @seconds.setter
    def seconds(self, value: float) -> None: ...

class Recording:
    def __init__(
        self, source: Literal["input", "output"], channels: int, capacity: int
    ) -> None: ...
    def read(self, out: npt.NDArray[np.float32]) -> int: ...
    @property
    def waiting(self) -> int: ...
    @property
    def recorded(self) -> int: ...
    @property
    def first_frame(self) -> int | None: ...
    @property
    def dropped(self) -> int: ...

class DeviceClock:
    def __init__(self, rate: float, bandwidth: float = 0.1) -> None: ...
    def update(self, measured: float, frames: int) -> float: ...
    @property
    def jumps(self) -> int: ...

class DeviceCallback:
    def __init__(
        self,
        core: EngineCore | None,
        samplerate: float,
        input_channels: int = 0,
        channels: int = 0,
        ideal_time: bool = False,
        clock: VirtualTime | None = None,
    ) -> None: ...
    @property
    def callback_address(self) -> int: ...
    @property
    def address(self) -> int: ...
    def record(self, recording: Recording | None) -> int: ...
    @property
    def callbacks(self) -> int: ...
    def release(self) -> None: ...
    def stats(self) -> dict[str, float]: ...

def call(
    callback: int,
    user: int,
    out: npt.NDArray[np.float32],
    time: float,
    input: npt.NDArray[np.float32] | None = None,
) -> None: ...

class DeviceOutput:
    def __init__(
        self,
        channels: int,
        map: list[int],
        rate: float,
        device_rate: float,
        target: float,
        resampler: Resampler,
        ideal_time: bool = False,
        clock: VirtualTime | None = None,
    ) -> None: ...
    @property
    def node(self) -> int: ...
    @property
    def callback_address(self) -> int: ...
    @property
    def address(self) -> int: ...
    def stats(self) -> dict[str, float]: ...

class DeviceInput:
    def __init__(
        self,
        channels: int,
        device_rate: float,
        rate: float,
        target: float,
        resampler: Resampler,
        ideal_time: bool = False,
        clock: VirtualTime | None = None,
    ) -> None: ...
    @property
    def channels(self) -> int: ...
    @property
    def link(self) -> int: ...
    @property
    def callback_address(self) -> int: ...
    @property
    def address(self) -> int: ...
    def stats(self) -> dict[str, float]: ...
    def reset(self) -> None: ...
