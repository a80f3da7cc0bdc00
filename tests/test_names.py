"""Name harmonisation (crosswalk) and attaching tables to polygons."""

from __future__ import annotations

import subprocess
import sys
import warnings
from functools import lru_cache

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import geoaggl
from geoaggl._errors import (
    DataError,
    OptionError,
    ParameterTypeError,
    ReassignedKeysWarning,
    UnmatchedKeysWarning,
    UnmatchedNamesError,
)
from geoaggl.names import attach, crosswalk, harmonize, normalize_name, province_code


def codes(names, *args, **kw) -> list:
    return [None if pd.isna(c) else c for c in harmonize(names, *args, **kw)]


# --------------------------------------------------------------------------- harmonize
@pytest.mark.parametrize(
    ("name", "adcode"),
    [
        ("北京", "110100"), ("北京市", "110100"), ("重庆", "500100"), ("上海市", "310100"),
        ("延边", "222400"), ("延边州", "222400"), ("延边朝鲜族自治州", "222400"),
        ("恩施州", "422800"), ("大理州", "532900"), ("湘西州", "433100"), ("黔东南州", "522600"),
        ("伊犁州", "654000"), ("博州", "652700"), ("巴州", "652800"), ("克州", "653000"),
        ("仙桃", "429004"), ("仙桃市", "429004"), ("神农架", "429021"), ("济源", "419001"),
        ("阿里地区", "542500"), ("大兴安岭", "232700"), ("兴安盟", "152200"),
        ("白沙", "469025"), ("白沙县", "469025"), ("石河子", "659001"), ("香港", "810000"),
    ],
)  # fmt: skip
def test_full_short_and_autonomous_names(name, adcode):
    assert codes([name]) == [adcode]


@pytest.mark.parametrize(
    ("name", "year", "adcode"),
    [
        ("襄樊", 2005, "420600"), ("襄樊市", 2009, "420600"), ("襄阳", 2015, "420600"),
        ("思茅地区", 2002, "530800"), ("思茅市", 2005, "530800"), ("普洱", 2010, "530800"),
        ("毕节地区", 2008, "520500"), ("铜仁地区", 2008, "520600"), ("日喀则地区", 2010, "540200"),
        ("昌都地区", 2010, "540300"), ("林芝地区", 2010, "540400"), ("山南地区", 2010, "540500"),
        ("那曲地区", 2012, "540600"), ("那曲", 2020, "540600"), ("哈密地区", 2012, "650500"),
        ("吐鲁番地区", 2012, "650400"), ("海东地区", 2010, "630200"), ("通什市", 2000, "469001"),
        ("淮阴市", 2000, "320800"), ("伊克昭盟", 2000, "150600"), ("陇南地区", 2003, "621200"),
        ("百色地区", 2001, "451000"), ("达州", 2010, "511700"),
    ],
)  # fmt: skip
def test_renamed_units_by_year(name, year, adcode):
    assert codes([name], year) == [adcode]
    assert codes([name]) == [adcode]  # years only choose among candidates


def test_merged_and_abolished_units():
    # merged/split units never move silently: by default unmatched, named in one ReassignedKeysWarning
    gone = ["巢湖", "巢湖市", "莱芜", "莱芜市", "东川市", "伊犁地区"]
    with pytest.warns(ReassignedKeysWarning) as rec:
        assert codes(gone, 2005) == [None] * 6
    assert len([w for w in rec if w.category is ReassignedKeysWarning]) == 1
    msg = str(rec[0].message)
    assert "'巢湖' → 340100 合肥市, 340200 芜湖市, 340500 马鞍山市 (split)" in msg
    assert "'莱芜' → 370100 济南市 (merge)" in msg and "'东川市' → 530100 昆明市 (merge)" in msg
    # the successor mapping only when asked (巢湖: the unit that received the seat)
    assert codes(gone, 2005, abolished="successor") == [
        "340100", "340100", "370100", "370100", "530100", "654000",
    ]  # fmt: skip
    assert codes(["柳州地区", "南宁地区", "柳州", "南宁"], 2001, abolished="successor") == [
        "451300",
        "451400",
        "450200",
        "450100",
    ]
    with pytest.warns(ReassignedKeysWarning, match="柳州地区"):
        assert codes(["柳州地区", "柳州"], 2001) == [None, "450200"]
    with pytest.raises(DataError, match="莱芜"):
        harmonize(["济南", "莱芜"], abolished="raise")
    with pytest.raises(OptionError, match="abolished"):
        harmonize(["巢湖"], abolished="drop")


@pytest.mark.parametrize("year", [-5, 0, 1948, 2101])
def test_implausible_years_are_a_data_error_naming_the_year(year):
    with pytest.raises(DataError, match=rf"years: {year} is not a year"):
        harmonize(["北京"], years=year)
    assert codes(["北京"], 1949) == ["110100"] and codes(["北京"], 2100) == ["110100"]


