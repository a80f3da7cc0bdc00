"""geoaggl.maps: classes, palettes, missing values, tooltips, outlines, years, tiles, GCJ-02, size."""

from __future__ import annotations

import json
import subprocess
import sys
import warnings

import folium
import geopandas as gpd
import mapclassify
import numpy as np
import pandas as pd
import pytest
import shapely

import geoaggl
from geoaggl import maps
from geoaggl._errors import CRSError, DataError, GeoagglWarning, UnknownSchemeError
from geoaggl._geo import wgs84_to_gcj02
from geoaggl._mapstyle import HATCH_ID, LISA_COLORS, GeoJsonLayer, Legend


# ---------------------------------------------------------------------------------------------- helpers
def _walk(el):
    for ch in el._children.values():
        yield ch
        yield from _walk(ch)


def layers(m: folium.Map, cls: str = "geoaggl-choropleth") -> list[GeoJsonLayer]:
    return [
        e for e in _walk(m) if isinstance(e, GeoJsonLayer) and e.styles and e.styles[0]["className"] == cls
    ]


def coords0(layer: GeoJsonLayer) -> np.ndarray:
    return shapely.get_coordinates(shapely.from_geojson(json.dumps(layer.data["features"][0]["geometry"])))


def legend(m: folium.Map) -> Legend:
    (leg,) = [e for e in _walk(m) if isinstance(e, Legend)]
    return leg


def fills(layer: GeoJsonLayer) -> list[str]:
    return [layer.styles[f["properties"]["s"]]["fillColor"] for f in layer.data["features"]]


def _rgb(c: str) -> tuple[int, int, int]:
    return int(c[1:3], 16), int(c[3:5], 16), int(c[5:7], 16)


@pytest.fixture(scope="module")
def jiangsu() -> gpd.GeoDataFrame:
    g = geoaggl.prefectures()
    g = g[g["province"] == g.loc["320100", "province"]].copy()
    rng = np.random.default_rng(3)
    g["x"] = rng.normal(size=len(g))
    g["pos"] = np.arange(1, len(g) + 1, dtype=float)
    g.loc[g.index[2], "x"] = np.nan
    return g


@pytest.fixture(scope="module")
def national() -> gpd.GeoDataFrame:
    g = geoaggl.prefectures()
    g["v"] = np.random.default_rng(11).normal(size=len(g))
    return g


# ---------------------------------------------------------------------------------------------- basics
def test_import_geoaggl_does_not_import_folium() -> None:
    code = "import sys, geoaggl, geoaggl.maps; assert 'folium' not in sys.modules, 'folium imported'"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_returns_map_no_tiles_no_warning(jiangsu: gpd.GeoDataFrame) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m = maps.choropleth(jiangsu, "x", tiles=None)
        page = m.get_root().render()
    assert isinstance(m, folium.Map)
    assert not [e for e in _walk(m) if isinstance(e, folium.TileLayer)]
    assert "L.tileLayer" not in page
    (lay,) = layers(m)
    assert len(lay.data["features"]) == len(jiangsu)


def test_default_tiles_cartodb_without_api_key_warning(jiangsu: gpd.GeoDataFrame) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m = maps.choropleth(jiangsu, "x")
        m.get_root().render()
    (tile,) = [e for e in _walk(m) if isinstance(e, folium.TileLayer)]
    assert "basemaps.cartocdn.com/light_all" in tile.tiles
    assert "CARTO" in tile.options["attribution"]


def test_inputs_not_mutated(jiangsu: gpd.GeoDataFrame) -> None:
    before = jiangsu.copy()
    maps.choropleth(jiangsu, "x", tiles="amap", outlines="national11")
    pd.testing.assert_frame_equal(jiangsu.drop(columns="geometry"), before.drop(columns="geometry"))
    assert jiangsu.geometry.geom_equals_exact(before.geometry, tolerance=0).all()


