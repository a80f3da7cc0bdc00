"""Build ``geoaggl/data/china_highways.npz``: the major-road graph of mainland China, Hong Kong and Macao.

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
1. Outline: union of the 369 units of ``geoaggl/data/prefectures.geojson``
   (the 367 mainland units, Hong Kong and Macao; Taiwan is not a unit),
   buffered by ``BUFFER_DEG`` (0.05°, ~5 km) so that roads along the coast and
   the borders are kept.
2. Keep nodes inside the outline and edges whose two ends are kept; drop
   self-loops; merge the end nodes of zero-length edges (scipy's sparse graphs
   would read a stored zero as "no edge"); keep the shortest of parallel edges.
   Each node in ``PRD_BOX`` gets the territory (mainland, Hong Kong, Macao) of
   the nearest of the three polygons; the source's edges between two
   territories (its own, unlabelled border crossings: Huanggang, Shenzhen Bay,
   Man Kam To, Gongbei, Lotus Bridge) are dropped, so that the links of step 4
   are the only crossings and each carries its stated crossing time.
3. Add documented connectors (see ``CONNECTORS``), each joining the graph nodes
   nearest to the stated coordinates on the two sides:

   * the Qiongzhou Strait ferry (琼州海峡轮渡), Xuwen (徐闻, Hai'an port) – Haikou
     (海口, Xiuying port), kind 1 (``ferry``); its length is the great-circle
     distance between the two port nodes, its crossing time is set when the
     graph is loaded (``ferry_minutes``, default 90 min incl. boarding);
   * the Zhoushan Islands Link (舟山跨海大桥 / 舟山大陆连岛工程, G9211, opened
     2009), Ningbo Zhenhai – Zhoushan island, which the source lacks; kind 2,
     length 50 km (the project's published total length, ~50 km, of which the
     Jintang bridge is 26.5 km), ridden at the road speed;
   * the three road crossings of the Pearl River estuary, which the source lacks
     (between their ends its shortest paths run 68–177 km round by Guangzhou),
     kind 2, published lengths, ridden at the road speed: 虎门大桥 (Humen Bridge,
     1997), Dongguan 太平 interchange – Guangzhou 南沙 interchange, 15.76 km
     ("线路全长15.76千米", m.tianqiyubao2.com/news/view-2800094); 南沙大桥
     (Nansha Bridge, 2019), Guangzhou 东涌 – Dongguan 沙田, 12.891 km ("大桥全长
     12.891千米", china-qiao.com/ql20/20ql/gdql019.htm); 深中通道
     (Shenzhen–Zhongshan Link, G2518, opened 2024-06-30), Shenzhen airport
     interchange – Zhongshan 横门 interchange, 24 km ("全长约24公里", China News
     Service 2024-06-27, copy at cppjump.com/?F61=C9.html).  End points are
     the interchanges named in those sources, placed to ~2 km; the source's
     roads at the link's western landing (马鞍岛 / 翠亨) reach 中山 only round by
     广州 (159 km to the city seat), so the 中开高速 that the link joins ("在中山市
     马鞍岛登陆,与中开高速对接", same source; opened with it) is added from the
     landing to the city's network (火炬区, great-circle length, 10.1 km); a connector's
     length is its published length or, when longer, the great-circle distance
     between the two nodes it joins (深中通道: 28.5 km between the nearest graph
     nodes, 2.0 and 1.9 km from its ends);
   * the Lantau Link (青马大桥 / 汲水门大桥, Hong Kong), Lantau – Tsing Yi, which
     the source lacks (its Lantau roads — airport, Tung Chung, the Hong Kong
     Port — are otherwise a fragment); kind 2, great-circle length (3.6 km),
     ridden at the road speed.

4. Add the six Hong Kong / Macao fixed links of ``boundaries/sar_links.csv``
   (kind 3, ``SAR_LINK``): the Hong Kong–Zhuhai–Macao Bridge (Hong Kong Port to
   the Zhuhai port and to the Macao port, 41.6 km each), the Shenzhen Bay
   Bridge (5.5 km), Huanggang – Lok Ma Chau (0.9 km), Gongbei – Portas do Cerco
   (0.3 km) and Hengqin – Lotus Bridge (1.756 km).  Each end joins the nearest
   node of its territory (``from_side`` / ``to_side`` columns) in the largest
   connected piece of that territory's network; an end farther than
   ``LINK_SNAP_KM`` (2 km) from every such node — the two HZMB ports on their
   artificial island — is added as a node and joined to that nearest node by a
   road edge of great-circle length (kind 0).  Lengths are the published km
   (whole metres); the crossing time (``fixed_s``, whole seconds) is the
   published minutes (HZMB 45 min, Shenzhen Bay 10 min) or, where no time is
   published, the link length at ``ASSUMED_KPH`` (50 km/h) plus
   ``CLEARANCE_MIN`` (10 min) of border clearance.
5. Keep the connected component of the main network (after the connectors it
   holds Hainan, Zhoushan, Hong Kong and Macao too); the small fragments left
   (pieces cut off by the outline or by the source's simplification, small
   islands) are dropped and counted in the report, so that a point never snaps
   onto a fragment from which nothing is reachable.
6. Order the nodes along a Z-order (Morton) curve for memory locality, and
   write integer arrays (exact: coordinates in 0.001°, lengths in whole metres,
   as in the source) with ``numpy.savez_compressed`` — no pickles.

File layout (``np.load(path, allow_pickle=False)``)
---------------------------------------------------
``lat_e3``, ``lon_e3``  int32 (n,): node latitude / longitude × 1000 (WGS84).
``u``, ``v``            int32 (m,): undirected edges, ``u < v``.
``length_m``            int32 (m,): edge length in metres (exact as in the source).
``connector``           int8 (m,): 0 road, 1 ferry, 2 fixed link ridden at the road
                        speed, 3 Hong Kong / Macao link with a stated crossing time.
``fixed_s``             int32 (m,): stated crossing time in seconds (kind 3), -1 elsewhere.
``link_edge``           int32 (k,): the edge index of every connector (kinds 1–3) ...
``link_name``           str (k,): ... and its name.
``meta``                str array: ``key=value`` lines (source, counts, connectors).

The script prints a report: counts, the dropped border crossings, each
connector's joined nodes and snap distances, dropped fragments, snap distances
of the unit seats (Hong Kong's and Macao's by name), and the seats left
unreachable (三沙, whose seat on Yongxing Island is ~390 km from the nearest
road).
"""

