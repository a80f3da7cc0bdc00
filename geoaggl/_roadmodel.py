"""Calibrated distance correction and travel-time model for the bundled road graph (private).

The bundled graph (:func:`geoaggl.roads.china_highways`) is a skeleton of straight
segments: each edge is the chord between its end nodes, so road lengths run short
(most in mountains and on the plateau), and the source has no road class, so it
carries no speeds.  This module turns the edge arrays into

* a corrected length :math:`\\ell_e f_e` with a detour factor
  :math:`\\log f_e = \\beta \\cdot x_e` (clipped to :math:`f_e \\ge 1`), and
* a travel time :math:`\\ell_e f_e / v_e` with a speed
  :math:`\\log v_e = \\gamma \\cdot z_e` (clipped to 15–110 km/h),

plus an urban access time at each trip end (:func:`access_minutes`: from the seat in
the city centre onto the skeleton, which carries no urban streets).  Every feature
is derived offline from the graph arrays alone:

``loglen``
    :math:`\\log(1 + \\ell_e / 10\\,\\text{km})` — long inter-city chords vs short urban edges.
``dens``
    :math:`\\log(1 + n)`, with *n* the number of graph nodes in the 3 × 3 block of
    0.1° cells around the edge's midpoint — dense urban meshes vs sparse country.
``plateau``
    share of the edge's two end nodes inside a coarse polygon of the
    Qinghai–Tibet Plateau (an elevation proxy; vertices in ``road_model.json``).
``rugged``
    the same for a polygon of the Hengduan Mountains and their margins (west Sichuan,
    north-west Yunnan, south-east Tibet), where the roads wind most.
``delta``
    the same for polygons of the Pearl River and Yangtze River deltas, river-network
    plains where roads detour to the bridges and cities merge.
``xinjiang``
    the same for a box around Xinjiang (Tianshan, Tarim and Junggar margins), where the
    source's long chords cut across mountain passes.

The coefficients are fitted by ``boundaries/fit_road_model.py`` on the
calibration half of ``tests/data/drive_reference.csv`` (pair-level log ratios,
per-edge factors accumulated along the shortest path, path → fit → path
iterated) and shipped in ``geoaggl/data/road_model.json``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["access_minutes", "apply_road_model", "edge_features", "load_params", "node_density"]

_CELL_DEG = 0.1
_SPEED_CLIP = (15.0, 110.0)
DIST_FEATURES = ("const", "dens", "plateau", "rugged", "delta", "xinjiang")
SPEED_FEATURES = ("const", "loglen", "dens", "plateau", "rugged", "delta")
ACCESS_FEATURES = ("const", "dens")


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
    node_lon: NDArray[np.float64], node_lat: NDArray[np.float64]
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Sorted cell keys and, per key, the node count of its 3 × 3 block of cells."""
    cx, cy = _cells(node_lon, node_lat)
    keys, counts = np.unique(_key(cx, cy), return_counts=True)
    kx, ky = keys // 10000 - 4000, keys % 10000 - 1000
    block = np.zeros(keys.size, np.int64)
    for dx in (-1, 0, 1):
        for dy in (-1, 0, 1):
            block += _lookup(keys, counts, _key(kx + dx, ky + dy))
    return keys, block


def _lookup(
    keys: NDArray[np.int64], values: NDArray[np.int64], query: NDArray[np.int64]
) -> NDArray[np.int64]:
    pos = np.clip(np.searchsorted(keys, query), 0, keys.size - 1)
    return np.where(keys[pos] == query, values[pos], 0)


_LAST_BLOCKS: list[Any] = []  # (node_lon, node_lat, keys, block) of the last graph seen


def _blocks_for(node_lon: ArrayLike, node_lat: ArrayLike) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """:func:`_block_counts`, remembered for the last pair of node arrays (the bundled graph's)."""
    if _LAST_BLOCKS and _LAST_BLOCKS[0] is node_lon and _LAST_BLOCKS[1] is node_lat:
        return _LAST_BLOCKS[2], _LAST_BLOCKS[3]
    keys, block = _block_counts(np.asarray(node_lon, np.float64), np.asarray(node_lat, np.float64))
    _LAST_BLOCKS[:] = [node_lon, node_lat, keys, block]
    return keys, block


def node_density(
    lon: ArrayLike, lat: ArrayLike, node_lon: ArrayLike, node_lat: ArrayLike
) -> NDArray[np.float64]:
    """:math:`\\log(1 + n)`, *n* = graph nodes in the 3 × 3 block of 0.1° cells around each point."""
    keys, block = _blocks_for(node_lon, node_lat)
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
    """Per-edge feature arrays: ``const, loglen, dens, plateau, rugged, delta, xinjiang``."""
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
    return {
        "const": np.ones(km.size),
        "loglen": np.log1p(km / 10.0),
        "dens": node_density(mid_lon, mid_lat, lon, lat),
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


def _access(
    lon: ArrayLike, lat: ArrayLike, node_lon: ArrayLike, node_lat: ArrayLike, coef: Mapping[str, float]
) -> NDArray[np.float64]:
    dens = node_density(lon, lat, node_lon, node_lat)
    return np.maximum(0.0, _linear({"const": np.ones(dens.size), "dens": dens}, coef))


def access_minutes(
    lon: ArrayLike,
    lat: ArrayLike,
    node_lon: ArrayLike,
    node_lat: ArrayLike,
    *,
    params: Mapping[str, Any] | None = None,
) -> NDArray[np.float64]:
    """Urban access time (minutes, ≥ 0) at trip ends at ``lon``/``lat``: ``a0 + a1 · dens``."""
    return _access(lon, lat, node_lon, node_lat, _params(params)["access"])
