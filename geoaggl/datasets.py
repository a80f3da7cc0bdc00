"""Published results of the source papers, a SYNTHETIC sample yearbook export, synthetic tables.

:func:`published` returns the result tables of the papers geoaggl reproduces,
transcribed exactly as printed (values kept to the printed decimals, strings
turned into floats and nothing else) so that the package's own computations can
be compared with them.  The transcriptions ship in ``geoaggl/data/published/``
as CSV files in the paper's layout, each headed by ``# key: value`` comment
lines (``source``, ``table``, ``unit``, ``layout``, ``notes``) that become
``DataFrame.attrs``.

Shape
-----
By default every table is *tidy long*: one row per printed number, a ``value``
column (float) and identifying columns named the same way in every table:

``year`` (int), ``agglomeration`` (Chinese short name as elsewhere in geoaggl:
京津冀, 长三角, 珠三角, ...; ``"总体"`` is the overall row/column the paper prints
beside the UAs), ``agglomeration_b`` (second member of a UA pair), ``statistic``
(when a table prints several quantities per cell), ``component``, ``dimension``.

``published(name, wide=True)`` instead returns the table in the printed layout
(years or UAs as the index, one column per printed column, printed column
order).  Printed summary rows (均值) are not rows of either shape; they are kept
in ``df.attrs["printed_means"]`` so year grids stay complete and rectangular.

:func:`synthetic_employment` makes a small, clearly labelled *synthetic* table
shaped like the employment-by-sector pages of the China City Statistical
Yearbook, for notebooks and tests; :func:`synthetic_yearbook` extends it to the
real member prefectures of a UA scheme with the other yearbook columns that the
chain of Song Deyong and Li Dongfang (宋德勇, 李东方), 国家级城市群高质量平衡增长研究
——基于产业分工的视角 ("High-quality balanced growth of national urban
agglomerations: an industrial division-of-labour perspective") needs
(population, per-capita GDP, freight, FDI, education and government spending,
investment).  Both are random numbers, not data.

:func:`sample_yearbook` is the path of a small SYNTHETIC export in the real CNKI
layout (encrypted ``.xls``), so that ``read_yearbook`` -> ``attach`` can be tried
without a yearbook:

>>> import geoaggl
>>> from geoaggl import datasets
>>> table = geoaggl.read_yearbook(datasets.sample_yearbook())
>>> gdf = geoaggl.attach(geoaggl.prefectures(), table)
>>> float(gdf.loc["420600", "年末户籍人口(万人)"])
1243.0

References
----------
* Chen Xiuying and Wang Mengcui (陈秀英, 王梦翠), 中国城市群生产性服务业与制造业协同集聚的
  空间差异及收敛性研究 ("Spatial differences and convergence of producer-services–
  manufacturing co-agglomeration in China's urban agglomerations"), Tables 1-5.
* Song Deyong and Li Dongfang (宋德勇, 李东方), 国家级城市群高质量平衡增长研究——基于产业分工
  的视角 ("High-quality balanced growth of national urban agglomerations: an
  industrial division-of-labour perspective"), Table 3.
* 长江经济带城市群区域一体化发展特征与差异 ("Integration of the urban agglomerations of the
  Yangtze River Economic Belt: characteristics and differences"; authors not
  given in the text we have), Table 4.
"""

from __future__ import annotations

import copy
import io
from collections.abc import Hashable, Mapping, Sequence
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from ._validate import check_int, check_option
from .errors import DataError, ParameterTypeError, UnknownSchemeError, format_keys

__all__ = [
    "PUBLISHED",
    "SYNTHETIC_SECTORS",
    "list_published",
    "published",
    "sample_yearbook",
    "synthetic_employment",
    "synthetic_yearbook",
]

#: Names accepted by :func:`published`, in paper / table order.
PUBLISHED: tuple[str, ...] = (
    "coagglomeration_level",
    "dagum_within",
    "dagum_between",
    "dagum_sources",
    "sigma",
    "mono_index",
    "integration_cv",
)

_OVERALL = "总体"
_META_KEYS = ("source", "table", "unit", "layout", "notes")
_COMPONENTS = ("Gw", "Gnb", "Gt")

#: Sector columns of :func:`synthetic_employment` (yearbook names), in yearbook order.
SYNTHETIC_SECTORS: tuple[str, ...] = (
    "采矿业",
    "制造业",
    "电力、燃气及水的生产和供应业",
    "交通运输、仓储和邮政业",
    "信息传输、计算机服务和软件业",
    "金融业",
    "房地产业",
    "租赁和商务服务业",
    "科学研究、技术服务和地质勘查业",
)
_TOTAL = "合计"
# Rough national shares of urban-unit employment (mid-2010s) of the sectors above;
# the remaining ~53 % (construction, education, public administration...) only
# enters the total.
_BASE_SHARES = np.array([0.035, 0.28, 0.022, 0.047, 0.02, 0.035, 0.023, 0.027, 0.023])
_MANUFACTURING_SIDE = np.array([True, True, True, False, False, False, False, False, False])


