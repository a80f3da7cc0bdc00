"""The one key resolver behind :func:`geoaggl.harmonize`, :func:`geoaggl.attach` and
:func:`geoaggl.read_yearbook`.

A *key* is whatever a table uses to name a prefecture-level unit:

* an adcode as int, float (``110100.0``), digit string (``"110100"``,
  ``"110100.0"``) or 9/12-digit statistical code (``110100000000``: its first six
  digits);
* a Chinese name, full or short, current or former (``北京市``, ``北京``,
  ``襄樊``, ``毕节地区``), compared after :func:`geoaggl.names.normalize_name`;
* an English name as in ``prefectures()["name_en"]``, case-insensitive
  (``"Beijing"``, ``"xiangyang"``);
* a former code (``542400`` 那曲地区, ``342600`` 巢湖地区, ``110000`` 北京).

Names and codes follow the same rules.  Each key gets a *rule*:

``identity``      the key names the unit itself (current code, full or short name,
                  abbreviation, known misprint, English name);
``rename``        a former name or code of the same unit (襄樊 -> 襄阳 420600);
``upgrade``       a former 地区/盟/county-level designation of the same unit
                  (毕节地区 -> 毕节 520500, 542400 -> 那曲 540600);
``merge``         a unit merged whole into another (莱芜 -> 济南, 2019);
``split``         a unit divided among several (巢湖 -> 合肥, 芜湖, 马鞍山, 2011);
``abolition``     a unit abolished otherwise;
``county→parent`` a county-level code under a prefecture (110105 -> 110100);
``unmatched``     nothing found (the report's ``note`` says why, ``suggestion``
                  proposes near misses such as 杭洲 -> 杭州市);
``missing``       the key itself is missing (None/NaN).

Renames and upgrades resolve silently.  Merge, split and abolition move data to
another unit, so they resolve only with ``abolished="successor"``; by default
(``"missing"``) such keys are left unmatched and named in one
:class:`~geoaggl.errors.ReassignedKeysWarning`, and ``"raise"`` raises.
County-level codes map to their prefecture only with ``county="parent"``;
otherwise they are unmatched, with the parent named.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
import warnings
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

from ._validate import user_stacklevel
from .errors import (
    DataError,
    ParameterTypeError,
    ReassignedKeysWarning,
    UnmatchedKeysWarning,
    UnmatchedNamesError,
    format_keys,
)

ABOLISHED = ("missing", "successor", "raise")
COUNTY = ("missing", "parent", "raise")
ERRORS = ("raise", "warn", "ignore")
BY = ("auto", "adcode", "name")
REPORT_COLUMNS = ["input", "adcode", "rule", "candidates", "suggestion", "note"]
MOVES = frozenset({"merge", "split", "abolition"})
COUNTY_RULE = "county→parent"

_KIND_RULE = {
    "current": "identity", "short": "identity", "abbreviation": "identity", "misprint": "identity",
    "english": "identity", "rename": "rename", "code change": "rename", "redesignation": "upgrade",
    "merged": "merge", "split": "split", "abolished": "abolition",
}  # fmt: skip
_MUNICIPALITY_PREFIXES = ("11", "12", "31", "50")
_FALLBACK_SUFFIXES = ("自治州", "自治县", "地区", "林区", "州", "市", "盟", "县")
_EN_SUFFIXES = ("city", "shi", "prefecture", "league", "region", "diqu")
_BRACKETS = re.compile(r"[(（\[【〔［][^)）\]】〕］]*[)）\]】〕］]")
_NOT_HAN = re.compile(r"[^\u3400-\u4dbf\u4e00-\u9fff\U00020000-\U0002ebef]")
_CODE_TEXT = re.compile(r"^\d+(?:\.0*)?$")
_ASCII_NAME = re.compile(r"^[A-Za-z][A-Za-z .'’\-]*$")
_MAX_SUGGEST = 20  # distinct unmatched keys that get a difflib suggestion (as many as a message shows)

_REASONS = {
    "unknown name": "not a known name",
    "unknown code": "not a known adcode",
    "not a code": "not an adcode (by='adcode')",
    "not a name": "not a name (by='name')",
    "province code": "a province code, not a prefecture",
    "other province": "known only in another province",
    "ambiguous": "ambiguous, pass the province",
    "not valid in year": "not a legal name in that year (strict_years)",
    "not a unit": "known, but not one of the units joined to",
    "county": "county-level code (pass county='parent' to use the prefecture)",
    "no key": "rows without a key",
}


def normalize(name: str) -> str:
    """NFKC, bracketed notes removed, everything but Han characters dropped."""
    s = unicodedata.normalize("NFKC", name)
    s = _BRACKETS.sub("", s)
    return _NOT_HAN.sub("", s)


# ---------------------------------------------------------------------------
# lookup tables
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class _Row:
    adcode: str
    valid_from: int | None
    valid_to: int | None
    kind: str
    successors: tuple[str, ...]

    def valid_in(self, year: int) -> bool:
        return (self.valid_from is None or year >= self.valid_from) and (
            self.valid_to is None or year <= self.valid_to
        )


@lru_cache(maxsize=1)
def crosswalk_frame() -> pd.DataFrame:
    """The packaged crosswalk (cached; callers outside this module get a copy)."""
    path = resources.files("geoaggl") / "data" / "crosswalk.csv"
    with path.open("r", encoding="utf-8") as fh:
        return pd.read_csv(fh, dtype=str, keep_default_na=False)


def _int_or_none(v: str) -> int | None:
    return int(v) if v else None


@dataclass(frozen=True)
class _Tables:
    by_key: dict[str, tuple[_Row, ...]]
    old: dict[str, _Row]
    names: dict[str, str]  # current adcode -> full name


@lru_cache(maxsize=1)
def tables() -> _Tables:
    cw = crosswalk_frame()
    by_key: dict[str, list[_Row]] = {}
    old: dict[str, _Row] = {}
    names: dict[str, str] = {}
    cols = ["alias", "adcode", "valid_from", "valid_to", "kind_of_change", "old_adcode", "successors"]
    for alias, adcode, vf, vt, kind, old_code, succ in cw[cols].itertuples(index=False):
        row = _Row(adcode, _int_or_none(vf), _int_or_none(vt), kind, tuple(succ.split()) or (adcode,))
        rows = by_key.setdefault(normalize(alias), [])
        if row not in rows:
            rows.append(row)
        if old_code:
            old[old_code] = row
        if kind == "current":
            names[adcode] = alias
    return _Tables({k: tuple(v) for k, v in by_key.items()}, old, names)


@lru_cache(maxsize=1)
def _english() -> dict[str, tuple[str, ...]]:
    """English-name key -> adcodes, from ``prefectures()["name_en"]``."""
    from .boundaries import prefectures

    out: dict[str, list[str]] = {}
    for code, en in prefectures()["name_en"].items():
        if isinstance(en, str) and en:
            out.setdefault(_en_key(en), []).append(str(code))
    return {k: tuple(v) for k, v in out.items()}


def _en_key(s: str) -> str:
    return re.sub(r"[^a-z]", "", unicodedata.normalize("NFKC", s).casefold())


def unit_name(code: str) -> str:
    """``"340100 合肥市"`` for messages (the bare code when it is not a current unit)."""
    name = tables().names.get(code)
    return f"{code} {name}" if name else code


# ---------------------------------------------------------------------------
# one key
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Hit:
    """How one key resolves, before the caller's policy is applied."""

    code: str | None  # the unit (the successor for moves, the parent for counties)
    rule: str
    candidates: tuple[str, ...] = ()
    reason: str = ""  # why unmatched
    suggestion: str | None = None


