"""Tests of geoaggl.efficiency: SBM known answers, slacks, invariance, capital stock, ML index."""

from __future__ import annotations

import warnings
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from geoaggl._errors import DataError, GeoagglWarning, UnknownSchemeError
from geoaggl.efficiency import capital_stock, malmquist_luenberger, sbm

# Tone (2003) example (hand-solved VRS scores of nine DMUs)
TONE_IDX = list("ABCDEFGHI")
TONE_X = pd.Series(1.0, index=TONE_IDX, name="x")
TONE_G = pd.Series([1, 2, 6, 8, 9, 5, 4, 6, 4], index=TONE_IDX, name="gdp", dtype=float)
TONE_B = pd.Series([1, 1, 2, 4, 7, 2, 3, 4, 6], index=TONE_IDX, name="so2", dtype=float)
TONE_VRS = [Fraction(2, 3), 1, 1, 1, 1, Fraction(10, 11), Fraction(12, 17), Fraction(4, 5), Fraction(3, 5)]


def _panel(n: int = 12, years: int = 3, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    idx = pd.MultiIndex.from_product(
        [range(100, 100 + n), range(2010, 2010 + years)], names=["adcode", "year"]
    )
    x = pd.DataFrame(rng.lognormal(size=(len(idx), 2)), index=idx, columns=["labour", "capital"])
    g = pd.DataFrame({"gdp": (x.labour**0.4 * x.capital**0.5 * rng.lognormal(0, 0.3, len(idx)))})
    b = pd.DataFrame({"so2": g.gdp * rng.lognormal(0, 0.4, len(idx)), "cod": rng.lognormal(size=len(idx))})
    return x, g, b


def _rho_from_slacks(x: np.ndarray, yg: np.ndarray, yb: np.ndarray, res: pd.DataFrame) -> np.ndarray:
    sx = res.filter(like="slack_in[").to_numpy()
    sg = res.filter(like="slack_good[").to_numpy()
    sb = res.filter(like="slack_bad[").to_numpy()
    num = 1 - (sx / x).mean(axis=1)
    den = 1 + ((sg / yg).sum(axis=1) + (sb / yb).sum(axis=1)) / (yg.shape[1] + yb.shape[1])
    return num / den


# --------------------------------------------------------------------------- SBM


def test_sbm_tone_vrs_known_answer() -> None:
    res = sbm(TONE_X, TONE_G, TONE_B, rts="vrs")
    assert list(res.index) == TONE_IDX
    assert res["efficiency"].to_numpy() == pytest.approx([float(f) for f in TONE_VRS], abs=1e-9)
    assert res["lambda_sum"].to_numpy() == pytest.approx(np.ones(9), abs=1e-9)
    # slacks of the inefficient DMUs (unique here): A short 1 of gdp; I short 4 gdp and 2 so2 in excess
    assert res.loc["A", "slack_good[gdp]"] == pytest.approx(1.0, abs=1e-9)
    assert res.loc["H", ["slack_good[gdp]", "slack_bad[so2]"]].to_numpy() == pytest.approx([0, 2], abs=1e-9)
    assert res.loc["I", ["slack_good[gdp]", "slack_bad[so2]"]].to_numpy() == pytest.approx([4, 2], abs=1e-9)


def test_sbm_crs_tiny_hand_case() -> None:
    # x = 1; P: y=2, b=1 (efficient); Q: y=1, b=1.  Best CRS peer for Q is λ_P = 1/2:
    # s⁻ = 1/2, s^b = 1/2, s^g = 0 → ρ = (1 - 1/2) / (1 + (1/2)(1/2)) = 0.4
    x = pd.Series([1.0, 1.0], index=["P", "Q"], name="x")
    res = sbm(x, pd.Series([2.0, 1.0], index=["P", "Q"]), pd.Series([1.0, 1.0], index=["P", "Q"]))
    assert res["efficiency"].to_numpy() == pytest.approx([1.0, 0.4], abs=1e-9)
    assert res.loc["Q", "lambda_sum"] == pytest.approx(0.5, abs=1e-9)
    assert res.loc["Q", "slack_in[x]"] == pytest.approx(0.5, abs=1e-9)
    # no bad output: Tone's plain SBM, ρ_Q = 1 - 1/2
    res2 = sbm(x, pd.Series([2.0, 1.0], index=["P", "Q"], name="y"))
    assert res2["efficiency"].to_numpy() == pytest.approx([1.0, 0.5], abs=1e-9)
    assert "slack_bad" not in "".join(res2.columns)


def test_sbm_crs_vs_vrs_order_and_bounds() -> None:
    x, g, b = _panel()
    crs = sbm(x, g, b, rts="crs")
    vrs = sbm(x, g, b, rts="vrs")
    for res in (crs, vrs):
        e = res["efficiency"].to_numpy()
        assert np.all(e > 0) and np.all(e <= 1)
        assert (e > 1 - 1e-9).any()
    assert np.all(crs["efficiency"].to_numpy() <= vrs["efficiency"].to_numpy() + 1e-9)


@pytest.mark.parametrize("rts", ["crs", "vrs"])
def test_sbm_slacks_satisfy_constraints(rts: str) -> None:
    x, g, b = _panel(n=15, years=2, seed=3)
    res = sbm(x, g, b, rts=rts)
    X, Y, B = x.to_numpy(), g.to_numpy(), b.to_numpy()
    sx = res.filter(like="slack_in[").to_numpy()
    sg = res.filter(like="slack_good[").to_numpy()
    sb = res.filter(like="slack_bad[").to_numpy()
    assert (sx >= 0).all() and (sg >= 0).all() and (sb >= 0).all()
    # ρ recomputed from the slacks equals the reported efficiency
    assert _rho_from_slacks(X, Y, B, res) == pytest.approx(res["efficiency"].to_numpy(), abs=1e-8)
    # the projection (x - s⁻, y + s^g, b - s^b) lies in the technology: find λ ≥ 0 with
    # Xλ ≤ x - s⁻, Yλ ≥ y + s^g, Bλ ≤ b - s^b (and Σλ = 1 for VRS)
    for o in range(len(X)):
        a_ub = np.vstack([X.T, -Y.T, B.T])
        b_ub = np.concatenate([X[o] - sx[o], -(Y[o] + sg[o]), B[o] - sb[o]]) + 1e-7
        eq = {"A_eq": np.ones((1, len(X))), "b_eq": [1.0]} if rts == "vrs" else {}
        lp = linprog(np.zeros(len(X)), A_ub=a_ub, b_ub=b_ub, method="highs", **eq)
        assert lp.status == 0, o
    # efficient DMUs have zero slacks
    eff = res["efficiency"].to_numpy() > 1 - 1e-9
    assert np.abs(np.hstack([sx, sg, sb])[eff]).max() < 1e-8


def _loop_sbm(x: np.ndarray, yg: np.ndarray, yb: np.ndarray, vrs: bool) -> np.ndarray:
    """Straightforward Charnes–Cooper SBM, one linprog per DMU, no scaling, all peers."""
    n, m = x.shape
    s1, s2 = yg.shape[1], yb.shape[1]
    out = np.empty(n)
    for o in range(n):
        nv = 1 + n + m + s1 + s2
        c = np.zeros(nv)
        c[0] = 1
        c[1 + n : 1 + n + m] = -1 / (m * x[o])
        rows, rhs = [], []
        r = np.zeros(nv)
        r[0] = 1
        r[1 + n + m : 1 + n + m + s1] = 1 / ((s1 + s2) * yg[o])
        r[1 + n + m + s1 :] = 1 / ((s1 + s2) * yb[o])
        rows.append(r)
        rhs.append(1)
        for blk, (data, sgn, off) in enumerate([(x, 1, 0), (yg, -1, m), (yb, 1, m + s1)]):
            del blk
            for i in range(data.shape[1]):
                r = np.zeros(nv)
                r[0] = -data[o, i]
                r[1 : 1 + n] = data[:, i]
                r[1 + n + off + i] = sgn
                rows.append(r)
                rhs.append(0)
        if vrs:
            r = np.zeros(nv)
            r[0] = -1
            r[1 : 1 + n] = 1
            rows.append(r)
            rhs.append(0)
        out[o] = linprog(c, A_eq=np.array(rows), b_eq=rhs, method="highs").fun
    return out


@pytest.mark.parametrize("rts", ["crs", "vrs"])
def test_sbm_matches_plain_per_dmu_loop(rts: str) -> None:
    x, g, b = _panel(n=20, years=2, seed=5)
    res = sbm(x, g, b, rts=rts)
    ref = _loop_sbm(x.to_numpy(), g.to_numpy(), b.to_numpy(), rts == "vrs")
    assert res["efficiency"].to_numpy() == pytest.approx(ref, abs=1e-8)


def test_sbm_per_year_frontier() -> None:
    x, g, b = _panel(n=10, years=3, seed=1)
    res = sbm(x, g, b, rts="vrs", frontier="year")
    assert res.index.equals(x.index)
    for year in (2010, 2011, 2012):
        sub = sbm(x.xs(year, level="year"), g.xs(year, level="year"), b.xs(year, level="year"), rts="vrs")
        got = res.xs(year, level="year")["efficiency"].to_numpy()
        assert got == pytest.approx(sub["efficiency"].to_numpy(), abs=1e-9)
    pooled = sbm(x, g, b, rts="vrs", frontier="pooled")
    assert np.all(pooled["efficiency"].to_numpy() <= res["efficiency"].to_numpy() + 1e-9)
    # time as an array
    res2 = sbm(x, g, b, rts="vrs", frontier="year", time=x.index.get_level_values(1).to_numpy())
    assert res2["efficiency"].to_numpy() == pytest.approx(res["efficiency"].to_numpy(), abs=1e-12)


@settings(max_examples=15, deadline=None)
@given(col=st.integers(0, 1), scale=st.floats(1e-3, 1e3), seed=st.integers(0, 50))
def test_sbm_unit_invariance(col: int, scale: float, seed: int) -> None:
    x, g, b = _panel(n=8, years=1, seed=seed)
    base = sbm(x, g, b, rts="vrs")
    x2 = x.copy()
    x2.iloc[:, col] *= scale
    b2 = b * scale
    res = sbm(x2, g * scale, b2, rts="vrs")
    assert res["efficiency"].to_numpy() == pytest.approx(base["efficiency"].to_numpy(), abs=1e-7)


def test_sbm_does_not_mutate_inputs() -> None:
    x, g, b = _panel(n=6, years=1)
    copies = [x.copy(), g.copy(), b.copy()]
    sbm(x, g, b, rts="vrs")
    for a, c in zip((x, g, b), copies, strict=True):
        pd.testing.assert_frame_equal(a, c)


def test_sbm_bad_input() -> None:
    x, g, b = _panel(n=5, years=1)
    x0 = x.copy()
    x0.iloc[2, 1] = 0.0
    with pytest.raises(DataError, match=r"capital.*> 0.*\(102, 2010\)"):
        sbm(x0, g, b)
    bn = b.copy()
    bn.iloc[0, 0] = -1.0
    with pytest.raises(DataError, match="so2"):
        sbm(x, g, bn)
    gn = g.copy()
    gn.iloc[1, 0] = np.nan
    with pytest.raises(DataError, match="NaN"):
        sbm(x, gn, b)
    with pytest.raises(DataError, match="same index"):
        sbm(x, g.iloc[::-1], b)
    with pytest.raises(UnknownSchemeError):
        sbm(x, g, b, rts="irs")  # type: ignore[arg-type]
    with pytest.raises(UnknownSchemeError):
        sbm(x, g, b, frontier="decade")  # type: ignore[arg-type]
    with pytest.raises(DataError, match="period"):
        sbm(x.droplevel("year"), g.droplevel("year"), b.droplevel("year"), frontier="year")


# --------------------------------------------------------------------------- capital stock


def test_capital_stock_hand_checked_long() -> None:
    idx = pd.MultiIndex.from_tuples(
        [("a", 2001), ("a", 2000), ("a", 2002), ("b", 2000), ("b", 2001)], names=["adcode", "year"]
    )
    inv = pd.Series([110.0, 100.0, 121.0, 40.0, 50.0], index=idx)
    defl = pd.Series({2000: 1.0, 2001: 1.1, 2002: 1.21})
    res = capital_stock(inv, deflator=defl, delta=0.1)
    # a: real investment 100, 100, 100 → g = 0, K0 = 100 / 0.1 = 1000, then 1000 each year
    assert res.loc[("a", 2000)].tolist() == pytest.approx([100.0, 1000.0, 0.0])
    assert res.loc[("a", 2002), "capital_stock"] == pytest.approx(1000.0)
    # b: real 40, 50/1.1 → g = 1.25/1.1 - 1; K0 = 40/(g + 0.1); K1 = 0.9 K0 + 50/1.1
    g = 1.25 / 1.1 - 1
    k0 = 40 / (g + 0.1)
    assert res.loc[("b", 2000), "capital_stock"] == pytest.approx(k0)
    assert res.loc[("b", 2001), "capital_stock"] == pytest.approx(0.9 * k0 + 50 / 1.1)
    assert res.loc[("b", 2001), "growth"] == pytest.approx(g)
    assert res.index.equals(idx)


def test_capital_stock_wide_and_growth_given() -> None:
    wide = pd.DataFrame({"a": [100.0, 120.0, 90.0], "b": [10.0, 10.0, 10.0]}, index=[2000, 2001, 2002])
    res = capital_stock(wide, growth=0.05, delta=0.096)
    k0 = 100 / (0.05 + 0.096)
    k1 = k0 * 0.904 + 120
    assert res["a"].tolist() == pytest.approx([k0, k1, k1 * 0.904 + 90])
    assert res.shape == wide.shape and res.index.equals(wide.index)
    # geometric mean growth: (90/100)^(1/2) - 1
    res2 = capital_stock(wide)
    g = 0.9**0.5 - 1
    assert res2.loc[2000, "a"] == pytest.approx(100 / (g + 0.096))


def test_capital_stock_bad_input() -> None:
    idx = pd.MultiIndex.from_tuples([("a", 2000), ("a", 2002)])
    with pytest.raises(DataError, match="missing years"):
        capital_stock(pd.Series([1.0, 2.0], index=idx))
    idx = pd.MultiIndex.from_tuples([("a", 2000), ("a", 2001)])
    with pytest.raises(DataError, match="> 0"):
        capital_stock(pd.Series([0.0, 2.0], index=idx))
    with pytest.raises(DataError, match=r"growth \+ delta"):
        capital_stock(pd.Series([100.0, 50.0], index=idx), delta=0.1)
    with pytest.raises(DataError, match="deflator"):
        capital_stock(pd.Series([1.0, 2.0], index=idx), deflator=pd.Series({2000: 1.0}))


# --------------------------------------------------------------------------- Malmquist–Luenberger


def _two_dmu() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "adcode": [1, 2, 1, 2],
            "year": [2010, 2010, 2011, 2011],
            "x": [1.0, 1.0, 1.0, 1.0],
            "y": [1.0, 2.0, 2.0, 2.0],
            "b": [1.0, 1.0, 1.0, 1.0],
        }
    )