class _Raw(NamedTuple):
    """A transcription as stored: printed-layout strings plus its metadata."""

    table: pd.DataFrame
    meta: dict[str, str]


def list_published() -> list[str]:
    """Names of the published tables available from :func:`published`.

    Returns
    -------
    list of str
        ``coagglomeration_level``, ``dagum_within``, ``dagum_between``,
        ``dagum_sources``, ``sigma`` (Chen & Wang, Tables 1-5), ``mono_index``
        (Song & Li, Table 3) and ``integration_cv`` (Yangtze River Economic
        Belt integration paper, Table 4); see the module's References.

    References
    ----------
    Chen Xiuying and Wang Mengcui (陈秀英, 王梦翠).
    中国城市群生产性服务业与制造业协同集聚的空间差异及收敛性研究 ("Spatial differences and
    convergence of producer-services–manufacturing co-agglomeration in China's urban
    agglomerations"), Tables 1-5.

    Song Deyong and Li Dongfang (宋德勇, 李东方).
    国家级城市群高质量平衡增长研究——基于产业分工的视角 ("High-quality balanced growth of
    national urban agglomerations: an industrial division-of-labour perspective"), Table 3.

    长江经济带城市群区域一体化发展特征与差异 ("Integration of the urban
    agglomerations of the Yangtze River Economic Belt: characteristics and
    differences"; authors not given in the text available to us), Table 4.

    Examples
    --------
    >>> from geoaggl.datasets import list_published
    >>> "dagum_sources" in list_published()
    True
    """
    return list(PUBLISHED)


@cache
def _read(name: str) -> _Raw:
    """Read one shipped transcription: the ``# key: value`` header and the CSV body as strings."""
    text = resources.files("geoaggl").joinpath("data", "published", f"{name}.csv").read_text("utf-8")
    meta: dict[str, str] = {}
    body: list[str] = []
    for line in text.splitlines():
        if line.startswith("#"):
            key, _, value = line.lstrip("# ").partition(":")
            key = key.strip()
            meta[key] = f"{meta[key]} {value.strip()}" if key in meta else value.strip()
        elif line.strip():
            body.append(line)
    table = pd.read_csv(io.StringIO("\n".join(body)), dtype=str, keep_default_na=False)
    missing = [k for k in _META_KEYS if k not in meta]
    if missing:  # pragma: no cover - guarded by the tests
        raise DataError(f"published table {name!r} lacks header keys {format_keys(missing)}")
    return _Raw(table, meta)


def _floats(frame: pd.DataFrame) -> pd.DataFrame:
    """Printed number strings to float64 (``float("0.070") == 0.07``; nothing is rounded)."""
    return frame.apply(lambda col: col.map(float)).astype("float64")


def _year_grid(raw: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, float] | None]:
    """Split a year-by-column table into its year rows (wide, float) and its printed mean row."""
    is_mean = raw["year"] == "mean"
    means = None
    if is_mean.any():
        row = raw.loc[is_mean].iloc[0].drop("year")
        means = {str(k): float(v) for k, v in row.items()}
    years = raw.loc[~is_mean]
    wide = _floats(years.drop(columns="year"))
    wide.index = pd.Index(years["year"].astype("int64").to_numpy(), name="year")
    return wide, means


def _wide(name: str, raw: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, float] | None]:
    """The printed layout with typed values and a meaningful index."""
    if name in ("coagglomeration_level", "dagum_within", "sigma"):
        wide, means = _year_grid(raw)
        wide.columns.name = "agglomeration"
        return wide, means
    if name == "integration_cv":
        wide, _ = _year_grid(raw)
        wide.columns.name = "dimension"
        return wide, None
    if name == "dagum_sources":
        wide, _ = _year_grid(raw)
        return wide, None
    if name == "dagum_between":
        wide = _floats(raw[["mean", "change_pct"]])
        wide.index = pd.MultiIndex.from_frame(raw[["agglomeration", "agglomeration_b"]])
        return wide, None
    if name == "mono_index":
        numbers = _floats(raw[[c for c in raw.columns if c.isdigit()]])
        wide = pd.concat([raw.drop(columns=numbers.columns), numbers], axis=1)[list(raw.columns)]
        wide = wide.set_index("agglomeration").rename(columns={c: int(c) for c in numbers.columns})
        return wide, None
    raise AssertionError(name)  # pragma: no cover


def _stacked(wide: pd.DataFrame) -> pd.DataFrame:
    """``wide`` stacked on its (single) column level, the values in a ``value`` column."""
    s = wide.stack()
    if isinstance(s, pd.DataFrame):  # pragma: no cover - the printed tables have one column level
        raise AssertionError("expected a single column level")
    return s.rename("value").reset_index()


