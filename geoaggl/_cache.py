"""On-disk cache of derived data (private): OD matrices, road-graph cores, polygons, counties.

Root: :data:`geoaggl.settings.cache_dir`; switch: :data:`geoaggl.settings.use_cache` (both read
at call time).  An entry's file name is the SHA-1 of its key, which always holds the package
version and a hash of the data it derives from, so an upgrade or an edited input never reads a
stale entry.  Writes are atomic (a temporary file in the same directory, then ``os.replace``);
an entry that cannot be read (truncated, corrupt, from another format) is deleted and rebuilt.
Cache failures (read-only or full disk) never fail the computation: they only cost time.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

__all__ = ["digest", "enabled", "entry", "fetch_array", "file_digest", "root", "store_array"]

T = TypeVar("T")


def enabled() -> bool:
    """Whether the on-disk cache is on (``geoaggl.settings.use_cache``)."""
    from . import settings

    return bool(settings.use_cache)


def root() -> Path:
    """The cache directory (``geoaggl.settings.cache_dir``)."""
    from . import settings

    return Path(settings.cache_dir)


def digest(*parts: Any) -> str:
    """SHA-1 of the parts (bytes, arrays, or anything with a stable ``repr``) and the package version."""
    from . import __version__

    h = hashlib.sha1(str(__version__).encode())
    for p in parts:
        if isinstance(p, np.ndarray):
            h.update(str((p.dtype.str, p.shape)).encode())
            h.update(np.ascontiguousarray(p).tobytes())
        elif isinstance(p, bytes | bytearray | memoryview):
            h.update(bytes(p))
        else:
            h.update(repr(p).encode())
        h.update(b"\0")
    return h.hexdigest()


def file_digest(path: str | os.PathLike[str]) -> str:
    """SHA-1 of a file's bytes (data-file version in cache keys)."""
    h = hashlib.sha1()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def entry(kind: str, key: str, suffix: str) -> Path:
    """Path of the entry ``key`` of ``kind`` (not created)."""
    return root() / kind / f"{key}{suffix}"


def load(kind: str, key: str, suffix: str, reader: Callable[[Path], T]) -> T | None:
    """``reader(path)`` of a cached entry, or None (cache off, missing, or unreadable: deleted)."""
    if not enabled():
        return None
    path = entry(kind, key, suffix)
    if not path.is_file():
        return None
    try:
        return reader(path)
    except Exception:  # a corrupt or foreign entry: drop it, the caller rebuilds
        with contextlib.suppress(OSError):
            path.unlink()
        return None


def save(kind: str, key: str, suffix: str, writer: Callable[[Path], None]) -> Path | None:
    """Write an entry atomically with ``writer(tmp_path)``; None if the cache is off or not writable."""
    if not enabled():
        return None
    path = entry(kind, key, suffix)
    tmp: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=suffix)
        os.close(fd)
        writer(Path(tmp))
        os.replace(tmp, path)
        return path
    except OSError:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        return None


def fetch_array(kind: str, key: str) -> np.ndarray | None:
    """A cached array (``.npy``, no pickles), or None."""
    return load(kind, key, ".npy", lambda p: np.load(p, allow_pickle=False))


def store_array(kind: str, key: str, arr: np.ndarray) -> Path | None:
    """Cache an array as ``.npy`` (atomic)."""

    def write(p: Path) -> None:
        with open(p, "wb") as f:
            np.save(f, np.ascontiguousarray(arr), allow_pickle=False)

    return save(kind, key, ".npy", write)
