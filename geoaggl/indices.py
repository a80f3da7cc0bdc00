"""Agglomeration, specialisation, division-of-labour and integration indices.

Every index follows the formulas of the papers listed under References, with
the interpretation choices stated in each function's docstring: the location
quotient and co-agglomeration of Chen & Wang (eqs 1-2); the division of
labour, disparity, rank-size mono index and transport mediator of Song & Li;
the integration index and Krugman specialisation of the study of the Yangtze
River Economic Belt's agglomerations.  Index functions return a :class:`pandas.Series`
aligned to the input's index (so it can be assigned as a column, also to a
GeoDataFrame); composite analyses return result objects computed on
construction (:class:`MonoIndex`, :class:`IntegrationIndex`).

Panel convention
----------------
Inputs are tables of cities, one row per city (cross-section) or per city and
year (panel).  A row's **adcode** is the ``adcode`` column if there is one,
else the ``adcode`` index level, else the first index level (the index itself
for a flat index).  A row's **year** is the ``year`` column if there is one,
else the ``year`` index level, else - for a two-level MultiIndex - the second
level (``(adcode, year)``); otherwise the data are a cross-section.  Pass
``time=`` to name another column / level.  Within a cross-section adcodes must
be unique, within a panel ``(adcode, year)`` pairs must be.  Quantities that
are "per UA" are then computed per UA and year.

Groups (urban agglomerations) and central-city flags are given as a column
name (or index level name) of the input; a Series whose index holds every row
label of the input (aligned by label, any order); otherwise a Series/mapping
keyed by adcode (broadcast over years); or an array / list with one value per
row (positional).  A row
whose group or flag is missing (NaN / not in the mapping) raises
:class:`~geoaggl.errors.DataError` naming it: subset the table to the UA
members first.

Cities in two agglomerations
----------------------------
Some plans overlap (邯郸, 邢台 in 京津冀 and 中原; 运城 in 中原 and 关中平原), so
a table merged with ``agglomerations("national11")`` lists them twice.  Every
function with a ``group`` takes ``duplicates=`` (``"both"``, the default:
counted in each UA; ``"first"``; ``"raise"``) and warns once with a
:class:`~geoaggl.errors.DuplicateMembershipWarning` naming those cities.  The
same city (and year) twice under one UA is an error (a table appended twice).

Bad input (NaN, infinite, negative or non-numeric values, zero denominators, a
group with a single city, fewer than three cities for rank-size, mismatched
indexes, missing years) raises :class:`~geoaggl.errors.DataError` (a
``ValueError``) naming the offending columns, rows, groups or years.  Inputs are
never modified.

References
----------
Chen Xiuying and Wang Mengcui (陈秀英, 王梦翠), 中国城市群生产性服务业与制造业协同集聚的空间差异及收敛性研究
("Spatial differences and convergence of producer-services–manufacturing
co-agglomeration in China's urban agglomerations") — "Chen & Wang" below.

Song Deyong and Li Dongfang (宋德勇, 李东方), 国家级城市群高质量平衡增长研究——基于产业分工的视角
("High-quality balanced growth of national urban agglomerations: an industrial
division-of-labour perspective") — "Song & Li" below.

长江经济带城市群区域一体化发展特征与差异 ("Integration of the urban agglomerations
of the Yangtze River Economic Belt: characteristics and differences") — "the
Yangtze River Economic Belt integration study" below.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from ._membership import DUPLICATES, apply_duplicates
from ._validate import (
    as_float_array,
    as_labels,
    check_bool,
    check_int,
    check_option,
    check_real,
    check_values,
    key_values,
    numeric_frame,
    require_columns,
)
from .errors import DataError, ParameterTypeError, UnknownSchemeError, format_keys

__all__ = [
    "IntegrationIndex",
    "MonoIndex",
    "coagglomeration",
    "disparity",
    "division_of_labour",
    "integration_index",
    "krugman_specialization",
    "location_quotient",
    "mono_index",
    "mono_index_by_group",
    "transport",
]

ADCODE = "adcode"
YEAR = "year"

#: A group / flag specification: column or index-level name, aligned Series, or mapping keyed by adcode.
KeySpec = Hashable | pd.Series | Mapping[Any, Any] | Sequence[Any] | np.ndarray
Columns = Hashable | Sequence[Hashable]
Scope = Literal["all", "time"]


# --------------------------------------------------------------------------- row keys


def _adcodes(obj: pd.DataFrame | pd.Series) -> np.ndarray:
    """Each row's adcode (see the module's panel convention)."""
    a = key_values(obj, ADCODE)
    if a is not None:
        return a
    idx = obj.index
    return idx.get_level_values(0).to_numpy() if isinstance(idx, pd.MultiIndex) else idx.to_numpy()


def _time(obj: pd.DataFrame | pd.Series, time: Hashable | None) -> tuple[np.ndarray | None, Hashable | None]:
    """Each row's year (or None for a cross-section) and the name it was found under."""
    if time is not None:
        t = key_values(obj, time)
        if t is None:
            raise DataError(f"time {time!r} is neither a column nor an index level of the data")
        return t, time
    t = key_values(obj, YEAR)
    if t is not None:
        return t, YEAR
    idx = obj.index
    if isinstance(idx, pd.MultiIndex) and idx.nlevels == 2 and idx.names[0] != YEAR:
        return idx.get_level_values(1).to_numpy(), idx.names[1] if idx.names[1] is not None else YEAR
    return None, None


def _missing(v: Any) -> bool:
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):  # list-like entries
        return False


def _row_keys(
    obj: pd.DataFrame | pd.Series,
    time: Hashable | None,
    *,
    unique: bool = True,
) -> tuple[np.ndarray, np.ndarray | None, Hashable | None, list[Any]]:
    """adcodes, years, time name and the row labels used in messages.

    With ``unique`` (functions without a group) a repeated adcode / (adcode, year)
    raises DataError; functions with a group check repeats with :func:`_membership`.
    """
    adc = _adcodes(obj)
    adc = np.asarray(adc.tolist(), dtype=object)  # Python scalars: readable in messages
    t, tname = _time(obj, time)
    if t is not None:
        t = np.asarray(t.tolist(), dtype=object)
    bad = [a for a in adc if _missing(a)]
    if bad:
        raise DataError(f"{len(bad)} row(s) have a missing adcode")
    if t is None:
        labels: list[Any] = list(adc)
    else:
        nat = [a for a, y in zip(adc, t, strict=True) if _missing(y)]
        if nat:
            raise DataError(f"missing {tname!r} for {format_keys(nat)}")
        labels = list(zip(adc, t, strict=True))
    if unique and labels:
        dup = pd.Index(labels).duplicated(keep=False)
        if dup.any():
            what = "adcode" if t is None else f"(adcode, {tname})"
            rows = [lab for lab, d in zip(labels, dup, strict=True) if d]
            raise DataError(
                f"duplicated {what} rows: {format_keys(rows)}; each row must be one city"
                f"{'' if t is None else ' and year'} (a table appended twice?)"
            )
    return adc, t, tname, labels


def _membership(
    obj: pd.DataFrame | pd.Series | None,
    adc: np.ndarray,
    t: np.ndarray | None,
    tname: Hashable | None,
    labels: Sequence[Any],
    g: np.ndarray,
    *,
    duplicates: str,
    where: str,
    stacklevel: int,
) -> np.ndarray | None:
    """Rows to use under the duplicates policy, or None for all rows.

    A city (and year) listed under two groups is a membership choice, settled by
    ``duplicates`` (:func:`geoaggl._membership.apply_duplicates`); the same
    city (and year) twice under one group is an error (a table appended twice).
    """
    check_option(duplicates, DUPLICATES, name="duplicates", where=where)
    if not labels:
        return None
    dup = pd.Index(labels).duplicated(keep=False)
    if not dup.any():
        return None
    pos = np.flatnonzero(dup)
    cols: dict[str, Any] = {"unit": adc[pos], "group": g[pos]}
    if t is not None:
        cols["time"] = t[pos]
    frame = pd.DataFrame(cols, index=pos)
    same = frame.duplicated(keep=False).to_numpy()
    if same.any():
        what = "adcode" if t is None else f"(adcode, {tname})"
        rows = [(labels[i], g[i]) for i in pos[same]]
        raise DataError(
            f"{where}: duplicated {what} rows within one group (row, group): "
            f"{format_keys(rows)}; each city may appear once per group (and year) - "
            "a table appended twice?"
        )
    names = None
    if isinstance(obj, pd.DataFrame) and "name" in obj.columns and obj["name"].ndim == 1:
        nm = pd.Series(obj["name"].to_numpy()[pos], index=pd.Index(adc[pos], dtype=object))
        names = nm[~nm.index.duplicated()]
    kept = apply_duplicates(
        frame,
        unit="unit",
        group="group",
        duplicates=duplicates,
        where=where,
        names=names,
        stacklevel=stacklevel + 1,
    )
    if len(kept) == len(frame):
        return None
    keep = np.ones(len(adc), dtype=bool)
    keep[pos] = False
    keep[kept.index.to_numpy()] = True
    return keep