def test_ml_two_dmu_hand_case() -> None:
    # 2010: DMU1 (x,y,b) = (1,1,1), DMU2 (1,2,1).  D^2010(DMU1): max β with λ2 = 1-β, 2λ2 ≥ 1+β → β = 1/3.
    # 2011: both (1,2,1) → D = 0.  D^2010(DMU1, 2011) = 0, D^2011(DMU1, 2010) = 1/3.
    res = malmquist_luenberger(_two_dmu(), inputs="x", good="y", bad="b", entity="adcode", time="year")
    r1 = res.loc[(1, 2011)]
    assert r1[["D_t_t", "D_t_t1", "D_t1_t", "D_t1_t1"]].to_numpy(float) == pytest.approx(
        [1 / 3, 0, 1 / 3, 0], abs=1e-9
    )
    assert r1[["ML", "MLEC", "MLTC"]].to_numpy(float) == pytest.approx([4 / 3, 4 / 3, 1.0], abs=1e-9)
    assert res.loc[(2, 2011), ["ML", "MLEC", "MLTC"]].to_numpy(float) == pytest.approx([1, 1, 1], abs=1e-9)
    assert res.loc[(1, 2011), "base"] == 2010


def test_ml_partial_catch_up() -> None:
    # DMU1 moves from y = 1 to y = 1.5; DMU2 (1,2,1) defines both frontiers.
    # D^2010(DMU1, 2011): λ2 = 1 - β, 2λ2 ≥ 1.5(1 + β) → β = 1/7; the same against 2011.
    p = _two_dmu()
    p.loc[2, "y"] = 1.5
    res = malmquist_luenberger(p, inputs="x", good="y", bad="b")
    r = res.loc[(1, 2011)]
    assert r[["D_t_t", "D_t_t1", "D_t1_t", "D_t1_t1"]].to_numpy(float) == pytest.approx(
        [1 / 3, 1 / 7, 1 / 3, 1 / 7], abs=1e-9
    )
    assert r[["ML", "MLEC", "MLTC"]].to_numpy(float) == pytest.approx([7 / 6, 7 / 6, 1.0], abs=1e-9)


