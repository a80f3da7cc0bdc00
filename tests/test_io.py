"""read_yearbook: real CNKI/yearbook exports and messy fixtures built at test time."""

from __future__ import annotations

import io
import math
import warnings
from pathlib import Path

import fixtures_yearbook as fx
import numpy as np
import pandas as pd
import pytest
import xlrd

import geoaggl
from geoaggl._errors import (
    DataError,
    GeoagglWarning,
    ReassignedKeysWarning,
    UnmatchedKeysWarning,
    UnmatchedNamesError,
)
from geoaggl.io import _clean_label, _parse_number, _province_label, read_yearbook

SAMPLES = "data/yearbook_samples"


def _quiet(path, **kw) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GeoagglWarning)
        return read_yearbook(path, **kw)


def _vals(s: pd.Series) -> list:
    return [None if pd.isna(v) else v for v in s.tolist()]


def _same_floats(got: pd.Series, want: list[float]) -> None:
    np.testing.assert_array_equal(got.to_numpy(dtype=float), np.array(want, dtype=float))


# --------------------------------------------------------------------------- real samples
@pytest.fixture(scope="module")
def cnki_path(shared_dir: Path) -> Path:
    return shared_dir / SAMPLES / "cnki_2-1_population_encrypted.xls"


@pytest.fixture(scope="module")
def employment_path(shared_dir: Path) -> Path:
    return shared_dir / SAMPLES / "employment_2014_by_sector.xls"


def test_cnki_encrypted_population(cnki_path):
    # 莱芜 (merged into 济南 in 2019) is not moved onto 济南: missing adcode, one warning naming it
    with pytest.warns(ReassignedKeysWarning, match="莱芜市 → 370100 济南市 \\(merge\\)"):
        df = read_yearbook(cnki_path)
    assert df.shape == (297, 7)
    assert pd.isna(df.loc[df["name"] == "莱芜市", "adcode"].item())
    assert df.attrs["reassigned"] == [("莱芜市", "merge", ("370100",))]
    assert df.columns.tolist() == [
        "adcode", "name", "name_en", "province", "年末户籍人口(万人)", "年平均人口(万人)", "自然增长率(‰)",
    ]  # fmt: skip
    assert df.attrs["sheet"] == "1-7"  # the second sheet is CNKI's link page
    assert df.attrs["area"] == "全市"
    # the yearbook misprints 亳州市 (Bozhou) as 毫州市: the crosswalk knows the misprint
    assert df.attrs["unmatched"] == []
    assert df["adcode"].notna().sum() == 296
    assert df.loc[df["name"] == "毫州市", ["adcode", "name_en"]].values.tolist() == [["341600", "Bozhou"]]
    assert len(df.attrs["subtotals"]) == 27 and df.attrs["subtotals"][:2] == ["河北省", "山西省"]
    assert "河北省" not in set(df["name"])

    sjz = df[df["name"] == "石家庄市"].iloc[0]
    assert (sjz["adcode"], sjz["name_en"], sjz["province"]) == ("130100", "Shijiazhuang", "河北省")
    assert (sjz["年末户籍人口(万人)"], sjz["年平均人口(万人)"], sjz["自然增长率(‰)"]) == (
        1038.0,
        1033.0,
        10.05,
    )
    first, last = df.iloc[0], df.iloc[-1]
    assert (first["adcode"], first["name"], first["年末户籍人口(万人)"]) == ("110100", "北京市", 1363.0)
    assert (last["adcode"], last["name"], last["年末户籍人口(万人)"]) == ("650500", "哈密市", 56.0)
    assert math.isnan(last["年平均人口(万人)"])
    # municipalities are cities, not province headings, and end the province above them
    sh = df[df["name"] == "上海市"].iloc[0]
    assert (sh["adcode"], sh["年末户籍人口(万人)"]) == ("310100", 1450.0) and pd.isna(sh["province"])
    assert df.loc[df["name"] == "本溪市", "自然增长率(‰)"].item() == -4.20  # negative, stored as text
    assert math.isnan(df.loc[df["name"] == "曲靖市", "年平均人口(万人)"].item())  # blank cell
    # cities after page breaks (repeated headers, "续表") are all there
    assert df.loc[df["name"] == "阜新市", "年末户籍人口(万人)"].item() == 189.0
    assert df["province"].dropna().nunique() == 27


