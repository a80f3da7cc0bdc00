"""geoaggl: spatial toolkit for China's urban agglomerations (城市群).

Top-level names are imported lazily so that ``import geoaggl`` stays fast;
heavy dependencies (geopandas, osmnx, folium) load on first use.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_LAZY = {
    "prefectures": "boundaries",
    "agglomerations": "boundaries",
    "agglomeration_polygons": "boundaries",
    "counties": "boundaries",
    "harmonize": "names",
    "attach": "names",
    "read_yearbook": "io",
}
_SUBMODULES = {
    "boundaries",
    "names",
    "io",
    "datasets",
    "indices",
    "inequality",
    "roads",
    "rail",
    "weights",
    "spatial",
    "models",
    "efficiency",
    "maps",
    "errors",
    "settings",
    "cli",
}

__all__ = [*sorted(_LAZY), "__version__"]

if TYPE_CHECKING:  # pragma: no cover
    from . import datasets as datasets
    from . import indices as indices
    from . import inequality as inequality
    from .boundaries import agglomeration_polygons as agglomeration_polygons
    from .boundaries import agglomerations as agglomerations
    from .boundaries import counties as counties
    from .boundaries import prefectures as prefectures
    from .io import read_yearbook as read_yearbook
    from .names import attach as attach
    from .names import harmonize as harmonize


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        mod = import_module(f".{_LAZY[name]}", __name__)
        value = getattr(mod, name)
        globals()[name] = value
        return value
    if name in _SUBMODULES:
        mod = import_module(f".{name}", __name__)
        globals()[name] = mod
        return mod
    raise AttributeError(f"module 'geoaggl' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY) | _SUBMODULES)
