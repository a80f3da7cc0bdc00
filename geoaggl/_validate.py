"""Shared input checks: numeric columns, NaN/inf, negative values, missing columns.

Every check raises :class:`geoaggl.errors.DataError` (a ``ValueError``) whose
message names the offending column(s) and row keys, so a user can find the bad
cells in a table of hundreds of cities.  The helpers are generic: they take the
row labels to print (``labels``) from the caller, who knows whether rows are
best named by index label, adcode or ``(adcode, year)``.
"""

from __future__ import annotations

import functools
import numbers
import os
import sys
import warnings
from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import Any, TypeVar, cast

import numpy as np
import pandas as pd

from .errors import DataError, GeoagglDeprecationWarning, OptionError, ParameterTypeError, format_keys

_F = TypeVar("_F", bound=Callable[..., Any])

__all__ = [
    "MAX_BOOT",
    "as_float_array",
    "as_labels",
    "check_bool",
    "check_int",
    "check_option",
    "check_real",
    "check_seed",
    "check_values",
    "has_key",
    "key_values",
    "level_values",
    "numeric_frame",
    "renamed_kwargs",
    "require_columns",
    "require_key",
    "setting",
    "user_stacklevel",
]


#: Largest number of bootstrap replicates accepted (``n_boot``): beyond it a call would run for hours.
MAX_BOOT = 1_000_000


def require_columns(df: pd.DataFrame, columns: Iterable[Hashable], *, what: str = "data") -> list[Hashable]:
    """Return ``columns`` as a list, raising DataError naming those not in ``df``."""
    cols = _hashable(list(columns))
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise DataError(f"{what}: column(s) not found: {format_keys(missing)}")
    return cols


def as_float_array(
    values: pd.Series | Sequence[Any] | np.ndarray, *, what: str, labels: Sequence[Any] | None = None
) -> np.ndarray:
    """Convert one column of values to a float64 array, rejecting non-numeric entries.

    Numeric and boolean dtypes (including pandas nullable ones, whose ``NA``
    becomes NaN) are converted; an ``object`` column is accepted only when
    every entry is a real number (or None/NaN), otherwise the offending rows are
    named; string, datetime, categorical and complex columns are rejected
    outright.

    Parameters
    ----------
    values : Series or array-like
        The column.
    what : str
        How to name the column in messages.
    labels : sequence, optional
        Row labels used in messages (default: the Series index or positions).

    Returns
    -------
    numpy.ndarray
        A new float64 array (never a view on the input).
    """
    s = values if isinstance(values, pd.Series) else pd.Series(values)
    if labels is None:
        labels = list(s.index)
    dtype = s.dtype
    if pd.api.types.is_bool_dtype(dtype) or (
        pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_complex_dtype(dtype)
    ):
        return s.to_numpy(dtype=np.float64, na_value=np.nan, copy=True)
    if pd.api.types.is_object_dtype(dtype):
        bad = [
            lab
            for lab, v in zip(labels, s.to_numpy(), strict=True)
            if not (v is None or v is pd.NA or isinstance(v, numbers.Real))
        ]
        if bad:
            raise DataError(f"{what}: non-numeric values at {format_keys(bad)}")
        return np.array([np.nan if (v is None or v is pd.NA) else float(v) for v in s], dtype=np.float64)
    raise DataError(
        f"{what}: non-numeric column (dtype {dtype}); convert it first, e.g. with pandas.to_numeric"
    )


