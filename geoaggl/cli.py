"""The ``geoaggl`` command line.

``geoaggl demo [--out DIR] [--open]`` runs the main job offline on the shipped
data: it writes an HTML map of every mainland prefecture-level unit with the
urban agglomerations of the national11 scheme outlined, plus CSV tables of the
units and of UA membership, and an ``index.html`` linking them.
"""

from __future__ import annotations

import argparse
import html
import sys
import time
import warnings
import webbrowser
from collections.abc import Sequence
from pathlib import Path

import numpy as np

__all__ = ["check", "demo", "main", "od"]


def _progress(step: int, total: int, label: str, *, stream=sys.stderr) -> None:
    width = 24
    filled = int(width * step / total)
    stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {step}/{total} {label:<40}")
    if step == total:
        stream.write("\n")
    stream.flush()


def demo(out: str | Path = "geoaggl-demo", *, open_browser: bool = False, quiet: bool = False) -> Path:
    """Run the demo on the embedded data and return the path of ``index.html``.

    Writes into ``out``: ``prefectures.html`` (a Folium map of all mainland
    units coloured by kind, national11 UAs outlined, tooltips with Chinese and
    English names), ``prefectures.csv`` (unit attributes and seats, WGS84),
    ``agglomerations_national11.csv`` (membership with central cities) and
    ``index.html``.  Needs no network; the HTML loads Leaflet from its CDN when
    opened.
    """
    import folium

    from .boundaries import agglomeration_polygons, agglomerations, prefectures

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    total = 5

    def step(i: int, label: str) -> None:
        if not quiet:
            _progress(i, total, label)

    t0 = time.perf_counter()
    step(0, "loading prefectures")
    prefs = prefectures()
    step(1, "loading agglomerations")
    members = agglomerations("national11")
    ua_polys = agglomeration_polygons("national11")
    prefs.drop(columns="geometry").to_csv(out / "prefectures.csv", encoding="utf-8")
    members.to_csv(out / "agglomerations_national11.csv", index=False, encoding="utf-8")

    step(2, "drawing prefecture map")
    palette = {
        "municipality": "#d7301f",
        "prefecture-level city": "#fdbb84",
        "prefecture": "#9ebcda",
        "autonomous prefecture": "#8c96c6",
        "league": "#88419d",
        "province-administered county-level unit": "#41ae76",
    }
    layer = prefs.reset_index()[["adcode", "name", "name_en", "province", "kind", "geometry"]].copy()
    for col in ["name", "name_en", "province", "kind"]:
        layer[col] = layer[col].map(lambda s: html.escape(str(s)))
    fmap = folium.Map(location=[35.0, 105.0], zoom_start=4, tiles="OpenStreetMap")
    folium.GeoJson(
        layer,
        name="Prefecture-level units (367)",
        style_function=lambda f: {
            "fillColor": palette.get(html.unescape(f["properties"]["kind"]), "#cccccc"),
            "color": "#555555",
            "weight": 0.4,
            "fillOpacity": 0.6,
        },
        tooltip=folium.GeoJsonTooltip(
            fields=["name", "name_en", "adcode", "province", "kind"],
            aliases=["名称", "Name", "adcode", "Province", "Kind"],
        ),
    ).add_to(fmap)
    step(3, "outlining agglomerations")
    outlines = ua_polys.reset_index()[["agglomeration", "agglomeration_en", "n_members", "geometry"]].copy()
    folium.GeoJson(
        outlines,
        name="Urban agglomerations (national11)",
        style_function=lambda f: {"fill": False, "color": "#08306b", "weight": 2.0},
        tooltip=folium.GeoJsonTooltip(fields=["agglomeration", "agglomeration_en", "n_members"]),
    ).add_to(fmap)
    legend = "".join(
        f'<div><span style="background:{c};display:inline-block;width:12px;height:12px;'
        f'margin-right:4px"></span>{html.escape(k)}</div>'
        for k, c in palette.items()
    )
    fmap.get_root().html.add_child(
        folium.Element(
            '<div style="position:fixed;bottom:24px;left:12px;z-index:9999;background:white;'
            f'padding:6px;font:12px sans-serif;border:1px solid #999">{legend}</div>'
        )
    )
    folium.LayerControl().add_to(fmap)
    fmap.save(str(out / "prefectures.html"))

    step(4, "writing index")
    elapsed = time.perf_counter() - t0
    index = out / "index.html"
    index.write_text(
        "<!doctype html><meta charset='utf-8'><title>geoaggl demo</title>"
        "<h1>geoaggl demo</h1><ul>"
        "<li><a href='prefectures.html'>Map: prefecture-level units and national11 agglomerations</a></li>"
        "<li><a href='prefectures.csv'>prefectures.csv</a> (adcode, names, kind, WGS84 seats)</li>"
        "<li><a href='agglomerations_national11.csv'>agglomerations_national11.csv</a></li>"
        f"</ul><p>{len(prefs)} units, {members['agglomeration'].nunique()} agglomerations; "
        f"built in {elapsed:.1f} s from the shipped data.</p>",
        encoding="utf-8",
    )
    step(5, "done")
    if not quiet:
        print(f"wrote {index}")
    if open_browser:  # pragma: no cover - interactive
        webbrowser.open(index.resolve().as_uri())
    return index


