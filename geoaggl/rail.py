r"""Railway network: the bundled mainland rail graph, station access and rail OD matrices.

The bundled graph is mainland China's railway network from ``scgraph-data``
2.0.0 (module ``world_railways``, derived from OpenStreetMap, © OpenStreetMap
contributors, ODbL 1.0; see ``geoaggl/data/NOTICE`` and
``boundaries/build_rails.py``): 33,792 nodes and 42,000 undirected edges
(147,222 km of track; China reported ~159,000 km of railway in 2023), with 25
sub-kilometre gaps of the source bridged and the Guangdong–Hainan railway
ferry (Zhanjiang Hai'an – Haikou) added, so Hainan is reachable.

Speed model
-----------
The source has no line class (high-speed or conventional), no stations and no
timetable.  Long straight edges do not mark high-speed lines in it: the
Beijing–Shanghai high-speed line's edges have the same length distribution as
the whole network's (69 % of its km in edges ≥ 5 km, against 69 % network-wide),
because the source simplifies every line the same way.  The default model
(:data:`DEFAULT_SPEEDS`) therefore uses location, the one geometric signal that
tracks where the high-speed grid is:

* ``"high_speed"``, 250 km/h, for edges whose midpoint lies east of
  :data:`HIGH_SPEED_MIN_LON` (101.5°E, just west of Xining, Kunming, Chengdu
  and Lanzhou, the western ends of the dense high-speed grid).  250 km/h is an
  average commercial speed with stops: Beijing–Shanghai (1,318 km) takes about
  5 h on a typical G train (260 km/h; 4 h 18 min non-stop, 292 km/h) and
  Beijing–Guangzhou (2,298 km as often quoted; its sections add up to 2,089 km)
  about 8 h (262–287 km/h).  In the east the shortest
  path between two cities mostly runs on the (straighter) high-speed line.
* ``"conventional"``, 90 km/h, west of it: Xining–Lhasa on the Qinghai–Tibet
  railway, 1,956 km in about 21.5 h (91 km/h).
* The train ferry: :data:`DEFAULT_FERRY_MINUTES` (120 min, loading and the
  ~25 km crossing).

Known errors of this model: the Lanzhou–Urumqi high-speed line (west of
101.5°E) runs at the conventional speed, and eastern places served only by
conventional lines get high-speed times.  Pass ``speed_kph=`` a number (one
speed everywhere) or a mapping to override.

Station access
--------------
The graph has no stations: a point is snapped to the nearest node on the
track, reported by :func:`station_access` as its "station", with the access
leg :math:`a = d_{gc} \cdot \text{detour}` km and
:math:`60\,a / v_{access}` minutes (defaults 1.3 and 30 km/h: urban road
detour and average urban driving speed).

Graphs follow osmnx's format like :func:`geoaggl.roads.china_highways`, so
:func:`geoaggl.roads.od_matrix` works on :func:`china_railways` too (without
the access legs); :func:`od_matrix` here adds them on request and caches the
distances.  :func:`rail_arrays` gives the raw CSR arrays for other code.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from numpy.typing import NDArray

from ._validate import check_option, check_real
from .errors import DataError, ParameterTypeError, UnreachableWarning, format_keys

if TYPE_CHECKING:
    import geopandas as gpd
    import networkx as nx

    from ._roadgraph import Core

__all__ = [
    "ACCESS_DETOUR",
    "ACCESS_KPH",
    "DEFAULT_FERRY_MINUTES",
    "DEFAULT_SPEEDS",
    "HIGH_SPEED_MIN_LON",
    "china_railways",
    "od_matrix",
    "rail_arrays",
    "station_access",
]

#: Default speed (km/h) by inferred class; see the module docstring for the sources.
DEFAULT_SPEEDS: Mapping[str, float] = {"high_speed": 250.0, "conventional": 90.0}
#: Edges whose midpoint lies east of this longitude (degrees E) are in the ``high_speed`` class.
HIGH_SPEED_MIN_LON = 101.5
#: Guangdong–Hainan railway ferry crossing time (minutes), loading included.
DEFAULT_FERRY_MINUTES = 120.0
#: Road detour factor of the access leg (road km / straight-line km).
ACCESS_DETOUR = 1.3
#: Average speed of the access leg (km/h), urban driving.
ACCESS_KPH = 30.0
#: Default largest snap distance (km) of :func:`od_matrix` and :func:`station_access`.
MAX_SNAP_KM = 150.0

_FILE = "china_railways.npz"
#: the graph's contraction order (``boundaries/build_rails_core.py``), replayed with each weight
_CORE_FILE = "china_railways_core.npz"
_SOURCE = "scgraph-data 2.0.0 world_railways; © OpenStreetMap contributors, ODbL 1.0"
_FERRY = 1  # connector kind of the train ferry (0 track, 2 gap bridged by the build)
_UNITS = {"length": ("km", 1000.0), "travel_time": ("min", 60.0)}


# --------------------------------------------------------------------------- data and speeds
@lru_cache(maxsize=1)
def _bundled() -> Mapping[str, NDArray[Any]]:
    """The arrays of ``geoaggl/data/china_railways.npz`` (read-only)."""
    path = resources.files("geoaggl") / "data" / _FILE
    with resources.as_file(path) as p, np.load(p, allow_pickle=False) as z:
        out = {k: z[k] for k in z.files}
    for arr in out.values():
        arr.flags.writeable = False
    return out


def _speeds(speed_kph: Any, where: str) -> tuple[float, float]:
    """(high-speed, conventional) km/h from ``speed_kph`` (None, a number or a mapping)."""
    if speed_kph is None:
        return DEFAULT_SPEEDS["high_speed"], DEFAULT_SPEEDS["conventional"]
    if isinstance(speed_kph, Mapping):
        for key in speed_kph:
            check_option(key, tuple(DEFAULT_SPEEDS), name="speed_kph key", where=where)
        merged = {**DEFAULT_SPEEDS, **speed_kph}
        hs, conv = merged["high_speed"], merged["conventional"]
        return (
            check_real(hs, name="speed_kph['high_speed']", minimum=0.0, strict_min=True, where=where),
            check_real(conv, name="speed_kph['conventional']", minimum=0.0, strict_min=True, where=where),
        )
    if isinstance(speed_kph, str):
        raise ParameterTypeError(
            f"{where}: speed_kph must be None, a number or a mapping "
            f"{{'high_speed': ..., 'conventional': ...}}; got {speed_kph!r}"
        )
    v = check_real(speed_kph, name="speed_kph", minimum=0.0, strict_min=True, where=where)
    return v, v


@lru_cache(maxsize=8)
def _compact(hs_kph: float, conv_kph: float, ferry_minutes: float) -> dict[str, Any]:
    """Per-edge class, length, time, and CSR matrices for a parameter set (cached)."""
    z = _bundled()
    u, v = z["u"].astype(np.int64), z["v"].astype(np.int64)
    lon, lat = z["lon_e3"] / 1000.0, z["lat_e3"] / 1000.0
    kind = z["connector"]
    length = z["length_m"].astype(np.float64)
    fast = (lon[u] + lon[v]) / 2 >= HIGH_SPEED_MIN_LON
    speed = np.where(fast, hs_kph, conv_kph)
    with np.errstate(divide="ignore", over="ignore"):
        ttime = length / (speed / 3.6)
    if not np.isfinite(ttime).all():
        raise DataError("china_railways: speed_kph is so small that travel times overflow")
    ttime[kind == _FERRY] = ferry_minutes * 60.0
    cls = np.where(kind == _FERRY, "ferry", np.where(fast, "high_speed", "conventional"))
    n = lon.size
    tail, head = np.r_[u, v], np.r_[v, u]

    def csr(w: NDArray[np.float64]) -> sp.csr_matrix:
        return sp.csr_matrix((np.r_[w, w], (tail, head)), shape=(n, n))

    return {
        "lon": lon,
        "lat": lat,
        "u": u,
        "v": v,
        "length": length,
        "travel_time": ttime,
        "speed_kph": np.where(kind == _FERRY, length / np.maximum(ttime, 1e-9) * 3.6, speed),
        "rail_class": cls,
        "kind": kind,
        "csr": {"length": csr(length), "travel_time": csr(ttime)},
        "tree": None,
        "xyz": None,
        "results": {},
        "cores": {},
    }


def _topology_signature() -> str:
    """SHA-1 of the bundled graph's edge arrays: keys the shipped contraction order."""
    import hashlib

    z = _bundled()
    h = hashlib.sha1()
    for key in ("u", "v"):
        h.update(np.ascontiguousarray(z[key]).tobytes())
    return h.hexdigest()


