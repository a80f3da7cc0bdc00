r"""Regression models of Song & Li's heterogeneity and mediation analysis: fixed effects, mediation, dummies.

Song Deyong and Li Dongfang (宋德勇, 李东方), 国家级城市群高质量平衡增长研究——基于产业分工的视角
("High-quality balanced growth of national urban agglomerations: an industrial
division-of-labour perspective") estimate two-way fixed-effects models
(their Table 1), a stepwise mediation chain (Table 5) and heterogeneity
interactions with a north/south ``region`` and a polycentric ``core`` dummy.

Estimation is done by :mod:`linearmodels` (``PanelOLS``); this module prepares
the panel (entity × time MultiIndex, logs, listwise deletion with one
:class:`~geoaggl.errors.MissingValuesWarning`, singleton entities dropped as
``reghdfe`` does), fixes the covariance convention and assembles the stepwise
mediation chain.

Covariance convention (all models here)
---------------------------------------
Cluster-robust (by entity unless ``cluster`` says otherwise), with the
small-sample factor of Stata's ``xtreg, fe vce(cluster)`` / ``areg``:

.. math::

    \hat V = \frac{G}{G-1} \frac{N-1}{N-k}
    (\tilde X'\tilde X)^{-1} \Big(\sum_g \tilde X_g' \hat e_g \hat e_g' \tilde X_g\Big)
    (\tilde X'\tilde X)^{-1}

with :math:`G` clusters, :math:`N` observations and :math:`k` the slope
regressors (plus the constant when there are no entity effects).  The
absorbed entity and time effects are **not** counted in :math:`k` (entity
effects are nested in entity clusters; counting the :math:`T-1` time effects
would change the factor by :math:`(N-k)/(N-k-T+1)`, under 1 % for a 10-year
panel of 150 cities).  This is linearmodels'
``fit(cov_type="clustered", debiased=True, group_debias=True, auto_df=False,
count_effects=False)``.  t statistics are referred to a t distribution with
linearmodels' residual degrees of freedom.  Without clustering
(``cluster=None``) the heteroskedasticity-robust HC1 estimator is used.

Stata's constant
----------------
``xtreg, fe`` prints a constant ``_cons``: the fixed effects are normalised
to average zero over the estimation sample, so

.. math::

    \widehat{\_cons} = \bar{\bar y} - \hat\beta'\bar{\bar x}

(grand means over the estimation sample).  Its variance comes from Stata's
augmented regression of :math:`\tilde y_{it} + \bar{\bar y}` on a constant and
:math:`\tilde x_{it} + \bar{\bar x}` (:math:`\tilde{\cdot}` the within
transformation) with the covariance estimator and small-sample factor above;
with entity clusters and entity effects it reduces to
:math:`\bar{\bar x}'\hat V_\beta\bar{\bar x}`.  With time effects absorbed,
the time effects are normalised the same way (``reghdfe``'s convention;
``xtreg y x i.year, fe`` would instead report the base year's intercept).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from ._engine import block_generators, map_blocks, sync_generator
from ._membership import DUPLICATES, apply_duplicates
from ._sorted_sums import BUDGET
from ._validate import (
    MAX_BOOT,
    as_float_array,
    as_labels,
    check_int,
    check_option,
    check_real,
    check_seed,
    has_key,
    renamed_kwargs,
    require_columns,
    require_key,
    setting,
)
from .errors import DataError, GeoagglWarning, MissingValuesWarning, ParameterTypeError, format_keys

__all__ = [
    "QINLING_HUAIHE",
    "Mediation",
    "PanelResult",
    "mediation",
    "panel_fe",
    "polycentric",
    "region_north",
]

Cluster = Literal["entity", "time", "both"] | None

#: Approximate Qinling–Huaihe line (lon, lat), WGS84, west to east: the north/south divide used for
#: Song & Li's ``region`` dummy (vertices read off the 0 °C January isotherm / 800 mm isohyet maps).
QINLING_HUAIHE: tuple[tuple[float, float], ...] = (
    (104.5, 34.1),
    (106.0, 33.8),
    (107.8, 34.0),
    (109.0, 33.9),
    (110.5, 33.6),
    (111.6, 33.6),
    (112.6, 33.3),
    (113.3, 32.5),
    (114.1, 32.3),
    (115.6, 32.4),
    (116.6, 32.5),
    (117.0, 32.7),
    (117.4, 32.95),
    (118.5, 33.2),
    (119.0, 33.6),
    (120.3, 34.1),
)

_MIN_ENTITIES = 3
_FEW_CLUSTERS = 20
_CLUSTERS = ("entity", "time", "both", None)
_DEFAULT_KEYS = ("adcode", "year")
_CONVENTION = (
    "cluster-robust: V * G/(G-1) * (N-1)/(N-k), k = slope regressors (absorbed effects not "
    "counted); linearmodels debiased=True, group_debias=True, auto_df=False, count_effects=False"
)
_HC1 = "heteroskedasticity-robust HC1: V * N/(N-k)"


# ---------------------------------------------------------------------------------------------- results
@dataclass(frozen=True)
class PanelResult:
    """A fitted (two-way fixed-effects) linear model.

    Attributes
    ----------
    params, se, tstats, pvalues : pandas.Series
        Coefficients, standard errors, t statistics and p-values, indexed by regressor
        (the slopes; with no effects also ``const``).  Stata's constant is in :attr:`cons`.
    nobs : int
        Observations used (after listwise deletion and dropping singletons).
    n_entities, n_periods : int
        Entities and periods in the estimation sample.
    r2_within : float
        R² within as Stata's ``xtreg, fe`` reports it: :math:`1 - e'e / \\sum_{it}(y_{it} - \\bar
        y_i)^2`, *e* the residuals of the model (its time effects included in the fit, like
        ``i.year``), so it lies in [0, 1] and never falls when a regressor is added.  Without
        entity effects: linearmodels' ``rsquared_within``.
    resids : pandas.Series
        Residuals indexed by (entity, time), for :func:`geoaggl.spatial.residual_check`.
    cov_type : str
        The covariance estimator and its degrees-of-freedom convention.
    effects : str
        ``"entity+time"``, ``"entity"``, ``"time"`` or ``"none"``.
    cons : pandas.Series
        Stata ``xtreg, fe``'s constant ``_cons``: ``coef`` (grand mean of y minus
        b'·grand mean of x), ``se``, ``t`` and ``p`` (see the module docstring).
        Without effects it is the fitted ``const``.
    rsquared : float
        R² of the model including the absorbed effects (``areg``'s / the LSDV R²):
        :math:`1 - RSS/TSS`, TSS around the grand mean.
    rsquared_adj : float
        Adjusted R² as Stata's ``areg`` and ``reghdfe`` print it:
        :math:`1 - (1 - R^2)(N - 1)/(N - K)`, with :math:`K` the slopes plus the
        rank of the absorbed effects including the constant
        (entities + periods − 1 for a connected two-way panel).
    df_resid : int
        :math:`N - K`, the residual degrees of freedom of that count (> 0: a
        saturated model raises :class:`~geoaggl.errors.DataError`).
    raw : object
        linearmodels' result object.

    References
    ----------
    StataCorp. *Stata Longitudinal-Data/Panel-Data Reference Manual*:
    ``xtreg, fe vce(cluster)``. Stata Press, College Station, TX.

    Cameron, A. C. and Miller, D. L. (2015). A practitioner's guide to
    cluster-robust inference. *Journal of Human Resources*, 50(2), 317-372.

    Examples
    --------
    Returned by :func:`panel_fe` (not constructed directly).  On data made with
    ``y = x + 2 m + e`` the two-way fixed-effects slopes are close to 1 and 2:

    >>> import numpy as np, pandas as pd
    >>> from geoaggl import models
    >>> rng = np.random.default_rng(0)
    >>> df = pd.DataFrame({"adcode": np.repeat(list("abcdefghij"), 5), "year": list(range(2010, 2015)) * 10})
    >>> df["x"] = rng.normal(size=50)
    >>> df["m"] = 0.5 * df["x"] + rng.normal(size=50)
    >>> df["y"] = df["x"] + 2 * df["m"] + rng.normal(size=50)
    >>> res = models.panel_fe(df, y="y", x=["x", "m"])
    >>> res.summary(digits=2)[["coef", "se", "stars"]]
           coef    se stars
    x      1.03  0.10   ***
    m      1.99  0.10   ***
    _cons  0.02  0.01    **
    >>> res.nobs, res.n_entities, res.n_periods, res.effects
    (50, 10, 5, 'entity+time')
    """

    params: pd.Series
    se: pd.Series
    tstats: pd.Series
    pvalues: pd.Series
    nobs: int
    n_entities: int
    n_periods: int
    r2_within: float
    resids: pd.Series
    cov_type: str
    effects: str
    dependent: str
    raw: Any = field(repr=False)
    cons: pd.Series = field(default_factory=lambda: pd.Series(dtype=np.float64), repr=False)
    rsquared: float = float("nan")
    rsquared_adj: float = float("nan")
    df_resid: int = 0

    def summary(self, *, digits: int = 4) -> pd.DataFrame:
        """Coefficient table: ``coef``, ``se``, ``t``, ``p`` and ``stars`` (``*`` 10 %, ``**`` 5 %, ...).

        Stars: ``*`` p < 0.1, ``**`` p < 0.05, ``***`` p < 0.01.

        The slopes first, then Stata's constant as the row ``_cons`` (for models
        with absorbed effects; without, ``const`` is already a row).  ``attrs``
        carry ``dependent``, ``nobs``, ``r2_within``, ``rsquared``,
        ``rsquared_adj``, ``effects`` and ``cov_type``.

        Parameters
        ----------
        digits : int, default 4
            Decimals of ``coef``, ``se``, ``t``, ``p``.

        Returns
        -------
        pandas.DataFrame
            Columns ``coef``, ``se``, ``t``, ``p``, ``stars``, one row per regressor.
        """
        out = pd.DataFrame({"coef": self.params, "se": self.se, "t": self.tstats, "p": self.pvalues})
        if self.effects != "none" and len(self.cons):
            out.loc["_cons"] = [self.cons["coef"], self.cons["se"], self.cons["t"], self.cons["p"]]
        out = out.round(digits)
        out["stars"] = [_stars(p) for p in out["p"]]
        out.attrs.update(
            {
                "dependent": self.dependent,
                "nobs": self.nobs,
                "r2_within": self.r2_within,
                "rsquared": self.rsquared,
                "rsquared_adj": self.rsquared_adj,
                "effects": self.effects,
                "cov_type": self.cov_type,
            }
        )
        return out


def _stars(p: float) -> str:
    if not np.isfinite(p):
        return ""
    return "***" if p < 0.01 else "**" if p < 0.05 else "*" if p < 0.1 else ""


# ---------------------------------------------------------------------------------------------- data
def _codes(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Entity and period codes of a panel frame indexed (entity, time) by :func:`_frame`."""
    index = frame.index
    if not isinstance(index, pd.MultiIndex):  # pragma: no cover - the panel frames are built here
        raise DataError("internal: expected an (entity, time) MultiIndex")
    return np.asarray(index.codes[0]), np.asarray(index.codes[1])


def _resolve_keys(
    df: pd.DataFrame, entity: Hashable | None, time: Hashable | None, *, effects: bool, where: str, how: str
) -> tuple[Hashable | None, Hashable | None]:
    """Entity and time keys to use; absent default keys mean a cross-section when no effects are absorbed.

    ``how`` says, in the caller's keywords, how to ask for a cross-section (for the error message).
    """
    ent_ok, tim_ok = has_key(df, entity), has_key(df, time)
    if (entity is None or ent_ok) and (time is None or tim_ok):
        if entity is None and time is not None:
            raise DataError(
                f"{where}: time={time!r} given but entity=None; pass entity= naming the unit "
                "column (e.g. entity='adcode') for a panel"
            )
        return entity, time
    cols = format_keys(list(df.columns), limit=12)
    missing = [
        f"{k}={v!r}"
        for k, v, ok in (("entity", entity, ent_ok), ("time", time, tim_ok))
        if v is not None and not ok
    ]
    if not effects and (ent_ok or entity == _DEFAULT_KEYS[0]) and (tim_ok or time == _DEFAULT_KEYS[1]):
        # the default keys are absent and no effects are asked for: an ordinary cross-section
        new_ent = entity if ent_ok else None
        new_tim = time if tim_ok else None
        if new_ent is None and new_tim is not None:
            raise DataError(
                f"{where}: {', '.join(missing)} not found in the data (columns: {cols}); pass "
                "entity= naming the unit column for a panel, or entity=None, time=None for a "
                "cross-section"
            )
        return new_ent, new_tim
    raise DataError(
        f"{where}: {', '.join(missing)}: not a column or index level of the data "
        f"(columns: {cols}). For a panel pass entity= and time= naming the unit and period "
        f"columns; for a cross-section (one row per unit) pass {how}"
    )


def _row_labels(ent: np.ndarray, tim: np.ndarray, panel: bool) -> np.ndarray:
    """One label per row for messages: (entity, time) tuples for a panel, else the entity (1-D object)."""
    if panel:
        return np.fromiter(zip(ent.tolist(), tim.tolist(), strict=True), dtype=object, count=len(ent))
    return np.fromiter(ent.tolist(), dtype=object, count=len(ent))


def _check_keys(
    df: pd.DataFrame, ent: np.ndarray, tim: np.ndarray, *, entity: Hashable | None, time: Hashable | None
) -> None:
    for name, arr, what in ((entity, ent, "entity"), (time, tim, "time")):
        if name is None:
            continue
        miss = pd.isna(pd.Series(arr, dtype=object)).to_numpy()
        if miss.any():
            raise DataError(
                f"{what} key {name!r}: missing value(s) in row(s) {format_keys(df.index[miss])}; "
                "drop or fill those rows first"
            )


def _column(df: pd.DataFrame, c: Hashable, labels: np.ndarray, log: bool) -> np.ndarray:
    arr = as_float_array(df[c], what=f"column {c!r}", labels=list(labels))
    inf = np.isinf(arr)
    if inf.any():
        raise DataError(f"column {c!r}: infinite values at {format_keys(labels[inf])}")
    if log:
        with np.errstate(invalid="ignore"):
            bad = arr <= 0
        if bad.any():
            raise DataError(
                f"column {c!r}: log needs values > 0; got zero or negative at {format_keys(labels[bad])}"
            )
        arr = np.log(arr)
    extreme = np.isfinite(arr) & (arr != 0) & ((np.abs(arr) > 1e100) | (np.abs(arr) < 1e-100))
    if extreme.any():
        raise DataError(
            f"column {c!r}: values outside ±[1e-100, 1e100], whose squares over- or underflow in the "
            f"regression; rescale the column: {format_keys(labels[extreme])}"
        )
    return arr


def _frame(
    df: pd.DataFrame,
    cols: list[Hashable],
    *,
    entity: Hashable | None,
    time: Hashable | None,
    log: Sequence[Hashable],
    entity_fx: bool = False,
    time_fx: bool = False,
) -> pd.DataFrame:
    """Numeric ``df[cols]`` on an (entity, time) MultiIndex; logs applied; NaN rows and singletons dropped.

    One :class:`MissingValuesWarning` names the (entity, time) rows dropped for missing values; one
    :class:`GeoagglWarning` names the rows dropped as singletons of an absorbed effect.
    """
    if not isinstance(df, pd.DataFrame):
        raise ParameterTypeError(f"df: expected a pandas DataFrame, got {type(df).__name__}")
    unhashable = [c for c in cols if not isinstance(c, Hashable)]
    if unhashable:
        raise ParameterTypeError(
            f"column labels must be hashable (a label, not a list): {format_keys(unhashable)}"
        )
    if len(set(cols)) != len(cols):
        raise DataError(f"the same column appears in several roles: {format_keys(cols)}")
    require_columns(df, cols, what="df")
    bad_log = [c for c in log if c not in cols]
    if bad_log:
        raise DataError(f"log: column(s) not used in the model: {format_keys(bad_log)}")
    ent = require_key(df, entity, what="entity") if entity is not None else np.asarray(df.index, dtype=object)
    tim = require_key(df, time, what="time") if time is not None else np.zeros(len(df), dtype=np.int64)
    _check_keys(df, ent, tim, entity=entity, time=time)
    idx = pd.MultiIndex.from_arrays(
        [ent, tim], names=[entity if entity is not None else "unit", time if time is not None else "period"]
    )
    labels = _row_labels(ent, tim, time is not None)
    if idx.has_duplicates:
        raise DataError(f"duplicated (entity, time) rows: {format_keys(labels[idx.duplicated()])}")
    out = pd.DataFrame({c: _column(df, c, labels, c in log) for c in cols}, index=idx)
    nan = out.isna().any(axis=1).to_numpy()
    if nan.any():
        warnings.warn(
            f"{int(nan.sum())} row(s) with missing values dropped (listwise): {format_keys(labels[nan])}",
            MissingValuesWarning,
            stacklevel=3,
        )
        out = out.loc[~nan]
    if time is not None:
        out = _drop_singletons(out, entity_fx=entity_fx, time_fx=time_fx)
    if time is not None and len(out):
        per = out.groupby(level=0).size()
        if per.nunique() > 1:
            full = out.index.get_level_values(1).nunique()
            short = per[per < full]
            warnings.warn(
                f"unbalanced panel: {len(short)} entit(ies) miss some of the {full} periods "
                f"({format_keys(short.index)}); fixed effects use the available rows",
                GeoagglWarning,
                stacklevel=3,
            )
    n_ent = out.index.get_level_values(0).nunique()
    if n_ent < _MIN_ENTITIES:
        raise DataError(f"only {n_ent} entit(ies) with complete data; at least {_MIN_ENTITIES} are needed")
    return out.sort_index()


def _drop_singletons(out: pd.DataFrame, *, entity_fx: bool, time_fx: bool) -> pd.DataFrame:
    """Drop rows alone in their entity (or period) group, iteratively, as ``reghdfe`` does; warn once."""
    if not (entity_fx or time_fx) or out.empty:
        return out
    keep = np.ones(len(out), dtype=bool)
    codes = [_codes(out)[i] for i, on in ((0, entity_fx), (1, time_fx)) if on]
    while True:
        drop = np.zeros(len(out), dtype=bool)
        for c in codes:
            cnt = np.bincount(c[keep], minlength=int(c.max()) + 1)
            drop |= keep & (cnt[c] == 1)
        if not drop.any():
            break
        keep &= ~drop
    if keep.all():
        return out
    gone = out.index[~keep]
    which = " or ".join(w for w, on in (("entity", entity_fx), ("period", time_fx)) if on)
    warnings.warn(
        f"{len(gone)} singleton row(s) dropped (the only observation of their {which} after "
        f"listwise deletion: its fixed effect would absorb it, as reghdfe drops them): "
        f"{format_keys(gone.tolist())}",
        GeoagglWarning,
        stacklevel=4,
    )
    return out.loc[keep]


def _check_design(
    frame: pd.DataFrame, y: Hashable, xs: list[Hashable], *, entity_fx: bool, time_fx: bool
) -> None:
    """Name regressors with no (within) variation and detect exact collinearity before fitting."""
    Z = frame[[y, *xs]].to_numpy()
    Zt = _demean(Z, *_codes(frame), entity_fx=entity_fx, time_fx=time_fx)
    scale = np.abs(Z).max(axis=0) + 1.0
    flat = [c for c, s, sc in zip([y, *xs], Zt.std(axis=0), scale, strict=True) if s <= 1e-10 * sc]
    if flat:
        what = (
            "within variation (after removing the fixed effects)" if (entity_fx or time_fx) else "variation"
        )
        raise DataError(f"no {what} in column(s) {format_keys(flat)}")
    X = Zt[:, 1:]
    rank = np.linalg.matrix_rank(X / X.std(axis=0))
    if rank < X.shape[1]:
        raise DataError(
            f"collinear regressors (rank {rank} < {X.shape[1]}) among {format_keys(xs)}"
            + (" after removing the fixed effects" if (entity_fx or time_fx) else "")
        )


def _demean(
    Z: np.ndarray,
    ent: np.ndarray,
    tim: np.ndarray,
    *,
    entity_fx: bool,
    time_fx: bool,
    tol: float = 1e-12,
    max_iter: int = 1000,
) -> np.ndarray:
    """Remove entity and/or time means (alternating projections; exact in one pass when balanced)."""
    Z = Z - 0.0
    if not (entity_fx or time_fx):
        return Z - Z.mean(axis=0)

    def sub(A: np.ndarray, codes: np.ndarray) -> np.ndarray:
        cnt = np.bincount(codes).astype(np.float64)
        sums = np.zeros((len(cnt), A.shape[1]))
        np.add.at(sums, codes, A)
        return A - (sums / np.maximum(cnt, 1)[:, None])[codes]

    for _ in range(max_iter):
        old = Z
        if entity_fx:
            Z = sub(Z, ent)
        if time_fx:
            Z = sub(Z, tim)
        if not (entity_fx and time_fx) or np.abs(Z - old).max() <= tol * (1 + np.abs(old).max()):
            break
    return Z


# ---------------------------------------------------------------------------------------------- fitting
def _absorbed_rank(frame: pd.DataFrame, *, entity_fx: bool, time_fx: bool) -> int:
    """Rank of the absorbed effects including the constant (entities + periods − components when both)."""
    ent, tim = _codes(frame)
    n_ent, n_per = len(np.unique(ent)), len(np.unique(tim))
    if entity_fx and time_fx:
        import scipy.sparse as sp
        from scipy.sparse.csgraph import connected_components

        _, e = np.unique(ent, return_inverse=True)
        _, t = np.unique(tim, return_inverse=True)
        a = sp.coo_matrix((np.ones(len(e)), (e, n_ent + t)), shape=(n_ent + n_per, n_ent + n_per))
        return n_ent + n_per - int(connected_components(a, directed=False)[0])
    if entity_fx:
        return n_ent
    if time_fx:
        return n_per
    return 1


def _check_dof(frame: pd.DataFrame, xs: list[Hashable], *, entity_fx: bool, time_fx: bool) -> int:
    """Residual degrees of freedom N − K; a saturated model (≤ 0) raises DataError (no NaN p-values)."""
    absorbed = _absorbed_rank(frame, entity_fx=entity_fx, time_fx=time_fx)
    dof = len(frame) - len(xs) - absorbed
    if dof <= 0:
        what = "absorbed effects and constant" if (entity_fx or time_fx) else "constant"
        raise DataError(
            f"no residual degrees of freedom: {len(frame)} observations, {len(xs)} regressor(s) "
            f"and {absorbed} parameter(s) for the {what} (saturated model); standard errors and "
            "p-values are undefined. Use more observations or fewer regressors/effects"
        )
    return dof


def _fit_linearmodels(
    frame: pd.DataFrame,
    y: Hashable,
    xs: list[Hashable],
    *,
    entity_fx: bool,
    time_fx: bool,
    cluster: Cluster,
    g: int,
) -> Any:
    from linearmodels import PanelOLS

    exog = frame[xs].copy()
    exog.columns = [str(c) for c in xs]
    if not entity_fx and not time_fx:
        exog.insert(0, "const", 1.0)
    dep = frame[y].rename(str(y))
    try:
        model = PanelOLS(dep, exog, entity_effects=entity_fx, time_effects=time_fx)
        if cluster is None:
            return model.fit(cov_type="robust", debiased=True)
        return model.fit(
            cov_type="clustered",
            cluster_entity=cluster in ("entity", "both"),
            cluster_time=cluster in ("time", "both"),
            debiased=True,
            group_debias=True,
            auto_df=False,
            count_effects=False,
        )
    except Exception as err:  # linearmodels' AbsorbingEffectError, ValueError, LinAlgError ...
        raise DataError(
            f"the model of {y!r} on {format_keys(xs)} cannot be estimated "
            f"({len(frame)} observations, {g} cluster(s)): {err}".strip()
        ) from err


def _check_finite(fitted: Any, dep: np.ndarray, y: Hashable, xs: list[Hashable]) -> None:
    """A perfect fit or an undefined covariance raises DataError, not NaN or zero standard errors."""
    e = np.asarray(fitted.resids, dtype=np.float64)
    tss = float(np.sum((dep - dep.mean()) ** 2))
    if tss > 0 and float(e @ e) <= 1e-24 * tss:
        raise DataError(
            f"{y!r} is fitted exactly by {format_keys(xs)} and the effects (zero residuals): "
            "standard errors and p-values are undefined"
        )
    bad = [
        n
        for n in fitted.params.index
        if not (
            np.isfinite(fitted.std_errors[n]) and fitted.std_errors[n] > 0 and np.isfinite(fitted.pvalues[n])
        )
    ]
    if bad:
        raise DataError(
            f"standard errors or p-values undefined for {format_keys(bad)} (too few clusters or "
            "observations for this covariance estimator)"
        )


def _cov_factor(n: int, k: int, cluster: Cluster, g: int) -> float:
    if cluster is None:
        return n / (n - k)
    return g / (g - 1) * (n - 1) / (n - k)


def _stata_constant(
    frame: pd.DataFrame,
    y: Hashable,
    xs: list[Hashable],
    fitted: Any,
    *,
    entity_fx: bool,
    time_fx: bool,
    cluster: Cluster,
    g: int,
) -> pd.Series:
    """``xtreg, fe``'s ``_cons`` (coef, se, t, p) by the augmented regression (module docstring)."""
    from scipy import stats

    if not (entity_fx or time_fx):
        name = "const"
        return pd.Series(
            {
                "coef": float(fitted.params[name]),
                "se": float(fitted.std_errors[name]),
                "t": float(fitted.tstats[name]),
                "p": float(fitted.pvalues[name]),
            },
            name="_cons",
        )
    X = frame[xs].to_numpy(dtype=np.float64)
    b = fitted.params.to_numpy(dtype=np.float64)
    xbar = X.mean(axis=0)
    coef = float(frame[y].to_numpy(dtype=np.float64).mean() - xbar @ b)
    ent, tim = _codes(frame)
    Xw = _demean(X, ent, tim, entity_fx=entity_fx, time_fx=time_fx)
    e = np.asarray(fitted.resids, dtype=np.float64)
    Xa = np.column_stack([np.ones(len(X)), Xw + xbar])
    score = Xa * e[:, None]

    def meat(codes: np.ndarray) -> np.ndarray:
        s = np.zeros((int(codes.max()) + 1, Xa.shape[1]))
        np.add.at(s, codes, score)
        return s.T @ s

    rows = np.arange(len(X))
    M = {
        None: lambda: meat(rows),
        "entity": lambda: meat(ent),
        "time": lambda: meat(tim),
        "both": lambda: meat(ent) + meat(tim) - meat(rows),
    }[cluster]()
    B = np.linalg.inv(Xa.T @ Xa)
    V = _cov_factor(len(X), len(xs), cluster, g) * (B @ M @ B)
    se = math.sqrt(max(float(V[0, 0]), 0.0))
    t = coef / se if se > 0 else float("nan")
    p = float(2 * stats.t.sf(abs(t), fitted.df_resid)) if se > 0 else float("nan")
    return pd.Series({"coef": coef, "se": se, "t": t, "p": p}, name="_cons")


def _r2_within(frame: pd.DataFrame, yv: np.ndarray, e: np.ndarray, fitted: Any) -> float:
    """Stata's ``xtreg, fe`` R² within: :math:`1 - e'e / \\sum_{it} (y_{it} - \\bar y_i)^2`, with *e* the
    model's residuals (time effects, when present, are part of the fit, as ``i.year`` is in Stata).
    linearmodels' ``rsquared_within`` leaves the time effects out of the fit and can be negative."""
    ybar = pd.Series(yv).groupby(frame.index.get_level_values(0).to_numpy()).transform("mean").to_numpy()
    tss_w = float(np.sum((yv - ybar) ** 2))
    return 1.0 - float(e @ e) / tss_w if tss_w > 0 else float(fitted.rsquared_within)


