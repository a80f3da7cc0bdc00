r"""Spatial autocorrelation checks: global Moran's I, Geary's C, Getis-Ord G, LISA, residuals.

Thin, tidy wrappers around :mod:`esda`.  Every number comes from esda on the
same inputs: the wrapper only aligns the data to each weights graph, drops
missing values (with a warning naming them), seeds the permutations and
collects the results into tables indexed like the input.

Statistics (esda's definitions, :math:`z_i = y_i - \bar y`, :math:`S_0 = \sum_{ij} w_{ij}`):

.. math::

    I = \frac{n}{S_0} \frac{\sum_{ij} w_{ij} z_i z_j}{\sum_i z_i^2}, \qquad
    E[I] = -\frac{1}{n-1}

.. math::

    C = \frac{(n-1) \sum_{ij} w_{ij} (y_i - y_j)^2}{2 S_0 \sum_i z_i^2}, \qquad E[C] = 1

.. math::

    G = \frac{\sum_{i \ne j} w_{ij} y_i y_j}{\sum_{i \ne j} y_i y_j}, \qquad E[G] = \frac{S_0}{n(n-1)}

Geary's C on a graph with isolates is computed on ``graph.to_W()`` (esda 2.9's
Graph code path fails there; the W path gives the same numbers elsewhere).
Moran's I and Geary's C use row-standardised weights (esda's default
``transformation="r"``), G binary weights (esda's default).  ``p_norm`` is
esda's analytical p-value (two-sided for Moran's I, one-sided for C and G) and
``p_sim`` the pseudo p-value :math:`(M + 1)/(R + 1)` of ``R`` permutations,
where :math:`M` counts permuted statistics at least as extreme as the observed
one in the observed direction.  All three statistics are invariant to scaling
``y``; values beyond :math:`10^{\pm 100}` are rescaled by an exact power of two
before esda sees them, so huge or tiny magnitudes neither overflow nor look constant.

Units and weights
-----------------
Each graph is tested on the units it covers: the data rows whose index is
among the graph's ids and whose value is not missing.  Rows outside a graph,
rows with missing values and graph ids without data are dropped **for that
graph only**, with a warning naming them, and the graph is subset
(``Graph.subgraph``: links to dropped units removed).  Every output row states
its ``n``.  Fewer than 3 units is an error (permutation and analytical
inference are undefined).

Links between units whose polygons do not touch in a contiguity graph (the
nearest-neighbour links :func:`geoaggl.weights.contiguity` adds for islands,
e.g. 海口–湛江 and 三沙–文昌 on the shipped polygons) are named in the
``weights_label`` column and in a warning.  They are read from the graph's
``island_links`` attribute (pairs of ids) when it has one; otherwise, for a
binary graph and data that carry the units' polygons (a GeoDataFrame), from
the polygons themselves.  When most links of such a graph are island links
(contiguity of a sparse set of units) the warning says that the graph is
mostly a nearest-neighbour chain.

Random permutations use NumPy's global generator, as esda does (esda offers
no way to pass a private generator).  With ``seed`` given, the global
generator's state is saved, seeded for each esda call and restored
afterwards, so a seeded call equals ``np.random.seed(seed); esda.Moran(y, w)``
and leaves NumPy's global state as it found it.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ._graphs import graph_links, warn_structure
from ._validate import as_float_array, check_int, check_option, check_real, require_columns, setting
from .errors import DataError, GeoagglWarning, MissingValuesWarning, ParameterTypeError, format_keys

#: Largest number of permutations accepted (esda holds them all in memory: permutations × n).
MAX_PERMUTATIONS = 100_000

if TYPE_CHECKING:  # pragma: no cover
    from libpysal.graph import Graph

__all__ = ["check", "lisa", "residual_check"]

WeightsSpec = Any  # Graph | libpysal W | Mapping[str, Graph | W]

_CHECK_COLUMNS = [
    "column",
    "weights",
    "statistic",
    "value",
    "expected",
    "z",
    "p_norm",
    "p_sim",
    "z_sim",
    "permutations",
    "n",
    "weights_label",
]
_STATISTICS = ("moran", "geary", "getis_ord")
_QUADRANTS = {1: "HH", 2: "LH", 3: "LL", 4: "HL"}
_MIN_UNITS = 3
_SEED_MAX = 2**32 - 1


# ---------------------------------------------------------------------------------------------- helpers
def _legacy_seed(seed: Any, where: str) -> int | None:
    """An int seed for esda's legacy global generator: None, an int in [0, 2**32 - 1] or a Generator."""
    if seed is None:
        return None
    if isinstance(seed, np.random.Generator):
        return int(seed.integers(0, _SEED_MAX, endpoint=True))
    return check_int(seed, name="seed", minimum=0, maximum=_SEED_MAX, where=where)


@contextmanager
def _seeded(seed: int | None) -> Iterator[None]:
    """Seed NumPy's global generator for the block and restore its previous state afterwards."""
    if seed is None:
        yield
        return
    state = np.random.get_state()  # noqa: NPY002 - esda draws from the global generator
    np.random.seed(seed)  # noqa: NPY002
    try:
        yield
    finally:
        np.random.set_state(state)  # noqa: NPY002


