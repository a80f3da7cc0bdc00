"""Sphinx configuration of the geoaggl documentation (built offline; warnings are errors in CI).

Sphinx + numpydoc + pydata-sphinx-theme: the docstrings are numpydoc already, so the API reference
is generated from them with autosummary; the notebooks are rendered with myst-nb without executing
them (they run in tests/test_notebooks.py) and pandoc is not needed.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))

import geoaggl  # noqa: E402

project = "geoaggl"
author = "geoaggl developers"
copyright = "geoaggl developers, MIT licence"
version = release = geoaggl.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "myst_nb",
]
source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
exclude_patterns = ["_build", "**.ipynb_checkpoints", "jupyter_execute"]
myst_enable_extensions = ["dollarmath", "colon_fence"]
myst_heading_anchors = 3
nb_execution_mode = "off"  # the notebooks run in the test suite, not at docs-build time
suppress_warnings = ["myst.header", "mystnb.unknown_mime_type"]

autosummary_generate = True
autosummary_imported_members = True
autodoc_typehints = "none"  # the numpydoc Parameters sections give the types
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
numpydoc_validation_checks: set[str] = set()  # validated by tests/test_docstrings.py instead

html_theme = "pydata_sphinx_theme"
html_title = f"geoaggl {release}"
html_theme_options = {"navigation_with_keys": False, "show_toc_level": 2}
html_static_path: list[str] = []


def _copy_notebooks() -> None:
    """The notebooks live in notebooks/; Sphinx reads them from docs/user-guide/notebooks/."""
    dst = DOCS / "user-guide" / "notebooks"
    dst.mkdir(parents=True, exist_ok=True)
    for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        target = dst / nb.name
        if not target.exists() or target.read_bytes() != nb.read_bytes():
            shutil.copyfile(nb, target)


def _scheme_map(plt, prefs, scheme: str, path: Path) -> None:
    ua = geoaggl.agglomeration_polygons(scheme)
    fig, ax = plt.subplots(figsize=(6, 5), dpi=90)
    prefs.plot(ax=ax, color="#eeeeee", edgecolor="#cccccc", linewidth=0.2)
    ua.reset_index().plot(ax=ax, column="agglomeration", cmap="tab20", edgecolor="#333333", linewidth=0.5)
    for _, row in ua.iterrows():
        p = row.geometry.representative_point()
        ax.annotate(row["agglomeration_en"], (p.x, p.y), fontsize=5, ha="center")
    ax.set_axis_off()
    ax.set_title(f'agglomerations("{scheme}")', fontsize=9)
    fig.savefig(path, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)


def _density_map(plt, prefs, path: Path) -> None:
    """Road density of the Yangtze River Economic Belt agglomerations' members (real data)."""
    from geoaggl import roads

    units = prefs.loc[prefs.index.isin(geoaggl.agglomerations("yreb5")["adcode"])]
    gdf = units.assign(road_density=roads.road_density(units))
    fig, ax = plt.subplots(figsize=(6, 4), dpi=90)
    gdf.plot(
        ax=ax,
        column="road_density",
        cmap="viridis",
        legend=True,
        edgecolor="white",
        linewidth=0.2,
        legend_kwds={"label": "km of major road per 100 km²", "shrink": 0.6},
    )
    geoaggl.agglomeration_polygons("yreb5").boundary.plot(ax=ax, color="#333333", linewidth=0.6)
    ax.set_axis_off()
    ax.set_title("roads.road_density() of the yreb5 members", fontsize=9)
    fig.savefig(path, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)


def _circle_map(plt, prefs, path: Path) -> None:
    """The 90-minute road isochrone around Shanghai and the prefectures whose seats it reaches."""
    import geopandas as gpd

    from geoaggl import roads

    G = roads.china_highways()
    circle = roads.metropolitan_circle(G, "310100", minutes=90)
    iso = roads.isochrone(G, "310100", minutes=90)
    near = prefs.cx[118.5:123.0, 29.5:33.0]
    fig, ax = plt.subplots(figsize=(6, 5), dpi=90)
    near.plot(ax=ax, color="#f2f2f2", edgecolor="#bbbbbb", linewidth=0.3)
    prefs.loc[circle.index[circle["seat_inside"]]].plot(
        ax=ax, color="#fdd49e", edgecolor="#888888", linewidth=0.4
    )
    gpd.GeoSeries([iso], crs=4326).plot(ax=ax, color="#d7301f", alpha=0.35)
    for _, row in circle[circle["seat_inside"]].iterrows():
        ax.annotate(
            f"{row['name_en']} {row['minutes']:.0f} min", (row["seat_lon"], row["seat_lat"]), fontsize=6
        )
    ax.set_axis_off()
    ax.set_title('roads.metropolitan_circle(G, "310100", minutes=90)', fontsize=9)
    fig.savefig(path, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)


def _maps() -> None:
    """Static maps for the user guide, drawn offline from the shipped data with matplotlib.

    Drawn once into docs/user-guide/maps/ (git-ignored); delete the folder to redraw them.
    """
    out = DOCS / "user-guide" / "maps"
    out.mkdir(parents=True, exist_ok=True)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    prefs = geoaggl.prefectures()
    for scheme in ("coagglomeration8", "national11", "yreb5"):
        if not (out / f"{scheme}.png").exists():
            _scheme_map(plt, prefs, scheme, out / f"{scheme}.png")
    if not (out / "yreb5_road_density.png").exists():
        _density_map(plt, prefs, out / "yreb5_road_density.png")
    if not (out / "shanghai_circle.png").exists():
        _circle_map(plt, prefs, out / "shanghai_circle.png")


def _api() -> None:
    """api.rst: one autosummary table per public module, from its ``__all__`` (kept in sync)."""
    import importlib
    import inspect

    lines = [
        "API reference",
        "=============",
        "",
        "Generated from the docstrings.  Top-level shortcuts: ``geoaggl.prefectures``,",
        "``geoaggl.agglomerations``, ``geoaggl.agglomeration_polygons`` (:mod:`geoaggl.boundaries`),",
        "``geoaggl.harmonize``, ``geoaggl.attach`` (:mod:`geoaggl.names`), ``geoaggl.read_yearbook``",
        "(:mod:`geoaggl.io`).",
        "",
    ]
    order = ["boundaries", "names", "io", "datasets", "indices", "inequality", "roads", "rail", "weights"]
    order += ["spatial", "models", "efficiency", "maps", "errors", "settings", "cli"]
    assert set(order) == set(geoaggl._SUBMODULES), "a public module is missing from the API reference"
    for m in order:
        mod = importlib.import_module(f"geoaggl.{m}")
        names = [
            n for n in mod.__all__ if inspect.isclass(getattr(mod, n)) or inspect.isfunction(getattr(mod, n))
        ]
        title = f"geoaggl.{m}"
        lines += [title, "-" * len(title), "", f".. automodule:: geoaggl.{m}", "   :no-members:", ""]
        lines += [f".. currentmodule:: geoaggl.{m}", "", ".. autosummary::", "   :toctree: generated", ""]
        lines += [f"   {n}" for n in names] + [""]
    text = "\n".join(lines)
    api = DOCS / "api.rst"
    if not api.exists() or api.read_text(encoding="utf-8") != text:
        api.write_text(text, encoding="utf-8")


_copy_notebooks()
_maps()
_api()
