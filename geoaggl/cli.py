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

__all__ = ["check", "demo", "draw", "main", "od"]


def _progress(step: int, total: int, label: str, *, stream=sys.stderr) -> None:
    width = 24
    filled = int(width * step / total)
    stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {step}/{total} {label:<40}")
    if step == total:
        stream.write("\n")
    stream.flush()


def _save(fmap: object, path: Path) -> None:
    """Save a folium map with Leaflet inlined when the local copy is installed (works offline)."""
    from .maps import save_offline

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            save_offline(fmap, path)
    except FileNotFoundError:  # no local Leaflet: the page loads it from its CDN
        fmap.save(str(path))


def demo(out: str | Path = "geoaggl-demo", *, open_browser: bool = False, quiet: bool = False) -> Path:
    """Run the demo on the embedded data and return the path of ``index.html``.

    Offline, on the shipped data only, it writes into ``out``:

    (a) ``coagglomeration.html`` and ``gini_within.html``: seed 000's published
        co-agglomeration levels (Table 1) and within-UA Gini (Table 2) on the
        coagglomeration8 UA polygons, one layer per year;
    (b) ``road_access.html``: road km (and minutes, in the table) from every
        national11 member's seat to its nearest central city on the bundled road
        graph; ``road_density.html`` and ``integration.html``: seed 002's
        infrastructure-integration score of the yreb5 UAs from a real indicator,
        major-road density per prefecture;
    (c) ``spatial_checks.csv`` (Moran's I, Geary's C, Getis-Ord G of road density on
        queen contiguity and road 6-nearest-neighbour weights) and ``lisa.html``;
    plus ``prefectures.html`` (all units by kind with national11 outlines), the CSV
    tables behind every map and ``index.html`` linking them.
    """
    import pandas as pd

    from . import _demo, maps
    from .boundaries import agglomerations, prefectures

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    total = 9
    t0 = time.perf_counter()

    def step(i: int, label: str) -> None:
        if not quiet:
            _progress(i, total, label)

    step(0, "loading prefectures")
    prefs = prefectures()
    members = agglomerations("national11")
    prefs.drop(columns="geometry").to_csv(out / "prefectures.csv", encoding="utf-8")
    members.to_csv(out / "agglomerations_national11.csv", index=False, encoding="utf-8")
    kw = {"tiles": "OpenStreetMap"}
    _save(
        maps.choropleth(prefs, "kind", outlines="national11", name="Prefecture-level units", **kw),
        out / "prefectures.html",
    )

    step(1, "(a) published co-agglomeration")
    pub = _demo.published_on_polygons()
    pub = pub.rename(columns={"agglomeration": "name", "agglomeration_en": "name_en"}).set_index("name")
    pub.drop(columns="geometry").to_csv(out / "seed000_published_by_year.csv", encoding="utf-8")
    _save(
        maps.choropleth(
            pub,
            "coagglomeration",
            time="year",
            k=5,
            name="Co-agglomeration (seed 000 Table 1)",
            legend_kwds={"caption": "co-agglomeration level, published (seed 000 Table 1)"},
            **kw,
        ),
        out / "coagglomeration.html",
    )
    step(2, "(a) published within-UA Gini")
    _save(
        maps.choropleth(
            pub,
            "gini_within",
            time="year",
            k=5,
            name="Within-UA Gini (seed 000 Table 2)",
            legend_kwds={"caption": "within-UA Dagum Gini G_jj, published (seed 000 Table 2)"},
            **kw,
        ),
        out / "gini_within.html",
    )

    step(3, "(b) road distance to central cities")
    access = _demo.road_access(prefs)
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

    step(4, "(b) road density")
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

    step(5, "(b) infrastructure integration")
    integ = _demo.integration_from_density(prefs, density)
    integ = integ.rename_axis("name").rename(columns={"agglomeration_en": "name_en"})
    integ.drop(columns="geometry").to_csv(out / "integration_yreb5.csv", encoding="utf-8")
    _save(
        maps.integration_map(
            integ,
            "integration_infrastructure",
            k=min(5, len(integ)),
            legend_kwds={"caption": "infrastructure integration score (seed 002 method)"},
            **kw,
        ),
        out / "integration.html",
    )

    step(6, "(c) spatial checks")
    checks, lisa_gdf = _demo.spatial_tables(prefs, density)
    checks.to_csv(out / "spatial_checks.csv", index=False, encoding="utf-8")
    step(7, "(c) LISA map")
    lisa_gdf.drop(columns="geometry").to_csv(out / "lisa_road_density.csv", encoding="utf-8")
    _save(maps.lisa_map(lisa_gdf, lisa_gdf[["label"]], **kw), out / "lisa.html")

    step(8, "writing index")
    moran = checks[checks["statistic"] == "moran"].set_index("weights")
    rows = "".join(
        f"<tr><td>{html.escape(str(w))}</td><td>{r['value']:.3f}</td><td>{r['z']:.2f}</td>"
        f"<td>{r['p_sim']:.3f}</td></tr>"
        for w, r in moran.iterrows()
    )
    n_access = int(access["road_km_to_centre"].notna().sum())
    links = [
        ("prefectures.html", "All 367 prefecture-level units by kind, national11 agglomerations outlined"),
        (
            "coagglomeration.html",
            "(a) Co-agglomeration levels of 8 UAs, 2004-2018 (published, seed 000 Table 1)",
        ),
        ("gini_within.html", "(a) Within-UA Dagum Gini, 2004-2018 (published, seed 000 Table 2)"),
        ("road_access.html", f"(b) Road km to the nearest central city, {n_access} national11 members"),
        ("road_density.html", "(b) Major-road density per prefecture (bundled OpenStreetMap graph)"),
        (
            "integration.html",
            "(b) Infrastructure integration of the yreb5 UAs (seed 002 method, road density)",
        ),
        ("lisa.html", "(c) LISA clusters of road density (queen contiguity)"),
    ]
    tables = [
        "prefectures.csv", "agglomerations_national11.csv", "seed000_published_by_year.csv",
        "road_access.csv", "road_density.csv", "integration_yreb5.csv", "spatial_checks.csv",
        "lisa_road_density.csv",
    ]  # fmt: skip
    elapsed = time.perf_counter() - t0
    index = out / "index.html"
    index.write_text(
        "<!doctype html><meta charset='utf-8'><title>geoaggl demo</title>"
        "<style>body{font:15px sans-serif;max-width:60em;margin:2em auto}td,th{padding:2px 8px}</style>"
        "<h1>geoaggl demo</h1><h2>Maps</h2><ul>"
        + "".join(f"<li><a href='{f}'>{html.escape(t)}</a></li>" for f, t in links)
        + "</ul><h2>Moran's I of road density</h2><table><tr><th>weights</th><th>I</th><th>z</th>"
        + f"<th>p (999 permutations)</th></tr>{rows}</table><h2>Tables</h2><ul>"
        + "".join(f"<li><a href='{t}'>{t}</a></li>" for t in tables)
        + f"</ul><p>{len(prefs)} units; built offline from the shipped data in {elapsed:.1f} s.</p>",
        encoding="utf-8",
    )
    pd.DataFrame({"file": [f for f, _ in links] + tables}).to_csv(out / "files.csv", index=False)
    step(9, "done")
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


