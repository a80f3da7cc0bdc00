"""``road_model=`` on the bundled road graph and ``roads.road_model()`` (issue #14).

Known answers are derived by hand from the model's formulas (``geoaggl._roadmodel``'s module
docstring): the detour factor :math:`f_e = \\max(1, e^{\\beta\\cdot x_e})`, the speed
:math:`v_e = e^{\\gamma\\cdot z_e}` clipped to 15–110 km/h and the access time
:math:`\\max(0, a_0 + a_1\\log(1 + n))`, *n* counted here independently of the package; shortest
paths are checked against scipy's Dijkstra on the graph's own ``travel_time``.
"""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

from geoaggl import _roadmodel, roads
from geoaggl._roadgraph import FERRY, bundled_arrays
from geoaggl.errors import DataError, OptionError, ParameterTypeError

SHIPPED = _roadmodel.load_params()
#: every unclipped speed x exp(-0.2) (~18 % slower)
SLOW = {"speed": {"const": SHIPPED["speed"]["const"] - 0.2}}
#: a different access time: larger constant, steeper density term
ACCESS = {"access": {"const": SHIPPED["access"]["const"] + 3.0, "dens": 0.4}}
#: mainland seats only (no Hong Kong / Macao border rule involved)
MAINLAND = ["310100", "330100", "320100", "320500", "340100", "110100"]


@pytest.fixture(scope="module")
def seats(prefs):
    return prefs.loc[MAINLAND]


@pytest.fixture(scope="module")
def G_slow():
    return roads.china_highways(road_model=SLOW)


