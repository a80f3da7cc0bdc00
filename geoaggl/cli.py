"""The ``geoaggl`` command: maps, road matrices and spatial checks of China's prefecture-level cities.

Everything runs offline on the data shipped with geoaggl (prefecture polygons, urban-agglomeration
membership, a major-road graph) and on your own tables (.csv/.tsv/.txt or yearbook .xls/.xlsx).

* ``geoaggl demo`` -- maps and tables of the shipped data, with an ``index.html``;
* ``geoaggl map TABLE --column COL`` -- a choropleth of one column of your table;
* ``geoaggl check TABLE --column COL`` -- Moran's I, Geary's C and Getis-Ord G of a column;
* ``geoaggl od --out FILE`` -- the seat-to-seat road distance (km) or time (minutes) matrix.

Progress goes to standard error (a bar on a terminal, plain step lines otherwise), warnings are
printed once as ``warning: ...`` lines, and the last line on standard output is the absolute path of
the file written.  Exit codes: 0 success, 1 error, 2 bad command line, 130 interrupted (Ctrl-C).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import html
import io
import re
import sys
import time
import warnings
import webbrowser
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from .errors import DataError, GeoagglDeprecationWarning, GeoagglError, GeoagglWarning, format_keys

__all__ = ["check", "demo", "draw", "main", "od"]

#: Column names taken as the key (the city) when ``--key`` is not given, in this order (case ignored).
KEY_CANDIDATES = (
    "adcode",
    "代码",
    "行政区划代码",
    "区划代码",
    "code",
    "城市",
    "城市名称",
    "地级市",
    "地区",
    "名称",
    "city",
    "name",
    "prefecture",
)
#: Column names taken as the year column (case ignored).
YEAR_CANDIDATES = ("year", "年份", "年")
_TEXT_SUFFIXES = (".csv", ".tsv", ".txt")
_EXCEL_SUFFIXES = (".xls", ".xlsx", ".xlsm")
_KEY = "__geoaggl_key__"
_VALUE = "__geoaggl_value__"
_NO_YEAR = "__geoaggl_no_year__"
_FLOAT_CODE = re.compile(r"^(\d{6}|\d{12})\.0*$")
_QUIET = "no progress and no summary (the path written is still printed)"


# ---------------------------------------------------------------------------------------------- output
class _Reporter:
    """Progress on standard error: a bar on a terminal, plain step lines otherwise, nothing when quiet."""

    def __init__(self, total: int, *, quiet: bool = False, stream: TextIO | None = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.total = total
        self.quiet = quiet
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.step_no = 0
        self.label = ""
        self._last_quarter = -1

    def step(self, label: str) -> None:
        """Start the next step."""
        self.step_no += 1
        self.label = label
        self._last_quarter = -1
        self._show(0.0)

    def progress(self, done: int, total: int) -> None:
        """Progress inside the current step (the ``progress=(done, total)`` callback of road solves)."""
        if total <= 0:
            return
        frac = min(max(done / total, 0.0), 1.0)
        if self.tty:
            self._show(frac)
            return
        quarter = int(frac * 4)
        if quarter > self._last_quarter and 0 < quarter:
            self._last_quarter = quarter
            self._line(f"{self.label}: {int(frac * 100)}% ({done}/{total})")

    def done(self) -> None:
        """End the progress display (a newline after the bar on a terminal)."""
        if self.tty and not self.quiet and self.step_no:
            self.stream.write("\n")
            self.stream.flush()

    def _line(self, text: str) -> None:
        if not self.quiet:
            self.stream.write(f"geoaggl: [{self.step_no}/{self.total}] {text}\n")
            self.stream.flush()

    def _show(self, frac: float) -> None:
        if self.quiet:
            return
        if not self.tty:
            if frac == 0.0:
                self._line(self.label)
            return
        width = 24
        overall = (self.step_no - 1 + frac) / self.total
        filled = int(width * overall)
        pct = f" {int(frac * 100):3d}%" if frac > 0 else ""
        self.stream.write(
            f"\r[{'#' * filled}{'.' * (width - filled)}] {self.step_no}/{self.total} "
            f"{self.label[:48]:<48}{pct}"
        )
        self.stream.flush()


_FOREIGN_NOISE = (DeprecationWarning, PendingDeprecationWarning, ImportWarning, ResourceWarning)


@contextlib.contextmanager
def _plain_warnings(stream: TextIO | None = None) -> Iterator[None]:
    """Print each warning once as one ``warning: ...`` line (no category, file or source line).

    geoaggl's own warnings and user warnings are shown; deprecation noise of other libraries is not.
    """
    out = stream if stream is not None else sys.stderr
    seen: set[str] = set()

    def show(
        message: Any, category: type[Warning], filename: str, lineno: int, file: Any = None, line: Any = None
    ) -> None:
        if issubclass(category, _FOREIGN_NOISE) or (
            issubclass(category, FutureWarning) and not issubclass(category, GeoagglWarning)
        ):
            return
        text = " ".join(str(message).split())
        if "Numba not installed" in text or text in seen:
            return
        seen.add(text)
        out.write(f"warning: {text}\n")
        out.flush()

    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.showwarning = show
        yield


def _renamed(old_value: Any, new_value: Any, *, old: str, new: str, default: Any, where: str) -> Any:
    """Resolve a renamed keyword: the old one still works, with a GeoagglDeprecationWarning."""
    if old_value is None:
        return new_value
    warnings.warn(f"{where}: {old}= is deprecated; use {new}=", GeoagglDeprecationWarning, stacklevel=3)
    if new_value is not default and new_value != old_value:
        raise DataError(
            f"{where}: {old}= and {new}= disagree ({old_value!r} vs {new_value!r}); pass {new}= only"
        )
    return old_value


def _output_path(out: str | Path) -> Path:
    """``out`` with its folder created; a clear error when a file stands where a folder must be."""
    path = Path(out)
    if path.is_dir():
        raise DataError(f"cannot write {path}: it is a folder; give a file name")
    for parent in path.parents:
        if parent.exists() and not parent.is_dir():
            raise DataError(f"cannot write {path}: {parent} is a file, not a folder")
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def _written(path: Path, summary: str, *, quiet: bool = False) -> Path:
    """Print the summary (unless quiet), then the absolute path written as the last line of stdout."""
    if not quiet:
        print(summary)
    absolute = path.resolve()
    print(absolute)
    return absolute


# ---------------------------------------------------------------------------------------------- tables
def _decode(raw: bytes, label: str) -> str:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise DataError(f"{label}: broken UTF-16 text ({exc.reason} at byte {exc.start})") from None
    zeros = raw[:4096].count(0)
    if zeros > len(raw[:4096]) // 4:  # UTF-16 without a byte-order mark: every other byte is 0
        odd_zeros = raw[1:4096:2].count(0)
        enc16 = "utf-16-le" if odd_zeros >= zeros / 2 else "utf-16-be"
        try:
            return raw.decode(enc16)
        except UnicodeDecodeError as exc:
            raise DataError(f"{label}: broken UTF-16 text ({exc.reason} at byte {exc.start})") from None
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    raise DataError(f"{label}: neither UTF-8, UTF-16 nor GBK text")  # pragma: no cover - gb18030 is total


def _read_text_table(path: Path, label: str) -> Any:
    """A delimited text file (delimiter sniffed among , tab ; |), every cell as a string."""
    import pandas as pd

    text = _decode(path.read_bytes(), label)
    if not text.strip():
        raise DataError(f"{label} is empty")
    sample = text[:65536]
    try:
        sep = csv.Sniffer().sniff(sample.split("\n", 20)[0] + "\n" + sample, delimiters=",\t;|").delimiter
    except csv.Error:
        sep = "\t" if path.suffix.lower() == ".tsv" or "\t" in sample.split("\n", 1)[0] else ","
    try:
        table = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, csv.Error, ValueError) as exc:
        raise DataError(f"{label}: cannot read it as a {sep!r}-separated table: {exc}") from None
    table.columns = [str(c).strip() for c in table.columns]
    if table.empty:
        raise DataError(f"{label} has a header but no rows")
    return table


def _plain_excel(path: Path, label: str, key: str | None) -> Any:
    """A spreadsheet that is a plain table — a header row naming the key column (``--key`` or one of
    :data:`KEY_CANDIDATES`) — read as text cells; None for a yearbook export (no such header)."""
    import pandas as pd

    try:
        table = pd.read_excel(path, dtype=str)
    except Exception:  # encrypted, legacy or broken: read_yearbook reads or reports it
        return None
    table.columns = [str(c).strip() for c in table.columns]
    names = {c.lower() for c in table.columns}
    wanted = {key.lower()} if key is not None else set(KEY_CANDIDATES)
    if not names & wanted:
        return None
    if table.empty:
        raise DataError(f"{label} has a header but no rows")
    return table


def _read_table(path: str | Path, *, key: str | None = None, skip_unmatched: bool = False) -> tuple[Any, str]:
    """Read the user's table; return it and the name of its key (city) column.

    ``.csv``/``.tsv``/``.txt``: delimiter sniffed, UTF-8, UTF-16 or GBK.  ``.xls``/``.xlsx``: a plain
    table when its header row names the key column, else read with :func:`geoaggl.read_yearbook`
    (CNKI yearbook exports), whose ``adcode`` column is the key.
    """
    path = Path(path)
    label = str(path)
    if not path.is_file():
        raise FileNotFoundError(f"no such file: {path}")
    suffix = path.suffix.lower()
    table = _plain_excel(path, label, key) if suffix in _EXCEL_SUFFIXES else None
    if table is not None:
        pass  # a plain spreadsheet table: its key column is found below, as for text
    elif suffix in _EXCEL_SUFFIXES:
        from .errors import UnmatchedKeysWarning
        from .io import read_yearbook

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UnmatchedKeysWarning)  # reported below, in the CLI's words
            table = read_yearbook(path)
        if len(table) == 0:
            raise DataError(f"{label} has no rows of cities")
        if key is None:
            lost = table.loc[table["adcode"].isna(), "name"].tolist()
            if lost and not skip_unmatched:
                raise DataError(
                    f"{label}: {len(lost)} city name(s) match no prefecture-level city: "
                    f"{format_keys(lost)}; correct them, or pass --skip-unmatched to leave them "
                    "out"
                )
            if lost:
                warnings.warn(
                    f"{label}: {len(lost)} city name(s) match no prefecture-level city and are "
                    f"left out: {format_keys(lost)}",
                    GeoagglWarning,
                    stacklevel=2,
                )
            table = table[table["adcode"].notna()]
            key = "adcode"
    elif suffix in _TEXT_SUFFIXES:
        if path.stat().st_size == 0:
            raise DataError(f"{label} is empty")
        table = _read_text_table(path, label)
    else:
        raise DataError(
            f"{label}: unsupported file type {path.suffix!r}; use .csv, .tsv, .txt, .xls or .xlsx"
        )
    columns = [str(c) for c in table.columns]
    if key is not None:
        if key not in table.columns:
            raise DataError(f"{label} has no column {key!r} (--key); its columns are {format_keys(columns)}")
        return table, key
    lower = {c.lower(): c for c in columns}
    for cand in KEY_CANDIDATES:
        if cand in lower:
            return table, lower[cand]
    raise DataError(
        f"{label}: which column holds the cities? None is named like {', '.join(KEY_CANDIDATES)};"
        f" pass --key COLUMN (its columns are {format_keys(columns)})"
    )


def _year_column(table: Any) -> str | None:
    lower = {str(c).lower(): c for c in table.columns}
    return next((lower[c] for c in YEAR_CANDIDATES if c in lower), None)


def _select_year(table: Any, label: str, year: int | None) -> Any:
    """The rows of one year (``--year``), or the table itself when it has a single year or none."""
    ycol = _year_column(table)
    if ycol is None:
        if year is not None:
            raise DataError(
                f"{label} has no year column (named one of {', '.join(YEAR_CANDIDATES)}); "
                "drop --year, or add the column"
            )
        return table
    import pandas as pd

    years = pd.to_numeric(table[ycol], errors="coerce")
    if year is None:
        distinct = sorted({int(y) for y in years.dropna()})
        if len(distinct) > 1:
            raise DataError(f"{label} has several years {format_keys(distinct)}: choose one with --year")
        return table.drop(columns=ycol)
    rows = table[(years == float(year)).to_numpy()]
    if rows.empty:
        have = sorted({int(y) for y in years.dropna()})
        raise DataError(f"{label}: no rows for year {year} (years in the file: {format_keys(have)})")
    return rows.drop(columns=ycol)


def _rows(table: Any, mask: Any, key: str) -> list[Any]:
    """The key of each selected row, or ``line N`` (its line in the file) when the key is empty."""
    import pandas as pd

    pos = np.flatnonzero(np.asarray(mask, dtype=bool))
    keys = table[key].to_numpy(dtype=object)[pos]
    return [
        f"line {p + 2}" if pd.isna(k) or str(k).strip() == "" else k for p, k in zip(pos, keys, strict=True)
    ]


def _numbers(table: Any, column: str, key: str, label: str) -> Any:
    import pandas as pd

    raw = table[column]
    if pd.api.types.is_numeric_dtype(raw):
        numeric = raw.astype(float)
        _warn_missing(_rows(table, numeric.isna(), key), column, label)
        return numeric
    text = raw.astype("string").str.strip().str.replace(",", "", regex=False)
    values = pd.to_numeric(text, errors="coerce")
    bad = _rows(table, (values.isna() & text.notna() & (text != "")).to_numpy(), key)
    if bad:
        raise DataError(f"{label}: column {column!r} is not a number for {format_keys(bad)}")
    with np.errstate(over="ignore"):
        values = values.astype(float)
    if np.isinf(values).any():
        inf_keys = _rows(table, np.isinf(values).to_numpy(), key)
        raise DataError(f"{label}: column {column!r} is too large (infinite) for {format_keys(inf_keys)}")
    _warn_missing(_rows(table, values.isna().to_numpy(), key), column, label)
    return values


def _warn_missing(keys: list[Any], column: str, label: str) -> None:
    """Say which rows of the user's table have no value (they are left out, not zero)."""
    if keys:
        warnings.warn(
            f"{label}: {len(keys)} row(s) have no value in column {column!r} and are left out: "
            f"{format_keys(keys)}",
            GeoagglWarning,
            stacklevel=3,
        )


