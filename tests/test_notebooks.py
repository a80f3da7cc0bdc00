"""The notebooks in ``notebooks/`` run top to bottom, offline, and read as tutorials.

Each notebook is executed with nbclient in a fresh temporary working directory (the notebooks
write their HTML maps and CSV tables there), with a per-cell timeout.  The notebooks themselves
hold no ``assert`` cells: the sanity checks live here (``CHECKS``) and run in the notebook's own
kernel after its last cell, so a silent regression in the workflow fails here.  The executed
outputs are then inspected: no error output, the inline maps are drawn with Leaflet inlined (no
CDN reference anywhere), every map saved with ``maps.save_offline``.  Skipped cleanly when nbclient,
nbformat or ipykernel is not installed (``pip install ".[notebooks]"``).
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest

NOTEBOOK_DIR = Path(__file__).resolve().parents[1] / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
CELL_TIMEOUT = 180  # seconds per cell; each notebook takes ~5-25 s on 2 cores
#: The one environment variable through which a user points the notebooks at their own yearbook extract.
USER_DATA_VAR = "GEOAGGL_YEARBOOK_CSV"
#: Strings that betray a resource loaded from the network in a displayed map.
CDN_MARKERS = ("cdn.jsdelivr", "unpkg", "cdnjs", "code.jquery", "bootstrapcdn")
_REMOTE_SRC = re.compile(r"""<(?:script|link)[^>]+(?:src|href)\s*=\s*["']?(?:https?:)?//""", re.IGNORECASE)

