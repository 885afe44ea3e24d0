"""The notebook a researcher starts from (docs/notebooks/start_here.ipynb) runs top to bottom."""

from __future__ import annotations

from pathlib import Path

import pytest

NOTEBOOK = Path(__file__).resolve().parents[1] / "docs" / "notebooks" / "start_here.ipynb"


def test_the_start_here_notebook_runs_and_draws_its_plot():
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient", reason="nbclient is a dev dependency")
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    nbclient.NotebookClient(notebook, timeout=600, kernel_name="python3").execute(
        cwd=str(NOTEBOOK.parent)
    )
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert any("image/png" in o.get("data", {}) for o in outputs), "the plot was not drawn"
    printed = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "WELLBYs" in printed and "cost GBP" in printed
