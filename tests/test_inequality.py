"""Tests of geoaggl.inequality: Dagum Gini decomposition, sigma and beta convergence.

Known answers are derived by hand in the comments (METHODS §2 example and a
second case), checked against an exact rational reference (``fractions``) and a
naive O(n²) NumPy reference written here, and against properties (identity,
scale and permutation invariance) on many random inputs.  No test needs
../shared; the cross-check with PySAL's ``inequality`` is skipped without it.
"""

from __future__ import annotations

import math
from fractions import Fraction
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from geoaggl import inequality as ineq
from geoaggl._errors import DataError, OptionError
from geoaggl._sorted_sums import excess_sums
from geoaggl.inequality import (
    BetaConvergence,
    DagumBootstrap,
    DagumGini,
    SigmaConvergence,
    beta_convergence,
    dagum_gini,
    dagum_gini_panel,
    sigma_convergence,
)

REL = 1e-12


def approx(x: Any, rel: float = REL) -> Any:
    return pytest.approx(x, rel=rel, abs=1e-13)


# --------------------------------------------------------------------------- references


def naive(y: Any, g: Any) -> dict[str, Any]:
    """Textbook Dagum decomposition with explicit pairwise difference matrices (O(n²))."""
    y = np.asarray(y, dtype=float)
    if y.size and y.max() > 0:  # exact power-of-two rescaling (the Gini is scale-invariant): no subnormals
        y = np.ldexp(y, 500 - int(np.frexp(y.max())[1]))
    g = np.asarray(g, dtype=object)
    labels = sorted(set(g.tolist()))
    n, mu = y.size, y.mean()
    parts = {lab: y[g == lab] for lab in labels}
    out: dict[str, Any] = {"G": np.abs(y[:, None] - y[None, :]).sum() / (2 * n * n * mu)}
    gjj = {
        lab: np.abs(v[:, None] - v[None, :]).sum() / (2 * v.size**2 * v.mean()) for lab, v in parts.items()
    }
    p = {lab: v.size / n for lab, v in parts.items()}
    s = {lab: v.size * v.mean() / (n * mu) for lab, v in parts.items()}
    out["Gw"] = sum(gjj[lab] * p[lab] * s[lab] for lab in labels)
    out["Gjj"] = gjj
    gjh, dd = {}, {}
    gnb = gt = 0.0
    for a, b in combinations(labels, 2):
        j, h = (a, b) if parts[a].mean() >= parts[b].mean() else (b, a)
        diff = parts[j][:, None] - parts[h][None, :]
        gv = np.abs(diff).sum() / (parts[j].size * parts[h].size * (parts[j].mean() + parts[h].mean()))
        d = np.maximum(diff, 0).mean()
        q = np.maximum(-diff, 0).mean()
        dv = (d - q) / (d + q) if d + q > 0 else 0.0
        w = p[j] * s[h] + p[h] * s[j]
        gnb += gv * w * dv
        gt += gv * w * (1 - dv)
        gjh[(j, h)] = gjh[(h, j)] = gv
        dd[(j, h)], dd[(h, j)] = dv, -dv
    out.update(Gnb=gnb, Gt=gt, Gjh=gjh, D=dd)
    return out


def exact(groups: dict[str, list[int]]) -> dict[str, Any]:
    """The METHODS §2 formulas in exact rational arithmetic, term by term."""
    allv = [Fraction(v) for vs in groups.values() for v in vs]
    n = len(allv)
    mu = sum(allv) / n
    mean = {k: Fraction(sum(v), len(v)) for k, v in groups.items()}
    p = {k: Fraction(len(v), n) for k, v in groups.items()}
    s = {k: len(v) * mean[k] / (n * mu) for k, v in groups.items()}
    res: dict[str, Any] = {"G": sum(abs(a - b) for a in allv for b in allv) / (2 * n * n * mu)}
    res["Gjj"] = {
        k: sum(Fraction(abs(a - b)) for a in v for b in v) / (2 * len(v) ** 2 * mean[k])
        for k, v in groups.items()
    }
    res["Gw"] = sum(res["Gjj"][k] * p[k] * s[k] for k in groups)
    res["Gjh"], res["D"] = {}, {}
    gnb = gt = Fraction(0)
    for a, b in combinations(sorted(groups), 2):
        j, h = (a, b) if mean[a] >= mean[b] else (b, a)
        yj, yh = groups[j], groups[h]
        gv = Fraction(sum(abs(x - z) for x in yj for z in yh)) / (len(yj) * len(yh) * (mean[j] + mean[h]))
        d = Fraction(sum(max(x - z, 0) for x in yj for z in yh), len(yj) * len(yh))
        q = Fraction(sum(max(z - x, 0) for x in yj for z in yh), len(yj) * len(yh))
        dv = (d - q) / (d + q) if d + q else Fraction(0)
        w = p[j] * s[h] + p[h] * s[j]
        gnb += gv * w * dv
        gt += gv * w * (1 - dv)
        res["Gjh"][(j, h)], res["D"][(j, h)] = gv, dv
    res["Gnb"], res["Gt"] = gnb, gt
    return res


def flat(groups: dict[str, list[int]]) -> tuple[list[float], list[str]]:
    y = [float(v) for vs in groups.values() for v in vs]
    g = [k for k, vs in groups.items() for _ in vs]
    return y, g


# --------------------------------------------------------------------------- known answers

