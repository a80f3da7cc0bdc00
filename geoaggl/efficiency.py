"""Green total-factor productivity: SBM-DEA, capital stock, Malmquist–Luenberger.

The green-TFP toolkit of Song & Li (宋德勇, 李东方, 国家级城市群高质量平衡增长研究——基于产业
分工的视角, "High-quality balanced growth of national urban agglomerations: an
industrial division-of-labour perspective"), after Tone (2001, 2004) and Chung,
Färe & Grosskopf (1997).

Three functions:

* :func:`sbm` — Tone's slacks-based measure with undesirable outputs, CRS or
  VRS, against a pooled or a per-period frontier, solved as linear programmes
  (Charnes–Cooper transformation) with scipy's HiGHS.
* :func:`capital_stock` — perpetual-inventory capital stock per city.
* :func:`malmquist_luenberger` — the Malmquist–Luenberger productivity index
  with its efficiency-change and technical-change parts, from directional
  distance functions with direction ``g = (0, y, −b)`` under CRS.

Data requirements
-----------------
DEA here needs **strictly positive** data: every input, good output and bad
output of every DMU must be finite and ``> 0`` (SBM divides by them; the
directional distance function scales by them).  Zero, negative, NaN or
infinite values raise :class:`~geoaggl.errors.DataError` naming the column and
the DMUs.  No silent treatment is applied; replace zeros yourself (e.g. by a
small fraction of the column minimum) if that is acceptable for your study.

Speed
-----
The LPs of one frontier share their constraint matrix: only the evaluated
DMU's own column (SBM: ``t`` and the slack diagonal; ML: ``β``) and the
right-hand sides change.  So one HiGHS model is built per frontier and
re-solved for each DMU from the previous optimal basis (:mod:`geoaggl._lp`),
instead of one ``linprog`` call per LP or block-diagonal batches.  Measured on
300 cities × 10 years (``benchmarks/bench_efficiency.py``), this is roughly an
order of magnitude faster than a per-LP ``linprog`` loop with the same numbers
(to ~1e-12), and an infeasible mixed-period ML LP costs one solve, like any
other (the batched approach re-split whole batches around them and was slower
than the plain loop).  SBM offers only non-dominated DMUs as peers.  Without
HiGHS Python bindings (scipy < 1.15 and no ``highspy``) the batched ``linprog``
path is used.  Every column is rescaled by its geometric mean before solving
(the scores are unit-free).  Inputs are never modified.
"""

from __future__ import annotations

import warnings
from collections.abc import Hashable, Mapping, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from ._engine import get_client, map_blocks
from ._lp import BatchResult, Family, solve_family
from ._validate import (
    as_float_array,
    as_labels,
    check_option,
    check_real,
    check_values,
    level_values,
    numeric_frame,
    require_columns,
    require_key,
)
from .errors import DataError, GeoagglWarning, UnknownSchemeError, format_keys

__all__ = ["capital_stock", "malmquist_luenberger", "sbm"]

Columns = Hashable | Sequence[Hashable]
Table = pd.DataFrame | pd.Series


# --------------------------------------------------------------------------- helpers


def _frame(obj: Table, what: str) -> pd.DataFrame:
    if isinstance(obj, pd.Series):
        return obj.to_frame(what if obj.name is None else obj.name)
    if isinstance(obj, pd.DataFrame):
        return obj
    raise DataError(f"{what}: expected a pandas DataFrame or Series, got {type(obj).__name__}")


def _time_values(index: pd.Index, time: Hashable | Sequence[Any] | np.ndarray | pd.Series) -> np.ndarray:
    if isinstance(time, pd.Series):
        if not time.index.equals(index):
            try:
                return time.loc[index].to_numpy()
            except KeyError as exc:
                raise DataError("sbm: the time Series does not cover every DMU of inputs") from exc
        return time.to_numpy()
    if isinstance(time, np.ndarray | list):
        arr = np.asarray(time, dtype=object)
        if arr.shape != (len(index),):
            raise DataError(f"sbm: time has {arr.shape[0]} values for {len(index)} DMUs")
        return arr
    vals = level_values(index, time)
    if vals is not None:
        return vals
    if isinstance(index, pd.MultiIndex) and index.nlevels == 2 and time == "year":
        return index.get_level_values(1).to_numpy()
    raise DataError(
        f"sbm: frontier='year' needs the period of each DMU; {time!r} is not an index level "
        f"(levels: {list(index.names)}); pass time=<level name> or an array with one period per DMU"
    )


class _Key:
    """Wraps a tuple row label so that ``np.asarray(labels, dtype=object)`` stays 1-D in messages."""

    __slots__ = ("key",)

    def __init__(self, key: Any) -> None:
        self.key = key

    def __repr__(self) -> str:
        return repr(self.key)


def _labels(index: pd.Index) -> list[Any]:
    return [_Key(k) if isinstance(k, tuple) else k for k in index]


def _py(v: Any) -> Any:
    """numpy scalar → Python scalar (readable in messages)."""
    return v.item() if isinstance(v, np.generic) else v


def _groups(values: np.ndarray) -> list[tuple[Any, np.ndarray]]:
    codes, uniques = pd.factorize(pd.Series(values), sort=True)
    if (codes < 0).any():
        raise DataError("sbm: missing (NaN) period for some DMUs")
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(len(uniques) + 1))
    return [(uniques[g], order[bounds[g] : bounds[g + 1]]) for g in range(len(uniques))]


#: Largest ratio between two DMUs' values of one column that the LPs resolve reliably.
_MAX_SPAN = 1e12


