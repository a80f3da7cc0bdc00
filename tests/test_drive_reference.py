"""The published driving reference set (tests/data/drive_reference.csv) and the road model checked on it.

Data checks: every pair is unique, both ends are shipped units, the road km exceeds the great-circle
distance between the seats, stated times give plausible speeds, every row cites a source, and the
calibration/check split covers every class and region.

Second sources: where an independent second page gave a figure for the same pair (``km2``,
``source2``), ``agreement`` records whether the two agree within ±10 % (``agree``/``disagree``;
``single`` without a second figure).  A pair whose sources disagree cannot check a ±10 % tolerance,
so the model checks leave it out.

Model checks (issue #14): the calibrated distance correction and travel-time model of the bundled
graph, measured through the public API on the *check* half only, without disputed pairs (the model
was fitted on the calibration half of the first compilation, ``batch`` 1, by
boundaries/fit_road_model.py; every row of the second compilation, ``batch`` 2, is a check row).
The issue's targets that the model does not reach on this reference set are strict xfails, so the
gap stays visible and a fix shows up.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
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
    "km2",
    "minutes2",
    "source2",
    "agreement",
    "batch",
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
    assert set(ref["split"]) <= {"calibration", "check", "superseded"}
    assert (ref["split"] == "superseded").sum() <= 2  # stale routes kept for provenance only
    assert (ref["km"] > 0).all()
    assert ref["minutes"].dropna().gt(0).all()
    assert (ref["retrieved"] == "2026-12").all()
    assert set(ref["batch"]) == {1, 2}
    assert (ref.loc[ref["batch"] == 2, "split"] == "check").all()  # compiled after the fit


def test_second_sources_and_agreement(ref: pd.DataFrame) -> None:
    """``agreement`` is the ±10 % rule on km2/km; every second figure cites its own page."""
    ratio = ref["km2"] / ref["km"]
    expected = np.where(ratio.isna(), "single", np.where((ratio - 1).abs() <= 0.10, "agree", "disagree"))
    assert (ref["agreement"].to_numpy() == expected).all()
    has2 = ref["km2"].notna() | ref["minutes2"].notna()
    src2 = ref["source2"].fillna("")
    assert src2[has2].str.contains(r"https?://", regex=True).all()
    assert (src2[has2].str.split(" ").str[0] != ref.loc[has2, "source"].str.split(" ").str[0]).all()
    assert ref["km2"].dropna().gt(0).all() and ref["minutes2"].dropna().gt(0).all()
    # the second compilation keeps only pairs whose first figure is a road-type distance
    assert ref.loc[ref["batch"] == 2, "km2"].notna().sum() >= 20


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
    first = ref[ref["batch"] == 1]
    for col in ("class", "region"):
        counts = first.groupby([col, "split"]).size().unstack(fill_value=0)
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


# ----------------------------------------------------------------------------- road model (#14)
@pytest.fixture(scope="module")
def model(ref: pd.DataFrame) -> pd.DataFrame:
    """Model km (corrected and raw) and minutes for every reference pair, via roads.od_matrix."""
    from geoaggl import roads

    G = roads.china_highways()
    seats = geoaggl.prefectures(include_sar=True)
    pts = seats.loc[sorted(set(ref["from_adcode"]) | set(ref["to_adcode"]))]
    out = ref.copy()
    for weight, col in (("length", "model_km"), ("length_raw", "raw_km"), ("travel_time", "model_min")):
        od = roads.od_matrix(G, pts, weight=weight)
        rows, cols = od.index.get_indexer(ref["from_adcode"]), od.columns.get_indexer(ref["to_adcode"])
        out[col] = od.to_numpy()[rows, cols]
    out["km_ratio"] = out["model_km"] / out["km"]
    out["raw_ratio"] = out["raw_km"] / out["km"]
    out["min_ratio"] = out["model_min"] / out["minutes"]
    return out


@pytest.fixture(scope="module")
def check(model: pd.DataFrame) -> pd.DataFrame:
    """The check half without the pairs whose two sources disagree by more than 10 %."""
    return model[(model["split"] == "check") & (model["agreement"] != "disagree")]


def _within(r: pd.Series, tol: float) -> float:
    return float(((r.dropna() - 1.0).abs() <= tol).mean())


def test_check_half_distance_median_within_3pct(check: pd.DataFrame) -> None:
    assert abs(check["km_ratio"].median() - 1.0) <= 0.03
    assert abs(check["raw_ratio"].median() - 1.0) > 0.08  # the uncorrected chords run ~10 % short


def test_check_half_correction_beats_raw_chords(check: pd.DataFrame, model: pd.DataFrame) -> None:
    assert _within(check["km_ratio"], 0.10) >= _within(check["raw_ratio"], 0.10) + 0.10
    assert (model["model_km"] >= model["raw_km"] - 1e-9).all()  # factors >= 1, length_raw kept


@pytest.mark.xfail(
    strict=True, reason="#14 target 85 % within +-10 %: 67 % on the check half (noisy sources)"
)
def test_check_half_distance_85pct_within_10pct(check: pd.DataFrame) -> None:
    assert _within(check["km_ratio"], 0.10) >= 0.85


def test_check_half_distance_floor(check: pd.DataFrame) -> None:
    assert _within(check["km_ratio"], 0.10) >= 0.65  # measured figure, stated in the README


@pytest.mark.parametrize(
    "region",
    [
        "east",
        "northeast",
        "northwest",
        "southwest",
        "tibet",
        "central",
        "south",
    ],
)
def test_check_half_region_median_within_5pct(check: pd.DataFrame, region: str) -> None:
    r = check.loc[check["region"] == region, "km_ratio"]
    assert len(r) >= 1
    assert abs(r.median() - 1.0) <= 0.05, (region, r.median())


@pytest.mark.parametrize(
    "cls",
    [
        "medium",
        "long",
        "plateau",
        "intra_metro",
    ],
)
def test_check_half_time_median_by_class_within_10pct(check: pd.DataFrame, cls: str) -> None:
    r = check.loc[check["class"] == cls, "min_ratio"].dropna()
    assert len(r) >= 4
    assert abs(r.median() - 1.0) <= 0.10, (cls, r.median())


def test_shipped_fit_report_matches_the_public_api(model: pd.DataFrame) -> None:
    from geoaggl._roadmodel import load_params

    fit = load_params()["fit"]
    for split, g in model.groupby("split"):
        assert fit[split]["km_ratio"]["median"] == pytest.approx(g["km_ratio"].median(), abs=2e-3)
        assert fit[split]["min_ratio"]["median"] == pytest.approx(g["min_ratio"].median(), abs=2e-3)
        assert fit[split]["km_ratio"]["within_10pct"] == pytest.approx(_within(g["km_ratio"], 0.10), abs=2e-3)


def test_speed_kph_overrides_with_a_constant_and_no_access_time() -> None:
    import types

    import numpy as np

    from geoaggl import roads
    from geoaggl._roadgraph import FERRY, SAR_LINK, bundled_arrays

    comp = roads._bundled_compact(80.0, 90.0)
    calibrated = roads._bundled_compact(None, 90.0)
    kind = bundled_arrays()["connector"]
    road = np.r_[kind, kind] != FERRY
    road &= np.r_[kind, kind] != SAR_LINK  # Hong Kong / Macao links keep their stated times
    w = comp.weights
    np.testing.assert_allclose(w["travel_time"][road], w["length"][road] / (80 / 3.6), rtol=1e-12)
    assert np.array_equal(w["length"], calibrated.weights["length"])  # the distance model does not move
    assert np.array_equal(w["length_raw"], np.r_[bundled_arrays()["length_m"], bundled_arrays()["length_m"]])
    const = types.SimpleNamespace(graph={"geoaggl": {"graph": "china_highways", "speed_kph": 80.0}})
    model = types.SimpleNamespace(graph={"geoaggl": {"graph": "china_highways", "speed_kph": None}})
    assert not roads._calibrated_speeds(const)  # no access minutes added with a constant speed
    assert roads._calibrated_speeds(model)


def test_apply_road_model_with_neutral_parameters_returns_the_chords() -> None:
    import numpy as np

    from geoaggl._roadmodel import apply_road_model, load_params

    p = load_params()
    p["distance"] = {k: 0.0 for k in p["distance"]}
    p["speed"] = {k: 0.0 for k in p["speed"]}
    p["speed"]["const"] = float(np.log(72.0))
    lon, lat = np.array([116.0, 116.1, 116.3]), np.array([40.0, 40.0, 40.1])
    u, v, length = np.array([0, 1]), np.array([1, 2]), np.array([8500.0, 22000.0])
    got_len, got_t = apply_road_model(u, v, length, lon, lat, params=p)
    np.testing.assert_array_equal(got_len, length)
    np.testing.assert_allclose(got_t, length / 20.0)  # 72 km/h = 20 m/s
    p["distance"]["const"] = 0.1
    got_len, _ = apply_road_model(u, v, length, lon, lat, connector=np.array([0, 2]), params=p)
    np.testing.assert_array_equal(got_len, [np.round(8500 * np.exp(0.1)), 22000.0])  # connectors kept


def test_access_minutes_nonnegative_and_follow_the_density_terms(seats: pd.DataFrame) -> None:
    """Road model 2 ships one access time per trip end (a density slope fitted to ~0 under the
    cross-validated ridge, boundaries/cv_road_model.py); a density term still lengthens access
    in big cities when given a positive coefficient."""
    from geoaggl._roadgraph import bundled_arrays
    from geoaggl._roadmodel import access_features, access_minutes, load_params

    z = bundled_arrays()
    pts = seats.loc[["440100", "540100", "310100"]]  # 广州, 拉萨, 上海
    node_lon, node_lat = z["lon_e3"] / 1000.0, z["lat_e3"] / 1000.0
    got = access_minutes(pts["seat_lon"], pts["seat_lat"], node_lon, node_lat)
    p = load_params()
    feat = access_features(pts["seat_lon"], pts["seat_lat"], node_lon, node_lat)
    expected = sum(float(c) * feat[name] for name, c in p["access"].items())
    assert (got >= 0).all()
    np.testing.assert_allclose(got, np.maximum(0.0, expected))
    for term in ("dens", "dens_wide"):
        p["access"] = {"const": 5.0, term: 1.0}
        got = access_minutes(pts["seat_lon"], pts["seat_lat"], node_lon, node_lat, params=p)
        assert got[0] > got[1] and got[2] > got[1], term


def test_second_compilation_is_out_of_sample_and_measured(check: pd.DataFrame) -> None:
    """The pairs compiled after the fit (batch 2) score like the rest of the check half."""
    late = check[check["batch"] == 2]
    assert len(late) >= 20
    assert abs(late["km_ratio"].median() - 1.0) <= 0.05
    assert _within(late["km_ratio"], 0.10) >= 0.6


def test_two_source_agreement_rate_is_the_stated_one(ref: pd.DataFrame) -> None:
    """The README states how often two independent pages agree within ±10 %: the ceiling the
    references put on any check of a ±10 % tolerance."""
    two = ref[ref["km2"].notna()]
    agree = int((two["agreement"] == "agree").sum())
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    assert f"{agree} of {len(two)} pairs" in readme