CHECKS: dict[str, str] = {
    "01_coagglomeration": """
assert emp["adcode"].isin(geoaggl.prefectures().index).all()          # real units
assert not emp.duplicated(["adcode", "year"]).any()
assert emp["agglomeration"].nunique() == 8
y = emp["coagg"]
# y = (1 - |a-b|/(a+b)) + (a+b) lies between a+b and 1+a+b
s = emp["lq_m"] + emp["lq_s"]
assert np.isfinite(y).all() and (y > 0).all()
assert ((y >= s - 1e-12) & (y <= s + 1 + 1e-12)).all()
assert ((by_year.Gw + by_year.Gnb + by_year.Gt - by_year.G).abs() < 1e-12).all()   # G = Gw + Gnb + Gt
assert np.allclose(by_year[["Gw_pct", "Gnb_pct", "Gt_pct"]].sum(axis=1), 100.0)
assert list(by_year.index) == sorted(emp["year"].unique())
assert by_year["G"].between(0, 1).all()
assert np.allclose(pub[cols].sum(axis=1), 100.0, atol=0.01)          # the paper's shares add up
assert list(sig.sigma.columns) == [*sorted(emp["agglomeration"].unique()), "overall"]
assert (sig.sigma >= 0).all().all()
assert sig.trend["n_years"].eq(len(YEARS)).all()
assert len(cities) == emp["adcode"].nunique() and cities["coagg"].notna().all()
""",
    "02_division_of_labour": """
assert (yb["div"] > 0).all()
assert yb.loc[yb["central"], "disparity"].isna().all() and yb.loc[~yb["central"], "disparity"].notna().all()
assert (distance[first_ua.set_index("adcode")["central"]] == 0).all()
assert (distance[~first_ua.set_index("adcode")["central"]] > 0).all() and np.isfinite(distance).all()
assert 100 < od.loc["110100", "120100"] < 160          # Beijing-Tianjin by road, km
assert dist_table.loc["131000", "centre"] in ("北京市", "天津市")   # 廊坊 is served by Beijing or Tianjin
assert (panel.loc[panel["central"], "trans"] == 0).all()
assert fe_hgdp.n_entities > 100 and fe_hgdp.n_periods == len(YEARS)
assert np.isfinite(fe_hgdp.params).all() and (fe_hgdp.se > 0).all()
if SYNTHETIC:   # the generator's planted elasticity is recovered
    planted = yb.attrs["planted"]["ln_hgdp~ln_div"]
    assert abs(fe_hgdp.params["div"] - planted) < 4 * fe_hgdp.se["div"] + 0.02, fe_hgdp.params["div"]
assert abs(med.c - (med.c_prime + med.indirect)) < 1e-8        # c = c' + ab on a common sample
assert len(med.boot) > 150 and med.ci[0] <= med.ci[1]
assert set(loc["label"]) <= {"HH", "LL", "LH", "HL", "not significant"}
assert loc.index.equals(y_last.index) and moran["n"].eq(len(y_last)).all()
# Table 1 / Table 2 layouts: the coefficients shown are the fitted ones
assert table1.loc["div", "ln hgdp"].startswith(f"{fe_hgdp.params['div']:.3f}")
for dummy, fit in gmm_fits.items():
    assert fit.params.index[0] == "L1.ln_hgdp" and {dummy, "_cons"} <= set(fit.params.index)
    assert fit.method == "system" and fit.steps == 2 and np.isfinite(fit.bse).all() and (fit.bse > 0).all()
    assert len(fit.ar) >= 2 and np.isfinite(fit.ar.to_numpy(dtype=float)).all()
assert "AR(2) [p]" in table2.index
assert table2.columns.tolist() == ["region heterogeneity", "core heterogeneity"]
assert (gm["region"].isin([0, 1])).all() and (gm["core"].isin([0, 1])).all()
""",
    "03_yangtze_integration": """
assert (road_km > 0).all() and (density > 0).all()                        # every member has roads
assert density["310100"] > density.median()                               # Shanghai is dense
assert abs(area_km2.sum() - geoaggl.agglomeration_polygons(SCHEME)["area_km2"].sum()) / area_km2.sum() < 1e-6
assert set(infra.overall.index) == set(members["agglomeration"])
assert infra.k["road_density"].between(0, 100).all() and np.isclose(infra.R.sum(), 1.0)
assert infra.k["road_density"].max() == 100 and infra.k["road_density"].min() == 0
assert yb["krugman"].between(0, 2).all()
assert yb["road_density"].notna().all()
assert list(ii.cv_between.index) == YEARS
assert (ii.k.to_numpy() >= 0).all() and (ii.k.to_numpy() <= 100 + 1e-9).all()
assert np.allclose(ii.R.groupby(level="year").sum(), 1.0)
assert ua["overall"].notna().all()
""",
    "04_metropolitan_circles": """
for a, c in circles.items():
    assert c.index[0] == a and c["minutes"].iloc[0] == 0           # the centre leads with 0 minutes
    assert (c["minutes"].diff().dropna() >= 0).all()
    inside_c = c["seat_inside"]
    assert (c.loc[inside_c, "minutes"] <= MINUTES).all()
    assert (c.loc[~inside_c, "minutes"] == float("inf")).all()
    assert (c["share"] > 0).all() and (c["share"] <= 1).all()
    seat = gpd.points_from_xy([prefs.loc[a, "seat_lon"]], [prefs.loc[a, "seat_lat"]])[0]
    assert c.attrs["isochrone"].contains(seat)
assert circles["110100"].loc["131000", "share"] > 0.2    # Beijing's hour covers much of 廊坊
assert circles["440100"].loc["440600", "seat_inside"]   # 佛山 is within an hour of Guangzhou
assert "510100" not in circles["500100"].index           # Chengdu is far beyond Chongqing's hour
assert set(reached.index) == set(inside["adcode"])
""",
}


def test_notebooks_are_present() -> None:
    names = [p.name for p in NOTEBOOKS]
    assert names == [
        "01_coagglomeration.ipynb",
        "02_division_of_labour.ipynb",
        "03_yangtze_integration.ipynb",
        "04_metropolitan_circles.ipynb",
    ]
    assert set(CHECKS) == {p.stem for p in NOTEBOOKS}


