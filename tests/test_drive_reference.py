"""Schema and sanity checks for the published driving reference set (tests/data/drive_reference.csv).

These tests check the data only (no geoaggl routing): every pair is unique, both ends are shipped
units, the road km exceeds the great-circle distance between the seats, stated times give plausible
speeds, every row cites a source, and the calibration/check split covers every class and region.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

import geoaggl

CSV = Path(__file__).parent / "data" / "drive_reference.csv"
CLASSES = {"intra_metro", "medium", "long", "plateau"}
REGIONS = {"east", "northeast", "central", "southwest", "northwest", "tibet", "south"}
COLUMNS = [
    "from_adcode",
    "from_name",
    "to_adcode",
    "to_name",
    "km",
    "minutes",
    "class",
    "region",
    "split",
    "source",
    "retrieved",
    "notes",
]


@pytest.fixture(scope="module")
def ref() -> pd.DataFrame:
    return pd.read_csv(CSV, dtype={"from_adcode": str, "to_adcode": str})


@pytest.fixture(scope="module")
def seats() -> pd.DataFrame:
    return geoaggl.prefectures(include_sar=True)[["name", "seat_lon", "seat_lat"]]


def _great_circle_km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


def test_columns_and_values(ref: pd.DataFrame) -> None:
    assert list(ref.columns) == COLUMNS
    assert set(ref["class"]) <= CLASSES
    assert set(ref["region"]) <= REGIONS
    assert set(ref["split"]) == {"calibration", "check"}
    assert (ref["km"] > 0).all()
    assert ref["minutes"].dropna().gt(0).all()
    assert (ref["retrieved"] == "2026-12").all()


def test_pairs_unique_in_either_direction(ref: pd.DataFrame) -> None:
    keys = [tuple(sorted(p)) for p in zip(ref["from_adcode"], ref["to_adcode"], strict=True)]
    assert len(keys) == len(set(keys))
    assert (ref["from_adcode"] != ref["to_adcode"]).all()


def test_ends_are_shipped_units_with_matching_names(ref: pd.DataFrame, seats: pd.DataFrame) -> None:
    for code_col, name_col in (("from_adcode", "from_name"), ("to_adcode", "to_name")):
        missing = sorted(set(ref[code_col]) - set(seats.index))
        assert not missing, missing
        assert (seats.loc[ref[code_col], "name"].to_numpy() == ref[name_col].to_numpy()).all()


def test_road_km_exceeds_seat_great_circle(ref: pd.DataFrame, seats: pd.DataFrame) -> None:
    bad = []
    for row in ref.itertuples():
        a, b = seats.loc[row.from_adcode], seats.loc[row.to_adcode]
        gc = _great_circle_km(a.seat_lon, a.seat_lat, b.seat_lon, b.seat_lat)
        if not row.km > gc:
            bad.append((row.from_name, row.to_name, row.km, round(gc, 1)))
    assert not bad, bad


def test_stated_times_give_plausible_speeds(ref: pd.DataFrame) -> None:
    timed = ref.dropna(subset=["minutes"])
    kph = timed["km"] / (timed["minutes"] / 60.0)
    assert kph.between(20, 120).all(), timed.loc[~kph.between(20, 120), ["from_name", "to_name"]]


def test_every_row_cites_a_source(ref: pd.DataFrame) -> None:
    src = ref["source"].fillna("").str.strip()
    assert (src.str.len() > 20).all()
    assert src.str.contains(r"https?://|\.com|\.cn", regex=True).all()


def test_class_matches_distance(ref: pd.DataFrame) -> None:
    assert (ref.loc[ref["class"] == "intra_metro", "km"] < 100).all()
    medium = ref.loc[ref["class"] == "medium", "km"]
    assert medium.between(100, 500).all()
    assert (ref.loc[ref["class"] == "long", "km"] > 500).all()


def test_split_covers_every_class_and_region(ref: pd.DataFrame) -> None:
    for col in ("class", "region"):
        counts = ref.groupby([col, "split"]).size().unstack(fill_value=0)
        for key, row in counts.iterrows():
            if row.sum() >= 2:
                assert row.get("calibration", 0) >= 1 and row.get("check", 0) >= 1, (col, key)
                gap = abs(row.get("calibration", 0) - row.get("check", 0))
                assert gap <= max(2, row.sum() // 3), (col, key)


def test_seats_overrides_and_fallbacks_are_shipped(seats: pd.DataFrame) -> None:
    """The shipped seats are the points of seat_overrides.csv / seat_fallback.csv (大兴安岭 at 加格达奇)."""
    root = Path(__file__).resolve().parents[1] / "boundaries"
    for name in ("seat_overrides.csv", "seat_fallback.csv"):
        table = pd.read_csv(root / name, dtype={"adcode": str}, comment="#").set_index("adcode")
        got = seats.loc[table.index, ["seat_lon", "seat_lat"]].to_numpy()
        assert abs(got - table[["lon", "lat"]].to_numpy()).max() < 1e-6, name
    jagdaqi = seats.loc["232700"]
    assert _great_circle_km(jagdaqi.seat_lon, jagdaqi.seat_lat, 124.1396, 50.4087) < 1.0
