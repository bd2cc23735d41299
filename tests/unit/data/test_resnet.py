import hashlib

import numpy as np
import pytest
import torch
from conftest import draw_test_logo

from svgq_jax.core import images
from svgq_jax.core.errors import InputError
from svgq_jax.core.features import FEATURE_DIM
from svgq_jax.data.resnet import FeatureExtractor, build_backbone


@pytest.fixture(scope="module")
def extractor():
    return FeatureExtractor(quiet=True, batch_size=4)


@pytest.fixture(scope="module")
def batch():
    return np.stack([images.to_array(draw_test_logo(i)) for i in range(6)])


def test_random_backbone_is_documented_and_deterministic(extractor, capsys):
    assert extractor.spec.name == "resnet50-random-seed0" and not extractor.spec.pretrained
    _, spec = build_backbone()
    assert spec == extractor.spec  # same seed, same weights, same sha256
    assert "WARNING: no pretrained ResNet-50 weights" in capsys.readouterr().err


def test_features_shape_and_batch_invariance(extractor, batch):
    f = extractor(batch)
    assert f.shape == (6, FEATURE_DIM) and f.dtype == np.float32 and np.isfinite(f).all()
    np.testing.assert_array_equal(f, extractor(batch))
    np.testing.assert_allclose(extractor(batch[:1])[0], f[0], rtol=1e-4, atol=1e-4)
    assert not np.allclose(f[0], f[1])


def test_weights_file_is_used_and_hashed(tmp_path, extractor, batch, monkeypatch):
    torch.manual_seed(0)
    from torchvision.models import resnet50

    path = tmp_path / "weights.pth"
    torch.save(resnet50(weights=None).state_dict(), path)  # same weights as the random backbone
    fx = FeatureExtractor(path, quiet=True)
    assert fx.spec.pretrained and fx.spec.name == "resnet50-custom"
    assert fx.spec.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    np.testing.assert_allclose(fx(batch[:2]), extractor(batch[:2]), rtol=1e-4, atol=1e-4)
    monkeypatch.setenv("SVGQ_BACKBONE_WEIGHTS", str(path))
    assert build_backbone()[1].sha256 == fx.spec.sha256


def test_bad_weights_are_refused(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        build_backbone(tmp_path / "missing.pth")
    garbage = tmp_path / "garbage.pth"
    garbage.write_bytes(b"not a checkpoint")
    with pytest.raises(InputError, match="not a loadable torch weights file"):
        build_backbone(garbage)
    wrong = tmp_path / "wrong.pth"
    torch.save({"conv.weight": torch.zeros(3)}, wrong)
    with pytest.raises(InputError, match="not ResNet-50 weights"):
        build_backbone(wrong)