def _as_graph(w: Any, name: str) -> Graph:
    from libpysal.graph import Graph
    from libpysal.weights import W

    if isinstance(w, Graph):
        return w
    if isinstance(w, W):
        return Graph.from_W(w)
    raise ParameterTypeError(f"weights {name!r}: expected a libpysal Graph (or W), got {type(w).__name__}")


def _graphs(w: WeightsSpec) -> dict[str, Graph]:
    """Normalise ``w`` (a Graph, a W or a mapping name → Graph) to an ordered dict."""
    if isinstance(w, Mapping):
        if not w:
            raise DataError("weights: the mapping of weights is empty")
        return {str(k): _as_graph(v, str(k)) for k, v in w.items()}
    return {"w": _as_graph(w, "w")}


def _names(data: Any) -> pd.Series | None:
    if isinstance(data, pd.DataFrame) and "name" in data.columns and not data.index.has_duplicates:
        return data["name"]
    return None


def _show(ids: Iterable[Any], names: pd.Series | None, limit: int = 20) -> str:
    if names is None:
        return format_keys(ids, limit=limit)
    return format_keys((f"{i} {names[i]}" if i in names.index else i for i in ids), limit=limit)


def _align(
    index: pd.Index, g: Graph, name: str, *, names: pd.Series | None, stacklevel: int, warn: bool = True
) -> tuple[pd.Index, Graph]:
    """Units of the data that ``g`` covers; warn naming data rows outside ``g`` and graph ids without data."""
    if index.has_duplicates:
        raise DataError(f"data index has duplicated labels: {format_keys(index[index.duplicated()])}")
    ids = pd.Index(g.unique_ids)
    only_data = index.difference(ids, sort=False)
    only_w = ids.difference(index, sort=False)
    common = ids.intersection(index, sort=False)
    if len(common) < _MIN_UNITS and not (len(only_data) or len(only_w)):
        raise DataError(
            f"weights {name!r}: only {len(common)} unit(s); at least {_MIN_UNITS} are needed for "
            "spatial autocorrelation inference"
        )
    if len(common) < _MIN_UNITS:
        raise DataError(
            f"weights {name!r} and the data share {len(common)} unit(s); at least {_MIN_UNITS} are needed. "
            f"In the data only: {format_keys(only_data) or 'none'}; in the weights only: "
            f"{format_keys(only_w) or 'none'}. Index the data by the weights' ids (e.g. adcode)"
        )
    if len(only_data) and warn:
        warnings.warn(
            f"weights {name!r} do not cover {len(only_data)} unit(s) of the data, left out of its "
            f"test: {_show(only_data, names)}",
            GeoagglWarning,
            stacklevel=stacklevel,
        )
    if len(only_w):
        if warn:
            warnings.warn(
                f"weights {name!r}: {len(only_w)} unit(s) of the graph are not in the data; the "
                f"graph is subset to the {len(common)} units with data (links to them removed): "
                f"{format_keys(only_w)}",
                GeoagglWarning,
                stacklevel=stacklevel,
            )
        g = g.subgraph(common)
    return common, g


def _scaled(vals: np.ndarray) -> np.ndarray:
    """Rescale by an exact power of two when magnitudes are extreme (the statistics are scale-invariant)."""
    top = float(np.max(np.abs(vals))) if vals.size else 0.0
    if top == 0.0 or 1e-100 <= top <= 1e100:
        return vals
    return np.ldexp(vals, -int(np.frexp(top)[1]))


def _prepare(
    y: pd.Series,
    g: Graph,
    *,
    column: Hashable,
    name: str,
    names: pd.Series | None = None,
    stacklevel: int = 4,
    warn_align: bool = True,
) -> tuple[np.ndarray, Graph, pd.Index]:
    """Align ``y`` to ``g``: keep covered units, drop missing values (subsetting ``g``), order like ``g``.

    Returns the float values in the graph's id order (rescaled if extreme), the (possibly
    subset) graph and the ids used.
    """
    vals = as_float_array(y, what=f"column {column!r}")
    if np.isinf(vals).any():
        raise DataError(f"column {column!r}: infinite values at {format_keys(y.index[np.isinf(vals)])}")
    s = pd.Series(vals, index=y.index.copy())
    common, g = _align(s.index, g, name, names=names, stacklevel=stacklevel + 1, warn=warn_align)
    s = s.loc[common]
    nan = s.isna()
    if nan.any():
        keep = s.index[~nan]
        warnings.warn(
            f"column {column!r}: {int(nan.sum())} missing value(s) at {_show(s.index[nan], names)}; "
            f"those rows were dropped and weights {name!r} subset to the remaining {len(keep)} units "
            "(neighbour links to dropped units removed)",
            MissingValuesWarning,
            stacklevel=stacklevel,
        )
        if len(keep) < _MIN_UNITS:
            raise DataError(
                f"column {column!r}: {len(keep)} non-missing value(s) on weights {name!r}; at "
                f"least {_MIN_UNITS} are needed"
            )
        g = g.subgraph(keep)
        linked = np.asarray(g.adjacency.to_numpy() != 0)
        if not linked.any():
            raise DataError(
                f"column {column!r}: the {len(keep)} units with values have no neighbour among each other "
                f"on weights {name!r}; spatial autocorrelation is undefined"
            )
    ids = pd.Index(g.unique_ids)
    out = s.reindex(ids).to_numpy(dtype=np.float64)
    if (out == out[0]).all():
        raise DataError(f"column {column!r}: constant values; autocorrelation is undefined")
    return _scaled(out), g, ids


