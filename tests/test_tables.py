"""table(): papers' layout of panel_fe, mediation and dynamic_panel results; LaTeX/Markdown/HTML."""

from __future__ import annotations

import warnings
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from geoaggl import models
from geoaggl.errors import DataError, OptionError, ParameterTypeError

DATA = Path(__file__).parent / "data" / "emplUK.csv"


@pytest.fixture(scope="module")
def results():
    df = pd.read_csv(DATA)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fe = models.panel_fe(df, y="n", x=["w", "k"], entity="firm", time="year")
        gmm = models.dynamic_panel(
            df,
            y="n",
            x=["w", "k"],
            lags=2,
            gmm={"n": (2, 4), "w": (1, 3)},
            iv=["k"],
            method="difference",
            entity="firm",
            time="year",
        )
    return fe, gmm


def test_layout(results):
    fe, gmm = results
    t = models.table([fe, gmm], names=["FE", "GMM"])
    assert isinstance(t, pd.DataFrame) and list(t.columns) == ["FE", "GMM"]
    assert t.loc["w", "GMM"] == f"{gmm.params['w']:.3f}***"
    assert t.loc["L1.n", "FE"] == ""
    assert t.loc["N", "GMM"] == "611" and t.loc["N", "FE"] == str(fe.nobs)
    assert t.loc["Hansen [p]", "GMM"] == f"{gmm.hansen.statistic:.3f} [{gmm.hansen.pvalue:.3f}]"
    assert t.loc["AR(2) [p]", "GMM"].startswith(f"{gmm.ar.loc['AR(2)', 'z']:.3f}")
    rows = list(t.index)
    assert rows[rows.index("w") + 1] == "" and t.iloc[rows.index("w") + 1]["GMM"] == f"({gmm.bse['w']:.3f})"


def test_outputs(results):
    t = models.table(list(results))
    md = t.to_markdown()
    assert md.splitlines()[0] == "|  | (1) | (2) |" and "*** p<0.01" in md
    tex = t.to_latex()
    assert tex.startswith(r"\begin{tabular}{lcc}") and "$^{***}$" in tex and r"L1.n" in tex
    assert "<table" in t._repr_html_() and "Hansen [p]" in t._repr_html_()


def test_stars_and_brackets():
    r = SimpleNamespace(
        params=pd.Series({"x": 0.5, "z": 1.0}),
        se=pd.Series({"x": 0.1, "z": 2.0}),
        pvalues=pd.Series({"x": 0.03, "z": 0.5}),
        nobs=10,
        cons=(2.0, 0.5, 0.2),
        rsquared_adj=0.25,
    )
    t = models.table([r], stars=(0.05,), se="brackets", digits=2)
    assert t.loc["x", "(1)"] == "0.50*" and t.loc["z", "(1)"] == "1.00"
    assert t.loc["_cons", "(1)"] == "2.00" and "[0.50]" in t["(1)"].tolist()
    assert t.loc["adj. R²", "(1)"] == "0.250"


def test_mediation_column():
    med = SimpleNamespace(
        indirect=0.1,
        models={
            "outcome": SimpleNamespace(
                params=pd.Series({"x": 1.0}), se=pd.Series({"x": 0.1}), pvalues=pd.Series({"x": 0.2}), nobs=5
            )
        },
    )
    assert models.table([med]).loc["x", "(1)"] == "1.000"


@pytest.mark.parametrize(
    ("args", "kw", "exc"),
    [
        ([], {}, ParameterTypeError),
        ([object()], {}, ParameterTypeError),
        (None, {"se": "stars"}, OptionError),
        (None, {"stars": (0.1, 2)}, DataError),
        (None, {"names": ["a", "b", "c"]}, DataError),
    ],
)
def test_bad_input(results, args, kw, exc):
    with pytest.raises(exc):
        models.table(list(results) if args is None else args, **kw)
