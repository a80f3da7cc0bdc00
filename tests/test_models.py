"""geoaggl.models: fixed effects vs statsmodels/by hand, hand-computed mediation, region and core dummies."""

from __future__ import annotations

import math
import time

import numpy as np
import pandas as pd
import pytest

from geoaggl import models
from geoaggl._errors import DataError, GeoagglWarning


def _panel(n: int = 150, t: int = 10, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    ent = np.repeat([f"{410100 + i:06d}" for i in range(n)], t)
    yr = np.tile(np.arange(2008, 2008 + t), n)
    mu = np.repeat(rng.normal(size=n), t)
    nu = np.tile(rng.normal(size=t), n)
    x = rng.normal(size=n * t) + mu
    c1 = rng.normal(size=n * t)
    m = 0.5 * x + 0.2 * c1 + mu + nu + rng.normal(size=n * t)
    y = 0.3 * x + 0.4 * m - 0.1 * c1 + mu + nu + rng.normal(size=n * t)
    return pd.DataFrame({"adcode": ent, "year": yr, "x": x, "m": m, "y": y, "c1": c1})


# ---------------------------------------------------------------------------------------------- panel_fe
def test_panel_fe_matches_lsdv_with_stated_df_convention():
    sm = pytest.importorskip("statsmodels.api")
    df = _panel(40, 6)
    snap = df.copy()
    r = models.panel_fe(df, y="y", x="x", controls=["c1"])
    pd.testing.assert_frame_equal(df, snap)
    X = pd.concat([df[["x", "c1"]], pd.get_dummies(df.adcode, drop_first=True, dtype=float),
                   pd.get_dummies(df.year, drop_first=True, dtype=float)], axis=1)
    X = sm.add_constant(X)
    ols = sm.OLS(df.y, X).fit()
    np.testing.assert_allclose(r.params[["x", "c1"]], ols.params[["x", "c1"]], rtol=1e-9)
    # sandwich by hand on the within-transformed data, factor G/(G-1)*(N-1)/(N-k), k = 2 slopes
    from numpy.linalg import inv

    def dm(s: pd.Series) -> np.ndarray:
        ent = s.groupby(df.adcode).transform("mean")
        return (s - ent - s.groupby(df.year).transform("mean") + s.mean()).to_numpy()

    Xt = np.column_stack([dm(df.x), dm(df.c1)])
    e = ols.resid.to_numpy()
    meat = sum(np.outer(Xt[g].T @ e[g], Xt[g].T @ e[g]) for g in df.groupby("adcode").indices.values())
    B = inv(Xt.T @ Xt)
    n, G = len(df), 40
    V = B @ meat @ B * G / (G - 1) * (n - 1) / (n - 2)
    np.testing.assert_allclose(r.se[["x", "c1"]], np.sqrt(np.diag(V)), rtol=1e-8)
    assert r.nobs == 240 and r.n_entities == 40 and r.n_periods == 6
    assert 0 < r.r2_within < 1
    assert "G/(G-1)" in r.cov_type
    s = r.summary()
    assert list(s.columns) == ["coef", "se", "t", "p", "stars"]
    assert r.resids.index.names == ["adcode", "year"]


def test_panel_fe_log_and_errors():
    df = _panel(30, 4)
    df["pos"] = np.exp(df["x"])
    r = models.panel_fe(df, y="y", x="pos", log=["pos"])
    r2 = models.panel_fe(df, y="y", x="x")
    assert r.params["pos"] == pytest.approx(r2.params["x"], rel=1e-10)
    bad = df.copy()
    bad.loc[3, "pos"] = 0.0
    with pytest.raises(DataError, match="log needs values > 0"):
        models.panel_fe(bad, y="y", x="pos", log=["pos"])
    df["x2"] = 2 * df["x"]
    with pytest.raises(DataError, match="collinear"):
        models.panel_fe(df, y="y", x=["x", "x2"])
    df["const_in_city"] = df.groupby("adcode")["x"].transform("mean")
    with pytest.raises(DataError, match=r"within variation.*const_in_city"):
        models.panel_fe(df, y="y", x=["x", "const_in_city"])
    dup = pd.concat([df, df.iloc[[0]]])
    with pytest.raises(DataError, match="duplicated"):
        models.panel_fe(dup, y="y", x="x")
    with pytest.raises(DataError, match="entit"):
        models.panel_fe(df[df.adcode.isin(df.adcode.unique()[:2])], y="y", x="x")


def test_panel_fe_missing_rows_warn():
    df = _panel(30, 4)
    df.loc[5, "y"] = np.nan
    with pytest.warns(GeoagglWarning, match="1 row"):
        r = models.panel_fe(df, y="y", x="x")
    assert r.nobs == 119


# ---------------------------------------------------------------------------------------------- mediation
SMALL = pd.DataFrame({
    "x": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0],
    "m": [2.0, 2.5, 4.0, 4.5, 5.0, 7.0, 7.5, 9.0],
    "y": [3.0, 4.0, 6.5, 6.0, 8.0, 9.5, 10.0, 12.5],
}, index=pd.Index([f"{i:06d}" for i in range(8)], name="adcode"))


