"""Urban-agglomeration membership: schemes, counts, central cities, partial members."""

from __future__ import annotations

import importlib.util
import re
import unicodedata
from pathlib import Path
from types import ModuleType

import pandas as pd
import pytest

import geoaggl
from geoaggl import _agglomerations as agg
from geoaggl._errors import UnknownSchemeError

REPO = Path(__file__).resolve().parents[1]

UA_EN = {
    "京津冀": "Beijing-Tianjin-Hebei",
    "长三角": "Yangtze River Delta",
    "珠三角": "Pearl River Delta",
    "粤港澳大湾区": "Guangdong-Hong Kong-Macao Greater Bay Area",
    "长江中游": "Middle Reaches of the Yangtze River",
    "成渝": "Chengdu-Chongqing",
    "关中平原": "Guanzhong Plain",
    "哈长": "Harbin-Changchun",
    "中原": "Central Plains",
    "北部湾": "Beibu Gulf",
    "呼包鄂榆": "Hohhot-Baotou-Ordos-Yulin",
    "兰西": "Lanzhou-Xining",
    "黔中": "Central Guizhou",
    "滇中": "Central Yunnan",
}
# members per UA as the plan documents list them
COUNTS = {
    "京津冀": 13,
    "长三角": 26,
    "珠三角": 9,
    "粤港澳大湾区": 11,
    "长江中游": 31,
    "成渝": 16,
    "关中平原": 11,
    "哈长": 11,
    "中原": 30,
    "北部湾": 15,
    "呼包鄂榆": 4,
    "兰西": 9,
    "黔中": 6,
    "滇中": 5,
}
SEED_UAS = {
    "coagglomeration8": ["京津冀", "长三角", "珠三角", "长江中游", "成渝", "关中平原", "哈长", "中原"],
    "national11": [
        "长江中游",
        "哈长",
        "成渝",
        "长三角",
        "中原",
        "北部湾",
        "关中平原",
        "呼包鄂榆",
        "兰西",
        "粤港澳大湾区",
        "京津冀",
    ],
    "yreb5": ["长三角", "长江中游", "成渝", "黔中", "滇中"],
}
CENTRAL = {
    "京津冀": {"北京市", "天津市", "石家庄市"},
    "长三角": {"上海市", "南京市", "杭州市", "合肥市", "宁波市"},
    "珠三角": {"广州市", "深圳市"},
    "粤港澳大湾区": {"广州市", "深圳市"},  # Hong Kong and Macao are not central by the rule
    "长江中游": {"武汉市", "长沙市", "南昌市"},
    "成渝": {"重庆市", "成都市"},
    "关中平原": {"西安市"},
    "哈长": {"哈尔滨市", "长春市"},
    "中原": {"郑州市"},
    "北部湾": {"南宁市", "海口市"},
    "呼包鄂榆": {"呼和浩特市"},
    "兰西": {"兰州市", "西宁市"},
    "黔中": {"贵阳市"},
    "滇中": {"昆明市"},
}
PARTIAL = {
    "长江中游": {"抚州市", "吉安市"},
    "成渝": {"重庆市", "绵阳市", "达州市", "雅安市"},
    "关中平原": {"商洛市", "运城市", "临汾市", "平凉市", "庆阳市"},
    "兰西": {"白银市", "定西市", "临夏回族自治州", "海北藏族自治州", "海南藏族自治州", "黄南藏族自治州"},
    "黔中": {"遵义市", "安顺市", "毕节市", "黔东南苗族侗族自治州", "黔南布依族苗族自治州"},
    "滇中": {"红河哈尼族彝族自治州"},
}


@pytest.fixture(scope="module")
def units() -> pd.DataFrame:
    return geoaggl.prefectures(include_sar=True).drop(columns="geometry")


def _sizes(df: pd.DataFrame) -> dict[str, int]:
    return df.groupby("agglomeration", sort=False).size().to_dict()


# --------------------------------------------------------------------------- schemes and counts


def test_scheme_lists():
    assert dict(agg.SCHEMES) == {**{k: tuple(v) for k, v in SEED_UAS.items()}, "all": agg.ALL_AGGLOMERATIONS}
    assert set(agg.ALL_AGGLOMERATIONS) == set(COUNTS)
    assert set(agg.SCHEME_NOTES) == set(agg.SCHEMES)