def test_errors(jiangsu: gpd.GeoDataFrame) -> None:
    with pytest.raises(KeyError, match="nope"):
        maps.choropleth(jiangsu, "nope", tiles=None)
    with pytest.raises(UnknownSchemeError, match="quantiles"):
        maps.choropleth(jiangsu, "x", scheme="bogus", tiles=None)
    with pytest.raises(UnknownSchemeError):
        maps.choropleth(jiangsu, "x", cmap="NotAPalette", tiles=None)
    with pytest.raises(UnknownSchemeError):
        maps.choropleth(jiangsu, "x", legend_kwds={"colour": "red"}, tiles=None)
    with pytest.raises(CRSError):
        maps.choropleth(jiangsu.set_crs(None, allow_override=True), "x", tiles=None)
    with pytest.raises(DataError, match="infinite"):
        maps.choropleth(jiangsu.assign(x=np.inf), "x", tiles=None)
    with pytest.raises(DataError, match="no non-missing"):
        maps.choropleth(jiangsu.assign(x=np.nan), "x", tiles=None)
    with pytest.raises(DataError, match="numeric"):
        maps.choropleth(jiangsu.assign(c="a"), "c", diverging=True, tiles=None)
    with pytest.raises(DataError, match="bins"):
        maps.choropleth(jiangsu, "x", scheme="userdefined", tiles=None)


def test_projected_input_is_reprojected(jiangsu: gpd.GeoDataFrame) -> None:
    m = maps.choropleth(jiangsu.to_crs(3857), "x", tiles=None)
    x0, y0 = coords0(layers(m)[0])[0]
    assert 110 < x0 < 125 and 30 < y0 < 36


# ---------------------------------------------------------------------------------------------- classes
@pytest.mark.parametrize("scheme", ["quantiles", "NaturalBreaks", "fisher_jenks", "equal_interval"])
def test_schemes_match_mapclassify(jiangsu: gpd.GeoDataFrame, scheme: str) -> None:
    m = maps.choropleth(jiangsu, "pos", scheme=scheme, k=4, tiles=None, legend_kwds={"fmt": "{:.3f}"})
    key = scheme.lower().replace("_", "")
    np.random.seed(0)  # noqa: NPY002 - NaturalBreaks is k-means on the global generator; maps seeds it with 0
    ref = mapclassify.classify(jiangsu["pos"].to_numpy(), scheme=key, k=4)
    entries = [e for e in legend(m).entries if not e.missing]
    assert len(entries) == len(ref.bins)
    assert [e.count for e in entries] == list(ref.counts)
    assert [e.label.split(" – ")[1] for e in entries] == [f"{b:.3f}" for b in ref.bins]
    # every unit gets the colour of its mapclassify class
    colors = [e.color for e in entries]
    assert fills(layers(m)[0]) == [colors[c] for c in ref.yb]


def test_user_defined_bins(jiangsu: gpd.GeoDataFrame) -> None:
    m = maps.choropleth(
        jiangsu, "pos", classification_kwds={"bins": [3, 6, 20]}, tiles=None, legend_kwds={"fmt": "{:g}"}
    )
    entries = [e for e in legend(m).entries if not e.missing]
    assert [e.label for e in entries] == ["1 – 3", "3 – 6", "6 – 20"]
    assert [e.count for e in entries] == [3, 3, len(jiangsu) - 6]
    m2 = maps.choropleth(
        jiangsu,
        "pos",
        scheme="user_defined",
        classification_kwds={"bins": [3, 6, 20]},
        tiles=None,
        legend_kwds={"fmt": "{:g}"},
    )
    assert [e.label for e in legend(m2).entries] == [e.label for e in legend(m).entries]
    with pytest.raises(DataError):
        maps.choropleth(jiangsu, "pos", scheme="equalinterval", classification_kwds={"bins": [3]}, tiles=None)


def test_sequential_palette_is_monotone(jiangsu: gpd.GeoDataFrame) -> None:
    m = maps.integration_map(jiangsu, "pos", k=5, tiles=None)
    colors = [e.color for e in legend(m).entries if not e.missing]
    lum = [sum(_rgb(c)) for c in colors]
    assert lum == sorted(lum, reverse=True)  # light = low, dark = high


