"""Travel modes of the isochrones (issue #14, item 5): ``mode="road"``, ``"rail"`` and ``"fastest"``.

Every rail number is checked against an independent computation: the rail graph is read from
``rail.china_railways()`` (networkx), turned into a scipy CSR matrix here, the centre is snapped
to its nearest node by a brute-force haversine search, the access leg is recomputed from the
documented constants, and the tree is ``scipy.sparse.csgraph.dijkstra``.  The road mode must
be the function as it was before ``mode`` existed: its numbers are pinned from commit 10926aa.
"""

from __future__ import annotations

import inspect
import math

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Transformer
from scipy.sparse.csgraph import dijkstra
from shapely.geometry import Point

import geoaggl
from geoaggl import rail, roads
from geoaggl._geo import METRIC_CRS
from geoaggl._roadgraph import haversine_km
from geoaggl.errors import DataError, OptionError

SH = "310100"


def area_km2(geom) -> float:
    return float(gpd.GeoSeries([geom], crs=4326).to_crs(METRIC_CRS).area.iloc[0]) / 1e6


def tiny_road() -> nx.MultiDiGraph:
    """Three nodes on a road east from Shanghai's seat, 80 km/h (the docstring example graph)."""
    G = nx.MultiDiGraph(crs="EPSG:4326")
    lon = [121.47, 121.80, 122.30]
    for i, x in enumerate(lon):
        G.add_node(i, x=x, y=31.23)
    for a, b in [(0, 1), (1, 2)]:
        m = (lon[b] - lon[a]) * 111_320 * math.cos(math.radians(31.23))
        for u, v in [(a, b), (b, a)]:
            G.add_edge(u, v, length=m, speed_kph=80.0, travel_time=m / (80 / 3.6))
    return G


@pytest.fixture(scope="module")
def prefs() -> gpd.GeoDataFrame:
    return geoaggl.prefectures()


@pytest.fixture(scope="module")
def railnet() -> dict:
    """The rail graph read from networkx: node lon/lat and the travel-time CSR (seconds)."""
    G = rail.china_railways()
    n = G.number_of_nodes()
    lon = np.array([G.nodes[i]["x"] for i in range(n)])
    lat = np.array([G.nodes[i]["y"] for i in range(n)])
    u, v, t = zip(*((a, b, d["travel_time"]) for a, b, d in G.edges(data=True)), strict=True)
    csr = sp.csr_matrix((np.array(t), (np.array(u), np.array(v))), shape=(n, n))
    return {"lon": lon, "lat": lat, "csr": csr}


def rail_start(net: dict, lon: float, lat: float) -> tuple[int, float]:
    """Nearest rail node (brute force) and access minutes (documented constants)."""
    km = haversine_km(np.full(net["lon"].size, lon), np.full(net["lon"].size, lat), net["lon"], net["lat"])
    node = int(np.argmin(km))
    return node, float(km[node]) * rail.ACCESS_DETOUR / rail.ACCESS_KPH * 60.0


def reach_polygon(lon, lat, csr, dist, limit, nodes, points, buffer_km, fill):
    """The documented construction, written out again: kept arcs up to f, buffered, unioned.

    Returns the WGS84 polygon and the kept parts (metric CRS) before buffering.
    """
    tr = Transformer.from_crs("EPSG:4326", METRIC_CRS, always_xy=True)
    x, y = (np.asarray(a) for a in tr.transform(lon, lat))
    coo = csr.tocoo()
    keep = dist[coo.row] <= limit
    a, b, w = coo.row[keep], coo.col[keep], coo.data[keep]
    f = np.minimum(1.0, (limit - dist[a]) / w)
    parts = [
        shapely.LineString([(x0, y0), (x0 + fi * (x1 - x0), y0 + fi * (y1 - y0))])
        for x0, y0, x1, y1, fi in zip(x[a], y[a], x[b], y[b], f, strict=True)
    ]
    parts += [Point(x[k], y[k]) for k in nodes] + [Point(*tr.transform(lo, la)) for lo, la in points]
    geom = shapely.union_all([p.buffer(buffer_km * 1000.0, quad_segs=4) for p in parts])
    if fill:
        polys = [geom] if geom.geom_type == "Polygon" else list(geom.geoms)
        geom = shapely.union_all([shapely.Polygon(p.exterior) for p in polys])
    back = Transformer.from_crs(METRIC_CRS, "EPSG:4326", always_xy=True)
    return shapely.transform(geom, back.transform, interleaved=False), parts


