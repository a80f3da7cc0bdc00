"""The bundled rail graph (geoaggl.rail): graph facts, published line lengths, speed model, access legs.

Published line lengths (station to station), as cited in each test:

* Beijing–Shanghai high-speed railway, 1,318 km (main line Beijing South – Shanghai
  Hongqiao 1,302 km): https://wiki-gateway.eudic.net/wikipedia_en/Beijing-Shanghai_High-Speed_Railway.html
* Wuhan–Guangzhou high-speed railway, 968 km:
  https://en.wikipedia.org/wiki/Wuhan%E2%80%93Guangzhou_high-speed_railway
* Beijing–Shijiazhuang high-speed railway, 281 km (Beijing West – Shijiazhuang), "northern
  section of the 2,100 km high-speed Jingguang line":
  https://en.wikipedia.org/wiki/Beijing%E2%80%93Shijiazhuang_High-Speed_Railway
* Shijiazhuang–Wuhan high-speed railway, 840 km: https://en.qa.edu.vn/en/Shijiazhuang%E2%80%93Wuhan_high-speed_railway
* Qinghai–Tibet railway Xining–Lhasa, 1,956 km, about 21.5 h:
  http://covid-19.chinadaily.com.cn/bizchina/2016-07/08/content_26019219.htm and
  https://9702.read.newszop.com/ (Reach Daily Express, "The epic train journey...")
* Beijing–Guangzhou: the 2,298 km headline figure (https://www.shine.cn/news/nation/2212264444/)
  is longer than the sum of the line's sections (281 + 840 + 968 = 2,089 km) and than the
  2,100 km quoted above; the graph gives 2,109 km, so it is checked against the sections.
"""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from scipy.sparse.csgraph import connected_components, dijkstra
from shapely.geometry import Point

import geoaggl
from geoaggl import rail
from geoaggl._roadgraph import haversine_km
from geoaggl.errors import DataError, OptionError, ParameterTypeError, UnreachableWarning

#: Station coordinates (WGS84, from OpenStreetMap, rounded to 0.0001 degree).
STATIONS = {
    "Beijing South": (116.3786, 39.8652),
    "Shanghai Hongqiao": (121.3203, 31.1945),
    "Beijing West": (116.3216, 39.8947),
    "Shijiazhuang": (114.4816, 38.0109),
    "Wuhan": (114.4244, 30.6073),
    "Guangzhou South": (113.2691, 22.9888),
    "Xining": (101.8035, 36.6373),
    "Lhasa": (91.0805, 29.6236),
}


@pytest.fixture(scope="module")
def stations() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        geometry=[Point(*xy) for xy in STATIONS.values()], index=list(STATIONS), crs="EPSG:4326"
    )


@pytest.fixture(scope="module")
def prefs() -> gpd.GeoDataFrame:
    return geoaggl.prefectures()


@pytest.fixture(scope="module")
def arrays() -> dict:
    return rail.rail_arrays()


def _od(points: gpd.GeoDataFrame, **kw: object) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnreachableWarning)
        return rail.od_matrix(points, **kw)


# ----------------------------------------------------------------------------- graph facts
def test_graph_facts(arrays: dict) -> None:
    """Counts of the build (boundaries/build_rails.py report): one component, 33,792 nodes."""
    n = arrays["lon"].size
    assert n == 33_792
    assert arrays["u"].size == 42_000
    assert arrays["length"].nnz == 84_000  # every edge both ways, no parallel duplicates
    assert (arrays["u"] < arrays["v"]).all()
    ncomp, _ = connected_components(arrays["length"], directed=False)
    assert ncomp == 1  # the build keeps the mainland component (Hainan via the train ferry)
    cls = pd.Series(arrays["rail_class"]).value_counts()
    assert cls["ferry"] == 1
    assert cls["high_speed"] + cls["conventional"] == 41_999
    track_km = arrays["edge_length"][arrays["rail_class"] != "ferry"].sum() / 1000
    assert track_km == pytest.approx(147_228, abs=1)  # 147,222 km of track + 6 km of gap bridges
    # inside mainland China's bounding box, coordinates on the source's 0.001-degree grid
    assert arrays["lon"].min() > 73 and arrays["lon"].max() < 135.1
    assert arrays["lat"].min() > 18 and arrays["lat"].max() < 53.6
    np.testing.assert_allclose(arrays["lon"] * 1000, np.rint(arrays["lon"] * 1000), atol=1e-6)
    meta = [str(m) for m in rail._bundled()["meta"]]
    assert "nodes=33792" in meta and "edges=42000" in meta
    assert any(m.startswith("source=scgraph-data 2.0.0, scgraph_data.world_railways") for m in meta)


