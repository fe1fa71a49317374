import numpy as np
import numpy.typing as npt

EVENT_KINDS: dict[int, str]
BLOCK: int
AT_ONCE: int
MIN_RATE: float
INPUT: str
MAX_RATE: float
MAX_CHANNELS: int

class EngineCore:
    def __init__(self, channels: int, samplerate: float, meter_interval: int = 0) -> None: ...
    @property
    def now(self) -> int: ...
    def add_bus(self, output: int, gains: list[float]) -> int: ...
    def play(
        self,
        data: npt.NDArray[np.float32],
        start: int,
        gains: list[float],
        rate: float = 1.0,
        loop_start: int = 0,
        loop_end: int = 0,
        bus: int = 0,
        stream: object | None = None,
        owner: object | None = None,
    ) -> int: ...
    def stop(self, voice: int, frame: int, release: int = 0) -> None: ...
    def set(
        self,
        voice: int,
        bus: int,
        frame: int,
        ramp: int,
        gains: list[float] | None = None,
        rate: float = 0.0,
    ) -> None: ...
    def render(self, frames: int) -> npt.NDArray[np.float32]: ...
    def render_into(
        self, out: npt.NDArray[np.float32], input: npt.NDArray[np.float32] | None = None
    ) -> npt.NDArray[np.float32]: ...
    @property
    def address(self) -> int: ...
    def events(self) -> list[tuple[str, int, int, int, int, float, float]]: ...
    def reclaim(self) -> None: ...
    @property
    def held(self) -> int: ...
    def holds(self, voice: int) -> bool: ...
    @property
    def command_room(self) -> int: ...
    @property
    def playing(self) -> int: ...
    @property
    def lost_events(self) -> int: ...
