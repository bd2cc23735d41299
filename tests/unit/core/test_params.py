import math

import numpy as np
import pytest

from svgq_jax.core import params as param_space
from svgq_jax.core.errors import InputError


def good():
    return dict(param_space.VTRACER_DEFAULTS)


def test_defaults_match_vtracer_and_validate():
    assert param_space.VTRACER_DEFAULTS == {
        "color_precision": 6,
        "layer_difference": 16,
        "corner_threshold": 60,
        "length_threshold": 4.0,
        "max_iterations": 10,
        "splice_threshold": 45,
        "filter_speckle": 4,
        "path_precision": 8,
    }
    assert param_space.validate(good()) == good()
    assert param_space.PARAM_NAMES[0] == "color_precision" and param_space.PARAM_NAMES[-1] == "path_precision"


@pytest.mark.parametrize(
    "change, words",
    [
        ({"color_precision": 9}, ["color_precision", "[1, 8]", "out of range"]),
        ({"color_precision": 0}, ["color_precision", "out of range"]),
        ({"length_threshold": 3.4}, ["length_threshold", "[3.5, 10.0]"]),
        ({"corner_threshold": 60.5}, ["corner_threshold", "non-integer"]),
        ({"filter_speckle": "4"}, ["filter_speckle", "str"]),
        ({"path_precision": True}, ["path_precision", "bool"]),
        ({"length_threshold": math.nan}, ["length_threshold", "nan"]),
        ({"max_iterations": None}, ["max_iterations", "NoneType"]),
        ({"colour_precision": 3}, ["unknown parameter", "colour_precision"]),
    ],
)
def test_bad_values_name_the_parameter(change, words):
    p = good()
    p.update(change)
    with pytest.raises(InputError) as e:
        param_space.validate(p)
    for w in words:
        assert w in str(e.value)


def test_missing_parameter_and_non_mapping():
    p = good()
    del p["splice_threshold"]
    with pytest.raises(InputError, match="missing parameter splice_threshold"):
        param_space.validate(p)
    with pytest.raises(InputError, match="object of 8 named values"):
        param_space.validate([1, 2, 3])


def test_integral_float_is_accepted_as_int():
    p = good()
    p["color_precision"] = 6.0
    assert param_space.validate(p)["color_precision"] == 6 and isinstance(
        param_space.validate(p)["color_precision"], int
    )


def test_scale_maps_table_to_unit_interval():
    lo = np.array([p.low for p in param_space.PARAMS])
    hi = np.array([p.high for p in param_space.PARAMS])
    np.testing.assert_allclose(param_space.scale(lo), 0.0)
    np.testing.assert_allclose(param_space.scale(hi), 1.0)
    np.testing.assert_allclose(
        param_space.unscale(param_space.scale(param_space.defaults_vector())), param_space.defaults_vector(), atol=1e-5
    )


def test_log2_params_reads_the_multiplicative_parameters_on_a_log_axis():
    import jax.numpy as jnp

    pairs = param_space.log_pairs()
    assert [param_space.PARAM_NAMES[i] for i, _ in pairs] == [name for name, _ in param_space.LOG_SCALED]
    rows = np.concatenate([np.stack([param_space.LOW, param_space.HIGH]), param_space.sample(50, 0)])
    out = param_space.log2_params(rows, pairs)
    for k, (i, offset) in enumerate(pairs):
        np.testing.assert_allclose(2.0 ** out[:, k] - offset, rows[:, i], rtol=1e-5, atol=1e-4)
    assert np.isfinite(out).all()  # filter_speckle and the thresholds reach 0
    np.testing.assert_allclose(np.asarray(param_space.log2_params(jnp.asarray(rows), pairs, xp=jnp)), out, atol=1e-6)


def test_sample_is_seeded_in_range_and_even():
    a, b = param_space.sample(200, 7), param_space.sample(200, 7)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, param_space.sample(200, 8))
    param_space.validate_matrix(a)  # every row legal
    for j, p in enumerate(param_space.PARAMS):
        if p.kind is int:
            values, counts = np.unique(a[:, j], return_counts=True)
            n_values = int(p.high - p.low + 1)
            if n_values <= 20:  # every value appears, near-equally (Latin hypercube strata)
                assert len(values) == n_values
                assert counts.max() - counts.min() <= 200 / n_values * 0.5 + 2
        else:
            # one sample per stratum of the range
            strata = np.floor((a[:, j] - p.low) / (p.high - p.low) * 200).astype(int)
            assert len(np.unique(strata)) == 200


def test_param_sets_start_with_defaults():
    sets = param_space.param_sets_for_image(5, [0, 123])
    assert sets.shape == (5, 8)
    np.testing.assert_array_equal(sets[0], param_space.defaults_vector())
    with pytest.raises(InputError):
        param_space.param_sets_for_image(0, 1)


def test_validate_matrix_rejects_bad_rows():
    m = np.stack([param_space.defaults_vector()] * 3)
    m[2, 6] = 17
    with pytest.raises(InputError, match="row 2: parameter filter_speckle"):
        param_space.validate_matrix(m)
    with pytest.raises(InputError, match=r"\[N, 8\]"):
        param_space.validate_matrix(np.zeros((3, 7)))


def test_latin_hypercube_draws_scipys_numbers():
    """`sample` draws without importing scipy.stats (slow to import), the same numbers as scipy's sampler."""
    from scipy.stats import qmc

    for n, d, seed in ((1, 8, 0), (64, 8, 3), (1000, 3, 12345)):
        want = qmc.LatinHypercube(d=d, rng=np.random.default_rng(seed)).random(n)
        np.testing.assert_array_equal(param_space.latin_hypercube(n, d, seed), want)