def test_attach_without_the_key_column_says_how_to_name_it():
    table = pd.DataFrame({"city": ["北京市"], "v": [1.0]})
    with pytest.raises(DataError, match=r"pass on= .*'city', 'v'") as ei:
        attach(geoaggl.prefectures(), table)
    assert isinstance(ei.value, KeyError)  # as before
    assert type(ei.value).__name__ == "ColumnNotFoundError" and type(ei.value).__module__ == "geoaggl.errors"


def test_strict_years_rejects_anachronisms():
    assert codes(["襄樊", "襄樊"], [2005, 2015]) == ["420600", "420600"]  # lenient: printed late
    with pytest.raises(UnmatchedNamesError) as ei:
        harmonize(["襄樊", "襄樊", "毕节地区"], [2005, 2015, 2020], strict_years=True)
    assert ei.value.unmatched == ["襄樊", "毕节地区"]
    assert "strict_years" in str(ei.value)
    assert codes(["襄阳", "北京"], 2001, strict_years=True) == ["420600", "110100"]


def test_messy_printing():
    printed = ["北　京", " 天津市 ", "上海市*", "重庆1)", "广州①", "深圳（注）", "杭州\u3000", "南京[2]"]
    assert codes(printed) == ["110100", "120100", "310100", "500100", "440100", "440300", "330100", "320100"]
    assert normalize_name("北　京*1)") == "北京"
    assert codes(["襄樊地区", "大理自治州"]) == ["420600", "532900"]  # suffix fallback


def test_province_disambiguates_and_filters():
    assert codes(["朝阳"], province="辽宁省") == ["211300"]
    assert codes(["朝阳", "朝阳"], province=["辽宁", "辽"]) == ["211300", "211300"]
    assert codes(["海南"], province="青海") == ["632500"]  # 海南藏族自治州, not the province
    assert codes(["吉林"], province=220000) == ["220200"]
    # a name that exists only in another province is unmatched, and says so
    with pytest.raises(UnmatchedNamesError, match="another province") as ei:
        harmonize(["朝阳", "沈阳"], province=["北京", "辽宁省"])
    assert ei.value.unmatched == ["朝阳"]
    assert codes(["巴州"], province="四川", errors="ignore") == [None]  # 巴中's district, not a unit
    assert province_code("新疆维吾尔自治区") == "65" and province_code("广西") == "45"
    with pytest.raises(ValueError, match="province"):
        harmonize(["朝阳"], province="火星省")
    with pytest.raises(ValueError, match="length"):
        harmonize(["朝阳", "沈阳"], province=["辽宁"])


def test_errors_modes_and_unmatched_list():
    names = ["北京", "火星", "襄樊", "月球市", "火星", None]
    with pytest.raises(UnmatchedNamesError) as ei:
        harmonize(names)
    err = ei.value
    assert isinstance(err, KeyError)
    assert err.unmatched == ["火星", "月球市"]  # input order, no duplicates, None not reported
    assert "火星" in str(err) and "月球市" in str(err)
    with pytest.warns(UnmatchedKeysWarning, match="月球市"):
        out = harmonize(names, errors="warn")
    assert out.isna().tolist() == [False, True, False, True, True, True]
    assert out.iloc[2] == "420600"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = harmonize(names, errors="ignore")
    assert out.isna().sum() == 4
    with pytest.raises(OptionError, match="errors"):
        harmonize(["北京"], errors="coerce")


def test_type_errors():
    # codes are keys like names now; other types are a ParameterTypeError (a TypeError)
    assert codes([110100, "北京"]) == ["110100", "110100"]
    assert codes(110100) == ["110100"]
    with pytest.raises(ParameterTypeError, match="dict"):
        harmonize([{"a": 1}])
    with pytest.raises(TypeError):
        harmonize(pd.DataFrame({"a": ["北京"]}))


def test_index_alignment_and_no_mutation():
    s = pd.Series(["襄樊", "北京", "延边州"], index=[10, 3, 7], name="city")
    before = s.copy()
    out = harmonize(s, pd.Series([2005, 2005, 2005], index=[10, 3, 7]))
    assert out.name == "adcode"
    assert out.index.tolist() == [10, 3, 7]
    assert out.tolist() == ["420600", "110100", "222400"]
    pd.testing.assert_series_equal(s, before)
    lst = ["北京", "天津"]
    out = harmonize(lst)
    assert isinstance(out.index, pd.RangeIndex) and lst == ["北京", "天津"]
    assert harmonize("北京").tolist() == ["110100"]
    assert len(harmonize([])) == 0