AB = {"A": [1, 2, 3, 4], "B": [2, 4, 6, 8, 10]}


def test_known_answer_methods() -> None:
    # METHODS §2: G = 0.35, Gw = 5/36, Gnb = 7/36, Gt = 1/60, G_AA = 0.25, G_BB = 4/15,
    # G_BA = 38/85, D_BA = 35/38.
    r = dagum_gini(*flat(AB))
    assert isinstance(r, DagumGini)
    assert r.G == approx(0.35)
    assert r.Gw == approx(5 / 36)
    assert r.Gnb == approx(7 / 36)
    assert r.Gt == approx(1 / 60)
    assert r.Gjj["A"] == approx(0.25)
    assert r.Gjj["B"] == approx(4 / 15)
    assert r.Gjh.loc["B", "A"] == approx(38 / 85)
    assert r.Gjh.loc["A", "B"] == approx(38 / 85)
    assert r.Djh.loc["B", "A"] == approx(35 / 38)
    assert r.Djh.loc["A", "B"] == approx(35 / 38)  # symmetric, like Gjh
    # d_BA = mean of max(y_B - y_A, 0) = 73/20, p_BA = 3/20 (sum 76/20 = 38/85 * 20/20 * 8.5)
    assert r.d.loc["B", "A"] == approx(73 / 20)
    assert r.d.loc["A", "B"] == approx(3 / 20)
    pr = r.pairs.iloc[0]
    assert (pr["j"], pr["h"]) == ("B", "A")
    assert pr["Gnb"] == approx(7 / 36)
    assert pr["Gt"] == approx(1 / 60)
    assert pr["weight"] == approx(17 / 36)
    assert r.contributions["Gw"] == approx(100 * (5 / 36) / 0.35)
    assert r.contributions.sum() == approx(100.0)
    assert r.mu == approx(40 / 9)
    assert r.mean.to_dict() == {"A": 2.5, "B": 6.0}
    assert r.n.to_dict() == {"A": 4, "B": 5}
    assert r.p.to_dict() == approx({"A": 4 / 9, "B": 5 / 9})
    assert r.s.to_dict() == approx({"A": 0.25, "B": 0.75})
    ex = exact(AB)
    assert float(ex["G"]) == approx(r.G) and float(ex["Gt"]) == approx(r.Gt)


def test_known_answer_second_case_by_hand() -> None:
    # X = [1, 3], Y = [2, 6]: n = 4, μ = 3, μ_X = 2, μ_Y = 4, p = 1/2 each, s_X = 1/3, s_Y = 2/3.
    # G_XX = 2·2 / (2·4·2) = 1/4; G_YY = 2·4 / (2·4·4) = 1/4; Gw = 1/4·1/2·1/3 + 1/4·1/2·2/3 = 1/8.
    # Y−X differences: 1, −1, 5, 3 → Σ|·| = 10, G_YX = 10 / (2·2·6) = 5/12,
    # d_YX = 9/4, p_YX = 1/4, D_YX = 2/2.5 = 0.8, weight = 1/2·1/3 + 1/2·2/3 = 1/2.
    # Gnb = 5/12·1/2·0.8 = 1/6, Gt = 5/12·1/2·0.2 = 1/24.
    # G over [1, 3, 2, 6]: Σ_{i<r}|·| = 16 → 32 / (2·16·3) = 1/3 = 1/8 + 1/6 + 1/24.
    r = dagum_gini([1, 3, 2, 6], ["X", "X", "Y", "Y"])
    assert r.G == approx(1 / 3)
    assert r.Gw == approx(1 / 8)
    assert r.Gnb == approx(1 / 6)
    assert r.Gt == approx(1 / 24)
    assert r.Gjj.tolist() == approx([0.25, 0.25])
    assert r.Gjh.loc["Y", "X"] == approx(5 / 12)
    assert r.Djh.loc["Y", "X"] == approx(0.8)
    assert r.d.loc["Y", "X"] == approx(9 / 4) and r.d.loc["X", "Y"] == approx(1 / 4)
    assert r.contributions.tolist() == approx([37.5, 50.0, 12.5])


def test_three_groups_single_unit_group_exact() -> None:
    groups = {"a": [1, 3, 3, 7], "b": [2, 6], "c": [4], "d": [5, 5, 5]}
    r = dagum_gini(*flat(groups))
    ex = exact(groups)
    for c in ("G", "Gw", "Gnb", "Gt"):
        assert getattr(r, c) == approx(float(ex[c])), c
    for k, v in ex["Gjj"].items():
        assert r.Gjj[k] == approx(float(v))
    assert r.Gjj["c"] == 0.0  # single-unit group: no within inequality, not an error
    assert r.Gjj["d"] == 0.0  # constant group
    for (j, h), v in ex["Gjh"].items():
        assert r.Gjh.loc[j, h] == approx(float(v))
        assert r.Djh.loc[j, h] == approx(float(ex["D"][(j, h)]))


def test_identical_groups_d_is_zero() -> None:
    # two groups of one identical value: d + p = 0, D defined as 0, G = 0 everywhere
    r = dagum_gini([2.0, 2.0, 2.0], ["a", "b", "b"])
    assert r.G == 0.0 and r.Gw == 0.0 and r.Gnb == 0.0 and r.Gt == 0.0
    assert r.Djh.to_numpy().tolist() == [[0.0, 0.0], [0.0, 0.0]]
    assert r.contributions.isna().all()


