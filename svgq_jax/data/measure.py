"""`data measure`: the real label of each (image, parameters) pair in a JSONL file.

Each image is traced at its own size (long side capped by --max-side), with its
transparency, and scored as DESIGN.md's native label: the SSIM of the render
against the source, both over white, with the alpha agreement beside it.
"""

from __future__ import annotations

import sys
from collections import Counter

from tqdm.auto import tqdm

from svgq_jax.core.images import MAX_SIDE
from svgq_jax.core.pairs import OrderedWriter, read_pairs, result_row
from svgq_jax.data.cluster import open_engine
from svgq_jax.data.reach import DEFAULT_TIMEOUT


def measure_pairs(
    pairs_path,
    out_path,
    workers: int = 0,
    timeout: float = 30.0,
    max_side: int = MAX_SIDE,
    quiet: bool = False,
    cluster: str | None = None,
    cluster_timeout: float = DEFAULT_TIMEOUT,
) -> dict:
    """Trace, render and score every pair, on the local pool or on `cluster` (svgq_jax.data.cluster), reached
    before OUT.partial is opened; returns counts {"measured", "errors", "resumed", "downscaled"}."""
    pairs = read_pairs(pairs_path)
    with open_engine(cluster, cluster_timeout) as engine:
        writer = OrderedWriter(out_path, pairs)
        try:
            return _measure(engine, pairs, writer, workers, timeout, max_side, quiet)
        finally:
            writer.close()


def _measure(engine, pairs, writer: OrderedWriter, workers: int, timeout: float, max_side: int, quiet: bool) -> dict:
    counts = Counter(resumed=writer.done)
    tasks = []
    for i, pair in writer.todo():
        if pair.error:
            writer.put(i, result_row(pair, error=pair.error))
            counts["errors"] += 1
        else:
            tasks.append((i, (str(pair.image), pair.params, max_side)))
    with tqdm(total=len(tasks), desc="measure", unit="pair", disable=quiet, file=sys.stderr) as bar:
        for o in engine.run_tasks("svgq_jax.data.tasks:measure_task", tasks, workers, timeout):
            pair = pairs[o.key]
            if o.ok:
                writer.put(o.key, result_row(pair, **o.value))
                counts["measured"] += 1
                counts["downscaled"] += o.value["downscaled_from"] is not None
            else:
                writer.put(o.key, result_row(pair, error=f"line {pair.line}: {o.error}"))
                counts["errors"] += 1
            bar.update()
    return dict(counts)
