import numpy as np
import numpy.typing as npt

EVENT_KINDS: dict[int, str]

class EngineCore:
    now: int
    def __init__(self, channels: int) -> None: ...
    def play(
        self,
        data: npt.NDArray[np.float32],
        start: int,
        gains: list[float],
        rate: float = 1.0,
        loop_start: int = 0,
        loop_end: int = 0,
        stream: object | None = None,
        owner: object | None = None,
    ) -> int: ...
    def stop(self, voice: int, frame: int) -> None: ...
    def render(self, frames: int) -> npt.NDArray[np.float32]: ...
    def events(self) -> list[tuple[str, int, int]]: ...
    def reclaim(self) -> None: ...
    @property
    def command_room(self) -> int: ...
    @property
    def playing(self) -> int: ...