@pytest.mark.parametrize("scheme", ["coagglomeration8", "national11", "yreb5", "all"])
def test_counts_and_order(scheme):
    df = geoaggl.agglomerations(scheme)
    uas = list(agg.SCHEMES[scheme])
    assert list(df.columns) == list(agg.COLUMNS)
    assert list(df["agglomeration"].unique()) == uas  # scheme order
    assert _sizes(df) == {ua: COUNTS[ua] for ua in uas}
    assert isinstance(df.index, pd.RangeIndex) and df.index[0] == 0
    assert df["central"].dtype == bool and df["partial"].dtype == bool
    for ua, grp in df.groupby("agglomeration", sort=False):
        assert grp["adcode"].is_monotonic_increasing and grp["adcode"].is_unique, ua
        assert set(grp["agglomeration_en"]) == {UA_EN[ua]}
        assert grp["source"].nunique() == 1
    assert df["adcode"].str.fullmatch(r"\d{6}").all()
    assert df.attrs["scheme"] == scheme and df.attrs["note"] == agg.SCHEME_NOTES[scheme]


def test_totals():
    frames = {s: geoaggl.agglomerations(s) for s in agg.SCHEMES}
    sizes = {s: (len(df), df["adcode"].nunique()) for s, df in frames.items()}
    assert sizes == {
        "coagglomeration8": (147, 144),  # 邯郸, 邢台 and 运城 are in two UAs each
        "national11": (177, 174),
        "yreb5": (84, 84),
        "all": (197, 185),
    }


def test_default_scheme_is_national11():
    pd.testing.assert_frame_equal(geoaggl.agglomerations(), geoaggl.agglomerations("national11"))


def test_known_members():
    df = geoaggl.agglomerations("all")
    members = df.groupby("agglomeration")["name"].agg(set)
    assert {"仙桃市", "潜江市", "天门市"} <= members["长江中游"]
    assert "济源市" in members["中原"]
    assert {"香港特别行政区", "澳门特别行政区"} <= members["粤港澳大湾区"]
    assert members["粤港澳大湾区"] - members["珠三角"] == {"香港特别行政区", "澳门特别行政区"}
    assert members["呼包鄂榆"] == {"呼和浩特市", "包头市", "鄂尔多斯市", "榆林市"}
    assert {"东方市", "澄迈县", "临高县", "昌江黎族自治县", "儋州市"} <= members["北部湾"]
    # units in two UAs
    assert members["京津冀"] & members["中原"] == {"邯郸市", "邢台市"}
    assert members["中原"] & members["关中平原"] == {"运城市"}
    # provinces of 中原: Henan, Hebei, Shanxi, Anhui, Shandong
    ad = set(df.loc[df.agglomeration == "中原", "adcode"].str[:2])
    assert ad == {"41", "13", "14", "34", "37"}
    assert len(members["长三角"]) == 26 and "上海市" in members["长三角"]


# --------------------------------------------------------------------------- resolution to polygons


def test_every_member_resolves(units):
    df = geoaggl.agglomerations("all")
    assert set(df["adcode"]) <= set(units.index)
    assert (df["name"].to_numpy() == units.loc[df["adcode"], "name"].to_numpy()).all()
    kinds = units.loc[df["adcode"], "kind"].value_counts().to_dict()
    assert kinds["special administrative region"] == 2
    assert kinds["province-administered county-level unit"] == 8  # 3 Hubei, 济源, 4 Hainan


# --------------------------------------------------------------------------- central cities


def test_central_cities_by_rule():
    df = geoaggl.agglomerations("all")
    got = df[df["central"]].groupby("agglomeration")["name"].agg(set).to_dict()
    assert got == CENTRAL
    mono = {ua for ua, c in CENTRAL.items() if len(c) == 1}
    assert mono == {"关中平原", "中原", "呼包鄂榆", "黔中", "滇中"}


