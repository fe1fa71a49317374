from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from .stream import StreamBuffer

EventKind = Literal["voice_start", "voice_end", "peak", "underrun", "error", "late", "invalid"]

EVENT_CAPACITY: int
EVENT_KINDS: dict[int, EventKind]
BLOCK: int
AT_ONCE: int
MIN_RATE: float
MAX_RATE: float
INPUT: str
MAX_CHANNELS: int

class EngineCore:
    # Set up in __cinit__ (so at run time, __new__), once.
    def __new__(
        cls,
        channels: int,
        samplerate: float,
        meter_interval: int = 0,
        event_capacity: int = ...,
    ) -> EngineCore: ...
    @property
    def now(self) -> int: ...
    @property
    def address(self) -> int: ...
    def add_bus(self, gains: list[float]) -> int: ...
    def set_plan(self, steps: list[tuple[int, DelayLine | None, list[tuple], list[tuple]]],
                 inputs: list[tuple[int, int, float]], keep: list[Any]) -> int: ...
    def set_timeline(self, param: int, new: Any, old: Any) -> int: ...
    def node(self, bus: int, node: int, add: bool) -> int: ...
    @property
    def commands_taken(self) -> int: ...
    def play(
        self,
        data: npt.NDArray[np.float32],
        start: int,
        gains: list[float],
        rate: float = 1.0,
        loop_start: int = 0,
        loop_end: int = 0,
        bus: int = 0,
        stream: StreamBuffer | None = None,
        owner: object | None = None,
        link: int = 0,
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
    def take_commands(self) -> None: ...
    def render_block(
        self, frames: int, input: npt.NDArray[np.float32] | None = None
    ) -> tuple[npt.NDArray[np.float32], int]: ...
    def render_into(
        self, out: npt.NDArray[np.float32], input: npt.NDArray[np.float32] | None = None
    ) -> None: ...
    def render_offline(
        self,
        out: npt.NDArray[np.float32],
        input: npt.NDArray[np.float32] | None,
        start: int,
        stop: int,
        wait: bool,
    ) -> int: ...
    @property
    def starved(self) -> tuple[int, int]: ...
    def events(self) -> list[tuple[EventKind, int, int, int, int, float, float]]: ...
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
    @property
    def invalid_samples(self) -> int: ...


class DelayLine:
    def __init__(self, frames: int, channels: int) -> None: ...
    @property
    def frames(self) -> int: ...


class Fade:
    def __init__(self, start_level: float, level: float, start: int, frames: int) -> None: ...
    @property
    def start(self) -> int: ...
    @property
    def frames(self) -> int: ...
    @property
    def level(self) -> float: ...
