"""Hong Kong (810000) and Macao (820000) on the bundled road graph (issue #14 item 4).

The graph joins them to the mainland only by the six fixed links of ``boundaries/sar_links.csv``
(published lengths, stated crossing times; built by ``boundaries/build_roads.py``).

Published road distances used below (stored copies of public pages, retrieved 2026-12):

* 香港–深圳 ~50 km: https://luoyanbiji.com/rd/5413.html — "通过陆路交通,如地铁、高速公路等,
  深圳到香港的距离大约为50公里".
* 澳门–广州 145 km: China Daily 2016-10-12,
  http://covid-19.chinadaily.com.cn/china/2016-10/12/content_27032210_2.htm — Macao "is situated
  60km from Hong Kong and 145km from Guangzhou" (the 60 km to Hong Kong is below the seats'
  great-circle distance, 64 km, so it is not a road figure and is not used).

No usable published driving distance was found for 香港–广州 (the pages found give "120 km",
below the seats' 131 km great-circle distance), 澳门–珠海 or 香港–澳门; those pairs are checked
against bounds that follow from the links' published lengths instead.  None of these rows is
added to ``tests/data/drive_reference.csv`` (aggregator pages, not driving-distance quotes).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import geoaggl
from geoaggl import roads
from geoaggl._roadgraph import SAR_LINK, bundled_arrays, haversine_km

HK, MO, SZ, ZH, GZ = "810000", "820000", "440300", "440400", "440100"
HZMB_KM, HZMB_MIN = 41.6, 45.0


@pytest.fixture(scope="module")
def seats() -> pd.DataFrame:
    return geoaggl.prefectures(include_sar=True)


@pytest.fixture(scope="module")
def km(seats: pd.DataFrame) -> pd.DataFrame:
    return roads.od_matrix(None, seats.loc[[HK, MO, SZ, ZH, GZ]])


@pytest.fixture(scope="module")
def minutes(seats: pd.DataFrame) -> pd.DataFrame:
    return roads.od_matrix(None, seats.loc[[HK, MO, SZ, ZH, GZ]], weight="travel_time")


def _gc_km(seats: pd.DataFrame, a: str, b: str) -> float:
    s = seats.loc[[a, b]]
    lon, lat = s["seat_lon"].to_numpy(float), s["seat_lat"].to_numpy(float)
    return float(haversine_km(lon[:1], lat[:1], lon[1:], lat[1:])[0])


def test_sar_seats_are_finite_in_both_weights(km: pd.DataFrame, minutes: pd.DataFrame) -> None:
    assert np.isfinite(km.to_numpy()).all()
    assert np.isfinite(minutes.to_numpy()).all()


@pytest.mark.parametrize("weight", ["length", "travel_time"])
def test_distance_to_centre_gba_members_finite_under_national11(seats: pd.DataFrame, weight: str) -> None:
    mem = geoaggl.agglomerations("national11")
    gba = mem[mem["agglomeration"] == "粤港澳大湾区"]
    assert {HK, MO} <= set(gba["adcode"])
    od = roads.od_matrix(None, seats.loc[gba["adcode"]], weight=weight)
    with warnings.catch_warnings():
        warnings.simplefilter("error", geoaggl.errors.UnreachableWarning)
        d = roads.distance_to_centre(od, gba)
    assert np.isfinite(d.to_numpy()).all()
    assert d[HK] > 0 and d[MO] > 0


def test_distance_to_centre_national11_only_sansha_unreachable(seats: pd.DataFrame) -> None:
    mem = geoaggl.agglomerations("national11")
    od = roads.od_matrix(None, seats.loc[seats.index.intersection(mem["adcode"].unique())])
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        d = roads.distance_to_centre(od, mem)
    assert np.isfinite(d[[HK, MO]]).all()
    unreachable = [w for w in rec if issubclass(w.category, geoaggl.errors.UnreachableWarning)]
    assert not unreachable or all(HK not in str(w.message) and MO not in str(w.message) for w in unreachable)


@pytest.mark.parametrize(
    ("a", "b", "published_km"),
    [
        (HK, SZ, 50.0),  # luoyanbiji.com/rd/5413.html
        (MO, GZ, 145.0),  # China Daily 2016-10-12
    ],
)
def test_published_road_km_within_15pct(km: pd.DataFrame, a: str, b: str, published_km: float) -> None:
    assert km.loc[a, b] == pytest.approx(published_km, rel=0.15)


def test_unsourced_pairs_within_bounds_from_the_links(km: pd.DataFrame, seats: pd.DataFrame) -> None:
    # 香港–澳门 and 香港–珠海 cross the HZMB: at least its 41.6 km plus the seats' great-circle legs
    # to the bridge ends, and far less than the road round the estuary through 广州.
    for b in (MO, ZH):
        assert km.loc[HK, b] >= HZMB_KM + 5.0
        assert km.loc[HK, b] < km.loc[HK, GZ] + km.loc[GZ, b] - 100.0
    # 澳门–珠海: adjacent seats (Gongbei), a short urban trip
    assert _gc_km(seats, MO, ZH) < km.loc[MO, ZH] < 1.6 * _gc_km(seats, MO, ZH) + 5.0
    # 香港–广州: above the great circle, at most the road through 深圳 (Huanggang / Shenzhen Bay)
    assert 1.02 * _gc_km(seats, HK, GZ) < km.loc[HK, GZ] <= km.loc[HK, SZ] + km.loc[SZ, GZ] + 1e-9
    assert km.loc[HK, GZ] < 1.5 * _gc_km(seats, HK, GZ)


def test_sar_links_have_their_stated_lengths_and_times() -> None:
    z = bundled_arrays()
    names = {str(n): int(e) for e, n in zip(z["link_edge"], z["link_name"], strict=True)}
    sar = np.flatnonzero(z["connector"] == SAR_LINK)
    assert sar.size == 6
    assert set(sar) == {
        e
        for n, e in names.items()
        if "(" in n
        and n.rsplit("(", 1)[1].rstrip(")")
        in {"hzmb_hk_zhuhai", "hzmb_hk_macao", "shenzhen_bay", "huanggang", "gongbei", "hengqin"}
    }
    assert (z["fixed_s"][sar] > 0).all() and (np.delete(z["fixed_s"], sar) == -1).all()
    hzmb = [e for n, e in names.items() if "hzmb" in n]
    assert len(hzmb) == 2
    for speed in (None, 60.0):
        _, _, w = roads._edge_weights(speed)
        for e in hzmb:
            assert w["travel_time"][e] == HZMB_MIN * 60.0
            assert w["length"][e] == HZMB_KM * 1000.0  # published length, no detour correction
        np.testing.assert_array_equal(w["travel_time"][sar], z["fixed_s"][sar].astype(float))
    expected = {
        "shenzhen_bay": (5.5, 10.0),
        "huanggang": (0.9, 0.9 / 50 * 60 + 10),
        "gongbei": (0.3, 0.3 / 50 * 60 + 10),
        "hengqin": (1.756, 1.756 / 50 * 60 + 10),
    }
    for link, (lk_km, lk_min) in expected.items():
        e = next(e for n, e in names.items() if n.endswith(f"({link})"))
        assert z["length_m"][e] == round(lk_km * 1000)
        assert z["fixed_s"][e] == round(lk_min * 60)


def test_hzmb_networkx_arc_carries_the_stated_time() -> None:
    z = bundled_arrays()
    e = next(int(e) for e, n in zip(z["link_edge"], z["link_name"], strict=True) if "hzmb_hk_macao" in str(n))
    G = roads.china_highways()
    a, b = int(z["u"][e]), int(z["v"][e])
    attrs = G.edges[a, b, 0]
    assert attrs["travel_time"] == HZMB_MIN * 60.0 and attrs["length"] == HZMB_KM * 1000.0
    assert "港珠澳大桥" in attrs["name"]


def test_od_matrix_equals_independent_scipy_dijkstra(seats: pd.DataFrame, km: pd.DataFrame) -> None:
    import scipy.sparse as sp
    from scipy.sparse.csgraph import dijkstra

    z = bundled_arrays()
    n = z["lat_e3"].size
    u, v, w = roads._edge_weights()
    length = w["length"]
    a = sp.coo_matrix((np.r_[length, length], (np.r_[u, v], np.r_[v, u])), shape=(n, n)).tocsr()
    a.sum_duplicates()  # the shipped arrays hold no parallel edges, so nothing is summed
    assert a.nnz == 2 * u.size
    codes = list(km.index)
    lon = seats.loc[codes, "seat_lon"].to_numpy(float)
    lat = seats.loc[codes, "seat_lat"].to_numpy(float)
    # nearest node by great circle (independent of the package's snapping)
    nlon, nlat = z["lon_e3"] / 1000.0, z["lat_e3"] / 1000.0
    nodes = [
        int(np.argmin(haversine_km(nlon, nlat, np.full(n, x), np.full(n, y))))
        for x, y in zip(lon, lat, strict=True)
    ]
    # No transit through a border (the documented rule: fewest border crossings, then shortest),
    # built independently as a layered graph: layer k = k border crossings so far; a border
    # edge leads from layer k to layer k + 1; the distance is the first finite layer's.
    border = z["connector"] == SAR_LINK
    rows, cols, vals = [], [], []
    for k in range(3):
        plain = ~border
        rows += [u[plain] + k * n, v[plain] + k * n]
        cols += [v[plain] + k * n, u[plain] + k * n]
        vals += [length[plain], length[plain]]
        if k < 2:
            rows += [u[border] + k * n, v[border] + k * n]
            cols += [v[border] + (k + 1) * n, u[border] + (k + 1) * n]
            vals += [length[border], length[border]]
    layered = sp.csr_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(3 * n, 3 * n)
    )
    d = dijkstra(layered, directed=True, indices=nodes)
    layers = np.stack([d[:, np.asarray(nodes) + k * n] for k in range(3)])
    first = np.argmax(np.isfinite(layers), axis=0)
    ref = np.take_along_axis(layers, first[None], axis=0)[0] / 1000.0
    np.testing.assert_allclose(km.to_numpy(), ref, rtol=1e-12, atol=1e-6)
    # and the rule matters: without it, 深圳 -> 珠海 would run through Hong Kong
    plain_d = dijkstra(a, directed=False, indices=nodes)[:, nodes] / 1000.0
    assert (plain_d < ref - 1.0).any()


def test_pearl_river_estuary_crossings_are_on_the_graph(seats: pd.DataFrame) -> None:
    """The source lacks the estuary's road crossings (its paths between their ends ran 68-177 km
    round by Guangzhou); the build adds 虎门大桥 15.76 km, 南沙大桥 12.891 km and 深中通道 24 km
    (published lengths; never shorter than the chord between the nodes joined)."""
    z = bundled_arrays()
    names = [str(n) for n in z["link_name"]]
    for key, km_pub in (("Humen Bridge", 15.76), ("Nansha Bridge", 12.891), ("Shenzhen-Zhongshan", 24.0)):
        e = int(z["link_edge"][next(i for i, n in enumerate(names) if key in n)])
        a, b = int(z["u"][e]), int(z["v"][e])
        chord = float(
            haversine_km(
                z["lon_e3"][a] / 1e3, z["lat_e3"][a] / 1e3, z["lon_e3"][b] / 1e3, z["lat_e3"][b] / 1e3
            )
        )
        assert z["connector"][e] == 2
        assert (
            z["length_m"][e] == round(max(km_pub, chord) * 1000)
            or abs(z["length_m"][e] - max(km_pub, chord) * 1000) <= 1
        )
    # 深圳 -> 中山 over the 深中通道: ~24 km of link + both cities' approach roads, once ~210 km
    # round by 广州 on the source graph
    od = roads.od_matrix(None, seats.loc[["442000", SZ]], weight="length_raw")
    assert od.loc[SZ, "442000"] < 110.0


def test_unpenalize_removes_whole_penalties_only() -> None:
    from geoaggl._roadgraph import BORDER_PENALTY as P
    from geoaggl._roadgraph import unpenalize

    d = np.array([[0.0, 5.5, np.inf], [P + 3.25, 2 * P + 1.0, np.nan]])
    before = d.copy()
    np.testing.assert_array_equal(unpenalize(d), [[0.0, 5.5, np.inf], [3.25, 1.0, np.nan]])
    np.testing.assert_array_equal(
        unpenalize(d, max_crossings=1), [[0.0, 5.5, np.inf], [3.25, np.inf, np.nan]]
    )
    np.testing.assert_array_equal(d, before)  # the caller's array is not changed


def test_unpenalize_fortran_ordered_input():
    """A column-major matrix (scipy's dijkstra(...)[:, nodes] is one) was copied by reshape(-1),
    so the penalties stayed in (found 2026-12-07)."""
    from geoaggl._roadgraph import BORDER_PENALTY, unpenalize

    d = np.asfortranarray(np.array([[0.0, BORDER_PENALTY + 5.0], [2 * BORDER_PENALTY + 7.0, np.inf]]))
    for copy in (True, False):
        out = unpenalize(d.copy(order="F"), copy=copy)
        assert out.tolist() == [[0.0, 5.0], [7.0, float("inf")]]
    assert unpenalize(d, max_crossings=1).tolist() == [[0.0, 5.0], [float("inf"), float("inf")]]
    assert d[0, 1] == BORDER_PENALTY + 5.0  # the input is not modified with copy=True
