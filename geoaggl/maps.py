r"""Folium choropleths of disparity, integration and LISA clusters.

* :func:`choropleth` — a classed (mapclassify) or unclassed choropleth of one column, with a
  legend listing class ranges and counts, missing values drawn hatched grey (never as a class),
  escaped tooltips (Chinese name, English name, value), optional UA outlines, one layer per year
  (``time=``) and tiles that may be absent (``tiles=None``) or Amap/Gaode (geometry shifted to
  GCJ-02).
* :func:`disparity_map` — diverging palette centred on 0; :func:`integration_map` — sequential.
* :func:`lisa_map` — HH/HL/LH/LL/not significant clusters from :func:`geoaggl.spatial.lisa`.
* :func:`save_offline` — write a map whose Leaflet JS/CSS are inlined from local files, so that the
  page draws with no network at all; :func:`inline` — the same page for display in a Jupyter
  notebook (folium's own notebook display loads Leaflet from CDNs and stays blank offline).

folium is imported on first use: ``import geoaggl.maps`` does not import it.
"""

from __future__ import annotations

import html
import math
import os
import re
import warnings
from collections.abc import Hashable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ._validate import check_int, check_option, check_real, setting
from .errors import (
    ColumnNotFoundError,
    CRSError,
    DataError,
    GeoagglWarning,
    OptionError,
    ParameterTypeError,
    UnknownSchemeError,
    format_keys,
)

if TYPE_CHECKING:
    import folium
    import geopandas as gpd

__all__ = [
    "LISA_LABELS",
    "SCHEMES",
    "OfflineMap",
    "choropleth",
    "disparity_map",
    "inline",
    "integration_map",
    "lisa_map",
    "save_offline",
]

#: Classification schemes (mapclassify names; spaces, ``_`` and ``-`` are ignored, case too).
SCHEMES = (
    "quantiles",
    "naturalbreaks",
    "fisherjenks",
    "equalinterval",
    "userdefined",
    "boxplot",
    "headtailbreaks",
    "jenkscaspall",
    "maximumbreaks",
    "percentiles",
    "prettybreaks",
    "stdmean",
)
#: LISA cluster labels in legend order (as produced by :func:`geoaggl.spatial.lisa`).
LISA_LABELS = ("HH", "HL", "LH", "LL", "not significant")

_LEGEND_KEYS = ("caption", "fmt", "labels", "position", "counts", "missing_label")
_MISSING_KEYS = ("fillColor", "color", "weight", "dashArray", "fillOpacity", "opacity", "hatch", "label")
_BASE_STYLE: dict[str, Any] = {"color": "#ffffff", "weight": 0.5, "opacity": 1.0, "fillOpacity": 0.85}


# ---------------------------------------------------------------------------------------------- inputs
def _is_adcode_index(index: pd.Index) -> bool:
    vals = pd.Index(index).astype(str)
    return len(vals) > 0 and bool(vals.str.fullmatch(r"\d{6}").all())


_KEY = "__geoaggl_key__"
_ROW = "__geoaggl_row__"
_GEOM = "__geoaggl_geometry__"
_NO_YEAR = "__geoaggl_no_year__"


def _as_frame(
    data: Any, column: Hashable | None, *, time: Hashable | None = None
) -> tuple[gpd.GeoDataFrame, Hashable]:
    """A new GeoDataFrame in EPSG:4326 with the value column; plain tables get the unit polygons."""
    import geopandas as gpd

    if isinstance(data, pd.Series):
        col = column if column is not None else (data.name if data.name is not None else "value")
        data = data.to_frame(name=col)
        column = col
    if not isinstance(data, pd.DataFrame):
        raise ParameterTypeError(f"expected a GeoDataFrame, DataFrame or Series, got {type(data).__name__}")
    if column is None:
        raise ParameterTypeError("column is required (the name of the column to map)")
    if column not in data.columns:
        raise ColumnNotFoundError(
            f"column {column!r} not found; available: {format_keys(map(str, data.columns))}"
        )
    if isinstance(data, gpd.GeoDataFrame) and data.geometry.name in data.columns:
        if data.crs is None:
            raise CRSError("the GeoDataFrame has no CRS; set one (e.g. gdf.set_crs('EPSG:4326'))")
        frame = data.to_crs("EPSG:4326") if not data.crs.equals("EPSG:4326") else data.copy()
        return frame, column
    return _attach_polygons(data, time), column


def _attach_polygons(data: pd.DataFrame, time: Hashable | None) -> gpd.GeoDataFrame:
    """Join a plain table onto the unit polygons with :func:`geoaggl.attach` (its exact key rules).

    The keys are the ``adcode`` column, else the index: adcodes as int, float or str, former codes and
    Chinese names, resolved as :func:`geoaggl.attach` resolves them.  Only the units the table's rows
    resolve to are kept, in the table's row order; unmatched keys are reported by ``attach``'s
    warning, and a table none of whose keys matches is an error.
    """
    from .boundaries import prefectures
    from .names import attach

    table = pd.DataFrame(data).copy()
    if "adcode" in table.columns:
        on = "adcode"
        table = table.reset_index(drop=True)
    else:
        on = _KEY
        table = table.reset_index(drop=True).assign(**{_KEY: list(data.index)})
    table[_ROW] = np.arange(len(table))
    polys = prefectures(include_sar=True)
    keep = [c for c in ("name", "name_en") if c not in table.columns]
    base = polys[keep].set_geometry(polys.geometry.to_numpy(), crs=polys.crs).rename_geometry(_GEOM)
    year = time if (time is not None and time in table.columns) else _NO_YEAR
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        joined = attach(base, table, on=on, time=year, errors="warn")
    hit = joined[_ROW].notna().to_numpy()
    if not hit.any():
        raise DataError(
            "no row of the table matched a prefecture-level unit (keys are read as adcodes "
            f"or Chinese names, as geoaggl.attach reads them): {format_keys(table[on])}"
        )
    for w in caught:
        warnings.warn(w.message, w.category, stacklevel=4)
    frame = joined.loc[hit]
    if year != _NO_YEAR:
        frame = frame.reset_index(level=year)
    frame = frame.iloc[np.argsort(frame[_ROW].to_numpy(), kind="stable")].drop(columns=_ROW)
    frame.index.name = "adcode"
    return frame


def _names(frame: gpd.GeoDataFrame) -> tuple[list[str], list[str] | None]:
    """Chinese and English names for the tooltips."""
    idx = pd.Index(frame["adcode"] if "adcode" in frame.columns else frame.index).astype(str)
    lookup = None
    if ("name" not in frame.columns or "name_en" not in frame.columns) and _is_adcode_index(idx):
        from .boundaries import prefectures

        lookup = prefectures(include_sar=True)[["name", "name_en"]].reindex(idx)
    if "name" in frame.columns:
        zh = frame["name"].astype(object).where(frame["name"].notna(), "").astype(str).tolist()
    elif lookup is not None:
        zh = lookup["name"].fillna("").astype(str).tolist()
    else:
        zh = [str(v) for v in frame.index]
    en: list[str] | None = None
    for c in ("name_en", "agglomeration_en"):
        if c in frame.columns:
            en = frame[c].astype(object).where(frame[c].notna(), "").astype(str).tolist()
            break
    if en is None and lookup is not None:
        en = lookup["name_en"].fillna("").astype(str).tolist()
    return zh, en


def _round_coords(geoms: np.ndarray, precision: int, gcj: bool) -> np.ndarray:
    import shapely

    from ._geo import transform_geometry

    out = transform_geometry(geoms, to="gcj02") if gcj else geoms
    return shapely.transform(out, lambda c: np.round(c, precision))