def test_diverging_centred_on_zero() -> None:
    g = geoaggl.prefectures().iloc[:40].copy()
    g["d"] = np.linspace(-2, 2, 40)
    m = maps.disparity_map(g, "d", k=4, tiles=None)
    cols = [e.color for e in legend(m).entries if not e.missing]
    lo, hi = _rgb(cols[0]), _rgb(cols[-1])
    assert lo[2] > lo[0] and hi[0] > hi[2]  # blue for negative, red for positive
    # symmetric data -> mirrored intensities
    assert sum(lo) == pytest.approx(sum(hi), abs=40)
    # all-positive data on a diverging palette stay on the red half (0 is the neutral centre)
    g["p"] = np.linspace(0.1, 2, 40)
    cols = [e.color for e in legend(maps.disparity_map(g, "p", k=4, tiles=None)).entries if not e.missing]
    assert all(_rgb(c)[0] >= _rgb(c)[2] for c in cols)
    # auto: mixed signs -> diverging
    auto = [e.color for e in legend(maps.choropleth(g, "d", k=4, tiles=None)).entries if not e.missing]
    assert auto == [e.color for e in legend(m).entries if not e.missing]


@pytest.mark.parametrize("scheme", ["quantiles", "equalinterval", "fisherjenks", "naturalbreaks"])
def test_constant_column_is_one_class(jiangsu: gpd.GeoDataFrame, scheme: str) -> None:
    m = maps.choropleth(jiangsu.assign(c=2.0), "c", scheme=scheme, tiles=None)
    entries = [e for e in legend(m).entries if not e.missing]
    assert len(entries) == 1 and entries[0].count == len(jiangsu)


def test_unclassed_and_colour_list(jiangsu: gpd.GeoDataFrame) -> None:
    m = maps.choropleth(jiangsu, "pos", scheme=None, tiles=None)
    assert legend(m).gradient is not None
    assert len(set(fills(layers(m)[0]))) == len(jiangsu)
    m2 = maps.choropleth(jiangsu, "pos", k=3, cmap=["#000001", "#000002", "#000003"], tiles=None)
    assert [e.color for e in legend(m2).entries if not e.missing] == ["#000001", "#000002", "#000003"]


# ---------------------------------------------------------------------------------------------- missing
def test_missing_drawn_distinctly_and_counted(jiangsu: gpd.GeoDataFrame) -> None:
    m = maps.choropleth(jiangsu, "x", tiles=None)
    lay = layers(m)[0]
    f = fills(lay)
    nan_pos = 2
    assert f[nan_pos].startswith(f"url(#{HATCH_ID})")
    classes = {e.color for e in legend(m).entries if not e.missing}
    assert f[nan_pos] not in classes
    assert sum(e.count for e in legend(m).entries if not e.missing) == len(jiangsu) - 1
    (miss,) = [e for e in legend(m).entries if e.missing]
    assert miss.count == 1 and miss.label == "No data"
    assert "No data" in legend(m).html and "(1)" in legend(m).html
    plain = maps.choropleth(
        jiangsu, "x", tiles=None, missing_kwds={"hatch": False, "fillColor": "#ff00ff", "label": "n/a"}
    )
    assert fills(layers(plain)[0])[nan_pos] == "#ff00ff"
    assert [e.label for e in legend(plain).entries if e.missing] == ["n/a"]


# ---------------------------------------------------------------------------------------------- tooltips
def test_tooltip_names_value_and_escaping(jiangsu: gpd.GeoDataFrame) -> None:
    g = jiangsu.copy()
    g.loc["320100", "name"] = "<script>alert('x')</script>南京"
    g.loc["320100", "pos"] = 1234.5
    m = maps.choropleth(g, "pos", tiles=None, legend_kwds={"caption": "<b>GDP</b>", "fmt": "{:.1f}"})
    page = m.get_root().render()
    assert "<script>alert" not in page
    feats = layers(m)[0].data["features"]
    tt = feats[list(g.index).index("320100")]["properties"]["tt"]
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;南京" in tt
    assert "Nanjing" in tt and "1234.5" in tt and "&lt;b&gt;GDP&lt;/b&gt;" in tt
    assert "&lt;b&gt;GDP&lt;/b&gt;" in legend(m).html
    none = maps.choropleth(g, "pos", tooltip=False, tiles=None)
    assert "tt" not in layers(none)[0].data["features"][0]["properties"]
    cols = maps.choropleth(g, "pos", tooltip=["province", "pos"], tiles=None)
    assert "province: " in layers(cols)[0].data["features"][0]["properties"]["tt"]


