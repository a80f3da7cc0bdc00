"""Tests of geoaggl.datasets: the seed papers' published tables and the synthetic yearbook.

``RAW`` below holds the table lines exactly as they appear in the PDF-extracted seed
texts (full-width digits, ideographic spaces, the full-width minus), so the shipped
CSV transcriptions are checked against an independent copy parsed here with NFKC
normalisation.  ``test_raw_lines_are_verbatim`` confirms the copy against
``../shared/seeds`` when that directory is present and skips otherwise.
"""

from __future__ import annotations

import itertools
import math
import re
import unicodedata

import numpy as np
import pandas as pd
import pytest

from geoaggl import datasets
from geoaggl._errors import DataError, UnknownSchemeError
from geoaggl.datasets import list_published, published, synthetic_employment

SEED_FILES = {
    "coagglomeration_level": "000_0aa5b08e4af51e88.txt",
    "dagum_within": "000_0aa5b08e4af51e88.txt",
    "dagum_between": "000_0aa5b08e4af51e88.txt",
    "dagum_sources": "000_0aa5b08e4af51e88.txt",
    "sigma": "000_0aa5b08e4af51e88.txt",
    "mono_index": "001_cd08750da533b28a.txt",
    "integration_cv": "002_38df8899311950f4.txt",
}

