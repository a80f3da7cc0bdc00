"""Regression tables laid out like the papers': coefficients with stars, (s.e.) below, diagnostics rows."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from ._validate import check_int, check_option, check_real
from .errors import DataError, ParameterTypeError

__all__ = ["RegressionTable", "table"]

_WHERE = "table"


class RegressionTable(pd.DataFrame):
    """A :class:`pandas.DataFrame` of strings (one column per model) with LaTeX/Markdown/HTML output.

    References
    ----------
    Roodman, D. (2009). How to do xtabond2: an introduction to difference and
    system GMM in Stata. *The Stata Journal*, 9(1), 86-136.

    Examples
    --------
    Returned by :func:`geoaggl.models.table` (not constructed directly):

    >>> import pandas as pd
    >>> from types import SimpleNamespace
    >>> from geoaggl.models import table
    >>> r = SimpleNamespace(params=pd.Series({"x": 0.5}), se=pd.Series({"x": 0.1}),
    ...                     pvalues=pd.Series({"x": 0.001}), nobs=100)
    >>> print(table([r]).to_markdown().splitlines()[2])
    | x | 0.500*** |
    """

    _metadata: ClassVar[list[str]] = ["notes"]
    notes: str

    @property
    def _constructor(self) -> type[RegressionTable]:
        return RegressionTable

    def to_markdown(self, *args: Any, **kwargs: Any) -> str:  # type: ignore[override]
        """GitHub-flavoured Markdown (no ``tabulate`` needed).

        Parameters
        ----------
        *args, **kwargs
            Accepted for compatibility with :meth:`pandas.DataFrame.to_markdown`; ignored.

        Returns
        -------
        str
            The table, then its notes.
        """
        head = ["", *map(str, self.columns)]
        lines = [
            "| " + " | ".join(head) + " |",
            "|" + "|".join(["---"] + [":---:"] * len(self.columns)) + "|",
        ]
        for lab, row in self.iterrows():
            lines.append("| " + " | ".join([str(lab), *(str(v).replace("|", "\\|") for v in row)]) + " |")
        note = getattr(self, "notes", "")
        return "\n".join(lines) + (f"\n\n{note}" if note else "")

    def to_latex(self, *args: Any, **kwargs: Any) -> str:  # type: ignore[override]
        """A ``tabular`` (booktabs) with the stars in superscript.

        Parameters
        ----------
        *args, **kwargs
            Accepted for compatibility with :meth:`pandas.DataFrame.to_latex`; ignored.

        Returns
        -------
        str
            The LaTeX source.
        """

        def esc(s: object) -> str:
            t = str(s)
            for a, b in (("\\", r"\textbackslash{}"), ("&", r"\&"), ("%", r"\%"), ("_", r"\_"), ("#", r"\#")):
                t = t.replace(a, b)
            stars = len(t) - len(t.rstrip("*"))
            return t[: len(t) - stars] + (f"$^{{{'*' * stars}}}$" if stars else "")

        cols = "l" + "c" * len(self.columns)
        out = [
            rf"\begin{{tabular}}{{{cols}}}",
            r"\toprule",
            " & ".join(["", *map(esc, self.columns)]) + r" \\",
            r"\midrule",
        ]
        out += [" & ".join([esc(lab), *map(esc, row)]) + r" \\" for lab, row in self.iterrows()]
        out += [r"\bottomrule", r"\end{tabular}"]
        note = getattr(self, "notes", "")
        return "\n".join(out) + (f"\n% {note}" if note else "")

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{html.escape(str(c))}</th>" for c in self.columns)
        body = "".join(
            "<tr><th style='text-align:left'>"
            + html.escape(str(lab))
            + "</th>"
            + "".join(f"<td style='text-align:center'>{html.escape(str(v))}</td>" for v in row)
            + "</tr>"
            for lab, row in self.iterrows()
        )
        note = getattr(self, "notes", "")
        cap = f"<caption style='caption-side:bottom'>{html.escape(note)}</caption>" if note else ""
        return (
            f"<table class='geoaggl-table'>{cap}<thead><tr><th></th>{head}</tr></thead>"
            f"<tbody>{body}</tbody></table>"
        )


def _stars(p: float, levels: tuple[float, ...]) -> str:
    if not np.isfinite(p):
        return ""
    return "*" * sum(p < lv for lv in levels)


def _coefs(res: Any) -> tuple[pd.Series, pd.Series, pd.Series, dict[str, str]]:
    """(params, se, pvalues, extra rows) of a panel_fe, mediation or dynamic_panel result."""
    if hasattr(res, "models") and hasattr(res, "indirect"):  # Mediation: show the full model (14)
        res = res.models["outcome"]
    params = getattr(res, "params", None)
    se = getattr(res, "bse", getattr(res, "se", None))
    pv = getattr(res, "pvalues", None)
    if not isinstance(params, pd.Series) or not isinstance(se, pd.Series) or not isinstance(pv, pd.Series):
        raise ParameterTypeError(
            f"{_WHERE}: cannot lay out a {type(res).__name__}: expected a result of "
            f"panel_fe, mediation or dynamic_panel"
        )
    params, se, pv = params.copy(), se.copy(), pv.copy()
    cons = getattr(res, "cons", None)
    if cons is not None and "_cons" not in params.index:
        c = (
            cons
            if isinstance(cons, tuple)
            else (getattr(cons, "coef", cons), getattr(cons, "se", np.nan), getattr(cons, "pvalue", np.nan))
        )
        if not isinstance(cons, tuple) and np.ndim(cons) == 0:
            c = (float(cons), np.nan, np.nan)
        params["_cons"], se["_cons"], pv["_cons"] = float(c[0]), float(c[1]), float(c[2])
    return params, se, pv, _extras(res)


def _fmt_test(stat: float, p: float) -> str:
    return "" if not np.isfinite(stat) else f"{stat:.3f} [{p:.3f}]"


def _extras(res: Any) -> dict[str, str]:
    rows: dict[str, str] = {}
    n = getattr(res, "n_obs", getattr(res, "nobs", None))
    rows["N"] = "" if n is None else str(int(n))
    if hasattr(res, "hansen"):
        rows["Sargan [p]"] = _fmt_test(res.sargan.statistic, res.sargan.pvalue)
        rows["Hansen [p]"] = _fmt_test(res.hansen.statistic, res.hansen.pvalue)
        for k in ("AR(1)", "AR(2)"):
            if k in res.ar.index:
                rows[f"{k} [p]"] = _fmt_test(float(res.ar.loc[k, "z"]), float(res.ar.loc[k, "p"]))
        rows["instruments"] = str(res.n_instruments)
        rows["entities"] = str(res.n_entities)
        return rows
    r2a = getattr(res, "rsquared_adj", None)
    r2w = getattr(res, "r2_within", None)
    if r2a is not None and np.isfinite(r2a):
        rows["adj. R²"] = f"{r2a:.3f}"
    if r2w is not None and np.isfinite(r2w):
        rows["R² within"] = f"{r2w:.3f}"
    eff = getattr(res, "effects", None)
    if eff is not None:
        rows["entity FE"] = "YES" if "entity" in eff else "NO"
        rows["time FE"] = "YES" if "time" in eff else "NO"
    return rows


def table(
    results: Sequence[Any],
    *,
    stars: Sequence[float] = (0.1, 0.05, 0.01),
    se: str = "parentheses",
    names: Sequence[str] | None = None,
    digits: int = 3,
) -> RegressionTable:
    """Lay regression results side by side, as the papers' tables.

    One column per result (``panel_fe`` → :class:`PanelResult`, ``mediation`` →
    its full model (14), ``dynamic_panel`` → :class:`DynamicPanel`); one row per
    coefficient with stars, its standard error under it, then ``N`` and the
    diagnostics: adjusted/within R² and fixed effects for panel models; Sargan,
    Hansen, AR(1), AR(2) (statistic [p]), instruments and entities for GMM.

    Parameters
    ----------
    results : sequence
        The fitted results.
    stars : sequence of float, default (0.1, 0.05, 0.01)
        p-value thresholds: one star per threshold the p-value is below.
    se : {"parentheses", "brackets", "none"}, default "parentheses"
        How standard errors are shown (``"none"``: not shown).
    names : sequence of str, optional
        Column titles; default ``(1)``, ``(2)``, ….
    digits : int, default 3

    Returns
    -------
    RegressionTable
        A DataFrame subclass of strings with ``to_latex()``, ``to_markdown()`` and
        HTML display; ``.notes`` explains the stars.

    References
    ----------
    Roodman, D. (2009). How to do xtabond2: an introduction to difference and
    system GMM in Stata. *The Stata Journal*, 9(1), 86-136.

    Examples
    --------
    >>> import pandas as pd
    >>> from types import SimpleNamespace
    >>> r = SimpleNamespace(params=pd.Series({"x": 0.5}), se=pd.Series({"x": 0.1}),
    ...                     pvalues=pd.Series({"x": 0.001}), nobs=100)
    >>> table([r]).loc["x", "(1)"]
    '0.500***'
    """
    if isinstance(results, str | bytes) or not isinstance(results, Sequence) or not results:
        raise ParameterTypeError(f"{_WHERE}: results must be a non-empty list of fitted results")
    se = check_option(se, ("parentheses", "brackets", "none"), name="se", where=_WHERE)
    digits = check_int(digits, name="digits", minimum=0, maximum=12, where=_WHERE)
    if isinstance(stars, str | bytes) or not isinstance(stars, Sequence):
        raise ParameterTypeError(f"{_WHERE}: stars must be a sequence of p-value thresholds, got {stars!r}")
    levels = tuple(sorted(check_real(s, name="stars", where=_WHERE) for s in stars))
    if any(not 0 < s < 1 for s in levels):
        raise DataError(f"{_WHERE}: stars must be p-value thresholds in (0, 1); got {tuple(stars)}")
    if names is not None and (isinstance(names, str | bytes) or not isinstance(names, Sequence)):
        raise ParameterTypeError(f"{_WHERE}: names must be a list of column titles, got {names!r}")
    cols = [str(n) for n in names] if names is not None else [f"({i + 1})" for i in range(len(results))]
    if len(cols) != len(results):
        raise DataError(f"{_WHERE}: {len(cols)} names for {len(results)} results")
    parts = [_coefs(r) for r in results]
    order: list[str] = []
    for params, *_ in parts:
        order += [str(t) for t in params.index if str(t) not in order and str(t) != "_cons"]
    if any("_cons" in p[0].index for p in parts):
        order.append("_cons")
    f = f"{{:.{digits}f}}"
    body: dict[str, list[str]] = {}
    for term in order:
        body[term] = []
        if se != "none":
            body[f"{term} (se)"] = []
        for params, sev, pv, _ in parts:
            shown = [str(t) for t in params.index]
            has = term in shown
            key = params.index[shown.index(term)] if has else params.index[0]  # key unused when not has
            body[term].append(f.format(params[key]) + _stars(float(pv[key]), levels) if has else "")
            if se != "none":
                s = f.format(sev[key]) if has and np.isfinite(sev[key]) else ""
                body[f"{term} (se)"].append(
                    ("(" + s + ")" if se == "parentheses" else "[" + s + "]") if s else ""
                )
    extra_keys: list[str] = []
    for *_, ex in parts:
        extra_keys += [k for k in ex if k not in extra_keys]
    for k in extra_keys:
        body[k] = [ex.get(k, "") for *_, ex in parts]
    out = RegressionTable.from_dict(body, orient="index", columns=cols)
    out.index = [("" if i.endswith(" (se)") else i) for i in out.index]
    out.notes = " ".join(f"{'*' * (len(levels) - i)} p<{lv:g}" for i, lv in enumerate(levels)) + (
        "; standard errors in parentheses"
        if se == "parentheses"
        else "; standard errors in brackets"
        if se == "brackets"
        else ""
    )
    return out