def _per_row(
    spec: KeySpec, obj: pd.DataFrame | pd.Series, adc: np.ndarray, labels: Sequence[Any], *, what: str
) -> tuple[np.ndarray, Hashable]:
    """Resolve a group / flag specification to one value per row, and a name for it."""
    n = len(obj)
    name: Hashable = what
    if isinstance(spec, pd.Series):
        name = spec.name if spec.name is not None else what
        if spec.index.equals(obj.index):
            vals = spec.to_numpy()
        else:
            if spec.index.has_duplicates:
                dup = spec.index[spec.index.duplicated(keep=False)]
                raise DataError(
                    f"{what}: duplicated keys {format_keys(dup)}; to count a city in several "
                    "agglomerations, merge the membership table into the data (one row per city "
                    f"and agglomeration) and pass the column name as {what}="
                )
            same_rows = (
                spec.index.nlevels == obj.index.nlevels
                and obj.index.is_unique
                and bool(obj.index.isin(spec.index).all())
            )
            if same_rows:  # the input's rows, another order
                vals = spec.reindex(obj.index).to_numpy()
            else:  # keyed by adcode, broadcast over years
                vals = spec.reindex(pd.Index(adc, dtype=object)).to_numpy()
    elif isinstance(spec, Mapping):
        vals = np.array([spec.get(a, None) for a in adc], dtype=object)
    elif isinstance(spec, np.ndarray | list | pd.Index):
        if len(spec) != n:
            raise DataError(f"{what}: {len(spec)} values for {n} rows")
        vals = np.asarray(spec, dtype=object)
    else:
        col = key_values(obj, spec) if isinstance(spec, Hashable) else None
        if col is None:
            raise DataError(f"{what} {spec!r} is neither a column nor an index level of the data")
        vals, name = col, spec
    vals = np.asarray(vals, dtype=object)
    bad = [lab for lab, v in zip(labels, vals, strict=True) if _missing(v)]
    if bad:
        raise DataError(f"{what}: no value (not in any {what} / NaN) for {format_keys(bad)}")
    return vals, name


def _flags(
    spec: KeySpec, obj: pd.DataFrame | pd.Series, adc: np.ndarray, labels: Sequence[Any], *, what: str
) -> np.ndarray:
    """Resolve a boolean flag (True/False or 1/0) to a bool array, rejecting anything else."""
    vals, _ = _per_row(spec, obj, adc, labels, what=what)
    out = np.zeros(len(vals), dtype=bool)
    bad = []
    for i, (lab, v) in enumerate(zip(labels, vals, strict=True)):
        numeric = isinstance(v, int | float | np.integer | np.floating)
        if isinstance(v, bool | np.bool_) or (numeric and v in (0, 1)):
            out[i] = bool(v)
        else:
            bad.append(lab)
    if bad:
        raise DataError(f"{what}: expected True/False (or 1/0) for {format_keys(bad)}")
    return out


def _blocks(
    n: int,
    *keys: np.ndarray | None,
    keep: np.ndarray | None = None,
) -> dict[tuple[Any, ...], np.ndarray]:
    """Positions of the ``n`` rows sharing each combination of keys, in first-seen order.

    None keys are ignored; with no keys at all every row is in one block keyed ``()``.
    ``keep`` (a boolean mask) restricts the rows used.
    """
    rows = np.arange(n, dtype=np.intp) if keep is None else np.flatnonzero(keep)
    used = [k for k in keys if k is not None]
    if not used:
        return {(): rows}
    out: dict[tuple[Any, ...], list[int]] = {}
    for i in rows:
        out.setdefault(tuple(k[i] for k in used), []).append(int(i))
    return {k: np.asarray(v, dtype=np.intp) for k, v in out.items()}


def _block_label(key: tuple[Any, ...]) -> Any:
    return key[0] if len(key) == 1 else key


def _columns(spec: Columns, what: str) -> list[Hashable]:
    """A column name or a list of column names, as a non-empty list."""
    if spec is None:
        return [spec]
    cols = as_labels(spec)
    if not cols:
        raise DataError(f"{what}: empty list of columns")
    if len(set(cols)) != len(cols):
        raise DataError(f"{what}: duplicated columns {format_keys(c for c in cols if cols.count(c) > 1)}")
    return cols


def _fsum(values: np.ndarray, what: str) -> float:
    """``math.fsum``; a sum beyond the float range is a DataError naming ``what`` (never inf or 0 later)."""
    try:
        total = math.fsum(values)
    except OverflowError:
        total = math.inf
    if not math.isfinite(total):
        raise DataError(f"{what}: the sum of the values overflows float64 (values near 1e308); rescale them")
    return total


def _check_finite(out: np.ndarray, rows: np.ndarray, labels: Any, where: str) -> None:
    """DataError naming the ``rows`` whose result over- or underflowed float64 (inf or NaN)."""
    bad = rows & ~np.isfinite(out)
    if bad.any():
        raise DataError(
            f"{where}: the result over- or underflows float64 (input values too far apart in scale; "
            f"rescale them) at {format_keys(np.asarray(labels, dtype=object)[bad])}"
        )


def _sorted_keys(keys: Iterable[Any]) -> list[Any]:
    ks = list(keys)
    try:
        return sorted(ks)
    except TypeError:
        return ks


# --------------------------------------------------------------------------- LQ & co-agglomeration


def location_quotient(
    df: pd.DataFrame,
    sector: Columns,
    *,
    total: Hashable,
    reference: Mapping[Hashable, float] | pd.Series | pd.DataFrame | None = None,
    time: Hashable | None = None,
) -> pd.Series:
    r"""Location quotient of a sector (or a set of sectors) in each city.

    .. math::

        LQ_{cs} = \frac{q_{cs} / q_c}{q_s / q}

    with :math:`q_{cs}` the city's employment in sector *s* (the sum of the
    columns when ``sector`` is a list, e.g. the six producer-service sectors),
    :math:`q_c` the city's total employment, and :math:`q_s`, :math:`q` the
    reference (national) sector and total employment (Chen & Wang, eq. 1).

    Parameters
    ----------
    df : pandas.DataFrame
        Employment by sector, one row per city or per city and year (see the
        module's panel convention).
    sector : column label or list of column labels
        The sector column(s); a list is summed row-wise.
    total : column label
        Total employment of the city.
    reference : mapping, Series or DataFrame, optional
        Reference totals :math:`q_s`, :math:`q`.

        - None (default): the sums over the rows of ``df`` - per year when
          ``df`` is a panel (the sample is its own reference).
        - a mapping / Series keyed by column label, e.g.
          ``{"制造业": 4_100.0, "合计": 17_000.0}``: one set of national
          totals used for every row.  It must hold every ``sector`` column
          and ``total``; a list of sectors is summed.
        - a DataFrame indexed by year with the same column labels (national
          totals by year); ``df`` must then be a panel, and every year of
          ``df`` must be in it.
    time : column or index-level label, optional
        The year column / level (default: see the panel convention).

    Returns
    -------
    pandas.Series
        ``lq``, float, aligned to ``df.index``.

    Raises
    ------
    DataError
        Missing columns; non-numeric, NaN, infinite or negative employment;
        a city with zero total employment; a reference with zero sector or
        total employment (naming the years), missing years or columns.

    Notes
    -----
    Sector employment above the city's total is not rejected (yearbook
    coverage differs between tables).

    References
    ----------
    Isard, W. (1960). *Methods of Regional Analysis: An Introduction to
    Regional Science*. MIT Press, Cambridge, MA.

    Chen Xiuying and Wang Mengcui (陈秀英, 王梦翠).
    中国城市群生产性服务业与制造业协同集聚的空间差异及收敛性研究 ("Spatial differences and
    convergence of producer-services–manufacturing co-agglomeration in China's urban
    agglomerations"), eq. 1.

    Examples
    --------
    >>> df = pd.DataFrame({"m": [10.0, 30.0], "tot": [100.0, 60.0]}, index=["110100", "120100"])
    >>> location_quotient(df, "m", total="tot").tolist()
    [0.4, 2.0]
    """
    if not isinstance(df, pd.DataFrame):
        raise ParameterTypeError(f"df must be a pandas DataFrame, got {type(df).__name__}")
    cols = _columns(sector, "sector")
    _, t, _, labels = _row_keys(df, time)
    sec = numeric_frame(df, cols, labels=labels, what="employment").sum(axis=1)
    tot = numeric_frame(df, [total], labels=labels, positive=True, what="employment")[:, 0]
    share = sec / tot

    if reference is None:
        q_s = np.empty(len(df))
        q = np.empty(len(df))
        zero = []
        for key, pos in _blocks(len(df), t).items():
            qs_k = _fsum(sec[pos], f"location_quotient: sector {format_keys(cols)}")
            q_k = _fsum(tot[pos], f"location_quotient: total {total!r}")
            if qs_k == 0:
                zero.append(_block_label(key) if key else "all rows")
            q_s[pos], q[pos] = qs_k, q_k
        if zero:
            raise DataError(
                f"sector {format_keys(cols)} has zero reference employment in {format_keys(zero)}"
            )
    elif isinstance(reference, pd.DataFrame):
        if t is None:
            raise DataError(
                "a reference DataFrame (totals by year) needs a panel df with a year column or level"
            )
        require_columns(reference, [*cols, total], what="reference")
        if reference.index.has_duplicates:
            dup = reference.index[reference.index.duplicated()]
            raise DataError(f"reference: duplicated years {format_keys(dup)}")
        years = pd.unique(pd.Series(t, dtype=object))
        missing = [y for y in years if y not in reference.index]
        if missing:
            raise DataError(f"reference: no national totals for year(s) {format_keys(missing)}")
        ref = reference.loc[list(years)]
        rlabels = list(ref.index)
        r_s = numeric_frame(ref, cols, labels=rlabels, positive=False, what="reference").sum(axis=1)
        r_q = numeric_frame(ref, [total], labels=rlabels, positive=True, what="reference")[:, 0]
        if (r_s == 0).any():
            zero_years = np.asarray(rlabels, dtype=object)[r_s == 0]
            raise DataError(f"reference: zero sector employment in year(s) {format_keys(zero_years)}")
        pos_of = {y: i for i, y in enumerate(rlabels)}
        ix = np.array([pos_of[y] for y in t], dtype=np.intp)
        q_s, q = r_s[ix], r_q[ix]
    elif isinstance(reference, Mapping | pd.Series):
        missing = [c for c in [*cols, total] if c not in reference]
        if missing:
            raise DataError(f"reference: no value for column(s) {format_keys(missing)}")
        keys = [*cols, total]
        lookup: Any = reference  # a Series or a mapping: both index by label
        vals = as_float_array(
            pd.Series({i: lookup[c] for i, c in enumerate(keys)}, dtype=object), what="reference", labels=keys
        )
        check_values(vals, what="reference", labels=keys)
        if vals[-1] <= 0 or vals[:-1].sum() <= 0:
            got = dict(zip(keys, vals, strict=True))
            raise DataError(f"reference: sector and total employment must be > 0, got {got}")
        q_s = np.full(len(df), vals[:-1].sum())
        q = np.full(len(df), vals[-1])
    else:
        raise ParameterTypeError(
            f"reference must be None, a mapping, a Series or a DataFrame, got {type(reference).__name__}"
        )
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        lq = share / (q_s / q)
    _check_finite(lq, np.ones(len(lq), dtype=bool), labels, "location_quotient")
    return pd.Series(lq, index=df.index.copy(), name="lq")


