"""Urban-agglomeration (UA, 城市群) membership, authored from the plan documents.

The member lists live in ``geoaggl/data/agglomerations.csv``, a validated copy
of ``boundaries/agglomerations.csv`` written by ``boundaries/build_tables.py``
(one row per UA member: Chinese and English UA name, current adcode, Chinese
unit name as in :func:`geoaggl.prefectures`, province, ``partial`` flag with the
plan's wording of the covered districts in ``partial_note``, and the plan
document).  Which members are *central cities* is not stored: it is computed
here by the rule of Song Deyong and Li Dongfang (宋德勇, 李东方), 国家级城市群高质量
平衡增长研究——基于产业分工的视角 ("High-quality balanced growth of national urban
agglomerations: an industrial division-of-labour perspective"; Song & Li below)
(see :func:`is_central`).

Membership facts worth knowing
------------------------------
* A unit may belong to several UAs: 邯郸 and 邢台 are in 京津冀 and 中原, 运城 in
  中原 and 关中平原, and the nine 珠三角 cities are also in 粤港澳大湾区.
* ``partial=True`` marks units of which the plan lists only some districts or
  counties: 长江中游 (抚州, 吉安), 成渝 (重庆, 绵阳, 达州, 雅安), 关中平原 (商洛,
  运城, 临汾, 平凉, 庆阳), 兰西 (白银, 定西, 临夏, 海北, 海南, 黄南), 黔中 (遵义,
  安顺, 毕节, 黔东南, 黔南) and 滇中 (红河).  The 哈长, 中原, 北部湾, 呼包鄂榆,
  京津冀, 长三角, 珠三角 and 粤港澳大湾区 plans list whole units.
* 黔中 follows the provincial 黔中城市群发展规划 (2017): 33 counties/districts in
  贵阳 (whole, with 贵安新区) and parts of 遵义, 安顺, 毕节, 黔东南 and 黔南.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from types import MappingProxyType
from typing import Final

import pandas as pd

from ._validate import check_option
from .errors import DataError, UnknownSchemeError

__all__ = [
    "ALL_AGGLOMERATIONS",
    "COLUMNS",
    "MUNICIPALITIES",
    "PROVINCIAL_CAPITALS",
    "SCHEMES",
    "SCHEME_NOTES",
    "SEPARATELY_PLANNED_CITIES",
    "agglomerations",
    "is_central",
]

#: Every UA of the shipped table, in the order used by the scheme ``"all"``.
ALL_AGGLOMERATIONS: Final[tuple[str, ...]] = (
    "京津冀",
    "长三角",
    "珠三角",
    "粤港澳大湾区",
    "长江中游",
    "成渝",
    "关中平原",
    "哈长",
    "中原",
    "北部湾",
    "呼包鄂榆",
    "兰西",
    "黔中",
    "滇中",
)

#: Study schemes: name -> UAs in the order the source paper lists them.
SCHEMES: Final = MappingProxyType(
    {
        # Chen & Wang (co-agglomeration study), note 1: its eight national UAs
        "coagglomeration8": ("京津冀", "长三角", "珠三角", "长江中游", "成渝", "关中平原", "哈长", "中原"),
        # Song & Li, section 3(2): the ten plans approved by 2019-02, plus 京津冀
        "national11": (
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
        ),
        # Yangtze River Economic Belt integration paper: its five UAs
        "yreb5": ("长三角", "长江中游", "成渝", "黔中", "滇中"),
        "all": ALL_AGGLOMERATIONS,
    }
)

#: How each scheme relates to its paper's sample (also in ``DataFrame.attrs["note"]``).
SCHEME_NOTES: Final = MappingProxyType(
    {
        "coagglomeration8": (
            "Chen & Wang (co-agglomeration study) name their eight UAs (note 1) but do not list "
            "their cities; members follow the "
            "plans. 珠三角 is the 9-city Pearl River Delta of the 2008 纲要 (no State Council 珠三角 "
            "城市群 plan exists). 8 UAs, 147 memberships, 144 distinct units."
        ),
        "national11": (
            "Song & Li name the 11 UAs but keep only 156 prefecture-level cities after dropping Hong "
            "Kong, Macao and cities with much missing data, without listing them; members here follow "
            "the plans (177 memberships, 174 distinct units incl. 810000/820000). Central cities follow "
            "the paper's rule (municipalities, provincial capitals, 计划单列市), so Hong Kong and Macao "
            "are not central; the paper's Table 3 mono/polycentric labels come from a different "
            "(rank-size) criterion."
        ),
        "yreb5": (
            "The Yangtze River Economic Belt integration paper names its five UAs but does not list "
            "their cities; "
            "members follow the plans (黔中: provincial plan 2017, 33 counties in 6 units, 5 of them "
            "partial; 滇中: plan 2020, 红河 partial). 5 UAs, 84 members."
        ),
        "all": "Every UA whose plan lists its members (14 UAs, 197 memberships, 185 distinct units).",
    }
)

#: The four municipalities directly under the central government.
MUNICIPALITIES: Final = frozenset({"110100", "120100", "310100", "500100"})

#: The five cities specifically designated in the state plan (计划单列市):
#: 大连, 青岛, 宁波, 厦门, 深圳.
SEPARATELY_PLANNED_CITIES: Final = frozenset({"210200", "370200", "330200", "350200", "440300"})

#: Capital of every province and autonomous region (province name -> adcode).
PROVINCIAL_CAPITALS: Final = MappingProxyType(
    {
        "河北省": "130100",  # 石家庄
        "山西省": "140100",  # 太原
        "内蒙古自治区": "150100",  # 呼和浩特
        "辽宁省": "210100",  # 沈阳
        "吉林省": "220100",  # 长春
        "黑龙江省": "230100",  # 哈尔滨
        "江苏省": "320100",  # 南京
        "浙江省": "330100",  # 杭州
        "安徽省": "340100",  # 合肥
        "福建省": "350100",  # 福州
        "江西省": "360100",  # 南昌
        "山东省": "370100",  # 济南
        "河南省": "410100",  # 郑州
        "湖北省": "420100",  # 武汉
        "湖南省": "430100",  # 长沙
        "广东省": "440100",  # 广州
        "广西壮族自治区": "450100",  # 南宁
        "海南省": "460100",  # 海口
        "四川省": "510100",  # 成都
        "贵州省": "520100",  # 贵阳
        "云南省": "530100",  # 昆明
        "西藏自治区": "540100",  # 拉萨
        "陕西省": "610100",  # 西安
        "甘肃省": "620100",  # 兰州
        "青海省": "630100",  # 西宁
        "宁夏回族自治区": "640100",  # 银川
        "新疆维吾尔自治区": "650100",  # 乌鲁木齐
    }
)

_CENTRAL: Final = MUNICIPALITIES | SEPARATELY_PLANNED_CITIES | frozenset(PROVINCIAL_CAPITALS.values())

#: Columns returned by :func:`agglomerations`, in order.
COLUMNS: Final[tuple[str, ...]] = (
    "agglomeration",
    "agglomeration_en",
    "adcode",
    "name",
    "central",
    "partial",
    "partial_note",
    "source",
)
# columns of the packaged CSV (``central`` is computed, ``province`` only validated)
_STORED: tuple[str, ...] = ("agglomeration", "agglomeration_en", "adcode", "name", "province", "partial")
_STORED = (*_STORED, "partial_note", "source")


def is_central(adcode: str) -> bool:
    """Whether a unit is a central city under the rule of Song & Li (see the module docstring).

    Central cities are the municipalities (北京, 天津, 上海, 重庆), the provincial
    capitals and the five cities specifically designated in the state plan
    (计划单列市: 大连, 青岛, 宁波, 厦门, 深圳).  Within a UA, its members that are
    central cities are its centres: one makes the UA monocentric, several
    polycentric.

    Parameters
    ----------
    adcode : str
        6-digit adcode of the current vintage (as in :func:`geoaggl.prefectures`).

    Returns
    -------
    bool
        True for the 4 + 27 + 5 = 36 central cities.  Hong Kong (810000) and
        Macao (820000) are none of these and return False; Song & Li drop both
        from its sample.
    """
    return str(adcode) in _CENTRAL


@lru_cache(maxsize=1)
def _load() -> pd.DataFrame:
    path = resources.files("geoaggl") / "data" / "agglomerations.csv"
    with resources.as_file(path) as p:
        raw = pd.read_csv(p, dtype=str, keep_default_na=False, encoding="utf-8")
    missing = [c for c in _STORED if c not in raw.columns]
    if missing:  # pragma: no cover - guarded by boundaries/build_tables.py
        raise DataError(f"agglomerations.csv lacks columns {missing}")
    bad = sorted(set(raw["partial"]) - {"true", "false"})
    if bad:  # pragma: no cover - guarded by boundaries/build_tables.py
        raise DataError(f"agglomerations.csv: partial must be true/false, got {bad}")
    out = raw[list(_STORED)].copy()
    out["partial"] = out["partial"].eq("true")
    out["central"] = out["adcode"].map(is_central).astype(bool)
    return out[list(COLUMNS)]


def agglomerations(scheme: str = "national11") -> pd.DataFrame:
    """Member units of China's urban agglomerations (UAs) under a study scheme.

    Parameters
    ----------
    scheme : {"national11", "coagglomeration8", "yreb5", "all"}, default "national11"
        ``"coagglomeration8"``
            The eight UAs of Chen Xiuying and Wang Mengcui (陈秀英, 王梦翠),
            "Spatial differences and convergence of producer-services–manufacturing
            co-agglomeration in China's urban agglomerations": 京津冀, 长三角, 珠三角, 长江中游, 成渝,
            关中平原, 哈长, 中原.
        ``"national11"``
            Song & Li's eleven national UAs: 长江中游, 哈长, 成渝, 长三角, 中原,
            北部湾, 关中平原, 呼包鄂榆, 兰西, 粤港澳大湾区, 京津冀.
        ``"yreb5"``
            The five UAs of 长江经济带城市群区域一体化发展特征与差异 ("Integration of
            the urban agglomerations of the Yangtze River Economic Belt"): 长三角, 长江中游,
            成渝, 黔中, 滇中.
        ``"all"``
            All 14 UAs of the table, in :data:`ALL_AGGLOMERATIONS` order.

    Returns
    -------
    pandas.DataFrame
        One row per (UA, member unit), with a fresh ``RangeIndex`` and columns

        ``agglomeration`` (str)
            Chinese short name, e.g. ``"京津冀"``.
        ``agglomeration_en`` (str)
            English name, e.g. ``"Beijing-Tianjin-Hebei"``.
        ``adcode`` (str)
            6-digit adcode, a key of ``prefectures(include_sar=True)``.
        ``name`` (str)
            Chinese unit name as in :func:`geoaggl.prefectures`.
        ``central`` (bool)
            Central city by :func:`is_central` (municipality, provincial
            capital or 计划单列市).
        ``partial`` (bool)
            Only part of the unit is in the plan.
        ``partial_note`` (str)
            The plan's wording of the covered part (empty for most whole
            units; a remark such as 杨凌示范区 within 咸阳 may appear).
        ``source`` (str)
            Plan document and year.

        Rows are ordered by the scheme's UA order (``SCHEMES[scheme]``), then
        by adcode.  ``attrs["scheme"]`` and ``attrs["note"]`` (from
        :data:`SCHEME_NOTES`) say how the scheme relates to its paper's sample.

    Raises
    ------
    UnknownSchemeError
        If ``scheme`` is not one of :data:`SCHEMES` (the message lists them).

    Notes
    -----
    Members follow the plan documents, not the (unlisted) samples of the
    papers: Song & Li drop Hong Kong, Macao and data-poor cities (156 cities
    remain).  A unit can belong to several UAs of a scheme (邯郸 and 邢台 are in
    京津冀 and 中原; 运城 in 中原 and 关中平原).  A fresh copy is returned on
    every call, so callers may modify it freely.

    Examples
    --------
    >>> df = agglomerations("national11")
    >>> df.groupby("agglomeration", sort=False).size()["京津冀"]
    np.int64(13)
    >>> sorted(df.loc[df.agglomeration.eq("长三角") & df.central, "name"])
    ['上海市', '南京市', '合肥市', '宁波市', '杭州市']
    """
    check_option(
        scheme,
        tuple(SCHEMES),
        name="scheme (agglomeration scheme)",
        where="agglomerations",
        error=UnknownSchemeError,
    )
    uas = SCHEMES[scheme]
    table = _load()
    rank = {ua: i for i, ua in enumerate(uas)}
    sub = table[table["agglomeration"].isin(uas)]
    order = sub["agglomeration"].map(rank)
    out = (
        sub.assign(_rank=order)
        .sort_values(["_rank", "adcode"], kind="stable")
        .drop(columns="_rank")
        .reset_index(drop=True)
    )
    out = out.copy(deep=True)
    out.attrs = {"scheme": scheme, "note": SCHEME_NOTES[scheme]}
    return out