@lru_cache(maxsize=1)
def _core_structure() -> Core | None:
    """The shipped contraction of the rail graph (structure only, no weights), or None when the
    file is missing or was built from other arrays."""
    from ._roadgraph import Core

    path = resources.files("geoaggl") / "data" / _CORE_FILE
    try:
        with resources.as_file(path) as p, np.load(p, allow_pickle=False) as z:
            d = {k: z[k] for k in z.files}
    except (OSError, ValueError):
        return None
    if "topology_sig" not in d or str(d["topology_sig"]) != _topology_signature():
        return None
    up_idx = d["up_idx"].astype(np.int64)
    zeros = np.zeros(up_idx.size)
    return Core(
        n=int(d["n"]),
        core_nodes=d["core_nodes"].astype(np.int64),
        core_indptr=np.zeros(int(d["core_nodes"].size) + 1, dtype=np.int64),
        core_indices=np.empty(0, dtype=np.int64),
        core_data=np.empty(0),
        up_ptr=d["up_ptr"].astype(np.int64),
        up_idx=up_idx,
        up_out=zeros,
        up_in=zeros,
        height=d["height"].astype(np.int64),
    )


def _weighted_core(c: dict[str, Any], weight: str) -> Core | None:
    """The shipped contraction replayed with ``weight`` of this parameter set (cached), or None
    without the compiled kernel or the core file."""
    from . import _odkernel

    if not _odkernel.available():
        return None
    cores = c["cores"]
    if weight not in cores:
        base = _core_structure()
        if base is None or base.n != c["lon"].size:
            cores[weight] = None
        else:
            u, v, w = c["u"], c["v"], c[weight]
            cores[weight] = _odkernel.replay(base, np.r_[u, v], np.r_[v, u], np.r_[w, w])
    return cores[weight]