_MISSING_HIT = Hit(None, "missing")


def is_missing(v: Any) -> bool:
    if v is None or v is pd.NA or v is pd.NaT:
        return True
    if isinstance(v, float | np.floating):
        return bool(np.isnan(v))
    return False


def as_code(v: Any) -> str | None:
    """A 6-digit code for a code-like key, else None (names, non-integral floats, bools)."""
    if isinstance(v, bool | np.bool_):
        return None
    if isinstance(v, int | np.integer):
        s = str(int(v)) if v >= 0 else ""
    elif isinstance(v, float | np.floating):
        s = str(int(v)) if np.isfinite(v) and float(v).is_integer() and v >= 0 else ""
    elif isinstance(v, str):
        t = unicodedata.normalize("NFKC", v).strip()
        s = t.split(".")[0] if _CODE_TEXT.match(t) else ""
    else:
        return None
    if not s:
        return None
    if len(s) in (9, 12):
        s = s[:6]
    return s.zfill(6) if len(s) <= 6 else None


def _check_type(v: Any) -> None:
    ok = (str, int, float, np.integer, np.floating, np.bool_)
    if not isinstance(v, ok) and not is_missing(v):
        raise ParameterTypeError(
            f"keys must be names (str) or adcodes (int, float or digit str); got {type(v).__name__}: {v!r}"
        )


