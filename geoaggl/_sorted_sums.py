"""Pairwise sums of positive differences between groups in O(n log n + n k) time and O(n) memory.

The Dagum decomposition needs, for every ordered pair of groups (j, h),

.. math::

    M_{jh} = \\sum_{i \\in j} \\sum_{r \\in h} \\max(y_i - y_r, 0),

from which every Gini term follows: ``M_jj`` is half the within-group sum of
``|y_i - y_r|``, ``M_jh + M_hj`` the between-group sum of ``|y_i - y_r|`` and
``M_jh / (n_j n_h)`` the Dagum ``d_jh``.  Written naively this is an
``n × n`` matrix.  Here it is an integral over the sorted values: since
``max(x - z, 0) = ∫ 1[z <= t < x] dt``, the inner sum for one unit ``i`` is

.. math::

    \\sum_{r \\in h} \\max(y_i - y_r, 0) = \\int_{-\\infty}^{y_i} A_h(s)\\, ds
        = F_h(p_i) = \\sum_{t < p_i} (v_{(t+1)} - v_{(t)})\\, C_{th},

with ``v`` all values sorted, ``p_i`` the sorted position of ``y_i``, ``C_th``
the number of members of group h among the values at positions ``0..t`` and
``A_h(s)`` the number of members of h at or below ``s``.  So one running sum
``F`` (``n × k``) gives every unit's row, and ``M_{j·} = Σ_{i ∈ j} F(p_i)`` is a
weighted ``bincount``.  Every term is a product of non-negative numbers, so no
sum cancels (unlike the textbook ``Σ y_(i)(2i - n - 1)``), and ties need no
care (their gap is zero).

Cost ``O(n log n + n k)`` time (the sort, then a few passes over an ``n × k``
array, evaluated in fixed-size blocks so memory stays ``O(n + budget)``) and no
BLAS call at all: an earlier ``(k × n)(n × k)`` matrix-product form was
``O(n k²)`` and, on these long thin shapes, let a multi-threaded BLAS
oversubscribe the cores (Dagum at ``n = 5,000, k = 30`` took 177 ms instead of
5 ms).  The same code runs on a batch of ``B`` samples at once (the bootstrap).
"""

from __future__ import annotations

import numpy as np

__all__ = ["excess_sums", "group_counts"]

#: Number of float64 cells (batch × rows × groups) materialised at once (32 MiB).
BUDGET = 1 << 22


def group_counts(codes: np.ndarray, k: int) -> np.ndarray:
    """Count the members of each group in every row of a ``(B, n)`` code array.

    Parameters
    ----------
    codes : numpy.ndarray
        Integer group codes in ``[0, k)``, shape ``(B, n)``.
    k : int
        Number of groups.

    Returns
    -------
    numpy.ndarray
        Float64 counts, shape ``(B, k)``.
    """
    b = codes.shape[0]
    flat = codes + k * np.arange(b)[:, None]
    return np.bincount(flat.ravel(), minlength=b * k).reshape(b, k).astype(np.float64)


def _excess_one(values: np.ndarray, codes: np.ndarray, k: int) -> np.ndarray:
    """``M`` of one sorted sample, one group column at a time (1-D passes, O(n) memory).

    About twice as fast as the blocked ``(B, t, k)`` form for a single sample
    (contiguous 1-D cumulative sums instead of strided ones).
    """
    n = values.size
    gaps = np.zeros(n)
    gaps[:-1] = np.diff(values)
    out = np.empty((k, k))
    run = np.zeros(n)
    for h in range(k):
        term = gaps * np.cumsum(codes == h)  # gap_t C_th
        np.cumsum(term[:-1], out=run[1:])  # F_h(p) = Σ_{t < p} gap_t C_th
        out[:, h] = np.bincount(codes, weights=run, minlength=k)
    return out


def excess_sums(values: np.ndarray, codes: np.ndarray, k: int, *, budget: int = BUDGET) -> np.ndarray:
    """Sum of positive differences ``max(y_i - y_r, 0)`` over every ordered pair of groups.

    .. math::

        M_{jh} = \\sum_{i \\in j} \\sum_{r \\in h} \\max(y_i - y_r, 0)
               = \\sum_{i \\in j} \\sum_{t < p_i} (v_{(t+1)} - v_{(t)})\\, C_{th}

    Parameters
    ----------
    values : numpy.ndarray
        Float64 values, shape ``(B, n)``, each row sorted ascending.
    codes : numpy.ndarray
        Integer group code in ``[0, k)`` of each value, same shape, permuted
        with the values.
    k : int
        Number of groups.
    budget : int, optional
        Largest number of float64 cells (rows × values × groups) held at once;
        the computation is blocked over samples and values to stay within it.

    Returns
    -------
    numpy.ndarray
        ``M``, shape ``(B, k, k)``: ``M[b, j, h]`` is the sum over members i of
        group j and r of group h of ``max(y_i - y_r, 0)`` in sample b.
    """
    nb, n = values.shape
    out = np.zeros((nb, k, k))
    if n < 2:
        return out
    if nb == 1:
        out[0] = _excess_one(values[0], codes[0], k)
        return out
    gaps = np.zeros((nb, n))
    gaps[:, :-1] = np.diff(values, axis=1)  # gap after sorted position t; none after the last
    bc = max(1, min(nb, budget // (n * k)))
    tc = max(1, min(n, budget // (bc * k)))
    cols = np.arange(k)
    for b0 in range(0, nb, bc):
        b1 = min(nb, b0 + bc)
        nbc = b1 - b0
        count = np.zeros((nbc, k))  # C: members of each group at positions < t0
        run = np.zeros((nbc, k))  # F(t0) = Σ_{t < t0} gap_t C_t
        label0 = (np.arange(nbc) * k)[:, None]
        for t0 in range(0, n, tc):
            t1 = min(n, t0 + tc)
            block = codes[b0:b1, t0:t1]
            cum = np.zeros((nbc, t1 - t0, k))
            cum.reshape(-1, k)[np.arange(nbc * (t1 - t0)), block.ravel()] = 1.0
            np.cumsum(cum, axis=1, out=cum)
            cum += count[:, None, :]  # C_t, t in [t0, t1)
            count = cum[:, -1, :].copy()
            cum *= gaps[b0:b1, t0:t1, None]  # gap_t C_t
            last = cum[:, -1, :].copy()
            # exclusive running sum: F(p) = F(t0) + Σ_{t0 <= t < p} gap_t C_t
            cum[:, 1:] = cum[:, :-1]
            cum[:, 0] = run
            np.cumsum(cum, axis=1, out=cum)
            run = cum[:, -1, :] + last
            label = ((label0 + block)[:, :, None] * k + cols).ravel()  # cell (b, j, h) of this block
            out[b0:b1] += np.bincount(label, weights=cum.ravel(), minlength=nbc * k * k).reshape(nbc, k, k)
    return out
