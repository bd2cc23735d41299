"""The Colab notebook runs top to bottom on CPU with a tiny configuration (nbclient)."""

import nbformat
import pytest
from conftest import REPO, tiny_json
from nbclient import NotebookClient

NOTEBOOK = REPO / "notebooks" / "SVG_Quality_Predictor_Training.ipynb"


def test_notebook_is_stored_without_outputs():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in nb.cells if c.cell_type == "code")
    assert sum("parameters" in c.metadata.get("tags", []) for c in nb.cells) == 1


@pytest.mark.slow
def test_notebook_runs_end_to_end(tiny_dataset, tmp_path):
    nb = nbformat.read(NOTEBOOK, as_version=4)
    at = next(i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", []))
    # the tests' tiny dataset (its build is found complete), no cross-validation, no latency benchmark
    overrides = {
        "INSTALL": False,
        "USE_DRIVE": False,
        "FETCH_PRETRAINED": False,
        "LOGOS": "procedural:30",
        "PARAMS_PER_LOGO": 8,
        "DATA_DIR": str(tiny_dataset),
        "RUN_DIR": str(tmp_path / "run"),
        "CONFIG": tiny_json(epochs=2),
        "CV_FOLDS": 0,
        "LATENCY_ROUNDS": 0,
    }
    # papermill-style: a cell right after the parameters cell overrides them
    nb.cells.insert(
        at + 1, nbformat.v4.new_code_cell("\n".join(f"{k} = {v!r}" for k, v in overrides.items()))
    )  # Python literals
    NotebookClient(nb, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(REPO)}}).execute()
    errors = [
        o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.get("output_type") == "error"
    ]
    assert not errors
    assert (tmp_path / "run" / "export" / "quality_predictor.onnx").is_file()
    assert (tmp_path / "run" / "validation.md").is_file() and (tmp_path / "run" / "export.zip").is_file()
    text = "".join(
        o.get("text", "") for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "stream"
    )
    assert (
        "JAX backend: cpu" in text
        and "kept epoch" in text
        and "candidate" in text
        and "latency benchmark skipped" in text
    )
