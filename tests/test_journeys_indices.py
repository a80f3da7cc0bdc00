"""Journeys: ``agglomerations(scheme)`` -> every index that takes a membership table, and the
#10 defects of indices / inequality / efficiency, each from its reproducer.

Shipped data with default arguments: the membership of ``agglomerations("national11")`` and
``("coagglomeration8")`` lists 邯郸 (130400) and 邢台 (130500) under 京津冀 and 中原, and 运城
(140800) under 中原 and 关中平原.  Merging it into a yearbook-shaped table (one row per city
and year) therefore lists them twice.  ``duplicates="both"`` (default) must equal computing on
that table as it is (the duplicate rows kept explicitly), ``"first"`` must equal dropping their
second listing, ``"raise"`` must raise; each warns once naming the three cities.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import geoaggl
from geoaggl import datasets, efficiency, indices, inequality
from geoaggl.errors import (
    DataError,
    DataWarning,
    DuplicateMembershipWarning,
    OptionError,
    ParameterTypeError,
)

TWICE = {"130400", "130500", "140800"}
SERVICES = [
    "交通运输、仓储和邮政业",
    "信息传输、计算机服务和软件业",
    "金融业",
    "房地产业",
    "租赁和商务服务业",
    "科学研究、技术服务和地质勘查业",
]
MANUF = ["采矿业", "制造业", "电力、燃气及水的生产和供应业"]


def _merged(scheme: str = "national11") -> pd.DataFrame:
    """The synthetic yearbook re-joined with the scheme's membership table (duplicates included)."""
    yb = datasets.synthetic_yearbook(scheme=scheme).drop(columns=["agglomeration", "central"])
    members = geoaggl.agglomerations(scheme)[["adcode", "agglomeration", "central"]]
    return yb.merge(members, on="adcode")


def _first_only(df: pd.DataFrame) -> pd.DataFrame:
    """Drop every listing of a city after the first agglomeration it appears under (table order)."""
    first = df.drop_duplicates("adcode").set_index("adcode")["agglomeration"]
    return df[df["agglomeration"].to_numpy() == first.reindex(df["adcode"]).to_numpy()]


def _one_warning(record: list[warnings.WarningMessage]) -> str:
    dup = [w for w in record if issubclass(w.category, DuplicateMembershipWarning)]
    assert len(dup) == 1, [str(w.message) for w in record]
    msg = str(dup[0].message)
    for code in TWICE:
        assert code in msg
    return msg


@pytest.fixture(scope="module")
def merged() -> pd.DataFrame:
    df = _merged()
    assert set(df.loc[df.duplicated(["adcode", "year"]), "adcode"]) == TWICE  # the premise
    return df


# --------------------------------------------------------------------------- Dagum


def _manual_panel(df: pd.DataFrame) -> pd.DataFrame:
    """Per-year DagumGini on plain arrays (no unit column, so no policy): the explicit reference."""
    rows = {
        y: inequality.dagum_gini(g["hgdp"].to_numpy(), g["agglomeration"].to_numpy())
        .summary(wide=True)
        .iloc[0]
        for y, g in df.groupby("year")
    }
    return pd.DataFrame(rows).T


