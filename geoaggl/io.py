"""Read China City Statistical Yearbook tables as users really have them.

:func:`read_yearbook` takes a yearbook export -- a CNKI ``.xls`` encrypted with
Excel's default password, a plain ``.xls`` or ``.xlsx``, or a ``.csv`` in UTF-8
or GBK -- and returns one row per city with its current adcode, the name as
printed and clean float columns.

What it copes with
------------------
* **Encryption.**  CNKI ``.xls`` files are encrypted with Excel's built-in
  password ``VelvetSweatshop`` (Excel opens them without asking).  They, and
  password-protected ``.xlsx`` files, are decrypted in memory with
  ``msoffcrypto-tool``; pass ``password=`` for any other password.
* **Format by content.**  The file's bytes decide how it is read (OLE2 -> legacy
  ``.xls``, ZIP -> ``.xlsx``, anything else -> delimited text), so an ``.xls``
  that is really an ``.xlsx`` or a tab-separated text file still reads.  Text is
  decoded as UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030 (a
  superset of GBK and GB2312); the delimiter (``,`` ``\\t`` ``;``) is detected.
* **Layout.**  Title, unit (``单位:人``) and blank rows above the table, multi-row
  merged headers (flattened, see below), headers repeated at page breaks
  (``2-1 续表 1``), blank spacer rows, footnote and source rows at the bottom
  (``注: ...``, ``资料来源: ...``, ``摘编自《...》``), an English name column
  (``City`` -> ``name_en``) and indented names.
* **Subtotals.**  Province rows inside the city list (``河北省``, with or without
  figures) and national/aggregate rows (``全国``, ``合计``) are dropped (or kept,
  ``subtotals="keep"``).  The four municipalities (``北京市`` ...) are cities.
  Province rows also tell :func:`geoaggl.harmonize` the province of the cities
  below them.
* **Numbers stored as text.**  Thousands separators and spaces (``1,234``,
  ``1 234``), full-width digits, trailing footnote marks (``123*``) and
  percent signs are removed; ``—``, ``…``, ``-``, ``--``, ``/``, ``x`` and
  empty cells are missing (NaN).

Column names
------------
A multi-row header is flattened column by column: merged cells are filled
across their range, each header cell is reduced to its Chinese text (English
translation lines dropped; a cell without Chinese keeps its English text),
whitespace inside Chinese labels is removed and full-width brackets become
ASCII, and the levels are joined with ``"|"`` from top to bottom.  The
``全市``/``市辖区`` level (also recognised: ``Total City``, ``Districts under
City``, ``市区``, ``地区``) is taken out of the name and selected with ``area``:
with a single area the column is e.g. ``年末户籍人口(万人)``; with
``area="both"`` the area is appended last, ``年末户籍人口(万人)|全市`` and
``年末户籍人口(万人)|市辖区``.  Columns with no area level are always kept.

Examples
--------
>>> import geoaggl
>>> df = geoaggl.read_yearbook("2-1.xls", year=2016)  # doctest: +SKIP
>>> df.columns.tolist()  # doctest: +SKIP
['adcode', 'name', 'name_en', 'province', '年末户籍人口(万人)', '年平均人口(万人)', '自然增长率(‰)']
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
import unicodedata
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import IO, Any, Literal

import numpy as np
import pandas as pd

from . import _keys
from ._validate import check_option
from .errors import (
    DataError,
    GeoagglWarning,
    MissingFileError,
    ParameterTypeError,
    ReassignedKeysWarning,
    UnmatchedKeysWarning,
    UnmatchedNamesError,
    format_keys,
)
from .names import PROVINCES, _provinces, _year, normalize_name

__all__ = ["read_yearbook"]

Area = Literal["全市", "市辖区", "both"]
Errors = Literal["raise", "warn", "ignore"]
Subtotals = Literal["drop", "keep"]

#: Excel's built-in password: files "encrypted" with it open without a prompt.
DEFAULT_PASSWORD = "VelvetSweatshop"

_AREAS = ("全市", "市辖区", "both")
_ERRORS = ("raise", "warn", "ignore")
_SUBTOTALS = ("drop", "keep")
_EXCEL_SUFFIXES = (".xls", ".xlsx", ".xlsm")
_TEXT_SUFFIXES = (".csv", ".txt", ".tsv")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"

# header labels of the area level, keyed by their whitespace-free lower-case form
_AREA_LABELS = {
    "全市": "全市",
    "totalcity": "全市",
    "地区": "全市",
    "市辖区": "市辖区",
    "市区": "市辖区",
    "districtsundercity": "市辖区",
    "citydistricts": "市辖区",
    "urbandistricts": "市辖区",
}
# header labels of a name column (normalised), never data
_NAME_HEADERS = frozenset(
    {"城市", "地区", "城市名称", "城市名", "地级市", "市", "名称", "地区名称", "省份", "省", "省区", "省市"}
)
_EN_NAME_HEADERS = frozenset({"city", "cities", "region", "name", "area"})
# aggregate rows (normalised names)
_TOTALS = frozenset(
    {
        "全国", "合计", "总计", "小计", "共计", "平均", "全国合计", "全国总计", "全国平均",
        "地级以上城市", "全部地级以上城市", "全国地级以上城市", "东部地区", "中部地区",
        "西部地区", "东北地区", "东部", "中部", "西部", "东北",
    }
)  # fmt: skip
_NOTE_PREFIXES = ("注", "资料来源", "数据来源", "来源", "说明", "摘编", "摘自", "备注", "source", "note")
_MUNICIPALITIES = {"北京": "11", "天津": "12", "上海": "31", "重庆": "50"}
_PROVINCE_SUFFIXES = ("维吾尔自治区", "壮族自治区", "回族自治区", "特别行政区", "自治区", "省")
_MAX_NAME_LEN = 16  # longest prefecture name has 11 characters; longer text is a note

_MISSING = frozenset(
    {"", "-", "--", "---", "—", "——", "–", "－", "...", "..", "…", "……", "·", "/", "x", "×", "*",
     "na", "n/a", "n.a.", "nan", "null", "none", "#n/a", "#div/0!", "#value!"}
)  # fmt: skip
_NUMBER = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$")
_FOOTNOTE_MARKS = "*#△▲☆★†‡" + "".join(chr(c) for c in range(0x2460, 0x2474))  # ① .. ⑳
_SEPARATORS = re.compile(r"[,，\s\u00a0\u2009\u202f\u3000'’_]")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
_ASCII_NAME = re.compile(r"^[A-Za-z][A-Za-z .'’\-()]*$")


@dataclass
class _Sheet:
    """One worksheet as a grid of raw cell values."""

    name: str
    rows: list[list[Any]]
    merges: list[tuple[int, int, int, int]] | None  # (row0, row1, col0, col1), half-open


@dataclass
class _Column:
    """A column of the table after the header is flattened."""

    index: int
    label: str
    area: str | None


# ---------------------------------------------------------------------------
# public entry point
# ---------------------------------------------------------------------------
def read_yearbook(
    path: str | os.PathLike[str] | IO[bytes],
    *,
    sheet: int | str | None = None,
    area: Area = "全市",
    year: int | None = None,
    province: str | None = None,
    errors: Errors = "warn",
    abolished: Literal["missing", "successor", "raise"] = "missing",
    subtotals: Subtotals = "drop",
    name_column: int | str | None = None,
    password: str | None = None,
    encoding: str | None = None,
) -> pd.DataFrame:
    """Read a city table exported from the China City Statistical Yearbook.

    See the module docstring for the layouts, encodings and number formats
    understood, and how column names are built.

    Parameters
    ----------
    path : str, path-like or binary file object
        A ``.xls``, ``.xlsx``/``.xlsm`` or ``.csv``/``.txt``/``.tsv`` file.  The
        content, not the suffix, decides how it is parsed; a file object is read
        whole.
    sheet : int or str, optional
        Worksheet position (0-based) or name.  By default the first sheet that
        holds a table of cities (CNKI files carry an extra ``CNKI`` link sheet).
    area : {"全市", "市辖区", "both"}, default "全市"
        Which column group to return when the table splits its figures into
        ``全市`` (whole city, including counties) and ``市辖区`` (urban
        districts).  ``"both"`` returns both, suffixed ``|全市`` and ``|市辖区``.
        Tables without such groups are returned whole whatever ``area`` is.
    year : int, optional
        Year of the data (an int, or text such as ``"2016"``), used so historical
        names resolve with that year's rules (``襄樊`` in 2009).
    province : str, optional
        Province of every row (``"辽宁省"``, ``"辽宁"``, ``"21"``), passed to
        :func:`geoaggl.harmonize`.  Without it the province of each city is taken
        from a province column of the file, if any, else from the province
        subtotal row above it; a name that does not match inside that province is
        retried without it.
    errors : {"raise", "warn", "ignore"}, default "warn"
        City names that cannot be matched to a current adcode: ``"raise"`` raises
        :class:`~geoaggl.errors.UnmatchedNamesError` listing them (``.unmatched``);
        ``"warn"`` keeps the rows with a missing ``adcode`` and issues an
        :class:`~geoaggl.errors.UnmatchedKeysWarning` naming them; ``"ignore"``
        keeps them silently.  In every case the result's
        ``attrs["unmatched"]`` lists them.
    abolished : {"missing", "successor", "raise"}, default "missing"
        Rows of units merged, split or abolished since (``莱芜市``, merged into
        济南 in 2019; ``巢湖市``, split in 2011), by the rules of
        :func:`geoaggl.harmonize`: ``"missing"`` gives them a missing adcode and
        names them, with their candidate successors, in one
        :class:`~geoaggl.errors.ReassignedKeysWarning` (they are not
        "unmatched"; ``attrs["reassigned"]`` lists them); ``"successor"`` gives
        them the successor's adcode, so two rows can share an adcode (a warning
        says so); ``"raise"`` raises :class:`~geoaggl.errors.DataError`.
    subtotals : {"drop", "keep"}, default "drop"
        Province subtotal rows and aggregate rows (``全国``, ``合计``).  ``"drop"``
        removes them (their names are in ``attrs["subtotals"]``); ``"keep"`` keeps
        them in place with a boolean ``subtotal`` column, province rows with the
        province's adcode (``"130000"``) and aggregate rows with a missing one.
    name_column : int or str, optional
        The column holding city names, as a 0-based position or the text of its
        header cell; detected by default as the column whose cells match the
        most prefecture names.
    password : str, optional
        Password of an encrypted workbook; default Excel's built-in
        ``"VelvetSweatshop"``.
    encoding : str, optional
        Encoding of a text file; detected by default (UTF-8 with or without BOM,
        UTF-16 with BOM, else GB18030).

    Returns
    -------
    pandas.DataFrame
        One row per city in file order, with a fresh RangeIndex and columns

        * ``adcode`` -- the current 6-digit adcode (str; missing if unmatched);
        * ``name`` -- the name as printed, surrounding whitespace removed;
        * ``name_en`` -- the English name, when the file has an English column;
        * ``province`` -- the province as printed, when the file has a province
          column or province subtotal rows;
        * ``subtotal`` -- only with ``subtotals="keep"``;
        * one float64 column per numeric column of the table (missing -> NaN),
          and a string column per other text column.

        ``attrs`` holds ``source`` (path), ``sheet`` (name), ``area`` (the group
        selected, or None when the table has none), ``encoding`` (text files),
        ``unmatched`` (list of printed names), ``subtotals`` (list of dropped
        subtotal names), ``reassigned`` (list of ``(name, rule, candidate adcodes)``
        of merged/split units left unmatched) and ``unparsed`` (list of
        ``(name, column, text)`` cells that should be numbers but are not, set to
        NaN with a warning; text that overflows a float, such as ``1e999``, or
        spells infinity counts as not a number, so no ``inf`` reaches the result).

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    geoaggl.errors.OptionError
        On a bad ``area``, ``errors``, ``subtotals`` or ``abolished`` value.
    geoaggl.errors.ParameterTypeError
        On a text-mode file object or a ``sheet`` of the wrong type.
    geoaggl.errors.DataError
        On an unsupported suffix or content, a corrupted or truncated workbook or
        text file (the message names the file), a file that cannot be decrypted
        (wrong password) or decoded, an unknown ``sheet``, a sheet without a
        recognisable column of city names, or merged/split units with
        ``abolished="raise"``.
    geoaggl.errors.UnmatchedNamesError
        With ``errors="raise"`` when a city name cannot be matched.

    Warns
    -----
    geoaggl.errors.UnmatchedKeysWarning
        With ``errors="warn"`` for unmatched names.
    geoaggl.errors.ReassignedKeysWarning
        For rows of merged, split or abolished units left without an adcode.
    geoaggl.errors.GeoagglWarning
        For numeric cells that cannot be read as numbers, and for two rows
        resolving to the same adcode.

    References
    ----------
    National Bureau of Statistics of China (国家统计局城市社会经济调查司).
    *China City Statistical Yearbook* (中国城市统计年鉴). China Statistics Press, yearly.

    Examples
    --------
    >>> import geoaggl
    >>> df = geoaggl.read_yearbook("cnki_2-1.xls", year=2016)  # doctest: +SKIP
    >>> df.loc[df["name"] == "石家庄市", "年末户籍人口(万人)"].item()  # doctest: +SKIP
    1038.0
    """
    check_option(area, _AREAS, name="area", where="read_yearbook")
    check_option(errors, _ERRORS, name="errors", where="read_yearbook")
    check_option(subtotals, _SUBTOTALS, name="subtotals", where="read_yearbook")
    check_option(abolished, _keys.ABOLISHED, name="abolished", where="read_yearbook")
    year = _year(year)
    for nm, val in (("password", password), ("encoding", encoding)):
        if val is not None and not isinstance(val, str):
            raise ParameterTypeError(f"read_yearbook: {nm} must be a str, got {type(val).__name__}")

    data, label = _load_bytes(path)
    sheets, text_encoding = _read_raw(data, label, sheet=sheet, password=password, encoding=encoding)
    chosen: _Sheet | None = None
    name_col = -1
    for sh in sheets:
        name_col = _find_name_column(sh.rows, name_column)
        if name_col >= 0:
            chosen = sh
            break
    if chosen is None:
        where = f"sheet {sheets[0].name!r}" if len(sheets) == 1 else f"sheets {[s.name for s in sheets]}"
        raise DataError(
            f"{label}: no column of city names found in {where} (no cell matches a prefecture name);"
            " pass name_column= or sheet= if the table is there"
        )

    table = _parse_table(chosen, name_col, area=area)
    df = _assemble(
        table,
        year=year,
        province=province,
        errors=errors,
        abolished=abolished,
        subtotals=subtotals,
        label=label,
    )
    df.attrs.update(
        {
            "source": label,
            "sheet": chosen.name,
            "area": table.area,
            "encoding": text_encoding,
        }
    )
    return df


# ---------------------------------------------------------------------------
# reading bytes into grids
# ---------------------------------------------------------------------------
def _load_bytes(path: str | os.PathLike[str] | IO[bytes]) -> tuple[bytes, str]:
    """Return the file's bytes and a label for messages; check it exists and its suffix."""
    if hasattr(path, "read"):
        data = path.read()  # type: ignore[union-attr]
        if not isinstance(data, bytes):
            raise ParameterTypeError(
                "a file object passed to read_yearbook must be opened in binary mode ('rb')"
            )
        return data, str(getattr(path, "name", "<file object>"))
    if not isinstance(path, str | os.PathLike):
        raise ParameterTypeError(
            f"read_yearbook: path must be a file path or a binary file object, got {type(path).__name__}"
        )
    p = Path(os.fspath(path))
    if not p.exists():
        raise MissingFileError(f"no such yearbook file: {str(p)!r}")
    if p.is_dir():
        raise DataError(f"{str(p)!r} is a directory, not a yearbook file")
    suffix = p.suffix.lower()
    if suffix not in _EXCEL_SUFFIXES + _TEXT_SUFFIXES:
        raise DataError(
            f"unsupported file type {suffix or '(no suffix)'!r} for {p.name!r}; "
            f"read_yearbook reads {', '.join(_EXCEL_SUFFIXES + _TEXT_SUFFIXES)}"
        )
    return p.read_bytes(), str(p)