RAW: dict[str, str] = {
    "coagglomeration_level": """
年份 京津冀 长江中游 长三角 中原 成渝 哈长 关中平原 珠三角
２００４　 ２．７２４　 ２．５５６　 ２．７１９　 ２．３３５　 ２．３９３　 ２．４５７　 ２．３４１　 ３．３９０
２００５　 ２．７２９　 ２．４７５　 ２．７１７　 ２．３２０　 ２．３６９　 ２．４２１　 ２．３４９　 ３．３４７
２００６　 ２．８２２　 ２．４３１　 ２．７４８　 ２．２８９　 ２．３０５　 ２．３９７　 ２．２９５　 ３．４１９
２００７　 ２．８２４　 ２．４２０　 ２．７３０　 ２．２７３　 ２．２５７　 ２．３７９　 ２．２５１　 ３．３４７
２００８　 ２．８２１　 ２．４３９　 ２．６９９　 ２．２２５　 ２．２３４　 ２．３９４　 ２．２２１　 ３．３２０
２００９　 ２．８３２　 ２．５０３　 ２．７４１　 ２．２０１　 ２．３０５　 ２．４０３　 ２．２０４　 ３．３４０
２０１０　 ２．８０２　 ２．４２５　 ２．８６６　 ２．１５９　 ２．２４９　 ２．３７７　 ２．１３９　 ３．２９０
２０１１　 ２．７９８　 ２．４９０　 ２．８７３　 ２．１９７　 ２．２７２　 ２．４２７　 ２．１２７　 ３．３１４
２０１２　 ２．８３８　 ２．４８９　 ２．８７３　 ２．１９６　 ２．２８７　 ２．４５７　 ２．０９６　 ３．３７１
２０１３　 ２．８００　 ２．４５４　 ２．７４１　 ２．３５２　 ２．２４１　 ２．５０２　 １．９８５　 ３．１８８
２０１４　 ２．８１４　 ２．４５４　 ２．９３６　 ２．２８２　 ２．３１５　 ２．４６１　 ２．０４８　 ３．２２８
２０１５　 ２．７９１　 ２．４３４　 ２．９４０　 ２．２９８　 ２．３０４　 ２．４５１　 ２．０８０　 ３．２６６
２０１６　 ２．７９３　 ２．４１５　 ２．９６５　 ２．３４９　 ２．３０８　 ２．４２３　 ２．０６７　 ３．２６５
２０１７　 ２．７９０　 ２．４０６　 ２．９７３　 ２．３３８　 ２．３４６　 ２．３５７　 ２．０１７　 ３．２７６
２０１８　 ２．７２８　 ２．４０１　 ２．９３２　 ２．２９５　 ２．３４４　 ２．２５７　 ２．０４９　 ３．４３３
""",  # noqa: E501
    "dagum_within": """
京津冀 长三角 珠三角 长江中游 成渝 关中平原 哈长 中原
２００４　 ０．０７２　 ０．０７３　 ０．０５１　 ０．０８５　 ０．１１８　 ０．１４０　 ０．０９５　 ０．０９２　 ０．１１４
２００５　 ０．０７４　 ０．０８０　 ０．０５４　 ０．０７７　 ０．１１９　 ０．１４３　 ０．１０４　 ０．０８９　 ０．１１６
２００６　 ０．０９２　 ０．０８７　 ０．０５５　 ０．０７５　 ０．１２３　 ０．１５４　 ０．１１４　 ０．０８８　 ０．１２０
２００７　 ０．０９７　 ０．０８６　 ０．０５９　 ０．０７１　 ０．１３０　 ０．１５０　 ０．１１２　 ０．１０１　 ０．１２３
２００８　 ０．０９６　 ０．０８３　 ０．０５３　 ０．０６２　 ０．１３２　 ０．１６２　 ０．１１３　 ０．１０５　 ０．１２６
２００９　 ０．０９８　 ０．０７６　 ０．０５３　 ０．０５５　 ０．１３４　 ０．１６２　 ０．１２１　 ０．０９８　 ０．１２３
２０１０　 ０．１０２　 ０．０７９　 ０．０５８　 ０．０７７　 ０．１２７　 ０．１６１　 ０．１２３　 ０．０９８　 ０．１２８
２０１１　 ０．０９２　 ０．０９１　 ０．０６０　 ０．０６７　 ０．１２５　 ０．１７７　 ０．１１１　 ０．０９４　 ０．１２４
２０１２　 ０．０９６　 ０．０９２　 ０．０５０　 ０．０７０　 ０．１３８　 ０．１８６　 ０．１１４　 ０．０９２　 ０．１２７
２０１３　 ０．０９０　 ０．１０５　 ０．０５６　 ０．０５９　 ０．１０３　 ０．１９８　 ０．０７２　 ０．０９８　 ０．１１５
２０１４　 ０．０９４　 ０．０９７　 ０．０５２　 ０．０６１　 ０．１０７　 ０．１６９　 ０．０６７　 ０．０６６　 ０．１０７
２０１５　 ０．０９８　 ０．１００　 ０．０５６　 ０．０６１　 ０．１００　 ０．１７５　 ０．０５８　 ０．０６５　 ０．１０８
２０１６　 ０．０９７　 ０．０９８　 ０．０５９　 ０．０６０　 ０．１０１　 ０．１７６　 ０．０６４　 ０．０６６　 ０．１０８
２０１７　 ０．０９０　 ０．１０２　 ０．０６２　 ０．０５８　 ０．０８０　 ０．１７５　 ０．０８３　 ０．０６７　 ０．１０９
２０１８　 ０．０９２　 ０．１１７　 ０．０６８　 ０．０６０　 ０．０９３　 ０．１８０　 ０．１０９　 ０．０７９　 ０．１２１
均值 ０．０９２　 ０．０９１　 ０．０５６　 ０．０６７　 ０．１１５　 ０．１６７　 ０．０９７　 ０．０８７　 ０．１１１
""",  # noqa: E501
    "dagum_between": """
城市群间 均值 变化幅度／％ 城市群间 均值 变化幅度／％
京津冀—长三角 ０．０９３　 ４３ 珠三角—成渝 ０．１４０　 ７
京津冀—珠三角 ０．０９３　 １６ 珠三角—关中平原 ０．１６６　 ３０
京津冀—长江中游 ０．０８１ －８ 珠三角—哈长 ０．１２０　 ２６
京津冀—成渝 ０．１１８　 １ 珠三角—中原 ０．１２７　 ２
京津冀—关中平原 ０．１４８　 ３３ 长江中游—成渝 ０．０８８ －２４
京津冀—哈长 ０．１０３ －１ 长江中游—关中平原 ０．１０２ －５
京津冀—中原 ０．１０３ －１ 长江中游—哈长 ０．０７７ －１２
长三角—珠三角 ０．０９１　 ６１ 长江中游—中原 ０．０８２ －２２
长三角—长江中游 ０．０９３　 １２ 成渝—关中平原 ０．１３９　 ２
长三角—成渝 ０．１１６　 １５ 成渝—哈长 ０．１１０ －９
长三角—关中平原 ０．１２９　 ３５ 成渝—中原 ０．０９９ －１８
长三角—哈长 ０．１０３　 ３８ 关中平原—哈长 ０．１３８　 ２２
长三角—中原 ０．１１３　 ４ 关中平原—中原 ０．１１２　 ２
珠三角—长江中游 ０．１０１　 ３ 哈长—中原 ０．０９２ －６
""",
    "dagum_sources": """
年份 城市群内 贡献率／％ 城市群间 贡献率／％ 超变密度 贡献率／％
２００４　 ０．０１３　 １１．４８３　 ０．０６４　 ５５．９０６　 ０．０３７　 ３２．６１１
２００５　 ０．０１３　 １１．２９２　 ０．０６５　 ５６．４９５　 ０．０３７　 ３２．２１４
２００６　 ０．０１３　 １１．２１０　 ０．０６６　 ５５．２２１　 ０．０４０　 ３３．５６９
２００７　 ０．０１４　 １１．２４４　 ０．０６９　 ５５．９００　 ０．０４１　 ３２．８５６
２００８　 ０．０１４　 １０．８３１　 ０．０７３　 ５８．１８０　 ０．０３９　 ３０．９８９
２００９　 ０．０１３　 １０．４４６　 ０．０７５　 ６１．０１０　 ０．０３５　 ２８．５４４
２０１０　 ０．０１４　 １０．７３２　 ０．０７７　 ６０．１９７　 ０．０３７　 ２９．０７１
２０１１　 ０．０１４　 １１．０２４　 ０．０７２　 ５７．７８４　 ０．０３９　 ３１．１９２
２０１２　 ０．０１４　 １０．９９８　 ０．０７４　 ５７．８３６　 ０．０４０　 ３１．１６６
２０１３　 ０．０１４　 １１．９２１　 ０．０５９　 ５１．０６３　 ０．０４３　 ３７．０１６
２０１４　 ０．０１２　 １１．２６２　 ０．０６１　 ５７．２８９　 ０．０３４　 ３１．４４９
２０１５　 ０．０１２　 １１．２３９　 ０．０６１　 ５６．７０４　 ０．０３５　 ３２．０５７
２０１６　 ０．０１２　 １１．１７０　 ０．０６１　 ５６．４０７　 ０．０３５　 ３２．４２３
２０１７　 ０．０１２　 １１．０８４　 ０．０６２　 ５６．６３８　 ０．０３５　 ３２．２７７
２０１８　 ０．０１４　 １１．１６５　 ０．０６６　 ５４．６０５　 ０．０４２　 ３４．２３０
""",
    "sigma": """
年份 京津冀 长江中游 长三角 中原 成渝 哈长 关中平原 珠三角 总体
２００４　 ０．１３８　 ０．１３０　 ０．０９６　 ０．１５５　 ０．２２２　 ０．２７１　 ０．１８８　 ０．１６６　 ０．２０２
２００５　 ０．１４２　 ０．１４３　 ０．１００　 ０．１３９　 ０．２２４　 ０．２７１　 ０．２０２　 ０．１６１　 ０．２０７
２００６　 ０．１８３　 ０．１５８　 ０．１０３　 ０．１３６　 ０．２３３　 ０．２９０　 ０．２２１　 ０．１５９　 ０．２１６
２００７　 ０．１９３　 ０．１５９　 ０．１１２　 ０．１３１　 ０．２４６　 ０．２８３　 ０．２１７　 ０．１７９　 ０．２２２
２００８　 ０．１９０　 ０．１５４　 ０．１０４　 ０．１１８　 ０．２５２　 ０．３０２　 ０．２２０　 ０．１８８　 ０．２２５
２００９　 ０．１８９　 ０．１４１　 ０．１０２　 ０．１０６　 ０．２５０　 ０．３０５　 ０．２３４　 ０．１７６　 ０．２２１
２０１０　 ０．１９６　 ０．１４６　 ０．１１４　 ０．１４２　 ０．２４１　 ０．３０６　 ０．２３４　 ０．１７６　 ０．２２８
２０１１　 ０．１８１　 ０．１６９　 ０．１１６　 ０．１２４　 ０．２３４　 ０．３３４　 ０．２１６　 ０．１７０　 ０．２２２
２０１２　 ０．１８８　 ０．１６８　 ０．１０４　 ０．１２８　 ０．２５５　 ０．３５３　 ０．２１６　 ０．１６６　 ０．２２７
２０１３　 ０．１７５　 ０．１９２　 ０．１１０　 ０．１１１　 ０．１９２　 ０．３７２　 ０．１４６　 ０．２３２　 ０．２１７
２０１４　 ０．１８１　 ０．１７３　 ０．１０４　 ０．１１６　 ０．１９５　 ０．３２２　 ０．１３４　 ０．１２３　 ０．１９６
２０１５　 ０．１８４　 ０．１７９　 ０．１１２　 ０．１１５　 ０．１８５　 ０．３３５　 ０．１２２　 ０．１２０　 ０．１９９
２０１６　 ０．１８３　 ０．１７７　 ０．１１９　 ０．１０８　 ０．１８５　 ０．３３９　 ０．１３２　 ０．１２７　 ０．１９９
２０１７　 ０．１７４　 ０．１８２　 ０．１２３　 ０．１１０　 ０．１４９　 ０．３４５　 ０．１６３　 ０．１３０　 ０．２０１
２０１８　 ０．１７３　 ０．２１０　 ０．１３５　 ０．１１２　 ０．１７２　 ０．３４６　 ０．２１５　 ０．１４５　 ０．２２２
均值 ０．１７８　 ０．１６５　 ０．１１０　 ０．１２３　 ０．２１６　 ０．３１８　 ０．１９１　 ０．１６１　 ０．２１４
""",  # noqa: E501
    "mono_index": """
地区 城市群 2008 2013 2017 城市群结构
北方 京津冀城市群 0．23 0．21 0．24 多中心
呼包鄂榆城市群 0．14 0．15 0．14 多中心
兰西城市群 0．17 0．17 0．16 多中心
哈长城市群 0．33 0．36 0．36 多中心
关中平原城市群 1．25 1．27 1．41 单中心
中原城市群 0．19 0．11 0．16 多中心
南方 粤港澳城市群 0．55 0．57 0．58 单中心
长三角城市群 0．97 0．98 0．97 单中心
长江中游城市群 0．15 0．12 0．10 多中心
成渝城市群 0．70 0．72 0．86 单中心
北部湾城市群 1．19 1．15 1．15 单中心
""",
    "integration_cv": """
区域发展 创新产业 基础设施 生态环境 公共服务
cv2010 0.928 1.0785 0.873 0.818 0.854
cv2015 0.703 1.044 0.796 0.721 0.679
""",
}