def test_china_railways_is_osmnx_format() -> None:
    G = rail.china_railways()
    assert G.is_multigraph() and G.is_directed()
    assert G.graph["crs"] == "EPSG:4326" and G.graph["name"] == "china_railways"
    assert "ODbL" in G.graph["source"]
    assert len(G) == 33_792 and G.number_of_edges() == 84_000
    node = G.nodes[0]
    assert {"x", "y", "street_count"} <= set(node)
    a, b, d = next(iter(G.edges(data=True)))
    assert set(d) >= {"length", "speed_kph", "travel_time", "rail_class"}
    assert d["travel_time"] == pytest.approx(d["length"] / (d["speed_kph"] / 3.6))
    assert G[b][a][0]["length"] == d["length"]
    ferry = [d for _, _, d in G.edges(data=True) if d.get("ferry")]
    assert len(ferry) == 2 and all(f["travel_time"] == 120 * 60 for f in ferry)


# ----------------------------------------------------------------------------- published lengths
@pytest.mark.parametrize(
    ("a", "b", "published_km", "tol"),
    [
        ("Beijing South", "Shanghai Hongqiao", 1302.0, 0.03),  # main line length to Hongqiao
        ("Wuhan", "Guangzhou South", 968.0, 0.03),
        ("Beijing West", "Shijiazhuang", 281.0, 0.03),
        ("Shijiazhuang", "Wuhan", 840.0, 0.04),
        ("Beijing West", "Guangzhou South", 281.0 + 840.0 + 968.0, 0.03),
        ("Xining", "Lhasa", 1956.0, 0.05),
    ],
)
def test_published_line_lengths(
    stations: gpd.GeoDataFrame, a: str, b: str, published_km: float, tol: float
) -> None:
    od = _od(stations)
    assert od.loc[a, b] == pytest.approx(published_km, rel=tol)


def test_line_lengths_measured_values(stations: gpd.GeoDataFrame) -> None:
    """The measured figures quoted in the README (whole km)."""
    od = _od(stations)
    assert round(od.loc["Beijing South", "Shanghai Hongqiao"]) == 1298
    assert round(od.loc["Wuhan", "Guangzhou South"]) == 972
    assert round(od.loc["Beijing West", "Guangzhou South"]) == 2109
    assert round(od.loc["Xining", "Lhasa"]) == 1888


def test_default_times_against_timetables(stations: gpd.GeoDataFrame) -> None:
    """Beijing–Shanghai ~4.3-6 h by G train; Xining–Lhasa ~21.5 h (see the module docstring)."""
    t = _od(stations, weight="travel_time") / 60
    assert 4.3 <= t.loc["Beijing South", "Shanghai Hongqiao"] <= 6.0
    assert 7.5 <= t.loc["Beijing West", "Guangzhou South"] <= 10.0
    assert 3.0 <= t.loc["Wuhan", "Guangzhou South"] <= 4.5
    assert 18.0 <= t.loc["Xining", "Lhasa"] <= 24.0


