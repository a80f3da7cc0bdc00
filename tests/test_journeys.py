"""The researcher's default chains of issue 9, end to end on the shipped data with default arguments.

Each chain is walked here in one test; the per-area files hold the finer checks and the
defect-by-defect regressions: ``test_journeys_names.py`` (keys, harmonize/attach, the sample
export), ``test_journeys_roads.py`` (OD → distance to centre), ``test_journeys_indices.py``
(membership tables with cities in two UAs), ``test_journeys_models.py`` (spatial.check,
cross-section models) and ``test_journeys_cli.py`` (the command line).
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest

import geoaggl
from geoaggl import datasets, indices, inequality, maps, models
from geoaggl.errors import DuplicateMembershipWarning

TWICE = ("130400", "130500", "140800")  # 邯郸, 邢台 (京津冀 & 中原); 运城 (中原 & 关中平原)


def test_sample_export_read_attach_choropleth() -> None:
    """read_yearbook(shipped CNKI export) → attach(prefectures(), …) → maps.choropleth(…)."""
    table = geoaggl.read_yearbook(datasets.sample_yearbook())
    gdf = geoaggl.attach(geoaggl.prefectures(), table)
    col = "年末户籍人口(万人)"
    assert int(gdf[col].notna().sum()) == 27 and gdf.loc["420600", col] == 1243.0  # 襄阳 (synthetic)
    html = maps.choropleth(gdf, col, tiles=None).get_root().render()
    assert "襄阳市" in html and "Xiangyang" in html
    # the legend counts every unit: the 27 with a value in the classes, the other 340 as missing
    counts = [int(c) for c in re.findall(r'data-count=\\"(\d+)\\"', html)]
    assert sum(counts) == len(gdf) == 367 and counts[-1] == 340


def test_membership_chain_national11_defaults() -> None:
    """agglomerations("national11") → every function taking a membership table, default arguments.

    Cities in two UAs are accepted, counted in both (duplicates="both"), and each call warns
    once naming them.
    """
    yb = datasets.synthetic_yearbook(scheme="national11").drop(columns=["agglomeration", "central"])
    members = geoaggl.agglomerations("national11")[["adcode", "agglomeration", "central"]]
    df = yb.merge(members, on="adcode")
    one = df[df["year"] == df["year"].max()]
    calls = {
        "polycentric": lambda: models.polycentric(geoaggl.agglomerations("national11")),
        "dagum_gini_panel": lambda: inequality.dagum_gini_panel(
            df, value="hgdp", group="agglomeration", time="year"
        ),
        "division_of_labour": lambda: indices.division_of_labour(
            one, services="金融业", manufacturing="制造业", group="agglomeration", central="central"
        ),
        "disparity": lambda: indices.disparity(one, value="hgdp", group="agglomeration", central="central"),
        "mono_index_by_group": lambda: indices.mono_index_by_group(one, value="hgdp", group="agglomeration"),
    }
    for name, call in calls.items():
        with warnings.catch_warnings(record=True) as rec:
            warnings.simplefilter("always")
            out = call()
        dup = [w for w in rec if issubclass(w.category, DuplicateMembershipWarning)]
        assert len(dup) == 1, (name, [str(w.message) for w in rec])
        assert all(code in str(dup[0].message) for code in TWICE), name
        assert out is not None
    # counted in both UAs: the panel's n per year includes the three cities twice
    panel = inequality.dagum_gini_panel(df, value="hgdp", group="agglomeration", time="year")
    assert np.isfinite(panel.to_numpy(dtype=float)).all()
    with pytest.warns(DuplicateMembershipWarning):
        div = indices.division_of_labour(
            one, services="金融业", manufacturing="制造业", group="agglomeration", central="central"
        )
    assert isinstance(div, pd.Series) and div.index.equals(one.index) and div.notna().all()
