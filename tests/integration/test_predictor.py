"""QualityPredictor on the session's exported tiny bundle: it predicts what the trained model does."""

import subprocess
import sys

import numpy as np
import pytest
from conftest import REPO, draw_test_logo

from svgq_jax.core import params as param_space
from svgq_jax.core.errors import InputError
from svgq_jax.data.dataset import load_dataset
from svgq_jax.predict import QualityPredictor


@pytest.fixture(scope="module")
def predictor(tiny_bundle):
    return QualityPredictor.load(tiny_bundle)


def test_predict_matches_the_trained_model(predictor, tiny_dataset, tiny_run):
    from svgq_jax.train.checkpoints import restore_kept_model

    ds = load_dataset(tiny_dataset, 1)
    rows = np.flatnonzero(ds.image_index == 3)
    model = restore_kept_model(tiny_run)
    want = np.asarray(model(ds.inputs(rows, with_stats=True)))
    ssim, size = predictor.predict_batch(
        [ds.source_path(3)] * len(rows), [param_space.from_vector(v) for v in ds.params[rows]]
    )
    np.testing.assert_allclose(ssim, want[:, 0], atol=1e-4)
    np.testing.assert_allclose(np.log(size), want[:, 1], atol=1e-4)  # bytes, from the log-bytes output
    one = predictor.predict(ds.source_path(3), param_space.from_vector(ds.params[rows[0]]))
    assert isinstance(one.ssim, float) and abs(one.ssim - want[0, 0]) < 1e-4
    assert one.svg_bytes == pytest.approx(np.exp(want[0, 1]), rel=1e-3)


def test_inputs_of_every_kind_and_bad_params(predictor, tmp_path):
    img = draw_test_logo(5)
    img.save(tmp_path / "x.png")
    a = predictor.predict(tmp_path / "x.png", param_space.VTRACER_DEFAULTS)
    assert a == pytest.approx(predictor.predict(img, param_space.VTRACER_DEFAULTS), rel=1e-6)
    assert a == pytest.approx(predictor.predict(np.asarray(img), param_space.VTRACER_DEFAULTS), rel=1e-6)
    assert 0 <= a.ssim <= 1 and a.svg_bytes > 100
    with pytest.raises(InputError, match="color_precision"):
        predictor.predict(img, {**param_space.VTRACER_DEFAULTS, "color_precision": 0})
    with pytest.raises(InputError, match="missing parameter"):
        predictor.predict(img, {"color_precision": 3})
    with pytest.raises(InputError, match="not a readable image"):
        (tmp_path / "bad.png").write_bytes(b"nope")
        predictor.predict(tmp_path / "bad.png", param_space.VTRACER_DEFAULTS)


def test_the_defaults_trace_and_optimize_share_one_target(predictor):
    from svgq_jax.core.tracing import label
    from svgq_jax.verify import optimize_image

    predictor.forget()
    a, b = (predictor.source(np.asarray(draw_test_logo(i))) for i in (6, 7))
    kept = predictor.target(a)
    assert predictor.target(a) is kept and predictor.target(b) is not kept  # the last source's only
    res = optimize_image(predictor, a, budget=64, verify=1)
    # the shared target scores like a fresh one: the defaults' label equals a new trace of them
    fresh, _ = label(predictor.target(a), param_space.VTRACER_DEFAULTS)
    assert res.defaults.svg_bytes > 0 and abs(res.defaults.actual - fresh.ssim) < 0.02
    predictor.forget()
    assert predictor._target is None and not predictor._cache and not predictor._defaults


def test_predictor_does_not_import_jax(tiny_bundle, tmp_path):
    draw_test_logo(1).save(tmp_path / "x.png")
    code = (
        f"import sys; from svgq_jax.predict import QualityPredictor; p = QualityPredictor.load({str(tiny_bundle)!r}); "
        f"from svgq_jax.core import params as param_space; v = p.predict({str(tmp_path / 'x.png')!r}, "
        f"param_space.VTRACER_DEFAULTS); "
        "print(v.ssim, v.svg_bytes, 'jax' in sys.modules)"
    )
    r = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-800:]
    value, size, jax_loaded = r.stdout.split()
    assert 0 <= float(value) <= 1 and float(size) > 0 and jax_loaded == "False"