def test_equal_means_D_zero() -> None:
    r = dagum_gini([1, 3, 2, 2], ["a", "a", "b", "b"])
    assert r.Djh.loc["a", "b"] == 0.0
    assert r.Gnb == 0.0
    assert r.G == approx(r.Gw + r.Gt)


# --------------------------------------------------------------------------- properties

values_st = st.one_of(
    st.integers(min_value=0, max_value=6).map(float),  # many ties
    st.floats(min_value=0.0, max_value=1e4, allow_nan=False, allow_infinity=False),
)


@st.composite
def grouped(draw: Any, min_size: int = 2, max_size: int = 40) -> tuple[np.ndarray, np.ndarray]:
    n = draw(st.integers(min_value=min_size, max_value=max_size))
    y = np.array(draw(st.lists(values_st, min_size=n, max_size=n)))
    k = draw(st.integers(min_value=2, max_value=min(6, n)))
    g = np.array(draw(st.lists(st.integers(min_value=0, max_value=k - 1), min_size=n, max_size=n)))
    g[:2] = [0, 1]  # at least two groups; single-unit groups are common
    for lab in np.unique(g):
        assume(y[g == lab].sum() > 0)
    return y, g


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(grouped())
def test_identity_and_agreement_with_naive(data: tuple[np.ndarray, np.ndarray]) -> None:
    y, g = data
    r = dagum_gini(y, g)
    ref = naive(y, g)
    assert r.G == approx(r.Gw + r.Gnb + r.Gt)
    for c in ("G", "Gw", "Gnb", "Gt"):
        assert getattr(r, c) == pytest.approx(ref[c], rel=1e-10, abs=1e-14), c
    for lab, v in ref["Gjj"].items():
        assert r.Gjj[lab] == pytest.approx(v, rel=1e-10, abs=1e-14)
    for (j, h), v in ref["Gjh"].items():
        assert r.Gjh.loc[j, h] == pytest.approx(v, rel=1e-10, abs=1e-14)
        # Djh is symmetric and holds the pair's D from the richer group's side
        rich, poor = (j, h) if r.mean[j] >= r.mean[h] else (h, j)
        assert r.Djh.loc[j, h] == pytest.approx(ref["D"][(rich, poor)], rel=1e-9, abs=1e-12)
    gjh = r.Gjh.to_numpy()
    np.testing.assert_array_equal(gjh, gjh.T)
    np.testing.assert_array_equal(np.diag(gjh), r.Gjj.to_numpy())
    d = r.Djh.to_numpy()
    np.testing.assert_array_equal(d, d.T)
    assert (np.abs(d) <= 1).all()
    assert r.Gnb >= 0 and r.Gt >= 0 and r.Gw >= 0
    assert (r.pairs["Djh"] >= 0).all()