def _row_hit(row: _Row) -> Hit:
    rule = _KIND_RULE.get(row.kind, "identity")
    cands = row.successors if rule in MOVES else ()
    return Hit(row.adcode, rule, cands)


def resolve_code(code: str) -> Hit:
    t = tables()
    if code in t.names:
        return Hit(code, "identity")
    if code in t.old:
        return _row_hit(t.old[code])
    parent = _parent(code)
    if parent is not None:
        return Hit(parent, COUNTY_RULE, (parent,), reason="county")
    if code.endswith("0000"):
        return Hit(None, "unmatched", reason="province code")
    return Hit(None, "unmatched", reason="unknown code")


def _parent(code: str) -> str | None:
    """The prefecture of a county-level code (None if it has none among the units)."""
    if code.endswith("00"):
        return None
    if code[:2] in _MUNICIPALITY_PREFIXES:
        cand = code[:2] + "0100"
    else:
        cand = code[:4] + "00"
    return cand if cand in tables().names else None


def _candidates(key: str) -> tuple[_Row, ...]:
    by_key = tables().by_key
    rows = by_key.get(key)
    if rows:
        return rows
    for suf in _FALLBACK_SUFFIXES:  # an unknown suffix combination, e.g. 襄樊地区 or 大理自治州
        if key.endswith(suf) and len(key) - len(suf) >= 2:
            rows = by_key.get(key[: -len(suf)])
            if rows:
                return rows
    return ()


def resolve_name(key: str, year: int | None, prov: str | None, strict_years: bool) -> Hit:
    """Resolve a normalised Chinese name."""
    rows = _candidates(key)
    if not rows:
        return Hit(None, "unmatched", reason="unknown name")
    if prov is not None:
        rows = tuple(r for r in rows if r.adcode[:2] == prov)
        if not rows:
            return Hit(None, "unmatched", reason="other province")
    if year is not None:
        valid = tuple(r for r in rows if r.valid_in(year))
        if valid:
            rows = valid
        elif strict_years:
            return Hit(None, "unmatched", reason="not valid in year")
    codes = {r.adcode for r in rows}
    if len(codes) > 1:
        own = {r.adcode for r in rows if r.kind in ("current", "short")}
        if len(own) != 1:  # prefer the unit's own name over a historical alias of another unit
            return Hit(None, "unmatched", tuple(sorted(codes)), reason="ambiguous")
        code = own.pop()
        rows = tuple(r for r in rows if r.adcode == code)
    own_rows = [r for r in rows if _KIND_RULE.get(r.kind, "identity") not in MOVES]
    return _row_hit(own_rows[0] if own_rows else rows[0])


def resolve_english(text: str, prov: str | None) -> Hit:
    key = _en_key(text)
    codes = _english().get(key, ())
    for suf in _EN_SUFFIXES:
        if not codes and key.endswith(suf) and len(key) > len(suf) + 2:
            codes = _english().get(key[: -len(suf)], ())
    if not codes:
        return Hit(None, "unmatched", reason="unknown name")
    if prov is not None:
        codes = tuple(c for c in codes if c[:2] == prov)
        if not codes:
            return Hit(None, "unmatched", reason="other province")
    if len(codes) > 1:
        return Hit(None, "unmatched", codes, reason="ambiguous")
    return Hit(codes[0], "identity")


def resolve_one(v: Any, year: int | None, prov: str | None, *, by: str, strict_years: bool) -> Hit:
    """Resolve one non-missing key (no policy applied)."""
    code = as_code(v)
    if code is not None:
        return resolve_code(code) if by != "name" else Hit(None, "unmatched", reason="not a name")
    if by == "adcode":
        return Hit(None, "unmatched", reason="not a code")
    if not isinstance(v, str):
        return Hit(None, "unmatched", reason="unknown code")
    if _ASCII_NAME.match(v.strip()):
        return resolve_english(v, prov)
    key = normalize(v)
    if not key:
        return Hit(None, "unmatched", reason="unknown name")
    return resolve_name(key, year, prov, strict_years)


@lru_cache(maxsize=1)
def _by_char() -> dict[str, frozenset[str]]:
    out: dict[str, set[str]] = {}
    for k in tables().by_key:
        for c in k:
            out.setdefault(c, set()).add(k)
    return {c: frozenset(v) for c, v in out.items()}


