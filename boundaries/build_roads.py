"""Build ``geoaggl/data/china_highways.npz``: mainland China's major-road graph.

Source
------
``scgraph-data`` 2.0.0 (PyPI; package MIT, data derived from OpenStreetMap,
© OpenStreetMap contributors, ODbL 1.0), module ``scgraph_data.world_highways``:
a world graph of major roads whose nodes are ``[lat, lon]`` (WGS84, rounded to
0.001°) and whose adjacency holds lengths in km (rounded to 0.001 km = 1 m).

Run it in a separate environment (the data module compiles a 36 MB literal on
first import: ~30 s and ~5 GB of memory)::

    python -m venv /tmp/buildvenv
    /tmp/buildvenv/bin/pip install "scgraph<3" "scgraph-data==2.0.0" numpy scipy shapely
    /tmp/buildvenv/bin/python boundaries/build_roads.py

Steps (all deterministic, so the script is re-runnable)
-------------------------------------------------------
1. Mainland outline: union of the 367 mainland units of
   ``geoaggl/data/prefectures.geojson`` (Hong Kong and Macao excluded; Taiwan is
   not a unit), buffered by ``BUFFER_DEG`` (0.05°, ~5 km) so that roads along the
   coast and the borders are kept.
2. Keep nodes inside the outline and edges whose two ends are kept; drop
   self-loops; merge the end nodes of zero-length edges (scipy's sparse graphs
   would read a stored zero as "no edge"); keep the shortest of parallel edges.
3. Add two documented connectors (see ``CONNECTORS``):

   * the Qiongzhou Strait ferry (琼州海峡轮渡), Xuwen (徐闻, Hai'an port) – Haikou
     (海口, Xiuying port), flagged ``ferry``; its length is the great-circle
     distance between the two port nodes, its crossing time is set when the
     graph is loaded (``ferry_minutes``, default 90 min incl. boarding);
   * the Zhoushan Islands Link (舟山跨海大桥 / 舟山大陆连岛工程, G9211, opened
     2009), Ningbo Zhenhai – Zhoushan island, which the source lacks; length
     50 km (the project's published total length, ~50 km, of which the Jintang
     bridge is 26.5 km), ridden at the road speed.

   Each connector joins the graph nodes nearest to the stated coordinates on
   the two sides.
4. Keep the connected component of the mainland network (after the connectors
   it holds Hainan and Zhoushan too); the small fragments left (pieces cut off
   by the outline or by the source's simplification, e.g. Macao's streets,
   small islands) are dropped and counted in the report, so that a point
   never snaps onto a fragment from which nothing is reachable.
5. Order the nodes along a Z-order (Morton) curve for memory locality, and
   write integer arrays (exact: coordinates in 0.001°, lengths in whole metres,
   as in the source) with ``numpy.savez_compressed`` — no pickles.

File layout (``np.load(path, allow_pickle=False)``)
---------------------------------------------------
``lat_e3``, ``lon_e3``  int32 (n,): node latitude / longitude × 1000 (WGS84).
``u``, ``v``            int32 (m,): undirected edges, ``u < v``.
``length_m``            int32 (m,): edge length in metres (exact as in the source).
``connector``           int8 (m,): 0 road, 1 ferry, 2 fixed link added here.
``meta``                str array: ``key=value`` lines (source, counts, connectors).

The script prints a report: counts, dropped fragments, snap distances of the
unit seats, and the seats left unreachable (三沙, whose seat on Yongxing Island
is ~390 km from the nearest road).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import scipy.sparse as sp
import shapely
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree
from shapely.geometry import shape

REPO = Path(__file__).resolve().parents[1]
PREFECTURES = REPO / "geoaggl" / "data" / "prefectures.geojson"
OUT = REPO / "geoaggl" / "data" / "china_highways.npz"
SAR = ("810000", "820000")
BUFFER_DEG = 0.05
EARTH_R_KM = 6371.0088

#: (name, kind, (lat, lon) side A, component hint A, (lat, lon) side B, length_km or None=great circle)
CONNECTORS = [
    (
        "Qiongzhou Strait ferry (Xuwen Hai'an port - Haikou Xiuying port)",
        1,
        (20.23, 110.14),
        (20.02, 110.28),
        None,
    ),
    (
        "Zhoushan Islands Link (G9211, Ningbo Zhenhai - Zhoushan Yadanshan)",
        2,
        (29.97, 121.70),
        (30.03, 121.99),
        50.0,
    ),
]


def haversine_km(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray) -> np.ndarray:
    """Great-circle distance on the mean Earth sphere (R = 6371.0088 km)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi = p2 - p1
    dl = np.radians(lon2 - lon1)
    a = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_R_KM * np.arcsin(np.sqrt(a))


