"""Vectorised vertex-set contiguity (private): libpysal's rule without its Python loop.

Two polygons are queen neighbours when they share a vertex (exact coordinates), rook neighbours
when they share an edge (two consecutive vertices of one part, in either order) — the rule of
``libpysal.graph.Graph.build_contiguity(..., strict=False)`` (its ``_vertex_set_intersection``),
computed by sorting the vertex (or edge) keys instead of filling a dict of sets: about 30× faster
on the 2,848 county polygons (467,000 vertices), with identical neighbour sets.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["shared_vertex_pairs"]


def shared_vertex_pairs(geoms: Any, *, rook: bool) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Ordered (focal, neighbour) position pairs of polygons sharing a vertex (queen) or an edge (rook).

    Both directions are listed, each pair once, sorted; no self pairs.
    """
    import shapely

    geoms = np.asarray(geoms, dtype=object)
    parts, owner_of_part = shapely.get_parts(geoms, return_index=True)
    verts, part = shapely.get_coordinates(parts, return_index=True)
    owner = owner_of_part[part]
    if rook:
        same = part[:-1] == part[1:]
        a, b = verts[:-1][same], verts[1:][same]
        swap = (a[:, 0] > b[:, 0]) | ((a[:, 0] == b[:, 0]) & (a[:, 1] > b[:, 1]))
        lo = np.where(swap[:, None], b, a)
        hi = np.where(swap[:, None], a, b)
        keys = np.c_[lo, hi]
        own = owner[:-1][same]
    else:
        keys, own = verts, owner
    keys = keys + 0.0  # -0.0 -> 0.0, as tuple equality treats them
    order = np.lexsort((own, *keys.T[::-1]))
    keys, own = keys[order], own[order]
    new_key = np.ones(own.size, dtype=bool)
    new_key[1:] = (keys[1:] != keys[:-1]).any(axis=1)
    dup = np.zeros(own.size, dtype=bool)
    dup[1:] = ~new_key[1:] & (own[1:] == own[:-1])
    keys_id = np.cumsum(new_key)[~dup] - 1
    own = own[~dup]
    start = np.flatnonzero(np.r_[True, keys_id[1:] != keys_id[:-1]])
    size = np.diff(np.r_[start, own.size])
    multi = size >= 2
    start, size = start[multi], size[multi]
    if start.size == 0:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty
    # every ordered pair within each group of polygons sharing the key
    member = np.repeat(start, size) + _within(size)  # positions of the group members
    reps = np.repeat(size, size)
    focal = np.repeat(own[member], reps)
    grp_start = np.repeat(np.repeat(start, size), reps)
    nb = own[grp_start + _within(reps)]
    keep = focal != nb
    n = int(geoms.size)
    code = np.unique(focal[keep].astype(np.int64) * n + nb[keep])
    return code // n, code % n


def _within(sizes: NDArray[np.int64]) -> NDArray[np.int64]:
    """``concatenate([arange(s) for s in sizes])``, vectorised."""
    total = int(sizes.sum())
    offs = np.repeat(np.r_[0, np.cumsum(sizes)[:-1]], sizes)
    return np.arange(total, dtype=np.int64) - offs