def test_plain_table_and_series_get_polygons() -> None:
    s = pd.Series({"320100": 1.0, "110100": 2.0, "440100": np.nan}, name="gdp")
    m = maps.choropleth(s, tiles=None)
    feats = layers(m)[0].data["features"]
    assert len(feats) == 3
    assert "北京市" in feats[1]["properties"]["tt"] and "Beijing" in feats[1]["properties"]["tt"]
    df = pd.DataFrame({"adcode": ["320100", "999999"], "y": [1.0, 2.0]})
    with pytest.warns(GeoagglWarning, match="999999"):
        m2 = maps.choropleth(df, "y", tiles=None)
    assert len(layers(m2)[0].data["features"]) == 1


# ---------------------------------------------------------------------------------------------- outlines
def test_outlines_scheme_and_geodataframe(jiangsu: gpd.GeoDataFrame) -> None:
    m = maps.choropleth(jiangsu, "x", tiles=None, outlines="national11")
    (out,) = layers(m, "geoaggl-outline")
    ua = geoaggl.agglomeration_polygons("national11")
    assert len(out.data["features"]) == len(ua)
    assert out.styles[0]["fill"] is False
    assert any(ua.index[0] in f["properties"]["tt"] for f in out.data["features"])
    assert any(isinstance(e, folium.LayerControl) for e in _walk(m))
    own = gpd.GeoDataFrame({"name": ["<i>区</i>"]}, geometry=[jiangsu.union_all()], crs=4326)
    m2 = maps.choropleth(jiangsu, "x", tiles=None, outlines=own)
    assert "&lt;i&gt;区&lt;/i&gt;" in layers(m2, "geoaggl-outline")[0].data["features"][0]["properties"]["tt"]
    with pytest.raises(UnknownSchemeError):
        maps.choropleth(jiangsu, "x", tiles=None, outlines="no-such-scheme")


# ---------------------------------------------------------------------------------------------- years
def test_time_layers(jiangsu: gpd.GeoDataFrame) -> None:
    long = pd.concat([jiangsu.assign(year=y, x=jiangsu["pos"] * (y - 2015)) for y in (2016, 2017, 2018)])
    long.iloc[0, long.columns.get_loc("x")] = np.nan
    m = maps.choropleth(long, "x", time="year", tiles=None, k=3)
    groups = [e for e in _walk(m) if isinstance(e, folium.FeatureGroup)]
    assert [g.layer_name for g in groups] == ["x 2016", "x 2017", "x 2018"]
    assert [g.show for g in groups] == [False, False, True]
    assert all(len(layers_in.data["features"]) == len(jiangsu) for layers_in in layers(m))
    assert any(isinstance(e, folium.LayerControl) for e in _walk(m))
    assert "overlayadd" in m.get_root().render()  # one year at a time
    # pooled classes: counts over unit-years, missing counted once
    assert sum(e.count for e in legend(m).entries) == 3 * len(jiangsu)
    assert [e.count for e in legend(m).entries if e.missing] == [1]
    assert "2017" in layers(m)[1].data["features"][0]["properties"]["tt"]
    with pytest.raises(DataError, match="several rows"):
        maps.choropleth(pd.concat([long, long]), "x", time="year", tiles=None)
    with pytest.raises(KeyError):
        maps.choropleth(long, "x", time="yr", tiles=None)