# ----------------------------------------------------------------------------- properties
def test_rail_km_at_least_great_circle(prefs: gpd.GeoDataFrame, arrays: dict) -> None:
    """Every rail distance is at least the great circle between the snapped nodes.

    Tolerance 0.2 km: the source's lengths come from unrounded coordinates, its nodes are
    rounded to 0.001 degree (each end moves up to ~0.08 km).
    """
    od = _od(prefs)
    acc = rail.station_access(prefs)
    lon, lat = acc["station_lon"].to_numpy(), acc["station_lat"].to_numpy()
    gc = haversine_km(lon[:, None], lat[:, None], lon[None, :], lat[None, :])
    v = od.to_numpy()
    ok = np.isfinite(v)
    assert ok.sum() >= 361 * 361
    assert (v[ok] >= gc[ok] - 0.2).all()
    # with the access legs: at least the great circle between the seats themselves
    with_access = _od(prefs, include_access=True).to_numpy()
    slon, slat = prefs["seat_lon"].to_numpy(), prefs["seat_lat"].to_numpy()
    gcs = haversine_km(slon[:, None], slat[:, None], slon[None, :], slat[None, :])
    assert (with_access[ok] >= gcs[ok] - 0.2).all()


def test_symmetric_zero_diagonal(prefs: gpd.GeoDataFrame) -> None:
    for weight in ("length", "travel_time"):
        v = _od(prefs, weight=weight).to_numpy()
        np.testing.assert_array_equal(v, v.T)
        assert (np.diag(v) == 0).all()


def test_agrees_with_scipy_dijkstra(prefs: gpd.GeoDataFrame, arrays: dict) -> None:
    """Same numbers as a plain scipy Dijkstra on the arrays of rail_arrays (metres: bit for bit)."""
    sub = prefs.iloc[::9]
    node = rail.station_access(sub)["node"].to_numpy()
    for weight, scale in (("length", 1000.0), ("travel_time", 60.0)):
        ref = dijkstra(arrays[weight], directed=True, indices=node)[:, node] / scale
        np.fill_diagonal(ref, 0.0)
        got = _od(sub, weight=weight).to_numpy()
        if weight == "length":
            np.testing.assert_array_equal(got, ref)
        else:
            np.testing.assert_allclose(got, ref, rtol=1e-12)


def test_shipped_core_is_the_contraction_of_the_shipped_graph() -> None:
    """china_railways_core.npz holds exactly what boundaries/build_rails_core.py computes now."""
    from geoaggl._roadgraph import contract

    base = rail._core_structure()
    assert base is not None, "stale rail core: re-run boundaries/build_rails_core.py"
    c = rail._compact(*rail._speeds(None, "test"), rail.DEFAULT_FERRY_MINUTES)
    fresh = contract(c["csr"]["length"], np.empty(0, dtype=np.int64))
    for name in ("core_nodes", "up_ptr", "up_idx", "height"):
        np.testing.assert_array_equal(getattr(base, name), getattr(fresh, name), err_msg=name)
    assert base.core_nodes.size < 100  # a few dozen junctions: every query is a handful of trees


@pytest.mark.parametrize("speed_kph", [None, 120.0, {"high_speed": 300.0}])
def test_core_path_equals_the_reduced_graph_path(
    prefs: gpd.GeoDataFrame, monkeypatch: pytest.MonkeyPatch, speed_kph: object
) -> None:
    """The kernel path (replayed core) and the scipy path (graph reduced per call) agree: lengths
    bit for bit, times to rounding; a missing or stale core file falls back silently."""
    from geoaggl import _odkernel

    if not _odkernel.available():
        pytest.skip("compiled kernel not built")
    sub = prefs.iloc[::5]
    kw = {"speed_kph": speed_kph}
    rail._compact.cache_clear()
    fast = {w: _od(sub, weight=w, **kw).to_numpy() for w in ("length", "travel_time")}
    assert rail._weighted_core(rail._compact(*rail._speeds(speed_kph, "t"), 120.0), "length") is not None
    rail._compact.cache_clear()
    monkeypatch.setattr(rail, "_core_structure", lambda: None)
    slow = {w: _od(sub, weight=w, **kw).to_numpy() for w in ("length", "travel_time")}
    rail._compact.cache_clear()
    np.testing.assert_array_equal(fast["length"], slow["length"])
    np.testing.assert_allclose(fast["travel_time"], slow["travel_time"], rtol=1e-12)
    assert np.isfinite(fast["length"]).mean() > 0.9


