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
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:  # scipy.sparse is imported where it is used: the compiled OD path never needs it
    import scipy.sparse as sp

__all__ = [
    "BORDER_PENALTY",
    "EARTH_RADIUS_KM",
    "CompactGraph",
    "Core",
    "GridIndex",
    "bundled_arrays",
    "contract",
    "core_many_to_many",
    "eliminate",
    "haversine_km",
    "many_to_many",
    "unpenalize",
]

EARTH_RADIUS_KM = 6371.0088
BUNDLED_FILE = "china_highways.npz"
#: Arc kinds stored in the bundled file (``connector`` array): road, the Qiongzhou ferry, a fixed
#: link ridden at the road speed (Zhoushan, Lantau), a Hong Kong / Macao fixed link with a stated
#: crossing time (``fixed_s`` array).
ROAD, FERRY, LINK, SAR_LINK = 0, 1, 2, 3
#: Added to the weight of every border arc (a Hong Kong / Macao link) for routing, so that a
#: shortest path crosses as few borders as possible: no mainland-to-mainland route runs through
#: Hong Kong or Macao (different customs territories; navigation apps never route so).  Any real
#: distance (metres) or time (seconds) is far below ``BORDER_PENALTY / 2``, so a routed value
#: :math:`d'` holds :math:`k = \lfloor d' / P \rfloor` crossings and :math:`d = d' - kP`
#: (:func:`unpenalize`).
BORDER_PENALTY = 1e9


