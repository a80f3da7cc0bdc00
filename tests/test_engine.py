"""The blockwise engine: the same numbers locally and on a Dask ``LocalCluster``.

The cluster runs worker *processes*, so every block, generator and shared array really is
pickled and shipped (an in-process cluster would hand the same objects over).  Block sizes are
shrunk with ``monkeypatch`` so that small, fast inputs are cut into many blocks.
"""

from __future__ import annotations

import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest

import geoaggl
from geoaggl import _engine, efficiency, inequality, models
from geoaggl._engine import block_generators, map_blocks
from geoaggl.errors import DataError, GeoagglError, ParameterTypeError

# ---------------------------------------------------------------------------------------- helpers


def _square(i: int, *, offset: int = 0) -> int:
    return i * i + offset


def _take(i: int, *, arr: np.ndarray) -> float:
    return float(arr[i])


def _fail_on_three(i: int) -> int:
    if i == 3:
        raise DataError("block 3 has no data")
    return i


def _foreign_failure(i: int) -> float:
    return float(np.log(np.array(["not a number"]))[0]) + i


def _dagum_model() -> inequality.DagumGini:
    rng = np.random.default_rng(7)
    g = np.repeat(["a", "b", "c", "d"], [60, 50, 40, 50])
    return inequality.dagum_gini(rng.lognormal(0.2 * (g == "b"), 0.5), g)


def _mediation_panel(n: int = 40, t: int = 4) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    mu = np.repeat(rng.normal(size=n), t)
    x = rng.normal(size=n * t) + mu
    m = 0.5 * x + mu + rng.normal(size=n * t)
    return pd.DataFrame(
        {
            "adcode": np.repeat(np.arange(n), t),
            "year": np.tile(np.arange(2010, 2010 + t), n),
            "x": x,
            "m": m,
            "y": 0.3 * x + 0.4 * m + mu + rng.normal(size=n * t),
        }
    )


def _dea_panel(n: int = 60, years: int = 3) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(0)
    idx = pd.MultiIndex.from_product([range(n), range(2010, 2010 + years)], names=["adcode", "year"])
    x = pd.DataFrame(rng.lognormal(size=(len(idx), 2)), index=idx, columns=["labour", "capital"])
    g = pd.DataFrame({"gdp": x.labour**0.4 * x.capital**0.5 * rng.lognormal(0, 0.3, len(idx))})
    b = pd.DataFrame({"so2": g.gdp * rng.lognormal(0, 0.4, len(idx))})
    return x, g, b


class _Spy:
    """A client wrapper that counts the tasks it is given."""

    def __init__(self, client: object) -> None:
        self.client = client
        self.tasks = 0

    def map(self, func, items, **kw):
        items = list(items)
        self.tasks += len(items)
        return self.client.map(func, items, **kw)

    def gather(self, futures):
        return self.client.gather(futures)

    def scatter(self, data, **kw):
        return self.client.scatter(data, **kw)


# ---------------------------------------------------------------------------------------- no Dask needed


def test_import_geoaggl_does_not_import_dask() -> None:
    code = "import sys, geoaggl, geoaggl._engine, geoaggl.efficiency; print('dask' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_map_blocks_local_order_and_shared() -> None:
    assert map_blocks(_square, range(5)) == [0, 1, 4, 9, 16]
    assert map_blocks(_square, [2, 3], shared={"offset": 10}) == [14, 19]
    assert map_blocks(_square, []) == []


@pytest.mark.parametrize("bad", [object(), "tcp://127.0.0.1:8786", 3])
def test_client_without_map_gather_is_parameter_type_error(bad: object, monkeypatch) -> None:
    with pytest.raises(ParameterTypeError, match=r"client must be a dask\.distributed\.Client"):
        map_blocks(_square, range(3), client=bad)
    with pytest.raises(ParameterTypeError, match="client"):
        _dagum_model().bootstrap(10, seed=0, client=bad)
    from geoaggl import spatial

    df, g = _spatial_inputs()
    before = df.copy()
    with pytest.raises(ParameterTypeError, match="client"), warnings.catch_warnings():
        warnings.simplefilter("ignore", geoaggl.errors.GeoagglWarning)
        spatial.check(df, g, permutations=9, seed=1, client=bad)
    with pytest.raises(ParameterTypeError, match="client"), warnings.catch_warnings():
        warnings.simplefilter("ignore", geoaggl.errors.GeoagglWarning)
        spatial.lisa(df["a"], g, permutations=9, seed=1, client=bad)
    pd.testing.assert_frame_equal(df, before)  # the caller's data is untouched
    monkeypatch.setattr(geoaggl.settings, "dask_client", bad)
    with pytest.raises(ParameterTypeError, match=r"geoaggl\.settings\.dask_client"):
        map_blocks(_square, range(3))


def test_block_generators_spawn_without_advancing_block_zero() -> None:
    a, b = np.random.default_rng(11), np.random.default_rng(11)
    gens = block_generators(a, 3)
    assert gens[0] is a
    assert gens[0].random() == b.random()  # block 0 continues the caller's stream
    again = block_generators(np.random.default_rng(11), 3)
    assert [g.random() for g in gens[1:]] == [g.random() for g in again[1:]]
    assert gens[1].random() != gens[2].random()