def test_ml_identity_and_no_change() -> None:
    x, g, b = _panel(n=10, years=3, seed=2)
    panel = pd.concat([x, g, b], axis=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GeoagglWarning)
        res = malmquist_luenberger(panel, inputs=["labour", "capital"], good="gdp", bad=["so2", "cod"])
    ok = res["ML"].notna()
    assert ok.sum() > 0
    prod = (res["MLEC"] * res["MLTC"])[ok].to_numpy()
    assert res.loc[ok, "ML"].to_numpy() == pytest.approx(prod, rel=1e-12)
    assert len(res) == 20
    # nothing changes between periods → ML = MLEC = MLTC = 1
    first = panel.xs(2010, level="year")
    same = pd.concat({2010: first, 2011: first}, names=["year"]).swaplevel().sort_index()
    res2 = malmquist_luenberger(same, inputs=["labour", "capital"], good="gdp", bad=["so2", "cod"])
    assert res2[["ML", "MLEC", "MLTC"]].to_numpy() == pytest.approx(np.ones((10, 3)), abs=1e-9)


def test_ml_infeasible_mixed_period_warns() -> None:
    # 2011 DMU3 uses far less input than anyone in 2010 and has a bad output that 2010 peers cannot
    # shrink to: against the 2010 frontier its LP is infeasible.
    p = pd.DataFrame(
        {
            "adcode": [1, 2, 3, 1, 2, 3],
            "year": [2010] * 3 + [2011] * 3,
            "x": [1.0, 1.0, 1.0, 1.0, 1.0, 0.01],
            "y": [1.0, 2.0, 1.5, 1.0, 2.0, 1.0],
            "b": [1.0] * 6,
        }
    )
    with pytest.warns(GeoagglWarning, match=r"\(3, 2011"):
        res = malmquist_luenberger(p, inputs="x", good="y", bad="b")
    assert np.isnan(res.loc[(3, 2011), "ML"]) and np.isnan(res.loc[(3, 2011), "D_t_t1"])
    assert np.isfinite(res.loc[(3, 2011), "MLEC"])
    assert np.isfinite(res.loc[(1, 2011), "ML"])


