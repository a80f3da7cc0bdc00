"""Tests of geoaggl.indices: hand-derived answers, properties, bad input, alignment.

Known answers are worked out on paper in the comments next to them; no test
needs ../shared.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geoaggl import indices as ix
from geoaggl._errors import DataError, UnknownSchemeError
from geoaggl._validate import as_float_array, check_values, numeric_frame
from geoaggl.datasets import SYNTHETIC_SECTORS, synthetic_employment

REL = 1e-13
PS = list(SYNTHETIC_SECTORS[3:])  # the six producer-service sectors
MF = ["采矿业", "制造业", "电力、燃气及水的生产和供应业"]

pos_float = st.floats(min_value=0.01, max_value=1e6, allow_nan=False, allow_infinity=False)


def approx(x: object) -> object:
    return pytest.approx(x, rel=REL, abs=1e-12)


# --------------------------------------------------------------------------- location quotient


@pytest.fixture
def emp() -> pd.DataFrame:
    # two cities: A services 10 of 40, B services 30 of 60
    return pd.DataFrame(
        {"s": [10.0, 30.0], "s2": [5.0, 0.0], "tot": [40.0, 60.0]},
        index=pd.Index(["110100", "120100"], name="adcode"),
    )


def test_lq_sample_reference(emp: pd.DataFrame) -> None:
    # q_s = 40, q = 100 -> 0.4;  A: (10/40)/0.4 = 0.625;  B: (30/60)/0.4 = 1.25
    lq = ix.location_quotient(emp, "s", total="tot")
    assert lq.tolist() == approx([0.625, 1.25])
    assert lq.index.equals(emp.index) and lq.name == "lq"


def test_lq_list_of_sectors_summed(emp: pd.DataFrame) -> None:
    # s + s2: A 15, B 30; q_s = 45, q = 100 -> 0.45;  A: 0.375/0.45 = 5/6;  B: 0.5/0.45 = 10/9
    lq = ix.location_quotient(emp, ["s", "s2"], total="tot")
    assert lq.tolist() == approx([5 / 6, 10 / 9])


def test_lq_mapping_reference(emp: pd.DataFrame) -> None:
    # national q_s = 100, q = 1000 -> 0.1;  A: 0.25/0.1 = 2.5;  B: 0.5/0.1 = 5
    lq = ix.location_quotient(emp, "s", total="tot", reference={"s": 100.0, "tot": 1000.0})
    assert lq.tolist() == approx([2.5, 5.0])
    lq2 = ix.location_quotient(emp, "s", total="tot", reference=pd.Series({"s": 100.0, "tot": 1000.0}))
    assert lq2.tolist() == approx([2.5, 5.0])
    # a list of sectors sums the reference's columns too: (5 + 15)/1000 = 0.02; A: 0.375/0.02 = 18.75
    lq3 = ix.location_quotient(emp, ["s", "s2"], total="tot", reference={"s": 5.0, "s2": 15.0, "tot": 1000.0})
    assert lq3.tolist() == approx([18.75, 25.0])


def test_lq_panel_per_year_and_reference_by_year() -> None:
    # 2010: A 10/40, B 30/60 -> ref 0.4 -> 0.625, 1.25
    # 2011: A 20/50, B 20/50 -> ref 0.4 -> 1, 1
    df = pd.DataFrame(
        {
            "adcode": ["a", "b", "a", "b"],
            "year": [2010, 2010, 2011, 2011],
            "s": [10.0, 30.0, 20.0, 20.0],
            "tot": [40.0, 60.0, 50.0, 50.0],
        }
    )
    lq = ix.location_quotient(df, "s", total="tot")
    assert lq.tolist() == approx([0.625, 1.25, 1.0, 1.0])
    assert lq.index.equals(df.index)
    # national totals by year: 2010 0.5, 2011 0.25 -> 0.5, 1.0 | 1.6, 1.6
    ref = pd.DataFrame({"s": [50.0, 25.0], "tot": [100.0, 100.0]}, index=[2010, 2011])
    lq = ix.location_quotient(df, "s", total="tot", reference=ref)
    assert lq.tolist() == approx([0.5, 1.0, 1.6, 1.6])
    # same with (adcode, year) MultiIndex
    # unnamed two-level MultiIndex is read as (adcode, year)
    unnamed = df.set_index(["adcode", "year"]).rename_axis([None, None])
    assert ix.location_quotient(unnamed, "s", total="tot").tolist() == approx([0.625, 1.25, 1.0, 1.0])
    with pytest.raises(DataError, match="missing 'year'"):
        ix.location_quotient(df.assign(year=[2010, np.nan, 2011, 2011]), "s", total="tot")
    mi = df.set_index(["adcode", "year"])
    lq = ix.location_quotient(mi, "s", total="tot", reference=ref)
    assert lq.index.equals(mi.index)
    assert lq.tolist() == approx([0.5, 1.0, 1.6, 1.6])
    with pytest.raises(DataError, match="2011"):
        ix.location_quotient(df, "s", total="tot", reference=ref.loc[[2010]])
    with pytest.raises(DataError, match="panel"):
        ix.location_quotient(df.drop(columns="year").iloc[:2], "s", total="tot", reference=ref)


def test_lq_bad_inputs(emp: pd.DataFrame) -> None:
    bad = emp.copy()
    bad.loc["120100", "s"] = np.nan
    with pytest.raises(DataError, match="120100"):
        ix.location_quotient(bad, "s", total="tot")
    bad = emp.copy()
    bad.loc["110100", "s"] = -1.0
    with pytest.raises(DataError, match=r"negative.*110100"):
        ix.location_quotient(bad, "s", total="tot")
    bad = emp.copy()
    bad.loc["110100", "tot"] = 0.0
    with pytest.raises(DataError, match="110100"):
        ix.location_quotient(bad, "s", total="tot")
    bad = emp.copy()
    bad.loc["110100", "s"] = np.inf
    with pytest.raises(DataError, match="infinite"):
        ix.location_quotient(bad, "s", total="tot")
    bad = emp.assign(s=["10", "30"])
    with pytest.raises(DataError, match="non-numeric"):
        ix.location_quotient(bad, "s", total="tot")
    with pytest.raises(DataError, match="nope"):
        ix.location_quotient(emp, "nope", total="tot")
    with pytest.raises(DataError, match="zero reference"):
        ix.location_quotient(emp.assign(s=0.0), "s", total="tot")
    with pytest.raises(DataError, match="'tot'"):
        ix.location_quotient(emp, "s", total="tot", reference={"s": 1.0})
    dup = pd.concat([emp, emp.iloc[[0]]])
    with pytest.raises(DataError, match="duplicated"):
        ix.location_quotient(dup, "s", total="tot")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(pos_float, pos_float), min_size=1, max_size=8), st.data())
def test_lq_city_equal_to_reference_is_one(rows: list[tuple[float, float]], data: st.DataObject) -> None:
    # sector = a * total so shares are in (0, 1]; reference = city i's own figures scaled
    df = pd.DataFrame({"s": [a * b / 1e6 for a, b in rows], "tot": [b for _, b in rows]})
    i = data.draw(st.integers(0, len(df) - 1))
    scale = data.draw(st.floats(min_value=1.0, max_value=1e4))
    ref = {"s": df["s"].iloc[i] * scale, "tot": df["tot"].iloc[i] * scale}
    lq = ix.location_quotient(df, "s", total="tot", reference=ref)
    assert lq.iloc[i] == pytest.approx(1.0, rel=1e-12)
    # a sample where every city has the same share: every LQ is 1
    same = pd.DataFrame({"s": 0.3 * df["tot"], "tot": df["tot"]})
    assert ix.location_quotient(same, "s", total="tot").tolist() == pytest.approx([1.0] * len(df), rel=1e-12)


# --------------------------------------------------------------------------- co-agglomeration


def test_coagglomeration_known() -> None:
    # (0.5, 1.5): 1 - 1/2 + 2 = 2.5;  (1, 1): 1 - 0 + 2 = 3;  (2, 0): 1 - 2/2 + 2 = 2
    m = pd.Series([0.5, 1.0, 2.0], index=["a", "b", "c"])
    s = pd.Series([1.5, 1.0, 0.0], index=["a", "b", "c"])
    y = ix.coagglomeration(m, s)
    assert y.tolist() == approx([2.5, 3.0, 2.0])
    assert y.name == "coagglomeration"


def test_coagglomeration_aligns_by_index() -> None:
    m = pd.Series([0.5, 1.0], index=["a", "b"])
    s = pd.Series([1.0, 1.5], index=["b", "a"])  # other order
    y = ix.coagglomeration(m, s)
    assert list(y.index) == ["a", "b"]
    assert y.tolist() == approx([2.5, 3.0])


def test_coagglomeration_bad() -> None:
    m = pd.Series([0.5, 1.0], index=["a", "b"])
    with pytest.raises(DataError, match=r"only in lq_manufacturing: 'b'.*only in lq_services: 'z'"):
        ix.coagglomeration(m, pd.Series([1.0, 1.0], index=["a", "z"]))
    with pytest.raises(DataError, match="'a'"):
        ix.coagglomeration(pd.Series([0.0, 1.0], index=["a", "b"]), pd.Series([0.0, 1.0], index=["a", "b"]))
    with pytest.raises(DataError, match="NaN"):
        ix.coagglomeration(pd.Series([np.nan, 1.0], index=["a", "b"]), m)
    with pytest.raises(DataError, match="duplicated"):
        ix.coagglomeration(pd.Series([1.0, 1.0], index=["a", "a"]), m)
    with pytest.raises(TypeError):
        ix.coagglomeration([1.0], m)  # type: ignore[arg-type]


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(st.floats(0, 50), st.floats(0, 50)).filter(lambda t: t[0] + t[1] > 1e-6),
        min_size=1,
        max_size=10,
    )
)
def test_coagglomeration_properties(pairs: list[tuple[float, float]]) -> None:
    m = pd.Series([p[0] for p in pairs])
    s = pd.Series([p[1] for p in pairs])
    y1, y2 = ix.coagglomeration(m, s), ix.coagglomeration(s, m)
    assert np.array_equal(y1.to_numpy(), y2.to_numpy())  # symmetric
    assert (y1 >= (m + s) - 1e-12).all()  # quality term in [0, 1]
    assert (y1 <= (m + s) + 1 + 1e-12).all()
    assert ix.coagglomeration(m * 0 + 1, s * 0 + 1).tolist() == [3.0] * len(pairs)


# --------------------------------------------------------------------------- Krugman


@pytest.fixture
def three_cities() -> pd.DataFrame:
    return pd.DataFrame(
        {"x": [10.0, 6.0, 0.0], "y": [0.0, 2.0, 10.0], "z": [10.0, 2.0, 10.0], "ua": ["N", "N", "N"]},
        index=pd.Index(["a", "b", "c"], name="adcode"),
    )


def test_krugman_known(three_cities: pd.DataFrame) -> None:
    # A: s=(.5,0,.5); rest B+C=(6,12,12)/30=(.2,.4,.4): .3+.4+.1 = 0.8
    # B: s=(.6,.2,.2); rest A+C=(10,10,20)/40=(.25,.25,.5): .35+.05+.3 = 0.7
    # C: s=(0,.5,.5); rest A+B=(16,2,12)/30: 8/15 + 13/30 + 1/10 = 32/30 = 16/15
    k = ix.krugman_specialization(three_cities, group="ua")
    assert k.tolist() == approx([0.8, 0.7, 16 / 15])
    assert k.index.equals(three_cities.index) and k.name == "krugman"
    # group given as a mapping keyed by adcode, sectors explicit
    k2 = ix.krugman_specialization(three_cities[["x", "y", "z"]], group={"a": 1, "b": 1, "c": 1})
    assert k2.tolist() == approx([0.8, 0.7, 16 / 15])


def test_krugman_groups_and_years_separate(three_cities: pd.DataFrame) -> None:
    # a second UA and a second year must not change UA "N" in 2010
    other = pd.DataFrame(
        {"x": [1.0, 9.0], "y": [5.0, 0.0], "z": [0.0, 1.0], "ua": ["S", "S"]},
        index=pd.Index(["d", "e"], name="adcode"),
    )
    y10 = pd.concat([three_cities, other]).assign(year=2010)
    y11 = three_cities.assign(year=2011, x=[1.0, 1.0, 1.0], y=[1.0, 1.0, 1.0], z=[1.0, 1.0, 1.0])
    panel = pd.concat([y10, y11]).reset_index()
    k = ix.krugman_specialization(panel, group="ua")
    assert k.iloc[:3].tolist() == approx([0.8, 0.7, 16 / 15])
    # S: d (1/6, 5/6, 0) vs e (.9, 0, .1): |1/6-.9| + 5/6 + .1 = 22/30 + 25/30 + 3/30 = 5/3
    assert k.iloc[3:5].tolist() == approx([5 / 3, 5 / 3])
    assert k.iloc[5:].tolist() == approx([0.0, 0.0, 0.0])


@settings(max_examples=60, deadline=None)
@given(st.lists(pos_float, min_size=2, max_size=6), st.lists(pos_float, min_size=2, max_size=6))
def test_krugman_identical_zero_disjoint_two(shares: list[float], sizes: list[float]) -> None:
    n = len(sizes)
    # identical structures: every city is a multiple of the same sector vector -> 0
    e = pd.DataFrame(np.outer(sizes, shares), columns=[f"s{j}" for j in range(len(shares))])
    assert ix.krugman_specialization(e, group=[0] * n).to_numpy() == pytest.approx(np.zeros(n), abs=1e-12)
    # disjoint: city i only in sector i -> 2
    d = pd.DataFrame(np.diag(sizes), columns=[f"s{j}" for j in range(n)])
    two = ix.krugman_specialization(d, group=["g"] * n).to_numpy()
    assert two == pytest.approx(np.full(n, 2.0), rel=1e-12)


def test_krugman_bad(three_cities: pd.DataFrame) -> None:
    with pytest.raises(DataError, match="single city in 'M'"):
        ix.krugman_specialization(three_cities.assign(ua=["N", "N", "M"]), group="ua")
    with pytest.raises(DataError, match="'c'"):
        ix.krugman_specialization(three_cities, group={"a": 1, "b": 1})
    with pytest.raises(DataError, match="'b'"):
        ix.krugman_specialization(three_cities.assign(ua=["N", None, "N"]), group="ua")
    with pytest.raises(DataError, match="'a'"):
        ix.krugman_specialization(three_cities.assign(x=[0.0, 6.0, 0.0], z=[0.0, 2.0, 10.0]), group="ua")
    with pytest.raises(DataError, match="name"):
        ix.krugman_specialization(three_cities.assign(name=["甲", "乙", "丙"]), group="ua")


# --------------------------------------------------------------------------- division of labour


@pytest.fixture
def ua() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "s": [6.0, 2.0, 2.0],
            "m": [4.0, 8.0, 8.0],
            "m2": [0.0, 0.0, 0.0],
            "ua": ["N", "N", "N"],
            "central": [True, False, False],
        },
        index=pd.Index(["k", "p1", "p2"], name="adcode"),
    )


def test_division_known(ua: pd.DataFrame) -> None:
    # L_NS = 10, L_NM = 20 (all cities).  k: (6/4)/(10/20) = 1.5/0.5 = 3;  p: (8/2)/(20/10) = 4/2 = 2
    d = ix.division_of_labour(ua, services="s", manufacturing=["m", "m2"], group="ua", central="central")
    assert d.tolist() == approx([3.0, 2.0, 2.0])
    assert d.index.equals(ua.index) and d.name == "div"
    # flags and groups as Series keyed by adcode, 1/0 accepted
    d2 = ix.division_of_labour(
        ua,
        services=["s"],
        manufacturing="m",
        group=pd.Series({"k": "N", "p1": "N", "p2": "N"}),
        central=pd.Series({"p2": 0, "p1": 0, "k": 1}),
    )
    assert d2.tolist() == approx([3.0, 2.0, 2.0])


def test_division_panel(ua: pd.DataFrame) -> None:
    # 2011: k s=4 m=4, p s=2 m=6 twice -> L_NS=8, L_NM=16; k: 1/(0.5) = 2; p: 3/2 = 1.5
    y11 = ua.assign(s=[4.0, 2.0, 2.0], m=[4.0, 6.0, 6.0])
    panel = pd.concat({2010: ua, 2011: y11}, names=["year"]).swaplevel().sort_index(level="year")
    d = ix.division_of_labour(panel, services="s", manufacturing="m", group="ua", central="central")
    assert d.index.equals(panel.index)
    assert d.tolist() == approx([3.0, 2.0, 2.0, 2.0, 1.5, 1.5])


def test_group_series_keyed_by_adcode_on_panel(ua: pd.DataFrame) -> None:
    panel = pd.concat({2010: ua, 2011: ua}, names=["year"]).swaplevel()
    grp = pd.Series({"p2": "N", "k": "N", "p1": "N"}, name="UA")
    cen = pd.Series({"k": True, "p1": False, "p2": False})
    d = ix.division_of_labour(panel, services="s", manufacturing="m", group=grp, central=cen)
    assert d.tolist() == approx([3.0, 2.0, 2.0] * 2)
    with pytest.raises(DataError, match=r"\('p2', 2010\)"):
        ix.division_of_labour(panel, services="s", manufacturing="m", group=grp.drop("p2"), central=cen)


def test_division_bad(ua: pd.DataFrame) -> None:
    with pytest.raises(DataError, match="'k'"):
        ix.division_of_labour(
            ua.assign(m=[0.0, 8.0, 8.0]), services="s", manufacturing="m", group="ua", central="central"
        )
    with pytest.raises(DataError, match="'p1'"):
        ix.division_of_labour(
            ua.assign(s=[6.0, 0.0, 2.0]), services="s", manufacturing="m", group="ua", central="central"
        )
    with pytest.raises(DataError, match=r"True/False.*'p1'"):
        ix.division_of_labour(
            ua.assign(central=[True, "no", False]),
            services="s",
            manufacturing="m",
            group="ua",
            central="central",
        )
    with pytest.raises(DataError, match="'p2'"):
        ix.division_of_labour(
            ua, services="s", manufacturing="m", group="ua", central={"k": True, "p1": False}
        )


# --------------------------------------------------------------------------- disparity


def test_disparity_known() -> None:
    # UA N polycentric: a=5, b=3 central -> mean 4; c: 4-2 = 2, d: 4-1 = 3
    # UA S monocentric: e=10 central; f: 10-4 = 6
    x = pd.Series([5.0, 3.0, 2.0, 1.0, 10.0, 4.0], index=list("abcdef"))
    grp = {"a": "N", "b": "N", "c": "N", "d": "N", "e": "S", "f": "S"}
    cen = {k: k in "abe" for k in "abcdef"}
    d = ix.disparity(x, group=grp, central=cen)
    assert d.index.equals(x.index) and d.name == "disparity"
    np.testing.assert_allclose(d.to_numpy(), [np.nan, np.nan, 2.0, 3.0, np.nan, 6.0])


def test_disparity_panel_dataframe() -> None:
    df = pd.DataFrame(
        {
            "adcode": ["a", "b", "a", "b"],
            "year": [1, 1, 2, 2],
            "v": [5.0, 3.0, 6.0, 7.0],
            "c": [True, False, True, False],
        }
    )
    d = ix.disparity(df, value="v", group={"a": 1, "b": 1}, central="c")
    np.testing.assert_allclose(d.to_numpy(), [np.nan, 2.0, np.nan, -1.0])  # negative gap kept


def test_disparity_bad() -> None:
    x = pd.Series([1.0, 2.0], index=["a", "b"])
    with pytest.raises(DataError, match="none in 'N'"):
        ix.disparity(x, group={"a": "N", "b": "N"}, central={"a": False, "b": False})
    with pytest.raises(DataError, match="'b'"):
        ix.disparity(
            pd.Series([1.0, np.nan], index=["a", "b"]),
            group={"a": 1, "b": 1},
            central={"a": True, "b": False},
        )
    with pytest.raises(DataError, match="value="):
        ix.disparity(x.to_frame("v"), group={"a": 1, "b": 1}, central={"a": True, "b": False})


# --------------------------------------------------------------------------- mono index


@settings(max_examples=60, deadline=None)
@given(st.floats(0.05, 3.0), st.floats(1.0, 1e7), st.integers(3, 40), st.booleans(), st.randoms())
def test_mono_power_law_exact(q: float, a: float, n: int, corr: bool, rnd: object) -> None:
    r = np.arange(1, n + 1, dtype=float)
    pop = a * (r - 0.5 if corr else r) ** -q
    labels = [f"c{i}" for i in range(n)]
    rnd.shuffle(labels)  # type: ignore[attr-defined]
    m = ix.mono_index(pd.Series(pop, index=labels), correction=corr)
    assert m.q == pytest.approx(q, rel=1e-9, abs=1e-12)
    assert m.C == pytest.approx(math.log(a), rel=1e-9, abs=1e-9)
    assert m.r2 == pytest.approx(1.0, abs=1e-9)
    assert m.monocentric == (m.q > 0.5)
    assert m.centres[0] == labels[0]


def test_mono_known_three() -> None:
    # pop = 60/R: 60, 30, 20 -> ln pop = ln 60 - 1 * ln R exactly: q = 1, C = ln 60
    m = ix.mono_index(pd.Series({"x": 30.0, "y": 60.0, "z": 20.0}))
    assert m.q == pytest.approx(1.0, rel=1e-14)
    assert m.C == pytest.approx(math.log(60), rel=1e-14)
    assert m.ranks.to_dict() == {"x": 2, "y": 1, "z": 3}
    assert m.monocentric and m.centres == ["y"] and m.n_centres == 1 and m.n == 3


def test_mono_centres_iteration() -> None:
    # tail 1000 * R^-0.6 for R = 1..3 (1000, 659.75, 517.32) with three near-equal cities inserted
    # after the largest: q = 0.308, drop c1 -> 0.376, drop c2 -> 0.474, drop c3 -> exactly 0.6 > 0.5
    tail = 1000 * np.arange(1, 4) ** -0.6
    pop = pd.Series([tail[0], 990.0, 980.0, 970.0, tail[1], tail[2]], index=[f"c{i}" for i in range(6)])
    m = ix.mono_index(pop)
    assert not m.monocentric
    assert m.centres == ["c0", "c1", "c2", "c3"] and m.n_centres == 4
    assert m.converged and len(m.q_path) == 4
    assert m.q_path[-1] == pytest.approx(0.6, rel=1e-12)
    assert all(q <= 0.5 for q in m.q_path[:-1])


def test_mono_stops_at_three() -> None:
    # flat: 5 cities -> refits on 4 and 3 cities, then stops (2 would remain): 3 centres, not converged
    m = ix.mono_index(pd.Series([100.0, 99.0, 98.0, 97.0, 96.0], index=list("abcde")))
    assert m.centres == ["a", "b", "c"] and not m.converged and len(m.q_path) == 3
    eq = ix.mono_index(pd.Series([10.0, 10.0, 10.0], index=list("abc")))
    assert eq.q == 0.0 and math.copysign(1, eq.q) == 1 and math.isnan(eq.r2) and eq.centres == ["a"]


def test_mono_threshold_and_correction() -> None:
    pop = pd.Series([100.0, 50.0, 100 / 3, 25.0], index=list("abcd"))
    # q = 1 <= 1.5: drop b, refit on (a, c, d); dropping c would leave 2 cities -> stop
    high = ix.mono_index(pop, threshold=1.5)
    assert high.centres == ["a", "b"] and not high.monocentric and len(high.q_path) == 2
    # Gabaix-Ibragimov: x = ln(R - 1/2); hand-free check against a direct OLS
    x, y = np.log(np.arange(1, 5) - 0.5), np.log(pop.to_numpy())
    slope, intercept = np.polyfit(x, y, 1)
    m = ix.mono_index(pop, correction=True)
    assert m.q == pytest.approx(-slope, rel=1e-12) and m.C == pytest.approx(intercept, rel=1e-12)


def test_mono_bad() -> None:
    with pytest.raises(DataError, match="at least 3"):
        ix.mono_index(pd.Series([1.0, 2.0], index=["a", "b"]))
    with pytest.raises(DataError, match="'b'"):
        ix.mono_index(pd.Series([1.0, 0.0, 3.0], index=["a", "b", "c"]))
    with pytest.raises(DataError, match="'c'"):
        ix.mono_index(pd.Series([1.0, 2.0, np.nan], index=["a", "b", "c"]))
    with pytest.raises(DataError, match="duplicated"):
        ix.mono_index(pd.Series([1.0, 2.0, 3.0], index=["a", "a", "c"]))


def test_mono_by_group() -> None:
    df = pd.DataFrame(
        {
            "adcode": list("abcdefg") * 2,
            "year": [2010] * 7 + [2011] * 7,
            "pop": [60.0, 30.0, 20.0, 100.0, 99.0, 98.0, 97.0] * 2,
            "ua": ["N"] * 3 + ["S"] * 4 + ["N"] * 3 + ["S"] * 4,
        }
    )
    out = ix.mono_index_by_group(df, value="pop", group="ua")
    assert list(out.index) == [("N", 2010), ("N", 2011), ("S", 2010), ("S", 2011)]
    assert out.index.names == ["ua", "year"]
    assert out.loc[("N", 2010), "q"] == pytest.approx(1.0, rel=1e-14)
    assert out.loc[("N", 2010), "centres"] == ["a"]
    assert out.loc[("S", 2011), "centres"] == ["d", "e"]  # 4 cities: refit on 3, then stop
    assert not out.loc[("S", 2011), "monocentric"]
    assert list(out.columns) == ["n", "q", "C", "r2", "monocentric", "n_centres", "converged", "centres"]
    cross = ix.mono_index_by_group(df[df.year == 2010].drop(columns="year"), value="pop", group="ua")
    assert list(cross.index) == ["N", "S"] and cross.index.name == "ua"
    with pytest.raises(DataError, match="'N'"):
        ix.mono_index_by_group(df[df.year == 2010].iloc[1:], value="pop", group="ua")


# --------------------------------------------------------------------------- integration index


@pytest.fixture
def integ() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "ua": ["G1"] * 2 + ["G2"] * 2 + ["G3"] * 4,
            "x1": [1.0, 3.0, 4.0, 4.0, 2.0, 4.0, 4.0, 6.0],
            "x2": [1.0, 1.0, 2.0, 6.0, 1.5, 2.5, 1.5, 2.5],
            "x3": [2.0, 2.0, 1.0, 3.0, 2.0, 2.0, 2.0, 2.0],
        },
        index=pd.Index([f"c{i}" for i in range(8)], name="adcode"),
    )


INDICATORS = {"x1": ("D1", "+"), "x2": ("D1", "-"), "x3": ("D2", "+")}


def test_integration_hand_example(integ: pd.DataFrame) -> None:
    s2 = math.sqrt(2)
    res = ix.integration_index(integ, indicators=INDICATORS, group="ua")
    # cv (population SD / mean):
    #   x1: G1 [1,3] sd 1 / 2 = .5;  G2 [4,4] 0;  G3 [2,4,4,6] sd sqrt(2) / 4
    #   x2: G1 0;  G2 [2,6] 2/4 = .5;  G3 [1.5,2.5,1.5,2.5] .5/2 = .25
    #   x3: G1 0;  G2 [1,3] .5;  G3 0
    np.testing.assert_allclose(res.cv.to_numpy(), [[0.5, 0, 0], [0, 0.5, 0.5], [s2 / 4, 0.25, 0]], rtol=REL)
    # k = (max - cv)/(max - min) * 100, max .5 min 0 for every indicator
    k = [[0, 100, 100], [100, 0, 0], [100 - 50 * s2, 50, 100]]
    np.testing.assert_allclose(res.k.to_numpy(), k, rtol=REL, atol=1e-12)
    # R = n / 8: .25, .25, .5
    assert res.R.tolist() == approx([0.25, 0.25, 0.5])
    # f: x1 levels 2, 4, 4 -> 0, 1, 1;  x2 (negative) levels 1, 4, 2 -> fwd 0, 1, 1/3, rev 1, 0, 2/3
    #    -> sqrt(fwd*rev) = 0, 0, sqrt(2)/3;  x3 levels all 2 -> range 0 -> f = 1
    np.testing.assert_allclose(res.f.to_numpy(), [[0, 0, 1], [1, 0, 1], [1, s2 / 3, 1]], rtol=REL, atol=1e-15)
    # K = k R f:  G1 (0, 0, 25);  G2 (25, 0, 0);  G3 ((100-50 sqrt2)/2, 50*.5*sqrt2/3, 50)
    K = [[0, 0, 25], [25, 0, 0], [50 - 25 * s2, 25 * s2 / 3, 50]]
    np.testing.assert_allclose(res.K.to_numpy(), K, rtol=REL, atol=1e-12)
    # D1 = mean(K x1, K x2), D2 = K x3;  G3 D1 = 25 - 25 sqrt2 / 3
    dims = [[0, 25], [12.5, 0], [25 - 25 * s2 / 3, 50]]
    np.testing.assert_allclose(res.dimensions.to_numpy(), dims, rtol=REL, atol=1e-12)
    assert list(res.dimensions.columns) == ["D1", "D2"]
    assert list(res.dimensions.index) == ["G1", "G2", "G3"] and res.dimensions.index.name == "ua"
    overall = [12.5, 6.25, 37.5 - 12.5 * s2 / 3]
    assert res.overall.tolist() == approx(overall)
    # cv_between D2: 25, 0, 50 -> mean 25, population SD sqrt(1250/3) -> sqrt(2/3)
    assert res.cv_between["D2"] == pytest.approx(math.sqrt(2 / 3), rel=REL)
    d1 = np.array([0, 12.5, 25 - 25 * s2 / 3])
    assert res.cv_between["D1"] == pytest.approx(d1.std() / d1.mean(), rel=REL)


def test_integration_switches(integ: pd.DataFrame) -> None:
    plain = ix.integration_index(
        integ, indicators=INDICATORS, group="ua", size_adjust=False, level_adjust=False
    )
    np.testing.assert_allclose(plain.K.to_numpy(), plain.k.to_numpy())
    assert (plain.R == 1).all() and (plain.f.to_numpy() == 1).all()
    with pytest.raises(UnknownSchemeError):
        ix.integration_index(integ, indicators={"x1": ("D1", "up")}, group="ua")
    with pytest.raises(UnknownSchemeError):
        ix.integration_index(integ, indicators=INDICATORS, group="ua", cv_scope="year")  # type: ignore[arg-type]


def test_integration_panel_scopes(integ: pd.DataFrame) -> None:
    # year 2: x1 of G1 becomes [2, 2] (cv 0).  cv_scope="all": max cv of x1 over all UA-years stays .5
    y2 = integ.copy()
    y2.loc[["c0", "c1"], "x1"] = 2.0
    panel = pd.concat({1: integ, 2: y2}, names=["year"]).reorder_levels(["adcode", "year"])
    res = ix.integration_index(panel, indicators=INDICATORS, group="ua")
    assert res.k.index.names == ["ua", "year"]
    assert res.k.loc[("G1", 2), "x1"] == pytest.approx(100.0)
    assert res.k.loc[("G3", 2), "x1"] == pytest.approx(100 - 50 * math.sqrt(2), rel=REL)
    # "time": in year 2 x1's cvs are 0, 0, sqrt2/4 -> G3 k = 0
    res_t = ix.integration_index(panel, indicators=INDICATORS, group="ua", cv_scope="time")
    assert res_t.k.loc[("G3", 2), "x1"] == pytest.approx(0.0, abs=1e-12)
    assert res_t.k.loc[("G3", 1), "x1"] == pytest.approx(100 - 50 * math.sqrt(2), rel=REL)
    # level_scope: year 1 alone matches the cross-section; "all" normalises over both years
    cross = ix.integration_index(integ, indicators=INDICATORS, group="ua")
    np.testing.assert_allclose(res.f.xs(1, level="year").to_numpy(), cross.f.to_numpy())
    res_a = ix.integration_index(panel, indicators=INDICATORS, group="ua", level_scope="all")
    assert res_a.f.loc[("G1", 1), "x1"] == 0.0 and res_a.f.loc[("G1", 2), "x1"] == 0.0
    assert list(res.cv_between.index) == [1, 2] and res.cv_between.index.name == "year"


def test_integration_bad(integ: pd.DataFrame) -> None:
    with pytest.raises(DataError, match="single city in 'G9'"):
        ix.integration_index(
            integ.assign(ua=["G1"] * 2 + ["G2"] * 2 + ["G3"] * 3 + ["G9"]), indicators=INDICATORS, group="ua"
        )
    with pytest.raises(DataError, match="'G1', 'x3'"):
        ix.integration_index(
            integ.assign(x3=[0.0, 0.0, 1.0, 3.0, 2.0, 2.0, 2.0, 2.0]), indicators=INDICATORS, group="ua"
        )
    zero = integ.assign(x3=[0.0, 0.0, 1.0, 3.0, 2.0, 2.0, 2.0, 2.0])
    res = ix.integration_index(zero, indicators=INDICATORS, group="ua", zero_mean="zero")
    # G1 x3 all 0 -> cv 0 -> k 100, but level 0 is the minimum -> f 0 -> K 0
    assert res.cv.loc["G1", "x3"] == 0.0 and res.k.loc["G1", "x3"] == 100.0 and res.K.loc["G1", "x3"] == 0.0
    with pytest.raises(DataError, match="'c5'"):
        ix.integration_index(
            integ.assign(x2=[1.0, 1.0, 2.0, 6.0, 1.5, np.nan, 1.5, 2.5]), indicators=INDICATORS, group="ua"
        )
    with pytest.raises(DataError, match="'c7'"):
        ix.integration_index(
            integ.assign(ua=["G1"] * 2 + ["G2"] * 2 + ["G3"] * 3 + [np.nan]),
            indicators=INDICATORS,
            group="ua",
        )
    with pytest.raises(DataError, match="non-empty"):
        ix.integration_index(integ, indicators={}, group="ua")


# --------------------------------------------------------------------------- transport


def test_transport_broadcast() -> None:
    # a: 2 km x (1, 2) -> 2, 4;  b: 3 km x 5 -> 15
    d = pd.Series({"a": 2.0, "b": 3.0, "central": np.nan})  # unused NaN distance is fine
    fr = pd.Series(
        [1.0, 2.0, 5.0],
        index=pd.MultiIndex.from_tuples([("a", 2010), ("a", 2011), ("b", 2010)], names=["adcode", "year"]),
    )
    t = ix.transport(d, fr)
    assert t.tolist() == approx([2.0, 4.0, 15.0]) and t.index.equals(fr.index) and t.name == "trans"
    flat = ix.transport({"a": 2.0, "b": 3.0}, pd.Series({"b": 5.0, "a": 1.0}))
    assert flat.to_dict() == {"b": 15.0, "a": 2.0}


def test_transport_bad() -> None:
    fr = pd.Series([1.0, 2.0], index=["a", "zz"])
    with pytest.raises(DataError, match="'zz'"):
        ix.transport(pd.Series({"a": 1.0}), fr)
    with pytest.raises(DataError, match="'a'"):
        ix.transport(pd.Series({"a": -1.0, "zz": 1.0}), fr)
    with pytest.raises(DataError, match="'a'"):
        ix.transport(pd.Series({"a": np.nan, "zz": 1.0}), fr)


# --------------------------------------------------------------------------- generic behaviour


def test_inputs_not_mutated() -> None:
    df = synthetic_employment(seed=3)
    df["central"] = df.groupby("agglomeration")["adcode"].transform("first") == df["adcode"]
    df["pop"] = df["合计"] * 10
    before = df.copy(deep=True)
    ix.location_quotient(df, PS, total="合计")
    ix.krugman_specialization(df, group="agglomeration", sectors=list(SYNTHETIC_SECTORS))
    ix.division_of_labour(df, services=PS, manufacturing=MF, group="agglomeration", central="central")
    ix.disparity(df, value="合计", group="agglomeration", central="central")
    ix.mono_index_by_group(df, value="pop", group="agglomeration")
    ix.integration_index(df, indicators={"金融业": ("a", "+"), "制造业": ("b", "-")}, group="agglomeration")
    pd.testing.assert_frame_equal(df, before)
    s = pd.Series([3.0, 1.0, 2.0], index=["x", "y", "z"])
    s0 = s.copy()
    ix.mono_index(s)
    ix.coagglomeration(s, s)
    pd.testing.assert_series_equal(s, s0)


def test_synthetic_pipeline_matches_direct_formulas() -> None:
    df = synthetic_employment(seed=7)
    lq_s = ix.location_quotient(df, PS, total="合计")
    lq_m = ix.location_quotient(df, "制造业", total="合计")
    # independent pandas computation, per year
    q_cs = df[PS].sum(axis=1)
    ref = df.assign(q_cs=q_cs).groupby("year")[["q_cs", "合计"]].transform("sum")
    expect = (q_cs / df["合计"]) / (ref["q_cs"] / ref["合计"])
    np.testing.assert_allclose(lq_s.to_numpy(), expect.to_numpy(), rtol=1e-14)
    y = ix.coagglomeration(lq_m, lq_s)
    expect_y = (1 - (lq_m - lq_s).abs() / (lq_m + lq_s)) + (lq_m + lq_s)
    np.testing.assert_allclose(y.to_numpy(), expect_y.to_numpy(), rtol=1e-15)


def test_geodataframe_subset(prefs) -> None:  # type: ignore[no-untyped-def]
    sub = prefs.loc[["110100", "120100", "130100", "130200"]].copy()
    sub["s"] = [50.0, 20.0, 10.0, 8.0]
    sub["m"] = [20.0, 40.0, 30.0, 50.0]
    sub["tot"] = [200.0, 150.0, 100.0, 120.0]
    sub["ua"] = "京津冀"
    sub["central"] = [True, True, True, False]
    sub["lq"] = ix.location_quotient(sub, "s", total="tot")
    sub["k"] = ix.krugman_specialization(sub, group="ua", sectors=["s", "m"])
    sub["div"] = ix.division_of_labour(sub, services="s", manufacturing="m", group="ua", central="central")
    sub["gap"] = ix.disparity(sub, value="tot", group="ua", central="central")
    assert sub["lq"].notna().all() and sub.index.name == "adcode"
    # 唐山: (8/120)/(88/570)
    assert sub.loc["130200", "lq"] == pytest.approx((8 / 120) / (88 / 570), rel=REL)
    # 唐山 gap: mean(200, 150, 100) - 120 = 30
    assert sub.loc["130200", "gap"] == pytest.approx(30.0)
    assert sub.geometry.notna().all()


def test_validate_helpers() -> None:
    assert as_float_array(pd.Series([1, None], dtype="Int64"), what="x").tolist()[0] == 1.0
    assert as_float_array(pd.Series([True, False]), what="x").tolist() == [1.0, 0.0]
    assert as_float_array(pd.Series([1, 2.5], dtype=object), what="x").tolist() == [1.0, 2.5]
    with pytest.raises(DataError, match="'r2'"):
        as_float_array(pd.Series([1, "a"], index=["r1", "r2"], dtype=object), what="x")
    with pytest.raises(DataError, match="non-numeric column"):
        as_float_array(pd.Series(["1", "2"]), what="x")
    with pytest.raises(DataError, match="> 0"):
        check_values(np.array([1.0, 0.0]), what="x", labels=["a", "b"], positive=True)
    check_values(np.array([-1.0]), what="x", labels=["a"], allow_negative=True)
    check_values(np.array([np.nan]), what="x", labels=["a"], allow_nan=True)
    with pytest.raises(DataError, match="'z'"):
        numeric_frame(pd.DataFrame({"a": [1.0]}), ["a", "z"])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 1000))
def test_row_order_invariance(seed: int) -> None:
    # shuffling rows permutes results identically (every index is aligned, nothing positional)
    df = synthetic_employment(seed=seed % 5, n_per_group=4)
    perm = df.sample(frac=1.0, random_state=seed)
    for func in (
        lambda d: ix.location_quotient(d, PS, total="合计"),
        lambda d: ix.krugman_specialization(d, group="agglomeration", sectors=PS + MF),
    ):
        a, b = func(df), func(perm)
        np.testing.assert_allclose(b.reindex(df.index).to_numpy(), a.to_numpy(), rtol=1e-12)


def test_error_names_tuple_labels_of_panels():
    # (adcode, year) labels must be reported as tuples, not split into a 2-D array
    from geoaggl._errors import DataError
    from geoaggl._validate import check_values

    with pytest.raises(DataError, match=r"\('120100', 2011\)"):
        check_values(np.array([1.0, np.nan]), what="x", labels=[("110100", 2010), ("120100", 2011)])
