"""geoaggl.spatial: numbers equal esda's on the same inputs; alignment, missing values, warnings."""

# esda permutes with NumPy's global generator, so the references must seed it the legacy way.
# ruff: noqa: NPY002

from __future__ import annotations

import warnings

import esda
import numpy as np
import pandas as pd
import pytest
from libpysal.graph import Graph

from geoaggl import spatial
from geoaggl._errors import DataError, GeoagglWarning


@pytest.fixture(scope="module")
def lattice() -> tuple[Graph, pd.DataFrame]:
    """A 12 × 12 rook lattice with adcode-like string ids and two columns (one trending)."""
    from libpysal.weights import lat2W

    w = lat2W(12, 12, rook=True)
    ids = np.array([f"{110000 + i:06d}" for i in range(144)], dtype=object)
    base = Graph.from_W(w)
    foc = base.adjacency.index.get_level_values(0).to_numpy(dtype=int)
    nbr = base.adjacency.index.get_level_values(1).to_numpy(dtype=int)
    g = Graph.from_arrays(ids[foc], ids[nbr], base.adjacency.to_numpy())
    rng = np.random.default_rng(7)
    rows = np.repeat(np.arange(12), 12)
    df = pd.DataFrame(
        {"trend": 10 + rows + rng.normal(size=144), "noise": rng.lognormal(size=144)},
        index=pd.Index(ids, name="adcode"),
    )
    return g, df


def _ordered(g: Graph, s: pd.Series) -> np.ndarray:
    return s.reindex(g.unique_ids).to_numpy(dtype=float)


def test_check_equals_esda(lattice):
    g, df = lattice
    shuffled = df.sample(frac=1.0, random_state=3)  # order must not matter
    out = spatial.check(shuffled, {"rook": g}, permutations=99, seed=11)
    assert list(out.columns[:3]) == ["column", "weights", "statistic"]
    assert len(out) == 2 * 3
    for col in ("trend", "noise"):
        y = _ordered(g, df[col])
        np.random.seed(11)
        m = esda.Moran(y, g, permutations=99)
        np.random.seed(11)
        c = esda.Geary(y, g, permutations=99)
        np.random.seed(11)
        gg = esda.G(y, g, permutations=99)
        r = out.set_index(["column", "statistic"]).loc[col]
        refs = (("moran", m, "I", "EI"), ("geary", c, "C", "EC"), ("getis_ord", gg, "G", "EG"))
        for stat, ref, val, exp in refs:
            assert r.loc[stat, "value"] == pytest.approx(getattr(ref, val), rel=1e-12, abs=1e-15)
            assert r.loc[stat, "expected"] == pytest.approx(getattr(ref, exp), rel=1e-12)
            assert r.loc[stat, "z"] == pytest.approx(ref.z_norm, rel=1e-12)
            assert r.loc[stat, "p_norm"] == pytest.approx(ref.p_norm, rel=1e-10, abs=1e-300)
            assert r.loc[stat, "p_sim"] == ref.p_sim
            assert r.loc[stat, "z_sim"] == pytest.approx(ref.z_sim, rel=1e-12)
    trend = out.set_index(["column", "statistic"]).loc[("trend", "moran")]
    assert trend["value"] > 0.5 and trend["p_sim"] == pytest.approx(0.01)


def test_seed_restores_global_state(lattice):
    g, df = lattice
    np.random.seed(5)
    before = np.random.random()
    np.random.seed(5)
    spatial.check(df["trend"], g, permutations=9, seed=1)
    assert np.random.random() == before