def _check_range(obs: np.ndarray, ref: np.ndarray, cols: Sequence[Any], where: str) -> None:
    """Raise if a column's values span more than :data:`_MAX_SPAN` between DMUs (O(n) per column).

    Beyond it the LP coefficients leave HiGHS's reliable range (1e-9 to 1e15 after the
    per-column scaling), so the scores would be numerical noise: a DataError naming the column.
    """
    if not obs.shape[0] or not ref.shape[0]:
        return
    both = np.vstack([obs, ref])
    with np.errstate(over="ignore", divide="ignore"):
        top = both.max(axis=0) / both.min(axis=0)
    bad = ~np.isfinite(top) | (top > _MAX_SPAN)
    if bad.any():
        names = [c for c, b in zip(cols, bad, strict=True) if b]
        raise DataError(
            f"{where}: the values of column(s) {format_keys(names)} span more than 12 orders of "
            "magnitude between DMUs, beyond what the LP solver resolves (its coefficient range is "
            "1e-9 to 1e15 after scaling); check the units or rescale them"
        )


def _unit_scale(*arrays: np.ndarray) -> np.ndarray:
    """One positive factor per column (the geometric mean over all rows given) to bring data near 1.

    DEA scores are invariant to the unit of each column, and the LPs are better
    conditioned when every column's values are of order one.
    """
    stacked = np.vstack(arrays)
    with np.errstate(over="ignore", divide="ignore"):
        scale = np.exp(np.log(stacked).mean(axis=0))
    return np.where(np.isfinite(scale) & (scale > 0), scale, 1.0)


# --------------------------------------------------------------------------- blockwise LPs

#: LPs per block of :func:`_solve_blocks`.  Fixed (not derived from the number of workers), so a
#: family is cut into the same blocks with or without a Dask client and gives identical numbers:
#: the re-solved HiGHS model warm-starts each LP from the previous one's basis, so an LP's result
#: may depend (in the last bits, or in the choice among degenerate optimal slacks) on which LP
#: preceded it.  Each block builds its own model; at 512 LPs that cost is lost in the timing noise
#: of a pooled 3,000-DMU panel (benchmarks/bench_efficiency.py).
_LP_BLOCK = 512


def _family_rows(fam: Family, lo: int, hi: int) -> Family:
    """The LPs ``lo:hi`` of ``fam`` (shared parts are not copied)."""
    return Family(
        cost=fam.cost,
        base=fam.base,
        col_lower=fam.col_lower,
        col_upper=fam.col_upper,
        row_lower=fam.row_lower[lo:hi],
        row_upper=fam.row_upper[lo:hi],
        coef_rows=fam.coef_rows,
        coef_cols=fam.coef_cols,
        coef_values=fam.coef_values[lo:hi],
    )


def _solve_rows(item: tuple[int, int, int], *, fams: list[Family], want_x: bool) -> BatchResult:
    """Solve the LPs ``lo:hi`` of family ``f`` (one block of :func:`_solve_blocks`)."""
    f, lo, hi = item
    return solve_family(_family_rows(fams[f], lo, hi), want_x=want_x)


def _solve_blocks(fams: list[Family], *, want_x: bool = True, client: Any = None) -> list[BatchResult]:
    """:func:`solve_family` of each family, in blocks of ``_LP_BLOCK`` LPs, locally or on Dask.

    All blocks of all families go to :func:`~geoaggl._engine.map_blocks` at once (the families are
    scattered to the workers once); the results are reassembled per family in LP order.
    """
    items = [
        (f, lo, min(fam.row_lower.shape[0], lo + _LP_BLOCK))
        for f, fam in enumerate(fams)
        for lo in range(0, max(1, fam.row_lower.shape[0]), _LP_BLOCK)
    ]
    parts = map_blocks(_solve_rows, items, client=client, shared={"fams": fams, "want_x": want_x})
    out = []
    for f in range(len(fams)):
        mine = [r for (g, _, _), r in zip(items, parts, strict=True) if g == f]
        out.append(
            BatchResult(
                x=np.vstack([r.x for r in mine]),
                fun=np.concatenate([r.fun for r in mine]),
                status=np.concatenate([r.status for r in mine]),
                n_calls=sum(r.n_calls for r in mine),
            )
        )
    return out


# --------------------------------------------------------------------------- SBM


def _nondominated(w: np.ndarray, chunk: int = 256, *, client: Any = None) -> np.ndarray:
    """Indices of the rows of ``w`` not dominated by another row (smaller is better in every column).

    Row ``k`` dominates row ``j`` when ``w_k ≤ w_j`` everywhere and ``<`` somewhere; of identical
    rows only the first is kept.  Every dropped row is dominated by (or equal to) a kept one.
    With a Dask client (and more than ``_ND_BLOCK`` rows) the rows are tested in blocks on the
    workers; the answer is exact either way.
    """
    n = w.shape[0]
    if get_client(client) is None or n <= _ND_BLOCK:
        return np.flatnonzero(_undominated_rows((0, n), w=w, chunk=chunk))
    items = [(lo, min(n, lo + _ND_BLOCK)) for lo in range(0, n, _ND_BLOCK)]
    keep = map_blocks(_undominated_rows, items, client=client, shared={"w": w, "chunk": chunk})
    return np.flatnonzero(np.concatenate(keep))


_ND_BLOCK = 4096


def _undominated_rows(item: tuple[int, int], *, w: np.ndarray, chunk: int) -> np.ndarray:
    """Whether each row ``lo:hi`` of ``w`` is kept by :func:`_nondominated` (one block of it)."""
    start, stop = item
    keep = np.ones(stop - start, dtype=bool)
    earlier = np.arange(w.shape[0])
    for lo in range(start, stop, chunk):
        blk = w[lo : min(stop, lo + chunk)]
        le = (w[None, :, :] <= blk[:, None, :]).all(axis=2)
        lt = (w[None, :, :] < blk[:, None, :]).any(axis=2)
        eq = le & ~lt
        dup = eq & (earlier[None, :] < np.arange(lo, lo + blk.shape[0])[:, None])
        keep[lo - start : lo - start + blk.shape[0]] = ~((le & lt) | dup).any(axis=1)
    return keep


