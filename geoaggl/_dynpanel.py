r"""Arellano–Bond difference GMM and Blundell–Bond system GMM with ``xtabond2``'s conventions.

See :func:`dynamic_panel` for the model, the formulas and every convention.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from scipy import stats

from ._panelgrid import Grid, base_columns, make_grid, warn_gaps, warn_missing
from ._validate import check_int, check_option
from .errors import DataError, DataWarning, OptionError, ParameterTypeError, format_keys

__all__ = ["DynamicPanel", "OverIdTest", "dynamic_panel"]

_WHERE = "dynamic_panel"


class OverIdTest(NamedTuple):
    """A test of over-identifying restrictions: χ² statistic, degrees of freedom, p-value.

    References
    ----------
    Roodman, D. (2009). How to do xtabond2: an introduction to difference and
    system GMM in Stata. *The Stata Journal*, 9(1), 86-136.

    Examples
    --------
    A field of :class:`DynamicPanel` (``hansen``, ``sargan``), not constructed directly;
    a named tuple:

    >>> from geoaggl.models import OverIdTest
    >>> t = OverIdTest(statistic=3.2, df=4, pvalue=0.525)
    >>> t.df, t.pvalue
    (4, 0.525)
    """

    statistic: float
    df: int
    pvalue: float


# ---------------------------------------------------------------------------------------------- design
@dataclass
class _Design:
    """Stacked per-entity blocks: rows = [differenced eq (T) | levels eq (T, system only)]."""

    X: np.ndarray  # (N, R, k)
    Y: np.ndarray  # (N, R)
    Z: np.ndarray  # (N, R, j)
    use: np.ndarray  # (N, R) bool
    H: np.ndarray  # (R, R)
    names: list[str]
    T: int
    system: bool
    dropped: list[str] = field(default_factory=list)


def _h_matrix(T: int, system: bool) -> np.ndarray:
    """One-step weighting structure: Var of (Δε, ε) for iid ε (xtabond2's default ``h(3)``)."""
    K = 2.0 * np.eye(T) - np.eye(T, k=1) - np.eye(T, k=-1)
    K[0, :] = 0.0
    K[:, 0] = 0.0
    if not system:
        return K
    M = np.eye(T) - np.eye(T, k=-1)  # Cov(Δε_t, ε_s) = δ_ts − δ_{t−1,s}
    M[0, :] = 0.0
    return np.block([[K, M], [M.T, np.eye(T)]])


def _diff(a: np.ndarray) -> np.ndarray:
    """First difference along the period axis (axis 1) on the grid; NaN in the first period."""
    out = np.full_like(a, np.nan)
    out[:, 1:] = a[:, 1:] - a[:, :-1]
    return out


def _gmm_block(w: np.ndarray, first: int, last: int, collapse: bool) -> np.ndarray:
    """Differenced-equation GMM-style instruments ``w_{t-l}``, l = first..last; (N, T, j), missing → 0."""
    n, T = w.shape
    wf = np.nan_to_num(w, nan=0.0)
    cols = []
    for lag in range(first, last + 1):
        if collapse:
            c = np.zeros((n, T))
            c[:, lag:] = wf[:, : T - lag] if lag else wf
            cols.append(c)
            continue
        for t in range(max(lag, 1), T):
            c = np.zeros((n, T))
            c[:, t] = wf[:, t - lag]
            cols.append(c)
    if not cols:
        return np.zeros((n, T, 0))
    return np.stack(cols, axis=2)


def _level_block(w: np.ndarray, first: int, last: int, collapse: bool, use_l: np.ndarray) -> np.ndarray:
    """Levels-equation instruments ``Δw_{t-m}``, m = max(first-1, 0), one per period (or one if collapsed).

    As in ``xtabond2``, an uncollapsed column that is zero for every observation
    in the sample is moved to deeper lags until it is not, with one budget of
    ``last - 1 - m`` moves shared by all columns of the variable (in period order).
    """
    n, T = w.shape
    dw = np.nan_to_num(_diff(w), nan=0.0)
    m = max(first - 1, 0)
    stop = max(last - 1, m)
    if collapse:
        c = np.zeros((n, T))
        c[:, m:] = dw[:, : T - m] if m else dw
        return c[:, :, None]
    cols, lag = [], m  # the search budget is shared by the columns, in period order, as in xtabond2
    for t in range(T):
        c = np.zeros((n, T))
        if t - m >= 0:
            c[:, t] = dw[:, t - m]
        while lag < stop and not (c != 0)[use_l].any():
            c = np.concatenate([np.zeros((n, 1)), c[:, :-1]], axis=1)
            lag += 1
        cols.append(c)
    return np.stack(cols, axis=2)


def _regressors(
    grid: Grid, y: Hashable, x: list[Hashable], lags: int, dummies: list[str], time: Hashable
) -> tuple[np.ndarray, list[str]]:
    """Levels regressors (N, T, k): lagged y, x, time dummies (no constant)."""
    cols = [grid.lag(grid.values[y], lag) for lag in range(1, lags + 1)]
    names = [f"L{lag}.{y}" for lag in range(1, lags + 1)]
    for c in x:
        cols.append(grid.get(c))
        names.append(str(c))
    for p in grid.periods:
        if f"{time}_{p}" in dummies:
            d = np.zeros(grid.shape)
            d[:, list(grid.periods).index(p)] = 1.0
            cols.append(d)
            names.append(f"{time}_{p}")
    n, T = grid.shape
    X0 = np.stack(cols, axis=2) if cols else np.zeros((n, T, 0))
    return X0, names


def _iv_levels(grid: Grid, iv: list[Hashable], dummies: list[str], time: Hashable) -> np.ndarray:
    cols = [grid.get(c) for c in iv]
    for name in dummies:
        d = np.zeros(grid.shape)
        d[:, [f"{time}_{p}" for p in grid.periods].index(name)] = 1.0
        cols.append(d)
    n, T = grid.shape
    return np.stack(cols, axis=2) if cols else np.zeros((n, T, 0))


def _finite_rows(a: np.ndarray) -> np.ndarray:
    return np.isfinite(a).all(axis=2) if a.ndim == 3 else np.isfinite(a)


def _build(grid: Grid, spec: dict[str, Any], base_ok: np.ndarray) -> _Design:
    """Assemble X, Y, Z and the sample on the stacked (difference | levels) rows."""
    system, T = spec["system"], grid.shape[1]
    X0, names = _regressors(grid, spec["y"], spec["x"], spec["lags"], spec["dummies"], spec["time"])
    Y0 = grid.values[spec["y"]]
    IV0 = _iv_levels(grid, spec["iv"], spec["dummies"], spec["time"])
    dX, dY, dIV = _diff(X0), _diff(Y0), _diff(IV0)
    use_d = base_ok & _finite_rows(dX) & np.isfinite(dY) & _finite_rows(dIV)
    use_d[:, 0] = False
    if system:
        use_l = base_ok & _finite_rows(X0) & np.isfinite(Y0) & _finite_rows(IV0)
        cons = spec["constant"]
        X = np.concatenate(
            [
                np.concatenate([dX, np.zeros_like(dX[:, :, :1])] if cons else [dX], axis=2),
                np.concatenate([X0, np.ones_like(X0[:, :, :1])] if cons else [X0], axis=2),
            ],
            axis=1,
        )
        if cons:
            names = [*names, "_cons"]
        Y = np.concatenate([dY, Y0], axis=1)
        ivz = np.concatenate([dIV, IV0], axis=1)
        if cons:
            cz = np.concatenate([np.zeros((grid.shape[0], T)), np.ones((grid.shape[0], T))], axis=1)
            ivz = np.concatenate([ivz, cz[:, :, None]], axis=2)
        use = np.concatenate([use_d, use_l], axis=1)
    else:
        use_l = None
        X, Y, ivz, use = dX, dY, dIV, use_d
    gz = []
    for var, (a, b) in spec["gmm"].items():
        w = grid.get(var)
        zd = _gmm_block(w, a, b, spec["collapse"])
        if system:
            zl = _level_block(w, a, b, spec["collapse"], use_l)
            n = grid.shape[0]
            zd = np.concatenate(
                [
                    np.concatenate([zd, np.zeros((n, T, zl.shape[2]))], axis=2),
                    np.concatenate([np.zeros((n, T, zd.shape[2])), zl], axis=2),
                ],
                axis=1,
            )
        gz.append(zd)
    Z = np.concatenate([ivz, *gz], axis=2)
    m = use[:, :, None]
    X = np.where(m, np.nan_to_num(X), 0.0)
    Y = np.where(use, np.nan_to_num(Y), 0.0)
    Z = np.where(m, np.nan_to_num(Z), 0.0)
    Z = Z[:, :, np.abs(Z).sum(axis=(0, 1)) > 0]
    return _Design(X, Y, Z, use, _h_matrix(T, system), names, T, system)


def _drop_collinear(d: _Design, user_names: set[str]) -> None:
    """Drop time dummies collinear with earlier regressors (constant kept); user regressors → DataError."""
    Xs = d.X.reshape(-1, d.X.shape[2])[d.use.reshape(-1)]
    order = list(range(Xs.shape[1]))
    if "_cons" in d.names:  # check the constant first, as xtabond2 keeps it
        ci = d.names.index("_cons")
        order = [ci] + [i for i in order if i != ci]
    keep: list[int] = []
    bad: list[str] = []
    scale = np.abs(Xs).max(axis=0) + 1e-300
    for i in order:
        cols = [*keep, i]
        cand = Xs[:, cols] / scale[cols]
        if np.linalg.matrix_rank(cand, tol=1e-9 * max(cand.shape)) == len(keep) + 1:
            keep.append(i)
        elif d.names[i] in user_names:
            bad.append(d.names[i])
        else:
            d.dropped.append(d.names[i])
    if bad:
        raise DataError(
            f"{_WHERE}: regressor(s) {format_keys(bad)} have no variation in the estimation "
            f"sample or are collinear with the other regressors"
        )
    keep.sort()
    d.X = d.X[:, :, keep]
    d.names = [d.names[i] for i in keep]


# ---------------------------------------------------------------------------------------------- estimation
def _ginv(S: np.ndarray) -> tuple[np.ndarray, int]:
    """Inverse of a symmetric PSD matrix (Moore–Penrose if singular) and its rank."""
    scale = np.sqrt(np.clip(np.diag(S), 1e-300, None))
    Sn = S / np.outer(scale, scale)
    w, v = np.linalg.eigh(Sn)
    tol = max(Sn.shape) * np.finfo(float).eps * max(w.max(), 1.0) * 10
    inv_w = np.where(w > tol, 1.0 / np.where(w > tol, w, 1.0), 0.0)
    A = (v * inv_w) @ v.T
    return A / np.outer(scale, scale), int((w > tol).sum())


def _gmm_step(ZX: np.ndarray, Zy: np.ndarray, A: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    XZA = ZX.T @ A
    V = np.linalg.inv(XZA @ ZX)
    return V @ (XZA @ Zy), V


@dataclass
class _Fit:
    b1: np.ndarray
    b2: np.ndarray
    V1: np.ndarray  # (X'Z A1 Z'X)^{-1} with A1 = (Z'HZ)^{-1}
    V1r: np.ndarray
    V2: np.ndarray
    V2r: np.ndarray
    A1: np.ndarray
    A2: np.ndarray
    e1: np.ndarray
    e2: np.ndarray
    sargan: OverIdTest
    hansen: OverIdTest
    rank_z: int


def _estimate(d: _Design) -> _Fit:
    """One- and two-step GMM, Windmeijer-corrected two-step variance, Sargan and Hansen."""
    X, Y, Z = d.X, d.Y, d.Z
    ZX = np.einsum("nrj,nrk->jk", Z, X)
    Zy = np.einsum("nrj,nr->j", Z, Y)
    A1, rank_z = _ginv(np.einsum("nrj,rs,nsk->jk", Z, d.H, Z))
    b1, V1 = _gmm_step(ZX, Zy, A1)
    e1 = (Y - X @ b1) * d.use
    Ze1 = np.einsum("nrj,nr->nj", Z, e1)
    S = Ze1.T @ Ze1
    VXZA1 = V1 @ ZX.T @ A1
    V1r = VXZA1 @ S @ VXZA1.T
    A2, _ = _ginv(S)
    b2, V2 = _gmm_step(ZX, Zy, A2)
    e2 = (Y - X @ b2) * d.use
    ze1, ze2 = Ze1.sum(axis=0), np.einsum("nrj,nr->j", Z, e2)
    k = X.shape[2]
    n_d = int(d.use[:, : d.T].sum())
    sig2 = float((e1[:, : d.T] ** 2).sum()) / 2.0 / n_d
    df_ = rank_z - k
    sar = float(ze1 @ A1 @ ze1) / sig2
    han = float(ze2 @ A2 @ ze2)
    sargan = OverIdTest(sar, df_, float(stats.chi2.sf(sar, df_)) if df_ > 0 else float("nan"))
    hansen = OverIdTest(han, df_, float(stats.chi2.sf(han, df_)) if df_ > 0 else float("nan"))
    V2r = _windmeijer(d, ZX, Ze1, A2, V2, V1r, ze2)
    return _Fit(b1, b2, V1, V1r, V2, V2r, A1, A2, e1, e2, sargan, hansen, rank_z)


def _windmeijer(
    d: _Design,
    ZX: np.ndarray,
    Ze1: np.ndarray,
    A2: np.ndarray,
    V2: np.ndarray,
    V1r: np.ndarray,
    ze2: np.ndarray,
) -> np.ndarray:
    r"""Windmeijer (2005) finite-sample corrected two-step variance ``V2 + DV2 + V2D' + D V1r D'``."""
    a = A2 @ ze2  # A2 Z'e2
    ZXi = np.einsum("nrj,nrk->njk", d.Z, d.X)
    s = Ze1 @ a  # e1_i'Z_i A2 Z'e2, per entity
    term = np.einsum("n,njk->jk", s, ZXi) + np.einsum("nj,nk->jk", Ze1, np.einsum("j,njk->nk", a, ZXi))
    D = V2 @ ZX.T @ A2 @ term
    V = V2 + D @ V1r @ D.T + D @ V2 + V2 @ D.T
    return (V + V.T) / 2.0


def _ar_tests(d: _Design, fit: _Fit, steps: int, orders: int = 2) -> pd.DataFrame:
    """Arellano–Bond tests for AR(m) in the first-differenced residuals (robust form)."""
    T = d.T
    if steps == 2:
        e, A, V, Vr = fit.e2, fit.A2, fit.V2, fit.V2r
    else:
        e, A, V, Vr = fit.e1, fit.A1, fit.V1, fit.V1r
    w = e[:, :T]
    Xd = d.X[:, :T, :]
    Ze = np.einsum("nrj,nr->nj", d.Z, e)
    ZX = np.einsum("nrj,nrk->jk", d.Z, d.X)
    m2 = -2.0 * V @ ZX.T @ A
    rows = []
    for lag in range(1, orders + 1):
        wl = np.zeros_like(w)
        wl[:, lag:] = w[:, :-lag]
        s = (w * wl).sum(axis=1)
        if not s.any():
            rows.append((float("nan"), float("nan")))
            continue
        tmp = np.einsum("ntk,nt->k", Xd, wl)
        var = float(s @ s + tmp @ (m2 @ (Ze.T @ s) + Vr @ tmp))
        z = float(s.sum() / math.sqrt(var)) if var > 0 else float("nan")
        rows.append((z, float(2 * stats.norm.sf(abs(z))) if np.isfinite(z) else float("nan")))
    return pd.DataFrame(
        rows, columns=["z", "p"], index=pd.Index([f"AR({m})" for m in range(1, orders + 1)], name="test")
    )


# ---------------------------------------------------------------------------------------------- result
class DynamicPanel:
    r"""Result of :func:`dynamic_panel` (difference or system GMM).

    Attributes
    ----------
    params, bse, tvalues, pvalues : pandas.Series
        Coefficients, standard errors (Windmeijer-corrected for two-step,
        robust for one-step), z statistics and two-sided normal p-values; the
        lagged dependent variable is named ``L1.<y>``, ``L2.<y>`` …, the
        constant ``_cons``, time dummies ``<time>_<period>``.
    cov : pandas.DataFrame
        The variance matrix of ``params``.
    hansen, sargan : OverIdTest
        ``(statistic, df, pvalue)`` of Hansen's J (two-step weighting, robust to
        heteroskedasticity) and Sargan's test (one-step residuals, not robust).
    ar : pandas.DataFrame
        Arellano–Bond AR(1) and AR(2) tests in first differences: columns ``z``, ``p``.
    n_instruments : int
        Rank of the instrument moment matrix (xtabond2's "Number of instruments").
    n_obs, n_entities : int
        Observations of the levels equation (system) or differenced equation
        (difference GMM) in the sample, and entities with at least one.
    method, steps, dependent : str, int, str
        The estimator.
    dropped : list of str
        Time dummies dropped as collinear (with the constant or each other).

    References
    ----------
    Arellano, M. and Bond, S. (1991). Some tests of specification for panel
    data: Monte Carlo evidence and an application to employment equations.
    *The Review of Economic Studies*, 58(2), 277-297.

    Blundell, R. and Bond, S. (1998). Initial conditions and moment
    restrictions in dynamic panel data models. *Journal of Econometrics*, 87(1),
    115-143.

    Windmeijer, F. (2005). A finite sample correction for the variance of
    linear efficient two-step GMM estimators. *Journal of Econometrics*, 126(1),
    25-51.

    Roodman, D. (2009). How to do xtabond2: an introduction to difference and
    system GMM in Stata. *The Stata Journal*, 9(1), 86-136.

    Examples
    --------
    Returned by :func:`geoaggl.models.dynamic_panel` (not constructed directly);
    on a simulated AR(1) panel with ``ρ = 0.5`` the system-GMM estimate is close:

    >>> import numpy as np, pandas as pd
    >>> from geoaggl.models import dynamic_panel
    >>> rng = np.random.default_rng(0)
    >>> rows = []
    >>> for i in range(60):
    ...     mu, yv = rng.normal(), 0.0
    ...     for t in range(2000, 2010):
    ...         xv = rng.normal()
    ...         yv = 0.5 * yv + xv + mu + rng.normal()
    ...         rows.append((i, t, yv, xv))
    >>> df = pd.DataFrame(rows, columns=["adcode", "year", "y", "x"])
    >>> res = dynamic_panel(df, y="y", x="x", gmm={"y": (2, 4)}, iv="x", method="system")
    >>> bool(abs(res.params["L1.y"] - 0.5) < 0.15), list(res.ar.index)
    (True, ['AR(1)', 'AR(2)'])
    """

    def __init__(
        self,
        *,
        names: list[str],
        b: np.ndarray,
        V: np.ndarray,
        fit: _Fit,
        ar: pd.DataFrame,
        n_obs: int,
        n_entities: int,
        method: str,
        steps: int,
        dependent: str,
        dropped: list[str],
        spec: str,
    ) -> None:
        idx = pd.Index(names, name="term")
        se = np.sqrt(np.clip(np.diag(V), 0.0, None))
        self.params = pd.Series(b, index=idx, name="coef")
        self.bse = pd.Series(se, index=idx, name="se")
        with np.errstate(divide="ignore", invalid="ignore"):
            z = np.where(se > 0, b / np.where(se > 0, se, 1.0), np.nan)
        self.tvalues = pd.Series(z, index=idx, name="z")
        self.pvalues = pd.Series(2 * stats.norm.sf(np.abs(z)), index=idx, name="p")
        self.cov = pd.DataFrame(V, index=idx, columns=idx.copy())
        self.hansen, self.sargan, self.ar = fit.hansen, fit.sargan, ar
        self.n_instruments = fit.rank_z
        self.n_obs, self.n_entities = n_obs, n_entities
        self.method, self.steps, self.dependent = method, steps, dependent
        self.dropped = dropped
        self.spec = spec

    @property
    def nobs(self) -> int:
        """Alias of ``n_obs`` (the name :class:`PanelResult` uses)."""
        return self.n_obs

    def __repr__(self) -> str:
        return (
            f"DynamicPanel({self.method} GMM, {self.steps}-step, y={self.dependent}, n_obs={self.n_obs}, "
            f"n_entities={self.n_entities}, n_instruments={self.n_instruments}, "
            f"Hansen={self.hansen.statistic:.3f} (p={self.hansen.pvalue:.3f}), "
            f"AR(2) p={self.ar.loc['AR(2)', 'p']:.3f})"
        )

    def summary(self, *, digits: int = 4) -> pd.DataFrame:
        """Coefficient table ``coef``, ``se``, ``z``, ``p``, ``stars`` (``*`` 10 %, ``**`` 5 %, ``***`` 1 %).

        The diagnostics (Hansen, Sargan, AR tests, counts) are in ``.attrs``.

        Parameters
        ----------
        digits : int, default 4
            Decimals.

        Returns
        -------
        pandas.DataFrame
            One row per coefficient: estimate, standard error, z, p and stars.
        """
        out = pd.DataFrame({"coef": self.params, "se": self.bse, "z": self.tvalues, "p": self.pvalues})
        out = out.round(digits)
        out["stars"] = [
            "" if not np.isfinite(p) else "***" if p < 0.01 else "**" if p < 0.05 else "*" if p < 0.1 else ""
            for p in self.pvalues
        ]
        out.attrs.update(
            {
                "dependent": self.dependent,
                "method": self.method,
                "steps": self.steps,
                "n_obs": self.n_obs,
                "n_entities": self.n_entities,
                "n_instruments": self.n_instruments,
                "hansen": tuple(self.hansen),
                "sargan": tuple(self.sargan),
                "ar": self.ar.to_dict(orient="index"),
                "spec": self.spec,
            }
        )
        return out


# ---------------------------------------------------------------------------------------------- checks
def _as_names(v: Any, what: str) -> list[Hashable]:
    if v is None:
        return []
    if isinstance(v, str) or not isinstance(v, Sequence):
        return [v]
    return list(v)


def _check_gmm(gmm: Any, T: int) -> dict[Hashable, tuple[int, int]]:
    """Validate ``gmm`` = {variable: (first, last)} and clip ``last`` to the panel length."""
    if not isinstance(gmm, Mapping) or not gmm:
        raise ParameterTypeError(
            f"{_WHERE}: gmm must be a non-empty dict {{variable: (first, last)}}; got {gmm!r}"
        )
    out: dict[Hashable, tuple[int, int]] = {}
    for var, rng in gmm.items():
        if not isinstance(rng, Sequence) or isinstance(rng, str) or len(rng) != 2:
            raise ParameterTypeError(f"{_WHERE}: gmm[{var!r}] must be a (first, last) pair; got {rng!r}")
        first = check_int(rng[0], name=f"gmm[{var!r}] first lag", minimum=0, where=_WHERE)
        last = (
            T - 1
            if rng[1] is None
            else check_int(rng[1], name=f"gmm[{var!r}] last lag", minimum=0, where=_WHERE)
        )
        if last < first:
            raise DataError(f"{_WHERE}: gmm[{var!r}]: last lag {last} < first lag {first}")
        if first > T - 2:
            raise DataError(
                f"{_WHERE}: too few periods ({T}) for gmm[{var!r}] lags from {first}: "
                f"the differenced equation needs periods t >= 2 with w(t-{first}) observed"
            )
        out[var] = (first, min(last, T - 1))
    return out


def _check_flags(**flags: Any) -> None:
    for name, v in flags.items():
        if not isinstance(v, bool | np.bool_):
            raise ParameterTypeError(f"{_WHERE}: {name} must be True or False; got {v!r}")


def _spec_text(
    y: Hashable,
    x: list[Hashable],
    lags: int,
    gmm: dict,
    iv: list[Hashable],
    method: str,
    steps: int,
    collapse: bool,
    time_effects: bool,
    constant: bool,
) -> str:
    reg = " ".join([f"L(1/{lags}).{y}" if lags else "", *map(str, x)]).strip()
    g = " ".join(f"gmm({v}, lag({a} {b}){' collapse' if collapse else ''})" for v, (a, b) in gmm.items())
    ivs = f" iv({' '.join(map(str, iv))})" if iv else ""
    opts = [
        o
        for o, on in (
            ("nolevel", method == "difference"),
            ("twostep", steps == 2),
            ("robust", True),
            ("noconstant", method == "system" and not constant),
        )
        if on
    ]
    te = " + year dummies in iv()" if time_effects else ""
    return f"xtabond2 {y} {reg}, {g}{ivs} {' '.join(opts)}{te}"


def _prepare(
    df: pd.DataFrame,
    y: Hashable,
    x: list[Hashable],
    gmm: Any,
    iv: list[Hashable],
    entity: Hashable,
    time: Hashable,
) -> Grid:
    names = [y, *x, *iv, *(gmm.keys() if isinstance(gmm, Mapping) else [])]
    for role, cols in (("entity", [entity]), ("time", [time])):
        if cols[0] in [y, *x, *iv]:
            raise DataError(f"{_WHERE}: the {role} key {cols[0]!r} is also used as a variable")
    bases = base_columns(df, names)
    grid = make_grid(df, bases, entity=entity, time=time, where=_WHERE)
    for n in names:
        grid.get(n)  # resolve "Lk.col" names early
    return grid


# ---------------------------------------------------------------------------------------------- public
def dynamic_panel(
    df: pd.DataFrame,
    *,
    y: Hashable,
    x: Hashable | Sequence[Hashable] = (),
    lags: int = 1,
    gmm: Mapping[Hashable, tuple[int, int | None]],
    iv: Hashable | Sequence[Hashable] = (),
    method: str = "system",
    steps: int = 2,
    collapse: bool = False,
    time_effects: bool = False,
    constant: bool = True,
    entity: Hashable = "adcode",
    time: Hashable = "year",
) -> DynamicPanel:
    r"""Arellano–Bond difference GMM or Blundell–Bond system GMM, as Stata's ``xtabond2`` computes them.

    Model: :math:`y_{it} = \sum_{l=1}^{L} \alpha_l y_{i,t-l} + x_{it}'\beta + \mu_i + \varepsilon_{it}`.
    The difference estimator (Arellano & Bond 1991) removes :math:`\mu_i` by first
    differencing and instruments the differenced equation with lagged levels;
    the system estimator (Blundell & Bond 1998) adds the levels equation,
    instrumented with lagged differences, and a constant.

    With stacked per-entity rows :math:`X_i, y_i, Z_i` (differenced equation,
    then — system GMM — the levels equation) the estimator is

    .. math::

        \hat\beta = (X'Z A Z'X)^{-1} X'Z A Z'y, \qquad
        A_1 = \Big(\sum_i Z_i' H Z_i\Big)^{-1}, \qquad
        A_2 = \Big(\sum_i Z_i' \hat e_{1i} \hat e_{1i}' Z_i\Big)^{-1}

    for one step (:math:`A_1`) and two steps (:math:`A_2`, from the one-step
    residuals :math:`\hat e_1`).  :math:`H` is the covariance of the
    transformed errors for i.i.d. :math:`\varepsilon`: tridiagonal
    :math:`(-1, 2, -1)` for the differences, the identity for the levels and
    :math:`\operatorname{Cov}(\Delta\varepsilon_t, \varepsilon_s) = \delta_{ts} - \delta_{t-1,s}`
    between them (``xtabond2``'s default ``h(3)``).  One-step standard errors
    are the robust sandwich :math:`V_1 X'ZA_1 \hat S A_1 Z'X V_1`; two-step ones
    are Windmeijer's (2005) correction

    .. math::

        \hat V_c = V_2 + D V_2 + V_2 D' + D \hat V_{1,r} D', \qquad
        D_{\cdot k} = V_2 X'Z A_2 \sum_i \big(Z_i'x_{ik}\hat e_{1i}'Z_i + Z_i'\hat e_{1i} x_{ik}'Z_i\big)
        A_2 Z'\hat e_2 .

    Tests:

    * Hansen :math:`J = (Z'\hat e_2)' A_2 (Z'\hat e_2)` and Sargan
      :math:`S = (Z'\hat e_1)' A_1 (Z'\hat e_1) / \hat\sigma^2`,
      :math:`\hat\sigma^2 = \hat e_{1,\Delta}'\hat e_{1,\Delta} / (2 N_\Delta)` over the
      :math:`N_\Delta` differenced-equation observations; both
      :math:`\chi^2` with (rank of :math:`\sum Z_i'HZ_i`) − k degrees of freedom.
      As in ``xtabond2``, the Sargan test uses the one-step residuals and
      Hansen's the two-step ones whatever ``steps`` is.
    * Arellano–Bond AR(m) in the differenced residuals :math:`w`:
      :math:`z = \sum_i w_{-m,i}'w_i / \sqrt{\sum_i (w_{-m,i}'w_i)^2
      - 2 w_{-m}'X V X'ZA \sum_i Z_i'\hat e_i\, w_{-m,i}'w_i + w_{-m}'X \hat V_c X'w_{-m}}`
      (Arellano & Bond 1991, eq. 8; Roodman 2009, section 3.5).

    Parameters
    ----------
    df : pandas.DataFrame
        Long panel, one row per (entity, time).  Never modified.
    y : hashable
        Dependent variable.
    x : hashable or sequence, default ()
        Other regressors.  A name like ``"L1.w"`` that is not a column but whose
        stem ``"w"`` is gives the one-period lag of ``w`` on the panel grid.
    lags : int, default 1
        Lags of ``y`` on the right-hand side (``L1.y`` … ``L<lags>.y``); 0 allowed.
    gmm : dict
        ``{variable: (first, last)}``: GMM-style instruments, as ``xtabond2``'s
        ``gmm(variable, lag(first last))``; ``last=None`` uses all available lags.
        In the differenced equation, period t gets :math:`w_{t-l}`,
        ``first <= l <= last`` (one column per period and lag; per lag with
        ``collapse``); in the levels equation (system) it gets
        :math:`\Delta w_{t-m}`, ``m = max(first - 1, 0)`` (one column per period;
        one in all with ``collapse``).  Missing values are replaced by zeros.
    iv : hashable or sequence, default ()
        Standard ("IV-style") instruments, ``xtabond2``'s ``iv(...)`` with its
        default ``eq(both)``: one column each, holding :math:`\Delta z_{it}` in
        the differenced equation and (system) :math:`z_{it}` in the levels equation.
    method : {"system", "difference"}, default "system"
        System GMM, or difference GMM (``xtabond2 ..., noleveleq``).
    steps : {1, 2}, default 2
        One-step (robust standard errors, ``xtabond2 ..., robust``) or two-step
        (Windmeijer-corrected, ``twostep robust``).
    collapse : bool, default False
        Collapse the GMM-style instruments (``gmm(..., collapse)``).
    time_effects : bool, default False
        Add period dummies ``<time>_<period>`` as regressors and as IV-style
        instruments (``xtabond2 y ... yr*, iv(yr*)``).  Dummies that are zero in
        the sample or collinear with earlier ones or the constant are dropped
        (listed in ``.dropped``; with a constant the last period's dummy goes).
    constant : bool, default True
        System GMM: the constant ``_cons``, a regressor and a levels-equation-only
        instrument, as in ``xtabond2``.  Difference GMM never has a constant (it
        is differenced away; ``xtabond2 ..., noleveleq`` reports none).
    entity, time : hashable, default "adcode", "year"
        Entity and (integer) time keys: columns or index levels.

    Returns
    -------
    DynamicPanel

    Raises
    ------
    DataError
        Missing keys or columns, duplicated (entity, time) rows, non-numeric or
        infinite values, too few periods for the lag range, no observation left,
        regressors without variation in the sample, fewer instruments than
        regressors.
    OptionError, ParameterTypeError
        Bad ``method``, ``steps``, ``gmm`` or flags.

    Warns
    -----
    MissingValuesWarning
        Rows with missing ``y``, ``x`` or ``iv`` values leave the sample (their
        non-missing cells still serve as lagged instruments, as in ``xtabond2``).
    DataWarning
        Entities with gaps (observations after a gap have no lag); more
        instruments than entities (``xtabond2``'s "Number of instruments may be
        large relative to number of observations"); collinear instruments (a
        generalized inverse is used, as ``xtabond2``'s ``invsym``).

    Notes
    -----
    Conventions (all ``xtabond2``'s): lags and differences are taken on the
    full entity × period grid; an observation enters the differenced equation
    at t when its own row is complete and :math:`\Delta y_t, \Delta x_t` and the
    differenced IV-style instruments exist; the levels equation needs the levels.
    Instrument columns that are zero in the whole sample are dropped.  An
    uncollapsed levels-equation column that is zero in the sample is moved to
    deeper lags (up to ``last - 1``).  ``n_obs`` counts levels-equation
    observations for system GMM.  z statistics use the normal distribution
    (no ``small`` option).  Checked against ``xtabond2`` output on the
    Arellano–Bond UK company panel (difference and system GMM) and against R's
    ``plm::pgmm`` (difference GMM).

    References
    ----------
    Arellano, M. and Bond, S. (1991). Some tests of specification for panel data: Monte Carlo evidence
    and an application to employment equations. Review of Economic Studies 58(2), 277–297.

    Blundell, R. and Bond, S. (1998). Initial conditions and moment restrictions in dynamic panel data
    models. Journal of Econometrics 87(1), 115–143.

    Windmeijer, F. (2005). A finite sample correction for the variance of linear efficient two-step GMM
    estimators. Journal of Econometrics 126(1), 25–51.

    Roodman, D. (2009). How to do xtabond2: an introduction to difference and system GMM in Stata.
    Stata Journal 9(1), 86–136.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> rows = []
    >>> for i in range(60):
    ...     mu, yv = rng.normal(), 0.0
    ...     for t in range(2000, 2010):
    ...         xv = rng.normal()
    ...         yv = 0.5 * yv + xv + mu + rng.normal()
    ...         rows.append((i, t, yv, xv))
    >>> df = pd.DataFrame(rows, columns=["adcode", "year", "y", "x"])
    >>> res = dynamic_panel(df, y="y", x="x", gmm={"y": (2, 4)}, iv="x", method="system")
    >>> list(res.params.index)
    ['L1.y', 'x', '_cons']
    >>> bool(abs(res.params["L1.y"] - 0.5) < 0.15)
    True
    """
    method = check_option(method, ("system", "difference"), name="method", where=_WHERE)
    steps = check_option(steps, (1, 2), name="steps", where=_WHERE)
    _check_flags(collapse=collapse, time_effects=time_effects, constant=constant)
    lags = check_int(lags, name="lags", minimum=0, where=_WHERE)
    xs, ivs = _as_names(x, "x"), _as_names(iv, "iv")
    if y in xs:
        raise OptionError(f"{_WHERE}: the dependent variable {y!r} is also in x; use lags= for its lags")
    grid = _prepare(df, y, xs, gmm, ivs, entity, time)
    T = grid.shape[1]
    gspec = _check_gmm(gmm, T)
    if lags > T - 2:
        raise DataError(f"{_WHERE}: too few periods ({T}) for {lags} lag(s) of {y!r} in differences")
    miss = warn_missing(
        grid,
        base_columns(df, [y, *xs, *ivs]),
        where=_WHERE,
        note="; their non-missing cells still serve as lagged instruments",
    )
    warn_gaps(grid, where=_WHERE)
    dummies = [f"{time}_{p}" for p in grid.periods] if time_effects else []
    spec = {
        "system": method == "system",
        "y": y,
        "x": xs,
        "lags": lags,
        "dummies": dummies,
        "time": time,
        "iv": ivs,
        "gmm": gspec,
        "collapse": collapse,
        "constant": constant,
    }
    try:
        d = _build(grid, spec, grid.present & ~miss)
        return _finish(d, spec, grid, method, steps, collapse, time_effects)
    except np.linalg.LinAlgError as exc:
        raise DataError(
            f"{_WHERE}: the GMM moment matrices are numerically singular ({exc}); check for constant "
            "or collinear variables and rescale very large or very small values"
        ) from exc


def _finish(
    d: _Design, spec: dict[str, Any], grid: Grid, method: str, steps: int, collapse: bool, time_effects: bool
) -> DynamicPanel:
    main = d.use[:, d.T :] if d.system else d.use[:, : d.T]
    n_obs, n_ent = int(main.sum()), int(main.any(axis=1).sum())
    if n_obs == 0 or not d.use[:, : d.T].any():
        raise DataError(
            f"{_WHERE}: no observation left: too few consecutive periods ({d.T} in the panel) "
            f"for {spec['lags']} lag(s) of y and the differences"
        )
    _drop_collinear(
        d, {f"L{lag}.{spec['y']}" for lag in range(1, spec["lags"] + 1)} | set(map(str, spec["x"]))
    )
    k, j = d.X.shape[2], d.Z.shape[2]
    if j < k:
        raise DataError(f"{_WHERE}: not identified: {j} instrument(s) for {k} regressor(s)")
    fit = _estimate(d)
    if fit.rank_z < k:
        raise DataError(f"{_WHERE}: not identified: instrument rank {fit.rank_z} < {k} regressors")
    if fit.rank_z < j:
        warnings.warn(
            f"{_WHERE}: {j - fit.rank_z} collinear instrument(s) among {j}; a generalized inverse "
            f"is used and the tests have {fit.rank_z - k} degrees of freedom",
            DataWarning,
            stacklevel=3,
        )
    if fit.rank_z > n_ent:
        warnings.warn(
            f"{_WHERE}: {fit.rank_z} instruments for {n_ent} entities: the number of instruments "
            f"may be large relative to the number of observations (Hansen's test is weakened; "
            f"consider collapse=True or shorter lag ranges)",
            DataWarning,
            stacklevel=3,
        )
    b, V = (fit.b2, fit.V2r) if steps == 2 else (fit.b1, fit.V1r)
    ar = _ar_tests(d, fit, steps)
    text = _spec_text(
        spec["y"],
        spec["x"],
        spec["lags"],
        spec["gmm"],
        spec["iv"],
        method,
        steps,
        collapse,
        time_effects,
        spec["constant"],
    )
    return DynamicPanel(
        names=d.names,
        b=b,
        V=V,
        fit=fit,
        ar=ar,
        n_obs=n_obs,
        n_entities=n_ent,
        method=method,
        steps=steps,
        dependent=str(spec["y"]),
        dropped=d.dropped,
        spec=text,
    )
