"""Where embarrassingly parallel work runs: locally, or on a Dask client.

One entry point, :func:`map_blocks`, used by every blockwise computation (OD source blocks,
bootstrap replicates, permutations, per-DMU LPs).  Results come back in input order, so a run
with a fixed seed gives the same numbers locally and on a cluster (each block receives its own
seed material from the caller, never from a shared generator).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

__all__ = ["get_client", "map_blocks"]

T = TypeVar("T")
R = TypeVar("R")


def get_client(client: Any = None) -> Any:
    """The Dask client to use: ``client`` if given, else ``geoaggl.settings.dask_client`` (may be None)."""
    if client is not None:
        return client
    from . import settings

    return settings.dask_client


def map_blocks(func: Callable[[T], R], items: Iterable[T], *, client: Any = None) -> list[R]:
    """``[func(item) for item in items]``, run on Dask when a client is given or set, else locally.

    Parameters
    ----------
    func : callable
        A picklable function of one block.
    items : iterable
        The blocks (small descriptions of work: index ranges, seeds; not large arrays).
    client : distributed.Client, optional
        Overrides ``geoaggl.settings.dask_client``.

    Returns
    -------
    list
        ``func(item)`` for each item, in input order.
    """
    blocks: Sequence[T] = list(items)
    c = get_client(client)
    if c is None or len(blocks) <= 1:
        return [func(b) for b in blocks]
    futures = c.map(func, blocks, pure=False)
    return list(c.gather(futures))