UA8 = ["京津冀", "长三角", "珠三角", "长江中游", "成渝", "关中平原", "哈长", "中原"]
GEOAGGL_UA_NAMES = {
    "京津冀",
    "长三角",
    "珠三角",
    "长江中游",
    "成渝",
    "关中平原",
    "哈长",
    "中原",
    "北部湾",
    "呼包鄂榆",
    "兰西",
    "粤港澳大湾区",
    "黔中",
    "滇中",
}
YEARS = list(range(2004, 2019))
HALF_ULP = 0.0005  # half a unit in the third printed decimal


def _lines(name: str) -> list[str]:
    return [unicodedata.normalize("NFKC", line).strip() for line in RAW[name].strip().splitlines()]


def _num(s: str) -> float:
    return float(s)


def _raw_year_grid(name: str) -> tuple[list[str], dict[str, list[float]]]:
    """Header tokens and {year or '均值': numbers} parsed from the verbatim lines."""
    lines = _lines(name)
    header = [t for t in lines[0].split() if t != "年份"]
    rows = {p[0]: [_num(x) for x in p[1:]] for p in (line.split() for line in lines[1:])}
    return header, rows


def _ua(printed: str) -> str:
    name = printed.removesuffix("城市群")
    return "粤港澳大湾区" if name == "粤港澳" else name


def _wide(name: str) -> pd.DataFrame:
    return published(name, wide=True)


# --------------------------------------------------------------------------- the transcription


