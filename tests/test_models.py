"""geoaggl.models: fixed effects vs statsmodels/by hand, hand-computed mediation, region and core dummies."""

from __future__ import annotations

import math
import warnings
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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
    X = pd.concat(
        [
            df[["x", "c1"]],
            pd.get_dummies(df.adcode, drop_first=True, dtype=float),
            pd.get_dummies(df.year, drop_first=True, dtype=float),
        ],
        axis=1,
    )
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
    # R² within as Stata's xtreg, fe with i.year: 1 - SSR(LSDV) / sum of squares around entity means
    tss_within = float(((df.y - df.groupby("adcode").y.transform("mean")) ** 2).sum())
    assert r.r2_within == pytest.approx(1 - ols.ssr / tss_within, rel=1e-10)
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
SMALL = pd.DataFrame(
    {
        "x": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0],
        "m": [2.0, 2.5, 4.0, 4.5, 5.0, 7.0, 7.5, 9.0],
        "y": [3.0, 4.0, 6.5, 6.0, 8.0, 9.5, 10.0, 12.5],
    },
    index=pd.Index([f"{i:06d}" for i in range(8)], name="adcode"),
)


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


def _fitted(params: dict, se: dict) -> SimpleNamespace:
    p, s = pd.Series(params, dtype=float), pd.Series(se, dtype=float)
    return SimpleNamespace(params=p, se=s, pvalues=p * 0, tstats=p / s, nobs=100, n_entities=10, n_periods=10)


def test_sobel_known_value():
    # a = 0.5 (s.e. 0.1), b = 0.4 (s.e. 0.1): z = 0.2 / sqrt(0.16*0.01 + 0.25*0.01) = 3.1235, two-sided
    # p = erfc(z / sqrt 2) = 0.001787 -- computed by the package's Mediation, not restated here
    known = models.Mediation(
        x="x",
        m="m",
        y="y",
        models={
            "total": _fitted({"x": 0.3}, {"x": 0.05}),
            "mediator": _fitted({"x": 0.5}, {"x": 0.1}),
            "outcome": _fitted({"m": 0.4, "x": 0.1}, {"m": 0.1, "x": 0.05}),
        },
        boot=np.array([]),
        ci_level=0.95,
        alpha=0.05,
        controls=[],
        n_failed=0,
    )
    assert known.indirect == pytest.approx(0.2, rel=1e-12)
    assert known.sobel_z == pytest.approx(3.123475, rel=1e-6)
    assert known.sobel_p == pytest.approx(0.0017873, rel=1e-4)
    df = _panel(150, 10)
    med = models.mediation(df, y="y", x="x", m="m", controls=["c1"], n_boot=0)
    a, b, sa, sb = med.a, med.b, med.paths.loc["a", "se"], med.paths.loc["b", "se"]
    assert med.sobel_z == pytest.approx(a * b / math.sqrt(b**2 * sa**2 + a**2 * sb**2))


def test_mediation_panel_bootstrap_consistent():
    # its speed (999 draws on 150 x 10) is measured in benchmarks/bench_spatial.py, not asserted here
    df = _panel(150, 10)
    med = models.mediation(df, y="y", x="x", m="m", controls=["c1"], n_boot=999, seed=1)
    fe = models.panel_fe(df, y="m", x="x", controls=["c1"])
    assert med.a == pytest.approx(fe.params["x"], rel=1e-12)
    assert med.c == pytest.approx(med.c_prime + med.indirect, rel=1e-9)
    assert len(med.boot) == 999
    assert med.ci[0] < med.indirect < med.ci[1]
    assert med.kind == "partial mediation"
    # the vectorised bootstrap's unit-weight draw equals PanelOLS's estimate (balanced and unbalanced)
    for d in (df, df.drop(index=np.random.default_rng(2).choice(len(df), 80, replace=False))):
        frame = models._frame(d, ["y", "m", "x", "c1"], entity="adcode", time="year", log=[])
        _, point = models._boot_indirect(
            frame,
            "y",
            "m",
            "x",
            ["c1"],
            a_controls=True,
            entity_fx=True,
            time_fx=True,
            n_boot=1,
            rng=np.random.default_rng(0),
        )
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
    draws, _ = models._boot_indirect(
        frame,
        "y",
        "m",
        "x",
        [],
        a_controls=True,
        entity_fx=True,
        time_fx=True,
        n_boot=1,
        rng=np.random.default_rng(9),
    )
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
    pts = pd.DataFrame(
        {
            "lon": [116.4, 113.3, 104.0, 90.0, 125.0, 121.5, 108.9, 117.2],
            "lat": [39.9, 23.1, 30.7, 36.0, 33.9, 31.2, 34.3, 31.8],
        },
        index=["beijing", "guangzhou", "chengdu", "far_west", "east_sea", "shanghai", "xian", "hefei"],
    )
    r = models.region_north(pts)
    assert r.to_dict() == {
        "beijing": 1,
        "guangzhou": 0,
        "chengdu": 0,
        "far_west": 1,
        "east_sea": 0,
        "shanghai": 0,
        "xian": 1,
        "hefei": 0,
    }
    own = models.region_north(pts, line=[(120.0, 35.0), (100.0, 35.0)])  # reversed order accepted
    assert own["xian"] == 0 and own["beijing"] == 1
    with pytest.raises(DataError, match="monotone"):
        models.region_north(pts, line=[(100, 30), (110, 30), (105, 31)])


