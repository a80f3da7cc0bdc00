r"""Road networks, road distance matrices, distance to centre and metropolitan circles.

The bundled graph is the major-road network of mainland China, Hong Kong and
Macao from ``scgraph-data`` 2.0.0 (derived from OpenStreetMap, © OpenStreetMap
contributors, ODbL 1.0; see ``geoaggl/data/NOTICE`` and
``boundaries/build_roads.py``): 119,823 nodes and 186,929 undirected edges,
with documented connectors — the Qiongzhou Strait ferry (Xuwen–Haikou), which
makes Hainan reachable; the Zhoushan Islands Link (Ningbo–Zhoushan) and the
Lantau Link (Lantau–Tsing Yi), which the source lacks; and the fixed links
between the mainland and Hong Kong / Macao (``boundaries/sar_links.csv``, the
source's own border crossings are dropped), each with its published length and
a stated crossing time (border clearance included where no time is published):

* 港珠澳大桥 (Hong Kong–Zhuhai–Macao Bridge), Hong Kong Port – Zhuhai port and
  Hong Kong Port – Macao port: 41.6 km, 45 min each (published; test66.net copy
  of the bridge entry: 香港口岸至珠澳口岸41.6千米, 驾车从香港到珠海、澳门仅需45分钟);
* 深圳湾公路大桥 (Shenzhen Bay Bridge): 5.5 km, 10 min (published; news.gov.hk
  2007-06-30);
* 皇岗 – 落马洲 (Huanggang – Lok Ma Chau): 0.9 km, 11.1 min;
* 拱北 – 关闸 (Gongbei – Portas do Cerco): 0.3 km, 10.4 min;
* 横琴 – 莲花大桥 (Hengqin – Lotus Bridge): 1.756 km (English Wikipedia), 12.1 min;

the last three have no published time: assumed the length at 50 km/h plus
10 min border clearance.  Their times do not change with ``speed_kph``.  Only 三沙 (seat on Yongxing
Island, ~390 km from the nearest road) stays unreachable.

Graphs follow osmnx's format (``networkx.MultiDiGraph``; node ``x``/``y``;
edge ``length`` in metres, ``speed_kph``, ``travel_time`` in seconds; graph
``crs``), so osmnx functions work on them, and :func:`od_matrix` accepts any
such graph.  osmnx is imported only by :func:`graph_from_osm`.

Arrays first
------------
Every computation runs on arrays: the bundled graph's shipped arrays and its
precomputed core (``boundaries/build_roads_core.py``), or the arrays read from
a user's networkx graph.  :class:`RoadGraph` (or ``None``) names the bundled
graph without building the networkx graph that :func:`china_highways` returns.

Travel modes
------------
:func:`isochrone`, :func:`metropolitan_circle` and :func:`isochrone_rings`
take ``mode="road"`` (default), ``"rail"`` (the bundled rail graph of
:mod:`geoaggl.rail`, with the access leg to the nearest rail node; every rail
node is taken as a stop, an optimistic upper bound) or ``"fastest"`` (a place
or seat is reached if either mode reaches it in time).

Caching
-------
:func:`od_matrix` caches the arrays and the distance matrices in memory and,
for the bundled graph, on disk (``geoaggl.settings.cache_dir``; switch:
``geoaggl.settings.use_cache``).  Keys are a signature of the graph's node
coordinates, arcs and weights, so editing a graph invalidates them.
"""

from __future__ import annotations

import copy
import itertools
import json
import math
import numbers
import os
import warnings
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal, overload

import numpy as np
import pandas as pd

from . import _roadmodel
from ._membership import DUPLICATES, apply_duplicates
from ._roadgraph import (
    BORDER_PENALTY,
    FERRY,
    SAR_LINK,
    CompactGraph,
    Core,
    bundled_arrays,
    core_many_to_many,
    many_to_many,
    unpenalize,
)
from ._roadmodel import access_minutes, apply_road_model
from ._validate import as_float_array, check_option, check_real
from .errors import (
    CRSError,
    DataError,
    GeoagglError,
    MissingFileError,
    OptionError,
    ParameterTypeError,
    UnknownSchemeError,
    UnreachableWarning,
    format_keys,
)

if TYPE_CHECKING:
    from pathlib import Path

    import geopandas as gpd
    import networkx as nx
    from shapely.geometry.base import BaseGeometry

__all__ = [
    "DEFAULT_FERRY_MINUTES",
    "DEFAULT_SPEED_KPH",
    "ODResult",
    "RoadGraph",
    "china_highways",
    "clear_cache",
    "distance_to_centre",
    "graph_from_osm",
    "isochrone",
    "isochrone_rings",
    "metropolitan_circle",
    "od_blocks",
    "od_matrix",
    "road_density",
    "road_model",
]


def __getattr__(name: str) -> Any:
    """``roads.china_railways`` is :func:`geoaggl.rail.china_railways` (the name issue #14 used;
    the rail graph lives in :mod:`geoaggl.rail`).  Resolved lazily: ``rail`` imports this module."""
    if name == "china_railways":
        from .rail import china_railways

        return china_railways
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


#: The former single speed of the bundled graph (km/h), kept for
#: ``china_highways(speed_kph=DEFAULT_SPEED_KPH)``.  The default is now the
#: calibrated speed model (``speed_kph=None``; see :func:`china_highways`).
DEFAULT_SPEED_KPH = 80.0
#: Default Qiongzhou Strait crossing time (minutes), sailing (~60–90 min,
#: Hai'an/Xuwen – Xiuying/Haikou) plus boarding.
DEFAULT_FERRY_MINUTES = 90.0
_STAMP = "geoaggl"
_SOURCE = "scgraph-data 2.0.0 world_highways; © OpenStreetMap contributors, ODbL 1.0"
_UNITS = {"length": ("km", 1000.0), "length_raw": ("km", 1000.0), "travel_time": ("min", 60.0)}
_CACHE_SIZE = 16
#: Points (and isochrone centres) farther than this from the nearest node are off the network.
_MAX_SNAP_KM = 30.0


# --------------------------------------------------------------------------- validation
def _positive(value: Any, name: str, where: str) -> float:
    """A finite real number > 0 (speeds, minutes, buffer widths, area units)."""
    return check_real(value, name=name, minimum=0.0, strict_min=True, where=where)


def _option(value: Any, valid: Sequence[Any], name: str, where: str) -> Any:
    """:func:`geoaggl._validate.check_option`, raising its :class:`UnknownSchemeError` subclass.

    These keywords (``rule=``) raised ``UnknownSchemeError`` before the shared
    validator existed; the subclass keeps ``except UnknownSchemeError`` working.
    """
    try:
        return check_option(value, valid, name=name, where=where)
    except UnknownSchemeError:
        raise
    except OptionError as exc:
        raise UnknownSchemeError(str(exc)) from None


def _check_bool(value: Any, name: str, where: str) -> bool:
    if not isinstance(value, bool | np.bool_):
        raise ParameterTypeError(f"{where}: {name} must be True or False; got {value!r}")
    return bool(value)


def _edge_weights(
    speed_kph: float | None = None,
    ferry_minutes: float = DEFAULT_FERRY_MINUTES,
    road_model: str | None = None,
) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """THE one place where the shipped arrays' edge weights are computed.

    Returns the undirected edges ``u``, ``v`` (int64) and ``{"length": metres (corrected),
    "length_raw": metres (the source's chords), "travel_time": seconds}`` (float64, one value
    per edge).  ``speed_kph=None`` is the calibrated road model of :mod:`geoaggl._roadmodel`; a
    number is that constant speed on the corrected lengths.  ``road_model`` is ``None`` (the
    shipped parameters, precomputed in the core file) or the canonical JSON of the merged
    parameters (:func:`_resolve_model`).  Every path — the arrays behind
    :func:`od_matrix`, :func:`china_highways`'s networkx graph, the precomputed core built by
    ``boundaries/build_roads_core.py`` — reads its weights from here, so a road model (per-edge
    detour factors, speeds by road class) is plugged in at this single point.
    """
    z = bundled_arrays()
    u = z["u"].astype(np.int64)
    v = z["v"].astype(np.int64)
    length_raw = z["length_m"].astype(np.float64)
    lon, lat = z["lon_e3"] / 1000.0, z["lat_e3"] / 1000.0
    # --- road model hook (#14): corrected lengths and calibrated speeds (geoaggl/_roadmodel.py);
    # --- a given speed_kph replaces the speeds by that constant on the corrected lengths.
    pre = _precomputed_model() if speed_kph is None and road_model is None else None
    if pre is not None:  # shipped with the core (boundaries/build_roads_core.py): no per-call model
        length, ttime = pre[0].copy(), pre[1].copy()
    else:
        params = None if road_model is None else _model_params(road_model)
        with np.errstate(over="ignore", invalid="ignore"):
            length, ttime = apply_road_model(
                u, v, length_raw, lon, lat, connector=z["connector"], params=params
            )
    if not np.isfinite(length).all():
        raise DataError(
            "china_highways: the road_model's 'distance' coefficients overflow the detour factors "
            "(non-finite corrected lengths); see roads.road_model()"
        )
    if speed_kph is not None:
        with np.errstate(divide="ignore", over="ignore"):
            ttime = length / (speed_kph / 3.6)
    # --- end of road model hook
    if not np.isfinite(ttime).all():
        raise DataError(f"china_highways: speed_kph={speed_kph!r} is so small that travel times overflow")
    ttime[z["connector"] == FERRY] = ferry_minutes * 60.0
    fixed = z["fixed_s"] >= 0  # Hong Kong / Macao links: their stated crossing time, any speed_kph
    ttime[fixed] = z["fixed_s"][fixed]
    return u, v, {"length": length, "length_raw": length_raw, "travel_time": ttime}


# --------------------------------------------------------------------------- road model parameters
#: The coefficient groups of the road model (merged coefficient by coefficient).
_MODEL_GROUPS = ("distance", "speed", "access")
#: Descriptive entries of ``road_model.json``: accepted in ``road_model=`` and ignored.
_MODEL_META = ("model", "fitted_by", "fit")
#: The features each coefficient group may use (``geoaggl._roadmodel``'s feature lists).
_GROUP_FEATURES = {
    "distance": "EDGE_FEATURE_NAMES",
    "speed": "EDGE_FEATURE_NAMES",
    "access": "ACCESS_FEATURE_NAMES",
}


def road_model() -> dict[str, Any]:
    r"""The shipped parameters of the bundled graph's road model (a fresh copy to inspect or edit).

    The bundled graph (:func:`china_highways`) is a skeleton of straight chords between nodes
    without road classes; its corrected ``length``, its ``travel_time`` and the urban access
    time :func:`od_matrix` adds come from a model with three groups of coefficients, each a
    ``{feature: coefficient}`` mapping:

    ``"distance"`` (:math:`\beta`)
        The detour factor of edge *e*, :math:`f_e = \max(1, \exp(\beta\cdot x_e))`, multiplies
        its chord :math:`\ell_e` (the Qiongzhou ferry, the Zhoushan and Hong Kong / Macao links
        keep theirs); shipped features ``const``, ``dens``, ``plateau``, ``rugged``,
        ``xinjiang``.
    ``"speed"`` (:math:`\gamma`)
        The speed :math:`v_e = \exp(\gamma\cdot z_e)` km/h, clipped to 15–110 km/h, so
        :math:`t_e = \ell_e f_e / (v_e / 3.6)` seconds; shipped features ``const``, ``loglen``,
        ``dens_wide``, ``plateau``.
    ``"access"`` (:math:`a_0, a_1, \dots`)
        The urban access time at each end of a ``travel_time`` trip,
        :math:`\max(0,\ a_0 + a_1 w_1 + \dots)` minutes; shipped: ``const`` only (12.8 min).

    The features of an edge (any of them may be given a coefficient): ``const`` = 1;
    ``loglen`` = :math:`\log(1 + \ell_e / 10\,\text{km})`; ``dens`` = :math:`\log(1 + n)`, *n*
    the graph nodes in the 3 × 3 block of 0.1° cells around the edge's midpoint (around the
    trip end for ``"access"``); ``dens_wide`` the same over the 7 × 7 block; ``loglen_dens`` =
    ``loglen · dens``; ``plateau``, ``rugged``, ``delta``, ``xinjiang`` = the share (0, ½ or 1)
    of the edge's two end nodes inside the polygons ``"plateau_polygon"`` (Qinghai–Tibet
    Plateau), ``"rugged_polygon"`` (Hengduan Mountains), ``"delta_polygons"`` (Pearl and
    Yangtze River deltas) and ``"xinjiang_polygon"``, each a list of ``[lon, lat]`` vertices.
    ``"access"`` takes ``const``, ``dens`` and ``dens_wide``.  ``"model"``, ``"fitted_by"`` and
    ``"fit"`` (the fit report: sample sizes and medians on the calibration and check halves)
    describe the fit.

    Pass a modified copy, or only the entries to change, as ``road_model=`` to
    :func:`china_highways` or :class:`RoadGraph`: entries are merged over these key by key and,
    within a coefficient group, coefficient by coefficient.

    Returns
    -------
    dict
        A new deep copy on every call: ``"distance"``, ``"speed"``, ``"access"`` (dicts of
        floats), the polygons, ``"model"``, ``"fitted_by"`` and ``"fit"``.  Editing it changes
        nothing until it is passed as ``road_model=``.

    See Also
    --------
    china_highways : The graph whose weights these parameters give.

    Notes
    -----
    The coefficients were fitted by robust (soft-L1) least squares on pair-level log ratios of
    modelled to published seat-to-seat driving distances and times, the per-edge factors
    accumulated along the shortest paths and the paths recomputed between rounds.

    References
    ----------
    OpenStreetMap contributors. OpenStreetMap, https://www.openstreetmap.org,
    licensed under the Open Database Licence (ODbL) 1.0.

    Branch, M. A., Coleman, T. F. and Li, Y. (1999). A subspace, interior, and conjugate
    gradient method for large-scale bound-constrained minimization problems. *SIAM Journal on
    Scientific Computing*, 21(1), 1-23 (the trust-region least squares of the fit).

    Examples
    --------
    >>> from geoaggl import roads
    >>> m = roads.road_model()
    >>> sorted(m["access"]), "plateau" in m["distance"]
    (['const'], True)
    >>> m["speed"]["const"] -= 0.1  # every unclipped speed x exp(-0.1), about 10 % slower
    >>> g = roads.RoadGraph(road_model={"speed": {"const": m["speed"]["const"]}})
    >>> list(g.road_model["speed"])
    ['const']
    >>> roads.road_model()["speed"]["const"] == m["speed"]["const"] + 0.1  # a fresh copy
    True
    """
    return _roadmodel.load_params()


def _allowed_features(group: str, shipped: Mapping[str, Any]) -> tuple[str, ...]:
    listed = tuple(getattr(_roadmodel, _GROUP_FEATURES[group], ()))
    return tuple(dict.fromkeys([*listed, *shipped[group]]))


def _model_group(group: str, value: Any, shipped: Mapping[str, Any], where: str) -> dict[str, float]:
    """The shipped coefficients of ``group`` with the caller's merged over them, checked."""
    name = f"road_model[{group!r}]"
    if not isinstance(value, Mapping):
        raise ParameterTypeError(
            f"{where}: {name} must be a mapping of coefficients such as {{'const': 1.0}}; "
            f"got {type(value).__name__}"
        )
    allowed = _allowed_features(group, shipped)
    unknown = [c for c in value if c not in allowed]
    if unknown:
        raise OptionError(
            f"{where}: unknown coefficient(s) {format_keys(unknown)} in {name}; "
            f"allowed: {', '.join(map(repr, allowed))}"
        )
    given = {c: check_real(x, name=f"{name}[{c!r}]", where=where) for c, x in value.items()}
    merged = {str(c): float(x) for c, x in shipped[group].items()} | given
    # the shipped order, then the allowed one: the model sums its terms in this order, so equal
    # coefficients give bit-identical weights whatever order the caller wrote them in
    order = dict.fromkeys([*shipped[group], *allowed])
    return {c: merged[c] for c in order if c in merged}


def _model_polygon(value: Any, name: str, where: str) -> list[list[float]]:
    """A polygon as ``[[lon, lat], ...]`` (at least 3 vertices, finite degrees)."""
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if not isinstance(value, list | tuple):
        raise ParameterTypeError(f"{where}: {name} must be a list of [lon, lat] vertices; got {value!r:.80}")
    if len(value) < 3:
        raise DataError(f"{where}: {name} needs at least 3 [lon, lat] vertices; got {value!r:.80}")
    out = []
    for i, p in enumerate(value):
        if isinstance(p, np.ndarray):
            p = p.tolist()
        if not isinstance(p, list | tuple) or len(p) != 2:
            raise ParameterTypeError(f"{where}: {name}[{i}] must be a [lon, lat] pair; got {p!r:.80}")
        out.append(
            [
                check_real(p[0], name=f"{name}[{i}][0]", minimum=-180.0, maximum=180.0, where=where),
                check_real(p[1], name=f"{name}[{i}][1]", minimum=-90.0, maximum=90.0, where=where),
            ]
        )
    return out