@pytest.mark.parametrize("name", ["coagglomeration_level", "dagum_within", "sigma"])
def test_year_tables_hold_every_printed_number(name: str) -> None:
    header, rows = _raw_year_grid(name)
    if name == "dagum_within":  # printed header: 年份 | Gw (8 UAs) | G
        header = [*header, "总体"]
    wide = _wide(name)
    assert list(wide.columns) == header
    assert list(wide.index) == YEARS
    for year in YEARS:
        assert wide.loc[year].tolist() == rows[str(year)], year
    if "均值" in rows:
        assert wide.attrs["printed_means"] == dict(zip(header, rows["均值"], strict=True))
    else:
        assert "printed_means" not in wide.attrs
    # the long form carries exactly the same numbers
    long = published(name)
    assert len(long) == wide.size
    back = long.pivot(index="year", columns="agglomeration", values="value")
    pd.testing.assert_frame_equal(back[header], wide, check_names=False)


def test_dagum_sources_holds_every_printed_number() -> None:
    header, rows = _raw_year_grid("dagum_sources")
    assert header == ["城市群内", "贡献率/%", "城市群间", "贡献率/%", "超变密度", "贡献率/%"]
    wide = _wide("dagum_sources")
    assert list(wide.columns) == ["Gw", "Gw_pct", "Gnb", "Gnb_pct", "Gt", "Gt_pct"]
    for year in YEARS:
        assert wide.loc[year].tolist() == rows[str(year)]
    long = published("dagum_sources")
    assert list(long.columns) == ["year", "component", "statistic", "value"]
    assert len(long) == 90
    sub = long.set_index(["year", "component", "statistic"])["value"]
    assert sub[(2004, "Gnb", "gini")] == 0.064
    assert sub[(2004, "Gnb", "contribution_pct")] == 55.906


def test_dagum_between_holds_every_printed_number() -> None:
    lines = _lines("dagum_between")
    printed = []
    for line in lines[1:]:
        printed += re.findall(r"(\S+)—(\S+) (\d\.\d+) +(-?\d+)", line)
    assert len(printed) == 28
    # stored left block (first pair of every line) then right block
    left, right = printed[0::2], printed[1::2]
    expected = [(a, b, _num(m), _num(c)) for a, b, m, c in left + right]
    wide = _wide("dagum_between")
    got = [(a, b, m, c) for (a, b), (m, c) in zip(wide.index, wide.to_numpy().tolist(), strict=True)]
    assert got == expected
    long = published("dagum_between")
    assert list(long.columns) == ["agglomeration", "agglomeration_b", "statistic", "value"]
    assert set(long["statistic"]) == {"mean", "change_pct"}
    assert len(long) == 56


def test_mono_index_holds_every_printed_number() -> None:
    lines = _lines("mono_index")
    assert lines[0].split() == ["地区", "城市群", "2008", "2013", "2017", "城市群结构"]
    wide = _wide("mono_index")
    region = None
    for line, (ua, row) in zip(lines[1:], wide.iterrows(), strict=True):
        p = line.split()
        if p[0] in ("北方", "南方"):
            region = p.pop(0)
        assert ua == _ua(p[0])
        assert row["region"] == region
        assert [row[2008], row[2013], row[2017]] == [_num(x) for x in p[1:4]]
        assert row["structure"] == p[4]
    assert list(wide.columns) == ["region", 2008, 2013, 2017, "structure"]
    assert (wide["region"] == "北方").sum() == 6 and (wide["region"] == "南方").sum() == 5


def test_integration_cv_holds_every_printed_number() -> None:
    lines = _lines("integration_cv")
    dims = lines[0].split()
    wide = _wide("integration_cv")
    assert list(wide.columns) == dims
    assert list(wide.index) == [2010, 2015]
    for line in lines[1:]:
        p = line.split()
        assert wide.loc[int(p[0].removeprefix("cv"))].tolist() == [_num(x) for x in p[1:]]
    # printed with four decimals, kept as printed
    assert wide.loc[2010, "创新产业"] == 1.0785


def test_raw_lines_are_verbatim(shared_dir) -> None:
    for name, fname in SEED_FILES.items():
        text = (shared_dir / "seeds" / fname).read_text(encoding="utf-8")
        for line in RAW[name].strip().splitlines():
            assert line in text, (name, line)


# --------------------------------------------------------------------------- the papers' identities


def test_2004_components_add_up() -> None:
    s = _wide("dagum_sources").loc[2004]
    assert (s["Gw"], s["Gnb"], s["Gt"]) == (0.013, 0.064, 0.037)
    assert round(s["Gw"] + s["Gnb"] + s["Gt"], 3) == _wide("dagum_within").loc[2004, "总体"] == 0.114


def test_components_sum_to_overall_gini_every_year() -> None:
    # Each printed number carries up to 0.0005 of rounding error, so |Gw + Gnb + Gt - G| can reach
    # 4 x 0.0005 = 0.002 in principle; the brief's 0.0015 holds on the printed table (max 0.001).
    src = _wide("dagum_sources")
    g = _wide("dagum_within")["总体"]
    gap = (src["Gw"] + src["Gnb"] + src["Gt"] - g).abs()
    assert list(gap.index) == YEARS
    assert gap.max() <= 0.0015 + 1e-12
    assert gap.max() == pytest.approx(0.001)


def test_contribution_shares_sum_to_100() -> None:
    src = _wide("dagum_sources")
    total = src["Gw_pct"] + src["Gnb_pct"] + src["Gt_pct"]
    assert (total - 100).abs().max() <= 3 * HALF_ULP + 1e-9  # three 3-decimal roundings


def test_shares_times_gini_give_components() -> None:
    # share is computed from unrounded values: |share/100 * G_printed - comp_printed|
    # <= share/100 * 0.0005 (G rounding) + 0.0005 (component rounding)
    src = _wide("dagum_sources")
    g = _wide("dagum_within")["总体"]
    for comp in ("Gw", "Gnb", "Gt"):
        share = src[f"{comp}_pct"] / 100
        assert ((share * g - src[comp]).abs() <= share * HALF_ULP + HALF_ULP + 1e-12).all(), comp


