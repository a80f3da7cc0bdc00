r"""Road networks, road distance matrices, distance to centre and metropolitan circles.

The bundled graph is mainland China's major-road network from ``scgraph-data``
2.0.0 (derived from OpenStreetMap, © OpenStreetMap contributors, ODbL 1.0; see
``geoaggl/data/NOTICE`` and ``boundaries/build_roads.py``): 119,008 nodes and
185,827 undirected edges, plus two documented connectors — the Qiongzhou Strait
ferry (Xuwen–Haikou), which makes Hainan reachable, and the Zhoushan Islands
Link (Ningbo–Zhoushan), which the source lacks.  Only 三沙 (seat on Yongxing
Island, ~390 km from the nearest road) stays unreachable.

Graphs follow osmnx's format (``networkx.MultiDiGraph``; node ``x``/``y``;
edge ``length`` in metres, ``speed_kph``, ``travel_time`` in seconds; graph
``crs``), so osmnx functions work on them, and :func:`od_matrix` accepts any
such graph.  osmnx is imported only by :func:`graph_from_osm`.

Caching
-------
:func:`od_matrix` caches, per graph object and weight, the compact arrays it
extracts and the distance matrices it computes.  Treat a graph as read-only
once you have passed it (or call :func:`clear_cache` after editing it in
place); to change speeds, call :func:`china_highways` with other parameters.
"""

from __future__ import annotations

import math
import warnings
import weakref
from collections.abc import Hashable, Mapping, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from ._roadgraph import FERRY, LINK, CompactGraph, bundled_arrays, many_to_many
from .errors import CRSError, DataError, GeoagglWarning, UnknownSchemeError, format_keys

if TYPE_CHECKING:
    import geopandas as gpd
    import networkx as nx
    from shapely.geometry.base import BaseGeometry

__all__ = [
    "DEFAULT_FERRY_MINUTES",
    "DEFAULT_SPEED_KPH",
    "china_highways",
    "clear_cache",
    "distance_to_centre",
    "graph_from_osm",
    "isochrone",
    "metropolitan_circle",
    "od_matrix",
    "road_density",
]

#: Default speed on the bundled graph's roads (km/h).  The source has no road
#: class: its major roads mix expressways (100–120 km/h limits) and national /
#: provincial roads (60–80 km/h), and 80 km/h is a common average assumption for
#: inter-city driving (e.g. Beijing–Shanghai, 1,215 km, about 13 h by road
#: including stops, ≈ 90 km/h).
DEFAULT_SPEED_KPH = 80.0
#: Default Qiongzhou Strait crossing time (minutes), sailing (~60–90 min,
#: Hai'an/Xuwen – Xiuying/Haikou) plus boarding.
DEFAULT_FERRY_MINUTES = 90.0
_STAMP = "geoaggl"
_SOURCE = "scgraph-data 2.0.0 world_highways; © OpenStreetMap contributors, ODbL 1.0"
_UNITS = {"length": ("km", 1000.0), "travel_time": ("min", 60.0)}
_CACHE_SIZE = 16


# --------------------------------------------------------------------------- graphs
def _validate_speed(name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) \
            or value <= 0:
        raise DataError(f"{name} must be a positive finite number, got {value!r}")
    return float(value)


@lru_cache(maxsize=4)
def _bundled_compact(speed_kph: float, ferry_minutes: float) -> CompactGraph:
    z = bundled_arrays()
    u = z["u"].astype(np.int64)
    v = z["v"].astype(np.int64)
    length = z["length_m"].astype(np.float64)
    ttime = length / (speed_kph / 3.6)
    ttime[z["connector"] == FERRY] = ferry_minutes * 60.0
    n = z["lat_e3"].size
    return CompactGraph(
        lon=z["lon_e3"] / 1000.0,
        lat=z["lat_e3"] / 1000.0,
        tail=np.r_[u, v],
        head=np.r_[v, u],
        weights={"length": np.r_[length, length], "travel_time": np.r_[ttime, ttime]},
        labels=np.arange(n),
        name="china_highways",
    )


