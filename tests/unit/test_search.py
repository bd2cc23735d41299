"""The optimizer's search (svgq_jax.search): pure numpy over predictions, no model."""

import numpy as np

from svgq_jax.core import params as param_space


def test_search_respects_fixed_parameters_and_finds_the_maximum():
    from svgq_jax.search import Objective, search

    target = param_space.to_vector({**param_space.VTRACER_DEFAULTS, "color_precision": 7, "corner_threshold": 120})
    score = lambda v: -np.abs(param_space.scale(v) - param_space.scale(target)).sum(axis=1)[:, None]  # peak at target
    vectors, preds, n = search(score, 512, seed=0, fixed={7: 3.0}, objective=Objective("quality"))
    assert (vectors[:, 7] == 3).all() and n > 512 and preds.shape == (len(vectors), 1)
    best = vectors[np.argmax(preds[:, 0])]
    assert abs(best[0] - 7) <= 1 and abs(best[2] - 120) <= 20


def synthetic_front(n: int = 2000, seed: int = 0) -> np.ndarray:
    """Predictions [n, 2] where quality costs bytes: SSIM rises with ln bytes, with noise."""
    rng = np.random.default_rng(seed)
    log_bytes = rng.uniform(8, 12, n)
    return np.stack([0.8 + 0.04 * (log_bytes - 8) - rng.uniform(0, 0.05, n), log_bytes], axis=1)


def test_pareto_front_and_targets_spread_along_it():
    from svgq_jax.search import Objective, pareto_front, targets

    preds = synthetic_front()
    front = pareto_front(preds)
    assert np.all(np.diff(preds[front, 0]) < 0) and np.all(np.diff(preds[front, 1]) < 0)
    for i in range(len(preds)):  # nothing beats a front point on both
        assert not np.any((preds[front, 0] < preds[i, 0]) & (preds[front, 1] > preds[i, 1]))
    compact = targets(preds, Objective(), 4)
    assert set(compact) <= set(front) and len(compact) == 4
    top = preds[:, 0].max()
    assert preds[compact, 0].max() == top and preds[compact, 0].min() >= top - 0.013  # near the best, cheaper
    assert len(set(np.round(preds[compact, 1], 6))) == 4  # four different sizes, not four near-copies
    start = targets(preds, Objective("min_ssim", 0.9), 1)[0]  # where the walk along the front starts
    assert preds[start, 0] >= 0.9 and preds[start, 1] == preds[front][preds[front, 0] >= 0.9, 1].min()
    fit = targets(preds, Objective("max_bytes", float(np.exp(10))), 4)
    assert np.all(preds[fit, 1] <= 10 + 1e-9)
    quality = targets(preds, Objective("quality"), 4)
    assert set(quality) == set(np.argsort(-preds[:, 0])[:4])


def test_min_ssim_walk_aims_each_trace_by_the_error_it_measured():
    from svgq_jax.search import WALK_MIN_STEP, WALK_SAFETY, pareto_front, walk

    preds = synthetic_front()
    front = set(pareto_front(preds).tolist())
    for bias in (0.01, -0.01, 0.0):  # the model over- / underrates every candidate by this much
        for told in (0.0, bias):  # the error measured at the defaults: unknown, or the true one
            for k in (1, 2, 4):
                calls = []
                real = lambda i, b=bias, seen=calls: seen.append(i) or float(preds[i, 0] - b)
                tried = walk(preds, 0.9, k, told, real)
                assert tried == calls and 1 <= len(tried) <= k and set(tried) <= front and len(set(tried)) == len(tried)
                if told == bias:  # told the true error, the first is the smallest that reaches it with the safety
                    reaching = [i for i in front if preds[i, 0] - bias >= 0.9 + WALK_SAFETY]
                    assert preds[tried[0], 1] == min(preds[reaching, 1])
                elif k >= 2:  # after one trace the walk knows the error: the next one reaches, just
                    assert preds[tried[1], 0] - bias >= 0.9 and preds[tried[1], 0] - bias < 0.9 + 0.01
                    if bias > 0:  # the first missed: it stepped up; else down, by at least a minimal step
                        assert preds[tried[1], 0] > preds[tried[0], 0]
                    elif bias < 0:
                        assert preds[tried[1], 0] <= preds[tried[0], 0] - WALK_MIN_STEP + 1e-12


def test_default_verification_follows_the_objective_and_the_cost_of_a_trace():
    from svgq_jax.search import Objective, default_verify

    assert default_verify(Objective("quality"), (1024, 300)) == 1 and default_verify(Objective(), (1024, 300)) == 4
    assert default_verify(Objective("min_ssim", 0.9), (1024, 300)) == 2  # a native trace costs 0.08 s
    assert default_verify(Objective("min_ssim", 0.9), (256, 256)) == 3  # a 256-px one 0.02 s
    assert default_verify(Objective("quality"), (256, 256)) == 4 and default_verify(Objective(), (64, 64)) == 4


def test_choose_follows_the_objective():
    from svgq_jax.search import Candidate, Objective, choose

    c = lambda ssim, size: Candidate({}, 0.0, None, ssim, size)
    defaults = c(0.950, 10_000)
    small_same, big_best, tiny_worse = c(0.9545, 4_000), c(0.956, 30_000), c(0.930, 1_000)
    verified = [small_same, big_best, tiny_worse, defaults]
    assert choose(verified, defaults, Objective())[0] is small_same  # within 0.002 of the best, smallest
    assert choose(verified, defaults, Objective("quality"))[0] is big_best
    assert choose([big_best, defaults], defaults, Objective())[0] is defaults  # 3x the bytes for +0.006: no
    assert choose([c(0.965, 30_000), defaults], defaults, Objective())[0] is defaults  # +0.015: not clearly
    assert choose([c(0.975, 30_000), defaults], defaults, Objective())[0].actual == 0.975  # clearly better
    assert choose(verified, defaults, Objective("min_ssim", 0.94))[0] is small_same
    assert choose(verified, defaults, Objective("min_ssim", 0.99)) == (big_best, False)
    assert choose(verified, defaults, Objective("max_bytes", 5_000))[0] is small_same
    assert choose(verified, defaults, Objective("max_bytes", 500)) == (tiny_worse, False)


def test_the_pick_may_coarsen_only_within_its_objectives_tolerance():
    from svgq_jax.search import SAME_QUALITY, Candidate, Objective, refine_floor

    verified = [Candidate({}, 0.9, actual=a, svg_bytes=b) for a, b in ((0.95, 900), (0.94, 500))]
    best, small = verified
    assert refine_floor(Objective(), verified, best) == 0.95 - SAME_QUALITY  # compact: the best verified, less 0.002
    assert refine_floor(Objective(), verified, small) == 0.94  # a pick further below (the defaults kept): its own
    assert refine_floor(Objective("min_ssim", 0.99), verified, best) == 0.99  # the bound, reached or not
    assert refine_floor(Objective("quality"), verified, best) is None
    assert refine_floor(Objective("max_bytes", 600), verified, best) is None
