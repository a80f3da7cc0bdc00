"""Build messy yearbook files at test time (nothing binary is committed).

``MESSY`` is one table laid out like a China City Statistical Yearbook export:
title, unit and blank rows; a two-row header with merged ``全市``/``市辖区``
groups and English translation lines; a province subtotal row without figures
and one with figures; indented names (ASCII and full-width spaces); numbers
stored as text with thousands separators, spaces and missing markers; a spacer
row; a header repeated after a page break (``续表``); a national total; an
unmatched name; footnote and source rows.  The writers put it into ``.xlsx``
(openpyxl, real merged cells), ``.xls`` (xlwt, real merged cells), ``.csv``
(any encoding) and encrypted ``.xlsx``/``.xls``.

``EXPECTED`` holds what :func:`geoaggl.read_yearbook` must return for it.
"""

from __future__ import annotations

import hashlib
import io
import os
import struct
from pathlib import Path
from typing import Any

Row = list[Any]

W = 8  # columns: name, name_en, pop 全市, pop 市辖区, gdp 全市, gdp 市辖区, area (no group), spacer

HEADER_TOP: Row = [
    "城  市",
    "City",
    "年末总人口（万人）\nTotal Population at Year-end\n(10 000 persons)",
    None,
    "地区生产总值（万元）\nGross Regional Product\n(10 000 yuan)",
    None,
    "建成区面积(平方公里)\nArea of Built District (sq.km)",
    None,
]
HEADER_SUB: Row = [
    None,
    None,
    "全 市\nTotal City",
    "市辖区\nDistricts under City",
    "全市",
    "市辖区",
    None,
    None,
]

MESSY: list[Row] = [
    ["2-1 人口与经济(2009)", None, None, None, None, None, None, None],
    ["单位：万人、万元", None, None, None, None, None, None, None],
    [None] * W,
    HEADER_TOP,
    HEADER_SUB,
    ["北京市", "Beijing", "1,245.8", "1 187.3", "121530000", "—", "1289.3", None],
    ["河北省", "Hebei", None, None, None, None, None, None],
    ["  石家庄市", "  Shijiazhuang", "989.2", "229.1", " 32,000,500 ", "1,400,000", "…", None],
    ["\u3000\u3000唐山市", "Tangshan", "-", "300.5", "37812000", "", "205", None],
    [None] * W,
    ["2-1 续表 1 continued 1", None, None, None, None, None, None, None],
    HEADER_TOP,
    HEADER_SUB,
    ["湖北省", "Hubei", "5,720.0", "1,200.0", "129610000", "50000000", "1500", None],
    ["  襄樊市", "  Xiangfan", 590.5, 225.0, 15000000, 6000000, 120.5, None],
    ["  火星市", "  Mars", "12", "3", "100", "50", "5", None],
    ["全国", "National Total", "133,474", None, None, None, None, None],
    ["注：1) 本表数据为户籍人口。", None, None, None, None, None, None, None],
    ["资料来源：《中国城市统计年鉴2010》", None, None, None, None, None, None, None],
]
#: merged ranges (row0, row1, col0, col1), half-open like xlrd
MERGES: list[tuple[int, int, int, int]] = [
    (0, 1, 0, W),
    (3, 5, 0, 1),
    (3, 5, 1, 2),
    (3, 4, 2, 4),
    (3, 4, 4, 6),
    (3, 5, 6, 7),
    (11, 13, 0, 1),
    (11, 13, 1, 2),
    (11, 12, 2, 4),
    (11, 12, 4, 6),
    (11, 13, 6, 7),
    (17, 18, 0, W),
]