def _fit(
    frame: pd.DataFrame, y: Hashable, xs: list[Hashable], *, entity_fx: bool, time_fx: bool, cluster: Cluster
) -> PanelResult:
    check_option(cluster, _CLUSTERS, name="cluster")
    _check_design(frame, y, xs, entity_fx=entity_fx, time_fx=time_fx)
    dof = _check_dof(frame, xs, entity_fx=entity_fx, time_fx=time_fx)
    n_ent = frame.index.get_level_values(0).nunique()
    n_per = frame.index.get_level_values(1).nunique()
    g = {"entity": n_ent, "time": n_per, "both": min(n_ent, n_per), None: len(frame)}[cluster]
    if cluster is not None:
        if g < 2:
            raise DataError(f"cannot cluster by {cluster}: only {g} cluster(s)")
        if g < _FEW_CLUSTERS:
            warnings.warn(
                f"only {g} clusters ({cluster}); cluster-robust standard errors are unreliable "
                f"with fewer than about {_FEW_CLUSTERS}",
                GeoagglWarning,
                stacklevel=3,
            )
    fitted = _fit_linearmodels(frame, y, xs, entity_fx=entity_fx, time_fx=time_fx, cluster=cluster, g=g)
    _check_finite(fitted, frame[y].to_numpy(dtype=np.float64), y, xs)
    cov = _HC1 if cluster is None else f"{_CONVENTION}; clusters: {cluster} (G={g})"
    eff = "+".join(e for e, on in (("entity", entity_fx), ("time", time_fx)) if on) or "none"
    resid = fitted.resids.copy()
    resid.name = "residual"
    yv = frame[y].to_numpy(dtype=np.float64)
    e = resid.to_numpy(dtype=np.float64)
    tss = float(np.sum((yv - yv.mean()) ** 2))
    r2 = 1.0 - float(e @ e) / tss
    r2_adj = 1.0 - (1.0 - r2) * (len(frame) - 1) / dof
    r2_within = _r2_within(frame, yv, e, fitted) if entity_fx else float(fitted.rsquared_within)
    cons = _stata_constant(frame, y, xs, fitted, entity_fx=entity_fx, time_fx=time_fx, cluster=cluster, g=g)
    return PanelResult(
        params=fitted.params.copy(),
        se=fitted.std_errors.copy(),
        tstats=fitted.tstats.copy(),
        pvalues=fitted.pvalues.copy(),
        nobs=int(fitted.nobs),
        n_entities=int(n_ent),
        n_periods=int(n_per),
        r2_within=r2_within,
        resids=resid,
        cov_type=cov,
        effects=eff,
        dependent=str(y),
        raw=fitted,
        cons=cons,
        rsquared=r2,
        rsquared_adj=r2_adj,
        df_resid=int(dof),
    )