def _join_cities(table: Any, key: str, values: Any, label: str, *, skip_unmatched: bool) -> Any:
    """Join the values onto the mainland prefectures with :func:`geoaggl.attach` (its key rules)."""
    import pandas as pd

    from .boundaries import prefectures
    from .errors import UnmatchedNamesError
    from .names import attach

    keys = np.array(
        [
            _FLOAT_CODE.sub(r"\1", k.strip()) if isinstance(k, str) else k
            for k in table[key].to_numpy(dtype=object)
        ],
        dtype=object,
    )  # "110100.0" as text
    present = pd.notna(keys)
    if not present.all():
        warnings.warn(
            f"{label}: {int((~present).sum())} rows without a value in column {key!r} are left out",
            GeoagglWarning,
            stacklevel=2,
        )
    small = pd.DataFrame({_KEY: keys[present], _VALUE: np.asarray(values)[present]})
    units = prefectures()
    try:
        return attach(units, small, on=_KEY, time=_NO_YEAR, errors="raise")
    except UnmatchedNamesError as exc:
        unmatched = list(exc.unmatched)
        if not skip_unmatched or len(unmatched) >= len(small):
            hints = re.findall(r"'([^']+)' \((did you mean [^)]*)\)", str(exc))
            hint = "; ".join(f"{name!r}: {text}" for name, text in hints)
            raise DataError(
                f"{label}: {len(unmatched)} value(s) of column {key!r} match no prefecture-level "
                f"city of mainland China: {format_keys(unmatched)}; correct them, or pass "
                f"--skip-unmatched to leave those rows out{f' ({hint})' if hint else ''}"
            ) from None
        warnings.warn(
            f"{label}: {len(unmatched)} row(s) of column {key!r} match no prefecture-level city "
            f"and are left out: {format_keys(unmatched)}",
            GeoagglWarning,
            stacklevel=2,
        )
    except DataError as exc:
        raise DataError(f"{label}: {exc}".replace(" gdf", " the prefectures")) from None
    return attach(units, small, on=_KEY, time=_NO_YEAR, errors="ignore")