def _read_raw(
    data: bytes,
    label: str,
    *,
    sheet: int | str | None,
    password: str | None,
    encoding: str | None,
) -> tuple[list[_Sheet], str | None]:
    """Parse bytes into worksheets (the requested one, or all) by sniffing the content.

    Returns the sheets and, for text files, the encoding used.
    """
    if not data:
        raise DataError(f"{label}: the file is empty")
    text_encoding = None
    if data.startswith(_OLE_MAGIC):
        data = _decrypt(data, label, password)
    if data.startswith(_OLE_MAGIC):
        sheets = _read_xls(data, label)
    elif data.startswith(_ZIP_MAGIC):
        sheets = _read_xlsx(data, label)
    else:
        text, text_encoding = _decode(data, label, encoding)
        if re.match(r"\s*<(!doctype|html|table|\?xml)", text[:200], flags=re.IGNORECASE):
            raise DataError(
                f"{label}: this is an HTML/XML page saved with a spreadsheet suffix, not a workbook;"
                " open it in Excel or WPS and save it as .xlsx"
            )
        sheets = [_Sheet(name="csv", rows=_split_text(text, label), merges=None)]
    return _select_sheet(sheets, sheet, label), text_encoding


def _decrypt(data: bytes, label: str, password: str | None) -> bytes:
    """Decrypt an encrypted OLE2 workbook in memory; return other OLE2 files unchanged.

    Encrypted ``.xls`` (RC4, RC4 CryptoAPI, XOR) decrypts to a plain ``.xls``;
    encrypted ``.xlsx`` (an OLE2 container) to the ZIP package.
    """
    import msoffcrypto
    from msoffcrypto import exceptions as mexc

    try:
        office = msoffcrypto.OfficeFile(io.BytesIO(data))
        encrypted = office.is_encrypted()
    except Exception as exc:  # olefile/msoffcrypto raise assorted errors on foreign OLE files
        raise DataError(f"{label}: not a readable Excel workbook ({exc})") from exc
    if not encrypted:
        return data
    pw = DEFAULT_PASSWORD if password is None else password
    which = "Excel's default password 'VelvetSweatshop'" if password is None else "the given password"
    out = io.BytesIO()
    try:
        if getattr(office, "format", None) == "ooxml":
            office.load_key(password=pw, verify_password=True)
        else:
            office.load_key(password=pw)
        office.decrypt(out)
    except (mexc.InvalidKeyError, mexc.DecryptionError, mexc.ParseError) as exc:
        raise DataError(
            f"{label}: the workbook is encrypted and could not be decrypted with {which} ({exc});"
            " pass password= with the right password"
        ) from exc
    except Exception as exc:
        raise DataError(f"{label}: the workbook is encrypted and decryption failed ({exc})") from exc
    return out.getvalue()


