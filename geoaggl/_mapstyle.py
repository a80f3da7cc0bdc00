"""Private helpers of :mod:`geoaggl.maps`: palettes, tile providers, the legend element, offline assets.

Imported lazily by :mod:`geoaggl.maps` (it imports folium and branca at module level), so that
``import geoaggl`` and ``import geoaggl.maps`` stay free of folium.
"""

from __future__ import annotations

import base64
import html
import importlib.util
import json
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import folium
from branca.colormap import LinearColormap, _cnames, _schemes
from branca.element import Element, MacroElement
from jinja2 import Template

from .errors import MissingFileError, OptionError, ParameterTypeError, UnknownSchemeError

__all__ = [
    "DEFAULT_DIVERGING",
    "DEFAULT_QUALITATIVE",
    "DEFAULT_SEQUENTIAL",
    "LISA_COLORS",
    "MISSING_STYLE",
    "TILES",
    "Legend",
    "LegendEntry",
    "check_color",
    "find_leaflet_assets",
    "inline_assets",
    "is_gcj_tiles",
    "resolve_cmap",
    "tile_layer",
]

DEFAULT_SEQUENTIAL = "YlGnBu"
DEFAULT_DIVERGING = "RdBu_r"
DEFAULT_QUALITATIVE = "Set2"

#: Colours of the LISA cluster classes (ColorBrewer RdBu ends for HH/LL, light tints for the outliers).
LISA_COLORS: dict[str, str] = {
    "HH": "#d7191c",
    "HL": "#fdae61",
    "LH": "#abd9e9",
    "LL": "#2c7bb6",
    "not significant": "#f0f0f0",
}

#: Default style of units with a missing value: light grey with a diagonal hatch, dashed grey outline.
MISSING_STYLE: dict[str, Any] = {
    "fillColor": "#d9d9d9",
    "color": "#8c8c8c",
    "weight": 0.6,
    "dashArray": "3 3",
    "fillOpacity": 0.8,
    "hatch": True,
    "label": "No data",
}

HATCH_ID = "geoaggl-hatch"

#: Tile providers known by name (lower-case, spaces/underscores ignored).  ``gcj02`` marks providers
#: whose tiles are drawn in GCJ-02 (the geometry is shifted to match).
TILES: dict[str, dict[str, Any]] = {
    "cartodbpositron": {
        "tiles": "https://{s}.basemaps.cartocdn.com/light_all/{z}/{x}/{y}{r}.png",
        "attr": '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors '
        '&copy; <a href="https://carto.com/attributions">CARTO</a>',
        "subdomains": "abcd",
        "max_zoom": 20,
        "name": "CartoDB positron",
        "gcj02": False,
    },
    "cartodbdarkmatter": {
        "tiles": "https://{s}.basemaps.cartocdn.com/dark_all/{z}/{x}/{y}{r}.png",
        "attr": '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors '
        '&copy; <a href="https://carto.com/attributions">CARTO</a>',
        "subdomains": "abcd",
        "max_zoom": 20,
        "name": "CartoDB dark_matter",
        "gcj02": False,
    },
    "openstreetmap": {
        "tiles": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        "attr": '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
        "max_zoom": 19,
        "name": "OpenStreetMap",
        "gcj02": False,
    },
    "amap": {
        "tiles": "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}",
        "attr": "&copy; 高德地图 AutoNavi",
        "subdomains": "1234",
        "max_zoom": 18,
        "name": "高德地图 Amap",
        "gcj02": True,
    },
    "amapsatellite": {
        "tiles": "https://webst0{s}.is.autonavi.com/appmaptile?style=6&x={x}&y={y}&z={z}",
        "attr": "&copy; 高德地图 AutoNavi",
        "subdomains": "1234",
        "max_zoom": 18,
        "name": "高德卫星 Amap satellite",
        "gcj02": True,
    },
}
_TILE_ALIASES = {
    "gaode": "amap",
    "autonavi": "amap",
    "gaodesatellite": "amapsatellite",
    "osm": "openstreetmap",
    "cartodbdark_matter": "cartodbdarkmatter",
}
_GCJ_MARKERS = ("autonavi.com", "amap.com", "gaode.com", "is.autonavi")


def _norm(name: str) -> str:
    return re.sub(r"[\s_\-]", "", name.lower())