# ---------------------------------------------------------------------------------------------- classes
def _norm_scheme(scheme: str | None) -> str | None:
    if scheme is None:
        return None
    if not isinstance(scheme, str):
        raise ParameterTypeError(f"scheme must be a str or None, got {type(scheme).__name__}")
    key = "".join(ch for ch in scheme.lower() if ch not in " _-")
    try:
        return check_option(key, SCHEMES, name="scheme (classification)")
    except OptionError:
        raise UnknownSchemeError(
            f"unknown classification scheme {scheme!r}; valid: {', '.join(SCHEMES)} (or None: unclassed)"
        ) from None


def _auto_decimals(values: np.ndarray) -> int:
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return 2
    with np.errstate(over="ignore"):
        span = float(finite.max() - finite.min()) or float(np.abs(finite).max()) or 1.0
    if not math.isfinite(span):  # values near the float maximum (C30)
        span = float(np.abs(finite).max())
    return int(min(6, max(0, 2 - math.floor(math.log10(span)))))


def _plain(v: Any) -> Any:
    """A numpy scalar as the Python number it holds (for messages)."""
    return v.item() if isinstance(v, np.generic) else v


def _formatter(fmt: Any, decimals: int) -> Any:
    """The legend/tooltip number formatter; a ``fmt`` that cannot format the values is an OptionError."""
    if fmt is None:
        return lambda v: f"{v:,.{decimals}f}"
    if not (callable(fmt) or isinstance(fmt, str)):
        raise ParameterTypeError(
            "legend_kwds['fmt'] must be a format string like '{:.2f}' or a callable; "
            f"got {type(fmt).__name__}"
        )

    def apply(v: float) -> str:
        try:
            if callable(fmt):
                return str(fmt(v))
            try:
                return fmt.format(v)
            except ValueError:  # '{:d}' on a whole float: format the int
                if isinstance(v, float) and v.is_integer():
                    return fmt.format(int(v))
                raise
        except Exception as exc:  # user-supplied formatter: any failure names the option
            raise OptionError(
                f"legend_kwds['fmt'] = {fmt!r} cannot format the value {_plain(v)!r}: {exc}"
            ) from None

    return apply


