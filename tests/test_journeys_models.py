"""Issue 9 journeys through models and spatial on the shipped data, with default arguments."""

from __future__ import annotations

import warnings

import esda
import numpy as np
import pandas as pd
import pytest

import geoaggl
from geoaggl import datasets, models, roads, spatial, weights
from geoaggl.errors import DataError, DuplicateMembershipWarning


def _messages(rec: list[warnings.WarningMessage]) -> str:
    return "\n".join(str(r.message) for r in rec)


@pytest.fixture(scope="module")
def queen_road(prefs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        od = roads.od_matrix(roads.china_highways(), prefs)
        queen = weights.contiguity(prefs)
        road = weights.from_od(od, kind="knn", k=6)
        reach = np.isfinite(od.to_numpy()).sum(axis=1) > 1  # 三沙 has no road
        road_reach = weights.from_od(od.loc[reach, reach], kind="knn", k=6)
    return queen, road, road_reach


# ---------------------------------------------------------------------------------------------- spatial.check
def test_check_queen_and_road_each_on_the_units_it_covers(prefs, queen_road):
    queen, _, road = queen_road  # the road graph covers the 366 units with a road, not 三沙
    data = prefs[["name", "seat_lat", "geometry"]]
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        out = spatial.check(data, {"queen": queen, "road": road}, permutations=99, seed=0)
    msgs = _messages(rec)
    q = out[out.weights == "queen"].set_index("statistic")
    r = out[out.weights == "road"].set_index("statistic")
    assert (q["n"] == 367).all() and (r["n"] == 366).all()  # 三沙 stays in the queen test
    y = prefs["seat_lat"].reindex(queen.unique_ids).to_numpy()
    assert q.loc["moran", "value"] == pytest.approx(esda.Moran(y, queen, permutations=0).I, rel=1e-12)
    # nothing dropped silently: 三沙 named for the road graph
    assert "'road' do not cover 1 unit(s)" in msgs and "460300 三沙市" in msgs
    # island links named in the label and warned
    lab = q["weights_label"].iloc[0]
    n_links = int((queen.adjacency.to_numpy() != 0).sum()) // 2  # symmetric: each link stored twice
    assert lab.startswith(f"queen: 367 units, {n_links} links; ")
    assert "2 link(s)" in lab and "湛江" in lab and "海口" in lab and "三沙" in lab and "文昌" in lab
    assert "'queen': 2 of" in msgs
    assert "mostly" not in lab


def test_check_road_graph_with_isolate_keeps_367(prefs, queen_road):
    queen, road, _ = queen_road
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        out = spatial.check(prefs[["seat_lat"]], {"queen": queen, "road": road}, permutations=0)
    assert (out["n"] == 367).all()
    assert "isolate" in _messages(rec) and "460300" in _messages(rec)


def test_check_sparse_queen_is_not_silently_a_chain(prefs):
    capitals = [
        "110100",
        "310000" if "310000" in prefs.index else "310100",
        "420100",
        "430100",
        "510100",
        "610100",
        "530100",
        "450100",
    ]
    sub = prefs.loc[[c for c in capitals if c in prefs.index]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        g = weights.contiguity(sub)
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        out = spatial.check(sub[["seat_lat", "geometry"]], {"queen": g}, permutations=0)
    assert "mostly a chain of nearest-neighbour links" in _messages(rec)
    assert "not contiguity" in out["weights_label"].iloc[0]


def test_check_reads_declared_island_links_without_polygons(prefs, queen_road):
    queen = queen_road[0].copy()
    queen.island_links = [("460300", "469005"), ("460100", "440800")]
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        out = spatial.check(prefs[["name", "seat_lat"]], {"queen": queen}, permutations=0)
    assert "added for islands" in out["weights_label"].iloc[0]
    assert "460300 三沙市" in _messages(rec)


def test_check_fewer_than_three_units_after_missing_is_an_error(prefs, queen_road):
    data = prefs[["seat_lat"]].copy()
    data.iloc[2:, 0] = np.nan  # D19 / C27: 2 units must not give a p-value
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(DataError, match="2 non-missing value"):
            spatial.check(data, {"queen": queen_road[0]})


# ---------------------------------------------------------------------------------------------- models
@pytest.fixture(scope="module")
def cross_section() -> pd.DataFrame:
    yb = datasets.synthetic_yearbook(seed=0)
    cs = yb[yb["year"] == yb["year"].max()].drop(columns=["adcode", "year"]).reset_index(drop=True)
    return cs


def test_mediation_on_a_cross_section_without_keys(cross_section):
    cs = cross_section
    snap = cs.copy()
    med = models.mediation(
        cs,
        y="hgdp",
        x="freight",
        m="制造业",
        fixed_effects=False,
        log=["hgdp", "freight", "制造业"],
        n_boot=199,
        seed=1,
    )
    pd.testing.assert_frame_equal(cs, snap)
    assert med.nobs == len(cs)
    assert med.c == pytest.approx(med.c_prime + med.indirect, rel=1e-9)
    assert len(med.boot) == 199
    # the bootstrap resampled rows: equals the explicit cross-section spelling
    same = models.mediation(
        cs,
        y="hgdp",
        x="freight",
        m="制造业",
        entity=None,
        time=None,
        log=["hgdp", "freight", "制造业"],
        n_boot=199,
        seed=1,
    )
    assert same.ci == med.ci and same.c == med.c


def test_panel_fe_on_a_cross_section_without_keys(cross_section):
    cs = cross_section
    res = models.panel_fe(cs, y="hgdp", x="freight", entity_effects=False, time_effects=False)
    X = np.column_stack([np.ones(len(cs)), cs["freight"]])
    beta = np.linalg.lstsq(X, cs["hgdp"].to_numpy(), rcond=None)[0]
    assert res.params["freight"] == pytest.approx(beta[1], rel=1e-9)
    assert res.cons["coef"] == pytest.approx(beta[0], rel=1e-9)


def test_fixed_effects_without_keys_says_what_to_pass(cross_section):
    with pytest.raises(DataError, match=r"entity='adcode', time='year'.*fixed_effects=False"):
        models.mediation(cross_section, y="hgdp", x="freight", m="制造业", n_boot=0)
    with pytest.raises(DataError, match=r"entity_effects=False, time_effects=False"):
        models.panel_fe(cross_section, y="hgdp", x="freight")


def test_polycentric_national11_counts_cities_in_two_uas():
    mem = geoaggl.agglomerations("national11")
    with pytest.warns(DuplicateMembershipWarning) as rec:
        core = models.polycentric(mem)
    assert len([r for r in rec if issubclass(r.category, DuplicateMembershipWarning)]) == 1
    msg = str(rec[0].message)
    assert "邯郸" in msg and "邢台" in msg and "运城" in msg
    assert core.index.is_unique and len(core) == mem["adcode"].nunique()
    # 邯郸, 邢台: in 京津冀 (polycentric) and 中原; 运城: 中原 and 关中平原 (both monocentric)
    assert core["130400"] == 1 and core["130500"] == 1 and core["140800"] == 0
    with pytest.warns(DuplicateMembershipWarning):
        first = models.polycentric(mem, duplicates="first")
    assert first["130400"] == (1 if mem[mem.adcode == "130400"].agglomeration.iloc[0] == "京津冀" else 0)
    with pytest.raises(DataError, match="邯郸"):
        models.polycentric(mem, duplicates="raise")
