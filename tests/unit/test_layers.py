"""The layers hold: every module's imports (read with `ast`, function-level imports included) go to
its own layer or below, the import graph has no cycle, and the predictor's side imports no training
stack. README "Data flow" names the same layers."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PACKAGES = ("svgq_jax", "torch_bridge")

# Each module belongs to the layer of its longest matching prefix; it may import its own layer and those below.
LAYERS = {
    0: ("svgq_jax", "svgq_jax.core", "svgq_jax.configs"),  # the inference core, configs as plain values
    1: ("svgq_jax.data", "svgq_jax.model", "svgq_jax.selection", "svgq_jax.config"),  # data, model
    2: ("svgq_jax.train",),  # the loop, its inputs, steps, run directory and checkpoints
    3: ("svgq_jax.validate", "svgq_jax.validation_report", "svgq_jax.metrics", "svgq_jax.baselines", "torch_bridge"),
    4: (  # what users run: the predictor, the optimizer, the main job and the command doors
        "svgq_jax.predict",
        "svgq_jax.search",
        "svgq_jax.verify",
        "svgq_jax.optimize",
        "svgq_jax.report",
        "svgq_jax.report_chart",
        "svgq_jax.report_images",
        "svgq_jax.report_logo",
        "svgq_jax.pipeline",
        "svgq_jax.console",
        "svgq_jax.colab",
        "svgq_jax.export",
        "svgq_jax.data.__main__",
        "svgq_jax.train.__main__",
    ),
}
# The predictor's side: a predictor-only install has neither torch nor JAX.
PREDICTOR = ("svgq_jax.predict", "svgq_jax.optimize")
TRAINING_STACK = ("torch", "torchvision", "jax", "jaxlib", "flax", "optax", "orbax", "torch_bridge")
# The only svgq_jax modules that may import torch_bridge: the doors that run the export stage.
BRIDGE_DOORS = ("svgq_jax.export", "svgq_jax.pipeline")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for pkg in PACKAGES for p in sorted((REPO / pkg).rglob("*.py"))}


def imports(name: str, path: Path, known: set[str]) -> set[str]:
    """Every module `name` imports anywhere in its file: project modules by full name, others by top name."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}" if base else parent
            for a in node.names:  # `from pkg import submodule` imports the submodule
                out.add(f"{base}.{a.name}" if f"{base}.{a.name}" in known else base)
    return {m if m in known or m.partition(".")[0] in PACKAGES else m.partition(".")[0] for m in out}


def layer(name: str) -> int:
    best = max(
        ((len(prefix), n) for n, prefixes in LAYERS.items() for prefix in prefixes if _under(name, prefix)),
        default=None,
    )
    assert best is not None, f"{name} is in no layer: add it to LAYERS (and README's data flow)"
    return best[1]


def _under(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def graph() -> dict[str, set[str]]:
    mods = modules()
    known = set(mods)
    return {name: imports(name, path, known) for name, path in mods.items()}


def upward_imports(g: dict[str, set[str]]) -> list[str]:
    bad = []
    for name, deps in g.items():
        for dep in sorted(d for d in deps if d in g):
            if layer(dep) > layer(name):
                bad.append(f"{name} (layer {layer(name)}) imports {dep} (layer {layer(dep)})")
            if dep.startswith("torch_bridge") and name.startswith("svgq_jax") and name not in BRIDGE_DOORS:
                bad.append(f"{name} imports {dep}: svgq_jax reaches torch_bridge only through its doors")
    return bad


def cycles(g: dict[str, set[str]]) -> list[list[str]]:
    """The import cycles among project modules (Tarjan's strongly connected components of more than one)."""
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(d for d in g[v] if d in g):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1 or v in g[v]:
                out.append(sorted(comp))

    for v in sorted(g):
        if v not in index:
            visit(v)
    return out


def reachable(g: dict[str, set[str]], roots) -> set[str]:
    seen, todo = set(), list(roots)
    while todo:
        v = todo.pop()
        if v not in seen:
            seen.add(v)
            todo += [d for d in g.get(v, ()) if d in g]
    return seen


def test_every_import_goes_down_the_layers():
    assert upward_imports(graph()) == []


def test_the_import_graph_has_no_cycle():
    assert cycles(graph()) == []


def test_the_predictor_imports_no_training_stack():
    g = graph()
    used = reachable(g, PREDICTOR)
    bad = sorted((m, d) for m in used for d in g[m] if d.partition(".")[0] in TRAINING_STACK)
    assert bad == []


def test_the_checks_catch_a_back_import_and_a_cycle():
    """The guards above can fail: a core module importing the trainer is named, and so is the cycle it closes."""
    g = graph()
    g["svgq_jax.core.images"] = g["svgq_jax.core.images"] | {"svgq_jax.train.loop"}
    assert any(b.startswith("svgq_jax.core.images (layer 0) imports svgq_jax.train.loop") for b in upward_imports(g))
    assert any("svgq_jax.core.images" in c and "svgq_jax.train.loop" in c for c in cycles(g))
    g["svgq_jax.predict"] = g["svgq_jax.predict"] | {"torch"}
    used = reachable(g, PREDICTOR)
    assert any(d == "torch" for m in used for d in g[m])


@pytest.mark.parametrize("name", ["svgq_jax.core.images", "torch_bridge.export", "svgq_jax.train.__main__"])
def test_layers_are_assigned_by_longest_prefix(name):
    expected = {"svgq_jax.core.images": 0, "torch_bridge.export": 3, "svgq_jax.train.__main__": 4}[name]
    assert layer(name) == expected