# ---------------------------------------------------------------------------------------------- tiles
@pytest.mark.parametrize(
    "tiles", ["amap", "Gaode", "https://webrd01.is.autonavi.com/appmaptile?x={x}&y={y}&z={z}"]
)
def test_amap_tiles_shift_geometry_to_gcj02(jiangsu: gpd.GeoDataFrame, tiles: str) -> None:
    kw = {"attr": "AutoNavi"} if tiles.startswith("http") else {}
    wgs = layers(maps.choropleth(jiangsu, "x", tiles=None))[0].data["features"][0]["geometry"]
    gcj = layers(maps.choropleth(jiangsu, "x", tiles=tiles, outlines="national11", **kw))[0]
    c_wgs = shapely.get_coordinates(jiangsu.geometry.iloc[0])[0]
    c_out = np.asarray(gcj.data["features"][0]["geometry"]["coordinates"][0][0], dtype=float)
    c_out = c_out if c_out.ndim == 1 else c_out[0]
    ex, ey = wgs84_to_gcj02(c_wgs[0], c_wgs[1])
    assert c_out == pytest.approx([float(ex), float(ey)], abs=2e-5)
    assert abs(c_out[0] - c_wgs[0]) > 1e-3  # a visible offset (~0.005 deg in Jiangsu)
    assert wgs != gcj.data["features"][0]["geometry"]


def test_existing_amap_map_is_detected(jiangsu: gpd.GeoDataFrame) -> None:
    base = maps.choropleth(jiangsu, "pos", tiles="amap")
    maps.choropleth(jiangsu, "x", m=base)
    a, b = layers(base)
    assert a.data["features"][0]["geometry"] == b.data["features"][0]["geometry"]
    assert len([e for e in _walk(base) if isinstance(e, Legend)]) == 2


# ---------------------------------------------------------------------------------------------- lisa
def test_lisa_map_from_result_series_and_column(jiangsu: gpd.GeoDataFrame) -> None:
    labels = ["HH", "LL", "LH", "HL", "not significant", "missing"]
    lab = pd.Series([labels[i % 6] for i in range(len(jiangsu))], index=jiangsu.index, name="label")
    res = pd.DataFrame({"value": np.arange(len(jiangsu), dtype=float), "p_sim": 0.01, "label": lab})
    m = maps.lisa_map(jiangsu, res, tiles=None)
    entries = legend(m).entries
    assert [e.label for e in entries] == ["HH", "HL", "LH", "LL", "not significant", "No data"]
    order = ("HH", "HL", "LH", "LL", "not significant")
    assert [e.color for e in entries[:5]] == [LISA_COLORS[k] for k in order]
    counts = lab.value_counts()
    assert [e.count for e in entries] == [
        int(counts.get(k, 0)) for k in ("HH", "HL", "LH", "LL", "not significant", "missing")
    ]
    f = fills(layers(m)[0])
    assert f[0] == LISA_COLORS["HH"] and f[5].startswith("url(")
    assert "p_sim" in layers(m)[0].data["features"][0]["properties"]["tt"]
    m2 = maps.lisa_map(lab, tiles=None)  # a bare Series on the shipped polygons
    assert fills(layers(m2)[0]) == f
    m3 = maps.lisa_map(jiangsu.assign(cl=lab.str.lower()), "cl", tiles=None)
    assert fills(layers(m3)[0]) == f
    with pytest.raises(DataError, match="unknown LISA"):
        maps.lisa_map(jiangsu.assign(cl="XX"), column="cl", tiles=None)


def test_lisa_map_with_spatial_lisa(national: gpd.GeoDataFrame) -> None:
    spatial = pytest.importorskip("geoaggl.spatial")
    from geoaggl import weights

    g = national.iloc[:120]
    w = weights.contiguity(g)
    res = spatial.lisa(g["v"], w, permutations=99, seed=1)
    m = maps.lisa_map(g, res, tiles=None)
    assert sum(e.count for e in legend(m).entries) == len(g)


# ---------------------------------------------------------------------------------------------- size
def test_national_map_under_3mb(national: gpd.GeoDataFrame) -> None:
    m = maps.disparity_map(national, "v", outlines="national11")
    page = m.get_root().render()
    assert len(layers(m)[0].data["features"]) == 367
    assert len(page.encode("utf-8")) <= 3_000_000
    coords = coords0(layers(m)[0])
    assert np.allclose(coords, np.round(coords, 5))


