r"""Spatial weights for prefecture-level units (``libpysal.graph.Graph``).

* :func:`contiguity` — Queen / Rook contiguity on the unit polygons with an
  explicit policy for islands and disconnected components (Hainan's 18 units
  form their own component in the shipped polygons, 三沙 is an isolate; 舟山's
  polygon, which includes its sea area, touches 上海's, so it is contiguous in
  the data itself).
* :func:`from_od` — weights from a road OD matrix (km or minutes, see
  :func:`geoaggl.roads.od_matrix`): inverse distance, distance band, kernel,
  k nearest by road.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from .errors import DataError, GeoagglWarning, UnknownSchemeError, format_keys

if TYPE_CHECKING:
    import geopandas as gpd
    import networkx as nx
    from libpysal.graph import Graph

__all__ = ["ISLAND_POLICIES", "KERNELS", "KINDS", "contiguity", "from_od"]

ISLAND_POLICIES = ("nearest", "keep", "raise")
KINDS = ("inverse", "band", "kernel", "knn")
KERNELS = ("triangular", "uniform", "epanechnikov", "bisquare", "gaussian")
_TRANSFORMS = ("r", "b", "d", "v", "o")


def _components(n: int, focal: np.ndarray, neighbor: np.ndarray) -> np.ndarray:
    import scipy.sparse as sp
    from scipy.sparse.csgraph import connected_components

    a = sp.coo_matrix((np.ones(focal.size), (focal, neighbor)), shape=(n, n))
    return connected_components(a, directed=False)[1]


def _graph(ids: pd.Index, focal: np.ndarray, neighbor: np.ndarray, weight: np.ndarray,
           transform: str | None) -> Graph:
    """libpysal Graph in ``ids`` order; isolates as zero-weight self-loops (libpysal's convention)."""
    from libpysal.graph import Graph

    n = len(ids)
    has = np.zeros(n, dtype=bool)
    has[focal] = True
    iso = np.flatnonzero(~has)
    f = np.r_[focal, iso]
    nb = np.r_[neighbor, iso]
    w = np.r_[weight, np.zeros(iso.size)]
    order = np.lexsort((nb, f))
    f, nb, w = f[order], nb[order], w[order]
    ids_arr = np.asarray(ids, dtype=object)
    g = Graph.from_arrays(ids_arr[f], ids_arr[nb], w)
    if transform is not None and transform != "o":
        g = g.transform(transform.upper())
    return g


def contiguity(gdf: gpd.GeoDataFrame, *, rook: bool = False,
               islands: Literal["nearest", "keep", "raise"] = "nearest",
               G: nx.MultiDiGraph | None = None) -> Graph:
    r"""Queen or Rook contiguity with an explicit island policy.

    Two units are Queen neighbours when their polygons share at least one
    boundary point, Rook neighbours when they share a boundary segment
    (libpysal ``Graph.build_contiguity`` with ``strict=False``: shared
    vertices / shared edges of the coverage, exact for the shipped polygons,
    which are a coverage-simplified partition).  Weights are binary
    (:math:`w_{ij} = 1`), transformation ``"B"``.

    Parameters
    ----------
    gdf : GeoDataFrame
        Polygons (e.g. :func:`geoaggl.prefectures`), unique index.
    rook : bool, default False
        Rook instead of Queen.
    islands : {"nearest", "keep", "raise"}, default "nearest"
        Policy for isolates and for components other than the largest:
        ``"nearest"`` links each such component, smallest first, to the unit
        outside it that is nearest — by road (:func:`geoaggl.roads.od_matrix`
        km between seats) when ``G`` is given, else by polygon distance in the
        equal-area projection — through its closest member, until the graph is
        connected (shipped data: Hainan's component links 海口–湛江, 三沙 links to
        the nearest Hainan unit by polygon distance; 三沙 has no road, so with
        ``G`` it falls back to polygon distance).  ``"keep"`` leaves them and
        warns, naming them.  ``"raise"`` raises :class:`DataError` naming them.
    G : networkx.MultiDiGraph, optional
        Road graph for ``islands="nearest"``; needs ``seat_lon``/``seat_lat``
        columns in ``gdf``.

    Returns
    -------
    libpysal.graph.Graph
        Binary, symmetric, ids in ``gdf``'s index order.

    Raises
    ------
    DataError
        Empty input, duplicated index, missing/empty geometries, or
        ``islands="raise"`` with isolates/components.
    """
    import geopandas as gpd
    from libpysal.graph import Graph

    if islands not in ISLAND_POLICIES:
        raise UnknownSchemeError(f"islands must be one of {ISLAND_POLICIES}, got {islands!r}")
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise TypeError(f"gdf must be a GeoDataFrame, got {type(gdf).__name__}")
    if len(gdf) == 0:
        raise DataError("gdf is empty")
    if gdf.index.has_duplicates:
        dup = gdf.index[gdf.index.duplicated(keep=False)]
        raise DataError(f"gdf: duplicated index labels {format_keys(dup)}")
    bad = (gdf.geometry.isna() | gdf.geometry.is_empty).to_numpy()
    if bad.any():
        raise DataError(f"gdf: missing or empty geometries at {format_keys(gdf.index[bad])}")
    ids = gdf.index
    pos = pd.Series(np.arange(len(ids)), index=ids)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # libpysal warns about islands; we apply our own policy below
        base = Graph.build_contiguity(gdf.geometry, rook=rook, strict=False)
    adj = base.adjacency
    adj = adj[adj.to_numpy() != 0]
    focal = pos.loc[adj.index.get_level_values(0)].to_numpy()
    neighbor = pos.loc[adj.index.get_level_values(1)].to_numpy()
    labels = _components(len(ids), focal, neighbor)
    names = gdf["name"] if "name" in gdf.columns else None

    def describe(members: np.ndarray) -> str:
        keys = ids[members]
        return format_keys([f"{k} ({names.loc[k]})" if names is not None else k for k in keys], limit=8)

    counts = np.bincount(labels)
    main = int(np.argmax(counts))
    others = [c for c in np.argsort(counts, kind="stable") if c != main]
    if others and islands in ("keep", "raise"):
        msg = "; ".join(f"component of {counts[c]}: {describe(np.flatnonzero(labels == c))}" for c in others)
        if islands == "raise":
            raise DataError(f"contiguity graph is not connected: {msg}")
        warnings.warn(f"contiguity graph is not connected (islands kept): {msg}", GeoagglWarning,
                      stacklevel=2)
    elif others:
        metric = _metric_geoms(gdf)
        lab = labels.copy()
        extra_f: list[int] = []
        extra_n: list[int] = []
        while len(np.unique(lab)) > 1:
            cnt = pd.Series(lab).value_counts()
            c = int(cnt.index[-1]) if cnt.index[-1] != cnt.idxmax() else int(cnt.index[-2])
            inside = np.flatnonzero(lab == c)
            outside = np.flatnonzero(lab != c)
            sub = _attach_distances(gdf, metric, inside, outside, G)
            i, j = np.unravel_index(np.argmin(sub), sub.shape)
            a, b = int(inside[i]), int(outside[j])
            extra_f += [a, b]
            extra_n += [b, a]
            lab[lab == c] = lab[b]
        focal = np.r_[focal, extra_f]
        neighbor = np.r_[neighbor, extra_n]
    w = np.ones(focal.size, dtype=np.float64)
    return _graph(ids, focal.astype(np.int64), neighbor.astype(np.int64), w, "b")


def _metric_geoms(gdf: gpd.GeoDataFrame) -> np.ndarray:
    from ._geo import METRIC_CRS

    geo = gdf.geometry if gdf.crs is not None else gdf.geometry.set_crs("EPSG:4326")
    return geo.to_crs(METRIC_CRS).to_numpy()


def _attach_distances(gdf: gpd.GeoDataFrame, metric: np.ndarray, inside: np.ndarray, outside: np.ndarray,
                      G: Any) -> np.ndarray:
    """Distances (km) from the members of a component to the other units.

    Road km between seats (:func:`geoaggl.roads.od_matrix`) when ``G`` is given
    and the component has a road to some other unit; otherwise the minimum
    distance between polygons in the equal-area projection (GEOS, via an
    STRtree nearest-neighbour query; one nearest unit per member).
    """
    import shapely

    if G is not None:
        if not {"seat_lon", "seat_lat"} <= set(gdf.columns):
            raise DataError("contiguity(G=...) needs seat_lon/seat_lat columns (prefectures() output)")
        from .roads import od_matrix

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", GeoagglWarning)  # no road: fall back to polygon distance
            od = od_matrix(G, gdf.iloc[inside], targets=gdf.iloc[outside], weight="length").to_numpy()
        if np.isfinite(od).any():
            return np.where(np.isfinite(od), od, np.inf)
    tree = shapely.STRtree(metric[outside])
    (src, dst), dist = tree.query_nearest(metric[inside], return_distance=True)
    out = np.full((inside.size, outside.size), np.inf)
    out[src, dst] = dist / 1000.0
    return out


def from_od(od: pd.DataFrame, *, kind: Literal["inverse", "band", "kernel", "knn"] = "inverse",
            power: float = 1.0, threshold: float | None = None, bandwidth: float | None = None,
            k: int | None = None, transform: str | None = "r",
            kernel: Literal["triangular", "uniform", "epanechnikov", "bisquare", "gaussian"] = "triangular"
            ) -> Graph:
    r"""Spatial weights from a road OD matrix (km or minutes).

    With :math:`d_{ij}` the OD entry (row = focal unit :math:`i`), for
    :math:`i \ne j` and finite :math:`d_{ij}` (no self-weights):

    * ``"inverse"``: :math:`w_{ij} = d_{ij}^{-\alpha}` (``power`` = α), only
      where :math:`d_{ij} \le` ``threshold`` if one is given;
    * ``"band"``: :math:`w_{ij} = 1` if :math:`d_{ij} \le` ``threshold``;
    * ``"kernel"``: :math:`w_{ij} = K(d_{ij}/h)` for :math:`d_{ij} \le h`
      (``bandwidth`` = h) with :math:`z = d/h`: triangular :math:`1 - z`,
      uniform :math:`1/2`, epanechnikov :math:`\tfrac34(1 - z^2)`, bisquare
      :math:`\tfrac{15}{16}(1 - z^2)^2`, gaussian
      :math:`\exp(-z^2/2)/\sqrt{2\pi}`; ``k`` instead of ``bandwidth`` uses
      an adaptive bandwidth, each unit's distance to its k-th nearest;
    * ``"knn"``: :math:`w_{ij} = 1` for the ``k`` units nearest by road (ties
      broken by column order).

    Then ``transform``: ``"r"`` row-standardised (default), ``"b"`` binary,
    ``"d"`` doubly standardised, ``"v"`` variance stabilising, ``"o"`` / None
    as computed.

    Parameters
    ----------
    od : pandas.DataFrame
        Square OD matrix with the same labels on index and columns (e.g.
        :func:`geoaggl.roads.od_matrix`); ``inf`` = not connected.

    Returns
    -------
    libpysal.graph.Graph
        Units without any neighbour are isolates (zero-weight self-loop, as
        libpysal stores them); a :class:`GeoagglWarning` names them and
        reports when the graph has several components.

    Raises
    ------
    DataError
        Non-square or mislabelled OD, NaN or negative entries, zero distance
        between two distinct units with ``"inverse"``, missing parameters.
    """
    if kind not in KINDS:
        raise UnknownSchemeError(f"kind must be one of {KINDS}, got {kind!r}")
    if kernel not in KERNELS:
        raise UnknownSchemeError(f"kernel must be one of {KERNELS}, got {kernel!r}")
    if transform is not None and str(transform).lower() not in _TRANSFORMS:
        raise UnknownSchemeError(f"transform must be one of {_TRANSFORMS} or None, got {transform!r}")
    tr = None if transform is None else str(transform).lower()
    if not isinstance(od, pd.DataFrame):
        raise TypeError(f"od must be a DataFrame, got {type(od).__name__}")
    if od.shape[0] == 0:
        raise DataError("od is empty")
    if od.shape[0] != od.shape[1] or not od.index.equals(od.columns):
        raise DataError("od must be square with identical index and columns (use od_matrix without targets)")
    if od.index.has_duplicates:
        raise DataError(f"od: duplicated labels {format_keys(od.index[od.index.duplicated(keep=False)])}")
    d = od.to_numpy(dtype=np.float64, copy=True)
    ids = od.index
    if np.isnan(d).any():
        r, c = np.nonzero(np.isnan(d))
        raise DataError(f"od has NaN at {format_keys(list(zip(ids[r], ids[c], strict=True)), limit=8)}")
    if (d < 0).any():
        r, c = np.nonzero(d < 0)
        pairs = list(zip(ids[r], ids[c], strict=True))
        raise DataError(f"od has negative values at {format_keys(pairs, limit=8)}")
    n = d.shape[0]
    np.fill_diagonal(d, np.inf)  # no self-weights
    finite = np.isfinite(d)

    def need(name: str, value: float | None) -> float:
        if value is None or isinstance(value, bool) or not np.isfinite(value) or value <= 0:
            raise DataError(f"kind={kind!r} needs a positive {name}, got {value!r}")
        return float(value)

    if kind == "inverse":
        if threshold is not None:
            finite &= d <= need("threshold", threshold)
        zero = finite & (d == 0)
        if zero.any():
            r, c = np.nonzero(zero)
            raise DataError(f"zero distance between distinct units (inverse weight undefined): "
                            f"{format_keys(list(zip(ids[r], ids[c], strict=True)), limit=8)}")
        if isinstance(power, bool) or not np.isfinite(power) or power <= 0:
            raise DataError(f"power must be a positive number, got {power!r}")
        w = np.where(finite, np.power(np.where(finite, d, 1.0), -float(power)), 0.0)
    elif kind == "band":
        mask = finite & (d <= need("threshold", threshold))
        w = mask.astype(np.float64)
    elif kind == "knn":
        kk = _need_k(k, n)
        order = np.argsort(np.where(finite, d, np.inf), axis=1, kind="stable")[:, :kk]
        w = np.zeros_like(d)
        rows = np.repeat(np.arange(n), kk)
        w[rows, order.ravel()] = 1.0
        w[~finite] = 0.0
    else:  # kernel
        if bandwidth is not None:
            h = np.full(n, need("bandwidth", bandwidth))
        elif k is not None:
            kk = _need_k(k, n)
            h = np.sort(np.where(finite, d, np.inf), axis=1)[:, kk - 1]
            h = np.where(np.isfinite(h) & (h > 0), h, np.nan)
        else:
            raise DataError("kind='kernel' needs bandwidth (fixed) or k (adaptive)")
        with np.errstate(invalid="ignore", divide="ignore"):
            z = d / h[:, None]
        inside = finite & (z <= 1.0)
        zz = np.where(inside, z, 0.0)
        kern = {
            "triangular": 1.0 - zz,
            "uniform": np.full_like(zz, 0.5),
            "epanechnikov": 0.75 * (1.0 - zz**2),
            "bisquare": 15.0 / 16.0 * (1.0 - zz**2) ** 2,
            "gaussian": np.exp(-(zz**2) / 2.0) / np.sqrt(2.0 * np.pi),
        }[kernel]
        w = np.where(inside, kern, 0.0)
    focal, neighbor = np.nonzero(w > 0)
    weight = w[focal, neighbor]
    _warn_structure(ids, focal, neighbor)
    return _graph(ids, focal, neighbor, weight, tr if tr is not None else "o")


def _need_k(k: int | None, n: int) -> int:
    if k is None or isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
        raise DataError(f"k must be a positive integer, got {k!r}")
    if k > n - 1:
        raise DataError(f"k={k} is larger than the number of other units ({n - 1})")
    return int(k)


def _warn_structure(ids: pd.Index, focal: np.ndarray, neighbor: np.ndarray) -> None:
    n = len(ids)
    has = np.zeros(n, dtype=bool)
    has[focal] = True
    if (~has).any():
        warnings.warn(f"{int((~has).sum())} unit(s) without neighbours (isolates): "
                      f"{format_keys(ids[~has])}", GeoagglWarning, stacklevel=3)
    lab = _components(n, focal, neighbor)
    ncomp = len(np.unique(lab))
    if ncomp > 1:
        sizes = np.bincount(lab)
        warnings.warn(f"the weights graph is disconnected: {ncomp} components (sizes "
                      f"{sorted(sizes.tolist(), reverse=True)[:10]})", GeoagglWarning, stacklevel=3)