def _model_entry(key: str, value: Any, shipped: Mapping[str, Any], where: str) -> Any:
    """One checked top-level entry of ``road_model=`` (a coefficient group, a polygon or polygons)."""
    name = f"road_model[{key!r}]"
    if key in _MODEL_GROUPS:
        return _model_group(key, value, shipped, where)
    if key.endswith("_polygons"):
        if isinstance(value, np.ndarray):
            value = value.tolist()
        if not isinstance(value, list | tuple):
            raise ParameterTypeError(
                f"{where}: {name} must be a list of polygons; got {type(value).__name__}"
            )
        return [_model_polygon(p, f"{name}[{i}]", where) for i, p in enumerate(value)]
    if key.endswith("_polygon"):
        return _model_polygon(value, name, where)
    try:  # an entry of a later model version: plain JSON data
        return json.loads(json.dumps(value, allow_nan=False))
    except (TypeError, ValueError):
        raise DataError(
            f"{where}: {name} must be plain JSON data without NaN/inf; got {value!r:.80}"
        ) from None


def _resolve_model(road_model: Any, where: str) -> tuple[dict[str, Any] | None, str | None]:
    """Check ``road_model=`` and merge it over the shipped parameters.

    Returns the entries that differ from the shipped ones (``None`` if none does) and the
    canonical JSON of the merged parameters, keys in the shipped file's order (the cache key;
    ``None`` for the shipped model, whose weights are precomputed).  The descriptive entries
    (``model``, ``fitted_by``, ``fit``) are accepted and ignored.
    """
    if road_model is None:
        return None, None
    if not isinstance(road_model, Mapping):
        raise ParameterTypeError(
            f"{where}: road_model must be a mapping such as {{'speed': {{'const': 4.5}}}} "
            f"(see roads.road_model()) or None; got {type(road_model).__name__}"
        )
    shipped = _roadmodel.load_params()
    unknown = [k for k in road_model if k not in shipped]
    if unknown:
        raise OptionError(
            f"{where}: unknown road_model key(s) {format_keys(unknown)}; "
            f"allowed: {', '.join(map(repr, shipped))}"
        )
    merged = {k: v for k, v in shipped.items() if k not in _MODEL_META}
    for key, value in road_model.items():
        if key not in _MODEL_META:
            merged[key] = _model_entry(key, value, shipped, where)
    changed: dict[str, Any] = {}
    for key, value in merged.items():
        if key in _MODEL_GROUPS:
            diff = {c: x for c, x in value.items() if x != shipped[key].get(c)}
            if diff:
                changed[key] = diff
        elif value != shipped[key]:
            changed[key] = value
    if not changed:
        return None, None
    # canonical: keys in the shipped file's order (coefficients: _model_group's), never the caller's
    return changed, json.dumps(merged, separators=(",", ":"), allow_nan=False)


@lru_cache(maxsize=8)
def _model_params(key: str | None) -> dict[str, Any]:
    """The merged parameters behind a :func:`_resolve_model` key (``None``: the shipped ones).

    Shared between callers: read only."""
    return _roadmodel.load_params() if key is None else json.loads(key)


def _inputs_signature() -> str:
    """SHA-1 of what the road model's edge weights are computed from (the shipped graph arrays
    and ``road_model.json`` without its ``"fit"`` report, which no weight depends on); keys the
    precomputed weights in the core file."""
    import hashlib
    import json
    from importlib import resources

    data = resources.files("geoaggl") / "data"
    model = json.loads((data / "road_model.json").read_text(encoding="utf-8"))
    model.pop("fit", None)
    h = hashlib.sha1()
    h.update((data / "china_highways.npz").read_bytes())
    h.update(json.dumps(model, sort_keys=True, ensure_ascii=True).encode("ascii"))
    return h.hexdigest()


def _precomputed_model() -> tuple[np.ndarray, np.ndarray] | None:
    """The road model's corrected lengths and travel times per edge as shipped in the core file
    (``edge_length``, ``edge_travel_time``), or ``None`` when the file is missing or was built from
    other inputs.  ``tests/test_roads.py`` checks that they equal :func:`apply_road_model`'s output."""
    z = _core_file()
    if z is None or "inputs_sig" not in z or str(z["inputs_sig"]) != _inputs_signature():
        return None
    return z["edge_length"], z["edge_travel_time"]


def _weight_signature(u: np.ndarray, v: np.ndarray, w: np.ndarray) -> str:
    """SHA-1 of undirected edges and their weights (keys the precomputed core)."""
    import hashlib

    h = hashlib.sha1()
    for arr, dt in ((u, np.int64), (v, np.int64), (w, np.float64)):
        h.update(np.ascontiguousarray(arr, dtype=dt).tobytes())
    return h.hexdigest()


def _arc_signature(
    lon: np.ndarray, lat: np.ndarray, tail: np.ndarray, head: np.ndarray, w: np.ndarray
) -> str:
    """Cheap but exact signature of a graph for one weight: node count, coordinates and every arc
    with its weight, in a canonical (sorted) order — any edit of a weight, an arc or a node
    coordinate changes it, so caches keyed by it are never stale."""
    import hashlib

    order = np.lexsort((w, head, tail))
    h = hashlib.sha1(str((lon.size, tail.size)).encode())
    for arr in (lon, lat, tail[order], head[order], w[order]):
        h.update(np.ascontiguousarray(arr, dtype=np.float64).tobytes())
    return h.hexdigest()


def _bundled_compact(
    speed_kph: float | None, ferry_minutes: float, road_model: str | None = None
) -> CompactGraph:
    """The bundled arrays with these weights (``road_model``: a :func:`_resolve_model` key), cached:
    one graph per parameters however they are passed (``lru_cache`` keys ``f(a, b)`` and
    ``f(a, b, None)`` apart)."""
    return _bundled_compact_cached(speed_kph, ferry_minutes, road_model)


@lru_cache(maxsize=4)
def _bundled_compact_cached(
    speed_kph: float | None, ferry_minutes: float, road_model: str | None
) -> CompactGraph:
    z = bundled_arrays()
    u, v, w = _edge_weights(speed_kph, ferry_minutes, road_model)
    n = z["lat_e3"].size
    comp = CompactGraph(
        lon=z["lon_e3"] / 1000.0,
        lat=z["lat_e3"] / 1000.0,
        tail=np.r_[u, v],
        head=np.r_[v, u],
        weights={k: np.r_[x, x] for k, x in w.items()},
        labels=np.arange(n),
        name="china_highways",
        border=np.r_[_border_edges(), _border_edges()],
    )
    comp.edge_sig = {k: _weight_signature(u, v, _routing(x)) for k, x in w.items()}  # type: ignore[attr-defined]
    return comp


def _border_edges() -> np.ndarray:
    """Edges that cross a border (the Hong Kong / Macao fixed links), per undirected edge."""
    return np.asarray(bundled_arrays()["connector"] == SAR_LINK)


def _routing(w: np.ndarray) -> np.ndarray:
    """Edge weights as routed (and as the shipped core holds them): :data:`BORDER_PENALTY` added to
    the border edges, so that no mainland route passes through Hong Kong or Macao."""
    return w + np.where(_border_edges(), BORDER_PENALTY, 0.0)


def _bundled_signature(comp: CompactGraph, weight: str) -> str:
    """:func:`_arc_signature` of the bundled arrays (what its networkx graph hashes to), cached."""
    sigs = comp.__dict__.setdefault("arc_sig", {})
    if weight not in sigs:
        sigs[weight] = _arc_signature(comp.lon, comp.lat, comp.tail, comp.head, comp.weights[weight])
    return str(sigs[weight])