def test_national_year_layers_share_geometry(national: gpd.GeoDataFrame) -> None:
    long = pd.concat([national.assign(year=y, v=national["v"] + y - 2015) for y in range(2015, 2020)])
    m = maps.integration_map(long, "v", time="year")
    page = m.get_root().render()
    assert len(layers(m)) == 5
    assert all(f["geometry"] is None and "g" in f["properties"] for f in layers(m)[0].data["features"])
    assert len(page.encode("utf-8")) <= 3_000_000  # five years, each polygon embedded once


# ---------------------------------------------------------------------------------------------- offline
def test_save_offline_inlines_local_leaflet(tmp_path, jiangsu: gpd.GeoDataFrame) -> None:
    assets = tmp_path / "leaflet"
    (assets / "images").mkdir(parents=True)
    (assets / "leaflet.js").write_text("window.L = {fake: true};", encoding="utf-8")
    css = ".leaflet-control-layers-toggle {background-image: url(images/layers.png)}"
    (assets / "leaflet.css").write_text(css, encoding="utf-8")
    (assets / "images" / "layers.png").write_bytes(b"\x89PNG fake")
    m = maps.choropleth(jiangsu, "x", tiles=None)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = maps.save_offline(m, tmp_path / "map.html", assets=assets)
    page = out.read_text(encoding="utf-8")
    assert "window.L = {fake: true};" in page
    assert "data:image/png;base64," in page
    for cdn in ("cdn.jsdelivr.net", "code.jquery.com", "cdnjs.cloudflare.com", "netdna.bootstrapcdn.com"):
        assert cdn not in page
    with pytest.raises(FileNotFoundError, match="django-js-lib-leaflet"):
        maps.save_offline(m, tmp_path / "x.html", assets=tmp_path / "nowhere")


# ---------------------------------------------------------------------------------------------- issue 9/10
def _walk_legend_html(m: folium.Map) -> str:
    return legend(m).html


def test_plain_table_joined_exactly_like_attach() -> None:
    """Issue 9: choropleth keeps the rows attach matches (former code, int/float/str adcodes, names)."""
    keys = ["542400", "130200", 320100.0]
    t = pd.DataFrame({"adcode": keys, "v": [1.0, 2.0, 3.0]})
    joined = geoaggl.attach(geoaggl.prefectures(include_sar=True)[["geometry"]], t, on="adcode")
    matched = sorted(joined.index[joined["v"].notna()])
    assert matched == ["130200", "320100", "540600"]  # 542400 (那曲地区) is now 540600 那曲市
    m = maps.choropleth(t, "v", tiles=None)
    (lay,) = layers(m)
    assert len(lay.data["features"]) == 3
    tips = [f["properties"]["tt"] for f in lay.data["features"]]
    assert "那曲市" in tips[0] and "唐山市" in tips[1] and "南京市" in tips[2]  # the table's row order
    # a table indexed by Chinese names (old and new), unknown names reported once
    by_name = pd.DataFrame({"v": [1.0, 2.0, 3.0]}, index=["北京", "襄樊", "火星"])
    with pytest.warns(geoaggl.errors.UnmatchedKeysWarning, match="火星"):
        m2 = maps.choropleth(by_name, "v", tiles=None)
    tips = [f["properties"]["tt"] for f in layers(m2)[0].data["features"]]
    assert len(tips) == 2 and "北京市" in tips[0] and "襄阳市" in tips[1]
    with pytest.raises(DataError, match="火星"):
        maps.choropleth(pd.Series([1.0], index=["火星"], name="v"), tiles=None)


def test_plain_long_table_time_layers() -> None:
    long = pd.DataFrame(
        {
            "城市": ["北京", "北京", "天津", "天津"],
            "year": [2015, 2016, 2015, 2016],
            "v": [1.0, 2.0, 3.0, 4.0],
        }
    ).set_index("城市")
    m = maps.choropleth(long, "v", time="year", tiles=None)
    assert [len(lay.data["features"]) for lay in layers(m)] == [2, 2]
    with pytest.raises(DataError, match="several rows"):  # two years, no time=: not two overlapping polygons
        maps.choropleth(long, "v", tiles=None)