def check_values(
    arr: np.ndarray,
    *,
    what: str,
    labels: Sequence[Any],
    allow_negative: bool = False,
    positive: bool = False,
    allow_nan: bool = False,
) -> None:
    """Raise DataError naming the rows of ``arr`` that are NaN, infinite, negative or zero.

    Parameters
    ----------
    arr : numpy.ndarray
        One-dimensional float array.
    what : str
        Column name for messages.
    labels : sequence
        One label per element, used in messages.
    allow_negative : bool, default False
        Accept values below zero.
    positive : bool, default False
        Require values strictly above zero (implies non-negative).
    allow_nan : bool, default False
        Accept NaN (infinite values are always rejected).
    """
    labs = np.empty(len(labels), dtype=object)  # 1-D even when labels are tuples like (adcode, year)
    labs[:] = list(labels)
    if not allow_nan:
        nan = np.isnan(arr)
        if nan.any():
            where = format_keys(labs[nan])
            raise DataError(f"{what}: missing (NaN) values at {where}")
    inf = np.isinf(arr)
    if inf.any():
        raise DataError(f"{what}: infinite values at {format_keys(labs[inf])}")
    with np.errstate(invalid="ignore"):
        if positive:
            bad = arr <= 0
            if bad.any():
                raise DataError(
                    f"{what}: values must be > 0; got zero or negative at {format_keys(labs[bad])}"
                )
        elif not allow_negative:
            bad = arr < 0
            if bad.any():
                raise DataError(f"{what}: negative values at {format_keys(labs[bad])}")


def numeric_frame(
    df: pd.DataFrame,
    columns: Iterable[Hashable],
    *,
    labels: Sequence[Any] | None = None,
    allow_negative: bool = False,
    positive: bool = False,
    what: str = "data",
) -> np.ndarray:
    """Validate ``df[columns]`` and return it as a new 2-D float64 array (rows × columns).

    Checks, in order: the columns exist, are numeric, have no NaN or infinite
    values, and (unless ``allow_negative``) no negative values; with
    ``positive`` every value must be > 0.  Each failure raises DataError naming
    the column and the offending row labels.
    """
    cols = require_columns(df, columns, what=what)
    labs = list(df.index) if labels is None else list(labels)
    out = np.empty((len(df), len(cols)), dtype=np.float64)
    for j, c in enumerate(cols):
        col = df[c]
        if isinstance(col, pd.DataFrame):  # duplicated column label
            raise DataError(f"{what}: column {c!r} appears more than once")
        arr = as_float_array(col, what=f"{what} column {c!r}", labels=labs)
        check_values(
            arr, what=f"{what} column {c!r}", labels=labs, allow_negative=allow_negative, positive=positive
        )
        out[:, j] = arr
    return out


def check_option(
    value: Any,
    valid: Iterable[Any],
    *,
    name: str,
    where: str = "",
    error: type[OptionError] = OptionError,
) -> Any:
    """The one option validator: return ``value`` if it is one of ``valid``, else raise OptionError.

    Every public keyword with a fixed set of values (``errors=``, ``rule=``,
    ``method=``, ``islands=`` ...) is checked here, so a bad option always
    raises :class:`geoaggl.errors.OptionError` naming the parameter, the value
    given and the valid ones.  Unhashable values are rejected the same way.
    ``error`` picks an OptionError subclass (keywords that raised
    :class:`~geoaggl.errors.UnknownSchemeError` before this validator existed
    keep raising it).

    Examples
    --------
    >>> check_option("warn", ("raise", "warn"), name="errors")
    'warn'
    >>> check_option("x", ("raise", "warn"), name="errors", where="attach")
    Traceback (most recent call last):
    ...
    geoaggl.errors.OptionError: attach: errors must be one of 'raise', 'warn'; got 'x'
    """
    options = tuple(valid)
    try:
        ok = any((value == v and type(value) is type(v)) or value is v for v in options)
    except Exception:  # e.g. an array compared elementwise
        ok = False
    if not ok:
        prefix = f"{where}: " if where else ""
        shown = ", ".join(repr(v) for v in options)
        raise error(f"{prefix}{name} must be one of {shown}; got {value!r}")
    return value


def check_bool(value: Any, *, name: str, where: str = "") -> bool:
    """``value`` as a bool; anything but True/False (NumPy's included) raises ParameterTypeError."""
    if not isinstance(value, bool | np.bool_):
        prefix = f"{where}: " if where else ""
        raise ParameterTypeError(f"{prefix}{name} must be True or False; got {value!r}")
    return bool(value)


