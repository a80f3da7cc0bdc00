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

from ._graphs import components, warn_structure
from ._validate import as_float_array, check_bool, check_int, check_option, check_real
from .errors import CRSError, DataError, GeoagglWarning, ParameterTypeError, UnknownSchemeError, format_keys

if TYPE_CHECKING:
    import geopandas as gpd
    import networkx as nx
    from libpysal.graph import Graph

__all__ = ["ISLAND_POLICIES", "KERNELS", "KINDS", "contiguity", "from_od"]

ISLAND_POLICIES = ("nearest", "keep", "raise")
KINDS = ("inverse", "band", "kernel", "knn")
KERNELS = ("triangular", "uniform", "epanechnikov", "bisquare", "gaussian")
_TRANSFORMS = ("r", "b", "d", "v", "o")


def _graph(
    ids: pd.Index, focal: np.ndarray, neighbor: np.ndarray, weight: np.ndarray, transform: str | None
) -> Graph:
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
    if transform is not None and transform != "o" and (w > 0).any():
        # with no positive weight (every unit an isolate, warned) a standardisation is undefined:
        # libpysal's "D" divides by zero; the all-zero graph is returned untransformed
        g = g.transform(transform.upper())
    return g


def contiguity(
    gdf: gpd.GeoDataFrame,
    *,
    rook: bool = False,
    islands: Literal["nearest", "keep", "raise"] = "nearest",
    G: nx.MultiDiGraph | None = None,
) -> Graph:
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
        Empty input, duplicated index, missing/empty geometries, geometries
        that are not polygons (or lines), or ``islands="raise"`` with
        isolates/components.
    CRSError
        ``gdf`` without a CRS, or coordinates that do not fit it.  A projected
        CRS is fine: island links are measured after reprojecting to the
        equal-area :data:`geoaggl._geo.METRIC_CRS`.
    UnknownSchemeError
        Unknown ``islands`` (an :class:`~geoaggl.errors.OptionError`).
    ParameterTypeError
        ``gdf`` not a GeoDataFrame, ``rook`` not a bool.

    Notes
    -----
    With ``G``, the road distances between all seats are solved once per call
    (one :func:`geoaggl.roads.od_matrix`), however many components there are.

    References
    ----------
    Rey, S. J. and Anselin, L. (2007). PySAL: a Python library of spatial
    analytical methods. *The Review of Regional Studies*, 37(1), 5-27.

    Anselin, L. (1988). *Spatial Econometrics: Methods and Models*. Kluwer
    Academic, Dordrecht (contiguity weights, ch. 3).

    Examples
    --------
    Three squares in a row and a detached fourth: with ``islands="nearest"``
    the island ``d`` is linked to its nearest unit ``c``:

    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> from geoaggl.weights import contiguity
    >>> squares = [box(x, 30, x + 1, 31) for x in (110, 111, 112, 115)]
    >>> gdf = gpd.GeoDataFrame(geometry=squares, index=["a", "b", "c", "d"], crs=4326)
    >>> g = contiguity(gdf)
    >>> sorted(g.neighbors["d"]), sorted(g.neighbors["b"])
    (['c'], ['a', 'c'])
    """
    import geopandas as gpd

    where = "contiguity"
    check_option(islands, ISLAND_POLICIES, name="islands", where=where, error=UnknownSchemeError)
    rook = check_bool(rook, name="rook", where=where)
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise ParameterTypeError(f"{where}: gdf must be a GeoDataFrame, got {type(gdf).__name__}")
    _check_units(gdf, where)
    ids = gdf.index
    focal, neighbor = _touching(gdf, rook, where)
    labels = components(len(ids), focal, neighbor)
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
        warnings.warn(
            f"contiguity graph is not connected (islands kept): {msg}", GeoagglWarning, stacklevel=2
        )
    elif others:
        extra_f, extra_n = _linkcomponents(gdf, labels, G)
        focal = np.r_[focal, extra_f]
        neighbor = np.r_[neighbor, extra_n]
    w = np.ones(focal.size, dtype=np.float64)
    return _graph(ids, focal.astype(np.int64), neighbor.astype(np.int64), w, "b")


_CONTIGUITY_TYPES = ("Polygon", "MultiPolygon", "LineString", "MultiLineString")


def _check_units(gdf: gpd.GeoDataFrame, where: str) -> None:
    """Non-empty, unique index, polygon (or line) geometries, a CRS whose range the coordinates fit."""
    if len(gdf) == 0:
        raise DataError(f"{where}: gdf is empty")
    if gdf.index.has_duplicates:
        dup = gdf.index[gdf.index.duplicated(keep=False)]
        raise DataError(f"{where}: gdf: duplicated index labels {format_keys(dup)}")
    bad = (gdf.geometry.isna() | gdf.geometry.is_empty).to_numpy()
    if bad.any():
        raise DataError(f"{where}: gdf: missing or empty geometries at {format_keys(gdf.index[bad])}")
    wrong = ~gdf.geometry.geom_type.isin(_CONTIGUITY_TYPES).to_numpy()
    if wrong.any():
        raise DataError(
            f"{where}: contiguity needs polygons; got other geometries "
            f"({', '.join(sorted(set(gdf.geometry.geom_type[wrong])))}) at "
            f"{format_keys(gdf.index[wrong])}"
        )
    if gdf.crs is None:
        raise CRSError(
            f"{where}: gdf has no CRS (needed to measure the links of islands); set it first, "
            "e.g. gdf.set_crs('EPSG:4326') for longitude/latitude"
        )
    if gdf.crs.is_geographic:
        x0, y0, x1, y1 = gdf.total_bounds
        if not (np.isfinite([x0, y0, x1, y1]).all() and -180 <= x0 and x1 <= 360 and -90 <= y0 and y1 <= 90):
            raise CRSError(
                f"{where}: gdf's coordinates (bounds {x0:.6g}, {y0:.6g}, {x1:.6g}, {y1:.6g}) "
                f"do not fit its geographic CRS {gdf.crs.to_string()!r} (projected coordinates?)"
            )


def _touching(gdf: gpd.GeoDataFrame, rook: bool, where: str) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the (focal, neighbour) pairs that share a vertex (queen) or an edge (rook)."""
    import shapely

    from ._contiguity import shared_vertex_pairs

    types = shapely.get_type_id(gdf.geometry.to_numpy())
    if len(gdf) and np.isin(types, (3, 6)).all():  # polygons: the vectorised libpysal rule (same pairs)
        return shared_vertex_pairs(gdf.geometry.to_numpy(), rook=rook)
    from libpysal.graph import Graph

    pos = pd.Series(np.arange(len(gdf)), index=gdf.index)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # libpysal warns about islands; we apply our own policy
        try:
            base = Graph.build_contiguity(gdf.geometry, rook=rook, strict=False)
        except ValueError as exc:
            raise DataError(f"{where}: libpysal cannot build contiguity on these geometries: {exc}") from exc
    adj = base.adjacency
    adj = adj[adj.to_numpy() != 0]
    focal = pos.loc[adj.index.get_level_values(0)].to_numpy()
    neighbor = pos.loc[adj.index.get_level_values(1)].to_numpy()
    return focal, neighbor