def test_dagum_panel_both_counts_twice_and_warns(merged: pd.DataFrame) -> None:
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        out = inequality.dagum_gini_panel(merged, value="hgdp", group="agglomeration", time="year")
    msg = _one_warning(rec)
    assert "邯郸" in msg and "运城" in msg
    ref = _manual_panel(merged)
    np.testing.assert_allclose(out[ref.columns].to_numpy(), ref.to_numpy(), rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(out["G"], out["Gw"] + out["Gnb"] + out["Gt"], rtol=1e-13)
    # counted twice: 中原 has its 3 shared cities in every year
    assert len(merged[(merged.year == 2010) & (merged.agglomeration == "中原")]) == len(
        geoaggl.agglomerations("national11").query("agglomeration == '中原'")
    )


def test_dagum_panel_first_and_raise(merged: pd.DataFrame) -> None:
    with pytest.warns(DuplicateMembershipWarning, match="first"):
        first = inequality.dagum_gini_panel(
            merged, value="hgdp", group="agglomeration", time="year", duplicates="first"
        )
    ref = _manual_panel(_first_only(merged))
    np.testing.assert_allclose(first[ref.columns].to_numpy(), ref.to_numpy(), rtol=1e-13, atol=1e-15)
    both = inequality.dagum_gini_panel(
        merged.drop(columns="adcode"), value="hgdp", group="agglomeration", time="year"
    )  # no unit column: rows are units, no policy
    assert not np.allclose(first["Gw"], both["Gw"])
    with pytest.raises(DataError, match="130400"):
        inequality.dagum_gini_panel(
            merged, value="hgdp", group="agglomeration", time="year", duplicates="raise"
        )
    with pytest.raises(OptionError, match="duplicates must be one of"):
        inequality.dagum_gini_panel(
            merged, value="hgdp", group="agglomeration", time="year", duplicates="twice"
        )


def test_dagum_panel_same_group_twice_is_an_error(merged: pd.DataFrame) -> None:
    """C1's contract: a table appended twice within one group is still an error."""
    twice = pd.concat([merged, merged.iloc[[0]]], ignore_index=True)
    with pytest.raises(DataError, match=r"duplicated \(adcode, year\) rows within one group"):
        inequality.dagum_gini_panel(twice, value="hgdp", group="agglomeration", time="year")


def test_dagum_coagglomeration8_from_lq(recwarn: pytest.WarningsRecorder) -> None:
    """Chen & Wang's chain: LQ on the yearbook -> co-agglomeration -> merge membership -> Dagum."""
    yb = datasets.synthetic_yearbook(scheme="coagglomeration8")
    lq_m = indices.location_quotient(yb, "制造业", total="合计")
    lq_s = indices.location_quotient(yb, SERVICES, total="合计")
    yb = yb.assign(co=indices.coagglomeration(lq_m, lq_s)).drop(columns=["agglomeration", "central"])
    df = yb.merge(geoaggl.agglomerations("coagglomeration8")[["adcode", "agglomeration"]], on="adcode")
    out = inequality.dagum_gini_panel(df, value="co", group="agglomeration", time="year")
    _one_warning(recwarn.list)
    rows = {
        y: inequality.dagum_gini(g["co"].to_numpy(), g["agglomeration"].to_numpy()).G
        for y, g in df.groupby("year")
    }
    np.testing.assert_allclose(out["G"].to_numpy(), list(rows.values()), rtol=1e-13)


def test_dagum_gini_series_indexed_by_adcode() -> None:
    y = pd.Series([1.0, 2.0, 3.0, 4.0, 6.0], index=pd.Index(["a", "b", "b", "c", "d"], name="adcode"))
    g = pd.Series(list("XXYYY"), index=y.index)
    with pytest.warns(DuplicateMembershipWarning, match="'?b'? \\(X & Y\\)"):
        both = inequality.dagum_gini(y, g)
    assert both.G == pytest.approx(inequality.dagum_gini(y.to_numpy(), g.to_numpy()).G, rel=1e-15)
    with pytest.warns(DuplicateMembershipWarning):
        first = inequality.dagum_gini(y, g, duplicates="first")
    ref = inequality.dagum_gini([1.0, 2.0, 4.0, 6.0], list("XXYY"))
    assert first.G == pytest.approx(ref.G, rel=1e-15) and first.Gw == pytest.approx(ref.Gw, rel=1e-15)


def test_sigma_convergence_duplicates(merged: pd.DataFrame) -> None:
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        both = inequality.sigma_convergence(merged, value="hgdp", time="year", group="agglomeration")
    _one_warning(rec)
    ref = inequality.sigma_convergence(
        merged.drop(columns="adcode"), value="hgdp", time="year", group="agglomeration"
    )
    pd.testing.assert_frame_equal(both.sigma, ref.sigma)
    with pytest.warns(DuplicateMembershipWarning):
        first = inequality.sigma_convergence(
            merged, value="hgdp", time="year", group="agglomeration", duplicates="first"
        )
    ref = inequality.sigma_convergence(
        _first_only(merged).drop(columns="adcode"), value="hgdp", time="year", group="agglomeration"
    )
    pd.testing.assert_frame_equal(first.sigma, ref.sigma)


# --------------------------------------------------------------------------- indices


def _div(df: pd.DataFrame, **kw: object) -> pd.Series:
    return indices.division_of_labour(
        df, services=SERVICES, manufacturing=MANUF, group="agglomeration", central="central", **kw
    )


def test_division_of_labour_duplicates(merged: pd.DataFrame) -> None:
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        both = _div(merged)
    _one_warning(rec)
    assert both.index.equals(merged.index) and both.notna().all()
    # "both" = each UA computed on its own rows, shared cities included
    zy = merged[(merged.agglomeration == "中原") & (merged.year == 2012)]
    alone = _div(zy.reset_index(drop=True))
    np.testing.assert_allclose(both.loc[zy.index].to_numpy(), alone.to_numpy(), rtol=1e-14)
    with pytest.warns(DuplicateMembershipWarning):
        first = _div(merged, duplicates="first")
    kept = _first_only(merged)
    assert first.loc[kept.index].notna().all() and first.drop(kept.index).isna().all()
    np.testing.assert_allclose(first.loc[kept.index].to_numpy(), _div(kept).to_numpy(), rtol=1e-14)
    with pytest.raises(DataError, match="more than one agglomeration"):
        _div(merged, duplicates="raise")


def test_disparity_duplicates(merged: pd.DataFrame) -> None:
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        both = indices.disparity(merged, value="hgdp", group="agglomeration", central="central")
    _one_warning(rec)
    row = merged.index[(merged.adcode == "140800") & (merged.year == 2015)]
    assert len(row) == 2
    for i in row:  # 运城's gap to the centres of each of its two UAs
        ua = merged.at[i, "agglomeration"]
        centre = merged[(merged.agglomeration == ua) & merged.central & (merged.year == 2015)]["hgdp"].mean()
        assert both[i] == pytest.approx(centre - merged.at[i, "hgdp"], rel=1e-13)
    with pytest.warns(DuplicateMembershipWarning):
        first = indices.disparity(
            merged, value="hgdp", group="agglomeration", central="central", duplicates="first"
        )
    kept = _first_only(merged)
    ref = indices.disparity(kept, value="hgdp", group="agglomeration", central="central")
    pd.testing.assert_series_equal(first.loc[kept.index], ref)
    assert first.drop(kept.index).isna().all()


def test_integration_and_mono_duplicates(merged: pd.DataFrame) -> None:
    spec = {"hgdp": ("econ", "+"), "edu": ("public", "+"), "fdi": ("open", "-")}
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        both = indices.integration_index(merged, indicators=spec, group="agglomeration")
    _one_warning(rec)
    assert both.n_cities.loc[("中原", 2010)] == (merged.query("year == 2010").agglomeration == "中原").sum()
    with pytest.warns(DuplicateMembershipWarning):
        first = indices.integration_index(merged, indicators=spec, group="agglomeration", duplicates="first")
    ref = indices.integration_index(_first_only(merged), indicators=spec, group="agglomeration")
    pd.testing.assert_frame_equal(first.K, ref.K)
    pd.testing.assert_series_equal(first.overall, ref.overall)

    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        mono = indices.mono_index_by_group(merged, value="population", group="agglomeration")
    _one_warning(rec)
    assert mono.loc[("京津冀", 2010), "n"] == (merged.query("year == 2010").agglomeration == "京津冀").sum()
    with pytest.warns(DuplicateMembershipWarning):
        mfirst = indices.mono_index_by_group(
            merged, value="population", group="agglomeration", duplicates="first"
        )
    mref = indices.mono_index_by_group(_first_only(merged), value="population", group="agglomeration")
    pd.testing.assert_frame_equal(mfirst, mref)
    assert mfirst.loc[("京津冀", 2010), "n"] == mono.loc[("京津冀", 2010), "n"] - 2


def test_krugman_duplicates(merged: pd.DataFrame) -> None:
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        k = indices.krugman_specialization(merged, group="agglomeration", sectors=SERVICES + MANUF)
    _one_warning(rec)
    assert k.notna().all() and ((k >= 0) & (k <= 2)).all()


def test_same_city_year_twice_in_one_group_is_c1_error(merged: pd.DataFrame) -> None:
    twice = pd.concat([merged, merged.iloc[[5]]], ignore_index=True)
    with pytest.raises(DataError, match=r"duplicated \(adcode, year\) rows within one group"):
        _div(twice)
    with pytest.raises(DataError, match="duplicated"):
        indices.mono_index_by_group(twice, value="population", group="agglomeration")


# --------------------------------------------------------------------------- #10 defects


def test_c1_duplicated_adcode_year_is_a_data_error() -> None:
    df = pd.DataFrame(
        {"adcode": ["110100", "110100"], "year": [2015, 2015], "m": [1.0, 2.0], "tot": [5.0, 6.0]}
    )
    with pytest.raises(DataError, match=r"duplicated \(adcode, year\) rows: \('110100', 2015\)"):
        indices.location_quotient(df, "m", total="tot")
    df = pd.DataFrame(
        {"a": [1.0, 2.0, 3.0], "b": [2.0, 1.0, 1.0], "ua": "X"},
        index=pd.MultiIndex.from_tuples([("110100", 2015), ("110100", 2015), ("120100", 2015)]),
    )
    with pytest.raises(DataError, match=r"\('110100', 2015\)"):
        indices.krugman_specialization(df, group="ua", sectors=["a", "b"])


def test_c2_integration_index_empty_table() -> None:
    df = pd.DataFrame({"x": pd.Series([], dtype=float), "ua": pd.Series([], dtype=str)})
    with pytest.raises(DataError, match="no rows"):
        indices.integration_index(df, indicators={"x": ("econ", "+")}, group="ua")


def test_c3_d2_dagum_near_float_max() -> None:
    r = inequality.dagum_gini([1e308, 1e308, 1.0, 2.0], ["A", "A", "B", "B"])
    assert r.G == pytest.approx(0.5, rel=1e-12) and r.G == pytest.approx(r.Gw + r.Gnb + r.Gt, rel=1e-15)
    df = pd.DataFrame({"v": [1e307, 9e307, 1e307, 5e307], "ua": list("AABB"), "year": 2010})
    out = inequality.dagum_gini_panel(df, value="v", group="ua", time="year")
    ref = inequality.dagum_gini([1.0, 9.0, 1.0, 5.0], list("AABB"))
    for c in ("G", "Gw", "Gnb", "Gt"):
        assert out.loc[2010, c] == pytest.approx(getattr(ref, c), rel=1e-13)
    assert r.mean["A"] == 1e308 and np.isfinite(r.mu)


def test_c4_tuple_group_labels_in_a_list() -> None:
    r = inequality.dagum_gini([1.0, 2.0, 3.0, 4.0], [("t", 1), ("t", 2), "u", "u"])
    assert len(r.groups) == 3 and r.G == pytest.approx(0.25)  # Σ|yi-yj| = 20, 2·16·2.5 = 80
    r = inequality.dagum_gini([1.0, 2.0, 3.0, 4.0], [("t", 1), ("t", 1), ("u", 2), ("u", 2)])
    assert list(r.groups) == [("t", 1), ("u", 2)]
    with pytest.raises(ParameterTypeError):
        inequality.dagum_gini(5.0, ["a"])  # type: ignore[arg-type]


def test_c5_bootstrap_seed_checked_and_private() -> None:
    r = inequality.dagum_gini([1.0, 2.0, 3.0, 4.0], list("AABB"))
    with pytest.raises(ParameterTypeError, match="seed"):
        r.bootstrap(10, seed=1.5)  # type: ignore[arg-type]
    with pytest.raises(DataError, match="seed"):
        r.bootstrap(10, seed=-1)
    with pytest.raises(ParameterTypeError, match="n_boot must be an integer"):
        r.bootstrap(2.5)  # type: ignore[arg-type]
    state = np.random.get_state()[1].copy()  # noqa: NPY002
    a, b = r.bootstrap(50, seed=3), r.bootstrap(50, seed=3)
    pd.testing.assert_frame_equal(a.replicates, b.replicates)
    assert (np.random.get_state()[1] == state).all()  # noqa: NPY002


def test_d1_overflow_is_an_error_or_exact() -> None:
    with pytest.raises(DataError, match=r"float range.*110100"):
        indices.transport(pd.Series({"110100": 1e200}), pd.Series({"110100": 1e200}))
    df = pd.DataFrame({"year": [2000, 2000, 2001, 2001], "v": [1e306, 3e306, 2e306, 5e306]})
    sig = inequality.sigma_convergence(df, value="v", time="year").sigma["overall"]
    np.testing.assert_allclose(sig.to_numpy(), [0.5, 3 / 7], rtol=1e-14)  # sd/mean of (1,3), (2,5)
    df = pd.DataFrame({"x": [1e200, 3e200, 2e200, 5e200], "ua": list("AABB")})
    ii = indices.integration_index(df, indicators={"x": ("e", "+")}, group="ua")
    np.testing.assert_allclose(ii.cv["x"].to_numpy(), [0.5, 3 / 7], rtol=1e-14)
    assert np.isfinite(ii.overall).all()


def test_d3_subnormal_inputs_match_rescaled() -> None:
    y = np.array([1, 2, 9, 3, 7, 30, 31, 2, 5, 4]) * 5e-324
    g = list("AAABBBBCCC")
    r, ref = inequality.dagum_gini(y, g), inequality.dagum_gini(np.ldexp(y, 1000), g)
    for c in ("G", "Gw", "Gnb", "Gt"):
        assert getattr(r, c) == pytest.approx(getattr(ref, c), rel=1e-14)


def test_d4_djh_from_definition_near_equal_means() -> None:
    eps = np.finfo(float).eps
    y = 1.0 + eps * np.array([0, 4, 1, 2, 3, 0, 4, 1])
    r = inequality.dagum_gini(y, list("AAAABBBB"))
    a, b = y[:4], y[4:]
    d = np.maximum(a[:, None] - b[None, :], 0).mean()
    p = np.maximum(b[:, None] - a[None, :], 0).mean()
    assert r.Djh.loc["A", "B"] == pytest.approx(abs(d - p) / (d + p), rel=1e-12)  # 1/7
    assert r.Djh.loc["A", "B"] == pytest.approx(1 / 7, rel=1e-12)
    assert (r.pairs["Djh"] >= 0).all()


def test_d5_bootstrap_invalid_replicates_warned() -> None:
    r = inequality.dagum_gini([0.0, 0.0, 0.0, 5.0, 1.0, 2.0, 3.0, 4.0], list("AAAABBBB"))
    with pytest.warns(DataWarning, match="53 of 200 replicates"):
        b = r.bootstrap(200, seed=0)
    assert b.n_invalid == 53 == int(b.replicates["Gw"].isna().sum())
    assert np.isfinite(b.ci.loc["Gw", ["lower", "upper"]]).all()


def test_c12_c17_d15_capital_stock_parameters() -> None:
    inv = pd.Series([100.0, 110.0, 120.0], index=pd.MultiIndex.from_product([["110100"], [2000, 2001, 2002]]))
    with pytest.raises(DataError, match="growth must be a number, got NaN"):
        efficiency.capital_stock(inv, growth=float("nan"))
    with pytest.raises(DataError, match="growth must be finite"):
        efficiency.capital_stock(inv, growth=float("inf"))
    with pytest.raises(ParameterTypeError, match="growth"):
        efficiency.capital_stock(inv, growth="abc")  # type: ignore[arg-type]
    with pytest.raises(ParameterTypeError, match="delta"):
        efficiency.capital_stock(inv, delta=None)  # type: ignore[arg-type]
    with pytest.raises(DataError, match="delta"):
        efficiency.capital_stock(inv, delta=1.0)
    with pytest.raises(DataError, match=r"growth\['110100'\]"):
        efficiency.capital_stock(inv, growth={"110100": float("nan")})
    k = efficiency.capital_stock(inv, growth=0.1, delta=0.1)["capital_stock"]
    np.testing.assert_allclose(k.to_numpy(), [500.0, 560.0, 624.0])  # 100/0.2; 500·0.9+110; 560·0.9+120


def test_c18_sbm_extreme_span_is_a_data_error() -> None:
    x = pd.DataFrame({"x": [5e-324, 1e300, 2e300]}, index=list("abc"))
    y = pd.DataFrame({"y": [1e300, 2e300, 3e300]}, index=list("abc"))
    with pytest.raises(DataError, match=r"'x'.*span more than 12 orders"):
        efficiency.sbm(x, y)


def test_excess_sums_k30_single_and_batched_match_naive() -> None:
    """#12: the single-sample path (einsum, no BLAS) and the batched path agree with the definition."""
    from geoaggl._sorted_sums import excess_sums

    rng = np.random.default_rng(7)
    n, k = 600, 30
    vals = np.sort(rng.lognormal(size=(3, n)), axis=1)
    codes = rng.integers(0, k, size=(3, n))
    batched = excess_sums(vals, codes, k)
    for b in range(3):
        single = excess_sums(vals[b : b + 1], codes[b : b + 1], k)[0]
        diff = np.maximum(vals[b][:, None] - vals[b][None, :], 0.0)
        onehot = np.eye(k)[codes[b]]
        naive = onehot.T @ diff @ onehot
        np.testing.assert_allclose(single, naive, rtol=1e-12, atol=1e-9)
        np.testing.assert_allclose(batched[b], single, rtol=1e-12, atol=1e-12)