def _data_columns(
    data: pd.DataFrame | pd.Series, columns: Sequence[Hashable] | Hashable | None
) -> dict[Hashable, pd.Series]:
    if isinstance(data, pd.Series):
        if columns is not None:
            raise DataError("columns= is only used with a DataFrame")
        return {data.name if data.name is not None else "y": data}
    if not isinstance(data, pd.DataFrame):
        raise ParameterTypeError(f"data: expected a DataFrame or Series, got {type(data).__name__}")
    if columns is None:
        geom = getattr(data, "_geometry_column_name", None)
        cols: list[Hashable] = [
            c
            for c in data.columns
            if c != geom
            and pd.api.types.is_numeric_dtype(data[c].dtype)
            and not pd.api.types.is_bool_dtype(data[c].dtype)
        ]
        if not cols:
            raise DataError("data: no numeric columns to check; pass columns=")
    elif isinstance(columns, str) or not isinstance(columns, Sequence):
        cols = [columns]
    else:
        cols = list(columns)
    require_columns(data, cols, what="data")
    return {c: data[c] for c in cols}


# ---------------------------------------------------------------------------------------------- island links
def _declared_links(g: Graph) -> list[tuple[Any, Any]] | None:
    """Island links a graph declares (``g.island_links`` or ``g.attrs['island_links']``), if any."""
    raw = getattr(g, "island_links", None)
    if raw is None:
        attrs = getattr(g, "attrs", None)
        raw = attrs.get("island_links") if isinstance(attrs, Mapping) else None
    if raw is None:
        return None
    if isinstance(raw, pd.DataFrame):
        raw = raw.iloc[:, :2].itertuples(index=False, name=None)
    return [(a, b) for a, b in raw]


def _polygon_links(g: Graph, data: Any) -> list[tuple[Any, Any]] | None:
    """Links of a binary graph between units whose polygons do not touch (None if not decidable)."""
    import geopandas as gpd
    import shapely

    if not isinstance(data, gpd.GeoDataFrame) or data.index.has_duplicates:
        return None
    adj = g.adjacency
    adj = adj[adj.to_numpy() != 0]
    if adj.empty or np.unique(adj.to_numpy()).size != 1:
        return None  # weighted graphs (kernel, inverse distance, row-standardised) are not contiguity
    geo = data.geometry
    f = adj.index.get_level_values(0)
    nb = adj.index.get_level_values(1)
    if not (f.isin(geo.index).all() and nb.isin(geo.index).all()):
        return None
    if not geo.geom_type.isin(["Polygon", "MultiPolygon"]).all():
        return None
    touch = shapely.intersects(geo.loc[f].to_numpy(), geo.loc[nb].to_numpy())
    return [(a, b) for a, b, t in zip(f, nb, touch, strict=True) if not t]


def _n_links(g: Graph) -> int:
    """Undirected links (unordered pairs of distinct units with a non-zero weight either way)."""
    adj = g.adjacency
    adj = adj[adj.to_numpy() != 0]
    ids = pd.Index(g.unique_ids)
    a = ids.get_indexer(adj.index.get_level_values(0))
    b = ids.get_indexer(adj.index.get_level_values(1))
    off = a != b
    lo, hi = np.minimum(a[off], b[off]), np.maximum(a[off], b[off])
    return int(np.unique(lo.astype(np.int64) * len(ids) + hi).size)


def _island_label(
    g: Graph, gsub: Graph, name: str, data: Any, names: pd.Series | None, stacklevel: int
) -> str:
    """The weights label: units, links and the island links among them (warned when present)."""
    n_links = _n_links(gsub)
    label = f"{name}: {gsub.n} units, {n_links} links"
    links = _declared_links(g)
    source = "added for islands (nearest neighbour)"
    if links is None:
        links = _polygon_links(gsub, data)
        source = "between units whose polygons do not touch (nearest-neighbour links for islands)"
    if not links:
        return label
    keep = set(gsub.unique_ids)
    pairs = sorted({tuple(sorted((a, b), key=str)) for a, b in links if a in keep and b in keep}, key=str)
    if not pairs:
        return label
    shown = format_keys(
        (f"{_show([a], names)}–{_show([b], names)}".replace("'", "") for a, b in pairs), limit=10
    )
    label += f"; {len(pairs)} link(s) {source}: {shown}"
    msg = f"weights {name!r}: {len(pairs)} of {n_links} link(s) {source}: {shown}"
    if n_links and len(pairs) > n_links / 2:
        msg += (
            "; most links of this graph are not contiguity: on these units it is mostly a chain of "
            "nearest-neighbour links"
        )
        label += " (mostly nearest-neighbour links, not contiguity)"
    warnings.warn(msg, GeoagglWarning, stacklevel=stacklevel)
    return label