def _attached_column(
    table_path: str | Path,
    column: str,
    *,
    year: int | None = None,
    key: str | None = None,
    skip_unmatched: bool = False,
) -> Any:
    """The user's column joined onto the mainland prefectures (a GeoDataFrame), for one year."""
    table, key = _read_table(table_path, key=key, skip_unmatched=skip_unmatched)
    label = str(table_path)
    if column not in table.columns:
        raise DataError(
            f"{label} has no column {column!r}; its columns are "
            f"{format_keys([str(c) for c in table.columns])}"
        )
    if column == key:
        raise DataError(f"{label}: --column {column!r} is the key column; choose a column of numbers")
    table = _select_year(table, label, year)
    values = _numbers(table, column, key, label)
    gdf = _join_cities(table, key, values, label, skip_unmatched=skip_unmatched)
    return gdf.rename(columns={_VALUE: column})


# ---------------------------------------------------------------------------------------------- commands
def _save(fmap: object, path: Path) -> None:
    """Save a folium map with Leaflet inlined (works offline)."""
    from .maps import save_offline

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        save_offline(fmap, path)  # type: ignore[arg-type]


def demo(out: str | Path = "geoaggl-demo", *, open_browser: bool = False, quiet: bool = False) -> Path:
    """Run the demo on the shipped data and return the absolute path of ``index.html``.

    Offline, on the shipped data only, it writes into ``out``:

    (a) ``coagglomeration.html`` and ``gini_within.html``: the co-agglomeration levels (Table 1)
        and within-UA Gini (Table 2) published by Chen Xiuying and Wang Mengcui (陈秀英, 王梦翠),
        中国城市群生产性服务业与制造业协同集聚的空间差异及收敛性研究, on the coagglomeration8 UA
        polygons, one layer per year;
    (b) ``road_access.html``: road km (and minutes, in the table) from every national11 member's
        seat to its nearest central city on the bundled road graph; ``road_density.html`` and
        ``integration.html``: major-road density per prefecture and the infrastructure-integration
        score of the yreb5 UAs computed from it with the method of 长江经济带城市群区域一体化发展特征
        与差异 ("Integration of the urban agglomerations of the Yangtze River Economic Belt");
    (c) ``spatial_checks.csv`` (Moran's I, Geary's C, Getis-Ord G of road density on queen
        contiguity and road 6-nearest-neighbour weights) and ``lisa.html``;

    plus ``prefectures.html`` (all units by kind with national11 outlines), the CSV tables behind
    every map and ``index.html`` linking them.

    Parameters
    ----------
    out : str or path-like, default "geoaggl-demo"
        Output folder (created if needed).
    open_browser : bool, default False
        Open ``index.html`` in a browser at the end.
    quiet : bool, default False
        No progress on standard error and no summary on standard output (the path is still printed).

    Returns
    -------
    pathlib.Path
        Absolute path of ``index.html``.

    References
    ----------
    Chen Xiuying and Wang Mengcui (陈秀英, 王梦翠).
    中国城市群生产性服务业与制造业协同集聚的空间差异及收敛性研究 ("Spatial differences and
    convergence of producer-services–manufacturing co-agglomeration in China's urban
    agglomerations"), Tables 1-2.

    Examples
    --------
    >>> from geoaggl.cli import demo
    >>> demo("geoaggl-demo", quiet=True)  # doctest: +SKIP
    """
    from . import _demo, maps
    from .boundaries import agglomerations, prefectures

    out = Path(out)
    if out.exists() and not out.is_dir():
        raise DataError(f"cannot write the demo into {out}: it is a file, not a folder")
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    key = _demo.cache_key()
    cached = _demo.cached_outputs(key)
    if cached is not None:  # same package version and data: the outputs are those of the last run
        import shutil

        rep = _Reporter(1, quiet=quiet)
        rep.step("copying the cached demo (geoaggl.settings.cache_dir; use_cache=False to rebuild)")
        for f in cached:
            shutil.copy2(f, out / f.name)
        rep.done()
        index = out / "index.html"
        _written(index, f"demo written to {out.resolve()} from the cache", quiet=quiet)
        if open_browser:  # pragma: no cover - interactive
            webbrowser.open(index.resolve().as_uri())
        return index.resolve()
    rep = _Reporter(8, quiet=quiet)
    cite = {k: v[0] for k, v in _demo.CITATIONS.items()}

    rep.step("prefectures and the national11 agglomerations")
    prefs = prefectures()
    members = agglomerations("national11")
    prefs.drop(columns="geometry").to_csv(out / "prefectures.csv", encoding="utf-8")
    members.to_csv(out / "agglomerations_national11.csv", index=False, encoding="utf-8")
    kw: dict[str, Any] = {"tiles": "OpenStreetMap"}
    _save(
        maps.choropleth(prefs, "kind", outlines="national11", name="Prefecture-level units", **kw),
        out / "prefectures.html",
    )

    rep.step(f"(a) co-agglomeration and within-UA Gini published by {cite['chen_wang']}")
    pub = _demo.published_on_polygons()
    pub = pub.rename(columns={"agglomeration": "name", "agglomeration_en": "name_en"}).set_index("name")
    pub.drop(columns="geometry").to_csv(out / "chen_wang_published_by_year.csv", encoding="utf-8")
    for column, label, table_no, fname in (
        ("coagglomeration", "Co-agglomeration level", 1, "coagglomeration.html"),
        ("gini_within", "Within-UA Dagum Gini G_jj", 2, "gini_within.html"),
    ):
        source = f"{cite['chen_wang']}, Table {table_no}"
        _save(
            maps.choropleth(
                pub,
                column,
                time="year",
                k=5,
                name=f"{label} ({source})",
                legend_kwds={"caption": f"{label}, published ({source})"},
                **kw,
            ),
            out / fname,
        )

    rep.step("(b) road distance to the central cities")
    access = _demo.road_access(prefs, progress=rep.progress)
    access.drop(columns="geometry").to_csv(out / "road_access.csv", encoding="utf-8")
    _save(
        maps.choropleth(
            access,
            "road_km_to_centre",
            k=6,
            outlines="national11",
            legend_kwds={"caption": "road km from the seat to the nearest central city"},
            **kw,
        ),
        out / "road_access.html",
    )

    rep.step("(b) road density")
    from .roads import road_density

    density = road_density(prefs)
    dens = prefs[["name", "name_en", "geometry"]].assign(road_density=density)
    dens.drop(columns="geometry").to_csv(out / "road_density.csv", encoding="utf-8")
    _save(
        maps.choropleth(
            dens,
            "road_density",
            k=7,
            legend_kwds={"caption": "major-road km per 100 km² (bundled OSM graph)"},
            **kw,
        ),
        out / "road_density.html",
    )

    rep.step("(b) infrastructure integration")
    integ = _demo.integration_from_density(prefs, density)
    integ = integ.rename_axis("name").rename(columns={"agglomeration_en": "name_en"})
    integ.drop(columns="geometry").to_csv(out / "integration_yreb5.csv", encoding="utf-8")
    _save(
        maps.integration_map(
            integ,
            "integration_infrastructure",
            k=min(5, len(integ)),
            legend_kwds={"caption": f"infrastructure integration score (method of the {cite['yreb']})"},
            **kw,
        ),
        out / "integration.html",
    )

    rep.step("(c) spatial checks (road weights on every city seat)")
    checks, lisa_gdf = _demo.spatial_tables(prefs, density, progress=rep.progress)
    checks.to_csv(out / "spatial_checks.csv", index=False, encoding="utf-8")
    rep.step("(c) LISA map")
    lisa_gdf.drop(columns="geometry").to_csv(out / "lisa_road_density.csv", encoding="utf-8")
    _save(maps.lisa_map(lisa_gdf, lisa_gdf[["label"]], **kw), out / "lisa.html")

    rep.step("writing index.html")
    index = _write_index(out, prefs=prefs, access=access, checks=checks, elapsed=time.perf_counter() - t0)
    _demo.store_outputs(key, out)
    rep.done()
    _written(index, f"demo of {len(prefs)} prefecture-level units written to {out.resolve()}", quiet=quiet)
    if open_browser:  # pragma: no cover - interactive
        webbrowser.open(index.resolve().as_uri())
    return index.resolve()


