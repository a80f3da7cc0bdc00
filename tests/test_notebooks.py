"""The notebooks in ``notebooks/`` run top to bottom, offline, and are stored without outputs.

Each notebook is executed with nbclient in a fresh temporary working directory (the notebooks
write their HTML maps and CSV tables there), with a per-cell timeout.  The notebooks assert their
own sanity facts, so a silent regression in the workflow fails here.  Skipped cleanly when
nbclient, nbformat or ipykernel is not installed.
"""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

import pytest

NOTEBOOK_DIR = Path(__file__).resolve().parents[1] / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
CELL_TIMEOUT = 120  # seconds per cell; each notebook takes ~5-25 s on 2 cores
#: Environment variables through which a user points the notebooks at their own yearbook files.
USER_DATA_VARS = ("GEOAGGL_EMPLOYMENT_CSV", "GEOAGGL_YEARBOOK_CSV")


def test_notebooks_are_present() -> None:
    names = [p.name for p in NOTEBOOKS]
    assert names == [
        "01_seed000_coagglomeration.ipynb",
        "02_seed001_division_of_labour.ipynb",
        "03_seed002_integration.ipynb",
        "04_metropolitan_circles.ipynb",
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_stripped_and_documented(path: Path) -> None:
    nb = json.loads(path.read_text(encoding="utf-8"))
    cells = nb["cells"]
    assert cells[0]["cell_type"] == "markdown"
    assert re.search(r"[Ss]eeds? 00\d", "".join(cells[0]["source"]))  # names its source paper
    for cell in cells:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [], f"{path.name}: outputs not stripped"
            assert cell["execution_count"] is None, f"{path.name}: execution_count not cleared"
    code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    # public API only (plus the projection constant the package uses for areas and lengths)
    private = set(re.findall(r"geoaggl\.(_\w+)", code)) - {"_geo"}
    assert not private, f"{path.name} uses private modules {private}"
    assert "assert " in code, f"{path.name} has no sanity assertions"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        KernelSpecManager().get_kernel_spec("python3")
    except NoSuchKernel:  # pragma: no cover - ipykernel installed but no kernelspec
        pytest.skip("no python3 Jupyter kernel available")
    for var in USER_DATA_VARS:  # run on the bundled and synthetic data, never a user's files
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    t0 = time.perf_counter()
    client.execute()
    elapsed = time.perf_counter() - t0
    assert elapsed < 90, f"{path.name} took {elapsed:.0f} s"
    outputs = {p.name for p in tmp_path.iterdir()}
    assert any(n.endswith(".html") for n in outputs), outputs  # wrote its maps into the working dir
    assert any(n.endswith(".csv") for n in outputs), outputs
    assert not any(p.suffix in {".html", ".csv"} for p in NOTEBOOK_DIR.iterdir())  # nothing in the repo
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert not errors
    assert os.fspath(tmp_path)  # keep tmp_path for inspection on failure
