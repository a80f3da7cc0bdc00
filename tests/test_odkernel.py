"""The compiled OD kernel (geoaggl/_odkernel.c) against scipy's Dijkstra and the scipy path (#12)."""

from __future__ import annotations

import os
import shutil
import sys

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.sparse.csgraph import dijkstra

from geoaggl import _odkernel
from geoaggl._roadgraph import contract, core_many_to_many

needs_kernel = pytest.mark.skipif(
    not _odkernel.available(), reason="the compiled OD kernel is not built here"
)


def _random_core(seed: int, n: int, m: int, *, symmetric: bool, max_degree: int):
    """A random graph of n nodes and about m arcs (no self-loops; both directions when
    ``symmetric``) as a CSR matrix, and its contraction."""
    rng = np.random.default_rng(seed)
    t, h = rng.integers(0, n, m), rng.integers(0, n, m)
    keep = t != h
    w = rng.uniform(1, 9, keep.sum())
    t, h = t[keep], h[keep]
    if symmetric:
        t, h, w = np.r_[t, h], np.r_[h, t], np.r_[w, w]
    a = sp.coo_matrix((w, (t, h)), shape=(n, n)).tocsr()
    return a, contract(a, np.empty(0, dtype=np.int64), max_degree=max_degree)


def test_kernel_is_built_where_a_c_compiler_exists():
    """The install compiles the kernel (hatch_build.py); only a machine without a compiler may lack it."""
    if os.environ.get("GEOAGGL_NO_KERNEL"):
        pytest.skip("disabled by GEOAGGL_NO_KERNEL")
    if not any(shutil.which(c) for c in ("cc", "gcc", "clang")) or sys.platform == "win32":
        pytest.skip("no C compiler: the scipy fallback is expected")
    assert _odkernel.available()


def test_disabled_by_environment(monkeypatch):
    monkeypatch.setenv("GEOAGGL_NO_KERNEL", "1")
    _odkernel.library.cache_clear()
    try:
        assert not _odkernel.available()
    finally:
        monkeypatch.delenv("GEOAGGL_NO_KERNEL")
        _odkernel.library.cache_clear()


def test_installed_library_found_when_a_source_tree_shadows_the_package(monkeypatch, tmp_path):
    """Python started inside the clone after ``pip install .`` imports the source tree, which has
    no compiled library: the one in the installed distribution is used instead of the slow path."""
    import importlib.metadata
    from pathlib import Path

    real = Path(_odkernel.__file__).with_name(_odkernel.LIB_NAME)
    if not real.is_file() or os.environ.get("GEOAGGL_NO_KERNEL"):
        pytest.skip("no compiled kernel here")

    class Dist:
        def locate_file(self, rel: str) -> Path:
            assert rel == f"geoaggl/{_odkernel.LIB_NAME}"
            return real

    monkeypatch.setattr(_odkernel, "__file__", str(tmp_path / "_odkernel.py"))  # a tree without it
    monkeypatch.setattr(importlib.metadata, "distribution", lambda name: Dist())
    assert _odkernel._candidates() == [real]
    _odkernel.library.cache_clear()
    try:
        assert _odkernel.available()
        monkeypatch.setattr(_odkernel, "_load", lambda path: None)  # e.g. another version installed
        _odkernel.library.cache_clear()
        assert not _odkernel.available()
    finally:
        monkeypatch.undo()
        _odkernel.library.cache_clear()


def _scipy_path(core, src, dst, monkeypatch, **kw):
    with monkeypatch.context() as m:
        m.setattr(_odkernel, "library", lambda: None)
        return core_many_to_many(core, src, dst, **kw)


