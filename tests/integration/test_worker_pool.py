import time

import pytest

from svgq_jax.data.pool import run_tasks


def collect(target, tasks, workers=2, timeout=10.0):
    return {o.key: o for o in run_tasks(target, tasks, workers, timeout)}


def test_results_for_every_task():
    out = collect("pool_targets:echo", [(i, (i,)) for i in range(20)])
    assert sorted(out) == list(range(20))
    assert all(o.ok and o.value == 2 * k for k, o in out.items())


def test_hung_task_is_killed_and_the_rest_go_on():
    t = time.monotonic()
    tasks = [("slow", (60, "x"))] + [(i, (0, i)) for i in range(6)]
    out = collect("pool_targets:sleep_then_echo", tasks, workers=2, timeout=1.5)
    assert time.monotonic() - t < 20
    assert not out["slow"].ok and "timed out after 1.5 s" in out["slow"].error
    assert all(out[i].ok and out[i].value == i for i in range(6))


def test_exceptions_and_crashes_become_failures():
    out = collect("pool_targets:fail", [("a", ("bad thing",))], workers=1)
    assert not out["a"].ok and out["a"].error == "bad thing"
    out = collect("pool_targets:crash", [("c", (3,))], workers=1)
    assert not out["c"].ok and "exit code 3" in out["c"].error
    # the pool replaced the crashed worker and keeps serving
    out = collect("pool_targets:echo", [(1, (4,)), (2, (5,))], workers=1)
    assert out[1].value == 8 and out[2].value == 10


def test_unimportable_target_fails_fast():
    with pytest.raises(ModuleNotFoundError):
        list(run_tasks("no_such_module:f", [(0, ())], 1, 1.0))
