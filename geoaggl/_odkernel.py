"""The compiled OD kernel (``_odkernel.c``), loaded with ctypes (private).

Many-to-many distances on a :class:`geoaggl._roadgraph.Core` in the bucket form of a
contraction-hierarchy query: one upward Dijkstra per source (its upward arcs, then the whole
core), one climb per target, and :math:`d(s, t) = \\min_x d_\\uparrow(s, x) + f_t(x)`.  The
same formula as the scipy/numpy path of :func:`geoaggl._roadgraph.core_many_to_many`, computed
in C without building the per-query graph; ctypes releases the GIL during each call, so source
blocks run on several threads.

The library is compiled when geoaggl is installed (``hatch_build.py``).  When it is absent (no C
compiler at install time), out of date, or disabled with ``GEOAGGL_NO_KERNEL=1``,
:func:`library` returns None and geoaggl takes the scipy path: same distances, slower.
"""

from __future__ import annotations

import ctypes
import os
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    from ._roadgraph import Core

LIB_NAME = "libgeoaggl_od.so"
VERSION = 4  # GK_VERSION in _odkernel.c

_I64 = np.ctypeslib.ndpointer(dtype=np.int64, flags="C_CONTIGUOUS")
_F64 = np.ctypeslib.ndpointer(dtype=np.float64, flags="C_CONTIGUOUS")
_ARG: dict[str, Any] = {
    "n": ctypes.c_int64,  # a count or node id
    "i": _I64,  # int64 array
    "f": _F64,  # float64 array
    "p": ctypes.c_void_p,  # raw pointer (output buffer, or NULL)
    "d": ctypes.c_double,
    "b": ctypes.c_int,  # flag
}
#: C functions of ``_odkernel.c``: return type and argument codes of :data:`_ARG`, in order.
_SIGNATURES: dict[str, tuple[Any, str]] = {
    "gk_climb": (ctypes.c_int, "n i i f n i i p p p"),
    "gk_many": (ctypes.c_int, "n i i f n i n i i f n i p n b"),
    "gk_nearest": (None, "f f i i n n d d d n f f i"),
    "gk_replay": (ctypes.c_int, "n i i n i i i i i n i i f f f f n"),
    "gk_nearest_brute": (None, "n f f f n f f f i"),
}


def _candidates() -> list[Path]:
    """Where the library may be: beside this module, then in the installed distribution (a
    source checkout on ``sys.path`` — e.g. Python started in the clone after ``pip install .`` —
    shadows the installed package but has no compiled library of its own)."""
    paths = [Path(__file__).with_name(LIB_NAME)]
    try:
        from importlib.metadata import PackageNotFoundError, distribution

        paths.append(Path(str(distribution("geoaggl").locate_file(f"geoaggl/{LIB_NAME}"))))
    except (PackageNotFoundError, OSError, ValueError):  # pragma: no cover - not installed
        pass
    return [p for p in paths if p.is_file()]


def _load(path: Path) -> ctypes.CDLL | None:
    """The library at ``path`` if it loads and is this version of the kernel."""
    try:
        lib = ctypes.CDLL(str(path))
        return lib if lib.gk_version() == VERSION else None
    except (OSError, AttributeError):
        return None


@lru_cache(maxsize=1)
def library() -> ctypes.CDLL | None:
    """The loaded kernel, or None (not built, out of date, or ``GEOAGGL_NO_KERNEL`` set)."""
    if os.environ.get("GEOAGGL_NO_KERNEL", "").strip().lower() in ("1", "true", "yes", "on"):
        return None
    lib = next((lib for lib in map(_load, _candidates()) if lib is not None), None)
    if lib is None:
        return None
    for name, (restype, args) in _SIGNATURES.items():
        fn = getattr(lib, name)
        fn.restype = restype
        fn.argtypes = [_ARG[a] for a in args.split()]
    return lib


def available() -> bool:
    """Whether the compiled kernel is loaded."""
    return library() is not None


@dataclass(eq=False)
class KernelGraph:
    """A :class:`Core` as the kernel reads it: the upward CSR (upward arcs of eliminated nodes,
    core arcs of core nodes, original ids) and the climb CSR (reversed upward arcs)."""

    n: int
    ptr: NDArray[np.int64]
    idx: NDArray[np.int64]
    w: NDArray[np.float64]
    climb_ptr: NDArray[np.int64]
    climb_idx: NDArray[np.int64]
    climb_w: NDArray[np.float64]


