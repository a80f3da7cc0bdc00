r"""Panel unit-root tests: Im–Pesaran–Shin W-tbar, Fisher-type (Maddala–Wu, Choi); see :func:`unit_root`."""

from __future__ import annotations

import math
import warnings
from collections.abc import Hashable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from ._panelgrid import make_grid, warn_missing
from ._validate import check_int, check_option
from .errors import DataError, DataWarning, format_keys

__all__ = ["UnitRoot", "unit_root"]

_WHERE = "unit_root"
_TESTS = ("ips", "madwu", "choi", "fisher", "pm")
_T_GRID = np.array([10, 15, 20, 25, 30, 40, 50, 60, 70, 100], dtype=float)
# Im, Pesaran & Shin (2003), Table 3: E and Var of the individual ADF t statistic by lag order
# (rows 0-8) and series length T (columns _T_GRID); NaN where not tabulated.
_NA = np.nan
_IPS = {
    ("c", "mean"): [
        [-1.504, -1.514, -1.522, -1.520, -1.526, -1.523, -1.527, -1.519, -1.524, -1.532],
        [-1.488, -1.503, -1.516, -1.514, -1.519, -1.520, -1.524, -1.519, -1.522, -1.530],
        [-1.319, -1.387, -1.428, -1.443, -1.460, -1.476, -1.493, -1.490, -1.498, -1.514],
        [-1.306, -1.366, -1.413, -1.433, -1.453, -1.471, -1.489, -1.486, -1.495, -1.512],
        [-1.171, -1.260, -1.329, -1.363, -1.394, -1.428, -1.454, -1.458, -1.470, -1.495],
        [_NA, _NA, -1.313, -1.351, -1.384, -1.421, -1.451, -1.454, -1.467, -1.494],
        [_NA, _NA, _NA, -1.289, -1.331, -1.380, -1.418, -1.427, -1.444, -1.476],
        [_NA, _NA, _NA, -1.273, -1.319, -1.371, -1.411, -1.423, -1.441, -1.474],
        [_NA, _NA, _NA, -1.212, -1.266, -1.329, -1.377, -1.393, -1.415, -1.456],
    ],
    ("c", "var"): [
        [1.069, 0.923, 0.851, 0.809, 0.789, 0.770, 0.760, 0.749, 0.736, 0.735],
        [1.255, 1.011, 0.915, 0.861, 0.831, 0.803, 0.781, 0.770, 0.753, 0.745],
        [1.421, 1.078, 0.969, 0.905, 0.865, 0.830, 0.798, 0.789, 0.766, 0.754],
        [1.759, 1.181, 1.037, 0.952, 0.907, 0.858, 0.819, 0.802, 0.782, 0.761],
        [2.080, 1.279, 1.097, 1.005, 0.946, 0.886, 0.842, 0.819, 0.801, 0.771],
        [_NA, _NA, 1.171, 1.055, 0.980, 0.912, 0.863, 0.839, 0.814, 0.781],
        [_NA, _NA, _NA, 1.114, 1.023, 0.942, 0.886, 0.858, 0.834, 0.795],
        [_NA, _NA, _NA, 1.164, 1.062, 0.968, 0.910, 0.875, 0.851, 0.806],
        [_NA, _NA, _NA, 1.217, 1.105, 0.996, 0.929, 0.896, 0.871, 0.818],
    ],
    ("ct", "mean"): [
        [-2.166, -2.167, -2.168, -2.167, -2.172, -2.173, -2.176, -2.174, -2.174, -2.177],
        [-2.173, -2.169, -2.172, -2.172, -2.173, -2.177, -2.180, -2.178, -2.176, -2.179],
        [-1.914, -1.999, -2.047, -2.074, -2.095, -2.120, -2.137, -2.143, -2.146, -2.158],
        [-1.922, -1.977, -2.032, -2.065, -2.091, -2.117, -2.137, -2.142, -2.146, -2.158],
        [-1.750, -1.823, -1.911, -1.968, -2.009, -2.057, -2.091, -2.103, -2.114, -2.135],
        [_NA, _NA, -1.888, -1.955, -1.998, -2.051, -2.087, -2.101, -2.111, -2.135],
        [_NA, _NA, _NA, -1.868, -1.923, -1.995, -2.042, -2.065, -2.081, -2.113],
        [_NA, _NA, _NA, -1.851, -1.912, -1.986, -2.036, -2.063, -2.079, -2.112],
        [_NA, _NA, _NA, -1.761, -1.835, -1.925, -1.987, -2.024, -2.046, -2.088],
    ],
    ("ct", "var"): [
        [1.132, 0.869, 0.763, 0.713, 0.690, 0.655, 0.633, 0.621, 0.610, 0.597],
        [1.453, 0.975, 0.845, 0.769, 0.734, 0.687, 0.654, 0.641, 0.627, 0.605],
        [1.627, 1.036, 0.882, 0.796, 0.756, 0.702, 0.661, 0.653, 0.634, 0.613],
        [2.482, 1.214, 0.983, 0.861, 0.808, 0.735, 0.688, 0.674, 0.650, 0.625],
        [3.947, 1.332, 1.052, 0.913, 0.845, 0.759, 0.705, 0.685, 0.662, 0.629],
        [_NA, _NA, 1.165, 0.991, 0.899, 0.792, 0.730, 0.705, 0.673, 0.638],
        [_NA, _NA, _NA, 1.055, 0.945, 0.828, 0.753, 0.725, 0.689, 0.650],
        [_NA, _NA, _NA, 1.145, 1.009, 0.872, 0.786, 0.747, 0.713, 0.661],
        [_NA, _NA, _NA, 1.208, 1.063, 0.902, 0.808, 0.766, 0.728, 0.670],
    ],
}
# MacKinnon (1994) response surface for the ADF t statistic's asymptotic p-value:
# p = Phi(a0 + a1 t + a2 t^2) for t <= limit, else Phi(b0 + b1 t + b2 t^2 + b3 t^3).
_MK_SMALL = {
    "n": (0.6344, 1.2378, 0.032496),
    "c": (2.1659, 1.4412, 0.038269),
    "ct": (3.2512, 1.6047, 0.049588),
}
_MK_LARGE = {
    "n": (0.4797, 0.93557, -0.06999, 0.033066),
    "c": (1.7339, 0.93202, -0.12745, -0.010368),
    "ct": (2.5261, 0.61654, -0.37956, -0.060285),
}
_MK_LIMIT = {"n": -1.04, "c": -1.61, "ct": -2.89}