def test_cnki_areas_and_abolished(cnki_path):
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        df = read_yearbook(cnki_path, area="市辖区", errors="ignore", abolished="successor")
    assert not [w for w in rec if issubclass(w.category, UnmatchedKeysWarning)]
    # asked for: 莱芜 (merged into 济南 in 2019) shares 济南's adcode, with a warning
    assert any("莱芜市->370100" in str(w.message) for w in rec if w.category is GeoagglWarning)
    assert df.loc[df["name"] == "石家庄市", "年末户籍人口(万人)"].item() == 415.0
    # the continuation header on page 2 prints "Districts under City" without 市辖区
    assert df.loc[df["name"] == "阜新市", "年末户籍人口(万人)"].item() == 76.0

    both = _quiet(cnki_path, area="both", errors="ignore", abolished="missing", year=2016)
    assert both.columns[4:].tolist() == [
        f"{v}|{a}"
        for v in ("年末户籍人口(万人)", "年平均人口(万人)", "自然增长率(‰)")
        for a in ("全市", "市辖区")
    ]
    row = both[both["name"] == "重庆市"].iloc[0]
    assert (row["年末户籍人口(万人)|全市"], row["年末户籍人口(万人)|市辖区"]) == (3392.0, 2449.0)
    assert pd.isna(both.loc[both["name"] == "莱芜市", "adcode"].item())
    assert both.attrs["unmatched"] == []  # abolished units are not "unmatched"
    assert not both["adcode"].dropna().duplicated().any()


def test_cnki_raise(cnki_path):
    # every city row of the real file matches, so errors="raise" reads it (莱芜 is reassigned, not unmatched)
    df = _quiet(cnki_path, errors="raise")
    assert len(df) == 297 and df["adcode"].isna().sum() == 1
    assert _quiet(cnki_path, errors="raise", abolished="successor")["adcode"].notna().all()
    with pytest.raises(DataError, match="莱芜市 → 370100 济南市"):
        read_yearbook(cnki_path, abolished="raise")


def test_cnki_wrong_password(cnki_path):
    with pytest.raises(DataError, match="could not be decrypted with the given password"):
        read_yearbook(cnki_path, password="not-it")