def _code(path: Path) -> str:
    nb = json.loads(path.read_text(encoding="utf-8"))
    return "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_stripped_and_documented(path: Path) -> None:
    nb = json.loads(path.read_text(encoding="utf-8"))
    cells = nb["cells"]
    assert cells[0]["cell_type"] == "markdown"
    intro = "".join(cells[0]["source"])
    assert "**Source paper" in intro  # cites its paper by title ...
    text = "\n".join("".join(c["source"]) for c in cells)
    assert not re.search(r"[Ss]eeds? 00\d|METHODS", text)  # ... not by an internal label
    for cell in cells:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [], f"{path.name}: outputs not stripped"
            assert cell["execution_count"] is None, f"{path.name}: execution_count not cleared"
    code = _code(path)
    assert not re.search(r"geoaggl\._\w+|from geoaggl import _|\bgeoaggl\._", code), "private import"
    assert not re.search(r"^\s*assert\b", code, re.MULTILINE), f"{path.name}: checks belong in CHECKS"
    assert "matplotlib" not in code and ".explore(" not in code  # not a dependency
    assert not re.search(r"\.save\(", code)  # maps are saved with maps.save_offline
    # a bare map object at the end of a cell would display through folium's CDN page
    for cell in cells:
        if cell["cell_type"] == "code":
            last = "".join(cell["source"]).rstrip().splitlines()[-1]
            assert not re.fullmatch(r"\w*map\w*|m", last.strip()), f"{path.name}: display with maps.inline"
    env = set(re.findall(r"GEOAGGL_\w+", text))
    assert env <= {USER_DATA_VAR}, env


def test_notebooks_readme_documents_the_extra_and_the_variable() -> None:
    readme = (NOTEBOOK_DIR / "README.md").read_text(encoding="utf-8")
    assert ".[notebooks]" in readme and USER_DATA_VAR in readme
    assert not re.search(r"GEOAGGL_(?!YEARBOOK_CSV|LEAFLET_DIR)\w+", readme)
    for p in NOTEBOOKS:
        assert p.name in readme


def _outputs_text(cells) -> str:
    parts = []
    for cell in cells:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            for kind in ("text/html", "text/plain"):
                if kind in data:
                    parts.append("".join(data[kind]) if isinstance(data[kind], list) else data[kind])
    return "\n".join(parts)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    pytest.importorskip("js_lib_leaflet")
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        KernelSpecManager().get_kernel_spec("python3")
    except NoSuchKernel:  # pragma: no cover - ipykernel installed but no kernelspec
        pytest.skip("no python3 Jupyter kernel available")
    monkeypatch.delenv(USER_DATA_VAR, raising=False)  # run on the bundled and synthetic data
    nb = nbformat.read(path, as_version=4)
    n_cells = len(nb.cells)
    # the checks run in the notebook's kernel after its last cell, then report that they passed
    checks = "import numpy as np\n" + CHECKS[path.stem] + "\nprint('CHECKS PASSED')"
    nb.cells.append(nbformat.v4.new_code_cell(checks))
    client = nbclient.NotebookClient(
        nb, timeout=CELL_TIMEOUT, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()
    errors = [
        o
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
        if o.get("output_type") == "error"
    ]
    assert not errors, errors
    last = "".join(o.get("text", "") for o in nb.cells[-1].get("outputs", []))
    assert "CHECKS PASSED" in last
    outputs = {p.name for p in tmp_path.iterdir()}
    assert any(n.endswith(".html") for n in outputs), outputs  # wrote its maps into the working dir
    assert any(n.endswith(".csv") for n in outputs), outputs
    assert not any(p.suffix in {".html", ".csv"} for p in NOTEBOOK_DIR.iterdir())  # nothing in the repo
    # every displayed map is drawn offline: Leaflet inlined, no CDN, no remote script
    shown = _outputs_text(nb.cells[:n_cells])
    maps_shown = shown.count("<iframe srcdoc=")
    assert maps_shown >= 1
    page = html.unescape(shown)
    assert page.count("L.geoJson(") >= maps_shown  # the map layers are in the displayed pages
    for marker in CDN_MARKERS:
        assert marker not in page, marker
    assert not _REMOTE_SRC.search(page)
    # every map written to disk is the offline page too
    for f in tmp_path.glob("*.html"):
        text = f.read_text(encoding="utf-8")
        assert not any(marker in text for marker in CDN_MARKERS), f.name
        assert not _REMOTE_SRC.search(text), f.name