def _long(name: str, wide: pd.DataFrame) -> pd.DataFrame:
    """Tidy long form of a typed printed-layout table (row order: printed order)."""
    if name in ("coagglomeration_level", "dagum_within", "sigma", "integration_cv"):
        key = "dimension" if name == "integration_cv" else "agglomeration"
        out = _stacked(wide)
        return out[["year", key, "value"]]
    if name == "dagum_sources":
        out = _stacked(wide)
        col = out.pop(out.columns[1])
        out.insert(1, "component", col.str.removesuffix("_pct"))
        out.insert(2, "statistic", np.where(col.str.endswith("_pct"), "contribution_pct", "gini"))
        return out
    if name == "dagum_between":
        out = _stacked(wide)
        return out.rename(columns={out.columns[2]: "statistic"})
    if name == "mono_index":
        year_cols = [c for c in wide.columns if isinstance(c, int)]
        # melt stacks the year columns one after another, each in printed UA order
        out = wide.reset_index().melt(
            id_vars=["agglomeration", "region", "structure"],
            value_vars=year_cols,
            var_name="year",
            value_name="value",
        )
        out["year"] = out["year"].astype("int64")
        return out[["year", "agglomeration", "region", "structure", "value"]]
    raise AssertionError(name)  # pragma: no cover


def published(name: str, *, wide: bool = False) -> pd.DataFrame:
    """A result table of the source papers, transcribed exactly as printed.

    The papers (see the module's References): Chen Xiuying and Wang Mengcui
    (陈秀英, 王梦翠), "Spatial differences and convergence of producer-services–
    manufacturing co-agglomeration in China's urban agglomerations" (Chen & Wang);
    Song Deyong and Li Dongfang (宋德勇, 李东方), "High-quality balanced growth of
    national urban agglomerations: an industrial division-of-labour perspective"
    (Song & Li); 长江经济带城市群区域一体化发展特征与差异 ("Integration of the urban
    agglomerations of the Yangtze River Economic Belt").

    Parameters
    ----------
    name : str
        One of :func:`list_published`:

        ``"coagglomeration_level"``
            Chen & Wang, Table 1: mean co-agglomeration index of producer services
            and manufacturing by UA (8 UAs) and year (2004-2018).
        ``"dagum_within"``
            Chen & Wang, Table 2: within-UA Dagum Gini G_jj by UA and year, and
            the overall Gini G as ``agglomeration == "总体"``.
        ``"dagum_between"``
            Chen & Wang, Table 3: between-UA Gini G_jh for the 28 UA pairs; the
            paper prints only the 2004-2018 ``mean`` and the change
            ``change_pct`` (变化幅度/%), not the yearly values.
        ``"dagum_sources"``
            Chen & Wang, Table 4: components ``Gw``/``Gnb``/``Gt`` of G by year,
            ``statistic`` ``"gini"`` (value) or ``"contribution_pct"`` (% of G).
        ``"sigma"``
            Chen & Wang, Table 5: sigma (SD / mean) by UA and year, and over all
            cities as ``"总体"``.
        ``"mono_index"``
            Song & Li, Table 3: rank-size mono index q of 11 UAs in 2008, 2013
            and 2017, with the printed ``region`` (北方/南方) and
            ``structure`` (单中心/多中心).
        ``"integration_cv"``
            Yangtze River Economic Belt integration paper, Table 4:
            coefficient of variation across the 5 Yangtze River Economic Belt UAs
            of each integration dimension, 2010 and 2015 (the only years printed).
    wide : bool, default False
        False: tidy long frame, one row per printed number, columns among
        ``year``, ``agglomeration``, ``agglomeration_b``, ``component``,
        ``dimension``, ``statistic``, ``region``, ``structure`` and ``value``
        (float), in printed order.  True: the printed layout, indexed by
        ``year`` (or ``agglomeration``, or the pair), one column per printed
        column in printed order.

    Returns
    -------
    pandas.DataFrame
        A new frame on every call.  ``attrs`` holds ``name``, ``source`` (authors,
        title and table number of the paper),
        ``table``, ``unit``, ``layout`` (of the shipped CSV), ``notes`` (reading
        decisions, ambiguities and the paper's own inconsistencies),
        ``shape`` (``"long"`` or ``"wide"``) and, for tables printing a 均值 row
        (``dagum_within``, ``sigma``), ``printed_means`` as
        ``{agglomeration: value}``.

    Raises
    ------
    UnknownSchemeError
        If ``name`` is not a published table; the message lists the valid names.
    TypeError
        If ``wide`` is not a bool.

    Notes
    -----
    UA names are geoaggl's short Chinese names; Song & Li's 粤港澳城市群 is
    ``"粤港澳大湾区"`` and Chen & Wang's 珠三角 stays ``"珠三角"``.  Values are the
    printed decimals, so identities between tables hold only to the printed
    rounding (e.g. Table 4's ``Gw + Gnb + Gt`` equals Table 2's ``G`` within
    0.001 in every year).  Read ``attrs["notes"]`` before comparing: Table 2's
    printed mean of G (0.111) disagrees with its yearly values (mean 0.118),
    and Tables 2 and 5 cannot both carry the right UA header.

    References
    ----------
    Chen Xiuying and Wang Mengcui (陈秀英, 王梦翠).
    中国城市群生产性服务业与制造业协同集聚的空间差异及收敛性研究 ("Spatial differences and
    convergence of producer-services–manufacturing co-agglomeration in China's urban
    agglomerations"), Tables 1-5.

    Song Deyong and Li Dongfang (宋德勇, 李东方).
    国家级城市群高质量平衡增长研究——基于产业分工的视角 ("High-quality balanced growth of
    national urban agglomerations: an industrial division-of-labour perspective"), Table 3.

    长江经济带城市群区域一体化发展特征与差异 ("Integration of the urban
    agglomerations of the Yangtze River Economic Belt: characteristics and
    differences"; authors not given in the text available to us), Table 4.

    Examples
    --------
    >>> from geoaggl.datasets import published
    >>> g = published("dagum_within")
    >>> float(g.query("year == 2004 and agglomeration == '总体'")["value"].iloc[0])
    0.114
    >>> published("mono_index", wide=True).loc["京津冀", 2008]
    np.float64(0.23)
    """
    check_option(
        name, tuple(PUBLISHED), name="name (published table)", where="published", error=UnknownSchemeError
    )
    if not isinstance(wide, bool):
        raise ParameterTypeError(f"wide must be a bool, got {type(wide).__name__}")
    raw = _read(name)
    table, means = _wide(name, raw.table.copy())
    out = table if wide else _long(name, table).reset_index(drop=True)
    attrs: dict[Hashable, Any] = {"name": name}
    attrs.update(copy.deepcopy(raw.meta))
    attrs["shape"] = "wide" if wide else "long"
    if means is not None:
        attrs["printed_means"] = means
    out.attrs = attrs
    return out


