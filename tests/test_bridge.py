import numpy as np
import pytest
import torch

from svgq_jax import params as param_space
from svgq_jax.model import ModelConfig, create_model
from torch_bridge.convert import expected_shapes, flax_to_torch, named_arrays, torch_to_flax
from torch_bridge.module import from_config

SELECTIONS = ((0, 10, 8, False), (6, 20, 4, True))  # a color_precision and a log2 filter_speckle family


def model_pair(batch_norm: bool, seed: int = 0, input_clip: float = 0.0, members: int = 1, selections=()):
    import jax.numpy as jnp

    cfg = ModelConfig(
        n_features=30,
        hidden_dims=(16, 12, 8),
        dropout=(0.3, 0.2, 0.1),
        batch_norm=batch_norm,
        input_clip=input_clip,
        members=members,
        selections=selections,
        log_params=param_space.log_pairs() if selections else (),
    )  # the statistics model's extra inputs
    rng = np.random.default_rng(seed)
    n = cfg.n_standardised
    m = create_model(cfg, rng.normal(size=n), rng.uniform(0.5, 2, size=n), seed)
    if batch_norm:  # non-trivial running statistics, as after training
        for bn in m.norms if members == 1 else [n for mm in m.members for n in mm.norms]:
            bn.mean[...] = jnp.asarray(rng.normal(size=bn.mean.shape), jnp.float32)
            bn.var[...] = jnp.asarray(rng.uniform(0.5, 2, size=bn.var.shape), jnp.float32)
    t = from_config(cfg.to_json())
    t.load_state_dict(flax_to_torch(named_arrays(m), cfg.to_json()), strict=True)
    return cfg, m, t.eval()


@pytest.mark.parametrize(
    "batch_norm, input_clip, members, selections",
    [(False, 0.0, 1, ()), (True, 0.0, 1, ()), (False, 1.5, 1, SELECTIONS), (True, 1.5, 3, SELECTIONS)],
)
def test_torch_module_matches_flax(batch_norm, input_clip, members, selections):
    import jax.numpy as jnp

    cfg, m, t = model_pair(batch_norm, input_clip=input_clip, members=members, selections=selections)
    x = np.random.default_rng(1).normal(size=(64, 38)).astype(np.float32) * 4
    x[:, -8:] = np.abs(x[:, -8:]) * 3 + 1
    x[:, -8] = np.random.default_rng(2).integers(1, 9, 64)  # color_precision 1..8
    x[:, -2] = np.random.default_rng(3).integers(0, 17, 64)  # filter_speckle 0..16
    with torch.inference_mode():
        out = t(torch.from_numpy(x)).numpy()
    assert out.shape == (64, 1) and ((out >= 0) & (out <= 1)).all()
    np.testing.assert_allclose(out, np.asarray(m(jnp.asarray(x))), rtol=0, atol=1e-5)
    assert t.get_config()["batch_norm"] == batch_norm
    if batch_norm:
        first = t if members == 1 else t.members[0]
        assert abs(first.norms[0].momentum - 0.1) < 1e-12  # flax 0.9 <-> torch 0.1


def test_ensemble_is_the_mean_of_distinct_members():
    import jax.numpy as jnp

    _, m, t = model_pair(False, members=3)
    x = jnp.asarray(np.random.default_rng(2).normal(size=(16, 38)), jnp.float32)
    each = np.asarray(m.member_outputs(x))
    assert each.shape == (16, 3) and not np.allclose(each[:, 0], each[:, 1])  # own initialisations
    np.testing.assert_allclose(np.asarray(m(x))[:, 0], each.mean(1), atol=1e-6)
    assert t.get_config()["members"] == 3 and "members.2.head.weight" in t.state_dict()


@pytest.mark.parametrize(
    "batch_norm, members, selections", [(False, 1, ()), (True, 1, SELECTIONS), (True, 2, SELECTIONS)]
)
def test_round_trip_is_exact(batch_norm, members, selections):
    cfg, m, t = model_pair(batch_norm, seed=3, members=members, selections=selections)
    original = named_arrays(m)
    back = torch_to_flax(t.state_dict(), cfg.to_json())
    assert set(back) == set(original) == set(expected_shapes(cfg.to_json()))
    for k in original:
        assert back[k].dtype == np.float32 and np.array_equal(back[k], original[k]), k


def test_bf16_arrays_are_cast_to_float32():
    import ml_dtypes

    cfg, m, _ = model_pair(False)
    arrays = {k: v.astype(ml_dtypes.bfloat16) for k, v in named_arrays(m).items()}
    sd = flax_to_torch(arrays, cfg.to_json())
    assert all(v.dtype == torch.float32 for k, v in sd.items())
    np.testing.assert_array_equal(sd["head.weight"].numpy(), arrays["head/kernel"].astype(np.float32).T)


def test_bf16_model_computes_its_head_in_float32():
    """Hidden layers in bf16, head in float32: the logits are not rounded to bf16's 8-bit grid."""
    import jax.numpy as jnp
    import ml_dtypes
    from flax import nnx

    cfg = ModelConfig(n_features=30, hidden_dims=(16, 12, 8), dropout=(0.0, 0.0, 0.0))
    m = create_model(cfg, np.zeros(30), np.ones(30), 0, jnp.bfloat16)
    x = jnp.asarray(np.random.default_rng(0).normal(size=(256, 38)), jnp.float32)
    h = m.normalise(x)
    for layer in m.hidden:
        h = nnx.relu(layer(h))
    assert h.dtype == jnp.bfloat16
    logits = m.head(h)
    assert logits.dtype == jnp.float32
    logits = np.asarray(logits, np.float64)
    assert np.abs(logits - logits.astype(ml_dtypes.bfloat16).astype(np.float64)).max() > 1e-4
    np.testing.assert_allclose(np.asarray(m(x)), 1 / (1 + np.exp(-logits)), atol=1e-6)


def test_missing_extra_and_misshaped_keys_are_named():
    cfg, m, t = model_pair(True)
    arrays = named_arrays(m)
    config = cfg.to_json()
    broken = dict(arrays)
    del broken["hidden/1/bias"]
    with pytest.raises(KeyError, match="hidden/1/bias"):
        flax_to_torch(broken, config)
    with pytest.raises(KeyError, match="extra/thing"):
        flax_to_torch({**arrays, "extra/thing": np.zeros(1)}, config)
    with pytest.raises(ValueError, match="hidden/0/kernel"):
        flax_to_torch({**arrays, "hidden/0/kernel": np.zeros((38, 15))}, config)
    sd = t.state_dict()
    sd.pop("norms.2.running_var")
    with pytest.raises(KeyError, match="norms.2.running_var"):
        torch_to_flax(sd, config)
    sd = dict(t.state_dict())
    sd["head.weight"] = torch.zeros(2, 8)
    with pytest.raises(ValueError, match="head.weight"):
        torch_to_flax(sd, config)
    with pytest.raises(KeyError, match="norms.0.weight"):  # a BatchNorm-free state dict for a BatchNorm config
        torch_to_flax(model_pair(False)[2].state_dict(), config)