# ---------------------------------------------------------------------------------------------- check
def _row(
    column: Hashable,
    wname: str,
    statistic: str,
    res: Any,
    attrs: tuple[str, str],
    p_arg: int,
    n: int,
    label: str,
) -> dict[str, Any]:
    value = np.nan if res is None else float(getattr(res, attrs[0]))
    expected = np.nan if res is None else float(getattr(res, attrs[1]))
    z = np.nan if res is None else float(res.z_norm)
    p_norm = np.nan if res is None else float(res.p_norm)
    p_sim = float(getattr(res, "p_sim", np.nan)) if (p_arg and res is not None) else np.nan
    z_sim = float(getattr(res, "z_sim", np.nan)) if (p_arg and res is not None) else np.nan
    if np.isinf(z_sim):  # the permuted statistics do not vary (e.g. one permutation): z undefined
        warnings.warn(
            f"column {column!r}, {wname}, {statistic}: z_sim is undefined because the {p_arg} "
            "permuted statistic(s) do not vary; reported as NaN (use more permutations)",
            GeoagglWarning,
            stacklevel=4,
        )
        z_sim = np.nan
    return {
        "column": column,
        "weights": wname,
        "statistic": statistic,
        "value": value,
        "expected": expected,
        "z": z,
        "p_norm": p_norm,
        "p_sim": p_sim,
        "z_sim": z_sim,
        "permutations": p_arg,
        "n": n,
        "weights_label": label,
    }


def _one_stat(stat: str, y: np.ndarray, g: Graph, permutations: int, seed: int | None) -> Any:
    import esda

    with _seeded(seed), np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        if stat == "moran":
            return esda.Moran(y, g, permutations=permutations)
        if stat == "geary":
            # esda 2.9's Geary mis-aligns a Graph's zero-weight isolate self-loops; its W path is exact
            return esda.Geary(y, g.to_W() if len(g.isolates) else g, permutations=permutations)
        return esda.G(y, g, permutations=permutations)


_ATTRS = {"moran": ("I", "EI"), "geary": ("C", "EC"), "getis_ord": ("G", "EG")}


def _one_stat_task(task: tuple[str, np.ndarray, Graph, int, int | None]) -> Any:
    """:func:`_one_stat` of one ``(stat, y, graph, permutations, seed)`` (a block of
    :func:`geoaggl._engine.map_blocks`: the same call locally and on a Dask worker)."""
    return _one_stat(*task)


def _computes(stat: str, col: Hashable, y: np.ndarray) -> bool:
    """Whether esda computes ``stat`` on ``y``; warns (and the row is NaN) when it cannot."""
    if stat == "getis_ord" and (y < 0).any():
        warnings.warn(
            f"column {col!r}: negative values; Getis-Ord G is defined for non-negative "
            "variables and is reported as NaN",
            GeoagglWarning,
            stacklevel=3,
        )
        return False
    if stat == "getis_ord" and int((y != 0).sum()) < 2:
        warnings.warn(
            f"column {col!r}: at most one non-zero value; Getis-Ord G (a ratio of cross-products "
            f"of values) is undefined and reported as NaN",
            GeoagglWarning,
            stacklevel=3,
        )
        return False
    total = float(y.sum())
    if stat == "getis_ord" and not float(np.sum(y * y)) < (1 - 4 * np.finfo(float).eps) * total * total:
        warnings.warn(
            f"column {col!r}: one value dominates (the cross-products of the others are below the "
            "rounding of its square), so Getis-Ord G's denominator sum_(i != j) y_i y_j cancels "
            "in floating point; G is reported as NaN",
            GeoagglWarning,
            stacklevel=3,
        )
        return False
    return True


def _stat_row(
    stat: str, col: Hashable, wname: str, res: Any, permutations: int, n: int, label: str
) -> dict[str, Any]:
    """One row of :func:`check` from esda's result ``res`` (None: not computed, NaN row)."""
    row = _row(col, wname, stat, res, _ATTRS[stat], permutations, n, label)
    if not np.isfinite(row["z"]):  # zero variance: an infinite z would give p_norm = 0, a wrong p-value
        row["z"] = row["p_norm"] = np.nan
    bad = [k for k in ("value", "expected", "z", "p_norm") if res is not None and not np.isfinite(row[k])]
    if bad:
        warnings.warn(
            f"column {col!r}, weights {wname!r}: {stat} {', '.join(bad)} undefined for this graph "
            "(zero analytical variance: e.g. a complete graph or too few linked units); reported "
            "as NaN",
            GeoagglWarning,
            stacklevel=3,
        )
    return row