def panel_fe(
    df: pd.DataFrame,
    *,
    y: Hashable,
    x: Hashable | Sequence[Hashable],
    controls: Sequence[Hashable] = (),
    entity: Hashable | None = "adcode",
    time: Hashable | None = "year",
    cluster: Cluster = "entity",
    log: Sequence[Hashable] = (),
    entity_effects: bool = True,
    time_effects: bool = True,
) -> PanelResult:
    r"""Two-way fixed-effects regression with cluster-robust standard errors (Song & Li, Table 1).

    .. math::

        y_{it} = \alpha' x_{it} + \beta' X_{it} + \mu_i + \nu_t + \varepsilon_{it}

    estimated by linearmodels ``PanelOLS(entity_effects=True, time_effects=True)``.

    Parameters
    ----------
    df : pandas.DataFrame
        Long panel; ``entity`` and ``time`` are columns or index levels.
    y : label
        Dependent variable.
    x : label or sequence of labels
        Regressor(s) of interest.
    controls : sequence of labels
        Control variables :math:`X`.
    entity, time : label or None, default "adcode", "year"
        Entity and time keys.  With ``entity_effects=False, time_effects=False``
        and the default keys absent from ``df``, the table is a cross-section
        (one row per unit, named by the row index): OLS with a constant and HC1
        standard errors.  ``time=None`` also means a cross-section.
    cluster : {"entity", "time", "both"} or None, default "entity"
        Cluster variable(s) for the covariance; ``None`` → HC1 robust (always
        for a cross-section).  Degrees of freedom: see the module docstring
        (``G/(G-1)·(N-1)/(N-k)``).
    log : sequence of labels
        Columns replaced by their natural log (must be > 0; offending rows named).
    entity_effects, time_effects : bool, default True
        Which fixed effects to absorb (without any, a constant is added).

    Returns
    -------
    PanelResult
        Slopes in ``params``/``se``/``tstats``/``pvalues`` (as before); Stata's
        ``_cons`` in :attr:`PanelResult.cons`, the LSDV R² and adjusted R² in
        :attr:`PanelResult.rsquared` and :attr:`PanelResult.rsquared_adj`.

    Raises
    ------
    DataError
        Missing columns or keys (the message says what to pass), missing
        entity/time keys, duplicated (entity, time) rows, non-positive values
        to log, regressors without within variation or collinear, fewer than 3
        entities, fewer than 2 clusters, no residual degrees of freedom
        (saturated model), an exact fit.
    OptionError
        ``cluster`` not one of the values above.

    Warns
    -----
    MissingValuesWarning
        Rows dropped for missing values (listwise), named as (entity, time).
    GeoagglWarning
        Singleton rows dropped (alone in their entity or period), unbalanced
        panels, fewer than 20 clusters.

    References
    ----------
    StataCorp. *Stata Longitudinal-Data/Panel-Data Reference Manual*:
    ``xtreg, fe vce(cluster)``. Stata Press, College Station, TX.

    Cameron, A. C. and Miller, D. L. (2015). A practitioner's guide to
    cluster-robust inference. *Journal of Human Resources*, 50(2), 317-372.

    Wooldridge, J. M. (2010). *Econometric Analysis of Cross Section and Panel
    Data*, 2nd ed. MIT Press, Cambridge, MA.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from geoaggl import models
    >>> rng = np.random.default_rng(0)
    >>> df = pd.DataFrame({"adcode": np.repeat(list("abcdefghij"), 5), "year": list(range(5)) * 10,
    ...                    "x": rng.normal(size=50)})
    >>> df["y"] = 1 + 2 * df["x"] + 0.01 * rng.normal(size=50)
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")  # few clusters
    ...     res = models.panel_fe(df, y="y", x="x")
    >>> round(float(res.params["x"]), 1), list(res.cons.index)
    (2.0, ['coef', 'se', 't', 'p'])
    """
    check_option(cluster, _CLUSTERS, name="cluster", where="panel_fe")
    xs = as_labels(x) + as_labels(controls)
    if not xs:
        raise DataError("x: at least one regressor is needed")
    fx = bool(entity_effects) or bool(time_effects)
    entity, time = _resolve_keys(
        df,
        entity,
        time,
        effects=fx,
        where="panel_fe",
        how="entity_effects=False, time_effects=False (OLS with a constant)",
    )
    if time is None:
        if fx:
            raise DataError(
                "panel_fe: time=None (a cross-section) cannot absorb fixed effects; pass "
                "entity_effects=False, time_effects=False, or time= naming the period column"
            )
        cluster = None
    frame = _frame(
        df,
        [y, *xs],
        entity=entity,
        time=time,
        log=as_labels(log),
        entity_fx=bool(entity_effects),
        time_fx=bool(time_effects),
    )
    return _fit(frame, y, xs, entity_fx=bool(entity_effects), time_fx=bool(time_effects), cluster=cluster)


