r"""Spatial autocorrelation checks: global Moran's I, Geary's C, Getis-Ord G, LISA, residuals.

Thin, tidy wrappers around :mod:`esda` (METHODS §10).  Every number comes from
esda on the same inputs: the wrapper only aligns the data to the weights,
drops missing values (with a warning that says so), seeds the permutations and
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
one in the observed direction.

Random permutations use NumPy's global generator (as esda does).  With
``seed`` given, each esda call is preceded by ``numpy.random.seed(seed)`` and
the global generator's state is restored afterwards, so a seeded call equals
``np.random.seed(seed); esda.Moran(y, w)`` and leaves no trace.
"""

from __future__ import annotations

import warnings
from collections.abc import Hashable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ._validate import as_float_array, require_columns
from .errors import DataError, GeoagglWarning, format_keys

if TYPE_CHECKING:  # pragma: no cover
    from libpysal.graph import Graph

__all__ = ["check", "lisa", "residual_check"]

WeightsSpec = Any  # Graph | libpysal W | Mapping[str, Graph | W]

_CHECK_COLUMNS = ["column", "weights", "statistic", "value", "expected", "z", "p_norm", "p_sim", "z_sim",
                  "permutations", "n"]
_QUADRANTS = {1: "HH", 2: "LH", 3: "LL", 4: "HL"}


# ---------------------------------------------------------------------------------------------- helpers
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
    raise TypeError(f"weights {name!r}: expected a libpysal Graph (or W), got {type(w).__name__}")


def _graphs(w: WeightsSpec) -> dict[str, Graph]:
    """Normalise ``w`` (a Graph, a W or a mapping name → Graph) to an ordered dict."""
    if isinstance(w, Mapping):
        if not w:
            raise DataError("weights: the mapping of weights is empty")
        return {str(k): _as_graph(v, str(k)) for k, v in w.items()}
    return {"w": _as_graph(w, "w")}


def _match_ids(index: pd.Index, g: Graph, name: str) -> None:
    """Raise DataError naming ids that are in the data but not the weights, or vice versa."""
    if index.has_duplicates:
        raise DataError(f"data index has duplicated labels: {format_keys(index[index.duplicated()])}")
    ids = pd.Index(g.unique_ids)
    only_data = index.difference(ids, sort=False)
    only_w = ids.difference(index, sort=False)
    if len(only_data) or len(only_w):
        parts = []
        if len(only_data):
            parts.append(f"{len(only_data)} id(s) in the data but not in the weights: "
                         f"{format_keys(only_data)}")
        if len(only_w):
            parts.append(f"{len(only_w)} id(s) in the weights but not in the data: {format_keys(only_w)}")
        raise DataError(
            f"weights {name!r} do not match the data index: " + "; ".join(parts)
            + ". Index the data by the weights' ids (e.g. adcode) or subset the graph with "
            "Graph.subgraph(ids)."
        )


def _warn_structure(g: Graph, name: str, *, stacklevel: int = 4) -> None:
    iso = list(g.isolates)
    if iso:
        warnings.warn(
            f"weights {name!r}: {len(iso)} isolate(s) without neighbours: {format_keys(iso)}; their spatial "
            "lag is 0, which biases the statistics (use weights.contiguity(islands='nearest') or drop them)",
            GeoagglWarning, stacklevel=stacklevel)
    ncomp = int(g.n_components)
    if ncomp > 1:
        sizes = pd.Series(g.component_labels).value_counts().tolist()
        warnings.warn(
            f"weights {name!r}: the graph is disconnected ({ncomp} components, sizes {sizes[:10]}); "
            "Moran's I can fall outside [-1, 1] and permutation inference mixes unrelated components",
            GeoagglWarning, stacklevel=stacklevel)