def _read_xls(data: bytes, label: str) -> list[_Sheet]:
    """Read every worksheet of a legacy BIFF ``.xls`` with xlrd, with merged ranges."""
    try:
        return _xls_sheets(data)
    except Exception as exc:  # xlrd raises XLRDError, CompDocError, struct.error, IndexError ... on bad files
        raise DataError(f"{label}: not a readable .xls workbook, corrupted or truncated ({exc!r})") from exc


def _xls_sheets(data: bytes) -> list[_Sheet]:
    import xlrd

    try:
        book = xlrd.open_workbook(file_contents=data, formatting_info=True, on_demand=True)
    except NotImplementedError:  # formatting_info is not implemented for BIFF < 8 in some files
        book = xlrd.open_workbook(file_contents=data, on_demand=True)
    sheets = []
    for i in range(book.nsheets):
        sh = book.sheet_by_index(i)
        rows = []
        for r in range(sh.nrows):
            row = []
            for c in range(sh.ncols):
                ctype = sh.cell_type(r, c)
                if ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK, xlrd.XL_CELL_ERROR):
                    row.append(None)
                else:
                    row.append(sh.cell_value(r, c))
            rows.append(row)
        merges = [tuple(m) for m in sh.merged_cells] if book.formatting_info else None
        sheets.append(_Sheet(name=sh.name, rows=rows, merges=merges))  # type: ignore[arg-type]
    return sheets