def _sbm_family(z: np.ndarray, ref: np.ndarray, m: int, s1: int, s2: int, vrs: bool) -> Family:
    r"""The Charnes–Cooper SBM LPs of the DMUs ``z`` against the peers ``ref`` as one :class:`Family`.

    Variables ``(t, Λ, s̃)`` with ``s̃_i = s_i / z_oi`` (unit-free slacks), so only the
    evaluated DMU's ``t`` column and slack diagonal change between LPs::

        min  t - Σ_i s̃⁻_i / m
        s.t. t + Σ_r (s̃ᵍ_r + s̃ᵇ_r) / (s1 + s2) = 1
             -z_oi t + Σ_j Λ_j z_ji ± z_oi s̃_i = 0     (+ for inputs and bad outputs, − for good)
             -t + Σ_j Λ_j = 0                         (VRS only)
    """
    scale = _unit_scale(z, ref)
    zs, rs = z / scale, ref / scale
    n, q = ref.shape[0], z.shape[1]
    nv, nr = 1 + n + q, 1 + q + int(vrs)
    base = np.zeros((nr, nv))
    base[0, 0] = 1.0
    base[0, 1 + n + m :] = 1.0 / (s1 + s2)
    base[1 : 1 + q, 1 : 1 + n] = rs.T
    if vrs:
        base[-1, 0] = -1.0
        base[-1, 1 : 1 + n] = 1.0
    sign = np.concatenate([np.ones(m), -np.ones(s1), np.ones(s2)])
    rows = np.concatenate([np.arange(1, 1 + q), np.arange(1, 1 + q)])
    cols_ = np.concatenate([np.zeros(q, dtype=np.int64), 1 + n + np.arange(q)])
    values = np.hstack([-zs, zs * sign])
    cost = np.zeros(nv)
    cost[0] = 1.0
    cost[1 + n : 1 + n + m] = -1.0 / m
    bounds_lo = np.zeros((z.shape[0], nr))
    bounds_lo[:, 0] = 1.0
    return Family(
        cost=cost,
        base=base,
        col_lower=np.zeros(nv),
        col_upper=np.full(nv, np.inf),
        row_lower=bounds_lo,
        row_upper=bounds_lo.copy(),
        coef_rows=rows,
        coef_cols=cols_,
        coef_values=values,
    )


def _sbm_setup(
    x: np.ndarray, yg: np.ndarray, yb: np.ndarray, vrs: bool, cols: Sequence[Any] = (), client: Any = None
) -> tuple[np.ndarray, np.ndarray, Family]:
    """The DMUs ``z``, their peers ``ref`` and the LP family of one frontier.

    Only non-dominated DMUs are offered as peers: replacing a dominated peer by its dominator
    keeps λ feasible (same Σλ) and weakly enlarges every slack, so ρ* is unchanged.
    """
    z = np.hstack([x, yg, yb])  # DMUs × q
    ref = z[_nondominated(np.hstack([x, -yg, yb]), client=client)]
    _check_range(z, ref, list(cols) or list(range(z.shape[1])), "sbm")
    return z, ref, _sbm_family(z, ref, x.shape[1], yg.shape[1], yb.shape[1], vrs)