def _aligned_pair(a: pd.Series, b: pd.Series, names: tuple[str, str]) -> tuple[np.ndarray, np.ndarray]:
    """Values of ``b`` aligned to ``a``'s index; DataError naming keys found in only one."""
    for s, nm in zip((a, b), names, strict=True):
        if not isinstance(s, pd.Series):
            raise ParameterTypeError(f"{nm} must be a pandas Series, got {type(s).__name__}")
        if s.index.has_duplicates:
            dup = s.index[s.index.duplicated(keep=False)]
            raise DataError(f"{nm}: duplicated index keys {format_keys(dup)}")
    only_a = a.index.difference(b.index, sort=False)
    only_b = b.index.difference(a.index, sort=False)
    if len(only_a) or len(only_b):
        parts = []
        if len(only_a):
            parts.append(f"only in {names[0]}: {format_keys(only_a)}")
        if len(only_b):
            parts.append(f"only in {names[1]}: {format_keys(only_b)}")
        raise DataError(f"{names[0]} and {names[1]} have different indexes; " + "; ".join(parts))
    labels = list(a.index)
    va = as_float_array(a, what=names[0], labels=labels)
    vb = as_float_array(b.reindex(a.index), what=names[1], labels=labels)
    return va, vb


def coagglomeration(lq_manufacturing: pd.Series, lq_services: pd.Series) -> pd.Series:
    r"""Co-agglomeration of manufacturing and producer services (Chen & Wang, eq. 2).

    .. math::

        y = \left(1 - \frac{|LQ_m - LQ_s|}{LQ_m + LQ_s}\right) + (LQ_m + LQ_s)

    The first term measures the quality (balance) of co-agglomeration, the
    second its depth, so :math:`LQ_m + LQ_s \le y \le LQ_m + LQ_s + 1`;
    ``y = 3`` when both LQs equal 1.  Symmetric in its arguments.

    Parameters
    ----------
    lq_manufacturing, lq_services : pandas.Series
        Location quotients (e.g. from :func:`location_quotient`) with the same
        set of index labels (any order; no duplicates).

    Returns
    -------
    pandas.Series
        ``coagglomeration``, aligned to ``lq_manufacturing.index``.

    Raises
    ------
    DataError
        Index labels present in only one input (named), duplicated labels,
        NaN / infinite / negative LQs, or a city where both LQs are 0 (named).

    References
    ----------
    Chen Xiuying and Wang Mengcui (陈秀英, 王梦翠).
    中国城市群生产性服务业与制造业协同集聚的空间差异及收敛性研究 ("Spatial differences and
    convergence of producer-services–manufacturing co-agglomeration in China's urban
    agglomerations"), eq. 2.

    Examples
    --------
    >>> coagglomeration(pd.Series([1.0, 0.5]), pd.Series([1.0, 1.5])).tolist()
    [3.0, 2.5]
    """
    m, s = _aligned_pair(lq_manufacturing, lq_services, ("lq_manufacturing", "lq_services"))
    labels = list(lq_manufacturing.index)
    check_values(m, what="lq_manufacturing", labels=labels)
    check_values(s, what="lq_services", labels=labels)
    tot = m + s
    zero = tot == 0
    if zero.any():
        where = format_keys(np.asarray(labels, dtype=object)[zero])
        raise DataError(f"co-agglomeration undefined (both LQs are 0) at {where}")
    y = (1.0 - np.abs(m - s) / tot) + tot
    return pd.Series(y, index=lq_manufacturing.index.copy(), name="coagglomeration")


# --------------------------------------------------------------------------- Krugman


def krugman_specialization(
    employment: pd.DataFrame,
    *,
    group: KeySpec,
    sectors: Sequence[Hashable] | None = None,
    time: Hashable | None = None,
    duplicates: str = "both",
) -> pd.Series:
    r"""Krugman specialisation index of each city against the rest of its UA.

    .. math::

        SP_i = \sum_j \left| s_{ij} - \bar s_{ij} \right|, \qquad
        s_{ij} = \frac{E_{ij}}{\sum_{j'} E_{ij'}}, \qquad
        \bar s_{ij} = \frac{\sum_{k \ne i} E_{kj}}{\sum_{k \ne i} \sum_{j'} E_{kj'}}

    where *k* runs over the other cities of city *i*'s group (pooled), in the
    same year for a panel (the Yangtze River Economic Belt
    integration study, Table 1 note b).  Range 0 (identical
    structure) to 2 (disjoint sectors); no factor ½.

    Parameters
    ----------
    employment : pandas.DataFrame
        Employment by sector, wide (one column per sector), one row per city
        (and year).
    group : column label, Series or mapping
        Each city's group (see the module's panel convention).
    sectors : list of column labels, optional
        The sector columns.  Default: every column except ``adcode``, the
        year column and the group column; any non-numeric column left then
        raises DataError - pass ``sectors`` to pick columns explicitly.
    time : column or index-level label, optional
        The year column / level.
    duplicates : {"both", "first", "raise"}, default "both"
        A city (and year) listed under two groups, as after merging
        ``agglomerations("national11")`` (邯郸, 邢台 in 京津冀 and 中原; 运城 in 中原
        and 关中平原): ``"both"`` counts it in each group (the reading of Chen &
        Wang's published within-group Gini); ``"first"`` only in the group of its
        first row, its other rows get NaN; ``"raise"`` raises DataError.  Either way
        one :class:`~geoaggl.errors.DuplicateMembershipWarning` names the
        cities.  The same city (and year) twice in one group raises DataError.

    Returns
    -------
    pandas.Series
        ``krugman``, aligned to ``employment.index`` (NaN only for rows left
        out by ``duplicates="first"``).

    Raises
    ------
    DataError
        A group (× year) with a single city; a city with zero employment
        over the sectors; NaN / negative / non-numeric values; missing groups.

    References
    ----------
    Krugman, P. (1991). *Geography and Trade*. MIT Press, Cambridge, MA.

    长江经济带城市群区域一体化发展特征与差异 ("Integration of the urban
    agglomerations of the Yangtze River Economic Belt: characteristics and
    differences"; authors not given in the text available to us).

    Examples
    --------
    >>> e = pd.DataFrame({"a": [1.0, 0.0], "b": [0.0, 1.0]}, index=["x", "y"])
    >>> krugman_specialization(e, group={"x": 1, "y": 1}).tolist()
    [2.0, 2.0]
    """
    if not isinstance(employment, pd.DataFrame):
        raise ParameterTypeError(f"employment must be a pandas DataFrame, got {type(employment).__name__}")
    adc, t, tname, labels = _row_keys(employment, time, unique=False)
    g, _ = _per_row(group, employment, adc, labels, what="group")
    keep = _membership(
        employment,
        adc,
        t,
        tname,
        labels,
        g,
        duplicates=duplicates,
        where="krugman_specialization",
        stacklevel=3,
    )
    cols: list[Hashable]
    if sectors is None:
        skip = {ADCODE, tname}
        if isinstance(group, Hashable) and not isinstance(group, pd.Series) and group in employment.columns:
            skip.add(group)
        cols = [c for c in employment.columns if c not in skip]
        if not cols:
            raise DataError("employment: no sector columns")
    else:
        cols = _columns(list(sectors), "sectors")
    e = numeric_frame(employment, cols, labels=labels, what="employment")
    row_tot = e.sum(axis=1)
    zero = row_tot == 0
    if zero.any():
        where = format_keys(np.asarray(labels, dtype=object)[zero])
        raise DataError(f"employment: zero total over the sectors at {where}")
    out = np.full(len(employment), np.nan)
    assigned = np.zeros(len(employment), dtype=bool)
    singles = []
    for key, pos in _blocks(len(employment), g, t, keep=keep).items():
        if len(pos) < 2:
            singles.append(_block_label(key))
            continue
        block = e[pos]
        assigned[pos] = True
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            for i_local, i in enumerate(pos):
                rest = np.delete(block, i_local, axis=0).sum(axis=0)
                out[i] = np.abs(block[i_local] / row_tot[i] - rest / rest.sum()).sum()
    if singles:
        raise DataError(
            f"Krugman index needs at least 2 cities per group; single city in {format_keys(singles)}"
        )
    _check_finite(out, assigned, labels, "krugman_specialization")
    return pd.Series(out, index=employment.index.copy(), name="krugman")