def test_block_generators_fallback_without_seed_sequence() -> None:
    def legacy() -> np.random.Generator:
        bg = np.random.MT19937()
        bg._legacy_seeding(5)
        return np.random.Generator(bg)

    one, two = block_generators(legacy(), 3), block_generators(legacy(), 3)
    assert [g.random() for g in one] == [g.random() for g in two]


def test_dagum_blocks_local_first_block_is_the_unblocked_stream(monkeypatch) -> None:
    r = _dagum_model()
    first = r.bootstrap(3, seed=2).replicates.to_numpy()  # 3 replicates: one block, the seed's own stream
    whole = r.bootstrap(6, seed=2).replicates.to_numpy()
    monkeypatch.setattr(inequality, "BUDGET", 200 * 4 * 3)  # 3 replicates per block: 2 blocks
    blocked = r.bootstrap(6, seed=2).replicates.to_numpy()
    np.testing.assert_array_equal(blocked[:3], first)
    assert not np.array_equal(blocked, whole)  # block 1 uses its own spawned stream
    child = np.random.default_rng(2).spawn(1)[0]
    np.testing.assert_array_equal(blocked[3:], r._replicates(3, child))


# ---------------------------------------------------------------------------------------- on a cluster


@pytest.fixture(scope="module")
def client():
    distributed = pytest.importorskip("distributed")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cluster = distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=50
        )
        c = distributed.Client(cluster)
    yield c
    c.close()
    cluster.close()


def test_map_blocks_on_cluster_order_and_scatter(client) -> None:
    assert map_blocks(_square, range(7), client=client) == [i * i for i in range(7)]
    assert map_blocks(_square, range(4), client=client, shared={"offset": 1}) == [1, 2, 5, 10]
    big = np.arange(100_000.0) * 2  # scattered once, received by every task
    assert map_blocks(_take, [5, 99_999, 0], client=client, shared={"arr": big}) == [10.0, 199_998.0, 0.0]
    # a second call's array under the same name is not served the first call's data (Dask keys a
    # scattered dict by its keys)
    assert map_blocks(_take, [5, 0], client=client, shared={"arr": -big}) == [-10.0, 0.0]


def test_remote_geoaggl_error_keeps_its_type(client) -> None:
    with pytest.raises(DataError, match="block 3 has no data") as info:
        map_blocks(_fail_on_three, range(5), client=client)
    assert any("Dask" in n for n in getattr(info.value, "__notes__", []))


def test_remote_foreign_error_is_wrapped(client) -> None:
    with pytest.raises(GeoagglError, match="_foreign_failure failed on the Dask client") as info:
        map_blocks(_foreign_failure, range(3), client=client)
    assert not isinstance(info.value, TypeError)
    assert isinstance(info.value.__cause__, TypeError)


def test_dagum_bootstrap_identical_on_cluster(client, monkeypatch) -> None:
    monkeypatch.setattr(inequality, "BUDGET", 200 * 4 * 4)  # 4 replicates per block: 10 blocks
    r = _dagum_model()
    local = r.bootstrap(40, seed=5)
    remote = r.bootstrap(40, seed=5, client=client)
    np.testing.assert_array_equal(local.replicates.to_numpy(), remote.replicates.to_numpy())
    pd.testing.assert_frame_equal(local.ci, remote.ci, check_exact=True)
    # a Generator seed ends in the same state as after a local run (block 0 ran on a copy)
    g_local, g_remote = np.random.default_rng(9), np.random.default_rng(9)
    a = r.bootstrap(12, seed=g_local).replicates.to_numpy()
    b = r.bootstrap(12, seed=g_remote, client=client).replicates.to_numpy()
    np.testing.assert_array_equal(a, b)
    assert g_local.random() == g_remote.random()


def test_mediation_bootstrap_identical_on_cluster(client, monkeypatch) -> None:
    monkeypatch.setattr(models, "BUDGET", 40 * 10)  # 10 draws per block: 6 blocks
    df = _mediation_panel()
    local = models.mediation(df, y="y", x="x", m="m", n_boot=55, seed=4)
    remote = models.mediation(df, y="y", x="x", m="m", n_boot=55, seed=4, client=client)
    assert len(local.boot) == 55
    np.testing.assert_array_equal(local.boot, remote.boot)
    assert local.ci == remote.ci
    assert remote.ci[0] < remote.indirect < remote.ci[1]


@pytest.mark.parametrize("frontier", ["pooled", "year"])
def test_sbm_identical_on_cluster(client, monkeypatch, frontier: str) -> None:
    monkeypatch.setattr(efficiency, "_LP_BLOCK", 16)  # 180 DMUs: 12 blocks pooled
    monkeypatch.setattr(efficiency, "_ND_BLOCK", 40)
    x, g, b = _dea_panel()
    local = efficiency.sbm(x, g, b, rts="vrs", frontier=frontier)
    remote = efficiency.sbm(x, g, b, rts="vrs", frontier=frontier, client=client)
    pd.testing.assert_frame_equal(local, remote, check_exact=True)
    assert remote.index.equals(x.index)
    # the blocks agree with one unblocked family (warm starts differ: equal to 1e-9)
    monkeypatch.setattr(efficiency, "_LP_BLOCK", 100_000)
    whole = efficiency.sbm(x, g, b, rts="vrs", frontier=frontier)
    np.testing.assert_allclose(whole["efficiency"], remote["efficiency"], rtol=0, atol=1e-9)