def check(
    data: pd.DataFrame | pd.Series,
    w: WeightsSpec,
    *,
    columns: Sequence[Hashable] | Hashable | None = None,
    permutations: int | None = None,
    seed: int | None = None,
    statistics: Sequence[str] = _STATISTICS,
    client: Any = None,
) -> pd.DataFrame:
    r"""Global spatial autocorrelation of each column under each weights graph, as a tidy table.

    For every column and every weights graph, computes with esda Moran's I
    (:class:`esda.Moran`), Geary's C (:class:`esda.Geary`) and Getis-Ord G
    (:class:`esda.G`); see the module docstring for the formulas and for how
    each graph is matched to the data.

    Parameters
    ----------
    data : pandas.DataFrame, GeoDataFrame or Series
        Values indexed by the weights' ids (adcodes).  Each graph is tested on
        the units it covers (order is free; the data are reordered to the graph);
        units left out of a graph are named in a warning.  With a ``name``
        column, warnings show the names; with polygons (a GeoDataFrame), links
        between non-touching polygons of a binary graph are named.
    w : libpysal.graph.Graph, libpysal.weights.W, or mapping str → Graph
        One graph, or several named ones (e.g. ``{"queen": g1, "road": g2}``)
        checked side by side.  A single graph is named ``"w"``.
    columns : label or sequence of labels, optional
        Columns of a DataFrame to check; default all numeric, non-boolean columns.
    permutations : int, optional
        Random permutations for the pseudo p-values (0: analytical inference only); default
        ``geoaggl.settings.permutations`` (999), read at call time.
    seed : int or numpy.random.Generator, optional
        Seed for the permutations (an int in [0, 2**32 - 1]; a Generator draws
        one); see the module docstring (global state restored).
    statistics : sequence of {"moran", "geary", "getis_ord"}
        Which statistics to compute (default all three).
    client : distributed.Client, optional
        Run the esda calls (one per column × graph × statistic) on this Dask client;
        default ``geoaggl.settings.dask_client`` (None: in this process).  Each call is
        seeded with ``seed``, so with a seed the table is identical locally and on a
        cluster; without one the permutations draw from each process's global generator.

    Returns
    -------
    pandas.DataFrame
        One row per column × weights × statistic with ``column``, ``weights``
        (the graph's name), ``statistic`` ("moran", "geary", "getis_ord"),
        ``value`` (I, C or G), ``expected`` (its expectation under spatial
        randomness), ``z`` and ``p_norm`` (analytical, randomisation assumption
        for I, esda's conventions), ``p_sim`` and ``z_sim`` (permutation; NaN
        without permutations; ``z_sim`` also NaN, with a warning, when the permuted
        statistics do not vary, e.g. one permutation), ``permutations``, ``n`` (units used) and
        ``weights_label`` (units, links and any island links of the graph as tested).
        G is NaN for a column with negative values, at most one non-zero
        value, or one value so dominant that :math:`\sum_{i \ne j} y_i y_j`
        cancels in floating point (:math:`\sum_i y_i^2 \ge (1 - 4\epsilon)(\sum_i y_i)^2`);
        ``z``/``p_norm`` are NaN when esda's analytical variance is zero
        (complete graphs): each case with a warning.

    Raises
    ------
    DataError
        Fewer than 3 units left for a graph (after dropping missing values),
        non-numeric, infinite or constant columns, duplicated index labels.
    OptionError, ParameterTypeError
        Unknown statistics, non-integer or negative ``permutations``, a bad ``seed``;
        a ``client`` that is not a Dask client.

    Warns
    -----
    MissingValuesWarning
        A column has missing values (those rows are dropped and the graph is
        subset with ``Graph.subgraph``).
    GeoagglWarning
        Data units outside a graph or graph ids without data (named), a graph
        (after subsetting) with isolates or several components, island links
        (named), and the NaN cases above.

    References
    ----------
    Moran, P. A. P. (1950). Notes on continuous stochastic phenomena.
    *Biometrika*, 37(1/2), 17-23.

    Geary, R. C. (1954). The contiguity ratio and statistical mapping.
    *The Incorporated Statistician*, 5(3), 115-145.

    Getis, A. and Ord, J. K. (1992). The analysis of spatial association by use
    of distance statistics. *Geographical Analysis*, 24(3), 189-206.

    Rey, S. J. and Anselin, L. (2007). PySAL: a Python library of spatial
    analytical methods. *The Review of Regional Studies*, 37(1), 5-27.

    Examples
    --------
    Six units on a line, values rising along it.  With row-standardised weights
    ``z = y - 3.5``, ``Σ z² = 17.5`` and ``Σ z · lag(z) = 12.5``, so Moran's
    ``I = 12.5 / 17.5 = 5/7``, with ``E[I] = -1/(n - 1) = -0.2``; Getis-Ord ``G`` on the
    binary links is ``Σ w y_i y_j / Σ_{i≠j} y_i y_j = 140 / 350 = 0.4`` (``E[G] = 10/30``);
    esda gives the same:

    >>> import esda
    >>> import pandas as pd
    >>> from libpysal.graph import Graph
    >>> from geoaggl import spatial
    >>> g = Graph.from_dicts({"a": ["b"], "b": ["a", "c"], "c": ["b", "d"],
    ...                       "d": ["c", "e"], "e": ["d", "f"], "f": ["e"]})
    >>> y = pd.Series([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], index=list("abcdef"), name="gdp")
    >>> t = spatial.check(y, g, permutations=99, seed=1)
    >>> t[["column", "statistic", "value", "expected", "n"]].round(6)
      column  statistic     value  expected  n
    0    gdp      moran  0.714286 -0.200000  6
    1    gdp      geary  0.142857  1.000000  6
    2    gdp  getis_ord  0.400000  0.333333  6
    >>> round(float(esda.Moran(y.to_numpy(), g.transform("r"), permutations=0).I), 6)
    0.714286
    """
    if not isinstance(statistics, str) and not isinstance(statistics, Sequence):
        raise ParameterTypeError(f"check: statistics must be a name or a list of names, got {statistics!r}")
    stats = list(statistics) if not isinstance(statistics, str) else [statistics]
    for st in stats:
        check_option(st, _STATISTICS, name="statistics", where="check")
    permutations = check_int(
        setting(permutations, "permutations"),
        name="permutations",
        minimum=0,
        maximum=MAX_PERMUTATIONS,
        where="check",
    )
    seed_i = _legacy_seed(seed, "check")
    graphs = _graphs(w)
    cols = _data_columns(data, columns)
    names = _names(data)
    pending: list[tuple[str, Hashable, str, int, str, int]] = []
    tasks: list[tuple[str, np.ndarray, Graph, int, int | None]] = []
    warned: set[tuple[str, int]] = set()
    aligned: set[str] = set()
    for col, series in cols.items():
        for wname, g in graphs.items():
            y, gsub, _ = _prepare(
                series, g, column=col, name=wname, names=names, warn_align=wname not in aligned
            )
            aligned.add(wname)
            key = (wname, len(y))
            if key not in warned:
                warned.add(key)
                warn_structure(*graph_links(gsub), name=wname, stacklevel=4)
                label = _island_label(g, gsub, wname, data, names, stacklevel=3)
            else:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", GeoagglWarning)
                    label = _island_label(g, gsub, wname, data, names, stacklevel=3)
            for st in _STATISTICS:
                if st in stats:
                    todo = _computes(st, col, y)
                    pending.append((st, col, wname, len(y), label, len(tasks) if todo else -1))
                    if todo:
                        tasks.append((st, y, gsub, permutations, seed_i))
    from ._engine import map_blocks

    # one esda call per block, each seeded with ``seed``: the same numbers locally and on Dask
    results = map_blocks(_one_stat_task, tasks, client=client)
    rows = []
    for st, col, wname, n, label, k in pending:  # a loop, not a comprehension: warnings' stacklevel
        rows.append(_stat_row(st, col, wname, results[k] if k >= 0 else None, permutations, n, label))
    out = pd.DataFrame(rows, columns=_CHECK_COLUMNS)
    out["permutations"] = out["permutations"].astype("int64")
    out["n"] = out["n"].astype("int64")
    return out


