"""Package-wide defaults, in one place (osmnx style).

Change an attribute to change the default of every function that reads it, e.g.::

    import geoaggl
    geoaggl.settings.permutations = 9999
    geoaggl.settings.use_cache = False

A keyword passed to a function always wins over the setting.  Settings are read at call time,
so changing them takes effect immediately.  Environment variables give the initial values of the
cache settings (``GEOAGGL_CACHE_DIR``, ``GEOAGGL_NO_CACHE=1``).

Attributes
----------
permutations : int
    Conditional permutations of the spatial tests (Moran, Geary, Getis-Ord, LISA). Default 999.
n_boot : int
    Bootstrap replicates (Dagum Gini, mediation). Default 999.
tiles : str or None
    Basemap of the maps (a name known to folium / xyzservices, or None for no basemap).
    Default ``"CartoDB positron"``.
speed_kph : float or None
    Override of the road speed model (km/h on every road edge); None uses the calibrated model.
ferry_minutes : float
    Crossing time of the Qiongzhou Strait ferry (Xuwen–Haikou), minutes. Default 90.
cache_dir : pathlib.Path
    Root of the on-disk cache (OD matrices, road graphs, full-resolution polygons, counties):
    ``$GEOAGGL_CACHE_DIR`` if set, else the user's cache directory
    (``$XDG_CACHE_HOME/geoaggl`` or ``~/.cache/geoaggl``).  Entries are keyed by package and data
    version, so upgrades never read stale files.
use_cache : bool
    Whether the on-disk cache is read and written. ``GEOAGGL_NO_CACHE=1`` sets it to False.
progress : bool
    Print progress for steps that take longer than a second (CLI and long computations).
dask_client : distributed.Client or None
    Run the embarrassingly parallel work (OD source blocks, bootstrap replicates, per-DMU LPs)
    on this Dask client; None runs locally.  esda's permutation tests stay local.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

__all__ = [
    "cache_dir",
    "dask_client",
    "ferry_minutes",
    "n_boot",
    "permutations",
    "progress",
    "speed_kph",
    "tiles",
    "use_cache",
]


def _default_cache_dir() -> Path:
    env = os.environ.get("GEOAGGL_CACHE_DIR", "").strip()
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
    return (Path(xdg).expanduser() if xdg else Path.home() / ".cache") / "geoaggl"


permutations: int = 999
n_boot: int = 999
tiles: str | None = "CartoDB positron"
speed_kph: float | None = None
ferry_minutes: float = 90.0
cache_dir: Path = _default_cache_dir()
use_cache: bool = os.environ.get("GEOAGGL_NO_CACHE", "").strip().lower() not in ("1", "true", "yes", "on")
progress: bool = False
dask_client: Any = None