def local_xy_km(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Equirectangular km coordinates (good enough to find nearest nodes)."""
    return np.c_[np.radians(lon) * EARTH_R_KM * np.cos(np.radians(lat)), np.radians(lat) * EARTH_R_KM]


def load_units() -> tuple[list[dict], shapely.Geometry]:
    gj = json.loads(PREFECTURES.read_text(encoding="utf-8"))
    feats = [f for f in gj["features"] if str(f["properties"]["adcode"]).zfill(6) not in SAR]
    outline = shapely.union_all([shape(f["geometry"]) for f in feats])
    return [f["properties"] for f in feats], outline


def load_world() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    from scgraph_data.world_highways import world_highways_geograph as g

    ll = np.rint(np.asarray(g.nodes, dtype=np.float64) * 1000).astype(np.int64)
    u, v, w = [], [], []
    for i, nbrs in enumerate(g.graph):
        for j, km in nbrs.items():
            if i < j:
                u.append(i)
                v.append(j)
                w.append(km)
    length_m = np.rint(np.asarray(w, dtype=np.float64) * 1000).astype(np.int64)
    return ll[:, 0], ll[:, 1], np.asarray(u, dtype=np.int64), np.asarray(v, dtype=np.int64), length_m


def morton(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Interleave the bits of two non-negative < 2**20 integer arrays."""

    def spread(x: np.ndarray) -> np.ndarray:
        x = x.astype(np.uint64) & np.uint64(0xFFFFF)
        out = np.zeros_like(x)
        for bit in range(20):
            out |= ((x >> np.uint64(bit)) & np.uint64(1)) << np.uint64(2 * bit)
        return out

    return spread(a) | (spread(b) << np.uint64(1))


def main() -> int:
    units, outline = load_units()
    lat, lon, u, v, length_m = load_world()
    n_world, m_world = lat.size, u.size
    poly = outline.buffer(BUFFER_DEG)
    shapely.prepare(poly)
    inside = shapely.contains_xy(poly, lon / 1000.0, lat / 1000.0)
    keep_e = inside[u] & inside[v] & (u != v)
    u, v, length_m = u[keep_e], v[keep_e], length_m[keep_e]
    n_in, m_in = int(inside.sum()), int(keep_e.sum())

    # merge the ends of zero-length edges (union-find via connected components)
    zero = length_m == 0
    n_all = lat.size
    z = sp.coo_matrix((np.ones(int(zero.sum())), (u[zero], v[zero])), shape=(n_all, n_all))
    _, rep_label = connected_components(z, directed=False)
    first = np.full(rep_label.max() + 1, -1, dtype=np.int64)
    order = np.arange(n_all)[::-1]
    first[rep_label[order]] = order  # smallest node id of each group
    rep = first[rep_label]
    n_merged = int((rep != np.arange(n_all))[inside].sum())
    u, v, length_m = rep[u], rep[v], length_m
    keep_e = u != v
    u, v, length_m = u[keep_e], v[keep_e], length_m[keep_e]
    lo, hi = np.minimum(u, v), np.maximum(u, v)
    connector = np.zeros(lo.size, dtype=np.int8)

    # connectors between the nearest nodes of the two sides (nodes on some kept edge)
    used = np.unique(np.r_[lo, hi])
    tree = cKDTree(local_xy_km(lat[used] / 1000, lon[used] / 1000))
    added = []
    for name, kind, side_a, side_b, length_km in CONNECTORS:
        ends = []
        for la, lo_ in (side_a, side_b):
            d, i = tree.query(local_xy_km(np.array([la]), np.array([lo_]))[0])
            ends.append((int(used[i]), float(d)))
        (a, da), (b, db) = ends
        gc = float(haversine_km(lat[a] / 1000, lon[a] / 1000, lat[b] / 1000, lon[b] / 1000))
        km = gc if length_km is None else float(length_km)
        added.append((name, kind, a, b, da, db, gc, km))
        lo = np.r_[lo, min(a, b)]
        hi = np.r_[hi, max(a, b)]
        length_m = np.r_[length_m, round(km * 1000)]
        connector = np.r_[connector, np.int8(kind)]

    # de-duplicate parallel edges: keep the shortest
    order = np.lexsort((length_m, hi, lo))
    lo, hi, length_m, connector = lo[order], hi[order], length_m[order], connector[order]
    first_e = np.r_[True, (lo[1:] != lo[:-1]) | (hi[1:] != hi[:-1])]
    lo, hi, length_m, connector = lo[first_e], hi[first_e], length_m[first_e], connector[first_e]

    # keep the component that holds the mainland network (largest after connectors)
    a = sp.coo_matrix((np.ones(lo.size), (lo, hi)), shape=(n_all, n_all))
    _, lab = connected_components(a, directed=False)
    nodes_with_edges = np.unique(np.r_[lo, hi])
    sizes = np.bincount(lab[nodes_with_edges], minlength=lab.max() + 1)
    main_c = int(np.argmax(sizes))
    frag_sizes = np.sort(sizes[(sizes > 0) & (np.arange(sizes.size) != main_c)])[::-1]
    keep_n = np.flatnonzero(lab == main_c)
    keep_n = keep_n[np.isin(keep_n, nodes_with_edges)]
    ke = lab[lo] == main_c
    lo, hi, length_m, connector = lo[ke], hi[ke], length_m[ke], connector[ke]

    # Z-order renumbering
    la_k, lo_k = lat[keep_n], lon[keep_n]
    z_order = np.argsort(morton(la_k - la_k.min(), lo_k - lo_k.min()), kind="stable")
    keep_n = keep_n[z_order]
    new_id = np.full(n_all, -1, dtype=np.int64)
    new_id[keep_n] = np.arange(keep_n.size)
    eu, ev = new_id[lo], new_id[hi]
    eu, ev = np.minimum(eu, ev), np.maximum(eu, ev)
    eorder = np.lexsort((ev, eu))
    eu, ev, length_m, connector = eu[eorder], ev[eorder], length_m[eorder], connector[eorder]
    lat_k, lon_k = lat[keep_n], lon[keep_n]
    assert length_m.min() > 0 and length_m.max() < 2**31

    # report: seats snapped to the kept network
    xy = local_xy_km(lat_k / 1000, lon_k / 1000)
    seats = np.array([[p["seat_lat"], p["seat_lon"]] for p in units], dtype=float)
    snap, _ = cKDTree(xy).query(local_xy_km(seats[:, 0], seats[:, 1]))
    gc_len = haversine_km(lat_k[eu] / 1000, lon_k[eu] / 1000, lat_k[ev] / 1000, lon_k[ev] / 1000)
    ratio = (length_m / 1000)[connector == 0] / np.maximum(gc_len[connector == 0], 1e-9)

    meta = [
        "source=scgraph-data 2.0.0, scgraph_data.world_highways (OpenStreetMap-derived, ODbL 1.0)",
        "copyright=© OpenStreetMap contributors",
        f"outline=union of {len(units)} mainland units of prefectures.geojson, buffer {BUFFER_DEG} deg",
        f"nodes={keep_n.size}",
        f"edges={eu.size}",
        "coordinates=lat_e3, lon_e3: WGS84 degrees x 1000 (exact: the source rounds to 0.001 deg)",
        "length=length_m: metres (exact: the source rounds to 0.001 km)",
    ]
    for name, kind, a_, b_, _da, _db, gc, km in added:
        meta.append(
            f"connector={name}; kind={'ferry' if kind == 1 else 'fixed link'}; "
            f"a=({lat[a_] / 1000:.3f},{lon[a_] / 1000:.3f}) b=({lat[b_] / 1000:.3f},{lon[b_] / 1000:.3f}); "
            f"great_circle_km={gc:.3f}; length_km={km:.3f}"
        )
    np.savez_compressed(
        OUT,
        lat_e3=lat_k.astype(np.int32),
        lon_e3=lon_k.astype(np.int32),
        u=eu.astype(np.int32),
        v=ev.astype(np.int32),
        length_m=length_m.astype(np.int32),
        connector=connector.astype(np.int8),
        meta=np.array(meta),
    )

    print(f"world: {n_world} nodes, {m_world} undirected edges")
    print(f"inside outline: {n_in} nodes, {m_in} edges; {n_merged} nodes merged over zero-length edges")
    for name, _kind, _a, _b, da, db, gc, km in added:
        print(
            f"connector {name}: ends snapped {da:.2f} / {db:.2f} km, "
            f"great circle {gc:.2f} km, length {km:.2f} km"
        )
    print(
        f"kept: {keep_n.size} nodes, {eu.size} edges; dropped {frag_sizes.size} fragments "
        f"({int(frag_sizes.sum())} nodes; largest {frag_sizes[:5].tolist()})"
    )
    print(f"edge length / great circle: median {np.median(ratio):.4f}, min {ratio.min():.4f}")
    print(
        f"seat snap km: median {np.median(snap):.2f}, p90 {np.percentile(snap, 90):.2f}, max {snap.max():.1f}"
    )
    worst = np.argsort(snap)[::-1][:8]
    print("largest snaps:", ", ".join(f"{units[k]['name']} {snap[k]:.1f}" for k in worst))
    far = [units[k]["name"] for k in np.flatnonzero(snap > 30)]
    print("seats farther than 30 km from any road (unreachable):", far)
    print(f"wrote {OUT.relative_to(REPO)} ({OUT.stat().st_size / 1e6:.2f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