def seat(prefs, code) -> tuple[float, float]:
    return float(prefs.loc[code, "seat_lon"]), float(prefs.loc[code, "seat_lat"])


# --------------------------------------------------------------------------- rail
def test_rail_isochrone_shanghai_60_is_the_scipy_tree_with_the_access_leg_subtracted(railnet, prefs):
    lon, lat = seat(prefs, SH)
    node, access = rail_start(railnet, lon, lat)
    acc = rail.station_access(prefs.loc[[SH]]).iloc[0]
    assert int(acc["node"]) == node and acc["access_minutes"] == pytest.approx(access, rel=1e-12)
    limit = (60.0 - access) * 60.0
    dist = dijkstra(railnet["csr"], directed=True, indices=node)
    reached = np.flatnonzero(dist <= limit)
    assert 100 < reached.size < railnet["lon"].size  # a real tree, not everything

    iso = roads.isochrone(None, SH, minutes=60, mode="rail")
    # the polygon is the documented construction on this independent tree, holes not filled
    ref, parts = reach_polygon(railnet["lon"], railnet["lat"], railnet["csr"], dist, limit, [node],
                               [(lon, lat)], 5.0, fill=False)  # fmt: skip
    assert shapely.symmetric_difference(iso, ref).area <= 1e-9 * ref.area

    # every node reachable within the budget is inside; nodes more than 6 km from every reached
    # segment (the buffer is 5 km) are outside
    pts = shapely.points(railnet["lon"][reached], railnet["lat"][reached])
    assert shapely.contains(iso, pts).all()
    tr = Transformer.from_crs("EPSG:4326", METRIC_CRS, always_xy=True)
    x, y = tr.transform(railnet["lon"], railnet["lat"])
    _, gap = shapely.STRtree(parts).query_nearest(
        shapely.points(x, y), return_distance=True, all_matches=False
    )
    outside = np.flatnonzero(gap > 6000.0)
    assert outside.size > 1000
    assert not shapely.contains(iso, shapely.points(railnet["lon"][outside], railnet["lat"][outside])).any()
    assert iso.geom_type == "Polygon" and len(iso.interiors) > 0  # the land between lines is not served
    filled, _ = reach_polygon(railnet["lon"], railnet["lat"], railnet["csr"], dist, limit, [node],
                              [(lon, lat)], 5.0, fill=True)  # fmt: skip
    assert area_km2(filled) > area_km2(iso) * 1.01


def test_rail_isochrone_when_the_access_leg_exceeds_the_budget_is_the_centre_disk(prefs):
    lon, lat = seat(prefs, SH)
    access = float(rail.station_access(prefs.loc[[SH]]).iloc[0]["access_minutes"])
    iso = roads.isochrone(None, (lon, lat), minutes=access * 0.9, mode="rail", buffer_km=2.0)
    assert area_km2(iso) == pytest.approx(math.pi * 2.0**2, rel=0.03)  # a 16-gon of radius 2 km
    assert iso.contains(Point(lon, lat))


def test_rail_ignores_the_road_graph_and_centre_off_the_railway(prefs):
    a = roads.isochrone(None, SH, minutes=40, mode="rail")
    b = roads.isochrone(tiny_road(), SH, minutes=40, mode="rail")
    assert a.equals_exact(b, 0.0)
    # 阿里's seat is ~495 km from the railway: rail is a DataError, fastest is the road isochrone
    with pytest.raises(DataError, match="rail"):
        roads.isochrone(None, "542500", minutes=30, mode="rail")
    assert roads.isochrone(None, "542500", minutes=30, mode="fastest").equals_exact(
        roads.isochrone(None, "542500", minutes=30), 0.0
    )


def test_rail_rings_tile_the_rail_isochrones():
    rings = roads.isochrone_rings(None, SH, minutes=[20, 40], mode="rail")
    full = roads.isochrone(None, SH, minutes=40, mode="rail")
    assert rings.index.tolist() == [20.0, 40.0] and rings.geometry.is_valid.all()
    assert rings["isochrone"].iloc[-1].equals_exact(full, 0.0)
    assert rings["area_km2"].sum() == pytest.approx(area_km2(full), rel=1e-6)
    mc = roads.metropolitan_circle(None, SH, minutes=40, mode="rail")
    assert mc.attrs["isochrone"].equals_exact(full, 0.0)


