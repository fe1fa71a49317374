"""The seed's scheduler: one sound, played from given frames, rendered period by period."""
from __future__ import annotations

import numpy as np

from . import _checks as check
from . import dsp
from .buffering import Sound
from .engine import Clock, Engine

__all__ = ["Scheduler"]

# Frames rendered at a time across a gap between periods.
SKIP_BLOCK = 1 << 16


class Scheduler:
    """Plays `sound` at the frames given to `play`, rendering the period `clock` names into a
    target array.

    Parameters
    ----------
    sound : Sound
        What to play.
    clock : Clock
        Set to each period before `render`.
    """

    def __init__(self, sound: Sound, clock: Clock):
        if not isinstance(sound, Sound):
            raise TypeError(f"Scheduler sound: expected a Sound, got {type(sound).__name__}")
        if not isinstance(clock, Clock):
            raise TypeError(f"Scheduler clock: expected an engine.Clock, got "
                            f"{type(clock).__name__}")
        self.sound, self.clock = sound, clock
        self._starts: list[int] = []
        self._engine: Engine | None = None

    def play(self, frame: int) -> None:
        """Play the sound from engine frame `frame`."""
        frame = check.frame(frame, "Scheduler.play frame")
        self._starts.append(frame)
        if self._engine is not None:
            self._engine.play(self.sound, at=frame)

    def render(self, target: np.ndarray) -> np.ndarray:
        """Render the clock's period into `target`, ``(frames,)`` or ``(frames, channels)`` of
        int16, int32, float32 or float64 (ints at full scale), and return it.
        """
        frames = self.clock.frames
        if not isinstance(target, np.ndarray) or target.ndim not in (1, 2):
            raise TypeError("Scheduler.render target: expected an array shaped (frames,) or "
                            "(frames, channels)")
        if len(target) != frames:
            raise ValueError(f"Scheduler.render target: the clock's period is {frames} frames, "
                             f"the target holds {len(target)}")
        channels = 1 if target.ndim == 1 else target.shape[1]
        check.channels(channels, "Scheduler.render target's channels")
        check.dtype(target.dtype, "Scheduler.render target", check.SAMPLE_TYPES)
        if self._engine is None:
            self._engine = Engine(self.sound.samplerate, channels)
            for frame in self._starts:
                self._engine.play(self.sound, at=frame)
        if channels != self._engine.channels:
            raise ValueError(f"Scheduler.render target: {channels} channels, earlier targets "
                             f"had {self._engine.channels}")
        if self.clock.frame < self._engine.now:
            raise ValueError(f"Scheduler.render: the clock went back to frame "
                             f"{self.clock.frame} after rendering up to {self._engine.now}")
        skipped = self.clock.frame - self._engine.now
        while skipped > 0:  # a period that starts later: render the frames between, unheard
            self._engine.render(min(skipped, SKIP_BLOCK))
            skipped = self.clock.frame - self._engine.now
        block = self._engine.render(frames)
        dsp.convert(block.reshape(target.shape), target.dtype, out=target)
        return target