def _n_block(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Bundled graph nodes in the 3 x 3 block of 0.1-degree cells around each point (brute force)."""
    z = bundled_arrays()
    cx, cy = np.floor(z["lon_e3"] / 1000.0 / 0.1), np.floor(z["lat_e3"] / 1000.0 / 0.1)
    out = []
    for x, y in zip(np.floor(lon / 0.1), np.floor(lat / 0.1), strict=True):
        out.append(int(((np.abs(cx - x) <= 1) & (np.abs(cy - y) <= 1)).sum()))
    return np.array(out, float)


def _access(lon: np.ndarray, lat: np.ndarray, coef: dict) -> np.ndarray:
    return np.maximum(0.0, coef["const"] + coef.get("dens", 0.0) * np.log1p(_n_block(lon, lat)))


def _seat_lonlat(seats) -> tuple[np.ndarray, np.ndarray]:
    return seats["seat_lon"].to_numpy(float), seats["seat_lat"].to_numpy(float)


# --------------------------------------------------------------------------- road_model()
def test_road_model_returns_the_shipped_parameters_as_a_fresh_copy():
    m = roads.road_model()
    assert m == SHIPPED
    assert "const" in m["access"] and {"const", "loglen"} <= set(m["speed"])
    m["speed"]["const"] = math.nan
    m["plateau_polygon"][0][0] = 0.0
    m.pop("distance")
    again = roads.road_model()
    assert again == SHIPPED and again is not m and again["speed"] is not m["speed"]


# --------------------------------------------------------------------------- the default
def test_default_equals_explicit_shipped_model_bit_for_bit(seats):
    g = roads.RoadGraph(road_model=roads.road_model())
    assert g.road_model is None and repr(g).endswith("road_model=None)")
    for weight in ("length", "travel_time"):
        a = roads.od_matrix(None, seats, weight=weight)
        b = roads.od_matrix(g, seats, weight=weight)
        assert np.array_equal(a.to_numpy(), b.to_numpy())


def test_shipped_model_evaluated_per_call_equals_the_precomputed_weights():
    """The per-call model path (a JSON key of the shipped parameters) reproduces the shipped weights."""
    key = roads._resolve_model(SLOW, "test")[1]
    shipped_key = key.replace(repr(SLOW["speed"]["const"]), repr(SHIPPED["speed"]["const"]))
    _, _, per_call = roads._edge_weights(None, 90.0, shipped_key)
    _, _, pre = roads._edge_weights()
    for k in ("length", "length_raw", "travel_time"):  # to the last bit or two: numpy's vectorised
        # exp may round differently from the numpy that built the shipped file (2.4: one ulp)
        np.testing.assert_allclose(per_call[k], pre[k], rtol=4e-15, atol=0, err_msg=k)


# --------------------------------------------------------------------------- speed coefficients
def test_speed_const_scales_free_flow_times_as_the_formula_says(G_slow):
    z = bundled_arrays()
    u, v = z["u"].astype(np.int64), z["v"].astype(np.int64)
    raw = z["length_m"].astype(float)
    lon, lat = z["lon_e3"] / 1000.0, z["lat_e3"] / 1000.0
    feat = _roadmodel.edge_features(u, v, raw, lon, lat)
    beta, gamma = SHIPPED["distance"], dict(SHIPPED["speed"], const=SLOW["speed"]["const"])
    lin_old = sum(c * feat[k] for k, c in SHIPPED["speed"].items())
    lin_new = sum(c * feat[k] for k, c in gamma.items())
    inside = (z["connector"] == 0) & (np.exp(lin_new) > 16) & (np.exp(lin_old) < 109) & (raw > 5000)
    checked = 0
    cand = np.flatnonzero(inside)
    for e in cand[np.linspace(0, cand.size - 1, 12).astype(int)]:
        length = round(raw[e] * max(1.0, math.exp(sum(c * feat[k][e] for k, c in beta.items()))))
        v_new = math.exp(sum(c * feat[k][e] for k, c in gamma.items()))  # km/h, inside the clip
        d = G_slow.edges[int(u[e]), int(v[e]), 0]
        assert d["length"] == length  # the distance part is unchanged
        assert d["travel_time"] == pytest.approx(length / (v_new / 3.6), rel=1e-12)
        assert d["speed_kph"] == pytest.approx(v_new, rel=1e-12)
        v_old = math.exp(sum(c * feat[k][e] for k, c in SHIPPED["speed"].items()))
        assert d["travel_time"] / (length / (v_old / 3.6)) == pytest.approx(math.exp(0.2), rel=1e-12)
        checked += 1
    assert checked == 12


def test_networkx_graph_stamps_the_model_and_is_recognised(G_slow, seats):
    assert G_slow.graph["geoaggl"]["road_model"] == SLOW
    g = roads.RoadGraph(road_model=SLOW)
    assert roads._from_networkx(G_slow, "travel_time") is g._compact()  # the same compact arrays
    a = roads.od_matrix(G_slow, seats, weight="travel_time")
    b = roads.od_matrix(g, seats, weight="travel_time")
    assert np.array_equal(a.to_numpy(), b.to_numpy())


def test_custom_speeds_replay_the_precomputed_core_and_equal_scipy_dijkstra(G_slow, seats):
    from geoaggl import _odkernel

    g = roads.RoadGraph(road_model=SLOW)
    comp = g._compact()
    shipped = roads._bundled_core(roads.RoadGraph()._compact(), "travel_time")
    core = roads._bundled_core(comp, "travel_time")  # the shipped file holds other weights
    if _odkernel.available():  # replayed with these weights; without the kernel: reduced per call
        assert core is not None and core is not shipped and not np.array_equal(core.up_out, shipped.up_out)
    else:
        assert core is None
    assert roads._bundled_core(comp, "length") is not None  # lengths unchanged: the core applies
    od = roads.od_matrix(g, seats, weight="travel_time")
    # scipy's Dijkstra on the networkx graph's own travel_time (seconds), nearest nodes by brute force
    n = G_slow.number_of_nodes()
    t, h, w = zip(*((a, b, d) for a, b, d in G_slow.edges(data="travel_time")), strict=True)
    csr = sp.csr_matrix((np.array(w), (np.array(t), np.array(h))), shape=(n, n))
    nlon = np.array([G_slow.nodes[i]["x"] for i in range(n)])
    nlat = np.array([G_slow.nodes[i]["y"] for i in range(n)])
    lon, lat = _seat_lonlat(seats)
    coslat = np.cos(np.radians(lat))
    nodes = [
        int(np.argmin((nlon - x) ** 2 * c**2 + (nlat - y) ** 2))
        for x, y, c in zip(lon, lat, coslat, strict=True)
    ]
    ref = dijkstra(csr, indices=nodes)[:, nodes] / 60.0
    acc = _access(lon, lat, SHIPPED["access"])
    ref = ref + acc[:, None] + acc[None, :]
    np.fill_diagonal(ref, 0.0)
    np.testing.assert_allclose(od.to_numpy(), ref, rtol=1e-12)
    slower = od.to_numpy() > roads.od_matrix(None, seats, weight="travel_time").to_numpy()
    assert slower[~np.eye(len(seats), dtype=bool)].all()


# --------------------------------------------------------------------------- access coefficients
def test_custom_access_changes_od_times_by_the_access_difference_at_both_ends(seats):
    lon, lat = _seat_lonlat(seats)
    delta = _access(lon, lat, ACCESS["access"]) - _access(lon, lat, SHIPPED["access"])
    assert (np.abs(delta) > 0.5).all()
    base = roads.od_matrix(None, seats, weight="travel_time").to_numpy()
    got = roads.od_matrix(roads.RoadGraph(road_model=ACCESS), seats, weight="travel_time").to_numpy()
    want = base + delta[:, None] + delta[None, :]
    np.fill_diagonal(want, 0.0)
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-9)
    lengths = roads.od_matrix(roads.RoadGraph(road_model=ACCESS), seats, weight="length")
    assert np.array_equal(lengths.to_numpy(), roads.od_matrix(None, seats).to_numpy())  # no access in km


def test_custom_access_in_the_centre_and_seat_times_of_a_metropolitan_circle(prefs):
    lon, lat = 121.47, 31.23
    g = roads.RoadGraph(road_model=ACCESS)
    want = _access(np.array([lon]), np.array([lat]), ACCESS["access"])[0]
    assert roads._road_access0(g, lon, lat) == pytest.approx(want, rel=1e-12)
    units = prefs.loc[["310100", "320500", "330400", "320600"]]
    a = roads.metropolitan_circle(None, "310100", minutes=120, units=units)
    b = roads.metropolitan_circle(g, "310100", minutes=120, units=units)
    s_lon, s_lat = _seat_lonlat(units)
    c = units.index.get_loc("310100")
    d = _access(s_lon, s_lat, ACCESS["access"]) - _access(s_lon, s_lat, SHIPPED["access"])
    want_min = a["minutes"].to_numpy() + d[c] + d
    want_min[c] = 0.0
    np.testing.assert_allclose(b["minutes"].to_numpy(), want_min, rtol=0, atol=1e-9)


def test_speed_kph_with_a_road_model_replaces_only_the_speeds(seats):
    longer = {"distance": {"const": SHIPPED["distance"]["const"] + 0.1}}
    g = roads.RoadGraph(speed_kph=80, road_model=longer)
    w = g._compact().weights
    road = np.r_[bundled_arrays()["connector"], bundled_arrays()["connector"]] == 0
    np.testing.assert_allclose(w["travel_time"][road], w["length"][road] / (80 / 3.6), rtol=1e-15)
    base = roads.RoadGraph(speed_kph=80)._compact().weights["length"]
    assert (w["length"] >= base).all() and (w["length"][road] > base[road]).mean() > 0.9
    km = roads.od_matrix(g, seats).to_numpy()
    minutes = roads.od_matrix(g, seats, weight="travel_time").to_numpy()
    np.testing.assert_allclose(minutes, km / 80 * 60, rtol=1e-12)  # no access time, no ferry here
    assert roads._access_params(g) is None


def test_ferry_keeps_its_time_under_a_custom_model():
    z = bundled_arrays()
    w = roads.RoadGraph(road_model=SLOW, ferry_minutes=75)._compact().weights["travel_time"]
    assert (w[: z["u"].size][z["connector"] == FERRY] == 75 * 60).all()


# --------------------------------------------------------------------------- errors and copies
@pytest.mark.parametrize("make", [roads.RoadGraph, roads.china_highways])
@pytest.mark.parametrize(
    ("bad", "error", "words"),
    [
        ({"sped": {"const": 4.5}}, OptionError, ["'sped'", "'speed'", "'access'"]),
        ({"speed": {"konst": 4.5}}, OptionError, ["'konst'", "'const'", "'loglen'"]),
        ({"access": {"loglen": 1.0}}, OptionError, ["'loglen'", "'dens'"]),
        ({"speed": {"const": math.nan}}, DataError, ["road_model['speed']['const']", "NaN"]),
        ({"distance": {"dens": math.inf}}, DataError, ["road_model['distance']['dens']"]),
        ({"speed": {"const": "4.5"}}, ParameterTypeError, ["road_model['speed']['const']"]),
        ({"speed": {"const": True}}, ParameterTypeError, ["road_model['speed']['const']"]),
        ({"speed": 4.5}, ParameterTypeError, ["road_model['speed']", "mapping"]),
        ("speed", ParameterTypeError, ["road_model", "mapping"]),
        ({"plateau_polygon": [[90, 30], [91, 30]]}, DataError, ["road_model['plateau_polygon']", "3"]),
        (
            {"delta_polygons": [[[1, 2], [3, 4], [5, math.nan]]]},
            DataError,
            ["road_model['delta_polygons'][0][2][1]"],
        ),
    ],
)
def test_bad_road_model_raises_naming_the_key(make, bad, error, words):
    with pytest.raises(error) as info:
        make(road_model=bad)
    for word in words:
        assert word in str(info.value)


def test_overflowing_coefficients_raise_a_data_error(seats):
    with pytest.raises(DataError, match="distance"):
        roads.od_matrix(roads.RoadGraph(road_model={"distance": {"const": 1e300}}), seats.iloc[:2])
    huge = roads.RoadGraph(road_model={"access": {"const": 1e308, "dens": 1e308}})
    with pytest.raises(DataError, match="access"):
        roads.od_matrix(huge, seats.iloc[:2], weight="travel_time")


def test_the_callers_mapping_is_not_mutated_nor_shared():
    given = {"speed": {"const": 4.5}, "access": {"dens": -0.3}, "fit": {"note": "mine"}}
    before = copy.deepcopy(given)
    g = roads.RoadGraph(road_model=given)
    assert given == before
    assert g.road_model == {"speed": {"const": 4.5}, "access": {"dens": -0.3}}  # 'fit' is descriptive
    g.road_model["speed"]["const"] = 1.0  # a copy: the handle keeps its model
    given["speed"]["const"] = 1.0
    assert g.road_model == {"speed": {"const": 4.5}, "access": {"dens": -0.3}}
    assert "road_model={'speed': {'const': 4.5}, 'access': {'dens': -0.3}}" in repr(g)


def test_a_model_edited_from_road_model_is_merged_and_repr_shows_the_change():
    m = roads.road_model()
    m["speed"]["const"] = 4.5
    g = roads.RoadGraph(road_model=m)
    assert g.road_model == {"speed": {"const": 4.5}}
    assert roads.RoadGraph(road_model={"speed": {"const": 4.5}})._model_key == g._model_key
    # the caller's order of coefficients does not matter (the model sums them in its own order)
    a = roads.RoadGraph(road_model={"access": {"dens": -0.3, "const": 12.0}})
    b = roads.RoadGraph(road_model={"access": {"const": 12.0, "dens": -0.3}})
    assert a._model_key == b._model_key
