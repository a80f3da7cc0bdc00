"""Batched linear programmes: many same-shaped LPs solved as one block-diagonal LP.

DEA needs one small LP per decision-making unit (DMU): a few constraint rows
and one column per peer.  Calling :func:`scipy.optimize.linprog` once per DMU
spends most of its time in per-call overhead (argument checking, building the
HiGHS model, presolve).  Because the objectives of the DMUs' LPs are
separable, their sum is minimised by minimising each one, so ``k`` LPs can be
stacked into a single block-diagonal LP::

    min  Σ_b c_bᵀ x_b   s.t.  A_b x_b (=, ≤) rhs_b,  lb ≤ x_b ≤ ub,   b = 1..k

and solved in one HiGHS call whose solution, cut into blocks, is the solution
of every LP.  The block-diagonal matrix is assembled directly in CSR form
from a dense ``(k, rows, cols)`` array with index arithmetic (no Python loop
over blocks).  Batches are capped at ``max_nnz`` stored coefficients.

If a batch does not solve to optimality (one infeasible or unbounded block
makes the whole stacked LP so), it is bisected until the offending blocks are
isolated; every other block is still solved, and the offending ones are
reported through ``status`` (scipy's codes: 2 infeasible, 3 unbounded, 4
numerical trouble).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog

__all__ = ["BatchResult", "block_diag_csr", "solve_batched"]

_OPTIONS = {"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10}


@dataclass
class BatchResult:
    """Solutions of ``k`` stacked LPs.

    Attributes
    ----------
    x : numpy.ndarray
        ``(k, n_vars)`` optimal points (NaN rows where ``status != 0``).
    fun : numpy.ndarray
        ``(k,)`` optimal objective values (NaN where ``status != 0``).
    status : numpy.ndarray
        ``(k,)`` scipy ``linprog`` status codes (0 optimal, 2 infeasible,
        3 unbounded, 4 numerical difficulties).
    n_calls : int
        Number of HiGHS calls made.
    """

    x: np.ndarray
    fun: np.ndarray
    status: np.ndarray
    n_calls: int


def block_diag_csr(blocks: np.ndarray) -> sp.csr_array:
    """Block-diagonal CSR matrix of the dense blocks ``blocks[b]`` (shape ``(k, r, c)``).

    Zero coefficients are stored (harmless for HiGHS, and keeps the pattern
    identical across blocks).
    """
    k, r, c = blocks.shape
    data = np.ascontiguousarray(blocks).reshape(-1)
    # column index of element (b, i, j) is b*c + j
    cols = (np.arange(k)[:, None, None] * c + np.arange(c)[None, None, :]).repeat(r, axis=1).reshape(-1)
    indptr = np.arange(k * r + 1, dtype=np.int64) * c
    return sp.csr_array((data, cols, indptr), shape=(k * r, k * c))


def _solve(c: np.ndarray, a_eq: np.ndarray | None, b_eq: np.ndarray | None, a_ub: np.ndarray | None,
           b_ub: np.ndarray | None, bounds: np.ndarray) -> tuple[int, np.ndarray | None]:
    k, nv = c.shape
    try:
        res = linprog(
            c.reshape(-1),
            A_ub=None if a_ub is None else block_diag_csr(a_ub),
            b_ub=None if b_ub is None else b_ub.reshape(-1),
            A_eq=None if a_eq is None else block_diag_csr(a_eq),
            b_eq=None if b_eq is None else b_eq.reshape(-1),
            bounds=np.tile(bounds, (k, 1)),
            method="highs",
            options=_OPTIONS,
        )
    except ValueError:  # scipy's input check (inf/NaN coefficients): report as numerical trouble
        return 4, None
    if res.status != 0:
        return int(res.status), None
    return 0, np.asarray(res.x).reshape(k, nv)


def solve_batched(c: np.ndarray, *, a_eq: np.ndarray | None = None, b_eq: np.ndarray | None = None,
                  a_ub: np.ndarray | None = None, b_ub: np.ndarray | None = None,
                  bounds: np.ndarray, max_nnz: int = 100_000) -> BatchResult:
    """Minimise ``k`` independent LPs of identical shape in as few HiGHS calls as possible.

    Parameters
    ----------
    c : numpy.ndarray
        ``(k, n_vars)`` objective coefficients, one row per LP.
    a_eq, b_eq : numpy.ndarray, optional
        ``(k, r_eq, n_vars)`` and ``(k, r_eq)`` equality constraints.
    a_ub, b_ub : numpy.ndarray, optional
        ``(k, r_ub, n_vars)`` and ``(k, r_ub)`` ``≤`` constraints.
    bounds : numpy.ndarray
        ``(n_vars, 2)`` variable bounds shared by all LPs (``±inf`` allowed).
    max_nnz : int, default 100_000
        Largest number of stored coefficients per HiGHS call.

    Returns
    -------
    BatchResult
    """
    k, nv = c.shape
    rows = (0 if a_eq is None else a_eq.shape[1]) + (0 if a_ub is None else a_ub.shape[1])
    per_block = max(1, rows * nv)
    size = int(max(1, min(k, max_nnz // per_block)))
    x = np.full((k, nv), np.nan)
    status = np.zeros(k, dtype=np.int64)
    calls = 0

    def run(lo: int, hi: int) -> None:
        nonlocal calls
        sl = slice(lo, hi)
        calls += 1
        st, sol = _solve(c[sl], None if a_eq is None else a_eq[sl], None if b_eq is None else b_eq[sl],
                         None if a_ub is None else a_ub[sl], None if b_ub is None else b_ub[sl], bounds)
        if st == 0 and sol is not None:
            x[sl] = sol
        elif hi - lo == 1:
            status[lo] = st
        else:
            mid = (lo + hi) // 2
            run(lo, mid)
            run(mid, hi)

    for lo in range(0, k, size):
        run(lo, min(k, lo + size))
    fun = np.einsum("kv,kv->k", c, x)
    return BatchResult(x=x, fun=fun, status=status, n_calls=calls)
