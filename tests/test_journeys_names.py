"""The researcher's path through names and keys (issue #9): shipped sample -> read_yearbook -> attach,
and one test per finding about keys and moved units."""

from __future__ import annotations

import importlib.util
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import geoaggl
from geoaggl import datasets
from geoaggl.errors import (
    DataError,
    GeoagglWarning,
    ReassignedKeysWarning,
    UnmatchedKeysWarning,
    UnmatchedNamesError,
)

REPO = Path(__file__).resolve().parents[1]
COLS = ("年末户籍人口(万人)", "年平均人口(万人)", "自然增长率(‰)")


def _build_script():
    path = REPO / "boundaries" / "build_sample_yearbook.py"
    spec = importlib.util.spec_from_file_location("build_sample_yearbook", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def prefs():
    return geoaggl.prefectures()


# --------------------------------------------------------------------------- the chain
def test_journey_sample_yearbook_read_attach(prefs):
    """README quick start: read the shipped CNKI-layout export, attach it, default arguments, no warning."""
    path = datasets.sample_yearbook()
    assert path.suffix == ".xls" and path.read_bytes()[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    with warnings.catch_warnings():
        warnings.simplefilter("error", GeoagglWarning)
        table = geoaggl.read_yearbook(path)
        gdf = geoaggl.attach(prefs, table)
    assert table.columns.tolist() == ["adcode", "name", "name_en", "province", *COLS]
    assert len(table) == 27 and table["adcode"].notna().all()
    # every unit kept; the table's name/name_en/province agree with the units' and are dropped
    assert gdf.index.tolist() == prefs.index.tolist()
    assert [c for c in gdf.columns if c not in prefs.columns] == list(COLS)
    # known answers (SYNTHETIC figures written by the build script)
    assert gdf.loc["420600", "年末户籍人口(万人)"] == 1243.0  # 襄阳
    assert gdf.loc["110100", "年末户籍人口(万人)"] == 760.0 and gdf.loc["110100", "自然增长率(‰)"] == 4.92
    assert gdf.loc["340500", "年平均人口(万人)"] == 1389.0  # 马鞍山, after the page break
    # every number on the right adcode
    for row in _build_script().sample_rows():
        for c in COLS:
            assert gdf.loc[row["adcode"], c] == pytest.approx(row[f"{c}|全市"]), (row["name"], c)
    assert int(gdf["年末户籍人口(万人)"].notna().sum()) == 27


def test_sample_file_is_labelled_synthetic_and_reproducible(tmp_path):
    import msoffcrypto

    path = datasets.sample_yearbook()
    with path.open("rb") as fh:
        assert msoffcrypto.OfficeFile(fh).is_encrypted()  # like a real CNKI download
    build = _build_script()
    rows, _ = build.grid()
    assert any("SYNTHETIC" in str(r[0]) for r in rows[:4]) and "SYNTHETIC" in str(rows[-1][0])
    assert "SYNTHETIC" in datasets.sample_yearbook.__doc__


def test_journey_synthetic_yearbook_attach(prefs):
    yb = datasets.synthetic_yearbook(seed=0)
    gdf = geoaggl.attach(prefs, yb)
    assert gdf.index.names == ["adcode", "year"]
    assert len(gdf) == len(prefs) * yb["year"].nunique()
    r = yb.iloc[5]
    assert gdf.loc[(r["adcode"], r["year"]), "population"] == r["population"]
    assert "name_table" not in gdf.columns


# --------------------------------------------------------------------------- findings of #9
def test_chaohu_2009_is_not_silently_hefei(prefs):
    moved = "340100 合肥市, 340200 芜湖市, 340500 马鞍山市 \\(split\\)"
    with pytest.warns(ReassignedKeysWarning, match=moved):
        out = geoaggl.harmonize(["巢湖"], years=[2009])
    assert out.isna().all()
    t = pd.DataFrame({"city": ["巢湖", "合肥"], "v": [1.0, 2.0]})
    with pytest.warns(ReassignedKeysWarning):
        g = geoaggl.attach(prefs, t, on="city")
    assert g.loc["340100", "v"] == 2.0 and g["v"].notna().sum() == 1
    assert geoaggl.harmonize(["巢湖"], years=[2009], abolished="successor").tolist() == ["340100"]
    with pytest.raises(DataError, match="巢湖"):
        geoaggl.harmonize(["巢湖"], years=[2009], abolished="raise")


def test_chaohu_codes_follow_the_name_rules():
    with pytest.warns(ReassignedKeysWarning, match="342600 → 340100 合肥市"):
        codes, rep = geoaggl.harmonize([342600, "341400", "巢湖市"], report=True)
    assert codes.isna().all()
    assert rep["rule"].tolist() == ["split"] * 3
    assert rep["candidates"].tolist() == [("340100", "340200", "340500")] * 3
    assert geoaggl.harmonize([342600, "巢湖"], abolished="successor").tolist() == ["340100", "340100"]
    # 莱芜's code follows 莱芜's name
    with pytest.warns(ReassignedKeysWarning, match="371200 → 370100 济南市 \\(merge\\)"):
        assert geoaggl.harmonize([371200]).isna().all()


def test_one_float_does_not_break_other_keys(prefs):
    t = pd.DataFrame({"adcode": ["110100", 420600.0, "120100", "542400", "130200", 320100.0], "v": range(6)})
    g, rep = geoaggl.attach(prefs, t, report=True)
    assert g.loc[["110100", "420600", "120100", "540600", "130200", "320100"], "v"].tolist() == list(range(6))
    assert rep["rule"].tolist() == ["identity"] * 3 + ["upgrade", "identity", "identity"]


def test_float_and_text_codes_are_normalised():
    assert (
        geoaggl.harmonize([110100.0, "110100.0", " 110100 ", 110100000000, "110100000000"]).tolist()
        == ["110100"] * 5
    )


def test_999999_is_an_unknown_code(prefs):
    with pytest.raises(UnmatchedNamesError, match="not a known adcode: '999999'") as ei:
        geoaggl.attach(prefs, pd.DataFrame({"adcode": ["110100", "999999"], "v": [1, 2]}))
    assert "known, but not" not in str(ei.value) and ei.value.unmatched == ["999999"]
    # a real unit that is not among the units joined to is said so
    with pytest.raises(UnmatchedNamesError, match="not one of the units joined to: '810000'"):
        geoaggl.attach(prefs, pd.DataFrame({"adcode": ["810000"], "v": [1]}))


def test_county_code_names_its_parent(prefs):
    with pytest.raises(UnmatchedNamesError, match="110105 \\(under 110100 北京市\\)"):
        geoaggl.harmonize([110105])
    codes, rep = geoaggl.harmonize([110105, "420602"], county="parent", report=True)
    assert codes.tolist() == ["110100", "420600"]
    assert rep["rule"].tolist() == ["county→parent"] * 2
    g = geoaggl.attach(prefs, pd.DataFrame({"adcode": [110105], "v": [3.0]}), county="parent")
    assert g.loc["110100", "v"] == 3.0
    with pytest.raises(UnmatchedNamesError):
        geoaggl.harmonize([110105], errors="ignore", county="raise")


def test_english_names_match(prefs):
    assert geoaggl.harmonize(["Beijing", "Xiangyang", "XIANGYANG", " shijiazhuang "]).tolist() == [
        "110100", "420600", "420600", "130100",
    ]  # fmt: skip
    with pytest.raises(UnmatchedNamesError, match="ambiguous"):
        geoaggl.harmonize(["Suzhou"])
    assert geoaggl.harmonize(["Suzhou"], province="江苏").tolist() == ["320500"]
    g = geoaggl.attach(prefs, pd.DataFrame({"city": ["Beijing", "Xiangyang"], "v": [1.0, 2.0]}), on="city")
    assert g.loc["420600", "v"] == 2.0


def test_near_miss_gets_a_suggestion():
    with pytest.raises(UnmatchedNamesError, match="'杭洲' \\(did you mean 330100 杭州市"):
        geoaggl.harmonize(["杭洲"])
    _, rep = geoaggl.harmonize(["杭洲", "火星"], errors="ignore", report=True)
    assert rep.loc[0, "suggestion"].startswith("330100 杭州市")
    assert rep.loc[0, "rule"] == "unmatched"


# --------------------------------------------------------------------------- attach joins read_yearbook
def test_attach_reconciles_repeated_unit_columns(prefs):
    t = pd.DataFrame(
        {"adcode": ["110100", "420600"], "name": ["北京", "襄樊市"], "name_en": ["BEIJING", "Xiangfan"],
         "province": [None, "湖北"], "v": [1.0, 2.0]}
    )  # fmt: skip
    g = geoaggl.attach(prefs, t)
    assert "province" in g.columns and "province_table" not in g.columns  # agree: dropped
    assert g.loc["420600", "name"] == "襄阳市" and g.loc["420600", "name_table"] == "襄樊市"
    assert g.loc["420600", "name_en_table"] == "Xiangfan"


def test_rows_without_a_key_are_reported_and_skipped(prefs):
    t = pd.DataFrame({"adcode": ["110100", None], "name": ["北京市", "火星市"], "v": [1.0, 2.0]})
    with pytest.warns(UnmatchedKeysWarning, match="rows without a key: row 1 \\(火星市\\)"):
        g = geoaggl.attach(prefs, t, errors="warn")
    assert g["v"].notna().sum() == 1
    with pytest.raises(UnmatchedNamesError, match="row 1"):
        geoaggl.attach(prefs, t)


def test_d6_long_table_all_unmatched_keeps_every_unit():
    g = geoaggl.prefectures().loc[["110100", "120100"]]
    t = pd.DataFrame({"adcode": ["999999", "888888"], "year": [2010, 2011], "v": [1.0, 2.0]})
    out = geoaggl.attach(g, t, errors="ignore")
    assert len(out) == 4 and out["v"].isna().all()
    assert out.index.get_level_values("year").unique().tolist() == [2010, 2011]
    t2 = pd.DataFrame({"adcode": ["110100", "999999"], "year": [2010, 2011], "v": [1.0, 2.0]})
    out2 = geoaggl.attach(g, t2, errors="ignore")
    assert out2.index.get_level_values("year").unique().tolist() == [2010, 2011]
    assert out2.loc[("110100", 2010), "v"] == 1.0 and np.isnan(out2.loc[("110100", 2011), "v"])


def test_c33_mixed_int_str_years_are_normalised():
    g = geoaggl.prefectures().loc[["110100", "120100"]]
    t = pd.DataFrame({"adcode": ["110100", "120100"], "year": [2010, "2011"], "v": [1.0, 2.0]})
    out = geoaggl.attach(g, t)
    assert out.index.get_level_values("year").tolist() == [2010, 2011, 2010, 2011]
    assert out.loc[("120100", 2011), "v"] == 2.0
    with pytest.raises(DataError, match="row 1: 'x'"):
        geoaggl.attach(g, t.assign(year=[2010, "x"]))


def test_attach_does_not_touch_inputs_or_share_index():
    g = geoaggl.prefectures().loc[["110100", "120100"]]
    t = pd.DataFrame({"adcode": ["110100", 120100.0], "name": ["北京", "天津市"], "v": [1.0, 2.0]})
    g0, t0 = g.copy(deep=True), t.copy(deep=True)
    out = geoaggl.attach(g, t)
    pd.testing.assert_frame_equal(g, g0)
    pd.testing.assert_frame_equal(t, t0)
    assert out.index is not g.index
    out.index.name = "renamed"
    assert g.index.name == "adcode"


def test_readme_quick_start_runs_as_printed():
    import re

    text = (REPO / "README.md").read_text(encoding="utf-8")
    block = re.search(r"## Quick start\s*```python\n(.*?)```", text, re.S)
    assert block is not None
    ns: dict = {}
    with warnings.catch_warnings():
        warnings.simplefilter("error", GeoagglWarning)
        exec(compile(block.group(1), "README.md", "exec"), ns)
    assert ns["codes"].tolist() == ["110100", "420600", "420600", "420600"]
    assert ns["gdf"].loc["420600", "年末户籍人口(万人)"] == 1243.0
