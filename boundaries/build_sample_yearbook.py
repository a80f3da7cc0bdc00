"""Build geoaggl's SYNTHETIC sample yearbook export ``geoaggl/data/sample_yearbook_2-1.xls``.

Re-runnable and byte-for-byte reproducible: ``python boundaries/build_sample_yearbook.py``
(needs ``xlwt`` and ``msoffcrypto-tool``, both test dependencies).

The file has the layout of a real CNKI download of table 2-1 (人口状况) of the
China City Statistical Yearbook: a legacy ``.xls`` encrypted (RC4) with Excel's
built-in password ``VelvetSweatshop``, section and title lines in Chinese and
English, a two-row header with merged cells (``全市``/``市辖区`` groups and English
translation lines), municipalities, province heading rows without figures, indented
city names with an English column, numbers stored as text, a page break with a
repeated header (``2-1 续表 1 continued 1``), a note line and a second ``CNKI``
link sheet.

**Every number is SYNTHETIC** (drawn from a seeded random generator, not
statistics); the title line and the note say so in the file itself.  The cities
are real current units (2019 onwards, so no merged or split unit appears) and
their names and English names are those of ``geoaggl.prefectures()``.

:func:`sample_rows` returns what the file holds, so tests can check that every
number lands on the right adcode.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "geoaggl" / "data" / "sample_yearbook_2-1.xls"
SEED = 20260101

#: (province heading or None for a municipality, [(name, English name, adcode)])
SECTIONS: list[tuple[tuple[str, str] | None, list[tuple[str, str, str]]]] = [
    (None, [("北京市", "Beijing", "110100")]),
    (None, [("天津市", "Tianjin", "120100")]),
    (("河北省", "Hebei"), [
        ("石家庄市", "Shijiazhuang", "130100"), ("唐山市", "Tangshan", "130200"),
        ("秦皇岛市", "Qinhuangdao", "130300"), ("邯郸市", "Handan", "130400"),
        ("邢台市", "Xingtai", "130500"), ("保定市", "Baoding", "130600"),
        ("张家口市", "Zhangjiakou", "130700"), ("承德市", "Chengde", "130800"),
        ("沧州市", "Cangzhou", "130900"), ("廊坊市", "Langfang", "131000"),
        ("衡水市", "Hengshui", "131100"),
    ]),
    (("安徽省", "Anhui"), [
        ("合肥市", "Hefei", "340100"), ("芜湖市", "Wuhu", "340200"), ("蚌埠市", "Bengbu", "340300"),
        ("淮南市", "Huainan", "340400"), ("马鞍山市", "Ma'anshan", "340500"),
    ]),
    (("湖北省", "Hubei"), [
        ("武汉市", "Wuhan", "420100"), ("黄石市", "Huangshi", "420200"), ("十堰市", "Shiyan", "420300"),
        ("宜昌市", "Yichang", "420500"), ("襄阳市", "Xiangyang", "420600"), ("鄂州市", "Ezhou", "420700"),
        ("荆门市", "Jingmen", "420800"), ("孝感市", "Xiaogan", "420900"), ("荆州市", "Jingzhou", "421000"),
    ]),
]  # fmt: skip
PAGE_BREAK_BEFORE = "安徽省"  # the header is repeated here, as at a CNKI page break
MEASURES = ("年末户籍人口 (万人)", "年平均人口 (万人)", "自然增长率(‰)")
COLUMNS = ("年末户籍人口(万人)", "年平均人口(万人)", "自然增长率(‰)")  # as read_yearbook names them
W = 8

HEADER_TOP: list[Any] = [
    "城 市", "City",
    "年末户籍人口 (万人)\r\nHousehold Registered\r\nPopulation at Year-end\r\n(10 000 persons)", None,
    "年平均人口 (万人)\r\nAnnual Average Population\r\n(10 000 persons)", None,
    "自然增长率(‰)\r\nNatural Growth Rate\r\n(‰)", None,
]  # fmt: skip
HEADER_SUB: list[Any] = [None, None] + ["全市\r\nTotal City", "市辖区\r\nDistricts\r\nunder City"] * 3


def sample_rows() -> list[dict[str, Any]]:
    """The SYNTHETIC figures, one dict per city in file order (``adcode``, ``name``, ``name_en``,
    ``province`` and ``"<column>|全市"`` / ``"<column>|市辖区"`` floats)."""
    rng = np.random.default_rng(SEED)
    out = []
    for heading, cities in SECTIONS:
        for name, en, code in cities:
            total = float(rng.integers(150, 1500))
            share = 1.0 if heading is None else float(rng.uniform(0.2, 0.9))
            urban = float(round(total * share))
            avg_t, avg_u = total - float(rng.integers(0, 8)), urban - float(rng.integers(0, 5))
            g_t, g_u = round(float(rng.uniform(-3, 12)), 2), round(float(rng.uniform(-3, 12)), 2)
            if heading is None:
                avg_u, g_u = avg_t, g_t
            row = {"adcode": code, "name": name, "name_en": en, "province": heading[0] if heading else None}
            for col, (a, b) in zip(COLUMNS, ((total, urban), (avg_t, avg_u), (g_t, g_u)), strict=True):
                row[f"{col}|全市"], row[f"{col}|市辖区"] = a, b
            out.append(row)
    return out


def _fmt(x: float) -> str:
    return f"{x:.2f}" if not float(x).is_integer() or abs(x) < 50 else str(int(x))


def grid() -> tuple[list[list[Any]], list[tuple[int, int, int, int]]]:
    """The sheet's cells and merged ranges (half-open, like xlrd)."""
    rows: list[list[Any]] = [
        ["(一)人口、劳动力及土地资源", *[None] * (W - 1)],
        ["Population, Labour Forces and Land Resources", *[None] * (W - 1)],
        ["2-1 人口状况（SYNTHETIC 合成示例：全部数字为随机数，不是统计数据）", *[None] * (W - 1)],
        [
            "Population (SYNTHETIC sample from geoaggl: every number is random, not a statistic)",
            *[None] * (W - 1),
        ],
    ]
    merges: list[tuple[int, int, int, int]] = []

    def header() -> None:
        r = len(rows)
        rows.extend([list(HEADER_TOP), list(HEADER_SUB)])
        merges.extend([(r, r + 2, 0, 1), (r, r + 2, 1, 2)])
        merges.extend([(r, r + 1, c, c + 2) for c in (2, 4, 6)])

    header()
    figures = iter(sample_rows())
    for heading, cities in SECTIONS:
        if heading is not None and heading[0] == PAGE_BREAK_BEFORE:
            rows.extend([[None] * W, [None] * W, ["2-1 续表 1 continued 1", *[None] * (W - 1)]])
            header()
        indent = ""
        if heading is not None:
            rows.append([heading[0], heading[1], *[None] * (W - 2)])
            indent = "  "
        for name, en, _ in cities:
            f = next(figures)
            vals = [_fmt(f[f"{c}|{a}"]) for c in COLUMNS for a in ("全市", "市辖区")]
            rows.append([indent + name, indent + en, *vals])
    rows.append(["注：SYNTHETIC 合成示例数据，由 geoaggl 随机生成，仅用于演示读取流程。", *[None] * (W - 1)])
    return rows, merges


def main() -> None:
    sys.path.insert(0, str(ROOT / "tests"))
    import fixtures_yearbook as fx  # the RC4 writer shared with the tests

    rows, merges = grid()
    rng = np.random.default_rng(SEED)
    salt, verifier = rng.bytes(16), rng.bytes(16)  # fixed: re-running gives the same bytes
    fx.write_encrypted_xls(OUT, "VelvetSweatshop", rows, merges, sheet="2-1", salt=salt, verifier=verifier)
    n = len(sample_rows())
    print(f"wrote {OUT.relative_to(ROOT)}: {n} cities, {OUT.stat().st_size} bytes")


if __name__ == "__main__":
    main()