# --------------------------------------------------------------------------- synthetic


def _check_adcodes(codes: Sequence[Any], what: str) -> list[str]:
    """Validate a list of 6-digit adcode strings (no duplicates)."""
    if isinstance(codes, str | bytes) or not isinstance(codes, Sequence | pd.Index | np.ndarray):
        raise ParameterTypeError(
            f"{what} must be a sequence of 6-digit adcode strings, got {type(codes).__name__}"
        )
    out = [str(c) for c in codes]
    bad = [c for c in out if not (len(c) == 6 and c.isdigit())]
    if bad:
        raise DataError(f"{what}: not 6-digit adcodes: {format_keys(bad)}")
    dup = [c for c in out if out.count(c) > 1]
    if dup:
        raise DataError(f"{what}: duplicated adcodes: {format_keys(dup)}")
    from .boundaries import prefectures

    unknown = [c for c in out if c not in prefectures(include_sar=True).index]
    if unknown:
        raise DataError(
            f"{what}: not current prefecture-level adcodes (geoaggl.prefectures()): {format_keys(unknown)}"
        )
    return out


def _group_labels(groups: int | Sequence[str]) -> list[str]:
    """Group labels from a count (A, B, C, ...) or an explicit sequence."""
    if isinstance(groups, bool):
        raise ParameterTypeError("groups must be a positive int or a sequence of labels, got bool")
    if isinstance(groups, int | np.integer):
        if not 1 <= groups <= 26:
            raise DataError(f"groups must be between 1 and 26 when given as a count, got {groups}")
        return [chr(ord("A") + i) for i in range(int(groups))]
    if isinstance(groups, str) or not isinstance(groups, Sequence):
        raise ParameterTypeError(
            f"groups must be a positive int or a sequence of labels, got {type(groups).__name__}"
        )
    labels = [str(g) for g in groups]
    if not labels or len(set(labels)) != len(labels):
        raise DataError(f"groups must be non-empty and unique, got {labels}")
    return labels