# --------------------------------------------------------------------------- division of labour


def division_of_labour(
    df: pd.DataFrame,
    *,
    services: Columns,
    manufacturing: Columns,
    group: KeySpec,
    central: KeySpec,
    time: Hashable | None = None,
    duplicates: str = "both",
) -> pd.Series:
    r"""Industrial division of labour between central and non-central cities (Song & Li).

    Within UA *N* (and year) with sector totals :math:`L_{NS}` (producer
    services) and :math:`L_{NM}` (manufacturing) summed over **all** its
    cities, central and non-central:

    .. math::

        div_k = \frac{L_{ks} / L_{km}}{L_{NS} / L_{NM}} \quad \text{(central city } k),
        \qquad
        div_p = \frac{L_{pm} / L_{ps}}{L_{NM} / L_{NS}} \quad \text{(non-central city } p)

    Both directions grow with the city's specialisation in its expected role
    (services for centres, manufacturing for the others).

    Parameters
    ----------
    df : pandas.DataFrame
        Employment by sector, one row per city (and year).
    services, manufacturing : column label or list of column labels
        Producer-service and manufacturing columns (lists are summed; Song &
        Li's manufacturing side is 采矿业 + 制造业 + 电力、燃气及水的生产和供应业).
    group : column label, Series or mapping
        Each city's UA.
    central : column label, Series or mapping
        True for central cities (1/0 accepted).
    time : column or index-level label, optional
        The year column / level.
    duplicates : {"both", "first", "raise"}, default "both"
        A city (and year) listed under two groups, as after merging
        ``agglomerations("national11")`` (邯郸, 邢台 in 京津冀 and 中原; 运城 in 中原
        and 关中平原): ``"both"`` counts it in each group (the reading of Chen &
        Wang's published within-group Gini); ``"first"`` only in the group of its
        first row, its other rows get NaN; ``"raise"`` raises DataError.  Either way
        one :class:`~geoaggl.errors.DuplicateMembershipWarning` names the
        cities.  The same city (and year) twice in one group raises DataError.

    Returns
    -------
    pandas.Series
        ``div``, aligned to ``df.index`` (NaN only for rows left out by
        ``duplicates="first"``).

    Raises
    ------
    DataError
        Zero manufacturing employment in a central city or zero service
        employment in a non-central one (named); a UA with zero total in
        either sector; NaN / negative / non-numeric values; missing groups or
        flags.

    References
    ----------
    Song Deyong and Li Dongfang (宋德勇, 李东方).
    国家级城市群高质量平衡增长研究——基于产业分工的视角 ("High-quality balanced growth of
    national urban agglomerations: an industrial division-of-labour perspective").

    Examples
    --------
    >>> df = pd.DataFrame({"s": [6.0, 2.0], "m": [4.0, 8.0]}, index=["k", "p"])
    >>> division_of_labour(df, services="s", manufacturing="m", group={"k": 1, "p": 1},
    ...                    central={"k": True, "p": False}).round(6).tolist()
    [2.25, 2.666667]
    """
    if not isinstance(df, pd.DataFrame):
        raise ParameterTypeError(f"df must be a pandas DataFrame, got {type(df).__name__}")
    adc, t, tname, labels = _row_keys(df, time, unique=False)
    g, _ = _per_row(group, df, adc, labels, what="group")
    keep = _membership(
        df, adc, t, tname, labels, g, duplicates=duplicates, where="division_of_labour", stacklevel=3
    )
    c = _flags(central, df, adc, labels, what="central")
    s_cols, m_cols = _columns(services, "services"), _columns(manufacturing, "manufacturing")
    ls = numeric_frame(df, s_cols, labels=labels, what="employment").sum(axis=1)
    lm = numeric_frame(df, m_cols, labels=labels, what="employment").sum(axis=1)
    lab_arr = np.asarray(labels, dtype=object)
    bad = (c & (lm == 0)) | (~c & (ls == 0))
    if bad.any():
        raise DataError(
            "division of labour undefined: zero manufacturing employment (central city) or zero "
            f"service employment (non-central city) at {format_keys(lab_arr[bad])}"
        )
    out = np.full(len(df), np.nan)
    assigned = np.zeros(len(df), dtype=bool)
    zero = []
    for key, pos in _blocks(len(df), g, t, keep=keep).items():
        l_ns = _fsum(ls[pos], "division_of_labour: services")
        l_nm = _fsum(lm[pos], "division_of_labour: manufacturing")
        if l_ns == 0 or l_nm == 0:
            zero.append(_block_label(key))
            continue
        cp = c[pos]
        assigned[pos] = True
        with np.errstate(over="ignore", under="ignore", divide="ignore", invalid="ignore"):
            out[pos[cp]] = (ls[pos[cp]] / lm[pos[cp]]) / (l_ns / l_nm)
            out[pos[~cp]] = (lm[pos[~cp]] / ls[pos[~cp]]) / (l_nm / l_ns)
    if zero:
        raise DataError(f"a UA has zero total service or manufacturing employment: {format_keys(zero)}")
    legit_zero = (c & (ls == 0)) | (~c & (lm == 0))
    over = assigned & (~np.isfinite(out) | ((out == 0) & ~legit_zero))
    if over.any():
        raise DataError(
            "division_of_labour: the index over- or underflows float64 (employment values too far apart "
            f"in scale; rescale them) at {format_keys(lab_arr[over])}"
        )
    return pd.Series(out, index=df.index.copy(), name="div")


def disparity(
    values: pd.Series | pd.DataFrame,
    *,
    group: KeySpec,
    central: KeySpec,
    value: Hashable | None = None,
    time: Hashable | None = None,
    duplicates: str = "both",
) -> pd.Series:
    r"""Gap between the central city(ies) of a UA and each non-central city (Song & Li).

    .. math::

        disparity_p = \frac{1}{|K_N|} \sum_{k \in K_N} x_k - x_p

    with :math:`K_N` the central cities of city *p*'s UA in the same year: the
    central city's value minus the city's for a monocentric UA, the mean of
    the centres' values minus the city's for a polycentric one.  The paper
    regresses :math:`\ln disparity`, which needs positive gaps; negative gaps
    are returned as they are.

    Parameters
    ----------
    values : pandas.Series or pandas.DataFrame
        The indicator (e.g. hgdp, green TFP) per city (and year).  For a
        DataFrame pass ``value=`` to name its column.
    group : column label, Series or mapping
        Each city's UA.
    central : column label, Series or mapping
        True for central cities (1/0 accepted).
    value : column label, optional
        The value column when ``values`` is a DataFrame.
    time : column or index-level label, optional
        The year column / level.
    duplicates : {"both", "first", "raise"}, default "both"
        A city (and year) listed under two groups, as after merging
        ``agglomerations("national11")`` (邯郸, 邢台 in 京津冀 and 中原; 运城 in 中原
        and 关中平原): ``"both"`` counts it in each group (the reading of Chen &
        Wang's published within-group Gini); ``"first"`` only in the group of its
        first row, its other rows get NaN; ``"raise"`` raises DataError.  Either way
        one :class:`~geoaggl.errors.DuplicateMembershipWarning` names the
        cities.  The same city (and year) twice in one group raises DataError.

    Returns
    -------
    pandas.Series
        ``disparity``, aligned to ``values.index``; NaN for the central
        cities themselves (and for rows left out by ``duplicates="first"``).

    Raises
    ------
    DataError
        A UA (× year) with no central city (named); NaN, infinite or
        non-numeric values; missing groups or flags.

    References
    ----------
    Song Deyong and Li Dongfang (宋德勇, 李东方).
    国家级城市群高质量平衡增长研究——基于产业分工的视角 ("High-quality balanced growth of
    national urban agglomerations: an industrial division-of-labour perspective").

    Examples
    --------
    >>> x = pd.Series([5.0, 3.0, 2.0, 1.0], index=["a", "b", "c", "d"])
    >>> disparity(x, group={"a": 1, "b": 1, "c": 1, "d": 1},
    ...           central={"a": True, "b": True, "c": False, "d": False}).tolist()
    [nan, nan, 2.0, 3.0]
    """
    if isinstance(values, pd.DataFrame):
        if value is None:
            raise DataError("values is a DataFrame: pass value= to name the column to use")
        require_columns(values, [value], what="values")
        col = values[value]
    elif isinstance(values, pd.Series):
        if value is not None:
            raise ParameterTypeError("value= is only used when values is a DataFrame")
        col = values
    else:
        raise ParameterTypeError(f"values must be a pandas Series or DataFrame, got {type(values).__name__}")
    adc, t, tname, labels = _row_keys(values, time, unique=False)
    g, _ = _per_row(group, values, adc, labels, what="group")
    keep = _membership(
        values, adc, t, tname, labels, g, duplicates=duplicates, where="disparity", stacklevel=3
    )
    c = _flags(central, values, adc, labels, what="central")
    x = as_float_array(col, what="values", labels=labels)
    check_values(x, what="values", labels=labels, allow_negative=True)
    out = np.full(len(x), np.nan)
    assigned = np.zeros(len(x), dtype=bool)
    nocentre = []
    for key, pos in _blocks(len(x), g, t, keep=keep).items():
        cp = c[pos]
        if not cp.any():
            nocentre.append(_block_label(key))
            continue
        centre = _fsum(x[pos[cp]], "disparity: central cities' values") / int(cp.sum())
        with np.errstate(over="ignore", invalid="ignore"):
            out[pos[~cp]] = centre - x[pos[~cp]]
        assigned[pos[~cp]] = True
    if nocentre:
        raise DataError(f"disparity needs a central city in every UA; none in {format_keys(nocentre)}")
    _check_finite(out, assigned, labels, "disparity")
    return pd.Series(out, index=values.index.copy(), name="disparity")