def is_gcj_tiles(url_or_name: str) -> bool:
    """True for Amap/Gaode tiles (a known name or a URL on their servers), which are drawn in GCJ-02."""
    key = _norm(url_or_name)
    key = _TILE_ALIASES.get(key, key)
    if key in TILES:
        return bool(TILES[key]["gcj02"])
    low = url_or_name.lower()
    return any(mark in low for mark in _GCJ_MARKERS)


def tile_layer(tiles: Any, *, attr: str | None = None) -> tuple[Any, bool]:
    """Build the ``folium.TileLayer`` for ``tiles`` and say whether it is GCJ-02.

    Known names (:data:`TILES`) are expanded to their URL and attribution here, so folium never
    looks them up in xyzservices (whose CartoDB entry warns about an API key).  Any other string is
    passed to folium (a URL needs ``attr``); a ``folium.TileLayer`` is used as it is.
    """
    if isinstance(tiles, folium.TileLayer):
        return tiles, is_gcj_tiles(str(tiles.tiles))
    if not isinstance(tiles, str):
        raise TypeError(
            f"tiles must be a name, a URL, a folium.TileLayer or None, got {type(tiles).__name__}"
        )
    key = _norm(tiles)
    key = _TILE_ALIASES.get(key, key)
    if key in TILES:
        spec = dict(TILES[key])
        gcj = bool(spec.pop("gcj02"))
        if attr is not None:
            spec["attr"] = attr
        return folium.TileLayer(**spec), gcj
    if "{" in tiles and attr is None:
        raise UnknownSchemeError(f"a custom tile URL needs attr= (its attribution); got tiles={tiles!r}")
    layer = folium.TileLayer(tiles=tiles, attr=attr, name=tiles if "{" not in tiles else None)
    return layer, is_gcj_tiles(tiles)


# ---------------------------------------------------------------------------------------------- colours
def _hex(rgba: Sequence[float]) -> str:
    r, g, b = (round(max(0.0, min(1.0, float(c))) * 255) for c in rgba[:3])
    return f"#{r:02x}{g:02x}{b:02x}"


_HEX_RE = re.compile(r"#(?:[0-9a-fA-F]{3,4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})")
_NUM = r"\s*[-+]?(?:\d+\.?\d*|\.\d+)(?:%|deg)?\s*"
_FUNC_RE = re.compile(rf"(?:rgba?|hsla?)\({_NUM}(?:,{_NUM}){{2,3}}\)", re.IGNORECASE)


def check_color(value: Any, *, name: str) -> str:
    """Return ``value`` if it is a plain CSS colour, else raise :class:`~geoaggl.errors.OptionError`.

    Accepted: ``#rgb``, ``#rrggbb`` (with optional alpha), ``rgb()``/``rgba()``/``hsl()``/``hsla()``
    with numbers only, and the CSS colour names (``"grey"``, ``"steelblue"``, ``"transparent"``).
    Colours end up in style attributes and in the legend's markup, so anything else (quotes, ``<``,
    ``;``, ``url(...)``) is refused here rather than escaped later.
    """
    if not isinstance(value, str):
        raise ParameterTypeError(f"{name} must be a colour string such as '#d9d9d9'; got {value!r}")
    v = value.strip()
    low = v.lower()
    if (
        _HEX_RE.fullmatch(v)
        or _FUNC_RE.fullmatch(v)
        or low.replace("grey", "gray") in _cnames
        or low in ("transparent", "none")
    ):
        return v
    raise OptionError(
        f"{name} must be a CSS colour ('#rrggbb', 'rgb(r, g, b)' or a name such as 'grey'); got {value!r}"
    )


def _brewer(name: str) -> list[str] | None:
    if name in _schemes:
        return list(_schemes[name])
    variants = sorted(
        (k for k in _schemes if k.rsplit("_", 1)[0] == name), key=lambda k: int(k.rsplit("_", 1)[1])
    )
    return list(_schemes[variants[-1]]) if variants else None


