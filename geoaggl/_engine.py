"""Where embarrassingly parallel work runs: locally, or on a Dask client.

One entry point, :func:`map_blocks`, used by every blockwise computation (OD source blocks,
bootstrap replicates, per-DMU LPs).  Results come back in input order, so a run with a fixed
seed gives the same numbers locally and on a cluster, provided the caller follows two rules:

* **The blocks do not depend on the client.**  A computation is cut into the same blocks
  whether it runs locally (one block after the other, in this process) or on Dask (one task
  per block); block sizes come from the data (a memory budget, a fixed number of LPs), never
  from the number of workers.
* **Each block gets its own random stream** (:func:`block_generators`): block 0 continues the
  caller's generator (so a computation that fits in one block gives the numbers it gave before
  blocking existed), blocks 1, 2, ... use generators spawned from it.  Nothing is drawn from a
  generator shared between blocks.

Dask is an optional dependency (the ``dask`` extra): this module never imports it; a client is
used through its ``map`` / ``gather`` / ``scatter`` methods only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

import numpy as np

from .errors import GeoagglError, ParameterTypeError

__all__ = ["block_generators", "get_client", "map_blocks", "sync_generator"]

T = TypeVar("T")
R = TypeVar("R")


def _check_client(client: Any, name: str) -> Any:
    if not (callable(getattr(client, "map", None)) and callable(getattr(client, "gather", None))):
        raise ParameterTypeError(
            f"{name} must be a dask.distributed.Client (an object with map() and gather()) or None; "
            f"got {type(client).__name__}"
        )
    return client


def get_client(client: Any = None) -> Any:
    """The Dask client to use: ``client`` if given, else ``geoaggl.settings.dask_client`` (may be None).

    Raises
    ------
    ParameterTypeError
        When the client (or the setting) is not None and has no ``map`` / ``gather`` methods.
    """
    if client is not None:
        return _check_client(client, "client")
    from . import settings

    if settings.dask_client is None:
        return None
    return _check_client(settings.dask_client, "geoaggl.settings.dask_client")


def map_blocks(
    func: Callable[..., R],
    items: Iterable[T],
    *,
    client: Any = None,
    shared: Mapping[str, Any] | None = None,
) -> list[R]:
    """``[func(item, **shared) for item in items]``, run on Dask when a client is given or set, else locally.

    Parameters
    ----------
    func : callable
        A picklable (module-level) function of one block.
    items : iterable
        The blocks (small descriptions of work: index ranges, seeds; not large arrays).
    client : distributed.Client, optional
        Overrides ``geoaggl.settings.dask_client``.
    shared : mapping of str to object, optional
        Keyword arguments passed to every call (large arrays common to all blocks).  On a
        client they are scattered to the workers once and every task receives the futures, so
        they are not serialised once per task.  Names must not be keywords of
        ``Client.map`` (``key``, ``workers``, ``retries``, ``resources``, ``priority``, ``pure``, ...).

    Returns
    -------
    list
        ``func(item, **shared)`` for each item, in input order.

    Raises
    ------
    ParameterTypeError
        ``client`` (or ``geoaggl.settings.dask_client``) is not a Dask client.
    GeoagglError
        A geoaggl error raised by a block on the cluster is re-raised with its own type (a note
        says it came from a Dask task); any other failure of a remote block (a foreign exception,
        a lost worker) is wrapped in a GeoagglError naming the function and the cause.
    """
    blocks: Sequence[T] = list(items)
    kw = dict(shared or {})
    c = get_client(client)
    if c is None or len(blocks) <= 1:
        return [func(b, **kw) for b in blocks]
    name = getattr(func, "__qualname__", repr(func))
    try:
        if kw and callable(getattr(c, "scatter", None)):
            # a list, not the dict: Dask would use the dict's keys ("w", "fams", ...) as the data's
            # keys, and a later call's data under the same key would be served the earlier data
            kw = dict(zip(kw, c.scatter(list(kw.values()), broadcast=True, hash=False), strict=True))
        futures = c.map(func, blocks, pure=False, **kw)
        return list(c.gather(futures))
    except GeoagglError as exc:
        exc.add_note(f"(raised in a block of {name} run on the Dask client)")
        raise
    except Exception as exc:  # a foreign error inside a task, a lost worker, a closed client
        raise GeoagglError(
            f"a block of {name} failed on the Dask client: {type(exc).__name__}: {exc}"
        ) from exc


def block_generators(rng: np.random.Generator, n_blocks: int) -> list[np.random.Generator]:
    """One independent generator per block, determined by ``rng`` alone.

    Block 0 gets ``rng`` itself (its stream continues, so one block reproduces the unblocked
    computation); blocks ``1..n_blocks-1`` get ``rng.spawn(n_blocks - 1)`` (children of its seed
    sequence; spawning does not advance ``rng``'s stream).  A generator without a seed sequence
    seeds the children from one draw of ``rng``.
    """
    if n_blocks <= 1:
        return [rng]
    try:
        children = rng.spawn(n_blocks - 1)
    except (TypeError, AttributeError):  # a bit generator built without a SeedSequence
        ss = np.random.SeedSequence(rng.integers(0, 2**63, size=4).tolist())
        children = [np.random.default_rng(s) for s in ss.spawn(n_blocks - 1)]
    return [rng, *children]


def sync_generator(rng: np.random.Generator, used: np.random.Generator) -> None:
    """Advance ``rng`` to the state of ``used``, block 0's generator after it ran.

    Locally ``used`` is ``rng`` (no-op); on a cluster it is the copy that travelled to the worker,
    so the caller's generator ends in the same state as after a local run.
    """
    if used is not rng:
        rng.bit_generator.state = used.bit_generator.state