def _read_xlsx(data: bytes, label: str) -> list[_Sheet]:
    """Read every worksheet of an ``.xlsx`` with openpyxl (cached values), with merged ranges."""
    import openpyxl

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # "Workbook contains no default style"
            book = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
            sheets = []
            for ws in book.worksheets:  # members are inflated lazily: keep the reading inside the try
                rows = [list(r) for r in ws.iter_rows(values_only=True)]
                merges = [
                    (m.min_row - 1, m.max_row, m.min_col - 1, m.max_col) for m in ws.merged_cells.ranges
                ]
                sheets.append(_Sheet(name=ws.title, rows=rows, merges=merges))
    except Exception as exc:  # BadZipFile, zlib.error, XML ParseError, KeyError ... on corrupted files
        raise DataError(f"{label}: not a readable .xlsx workbook, corrupted or truncated ({exc!r})") from exc
    return sheets


def _decode(data: bytes, label: str, encoding: str | None) -> tuple[str, str]:
    """Decode text bytes: the given encoding, else BOM, else UTF-8, else GB18030."""
    if encoding is not None:
        try:
            return data.decode(encoding), encoding
        except (UnicodeDecodeError, LookupError) as exc:
            raise DataError(f"{label}: cannot decode the file as {encoding!r} ({exc})") from exc
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise DataError(
                f"{label}: the file starts with a UTF-16 mark but is not valid UTF-16 ({exc})"
            ) from exc
    for enc in ("utf-8", "gb18030"):
        try:
            return data.decode(enc), enc
        except UnicodeDecodeError:
            continue
    raise DataError(f"{label}: the text is neither UTF-8 nor GBK/GB18030; pass encoding=")