def unpenalize(
    d: NDArray[np.float64], *, max_crossings: int | None = None, copy: bool = True
) -> NDArray[np.float64]:
    """Routed distances with the border penalties removed (``inf`` beyond ``max_crossings``);
    ``copy=False`` corrects a float64 array in place."""
    if copy or d.dtype != np.float64 or not d.flags.c_contiguous:
        out = np.array(d, dtype=np.float64, order="C", copy=True)  # C order: reshape(-1) is a view
    else:
        out = d
    hit = np.flatnonzero((out >= BORDER_PENALTY) & (out < np.inf))  # two passes; few cells cross
    if hit.size:
        flat = out.reshape(-1)
        k = np.floor(flat[hit] / BORDER_PENALTY)
        flat[hit] -= k * BORDER_PENALTY
        if max_crossings is not None:
            flat[hit[k > max_crossings]] = np.inf
    return out


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
    import scipy.sparse as sp

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
    border : numpy.ndarray of bool, optional
        Arcs that cross a border (Hong Kong / Macao links); routing adds :data:`BORDER_PENALTY`.
    """

    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    tail: NDArray[np.int64]
    head: NDArray[np.int64]
    weights: dict[str, NDArray[np.float64]]
    labels: NDArray[Any]
    name: str = "graph"
    border: NDArray[np.bool_] | None = field(default=None, repr=False)
    _csr: dict[Any, sp.csr_matrix] = field(default_factory=dict, repr=False)
    _tree: Any = field(default=None, repr=False)
    _results: dict[Any, NDArray[np.float64]] = field(default_factory=dict, repr=False)

    @property
    def n(self) -> int:
        """Number of nodes."""
        return int(self.lon.size)

    def csr(self, weight: str, *, routing: bool = True) -> sp.csr_matrix:
        """CSR adjacency with ``weight`` (lightest of parallel arcs), cached.

        ``routing`` adds :data:`BORDER_PENALTY` to the ``border`` arcs (when the graph has any):
        the matrix shortest paths run on; ``routing=False`` gives the plain weights.
        """
        key = weight if routing or self.border is None else (weight, "plain")
        if key not in self._csr:
            w = self.weights[weight]
            if routing and self.border is not None:
                w = w + np.where(self.border, BORDER_PENALTY, 0.0)
            self._csr[key] = _csr_min(self.n, self.tail, self.head, w)
        return self._csr[key]

    def snap(
        self, lon: NDArray[np.float64], lat: NDArray[np.float64]
    ) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        """Nearest node of each point (Euclidean in the Albers projection) and the great-circle km to it."""
        from pyproj import Transformer

        from ._geo import METRIC_CRS

        tr = Transformer.from_crs("EPSG:4326", METRIC_CRS, always_xy=True)
        if self._tree is None:
            x, y = tr.transform(self.lon, self.lat)
            self._tree = GridIndex(np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64))
        px, py = tr.transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
        idx = self._tree.nearest(np.atleast_1d(np.asarray(px, float)), np.atleast_1d(np.asarray(py, float)))
        return idx, haversine_km(np.asarray(lon, float), np.asarray(lat, float), self.lon[idx], self.lat[idx])


class GridIndex:
    """Exact nearest-neighbour search on a uniform grid (no scipy.spatial import: ~0.3 s saved).

    Nodes are bucketed in square cells of ``cell`` metres; a point's nearest node is searched in
    its 3 × 3 block of cells, which is exact when the best distance found is ≤ ``cell`` (any
    nearer node would lie in the block); other points (far from every node) are searched by
    brute force.  Ties go to the lower node position.
    """

    def __init__(self, x: NDArray[np.float64], y: NDArray[np.float64], cell: float = 20_000.0) -> None:
        self.x, self.y, self.cell = x, y, float(cell)
        self.x0, self.y0 = float(x.min()), float(y.min())
        self.nx = int((x.max() - self.x0) // cell) + 1
        self.ny = int((y.max() - self.y0) // cell) + 1
        cid = ((x - self.x0) // cell).astype(np.int64) * self.ny + ((y - self.y0) // cell).astype(np.int64)
        self.order = np.argsort(cid, kind="stable")
        self.ptr = np.searchsorted(cid[self.order], np.arange(self.nx * self.ny + 1))

    def nearest(self, px: NDArray[np.float64], py: NDArray[np.float64]) -> NDArray[np.int64]:
        """Position of the nearest node of each point."""
        from . import _odkernel

        if _odkernel.available():  # the same block search, compiled (40,000 points: 5 s -> 10 ms)
            best = _odkernel.nearest(self, px, py)
            return self._brute_force(best, best < 0, px, py)
        m = px.size
        best = np.zeros(m, dtype=np.int64)
        dist = np.full(m, np.inf)
        ok = np.isfinite(px) & np.isfinite(py)
        ci = np.clip(((px - self.x0) // self.cell), -2, self.nx + 1)
        cj = np.clip(((py - self.y0) // self.cell), -2, self.ny + 1)
        ci = np.where(ok, ci, -2).astype(np.int64)
        cj = np.where(ok, cj, -2).astype(np.int64)
        for di in (-1, 0, 1):
            for dj in (-1, 0, 1):
                i, j = ci + di, cj + dj
                inside = (i >= 0) & (i < self.nx) & (j >= 0) & (j < self.ny)
                c = np.where(inside, i * self.ny + j, 0)
                lo = np.where(inside, self.ptr[c], 0)
                hi = np.where(inside, self.ptr[c + 1], 0)
                cand = self.order[_ranges(lo, hi)]
                owner = np.repeat(np.arange(m), hi - lo)
                d = (self.x[cand] - px[owner]) ** 2 + (self.y[cand] - py[owner]) ** 2
                sel = np.lexsort((cand, d, owner))  # per point: nearest, then lowest position
                first = np.ones(sel.size, dtype=bool)
                first[1:] = owner[sel][1:] != owner[sel][:-1]
                o, dd, cc = owner[sel][first], d[sel][first], cand[sel][first]
                better = (dd < dist[o]) | ((dd == dist[o]) & (cc < best[o]))
                dist[o[better]], best[o[better]] = dd[better], cc[better]
        return self._brute_force(best, ~(dist <= self.cell**2), px, py)

    def _brute_force(
        self,
        best: NDArray[np.int64],
        far: NDArray[np.bool_],
        px: NDArray[np.float64],
        py: NDArray[np.float64],
    ) -> NDArray[np.int64]:
        """``best`` with the points ``far`` (nothing within one cell) searched over every node."""
        for k in np.flatnonzero(far).tolist():  # off the grid's reach: brute force (rare)
            d = (self.x - px[k]) ** 2 + (self.y - py[k]) ** 2
            best[k] = int(np.argmin(d)) if np.isfinite(d).any() else 0
        return best


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


# --------------------------------------------------------------------------- precomputed core
@dataclass(eq=False)
class Core:
    r"""A graph split into a small *core* and the upward arcs of every eliminated node (private).

    Built by :func:`contract` (terminal-free elimination; at build time for the bundled graph).
    Node ``v`` eliminated at some step keeps the arcs it had to its neighbours at that moment
    (``up_out``: :math:`v \to x`, ``up_in``: :math:`x \to v`), all of which lead to nodes
    eliminated later or to the core.  For any two nodes, a shortest path has an equal-length
    version that climbs such arcs from the source, crosses the core and descends (reversed
    ``up_in`` arcs) to the target — the contraction-hierarchy argument — so upward Dijkstra
    trees on the core plus a downward sweep give exact distances.
    """

    n: int
    core_nodes: NDArray[np.int64]  # original ids of the core, position = core id
    core_indptr: NDArray[Any]  # core arcs as a CSR over core ids (see :attr:`core`)
    core_indices: NDArray[Any]
    core_data: NDArray[np.float64]
    up_ptr: NDArray[np.int64]  # (n + 1,) CSR over original ids; empty for core nodes
    up_idx: NDArray[np.int64]
    up_out: NDArray[np.float64]  # weight v -> up_idx
    up_in: NDArray[np.float64]  # weight up_idx -> v
    height: NDArray[np.int64]  # 0 for the core, else 1 + the largest height above (down-sweep order)

    @property
    def core(self) -> sp.csr_matrix:
        """The core arcs as a ``scipy.sparse.csr_matrix`` (core ids), built on first use."""
        m = self.__dict__.get("_core_csr")
        if m is None:
            import scipy.sparse as sp

            k = int(self.core_nodes.size)
            m = sp.csr_matrix((self.core_data, self.core_indices, self.core_indptr), shape=(k, k))
            self.__dict__["_core_csr"] = m
        return m

    def closure(self, nodes: NDArray[np.int64]) -> NDArray[np.int64]:
        """The eliminated nodes reachable from ``nodes`` by upward arcs (``nodes`` included)."""
        is_core = np.zeros(self.n, dtype=bool)
        is_core[self.core_nodes] = True
        seen = np.zeros(self.n, dtype=bool)
        front = np.unique(nodes[~is_core[nodes]])
        seen[front] = True
        while front.size:
            nxt = self.up_idx[_ranges(self.up_ptr[front], self.up_ptr[front + 1])]
            nxt = np.unique(nxt[~seen[nxt] & ~is_core[nxt]])
            seen[nxt] = True
            front = nxt
        return np.flatnonzero(seen)

    def up_graph(
        self, nodes: NDArray[np.int64]
    ) -> tuple[sp.csr_matrix, NDArray[np.int64], NDArray[np.int64]]:
        """Core + upward arcs of the closure of ``nodes``: the graph of the upward searches.

        Returns the graph, the closure (original ids) and ``pos[original]`` = its id in the
        graph (core ids first, then the closure; -1 elsewhere).
        """
        clo = self.closure(np.asarray(nodes, dtype=np.int64))
        k = self.core_nodes.size
        pos = np.full(self.n, -1, dtype=np.int64)
        pos[self.core_nodes] = np.arange(k)
        pos[clo] = k + np.arange(clo.size)
        sel = _ranges(self.up_ptr[clo], self.up_ptr[clo + 1])
        v = np.repeat(clo, self.up_ptr[clo + 1] - self.up_ptr[clo])
        w = self.up_out[sel]
        ok = np.isfinite(w)
        coo = self.core.tocoo()
        tail = np.r_[coo.row.astype(np.int64), pos[v][ok]]
        head = np.r_[coo.col.astype(np.int64), pos[self.up_idx[sel]][ok]]
        return _csr_min(k + clo.size, tail, head, np.r_[coo.data, w[ok]]), clo, pos

    def target_buckets(
        self, targets: NDArray[np.int64], clo: NDArray[np.int64], pos: NDArray[np.int64], size: int
    ) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.int64]]:
        r"""Each target's search space: the nodes :math:`x` it climbs to by reversed upward arcs
        (its closure and the core nodes they enter), with the climb :math:`f_t(x)`; a shortest
        path :math:`s \to t` descends to :math:`t` from one of them, so
        :math:`d(s, t) = \min_x d_{\uparrow}(s, x) + f_t(x)` (the bucket form of the down sweep).

        Returns the graph ids ``x`` and ``f_t(x)`` grouped by target (in ``targets`` order) and
        each group's start; every group holds at least the target itself (``f = 0``).
        """
        return _target_buckets_impl(self, targets, clo, pos, size)

    def down_plan(self, clo: NDArray[np.int64], pos: NDArray[np.int64]) -> list[tuple[Any, ...]]:
        """The down sweep over ``clo`` by increasing height: per level, the nodes' columns, the
        arcs ``x -> v`` (columns of ``x``, weights) grouped by ``v`` and the group starts."""
        plan = []
        h = self.height[clo]
        for level in np.unique(h[h > 0]).tolist():
            nodes = clo[h == level]
            sel = _ranges(self.up_ptr[nodes], self.up_ptr[nodes + 1])
            cnt = self.up_ptr[nodes + 1] - self.up_ptr[nodes]
            w = self.up_in[sel]
            ok = cnt > 0
            starts = np.r_[0, np.cumsum(cnt)[:-1]]
            if sel.size:
                plan.append((pos[nodes[ok]], pos[self.up_idx[sel]], w, starts[ok]))
        return plan


def _target_buckets_impl(
    core: Core, targets: NDArray[np.int64], t_clo: NDArray[np.int64], pos: NDArray[np.int64], size: int
) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.int64]]:
    """See :meth:`Core.target_buckets`."""
    from scipy.sparse.csgraph import dijkstra

    sel = _ranges(core.up_ptr[t_clo], core.up_ptr[t_clo + 1])
    v = np.repeat(t_clo, core.up_ptr[t_clo + 1] - core.up_ptr[t_clo])
    w = core.up_in[sel]  # arc up_idx -> v: climbing from v reverses it
    ok = np.isfinite(w)
    climb = _csr_min(size, pos[v][ok], pos[core.up_idx[sel]][ok], w[ok])
    cols, vals, owner = [], [], []
    for k in range(0, targets.size, 32):  # 32 rows of the graph's size at a time (memory)
        d = np.atleast_2d(dijkstra(climb, directed=True, indices=pos[targets[k : k + 32]]))
        r, c = np.nonzero(np.isfinite(d))
        cols.append(c)
        vals.append(d[r, c])
        owner.append(r + k)
    o = np.concatenate(owner)
    order = np.argsort(o, kind="stable")
    first = np.searchsorted(o[order], np.arange(targets.size))
    return np.concatenate(cols)[order].astype(np.int64), np.concatenate(vals)[order], first


def _ranges(starts: NDArray[np.int64], ends: NDArray[np.int64]) -> NDArray[np.int64]:
    """Concatenation of ``arange(s, e)`` for each pair, vectorised."""
    lens = ends - starts
    total = int(lens.sum())
    if total == 0:
        return np.empty(0, dtype=np.int64)
    offs = np.repeat(starts - np.r_[0, np.cumsum(lens)[:-1]], lens)
    return np.arange(total, dtype=np.int64) + offs


def contract(csr: sp.csr_matrix, keep: NDArray[np.int64], *, max_degree: int = 24) -> Core:
    """Terminal-free elimination (as :func:`eliminate`; nodes ``keep`` are never eliminated),
    recording every eliminated node's arcs at the moment of its elimination.  Deterministic:
    the order depends on node degrees and ids only, never on weights, so two weight arrays of
    the same topology give cores of the same structure."""
    n = csr.shape[0]
    csr = csr.tocsr()
    ip, ix, dat = csr.indptr.tolist(), csr.indices.tolist(), csr.data.tolist()
    out: list[Any] = [dict(zip(ix[ip[i] : ip[i + 1]], dat[ip[i] : ip[i + 1]], strict=True)) for i in range(n)]
    inn: list[Any] = [{} for _ in range(n)]
    for i in range(n):
        for j, wj in out[i].items():
            inn[j][i] = wj
    is_term = np.zeros(n, dtype=bool)
    is_term[np.asarray(keep, dtype=np.int64)] = True
    term = is_term.tolist()
    alive = [True] * n
    rec: list[Any] = [None] * n
    order: list[int] = []
    inf = float("inf")
    for limit in range(1, max_degree + 1):
        stack = list(range(n - 1, -1, -1))
        while stack:
            v = stack.pop()
            if not alive[v] or term[v]:
                continue
            ov, iv = out[v], inn[v]
            nbrs = sorted(ov.keys() | iv.keys())
            if len(nbrs) > limit:
                continue
            for a, wa in iv.items():
                oa = out[a]
                for b, wb in ov.items():
                    if a != b:
                        s = wa + wb
                        if s < oa.get(b, inf):
                            oa[b] = s
                            inn[b][a] = s
            for a in iv:
                del out[a][v]
            for b in ov:
                del inn[b][v]
            rec[v] = [(x, ov.get(x, inf), iv.get(x, inf)) for x in nbrs]
            order.append(v)
            alive[v] = False
            out[v] = inn[v] = None
            stack.extend(reversed(nbrs))
    return _core_from(n, alive, out, rec, order)


def _core_from(n: int, alive: list[bool], out: list[Any], rec: list[Any], order: list[int]) -> Core:
    """Arrays of a :class:`Core` from :func:`contract`'s final state."""
    kept = np.flatnonzero(np.asarray(alive))
    new_id = np.full(n, -1, dtype=np.int64)
    new_id[kept] = np.arange(kept.size)
    rows = [v for v in kept.tolist() for _ in out[v]]
    cols = [b for v in kept.tolist() for b in out[v]]
    vals = [w for v in kept.tolist() for w in out[v].values()]
    core = _csr_min(
        kept.size,
        new_id[np.asarray(rows, dtype=np.int64)],
        new_id[np.asarray(cols, dtype=np.int64)],
        np.asarray(vals, dtype=np.float64),
    )
    height = [0] * n
    for v in reversed(order):  # the nodes above v went later: their heights are known
        height[v] = 1 + max((height[x] for x, _, _ in rec[v]), default=0)
    counts = np.array([0 if r is None else len(r) for r in rec], dtype=np.int64)
    flat = [t for r in rec if r is not None for t in r]
    arr = np.asarray(flat, dtype=np.float64).reshape(-1, 3)
    return Core(
        n=n,
        core_nodes=kept,
        core_indptr=core.indptr,
        core_indices=core.indices,
        core_data=core.data,
        up_ptr=np.r_[0, np.cumsum(counts)].astype(np.int64),
        up_idx=arr[:, 0].astype(np.int64),
        up_out=arr[:, 1].copy(),
        up_in=arr[:, 2].copy(),
        height=np.asarray(height, dtype=np.int64),
    )