def _write_index(out: Path, *, prefs: Any, access: Any, checks: Any, elapsed: float) -> Path:
    """The demo's ``index.html``: links to the maps and tables, Moran's I, and the references."""
    import pandas as pd

    from ._demo import CITATIONS

    cw, yreb = CITATIONS["chen_wang"][0], CITATIONS["yreb"][0]
    moran = checks[checks["statistic"] == "moran"].set_index("weights")
    rows = "".join(
        f"<tr><td>{html.escape(str(w))}</td><td>{r['n']}</td><td>{r['value']:.3f}</td><td>{r['z']:.2f}</td>"
        f"<td>{r['p_sim']:.3f}</td></tr>"
        if "n" in r
        else f"<tr><td>{html.escape(str(w))}</td><td></td><td>{r['value']:.3f}</td><td>{r['z']:.2f}</td>"
        f"<td>{r['p_sim']:.3f}</td></tr>"
        for w, r in moran.iterrows()
    )
    n_access = int(access["road_km_to_centre"].notna().sum())
    links = [
        ("prefectures.html", "All 367 prefecture-level units by kind, national11 agglomerations outlined"),
        (
            "coagglomeration.html",
            f"(a) Co-agglomeration levels of 8 UAs, 2004-2018 (published, {cw}, Table 1)",
        ),
        ("gini_within.html", f"(a) Within-UA Dagum Gini, 2004-2018 (published, {cw}, Table 2)"),
        ("road_access.html", f"(b) Road km to the nearest central city, {n_access} national11 members"),
        ("road_density.html", "(b) Major-road density per prefecture (bundled OpenStreetMap graph)"),
        (
            "integration.html",
            f"(b) Infrastructure integration of the yreb5 UAs ({yreb} method, road density)",
        ),
        ("lisa.html", "(c) LISA clusters of road density (queen contiguity)"),
    ]
    tables = [
        "prefectures.csv", "agglomerations_national11.csv", "chen_wang_published_by_year.csv",
        "road_access.csv", "road_density.csv", "integration_yreb5.csv", "spatial_checks.csv",
        "lisa_road_density.csv",
    ]  # fmt: skip
    refs = "".join(f"<li>{html.escape(full)}</li>" for _, full in CITATIONS.values())
    index = out / "index.html"
    index.write_text(
        "<!doctype html><meta charset='utf-8'><title>geoaggl demo</title>"
        "<style>body{font:15px sans-serif;max-width:60em;margin:2em auto}td,th{padding:2px 8px}</style>"
        "<h1>geoaggl demo</h1><h2>Maps</h2><ul>"
        + "".join(f"<li><a href='{f}'>{html.escape(t)}</a></li>" for f, t in links)
        + "</ul><h2>Moran's I of road density</h2><table><tr><th>weights</th><th>n</th><th>I</th><th>z</th>"
        + f"<th>p (999 permutations)</th></tr>{rows}</table><h2>Tables</h2><ul>"
        + "".join(f"<li><a href='{t}'>{t}</a></li>" for t in tables)
        + f"</ul><h2>References</h2><ul>{refs}</ul>"
        + f"<p>{len(prefs)} units; built offline from the shipped data in {elapsed:.1f} s.</p>",
        encoding="utf-8",
    )
    pd.DataFrame({"file": [f for f, _ in links] + tables}).to_csv(out / "files.csv", index=False)
    return index