def _split_text(text: str, label: str = "<text>") -> list[list[Any]]:
    """Split delimited text into rows of strings, detecting the delimiter."""
    lines = text.splitlines()
    sample = lines[:50]
    counts = {d: sum(line.count(d) for line in sample) for d in (",", "\t", ";")}
    delim = max(counts, key=lambda d: counts[d])
    if counts[delim] == 0:
        delim = ","
    try:
        return [list(r) for r in csv.reader(io.StringIO(text, newline=""), delimiter=delim)]
    except csv.Error as exc:  # e.g. a field longer than the csv module's limit (131,072 characters)
        raise DataError(f"{label}: not a readable delimited text table ({exc})") from exc


def _select_sheet(sheets: list[_Sheet], sheet: int | str | None, label: str) -> list[_Sheet]:
    """The requested sheet (as a one-item list), or all sheets when ``sheet`` is None."""
    if sheet is None:
        return sheets
    names = [s.name for s in sheets]
    if isinstance(sheet, bool) or not isinstance(sheet, int | str):
        raise ParameterTypeError(f"sheet must be an int position or a str name, got {type(sheet).__name__}")
    if isinstance(sheet, int):
        if -len(sheets) <= sheet < len(sheets):
            return [sheets[sheet]]
        raise DataError(f"{label}: no sheet at position {sheet}; it has {len(sheets)}: {names}")
    if sheet in names:
        return [sheets[names.index(sheet)]]
    raise DataError(f"{label}: no sheet named {sheet!r}; sheets are {names}")


# ---------------------------------------------------------------------------
# cell helpers
# ---------------------------------------------------------------------------
def _text(v: Any) -> str:
    """A cell as stripped text ('' for empty); integral floats lose their '.0'."""
    if v is None:
        return ""
    if isinstance(v, float):
        if np.isnan(v):
            return ""
        if v.is_integer():
            return str(int(v))
    return str(v).strip()


def _parse_number(v: Any) -> float | None:
    """A cell as a float (NaN for a missing marker), or None when it is not a number."""
    if v is None:
        return float("nan")
    if isinstance(v, bool):
        return float(v)
    if isinstance(v, int | float | np.integer | np.floating):
        return float(v)
    if not isinstance(v, str):
        return None
    s = v.strip().rstrip(_FOOTNOTE_MARKS).strip()
    s = unicodedata.normalize("NFKC", s)
    s = _SEPARATORS.sub("", s)
    if s.lower() in _MISSING or set(s) <= {"-", "—", ".", "…", "·"}:
        return float("nan")
    s = s.rstrip("%")
    if _NUMBER.match(s):
        x = float(s)
        return x if np.isfinite(x) else None  # '1e999' overflows: not a number (listed as unparsed)
    return None


def _is_value(v: Any) -> bool:
    """Whether a cell holds a number (not a missing marker)."""
    x = _parse_number(v)
    return x is not None and not np.isnan(x)


def _clean_numbers(cells: Sequence[Any]) -> tuple[np.ndarray, list[int]]:
    """Convert a column's cells to float64; return the values and positions not readable as numbers."""
    out = np.full(len(cells), np.nan)
    bad = []
    for i, v in enumerate(cells):
        x = _parse_number(v)
        if x is None:
            bad.append(i)
        else:
            out[i] = x
    return out, bad


def _province_label(name: str) -> str | None:
    """The 2-digit code if ``name`` is a province heading (``河北省``, ``广西壮族自治区``).

    The municipalities (``北京市``) are cities, never headings; a bare short name
    (``河北``) is a heading unless it is also a prefecture name (``吉林``, ``海南``).
    """
    key = normalize_name(name)
    for short, code in PROVINCES.items():
        if short in _MUNICIPALITIES:
            continue
        if key.startswith(short):
            rest = key[len(short) :]
            if rest in _PROVINCE_SUFFIXES or (rest == "" and short not in _bare_prefectures()):
                return code
    return None


@lru_cache(maxsize=1)
def _bare_prefectures() -> frozenset[str]:
    """Short province names that are also prefecture names (``吉林``, ``海南``)."""
    names = list(PROVINCES)
    codes = _lookup(names)[0]
    return frozenset(n for n, c in zip(names, codes, strict=True) if isinstance(c, str))


def _is_note(text: str) -> bool:
    """Whether a name-column cell is a footnote/source line rather than a name."""
    low = unicodedata.normalize("NFKC", text).strip().lower()
    return low.startswith(_NOTE_PREFIXES) or len(normalize_name(text)) > _MAX_NAME_LEN


