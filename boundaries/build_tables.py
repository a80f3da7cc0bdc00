"""Validate the authored UA membership table and write geoaggl's packaged copy.

Re-runnable: ``python boundaries/build_tables.py`` (needs geoaggl importable
from this checkout).  ``--check`` only verifies that the packaged copy is up to
date (exit status 1 if not).

Source
------
``boundaries/agglomerations.csv`` is authored by hand from the plan documents
(State Council / NDRC plans, the 2008 Pearl River Delta 纲要, the provincial
黔中 2017 and 滇中 2020 plans): one row per UA member with columns
``agglomeration``, ``agglomeration_en``, ``adcode``, ``name``, ``province``,
``partial`` (``true``/``false``), ``partial_note`` (the plan's wording of the
covered districts/counties) and ``source``.

Checks
------
* columns, 6-digit adcodes, booleans spelt ``true``/``false``;
* every adcode is a unit of ``geoaggl.prefectures(include_sar=True)`` and the
  authored ``name`` and ``province`` equal the shipped ones;
* no (UA, adcode) duplicate; one English name and one source per UA;
* the UAs are exactly ``geoaggl._agglomerations.ALL_AGGLOMERATIONS``;
* member counts equal the plans' (:data:`PLAN_COUNTS`); partial members carry
  a ``partial_note``.

Output
------
``geoaggl/data/agglomerations.csv``: the same columns, rows ordered by
``ALL_AGGLOMERATIONS`` then adcode, UTF-8, ``\\n`` line ends.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from geoaggl._agglomerations import ALL_AGGLOMERATIONS  # noqa: E402
from geoaggl.boundaries import prefectures  # noqa: E402

SOURCE = ROOT / "boundaries" / "agglomerations.csv"
OUT = ROOT / "geoaggl" / "data" / "agglomerations.csv"
COLUMNS = [
    "agglomeration",
    "agglomeration_en",
    "adcode",
    "name",
    "province",
    "partial",
    "partial_note",
    "source",
]

#: Members per UA as the plan documents count them (prefecture-level units).
PLAN_COUNTS: dict[str, int] = {
    "京津冀": 13,  # 北京, 天津 + 11 cities of Hebei
    "长三角": 26,  # 上海 + 9 Jiangsu + 8 Zhejiang + 8 Anhui
    "珠三角": 9,
    "粤港澳大湾区": 11,  # the 9 珠三角 cities + 香港, 澳门
    "长江中游": 31,  # incl. 仙桃, 潜江, 天门; 抚州, 吉安 in part
    "成渝": 16,  # 重庆 (27 districts/counties + parts of 开州, 云阳) + 15 Sichuan cities
    "关中平原": 11,
    "哈长": 11,
    "中原": 30,  # 5 provinces, incl. 济源
    "北部湾": 15,  # incl. Hainan's 东方, 澄迈, 临高, 昌江
    "呼包鄂榆": 4,
    "兰西": 9,
    "黔中": 6,  # 33 counties/districts in 6 units
    "滇中": 5,
}


def load_source(path: Path = SOURCE) -> pd.DataFrame:
    """Read the authored table with every column as str.

    Parameters
    ----------
    path : pathlib.Path
        CSV to read (default ``boundaries/agglomerations.csv``).

    Returns
    -------
    pandas.DataFrame
        The table, nothing converted (empty cells are ``""``).
    """
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")


def validate(table: pd.DataFrame, units: pd.DataFrame) -> list[str]:
    """List every problem of the authored table (empty list when valid).

    Parameters
    ----------
    table : pandas.DataFrame
        The authored table as read by :func:`load_source`.
    units : pandas.DataFrame
        ``geoaggl.prefectures(include_sar=True)`` (indexed by adcode, with
        ``name`` and ``province``).

    Returns
    -------
    list of str
        Human-readable problems naming the offending rows.
    """
    problems: list[str] = []
    missing = [c for c in COLUMNS if c not in table.columns]
    if missing:
        return [f"missing columns {missing}"]
    for i, row in table.iterrows():
        problems.extend(_row_problems(i, row, units))
    dup = table[table.duplicated(["agglomeration", "adcode"], keep=False)]
    if len(dup):
        pairs = sorted(set(zip(dup["agglomeration"], dup["adcode"], strict=True)))
        problems.append(f"duplicated (agglomeration, adcode): {pairs}")
    for col in ("agglomeration_en", "source"):
        n = table.groupby("agglomeration")[col].nunique()
        if (n > 1).any():
            problems.append(f"UAs with several {col}: {sorted(n[n > 1].index)}")
    uas = list(dict.fromkeys(table["agglomeration"]))
    if set(uas) != set(ALL_AGGLOMERATIONS):
        problems.append(
            f"UAs differ from ALL_AGGLOMERATIONS: extra {sorted(set(uas) - set(ALL_AGGLOMERATIONS))}, "
            f"missing {sorted(set(ALL_AGGLOMERATIONS) - set(uas))}"
        )
    counts = table.groupby("agglomeration").size().to_dict()
    for ua, n in PLAN_COUNTS.items():
        if counts.get(ua, 0) != n:
            problems.append(f"{ua}: {counts.get(ua, 0)} members, the plan has {n}")
    return problems


def _row_problems(i: object, row: pd.Series, units: pd.DataFrame) -> list[str]:
    """Problems of one authored row (adcode, name, province, partial flag, source)."""
    where = f"row {i} ({row['agglomeration']} {row['adcode']} {row['name']})"
    ad = row["adcode"]
    if not (len(ad) == 6 and ad.isdigit()):
        return [f"{where}: adcode is not 6 digits"]
    if ad not in units.index:
        return [f"{where}: adcode not among the shipped prefectures"]
    problems = []
    if row["name"] != units.at[ad, "name"]:
        problems.append(f"{where}: name differs from prefectures() ({units.at[ad, 'name']})")
    if row["province"] != units.at[ad, "province"]:
        problems.append(f"{where}: province differs from prefectures() ({units.at[ad, 'province']})")
    if row["partial"] not in ("true", "false"):
        problems.append(f"{where}: partial must be 'true' or 'false', got {row['partial']!r}")
    elif row["partial"] == "true" and not row["partial_note"].strip():
        problems.append(f"{where}: partial member without partial_note")
    if not row["source"].strip() or not row["agglomeration_en"].strip():
        problems.append(f"{where}: empty source or agglomeration_en")
    return problems


def normalise(table: pd.DataFrame) -> pd.DataFrame:
    """Order rows by ``ALL_AGGLOMERATIONS`` then adcode, keep :data:`COLUMNS`.

    Parameters
    ----------
    table : pandas.DataFrame
        A valid authored table (not modified).

    Returns
    -------
    pandas.DataFrame
        A new, re-indexed frame.
    """
    rank = {ua: i for i, ua in enumerate(ALL_AGGLOMERATIONS)}
    out = table[COLUMNS].assign(_rank=table["agglomeration"].map(rank))
    out = out.sort_values(["_rank", "adcode"], kind="stable").drop(columns="_rank")
    return out.reset_index(drop=True)


def render(table: pd.DataFrame) -> str:
    """CSV text of the packaged copy.

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`normalise`.

    Returns
    -------
    str
        UTF-8 CSV with ``\\n`` line ends.
    """
    return table.to_csv(index=False, lineterminator="\n")


def main(argv: list[str] | None = None) -> int:
    """Validate the source table and write (or ``--check``) the packaged copy.

    Parameters
    ----------
    argv : list of str, optional
        Command-line arguments (default ``sys.argv[1:]``).

    Returns
    -------
    int
        Exit status: 0 on success, 1 on a validation problem or a stale copy.
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only verify the packaged copy is up to date")
    args = parser.parse_args(argv)
    table = load_source()
    problems = validate(table, prefectures(include_sar=True))
    if problems:
        print("boundaries/agglomerations.csv is invalid:", *problems, sep="\n  ", file=sys.stderr)
        return 1
    text = render(normalise(table))
    if args.check:
        current = OUT.read_text(encoding="utf-8") if OUT.exists() else ""
        if current != text:
            print(f"{OUT.relative_to(ROOT)} is stale: run python boundaries/build_tables.py", file=sys.stderr)
            return 1
        print(f"{OUT.relative_to(ROOT)} is up to date ({len(table)} rows)")
        return 0
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}: {len(table)} rows, {table['agglomeration'].nunique()} UAs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
