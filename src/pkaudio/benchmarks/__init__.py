"""Benchmark harness: pkaudio against its peers, measured in the same run, reported as ratios.

Each case times pkaudio's call and the peer's call in alternating batches over many rounds, so
that drift in the machine's speed (turbo, other load) falls on both alike, and reports the
median time per call of each and their ratio (peer time / pkaudio time: above 1 means pkaudio is
faster).
"""
from __future__ import annotations

import contextlib
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class Case:
    """One comparison: pkaudio's way and the peer's way of doing the same job; `setting` is
    a context (such as a BLAS thread limit) that both run inside.
    """

    name: str
    ours: Callable[[], object]
    peer: Callable[[], object]
    peer_name: str
    target: str = ""
    setting: Callable[[], contextlib.AbstractContextManager] = contextlib.nullcontext


@dataclass
class Result:
    case: Case
    ours_seconds: float
    peer_seconds: float

    @property
    def ratio(self) -> float:
        return self.peer_seconds / self.ours_seconds


def calls_per_batch(fn: Callable[[], object], batch_seconds: float) -> int:
    """How many calls of fn take about batch_seconds."""
    calls = 1
    while True:
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        elapsed = time.perf_counter() - start
        if elapsed >= batch_seconds / 4 or calls >= 1 << 22:
            return max(1, int(calls * batch_seconds / max(elapsed, 1e-9)))
        calls *= 4


def seconds_per_call(fn: Callable[[], object], calls: int) -> float:
    start = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - start) / calls


def compare(case: Case, rounds: int, batch_seconds: float) -> Result:
    """Median seconds per call of both sides, measured in interleaved batches."""
    with case.setting():
        return measure_interleaved(case, rounds, batch_seconds)


def measure_interleaved(case: Case, rounds: int, batch_seconds: float) -> Result:
    ours_calls = calls_per_batch(case.ours, batch_seconds)
    peer_calls = calls_per_batch(case.peer, batch_seconds)
    ours, peer = [], []
    for i in range(rounds):
        # Alternate which side goes first, so neither always runs on a warmer cache.
        if i % 2:
            peer.append(seconds_per_call(case.peer, peer_calls))
            ours.append(seconds_per_call(case.ours, ours_calls))
        else:
            ours.append(seconds_per_call(case.ours, ours_calls))
            peer.append(seconds_per_call(case.peer, peer_calls))
    return Result(case, statistics.median(ours), statistics.median(peer))


def work_rate(fn: Callable[[int], object], threads: int, seconds: float) -> float:
    """Calls per second of fn, run by `threads` threads at once for about `seconds`; thread i
    calls fn(i), so each can work on its own data.
    """
    counts = [0] * threads
    stop = threading.Event()
    barrier = threading.Barrier(threads + 1)

    def worker(i: int) -> None:
        barrier.wait()
        while not stop.is_set():
            fn(i)
            counts[i] += 1

    workers = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for w in workers:
        w.start()
    barrier.wait()
    start = time.perf_counter()
    time.sleep(seconds)
    stop.set()
    for w in workers:
        w.join()
    return sum(counts) / (time.perf_counter() - start)


def thread_scaling(fn: Callable[[int], object], seconds: float) -> tuple[float, float]:
    """Calls per second of fn by one thread and by two at once (see work_rate)."""
    return work_rate(fn, 1, seconds), work_rate(fn, 2, seconds)


def format_seconds(seconds: float) -> str:
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def table(results: list[Result]) -> str:
    """A Markdown table of results."""
    lines = [
        "| case | pkaudio | peer | peer time | ratio | target |",
        "| --- | ---: | --- | ---: | ---: | --- |",
    ]
    for r in results:
        lines.append(
            f"| {r.case.name} | {format_seconds(r.ours_seconds)} | {r.case.peer_name} | "
            f"{format_seconds(r.peer_seconds)} | {r.ratio:.2f}x | {r.case.target} |"
        )
    return "\n".join(lines)
