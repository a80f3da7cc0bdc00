"""geoaggl._sorted_sums.excess_sums (the Dagum kernel): both code paths against the pairwise definition."""

from __future__ import annotations

import numpy as np
import pytest

from geoaggl._sorted_sums import excess_sums


def _pairwise(v: np.ndarray, c: np.ndarray, k: int) -> np.ndarray:
    out = np.zeros((k, k))
    d = np.maximum(v[:, None] - v[None, :], 0.0)
    np.add.at(out, (np.repeat(c[:, None], v.size, 1), np.repeat(c[None, :], v.size, 0)), d)
    return out


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("budget", [1 << 22, 7, 50])
def test_excess_sums_single_and_batched_equal_pairwise_with_ties(seed: int, budget: int) -> None:
    # #12: the single-sample path (per-group 1-D running sums) and the batched bootstrap path (blocked
    # running sums + weighted bincount, no BLAS) both equal the O(n²) definition, with ties and an
    # empty group
    rng = np.random.default_rng(seed)
    nb, n, k = 3, int(rng.integers(2, 60)), int(rng.integers(2, 9))
    vals = np.round(rng.lognormal(size=(nb, n)), seed % 3)  # rounding makes ties
    codes = rng.integers(0, k - 1, size=(nb, n))  # group k - 1 stays empty
    order = np.argsort(vals, axis=1, kind="stable")
    v, c = np.take_along_axis(vals, order, 1), np.take_along_axis(codes, order, 1)
    batched = excess_sums(v, c, k, budget=budget)
    for b in range(nb):
        ref = _pairwise(v[b], c[b], k)
        np.testing.assert_allclose(batched[b], ref, rtol=1e-13, atol=1e-13)
        np.testing.assert_allclose(
            excess_sums(v[b : b + 1], c[b : b + 1], k, budget=budget)[0], ref, rtol=1e-13, atol=1e-13
        )
    assert (batched[:, k - 1, :] == 0).all() and (batched[:, :, k - 1] == 0).all()


def test_excess_sums_tiny_hand_case() -> None:
    # values 1 (g0), 2 (g1), 4 (g0): M[0,1] = max(1-2,0) + max(4-2,0) = 2; M[1,0] = (2-1) = 1; M[0,0] = 3
    v = np.array([[1.0, 2.0, 4.0]])
    c = np.array([[0, 1, 0]])
    for out in (excess_sums(v, c, 2), excess_sums(np.vstack([v, v]), np.vstack([c, c]), 2)[:1]):
        np.testing.assert_array_equal(out[0], [[3.0, 2.0], [1.0, 0.0]])
    assert excess_sums(np.array([[5.0]]), np.array([[1]]), 2).tolist() == [[[0.0, 0.0], [0.0, 0.0]]]
