"""A bundle's `report.md`: its metadata, for people."""

from __future__ import annotations

from torch_bridge import parity


def report(meta: dict, checks) -> str:
    """report.md: the metrics, readiness, sizes and parity of a bundle, for people."""
    m = meta["metrics"]
    blocks = ", ".join(f"{b['name']} {b['size']}" for b in meta["input"]["blocks"])
    lines = [
        "# svgq_jax model bundle",
        "",
        f"Exported {meta['export_timestamp']}. Backbone `{meta['backbone']['name']}` (sha256 "
        f"`{meta['backbone']['sha256'][:16]}…`). "
        f"Input: {meta['input']['n_inputs']} columns ({blocks}).",
        "",
        "## Metrics",
        "",
        f"- validation Pearson r of the kept model ({m['kept_by']}): {m['kept_val_correlation']:.4f}",
        f"- test Pearson r: {_fmt(m['test_correlation'])}",
        f"- test RMSE: {_fmt(m['test_rmse'])}",
        f"- test SVG bytes, median and p90 of |ln(predicted / actual)|: {_fmt(m['test_bytes_log_error_median'])}, "
        f"{_fmt(m['test_bytes_log_error_p90'])}",
        f"- precision: {m['precision']}, epochs: {m['epochs_trained']}",
        "",
        "## Readiness",
        "",
    ]
    if meta["readiness"]:
        lines += [
            f"- {'✅' if c['ok'] else '❌'} {c['name']}: {c['value']:.4f} (needs {c['op']} {c['threshold']})"
            for c in meta["readiness"]["checks"]
        ]
        lines += ["", f"**Verdict: {meta['readiness']['verdict']}**"]
    else:
        lines.append("Not validated (run `python -m svgq_jax.validate --run RUN`, then export again).")
    lines += ["", "## Sizes", "", "| format | file | MB |", "|---|---|---|"]
    lines += [f"| {k} | `{meta['files'][k]}` | {v:.2f} |" for k, v in meta["sizes_mb"].items()]
    lines += [
        "",
        f"## Parity (max abs diff vs JAX fp32; tolerance {parity.FP32_TOLERANCE:.0e}, relative on ln bytes; exported "
        f"files run in a fresh process without JAX)",
        "",
        parity.parity_table(checks),
    ]
    lines += ["", _backbone_line(meta["backbone"])]
    if meta["parity"]["bf16"]:
        b = meta["parity"]["bf16"]
        lines += [
            "",
            f"bf16 model vs its fp32 cast: max abs diff {b['max_abs_diff']:.2e}, mean {b['mean_abs_diff']:.2e} "
            f"(tolerance {b['tolerance']}) {'✅' if b['ok'] else '❌'}",
        ]
    return "\n".join(lines) + "\n"


def _backbone_line(backbone: dict) -> str:
    p = backbone["parity"]
    return (
        f"Backbone `{backbone['file']}` ({backbone['precision']}, sha256 `{backbone['onnx_sha256'][:16]}…`) on ONNX "
        f"Runtime against torchvision, on {p['images']} procedural logos: features max abs diff "
        f"{p['max_abs_diff']:.1e} (largest feature {p['max_abs_feature']:.1f}); the bundle's predictions from either "
        f"max abs diff {p['predictions']['max_abs_diff']:.1e} {'✅' if p['ok'] and p['predictions']['ok'] else '❌'}"
    )


def _fmt(x) -> str:
    return "n/a" if x is None else f"{x:.4f}"