# --------------------------------------------------------------------------- rank-size


def _rank_size_fit(pop_desc: np.ndarray, correction: bool) -> tuple[float, float, float]:
    """OLS of ln pop on ln rank for populations sorted descending: (q, C, r2)."""
    n = len(pop_desc)
    rank = np.arange(1, n + 1, dtype=np.float64)
    x = np.log(rank - 0.5) if correction else np.log(rank)
    y = np.log(pop_desc)
    xc = x - x.mean()
    yc = y - y.mean()
    slope = float((xc * yc).sum() / (xc * xc).sum())
    intercept = float(y.mean() - slope * x.mean())
    ss_tot = float((yc * yc).sum())
    resid = y - (intercept + slope * x)
    r2 = 1.0 - float((resid * resid).sum()) / ss_tot if ss_tot > 0 else float("nan")
    return -slope + 0.0, intercept, r2  # + 0.0 turns -0.0 into 0.0


class MonoIndex:
    r"""Rank-size (mono-centricity) index of one UA, computed on construction (Song & Li, robustness checks).

    Cities are ranked by population, :math:`R_i = 1 \dots n` from the largest
    (ties keep input order), and

    .. math::

        \ln pop_i = C - q \ln R_i

    is fitted by ordinary least squares (with ``correction=True`` the
    Gabaix-Ibragimov rank :math:`R_i - 1/2` replaces :math:`R_i`).
    :math:`q > 0.5` (``threshold``) marks a monocentric UA.

    Number of centres: while :math:`q \le` threshold, drop the current
    second-largest city and refit on the remaining cities (re-ranked); the
    centres are the largest city plus the dropped ones.  A refit needs at
    least 3 cities: when dropping would leave fewer than 3, the iteration
    stops without dropping and ``converged`` is False (the centres found so
    far are reported; the remaining cities are not counted as centres).

    Parameters
    ----------
    population : pandas.Series or mapping
        Population per city (index = city labels, e.g. adcodes); all values
        finite and > 0; at least 3 cities.
    correction : bool, default False
        Use rank − ½ (Gabaix & Ibragimov 2011).
    threshold : float, default 0.5
        q above which a UA counts as monocentric (the paper's Chinese-context
        threshold; 1 in much Western literature).

    Attributes
    ----------
    q : float
        Rank-size slope (positive: population falls with rank).
    C : float
        Intercept (fitted log population of rank 1).
    r2 : float
        Coefficient of determination of the fit (NaN if all populations are
        equal).
    monocentric : bool
        ``q > threshold``.
    centres : list
        Labels of the central cities, largest first, then in the order they
        were dropped.
    n_centres : int
        ``len(centres)``.
    n : int
        Number of cities.
    q_path : list of float
        q of the initial fit and of every refit of the centre iteration.
    converged : bool
        Whether the last q of ``q_path`` exceeds ``threshold``.
    ranks : pandas.Series
        Rank of each city (1 = largest), aligned to the input's index.
    correction : bool
    threshold : float

    Raises
    ------
    DataError
        Fewer than 3 cities; NaN, infinite, zero, negative or non-numeric
        populations (named); duplicated labels.

    References
    ----------
    Zipf, G. K. (1949). *Human Behavior and the Principle of Least Effort*.
    Addison-Wesley, Cambridge, MA.

    Gabaix, X. and Ibragimov, R. (2011). Rank - 1/2: a simple way to improve the
    OLS estimation of tail exponents. *Journal of Business & Economic Statistics*,
    29(1), 24-39.

    Song Deyong and Li Dongfang (宋德勇, 李东方).
    国家级城市群高质量平衡增长研究——基于产业分工的视角 ("High-quality balanced growth of
    national urban agglomerations: an industrial division-of-labour perspective") (robustness checks).

    Examples
    --------
    Populations exactly ``100 / R`` follow the rank-size rule with ``q = 1`` and
    ``C = ln 100``:

    >>> import pandas as pd
    >>> from geoaggl.indices import MonoIndex
    >>> m = MonoIndex(pd.Series([100.0, 50.0, 100 / 3, 25.0], index=list("abcd")))
    >>> round(m.q, 12), round(m.C, 6), m.monocentric, m.centres
    (1.0, 4.60517, True, ['a'])
    """

    def __init__(
        self, population: pd.Series | Mapping[Any, float], *, correction: bool = False, threshold: float = 0.5
    ) -> None:
        if isinstance(population, Mapping):
            population = pd.Series(population, dtype=object if not population else None)
        if not isinstance(population, pd.Series):
            raise ParameterTypeError(
                f"population must be a pandas Series or a mapping, got {type(population).__name__}"
            )
        if not isinstance(correction, bool):
            raise ParameterTypeError(f"correction must be a bool, got {type(correction).__name__}")
        if population.index.has_duplicates:
            dup = population.index[population.index.duplicated(keep=False)]
            raise DataError(f"population: duplicated labels {format_keys(dup)}")
        labels = list(population.index)
        pop = as_float_array(population, what="population", labels=labels)
        check_values(pop, what="population", labels=labels, positive=True)
        if len(pop) < 3:
            raise DataError(f"rank-size fit needs at least 3 cities, got {len(pop)}: {format_keys(labels)}")
        order = np.argsort(-pop, kind="stable")
        desc = pop[order]
        lab_desc = [labels[i] for i in order]
        ranks = np.empty(len(pop), dtype=np.int64)
        ranks[order] = np.arange(1, len(pop) + 1)

        self.n: int = len(pop)
        self.correction: bool = correction
        self.threshold: float = check_real(threshold, name="threshold", where="mono_index")
        self.ranks: pd.Series = pd.Series(ranks, index=population.index.copy(), name="rank")
        self.q, self.C, self.r2 = _rank_size_fit(desc, correction)
        self.monocentric: bool = bool(self.q > self.threshold)

        centres = [lab_desc[0]]
        keep = list(range(len(desc)))
        q_cur = self.q
        path = [q_cur]
        while q_cur <= self.threshold and len(keep) - 1 >= 3:
            dropped = keep.pop(1)
            centres.append(lab_desc[dropped])
            q_cur = _rank_size_fit(desc[keep], correction)[0]
            path.append(q_cur)
        self.centres: list[Any] = centres
        self.n_centres: int = len(centres)
        self.q_path: list[float] = path
        self.converged: bool = bool(q_cur > self.threshold)

    def __repr__(self) -> str:
        return (
            f"MonoIndex(n={self.n}, q={self.q:.4g}, C={self.C:.4g}, r2={self.r2:.4g}, "
            f"monocentric={self.monocentric}, n_centres={self.n_centres})"
        )


