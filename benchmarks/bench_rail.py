"""Benchmark the rail layer: loading the bundled rail graph and a 367 x 367 rail OD matrix.

Run: ``python benchmarks/bench_rail.py``.  Prints

* first load of the arrays (``rail_arrays()``: npz read, speed model, CSR);
* ``china_railways()`` (networkx graph) build time;
* ``rail.od_matrix`` among all 367 mainland seats: km cold (snapping, exact
  reduction, one Dijkstra tree per source) and warm (cached), minutes with the
  access legs, and ``roads.od_matrix`` on the rail graph (the generic path);
* plain scipy Dijkstra on the unreduced rail graph (same sources) and equality.
"""

from __future__ import annotations

import time
import warnings

import numpy as np


def main() -> None:
    from scipy.sparse.csgraph import dijkstra

    import geoaggl
    from geoaggl import rail, roads
    from geoaggl.errors import GeoagglWarning

    warnings.simplefilter("ignore", GeoagglWarning)
    units = geoaggl.prefectures()
    t = time.perf_counter()
    arrays = rail.rail_arrays()
    print(f"rail_arrays() first load: {time.perf_counter() - t:.2f} s ({arrays['lon'].size} nodes)")
    t = time.perf_counter()
    G = rail.china_railways()
    print(f"china_railways(): {time.perf_counter() - t:.2f} s ({len(G)} nodes, {G.number_of_edges()} arcs)")

    t = time.perf_counter()
    od = rail.od_matrix(units)
    cold = time.perf_counter() - t
    t = time.perf_counter()
    rail.od_matrix(units)
    warm = time.perf_counter() - t
    print(f"rail.od_matrix {od.shape[0]}x{od.shape[1]} km: cold {cold:.2f} s, warm {warm * 1000:.1f} ms")
    t = time.perf_counter()
    rail.od_matrix(units, weight="travel_time", include_access=True)
    print(f"rail.od_matrix minutes + access legs (new weight): {time.perf_counter() - t:.2f} s")
    t = time.perf_counter()
    roads.od_matrix(G, units, max_snap_km=150)
    print(f"roads.od_matrix(china_railways(), seats): {time.perf_counter() - t:.2f} s")

    node = rail.station_access(units)["node"].to_numpy()
    t = time.perf_counter()
    ref = dijkstra(arrays["length"], directed=True, indices=np.unique(node))
    print(f"scipy Dijkstra, unreduced graph, {np.unique(node).size} sources: {time.perf_counter() - t:.2f} s")
    pos = {n: i for i, n in enumerate(np.unique(node))}
    full = ref[[pos[n] for n in node]][:, node] / 1000
    np.fill_diagonal(full, 0.0)
    ok = np.isfinite(od.to_numpy())
    print(f"equal to the reduced solver on all finite pairs: {np.array_equal(full[ok], od.to_numpy()[ok])}")


if __name__ == "__main__":
    main()