def _quantiles(y: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    r"""``mapclassify.Quantiles(y, k)``'s classes and bins, bit for bit, without importing it.

    mapclassify imports scikit-learn, SciPy's statistics and Matplotlib's pyplot (~0.8–2 s on a
    cold process); the default scheme needs none of them.  Same arithmetic as mapclassify 2.x
    (``quantile`` via ``scipy.stats.scoreatpercentile`` with ``interpolation_method="fraction"``,
    then ``bin1d``): for :math:`p_j = 100 j / k` (the last clipped to 100) and sorted values
    :math:`s`, with :math:`x = p_j (n - 1) / 100`, :math:`i = \lfloor x \rfloor`,

    .. math:: q_j = \frac{s_i\,(i + 1 - x) + s_{i+1}\,(x - i)}{(i + 1 - x) + (x - i)}

    (:math:`s_i` when :math:`x` is whole), duplicates dropped; value :math:`y` goes to the first
    class :math:`j` with :math:`y \le q_j`.  ``tests/test_maps.py`` compares it with mapclassify.
    """
    w = 100.0 / k
    p = np.arange(w, 100 + w, w)
    if p[-1] > 100.0:
        p[-1] = 100.0
    s = np.sort(y)
    q = []
    for per in p:
        x = per / 100.0 * (s.size - 1)
        i = int(x)
        if i == x:
            q.append(float(s[i]))
        else:
            w0, w1 = (i + 1) - x, x - i
            q.append(float((s[i] * w0 + s[i + 1] * w1) / np.array([w0, w1]).sum()))
    bins = np.unique(np.asarray(q, dtype=float))
    yb = np.searchsorted(bins, y, side="left")
    return np.where(yb < bins.size, yb, 0).astype(np.int64), bins


def _check_classifiable(y: np.ndarray, scheme: str) -> None:
    """mapclassify's schemes sum squares of the values and of their differences: values so large
    that the squares overflow, or so close together that they underflow, give wrong classes, an
    error from deep inside, or (Jenks-Caspall) a loop that never ends.  Refuse them up front."""
    y = np.asarray(y, dtype=float)
    with np.errstate(over="ignore", under="ignore"):
        mag = float(np.max(np.abs(y)))
        spread = float(np.ptp(y))
        ok = bool(np.isfinite(mag * mag * y.size)) and (spread == 0 or spread * spread > 0)
    if not ok:
        raise DataError(
            f"scheme={scheme!r}: the values (from {np.min(y):.6g} to {np.max(y):.6g}) are too large or "
            "too close together to classify in floating point; rescale the column (e.g. to "
            "thousands or millions) first"
        )


def _classify(y: np.ndarray, scheme: str, k: int, kwds: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """Class index of every value and the class upper bounds (mapclassify; quantiles: :func:`_quantiles`)."""
    kwds = dict(kwds)
    if scheme == "userdefined" and "bins" not in kwds:
        raise DataError("scheme='userdefined' needs classification_kwds={'bins': [...]}")
    bins_in = kwds.get("bins")
    if bins_in is not None:
        try:
            b = np.asarray(bins_in, dtype=float)
        except (TypeError, ValueError) as exc:
            raise DataError(f"bins must be a list of numbers, got {bins_in!r}") from exc
        if b.ndim != 1 or b.size == 0 or not np.all(np.diff(b) > 0) or not (b > -np.inf).all():
            raise DataError(  # NaN and -inf fail the last test; +inf may close the top class
                f"bins must be a strictly increasing list of upper bounds (no NaN), got {list(bins_in)!r}"
            )
    n_unique = np.unique(y).size
    if n_unique == 1 and scheme != "userdefined":  # one value: one class (mapclassify refuses some schemes)
        return np.zeros(y.size, dtype=np.int64), np.array([float(y[0])])
    kk = (
        min(k, n_unique)
        if scheme
        in ("quantiles", "naturalbreaks", "fisherjenks", "jenkscaspall", "maximumbreaks", "equalinterval")
        else k
    )
    if scheme == "quantiles" and not kwds:
        return _quantiles(np.asarray(y, dtype=float), max(kk, 1))
    _check_classifiable(y, scheme)
    import mapclassify

    # NaturalBreaks (sklearn k-means) and the sampled schemes draw from NumPy's global generator: seed it
    # for reproducible maps and restore the caller's state afterwards.
    state = np.random.get_state()  # noqa: NPY002
    try:
        np.random.seed(0)  # noqa: NPY002
        with warnings.catch_warnings(), np.errstate(over="ignore", invalid="ignore"):
            warnings.filterwarnings("ignore", message=".*(unique values|Not enough|Numba not installed).*")
            c = mapclassify.classify(y, scheme=scheme, k=max(kk, 1), **kwds)
    except (ValueError, TypeError) as exc:
        raise DataError(f"mapclassify could not classify with scheme={scheme!r}: {exc}") from exc
    finally:
        np.random.set_state(state)  # noqa: NPY002
    return np.asarray(c.yb, dtype=np.int64), np.asarray(c.bins, dtype=float)


# ---------------------------------------------------------------------------------------------- drawing
def _new_map(tiles: Any, attr: str | None) -> tuple[folium.Map, bool]:
    tiles = setting(tiles, "tiles", unset="default")
    import folium

    from ._mapstyle import tile_layer

    m = folium.Map(location=[35.0, 105.0], zoom_start=4, tiles=None, control_scale=True)
    gcj = False
    if tiles is not None:
        layer, gcj = tile_layer(tiles, attr=attr)
        layer.add_to(m)
    return m, gcj


def _map_is_gcj(m: folium.Map) -> bool:
    import folium

    from ._mapstyle import is_gcj_tiles

    return any(
        isinstance(ch, folium.TileLayer) and is_gcj_tiles(str(ch.tiles)) for ch in m._children.values()
    )


def _layer(
    geoms: np.ndarray,
    styles: Sequence[Mapping[str, Any]],
    tooltips: Sequence[str] | None,
    *,
    name: str,
    highlight: bool,
    class_name: str,
    control: bool = True,
    shared: Any = None,
    geom_index: Sequence[int] | None = None,
) -> Any:
    """A compact GeoJSON layer; identical styles are stored once and features refer to them by index.

    With ``shared`` (a :class:`~geoaggl._mapstyle.SharedGeometries`), features carry the position
    ``geom_index[i]`` of their geometry in it instead of the geometry itself.
    """
    import json

    from ._mapstyle import GeoJsonLayer

    uniq: dict[str, int] = {}
    table: list[dict[str, Any]] = []
    feats = []
    for i, g in enumerate(geoms):
        if g is None or g.is_empty:
            continue
        st = {**styles[i], "className": class_name}
        key = json.dumps(st, sort_keys=True)
        if key not in uniq:
            uniq[key] = len(table)
            table.append(st)
        props: dict[str, Any] = {"s": uniq[key]}
        if tooltips is not None:
            props["tt"] = tooltips[i]
        if shared is not None and geom_index is not None:
            props["g"] = int(geom_index[i])
            feats.append({"type": "Feature", "properties": props, "geometry": None})
        else:
            feats.append({"type": "Feature", "properties": props, "geometry": g.__geo_interface__})
    data = {"type": "FeatureCollection", "features": feats}
    return GeoJsonLayer(data, table, name=name, highlight=highlight, control=control, geometries=shared)


def _outline_layer(outlines: Any, *, gcj: bool, precision: int) -> Any:
    import geopandas as gpd

    if isinstance(outlines, str):
        from .boundaries import agglomeration_polygons

        polys = agglomeration_polygons(outlines)
        title = f"Urban agglomerations ({outlines})"
    elif isinstance(outlines, gpd.GeoDataFrame):
        if outlines.crs is None:
            raise CRSError("outlines: the GeoDataFrame has no CRS")
        polys = outlines.to_crs("EPSG:4326")
        title = "Outlines"
    else:
        raise TypeError(f"outlines must be a scheme name or a GeoDataFrame, got {type(outlines).__name__}")
    zh, en = _names(polys)
    tips = [_tooltip_html(z, e, []) for z, e in zip(zh, en or [""] * len(zh), strict=True)]
    geoms = _round_coords(polys.geometry.boundary.to_numpy(), precision, gcj)
    style = {"color": "#222222", "weight": 1.6, "opacity": 0.9, "fill": False}
    return _layer(
        geoms,
        [style] * len(geoms),
        tips,
        name=html.escape(title),
        highlight=False,
        class_name="geoaggl-outline",
    )


def _kw_mapping(value: Any, name: str) -> dict[str, Any]:
    """A ``*_kwds`` option as a new dict (None: empty); anything but a mapping is a ParameterTypeError."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ParameterTypeError(
            f"{name} must be a dict (or None), got {type(value).__name__}: {value!r:.60}"
        )
    return dict(value)


def _missing_style(missing_kwds: Mapping[str, Any] | None) -> tuple[dict[str, Any], str, bool, str]:
    from ._mapstyle import MISSING_STYLE, check_color, hatch_fill

    kw = dict(MISSING_STYLE)
    missing_kwds = _kw_mapping(missing_kwds, "missing_kwds")
    if missing_kwds:
        for key in missing_kwds:
            check_option(key, tuple(_MISSING_KEYS), name="missing_kwds key", error=UnknownSchemeError)
        kw.update(missing_kwds)
    for key in ("fillColor", "color"):  # validated: they reach the legend's markup (D16)
        kw[key] = check_color(kw[key], name=f"missing_kwds[{key!r}]")
    for key in ("weight", "fillOpacity", "opacity"):
        if key in kw:
            kw[key] = check_real(kw[key], name=f"missing_kwds[{key!r}]", minimum=0)
    dash = kw.get("dashArray")
    if dash is not None and not (isinstance(dash, str) and re.fullmatch(r"[\d.\s,]*", dash)):
        raise OptionError(
            f"missing_kwds['dashArray'] must be a string of dash lengths like '3 3'; got {dash!r}"
        )
    label = str(kw.pop("label"))
    hatch = bool(kw.pop("hatch"))
    color = str(kw["fillColor"])
    style = dict(kw)
    if hatch:
        style["fillColor"] = hatch_fill(color)
    return style, label, hatch, color


def _tooltip_html(zh: str, en: str | None, rows: Sequence[tuple[str, str]]) -> str:
    e = html.escape
    head = f"<b>{e(zh)}</b>" + (f" <span style='color:#666'>{e(en)}</span>" if en else "")
    body = "".join(f"<br>{e(k)}: <b>{e(v)}</b>" for k, v in rows)
    return head + body


_POSITIONS = ("bottomright", "bottomleft", "topright", "topleft")


def _check_legend_kwds(legend_kwds: Mapping[str, Any] | None) -> dict[str, Any]:
    kw = _kw_mapping(legend_kwds, "legend_kwds")
    for key in kw:
        check_option(key, tuple(_LEGEND_KEYS), name="legend_kwds key", error=UnknownSchemeError)
    if "position" in kw:
        check_option(kw["position"], _POSITIONS, name="legend_kwds['position']")
    return kw


def _finish(
    m: folium.Map,
    layers: list[Any],
    legend: Any,
    *,
    outlines_layer: Any,
    time_layers: bool,
    fit: tuple[float, float, float, float] | None,
    new_map: bool,
) -> folium.Map:
    import folium

    from ._mapstyle import ExclusiveLayers, css_element

    for layer in layers:
        layer.add_to(m)
    if outlines_layer is not None:
        outlines_layer.add_to(m)
    if legend is not None:
        m.add_child(legend)
    else:
        m.get_root().header.add_child(css_element(), name="geoaggl_css")  # type: ignore[attr-defined]  # the root of a Map is a Figure
    if time_layers and len(layers) > 1:
        m.add_child(ExclusiveLayers(layers))
    if (time_layers or outlines_layer is not None) and not any(
        isinstance(ch, folium.LayerControl) for ch in m._children.values()
    ):
        folium.LayerControl(collapsed=False).add_to(m)
    if fit is not None and new_map:
        minx, miny, maxx, maxy = fit
        m.fit_bounds([[miny, minx], [maxy, maxx]])
    return m


def _prepare_time(frame: gpd.GeoDataFrame, time: Hashable | None) -> list[tuple[Any, np.ndarray]]:
    """Row positions per layer: one layer, or one per value of the ``time`` column (sorted)."""
    if time is None:
        return [(None, np.arange(len(frame)))]
    if time not in frame.columns:
        raise ColumnNotFoundError(
            f"time column {time!r} not found; available: {format_keys(map(str, frame.columns))}"
        )
    t = frame[time]
    if t.isna().any():
        raise DataError(f"time column {time!r} has missing values in {int(t.isna().sum())} rows")
    ids = frame["adcode"] if "adcode" in frame.columns else pd.Series(frame.index, index=frame.index)
    dup = pd.DataFrame({"id": ids.to_numpy(), "t": t.to_numpy()}).duplicated()
    if dup.any():
        raise DataError(f"several rows per unit and {time!r}: {format_keys(ids.to_numpy()[dup.to_numpy()])}")
    tv = t.to_numpy()
    return [(v, np.flatnonzero(tv == v)) for v in sorted(pd.unique(tv))]


def _draw(
    frame: gpd.GeoDataFrame,
    *,
    classes: np.ndarray,
    colors: list[str] | None,
    fill: list[str | None] | None,
    entries: list[Any],
    title: str,
    value_text: list[str],
    value_label: str,
    tooltip: Any,
    legend: bool,
    legend_kw: dict[str, Any],
    missing: np.ndarray,
    missing_kwds: Mapping[str, Any] | None,
    tiles: Any,
    attr: str | None,
    outlines: Any,
    m: Any,
    time: Hashable | None,
    style_kwds: Mapping[str, Any] | None,
    highlight: bool,
    name: str | None,
    precision: int,
    note: str | None = None,
    gradient: tuple[list[str], list[str]] | None = None,
    value_column: Hashable | None = None,
) -> folium.Map:
    """Shared drawing: ``classes[i]`` indexes ``colors`` (or ``fill[i]`` is the colour), -1 = missing."""
    import shapely

    from ._mapstyle import Legend

    if not isinstance(precision, int) or not 0 <= precision <= 15:
        raise DataError(f"precision must be an int in [0, 15], got {precision!r}")
    groups = _prepare_time(frame, time)
    new_map = m is None
    if new_map:
        m, gcj = _new_map(tiles, attr)
    else:
        import folium

        if not isinstance(m, folium.Map):
            raise ParameterTypeError(f"m must be a folium.Map, got {type(m).__name__}")
        gcj = _map_is_gcj(m)
    mstyle, mlabel, mhatch, mcolor = _missing_style(missing_kwds)
    styles = _styles(classes, colors, fill, missing, mstyle, style_kwds)
    geoms_all = _round_coords(frame.geometry.to_numpy(), precision, gcj)
    tips = (
        _tooltips(
            frame,
            tooltip,
            time=time,
            value_text=value_text,
            value_label=value_label,
            value_column=value_column,
        )
        if tooltip is not False
        else None
    )
    layer_name = name if name is not None else title
    shared, gidx = _shared_geometries(frame, geoms_all) if time is not None else (None, None)
    layers = [
        _layer(
            geoms_all[pos],
            [styles[p] for p in pos],
            [tips[p] for p in pos] if tips is not None else None,
            name=html.escape(layer_name if tval is None else f"{layer_name} {tval}"),
            highlight=highlight,
            class_name="geoaggl-choropleth",
            control=tval is None,
            shared=shared,
            geom_index=gidx[pos] if gidx is not None else None,
        )
        for tval, pos in groups
    ]
    if time is not None:
        layers = _year_groups(layers, groups, layer_name)
    outline = _outline_layer(outlines, gcj=gcj, precision=precision) if outlines is not None else None
    leg = None
    if legend:
        from ._mapstyle import LegendEntry

        missing_entry = LegendEntry(
            mcolor,
            legend_kw.get("missing_label", mlabel),
            int(missing.sum()) if legend_kw.get("counts", True) else None,
            hatch=mhatch,
            border=str(mstyle.get("color")),
            missing=True,
        )
        if time is not None and note is None:
            note = f"counts are unit-years over {len(groups)} layers of {time!r}"
        leg = Legend(
            str(legend_kw.get("caption", title)),
            [*entries, missing_entry],
            position=str(legend_kw.get("position", "bottomright")),
            note=note,
            gradient=gradient,
        )
    ok = ~np.array([g is None or g.is_empty for g in geoms_all], dtype=bool)
    fit = tuple(shapely.total_bounds(geoms_all[ok])) if ok.any() else None
    if shared is not None:
        m.add_child(shared)
    return _finish(
        m,
        layers,
        leg,
        outlines_layer=outline,
        time_layers=time is not None,
        fit=fit,
        new_map=new_map,
    )


def _styles(
    classes: np.ndarray,
    colors: list[str] | None,
    fill: list[str | None] | None,
    missing: np.ndarray,
    mstyle: Mapping[str, Any],
    style_kwds: Mapping[str, Any] | None,
) -> list[dict[str, Any]]:
    """Leaflet style of each row: the missing style, or the base style with its class colour."""
    base = {**_BASE_STYLE, **_kw_mapping(style_kwds, "style_kwds")}
    styles: list[dict[str, Any]] = []
    for i in range(len(classes)):
        if missing[i]:
            styles.append(dict(mstyle))
        else:
            c = fill[i] if fill is not None else colors[int(classes[i])]  # type: ignore[index]
            styles.append({**base, "fillColor": c})
    return styles


def _tooltips(
    frame: gpd.GeoDataFrame,
    tooltip: Any,
    *,
    time: Hashable | None,
    value_text: list[str],
    value_label: str,
    value_column: Hashable | None,
) -> list[str]:
    """Tooltip HTML of each row: name, the year, then the value or the ``tooltip`` columns."""
    zh, en = _names(frame)
    extra_cols: list[Hashable] = []
    if tooltip not in (None, True):
        extra_cols = [tooltip] if isinstance(tooltip, str) else list(tooltip)
        for c in extra_cols:
            if c not in frame.columns:
                raise ColumnNotFoundError(f"tooltip column {c!r} not found")
    tcol = frame[time].to_numpy() if time is not None else None
    tips = []
    for i in range(len(frame)):
        rows: list[tuple[str, str]] = []
        if tcol is not None:
            rows.append((str(time), str(tcol[i])))
        if extra_cols:
            for c in extra_cols:
                v = frame[c].iloc[i]
                txt = value_text[i] if c == value_column else ("" if pd.isna(v) else str(v))
                rows.append((str(c), txt))
        else:
            rows.append((value_label, value_text[i]))
        tips.append(_tooltip_html(zh[i], en[i] if en else None, rows))
    return tips


def _shared_geometries(frame: gpd.GeoDataFrame, geoms_all: np.ndarray) -> tuple[Any, np.ndarray]:
    """Each unit's polygon embedded once (shared by the year layers) and each row's index into it."""
    from ._mapstyle import SharedGeometries

    ids = frame["adcode"] if "adcode" in frame.columns else pd.Series(frame.index, index=frame.index)
    codes, _ = pd.factorize(pd.Series(ids.to_numpy(dtype=object)).astype(str))
    first = pd.Series(np.arange(len(codes))).groupby(codes).first().to_numpy()
    shared = SharedGeometries(
        [
            geoms_all[j].__geo_interface__ if geoms_all[j] is not None and not geoms_all[j].is_empty else None
            for j in first
        ]
    )
    return shared, codes


def _year_groups(layers: list[Any], groups: list[tuple[Any, np.ndarray]], layer_name: str) -> list[Any]:
    """Wrap each year's layer in a feature group; only the last year is shown at first."""
    import folium

    wrapped = []
    for j, ((tval, _), gj) in enumerate(zip(groups, layers, strict=True)):
        fg = folium.FeatureGroup(
            name=html.escape(f"{layer_name} {tval}"), overlay=True, show=j == len(groups) - 1
        )
        fg.add_child(gj)
        wrapped.append(fg)
    return wrapped


# ---------------------------------------------------------------------------------------------- public
def choropleth(
    gdf: gpd.GeoDataFrame | pd.DataFrame | pd.Series,
    column: Hashable | None = None,
    *,
    scheme: str | None = "quantiles",
    k: int = 5,
    cmap: Any = None,
    diverging: bool | None = None,
    legend: bool = True,
    legend_kwds: Mapping[str, Any] | None = None,
    missing_kwds: Mapping[str, Any] | None = None,
    tooltip: bool | str | Sequence[Hashable] | None = None,
    tiles: Any = "default",
    outlines: str | gpd.GeoDataFrame | None = None,
    m: folium.Map | None = None,
    time: Hashable | None = None,
    classification_kwds: Mapping[str, Any] | None = None,
    style_kwds: Mapping[str, Any] | None = None,
    highlight: bool = True,
    name: str | None = None,
    attr: str | None = None,
    precision: int = 5,
) -> folium.Map:
    """Draw one column as a Leaflet choropleth (keyword names follow ``GeoDataFrame.explore``).

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame, pandas.DataFrame or pandas.Series
        Units and values.  A GeoDataFrame needs a CRS (it is reprojected to EPSG:4326).  A plain
        DataFrame or Series indexed by 6-digit adcodes (or with an ``adcode`` column) is drawn on the
        shipped unit polygons of :func:`geoaggl.prefectures`; rows without a polygon are left out with
        an :class:`~geoaggl.errors.UnmatchedKeysWarning`.  The input is never modified.
    column : hashable
        Column to draw (optional for a Series).  Numeric columns are classified; a non-numeric
        column is drawn as categories with a qualitative palette.
    scheme : str or None, default "quantiles"
        mapclassify scheme, one of :data:`SCHEMES` (``"quantiles"``, ``"naturalbreaks"`` /
        ``"fisherjenks"``, ``"equalinterval"``, ``"userdefined"``, ...; case, ``_``, ``-`` and spaces
        ignored).  ``None`` draws an unclassed continuous palette.  With a ``time`` column, classes
        are computed on the values of all years pooled, so colours compare across years.
    k : int, default 5
        Number of classes (reduced to the number of distinct values when fewer).
    cmap : str, list of colours or matplotlib colormap, optional
        Default ``"RdBu_r"`` when diverging (blue negative, red positive), ``"YlGnBu"`` otherwise,
        ``"Set2"`` for categories.  A list of exactly as many colours as classes is used as is.
    diverging : bool, optional
        ``True`` centres the palette on 0: a class is coloured by its midpoint on a scale symmetric
        about 0 (``[-M, M]``, ``M`` the largest absolute class midpoint; unclassed: the largest
        absolute value), so 0 is always the neutral middle colour and equal magnitudes get equal
        intensity.  ``False`` spreads a sequential palette
        over the classes.  ``None`` (default) is ``True`` when the values have both signs.
    legend : bool, default True
        Add the legend: a Leaflet control listing each class (colour, range, number of units) and
        the missing units with their count.
    legend_kwds : dict, optional
        ``caption`` (title, default the column name), ``fmt`` (format string such as ``"{:.2f}"`` or
        a callable for the class bounds and tooltip values), ``labels`` (one label per class),
        ``position`` (``"bottomright"``, ``"topright"``, ...), ``counts`` (bool, default True),
        ``missing_label``.
    missing_kwds : dict, optional
        Style of units with a missing value, which are never put in a class: default light grey
        with a diagonal hatch (``fillColor="#d9d9d9"``, ``hatch=True``), a dashed grey border and
        the legend label ``"No data"``.  Keys: ``fillColor``, ``color``, ``weight``, ``dashArray``,
        ``fillOpacity``, ``opacity``, ``hatch``, ``label``.
    tooltip : bool, str or list, optional
        ``None``/``True``: Chinese name, English name and value; ``False``: no tooltip; a column
        name or list of names: those columns.  Every text is HTML-escaped.
    tiles : str, folium.TileLayer or None, default "default"
        ``"default"`` reads ``geoaggl.settings.tiles`` at call time (``"CartoDB positron"`` unless
        changed).
        Base map: ``"CartoDB positron"``, ``"CartoDB dark_matter"``, ``"OpenStreetMap"``,
        ``"amap"``/``"gaode"``, ``"amap satellite"``, a URL template (with ``attr``) or ``None``
        for no tile layer at all (offline use and tests).  **Amap/Gaode tiles (a name or any URL on
        autonavi.com) are drawn in GCJ-02: the geometry and outlines are then shifted WGS84 ->
        GCJ-02 so that borders line up with the tiles.**  Ignored when ``m`` is given (its own tile
        layers decide the shift).
    outlines : str or GeoDataFrame, optional
        UA outlines on top: a scheme name for :func:`geoaggl.agglomeration_polygons` (e.g.
        ``"national11"``) or a GeoDataFrame of polygons; drawn as lines in their own layer.
    m : folium.Map, optional
        Add to this map instead of a new one (no re-fit of the view).
    time : hashable, optional
        Column of a long table (one row per unit and period): one layer per value, the latest shown,
        the others switched on one at a time from the layer control.
    classification_kwds : dict, optional
        Passed to ``mapclassify.classify``; ``{"bins": [...]}`` (upper bounds) gives user-defined
        classes (with the default scheme or ``scheme="userdefined"``).
    style_kwds : dict, optional
        Leaflet path style of the classed units (default white 0.5 px borders, fill opacity 0.85).
    highlight : bool, default True
        Thicken a unit's border under the mouse.
    name : str, optional
        Layer name (default the column name).
    attr : str, optional
        Attribution of a custom tile URL.
    precision : int, default 5
        Decimals kept in the coordinates (5 decimals ≈ 1 m); keeps the national map under 3 MB.

    Returns
    -------
    folium.Map

    Raises
    ------
    KeyError
        Unknown ``column``, ``time`` or tooltip column.
    UnknownSchemeError
        Unknown scheme, cmap or option key.
    DataError
        No non-missing value, infinite values, ``diverging=True`` on categories, bad bins.
    CRSError
        A GeoDataFrame without CRS.

    References
    ----------
    Folium (python-visualization), https://python-visualization.github.io/folium/,
    and Leaflet (V. Agafonkin), https://leafletjs.com.

    Jenks, G. F. (1967). The data model concept in statistical mapping.
    *International Yearbook of Cartography*, 7, 186-190.

    Brewer, C. A., Hatchard, G. W. and Harrower, M. A. (2003). ColorBrewer in
    print: a catalog of color schemes for maps. *Cartography and Geographic
    Information Science*, 30(1), 5-32.

    Examples
    --------
    >>> import geoaggl
    >>> from geoaggl.maps import choropleth
    >>> g = geoaggl.prefectures()
    >>> g["x"] = range(len(g))
    >>> m = choropleth(g, "x", scheme="fisherjenks", k=4, tiles=None, outlines="national11")
    """
    frame, column = _as_frame(gdf, column, time=time)
    legend_kw = _check_legend_kwds(legend_kwds)
    title = str(legend_kw.get("caption", column))
    values = frame[column]
    common = {
        "title": title,
        "tooltip": tooltip,
        "legend": legend,
        "legend_kw": legend_kw,
        "missing_kwds": missing_kwds,
        "tiles": tiles,
        "attr": attr,
        "outlines": outlines,
        "m": m,
        "time": time,
        "style_kwds": style_kwds,
        "highlight": highlight,
        "name": name,
        "precision": precision,
    }
    if not (pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)):
        if diverging:
            raise DataError(f"diverging=True needs a numeric column; {column!r} is {values.dtype}")
        return _categorical(
            frame, column, cmap=cmap, order=None, colors_by_label=None, value_label=title, **common
        )
    y = values.to_numpy(dtype=float, na_value=np.nan)
    if np.isinf(y).any():
        bad = format_keys(frame.index[np.isinf(y)])
        raise DataError(f"column {column!r} has infinite values in rows {bad}")
    missing = np.isnan(y)
    if missing.all():
        raise DataError(f"column {column!r} has no non-missing value")
    k = check_int(k, name="k", minimum=1, where="choropleth")
    fin = y[~missing]
    if diverging is None:
        diverging = bool(fin.min() < 0 < fin.max())
    from ._mapstyle import DEFAULT_DIVERGING, DEFAULT_SEQUENTIAL, LegendEntry, resolve_cmap

    default_cmap = DEFAULT_DIVERGING if diverging else DEFAULT_SEQUENTIAL
    ramp, listed = resolve_cmap(cmap if cmap is not None else default_cmap)
    decimals = _auto_decimals(fin)
    fmt = _formatter(legend_kw.get("fmt"), decimals)
    value_text = ["No data" if np.isnan(v) else fmt(v) for v in y]
    big = float(np.abs(fin).max()) or 1.0
    ckw = _kw_mapping(classification_kwds, "classification_kwds")
    sch = _norm_scheme(scheme)
    if "bins" in ckw and sch in ("quantiles", "userdefined"):
        sch = "userdefined"
    elif "bins" in ckw:
        raise DataError(f"classification_kwds['bins'] needs scheme='userdefined', got scheme={scheme!r}")

    def pos(v: float) -> float:
        if diverging:
            return 0.5 + 0.5 * v / big
        lo, hi = float(fin.min()), float(fin.max())
        return 0.5 if hi == lo else (v / 2 - lo / 2) / (hi / 2 - lo / 2)  # halves: no overflow (C30)

    if sch is None:  # unclassed
        fill = [None if np.isnan(v) else ramp(pos(float(v))) for v in y]
        lo, hi = (-big, big) if diverging else (float(fin.min()), float(fin.max()))
        stops = [ramp(pos(lo * (1 - i / 10) + hi * (i / 10))) for i in range(11)]
        ticks = [fmt(lo), fmt(0.0), fmt(hi)] if diverging else [fmt(lo), fmt(hi)]
        return _draw(
            frame,
            classes=np.full(len(y), -1),
            colors=None,
            fill=fill,
            entries=[],
            value_text=value_text,
            value_label=title,
            value_column=column,
            missing=missing,
            gradient=(stops, ticks),
            **common,
        )
    yb, bins = _classify(fin, sch, int(k), ckw)
    n_cls = len(bins)
    lows = np.r_[min(float(fin.min()), bins[0]), bins[:-1]]
    if listed is not None and len(listed) == n_cls:
        colors = list(listed)
    elif diverging:
        mids = lows / 2 + bins / 2  # not (lows + bins) / 2: no overflow near the float maximum (C30)
        scale = float(np.abs(mids).max()) or 1.0
        colors = [ramp(0.5 + 0.5 * float(v) / scale) for v in mids]
    else:
        colors = [ramp(i / (n_cls - 1) if n_cls > 1 else 1.0) for i in range(n_cls)]
    counts = np.bincount(yb, minlength=n_cls)
    labels = legend_kw.get("labels")
    if labels is not None and len(labels) != n_cls:
        raise DataError(f"legend_kwds['labels'] has {len(labels)} labels for {n_cls} classes")
    show_counts = legend_kw.get("counts", True)
    entries = [
        LegendEntry(
            colors[i],
            str(labels[i]) if labels is not None else f"{fmt(lows[i])} – {fmt(bins[i])}",
            int(counts[i]) if show_counts else None,
        )
        for i in range(n_cls)
    ]
    classes = np.full(len(y), -1, dtype=np.int64)
    classes[~missing] = yb
    return _draw(
        frame,
        classes=classes,
        colors=colors,
        fill=None,
        entries=entries,
        value_text=value_text,
        value_label=title,
        value_column=column,
        missing=missing,
        **common,
    )


def _categorical(
    frame: gpd.GeoDataFrame,
    column: Hashable,
    *,
    cmap: Any,
    order: Sequence[str] | None,
    colors_by_label: Mapping[str, str] | None,
    value_label: str,
    **common: Any,
) -> folium.Map:
    from ._mapstyle import DEFAULT_QUALITATIVE, LegendEntry, resolve_cmap

    vals = frame[column]
    missing = vals.isna().to_numpy()
    if missing.all():
        raise DataError(f"column {column!r} has no non-missing value")
    text = vals.astype(object).where(~missing, None)
    cats = list(order) if order is not None else sorted({str(v) for v in text[~missing]})
    index = {c: i for i, c in enumerate(cats)}
    if colors_by_label is not None:
        colors = [colors_by_label[c] for c in cats]
    else:
        ramp, listed = resolve_cmap(cmap if cmap is not None else DEFAULT_QUALITATIVE)
        if listed is not None and len(listed) >= len(cats):
            colors = list(listed[: len(cats)])
        elif isinstance(cmap, str) or cmap is None:
            from ._mapstyle import _brewer

            base = _brewer((cmap or DEFAULT_QUALITATIVE).removesuffix("_r")) or []
            colors = (
                [base[i % len(base)] for i in range(len(cats))]
                if len(base) >= len(cats)
                else [ramp(i / max(len(cats) - 1, 1)) for i in range(len(cats))]
            )
        else:
            colors = [ramp(i / max(len(cats) - 1, 1)) for i in range(len(cats))]
    classes = np.array(
        [-1 if m_ else index[str(v)] for v, m_ in zip(text, missing, strict=True)], dtype=np.int64
    )
    counts = np.bincount(classes[classes >= 0], minlength=len(cats))
    show_counts = common["legend_kw"].get("counts", True)
    entries = [LegendEntry(colors[i], c, int(counts[i]) if show_counts else None) for i, c in enumerate(cats)]
    value_text = ["No data" if m_ else str(v) for v, m_ in zip(text, missing, strict=True)]
    return _draw(
        frame,
        classes=classes,
        colors=colors,
        fill=None,
        entries=entries,
        value_text=value_text,
        value_label=value_label,
        value_column=column,
        missing=missing,
        **common,
    )


def disparity_map(
    gdf: gpd.GeoDataFrame | pd.DataFrame | pd.Series,
    column: Hashable | None = None,
    *,
    scheme: str | None = "quantiles",
    k: int = 6,
    cmap: Any = "RdBu_r",
    **kwargs: Any,
) -> folium.Map:
    """Choropleth of a disparity (signed deviation), on a diverging palette centred on 0.

    :func:`choropleth` with ``diverging=True``: blue below 0, red above, 0 the neutral middle
    colour, equal magnitudes equally intense (classes coloured by their midpoint on ``[-M, M]``).

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame, pandas.DataFrame or pandas.Series
        Units and values (see :func:`choropleth`).
    column : hashable
        The disparity column.
    scheme : str or None, default "quantiles"
        mapclassify scheme (see :func:`choropleth`).
    k : int, default 6
        Number of classes.
    cmap : str, list or colormap, default "RdBu_r"
        Diverging palette.
    **kwargs
        Any other keyword of :func:`choropleth` (``legend_kwds``, ``tiles``, ``outlines``, ``time``,
        ...).

    Returns
    -------
    folium.Map

    References
    ----------
    Brewer, C. A., Hatchard, G. W. and Harrower, M. A. (2003). ColorBrewer in
    print: a catalog of color schemes for maps. *Cartography and Geographic
    Information Science*, 30(1), 5-32.

    Song Deyong and Li Dongfang (宋德勇, 李东方).
    国家级城市群高质量平衡增长研究——基于产业分工的视角 ("High-quality balanced growth of
    national urban agglomerations: an industrial division-of-labour perspective") (disparity).

    Examples
    --------
    >>> import geoaggl
    >>> from geoaggl import maps
    >>> g = geoaggl.prefectures().query("province == '江苏省'")  # 13 cities
    >>> g = g.assign(gap=g["seat_lon"] - g["seat_lon"].mean())
    >>> m = maps.disparity_map(g, "gap", tiles=None)
    >>> type(m).__name__
    'Map'
    """
    kwargs.pop("diverging", None)
    return choropleth(gdf, column, scheme=scheme, k=k, cmap=cmap, diverging=True, **kwargs)


def integration_map(
    gdf: gpd.GeoDataFrame | pd.DataFrame | pd.Series,
    column: Hashable | None = None,
    *,
    scheme: str | None = "quantiles",
    k: int = 5,
    cmap: Any = "YlGnBu",
    **kwargs: Any,
) -> folium.Map:
    """Choropleth of an integration score on a sequential palette (light = low, dark = high).

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame, pandas.DataFrame or pandas.Series
        Units and values (see :func:`choropleth`).
    column : hashable
        The integration column.
    scheme : str or None, default "quantiles"
        mapclassify scheme (see :func:`choropleth`).
    k : int, default 5
        Number of classes.
    cmap : str, list or colormap, default "YlGnBu"
        Sequential palette.
    **kwargs
        Any other keyword of :func:`choropleth`.

    Returns
    -------
    folium.Map

    References
    ----------
    Brewer, C. A., Hatchard, G. W. and Harrower, M. A. (2003). ColorBrewer in
    print: a catalog of color schemes for maps. *Cartography and Geographic
    Information Science*, 30(1), 5-32.

    长江经济带城市群区域一体化发展特征与差异 ("Integration of the urban
    agglomerations of the Yangtze River Economic Belt: characteristics and
    differences"; authors not given in the text available to us).

    Examples
    --------
    >>> import geoaggl
    >>> from geoaggl import maps
    >>> g = geoaggl.prefectures().query("province == '江苏省'")
    >>> g = g.assign(score=g["seat_lat"])
    >>> m = maps.integration_map(g, "score", tiles=None)
    >>> type(m).__name__
    'Map'
    """
    kwargs.pop("diverging", None)
    return choropleth(gdf, column, scheme=scheme, k=k, cmap=cmap, diverging=False, **kwargs)


_NS = "not significant"
_LISA_ALIASES = {
    "hh": "HH",
    "hl": "HL",
    "lh": "LH",
    "ll": "LL",
    "ns": _NS,
    "notsignificant": _NS,
    "n.s.": _NS,
    "insignificant": _NS,
}


def _lisa_labels(s: pd.Series) -> pd.Series:
    out: list[str | None] = []
    bad = []
    for v in s.to_numpy(dtype=object):
        if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
            out.append(None)
            continue
        key = str(v).strip().lower().replace(" ", "").replace("_", "")
        if key == "missing":
            out.append(None)
        elif key in _LISA_ALIASES:
            out.append(_LISA_ALIASES[key])
        else:
            out.append(None)
            bad.append(v)
    if bad:
        raise DataError(f"unknown LISA labels {format_keys(bad)}; expected {', '.join(LISA_LABELS)}")
    return pd.Series(out, index=s.index, dtype=object)


def lisa_map(
    gdf: gpd.GeoDataFrame | pd.DataFrame | pd.Series,
    lisa: pd.DataFrame | pd.Series | str | None = None,
    *,
    column: Hashable | None = None,
    colors: Mapping[str, str] | None = None,
    legend: bool = True,
    legend_kwds: Mapping[str, Any] | None = None,
    missing_kwds: Mapping[str, Any] | None = None,
    tooltip: bool | str | Sequence[Hashable] | None = None,
    tiles: Any = "default",
    outlines: str | gpd.GeoDataFrame | None = None,
    m: folium.Map | None = None,
    time: Hashable | None = None,
    style_kwds: Mapping[str, Any] | None = None,
    highlight: bool = True,
    name: str | None = None,
    attr: str | None = None,
    precision: int = 5,
) -> folium.Map:
    """LISA cluster map: HH (red), HL (orange), LH (light blue), LL (blue), not significant (light grey).

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame, pandas.DataFrame or pandas.Series
        Either the units (a GeoDataFrame, with the labels in ``column`` or given as ``lisa``), or the
        LISA result itself — the DataFrame of :func:`geoaggl.spatial.lisa` (column ``label``) or a
        Series of labels — indexed by adcode, drawn on :func:`geoaggl.prefectures`' polygons.
    lisa : pandas.DataFrame, pandas.Series or str, optional
        The LISA result aligned by index with ``gdf`` (its ``label`` column, or ``column``), or the
        name of the label column of ``gdf``.
    column : hashable, optional
        The label column (default ``"label"``).  Labels are ``HH``/``HL``/``LH``/``LL``/``not
        significant`` (case-insensitive, ``ns`` accepted); ``missing`` and NaN are drawn as missing.
    colors : dict, optional
        Colour per label, overriding :data:`geoaggl._mapstyle.LISA_COLORS`.
    legend, legend_kwds, missing_kwds, tooltip, tiles, outlines, m, time, style_kwds, highlight, name, \
attr, precision
        As in :func:`choropleth` (the legend lists all five classes with their counts, then missing).
        When ``value`` and ``p_sim`` columns are present (the output of
        :func:`geoaggl.spatial.lisa`) the default tooltip shows them too.

    Returns
    -------
    folium.Map

    References
    ----------
    Anselin, L. (1995). Local indicators of spatial association—LISA.
    *Geographical Analysis*, 27(2), 93-115.

    Examples
    --------
    >>> import geoaggl
    >>> from geoaggl import maps
    >>> g = geoaggl.prefectures().query("province == '江苏省'")
    >>> labels = g["seat_lat"].gt(33).map({True: "HH", False: "not significant"})
    >>> m = maps.lisa_map(g, labels, tiles=None)
    >>> type(m).__name__
    'Map'
    """
    import geopandas as gpd

    from ._mapstyle import LISA_COLORS

    if isinstance(lisa, str):
        column, lisa = lisa, None
    col = column if column is not None else "label"
    if lisa is not None:
        if not isinstance(gdf, gpd.GeoDataFrame):
            raise TypeError("with a lisa result, gdf must be a GeoDataFrame of the units")
        res = lisa.to_frame(name=col) if isinstance(lisa, pd.Series) else lisa
        if col not in res.columns:
            raise ColumnNotFoundError(
                f"label column {col!r} not found in the lisa result; available: "
                f"{format_keys(map(str, res.columns))}"
            )
        extra = [c for c in (col, "value", "p_sim") if c in res.columns]
        base = gdf.drop(columns=[c for c in extra if c in gdf.columns])
        joined = base.join(res[extra], how="left")
        frame, col = _as_frame(joined, col, time=time)
    else:
        data = gdf
        if isinstance(data, pd.Series):
            data = data.to_frame(name=col)
        frame, col = _as_frame(data, col, time=time)
    labels = _lisa_labels(frame[col])
    frame = frame.assign(**{str(col): labels}) if isinstance(col, str) else frame
    from ._mapstyle import check_color

    user_colors = _kw_mapping(colors, "colors")
    for lab, c in user_colors.items():
        check_option(lab, LISA_LABELS, name="lisa_map colors key")
        check_color(c, name=f"colors[{lab!r}]")  # validated: colours reach the legend's markup (D16)
    palette = {**LISA_COLORS, **user_colors}
    legend_kw = _check_legend_kwds(legend_kwds)
    title = str(legend_kw.get("caption", "LISA clusters"))
    if tooltip is None:
        tip_cols = [c for c in (col, "value", "p_sim") if c in frame.columns]
        tooltip = tip_cols
        if "p_sim" in frame.columns:
            frame = frame.assign(p_sim=frame["p_sim"].round(3))
        if "value" in frame.columns and pd.api.types.is_numeric_dtype(frame["value"]):
            dec = _auto_decimals(frame["value"].to_numpy(dtype=float, na_value=np.nan))
            frame = frame.assign(value=[("" if pd.isna(v) else f"{v:,.{dec}f}") for v in frame["value"]])
    return _categorical(
        frame,
        col,
        cmap=None,
        order=list(LISA_LABELS),
        colors_by_label=palette,
        value_label=str(col),
        title=title,
        tooltip=tooltip,
        legend=legend,
        legend_kw=legend_kw,
        missing_kwds=missing_kwds,
        tiles=tiles,
        attr=attr,
        outlines=outlines,
        m=m,
        time=time,
        style_kwds=style_kwds,
        highlight=highlight,
        name=name if name is not None else title,
        precision=precision,
    )


def _offline_page(m: Any, assets: str | os.PathLike[str] | None, *, where: str) -> str:
    """The map's HTML page with Leaflet inlined (warns about resources that still need a network)."""
    from branca.element import Element

    from ._mapstyle import find_leaflet_assets, inline_assets

    if not isinstance(m, Element):
        raise ParameterTypeError(
            f"{where}: m must be a folium.Map (or another folium/branca element); got {type(m).__name__}"
        )
    folder = find_leaflet_assets(assets)
    page, remaining = inline_assets(m.get_root().render(), folder)
    if remaining:
        warnings.warn(
            f"these resources still load from the network: {format_keys(remaining)}",
            GeoagglWarning,
            stacklevel=3,
        )
    return page


def save_offline(
    m: folium.Map, path: str | os.PathLike[str], *, assets: str | os.PathLike[str] | None = None
) -> Path:
    """Save a map as one HTML file that draws with no network: Leaflet's JS and CSS inlined.

    folium's pages load Leaflet (and jQuery, Bootstrap, Font Awesome) from CDNs.  This writes the
    page with ``leaflet.js`` and ``leaflet.css`` (its icons as data URIs) copied in from local files
    and folium's other default CDN resources removed (geoaggl's maps use none of them).  Tile layers
    still need their servers; draw with ``tiles=None`` for a fully offline map.

    Parameters
    ----------
    m : folium.Map
        The map.
    path : str or path-like
        Output ``.html`` file.
    assets : str or path-like, optional
        Folder with ``leaflet.js`` and ``leaflet.css`` (an unpacked ``npm pack leaflet`` works too).
        Default: ``$GEOAGGL_LEAFLET_DIR``, else the files of the PyPI package
        ``django-js-lib-leaflet`` (Leaflet's release files only; ``pip install django-js-lib-leaflet``).

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    geoaggl.errors.ParameterTypeError
        ``m`` is not a folium map or element.
    FileNotFoundError
        No local Leaflet files found.

    Warns
    -----
    GeoagglWarning
        When other external scripts or stylesheets (plugins) remain, which need a network.

    References
    ----------
    Folium (python-visualization), https://python-visualization.github.io/folium/,
    and Leaflet (V. Agafonkin), https://leafletjs.com.

    Examples
    --------
    >>> import geoaggl
    >>> from geoaggl import maps
    >>> g = geoaggl.prefectures().assign(x=1.0)
    >>> maps.save_offline(maps.choropleth(g, "x", tiles=None), "x.html")  # doctest: +SKIP
    PosixPath('x.html')
    """
    if not isinstance(path, str | os.PathLike):
        raise ParameterTypeError(f"save_offline: path must be a str or path-like, got {type(path).__name__}")
    page = _offline_page(m, assets, where="save_offline")
    out = Path(path)
    out.write_text(page, encoding="utf-8")
    return out


class OfflineMap:
    """A map page for notebook display, with Leaflet inlined (see :func:`inline`).

    Jupyter shows it through :meth:`_repr_html_`: an ``<iframe srcdoc=...>`` holding the whole page,
    as folium does, but with no reference to a CDN.  ``.html`` is the page itself.

    References
    ----------
    IPython development team. *Rich display*: objects with ``_repr_html_``.
    https://ipython.readthedocs.io/en/stable/config/integrating.html

    Agafonkin, V. *Leaflet* 1.9, an open-source JavaScript library for interactive maps.
    https://leafletjs.com

    Examples
    --------
    Returned by :func:`inline` (not constructed directly); the page is shown in an
    ``<iframe srcdoc>`` with its HTML escaped:

    >>> from geoaggl.maps import OfflineMap
    >>> view = OfflineMap("<!DOCTYPE html><p>map & legend</p>", height=300)
    >>> view._repr_html_()[:62]
    '<iframe srcdoc="&lt;!DOCTYPE html&gt;&lt;p&gt;map &amp; legend'
    >>> view.height
    300
    """

    def __init__(self, page: str, *, height: int = 520) -> None:
        self.html = page
        self.height = int(height)

    def _repr_html_(self) -> str:
        return (
            f'<iframe srcdoc="{html.escape(self.html, quote=True)}" style="width:100%;'
            f'height:{self.height}px;border:none" allowfullscreen></iframe>'
        )

    def __repr__(self) -> str:
        return f"<geoaggl OfflineMap: {len(self.html):,} characters of HTML, Leaflet inlined>"


def inline(m: folium.Map, *, height: int = 520, assets: str | os.PathLike[str] | None = None) -> OfflineMap:
    """Display a map in a Jupyter notebook with no network: Leaflet's JS and CSS inlined.

    folium's own notebook display (a bare ``m`` at the end of a cell) loads Leaflet, jQuery and
    Bootstrap from CDNs, so the map stays blank offline.  End the cell with ``maps.inline(m)``
    instead: the same page as :func:`save_offline` writes, shown in an iframe.

    Parameters
    ----------
    m : folium.Map
        The map.
    height : int, default 520
        Height of the frame in pixels.
    assets : str or path-like, optional
        Folder with ``leaflet.js`` and ``leaflet.css`` (see :func:`save_offline`).

    Returns
    -------
    OfflineMap
        An object that Jupyter renders as the map (``._repr_html_()``); ``.html`` is the page.

    Raises
    ------
    geoaggl.errors.ParameterTypeError
        ``m`` is not a folium map or element, or ``height`` is not an integer.
    FileNotFoundError
        No local Leaflet files found.

    References
    ----------
    Folium (python-visualization), https://python-visualization.github.io/folium/,
    and Leaflet (V. Agafonkin), https://leafletjs.com.

    Examples
    --------
    >>> import geoaggl
    >>> from geoaggl import maps
    >>> g = geoaggl.prefectures().assign(x=1.0)
    >>> view = maps.inline(maps.choropleth(g, "x", tiles=None))
    >>> "cdn.jsdelivr" in view._repr_html_()
    False
    """
    h = check_int(height, name="height", minimum=50, maximum=10_000, where="inline")
    return OfflineMap(_offline_page(m, assets, where="inline"), height=h)
