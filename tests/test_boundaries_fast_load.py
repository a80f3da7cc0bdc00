"""prefectures.npz (the binary copy of prefectures.geojson read without GDAL) gives the same frame (#12)."""

from __future__ import annotations

import hashlib
from importlib import resources

import numpy as np
import pandas as pd
import pyogrio
import shapely

from geoaggl import boundaries


def test_npz_is_made_from_the_shipped_geojson():
    data = resources.files("geoaggl") / "data"
    with resources.as_file(data / "prefectures.npz") as p, np.load(p) as z:
        recorded = str(z["source_sha1"])
    assert recorded == hashlib.sha1((data / "prefectures.geojson").read_bytes()).hexdigest(), (
        "prefectures.npz is stale: run python boundaries/build_prefectures_npz.py"
    )


def test_npz_frame_equals_the_geojson_read_by_pyogrio(monkeypatch):
    fast = boundaries._read_npz()
    assert fast is not None
    data = resources.files("geoaggl") / "data"
    with resources.as_file(data / "prefectures.geojson") as p:
        ref = pyogrio.read_dataframe(p, use_arrow=False)
    assert fast.columns.tolist() == ref.columns.tolist()
    pd.testing.assert_frame_equal(
        pd.DataFrame(fast.drop(columns="geometry")),
        pd.DataFrame(ref.drop(columns="geometry")),
        check_exact=True,
    )
    a, b = np.asarray(fast.geometry.values), np.asarray(ref.geometry.values)
    assert shapely.equals_exact(a, b, tolerance=0).all()  # same vertices, bit for bit
    assert (shapely.get_type_id(a) == shapely.get_type_id(b)).all()
    # and prefectures() is the same whichever file it read
    boundaries._load_simplified.cache_clear()
    try:
        via_npz = boundaries.prefectures(include_sar=True)
        monkeypatch.setattr(boundaries, "_read_npz", lambda: None)
        boundaries._load_simplified.cache_clear()
        via_geojson = boundaries.prefectures(include_sar=True)
    finally:
        boundaries._load_simplified.cache_clear()
    pd.testing.assert_frame_equal(via_npz, via_geojson, check_exact=True)
    assert via_npz.crs == via_geojson.crs == "EPSG:4326"


def test_stale_npz_is_ignored(monkeypatch, tmp_path):
    """A binary copy made from another GeoJSON is never read."""
    data = resources.files("geoaggl") / "data"
    with resources.as_file(data / "prefectures.npz") as p, np.load(p) as z:
        arrays = {k: z[k] for k in z.files}
    arrays["source_sha1"] = np.array("0" * 40)
    fake = tmp_path / "data"
    fake.mkdir()
    np.savez(fake / "prefectures.npz", **arrays)
    (fake / "prefectures.geojson").write_bytes((data / "prefectures.geojson").read_bytes())

    class Files:
        def __truediv__(self, name):
            return fake if name == "data" else tmp_path / name

    monkeypatch.setattr(boundaries.resources, "files", lambda pkg: Files())
    assert boundaries._read_npz() is None
