"""The shared plumbing of issue 11: one option validator, one key lookup, deprecated keyword
aliases, optional dependencies and package settings."""

from __future__ import annotations

import inspect
import warnings

import numpy as np
import pandas as pd
import pytest

import geoaggl
from geoaggl import inequality, maps, models, spatial
from geoaggl._compat import find_optional, import_optional
from geoaggl._graphs import warn_structure
from geoaggl._validate import (
    as_labels,
    check_bool,
    check_option,
    has_key,
    key_values,
    renamed_kwargs,
    require_key,
    setting,
)
from geoaggl.errors import (
    DataError,
    GeoagglDeprecationWarning,
    GeoagglWarning,
    OptionalDependencyError,
    OptionError,
    ParameterTypeError,
    UnknownSchemeError,
)


# --------------------------------------------------------------------------- renamed_kwargs
@renamed_kwargs(n="n_boot", groups="group")
def _f(y: int, group: int = 0, *, n_boot: int = 9) -> tuple[int, int, int]:
    return y, group, n_boot


def test_renamed_kwargs_maps_old_spelling_and_warns_naming_new():
    with pytest.warns(GeoagglDeprecationWarning, match=r"n= is deprecated.*use n_boot="):
        assert _f(1, n=5) == (1, 0, 5)
    with pytest.warns(GeoagglDeprecationWarning, match="use group="):
        assert _f(1, groups=3) == (1, 3, 9)


def test_renamed_kwargs_positional_and_new_calls_do_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert _f(1, 2, n_boot=3) == (1, 2, 3)
        assert _f(y=1, group=2) == (1, 2, 9)


def test_renamed_kwargs_both_spellings_raise():
    with pytest.raises(ParameterTypeError, match="both n_boot= and its deprecated spelling n="):
        _f(1, n=2, n_boot=3)


def test_renamed_kwargs_signature_shows_new_names_and_warning_points_at_caller():
    assert list(inspect.signature(_f).parameters) == ["y", "group", "n_boot"]
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        _f(1, n=2)
    assert rec[0].filename == __file__


# --------------------------------------------------------------------------- renamed public keywords
def _dagum_data() -> tuple[pd.Series, pd.Series]:
    y = pd.Series([1.0, 2.0, 3.0, 4.0, 10.0, 12.0])
    g = pd.Series(["A", "A", "A", "B", "B", "B"])
    return y, g


def test_dagum_gini_groups_alias_equals_group():
    y, g = _dagum_data()
    new = inequality.dagum_gini(y, group=g)
    with pytest.warns(GeoagglDeprecationWarning, match="group="):
        old = inequality.dagum_gini(y, groups=g)
    assert old.G == pytest.approx(new.G)
    assert inequality.dagum_gini(y, g).G == pytest.approx(new.G)  # positional unchanged


def test_dagum_bootstrap_n_alias_and_settings_default(monkeypatch):
    y, g = _dagum_data()
    r = inequality.dagum_gini(y, g)
    with pytest.warns(GeoagglDeprecationWarning, match="n_boot="):
        old = r.bootstrap(n=20, seed=1)
    new = r.bootstrap(n_boot=20, seed=1)
    assert old.replicates.shape == new.replicates.shape == (20, new.replicates.shape[1])
    monkeypatch.setattr(geoaggl.settings, "n_boot", 7)
    assert r.bootstrap(seed=1).replicates.shape[0] == 7  # read at call time


def test_sigma_convergence_unit_alias():
    df = pd.DataFrame(
        {"adcode": ["1", "2", "3"] * 3, "year": [2000] * 3 + [2001] * 3 + [2002] * 3, "v": np.arange(1.0, 10)}
    )
    new = inequality.sigma_convergence(df, value="v", time="year", entity="adcode")
    with pytest.warns(GeoagglDeprecationWarning, match="entity="):
        old = inequality.sigma_convergence(df, value="v", time="year", unit="adcode")
    pd.testing.assert_frame_equal(old.sigma, new.sigma)


def test_polycentric_column_aliases():
    m = geoaggl.agglomerations("national11")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", geoaggl.errors.DuplicateMembershipWarning)
        new = models.polycentric(m, group="agglomeration", entity="adcode")
        with pytest.warns(GeoagglDeprecationWarning, match="group="):
            old = models.polycentric(m, agglomeration="agglomeration", adcode="adcode")
    pd.testing.assert_series_equal(old, new)


def test_attach_year_alias():
    g = geoaggl.prefectures().iloc[:3]
    t = pd.DataFrame({"adcode": list(g.index) * 2, "year": [2010] * 3 + [2011] * 3, "x": range(6)})
    new = geoaggl.attach(g, t, time="year")
    with pytest.warns(GeoagglDeprecationWarning, match="time="):
        old = geoaggl.attach(g, t, year="year")
    pd.testing.assert_frame_equal(
        pd.DataFrame(old.drop(columns="geometry")), pd.DataFrame(new.drop(columns="geometry"))
    )
    assert new.index.names == ["adcode", "year"]


