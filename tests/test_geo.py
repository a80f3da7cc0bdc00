"""GCJ-02 <-> WGS84 conversion against published test vectors and invariants."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from geoaggl._geo import gcj02_to_wgs84, out_of_china, transform_geometry, wgs84_to_gcj02

# (wgs lat, wgs lon, gcj lat, gcj lon): the eviltransform project's reference vectors.
VECTORS = [
    (31.1774276, 121.5272106, 31.17530398364597, 121.531541859215),  # Shanghai
    (22.543847, 113.912316, 22.540796131694766, 113.9171764808363),  # Shenzhen
    (39.911954, 116.377817, 39.91334545536069, 116.38404722455657),  # Beijing
]

M_PER_DEG = 111_320.0


@pytest.mark.parametrize(("wlat", "wlon", "glat", "glon"), VECTORS)
def test_forward_matches_reference_vectors(wlat, wlon, glat, glon):
    lon, lat = wgs84_to_gcj02(wlon, wlat)
    assert float(lon) == pytest.approx(glon, abs=1e-12)
    assert float(lat) == pytest.approx(glat, abs=1e-12)


@pytest.mark.parametrize(("wlat", "wlon", "glat", "glon"), VECTORS)
def test_inverse_recovers_wgs84_below_1cm(wlat, wlon, glat, glon):
    lon, lat = gcj02_to_wgs84(glon, glat)
    err_m = np.hypot(
        (float(lon) - wlon) * M_PER_DEG * np.cos(np.radians(wlat)), (float(lat) - wlat) * M_PER_DEG
    )
    assert err_m < 0.01


def test_offset_is_a_few_hundred_metres_in_china():
    lon, lat = wgs84_to_gcj02(116.391, 39.907)  # Tiananmen
    d = np.hypot((lon - 116.391) * M_PER_DEG * np.cos(np.radians(39.9)), (lat - 39.907) * M_PER_DEG)
    assert 300 < d < 700


def test_outside_china_is_unchanged():
    lon, lat = wgs84_to_gcj02(-104.9903, 39.7392)  # Denver
    assert (float(lon), float(lat)) == (-104.9903, 39.7392)
    assert out_of_china([-104.99, 116.4], [39.7, 39.9]).tolist() == [True, False]


@settings(max_examples=200, deadline=None)
@given(st.floats(73.5, 135.0), st.floats(18.0, 53.5))
def test_round_trip_below_1cm(lon, lat):
    g_lon, g_lat = wgs84_to_gcj02(lon, lat)
    w_lon, w_lat = gcj02_to_wgs84(g_lon, g_lat)
    err_m = np.hypot((w_lon - lon) * M_PER_DEG * np.cos(np.radians(lat)), (w_lat - lat) * M_PER_DEG)
    assert err_m < 0.01


def test_transform_geometry_keeps_shared_vertices_shared():
    a = shapely.Polygon([(116.0, 39.0), (116.5, 39.0), (116.5, 39.5), (116.0, 39.5)])
    b = shapely.Polygon([(116.5, 39.0), (117.0, 39.0), (117.0, 39.5), (116.5, 39.5)])
    ta, tb = transform_geometry(np.array([a, b], dtype=object), to="wgs84")
    shared = ta.intersection(tb)
    assert shared.geom_type == "LineString"
    assert shared.length > 0.49
    assert ta.intersection(tb).area == 0.0
    back = transform_geometry(np.array([ta]), to="gcj02")[0]
    assert shapely.hausdorff_distance(back, a) < 1e-9


def test_transform_geometry_rejects_unknown_target():
    with pytest.raises(ValueError, match="wgs84"):
        transform_geometry(np.array([shapely.Point(116, 39)]), to="bd09")


def test_inverse_passes_missing_coordinates_through():
    lon, lat = gcj02_to_wgs84([np.nan, 121.531541859215, np.inf], [31.1, 31.17530398364597, 30.0])
    assert np.isnan(lon[0]) and np.isinf(lon[2])
    assert lon[1] == pytest.approx(121.5272106, abs=1e-7) and lat[1] == pytest.approx(31.1774276, abs=1e-7)


def test_transform_geometry_unknown_target_is_an_option_error():
    from geoaggl.errors import OptionError

    with pytest.raises(OptionError, match="'wgs84', 'gcj02'; got 'bd09'"):
        transform_geometry(np.array([shapely.Point(116, 39)]), to="bd09")