def synthetic_employment(
    adcodes: Sequence[str] | Mapping[str, Sequence[str]] | None = None,
    *,
    groups: int | Sequence[str] | None = None,
    n_per_group: int | None = None,
    years: Sequence[int] = (2016, 2017, 2018),
    seed: int = 0,
) -> pd.DataFrame:
    """A small SYNTHETIC yearbook-shaped table of employment by sector.

    The numbers are random draws, **not data**: they mimic the shape of the
    China City Statistical Yearbook's employment pages (年末单位从业人员, 万人)
    so that notebooks and tests can run the location-quotient, co-agglomeration
    and Dagum pipelines without a yearbook.  Deterministic given ``seed``.

    Parameters
    ----------
    adcodes : sequence of str, mapping of str to sequence of str, or None
        Where the units come from (always real adcodes, never invented):

        - None (default): ``groups × n_per_group`` units drawn without
          replacement from the shipped current prefecture-level units
          (:func:`geoaggl.prefectures`, without Hong Kong and Macao).
        - a sequence: a pool of 6-digit adcodes (e.g. one UA's members) from
          which ``groups × n_per_group`` are drawn without replacement.
        - a mapping ``{group label: adcodes}``: used as given, in the given
          order; ``groups`` and ``n_per_group`` must then be left as None.
    groups : int or sequence of str, optional
        Number of groups (labelled ``"A"``, ``"B"``, ...) or their labels.
        Default 3.  Groups differ in their typical manufacturing and
        producer-services shares, so between-group inequality is non-trivial.
    n_per_group : int, optional
        Units per group.  Default 5.
    years : sequence of int, default (2016, 2017, 2018)
        Distinct years of the panel (any order; output is sorted).
    seed : int, default 0
        Seed of :func:`numpy.random.default_rng`.

    Returns
    -------
    pandas.DataFrame
        One row per unit and year, sorted by group (given order), adcode and
        year, with columns ``adcode`` (str), ``agglomeration`` (group label),
        ``year`` (int64), the nine sector columns of :data:`SYNTHETIC_SECTORS`
        (制造业, the six producer-service sectors, 采矿业 and
        电力、燃气及水的生产和供应业; 万人, 2 decimals) and ``合计`` (total
        employment, larger than the sum of the listed sectors because the
        yearbook total also counts construction, education, public
        administration and other sectors).  ``attrs["synthetic"]`` is True and
        ``attrs["source"]`` says the table is synthetic and how it was made.

    Raises
    ------
    TypeError
        On arguments of the wrong type, or ``groups``/``n_per_group`` given
        together with a mapping.
    DataError
        On malformed, duplicated or unknown adcodes, too small a pool, empty or
        duplicated years or groups, or a non-positive ``n_per_group``.

    References
    ----------
    Chen Xiuying and Wang Mengcui (陈秀英, 王梦翠).
    中国城市群生产性服务业与制造业协同集聚的空间差异及收敛性研究 ("Spatial differences and
    convergence of producer-services–manufacturing co-agglomeration in China's urban
    agglomerations") (the sectors).

    Examples
    --------
    >>> from geoaggl.datasets import synthetic_employment
    >>> df = synthetic_employment({"甲": ["110100", "120100"], "乙": ["310100", "320100"]}, seed=1)
    >>> df.shape, bool(df.attrs["synthetic"])
    ((12, 13), True)
    """
    seed = check_int(seed, name="seed", minimum=0, where="synthetic_employment")
    if isinstance(years, str) or not isinstance(years, Sequence | range | np.ndarray | pd.Index):
        raise ParameterTypeError(f"years must be a sequence of int, got {type(years).__name__}")
    if any(isinstance(y, bool) or not isinstance(y, int | np.integer) for y in years):
        raise ParameterTypeError("years must be integers")
    year_list = sorted(int(y) for y in years)
    if not year_list or len(set(year_list)) != len(year_list):
        raise DataError(f"years must be non-empty and distinct, got {list(years)}")
    rng = np.random.default_rng(int(seed))

    if isinstance(adcodes, Mapping):
        if groups is not None or n_per_group is not None:
            raise ParameterTypeError(
                "give either a mapping of group -> adcodes or groups/n_per_group, not both"
            )
        labels = _group_labels([str(k) for k in adcodes])
        members = {
            lab: _check_adcodes(adcodes[key], f"adcodes[{lab!r}]")
            for lab, key in zip(labels, adcodes, strict=True)
        }
        if any(not m for m in members.values()):
            raise DataError("every group of the adcodes mapping needs at least one adcode")
        allc = [c for m in members.values() for c in m]
        dup = [c for c in allc if allc.count(c) > 1]
        if dup:
            raise DataError(f"adcodes appear in several groups: {format_keys(dup)}")
    else:
        labels = _group_labels(3 if groups is None else groups)
        n = 5 if n_per_group is None else n_per_group
        if isinstance(n, bool) or not isinstance(n, int | np.integer):
            raise ParameterTypeError(f"n_per_group must be an int, got {type(n).__name__}")
        if n < 1:
            raise DataError(f"n_per_group must be at least 1, got {n}")
        if adcodes is None:
            from .boundaries import prefectures

            pool = sorted(prefectures(include_sar=False).index.astype(str))
        else:
            pool = _check_adcodes(adcodes, "adcodes")
        need = len(labels) * int(n)
        if need > len(pool):
            raise DataError(f"need {need} adcodes ({len(labels)} groups x {n}) but the pool has {len(pool)}")
        drawn = [pool[i] for i in rng.choice(len(pool), size=need, replace=False)]
        members = {lab: sorted(drawn[i * n : (i + 1) * n]) for i, lab in enumerate(labels)}

    k = len(SYNTHETIC_SECTORS)
    t = np.arange(len(year_list), dtype=float)
    rows: list[pd.DataFrame] = []
    for lab in labels:
        # group profile: tilt toward manufacturing or toward producer services
        tilt = rng.normal(0.0, 0.35)
        g_mean = _BASE_SHARES * np.exp(np.where(_MANUFACTURING_SIDE, tilt, -tilt))
        for code in members[lab]:
            total0 = rng.lognormal(mean=3.4, sigma=0.6)  # 万人, ~30 on average
            growth = rng.normal(0.02, 0.015)
            total = total0 * np.exp(growth * t + np.cumsum(rng.normal(0.0, 0.02, len(t))))
            share0 = g_mean * rng.lognormal(0.0, 0.35, k)
            drift = np.cumsum(rng.normal(0.0, 0.05, (len(t), k)), axis=0)
            shares = share0 * np.exp(drift)
            listed = shares.sum(axis=1, keepdims=True)
            shares = np.where(listed > 0.85, shares * 0.85 / listed, shares)  # keep room for other sectors
            sectors = np.round(total[:, None] * shares, 2)
            other = np.round(total * (1.0 - shares.sum(axis=1)), 2)
            frame = pd.DataFrame(sectors, columns=list(SYNTHETIC_SECTORS))
            frame[_TOTAL] = np.round(sectors.sum(axis=1) + other, 2)
            frame.insert(0, "year", np.asarray(year_list, dtype="int64"))
            frame.insert(0, "agglomeration", lab)
            frame.insert(0, "adcode", code)
            rows.append(frame)
    out = pd.concat(rows, ignore_index=True)
    out.attrs = {
        "synthetic": True,
        "source": (
            "SYNTHETIC - random numbers from geoaggl.datasets.synthetic_employment"
            f"(seed={int(seed)}); not yearbook data, do not cite or map as real"
        ),
        "unit": "万人 (10,000 persons), 2 decimals, yearbook-style 年末单位从业人员 by sector",
        "notes": (
            "Adcodes are real units chosen by the caller or drawn from the shipped prefectures; "
            "employment figures are invented. 合计 exceeds the sum of the listed sectors (the remainder "
            "stands for the sectors not listed). Groups differ in their manufacturing vs "
            "producer-services tilt."
        ),
    }
    return out


