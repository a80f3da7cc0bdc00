r"""Compact road graphs and exact many-to-many shortest paths (private).

The public API (:mod:`geoaggl.roads`) speaks networkx/osmnx; this module does
the numerical work on flat arrays:

* :class:`CompactGraph` — nodes (WGS84 lon/lat), directed arcs and their
  weights, a CSR matrix per weight (parallel arcs reduced to the lightest), and
  a KD-tree for snapping points to nodes in the equal-area metric projection.
* :func:`eliminate` — exact graph reduction that keeps a set of terminal nodes:
  non-terminal nodes are eliminated one at a time (smallest number of distinct
  neighbours first, up to ``max_degree``); eliminating node :math:`v` replaces
  every pair of arcs :math:`u \to v \to x` by a shortcut
  :math:`w(u, x) \leftarrow \min\bigl(w(u, x),\, w(u, v) + w(v, x)\bigr)`.
  Dead-end trees (one neighbour) vanish, degree-2 chains become single arcs and
  low-degree junctions become shortcuts.  Every shortest-path distance between
  two remaining nodes is unchanged (the classic vertex-elimination / contraction
  argument: a shortest path through :math:`v` enters and leaves it through two
  neighbours, and the shortcut carries exactly that sub-path's length).
  With integer weights (the bundled graph stores whole metres) the sums are
  exact in float64, so the results equal Dijkstra on the unreduced graph bit
  for bit; with fractional weights they differ only by float rounding
  (relative ~1e-15).
* :func:`many_to_many` — one Dijkstra tree per distinct source on the reduced
  graph (``scipy.sparse.csgraph.dijkstra`` with all sources in one call, in
  chunks to bound memory), reading the target columns.

Snapping uses :data:`geoaggl._geo.METRIC_CRS` (Albers) for the nearest-node
search and reports the great-circle (haversine, R = 6371.0088 km) distance
between the point and its node.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

__all__ = [
    "EARTH_RADIUS_KM",
    "CompactGraph",
    "bundled_arrays",
    "eliminate",
    "haversine_km",
    "many_to_many",
]

EARTH_RADIUS_KM = 6371.0088
BUNDLED_FILE = "china_highways.npz"
#: Arc kinds stored in the bundled file (``connector`` array).
ROAD, FERRY, LINK = 0, 1, 2


def haversine_km(
    lon1: NDArray[np.float64], lat1: NDArray[np.float64], lon2: NDArray[np.float64], lat2: NDArray[np.float64]
) -> NDArray[np.float64]:
    r"""Great-circle distance in km on the mean Earth sphere.

    .. math:: d = 2R\arcsin\sqrt{\sin^2\tfrac{\Delta\varphi}{2}
              + \cos\varphi_1\cos\varphi_2\sin^2\tfrac{\Delta\lambda}{2}},
              \quad R = 6371.0088\ \text{km}.
    """
    p1, p2 = np.radians(lat1), np.radians(lat2)
    a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(np.radians(lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


@lru_cache(maxsize=1)
def bundled_arrays() -> Mapping[str, NDArray[Any]]:
    """The arrays of ``geoaggl/data/china_highways.npz`` (read-only views; see the build script)."""
    path = resources.files("geoaggl") / "data" / BUNDLED_FILE
    with resources.as_file(path) as p, np.load(p, allow_pickle=False) as z:
        out = {k: z[k] for k in z.files}
    for arr in out.values():
        arr.flags.writeable = False
    return out


def _csr_min(
    n: int, tail: NDArray[np.int64], head: NDArray[np.int64], w: NDArray[np.float64]
) -> sp.csr_matrix:
    """CSR matrix of arcs with the minimum weight over parallel arcs; zero weights stay edges."""
    order = np.lexsort((w, head, tail))
    t, h, ww = tail[order], head[order], w[order]
    first = np.ones(t.size, dtype=bool)
    first[1:] = (t[1:] != t[:-1]) | (h[1:] != h[:-1])
    t, h, ww = t[first], h[first], ww[first]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(t, minlength=n), out=indptr[1:])
    idx_dtype = np.int32 if n < 2**31 - 1 else np.int64
    return sp.csr_matrix((ww, h.astype(idx_dtype), indptr.astype(idx_dtype)), shape=(n, n))


@dataclass(eq=False)
class CompactGraph:
    """A road graph as flat arrays (private; built by :mod:`geoaggl.roads`).

    Attributes
    ----------
    lon, lat : numpy.ndarray
        WGS84 node coordinates (degrees), position ``i`` = node ``labels[i]``.
    tail, head : numpy.ndarray
        Directed arcs as node positions (an undirected edge is two arcs).
    weights : dict
        Arc weight arrays by attribute name.
    labels : numpy.ndarray
        The networkx node label of each position.
    name : str
        A description used in messages.
    """

    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    tail: NDArray[np.int64]
    head: NDArray[np.int64]
    weights: dict[str, NDArray[np.float64]]
    labels: NDArray[Any]
    name: str = "graph"
    _csr: dict[str, sp.csr_matrix] = field(default_factory=dict, repr=False)
    _tree: Any = field(default=None, repr=False)
    _results: dict[Any, NDArray[np.float64]] = field(default_factory=dict, repr=False)

    @property
    def n(self) -> int:
        """Number of nodes."""
        return int(self.lon.size)

    def csr(self, weight: str) -> sp.csr_matrix:
        """CSR adjacency with ``weight`` (lightest of parallel arcs), cached."""
        if weight not in self._csr:
            self._csr[weight] = _csr_min(self.n, self.tail, self.head, self.weights[weight])
        return self._csr[weight]

    def snap(
        self, lon: NDArray[np.float64], lat: NDArray[np.float64]
    ) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        """Nearest node of each point (Albers KD-tree) and the great-circle km to it."""
        from pyproj import Transformer
        from scipy.spatial import cKDTree

        from ._geo import METRIC_CRS

        tr = Transformer.from_crs("EPSG:4326", METRIC_CRS, always_xy=True)
        if self._tree is None:
            x, y = tr.transform(self.lon, self.lat)
            self._tree = cKDTree(np.c_[x, y])
        px, py = tr.transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
        _, idx = self._tree.query(np.c_[px, py])
        idx = np.asarray(idx, dtype=np.int64)
        return idx, haversine_km(np.asarray(lon, float), np.asarray(lat, float), self.lon[idx], self.lat[idx])


def eliminate(
    csr: sp.csr_matrix, terminals: NDArray[np.int64], *, max_degree: int = 6
) -> tuple[sp.csr_matrix, NDArray[np.int64]]:
    r"""Eliminate non-terminal nodes with at most ``max_degree`` distinct neighbours.

    Parameters
    ----------
    csr : scipy.sparse.csr_matrix
        Directed arc weights (non-negative; stored zeros are arcs).
    terminals : numpy.ndarray
        Node positions that must stay.
    max_degree : int, default 6
        Largest number of distinct (in or out) neighbours of an eliminated node.
        Nodes are taken in order of their current degree (a bucket queue), so
        degree-1 and degree-2 nodes go first.

    Returns
    -------
    core : scipy.sparse.csr_matrix
        The reduced graph over the kept nodes (renumbered ``0..k-1``).
    new_id : numpy.ndarray
        ``new_id[old]`` = position in ``core``, or -1 for an eliminated node.

    Notes
    -----
    Eliminating :math:`v` with in-neighbours :math:`U` and out-neighbours
    :math:`X` sets :math:`w(u,x) = \min(w(u,x), w(u,v) + w(v,x))` for every
    :math:`u \in U, x \in X, u \ne x`, then deletes :math:`v`.  Distances
    between the remaining nodes are preserved exactly (up to float rounding of
    the sums, none for integer weights).
    """
    n = csr.shape[0]
    csr = csr.tocsr()
    ip = csr.indptr.tolist()
    ix = csr.indices.tolist()
    dat = csr.data.tolist()
    out: list[dict[int, float] | None] = [
        dict(zip(ix[ip[i] : ip[i + 1]], dat[ip[i] : ip[i + 1]], strict=True)) for i in range(n)
    ]
    inn: list[dict[int, float] | None] = [{} for _ in range(n)]
    for i in range(n):
        for j, wj in out[i].items():  # type: ignore[union-attr]
            inn[j][i] = wj  # type: ignore[index]
    keep = np.zeros(n, dtype=bool)
    keep[np.asarray(terminals, dtype=np.int64)] = True
    is_term = keep.tolist()
    alive = [True] * n
    inf = float("inf")
    # bucket passes: first every node of degree <= 1, then <= 2, ... (a cheap min-degree order)
    for limit in range(1, max_degree + 1):
        stack = list(range(n - 1, -1, -1))
        while stack:
            v = stack.pop()
            if not alive[v] or is_term[v]:
                continue
            ov, iv = out[v], inn[v]
            nbrs = ov.keys() | iv.keys()  # type: ignore[union-attr]
            if len(nbrs) > limit:
                continue
            for a, wa in iv.items():  # type: ignore[union-attr]
                oa = out[a]
                for b, wb in ov.items():  # type: ignore[union-attr]
                    if a != b:
                        s = wa + wb
                        if s < oa.get(b, inf):  # type: ignore[union-attr]
                            oa[b] = s  # type: ignore[index]
                            inn[b][a] = s  # type: ignore[index]
            for a in iv:  # type: ignore[union-attr]
                del out[a][v]  # type: ignore[union-attr]
            for b in ov:  # type: ignore[union-attr]
                del inn[b][v]  # type: ignore[union-attr]
            alive[v] = False
            out[v] = inn[v] = None
            stack.extend(nbrs)
    kept = np.flatnonzero(np.asarray(alive))
    new_id = np.full(n, -1, dtype=np.int64)
    new_id[kept] = np.arange(kept.size)
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    for v in kept.tolist():
        o = out[v]
        rows.extend([v] * len(o))  # type: ignore[arg-type]
        cols.extend(o.keys())  # type: ignore[union-attr]
        vals.extend(o.values())  # type: ignore[union-attr]
    r = new_id[np.asarray(rows, dtype=np.int64)]
    c = new_id[np.asarray(cols, dtype=np.int64)]
    core = _csr_min(kept.size, r, c, np.asarray(vals, dtype=np.float64))
    return core, new_id


def many_to_many(
    csr: sp.csr_matrix,
    sources: NDArray[np.int64],
    targets: NDArray[np.int64],
    *,
    reduce: bool = True,
    max_degree: int = 6,
    chunk: int = 128,
    progress: Callable[[int, int], None] | None = None,
) -> NDArray[np.float64]:
    """Exact shortest-path distances from each source node to each target node.

    One Dijkstra tree per distinct source (``scipy.sparse.csgraph.dijkstra``,
    sources passed together in chunks of ``chunk``), on the graph reduced by
    :func:`eliminate` around the union of sources and targets when ``reduce``.
    ``progress(done, total)`` (distinct sources) is called after every chunk;
    with it, chunks hold at most 5% of the sources so that calls come at
    least every 5%.

    Returns
    -------
    numpy.ndarray
        ``(len(sources), len(targets))`` float64, ``inf`` where unreachable.
    """
    from scipy.sparse.csgraph import dijkstra

    sources = np.asarray(sources, dtype=np.int64)
    targets = np.asarray(targets, dtype=np.int64)
    usrc, src_inv = np.unique(sources, return_inverse=True)
    udst, dst_inv = np.unique(targets, return_inverse=True)
    if reduce:
        graph, new_id = eliminate(csr, np.union1d(usrc, udst), max_degree=max_degree)
        s_ids, d_ids = new_id[usrc], new_id[udst]
    else:
        graph, s_ids, d_ids = csr, usrc, udst
    res = np.empty((usrc.size, udst.size), dtype=np.float64)
    if progress is not None:
        chunk = max(1, min(chunk, usrc.size // 20))
    for start in range(0, usrc.size, chunk):
        block = dijkstra(graph, directed=True, indices=s_ids[start : start + chunk])
        res[start : start + chunk] = np.atleast_2d(block)[:, d_ids]
        if progress is not None:
            progress(min(start + chunk, usrc.size), usrc.size)
    return res[np.ix_(src_inv.ravel(), dst_inv.ravel())]


def dijkstra_limited(csr: sp.csr_matrix, source: int, limit: float) -> NDArray[np.float64]:
    """Distances from one node, ``inf`` beyond ``limit`` (scipy's ``limit`` option)."""
    from scipy.sparse.csgraph import dijkstra

    dist = dijkstra(csr, directed=True, indices=int(source), limit=float(limit))  # type: ignore[call-overload]
    return np.asarray(dist, dtype=np.float64)