def _prepare(y: pd.Series, g: Graph, *, column: Hashable, name: str,
             stacklevel: int = 4) -> tuple[np.ndarray, Graph, pd.Index]:
    """Align ``y`` to ``g``: check ids, drop missing values (subsetting ``g``), order like ``g``.

    Returns the float values in the graph's id order, the (possibly subset) graph and
    the ids used.
    """
    _match_ids(y.index, g, name)
    vals = as_float_array(y, what=f"column {column!r}")
    if np.isinf(vals).any():
        raise DataError(f"column {column!r}: infinite values at {format_keys(y.index[np.isinf(vals)])}")
    s = pd.Series(vals, index=y.index)
    nan = s.isna()
    if nan.any():
        keep = s.index[~nan]
        warnings.warn(
            f"column {column!r}: {int(nan.sum())} missing value(s) at {format_keys(s.index[nan])}; "
            f"those rows were dropped and weights {name!r} subset to the remaining {len(keep)} units "
            "(neighbour links to dropped units removed)",
            GeoagglWarning, stacklevel=stacklevel)
        if len(keep) < 3:
            raise DataError(f"column {column!r}: fewer than 3 non-missing values")
        g = g.subgraph(keep)
    ids = pd.Index(g.unique_ids)
    out = s.reindex(ids).to_numpy(dtype=np.float64)
    if np.nanstd(out) == 0:
        raise DataError(f"column {column!r}: constant values; autocorrelation is undefined")
    return out, g, ids


def _data_columns(data: pd.DataFrame | pd.Series, columns: Sequence[Hashable] | Hashable | None
                  ) -> dict[Hashable, pd.Series]:
    if isinstance(data, pd.Series):
        if columns is not None:
            raise DataError("columns= is only used with a DataFrame")
        return {data.name if data.name is not None else "y": data}
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data: expected a DataFrame or Series, got {type(data).__name__}")
    if columns is None:
        geom = getattr(data, "_geometry_column_name", None)
        cols = [c for c in data.columns
                if c != geom and pd.api.types.is_numeric_dtype(data[c].dtype)
                and not pd.api.types.is_bool_dtype(data[c].dtype)]
        if not cols:
            raise DataError("data: no numeric columns to check; pass columns=")
    elif isinstance(columns, str) or not isinstance(columns, Sequence):
        cols = [columns]
    else:
        cols = list(columns)
    require_columns(data, cols, what="data")
    return {c: data[c] for c in cols}


def _row(column: Hashable, wname: str, statistic: str, value: float, expected: float, z: float,
         p_norm: float, p_sim: float | None, z_sim: float | None, permutations: int,
         n: int) -> dict[str, Any]:
    return {"column": column, "weights": wname, "statistic": statistic, "value": float(value),
            "expected": float(expected), "z": float(z), "p_norm": float(p_norm),
            "p_sim": np.nan if p_sim is None else float(p_sim),
            "z_sim": np.nan if z_sim is None else float(z_sim), "permutations": permutations, "n": n}