def test_mean_shares_quoted_in_the_text() -> None:
    src = _wide("dagum_sources")
    assert round(src["Gnb_pct"].mean(), 3) == 56.749  # 贡献率均值达到56.749%
    assert round(src["Gt_pct"].mean(), 2) == 32.11
    assert round(src["Gw_pct"].mean(), 2) == 11.14
    assert (src["Gnb_pct"] > src["Gt_pct"]).all() and (src["Gt_pct"] > src["Gw_pct"]).all()


@pytest.mark.parametrize("name", ["dagum_within", "sigma"])
def test_printed_means_match_yearly_values(name: str) -> None:
    wide = _wide(name)
    means = wide.attrs["printed_means"]
    gaps = {k: abs(wide[k].mean() - v) for k, v in means.items()}
    if name == "dagum_within":
        # paper inconsistency (documented in attrs["notes"]): the printed mean of G is 0.111
        # in the table and the prose, but the 15 printed yearly G average 0.118
        assert means["总体"] == 0.111
        assert round(wide["总体"].mean(), 3) == 0.118
        assert "0.111" in wide.attrs["notes"] and "0.118" in wide.attrs["notes"]
        gaps.pop("总体")
    # mean rounding (0.0005) plus the average of the yearly roundings (<= 0.0005)
    assert max(gaps.values()) <= 2 * HALF_ULP + 1e-12


def test_within_means_quoted_in_the_text() -> None:
    means = _wide("dagum_within").attrs["printed_means"]
    order = sorted(UA8, key=lambda ua: -means[ua])
    assert order == ["关中平原", "成渝", "哈长", "京津冀", "长三角", "中原", "长江中游", "珠三角"]
    assert _wide("dagum_within")["关中平原"].max() == 0.198


def test_gini_and_sigma_headers_conflict_as_documented() -> None:
    # E|X - Y| <= sqrt(2) sd, so a Gini can never exceed CV / sqrt(2) on the same data.
    gini = _wide("dagum_within")
    sigma = _wide("sigma")
    ratio_overall = gini["总体"] / sigma["总体"]
    assert ratio_overall.between(0.5, 1 / math.sqrt(2)).all()
    by_name = gini[UA8] / sigma[UA8]
    assert by_name.to_numpy().max() > 1.4  # impossible under the printed headers ...
    assert (by_name.to_numpy() > 1 / math.sqrt(2)).sum() == 31
    positional = gini[UA8].to_numpy() / sigma.drop(columns="总体").to_numpy()
    assert 0.42 < positional.min() and positional.max() < 0.57  # ... plausible read by position
    assert 0.5 < positional.mean(axis=0).min()
    for name in ("dagum_within", "sigma"):
        assert "Paper inconsistency" in published(name).attrs["notes"]


def test_mono_structure_follows_the_threshold() -> None:
    wide = _wide("mono_index")
    mono = (wide[[2008, 2013, 2017]] > 0.5).all(axis=1)
    poly = (wide[[2008, 2013, 2017]] < 0.5).all(axis=1)
    assert (mono == (wide["structure"] == "单中心")).all()
    assert (poly == (wide["structure"] == "多中心")).all()


def test_integration_cv_changes_quoted_in_the_text() -> None:
    cv = _wide("integration_cv")
    drop = cv.loc[2010] - cv.loc[2015]
    assert round(drop["区域发展"], 2) == 0.23  # 变异系数缩小 0.23 (0.225)
    assert drop["公共服务"] == pytest.approx(0.175)  # printed as 0.17 in the prose
    assert cv.loc[2010].sort_values(ascending=False).index.tolist() == [
        "创新产业",
        "区域发展",
        "基础设施",
        "公共服务",
        "生态环境",
    ]
    assert drop.idxmax() == "区域发展"


# --------------------------------------------------------------------------- ranges and spot values


def test_plausible_ranges() -> None:
    level = published("coagglomeration_level")["value"]
    assert level.between(1.98, 3.44).all()  # METHODS §1
    assert (level.min(), level.max()) == (1.985, 3.433)
    for name in ("dagum_within", "sigma"):
        assert published(name)["value"].between(0, 1).all()
    between = _wide("dagum_between")
    assert between["mean"].between(0, 1).all()
    assert between["change_pct"].between(-100, 100).all()
    assert (between["change_pct"] == between["change_pct"].round()).all()
    src = published("dagum_sources")
    assert src.loc[src["statistic"] == "gini", "value"].between(0, 1).all()
    assert src.loc[src["statistic"] == "contribution_pct", "value"].between(0, 100).all()
    assert published("mono_index")["value"].between(0, 3).all()
    assert published("integration_cv")["value"].between(0, 2).all()


def test_spot_values_quoted_in_methods() -> None:
    q = _wide("mono_index")
    assert q.loc["京津冀", [2008, 2013, 2017]].tolist() == [0.23, 0.21, 0.24]
    assert q.loc["关中平原", [2008, 2013, 2017]].tolist() == [1.25, 1.27, 1.41]
    assert q.loc["长三角", [2008, 2013, 2017]].tolist() == [0.97, 0.98, 0.97]
    g = _wide("dagum_within")["总体"]
    assert (g[2004], g[2012], g[2014], g[2018]) == (0.114, 0.127, 0.107, 0.121)
    assert g.idxmin() == 2014
    between = _wide("dagum_between")["mean"]
    assert between.idxmax() == ("珠三角", "关中平原") and between.max() == 0.166
    assert between.idxmin() == ("长江中游", "哈长") and between.min() == 0.077