def test_ml_bad_input() -> None:
    p = _two_dmu()
    with pytest.raises(DataError, match="not found"):
        malmquist_luenberger(p, inputs="labour", good="y", bad="b")
    p0 = p.copy()
    p0.loc[0, "b"] = 0.0
    with pytest.raises(DataError, match=r"> 0.*\(1, 2010\)"):
        malmquist_luenberger(p0, inputs="x", good="y", bad="b")
    with pytest.raises(DataError, match="duplicated"):
        malmquist_luenberger(pd.concat([p, p.iloc[:1]]), inputs="x", good="y", bad="b")
    with pytest.raises(DataError, match="two periods"):
        malmquist_luenberger(p.iloc[:2], inputs="x", good="y", bad="b")
    before = p.copy()
    malmquist_luenberger(p, inputs="x", good="y", bad="b")
    pd.testing.assert_frame_equal(p, before)


# --------------------------------------------------------------------------- fast LP paths vs per-LP loops
# Issue #12: the re-solved warm-started HiGHS model (and the batched linprog fallback) must give the
# numbers of a straightforward one-linprog-per-LP loop, including which mixed-period ML LPs are infeasible.


@pytest.fixture(params=["highs", "batched"])
def lp_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    from geoaggl import _lp

    if request.param == "highs" and _lp._HIGHS is None:
        pytest.skip("no HiGHS Python bindings (scipy < 1.15 and no highspy)")
    monkeypatch.setattr(_lp, "USE_HIGHS", request.param == "highs")
    return str(request.param)


