"""Events that the real-time side reports back to Python."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from .fx.effect import Effect

EventKind = Literal["underrun", "end", "error", "voice_start", "voice_end", "peak", "late",
                    "invalid", "events_lost", "reduction"]


@dataclass(frozen=True)
class Event:
    """Something that happened on the audio side.

    Attributes
    ----------
    kind : str
        "underrun": data had not arrived in time and silence played instead (`frames` of it
        in that block; later blocks of the same run are counted, not reported again). "end":
        the data ended. "error": reading failed (or a file held fewer frames than its header
        said); what was read before still played. "voice_start" / "voice_end": an engine
        voice played its first frame / after its last (every voice posts one of each, in that
        order; one that plays no frame, both on its start frame). "late": a voice whose
        start frame had passed when the engine took it; it starts at `frame`, `frames` late,
        from its first frame. "peak": a bus's levels over the engine's meter interval, which
        ended at `frame`. "invalid": a bus's audio held NaN or infinity from `frame` on (`frames`
        samples in the first block of the run); they were set to 0, the rest of the mix
        played on. "events_lost": `frames` events found the engine's event ring full on a
        device (see ``Engine(event_capacity=...)``) and are lost. "reduction": a dynamics
        effect's gain reduction over its report interval, which ended at `frame` (`peak`:
        the most, `rms`: the mean, both in dB, each a tuple of one).
    frame : int
        The frame at which it happened: a stream's frames played so far, or the engine's
        frame.
    frames : int
        For "underrun": frames missing in the block that started it; "late": frames late;
        "invalid": samples set to 0; "events_lost": events lost.
    message : str
        For "error": what went wrong.
    voice : int
        For an engine's voice events, and its stream's "underrun" and "error": the voice's id.
    bus : str
        For "peak" and "invalid": the bus's name.
    peak, rms : tuple of float
        For "peak": per channel, the largest absolute sample and the root mean square.
        For "reduction": the most and the mean gain reduction in dB (>= 0), one each.
    effect : Effect or None
        For "reduction": the effect that reported (None if it is no longer known).
    """

    kind: EventKind
    frame: int
    frames: int = 0
    message: str = ""
    voice: int = 0
    bus: str = ""
    peak: tuple[float, ...] = ()
    rms: tuple[float, ...] = ()
    effect: Effect | None = None