def test_complete_grids() -> None:
    for name, extra in (("coagglomeration_level", []), ("dagum_within", ["总体"]), ("sigma", ["总体"])):
        df = published(name)
        assert df["value"].notna().all()
        assert not df.duplicated(["year", "agglomeration"]).any()
        assert set(df["year"]) == set(YEARS)
        assert set(df["agglomeration"]) == set(UA8 + extra)
        assert len(df) == len(YEARS) * (8 + len(extra))
    pairs = _wide("dagum_between").index
    assert {frozenset(p) for p in pairs} == {frozenset(p) for p in itertools.combinations(UA8, 2)}
    src = published("dagum_sources")
    assert len(src) == len(YEARS) * 3 * 2 and src["value"].notna().all()
    mono = published("mono_index")
    assert len(mono) == 11 * 3 and not mono.duplicated(["year", "agglomeration"]).any()
    cv = published("integration_cv")
    assert len(cv) == 2 * 5 and cv["value"].notna().all()


def test_names_and_dtypes() -> None:
    for name in list_published():
        df = published(name)
        assert df["value"].dtype == np.float64
        if "year" in df:
            assert df["year"].dtype == np.int64
        for col in ("agglomeration", "agglomeration_b"):
            if col in df:
                assert set(df[col]) <= GEOAGGL_UA_NAMES | {"总体"}, name
    assert set(published("mono_index")["agglomeration"]) == {
        "京津冀",
        "呼包鄂榆",
        "兰西",
        "哈长",
        "关中平原",
        "中原",
        "粤港澳大湾区",
        "长三角",
        "长江中游",
        "成渝",
        "北部湾",
    }


# --------------------------------------------------------------------------- API behaviour


def test_list_published() -> None:
    names = list_published()
    assert names == [
        "coagglomeration_level",
        "dagum_within",
        "dagum_between",
        "dagum_sources",
        "sigma",
        "mono_index",
        "integration_cv",
    ]
    names.append("x")
    assert "x" not in list_published()


@pytest.mark.parametrize("name", list_published())
def test_provenance_attrs(name: str) -> None:
    for wide in (False, True):
        attrs = published(name, wide=wide).attrs
        assert attrs["name"] == name
        assert attrs["shape"] == ("wide" if wide else "long")
        assert attrs["table"].startswith("Table ")
        assert attrs["table"] in attrs["source"]
        assert "seed" not in attrs["source"] and "transcribed from the paper" in attrs["source"]
        for key in ("unit", "layout", "notes"):
            assert isinstance(attrs[key], str) and len(attrs[key]) > 20
    source = published(name).attrs["source"]
    if SEED_FILES[name].startswith("000"):
        assert "陈秀英" in source
    elif SEED_FILES[name].startswith("001"):
        assert "SONG Deyong" in source


def test_unknown_name_lists_valid_names() -> None:
    with pytest.raises(UnknownSchemeError) as err:
        published("dagum")
    msg = str(err.value)
    assert "'dagum'" in msg
    for name in list_published():
        assert name in msg
    assert isinstance(err.value, ValueError)
    with pytest.raises(UnknownSchemeError):
        published(3)  # type: ignore[arg-type]


def test_wide_must_be_bool() -> None:
    with pytest.raises(TypeError, match="wide"):
        published("sigma", wide="yes")  # type: ignore[arg-type]


@pytest.mark.parametrize("wide", [False, True])
def test_returned_frame_is_a_copy(wide: bool) -> None:
    first = published("dagum_within", wide=wide)
    expected = first.copy()
    first.iloc[0, -1] = -1.0
    first.attrs["notes"] = "changed"
    first.attrs["printed_means"]["京津冀"] = -1.0
    again = published("dagum_within", wide=wide)
    pd.testing.assert_frame_equal(again, expected)
    assert again.attrs["notes"] != "changed"
    assert again.attrs["printed_means"]["京津冀"] == 0.092


def test_long_and_wide_agree_for_every_table() -> None:
    for name in list_published():
        long, wide = published(name), published(name, wide=True)
        numeric = wide.select_dtypes("number")
        assert sorted(long["value"]) == sorted(numeric.to_numpy().ravel().tolist()), name


# --------------------------------------------------------------------------- synthetic yearbook


def test_synthetic_default_shape_and_label(prefs) -> None:
    df = synthetic_employment(seed=7)
    assert list(df.columns) == ["adcode", "agglomeration", "year", *datasets.SYNTHETIC_SECTORS, "合计"]
    assert len(df) == 3 * 5 * 3
    assert df.attrs["synthetic"] is True
    assert "SYNTHETIC" in df.attrs["source"] and "seed=7" in df.attrs["source"]
    assert set(df["adcode"]) <= set(prefs.index)  # real units
    assert df["adcode"].nunique() == 15
    assert list(df["agglomeration"].unique()) == ["A", "B", "C"]
    assert sorted(df["year"].unique().tolist()) == [2016, 2017, 2018]
    assert df["year"].dtype == np.int64
    methods_sectors = [
        "制造业",
        "交通运输、仓储和邮政业",
        "信息传输、计算机服务和软件业",
        "金融业",
        "房地产业",
        "租赁和商务服务业",
        "科学研究、技术服务和地质勘查业",
        "采矿业",
        "电力、燃气及水的生产和供应业",
    ]
    assert sorted(methods_sectors) == sorted(datasets.SYNTHETIC_SECTORS)
    assert (df[methods_sectors] >= 0).all().all()
    listed = df[list(datasets.SYNTHETIC_SECTORS)].sum(axis=1)
    assert (df["合计"] > listed).all()
    assert (df["合计"] == df["合计"].round(2)).all()
    assert not df.duplicated(["adcode", "year"]).any()