def mono_index(
    population: pd.Series | Mapping[Any, float], *, correction: bool = False, threshold: float = 0.5
) -> MonoIndex:
    r"""Rank-size mono index :math:`\ln pop_i = C - q \ln R_i` of one UA (OLS; see :class:`MonoIndex`).

    Parameters
    ----------
    population : pandas.Series or mapping
        Population per city (> 0, at least 3 cities).
    correction : bool, default False
        Gabaix-Ibragimov rank − ½.
    threshold : float, default 0.5
        q above which the UA is monocentric; also the stopping rule of the
        centre iteration.

    Returns
    -------
    MonoIndex
        With ``q``, ``C``, ``r2``, ``monocentric``, ``centres``,
        ``n_centres``, ``q_path``, ``converged``, ``ranks``.

    Raises
    ------
    DataError
        Fewer than 3 cities; NaN, infinite, non-positive or non-numeric values.

    References
    ----------
    Zipf, G. K. (1949). *Human Behavior and the Principle of Least Effort*.
    Addison-Wesley, Cambridge, MA.

    Gabaix, X. and Ibragimov, R. (2011). Rank - 1/2: a simple way to improve the
    OLS estimation of tail exponents. *Journal of Business & Economic Statistics*,
    29(1), 24-39.

    Song Deyong and Li Dongfang (宋德勇, 李东方).
    国家级城市群高质量平衡增长研究——基于产业分工的视角 ("High-quality balanced growth of
    national urban agglomerations: an industrial division-of-labour perspective") (robustness checks).

    Examples
    --------
    >>> m = mono_index(pd.Series([100.0, 50.0, 100 / 3, 25.0], index=list("abcd")))
    >>> round(m.q, 12), m.monocentric, m.centres
    (1.0, True, ['a'])
    """
    return MonoIndex(population, correction=correction, threshold=threshold)


def mono_index_by_group(
    df: pd.DataFrame,
    *,
    value: Hashable,
    group: KeySpec,
    time: Hashable | None = None,
    correction: bool = False,
    threshold: float = 0.5,
    duplicates: str = "both",
) -> pd.DataFrame:
    """:class:`MonoIndex` of every group (× year) of a table of cities.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per city (and year), cities labelled by adcode (panel
        convention).
    value : column label
        The population column.
    group : column label, Series or mapping
        Each city's UA.
    time : column or index-level label, optional
        The year column / level; by default a ``year`` column / level is used
        when present (one fit per UA and year).
    correction, threshold
        As in :class:`MonoIndex`.
    duplicates : {"both", "first", "raise"}, default "both"
        A city (and year) listed under two groups, as after merging
        ``agglomerations("national11")`` (邯郸, 邢台 in 京津冀 and 中原; 运城 in 中原
        and 关中平原): ``"both"`` counts it in each group (the reading of Chen &
        Wang's published within-group Gini); ``"first"`` only in the group of its
        first row, its other rows are not used; ``"raise"`` raises DataError.  Either way
        one :class:`~geoaggl.errors.DuplicateMembershipWarning` names the
        cities.  The same city (and year) twice in one group raises DataError.

    Returns
    -------
    pandas.DataFrame
        One row per group, or per (group, year) (MultiIndex), sorted, with
        columns ``n``, ``q``, ``C``, ``r2``, ``monocentric``, ``n_centres``,
        ``converged`` and ``centres`` (list of adcodes, largest first).

    Raises
    ------
    DataError
        A group (× year) with fewer than 3 cities (named) and every error of
        :class:`MonoIndex`.

    References
    ----------
    Zipf, G. K. (1949). *Human Behavior and the Principle of Least Effort*.
    Addison-Wesley, Cambridge, MA.

    Song Deyong and Li Dongfang (宋德勇, 李东方).
    国家级城市群高质量平衡增长研究——基于产业分工的视角 ("High-quality balanced growth of
    national urban agglomerations: an industrial division-of-labour perspective") (robustness checks).

    Examples
    --------
    UA ``A`` follows ``100 / R`` exactly (``q = 1``, monocentric); UA ``B`` is flat
    (``q < 0.5``) and too small to drop a city and refit:

    >>> import pandas as pd
    >>> from geoaggl.indices import mono_index_by_group
    >>> df = pd.DataFrame({"pop": [100.0, 50.0, 100 / 3, 25.0, 90.0, 80.0, 70.0]},
    ...                   index=pd.Index(list("abcdefg"), name="adcode"))
    >>> r = mono_index_by_group(df, value="pop", group=dict(zip("abcdefg", "AAAABBB")))
    >>> r[["n", "q", "monocentric", "converged"]].round(4)
           n       q  monocentric  converged
    group
    A      4  1.0000         True       True
    B      3  0.2224        False      False
    """
    if not isinstance(df, pd.DataFrame):
        raise ParameterTypeError(f"df must be a pandas DataFrame, got {type(df).__name__}")
    require_columns(df, [value], what="df")
    adc, t, tname, labels = _row_keys(df, time, unique=False)
    g, gname = _per_row(group, df, adc, labels, what="group")
    keep = _membership(
        df, adc, t, tname, labels, g, duplicates=duplicates, where="mono_index_by_group", stacklevel=3
    )
    pop = as_float_array(df[value], what=f"column {value!r}", labels=labels)
    check_values(pop, what=f"column {value!r}", labels=labels, positive=True)
    blocks = _blocks(len(df), g, t, keep=keep)
    small = [_block_label(k) for k, pos in blocks.items() if len(pos) < 3]
    if small:
        raise DataError(f"rank-size fit needs at least 3 cities per group; fewer in {format_keys(small)}")
    rows = []
    keys = _sorted_keys(blocks)
    for key in keys:
        pos = blocks[key]
        m = MonoIndex(
            pd.Series(pop[pos], index=pd.Index(adc[pos], dtype=object)),
            correction=correction,
            threshold=threshold,
        )
        rows.append(
            {
                "n": m.n,
                "q": m.q,
                "C": m.C,
                "r2": m.r2,
                "monocentric": m.monocentric,
                "n_centres": m.n_centres,
                "converged": m.converged,
                "centres": m.centres,
            }
        )
    if t is None:
        index = pd.Index([k[0] for k in keys], name=gname)
    else:
        index = pd.MultiIndex.from_tuples(keys, names=[gname, tname])
    return pd.DataFrame(rows, index=index)


# --------------------------------------------------------------------------- integration index

_DIRECTIONS = {"+": 1, "-": -1, "−": -1, "positive": 1, "negative": -1}
_SCOPES = ("all", "time")


def _integration_spec(
    indicators: Mapping[Hashable, tuple[Hashable, str]], *, where: str
) -> dict[Hashable, tuple[Hashable, int]]:
    """``{column: (dimension, direction)}`` checked, directions as +1 / -1."""
    spec: dict[Hashable, tuple[Hashable, int]] = {}
    for col, item in indicators.items():
        if not (isinstance(item, tuple | list) and len(item) == 2):
            raise DataError(f"indicators[{col!r}] must be a (dimension, direction) pair, got {item!r}")
        dim, direction = item
        check_option(
            direction,
            _DIRECTIONS,
            name=f"indicators[{col!r}] direction",
            where=where,
            error=UnknownSchemeError,
        )
        spec[col] = (dim, _DIRECTIONS[direction])
    return spec


def _block_cv_level(
    x: np.ndarray, blocks: dict[Any, np.ndarray], keys: list[Any], cols: list[Hashable], *, zero_mean: str
) -> tuple[np.ndarray, np.ndarray]:
    """Per block (UA × year): cv (population SD / mean) and mean level of each indicator."""
    nb, ni = len(keys), len(cols)
    cv = np.empty((nb, ni))
    level = np.empty((nb, ni))
    zero = []
    for b, key in enumerate(keys):
        block = x[blocks[key]]
        # scale each column by a power of two (exact) so that squares cannot overflow
        expo = np.frexp(block.max(axis=0))[1]
        scaled = np.ldexp(block, -expo)
        mu = scaled.mean(axis=0)
        sd = scaled.std(axis=0, ddof=0)
        for i in np.flatnonzero(mu == 0):
            zero.append((_block_label(key), cols[i]))
        with np.errstate(divide="ignore", invalid="ignore"):
            cv[b] = np.where(mu == 0, 0.0, sd / mu)  # mu == 0: all values 0 (non-negative data)
        level[b] = np.ldexp(mu, expo)
    if zero and zero_mean == "raise":
        raise DataError(
            f"coefficient of variation undefined (zero mean) for (UA, indicator) {format_keys(zero)}; "
            "pass zero_mean='zero' to treat an all-zero indicator as having no gap (cv = 0)"
        )
    return cv, level


def _time_selections(times: list[Any]) -> list[np.ndarray]:
    """Block positions grouped by year, in order of first appearance (one group without years)."""
    by: dict[Any, list[int]] = {}
    for b, tt in enumerate(times):
        by.setdefault(tt, []).append(b)
    return [np.asarray(v, dtype=np.intp) for v in by.values()]


def _gap_scores(cv: np.ndarray, selections: list[np.ndarray]) -> np.ndarray:
    """k = 100 (max cv − cv) / (max cv − min cv) within each selection; 100 where max = min."""
    k = np.empty_like(cv)
    for sel in selections:
        mx, mn = cv[sel].max(axis=0), cv[sel].min(axis=0)
        rng = mx - mn
        with np.errstate(divide="ignore", invalid="ignore"):
            k[sel] = np.where(rng > 0, (mx - cv[sel]) / rng * 100.0, 100.0)
    return k