def od(
    out: str | Path,
    *,
    weight: str = "length",
    agglomerations: str | None = None,
    speed_kph: float | None = None,
    quiet: bool = False,
    scheme: str | None = None,
) -> Path:
    """Write the seat-to-seat road matrix (km or minutes) of all mainland units or of a scheme's members.

    Parameters
    ----------
    out : str or path-like
        CSV file to write (rows and columns are adcodes; unreachable pairs are ``inf``).
    weight : {"length", "travel_time"}, default "length"
        Road km or minutes.
    agglomerations : str, optional
        Only the members of this urban-agglomeration scheme (``"national11"``, ``"yreb5"``, ...),
        Hong Kong and Macao included where the scheme has them (they are on the road graph).
    speed_kph : float, optional
        A constant speed on every road for ``travel_time``; default: the calibrated
        speed model of :func:`geoaggl.roads.china_highways` (with urban access times).
    quiet : bool, default False
        No progress and no summary (the path is still printed).
    scheme : str, optional
        Deprecated alias of ``agglomerations``.

    Returns
    -------
    pathlib.Path
        Absolute path of the file written.

    References
    ----------
    Dijkstra, E. W. (1959). A note on two problems in connexion with graphs.
    *Numerische Mathematik*, 1, 269-271.

    OpenStreetMap contributors. OpenStreetMap, https://www.openstreetmap.org,
    licensed under the Open Database Licence (ODbL) 1.0.

    Examples
    --------
    Writes a file (``geoaggl od --out od.csv`` on the command line):

    >>> from geoaggl.cli import od
    >>> od("od.csv", agglomerations="yreb5", quiet=True)  # doctest: +SKIP
    """
    from ._validate import check_option, check_real

    agglomerations = _renamed(
        scheme, agglomerations, old="scheme", new="agglomerations", default=None, where="od"
    )
    check_option(weight, ("length", "travel_time"), name="weight (--weight)")
    if speed_kph is not None:
        speed_kph = check_real(speed_kph, name="speed (--speed)", minimum=0, strict_min=True)
    rep = _Reporter(3, quiet=quiet)
    rep.step("city seats and the road graph")  # before the heavy imports: progress within a second
    from ._demo import od_matrix_with_progress
    from .boundaries import agglomerations as _members
    from .boundaries import prefectures
    from .roads import RoadGraph

    # an agglomeration's members include Hong Kong and Macao where it has them (on the graph)
    units = prefectures(include_sar=agglomerations is not None)
    if agglomerations is not None:
        members = _members(agglomerations)
        outside = sorted(set(members["adcode"]) - set(units.index))
        if outside:
            names = members.drop_duplicates("adcode").set_index("adcode").loc[outside, "name"]
            warnings.warn(
                f"{len(outside)} members of {agglomerations} have no city seat on the road graph "
                f"and are left out: {format_keys(names)}",
                GeoagglWarning,
                stacklevel=2,
            )
        units = units[units.index.isin(members["adcode"])]
    G = RoadGraph(speed_kph=speed_kph)  # the bundled arrays: no networkx graph is built
    unit = "km" if weight == "length" else "minutes"
    rep.step(f"road {unit} between {len(units)} city seats")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # unreachable cities are inf and listed below
        matrix = od_matrix_with_progress(G, units, weight=weight, progress=rep.progress)
    rep.step("writing the matrix")
    out = _output_path(out)
    matrix.to_csv(out, encoding="utf-8", float_format="%.3f")
    rep.done()
    reached = np.isfinite(matrix.to_numpy()).sum(axis=1)  # the unit itself is always 0
    names = units["name"]
    unreachable = [f"{a} {names[a]}" for a, r in zip(matrix.index, reached, strict=True) if r <= 1]
    if unreachable:
        warnings.warn(
            f"no road to the other cities (inf in the matrix): {', '.join(unreachable)}",
            GeoagglWarning,
            stacklevel=2,
        )
    return _written(out, f"{matrix.shape[0]} x {matrix.shape[1]} road {unit} between city seats", quiet=quiet)


