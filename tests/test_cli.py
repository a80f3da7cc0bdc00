"""The geoaggl command line and the offline demo (issue 9, item 5)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import geoaggl
from geoaggl import cli
from geoaggl.cli import main

REPO = Path(__file__).resolve().parents[1]


def _last_line(text: str) -> str:
    return text.strip().splitlines()[-1]


def _warning_lines(err: str) -> list[str]:
    return [ln for ln in err.splitlines() if ln.startswith("warning:")]


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory, monkeypatch):
    """The commands read and write a private on-disk cache, never the user's."""
    monkeypatch.setattr(geoaggl.settings, "cache_dir", tmp_path_factory.mktemp("cache"))
    monkeypatch.setattr(geoaggl.settings, "use_cache", True)


def test_demo_writes_maps_and_tables(tmp_path, capsys):
    out = tmp_path / "demo"
    assert main(["demo", "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert _last_line(captured.out) == str((out / "index.html").resolve())
    assert "\r" not in captured.err  # not a terminal: plain step lines, no bar frames
    assert "geoaggl: [1/8]" in captured.err and "geoaggl: [8/8]" in captured.err
    index = (out / "index.html").read_text(encoding="utf-8")
    files = pd.read_csv(out / "files.csv")["file"].tolist()
    expected = [
        "prefectures.html", "coagglomeration.html", "gini_within.html", "road_access.html",
        "road_density.html", "integration.html", "lisa.html", "spatial_checks.csv", "road_access.csv",
        "chen_wang_published_by_year.csv",
    ]  # fmt: skip
    for name in expected:
        assert name in files and f"href='{name}'" in index
        assert (out / name).stat().st_size > 100
    # citations, not internal labels, in everything a user reads
    assert "Chen Xiuying and Wang Mengcui" in index and "References" in index
    for name in ("index.html", "coagglomeration.html", "gini_within.html", "integration.html"):
        text = (out / name).read_text(encoding="utf-8").lower()
        assert "seed 00" not in text and "methods §" not in text, name
    coagg = (out / "coagglomeration.html").read_text(encoding="utf-8")
    assert "Wang, Table 1" in coagg and "Chen " in coagg  # legend and layer name cite the paper
    # the national map: one feature per mainland unit, each with its tooltip, under 3 MB, no CDN
    html = (out / "prefectures.html").read_text(encoding="utf-8")
    assert html.count('"type":"Feature","properties":{"s":') >= 367
    assert "北京市" in html and "Beijing" in html and "cdn.jsdelivr" not in html
    assert (out / "prefectures.html").stat().st_size < 3_000_000
    # (a) the published levels are the paper's numbers, 8 UAs x 15 years
    pub = pd.read_csv(out / "chen_wang_published_by_year.csv")
    assert len(pub) == 120 and pub["coagglomeration"].between(1.98, 3.44).all()
    # (b) road distance: centres 0, members positive, Tangshan -> Tianjin ~ 120 km by road
    acc = pd.read_csv(out / "road_access.csv", dtype={"adcode": str, "centre": str}).set_index("adcode")
    assert acc.loc["110100", "road_km_to_centre"] == 0.0
    assert acc.loc["130200", "centre"] == "120100"
    assert 90 < acc.loc["130200", "road_km_to_centre"] < 160
    integ = pd.read_csv(out / "integration_yreb5.csv")
    assert len(integ) == 5 and integ["integration_infrastructure"].between(0, 100).all()
    # (c) spatial checks on two weights, each on the units it covers; road density is strongly clustered
    checks = pd.read_csv(out / "spatial_checks.csv")
    moran = checks[checks["statistic"] == "moran"].set_index("weights")
    assert set(moran.index) == {"queen", "road_knn6"}
    assert moran.loc["queen", "n"] == 367 and moran.loc["road_knn6", "n"] == 366  # 三沙 has no road
    assert (moran["value"] > 0.3).all() and (moran["p_sim"] <= 0.01).all()
    lisa = pd.read_csv(out / "lisa_road_density.csv")
    assert set(lisa["label"]) <= {"HH", "LL", "LH", "HL", "not significant", "missing"}
    assert (lisa["label"] == "HH").sum() > 0
    # a second run is served by the on-disk cache: the same files, byte for byte
    again = tmp_path / "again"
    assert main(["demo", "--out", str(again)]) == 0
    assert "from the cache" in capsys.readouterr().out
    for name in [*files, "index.html"]:
        assert (again / name).read_bytes() == (out / name).read_bytes(), name
    geoaggl.settings.use_cache = False  # switched off: computed again (the fixture restores it)
    third = tmp_path / "third"
    assert main(["demo", "--out", str(third), "--quiet"]) == 0
    assert (third / "road_access.csv").read_bytes() == (out / "road_access.csv").read_bytes()


def test_help_describes_every_command_with_an_example(capsys):
    assert main(["--help"]) == 0
    top = capsys.readouterr().out
    assert "The ``geoaggl`` command line." not in top and "``" not in top
    assert "prefecture-level cities" in top and "examples:" in top
    for command in ("demo", "map", "check", "od"):
        assert command in top
        assert main([command, "--help"]) == 0
        text = capsys.readouterr().out
        assert "example" in text and f"geoaggl {command}" in text.split("example")[-1], command
        assert "seed 00" not in text.lower() and "methods §" not in text.lower()
    assert main(["nonsense"]) == 2


def test_version(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"geoaggl {geoaggl.__version__}"


def test_od_command_writes_road_matrix(tmp_path, capsys):
    out = tmp_path / "od.csv"
    assert main(["od", "--agglomerations", "national11", "--weight", "length", "--out", str(out)]) == 0
    od = pd.read_csv(out, index_col=0, dtype={"adcode": str})
    od.columns = od.columns.astype(str)
    assert od.shape == (174, 174)  # national11's 174 units, Hong Kong and Macao included (on the graph)
    assert 20 < od.loc["810000", "440300"] < 60  # Hong Kong - Shenzhen over a border crossing
    assert od.loc["110100", "110100"] == 0.0
    assert 110 < od.loc["110100", "120100"] < 150  # Beijing-Tianjin by road: ~120-140 km
    assert od.loc["110100", "120100"] == od.loc["120100", "110100"]
    captured = capsys.readouterr()
    assert "road km" in captured.out
    assert _last_line(captured.out) == str(out.resolve())
    assert not _warning_lines(captured.err)  # nobody is left out


def test_od_deprecated_scheme_flag_still_works(tmp_path, capsys):
    out = tmp_path / "od.csv"
    assert main(["od", "--scheme", "yreb5", "--out", str(out), "--quiet"]) == 0
    captured = capsys.readouterr()
    assert _warning_lines(captured.err)[0] == (
        "warning: --scheme is deprecated in 'geoaggl od'; use --agglomerations"
    )
    assert _last_line(captured.out) == str(out.resolve())
    assert "geoaggl: [" not in captured.err  # --quiet: no progress
    assert pd.read_csv(out, index_col=0).shape[0] > 50


def test_od_command_rejects_bad_scheme(tmp_path, capsys):
    assert main(["od", "--agglomerations", "nope", "--out", str(tmp_path / "x.csv")]) == 1
    err = capsys.readouterr().err
    assert "national11" in err and err.count("geoaggl: error:") == 1
    assert not (tmp_path / "x.csv").exists()


def _table(tmp_path, encoding="utf-8", sep=",", name="t.csv", first_col=True):
    p = geoaggl.prefectures()
    # a north-south gradient: strongly positively autocorrelated by construction
    df = pd.DataFrame(
        {
            "序号": range(1, len(p) + 1),
            "城市": p["name"].to_numpy(),
            "year": 2015,
            "v": (p["seat_lat"] * 2).round(3).to_numpy(),
        }
    )
    if not first_col:
        df = df.drop(columns="序号")
    path = tmp_path / name
    df.to_csv(path, index=False, encoding=encoding, sep=sep)
    return path


def test_check_command_on_names_table(tmp_path, capsys):
    path = _table(tmp_path, encoding="gb18030")
    out = tmp_path / "res.csv"
    assert main(["check", str(path), "--column", "v", "--permutations", "49", "--out", str(out)]) == 0
    res = pd.read_csv(out)
    assert set(res["weights"]) == {"queen", "road"}
    moran = res[res["statistic"] == "moran"].set_index("weights")
    assert (moran["value"] > 0.8).all()  # latitude is smooth in space
    # each graph on the cities it covers: 三沙 is left out of the road test only, and said so
    assert moran.loc["queen", "n"] == 367 and moran.loc["road", "n"] == 366
    captured = capsys.readouterr()
    assert any("'三沙市' has no road" in ln for ln in _warning_lines(captured.err))
    assert _last_line(captured.out) == str(out.resolve())


def test_check_command_errors(tmp_path, capsys):
    path = _table(tmp_path)
    assert main(["check", str(path), "--column", "nope"]) == 1
    err = capsys.readouterr().err
    assert "no column 'nope'" in err and "'城市'" in err  # lists the columns
    bad = tmp_path / "bad.csv"
    bad.write_text("城市,v\n北京市,1\n火星市,2\n", encoding="utf-8")
    assert main(["check", str(bad), "--column", "v"]) == 1
    err = capsys.readouterr().err
    assert "火星市" in err and "bad.csv" in err and "--skip-unmatched" in err
    assert "gdf" not in err and "crosswalk" not in err  # the user's words
    assert main(["check", str(tmp_path / "missing.csv"), "--column", "v"]) == 1
    assert "no such file" in capsys.readouterr().err
    typo = tmp_path / "typo.csv"
    typo.write_text("城市,v\n北京市,1\n杭洲,2\n", encoding="utf-8")
    assert main(["check", str(typo), "--column", "v"]) == 1
    assert "'杭洲': did you mean 330100 杭州市" in capsys.readouterr().err  # the API's suggestion


def test_rows_without_a_value_are_named_not_dropped_silently(tmp_path, capsys):
    path = tmp_path / "gaps.csv"
    p = geoaggl.prefectures()
    df = pd.DataFrame({"adcode": p.index, "v": (p["seat_lat"] * 2).to_numpy()})
    df.loc[df["adcode"].isin(["130200", "130400"]), "v"] = None
    df.to_csv(path, index=False)
    assert main(["check", str(path), "--column", "v", "--weights", "queen", "--permutations", "0"]) == 0
    captured = capsys.readouterr()
    (line,) = [ln for ln in _warning_lines(captured.err) if "no value" in ln]
    assert "2 row(s)" in line and "'130200', '130400'" in line
    assert "365" in captured.out  # n of the tests


def test_map_command(tmp_path, capsys):
    path = _table(tmp_path)
    out = tmp_path / "m.html"
    rc = main(["map", str(path), "--column", "v", "--year", "2015", "--outlines", "national11", "--no-tiles",
               "--out", str(out)])  # fmt: skip
    assert rc == 0
    html = out.read_text(encoding="utf-8")
    assert html.count('"type":"Feature","properties":{"s":') >= 367
    assert "tile.openstreetmap.org" not in html and "cdn.jsdelivr" not in html  # offline page
    captured = capsys.readouterr()
    assert "v for 367 of 367" in captured.out
    assert _last_line(captured.out) == str(out.resolve())
    assert main(["map", str(path), "--column", "v", "--year", "1999", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "no rows for year 1999" in err and "2015" in err


def test_key_is_detected_by_name_not_position(tmp_path, capsys, monkeypatch):
    """Issue 9: the first column (序号) was silently the key."""
    seen = {}
    real = geoaggl.maps.choropleth

    def spy(gdf, column, **kw):
        seen["gdf"] = gdf
        seen.update(kw)
        return real(gdf, column, **kw)

    monkeypatch.setattr(geoaggl.maps, "choropleth", spy)
    path = _table(tmp_path)  # columns 序号, 城市, year, v
    assert main(["map", str(path), "--column", "v", "--no-tiles", "--out", str(tmp_path / "m.html")]) == 0
    g = seen["gdf"]
    lat = geoaggl.prefectures().loc["110100", "seat_lat"]
    assert g.loc["110100", "v"] == pytest.approx(round(lat * 2, 3))
    # no recognisable key column: an error listing the columns, then --key
    df = pd.DataFrame({"序号": [1, 2], "市": ["北京市", "天津市"], "v": [1.0, 2.0]})
    odd = tmp_path / "odd.csv"
    df.to_csv(odd, index=False)
    assert main(["map", str(odd), "--column", "v", "--out", str(tmp_path / "o.html")]) == 1
    err = capsys.readouterr().err
    assert "--key" in err and "'市'" in err and "'序号'" in err
    assert main(["map", str(odd), "--column", "v", "--key", "市", "--no-tiles",
                 "--out", str(tmp_path / "o.html")]) == 0  # fmt: skip
    assert seen["gdf"]["v"].notna().sum() == 2
    assert main(["map", str(odd), "--column", "v", "--key", "nope", "--out", str(tmp_path / "o.html")]) == 1
    assert "no column 'nope' (--key)" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("name", "sep", "encoding"),
    [
        ("t.csv", ";", "utf-8"),
        ("t.tsv", "\t", "gb18030"),
        ("t.txt", "|", "utf-8-sig"),
        ("t.csv", "\t", "utf-16"),
    ],
)
def test_delimiter_is_sniffed(tmp_path, capsys, name, sep, encoding):
    path = _table(tmp_path, sep=sep, name=name, encoding=encoding)
    out = tmp_path / "m.html"
    assert main(["map", str(path), "--column", "v", "--no-tiles", "--out", str(out), "--quiet"]) == 0
    assert _last_line(capsys.readouterr().out) == str(out.resolve())


def test_xlsx_is_read_as_a_yearbook(tmp_path, capsys):
    """Issue 9: .xlsx was refused as 'neither UTF-8 nor GBK text'."""
    sys.path.insert(0, str(Path(__file__).parent))
    from fixtures_yearbook import write_xlsx

    path = write_xlsx(tmp_path / "2-1.xlsx")
    out = tmp_path / "pop.html"
    args = ["map", str(path), "--column", "年末总人口(万人)", "--no-tiles", "--out", str(out)]
    assert main(args) == 1  # 火星市 matches no city
    err = capsys.readouterr().err
    assert "火星市" in err and "2-1.xlsx" in err and "--skip-unmatched" in err
    assert main([*args, "--skip-unmatched"]) == 0
    captured = capsys.readouterr()
    assert [ln for ln in _warning_lines(captured.err) if "火星市" in ln] == [
        f"warning: {path}: 1 city name(s) match no prefecture-level city and are left out: '火星市'"
    ]
    assert "年末总人口(万人) for 3 of 367" in captured.out  # 北京, 石家庄 and 襄樊 (襄阳); 唐山 is blank


def test_empty_and_header_only_files(tmp_path, capsys):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert main(["map", str(empty), "--column", "v"]) == 1
    assert f"{empty} is empty" in capsys.readouterr().err
    head = tmp_path / "head.csv"
    head.write_text("城市,v\n", encoding="utf-8")
    assert main(["map", str(head), "--column", "v"]) == 1
    assert "head.csv has a header but no rows" in capsys.readouterr().err
    odd = tmp_path / "t.json"
    odd.write_text("{}", encoding="utf-8")
    assert main(["map", str(odd), "--column", "v"]) == 1
    assert "unsupported file type '.json'" in capsys.readouterr().err


def test_year_on_a_table_without_years_is_an_error(tmp_path, capsys):
    """Issue 9: --year 2020 on a table without years labelled the legend '(2020)'."""
    path = tmp_path / "t.csv"
    path.write_text("城市,v\n北京市,1\n天津市,2\n", encoding="utf-8")
    out = tmp_path / "m.html"
    assert main(["map", str(path), "--column", "v", "--year", "2020", "--out", str(out)]) == 1
    assert "has no year column" in capsys.readouterr().err
    assert not out.exists()
    several = _table(tmp_path)
    pd.concat([pd.read_csv(several), pd.read_csv(several).assign(year=2016)]).to_csv(several, index=False)
    assert main(["map", str(several), "--column", "v", "--out", str(out)]) == 1
    assert "several years 2015, 2016: choose one with --year" in capsys.readouterr().err


def test_k_larger_than_distinct_values_is_clamped_with_a_warning(tmp_path, capsys, monkeypatch):
    """Issue 9: -k 50 on 19 values silently gave empty classes."""
    seen = {}
    real = geoaggl.maps.choropleth

    def spy(gdf, column, **kw):
        seen.update(kw)
        return real(gdf, column, **kw)

    monkeypatch.setattr(geoaggl.maps, "choropleth", spy)
    small = tmp_path / "small.csv"
    p = geoaggl.prefectures().iloc[:19]
    pd.DataFrame({"adcode": p.index, "v": range(19)}).to_csv(small, index=False)
    assert main(["map", str(small), "--column", "v", "-k", "50", "--no-tiles",
                 "--out", str(tmp_path / "m.html")]) == 0  # fmt: skip
    assert seen["k"] == 19
    assert _warning_lines(capsys.readouterr().err) == [
        "warning: -k 50 is more than the 19 distinct values of column 'v': drawing 19 classes"
    ]
    assert main(["map", str(small), "--column", "v", "-k", "0", "--out", str(tmp_path / "m.html")]) == 1
    assert "-k must be" in capsys.readouterr().err


def test_classification_flag_and_deprecated_alias(tmp_path, capsys, monkeypatch):
    seen = {}
    real = geoaggl.maps.choropleth

    def spy(gdf, column, **kw):
        seen.update(kw)
        return real(gdf, column, **kw)

    monkeypatch.setattr(geoaggl.maps, "choropleth", spy)
    path = _table(tmp_path)
    base = ["map", str(path), "--column", "v", "--no-tiles", "--out", str(tmp_path / "m.html")]
    assert main([*base, "--classification", "equal_interval"]) == 0
    assert seen["scheme"] == "equal_interval" and not _warning_lines(capsys.readouterr().err)
    assert main([*base, "--classification", "none"]) == 0
    assert seen["scheme"] is None
    capsys.readouterr()
    assert main([*base, "--scheme", "naturalbreaks"]) == 0
    assert seen["scheme"] == "naturalbreaks"
    assert _warning_lines(capsys.readouterr().err) == [
        "warning: --scheme is deprecated in 'geoaggl map'; use --classification"
    ]
    assert main([*base, "--classification", "bogus"]) == 1
    assert "unknown classification scheme 'bogus'" in capsys.readouterr().err
    with pytest.warns(geoaggl.errors.GeoagglDeprecationWarning, match="classification"):
        cli.draw(path, "v", scheme="quantiles", tiles=None, out=tmp_path / "d.html", quiet=True)


def test_warnings_printed_once_as_plain_lines(tmp_path, capsys):
    import warnings

    def noisy(args):
        for _ in range(2):
            warnings.warn("the same thing", geoaggl.errors.DataWarning, stacklevel=1)
        warnings.warn("old libpysal API", DeprecationWarning, stacklevel=1)

    orig = cli._run
    cli._run = noisy
    try:
        assert main(["demo"]) == 0
    finally:
        cli._run = orig
    err = capsys.readouterr().err
    assert err == "warning: the same thing\n"  # once, no category, no file, no source line


def test_ctrl_c_exits_130_with_one_line(capsys, monkeypatch):
    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "_run", interrupted)
    assert main(["demo"]) == 130
    captured = capsys.readouterr()
    assert captured.err == "geoaggl: interrupted\n" and captured.out == ""


class _TTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_only_on_a_terminal():
    tty, log = _TTY(), io.StringIO()
    for stream in (tty, log):
        rep = cli._Reporter(2, stream=stream)
        rep.step("first")
        rep.step("road km between 3 city seats")
        for done in range(1, 101):
            rep.progress(done, 100)
        rep.done()
    assert "\r[" in tty.getvalue() and " 100%" in tty.getvalue()
    lines = log.getvalue().splitlines()
    assert "\r" not in log.getvalue()
    assert lines == [
        "geoaggl: [1/2] first",
        "geoaggl: [2/2] road km between 3 city seats",
        "geoaggl: [2/2] road km between 3 city seats: 25% (25/100)",
        "geoaggl: [2/2] road km between 3 city seats: 50% (50/100)",
        "geoaggl: [2/2] road km between 3 city seats: 75% (75/100)",
        "geoaggl: [2/2] road km between 3 city seats: 100% (100/100)",
    ]


def test_od_uses_the_progress_callback_when_available(tmp_path, capsys, monkeypatch):
    import geoaggl.roads as roads

    calls = []

    def with_progress(G, points, *, weight="length", targets=None, max_snap_km=30.0, progress=None):
        calls.append(progress is not None)
        ids = list(points.index)
        if progress is not None:
            progress(1, 2)
            progress(2, 2)
        return pd.DataFrame(0.0, index=pd.Index(ids, name="adcode"), columns=ids)

    def without_progress(G, points, *, weight="length", targets=None, max_snap_km=30.0):
        calls.append(False)
        ids = list(points.index)
        return pd.DataFrame(0.0, index=pd.Index(ids, name="adcode"), columns=ids)

    monkeypatch.setattr(roads, "china_highways", lambda **kw: None)
    monkeypatch.setattr(roads, "od_matrix", with_progress)
    assert main(["od", "--agglomerations", "yreb5", "--out", str(tmp_path / "a.csv")]) == 0
    err = capsys.readouterr().err
    assert calls == [True] and "50% (1/2)" in err and "100% (2/2)" in err
    monkeypatch.setattr(roads, "od_matrix", without_progress)  # before the roads change: still works
    assert main(["od", "--agglomerations", "yreb5", "--out", str(tmp_path / "b.csv")]) == 0
    assert calls == [True, False]


def test_python_api_deprecated_keyword(tmp_path, monkeypatch):
    import geoaggl.roads as roads

    monkeypatch.setattr(roads, "china_highways", lambda **kw: None)
    monkeypatch.setattr(
        roads, "od_matrix", lambda G, p, **kw: pd.DataFrame(0.0, index=p.index, columns=p.index)
    )
    with pytest.warns(geoaggl.errors.GeoagglDeprecationWarning, match="agglomerations="):
        path = cli.od(tmp_path / "x.csv", scheme="yreb5", quiet=True)
    assert path == (tmp_path / "x.csv").resolve()
    with pytest.raises(geoaggl.errors.OptionError, match="weight"):
        cli.od(tmp_path / "x.csv", weight="minutes", quiet=True)


def test_console_script_in_a_subprocess(tmp_path):
    path = _table(tmp_path)
    out = tmp_path / "sub" / "m.html"
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "geoaggl.cli",
            "map",
            str(path),
            "--column",
            "v",
            "--year",
            "2015",
            "--no-tiles",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[-1] == str(out.resolve())
    assert "\r" not in proc.stderr and "Traceback" not in proc.stderr
    assert out.is_file()
    bad = subprocess.run(
        [sys.executable, "-m", "geoaggl.cli", "map", str(tmp_path / "none.csv"), "--column", "v"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=300,
        check=False,
    )
    assert bad.returncode == 1
    assert bad.stderr.strip().splitlines()[-1].startswith("geoaggl: error: no such file")


# ---------------------------------------------------------------- found by fuzzing the command line
def _adcode_table(path, rows):
    path.write_text("adcode,v\n" + "".join(f"{a},{v}\n" for a, v in rows), encoding="utf-8")
    return path


SIX = [("110100", 1), ("120100", 2), ("130100", 3), ("130200", 5), ("130300", 6), ("130400", 7)]


def test_values_too_large_to_classify_are_an_error_not_a_hang(tmp_path, capsys):
    """±1e308 made mapclassify's Jenks-Caspall loop forever; 1e-300 steps broke natural breaks."""
    huge = _adcode_table(tmp_path / "h.csv", [("110100", 1e308), ("120100", -1e308), ("130100", 1e308)])
    tiny = _adcode_table(tmp_path / "t.csv", [("110100", 1e-300), ("120100", 2e-300)])
    for path, scheme in ((huge, "jenkscaspall"), (huge, "equalinterval"), (tiny, "naturalbreaks")):
        out = tmp_path / "m.html"
        argv = [
            "map",
            str(path),
            "--column",
            "v",
            "--classification",
            scheme,
            "--no-tiles",
            "--out",
            str(out),
        ]
        assert main(argv) == 1
        err = capsys.readouterr().err
        assert "too large or too close together" in err and "rescale" in err, err
        assert "arange" not in err and "zero-size" not in err


def test_one_permutation_gives_no_infinite_z(tmp_path, capsys):
    path = _adcode_table(tmp_path / "six.csv", SIX)
    out = tmp_path / "r.csv"
    argv = [
        "check",
        str(path),
        "--column",
        "v",
        "--weights",
        "queen",
        "--permutations",
        "1",
        "--out",
        str(out),
    ]
    assert main(argv) == 0
    res = pd.read_csv(out)
    assert res["z_sim"].isna().all() and res["p_sim"].notna().all()
    assert any("z_sim is undefined" in ln for ln in _warning_lines(capsys.readouterr().err))


def test_too_few_cities_and_a_small_road_graph_in_the_users_words(tmp_path, capsys):
    empty = _adcode_table(tmp_path / "e.csv", [("110100", ""), ("120100", "")])
    for w in ("queen", "road"):
        assert main(["check", str(empty), "--column", "v", "--weights", w]) == 1
        err = capsys.readouterr().err
        assert "has values for 0 cities" in err and "gdf" not in err and "points" not in err
    six = _adcode_table(tmp_path / "six.csv", SIX)
    assert main(["check", str(six), "--column", "v", "--weights", "road", "--permutations", "0"]) == 0
    assert "k=" not in capsys.readouterr().err  # six cities: five road neighbours each, no error


def test_output_paths(tmp_path, capsys):
    six = _adcode_table(tmp_path / "six.csv", SIX)
    afile = tmp_path / "afile"
    afile.write_text("x", encoding="utf-8")
    assert main(["map", str(six), "--column", "v", "--no-tiles", "--out", str(afile / "m.html")]) == 1
    assert "is a file, not a folder" in capsys.readouterr().err
    deep = tmp_path / "new" / "sub" / "r.csv"  # check creates the folder, like map and od
    assert (
        main(
            [
                "check",
                str(six),
                "--column",
                "v",
                "--weights",
                "queen",
                "--permutations",
                "0",
                "--out",
                str(deep),
            ]
        )
        == 0
    )
    assert deep.is_file() and _last_line(capsys.readouterr().out) == str(deep.resolve())


def test_rows_without_a_key_are_named_by_line(tmp_path, capsys):
    path = tmp_path / "k.csv"
    path.write_text("adcode,v\n110100,1\n120100,abc\n,xyz\n", encoding="utf-8")
    assert main(["check", str(path), "--column", "v"]) == 1
    assert "'120100', 'line 4'" in capsys.readouterr().err


def test_plain_spreadsheet_and_bomless_utf16(tmp_path, capsys):
    pytest.importorskip("openpyxl")
    xlsx = tmp_path / "t.xlsx"
    pd.DataFrame({"adcode": [a for a, _ in SIX], "v": [v for _, v in SIX]}).to_excel(xlsx, index=False)
    assert main(["check", str(xlsx), "--column", "v", "--weights", "queen", "--permutations", "0"]) == 0
    assert " 6 queen" in capsys.readouterr().out
    u16 = tmp_path / "u16.csv"
    u16.write_bytes(("adcode,v\n" + "".join(f"{a},{v}\n" for a, v in SIX)).encode("utf-16-le"))
    assert main(["check", str(u16), "--column", "v", "--weights", "queen", "--permutations", "0"]) == 0
    capsys.readouterr()


def test_main_returns_argparse_exit_codes(capsys):
    assert main(["map", "x.csv"]) == 2  # --column missing: a usage error, returned, not raised
    assert main(["--help"]) == 0
    capsys.readouterr()
