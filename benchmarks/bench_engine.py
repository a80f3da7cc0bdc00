"""Pooled SBM on a county-sized panel: locally vs on a Dask ``LocalCluster``.

Run: ``python benchmarks/bench_engine.py`` (default 2,850 counties × 3 years = 8,550 DMUs,
every one compared with all others; ``--units 600 --years 2`` for a quick look; ``--workers``).
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
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--rts", choices=["crs", "vrs"], default="crs")
    args = ap.parse_args()
    try:
        import distributed
    except ImportError:
        sys.exit("bench_engine needs the dask extra: pip install 'geoaggl[dask]'")

    x, g, b = data(args.units, args.years)
    size = f"{len(x):,} DMUs ({args.units:,} units × {args.years} years), pooled {args.rts.upper()} frontier"
    print(f"pooled SBM, {size}; {os.cpu_count()} CPU(s) on this machine")
    t_local, local = timed(lambda: sbm(x, g, b, rts=args.rts, frontier="pooled"), args.repeat)
    print(f"  local:   {t_local:.2f} s")

    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cluster = distributed.LocalCluster(
            n_workers=args.workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=50,
        )
        client = distributed.Client(cluster)
    client.run(lambda: __import__("geoaggl.efficiency"))  # workers import geoaggl once, not timed below
    t_start = time.perf_counter() - t0
    try:
        t_dask, remote = timed(
            lambda: sbm(x, g, b, rts=args.rts, frontier="pooled", client=client), args.repeat
        )
    finally:
        client.close()
        cluster.close()
    gap = float(np.nanmax(np.abs(local.to_numpy() - remote.to_numpy())))
    print(
        f"  Dask LocalCluster, {args.workers} worker processes: {t_dask:.2f} s "
        f"(start-up {t_start:.1f} s, once)"
    )
    print(f"  ratio local / cluster: {t_local / t_dask:.2f}×; max |Δ| between the two results: {gap:.1e}")
    if gap != 0.0:
        sys.exit("results differ between the local run and the cluster")


if __name__ == "__main__":
    main()