def suggest(v: Any) -> str | None:
    """Near misses of an unmatched Chinese name (difflib), as ``"330100 杭州市"``."""
    if not isinstance(v, str):
        return None
    key = normalize(v)
    if not 2 <= len(key) <= 16:
        return None
    t = tables()
    by_char = _by_char()
    pool = sorted(set().union(*(by_char.get(c, ()) for c in set(key))))  # only names sharing a character
    close = difflib.get_close_matches(key, pool, n=6, cutoff=0.5)
    if not close:
        return None
    best = difflib.SequenceMatcher(None, key, close[0]).ratio()
    # ties: a name sharing the first character first (杭洲 -> 杭州 before 株洲)
    tied = [c for c in close if difflib.SequenceMatcher(None, key, c).ratio() >= best - 1e-9]
    tied.sort(key=lambda c: (c[0] != key[0], c))
    codes = list(dict.fromkeys(r.adcode for c in tied for r in t.by_key[c]))[:3]
    return " or ".join(unit_name(c) for c in codes)


# ---------------------------------------------------------------------------
# many keys, with the caller's policy
# ---------------------------------------------------------------------------
@dataclass
class Resolution:
    """Codes after the policy, what to tell the user, and the match report (built on demand)."""

    keys: list[Any]
    index: pd.Index | None
    codes: list[str | None] = field(default_factory=list)
    rules: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    candidates: list[tuple[str, ...]] = field(default_factory=list)
    unmatched: list[Any] = field(default_factory=list)  # distinct keys, input order
    reasons: dict[Any, str] = field(default_factory=dict)
    suggestions: dict[Any, str | None] = field(default_factory=dict)
    parents: dict[Any, tuple[str, ...]] = field(default_factory=dict)
    reassigned: list[tuple[Any, Hit]] = field(default_factory=list)  # moves left unmatched
    moved_seen: set[Any] = field(default_factory=set)

    @property
    def report(self) -> pd.DataFrame:
        """One row per input key: input, adcode, rule, candidates, suggestion, note."""
        idx = self.index.copy() if self.index is not None else pd.RangeIndex(len(self.keys))
        sugg = [
            self.suggestions.get(_hashable(v)) if r == "unmatched" else None
            for v, r in zip(self.keys, self.rules, strict=True)
        ]
        return pd.DataFrame(
            {
                "input": pd.Series(list(self.keys), index=idx, dtype=object),
                "adcode": pd.Series(self.codes, index=idx, dtype="str"),
                "rule": pd.Series(self.rules, index=idx, dtype="str"),
                "candidates": pd.Series(self.candidates, index=idx, dtype=object),
                "suggestion": pd.Series(sugg, index=idx, dtype="str"),
                "note": pd.Series(self.notes, index=idx, dtype="str"),
            }
        )


def _hashable(v: Any) -> Hashable:
    try:
        hash(v)
    except TypeError:
        return repr(v)
    return v


# (code, rule, note, candidates, hit, reason, moved) of one distinct key
_Outcome = tuple[str | None, str, str, tuple[str, ...], Hit, str, bool]
_MISSING_OUT: _Outcome = (None, "missing", "", (), _MISSING_HIT, "", False)


def resolve(
    keys: list[Any],
    *,
    years: Sequence[int | None] | None = None,
    provinces: Sequence[str | None] | None = None,
    units: Iterable[str] | None = None,
    by: str = "auto",
    abolished: str = "missing",
    county: str = "missing",
    strict_years: bool = False,
    index: pd.Index | None = None,
) -> Resolution:
    """Resolve ``keys`` and apply the policy (no warning is issued here; see :func:`emit`)."""
    n = len(keys)
    yrs = years if years is not None else [None] * n
    provs = provinces if provinces is not None else [None] * n
    unit_set = set(units) if units is not None else None
    res = Resolution(keys=list(keys), index=index)
    memo: dict[tuple[Any, ...], _Outcome] = {}
    for v, y, p in zip(keys, yrs, provs, strict=True):
        k = (type(v), _hashable(v), y, p)
        out = memo.get(k)
        if out is None:
            if is_missing(v):
                out = _MISSING_OUT
            else:
                _check_type(v)
                hit = resolve_one(v, y, p, by=by, strict_years=strict_years)
                out = _outcome(hit, unit_set, abolished, county)
                memo[k] = out
            if out[5] or out[6]:
                _record(res, v, out)
        res.codes.append(out[0])
        res.rules.append(out[1])
        res.notes.append(out[2])
        res.candidates.append(out[3])
    return res


