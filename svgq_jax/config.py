"""Training configuration: named configs, validation, JSON/YAML files and command-line flags.

The values themselves live in `svgq_jax/configs/`: `default.py` (`TrainConfig` and its
defaults), `seed.py` and `tiny.py`, each a `get_config()`.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import json
import math
import reprlib
from pathlib import Path

from svgq_jax.configs.default import TrainConfig
from svgq_jax.core.errors import InputError
from svgq_jax.core.features import FEATURE_DIM
from svgq_jax.core.files import read_text
from svgq_jax.core.imagestats import N_STATS
from svgq_jax.core.params import N_PARAMS

CHOICES = {
    "input_features": ("resnet", "resnet+stats"),
    "bytes_output": ("none", "shared", "separate"),
    "precision": ("auto", "fp32", "bf16"),
}
NAMED = ("default", "seed", "tiny")  # svgq_jax/configs/<name>.py
# Fields that measurement settled and that were removed, with the one value they kept; a saved
# run or a config file may still carry them.
RETIRED = {"optimizer": "adamw", "scheduler": "warmup_cosine", "loss": "mse", "scan_epoch": True}
# Bounds that keep a run in a machine's memory (README, "What the tool refuses"). The default model: 2 layers of at
# most 384 units, 0.9 M weights; a batch of 128.
MAX_LEARNING_RATE = 1.0  # AdamW's step: past 1 every run diverges
MAX_BATCH_SIZE = 65536
MAX_HIDDEN, MAX_LAYERS = 8192, 16
MAX_PARAMETERS = 50_000_000  # 200 MB of float32 weights, about 800 MB with AdamW's moments and the gradients
MAX_ACTIVATIONS = 1 << 27  # floats a step's layers hold for one batch: 512 MB
MAX_INPUTS = FEATURE_DIM + N_STATS + N_PARAMS  # the widest input: backbone features, statistics, parameters
# short flags the design's command line uses
ALIASES = {"learning_rate": ["--lr"]}


def validate(cfg: TrainConfig) -> TrainConfig:
    """Raise InputError naming the first bad field; return cfg unchanged otherwise."""

    def bad(field, why):
        raise InputError(f"config {field}={getattr(cfg, field)!r}: {why}")

    for field, options in CHOICES.items():
        if getattr(cfg, field) not in options:
            bad(field, f"expected one of {', '.join(options)}")
    for field in ("epochs", "batch_size", "checkpoint_freq", "plot_every", "min_examples"):
        if not isinstance(getattr(cfg, field), int) or getattr(cfg, field) < 1:
            bad(field, "must be a positive integer")
    for field in ("early_stopping_patience", "warmup_epochs"):
        if not isinstance(getattr(cfg, field), int) or getattr(cfg, field) < 0:
            bad(field, "must be a non-negative integer")
    if not 0 < cfg.learning_rate <= MAX_LEARNING_RATE:
        bad("learning_rate", f"must be positive and at most {MAX_LEARNING_RATE:g}")
    if cfg.batch_size > MAX_BATCH_SIZE:
        bad("batch_size", f"exceeds {MAX_BATCH_SIZE}")
    for field in ("weight_decay", "gradient_clip_val"):
        if getattr(cfg, field) < 0:
            bad(field, "must be non-negative")
    if not isinstance(cfg.ensemble, int) or not 1 <= cfg.ensemble <= 16:
        bad("ensemble", "must be an integer from 1 to 16")
    if not cfg.bytes_loss_weight >= 0:
        bad("bytes_loss_weight", "must be non-negative")
    if cfg.input_clip < 0:
        bad("input_clip", "must be 0 (off) or positive")
    if not cfg.resnet_weight > 0:
        bad("resnet_weight", "must be positive")
    if not 0 < cfg.min_lr_ratio <= 1:
        bad("min_lr_ratio", "must be in (0, 1]")
    if not 0 < cfg.validation_split < 1 or not 0 <= cfg.test_split < 1 or cfg.validation_split + cfg.test_split >= 1:
        bad(
            "validation_split",
            f"validation_split and test_split must be fractions summing below 1 (test_split={cfg.test_split})",
        )
    if not cfg.hidden_dims or any(not isinstance(h, int) or h < 1 for h in cfg.hidden_dims):
        bad("hidden_dims", "must be positive integers")
    _check_size(cfg, bad)
    if len(cfg.dropout) != len(cfg.hidden_dims) or any(not 0 <= d < 1 for d in cfg.dropout):
        bad("dropout", f"needs one rate in [0, 1) per hidden layer ({len(cfg.hidden_dims)})")
    return cfg


def _check_size(cfg: TrainConfig, bad) -> None:
    """Refuse a model or batch that no machine this trains on holds: a layer over MAX_HIDDEN units, more than
    MAX_LAYERS layers, more than MAX_PARAMETERS weights (all members, the first layer from the widest input), or
    more than MAX_ACTIVATIONS activations a step. A config of a 2-billion-unit layer failed deep inside JAX."""
    if len(cfg.hidden_dims) > MAX_LAYERS or max(cfg.hidden_dims) > MAX_HIDDEN:
        bad("hidden_dims", f"at most {MAX_LAYERS} layers of at most {MAX_HIDDEN} units")
    widths = [MAX_INPUTS, *cfg.hidden_dims, 2]
    weights = cfg.ensemble * sum(a * b for a, b in zip(widths, widths[1:]))
    if weights > MAX_PARAMETERS:
        bad("hidden_dims", f"{weights:,} weights with ensemble={cfg.ensemble}, over {MAX_PARAMETERS:,}")
    if cfg.batch_size * sum(cfg.hidden_dims) * cfg.ensemble > MAX_ACTIVATIONS:
        bad("batch_size", f"batch_size x the hidden units x ensemble is over {MAX_ACTIVATIONS:,} activations a step")


def _coerce(field: dataclasses.Field, value):
    """A value from a file or flag -> the field's type."""
    default = field.default
    if isinstance(default, tuple):
        if isinstance(value, str):
            value = [v for v in value.replace(" ", "").split(",") if v]
        kind = type(default[0]) if default else float
        return tuple(_bounded(kind(v)) for v in value)
    if isinstance(default, bool):
        if isinstance(value, str):
            if value.lower() not in ("true", "false", "1", "0", "yes", "no"):
                raise ValueError(value)
            return value.lower() in ("true", "1", "yes")
        return bool(value)
    if isinstance(default, int) and isinstance(value, float) and not value.is_integer():
        raise ValueError(value)
    return _bounded(type(default)(value))