def test_stale_core_file_is_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    rail._core_structure.cache_clear()
    monkeypatch.setattr(rail, "_topology_signature", lambda: "0" * 40)
    try:
        assert rail._core_structure() is None
    finally:
        rail._core_structure.cache_clear()


def test_roads_od_matrix_generic_path_on_rail_graph(stations: gpd.GeoDataFrame) -> None:
    """roads.od_matrix works on china_railways() and gives the same numbers when the snaps agree.

    The stations are moved onto their rail nodes so that both snappers (roads: Albers
    KD-tree; rail: great-circle chord) pick the same node.
    """
    from geoaggl import roads

    acc = rail.station_access(stations)
    on_nodes = gpd.GeoDataFrame(
        geometry=gpd.points_from_xy(acc["station_lon"], acc["station_lat"]), index=stations.index, crs=4326
    )
    G = rail.china_railways()
    for weight in ("length", "travel_time"):
        ours = _od(on_nodes, weight=weight)
        theirs = roads.od_matrix(G, on_nodes, weight=weight)
        np.testing.assert_allclose(theirs.to_numpy(), ours.to_numpy(), rtol=1e-12)


# ----------------------------------------------------------------------------- speed model
def test_speed_model_classes(arrays: dict) -> None:
    mid = (arrays["lon"][arrays["u"]] + arrays["lon"][arrays["v"]]) / 2
    cls = arrays["rail_class"]
    track = cls != "ferry"
    assert ((mid >= rail.HIGH_SPEED_MIN_LON) == (cls == "high_speed"))[track].all()
    speed = arrays["edge_length"] / arrays["edge_travel_time"] * 3.6
    np.testing.assert_allclose(speed[cls == "high_speed"], 250.0)
    np.testing.assert_allclose(speed[cls == "conventional"], 90.0)
    assert arrays["edge_travel_time"][cls == "ferry"] == pytest.approx([7200.0])


def test_speed_overrides(stations: gpd.GeoDataFrame) -> None:
    km = _od(stations)
    uniform = _od(stations, weight="travel_time", speed_kph=100.0)
    ab = ("Beijing South", "Shanghai Hongqiao")
    assert uniform.loc[ab] == pytest.approx(km.loc[ab] / 100 * 60)
    faster = _od(stations, weight="travel_time", speed_kph={"high_speed": 300.0})
    base = _od(stations, weight="travel_time")
    assert faster.loc[ab] == pytest.approx(base.loc[ab] * 250 / 300)
    # the west stays at 90 km/h
    assert faster.loc["Xining", "Lhasa"] == pytest.approx(base.loc["Xining", "Lhasa"], rel=0.02)


def test_hainan_reachable_through_the_train_ferry(prefs: gpd.GeoDataFrame) -> None:
    sub = prefs.loc[["440100", "460100"]]  # 广州, 海口
    t = _od(sub, weight="travel_time")
    t_slow = _od(sub, weight="travel_time", ferry_minutes=240.0)
    assert np.isfinite(t.iloc[0, 1])
    assert t_slow.iloc[0, 1] - t.iloc[0, 1] == pytest.approx(120.0)


# ----------------------------------------------------------------------------- access legs
def test_station_access_values(prefs: gpd.GeoDataFrame) -> None:
    acc = rail.station_access(prefs)
    assert acc.index.equals(prefs.index) and acc.index is not prefs.index
    np.testing.assert_allclose(acc["access_km"], acc["snap_km"] * 1.3)
    np.testing.assert_allclose(acc["access_minutes"], acc["snap_km"] * 1.3 / 30 * 60)
    assert acc.loc["110100", "snap_km"] < 5  # 北京
    unreachable = set(acc.index[~acc["reachable"]])
    assert unreachable == {"231100", "460300", "540300", "542500", "632600", "632700"}
    assert acc["snap_km"].median() == pytest.approx(3.6, abs=0.2)
    other = rail.station_access(prefs.iloc[:3], detour=1.0, access_kph=60.0)
    np.testing.assert_allclose(other["access_minutes"], other["snap_km"])