# --------------------------------------------------------------------------- settings
def test_spatial_permutations_read_from_settings(monkeypatch):
    g = geoaggl.prefectures()
    g = g[g["province"] == "广东省"]
    w = geoaggl.weights.contiguity(g)
    y = pd.Series(np.arange(len(g), dtype=float), index=g.index.to_numpy())
    monkeypatch.setattr(geoaggl.settings, "permutations", 19)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GeoagglWarning)
        tab = spatial.check(y, w, seed=0, statistics=("moran",))
    assert int(tab["permutations"].iloc[0]) == 19
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GeoagglWarning)
        tab = spatial.check(y, w, seed=0, statistics=("moran",), permutations=9)
    assert int(tab["permutations"].iloc[0]) == 9  # the keyword wins


def test_map_tiles_read_from_settings(monkeypatch):
    g = geoaggl.prefectures().iloc[:4].assign(x=[1.0, 2.0, 3.0, 4.0])
    monkeypatch.setattr(geoaggl.settings, "tiles", None)
    html = maps.choropleth(g, "x", scheme=None).get_root().render()
    assert "cartocdn" not in html.lower()
    monkeypatch.setattr(geoaggl.settings, "tiles", "CartoDB positron")
    html = maps.choropleth(g, "x", scheme=None).get_root().render()
    assert "cartocdn" in html.lower()


def test_setting_helper_sentinels(monkeypatch):
    monkeypatch.setattr(geoaggl.settings, "n_boot", 5)
    assert setting(None, "n_boot") == 5
    assert setting(3, "n_boot") == 3
    assert setting("default", "tiles", unset="default") == geoaggl.settings.tiles
    assert setting(None, "tiles", unset="default") is None


# --------------------------------------------------------------------------- shared plumbing
def test_check_option_error_class_and_message():
    with pytest.raises(UnknownSchemeError, match="where: kind must be one of 'a', 'b'; got 'c'"):
        check_option("c", ("a", "b"), name="kind", where="where", error=UnknownSchemeError)
    with pytest.raises(OptionError):
        check_option([1], ("a",), name="kind")
    assert check_option("a", ("a", "b"), name="kind") == "a"


def test_check_bool():
    assert check_bool(np.bool_(True), name="flag") is True
    with pytest.raises(ParameterTypeError, match="f: flag must be True or False; got 1"):
        check_bool(1, name="flag", where="f")


def test_key_values_column_then_level():
    df = pd.DataFrame({"a": [1, 2]}, index=pd.MultiIndex.from_tuples([("x", 1), ("y", 2)], names=["k", "t"]))
    assert key_values(df, "a").tolist() == [1, 2]
    assert key_values(df, "t").tolist() == [1, 2]
    assert key_values(df["a"], "k").tolist() == ["x", "y"]
    assert key_values(df, "zz") is None
    assert key_values(df, ["unhashable"]) is None
    assert has_key(df, "k") and has_key(df, "a") and not has_key(df, None) and not has_key(df, "zz")
    with pytest.raises(DataError, match="time 'zz' is neither a column nor an index level"):
        require_key(df, "zz", what="time")
    dup = pd.DataFrame([[1, 2]], columns=["a", "a"])
    with pytest.raises(DataError, match="appears more than once"):
        key_values(dup, "a")


def test_as_labels():
    assert as_labels(None) == []
    assert as_labels("a") == ["a"]
    assert as_labels(["a", "b"]) == ["a", "b"]
    assert as_labels(("a", "b")) == ["a", "b"]
    assert as_labels(("a", "b"), tuple_is_label=True) == [("a", "b")]
    assert as_labels(pd.Index(["a"])) == ["a"]


def test_warn_structure_isolates_and_components():
    ids = pd.Index(["a", "b", "c", "d"])
    focal, neighbor = np.array([0, 1]), np.array([1, 0])
    with pytest.warns(GeoagglWarning) as rec:
        warn_structure(ids, focal, neighbor, name="w")
    text = " | ".join(str(r.message) for r in rec)
    assert "2 unit(s) without neighbours (isolates): c, d" in text or "isolates): 'c', 'd'" in text
    assert "3 components" in text


def test_import_optional_names_the_extra():
    assert import_optional("json", extra="none").__name__ == "json"
    with pytest.raises(OptionalDependencyError, match=r'pip install "geoaggl\[roads\]"') as err:
        import_optional("geoaggl_no_such_module", extra="roads", purpose="graph_from_osm")
    assert isinstance(err.value, ImportError)
    assert "graph_from_osm needs" in str(err.value)
    with pytest.raises(OptionalDependencyError, match=r"geoaggl\[full\]"):
        find_optional("geoaggl_no_such_module", extra="full")


# --------------------------------------------------------------------------- attrs stay concat-safe
def test_results_outside_roads_concat_on_pandas3():
    """attrs hold plain metadata only, so pd.concat of two results works (differing or equal attrs)."""
    from geoaggl import datasets

    pairs = [
        (datasets.synthetic_yearbook(seed=0), datasets.synthetic_yearbook(seed=1)),
        (datasets.synthetic_employment(seed=0), datasets.synthetic_employment(seed=1)),
        (datasets.published("sigma"), datasets.published("dagum_within")),
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GeoagglWarning)
        yb = geoaggl.read_yearbook(datasets.sample_yearbook())
    pairs.append((yb, yb.iloc[:3]))
    for a, b in pairs:
        out = pd.concat([a, b])
        assert len(out) == len(a) + len(b)