def od(
    out: str | Path,
    *,
    weight: str = "length",
    scheme: str | None = None,
    speed_kph: float = 80.0,
) -> Path:
    """Write the seat-to-seat road matrix (km or minutes) of all mainland units or of a scheme's members."""
    from .boundaries import agglomerations, prefectures
    from .roads import china_highways, od_matrix

    if weight not in ("length", "travel_time"):
        raise ValueError(f"--weight must be 'length' or 'travel_time', got {weight!r}")
    units = prefectures()
    if scheme is not None:
        members = agglomerations(scheme)
        units = units[units.index.isin(members["adcode"])]
    G = china_highways(speed_kph=speed_kph)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # unreachable units are inf and listed below
        matrix = od_matrix(G, units, weight=weight)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    matrix.to_csv(out, encoding="utf-8", float_format="%.3f")
    reached = np.isfinite(matrix.to_numpy()).sum(axis=1)  # the unit itself is always 0
    names = units["name"]
    unreachable = [f"{a} {names[a]}" for a, r in zip(matrix.index, reached, strict=True) if r <= 1]
    unit = "km" if weight == "length" else "minutes"
    print(f"wrote {out}: {matrix.shape[0]} x {matrix.shape[1]} road {unit}")
    if unreachable:
        print(f"unreachable (inf): {', '.join(unreachable)}")
    return out


def _read_table(path: str | Path, *, key: str | None = None) -> tuple[object, str]:
    """Read a user CSV (UTF-8 or GBK); return the frame and the key column (adcode or names)."""
    import pandas as pd

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no such file: {path}")
    for enc in ("utf-8-sig", "gb18030"):
        try:
            table = pd.read_csv(path, dtype=str, encoding=enc)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte string
        raise ValueError(f"{path}: neither UTF-8 nor GBK text")
    if key is None:
        for cand in ("adcode", "code", "name", "city", "城市", "地区", "名称"):
            if cand in table.columns:
                key = cand
                break
        else:
            key = str(table.columns[0])
    if key not in table.columns:
        raise KeyError(f"{path}: no key column {key!r}; columns are {list(table.columns)}")
    return table, key


def _attached_column(
    table_path: str | Path, column: str, *, year: int | None = None, key: str | None = None
) -> object:
    """The user's column joined onto the mainland prefectures (a GeoDataFrame), for one year."""
    import pandas as pd

    from .boundaries import prefectures
    from .names import attach

    table, key = _read_table(table_path, key=key)
    if column not in table.columns:
        raise KeyError(f"{table_path}: no column {column!r}; columns are {list(table.columns)}")
    if "year" in table.columns:
        if year is None:
            years = sorted(table["year"].dropna().unique())
            if len(years) > 1:
                raise ValueError(f"{table_path} has several years {years}: choose one with --year")
        else:
            table = table[table["year"].astype(float) == float(year)]
            if table.empty:
                raise ValueError(f"{table_path}: no rows for year {year}")
        table = table.drop(columns="year")
    values = pd.to_numeric(table[column].str.replace(",", "", regex=False), errors="coerce")
    bad = table.loc[values.isna() & table[column].notna(), key].tolist()
    if bad:
        raise ValueError(f"{table_path}: non-numeric {column!r} for {bad[:20]}")
    small = pd.DataFrame({key: table[key], column: values})
    return attach(prefectures(), small, on=key, errors="raise")