from __future__ import annotations

import csv
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
SAR_LINKS = REPO / "boundaries" / "sar_links.csv"
SAR = ("810000", "820000")
#: territory codes of :func:`territories` (0 = mainland)
TERRITORY = {"810000": 1, "820000": 2}
#: box (lon0, lat0, lon1, lat1) around the Pearl River estuary inside which node territories are told apart
PRD_BOX = (113.0, 21.8, 114.8, 22.9)
BUFFER_DEG = 0.05
EARTH_R_KM = 6371.0088
#: connector kind of the Hong Kong / Macao fixed links (``geoaggl._roadgraph.SAR_LINK``)
SAR_LINK = 3
#: a link end farther than this from every node of its territory is added as a node
LINK_SNAP_KM = 2.0
#: crossing-time assumption for links without a published time: length at this speed ...
ASSUMED_KPH = 50.0
#: ... plus this border clearance (minutes, the two controls together)
CLEARANCE_MIN = 10.0

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
    (
        "Humen Bridge (虎门大桥, 1997; Dongguan Taiping interchange - Guangzhou Nansha interchange)",
        2,
        (22.81, 113.68),
        (22.77, 113.56),
        15.76,
    ),
    (
        "Nansha Bridge (南沙大桥 / 虎门二桥, 2019; Guangzhou Dongchong interchange - Dongguan Shatian)",
        2,
        (22.88, 113.47),
        (22.90, 113.62),
        12.891,
    ),
    (
        "Shenzhen-Zhongshan Link (深中通道, G2518, 2024; Shenzhen airport interchange - Zhongshan Hengmen)",
        2,
        (22.64, 113.80),
        (22.575, 113.585),
        24.0,
    ),
    (
        "Zhongshan-Kaiping Expressway east (中开高速, opened with the 深中通道; Cuiheng - Zhongshan)",
        2,
        (22.575, 113.585),
        (22.539, 113.468),
        None,
    ),
    (
        "Lantau Link (Kap Shui Mun and Tsing Ma bridges, Lantau - Tsing Yi, Hong Kong)",
        2,
        (22.342, 114.053),
        (22.360, 114.082),
        None,
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


def load_units() -> tuple[list[dict], dict[str, shapely.Geometry]]:
    """Properties of all units and the polygons: ``mainland`` (union) and one per SAR adcode."""
    gj = json.loads(PREFECTURES.read_text(encoding="utf-8"))
    feats = gj["features"]
    code = [str(f["properties"]["adcode"]).zfill(6) for f in feats]
    polygons = {c: shape(f["geometry"]) for c, f in zip(code, feats, strict=True) if c in SAR}
    polygons["mainland"] = shapely.union_all(
        [shape(f["geometry"]) for c, f in zip(code, feats, strict=True) if c not in SAR]
    )
    return [f["properties"] for f in feats], polygons


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


def territories(lat: np.ndarray, lon: np.ndarray, polygons: dict[str, shapely.Geometry]) -> np.ndarray:
    """Territory of each node: 0 mainland, 1 Hong Kong, 2 Macao (nearest polygon inside ``PRD_BOX``)."""
    terr = np.zeros(lat.size, dtype=np.int8)
    x, y = lon / 1000.0, lat / 1000.0
    x0, y0, x1, y1 = PRD_BOX
    idx = np.flatnonzero((x >= x0) & (x <= x1) & (y >= y0) & (y <= y1))
    pts = shapely.points(x[idx], y[idx])
    box = shapely.box(*PRD_BOX)
    geoms = [polygons["mainland"].intersection(box), polygons[SAR[0]], polygons[SAR[1]]]
    dist = np.column_stack([shapely.distance(g, pts) for g in geoms])
    terr[idx] = np.argmin(dist, axis=1)
    return terr


def read_links() -> list[dict[str, str]]:
    """Rows of ``sar_links.csv`` (comment lines skipped)."""
    lines = [ln for ln in SAR_LINKS.read_text(encoding="utf-8").splitlines() if not ln.startswith("#")]
    return list(csv.DictReader(lines))


def crossing_minutes(row: dict[str, str]) -> tuple[float, str]:
    """The link's crossing time (minutes) and its basis: published, else the stated assumption."""
    if row["minutes"].strip():
        return float(row["minutes"]), "published"
    km = float(row["km"])
    return km / ASSUMED_KPH * 60.0 + CLEARANCE_MIN, (
        f"assumed: {km:g} km at {ASSUMED_KPH:g} km/h + {CLEARANCE_MIN:g} min border clearance"
    )


class Edges:
    """Undirected edge arrays kept in step (lo < hi after :meth:`canonical`)."""

    def __init__(self, lo: np.ndarray, hi: np.ndarray, length_m: np.ndarray) -> None:
        self.lo, self.hi, self.length_m = lo, hi, length_m
        self.connector = np.zeros(lo.size, dtype=np.int8)
        self.fixed_s = np.full(lo.size, -1, dtype=np.int64)

    def add(self, a: int, b: int, length_m: int, kind: int = 0, fixed_s: int = -1) -> None:
        self.lo = np.r_[self.lo, min(a, b)]
        self.hi = np.r_[self.hi, max(a, b)]
        self.length_m = np.r_[self.length_m, length_m]
        self.connector = np.r_[self.connector, np.int8(kind)]
        self.fixed_s = np.r_[self.fixed_s, fixed_s]

    def take(self, sel: np.ndarray) -> None:
        for k in ("lo", "hi", "length_m", "connector", "fixed_s"):
            setattr(self, k, getattr(self, k)[sel])


class Nodes:
    """Node coordinates (0.001 deg) and territories; nodes can be appended (link end points)."""

    def __init__(self, lat: np.ndarray, lon: np.ndarray, terr: np.ndarray) -> None:
        self.lat, self.lon, self.terr = lat, lon, terr

    def append(self, lat_e3: int, lon_e3: int, terr: int) -> int:
        self.lat = np.r_[self.lat, lat_e3]
        self.lon = np.r_[self.lon, lon_e3]
        self.terr = np.r_[self.terr, np.int8(terr)]
        return self.lat.size - 1


def nearest_node(
    nodes: Nodes, used: np.ndarray, lat: float, lon: float, terr: int | None
) -> tuple[int, float]:
    """Nearest node among ``used`` (of territory ``terr`` unless None) and its distance (km)."""
    cand = used if terr is None else used[nodes.terr[used] == terr]
    tree = cKDTree(local_xy_km(nodes.lat[cand] / 1000, nodes.lon[cand] / 1000))
    d, i = tree.query(local_xy_km(np.array([lat]), np.array([lon]))[0])
    return int(cand[i]), float(d)


def link_end(
    nodes: Nodes, edges: Edges, used: np.ndarray, lat: float, lon: float, terr: int
) -> tuple[int, float, bool]:
    """Node that a link end joins: the nearest node of its territory within ``LINK_SNAP_KM``, else
    the end point itself, added as a node and joined by a road edge (great-circle length) to that
    nearest node.  Returns (node, snap km, added)."""
    node, d = nearest_node(nodes, used, lat, lon, terr)
    if d <= LINK_SNAP_KM:
        return node, d, False
    new = nodes.append(round(lat * 1000), round(lon * 1000), terr)
    gc = float(
        haversine_km(
            nodes.lat[new] / 1000, nodes.lon[new] / 1000, nodes.lat[node] / 1000, nodes.lon[node] / 1000
        )
    )
    edges.add(new, node, max(1, round(gc * 1000)))
    return new, d, True


def add_connectors(nodes: Nodes, edges: Edges) -> list[tuple]:
    """The documented connectors (``CONNECTORS``), between the nearest nodes."""
    used = np.unique(np.r_[edges.lo, edges.hi])
    added = []
    for name, kind, side_a, side_b, length_km in CONNECTORS:
        a, da = nearest_node(nodes, used, *side_a, None)
        b, db = nearest_node(nodes, used, *side_b, None)
        gc = float(
            haversine_km(nodes.lat[a] / 1000, nodes.lon[a] / 1000, nodes.lat[b] / 1000, nodes.lon[b] / 1000)
        )
        km = gc if length_km is None else max(float(length_km), gc)  # never shorter than its chord
        added.append((name, kind, a, b, da, db, gc, km))
        edges.add(a, b, round(km * 1000), kind)
    return added


def largest_per_territory(nodes: Nodes, edges: Edges) -> np.ndarray:
    """Nodes on some edge that lie in the largest connected component of their own territory."""
    n = nodes.lat.size
    a = sp.coo_matrix((np.ones(edges.lo.size), (edges.lo, edges.hi)), shape=(n, n))
    _, lab = connected_components(a, directed=False)
    used = np.unique(np.r_[edges.lo, edges.hi])
    keep = np.zeros(used.size, dtype=bool)
    for t in np.unique(nodes.terr[used]):
        mine = nodes.terr[used] == t
        keep |= mine & (lab[used] == np.bincount(lab[used][mine]).argmax())
    return used[keep]


def add_sar_links(nodes: Nodes, edges: Edges) -> list[dict]:
    """The six Hong Kong / Macao fixed links of ``sar_links.csv`` (kind ``SAR_LINK``, fixed time).

    Ends snap to the largest connected piece of their territory's network (not onto a fragment)."""
    used = largest_per_territory(nodes, edges)
    added = []
    for row in read_links():
        ends = []
        for end, side in (("from", row["from_side"]), ("to", row["to_side"])):
            terr = TERRITORY.get(side, 0)
            ends.append(
                link_end(nodes, edges, used, float(row[f"{end}_lat"]), float(row[f"{end}_lon"]), terr)
            )
        (a, da, na), (b, db, nb) = ends
        minutes, basis = crossing_minutes(row)
        km = float(row["km"])
        edges.add(a, b, round(km * 1000), SAR_LINK, round(minutes * 60))
        added.append(
            {
                "link": row["link"],
                "name": row["name_zh"],
                "a": a,
                "b": b,
                "snap": (da, db),
                "added": (na, nb),
                "km": km,
                "minutes": minutes,
                "basis": basis,
            }
        )
    return added


def merge_zero_length(lat: np.ndarray, u: np.ndarray, v: np.ndarray, length_m: np.ndarray) -> tuple:
    """Merge the end nodes of zero-length edges (union-find via connected components)."""
    zero = length_m == 0
    n_all = lat.size
    z = sp.coo_matrix((np.ones(int(zero.sum())), (u[zero], v[zero])), shape=(n_all, n_all))
    _, rep_label = connected_components(z, directed=False)
    first = np.full(rep_label.max() + 1, -1, dtype=np.int64)
    order = np.arange(n_all)[::-1]
    first[rep_label[order]] = order  # smallest node id of each group
    rep = first[rep_label]
    u, v = rep[u], rep[v]
    keep_e = u != v
    return rep, u[keep_e], v[keep_e], length_m[keep_e]


def main_component(n_all: int, edges: Edges) -> tuple[np.ndarray, np.ndarray]:
    """Keep the component that holds the mainland network (largest after the connectors)."""
    a = sp.coo_matrix((np.ones(edges.lo.size), (edges.lo, edges.hi)), shape=(n_all, n_all))
    _, lab = connected_components(a, directed=False)
    nodes_with_edges = np.unique(np.r_[edges.lo, edges.hi])
    sizes = np.bincount(lab[nodes_with_edges], minlength=lab.max() + 1)
    main_c = int(np.argmax(sizes))
    frag_sizes = np.sort(sizes[(sizes > 0) & (np.arange(sizes.size) != main_c)])[::-1]
    keep_n = np.flatnonzero(lab == main_c)
    keep_n = keep_n[np.isin(keep_n, nodes_with_edges)]
    edges.take(lab[edges.lo] == main_c)
    return keep_n, frag_sizes


def main() -> int:
    units, polygons = load_units()
    lat, lon, u, v, length_m = load_world()
    n_world, m_world = lat.size, u.size
    poly = shapely.union_all([polygons["mainland"], polygons[SAR[0]], polygons[SAR[1]]]).buffer(BUFFER_DEG)
    shapely.prepare(poly)
    inside = shapely.contains_xy(poly, lon / 1000.0, lat / 1000.0)
    keep_e = inside[u] & inside[v] & (u != v)
    u, v, length_m = u[keep_e], v[keep_e], length_m[keep_e]
    n_in, m_in = int(inside.sum()), int(keep_e.sum())

    rep, u, v, length_m = merge_zero_length(lat, u, v, length_m)
    n_merged = int((rep != np.arange(lat.size))[inside].sum())
    nodes = Nodes(lat, lon, territories(lat, lon, polygons))
    # the source's own border crossings are dropped: the SAR links below are the only ones
    cross = nodes.terr[u] != nodes.terr[v]
    dropped_cross = [
        (f"({lat[a] / 1000:.3f},{lon[a] / 1000:.3f})-({lat[b] / 1000:.3f},{lon[b] / 1000:.3f}) {w} m")
        for a, b, w in zip(u[cross], v[cross], length_m[cross], strict=True)
    ]
    u, v, length_m = u[~cross], v[~cross], length_m[~cross]
    edges = Edges(np.minimum(u, v), np.maximum(u, v), length_m)

    added = add_connectors(nodes, edges)
    links = add_sar_links(nodes, edges)
    lat, lon = nodes.lat, nodes.lon
    n_all = lat.size

    # de-duplicate parallel edges: keep the shortest
    edges.take(np.lexsort((edges.length_m, edges.hi, edges.lo)))
    edges.take(np.r_[True, (edges.lo[1:] != edges.lo[:-1]) | (edges.hi[1:] != edges.hi[:-1])])
    keep_n, frag_sizes = main_component(n_all, edges)
    for lk in links:
        if not (np.isin(lk["a"], keep_n) and np.isin(lk["b"], keep_n)):
            raise SystemExit(f"link {lk['link']} is not on the kept network")

    # Z-order renumbering
    la_k, lo_k = lat[keep_n], lon[keep_n]
    z_order = np.argsort(morton(la_k - la_k.min(), lo_k - lo_k.min()), kind="stable")
    keep_n = keep_n[z_order]
    new_id = np.full(n_all, -1, dtype=np.int64)
    new_id[keep_n] = np.arange(keep_n.size)
    eu, ev = new_id[edges.lo], new_id[edges.hi]
    edges.lo, edges.hi = np.minimum(eu, ev), np.maximum(eu, ev)
    edges.take(np.lexsort((edges.hi, edges.lo)))
    lat_k, lon_k = lat[keep_n], lon[keep_n]
    assert edges.length_m.min() > 0 and edges.length_m.max() < 2**31

    def edge_of(a: int, b: int) -> int:
        a, b = sorted((int(new_id[a]), int(new_id[b])))
        return int(np.flatnonzero((edges.lo == a) & (edges.hi == b))[0])

    for lk in links:
        lk["edge"] = edge_of(lk["a"], lk["b"])
    names = [(edge_of(a_, b_), name) for name, _k, a_, b_, *_ in added]
    names += [(lk["edge"], f"{lk['name']} ({lk['link']})") for lk in links]
    assert sorted(e for e, _ in names) == np.flatnonzero(edges.connector != 0).tolist()
    write(lat_k, lon_k, edges, units, added, links, lat, lon, names)
    report(
        lat_k,
        lon_k,
        edges,
        units,
        added,
        links,
        lat,
        lon,
        dict(
            n_world=n_world,
            m_world=m_world,
            n_in=n_in,
            m_in=m_in,
            n_merged=n_merged,
            frag_sizes=frag_sizes,
            dropped_cross=dropped_cross,
        ),
    )
    return 0


def write(lat_k, lon_k, edges: Edges, units, added, links, lat, lon, names) -> None:
    """Write ``OUT`` (integer arrays and the ``meta`` lines)."""
    meta = [
        "source=scgraph-data 2.0.0, scgraph_data.world_highways (OpenStreetMap-derived, ODbL 1.0)",
        "copyright=© OpenStreetMap contributors",
        f"outline=union of the {len(units)} units of prefectures.geojson (Hong Kong and Macao included), "
        f"buffer {BUFFER_DEG} deg",
        f"nodes={lat_k.size}",
        f"edges={edges.lo.size}",
        "coordinates=lat_e3, lon_e3: WGS84 degrees x 1000 (exact: the source rounds to 0.001 deg)",
        "length=length_m: metres (exact: the source rounds to 0.001 km; SAR links: published km)",
        "fixed_s=seconds of a stated crossing time (SAR links), -1 elsewhere",
    ]
    for name, kind, a_, b_, _da, _db, gc, km in added:
        meta.append(
            f"connector={name}; kind={'ferry' if kind == 1 else 'fixed link'}; "
            f"a=({lat[a_] / 1000:.3f},{lon[a_] / 1000:.3f}) b=({lat[b_] / 1000:.3f},{lon[b_] / 1000:.3f}); "
            f"great_circle_km={gc:.3f}; length_km={km:.3f}"
        )
    for lk in links:
        a_, b_ = lk["a"], lk["b"]
        meta.append(
            f"connector={lk['link']} {lk['name']}; kind=SAR link; "
            f"a=({lat[a_] / 1000:.3f},{lon[a_] / 1000:.3f}) b=({lat[b_] / 1000:.3f},{lon[b_] / 1000:.3f}); "
            f"length_km={lk['km']:g}; minutes={lk['minutes']:.1f} ({lk['basis']}); "
            "source=boundaries/sar_links.csv"
        )
    np.savez_compressed(
        OUT,
        lat_e3=lat_k.astype(np.int32),
        lon_e3=lon_k.astype(np.int32),
        u=edges.lo.astype(np.int32),
        v=edges.hi.astype(np.int32),
        length_m=edges.length_m.astype(np.int32),
        connector=edges.connector.astype(np.int8),
        fixed_s=edges.fixed_s.astype(np.int32),
        link_edge=np.array([e for e, _ in names], dtype=np.int32),
        link_name=np.array([nm for _, nm in names]),
        meta=np.array(meta),
    )


def report(lat_k, lon_k, edges: Edges, units, added, links, lat, lon, c: dict) -> None:
    """Print counts, connector snaps, dropped fragments and seat snap distances."""
    eu, ev, connector = edges.lo, edges.hi, edges.connector
    xy = local_xy_km(lat_k / 1000, lon_k / 1000)
    seats = np.array([[p["seat_lat"], p["seat_lon"]] for p in units], dtype=float)
    snap, _ = cKDTree(xy).query(local_xy_km(seats[:, 0], seats[:, 1]))
    gc_len = haversine_km(lat_k[eu] / 1000, lon_k[eu] / 1000, lat_k[ev] / 1000, lon_k[ev] / 1000)
    ratio = (edges.length_m / 1000)[connector == 0] / np.maximum(gc_len[connector == 0], 1e-9)
    print(f"world: {c['n_world']} nodes, {c['m_world']} undirected edges")
    print(
        f"inside outline: {c['n_in']} nodes, {c['m_in']} edges; "
        f"{c['n_merged']} nodes merged over zero-length edges"
    )
    print(f"source border crossings dropped ({len(c['dropped_cross'])}):", "; ".join(c["dropped_cross"]))
    for name, _kind, _a, _b, da, db, gc, km in added:
        print(
            f"connector {name}: ends snapped {da:.2f} / {db:.2f} km, "
            f"great circle {gc:.2f} km, length {km:.2f} km"
        )
    for lk in links:
        a_, b_ = lk["a"], lk["b"]
        print(
            f"SAR link {lk['link']} ({lk['name']}): edge {lk['edge']}, "
            f"a=({lat[a_] / 1000:.3f},{lon[a_] / 1000:.3f}) snap {lk['snap'][0]:.2f} km"
            f"{' (end added as a node)' if lk['added'][0] else ''}, "
            f"b=({lat[b_] / 1000:.3f},{lon[b_] / 1000:.3f}) snap {lk['snap'][1]:.2f} km"
            f"{' (end added as a node)' if lk['added'][1] else ''}; "
            f"{lk['km']:g} km, {lk['minutes']:.1f} min ({lk['basis']})"
        )
    fs = c["frag_sizes"]
    print(
        f"kept: {lat_k.size} nodes, {eu.size} edges; dropped {fs.size} fragments "
        f"({int(fs.sum())} nodes; largest {fs[:5].tolist()})"
    )
    print(f"edge length / great circle: median {np.median(ratio):.4f}, min {ratio.min():.4f}")
    print(
        f"seat snap km: median {np.median(snap):.2f}, p90 {np.percentile(snap, 90):.2f}, max {snap.max():.1f}"
    )
    for k, p in enumerate(units):
        if str(p["adcode"]).zfill(6) in SAR:
            print(f"seat snap {p['name']}: {snap[k]:.2f} km")
    worst = np.argsort(snap)[::-1][:8]
    print("largest snaps:", ", ".join(f"{units[k]['name']} {snap[k]:.1f}" for k in worst))
    far = [units[k]["name"] for k in np.flatnonzero(snap > 30)]
    print("seats farther than 30 km from any road (unreachable):", far)
    print(f"wrote {OUT.relative_to(REPO)} ({OUT.stat().st_size / 1e6:.2f} MB)")


if __name__ == "__main__":
    sys.exit(main())