def _ols_hc1(y: np.ndarray, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    X = np.column_stack([np.ones(len(y)), X])
    beta = np.linalg.solve(X.T @ X, X.T @ y)
    e = y - X @ beta
    B = np.linalg.inv(X.T @ X)
    n, k = X.shape
    V = B @ (X.T * e**2) @ X @ B * n / (n - k)
    return beta[1:], np.sqrt(np.diag(V))[1:]


def test_mediation_cross_section_by_hand():
    med = models.mediation(SMALL, y="y", x="x", m="m", entity=None, time=None, n_boot=0)
    (c,), (se_c,) = _ols_hc1(SMALL.y.values, SMALL[["x"]].values)
    (a,), (se_a,) = _ols_hc1(SMALL.m.values, SMALL[["x"]].values)
    (b, cp), (se_b, _) = _ols_hc1(SMALL.y.values, SMALL[["m", "x"]].values)
    # closed-form slopes for the two single-regressor paths
    xc = SMALL.x - SMALL.x.mean()
    assert a == pytest.approx((xc * SMALL.m).sum() / (xc**2).sum())
    assert c == pytest.approx((xc * SMALL.y).sum() / (xc**2).sum())
    assert med.c == pytest.approx(c, rel=1e-10)
    assert med.a == pytest.approx(a, rel=1e-10)
    assert med.b == pytest.approx(b, rel=1e-10)
    assert med.c_prime == pytest.approx(cp, rel=1e-10)
    assert med.c == pytest.approx(med.c_prime + med.indirect, rel=1e-10)  # c = c' + ab
    assert med.share == pytest.approx(a * b / c)
    z = a * b / math.sqrt(b**2 * se_a**2 + a**2 * se_b**2)
    assert med.sobel_z == pytest.approx(z, rel=1e-9)
    assert med.sobel_p == pytest.approx(math.erfc(abs(z) / math.sqrt(2)), rel=1e-9)
    assert med.paths.loc["c", "se"] == pytest.approx(se_c, rel=1e-9)
    assert np.isnan(med.ci[0])


def test_sobel_known_value():
    # a = 0.5 (s.e. 0.1), b = 0.4 (s.e. 0.1): z = 0.2 / sqrt(0.16*0.01 + 0.25*0.01) = 3.1235
    assert 0.2 / math.sqrt(0.4**2 * 0.01 + 0.5**2 * 0.01) == pytest.approx(3.123475, rel=1e-6)
    df = _panel(150, 10)
    med = models.mediation(df, y="y", x="x", m="m", controls=["c1"], n_boot=0)
    a, b, sa, sb = med.a, med.b, med.paths.loc["a", "se"], med.paths.loc["b", "se"]
    assert med.sobel_z == pytest.approx(a * b / math.sqrt(b**2 * sa**2 + a**2 * sb**2))


def test_mediation_panel_bootstrap_fast_and_consistent():
    df = _panel(150, 10)
    t0 = time.perf_counter()
    med = models.mediation(df, y="y", x="x", m="m", controls=["c1"], n_boot=999, seed=1)
    assert time.perf_counter() - t0 < 10
    fe = models.panel_fe(df, y="m", x="x", controls=["c1"])
    assert med.a == pytest.approx(fe.params["x"], rel=1e-12)
    assert med.c == pytest.approx(med.c_prime + med.indirect, rel=1e-9)
    assert len(med.boot) == 999
    assert med.ci[0] < med.indirect < med.ci[1]
    assert med.kind == "partial mediation"
    # the vectorised bootstrap's unit-weight draw equals PanelOLS's estimate (balanced and unbalanced)
    for d in (df, df.drop(index=np.random.default_rng(2).choice(len(df), 80, replace=False))):
        frame = models._frame(d, ["y", "m", "x", "c1"], entity="adcode", time="year", log=[])
        _, point = models._boot_indirect(frame, "y", "m", "x", ["c1"], a_controls=True, entity_fx=True,
                                         time_fx=True, n_boot=1, rng=np.random.default_rng(0))
        ref_a = models.panel_fe(d, y="m", x="x", controls=["c1"]).params["x"]
        ref_b = models.panel_fe(d, y="y", x=["m", "x"], controls=["c1"]).params["m"]
        assert point[0] == pytest.approx(ref_a * ref_b, rel=1e-9)
    # same seed → same CI
    again = models.mediation(df, y="y", x="x", m="m", controls=["c1"], n_boot=999, seed=1)
    assert again.ci == med.ci


def test_mediation_bootstrap_resamples_entities_exactly():
    """One draw's weights reproduce the regression on duplicated entities (entity ids made unique)."""
    df = _panel(20, 4, seed=3)
    frame = models._frame(df, ["y", "m", "x"], entity="adcode", time="year", log=[])
    rng = np.random.default_rng(9)
    draws, _ = models._boot_indirect(frame, "y", "m", "x", [], a_controls=True, entity_fx=True, time_fx=True,
                                     n_boot=1, rng=np.random.default_rng(9))
    counts = rng.multinomial(20, np.full(20, 1 / 20))
    cities = sorted(df.adcode.unique())
    parts = []
    for i, k in enumerate(counts):
        for j in range(k):
            p = df[df.adcode == cities[i]].copy()
            p["adcode"] = f"{cities[i]}_{j}"
            parts.append(p)
    dup = pd.concat(parts, ignore_index=True)
    a = models.panel_fe(dup, y="m", x="x").params["x"]
    b = models.panel_fe(dup, y="y", x=["m", "x"]).params["m"]
    assert draws[0] == pytest.approx(a * b, rel=1e-9)


def test_mediation_table_shape():
    df = _panel(60, 5)
    tab = models.mediation(df, y="y", x="x", m="m", controls=["c1"], n_boot=99, seed=0).table()
    assert list(tab.columns) == ["total effect (12)", "mediator (13)", "mediation (14)"]
    assert tab.loc["controls"].tolist() == ["YES", "YES", "YES"]
    assert tab.loc["m", "total effect (12)"] == ""
    assert tab.loc["(x s.e.)", "mediation (14)"].startswith("(")
    assert tab.loc["share a·b/c", "total effect (12)"].endswith("%")


def test_mediator_without_variance():
    df = _panel(30, 4)
    df["m"] = df.groupby("adcode")["x"].transform("mean")  # absorbed by entity effects
    with pytest.raises(DataError, match=r"within variation.*'m'"):
        models.mediation(df, y="y", x="x", m="m", n_boot=0)


# ---------------------------------------------------------------------------------------------- dummies
def test_region_north_points_and_extension():
    pts = pd.DataFrame({"lon": [116.4, 113.3, 104.0, 90.0, 125.0, 121.5, 108.9, 117.2],
                        "lat": [39.9, 23.1, 30.7, 36.0, 33.9, 31.2, 34.3, 31.8]},
                       index=["beijing", "guangzhou", "chengdu", "far_west", "east_sea", "shanghai", "xian",
                              "hefei"])
    r = models.region_north(pts)
    assert r.to_dict() == {"beijing": 1, "guangzhou": 0, "chengdu": 0, "far_west": 1, "east_sea": 0,
                           "shanghai": 0, "xian": 1, "hefei": 0}
    own = models.region_north(pts, line=[(120.0, 35.0), (100.0, 35.0)])  # reversed order accepted
    assert own["xian"] == 0 and own["beijing"] == 1
    with pytest.raises(DataError, match="monotone"):
        models.region_north(pts, line=[(100, 30), (110, 30), (105, 31)])


def test_region_north_on_prefectures(prefs):
    r = models.region_north(prefs)
    assert r.index.equals(prefs.index)
    assert r["110100"] == 1 and r["440100"] == 0 and r["610100"] == 1 and r["420100"] == 0


def test_polycentric_rules():
    mem = pd.DataFrame({"agglomeration": ["A", "A", "A", "B", "B"],
                        "adcode": ["1", "2", "3", "4", "5"], "central": [True, True, False, True, False]})
    assert models.polycentric(mem).tolist() == [1, 1, 1, 0, 0]
    mono = pd.DataFrame({"monocentric": [True, False]}, index=["A", "B"])
    assert models.polycentric(mem, mono=mono).tolist() == [0, 0, 0, 1, 1]