# ---------------------------------------------------------------------------------------------- lisa
#: Units per block of :func:`lisa`'s conditional permutations on a Dask client.
LISA_BLOCK = 256
_CRAND_LOCK = threading.Lock()


@contextmanager
def _crand_on(client: Any) -> Iterator[None]:
    """With a client, esda's parallel conditional randomisation (``esda.crand.parallel_crand``,
    which esda runs on joblib's loky backend when ``n_jobs > 1``) runs on Dask instead."""
    if client is None:
        yield
        return
    import esda.crand

    def parallel_crand(
        z: np.ndarray,
        observed: np.ndarray,
        cardinalities: np.ndarray,
        self_weights: np.ndarray,
        other_weights: np.ndarray,
        permuted_ids: np.ndarray,
        scaling: float,
        n_jobs: int,
        keep: bool,
        stat_func: Any,
        island_weight: float,
        alternative: str | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        from ._engine import map_blocks

        n = int(z.shape[0])
        shared = {
            "z": z,
            "observed": observed,
            "cardinalities": cardinalities,
            "self_weights": self_weights,
            "other_weights": other_weights,
            "offsets": np.r_[0, np.cumsum(cardinalities)].astype(np.int64),
            "permuted_ids": permuted_ids,
            "scaling": scaling,
            "keep": keep,
            "stat_func": stat_func,
            "island_weight": island_weight,
            "alternative": alternative,
        }
        spans = [(a, min(a + LISA_BLOCK, n)) for a in range(0, n, LISA_BLOCK)]
        out = map_blocks(_crand_block, spans, client=client, shared=shared)
        p_sims = np.concatenate([o[0] for o in out])
        rlocals = np.vstack([o[1] for o in out]) if keep else np.empty((1, 1))
        return p_sims, rlocals  # as esda's serial call returns them (no squeeze)

    with _CRAND_LOCK:
        original = esda.crand.parallel_crand
        esda.crand.parallel_crand = parallel_crand
        try:
            yield
        finally:
            esda.crand.parallel_crand = original


def _crand_block(
    span: tuple[int, int],
    *,
    z: np.ndarray,
    observed: np.ndarray,
    cardinalities: np.ndarray,
    self_weights: np.ndarray,
    other_weights: np.ndarray,
    offsets: np.ndarray,
    permuted_ids: np.ndarray,
    scaling: float,
    keep: bool,
    stat_func: Any,
    island_weight: float,
    alternative: str | None,
) -> tuple[np.ndarray, np.ndarray]:
    """esda's ``compute_chunk`` on units ``span`` (a block of :func:`_crand_on`)."""
    from esda.crand import compute_chunk

    a, b = span
    return compute_chunk(
        a, z[a:b], z, observed[a:b], cardinalities[a:b], self_weights[a:b],
        other_weights[offsets[a] : offsets[b]], permuted_ids, scaling, keep, stat_func,
        island_weight, alternative=alternative,
    )  # fmt: skip


def lisa(
    y: pd.Series,
    w: Any,
    *,
    permutations: int | None = None,
    alpha: float = 0.05,
    fdr: bool = False,
    seed: int | None = None,
    client: Any = None,
) -> pd.DataFrame:
    r"""Local Moran's I (LISA) with cluster labels, aligned to the input index.

    .. math::

        I_i = \frac{z_i}{m_2} \sum_j w_{ij} z_j, \qquad m_2 = \frac{1}{n - 1} \sum_i z_i^2

    computed by :class:`esda.Moran_Local` on row-standardised weights, with
    conditional-permutation pseudo p-values ``p_sim``.  The quadrant of
    :math:`(z_i, \text{lag}_i)` gives HH (1), LH (2), LL (3), HL (4); a unit is
    labelled only when significant (``p_sim <= alpha``, or with ``fdr=True``
    ``p_sim <= esda.fdr(p_sim, alpha)``, the Benjamini–Hochberg cut-off), else
    ``"not significant"``.

    Parameters
    ----------
    y : pandas.Series
        Values indexed by the graph's ids.
    w : libpysal.graph.Graph or W
        Weights (ids must equal ``y.index`` as a set).
    permutations : int, optional
        Conditional permutations per unit; default ``geoaggl.settings.permutations`` (999).
    alpha : float, default 0.05
        Significance level.
    fdr : bool, default False
        Control the false discovery rate (Benjamini–Hochberg) instead of per-unit ``alpha``.
    seed : int or numpy.random.Generator, optional
        Passed to ``esda.Moran_Local(seed=...)`` (an int in [0, 2**32 - 1]; a
        Generator draws one).  esda seeds NumPy's global generator with it; its
        state is saved and restored, so a seeded call leaves no trace.
    client : distributed.Client, optional
        Run esda's conditional permutations on this Dask client in blocks of
        :data:`LISA_BLOCK` units; default ``geoaggl.settings.dask_client`` (None: in this
        process).  esda draws one table of permuted neighbour ids for all units (from
        ``seed``) and each unit's statistics depend only on it, so the result is
        identical to the local run (for any seed, or none).

    Returns
    -------
    pandas.DataFrame
        Indexed like ``y`` (same order): ``value``, ``Is``, ``lag`` (spatial lag
        of the standardised value, row-standardised), ``quadrant`` (1–4, esda's
        ``q``), ``p_sim``, ``significant`` (bool), ``label`` (HH/LL/LH/HL/"not
        significant").  Rows dropped for missing values, and rows outside the
        graph, get NaN and the label ``"missing"`` (with a warning naming them).

    Raises
    ------
    DataError
        Fewer than 3 units with values on the graph, constant or infinite values,
        duplicated index labels.
    OptionError, ParameterTypeError
        ``permutations`` not an integer >= 1, ``alpha`` outside (0, 1), a bad ``seed``;
        a ``client`` that is not a Dask client.

    References
    ----------
    Anselin, L. (1995). Local indicators of spatial association—LISA.
    *Geographical Analysis*, 27(2), 93-115.

    Benjamini, Y. and Hochberg, Y. (1995). Controlling the false discovery rate:
    a practical and powerful approach to multiple testing. *Journal of the Royal
    Statistical Society B*, 57(1), 289-300.

    Examples
    --------
    On the line of six rising values of :func:`check`, ``I_a = z_a · lag_a / m_2``
    with ``z_a = -2.5``, ``lag_a = z_b = -1.5`` and ``m_2 = 17.5/5`` (esda's
    ``n - 1``), i.e. ``3.75 / 3.5 = 15/14``:

    >>> import pandas as pd
    >>> from libpysal.graph import Graph
    >>> from geoaggl import spatial
    >>> g = Graph.from_dicts({"a": ["b"], "b": ["a", "c"], "c": ["b", "d"],
    ...                       "d": ["c", "e"], "e": ["d", "f"], "f": ["e"]})
    >>> y = pd.Series([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], index=list("abcdef"))
    >>> r = spatial.lisa(y, g, permutations=99, seed=1)
    >>> r[["Is", "quadrant"]].round(6)
             Is  quadrant
    a  1.071429         3
    b  0.642857         3
    c  0.071429         3
    d  0.071429         1
    e  0.642857         1
    f  1.071429         1
    """
    import esda

    if not isinstance(y, pd.Series):
        raise ParameterTypeError(f"y: expected a pandas Series, got {type(y).__name__}")
    alpha = check_real(alpha, name="alpha", minimum=0, maximum=1, strict_min=True, where="lisa")
    if alpha >= 1:
        raise DataError(f"lisa: alpha must lie in (0, 1); got {alpha}")
    permutations = check_int(
        setting(permutations, "permutations"),
        name="permutations",
        minimum=1,
        maximum=MAX_PERMUTATIONS,
        where="lisa",
    )
    seed_i = _legacy_seed(seed, "lisa")
    g = _as_graph(w, "w")
    col = y.name if y.name is not None else "y"
    vals, gsub, ids = _prepare(y, g, column=col, name="w", stacklevel=3)
    warn_structure(*graph_links(gsub), name="w", stacklevel=3)
    from ._engine import get_client

    dask = get_client(client)
    with _seeded(seed_i), _crand_on(dask):  # esda seeds the global generator: restore it afterwards
        lm = esda.Moran_Local(
            vals, gsub, permutations=permutations, seed=seed_i, n_jobs=1 if dask is None else 2
        )
    p = np.asarray(lm.p_sim, dtype=np.float64)
    cut = float(esda.fdr(p, alpha)) if fdr else alpha
    sig = p <= cut
    q = np.asarray(lm.q, dtype=np.int64)
    labels = np.where(sig, [_QUADRANTS.get(int(k), "not significant") for k in q], "not significant")
    zs = np.asarray(lm.z, dtype=np.float64)
    lag = np.asarray(gsub.transform("r").lag(zs), dtype=np.float64)
    orig = pd.Series(as_float_array(y, what=f"column {col!r}"), index=y.index).reindex(ids).to_numpy()
    res = pd.DataFrame(
        {
            "value": orig,
            "Is": np.asarray(lm.Is, dtype=np.float64),
            "lag": lag,
            "quadrant": q,
            "p_sim": p,
            "significant": sig,
            "label": labels,
        },
        index=ids,
    )
    res = res.reindex(y.index)
    res["label"] = res["label"].fillna("missing").astype(object)
    res["significant"] = res["significant"].fillna(False).astype(bool)
    res["quadrant"] = res["quadrant"].astype("Int64")
    res.index = y.index.copy()
    return res


# ---------------------------------------------------------------------------------------------- residuals
def _residuals(result: Any) -> pd.Series:
    """Extract residuals as a Series from our results, linearmodels, statsmodels or a plain Series."""
    if isinstance(result, pd.Series):
        return result
    for attr in ("resids", "resid"):
        r = getattr(result, attr, None)
        if isinstance(r, pd.Series):
            return r
        if isinstance(r, pd.DataFrame) and r.shape[1] == 1:
            return r.iloc[:, 0]
    raise ParameterTypeError(
        "result: expected a pandas Series of residuals or a fitted model with a "
        "`resids`/`resid` Series indexed by entity (and time)"
    )


def _time_level(index: pd.MultiIndex, time: Hashable | int | None) -> int:
    """Position of the time level: the last by default, else a level name or position (validated)."""
    if time is None:
        return index.nlevels - 1
    names = list(index.names)
    if time in [n for n in names if n is not None]:
        return names.index(time)
    n = index.nlevels
    if isinstance(time, int | np.integer) and not isinstance(time, bool) and -n <= time < n:
        return int(time) % n
    raise DataError(
        f"residual_check: time={time!r} is neither a level name ({format_keys(names)}) nor a "
        f"level position (0 to {index.nlevels - 1}) of the residuals' index"
    )


def residual_check(
    result: Any,
    w: Any,
    *,
    time: Hashable | int | None = None,
    permutations: int | None = None,
    seed: int | None = None,
) -> pd.DataFrame:
    r"""Moran's I of a fitted model's residuals, per period for panels.

    Parameters
    ----------
    result : PanelResult, linearmodels / statsmodels result, or pandas.Series
        Anything with residuals indexed by entity (cross-section) or by an
        (entity, time) MultiIndex (panel): :class:`geoaggl.models.PanelResult`,
        ``PanelOLS(...).fit()`` (``.resids``), a statsmodels result
        (``.resid``) or the residual Series itself.
    w : libpysal.graph.Graph or W
        Weights on the entity ids.  Each period's residuals must cover the
        graph's ids (missing ones are dropped with a warning and the graph subset).
    time : level name or position, optional
        The time level of a MultiIndex (default: the last level); anything else
        raises :class:`~geoaggl.errors.DataError`.
    permutations, seed
        As in :func:`check`.

    Returns
    -------
    pandas.DataFrame
        One row per period (index ``time``; a single row ``"all"`` for a
        cross-section) with ``I``, ``expected``, ``z``, ``p_norm``, ``p_sim``,
        ``z_sim``, ``n`` — esda.Moran on the residuals of that period.

    Raises
    ------
    DataError
        Residuals that cannot be found or aligned to the graph's ids, or a
        ``time`` that is not a level of the residuals' MultiIndex.
    ParameterTypeError
        Weights that are not a libpysal Graph or W.

    References
    ----------
    Moran, P. A. P. (1950). Notes on continuous stochastic phenomena.
    *Biometrika*, 37(1/2), 17-23.

    Examples
    --------
    Alternating residuals on a line are perfectly negatively autocorrelated:

    >>> import pandas as pd
    >>> from libpysal.graph import Graph
    >>> from geoaggl import spatial
    >>> g = Graph.from_dicts({"a": ["b"], "b": ["a", "c"], "c": ["b", "d"],
    ...                       "d": ["c", "e"], "e": ["d", "f"], "f": ["e"]})
    >>> resid = pd.Series([1.0, -1.0, 1.0, -1.0, 1.0, -1.0], index=list("abcdef"))
    >>> spatial.residual_check(resid, g, permutations=0)[["I", "expected", "n"]]
            I  expected  n
    time
    all  -1.0      -0.2  6
    """
    res = _residuals(result)
    g = _as_graph(w, "w")
    groups: list[tuple[Any, pd.Series]]
    if isinstance(res.index, pd.MultiIndex):
        tlev = _time_level(res.index, time)
        tname = res.index.names[tlev]
        elev = [i for i in range(res.index.nlevels) if i != tlev]
        if len(elev) != 1:
            raise DataError("residuals: expected a two-level (entity, time) index")
        groups = []
        for t, part in res.groupby(level=tlev, sort=True):
            s = part.copy()
            s.index = part.index.get_level_values(elev[0])
            groups.append((t, s))
        index_name = tname if tname is not None else "time"
    else:
        groups = [("all", res)]
        index_name = "time"
    out = []
    for t, s in groups:
        tab = check(
            s.rename("residual"), {"w": g}, permutations=permutations, seed=seed, statistics=("moran",)
        )
        r = tab.iloc[0]
        out.append(
            {
                index_name: t,
                "I": r["value"],
                "expected": r["expected"],
                "z": r["z"],
                "p_norm": r["p_norm"],
                "p_sim": r["p_sim"],
                "z_sim": r["z_sim"],
                "n": int(r["n"]),
            }
        )
    return pd.DataFrame(out).set_index(index_name)
