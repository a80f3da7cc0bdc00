"""Graph plumbing shared by :mod:`geoaggl.weights` and :mod:`geoaggl.spatial`.

One connected-components routine and the one warning about isolates and
disconnected weights (used when weights are built and when they are tested).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from .errors import GeoagglWarning, format_keys

__all__ = ["components", "graph_links", "warn_structure"]


def components(n: int, focal: np.ndarray, neighbor: np.ndarray) -> np.ndarray:
    """Connected-component label of each of ``n`` nodes given the (undirected) links."""
    import scipy.sparse as sp
    from scipy.sparse.csgraph import connected_components

    a = sp.coo_matrix((np.ones(focal.size), (focal, neighbor)), shape=(n, n))
    return np.asarray(connected_components(a, directed=False)[1])


def graph_links(g: Any) -> tuple[pd.Index, np.ndarray, np.ndarray]:
    """The ids of a ``libpysal.graph.Graph`` and the positions of its non-zero links.

    libpysal stores an isolate as a zero-weight self-link; it is not a link here.
    """
    ids = pd.Index(g.unique_ids)
    adj = g.adjacency
    keep = adj.to_numpy() != 0
    focal = ids.get_indexer(adj.index.get_level_values(0)[keep])
    neighbor = ids.get_indexer(adj.index.get_level_values(1)[keep])
    return ids, focal, neighbor


def warn_structure(
    ids: pd.Index, focal: np.ndarray, neighbor: np.ndarray, *, name: str | None = None, stacklevel: int = 3
) -> None:
    """Warn (GeoagglWarning) about units without neighbours and about a disconnected graph."""
    n = len(ids)
    prefix = f"weights {name!r}: " if name is not None else ""
    has = np.zeros(n, dtype=bool)
    has[focal] = True  # a unit with an outgoing non-zero link has neighbours
    if (~has).any():
        warnings.warn(
            f"{prefix}{int((~has).sum())} unit(s) without neighbours (isolates): {format_keys(ids[~has])}; "
            "their spatial lag is 0, which biases the statistics (use weights.contiguity(islands='nearest') "
            "or drop them)",
            GeoagglWarning,
            stacklevel=stacklevel,
        )
    lab = components(n, focal, neighbor)
    ncomp = len(np.unique(lab))
    if ncomp > 1:
        sizes = sorted(np.bincount(lab).tolist(), reverse=True)
        warnings.warn(
            f"{prefix}the weights graph is disconnected: {ncomp} components (sizes {sizes[:10]}); "
            "Moran's I can fall outside [-1, 1] and permutation inference mixes unrelated components",
            GeoagglWarning,
            stacklevel=stacklevel,
        )