# ---------------------------------------------------------------------------------------------- check
def check(data: pd.DataFrame | pd.Series, w: WeightsSpec, *,
          columns: Sequence[Hashable] | Hashable | None = None, permutations: int = 999,
          seed: int | None = None,
          statistics: Sequence[str] = ("moran", "geary", "getis_ord")) -> pd.DataFrame:
    r"""Global spatial autocorrelation of each column under each weights graph, as a tidy table.

    For every column and every weights graph, computes with esda Moran's I
    (:class:`esda.Moran`), Geary's C (:class:`esda.Geary`) and Getis-Ord G
    (:class:`esda.G`); see the module docstring for the formulas.

    Parameters
    ----------
    data : pandas.DataFrame, GeoDataFrame or Series
        Values indexed by the weights' ids (adcodes).  The index must contain
        exactly the graph's ids (order is free; the data are reordered to the graph).
    w : libpysal.graph.Graph, libpysal.weights.W, or mapping str → Graph
        One graph, or several named ones (e.g. ``{"queen": g1, "road": g2}``)
        checked side by side.  A single graph is named ``"w"``.
    columns : label or sequence of labels, optional
        Columns of a DataFrame to check; default all numeric, non-boolean columns.
    permutations : int, default 999
        Random permutations for the pseudo p-values (0: analytical inference only).
    seed : int, optional
        Seed for the permutations; see the module docstring (global state restored).
    statistics : sequence of {"moran", "geary", "getis_ord"}
        Which statistics to compute (default all three).

    Returns
    -------
    pandas.DataFrame
        One row per column × weights × statistic with ``column``, ``weights``,
        ``statistic`` ("moran", "geary", "getis_ord"), ``value`` (I, C or G),
        ``expected`` (its expectation under spatial randomness), ``z`` and
        ``p_norm`` (analytical, randomisation assumption for I, esda's
        conventions), ``p_sim`` and ``z_sim`` (permutation; NaN without
        permutations), ``permutations`` and ``n`` (units used).

    Warns
    -----
    GeoagglWarning
        When a column has missing values (those rows are dropped and the graph
        is subset with ``Graph.subgraph``), when a graph (after subsetting) has
        isolates or is disconnected, and when Getis-Ord G is asked of a column
        with negative values (G is then reported as NaN: it is defined for
        non-negative variables).

    Raises
    ------
    DataError
        Data index and graph ids differ (the message names both sides),
        non-numeric or constant columns, duplicated index labels.
    """
    import esda

    stats = list(statistics)
    unknown = set(stats) - {"moran", "geary", "getis_ord"}
    if unknown:
        raise DataError(f"statistics: unknown name(s) {format_keys(sorted(unknown))}; "
                        "valid: 'moran', 'geary', 'getis_ord'")
    if permutations < 0:
        raise DataError("permutations must be >= 0")
    graphs = _graphs(w)
    cols = _data_columns(data, columns)
    rows: list[dict[str, Any]] = []
    warned: set[tuple[str, int]] = set()
    for col, series in cols.items():
        for wname, g in graphs.items():
            y, gsub, _ = _prepare(series, g, column=col, name=wname)
            key = (wname, len(y))
            if key not in warned:
                warned.add(key)
                _warn_structure(gsub, wname)
            n = len(y)
            p_arg = permutations
            if "moran" in stats:
                with _seeded(seed):
                    m = esda.Moran(y, gsub, permutations=p_arg)
                rows.append(_row(col, wname, "moran", m.I, m.EI, m.z_norm, m.p_norm,
                                 getattr(m, "p_sim", None) if p_arg else None,
                                 getattr(m, "z_sim", None) if p_arg else None, p_arg, n))
            if "geary" in stats:
                # esda 2.9's Geary mis-aligns a Graph's zero-weight isolate self-loops; its W path is exact
                wg = gsub.to_W() if len(gsub.isolates) else gsub
                with _seeded(seed):
                    c = esda.Geary(y, wg, permutations=p_arg)
                rows.append(_row(col, wname, "geary", c.C, c.EC, c.z_norm, c.p_norm,
                                 getattr(c, "p_sim", None) if p_arg else None,
                                 getattr(c, "z_sim", None) if p_arg else None, p_arg, n))
            if "getis_ord" in stats:
                if (y < 0).any():
                    warnings.warn(f"column {col!r}: negative values; Getis-Ord G is defined for non-negative "
                                  "variables and is reported as NaN", GeoagglWarning, stacklevel=2)
                    rows.append(_row(col, wname, "getis_ord", np.nan, np.nan, np.nan, np.nan, None, None,
                                     p_arg, n))
                else:
                    with _seeded(seed):
                        gg = esda.G(y, gsub, permutations=p_arg)
                    rows.append(_row(col, wname, "getis_ord", gg.G, gg.EG, gg.z_norm, gg.p_norm,
                                     getattr(gg, "p_sim", None) if p_arg else None,
                                     getattr(gg, "z_sim", None) if p_arg else None, p_arg, n))
    out = pd.DataFrame(rows, columns=_CHECK_COLUMNS)
    out["permutations"] = out["permutations"].astype("int64")
    out["n"] = out["n"].astype("int64")
    return out


