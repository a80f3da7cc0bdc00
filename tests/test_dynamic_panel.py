"""dynamic_panel: xtabond2 (difference and system GMM) and plm::pgmm known answers on EmplUK; bad input."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from geoaggl import models
from geoaggl.errors import DataError, DataWarning, MissingValuesWarning, OptionError, ParameterTypeError

DATA = Path(__file__).parent / "data" / "emplUK.csv"
REF = Path(__file__).parent / "reference" / "pgmm_emplUK.out"


@pytest.fixture(scope="module")
def empl() -> pd.DataFrame:
    return pd.read_csv(DATA)


def _fit(df: pd.DataFrame, **kw) -> models.DynamicPanel:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        return models.dynamic_panel(df, entity="firm", time="year", **kw)


def test_xtabond2_difference_gmm_arellano_bond(empl):
    # xtabond2 n L(1/2).n w k, gmm(n, lag(2 4)) gmm(w, lag(1 3)) iv(k) nolevel twostep robust
    r = _fit(empl, y="n", x=["w", "k"], lags=2, gmm={"n": (2, 4), "w": (1, 3)}, iv=["k"], method="difference")
    pub = {
        "L1.n": (0.1700616, 0.1046652),
        "L2.n": (-0.0113381, 0.0377205),
        "w": (-0.9510582, 0.1277298),
        "k": (0.4637223, 0.0718328),
    }
    assert list(r.params.index) == list(pub)
    for name, (b, se) in pub.items():
        assert r.params[name] == pytest.approx(b, abs=1e-6)
        assert r.bse[name] == pytest.approx(se, abs=1e-6)
    assert r.hansen.statistic == pytest.approx(47.86, abs=1e-2)
    assert r.hansen.df == 32 and r.sargan.df == 32
    assert r.n_instruments == 36 and r.n_obs == 611 and r.n_entities == 140
    assert "_cons" not in r.params.index  # difference GMM has no constant


def test_xtabond2_system_gmm_roodman_example(empl):
    # xtabond2 n l(1/2).n l(0/1).w l(0/2).(k ys) yr1980-yr1984, gmm(l.n w k) iv(yr1980-yr1984)
    #   robust twostep small  (Roodman 2009; output printed at m.pinggu.org/bbs/thread-877779-1-1.html)
    df = empl.copy()
    yrs = [f"yr{v}" for v in range(1980, 1985)]
    for v in range(1980, 1985):
        df[f"yr{v}"] = (df["year"] == v).astype(float)
    r = _fit(
        df,
        y="n",
        lags=2,
        x=["w", "L1.w", "k", "L1.k", "L2.k", "ys", "L1.ys", "L2.ys", *yrs],
        gmm={"L1.n": (1, None), "w": (1, None), "k": (1, None)},
        iv=yrs,
        method="system",
    )
    pub = {
        "L1.n": (0.9847708, 0.0591053),
        "L2.n": (-0.0444599, 0.0532234),
        "w": (-0.5015799, 0.2033974),
        "L1.w": (0.4045313, 0.1670457),
        "k": (0.3234514, 0.0525199),
        "L1.k": (-0.1550519, 0.0667629),
        "L2.k": (-0.1195921, 0.041634),
        "ys": (0.6120864, 0.2343692),
        "L1.ys": (-0.4190762, 0.3208354),
        "L2.ys": (-0.2492855, 0.2154591),
        "yr1980": (0.0256293, 0.0170605),
        "yr1981": (0.0157888, 0.0339909),
        "yr1982": (0.0136977, 0.0330476),
        "yr1983": (0.0078038, 0.0345048),
        "yr1984": (-0.0194111, 0.0331093),
        "_cons": (0.6392791, 1.000564),
    }
    assert r.n_obs == 751 and r.n_entities == 140 and r.n_instruments == 120
    k = len(r.params)
    small = np.sqrt((r.n_obs - 1) / (r.n_obs - k) * r.n_entities / (r.n_entities - 1))  # xtabond2's `small`
    for name, (b, se) in pub.items():
        assert r.params[name] == pytest.approx(b, abs=5e-6)  # published data are Stata floats
        assert r.bse[name] * small == pytest.approx(se, rel=3e-5)


def _pgmm_ref() -> dict[str, dict]:
    if not REF.exists():
        pytest.skip("reference output missing")
    out: dict[str, dict] = {}
    cur = None
    for line in REF.read_text().splitlines():
        if line.startswith("====="):
            cur = line.split()[1]
            out[cur] = {"coef": [], "se": []}
        elif m := re.match(r"^(\S.*?)\s+(-?\d\.\d+(?:e-?\d+)?)\s+(\d\.\d+(?:e-?\d+)?)$", line):
            out[cur]["coef"].append(float(m.group(2)))
            out[cur]["se"].append(float(m.group(3)))
        elif line.startswith("hansen"):
            out[cur]["hansen"] = float(line.split()[1])
        elif line.startswith("AR("):
            out[cur][line[:5]] = float(line.split()[2])
        elif line.startswith("n_instruments"):
            out[cur]["n_instruments"] = int(line.split()[1])
    return out


def test_pgmm_difference_gmm_time_effects(empl):
    ref = _pgmm_ref()["A"]
    r = _fit(
        empl,
        y="n",
        lags=2,
        x=["w", "L1.w", "k", "ys", "L1.ys"],
        gmm={"n": (2, None)},
        iv=["w", "L1.w", "k", "ys", "L1.ys"],
        time_effects=True,
        method="difference",
    )
    np.testing.assert_allclose(r.params.iloc[:7], ref["coef"][:7], atol=1e-8)  # year dummies: other basis
    np.testing.assert_allclose(r.bse.iloc[:7], ref["se"][:7], atol=1e-8)
    assert r.hansen.statistic == pytest.approx(ref["hansen"], abs=1e-6)
    assert r.ar.loc["AR(1)", "z"] == pytest.approx(ref["AR(1)"], abs=1e-7)
    assert r.ar.loc["AR(2)", "z"] == pytest.approx(ref["AR(2)"], abs=1e-7)
    assert r.n_instruments == ref["n_instruments"]
    assert r.dropped == ["year_1976", "year_1977", "year_1984"]


@pytest.mark.parametrize(("key", "steps", "collapse"), [("B", 2, True), ("C", 1, False)])
def test_pgmm_difference_gmm_collapse_onestep(empl, key, steps, collapse):
    ref = _pgmm_ref()[key]
    r = _fit(
        empl,
        y="n",
        lags=1,
        x=["w", "k"],
        gmm={"n": (2, 3), "w": (1, 2)},
        iv=["k"],
        method="difference",
        steps=steps,
        collapse=collapse,
    )
    np.testing.assert_allclose(r.params, ref["coef"], atol=1e-8)
    np.testing.assert_allclose(r.bse, ref["se"], atol=1e-8)
    assert r.ar.loc["AR(2)", "z"] == pytest.approx(ref["AR(2)"], abs=1e-7)
    if steps == 2:  # plm's one-step "sargan" uses one-step residuals; xtabond2's Hansen the two-step ones
        assert r.hansen.statistic == pytest.approx(ref["hansen"], abs=1e-6)


def test_system_collapse_and_time_effects_run(empl):
    r = _fit(
        empl,
        y="n",
        x=["w", "k"],
        gmm={"n": (2, None), "w": (1, None)},
        iv=["k"],
        collapse=True,
        time_effects=True,
    )
    assert r.params.index[0] == "L1.n" and r.params.index[-1] == "_cons"
    assert r.n_instruments == 26  # n: 7 lags + 1 levels, w: 8 + 1, k, _cons, 7 independent year dummies
    assert np.isfinite(r.bse).all() and 0 < r.params["L1.n"] < 1.2
    s = r.summary()
    assert list(s.columns) == ["coef", "se", "z", "p", "stars"] and s.attrs["n_obs"] == r.n_obs


def test_input_not_mutated(empl):
    before = empl.copy(deep=True)
    _fit(empl, y="n", x="w", gmm={"n": (2, 3)}, iv="w", method="difference")
    pd.testing.assert_frame_equal(empl, before)


# ---------------------------------------------------------------------------------------------- bad input
def test_too_few_periods_for_lag_range(empl):
    with pytest.raises(DataError, match="too few periods"):
        _fit(empl, y="n", x="w", gmm={"n": (8, None)}, iv="w")


def test_no_observation_left():
    df = pd.DataFrame(
        {
            "adcode": np.repeat([1, 2, 3], 3),
            "year": np.tile([2000, 2001, 2002], 3),
            "y": np.arange(9.0) ** 1.5,
        }
    )
    with pytest.raises(DataError, match="too few"):
        models.dynamic_panel(df, y="y", lags=2, gmm={"y": (1, None)})


def test_more_instruments_than_entities_warns(empl):
    small = empl[empl["firm"] <= 20]
    with pytest.warns(DataWarning, match="instruments for 20 entities"):
        models.dynamic_panel(
            small,
            y="n",
            x=["w", "k"],
            gmm={"n": (2, None), "w": (1, None)},
            iv=["k"],
            entity="firm",
            time="year",
        )


def test_collinear_instruments_warn(empl):
    df = empl.assign(k2=2 * empl["k"])
    with pytest.warns(DataWarning, match="collinear instrument"):
        models.dynamic_panel(
            df,
            y="n",
            x=["w", "k"],
            gmm={"n": (2, 3)},
            iv=["k", "k2"],
            method="difference",
            entity="firm",
            time="year",
        )


def test_collinear_regressor_raises(empl):
    df = empl.assign(k2=2 * empl["k"])
    with pytest.raises(DataError, match="collinear"):
        _fit(df, y="n", x=["k", "k2"], gmm={"n": (2, 3)}, iv=["k"], method="difference")


def test_gaps_warn(empl):
    df = empl[~((empl["firm"] == 5) & (empl["year"] == 1980))]
    with pytest.warns(DataWarning, match="gaps"):
        r = models.dynamic_panel(
            df,
            y="n",
            x=["w", "k"],
            gmm={"n": (2, 4), "w": (1, 3)},
            iv=["k"],
            method="difference",
            entity="firm",
            time="year",
        )
    full = _fit(empl, y="n", x=["w", "k"], gmm={"n": (2, 4), "w": (1, 3)}, iv=["k"], method="difference")
    assert r.n_obs < full.n_obs


def test_missing_values_listwise_warn(empl):
    df = empl.copy()
    df.loc[3, "w"] = np.nan
    with pytest.warns(MissingValuesWarning, match=r"\(1, 1980\)"):
        r = models.dynamic_panel(
            df,
            y="n",
            x=["w", "k"],
            gmm={"n": (2, 4)},
            iv=["w", "k"],
            method="difference",
            entity="firm",
            time="year",
        )
    assert np.isfinite(r.params).all()


@pytest.mark.parametrize(
    ("kw", "exc"),
    [
        ({"method": "gmm"}, OptionError),
        ({"steps": 3}, OptionError),
        ({"collapse": "yes"}, ParameterTypeError),
        ({"gmm": {"n": (3, 2)}}, DataError),
        ({"gmm": {"n": 2}}, ParameterTypeError),
        ({"gmm": {}}, ParameterTypeError),
        ({"lags": -1}, DataError),
        ({"x": "nope"}, DataError),
        ({"x": "n"}, OptionError),
    ],
)
def test_bad_options(empl, kw, exc):
    args = {"y": "n", "x": "w", "gmm": {"n": (2, 3)}, "iv": "w"} | kw
    with pytest.raises(exc):
        _fit(empl, **args)


def test_duplicate_rows_raise(empl):
    with pytest.raises(DataError, match="duplicated"):
        _fit(pd.concat([empl, empl.iloc[:1]]), y="n", x="w", gmm={"n": (2, 3)}, iv="w")