def _clean_label(v: Any) -> str:
    """A header cell reduced to its Chinese text (or English text when it has no Chinese)."""
    s = unicodedata.normalize("NFKC", _text(v))
    if not s:
        return ""
    lines = [ln.strip() for ln in re.split(r"[\r\n]+", s) if ln.strip()]
    han = [ln for ln in lines if _HAN.search(ln)]
    if han:
        return re.sub(r"\s+", "", "".join(han))
    return re.sub(r"\s+", " ", " ".join(lines))


def _area_of(label: str) -> str | None:
    """``全市``/``市辖区`` when a header label names an area group."""
    return _AREA_LABELS.get(re.sub(r"\s+", "", label).lower())


# ---------------------------------------------------------------------------
# table structure
# ---------------------------------------------------------------------------
def _find_name_column(rows: list[list[Any]], name_column: int | str | None) -> int:
    """The column of city names (-1 if none): given, or the one matching most prefecture names."""
    width = max((len(r) for r in rows), default=0)
    if isinstance(name_column, int) and not isinstance(name_column, bool):
        if not 0 <= name_column < width:
            raise DataError(f"name_column={name_column} is outside the table's {width} columns")
        return name_column
    if isinstance(name_column, str):
        want = _clean_label(name_column)
        for r in rows:
            for j, v in enumerate(r):
                if _clean_label(v) == want and want:
                    return j
        raise DataError(f"no header cell reads {name_column!r}")
    best, best_n = -1, 0
    for j in range(width):
        cells = {_text(r[j]) for r in rows if j < len(r) and isinstance(r[j], str)}
        cands = sorted(c for c in cells if _HAN.search(c) and 2 <= len(normalize_name(c)) <= _MAX_NAME_LEN)
        if not cands:
            continue
        n = sum(c is not None for c in _lookup(cands)[0])
        if n > best_n:
            best, best_n = j, n
    return best


@dataclass
class _Table:
    """A parsed table: the data rows and the selected columns."""

    names: list[str]  # printed names of the data rows
    kinds: list[str]  # "city", "province" or "total"
    sections: list[str | None]  # printed province heading above each row
    section_codes: list[str | None]
    columns: list[_Column]  # numeric / text value columns
    numeric: dict[int, bool]
    cells: dict[int, list[Any]]  # column index -> raw cells of the data rows
    name_en: int | None
    province_col: int | None
    area: str | None


def _row_kind(name: str, row: list[Any], name_col: int) -> str | None:
    """Classify a row by its name cell: "city", "province", "total" or None (not data)."""
    if not name:
        return None
    key = normalize_name(name)
    low = name.strip().lower()
    if key in _NAME_HEADERS or low in _EN_NAME_HEADERS:
        return None  # a repeated header (page break)
    if _is_note(name) or not key:
        return None
    has_value = any(_is_value(v) for j, v in enumerate(row) if j != name_col)
    if _province_label(name) is not None:
        return "province"
    if key in _TOTALS or key.startswith("全国"):
        return "total"
    if has_value or _lookup([name])[0][0] is not None:
        return "city"
    return None  # a title ("2-1 续表 1"), unit line or note without figures


def _detect_header(rows: list[list[Any]], first_data: int, name_col: int) -> list[int]:
    """Rows of the header block: the non-blank rows just above the first data row.

    Blank rows between header and data are skipped; the block stops at a blank
    row or a title-like row (a single filled cell at or left of the name column).
    """
    i = first_data - 1
    while i >= 0 and all(_text(v) == "" for v in rows[i]):
        i -= 1
    header: list[int] = []
    while i >= 0:
        filled = [j for j, v in enumerate(rows[i]) if _text(v) != ""]
        if not filled or (len(filled) == 1 and filled[0] <= name_col):
            break
        header.append(i)
        i -= 1
    return header[::-1]


def _flatten_header(
    rows: list[list[Any]],
    header: list[int],
    merges: list[tuple[int, int, int, int]] | None,
    width: int,
    name_col: int,
) -> list[tuple[str, str | None]]:
    """One ``(label, area)`` per column from a multi-row header.

    Merged ranges are filled with their top-left value; without merge
    information (text files) a blank cell in an upper header row takes the value
    to its left (never the name column's) when the bottom header row has a
    sub-label there.
    """
    grid = [[_clean_label(rows[h][j]) if j < len(rows[h]) else "" for j in range(width)] for h in header]
    pos = {h: k for k, h in enumerate(header)}
    if merges is not None:
        for r0, r1, c0, c1 in merges:
            if r0 not in pos:
                continue
            top = _clean_label(rows[r0][c0]) if c0 < len(rows[r0]) else ""
            for r in range(r0, r1):
                if r in pos:
                    for c in range(c0, min(c1, width)):
                        grid[pos[r]][c] = top
    elif len(grid) > 1:
        last = grid[-1]
        for k in range(len(grid) - 1):
            for j in range(name_col + 2, width):
                if not grid[k][j] and last[j] and grid[k][j - 1]:
                    grid[k][j] = grid[k][j - 1]
    out = []
    for j in range(width):
        parts: list[str] = []
        area = None
        for k in range(len(grid)):
            part = grid[k][j]
            if not part:
                continue
            a = _area_of(part)
            if a is not None:
                area = a
            elif not parts or parts[-1] != part:
                parts.append(part)
        out.append(("|".join(parts), area))
    return out