def test_malmquist_luenberger_identical_on_cluster(client, monkeypatch) -> None:
    monkeypatch.setattr(efficiency, "_LP_BLOCK", 16)
    x, g, b = _dea_panel(50, 3)
    panel = pd.concat([x, g, b], axis=1).reset_index()
    kw = {"inputs": ["labour", "capital"], "good": "gdp", "bad": "so2"}
    with warnings.catch_warnings(record=True) as w_local:
        warnings.simplefilter("always")
        local = efficiency.malmquist_luenberger(panel, **kw)
    with warnings.catch_warnings(record=True) as w_remote:
        warnings.simplefilter("always")
        remote = efficiency.malmquist_luenberger(panel, **kw, client=client)
    pd.testing.assert_frame_equal(local, remote, check_exact=True)
    assert [str(w.message) for w in w_local] == [str(w.message) for w in w_remote]
    assert len(remote) == 100


def test_settings_dask_client_is_honoured_and_reset(client, monkeypatch) -> None:
    monkeypatch.setattr(inequality, "BUDGET", 200 * 4 * 4)
    r = _dagum_model()
    spy = _Spy(client)
    monkeypatch.setattr(geoaggl.settings, "dask_client", spy)
    via_setting = r.bootstrap(20, seed=1).replicates.to_numpy()
    assert spy.tasks == 5
    explicit = _Spy(client)
    r.bootstrap(20, seed=1, client=explicit)  # an explicit client wins over the setting
    assert (spy.tasks, explicit.tasks) == (5, 5)
    monkeypatch.setattr(geoaggl.settings, "dask_client", None)
    local = r.bootstrap(20, seed=1).replicates.to_numpy()
    assert spy.tasks == 5  # reset: runs here again
    np.testing.assert_array_equal(via_setting, local)
    assert _engine.get_client() is None


def _spatial_inputs():
    from libpysal.graph import Graph

    units = geoaggl.prefectures().iloc[:120]
    g = Graph.build_contiguity(units, rook=False)
    rng = np.random.default_rng(21)
    df = pd.DataFrame(
        {
            "a": units["seat_lat"].to_numpy() + rng.normal(0, 1, len(units)),
            "b": rng.gamma(2.0, 1.0, len(units)),
        },
        index=units.index,
    )
    return df, g


def test_spatial_check_identical_on_cluster(client) -> None:
    """One seeded esda call per column × graph × statistic, run on the workers: the same table."""
    from geoaggl import spatial

    df, g = _spatial_inputs()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", geoaggl.errors.GeoagglWarning)
        local = spatial.check(df, {"queen": g, "binary": g.transform("b")}, permutations=199, seed=3)
        remote = spatial.check(
            df, {"queen": g, "binary": g.transform("b")}, permutations=199, seed=3, client=client
        )
    assert len(local) == 12 and local["p_sim"].notna().all()
    pd.testing.assert_frame_equal(local, remote, check_exact=True)


def test_spatial_lisa_identical_on_cluster(client, monkeypatch) -> None:
    """esda's conditional permutations in blocks of units on the workers: the same p_sim."""
    import esda.crand

    from geoaggl import spatial

    monkeypatch.setattr(spatial, "LISA_BLOCK", 25)  # 120 units: 5 blocks
    df, g = _spatial_inputs()
    original = esda.crand.parallel_crand
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", geoaggl.errors.GeoagglWarning)
        local = spatial.lisa(df["a"], g, permutations=499, seed=8)
        remote = spatial.lisa(df["a"], g, permutations=499, seed=8, client=client)
    assert esda.crand.parallel_crand is original  # esda is left as it was
    pd.testing.assert_frame_equal(local, remote, check_exact=True)
    assert local["significant"].any() and (local["p_sim"] >= 1 / 500).all()
    ref = esda.Moran_Local(df["a"].to_numpy(), g, permutations=499, seed=8)  # esda itself, serial
    np.testing.assert_array_equal(remote["p_sim"].to_numpy(), ref.p_sim)


def test_od_matrix_identical_on_cluster(client, monkeypatch) -> None:
    """OD source blocks (the compiled kernel, or the scipy path) shipped to worker processes."""
    from geoaggl import roads

    units = geoaggl.prefectures().iloc[:90]
    monkeypatch.setattr(geoaggl.settings, "use_cache", False)
    roads.clear_cache()
    local = roads.od_matrix(None, units)
    roads.clear_cache()
    monkeypatch.setattr(geoaggl.settings, "dask_client", client)
    remote = roads.od_matrix(None, units)
    roads.clear_cache()
    pd.testing.assert_frame_equal(local, remote, check_exact=True)
    assert np.isfinite(local.to_numpy()).all()