@settings(max_examples=150, deadline=None)
@given(grouped(), st.floats(min_value=1e-3, max_value=1e3), st.randoms(use_true_random=False))
def test_scale_and_permutation_invariance(data: tuple[np.ndarray, np.ndarray], c: float, rnd: Any) -> None:
    y, g = data
    # scaling is exact only in the normal range: a subnormal value times c < 1 can round to zero
    assume(y[y > 0].min() * min(c, 1.0) >= np.finfo(float).tiny)
    r = dagum_gini(y, g)
    perm = list(range(y.size))
    rnd.shuffle(perm)
    for other in (dagum_gini(y * c, g), dagum_gini(y[perm], g[perm])):
        for name in ("G", "Gw", "Gnb", "Gt"):
            assert getattr(other, name) == pytest.approx(getattr(r, name), rel=1e-9, abs=1e-13)
        np.testing.assert_allclose(other.Gjh.to_numpy(), r.Gjh.to_numpy(), rtol=1e-9, atol=1e-13)
        np.testing.assert_allclose(other.Djh.to_numpy(), r.Djh.to_numpy(), rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(
            other.contributions.fillna(0), r.contributions.fillna(0), rtol=1e-8, atol=1e-9
        )


def test_random_large_agreement_with_naive() -> None:
    rng = np.random.default_rng(7)
    for n, k in ((500, 3), (800, 9), (1200, 20)):
        g = rng.integers(0, k, size=n)
        y = np.round(rng.lognormal(0.5 + 0.1 * g, 0.4), 2)  # rounded: ties
        r, ref = dagum_gini(y, g), naive(y, g)
        for c in ("G", "Gw", "Gnb", "Gt"):
            assert getattr(r, c) == pytest.approx(ref[c], rel=1e-11)
        assert r.G == approx(r.Gw + r.Gnb + r.Gt)


def test_G_is_ordinary_gini() -> None:
    rng = np.random.default_rng(3)
    y = rng.gamma(2.0, 3.0, size=700)
    g = rng.integers(0, 5, size=700)
    r = dagum_gini(y, g)
    ys = np.sort(y)
    n = y.size
    textbook = (2 * np.arange(1, n + 1) - n - 1) @ ys / (n * n * y.mean())
    assert r.G == pytest.approx(textbook, rel=1e-11)
    inequality = pytest.importorskip("inequality")
    assert r.G == pytest.approx(inequality.gini.Gini(y).g, rel=1e-11)


def test_precision_near_constant_values() -> None:
    # values 1000 ± tiny: the textbook Σ y_(i)(2i − n − 1) cancels badly, the gap form does not
    rng = np.random.default_rng(0)
    base = rng.integers(0, 1000, size=400)
    y = 1e6 + base * 1e-6
    g = np.arange(400) % 4
    r = dagum_gini(y, g)
    exact_g = Fraction(0)
    fy = sorted(Fraction(v) for v in y)  # the floats' exact values
    n = len(fy)
    exact_g = sum((2 * i - n - 1) * v for i, v in enumerate(fy, start=1)) / (n * sum(fy))
    assert r.G == pytest.approx(float(exact_g), rel=1e-12)


def test_excess_sums_batch_blocks_match() -> None:
    rng = np.random.default_rng(1)
    v = np.sort(rng.random((5, 300)), axis=1)
    c = rng.integers(0, 4, size=(5, 300))
    full = excess_sums(v, c, 4)
    tiny = excess_sums(v, c, 4, budget=50)  # forces blocking over samples and values
    np.testing.assert_allclose(tiny, full, rtol=1e-13)
    for b in range(5):
        for j in range(4):
            for h in range(4):
                ref = np.maximum(v[b][c[b] == j][:, None] - v[b][c[b] == h][None, :], 0).sum()
                assert full[b, j, h] == pytest.approx(ref, rel=1e-12, abs=1e-12)


# --------------------------------------------------------------------------- inputs


def test_series_alignment_and_labels() -> None:
    y = pd.Series([1, 2, 3, 4, 2, 4, 6, 8, 10], index=[f"c{i}" for i in range(9)], dtype=float)
    g = pd.Series(list("AAAABBBBB"), index=y.index)
    r1 = dagum_gini(y, g)
    r2 = dagum_gini(y, g.iloc[::-1])  # aligned by label, not position
    assert r1.G == r2.G and r1.Gw == r2.Gw and r1.Gnb == r2.Gnb
    assert list(r1.groups) == ["A", "B"]
    # groups sorted whatever the order of appearance
    r3 = dagum_gini(y.to_numpy()[::-1], list("BBBBBAAAA"))
    assert list(r3.groups) == ["A", "B"]
    assert r3.G == approx(0.35)
    # categorical groups with an unused category: only observed groups count
    cat = pd.Categorical(list("AAAABBBBB"), categories=["A", "B", "Z"])
    assert list(dagum_gini(y.to_numpy(), cat).groups) == ["A", "B"]
    # integer labels keep their type
    r4 = dagum_gini([1, 2, 3, 5], [2, 1, 2, 1])
    assert list(r4.groups) == [1, 2]
    assert r4.summary(wide=True).columns.tolist()[:4] == ["G", "Gjj[1]", "Gjj[2]", "Gjh[1, 2]"]


def test_inputs_untouched() -> None:
    y = pd.Series([1.0, 2.0, 3.0, 4.0, 2.0, 4.0, 6.0, 8.0, 10.0])
    g = pd.Series(list("AAAABBBBB"))
    arr = y.to_numpy().copy()
    y0, g0, arr0 = y.copy(), g.copy(), arr.copy()
    r = dagum_gini(y, g)
    r.bootstrap(20, seed=0)
    dagum_gini(arr, list(g))
    pd.testing.assert_series_equal(y, y0)
    pd.testing.assert_series_equal(g, g0)
    np.testing.assert_array_equal(arr, arr0)
    df = pd.DataFrame({"v": y, "ua": g, "year": 2000})
    d0 = df.copy()
    dagum_gini_panel(df, value="v", group="ua", time="year")
    sigma_convergence(df, value="v", time="year", group="ua")
    pd.testing.assert_frame_equal(df, d0)


@pytest.mark.parametrize(
    ("y", "g", "match"),
    [
        ([1.0, np.nan, 2.0, 3.0], list("aabb"), r"NaN.*1"),
        ([1.0, np.inf, 2.0, 3.0], list("aabb"), r"infinite.*1"),
        ([1.0, 2.0, -2.0, 3.0], list("aabb"), r"negative.*2"),
        (["1", 2.0, 2.0, 3.0], list("aabb"), r"non-numeric.*0"),
        ([1.0, 2.0, 0.0, 0.0], list("aabb"), r"group.*'b'.*zero"),
        ([0.0, 0.0, 0.0, 0.0], list("aabb"), r"overall mean is zero"),
        ([1.0, 2.0, 3.0], list("aaa"), r"at least 2 groups"),
        ([1.0, 2.0, 3.0], list("aabb"), r"3 values.*4"),
        ([1.0, 2.0, 3.0, 4.0], ["a", None, "b", "b"], r"missing group labels at 1"),
        ([], [], r"empty"),
    ],
)
def test_bad_input(y: Any, g: Any, match: str) -> None:
    with pytest.raises(DataError, match=match):
        dagum_gini(y, g)


def test_bad_input_keys_named() -> None:
    y = pd.Series([1.0, np.nan, 3.0, 4.0], index=["110000", "120000", "130100", "130200"])
    with pytest.raises(DataError, match="'120000'"):
        dagum_gini(y, list("aabb"))
    y = pd.Series([1.0, 2.0, 3.0, 4.0], index=["p", "q", "r", "s"])
    g = pd.Series(list("aabb"), index=["p", "q", "r", "x"])
    with pytest.raises(DataError, match=r"only in y: 's'.*only in group: 'x'"):
        dagum_gini(y, g)
    with pytest.raises(ValueError, match="one-dimensional"):
        dagum_gini(np.ones((2, 2)), list("ab"))
    with pytest.raises(DataError, match="duplicated"):
        dagum_gini(pd.Series([1.0, 2.0], index=["a", "a"]), pd.Series(["x", "y"], index=["a", "b"]))


# --------------------------------------------------------------------------- tables


def test_summary_shapes() -> None:
    r = dagum_gini([1, 3, 2, 6, 4], ["X", "X", "Y", "Y", "Z"])
    long = r.summary()
    assert list(long.columns) == ["table", "component", "group", "group_b", "value"]
    assert set(long["table"]) == {"Table 2", "Table 3", "Table 4"}
    assert len(long) == 1 + 3 + 2 * 3 + 6
    g_row = long[(long.component == "G")]
    assert g_row["value"].item() == r.G
    t3 = long[long.component == "Gjh"]
    for row in t3.itertuples():
        assert r.mean[row.group] >= r.mean[row.group_b]
        assert row.value == r.Gjh.loc[row.group, row.group_b]
    wide = r.summary(wide=True)
    assert wide.shape == (1, 1 + 3 + 3 + 6)
    assert wide.loc[0, "Gnb_pct"] == approx(r.contributions["Gnb"])
    assert wide.loc[0, "Gjh[X, Z]"] == r.Gjh.loc["X", "Z"]
    assert "DagumGini(G=" in repr(r)


# --------------------------------------------------------------------------- bootstrap


def test_bootstrap_shape_determinism_level() -> None:
    rng = np.random.default_rng(5)
    g = np.repeat(["a", "b", "c"], [30, 40, 1])
    y = rng.lognormal(0, 0.5, size=g.size)
    r = dagum_gini(y, g)
    b1 = r.bootstrap(200, seed=11)
    b2 = r.bootstrap(200, seed=11)
    assert isinstance(b1, DagumBootstrap)
    pd.testing.assert_frame_equal(b1.ci, b2.ci)
    assert not b1.ci.equals(r.bootstrap(200, seed=12).ci)
    names = [
        "G",
        "Gw",
        "Gnb",
        "Gt",
        "Gw_pct",
        "Gnb_pct",
        "Gt_pct",
        "Gjj[a]",
        "Gjj[b]",
        "Gjj[c]",
        "Gjh[a, b]",
        "Gjh[a, c]",
        "Gjh[b, c]",
    ]
    assert list(b1.ci.index[: len(names)]) == names
    assert len(b1.ci) == len(names) + 3  # + Djh per pair, richer group first
    assert list(b1.ci.columns) == ["estimate", "lower", "upper", "se"]
    assert b1.replicates.shape == (200, len(b1.ci))
    assert b1.level == 0.95 and b1.alpha == pytest.approx(0.05) and b1.n == 200
    assert b1.estimate["G"] == r.G
    assert (b1.lower <= b1.upper).all()
    # single-unit group: its G_jj is 0 in every replicate
    assert (b1.replicates["Gjj[c]"] == 0).all()
    # each replicate is a valid decomposition
    rep = b1.replicates
    np.testing.assert_allclose(rep["G"], rep["Gw"] + rep["Gnb"] + rep["Gt"], rtol=1e-12)
    b90 = r.bootstrap(200, seed=11, level=0.9)
    assert (b90.upper - b90.lower <= b1.upper - b1.lower + 1e-15).all()
    b90a = r.bootstrap(200, seed=11, alpha=0.1)
    pd.testing.assert_frame_equal(b90.ci, b90a.ci)
    with pytest.raises(DataError):
        r.bootstrap(10, level=0.9, alpha=0.2)
    with pytest.raises(DataError):
        r.bootstrap(0)
    with pytest.raises(DataError):
        r.bootstrap(10, level=1.5)
    assert "DagumBootstrap(n=200" in repr(b1)


def test_bootstrap_replicates_equal_direct_computation() -> None:
    # white-box: redraw the resamples the way bootstrap() does (per group, in sorted-label
    # order, one (n, n_j) integer draw each) and recompute each replicate from scratch
    rng_data = np.random.default_rng(2)
    g = np.repeat(["a", "b", "c"], [7, 5, 6])
    y = rng_data.integers(1, 9, size=g.size).astype(float)
    r = dagum_gini(y, g)
    b = r.bootstrap(25, seed=3)
    rng = np.random.default_rng(3)
    members = [y[g == lab] for lab in ("a", "b", "c")]
    draws = [m[rng.integers(0, m.size, size=(25, m.size))] for m in members]
    for i in range(25):
        yi = np.concatenate([d[i] for d in draws])
        ri = dagum_gini(yi, g)
        assert b.replicates["G"].iloc[i] == approx(ri.G)
        assert b.replicates["Gnb"].iloc[i] == approx(ri.Gnb)
        assert b.replicates["Gjh[a, c]"].iloc[i] == approx(ri.Gjh.loc["a", "c"])
        pair = r.pairs.iloc[0]
        # replicates keep the point estimate's orientation: the sign flips if the ranking does
        sign = 1.0 if ri.mean[pair.j] >= ri.mean[pair.h] else -1.0
        assert b.replicates[f"Djh[{pair.j}, {pair.h}]"].iloc[i] == approx(sign * ri.Djh.loc[pair.j, pair.h])


def test_bootstrap_ci_contains_estimate_large_sample() -> None:
    rng = np.random.default_rng(9)
    g = np.repeat(np.arange(8), 300)
    y = rng.lognormal(0.1 * g, 0.3)
    r = dagum_gini(y, g)
    b = r.bootstrap(999, seed=1)
    main = ["G", "Gw", "Gnb", "Gt", "Gw_pct", "Gnb_pct", "Gt_pct"]
    ci = b.ci.loc[main + [f"Gjj[{j}]" for j in range(8)]]
    assert ((ci["lower"] <= ci["estimate"]) & (ci["estimate"] <= ci["upper"])).all()
    assert (b.ci.loc["G", "upper"] - b.ci.loc["G", "lower"]) < 0.02


# --------------------------------------------------------------------------- panel


def _panel(seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for year in (2004, 2005, 2006):
        for ua, size in (("京津冀", 5), ("长三角", 7), ("珠三角", 4)):
            for i in range(size):
                rows.append((year, ua, f"{ua}{i}", rng.lognormal(1 + 0.1 * len(ua), 0.2)))
    return pd.DataFrame(rows, columns=["year", "ua", "city", "y"])


def test_panel_rows_match_per_year() -> None:
    df = _panel()
    out = dagum_gini_panel(df.sample(frac=1, random_state=0), value="y", group="ua", time="year")
    assert list(out.index) == [2004, 2005, 2006] and out.index.name == "year"
    labels = sorted(df["ua"].unique())
    assert list(out.columns[:4]) == ["G", *[f"Gjj[{u}]" for u in labels]]
    assert list(out.columns[-6:]) == ["Gw", "Gw_pct", "Gnb", "Gnb_pct", "Gt", "Gt_pct"]
    for year, sub in df.groupby("year"):
        r = dagum_gini(sub["y"], sub["ua"])
        row = out.loc[year]
        assert row["G"] == approx(r.G)
        assert row["Gw"] == approx(r.Gw) and row["Gnb"] == approx(r.Gnb) and row["Gt"] == approx(r.Gt)
        assert row["Gt_pct"] == approx(r.contributions["Gt"])
        assert row[f"Gjj[{labels[0]}]"] == approx(r.Gjj[labels[0]])
        assert row[f"Gjh[{labels[0]}, {labels[2]}]"] == approx(r.Gjh.loc[labels[0], labels[2]])
    np.testing.assert_allclose(out["G"], out["Gw"] + out["Gnb"] + out["Gt"], rtol=1e-12)
    sub = dagum_gini_panel(df, value="y", group="ua", time="year", years=[2006, 2004])
    assert list(sub.index) == [2006, 2004]


def test_panel_group_absent_in_a_year() -> None:
    df = _panel()
    df = df[~((df.year == 2005) & (df.ua == "珠三角"))]
    out = dagum_gini_panel(df, value="y", group="ua", time="year")
    assert np.isnan(out.loc[2005, "Gjj[珠三角]"])
    assert not np.isnan(out.loc[2004, "Gjj[珠三角]"])
    r = dagum_gini(df[df.year == 2005]["y"], df[df.year == 2005]["ua"])
    assert out.loc[2005, "G"] == approx(r.G)


def test_panel_bad_input() -> None:
    df = _panel()
    with pytest.raises(DataError, match="'value'"):
        dagum_gini_panel(df, value="value", group="ua", time="year")
    with pytest.raises(DataError, match="'UA', 'yr'"):
        dagum_gini_panel(df, value="y", group="UA", time="yr")
    with pytest.raises(DataError, match="2010"):
        dagum_gini_panel(df, value="y", group="ua", time="year", years=[2004, 2010])
    cat = df.assign(year=pd.Categorical(df["year"], categories=[2003, 2004, 2005, 2006]))
    with pytest.raises(DataError, match=r"no data.*2003"):
        dagum_gini_panel(cat, value="y", group="ua", time="year")
    bad = df.copy()
    bad.loc[5, "y"] = np.nan
    with pytest.raises(DataError, match=r"NaN.*\b5\b"):
        dagum_gini_panel(bad, value="y", group="ua", time="year")
    one = df[~((df.year == 2006) & (df.ua != "长三角"))]
    with pytest.raises(DataError, match=r"year=2006.*at least 2 groups"):
        dagum_gini_panel(one, value="y", group="ua", time="year")
    zero = df.copy()
    zero.loc[(zero.year == 2005) & (zero.ua == "珠三角"), "y"] = 0.0
    with pytest.raises(DataError, match=r"year=2005.*珠三角.*zero"):
        dagum_gini_panel(zero, value="y", group="ua", time="year")


# --------------------------------------------------------------------------- sigma


def test_sigma_hand_computed() -> None:
    # 2000: a = [1, 3] → μ 2, SD 1 → 0.5; b = [2, 2] → 0; all [1, 3, 2, 2] → μ 2, SD √0.5 → √2/4
    # 2001: a = [2, 2] → 0; b = [1, 5] → μ 3, SD 2 → 2/3; all [2, 2, 1, 5] → μ 2.5, SD √(9/4) = 1.5 → 0.6
    df = pd.DataFrame({"t": [2000] * 4 + [2001] * 4, "g": list("aabb") * 2, "v": [1, 3, 2, 2, 2, 2, 1, 5]})
    s = sigma_convergence(df, value="v", time="t", group="g")
    assert isinstance(s, SigmaConvergence)
    assert list(s.sigma.columns) == ["a", "b", "overall"]
    assert s.sigma.loc[2000].tolist() == approx([0.5, 0.0, math.sqrt(2) / 4])
    assert s.sigma.loc[2001].tolist() == approx([0.0, 2 / 3, 0.6])
    assert s.counts.loc[2000].tolist() == [2, 2, 4]
    # two years: slope defined, no standard error
    assert s.trend.loc["a", "slope"] == approx(-0.5)
    assert np.isnan(s.trend.loc["a", "p"]) and not s.converging["a"]
    only = sigma_convergence(df, value="v", time="t")
    assert list(only.sigma.columns) == ["overall"]
    assert only.sigma["overall"].tolist() == approx(s.sigma["overall"].tolist())
    sd = sigma_convergence(df, value="v", time="t", group="g", relative=False)
    assert sd.sigma.loc[2001, "b"] == approx(2.0)


def test_sigma_population_sd() -> None:
    rng = np.random.default_rng(4)
    df = pd.DataFrame(
        {"t": np.repeat([1, 2, 3], 50), "g": np.tile(list("xy"), 75), "v": rng.gamma(3, 2, 150)}
    )
    s = sigma_convergence(df, value="v", time="t", group="g")
    for (t, g), sub in df.groupby(["t", "g"]):
        v = sub["v"].to_numpy()
        assert s.sigma.loc[t, g] == approx(np.std(v, ddof=0) / v.mean())
        assert s.sigma.loc[t, g] != pytest.approx(np.std(v, ddof=1) / v.mean(), rel=1e-6)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.floats(min_value=0.01, max_value=1e3), min_size=6, max_size=30),
    st.floats(min_value=1e-3, max_value=1e3),
)
def test_sigma_scale_invariance(vals: list[float], c: float) -> None:
    n = len(vals)
    df = pd.DataFrame({"t": [2000 + i % 3 for i in range(n)], "g": [i % 2 for i in range(n)], "v": vals})
    a = sigma_convergence(df, value="v", time="t", group="g").sigma
    b = sigma_convergence(df.assign(v=df["v"] * c), value="v", time="t", group="g").sigma
    np.testing.assert_allclose(b.to_numpy(), a.to_numpy(), rtol=1e-9, atol=1e-12)