@pytest.mark.parametrize("key", ["color", "fillColor"])
def test_d16_missing_colour_html_injection_refused(key: str) -> None:
    g = (
        geoaggl.prefectures()
        .loc[["110100", "120100", "130100"], ["name", "geometry"]]
        .assign(v=[1.0, np.nan, 3.0])
    )
    bad = 'x"><img src=x onerror=alert(1)>'
    with pytest.raises(geoaggl.errors.OptionError, match=rf"missing_kwds\['{key}'\]"):
        maps.choropleth(g, "v", tiles=None, missing_kwds={key: bad})
    with pytest.raises(geoaggl.errors.OptionError, match="colors"):
        maps.lisa_map(g.assign(label=["HH", "LL", "ns"]), "label", tiles=None, colors={"HH": bad})
    # valid colours still reach the legend, escaped
    m = maps.choropleth(g, "v", tiles=None, missing_kwds={key: "rgb(10, 20, 30)"})
    assert "rgb(10, 20, 30)" in _walk_legend_html(m)
    assert "<img" not in _walk_legend_html(m)


def test_d16_legend_escapes_colours_even_if_unvalidated() -> None:
    from geoaggl._mapstyle import LegendEntry

    leg = Legend("t", [LegendEntry('red"><img src=x>', "a", 1, border='"><script>')])
    assert "<img" not in leg.html and "<script" not in leg.html


def test_c19_fmt_incompatible_with_floats() -> None:
    g = geoaggl.prefectures().loc[["110100", "120100"], ["name", "geometry"]].assign(v=[1.5, 2.5])
    with pytest.raises(geoaggl.errors.OptionError, match=r"legend_kwds\['fmt'\].*1\.5"):
        maps.choropleth(g, "v", tiles=None, legend_kwds={"fmt": "{:d}"})
    with pytest.raises(geoaggl.errors.OptionError, match="fmt"):
        maps.choropleth(g, "v", tiles=None, legend_kwds={"fmt": lambda v: 1 / 0})
    # '{:d}' on whole numbers works (bounds of classes of integers)
    m = maps.choropleth(
        g.assign(v=[1.0, 2.0]),
        "v",
        tiles=None,
        legend_kwds={"fmt": "{:d}"},
        classification_kwds={"bins": [1, 2]},
    )
    assert [e.label for e in legend(m).entries if not e.missing] == ["1 – 1", "1 – 2"]


def test_c20_unparseable_colour_in_cmap_list() -> None:
    g = geoaggl.prefectures().loc[["110100", "120100"], ["name", "geometry"]].assign(v=[1.5, 2.5])
    with pytest.raises(geoaggl.errors.OptionError, match=r"cmap\[1\].*not-a-colour"):
        maps.choropleth(g, "v", tiles=None, cmap=["red", "not-a-colour"])
    with pytest.raises(geoaggl.errors.OptionError, match="cmap"):
        maps.choropleth(g, "v", tiles=None, cmap=["red", "<script>"])
    with pytest.raises(geoaggl.errors.ParameterTypeError):
        maps.choropleth(g, "v", tiles=None, cmap=["red", None])


def test_c21_save_offline_not_a_map(tmp_path) -> None:
    with pytest.raises(geoaggl.errors.ParameterTypeError, match=r"save_offline: m must be a folium\.Map"):
        maps.save_offline("not a map", tmp_path / "x.html")
    with pytest.raises(geoaggl.errors.ParameterTypeError):
        maps.inline(42)
    assert not (tmp_path / "x.html").exists()


def test_c30_values_near_float_maximum() -> None:
    s = pd.Series([6e307, 2e90, 1e308, 8e307], index=["350900", "421100", "530500", "510400"])
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        m = maps.disparity_map(s, tiles=None)
        colors = [e.color for e in legend(m).entries if not e.missing]
        assert all(c.startswith("#") and len(c) == 7 for c in colors)
        counts = [e.count for e in legend(m).entries if not e.missing]
        assert sum(counts) == 4
        m2 = maps.choropleth(
            pd.Series([-1e308, 1e308, 0.0], index=["350900", "421100", "530500"]), tiles=None, scheme=None
        )
    assert len(layers(m2)[0].data["features"]) == 3


