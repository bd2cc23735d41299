import numpy as np

from svgq_jax.model import ModelConfig, create_model


def test_bf16_model_computes_its_head_in_float32():
    """Hidden layers in bf16, head in float32: the logits are not rounded to bf16's 8-bit grid."""
    import jax.numpy as jnp
    import ml_dtypes
    from flax import nnx

    cfg = ModelConfig(n_features=30, hidden_dims=(16, 12, 8), dropout=(0.0, 0.0, 0.0))
    mlp = create_model(cfg, np.zeros(30), np.ones(30), 0, jnp.bfloat16).mlps[0]
    x = jnp.asarray(np.random.default_rng(0).normal(size=(256, 38)), jnp.float32)
    h = mlp.normalise(x)
    for layer in mlp.hidden:
        h = nnx.relu(layer(h))
    assert h.dtype == jnp.bfloat16
    logits = mlp.head(h)
    assert logits.dtype == jnp.float32
    logits = np.asarray(logits, np.float64)
    assert np.abs(logits - logits.astype(ml_dtypes.bfloat16).astype(np.float64)).max() > 1e-4
    np.testing.assert_allclose(np.asarray(mlp(x)), 1 / (1 + np.exp(-logits)), atol=1e-6)