def resolve_cmap(cmap: Any) -> tuple[Callable[[float], str], list[str] | None]:
    """A function ``t in [0, 1] -> '#rrggbb'`` for ``cmap`` and, for a colour list, the list itself.

    ``cmap`` is a ColorBrewer/branca name (``"YlGnBu"``, ``"RdBu"``; a ``_r`` suffix reverses it), a
    matplotlib colormap name (when matplotlib is installed), a matplotlib ``Colormap`` object or a
    list of colours.
    """
    colors: list[str] | None = None
    if isinstance(cmap, str):
        name, rev = (cmap[:-2], True) if cmap.endswith("_r") else (cmap, False)
        colors = _brewer(name)
        if colors is None:
            try:
                import matplotlib

                mpl = matplotlib.colormaps[name]
            except (ImportError, KeyError):
                valid = sorted({k.rsplit("_", 1)[0] for k in _schemes})
                raise UnknownSchemeError(
                    f"unknown cmap {cmap!r}; use a ColorBrewer name ({', '.join(valid)}), add '_r' to"
                    " reverse, or pass a list of colours"
                ) from None
            colors = [_hex(mpl(i / 255)) for i in range(256)]
        if rev:
            colors = colors[::-1]
        lin = LinearColormap(colors, vmin=0.0, vmax=1.0)
        return (lambda t: lin.rgb_hex_str(float(t))), None
    if callable(cmap):

        def ramp(t: float) -> str:
            try:
                return _hex(cmap(float(t)))
            except (TypeError, ValueError, IndexError) as exc:
                raise OptionError(f"cmap: the colormap returned no RGB(A) colour for {t!r}: {exc}") from None

        return ramp, None
    if isinstance(cmap, Sequence) and not isinstance(cmap, str) and len(cmap) >= 1:
        colors = [check_color(c, name=f"cmap[{i}]") for i, c in enumerate(cmap)]
        if len(colors) == 1:
            return (lambda t: colors[0]), colors
        try:
            lin = LinearColormap(colors, vmin=0.0, vmax=1.0)
        except ValueError as exc:
            raise OptionError(
                f"cmap: cannot interpolate between {colors!r} ({exc}); use '#rrggbb' colours or names"
            ) from None
        return (lambda t: lin.rgb_hex_str(float(t))), colors
    raise ParameterTypeError(
        f"cmap must be a name, a list of colours or a colormap, got {type(cmap).__name__}"
    )


def hatch_fill(color: str) -> str:
    """SVG paint for a hatched fill, with ``color`` as the fallback where the pattern is absent."""
    return f"url(#{HATCH_ID}) {color}"


# ---------------------------------------------------------------------------------------------- legend
@dataclass(frozen=True)
class LegendEntry:
    """One line of the legend: a swatch colour, a label and the number of units (or unit-years)."""

    color: str
    label: str
    count: int | None = None
    hatch: bool = False
    border: str | None = None
    missing: bool = False


_LEGEND_CSS = """
<style>
.geoaggl-legend {background: rgba(255,255,255,0.92); padding: 6px 9px; border-radius: 4px;
  box-shadow: 0 1px 4px rgba(0,0,0,0.3); font: 12px/1.35 "Helvetica Neue", Arial, "PingFang SC",
  "Noto Sans CJK SC", sans-serif; color: #222; max-width: 260px;}
.geoaggl-legend-title {font-weight: bold; margin-bottom: 4px;}
.geoaggl-legend-item {display: flex; align-items: center; margin: 1px 0; white-space: nowrap;}
.geoaggl-legend-swatch {display: inline-block; width: 18px; height: 12px; margin-right: 6px;
  border: 1px solid #999; flex: none;}
.geoaggl-legend-count {color: #666; margin-left: 4px;}
.geoaggl-legend-note {color: #666; font-size: 11px; margin-top: 3px;}
.geoaggl-legend-gradient {height: 12px; width: 180px; border: 1px solid #999;}
.geoaggl-legend-ticks {display: flex; justify-content: space-between; width: 182px;}
.geoaggl-tooltip {font: 12px/1.4 "Helvetica Neue", Arial, "PingFang SC", "Noto Sans CJK SC", sans-serif;}
</style>
"""

_HATCH_CSS = "repeating-linear-gradient(45deg, {c} 0 3px, #8c8c8c 3px 4px)"