def test_include_access_adds_both_legs(prefs: gpd.GeoDataFrame) -> None:
    sub = prefs.loc[["110100", "310100", "440100", "420100"]]
    acc = rail.station_access(sub)
    for weight, leg in (("length", acc["access_km"]), ("travel_time", acc["access_minutes"])):
        base = _od(sub, weight=weight).to_numpy()
        full = _od(sub, weight=weight, include_access=True).to_numpy()
        expect = base + leg.to_numpy()[:, None] + leg.to_numpy()[None, :]
        np.fill_diagonal(expect, 0.0)
        np.testing.assert_allclose(full, expect)


def test_unreachable_seats_warned_and_inf(prefs: gpd.GeoDataFrame) -> None:
    sub = prefs.loc[["110100", "542500"]]  # 阿里: ~495 km from the nearest track
    with pytest.warns(UnreachableWarning, match="542500"):
        od = rail.od_matrix(sub)
    assert np.isinf(od.loc["110100", "542500"]) and od.loc["542500", "542500"] == 0
    od_any = rail.od_matrix(sub, max_snap_km=None)
    assert np.isfinite(od_any.to_numpy()).all()


def test_targets_and_no_mutation(prefs: gpd.GeoDataFrame) -> None:
    a, b = prefs.loc[["110100", "310100"]], prefs.loc[["440100"]]
    before = a.copy()
    od = _od(a, targets=b)
    assert od.shape == (2, 1) and list(od.columns) == ["440100"]
    pd.testing.assert_frame_equal(a, before)
    assert od.index is not a.index
    full = _od(prefs.loc[["110100", "310100", "440100"]])
    assert od.loc["110100", "440100"] == full.loc["110100", "440100"]


# ----------------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    ("kw", "exc"),
    [
        ({"weight": "speed"}, OptionError),
        ({"include_access": "yes"}, ParameterTypeError),
        ({"speed_kph": "fast"}, ParameterTypeError),
        ({"speed_kph": {"tgv": 300}}, OptionError),
        ({"speed_kph": -5}, DataError),
        ({"speed_kph": {"high_speed": float("nan")}}, DataError),
        ({"ferry_minutes": 0}, DataError),
        ({"detour": 0.5}, DataError),
        ({"access_kph": "30"}, ParameterTypeError),
        ({"max_snap_km": -1}, DataError),
    ],
)
def test_errors(prefs: gpd.GeoDataFrame, kw: dict, exc: type) -> None:
    with pytest.raises(exc):
        rail.od_matrix(prefs.iloc[:2], **kw)


def test_errors_graph_and_points() -> None:
    with pytest.raises(OptionError, match="speed_kph"):
        rail.china_railways(speed_kph={"maglev": 430})
    with pytest.raises(DataError, match="ferry_minutes"):
        rail.rail_arrays(ferry_minutes=float("inf"))
    with pytest.raises(ParameterTypeError):
        rail.station_access("110100")
    pts = gpd.GeoDataFrame(geometry=[Point(116.4, 39.9)], index=["a"])  # no CRS
    with pytest.raises(geoaggl.errors.CRSError):
        rail.station_access(pts)


def test_access_speed_so_small_that_times_overflow_is_a_data_error(prefs):
    """Deep fuzz (2026-12-07): access_kph=5e-324 gave inf access minutes instead of an error."""
    from geoaggl.errors import DataError

    pts = prefs.iloc[:3]
    for kw in ({"access_kph": 5e-324}, {"detour": 1e306, "access_kph": 0.01}):
        with pytest.raises(DataError, match="overflow"):
            rail.station_access(pts, **kw)
        with pytest.raises(DataError, match="overflow"):
            rail.od_matrix(pts, weight="travel_time", include_access=True, **kw)
    assert np.isfinite(rail.station_access(pts, access_kph=1e-3)["access_minutes"]).all()