#: fewest cities with values that ``check`` tests (Moran's I needs a few neighbours to be read)
_MIN_CHECK_CITIES = 4
#: neighbours per city of the road graph of ``check`` (fewer when fewer cities are reachable)
_ROAD_K = 6


def check(
    table_path: str | Path,
    column: str,
    *,
    weights: Sequence[str] = ("queen", "road"),
    year: int | None = None,
    permutations: int | None = None,
    seed: int | None = 0,
    key: str | None = None,
    skip_unmatched: bool = False,
    quiet: bool = False,
) -> Any:
    """Spatial autocorrelation of a column of your table on queen and/or road-distance weights.

    Each weights graph is tested on the cities it covers: queen contiguity on every city with a
    value (islands linked to their nearest city), road 6-nearest-neighbour weights on the cities
    with a road to the others; the ``n`` column says how many.  Returns the tidy table of
    :func:`geoaggl.spatial.check` (one row per weights graph and statistic).

    Parameters
    ----------
    table_path : str or path-like
        A ``.csv/.tsv/.txt`` table or a yearbook ``.xls/.xlsx``.
    column : str
        The column to test.
    weights : sequence of {"queen", "road"}, default ("queen", "road")
        The weights graphs.
    year : int, optional
        The year to use from a long table.
    permutations : int, default 999
        Random permutations for the pseudo p-values.
    seed : int or None, default 0
        Seed of the permutations.
    key : str, optional
        The column holding the cities (default: ``adcode``, ``代码``, ``城市``, ``地区`` or ``name``).
    skip_unmatched : bool, default False
        Drop cities that cannot be matched instead of raising.
    quiet : bool, default False
        No progress output.

    Returns
    -------
    pandas.DataFrame
        The table of :func:`geoaggl.spatial.check`.

    Raises
    ------
    geoaggl.errors.GeoagglError
        A file that cannot be read, a missing column, unmatched cities (unless
        ``skip_unmatched``), an unknown weights name.

    References
    ----------
    Moran, P. A. P. (1950). Notes on continuous stochastic phenomena.
    *Biometrika*, 37(1/2), 17-23.

    Geary, R. C. (1954). The contiguity ratio and statistical mapping.
    *The Incorporated Statistician*, 5(3), 115-145.

    Getis, A. and Ord, J. K. (1992). The analysis of spatial association by use
    of distance statistics. *Geographical Analysis*, 24(3), 189-206.

    Examples
    --------
    ``geoaggl check TABLE --column COL`` on the command line; here on the shipped
    sample yearbook export (27 cities):

    >>> from geoaggl import datasets
    >>> from geoaggl.cli import check
    >>> col = "年末户籍人口(万人)"
    >>> res = check(datasets.sample_yearbook(), col, weights=["queen"], permutations=0, quiet=True)
    >>> res[["weights", "statistic", "n"]]
      weights  statistic   n
    0   queen      moran  27
    1   queen      geary  27
    2   queen  getis_ord  27
    """
    from ._validate import check_option

    for w in weights:
        check_option(w, ("queen", "road"), name="weights (--weights)")
    rep = _Reporter(1 + len(weights), quiet=quiet)
    rep.step(f"reading {table_path}")  # before the heavy imports: progress within a second
    import pandas as pd

    from .spatial import check as _check

    gdf = _attached_column(table_path, column, year=year, key=key, skip_unmatched=skip_unmatched)
    data = gdf[[column]].dropna()
    if len(data) < _MIN_CHECK_CITIES:
        raise DataError(
            f"{table_path}: column {column!r} has values for {len(data)} cities; the spatial tests "
            f"need at least {_MIN_CHECK_CITIES}"
        )
    results = []
    if "queen" in weights:
        from .weights import contiguity

        rep.step(f"queen contiguity of {len(data)} cities")
        import libpysal.graph  # noqa: F401  (the import is a second or more: report it as a part)

        rep.progress(1, 3)  # parts: libpysal loaded, the graph built, the three tests done
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            queen = contiguity(gdf.loc[data.index], islands="nearest")
        rep.progress(2, 3)
        results.append(_check(data, {"queen": queen}, columns=[column], permutations=permutations, seed=seed))
        rep.progress(3, 3)
    if "road" in weights:
        from ._demo import od_matrix_with_progress
        from .roads import RoadGraph
        from .weights import from_od

        rep.step(f"road distances between {len(data)} city seats")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            od = od_matrix_with_progress(
                RoadGraph(), gdf.loc[data.index], weight="length", progress=rep.progress
            )
        reach = np.isfinite(od.to_numpy()).sum(axis=1) > 1
        if not reach.all():
            lost = gdf.loc[od.index[~reach], "name"].tolist()
            warnings.warn(
                f"{format_keys(lost)} {'has' if len(lost) == 1 else 'have'} no road to the other "
                f"cities and {'is' if len(lost) == 1 else 'are'} left out of the road test only",
                GeoagglWarning,
                stacklevel=2,
            )
        od = od.loc[reach, reach]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            road = from_od(od, kind="knn", k=min(_ROAD_K, len(od) - 1))
        results.append(
            _check(data.loc[od.index], {"road": road}, columns=[column], permutations=permutations, seed=seed)
        )
    rep.done()
    return pd.concat(results, ignore_index=True)


