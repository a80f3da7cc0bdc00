"""Fit the bundled road graph's distance correction and travel-time model.

Re-runnable and deterministic: ``python boundaries/fit_road_model.py`` reads the
shipped graph arrays (``geoaggl/data/china_highways.npz``), the shipped seats and
the calibration half of ``tests/data/drive_reference.csv``, and writes
``geoaggl/data/road_model.json`` (coefficients, the plateau polygon and the
measured figures on both halves).  The model is documented in
:mod:`geoaggl._roadmodel`.

Method
------
1. Seats snap to their nearest graph node exactly as ``roads.od_matrix`` does.
2. Distance: detour factor :math:`\\log f_e = \\beta\\cdot x_e` (features
   ``const, dens, plateau, rugged, xinjiang``).  With the shortest paths fixed, minimise
   over the calibration pairs :math:`\\sum_p \\rho([\\log \\sum_{e\\in P_p} \\ell_e f_e(\\beta)
   - \\log D_p]^2)` (soft-L1 :math:`\\rho`) plus a ridge on the non-constant coefficients
   (``scipy.optimize.least_squares``); recompute the shortest paths with the new
   lengths; repeat (5 rounds).
3. Time: with the fitted lengths, speed :math:`\\log v_e = \\gamma\\cdot z_e`
   (``const, loglen, dens_wide, plateau``) and one access time :math:`a_0` at both ends;
   minimise :math:`\\sum_p \\rho([\\log(\\sum_{e\\in P_p} t_e + A_{s(p)} + A_{t(p)}) - \\log T_p]^2)`
   over the calibration pairs with minutes, paths being fastest paths; repeat.
   The feature sets and the ridge strength (:data:`CHOSEN`) were chosen by 5-fold
   cross-validation within the calibration half (``boundaries/cv_road_model.py``).
4. Report the ratios model/reference on both halves (median, share within ±10 %,
   by class and region).
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.optimize import least_squares
from scipy.sparse.csgraph import dijkstra

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import geoaggl  # noqa: E402
from geoaggl import _roadmodel as rm  # noqa: E402
from geoaggl._roadgraph import BORDER_PENALTY, FERRY, SAR_LINK, CompactGraph, bundled_arrays  # noqa: E402

OUT = ROOT / "geoaggl" / "data" / "road_model.json"
REFERENCE = ROOT / "tests" / "data" / "drive_reference.csv"
FERRY_MINUTES = 90.0
ROUNDS = 5
RIDGE = 0.02
#: Robust loss (soft L1 beyond ±10 % log error): a few reference rows are far off (a route the graph
#: lacks, an aggregator figure for another route); they should not drive the fit.
LOSS = "soft_l1"
F_SCALE = 0.1
#: Coarse outline of the Qinghai-Tibet Plateau (lon, lat), from the Pamirs along the Kunlun and
#: Qilian ranges, the eastern escarpment (west of the Sichuan basin), north-west Yunnan and the
#: Himalaya.  Includes the Qaidam basin (~2,800 m).  An elevation proxy only (~50 km accuracy).
PLATEAU = [
    [78.0, 36.0], [80.0, 36.3], [86.0, 36.6], [90.0, 37.3], [94.0, 38.5], [98.0, 38.8],
    [100.5, 37.6], [101.5, 36.6], [102.8, 35.0], [102.8, 33.0], [102.3, 31.0], [101.8, 29.0],
    [100.8, 27.6], [99.5, 27.2], [98.3, 27.5], [97.0, 28.2], [92.0, 27.5], [88.0, 27.8],
    [85.0, 28.2], [81.0, 29.8], [79.0, 31.0], [78.5, 33.0], [78.0, 35.0],
]  # fmt: skip
#: Hengduan Mountains and margins (west Sichuan west of the basin edge, north-west Yunnan, south-east
#: Tibet up to the 318/317 corridor): the most winding roads of the reference set.
RUGGED = [
    [97.0, 33.5], [103.0, 33.5], [103.6, 31.0], [103.2, 29.5], [103.0, 27.5], [102.0, 25.5],
    [99.0, 24.5], [97.5, 25.0], [96.0, 28.0], [93.0, 29.0], [92.5, 30.5], [96.0, 31.5],
]  # fmt: skip
#: River-network deltas: the Pearl River Delta (广州 佛山 深圳 东莞 中山 珠海 江门 肇庆-east) and the
#: Yangtze River Delta south of the river (上海 苏锡常 镇江 嘉兴 湖州 杭州 绍兴 宁波).
DELTAS = [
    [[112.6, 21.9], [114.6, 21.9], [114.6, 23.6], [112.6, 23.6]],
    [[119.0, 29.8], [122.0, 29.8], [122.0, 32.4], [119.0, 32.4]],
]  # fmt: skip
#: Xinjiang north of the plateau outline (Tianshan, Junggar and Tarim margins).
XINJIANG = [[73.0, 35.5], [96.5, 35.5], [96.5, 49.5], [73.0, 49.5]]
POLYGONS: dict[str, Any] = {
    "plateau_polygon": PLATEAU,
    "rugged_polygon": RUGGED,
    "delta_polygons": DELTAS,
    "xinjiang_polygon": XINJIANG,
}


class Net:
    """The bundled graph as arrays, with shortest-path edge extraction."""

    def __init__(self) -> None:
        z = bundled_arrays()
        self.u = z["u"].astype(np.int64)
        self.v = z["v"].astype(np.int64)
        self.length = z["length_m"].astype(np.float64)
        self.connector = z["connector"].astype(np.int64)
        self.fixed_s = z["fixed_s"].astype(np.float64)  # SAR links: stated seconds, -1 elsewhere
        self.lon = z["lon_e3"] / 1000.0
        self.lat = z["lat_e3"] / 1000.0
        self.n = self.lon.size
        self.comp = CompactGraph(
            lon=self.lon, lat=self.lat, tail=self.u, head=self.v, weights={}, labels=np.arange(self.n)
        )

    def paths(self, w: np.ndarray, src: np.ndarray, dst: np.ndarray) -> list[np.ndarray]:
        """Edge indices of a lightest path ``src[k] -> dst[k]`` under edge weights ``w``, routed as
        ``roads.od_matrix`` routes: fewest Hong Kong / Macao border crossings first (the border
        links carry ``BORDER_PENALTY`` for the search only)."""
        key = np.r_[self.u * self.n + self.v, self.v * self.n + self.u]
        routed = w + np.where(self.connector == SAR_LINK, BORDER_PENALTY, 0.0)
        ww = np.r_[routed, routed]
        eid = np.r_[np.arange(w.size), np.arange(w.size)]
        order = np.lexsort((ww, key))
        key, eid = key[order], eid[order]
        first = np.r_[True, key[1:] != key[:-1]]
        key, eid = key[first], eid[first]
        g = sp.csr_matrix((ww[order][first], (key // self.n, key % self.n)), shape=(self.n, self.n))
        sources = np.unique(src)
        _, pred = dijkstra(g, directed=True, indices=sources, return_predecessors=True)
        row = {int(s): i for i, s in enumerate(sources)}
        out = []
        for s, t in zip(src, dst, strict=True):
            p, node, edges = pred[row[int(s)]], int(t), []
            while node != s:
                prev = int(p[node])
                if prev < 0:
                    raise SystemExit(f"no path {s} -> {t}")
                edges.append(eid[np.searchsorted(key, prev * self.n + node)])
                node = prev
            out.append(np.asarray(edges, np.int64))
        return out


def load_pairs(net: Net) -> pd.DataFrame:
    ref = pd.read_csv(REFERENCE, dtype={"from_adcode": str, "to_adcode": str})
    seats = geoaggl.prefectures(include_sar=True)
    for end in ("from", "to"):
        lon = seats.loc[ref[f"{end}_adcode"], "seat_lon"].to_numpy(float)
        lat = seats.loc[ref[f"{end}_adcode"], "seat_lat"].to_numpy(float)
        ref[f"{end}_node"], _ = net.comp.snap(lon, lat)
        ref[f"{end}_lon"], ref[f"{end}_lat"] = lon, lat
    return ref


def _design(feat: dict[str, np.ndarray], names: tuple[str, ...]) -> np.ndarray:
    return np.column_stack([feat[k] for k in names])


def _local(paths: list[np.ndarray]) -> tuple[list[np.ndarray], np.ndarray]:
    """The edges used by ``paths`` and the paths as positions in that array (a residual needs no others)."""
    used = np.unique(np.concatenate(paths))
    return [np.searchsorted(used, e) for e in paths], used


@dataclass(frozen=True)
class Spec:
    """One model variant: the feature names of each part and the ridge strength."""

    distance: tuple[str, ...] = rm.DIST_FEATURES
    speed: tuple[str, ...] = rm.SPEED_FEATURES
    access: tuple[str, ...] = rm.ACCESS_FEATURES
    ridge: float = RIDGE
    #: ridge on the access slopes (``None``: ``ridge``)
    access_ridge: float | None = None


#: The shipped variant, chosen by 5-fold cross-validation within the calibration half
#: (``boundaries/cv_road_model.py``).
CHOSEN = Spec(ridge=0.2)


def fit_distance(
    net: Net, feat: dict[str, np.ndarray], cal: pd.DataFrame, spec: Spec = CHOSEN
) -> dict[str, float]:
    x = _design(feat, spec.distance)
    beta = np.zeros(x.shape[1])
    target = np.log(cal["km"].to_numpy(float) * 1000.0)
    fixed = net.connector != 0
    for _ in range(ROUNDS):
        f = np.where(fixed, 1.0, np.maximum(1.0, np.exp(x @ beta)))
        paths, used = _local(
            net.paths(net.length * f, cal["from_node"].to_numpy(), cal["to_node"].to_numpy())
        )
        xu, fixed_u, length_u = x[used], fixed[used], net.length[used]

        def resid(
            b: np.ndarray,
            paths: list[np.ndarray] = paths,
            xu: np.ndarray = xu,
            fixed_u: np.ndarray = fixed_u,
            length_u: np.ndarray = length_u,
        ) -> np.ndarray:
            fe = np.where(fixed_u, 1.0, np.maximum(1.0, np.exp(xu @ b)))
            pred = np.array([np.log((length_u[e] * fe[e]).sum()) for e in paths])
            return np.r_[pred - target, spec.ridge * b[1:]]

        beta = least_squares(resid, beta, method="trf", loss=LOSS, f_scale=F_SCALE).x
    return {k: float(round(b, 6)) for k, b in zip(spec.distance, beta, strict=True)}


def _fixed(net: Net, t: np.ndarray) -> np.ndarray:
    """Edge times with the ferry's and the SAR links' fixed times (as ``roads._edge_weights``)."""
    t = np.where(net.connector == FERRY, FERRY_MINUTES * 60.0, t)
    return np.where(net.fixed_s >= 0, net.fixed_s, t)


def _edge_times(net: Net, length: np.ndarray, z: np.ndarray, gamma: np.ndarray) -> np.ndarray:
    v = np.clip(np.exp(z @ gamma), *rm._SPEED_CLIP)
    return _fixed(net, length / (v / 3.6))


def fit_time(
    net: Net, feat: dict[str, np.ndarray], length: np.ndarray, cal: pd.DataFrame, spec: Spec = CHOSEN
) -> tuple[dict[str, float], dict[str, float]]:
    cal = cal.dropna(subset=["minutes"])
    k = len(spec.speed)
    theta = np.r_[np.log(80.0), np.zeros(k - 1), 5.0, np.zeros(len(spec.access) - 1)]
    target = np.log(cal["minutes"].to_numpy(float))
    w_s = _design(rm.access_features(cal["from_lon"], cal["from_lat"], net.lon, net.lat), spec.access)
    w_t = _design(rm.access_features(cal["to_lon"], cal["to_lat"], net.lon, net.lat), spec.access)
    z = _design(feat, spec.speed)
    access_ridge = spec.ridge if spec.access_ridge is None else spec.access_ridge
    for _ in range(ROUNDS):
        t = _edge_times(net, length, z, theta[:k])
        paths, used = _local(net.paths(t, cal["from_node"].to_numpy(), cal["to_node"].to_numpy()))
        zu, length_u, ferry_u = z[used], length[used], net.connector[used] == FERRY
        fixed_u = net.fixed_s[used]

        def resid(
            th: np.ndarray,
            paths: list[np.ndarray] = paths,
            zu: np.ndarray = zu,
            length_u: np.ndarray = length_u,
            ferry_u: np.ndarray = ferry_u,
            fixed_u: np.ndarray = fixed_u,
        ) -> np.ndarray:
            te = np.where(
                ferry_u,
                FERRY_MINUTES * 60.0,
                length_u / (np.clip(np.exp(zu @ th[:k]), *rm._SPEED_CLIP) / 3.6),
            )
            te = np.where(fixed_u >= 0, fixed_u, te)
            acc = np.maximum(0.0, w_s @ th[k:]) + np.maximum(0.0, w_t @ th[k:])
            pred = np.array([te[e].sum() / 60.0 for e in paths]) + acc
            return np.r_[
                np.log(np.maximum(pred, 1e-9)) - target, spec.ridge * th[1:k], access_ridge * th[k + 1 :]
            ]

        theta = least_squares(resid, theta, method="trf", loss=LOSS, f_scale=F_SCALE).x
    speed = {n: float(round(c, 6)) for n, c in zip(spec.speed, theta[:k], strict=True)}
    access = {n: float(round(c, 6)) for n, c in zip(spec.access, theta[k:], strict=True)}
    return speed, access


def fit_params(
    net: Net, feat: dict[str, np.ndarray], cal: pd.DataFrame, spec: Spec = CHOSEN
) -> dict[str, Any]:
    """Fit a variant on the pairs ``cal``: the coefficients and polygons of ``road_model.json``."""
    distance = fit_distance(net, feat, cal, spec)
    f = np.where(net.connector != 0, 1.0, rm.detour_factor(feat, distance))
    speed, access = fit_time(net, feat, net.length * f, cal, spec)
    return {
        "model": "geoaggl road model 2 (see geoaggl/_roadmodel.py)",
        "fitted_by": "boundaries/fit_road_model.py on the calibration half of tests/data/drive_reference.csv",
        "distance": distance,
        "speed": speed,
        "access": access,
        **POLYGONS,
    }


def predict(net: Net, params: dict[str, Any], pairs: pd.DataFrame) -> pd.DataFrame:
    """Model km and minutes for every pair, exactly as the hooked ``od_matrix`` computes them."""
    length, ttime = rm.apply_road_model(
        net.u, net.v, net.length, net.lon, net.lat, connector=net.connector, params=params
    )
    ttime = _fixed(net, ttime)
    src, dst = pairs["from_node"].to_numpy(), pairs["to_node"].to_numpy()
    out = pairs.copy()
    out["raw_km"] = [net.length[e].sum() / 1000.0 for e in net.paths(net.length, src, dst)]
    out["model_km"] = [length[e].sum() / 1000.0 for e in net.paths(length, src, dst)]
    acc = rm.access_minutes(pairs["from_lon"], pairs["from_lat"], net.lon, net.lat, params=params)
    acc = acc + rm.access_minutes(pairs["to_lon"], pairs["to_lat"], net.lon, net.lat, params=params)
    out["model_min"] = np.array([ttime[e].sum() / 60.0 for e in net.paths(ttime, src, dst)]) + acc
    out["km_ratio"] = out["model_km"] / out["km"]
    out["raw_ratio"] = out["raw_km"] / out["km"]
    out["min_ratio"] = out["model_min"] / out["minutes"]
    return out


def _stats(r: pd.Series) -> dict[str, float]:
    r = r.dropna()
    return {
        "n": int(r.size),
        "median": float(round(r.median(), 3)),
        "within_10pct": float(round(((r - 1).abs() <= 0.10).mean(), 3)),
    }


def report(pred: pd.DataFrame) -> dict[str, Any]:
    rep: dict[str, Any] = {}
    for split, g in pred.groupby("split"):
        rep[split] = {
            "km_ratio": _stats(g["km_ratio"]),
            "raw_km_ratio": _stats(g["raw_ratio"]),
            "km_ratio_by_region": {k: _stats(s) for k, s in g.groupby("region")["km_ratio"]},
            "km_ratio_by_agreement": {k: _stats(s) for k, s in g.groupby("agreement")["km_ratio"]},
            "min_ratio": _stats(g["min_ratio"]),
            "min_ratio_by_class": {k: _stats(s) for k, s in g.groupby("class")["min_ratio"]},
        }
    return rep


def main(argv: list[str] | None = None) -> None:
    """Fit and write ``road_model.json``; ``--report-only`` keeps the shipped coefficients and
    recomputes only the fit report (after rows were added to the reference set)."""
    argv = sys.argv[1:] if argv is None else argv
    net = Net()
    pairs = load_pairs(net)
    if "--report-only" in argv:
        params = {k: v for k, v in json.loads(OUT.read_text(encoding="utf-8")).items() if k != "fit"}
    else:
        cal = pairs[pairs["split"] == "calibration"]
        feat = rm.edge_features(net.u, net.v, net.length, net.lon, net.lat, params=POLYGONS)
        params = fit_params(net, feat, cal)
    pred = predict(net, params, pairs)
    params["fit"] = report(pred)
    OUT.write_text(json.dumps(params, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    cols = [
        "from_name",
        "to_name",
        "class",
        "region",
        "split",
        "km",
        "raw_km",
        "model_km",
        "minutes",
        "model_min",
    ]
    with pd.option_context("display.width", 200, "display.max_rows", 200):
        print(pred[cols].round(1).to_string())
    print(json.dumps({k: params[k] for k in ("distance", "speed", "access")}, indent=1))
    print(json.dumps(params["fit"], indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