# ---------------------------------------------------------------------------------------------- mediation
def _norm_p(z: float) -> float:
    return math.erfc(abs(z) / math.sqrt(2.0))


def _boot_indirect(
    frame: pd.DataFrame,
    y: Hashable,
    m: Hashable,
    x: Hashable,
    controls: list[Hashable],
    *,
    a_controls: bool,
    entity_fx: bool,
    time_fx: bool,
    n_boot: int,
    rng: np.random.Generator,
    client: Any = None,
) -> tuple[np.ndarray, np.ndarray]:
    r"""Entity-bootstrap of :math:`a`, :math:`b`; returns (a·b draws, point a·b with unit weights).

    Resampling whole entities with replacement is a weighted regression with
    integer entity weights :math:`w_g` (a duplicated entity gets its own,
    identical, fixed effect).  Entity effects are removed by entity demeaning
    (weights are constant within an entity, so the means are unweighted), time
    effects by Frisch–Waugh with entity-demeaned time dummies.  Each draw then
    needs only :math:`\sum_g w_g Q_g`, the weighted sum of per-entity
    cross-product matrices, so all draws are one matrix product.  The draws run in blocks of at
    most ``BUDGET / G`` replicates (one block unless the panel is large), through
    :func:`~geoaggl._engine.map_blocks` with one generator per block, so the draws are the same
    with or without a Dask ``client``.
    """
    ent, tim = _codes(frame)
    G = int(ent.max()) + 1
    Z = frame[[y, m, x, *controls]].to_numpy(dtype=np.float64)
    n_per = int(tim.max()) + 1
    if time_fx:
        D = np.zeros((len(frame), n_per))
        D[np.arange(len(frame)), tim] = 1.0
        if entity_fx:
            D = D[:, 1:]
    elif entity_fx:
        D = np.zeros((len(frame), 0))
    else:
        D = np.ones((len(frame), 1))
    A = np.hstack([Z, D])
    if entity_fx:
        A = _demean(A, ent, tim, entity_fx=True, time_fx=False)
    q = A.shape[1]
    p = Z.shape[1]
    Q = np.zeros((G, q * q))
    np.add.at(Q, ent, np.einsum("ni,nj->nij", A, A).reshape(len(A), q * q))
    chunk = max(1, min(n_boot, BUDGET // max(1, G)))
    sizes = [min(n_boot, b0 + chunk) - b0 for b0 in range(0, n_boot, chunk)]
    gens = block_generators(rng, len(sizes))
    items = [(nb, g, i == 0) for i, (nb, g) in enumerate(zip(sizes, gens, strict=True))]
    # path a: m ~ x (+ controls); path b: y ~ m + x + controls.  Column order in S: y, m, x, controls...
    xa = [2, *range(3, p)] if a_controls else [2]
    xb = [1, 2, *range(3, p)]
    done = map_blocks(_boot_ab_block, items, client=client, shared={"Q": Q, "p": p, "xa": xa, "xb": xb})
    sync_generator(rng, done[0][1])
    ab = np.concatenate([d[0] for d in done])
    return ab[1:], ab[:1]


def _boot_ab_block(
    item: tuple[int, np.random.Generator, bool], *, Q: np.ndarray, p: int, xa: list[int], xb: list[int]
) -> tuple[np.ndarray, np.random.Generator]:
    """a·b for one block of entity-weight draws (row 0 of block 0: unit weights, the point estimate)."""
    nb, rng, first = item
    G, q = Q.shape[0], math.isqrt(Q.shape[1])
    W = rng.multinomial(G, np.full(G, 1.0 / G), size=nb)
    if first:
        W = np.vstack([np.ones((1, G)), W])
    M = (W @ Q).reshape(-1, q, q)
    S = M[:, :p, :p]
    if q > p:
        Mzd = M[:, :p, p:]
        S = S - Mzd @ np.linalg.pinv(M[:, p:, p:], hermitian=True) @ np.swapaxes(Mzd, 1, 2)
    return _batched_coef(S, xa, 1) * _batched_coef(S, xb, 0), rng


def _batched_coef(S: np.ndarray, cols: list[int], dep: int) -> np.ndarray:
    """First coefficient of the regression of column ``dep`` on ``cols`` for each cross-product matrix."""
    XX = S[:, cols][:, :, cols]
    Xy = S[:, cols, dep]
    try:
        return np.linalg.solve(XX, Xy[..., None])[:, 0, 0]
    except np.linalg.LinAlgError:
        out = np.full(len(S), np.nan)
        for i in range(len(S)):
            try:
                out[i] = np.linalg.solve(XX[i], Xy[i])[0]
            except np.linalg.LinAlgError:
                pass
        return out


class Mediation:
    r"""Stepwise mediation (Baron–Kenny / Wen Zhonglin 2014) of ``x → m → y`` (Song & Li, eqs 12–14).

    Three regressions, each with the same controls, sample and fixed effects:

    .. math::

        y = c\,x + \beta' X + \varepsilon \quad (12) \qquad
        m = a\,x + \beta' X + \mu \quad (13) \qquad
        y = c'\,x + b\,m + \beta' X + \zeta \quad (14)

    Indirect effect :math:`ab`, share :math:`ab/c` (with identical samples and
    controls :math:`c = c' + ab` exactly), Sobel's first-order test

    .. math::

        z = \frac{ab}{\sqrt{b^2 s_a^2 + a^2 s_b^2}}, \qquad p = 2(1 - \Phi(|z|))

    and a percentile bootstrap CI of :math:`ab` resampling whole entities
    (cities) with replacement (rows, in a cross-section).

    Use :func:`mediation` to construct.

    Attributes
    ----------
    c, a, b, c_prime : float
        Total effect, path x→m, path m→y (given x) and direct effect.
    indirect : float
        :math:`ab`.
    share : float
        :math:`ab/c` (NaN when c is 0).
    sobel_z, sobel_p : float
        Sobel statistic and two-sided normal p-value.
    ci : tuple of float
        Bootstrap percentile CI of :math:`ab` at ``ci_level`` ((nan, nan) with ``n_boot=0``).
    boot : numpy.ndarray
        Bootstrap draws of :math:`ab` (failed, singular draws removed).
    models : dict
        ``"total"``, ``"mediator"``, ``"outcome"`` → :class:`PanelResult` of (12), (13), (14).
    paths : pandas.DataFrame
        ``coef``, ``se``, ``z`` (or t), ``p`` for c, a, b, c′ and the indirect effect (Sobel).
    kind : str
        ``"partial mediation"``, ``"full mediation"``, ``"suppression"`` (c′ and ab of
        opposite sign), ``"indirect effect (bootstrap)"`` (a or b not significant but the
        CI excludes 0) or ``"no mediation"``; significance at ``alpha``.
    nobs : int
        Observations used.

    References
    ----------
    Baron, R. M. and Kenny, D. A. (1986). The moderator-mediator variable
    distinction in social psychological research: conceptual, strategic, and
    statistical considerations. *Journal of Personality and Social Psychology*,
    51(6), 1173-1182.

    Sobel, M. E. (1982). Asymptotic confidence intervals for indirect effects in
    structural equation models. *Sociological Methodology*, 13, 290-312.

    Wen Zhonglin and Ye Baojuan (温忠麟, 叶宝娟) (2014). 中介效应分析: 方法和模型发展
    ("Analyses of mediating effects: the development of methods and models").
    *Advances in Psychological Science* (心理科学进展), 22(5), 731-745.

    Song Deyong and Li Dongfang (宋德勇, 李东方).
    国家级城市群高质量平衡增长研究——基于产业分工的视角 ("High-quality balanced growth of
    national urban agglomerations: an industrial division-of-labour perspective"), eqs 12-14 and Table 5.

    Examples
    --------
    Returned by :func:`mediation` (not constructed directly).  With the same
    sample, controls and effects in the three regressions, OLS gives the total
    effect exactly as the direct plus the indirect effect, ``c = c' + ab``:

    >>> import numpy as np, pandas as pd
    >>> from geoaggl import models
    >>> rng = np.random.default_rng(0)
    >>> df = pd.DataFrame({"adcode": np.repeat(list("abcdefghij"), 5), "year": list(range(2010, 2015)) * 10})
    >>> df["x"] = rng.normal(size=50)
    >>> df["m"] = 0.5 * df["x"] + rng.normal(size=50)
    >>> df["y"] = df["x"] + 2 * df["m"] + rng.normal(size=50)
    >>> med = models.mediation(df, y="y", x="x", m="m", n_boot=99, seed=1)
    >>> round(med.c - (med.c_prime + med.indirect), 12)
    0.0
    >>> list(med.paths.index)
    ['c', 'a', 'b', 'c_prime', 'indirect']
    """

    def __init__(
        self,
        *,
        x: str,
        m: str,
        y: str,
        models: dict[str, PanelResult],
        boot: np.ndarray,
        ci_level: float,
        alpha: float,
        controls: list[str],
        n_failed: int,
    ) -> None:
        self.x, self.m, self.y = x, m, y
        self.models = models
        self.controls = controls
        tot, med, out = models["total"], models["mediator"], models["outcome"]
        self.c = float(tot.params[x])
        self.a = float(med.params[x])
        self.b = float(out.params[m])
        self.c_prime = float(out.params[x])
        self.indirect = self.a * self.b
        self.share = self.indirect / self.c if self.c != 0 else float("nan")
        se_a, se_b = float(med.se[x]), float(out.se[m])
        se_ab = math.sqrt(self.b**2 * se_a**2 + self.a**2 * se_b**2)
        self.sobel_se = se_ab
        self.sobel_z = self.indirect / se_ab if se_ab > 0 else float("nan")
        self.sobel_p = _norm_p(self.sobel_z) if np.isfinite(self.sobel_z) else float("nan")
        self.boot = boot
        self.n_boot_failed = n_failed
        self.ci_level = ci_level
        self.alpha = alpha
        if len(boot):
            lo, hi = np.percentile(boot, [50 * (1 - ci_level), 50 * (1 + ci_level)])
            self.ci = (float(lo), float(hi))
        else:
            self.ci = (float("nan"), float("nan"))
        self.nobs = tot.nobs
        self.paths = pd.DataFrame(
            {
                "coef": [self.c, self.a, self.b, self.c_prime, self.indirect],
                "se": [float(tot.se[x]), se_a, se_b, float(out.se[x]), se_ab],
                "z": [
                    float(tot.tstats[x]),
                    float(med.tstats[x]),
                    float(out.tstats[m]),
                    float(out.tstats[x]),
                    self.sobel_z,
                ],
                "p": [
                    float(tot.pvalues[x]),
                    float(med.pvalues[x]),
                    float(out.pvalues[m]),
                    float(out.pvalues[x]),
                    self.sobel_p,
                ],
            },
            index=pd.Index(["c", "a", "b", "c_prime", "indirect"], name="path"),
        )
        self.kind = self._kind()

    def _kind(self) -> str:
        p = self.paths["p"]
        ci_excludes0 = np.isfinite(self.ci[0]) and (self.ci[0] > 0 or self.ci[1] < 0)
        if p["a"] < self.alpha and p["b"] < self.alpha:
            if p["c_prime"] >= self.alpha:
                return "full mediation"
            return "partial mediation" if np.sign(self.c_prime) == np.sign(self.indirect) else "suppression"
        return "indirect effect (bootstrap)" if ci_excludes0 else "no mediation"

    def __repr__(self) -> str:
        return (
            f"Mediation({self.x} → {self.m} → {self.y}: c={self.c:.4g}, a={self.a:.4g}, b={self.b:.4g}, "
            f"c'={self.c_prime:.4g}, ab={self.indirect:.4g}, share={self.share:.2%}, "
            f"Sobel z={self.sobel_z:.3g}, CI={self.ci[0]:.4g}..{self.ci[1]:.4g}, {self.kind})"
        )

    def table(self, *, digits: int = 3) -> pd.DataFrame:
        """Song & Li's Table 5 layout: coefficient rows with (s.e.) rows under them, per equation.

        Columns ``total effect (12)``, ``mediator (13)``, ``mediation (14)``; rows
        x, its s.e., m, its s.e., ``controls``, ``N``, ``R² within``, then the
        indirect effect, its share, Sobel z (p), the bootstrap CI and the
        conclusion in the first column.  Cells are strings with stars
        (* 10 %, ** 5 %, *** 1 %).

        Parameters
        ----------
        digits : int, default 3
            Decimals of the coefficients and standard errors.

        Returns
        -------
        pandas.DataFrame
            Strings; one column per equation, the rows listed above.
        """
        f = f"{{:.{digits}f}}"
        cols = ["total effect (12)", "mediator (13)", "mediation (14)"]
        keys = ["total", "mediator", "outcome"]

        def cell(res: PanelResult, name: str) -> tuple[str, str]:
            if name not in res.params.index:
                return "", ""
            return f.format(res.params[name]) + _stars(res.pvalues[name]), "(" + f.format(res.se[name]) + ")"

        rows: dict[str, list[str]] = {self.x: [], f"({self.x} s.e.)": [], self.m: [], f"({self.m} s.e.)": []}
        for k in keys:
            cx, sx = cell(self.models[k], self.x)
            cm, sm = cell(self.models[k], self.m)
            rows[self.x].append(cx)
            rows[f"({self.x} s.e.)"].append(sx)
            rows[self.m].append(cm)
            rows[f"({self.m} s.e.)"].append(sm)
        has_c = [
            "YES" if (self.controls and (k != "mediator" or self.models[k].params.index.size > 1)) else "NO"
            for k in keys
        ]
        rows["controls"] = has_c
        rows["N"] = [str(self.models[k].nobs) for k in keys]
        rows["R² within"] = [f.format(self.models[k].r2_within) for k in keys]
        ci = "" if not np.isfinite(self.ci[0]) else f"[{f.format(self.ci[0])}, {f.format(self.ci[1])}]"
        rows["indirect effect a·b"] = [f.format(self.indirect) + _stars(self.sobel_p), "", ""]
        rows["share a·b/c"] = [f"{self.share:.2%}" if np.isfinite(self.share) else "", "", ""]
        rows["Sobel z (p)"] = [f"{self.sobel_z:.3f} ({self.sobel_p:.4f})", "", ""]
        rows[f"bootstrap {self.ci_level:.0%} CI"] = [ci, "", ""]
        rows["mediation"] = [self.kind, "", ""]
        return pd.DataFrame.from_dict(rows, orient="index", columns=cols)


def mediation(
    df: pd.DataFrame,
    *,
    y: Hashable,
    x: Hashable,
    m: Hashable,
    controls: Sequence[Hashable] = (),
    entity: Hashable | None = "adcode",
    time: Hashable | None = "year",
    fixed_effects: bool = True,
    n_boot: int | None = None,
    seed: int | None = None,
    cluster: Cluster = "entity",
    log: Sequence[Hashable] = (),
    a_controls: bool = True,
    ci_level: float = 0.95,
    alpha: float = 0.05,
    client: Any = None,
) -> Mediation:
    r"""Stepwise mediation ``x → m → y``: fixed effects, Sobel test, entity bootstrap (Song & Li, Table 5).

    Fits (12) :math:`y \sim c\,x + X`, (13) :math:`m \sim a\,x + X`, (14)
    :math:`y \sim c'x + b\,m + X` on one common sample (rows missing any
    variable dropped, with a warning), each by :func:`panel_fe`'s estimator;
    see :class:`Mediation` for the statistics.

    Parameters
    ----------
    df : pandas.DataFrame
        Panel (``entity`` and ``time`` columns/levels) or cross-section.
    y, x, m : label
        Outcome (Song & Li: ln hgdp), treatment (ln trans) and mediator (ln div).
    controls : sequence of labels
        Controls :math:`X` (ln fdi, ln edu, ln gov, ln inv).
    entity : label or None, default "adcode"
        Entity key (column or index level); ``None`` → the row index labels.
        The bootstrap resamples entities, and standard errors cluster on them.
    time : label or None, default "year"
        Time key; ``None`` → cross-section: OLS with a constant, HC1 robust
        standard errors (``cluster`` ignored), and ``fixed_effects`` cannot apply.
    fixed_effects : bool, default True
        Two-way (entity and time) fixed effects in all three equations (panels only).
        ``False`` → pooled OLS with a constant.  With ``False`` and the default
        keys (``adcode``, ``year``) absent from ``df``, the table is taken as a
        cross-section: one row per unit, named by the row index, and the
        bootstrap resamples rows.
    n_boot : int, optional
        Bootstrap replications (0 skips the bootstrap); default ``geoaggl.settings.n_boot`` (999).
    seed : int or numpy.random.Generator, optional
        Seed of the bootstrap's private generator (:func:`numpy.random.default_rng`;
        NumPy's global state is never touched).
    cluster : {"entity", "time", "both"} or None, default "entity"
        Covariance of panel models (see the module docstring).
    log : sequence of labels
        Columns replaced by their natural log before fitting.
    a_controls : bool, default True
        Include the controls in path a (Song & Li's Table 5 marks controls YES in
        all three columns; its eq. 13 prints none).  With ``False``,
        :math:`c \ne c' + ab` in general.
    ci_level : float, default 0.95
        Bootstrap CI level.
    alpha : float, default 0.05
        Significance level for :attr:`Mediation.kind`.
    client : dask.distributed.Client, optional
        Run the bootstrap draws on this Dask client (default: ``geoaggl.settings.dask_client``;
        None runs them here).  The draws come in memory-bounded blocks, the same with or
        without a client, each with its own generator derived from ``seed``, so a fixed seed
        gives bitwise-identical draws locally and on a cluster.

    Returns
    -------
    Mediation

    Raises
    ------
    DataError
        A mediator (or any variable) without (within) variation, collinear
        regressors, fewer than 3 entities, duplicated or missing keys, bad
        logs, no residual degrees of freedom; absent keys with
        ``fixed_effects=True`` (the message says what to pass).
    OptionError, ParameterTypeError
        Bad ``cluster``, ``n_boot``, ``seed``, ``ci_level`` or ``alpha``.

    Warns
    -----
    MissingValuesWarning
        Rows dropped for missing values, named as (entity, time), once.
    GeoagglWarning
        Singletons dropped, unbalanced panels, few clusters, failed bootstrap draws.

    References
    ----------
    Baron, R. M. and Kenny, D. A. (1986). The moderator-mediator variable
    distinction in social psychological research: conceptual, strategic, and
    statistical considerations. *Journal of Personality and Social Psychology*,
    51(6), 1173-1182.

    Sobel, M. E. (1982). Asymptotic confidence intervals for indirect effects in
    structural equation models. *Sociological Methodology*, 13, 290-312.

    Song Deyong and Li Dongfang (宋德勇, 李东方).
    国家级城市群高质量平衡增长研究——基于产业分工的视角 ("High-quality balanced growth of
    national urban agglomerations: an industrial division-of-labour perspective"), eqs 12-14 and Table 5.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from geoaggl import models
    >>> rng = np.random.default_rng(0)
    >>> df = pd.DataFrame({"adcode": np.repeat(list("abcdefghij"), 5), "year": list(range(2010, 2015)) * 10})
    >>> df["x"] = rng.normal(size=50)
    >>> df["m"] = 0.5 * df["x"] + rng.normal(size=50)
    >>> df["y"] = df["x"] + 2 * df["m"] + rng.normal(size=50)
    >>> med = models.mediation(df, y="y", x="x", m="m", n_boot=99, seed=1)
    >>> round(med.b, 2), med.nobs
    (1.99, 50)
    """
    n_boot = check_int(
        setting(n_boot, "n_boot"), name="n_boot", minimum=0, maximum=MAX_BOOT, where="mediation"
    )
    ci_level = check_real(ci_level, name="ci_level", minimum=0, maximum=1, strict_min=True, where="mediation")
    if ci_level >= 1:
        raise DataError(f"mediation: ci_level must lie in (0, 1); got {ci_level}")
    alpha = check_real(alpha, name="alpha", minimum=0, maximum=1, strict_min=True, where="mediation")
    check_option(cluster, _CLUSTERS, name="cluster", where="mediation")
    rng = check_seed(seed, where="mediation")
    ctrl = as_labels(controls)
    entity, time = _resolve_keys(
        df,
        entity,
        time,
        effects=bool(fixed_effects) and time is not None,
        where="mediation",
        how="fixed_effects=False (or entity=None, time=None)",
    )
    cross = time is None
    fx = bool(fixed_effects) and not cross
    frame = _frame(
        df, [y, m, x, *ctrl], entity=entity, time=time, log=as_labels(log), entity_fx=fx, time_fx=fx
    )
    if cross and frame.index.get_level_values(0).has_duplicates:
        dup = frame.index.get_level_values(0)
        raise DataError(
            f"cross-section (no time key) with repeated units "
            f"{format_keys(dup[dup.duplicated()])}: pass time= naming the period column for a "
            "panel"
        )
    cl: Cluster = None if cross else cluster
    xa = [x, *ctrl] if a_controls else [x]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GeoagglWarning)  # warned once below, not per equation
        models = {
            "total": _fit(frame, y, [x, *ctrl], entity_fx=fx, time_fx=fx, cluster=cl),
            "mediator": _fit(frame, m, xa, entity_fx=fx, time_fx=fx, cluster=cl),
            "outcome": _fit(frame, y, [m, x, *ctrl], entity_fx=fx, time_fx=fx, cluster=cl),
        }
    if cl is not None:
        g = models["total"].n_entities if cl == "entity" else models["total"].n_periods
        if g < _FEW_CLUSTERS:
            warnings.warn(
                f"only {g} clusters; cluster-robust standard errors (and the Sobel test) are unreliable",
                GeoagglWarning,
                stacklevel=2,
            )
    boot = np.empty(0)
    n_failed = 0
    if n_boot:
        draws, _point = _boot_indirect(
            frame,
            y,
            m,
            x,
            ctrl,
            a_controls=a_controls,
            entity_fx=fx,
            time_fx=fx,
            n_boot=n_boot,
            rng=rng,
            client=client,
        )
        ok = np.isfinite(draws)
        n_failed = int((~ok).sum())
        if n_failed:
            warnings.warn(
                f"{n_failed} of {n_boot} bootstrap draws were singular and were discarded",
                GeoagglWarning,
                stacklevel=2,
            )
        boot = draws[ok]
    return Mediation(
        x=str(x),
        m=str(m),
        y=str(y),
        models=models,
        boot=boot,
        ci_level=ci_level,
        alpha=alpha,
        controls=[str(c) for c in ctrl],
        n_failed=n_failed,
    )


# ---------------------------------------------------------------------------------------------- heterogeneity
def _points(obj: Any) -> tuple[pd.Index, np.ndarray, np.ndarray]:
    """Longitude/latitude (WGS84) of each row: seat columns, lon/lat columns, point geometry."""
    import geopandas as gpd

    if isinstance(obj, pd.DataFrame):
        for lo, la in (("seat_lon", "seat_lat"), ("lon", "lat"), ("longitude", "latitude"), ("x", "y")):
            if lo in obj.columns and la in obj.columns:
                return (
                    obj.index,
                    as_float_array(obj[lo], what=f"column {lo!r}"),
                    as_float_array(obj[la], what=f"column {la!r}"),
                )
        if isinstance(obj, gpd.GeoDataFrame):
            obj = obj.geometry
        else:
            raise DataError("points: need seat_lon/seat_lat or lon/lat columns, or a point geometry")
    if isinstance(obj, gpd.GeoSeries):
        if obj.crs is None:
            raise DataError("points: the geometry has no CRS; set it (WGS84, EPSG:4326)")
        g = obj.to_crs(4326) if not obj.crs.equals("EPSG:4326") else obj
        if not (g.geom_type == "Point").all():
            raise DataError(
                "points: use seat points (seat_lon/seat_lat) or a Point geometry, not polygons "
                "(a polygon's centroid can fall on the other side of the line)"
            )
        return obj.index, g.x.to_numpy(dtype=np.float64), g.y.to_numpy(dtype=np.float64)
    raise ParameterTypeError(f"points: expected a (Geo)DataFrame or GeoSeries, got {type(obj).__name__}")


def region_north(
    gdf_or_points: Any, *, line: Sequence[tuple[float, float]] | None = None, name: str = "region"
) -> pd.Series:
    r"""1 if a city's seat lies north of the Qinling–Huaihe line, else 0 (Song & Li's ``region`` dummy).

    The line is a polyline of (lon, lat) vertices with strictly increasing
    longitude (default :data:`QINLING_HUAIHE`, 104.5°E–120.3°E).  A point
    :math:`(\lambda, \varphi)` is north when :math:`\varphi > L(\lambda)`,
    where :math:`L` interpolates the line's latitude linearly between
    vertices.  West of the first vertex and east of the last, the end
    segments are extended **horizontally** (:math:`L` = the end vertex's
    latitude), so Xinjiang/Gansu compare with 34.1°N and Shandong/Jiangsu's
    coast with 34.1°N.  Points exactly on the line count as south (0).

    Parameters
    ----------
    gdf_or_points : GeoDataFrame, DataFrame or GeoSeries
        Rows with ``seat_lon``/``seat_lat`` (as :func:`geoaggl.prefectures`),
        ``lon``/``lat`` columns, or a Point geometry with a CRS.
    line : sequence of (lon, lat), optional
        A user polyline (≥ 2 vertices, longitudes strictly increasing or strictly
        decreasing; WGS84).
    name : str, default "region"
        Name of the returned Series.

    Returns
    -------
    pandas.Series
        int64 0/1 indexed like the input (a copy of its index).

    Raises
    ------
    DataError
        Missing coordinates, longitudes outside [-180, 180] or latitudes outside
        [-90, 90] (named), a malformed line.

    References
    ----------
    Song Deyong and Li Dongfang (宋德勇, 李东方).
    国家级城市群高质量平衡增长研究——基于产业分工的视角 ("High-quality balanced growth of
    national urban agglomerations: an industrial division-of-labour perspective") (the ``region`` dummy).

    Examples
    --------
    Beijing's seat lies north of the Qinling–Huaihe line, Guangzhou's south of it:

    >>> import pandas as pd
    >>> from geoaggl import models
    >>> seats = pd.DataFrame({"seat_lon": [116.4, 113.3], "seat_lat": [39.9, 23.1]},
    ...                      index=["110100", "440100"])
    >>> models.region_north(seats).to_dict()
    {'110100': 1, '440100': 0}
    """
    try:
        verts = np.asarray(QINLING_HUAIHE if line is None else line, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise DataError(f"line: expected a sequence of (lon, lat) pairs; got {line!r}") from err
    if verts.ndim != 2 or verts.shape[1] != 2 or len(verts) < 2:
        raise DataError("line: expected a sequence of at least 2 (lon, lat) pairs")
    if not np.isfinite(verts).all():
        raise DataError("line: non-finite vertex coordinates")
    if verts[-1, 0] < verts[0, 0]:
        verts = verts[::-1]
    if not (np.diff(verts[:, 0]) > 0).all():
        raise DataError("line: longitudes must be strictly monotone (one latitude per longitude)")
    idx, lon, lat = _points(gdf_or_points)
    bad = ~(np.isfinite(lon) & np.isfinite(lat))
    if bad.any():
        raise DataError(f"points: missing coordinates at {format_keys(idx[bad])}")
    out = (np.abs(lat) > 90) | (np.abs(lon) > 180)
    if out.any():
        raise DataError(
            f"points: longitude/latitude out of range ([-180, 180], [-90, 90]; WGS84 degrees "
            f"expected) at {format_keys(idx[out])}"
        )
    ref = np.interp(lon, verts[:, 0], verts[:, 1])  # clamps → horizontal extension at both ends
    return pd.Series((lat > ref).astype(np.int64), index=idx.copy(), name=name)


_TRUE = frozenset({"true", "1", "yes", "y", "t", "是"})
_FALSE = frozenset({"false", "0", "no", "n", "f", "否"})


def _flags(values: pd.Series, *, what: str) -> np.ndarray:
    """Boolean flags from bool, 0/1 numbers or 'True'/'False'-like strings; anything else is named."""
    if pd.api.types.is_bool_dtype(values.dtype) and not values.isna().any():
        return values.to_numpy(dtype=bool)
    out = np.zeros(len(values), dtype=bool)
    bad = []
    for i, (lab, v) in enumerate(zip(values.index, values.tolist(), strict=True)):
        if isinstance(v, bool | np.bool_):
            out[i] = bool(v)
        elif isinstance(v, int | float | np.integer | np.floating) and v in (0, 1):
            out[i] = bool(v)
        elif isinstance(v, str) and v.strip().lower() in _TRUE | _FALSE:
            out[i] = v.strip().lower() in _TRUE
        else:
            bad.append(f"{lab}: {v!r}")
    if bad:
        raise DataError(f"{what}: expected True/False (or 1/0, 'true'/'false'); got {format_keys(bad)}")
    return out


@renamed_kwargs(agglomeration="group", adcode="entity")
def polycentric(
    membership: pd.DataFrame,
    *,
    mono: pd.DataFrame | pd.Series | None = None,
    min_centres: int = 2,
    group: str = "agglomeration",
    entity: str = "adcode",
    central: str = "central",
    name: str = "core",
    duplicates: str = "both",
) -> pd.Series:
    """1 if a city's UA is polycentric, else 0 (Song & Li's ``core`` dummy).

    Two rules:

    * default — count the central cities (municipalities, provincial
      capitals and the five 计划单列市, the ``central`` column of
      :func:`geoaggl.agglomerations`) in each UA: polycentric when at least
      ``min_centres``;
    * ``mono=`` — the rank-size mono index: polycentric when the UA is not
      monocentric (``q <= 0.5``).  Pass :func:`geoaggl.indices.mono_index_by_group`'s
      table (a ``monocentric`` column, one row per UA; if it has a year level,
      use one year) or a boolean Series UA → monocentric.

    Parameters
    ----------
    membership : pandas.DataFrame
        One row per (UA, city), e.g. ``geoaggl.agglomerations("national11")``.
    mono : DataFrame or Series, optional
        Mono-index results per UA (see above).
    min_centres : int, default 2
        Central cities needed for "polycentric" under the count rule.
    group, entity, central : str, default "agglomeration", "adcode", "central"
        Column names in ``membership`` (``group`` and ``entity`` were ``agglomeration=`` and
        ``adcode=``, still accepted with a deprecation warning).  ``central`` may be boolean, 0/1 or
        'True'/'False' strings (as after ``read_csv(dtype=str)``).
    name : str, default "core"
    duplicates : {"both", "first", "raise"}, default "both"
        Cities listed in two UAs (邯郸, 邢台 in 京津冀 and 中原; 运城 in 中原 and
        关中平原): ``"both"`` counts them in each UA, and such a city is 1 when
        any of its UAs is polycentric (it lies in a polycentric UA);
        ``"first"`` keeps only its first listing; ``"raise"`` raises.  One
        :class:`~geoaggl.errors.DuplicateMembershipWarning` names them.

    Returns
    -------
    pandas.Series
        int64 0/1 indexed by adcode, one row per city (first-listed order).

    Raises
    ------
    DataError
        Missing columns, missing UA names or adcodes, non-boolean flags, no
        ``mono`` result for a UA, ``duplicates="raise"`` with cities in two UAs.

    References
    ----------
    Song Deyong and Li Dongfang (宋德勇, 李东方).
    国家级城市群高质量平衡增长研究——基于产业分工的视角 ("High-quality balanced growth of
    national urban agglomerations: an industrial division-of-labour perspective").

    Examples
    --------
    >>> import warnings, geoaggl
    >>> from geoaggl import models
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     core = models.polycentric(geoaggl.agglomerations("national11"))
    >>> int(core["130400"])  # 邯郸: in 京津冀 (polycentric) and 中原
    1
    """
    if not isinstance(membership, pd.DataFrame):
        raise ParameterTypeError(f"membership: expected a DataFrame, got {type(membership).__name__}")
    check_int(min_centres, name="min_centres", minimum=1, where="polycentric")
    check_option(duplicates, DUPLICATES, name="duplicates", where="polycentric")
    require_columns(membership, [group, entity], what="membership")
    for col in (group, entity):
        miss = membership[col].isna().to_numpy()
        if miss.any():
            raise DataError(f"membership: missing {col} in row(s) {format_keys(membership.index[miss])}")
    names = (
        membership.drop_duplicates(entity).set_index(entity)["name"] if "name" in membership.columns else None
    )
    mem = apply_duplicates(
        membership, unit=entity, group=group, duplicates=duplicates, where="polycentric", names=names
    )
    ua = mem[group]
    if mono is None:
        require_columns(mem, [central], what="membership")
        flags = pd.Series(_flags(mem[central], what=f"membership column {central!r}"), index=mem.index)
        poly = flags.groupby(ua.to_numpy()).sum() >= min_centres
    else:
        poly = ~_mono_flags(mono, ua)
    vals = pd.Series(ua.map(poly).astype(np.int64).to_numpy(), index=mem[entity].to_numpy())
    out = vals.groupby(level=0, sort=False).max()  # a city in two UAs: 1 if any of them is polycentric
    out.index = pd.Index(out.index, name=entity)
    out.name = name
    return out.astype(np.int64)


def _mono_flags(mono: pd.DataFrame | pd.Series, ua: pd.Series) -> pd.Series:
    if isinstance(mono, pd.DataFrame):
        if "monocentric" not in mono.columns:
            raise DataError(
                "mono: expected a 'monocentric' column (indices.mono_index_by_group's table) "
                "or a boolean Series UA → monocentric; got columns "
                f"{format_keys(list(mono.columns))}"
            )
        flag = mono["monocentric"]
    elif isinstance(mono, pd.Series):
        flag = mono
    else:
        raise ParameterTypeError(f"mono: expected a DataFrame or Series, got {type(mono).__name__}")
    if isinstance(flag.index, pd.MultiIndex):
        raise DataError("mono: one row per UA expected; select a year first (e.g. mono.xs(2017, level=1))")
    if flag.index.has_duplicates:
        raise DataError(f"mono: several rows for UA(s) {format_keys(flag.index[flag.index.duplicated()])}")
    missing = sorted(set(ua) - set(flag.index), key=str)
    if missing:
        raise DataError(f"mono: no result for UA(s) {format_keys(missing)}")
    return pd.Series(_flags(flag, what="mono 'monocentric'"), index=flag.index)


# ------------------------------------------------------------------ dynamic panels, unit roots, tables
from ._dynpanel import DynamicPanel, OverIdTest, dynamic_panel  # noqa: E402
from ._tables import RegressionTable, table  # noqa: E402
from ._unitroot import UnitRoot, unit_root  # noqa: E402

__all__ += [
    "DynamicPanel",
    "OverIdTest",
    "RegressionTable",
    "UnitRoot",
    "dynamic_panel",
    "table",
    "unit_root",
]