class Legend(MacroElement):
    """A Leaflet control listing the classes (swatch, range, count) and the missing units.

    Every text is HTML-escaped in Python; the finished markup is passed to JavaScript as a JSON
    string.  The element also adds the SVG hatch pattern used for missing values.
    """

    _template = Template(
        """
        {% macro header(this, kwargs) %}{{ this.css }}{% endmacro %}
        {% macro script(this, kwargs) %}
        (function() {
            var map = {{ this._parent.get_name() }};
            var legend = L.control({position: {{ this.position|tojson }}});
            legend.onAdd = function() {
                var div = L.DomUtil.create('div', 'geoaggl-legend');
                div.innerHTML = {{ this.html|tojson }};
                L.DomEvent.disableClickPropagation(div);
                return div;
            };
            legend.addTo(map);
            {{ this.hatch_js }}
        })();
        {% endmacro %}
        """
    )

    def __init__(
        self,
        title: str,
        entries: Sequence[LegendEntry],
        *,
        position: str = "bottomright",
        note: str | None = None,
        gradient: tuple[list[str], list[str]] | None = None,
    ) -> None:
        super().__init__()
        self._name = "GeoagglLegend"
        self.title = title
        self.entries = list(entries)
        self.position = position
        self.note = note
        self.gradient = gradient
        self.css = _LEGEND_CSS
        self.hatch_js = HATCH_JS
        self.html = self._html()

    def _html(self) -> str:
        e = html.escape
        parts = [f'<div class="geoaggl-legend-title">{e(self.title)}</div>']
        if self.gradient is not None:
            colors, ticks = self.gradient
            stops = e(", ".join(colors))
            parts.append(
                f'<div class="geoaggl-legend-gradient" style="background: linear-gradient(to right, '
                f'{stops});"></div>'
            )
            parts.append(
                '<div class="geoaggl-legend-ticks">'
                + "".join(f"<span>{e(t)}</span>" for t in ticks)
                + "</div>"
            )
        for ent in self.entries:
            # colours are validated where they enter (check_color); escaped again here for the attribute
            bg = e(_HATCH_CSS.format(c=ent.color) if ent.hatch else ent.color)
            border = f" border-color: {e(ent.border)};" if ent.border else ""
            count = (
                f'<span class="geoaggl-legend-count">({ent.count})</span>' if ent.count is not None else ""
            )
            cls = "geoaggl-legend-item geoaggl-legend-missing" if ent.missing else "geoaggl-legend-item"
            parts.append(
                f'<div class="{cls}" data-count="{"" if ent.count is None else ent.count}">'
                f'<span class="geoaggl-legend-swatch" style="background: {bg};{border}"></span>'
                f'<span class="geoaggl-legend-label">{e(ent.label)}</span>{count}</div>'
            )
        if self.note:
            parts.append(f'<div class="geoaggl-legend-note">{e(self.note)}</div>')
        return "".join(parts)


#: JavaScript that adds the hatch pattern to every SVG of the map's overlay pane (now and later).
HATCH_JS = """
            function geoagglHatch() {
                var svgs = map.getPanes().overlayPane.querySelectorAll('svg');
                for (var i = 0; i < svgs.length; i++) {
                    if (svgs[i].querySelector('#%(id)s')) { continue; }
                    var ns = 'http://www.w3.org/2000/svg';
                    var defs = document.createElementNS(ns, 'defs');
                    var pat = document.createElementNS(ns, 'pattern');
                    pat.setAttribute('id', '%(id)s');
                    pat.setAttribute('patternUnits', 'userSpaceOnUse');
                    pat.setAttribute('width', '6'); pat.setAttribute('height', '6');
                    pat.setAttribute('patternTransform', 'rotate(45)');
                    var bg = document.createElementNS(ns, 'rect');
                    bg.setAttribute('width', '6'); bg.setAttribute('height', '6');
                    bg.setAttribute('fill', '#e6e6e6');
                    var ln = document.createElementNS(ns, 'line');
                    ln.setAttribute('x1', '0'); ln.setAttribute('y1', '0');
                    ln.setAttribute('x2', '0'); ln.setAttribute('y2', '6');
                    ln.setAttribute('stroke', '#8c8c8c'); ln.setAttribute('stroke-width', '2');
                    pat.appendChild(bg); pat.appendChild(ln); defs.appendChild(pat);
                    svgs[i].insertBefore(defs, svgs[i].firstChild);
                }
            }
            geoagglHatch();
            map.on('layeradd', geoagglHatch);
""".replace("%(id)s", HATCH_ID)