def _ref_ddf(o: np.ndarray, ref: np.ndarray, m: int, s1: int) -> float:
    """max β: Σλx ≤ x_o, Σλy ≥ (1+β)y_o, Σλb = (1-β)b_o, λ ≥ 0 — one unscaled linprog; NaN if infeasible."""
    n, q = ref.shape
    c = np.zeros(1 + n)
    c[0] = -1
    a_ub = np.zeros((m + s1, 1 + n))
    a_ub[:m, 1:] = ref[:, :m].T
    a_ub[m:, 1:] = -ref[:, m : m + s1].T
    a_ub[m:, 0] = o[m : m + s1]
    a_eq = np.zeros((q - m - s1, 1 + n))
    a_eq[:, 1:] = ref[:, m + s1 :].T
    a_eq[:, 0] = o[m + s1 :]
    res = linprog(
        c,
        A_ub=a_ub,
        b_ub=np.concatenate([o[:m], -o[m : m + s1]]),
        A_eq=a_eq,
        b_eq=o[m + s1 :],
        bounds=[(None, None)] + [(0, None)] * n,
        method="highs",
    )
    return float(res.x[0]) if res.status == 0 else np.nan


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_ml_equals_per_lp_linprog_reference(seed: int, lp_path: str) -> None:
    x, g, b = _panel(n=14, years=4, seed=seed)
    panel = pd.concat([x, g, b], axis=1).sample(frac=1.0, random_state=seed)  # row order must not matter
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GeoagglWarning)
        res = malmquist_luenberger(panel, inputs=["labour", "capital"], good="gdp", bad=["so2", "cod"])
    z = {
        yr: pd.concat([x, g, b], axis=1).xs(yr, level="year").sort_index().to_numpy()
        for yr in range(2010, 2014)
    }
    n_nan = 0
    for (city, t1), r in res.iterrows():
        t0 = t1 - 1
        i = city - 100
        want = {
            "D_t_t": _ref_ddf(z[t0][i], z[t0], 2, 1),
            "D_t1_t1": _ref_ddf(z[t1][i], z[t1], 2, 1),
            "D_t_t1": _ref_ddf(z[t1][i], z[t0], 2, 1),
            "D_t1_t": _ref_ddf(z[t0][i], z[t1], 2, 1),
        }
        for col, w in want.items():
            if np.isnan(w):
                n_nan += 1
                assert np.isnan(r[col]), (city, t1, col)
            else:
                assert r[col] == pytest.approx(w, abs=1e-9), (city, t1, col)
    assert n_nan > 0  # the panels do contain infeasible mixed-period LPs