class _LazyArrays(Mapping[str, np.ndarray]):
    """The members of an ``.npz`` file, each read (and decompressed) on first access, then kept:
    a length OD never reads the travel-time core."""

    def __init__(self, path: Any) -> None:
        self._path = path
        with np.load(path, allow_pickle=False) as z:
            self._names = list(z.files)
        self._arrays: dict[str, np.ndarray] = {}

    def __getitem__(self, key: str) -> np.ndarray:
        if key not in self._arrays:
            if key not in self._names:
                raise KeyError(key)
            with np.load(self._path, allow_pickle=False) as z:
                self._arrays[key] = z[key]
        return self._arrays[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


@lru_cache(maxsize=1)
def _core_file() -> Mapping[str, np.ndarray] | None:
    from importlib import resources

    path = resources.files("geoaggl") / "data" / "china_highways_core.npz"
    try:
        with resources.as_file(path) as p:
            if not p.is_file():
                return None
            return _LazyArrays(p)
    except (OSError, ValueError):  # not built: od_matrix reduces the graph per call instead
        return None


def _bundled_core(comp: CompactGraph, weight: str) -> Core | None:
    """The shipped precomputed core for ``weight`` when it was built from exactly these weights."""
    sig = getattr(comp, "edge_sig", {}).get(weight)
    cores = comp.__dict__.setdefault("cores", {})
    if weight in cores:
        return cores[weight]
    cores[weight] = None  # while it is worked out (the replay looks up the default graph's core)
    z = _core_file()
    core = None
    if sig is not None and z is not None and f"{weight}_sig" in z and str(z[f"{weight}_sig"]) == sig:
        up = z[f"{weight}_up"]
        core = Core(
            n=int(z["n"]),
            core_nodes=z["core_nodes"].astype(np.int64),
            core_indptr=z[f"{weight}_indptr"],
            core_indices=z[f"{weight}_indices"],
            core_data=z[f"{weight}_data"],
            up_ptr=z["up_ptr"].astype(np.int64),
            up_idx=z["up_idx"].astype(np.int64),
            up_out=up,
            up_in=up,
            height=z["height"].astype(np.int64),
        )
    if core is None and sig is not None and z is not None:
        core = _replayed_core(comp, weight)
    cores[weight] = core
    return core


def _replayed_core(comp: CompactGraph, weight: str) -> Core | None:
    """The shipped contraction replayed with this graph's own ``weight`` (a custom ``speed_kph``,
    ``ferry_minutes`` or road model on the bundled topology), with the compiled kernel; None
    without it (then :func:`od_matrix` reduces the graph per call)."""
    from . import _odkernel

    if not _odkernel.available():
        return None
    base = _bundled_core(_bundled_compact(None, DEFAULT_FERRY_MINUTES), "length")
    if base is None or base.n != comp.n:
        return None
    w = comp.weights[weight]
    if comp.border is not None:
        w = w + np.where(comp.border, BORDER_PENALTY, 0.0)
    return _odkernel.replay(base, comp.tail, comp.head, w)


class RoadGraph:
    """A lightweight handle on the bundled road graph: arrays only, no networkx.

    Pass it wherever a graph is expected (:func:`od_matrix`, :func:`isochrone`,
    :func:`metropolitan_circle`, :func:`geoaggl.weights.road`): it takes the fast path over the
    shipped arrays and their precomputed core without building the 373,858-arc networkx graph
    that :func:`china_highways` returns.  ``od_matrix(None, ...)`` uses the default handle.

    Parameters
    ----------
    speed_kph : float, optional
        Constant speed on every road edge; default None, the calibrated speed model.
    ferry_minutes : float, default :data:`DEFAULT_FERRY_MINUTES` (90)
        As in :func:`china_highways`.
    road_model : mapping, optional
        Road-model parameters merged over the shipped ones, as in :func:`china_highways`
        (see :func:`road_model`).  Kept as the attribute ``road_model``: the entries that
        differ from the shipped model (``None`` when none does).

    Raises
    ------
    DataError
        ``speed_kph`` or ``ferry_minutes`` not finite and > 0; a ``road_model`` coefficient
        that is NaN or infinite.
    ParameterTypeError
        A parameter that is not a number; ``road_model`` (or one of its groups) not a mapping.
    OptionError
        An unknown ``road_model`` key or coefficient (the message lists the allowed ones).

    References
    ----------
    OpenStreetMap contributors. OpenStreetMap, https://www.openstreetmap.org,
    licensed under the Open Database Licence (ODbL) 1.0.

    Geisberger, R., Sanders, P., Schultes, D. and Delling, D. (2008). Contraction
    hierarchies: faster and simpler hierarchical routing in road networks. *WEA 2008*,
    LNCS 5038, 319-333 (the precomputed core behind :func:`od_matrix`).

    Examples
    --------
    >>> import geoaggl
    >>> from geoaggl import roads
    >>> g = roads.RoadGraph()
    >>> g.n_nodes, g.n_edges
    (119823, 186929)
    >>> od = roads.od_matrix(g, geoaggl.prefectures().loc[["110100", "120100"]])
    >>> round(float(od.loc["110100", "120100"]))
    141
    >>> roads.RoadGraph(road_model={"access": {"const": 10.0}})
    RoadGraph(speed_kph=None, ferry_minutes=90.0, road_model={'access': {'const': 10.0}})
    """

    def __init__(
        self,
        *,
        speed_kph: float | None = None,
        ferry_minutes: float = DEFAULT_FERRY_MINUTES,
        road_model: Mapping[str, Any] | None = None,
    ) -> None:
        self.speed_kph = None if speed_kph is None else _positive(speed_kph, "speed_kph", "RoadGraph")
        self.ferry_minutes = _positive(ferry_minutes, "ferry_minutes", "RoadGraph")
        self._road_model, self._model_key = _resolve_model(road_model, "RoadGraph")

    def __repr__(self) -> str:
        return (
            f"RoadGraph(speed_kph={self.speed_kph!r}, ferry_minutes={self.ferry_minutes!r}, "
            f"road_model={self._road_model!r})"
        )

    @property
    def road_model(self) -> dict[str, Any] | None:
        """The road-model entries that differ from the shipped ones (a copy), or ``None``."""
        return copy.deepcopy(self._road_model)

    @property
    def n_nodes(self) -> int:
        """Number of nodes (119,823)."""
        return int(bundled_arrays()["lat_e3"].size)

    @property
    def n_edges(self) -> int:
        """Number of undirected edges (186,929)."""
        return int(bundled_arrays()["u"].size)

    def to_networkx(self) -> nx.MultiDiGraph:
        """The osmnx-format graph (:func:`china_highways` with these parameters).

        Returns
        -------
        networkx.MultiDiGraph
            A new graph (about 2 s to build), see :func:`china_highways`.

        Examples
        --------
        >>> from geoaggl import roads
        >>> G = roads.RoadGraph(speed_kph=60).to_networkx()  # doctest: +SKIP
        """
        return china_highways(
            speed_kph=self.speed_kph, ferry_minutes=self.ferry_minutes, road_model=self._road_model
        )

    def _compact(self) -> CompactGraph:
        return _bundled_compact(self.speed_kph, self.ferry_minutes, self._model_key)


def china_highways(
    *,
    speed_kph: float | None = None,
    ferry_minutes: float = DEFAULT_FERRY_MINUTES,
    road_model: Mapping[str, Any] | None = None,
) -> nx.MultiDiGraph:
    r"""Mainland China's major-road network as an osmnx-style graph (bundled, offline).

    Parameters
    ----------
    speed_kph : float or None, default None
        ``None``: the calibrated speed model (below).  A number: that constant
        speed (km/h) on every road edge (and the Zhoushan and Lantau links), as in
        earlier versions (``DEFAULT_SPEED_KPH`` = 80 was the default).
    ferry_minutes : float, default :data:`DEFAULT_FERRY_MINUTES` (90)
        Crossing time of the Qiongzhou Strait ferry, minutes.  The Hong Kong /
        Macao fixed links keep their stated crossing times (module docstring).
    road_model : mapping, optional
        Parameters of the road model (Notes) to use instead of the shipped ones
        (:func:`road_model` returns them): merged over them key by key and, for the
        coefficient groups ``"distance"``, ``"speed"`` and ``"access"``, coefficient by
        coefficient, so ``{"speed": {"const": 4.5}}`` changes one coefficient and keeps the
        rest.  With a number for ``speed_kph`` only the speeds are replaced: the
        ``"distance"`` part still gives the lengths.  The ``"access"`` coefficients give the
        access time :func:`od_matrix`, :func:`metropolitan_circle` and
        :func:`isochrone_rings` add on this graph.  Default None: the shipped model.

    Returns
    -------
    networkx.MultiDiGraph
        A new graph on every call (built in ~2 s from the arrays), so it may be
        edited freely; the library itself never needs it — pass a
        :class:`RoadGraph` (or ``None``) to skip building it.  119,823 nodes (labels ``0..n-1``) with ``x``
        (longitude), ``y`` (latitude, WGS84) and ``street_count``; every
        undirected edge as two arcs (key 0) with ``length`` (metres, corrected,
        see Notes), ``length_raw`` (metres, the source's chord), ``speed_kph``
        and ``travel_time`` (seconds),
        :math:`t = \frac{\text{length}}{\text{speed\_kph} / 3.6}`.
        The ferry arcs carry ``ferry=True``, ``name`` and
        ``travel_time = 60 · ferry_minutes`` (their ``speed_kph`` is the
        implied average); the other connector arcs (Zhoushan and Lantau links,
        Hong Kong / Macao links, whose ``travel_time`` is the stated crossing
        time and ``length`` the published length) carry ``name``.  Graph
        attributes: ``crs="EPSG:4326"``, ``name``, ``source`` (licence) and
        ``geoaggl`` (the parameters, ``road_model`` as the entries that differ
        from the shipped model, used by :func:`od_matrix` to take a fast path over
        the cached arrays).

    Raises
    ------
    DataError
        ``speed_kph`` or ``ferry_minutes`` not finite and > 0; a ``road_model``
        coefficient that is NaN or infinite, or so large that the lengths overflow.
    ParameterTypeError
        A parameter that is not a number; ``road_model`` (or one of its groups or
        polygons) of the wrong type.
    OptionError
        An unknown ``road_model`` key or coefficient (the message lists the allowed ones).

    Notes
    -----
    The source's edges are straight chords between nodes rounded to 0.001°
    (``length_raw``), so its road km run short (median 0.90 of published
    driving distances on the reference set, 0.7–0.8 in the Hengduan Mountains).
    ``length`` is corrected by a detour factor per edge,
    :math:`\log f_e = \beta\cdot x_e` (:math:`f_e \ge 1`), and the default
    speeds are :math:`\log v_e = \gamma\cdot z_e` (15–110 km/h); the
    features are the edge's length, the node density around it, and whether
    it lies on the Qinghai–Tibet Plateau, in the Hengduan Mountains or in
    Xinjiang.  :func:`od_matrix` adds an urban access time (12.8 min) at both
    ends of a ``travel_time`` trip (calibrated model only).  The feature sets
    were chosen by cross-validation (``boundaries/cv_road_model.py``) and the
    coefficients fitted (``boundaries/fit_road_model.py``) on the
    calibration half (47 pairs) of the first 88 published seat-to-seat driving
    distances and times (``tests/data/drive_reference.csv``, 124 pairs now);
    the README states the figures measured on the check half.
    :func:`od_matrix` reads the graph's arcs on every call and compares a
    signature of them with the shipped arrays': an unedited graph takes the
    fast path, an edited one is solved as it is (caches are keyed by that
    signature, so an edit never returns a stale distance).

    References
    ----------
    OpenStreetMap contributors. OpenStreetMap, https://www.openstreetmap.org,
    licensed under the Open Database Licence (ODbL) 1.0.

    Boeing, G. (2017). OSMnx: new methods for acquiring, constructing,
    analyzing, and visualizing complex street networks. *Computers, Environment and
    Urban Systems*, 65, 126-139.

    Examples
    --------
    >>> G = china_highways()                      # doctest: +SKIP
    >>> od = od_matrix(G, geoaggl.prefectures())  # doctest: +SKIP
    >>> slow = china_highways(road_model={"speed": {"const": 4.5}})  # doctest: +SKIP
    """
    import networkx as nx

    where = "china_highways"
    if speed_kph is not None:
        speed_kph = _positive(speed_kph, "speed_kph", where)
    ferry_minutes = _positive(ferry_minutes, "ferry_minutes", where)
    changed, model_key = _resolve_model(road_model, where)
    z = bundled_arrays()
    comp = _bundled_compact(speed_kph, ferry_minutes, model_key)
    n = comp.n
    m = z["u"].size
    u = z["u"].tolist()
    v = z["v"].tolist()
    ttime = comp.weights["travel_time"][:m].tolist()
    kind = z["connector"]
    deg = np.bincount(np.r_[z["u"], z["v"]], minlength=n).tolist()
    lon = comp.lon.tolist()
    lat = comp.lat.tolist()
    meta = [str(s) for s in z["meta"]]
    length = comp.weights["length"][:m].tolist()
    length_raw = comp.weights["length_raw"][:m].tolist()
    G = nx.MultiDiGraph(
        crs="EPSG:4326",
        name="china_highways",
        source=_SOURCE,
        notes=meta,
        **{
            _STAMP: {
                "graph": "china_highways",
                "speed_kph": speed_kph,
                "ferry_minutes": ferry_minutes,
                "road_model": changed,
                "nodes": n,
                "edges": m,
            }
        },
    )
    G.add_nodes_from((i, {"x": lon[i], "y": lat[i], "street_count": deg[i]}) for i in range(n))
    special = {int(i): int(kind[i]) for i in np.flatnonzero(kind != 0)}
    names = {int(e): str(nm) for e, nm in zip(z["link_edge"], z["link_name"], strict=True)}

    def arcs() -> Any:
        for i, (a, b, ln, lr, tt) in enumerate(zip(u, v, length, length_raw, ttime, strict=True)):
            if i in special:
                attrs: dict[str, Any] = {
                    "length": ln,
                    "length_raw": lr,
                    "speed_kph": ln / tt * 3.6,
                    "travel_time": tt,
                    "name": names[i],
                }
                if special[i] == FERRY:
                    attrs["ferry"] = True
                yield a, b, 0, attrs
                yield b, a, 0, dict(attrs)
            else:
                kph = ln / tt * 3.6 if speed_kph is None else speed_kph
                yield a, b, 0, {"length": ln, "length_raw": lr, "speed_kph": kph, "travel_time": tt}
                yield b, a, 0, {"length": ln, "length_raw": lr, "speed_kph": kph, "travel_time": tt}

    _add_arcs(G, arcs())
    return G


def _add_arcs(G: nx.MultiDiGraph, arcs: Iterable[tuple[int, int, int, dict[str, Any]]]) -> None:
    """``G.add_edges_from(arcs)`` for arcs between existing nodes, writing networkx's adjacency
    dicts directly (``_succ``/``_pred`` share one key dict per pair, as networkx's own
    ``add_edge`` does): china_highways takes about a fifth less time (1.9 s instead of 2.3 s).
    ``tests/test_roads.py`` checks the result equals ``add_edges_from``'s."""
    succ, pred = G._succ, G._pred
    for a, b, key, attrs in arcs:
        keydict = succ[a].get(b)
        if keydict is None:
            keydict = succ[a][b] = {}
            pred[b][a] = keydict
        keydict[key] = attrs
    cache = getattr(G, "__networkx_cache__", None)
    if cache:  # networkx >= 3.3 caches backend conversions: drop them, as add_edges_from does
        cache.clear()


def graph_from_osm(
    path: str | os.PathLike[str],
    *,
    speed_kph: Mapping[str, float] | None = None,
    fallback_kph: float = 50.0,
    simplify: bool = True,
    retain_all: bool = False,
    bidirectional: bool = False,
) -> nx.MultiDiGraph:
    r"""Load an OpenStreetMap XML file into the same format as :func:`china_highways`.

    Uses ``osmnx.graph_from_xml`` (no network access), then
    ``osmnx.routing.add_edge_speeds`` and ``osmnx.routing.add_edge_travel_times``.

    Parameters
    ----------
    path : str or path-like
        An ``.osm`` XML file (as exported by openstreetmap.org or Overpass).
    speed_kph : mapping, optional
        Speed by ``highway`` value, km/h (osmnx's ``hwy_speeds``), each a
        finite number > 0.  Edges with a ``maxspeed`` tag use it; others use
        the mean of their highway type, else ``fallback_kph``.
    fallback_kph : float, default 50
        Speed of edges whose highway type has no known speed (finite, > 0).
    simplify, retain_all, bidirectional : bool
        Passed to ``osmnx.graph_from_xml``.

    Returns
    -------
    networkx.MultiDiGraph
        osmnx graph with ``length`` (m), ``speed_kph``, ``travel_time`` (s),
        ``crs`` EPSG:4326.  Edges between nodes at the same coordinates get a
        length of 1 mm (a stored zero would read as "no edge" in sparse graphs).

    Raises
    ------
    FileNotFoundError
        ``path`` does not exist.
    DataError
        A file that is not OSM XML (empty, truncated, an HTML page, binary),
        holds no routable way, has ways that reference nodes missing from the
        extract (a clipped download: export it again with complete ways), or
        whose ``maxspeed`` tags give a speed that is not a positive number; a
        speed that is not finite and > 0.
    ParameterTypeError
        ``path`` that is not a path, ``speed_kph`` that is not a mapping of
        numbers, flags that are not ``True``/``False``.
    ImportError
        osmnx is not installed (``pip install 'geoaggl[roads]'``).

    References
    ----------
    Boeing, G. (2017). OSMnx: new methods for acquiring, constructing,
    analyzing, and visualizing complex street networks. *Computers, Environment and
    Urban Systems*, 65, 126-139.

    OpenStreetMap contributors. OpenStreetMap, https://www.openstreetmap.org,
    licensed under the Open Database Licence (ODbL) 1.0.

    Examples
    --------
    Reads a file (an OpenStreetMap XML extract you downloaded):

    >>> from geoaggl import roads
    >>> G = roads.graph_from_osm("my_region.osm")  # doctest: +SKIP
    >>> G.graph["crs"]  # doctest: +SKIP
    'EPSG:4326'
    """
    from pathlib import Path

    where = "graph_from_osm"
    if not isinstance(path, str | os.PathLike):
        raise ParameterTypeError(f"{where}: path must be a file path; got {type(path).__name__}")
    fallback_kph = _positive(fallback_kph, "fallback_kph", where)
    hwy = _speed_table(speed_kph, where)
    flags = {"simplify": simplify, "retain_all": retain_all, "bidirectional": bidirectional}
    flags = {k: _check_bool(v, k, where) for k, v in flags.items()}
    checked: dict[str, Any] = flags
    from ._compat import import_optional

    ox = import_optional("osmnx", extra="roads", purpose="graph_from_osm")
    p = Path(path)
    if not p.is_file():
        raise MissingFileError(f"no OSM XML file at {str(p)!r}")
    try:
        G = ox.graph_from_xml(p, **checked)
    except MemoryError:
        raise
    except Exception as exc:  # parser, osmnx and decoding errors: all mean "not a usable OSM file"
        raise DataError(f"{p.name}: {_osm_reason(exc)}") from exc
    if len(G) == 0 or G.number_of_edges() == 0:
        raise DataError(f"{p.name}: the OSM file holds no routable ways")
    try:
        G = ox.routing.add_edge_speeds(G, hwy_speeds=hwy, fallback=fallback_kph)
        G = ox.routing.add_edge_travel_times(G)
    except MemoryError:
        raise
    except Exception as exc:
        raise DataError(f"{p.name}: cannot derive edge speeds ({type(exc).__name__}: {exc})") from exc
    bad = [
        (a, b)
        for a, b, d in G.edges(data="speed_kph")
        if not (isinstance(d, numbers.Real) and math.isfinite(d) and float(d) > 0)
    ]
    if bad:
        raise DataError(
            f"{p.name}: {len(bad)} edge(s) with a speed that is not a positive number "
            f"(check their maxspeed tags), e.g. {format_keys(bad[:5])}"
        )
    slow = [(a, b) for a, b, t in G.edges(data="travel_time") if not math.isfinite(float(t))]
    if slow:
        raise DataError(
            f"{p.name}: {len(slow)} edge(s) whose travel time overflows (a speed near 0 km/h, e.g. "
            f"fallback_kph={fallback_kph!r}), e.g. {format_keys(slow[:5])}"
        )
    # nodes at the same coordinates give zero-length edges; a sparse graph would read a stored zero
    # as "no edge", so they get 1 mm and the matching travel time (documented in Returns)
    for _a, _b, d in G.edges(data=True):
        if not float(d.get("length", 0.0)) > 0:
            d["length"] = _MIN_EDGE_M
            d["travel_time"] = _MIN_EDGE_M / (float(d["speed_kph"]) / 3.6)
    return G


_MIN_EDGE_M = 1e-3  # length given to zero-length OSM edges (coincident nodes)


def _speed_table(speed_kph: Any, where: str) -> dict[str, float] | None:
    """Validate ``speed_kph`` of :func:`graph_from_osm`: highway type -> finite speed > 0."""
    if speed_kph is None:
        return None
    if not isinstance(speed_kph, Mapping):
        raise ParameterTypeError(
            f"{where}: speed_kph must be a mapping such as {{'primary': 60}}; got {type(speed_kph).__name__}"
        )
    return {str(k): _positive(v, f"speed_kph[{k!r}]", where) for k, v in speed_kph.items()}


def _osm_reason(exc: BaseException) -> str:
    """A user-facing reason for an OSM file that osmnx or the XML parser rejected."""
    text = str(exc)
    if "missing nodes" in text:
        return (
            "ways reference nodes missing from the extract (a clipped download); export the area "
            "again with complete ways"
        )
    if "No data elements" in text:
        return "no OSM nodes or ways in the file (an HTML page or an empty OSM document?)"
    if "no edges" in text.lower():
        return "the OSM file holds no routable ways"
    return f"not a readable OSM XML file ({type(exc).__name__}: {text[:200]})"


# --------------------------------------------------------------------------- compact graphs
#: networkx graphs already read, keyed by their full signature (node coordinates, every arc and
#: its weight): an edited graph has another signature, so it is never served a stale result.
_GENERIC: dict[str, CompactGraph] = {}


def clear_cache() -> None:
    """Forget every in-memory cached compact graph and distance matrix (the on-disk cache is kept).

    Not needed after editing a graph: caches are keyed by a signature of the graph's weights.

    References
    ----------
    Python Software Foundation. *functools.lru_cache*. The Python Standard Library,
    https://docs.python.org/3/library/functools.html#functools.lru_cache

    Examples
    --------
    >>> from geoaggl import roads
    >>> roads.clear_cache()  # the next call of od_matrix() recomputes (or reads the disk cache)
    """
    _GENERIC.clear()
    _bundled_compact_cached.cache_clear()


def _access_params(G: Any) -> Mapping[str, Any] | None:
    """The road-model parameters whose ``"access"`` coefficients give ``G``'s urban access time:
    the bundled graph on modelled speeds (``speed_kph=None``; a :class:`RoadGraph`, ``None`` or a
    :func:`china_highways` graph, by its stamp), else ``None`` (no access time is added)."""
    if G is None:
        return _model_params(None)
    if isinstance(G, RoadGraph):
        return _model_params(G._model_key) if G.speed_kph is None else None
    stamp = G.graph.get(_STAMP) if hasattr(G, "graph") else None
    if not (
        isinstance(stamp, Mapping)
        and stamp.get("graph") == "china_highways"
        and stamp.get("speed_kph") is None
    ):
        return None
    try:
        key = _resolve_model(stamp.get("road_model"), "od_matrix")[1]
    except GeoagglError:  # an edited stamp: not recognised as the bundled graph
        return None
    return _model_params(key)


def _calibrated_speeds(G: Any) -> bool:
    """True for the bundled graph on the calibrated speed model (``speed_kph=None``)."""
    return _access_params(G) is not None


def _access_at(lon: np.ndarray, lat: np.ndarray, comp: CompactGraph, params: Mapping[str, Any]) -> np.ndarray:
    """Urban access minutes at points (:func:`geoaggl._roadmodel.access_minutes` with ``params``)."""
    with np.errstate(over="ignore", invalid="ignore"):
        acc = access_minutes(lon, lat, comp.lon, comp.lat, params=params)
    if not np.isfinite(acc).all():
        raise DataError(
            "the road_model's 'access' coefficients overflow the access times (non-finite minutes)"
        )
    return acc


def _from_networkx(G: Any, weight: str) -> CompactGraph:
    """The compact arrays of ``G`` for ``weight`` (``None`` / :class:`RoadGraph`: the bundled arrays).

    A networkx graph is read on every call (one linear pass over its arcs) and keyed by
    :func:`_arc_signature`; when that equals the bundled arrays' (an unedited
    :func:`china_highways` graph), the bundled arrays and their precomputed core are used.
    """
    if G is None:
        G = RoadGraph()
    if isinstance(G, RoadGraph):
        comp = G._compact()
        if weight not in comp.weights:
            raise DataError(
                f"weight={weight!r}: the bundled road graph has no such edge attribute; it has "
                f"{format_keys(sorted(comp.weights))}"
            )
        return comp
    import networkx as nx

    if not isinstance(G, nx.Graph):
        raise ParameterTypeError(
            f"G must be a networkx graph, a geoaggl.roads.RoadGraph or None, got {type(G).__name__}"
        )
    if len(G) == 0:
        raise DataError("the graph has no nodes")
    nodes = _compact_nodes(G)
    t, h, w_arr = _arcs(G, nodes, weight)
    sig = _arc_signature(nodes.lon, nodes.lat, t, h, w_arr)
    stamp = G.graph.get(_STAMP)
    if isinstance(stamp, Mapping) and stamp.get("graph") == "china_highways":
        try:
            kph = stamp["speed_kph"]
            model_key = _resolve_model(stamp.get("road_model"), "od_matrix")[1]
            bundled = _bundled_compact(
                None if kph is None else float(kph), float(stamp["ferry_minutes"]), model_key
            )
        except (KeyError, TypeError, ValueError, GeoagglError):
            bundled = None
        if (
            bundled is not None
            and weight in bundled.weights
            and np.array_equal(nodes.labels, bundled.labels)
            and _bundled_signature(bundled, weight) == sig
        ):
            return bundled
    key = f"{weight}:{sig}"
    cached = _GENERIC.get(key)
    if cached is not None:
        return cached
    nodes.tail, nodes.head, nodes.weights = t, h, {weight: w_arr}
    if len(_GENERIC) >= 4:
        _GENERIC.pop(next(iter(_GENERIC)))
    _GENERIC[key] = nodes
    return nodes


def _n_arcs(G: Any) -> int:
    """Number of edges (arcs, parallel ones included), without networkx's per-node Python loop."""
    adj = G._adj.values()
    if G.is_multigraph():
        return sum(map(len, itertools.chain.from_iterable(nbrs.values() for nbrs in adj)))
    return sum(map(len, adj))


def _compact_nodes(G: Any) -> CompactGraph:
    """Node labels and WGS84 coordinates of a networkx graph (no arcs yet)."""
    nodes = G._node
    missing_xy = [k for k, d in nodes.items() if "x" not in d or "y" not in d]
    if missing_xy:
        raise DataError(
            f"graph nodes without 'x'/'y' coordinates: {format_keys(missing_xy[:20])}"
            + (f" ({len(missing_xy)} in all)" if len(missing_xy) > 20 else "")
        )
    try:
        x = np.array([d["x"] for d in nodes.values()], dtype=np.float64)
        y = np.array([d["y"] for d in nodes.values()], dtype=np.float64)
    except (TypeError, ValueError) as exc:
        bad = [
            k
            for k, d in nodes.items()
            if not (isinstance(d["x"], numbers.Real) and isinstance(d["y"], numbers.Real))
        ]
        raise DataError(f"graph nodes with non-numeric 'x'/'y': {format_keys(bad[:20])}") from exc
    lon, lat = _graph_lonlat(G, x, y)
    labels = np.fromiter(nodes, dtype=object, count=len(nodes))  # 1-D even for tuple labels
    comp = CompactGraph(
        lon=lon,
        lat=lat,
        tail=np.empty(0, np.int64),
        head=np.empty(0, np.int64),
        weights={},
        labels=labels,
        name=str(G.graph.get("name", "graph")),
    )
    comp._pos = {k: i for i, k in enumerate(nodes)}  # type: ignore[attr-defined]
    return comp


def _numeric_mask(vals: list[Any]) -> list[bool]:
    """Which values are real numbers (not bool), decided once per type: linear and fast."""
    types = set(map(type, vals))
    good = {t for t in types if issubclass(t, numbers.Real) and not issubclass(t, bool | np.bool_)}
    if good == types:
        return [True] * len(vals)
    return [type(w) in good for w in vals]


def _arcs(G: Any, comp: CompactGraph, weight: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Tail, head positions and ``weight`` of every arc (parallel arcs kept; the CSR takes the lightest).

    Linear in the number of arcs with flat comprehensions, so an error about
    every arc of the bundled graph (370,000 arcs) appears in well under a second.
    """
    pos = comp._pos  # type: ignore[attr-defined]
    adj = G._adj
    if G.is_multigraph():
        ends = [(a, b) for a, nbrs in adj.items() for b, kd in nbrs.items() for _ in kd]
        vals = [d.get(weight) for nbrs in adj.values() for kd in nbrs.values() for d in kd.values()]
    else:
        ends = [(a, b) for a, nbrs in adj.items() for b in nbrs]
        vals = [d.get(weight) for nbrs in adj.values() for d in nbrs.values()]
    ok = _numeric_mask(vals)
    if not all(ok):
        bad = list(dict.fromkeys(e for e, good in zip(ends, ok, strict=True) if not good))  # distinct pairs
        n_bad = len(bad)
        shown = format_keys(bad[:5]) + (f", ... (+{n_bad - 5} more)" if n_bad > 5 else "")
        hint = (
            " (osmnx: ox.routing.add_edge_speeds(G) then ox.routing.add_edge_travel_times(G))"
            if weight == "travel_time"
            else ""
        )
        raise DataError(f"{n_bad} edge(s) without a numeric {weight!r} attribute, e.g. {shown}{hint}")
    w_arr = np.asarray(vals, dtype=np.float64)
    badw = ~(np.isfinite(w_arr) & (w_arr >= 0))
    if badw.any():
        idx = np.flatnonzero(badw)
        raise DataError(
            f"edge {weight!r} must be finite and >= 0; {idx.size} bad arc(s), e.g. "
            f"{format_keys([ends[i] for i in idx[:5]])}"
        )
    t = np.fromiter((pos[a] for a, _ in ends), dtype=np.int64, count=len(ends))
    h = np.fromiter((pos[b] for _, b in ends), dtype=np.int64, count=len(ends))
    if not G.is_directed():
        t, h, w_arr = np.r_[t, h], np.r_[h, t], np.r_[w_arr, w_arr]
    return t, h, w_arr


def _graph_lonlat(G: Any, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    from pyproj import CRS, Transformer

    crs = G.graph.get("crs")
    if crs is None:
        raise CRSError("the graph has no 'crs' graph attribute (osmnx graphs carry one, e.g. 'EPSG:4326')")
    try:
        crs = CRS.from_user_input(crs)
    except Exception as exc:  # pyproj.exceptions.CRSError and friends
        raise CRSError(f"the graph's 'crs' attribute {crs!r} is not a coordinate reference system") from exc
    if crs.is_geographic and crs.equals(CRS.from_epsg(4326), ignore_axis_order=True):
        lon, lat = x.copy(), y.copy()
    else:
        lon, lat = Transformer.from_crs(crs, "EPSG:4326", always_xy=True).transform(x, y)
        lon, lat = np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)
    nonfinite = ~(np.isfinite(x) & np.isfinite(y))
    if nonfinite.any():
        labels = np.fromiter(G._node, dtype=object, count=len(G))
        raise DataError(
            f"graph nodes with missing (NaN) or infinite 'x'/'y': {format_keys(labels[nonfinite])}"
        )
    finite = np.isfinite(lon).all() and np.isfinite(lat).all()
    if not finite or np.abs(lat).max() > 90 or np.abs(lon).max() > 180:
        raise CRSError(
            f"graph node coordinates do not fit its crs {crs.to_string()!r} "
            "(projected coordinates in a geographic graph?)"
        )
    return lon, lat


# --------------------------------------------------------------------------- points
def _labels_for(index: pd.Index, names: pd.Series | None, keys: Iterable[Any]) -> list[str]:
    out = []
    for k in keys:
        if names is not None and k in names.index:
            out.append(f"{k} ({names.loc[k]})")
        else:
            out.append(str(k))
    return out


def _points_lonlat(points: Any, what: str) -> tuple[pd.Index, np.ndarray, np.ndarray, pd.Series | None]:
    """Index, WGS84 lon, lat (and names if any) of point input; validates it."""
    import geopandas as gpd

    if isinstance(points, gpd.GeoDataFrame):
        names = points["name"] if "name" in points.columns else None
        if {"seat_lon", "seat_lat"} <= set(points.columns):
            idx = points.index
            _check_index(idx, what)
            lon = pd.to_numeric(points["seat_lon"], errors="coerce").to_numpy(dtype=np.float64, copy=True)
            lat = pd.to_numeric(points["seat_lat"], errors="coerce").to_numpy(dtype=np.float64, copy=True)
            bad = ~(np.isfinite(lon) & np.isfinite(lat))
            if bad.any():
                raise DataError(f"{what}: missing seat_lon/seat_lat at {format_keys(idx[bad])}")
            _check_range(idx, lon, lat, what, "seat_lon/seat_lat (WGS84 degrees)")
            return idx, lon, lat, names
        geom = points.geometry
    elif isinstance(points, gpd.GeoSeries):
        names = None
        geom = points
    else:
        raise ParameterTypeError(
            f"{what} must be a GeoDataFrame or GeoSeries of points, got {type(points).__name__}"
        )
    idx = geom.index
    _check_index(idx, what)
    if geom.crs is None:
        raise CRSError(f"{what} has no CRS; set it first, e.g. points.set_crs('EPSG:4326')")
    empty = geom.isna().to_numpy() | geom.is_empty.to_numpy()
    if empty.any():
        raise DataError(f"{what}: missing or empty geometries at {format_keys(idx[empty])}")
    not_point = (geom.geom_type != "Point").to_numpy()
    if not_point.any():
        raise DataError(
            f"{what}: non-point geometries at {format_keys(idx[not_point])}; "
            "pass e.g. gdf.representative_point() or the seats of prefectures()"
        )
    if not geom.crs.is_geographic or geom.crs.to_epsg() != 4326:
        if not geom.crs.is_geographic:
            x = geom.x.to_numpy()
            if np.nanmax(np.abs(x)) <= 180 and np.nanmax(np.abs(geom.y.to_numpy())) <= 90:
                raise CRSError(
                    f"{what}: CRS {geom.crs.to_string()!r} is projected but the coordinates "
                    "look like degrees; set the right CRS "
                    "(set_crs('EPSG:4326', allow_override=True))"
                )
        geom = geom.to_crs("EPSG:4326")
    lon = geom.x.to_numpy(dtype=np.float64, copy=True)
    lat = geom.y.to_numpy(dtype=np.float64, copy=True)
    _check_range(idx, lon, lat, what, "coordinates")
    return idx, lon, lat, names


def _check_index(idx: pd.Index, what: str) -> None:
    if len(idx) == 0:
        raise DataError(f"{what} is empty")
    if idx.has_duplicates:
        raise DataError(f"{what}: duplicated index labels {format_keys(idx[idx.duplicated(keep=False)])}")


def _check_range(idx: pd.Index, lon: np.ndarray, lat: np.ndarray, what: str, col: str) -> None:
    nonfinite = ~(np.isfinite(lon) & np.isfinite(lat))
    if nonfinite.any():
        raise DataError(f"{what}: missing (NaN) or infinite {col} at {format_keys(idx[nonfinite])}")
    bad = (np.abs(lon) > 180) | (np.abs(lat) > 90)
    if bad.any():
        raise CRSError(
            f"{what}: {col} outside longitude/latitude range at {format_keys(idx[bad])} "
            "(projected coordinates declared as EPSG:4326?)"
        )


# --------------------------------------------------------------------------- OD matrices
@dataclass(frozen=True)
class ODResult:
    """:func:`od_matrix` with ``report=True``: the matrix and its side results.

    Returned by :func:`od_matrix`, not constructed directly.  A plain object, so the matrix's
    ``attrs`` stay free of side data and ``pd.concat`` of matrices works.

    Attributes
    ----------
    od : pandas.DataFrame
        The matrix (as returned by default).
    snap_km : pandas.Series
        Great-circle km from each point to its graph node (index of ``points``).
    snap_km_targets : pandas.Series
        The same for ``targets`` (equal to ``snap_km`` when no targets are given).
    unit : str
        ``"km"``, ``"min"`` or the weight's own name.
    weight : str
        The edge attribute minimised.
    off_network : list
        Labels of the points (and targets) farther than ``max_snap_km`` from the network.

    References
    ----------
    Dijkstra, E. W. (1959). A note on two problems in connexion with graphs.
    *Numerische Mathematik*, 1, 269-271.

    Examples
    --------
    >>> import geoaggl
    >>> from geoaggl import roads
    >>> rep = roads.od_matrix(None, geoaggl.prefectures().loc[["310100", "320100"]], report=True)
    >>> rep.unit, round(float(rep.od.loc["310100", "320100"]))
    ('km', 315)
    >>> bool(rep.snap_km.max() < 5)
    True
    """

    od: pd.DataFrame
    snap_km: pd.Series
    snap_km_targets: pd.Series
    unit: str
    weight: str
    off_network: list[Any]


@overload
def od_matrix(
    G: nx.MultiDiGraph | RoadGraph | None,
    points: gpd.GeoDataFrame | gpd.GeoSeries,
    *,
    weight: str = ...,
    targets: gpd.GeoDataFrame | gpd.GeoSeries | None = ...,
    max_snap_km: float | None = ...,
    progress: Callable[[int, int], None] | None = ...,
    dtype: Literal["float64", "float32"] = ...,
    report: Literal[False] = ...,
) -> pd.DataFrame: ...


@overload
def od_matrix(
    G: nx.MultiDiGraph | RoadGraph | None,
    points: gpd.GeoDataFrame | gpd.GeoSeries,
    *,
    weight: str = ...,
    targets: gpd.GeoDataFrame | gpd.GeoSeries | None = ...,
    max_snap_km: float | None = ...,
    progress: Callable[[int, int], None] | None = ...,
    dtype: Literal["float64", "float32"] = ...,
    report: Literal[True],
) -> ODResult: ...


def od_matrix(
    G: nx.MultiDiGraph | RoadGraph | None,
    points: gpd.GeoDataFrame | gpd.GeoSeries,
    *,
    weight: str = "length",
    targets: gpd.GeoDataFrame | gpd.GeoSeries | None = None,
    max_snap_km: float | None = 30.0,
    progress: Callable[[int, int], None] | None = None,
    dtype: Literal["float64", "float32"] = "float64",
    report: bool = False,
) -> pd.DataFrame | ODResult:
    r"""Road distance (km) or travel time (minutes) between points.

    Each point is snapped to its nearest graph node; the matrix holds
    shortest-path distances between the snapped nodes,

    .. math:: d_{ij} = \min_{P:\, s(i) \to s(j)} \sum_{e \in P} w_e ,

    with :math:`w_e` the edge ``weight`` (``length`` in metres → km,
    ``travel_time`` in seconds → minutes; any other numeric edge attribute is
    returned in its own unit).  One shortest-path tree per distinct source node.
    On the bundled graph (a :class:`RoadGraph`, ``None``, or an unedited
    :func:`china_highways` graph) the trees run on its precomputed core plus the
    upward arcs of the snapped nodes (a contraction hierarchy whose top is left
    uncontracted, built by ``boundaries/build_roads_core.py``) and reach the
    targets in the bucket form :math:`d(s, t) = \min_x d_\uparrow(s, x) + f_t(x)`
    (:math:`f_t(x)`: the target's climb to :math:`x`), in a compiled routine
    built at install (several threads), or with ``scipy.sparse.csgraph.dijkstra``
    when it is absent (same distances); on other graphs, on the graph exactly
    reduced around the snapped nodes (dead-end trees removed, degree-2 chains
    and low-degree junctions replaced by shortcuts; see
    :mod:`geoaggl._roadgraph`).  Both equal Dijkstra on the full graph.  Source
    blocks run on ``geoaggl.settings.dask_client`` when one is set.  The snap
    legs (point to node) are not added.

    Parameters
    ----------
    G : networkx.MultiDiGraph, RoadGraph or None
        :func:`china_highways`, :func:`graph_from_osm` or any osmnx-style graph
        (node ``x``/``y``, graph ``crs``; directed arcs are followed one way);
        a :class:`RoadGraph` or ``None`` (the bundled graph at default speeds)
        skips networkx entirely.
    points : GeoDataFrame or GeoSeries
        Points (any CRS; reprojected to WGS84), or the output of
        :func:`geoaggl.prefectures` (its ``seat_lon``/``seat_lat`` are used).
    weight : str, default "length"
        Edge attribute to minimise.  On :func:`china_highways`: ``"length"``
        (km, corrected for the chord shortfall of the simplified geometry),
        ``"length_raw"`` (km, the source's uncorrected chords) or
        ``"travel_time"`` (minutes; with the calibrated speeds,
        ``speed_kph=None``, an urban access time is added at both trip ends:
        12.8 min each with the shipped model, or
        :math:`\max(0,\ a_0 + a_1 w_1 + \dots)` minutes from the ``"access"``
        coefficients of the graph's ``road_model``, see :func:`road_model`).
    targets : GeoDataFrame or GeoSeries, optional
        Destinations (default: ``points``).
    max_snap_km : float or None, default 30
        Points farther than this from the nearest node (outside mainland China,
        at sea, on an island without roads such as 三沙) get ``inf`` distances
        and an :class:`~geoaggl.errors.UnreachableWarning` naming them.
        ``None`` (or ``inf``) accepts any snap.
    progress : callable, optional
        Called as ``progress(done, total)`` with the number of source points
        whose shortest-path trees are done and ``len(points)``: ``(0, total)``
        before the graph reduction, then after each block of sources (at
        least every 5% of them) and ``(total, total)`` at the end (also for a
        cached result).  Meant for progress bars, e.g. the command line's; it
        costs nothing measurable.  Exceptions it raises (e.g.
        ``KeyboardInterrupt``) propagate.
    dtype : {"float64", "float32"}, default "float64"
        Storage of the matrix; ``"float32"`` halves the memory (relative
        rounding ~6e-8) for large matrices.
    report : bool, default False
        Return an :class:`ODResult` (the matrix plus snap distances, unit,
        weight and the points off the network) instead of the DataFrame.

    Returns
    -------
    pandas.DataFrame or ODResult
        ``len(points) × len(targets)``, indexed by the points' index, columns
        the targets' index; ``inf`` where unreachable (warned with an
        :class:`~geoaggl.errors.UnreachableWarning` naming the pairs).  A point
        to itself is 0.  ``attrs`` holds only the strings ``"unit"`` and
        ``"weight"`` (so ``pd.concat`` of two results works); the snap
        distances are in the :class:`ODResult` of ``report=True``.

    Raises
    ------
    DataError
        Empty input, duplicated index labels, missing or non-point geometries,
        missing (NaN) coordinates, edges without a numeric ``weight`` (named,
        with their count), a ``max_snap_km`` that is not > 0.
    CRSError
        Points without a CRS, or coordinates that do not fit their CRS.
    ParameterTypeError
        ``G`` not a networkx graph, ``points`` not a GeoDataFrame/GeoSeries,
        ``weight`` not a string, ``max_snap_km`` not a number, ``progress``
        not callable.

    Notes
    -----
    Cost on the bundled graph (2-core machine, ``benchmarks/bench_roads.py``):
    367 seats ~0.2 s with the compiled kernel (0.5–0.7 s from a fresh process,
    imports included; scipy's Dijkstra from every source on the full graph:
    7–8 s), 2,848 county seats 0.9–1.1 s (scipy ~43–57 s); a 5,000-point matrix
    peaks ~400 MB above the starting memory.  Results are cached in memory
    and on disk (``geoaggl.settings.cache_dir``, keyed by the graph's weights
    and the snapped nodes), so repeat calls take milliseconds.  For matrices
    too large for memory, :func:`od_blocks` writes them in row blocks.

    References
    ----------
    Dijkstra, E. W. (1959). A note on two problems in connexion with graphs.
    *Numerische Mathematik*, 1, 269-271.

    OpenStreetMap contributors. OpenStreetMap, https://www.openstreetmap.org,
    licensed under the Open Database Licence (ODbL) 1.0.

    Examples
    --------
    >>> od = od_matrix(china_highways(), geoaggl.prefectures(),          # doctest: +SKIP
    ...                progress=lambda done, total: print(f"{done}/{total}"))
    """
    where = "od_matrix"
    if not isinstance(weight, str) or not weight:
        raise ParameterTypeError(f"{where}: weight must be an edge attribute name, got {weight!r}")
    if max_snap_km is not None:
        max_snap_km = check_real(
            max_snap_km, name="max_snap_km", minimum=0.0, strict_min=True, allow_inf=True, where=where
        )
    if progress is not None and not callable(progress):
        raise ParameterTypeError(
            f"{where}: progress must be a callable progress(done, total) or None; "
            f"got {type(progress).__name__}"
        )
    dtype = check_option(dtype, ("float64", "float32"), name="dtype", where=where)
    report = _check_bool(report, "report", where)
    comp = _from_networkx(G, weight)
    s_idx, s_lon, s_lat, s_names = _points_lonlat(points, "points")
    if targets is None:
        t_idx, t_lon, t_lat, t_names = s_idx, s_lon, s_lat, s_names
    else:
        t_idx, t_lon, t_lat, t_names = _points_lonlat(targets, "targets")
    s_node, s_km = comp.snap(s_lon, s_lat)
    if targets is None:
        t_node, t_km = s_node, s_km
    else:
        t_node, t_km = comp.snap(t_lon, t_lat)
    res = _solve(comp, weight, s_node, t_node, progress)
    unit, scale = _UNITS.get(weight, (weight, 1.0))
    if res.flags.writeable and res.dtype == np.dtype(dtype):  # a private (uncached) matrix: no copy
        vals = res
        vals /= scale
    else:
        vals = np.empty(res.shape, dtype=dtype)
        np.divide(res, scale, out=vals, casting="same_kind")
    # --- road model hook (#14): urban access time at both trip ends (bundled graph, modelled speeds)
    params = _access_params(G) if weight == "travel_time" else None
    if params is not None:
        vals += _access_at(s_lon, s_lat, comp, params)[:, None]
        vals += _access_at(t_lon, t_lat, comp, params)[None, :]
    # --- end of road model hook
    far_s = np.zeros(s_idx.size, bool) if max_snap_km is None else s_km > max_snap_km
    far_t = np.zeros(t_idx.size, bool) if max_snap_km is None else t_km > max_snap_km
    vals[far_s, :] = np.inf
    vals[:, far_t] = np.inf
    if targets is None:
        np.fill_diagonal(vals, 0.0)
    far_labels = _labels_for(s_idx, s_names, s_idx[far_s]) + (
        [] if targets is None else _labels_for(t_idx, t_names, t_idx[far_t])
    )
    if far_labels:
        warnings.warn(
            f"{len(far_labels)} point(s) farther than {max_snap_km} km from the road network "
            f"(outside mainland China or without roads), distances set to inf: {format_keys(far_labels)}",
            UnreachableWarning,
            stacklevel=2,
        )
    unreach = ~np.isfinite(vals)
    unreach[far_s, :] = False
    unreach[:, far_t] = False
    if unreach.any():
        r, c = np.nonzero(unreach)
        pairs = [(s_idx[i], t_idx[j]) for i, j in zip(r[:20], c[:20], strict=True)]
        more = f", ... (+{r.size - 20} more)" if r.size > 20 else ""
        warnings.warn(
            f"{r.size} pair(s) not connected by the road graph (inf): {format_keys(pairs, limit=10)}{more}",
            UnreachableWarning,
            stacklevel=2,
        )
    od = pd.DataFrame(vals, index=s_idx.copy(), columns=t_idx.copy(), copy=False)
    od.attrs["unit"] = unit
    od.attrs["weight"] = weight
    if not report:
        return od
    return ODResult(
        od=od,
        snap_km=pd.Series(s_km, index=s_idx.copy(), name="snap_km"),
        snap_km_targets=pd.Series(t_km, index=t_idx.copy(), name="snap_km"),
        unit=unit,
        weight=weight,
        off_network=list(s_idx[far_s]) + ([] if targets is None else list(t_idx[far_t])),
    )


def _solve(
    comp: CompactGraph,
    weight: str,
    s_node: np.ndarray,
    t_node: np.ndarray,
    progress: Callable[[int, int], None] | None,
) -> np.ndarray:
    """Cached many-to-many distances between snapped nodes, reporting progress in source points.

    Cached in memory per compact graph (itself keyed by the graph's weights) and, for the
    bundled graph, on disk (:mod:`geoaggl._cache`, keyed by the weights' signature and the nodes).
    """
    from . import _cache

    total = int(s_node.size)
    key = (weight, s_node.tobytes(), t_node.tobytes())
    res = comp._results.get(key)
    edge_sig = getattr(comp, "edge_sig", {}).get(weight)
    disk_key = _cache.digest("od", edge_sig, s_node, t_node) if edge_sig is not None else None
    if res is None and disk_key is not None:
        res = _cache.fetch_array("od", disk_key)
        if res is not None and res.shape != (s_node.size, t_node.size):
            res = None
    if res is not None:
        if progress is not None:
            progress(total, total)
        return res
    report: Callable[[int, int], None] | None = None
    if progress is not None:
        progress(0, total)
        cb = progress

        def report(done: int, n_unique: int) -> None:  # distinct source nodes -> source points
            cb(total if done >= n_unique else done * total // max(n_unique, 1), total)

    core = _bundled_core(comp, weight) if edge_sig is not None else None
    if core is not None:
        res = core_many_to_many(core, s_node, t_node, progress=report)
    else:
        res = many_to_many(comp.csr(weight), s_node, t_node, progress=report)
    if comp.border is not None:
        res = unpenalize(res, copy=False)  # res is this call's own array
    if res.size <= 4_000_000:  # keep small matrices (the 367-unit OD is 135,000 cells)
        if len(comp._results) >= _CACHE_SIZE:
            comp._results.pop(next(iter(comp._results)))
        comp._results[key] = res
        if disk_key is not None:
            _cache.store_array("od", disk_key, res)
        res.flags.writeable = False  # shared with the cache; large results stay private (writeable)
    return res


# --------------------------------------------------------------------------- distance to centre
_RULES = ("nearest", "primary")


def _primary_rank(adcode: str) -> int:
    from ._agglomerations import MUNICIPALITIES, PROVINCIAL_CAPITALS, SEPARATELY_PLANNED_CITIES

    if adcode in MUNICIPALITIES:
        return 0
    if adcode in set(PROVINCIAL_CAPITALS.values()):
        return 1
    if adcode in SEPARATELY_PLANNED_CITIES:
        return 2
    return 3


def distance_to_centre(
    od: pd.DataFrame,
    membership: pd.DataFrame,
    *,
    rule: Literal["nearest", "primary"] = "nearest",
    primary: Mapping[str, str] | None = None,
    by_agglomeration: bool = False,
    duplicates: Literal["both", "first", "raise"] = "both",
    report: bool = False,
) -> pd.Series | pd.DataFrame:
    r"""Road distance from each member of a UA to its central city.

    .. math:: d_i = \min_{c \in C(i)} \mathrm{od}_{i c}\quad(\text{rule} = \text{"nearest"}),
              \qquad d_i = \mathrm{od}_{i\, p(i)}\quad(\text{rule} = \text{"primary"}),

    with :math:`C(i)` the central cities of the UA(s) of city :math:`i` and
    :math:`p(i)` the primary central city of its UA.  Central cities get 0.

    Parameters
    ----------
    od : pandas.DataFrame
        Output of :func:`od_matrix` (km or minutes), index and columns adcodes
        (``int`` or ``str``); ``inf`` = no road.  Members it does not cover
        (e.g. Hong Kong 810000 and Macao 820000 when ``od`` was built from
        :func:`geoaggl.prefectures` without ``include_sar=True``) get NaN.
    membership : pandas.DataFrame
        Output of :func:`geoaggl.agglomerations` (columns ``agglomeration``,
        ``adcode``, ``central``), or any subset of its rows.  ``central`` is
        read strictly as a boolean: ``True``/``False``, 1/0 or the strings
        ``"True"``/``"False"``/``"1"``/``"0"`` (any case, as after
        ``read_csv(dtype=str)``); anything else is an error naming the rows.
    rule : {"nearest", "primary"}, default "nearest"
        ``"nearest"``: the central city nearest by road (the rule of Song
        Deyong and Li Dongfang, 国家级城市群高质量平衡增长研究——基于产业分工的视角,
        for polycentric UAs).  ``"primary"``: the UA's primary central city — a
        municipality before a provincial capital before a separately planned
        city, ties broken by the order of ``membership`` (e.g. 京津冀 → 北京,
        成渝 → 重庆, 长三角 → 上海, 粤港澳 → 广州; 长江中游 → 南昌 and 哈长 → 长春
        by listing order, override with ``primary``).
    primary : mapping, optional
        ``{agglomeration: adcode}`` overriding the primary central city.
    by_agglomeration : bool, default False
        Shape of the result, see Returns.
    duplicates : {"both", "first", "raise"}, default "both"
        Cities listed in two UAs (邯郸, 邢台 in 京津冀 and 中原; 运城 in 中原 and
        关中平原), the package-wide policy: ``"both"`` counts such a city in
        each UA that lists it, ``"first"`` only in its first-listed UA,
        ``"raise"`` raises :class:`~geoaggl.errors.DataError`.  ``"both"`` and
        ``"first"`` emit one :class:`~geoaggl.errors.DuplicateMembershipWarning`
        naming them.  Cities listed once are unaffected.
    report : bool, default False
        Return a DataFrame with the centre and the agglomeration of each value
        beside the distance (see Returns).

    Returns
    -------
    pandas.Series
        Named ``"distance"`` (unit of ``od``).

        * ``by_agglomeration=False`` (default): one value per distinct
          ``adcode`` (index ``adcode``, unique, in first-listed order).  A city
          listed in several UAs takes, under ``duplicates="both"``, the smallest
          distance to the central cities of all its UAs with rule "nearest",
          and its first-listed UA's primary centre with rule "primary"; under
          ``"first"`` only its first-listed UA counts.
        * ``by_agglomeration=True``: one value per listing, indexed by
          ``(agglomeration, adcode)`` — a city in two UAs has two rows under
          ``"both"``, one under ``"first"``.

        With ``report=True``: a DataFrame on the same index with columns
        ``distance``, ``centre`` (adcode of the centre used, missing where
        NaN) and ``agglomeration`` (the UA the value comes from).  ``attrs``
        holds ``"unit"`` and, as plain dicts keyed like the index, ``"centre"``
        and ``"agglomeration"`` (kept for compatibility; plain values, so
        ``pd.concat`` of two results works).  NaN marks members not in ``od`` (or whose UA has no
        central city in ``od``), ``inf`` members without a road path to a
        central city; both are named in one
        :class:`~geoaggl.errors.UnreachableWarning`.

    Raises
    ------
    DataError
        A UA without a central city, a ``primary`` centre that is not a central
        member of its UA, an empty membership table, missing or duplicated
        membership rows, a ``central``
        value that is not a boolean, negative, NaN or non-numeric ``od``
        entries between a member and a central city (use ``inf`` for pairs
        without a road), duplicated ``od`` labels, ``duplicates="raise"`` with
        cities in two UAs.
    UnknownSchemeError
        Unknown ``rule`` (an :class:`~geoaggl.errors.OptionError`).
    OptionError
        Unknown ``duplicates``.
    ParameterTypeError
        ``od`` not a DataFrame, ``primary`` not a mapping, ``by_agglomeration``
        not a bool.

    References
    ----------
    Song Deyong and Li Dongfang (宋德勇, 李东方).
    国家级城市群高质量平衡增长研究——基于产业分工的视角 ("High-quality balanced growth of
    national urban agglomerations: an industrial division-of-labour perspective"):
    the distance to the central city.

    Examples
    --------
    >>> od = od_matrix(None, geoaggl.prefectures(include_sar=True))       # doctest: +SKIP
    >>> d = distance_to_centre(od, geoaggl.agglomerations("national11"))  # doctest: +SKIP
    >>> d[["810000", "130400"]]  # Hong Kong: road km to 深圳; 邯郸: nearest of 京津冀's and 中原's centres
    ... # doctest: +SKIP
    """
    where = "distance_to_centre"
    _option(rule, _RULES, "rule", where)
    check_option(duplicates, DUPLICATES, name="duplicates", where=where)
    by_agglomeration = _check_bool(by_agglomeration, "by_agglomeration", where)
    if not isinstance(od, pd.DataFrame):
        raise ParameterTypeError(
            f"{where}: od must be a DataFrame (od_matrix output), got {type(od).__name__}"
        )
    if primary is not None and not isinstance(primary, Mapping):
        raise ParameterTypeError(
            f"{where}: primary must be a mapping {{agglomeration: adcode}}; got {type(primary).__name__}"
        )
    mem, names = _membership_table(membership, where)
    mem = apply_duplicates(
        mem,
        unit="adcode",
        group="agglomeration",
        duplicates=duplicates,
        where=where,
        names=names,
        stacklevel=3,
    )
    prim: dict[Any, str] = {k: _key(v) for k, v in (primary or {}).items()}
    unknown = sorted(set(prim) - set(mem["agglomeration"]), key=str)
    if unknown:
        raise DataError(f"{where}: primary: unknown agglomeration(s) {format_keys(unknown)}")
    table = _OdTable(od, where)
    rows: list[tuple[Any, str, float, str | None]] = []
    gaps: list[str] = []
    for ua, grp in mem.groupby("agglomeration", sort=False):
        rows += _ua_distances(table, ua, grp, rule, prim.get(ua), gaps)
    out = pd.DataFrame(rows, columns=["agglomeration", "adcode", "distance", "centre"])
    res, side = _shape_result(out, rule, by_agglomeration)
    res.attrs["unit"] = od.attrs.get("unit")
    _warn_unreachable(res, names, gaps, where)
    if report:
        return pd.DataFrame({"distance": res, **side}).rename_axis(res.index.names)
    res.attrs["centre"] = side["centre"].to_dict()
    res.attrs["agglomeration"] = side["agglomeration"].to_dict()
    return res


def _key(v: Any) -> str:
    """Adcode-like key as a string: 110100, 110100.0 and "110100" are the same key."""
    if isinstance(v, str):
        return v.strip()
    if isinstance(v, numbers.Integral) and not isinstance(v, bool):
        return str(int(v))
    if isinstance(v, numbers.Real) and not isinstance(v, bool) and math.isfinite(v) and float(v).is_integer():
        return str(int(float(v)))
    return str(v)


_TRUE = {"true": True, "1": True, "false": False, "0": False}


def _strict_bool(v: Any) -> bool | None:
    """A boolean read strictly: bools, 0/1 and the strings true/false/1/0 (any case); else None."""
    if isinstance(v, bool | np.bool_):
        return bool(v)
    if isinstance(v, str):
        return _TRUE.get(v.strip().lower())
    if isinstance(v, numbers.Real) and v in (0, 1):
        return bool(v)
    return None


def _membership_table(membership: Any, where: str) -> tuple[pd.DataFrame, pd.Series | None]:
    """Validated (agglomeration, adcode, central) rows and display names of a membership table."""
    need = ["agglomeration", "adcode", "central"]
    if not isinstance(membership, pd.DataFrame) or not set(need) <= set(membership.columns):
        raise DataError(
            f"{where}: membership must be a DataFrame with columns {need} (geoaggl.agglomerations output)"
        )
    if len(membership) == 0:
        raise DataError(f"{where}: membership is empty")
    ua = membership["agglomeration"].tolist()
    codes = membership["adcode"].tolist()
    missing = [i for i, (g, a) in enumerate(zip(ua, codes, strict=True)) if pd.isna(g) or pd.isna(a)]
    if missing:
        raise DataError(
            f"{where}: membership rows without agglomeration or adcode at positions {format_keys(missing)}"
        )
    keys = [_key(a) for a in codes]
    central = [_strict_bool(v) for v in membership["central"].tolist()]
    bad = [
        (g, k, v)
        for g, k, v, c in zip(ua, keys, membership["central"].tolist(), central, strict=True)
        if c is None
    ]
    if bad:
        raise DataError(
            f"{where}: column 'central' must hold booleans (True/False, 1/0, 'True'/'False'); "
            f"bad (agglomeration, adcode, value) rows: {format_keys(bad, limit=10)}"
        )
    mem = pd.DataFrame({"agglomeration": ua, "adcode": keys, "central": central})
    dup = mem.duplicated(["agglomeration", "adcode"], keep=False).to_numpy()
    if dup.any():
        pairs = zip(mem["agglomeration"][dup], mem["adcode"][dup], strict=True)
        raise DataError(f"{where}: membership: duplicated rows {format_keys(pairs)}")
    names = None
    if "name" in membership.columns:
        names = pd.Series(membership["name"].to_numpy(), index=keys)
        names = names[~names.index.duplicated()]
    return mem, names


class _OdTable:
    """String-keyed positions and validated values of an OD matrix (only the cells used are checked)."""

    def __init__(self, od: pd.DataFrame, where: str) -> None:
        self.where = where
        self.rows = pd.Index([_key(k) for k in od.index])
        self.cols = pd.Index([_key(k) for k in od.columns])
        for lab, axis in ((self.rows, "index"), (self.cols, "columns")):
            if lab.has_duplicates:
                raise DataError(
                    f"{where}: od {axis} has duplicated labels {format_keys(lab[lab.duplicated(keep=False)])}"
                )
        if all(pd.api.types.is_numeric_dtype(t) and not pd.api.types.is_complex_dtype(t) for t in od.dtypes):
            self.values = od.to_numpy(dtype=np.float64)
        else:
            self.values = (
                np.column_stack(
                    [
                        as_float_array(od.iloc[:, j], what=f"{where}: od column {od.columns[j]!r}")
                        for j in range(od.shape[1])
                    ]
                )
                if od.shape[1]
                else np.empty((od.shape[0], 0))
            )

    def covers(self, key: str) -> bool:
        return key in self.rows and key in self.cols

    def block(self, members: list[str], centres: list[str]) -> np.ndarray:
        r = self.rows.get_indexer(pd.Index(members))
        c = self.cols.get_indexer(pd.Index(centres))
        blk = self.values[np.ix_(r, c)]
        for mask, what in ((np.isnan(blk), "missing (NaN)"), (blk < 0, "negative")):
            if mask.any():
                i, j = np.nonzero(mask)
                pairs = [(members[a], centres[b]) for a, b in zip(i[:20], j[:20], strict=True)]
                raise DataError(
                    f"{self.where}: od has {what} distances from members to central cities at "
                    f"{format_keys(pairs, limit=10)} ({int(mask.sum())} in all); use inf for "
                    "pairs without a road"
                )
        return blk


def _ua_distances(
    table: _OdTable, ua: Any, grp: pd.DataFrame, rule: str, prim: str | None, gaps: list[str]
) -> list[tuple[Any, str, float, str | None]]:
    """(agglomeration, adcode, distance, centre) for the members of one UA."""
    codes = grp["adcode"].tolist()
    cents = [a for a, c in zip(codes, grp["central"].tolist(), strict=True) if c]
    if prim is not None:
        if prim not in codes:
            raise DataError(f"primary centre {prim!r} of {ua!r} is not a member of that agglomeration")
        if prim not in cents:
            raise DataError(f"primary centre {prim!r} of {ua!r} is not a central city of that agglomeration")
    if not cents:
        raise DataError(f"agglomeration {ua!r} has no central city (column 'central')")
    if rule == "primary":
        use = [prim if prim is not None else min(cents, key=lambda a: (_primary_rank(a), cents.index(a)))]
    else:
        use = cents
    use = [c for c in use if table.covers(c)]
    if not use:
        gaps.append(f"{ua}: no central city in od")
    inside = [a for a in codes if table.covers(a) and a not in cents]  # centres are 0 by definition
    out: dict[str, tuple[float, str | None]] = {a: (np.nan, None) for a in codes}
    if use and inside:
        blk = table.block(inside, use)
        j = np.argmin(blk, axis=1)
        for i, (a, jj) in enumerate(zip(inside, j.tolist(), strict=True)):
            out[a] = (float(blk[i, jj]), use[jj])
    for a in cents:
        if table.covers(a):
            out[a] = (0.0, a)
    return [(ua, a, *out[a]) for a in codes]


def _shape_result(
    out: pd.DataFrame, rule: str, by_agglomeration: bool
) -> tuple[pd.Series, dict[str, pd.Series]]:
    """One value per listing (MultiIndex) or per distinct adcode (the nearest / first listing),
    and the centre and agglomeration of each value."""
    if by_agglomeration:
        mi = pd.MultiIndex.from_frame(out[["agglomeration", "adcode"]])
        res = pd.Series(out["distance"].to_numpy(), index=mi, name="distance")
        side = {
            "centre": pd.Series(out["centre"].to_numpy(), index=mi, name="centre"),
            "agglomeration": pd.Series(out["agglomeration"].to_numpy(), index=mi, name="agglomeration"),
        }
        return res, side
    best: dict[str, int] = {}
    dist = out["distance"].to_numpy()
    for i, a in enumerate(out["adcode"].tolist()):
        j = best.get(a)
        if j is None or (rule == "nearest" and _nearer(dist[i], dist[j])):
            best[a] = i
    pick = out.iloc[list(best.values())]
    idx = pd.Index(pick["adcode"].to_numpy(), name="adcode")
    res = pd.Series(pick["distance"].to_numpy(), index=idx, name="distance")
    side = {
        "centre": pd.Series(pick["centre"].to_numpy(), index=idx, name="centre"),
        "agglomeration": pd.Series(pick["agglomeration"].to_numpy(), index=idx, name="agglomeration"),
    }
    return res, side


def _nearer(d: float, e: float) -> bool:
    """``d`` beats ``e`` (NaN loses to everything, ties keep the first listing)."""
    return not math.isnan(d) and (math.isnan(e) or d < e)


def _warn_unreachable(res: pd.Series, names: pd.Series | None, gaps: list[str], where: str) -> None:
    """One UnreachableWarning naming the NaN (not in od) and inf (no road) members."""
    vals = res.to_numpy()
    keys = res.index.get_level_values(-1)

    def label(a: Any) -> str:
        return f"{a} {names[a]}" if names is not None and a in names.index else str(a)

    parts = []
    nan = np.isnan(vals)
    if nan.any():
        parts.append(
            f"{len(set(keys[nan]))} member(s) not in od, distance NaN: "
            f"{format_keys(label(a) for a in keys[nan])}"
        )
    inf = np.isinf(vals)
    if inf.any():
        parts.append(
            f"{len(set(keys[inf]))} member(s) without a road path to a central city, distance inf: "
            f"{format_keys(label(a) for a in keys[inf])}"
        )
    if gaps:
        parts.append("; ".join(gaps))
    if parts:
        warnings.warn(f"{where}: " + "; ".join(parts), UnreachableWarning, stacklevel=3)


# --------------------------------------------------------------------------- isochrones
def _centre_point(centre: Any, units: gpd.GeoDataFrame | None) -> tuple[float, float, Hashable | None]:
    """WGS84 (lon, lat) of an isochrone centre and its adcode if given as one; validated."""
    from shapely.geometry import Point

    label: Hashable | None = None
    if isinstance(centre, Point):
        if centre.is_empty:
            raise DataError("centre is an empty Point")
        lon, lat = float(centre.x), float(centre.y)
    elif isinstance(centre, tuple) and len(centre) == 2:
        if not all(isinstance(c, numbers.Real) and not isinstance(c, bool) for c in centre):
            raise ParameterTypeError(f"centre (lon, lat) must hold two numbers; got {centre!r}")
        lon, lat = float(centre[0]), float(centre[1])
    elif isinstance(centre, str):
        from .boundaries import prefectures

        tab = (
            units
            if units is not None and {"seat_lon", "seat_lat"} <= set(units.columns)
            else prefectures(include_sar=True)
        )
        if centre not in tab.index:
            raise DataError(f"centre {centre!r} is not an adcode of the units")
        lon, lat = float(tab.loc[centre, "seat_lon"]), float(tab.loc[centre, "seat_lat"])
        label = centre
    else:
        raise ParameterTypeError(
            f"centre must be an adcode, a shapely Point or a (lon, lat) tuple, got {type(centre).__name__}"
        )
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise DataError(f"centre has missing (NaN) or infinite coordinates ({lon}, {lat})")
    if abs(lon) > 180 or abs(lat) > 90:
        raise CRSError(f"centre ({lon}, {lat}) is not a WGS84 longitude/latitude")
    return lon, lat, label


def isochrone(
    G: nx.MultiDiGraph | RoadGraph | None,
    centre: Any,
    *,
    minutes: float = 60.0,
    buffer_km: float = 5.0,
    weight: str = "travel_time",
    mode: str = "road",
) -> BaseGeometry:
    r"""Isochrone polygon (WGS84): the area within ``minutes`` of ``centre`` by road, rail or either.

    Method (``mode="road"``): one Dijkstra tree from the centre's snapped node on
    ``weight`` (seconds), cut at :math:`T = 60 \cdot \text{minutes}`.  Every arc
    :math:`(a, b)` with :math:`t_a \le T` is kept up to the reached fraction
    :math:`f = \min(1, (T - t_a) / w_{ab})` of its straight segment; the kept
    segments are buffered by ``buffer_km`` in :data:`geoaggl._geo.METRIC_CRS`
    (local access off the major roads), unioned, and holes inside the result
    are filled (places enclosed by reached roads are taken as reached).

    ``mode="rail"``: the centre is snapped to its nearest node of the bundled
    rail graph (:func:`geoaggl.rail.station_access`), and its access leg
    :math:`a_c = 60\, d_c \cdot \text{detour} / v_{access}` minutes
    (:data:`geoaggl.rail.ACCESS_DETOUR` 1.3, :data:`geoaggl.rail.ACCESS_KPH`
    30 km/h; :math:`d_c` the great-circle km to the node) is taken from the
    budget: one Dijkstra tree on the rail ``travel_time``
    (:func:`geoaggl.rail.rail_arrays`, the default speed model) from that node,
    cut at :math:`T_r = 60\,(\text{minutes} - a_c)`.  The reached arcs are
    kept up to :math:`f` as above, buffered by ``buffer_km`` (plus the centre
    and, if :math:`T_r \ge 0`, its rail node) and unioned, but holes are *not*
    filled: a train line does not serve the land between two lines.  If
    :math:`a_c` exceeds the budget only the centre's disk is reached.

    ``mode="fastest"``: :math:`I = I_{road} \cup I_{rail}`, a place is reached
    if either mode reaches it within the budget (the rail part is left out if
    the centre is farther than :data:`geoaggl.rail.MAX_SNAP_KM` (150 km) from
    the railway).

    Known limitation of the rail modes: the rail graph has no stations, so every
    rail node (track vertex, a median 1.2 km apart) is taken as a stop where one
    can board and alight, with no waiting or dwell time.  The rail isochrone is
    therefore an optimistic upper bound of the area a timetable would give.

    Parameters
    ----------
    G : networkx.MultiDiGraph, RoadGraph or None
        osmnx-style graph with ``travel_time`` (seconds); a :class:`RoadGraph`
        or ``None`` (the bundled graph) runs on the shipped arrays without networkx.
        The road part only: the rail part always uses the bundled rail graph
        (:func:`geoaggl.rail.china_railways`), whatever ``G`` is; with
        ``mode="rail"`` ``G`` is not read (only its type is checked).
    centre : str, shapely Point or (lon, lat)
        An adcode of :func:`geoaggl.prefectures` (its seat) or a WGS84 point.
    minutes : float, default 60
    buffer_km : float, default 5
    weight : str, default "travel_time"
        Road edge weight; must be ``"travel_time"`` with ``mode="rail"`` or ``"fastest"``.
    mode : {"road", "rail", "fastest"}, default "road"
        Road only (the behaviour before ``mode`` existed), rail only, or the
        union of both.

    Returns
    -------
    shapely Polygon or MultiPolygon (WGS84).

    Raises
    ------
    DataError
        An unknown adcode, an empty Point, NaN coordinates, a centre more than
        30 km from the nearest road node (off the network, e.g. 三沙) or, with
        ``mode="rail"``, more than 150 km from the nearest rail node,
        ``minutes`` or ``buffer_km`` that is not a finite number > 0.
    CRSError
        A centre outside the longitude/latitude range.
    OptionError
        ``mode`` other than ``"road"``, ``"rail"``, ``"fastest"``; ``weight``
        other than ``"travel_time"`` with the rail modes.
    ParameterTypeError
        A centre of another type, a tuple of non-numbers.

    References
    ----------
    Dijkstra, E. W. (1959). A note on two problems in connexion with graphs.
    *Numerische Mathematik*, 1, 269-271.

    基于国际经验的我国都市圈产业合作研究 ("Industrial cooperation in China's
    metropolitan areas: lessons from international experience").

    OpenStreetMap contributors (2024). OpenStreetMap railway data, via
    scgraph-data 2.0.0 ``world_railways`` (Open Database License 1.0).

    Examples
    --------
    A three-node road east from Shanghai's seat at 80 km/h: in 30 minutes it
    reaches 40 km along the road, plus the 5 km access buffer either side:

    >>> import math
    >>> import networkx as nx
    >>> from geoaggl import roads
    >>> G = nx.MultiDiGraph(crs="EPSG:4326")
    >>> lon = [121.47, 121.80, 122.30]
    >>> for i, x in enumerate(lon):
    ...     G.add_node(i, x=x, y=31.23)
    >>> for a, b in [(0, 1), (1, 2)]:
    ...     m = (lon[b] - lon[a]) * 111_320 * math.cos(math.radians(31.23))
    ...     for u, v in [(a, b), (b, a)]:
    ...         _ = G.add_edge(u, v, length=m, speed_kph=80.0, travel_time=m / (80 / 3.6))
    >>> iso = roads.isochrone(G, (121.47, 31.23), minutes=30)
    >>> iso.geom_type, round(iso.bounds[2], 2)  # east edge: 121.47° + (40 + 5) km
    ('Polygon', 121.94)

    By rail, 45 minutes from Shanghai's seat reach the seats of 苏州 and 嘉兴
    (the road isochrone reaches neither):

    >>> from shapely.geometry import Point
    >>> by_rail = roads.isochrone(None, "310100", minutes=45, mode="rail")
    >>> by_rail.contains(Point(120.5815, 31.2996)), by_rail.contains(Point(120.7512, 30.7485))
    (True, True)
    """
    mode = _check_mode(mode, weight, "isochrone")
    if mode == "road":
        return _isochrone(G, centre, minutes=minutes, buffer_km=buffer_km, weight=weight, units=None)[0]
    budget = _positive(minutes, "minutes", "isochrone")
    return _isochrones(G, centre, [budget], buffer_km=buffer_km, units=None, access0=0.0, mode=mode)[0][0]


_MAX_BUFFER_KM = 500.0  # larger buffers are not an access leg and overflow GEOS's precision


def _buffer_km(buffer_km: Any, where: str) -> float:
    buffer_km = _positive(buffer_km, "buffer_km", where)
    if buffer_km > _MAX_BUFFER_KM:
        raise DataError(f"{where}: buffer_km={buffer_km!r} is larger than {_MAX_BUFFER_KM:g} km")
    return buffer_km


def _reach_polygon(
    node_lon: np.ndarray,
    node_lat: np.ndarray,
    csr: Any,
    dist: np.ndarray,
    limit: float,
    *,
    nodes: Sequence[int],
    points: Sequence[tuple[float, float]],
    buffer_km: float,
    fill: bool,
) -> BaseGeometry:
    """The arcs of a Dijkstra tree cut at ``limit`` (up to the reached fraction), buffered, unioned.

    ``nodes`` (graph node ids) and ``points`` (WGS84 lon, lat) are added as buffered points;
    ``fill`` fills the holes of the result.  The road and the rail isochrones share it.
    """
    import shapely
    from pyproj import Transformer

    from ._geo import METRIC_CRS

    tail = np.repeat(np.arange(node_lon.size), np.diff(csr.indptr))
    head = csr.indices.astype(np.int64)
    w = csr.data
    ta = dist[tail]
    keep = np.isfinite(ta) & (ta <= limit)
    tail, head, w, ta = tail[keep], head[keep], w[keep], ta[keep]
    frac = np.where(w > 0, np.minimum(1.0, (limit - ta) / np.where(w > 0, w, 1.0)), 1.0)
    tr = Transformer.from_crs("EPSG:4326", METRIC_CRS, always_xy=True)
    x, y = tr.transform(node_lon, node_lat)
    x, y = np.asarray(x), np.asarray(y)
    x0, y0 = x[tail], y[tail]
    x1 = x0 + frac * (x[head] - x0)
    y1 = y0 + frac * (y[head] - y0)
    coords = np.stack([np.c_[x0, y0], np.c_[x1, y1]], axis=1)
    segs = shapely.linestrings(coords) if coords.size else np.empty(0, dtype=object)
    parts = [*list(segs), *(shapely.Point(float(x[k]), float(y[k])) for k in nodes)]
    parts += [shapely.Point(*tr.transform(lo, la)) for lo, la in points]
    geom = shapely.union_all(shapely.buffer(np.array(parts, dtype=object), buffer_km * 1000.0, quad_segs=4))
    if fill:
        polys = [geom] if geom.geom_type == "Polygon" else list(geom.geoms)
        geom = shapely.union_all([shapely.Polygon(p.exterior) for p in polys])
    back = Transformer.from_crs(METRIC_CRS, "EPSG:4326", always_xy=True)
    return shapely.make_valid(shapely.transform(geom, back.transform, interleaved=False))


def _isochrone(
    G: Any, centre: Any, *, minutes: float, buffer_km: float, weight: str, units: gpd.GeoDataFrame | None
) -> tuple[BaseGeometry, CompactGraph, np.ndarray, float]:
    from ._roadgraph import dijkstra_limited

    where = "metropolitan_circle" if units is not None else "isochrone"
    minutes = _positive(minutes, "minutes", where)
    buffer_km = _buffer_km(buffer_km, where)
    if not isinstance(weight, str) or not weight:
        raise ParameterTypeError(f"{where}: weight must be an edge attribute name, got {weight!r}")
    lon, lat, _ = _centre_point(centre, units)
    comp = _from_networkx(G, weight)
    node, km = comp.snap(np.array([lon]), np.array([lat]))
    if km[0] > _MAX_SNAP_KM:
        raise DataError(
            f"{where}: centre ({lon:.4f}, {lat:.4f}) is {km[0]:.0f} km from the nearest node of "
            f"the road graph (more than {_MAX_SNAP_KM:.0f} km: outside the network)"
        )
    limit = minutes * 60.0
    if comp.border is None:
        dist = dijkstra_limited(comp.csr(weight), int(node[0]), limit)
    else:  # one border crossing allowed (into Hong Kong / Macao or out of them), never transit
        dist = unpenalize(
            dijkstra_limited(comp.csr(weight), int(node[0]), limit + BORDER_PENALTY), max_crossings=1
        )
        dist[dist > limit] = np.inf  # as scipy's limit: inf beyond the budget
    plain = comp.csr(weight, routing=False)
    iso = _reach_polygon(comp.lon, comp.lat, plain, dist, limit, nodes=[int(node[0])],
                         points=[(lon, lat)], buffer_km=buffer_km, fill=True)  # fmt: skip
    return iso, comp, dist, float(km[0])


# --------------------------------------------------------------------------- travel modes
_MODES = ("road", "rail", "fastest")


def _check_mode(mode: Any, weight: Any, where: str) -> str:
    """``mode`` checked against :data:`_MODES`; rail and fastest need ``weight="travel_time"``."""
    mode = check_option(mode, _MODES, name="mode", where=where)
    if mode != "road":
        check_option(weight, ("travel_time",), name=f"weight (with mode={mode!r})", where=where)
    return str(mode)


def _check_graph_type(G: Any) -> None:
    """The type check of ``G`` where only the rail graph is used (``mode="rail"``)."""
    import networkx as nx

    if not (G is None or isinstance(G, RoadGraph | nx.Graph)):
        raise ParameterTypeError(
            f"G must be a networkx graph, a geoaggl.roads.RoadGraph or None, got {type(G).__name__}"
        )


def _rail_start(lon: float, lat: float, where: str, *, required: bool) -> tuple[int, float] | None:
    """The centre's rail node and access minutes (:func:`geoaggl.rail.station_access`).

    ``None`` for a centre farther than ``rail.MAX_SNAP_KM`` from the railway, a DataError
    if ``required``.
    """
    import geopandas as gpd
    from shapely.geometry import Point

    from . import rail

    acc = rail.station_access(gpd.GeoSeries([Point(lon, lat)], crs="EPSG:4326")).iloc[0]
    if not bool(acc["reachable"]):
        if required:
            raise DataError(
                f"{where}: centre ({lon:.4f}, {lat:.4f}) is {float(acc['snap_km']):.0f} km from the "
                f"nearest rail node (more than {rail.MAX_SNAP_KM:g} km: outside the rail network)"
            )
        return None
    return int(acc["node"]), float(acc["access_minutes"])


def _rail_isochrone(
    start: tuple[int, float], lon: float, lat: float, minutes: float, buffer_km: float
) -> BaseGeometry:
    """Rail isochrone: rail budget = ``minutes`` - the access minutes; holes are not filled."""
    from . import rail
    from ._roadgraph import dijkstra_limited

    arr = rail.rail_arrays()
    node, access = start
    limit = (minutes - access) * 60.0
    if limit < 0:  # the access leg alone is longer than the budget: only the centre is reached
        dist, nodes = np.full(arr["lon"].size, np.inf), []
    else:
        dist, nodes = dijkstra_limited(arr["travel_time"], node, limit), [node]
    return _reach_polygon(arr["lon"], arr["lat"], arr["travel_time"], dist, limit, nodes=nodes,
                          points=[(lon, lat)], buffer_km=buffer_km, fill=False)  # fmt: skip


def _rail_isochrones(
    centre: Any, budgets: list[float], *, buffer_km: float, units: Any, where: str, required: bool
) -> list[BaseGeometry] | None:
    """One rail isochrone per budget; ``None`` if the centre is off the railway and not ``required``."""
    buffer_km = _buffer_km(buffer_km, where)
    lon, lat, _ = _centre_point(centre, units)
    start = _rail_start(lon, lat, where, required=required)
    if start is None:
        return None
    return [_rail_isochrone(start, lon, lat, b, buffer_km) for b in budgets]


def _union(a: BaseGeometry, b: BaseGeometry | None) -> BaseGeometry:
    import shapely

    return a if b is None else shapely.make_valid(shapely.union(a, b))


def _thresholds(minutes: Any, where: str) -> list[float]:
    """``minutes`` (a number or a list of numbers) as a sorted list of distinct positive budgets."""
    if isinstance(minutes, str | bytes) or not isinstance(minutes, Sequence | np.ndarray):
        return [_positive(minutes, "minutes", where)]
    vals = sorted({_positive(m, "minutes", where) for m in minutes})
    if not vals:
        raise DataError(f"{where}: minutes is an empty list")
    return vals


def _centre_code(centre: Any, units: gpd.GeoDataFrame) -> Any:
    """An adcode or a unit name (上海, 苏州市, Suzhou, ...) as the units' adcode; other centres unchanged."""
    if not isinstance(centre, str) or centre in units.index:
        return centre
    from .errors import GeoagglError
    from .names import harmonize

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            code = harmonize([centre], errors="ignore").iloc[0]
    except GeoagglError:
        code = None
    if not isinstance(code, str) or code not in units.index:
        raise DataError(f"centre {centre!r} is neither an adcode nor the name of one of the units")
    return code


def _circle_units(units: Any) -> tuple[Any, np.ndarray, np.ndarray]:
    import geopandas as gpd

    from .boundaries import prefectures

    if units is None:  # Hong Kong and Macao are on the graph: a circle may reach them
        units = prefectures(include_sar=True)
    if not isinstance(units, gpd.GeoDataFrame) or not {"seat_lon", "seat_lat"} <= set(units.columns):
        raise DataError("units must be a GeoDataFrame with seat_lon, seat_lat and polygons (prefectures())")
    if units.crs is None:
        raise CRSError("metropolitan_circle: units has no CRS; set it first, e.g. units.set_crs('EPSG:4326')")
    _idx, lon, lat, _names = _points_lonlat(units, "units")  # checks duplicated adcodes first
    geom = units.geometry
    missing = (geom.isna() | geom.is_empty).to_numpy()
    if missing.any():
        raise DataError(
            f"metropolitan_circle: units with missing or empty geometries at "
            f"{format_keys(units.index[missing])}"
        )
    return units, lon, lat


def _isochrones(
    G: Any,
    centre: Any,
    budgets: list[float],
    *,
    buffer_km: float,
    units: Any,
    access0: float,
    mode: str = "road",
) -> tuple[list[BaseGeometry], CompactGraph | None, np.ndarray]:
    """One isochrone polygon per budget (graph budget = budget - the centre's access time).

    ``mode="road"``: the road isochrones (``access0`` is the centre's road access time);
    ``"rail"``: the rail isochrones (no road graph: ``None`` and an empty distance array);
    ``"fastest"``: their unions.
    """
    where = "metropolitan_circle" if units is not None else "isochrone"
    rail_polys: list[BaseGeometry] | None = None
    if mode != "road":
        if mode == "rail":
            _check_graph_type(G)
        rail_polys = _rail_isochrones(centre, budgets, buffer_km=buffer_km, units=units, where=where,
                                      required=mode == "rail")  # fmt: skip
    if mode == "rail":
        assert rail_polys is not None
        return rail_polys, None, np.empty(0)
    polys: list[BaseGeometry] = []
    comp: CompactGraph | None = None
    dist = np.empty(0)
    for i, b in enumerate(budgets):
        graph_minutes = max(b - access0, 1e-6)
        iso, comp, d, _ = _isochrone(G, centre, minutes=graph_minutes, buffer_km=buffer_km,
                                     weight="travel_time", units=units)  # fmt: skip
        polys.append(iso if rail_polys is None else _union(iso, rail_polys[i]))
        if i == len(budgets) - 1:
            dist = d
    assert comp is not None
    return polys, comp, dist


def _road_access0(G: Any, c_lon: float, c_lat: float) -> float:
    """The centre's urban access time (minutes) on the bundled graph on modelled speeds, else 0."""
    params = _access_params(G)
    if params is None:
        return 0.0
    comp0 = _from_networkx(G, "travel_time")
    return float(_access_at(np.array([c_lon]), np.array([c_lat]), comp0, params)[0])


def _rail_seat_times(c_lon: float, c_lat: float, units: Any) -> np.ndarray:
    """Door-to-door rail minutes from the centre to every seat (:func:`geoaggl.rail.od_matrix`)."""
    import geopandas as gpd
    from shapely.geometry import Point

    from . import rail

    origin = gpd.GeoSeries([Point(c_lon, c_lat)], crs="EPSG:4326")
    with warnings.catch_warnings():  # seats far from the railway: inf, documented by the caller
        warnings.simplefilter("ignore", UnreachableWarning)
        od = rail.od_matrix(origin, targets=units, weight="travel_time", include_access=True)
    return np.asarray(od.to_numpy(dtype=np.float64)[0])


def _seat_times(
    G: Any,
    comp: CompactGraph | None,
    dist: np.ndarray,
    units: Any,
    seats: tuple[np.ndarray, np.ndarray],
    centre: tuple[float, float, Hashable | None],
    *,
    access0: float,
    mode: str,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Seat travel times :math:`t_i` (minutes) and, unless ``mode="road"``, the mode giving each."""
    c_lon, c_lat, c_label = centre
    lon, lat = seats
    t = np.full(lon.size, np.inf)
    if comp is not None:
        node, km = comp.snap(lon, lat)
        t = dist[node] / 60.0
        params = _access_params(G)
        if params is not None:
            t = t + access0 + _access_at(lon, lat, comp, params)
        t[km > _MAX_SNAP_KM] = np.inf  # seats off the network (e.g. 三沙) are not reached
    via = None
    if mode != "road":
        t_rail = _rail_seat_times(c_lon, c_lat, units)
        via = np.where(t_rail < t, "rail", "road").astype(object)
        t = np.minimum(t, t_rail)
    if c_label is not None and c_label in units.index:
        k = units.index.get_loc(c_label)
        t[k] = 0.0
        if via is not None:
            via[k] = "road"
    return t, via


def metropolitan_circle(
    G: nx.MultiDiGraph | RoadGraph | None,
    centre: Any,
    *,
    minutes: float | Sequence[float] = 60.0,
    units: gpd.GeoDataFrame | None = None,
    buffer_km: float = 5.0,
    mode: str = "road",
) -> gpd.GeoDataFrame:
    r"""The metropolitan circle (都市圈) around a central city: every unit the isochrone touches.

    The 1-hour commuting circle is the unit of 基于国际经验的我国都市圈产业合作研究
    ("Industrial cooperation in China's metropolitan areas: lessons from
    international experience").  The isochrone :math:`I_m` is the area within
    :math:`m` minutes of the centre's seat by road (see :func:`isochrone`); each
    unit :math:`i` it touches is reported with the share of its area inside,
    :math:`|A_i \cap I_m| / |A_i|` (equal-area projection), its seat's travel
    time :math:`t_i` and whether that seat is inside (:math:`t_i \le m`).

    Parameters
    ----------
    G : networkx.MultiDiGraph, RoadGraph or None
        Graph with ``travel_time`` (seconds), e.g. :func:`china_highways`; a
        :class:`RoadGraph` or ``None`` (the bundled graph) skips networkx.
    centre : str, shapely Point or (lon, lat)
        Adcode or name (``"上海"``, ``"苏州市"``, ``"Hangzhou"``) of the central
        city (its seat is used), or a WGS84 point.
    minutes : float or list of float, default 60
        Travel-time budget, or several (``[30, 60, 90]``): one isochrone per
        budget, laid out as rings.
    units : GeoDataFrame, optional
        Units with ``seat_lon``, ``seat_lat`` and polygons (default
        :func:`geoaggl.prefectures` with ``include_sar=True``: Hong Kong and Macao are on
        the road graph).
    buffer_km : float, default 5
        Buffer of the reached road (and rail) segments forming the isochrone
        (see :func:`isochrone`).
    mode : {"road", "rail", "fastest"}, default "road"
        Travel mode of the isochrones and the seat times (see Notes).
        ``G`` is the road graph; rail always runs on the bundled rail graph.

    Returns
    -------
    geopandas.GeoDataFrame
        Every unit touched by the (largest) isochrone, sorted by seat time: the
        units' columns (``name``, …, ``geometry``), plus ``minutes`` (the seat's
        travel time from the centre's seat, inf beyond the largest budget),
        ``seat_inside`` (bool: ``minutes`` within the largest budget), with
        ``mode="fastest"`` ``mode`` (``"road"`` or ``"rail"``: the mode giving
        ``minutes``; ties, the centre included, are ``"road"``; None where the
        seat is not inside), ``share`` (share of the unit's area inside the
        largest isochrone) and, with several budgets, ``ring`` (the smallest
        budget that reaches the seat; NaN if none) and ``share_<m>`` for each
        budget.  ``attrs``: ``"isochrone"`` (the largest isochrone polygon,
        WGS84; :func:`isochrone_rings` gives all of them as a GeoDataFrame for
        mapping), ``"minutes"`` (the largest budget) and ``"mode"`` (a string).

    Raises
    ------
    DataError
        As :func:`isochrone`; an unknown centre name; ``units`` without seats,
        with duplicated adcodes, missing seat coordinates or missing geometries;
        reached units whose geometries are not polygons.
    CRSError
        ``units`` without a CRS.
    OptionError
        ``mode`` other than ``"road"``, ``"rail"``, ``"fastest"``.

    Notes
    -----
    ``mode="road"``: on the bundled graph with its calibrated speeds
    (``speed_kph=None``), seat times include the urban access time at both ends
    (as :func:`od_matrix` with ``weight="travel_time"``), and each isochrone's
    road budget is the budget minus the centre's access time.  A seat more than
    30 km from the nearest node (off the network, e.g. 三沙) is never reached.
    The centre is listed with 0 minutes.

    ``mode="rail"``: the isochrones are the rail isochrones of :func:`isochrone`
    (rail budget :math:`m - a_c`, holes not filled; every rail node taken as a
    stop, an optimistic upper bound), and the seat time is door to door,

    .. math:: t_i^{rail} = a_c + \min_{P:\, s(c) \to s(i)} \sum_{e \in P} w_e + a_i

    with :math:`s(\cdot)` the nearest rail node, :math:`w_e` the rail travel
    time and :math:`a` the access legs of :func:`geoaggl.rail.station_access`:
    exactly :func:`geoaggl.rail.od_matrix` with ``weight="travel_time"`` and
    ``include_access=True``.  Seats more than 150 km from the railway are never
    reached by rail.

    ``mode="fastest"``: each isochrone is :math:`I_{road} \cup I_{rail}` and
    :math:`t_i = \min(t_i^{road}, t_i^{rail})`, with ``mode`` naming the
    faster one.

    References
    ----------
    基于国际经验的我国都市圈产业合作研究 ("Industrial cooperation in China's
    metropolitan areas: lessons from international experience").

    Dijkstra, E. W. (1959). A note on two problems in connexion with graphs.
    *Numerische Mathematik*, 1, 269-271.

    OpenStreetMap contributors (2024). OpenStreetMap railway data, via
    scgraph-data 2.0.0 ``world_railways`` (Open Database License 1.0).

    Examples
    --------
    On the small road of :func:`isochrone`, Shanghai (its seat is 0 minutes away)
    is the only prefecture reached, with the share of its area inside:

    >>> import math
    >>> import networkx as nx
    >>> from geoaggl import roads
    >>> G = nx.MultiDiGraph(crs="EPSG:4326")
    >>> lon = [121.47, 121.80, 122.30]
    >>> for i, x in enumerate(lon):
    ...     G.add_node(i, x=x, y=31.23)
    >>> for a, b in [(0, 1), (1, 2)]:
    ...     m = (lon[b] - lon[a]) * 111_320 * math.cos(math.radians(31.23))
    ...     for u, v in [(a, b), (b, a)]:
    ...         _ = G.add_edge(u, v, length=m, speed_kph=80.0, travel_time=m / (80 / 3.6))
    >>> c = roads.metropolitan_circle(G, "310100", minutes=30)
    >>> c.index.tolist(), float(c.loc["310100", "minutes"]), bool(c.loc["310100", "seat_inside"])
    (['310100'], 0.0, True)

    With the bundled road and rail graphs, the fastest mode reaches 苏州's seat
    within the hour by rail:

    >>> f = roads.metropolitan_circle(None, "上海", minutes=60, mode="fastest")
    >>> bool(f.loc["320500", "seat_inside"]), f.loc["320500", "mode"], f.attrs["mode"]
    (True, 'rail', 'fastest')
    """
    import geopandas as gpd
    import shapely

    from ._geo import METRIC_CRS

    where = "metropolitan_circle"
    mode = _check_mode(mode, "travel_time", where)
    budgets = _thresholds(minutes, where)
    units, lon, lat = _circle_units(units)
    centre = _centre_code(centre, units)
    c_point = _centre_point(centre, units)
    access0 = 0.0 if mode == "rail" else _road_access0(G, c_point[0], c_point[1])
    polys, comp, dist = _isochrones(G, centre, budgets, buffer_km=buffer_km, units=units, access0=access0,
                                    mode=mode)  # fmt: skip
    t, via = _seat_times(G, comp, dist, units, (lon, lat), c_point, access0=access0, mode=mode)
    poly = gpd.GeoSeries(units.geometry, crs=units.crs).to_crs(METRIC_CRS).to_numpy()
    isos = gpd.GeoSeries(polys, crs="EPSG:4326").to_crs(METRIC_CRS).to_numpy()
    largest = budgets[-1]
    near = shapely.intersects(poly, isos[-1])
    cover = np.zeros(len(poly))
    cover[near] = shapely.area(shapely.intersection(poly[near], isos[-1]))
    touched = (cover > 0) | (np.isfinite(t) & (t <= largest))
    out = units.loc[touched].copy()
    areas = _polygon_areas_km2(out, where, METRIC_CRS) * 1e6
    tt = t[touched]
    out["minutes"] = np.where(tt <= largest, tt, np.inf)
    out["seat_inside"] = np.isfinite(tt) & (tt <= largest)
    if mode == "fastest" and via is not None:
        inside = out["seat_inside"].to_numpy()  # object dtype: None (as documented), not the str dtype's NaN
        out["mode"] = pd.Series(np.where(inside, via[touched], None), index=out.index, dtype=object)
    for b, iso_m in zip(budgets, isos, strict=True):
        share = np.minimum(shapely.area(shapely.intersection(poly[touched], iso_m)) / areas, 1.0)
        if len(budgets) > 1:
            out[f"share_{b:g}"] = share
        if b == largest:
            out["share"] = share
    if len(budgets) > 1:
        ring = np.full(len(out), np.nan)
        for b in reversed(budgets):
            ring[tt <= b] = b
        out["ring"] = ring
    out = out.assign(_neg=-out["share"]).sort_values(["minutes", "_neg"], kind="stable").drop(columns="_neg")
    out.attrs["isochrone"] = polys[-1]
    out.attrs["minutes"] = float(largest)
    out.attrs["mode"] = mode
    return out


def isochrone_rings(
    G: nx.MultiDiGraph | RoadGraph | None,
    centre: Any,
    *,
    minutes: Sequence[float] = (30.0, 60.0, 90.0),
    buffer_km: float = 5.0,
    mode: str = "road",
) -> gpd.GeoDataFrame:
    r"""Isochrone polygons of several budgets as rings, ready for mapping.

    Ring :math:`k` is :math:`I_{m_k} \setminus I_{m_{k-1}}` (the first ring is the
    first isochrone): the area reached within :math:`m_k` minutes but not within
    :math:`m_{k-1}`.  On the bundled graph with calibrated speeds each road
    budget is the budget minus the centre's urban access time, as in
    :func:`metropolitan_circle`.  With ``mode="rail"`` the isochrones are the
    rail isochrones of :func:`isochrone` (budget minus the centre's rail access
    leg :math:`a_c`, holes not filled, every rail node taken as a stop: an
    optimistic upper bound); with ``mode="fastest"`` :math:`I_m = I_m^{road}
    \cup I_m^{rail}`.

    Parameters
    ----------
    G : networkx.MultiDiGraph, RoadGraph or None
        Graph with ``travel_time`` (seconds); None is the bundled graph.
    centre : str, shapely Point or (lon, lat)
        Adcode or name of the central city, or a WGS84 point.
    minutes : list of float, default (30, 60, 90)
        The budgets (sorted, distinct).
    buffer_km : float, default 5
        Buffer of the reached road (and rail) segments (see :func:`isochrone`).
    mode : {"road", "rail", "fastest"}, default "road"
        Travel mode, as :func:`isochrone`; ``G`` is the road graph, rail always
        runs on the bundled rail graph.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per budget, index ``minutes``, columns ``area_km2`` (of the ring)
        and ``geometry`` (the ring, EPSG:4326); ``isochrone`` holds the full
        isochrone polygon of each budget.

    Raises
    ------
    DataError, ParameterTypeError, OptionError
        As :func:`metropolitan_circle`.

    References
    ----------
    Dijkstra, E. W. (1959). A note on two problems in connexion with graphs.
    *Numerische Mathematik*, 1, 269-271.

    OpenStreetMap contributors (2024). OpenStreetMap railway data, via
    scgraph-data 2.0.0 ``world_railways`` (Open Database License 1.0).

    Examples
    --------
    >>> import math
    >>> import networkx as nx
    >>> from geoaggl import roads
    >>> G = nx.MultiDiGraph(crs="EPSG:4326")
    >>> lon = [121.47, 121.80, 122.30]
    >>> for i, x in enumerate(lon):
    ...     G.add_node(i, x=x, y=31.23)
    >>> for a, b in [(0, 1), (1, 2)]:
    ...     m = (lon[b] - lon[a]) * 111_320 * math.cos(math.radians(31.23))
    ...     for u, v in [(a, b), (b, a)]:
    ...         _ = G.add_edge(u, v, length=m, speed_kph=80.0, travel_time=m / (80 / 3.6))
    >>> r = roads.isochrone_rings(G, (121.47, 31.23), minutes=[10, 20])
    >>> r.index.tolist(), bool(r.geometry.is_valid.all())
    ([10.0, 20.0], True)
    """
    import geopandas as gpd
    import shapely

    from ._geo import METRIC_CRS
    from .boundaries import prefectures

    where = "isochrone_rings"
    mode = _check_mode(mode, "travel_time", where)
    budgets = _thresholds(minutes, where)
    units = prefectures()
    centre = _centre_code(centre, units)
    c_lon, c_lat, _ = _centre_point(centre, units)
    access0 = 0.0 if mode == "rail" else _road_access0(G, c_lon, c_lat)
    polys, _, _ = _isochrones(G, centre, budgets, buffer_km=buffer_km, units=None, access0=access0, mode=mode)
    rings = [polys[0]] + [shapely.make_valid(polys[k].difference(polys[k - 1])) for k in range(1, len(polys))]
    idx = pd.Index(budgets, name="minutes")
    out = gpd.GeoDataFrame(
        {"isochrone": gpd.GeoSeries(polys, index=idx, crs="EPSG:4326")},
        geometry=gpd.GeoSeries(rings, index=idx, crs="EPSG:4326"),
        index=idx,
    )
    out["area_km2"] = out.geometry.to_crs(METRIC_CRS).area.to_numpy() / 1e6
    return out[["area_km2", "geometry", "isochrone"]]


def od_blocks(
    G: nx.MultiDiGraph | RoadGraph | None,
    points: gpd.GeoDataFrame | gpd.GeoSeries,
    path: str | os.PathLike[str],
    *,
    targets: gpd.GeoDataFrame | gpd.GeoSeries | None = None,
    weight: str = "length",
    block_size: int = 512,
    dtype: Literal["float64", "float32"] = "float32",
    max_snap_km: float | None = 30.0,
    progress: Callable[[int, int], None] | None = None,
) -> Path:
    """Write a large OD matrix to disk in row blocks, in bounded memory.

    The matrix of :func:`od_matrix` (same units, ``inf`` where unreachable) is computed
    ``block_size`` source points at a time and written as ``block_00000.npy``, … (no
    pickles) in the directory ``path``, with ``rows.csv`` (row label, block, row within the
    block), ``columns.csv`` (column labels) and ``manifest.json`` (shape, dtype, unit,
    weight, block files).  Peak memory is one block (``block_size × len(targets)``) plus
    the graph: a 40,000-point matrix in float32 (6.4 GB on disk) runs in under 1 GB.
    Read a block back with ``numpy.load(path / "block_00000.npy")``.

    Parameters
    ----------
    G, points, targets, weight, max_snap_km
        As in :func:`od_matrix`.
    path : str or path-like
        Output directory (created; existing block files are overwritten).
    block_size : int, default 512
        Source points per block (≥ 1).
    dtype : {"float32", "float64"}, default "float32"
    progress : callable, optional
        ``progress(done, total)`` in source points, after each block.

    Returns
    -------
    pathlib.Path
        The directory written.

    Raises
    ------
    DataError, CRSError, ParameterTypeError
        As :func:`od_matrix`; ``block_size`` not a positive integer.

    References
    ----------
    Dijkstra, E. W. (1959). A note on two problems in connexion with graphs.
    *Numerische Mathematik*, 1, 269-271.

    Examples
    --------
    >>> import json, tempfile
    >>> import geoaggl
    >>> from geoaggl import roads
    >>> out = roads.od_blocks(None, geoaggl.prefectures().iloc[:5], tempfile.mkdtemp(), block_size=2)
    >>> json.loads((out / "manifest.json").read_text())["shape"]
    [5, 5]
    """
    import json
    from pathlib import Path

    from ._validate import check_int

    where = "od_blocks"
    block_size = check_int(block_size, name="block_size", minimum=1, where=where)
    dtype = check_option(dtype, ("float64", "float32"), name="dtype", where=where)
    if not isinstance(path, str | os.PathLike):
        raise ParameterTypeError(f"{where}: path must be a directory path; got {type(path).__name__}")
    out = Path(path)
    out.mkdir(parents=True, exist_ok=True)
    tgt = points if targets is None else targets
    n = len(points)
    files: list[str] = []
    rows: list[tuple[str, int, int]] = []
    caught: list[warnings.WarningMessage] = []
    unit = weight
    columns: list[str] = []
    for b, start in enumerate(range(0, n, block_size)):
        part = points.iloc[start : start + block_size]
        with warnings.catch_warnings(record=True) as got:
            warnings.simplefilter("always", UnreachableWarning)
            od = od_matrix(G, part, weight=weight, targets=tgt, max_snap_km=max_snap_km, dtype=dtype)
        caught += got
        assert isinstance(od, pd.DataFrame)
        name = f"block_{b:05d}.npy"
        np.save(out / name, od.to_numpy(), allow_pickle=False)
        files.append(name)
        rows += [(str(k), b, i) for i, k in enumerate(od.index)]
        unit = str(od.attrs["unit"])
        if not columns:
            columns = [str(c) for c in od.columns]
        del od
        if progress is not None:
            progress(min(start + block_size, n), n)
    pd.DataFrame(rows, columns=["label", "block", "row"]).to_csv(out / "rows.csv", index=False)
    pd.Series(columns, name="label").to_csv(out / "columns.csv", index=False)
    manifest = {"shape": [n, len(columns)], "dtype": dtype, "unit": unit, "weight": weight, "blocks": files}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    if caught:
        texts = list(dict.fromkeys(str(w.message) for w in caught))
        warnings.warn(
            f"{where}: {len(texts)} distinct warning(s) from the blocks, e.g. {texts[0]}",
            UnreachableWarning,
            stacklevel=2,
        )
    return out


def road_density(
    units: gpd.GeoDataFrame | None = None,
    *,
    per: float = 100.0,
    weight: Literal["length", "length_raw"] = "length",
) -> pd.Series:
    r"""Length of the bundled major-road network per area of each unit.

    .. math:: \text{density}_i = \frac{\sum_{e \in E_i} \ell_e}{A_i} \times \text{per}

    with :math:`\ell_e` the length (km) of road edge *e*, :math:`E_i` the edges whose
    midpoint lies inside unit *i*'s polygon, and :math:`A_i` the unit's area in km²
    in the equal-area :data:`geoaggl._geo.METRIC_CRS`.  Connector edges (the ferry,
    the Zhoushan and Lantau links, the Hong Kong / Macao links) are not counted.
    Edges are short (median ~1 km), so assigning each to the
    unit of its midpoint is accurate to a fraction of an edge per border crossing.
    It measures the *major* roads of the bundled OpenStreetMap extract, not all
    roads, so compare units with each other rather than with yearbook 道路密度.

    Parameters
    ----------
    units : geopandas.GeoDataFrame, optional
        Polygons indexed by adcode in WGS84 (default :func:`geoaggl.prefectures`).
    per : float, default 100
        Area unit: road km per ``per`` km² (100 gives km per 100 km²); a finite
        number > 0.
    weight : {"length", "length_raw"}, default "length"
        ``"length"``: edge lengths corrected for the chord shortfall of the
        simplified geometry (the calibrated detour factor of
        :func:`china_highways`, the same km as :func:`od_matrix`);
        ``"length_raw"``: the source's straight chords.

    Returns
    -------
    pandas.Series
        ``road_density`` aligned to ``units.index`` (a copy of it); 0 for a unit
        with no road; never NaN or inf.

    Raises
    ------
    DataError
        Empty ``units``, missing or empty geometries, geometries that are not
        polygons or have zero area (below 1 m²; named), ``per`` not finite
        and > 0.
    CRSError
        ``units`` not in EPSG:4326.
    ParameterTypeError
        ``units`` not a GeoDataFrame, ``per`` not a number.

    References
    ----------
    OpenStreetMap contributors. OpenStreetMap, https://www.openstreetmap.org,
    licensed under the Open Database Licence (ODbL) 1.0.

    Examples
    --------
    >>> import geoaggl
    >>> from geoaggl import roads
    >>> d = roads.road_density(geoaggl.prefectures().query("province == '江苏省'"))
    >>> d.name, len(d), bool((d > 0).all())
    ('road_density', 13, True)
    """
    import geopandas as gpd

    from ._geo import METRIC_CRS
    from .boundaries import prefectures

    where = "road_density"
    per = _positive(per, "per", where)
    weight = check_option(weight, ("length", "length_raw"), name="weight", where=where)
    if units is None:
        units = prefectures()
    if not isinstance(units, gpd.GeoDataFrame):
        raise ParameterTypeError(f"{where}: units must be a GeoDataFrame, got {type(units).__name__}")
    if units.crs is None or not units.crs.equals("EPSG:4326"):
        raise CRSError(f"{where}: units must be in EPSG:4326 (WGS84), got {units.crs}")
    if len(units) == 0:
        raise DataError(f"{where}: units is empty")
    area = _polygon_areas_km2(units, where, METRIC_CRS)
    a = bundled_arrays()
    keep = a["connector"] == 0
    u = a["u"][keep].astype(np.int64)
    v = a["v"][keep].astype(np.int64)
    lon = a["lon_e3"].astype(np.float64) / 1000.0
    lat = a["lat_e3"].astype(np.float64) / 1000.0
    mid = gpd.GeoSeries(gpd.points_from_xy((lon[u] + lon[v]) / 2, (lat[u] + lat[v]) / 2), crs="EPSG:4326")
    km = _edge_weights()[2][weight][keep] / 1000.0
    poly_idx, pt_idx = mid.sindex.query(units.geometry.values, predicate="contains")
    length = np.bincount(poly_idx, weights=km[pt_idx], minlength=len(units))
    dens = length / area * per
    if not np.isfinite(dens).all():  # e.g. a sliver of 1e-300 km² or per near the float maximum
        bad = units.index[~np.isfinite(dens)]
        raise DataError(f"{where}: density overflows at {format_keys(bad)} (area too small or per too large)")
    return pd.Series(dens, index=units.index.copy(), name="road_density")


def _polygon_areas_km2(units: gpd.GeoDataFrame, where: str, metric_crs: str) -> np.ndarray:
    """Equal-area km² of each unit, rejecting missing, empty, non-polygon and zero-area geometries."""
    geom = units.geometry
    missing = (geom.isna() | geom.is_empty).to_numpy()
    if missing.any():
        raise DataError(f"{where}: missing or empty geometries at {format_keys(units.index[missing])}")
    not_poly = ~geom.geom_type.isin(["Polygon", "MultiPolygon"]).to_numpy()
    if not_poly.any():
        raise DataError(f"{where}: geometries that are not polygons at {format_keys(units.index[not_poly])}")
    import shapely

    area = geom.to_crs(metric_crs).area.to_numpy() / 1e6
    flat = ~(np.isfinite(area) & (area >= 1e-6)) | (shapely.area(geom.to_numpy()) <= 0)  # degenerate
    if flat.any():
        raise DataError(
            f"{where}: zero-area (below 1 m²) or unprojectable polygons at {format_keys(units.index[flat])}"
        )
    return area
