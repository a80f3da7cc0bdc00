"""Calibrated distance correction and travel-time model for the bundled road graph (private).

The bundled graph (:func:`geoaggl.roads.china_highways`) is a skeleton of straight
segments: each edge is the chord between its end nodes, so road lengths run short
(most in mountains and on the plateau), and the source has no road class, so it
carries no speeds.  This module turns the edge arrays into

* a corrected length :math:`\\ell_e f_e` with a detour factor
  :math:`\\log f_e = \\beta \\cdot x_e` (clipped to :math:`f_e \\ge 1`), and
* a travel time :math:`\\ell_e f_e / v_e` with a speed
  :math:`\\log v_e = \\gamma \\cdot z_e` (clipped to 15–110 km/h),

plus an urban access time :math:`\\max(0, \\alpha \\cdot w)` minutes at each trip end
(:func:`access_minutes`: from the seat in the city centre onto the skeleton, which
carries no urban streets).  Every feature is derived offline from the graph arrays
alone (:func:`edge_features`, :func:`access_features`); a term enters the model when
``road_model.json`` gives it a coefficient:

``loglen``
    :math:`\\log(1 + \\ell_e / 10\\,\\text{km})` — long inter-city chords vs short urban edges.
``dens``
    :math:`\\log(1 + n)`, with *n* the number of graph nodes in the 3 × 3 block of
    0.1° cells (~30 km) around the edge's midpoint (the trip end for access times) —
    dense urban meshes vs sparse country.
``dens_wide``
    the same over the 7 × 7 block (~70 km, :data:`WIDE_RADIUS`): the size of the
    city region rather than the local mesh.
``loglen_dens``
    ``loglen · dens`` (a congestion interaction; not used by the shipped model).
``plateau``
    share of the edge's two end nodes inside a coarse polygon of the
    Qinghai–Tibet Plateau (an elevation proxy; vertices in ``road_model.json``).
``rugged``
    the same for a polygon of the Hengduan Mountains and their margins (west Sichuan,
    north-west Yunnan, south-east Tibet), where the roads wind most.
``delta``
    the same for polygons of the Pearl River and Yangtze River deltas (not used by the
    shipped model).
``xinjiang``
    the same for a box around Xinjiang (Tianshan, Tarim and Junggar margins), where the
    source's long chords cut across mountain passes.

The shipped model (road model 2) uses

* distance :math:`x_e`: ``const, dens, plateau, rugged, xinjiang``;
* speed :math:`z_e`: ``const, loglen, dens_wide, plateau``;
* access :math:`w`: ``const`` only — one access time per trip end.  With the
  cross-validated ridge, a slope on ``dens`` or ``dens_wide`` fits to ≈ 0 (and < 0
  unshrunk) and does not improve the out-of-fold error: the reference set does not
  support longer access in larger cities once the speed model has ``dens_wide``.

The variant was chosen by 5-fold cross-validation within the calibration half of
``tests/data/drive_reference.csv`` (``boundaries/cv_road_model.py``: feature sets and
ridge strength, out-of-fold log errors of km and minutes; the check half was not used
for the choice).  The coefficients are fitted by ``boundaries/fit_road_model.py`` on
the whole calibration half (robust least squares on pair-level log ratios with a
ridge on the non-constant coefficients, per-edge factors accumulated along the
shortest path, path → fit → path iterated) and shipped in
``geoaggl/data/road_model.json`` together with the figures measured on both halves.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "access_features",
    "access_minutes",
    "apply_road_model",
    "edge_features",
    "load_params",
    "node_density",
]

_CELL_DEG = 0.1
_SPEED_CLIP = (15.0, 110.0)
#: the features of the shipped model (road model 2); ``road_model.json`` holds their coefficients
DIST_FEATURES = ("const", "dens", "plateau", "rugged", "xinjiang")
SPEED_FEATURES = ("const", "loglen", "dens_wide", "plateau")
ACCESS_FEATURES = ("const",)
#: Every feature :func:`edge_features` / :func:`access_features` computes: the coefficient names a
#: ``road_model`` may set (the fitted model uses the subsets above).
EDGE_FEATURE_NAMES = (
    "const",
    "loglen",
    "dens",
    "dens_wide",
    "loglen_dens",
    "plateau",
    "rugged",
    "delta",
    "xinjiang",
)
ACCESS_FEATURE_NAMES = ("const", "dens", "dens_wide")
#: half-width (in 0.1° cells) of the wide density block: 7 × 7 cells, ~70 km
WIDE_RADIUS = 3


@lru_cache(maxsize=1)
def _shipped() -> dict[str, Any]:
    text = resources.files("geoaggl.data").joinpath("road_model.json").read_text(encoding="utf-8")
    return json.loads(text)


def load_params() -> dict[str, Any]:
    """The shipped model (a fresh copy): coefficients, plateau polygon and fit report."""
    return json.loads(json.dumps(_shipped()))


def _params(params: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return _shipped() if params is None else params


# --------------------------------------------------------------------------- features
def _cells(lon: NDArray[np.float64], lat: NDArray[np.float64]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    return np.floor(lon / _CELL_DEG).astype(np.int64), np.floor(lat / _CELL_DEG).astype(np.int64)


def _key(cx: NDArray[np.int64], cy: NDArray[np.int64]) -> NDArray[np.int64]:
    return (cx + 4000) * 10000 + (cy + 1000)


def _block_counts(
    node_lon: NDArray[np.float64], node_lat: NDArray[np.float64], radius: int = 1
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Sorted cell keys and, per key, the node count of its block of (2·radius + 1)² cells."""
    cx, cy = _cells(node_lon, node_lat)
    keys, counts = np.unique(_key(cx, cy), return_counts=True)
    kx, ky = keys // 10000 - 4000, keys % 10000 - 1000
    block = np.zeros(keys.size, np.int64)
    for dx in range(-radius, radius + 1):
        for dy in range(-radius, radius + 1):
            block += _lookup(keys, counts, _key(kx + dx, ky + dy))
    return keys, block