def test_synthetic_is_deterministic() -> None:
    a = synthetic_employment(seed=3, years=range(2010, 2015))
    b = synthetic_employment(seed=3, years=range(2010, 2015))
    pd.testing.assert_frame_equal(a, b)
    c = synthetic_employment(seed=4, years=range(2010, 2015))
    assert not a[list(datasets.SYNTHETIC_SECTORS)].equals(c[list(datasets.SYNTHETIC_SECTORS)])


def test_synthetic_mapping_and_pool() -> None:
    mapping = {"京津冀": ["110100", "120100", "130100"], "长三角": ["310100", "320100"]}
    df = synthetic_employment(mapping, years=[2018, 2017], seed=1)
    assert df.groupby("agglomeration", sort=False)["adcode"].unique().map(list).to_dict() == mapping
    assert df["year"].tolist()[:2] == [2017, 2018]
    pool = ["110100", "120100", "130100", "130200", "130300", "130400"]
    df = synthetic_employment(pool, groups=["x", "y"], n_per_group=3, seed=2)
    assert sorted(df["adcode"].unique()) == sorted(pool)
    assert df.groupby("agglomeration")["adcode"].nunique().tolist() == [3, 3]


def test_synthetic_feeds_a_location_quotient() -> None:
    df = synthetic_employment(seed=0, groups=4, n_per_group=6)
    services = [
        "交通运输、仓储和邮政业",
        "信息传输、计算机服务和软件业",
        "金融业",
        "房地产业",
        "租赁和商务服务业",
        "科学研究、技术服务和地质勘查业",
    ]
    yr = df[df["year"] == 2018]
    lq_m = (yr["制造业"] / yr["合计"]) / (yr["制造业"].sum() / yr["合计"].sum())
    lq_s = (yr[services].sum(axis=1) / yr["合计"]) / (yr[services].sum().sum() / yr["合计"].sum())
    y = (1 - (lq_m - lq_s).abs() / (lq_m + lq_s)) + (lq_m + lq_s)
    assert y.notna().all() and (y > 0).all() and y.std() > 0


@pytest.mark.parametrize(
    ("kwargs", "exc"),
    [
        ({"adcodes": ["11010"]}, DataError),
        ({"adcodes": ["110100", "110100"]}, DataError),
        ({"adcodes": {"X": ["999999"]}}, DataError),  # 6 digits, but no such unit: never invented
        ({"adcodes": ["110100", "110101"]}, DataError),  # a district (东城区), not a prefecture
        ({"adcodes": ["110100", "120100"], "groups": 2, "n_per_group": 2}, DataError),
        ({"adcodes": {"a": ["110100"]}, "groups": 2}, TypeError),
        ({"adcodes": {"a": ["110100"], "b": ["110100"]}}, DataError),
        ({"adcodes": {"a": []}}, DataError),
        ({"adcodes": "110100"}, TypeError),
        ({"n_per_group": 0}, DataError),
        ({"n_per_group": 1.5}, TypeError),
        ({"groups": ["a", "a"]}, DataError),
        ({"groups": 0}, DataError),
        ({"years": []}, DataError),
        ({"years": [2018, 2018]}, DataError),
        ({"years": [2018.0]}, TypeError),
        ({"seed": "0"}, TypeError),
    ],
)
def test_synthetic_rejects_bad_arguments(kwargs: dict, exc: type[Exception]) -> None:
    with pytest.raises(exc):
        synthetic_employment(**kwargs)


# --------------------------------------------------------------------------- synthetic_yearbook


def test_synthetic_yearbook_rows_are_the_real_members(prefs) -> None:
    from geoaggl import agglomerations
    from geoaggl.datasets import synthetic_yearbook

    yb = synthetic_yearbook(seed=0, years=[2016, 2017], scheme="national11")
    members = agglomerations("national11")
    mainland = sorted(set(members["adcode"]) & set(prefs.index))
    assert sorted(yb["adcode"].unique()) == mainland  # every mainland member, nothing invented
    assert not {"810000", "820000"} & set(yb["adcode"])
    assert not yb.duplicated(["adcode", "year"]).any() and len(yb) == 2 * len(mainland)
    first = members.drop_duplicates("adcode").set_index("adcode")
    one = yb.drop_duplicates("adcode").set_index("adcode")
    assert (one["agglomeration"] == first.loc[one.index, "agglomeration"]).all()  # first-listed UA
    assert (one["central"] == first.loc[one.index, "central"]).all()
    assert (one["name"] == prefs.loc[one.index, "name"]).all()
    assert set(yb.attrs["multi_membership"]) == {"130400", "130500", "140800"}
    cols = [
        "adcode",
        "name",
        "agglomeration",
        "central",
        "year",
        *datasets.SYNTHETIC_SECTORS,
        "合计",
        "population",
        "hgdp",
        "freight",
        "fdi",
        "edu",
        "gov",
        "inv",
    ]
    assert list(yb.columns) == cols
    assert yb["year"].dtype == np.int64 and yb["central"].dtype == bool