def _outcome(h: Hit, unit_set: set[str] | None, abolished: str, county: str) -> _Outcome:
    """Apply the policy to one hit."""
    if h.code is None:
        reason = h.reason or "unknown name"
        return None, "unmatched", _REASONS.get(reason, reason), h.candidates, h, reason, False
    if h.rule in MOVES and abolished != "successor":
        return None, h.rule, f"{h.rule}: not moved (abolished={abolished!r})", h.candidates, h, "", True
    if h.rule == COUNTY_RULE and county != "parent":
        return None, h.rule, _REASONS["county"], h.candidates, h, "county", False
    if unit_set is not None and h.code not in unit_set:
        return None, "unmatched", _REASONS["not a unit"], h.candidates, h, "not a unit", False
    note = "" if h.rule == "identity" else f"{h.rule} of {unit_name(h.code)}"
    return h.code, h.rule, note, h.candidates, h, "", False


def _record(res: Resolution, v: Any, out: _Outcome) -> None:
    """Remember a distinct unmatched or moved key (input order) for the messages."""
    hv = _hashable(v)
    _, _, _, cands, hit, reason, moved = out
    if moved:
        if hv not in res.moved_seen:
            res.moved_seen.add(hv)
            res.reassigned.append((v, hit))
        return
    if hv in res.reasons:
        return
    res.unmatched.append(v)
    res.reasons[hv] = reason
    res.parents[hv] = cands
    if reason in ("unknown name", "other province") and len(res.suggestions) < _MAX_SUGGEST:
        res.suggestions[hv] = suggest(v)


def _show(v: Any) -> str:
    return repr(v.item() if isinstance(v, np.generic) else v)


def emit(res: Resolution, *, errors: str, abolished: str, what: str, where: str, stacklevel: int = 3) -> None:
    """Warn about moves left unmatched (or raise), then report unmatched keys by ``errors``."""
    if res.reassigned:
        items = [
            f"{_show(v)} → {', '.join(unit_name(c) for c in h.candidates)} ({h.rule})"
            for v, h in res.reassigned[:20]
        ]
        more = f", ... (+{len(res.reassigned) - 20} more)" if len(res.reassigned) > 20 else ""
        msg = (
            f"{where}: {len(res.reassigned)} {what} of merged, split or abolished units were not moved to "
            f"another unit: {'; '.join(items)}{more}"
        )
        if abolished == "raise":
            raise DataError(msg)
        warnings.warn(
            msg + "; their rows are left unmatched (pass abolished='successor' to use the successor)",
            ReassignedKeysWarning,
            stacklevel=user_stacklevel(),  # the user's line, whatever wraps this call
        )
    if res.unmatched:
        report_unmatched(res, errors=errors, what=what, where=where, stacklevel=stacklevel + 1)


def report_unmatched(res: Resolution, *, errors: str, what: str, where: str, stacklevel: int = 3) -> None:
    groups: dict[str, list[str]] = {}
    for u in res.unmatched:
        hu = _hashable(u)
        reason = res.reasons[hu]
        shown = u if reason == "no key" else _show(u)
        s = res.suggestions.get(hu)
        cands = res.parents.get(hu, ())
        if reason == "county" and cands:
            shown += f" (under {unit_name(cands[0])})"
        elif reason == "ambiguous" and cands:
            shown += f" ({' or '.join(unit_name(c) for c in cands)})"
        elif isinstance(s, str):
            shown += f" (did you mean {s}?)"
        groups.setdefault(reason, []).append(shown)
    detail = "; ".join(f"{_REASONS.get(g, g)}: {_join(v)}" for g, v in groups.items())
    msg = f"{where}: {len(res.unmatched)} {what} could not be matched ({detail})"
    if errors == "raise":
        raise UnmatchedNamesError(msg, res.unmatched)
    if errors == "warn":
        warnings.warn(msg, UnmatchedKeysWarning, stacklevel=user_stacklevel())


def _join(items: list[str], limit: int = 20) -> str:
    more = f", ... (+{len(items) - limit} more)" if len(items) > limit else ""
    return ", ".join(items[:limit]) + more


__all__ = ["Resolution", "as_code", "emit", "format_keys", "resolve", "tables"]
