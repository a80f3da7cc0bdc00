"""Speed of the Dagum Gini decomposition against the naive pairwise implementation.

Run: ``python benchmarks/bench_dagum.py`` (``--quick`` skips n = 10⁶).  Prints
the Dagum rows of issue #12's table: the sort-based
:func:`geoaggl.inequality.dagum_gini` (``O(n log n + n k)`` time, ``O(n)``
memory, no BLAS call) beside a naive NumPy broadcast of all ``|y_i - y_r|``
(``O(n²)`` time and memory) on the same data in this process, as geoaggl time,
naive time, ratio and the largest absolute difference over G, Gw, Gnb and Gt.
Each time is the median of several runs.  The k = 30 row is repeated in child
processes with ``OPENBLAS_NUM_THREADS`` unset and set to 1, because a
multi-threaded BLAS on these long thin shapes once made geoaggl slower than the
naive way.  Targets: ≥ 20× the naive way at n = 5,000, k = 30 whatever the BLAS
threading; n = 100,000 in 30 groups ≤ 2 s; ``bootstrap(999)`` on 300 units × 8
groups ≤ 10 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from geoaggl.inequality import dagum_gini


def naive_dagum(y: np.ndarray, g: np.ndarray) -> dict[str, float]:
    """Textbook Dagum decomposition with broadcast ``n_j × n_h`` difference blocks."""
    labels = sorted(set(g.tolist()))
    parts = [y[g == lab] for lab in labels]
    n, mu = y.size, y.mean()
    big = np.abs(y[:, None] - y[None, :]).sum() / (2 * n * n * mu)
    gw = gnb = gt = 0.0
    for j, yj in enumerate(parts):
        gjj = np.abs(yj[:, None] - yj[None, :]).sum() / (2 * yj.size**2 * yj.mean())
        gw += gjj * (yj.size / n) * (yj.sum() / y.sum())
        for yh in parts[j + 1 :]:
            a, b = (yj, yh) if yj.mean() >= yh.mean() else (yh, yj)
            diff = a[:, None] - b[None, :]
            gjh = np.abs(diff).sum() / (a.size * b.size * (a.mean() + b.mean()))
            d = np.maximum(diff, 0).mean()
            p = np.maximum(-diff, 0).mean()
            dd = (d - p) / (d + p) if d + p > 0 else 0.0
            w = a.size / n * b.sum() / y.sum() + b.size / n * a.sum() / y.sum()
            gnb += gjh * w * dd
            gt += gjh * w * (1 - dd)
    return {"G": big, "Gw": gw, "Gnb": gnb, "Gt": gt}


def median_time(fn: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def data(n: int, k: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    g = rng.integers(0, k, size=n)
    y = rng.lognormal(mean=1.0 + 0.05 * g, sigma=0.3)
    return y, g


def _fmt(t: float) -> str:
    return f"{t * 1e3:.1f} ms" if t < 1 else f"{t:.2f} s"


def versus_naive(n: int, k: int, repeat: int, note: str = "") -> None:
    y, g = data(n, k)
    fast = median_time(lambda: dagum_gini(y, g), max(repeat, 7))
    slow = median_time(lambda: naive_dagum(y, g), repeat)
    r, ref = dagum_gini(y, g), naive_dagum(y, g)
    gap = max(abs(getattr(r, c) - ref[c]) for c in ref)
    print(
        f"Dagum n = {n:,}, k = {k}: geoaggl {_fmt(fast)}, naive O(n²) {_fmt(slow)}, {slow / fast:.0f}×, "
        f"max |Δ| {gap:.0e}{note}"
    )


def alone(n: int, k: int, repeat: int, note: str) -> None:
    y, g = data(n, k)
    t = median_time(lambda: dagum_gini(y, g), repeat)
    print(f"Dagum n = {n:,}, k = {k}: geoaggl {_fmt(t)}, naive O(n²) not run ({note})")


def k30_threads(repeat: int) -> None:
    """The k = 30 rows (point estimate, bootstrap) under both BLAS threading settings, in fresh processes."""
    for setting in (None, "1"):
        env = dict(os.environ)
        env.pop("OPENBLAS_NUM_THREADS", None)
        if setting is not None:
            env["OPENBLAS_NUM_THREADS"] = setting
        label = "OPENBLAS_NUM_THREADS unset" if setting is None else f"OPENBLAS_NUM_THREADS={setting}"
        out = subprocess.run(
            [sys.executable, __file__, "--k30-child", label, "--repeat", str(repeat)],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        print(out.stdout.strip())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3, help="runs per timing (median)")
    ap.add_argument("--quick", action="store_true", help="skip the n = 1,000,000 rows")
    ap.add_argument("--k30-child", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.k30_child is not None:
        versus_naive(5_000, 30, args.repeat, f" ({args.k30_child})")
        y, g = data(300, 30)
        res = dagum_gini(y, g)
        t = median_time(lambda: res.bootstrap(999, seed=1), args.repeat)
        print(f"Dagum bootstrap(999), 300 units × 30 groups: geoaggl {_fmt(t)} ({args.k30_child})")
        return
    print(f"medians of {args.repeat} run(s) (fast path: at least 7)")
    versus_naive(5_000, 8, args.repeat)
    k30_threads(args.repeat)
    alone(100_000, 30, args.repeat, "target ≤ 2 s")
    if not args.quick:
        alone(1_000_000, 8, args.repeat, "O(n²) is out of reach")
        alone(1_000_000, 30, args.repeat, "O(n²) is out of reach")
    y, g = data(300, 8)
    res = dagum_gini(y, g)
    t = median_time(lambda: res.bootstrap(999, seed=1), args.repeat)
    print(f"Dagum bootstrap(999), 300 units × 8 groups: geoaggl {_fmt(t)} (target ≤ 10 s)")
    y, g = data(5_000, 30)
    res = dagum_gini(y, g)
    t = median_time(lambda: res.bootstrap(99, seed=1), args.repeat)
    print(f"Dagum bootstrap(99), 5,000 units × 30 groups: geoaggl {_fmt(t)} (no BLAS call)")


if __name__ == "__main__":
    main()