def test_crosswalk_is_data():
    cw = crosswalk()
    assert {"alias", "adcode", "province", "valid_from", "valid_to", "kind_of_change"} <= set(cw.columns)
    assert cw["adcode"].str.fullmatch(r"\d{6}").all()
    row = cw[(cw.alias == "那曲地区")].iloc[0]
    assert (row.adcode, row.old_adcode) == ("540600", "542400")


def test_import_is_light():
    code = "import sys, geoaggl.names; print('geopandas' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# --------------------------------------------------------------------------- properties
@lru_cache(maxsize=1)
def units() -> pd.DataFrame:
    """The shipped units incl. Hong Kong and Macao (cached: hypothesis reruns the test)."""
    return geoaggl.prefectures(include_sar=True)[["name", "province"]]


def test_every_unit_full_and_short_name_round_trips(prefs):
    cw = crosswalk()
    short = cw[cw.kind_of_change == "short"]
    full = prefs["name"]
    assert harmonize(full).tolist() == full.index.tolist()
    got = harmonize(short["alias"], province=short["province"])
    assert (got.to_numpy() == short["adcode"].to_numpy()).all()
    got = harmonize(short["alias"])  # short names are unique without province too
    assert (got.to_numpy() == short["adcode"].to_numpy()).all()


_WS = st.sampled_from([" ", "\u3000", "\t", "\u00a0", "*", "1)", "①", "(注)", ""])


@settings(max_examples=150, deadline=None)
@given(i=st.integers(0, 368), pads=st.lists(_WS, min_size=3, max_size=3), year=st.integers(2000, 2024))
def test_whitespace_and_footnote_insensitive(i, pads, year):
    u = units()
    name, adcode = u["name"].iloc[i], u.index[i]
    messy = pads[0] + name[:1] + pads[1] + name[1:] + pads[2]
    assert harmonize([messy], year).tolist() == [adcode]


# --------------------------------------------------------------------------- attach
@pytest.fixture(scope="module")
def small(prefs) -> gpd.GeoDataFrame:
    return prefs.loc[["110100", "120100", "370100", "420600", "540600"]]


def test_attach_wide_by_name_and_code(small):
    t = pd.DataFrame({"city": ["北京", "襄樊市", "那曲地区"], "gdp": [1.0, 2.0, 3.0]})
    t0, g0 = t.copy(), small.copy()
    out = geoaggl.attach(small, t, on="city")
    pd.testing.assert_frame_equal(t, t0)
    pd.testing.assert_frame_equal(small, g0)
    assert isinstance(out, gpd.GeoDataFrame) and out.crs == small.crs
    assert out.index.tolist() == small.index.tolist()
    assert out.loc["420600", "gdp"] == 2.0 and out.loc["540600", "gdp"] == 3.0
    assert np.isnan(out.loc["120100", "gdp"])
    assert "city" not in out.columns

    # int adcodes (zero-padded), a former code (542400 那曲) and the index as key
    t2 = pd.DataFrame({"adcode": [110100, 542400], "v": [5, 6]}).set_index("adcode")
    out2 = geoaggl.attach(small, t2)
    assert out2.loc["110100", "v"] == 5 and out2.loc["540600", "v"] == 6
    t3 = pd.DataFrame({"code": ["120100", "110000"], "v": [1, 2]})
    assert geoaggl.attach(small, t3, on="code", by="adcode").loc["110100", "v"] == 2


def test_attach_long(small):
    t = pd.DataFrame(
        {"city": ["襄樊", "襄阳", "北京", "北京", "莱芜"], "year": [2009, 2011, 2009, 2011, 2009],
         "pop": [1.0, 2.0, 3.0, 4.0, 5.0]}
    )  # fmt: skip
    out = geoaggl.attach(small, t, on="city", abolished="successor")
    assert isinstance(out, gpd.GeoDataFrame) and out.crs == small.crs
    assert out.index.names == ["adcode", "year"]
    assert len(out) == len(small) * 2
    assert out.loc[("420600", 2009), "pop"] == 1.0 and out.loc[("420600", 2011), "pop"] == 2.0
    assert out.loc[("370100", 2009), "pop"] == 5.0  # 莱芜 -> 济南, asked for
    assert np.isnan(out.loc[("120100", 2011), "pop"])
    assert out.geometry.notna().all()
    # by default 莱芜's row is not moved to 济南
    with pytest.warns(ReassignedKeysWarning, match="'莱芜' → 370100 济南市 \\(merge\\)"):
        out = geoaggl.attach(small, t, on="city")
    assert np.isnan(out.loc[("370100", 2009), "pop"])
    # 济南 and 莱芜 in the same year collide when 莱芜 is moved
    t2 = pd.DataFrame({"city": ["济南", "莱芜"], "year": [2010, 2010], "pop": [1, 2]})
    with pytest.raises(DataError, match="莱芜"):
        geoaggl.attach(small, t2, on="city", abolished="successor")
    with pytest.warns(ReassignedKeysWarning):
        out = geoaggl.attach(small, t2, on="city")
    assert out.loc[("370100", 2010), "pop"] == 1