def test_sigma_trend_converging_series() -> None:
    # group "c": spread shrinks each year (values 10 ± (10 - t)); group "d": grows; "e": constant spread
    rows = []
    for t in range(10):
        for sgn in (-1, 1):
            rows.append((2000 + t, "c", 10 + sgn * (10 - t) * 0.5))
            rows.append((2000 + t, "d", 10 + sgn * (1 + t) * 0.5))
            rows.append((2000 + t, "e", 10 + sgn * 2.0))
    s = sigma_convergence(pd.DataFrame(rows, columns=["yr", "ua", "v"]), value="v", time="yr", group="ua")
    tr = s.trend
    assert tr.loc["c", "slope"] == approx(-0.05)  # σ = (10 − t)·0.5/10, exactly linear in t
    assert tr.loc["c", "p"] < 1e-10 and s.converging["c"]
    assert tr.loc["d", "slope"] > 0 and not s.converging["d"]
    assert tr.loc["e", "slope"] == approx(0.0) and tr.loc["e", "p"] == 1.0 and not s.converging["e"]
    assert tr.loc["c", "n_years"] == 10
    # noisy series: slope, se and p as scipy's linregress
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"yr": np.repeat(np.arange(2000, 2012), 20), "v": rng.gamma(5, 1, 240)})
    sn = sigma_convergence(df, value="v", time="yr")
    from scipy import stats

    lr = stats.linregress(sn.sigma.index.to_numpy(float), sn.sigma["overall"].to_numpy())
    assert sn.trend.loc["overall", "slope"] == approx(lr.slope, rel=1e-9)
    assert sn.trend.loc["overall", "se"] == approx(lr.stderr, rel=1e-9)
    assert sn.trend.loc["overall", "p"] == approx(lr.pvalue, rel=1e-7)
    assert sn.converging["overall"] == (lr.slope < 0 and lr.pvalue < 0.05)
    strict = sigma_convergence(df, value="v", time="yr", alpha=1e-12)
    assert not strict.converging["overall"] and strict.alpha == 1e-12