# --------------------------------------------------------------------------- fastest
def test_fastest_isochrone_is_the_union_of_road_and_rail():
    G = tiny_road()
    road = roads.isochrone(G, SH, minutes=30)
    by_rail = roads.isochrone(G, SH, minutes=30, mode="rail")
    both = roads.isochrone(G, SH, minutes=30, mode="fastest")
    assert shapely.symmetric_difference(both, road.union(by_rail)).area <= 1e-12
    # isochrone_rings with one budget on a plain graph (no access time) is the same polygon
    ring = roads.isochrone_rings(G, SH, minutes=[30], mode="fastest")
    assert ring["isochrone"].iloc[0].equals_exact(both, 0.0)


def test_fastest_seat_times_are_the_minimum_of_road_and_rail(railnet, prefs):
    budget = 90.0
    mc = roads.metropolitan_circle(None, "上海", minutes=budget, mode="fastest")
    assert mc.attrs["mode"] == "fastest" and mc.attrs["minutes"] == budget
    codes = mc.index
    # road: door-to-door road minutes (od_matrix adds the urban access at both ends, as documented)
    road = roads.od_matrix(None, prefs.loc[[SH]], targets=prefs.loc[codes], weight="travel_time")
    t_road = road.to_numpy()[0]
    # rail: access + scipy Dijkstra between the nearest nodes + access
    lon, lat = seat(prefs, SH)
    node, a_c = rail_start(railnet, lon, lat)
    dist = dijkstra(railnet["csr"], directed=True, indices=node) / 60.0
    t_rail = np.array([a + dist[k] + a_c for k, a in (rail_start(railnet, *seat(prefs, c)) for c in codes)])
    expected = np.minimum(t_road, t_rail)
    expected[codes.get_loc(SH)] = 0.0
    inside = expected <= budget
    assert np.array_equal(mc["seat_inside"].to_numpy(), inside)
    np.testing.assert_allclose(mc["minutes"].to_numpy()[inside], expected[inside], rtol=1e-9, atol=1e-9)
    assert np.isinf(mc["minutes"].to_numpy()[~inside]).all()
    via = np.where(t_rail < t_road, "rail", "road")
    via[codes.get_loc(SH)] = "road"
    assert mc["mode"].to_numpy()[inside].tolist() == via[inside].tolist()
    assert mc["mode"][~inside].isna().all()
    assert {"rail", "road"} <= set(mc["mode"].dropna())  # both modes win somewhere around Shanghai
    # and rail alone: the same rail times, no mode column
    mr = roads.metropolitan_circle(None, "上海", minutes=budget, mode="rail")
    ok = t_rail <= budget
    ok[codes.get_loc(SH)] = True
    assert "mode" not in mr.columns and mr.attrs["mode"] == "rail"
    got = mr["minutes"].reindex(codes).to_numpy()
    exp = np.where(ok, t_rail, np.inf)
    exp[codes.get_loc(SH)] = 0.0
    sel = ~np.isnan(got)  # units touched by the rail circle (a subset of the fastest one's)
    np.testing.assert_allclose(got[sel], exp[sel], rtol=1e-9)