def draw(
    table_path: str | Path,
    column: str,
    *,
    out: str | Path = "map.html",
    year: int | None = None,
    classification: str | None = "quantiles",
    k: int = 5,
    outlines: str | None = None,
    tiles: str | None = "OpenStreetMap",
    key: str | None = None,
    skip_unmatched: bool = False,
    quiet: bool = False,
    scheme: str | None = None,
) -> Path:
    """Join a column of your table to the prefectures (by adcode or name) and write its choropleth.

    The join is :func:`geoaggl.attach`'s (adcodes as int, float or text, former codes, Chinese names
    harmonised).  ``k`` larger than the number of distinct values is reduced to it, with a warning.
    ``scheme`` is a deprecated alias of ``classification``.  Returns the absolute path written.

    Parameters
    ----------
    table_path : str or path-like
        A ``.csv/.tsv/.txt`` table or a yearbook ``.xls/.xlsx``.
    column : str
        The column to map.
    out : str or path-like, default "map.html"
        The HTML file to write.
    year : int, optional
        The year to map from a long table.
    classification : str or None, default "quantiles"
        A mapclassify scheme (``"quantiles"``, ``"naturalbreaks"``, ...).
    k : int, default 5
        Number of classes.
    outlines : str, optional
        Draw the outlines of an agglomeration scheme (``"national11"``, ...).
    tiles : str or None, default "OpenStreetMap"
        Tile layer; None draws without a tile server.
    key : str, optional
        The column holding the cities.
    skip_unmatched : bool, default False
        Drop cities that cannot be matched instead of raising.
    quiet : bool, default False
        No progress output.
    scheme : str, optional
        Deprecated alias of ``classification``.

    Returns
    -------
    pathlib.Path
        The absolute path written.

    Raises
    ------
    geoaggl.errors.GeoagglError
        A file that cannot be read, a missing column, unmatched cities (unless
        ``skip_unmatched``), an unknown classification.

    References
    ----------
    Jenks, G. F. (1967). The data model concept in statistical mapping.
    *International Yearbook of Cartography*, 7, 186-190.

    Examples
    --------
    Writes a file (``geoaggl map TABLE --column COL`` on the command line):

    >>> from geoaggl.cli import draw
    >>> draw("my_table.csv", "gdp", out="gdp.html", tiles=None)  # doctest: +SKIP
    """
    from . import maps

    classification = _renamed(
        scheme, classification, old="scheme", new="classification", default="quantiles", where="draw"
    )
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise DataError(f"-k must be a whole number of classes >= 1; got {k!r}")
    rep = _Reporter(3, quiet=quiet)
    rep.step(f"reading {table_path}")
    gdf = _attached_column(table_path, column, year=year, key=key, skip_unmatched=skip_unmatched)
    distinct = int(gdf[column].dropna().nunique())
    if classification is not None and distinct and k > distinct:
        warnings.warn(
            f"-k {k} is more than the {distinct} distinct values of column {column!r}: drawing "
            f"{distinct} classes",
            GeoagglWarning,
            stacklevel=2,
        )
        k = distinct
    rep.step("drawing the map")
    title = f"{column} ({year})" if year is not None else str(column)
    fmap = maps.choropleth(
        gdf,
        column,
        scheme=classification,
        k=k,
        outlines=outlines,
        tiles=tiles,
        legend_kwds={"caption": title},
    )
    rep.step("writing the page (Leaflet inlined: it opens offline)")
    out = _output_path(out)
    _save(fmap, out)
    rep.done()
    n = int(gdf[column].notna().sum())
    return _written(out, f"map of {column} for {n} of {len(gdf)} prefecture-level units", quiet=quiet)


# ---------------------------------------------------------------------------------------------- parser
class _Help(argparse.RawDescriptionHelpFormatter):
    pass


def _version() -> str:
    from . import __version__

    return f"geoaggl {__version__}"


def _table_args(p: argparse.ArgumentParser, what: str) -> None:
    p.add_argument("table", help="your table: .csv/.tsv/.txt (delimiter detected) or a yearbook .xls/.xlsx")
    p.add_argument("--column", required=True, help=f"the numeric column to {what}")
    p.add_argument(
        "--key",
        default=None,
        metavar="COL",
        help="column holding the cities (adcodes or names); default: a column named "
        "adcode, 代码, 城市, 地区, name, ... (.xls/.xlsx: the adcodes read_yearbook found)",
    )
    p.add_argument("--year", type=int, default=None, help="the year to use when the table has a year column")
    p.add_argument(
        "--skip-unmatched",
        action="store_true",
        help="leave out rows whose city matches no prefecture (default: stop with an error)",
    )


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="geoaggl",
        description=(__doc__ or "").replace("``", ""),
        formatter_class=_Help,
        epilog="examples:\n  geoaggl demo --out geoaggl-demo\n"
        "  geoaggl map gdp.csv --column gdp --year 2019 --outlines national11\n"
        "  geoaggl check gdp.csv --column gdp --year 2019 --weights queen\n"
        "  geoaggl od --agglomerations national11 --out od.csv\n\n"
        "`geoaggl COMMAND --help` describes each command.",
    )
    parser.add_argument("--version", action="version", version=_version())
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser(
        "demo",
        help="maps and tables of the shipped data, offline",
        formatter_class=_Help,
        description="Write maps (HTML, Leaflet inlined), CSV tables and an index.html built offline from "
        "the shipped data: co-agglomeration levels and within-UA Gini published by Chen Xiuying "
        "and Wang Mengcui (Tables 1-2), road distance to central cities, road density, "
        "infrastructure integration, spatial checks and LISA.",
        epilog="example:\n  geoaggl demo --out geoaggl-demo --open",
    )
    p.add_argument("--out", default="geoaggl-demo", help="output folder (default: geoaggl-demo)")
    p.add_argument("--open", action="store_true", help="open index.html in a browser")
    p.add_argument("--quiet", action="store_true", help=_QUIET)

    p = sub.add_parser(
        "od",
        help="seat-to-seat road distance (km) or time (minutes) matrix",
        formatter_class=_Help,
        description="Write the matrix of shortest road distances (km) or times (minutes) between the seats "
        "of the prefecture-level cities, on the bundled major-road graph "
        "(OpenStreetMap-derived).",
        epilog="example:\n"
        "  geoaggl od --agglomerations national11 --weight travel_time --speed 90 --out od.csv",
    )
    p.add_argument(
        "--weight",
        choices=["length", "travel_time"],
        default="length",
        help="length = road km (default), travel_time = minutes (calibrated speeds, or --speed)",
    )
    p.add_argument(
        "--agglomerations",
        default=None,
        metavar="SCHEME",
        help="only the members of this urban-agglomeration scheme: national11, coagglomeration8, yreb5, all",
    )
    p.add_argument(
        "--scheme",
        dest="old_scheme",
        default=None,
        metavar="SCHEME",
        help="deprecated spelling of --agglomerations",
    )
    p.add_argument(
        "--speed",
        type=float,
        default=None,
        help="constant road speed in km/h for travel_time (default: the calibrated speed model)",
    )
    p.add_argument("--out", required=True, help="CSV file to write")
    p.add_argument("--quiet", action="store_true", help=_QUIET)

    from .maps import SCHEMES

    p = sub.add_parser(
        "map",
        help="choropleth of a column of your table",
        formatter_class=_Help,
        description="Join a column of your table to the prefecture-level cities (by adcode, or by Chinese or "
        "English name, former names included) and write its choropleth as one HTML file that "
        "opens offline.",
        epilog="examples:\n"
        "  geoaggl map gdp.csv --column gdp --year 2019 --classification naturalbreaks -k 6\n"
        "  geoaggl map 2-1.xls --column '年末户籍人口(万人)' --no-tiles --out population.html",
    )
    _table_args(p, "map")
    p.add_argument(
        "--classification",
        default="quantiles",
        metavar="SCHEME",
        help=f"classification scheme (default quantiles): {', '.join(SCHEMES)}, or none (continuous colours)",
    )
    p.add_argument(
        "--scheme",
        dest="old_scheme",
        default=None,
        metavar="SCHEME",
        help="deprecated spelling of --classification",
    )
    p.add_argument("-k", type=int, default=5, help="number of classes (default 5)")
    p.add_argument(
        "--outlines",
        default=None,
        metavar="SCHEME",
        help="outline the urban agglomerations of this scheme, e.g. national11",
    )
    p.add_argument("--no-tiles", action="store_true", help="no background map tiles (fully offline)")
    p.add_argument("--out", default="map.html", help="HTML file to write (default map.html)")
    p.add_argument("--quiet", action="store_true", help=_QUIET)

    p = sub.add_parser(
        "check",
        help="Moran's I, Geary's C and Getis-Ord G of a column of your table",
        formatter_class=_Help,
        description="Global spatial autocorrelation (Moran's I, Geary's C, Getis-Ord G, permutation "
        "p-values) of a column of your table on queen contiguity and on road "
        "6-nearest-neighbour weights; "
        "each row says on how many cities (n) it was computed.",
        epilog="example:\n"
        "  geoaggl check gdp.csv --column gdp --year 2019 --permutations 999 --out moran.csv",
    )
    _table_args(p, "test")
    p.add_argument(
        "--weights", action="append", choices=["queen", "road"], help="weights (repeatable; default both)"
    )
    p.add_argument(
        "--permutations",
        type=int,
        default=None,
        help="permutations for the p-values (default: geoaggl.settings.permutations, 999)",
    )
    p.add_argument("--seed", type=int, default=0, help="random seed of the permutations (default 0)")
    p.add_argument("--out", default=None, help="also write the table to this CSV")
    p.add_argument("--quiet", action="store_true", help="no progress")
    return parser


