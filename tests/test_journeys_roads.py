"""The road journey of issue 9, on the shipped data with default arguments.

``od_matrix(china_highways(), prefectures())`` → ``distance_to_centre(od, agglomerations("national11"))``
must run as printed: Hong Kong and Macao (members of 粤港澳大湾区, but neither in ``prefectures()``
nor on the graph) get NaN with one warning naming them; 邯郸, 邢台 (京津冀 & 中原) and 运城 (中原 &
关中平原) are counted in both of their UAs with one warning naming them.  The demo used to drop
810000/820000 by hand before calling ``distance_to_centre``; it gets the same numbers.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from geoaggl import agglomerations, prefectures, roads
from geoaggl.errors import DuplicateMembershipWarning, UnreachableWarning

HK, MACAO = "810000", "820000"
TWICE = {"130400": ("京津冀", "中原"), "130500": ("京津冀", "中原"), "140800": ("中原", "关中平原")}


@pytest.fixture(scope="module")
def od() -> pd.DataFrame:
    with pytest.warns(UnreachableWarning, match="460300"):  # 三沙: no road, inf, warned
        return roads.od_matrix(roads.china_highways(), prefectures())


def caught(func, *args, **kwargs):
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        out = func(*args, **kwargs)
    return out, rec


def test_od_to_distance_to_centre_national11_with_default_arguments(od):
    mem = agglomerations("national11")
    d, rec = caught(roads.distance_to_centre, od, mem)
    unreachable = [w for w in rec if issubclass(w.category, UnreachableWarning)]
    twice = [w for w in rec if issubclass(w.category, DuplicateMembershipWarning)]
    assert len(unreachable) == 1 and len(twice) == 1 and len(rec) == 2
    msg = str(unreachable[0].message)
    assert HK in msg and MACAO in msg and "香港" in msg and "澳门" in msg
    assert all(code in str(twice[0].message) for code in TWICE)
    assert d.index.is_unique and d.index.name == "adcode" and set(d.index) == set(mem["adcode"])
    assert np.isnan(d[[HK, MACAO]]).all()
    rest = d.drop([HK, MACAO])
    assert np.isfinite(rest).all() and (rest >= 0).all() and rest.max() < 1000
    centres = mem.loc[mem["central"], "adcode"].unique()
    assert (d[centres] == 0).all()
    # a city in two UAs: the nearest central city over both UAs, read straight from the OD matrix
    for code, uas in TWICE.items():
        cents = mem.loc[mem["agglomeration"].isin(uas) & mem["central"], "adcode"]
        assert d[code] == od.loc[code, cents].min()
        assert d.attrs["centre"][code] == od.loc[code, cents].idxmin()


def test_one_row_per_listing_and_first_listing(od):
    mem = agglomerations("national11")
    d, _ = caught(roads.distance_to_centre, od, mem)
    by, _ = caught(roads.distance_to_centre, od, mem, by_agglomeration=True)
    assert len(by) == len(mem) == 177 and by.index.names == ["agglomeration", "adcode"]
    for code, uas in TWICE.items():
        assert d[code] == min(by[(ua, code)] for ua in uas)
    first, rec = caught(roads.distance_to_centre, od, mem, duplicates="first")
    assert sum(issubclass(w.category, DuplicateMembershipWarning) for w in rec) == 1
    for code in TWICE:
        ua = mem.loc[mem["adcode"] == code, "agglomeration"].iloc[0]  # first listing in table order
        assert first[code] == by[(ua, code)]
        assert first.attrs["agglomeration"][code] == ua
    once = d.index.difference(list(TWICE))
    pd.testing.assert_series_equal(first[once], d[once])  # cities listed once: the same under any policy


def test_same_numbers_as_the_manual_workaround(od):
    mem = agglomerations("national11")
    d, _ = caught(roads.distance_to_centre, od, mem)
    manual = mem[mem["adcode"].isin(od.index)]  # what the demo did by hand
    ref, rec = caught(roads.distance_to_centre, od, manual)
    assert not any(issubclass(w.category, UnreachableWarning) for w in rec)
    pd.testing.assert_series_equal(d.drop([HK, MACAO]), ref)
    prim, _ = caught(roads.distance_to_centre, od, mem, rule="primary")
    assert np.isnan(prim[[HK, MACAO]]).all() and (prim.drop([HK, MACAO]) >= ref - 1e-9).all()


def test_report_frame_and_concat_of_two_results(od):
    """Side results: report=True gives centre and agglomeration as columns; attrs hold plain
    values only, so pandas 3 can concatenate two results (#11)."""
    mem = agglomerations("national11")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        d = roads.distance_to_centre(od, mem)
        rep = roads.distance_to_centre(od, mem, report=True)
    assert list(rep.columns) == ["distance", "centre", "agglomeration"]
    pd.testing.assert_series_equal(rep["distance"], d, check_names=False)
    assert rep.loc["130400", "centre"] == d.attrs["centre"]["130400"]
    both = pd.concat([d, d])
    assert len(both) == 2 * len(d)