@needs_kernel
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    n=st.integers(2, 120),
    density=st.floats(0.5, 4.0),
    integer=st.booleans(),
    symmetric=st.booleans(),
    max_degree=st.integers(1, 12),
    seed=st.integers(0, 2**32 - 1),
)
def test_kernel_equals_scipy_dijkstra_on_random_graphs(
    n, density, integer, symmetric, max_degree, seed, monkeypatch
):
    """Random directed or undirected graphs, disconnected parts, duplicated sources and targets."""
    rng = np.random.default_rng(seed)
    m = max(1, int(n * density))
    t, h = rng.integers(0, n, m), rng.integers(0, n, m)
    w = rng.integers(1, 100, m).astype(float) if integer else rng.uniform(0.01, 100.0, m)
    keep = t != h
    t, h, w = t[keep], h[keep], w[keep]
    if symmetric:
        t, h, w = np.r_[t, h], np.r_[h, t], np.r_[w, w]
    a = sp.coo_matrix((w, (t, h)), shape=(n, n)).tocsr()  # parallel arcs summed: still a graph
    keep_nodes = rng.choice(n, size=min(n, int(rng.integers(0, 3))), replace=False)
    core = contract(a, keep_nodes, max_degree=max_degree)
    src = rng.integers(0, n, int(rng.integers(1, 15)))
    dst = rng.integers(0, n, int(rng.integers(1, 15)))
    ref = dijkstra(a, directed=True, indices=src)[:, dst]
    got = core_many_to_many(core, src, dst, chunk=int(rng.integers(1, 6)))
    assert np.array_equal(np.isinf(got), np.isinf(ref))
    fin = np.isfinite(ref)
    if integer:
        assert np.array_equal(got[fin], ref[fin])  # whole numbers: sums are exact
    else:
        np.testing.assert_allclose(got[fin], ref[fin], rtol=1e-12)
    assert np.array_equal(got, _scipy_path(core, src, dst, monkeypatch)) or not integer


@needs_kernel
def test_kernel_float32_and_progress():
    n = 300
    a, core = _random_core(3, n, 1200, symmetric=True, max_degree=10)
    src, dst = np.arange(0, n, 2), np.arange(1, n, 3)
    seen: list[tuple[int, int]] = []
    f64 = core_many_to_many(core, src, dst, progress=lambda d, tot: seen.append((d, tot)))
    f32 = core_many_to_many(core, src, dst, dtype=np.float32)
    assert f32.dtype == np.float32 and f64.dtype == np.float64
    assert np.array_equal(f32, f64.astype(np.float32))
    np.testing.assert_allclose(f64, dijkstra(a, indices=src)[:, dst], rtol=1e-12)
    done = [d for d, _ in seen]
    assert done == sorted(done) and done[-1] == src.size and {tot for _, tot in seen} == {src.size}


@needs_kernel
def test_kernel_graph_holds_the_upward_and_core_arcs():
    """The kernel's CSR: node v's arcs are its upward arcs, or its core arcs for a core node."""
    n = 80
    _, core = _random_core(11, n, 300, symmetric=False, max_degree=5)
    kg = _odkernel.kernel_graph(core)
    assert _odkernel.kernel_graph(core) is kg  # kept on the core
    pos = {int(c): i for i, c in enumerate(core.core_nodes)}
    for v in range(n):
        got = sorted(
            zip(
                kg.idx[kg.ptr[v] : kg.ptr[v + 1]].tolist(),
                kg.w[kg.ptr[v] : kg.ptr[v + 1]].tolist(),
                strict=True,
            )
        )
        if v in pos:
            row = core.core.getrow(pos[v]).tocoo()
            want = sorted(zip(core.core_nodes[row.col].tolist(), row.data.tolist(), strict=True))
        else:
            sl = slice(core.up_ptr[v], core.up_ptr[v + 1])
            want = sorted(zip(core.up_idx[sl].tolist(), core.up_out[sl].tolist(), strict=True))
        assert got == want