def _sbm_finish(
    res: BatchResult, z: np.ndarray, n_ref: int, m: int, s1: int, labels: Sequence[Any]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """ρ, slacks (inputs, good, bad), Σλ and t from the solved family of one frontier."""
    bad = np.flatnonzero(res.status != 0)
    if bad.size:
        raise DataError(
            f"sbm: the LP could not be solved (HiGHS status {sorted(set(res.status[bad].tolist()))}) "
            f"for DMU(s) {format_keys(np.asarray(labels, object)[bad])}"
        )
    t = res.x[:, 0]
    lam_sum = res.x[:, 1 : 1 + n_ref].sum(axis=1) / t
    slacks = np.maximum(res.x[:, 1 + n_ref :] * z / t[:, None], 0.0)  # s = s̃ · z_o / t; clip -0.0 / 1e-17
    rho = np.minimum(res.fun, 1.0)
    return rho, slacks[:, :m], slacks[:, m : m + s1], slacks[:, m + s1 :], lam_sum, t


def _sbm_block(
    x: np.ndarray, yg: np.ndarray, yb: np.ndarray, vrs: bool, labels: Sequence[Any], cols: Sequence[Any] = ()
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Solve the SBM LP of every DMU of one frontier; return ρ, slacks and Σλ."""
    z, ref, fam = _sbm_setup(x, yg, yb, vrs, cols)
    (res,) = _solve_blocks([fam])
    return _sbm_finish(res, z, ref.shape[0], x.shape[1], yg.shape[1], labels)


def sbm(
    inputs: Table,
    good: Table,
    bad: Table | None = None,
    *,
    rts: Literal["crs", "vrs"] = "crs",
    frontier: Literal["pooled", "year"] = "pooled",
    time: Hashable | Sequence[Any] | np.ndarray | pd.Series = "year",
    client: Any = None,
) -> pd.DataFrame:
    r"""Tone's slacks-based efficiency with undesirable outputs (Tone 2001, 2004).

    For DMU ``o`` with inputs :math:`x_o` (m), good outputs :math:`y^g_o` (s1) and
    bad outputs :math:`y^b_o` (s2), against the DMUs ``j`` of its frontier:

    .. math::

        \rho^* = \min \frac{1 - \frac1m \sum_i s^-_i / x_{io}}
            {1 + \frac{1}{s_1+s_2}\left(\sum_r s^g_r / y^g_{ro} + \sum_r s^b_r / y^b_{ro}\right)}

    subject to :math:`x_o = X\lambda + s^-`, :math:`y^g_o = Y^g\lambda - s^g`,
    :math:`y^b_o = Y^b\lambda + s^b`, :math:`\lambda, s \ge 0`; VRS adds
    :math:`\sum_j \lambda_j = 1`.  Solved as the LP of the Charnes–Cooper
    transformation (:math:`t = 1/\text{denominator}`, :math:`\Lambda = t\lambda`,
    :math:`S = t s`), with every constraint row divided by the evaluated DMU's
    value so that the LP is unit-free::

        min  t − (1/m) Σ_i S̃⁻_i
        s.t. t + (1/(s1+s2)) (Σ_r S̃ᵍ_r + Σ_r S̃ᵇ_r) = 1
             Σ_j Λ_j x_ij / x_io + S̃⁻_i − t = 0
             Σ_j Λ_j yᵍ_rj / yᵍ_ro − S̃ᵍ_r − t = 0
             Σ_j Λ_j yᵇ_rj / yᵇ_ro + S̃ᵇ_r − t = 0
             (VRS) Σ_j Λ_j − t = 0,        t, Λ, S̃ ≥ 0

    with :math:`s_i = \tilde S_i\, z_{io} / t`.  With no bad output this is
    Tone's (2001) SBM.

    Parameters
    ----------
    inputs : DataFrame or Series
        One row per DMU, one column per input.  The index labels the DMUs
        (e.g. adcode, or ``(adcode, year)`` for city-years).
    good : DataFrame or Series
        Desirable outputs, same index as ``inputs`` (same labels, same order).
    bad : DataFrame or Series, optional
        Undesirable outputs, same index.
    rts : {"crs", "vrs"}, default "crs"
        Returns to scale.
    frontier : {"pooled", "year"}, default "pooled"
        ``"pooled"``: every DMU is compared with all DMUs (one frontier).
        ``"year"``: each DMU only with the DMUs of its own period.
    time : hashable, array-like or Series, default "year"
        Period of each DMU for ``frontier="year"``: an index level name (for a
        two-level index ``(adcode, year)`` whose second level is unnamed,
        ``"year"`` means that level), an array with one value per DMU, or a
        Series aligned on the index.  Ignored for the pooled frontier.
    client : dask.distributed.Client, optional
        Solve the LPs on this Dask client (default: ``geoaggl.settings.dask_client``; None solves
        them here).  The DMUs of each frontier are cut into blocks of 512 LPs, the same blocks
        with or without a client (each block re-solves one HiGHS model, warm-starting each LP
        from the previous one), so the results are identical locally and on a cluster.  Worth it
        for tens of thousands of DMUs (a pooled county panel); see the README.

    Returns
    -------
    DataFrame
        Index = ``inputs.index``.  Columns: ``efficiency`` (ρ*, in (0, 1]),
        ``slack_in[<col>]`` (:math:`s^-`, input excess), ``slack_good[<col>]``
        (:math:`s^g`, output shortfall), ``slack_bad[<col>]`` (:math:`s^b`,
        bad-output excess) in the units of the data, and ``lambda_sum``
        (:math:`\sum_j\lambda_j`; under CRS, < 1 / > 1 hints at increasing /
        decreasing returns to scale).

    Raises
    ------
    DataError
        Missing columns, different indexes, duplicated DMU labels, and any
        non-numeric, missing, infinite, zero or negative value (named by column
        and DMU); an LP HiGHS cannot solve (named by DMU).
    UnknownSchemeError
        Unknown ``rts`` or ``frontier``.

    References
    ----------
    Tone, K. (2001). A slacks-based measure of efficiency in data envelopment
    analysis. *European Journal of Operational Research*, 130(3), 498-509.

    Tone, K. (2004). Dealing with undesirable outputs in DEA: a slacks-based
    measure (SBM) approach. North American Productivity Workshop (NAPW III),
    Toronto, 23-25 June 2004, 44-45.

    Charnes, A. and Cooper, W. W. (1962). Programming with linear fractional
    functionals. *Naval Research Logistics Quarterly*, 9(3-4), 181-186.

    Song Deyong and Li Dongfang (宋德勇, 李东方).
    国家级城市群高质量平衡增长研究——基于产业分工的视角 ("High-quality balanced growth of
    national urban agglomerations: an industrial division-of-labour perspective") (green TFP).

    Examples
    --------
    One input, one good output.  ``a`` and ``c`` produce one unit per input and
    span the CRS frontier; ``b`` uses twice the input of ``a`` for its output,
    so ``ρ* = 1 - 2/4 = 0.5`` (equivalently ``1/(1 + 2/2)``, its output shortfall):

    >>> import pandas as pd
    >>> from geoaggl.efficiency import sbm
    >>> x = pd.DataFrame({"labour": [2.0, 4.0, 4.0]}, index=list("abc"))
    >>> y = pd.DataFrame({"gdp": [2.0, 2.0, 4.0]}, index=list("abc"))
    >>> sbm(x, y)["efficiency"].to_dict()
    {'a': 1.0, 'b': 0.5, 'c': 1.0}
    """
    check_option(rts, ("crs", "vrs"), name="rts", where="sbm", error=UnknownSchemeError)
    check_option(frontier, ("pooled", "year"), name="frontier", where="sbm", error=UnknownSchemeError)
    xf = _frame(inputs, "input")
    gf = _frame(good, "good")
    bf = None if bad is None else _frame(bad, "bad")
    index = xf.index
    for name, f in (("good", gf), ("bad", bf)):
        if f is not None and not f.index.equals(index):
            raise DataError(f"sbm: {name} does not have the same index (labels and order) as inputs")
    if index.has_duplicates:
        raise DataError(f"sbm: duplicated DMU labels {format_keys(index[index.duplicated()])}")
    if len(index) == 0:
        raise DataError("sbm: no DMUs")
    if xf.shape[1] == 0 or gf.shape[1] == 0:
        raise DataError("sbm: at least one input and one good output are needed")
    labels = _labels(index)
    x = numeric_frame(xf, list(xf.columns), labels=labels, positive=True, what="sbm inputs")
    yg = numeric_frame(gf, list(gf.columns), labels=labels, positive=True, what="sbm good outputs")
    yb = (
        np.empty((len(index), 0))
        if bf is None
        else numeric_frame(bf, list(bf.columns), labels=labels, positive=True, what="sbm bad outputs")
    )
    vrs = rts == "vrs"
    groups = [(None, np.arange(len(index)))] if frontier == "pooled" else _groups(_time_values(index, time))
    n = len(index)
    rho = np.empty(n)
    s_in = np.empty_like(x)
    s_g = np.empty_like(yg)
    s_b = np.empty_like(yb)
    lam = np.empty(n)
    lab_arr = np.asarray(labels, dtype=object)
    all_cols = [*xf.columns, *gf.columns, *([] if bf is None else bf.columns)]
    setups = [_sbm_setup(x[idx], yg[idx], yb[idx], vrs, all_cols, client) for _, idx in groups]
    solved = _solve_blocks([fam for _, _, fam in setups], client=client)
    for (_, idx), (z, ref, _), res in zip(groups, setups, solved, strict=True):
        r, a, g, b, ls, _t = _sbm_finish(res, z, ref.shape[0], x.shape[1], yg.shape[1], lab_arr[idx])
        rho[idx], s_in[idx], s_g[idx], s_b[idx], lam[idx] = r, a, g, b, ls
    out: dict[str, np.ndarray] = {"efficiency": rho}
    out.update({f"slack_in[{c}]": s_in[:, j] for j, c in enumerate(xf.columns)})
    out.update({f"slack_good[{c}]": s_g[:, j] for j, c in enumerate(gf.columns)})
    if bf is not None:
        out.update({f"slack_bad[{c}]": s_b[:, j] for j, c in enumerate(bf.columns)})
    out["lambda_sum"] = lam
    return pd.DataFrame(out, index=index.copy())


# --------------------------------------------------------------------------- capital stock


def _per_time(spec: Any, what: str) -> pd.Series:
    if isinstance(spec, Mapping) and not isinstance(spec, pd.Series):
        spec = pd.Series(spec)
    if not isinstance(spec, pd.Series):
        raise DataError(f"capital_stock: {what} must be a Series, DataFrame or mapping")
    return spec


def _consecutive(times: np.ndarray, entity: Any) -> None:
    t = np.asarray(times)
    if t.size > 1 and np.issubdtype(t.dtype, np.integer):
        gaps = np.flatnonzero(np.diff(t) != 1)
        if gaps.size:
            missing = [f"{t[g]}–{t[g + 1]}" for g in gaps]
            raise DataError(
                f"capital_stock: missing years for {entity!r} between {', '.join(missing)}; "
                "the perpetual inventory needs every year"
            )


def _pim(real: np.ndarray, delta: float, g: float | None, entity: Any) -> tuple[np.ndarray, float]:
    if g is None:
        if real.size < 2:
            raise DataError(
                f"capital_stock: {entity!r} has a single year, so its investment growth is undefined; "
                "pass growth="
            )
        g = float((real[-1] / real[0]) ** (1.0 / (real.size - 1)) - 1.0)
    if g + delta <= 0:
        raise DataError(
            f"capital_stock: growth + delta = {g + delta:.4g} ≤ 0 for {entity!r}, so K_0 = I_0/(g + δ) is "
            "undefined; pass growth= explicitly"
        )
    k = np.empty_like(real)
    k[0] = real[0] / (g + delta)
    for i in range(1, real.size):
        k[i] = k[i - 1] * (1.0 - delta) + real[i]
    if not np.isfinite(g) or not (np.isfinite(k) & (k > 0)).all():
        raise DataError(
            f"capital_stock: the capital stock of {entity!r} over- or underflows float64 "
            f"(investment from {real.min():.3g} to {real.max():.3g}, g = {g:.3g}); rescale the investment"
        )
    return k, g


def capital_stock(
    investment: Table,
    *,
    deflator: Table | Mapping[Any, float] | None = None,
    delta: float = 0.096,
    growth: float | pd.Series | Mapping[Any, float] | None = None,
) -> pd.DataFrame:
    r"""Capital stock by the perpetual inventory method, per city.

    .. math::

        I^r_t = I_t / P_t, \qquad K_{t_0} = \frac{I^r_{t_0}}{g + \delta}, \qquad
        K_t = K_{t-1}(1 - \delta) + I^r_t

    where :math:`t_0` is the city's first year and, unless ``growth`` is
    given, :math:`g` is the city's **geometric mean annual growth rate of real
    investment** over its years :math:`t_0..T`:
    :math:`g = (I^r_T / I^r_{t_0})^{1/(T - t_0)} - 1`.

    Parameters
    ----------
    investment : Series or DataFrame
        Nominal investment (e.g. fixed-asset investment), either *long*: a
        Series with a two-level index ``(city, year)``; or *wide*: a DataFrame
        with one row per year and one column per city.  Years must be
        consecutive integers (or any sortable labels, taken as consecutive).
    deflator : Series, DataFrame or mapping, optional
        Investment price index :math:`P_t` as a **ratio** to the base year
        (base = 1.0; divide a "base = 100" index by 100 first).  Either shaped
        like ``investment`` (aligned by label) or a Series / mapping keyed by
        year, shared by all cities.  Default: no deflation (investment already
        real).
    delta : float, default 0.096
        Depreciation rate δ (9.6 %, Zhang Jun et al. 2004), ``0 ≤ δ < 1``.
    growth : float, Series or mapping, optional
        :math:`g` for :math:`K_0`, one value for all cities or keyed by city;
        finite real numbers (NaN, ±inf and non-numbers raise).

    Returns
    -------
    DataFrame
        Long input: same index, columns ``real_investment``, ``capital_stock``,
        ``growth`` (the :math:`g` used for that city).  Wide input: the capital
        stock, same shape, index and columns as ``investment``.

    Raises
    ------
    DataError
        Missing, non-positive or non-numeric investment or deflator values,
        duplicated (city, year), missing years, ``g + δ ≤ 0``, a city with one
        year and no ``growth``; ``delta`` outside [0, 1), a NaN or infinite
        ``growth``.
    ParameterTypeError
        A non-numeric ``delta`` or ``growth`` (e.g. None, ``"abc"``).

    References
    ----------
    Goldsmith, R. W. (1951). A perpetual inventory of national wealth. In
    *Studies in Income and Wealth*, vol. 14, 5-73. NBER.

    Zhang Jun, Wu Guiying and Zhang Jipeng (张军, 吴桂英, 张吉鹏) (2004).
    中国省际物质资本存量估算: 1952—2000 ("The estimation of China's provincial capital
    stock: 1952-2000"). *Economic Research Journal* (经济研究), 2004(10), 35-44.

    Examples
    --------
    Constant real investment 10 with ``g = 0`` and ``δ = 0.1`` is the steady state
    ``K = I/δ = 100`` from the first year on:

    >>> import pandas as pd
    >>> from geoaggl.efficiency import capital_stock
    >>> idx = pd.MultiIndex.from_product([["a"], [2000, 2001, 2002]], names=["adcode", "year"])
    >>> inv = pd.Series([10.0, 10.0, 10.0], index=idx, name="I")
    >>> capital_stock(inv, delta=0.1, growth=0.0)["capital_stock"].tolist()
    [100.0, 100.0, 100.0]
    """
    delta = check_real(delta, name="delta", minimum=0.0, maximum=1.0, where="capital_stock")
    if delta == 1.0:
        raise DataError("capital_stock: delta must be in [0, 1), got 1.0")
    if growth is not None and not isinstance(growth, pd.Series | Mapping):
        growth = check_real(growth, name="growth", where="capital_stock")
    wide = isinstance(investment, pd.DataFrame)
    long = _investment_long(investment)
    labels = _labels(long.index)
    inv = as_float_array(long, what="capital_stock investment", labels=labels)
    check_values(inv, what="capital_stock investment", labels=labels, positive=True)
    years = long.index.get_level_values(1)
    price = _deflator_prices(deflator, long, wide=wide, labels=labels)
    real = inv / price
    cities = long.index.get_level_values(0)
    kout = np.empty_like(real)
    gout = np.empty_like(real)
    for city, pos in pd.Series(np.arange(len(long))).groupby(cities.to_numpy(), sort=False):
        p = pos.to_numpy()
        order = p[np.argsort(years[p].to_numpy(), kind="stable")]
        _consecutive(years[order].to_numpy(), city)
        k, g_used = _pim(real[order], delta, _city_growth(growth, city), city)
        kout[order] = k
        gout[order] = g_used
    if wide:
        ks = pd.Series(kout, index=long.index)
        return ks.unstack(0).reindex(index=investment.index.copy(), columns=investment.columns.copy())
    return pd.DataFrame(
        {"real_investment": real, "capital_stock": kout, "growth": gout}, index=long.index.copy()
    )


def _investment_long(investment: Table) -> pd.Series:
    """The investment as a Series indexed (city, year), checked for shape and duplicates."""
    if isinstance(investment, pd.DataFrame):
        long = _wide_to_long(investment)
    elif isinstance(investment, pd.Series):
        if not (isinstance(investment.index, pd.MultiIndex) and investment.index.nlevels == 2):
            raise DataError(
                "capital_stock: a Series of investment needs a two-level (city, year) index; "
                "pass a wide DataFrame (years × cities) otherwise"
            )
        long = investment
    else:
        raise DataError(f"capital_stock: expected a Series or DataFrame, got {type(investment).__name__}")
    if long.index.has_duplicates:
        dups = format_keys(long.index[long.index.duplicated()])
        raise DataError(f"capital_stock: duplicated (city, year) {dups}")
    return long


def _deflator_prices(
    deflator: Table | Mapping[Any, float] | None, long: pd.Series, *, wide: bool, labels: Any
) -> np.ndarray:
    """The price index aligned to ``long`` (ones when no deflator), checked positive and finite."""
    if deflator is None:
        return np.ones(len(long), dtype=float)
    if wide and isinstance(deflator, pd.DataFrame):
        dl = _wide_to_long(deflator)
    else:
        dl = _per_time(deflator, "deflator")
    try:
        if isinstance(dl.index, pd.MultiIndex):
            dv = dl.reindex(long.index)
        else:
            dv = dl.reindex(long.index.get_level_values(1))
    except (TypeError, ValueError) as exc:
        raise DataError(f"capital_stock: cannot align the deflator: {exc}") from exc
    price = as_float_array(pd.Series(dv.to_numpy()), what="capital_stock deflator", labels=labels)
    check_values(
        price,
        what="capital_stock deflator (missing = not given for that city/year)",
        labels=labels,
        positive=True,
    )
    return price


def _city_growth(growth: float | pd.Series | Mapping[Any, float] | None, city: Any) -> float | None:
    """The ``g`` of one city: None (estimate it), the shared scalar, or the city's keyed value."""
    if growth is None:
        return None
    if isinstance(growth, pd.Series | Mapping):
        gs = growth if isinstance(growth, pd.Series) else pd.Series(growth)
        if city not in gs.index:
            raise DataError(f"capital_stock: growth has no value for city {city!r}")
        return check_real(gs[city], name=f"growth[{city!r}]", where="capital_stock")
    return float(growth)


def _wide_to_long(df: pd.DataFrame) -> pd.Series:
    """Years × cities frame → Series indexed (city, year), NaN kept."""
    t = df.T
    idx = pd.MultiIndex.from_product([t.index, t.columns], names=["city", "year"])
    return pd.Series(t.to_numpy().reshape(-1), index=idx)


# --------------------------------------------------------------------------- Malmquist–Luenberger


def _ddf_family(obs: np.ndarray, ref: np.ndarray, m: int, s1: int, cols: Sequence[Any] = ()) -> Family:
    """The LPs of the directional distance of each row of ``obs`` against ``ref`` (see :func:`_ddf`)."""
    q = obs.shape[1]
    n = ref.shape[0]
    s2 = q - m - s1
    _check_range(obs, ref, list(cols) or list(range(q)), "malmquist_luenberger")
    scale = _unit_scale(obs, ref)
    os_, rs = obs / scale, ref / scale
    # rows: Σ λ_j x_j ≤ x_o;  Σ λ_j y_j - β y_o ≥ y_o;  Σ λ_j b_j + β b_o = b_o.  Only the β column
    # (good and bad rows) and the right-hand sides depend on the evaluated observation.
    base = np.zeros((q, 1 + n))
    base[:, 1:] = rs.T
    sign = np.concatenate([-np.ones(s1), np.ones(s2)])
    lower = os_.copy()
    lower[:, :m] = -np.inf
    upper = os_.copy()
    upper[:, m : m + s1] = np.inf
    cost = np.zeros(1 + n)
    cost[0] = -1.0
    col_lower = np.zeros(1 + n)
    col_lower[0] = -np.inf
    return Family(
        cost=cost,
        base=base,
        col_lower=col_lower,
        col_upper=np.full(1 + n, np.inf),
        row_lower=lower,
        row_upper=upper,
        coef_rows=np.arange(m, q),
        coef_cols=np.zeros(q - m, dtype=np.int64),
        coef_values=os_[:, m:] * sign,
    )


def _ddf(
    obs: np.ndarray, ref: np.ndarray, m: int, s1: int, cols: Sequence[Any] = ()
) -> tuple[np.ndarray, np.ndarray]:
    """Directional distance β of each row of ``obs`` against the CRS technology spanned by ``ref``.

    Returns (β, status).  Columns of obs/ref: inputs (m), good (s1), bad (rest).
    """
    (res,) = _solve_blocks([_ddf_family(obs, ref, m, s1, cols)], want_x=False)
    return -res.fun + 0.0, res.status  # + 0.0 turns -0.0 into 0.0


def malmquist_luenberger(
    panel: pd.DataFrame,
    *,
    inputs: Columns,
    good: Columns,
    bad: Columns,
    entity: Hashable = "adcode",
    time: Hashable = "year",
    client: Any = None,
) -> pd.DataFrame:
    r"""Malmquist–Luenberger productivity index and its decomposition (Chung, Färe & Grosskopf 1997).

    Directional distance function with direction :math:`g = (0, y, -b)` (inputs
    are not contracted), CRS, contemporaneous frontier of period ``s``:

    .. math::

        D^s(x, y, b) = \max \beta \ \text{s.t.}\ \sum_j \lambda_j x^s_j \le x,\
        \sum_j \lambda_j y^s_j \ge (1+\beta) y,\ \sum_j \lambda_j b^s_j = (1-\beta) b,\ \lambda \ge 0

    (bad outputs weakly disposable: equality; β is free in sign, so a
    mixed-period observation above the other period's frontier gets β < 0).
    For consecutive observed periods ``t → t+1`` of one entity, writing
    :math:`D^a(b)` for :math:`D^a(x^b, y^b, b^b)`:

    .. math::

        ML = \sqrt{\frac{1 + D^t(t)}{1 + D^t(t+1)} \cdot \frac{1 + D^{t+1}(t)}{1 + D^{t+1}(t+1)}},\quad
        MLEC = \frac{1 + D^t(t)}{1 + D^{t+1}(t+1)},\quad
        MLTC = \sqrt{\frac{1 + D^{t+1}(t)}{1 + D^t(t)} \cdot \frac{1 + D^{t+1}(t+1)}{1 + D^t(t+1)}}

    so that ``ML = MLEC × MLTC``; values > 1 mean progress.

    Parameters
    ----------
    panel : DataFrame
        Long panel, one row per entity and period.
    inputs, good, bad : column name or list of names
        Inputs, desirable outputs and undesirable outputs (all strictly positive).
    entity, time : hashable, default "adcode", "year"
        Column or index-level names of the entity and the period.
    client : dask.distributed.Client, optional
        Solve the LPs on this Dask client (default: ``geoaggl.settings.dask_client``; None solves
        them here).  Every LP family (each period against its own frontier, each pair of
        consecutive periods against each other's) is cut into blocks of 512 LPs, the same blocks
        with or without a client, so the results are identical locally and on a cluster.

    Returns
    -------
    DataFrame
        One row per entity and pair of consecutive periods in which it is
        observed; index ``(entity, time)`` with ``time`` the **later** period
        ``t+1``.  Columns: ``base`` (period ``t``), ``ML``, ``MLEC``, ``MLTC``,
        ``D_t_t`` (:math:`D^t(t)`), ``D_t_t1`` (:math:`D^t(t+1)`), ``D_t1_t``
        (:math:`D^{t+1}(t)`), ``D_t1_t1`` (:math:`D^{t+1}(t+1)`).  An entity absent
        from one of the two periods gets no row for that pair.

    Raises
    ------
    DataError
        Missing columns, duplicated (entity, period), fewer than two periods,
        and non-numeric, missing, zero or negative values (named).

    Warns
    -----
    GeoagglWarning
        When a mixed-period LP (an observation of one period against the other
        period's frontier) is infeasible, or gives ``1 + D ≤ 0``: that ``D`` and
        the ``ML`` and ``MLTC`` of the row are NaN (``MLEC`` only uses the
        contemporaneous distances, which always exist); the warning names the
        (entity, period) rows.

    References
    ----------
    Chung, Y. H., Färe, R. and Grosskopf, S. (1997). Productivity and
    undesirable outputs: a directional distance function approach. *Journal of
    Environmental Management*, 51(3), 229-240.

    Song Deyong and Li Dongfang (宋德勇, 李东方).
    国家级城市群高质量平衡增长研究——基于产业分工的视角 ("High-quality balanced growth of
    national urban agglomerations: an industrial division-of-labour perspective") (green TFP).

    Examples
    --------
    City ``a`` doubles its good output with the same input and bad output, and
    reaches the frontier that ``b`` spans in both periods.  Against period 1,
    ``D¹(a₁) = 1/3`` (``λ = 1 - β`` and ``2λ ≥ 1 + β``) and ``D¹(a₂) = 0``, the
    same against period 2, so ``ML = sqrt((4/3)·(4/3)) = 4/3``, all of it
    efficiency change:

    >>> import pandas as pd
    >>> from geoaggl.efficiency import malmquist_luenberger
    >>> p = pd.DataFrame({"adcode": list("aabb"), "year": [1, 2, 1, 2], "x": [1.0, 1, 1, 1],
    ...                   "y": [1.0, 2, 2, 2], "b": [1.0, 1, 1, 1]})
    >>> malmquist_luenberger(p, inputs="x", good="y", bad="b")[["ML", "MLEC", "MLTC"]].round(4)
                     ML    MLEC  MLTC
    adcode year
    a      2     1.3333  1.3333   1.0
    b      2     1.0000  1.0000   1.0
    """
    if not isinstance(panel, pd.DataFrame):
        raise DataError(f"malmquist_luenberger: expected a DataFrame, got {type(panel).__name__}")
    xs, gs, bs = (as_labels(c, tuple_is_label=True) for c in (inputs, good, bad))
    if not xs or not gs:
        raise DataError("malmquist_luenberger: at least one input and one good output are needed")
    require_columns(panel, xs + gs + bs, what="malmquist_luenberger")
    ent = require_key(panel, entity, what="malmquist_luenberger entity")
    per = require_key(panel, time, what="malmquist_luenberger time")
    keys = pd.MultiIndex.from_arrays([ent, per], names=[entity, time])
    if keys.has_duplicates:
        dups = format_keys(keys[keys.duplicated()])
        raise DataError(f"malmquist_luenberger: duplicated ({entity}, {time}) {dups}")
    labels = _labels(keys)
    cols = xs + gs + bs
    z = numeric_frame(panel, cols, labels=labels, positive=True, what="malmquist_luenberger")
    m, s1 = len(xs), len(gs)
    groups = _groups(per)
    if len(groups) < 2:
        raise DataError("malmquist_luenberger: need at least two periods")
    ent_s = pd.Series(ent)
    rows: list[pd.DataFrame] = []
    trouble: list[Any] = []
    fams = [_ddf_family(z[idx], z[idx], m, s1, cols) for _, idx in groups]
    pairs: list[tuple[int, pd.Index, np.ndarray, np.ndarray]] = []
    for gi in range(len(groups) - 1):
        i0, i1 = groups[gi][1], groups[gi + 1][1]
        e0 = pd.Index(ent_s.iloc[i0].to_numpy())
        e1 = pd.Index(ent_s.iloc[i1].to_numpy())
        common = e0.intersection(e1, sort=False)
        if len(common) == 0:
            continue
        p0 = e0.get_indexer(common)
        p1 = e1.get_indexer(common)
        pairs.append((gi, common, p0, p1))
        fams.append(_ddf_family(z[i1[p1]], z[i0], m, s1, cols))  # period t+1 data, frontier t
        fams.append(_ddf_family(z[i0[p0]], z[i1], m, s1, cols))  # period t data, frontier t+1
    solved = [(-r.fun + 0.0, r.status) for r in _solve_blocks(fams, want_x=False, client=client)]
    own: dict[int, np.ndarray] = {}
    for gi, (_, idx) in enumerate(groups):
        d, st = solved[gi]
        if (st != 0).any():  # cannot happen in theory (λ = e_o is feasible)
            raise DataError(
                "malmquist_luenberger: contemporaneous LP failed for "
                f"{format_keys(np.asarray(labels, object)[idx[st != 0]])}"
            )
        own[gi] = d
    for pi, (gi, common, p0, p1) in enumerate(pairs):
        t0, t1 = groups[gi][0], groups[gi + 1][0]
        (d_t_t1, st_a), (d_t1_t, st_b) = solved[len(groups) + 2 * pi], solved[len(groups) + 2 * pi + 1]
        d_t_t = own[gi][p0]
        d_t1_t1 = own[gi + 1][p1]
        with np.errstate(invalid="ignore", divide="ignore"):
            bad_a = (st_a != 0) | ~(1 + d_t_t1 > 0)
            bad_b = (st_b != 0) | ~(1 + d_t1_t > 0)
            d_t_t1 = np.where(st_a != 0, np.nan, d_t_t1)
            d_t1_t = np.where(st_b != 0, np.nan, d_t1_t)
            mlec = (1 + d_t_t) / (1 + d_t1_t1)
            ratio = ((1 + d_t1_t) / (1 + d_t_t)) * ((1 + d_t1_t1) / (1 + d_t_t1))
            mltc = np.where(bad_a | bad_b, np.nan, np.sqrt(np.where(ratio > 0, ratio, np.nan)))
        for j, e in enumerate(common):
            if bad_a[j]:
                trouble.append((_py(e), _py(t1), f"frontier {_py(t0)}"))
            if bad_b[j]:
                trouble.append((_py(e), _py(t0), f"frontier {_py(t1)}"))
        rows.append(
            pd.DataFrame(
                {
                    "entity": common.to_numpy(),
                    "time": t1,
                    "base": t0,
                    "ML": mlec * mltc,
                    "MLEC": mlec,
                    "MLTC": mltc,
                    "D_t_t": d_t_t,
                    "D_t_t1": d_t_t1,
                    "D_t1_t": d_t1_t,
                    "D_t1_t1": d_t1_t1,
                }
            )
        )
    if trouble:
        warnings.warn(
            f"malmquist_luenberger: {len(trouble)} mixed-period LP(s) infeasible or with 1 + D ≤ 0 "
            f"(entity, period of the data, frontier): {format_keys(trouble)}; their D, ML and MLTC are NaN",
            GeoagglWarning,
            stacklevel=2,
        )
    cols = ["base", "ML", "MLEC", "MLTC", "D_t_t", "D_t_t1", "D_t1_t", "D_t1_t1"]
    if not rows:
        return pd.DataFrame(columns=cols, index=pd.MultiIndex.from_arrays([[], []], names=[entity, time]))
    out = pd.concat(rows, ignore_index=True)
    out.index = pd.MultiIndex.from_arrays([out.pop("entity"), out.pop("time")], names=[entity, time])
    return out[cols]