def test_region_north_on_prefectures(prefs):
    r = models.region_north(prefs)
    assert r.index.equals(prefs.index)
    assert r["110100"] == 1 and r["440100"] == 0 and r["610100"] == 1 and r["420100"] == 0


def test_polycentric_rules():
    mem = pd.DataFrame(
        {
            "agglomeration": ["A", "A", "A", "B", "B"],
            "adcode": ["1", "2", "3", "4", "5"],
            "central": [True, True, False, True, False],
        }
    )
    assert models.polycentric(mem).tolist() == [1, 1, 1, 0, 0]
    mono = pd.DataFrame({"monocentric": [True, False]}, index=["A", "B"])
    assert models.polycentric(mem, mono=mono).tolist() == [0, 0, 0, 1, 1]


# ------------------------------------------------------------------------------ defects (issue 10)
def _tiny(seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "adcode": np.repeat(["a", "b", "c", "d"], 3),
            "year": [1, 2, 3] * 4,
            "y": rng.normal(size=12),
            "x": rng.normal(size=12),
        }
    )


def test_c23_two_missing_rows_listwise():
    from geoaggl.errors import MissingValuesWarning

    df = _tiny()
    df.loc[[0, 5], "x"] = np.nan
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        r = models.panel_fe(df, y="y", x="x")
    mv = [w for w in rec if issubclass(w.category, MissingValuesWarning)]
    assert len(mv) == 1 and "('a', 1), ('b', 3)" in str(mv[0].message)
    assert r.nobs == 10
    big = _panel(30, 5)
    big.loc[np.arange(0, 150, 7), "y"] = np.nan
    with pytest.warns(MissingValuesWarning, match=r"22 row\(s\)"):
        med = models.mediation(big, y="y", x="x", m="m", n_boot=0)
    assert med.nobs == 128


def test_c23_several_infinite_or_nonpositive_values_named():
    df = _tiny()
    df.loc[[0, 5], "x"] = np.inf
    with pytest.raises(DataError, match=r"infinite values at \('a', 1\), \('b', 3\)"):
        models.panel_fe(df, y="y", x="x")
    df = _tiny()
    df["p"] = np.exp(df["x"])
    df.loc[[1, 4], "p"] = -1.0
    with pytest.raises(DataError, match=r"log needs values > 0.*\('a', 2\), \('b', 2\)"):
        models.panel_fe(df, y="y", x="p", log=["p"])


def test_c24_missing_entity_key():
    df = _tiny()
    df["adcode"] = df["adcode"].astype(object)
    df.loc[0, "adcode"] = None
    with pytest.raises(DataError, match=r"entity key 'adcode': missing value"):
        models.panel_fe(df, y="y", x="x")
    with pytest.raises(DataError, match=r"entity key 'adcode'"):
        models.mediation(df.assign(m=df["x"] * 0.5 + 1), y="y", x="x", m="m", n_boot=0)