def china_highways(*, speed_kph: float = DEFAULT_SPEED_KPH,
                   ferry_minutes: float = DEFAULT_FERRY_MINUTES) -> nx.MultiDiGraph:
    r"""Mainland China's major-road network as an osmnx-style graph (bundled, offline).

    Parameters
    ----------
    speed_kph : float, default :data:`DEFAULT_SPEED_KPH` (80)
        Speed on every road edge, km/h.  The source has no road class, so one
        speed applies to all roads (and to the Zhoushan Islands Link).
    ferry_minutes : float, default :data:`DEFAULT_FERRY_MINUTES` (90)
        Crossing time of the Qiongzhou Strait ferry, minutes.

    Returns
    -------
    networkx.MultiDiGraph
        A new graph on every call (built in ~1.5 s from the cached arrays), so
        it may be edited freely.  119,008 nodes (labels ``0..n-1``) with ``x``
        (longitude), ``y`` (latitude, WGS84) and ``street_count``; every
        undirected edge as two arcs (key 0) with ``length`` (metres),
        ``speed_kph`` and ``travel_time`` (seconds),
        :math:`t = \frac{\text{length}}{\text{speed\_kph} / 3.6}`.
        The ferry arcs carry ``ferry=True``, ``name`` and
        ``travel_time = 60 · ferry_minutes`` (their ``speed_kph`` is the
        implied average); the Zhoushan link arcs carry ``name``.  Graph
        attributes: ``crs="EPSG:4326"``, ``name``, ``source`` (licence) and
        ``geoaggl`` (the parameters, used by :func:`od_matrix` to take a fast
        path over the cached arrays).

    Notes
    -----
    Lengths are the source's (whole metres; edges are straight segments between
    nodes rounded to 0.001°).  The simplified geometry runs short in mountains
    (Beijing–Kunming ~13% below the driving distance); the plains pairs tested
    in ``tests/test_roads.py`` are within 10% of published driving distances.
    If you edit arcs of the returned graph in place, delete ``G.graph["geoaggl"]``
    so that :func:`od_matrix` reads the edited values instead of the arrays.

    Examples
    --------
    >>> G = china_highways()                      # doctest: +SKIP
    >>> od = od_matrix(G, geoaggl.prefectures())  # doctest: +SKIP
    """
    import networkx as nx

    speed_kph = _validate_speed("speed_kph", speed_kph)
    ferry_minutes = _validate_speed("ferry_minutes", ferry_minutes)
    z = bundled_arrays()
    comp = _bundled_compact(speed_kph, ferry_minutes)
    n = comp.n
    m = z["u"].size
    u = z["u"].tolist()
    v = z["v"].tolist()
    length = z["length_m"].astype(np.float64).tolist()
    ttime = comp.weights["travel_time"][:m].tolist()
    kind = z["connector"]
    deg = np.bincount(np.r_[z["u"], z["v"]], minlength=n).tolist()
    lon = comp.lon.tolist()
    lat = comp.lat.tolist()
    meta = [str(s) for s in z["meta"]]
    G = nx.MultiDiGraph(
        crs="EPSG:4326",
        name="china_highways",
        source=_SOURCE,
        notes=meta,
        **{_STAMP: {"graph": "china_highways", "speed_kph": speed_kph, "ferry_minutes": ferry_minutes,
                    "nodes": n, "edges": m}},
    )
    G.add_nodes_from((i, {"x": lon[i], "y": lat[i], "street_count": deg[i]}) for i in range(n))
    special = {int(i): int(kind[i]) for i in np.flatnonzero(kind != 0)}
    names = {FERRY: "Qiongzhou Strait ferry (Xuwen - Haikou)", LINK: "Zhoushan Islands Link"}

    def arcs() -> Any:
        for i, (a, b, ln, tt) in enumerate(zip(u, v, length, ttime, strict=True)):
            if i in special:
                attrs: dict[str, Any] = {"length": ln, "speed_kph": ln / tt * 3.6, "travel_time": tt,
                                         "name": names[special[i]]}
                if special[i] == FERRY:
                    attrs["ferry"] = True
                yield a, b, 0, attrs
                yield b, a, 0, dict(attrs)
            else:
                yield a, b, 0, {"length": ln, "speed_kph": speed_kph, "travel_time": tt}
                yield b, a, 0, {"length": ln, "speed_kph": speed_kph, "travel_time": tt}

    G.add_edges_from(arcs())
    return G


def graph_from_osm(path: str | Any, *, speed_kph: Mapping[str, float] | None = None,
                   fallback_kph: float = 50.0, simplify: bool = True, retain_all: bool = False,
                   bidirectional: bool = False) -> nx.MultiDiGraph:
    r"""Load an OpenStreetMap XML file into the same format as :func:`china_highways`.

    Uses ``osmnx.graph_from_xml`` (no network access), then
    ``osmnx.routing.add_edge_speeds`` and ``osmnx.routing.add_edge_travel_times``.

    Parameters
    ----------
    path : str or path-like
        An ``.osm`` XML file (as exported by openstreetmap.org or Overpass).
    speed_kph : mapping, optional
        Speed by ``highway`` value, km/h (osmnx's ``hwy_speeds``).  Edges with a
        ``maxspeed`` tag use it; others use the mean of their highway type, else
        ``fallback_kph``.
    fallback_kph : float, default 50
        Speed of edges whose highway type has no known speed.
    simplify, retain_all, bidirectional : bool
        Passed to ``osmnx.graph_from_xml``.

    Returns
    -------
    networkx.MultiDiGraph
        osmnx graph with ``length`` (m), ``speed_kph``, ``travel_time`` (s),
        ``crs`` EPSG:4326.

    Raises
    ------
    FileNotFoundError
        ``path`` does not exist.
    ImportError
        osmnx is not installed (``pip install 'geoaggl[roads]'``).
    """
    from pathlib import Path

    try:
        import osmnx as ox
    except ImportError as exc:  # pragma: no cover - optional extra
        raise ImportError("graph_from_osm needs osmnx: pip install 'geoaggl[roads]'") from exc
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"no OSM XML file at {str(p)!r}")
    fallback_kph = _validate_speed("fallback_kph", fallback_kph)
    G = ox.graph_from_xml(p, bidirectional=bidirectional, simplify=simplify, retain_all=retain_all)
    if len(G) == 0:
        raise DataError(f"{p.name}: the OSM file holds no routable ways")
    hwy = dict(speed_kph) if speed_kph is not None else None
    G = ox.routing.add_edge_speeds(G, hwy_speeds=hwy, fallback=fallback_kph)
    G = ox.routing.add_edge_travel_times(G)
    return G