class ExclusiveLayers(MacroElement):
    """Make a set of overlay layers behave like radio buttons (one year shown at a time)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function() {
            var map = {{ this._parent.get_name() }};
            var group = [{% for l in this.layers %}{{ l.get_name() }}{{ "," if not loop.last }}{% endfor %}];
            map.on('overlayadd', function(e) {
                if (group.indexOf(e.layer) < 0) { return; }
                // deferred, so that the layer control is done with its click and redraws its checkboxes
                setTimeout(function() {
                    group.forEach(function(l) {
                        if (l !== e.layer && map.hasLayer(l)) { l.eachLayer(function(s) {
                            if (s.closeTooltip) { s.closeTooltip(); } }); map.removeLayer(l); }
                    });
                }, 0);
            });
        })();
        {% endmacro %}
        """
    )

    def __init__(self, layers: Sequence[Any]) -> None:
        super().__init__()
        self._name = "GeoagglExclusiveLayers"
        self.layers = list(layers)


class GeoJsonLayer(folium.map.Layer):
    """A compact Leaflet GeoJSON layer: features carry a style index ``s`` and escaped tooltip HTML ``tt``.

    Unlike ``folium.GeoJson`` the data is embedded as JSON without spaces and the styles as one
    array, which keeps the national map under 3 MB.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }}_styles = {{ this.styles_json }};
        {%- if this.geometries is not none %}
        var {{ this.get_name() }}_data = {{ this.data_json }};
        {{ this.get_name() }}_data.features.forEach(function(f) {
            f.geometry = {{ this.geometries.get_name() }}[f.properties.g];
        });
        {%- endif %}
        {%- if this.geometries is none %}
        var {{ this.get_name() }}_data = {{ this.data_json }};
        {%- endif %}
        var {{ this.get_name() }} = L.geoJson({{ this.get_name() }}_data, {
            smoothFactor: {{ this.smooth_factor }},
            style: function(f) { return {{ this.get_name() }}_styles[f.properties.s]; },
            onEachFeature: function(f, layer) {
                if (f.properties.tt) {
                    layer.bindTooltip(f.properties.tt, {sticky: true, className: 'geoaggl-tooltip'});
                }
                {%- if this.highlight %}
                layer.on({
                    mouseover: function(e) {
                        e.target.setStyle({{ this.highlight_json }});
                        if (e.target.bringToFront) { e.target.bringToFront(); }
                    },
                    mouseout: function(e) { {{ this.get_name() }}.resetStyle(e.target); }
                });
                {%- endif %}
            }
        });
        {% endmacro %}
        """
    )

    def __init__(
        self,
        data: dict[str, Any],
        styles: Sequence[Mapping[str, Any]],
        *,
        name: str | None = None,
        overlay: bool = True,
        control: bool = True,
        show: bool = True,
        highlight: bool = True,
        smooth_factor: float = 0.5,
        geometries: SharedGeometries | None = None,
    ) -> None:
        super().__init__(name=name, overlay=overlay, control=control, show=show)
        self._name = "GeoagglGeoJson"
        self.data = data
        self.geometries = geometries
        self.styles = [dict(s) for s in styles]
        self.data_json = json_compact(data)
        self.styles_json = json_compact(self.styles)
        self.highlight = highlight
        self.highlight_json = json_compact({"weight": 2.0, "color": "#222222"})
        self.smooth_factor = float(smooth_factor)

    def _get_self_bounds(self) -> list[list[float | None]]:
        from folium.utilities import get_bounds

        if self.geometries is not None:
            return get_bounds(
                {"type": "GeometryCollection", "geometries": self.geometries.geometries}, lonlat=True
            )
        return get_bounds(self.data, lonlat=True)


class SharedGeometries(MacroElement):
    """One JavaScript array of GeoJSON geometries that several layers (the years of a panel) share.

    Layers refer to a geometry by its position (feature property ``g``), so a map of ``T`` years
    embeds each polygon once instead of ``T`` times.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = {{ this.geometries_json }};
        {% endmacro %}
        """
    )

    def __init__(self, geometries: Sequence[Mapping[str, Any] | None]) -> None:
        super().__init__()
        self._name = "GeoagglGeometries"
        self.geometries = list(geometries)
        self.geometries_json = json_compact(self.geometries)


def css_element() -> Element:
    """The tooltip/legend stylesheet as a standalone header element."""
    return Element(_LEGEND_CSS)


# ---------------------------------------------------------------------------------------------- offline
_LEAFLET_ENV = "GEOAGGL_LEAFLET_DIR"


