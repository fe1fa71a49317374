"""Delays and modulation: `Delay`, and the LFO-swept `Chorus`, `Flanger` and `Phaser`.

Times are in seconds and rates in Hz. Each LFO is a sine whose phase starts at 0 when the
effect is prepared or reset and moves on by ``rate / samplerate`` a frame, so its output
depends on frames alone, never on how they are cut into blocks.
"""
from __future__ import annotations

from .. import _checks as check
from .effect import Effect, ParamAttribute


class Delay(Effect):
    """Echoes `time` apart, each `feedback` times the one before.

    Per channel, with ``w[n] = v[n - time * samplerate]`` read from the delay line ``v``
    (third-order Lagrange interpolation between frames, linear below 2 frames)::

        v[n] = x[n] + feedback * w[n]
        y[n] = (1 - mix) * x[n] + mix * w[n]

    The read follows `time` frame by frame: a moving time sweeps it smoothly (the pitch bends
    as on tape) rather than jumping.

    Parameters
    ----------
    time : float
        Seconds between the input and its first echo (automatable), 0 .. `max_time`; at least
        one frame. Default 0.25.
    feedback : float
        Linear (automatable), -0.99 .. 0.99: each echo's gain relative to the one before.
        Default 0.
    mix : float
        The wet share of the output (automatable), 0 (dry only, exactly the input) .. 1 (the
        echoes only). Default 0.5.
    ping_pong : bool
        Echoes go round the channels instead: the channels' mean feeds the first channel's
        line, and each line's feedback the next channel's (the last the first's), so in
        stereo they alternate left, right, left, ... Default False.
    max_time : float
        Seconds, 0.001 .. 60: the longest `time` (the line's memory, allocated in `prepare`);
        a later `time` beyond it is held at it. Default 2.
    """

    kind = "delay"
    time = ParamAttribute()
    feedback = ParamAttribute()
    mix = ParamAttribute()

    def __init__(self, time: float = 0.25, feedback: float = 0.0, mix: float = 0.5, *,
                 ping_pong: bool = False, max_time: float = 2.0) -> None:
        ping_pong = check.boolean(ping_pong, "Delay ping_pong")
        max_time = check.seconds(max_time, "Delay max_time", 1e-3, 60.0)
        time = check.seconds(time, "Delay time", 0.0, 60.0)
        if time > max_time:
            raise ValueError(f"Delay time: expected at most max_time ({max_time:g} seconds), "
                             f"got {time:g}")
        super().__init__({"time": time, "feedback": feedback, "mix": mix,
                          "ping_pong": float(ping_pong), "max_time": max_time})

    @property
    def ping_pong(self) -> bool:
        return bool(self._settings["ping_pong"])

    @property
    def max_time(self) -> float:
        return self._settings["max_time"]


class _Sweep(Effect):
    rate = ParamAttribute()
    depth = ParamAttribute()
    centre_delay = ParamAttribute()
    feedback = ParamAttribute()
    mix = ParamAttribute()

    @property
    def spread(self) -> float:
        """Cycles each channel's LFO runs ahead of the channel before."""
        return self._settings["spread"]


_SWEEP = """
    Per channel, with ``v`` its delay line read between frames as `Delay` reads (the delay
    kept within 1 frame .. the longest)::

        d_k[n] = centre_delay + depth * sin(2 pi (phase[n] + k / voices + c * spread))
        w[n] = mean over voices k of v[n - d_k[n] * samplerate]
        v[n] = x[n] + feedback * w[n]
        y[n] = (1 - mix) * x[n] + mix * w[n]

    Parameters
    ----------
    rate : float
        Hz (automatable), 0 .. 100: the LFO's frequency. Default {rate}.
    depth : float
        Seconds (automatable), 0 .. {most_depth}: how far the delay swings either side of
        `centre_delay`. Default {depth}.
    centre_delay : float
        Seconds (automatable), 0 .. {most_centre}: the delay the LFO swings around. Default
        {centre}.
    feedback : float
        Linear (automatable), -0.99 .. 0.99. Default {feedback}.
    mix : float
        The wet share (automatable), 0 (exactly the input) .. 1. Default 0.5.{voices}
    spread : float
        Cycles, 0 .. 1: how far each channel's LFO runs ahead of the channel before (0.25: a
        quarter cycle between left and right; 0: all channels alike). Default 0.25.
"""