#: Song & Li's producer-service and manufacturing-side sector sets (six producer services; mining,
#: manufacturing and utilities).
_SERVICES: tuple[str, ...] = SYNTHETIC_SECTORS[3:]
_MANUFACTURING_001: tuple[str, ...] = SYNTHETIC_SECTORS[:3]
#: Units of the non-employment columns of :func:`synthetic_yearbook` (yearbook conventions).
_YEARBOOK_UNITS: dict[str, str] = {
    "population": "万人 (年末总人口)",
    "hgdp": "元/人 (人均地区生产总值)",
    "freight": "万吨 (货运总量)",
    "fdi": "万美元 (当年实际使用外资金额)",
    "edu": "万元 (教育支出)",
    "gov": "万元 (地方一般公共预算支出)",
    "inv": "万元 (固定资产投资)",
}
_SAR = ("810000", "820000")
#: Elasticity of hgdp on Song & Li's division index planted by :func:`synthetic_yearbook`.
SYNTHETIC_DIV_ELASTICITY = 0.15


def synthetic_yearbook(
    *,
    seed: int = 0,
    years: Sequence[int] = range(2008, 2018),
    scheme: str = "national11",
) -> pd.DataFrame:
    """A SYNTHETIC yearbook-shaped city panel for the real member prefectures of a UA scheme.

    The numbers are random draws, **not data**: no column may be cited, mapped
    or analysed as describing Chinese cities.  The table only has the *shape*
    of a China City Statistical Yearbook extract (one row per prefecture and
    year, yearbook column names and units) so that the source papers' workflows
    (Chen & Wang's location quotients, co-agglomeration and Dagum decomposition;
    Song & Li's division of labour, disparity, transport mediator, fixed
    effects and mediation; the Yangtze River Economic Belt paper's Krugman
    index; see the module's References) run end to end without a yearbook.
    With a real yearbook use :func:`geoaggl.read_yearbook` instead.
    Deterministic given ``seed``.

    Parameters
    ----------
    seed : int, default 0
        Seed of the generators (:func:`numpy.random.default_rng`).
    years : sequence of int, default 2008-2017 (Song & Li's period)
        Distinct years of the panel (any order; output is sorted).
    scheme : str, default "national11"
        UA scheme of :func:`geoaggl.agglomerations` whose member prefectures
        (real adcodes, all of them) make the rows.

    Returns
    -------
    pandas.DataFrame
        One row per member prefecture and year, sorted by UA (scheme order),
        adcode and year, with columns

        - ``adcode`` (str), ``name`` (Chinese name), ``agglomeration`` and
          ``central`` (bool, Song & Li's central-city rule) from
          :func:`geoaggl.agglomerations`.  A unit listed by several UAs of the
          scheme (邯郸, 邢台: 京津冀 and 中原; 运城: 中原 and 关中平原; the 珠三角
          cities in ``"all"``) appears once, under the first UA of the
          scheme's order that lists it; partial members count as whole units.
          Hong Kong and Macao (粤港澳大湾区 members) are left out: the mainland
          yearbook does not cover them.
        - ``year`` (int64).
        - the nine sector columns of :data:`SYNTHETIC_SECTORS` and ``合计``
          (万人, 2 decimals), made by :func:`synthetic_employment` with the UAs
          as groups and then (a) rescaled per city so that total employment is
          a plausible share of ``population`` (larger for central cities) and
          (b) tilted toward producer services in central cities.  A city's
          sector shares (hence its location quotients) are those of
          :func:`synthetic_employment` apart from the central-city tilt.
        - ``population`` (万人), ``hgdp`` (元/人), ``freight`` (万吨), ``fdi``
          (万美元), ``edu``, ``gov``, ``inv`` (万元): lognormal city levels
          with trends and noise, central cities richer and larger.  ``hgdp`` is
          generated as ``ln hgdp = city effect + year effect +``
          :data:`SYNTHETIC_DIV_ELASTICITY` ``× ln div + 0.05 ln fdi + noise``,
          with ``div`` Song & Li's division index of the synthetic employment
          (:func:`geoaggl.indices.division_of_labour`; services = the six
          producer-service sectors, manufacturing = 采矿业 + 制造业 + 电力、燃气及水的
          生产和供应业), so that example regressions have a known effect to
          find.

        ``attrs``: ``synthetic`` (True), ``source`` (says SYNTHETIC, with the
        call), ``scheme``, ``seed``, ``units`` (column → unit), ``notes``,
        ``planted`` (the planted coefficients) and ``multi_membership``
        (``{adcode: [UAs]}`` for units listed by several UAs).

    Raises
    ------
    TypeError
        A non-int seed or non-integer years.
    DataError
        Empty or duplicated years.
    UnknownSchemeError
        An unknown scheme.

    References
    ----------
    National Bureau of Statistics of China (国家统计局城市社会经济调查司).
    *China City Statistical Yearbook* (中国城市统计年鉴). China Statistics Press,
    yearly (the layout imitated).

    Examples
    --------
    >>> from geoaggl.datasets import synthetic_yearbook
    >>> yb = synthetic_yearbook(seed=1, years=[2016, 2017], scheme="yreb5")
    >>> yb.attrs["synthetic"], yb["adcode"].nunique(), len(yb)
    (True, 84, 168)
    """
    from .boundaries import agglomerations
    from .indices import division_of_labour

    seed = check_int(seed, name="seed", minimum=0, where="synthetic_yearbook")
    if not isinstance(scheme, str):
        raise ParameterTypeError(f"scheme must be a str, got {type(scheme).__name__}")
    members = agglomerations(scheme)
    members = members[~members["adcode"].astype(str).isin(_SAR)]  # not in the mainland yearbook
    first = members.drop_duplicates("adcode", keep="first")
    mapping: dict[str, list[str]] = {
        str(ua): grp["adcode"].astype(str).tolist() for ua, grp in first.groupby("agglomeration", sort=False)
    }
    # employment shares and dynamics: synthetic_employment itself (validates years and seed)
    emp = synthetic_employment(mapping, years=years, seed=int(seed))
    year_list = sorted(emp["year"].unique().tolist())
    n_t = len(year_list)
    t = np.arange(n_t, dtype=float)
    rng = np.random.default_rng([int(seed) & 0xFFFFFFFF, 1])  # independent of the employment draws

    info = first.set_index(first["adcode"].astype(str))
    codes = emp["adcode"].drop_duplicates().tolist()
    n = len(codes)
    central = info.loc[codes, "central"].to_numpy(dtype=bool)
    cfac = central.astype(float)

    def panel(level: np.ndarray, growth: float, growth_sd: float, noise: float) -> np.ndarray:
        """n × T lognormal panel: city level × exp(city growth · t + AR noise)."""
        g = rng.normal(growth, growth_sd, n)[:, None]
        e = np.cumsum(rng.normal(0.0, noise, (n, n_t)), axis=1)
        return level[:, None] * np.exp(g * t[None, :] + e)

    pop = panel(np.exp(rng.normal(np.log(420.0), 0.45, n) + 0.7 * cfac), 0.006, 0.004, 0.004)

    # (a) employment scale: 合计 about 12 % of population (30 % in central cities), per city
    sectors = list(SYNTHETIC_SECTORS)
    ratio = np.exp(rng.normal(np.log(0.12), 0.25, n) + 0.9 * cfac)
    e_sec = emp[sectors].to_numpy(dtype=float).reshape(n, n_t, -1)
    e_tot = emp[_TOTAL].to_numpy(dtype=float).reshape(n, n_t)
    shares = e_sec / e_tot[:, :, None]
    # (b) central cities tilt toward producer services (shares of the listed sectors stay <= 0.85)
    tilt = np.where(_MANUFACTURING_SIDE, -0.25, 0.35)[None, None, :] * cfac[:, None, None]
    shares = shares * np.exp(tilt)
    listed = shares.sum(axis=2, keepdims=True)
    shares = np.where(listed > 0.85, shares * 0.85 / listed, shares)
    scale = pop[:, 0] * ratio / e_tot[:, 0]
    total = e_tot * scale[:, None]
    sec = np.round(total[:, :, None] * shares, 2)
    other = np.round(total * (1.0 - shares.sum(axis=2)), 2)
    emp[sectors] = sec.reshape(n * n_t, -1)
    emp[_TOTAL] = np.round(sec.sum(axis=2) + other, 2).reshape(-1)

    fdi = panel(np.exp(rng.normal(np.log(40_000.0), 1.0, n) + 1.2 * cfac), 0.04, 0.03, 0.12)
    div = division_of_labour(
        emp,
        services=list(_SERVICES),
        manufacturing=list(_MANUFACTURING_001),
        group="agglomeration",
        central=pd.Series(dict(zip(codes, central, strict=True))),
    )
    ln_div = np.log(div.to_numpy().reshape(n, n_t))
    city = rng.normal(np.log(42_000.0), 0.35, n) + 0.6 * cfac
    year_fx = 0.07 * t + rng.normal(0.0, 0.01, n_t)
    eps = rng.normal(0.0, 0.04, (n, n_t))
    hgdp = np.exp(
        city[:, None]
        + year_fx[None, :]
        + SYNTHETIC_DIV_ELASTICITY * ln_div
        + 0.05 * (np.log(fdi) - np.log(fdi).mean())
        + eps
    )
    freight = panel(np.exp(rng.normal(np.log(9_000.0), 0.6, n) + 0.8 * cfac), 0.05, 0.03, 0.05)
    edu = pop * panel(np.exp(rng.normal(np.log(1_600.0), 0.25, n)), 0.06, 0.02, 0.03)
    gov = pop * panel(np.exp(rng.normal(np.log(8_000.0), 0.3, n) + 0.3 * cfac), 0.07, 0.02, 0.03)
    inv = pop * panel(np.exp(rng.normal(np.log(30_000.0), 0.35, n) + 0.3 * cfac), 0.08, 0.03, 0.05)

    for col, arr, dec in (
        ("population", pop, 2),
        ("hgdp", hgdp, 0),
        ("freight", freight, 0),
        ("fdi", fdi, 0),
        ("edu", edu, 0),
        ("gov", gov, 0),
        ("inv", inv, 0),
    ):
        emp[col] = np.round(arr.reshape(-1), dec)
    emp.insert(1, "name", info.loc[emp["adcode"], "name"].to_numpy())
    emp.insert(3, "central", np.repeat(central, n_t))
    multi = members[members["adcode"].duplicated(keep=False)]
    emp.attrs = {
        "synthetic": True,
        "source": (
            f"SYNTHETIC - random numbers from geoaggl.datasets.synthetic_yearbook(seed={int(seed)}, "
            f"scheme={scheme!r}); not yearbook data, do not cite or map as real"
        ),
        "scheme": scheme,
        "seed": int(seed),
        "units": {**dict.fromkeys([*sectors, _TOTAL], "万人 (年末单位从业人员)"), **_YEARBOOK_UNITS},
        "notes": (
            "Rows are the real member prefectures of the scheme (a unit listed by several UAs appears once, "
            "under the first UA of the scheme order); every number is invented. Employment comes from "
            "synthetic_employment with the UAs as groups, rescaled to a share of population and tilted "
            "toward producer services in central cities. hgdp carries a planted elasticity on Song & Li's "
            "division index (see attrs['planted']): regressions on this table recover the generator, "
            "not a fact about China."
        ),
        "planted": {"ln_hgdp~ln_div": SYNTHETIC_DIV_ELASTICITY, "ln_hgdp~ln_fdi": 0.05},
        "multi_membership": {
            str(a): grp["agglomeration"].tolist() for a, grp in multi.groupby("adcode", sort=True)
        },
    }
    return emp