@dataclass(frozen=True)
class UnitRoot:
    """Result of :func:`unit_root`.

    Attributes
    ----------
    test : str
        ``"ips"`` (W-tbar), ``"madwu"`` (Fisher P), ``"choi"`` (inverse-normal Z) or ``"pm"``.
    statistic, pvalue : float
        The panel statistic and its p-value (H0: every series has a unit root).  The
        Fisher-type statistics use the individual p-values clipped to
        [1e-300, 1 − 2.2e-16], so a decisive series keeps them finite.
    df : int or None
        Degrees of freedom of the χ² (Maddala–Wu), else None.
    lags : pandas.Series
        ADF lag order per entity.
    tstats, pvalues_individual : pandas.Series
        Per-entity ADF t statistic of :math:`\\rho` and its MacKinnon (1994) p-value.
    trend : str
        ``"n"``, ``"c"`` or ``"ct"``.
    n_entities : int

    References
    ----------
    Im, K. S., Pesaran, M. H. and Shin, Y. (2003). Testing for unit roots in
    heterogeneous panels. *Journal of Econometrics*, 115(1), 53-74.

    Maddala, G. S. and Wu, S. (1999). A comparative study of unit root tests
    with panel data and a new simple test. *Oxford Bulletin of Economics and
    Statistics*, 61(S1), 631-652.

    Choi, I. (2001). Unit root tests for panel data. *Journal of International
    Money and Finance*, 20(2), 249-272.

    Examples
    --------
    Returned by :func:`geoaggl.models.unit_root` (not constructed directly); random
    walks keep their unit root (Maddala–Wu, χ² with 2 × 8 degrees of freedom):

    >>> import numpy as np, pandas as pd
    >>> from geoaggl.models import unit_root
    >>> rng = np.random.default_rng(1)
    >>> df = pd.DataFrame([(i, t, v) for i in range(8) for t, v in
    ...                    zip(range(1990, 2020), np.cumsum(rng.normal(size=30)))],
    ...                   columns=["adcode", "year", "y"])
    >>> r = unit_root(df, "y", test="madwu", lags=1)
    >>> r.test, r.df, r.n_entities, bool(r.pvalue > 0.01)
    ('madwu', 16, 8, True)
    """

    test: str
    statistic: float
    pvalue: float
    df: int | None
    lags: pd.Series
    tstats: pd.Series
    pvalues_individual: pd.Series
    trend: str
    n_entities: int

    def __repr__(self) -> str:
        return (
            f"UnitRoot({self.test}: statistic={self.statistic:.4f}, p={self.pvalue:.4f}, "
            f"trend={self.trend!r}, n_entities={self.n_entities})"
        )