def test_two_weights_side_by_side(lattice):
    g, df = lattice
    g2 = Graph.build_knn(np.column_stack([np.arange(144) % 12, np.arange(144) // 12]).astype(float), k=4)
    ids = np.asarray(g.unique_ids)
    g2 = Graph.from_arrays(
        ids[g2.adjacency.index.get_level_values(0).to_numpy(dtype=int)],
        ids[g2.adjacency.index.get_level_values(1).to_numpy(dtype=int)],
        g2.adjacency.to_numpy(),
    )
    out = spatial.check(df, {"rook": g, "knn": g2}, columns=["trend"], permutations=0)
    assert out["weights"].tolist() == ["rook"] * 3 + ["knn"] * 3
    assert out["p_sim"].isna().all()
    y = _ordered(g2, df["trend"])
    assert out.iloc[3]["value"] == pytest.approx(esda.Moran(y, g2, permutations=0).I, rel=1e-12)


def test_missing_values_drop_and_subset(lattice):
    g, df = lattice
    d = df.copy()
    d.iloc[[0, 5], 0] = np.nan
    snapshot = d.copy()
    with pytest.warns(GeoagglWarning, match="2 missing value.*dropped.*subset"):
        out = spatial.check(d, g, columns="trend", permutations=0)
    pd.testing.assert_frame_equal(d, snapshot)  # input untouched
    keep = d.index[d["trend"].notna()]
    sub = g.subgraph(keep)
    ref = esda.Moran(_ordered(sub, d["trend"]), sub, permutations=0)
    assert out.iloc[0]["n"] == 142
    assert out.iloc[0]["value"] == pytest.approx(ref.I, rel=1e-12)


def test_id_mismatch_names_ids(lattice):
    """Each graph is tested on the units it covers; both sides of a mismatch are named (issue 9)."""
    g, df = lattice
    bad = df.rename(index={df.index[0]: "999999"})
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        out = spatial.check(bad, g, permutations=0)
    msgs = [str(r.message) for r in rec]
    assert sum("do not cover 1 unit(s)" in m and "'999999'" in m for m in msgs) == 1  # once, not per column
    assert sum("not in the data" in m and "'110000'" in m for m in msgs) == 1
    assert (out["n"] == 143).all()
    sub = g.subgraph(df.index[1:])
    ref = esda.Moran(_ordered(sub, df["trend"]), sub, permutations=0)
    assert out.iloc[0]["value"] == pytest.approx(ref.I, rel=1e-12)
    disjoint = df.rename(index=lambda k: "x" + k)
    with pytest.raises(DataError, match=r"share 0 unit.*In the data only: 'x110000'.*weights only: '110000'"):
        spatial.check(disjoint, g, permutations=0)


def test_isolates_and_disconnected_warn(prefs):
    g = Graph.build_contiguity(prefs, rook=False)
    y = prefs["seat_lat"]
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        out = spatial.check(y, {"queen": g}, permutations=0)
    msgs = " ".join(str(r.message) for r in rec)
    assert "isolate" in msgs and "disconnected" in msgs
    yy = _ordered(g, y)
    assert out.iloc[0]["value"] == pytest.approx(esda.Moran(yy, g, permutations=0).I, rel=1e-12)
    assert out.iloc[1]["value"] == pytest.approx(esda.Geary(yy, g.to_W(), permutations=0).C, rel=1e-12)


def test_negative_values_skip_g(lattice):
    g, df = lattice
    s = df["trend"] - 30
    with pytest.warns(GeoagglWarning, match="Getis-Ord"):
        out = spatial.check(s, g, permutations=0)
    assert np.isnan(out.set_index("statistic").loc["getis_ord", "value"])


def test_lisa_equals_esda_and_labels(lattice):
    g, df = lattice
    s = df["trend"].iloc[::-1]  # reversed order: output keeps it
    res = spatial.lisa(s, g, permutations=99, seed=3)
    assert res.index.equals(s.index)
    ref = esda.Moran_Local(_ordered(g, s), g, permutations=99, seed=3)
    back = res.reindex(g.unique_ids)
    np.testing.assert_allclose(back["Is"], ref.Is, rtol=1e-12)
    np.testing.assert_array_equal(back["p_sim"], ref.p_sim)
    np.testing.assert_array_equal(back["quadrant"].astype(int), ref.q)
    lab = np.where(
        ref.p_sim <= 0.05, pd.Series(ref.q).map({1: "HH", 2: "LH", 3: "LL", 4: "HL"}), "not significant"
    )
    np.testing.assert_array_equal(back["label"], lab)
    fdr = spatial.lisa(s, g, permutations=99, seed=3, fdr=True)
    assert fdr["significant"].sum() <= res["significant"].sum()
    cut = esda.fdr(ref.p_sim, 0.05)
    assert fdr.reindex(g.unique_ids)["significant"].tolist() == list(ref.p_sim <= cut)


def test_residual_check_per_year(lattice):
    g, df = lattice
    ids = df.index
    idx = pd.MultiIndex.from_product([ids, [2010, 2011]], names=["adcode", "year"])
    rng = np.random.default_rng(0)
    res = pd.Series(rng.normal(size=len(idx)), index=idx, name="r")
    out = spatial.residual_check(res, g, permutations=0)
    assert out.index.tolist() == [2010, 2011] and out.index.name == "year"
    y10 = res.xs(2010, level="year")
    assert out.loc[2010, "I"] == pytest.approx(esda.Moran(_ordered(g, y10), g, permutations=0).I, rel=1e-12)
    cross = spatial.residual_check(y10, g, permutations=0)
    assert cross.index.tolist() == ["all"]


# ------------------------------------------------------------------------------ defects (issue 10)
def _chain(ids: list[str]) -> Graph:
    f = [x for i in range(len(ids) - 1) for x in (ids[i], ids[i + 1])]
    n = [x for i in range(len(ids) - 1) for x in (ids[i + 1], ids[i])]
    return Graph.from_arrays(np.array(f, dtype=object), np.array(n, dtype=object), np.ones(len(f)))


def test_d19_c27_two_units_are_an_error_not_a_p_value():
    g = _chain(["a", "b"])
    y = pd.Series([1.0, 2.0], index=["a", "b"], name="x")
    with pytest.raises(DataError, match="only 2 unit"):
        spatial.check(y, g, permutations=0)
    with pytest.raises(DataError, match="only 2 unit"):
        spatial.lisa(y, g, permutations=9)


def test_c15_c28_permutations_and_seed_validated():
    from geoaggl.errors import ParameterTypeError

    g = _chain(list("abc"))
    y = pd.Series([1.0, 5.0, 2.0], index=list("abc"), name="x")
    with pytest.raises(ParameterTypeError, match="permutations"):
        spatial.check(y, g, permutations=2.5)
    with pytest.raises(ParameterTypeError, match="permutations"):
        spatial.lisa(y, g, permutations=2.5)
    with pytest.raises(DataError, match="seed must be <= 4294967295"):
        spatial.check(y, g, permutations=9, seed=2**40)
    from geoaggl.errors import OptionError

    with pytest.raises(OptionError, match="statistics"):
        spatial.check(y, g, statistics=["moran", "lisa"])


def test_c29_residual_check_bad_time_level():
    g = _chain(list("abc"))
    idx = pd.MultiIndex.from_product([list("abc"), [2010, 2011]])
    r = pd.Series([1.0, -2.0, 0.5, 0.1, 0.3, -0.4], index=idx)
    with pytest.raises(DataError, match="time=5"):
        spatial.residual_check(r, g, time=5, permutations=0)
    ok = spatial.residual_check(r, g, time=1, permutations=0)
    assert ok.index.tolist() == [2010, 2011]


def test_d11_d21_extreme_magnitudes_equal_unit_scale():
    g = _chain(list("abcd"))
    ref = spatial.check(pd.Series([1.0, 3.0, 2.0, 5.0], index=list("abcd"), name="x"), g, permutations=0)
    for scale in (1e300, 1e-300):
        y = pd.Series(np.array([1.0, 3.0, 2.0, 5.0]) * scale, index=list("abcd"), name="x")
        out = spatial.check(y, g, permutations=0)
        cols = ["value", "expected", "z", "p_norm"]
        np.testing.assert_allclose(out[cols].to_numpy(), ref[cols].to_numpy(), rtol=1e-12)


def test_d12_getis_ord_with_one_nonzero_value_warns():
    g = _chain(list("abc"))
    with pytest.warns(GeoagglWarning, match="at most one non-zero value"):
        out = spatial.check(pd.Series([0.0, 0.0, 1.0], index=list("abc"), name="x"), g, permutations=0)
    assert np.isnan(out.set_index("statistic").loc["getis_ord", "value"])


def test_d19_complete_graph_nan_inference_is_warned():
    ids = list("abc")
    f = [a for a in ids for b in ids if a != b]
    n = [b for a in ids for b in ids if a != b]
    g = Graph.from_arrays(np.array(f, dtype=object), np.array(n, dtype=object), np.ones(6))
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        out = spatial.check(pd.Series([1.0, 4.0, 2.0], index=ids, name="x"), g, permutations=0)
    # esda's analytical variance is zero here: no infinite z and no p_norm = 0, but NaN with a warning
    assert out[["z", "p_norm"]].isna().all().all()
    assert out.set_index("statistic").loc["moran", "value"] == pytest.approx(-0.5)
    assert sum("undefined for this graph" in str(r.message) for r in rec) == 3


def test_e2_lisa_seed_leaves_numpy_global_state(lattice):
    g, df = lattice
    np.random.seed(123)
    ref = np.random.random()
    np.random.seed(123)
    a = spatial.lisa(df["trend"], g, permutations=99, seed=7)
    assert np.random.random() == ref
    b = spatial.lisa(df["trend"], g, permutations=99, seed=7)
    pd.testing.assert_frame_equal(a, b)
    via_gen = spatial.lisa(df["trend"], g, permutations=99, seed=np.random.default_rng(1))
    assert len(via_gen) == len(df)


def test_e3_lisa_does_not_share_the_index(lattice):
    g, df = lattice
    s = df["trend"]
    res = spatial.lisa(s, g, permutations=9, seed=0)
    res.index.name = "renamed"
    assert s.index.name == "adcode"


def test_lisa_value_column_keeps_raw_values_when_rescaled(lattice):
    g, df = lattice
    s = df["trend"] * 1e250
    res = spatial.lisa(s, g, permutations=9, seed=0)
    np.testing.assert_array_equal(res["value"].to_numpy(), s.to_numpy())
    ref = spatial.lisa(df["trend"], g, permutations=9, seed=0)
    np.testing.assert_allclose(res["Is"], ref["Is"], rtol=1e-12)


def test_getis_ord_dominated_column_is_nan_with_a_warning_not_inf():
    """Deep fuzz (2026-12-07): subnormal values beside one ordinary value made esda's
    G = sum w y_i y_j / ((sum y)^2 - sum y^2) divide by a cancelled 0: G was inf."""
    import geoaggl
    from geoaggl import weights

    p = geoaggl.prefectures()
    js = p[p.index.str.startswith("32")]
    g = weights.contiguity(js)
    vals = np.full(len(js), 1e-310)
    vals[4] = 44.64
    y = pd.Series(vals, index=js.index, name="v")
    with pytest.warns(GeoagglWarning, match="one value dominates"):
        r = spatial.check(y, g, permutations=9, seed=1)
    row = r.set_index("statistic").loc["getis_ord"]
    assert np.isnan(row["value"]) and np.isnan(row["z"])
    assert np.isfinite(r.set_index("statistic").loc["moran", "value"])  # I and C are still computed
    # an ordinary column is untouched: G equals esda's
    y2 = pd.Series(np.arange(1.0, len(js) + 1), index=js.index, name="w")
    r2 = spatial.check(y2, g, permutations=0, statistics=["getis_ord"])
    assert r2["value"].iloc[0] == esda.G(y2.to_numpy(), g, permutations=0).G
