"""The geoaggl command line and the offline demo."""

from __future__ import annotations

import re

import pandas as pd

from geoaggl.cli import main


def test_demo_writes_map_and_tables(tmp_path, capsys):
    out = tmp_path / "demo"
    assert main(["demo", "--out", str(out), "--quiet"]) == 0
    index = (out / "index.html").read_text(encoding="utf-8")
    for link in ["prefectures.html", "prefectures.csv", "agglomerations_national11.csv"]:
        assert f"href='{link}'" in index
        assert (out / link).is_file()
    html = (out / "prefectures.html").read_text(encoding="utf-8")
    # one GeoJSON feature per mainland unit, each with its adcode
    assert len(set(re.findall(r'"adcode": "(\d{6})"', html))) == 367
    assert "北京市" in html or "\\u5317\\u4eac\\u5e02" in html
    units = pd.read_csv(out / "prefectures.csv", dtype={"adcode": str})
    assert len(units) == 367 and units["adcode"].str.len().eq(6).all()
    members = pd.read_csv(out / "agglomerations_national11.csv", dtype={"adcode": str})
    assert members["agglomeration"].nunique() == 11


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