def rail_arrays(
    *, speed_kph: float | Mapping[str, float] | None = None, ferry_minutes: float = DEFAULT_FERRY_MINUTES
) -> dict[str, Any]:
    """The bundled rail graph as arrays (for isochrones, ``mode="rail"`` and other array code).

    Parameters
    ----------
    speed_kph, ferry_minutes
        As :func:`china_railways`.

    Returns
    -------
    dict
        ``lon``, ``lat`` (float64 (n,), WGS84 degrees); ``length`` and
        ``travel_time``: ``scipy.sparse.csr_matrix`` (n × n, symmetric, metres
        and seconds; every stored entry is an arc, none is zero); ``u``, ``v``
        (int64 (m,), the undirected edges, ``u < v``), ``edge_length`` (m),
        ``edge_travel_time`` (s), ``rail_class`` (str (m,): ``"high_speed"``,
        ``"conventional"``, ``"ferry"``).  Fresh copies: edit them freely.

    Raises
    ------
    DataError, ParameterTypeError, OptionError
        Bad ``speed_kph`` / ``ferry_minutes`` (see :func:`china_railways`).

    References
    ----------
    OpenStreetMap contributors (2024). OpenStreetMap railway data, via scgraph-data 2.0.0
    ``world_railways`` (Open Database License 1.0).

    Examples
    --------
    >>> from geoaggl import rail
    >>> a = rail.rail_arrays()
    >>> a["length"].shape[0] == a["lon"].shape[0] == 33792
    True
    """
    where = "rail_arrays"
    hs, conv = _speeds(speed_kph, where)
    ferry = check_real(ferry_minutes, name="ferry_minutes", minimum=0.0, strict_min=True, where=where)
    c = _compact(hs, conv, ferry)
    return {
        "lon": c["lon"].copy(),
        "lat": c["lat"].copy(),
        "length": c["csr"]["length"].copy(),
        "travel_time": c["csr"]["travel_time"].copy(),
        "u": c["u"].copy(),
        "v": c["v"].copy(),
        "edge_length": c["length"].copy(),
        "edge_travel_time": c["travel_time"].copy(),
        "rail_class": c["rail_class"].copy(),
    }