def test_employment_export(employment_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # every name matches, no duplicate: no warning at all
        df = read_yearbook(employment_path)
    assert df.shape == (42, 6)
    assert df.columns.tolist() == [
        "adcode",
        "name",
        "province",
        "第一产业(农.林.牧.渔业)",
        "第二产业",
        "第三产业",
    ]
    assert df.attrs["unmatched"] == []
    assert df.attrs["subtotals"] == ["吉林省", "黑龙江省", "江苏省", "浙江省"]  # subtotals with figures
    assert df["adcode"].notna().all()
    assert df["adcode"].iloc[:3].tolist() == ["210900", "211000", "211100"]
    row = df[df["name"] == "阜新市"].iloc[0]  # name printed with two NBSPs of indentation
    assert pd.isna(row["province"])  # its province heading is on an earlier page
    assert (row["第一产业(农.林.牧.渔业)"], row["第二产业"], row["第三产业"]) == (4161.0, 103520.0, 106915.0)
    assert df.loc[df["name"] == "宁波市", "第二产业"].item() == 1105748.0
    sh = df[df["name"] == "上海市"].iloc[0]
    assert sh["adcode"] == "310100" and sh["第三产业"] == 4676300.0 and pd.isna(sh["province"])
    assert df.loc[df["name"] == "南京市", "province"].item() == "江苏省"

    urban = read_yearbook(employment_path, area="市辖区", subtotals="keep")
    assert len(urban) == 46
    assert urban.loc[urban["name"] == "阜新市", "第一产业(农.林.牧.渔业)"].item() == 447.0
    assert math.isnan(urban.loc[urban["name"] == "牡丹江市", "第一产业(农.林.牧.渔业)"].item())
    jl = urban[urban["name"] == "吉林省"].iloc[0]
    assert (bool(jl["subtotal"]), jl["adcode"], jl["第二产业"]) == (True, "220000", 1075699.0)
    assert urban["subtotal"].sum() == 4


# --------------------------------------------------------------------------- fixtures
def _check_messy(df: pd.DataFrame, *, area: str = "全市") -> None:
    e = fx.EXPECTED
    assert _vals(df["adcode"]) == e["adcode"]
    assert df["name"].tolist() == e["name"]
    assert df["name_en"].tolist() == e["name_en"]
    assert _vals(df["province"]) == e["province"]
    assert df.attrs["unmatched"] == ["火星市"]
    assert df.attrs["subtotals"] == e["subtotals"]
    values = ["年末总人口(万人)", "地区生产总值(万元)"]
    if area == "全市":
        assert df.columns.tolist() == [
            "adcode",
            "name",
            "name_en",
            "province",
            *values,
            "建成区面积(平方公里)",
        ]
        for v in values:
            _same_floats(df[v], e[v])
    else:
        both = [f"{v}|{a}" for v in values for a in ("全市", "市辖区")]
        assert df.columns.tolist() == ["adcode", "name", "name_en", "province", *both, "建成区面积(平方公里)"]
        for v in values:
            _same_floats(df[f"{v}|全市"], e[v])
            _same_floats(df[f"{v}|市辖区"], e[f"{v}|市辖区"])
    _same_floats(df["建成区面积(平方公里)"], e["建成区面积(平方公里)"])
    for c in df.columns[4:]:
        assert df[c].dtype == np.float64


WRITERS = {
    "xlsx": lambda d: fx.write_xlsx(d / "t.xlsx"),
    "xls": lambda d: fx.write_xls(d / "t.xls"),
    "csv-utf8": lambda d: fx.write_csv(d / "t.csv", encoding="utf-8"),
    "csv-utf8-bom": lambda d: fx.write_csv(d / "t.csv", encoding="utf-8-sig"),
    "csv-gbk": lambda d: fx.write_csv(d / "t.csv", encoding="gbk"),
    "tsv-utf16": lambda d: fx.write_csv(d / "t.txt", encoding="utf-16", sep="\t"),
    "xlsx-encrypted-default": lambda d: fx.encrypt_xlsx(
        fx.write_xlsx(d / "p.xlsx"), d / "t.xlsx", "VelvetSweatshop"
    ),
    "xls-encrypted-default": lambda d: fx.write_encrypted_xls(d / "t.xls"),
}


@pytest.mark.parametrize("kind", list(WRITERS))
def test_messy_fixture_all_formats(tmp_path, kind):
    if kind.startswith("xls") and not kind.startswith("xlsx"):
        pytest.importorskip("xlwt")
    path = WRITERS[kind](tmp_path)
    with pytest.warns(UnmatchedKeysWarning, match="火星市"):
        df = read_yearbook(path, year=2009)
    _check_messy(df)
    assert df.attrs["sheet"] in ("2-1", "csv")
    both = _quiet(path, year=2009, area="both", errors="ignore")
    _check_messy(both, area="both")


def test_errors_raise_names_every_unmatched_row(tmp_path):
    path = WRITERS["xlsx"](tmp_path)
    with pytest.raises(UnmatchedNamesError, match="火星市") as exc:
        read_yearbook(path, year=2009, errors="raise")
    assert exc.value.unmatched == ["火星市"]


def test_detected_encodings(tmp_path):
    cases = {"utf-8": "utf-8", "utf-8-sig": "utf-8-sig", "gbk": "gb18030", "gb18030": "gb18030"}
    for enc, seen in cases.items():
        df = _quiet(fx.write_csv(tmp_path / f"{enc}.csv", encoding=enc), errors="ignore")
        assert df.attrs["encoding"] == seen
        assert df["name"].iloc[1] == "石家庄市"
    df = _quiet(fx.write_csv(tmp_path / "forced.csv", encoding="gbk"), encoding="gbk", errors="ignore")
    assert df.attrs["encoding"] == "gbk" and df["name"].iloc[2] == "唐山市"


def test_area_subtotals_and_province(tmp_path):
    path = fx.write_xlsx(tmp_path / "t.xlsx")
    urban = _quiet(path, area="市辖区", errors="ignore", year=2009)
    _same_floats(urban["年末总人口(万人)"], fx.EXPECTED["年末总人口(万人)|市辖区"])
    kept = _quiet(path, subtotals="keep", errors="ignore", year=2009)
    assert kept["name"].tolist() == [
        "北京市",
        "河北省",
        "石家庄市",
        "唐山市",
        "湖北省",
        "襄樊市",
        "火星市",
        "全国",
    ]
    assert _vals(kept["adcode"]) == ["110100", "130000", "130100", "130200", "420000", "420600", None, None]
    assert kept["subtotal"].tolist() == [False, True, False, False, True, False, False, True]
    assert kept.loc[kept["name"] == "湖北省", "年末总人口(万人)"].item() == 5720.0
    assert kept.loc[kept["name"] == "全国", "年末总人口(万人)"].item() == 133474.0
    assert kept.attrs["subtotals"] == []
    # an explicit province applies to every row: 北京/河北 cities no longer match 湖北
    hb = _quiet(path, province="湖北", errors="ignore", year=2009)
    assert _vals(hb["adcode"]) == [None, None, None, "420600", None]


def test_province_column_and_retry(tmp_path):
    rows = [
        ["省份", "城市", "GDP（亿元）"],
        ["辽宁省", "朝阳", "1,000"],
        ["河北省", "大连市", "7,000"],  # misfiled: matched by the retry without province
        ["北京市", "北京", "20,000.5"],
        ["", "", ""],
        ["数据来源：各省统计年鉴", "", ""],
    ]
    df = read_yearbook(fx.write_csv(tmp_path / "p.csv", rows, encoding="gbk"))
    assert df.columns.tolist() == ["adcode", "name", "province", "GDP(亿元)"]
    assert df["adcode"].tolist() == ["211300", "210200", "110100"]
    assert df["province"].tolist() == ["辽宁省", "河北省", "北京市"]
    assert df["GDP(亿元)"].tolist() == [1000.0, 7000.0, 20000.5]


def test_numbers_as_text_and_unparsed(tmp_path):
    rows = [
        ["城市", "人口", "GDP", "备注"],
        ["天津市", "1,044", "12.5%", "直辖市"],
        ["沈阳市", "８２５", "12.5(估)", "副省级"],
        ["大连市", "—", "x", ""],
    ]
    with pytest.warns(GeoagglWarning, match=r"1 cells are not numbers.*沈阳市 / GDP: '12.5\(估\)'"):
        df = read_yearbook(fx.write_csv(tmp_path / "n.csv", rows))
    _same_floats(df["人口"], [1044.0, 825.0, np.nan])
    _same_floats(df["GDP"], [12.5, np.nan, np.nan])
    assert df.attrs["unparsed"] == [("沈阳市", "GDP", "12.5(估)")]
    assert _vals(df["备注"]) == ["直辖市", "副省级", None]  # a text column stays text


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1,234", 1234.0), (" 1 234.5 ", 1234.5), ("１２３", 123.0), ("-4.20", -4.2), ("+3", 3.0),
        ("1.5e3", 1500.0), ("12*", 12.0), ("7①", 7.0), ("45%", 45.0), ("1\u00a0000", 1000.0),
        (3, 3.0), (2.5, 2.5),
    ],
)  # fmt: skip
def test_parse_number(text, value):
    assert _parse_number(text) == value


