"""The fuzz suite: every public function and method called with hostile values, the engine
rendered in random block sizes and driven from several threads, and the races issue 12
found. Everything runs in a worker subprocess (a grandchild per case), so that a crash or a
hang fails one test, says which case did it, and lets the others run.

The contract a call must keep, and how faults are judged and reported, are in fuzzing.py;
what is called with which values, in fuzz_targets.py. ``python tests/fuzzing.py`` runs the
same cases outside pytest and prints every fault, grouped by cause.
"""
import fuzz_fx
import fuzz_scenarios
import fuzz_targets
import fuzzing
import pytest
from hypothesis import HealthCheck, given, settings

# Faults a failing test lists in full; `python tests/fuzzing.py TARGET` prints them all.
SHOWN = 12


@pytest.fixture(scope="module")
def worker(tmp_path_factory):
    worker = fuzzing.Worker(cwd=str(tmp_path_factory.mktemp("fuzz")))
    yield worker
    worker.close()


def script(worker, code, timeout=fuzzing.CASE_TIMEOUT):
    """Run `code` in the worker; the faults it found (an exception, a crash, a hang)."""
    return [f"{kind}: {detail}" for kind, detail in worker.run(("script", code), timeout)
            ["faults"]]


def test_the_worker_reports_crashes_and_hangs(worker):
    """The suite can only pass if a crash or a hang would fail it."""
    crash = script(worker, "import ctypes; ctypes.string_at(0)")
    assert crash and crash[0].startswith(("crash: SIGSEGV", "crash: AddressSanitizer")), crash
    assert script(worker, "while True: pass", timeout=1) == \
        ["hang: still running after the case's time was up"]
    assert script(worker, "assert 1 + 1 == 3")[0].startswith("failed:")
    assert script(worker, "import pkaudio") == []
    # A write just past out=, into its guard bytes, is caught.
    x = fuzzing.Array("float32", (8, 2))
    spill = fuzzing.Case("dsp.gain", (("x", x), ("g", fuzzing.V("0.5")), ("out", x)),
                         "(dsp.gain(x, g, out=out), _b1.__setitem__(-1, 0))[0]")
    kinds = [kind for kind, _ in worker.run(spill)["faults"]]
    assert kinds == ["memory"], kinds


@pytest.mark.parametrize("target", list(fuzz_targets.STRATEGIES))
def test_hostile_calls(worker, target):
    """A call works (agreeing with a reference where there is one) or raises TypeError or
    ValueError (RuntimeError where documented) that names the function and an argument; it
    never crashes, hangs, writes outside its out=, accepts what it should refuse or leaves
    its object unusable."""
    run = fuzzing.fuzz(worker, [target], fuzz_targets.STRATEGIES,
                       {target: fuzz_targets.COUNTS.get(target, fuzz_targets.COUNT)},
                       fuzz_targets.EXAMPLES)
    assert not run.setup_failed, f"cases that could not be set up: {run.setup_failed[:3]}"
    faults = sorted(run.faults.values(), key=lambda f: (f.kind, f.smallest[1]))
    if faults:
        shown = "\n".join(f.text(i) for i, f in enumerate(faults[:SHOWN], 1))
        more = f"\n... and {len(faults) - SHOWN} more" if len(faults) > SHOWN else ""
        pytest.fail(f"{len(faults)} faults in {run.tried[target]} cases of {target}:\n\n"
                    f"{shown}{more}", pytrace=False)


@settings(max_examples=120, suppress_health_check=[HealthCheck.too_slow,
                                                   HealthCheck.data_too_large])
@given(scenario=fuzz_scenarios.scenarios())
def test_engine_output_does_not_depend_on_block_sizes(worker, scenario):
    """Voices (sounds at several rates, loops, gains, pans, buses), timed changes and stops:
    sent all at once and rendered in one call, or each sent just before its block and
    rendered in random block sizes, the output and events are the same, bit for bit."""
    faults = script(worker, f"import fuzz_scenarios\n"
                            f"fuzz_scenarios.check_block_sizes({scenario!r})")
    assert not faults, "\n".join(faults)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_commands_from_threads_while_one_renders(worker, seed):
    """Threads play, set and stop voices and add and change buses while another renders:
    nothing fails or crashes, and every voice reports its one start and its one end."""
    faults = script(worker, f"import fuzz_scenarios\n"
                            f"fuzz_scenarios.commands_from_threads({seed})", timeout=60)
    assert not faults, "\n".join(faults)


def test_mix_survives_its_list_emptied_by_another_thread(worker):
    faults = script(worker, "import fuzz_scenarios\nfuzz_scenarios.mix_race()", timeout=60)
    assert not faults, "\n".join(faults)


def test_resampler_init_from_another_thread_while_it_processes(worker):
    faults = script(worker, "import fuzz_scenarios\nfuzz_scenarios.init_race()", timeout=60)
    assert not faults, "\n".join(faults)


@settings(max_examples=12, suppress_health_check=[HealthCheck.too_slow,
                                                  HealthCheck.data_too_large])
@given(scenario=fuzz_fx.fx_scenarios())
def test_effects_on_a_bus_are_the_one_shot_call_whatever_the_blocks(worker, scenario):
    """Random chains and mixes of effects with random automation, on the master and rendered
    in one call or in random blocks, give the one-shot call's samples, bit for bit."""
    faults = script(worker, f"import fuzz_fx\nfuzz_fx.check_fx_on_bus({scenario!r})")
    assert not faults, "\n".join(faults)


@settings(max_examples=20, suppress_health_check=[HealthCheck.too_slow,
                                                  HealthCheck.data_too_large])
@given(scenario=fuzz_fx.graph_edits())
def test_graph_edits_between_renders(worker, scenario):
    """Adds, removals, moves, sends, modulation and automation between renders: no crash,
    finite output, cycles refused leaving the graph as it was, removed effects freed."""
    faults = script(worker, f"import fuzz_fx\nfuzz_fx.check_graph_edits({scenario!r})")
    assert not faults, "\n".join(faults)