def core_many_to_many(
    core: Core,
    sources: NDArray[np.int64],
    targets: NDArray[np.int64],
    *,
    chunk: int = 64,
    dtype: Any = np.float64,
    progress: Callable[[int, int], None] | None = None,
    client: Any = None,
) -> NDArray[Any]:
    """Exact distances from each source node to each target node on a :class:`Core`.

    One upward Dijkstra tree per distinct source on the core plus the upward arcs of the
    query nodes' closure (``scipy.sparse.csgraph.dijkstra``), then the descent to the targets:
    either per target, the minimum over its search space of tree distance plus climb
    (:meth:`Core.target_buckets`; chosen when the targets' search spaces hold fewer entries than
    the arcs of their joint closure, e.g. the 367 seats: ~4x less work), or a vectorised sweep
    down the targets' closure by height.  Source blocks run through :func:`geoaggl._engine.map_blocks`
    (locally, or on a Dask client).  Memory: the result plus a few ``chunk × |graph|`` blocks.
    """
    sources = np.asarray(sources, dtype=np.int64)
    targets = np.asarray(targets, dtype=np.int64)
    usrc, src_inv = np.unique(sources, return_inverse=True)
    dup = usrc.size < sources.size
    rows = usrc if dup else sources  # unique sources are solved in their own order (no copy)
    if client is None:
        from . import settings

        client = settings.dask_client
    from . import _odkernel

    if _odkernel.available():  # compiled: same formula as the bucket path below, no per-query graph
        res = _odkernel.many_to_many(
            core, rows, targets, dtype=dtype, chunk=chunk, progress=progress, client=client
        )
        return res[src_inv.ravel()] if dup else res
    graph, _, pos = core.up_graph(np.union1d(usrc, targets))
    utgt, tgt_inv = np.unique(targets, return_inverse=True)
    t_clo = core.closure(utgt)
    plan = core.down_plan(t_clo, pos)
    buckets: tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.int64]] | None = None
    sample = utgt[:: max(1, utgt.size // 64)]  # estimate the search spaces' total size first
    est = core.target_buckets(sample, t_clo, pos, graph.shape[0])[0].size * utgt.size / sample.size
    if est <= 0.8 * sum(int(p[1].size) for p in plan):  # clearly cheaper than the level sweep
        buckets = core.target_buckets(utgt, t_clo, pos, graph.shape[0])
        plan = []
        chunk = max(1, min(chunk, 4_000_000 // max(buckets[0].size, 1)))
    if progress is not None:
        chunk = max(1, min(chunk, -(-rows.size // 20)))
    starts = list(range(0, rows.size, chunk))
    res = np.empty((rows.size, targets.size), dtype=dtype)
    solve = _BlockSolver(graph, pos[rows], pos[targets], plan, chunk, buckets, tgt_inv.ravel())
    if client is None:
        for start in starts:
            res[start : start + chunk] = solve(start)
            if progress is not None:
                progress(min(start + chunk, rows.size), rows.size)
    else:
        from ._engine import map_blocks

        for start, block in zip(starts, map_blocks(solve, starts, client=client), strict=True):
            res[start : start + chunk] = block
        if progress is not None:
            progress(rows.size, rows.size)
    return res[src_inv.ravel()] if dup else res


class _BlockSolver:
    """Picklable ``start -> distances of sources[start:start+chunk]`` (one block of the OD):
    upward Dijkstra trees on the core, then the vectorised down sweep to the targets."""

    def __init__(
        self,
        graph: sp.csr_matrix,
        s_ids: NDArray[np.int64],
        t_ids: NDArray[np.int64],
        plan: list[tuple[Any, ...]],
        chunk: int,
        buckets: tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.int64]] | None = None,
        t_inv: NDArray[np.int64] | None = None,
    ) -> None:
        self.graph, self.s_ids, self.t_ids, self.plan, self.chunk = graph, s_ids, t_ids, plan, chunk
        self.buckets, self.t_inv = buckets, t_inv

    def __call__(self, start: int) -> NDArray[np.float64]:
        from scipy.sparse.csgraph import dijkstra

        d = np.atleast_2d(dijkstra(self.graph, directed=True, indices=self.s_ids[start : start + self.chunk]))
        if self.buckets is not None:  # d(s, t) = min over t's search space x of d(s, x) + f_t(x)
            cols, f, first = self.buckets
            best = np.minimum.reduceat(d[:, cols] + f, first, axis=1)
            return best[:, self.t_inv]
        dt = np.ascontiguousarray(d.T)  # node-major: the sweep gathers whole rows (cache-friendly)
        del d
        for rows, above, w, starts in self.plan:
            via = np.minimum.reduceat(dt[above] + w[:, None], starts, axis=0)
            dt[rows] = np.minimum(dt[rows], via)
        return dt[self.t_ids].T
