"""Tables behind ``geoaggl demo`` (private): all computed offline from the shipped data.

(a) the co-agglomeration levels and within-UA Gini published by Chen Xiuying and Wang Mengcui
    (Tables 1-2) on the coagglomeration8 UA polygons, by year;
(b) road accessibility of every national11 member to its central city (road km and
    minutes on the bundled graph) and the integration score of the yreb5 UAs (the method of
    "Integration of the urban agglomerations of the Yangtze River Economic Belt") from a real
    indicator derived from the bundled data (major-road density);
(c) spatial checks (Moran's I, Geary's C, Getis-Ord G on queen contiguity and road
    k-nearest weights) and LISA of road density.
"""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd


@dataclass
class DemoTables:
    """Everything the demo maps and writes."""

    published: gpd.GeoDataFrame  # UA polygons × year with coagglomeration and Gjj (Chen & Wang)
    access: gpd.GeoDataFrame  # national11 members: road km / minutes to their central city
    density: gpd.GeoDataFrame  # every unit: road density
    integration: gpd.GeoDataFrame  # yreb5 UAs: infrastructure integration score
    checks: pd.DataFrame  # tidy spatial-check table
    lisa: gpd.GeoDataFrame  # units with LISA labels of road density


#: The papers the demo and the CLI cite (authors and title; short form first).
CITATIONS: dict[str, tuple[str, str]] = {
    "chen_wang": (
        "Chen & Wang",
        "Chen Xiuying and Wang Mengcui (陈秀英, 王梦翠), "
        "中国城市群生产性服务业与制造业协同集聚的空间差异及收敛性研究 "
        "(Spatial differences and convergence of producer-services-manufacturing co-agglomeration in "
        "China's urban agglomerations)",
    ),
    "song_li": (
        "Song & Li",
        "Song Deyong and Li Dongfang (宋德勇, 李东方), 国家级城市群高质量平衡增长研究——基于产业分工的视角 "
        "(High-quality balanced growth of national urban agglomerations: an industrial division-of-labour "
        "perspective)",
    ),
    "yreb": (
        "Yangtze River Economic Belt integration study",
        "长江经济带城市群区域一体化发展特征与差异 (Integration of the urban agglomerations of the Yangtze "
        "River Economic Belt: characteristics and differences)",
    ),
}

Progress = Callable[[int, int], None]


def od_matrix_with_progress(
    G: object, units: gpd.GeoDataFrame, *, weight: str, progress: Progress | None = None
) -> pd.DataFrame:
    """``roads.od_matrix`` with its ``progress=(done, total)`` callback when that version has one."""
    import geopandas as gpd  # noqa: F401
    import pandas as pd  # noqa: F401

    from .roads import od_matrix

    if progress is not None and "progress" in inspect.signature(od_matrix).parameters:
        return od_matrix(G, units, weight=weight, progress=progress)
    return od_matrix(G, units, weight=weight)


def published_on_polygons() -> gpd.GeoDataFrame:
    """Chen & Wang's Table 1 (co-agglomeration) and Table 2 (G_jj) on the UA polygons, long by year."""
    import geopandas as gpd
    import pandas as pd  # noqa: F401

    from . import datasets
    from .boundaries import agglomeration_polygons

    level = datasets.published("coagglomeration_level").rename(columns={"value": "coagglomeration"})
    gjj = datasets.published("dagum_within").rename(columns={"value": "gini_within"})
    table = level.merge(gjj, on=["year", "agglomeration"], how="left")
    polys = agglomeration_polygons("coagglomeration8")[["agglomeration_en", "geometry"]]
    out = polys.reset_index().merge(table, on="agglomeration", how="inner")
    return gpd.GeoDataFrame(out, geometry="geometry", crs=polys.crs)


def road_access(prefs: gpd.GeoDataFrame, progress: Progress | None = None) -> gpd.GeoDataFrame:
    """Road km and minutes from each national11 member's seat to its nearest central city."""
    import geopandas as gpd  # noqa: F401
    import pandas as pd

    from .boundaries import agglomerations
    from .roads import RoadGraph, distance_to_centre

    members = agglomerations("national11")
    units = prefs.loc[sorted(set(members["adcode"]) & set(prefs.index))]  # HK and Macao have no seat
    G = RoadGraph()  # the bundled arrays: no networkx graph is built
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # HK and Macao: NaN distances, named in a warning
        km = od_matrix_with_progress(G, units, weight="length", progress=progress)
        minutes = od_matrix_with_progress(G, units, weight="travel_time", progress=progress)
        d_km = distance_to_centre(km, members, rule="nearest")
        d_min = distance_to_centre(minutes, members, rule="nearest")
    ua = members.drop_duplicates("adcode").set_index("adcode")["agglomeration"]
    out = units[["name", "name_en", "geometry"]].copy()
    out["agglomeration"] = ua.reindex(out.index)
    out["road_km_to_centre"] = d_km.reindex(out.index)
    out["road_min_to_centre"] = d_min.reindex(out.index)
    out["centre"] = pd.Series(d_km.attrs.get("centre", {})).reindex(out.index)
    return out