@needs_kernel
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32 - 1), cell=st.sampled_from([1.0, 5.0, 20.0]), dup=st.booleans())
def test_kernel_snapping_equals_the_numpy_grid_search(seed, cell, dup, monkeypatch):
    """Nearest node, ties to the lower position (duplicated nodes), far and non-finite points."""
    from geoaggl._roadgraph import GridIndex

    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 300))
    x, y = rng.integers(0, 60, n).astype(float), rng.integers(0, 60, n).astype(float)
    if dup and n > 3:
        x[: n // 3], y[: n // 3] = x[n // 3 : 2 * (n // 3)], y[n // 3 : 2 * (n // 3)]  # equal coordinates
    grid = GridIndex(x, y, cell=cell)
    m = int(rng.integers(1, 200))
    px, py = rng.uniform(-30, 90, m), rng.integers(-30, 90, m).astype(float)  # some on the nodes' rows
    px[::7], py[::11] = np.nan, np.inf
    fast = grid.nearest(px, py)
    with monkeypatch.context() as mp:
        mp.setattr(_odkernel, "library", lambda: None)
        slow = grid.nearest(px, py)
    assert np.array_equal(fast, slow)
    ok = np.isfinite(px) & np.isfinite(py)
    d = (x[None, :] - px[ok, None]) ** 2 + (y[None, :] - py[ok, None]) ** 2
    assert np.array_equal(fast[ok], np.argmin(d, axis=1))  # exact: the first of the nearest


@needs_kernel
def test_interrupted_run_drops_the_blocks_not_started():
    """An exception in the caller's progress callback (e.g. Ctrl-C) stops the run promptly."""
    n = 400
    _, core = _random_core(5, n, 1600, symmetric=True, max_degree=8)
    calls = []

    def stop(done, total):
        calls.append(done)
        if done > 0:
            raise KeyboardInterrupt

    src = np.repeat(np.arange(n), 20)  # 8,000 sources: 400 blocks of 20
    with pytest.raises(KeyboardInterrupt):
        _odkernel.many_to_many(core, src, np.arange(n), chunk=20, progress=stop)
    assert len(calls) <= 2


@needs_kernel
def test_rail_snapping_kernel_equals_kdtree(monkeypatch):
    """rail._snap: the C brute-force scan finds the KD-tree's node (and the same km)."""
    import geoaggl
    from geoaggl import rail

    c = rail._compact(*rail._speeds(None, "test"), rail.DEFAULT_FERRY_MINUTES)
    p = geoaggl.prefectures(include_sar=True)
    rng = np.random.default_rng(2)
    lon = np.r_[p["seat_lon"].to_numpy(), rng.uniform(73, 135, 300)]
    lat = np.r_[p["seat_lat"].to_numpy(), rng.uniform(18, 53, 300)]
    fast = rail._snap(c, lon, lat)
    with monkeypatch.context() as mp:
        mp.setattr(_odkernel, "library", lambda: None)
        slow = rail._snap(c, lon, lat)
    assert np.array_equal(fast[0], slow[0]) and np.array_equal(fast[1], slow[1])


@needs_kernel
@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    n=st.integers(2, 90),
    density=st.floats(0.5, 4.0),
    symmetric=st.booleans(),
    max_degree=st.integers(1, 10),
    seed=st.integers(0, 2**32 - 1),
)
def test_replayed_contraction_gives_dijkstra_distances_for_new_weights(
    n, density, symmetric, max_degree, seed
):
    """A core contracted with one set of weights, replayed with another on the same arcs, answers
    queries exactly as scipy's Dijkstra on the new weights (directed graphs, parallel arcs too)."""
    from geoaggl._roadgraph import _csr_min

    rng = np.random.default_rng(seed)
    m = max(1, int(n * density))
    t, h = rng.integers(0, n, m), rng.integers(0, n, m)
    keep = t != h
    t, h = t[keep], h[keep]
    if symmetric:
        t, h = np.r_[t, h], np.r_[h, t]
    if t.size == 0:
        return
    w1, w2 = rng.uniform(1, 50, t.size), rng.uniform(1, 50, t.size)
    keep_nodes = rng.choice(n, size=min(n, int(rng.integers(0, 3))), replace=False)
    core = contract(_csr_min(n, t, h, w1), keep_nodes, max_degree=max_degree)
    again = _odkernel.replay(core, t, h, w2)
    src, dst = rng.integers(0, n, 12), rng.integers(0, n, 12)
    ref = dijkstra(_csr_min(n, t, h, w2), directed=True, indices=src)[:, dst]
    got = core_many_to_many(again, src, dst)
    assert np.array_equal(np.isinf(got), np.isinf(ref))
    np.testing.assert_allclose(got[np.isfinite(ref)], ref[np.isfinite(ref)], rtol=1e-12)
    same = _odkernel.replay(core, t, h, w1)  # the original weights: the original sums, bit for bit
    assert np.array_equal(same.up_out, core.up_out) and np.array_equal(same.up_in, core.up_in)