def test_c25_singleton_entities_dropped_like_reghdfe():
    df = _panel(20, 4)
    one = df[df.adcode == "410100"].index[1:]
    thin = df.drop(index=one)  # 410100 left with one observation
    with pytest.warns(GeoagglWarning, match=r"1 singleton row.*\('410100', 2008\)"):
        r = models.panel_fe(thin, y="y", x="x", controls=["c1"])
    ref = models.panel_fe(thin[thin.adcode != "410100"], y="y", x="x", controls=["c1"])
    assert r.nobs == 76 and r.n_entities == 19
    np.testing.assert_allclose(r.params, ref.params, rtol=1e-12)
    np.testing.assert_allclose(r.se, ref.se, rtol=1e-12)


@pytest.mark.parametrize("cluster", ["entity", None, "both"])
def test_c26_d13_d17_saturated_model_raises(cluster):
    rng = np.random.default_rng(0)
    df = pd.DataFrame(
        {
            "adcode": ["a", "a", "b", "b", "c", "c"],
            "year": [1, 2] * 3,
            "y": rng.normal(size=6),
            "x": rng.normal(size=6),
            "c1": rng.normal(size=6),
        }
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(DataError, match="no residual degrees of freedom: 6 observations"):
            models.panel_fe(df, y="y", x="x", controls=["c1"], cluster=cluster)


def test_c26_mediation_one_period_raises():
    df = _panel(10, 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(DataError):
            models.mediation(df, y="y", x="x", m="m", n_boot=0)


def test_panel_fe_exact_fit_raises():
    df = _panel(20, 4)
    df["y"] = 2 * df["x"] + df.groupby("adcode")["c1"].transform("mean")
    with pytest.raises(DataError, match="fitted exactly"):
        models.panel_fe(df, y="y", x="x")


def test_options_validated():
    from geoaggl.errors import OptionError, ParameterTypeError

    df = _panel(20, 4)
    with pytest.raises(OptionError, match="cluster"):
        models.panel_fe(df, y="y", x="x", cluster="city")
    with pytest.raises(ParameterTypeError, match="n_boot"):
        models.mediation(df, y="y", x="x", m="m", n_boot=9.5)
    with pytest.raises(DataError, match="seed"):
        models.mediation(df, y="y", x="x", m="m", n_boot=9, seed=-1)
    with pytest.raises(DataError, match="ci_level"):
        models.mediation(df, y="y", x="x", m="m", n_boot=9, ci_level=1.0)


def test_mediation_seed_leaves_numpy_global_state():
    df = _panel(20, 4)
    np.random.seed(3)  # noqa: NPY002
    ref = np.random.random()  # noqa: NPY002
    np.random.seed(3)  # noqa: NPY002
    models.mediation(df, y="y", x="x", m="m", n_boot=49, seed=5)
    assert np.random.random() == ref  # noqa: NPY002


# ---------------------------------------------------------------------------------------------- Stata's _cons
@pytest.mark.parametrize("time_effects", [False, True])
def test_stata_cons_and_adjusted_r2_match_lsdv_sum_to_zero(time_effects):
    """``xtreg, fe``'s _cons = grand mean of y − b'·grand mean of x; its SE from the augmented regression.

    Reference: statsmodels LSDV with sum-to-zero (deviation) coded entity/year dummies: its intercept is
    the effects-averaged constant; cluster-robust SEs rescaled to the slopes-only k of our convention.
    """
    smf = pytest.importorskip("statsmodels.formula.api")
    from scipy import stats

    df = _panel(40, 6)
    r = models.panel_fe(df, y="y", x="x", controls=["c1"], time_effects=time_effects)
    f = "y ~ x + c1 + C(adcode, Sum)" + (" + C(year, Sum)" if time_effects else "")
    ols = smf.ols(f, df).fit(cov_type="cluster", cov_kwds={"groups": pd.factorize(df.adcode)[0]})
    n, k_all = len(df), len(ols.params)
    rescale = math.sqrt((n - k_all) / (n - 2))
    by_hand = df["y"].mean() - df[["x", "c1"]].mean() @ r.params[["x", "c1"]]
    assert r.cons["coef"] == pytest.approx(by_hand, rel=1e-12)
    assert r.cons["coef"] == pytest.approx(ols.params["Intercept"], rel=1e-10)
    assert r.cons["se"] == pytest.approx(ols.bse["Intercept"] * rescale, rel=1e-8)
    assert r.cons["t"] == pytest.approx(r.cons["coef"] / r.cons["se"], rel=1e-12)
    # the same t reference distribution as the slopes
    assert r.pvalues["x"] == pytest.approx(2 * stats.t.sf(abs(r.tstats["x"]), r.raw.df_resid), rel=1e-9)
    assert r.cons["p"] == pytest.approx(2 * stats.t.sf(abs(r.cons["t"]), r.raw.df_resid), rel=1e-9)
    plain = smf.ols(f, df).fit()
    assert r.rsquared == pytest.approx(plain.rsquared, rel=1e-10)
    assert r.rsquared_adj == pytest.approx(plain.rsquared_adj, rel=1e-10)
    assert r.df_resid == int(plain.df_resid)
    s = r.summary()
    assert s.index[-1] == "_cons" and s.loc["_cons", "coef"] == pytest.approx(round(r.cons["coef"], 4))
    assert s.attrs["rsquared_adj"] == r.rsquared_adj
    assert list(r.params.index) == ["x", "c1"]  # params unchanged: slopes only


def test_stata_cons_reduces_to_xbar_v_xbar_with_entity_clusters():
    df = _panel(30, 5)
    r = models.panel_fe(df, y="y", x="x", controls=["c1"], time_effects=False)
    xbar = df[["x", "c1"]].mean().to_numpy()
    V = r.raw.cov.loc[["x", "c1"], ["x", "c1"]].to_numpy()
    assert r.cons["se"] == pytest.approx(math.sqrt(xbar @ V @ xbar), rel=1e-9)


# ------------------------------------------------------------------------------- dummies (defects)
def test_c16_polycentric_bad_inputs_are_data_errors():
    import geoaggl

    m = geoaggl.agglomerations("yreb5").drop_duplicates("adcode")
    with pytest.raises(DataError, match="'monocentric' column"):
        models.polycentric(m, mono=pd.DataFrame({"q": [0.3]}, index=["长三角"]))
    with pytest.raises(DataError, match="missing agglomeration"):
        models.polycentric(m.assign(agglomeration=[None, *list(m.agglomeration[1:])]))
    as_str = models.polycentric(m.assign(central=m.central.astype(str)))
    pd.testing.assert_series_equal(as_str, models.polycentric(m))
    with pytest.raises(DataError, match="True/False"):
        models.polycentric(m.assign(central="maybe"))


def test_d14_polycentric_mono_flags_not_cast_with_bool():
    import geoaggl

    m = geoaggl.agglomerations("yreb5").drop_duplicates("adcode")
    uas = list(m.agglomeration.unique())
    assert models.polycentric(m, mono=pd.Series(["no"] * len(uas), index=uas)).unique().tolist() == [1]
    with pytest.raises(DataError, match="True/False"):
        models.polycentric(m, mono=pd.Series([2] * len(uas), index=uas))


def test_d18_region_north_rejects_out_of_range_coordinates():
    with pytest.raises(DataError, match="out of range"):
        models.region_north(pd.DataFrame({"lon": [116.4], "lat": [500.0]}))


def test_e3_region_north_does_not_share_the_index():
    pts = pd.DataFrame({"lon": [116.4, 113.3], "lat": [39.9, 23.1]}, index=pd.Index(["a", "b"], name="k"))
    r = models.region_north(pts)
    r.index.name = "renamed"
    assert pts.index.name == "k"


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), time_sd=st.floats(0.0, 10.0))
def test_r2_within_is_in_the_unit_interval_and_never_falls_with_a_regressor(seed, time_sd):
    """Strong time effects made linearmodels' rsquared_within negative (notebook 02: -0.156)."""
    rng = np.random.default_rng(seed)
    n, t = 25, 5
    codes = [f"{110100 + i}" for i in range(n)]
    df = pd.DataFrame({"adcode": np.repeat(codes, t), "year": np.tile(range(2010, 2010 + t), n)})
    df["x"], df["c1"] = rng.normal(size=len(df)), rng.normal(size=len(df))
    df["y"] = 0.2 * df["x"] + np.tile(rng.normal(size=t) * time_sd, n) + rng.normal(size=len(df))
    small = models.panel_fe(df, y="y", x="x")
    big = models.panel_fe(df, y="y", x="x", controls=["c1"])
    assert 0 <= small.r2_within <= big.r2_within + 1e-12 <= 1 + 1e-12