def _linkcomponents(gdf: gpd.GeoDataFrame, labels: np.ndarray, G: Any) -> tuple[list[int], list[int]]:
    """Links joining every smaller component to its nearest outside unit, smallest component first."""
    dist = _Distances(gdf, G)
    lab = labels.copy()
    extra_f: list[int] = []
    extra_n: list[int] = []
    while len(np.unique(lab)) > 1:
        cnt = pd.Series(lab).value_counts()
        c = int(cnt.index[-1]) if cnt.index[-1] != cnt.idxmax() else int(cnt.index[-2])
        inside = np.flatnonzero(lab == c)
        outside = np.flatnonzero(lab != c)
        sub = dist.between(inside, outside)
        i, j = np.unravel_index(np.argmin(sub), sub.shape)
        a, b = int(inside[i]), int(outside[j])
        extra_f += [a, b]
        extra_n += [b, a]
        lab[lab == c] = lab[b]
    return extra_f, extra_n


def _metric_geoms(gdf: gpd.GeoDataFrame) -> np.ndarray:
    """The geometries in the equal-area projection (from their own CRS, geographic or projected)."""
    import shapely

    from ._geo import METRIC_CRS

    metric = gdf.geometry.to_crs(METRIC_CRS).to_numpy()
    bad = ~np.isfinite(shapely.bounds(metric)).all(axis=1)
    if bad.any():
        raise CRSError(
            f"contiguity: geometries that cannot be projected from {gdf.crs.to_string()!r} at "
            f"{format_keys(gdf.index[bad])} (coordinates that do not fit the CRS?)"
        )
    return metric


