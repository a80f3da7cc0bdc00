"""Build ``geoaggl/data/china_railways.npz``: mainland China's railway graph.

Source
------
``scgraph-data`` 2.0.0 (PyPI; package MIT, data derived from OpenStreetMap,
© OpenStreetMap contributors, ODbL 1.0), module ``scgraph_data.world_railways``:
a world railway graph whose nodes are ``[lat, lon]`` (WGS84, rounded to
0.001°) and whose adjacency holds lengths in km (rounded to 0.001 km = 1 m).
Every node also carries a self-loop of length 0, which is dropped.  The source
has no line class (high-speed or conventional), no stations and no direction.

Run it in a separate environment, like ``boundaries/build_roads.py`` (the data
module is a 17 MB literal; it is compiled once when the package is installed)::

    python -m venv /tmp/railvenv
    /tmp/railvenv/bin/pip install "scgraph<3" "scgraph-data==2.0.0" numpy scipy shapely
    /tmp/railvenv/bin/python boundaries/build_rails.py

Steps (all deterministic, so the script is re-runnable)
-------------------------------------------------------
1. Mainland clip: the union of the 367 mainland units of
   ``geoaggl/data/prefectures.geojson`` (Hong Kong and Macao excluded; Taiwan
   is not a unit), buffered by ``BUFFER_DEG`` (0.05°, ~5 km) as for the roads;
   keep nodes inside it and edges whose two ends are kept.
2. Dedupe: drop self-loops, merge the ends of zero-length edges (none in this
   source after the self-loops), keep the shortest of parallel edges.
3. Join the fragments that the source's simplification cut off by less than
   ``GAP_BRIDGE_KM`` (1 km; e.g. the Jinghe–Yining–Horgos line, 0.44 km from
   the network): one edge between the closest node pair of the fragment and the
   main network, great-circle length, flagged ``gap`` (kind 2).
4. Add the Guangdong–Hainan railway ferry (粤海铁路轮渡, opened 2003) between
   Zhanjiang's Hai'an north port and Haikou's south port, flagged ``ferry``
   (kind 1); its length is the great-circle distance between the two nodes and
   its crossing time is set when the graph is loaded.
5. Keep the connected component of the mainland network; report the
   components left (their count, sizes, locations) and drop them.
6. No degree-2 elimination (the road build keeps every node too): nodes are the
   snapping targets, and the runtime shortest-path code eliminates chains
   exactly around the snapped nodes.
7. Order the nodes along a Z-order (Morton) curve, and write integer arrays
   (exact: coordinates in 0.001°, lengths in whole metres, as in the source)
   with ``numpy.savez_compressed`` — no pickles.

File layout (``np.load(path, allow_pickle=False)``)
---------------------------------------------------
``lat_e3``, ``lon_e3``  int32 (n,): node latitude / longitude × 1000 (WGS84).
``u``, ``v``            int32 (m,): undirected edges, ``u < v``.
``length_m``            int32 (m,): edge length in metres.
``connector``           int8 (m,): 0 track, 1 train ferry, 2 gap bridged here.
``meta``                str array: ``key=value`` lines (source, counts, connectors).
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
OUT = REPO / "geoaggl" / "data" / "china_railways.npz"
SAR = ("810000", "820000")
BUFFER_DEG = 0.05
GAP_BRIDGE_KM = 1.0
EARTH_R_KM = 6371.0088
#: (name, (lat, lon) side A, (lat, lon) side B)
FERRY = (
    "Guangdong-Hainan railway ferry (Zhanjiang Hai'an north port - Haikou south port)",
    (20.271, 110.145),
    (20.042, 110.151),
)


def haversine_km(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray) -> np.ndarray:
    """Great-circle distance on the mean Earth sphere (R = 6371.0088 km)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(np.radians(lon2 - lon1) / 2) ** 2
    return 2 * EARTH_R_KM * np.arcsin(np.sqrt(a))