def _bounded(x):
    """Refuse what no field holds: a float that is not finite (--lr inf), an integer beyond 32 bits."""
    if (isinstance(x, float) and not math.isfinite(x)) or (isinstance(x, int) and abs(x) >= 2**31):
        raise ValueError(x)
    return x


def named(name: str) -> TrainConfig:
    """A named config: `svgq_jax/configs/<name>.py`'s get_config()."""
    if name not in NAMED:
        raise InputError(f"no named config {name!r}; expected one of {', '.join(NAMED)} or a .json/.yaml file")
    return importlib.import_module(f"svgq_jax.configs.{name}").get_config()


def make_config(values: dict, base: TrainConfig | None = None) -> TrainConfig:
    """Build and validate a config from `base` (default: the default config) and a {field: value}
    dict (unknown keys refused)."""
    fields = {f.name: f for f in dataclasses.fields(TrainConfig)}
    values = dict(values)
    for name, kept in RETIRED.items():
        if name in values and (value := values.pop(name)) != kept:
            raise InputError(f"config {name}={value!r}: this field was removed and only {kept!r} remains (ACCURACY.md)")
    unknown = sorted(set(values) - set(fields))
    if unknown:
        raise InputError(f"unknown config field {unknown[0]!r}")
    kwargs = {}
    for name, value in values.items():
        try:
            kwargs[name] = _coerce(fields[name], value)
        except (TypeError, ValueError, OverflowError):
            raise InputError(
                f"config {name}: cannot use {reprlib.repr(value)} (expected {type(fields[name].default).__name__})"
            ) from None
    return validate(dataclasses.replace(base or TrainConfig(), **kwargs))


def read_config_file(path: str | Path) -> dict:
    path = Path(path)
    text = read_text(path, what=f"--config {path}")
    try:
        if path.suffix.lower() in (".yaml", ".yml"):
            import yaml

            values = yaml.safe_load(text) or {}
        else:
            values = json.loads(text)
    except Exception as e:
        raise InputError(
            f"--config {path}: not valid {'YAML' if path.suffix.lower() in ('.yaml', '.yml') else 'JSON'} "
            f"({' '.join(str(e).split())})"
        ) from None
    if not isinstance(values, dict):
        raise InputError(f"--config {path}: expected a mapping of config fields")
    return values


def to_dict(cfg: TrainConfig) -> dict:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in dataclasses.asdict(cfg).items()}


def add_flags(parser: argparse.ArgumentParser) -> None:
    """One --flag per config field; unset flags keep the file's or the default value."""
    group = parser.add_argument_group("training config (defaults from svgq_jax/configs/default.py)")
    group.add_argument(
        "--config",
        metavar="NAME|FILE",
        help=f"a named config ({', '.join(NAMED)}: svgq_jax/configs/NAME.py) "
        "or a JSON/YAML file of config fields; flags override it",
    )
    for f in dataclasses.fields(TrainConfig):
        flag = "--" + f.name.replace("_", "-")
        default = f.default
        kw = dict(dest=f"cfg_{f.name}", default=None)
        if isinstance(default, bool):
            group.add_argument(flag, action=argparse.BooleanOptionalAction, help=f"(default {default})", **kw)
        else:
            meta = "A,B,..." if isinstance(default, tuple) else type(default).__name__.upper()
            shown = ",".join(map(str, default)) if isinstance(default, tuple) else default
            choices = f" {{{'|'.join(CHOICES[f.name])}}}" if f.name in CHOICES else ""
            group.add_argument(flag, *ALIASES.get(f.name, []), metavar=meta, help=f"(default {shown}){choices}", **kw)


def from_args(args: argparse.Namespace) -> TrainConfig:
    """The default config, or --config's named config or file, then explicit flags."""
    values, base = {}, None
    source = getattr(args, "config", None)
    if source in NAMED:
        base = named(source)
    elif source:
        values.update(read_config_file(source))
    for f in dataclasses.fields(TrainConfig):
        v = getattr(args, f"cfg_{f.name}", None)
        if v is not None:
            values[f.name] = v
    return make_config(values, base)