def draw(
    table_path: str | Path,
    column: str,
    *,
    out: str | Path = "map.html",
    year: int | None = None,
    scheme: str | None = "quantiles",
    k: int = 5,
    outlines: str | None = None,
    tiles: str | None = "OpenStreetMap",
) -> Path:
    """Attach a user's table (by adcode or Chinese name, harmonised) to the prefectures and map a column."""
    from . import maps

    gdf = _attached_column(table_path, column, year=year)
    title = f"{column} ({year})" if year is not None else str(column)
    fmap = maps.choropleth(
        gdf, column, scheme=scheme, k=k, outlines=outlines, tiles=tiles, legend_kwds={"caption": title}
    )
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    _save(fmap, out)
    n = int(gdf[column].notna().sum())
    print(f"wrote {out}: {column} for {n} of {len(gdf)} units")
    return out


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
    p_map = sub.add_parser("map", help="choropleth of a column of your table (by adcode or Chinese name)")
    p_map.add_argument("table", help="CSV with an adcode (or Chinese name) column and the value column")
    p_map.add_argument("--column", required=True, help="the numeric column to map")
    p_map.add_argument("--year", type=int, default=None, help="year, if the table has a year column")
    p_map.add_argument("--scheme", default="quantiles", help="mapclassify scheme (default quantiles)")
    p_map.add_argument("-k", type=int, default=5, help="number of classes (default 5)")
    p_map.add_argument("--outlines", default=None, help="agglomeration scheme to outline, e.g. national11")
    p_map.add_argument("--no-tiles", action="store_true", help="draw without a tile layer (offline)")
    p_map.add_argument("--out", default="map.html", help="HTML file to write (default map.html)")
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
        elif args.command == "map":
            draw(
                args.table,
                args.column,
                out=args.out,
                year=args.year,
                scheme=args.scheme,
                k=args.k,
                outlines=args.outlines,
                tiles=None if args.no_tiles else "OpenStreetMap",
            )
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