@pytest.mark.parametrize(
    "text", ["", " ", "-", "--", "—", "——", "－", "…", "……", "...", "/", "x", "n/a", None]
)
def test_parse_number_missing(text):
    assert math.isnan(_parse_number(text))


@pytest.mark.parametrize("text", ["abc", "12.5(估)", "1.2.3", "inf", "nan1"])
def test_parse_number_rejects(text):
    assert _parse_number(text) is None


def test_clean_label_and_province_label():
    assert (
        _clean_label("年末户籍人口 (万人)\r\nHousehold Registered\r\n(10 000 persons)")
        == "年末户籍人口(万人)"
    )
    assert _clean_label("全 市\r\nTotal City") == "全市"
    assert _clean_label("Districts\r\nunder City") == "Districts under City"
    assert _province_label("河北省") == "13" and _province_label("广西壮族自治区") == "45"
    assert _province_label("河北") == "13"
    for city in ("吉林市", "吉林", "海南", "北京市", "石家庄市", "海南藏族自治州"):
        assert _province_label(city) is None, city


def test_sheet_selection_and_file_object(tmp_path):
    path = fx.write_xlsx(tmp_path / "t.xlsx")
    assert _quiet(path, sheet="2-1", errors="ignore").shape == (5, 7)
    assert _quiet(path, sheet=0, errors="ignore").shape == (5, 7)
    with pytest.raises(DataError, match="no column of city names"):
        read_yearbook(path, sheet="CNKI")
    with pytest.raises(DataError, match=r"no sheet named 'nope'; sheets are \['2-1', 'CNKI'\]"):
        read_yearbook(path, sheet="nope")
    with pytest.raises(DataError, match="no sheet at position 5"):
        read_yearbook(path, sheet=5)
    # a file object; and an .xls suffix on .xlsx content (common on download sites)
    with open(path, "rb") as f:
        assert _quiet(f, errors="ignore")["name"].iloc[0] == "北京市"
    mislabeled = tmp_path / "really_xlsx.xls"
    mislabeled.write_bytes(path.read_bytes())
    assert _quiet(mislabeled, errors="ignore")["adcode"].iloc[0] == "110100"
    assert _quiet(io.BytesIO(path.read_bytes()), errors="ignore").attrs["source"] == "<file object>"