def _parse_table(sheet: _Sheet, name_col: int, *, area: str) -> _Table:
    """Find the data rows, header and value columns of a sheet."""
    rows = sheet.rows
    width = max(len(r) for r in rows)
    rows = [list(r) + [None] * (width - len(r)) for r in rows]
    names = [_text(r[name_col]) for r in rows]

    kinds: list[str | None] = [_row_kind(n, r, name_col) for n, r in zip(names, rows, strict=True)]
    data_idx = [i for i, k in enumerate(kinds) if k is not None]
    if not data_idx:
        raise DataError(f"sheet {sheet.name!r}: no data rows found")
    header = _detect_header(rows, data_idx[0], name_col)
    labels = _flatten_header(rows, header, sheet.merges, width, name_col)
    # a repeated header whose name cell differs from the usual words
    header_names = {_clean_label(rows[h][name_col]) for h in header} - {""}
    if header_names:
        data_idx = [i for i in data_idx if _clean_label(names[i]) not in header_names]

    # value columns: everything but the name column, typed by the data cells
    numeric: dict[int, bool] = {}
    name_en = province_col = None
    for j in range(width):
        if j == name_col:
            continue
        cells = [rows[i][j] for i in data_idx if _text(rows[i][j]) != ""]
        if not cells:
            continue  # empty spacer column
        n_num = sum(_parse_number(v) is not None for v in cells)
        if n_num * 2 >= len(cells):
            numeric[j] = True
            continue
        texts = [_text(v) for v in cells]
        if name_en is None and sum(bool(_ASCII_NAME.match(t)) for t in texts) * 2 > len(texts):
            name_en = j
        elif province_col is None and sum(
            _province_code_or_none(t) is not None for t in texts
        ) * 10 >= 8 * len(texts):
            province_col = j
        else:
            numeric[j] = False

    areas = {labels[j][1] for j in numeric} - {None}
    columns = []
    for j in numeric:
        label, col_area = labels[j]
        if col_area is not None and area != "both" and col_area != area:
            continue
        if not label:
            label = col_area if col_area is not None and area != "both" else f"column_{j}"
        if col_area is not None and area == "both":
            label = f"{label}|{col_area}"
        columns.append(_Column(index=j, label=label, area=col_area))
    if areas and area != "both" and area not in areas:
        raise DataError(f"sheet {sheet.name!r}: no {area!r} columns; the table has {sorted(areas)}")
    _dedupe_labels(columns)

    # province sections
    sections: list[str | None] = []
    codes: list[str | None] = []
    cur: str | None = None
    cur_code: str | None = None
    for i in data_idx:
        kind = kinds[i]
        key = normalize_name(names[i])
        if kind == "province":
            cur, cur_code = names[i], _province_label(names[i])
        elif kind == "city" and key.removesuffix("市") in _MUNICIPALITIES:
            cur, cur_code = None, None  # a municipality ends the previous province's list
        sections.append(cur if kind != "total" else None)
        codes.append(cur_code if kind != "total" else None)

    return _Table(
        names=[names[i] for i in data_idx],
        kinds=[kinds[i] for i in data_idx],  # type: ignore[misc]
        sections=sections,
        section_codes=codes,
        columns=columns,
        numeric=numeric,
        cells={j: [rows[i][j] for i in data_idx] for j in range(width) if j != name_col},
        name_en=name_en,
        province_col=province_col,
        area=area if areas else None,
    )


def _dedupe_labels(columns: list[_Column]) -> None:
    """Make column labels unique (``x``, ``x.1``, ...) in place."""
    seen: dict[str, int] = {}
    reserved = {"adcode", "name", "name_en", "province", "subtotal"}
    for col in columns:
        base = col.label if col.label not in reserved else f"{col.label}_value"
        n = seen.get(base, 0)
        seen[base] = n + 1
        col.label = base if n == 0 else f"{base}.{n}"


# ---------------------------------------------------------------------------
# assembling the result
# ---------------------------------------------------------------------------
def _lookup(
    names: list[str], year: int | None = None, provinces: list[str | None] | None = None
) -> tuple[list[str | None], list[str], list[tuple[str, ...]]]:
    """Codes (successors of moved units included), rules and candidates for printed names, silently."""
    if not names:
        return [], [], []
    years = [year] * len(names) if year is not None else None
    res = _keys.resolve(names, years=years, provinces=provinces, by="name", abolished="successor")
    return res.codes, res.rules, res.candidates


def _match(
    names: list[str],
    provinces: list[str | None],
    *,
    year: int | None,
    province: str | None,
) -> tuple[list[str | None], list[str], list[tuple[str, ...]]]:
    """Adcodes, rules and candidates for city names (before the ``abolished`` policy).

    Names are matched with the user's or the file's province, those unmatched
    with the file's province are retried without it.
    """
    if province is not None:
        return _lookup(names, year, _provinces(province, len(names)))
    codes, rules, cands = _lookup(names, year, provinces)
    retry = [i for i, c in enumerate(codes) if c is None and provinces[i] is not None]
    if retry:
        again = _lookup([names[i] for i in retry], year)
        for k, i in enumerate(retry):
            codes[i], rules[i], cands[i] = again[0][k], again[1][k], again[2][k]
    return codes, rules, cands


