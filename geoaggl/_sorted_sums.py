"""Pairwise sums of positive differences between groups in O(n log n) time and O(n) memory.

The Dagum decomposition needs, for every ordered pair of groups (j, h),

.. math::

    M_{jh} = \\sum_{i \\in j} \\sum_{r \\in h} \\max(y_i - y_r, 0),

from which every Gini term follows: ``M_jj`` is half the within-group sum of
``|y_i - y_r|``, ``M_jh + M_hj`` the between-group sum of ``|y_i - y_r|`` and
``M_jh / (n_j n_h)`` the Dagum ``d_jh``.  Written naively this is an
``n × n`` matrix.  Here it is an integral over the sorted values: since
``max(x - z, 0) = ∫ 1[z <= t < x] dt``,

.. math::

    M_{jh} = \\int A_h(t)\\, B_j(t)\\, dt
           = \\sum_{t=1}^{n-1} (v_{(t+1)} - v_{(t)})\\,(n_j - C_{tj})\\,C_{th},

with ``v`` all values sorted, ``C_tj`` the number of members of group j among
the ``t`` smallest values (``A_h = C_·h`` counts values of h at or below the
point, ``B_j = n_j - C_·j`` those of j above it).  Every term is a product of
non-negative numbers, so the sum has no cancellation (unlike the textbook
``Σ y_(i)(2i - n - 1)``), ties need no care (their gap is zero), and the sum over
``t`` is a ``(k × n)(n × k)`` matrix product evaluated in fixed-size blocks:
``O(n log n + n k²)`` time and ``O(n + budget)`` memory.  The same code runs
on a batch of ``B`` samples at once (the bootstrap).
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


def excess_sums(values: np.ndarray, codes: np.ndarray, k: int, *, budget: int = BUDGET) -> np.ndarray:
    """Sum of positive differences ``max(y_i - y_r, 0)`` over every ordered pair of groups.

    .. math::

        M_{jh} = \\sum_{i \\in j} \\sum_{r \\in h} \\max(y_i - y_r, 0)
               = \\sum_t (v_{(t+1)} - v_{(t)})\\,(n_j - C_{tj})\\,C_{th}

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
    gaps = np.diff(values, axis=1)  # gap after sorted position t, t = 0..n-2
    sizes = group_counts(codes, k)
    per_row = (n - 1) * k
    bc = max(1, min(nb, budget // per_row))
    tc = max(1, min(n - 1, budget // (bc * k)))
    for b0 in range(0, nb, bc):
        b1 = min(nb, b0 + bc)
        nbc = b1 - b0
        below = np.zeros((nbc, k))  # members of each group at positions < t0
        total = sizes[b0:b1, None, :]
        for t0 in range(0, n - 1, tc):
            t1 = min(n - 1, t0 + tc)
            block = codes[b0:b1, t0:t1]
            onehot = np.zeros((nbc * (t1 - t0), k))
            onehot[np.arange(onehot.shape[0]), block.ravel()] = 1.0
            cum = np.cumsum(onehot.reshape(nbc, t1 - t0, k), axis=1)
            cum += below[:, None, :]
            below = cum[:, -1, :].copy()
            above = (total - cum) * gaps[b0:b1, t0:t1, None]
            if nbc == 1:
                # one sample (every point estimate, e.g. each year of a panel): a long, thin
                # (k × t)(t × k) product.  einsum(optimize=False) runs numpy's own loops, not BLAS,
                # which on such shapes oversubscribes its threads (~40x slower at k = 30, n = 20,000).
                out[b0] += np.einsum("tj,th->jh", above[0], cum[0], optimize=False)
            else:  # a batch of bootstrap samples: the batched BLAS product is faster here
                out[b0:b1] += np.matmul(above.transpose(0, 2, 1), cum)
    return out
