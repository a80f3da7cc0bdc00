"""The geoaggl command line and the offline demo."""

from __future__ import annotations

import pandas as pd

from geoaggl.cli import main


def test_demo_writes_maps_and_tables(tmp_path):
    out = tmp_path / "demo"
    assert main(["demo", "--out", str(out), "--quiet"]) == 0
    index = (out / "index.html").read_text(encoding="utf-8")
    files = pd.read_csv(out / "files.csv")["file"].tolist()
    expected = [
        "prefectures.html", "coagglomeration.html", "gini_within.html", "road_access.html",
        "road_density.html", "integration.html", "lisa.html", "spatial_checks.csv", "road_access.csv",
        "seed000_published_by_year.csv",
    ]  # fmt: skip
    for name in expected:
        assert name in files and f"href='{name}'" in index
        assert (out / name).stat().st_size > 100
    # the national map: one feature per mainland unit, each with its tooltip, under 3 MB
    html = (out / "prefectures.html").read_text(encoding="utf-8")
    assert html.count('"type":"Feature","properties":{"s":') >= 367
    assert "北京市" in html and "Beijing" in html
    assert (out / "prefectures.html").stat().st_size < 3_000_000
    # (a) the published levels are the paper's numbers, 8 UAs x 15 years
    pub = pd.read_csv(out / "seed000_published_by_year.csv")
    assert len(pub) == 120 and pub["coagglomeration"].between(1.98, 3.44).all()
    # (b) road distance: centres 0, members positive, Tangshan -> Tianjin ~ 120 km by road
    acc = pd.read_csv(out / "road_access.csv", dtype={"adcode": str, "centre": str}).set_index("adcode")
    assert acc.loc["110100", "road_km_to_centre"] == 0.0
    assert acc.loc["130200", "centre"] == "120100"
    assert 90 < acc.loc["130200", "road_km_to_centre"] < 160
    integ = pd.read_csv(out / "integration_yreb5.csv")
    assert len(integ) == 5 and integ["integration_infrastructure"].between(0, 100).all()
    # (c) spatial checks on two weights; road density is strongly clustered
    checks = pd.read_csv(out / "spatial_checks.csv")
    moran = checks[checks["statistic"] == "moran"].set_index("weights")
    assert set(moran.index) == {"queen", "road_knn6"}
    assert (moran["value"] > 0.3).all() and (moran["p_sim"] <= 0.01).all()
    lisa = pd.read_csv(out / "lisa_road_density.csv")
    assert set(lisa["label"]) <= {"HH", "LL", "LH", "HL", "not significant", "missing"}
    assert (lisa["label"] == "HH").sum() > 0


def test_help_and_bad_command(capsys):
    import pytest

    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    assert "demo" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exc:
        main(["nonsense"])
    assert exc.value.code == 2


def test_od_command_writes_road_matrix(tmp_path, capsys):
    out = tmp_path / "od.csv"
    assert main(["od", "--scheme", "national11", "--weight", "length", "--out", str(out)]) == 0
    od = pd.read_csv(out, index_col=0, dtype={"adcode": str})
    od.columns = od.columns.astype(str)
    assert od.shape == (172, 172)  # national11 has 174 units; Hong Kong and Macao are not on the graph
    assert od.loc["110100", "110100"] == 0.0
    # Beijing-Tianjin by road: ~120-140 km
    assert 110 < od.loc["110100", "120100"] < 150
    assert od.loc["110100", "120100"] == od.loc["120100", "110100"]
    assert "road km" in capsys.readouterr().out


def test_od_command_rejects_bad_scheme(tmp_path, capsys):
    assert main(["od", "--scheme", "nope", "--out", str(tmp_path / "x.csv")]) == 1
    assert "national11" in capsys.readouterr().err


def _table(tmp_path, encoding="utf-8"):
    import geoaggl

    p = geoaggl.prefectures()
    # a north-south gradient: strongly positively autocorrelated by construction
    df = pd.DataFrame(
        {"城市": p["name"].to_numpy(), "year": 2015, "v": (p["seat_lat"] * 2).round(3).to_numpy()}
    )
    path = tmp_path / "t.csv"
    df.to_csv(path, index=False, encoding=encoding)
    return path


def test_check_command_on_names_table(tmp_path, capsys):
    path = _table(tmp_path, encoding="gb18030")
    out = tmp_path / "res.csv"
    assert main(["check", str(path), "--column", "v", "--permutations", "49", "--out", str(out)]) == 0
    res = pd.read_csv(out)
    assert set(res["weights"]) == {"queen", "road"}
    moran = res[res["statistic"] == "moran"].set_index("weights")["value"]
    assert (moran > 0.8).all()  # latitude is smooth in space
    assert (res["n"] == 366).all()  # 三沙 is not reachable by road, so it drops out of both


def test_check_command_errors(tmp_path, capsys):
    path = _table(tmp_path)
    assert main(["check", str(path), "--column", "nope"]) == 1
    assert "no column 'nope'" in capsys.readouterr().err
    bad = tmp_path / "bad.csv"
    bad.write_text("城市,v\n北京市,1\n火星市,2\n", encoding="utf-8")
    assert main(["check", str(bad), "--column", "v"]) == 1
    assert "火星市" in capsys.readouterr().err
    assert main(["check", str(tmp_path / "missing.csv"), "--column", "v"]) == 1
    assert "no such file" in capsys.readouterr().err


def test_map_command(tmp_path, capsys):
    path = _table(tmp_path)
    out = tmp_path / "m.html"
    rc = main(["map", str(path), "--column", "v", "--year", "2015", "--outlines", "national11", "--no-tiles",
               "--out", str(out)])  # fmt: skip
    assert rc == 0
    html = out.read_text(encoding="utf-8")
    assert html.count('"type":"Feature","properties":{"s":') >= 367
    assert "tile.openstreetmap.org" not in html
    assert "v for 367 of 367 units" in capsys.readouterr().out
    assert main(["map", str(path), "--column", "v", "--year", "1999", "--out", str(out)]) == 1
    assert "no rows for year 1999" in capsys.readouterr().err