def test_attach_unmatched_and_duplicates(small):
    t = pd.DataFrame({"city": ["北京", "火星", "上海"], "v": [1, 2, 3]})
    with pytest.raises(UnmatchedNamesError) as ei:
        geoaggl.attach(small, t, on="city")
    assert ei.value.unmatched == ["火星", "上海"]  # 上海 is a unit but not in gdf
    with pytest.warns(UnmatchedKeysWarning, match="火星"):
        out = geoaggl.attach(small, t, on="city", errors="warn")
    assert out["v"].notna().sum() == 1
    out = geoaggl.attach(small, t, on="city", errors="ignore")
    assert out.loc["110100", "v"] == 1
    dup = pd.DataFrame({"city": ["北京", "北京市", "天津"], "v": [1, 2, 3]})
    with pytest.raises(DataError, match="北京市"):
        geoaggl.attach(small, dup, on="city")
    with pytest.raises(KeyError, match="nope"):
        geoaggl.attach(small, t, on="nope")
    with pytest.raises(UnmatchedNamesError, match="999999"):
        geoaggl.attach(small, pd.DataFrame({"adcode": ["110100", "999999"], "v": [1, 2]}))


# --------------------------------------------------------------------------- reference
def test_legal_roster_resolves(shared_dir):
    """≥ 99 % of the (name, year) pairs of the CC-BY legal roster resolve, consistently."""
    path = shared_dir / "data" / "reference" / "prefecture_legal_roster_2000_2024.csv"
    if not path.exists():
        pytest.skip("legal roster not present")
    r = pd.read_csv(path, dtype=str).dropna(subset=["legal_name_zh"])
    pairs = r[["legal_name_zh", "year"]].drop_duplicates()
    got = harmonize(pairs["legal_name_zh"], pairs["year"].astype(int), errors="ignore", abolished="successor")
    assert got.notna().mean() >= 0.99
    # every entity of the roster maps to a single current unit in all its years
    codes_ = harmonize(r["legal_name_zh"], r["year"].astype(int), errors="ignore", abolished="successor")
    r = r.assign(adcode=codes_.to_numpy())
    assert (r.groupby("entity_id")["adcode"].nunique() <= 1).all()


def test_census_names_give_their_codes(shared_dir):
    """Every city of the 2010/2020 census table (MIT) harmonises to its own code."""
    path = shared_dir / "data" / "reference" / "census_city_2010_2020.csv"
    if not path.exists():
        pytest.skip("census table not present")
    c = pd.read_csv(path, dtype=str, usecols=["city", "city_code", "province"])
    got = harmonize(c["city"], province=c["province"])
    assert (got.to_numpy() == c["city_code"].to_numpy()).all()


# --------------------------------------------------------------------------- defects (#10)
def test_e1_crosswalk_returns_a_copy():
    cw = crosswalk()
    cw.loc[cw.alias == "北京市", "adcode"] = "999999"
    assert harmonize(["北京市"]).tolist() == ["110100"]
    fresh = crosswalk()
    assert fresh is not cw and (fresh.loc[fresh.alias == "北京市", "adcode"] == "110100").all()


@pytest.mark.parametrize("bad", [None, 110100, b"\xe5\x8c\x97", 1.5])
def test_c6_normalize_name_rejects_non_str(bad):
    with pytest.raises(ParameterTypeError, match="name must be a str"):
        normalize_name(bad)


def test_e3_harmonize_does_not_share_the_index():
    s = pd.Series(["北京", "天津"], index=pd.Index([7, 9], name="row"))
    out = harmonize(s)
    assert out.index is not s.index and out.index.tolist() == [7, 9]
    out.index.name = "renamed"
    assert s.index.name == "row"
    _, rep = harmonize(s, report=True)
    assert rep.index is not s.index and rep.index.tolist() == [7, 9]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.text(max_size=6), st.integers(-10, 10**13), st.floats(), st.none()), max_size=8))
def test_resolver_outcome_is_result_or_geoaggl_error(keys):
    from geoaggl.errors import GeoagglError

    try:
        out, rep = harmonize(keys, errors="ignore", report=True)
    except GeoagglError:
        return
    assert len(out) == len(rep) == len(keys)
    assert out.dropna().str.fullmatch(r"\d{6}").all()
    assert set(rep["rule"]) <= {
        "identity",
        "rename",
        "upgrade",
        "merge",
        "split",
        "abolition",
        "county→parent",
        "unmatched",
        "missing",
    }
