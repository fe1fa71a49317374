"""Events that the real-time side reports back to Python."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

EventKind = Literal["underrun", "end", "error", "voice_start", "voice_end"]


@dataclass(frozen=True)
class Event:
    """Something that happened on the audio side.

    Attributes
    ----------
    kind : {"underrun", "end", "error", "voice_start", "voice_end"}
        "underrun": data had not arrived in time and silence played instead (`frames` of it
        in that block; later blocks of the same run are counted, not reported again). "end":
        the data ended. "error": reading failed; what was read before still played.
        "voice_start" / "voice_end": an engine voice played its first frame / after its last.
    frame : int
        The consumer's frame (frames played so far) at which it happened.
    frames : int
        For "underrun": frames missing in the block that started it.
    message : str
        For "error": what went wrong.
    voice : int
        For voice events: the voice's id.
    """

    kind: EventKind
    frame: int
    frames: int = 0
    message: str = ""
    voice: int = 0