NAN = float("nan")
#: what read_yearbook(year=2009) returns for MESSY (area="全市" unless stated)
EXPECTED: dict[str, Any] = {
    "adcode": ["110100", "130100", "130200", "420600", None],
    "name": ["北京市", "石家庄市", "唐山市", "襄樊市", "火星市"],
    "name_en": ["Beijing", "Shijiazhuang", "Tangshan", "Xiangfan", "Mars"],
    "province": [None, "河北省", "河北省", "湖北省", "湖北省"],
    "年末总人口(万人)": [1245.8, 989.2, NAN, 590.5, 12.0],
    "年末总人口(万人)|市辖区": [1187.3, 229.1, 300.5, 225.0, 3.0],
    "地区生产总值(万元)": [121530000.0, 32000500.0, 37812000.0, 15000000.0, 100.0],
    "地区生产总值(万元)|市辖区": [NAN, 1400000.0, NAN, 6000000.0, 50.0],
    "建成区面积(平方公里)": [1289.3, NAN, 205.0, 120.5, 5.0],
    "subtotals": ["河北省", "湖北省", "全国"],
}


def _cell(v: Any) -> Any:
    return "" if v is None else v


def write_xlsx(path: Path, rows: list[Row] = MESSY, merges: list[tuple[int, int, int, int]] = MERGES) -> Path:
    """Write ``rows`` to an .xlsx with real merged cells (values only in their top-left cell)."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "2-1"
    covered = {(r, c) for r0, r1, c0, c1 in merges for r in range(r0, r1) for c in range(c0, c1)}
    tops = {(r0, c0) for r0, _, c0, _ in merges}
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            if v is not None and ((r, c) not in covered or (r, c) in tops):
                ws.cell(row=r + 1, column=c + 1, value=v)
    for r0, r1, c0, c1 in merges:
        ws.merge_cells(start_row=r0 + 1, end_row=r1, start_column=c0 + 1, end_column=c1)
    links = wb.create_sheet("CNKI")
    links["A1"] = "http://www.cnki.net/"
    wb.save(path)
    return path


def _xlwt_book(rows: list[Row], merges: list[tuple[int, int, int, int]], sheet: str = "2-1") -> Any:
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet(sheet)
    covered = {(r, c) for r0, r1, c0, c1 in merges for r in range(r0, r1) for c in range(c0, c1)}
    for r0, r1, c0, c1 in merges:
        v = rows[r0][c0]
        ws.write_merge(r0, r1 - 1, c0, c1 - 1, "" if v is None else v)
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            if v is not None and (r, c) not in covered:
                ws.write(r, c, v)
    wb.add_sheet("CNKI").write(0, 0, "http://www.cnki.net/")
    return wb


def write_xls(path: Path, rows: list[Row] = MESSY, merges: list[tuple[int, int, int, int]] = MERGES) -> Path:
    """Write ``rows`` to a BIFF8 .xls with merged cells (needs xlwt)."""
    _xlwt_book(rows, merges).save(str(path))
    return path


def write_csv(path: Path, rows: list[Row] = MESSY, *, encoding: str = "utf-8", sep: str = ",") -> Path:
    """Write ``rows`` as delimited text (merges lost, as in a real CSV export)."""
    import csv

    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=sep, lineterminator="\r\n")
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def encrypt_xlsx(src: Path, dst: Path, password: str) -> Path:
    """Encrypt an .xlsx (ECMA-376 agile) with msoffcrypto-tool."""
    import msoffcrypto

    with open(src, "rb") as f:
        office = msoffcrypto.OfficeFile(f)
        with open(dst, "wb") as out:
            office.encrypt(password, out)
    return dst


# --- RC4-encrypted .xls ------------------------------------------------------
# msoffcrypto-tool only decrypts BIFF8; this writes the "Office 97/2000
# compatible" RC4 encryption of [MS-XLS] 2.2.10 / [MS-OFFCRYPTO] 2.3.6 (the
# scheme Excel uses for VelvetSweatshop files): a FilePass record after the
# first BOF, then every record payload XORed with an RC4 keystream that is
# re-keyed every 1024 bytes of stream position, except the records the spec
# leaves in clear and the lbPlyPos field of BoundSheet8.
_BOF, _FILEPASS, _BOUNDSHEET = 0x0809, 0x002F, 0x0085
_CLEAR = {0x0809, 0x002F, 0x0194, 0x0195, 0x00E1, 0x0196, 0x0138}


def _records(stream: bytes) -> list[tuple[int, bytes]]:
    out, pos = [], 0
    while pos + 4 <= len(stream):
        num, size = struct.unpack_from("<HH", stream, pos)
        out.append((num, stream[pos + 4 : pos + 4 + size]))
        pos += 4 + size
    return out


def _rc4_keystream(password: str, salt: bytes, n: int) -> bytes:
    from msoffcrypto.method.rc4 import DocumentRC4

    return DocumentRC4.decrypt(password, salt, io.BytesIO(b"\x00" * n), blocksize=1024).read()


def _rc4_verifier(password: str, salt: bytes, verifier: bytes | None = None) -> tuple[bytes, bytes]:
    from msoffcrypto.method.rc4 import _makekey  # the documented key derivation

    verifier = os.urandom(16) if verifier is None else verifier
    ks = _rc4_keystream_block0(_makekey(password, salt, 0), 32)
    blob = verifier + hashlib.md5(verifier).digest()
    enc = bytes(a ^ b for a, b in zip(blob, ks, strict=True))
    return enc[:16], enc[16:]


def _rc4_keystream_block0(key: bytes, n: int) -> bytes:
    # plain RC4 (the key-scheduling and output loops), to stay independent of cipher backends
    s = list(range(256))
    j = 0
    for i in range(256):
        j = (j + s[i] + key[i % len(key)]) % 256
        s[i], s[j] = s[j], s[i]
    out, i, j = bytearray(), 0, 0
    for _ in range(n):
        i = (i + 1) % 256
        j = (j + s[i]) % 256
        s[i], s[j] = s[j], s[i]
        out.append(s[(s[i] + s[j]) % 256])
    return bytes(out)


def write_encrypted_xls(
    path: Path,
    password: str = "VelvetSweatshop",
    rows: list[Row] = MESSY,
    merges: list[tuple[int, int, int, int]] = MERGES,
    *,
    sheet: str = "2-1",
    salt: bytes | None = None,
    verifier: bytes | None = None,
) -> Path:
    """Write ``rows`` to a RC4-encrypted .xls (what CNKI downloads are).

    ``salt`` and ``verifier`` (16 bytes each) default to random bytes; pass them
    to make the file byte-for-byte reproducible.
    """
    from xlwt.CompoundDoc import XlsDoc

    plain = _xlwt_book(rows, merges, sheet=sheet).get_biff_data()
    salt = os.urandom(16) if salt is None else salt
    enc_verifier, enc_hash = _rc4_verifier(password, salt, verifier)
    filepass = struct.pack("<HHH", 1, 1, 1) + salt + enc_verifier + enc_hash
    shift = 4 + len(filepass)

    recs = _records(plain)
    assert recs[0][0] == _BOF
    new: list[tuple[int, bytes]] = [recs[0], (_FILEPASS, filepass)]
    for num, body in recs[1:]:
        if num == _BOUNDSHEET:  # absolute stream offset of the sheet's BOF moves by the inserted record
            (pos,) = struct.unpack_from("<I", body)
            body = struct.pack("<I", pos + shift) + body[4:]
        new.append((num, body))
    # the container pads the stream with zeros, which a reader parses as 4-byte empty records:
    # end on a multiple of 4 with an inert record after the last EOF
    total = sum(4 + len(b) for _, b in new)
    new.append((0, b"\x00" * ((-(total + 4)) % 4)))

    stream = b"".join(struct.pack("<HH", n, len(b)) + b for n, b in new)
    ks = _rc4_keystream(password, salt, len(stream))
    out = bytearray(stream)
    pos = 0
    for num, body in new:
        start = pos + 4
        if num not in _CLEAR:
            skip = 4 if num == _BOUNDSHEET else 0
            for k in range(start + skip, start + len(body)):
                out[k] ^= ks[k]
        pos = start + len(body)
    XlsDoc().save(str(path), bytes(out))
    return path