class Chorus(_Sweep):
    __doc__ = ("Chorus: copies of the input a few milliseconds late, each delay swept by an LFO."
               "\n\n    pedalboard's Chorus, with times in seconds.\n" + _SWEEP.format(
                   rate=1, most_depth=0.05, depth=0.002, most_centre=0.1, centre=0.007,
                   feedback=0, voices="""
    voices : int
        1 .. 8 delayed copies, their LFOs spread evenly over a cycle. Default 2."""))
    kind = "chorus"

    def __init__(self, rate: float = 1.0, depth: float = 0.002, centre_delay: float = 0.007,
                 feedback: float = 0.0, mix: float = 0.5, *, voices: int = 2,
                 spread: float = 0.25) -> None:
        voices = check.whole(voices, "Chorus voices", 1, 8)
        super().__init__({"rate": rate, "depth": depth, "centre_delay": centre_delay,
                          "feedback": feedback, "mix": mix, "voices": voices,
                          "spread": spread})

    @property
    def voices(self) -> int:
        return int(self._settings["voices"])


class Flanger(_Sweep):
    __doc__ = ("Flanger: the input beside a copy of itself through a short swept delay."
               "\n\n    Fed back, it makes comb-filter notches that move with the sweep.\n"
               + _SWEEP.format(
                   rate=0.25, most_depth=0.02, depth=0.002, most_centre=0.02, centre=0.003,
                   feedback=0.5, voices="").replace("mean over voices k of ", "").replace(
                   " + k / voices", "").replace("d_k", "d"))
    kind = "flanger"

    def __init__(self, rate: float = 0.25, depth: float = 0.002, centre_delay: float = 0.003,
                 feedback: float = 0.5, mix: float = 0.5, *, spread: float = 0.25) -> None:
        super().__init__({"rate": rate, "depth": depth, "centre_delay": centre_delay,
                          "feedback": feedback, "mix": mix, "spread": spread})


class Phaser(Effect):
    """Phaser: first-order all-pass stages whose corner an LFO sweeps, mixed with the input.

    pedalboard's Phaser, with the sweep's depth in octaves.

    Per channel, the LFO's phase as the module says::

        f[n] = centre * 2 ** (depth * sin(2 pi (phase[n] + c * spread)))  (1 Hz .. 0.49 fs)
        t = tan(pi f[n] / samplerate);  a[n] = (t - 1) / (t + 1)
        u = x[n] + feedback * w[n - 1]
        each stage (state s):  out = a[n] * u + s;  s = u - a[n] * out;  u = out
        w[n] = u;  y[n] = (1 - mix) * x[n] + mix * w[n]

    At ``mix=0.5`` every two stages make a notch that moves with the sweep.

    Parameters
    ----------
    rate : float
        Hz (automatable), 0 .. 100: the LFO's frequency. Default 0.5.
    depth : float
        Octaves (automatable), 0 .. 10: how far the corners swing either side of `centre`.
        Default 1.5.
    centre : float
        Hz (automatable), 1 .. 100000: the corner frequency the sweep is centred on. Default
        1300.
    feedback : float
        Linear (automatable), -0.99 .. 0.99: the output fed back into the stages' input.
        Default 0.
    mix : float
        The wet share (automatable), 0 (exactly the input) .. 1. Default 0.5.
    stages : int
        1 .. 16 all-pass stages. Default 6.
    spread : float
        Cycles, 0 .. 1: how far each channel's LFO runs ahead of the channel before. Default
        0.25.
    """

    kind = "phaser"
    rate = ParamAttribute()
    depth = ParamAttribute()
    centre = ParamAttribute()
    feedback = ParamAttribute()
    mix = ParamAttribute()

    def __init__(self, rate: float = 0.5, depth: float = 1.5, centre: float = 1300.0,
                 feedback: float = 0.0, mix: float = 0.5, *, stages: int = 6,
                 spread: float = 0.25) -> None:
        stages = check.whole(stages, "Phaser stages", 1, 16)
        super().__init__({"rate": rate, "depth": depth, "centre": centre,
                          "feedback": feedback, "mix": mix, "stages": stages,
                          "spread": spread})

    @property
    def stages(self) -> int:
        return int(self._settings["stages"])

    @property
    def spread(self) -> float:
        """Cycles each channel's LFO runs ahead of the channel before."""
        return self._settings["spread"]