def _deprecated_flag(args: argparse.Namespace, new: str, default: Any) -> Any:
    """The value of a flag given under its old spelling ``--scheme`` (one warning line)."""
    old = getattr(args, "old_scheme", None)
    current = getattr(args, new)
    if old is None:
        return current
    warnings.warn(
        f"--scheme is deprecated in 'geoaggl {args.command}'; use --{new}",
        GeoagglDeprecationWarning,
        stacklevel=2,
    )
    if current != default and current != old:
        raise DataError(f"--scheme {old!r} and --{new} {current!r} disagree; give --{new} only")
    return old


def _run(args: argparse.Namespace) -> None:
    if args.command == "demo":
        demo(args.out, open_browser=args.open, quiet=args.quiet)
    elif args.command == "od":
        scheme = _deprecated_flag(args, "agglomerations", None)
        od(args.out, weight=args.weight, agglomerations=scheme, speed_kph=args.speed, quiet=args.quiet)
    elif args.command == "map":
        cls = _deprecated_flag(args, "classification", "quantiles")
        draw(
            args.table,
            args.column,
            out=args.out,
            year=args.year,
            classification=None if str(cls).lower() == "none" else cls,
            k=args.k,
            outlines=args.outlines,
            tiles=None if args.no_tiles else "OpenStreetMap",
            key=args.key,
            skip_unmatched=args.skip_unmatched,
            quiet=args.quiet,
        )
    elif args.command == "check":
        res = check(
            args.table,
            args.column,
            weights=tuple(args.weights or ("queen", "road")),
            year=args.year,
            permutations=args.permutations,
            seed=args.seed,
            key=args.key,
            skip_unmatched=args.skip_unmatched,
            quiet=args.quiet,
        )
        print(res.to_string(index=False))
        if args.out:
            out = _output_path(args.out)
            res.to_csv(out, index=False, encoding="utf-8")
            print(out.resolve())


def _message(exc: BaseException) -> str:
    if isinstance(exc, FileNotFoundError) and exc.filename is None and exc.args:
        return str(exc.args[0])
    if isinstance(exc, KeyError) and exc.args:
        return str(exc.args[0])
    return str(exc)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``geoaggl`` console script; returns the exit code.

    0 on success, 1 on an error (one ``geoaggl: error: ...`` line on standard error), 2 for a bad
    command line (argparse), 130 when interrupted with Ctrl-C.

    Parameters
    ----------
    argv : sequence of str, optional
        The command line without the program name (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        The exit code.

    References
    ----------
    Python Software Foundation. *argparse — Parser for command-line options, arguments and
    subcommands*. The Python Standard Library, https://docs.python.org/3/library/argparse.html

    Examples
    --------
    An error is one line on standard error and exit code 1:

    >>> from geoaggl.cli import main
    >>> main(["check", "no-such-table.csv", "--column", "gdp"])
    1
    """
    try:
        args = _build_parser().parse_args(argv)
    except SystemExit as exc:  # argparse: --help/--version (0) or a bad command line (2)
        return exc.code if isinstance(exc.code, int) else 2
    try:
        with _plain_warnings(sys.stderr):
            _run(args)
    except KeyboardInterrupt:
        lead = "\n" if getattr(sys.stderr, "isatty", lambda: False)() else ""  # end a progress bar
        sys.stderr.write(f"{lead}geoaggl: interrupted\n")
        return 130
    except (GeoagglError, OSError, ValueError, KeyError) as exc:
        sys.stderr.write(f"geoaggl: error: {_message(exc)}\n")
        return 1
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