def integration_from_density(prefs: gpd.GeoDataFrame, density: pd.Series) -> gpd.GeoDataFrame:
    """Integration score (infrastructure dimension; the Yangtze River Economic Belt study's method) of the
    yreb5 UAs from road density."""
    import geopandas as gpd  # noqa: F401
    import pandas as pd

    from .boundaries import agglomeration_polygons, agglomerations
    from .indices import integration_index

    members = agglomerations("yreb5")
    members = members[members["adcode"].isin(prefs.index)]
    df = pd.DataFrame(
        {
            "adcode": members["adcode"].to_numpy(),
            "agglomeration": members["agglomeration"].to_numpy(),
            "road_density": density.reindex(members["adcode"]).to_numpy(),
        }
    )
    res = integration_index(df, indicators={"road_density": ("infrastructure", "+")}, group="agglomeration")
    polys = agglomeration_polygons("yreb5")[["agglomeration_en", "n_members", "geometry"]].copy()
    polys["road_density_mean"] = df.groupby("agglomeration")["road_density"].mean().reindex(polys.index)
    polys["road_density_cv"] = res.cv["road_density"].reindex(polys.index)
    polys["integration_infrastructure"] = res.overall.reindex(polys.index)
    return polys


def spatial_tables(
    prefs: gpd.GeoDataFrame, density: pd.Series, progress: Progress | None = None
) -> tuple[pd.DataFrame, gpd.GeoDataFrame]:
    """Moran/Geary/Getis-Ord of road density on queen and road-kNN weights, and its LISA (queen)."""
    import geopandas as gpd  # noqa: F401
    import numpy as np
    import pandas as pd

    from .roads import RoadGraph
    from .spatial import check, lisa
    from .weights import contiguity, from_od

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        od = od_matrix_with_progress(RoadGraph(), prefs, weight="length", progress=progress)
        reach = np.isfinite(od.to_numpy()).sum(axis=1) > 1  # 三沙 has no road: left out of the road test only
        od = od.loc[reach, reach]
        road = from_od(od, kind="knn", k=6)
        queen = contiguity(prefs, islands="nearest")  # every unit; islands linked to their nearest unit
        data = density.loc[prefs.index].to_frame()
        table = pd.concat(
            [
                check(data, {"queen": queen}, permutations=999, seed=0),
                check(data.loc[od.index], {"road_knn6": road}, permutations=999, seed=0),
            ],
            ignore_index=True,
        )
        local = lisa(data["road_density"], queen, permutations=999, seed=0)
    out = prefs[["name", "name_en", "geometry"]].join(local)
    return table, out


def compute(prefs: gpd.GeoDataFrame | None = None) -> DemoTables:
    """All demo tables."""
    import geopandas as gpd  # noqa: F401
    import pandas as pd  # noqa: F401

    from .boundaries import prefectures
    from .roads import road_density

    prefs = prefectures() if prefs is None else prefs
    density = road_density(prefs)
    dens = prefs[["name", "name_en", "geometry"]].copy()
    dens["road_density"] = density
    checks, lisa_gdf = spatial_tables(prefs, density)
    return DemoTables(
        published=published_on_polygons(),
        access=road_access(prefs),
        density=dens,
        integration=integration_from_density(prefs, density),
        checks=checks,
        lisa=lisa_gdf,
    )


# --------------------------------------------------------------------------- on-disk cache of the demo
_INPUTS = (
    "prefectures.geojson",
    "agglomerations.csv",
    "china_highways.npz",
    "china_highways_core.npz",
    "crosswalk.csv",
)


def cache_key() -> str:
    """Key of the demo's outputs: package version and the SHA-1 of every shipped input file."""
    from importlib import resources

    from . import _cache

    data = resources.files("geoaggl") / "data"
    parts: list[str] = []
    with resources.as_file(data) as d:
        for name in _INPUTS:
            p = d / name
            parts.append(_cache.file_digest(p) if p.is_file() else "absent")
        published = d / "published"
        if published.is_dir():
            parts += [_cache.file_digest(p) for p in sorted(published.iterdir()) if p.is_file()]
    return _cache.digest("demo", *parts)


def cached_outputs(key: str) -> list[Path] | None:
    """The files of a complete cached demo, or None (cache off, absent, or incomplete)."""
    from . import _cache

    if not _cache.enabled():
        return None
    folder = _cache.entry("demo", key, "")
    listing = folder / "files.csv"
    if not listing.is_file():
        return None
    names = _listing(listing)
    if names is None:
        return None
    files = [folder / str(n) for n in names]
    return files if all(f.is_file() for f in files) else None


def store_outputs(key: str, out: Path) -> None:
    """Copy a finished demo's files into the cache (atomic: a temporary folder, then a rename)."""
    import contextlib
    import os
    import shutil
    import tempfile

    from . import _cache

    if not _cache.enabled():
        return
    folder = _cache.entry("demo", key, "")
    try:
        names = _listing(out / "files.csv") or []
        folder.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=folder.parent, prefix=".tmp-"))
        for n in names:
            shutil.copy2(out / str(n), tmp / str(n))
        if folder.exists():
            shutil.rmtree(folder, ignore_errors=True)
        os.replace(tmp, folder)
    except OSError:  # read-only or full disk: the next run recomputes
        with contextlib.suppress(Exception):
            shutil.rmtree(tmp, ignore_errors=True)


def _listing(path: Path) -> list[str] | None:
    """The files named in a demo's ``files.csv`` plus it and ``index.html``; None if unreadable."""
    import csv

    try:
        with open(path, encoding="utf-8", newline="") as f:
            rows = list(csv.DictReader(f))
        return [str(r["file"]) for r in rows] + ["files.csv", "index.html"]
    except (OSError, KeyError, csv.Error, UnicodeDecodeError):
        return None
