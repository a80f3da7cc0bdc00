"""Panels laid out on a full (entity × period) grid, shared by the dynamic-panel and unit-root code.

Every entity gets one row per period from the first to the last period of the
whole panel (step: the greatest common divisor of the gaps between observed
periods, 1 for yearly data).  Lags and differences are taken on this grid, so
an observation that follows a gap has no lag — Stata's time-series operators
(``L.``, ``D.``) behave the same way.  Names such as ``"L2.w"`` that are not
columns of the data but whose stem is, are built as lags on the grid.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._validate import as_float_array, require_columns, require_key
from .errors import DataError, DataWarning, MissingValuesWarning, ParameterTypeError, format_keys

_LAG_RE = re.compile(r"^L(\d+)\.(.+)$")


@dataclass
class Grid:
    """Values of some columns on the full entity × period grid (NaN where absent or missing)."""

    entities: np.ndarray
    periods: np.ndarray
    present: np.ndarray  # (N, T) bool: the row exists in the data
    values: dict[Hashable, np.ndarray]  # name -> (N, T) float

    @property
    def shape(self) -> tuple[int, int]:
        return self.present.shape

    def lag(self, a: np.ndarray, k: int) -> np.ndarray:
        """``a`` lagged ``k`` periods on the grid (NaN where the lag is outside the panel)."""
        if k == 0:
            return a.copy()
        out = np.full_like(a, np.nan)
        if k < a.shape[1]:
            out[:, k:] = a[:, :-k]
        return out

    def get(self, name: Hashable) -> np.ndarray:
        """Column ``name`` on the grid; ``"Lk.col"`` is built as a lag of ``col``."""
        if name in self.values:
            return self.values[name]
        m = _LAG_RE.match(name) if isinstance(name, str) else None
        if m is None or m.group(2) not in self.values:
            raise DataError(f"column {name!r} not found in the data")
        return self.lag(self.values[m.group(2)], int(m.group(1)))

    def labels(self, mask: np.ndarray) -> list[tuple[object, object]]:
        """(entity, period) labels of the True cells of an (N, T) mask."""
        ii, tt = np.nonzero(mask)
        return [(_py(self.entities[i]), _py(self.periods[t])) for i, t in zip(ii, tt, strict=True)]


def _py(v: object) -> object:
    return v.item() if isinstance(v, np.generic) else v


def base_columns(df: pd.DataFrame, names: Sequence[Hashable]) -> list[Hashable]:
    """The data columns behind ``names`` (``"L1.w"`` → ``"w"`` unless ``"L1.w"`` is itself a column)."""
    out: list[Hashable] = []
    for n in names:
        if n in df.columns:
            base = n
        else:
            m = _LAG_RE.match(n) if isinstance(n, str) else None
            if m is None or m.group(2) not in df.columns:
                raise DataError(f"column {n!r} not found in the data")
            base = m.group(2)
        if base not in out:
            out.append(base)
    return out


def _period_index(tim: np.ndarray, time: Hashable) -> tuple[np.ndarray, np.ndarray]:
    """Integer grid positions of the time values and the grid's period labels."""
    try:
        t = np.asarray(tim, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise DataError(f"time column {time!r} must hold integer periods (e.g. years)") from exc
    if not np.isfinite(t).all() or not np.all(t == np.round(t)):
        raise DataError(f"time column {time!r} must hold finite integer periods (e.g. years)")
    ti = t.astype(np.int64)
    uniq = np.unique(ti)
    step = 1
    if len(uniq) > 1:
        step = int(np.gcd.reduce(np.diff(uniq)))
    pos = (ti - uniq[0]) // step
    periods = np.arange(uniq[0], uniq[-1] + 1, step) if len(uniq) else uniq
    return pos, periods


#: Largest magnitude (and inverse of the smallest non-zero one) accepted: moment matrices square the data.
_LARGE = 1e100


def make_grid(
    df: pd.DataFrame, cols: Sequence[Hashable], *, entity: Hashable, time: Hashable, where: str
) -> Grid:
    """Lay ``df[cols]`` on the full grid; reject duplicated keys and infinite values."""
    if not isinstance(df, pd.DataFrame):
        raise ParameterTypeError(f"{where}: df must be a pandas DataFrame, got {type(df).__name__}")
    if len(df) == 0:
        raise DataError(f"{where}: the table has no rows")
    require_columns(df, cols, what=f"{where}: df")
    ent = require_key(df, entity, what=f"{where}: entity")
    tim = require_key(df, time, what=f"{where}: time")
    if pd.isna(ent).any() or pd.isna(tim).any():
        raise DataError(
            f"{where}: missing entity or time keys in {int((pd.isna(ent) | pd.isna(tim)).sum())} row(s)"
        )
    ecodes, entities = pd.factorize(pd.Index(ent), sort=True)
    pos, periods = _period_index(tim, time)
    keys = pd.MultiIndex.from_arrays([ent, tim])
    if keys.has_duplicates:
        raise DataError(
            f"{where}: duplicated ({entity}, {time}) rows: {format_keys(keys[keys.duplicated()].tolist())}"
        )
    n, t = len(entities), len(periods)
    present = np.zeros((n, t), dtype=bool)
    present[ecodes, pos] = True
    labels = list(zip(ent, tim, strict=True))
    values: dict[Hashable, np.ndarray] = {}
    for c in cols:
        arr = as_float_array(df[c], what=f"{where}: column {c!r}", labels=labels)
        if np.isinf(arr).any():
            raise DataError(
                f"{where}: column {c!r}: infinite values at "
                f"{format_keys(np.asarray(labels, dtype=object)[np.isinf(arr)])}"
            )
        extreme = np.isfinite(arr) & (arr != 0) & ((np.abs(arr) > _LARGE) | (np.abs(arr) < 1 / _LARGE))
        if extreme.any():
            bad = format_keys(np.asarray(labels, dtype=object)[extreme])
            raise DataError(
                f"{where}: column {c!r}: values outside ±[1e-100, 1e100], whose squares over- or "
                f"underflow float64; rescale the column: {bad}"
            )
        g = np.full((n, t), np.nan)
        g[ecodes, pos] = arr
        values[c] = g
    return Grid(np.asarray(entities), periods, present, values)


def warn_missing(grid: Grid, cols: Sequence[Hashable], *, where: str, note: str) -> np.ndarray:
    """Warn (MissingValuesWarning) about present rows with NaN in ``cols``; return the (N, T) mask."""
    miss = np.zeros(grid.shape, dtype=bool)
    for c in cols:
        miss |= grid.present & np.isnan(grid.values[c])
    if miss.any():
        warnings.warn(
            f"{where}: {int(miss.sum())} row(s) with missing values left out (listwise){note}: "
            f"{format_keys(grid.labels(miss))}",
            MissingValuesWarning,
            stacklevel=3,
        )
    return miss


def warn_gaps(grid: Grid, *, where: str) -> None:
    """Warn (DataWarning) about entities with internal gaps in their periods."""
    p = grid.present
    first = np.argmax(p, axis=1)
    last = p.shape[1] - 1 - np.argmax(p[:, ::-1], axis=1)
    span = last - first + 1
    gaps = p.any(axis=1) & (p.sum(axis=1) < span)
    if gaps.any():
        warnings.warn(
            f"{where}: unbalanced panel with gaps: {int(gaps.sum())} entit(ies) skip periods "
            f"({format_keys([_py(e) for e in grid.entities[gaps]])}); "
            f"observations after a gap have no lag or "
            f"difference and leave the estimation sample",
            DataWarning,
            stacklevel=3,
        )