# ---------------------------------------------------------------------------------------------- lisa
def lisa(y: pd.Series, w: Any, *, permutations: int = 999, alpha: float = 0.05, fdr: bool = False,
         seed: int | None = None) -> pd.DataFrame:
    r"""Local Moran's I (LISA) with cluster labels, aligned to the input index.

    .. math::

        I_i = \frac{z_i}{m_2} \sum_j w_{ij} z_j, \qquad m_2 = \frac{1}{n} \sum_i z_i^2

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
    permutations : int, default 999
        Conditional permutations per unit.
    alpha : float, default 0.05
        Significance level.
    fdr : bool, default False
        Control the false discovery rate (Benjamini–Hochberg) instead of per-unit ``alpha``.
    seed : int, optional
        Passed to ``esda.Moran_Local(seed=...)``.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``y`` (same order): ``value``, ``Is``, ``lag`` (spatial lag
        of the standardised value, row-standardised), ``quadrant`` (1–4, esda's
        ``q``), ``p_sim``, ``significant`` (bool), ``label`` (HH/LL/LH/HL/"not
        significant").  Rows dropped for missing values get NaN and the label
        ``"missing"``.
    """
    import esda

    if not isinstance(y, pd.Series):
        raise TypeError(f"y: expected a pandas Series, got {type(y).__name__}")
    if not 0 < alpha < 1:
        raise DataError("alpha must lie in (0, 1)")
    if permutations < 1:
        raise DataError("lisa needs permutations >= 1 for p_sim")
    g = _as_graph(w, "w")
    col = y.name if y.name is not None else "y"
    vals, gsub, ids = _prepare(y, g, column=col, name="w", stacklevel=3)
    _warn_structure(gsub, "w", stacklevel=3)
    lm = esda.Moran_Local(vals, gsub, permutations=permutations, seed=seed)
    p = np.asarray(lm.p_sim, dtype=np.float64)
    cut = float(esda.fdr(p, alpha)) if fdr else alpha
    sig = p <= cut
    q = np.asarray(lm.q, dtype=np.int64)
    labels = np.where(sig, [_QUADRANTS.get(int(k), "not significant") for k in q], "not significant")
    zs = np.asarray(lm.z, dtype=np.float64)
    lag = np.asarray(gsub.transform("r").lag(zs), dtype=np.float64)
    res = pd.DataFrame({"value": vals, "Is": np.asarray(lm.Is, dtype=np.float64), "lag": lag, "quadrant": q,
                        "p_sim": p, "significant": sig, "label": labels}, index=ids)
    res = res.reindex(y.index)
    res["label"] = res["label"].fillna("missing").astype(object)
    res["significant"] = res["significant"].fillna(False).astype(bool)
    res["quadrant"] = res["quadrant"].astype("Int64")
    res.index.name = y.index.name
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
    raise TypeError("result: expected a pandas Series of residuals or a fitted model with a `resids`/`resid` "
                    "Series indexed by entity (and time)")


def residual_check(result: Any, w: Any, *, time: Hashable | int | None = None, permutations: int = 999,
                   seed: int | None = None) -> pd.DataFrame:
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
        The time level of a MultiIndex (default: the last level).
    permutations, seed
        As in :func:`check`.

    Returns
    -------
    pandas.DataFrame
        One row per period (index ``time``; a single row ``"all"`` for a
        cross-section) with ``I``, ``expected``, ``z``, ``p_norm``, ``p_sim``,
        ``z_sim``, ``n`` — esda.Moran on the residuals of that period.
    """
    res = _residuals(result)
    g = _as_graph(w, "w")
    groups: list[tuple[Any, pd.Series]]
    if isinstance(res.index, pd.MultiIndex):
        tlev = res.index.nlevels - 1 if time is None else time
        tname = res.index.names[tlev] if isinstance(tlev, int) else tlev
        elev = [i for i in range(res.index.nlevels) if res.index.names[i] != tname and i != tlev]
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
        tab = check(s.rename("residual"), {"w": g}, permutations=permutations, seed=seed,
                    statistics=("moran",))
        r = tab.iloc[0]
        out.append({index_name: t, "I": r["value"], "expected": r["expected"], "z": r["z"],
                    "p_norm": r["p_norm"], "p_sim": r["p_sim"], "z_sim": r["z_sim"], "n": int(r["n"])})
    return pd.DataFrame(out).set_index(index_name)

