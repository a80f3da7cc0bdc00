"""Speed of SBM-DEA and the Malmquist–Luenberger index against a per-LP ``linprog`` loop.

Run: ``python benchmarks/bench_efficiency.py`` (full size: 300 cities × 10
years = 3,000 DMUs; ``--cities 60 --years 4 --repeat 1`` for a quick look).
Data: inputs labour and capital, good output GDP, bad outputs SO2 and COD
(log-normal, Cobb–Douglas-like).  The peer way is the textbook loop, one
``scipy.optimize.linprog(method="highs")`` call per LP, run in the same
process on the same panel:

* SBM: one Charnes–Cooper LP per DMU with every DMU of the frontier as a peer.
  Per-year frontiers are looped in full; the pooled frontier (3,000 peers per
  LP) is timed on a sample of 150 DMUs and scaled to all DMUs, because the full
  loop takes minutes.
* Malmquist–Luenberger: every directional-distance LP (each year against its
  own frontier, then each pair of consecutive years against each other's
  frontier), looped in full.

Each time is the median of ``--repeat`` runs (geoaggl and the peer alike).
Every row prints geoaggl's time, the peer's, the ratio, and the largest
absolute difference between the two (ρ for SBM; the four distances D for ML,
with the infeasible LPs required to be the same ones).  Target (issue #12):
ML 300 × 10 and pooled SBM on 3,000 DMUs ≥ 3× the loop, equal to 1e-9.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import linprog

from geoaggl.efficiency import _nondominated, malmquist_luenberger, sbm


def data(n: int = 300, years: int = 10, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    idx = pd.MultiIndex.from_product([range(n), range(2008, 2008 + years)], names=["adcode", "year"])
    x = pd.DataFrame(rng.lognormal(size=(len(idx), 2)), index=idx, columns=["labour", "capital"])
    g = pd.DataFrame({"gdp": x.labour**0.4 * x.capital**0.5 * rng.lognormal(0, 0.3, len(idx))})
    b = pd.DataFrame({"so2": g.gdp * rng.lognormal(0, 0.4, len(idx)), "cod": rng.lognormal(size=len(idx))})
    return x, g, b


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Median wall time of ``repeat`` calls and the last result."""
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def loop_sbm(
    x: np.ndarray,
    yg: np.ndarray,
    yb: np.ndarray,
    vrs: bool,
    evaluate: np.ndarray,
    peers: np.ndarray | None = None,
) -> np.ndarray:
    """One Charnes–Cooper LP per evaluated DMU; all DMUs as peers (the straightforward way) or ``peers``."""
    px, pg, pb = (x, yg, yb) if peers is None else (x[peers], yg[peers], yb[peers])
    n, m = px.shape
    s1, s2 = yg.shape[1], yb.shape[1]
    nv = 1 + n + m + s1 + s2
    out = np.empty(len(evaluate))
    for k, o in enumerate(evaluate):
        c = np.zeros(nv)
        c[0] = 1
        c[1 + n : 1 + n + m] = -1 / (m * x[o])
        a = np.zeros((1 + m + s1 + s2 + int(vrs), nv))
        a[0, 0] = 1
        a[0, 1 + n + m : 1 + n + m + s1] = 1 / ((s1 + s2) * yg[o])
        a[0, 1 + n + m + s1 :] = 1 / ((s1 + s2) * yb[o])
        row = 1
        for data_, peer, sgn, off in ((x, px, 1, 0), (yg, pg, -1, m), (yb, pb, 1, m + s1)):
            for i in range(data_.shape[1]):
                a[row, 0] = -data_[o, i]
                a[row, 1 : 1 + n] = peer[:, i]
                a[row, 1 + n + off + i] = sgn
                row += 1
        if vrs:
            a[row, 0] = -1
            a[row, 1 : 1 + n] = 1
        b_eq = np.zeros(a.shape[0])
        b_eq[0] = 1
        out[k] = linprog(c, A_eq=a, b_eq=b_eq, method="highs").fun
    return out


def loop_ddf(obs: np.ndarray, ref: np.ndarray, m: int, s1: int) -> np.ndarray:
    """Directional distance (g = (0, y, -b), CRS) of each row of ``obs``, one linprog each.

    NaN where the LP is infeasible.
    """
    n, q = ref.shape
    s2 = q - m - s1
    out = np.full(len(obs), np.nan)
    bounds = [(None, None)] + [(0, None)] * n
    c = np.zeros(1 + n)
    c[0] = -1
    for k, o in enumerate(obs):
        a_ub = np.zeros((m + s1, 1 + n))
        a_ub[:m, 1:] = ref[:, :m].T
        a_ub[m:, 1:] = -ref[:, m : m + s1].T
        a_ub[m:, 0] = o[m : m + s1]
        a_eq = np.zeros((s2, 1 + n))
        a_eq[:, 1:] = ref[:, m + s1 :].T
        a_eq[:, 0] = o[m + s1 :]
        res = linprog(
            c,
            A_ub=a_ub,
            b_ub=np.concatenate([o[:m], -o[m : m + s1]]),
            A_eq=a_eq,
            b_eq=o[m + s1 :],
            bounds=bounds,
            method="highs",
        )
        if res.status == 0:
            out[k] = res.x[0]
    return out


