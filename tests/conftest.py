"""Shared fixtures.

``shared_dir`` points at the reference data beside the project (``../shared``),
used only by tests that skip cleanly when it is absent (a user's fresh clone).
Set ``GEOAGGL_SHARED`` to point elsewhere.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _shared() -> Path | None:
    env = os.environ.get("GEOAGGL_SHARED")
    cands = [Path(env)] if env else []
    cands += [REPO.parent / "shared", REPO.parent.parent / "shared"]
    for c in cands:
        if (c / "data").is_dir():
            return c
    return None


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    d = _shared()
    if d is None:
        pytest.skip("../shared reference data not present (fresh clone)")
    return d


@pytest.fixture(scope="session")
def prefs():
    import geoaggl

    return geoaggl.prefectures()
