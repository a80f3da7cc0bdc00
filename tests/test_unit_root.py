"""unit_root: IPS W-tbar and Fisher-type tests against plm::purtest on Grunfeld; bad input."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from geoaggl import models
from geoaggl.errors import DataError, MissingValuesWarning, OptionError, ParameterTypeError

DATA = Path(__file__).parent / "data" / "grunfeld.csv"
REF = Path(__file__).parent / "reference" / "purtest_grunfeld.out"
_NAMES = {"ips": "ips", "madwu": "madwu", "invnormal": "choi", "Pm": "pm"}


def _cases() -> list[tuple]:
    if not REF.exists():
        return []
    pat = re.compile(r"(\w+) (\w+) (\w+) (\w+) stat (\S+) p (\S+) lags (\S+)")
    return [m.groups() for line in REF.read_text().splitlines() if (m := pat.match(line))]


@pytest.fixture(scope="module")
def grunfeld() -> pd.DataFrame:
    return pd.read_csv(DATA)


@pytest.mark.parametrize(("var", "exo", "lags", "test", "stat", "p", "chosen"), _cases())
def test_matches_plm_purtest(grunfeld, var, exo, lags, test, stat, p, chosen):
    lg = int(lags) if lags.isdigit() else lags.lower()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = models.unit_root(
            grunfeld,
            var,
            test=_NAMES[test],
            lags=lg,
            max_lags=4,
            trend="c" if exo == "intercept" else "ct",
            entity="firm",
        )
    assert r.statistic == pytest.approx(float(stat), abs=1e-8)
    assert r.pvalue == pytest.approx(float(p), abs=1e-8)
    assert ",".join(map(str, r.lags)) == chosen
    assert r.n_entities == 10


def test_reference_cases_present():
    assert len(_cases()) == 72 or not REF.exists()


def test_fisher_alias_and_df(grunfeld):
    a = models.unit_root(grunfeld, "inv", test="fisher", lags=1, entity="firm")
    b = models.unit_root(grunfeld, "inv", test="madwu", lags=1, entity="firm")
    assert a.statistic == b.statistic and a.df == 20 and a.test == "madwu"
    assert a.statistic == pytest.approx(-2 * np.log(a.pvalues_individual).sum())


def test_stationary_panel_rejects():
    rng = np.random.default_rng(3)
    rows = [(i, 1980 + t, v) for i in range(15) for t, v in enumerate(rng.normal(size=40))]
    df = pd.DataFrame(rows, columns=["adcode", "year", "y"])
    assert models.unit_root(df, "y", test="ips", lags=0).pvalue < 0.001


def test_missing_values_listwise_and_gaps(grunfeld):
    df = grunfeld.copy()
    df.loc[0, "inv"] = np.nan  # first year of firm 1: the series just starts later
    with pytest.warns(MissingValuesWarning, match=r"\(1, 1935\)"):
        r = models.unit_root(df, "inv", test="madwu", lags=1, entity="firm")
    assert np.isfinite(r.statistic)
    df.loc[5, "inv"] = np.nan  # inside the series: a gap
    with pytest.raises(DataError, match="gaps"), warnings.catch_warnings():
        warnings.simplefilter("ignore", MissingValuesWarning)
        models.unit_root(df, "inv", lags=1, entity="firm")


@pytest.mark.parametrize(
    ("kw", "exc"),
    [
        ({"test": "llc"}, OptionError),
        ({"trend": "t"}, OptionError),
        ({"lags": "hq"}, OptionError),
        ({"lags": 1.5}, ParameterTypeError),
        ({"max_lags": -1}, DataError),
        ({"lags": 9}, DataError),
        ({"trend": "n"}, DataError),
    ],
)
def test_bad_options(grunfeld, kw, exc):
    with pytest.raises(exc):
        models.unit_root(grunfeld, "inv", entity="firm", **kw)


def test_input_not_mutated(grunfeld):
    before = grunfeld.copy(deep=True)
    models.unit_root(grunfeld, "value", entity="firm")
    pd.testing.assert_frame_equal(grunfeld, before)