def loop_ml(z: np.ndarray, years: np.ndarray, m: int, s1: int) -> dict[str, np.ndarray]:
    """The four distances of every (city, later year) row, in the row order of geoaggl's result."""
    yrs = np.unique(years)
    own = {t: loop_ddf(z[years == t], z[years == t], m, s1) for t in yrs}
    cols: dict[str, list[np.ndarray]] = {"D_t_t": [], "D_t_t1": [], "D_t1_t": [], "D_t1_t1": []}
    for t0, t1 in itertools.pairwise(yrs):
        z0, z1 = z[years == t0], z[years == t1]  # the bench panel is balanced and sorted by city
        cols["D_t_t"].append(own[t0])
        cols["D_t1_t1"].append(own[t1])
        cols["D_t_t1"].append(loop_ddf(z1, z0, m, s1))
        cols["D_t1_t"].append(loop_ddf(z0, z1, m, s1))
    return {k: np.concatenate(v) for k, v in cols.items()}


def row(name: str, t_fast: float, t_peer: float, peer: str, gap: float, note: str = "") -> None:
    print(
        f"{name}: geoaggl {t_fast:.2f} s, {peer} {t_peer:.2f} s, {t_peer / t_fast:.1f}×, "
        f"max |Δ| {gap:.1e}{note}"
    )


def bench_sbm(x: pd.DataFrame, g: pd.DataFrame, b: pd.DataFrame, repeat: int, sample: int) -> None:
    X, G, B = x.to_numpy(), g.to_numpy(), b.to_numpy()
    years = x.index.get_level_values("year").to_numpy()
    size = f"{len(x):,} DMUs"
    for frontier in ("year", "pooled"):
        for rts in ("crs", "vrs"):
            t_fast, res = timed(lambda f=frontier, r=rts: sbm(x, g, b, rts=r, frontier=f), repeat)
            rho = res["efficiency"].to_numpy()
            if frontier == "year":

                def peer(r: str = rts) -> np.ndarray:
                    ref = np.empty(len(x))
                    for yr in np.unique(years):
                        sel = np.flatnonzero(years == yr)
                        ref[sel] = loop_sbm(X[sel], G[sel], B[sel], r == "vrs", np.arange(len(sel)))
                    return ref

                t_peer, ref = timed(peer, repeat)
                gap, note = float(np.abs(ref - rho).max()), ""
            else:
                pick = np.random.default_rng(1).choice(len(x), min(sample, len(x)), replace=False)
                t_peer, ref = timed(lambda r=rts, p=pick: loop_sbm(X, G, B, r == "vrs", p), repeat)
                t_peer *= len(x) / len(pick)
                gap = float(np.abs(ref - rho[pick]).max())
                note = f" (loop timed on {len(pick)} DMUs, scaled ×{len(x) / len(pick):.0f})"
            row(
                f"SBM {rts.upper()} {frontier} frontier, {size}",
                t_fast,
                t_peer,
                "per-DMU linprog loop",
                gap,
                note,
            )
            if frontier == "pooled":  # a stricter peer: the same loop offered only the non-dominated DMUs
                nd = _nondominated(np.hstack([X, -G, B]))
                t_nd, ref = timed(lambda r=rts, p=pick, q=nd: loop_sbm(X, G, B, r == "vrs", p, q), repeat)
                t_nd *= len(x) / len(pick)
                row(
                    f"SBM {rts.upper()} {frontier} frontier, {size}",
                    t_fast,
                    t_nd,
                    f"linprog loop on the {len(nd)} non-dominated peers",
                    float(np.abs(ref - rho[pick]).max()),
                    note,
                )


def bench_ml(x: pd.DataFrame, g: pd.DataFrame, b: pd.DataFrame, repeat: int) -> None:
    panel = pd.concat([x, g, b], axis=1)
    n_city = x.index.get_level_values(0).nunique()
    n_year = x.index.get_level_values(1).nunique()

    def fast() -> tuple[pd.DataFrame, int]:
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            res = malmquist_luenberger(panel, inputs=["labour", "capital"], good="gdp", bad=["so2", "cod"])
        return res, len(w)

    t_fast, (ml, _) = timed(fast, repeat)
    z = panel.to_numpy()
    years = x.index.get_level_values(1).to_numpy()
    t_peer, ref = timed(lambda: loop_ml(z, years, 2, 1), repeat)
    ml = ml.sort_index(level=[1, 0])
    gap, same_nan = 0.0, True
    for col, want in ref.items():
        got = ml[col].to_numpy()
        want = np.where(1 + want > 0, want, np.nan)
        got_ok, want_ok = np.isfinite(got), np.isfinite(want)
        same_nan &= bool((got_ok == want_ok).all())
        if got_ok.any():
            gap = max(gap, float(np.abs(got[got_ok & want_ok] - want[got_ok & want_ok]).max()))
    n_lp = n_year * n_city + 2 * (n_year - 1) * n_city
    n_inf = int(ml[["D_t_t1", "D_t1_t"]].isna().to_numpy().sum())
    row(
        f"Malmquist–Luenberger {n_city}×{n_year}",
        t_fast,
        t_peer,
        "linprog loop",
        gap,
        f" ({n_lp:,} LPs, {n_inf} infeasible mixed-period; same infeasible LPs: {same_nan})",
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cities", type=int, default=300)
    ap.add_argument("--years", type=int, default=10)
    ap.add_argument("--repeat", type=int, default=3, help="runs per timing (median)")
    ap.add_argument("--sample", type=int, default=150, help="DMUs timed in the pooled SBM loop")
    ap.add_argument("--only", choices=["sbm", "ml"], default=None)
    args = ap.parse_args()
    x, g, b = data(args.cities, args.years)
    print(
        f"{args.cities} cities × {args.years} years; 2 inputs, 1 good, 2 bad outputs; "
        f"medians of {args.repeat} run(s)"
    )
    if args.only in (None, "sbm"):
        bench_sbm(x, g, b, args.repeat, args.sample)
    if args.only in (None, "ml"):
        bench_ml(x, g, b, args.repeat)


if __name__ == "__main__":
    main()
