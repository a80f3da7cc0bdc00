"""One policy for cities listed in more than one urban agglomeration.

Some plans overlap: 邯郸 and 邢台 are members of both 京津冀 and 中原, 运城 of
both 中原 and 关中平原.  Every function that takes a membership table (or a
``group`` column with repeated units) applies :func:`apply_duplicates` with
the same keyword and the same three values:

``"both"`` (default)
    a city counts in each agglomeration that lists it — the reading of
    Chen Xiuying and Wang Mengcui's published within-group Gini (their Gw is consistent
    with counting 邯郸, 邢台, 运城 in both UAs); one
    :class:`~geoaggl.errors.DuplicateMembershipWarning` names those cities;
``"first"``
    a city counts only in the first agglomeration that lists it (table
    order), with the same warning saying where each was kept;
``"raise"``
    a :class:`~geoaggl.errors.DataError` names them.
"""

from __future__ import annotations

import warnings
from collections.abc import Hashable
from typing import Any

import pandas as pd

from ._validate import check_option, user_stacklevel
from .errors import DataError, DuplicateMembershipWarning, format_keys

__all__ = ["DUPLICATES", "apply_duplicates", "duplicated_units"]

DUPLICATES = ("both", "first", "raise")


def duplicated_units(frame: pd.DataFrame, *, unit: Hashable, group: Hashable) -> dict[object, list[object]]:
    """Map each unit listed under more than one group to its groups, in table order."""
    pairs = frame[[unit, group]].drop_duplicates()
    counts = pairs[unit].value_counts(sort=False)
    multi = counts.index[counts > 1]
    if len(multi) == 0:
        return {}
    sub = pairs[pairs[unit].isin(multi)]
    return {u: list(g) for u, g in sub[group].groupby(sub[unit], sort=False)}


def apply_duplicates(
    frame: pd.DataFrame,
    *,
    unit: Hashable,
    group: Hashable,
    duplicates: str = "both",
    where: str = "",
    names: pd.Series | None = None,
    stacklevel: int = 3,  # unused: warnings point at the caller outside geoaggl (kept for callers)
) -> pd.DataFrame:
    """Apply the duplicates policy to ``frame`` (rows = (unit, group) listings, maybe with years).

    Returns ``frame`` itself when no unit is listed in two groups, otherwise a
    new frame (``"first"`` keeps, for each unit, only the rows of its first
    group).  Never mutates ``frame``.

    Parameters
    ----------
    frame : DataFrame
        Has columns ``unit`` and ``group``.
    unit, group : hashable
        Column names of the unit key (e.g. ``"adcode"``) and the agglomeration.
    duplicates : {"both", "first", "raise"}
        The policy (see the module docstring).
    where : str
        Function name for messages.
    names : Series, optional
        Display names of units (indexed by unit key) for the warning.
    """
    check_option(duplicates, DUPLICATES, name="duplicates", where=where)
    dup = duplicated_units(frame, unit=unit, group=group)
    if not dup:
        return frame
    prefix = f"{where}: " if where else ""

    def label(u: Any) -> str:
        if names is not None and u in names.index:
            return f"{u} {names[u]}"
        return str(u)

    listed = format_keys(f"{label(u)} ({' & '.join(map(str, g))})" for u, g in dup.items())
    if duplicates == "raise":
        raise DataError(
            f"{prefix}{len(dup)} cities are listed in more than one agglomeration: {listed}; "
            "pass duplicates='both' to count them in each, or 'first' to keep the first listing"
        )
    if duplicates == "both":
        warnings.warn(
            f"{prefix}{len(dup)} cities counted in more than one agglomeration (duplicates='both'): {listed}",
            DuplicateMembershipWarning,
            stacklevel=user_stacklevel(),  # the user's line, whatever wraps this call
        )
        return frame
    first = {u: g[0] for u, g in dup.items()}
    keep = [not (u in first and g != first[u]) for u, g in zip(frame[unit], frame[group], strict=True)]
    warnings.warn(
        f"{prefix}{len(dup)} cities listed in more than one agglomeration kept only in the first "
        f"(duplicates='first'): {listed}",
        DuplicateMembershipWarning,
        stacklevel=user_stacklevel(),
    )
    return frame.loc[keep]