class _Distances:
    """Distances (km) between units used to link components, computed once per call.

    Road km between seats (:func:`geoaggl.roads.od_matrix`, one solve for all
    units) when ``G`` is given and a component has a road to some other unit;
    otherwise the minimum distance between polygons in the equal-area
    projection (GEOS, via an STRtree nearest-neighbour query; one nearest unit
    per member).
    """

    def __init__(self, gdf: gpd.GeoDataFrame, G: Any) -> None:
        if G is not None and not {"seat_lon", "seat_lat"} <= set(gdf.columns):
            raise DataError("contiguity(G=...) needs seat_lon/seat_lat columns (prefectures() output)")
        self.gdf = gdf
        self.G = G
        self._road: np.ndarray | None = None
        self._metric: np.ndarray | None = None

    def road(self) -> np.ndarray:
        if self._road is None:
            from .roads import od_matrix

            with warnings.catch_warnings():
                warnings.simplefilter("ignore", GeoagglWarning)  # no road: fall back to polygon distance
                self._road = od_matrix(self.G, self.gdf, weight="length").to_numpy()
        return self._road

    def between(self, inside: np.ndarray, outside: np.ndarray) -> np.ndarray:
        import shapely

        if self.G is not None:
            od = self.road()[np.ix_(inside, outside)]
            if np.isfinite(od).any():
                return od
        if self._metric is None:
            self._metric = _metric_geoms(self.gdf)
        metric = self._metric
        tree = shapely.STRtree(metric[outside])
        (src, dst), dist = tree.query_nearest(metric[inside], return_distance=True)
        out = np.full((inside.size, outside.size), np.inf)
        out[src, dst] = dist / 1000.0
        return out