def test_is_central_matches_gb2260_convention(units):
    # independent check: capitals and municipalities are the XX0100 unit of their
    # province in GB/T 2260; plus the five 计划单列市
    planned = {"大连市", "青岛市", "宁波市", "厦门市", "深圳市"}
    expected = {a for a in units.index if a.endswith("0100")} | set(units.index[units["name"].isin(planned)])
    got = {a for a in units.index if agg.is_central(a)}
    assert got == expected and len(got) == 36
    assert not agg.is_central("810000") and not agg.is_central("820000")
    for province, capital in agg.PROVINCIAL_CAPITALS.items():
        assert units.at[capital, "province"] == province
    assert set(agg.PROVINCIAL_CAPITALS) == set(units["province"]) - {
        "北京市",
        "天津市",
        "上海市",
        "重庆市",
        "香港特别行政区",
        "澳门特别行政区",
    }


# --------------------------------------------------------------------------- partial members


def test_partial_members():
    df = geoaggl.agglomerations("all")
    got = df[df["partial"]].groupby("agglomeration")["name"].agg(set).to_dict()
    assert got == PARTIAL
    assert (df.loc[df["partial"], "partial_note"].str.len() > 0).all()
    note = df.set_index(["agglomeration", "name"])["partial_note"]
    assert note["成渝", "绵阳市"] == "除北川县、平武县"
    assert note["成渝", "重庆市"].startswith("渝中") and "27个区(县)" in note["成渝", "重庆市"]
    assert note["关中平原", "运城市"] == "除平陆县、垣曲县"
    assert note["黔中", "黔东南苗族侗族自治州"] == "凯里市、麻江县"
    # 黔中: 贵阳 whole (10 districts/counties) + 23 listed = the plan's 33
    listed = df.loc[(df.agglomeration == "黔中") & df["partial"], "partial_note"].str.split("、").map(len)
    assert listed.sum() == 23
    assert len(note["滇中", "红河哈尼族彝族自治州"].split(":")[1].split("、")) == 7


# --------------------------------------------------------------------------- API behaviour


@pytest.mark.parametrize("bad", ["national", "NATIONAL11", "", None, 11, ["all"]])
def test_unknown_scheme(bad):
    with pytest.raises(UnknownSchemeError) as err:
        geoaggl.agglomerations(bad)
    assert isinstance(err.value, ValueError)
    for name in ("coagglomeration8", "national11", "yreb5", "all"):
        assert repr(name) in str(err.value)


def test_returns_fresh_copy():
    first = geoaggl.agglomerations("national11")
    expected = first.copy(deep=True)
    first.loc[:, "central"] = True
    first.loc[0, "adcode"] = "999999"
    first.loc[0, "name"] = "X"
    first.attrs["note"] = "changed"
    first = first.drop(index=[1, 2])
    again = geoaggl.agglomerations("national11")
    pd.testing.assert_frame_equal(again, expected)
    assert again.attrs["note"] == agg.SCHEME_NOTES["national11"]
    # the "all" table underlying every scheme is untouched too
    assert geoaggl.agglomerations("all")["central"].sum() == 28


# --------------------------------------------------------------------------- dissolved polygons


def test_agglomeration_polygons_national11():
    from geoaggl._geo import METRIC_CRS

    ua = geoaggl.agglomeration_polygons("national11")
    assert len(ua) == 11
    assert list(ua.index) == SEED_UAS["national11"]
    assert ua.crs.to_epsg() == 4326
    assert ua.geometry.is_valid.all() and not ua.geometry.is_empty.any()
    assert (ua["area_km2"] > 0).all()
    assert ua["n_members"].to_dict() == {k: COUNTS[k] for k in SEED_UAS["national11"]}
    assert ua.at["京津冀", "area_km2"] == pytest.approx(216_000, rel=0.03)  # plan: 21.6万 km²
    assert ua.at["长三角", "area_km2"] == pytest.approx(211_700, rel=0.03)  # plan: 21.17万 km²
    assert ua.at["长三角", "n_central"] == 5
    assert set(ua.at["长三角", "central_cities"].split("、")) == CENTRAL["长三角"]
    area = ua.geometry.to_crs(METRIC_CRS).area / 1e6
    assert area.to_numpy() == pytest.approx(ua["area_km2"].to_numpy())


# --------------------------------------------------------------------------- build script and source table