# --------------------------------------------------------------------------- road: unchanged
def test_road_mode_is_the_default_and_the_documented_construction():
    """``mode="road"`` is the default call, and on the bundled graph it is the documented
    construction written out again on an independent scipy tree (Shanghai, 60 min: no border
    link within reach, so the plain travel times route)."""
    assert inspect.signature(roads.isochrone).parameters["mode"].default == "road"
    iso = roads.isochrone(None, SH, minutes=60, mode="road")
    assert shapely.equals_exact(iso, roads.isochrone(None, SH, minutes=60), 0.0)
    mc = roads.metropolitan_circle(None, SH, minutes=[30, 60], mode="road")
    default = roads.metropolitan_circle(None, SH, minutes=[30, 60])
    assert "mode" not in mc.columns and mc.attrs["mode"] == "road"
    assert mc.index.tolist() == default.index.tolist()
    np.testing.assert_array_equal(mc["share"].to_numpy(), default["share"].to_numpy())
    assert {"320500", "330400"} <= set(mc.index)  # 苏州, 嘉兴 (#14 done-when)
    from geoaggl._roadgraph import bundled_arrays

    z = bundled_arrays()
    n = z["lat_e3"].size
    u, v, w = roads._edge_weights()
    t = w["travel_time"]
    csr = sp.csr_matrix((np.r_[t, t], (np.r_[u, v], np.r_[v, u])), shape=(n, n))
    lon, lat = z["lon_e3"] / 1000.0, z["lat_e3"] / 1000.0
    c_lon, c_lat = seat(geoaggl.prefectures(), SH)
    node = int(np.argmin(haversine_km(lon, lat, np.full(n, c_lon), np.full(n, c_lat))))
    dist = dijkstra(csr, directed=True, indices=node, limit=3600.0)
    ref, _ = reach_polygon(lon, lat, csr, dist, 3600.0, [node], [(c_lon, c_lat)], 5.0, fill=True)
    assert shapely.symmetric_difference(iso, ref).area <= 1e-9 * ref.area


def test_road_mode_on_a_small_graph_is_the_documented_construction():
    G = tiny_road()
    iso = roads.isochrone(G, (121.47, 31.23), minutes=30, mode="road")
    lon = np.array([121.47, 121.80, 122.30])
    lat = np.full(3, 31.23)
    m = [(lon[b] - lon[a]) * 111_320 * math.cos(math.radians(31.23)) for a, b in [(0, 1), (1, 2)]]
    t = [x / (80 / 3.6) for x in m]
    csr = sp.csr_matrix((np.r_[t, t], ([0, 1, 1, 2], [1, 2, 0, 1])), shape=(3, 3))
    dist = dijkstra(csr, directed=True, indices=0)
    ref, _ = reach_polygon(lon, lat, csr, dist, 1800.0, [0], [(121.47, 31.23)], 5.0, fill=True)
    assert shapely.symmetric_difference(iso, ref).area <= 1e-12


# --------------------------------------------------------------------------- errors
@pytest.mark.parametrize("bad", ["train", "ROAD", None, 1, ["road"]])
def test_bad_mode_is_an_option_error_naming_the_values(bad):
    G = tiny_road()
    for call in (
        lambda: roads.isochrone(G, SH, minutes=10, mode=bad),
        lambda: roads.metropolitan_circle(G, SH, minutes=10, mode=bad),
        lambda: roads.isochrone_rings(G, SH, minutes=[10], mode=bad),
    ):
        with pytest.raises(OptionError, match=r"mode must be one of 'road', 'rail', 'fastest'"):
            call()
    with pytest.raises(OptionError, match="weight"):
        roads.isochrone(G, SH, minutes=10, weight="length", mode="rail")


# --------------------------------------------------------------------------- properties
@settings(max_examples=4, deadline=None)
@given(st.floats(5.0, 45.0))
def test_fastest_area_covers_both_modes(minutes):
    G = tiny_road()
    road, by_rail, both = (area_km2(roads.isochrone(G, SH, minutes=minutes, mode=m)) for m in roads._MODES)
    assert both >= max(road, by_rail) * (1 - 1e-9) - 1e-6


@settings(max_examples=4, deadline=None)
@given(st.floats(5.0, 80.0), st.floats(0.5, 30.0))
def test_rail_area_is_monotone_in_minutes(minutes, extra):
    small = area_km2(roads.isochrone(None, SH, minutes=minutes, mode="rail"))
    large = area_km2(roads.isochrone(None, SH, minutes=minutes + extra, mode="rail"))
    assert large >= small * (1 - 1e-9)


def test_fastest_circle_mode_is_none_beyond_the_budget():
    """Deep fuzz (2026-12-07): pandas 3 stored the documented None as NaN (str dtype)."""
    f = roads.metropolitan_circle(None, "上海", minutes=90, mode="fastest")
    inside = f["seat_inside"].to_numpy()
    assert (~inside).any() and inside.any()
    assert f["mode"].dtype == object
    assert all(v is None for v in f.loc[~inside, "mode"])
    assert set(f.loc[inside, "mode"]) <= {"road", "rail"}