def as_labels(spec: Any, *, tuple_is_label: bool = False) -> list[Hashable]:
    """One column label or a list-like of labels, as a list (None: empty list).

    A ``str`` (and, with ``tuple_is_label``, a tuple: a MultiIndex column label) is
    one label; any other sequence or Index is a list of labels.
    """
    if spec is None:
        return []
    single = (str, bytes, tuple) if tuple_is_label else (str, bytes)
    if isinstance(spec, single) or not isinstance(spec, Sequence | pd.Index):
        return _hashable([spec])
    return _hashable(list(spec))


def _hashable(labels: list[Any]) -> list[Hashable]:
    """``labels`` unchanged if every one is hashable; ParameterTypeError naming the others."""
    bad = []
    for lab in labels:
        try:
            hash(lab)
        except TypeError:
            bad.append(lab)
    if bad:
        raise ParameterTypeError(
            f"column labels must be hashable (a name, not a list or dict): {format_keys(bad)}"
        )
    return labels


def _is_level(index: pd.Index, name: Hashable) -> bool:
    try:
        return name is not None and name in [n for n in index.names if n is not None]
    except TypeError:  # an unhashable label compared with names
        return False


def level_values(index: pd.Index, name: Hashable) -> np.ndarray | None:
    """Values of the index level called ``name`` (None labels never match), or None."""
    if not _is_level(index, name):
        return None
    # pandas accepts any hashable level name; the stubs only list int | str
    return index.get_level_values(name).to_numpy()  # type: ignore[arg-type]


def key_values(obj: pd.DataFrame | pd.Series, name: Hashable) -> np.ndarray | None:
    """THE column-or-index-level lookup: the values of column ``name`` of a DataFrame, else of
    its (or a Series') index level ``name``; None when neither exists.

    A column label that appears twice raises DataError.
    """
    if isinstance(obj, pd.DataFrame):
        try:
            in_columns = name in obj.columns
        except TypeError:  # unhashable label
            in_columns = False
        if in_columns:
            col = obj[name]
            if isinstance(col, pd.DataFrame):
                raise DataError(f"column {name!r} appears more than once")
            return col.to_numpy()
    return level_values(obj.index, name)


def require_key(obj: pd.DataFrame | pd.Series, name: Hashable, *, what: str) -> np.ndarray:
    """:func:`key_values`, raising DataError naming ``what`` and ``name`` when neither exists."""
    vals = key_values(obj, name)
    if vals is None:
        raise DataError(f"{what} {name!r} is neither a column nor an index level of the data")
    return vals


def has_key(obj: pd.DataFrame | pd.Series, name: Hashable | None) -> bool:
    """Whether ``name`` is a column (DataFrame) or an index level of ``obj``."""
    if name is None:
        return False
    if isinstance(obj, pd.DataFrame):
        try:
            if name in obj.columns:
                return True
        except TypeError:
            return False
    return _is_level(obj.index, name)


def check_int(
    value: Any, *, name: str, minimum: int | None = None, maximum: int | None = None, where: str = ""
) -> int:
    """Return ``value`` as an ``int`` if it is an integer (not bool) within bounds.

    Raises :class:`~geoaggl.errors.ParameterTypeError` for a non-integer (``1.5``,
    ``"9"``, ``None``) and :class:`~geoaggl.errors.DataError` for an integer
    out of range, both naming the parameter.

    Examples
    --------
    >>> check_int(99, name="permutations", minimum=0)
    99
    """
    prefix = f"{where}: " if where else ""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ParameterTypeError(f"{prefix}{name} must be an integer; got {value!r}")
    v = int(value)
    if minimum is not None and v < minimum:
        raise DataError(f"{prefix}{name} must be >= {minimum}; got {v}")
    if maximum is not None and v > maximum:
        raise DataError(f"{prefix}{name} must be <= {maximum}; got {v}")
    return v