def local_xy_km(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Earth-centred xyz km on the sphere: chord distances, < 0.01 % from great-circle below 100 km."""
    p, lam = np.radians(lat), np.radians(lon)
    return EARTH_R_KM * np.c_[np.cos(p) * np.cos(lam), np.cos(p) * np.sin(lam), np.sin(p)]


def morton(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Interleave the bits of two non-negative < 2**20 integer arrays."""

    def spread(x: np.ndarray) -> np.ndarray:
        x = x.astype(np.uint64) & np.uint64(0xFFFFF)
        out = np.zeros_like(x)
        for bit in range(20):
            out |= ((x >> np.uint64(bit)) & np.uint64(1)) << np.uint64(2 * bit)
        return out

    return spread(a) | (spread(b) << np.uint64(1))


def load_units() -> tuple[list[dict], shapely.Geometry]:
    gj = json.loads(PREFECTURES.read_text(encoding="utf-8"))
    feats = [f for f in gj["features"] if str(f["properties"]["adcode"]).zfill(6) not in SAR]
    outline = shapely.union_all([shape(f["geometry"]) for f in feats])
    return [f["properties"] for f in feats], outline


def load_world() -> tuple[np.ndarray, ...]:
    from scgraph_data.world_railways import world_railways_geograph as g

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


def dedupe(u: np.ndarray, v: np.ndarray, length_m: np.ndarray, kind: np.ndarray, n: int) -> tuple:
    """Merge zero-length edges' ends, drop self-loops, keep the shortest parallel edge."""
    zero = length_m == 0
    z = sp.coo_matrix((np.ones(int(zero.sum())), (u[zero], v[zero])), shape=(n, n))
    _, rep_label = connected_components(z, directed=False)
    first = np.full(rep_label.max() + 1, -1, dtype=np.int64)
    order = np.arange(n)[::-1]
    first[rep_label[order]] = order  # smallest node id of each group
    rep = first[rep_label]
    u, v = rep[u], rep[v]
    keep = u != v
    lo, hi = np.minimum(u, v)[keep], np.maximum(u, v)[keep]
    length_m, kind = length_m[keep], kind[keep]
    order = np.lexsort((length_m, hi, lo))
    lo, hi, length_m, kind = lo[order], hi[order], length_m[order], kind[order]
    first_e = np.r_[True, (lo[1:] != lo[:-1]) | (hi[1:] != hi[:-1])]
    return lo[first_e], hi[first_e], length_m[first_e], kind[first_e], int(zero.sum())


def components(lo: np.ndarray, hi: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Component label of each node, sizes (nodes on some edge), and those nodes."""
    a = sp.coo_matrix((np.ones(lo.size), (lo, hi)), shape=(n, n))
    _, lab = connected_components(a, directed=False)
    nodes = np.unique(np.r_[lo, hi])
    sizes = np.bincount(lab[nodes], minlength=lab.max() + 1)
    return lab, sizes, nodes


def bridge_gaps(lat: np.ndarray, lon: np.ndarray, lo: np.ndarray, hi: np.ndarray, n: int) -> list[tuple]:
    """Edges (a, b, km) joining each fragment within GAP_BRIDGE_KM of the main network."""
    lab, sizes, nodes = components(lo, hi, n)
    main_c = int(np.argmax(sizes))
    main_nodes = nodes[lab[nodes] == main_c]
    tree = cKDTree(local_xy_km(lat[main_nodes] / 1000, lon[main_nodes] / 1000))
    out = []
    for c in np.flatnonzero(sizes > 0):
        if c == main_c:
            continue
        frag = nodes[lab[nodes] == c]
        d, j = tree.query(local_xy_km(lat[frag] / 1000, lon[frag] / 1000))
        k = int(np.argmin(d))
        if d[k] <= GAP_BRIDGE_KM:
            a, b = int(frag[k]), int(main_nodes[j[k]])
            km = float(haversine_km(lat[a] / 1000, lon[a] / 1000, lat[b] / 1000, lon[b] / 1000))
            out.append((a, b, km, int(sizes[c])))
    return out


def ferry_edge(lat: np.ndarray, lon: np.ndarray, nodes: np.ndarray) -> tuple[int, int, float, float, float]:
    tree = cKDTree(local_xy_km(lat[nodes] / 1000, lon[nodes] / 1000))
    ends = []
    for la, lo_ in (FERRY[1], FERRY[2]):
        d, i = tree.query(local_xy_km(np.array([la]), np.array([lo_]))[0])
        ends.append((int(nodes[i]), float(d)))
    (a, da), (b, db) = ends
    km = float(haversine_km(lat[a] / 1000, lon[a] / 1000, lat[b] / 1000, lon[b] / 1000))
    return a, b, km, da, db


def renumber(lat: np.ndarray, lon: np.ndarray, keep_n: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> tuple:
    """Z-order node ids; edges sorted by (u, v) with u < v; returns the edge order too."""
    la_k, lo_k = lat[keep_n], lon[keep_n]
    keep_n = keep_n[np.argsort(morton(la_k - la_k.min(), lo_k - lo_k.min()), kind="stable")]
    new_id = np.full(lat.size, -1, dtype=np.int64)
    new_id[keep_n] = np.arange(keep_n.size)
    eu, ev = new_id[lo], new_id[hi]
    eu, ev = np.minimum(eu, ev), np.maximum(eu, ev)
    eorder = np.lexsort((ev, eu))
    return keep_n, eu[eorder], ev[eorder], eorder


def main() -> int:
    units, outline = load_units()
    lat, lon, u, v, length_m = load_world()
    n_all, m_world = lat.size, u.size
    poly = outline.buffer(BUFFER_DEG)
    shapely.prepare(poly)
    inside = shapely.contains_xy(poly, lon / 1000.0, lat / 1000.0)
    keep_e = inside[u] & inside[v] & (u != v)
    u, v, length_m = u[keep_e], v[keep_e], length_m[keep_e]
    n_in, m_in = int(inside.sum()), int(keep_e.sum())
    lo, hi, length_m, kind, n_zero = dedupe(u, v, length_m, np.zeros(u.size, np.int8), n_all)
    m_dedup = lo.size

    gaps = bridge_gaps(lat, lon, lo, hi, n_all)
    for a, b, km, _size in gaps:
        lo, hi = np.r_[lo, min(a, b)], np.r_[hi, max(a, b)]
        length_m, kind = np.r_[length_m, max(1, round(km * 1000))], np.r_[kind, np.int8(2)]
    fa, fb, fkm, fda, fdb = ferry_edge(lat, lon, np.unique(np.r_[lo, hi]))
    lo, hi = np.r_[lo, min(fa, fb)], np.r_[hi, max(fa, fb)]
    length_m, kind = np.r_[length_m, round(fkm * 1000)], np.r_[kind, np.int8(1)]

    lab, sizes, nodes = components(lo, hi, n_all)
    main_c = int(np.argmax(sizes))
    frag = np.flatnonzero((sizes > 0) & (np.arange(sizes.size) != main_c))
    frag = frag[np.argsort(sizes[frag], kind="stable")[::-1]]
    keep_n = nodes[lab[nodes] == main_c]
    ke = lab[lo] == main_c
    lo, hi, length_m, kind = lo[ke], hi[ke], length_m[ke], kind[ke]
    keep_n, eu, ev, eorder = renumber(lat, lon, keep_n, lo, hi)
    length_m, kind = length_m[eorder], kind[eorder]
    lat_k, lon_k = lat[keep_n], lon[keep_n]
    assert length_m.min() > 0 and length_m.max() < 2**31

    xy = local_xy_km(lat_k / 1000, lon_k / 1000)
    seats = np.array([[p["seat_lat"], p["seat_lon"]] for p in units], dtype=float)
    snap, _ = cKDTree(xy).query(local_xy_km(seats[:, 0], seats[:, 1]))
    meta = [
        "source=scgraph-data 2.0.0, scgraph_data.world_railways (OpenStreetMap-derived, ODbL 1.0)",
        "copyright=© OpenStreetMap contributors",
        f"outline=union of {len(units)} mainland units of prefectures.geojson, buffer {BUFFER_DEG} deg",
        f"nodes={keep_n.size}",
        f"edges={eu.size}",
        "coordinates=lat_e3, lon_e3: WGS84 degrees x 1000 (exact: the source rounds to 0.001 deg)",
        "length=length_m: metres (exact: the source rounds to 0.001 km)",
        f"gaps=fragments within {GAP_BRIDGE_KM} km of the network joined by {len(gaps)} great-circle edges",
        f"connector={FERRY[0]}; kind=ferry; great_circle_km={fkm:.3f}",
    ]
    np.savez_compressed(
        OUT,
        lat_e3=lat_k.astype(np.int32),
        lon_e3=lon_k.astype(np.int32),
        u=eu.astype(np.int32),
        v=ev.astype(np.int32),
        length_m=length_m.astype(np.int32),
        connector=kind.astype(np.int8),
        meta=np.array(meta),
    )

    print(f"world: {n_all} nodes, {m_world} edge entries (i < j, self-loops included)")
    print(f"inside outline: {n_in} nodes, {m_in} edges; {n_zero} zero-length edges; {m_dedup} after dedupe")
    print(
        f"gap bridges (<= {GAP_BRIDGE_KM} km): {len(gaps)}, joining {sum(g[3] for g in gaps)} nodes; "
        f"longest {max((g[2] for g in gaps), default=0):.3f} km"
    )
    print(f"ferry: ends snapped {fda:.2f} / {fdb:.2f} km, great circle {fkm:.2f} km")
    print(
        f"components before the cut: {1 + frag.size}; kept {keep_n.size} nodes, {eu.size} edges, "
        f"{length_m[kind == 0].sum() / 1000:.0f} track km; dropped {frag.size} fragments "
        f"({int(sizes[frag].sum())} nodes; largest {sizes[frag[:8]].tolist()})"
    )
    for c in frag[:8]:
        fn = nodes[lab[nodes] == c]
        print(
            f"  fragment {sizes[c]} nodes around ({lat[fn].mean() / 1000:.2f}, {lon[fn].mean() / 1000:.2f})"
        )
    print(
        f"seat snap km: median {np.median(snap):.2f}, p90 {np.percentile(snap, 90):.2f}, max {snap.max():.1f}"
    )
    worst = np.argsort(snap)[::-1][:10]
    print("largest snaps:", ", ".join(f"{units[k]['name']} {snap[k]:.0f}" for k in worst))
    print(f"wrote {OUT.relative_to(REPO)} ({OUT.stat().st_size / 1e3:.0f} kB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