def test_synthetic_yearbook_is_labelled_and_deterministic() -> None:
    from geoaggl.datasets import synthetic_yearbook

    a = synthetic_yearbook(seed=5, years=range(2010, 2013), scheme="yreb5")
    assert a.attrs["synthetic"] is True and a.attrs["seed"] == 5 and a.attrs["scheme"] == "yreb5"
    assert "SYNTHETIC" in a.attrs["source"] and "seed=5" in a.attrs["source"]
    assert "SYNTHETIC" in (synthetic_yearbook.__doc__ or "")
    assert set(a.attrs["units"]) == {
        *datasets.SYNTHETIC_SECTORS,
        "合计",
        "population",
        "hgdp",
        "freight",
        "fdi",
        "edu",
        "gov",
        "inv",
    }
    pd.testing.assert_frame_equal(a, synthetic_yearbook(seed=5, years=range(2010, 2013), scheme="yreb5"))
    b = synthetic_yearbook(seed=6, years=range(2010, 2013), scheme="yreb5")
    assert not a["hgdp"].equals(b["hgdp"]) and not a["制造业"].equals(b["制造业"])


def test_synthetic_yearbook_values_are_plausible() -> None:
    from geoaggl.datasets import synthetic_yearbook

    yb = synthetic_yearbook(seed=3)
    assert sorted(yb["year"].unique().tolist()) == list(range(2008, 2018))  # seed 001's period
    num = ["population", "hgdp", "freight", "fdi", "edu", "gov", "inv", *datasets.SYNTHETIC_SECTORS]
    assert np.isfinite(yb[num].to_numpy()).all() and (yb[num] > 0).all().all()
    listed = yb[list(datasets.SYNTHETIC_SECTORS)].sum(axis=1)
    assert (yb["合计"] > listed).all() and (yb["合计"] < yb["population"]).all()
    med = yb.groupby("central")[["hgdp", "population", "合计"]].median()
    assert (med.loc[True] > med.loc[False]).all()  # central cities larger and richer
    svc = list(datasets.SYNTHETIC_SECTORS[3:])
    share = yb[svc].sum(axis=1) / yb[list(datasets.SYNTHETIC_SECTORS)].sum(axis=1)
    assert share[yb["central"]].median() > share[~yb["central"]].median()  # service tilt of centres
    assert 10_000 < yb["hgdp"].median() < 200_000  # 元/人


def test_synthetic_yearbook_reuses_synthetic_employment() -> None:
    from geoaggl import agglomerations
    from geoaggl.datasets import synthetic_yearbook

    yb = synthetic_yearbook(seed=4, years=[2015, 2016, 2017], scheme="yreb5")
    first = agglomerations("yreb5").drop_duplicates("adcode")
    mapping = {ua: g["adcode"].tolist() for ua, g in first.groupby("agglomeration", sort=False)}
    base = synthetic_employment(mapping, years=[2015, 2016, 2017], seed=4)
    assert yb[["adcode", "agglomeration", "year"]].equals(base[["adcode", "agglomeration", "year"]])
    # non-central cities keep synthetic_employment's sector shares (only rescaled)
    nc = ~yb["central"].to_numpy()
    sectors = list(datasets.SYNTHETIC_SECTORS)
    s_yb = yb.loc[nc, sectors].div(yb.loc[nc, "合计"], axis=0).to_numpy()
    s_base = base.loc[nc, sectors].div(base.loc[nc, "合计"], axis=0).to_numpy()
    assert np.allclose(s_yb, s_base, atol=5e-3)


def test_synthetic_yearbook_plants_the_division_elasticity() -> None:
    from geoaggl import indices
    from geoaggl.datasets import SYNTHETIC_DIV_ELASTICITY, synthetic_yearbook

    yb = synthetic_yearbook(seed=0)
    div = indices.division_of_labour(
        yb,
        services=list(datasets.SYNTHETIC_SECTORS[3:]),
        manufacturing=list(datasets.SYNTHETIC_SECTORS[:3]),
        group="agglomeration",
        central="central",
    )
    # within-city, within-year (two-way demeaned) regression of ln hgdp on ln div and ln fdi
    frame = pd.DataFrame(
        {
            "y": np.log(yb["hgdp"]),
            "d": np.log(div),
            "f": np.log(yb["fdi"]),
            "i": yb["adcode"],
            "t": yb["year"],
        }
    )
    for c in ("y", "d", "f"):
        by_i, by_t = frame.groupby("i")[c].transform("mean"), frame.groupby("t")[c].transform("mean")
        frame[c] = frame[c] - by_i - by_t + frame[c].mean()
    X = frame[["d", "f"]].to_numpy()
    beta = np.linalg.lstsq(X, frame["y"].to_numpy(), rcond=None)[0]
    assert abs(beta[0] - SYNTHETIC_DIV_ELASTICITY) < 0.05
    assert yb.attrs["planted"]["ln_hgdp~ln_div"] == SYNTHETIC_DIV_ELASTICITY


@pytest.mark.parametrize(
    ("kwargs", "exc"),
    [
        ({"scheme": "nope"}, UnknownSchemeError),
        ({"scheme": 3}, TypeError),
        ({"seed": 1.5}, TypeError),
        ({"seed": True}, TypeError),
        ({"years": []}, DataError),
        ({"years": [2010, 2010]}, DataError),
    ],
)
def test_synthetic_yearbook_rejects_bad_arguments(kwargs: dict, exc: type[Exception]) -> None:
    from geoaggl.datasets import synthetic_yearbook

    with pytest.raises(exc):
        synthetic_yearbook(**kwargs)


@pytest.mark.parametrize("fn", ["synthetic_employment", "synthetic_yearbook"])
def test_c22_negative_seed_is_a_geoaggl_error(fn):
    from geoaggl import datasets
    from geoaggl.errors import DataError

    with pytest.raises(DataError, match="seed must be >= 0"):
        getattr(datasets, fn)(seed=-1)


def test_sample_yearbook_path():
    from geoaggl import datasets

    p = datasets.sample_yearbook()
    assert p.name == "sample_yearbook_2-1.xls" and p.is_file()