def from_od(
    od: pd.DataFrame,
    *,
    kind: Literal["inverse", "band", "kernel", "knn"] = "inverse",
    power: float = 1.0,
    threshold: float | None = None,
    bandwidth: float | None = None,
    k: int | None = None,
    transform: str | None = "r",
    kernel: Literal["triangular", "uniform", "epanechnikov", "bisquare", "gaussian"] = "triangular",
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
    kind : {"inverse", "band", "kernel", "knn"}, default "inverse"
        The weights family (formulas above).
    power : float, default 1.0
        α of ``"inverse"``.
    threshold : float, optional
        Distance cut-off of ``"inverse"`` (optional) and ``"band"`` (required).
    bandwidth : float, optional
        h of ``"kernel"`` (or give ``k`` for an adaptive bandwidth).
    k : int, optional
        Neighbours of ``"knn"``, or of the adaptive kernel bandwidth.
    transform : {"r", "b", "d", "v", "o"} or None, default "r"
        Standardisation of the weights.
    kernel : {"triangular", "uniform", "epanechnikov", "bisquare", "gaussian"}, default "triangular"
        K of ``"kernel"``.

    Returns
    -------
    libpysal.graph.Graph
        Units without any neighbour are isolates (zero-weight self-loop, as
        libpysal stores them); a :class:`GeoagglWarning` names them and
        reports when the graph has several components.

    Raises
    ------
    DataError
        Non-square or mislabelled OD, NaN, negative or non-numeric entries,
        zero distance between two distinct units with ``"inverse"`` (or one
        so small that the inverse weight overflows), missing parameters or
        parameters that are not finite and > 0.
    UnknownSchemeError
        Unknown ``kind``, ``kernel`` or ``transform`` (an
        :class:`~geoaggl.errors.OptionError`).
    ParameterTypeError
        ``od`` not a DataFrame; ``power``, ``threshold``, ``bandwidth`` not
        numbers, ``k`` not an integer.

    Notes
    -----
    When no pair keeps a positive weight (e.g. every distance above
    ``threshold``), every unit is an isolate (warned) and the all-zero graph
    is returned untransformed, whatever ``transform``.

    References
    ----------
    Rey, S. J. and Anselin, L. (2007). PySAL: a Python library of spatial
    analytical methods. *The Review of Regional Studies*, 37(1), 5-27.

    Anselin, L. (1988). *Spatial Econometrics: Methods and Models*. Kluwer
    Academic, Dordrecht.

    Examples
    --------
    Inverse distance, row-standardised: from ``a``, ``1/10`` and ``1/20`` become
    ``2/3`` and ``1/3``; a 15 km band keeps only the 10 km links:

    >>> import pandas as pd
    >>> from geoaggl.weights import from_od
    >>> od = pd.DataFrame([[0, 10, 20], [10, 0, 10], [20, 10, 0.0]], index=list("abc"), columns=list("abc"))
    >>> from_od(od).adjacency.loc["a"].round(4).to_dict()
    {'b': 0.6667, 'c': 0.3333}
    >>> from_od(od, kind="band", threshold=15, transform=None).adjacency.index.tolist()
    [('a', 'b'), ('b', 'a'), ('b', 'c'), ('c', 'b')]
    """
    where = "from_od"
    check_option(kind, KINDS, name="kind", where=where, error=UnknownSchemeError)
    check_option(kernel, KERNELS, name="kernel", where=where, error=UnknownSchemeError)
    tr = None if transform is None else _transform(transform, where)
    d, ids = _od_values(od, where)
    n = d.shape[0]
    np.fill_diagonal(d, np.inf)  # no self-weights
    finite = np.isfinite(d)

    def need(name: str, value: float | None) -> float:
        if value is None:
            raise DataError(f"{where}: kind={kind!r} needs a positive {name}, got None")
        return check_real(value, name=name, minimum=0.0, strict_min=True, where=where)

    if kind == "inverse":
        if threshold is not None:
            finite &= d <= need("threshold", threshold)
        zero = finite & (d == 0)
        if zero.any():
            r, c = np.nonzero(zero)
            raise DataError(
                f"zero distance between distinct units (inverse weight undefined): "
                f"{format_keys(list(zip(ids[r], ids[c], strict=True)), limit=8)}"
            )
        alpha = check_real(power, name="power", minimum=0.0, strict_min=True, where=where)
        with np.errstate(over="ignore", under="ignore"):
            w = np.where(finite, np.power(np.where(finite, d, 1.0), -alpha), 0.0)
        over = ~np.isfinite(w)
        if over.any():  # subnormal distances: d ** -power overflows
            r, c = np.nonzero(over)
            raise DataError(
                f"{where}: inverse weights overflow (distances too close to 0) at "
                f"{format_keys(list(zip(ids[r[:20]], ids[c[:20]], strict=True)), limit=8)}; "
                "rescale the OD matrix (e.g. metres instead of km)"
            )
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
    warn_structure(ids, focal, neighbor)
    return _graph(ids, focal, neighbor, weight, tr if tr is not None else "o")


def _need_k(k: int | None, n: int) -> int:
    if k is None:
        raise DataError("from_od: k must be a positive integer, got None")
    kk = check_int(k, name="k", minimum=1, where="from_od")
    if kk > n - 1:
        raise DataError(f"from_od: k={kk} is larger than the number of other units ({n - 1})")
    return kk


def _transform(transform: Any, where: str) -> str:
    """Lower-case transform code; ``"R"`` and ``"r"`` are the same."""
    value = transform.lower() if isinstance(transform, str) else transform
    return str(check_option(value, _TRANSFORMS, name="transform", where=where, error=UnknownSchemeError))


def _od_values(od: Any, where: str) -> tuple[np.ndarray, pd.Index]:
    """A square OD matrix as a new float array (NaN, negative and non-numeric cells named)."""
    if not isinstance(od, pd.DataFrame):
        raise ParameterTypeError(f"{where}: od must be a DataFrame, got {type(od).__name__}")
    if od.shape[0] == 0:
        raise DataError(f"{where}: od is empty")
    if od.shape[0] != od.shape[1] or not od.index.equals(od.columns):
        raise DataError(
            f"{where}: od must be square with identical index and columns (use od_matrix without targets)"
        )
    ids = od.index
    if ids.has_duplicates:
        raise DataError(f"{where}: od: duplicated labels {format_keys(ids[ids.duplicated(keep=False)])}")
    if all(pd.api.types.is_numeric_dtype(t) and not pd.api.types.is_complex_dtype(t) for t in od.dtypes):
        d = od.to_numpy(dtype=np.float64, copy=True)
    else:
        d = np.column_stack(
            [as_float_array(od.iloc[:, j], what=f"{where}: od column {ids[j]!r}") for j in range(od.shape[1])]
        )
    for mask, what in ((np.isnan(d), "NaN"), (d < 0, "negative values")):
        if mask.any():
            r, c = np.nonzero(mask)
            pairs = list(zip(ids[r[:20]], ids[c[:20]], strict=True))
            raise DataError(
                f"{where}: od has {what} at {format_keys(pairs, limit=8)} ({int(mask.sum())} in all)"
            )
    return d, ids