def test_sigma_bad_input() -> None:
    df = pd.DataFrame({"t": [1, 1, 2, 2], "g": list("abab"), "v": [1.0, 0.0, 2.0, 0.0]})
    with pytest.raises(DataError, match=r"zero mean.*\('b', 1\)"):
        sigma_convergence(df, value="v", time="t", group="g")
    with pytest.raises(DataError, match="'val'"):
        sigma_convergence(df, value="val", time="t")
    with pytest.raises(DataError, match="numeric"):
        sigma_convergence(df.assign(t=["x", "x", "y", "y"]), value="v", time="t")
    with pytest.raises(DataError, match="negative"):
        sigma_convergence(df.assign(v=[1.0, -1.0, 2.0, 3.0]), value="v", time="t")
    with pytest.raises(DataError, match="overall"):
        sigma_convergence(df.assign(g=["overall", "a", "a", "a"], v=1.0), value="v", time="t", group="g")


# --------------------------------------------------------------------------- beta


def _beta_data(alpha: float, beta: float, T: float, gamma: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    y0 = rng.lognormal(2, 0.7, size=40)
    x = rng.normal(size=40)
    yT = y0 * np.exp(T * (alpha + beta * np.log(y0) + gamma * x))
    return pd.DataFrame({"y0": y0, "yT": yT, "x": x}, index=[f"c{i}" for i in range(40)])


def test_beta_known_answer() -> None:
    d = _beta_data(0.05, -0.02, 10)
    b = beta_convergence(d["y0"], d["yT"], T=10)
    assert isinstance(b, BetaConvergence)
    assert b.alpha == approx(0.05, rel=1e-10)
    assert b.beta == approx(-0.02, rel=1e-10)
    assert b.se < 1e-12 and b.p < 1e-12 and b.converging
    lam = -math.log(1 - 10 * 0.02) / 10
    assert b.speed == approx(lam, rel=1e-9)
    assert b.half_life == approx(math.log(2) / lam, rel=1e-9)
    assert b.r2 == approx(1.0)
    assert list(b.params.index) == ["const", "ln_y0"] and b.nobs == 40 and b.df_resid == 38
    r = beta_convergence(d["y0"], d["yT"], T=10, convention="reat")
    assert r.speed == approx(-math.log(1 - 0.02) / 10, rel=1e-9)


def test_beta_matches_ols_with_noise_and_controls() -> None:
    d = _beta_data(0.03, -0.01, 8, gamma=0.004)
    rng = np.random.default_rng(2)
    d["yT"] = d["yT"] * np.exp(rng.normal(0, 0.05, size=len(d)))
    b = beta_convergence(d["y0"], d["yT"], T=8, controls=d[["x"]])
    z = np.log(d["yT"] / d["y0"]) / 8
    X = np.column_stack([np.ones(len(d)), np.log(d["y0"]), d["x"]])
    coef, *_ = np.linalg.lstsq(X, z, rcond=None)
    resid = z - X @ coef
    cov = resid @ resid / (len(d) - 3) * np.linalg.inv(X.T @ X)
    assert b.params.to_numpy() == approx(coef, rel=1e-9)
    assert b.bse.to_numpy() == approx(np.sqrt(np.diag(cov)), rel=1e-9)
    assert list(b.params.index) == ["const", "ln_y0", "x"]
    from scipy import stats

    assert b.p == approx(2 * stats.t.sf(abs(coef[1] / np.sqrt(cov[1, 1])), len(d) - 3), rel=1e-8)
    assert b.speed == approx(-math.log(1 + 8 * b.beta) / 8)
    # exact dataset with controls
    e = _beta_data(0.05, -0.02, 10, gamma=0.01)
    be = beta_convergence(e["y0"], e["yT"], T=10, controls=e["x"])
    assert be.params["x"] == approx(0.01, rel=1e-9) and be.beta == approx(-0.02, rel=1e-10)
    # controls aligned by index with Series inputs, positional for arrays
    bp = beta_convergence(e["y0"], e["yT"], T=10, controls=e[["x"]].iloc[::-1])
    assert bp.params["x"] == approx(0.01, rel=1e-9)
    ba = beta_convergence(e["y0"].to_numpy(), e["yT"].to_numpy(), T=10, controls=e["x"].to_numpy())
    assert list(ba.params.index) == ["const", "ln_y0", "x0"] and ba.beta == approx(-0.02, rel=1e-10)


def test_beta_speed_edge_cases() -> None:
    d = _beta_data(0.0, 0.01, 5)  # diverging: λ < 0, no half-life
    b = beta_convergence(d["y0"], d["yT"], T=5)
    assert not b.converging and b.speed < 0 and math.isnan(b.half_life)
    d = _beta_data(0.0, -0.25, 5)  # 1 + Tβ < 0: λ undefined
    b = beta_convergence(d["y0"], d["yT"], T=5)
    assert math.isnan(b.speed) and math.isnan(b.half_life)


def test_beta_bad_input() -> None:
    d = _beta_data(0.05, -0.02, 10)
    with pytest.raises(DataError, match="'c3'"):
        beta_convergence(d["y0"].where(d.index != "c3", 0.0), d["yT"], T=10)
    with pytest.raises(DataError, match="T must be"):
        beta_convergence(d["y0"], d["yT"], T=0)
    with pytest.raises(DataError, match="only in y0"):
        beta_convergence(d["y0"], d["yT"].rename(index={"c1": "zz"}), T=10)
    with pytest.raises(DataError, match="collinear"):
        beta_convergence(d["y0"], d["yT"], T=10, controls=pd.DataFrame({"a": np.log(d["y0"])}))
    with pytest.raises(DataError, match="more units"):
        beta_convergence([1.0, 2.0], [2.0, 3.0], T=1)
    with pytest.raises(DataError, match=r"NaN.*'c2'"):
        holed = d[["x"]].copy()
        holed.loc["c2", "x"] = np.nan
        beta_convergence(d["y0"], d["yT"], T=10, controls=holed)
    with pytest.raises(OptionError, match="convention must be one of 'barro', 'reat'; got 'x'"):
        beta_convergence(d["y0"], d["yT"], T=10, convention="x")  # type: ignore[arg-type]


def test_module_exports() -> None:
    for name in ineq.__all__:
        assert getattr(ineq, name).__doc__
