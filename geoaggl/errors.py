"""The exceptions and warnings geoaggl raises: its error contract.

Every public function of geoaggl either returns a valid result or raises one
of the exceptions below, never an exception from a library it uses (pandas,
numpy, scipy, xlrd, osmnx, libpysal, esda, linearmodels, branca, ...).  Each
error subclasses :class:`GeoagglError` *and* the builtin that fits
(``ValueError``, ``KeyError`` or ``TypeError``), so ``except ValueError``
keeps working, and its message names the offending rows, values or parameter.

A NaN or infinite number appears in a result only where the function's
docstring says so (for example an unreachable pair of cities in a road
matrix is ``inf``, with an :class:`UnreachableWarning`).  Warnings subclass
:class:`GeoagglWarning`, so ``warnings.simplefilter("error", GeoagglWarning)``
turns every one of them into an error.

Examples
--------
>>> import geoaggl
>>> from geoaggl.errors import GeoagglError, UnmatchedNamesError
>>> try:
...     geoaggl.harmonize(["Atlantis"])
... except UnmatchedNamesError as err:
...     print(isinstance(err, GeoagglError), isinstance(err, KeyError), err.unmatched)
True True ['Atlantis']
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = [
    "CRSError",
    "ColumnNotFoundError",
    "DataError",
    "DataWarning",
    "DuplicateMembershipWarning",
    "GeoagglDeprecationWarning",
    "GeoagglError",
    "GeoagglWarning",
    "MissingFileError",
    "MissingValuesWarning",
    "OptionError",
    "OptionalDependencyError",
    "ParameterTypeError",
    "ReassignedKeysWarning",
    "UnknownSchemeError",
    "UnmatchedKeysWarning",
    "UnmatchedNamesError",
    "UnreachableWarning",
    "format_keys",
]


class GeoagglError(Exception):
    """Base class of geoaggl's exceptions.

    References
    ----------
    Python Software Foundation. *Built-in Exceptions* (the builtin classes geoaggl's errors also
    subclass). The Python Standard Library, https://docs.python.org/3/library/exceptions.html

    Examples
    --------
    Catch it as the builtin it also is:

    >>> from geoaggl.errors import GeoagglError
    >>> try:
    ...     raise GeoagglError("example: the message names the offending value")
    ... except Exception as e:
    ...     print(type(e).__name__, isinstance(e, GeoagglError))
    GeoagglError True
    """


class GeoagglWarning(UserWarning):
    """Base class of geoaggl's warnings.

    References
    ----------
    Python Software Foundation. *warnings — Warning control*. The Python Standard Library,
    https://docs.python.org/3/library/warnings.html

    Examples
    --------
    >>> import warnings
    >>> from geoaggl.errors import GeoagglWarning
    >>> issubclass(GeoagglWarning, UserWarning)
    True
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore", GeoagglWarning)  # silence this kind only
    ...     warnings.warn("example", GeoagglWarning)
    """


class DataError(GeoagglError, ValueError):
    """Input values that a method cannot use (NaN, negative, zero mean, too few units...).

    References
    ----------
    Python Software Foundation. *Built-in Exceptions* (the builtin classes geoaggl's errors also
    subclass). The Python Standard Library, https://docs.python.org/3/library/exceptions.html

    Examples
    --------
    Catch it as the builtin it also is:

    >>> from geoaggl.errors import DataError, GeoagglError
    >>> try:
    ...     raise DataError("example: the message names the offending value")
    ... except ValueError as e:
    ...     print(type(e).__name__, isinstance(e, GeoagglError))
    DataError True
    """


class OptionError(GeoagglError, ValueError):
    """A keyword option outside its allowed values; the message names the parameter and lists the valid ones.

    Raised by the one option validator every public function uses, so a bad
    ``errors=``, ``rule=``, ``scheme=``, ``method=`` ... always raises this class.

    References
    ----------
    Python Software Foundation. *Built-in Exceptions* (the builtin classes geoaggl's errors also
    subclass). The Python Standard Library, https://docs.python.org/3/library/exceptions.html

    Examples
    --------
    Catch it as the builtin it also is:

    >>> from geoaggl.errors import GeoagglError, OptionError
    >>> try:
    ...     raise OptionError("example: the message names the offending value")
    ... except ValueError as e:
    ...     print(type(e).__name__, isinstance(e, GeoagglError))
    OptionError True
    """


class UnknownSchemeError(OptionError):
    """An unknown agglomeration scheme, map classification scheme or other named option.

    References
    ----------
    Python Software Foundation. *Built-in Exceptions* (the builtin classes geoaggl's errors also
    subclass). The Python Standard Library, https://docs.python.org/3/library/exceptions.html

    Examples
    --------
    Catch it as the builtin it also is:

    >>> from geoaggl.errors import GeoagglError, UnknownSchemeError
    >>> try:
    ...     raise UnknownSchemeError("example: the message names the offending value")
    ... except ValueError as e:
    ...     print(type(e).__name__, isinstance(e, GeoagglError))
    UnknownSchemeError True
    """


class ParameterTypeError(GeoagglError, TypeError):
    """A parameter of the wrong type (e.g. ``seed=1.5``, ``permutations="99"``); the message names it.

    References
    ----------
    Python Software Foundation. *Built-in Exceptions* (the builtin classes geoaggl's errors also
    subclass). The Python Standard Library, https://docs.python.org/3/library/exceptions.html

    Examples
    --------
    Catch it as the builtin it also is:

    >>> from geoaggl.errors import GeoagglError, ParameterTypeError
    >>> try:
    ...     raise ParameterTypeError("example: the message names the offending value")
    ... except TypeError as e:
    ...     print(type(e).__name__, isinstance(e, GeoagglError))
    ParameterTypeError True
    """


class UnmatchedNamesError(GeoagglError, KeyError):
    """Names or keys that could not be matched to current adcodes.

    Parameters
    ----------
    message : str
        The error message (names the unmatched keys).
    unmatched : iterable, optional
        The unmatched names or keys, kept in :attr:`unmatched`.

    Attributes
    ----------
    unmatched : list
        The offending names (or keys), in input order, without duplicates.

    References
    ----------
    Python Software Foundation. *Built-in Exceptions* (the builtin classes geoaggl's errors also
    subclass). The Python Standard Library, https://docs.python.org/3/library/exceptions.html

    Examples
    --------
    Catch it as the builtin it also is; ``unmatched`` lists the names:

    >>> from geoaggl.errors import UnmatchedNamesError
    >>> try:
    ...     raise UnmatchedNamesError("unmatched: '杭洲'", ["杭洲"])
    ... except KeyError as e:
    ...     print(e, e.unmatched)
    unmatched: '杭洲' ['杭洲']
    """

    def __init__(self, message: str, unmatched: Iterable[Any] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.unmatched = list(unmatched)

    def __str__(self) -> str:  # KeyError would repr() the message
        return self.message


class ColumnNotFoundError(DataError, KeyError):
    """A column (or index level) named by a parameter is not in the table; the message lists those present.

    A :class:`DataError` (the table lacks what the call needs) and a :class:`KeyError`.

    References
    ----------
    Python Software Foundation. *Built-in Exceptions* (the builtin classes geoaggl's errors also
    subclass). The Python Standard Library, https://docs.python.org/3/library/exceptions.html

    Examples
    --------
    Catch it as the builtin it also is:

    >>> from geoaggl.errors import ColumnNotFoundError, GeoagglError
    >>> try:
    ...     raise ColumnNotFoundError("example: the message names the offending value")
    ... except KeyError as e:
    ...     print(type(e).__name__, isinstance(e, GeoagglError))
    ColumnNotFoundError True
    """

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0]) if self.args else ""


class MissingFileError(GeoagglError, FileNotFoundError):
    """A file or directory given to geoaggl does not exist (also a :class:`FileNotFoundError`).

    References
    ----------
    Python Software Foundation. *Built-in Exceptions* (the builtin classes geoaggl's errors also
    subclass). The Python Standard Library, https://docs.python.org/3/library/exceptions.html

    Examples
    --------
    Catch it as the builtin it also is:

    >>> from geoaggl.errors import GeoagglError, MissingFileError
    >>> try:
    ...     raise MissingFileError("example: the message names the offending value")
    ... except FileNotFoundError as e:
    ...     print(type(e).__name__, isinstance(e, GeoagglError))
    MissingFileError True
    """


class OptionalDependencyError(GeoagglError, ImportError):
    """An optional dependency (extra) needed by the call is not installed; the message names the extra.

    References
    ----------
    Python Software Foundation. *Built-in Exceptions* (the builtin classes geoaggl's errors also
    subclass). The Python Standard Library, https://docs.python.org/3/library/exceptions.html

    Examples
    --------
    Catch it as the builtin it also is:

    >>> from geoaggl.errors import GeoagglError, OptionalDependencyError
    >>> try:
    ...     raise OptionalDependencyError("example: the message names the offending value")
    ... except ImportError as e:
    ...     print(type(e).__name__, isinstance(e, GeoagglError))
    OptionalDependencyError True
    """


class UnmatchedKeysWarning(GeoagglWarning):
    """Some names or keys did not match and were set to missing.

    References
    ----------
    Python Software Foundation. *warnings — Warning control*. The Python Standard Library,
    https://docs.python.org/3/library/warnings.html

    Examples
    --------
    >>> import warnings
    >>> from geoaggl.errors import GeoagglWarning, UnmatchedKeysWarning
    >>> issubclass(UnmatchedKeysWarning, GeoagglWarning), issubclass(UnmatchedKeysWarning, UserWarning)
    (True, True)
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore", UnmatchedKeysWarning)  # silence this kind only
    ...     warnings.warn("example", UnmatchedKeysWarning)
    """


class CRSError(GeoagglError, ValueError):
    """A GeoDataFrame with a missing or unexpected coordinate reference system.

    References
    ----------
    Python Software Foundation. *Built-in Exceptions* (the builtin classes geoaggl's errors also
    subclass). The Python Standard Library, https://docs.python.org/3/library/exceptions.html

    Examples
    --------
    Catch it as the builtin it also is:

    >>> from geoaggl.errors import CRSError, GeoagglError
    >>> try:
    ...     raise CRSError("example: the message names the offending value")
    ... except ValueError as e:
    ...     print(type(e).__name__, isinstance(e, GeoagglError))
    CRSError True
    """


class DataWarning(GeoagglWarning):
    """The input was usable, but something about it deserves attention (named in the message).

    References
    ----------
    Python Software Foundation. *warnings — Warning control*. The Python Standard Library,
    https://docs.python.org/3/library/warnings.html

    Examples
    --------
    >>> import warnings
    >>> from geoaggl.errors import DataWarning, GeoagglWarning
    >>> issubclass(DataWarning, GeoagglWarning), issubclass(DataWarning, UserWarning)
    (True, True)
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore", DataWarning)  # silence this kind only
    ...     warnings.warn("example", DataWarning)
    """


class MissingValuesWarning(DataWarning):
    """Rows with missing values were dropped (listwise deletion); the message names them.

    References
    ----------
    Python Software Foundation. *warnings — Warning control*. The Python Standard Library,
    https://docs.python.org/3/library/warnings.html

    Examples
    --------
    >>> import warnings
    >>> from geoaggl.errors import GeoagglWarning, MissingValuesWarning
    >>> issubclass(MissingValuesWarning, GeoagglWarning), issubclass(MissingValuesWarning, UserWarning)
    (True, True)
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore", MissingValuesWarning)  # silence this kind only
    ...     warnings.warn("example", MissingValuesWarning)
    """


class ReassignedKeysWarning(DataWarning):
    """Names or codes of merged, split or abolished units were *not* moved to a successor unit.

    The message names each original key, the candidate successor(s) and the rule
    (merge, split, abolition, county -> parent); pass ``abolished="successor"``
    (or ``county="parent"``) to accept the mapping.

    References
    ----------
    Python Software Foundation. *warnings — Warning control*. The Python Standard Library,
    https://docs.python.org/3/library/warnings.html

    Examples
    --------
    >>> import warnings
    >>> from geoaggl.errors import GeoagglWarning, ReassignedKeysWarning
    >>> issubclass(ReassignedKeysWarning, GeoagglWarning), issubclass(ReassignedKeysWarning, UserWarning)
    (True, True)
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore", ReassignedKeysWarning)  # silence this kind only
    ...     warnings.warn("example", ReassignedKeysWarning)
    """


class DuplicateMembershipWarning(DataWarning):
    """Cities listed in more than one urban agglomeration; the message says how they were counted.

    References
    ----------
    Python Software Foundation. *warnings — Warning control*. The Python Standard Library,
    https://docs.python.org/3/library/warnings.html

    Examples
    --------
    >>> import warnings
    >>> from geoaggl.errors import DuplicateMembershipWarning, GeoagglWarning
    >>> [issubclass(DuplicateMembershipWarning, k) for k in (GeoagglWarning, UserWarning)]
    [True, True]
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore", DuplicateMembershipWarning)  # silence this kind only
    ...     warnings.warn("example", DuplicateMembershipWarning)
    """


class UnreachableWarning(DataWarning):
    """Pairs or units with no connection on a network; their distance is ``inf`` or ``NaN`` as documented.

    References
    ----------
    Python Software Foundation. *warnings — Warning control*. The Python Standard Library,
    https://docs.python.org/3/library/warnings.html

    Examples
    --------
    >>> import warnings
    >>> from geoaggl.errors import GeoagglWarning, UnreachableWarning
    >>> issubclass(UnreachableWarning, GeoagglWarning), issubclass(UnreachableWarning, UserWarning)
    (True, True)
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore", UnreachableWarning)  # silence this kind only
    ...     warnings.warn("example", UnreachableWarning)
    """


class GeoagglDeprecationWarning(GeoagglWarning, FutureWarning):
    """A keyword or function name to be removed in the next release; the message names its replacement.

    References
    ----------
    Python Software Foundation. *warnings — Warning control*. The Python Standard Library,
    https://docs.python.org/3/library/warnings.html

    Examples
    --------
    >>> import warnings
    >>> from geoaggl.errors import GeoagglDeprecationWarning, GeoagglWarning
    >>> [issubclass(GeoagglDeprecationWarning, k) for k in (GeoagglWarning, UserWarning, FutureWarning)]
    [True, True, True]
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore", GeoagglDeprecationWarning)  # silence this kind only
    ...     warnings.warn("example", GeoagglDeprecationWarning)
    """


_NAN = object()
_SIMPLE = frozenset({str, int, tuple, bool})


def _display(k: Any) -> Any:
    """Make one key printable and hashable: numpy rows become tuples, numpy scalars Python scalars."""
    if type(k).__module__ == "numpy" and hasattr(k, "tolist"):  # ndarray / numpy scalar; numpy not imported
        k = k.tolist()
    if isinstance(k, list):
        return tuple(_display(v) for v in k)
    return k


def _np_integer() -> type:
    """``numpy.integer`` when numpy is already imported (this module never imports it)."""
    import sys

    np = sys.modules.get("numpy")
    return np.integer if np is not None else int


def format_keys(keys: Iterable[Any], *, limit: int = 20) -> str:
    """Render offending keys for an error message, at most ``limit`` of them and then a count.

    The form is ``'a', 'b', ... (+3 more)``.

    Duplicates are shown once, in first-seen order.  The cost is O(n) in the
    number of keys (hashable keys are de-duplicated with a dict, others by
    their ``repr``), so a message about 370,000 bad edges is instant.

    Parameters
    ----------
    keys : iterable
        The offending keys; rows of a 2-D array and lists are shown as tuples.
    limit : int, default 20
        How many distinct keys to show before ``... (+n more)``.

    Returns
    -------
    str

    References
    ----------
    Python Software Foundation. *Built-in Functions*: ``repr``. The Python Standard Library,
    https://docs.python.org/3/library/functions.html#repr

    Examples
    --------
    >>> format_keys(["a", "b", "a", ("110100", 2015)])
    "'a', 'b', ('110100', 2015)"
    >>> format_keys(range(25), limit=3)
    '0, 1, 2, ... (+22 more)'
    """
    if isinstance(limit, bool) or not isinstance(limit, int | _np_integer()):
        raise ParameterTypeError(f"format_keys: limit must be an integer, got {limit!r}")
    limit = max(int(limit), 0)
    if hasattr(keys, "tolist"):  # numpy array, pandas Index/Series: convert in C first
        keys = keys.tolist()
    seen: dict[Any, None] = {}
    for raw in keys:
        if type(raw) in _SIMPLE:  # fast path: most keys are str/int/tuple
            try:
                seen.setdefault(raw, None)
                continue
            except TypeError:  # a tuple holding a list
                pass
        k = _display(raw)
        if isinstance(k, float) and k != k:  # NaN != NaN: show it once
            k = _NAN
        try:
            hash(k)
        except TypeError:
            k = repr(k)
        seen.setdefault(k, None)
    distinct = list(seen)
    shown = ", ".join("nan" if k is _NAN else repr(k) for k in distinct[:limit])
    if len(distinct) > limit:
        shown += f", ... (+{len(distinct) - limit} more)"
    return shown
