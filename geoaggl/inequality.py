"""Regional inequality: Dagum Gini decomposition, sigma and beta convergence.

Implements the decomposition and sigma convergence of Chen & Wang (eqs 3-12;
see References), with two printed typos corrected: ``G`` divides by ``2 n² μ``
(not ``n(n - 1)``), and ``G_jh`` sums ``|y_ji - y_hr|`` over the two groups
(the paper prints ``y_jr``).  Beta convergence is our extension.

* :func:`dagum_gini` / :class:`DagumGini` — Dagum's (1997) decomposition of the
  Gini coefficient of units (cities) in groups (urban agglomerations) into
  within-group, net between-group and transvariation parts, with a stratified
  percentile bootstrap (:meth:`DagumGini.bootstrap`).
* :func:`dagum_gini_panel` — the decomposition year by year (Chen & Wang, Tables 2-4).
* :func:`sigma_convergence` / :class:`SigmaConvergence` — coefficient of
  variation per group and year, with its linear trend.
* :func:`beta_convergence` / :class:`BetaConvergence` — the growth regression,
  speed of convergence and half-life.

Every Gini term is computed from sorted values (see :mod:`geoaggl._sorted_sums`)
in ``O(n log n + n k)`` time and ``O(n)`` memory, never from the ``n × n``
matrix of differences, and as a sum of non-negative terms, so it is accurate to
a few units in the last place.

References
----------
Chen Xiuying and Wang Mengcui (陈秀英, 王梦翠), 中国城市群生产性服务业与制造业协同集聚的空间差异及收敛性研究
("Spatial differences and convergence of producer-services–manufacturing
co-agglomeration in China's urban agglomerations"), Tables 1-5 — "Chen & Wang".

Dagum, C. (1997). A new approach to the decomposition of the Gini income
inequality ratio. Empirical Economics 22, 515-531.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import linalg, stats

from ._engine import block_generators, map_blocks, sync_generator
from ._membership import DUPLICATES
from ._sorted_sums import BUDGET, excess_sums
from ._validate import (
    MAX_BOOT,
    as_float_array,
    check_int,
    check_option,
    check_real,
    check_seed,
    check_values,
    key_values,
    numeric_frame,
    renamed_kwargs,
    require_columns,
    setting,
    user_stacklevel,
)
from .errors import DataError, DataWarning, ParameterTypeError, format_keys
from .indices import _membership

__all__ = [
    "BetaConvergence",
    "DagumBootstrap",
    "DagumGini",
    "SigmaConvergence",
    "beta_convergence",
    "dagum_gini",
    "dagum_gini_panel",
    "sigma_convergence",
]

ArrayLike = pd.Series | pd.Index | Sequence[Any] | np.ndarray
Keys = pd.Index | Sequence[Any]  # row labels, only materialised for error messages

_SOURCES = ("Gw", "Gnb", "Gt")
OVERALL = "overall"


# --------------------------------------------------------------------------- input handling


def _as_series(obj: Any, name: str) -> pd.Series:
    """A one-dimensional input as a Series (a new object; the input is never modified)."""
    if isinstance(obj, pd.DataFrame):
        raise DataError(
            f"{name} must be one-dimensional; got a DataFrame with columns {format_keys(obj.columns)}"
        )
    if isinstance(obj, pd.Series):
        return obj
    if isinstance(obj, pd.Index):
        return pd.Series(obj.to_numpy(), index=pd.RangeIndex(len(obj)))
    if isinstance(obj, np.ndarray):
        if obj.ndim != 1:
            raise DataError(f"{name} must be one-dimensional; got shape {obj.shape}")
        return pd.Series(obj)
    if isinstance(obj, str | bytes | Mapping) or not isinstance(obj, Iterable):
        raise ParameterTypeError(f"{name} must be a Series, an array or a list; got {type(obj).__name__}")
    # a list may hold tuples (tuple group labels): never let numpy read it as 2-D
    return pd.Series(list(obj), dtype=None)


def _align(a: Any, b: Any, names: tuple[str, str]) -> tuple[pd.Series, pd.Series]:
    """Two one-dimensional inputs as Series on a common index.

    Two Series are aligned by index label (their label sets must be equal);
    otherwise the lengths must match and a Series' index (if any) labels the rows.
    """
    sa, sb = _as_series(a, names[0]), _as_series(b, names[1])
    if isinstance(a, pd.Series) and isinstance(b, pd.Series):
        if sa.index.equals(sb.index):
            return sa, sb
        for s, nm in ((sa, names[0]), (sb, names[1])):
            if s.index.has_duplicates:
                dup = s.index[s.index.duplicated()]
                raise DataError(
                    f"cannot align {names[0]} and {names[1]} by index: {nm} has duplicated "
                    f"index labels {format_keys(dup)}"
                )
        in_a, in_b = set(sa.index), set(sb.index)
        only_a = [k for k in sa.index if k not in in_b]
        only_b = [k for k in sb.index if k not in in_a]
        if only_a or only_b:
            parts = []
            if only_a:
                parts.append(f"only in {names[0]}: {format_keys(only_a)}")
            if only_b:
                parts.append(f"only in {names[1]}: {format_keys(only_b)}")
            raise DataError(f"{names[0]} and {names[1]} have different index labels; " + "; ".join(parts))
        return sa, sb.reindex(sa.index)
    if len(sa) != len(sb):
        raise DataError(f"{names[0]} has {len(sa)} values but {names[1]} has {len(sb)}")
    if isinstance(b, pd.Series) and not isinstance(a, pd.Series):
        sa = pd.Series(sa.to_numpy(), index=sb.index)
    else:
        sb = pd.Series(sb.to_numpy(), index=sa.index)
    return sa, sb


def _sorted_labels(values: Sequence[Any] | np.ndarray) -> list[Any]:
    """Distinct labels in sorted order (by ``str`` when the labels are not mutually comparable)."""
    uniq = list(pd.unique(np.asarray(values, dtype=object)))
    try:
        return sorted(uniq)
    except TypeError:
        return sorted(uniq, key=lambda v: (type(v).__name__, str(v)))


def _encode(labels_in: pd.Series, *, what: str, keys: Keys) -> tuple[np.ndarray, list[Any]]:
    """Integer codes of group labels in sorted-label order; missing labels raise DataError."""
    na = labels_in.isna().to_numpy()
    if na.any():
        raise DataError(
            f"{what}: missing group labels at {format_keys(np.asarray(list(keys), dtype=object)[na])}"
        )
    try:
        raw, uniq = pd.factorize(labels_in.to_numpy(dtype=object), sort=False)
    except TypeError as exc:  # unhashable labels (lists, dicts)
        raise DataError(f"{what}: labels must be hashable (str, int, tuple ...): {exc}") from None
    labels = _sorted_labels(uniq)
    pos = {v: i for i, v in enumerate(labels)}
    remap = np.array([pos[v] for v in uniq], dtype=np.intp)
    return remap[raw], labels


def _values(
    s: pd.Series, *, what: str, keys: Keys, allow_negative: bool = False, positive: bool = False
) -> np.ndarray:
    """A new float64 array of ``s``, checked; errors name the offending ``keys``.

    The row labels are only materialised when a check fails (fast path for clean data).
    """
    dtype = s.dtype
    if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_complex_dtype(dtype):
        arr = s.to_numpy(dtype=np.float64, na_value=np.nan, copy=True)
        with np.errstate(invalid="ignore"):
            ok = np.isfinite(arr).all() and (allow_negative or (arr > 0 if positive else arr >= 0).all())
        if ok:
            return arr
    arr = as_float_array(s, what=what, labels=list(keys))
    check_values(arr, what=what, labels=list(keys), allow_negative=allow_negative, positive=positive)
    return arr


def _name(component: str, *labels: Any) -> str:
    """Column / component name: ``'G'``, ``'Gjj[A]'``, ``'Gjh[A, B]'``."""
    return f"{component}[{', '.join(str(v) for v in labels)}]" if labels else component


# --------------------------------------------------------------------------- Dagum Gini


def _derive(m: np.ndarray, sizes: np.ndarray, sums: np.ndarray, totals: np.ndarray) -> dict[str, np.ndarray]:
    """All Dagum terms of ``B`` samples from their excess sums ``M`` (``B × k × k``).

    With ``S_j = n_j μ_j`` and ``A = M + Mᵀ`` (between-group sums of ``|y_i - y_r|``):
    ``G = ΣM/(n Σy)``, ``G_jh = A_jh/(n_h S_j + n_j S_h)`` (diagonal ``G_jj``),
    ``p_j s_h + p_h s_j = (n_h S_j + n_j S_h)/(n Σy)`` and the signed
    ``D_jh = (M_jh - M_hj)/A_jh = (d_jh - p_jh)/(d_jh + p_jh)``, 0 where ``A_jh = 0``.
    ``M`` is a sum of non-negative terms, so ``D`` is accurate to a few ulps even
    when the group means differ only by rounding (where ``μ_j - μ_h`` is not).
    """
    k = sizes.size
    n = sizes.sum()
    scale = n * totals  # 2 n² μ / 2
    a = m + m.transpose(0, 2, 1)
    denom = sums[:, :, None] * sizes[None, None, :] + sizes[None, :, None] * sums[:, None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        gjh = a / denom
        d = np.where(a > 0, (m - m.transpose(0, 2, 1)) / np.where(a > 0, a, 1.0), 0.0)
        d = np.clip(d, -1.0, 1.0)
        w = denom / scale[:, None, None]
        iu, ju = np.triu_indices(k, 1)
        part = gjh[:, iu, ju] * w[:, iu, ju]
        ad = np.abs(d[:, iu, ju])
        gjj = np.diagonal(gjh, axis1=1, axis2=2)
        gw = (gjj * (sizes / n)[None, :] * (sums / totals[:, None])).sum(axis=1)
        gnb = (part * ad).sum(axis=1)
        gt = (part * (1.0 - ad)).sum(axis=1)
        g = m.sum(axis=(1, 2)) / scale
    return {"G": g, "Gw": gw, "Gnb": gnb, "Gt": gt, "Gjh": gjh, "D": d, "w": w, "Gjj": gjj}


def _excess(values: np.ndarray, codes: np.ndarray, k: int) -> np.ndarray:
    """``M`` (``k × k``) of one sample, from unsorted values."""
    order = np.argsort(values, kind="stable")
    return excess_sums(values[order][None, :], codes[order][None, :], k)[0]


class DagumGini:
    r"""Dagum (1997) decomposition of the Gini coefficient into within, net between and transvariation.

    With ``n`` units in ``k`` groups, group ``j`` holding ``n_j`` units with mean
    ``μ_j``, overall mean ``μ``, ``p_j = n_j/n`` and ``s_j = n_j μ_j/(n μ)``:

    .. math::

        G &= \frac{\sum_j\sum_h\sum_i\sum_r |y_{ji} - y_{hr}|}{2 n^2 \mu}, \qquad
        G_{jj} = \frac{\sum_i\sum_r |y_{ji} - y_{jr}|}{2 n_j^2 \mu_j}, \qquad
        G_w = \sum_j G_{jj}\, p_j s_j, \\
        G_{jh} &= \frac{\sum_i\sum_r |y_{ji} - y_{hr}|}{n_j n_h (\mu_j + \mu_h)}, \qquad
        D_{jh} = \frac{d_{jh} - p_{jh}}{d_{jh} + p_{jh}}, \\
        d_{jh} &= \operatorname{mean}_{i,r} \max(y_{ji} - y_{hr}, 0), \qquad
        p_{jh} = \operatorname{mean}_{i,r} \max(y_{hr} - y_{ji}, 0), \\
        G_{nb} &= \sum_{j<h} G_{jh} (p_j s_h + p_h s_j) D_{jh}, \qquad
        G_t = \sum_{j<h} G_{jh} (p_j s_h + p_h s_j) (1 - D_{jh}),

    where each pair in the two sums is ordered so that ``μ_j ≥ μ_h`` (hence
    ``0 ≤ D_jh ≤ 1``), and ``G = G_w + G_nb + G_t`` exactly (to rounding).

    Parameters
    ----------
    y : Series or array-like
        Non-negative values, one per unit (e.g. a city's co-agglomeration index).
    group : Series or array-like
        Group label of each unit (e.g. its urban agglomeration).  When both ``y``
        and ``group`` are Series they are aligned by index label.  (Formerly
        ``groups=``, still accepted with a deprecation warning.)
    duplicates : {"both", "first", "raise"}, default "both"
        Policy for a unit listed under two groups, applied when the index has a
        level named ``adcode`` (see :func:`dagum_gini`).

    Attributes
    ----------
    G : float
        Overall Gini coefficient (``n²`` in the denominator, as in
        ``inequality.Gini``).
    Gw, Gnb, Gt : float
        Within-group, net between-group and transvariation components.
    contributions : pandas.Series
        ``Gw``, ``Gnb``, ``Gt`` as percentages of ``G`` (NaN when ``G = 0``).
    Gjj : pandas.Series
        Within-group Gini of each group; 0 for a single-unit group.
    Gjh : pandas.DataFrame
        Between-group Gini, group × group, symmetric, diagonal ``Gjj``.
    Djh : pandas.DataFrame
        Relative economic affluence of each pair, group × group, symmetric like
        ``Gjh``: entries ``[j, h]`` and ``[h, j]`` both hold
        ``D_jh = (d_jh - p_jh)/(d_jh + p_jh)`` computed with the pair ordered so
        that ``μ_j ≥ μ_h`` (the value the decomposition uses, in [0, 1] in
        practice); the diagonal is 0.  ``d`` keeps the one-sided ``d_jh``.  Where
        ``d_jh + p_jh = 0`` (two groups of one identical value) it is defined
        as 0; then ``G_jh = 0`` and the pair adds nothing either way.
    d : pandas.DataFrame
        ``d_jh`` (mean of ``max(y_ji - y_hr, 0)``), group × group; ``p_jh`` is ``d.T``.
    pairs : pandas.DataFrame
        One row per pair of groups (in sorted-label order of the pair), columns
        ``j``, ``h`` (ordered so that ``μ_j ≥ μ_h``), ``Gjh``, ``Djh``, ``d_jh``,
        ``p_jh``, ``weight`` (``p_j s_h + p_h s_j``), ``Gnb`` and ``Gt`` (the
        pair's parts of the two components).
    groups : pandas.Index
        Group labels, sorted (by ``str`` if they are not mutually comparable).
    n : pandas.Series
        Units per group.
    mean : pandas.Series
        ``μ_j``.
    mu : float
        Overall mean ``μ``.
    p, s : pandas.Series
        Population shares ``p_j`` and value shares ``s_j``.

    Raises
    ------
    DataError
        Non-numeric, missing (NaN) or infinite values, or missing group labels
        (naming the index keys); negative values (the Gini of values of mixed
        sign is not a measure of inequality: it can exceed 1 and is undefined
        for a zero mean); an overall or group mean of zero (naming the group);
        fewer than two groups; inputs of different lengths or, for two Series,
        different index labels (naming them).

    Notes
    -----
    Sums of ``|y_i - y_r|`` are computed from sorted values in
    ``O(n log n + n k)`` time and ``O(n)`` memory, never pairwise.

    References
    ----------
    Dagum, C. (1997). A new approach to the decomposition of the Gini income
    inequality ratio. *Empirical Economics*, 22(4), 515-531.

    Chen Xiuying and Wang Mengcui (陈秀英, 王梦翠).
    中国城市群生产性服务业与制造业协同集聚的空间差异及收敛性研究
    ("Spatial differences and convergence of producer-services–manufacturing
    co-agglomeration in China's urban agglomerations"), eqs 3-11 and Tables 2-4.

    Examples
    --------
    Two groups, A = (1, 2, 3, 4) and B = (2, 4, 6, 8, 10).  By hand: μ_A = 2.5,
    μ_B = 6, μ = 40/9, p = (4/9, 5/9), s = (1/4, 3/4); the sums of
    ``|y_i - y_r|`` over ordered pairs are 20 (within A), 80 (within B) and 76
    (A against B), so ``G = (20 + 80 + 2·76) / (2·81·40/9) = 252/720 = 0.35``,
    ``G_AA = 20/(2·16·2.5) = 1/4``, ``G_BB = 80/(2·25·6) = 4/15``,
    ``G_BA = 76/(20·8.5) = 38/85``, ``d_BA = 73/20``, ``p_BA = 3/20``, so
    ``D_BA = 70/76 = 35/38``; with the pair weight ``p_A s_B + p_B s_A = 17/36``,
    ``Gw = 5/36``, ``Gnb = 7/36``, ``Gt = 1/60``:

    >>> from fractions import Fraction
    >>> from geoaggl.inequality import dagum_gini
    >>> r = dagum_gini([1, 2, 3, 4, 2, 4, 6, 8, 10], list("AAAABBBBB"))
    >>> r
    DagumGini(G=0.35, Gw=0.138889, Gnb=0.194444, Gt=0.0166667, groups=2, n=9)
    >>> [Fraction(v).limit_denominator(100) for v in (r.Gw, r.Gnb, r.Gt)]
    [Fraction(5, 36), Fraction(7, 36), Fraction(1, 60)]
    >>> r.Gjj.round(6).to_dict()
    {'A': 0.25, 'B': 0.266667}
    >>> [Fraction(t.loc["B", "A"]).limit_denominator(100) for t in (r.Gjh, r.Djh)]
    [Fraction(38, 85), Fraction(35, 38)]
    >>> round(r.Gw + r.Gnb + r.Gt - r.G, 12)
    0.0
    >>> r.contributions.round(2).to_dict()
    {'Gw': 39.68, 'Gnb': 55.56, 'Gt': 4.76}
    """

    G: float
    Gw: float
    Gnb: float
    Gt: float
    contributions: pd.Series
    Gjj: pd.Series
    Gjh: pd.DataFrame
    Djh: pd.DataFrame
    d: pd.DataFrame
    pairs: pd.DataFrame
    groups: pd.Index
    n: pd.Series
    mean: pd.Series
    mu: float
    p: pd.Series
    s: pd.Series

    @renamed_kwargs(groups="group")
    def __init__(self, y: ArrayLike, group: ArrayLike, *, duplicates: str = "both") -> None:
        sy, sg = _align(y, group, ("y", "group"))
        check_option(duplicates, DUPLICATES, name="duplicates", where="dagum_gini")
        if len(sy) == 0:
            raise DataError("y is empty")
        keep = _index_units(sy.index, sg, duplicates=duplicates)
        if keep is not None:
            sy, sg = sy[keep], sg[keep]
        keys = sy.index
        values = _values(sy, what="y", keys=keys)
        codes, labels = _encode(sg, what="groups", keys=keys)
        self._fit(values, codes, labels)

    @classmethod
    def _from_arrays(cls, values: np.ndarray, codes: np.ndarray, labels: list[Any]) -> DagumGini:
        """Build from validated arrays (``codes`` index into the sorted ``labels``)."""
        obj = cls.__new__(cls)
        obj._fit(values, codes, labels)
        return obj

    def _fit(self, values: np.ndarray, codes: np.ndarray, labels: list[Any]) -> None:
        k = len(labels)
        if k < 2:
            raise DataError(
                f"the Dagum decomposition needs at least 2 groups; got {k} ({format_keys(labels)})"
            )
        sizes = np.bincount(codes, minlength=k).astype(np.float64)
        positive = np.bincount(codes, weights=values > 0, minlength=k)
        if not positive.any():
            raise DataError("y: every value is zero, so the overall mean is zero and the Gini is undefined")
        zero = [labels[j] for j in range(k) if positive[j] == 0]
        if zero:
            raise DataError(
                f"y: the mean of group(s) {format_keys(zero)} is zero, so their Gini is undefined"
            )
        # Every term is scale-invariant: rescale by a power of two (exact) so that the largest value
        # lies in [2**900, 2**901): sums of up to 2**60 values cannot overflow (inputs near 1.8e308)
        # and subnormal inputs regain their full precision.  Means and d_jh are scaled back when reported.
        expo = int(np.frexp(values.max())[1]) - 901
        values = np.ldexp(values, -expo)
        self._expo = expo
        self._values = values
        self._codes = codes
        order = np.argsort(codes.astype(np.int16) if k < 2**15 else codes, kind="stable")
        bounds = np.concatenate([[0], np.cumsum(sizes.astype(np.intp))])
        sums = np.array([math.fsum(values[order[bounds[j] : bounds[j + 1]]]) for j in range(k)])
        total = math.fsum(values)
        lost = [labels[j] for j in range(k) if sums[j] == 0]
        if lost:
            raise DataError(
                f"y: the values of group(s) {format_keys(lost)} are so much smaller than the "
                "largest value (a ratio beyond ~1e590) that they underflow in double precision"
            )
        self._sizes = sizes
        self._order = order
        self._bounds = bounds
        m = _excess(values, codes, k)
        r = _derive(m[None], sizes, sums[None], np.array([total]))
        idx = pd.Index(labels, name="group", tupleize_cols=False)  # tuple labels stay labels
        self.groups = idx
        self.n = pd.Series(sizes.astype(np.int64), index=idx, name="n")
        self.mean = pd.Series(np.ldexp(sums / sizes, expo), index=idx, name="mean")
        self.mu = float(np.ldexp(total / sizes.sum(), expo))
        self.p = pd.Series(sizes / sizes.sum(), index=idx, name="p")
        self.s = pd.Series(sums / total, index=idx, name="s")
        self.G = float(r["G"][0])
        self.Gw = float(r["Gw"][0])
        self.Gnb = float(r["Gnb"][0])
        self.Gt = float(r["Gt"][0])
        comp = np.array([self.Gw, self.Gnb, self.Gt])
        with np.errstate(divide="ignore", invalid="ignore"):
            pct = 100.0 * comp / self.G if self.G > 0 else np.full(3, np.nan)
        self.contributions = pd.Series(
            pct, index=pd.Index(_SOURCES, name="component"), name="contribution_pct"
        )
        self.Gjj = pd.Series(r["Gjj"][0].copy(), index=idx, name="Gjj")
        self.Gjh = pd.DataFrame(r["Gjh"][0], index=idx, columns=idx.rename("group_b"))
        d_raw = r["D"][0]
        mean = sums / sizes
        # j is "richer" than h when d_jh > p_jh (equivalent to μ_j > μ_h, without rounding); ties by mean
        richer = (m > m.T) | ((m == m.T) & (mean[:, None] >= mean[None, :]))
        d_sym = np.where(richer, d_raw, d_raw.T)
        self.Djh = pd.DataFrame(d_sym, index=idx, columns=idx.rename("group_b"))
        nn = np.outer(sizes, sizes)
        self.d = pd.DataFrame(np.ldexp(m / nn, expo), index=idx, columns=idx.rename("group_b"))
        self._point = r
        self.pairs = self._pairs_table(r, m, nn, richer, labels)

    def _pairs_table(
        self, r: dict[str, np.ndarray], m: np.ndarray, nn: np.ndarray, richer: np.ndarray, labels: list[Any]
    ) -> pd.DataFrame:
        """One row per unordered pair (j richer than h), in ``triu_indices`` order; vectorised."""
        a, b = np.triu_indices(len(labels), 1)
        rich = richer[a, b]
        j, h = np.where(rich, a, b), np.where(rich, b, a)
        gjh = r["Gjh"][0][j, h]
        dj = r["D"][0][j, h]
        part = gjh * r["w"][0][j, h]
        return pd.DataFrame(
            {  # label lists, so pandas infers the label dtype as before (tuples stay tuples)
                "j": [labels[i] for i in j],
                "h": [labels[i] for i in h],
                "Gjh": gjh,
                "Djh": dj,
                "d_jh": np.ldexp(m[j, h] / nn[j, h], self._expo),
                "p_jh": np.ldexp(m[h, j] / nn[j, h], self._expo),
                "weight": r["w"][0][j, h],
                "Gnb": part * dj,
                "Gt": part * (1.0 - dj),
            },
            columns=["j", "h", "Gjh", "Djh", "d_jh", "p_jh", "weight", "Gnb", "Gt"],
        )

    def __repr__(self) -> str:
        return (
            f"DagumGini(G={self.G:.6g}, Gw={self.Gw:.6g}, Gnb={self.Gnb:.6g}, Gt={self.Gt:.6g}, "
            f"groups={len(self.groups)}, n={int(self.n.sum())})"
        )

    # -- tables -----------------------------------------------------------------------------------

    def _row(self) -> pd.Series:
        """The decomposition as one flat row: Table 2, Table 3, Table 4 columns (see :meth:`summary`)."""
        labels = list(self.groups)
        data: dict[str, float] = {"G": self.G}
        for lab in labels:
            data[_name("Gjj", lab)] = float(self.Gjj[lab])
        gjh = self.Gjh.to_numpy()
        for a, b in zip(*np.triu_indices(len(labels), 1), strict=True):
            data[_name("Gjh", labels[a], labels[b])] = float(gjh[a, b])
        for c in _SOURCES:
            data[c] = float(getattr(self, c))
            data[f"{c}_pct"] = float(self.contributions[c])
        return pd.Series(data, dtype=np.float64)

    def summary(self, *, wide: bool = False) -> pd.DataFrame:
        """The decomposition as a table shaped like Chen & Wang's Tables 2-4.

        Parameters
        ----------
        wide : bool, default False
            ``False``: tidy long table, one row per number, columns ``table``
            (``"Table 2"`` overall and within: ``G``, ``Gjj``; ``"Table 3"``
            between: ``Gjh`` and ``Djh`` per pair, ``j`` the group with the higher
            mean; ``"Table 4"`` sources: ``Gw``, ``Gnb``, ``Gt`` and their
            contributions ``Gw_pct``, ``Gnb_pct``, ``Gt_pct`` in % of G),
            ``component``, ``group``, ``group_b`` (None where not applicable) and
            ``value``.
            ``True``: one row with the flat columns of :func:`dagum_gini_panel`
            (``G``, ``Gjj[<j>]``, ``Gjh[<j>, <h>]`` in sorted-label order, ``Gw``,
            ``Gw_pct``, ``Gnb``, ``Gnb_pct``, ``Gt``, ``Gt_pct``).

        Returns
        -------
        pandas.DataFrame

        Examples
        --------
        >>> from geoaggl.inequality import dagum_gini
        >>> r = dagum_gini([1, 2, 3, 4, 2, 4, 6, 8, 10], list("AAAABBBBB"))
        >>> r.summary().query("table == 'Table 3'")[["component", "group", "group_b", "value"]].round(4)
          component group group_b   value
        3       Gjh     B       A  0.4471
        4       Djh     B       A  0.9211
        """
        if wide:
            return self._row().to_frame().T.reset_index(drop=True)
        rows: list[tuple[Any, ...]] = [("Table 2", "G", None, None, self.G)]
        rows += [("Table 2", "Gjj", lab, None, float(v)) for lab, v in self.Gjj.items()]
        for pr in self.pairs.itertuples(index=False):
            rows.append(("Table 3", "Gjh", pr.j, pr.h, pr.Gjh))
            rows.append(("Table 3", "Djh", pr.j, pr.h, pr.Djh))
        for c in _SOURCES:
            rows.append(("Table 4", c, None, None, float(getattr(self, c))))
            rows.append(("Table 4", f"{c}_pct", None, None, float(self.contributions[c])))
        return pd.DataFrame(rows, columns=["table", "component", "group", "group_b", "value"])

    # -- bootstrap ----------------------------------------------------------------------------------

    def _components(self, r: dict[str, np.ndarray]) -> tuple[list[str], np.ndarray]:
        """Flatten derived terms of ``B`` samples into named columns (``B × components``)."""
        labels = list(self.groups)
        k = len(labels)
        names = ["G", "Gw", "Gnb", "Gt"]
        cols = [r["G"], r["Gw"], r["Gnb"], r["Gt"]]
        with np.errstate(divide="ignore", invalid="ignore"):
            for c in _SOURCES:
                names.append(f"{c}_pct")
                cols.append(100.0 * r[c] / r["G"])
        for j in range(k):
            names.append(_name("Gjj", labels[j]))
            cols.append(r["Gjj"][:, j])
        for a, b in zip(*np.triu_indices(k, 1), strict=True):
            names.append(_name("Gjh", labels[a], labels[b]))
            cols.append(r["Gjh"][:, a, b])
        pos = {lab: i for i, lab in enumerate(labels)}
        for pr in self.pairs.itertuples(index=False):
            names.append(_name("Djh", pr.j, pr.h))
            cols.append(r["D"][:, pos[pr.j], pos[pr.h]])
        return names, np.column_stack(cols)

    def _replicates(self, nb: int, rng: np.random.Generator) -> np.ndarray:
        """``nb`` stratified bootstrap replicates (``nb × components``), one draw per group."""
        k = len(self.groups)
        sizes = self._sizes.astype(np.intp)
        members = [self._values[self._order[self._bounds[j] : self._bounds[j + 1]]] for j in range(k)]
        codes_row = np.repeat(np.arange(k), sizes)
        sample = np.concatenate(
            [mem[rng.integers(0, mem.size, size=(nb, mem.size))] for mem in members], axis=1
        )
        sums = np.add.reduceat(sample, self._bounds[:-1], axis=1)
        totals = sums.sum(axis=1)
        order = np.argsort(sample, axis=1, kind="stable")
        m = excess_sums(np.take_along_axis(sample, order, axis=1), codes_row[order], k)
        return self._components(_derive(m, self._sizes, sums, totals))[1]

    @renamed_kwargs(n="n_boot")
    def bootstrap(
        self,
        n_boot: int | None = None,
        *,
        seed: int | np.random.Generator | None = None,
        level: float | None = None,
        alpha: float | None = None,
        client: Any = None,
    ) -> DagumBootstrap:
        """Percentile bootstrap confidence intervals of every component.

        Each replicate resamples, with replacement, ``n_j`` units within each
        group j (a stratified bootstrap: group sizes are fixed) and recomputes
        the whole decomposition; the interval of a component is the
        ``[α/2, 1 - α/2]`` quantile range of its replicates (linear
        interpolation, ``numpy.quantile``'s default).  Replicates are computed
        in batches with array operations (one sort per replicate).

        Parameters
        ----------
        n_boot : int, optional
            Number of replicates; default ``geoaggl.settings.n_boot`` (999).
            (Formerly ``n=``, still accepted with a deprecation warning.)
        seed : int, numpy.random.Generator or None
            Random seed (an integer >= 0) or generator; the same seed gives the
            same intervals.  A private generator is used: NumPy's global state is
            never touched.
        level : float, optional
            Confidence level (default 0.95).  Give ``level`` or ``alpha``, not both.
        alpha : float, optional
            ``1 - level``.
        client : dask.distributed.Client, optional
            Run the replicates on this Dask client (default: ``geoaggl.settings.dask_client``;
            None runs them here).  The replicates are computed in memory-bounded blocks (the
            same blocks with or without a client); block 0 continues the seed's generator and
            every further block uses a generator spawned from it, so a fixed seed gives
            bitwise-identical replicates locally and on any cluster.

        Returns
        -------
        DagumBootstrap

        Raises
        ------
        ParameterTypeError
            A non-integer ``n_boot`` or ``seed``, a non-numeric ``level`` / ``alpha``.
        DataError
            ``n_boot < 1``, a negative seed, a level outside (0, 1); every
            replicate resampled some group to all zeros (no interval exists).

        Warns
        -----
        DataWarning
            When some replicates resample a group to all zeros: their
            components are undefined (NaN in ``replicates``) and left out of
            the intervals (``n_invalid`` counts them).

        Examples
        --------
        >>> from geoaggl.inequality import dagum_gini
        >>> r = dagum_gini([1, 2, 3, 4, 2, 4, 6, 8, 10], list("AAAABBBBB"))
        >>> b = r.bootstrap(200, seed=1)
        >>> b.level, b.n, bool(b.lower["G"] <= r.G <= b.upper["G"])
        (0.95, 200, True)
        """
        n = check_int(
            setting(n_boot, "n_boot"), name="n_boot", minimum=1, maximum=MAX_BOOT, where="bootstrap"
        )
        if level is not None:
            level = check_real(
                level, name="level", minimum=0.0, maximum=1.0, strict_min=True, where="bootstrap"
            )
        if alpha is not None:
            alpha = check_real(
                alpha, name="alpha", minimum=0.0, maximum=1.0, strict_min=True, where="bootstrap"
            )
        if level is not None and alpha is not None and not math.isclose(level, 1.0 - alpha):
            raise DataError(f"bootstrap: give level or alpha, not both (level={level}, alpha={alpha})")
        conf = level if level is not None else (1.0 - alpha if alpha is not None else 0.95)
        if not 0.0 < conf < 1.0:
            raise DataError(f"bootstrap: the confidence level must lie in (0, 1); got {conf}")
        rng = check_seed(seed, where="bootstrap")  # a private generator: NumPy's global state is untouched
        ntot = int(self._sizes.sum())
        chunk = max(1, min(int(n), BUDGET // max(1, ntot * len(self.groups))))
        sizes = [min(int(n), b0 + chunk) - b0 for b0 in range(0, int(n), chunk)]
        gens = block_generators(rng, len(sizes))
        done = map_blocks(_boot_block, zip(sizes, gens, strict=True), client=client, shared={"model": self})
        sync_generator(rng, done[0][1])
        out = [cols for cols, _ in done]
        reps = np.vstack(out)
        names, est = self._components(self._point)
        invalid = int(np.isnan(reps[:, 1]).sum())  # Gw is NaN iff a group resampled to all zeros
        if invalid == int(n):
            raise DataError(
                f"bootstrap: all {int(n)} replicates resampled a group to all zeros (its Gini is "
                "undefined), so no interval can be formed; use more replicates or drop groups that "
                "are mostly zeros"
            )
        if invalid:
            warnings.warn(
                f"bootstrap: {invalid} of {int(n)} replicates resampled a group to all zeros (its "
                "Gini is undefined); they are NaN in .replicates and left out of the intervals",
                DataWarning,
                stacklevel=user_stacklevel(),
            )
        return DagumBootstrap(names, est[0], reps, level=conf, seed=seed)


def _boot_block(
    item: tuple[int, np.random.Generator], *, model: DagumGini
) -> tuple[np.ndarray, np.random.Generator]:
    """One block of :meth:`DagumGini.bootstrap` (module level, so that Dask can ship it)."""
    nb, rng = item
    return model._replicates(nb, rng), rng


class DagumBootstrap:
    """Percentile bootstrap intervals of a :class:`DagumGini` (from :meth:`DagumGini.bootstrap`).

    For each component ``c`` with replicates ``c*_1..c*_B`` the interval is
    ``[q(α/2), q(1 - α/2)]``, ``q`` the empirical quantile of the replicates
    (``numpy.nanquantile``, linear interpolation) and ``α = 1 - level``.

    Attributes
    ----------
    ci : pandas.DataFrame
        Index: component (``G``, ``Gw``, ``Gnb``, ``Gt``, ``Gw_pct``, ``Gnb_pct``,
        ``Gt_pct``, ``Gjj[<j>]``, ``Gjh[<j>, <h>]`` in sorted-label order,
        ``Djh[<j>, <h>]`` with ``j`` the group of higher mean in the point
        estimate); columns ``estimate``, ``lower``, ``upper``, ``se`` (standard
        deviation of the replicates, ``ddof=1``).
    estimate, lower, upper, se : pandas.Series
        The columns of :attr:`ci`.
    replicates : pandas.DataFrame
        Replicate values, ``n × components``.
    level : float
        Confidence level.
    alpha : float
        ``1 - level``.
    n : int
        Number of replicates.
    seed : int, Generator or None
        The seed given.
    n_invalid : int
        Replicates with NaN components (a group resampled to all zeros), left
        out of ``lower``, ``upper`` and ``se``.

    References
    ----------
    Efron, B. and Tibshirani, R. J. (1993). *An Introduction to the Bootstrap*.
    Chapman & Hall, New York (ch. 13, percentile intervals).

    Dagum, C. (1997). A new approach to the decomposition of the Gini income
    inequality ratio. *Empirical Economics*, 22(4), 515-531.

    Examples
    --------
    Returned by :meth:`DagumGini.bootstrap` (not constructed directly):

    >>> from geoaggl.inequality import dagum_gini
    >>> b = dagum_gini([1, 2, 3, 4, 2, 4, 6, 8, 10], list("AAAABBBBB")).bootstrap(200, seed=1)
    >>> list(b.ci.columns)
    ['estimate', 'lower', 'upper', 'se']
    >>> float(b.ci.loc["G", "estimate"]), b.replicates.shape
    (0.35, (200, 11))
    """

    ci: pd.DataFrame
    estimate: pd.Series
    lower: pd.Series
    upper: pd.Series
    se: pd.Series
    replicates: pd.DataFrame
    level: float
    alpha: float
    n: int
    n_invalid: int
    seed: Any

    def __init__(
        self, names: list[str], estimate: np.ndarray, replicates: np.ndarray, *, level: float, seed: Any
    ) -> None:
        idx = pd.Index(names, name="component")
        self.level = float(level)
        self.alpha = 1.0 - self.level
        self.n = replicates.shape[0]
        self.n_invalid = int(np.isnan(replicates).any(axis=1).sum())
        self.seed = seed
        self.replicates = pd.DataFrame(replicates, columns=idx)
        with np.errstate(invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns: NaN, reported by bootstrap()
            lo, hi = np.nanquantile(replicates, [self.alpha / 2, 1 - self.alpha / 2], axis=0)
            se = np.nanstd(replicates, axis=0, ddof=1) if self.n > 1 else np.full(len(names), np.nan)
        self.ci = pd.DataFrame({"estimate": estimate, "lower": lo, "upper": hi, "se": se}, index=idx)
        self.estimate = self.ci["estimate"]
        self.lower = self.ci["lower"]
        self.upper = self.ci["upper"]
        self.se = self.ci["se"]

    def __repr__(self) -> str:
        g = self.ci.loc["G"]
        return (
            f"DagumBootstrap(n={self.n}, level={self.level:g}, G={g['estimate']:.6g} "
            f"[{g['lower']:.6g}, {g['upper']:.6g}])"
        )


@renamed_kwargs(groups="group")
def dagum_gini(y: ArrayLike, group: ArrayLike, *, duplicates: str = "both") -> DagumGini:
    """Dagum Gini decomposition of ``y`` by ``group``; see :class:`DagumGini` for the formulas.

    ``G = Σ_j Σ_h Σ_i Σ_r |y_ji - y_hr| / (2 n² μ) = Gw + Gnb + Gt``.

    Parameters
    ----------
    y : Series or array-like
        Non-negative values, one per unit.
    group : Series or array-like
        Group label of each unit; aligned with ``y`` by index when both are Series
        (formerly ``groups=``, still accepted with a deprecation warning).
    duplicates : {"both", "first", "raise"}, default "both"
        Used only when the index has a level named ``adcode``: a unit listed
        under two groups (as after merging ``agglomerations("national11")``)
        counts in each (``"both"``, Chen & Wang's reading), only in its first
        group (``"first"``), or raises (``"raise"``), with one
        :class:`~geoaggl.errors.DuplicateMembershipWarning` naming the units; the
        same unit twice in one group raises DataError.

    Returns
    -------
    DagumGini

    Raises
    ------
    DataError
        Missing, infinite, negative or non-numeric values or group labels (naming
        the keys); a zero overall or group mean; fewer than two groups; inputs of
        different lengths or indexes; the same unit twice in one group.
    OptionError
        An unknown ``duplicates`` policy.

    References
    ----------
    Dagum, C. (1997). A new approach to the decomposition of the Gini income
    inequality ratio. *Empirical Economics*, 22(4), 515-531.

    Chen Xiuying and Wang Mengcui (陈秀英, 王梦翠).
    中国城市群生产性服务业与制造业协同集聚的空间差异及收敛性研究
    ("Spatial differences and convergence of producer-services–manufacturing
    co-agglomeration in China's urban agglomerations"), eqs 3-11.

    Examples
    --------
    The two-group example of :class:`DagumGini` (``G = 0.35 = 5/36 + 7/36 + 1/60``):

    >>> import pandas as pd
    >>> from geoaggl.inequality import dagum_gini
    >>> y = pd.Series([1, 2, 3, 4, 2, 4, 6, 8, 10])
    >>> r = dagum_gini(y, list("AAAABBBBB"))
    >>> round(r.G, 6), round(r.Gw, 6), round(r.Gnb, 6), round(r.Gt, 6)
    (0.35, 0.138889, 0.194444, 0.016667)
    """
    return DagumGini(y, group, duplicates=duplicates)


def _frame_inputs(
    df: pd.DataFrame, cols: dict[str, Hashable | None], optional: tuple[str, ...] = ()
) -> pd.Index:
    if not isinstance(df, pd.DataFrame):
        raise DataError(f"expected a DataFrame; got {type(df).__name__}")
    missing = [role for role, c in cols.items() if c is None and role not in optional]
    if missing:
        raise ParameterTypeError(f"{format_keys(missing)}: a column label is required, got None")
    given = {role: c for role, c in cols.items() if c is not None}
    require_columns(df, given.values(), what="df")
    return df.index


def _unit_rows(
    df: pd.DataFrame,
    unit: Hashable | None,
    time: Hashable | None,
    group: Hashable,
    *,
    duplicates: str,
    where: str,
    stacklevel: int,
) -> np.ndarray | None:
    """Rows to use under the duplicates policy (boolean mask), or None for every row."""
    if unit is None:
        return None
    u = key_values(df, unit)
    if u is None:
        if unit == "adcode":
            return None
        raise DataError(f"{where}: unit {unit!r} is neither a column nor an index level of df")
    u = np.asarray(u.tolist(), dtype=object)
    na = pd.isna(u)
    if na.any():
        raise DataError(f"{where}: missing {unit!r} at {format_keys(df.index[na])}")
    t = None if time is None else np.asarray(df[time].to_numpy().tolist(), dtype=object)
    labels = list(u) if t is None else list(zip(u, t, strict=True))
    g = np.asarray(df[group].to_numpy().tolist(), dtype=object)
    return _membership(
        df, u, t, time, labels, g, duplicates=duplicates, where=where, stacklevel=stacklevel + 1
    )


def _index_units(index: pd.Index, groups: pd.Series, *, duplicates: str) -> np.ndarray | None:
    """Rows to use when the index has an ``adcode`` level (units), or None for every row."""
    if "adcode" not in [n for n in index.names if n is not None]:
        return None
    u = np.asarray(index.get_level_values("adcode").tolist(), dtype=object)
    t = tname = None
    if isinstance(index, pd.MultiIndex):  # the other levels (e.g. year) complete the unit's label
        rest = index.droplevel("adcode")
        t, tname = np.asarray(list(rest), dtype=object), rest.names[0] if rest.nlevels == 1 else "label"
    labels = list(u) if t is None else list(zip(u, t, strict=True))
    g = np.asarray(groups.to_numpy().tolist(), dtype=object)
    return _membership(None, u, t, tname, labels, g, duplicates=duplicates, where="dagum_gini", stacklevel=5)


def _time_codes(s: pd.Series, *, keys: Keys, what: str) -> tuple[np.ndarray, list[Any]]:
    """Codes of the time column in sorted order; NaN and unused categories raise DataError."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        unused = [c for c in s.cat.categories if not (s == c).any()]
        if unused:
            raise DataError(f"{what}: no data for time value(s) {format_keys(unused)}")
    return _encode(s, what=what, keys=keys)


@renamed_kwargs(unit="entity")
def dagum_gini_panel(
    df: pd.DataFrame,
    *,
    value: Hashable,
    group: Hashable,
    time: Hashable,
    years: Sequence[Any] | None = None,
    entity: Hashable | None = "adcode",
    duplicates: str = "both",
) -> pd.DataFrame:
    """The Dagum decomposition of each year of a long panel (Chen & Wang, Tables 2-4).

    For each time value ``t``, ``G_t = Σ_j Σ_h Σ_i Σ_r |y_jit - y_hrt| / (2 n_t² μ_t)``
    is decomposed into ``Gw + Gnb + Gt`` exactly as by :func:`dagum_gini` on that
    year's rows.

    Parameters
    ----------
    df : pandas.DataFrame
        Long table, one row per unit and year.
    value, group, time : hashable
        Column names of the values, the group labels and the time (year).
    years : sequence, optional
        Time values to report, in this order (default: every time value present,
        sorted).  A requested time value with no rows raises DataError.
    entity : hashable or None, default "adcode"
        Column or index level naming each unit (city), used only to find units
        listed under two groups in the same year.  With the default, a table
        without an ``adcode`` column or level is taken as one row per unit.
        (Formerly ``unit=``, still accepted with a deprecation warning.)
    duplicates : {"both", "first", "raise"}, default "both"
        A unit listed under two groups in one year (邯郸, 邢台 in 京津冀 and 中原;
        运城 in 中原 and 关中平原 after merging ``agglomerations("national11")``):
        ``"both"`` counts it in each group - the reading consistent with Chen &
        Wang's published within-group Gini -, ``"first"`` only in the group of
        its first row, ``"raise"`` raises DataError; one
        :class:`~geoaggl.errors.DuplicateMembershipWarning` names the units.  The
        same unit twice in one group and year raises DataError.

    Returns
    -------
    pandas.DataFrame
        Indexed by time (one row per year), columns as in
        ``DagumGini.summary(wide=True)``: ``G`` and ``Gjj[<j>]`` (Table 2),
        ``Gjh[<j>, <h>]`` (Table 3, groups in sorted-label order), ``Gw``,
        ``Gw_pct``, ``Gnb``, ``Gnb_pct``, ``Gt``, ``Gt_pct`` (Table 4).  A group
        absent in a year has NaN in its columns that year.

    Raises
    ------
    DataError
        Missing columns (naming them); NaN, infinite, negative or non-numeric
        values (naming the row keys); missing group or time labels; a requested
        (or categorical) time value with no rows; a year with fewer than two
        groups or a zero group mean (naming the year and group).

    References
    ----------
    Dagum, C. (1997). A new approach to the decomposition of the Gini income
    inequality ratio. *Empirical Economics*, 22(4), 515-531.

    Chen Xiuying and Wang Mengcui (陈秀英, 王梦翠).
    中国城市群生产性服务业与制造业协同集聚的空间差异及收敛性研究
    ("Spatial differences and convergence of producer-services–manufacturing
    co-agglomeration in China's urban agglomerations"), Tables 2-4.

    Examples
    --------
    >>> import pandas as pd
    >>> from geoaggl.inequality import dagum_gini_panel
    >>> df = pd.DataFrame({
    ...     "year": [2000] * 9 + [2001] * 9,
    ...     "ua": list("AAAABBBBB") * 2,
    ...     "v": [1, 2, 3, 4, 2, 4, 6, 8, 10] + [2, 2, 3, 3, 3, 4, 5, 5, 6],
    ... })
    >>> t = dagum_gini_panel(df, value="v", group="ua", time="year")
    >>> t[["G", "Gw", "Gnb", "Gt", "Gnb_pct"]].round(4)
              G      Gw     Gnb      Gt  Gnb_pct
    year
    2000  0.350  0.1389  0.1944  0.0167  55.5556
    2001  0.202  0.0606  0.1414  0.0000  70.0000
    """
    keys = _frame_inputs(df, {"value": value, "group": group, "time": time})
    check_option(duplicates, DUPLICATES, name="duplicates", where="dagum_gini_panel")
    if len(df) == 0:
        raise DataError("df is empty")
    keep = _unit_rows(df, entity, time, group, duplicates=duplicates, where="dagum_gini_panel", stacklevel=3)
    if keep is not None:
        df = df.loc[keep]
        keys = df.index
    values = _values(df[value], what=f"column {value!r}", keys=keys)
    gcodes, glabels = _encode(df[group], what=f"column {group!r}", keys=keys)
    tcodes, tlabels = _time_codes(df[time], keys=keys, what=f"column {time!r}")
    if years is not None:
        want = list(years)
        pos = {t: i for i, t in enumerate(tlabels)}
        missing = [t for t in want if t not in pos]
        if missing:
            raise DataError(f"column {time!r}: no rows for requested time value(s) {format_keys(missing)}")
        chosen = [pos[t] for t in want]
    else:
        chosen = list(range(len(tlabels)))
    order = np.argsort(tcodes, kind="stable")
    bounds = np.searchsorted(tcodes[order], np.arange(len(tlabels) + 1))
    rows = []
    for ti in chosen:
        rows_t = order[bounds[ti] : bounds[ti + 1]]
        gc = gcodes[rows_t]
        present = np.unique(gc)
        remap = np.full(len(glabels), -1, dtype=np.intp)
        remap[present] = np.arange(present.size)
        try:
            res = DagumGini._from_arrays(values[rows_t], remap[gc], [glabels[i] for i in present])
        except DataError as exc:
            raise DataError(f"{time}={tlabels[ti]!r}: {exc}") from exc
        rows.append(res._row())
    cols = ["G", *[_name("Gjj", g) for g in glabels]]
    iu, ju = np.triu_indices(len(glabels), 1)
    cols += [_name("Gjh", glabels[a], glabels[b]) for a, b in zip(iu, ju, strict=True)]
    cols += [c for s in _SOURCES for c in (s, f"{s}_pct")]
    out = pd.DataFrame(rows).reindex(columns=cols).astype(np.float64)
    out.index = pd.Index([tlabels[i] for i in chosen], name=time)
    out.columns.name = None
    return out


# --------------------------------------------------------------------------- sigma convergence


def _ols_trend(t: np.ndarray, y: np.ndarray) -> tuple[float, float, float, float, float, int]:
    """Slope, its standard error, t, two-sided p, intercept and n of the OLS line ``y = a + b t``."""
    ok = ~np.isnan(y)
    t, y = t[ok], y[ok]
    n = int(t.size)
    if n < 2:
        return (np.nan, np.nan, np.nan, np.nan, np.nan, n)
    tc = t - t.mean()
    sxx = float(tc @ tc)
    if sxx == 0:
        return (np.nan, np.nan, np.nan, np.nan, np.nan, n)
    ym = y.mean()
    slope = float(tc @ (y - ym)) / sxx
    icpt = float(ym - slope * t.mean())
    if n < 3:
        return (slope, np.nan, np.nan, np.nan, icpt, n)
    resid = y - ym - slope * tc
    se = math.sqrt(float(resid @ resid) / (n - 2) / sxx)
    if se == 0:
        tval = math.copysign(math.inf, slope) if slope != 0 else 0.0
    else:
        tval = slope / se
    p = float(2 * stats.t.sf(abs(tval), n - 2))
    return (slope, se, tval, p, icpt, n)


class SigmaConvergence:
    r"""Sigma convergence: dispersion per group and year, and its linear trend.

    For group j and year t with units ``i = 1..n_jt``:

    .. math::

        \sigma_{jt} = \frac{\sqrt{\frac{1}{n_{jt}} \sum_i (y_{jit} - \mu_{jt})^2}}{\mu_{jt}}

    (population standard deviation, ``ddof=0``, over the mean: the coefficient
    of variation of Chen & Wang's eq. 12; with ``relative=False`` the numerator only),
    and the same over all units of the year (column ``"overall"``).  The trend
    of each column is the OLS line ``σ_t = a + b t``; the column converges when
    ``b < 0`` and the two-sided t-test of ``b = 0`` (``n_years - 2`` degrees
    of freedom) has ``p < alpha``.

    Parameters
    ----------
    df : pandas.DataFrame
        Long table, one row per unit and year.
    value, time : hashable
        Column names of the values and the (numeric) time.
    group : hashable, optional
        Column of group labels; without it only ``"overall"`` is computed.
    alpha : float, default 0.05
        Significance level of :attr:`converging`.
    relative : bool, default True
        Divide by the mean (coefficient of variation, as Chen & Wang).  ``False``
        gives the plain standard deviation (e.g. of log income) and accepts
        negative values.
    entity, duplicates
        As in :func:`sigma_convergence`.

    Attributes
    ----------
    sigma : pandas.DataFrame
        Time × group (sorted labels) plus ``"overall"``; NaN where a group has
        no units in a year.  A single-unit group-year has σ = 0.
    counts : pandas.DataFrame
        Units per cell of :attr:`sigma`.
    trend : pandas.DataFrame
        One row per column of :attr:`sigma`: ``slope`` (per unit of time),
        ``se``, ``t``, ``p`` (two-sided), ``intercept``, ``n_years``.  With fewer
        than three years ``se``, ``t`` and ``p`` are NaN; an exactly linear
        series has ``se = 0`` and ``p = 0`` (or ``p = 1`` if flat).
    converging : pandas.Series
        Bool per column: ``slope < 0 and p < alpha`` (False when p is NaN).
    alpha : float
        The significance level used.

    Raises
    ------
    DataError
        Missing columns, non-numeric/NaN/infinite values, negative values
        (when ``relative``), non-numeric or missing time values, a group
        labelled ``"overall"``, or a group-year (or year) with mean zero
        (naming it).

    References
    ----------
    Barro, R. J. and Sala-i-Martin, X. (1992). Convergence. *Journal of Political
    Economy*, 100(2), 223-251.

    Chen Xiuying and Wang Mengcui (陈秀英, 王梦翠).
    中国城市群生产性服务业与制造业协同集聚的空间差异及收敛性研究
    ("Spatial differences and convergence of producer-services–manufacturing
    co-agglomeration in China's urban agglomerations"), eq. 12 and Table 5.

    Examples
    --------
    Group A = (1, 2, 3, 4) has mean 2.5 and population SD sqrt(1.25), so
    σ = sqrt(1.25)/2.5 = 0.4472 in 2000:

    >>> import pandas as pd
    >>> from geoaggl.inequality import SigmaConvergence
    >>> df = pd.DataFrame({
    ...     "year": [2000] * 9 + [2001] * 9,
    ...     "ua": list("AAAABBBBB") * 2,
    ...     "v": [1, 2, 3, 4, 2, 4, 6, 8, 10] + [2, 2, 3, 3, 3, 4, 5, 5, 6],
    ... })
    >>> s = SigmaConvergence(df, value="v", time="year", group="ua")
    >>> s.sigma.round(4)
    ua         A       B  overall
    year
    2000  0.4472  0.4714   0.6374
    2001  0.2000  0.2217   0.3636
    >>> s.trend["slope"].round(4).to_dict()
    {'A': -0.2472, 'B': -0.2497, 'overall': -0.2737}
    """

    sigma: pd.DataFrame
    counts: pd.DataFrame
    trend: pd.DataFrame
    converging: pd.Series
    alpha: float

    @renamed_kwargs(unit="entity")
    def __init__(
        self,
        df: pd.DataFrame,
        *,
        value: Hashable,
        time: Hashable,
        group: Hashable | None = None,
        alpha: float = 0.05,
        relative: bool = True,
        entity: Hashable | None = "adcode",
        duplicates: str = "both",
    ) -> None:
        alpha = check_real(
            alpha, name="alpha", minimum=0.0, maximum=1.0, strict_min=True, where="sigma_convergence"
        )
        if alpha == 1.0:
            raise DataError("sigma_convergence: alpha must lie in (0, 1); got 1.0")
        if not isinstance(relative, bool | np.bool_):
            raise ParameterTypeError(f"sigma_convergence: relative must be True or False; got {relative!r}")
        keys = _frame_inputs(df, {"value": value, "time": time, "group": group}, optional=("group",))
        check_option(duplicates, DUPLICATES, name="duplicates", where="sigma_convergence")
        if len(df) == 0:
            raise DataError("df is empty")
        if group is not None:
            keep = _unit_rows(
                df, entity, time, group, duplicates=duplicates, where="sigma_convergence", stacklevel=4
            )
            if keep is not None:
                df = df.loc[keep]
                keys = df.index
        values = _values(df[value], what=f"column {value!r}", keys=keys, allow_negative=not relative)
        tser = df[time]
        if not (pd.api.types.is_numeric_dtype(tser.dtype) and not pd.api.types.is_bool_dtype(tser.dtype)):
            raise DataError(
                f"column {time!r}: time must be numeric (e.g. the year as int); got dtype "
                f"{tser.dtype} (for dates use .dt.year)"
            )
        tcodes, tlabels = _time_codes(tser, keys=keys, what=f"column {time!r}")
        tnum = np.array([float(t) for t in tlabels])
        # exact power-of-two rescaling (largest |value| in [0.5, 1)): squares neither overflow (~1e154 and
        # above) nor underflow (~1e-154 and below); the CV is scale-free and the SD is scaled back
        expo = int(np.frexp(np.abs(values).max())[1]) if values.size else 0
        values = np.ldexp(values, -expo)
        cols: list[Any] = []
        if group is not None:
            gcodes, glabels = _encode(df[group], what=f"column {group!r}", keys=keys)
            if OVERALL in glabels:
                raise DataError(
                    f"column {group!r}: a group is labelled {OVERALL!r}, which is reserved for "
                    "all units together"
                )
            cols = list(glabels)
        nt, ng = len(tlabels), len(cols)
        sig = np.full((nt, ng + 1), np.nan)
        cnt = np.zeros((nt, ng + 1), dtype=np.int64)
        cells: list[tuple[np.ndarray, int, int | None]] = [(tcodes, nt, None)]
        if group is not None:
            cells.insert(0, (tcodes * ng + gcodes, nt * ng, ng))
        for codes, size, per in cells:
            n, mean, sd = _dispersion(values, codes, size)
            bad = np.flatnonzero((n > 0) & (mean == 0)) if relative else np.array([], dtype=np.intp)
            if bad.size:
                where = [(cols[b % per], tlabels[b // per]) if per else (OVERALL, tlabels[b]) for b in bad]
                raise DataError(
                    f"column {value!r}: zero mean in (group, {time}) "
                    f"{format_keys(where)}; the coefficient of variation is undefined"
                )
            with np.errstate(divide="ignore", invalid="ignore"):
                s = np.where(n > 0, sd / mean if relative else np.ldexp(sd, expo), np.nan)
            if per:
                sig[:, :ng] = s.reshape(nt, ng)
                cnt[:, :ng] = n.reshape(nt, ng)
            else:
                sig[:, ng] = s
                cnt[:, ng] = n
        tidx = pd.Index(tlabels, name=time)
        cidx = pd.Index([*cols, OVERALL], name=group)
        self.alpha = float(alpha)
        self.sigma = pd.DataFrame(sig, index=tidx, columns=cidx)
        self.counts = pd.DataFrame(cnt, index=tidx, columns=cidx)
        rows = [_ols_trend(tnum, sig[:, c]) for c in range(ng + 1)]
        self.trend = pd.DataFrame(rows, index=cidx, columns=["slope", "se", "t", "p", "intercept", "n_years"])
        self.trend["n_years"] = self.trend["n_years"].astype(np.int64)
        flat = (self.trend["se"] == 0) & (self.trend["slope"] == 0)
        self.trend["p"] = self.trend["p"].where(~flat, 1.0)  # exactly flat: no evidence of a trend
        p = self.trend["p"].to_numpy()
        conv = (self.trend["slope"].to_numpy() < 0) & (np.nan_to_num(p, nan=1.0) < self.alpha)
        self.converging = pd.Series(conv, index=cidx, name="converging")

    def __repr__(self) -> str:
        return (
            f"SigmaConvergence(years={len(self.sigma)}, columns={list(self.sigma.columns)}, "
            f"converging={list(self.converging.index[self.converging])})"
        )


def _dispersion(
    values: np.ndarray, codes: np.ndarray, size: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Count, mean and population SD per code (two passes with a refined mean; ``ddof=0``)."""
    n = np.bincount(codes, minlength=size).astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.bincount(codes, weights=values, minlength=size) / n
        mean = np.where(n > 0, mean, 0.0)
        mean = mean + np.bincount(codes, weights=values - mean[codes], minlength=size) / np.where(n > 0, n, 1)
        dev = values - mean[codes]
        sd = np.sqrt(np.bincount(codes, weights=dev * dev, minlength=size) / n)
    return n.astype(np.int64), mean, sd


@renamed_kwargs(unit="entity")
def sigma_convergence(
    df: pd.DataFrame,
    *,
    value: Hashable,
    time: Hashable,
    group: Hashable | None = None,
    alpha: float = 0.05,
    relative: bool = True,
    entity: Hashable | None = "adcode",
    duplicates: str = "both",
) -> SigmaConvergence:
    """Sigma convergence ``σ_jt = sqrt(Σ_i (y_jit - μ_jt)² / n_jt) / μ_jt``; see :class:`SigmaConvergence`.

    Parameters
    ----------
    df : pandas.DataFrame
        Long table, one row per unit and year.
    value, time : hashable
        Column names of the values and the numeric time.
    group : hashable, optional
        Column of group labels.
    alpha : float, default 0.05
        Significance level: a column converges when its trend slope is negative
        with two-sided ``p < alpha``.
    relative : bool, default True
        Coefficient of variation (``True``) or plain population SD.
    entity : hashable or None, default "adcode"
        Column or index level naming each unit (city), used only to find units
        listed under two groups in the same year.  With the default, a table
        without an ``adcode`` column or level is taken as one row per unit.
        (Formerly ``unit=``, still accepted with a deprecation warning.)
    duplicates : {"both", "first", "raise"}, default "both"
        A unit listed under two groups in one year (邯郸, 邢台 in 京津冀 and 中原;
        运城 in 中原 and 关中平原 after merging ``agglomerations("national11")``):
        ``"both"`` counts it in each group - the reading consistent with Chen &
        Wang's published within-group Gini -, ``"first"`` only in the group of
        its first row, ``"raise"`` raises DataError; one
        :class:`~geoaggl.errors.DuplicateMembershipWarning` names the units.  The
        same unit twice in one group and year raises DataError.

    Returns
    -------
    SigmaConvergence

    Raises
    ------
    DataError
        Missing columns, non-numeric/NaN/infinite values, negative values (when
        ``relative``), missing time values, a group labelled ``"overall"`` or a
        group-year with mean zero (naming it).
    OptionError
        An unknown ``duplicates`` policy.

    References
    ----------
    Barro, R. J. and Sala-i-Martin, X. (1992). Convergence. *Journal of Political
    Economy*, 100(2), 223-251.

    Chen Xiuying and Wang Mengcui (陈秀英, 王梦翠).
    中国城市群生产性服务业与制造业协同集聚的空间差异及收敛性研究
    ("Spatial differences and convergence of producer-services–manufacturing
    co-agglomeration in China's urban agglomerations"), eq. 12.

    Examples
    --------
    >>> import pandas as pd
    >>> from geoaggl.inequality import sigma_convergence
    >>> df = pd.DataFrame({"year": [2000, 2000, 2001, 2001], "v": [1.0, 3.0, 2.0, 2.5]})
    >>> s = sigma_convergence(df, value="v", time="year")
    >>> s.sigma["overall"].round(4).to_dict()  # SD/mean: 1/2, then 0.25/2.25
    {2000: 0.5, 2001: 0.1111}
    """
    return SigmaConvergence(
        df,
        value=value,
        time=time,
        group=group,
        alpha=alpha,
        relative=relative,
        entity=entity,
        duplicates=duplicates,
    )


# --------------------------------------------------------------------------- beta convergence


class BetaConvergence:
    r"""Absolute or conditional beta convergence by OLS.

    .. math::

        \frac{1}{T} \ln\frac{y_{iT}}{y_{i0}} = \alpha + \beta \ln y_{i0} + \gamma' x_i + \varepsilon_i

    Convergence means ``β < 0``.  The speed of convergence follows from
    ``β = -(1 - e^{-λT})/T`` (Barro & Sala-i-Martin), i.e.

    .. math::

        \lambda = -\frac{\ln(1 + T\beta)}{T}, \qquad t_{1/2} = \frac{\ln 2}{\lambda}.

    ``convention="reat"`` uses ``λ = -ln(1 + β)/T`` instead (R package REAT,
    whose regression has the same left-hand side); it differs from ours unless
    ``T = 1``.

    Parameters
    ----------
    y0, yT : Series or array-like
        Positive values at the start and the end, one per unit (aligned by index
        when both are Series).
    T : float
        Length of the period (years), > 0.
    controls : DataFrame, Series or array-like, optional
        Conditioning variables, one row per unit (aligned by index with ``y0``
        when both carry one; an array is taken positionally).
    convention : {"barro", "reat"}, default "barro"
        Formula of :attr:`speed` (see above).

    Attributes
    ----------
    alpha, beta : float
        Intercept and the coefficient of ``ln y0``.
    se, t, p : float
        Standard error (classical OLS, ``σ̂² (X'X)⁻¹``, ``σ̂² = RSS/(n - k)``),
        t statistic and two-sided p-value of ``beta``.
    speed : float
        ``λ``; NaN when ``1 + Tβ ≤ 0`` (``1 + β`` for REAT), negative when β > 0.
    half_life : float
        ``ln 2 / λ``; NaN unless ``λ > 0``.
    converging : bool
        ``beta < 0`` (look at :attr:`p` for significance).
    params, bse, tvalues, pvalues : pandas.Series
        All coefficients (``const``, ``ln_y0``, then the controls) and their
        statistics.
    table : pandas.DataFrame
        The same as a table (``coef``, ``se``, ``t``, ``p``).
    growth : pandas.Series
        The left-hand side ``(1/T) ln(yT/y0)``.
    resid : pandas.Series
        Residuals.
    r2 : float
        Coefficient of determination; NaN when every unit has the same growth rate
        (the total sum of squares is 0).
    nobs, df_resid : int
        Units and residual degrees of freedom.
    T : float
        Period length.
    convention : str
        Speed convention used.

    Raises
    ------
    DataError
        Missing, non-positive, infinite or non-numeric values (naming the keys),
        mismatched lengths or indexes, non-positive ``T``, too few units for the
        number of parameters, or collinear regressors.

    References
    ----------
    Barro, R. J. and Sala-i-Martin, X. (1992). Convergence. *Journal of Political
    Economy*, 100(2), 223-251.

    Examples
    --------
    Data built with ``β = -0.02`` over ``T = 10`` years (``1 + Tβ = 0.8``), so
    ``λ = -ln 0.8 / 10 = 0.022314`` and the half-life is ``ln 2 / λ = 31.06`` years:

    >>> import numpy as np
    >>> from geoaggl.inequality import BetaConvergence
    >>> y0 = np.exp([0.0, 1.0, 2.0, 3.0])
    >>> b = BetaConvergence(y0, np.e * y0**0.8, T=10)
    >>> round(b.beta, 6), round(b.speed, 6), round(b.half_life, 2), b.converging
    (-0.02, 0.022314, 31.06, True)
    """

    alpha: float
    beta: float
    se: float
    t: float
    p: float
    speed: float
    half_life: float
    converging: bool
    params: pd.Series
    bse: pd.Series
    tvalues: pd.Series
    pvalues: pd.Series
    table: pd.DataFrame
    growth: pd.Series
    resid: pd.Series
    r2: float
    nobs: int
    df_resid: int
    T: float
    convention: str

    def __init__(
        self,
        y0: ArrayLike,
        yT: ArrayLike,
        *,
        T: float,
        controls: pd.DataFrame | pd.Series | np.ndarray | Sequence[Any] | None = None,
        convention: Literal["barro", "reat"] = "barro",
    ) -> None:
        check_option(convention, ("barro", "reat"), name="convention", where="beta_convergence")
        T = check_real(T, name="T", minimum=0.0, strict_min=True, where="beta_convergence")
        s0, s1 = _align(y0, yT, ("y0", "yT"))
        keys = s0.index
        v0 = _values(s0, what="y0", keys=keys, positive=True)
        v1 = _values(s1, what="yT", keys=keys, positive=True)
        x_names, xc = self._controls(controls, s0, isinstance(y0, pd.Series) or isinstance(yT, pd.Series))
        names = ["const", "ln_y0", *x_names]
        if "const" in x_names or "ln_y0" in x_names:
            raise DataError("controls: the names 'const' and 'ln_y0' are reserved")
        n = v0.size
        ln0 = np.log(v0)
        with np.errstate(over="ignore"):
            z = (np.log(v1) - ln0) / T
        if not np.isfinite(z).all() or (not z.any() and (v1 != v0).any()):
            raise DataError(
                f"beta_convergence: the growth rates ln(yT/y0)/T over- or underflow with T = {T!r}; "
                "give T in years (e.g. 10)"
            )
        x = np.column_stack([np.ones(n), ln0, xc]) if xc.size else np.column_stack([np.ones(n), ln0])
        kp = x.shape[1]
        if n <= kp:
            raise DataError(f"beta convergence needs more units than parameters; got {n} units for {kp}")
        q, r = linalg.qr(x, mode="economic")
        diag = np.abs(np.diag(r))
        if diag.min() <= diag.max() * kp * np.finfo(float).eps * 16:
            raise DataError(f"the regressors {format_keys(names)} are collinear (rank-deficient design)")
        coef = linalg.solve_triangular(r, q.T @ z)
        resid = z - x @ coef
        dfr = n - kp
        rss = float(resid @ resid)
        rinv = linalg.solve_triangular(r, np.eye(kp))
        cov = (rss / dfr) * (rinv @ rinv.T)
        se = np.sqrt(np.diag(cov))
        with np.errstate(divide="ignore", invalid="ignore"):
            tv = np.where(se > 0, coef / np.where(se > 0, se, 1.0), np.sign(coef) * np.inf)
            tv = np.where((se == 0) & (coef == 0), np.nan, tv)
        pv = 2 * stats.t.sf(np.abs(tv), dfr)
        idx = pd.Index(names)
        self.params = pd.Series(coef, index=idx, name="coef")
        self.bse = pd.Series(se, index=idx, name="se")
        self.tvalues = pd.Series(tv, index=idx, name="t")
        self.pvalues = pd.Series(pv, index=idx, name="p")
        self.table = pd.concat([self.params, self.bse, self.tvalues, self.pvalues], axis=1)
        self.alpha, self.beta = float(coef[0]), float(coef[1])
        self.se, self.t, self.p = float(se[1]), float(tv[1]), float(pv[1])
        self.growth = pd.Series(z, index=s0.index, name="growth")
        self.resid = pd.Series(resid, index=s0.index, name="resid")
        scale = float(np.abs(z).max()) or 1.0  # R² on z / scale: tiny growth rates must not underflow
        zs, rs = z / scale, resid / scale
        tss = float(((zs - zs.mean()) ** 2).sum())
        self.r2 = 1.0 - float(rs @ rs) / tss if tss > 0 else np.nan
        self.nobs, self.df_resid = n, dfr
        self.T = float(T)
        self.convention = convention
        arg = 1.0 + (self.T * self.beta if convention == "barro" else self.beta)
        self.speed = -math.log(arg) / self.T if arg > 0 else math.nan
        self.half_life = math.log(2.0) / self.speed if self.speed > 0 else math.nan
        self.converging = self.beta < 0

    @staticmethod
    def _controls(controls: Any, s0: pd.Series, indexed: bool) -> tuple[list[str], np.ndarray]:
        """Validated control matrix (n × p) aligned with ``s0`` and its column names."""
        n = len(s0)
        if controls is None:
            return [], np.empty((n, 0))
        if isinstance(controls, pd.Series):
            controls = controls.to_frame(name=controls.name if controls.name is not None else "x0")
        if isinstance(controls, pd.DataFrame):
            frame = controls
            if indexed and not frame.index.equals(s0.index):
                in_c, in_y = set(frame.index), set(s0.index)
                only_y = [k for k in s0.index if k not in in_c]
                only_c = [k for k in frame.index if k not in in_y]
                if only_y or only_c or frame.index.has_duplicates:
                    raise DataError(
                        f"controls and y0 have different index labels; only in y0: "
                        f"{format_keys(only_y)}; only in controls: {format_keys(only_c)}"
                    )
                frame = frame.reindex(s0.index)
            elif len(frame) != n:
                raise DataError(f"controls has {len(frame)} rows but y0 has {n} values")
            names = [str(c) for c in frame.columns]
            arr = numeric_frame(
                frame,
                list(frame.columns),
                labels=list(s0.index) if indexed else None,
                allow_negative=True,
                what="controls",
            )
            return names, arr
        arr0 = np.asarray(controls)
        if arr0.ndim == 1:
            arr0 = arr0[:, None]
        if arr0.ndim != 2 or arr0.shape[0] != n:
            raise DataError(f"controls must have one row per unit ({n}); got shape {np.shape(controls)}")
        frame = pd.DataFrame(arr0, index=s0.index, columns=[f"x{i}" for i in range(arr0.shape[1])])
        arr = numeric_frame(frame, list(frame.columns), allow_negative=True, what="controls")
        return list(frame.columns), arr

    def __repr__(self) -> str:
        return (
            f"BetaConvergence(beta={self.beta:.6g}, se={self.se:.3g}, p={self.p:.3g}, "
            f"speed={self.speed:.4g}, half_life={self.half_life:.4g}, n={self.nobs})"
        )


def beta_convergence(
    y0: ArrayLike,
    yT: ArrayLike,
    *,
    T: float,
    controls: pd.DataFrame | pd.Series | np.ndarray | Sequence[Any] | None = None,
    convention: Literal["barro", "reat"] = "barro",
) -> BetaConvergence:
    """Beta convergence ``(1/T) ln(y_iT/y_i0) = α + β ln y_i0 (+ γ'x_i) + ε_i``; see :class:`BetaConvergence`.

    Speed ``λ = -ln(1 + Tβ)/T`` and half-life ``ln 2/λ`` (``convention="reat"``:
    ``λ = -ln(1 + β)/T``).

    Parameters
    ----------
    y0, yT : Series or array-like
        Positive start and end values.
    T : float
        Period length in years.
    controls : DataFrame, Series or array-like, optional
        Conditioning variables.
    convention : {"barro", "reat"}, default "barro"
        Speed formula.

    Returns
    -------
    BetaConvergence

    Raises
    ------
    DataError
        Missing, non-positive, infinite or non-numeric values (naming the keys),
        mismatched lengths or indexes, non-positive ``T``, too few units or
        collinear regressors.
    OptionError
        An unknown ``convention``.

    References
    ----------
    Barro, R. J. and Sala-i-Martin, X. (1992). Convergence. *Journal of Political
    Economy*, 100(2), 223-251.

    Examples
    --------
    >>> import numpy as np
    >>> from geoaggl.inequality import beta_convergence
    >>> y0 = np.exp([0.0, 1.0, 2.0, 3.0])
    >>> b = beta_convergence(y0, np.e * y0**0.8, T=10)  # ln(yT/y0)/T = 0.1 - 0.02 ln y0
    >>> round(b.alpha, 6), round(b.beta, 6)
    (0.1, -0.02)
    """
    return BetaConvergence(y0, yT, T=T, controls=controls, convention=convention)