def test_name_column_override(tmp_path):
    rows = [["序号", "地区", "人口"], ["1", "南京市", "900"], ["2", "苏州市", "1,300"]]
    path = fx.write_csv(tmp_path / "o.csv", rows)
    df = read_yearbook(path)
    assert df["adcode"].tolist() == ["320100", "320500"] and df["序号"].tolist() == [1.0, 2.0]
    assert read_yearbook(path, name_column="地区")["人口"].tolist() == [900.0, 1300.0]
    assert read_yearbook(path, name_column=1)["name"].tolist() == ["南京市", "苏州市"]
    with pytest.raises(DataError, match="no header cell reads '城市'"):
        read_yearbook(path, name_column="城市")


def test_lazy_export():
    assert geoaggl.read_yearbook is read_yearbook


# --------------------------------------------------------------------------- passwords
def test_encrypted_xlsx_passwords(tmp_path):
    plain = fx.write_xlsx(tmp_path / "plain.xlsx")
    locked = fx.encrypt_xlsx(plain, tmp_path / "locked.xlsx", "s3cret")
    with pytest.raises(
        DataError, match="could not be decrypted with Excel's default password 'VelvetSweatshop'"
    ):
        read_yearbook(locked)
    with pytest.raises(DataError, match="pass password="):
        read_yearbook(locked, password="wrong")
    _check_messy(_quiet(locked, password="s3cret", year=2009, errors="ignore"))


def test_encrypted_xls_wrong_password(tmp_path):
    pytest.importorskip("xlwt")
    locked = fx.write_encrypted_xls(tmp_path / "locked.xls", password="s3cret")
    with pytest.raises(xlrd.XLRDError, match="encrypted"):  # really encrypted
        xlrd.open_workbook(locked)
    with pytest.raises(DataError, match="could not be decrypted"):
        read_yearbook(locked)
    _check_messy(_quiet(locked, password="s3cret", year=2009, errors="ignore"))


# --------------------------------------------------------------------------- bad input
def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such yearbook file"):
        read_yearbook(tmp_path / "nope.xls")


@pytest.mark.parametrize("name", ["t.pdf", "t.json", "t"])
def test_unsupported_suffix(tmp_path, name):
    p = tmp_path / name
    p.write_text("城市,人口\n北京,1\n", encoding="utf-8")
    with pytest.raises(DataError, match="unsupported file type"):
        read_yearbook(p)


def test_no_name_column(tmp_path):
    p = fx.write_csv(tmp_path / "n.csv", [["code", "value"], ["a", "1"], ["b", "2"]])
    with pytest.raises(DataError, match="no column of city names found"):
        read_yearbook(p)