def test_ml_infeasible_between_feasible_lps_does_not_spoil_warm_start(lp_path: str) -> None:
    # alternate feasible and infeasible mixed-period LPs against the same frontier (2010)
    p = pd.DataFrame(
        {
            "adcode": [1, 2, 3, 4, 5] * 2,
            "year": [2010] * 5 + [2011] * 5,
            "x": [1.0, 1.0, 1.0, 2.0, 1.5, 1.0, 0.01, 1.0, 0.02, 1.2],
            "y": [1.0, 2.0, 1.5, 3.0, 2.0, 1.2, 1.0, 1.8, 1.0, 2.2],
            "b": [1.0, 1.0, 1.0, 1.5, 1.2, 1.0, 1.0, 1.1, 1.0, 0.9],
        }
    )
    with pytest.warns(GeoagglWarning, match=r"\(2, 2011.*\(4, 2011"):
        res = malmquist_luenberger(p, inputs="x", good="y", bad="b")
    z0 = p[p.year == 2010][["x", "y", "b"]].to_numpy()
    z1 = p[p.year == 2011][["x", "y", "b"]].to_numpy()
    got = res["D_t_t1"].to_numpy()
    want = np.array([_ref_ddf(o, z0, 1, 1) for o in z1])
    assert np.isnan(want).tolist() == [False, True, False, True, False]
    assert np.isnan(got).tolist() == np.isnan(want).tolist()
    assert got[~np.isnan(want)] == pytest.approx(want[~np.isnan(want)], abs=1e-9)


