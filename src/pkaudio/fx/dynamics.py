"""Dynamics: Compressor, Limiter, Gate and Expander.

All four detect the sample peak, linked over the channels: the largest ``|x|`` of each frame
sets one gain for every channel (a sine of amplitude A is at ``20 log10(A)`` dB). The
compressor, the gate and the expander detect a sidechain instead when given one
(``effect(x, rate, sidechain=key)``, ``effect.process(block, sidechain)``, or
``bus.add(effect, sidechain=other_bus)``).

Attack and release are time constants (seconds) of one-pole followers: after a step, a
follower has covered 1 - 1/e (63%) of its way after one time constant; 0 follows at once.
The compressor and the expander follow their gain reduction in dB after the static curve,
with the smooth decoupled peak detector of Giannoulis, Massberg and Reiss ("Digital Dynamic
Range Compressor Design - A Tutorial and Analysis", JAES 2012): a peak follower that takes
the reduction's attack direction at once and goes back with `release`, then a one-pole of
time constant `attack`. A step that calls for the attack covers 63% in `attack`; one that
calls for the release goes as both in series (63% in about ``release + attack`` when the
attack is much the shorter); a steady sine, whose level dips at each zero crossing, is held
at its peak's reduction. The gate follows its linear gain (attack opening, release closing);
the limiter its linear gain back up (it goes down within its lookahead).

Each reports its gain reduction (dB, makeup excluded): prepared with a ``report_interval``
(frames) on its own, or on an engine's bus every ``meter_interval``, it posts a
"reduction" `~pkaudio.events.Event` at the end of each interval (intervals aligned to frame
0), ``peak`` the most and ``rms`` the mean reduction over it, ``effect`` itself.
"""
from __future__ import annotations

from .effect import Effect, ParamAttribute


class Compressor(Effect):
    """A feed-forward compressor with a soft knee.

    Its static curve, for a level x (dB) against the threshold T, the ratio R and the knee
    width W: no reduction while ``2 (x - T) <= -W``; ``(1 - 1/R) (x - T)`` dB of reduction
    while ``2 (x - T) >= W``; in between the quadratic that joins them,
    ``(1 - 1/R) (x - T + W/2)**2 / (2 W)`` (Giannoulis et al., eq. 4).

    Parameters
    ----------
    threshold_db : float
        dB (automatable), where the reduction begins (at the knee's middle), -200 .. 60;
        default -20.
    ratio : float
        How many dB over the threshold in for each dB out (automatable), 1 .. 1000;
        default 4.
    knee_db : float
        The knee's width in dB (automatable), 0 (hard) .. 60; default 6.
    attack : float
        Seconds (automatable), the time constant of the reduction rising, 0 .. 10; default
        0.01.
    release : float
        Seconds (automatable), the time constant of the reduction falling, 0 .. 10; default
        0.1.
    makeup_db : float
        dB (automatable), a gain after the reduction, -60 .. 60; default 0.
    """

    takes_sidechain = True

    kind = "compressor"
    threshold_db = ParamAttribute()
    ratio = ParamAttribute()
    knee_db = ParamAttribute()
    attack = ParamAttribute()
    release = ParamAttribute()
    makeup_db = ParamAttribute()

    def __init__(self, threshold_db: float = -20.0, ratio: float = 4.0, knee_db: float = 6.0,
                 attack: float = 0.01, release: float = 0.1, makeup_db: float = 0.0) -> None:
        super().__init__({"threshold_db": threshold_db, "ratio": ratio, "knee_db": knee_db,
                          "attack": attack, "release": release, "makeup_db": makeup_db})


class Limiter(Effect):
    """A lookahead peak limiter: its output never goes over the ceiling.

    The input goes out `lookahead` seconds late (its `latency`, in frames). The gain each
    frame needs (ceiling / its peak, at most 1) goes through a sliding minimum over the
    lookahead, a follower that falls at once and rises back with `release`, and a moving
    average over the lookahead: the gain falls smoothly, and is down by the time the peak
    goes out. What goes out is clamped to the ceiling besides (rounding), and a NaN goes out
    as 0. A moved ceiling applies to the frames that came in at its time.

    Parameters
    ----------
    ceiling_db : float
        dB (automatable), the most any sample may reach, -120 .. 60; default -1.
    release : float
        Seconds (automatable), the time constant of the gain rising back, 0 .. 10; default
        0.05.
    lookahead : float
        Seconds, 0 .. 0.1 (0: the gain drops at once, a clipper's sound); default 0.005.
        Not automatable.
    """

    kind = "limiter"
    ceiling_db = ParamAttribute()
    release = ParamAttribute()

    def __init__(self, ceiling_db: float = -1.0, release: float = 0.05, *,
                 lookahead: float = 0.005) -> None:
        super().__init__({"ceiling_db": ceiling_db, "release": release,
                          "lookahead": lookahead})

    @property
    def lookahead(self) -> float:
        """Seconds it looks ahead (its latency, rounded to frames once prepared)."""
        return self._settings["lookahead"]


class Gate(Effect):
    """A noise gate: open while the level is at or above the threshold and for `hold` after,
    else down by `range_db`. It starts closed.

    Parameters
    ----------
    threshold_db : float
        dB (automatable), the level that opens it, -200 .. 60; default -40.
    attack : float
        Seconds (automatable), the time constant of its (linear) gain opening, 0 .. 10;
        default 0.001.
    hold : float
        Seconds (automatable) it stays open after the level last reached the threshold,
        0 .. 10; default 0.02. It also bridges a low note's zero crossings (the level is the
        sample peak): keep it above half the longest period that should pass.
    release : float
        Seconds (automatable), the time constant of its gain closing, 0 .. 10; default 0.1.
    range_db : float
        dB (automatable), how far down it is when closed, 0 .. 200; default 80.
    """

    takes_sidechain = True

    kind = "gate"
    threshold_db = ParamAttribute()
    attack = ParamAttribute()
    hold = ParamAttribute()
    release = ParamAttribute()
    range_db = ParamAttribute()

    def __init__(self, threshold_db: float = -40.0, attack: float = 0.001, hold: float = 0.02,
                 release: float = 0.1, range_db: float = 80.0) -> None:
        super().__init__({"threshold_db": threshold_db, "attack": attack, "hold": hold,
                          "release": release, "range_db": range_db})


class Expander(Effect):
    """A downward expander: under the threshold, the level falls `ratio` times as fast,
    ``(R - 1) (T - x)`` dB of reduction for a level x (dB) under the threshold T, at most
    `range_db`. It starts fully down.

    Parameters
    ----------
    threshold_db : float
        dB (automatable), under which it reduces, -200 .. 60; default -40.
    ratio : float
        dB out for each dB in under the threshold (automatable), 1 .. 1000; default 2.
    attack : float
        Seconds (automatable), the time constant of the reduction going (the level rising),
        0 .. 10; default 0.001.
    release : float
        Seconds (automatable), the time constant of the reduction coming, 0 .. 10; default
        0.1.
    range_db : float
        dB (automatable), the most reduction, 0 .. 200; default 80.
    """

    takes_sidechain = True

    kind = "expander"
    threshold_db = ParamAttribute()
    ratio = ParamAttribute()
    attack = ParamAttribute()
    release = ParamAttribute()
    range_db = ParamAttribute()

    def __init__(self, threshold_db: float = -40.0, ratio: float = 2.0, attack: float = 0.001,
                 release: float = 0.1, range_db: float = 80.0) -> None:
        super().__init__({"threshold_db": threshold_db, "ratio": ratio, "attack": attack,
                          "release": release, "range_db": range_db})