def check(
    table_path: str | Path,
    column: str,
    *,
    weights: Sequence[str] = ("queen", "road"),
    year: int | None = None,
    permutations: int = 999,
    seed: int | None = 0,
) -> object:
    """Spatial autocorrelation of a user's column on queen and/or road-distance weights."""
    from .spatial import check as _check

    gdf = _attached_column(table_path, column, year=year)
    data = gdf[[column]].dropna()
    unknown = sorted(set(weights) - {"queen", "road"})
    if unknown:
        raise ValueError(f"unknown weights {unknown}: choose from ['queen', 'road']")
    graphs = {}
    sub = gdf.loc[data.index]
    if "queen" in weights:
        from .weights import contiguity

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            graphs["queen"] = contiguity(sub, islands="nearest")
    if "road" in weights:
        from .roads import china_highways, od_matrix
        from .weights import from_od

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            od = od_matrix(china_highways(), sub, weight="length")
            reach = np.isfinite(od.to_numpy()).sum(axis=1) > 1
            od = od.loc[reach, reach]
            graphs["road"] = from_od(od, kind="knn", k=6)
        data = data.loc[od.index] if "queen" not in weights else data
    if "queen" in graphs and "road" in graphs:
        common = graphs["road"].unique_ids
        graphs["queen"] = graphs["queen"].subgraph(common)
        data = data.loc[common]
    return _check(data, graphs, columns=[column], permutations=permutations, seed=seed)


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="geoaggl", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p_demo = sub.add_parser("demo", help="run the offline demo on the shipped data")
    p_demo.add_argument("--out", default="geoaggl-demo", help="output folder (default: geoaggl-demo)")
    p_demo.add_argument("--open", action="store_true", help="open index.html in a browser")
    p_demo.add_argument("--quiet", action="store_true", help="no progress bar")
    p_od = sub.add_parser("od", help="seat-to-seat road distance (km) or time (minutes) matrix")
    p_od.add_argument("--weight", choices=["length", "travel_time"], default="length")
    p_od.add_argument("--scheme", default=None, help="only members of this agglomeration scheme")
    p_od.add_argument("--speed", type=float, default=80.0, help="road speed in km/h (default 80)")
    p_od.add_argument("--out", required=True, help="CSV file to write")
    p_check = sub.add_parser("check", help="Moran's I, Geary's C and Getis-Ord G of a column of your table")
    p_check.add_argument("table", help="CSV with an adcode (or Chinese name) column and the value column")
    p_check.add_argument("--column", required=True, help="the numeric column to test")
    p_check.add_argument(
        "--year", type=int, default=None, help="year to use when the table has a year column"
    )
    p_check.add_argument(
        "--weights", action="append", choices=["queen", "road"], help="weights (repeatable; default both)"
    )
    p_check.add_argument("--permutations", type=int, default=999)
    p_check.add_argument("--seed", type=int, default=0)
    p_check.add_argument("--out", default=None, help="also write the table to this CSV")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``geoaggl`` console script; returns the exit code."""
    args = _build_parser().parse_args(argv)
    try:
        if args.command == "demo":
            demo(args.out, open_browser=args.open, quiet=args.quiet)
        elif args.command == "od":
            od(args.out, weight=args.weight, scheme=args.scheme, speed_kph=args.speed)
        elif args.command == "check":
            res = check(
                args.table,
                args.column,
                weights=tuple(args.weights or ("queen", "road")),
                year=args.year,
                permutations=args.permutations,
                seed=args.seed,
            )
            print(res.to_string(index=False))
            if args.out:
                res.to_csv(args.out, index=False, encoding="utf-8")
    except (OSError, ValueError, KeyError) as exc:
        print(f"geoaggl: error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
