"""Benchmark: wall-clock targets that used to be asserted in tests/ (tests assert numbers only).

* ``weights.contiguity`` on the 367 shipped units (queen, ``islands="nearest"``): target < 1 s
  once imports are warm;
* a repeated ``roads.od_matrix`` call on the same graph and units (served from the cache):
  target < 0.3 s.

The mediation bootstrap target (999 draws, 150 cities x 10 years, < 10 s) is in bench_spatial.py.

Run: python benchmarks/bench_weights.py
"""

from __future__ import annotations

import time
import warnings


def _best(fn, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    import geoaggl
    from geoaggl import roads, weights

    units = geoaggl.prefectures()
    weights.contiguity(units)  # warm imports
    t_cont = _best(lambda: weights.contiguity(units))
    print(f"weights.contiguity (367 units): {t_cont:.3f} s  (target < 1 s)  {'OK' if t_cont < 1 else 'SLOW'}")

    G = roads.china_highways()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        roads.od_matrix(G, units)  # fills the cache
        t_od = _best(lambda: roads.od_matrix(G, units))
    print(f"roads.od_matrix, repeated call: {t_od:.3f} s  (target < 0.3 s)  {'OK' if t_od < 0.3 else 'SLOW'}")


if __name__ == "__main__":
    main()
