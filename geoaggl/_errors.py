"""Backward-compatible home of the error classes; see :mod:`geoaggl.errors`."""

from __future__ import annotations

from .errors import *  # noqa: F403
from .errors import __all__ as __all__
from .errors import format_keys as format_keys