@needs_kernel
def test_replay_reproduces_the_shipped_core_bit_for_bit():
    from geoaggl import roads

    comp = roads.RoadGraph()._compact()
    for weight in ("length", "travel_time"):
        shipped = roads._bundled_core(comp, weight)
        w = comp.weights[weight] + np.where(comp.border, 1e9, 0.0)
        again = _odkernel.replay(shipped, comp.tail, comp.head, w)
        assert np.array_equal(again.up_out, shipped.up_out) and np.array_equal(again.up_in, shipped.up_in)
        a, b = shipped.core.tocoo(), again.core.tocsr()
        assert np.array_equal(np.asarray(b[a.row, a.col]).ravel(), a.data)  # the kept arcs, same sums
        assert b.nnz >= a.nnz  # the replay keeps every core arc (the shipped file prunes)


@needs_kernel
@pytest.mark.parametrize(
    "kw", [{"speed_kph": 70.0}, {"road_model": {"speed": {"const": 4.5}}}, {"ferry_minutes": 30.0}]
)
def test_custom_speeds_use_the_replayed_core_and_equal_dijkstra(kw, monkeypatch):
    """RoadGraph with other speeds: the replayed core answers od_matrix (the per-call reduction
    is never reached), equal to scipy's Dijkstra on the full graph with the same weights and
    border rule."""
    import geoaggl
    from geoaggl import roads
    from geoaggl._roadgraph import unpenalize

    p = geoaggl.prefectures(include_sar=True)
    g = roads.RoadGraph(**kw)
    comp = g._compact()
    core = roads._bundled_core(comp, "travel_time")
    assert core is not None and core.core_nodes.size == 1710  # the shipped structure, replayed
    nodes, _ = comp.snap(p["seat_lon"].to_numpy(), p["seat_lat"].to_numpy())
    ref = unpenalize(dijkstra(comp.csr("travel_time"), indices=nodes)[:, nodes])
    got = unpenalize(core_many_to_many(core, nodes, nodes))
    assert np.array_equal(np.isinf(got), np.isinf(ref))
    # routes across a border are summed with the 1e9 penalty in: a few ulps of 1e9 (~1e-6 s)
    np.testing.assert_allclose(got[np.isfinite(ref)], ref[np.isfinite(ref)], rtol=1e-12, atol=1e-5)

    def boom(*a, **k):
        raise AssertionError("reduced the graph per call")

    monkeypatch.setattr(roads, "many_to_many", boom)
    monkeypatch.setattr(geoaggl.settings, "use_cache", False)
    assert np.isfinite(roads.od_matrix(g, p.iloc[:20], weight="travel_time").to_numpy()).all()


@needs_kernel
def test_length_raw_od_uses_a_replayed_core_bit_for_bit():
    """The source's chords (whole metres) have no shipped core: the replay answers, exactly."""
    import geoaggl
    from geoaggl import roads
    from geoaggl._roadgraph import unpenalize

    p = geoaggl.prefectures()
    comp = roads.RoadGraph()._compact()
    core = roads._bundled_core(comp, "length_raw")
    assert core is not None
    nodes, _ = comp.snap(p["seat_lon"].to_numpy(), p["seat_lat"].to_numpy())
    ref = unpenalize(dijkstra(comp.csr("length_raw"), indices=nodes)[:, nodes])
    assert np.array_equal(unpenalize(core_many_to_many(core, nodes, nodes)), ref)