def _level_scores(level: np.ndarray, sign: np.ndarray, selections: list[np.ndarray]) -> np.ndarray:
    """f: min-max normalised level (positive) or the geometric mean of both directions (negative)."""
    f = np.ones_like(level)
    for sel in selections:
        mx, mn = level[sel].max(axis=0), level[sel].min(axis=0)
        rng = mx - mn
        with np.errstate(divide="ignore", invalid="ignore"):
            fwd = np.where(rng > 0, (level[sel] - mn) / rng, 1.0)
            rev = np.where(rng > 0, (mx - level[sel]) / rng, 1.0)
        f[sel] = np.where(sign > 0, fwd, np.sqrt(fwd * rev))
    return f


def _cv_between(a: np.ndarray, ddof: int) -> np.ndarray:
    """Coefficient of variation of each column across rows; NaN where the mean is 0."""
    mu = a.mean(axis=0)
    sd = a.std(axis=0, ddof=ddof) if len(a) > ddof else np.full(a.shape[1], np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(mu != 0, sd / mu, np.nan)


class IntegrationIndex:
    r"""Integration index of urban agglomerations, computed on construction.

    As defined by the Yangtze River Economic Belt integration study (Table 1 and
    its notes; cited in full in the module docstring).

    For each UA *g*, year *t* and indicator *i* (over the UA's cities that year):

    1. :math:`cv_{git} = \sigma / \mu` - population standard deviation
       (ddof 0) over mean of the indicator across the UA's cities.
    2. :math:`k_{git} = 100 \, (\max cv_i - cv_{git}) / (\max cv_i - \min cv_i)`,
       max / min over all UA × year values of indicator *i*
       (``cv_scope="all"``; ``"time"``: over the UAs of the same year).  When
       max = min every k is 100 (no gap differs from the best).
    3. :math:`K_{git} = k_{git} \, R_{gt} \, f_{git}` with
       :math:`R_{gt} = n_{gt} / \sum_h n_{ht}` (cities of the UA over cities of
       all UAs studied, that year) and *f* the min-max normalised level
       :math:`L_{git}` (UA mean of the indicator) across the UAs of the same
       year (``level_scope="time"``; ``"all"``: across all UA-years):

       .. math::

           f^+ = \frac{L - \min L}{\max L - \min L}, \qquad
           f^- = \sqrt{\frac{\max L - L}{\max L - \min L} \cdot
                       \frac{L - \min L}{\max L - \min L}}

       for positive (``"+"``) and negative (``"-"``) indicators: for a negative
       indicator the paper takes the square root of the normalised level
       computed with and without reversing the direction (the study's note 2;
       we read it as the geometric mean of the two normalisations).
       When max = min, f = 1.  ``size_adjust=False`` sets R = 1 and
       ``level_adjust=False`` sets f = 1.
    4. Dimension score = mean of its :math:`K_i` (equal weights); ``overall``
       = mean of the dimension scores.

    ``cv_between`` is the coefficient of variation of each dimension's score
    across the UAs (per year), population SD (``between_ddof=0``) over mean,
    as in the study's Table 4.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per city (and year) with the indicator columns (city-level
        values: ratios, per-capita values, 0/1 flags, Krugman indices...).
    indicators : mapping
        ``{column: (dimension, direction)}``, direction ``"+"`` or ``"-"``
        (also ``"−"``, ``"positive"``, ``"negative"``).  Dimensions keep the
        order of first appearance.
    group : column label, Series or mapping
        Each city's UA.
    time : column or index-level label, optional
        The year column / level; by default a ``year`` column / level is used
        when present.
    cv_scope : {"all", "time"}, default "all"
        Where max / min cv of step 2 are taken.
    level_scope : {"time", "all"}, default "time"
        Across which UAs (same year, or all UA-years) f is normalised.
    size_adjust : bool, default True
        Apply R.
    level_adjust : bool, default True
        Apply f.
    between_ddof : int, default 0
        Degrees of freedom of the SD in ``cv_between``.
    zero_mean : {"raise", "zero"}, default "raise"
        An indicator that is 0 in every city of a UA (e.g. high-speed rail
        opened in none) has an undefined cv: ``"raise"`` raises DataError
        naming the (UA, indicator) pairs, ``"zero"`` sets cv = 0 (all cities
        equal: no gap).
    duplicates : {"both", "first", "raise"}, default "both"
        A city (and year) listed under two groups, as after merging
        ``agglomerations("national11")`` (邯郸, 邢台 in 京津冀 and 中原; 运城 in 中原
        and 关中平原): ``"both"`` counts it in each group (the reading of Chen &
        Wang's published within-group Gini); ``"first"`` only in the group of its
        first row, its other rows are not used; ``"raise"`` raises DataError.  Either way
        one :class:`~geoaggl.errors.DuplicateMembershipWarning` names the
        cities.  The same city (and year) twice in one group raises DataError.

    Attributes
    ----------
    cv, k, f, K : pandas.DataFrame
        Index: UA, or (UA, year); columns: indicators (in ``indicators`` order).
    level : pandas.DataFrame
        UA mean of each indicator (same shape).
    R : pandas.Series
        City-count adjustment per UA (× year).
    n_cities : pandas.Series
        Cities per UA (× year).
    dimensions : pandas.DataFrame
        Dimension scores; index as ``cv``, columns: dimensions.
    overall : pandas.Series
        Mean of the dimension scores.
    cv_between : pandas.DataFrame or pandas.Series
        CV across UAs of each dimension score: DataFrame indexed by year
        (panel) or Series indexed by dimension (cross-section).  NaN where the
        dimension's mean score is 0.
    indicators : dict
        ``{column: (dimension, +1 / -1)}`` as used.

    Raises
    ------
    DataError
        A UA (× year) with a single city or an indicator with zero mean
        (named; see ``zero_mean``); NaN, infinite, negative or non-numeric
        values; missing groups; no indicators.
    UnknownSchemeError
        An unknown direction or scope.

    References
    ----------
    长江经济带城市群区域一体化发展特征与差异 ("Integration of the urban
    agglomerations of the Yangtze River Economic Belt: characteristics and
    differences"; authors not given in the text available to us), Table 1 and its notes, Table 4.

    Examples
    --------
    One indicator in two UAs.  UA ``A`` (1, 2, 3) has ``cv = sqrt(2/3)/2 = 0.408``,
    UA ``B`` (2, 2) ``cv = 0``, so ``k = (0, 100)``; ``B`` holds 2 of the 5
    cities (``R = 0.4``) and both UA means are 2 (``f = 1``), so ``K_B = 40``:

    >>> import pandas as pd
    >>> from geoaggl.indices import IntegrationIndex
    >>> df = pd.DataFrame({"gdp": [1.0, 2.0, 3.0, 2.0, 2.0], "ua": list("AAABB")},
    ...                   index=pd.Index(["a1", "a2", "a3", "b1", "b2"], name="adcode"))
    >>> r = IntegrationIndex(df, indicators={"gdp": ("economy", "+")}, group="ua")
    >>> r.cv["gdp"].round(3).to_dict(), r.k["gdp"].to_dict(), r.overall.to_dict()
    ({'A': 0.408, 'B': 0.0}, {'A': 0.0, 'B': 100.0}, {'A': 0.0, 'B': 40.0})
    """

    def __init__(
        self,
        df: pd.DataFrame,
        *,
        indicators: Mapping[Hashable, tuple[Hashable, str]],
        group: KeySpec,
        time: Hashable | None = None,
        cv_scope: Scope = "all",
        level_scope: Scope = "time",
        size_adjust: bool = True,
        level_adjust: bool = True,
        between_ddof: int = 0,
        zero_mean: Literal["raise", "zero"] = "raise",
        duplicates: str = "both",
    ) -> None:
        if not isinstance(df, pd.DataFrame):
            raise ParameterTypeError(f"df must be a pandas DataFrame, got {type(df).__name__}")
        if not isinstance(indicators, Mapping) or not indicators:
            raise DataError("indicators must be a non-empty mapping {column: (dimension, direction)}")
        where = "integration_index"
        check_option(cv_scope, _SCOPES, name="cv_scope", where=where, error=UnknownSchemeError)
        check_option(level_scope, _SCOPES, name="level_scope", where=where, error=UnknownSchemeError)
        check_option(zero_mean, ("raise", "zero"), name="zero_mean", where=where, error=UnknownSchemeError)
        check_bool(size_adjust, name="size_adjust", where=where)
        check_bool(level_adjust, name="level_adjust", where=where)
        between_ddof = check_int(between_ddof, name="between_ddof", minimum=0, where=where)
        spec = _integration_spec(indicators, where=where)
        cols = list(spec)
        adc, t, tname, labels = _row_keys(df, time, unique=False)
        g, gname = _per_row(group, df, adc, labels, what="group")
        keep = _membership(
            df, adc, t, tname, labels, g, duplicates=duplicates, where="integration_index", stacklevel=4
        )
        x = numeric_frame(df, cols, labels=labels, what="indicator")
        if len(df) == 0:
            raise DataError("integration_index: df has no rows")

        blocks = _blocks(len(df), g, t, keep=keep)
        keys = _sorted_keys(blocks)
        singles = [_block_label(k) for k in keys if len(blocks[k]) < 2]
        if singles:
            raise DataError(
                f"integration index needs at least 2 cities per UA; single city in {format_keys(singles)}"
            )
        cv, level = _block_cv_level(x, blocks, keys, cols, zero_mean=zero_mean)
        times = [k[1] if t is not None else None for k in keys]
        n_cities = np.array([len(blocks[k]) for k in keys], dtype=np.int64)
        by_time = _time_selections(times)
        every = [np.arange(len(keys))]
        k = _gap_scores(cv, every if cv_scope == "all" else by_time)
        f = np.ones_like(level)
        if level_adjust:
            sign = np.array([spec[c][1] for c in cols])
            f = _level_scores(level, sign, every if level_scope == "all" else by_time)
        r = np.ones(len(keys))
        if size_adjust:
            for sel in by_time:
                r[sel] = n_cities[sel] / n_cities[sel].sum()

        if t is None:
            index = pd.Index([kk[0] for kk in keys], name=gname)
        else:
            index = pd.MultiIndex.from_tuples(keys, names=[gname, tname])
        col_index = pd.Index(cols, dtype=object)

        def frame(a: np.ndarray) -> pd.DataFrame:
            return pd.DataFrame(a, index=index.copy(), columns=col_index.copy())

        K = k * r[:, None] * f
        dims = list(dict.fromkeys(spec[c][0] for c in cols))
        dim_scores = np.column_stack(
            [K[:, [j for j, c in enumerate(cols) if spec[c][0] == d]].mean(axis=1) for d in dims]
        )
        dim_index = pd.Index(dims, dtype=object, name="dimension")

        self.indicators: dict[Hashable, tuple[Hashable, int]] = spec
        self.cv: pd.DataFrame = frame(cv)
        self.k: pd.DataFrame = frame(k)
        self.level: pd.DataFrame = frame(level)
        self.f: pd.DataFrame = frame(f)
        self.K: pd.DataFrame = frame(K)
        self.R: pd.Series = pd.Series(r, index=index.copy(), name="R")
        self.n_cities: pd.Series = pd.Series(n_cities, index=index.copy(), name="n_cities")
        self.dimensions: pd.DataFrame = pd.DataFrame(dim_scores, index=index.copy(), columns=dim_index)
        self.overall: pd.Series = pd.Series(dim_scores.mean(axis=1), index=index.copy(), name="overall")
        self.cv_between: pd.DataFrame | pd.Series
        if t is None:
            self.cv_between = pd.Series(
                _cv_between(dim_scores, between_ddof), index=dim_index.copy(), name="cv_between"
            )
        else:
            self.cv_between = pd.DataFrame(
                np.vstack([_cv_between(dim_scores[sel], between_ddof) for sel in by_time]),
                index=pd.Index([times[int(sel[0])] for sel in by_time], name=tname),
                columns=dim_index.copy(),
            )

    def __repr__(self) -> str:
        return (
            f"IntegrationIndex({len(self.overall)} UA rows, {len(self.indicators)} indicators, "
            f"{self.dimensions.shape[1]} dimensions)"
        )


def integration_index(
    df: pd.DataFrame,
    *,
    indicators: Mapping[Hashable, tuple[Hashable, str]],
    group: KeySpec,
    time: Hashable | None = None,
    cv_scope: Scope = "all",
    level_scope: Scope = "time",
    size_adjust: bool = True,
    level_adjust: bool = True,
    between_ddof: int = 0,
    zero_mean: Literal["raise", "zero"] = "raise",
    duplicates: str = "both",
) -> IntegrationIndex:
    r"""Integration index of UAs: :math:`K_i = k_i R f`, averaged by dimension.

    As defined by the Yangtze River Economic Belt integration study (see the
    module's References).

    :math:`k_i = 100 (\max cv - cv_i)/(\max cv - \min cv)`, *R* the UA's share
    of all cities studied, *f* its min-max normalised level; every step,
    parameter and interpretation choice is documented in
    :class:`IntegrationIndex`, which this function constructs.

    Parameters
    ----------
    df, indicators, group, time, cv_scope, level_scope
        As in :class:`IntegrationIndex`.
    size_adjust, level_adjust, between_ddof, zero_mean, duplicates
        As in :class:`IntegrationIndex`.

    Returns
    -------
    IntegrationIndex
        With ``cv``, ``k``, ``level``, ``f``, ``R``, ``K``, ``dimensions``,
        ``overall`` and ``cv_between``.

    Raises
    ------
    DataError
        As :class:`IntegrationIndex`: missing columns, non-numeric values, a
        zero-mean indicator in a UA (with ``zero_mean="raise"``), rows without a UA.
    OptionError
        An unknown scope, direction, ``zero_mean`` or ``duplicates`` option.

    References
    ----------
    长江经济带城市群区域一体化发展特征与差异 ("Integration of the urban
    agglomerations of the Yangtze River Economic Belt: characteristics and
    differences"; authors not given in the text available to us), Table 1 and its notes, Table 4.

    Examples
    --------
    >>> import pandas as pd
    >>> from geoaggl.indices import integration_index
    >>> df = pd.DataFrame({"gdp": [1.0, 2.0, 3.0, 2.0, 2.0], "ua": list("AAABB")},
    ...                   index=pd.Index(["a1", "a2", "a3", "b1", "b2"], name="adcode"))
    >>> integration_index(df, indicators={"gdp": ("economy", "+")}, group="ua").dimensions
    dimension  economy
    ua
    A              0.0
    B             40.0
    """
    return IntegrationIndex(
        df,
        indicators=indicators,
        group=group,
        time=time,
        cv_scope=cv_scope,
        level_scope=level_scope,
        size_adjust=size_adjust,
        level_adjust=level_adjust,
        between_ddof=between_ddof,
        zero_mean=zero_mean,
        duplicates=duplicates,
    )


# --------------------------------------------------------------------------- transport


def transport(distance: pd.Series | Mapping[Any, float], freight: pd.Series) -> pd.Series:
    r"""Transport-infrastructure mediator of Song & Li: :math:`trans_{it} = distance_i \times freight_{it}`.

    Parameters
    ----------
    distance : pandas.Series or mapping
        Road distance from each (non-central) city to its central city,
        indexed by adcode (no duplicates).  Central cities, if present in
        ``freight``, need a distance too (0).
    freight : pandas.Series
        Postal / freight volume, indexed by adcode or by an ``(adcode, year)``
        MultiIndex (adcode = the level named ``adcode``, else the first
        level); distance is broadcast over the years.

    Returns
    -------
    pandas.Series
        ``trans``, aligned to ``freight.index``.

    Raises
    ------
    DataError
        Adcodes of ``freight`` without a distance (named); NaN, infinite,
        negative or non-numeric values; duplicated distance keys.

    References
    ----------
    Song Deyong and Li Dongfang (宋德勇, 李东方).
    国家级城市群高质量平衡增长研究——基于产业分工的视角 ("High-quality balanced growth of
    national urban agglomerations: an industrial division-of-labour perspective"), eqs 9-14.

    Examples
    --------
    >>> d = pd.Series({"a": 2.0, "b": 3.0})
    >>> fr = pd.Series([1.0, 2.0, 5.0], index=pd.MultiIndex.from_tuples(
    ...     [("a", 2010), ("a", 2011), ("b", 2010)], names=["adcode", "year"]))
    >>> transport(d, fr).tolist()
    [2.0, 4.0, 15.0]
    """
    if isinstance(distance, Mapping):
        distance = pd.Series(distance, dtype=object if not distance else None)
    if not isinstance(distance, pd.Series):
        raise ParameterTypeError(
            f"distance must be a pandas Series or a mapping, got {type(distance).__name__}"
        )
    if not isinstance(freight, pd.Series):
        raise ParameterTypeError(f"freight must be a pandas Series, got {type(freight).__name__}")
    if distance.index.has_duplicates:
        dup = distance.index[distance.index.duplicated(keep=False)]
        raise DataError(f"distance: duplicated adcodes {format_keys(dup)}")
    if freight.index.has_duplicates:
        dup = freight.index[freight.index.duplicated(keep=False)]
        raise DataError(f"freight: duplicated index keys {format_keys(dup)}")
    adc = _adcodes(freight)
    missing = [a for a in adc if a not in distance.index]
    if missing:
        raise DataError(f"distance: no value for adcode(s) {format_keys(missing)}")
    flabels = list(freight.index)
    fr = as_float_array(freight, what="freight", labels=flabels)
    check_values(fr, what="freight", labels=flabels)
    pos = distance.index.get_indexer(pd.Index(adc, dtype=object))
    used = distance.iloc[pos]
    dist = as_float_array(used, what="distance", labels=list(adc))
    check_values(dist, what="distance", labels=list(adc))
    with np.errstate(over="ignore"):
        out = dist * fr
    over = ~np.isfinite(out)
    if over.any():
        rows = [lab for lab, o in zip(flabels, over, strict=True) if o]
        raise DataError(
            f"transport: distance × freight exceeds the float range (~1.8e308) at "
            f"{format_keys(rows)}; rescale the inputs (e.g. km and 万吨)"
        )
    return pd.Series(out, index=freight.index.copy(), name="trans")
