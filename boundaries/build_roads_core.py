"""Build ``geoaggl/data/china_highways_core.npz``: the bundled road graph's precomputed core.

Re-runnable and deterministic (run it again whenever ``china_highways.npz`` or the edge
weight model in :func:`geoaggl.roads._edge_weights` changes)::

    PYTHONPATH=. python boundaries/build_roads_core.py

Steps
-----
1. Edge weights (with :data:`geoaggl._roadgraph.BORDER_PENALTY` on the Hong Kong / Macao
   links, :func:`geoaggl.roads._routing`) from the one place that computes them when the
   shipped arrays are loaded,
   :func:`geoaggl.roads._edge_weights` (defaults: the calibrated road model of
   ``geoaggl/_roadmodel.py``, ferry 90 min); the uncorrected ``length_raw`` gets no core.
2. :func:`geoaggl._roadgraph.contract`: every node with at most ``MAX_DEGREE`` distinct
   neighbours is eliminated (degree-1 and degree-2 nodes first, so dead ends and chains go
   first), replacing ``u -> v -> x`` by shortcuts; each eliminated node keeps the arcs it had
   when it went (its *upward* arcs).  The order depends on degrees and node ids only, so the
   structure is the same for every weight.
3. Per weight, the core's arcs that are longer than the core distance between their ends
   (shortcuts made redundant by a shorter path) are dropped: exact (all-pairs Dijkstra on
   the core) and it halves the core's arcs.
4. The road model's per-edge corrected lengths and travel times (``edge_length``,
   ``edge_travel_time``, before the ferry time is set) with the SHA-1 of the inputs they come
   from (``inputs_sig``: ``china_highways.npz`` and ``road_model.json`` without its fit
   report), so that loading the graph reads them instead of evaluating the model per call.
5. Written with ``numpy.savez_compressed`` (no pickles), with the SHA-1 of each weight array
   so that :mod:`geoaggl.roads` uses the file only for exactly these weights.

``od_matrix`` then runs Dijkstra on the core plus the upward arcs of the query nodes (a
contraction hierarchy with an uncontracted core); its results equal Dijkstra on the full
graph (tested in ``tests/test_roads.py``).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from geoaggl import roads  # noqa: E402
from geoaggl._roadgraph import _csr_min, contract  # noqa: E402
from geoaggl._roadmodel import apply_road_model  # noqa: E402
from geoaggl.roads import _edge_weights, _inputs_signature, _weight_signature  # noqa: E402

OUT = REPO / "geoaggl" / "data" / "china_highways_core.npz"
#: measured: 24 -> 40 shrinks the core 3,369 -> 1,710 nodes (OD 367 0.47 -> 0.33 s in process)
MAX_DEGREE = 40


def main() -> int:
    """Build and write the core file; print a short report."""
    t0 = time.perf_counter()
    roads._precomputed_model = lambda: None  # evaluate the model: never reuse the file being rebuilt
    u, v, weights = _edge_weights()
    n = int(max(u.max(), v.max())) + 1
    from geoaggl._roadgraph import bundled_arrays

    n = int(bundled_arrays()["lat_e3"].size)
    out: dict[str, np.ndarray] = {}
    shared = None
    for name, w in weights.items():
        if name == "length_raw":  # the uncorrected chords: solved per call, no precomputed core
            continue
        w = roads._routing(w)  # border penalty on the Hong Kong / Macao links, as od_matrix routes
        csr = _csr_min(n, np.r_[u, v], np.r_[v, u], np.r_[w, w])
        core = contract(csr, np.empty(0, dtype=np.int64), max_degree=MAX_DEGREE)
        if shared is None:
            shared = core
            out["n"] = np.array(n, dtype=np.int64)
            out["max_degree"] = np.array(MAX_DEGREE, dtype=np.int64)
            out["core_nodes"] = core.core_nodes.astype(np.int32)
            out["up_ptr"] = core.up_ptr.astype(np.int64)
            out["up_idx"] = core.up_idx.astype(np.int32)
            out["height"] = core.height.astype(np.int32)
        else:  # same structure for every weight (degree order)
            assert np.array_equal(core.up_idx, shared.up_idx) and np.array_equal(core.up_ptr, shared.up_ptr)
        if not np.array_equal(core.up_out, core.up_in):  # pragma: no cover - the graph is undirected
            raise SystemExit(f"{name}: asymmetric upward arcs")
        c = core.core.tocoo()
        full = dijkstra(core.core, directed=True)
        keep = ~(c.data > full[c.row, c.col])
        pruned = sp.csr_matrix((c.data[keep], (c.row[keep], c.col[keep])), shape=core.core.shape)
        pruned.sort_indices()
        out[f"{name}_indptr"] = pruned.indptr.astype(np.int32)
        out[f"{name}_indices"] = pruned.indices.astype(np.int32)
        out[f"{name}_data"] = pruned.data.astype(np.float64)
        out[f"{name}_up"] = core.up_out.astype(np.float64)
        out[f"{name}_sig"] = np.array(_weight_signature(u, v, w))
        print(
            f"{name}: core {core.core_nodes.size} nodes, {c.nnz} arcs -> {pruned.nnz} after pruning; "
            f"{core.up_idx.size} upward arcs"
        )
    z = bundled_arrays()
    length, ttime = apply_road_model(
        u,
        v,
        z["length_m"].astype(np.float64),
        z["lon_e3"] / 1000.0,
        z["lat_e3"] / 1000.0,
        connector=z["connector"],
    )
    out["edge_length"], out["edge_travel_time"] = length, ttime  # the model per edge, not refitted per call
    out["inputs_sig"] = np.array(_inputs_signature())
    np.savez_compressed(OUT, **out)
    size = OUT.stat().st_size / 1e6
    print(f"wrote {OUT.relative_to(REPO)} ({size:.1f} MB) in {time.perf_counter() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
