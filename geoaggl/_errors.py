"""Every exception and warning geoaggl raises, in one place.

All errors subclass :class:`GeoagglError` and a builtin (``ValueError``,
``KeyError`` or ``TypeError``) so ``except ValueError`` keeps working.  Each
message names the offending rows or values.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = [
    "CRSError",
    "DataError",
    "GeoagglError",
    "GeoagglWarning",
    "UnknownSchemeError",
    "UnmatchedKeysWarning",
    "UnmatchedNamesError",
    "format_keys",
]


class GeoagglError(Exception):
    """Base class of geoaggl's exceptions."""


class GeoagglWarning(UserWarning):
    """Base class of geoaggl's warnings."""


class DataError(GeoagglError, ValueError):
    """Input values that a method cannot use (NaN, negative, zero mean, too few units...)."""


class UnknownSchemeError(GeoagglError, ValueError):
    """An unknown scheme / option name; the message lists the valid ones."""


class UnmatchedNamesError(GeoagglError, KeyError):
    """Names or keys that could not be matched to current adcodes.

    Attributes
    ----------
    unmatched : list
        The offending names (or keys), in input order, without duplicates.
    """

    def __init__(self, message: str, unmatched: Iterable[Any] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.unmatched = list(unmatched)

    def __str__(self) -> str:  # KeyError would repr() the message
        return self.message


class UnmatchedKeysWarning(GeoagglWarning):
    """Some names or keys did not match and were set to missing."""


class CRSError(GeoagglError, ValueError):
    """A GeoDataFrame with a missing or unexpected coordinate reference system."""


def format_keys(keys: Iterable[Any], *, limit: int = 20) -> str:
    """Render offending keys for an error message: ``'a', 'b', ... (+3 more)``."""
    seen: list[Any] = []
    for k in keys:
        if k not in seen:
            seen.append(k)
    shown = ", ".join(repr(k) for k in seen[:limit])
    if len(seen) > limit:
        shown += f", ... (+{len(seen) - limit} more)"
    return shown