def china_railways(
    *, speed_kph: float | Mapping[str, float] | None = None, ferry_minutes: float = DEFAULT_FERRY_MINUTES
) -> nx.MultiDiGraph:
    r"""Mainland China's railway network as an osmnx-style graph (bundled, offline).

    Parameters
    ----------
    speed_kph : None, float or mapping, default None
        ``None``: the default speed model (:data:`DEFAULT_SPEEDS`: 250 km/h
        east of :data:`HIGH_SPEED_MIN_LON`, 90 km/h west of it; see the module
        docstring for why and for its known errors).  A number: that speed on
        every track edge.  A mapping with keys ``"high_speed"`` and/or
        ``"conventional"``: overrides those class speeds.
    ferry_minutes : float, default :data:`DEFAULT_FERRY_MINUTES` (120)
        Crossing time of the Guangdong–Hainan railway ferry.

    Returns
    -------
    networkx.MultiDiGraph
        A new graph on every call.  33,792 nodes (labels ``0..n-1``) with
        ``x`` (longitude), ``y`` (latitude, WGS84) and ``street_count``
        (degree); every undirected edge as two arcs (key 0) with ``length``
        (metres), ``speed_kph``, ``travel_time`` (seconds,
        :math:`t = \text{length} / (\text{speed\_kph}/3.6)`) and
        ``rail_class``; the ferry arcs carry ``ferry=True`` and ``name``.
        Graph attributes: ``crs="EPSG:4326"``, ``name="china_railways"``,
        ``source`` (licence), ``notes`` (build metadata) and ``geoaggl``
        (the parameters).  :func:`geoaggl.roads.od_matrix` accepts it.

    Raises
    ------
    DataError
        A speed or ferry time that is not a finite number > 0, or so small
        that travel times overflow.
    OptionError
        A ``speed_kph`` mapping key other than ``"high_speed"``/``"conventional"``.
    ParameterTypeError
        ``speed_kph`` of another type (a string, a list).

    References
    ----------
    OpenStreetMap contributors (2024). OpenStreetMap railway data, via scgraph-data 2.0.0
    ``world_railways`` (Open Database License 1.0).

    Examples
    --------
    >>> G = china_railways()                                  # doctest: +SKIP
    >>> roads.od_matrix(G, geoaggl.prefectures())             # doctest: +SKIP
    """
    import networkx as nx

    where = "china_railways"
    hs, conv = _speeds(speed_kph, where)
    ferry = check_real(ferry_minutes, name="ferry_minutes", minimum=0.0, strict_min=True, where=where)
    c = _compact(hs, conv, ferry)
    z = _bundled()
    n = c["lon"].size
    deg = np.bincount(np.r_[c["u"], c["v"]], minlength=n).tolist()
    lon, lat = c["lon"].tolist(), c["lat"].tolist()
    G = nx.MultiDiGraph(
        crs="EPSG:4326",
        name="china_railways",
        source=_SOURCE,
        notes=[str(s) for s in z["meta"]],
        geoaggl={
            "graph": "china_railways",
            "speed_kph": {"high_speed": hs, "conventional": conv},
            "ferry_minutes": ferry,
            "high_speed_min_lon": HIGH_SPEED_MIN_LON,
        },
    )
    G.add_nodes_from((i, {"x": lon[i], "y": lat[i], "street_count": deg[i]}) for i in range(n))
    cols = zip(
        c["u"].tolist(),
        c["v"].tolist(),
        c["length"].tolist(),
        c["speed_kph"].tolist(),
        c["travel_time"].tolist(),
        c["rail_class"].tolist(),
        strict=True,
    )

    def arcs() -> Any:
        for a, b, ln, sp_, tt, cl in cols:
            attrs: dict[str, Any] = {"length": ln, "speed_kph": sp_, "travel_time": tt, "rail_class": cl}
            if cl == "ferry":
                attrs["ferry"] = True
                attrs["name"] = "Guangdong-Hainan railway ferry (Zhanjiang Hai'an - Haikou)"
            yield a, b, 0, attrs
            yield b, a, 0, dict(attrs)

    G.add_edges_from(arcs())
    return G


# --------------------------------------------------------------------------- access legs
def _points(points: Any, what: str) -> tuple[pd.Index, NDArray[np.float64], NDArray[np.float64], Any]:
    """Index, lon, lat, names of point input (the road module's validator: same rules, same errors)."""
    from .roads import _points_lonlat

    return _points_lonlat(points, what)