def kernel_graph(core: Core) -> KernelGraph:
    """The kernel's arrays of ``core`` (built once per core, kept on it)."""
    kg = core.__dict__.get("_kernel_graph")
    if kg is not None:
        return kg
    n = core.n
    up_cnt = np.diff(core.up_ptr)
    ci = np.asarray(core.core_indptr, dtype=np.int64)
    core_cnt = np.diff(ci)
    cnt = up_cnt.copy()
    cnt[core.core_nodes] += core_cnt  # core nodes have no upward arcs: each node is one or the other
    ptr = np.r_[0, np.cumsum(cnt)].astype(np.int64)
    idx = np.empty(int(ptr[-1]), dtype=np.int64)
    w = np.empty(int(ptr[-1]), dtype=np.float64)
    up_tail = np.repeat(np.arange(n, dtype=np.int64), up_cnt)
    at = ptr[up_tail] + (np.arange(up_tail.size, dtype=np.int64) - core.up_ptr[up_tail])
    idx[at] = core.up_idx
    w[at] = core.up_out
    row = np.repeat(np.arange(core_cnt.size, dtype=np.int64), core_cnt)
    at = ptr[core.core_nodes[row]] + (np.arange(row.size, dtype=np.int64) - ci[row])
    idx[at] = core.core_nodes[np.asarray(core.core_indices, dtype=np.int64)]
    w[at] = core.core_data
    kg = KernelGraph(
        n=n,
        ptr=ptr,
        idx=idx,
        w=w,
        climb_ptr=np.ascontiguousarray(core.up_ptr, dtype=np.int64),
        climb_idx=np.ascontiguousarray(core.up_idx, dtype=np.int64),
        climb_w=np.ascontiguousarray(core.up_in, dtype=np.float64),
    )
    core.__dict__["_kernel_graph"] = kg
    return kg


def _check(rc: int) -> None:
    if rc != 0:
        raise MemoryError("geoaggl OD kernel: out of memory")


def buckets(
    kg: KernelGraph, targets: NDArray[np.int64]
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]:
    """Each target's climb (search space) as a CSR: group starts, nodes, climb distances."""
    lib = library()
    assert lib is not None
    t = np.ascontiguousarray(targets, dtype=np.int64)
    counts = np.empty(t.size, dtype=np.int64)
    args = (kg.n, kg.climb_ptr, kg.climb_idx, kg.climb_w, t.size, t, counts)
    _check(lib.gk_climb(*args, None, None, None))
    bptr = np.r_[0, np.cumsum(counts)].astype(np.int64)
    bnode = np.empty(int(bptr[-1]), dtype=np.int64)
    bf = np.empty(int(bptr[-1]), dtype=np.float64)
    _check(lib.gk_climb(*args, bptr.ctypes.data, bnode.ctypes.data, bf.ctypes.data))
    return bptr, bnode, bf


@dataclass(eq=False)
class KernelBlocks:
    """Picklable ``start -> distances of sources[start:start+chunk]`` through the kernel (the
    block function of :func:`geoaggl._engine.map_blocks` on Dask)."""

    kg: KernelGraph
    sources: NDArray[np.int64]
    bptr: NDArray[np.int64]
    bnode: NDArray[np.int64]
    bf: NDArray[np.float64]
    tcol: NDArray[np.int64]
    chunk: int
    dtype: Any = np.float64

    def fill(self, start: int, out: NDArray[Any]) -> None:
        """Write the block's rows into ``out`` (a C-contiguous float32/float64 array)."""
        lib = library()
        if lib is None:
            raise RuntimeError("geoaggl OD kernel is not available in this process")
        src = self.sources[start : start + self.chunk]
        is32 = int(out.dtype == np.float32)
        kg = self.kg
        rc = lib.gk_many(
            kg.n, kg.ptr, kg.idx, kg.w, src.size, src,
            self.bptr.size - 1, self.bptr, self.bnode, self.bf,
            self.tcol.size, self.tcol, out.ctypes.data, out.shape[1], is32,
        )  # fmt: skip
        _check(rc)

    def __call__(self, start: int) -> NDArray[Any]:
        src = self.sources[start : start + self.chunk]
        out = np.empty((src.size, self.tcol.size), dtype=self.dtype)
        self.fill(start, out)
        return out


def _threads() -> int:
    try:
        return max(1, min(8, len(os.sched_getaffinity(0))))
    except AttributeError:  # not Linux
        return max(1, min(8, os.cpu_count() or 1))