def mackinnon_p(t: float, trend: str) -> float:
    """MacKinnon (1994) asymptotic p-value of an ADF t statistic (as plm's and statsmodels' fallback)."""
    if t <= _MK_LIMIT[trend]:
        a = _MK_SMALL[trend]
        z = a[0] + a[1] * t + a[2] * t * t
    else:
        b = _MK_LARGE[trend]
        z = b[0] + b[1] * t + b[2] * t * t + b[3] * t**3
    return float(stats.norm.cdf(z))


def _adf_design(y: np.ndarray, p: int, start: int, trend: str) -> tuple[np.ndarray, np.ndarray]:
    """ADF regression Δy_t on y_{t-1}, Δy_{t-1..t-p} and deterministics, from row ``start``."""
    n = len(y)
    dy = np.full(n, np.nan)
    dy[1:] = np.diff(y)
    cols = [np.r_[np.nan, y[:-1]]]
    cols += [np.r_[np.full(k, np.nan), dy[: n - k]] for k in range(1, p + 1)]
    if trend in ("c", "ct"):
        cols.append(np.ones(n))
    if trend == "ct":
        cols.append(np.arange(1.0, n + 1))
    X = np.column_stack(cols)[start:]
    return X, dy[start:]


def _ols(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """OLS coefficients, standard errors with σ² = RSS/n (no df correction, as plm's purtest), RSS."""
    coef, *_ = np.linalg.lstsq(X, y, rcond=None)
    rss = float(((y - X @ coef) ** 2).sum())
    XtXi = np.linalg.pinv(X.T @ X)
    se = np.sqrt(rss / len(y) * np.diag(XtXi))
    return coef, se, rss


def _exact_fit(entity: object) -> DataError:
    return DataError(
        f"{_WHERE}: the ADF regression of entity {entity!r} fits exactly (a constant or deterministic "
        f"series), so its t statistic is undefined; drop that entity"
    )


def _select_lag(y: np.ndarray, pmax: int, trend: str, crit: str, entity: object) -> int:
    """Lag order minimising AIC/SIC on the common sample that drops the first pmax + 1 periods."""
    best, best_p = math.inf, pmax
    for p in range(pmax, -1, -1):
        X, dy = _adf_design(y, p, pmax + 1, trend)
        _, _, rss = _ols(X, dy)
        if not rss > 0:
            raise _exact_fit(entity)
        n, k = len(dy), X.shape[1]
        ic = math.log(rss / n) + (2 * k if crit == "aic" else k * math.log(n)) / n
        if ic < best:
            best, best_p = ic, p
    return best_p


def _ips_moments(L: int, p: int, trend: str) -> tuple[float, float]:
    """E and Var of t̄ (IPS 2003 Table 3), linear in T between tabulated lengths."""
    p = min(p, 8)
    Lc = float(min(max(L, _T_GRID[0]), _T_GRID[-1]))
    out = []
    for what in ("mean", "var"):
        row = np.asarray(_IPS[(trend, what)][p], dtype=float)
        out.append(float(np.interp(Lc, _T_GRID, row)))
    if not all(np.isfinite(out)):
        raise DataError(
            f"{_WHERE}: IPS moments are not tabulated for {p} lag(s) with a series of {L} periods; "
            f"use fewer lags (max_lags) or a Fisher-type test"
        )
    return out[0], out[1]


_P_CLIP = 1e-300


def _panel_stat(
    test: str, t: np.ndarray, pv: np.ndarray, lags: np.ndarray, lens: np.ndarray, trend: str
) -> tuple[float, float, int | None]:
    n = len(t)
    # individual p-values of exactly 0 or 1 (a decisive ADF statistic) would make the Fisher-type
    # statistics infinite: clip them to the open interval, so the panel statistic stays finite
    pv = np.clip(pv, _P_CLIP, 1.0 - np.finfo(float).eps)
    if test == "ips":
        mom = np.array([_ips_moments(int(L - p - 1), int(p), trend) for L, p in zip(lens, lags, strict=True)])
        w = math.sqrt(n) * (t.mean() - mom[:, 0].mean()) / math.sqrt(mom[:, 1].mean())
        return float(w), float(stats.norm.cdf(w)), None
    if test == "madwu":
        P = float(-2.0 * np.log(pv).sum())
        return P, float(stats.chi2.sf(P, 2 * n)), 2 * n
    if test == "pm":
        pm = float((-2.0 * np.log(pv) - 2.0).sum() / (2.0 * math.sqrt(n)))
        return pm, float(stats.norm.sf(pm)), None
    z = float(stats.norm.ppf(pv).sum() / math.sqrt(n))
    return z, float(stats.norm.cdf(z)), None


def _series(df: pd.DataFrame, column: Hashable, entity: Hashable, time: Hashable) -> dict[object, np.ndarray]:
    """Per-entity contiguous series (missing values dropped with a warning; internal gaps rejected)."""
    grid = make_grid(df, [column], entity=entity, time=time, where=_WHERE)
    miss = warn_missing(grid, [column], where=_WHERE, note="")
    ok = grid.present & ~miss
    out, gaps = {}, []
    for i, e in enumerate(grid.entities):
        idx = np.nonzero(ok[i])[0]
        if len(idx) == 0:
            continue
        if idx[-1] - idx[0] + 1 != len(idx):
            gaps.append(e)
        out[e.item() if isinstance(e, np.generic) else e] = grid.values[column][i, idx]
    if gaps:
        raise DataError(
            f"{_WHERE}: series with gaps (missing periods inside the series): {format_keys(gaps)}; "
            f"the ADF regressions need consecutive periods"
        )
    return out


def unit_root(
    df: pd.DataFrame,
    column: Hashable,
    *,
    test: str = "ips",
    lags: str | int = "aic",
    max_lags: int | None = None,
    trend: str = "c",
    entity: Hashable = "adcode",
    time: Hashable = "year",
) -> UnitRoot:
    r"""Panel unit-root test of ``column``: Im–Pesaran–Shin or Fisher-type, as R's ``plm::purtest``.

    For each entity an augmented Dickey–Fuller regression

    .. math:: \Delta y_t = \rho\, y_{t-1} + \sum_{k=1}^{p_i} \gamma_k \Delta y_{t-k} + d_t + \varepsilon_t

    (``d_t``: nothing, a constant or constant and linear trend) gives
    :math:`t_i = \hat\rho / \operatorname{se}(\hat\rho)` with
    :math:`\hat\sigma^2 = \mathrm{RSS}/n` and its MacKinnon (1994) p-value :math:`p_i`.

    * ``"ips"``:
      :math:`W_{\bar t} = \sqrt{N}\,(\bar t - \overline{E[t_i]}) / \sqrt{\overline{\operatorname{Var}[t_i]}}`
      with the moments of Im, Pesaran & Shin (2003, Table 3) for
      :math:`T_i - p_i - 1` periods and :math:`p_i` lags (linear interpolation in T;
      lengths outside 10–100 use the nearest tabulated length, with a warning);
      p-value :math:`\Phi(W)`.
    * ``"madwu"`` (alias ``"fisher"``): Maddala & Wu (1999) :math:`P = -2\sum_i \ln p_i \sim \chi^2_{2N}`.
    * ``"choi"``: Choi (2001) inverse normal :math:`Z = \sum_i \Phi^{-1}(p_i)/\sqrt{N}`,
      p-value :math:`\Phi(Z)`.
    * ``"pm"``: Choi's modified :math:`P_m = \sum_i(-2\ln p_i - 2)/(2\sqrt N)`, upper-tail normal p-value.

    H0: every series has a unit root; H1: some are stationary.

    Parameters
    ----------
    df : pandas.DataFrame
        Long panel; never modified.
    column : hashable
        The variable to test.
    test : {"ips", "madwu", "fisher", "choi", "pm"}, default "ips"
    lags : {"aic", "sic", "bic"} or int, default "aic"
        ADF lag order: chosen per entity by AIC or SIC (Schwarz = BIC) on the common sample
        that drops the first ``max_lags + 1`` periods (plm's ``fixedT = TRUE``;
        ties go to the longer lag), or fixed.
    max_lags : int, optional
        Largest lag considered; default ``min(8, floor(12 (T/100)^{1/4}), (T - 4) // 3)``
        with T the shortest series, lowered for IPS until its moments are tabulated.
    trend : {"c", "ct", "n"}, default "c"
        Deterministics: constant, constant and trend, none (``"n"`` not with IPS).
    entity, time : hashable, default "adcode", "year"

    Returns
    -------
    UnitRoot

    Raises
    ------
    DataError
        Missing columns, duplicated rows, series with gaps or too short for the lags.
    OptionError, ParameterTypeError
        Bad ``test``, ``lags``, ``max_lags`` or ``trend``.

    References
    ----------
    Im, K. S., Pesaran, M. H. and Shin, Y. (2003). Testing for unit roots in heterogeneous panels.
    Journal of Econometrics 115(1), 53–74.

    Maddala, G. S. and Wu, S. (1999). A comparative study of unit root tests with panel data and a new
    simple test. Oxford Bulletin of Economics and Statistics 61(S1), 631–652.

    Choi, I. (2001). Unit root tests for panel data. Journal of International Money and Finance 20(2),
    249–272.

    MacKinnon, J. G. (1994). Approximate asymptotic distribution functions for unit-root and
    cointegration tests. Journal of Business & Economic Statistics 12(2), 167–176.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> df = pd.DataFrame([(i, t, v) for i in range(8) for t, v in
    ...                    zip(range(1990, 2020), np.cumsum(rng.normal(size=30)))],
    ...                   columns=["adcode", "year", "y"])
    >>> r = unit_root(df, "y", test="madwu", lags=1)
    >>> r.df, bool(r.pvalue > 0.01)
    (16, True)
    """
    test = check_option(test, _TESTS, name="test", where=_WHERE)
    test = "madwu" if test == "fisher" else test
    trend = check_option(trend, ("c", "ct", "n"), name="trend", where=_WHERE)
    if test == "ips" and trend == "n":
        raise DataError(f"{_WHERE}: the IPS test needs deterministics: trend='c' or 'ct'")
    if isinstance(lags, str):
        crit = check_option(lags.lower(), ("aic", "sic", "bic"), name="lags", where=_WHERE)
        crit = "sic" if crit == "bic" else crit
    else:
        crit = None
        lags = check_int(lags, name="lags", minimum=0, where=_WHERE)
    series = _series(df, column, entity, time)
    if len(series) < 2:
        raise DataError(f"{_WHERE}: need at least 2 entities with data; got {len(series)}")
    pmax = _max_lags(series, max_lags, crit, lags, trend if test == "ips" and max_lags is None else None)
    try:
        return _run(series, test, crit, lags, pmax, trend)
    except np.linalg.LinAlgError as exc:  # pragma: no cover - guarded by the scale checks
        raise DataError(f"{_WHERE}: the ADF regressions are numerically singular ({exc})") from exc


def _ips_ok(tmin: int, pmax: int, trend: str) -> bool:
    try:
        for p in range(pmax + 1):
            _ips_moments(tmin - p - 1, p, trend)
    except DataError:
        return False
    return True


def _max_lags(
    series: dict[object, np.ndarray],
    max_lags: int | None,
    crit: str | None,
    lags: int | str,
    ips_trend: str | None,
) -> int:
    tmin = min(len(v) for v in series.values())
    if max_lags is None:
        pmax = max(0, min(8, int(12 * (tmin / 100) ** 0.25), (tmin - 4) // 3))
        while ips_trend is not None and pmax > 0 and not _ips_ok(tmin, pmax, ips_trend):
            pmax -= 1  # the IPS moments are tabulated for fewer lags in short series
    else:
        pmax = check_int(max_lags, name="max_lags", minimum=0, where=_WHERE)
    p_used = pmax if crit is not None else int(lags)
    k_det = 2
    short = [e for e, v in series.items() if len(v) - p_used - 1 < p_used + 1 + k_det + 2]
    if short:
        raise DataError(
            f"{_WHERE}: too few periods for {p_used} lag(s) in {format_keys(short)} "
            f"(shortest series: {tmin} periods)"
        )
    return pmax


def _run(
    series: dict[object, np.ndarray], test: str, crit: str | None, lags: int | str, pmax: int, trend: str
) -> UnitRoot:
    ents, ps, ts, pvs, lens = [], [], [], [], []
    for e, y in series.items():
        lag = _select_lag(y, pmax, trend, crit, e) if crit is not None else int(lags)
        X, dy = _adf_design(y, lag, lag + 1, trend)
        coef, se, _ = _ols(X, dy)
        if not (np.isfinite(se[0]) and se[0] > 0):
            raise _exact_fit(e)
        t = float(coef[0] / se[0])
        ents.append(e)
        ps.append(lag)
        ts.append(t)
        pvs.append(mackinnon_p(t, trend))
        lens.append(len(y))
    lens_a, lags_a = np.array(lens), np.array(ps)
    if test == "ips":
        L = lens_a - lags_a - 1
        if (L < _T_GRID[0]).any() or (L > _T_GRID[-1]).any():
            warnings.warn(
                f"{_WHERE}: IPS moments are tabulated for 10-100 periods; {int((L < 10).sum())} short and "
                f"{int((L > 100).sum())} long series use the nearest tabulated length",
                DataWarning,
                stacklevel=3,
            )
    stat, p, df_ = _panel_stat(test, np.array(ts), np.array(pvs), lags_a, lens_a, trend)
    idx = pd.Index(ents, name="entity")
    return UnitRoot(
        test=test,
        statistic=stat,
        pvalue=p,
        df=df_,
        lags=pd.Series(ps, index=idx, name="lags"),
        tstats=pd.Series(ts, index=idx.copy(), name="t"),
        pvalues_individual=pd.Series(pvs, index=idx.copy(), name="p"),
        trend=trend,
        n_entities=len(ents),
    )