def _lookup(
    keys: NDArray[np.int64], values: NDArray[np.int64], query: NDArray[np.int64]
) -> NDArray[np.int64]:
    pos = np.clip(np.searchsorted(keys, query), 0, keys.size - 1)
    return np.where(keys[pos] == query, values[pos], 0)


#: per radius: (node_lon, node_lat, keys, block) of the last graph seen
_LAST_BLOCKS: dict[int, tuple[Any, Any, NDArray[np.int64], NDArray[np.int64]]] = {}


def _blocks_for(
    node_lon: ArrayLike, node_lat: ArrayLike, radius: int = 1
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """:func:`_block_counts`, remembered for the last pair of node arrays (the bundled graph's)."""
    last = _LAST_BLOCKS.get(radius)
    if last is not None and last[0] is node_lon and last[1] is node_lat:
        return last[2], last[3]
    keys, block = _block_counts(np.asarray(node_lon, np.float64), np.asarray(node_lat, np.float64), radius)
    _LAST_BLOCKS[radius] = (node_lon, node_lat, keys, block)
    return keys, block


def node_density(
    lon: ArrayLike, lat: ArrayLike, node_lon: ArrayLike, node_lat: ArrayLike, *, radius: int = 1
) -> NDArray[np.float64]:
    """:math:`\\log(1 + n)`, *n* = graph nodes in the block of (2·radius + 1)² 0.1° cells around each point.

    ``radius=1`` is the 3 × 3 block (~30 km), ``radius=WIDE_RADIUS`` the wide block.
    """
    keys, block = _blocks_for(node_lon, node_lat, radius)
    cx, cy = _cells(np.asarray(lon, np.float64), np.asarray(lat, np.float64))
    return np.log1p(_lookup(keys, block, _key(cx, cy)).astype(np.float64))


def _inside(
    lon: NDArray[np.float64], lat: NDArray[np.float64], polygon: list[list[float]]
) -> NDArray[np.bool_]:
    """Even-odd point-in-polygon test, vectorised over points (polygon as [[lon, lat], ...])."""
    poly = np.asarray(polygon, np.float64)
    x0, y0 = poly[:, 0], poly[:, 1]
    x1, y1 = np.roll(x0, -1), np.roll(y0, -1)
    inside = np.zeros(lon.shape, bool)
    for a, b, c, d in zip(x0, y0, x1, y1, strict=True):
        crosses = (b > lat) != (d > lat)
        with np.errstate(divide="ignore", invalid="ignore"):
            xint = a + (lat - b) * (c - a) / (d - b)
        inside ^= crosses & (lon < xint)
    return inside


def edge_features(
    u: ArrayLike,
    v: ArrayLike,
    length_m: ArrayLike,
    node_lon: ArrayLike,
    node_lat: ArrayLike,
    *,
    params: Mapping[str, Any] | None = None,
) -> dict[str, NDArray[np.float64]]:
    """Per-edge feature arrays.

    ``const, loglen, dens, dens_wide, loglen_dens, plateau, rugged, delta, xinjiang``.
    """
    p = _params(params)
    ui, vi = np.asarray(u, np.int64), np.asarray(v, np.int64)
    lon, lat = np.asarray(node_lon, np.float64), np.asarray(node_lat, np.float64)
    km = np.asarray(length_m, np.float64) / 1000.0
    on_plateau = _inside(lon, lat, p["plateau_polygon"]).astype(np.float64)
    on_rugged = _inside(lon, lat, p["rugged_polygon"]).astype(np.float64)
    on_xj = _inside(lon, lat, p["xinjiang_polygon"]).astype(np.float64)
    on_delta = np.zeros(lon.size)
    for poly in p["delta_polygons"]:
        on_delta = np.maximum(on_delta, _inside(lon, lat, poly))
    mid_lon, mid_lat = (lon[ui] + lon[vi]) / 2.0, (lat[ui] + lat[vi]) / 2.0
    loglen = np.log1p(km / 10.0)
    dens = node_density(mid_lon, mid_lat, lon, lat)
    return {
        "const": np.ones(km.size),
        "loglen": loglen,
        "dens": dens,
        "dens_wide": node_density(mid_lon, mid_lat, lon, lat, radius=WIDE_RADIUS),
        "loglen_dens": loglen * dens,
        "plateau": (on_plateau[ui] + on_plateau[vi]) / 2.0,
        "rugged": (on_rugged[ui] + on_rugged[vi]) / 2.0,
        "delta": (on_delta[ui] + on_delta[vi]) / 2.0,
        "xinjiang": (on_xj[ui] + on_xj[vi]) / 2.0,
    }


def _linear(feat: Mapping[str, NDArray[np.float64]], coef: Mapping[str, float]) -> NDArray[np.float64]:
    out = np.zeros(next(iter(feat.values())).size)
    for name, c in coef.items():
        out += float(c) * feat[name]
    return out


def detour_factor(feat: Mapping[str, NDArray[np.float64]], coef: Mapping[str, float]) -> NDArray[np.float64]:
    """:math:`f_e = \\max(1, \\exp(\\beta \\cdot x_e))`."""
    return np.maximum(1.0, np.exp(_linear(feat, coef)))


def speed_kph(feat: Mapping[str, NDArray[np.float64]], coef: Mapping[str, float]) -> NDArray[np.float64]:
    """:math:`v_e = \\exp(\\gamma \\cdot z_e)` km/h, clipped to 15–110."""
    return np.clip(np.exp(_linear(feat, coef)), *_SPEED_CLIP)


# --------------------------------------------------------------------------- public (package) API
def apply_road_model(
    u: ArrayLike,
    v: ArrayLike,
    length_m: ArrayLike,
    node_lon: ArrayLike,
    node_lat: ArrayLike,
    *,
    connector: ArrayLike | None = None,
    params: Mapping[str, Any] | None = None,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Corrected length (m, rounded to whole metres) and travel time (s) of every edge.

    Connector edges (``connector != 0``: the Qiongzhou ferry, the Zhoushan
    bridges) keep their length (they are straight crossings); their time uses
    the speed model (the caller overrides the ferry's time).
    """
    p = _params(params)
    length = np.asarray(length_m, np.float64)
    feat = edge_features(u, v, length, node_lon, node_lat, params=p)
    f = detour_factor(feat, p["distance"])
    if connector is not None:
        f = np.where(np.asarray(connector) != 0, 1.0, f)
    corrected = np.round(length * f)  # whole metres, like the source: path sums stay exact
    return corrected, corrected / (speed_kph(feat, p["speed"]) / 3.6)


def access_features(
    lon: ArrayLike, lat: ArrayLike, node_lon: ArrayLike, node_lat: ArrayLike
) -> dict[str, NDArray[np.float64]]:
    """Per-trip-end feature arrays of the access time: ``const, dens, dens_wide``."""
    dens = node_density(lon, lat, node_lon, node_lat)
    return {
        "const": np.ones(dens.size),
        "dens": dens,
        "dens_wide": node_density(lon, lat, node_lon, node_lat, radius=WIDE_RADIUS),
    }


def access_minutes(
    lon: ArrayLike,
    lat: ArrayLike,
    node_lon: ArrayLike,
    node_lat: ArrayLike,
    *,
    params: Mapping[str, Any] | None = None,
) -> NDArray[np.float64]:
    """Urban access time (minutes, ≥ 0) at trip ends at ``lon``/``lat``: ``max(0, α · w)``."""
    feat = access_features(lon, lat, node_lon, node_lat)
    return np.maximum(0.0, _linear(feat, _params(params)["access"]))
