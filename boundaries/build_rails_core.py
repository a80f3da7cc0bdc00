"""Build ``geoaggl/data/china_railways_core.npz``: the contraction order of the bundled rail graph.

Re-runnable and deterministic (run it again whenever ``china_railways.npz`` changes)::

    PYTHONPATH=. python boundaries/build_rails_core.py

:func:`geoaggl._roadgraph.contract` eliminates every node of the rail graph with at most
``max_degree`` distinct neighbours (the order depends on degrees and node ids only, never on
weights) and leaves a core of a few dozen junctions.  The file keeps only that *structure*: the
core's nodes and, per eliminated node, the nodes it was joined to (``up_ptr``, ``up_idx``) and its
height in the hierarchy.  :mod:`geoaggl.rail` replays the elimination with the weights of the
speed model in use (``geoaggl._odkernel.replay``, a few milliseconds) and answers OD matrices with
the compiled many-to-many kernel; without the kernel, or when the file's ``topology_sig`` (SHA-1 of
the rail graph's edge arrays) does not match the shipped graph, it reduces the graph per call as
before.  Derived from ``china_railways.npz`` (OpenStreetMap, ODbL 1.0; see ``geoaggl/data/NOTICE``).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from geoaggl import rail  # noqa: E402
from geoaggl._roadgraph import contract  # noqa: E402

OUT = ROOT / "geoaggl" / "data" / "china_railways_core.npz"
MAX_DEGREE = 24


def main() -> None:
    t0 = time.perf_counter()
    c = rail._compact(*rail._speeds(None, "build_rails_core"), rail.DEFAULT_FERRY_MINUTES)
    core = contract(c["csr"]["length"], np.empty(0, dtype=np.int64), max_degree=MAX_DEGREE)
    np.savez_compressed(
        OUT,
        n=np.array(core.n, dtype=np.int64),
        max_degree=np.array(MAX_DEGREE, dtype=np.int64),
        core_nodes=core.core_nodes.astype(np.int32),
        up_ptr=core.up_ptr.astype(np.int32),
        up_idx=core.up_idx.astype(np.int32),
        height=core.height.astype(np.int32),
        topology_sig=np.array(rail._topology_signature()),
    )
    size, took = OUT.stat().st_size / 1e6, time.perf_counter() - t0
    print(
        f"core {core.core_nodes.size} nodes, {core.core_indices.size} arcs; {core.up_idx.size} upward arcs; "
        f"wrote {OUT.relative_to(ROOT)} ({size:.2f} MB) in {took:.1f} s"
    )


if __name__ == "__main__":
    main()