def _apply_abolished(
    names: list[str],
    codes: list[str | None],
    rules: list[str],
    cands: list[tuple[str, ...]],
    *,
    abolished: str,
    label: str,
) -> list[tuple[str, str, tuple[str, ...]]]:
    """Leave rows of merged/split units without an adcode (in place) unless ``abolished="successor"``."""
    moved = [i for i, r in enumerate(rules) if r in _keys.MOVES]
    if not moved or abolished == "successor":
        return []
    gone = list(dict.fromkeys((names[i], rules[i], cands[i]) for i in moved))
    for i in moved:
        codes[i] = None
    items = "; ".join(f"{n} → {', '.join(_keys.unit_name(c) for c in cs)} ({r})" for n, r, cs in gone[:20])
    more = f", ... (+{len(gone) - 20} more)" if len(gone) > 20 else ""
    msg = (
        f"{label}: {len(gone)} rows of merged, split or abolished units were not moved to another unit: "
        f"{items}{more}"
    )
    if abolished == "raise":
        raise DataError(msg)
    warnings.warn(
        msg + "; their adcode is missing (pass abolished='successor' to use the successor)",
        ReassignedKeysWarning,
        stacklevel=4,
    )
    return gone


def _as_list(s: pd.Series) -> list[str | None]:
    return [v if isinstance(v, str) else None for v in s.tolist()]


def _assemble(
    table: _Table,
    *,
    year: int | None,
    province: str | None,
    errors: str,
    abolished: str,
    subtotals: str,
    label: str,
) -> pd.DataFrame:
    """Build the output frame: match names, clean numbers, report problems."""
    keep = [i for i, k in enumerate(table.kinds) if k == "city" or subtotals == "keep"]
    dropped = [table.names[i] for i, k in enumerate(table.kinds) if k != "city" and subtotals == "drop"]
    names = [table.names[i] for i in keep]

    if table.province_col is not None:
        printed_prov: list[str | None] = [_text(table.cells[table.province_col][i]) or None for i in keep]
        prov_codes = [_province_code_or_none(p) for p in printed_prov]
    else:
        printed_prov = [table.sections[i] for i in keep]
        prov_codes = [table.section_codes[i] for i in keep]

    city_pos = [k for k, i in enumerate(keep) if table.kinds[i] == "city"]
    city_names = [names[k] for k in city_pos]
    city_codes, rules, cands = _match(
        city_names, [prov_codes[k] for k in city_pos], year=year, province=province
    )
    city_matched = [c is not None for c in city_codes]
    reassigned = _apply_abolished(city_names, city_codes, rules, cands, abolished=abolished, label=label)
    adcodes: list[str | None] = [None] * len(keep)
    for k, c in zip(city_pos, city_codes, strict=True):
        adcodes[k] = c
    for k, i in enumerate(keep):
        if table.kinds[i] == "province":
            code = _province_label(table.names[i])
            adcodes[k] = f"{code}0000" if code else None
    unmatched = list(dict.fromkeys(names[k] for k, m in zip(city_pos, city_matched, strict=True) if not m))

    out: dict[str, Any] = {
        "adcode": pd.Series(adcodes, dtype="str"),
        "name": pd.Series(names, dtype="str"),
    }
    if table.name_en is not None:
        out["name_en"] = pd.Series([_text(table.cells[table.name_en][i]) or None for i in keep], dtype="str")
    if any(p is not None for p in printed_prov):
        out["province"] = pd.Series(printed_prov, dtype="str")
    if subtotals == "keep":
        out["subtotal"] = [table.kinds[i] != "city" for i in keep]
    unparsed: list[tuple[str, str, str]] = []
    for col in table.columns:
        raw = [table.cells[col.index][i] for i in keep]
        if table.numeric[col.index]:
            values, bad = _clean_numbers(raw)
            unparsed += [(names[b], col.label, _text(raw[b])) for b in bad]
            out[col.label] = values
        else:
            out[col.label] = pd.Series([_text(v) or None for v in raw], dtype="str")
    df = pd.DataFrame(out)

    df.attrs["unmatched"] = unmatched
    df.attrs["subtotals"] = dropped
    df.attrs["reassigned"] = reassigned
    df.attrs["unparsed"] = unparsed
    if unparsed:
        shown = ", ".join(f"{n} / {c}: {t!r}" for n, c, t in unparsed[:10])
        more = f", ... (+{len(unparsed) - 10} more)" if len(unparsed) > 10 else ""
        warnings.warn(
            f"{label}: {len(unparsed)} cells are not numbers and were set to NaN ({shown}{more})",
            GeoagglWarning,
            stacklevel=3,
        )
    codes = df["adcode"].dropna()
    dup = codes[codes.duplicated(keep=False)]
    if len(dup):
        pairs = [f"{df.at[i, 'name']}->{c}" for i, c in dup.items()]
        warnings.warn(
            f"{label}: several rows resolve to the same adcode ({', '.join(pairs)}); "
            "a former unit printed beside its successor?",
            GeoagglWarning,
            stacklevel=3,
        )
    if unmatched:
        msg = (
            f"{label}: {len(unmatched)} city names could not be matched to current adcodes: "
            f"{format_keys(unmatched)}"
        )
        if errors == "raise":
            raise UnmatchedNamesError(msg, unmatched)
        if errors == "warn":
            warnings.warn(msg + " (their adcode is missing)", UnmatchedKeysWarning, stacklevel=3)
    return df


def _province_code_or_none(p: str | None) -> str | None:
    """The 2-digit code of a printed province, or None if it is not one."""
    if p is None:
        return None
    key = normalize_name(p)
    if key.removesuffix("市") in _MUNICIPALITIES:
        return _MUNICIPALITIES[key.removesuffix("市")]
    return _province_label(p)