@pytest.mark.parametrize("rts", ["crs", "vrs"])
def test_sbm_pooled_and_yearly_equal_per_dmu_loop(rts: str, lp_path: str) -> None:
    x, g, b = _panel(n=16, years=3, seed=11)
    pooled = sbm(x, g, b, rts=rts)
    ref = _loop_sbm(x.to_numpy(), g.to_numpy(), b.to_numpy(), rts == "vrs")
    assert pooled["efficiency"].to_numpy() == pytest.approx(ref, abs=1e-9)
    yearly = sbm(x, g, b, rts=rts, frontier="year")
    for year in (2010, 2011, 2012):
        sel = x.index.get_level_values("year") == year
        want = _loop_sbm(x[sel].to_numpy(), g[sel].to_numpy(), b[sel].to_numpy(), rts == "vrs")
        assert yearly.loc[sel, "efficiency"].to_numpy() == pytest.approx(want, abs=1e-9)
    # slacks reproduce ρ on either path
    assert _rho_from_slacks(x.to_numpy(), g.to_numpy(), b.to_numpy(), pooled) == pytest.approx(
        pooled["efficiency"].to_numpy(), abs=1e-8
    )


def test_sbm_wide_unit_range_equals_loop(lp_path: str) -> None:
    # columns in very different units (1e-4 … 1e7): the per-column rescaling keeps the LPs accurate
    x, g, b = _panel(n=12, years=1, seed=4)
    x = x * [1e7, 1e-4]
    g = g * 1e5
    res = sbm(x, g, b, rts="vrs")
    ref = _loop_sbm(x.to_numpy(), g.to_numpy(), b.to_numpy(), True)
    assert res["efficiency"].to_numpy() == pytest.approx(ref, abs=1e-7)


def test_solve_family_status_codes_on_both_paths(lp_path: str) -> None:
    from geoaggl._lp import Family, solve_family

    # min -x0  s.t.  x0 - x1 ≤ r_b (row 0), x1 = v_b (row 1 coefficient on x1 varies), 0 ≤ x ≤ ∞
    # LP 0: x1 = 1, r = 2 → x0 = 3 (fun -3);  LP 1: 0·x1 = 1 infeasible;  LP 2: x1 = 0.5, r = 0 → x0 = 0.25
    base = np.array([[1.0, -1.0], [0.0, 1.0]])
    fam = Family(
        cost=np.array([-1.0, 0.0]),
        base=base,
        col_lower=np.zeros(2),
        col_upper=np.full(2, np.inf),
        row_lower=np.array([[-np.inf, 1.0], [-np.inf, 1.0], [-np.inf, 1.0]]),
        row_upper=np.array([[2.0, 1.0], [2.0, 1.0], [0.0, 1.0]]),
        coef_rows=np.array([1]),
        coef_cols=np.array([1]),
        coef_values=np.array([[1.0], [0.0], [4.0]]),
    )
    res = solve_family(fam)
    assert res.status.tolist() == [0, 2, 0]
    assert res.fun[[0, 2]] == pytest.approx([-3.0, -0.25], abs=1e-12)
    assert np.isnan(res.fun[1]) and np.isnan(res.x[1]).all()
    assert res.x[2] == pytest.approx([0.25, 0.25], abs=1e-12)


def test_c18_ml_extreme_span_is_a_data_error() -> None:
    p = _two_dmu()
    p["x"] = [5e-324, 1.0, 1e300, 1.0]
    with pytest.raises(DataError, match=r"'x'.*span more than 12 orders"):
        malmquist_luenberger(p, inputs="x", good="y", bad="b")