def test_legend_position_is_an_option() -> None:
    g = geoaggl.prefectures().loc[["110100", "120100"], ["name", "geometry"]].assign(v=[1.5, 2.5])
    with pytest.raises(geoaggl.errors.OptionError, match="position"):
        maps.choropleth(g, "v", tiles=None, legend_kwds={"position": "middle"})


def test_inline_has_no_cdn_and_draws_the_map() -> None:
    pytest.importorskip("js_lib_leaflet")
    import html as _html

    g = geoaggl.prefectures().loc[["110100", "120100"], ["name", "geometry"]].assign(v=[1.5, 2.5])
    view = maps.inline(maps.choropleth(g, "v", tiles=None))
    out = view._repr_html_()
    assert out.startswith("<iframe srcdoc=")
    page = _html.unescape(out)
    assert view.html in page
    for cdn in ("cdn.jsdelivr", "unpkg", "cdnjs", "code.jquery"):
        assert cdn not in page
    assert '<script src="http' not in page and "北京市" in page and "L.geoJson" in page


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=300, deadline=None)
@given(
    y=st.lists(
        st.one_of(
            st.floats(-1e12, 1e12, allow_nan=False, allow_infinity=False, allow_subnormal=False),
            st.integers(-5, 5).map(float),  # many ties
        ),
        min_size=2,
        max_size=60,
    ),
    k=st.integers(1, 12),
)
def test_quantiles_fast_path_equals_mapclassify(y, k):
    """The default scheme skips importing mapclassify (#12: ~0.8-2 s of a cold map): its classes
    and bins equal ``mapclassify.Quantiles`` bit for bit, ties and few unique values included."""
    arr = np.asarray(y, dtype=float)
    yb, bins = maps._quantiles(arr, k)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = mapclassify.Quantiles(arr, k=k)
    np.testing.assert_array_equal(bins, np.asarray(ref.bins, dtype=float))
    np.testing.assert_array_equal(yb, np.asarray(ref.yb))


def test_default_map_does_not_import_mapclassify():
    """A quantile choropleth in a fresh process leaves mapclassify (and its scikit-learn and pyplot
    imports) unloaded."""
    code = (
        "import sys, geoaggl\n"
        "from geoaggl import maps\n"
        "p = geoaggl.prefectures()\n"
        "maps.choropleth(p.assign(v=p['seat_lon']), 'v')\n"
        "print('mapclassify' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_choropleth_nan_bin_is_a_data_error():
    """Deep fuzz (2026-12-07): bins=[nan] passed the increasing-order check and reached branca
    ('Thresholds are not sorted', a ValueError)."""
    import geoaggl
    from geoaggl import maps
    from geoaggl.errors import DataError

    g = geoaggl.prefectures().iloc[:6].assign(v=[1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    for bins in ([float("nan")], [-float("inf"), 2.0], [2.0, float("nan"), 5.0]):
        with pytest.raises(DataError, match="no NaN"):
            maps.choropleth(g, "v", scheme="userdefined", classification_kwds={"bins": bins}, tiles=None)
    m = maps.choropleth(
        g, "v", scheme="userdefined", classification_kwds={"bins": [2.0, float("inf")]}, tiles=None
    )
    assert m is not None  # +inf may close the top class, as before


@pytest.mark.parametrize(
    ("values", "scheme"),
    [
        ([1e308, -1e308, 1e308, -1e308], "jenkscaspall"),  # looped forever inside mapclassify
        ([1e200, 2e200, 3e200], "fisherjenks"),  # squares overflow
        ([1e-300, 2e-300, 3e-300], "naturalbreaks"),  # squared differences underflow
    ],
)
def test_values_that_floating_point_cannot_classify_are_a_data_error(values, scheme):
    from geoaggl.errors import DataError
    from geoaggl.maps import choropleth

    gdf = geoaggl.prefectures().iloc[: len(values)].assign(v=values)
    with pytest.raises(DataError, match=r"too large or too close together.*rescale"):
        choropleth(gdf, "v", scheme=scheme, tiles=None)
    ok = gdf.assign(v=np.asarray(values) / np.max(np.abs(values)))  # rescaled: classified
    assert choropleth(ok, "v", scheme=scheme, tiles=None, k=2) is not None