def test_empty_corrupt_and_html(tmp_path):
    empty = tmp_path / "e.csv"
    empty.write_bytes(b"")
    with pytest.raises(DataError, match="empty"):
        read_yearbook(empty)
    corrupt = tmp_path / "c.xlsx"
    corrupt.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(DataError, match=r"not a readable \.xlsx"):
        read_yearbook(corrupt)
    ole = tmp_path / "o.xls"
    ole.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    with pytest.raises(DataError, match="not a readable"):
        read_yearbook(ole)
    html = tmp_path / "h.xls"
    html.write_text("<html><table><tr><td>北京</td></tr></table></html>", encoding="utf-8")
    with pytest.raises(DataError, match="HTML"):
        read_yearbook(html)
    bad = tmp_path / "b.csv"
    bad.write_bytes(b"\x81\x30 \xff\xfe\xfd")
    with pytest.raises(DataError, match="neither UTF-8 nor GBK"):
        read_yearbook(bad)


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"area": "城区"}, "area must be one of"),
        ({"errors": "loud"}, "errors must be one of"),
        ({"subtotals": "sum"}, "subtotals must be one of"),
        ({"abolished": "gone"}, "abolished must be"),
    ],
)
def test_bad_options(tmp_path, kw, match):
    with pytest.raises(ValueError, match=match):
        read_yearbook(tmp_path / "whatever.csv", **kw)


# --------------------------------------------------------------------------- defects (#10)
def test_c7_utf16_bom_with_odd_byte_count(tmp_path):
    p = tmp_path / "odd.csv"
    p.write_bytes(b"\xff\xfe" + "城市,人口\n北京市,1\n".encode("utf-16-le") + b"\x00")
    with pytest.raises(DataError, match=r"odd\.csv.*UTF-16"):
        read_yearbook(p)


def test_c8_huge_csv_field(tmp_path):
    p = tmp_path / "huge.csv"
    p.write_text("城市,人口\n北京市," + "1" * 200_000 + "\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"huge\.csv"):
        read_yearbook(p)


def _corrupt(data: bytes, seed: int) -> bytes:
    import random

    d, rnd = bytearray(data), random.Random(seed)
    for _ in range(20):
        d[rnd.randrange(len(d))] = rnd.getrandbits(8)
    return bytes(d)


@pytest.mark.parametrize("kind", ["xlsx", "xls"])
def test_c9_c32_corrupted_workbooks_give_data_error(tmp_path, kind):
    from geoaggl.errors import GeoagglError

    rows = [["城市", "人口"], ["北京市", 1], ["天津市", 2]]
    src = tmp_path / f"src.{kind}"
    (fx.write_xlsx if kind == "xlsx" else fx.write_xls)(src, rows, [])
    data = src.read_bytes()
    for seed in range(40):  # seed 2 was the reproducer of both defects
        p = tmp_path / f"bad{seed}.{kind}"
        p.write_bytes(_corrupt(data, seed))
        try:
            read_yearbook(p, errors="ignore")
        except GeoagglError as exc:
            assert f"bad{seed}.{kind}" in str(exc) or isinstance(exc, UnmatchedNamesError)
        except Exception as exc:  # pragma: no cover - the failure being tested
            pytest.fail(f"seed {seed}: foreign {type(exc).__module__}.{type(exc).__name__}: {exc}")


def test_d7_overflowing_text_is_unparsed_not_inf(tmp_path):
    p = tmp_path / "inf.csv"
    p.write_text("城市,人口,GDP\n北京市,1e999,2\n天津市,3,-1e999\n", encoding="utf-8")
    with pytest.warns(GeoagglWarning, match="2 cells are not numbers"):
        df = read_yearbook(p)
    assert np.isnan(df.loc[0, "人口"]) and df.loc[1, "人口"] == 3.0 and np.isnan(df.loc[1, "GDP"])
    assert not np.isinf(df[["人口", "GDP"]].to_numpy()).any()
    assert df.attrs["unparsed"] == [("北京市", "人口", "1e999"), ("天津市", "GDP", "-1e999")]


@pytest.mark.parametrize(
    ("kw", "exc"),
    [({"year": "x"}, TypeError), ({"encoding": 5}, TypeError), ({"password": 5}, TypeError),
     ({"abolished": "gone"}, ValueError)],
)  # fmt: skip
def test_parameter_types_are_geoaggl_errors(tmp_path, kw, exc):
    from geoaggl.errors import GeoagglError

    p = fx.write_csv(tmp_path / "t.csv", [["城市", "人口"], ["北京市", "1"]])
    with pytest.raises(exc) as ei:
        read_yearbook(p, **kw)
    assert isinstance(ei.value, GeoagglError)


@pytest.mark.parametrize("path", [5, None])
def test_path_of_wrong_type(path):
    from geoaggl.errors import ParameterTypeError

    with pytest.raises(ParameterTypeError, match="path must be"):
        read_yearbook(path)
