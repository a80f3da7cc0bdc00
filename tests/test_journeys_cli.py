"""A researcher's path through the command line on shipped data with default arguments (issue 9)."""

from __future__ import annotations

import re

import pandas as pd

import geoaggl
from geoaggl.cli import main

CDN = ("cdn.jsdelivr", "unpkg", "cdnjs", "code.jquery")


def test_synthetic_yearbook_by_name_and_year_to_an_offline_map(tmp_path, capsys):
    """datasets.synthetic_yearbook -> CSV keyed by Chinese name, several years -> geoaggl map --year."""
    yb = geoaggl.datasets.synthetic_yearbook(seed=0)
    table = yb[["name", "year", "合计"]].rename(columns={"name": "城市", "合计": "employment"})
    table.insert(0, "序号", range(1, len(table) + 1))  # a leading running number must not be the key
    path = tmp_path / "employment.csv"
    table.to_csv(path, index=False, encoding="gb18030")
    year = int(table["year"].max())
    out = tmp_path / "employment.html"
    assert main(["map", str(path), "--column", "employment", "--year", str(year), "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert captured.out.strip().splitlines()[-1] == str(out.resolve())
    n = table.loc[table["year"] == year, "城市"].nunique()
    assert f"employment for {n} of 367" in captured.out
    page = out.read_text(encoding="utf-8")
    assert not any(c in page for c in CDN)
    assert not re.search(r"<script[^>]+src=\"https?://", page)
    assert f"employment ({year})" in page  # the legend caption names the year chosen


def test_map_then_check_on_the_same_table(tmp_path, capsys):
    p = geoaggl.prefectures()
    path = tmp_path / "lat.tsv"
    pd.DataFrame({"adcode": [float(a) for a in p.index], "lat": p["seat_lat"].to_numpy()}).to_csv(
        path, sep="\t", index=False
    )  # adcodes as floats (110100.0), as a spreadsheet exports them
    assert main(["map", str(path), "--column", "lat", "--no-tiles", "--out", str(tmp_path / "m.html")]) == 0
    assert "lat for 367 of 367" in capsys.readouterr().out
    assert main(["check", str(path), "--column", "lat", "--weights", "queen", "--permutations", "99"]) == 0
    out = capsys.readouterr().out
    assert "moran" in out and "367" in out