# --------------------------------------------------------------------------- compact graphs
_GENERIC: weakref.WeakKeyDictionary[Any, tuple[tuple[int, int], CompactGraph]] = weakref.WeakKeyDictionary()


def clear_cache() -> None:
    """Forget every cached compact graph and distance matrix (after editing a graph in place)."""
    _GENERIC.clear()
    _bundled_compact.cache_clear()


def _is_bundled(G: Any) -> CompactGraph | None:
    stamp = G.graph.get(_STAMP) if hasattr(G, "graph") else None
    if not isinstance(stamp, Mapping) or stamp.get("graph") != "china_highways":
        return None
    try:
        comp = _bundled_compact(float(stamp["speed_kph"]), float(stamp["ferry_minutes"]))
    except (KeyError, TypeError, ValueError):
        return None
    if len(G) != comp.n:
        return None
    # spot check: a fixed sample of arcs must carry the values of the arrays
    m = comp.tail.size
    for i in range(0, m, max(1, m // 64)):
        a, b = int(comp.tail[i]), int(comp.head[i])
        kd = G._adj.get(a, {}).get(b)
        if not kd or len(kd) != 1:
            return None
        d = next(iter(kd.values()))
        if (d.get("length") != comp.weights["length"][i]
                or d.get("travel_time") != comp.weights["travel_time"][i]):
            return None
    return comp


def _from_networkx(G: Any, weight: str) -> CompactGraph:
    """Extract (and cache per graph object) the arrays of a networkx graph for ``weight``."""
    import networkx as nx

    if not isinstance(G, nx.Graph):
        raise TypeError(f"G must be a networkx graph, got {type(G).__name__}")
    bundled = _is_bundled(G)
    if bundled is not None and weight in bundled.weights:
        return bundled
    if len(G) == 0:
        raise DataError("the graph has no nodes")
    sig = (len(G), G.number_of_edges())
    hit = _GENERIC.get(G)
    if hit is not None and hit[0] == sig:
        comp = hit[1]
    else:
        labels = list(G.nodes)
        missing_xy = [k for k, d in G.nodes(data=True) if "x" not in d or "y" not in d]
        if missing_xy:
            raise DataError(f"graph nodes without 'x'/'y' coordinates: {format_keys(missing_xy)}")
        x = np.array([d["x"] for _, d in G.nodes(data=True)], dtype=np.float64)
        y = np.array([d["y"] for _, d in G.nodes(data=True)], dtype=np.float64)
        lon, lat = _graph_lonlat(G, x, y)
        comp = CompactGraph(lon=lon, lat=lat, tail=np.empty(0, np.int64), head=np.empty(0, np.int64),
                            weights={}, labels=np.array(labels, dtype=object),
                            name=str(G.graph.get("name", "graph")))
        comp._pos = {k: i for i, k in enumerate(labels)}  # type: ignore[attr-defined]
        _GENERIC[G] = (sig, comp)
    if weight not in comp.weights:
        pos = comp._pos  # type: ignore[attr-defined]
        tails: list[int] = []
        heads: list[int] = []
        ws: list[float] = []
        bad: list[Any] = []
        multi = G.is_multigraph()
        for a, nbrs in G._adj.items():
            ia = pos[a]
            for b, data in nbrs.items():
                if multi:
                    vals = [d.get(weight) for d in data.values()]
                else:
                    vals = [data.get(weight)]
                ok = [float(w) for w in vals
                      if isinstance(w, int | float | np.number) and not isinstance(w, bool)]
                if len(ok) != len(vals):
                    bad.append((a, b))
                    continue
                tails.append(ia)
                heads.append(pos[b])
                ws.append(min(ok))
        if bad:
            hint = (" (osmnx: ox.routing.add_edge_speeds(G) then ox.routing.add_edge_travel_times(G))"
                    if weight == "travel_time" else "")
            raise DataError(f"{len(bad)} edge(s) without a numeric {weight!r} attribute, e.g. "
                            f"{format_keys(bad, limit=5)}{hint}")
        w_arr = np.asarray(ws, dtype=np.float64)
        if w_arr.size and (not np.isfinite(w_arr).all() or (w_arr < 0).any()):
            badw = [(labels_a, labels_b) for labels_a, labels_b, w in
                    zip(np.asarray(comp.labels)[tails], np.asarray(comp.labels)[heads], ws, strict=True)
                    if not (math.isfinite(w) and w >= 0)]
            raise DataError(f"edge {weight!r} must be finite and >= 0; bad at {format_keys(badw, limit=5)}")
        t = np.asarray(tails, dtype=np.int64)
        h = np.asarray(heads, dtype=np.int64)
        if not G.is_directed():
            t, h, w_arr = np.r_[t, h], np.r_[h, t], np.r_[w_arr, w_arr]
        if comp.tail.size == 0 or not comp.weights:
            comp.tail, comp.head = t, h
            comp.weights[weight] = w_arr
        elif np.array_equal(comp.tail, t) and np.array_equal(comp.head, h):
            comp.weights[weight] = w_arr
        else:  # arc order differs (cannot happen for an unchanged graph); start afresh
            comp.tail, comp.head, comp.weights, comp._csr = t, h, {weight: w_arr}, {}
            comp._results.clear()
    return comp


def _graph_lonlat(G: Any, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    from pyproj import CRS, Transformer

    crs = G.graph.get("crs")
    if crs is None:
        raise CRSError("the graph has no 'crs' graph attribute (osmnx graphs carry one, e.g. 'EPSG:4326')")
    crs = CRS.from_user_input(crs)
    if crs.is_geographic and crs.equals(CRS.from_epsg(4326), ignore_axis_order=True):
        lon, lat = x.copy(), y.copy()
    else:
        lon, lat = Transformer.from_crs(crs, "EPSG:4326", always_xy=True).transform(x, y)
        lon, lat = np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)
    finite = np.isfinite(lon).all() and np.isfinite(lat).all()
    if not finite or np.abs(lat).max() > 90 or np.abs(lon).max() > 180:
        raise CRSError(f"graph node coordinates do not fit its crs {crs.to_string()!r} "
                       "(projected coordinates in a geographic graph?)")
    return lon, lat


# --------------------------------------------------------------------------- points
def _labels_for(index: pd.Index, names: pd.Series | None, keys: Sequence[Any]) -> list[str]:
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
        raise TypeError(f"{what} must be a GeoDataFrame or GeoSeries of points, got {type(points).__name__}")
    idx = geom.index
    _check_index(idx, what)
    if geom.crs is None:
        raise CRSError(f"{what} has no CRS; set it first, e.g. points.set_crs('EPSG:4326')")
    empty = geom.isna().to_numpy() | geom.is_empty.to_numpy()
    if empty.any():
        raise DataError(f"{what}: missing or empty geometries at {format_keys(idx[empty])}")
    not_point = (geom.geom_type != "Point").to_numpy()
    if not_point.any():
        raise DataError(f"{what}: non-point geometries at {format_keys(idx[not_point])}; "
                        "pass e.g. gdf.representative_point() or the seats of prefectures()")
    if not geom.crs.is_geographic or geom.crs.to_epsg() != 4326:
        if not geom.crs.is_geographic:
            x = geom.x.to_numpy()
            if np.nanmax(np.abs(x)) <= 180 and np.nanmax(np.abs(geom.y.to_numpy())) <= 90:
                raise CRSError(f"{what}: CRS {geom.crs.to_string()!r} is projected but the coordinates "
                               "look like degrees; set the right CRS "
                               "(set_crs('EPSG:4326', allow_override=True))")
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
    bad = ~(np.isfinite(lon) & np.isfinite(lat)) | (np.abs(lon) > 180) | (np.abs(lat) > 90)
    if bad.any():
        raise CRSError(f"{what}: {col} outside longitude/latitude range at {format_keys(idx[bad])} "
                       "(projected coordinates declared as EPSG:4326?)")


# --------------------------------------------------------------------------- OD matrices
def od_matrix(G: nx.MultiDiGraph, points: gpd.GeoDataFrame | gpd.GeoSeries, *,
              weight: str = "length", targets: gpd.GeoDataFrame | gpd.GeoSeries | None = None,
              max_snap_km: float | None = 30.0) -> pd.DataFrame:
    r"""Road distance (km) or travel time (minutes) between points.

    Each point is snapped to its nearest graph node; the matrix holds
    shortest-path distances between the snapped nodes,

    .. math:: d_{ij} = \min_{P:\, s(i) \to s(j)} \sum_{e \in P} w_e ,

    with :math:`w_e` the edge ``weight`` (``length`` in metres → km,
    ``travel_time`` in seconds → minutes; any other numeric edge attribute is
    returned in its own unit).  One shortest-path tree per distinct source node
    (``scipy.sparse.csgraph.dijkstra``), on the graph exactly reduced around
    the snapped nodes (dead-end trees removed, degree-2 chains and low-degree
    junctions replaced by shortcuts; see :mod:`geoaggl._roadgraph`) — the
    results equal Dijkstra on the full graph.  The snap legs (point to node)
    are not added.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        :func:`china_highways`, :func:`graph_from_osm` or any osmnx-style graph
        (node ``x``/``y``, graph ``crs``; directed arcs are followed one way).
    points : GeoDataFrame or GeoSeries
        Points (any CRS; reprojected to WGS84), or the output of
        :func:`geoaggl.prefectures` (its ``seat_lon``/``seat_lat`` are used).
    weight : str, default "length"
        Edge attribute to minimise.
    targets : GeoDataFrame or GeoSeries, optional
        Destinations (default: ``points``).
    max_snap_km : float or None, default 30
        Points farther than this from the nearest node (outside mainland China,
        at sea, on an island without roads such as 三沙) get ``inf`` distances
        and a :class:`GeoagglWarning` naming them.  ``None`` accepts any snap.

    Returns
    -------
    pandas.DataFrame
        ``len(points) × len(targets)``, indexed by the points' index, columns
        the targets' index; ``inf`` where unreachable (warned, naming the
        pairs).  A point to itself is 0.  ``attrs``: ``"snap_km"`` (Series,
        great-circle km from each point to its node), ``"snap_km_targets"``
        (when ``targets`` is given), ``"unit"`` and ``"weight"``.

    Raises
    ------
    DataError
        Empty input, duplicated index labels, missing or non-point geometries,
        edges without a numeric ``weight``.
    CRSError
        Points without a CRS, or coordinates that do not fit their CRS.

    Notes
    -----
    Cost on the bundled graph, 366 seats: ~2 s cold (snap, reduction to ~14k
    nodes, 366 Dijkstra trees), repeat calls use a cache (< 0.1 s).
    """
    if not isinstance(weight, str) or not weight:
        raise TypeError(f"weight must be an edge attribute name, got {weight!r}")
    if max_snap_km is not None and not (isinstance(max_snap_km, int | float) and max_snap_km > 0):
        raise DataError(f"max_snap_km must be a positive number or None, got {max_snap_km!r}")
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
    key = (weight, s_node.tobytes(), t_node.tobytes())
    res = comp._results.get(key)
    if res is None:
        res = many_to_many(comp.csr(weight), s_node, t_node)
        if len(comp._results) >= _CACHE_SIZE:
            comp._results.pop(next(iter(comp._results)))
        comp._results[key] = res
        res.flags.writeable = False
    unit, scale = _UNITS.get(weight, (weight, 1.0))
    vals = res / scale if scale != 1.0 else res.copy()
    far_s = np.zeros(s_idx.size, bool) if max_snap_km is None else s_km > max_snap_km
    far_t = np.zeros(t_idx.size, bool) if max_snap_km is None else t_km > max_snap_km
    vals[far_s, :] = np.inf
    vals[:, far_t] = np.inf
    if targets is None:
        np.fill_diagonal(vals, 0.0)
    far_labels = _labels_for(s_idx, s_names, s_idx[far_s]) + (
        [] if targets is None else _labels_for(t_idx, t_names, t_idx[far_t]))
    if far_labels:
        warnings.warn(
            f"{len(far_labels)} point(s) farther than {max_snap_km} km from the road network "
            f"(outside mainland China or without roads), distances set to inf: {format_keys(far_labels)}",
            GeoagglWarning, stacklevel=2)
    unreach = ~np.isfinite(vals)
    unreach[far_s, :] = False
    unreach[:, far_t] = False
    if unreach.any():
        r, c = np.nonzero(unreach)
        pairs = [(s_idx[i], t_idx[j]) for i, j in zip(r, c, strict=True)]
        warnings.warn(f"{len(pairs)} pair(s) not connected by the road graph (inf): "
                      f"{format_keys(pairs, limit=10)}", GeoagglWarning, stacklevel=2)
    od = pd.DataFrame(vals, index=s_idx.copy(), columns=t_idx.copy())
    od.attrs["snap_km"] = pd.Series(s_km, index=s_idx.copy(), name="snap_km")
    if targets is not None:
        od.attrs["snap_km_targets"] = pd.Series(t_km, index=t_idx.copy(), name="snap_km")
    od.attrs["unit"] = unit
    od.attrs["weight"] = weight
    return od


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


def distance_to_centre(od: pd.DataFrame, membership: pd.DataFrame, *,
                       rule: Literal["nearest", "primary"] = "nearest",
                       primary: Mapping[str, str] | None = None,
                       by_agglomeration: bool = False) -> pd.Series:
    r"""Road distance from each member of a UA to its central city.

    .. math:: d_i = \min_{c \in C(i)} \mathrm{od}_{i c}\quad(\text{rule} = \text{"nearest"}),
              \qquad d_i = \mathrm{od}_{i\, p(i)}\quad(\text{rule} = \text{"primary"}),

    with :math:`C(i)` the central cities of the UA(s) of city :math:`i` and
    :math:`p(i)` the primary central city of its UA.  Central cities get 0.

    Parameters
    ----------
    od : pandas.DataFrame
        Output of :func:`od_matrix` (km or minutes), index and columns adcodes
        covering every member.
    membership : pandas.DataFrame
        Output of :func:`geoaggl.agglomerations` (columns ``agglomeration``,
        ``adcode``, ``central``), or any subset of its rows.
    rule : {"nearest", "primary"}, default "nearest"
        ``"nearest"``: the central city nearest by road (seed 001's rule for
        polycentric UAs).  ``"primary"``: the UA's primary central city — a
        municipality before a provincial capital before a separately planned
        city, ties broken by the order of ``membership`` (e.g. 京津冀 → 北京,
        成渝 → 重庆, 长三角 → 上海, 粤港澳 → 广州; 长江中游 → 南昌 and 哈长 → 长春
        by listing order, override with ``primary``).
    primary : mapping, optional
        ``{agglomeration: adcode}`` overriding the primary central city.
    by_agglomeration : bool, default False
        ``False``: one value per adcode; a city in several UAs (邯郸, 邢台 in 京津冀
        and 中原) takes the smallest distance over its UAs under "nearest", its
        first-listed UA under "primary".  ``True``: one value per membership row,
        indexed by ``(agglomeration, adcode)``.

    Returns
    -------
    pandas.Series
        Named ``"distance"`` (unit of ``od``), indexed by ``adcode`` (or
        ``(agglomeration, adcode)``); ``attrs["centre"]`` is the adcode of the
        centre used for each entry.

    Raises
    ------
    DataError
        A UA without a central city, a ``primary`` centre that is not a central
        member of its UA, members missing from ``od``.
    UnknownSchemeError
        Unknown ``rule``.
    """
    if rule not in _RULES:
        raise UnknownSchemeError(f"rule must be one of {_RULES}, got {rule!r}")
    if not isinstance(od, pd.DataFrame):
        raise TypeError(f"od must be a DataFrame (od_matrix output), got {type(od).__name__}")
    need = {"agglomeration", "adcode", "central"}
    if not isinstance(membership, pd.DataFrame) or not need <= set(membership.columns):
        raise DataError(f"membership must be a DataFrame with columns {sorted(need)} "
                        "(geoaggl.agglomerations output)")
    mem = membership[["agglomeration", "adcode", "central"]].copy()
    mem["adcode"] = mem["adcode"].astype(str)
    if mem.duplicated(["agglomeration", "adcode"]).any():
        dup = mem.loc[mem.duplicated(["agglomeration", "adcode"], keep=False)]
        pairs = zip(dup["agglomeration"], dup["adcode"], strict=True)
        raise DataError(f"membership: duplicated rows {format_keys(pairs)}")
    members = set(mem["adcode"])
    miss = sorted(members - set(map(str, od.index)) | members - set(map(str, od.columns)))
    if miss:
        raise DataError(f"od has no row/column for member(s) {format_keys(miss)}")
    odx = od.copy()
    odx.index = odx.index.map(str)
    odx.columns = odx.columns.map(str)
    primary = dict(primary or {})
    unknown = sorted(set(primary) - set(mem["agglomeration"]))
    if unknown:
        raise DataError(f"primary: unknown agglomeration(s) {format_keys(unknown)}")
    rows: list[tuple[str, str, float, str]] = []
    for ua, grp in mem.groupby("agglomeration", sort=False):
        cents = grp.loc[grp["central"].astype(bool), "adcode"].tolist()
        if ua in primary:
            p = str(primary[ua])
            if p not in grp["adcode"].tolist():
                raise DataError(f"primary centre {p!r} of {ua!r} is not a member of that agglomeration")
            if p not in cents:
                raise DataError(f"primary centre {p!r} of {ua!r} is not a central city of that agglomeration")
        if not cents:
            raise DataError(f"agglomeration {ua!r} has no central city (column 'central')")
        if rule == "primary":
            p = str(primary[ua]) if ua in primary else min(
                cents, key=lambda a: (_primary_rank(a), cents.index(a)))
            use = [p]
        else:
            use = cents
        block = odx.loc[grp["adcode"].tolist(), use].to_numpy(dtype=np.float64)
        j = np.argmin(block, axis=1)
        d = block[np.arange(len(grp)), j]
        for a, dd, jj in zip(grp["adcode"], d, j, strict=True):
            if a in cents:
                rows.append((ua, a, 0.0, a))
            else:
                rows.append((ua, a, float(dd), use[int(jj)]))
    out = pd.DataFrame(rows, columns=["agglomeration", "adcode", "distance", "centre"])
    if by_agglomeration:
        mi = pd.MultiIndex.from_frame(out[["agglomeration", "adcode"]])
        res = pd.Series(out["distance"].to_numpy(), index=mi, name="distance")
        res.attrs["centre"] = pd.Series(out["centre"].to_numpy(), index=res.index.copy(), name="centre")
    else:
        if rule == "nearest":
            pick = out.loc[out.groupby("adcode", sort=False)["distance"].idxmin()]
        else:
            pick = out.drop_duplicates("adcode", keep="first")
        pick = pick.set_index("adcode").reindex(pd.unique(out["adcode"]))
        res = pd.Series(pick["distance"].to_numpy(), index=pd.Index(pick.index, name="adcode"),
                        name="distance")
        res.attrs["centre"] = pd.Series(pick["centre"].to_numpy(), index=res.index.copy(), name="centre")
    res.attrs["unit"] = od.attrs.get("unit")
    inf = ~np.isfinite(res.to_numpy())
    if inf.any():
        warnings.warn(f"no road path to the central city for {format_keys(res.index[inf])}", GeoagglWarning,
                      stacklevel=2)
    return res


# --------------------------------------------------------------------------- isochrones
def _centre_point(centre: Any, units: gpd.GeoDataFrame | None) -> tuple[float, float, Hashable | None]:
    from shapely.geometry import Point

    if isinstance(centre, Point):
        return float(centre.x), float(centre.y), None
    if isinstance(centre, tuple) and len(centre) == 2:
        return float(centre[0]), float(centre[1]), None
    if isinstance(centre, str):
        from .boundaries import prefectures

        tab = units if units is not None and {"seat_lon", "seat_lat"} <= set(units.columns) else prefectures()
        if centre not in tab.index:
            raise DataError(f"centre {centre!r} is not an adcode of the units")
        return float(tab.loc[centre, "seat_lon"]), float(tab.loc[centre, "seat_lat"]), centre
    raise TypeError("centre must be an adcode, a shapely Point or a (lon, lat) tuple, "
                    f"got {type(centre).__name__}")


def isochrone(G: nx.MultiDiGraph, centre: Any, *, minutes: float = 60.0, buffer_km: float = 5.0,
              weight: str = "travel_time") -> BaseGeometry:
    r"""Road isochrone polygon (WGS84): the area within ``minutes`` of ``centre``.

    Method: one Dijkstra tree from the centre's snapped node on ``weight``
    (seconds), cut at :math:`T = 60 \cdot \text{minutes}`.  Every arc
    :math:`(a, b)` with :math:`t_a \le T` is kept up to the reached fraction
    :math:`f = \min(1, (T - t_a) / w_{ab})` of its straight segment; the kept
    segments are buffered by ``buffer_km`` in :data:`geoaggl._geo.METRIC_CRS`
    (local access off the major roads), unioned, and holes inside the result
    are filled (places enclosed by reached roads are taken as reached).

    Parameters
    ----------
    G : networkx.MultiDiGraph
        osmnx-style graph with ``travel_time`` (seconds).
    centre : str, shapely Point or (lon, lat)
        An adcode of :func:`geoaggl.prefectures` (its seat) or a WGS84 point.
    minutes : float, default 60
    buffer_km : float, default 5
    weight : str, default "travel_time"

    Returns
    -------
    shapely Polygon or MultiPolygon (WGS84).
    """
    return _isochrone(G, centre, minutes=minutes, buffer_km=buffer_km, weight=weight, units=None)[0]


def _isochrone(G: Any, centre: Any, *, minutes: float, buffer_km: float, weight: str,
               units: gpd.GeoDataFrame | None) -> tuple[BaseGeometry, CompactGraph, np.ndarray, float]:
    import shapely
    from pyproj import Transformer

    from ._geo import METRIC_CRS
    from ._roadgraph import dijkstra_limited

    minutes = _validate_speed("minutes", minutes)
    buffer_km = _validate_speed("buffer_km", buffer_km)
    comp = _from_networkx(G, weight)
    lon, lat, _ = _centre_point(centre, units)
    node, km = comp.snap(np.array([lon]), np.array([lat]))
    limit = minutes * 60.0
    dist = dijkstra_limited(comp.csr(weight), int(node[0]), limit)
    csr = comp.csr(weight)
    tail = np.repeat(np.arange(comp.n), np.diff(csr.indptr))
    head = csr.indices.astype(np.int64)
    w = csr.data
    ta = dist[tail]
    keep = np.isfinite(ta) & (ta <= limit)
    tail, head, w, ta = tail[keep], head[keep], w[keep], ta[keep]
    frac = np.where(w > 0, np.minimum(1.0, (limit - ta) / np.where(w > 0, w, 1.0)), 1.0)
    tr = Transformer.from_crs("EPSG:4326", METRIC_CRS, always_xy=True)
    x, y = tr.transform(comp.lon, comp.lat)
    x, y = np.asarray(x), np.asarray(y)
    x0, y0 = x[tail], y[tail]
    x1 = x0 + frac * (x[head] - x0)
    y1 = y0 + frac * (y[head] - y0)
    cx, cy = tr.transform(lon, lat)
    coords = np.stack([np.c_[x0, y0], np.c_[x1, y1]], axis=1)
    segs = shapely.linestrings(coords) if coords.size else np.empty(0, dtype=object)
    parts = [*list(segs), shapely.Point(float(x[node[0]]), float(y[node[0]])), shapely.Point(cx, cy)]
    geom = shapely.union_all(shapely.buffer(np.array(parts, dtype=object), buffer_km * 1000.0, quad_segs=4))
    polys = [geom] if geom.geom_type == "Polygon" else list(geom.geoms)
    filled = shapely.union_all([shapely.Polygon(p.exterior) for p in polys])
    back = Transformer.from_crs(METRIC_CRS, "EPSG:4326", always_xy=True)
    iso = shapely.transform(filled, back.transform, interleaved=False)
    return iso, comp, dist, float(km[0])


def metropolitan_circle(G: nx.MultiDiGraph, centre: Any, *, minutes: float = 60.0,
                        units: gpd.GeoDataFrame | None = None, buffer_km: float = 5.0) -> gpd.GeoDataFrame:
    r"""The ~1-hour metropolitan circle (都市圈) around a central city (seeds 003–004).

    Parameters
    ----------
    G : networkx.MultiDiGraph
        Graph with ``travel_time`` (seconds), e.g. :func:`china_highways`.
    centre : str, shapely Point or (lon, lat)
        Adcode of the central city (its seat is used) or a WGS84 point.
    minutes : float, default 60
        Travel-time budget.
    units : GeoDataFrame, optional
        Units with ``seat_lon``, ``seat_lat`` and polygons (default
        :func:`geoaggl.prefectures`).
    buffer_km : float, default 5
        Buffer of the reached road segments forming the isochrone (see
        :func:`isochrone`).

    Returns
    -------
    geopandas.GeoDataFrame
        The units whose seats are within ``minutes`` of the centre's seat,
        sorted by time: the units' columns (``name``, …, ``geometry``), plus
        ``minutes`` (road minutes from the centre, :math:`t_i / 60`) and
        ``share`` (share of the unit's area inside the isochrone,
        :math:`|A_i \cap I| / |A_i|` in the equal-area projection).
        ``attrs["isochrone"]`` holds the isochrone polygon (WGS84).

    Notes
    -----
    Times are between the snapped nodes of the seats; the centre itself is
    listed with 0 minutes.
    """
    import geopandas as gpd
    import shapely

    from ._geo import METRIC_CRS
    from .boundaries import prefectures

    if units is None:
        units = prefectures()
    if not isinstance(units, gpd.GeoDataFrame) or not {"seat_lon", "seat_lat"} <= set(units.columns):
        raise DataError("units must be a GeoDataFrame with seat_lon, seat_lat and polygons (prefectures())")
    iso, comp, dist, _ = _isochrone(G, centre, minutes=minutes, buffer_km=buffer_km, weight="travel_time",
                                    units=units)
    _idx, lon, lat, _names = _points_lonlat(units, "units")
    node, _km = comp.snap(lon, lat)
    t = dist[node] / 60.0
    _, _, c_label = _centre_point(centre, units)
    if c_label is not None and c_label in units.index:
        t[units.index.get_loc(c_label)] = 0.0
    inside = np.isfinite(t) & (t <= minutes)
    out = units.loc[inside].copy()
    out["minutes"] = t[inside]
    poly = gpd.GeoSeries(out.geometry, crs=units.crs).to_crs(METRIC_CRS)
    iso_m = gpd.GeoSeries([iso], crs="EPSG:4326").to_crs(METRIC_CRS).iloc[0]
    areas = poly.area.to_numpy()
    inter = shapely.area(shapely.intersection(poly.to_numpy(), iso_m))
    out["share"] = np.where(areas > 0, inter / np.where(areas > 0, areas, 1.0), np.nan)
    out = out.sort_values("minutes", kind="stable")
    out.attrs["isochrone"] = iso
    out.attrs["minutes"] = float(minutes)
    return out


def road_density(units: gpd.GeoDataFrame | None = None, *, per: float = 100.0) -> pd.Series:
    r"""Length of the bundled major-road network per area of each unit.

    .. math:: \text{density}_i = \frac{\sum_{e \in E_i} \ell_e}{A_i} \times \text{per}

    with :math:`\ell_e` the length (km) of road edge *e*, :math:`E_i` the edges whose
    midpoint lies inside unit *i*'s polygon, and :math:`A_i` the unit's area in km²
    in the equal-area :data:`geoaggl._geo.METRIC_CRS`.  The ferry and the Zhoushan
    link are not counted.  Edges are short (median ~1 km), so assigning each to the
    unit of its midpoint is accurate to a fraction of an edge per border crossing.
    It measures the *major* roads of the bundled OpenStreetMap extract, not all
    roads, so compare units with each other rather than with yearbook 道路密度.

    Parameters
    ----------
    units : geopandas.GeoDataFrame, optional
        Polygons indexed by adcode in WGS84 (default :func:`geoaggl.prefectures`).
    per : float, default 100
        Area unit: road km per ``per`` km² (100 gives km per 100 km²).

    Returns
    -------
    pandas.Series
        ``road_density`` aligned to ``units.index``; 0 for a unit with no road.
    """
    import geopandas as gpd

    from ._geo import METRIC_CRS
    from .boundaries import prefectures

    if units is None:
        units = prefectures()
    if not isinstance(units, gpd.GeoDataFrame):
        raise TypeError(f"units must be a GeoDataFrame, got {type(units).__name__}")
    if units.crs is None or not units.crs.equals("EPSG:4326"):
        raise CRSError(f"units must be in EPSG:4326 (WGS84), got {units.crs}")
    if not per > 0:
        raise DataError(f"per must be positive, got {per!r}")
    a = bundled_arrays()
    keep = a["connector"] == 0
    u = a["u"][keep].astype(np.int64)
    v = a["v"][keep].astype(np.int64)
    lon = a["lon_e3"].astype(np.float64) / 1000.0
    lat = a["lat_e3"].astype(np.float64) / 1000.0
    mid = gpd.GeoSeries(gpd.points_from_xy((lon[u] + lon[v]) / 2, (lat[u] + lat[v]) / 2), crs="EPSG:4326")
    km = a["length_m"][keep].astype(np.float64) / 1000.0
    poly_idx, pt_idx = mid.sindex.query(units.geometry.values, predicate="contains")
    length = np.bincount(poly_idx, weights=km[pt_idx], minlength=len(units))
    area = units.geometry.to_crs(METRIC_CRS).area.to_numpy() / 1e6
    return pd.Series(length / area * per, index=units.index, name="road_density")