def many_to_many(
    core: Core,
    sources: NDArray[np.int64],
    targets: NDArray[np.int64],
    *,
    dtype: Any = np.float64,
    chunk: int = 64,
    progress: Callable[[int, int], None] | None = None,
    client: Any = None,
) -> NDArray[Any]:
    """Exact distances from each source to each target node (rows: distinct sources first,
    see :func:`geoaggl._roadgraph.core_many_to_many`, which calls this when the kernel loads)."""
    kg = kernel_graph(core)
    utgt, tgt_inv = np.unique(np.asarray(targets, dtype=np.int64), return_inverse=True)
    key = utgt.tobytes()
    last = kg.__dict__.get("_last_buckets")
    if last is not None and last[0] == key:  # the same targets again (od_blocks: every block)
        bptr, bnode, bf = last[1]
    else:
        bptr, bnode, bf = buckets(kg, utgt)
        kg.__dict__["_last_buckets"] = (key, (bptr, bnode, bf))
    src = np.ascontiguousarray(sources, dtype=np.int64)
    if progress is not None:
        chunk = max(1, min(chunk, -(-src.size // 20)))
    blocks = KernelBlocks(kg, src, bptr, bnode, bf, tgt_inv.ravel().astype(np.int64), chunk, dtype)
    starts = list(range(0, src.size, chunk))
    res = np.empty((src.size, blocks.tcol.size), dtype=dtype)
    if client is not None:
        from ._engine import map_blocks

        for start, block in zip(starts, map_blocks(blocks, starts, client=client), strict=True):
            res[start : start + chunk] = block
        if progress is not None:
            progress(src.size, src.size)
        return res
    _run_local(blocks, starts, res, progress)
    return res


def nearest_brute(
    x: NDArray[np.float64], y: NDArray[np.float64], z: NDArray[np.float64], q: NDArray[np.float64]
) -> NDArray[np.int64]:
    """Position of the nearest of the points ``(x, y, z)`` to each row of ``q`` (m × 3), ties to
    the lower position; -1 for rows with a non-finite coordinate."""
    lib = library()
    assert lib is not None
    q = np.asarray(q, dtype=np.float64)
    best = np.empty(q.shape[0], dtype=np.int64)
    c = np.ascontiguousarray
    lib.gk_nearest_brute(
        x.size, c(x, dtype=np.float64), c(y, dtype=np.float64), c(z, dtype=np.float64), q.shape[0],
        c(q[:, 0]), c(q[:, 1]), c(q[:, 2]), best,
    )  # fmt: skip
    return best


def _run_local(
    blocks: KernelBlocks,
    starts: list[int],
    res: NDArray[Any],
    progress: Callable[[int, int], None] | None,
) -> None:
    """The blocks on a thread pool (the kernel runs without the GIL), in order of completion."""
    n_threads = min(_threads(), len(starts))
    total = res.shape[0]
    chunk = blocks.chunk
    if n_threads <= 1:
        for start in starts:
            blocks.fill(start, res[start : start + chunk])
            if progress is not None:
                progress(min(start + chunk, total), total)
        return
    from concurrent.futures import ThreadPoolExecutor, as_completed

    done = 0
    pool = ThreadPoolExecutor(n_threads)
    try:
        futs = [pool.submit(blocks.fill, s, res[s : s + chunk]) for s in starts]
        for fut in as_completed(futs):
            fut.result()
            done += 1
            if progress is not None:
                progress(min(done * chunk, total), total)
    finally:  # on Ctrl-C or an error, drop the blocks not started (a block is milliseconds)
        pool.shutdown(wait=True, cancel_futures=True)


def nearest(grid: Any, px: NDArray[np.float64], py: NDArray[np.float64]) -> NDArray[np.int64]:
    """:meth:`geoaggl._roadgraph.GridIndex.nearest`'s block search in C: the nearest node within
    one cell of each point (ties to the lower position), -1 where there is none."""
    lib = library()
    assert lib is not None
    px = np.ascontiguousarray(px, dtype=np.float64)
    py = np.ascontiguousarray(py, dtype=np.float64)
    best = np.empty(px.size, dtype=np.int64)
    lib.gk_nearest(
        np.ascontiguousarray(grid.x, dtype=np.float64), np.ascontiguousarray(grid.y, dtype=np.float64),
        np.ascontiguousarray(grid.order, dtype=np.int64), np.ascontiguousarray(grid.ptr, dtype=np.int64),
        grid.nx, grid.ny, grid.x0, grid.y0, grid.cell, px.size, px, py, best,
    )  # fmt: skip
    return best


@dataclass(eq=False)
class ReplayPlan:
    """What :func:`replay` needs of a contracted structure besides weights (weight-independent):
    an elimination order (each node before its upper neighbours: decreasing height), each node's
    rank in it (-1 for the core) and the *unpruned* core arcs (every core pair an original arc or
    a shortcut ever joined; the shipped core keeps only the arcs that are shortest)."""

    order: NDArray[np.int64]
    rank: NDArray[np.int64]
    cpos: NDArray[np.int64]
    cptr: NDArray[np.int64]
    cidx: NDArray[np.int64]


def replay_plan(core: Core, tail: NDArray[np.int64], head: NDArray[np.int64]) -> ReplayPlan:
    """The :class:`ReplayPlan` of ``core`` for a graph with arcs ``tail -> head``."""
    from ._roadgraph import _ranges

    n, k = core.n, int(core.core_nodes.size)
    cpos = np.full(n, -1, dtype=np.int64)
    cpos[core.core_nodes] = np.arange(k)
    gone = np.flatnonzero(cpos < 0)
    order = gone[np.argsort(-core.height[gone], kind="stable")]
    rank = np.full(n, -1, dtype=np.int64)
    rank[order] = np.arange(order.size)
    # shortcuts between core nodes: every ordered pair of core neighbours of an eliminated node
    owner = np.repeat(np.arange(n, dtype=np.int64), np.diff(core.up_ptr))
    sel = cpos[core.up_idx] >= 0
    o, x = owner[sel], core.up_idx[sel]
    count = np.bincount(o, minlength=n)
    start = np.r_[0, np.cumsum(count)][:-1]
    left = np.repeat(x, count[o])
    right = x[_ranges(start[o], start[o] + count[o])]
    arcs = (cpos[tail] >= 0) & (cpos[head] >= 0) & (tail != head)
    a = np.r_[cpos[left[left != right]], cpos[tail[arcs]]]
    b = np.r_[cpos[right[left != right]], cpos[head[arcs]]]
    key = np.unique(a * k + b)
    return ReplayPlan(
        order=order,
        rank=rank,
        cpos=cpos,
        cptr=np.searchsorted(key // k, np.arange(k + 1)).astype(np.int64),
        cidx=(key % k).astype(np.int64),
    )


def replay(core: Core, tail: NDArray[np.int64], head: NDArray[np.int64], w: NDArray[np.float64]) -> Core:
    """``core``'s structure with the weights of the arcs ``tail -> head`` (``w``): the contraction
    of :func:`geoaggl._roadgraph.contract` replayed in C, without its dictionaries (~0.1 s for the
    bundled graph instead of reducing the graph around every query).  Exact: the same sums as a
    contraction from scratch in the same order."""
    from ._roadgraph import Core as CoreCls

    lib = library()
    assert lib is not None
    c = np.ascontiguousarray
    tail, head = c(tail, dtype=np.int64), c(head, dtype=np.int64)
    plan = core.__dict__.get("_replay_plan")
    if plan is None:
        plan = core.__dict__["_replay_plan"] = replay_plan(core, tail, head)
    up_ptr, up_idx = c(core.up_ptr, dtype=np.int64), c(core.up_idx, dtype=np.int64)
    up_out = np.empty(up_idx.size)
    up_in = np.empty(up_idx.size)
    cw = np.empty(plan.cidx.size)
    rc = lib.gk_replay(
        core.n, up_ptr, up_idx, plan.order.size, plan.order, plan.rank, plan.cpos, plan.cptr,
        plan.cidx, tail.size, tail, head, c(w, dtype=np.float64), up_out, up_in, cw, cw.size,
    )  # fmt: skip
    if rc != 0:
        raise ValueError(f"the graph does not fit the contracted structure (code {rc})")
    fin = np.isfinite(cw)
    rows = np.repeat(np.arange(plan.cptr.size - 1), np.diff(plan.cptr))[fin]
    return CoreCls(
        n=core.n,
        core_nodes=core.core_nodes,
        core_indptr=np.searchsorted(rows, np.arange(plan.cptr.size)).astype(np.int64),
        core_indices=plan.cidx[fin],
        core_data=cw[fin],
        up_ptr=up_ptr,
        up_idx=up_idx,
        up_out=up_out,
        up_in=up_in,
        height=core.height,
    )