def _build_module() -> ModuleType:
    path = REPO / "boundaries" / "build_tables.py"
    if not path.exists():  # pragma: no cover - installed without the sdist extras
        pytest.skip("boundaries/build_tables.py not present")
    spec = importlib.util.spec_from_file_location("_geoaggl_build_tables", path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_packaged_copy_is_built_from_source(units):
    build = _build_module()
    source = build.load_source()
    assert build.validate(source, units) == []
    packaged = (REPO / "geoaggl" / "data" / "agglomerations.csv").read_text(encoding="utf-8")
    assert build.render(build.normalise(source)) == packaged
    assert build.PLAN_COUNTS == COUNTS


def test_build_validation_catches_errors(units):
    build = _build_module()
    source = build.load_source()
    before = source.copy()
    bad = source.copy()
    bad.loc[0, "adcode"] = "110000"  # not a unit
    bad.loc[1, "name"] = "天津"  # not the shipped name
    row = bad.index[bad["partial"].eq("true")][0]
    bad.loc[row, "partial_note"] = ""
    bad = pd.concat([bad, bad.iloc[[5]]], ignore_index=True)  # duplicate member
    problems = "\n".join(build.validate(bad, units))
    assert "110000" in problems and "adcode not among" in problems
    assert "name differs" in problems
    assert "partial member without partial_note" in problems
    assert "duplicated" in problems
    assert "京津冀: 14 members, the plan has 13" in problems
    pd.testing.assert_frame_equal(source, before)  # validate does not touch its input


# --------------------------------------------------------------------------- reference data (optional)


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def test_schemes_equal_seed_lists(shared_dir):
    seeds = {p.name[:3]: _flat(p.read_text(encoding="utf-8")) for p in (shared_dir / "seeds").glob("00*.txt")}
    short = {"长江三角洲": "长三角"}

    def listed(text: str, anchor: str, start: str, end: str) -> list[str]:
        i = text.index(start, text.index(anchor))
        chunk = text[i : text.index(end, i) + len(end)]
        names = re.split(r"[、,，和]|再加上", chunk.replace("城市群", ""))
        return [short.get(n, n) for n in (x.strip("分别是为:：") for x in names) if n]

    s000 = listed(seeds["000"], "八大国家级城市群", "京津冀", "中原城市群")
    assert s000 == SEED_UAS["coagglomeration8"]
    s001 = listed(seeds["001"], "共批复10个跨区域城市群发展规划", "长江中游", "再加上京津冀")
    assert s001 == SEED_UAS["national11"]
    s002 = listed(seeds["002"], "历史悠久,包括", "长三角", "滇中城市群")
    assert s002 == SEED_UAS["yreb5"]
    assert "156个地级市" in seeds["001"] and "剔除港澳地区" in seeds["001"]  # scheme note


def test_matches_draft(shared_dir, units):
    """Same units per UA as the checked draft.

    Allowed differences: the draft keeps one UA-wide ``partial_note`` string (we
    flag each partial unit; every flagged unit is named in the draft's note, and
    中原's "核心发展区" note is not about partial coverage), marks 黔中's scope as
    unverified (we keep its 6 units with 5 partial, as its note says), and the
    draft's ``city`` for Hong Kong/Macao equals our ``name``.
    """
    draft = pd.read_csv(shared_dir / "data" / "agglomerations_draft.csv", dtype=str, keep_default_na=False)
    ours = geoaggl.agglomerations("all")
    d_sets = draft.groupby("agglomeration")["adcode"].agg(set).to_dict()
    o_sets = ours.groupby("agglomeration")["adcode"].agg(set).to_dict()
    assert d_sets == o_sets
    merged = ours.merge(draft, on=["agglomeration", "adcode"], validate="1:1")
    assert (merged["name"] == merged["city"]).all()
    notes = draft.groupby("agglomeration")["partial_note"].first()
    for ua, names in PARTIAL.items():
        if ua == "黔中":
            assert notes[ua].startswith("all partial except 贵阳")
            continue
        for name in names:
            stem = re.sub(r"(市|回族自治州|藏族自治州|哈尼族彝族自治州)$", "", name)
            stem = {"海南": "海南州", "临夏": "临夏州", "红河": "红河州"}.get(stem, stem)
            assert stem in notes[ua], (ua, name)
    whole_in_draft = {ua for ua, n in notes.items() if not n}
    assert whole_in_draft.isdisjoint(PARTIAL)


def test_agglomeration_polygons_names_itself_in_a_bad_scheme_error():
    from geoaggl.errors import UnknownSchemeError

    with pytest.raises(UnknownSchemeError, match=r"^agglomeration_polygons: scheme"):
        geoaggl.agglomeration_polygons(11)
