"""Pooled SBM on a county-sized panel: locally vs on a Dask ``LocalCluster``.

Run: ``python benchmarks/bench_engine.py`` (default 2,850 counties × 3 years = 8,550 DMUs,
every one compared with all others; ``--units 600 --years 2`` for a quick look; ``--workers 1,2``
for the cluster sizes).  One worker measures Dask's overhead; more workers, the parallel gain.
Needs the ``dask`` extra (``pip install geoaggl[dask]``).

Data: the synthetic panel of ``bench_efficiency.py`` (inputs labour and capital, good output
GDP, bad outputs SO2 and COD).  Each time is the median of ``--repeat`` runs; the cluster's
start-up (worker processes importing geoaggl) is timed separately, once.  The results must be
identical (``max |Δ|`` is printed and checked: 0 for every column).

The ratio printed is local time / cluster time.  On a machine with ``c`` free cores, a
``c``-worker cluster approaches ``c``× for the LPs; the non-dominated peer search and the
set-up stay in the calling process (or are split only when a client is given), and every
task pays Dask's scheduling and transfer overhead (a few ms per block of 512 LPs).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bench_efficiency import data

from geoaggl.efficiency import sbm


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--units", type=int, default=2850)
    ap.add_argument("--years", type=int, default=3)
    ap.add_argument("--workers", default="1,2", help="worker counts to time, comma-separated")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--rts", choices=["crs", "vrs"], default="crs")
    args = ap.parse_args()
    try:
        import distributed  # noqa: F401
    except ImportError:
        sys.exit("bench_engine needs the dask extra: pip install 'geoaggl[dask]'")

    x, g, b = data(args.units, args.years)
    size = f"{len(x):,} DMUs ({args.units:,} units × {args.years} years), pooled {args.rts.upper()} frontier"
    print(f"pooled SBM, {size}; {os.cpu_count()} CPU(s) on this machine")
    _warm_up()
    t_local, local = timed(lambda: sbm(x, g, b, rts=args.rts, frontier="pooled"), args.repeat)
    print(f"  local:   {t_local:.2f} s")

    for n_workers in (int(w) for w in str(args.workers).split(",")):
        t_dask, t_start, remote = on_cluster(
            lambda c: sbm(x, g, b, rts=args.rts, frontier="pooled", client=c), n_workers, args.repeat
        )
        gap = float(np.nanmax(np.abs(local.to_numpy() - remote.to_numpy())))
        print(
            f"  Dask LocalCluster, {n_workers} worker process(es): {t_dask:.2f} s "
            f"(start-up {t_start:.1f} s, once); local / cluster {t_local / t_dask:.2f}×; "
            f"max |Δ| {gap:.1e}"
        )
        if gap != 0.0:
            sys.exit("results differ between the local run and the cluster")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"  load average at the end: {load:.1f} (other processes competing for the same cores)")


def _warm_up() -> None:
    """Import geoaggl and load the HiGHS bindings (first solve) in this process."""
    x, g, b = data(8, 2)
    sbm(x, g, b)


def on_cluster(fn: Callable[[Any], Any], n_workers: int, repeat: int) -> tuple[float, float, Any]:
    """Median time of ``fn(client)`` on a fresh LocalCluster, its start-up time, and the result."""
    import distributed

    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cluster = distributed.LocalCluster(
            n_workers=n_workers, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=50
        )
        client = distributed.Client(cluster)
    client.run(_warm_up)  # each worker imports geoaggl and HiGHS once, not timed below
    t_start = time.perf_counter() - t0
    try:
        t, out = timed(lambda: fn(client), repeat)
    finally:
        client.close()
        cluster.close()
    return t, t_start, out


if __name__ == "__main__":
    main()