# --------------------------------------------------------------------------- sample export
_SAMPLE = "sample_yearbook_2-1.xls"


def sample_yearbook() -> Path:
    """Path of a small SYNTHETIC yearbook export in the real CNKI layout.

    The file is what a CNKI download of table 2-1 (人口状况) of the China City
    Statistical Yearbook looks like: a legacy ``.xls`` encrypted with Excel's
    built-in password ``VelvetSweatshop``, title lines in Chinese and English, a
    two-row header with merged ``全市``/``市辖区`` groups and English translation
    lines, municipalities, province heading rows, indented names with an English
    column, numbers stored as text, a page break with a repeated header and a
    ``CNKI`` link sheet.  It covers 27 real current units (北京, 天津 and cities
    of 河北, 安徽 and 湖北, including 襄阳).

    **Every number in it is SYNTHETIC** (seeded random draws, not statistics);
    the file's title line and note say so.  It is built by
    ``boundaries/build_sample_yearbook.py``, which re-creates it byte for byte.

    Returns
    -------
    pathlib.Path
        The file inside the installed package (read it, do not write to it).

    References
    ----------
    National Bureau of Statistics of China (国家统计局城市社会经济调查司).
    *China City Statistical Yearbook* (中国城市统计年鉴). China Statistics Press,
    yearly (the layout imitated).

    Examples
    --------
    >>> import geoaggl
    >>> from geoaggl import datasets
    >>> table = geoaggl.read_yearbook(datasets.sample_yearbook())
    >>> table.columns.tolist()
    ['adcode', 'name', 'name_en', 'province', '年末户籍人口(万人)', '年平均人口(万人)', '自然增长率(‰)']
    >>> gdf = geoaggl.attach(geoaggl.prefectures(), table)
    >>> int(gdf["年末户籍人口(万人)"].notna().sum())
    27
    """
    return Path(str(resources.files("geoaggl").joinpath("data", _SAMPLE)))