def _snap(c: dict[str, Any], lon: NDArray[np.float64], lat: NDArray[np.float64]) -> tuple[NDArray, NDArray]:
    """Nearest node (Earth-centred chord metric) and great-circle km to it.

    With the compiled kernel and up to ~6,000 points a brute-force scan in C (33,792 nodes: ~20 ms
    for 367 points, no ``scipy.spatial`` import); else a KD-tree.  Both find the nearest node exactly."""
    from . import _odkernel
    from ._roadgraph import EARTH_RADIUS_KM, haversine_km

    def xyz(lo: NDArray[np.float64], la: NDArray[np.float64]) -> NDArray[np.float64]:
        p, q = np.radians(la), np.radians(lo)
        return EARTH_RADIUS_KM * np.c_[np.cos(p) * np.cos(q), np.cos(p) * np.sin(q), np.sin(p)]

    q = xyz(lon, lat)
    idx = None
    if _odkernel.available() and np.isfinite(q).all() and q.shape[0] * c["lon"].size <= 200_000_000:
        if c.get("xyz") is None:
            c["xyz"] = xyz(c["lon"], c["lat"]).T.copy()
        x, y, z = c["xyz"]
        idx = _odkernel.nearest_brute(x, y, z, q)
    if idx is None:
        from scipy.spatial import cKDTree

        if c["tree"] is None:
            c["tree"] = cKDTree(xyz(c["lon"], c["lat"]))
        idx = np.asarray(c["tree"].query(q)[1], dtype=np.int64)
    return idx, haversine_km(lon, lat, c["lon"][idx], c["lat"][idx])


def _access_params(detour: Any, access_kph: Any, max_snap_km: Any, where: str) -> tuple[float, float, float]:
    detour = check_real(detour, name="detour", minimum=1.0, where=where)
    access_kph = check_real(access_kph, name="access_kph", minimum=0.0, strict_min=True, where=where)
    with np.errstate(over="ignore"):
        longest = detour * 20_038.0 / access_kph * 60.0  # minutes of a half-meridian access leg
    if not np.isfinite(longest):
        raise DataError(
            f"{where}: detour={detour!r} and access_kph={access_kph!r} give access times beyond the "
            "float range (detour x distance / access_kph overflows)"
        )
    if max_snap_km is None:
        return detour, access_kph, np.inf
    snap = check_real(
        max_snap_km, name="max_snap_km", minimum=0.0, strict_min=True, allow_inf=True, where=where
    )
    return detour, access_kph, snap


def station_access(
    points: gpd.GeoDataFrame | gpd.GeoSeries,
    *,
    detour: float = ACCESS_DETOUR,
    access_kph: float = ACCESS_KPH,
    max_snap_km: float | None = MAX_SNAP_KM,
) -> pd.DataFrame:
    r"""Snap each point (e.g. a prefecture seat) to the rail network and report the access leg.

    The "station" is the nearest node of the bundled rail graph (the source has
    no stations; nodes are track vertices, a median 1.2 km apart).  The access
    leg is a straight line stretched by a road detour factor and driven at an
    urban speed:

    .. math:: a_i = d_i \cdot \text{detour}, \qquad
              t_i = 60\, a_i / \text{access\_kph}

    with :math:`d_i` the great-circle km from point *i* to its node.

    Parameters
    ----------
    points : GeoDataFrame or GeoSeries
        Points (any CRS), or :func:`geoaggl.prefectures` (its seats are used).
    detour : float, default :data:`ACCESS_DETOUR` (1.3)
        Road km per straight-line km of the access leg (≥ 1).
    access_kph : float, default :data:`ACCESS_KPH` (30)
        Access speed, km/h (> 0).
    max_snap_km : float or None, default 150
        Points farther than this from any node are flagged ``reachable=False``
        (e.g. 阿里, 玉树, 昌都 and 三沙, without a railway nearby).

    Returns
    -------
    pandas.DataFrame
        Indexed like ``points`` (a copy of its index): ``node`` (int, graph
        node label), ``station_lon``, ``station_lat``, ``snap_km`` (great
        circle), ``access_km`` (:math:`a_i`), ``access_minutes``
        (:math:`t_i`), ``reachable`` (bool).

    Raises
    ------
    DataError
        Empty points, duplicated labels, missing or non-point geometries, NaN
        coordinates; ``detour`` < 1, ``access_kph`` or ``max_snap_km`` not > 0;
        ``detour`` and ``access_kph`` so extreme that access times overflow.
    CRSError
        Points without a CRS or outside the longitude/latitude range.
    ParameterTypeError
        ``points`` not a GeoDataFrame/GeoSeries; a parameter that is not a number.

    References
    ----------
    OpenStreetMap contributors (2024). OpenStreetMap railway data, via scgraph-data 2.0.0
    ``world_railways`` (Open Database License 1.0).

    Examples
    --------
    >>> acc = station_access(geoaggl.prefectures())         # doctest: +SKIP
    >>> acc.loc["110100", ["snap_km", "access_minutes"]]    # doctest: +SKIP
    """
    where = "station_access"
    detour, access_kph, max_snap = _access_params(detour, access_kph, max_snap_km, where)
    idx, lon, lat, _ = _points(points, "points")
    c = _compact(*_speeds(None, where), DEFAULT_FERRY_MINUTES)
    node, km = _snap(c, lon, lat)
    akm = km * detour
    return pd.DataFrame(
        {
            "node": node,
            "station_lon": c["lon"][node],
            "station_lat": c["lat"][node],
            "snap_km": km,
            "access_km": akm,
            "access_minutes": akm / access_kph * 60.0,
            "reachable": km <= max_snap,
        },
        index=idx.copy(),
    )