def find_leaflet_assets(assets: str | os.PathLike[str] | None = None) -> Path:
    """Directory holding ``leaflet.js`` and ``leaflet.css`` (and optionally ``images/``).

    Looked up in order: ``assets``; the environment variable ``GEOAGGL_LEAFLET_DIR``; the files of the
    PyPI package ``django-js-lib-leaflet`` (Leaflet's release files only, no dependencies).

    Raises
    ------
    FileNotFoundError
        When none of them holds the two files.
    """
    cands: list[Path] = []
    if assets is not None:
        if not isinstance(assets, str | os.PathLike):
            raise ParameterTypeError(
                f"assets must be a folder path (str or path-like), got {type(assets).__name__}"
            )
        cands.append(Path(assets))
    elif os.environ.get(_LEAFLET_ENV):
        cands.append(Path(os.environ[_LEAFLET_ENV]))
    else:
        spec = importlib.util.find_spec("js_lib_leaflet")
        if spec is not None and spec.submodule_search_locations:
            for loc in spec.submodule_search_locations:
                cands.append(Path(loc) / "static" / "js_lib_leaflet")
    for c in cands:
        if (c / "leaflet.js").is_file() and (c / "leaflet.css").is_file():
            return c
        if (c / "dist" / "leaflet.js").is_file():  # an unpacked npm tarball (`npm pack leaflet`)
            return c / "dist"
    tried = ", ".join(str(c) for c in cands) or "nothing"
    raise MissingFileError(
        "local Leaflet files (leaflet.js, leaflet.css) not found (tried: "
        f"{tried}); `pip install django-js-lib-leaflet` (Leaflet's files, no dependencies), or pass "
        f"assets=DIR / set {_LEAFLET_ENV}=DIR to a folder with them (e.g. `npm pack leaflet` unpacked)"
    )


#: folium's default CDN resources other than Leaflet; geoaggl maps use none of them.
_DROPPABLE = (
    "jquery",
    "bootstrap",
    "awesome-markers",
    "awesome_markers",
    "fontawesome",
    "glyphicons",
    "leaflet.awesome.rotate",
)


def inline_assets(page: str, assets: Path) -> tuple[str, list[str]]:
    """Inline Leaflet's JS/CSS into ``page`` and drop folium's other default CDN resources.

    Returns the new page and the external URLs that remain (resources of plugins that still need a
    network).
    """
    js = (assets / "leaflet.js").read_text(encoding="utf-8")
    css = (assets / "leaflet.css").read_text(encoding="utf-8")
    images = assets / "images"

    def _data_uri(match: re.Match[str]) -> str:
        f = images / match.group(1)
        if f.is_file():
            return f"url(data:image/png;base64,{base64.b64encode(f.read_bytes()).decode('ascii')})"
        return match.group(0)

    css = re.sub(r"url\(images/([\w\-.]+\.png)\)", _data_uri, css)
    js = js.replace("</script", "<\\/script")
    css = css.replace("</style", "<\\/style")
    script_re = re.compile(r'<script[^>]*\bsrc="([^"]+)"[^>]*>\s*</script>\s*')
    link_re = re.compile(r'<link[^>]*\bhref="([^"]+)"[^>]*/?>\s*')

    def _script(match: re.Match[str]) -> str:
        url = match.group(1)
        name = url.rsplit("/", 1)[-1].lower()
        if name in ("leaflet.js", "leaflet-src.js"):
            return "<script>" + js + "</script>\n"
        if any(d in url.lower() for d in _DROPPABLE):
            return ""
        return match.group(0)

    def _link(match: re.Match[str]) -> str:
        url = match.group(1)
        if url.rsplit("/", 1)[-1].lower() == "leaflet.css":
            return "<style>" + css + "</style>\n"
        if any(d in url.lower() for d in _DROPPABLE):
            return ""
        return match.group(0)

    page = script_re.sub(_script, page)
    page = link_re.sub(_link, page)
    remaining = [m.group(1) for m in script_re.finditer(page)] + [
        m.group(1) for m in link_re.finditer(page) if m.group(1).startswith(("http:", "https:", "//"))
    ]
    return page, remaining


def json_compact(obj: Any) -> str:
    """JSON without spaces, safe to embed inside ``<script>`` (``<``, ``>``, ``&`` escaped)."""
    s = json.dumps(obj, separators=(",", ":"), ensure_ascii=False)
    return s.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
