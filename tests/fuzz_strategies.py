"""Hypothesis strategies shared by the fuzz suite: corrupted numbers, labels, frames and files."""

from __future__ import annotations

import io
import math
import zipfile
from typing import Any

import numpy as np
import pandas as pd
from hypothesis import strategies as st

NAN = math.nan
INF = math.inf

#: Labels that try to inject HTML/JS into a map, each with its own marker.
PAYLOADS = (
    "<script>fzA()</script>",
    "<img src=x onerror=fzB()>",
    'x" onmouseover="fzC()',
    "'><svg onload=fzD()>",
    "<b>fzE</b>",
)
#: A map page must never contain these verbatim (case-insensitive): an escaped payload is harmless.
FORBIDDEN = ("<script>fza", "<img src=x onerror=fzb", '" onmouseover="fzc', "<svg onload=fzd", "<b>fze")

#: Kinds that corrupt the values of one numeric column.
VALUE_KINDS = ("nan", "inf", "negative", "zero", "huge", "tiny", "string", "object")
_SPECIAL: dict[str, tuple[Any, ...]] = {
    "nan": (NAN, None),
    "inf": (INF, -INF),
    "negative": (-1.0, -1e-3, -1e6),
    "zero": (0.0,),
    "huge": (1e300, 1.7976931348623157e308, 1e308, -1e300),
    "tiny": (1e-300, 5e-324, 2.2250738585072014e-308, 1e-310),
    "string": ("abc", "1,5", "", "<b>x</b>", "nan", "1e999"),
}

good_float = st.floats(0.5, 1000.0, allow_nan=False, allow_infinity=False)
signed_float = st.floats(-1000.0, 1000.0, allow_nan=False, allow_infinity=False)

#: Scalars that are wrong for a numeric parameter (value or type).
bad_number = st.sampled_from([NAN, INF, -INF, -1.0, 0.0, 1e300, -1e300, 5e-324, "x", "1", None, [1.0], True])
#: Values that are wrong for an option string or for a bool flag.
bad_option = st.one_of(
    st.sampled_from(["", " ", "RAISE", "none", "全部", *PAYLOADS, "nearest ", "crs\x00"]),
    st.text(min_size=1, max_size=12),
)
bad_type = st.sampled_from([1, 1.5, None, ["x"], ("a",), {"a": 1}, b"raise", object(), NAN])
html_label = st.sampled_from(PAYLOADS)


def inject(draw: Any, vals: list[Any], kind: str) -> list[Any]:
    """Return ``vals`` with some entries replaced according to a value kind."""
    vals = list(vals)
    if not vals or kind not in VALUE_KINDS:
        return vals
    if kind == "object":
        return [v for v in vals]  # caller converts to object dtype
    if kind in ("huge", "tiny") and draw(st.booleans()):
        scale = 1e300 if kind == "huge" else 1e-300
        return [v * scale if isinstance(v, float) else v for v in vals]
    k = draw(st.integers(1, len(vals)))
    pos = draw(st.permutations(range(len(vals))))[:k]
    for p in pos:
        vals[p] = draw(st.sampled_from(_SPECIAL[kind]))
    return vals


def corrupt_column(draw: Any, df: pd.DataFrame, col: Any, kind: str) -> pd.DataFrame:
    """Apply a value kind to one column of a copy of ``df``."""
    df = df.copy()
    if kind == "object":
        df[col] = df[col].astype(object)
        return df
    new = inject(draw, df[col].tolist(), kind)
    df[col] = pd.Series(new, index=df.index, dtype=object if kind == "string" else None)
    return df


def corrupt_frame(draw: Any, df: pd.DataFrame, kind: str, numeric: list[Any]) -> pd.DataFrame:
    """Apply a structural or value kind to a copy of ``df``; ``numeric`` are the columns to corrupt."""
    if kind in VALUE_KINDS and len(df) and numeric:
        return corrupt_column(draw, df, draw(st.sampled_from(numeric)), kind)
    df = df.copy()
    if kind == "empty":
        return df.iloc[:0]
    if kind == "single":
        return df.iloc[:1]
    if kind == "dup_index" and len(df) > 1:
        idx = list(df.index)
        idx[-1] = idx[0]
        df.index = (
            pd.MultiIndex.from_tuples(idx, names=df.index.names)
            if isinstance(df.index, pd.MultiIndex)
            else pd.Index(idx, name=df.index.name)
        )
        return df
    if kind == "dup_rows" and len(df):
        return pd.concat([df, df.iloc[[0]]], ignore_index=not isinstance(df.index, pd.MultiIndex))
    if kind == "wrong_column" and numeric:
        return df.rename(columns={draw(st.sampled_from(numeric)): "wrong"})
    if kind == "html_columns" and numeric:
        return df.rename(columns={draw(st.sampled_from(numeric)): draw(html_label)})
    return df


def float_list(draw: Any, n: int, lo: float = 0.5, hi: float = 1000.0) -> list[float]:
    """``n`` well-scaled values in ``[lo, hi]`` (2 significant decimals, so ties occur), from a drawn seed.

    Drawing a seed rather than each float keeps the first (minimal) example of a derandomized
    run realistic instead of all-equal; extreme values come from the corruption kinds.
    """
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    return [float(v) for v in np.round(rng.uniform(lo, hi, size=n), 2)]


# ---------------------------------------------------------------- files
def corrupt_bytes(draw: Any, data: bytes) -> bytes:
    """A truncated, bit-flipped or spliced version of ``data``."""
    how = draw(st.sampled_from(["truncate", "flip", "splice", "zero_tail"]))
    if not data:
        return draw(st.binary(min_size=1, max_size=64))
    if how == "truncate":
        return data[: draw(st.integers(0, max(len(data) - 1, 0)))]
    if how == "flip":
        b = bytearray(data)
        for _ in range(draw(st.integers(1, 8))):
            i = draw(st.integers(0, len(b) - 1))
            b[i] ^= draw(st.integers(1, 255))
        return bytes(b)
    if how == "splice":
        i = draw(st.integers(0, len(data)))
        return data[:i] + draw(st.binary(min_size=1, max_size=64)) + data[i:]
    i = draw(st.integers(len(data) // 2, len(data)))
    return data[:i] + b"\x00" * (len(data) - i)


def xlsx_bytes(df: pd.DataFrame) -> bytes:
    buf = io.BytesIO()
    df.to_excel(buf, index=False)
    return buf.getvalue()


def bad_deflate_xlsx(data: bytes) -> bytes:
    """Rewrite one member of a valid .xlsx with a corrupted deflate stream (same sizes in the header)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info.filename))
    b = bytearray(out.getvalue())
    # corrupt the compressed data of the largest member (the sheet), not its header
    infos = zipfile.ZipFile(io.BytesIO(bytes(b))).infolist()
    big = max(infos, key=lambda i: i.compress_size)
    start = big.header_offset + 30 + len(big.filename.encode()) + len(big.extra)
    for j in range(start + 2, min(start + big.compress_size, start + 40)):
        b[j] ^= 0x5A
    return bytes(b)


OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def random_array(draw: Any, n: int) -> np.ndarray:
    return np.asarray(float_list(draw, n), dtype=float)