# --------------------------------------------------------------------------- OD matrices
def _solve(c: dict[str, Any], weight: str, s_node: NDArray, t_node: NDArray) -> NDArray[np.float64]:
    """Exact shortest-path distances between snapped nodes, cached per node set.

    With the compiled kernel: the shipped contraction replayed with this weight
    (:func:`_weighted_core`) and the kernel's bucket query, as for the road
    graph.  Otherwise the road module's many-to-many solver: the graph is
    reduced exactly around the snapped nodes (dead ends and degree-2 chains
    eliminated), then one scipy Dijkstra tree per distinct source.  Either way
    the results equal Dijkstra on the full graph (lengths in integer metres:
    bit for bit; times up to rounding of the sums' order).
    """
    from ._roadgraph import core_many_to_many, many_to_many

    key = (weight, s_node.tobytes(), t_node.tobytes())
    res = c["results"].get(key)
    if res is None:
        core = _weighted_core(c, weight)
        if core is not None:
            res = core_many_to_many(core, s_node, t_node)
        else:
            res = many_to_many(c["csr"][weight], s_node, t_node)
        if len(c["results"]) >= 8:
            c["results"].clear()
        c["results"][key] = res
    return res.copy()


def od_matrix(
    points: gpd.GeoDataFrame | gpd.GeoSeries,
    *,
    weight: str = "length",
    targets: gpd.GeoDataFrame | gpd.GeoSeries | None = None,
    speed_kph: float | Mapping[str, float] | None = None,
    ferry_minutes: float = DEFAULT_FERRY_MINUTES,
    include_access: bool = False,
    detour: float = ACCESS_DETOUR,
    access_kph: float = ACCESS_KPH,
    max_snap_km: float | None = MAX_SNAP_KM,
) -> pd.DataFrame:
    r"""Rail distance (km) or time (minutes) between points on the bundled rail graph.

    Each point is snapped to its nearest rail node (:func:`station_access`);

    .. math:: d_{ij} = \min_{P:\, s(i) \to s(j)} \sum_{e \in P} w_e
              \;+\; [\text{include\_access}]\,(a_i + a_j)

    with :math:`w_e` the edge length (→ km) or travel time (→ minutes) and
    :math:`a_i` the access leg of point *i* in the same unit.

    Parameters
    ----------
    points : GeoDataFrame or GeoSeries
        Points (any CRS) or :func:`geoaggl.prefectures` (seats).
    weight : {"length", "travel_time"}, default "length"
        Rail km or minutes.
    targets : GeoDataFrame or GeoSeries, optional
        Destinations (default ``points``).
    speed_kph, ferry_minutes
        Speed model, as :func:`china_railways` (used for ``"travel_time"``).
    include_access : bool, default False
        Add both access legs (km: :math:`d \cdot \text{detour}`; minutes at
        ``access_kph``).  A point to itself stays 0.
    detour, access_kph, max_snap_km
        As :func:`station_access`.

    Returns
    -------
    pandas.DataFrame
        ``len(points) × len(targets)``, index and columns copies of the
        inputs' indexes; ``inf`` for points farther than ``max_snap_km`` from
        the railway (warned with :class:`~geoaggl.errors.UnreachableWarning`
        naming them).  ``attrs``: ``"unit"``, ``"weight"``, ``"include_access"``
        and ``"access"`` (the :func:`station_access` table of ``points``).

    Raises
    ------
    DataError, CRSError, ParameterTypeError
        As :func:`station_access`; ``include_access`` not a bool.
    OptionError
        ``weight`` other than ``"length"``/``"travel_time"``.

    Notes
    -----
    With the compiled kernel the shipped contraction order of the graph
    (``china_railways_core.npz``) is replayed with the parameter set's weights
    (a few ms) and queried like the road core; without it the graph is reduced
    exactly around the snapped nodes, then one scipy Dijkstra tree per distinct
    node.  Results are cached per parameter set (367 seats: ~0.06–0.10 s cold
    with the kernel, ~0.3 s without, ~20 ms cached).  Symmetric: the graph is
    undirected.

    References
    ----------
    OpenStreetMap contributors (2024). OpenStreetMap railway data, via scgraph-data 2.0.0
    ``world_railways`` (Open Database License 1.0).

    Dijkstra, E. W. (1959). A note on two problems in connexion with graphs. Numerische
    Mathematik 1, 269–271.

    Examples
    --------
    >>> P = geoaggl.prefectures()                                        # doctest: +SKIP
    >>> km = od_matrix(P)                                                # doctest: +SKIP
    >>> door_to_door = od_matrix(P, weight="travel_time", include_access=True)  # doctest: +SKIP
    """
    where = "rail.od_matrix"
    check_option(weight, tuple(_UNITS), name="weight", where=where)
    if not isinstance(include_access, bool | np.bool_):
        raise ParameterTypeError(f"{where}: include_access must be True or False; got {include_access!r}")
    detour, access_kph, max_snap = _access_params(detour, access_kph, max_snap_km, where)
    hs, conv = _speeds(speed_kph, where)
    ferry = check_real(ferry_minutes, name="ferry_minutes", minimum=0.0, strict_min=True, where=where)
    s_idx, s_lon, s_lat, s_names = _points(points, "points")
    t_idx, t_lon, t_lat, t_names = (
        (s_idx, s_lon, s_lat, s_names) if targets is None else _points(targets, "targets")
    )
    c = _compact(hs, conv, ferry)
    s_node, s_km = _snap(c, s_lon, s_lat)
    t_node, t_km = (s_node, s_km) if targets is None else _snap(c, t_lon, t_lat)
    unit, scale = _UNITS[weight]
    vals = _solve(c, weight, s_node, t_node) / scale
    if include_access:
        leg = (lambda km: km * detour) if weight == "length" else (lambda km: km * detour / access_kph * 60.0)
        vals = vals + leg(s_km)[:, None] + leg(t_km)[None, :]
    far_s, far_t = s_km > max_snap, t_km > max_snap
    vals[far_s, :] = np.inf
    vals[:, far_t] = np.inf
    if targets is None:  # undirected: equal up to float rounding of the shortcut sums; make it exact
        vals = np.minimum(vals, vals.T)
        np.fill_diagonal(vals, 0.0)
    far = [_label(k, s_names) for k in s_idx[far_s]]
    if targets is not None:
        far += [_label(k, t_names) for k in t_idx[far_t]]
    if far:
        warnings.warn(
            f"{where}: {len(far)} point(s) farther than {max_snap:g} km from the railway, "
            f"distances set to inf: {format_keys(far)}",
            UnreachableWarning,
            stacklevel=2,
        )
    out = pd.DataFrame(vals, index=s_idx.copy(), columns=t_idx.copy())
    out.attrs.update(
        unit=unit,
        weight=weight,
        include_access=bool(include_access),
        access=pd.DataFrame(
            {
                "node": s_node,
                "snap_km": s_km,
                "access_km": s_km * detour,
                "access_minutes": s_km * detour / access_kph * 60.0,
            },
            index=s_idx.copy(),
        ),
    )
    return out


def _label(key: Any, names: Any) -> str:
    return f"{key} {names[key]}" if names is not None and key in names.index else str(key)
