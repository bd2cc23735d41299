import numpy as np
import pytest
import torch

from svgq_jax.core import params as param_space
from svgq_jax.model import ModelConfig, create_model
from torch_bridge.convert import expected_shapes, flax_to_torch, named_arrays, torch_to_flax
from torch_bridge.module import from_config

SELECTIONS = ((0, 10, 8, False), (6, 20, 4, True))  # a color_precision and a log2 filter_speckle family


def model_pair(
    batch_norm: bool, seed: int = 0, input_clip: float = 0.0, members: int = 1, selections=(), bytes_output="none"
):
    import jax.numpy as jnp

    cfg = ModelConfig(
        n_features=30,
        hidden_dims=(16, 12, 8),
        dropout=(0.3, 0.2, 0.1),
        batch_norm=batch_norm,
        input_clip=input_clip,
        members=members,
        selections=selections,
        log_params=param_space.log_pairs() if selections else (),  # the statistics model's extra inputs
        bytes_output=bytes_output,
    )
    rng = np.random.default_rng(seed)
    n = cfg.n_standardised
    m = create_model(cfg, rng.normal(size=n), rng.uniform(0.5, 2, size=n), seed, bytes_mean=9.0, bytes_std=0.7)
    if batch_norm:  # non-trivial running statistics, as after training
        for bn in (n for mlp in m.mlps for n in mlp.norms):
            bn.mean[...] = jnp.asarray(rng.normal(size=bn.mean.shape), jnp.float32)
            bn.var[...] = jnp.asarray(rng.uniform(0.5, 2, size=bn.var.shape), jnp.float32)
    t = from_config(cfg.to_json())
    t.load_state_dict(flax_to_torch(named_arrays(m), cfg.to_json()), strict=True)
    return cfg, m, t.eval()


def inputs(n: int = 64, seed: int = 1) -> np.ndarray:
    x = np.random.default_rng(seed).normal(size=(n, 38)).astype(np.float32) * 4
    x[:, -8:] = np.abs(x[:, -8:]) * 3 + 1
    x[:, -8] = np.random.default_rng(seed + 1).integers(1, 9, n)  # color_precision 1..8
    x[:, -2] = np.random.default_rng(seed + 2).integers(0, 17, n)  # filter_speckle 0..16
    return x


@pytest.mark.parametrize(
    "batch_norm, input_clip, members, selections, bytes_output",
    [
        (False, 0.0, 1, (), "none"),
        (True, 0.0, 1, (), "shared"),
        (False, 1.5, 1, SELECTIONS, "shared"),
        (True, 1.5, 3, SELECTIONS, "separate"),
        (False, 0.0, 2, (), "none"),
    ],
)
def test_torch_module_matches_flax(batch_norm, input_clip, members, selections, bytes_output):
    import jax.numpy as jnp

    cfg, m, t = model_pair(
        batch_norm, input_clip=input_clip, members=members, selections=selections, bytes_output=bytes_output
    )
    x = inputs()
    with torch.inference_mode():
        out = t(torch.from_numpy(x)).numpy()
    assert out.shape == (64, len(cfg.outputs)) and ((out[:, 0] >= 0) & (out[:, 0] <= 1)).all()
    np.testing.assert_allclose(out, np.asarray(m(jnp.asarray(x))), rtol=0, atol=1e-5)  # every output
    assert t.get_config()["batch_norm"] == batch_norm and t.outputs == list(cfg.outputs)
    if batch_norm:
        assert abs(t.mlps[0].norms[0].momentum - 0.1) < 1e-12  # flax 0.9 <-> torch 0.1


def test_bytes_output_is_log_bytes_around_the_training_mean():
    import jax.numpy as jnp

    for kind in ("shared", "separate"):
        cfg, m, t = model_pair(False, bytes_output=kind)
        out = np.asarray(m(jnp.asarray(inputs())))
        assert cfg.outputs == ("ssim", "log_bytes") and out.shape == (64, 2)
        assert abs(out[:, 1].mean() - 9.0) < 3 * 0.7 and out[:, 1].std() > 0  # mean + std * head
        assert len(m.mlps) == (1 if kind == "shared" else 2)


def test_ensemble_is_the_mean_of_distinct_members():
    import jax.numpy as jnp

    _, m, t = model_pair(False, members=3, bytes_output="shared")
    x = jnp.asarray(inputs(16, 2))
    each = np.stack([np.asarray(p) for p in m.mlp_outputs(x)], axis=2)  # [B, outputs, members]
    assert each.shape == (16, 2, 3) and not np.allclose(each[:, 0, 0], each[:, 0, 1])  # own initialisations
    np.testing.assert_allclose(np.asarray(m(x)), each.mean(2), atol=1e-5)
    assert t.get_config()["members"] == 3 and "mlps.2.head.weight" in t.state_dict()


@pytest.mark.parametrize(
    "batch_norm, members, selections, bytes_output",
    [(False, 1, (), "none"), (True, 1, SELECTIONS, "shared"), (True, 2, SELECTIONS, "separate")],
)
def test_round_trip_is_exact(batch_norm, members, selections, bytes_output):
    cfg, m, t = model_pair(batch_norm, seed=3, members=members, selections=selections, bytes_output=bytes_output)
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
    np.testing.assert_array_equal(sd["mlps.0.head.weight"].numpy(), arrays["mlps/0/head/kernel"].astype(np.float32).T)


def test_missing_extra_and_misshaped_keys_are_named():
    cfg, m, t = model_pair(True)
    arrays = named_arrays(m)
    config = cfg.to_json()
    broken = dict(arrays)
    del broken["mlps/0/hidden/1/bias"]
    with pytest.raises(KeyError, match="mlps/0/hidden/1/bias"):
        flax_to_torch(broken, config)
    with pytest.raises(KeyError, match="extra/thing"):
        flax_to_torch({**arrays, "extra/thing": np.zeros(1)}, config)
    with pytest.raises(ValueError, match="mlps/0/hidden/0/kernel"):
        flax_to_torch({**arrays, "mlps/0/hidden/0/kernel": np.zeros((38, 15))}, config)
    sd = t.state_dict()
    sd.pop("mlps.0.norms.2.running_var")
    with pytest.raises(KeyError, match="norms.2.running_var"):
        torch_to_flax(sd, config)
    sd = dict(t.state_dict())
    sd["mlps.0.head.weight"] = torch.zeros(2, 8)
    with pytest.raises(ValueError, match="head.weight"):
        torch_to_flax(sd, config)
    with pytest.raises(KeyError, match="norms.0.weight"):  # a BatchNorm-free state dict for a BatchNorm config
        torch_to_flax(model_pair(False)[2].state_dict(), config)