def check_real(
    value: Any,
    *,
    name: str,
    minimum: float | None = None,
    maximum: float | None = None,
    strict_min: bool = False,
    allow_inf: bool = False,
    where: str = "",
) -> float:
    """Return ``value`` as a finite ``float`` within bounds (``strict_min``: ``value > minimum``).

    Raises :class:`~geoaggl.errors.ParameterTypeError` for a non-number (``None``,
    ``"abc"``, bool) and :class:`~geoaggl.errors.DataError` for NaN, an infinite
    value (unless ``allow_inf``) or a value out of range, naming the parameter.

    Examples
    --------
    >>> check_real(0.096, name="delta", minimum=0, maximum=1)
    0.096
    """
    prefix = f"{where}: " if where else ""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ParameterTypeError(f"{prefix}{name} must be a real number; got {value!r}")
    v = float(value)
    if v != v:
        raise DataError(f"{prefix}{name} must be a number, got NaN")
    if not allow_inf and v in (float("inf"), float("-inf")):
        raise DataError(f"{prefix}{name} must be finite; got {v}")
    if minimum is not None and (v <= minimum if strict_min else v < minimum):
        raise DataError(f"{prefix}{name} must be {'>' if strict_min else '>='} {minimum}; got {v}")
    if maximum is not None and v > maximum:
        raise DataError(f"{prefix}{name} must be <= {maximum}; got {v}")
    return v


def check_seed(seed: Any, *, name: str = "seed", where: str = "") -> np.random.Generator:
    """Return a private ``numpy.random.Generator`` for ``seed`` (None, an int >= 0, or a Generator).

    Seeded calls use their own generator and never touch NumPy's global
    state.  A negative, non-integer or too-large seed raises a geoaggl error
    naming the parameter.

    Examples
    --------
    >>> float(check_seed(0).random()) == float(check_seed(0).random())
    True
    """
    if seed is None:
        return np.random.default_rng()
    if isinstance(seed, np.random.Generator):
        return seed
    v = check_int(seed, name=name, minimum=0, maximum=2**63 - 1, where=where)
    return np.random.default_rng(v)


def renamed_kwargs(**renames: str) -> Callable[[_F], _F]:
    """Decorator keeping renamed keywords working: ``@renamed_kwargs(groups="group")``.

    A call that passes an old spelling as a keyword gets it under the new name, with one
    :class:`~geoaggl.errors.GeoagglDeprecationWarning` naming both; passing both spellings
    raises ParameterTypeError.  Positional calls are untouched (a renamed parameter keeps its
    position), and ``inspect.signature`` shows the new names only.

    Examples
    --------
    >>> @renamed_kwargs(n="n_boot")
    ... def draws(n_boot=9):
    ...     return n_boot
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as w:
    ...     warnings.simplefilter("always")
    ...     draws(n=5), w[0].category.__name__
    (5, 'GeoagglDeprecationWarning')
    """
    for old, new in renames.items():
        if not (isinstance(new, str) and new.isidentifier()) or old == new:
            raise ValueError(f"renamed_kwargs: bad rename {old!r} -> {new!r}")  # a programming error

    def decorate(func: _F) -> _F:
        where = func.__qualname__.replace(".__init__", "")

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            for old, new in renames.items():
                if old not in kwargs:
                    continue
                if new in kwargs:
                    raise ParameterTypeError(
                        f"{where}: got both {new}= and its deprecated spelling {old}=; pass {new}= only"
                    )
                warnings.warn(
                    f"{where}: the keyword {old}= is deprecated and will be removed in a future release; "
                    f"use {new}= (same meaning)",
                    GeoagglDeprecationWarning,
                    stacklevel=2,
                )
                kwargs[new] = kwargs.pop(old)
            return func(*args, **kwargs)

        return cast(_F, wrapper)

    return decorate


def setting(value: Any, name: str, *, unset: Any = None) -> Any:
    """``value``, or ``geoaggl.settings.<name>`` read now when ``value`` is ``unset`` (None by default)."""
    if value is unset or (isinstance(unset, str) and isinstance(value, str) and value == unset):
        from . import settings

        return getattr(settings, name)
    return value


_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


def user_stacklevel() -> int:
    """The ``stacklevel`` that makes a warning issued by the caller point at the user's code.

    Counts the frames from the function calling this one up to the first frame outside the
    geoaggl package, so wrappers (e.g. :func:`renamed_kwargs`) and internal helpers in between
    never shift the reported line.
    """
    frame = sys._getframe(1)  # the function that will call warnings.warn: stacklevel 1
    level = 1
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(_PACKAGE_DIR):
        frame = frame.f_back  # type: ignore[assignment]
        level += 1
    return level
