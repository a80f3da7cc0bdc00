"""Build geoaggl's name crosswalk ``geoaggl/data/crosswalk.csv``.

Re-runnable, standard library + pandas only: ``python boundaries/build_crosswalk.py``.

Inputs
------
* ``geoaggl/data/prefectures.geojson`` - the shipped units (adcode, name, province).
* ``boundaries/crosswalk.csv`` - the authored history: former names of current
  units (renames such as 襄樊 -> 襄阳, redesignations 地区/盟 -> 市 such as
  毕节地区 -> 毕节市), abolished units with every current unit that received part
  of them (``successors``, space-separated adcodes; 巢湖 -> 合肥 340100, 芜湖
  340200, 马鞍山 340500) and the single successor used only when a caller asks
  for it with ``abolished="successor"`` (``adcode``: 巢湖 -> 合肥, 莱芜 -> 济南,
  柳州地区 -> 来宾 ...), common abbreviations (博州, 巴州, 克州) and former codes
  (542400 那曲, 342600 巢湖 ...).  Compiled by
  the geoaggl developers from the State Council's published approvals of
  administrative-division changes; years are by year-end status.

Generated aliases
-----------------
For every unit: its full name (``current``) and short forms (``short``):

* the name without its administrative suffix: 市, 地区, 盟, 林区, 县,
  特别行政区 (``北京市`` -> ``北京``, ``阿里地区`` -> ``阿里``);
* autonomous prefectures and counties: the place name with the ethnic part and
  ``自治州``/``自治县`` removed, alone and with ``州``/``自治州``
  (``延边朝鲜族自治州`` -> ``延边``, ``延边州``, ``延边自治州``;
  ``白沙黎族自治县`` -> ``白沙``, ``白沙县``, ``白沙自治县``).

Authored historical names get the same short forms (``襄樊市`` -> ``襄樊``), unless
the short form is already an alias of a current unit (``柳州地区`` does not
yield ``柳州``; ``毕节地区`` adds nothing to the current ``毕节``).  Short forms of
current units that collide with each other are kept (both rows;
:func:`geoaggl.harmonize` then needs ``province``) and printed; there are none today.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
PREFS = ROOT / "geoaggl" / "data" / "prefectures.geojson"
AUTHORED = ROOT / "boundaries" / "crosswalk.csv"
OUT = ROOT / "geoaggl" / "data" / "crosswalk.csv"

COLUMNS = [
    "alias", "adcode", "province", "valid_from", "valid_to", "kind_of_change", "old_adcode",
    "successors", "source", "note",
]  # fmt: skip
PROVINCE_SUFFIXES = ("维吾尔自治区", "壮族自治区", "回族自治区", "特别行政区", "自治区", "省", "市")
# ethnic groups named in the autonomous prefectures/counties; "族" optional only where
# the official name omits it (博尔塔拉蒙古自治州, 伊犁哈萨克自治州, 克孜勒苏柯尔克孜自治州)
ETHNIC_REQUIRED_ZU = ["朝鲜", "土家", "苗", "藏", "羌", "彝", "布依", "侗", "哈尼", "壮", "傣", "白",
                      "景颇", "傈僳", "回", "黎"]  # fmt: skip
ETHNIC_OPTIONAL_ZU = ["蒙古", "柯尔克孜", "哈萨克"]
_ETHNIC = re.compile(
    "(?:"
    + "|".join(f"{e}族" for e in sorted(ETHNIC_REQUIRED_ZU, key=len, reverse=True))
    + "|"
    + "|".join(f"{e}族?" for e in sorted(ETHNIC_OPTIONAL_ZU, key=len, reverse=True))
    + ")+$"
)
SIMPLE_SUFFIXES = ("特别行政区", "地区", "林区", "市", "盟", "县")


def short_province(name: str) -> str:
    for suf in PROVINCE_SUFFIXES:
        if name.endswith(suf) and len(name) > len(suf):
            return name[: -len(suf)]
    return name


def short_forms(name: str) -> list[str]:
    """Short aliases of a full unit name (without the name itself)."""
    out: list[str] = []
    for auto, extra in (("自治州", ("州", "自治州")), ("自治县", ("县", "自治县"))):
        if name.endswith(auto):
            stem = _ETHNIC.sub("", name[: -len(auto)])
            if len(stem) >= 2 and stem != name[: -len(auto)]:
                out += [stem, *(stem + e for e in extra)]
            return out
    for suf in SIMPLE_SUFFIXES:
        if name.endswith(suf) and len(name) - len(suf) >= 2:
            return [name[: -len(suf)]]
    return out


def _widen(a: str, b: str, pick: Callable[[int, int], int]) -> str:
    """Combine two window ends; an empty end is open and wins."""
    if not a or not b:
        return ""
    return str(pick(int(a), int(b)))


def load_units() -> pd.DataFrame:
    with PREFS.open(encoding="utf-8") as fh:
        feats = json.load(fh)["features"]
    rows = [
        {"adcode": str(f["properties"]["adcode"]).zfill(6), "name": f["properties"]["name"],
         "province": f["properties"]["province"]}
        for f in feats
    ]  # fmt: skip
    return pd.DataFrame(rows).sort_values("adcode").reset_index(drop=True)


def build() -> pd.DataFrame:
    units = load_units()
    rows: list[dict[str, str]] = []
    for u in units.itertuples():
        prov = short_province(u.province)
        rows.append({"alias": u.name, "adcode": u.adcode, "province": prov,
                     "kind_of_change": "current", "source": "generated"})  # fmt: skip
        for s in short_forms(u.name):
            rows.append({"alias": s, "adcode": u.adcode, "province": prov,
                         "kind_of_change": "short", "source": "generated",
                         "note": f"short form of {u.name}"})  # fmt: skip
    gen = pd.DataFrame(rows)
    taken = gen.groupby("alias")["adcode"].agg(set).to_dict()

    authored = pd.read_csv(AUTHORED, dtype=str, keep_default_na=False)
    bad = sorted(set(authored["adcode"]) - set(units["adcode"]))
    if bad:
        raise SystemExit(f"authored rows point to adcodes that are not units: {bad}")
    olds = set(authored["old_adcode"]) - {""}
    if olds & set(units["adcode"]):
        raise SystemExit(f"old codes that are current codes: {sorted(olds & set(units['adcode']))}")
    hist: list[dict[str, str]] = []
    shorts: dict[tuple[str, str, str], dict[str, str]] = {}
    for r in authored.to_dict("records"):
        hist.append({**r, "source": "authored"})
        if r["kind_of_change"] in ("abbreviation", "code change", "misprint"):
            continue
        for s in short_forms(r["alias"]):
            owners = taken.get(s, set())
            if owners:  # the current unit's own alias wins
                if owners != {r["adcode"]}:
                    print(f"  not generating {s!r} from {r['alias']!r}: alias of {sorted(owners)}")
                continue
            k = (s, r["adcode"], r["kind_of_change"])
            if k in shorts:  # 巢湖 from 巢湖地区 (-1999) and 巢湖市 (1999-2011): one window
                prev = shorts[k]
                prev["valid_from"] = _widen(prev["valid_from"], r["valid_from"], min)
                prev["valid_to"] = _widen(prev["valid_to"], r["valid_to"], max)
                prev["note"] += f", {r['alias']}"
                continue
            shorts[k] = {**r, "alias": s, "old_adcode": "", "source": "generated",
                         "note": f"short form of {r['alias']}"}  # fmt: skip
            hist.append(shorts[k])
    cw = pd.concat([gen, pd.DataFrame(hist)], ignore_index=True).reindex(columns=COLUMNS).fillna("")
    # same alias and unit from several rows: keep the first (current > short > authored)
    cw = cw.drop_duplicates(["alias", "adcode", "kind_of_change", "old_adcode"]).reset_index(drop=True)
    collide = cw.groupby("alias")["adcode"].nunique().loc[lambda s: s > 1]
    for alias in collide.index:
        print(f"  ambiguous alias {alias!r}: {sorted(set(cw.loc[cw.alias == alias, 'adcode']))}")
    return cw


def main() -> None:
    cw = build()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    cw.to_csv(OUT, index=False, encoding="utf-8", lineterminator="\n")
    counts = cw["kind_of_change"].value_counts().to_dict()
    print(f"wrote {OUT.relative_to(ROOT)}: {len(cw)} rows {counts}")


if __name__ == "__main__":
    sys.exit(main())
