"""Public docstrings: numpydoc validation and the References every method and result carries.

The checks are configured in ``pyproject.toml`` (``[tool.numpydoc_validation]``).
"""

from __future__ import annotations

import importlib
import inspect
import re
import tomllib
from pathlib import Path

import pytest

import geoaggl

numpydoc_validate = pytest.importorskip("numpydoc.validate")

ROOT = Path(__file__).resolve().parents[1]
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["numpydoc_validation"]
CHECKS = set(CONFIG["checks"])
OVERRIDES = {k[len("override_") :].upper(): v for k, v in CONFIG.items() if k.startswith("override_")}
# modules whose public functions and classes implement or use published methods or data: each needs
# a References section (settings holds no functions or classes)
NO_REFERENCES = {"settings"}
NO_REFERENCES_NAMES: set[str] = set()


def _public_modules() -> list[str]:
    return sorted(geoaggl._SUBMODULES)


def _names() -> list[tuple[str, bool]]:
    """(import path, is a top-level name) of every public function, class and public method."""
    out: list[tuple[str, bool]] = []
    for m in _public_modules():
        mod = importlib.import_module(f"geoaggl.{m}")
        for n in mod.__all__:
            obj = getattr(mod, n)
            if not (inspect.isclass(obj) or inspect.isfunction(obj)):
                continue  # constants are documented in the module docstring
            out.append((f"geoaggl.{m}.{n}", True))
            if inspect.isclass(obj) and not issubclass(obj, BaseException | Warning):
                for a, v in vars(obj).items():
                    if a.startswith("_") or not (inspect.isfunction(v) or isinstance(v, property)):
                        continue
                    if isinstance(v, property):
                        continue  # documented as attributes of the class
                    out.append((f"geoaggl.{m}.{n}.{a}", False))
    return out


NAMES = _names()


def _errors(path: str, top: bool) -> list[str]:
    res = numpydoc_validate.validate(path)
    doc = res.get("docstring") or ""
    bad = []
    for code, msg in res["errors"]:
        if code not in CHECKS or (code == "EX01" and not top):
            continue
        if any(re.search(p, doc) for p in OVERRIDES.get(code, [])):
            continue
        bad.append(f"{code}: {msg}")
    return bad


def test_the_public_names_are_found():
    tops = [p for p, top in NAMES if top]
    assert "geoaggl.inequality.dagum_gini" in tops and "geoaggl.inequality.DagumGini" in tops
    assert len(tops) >= 90


@pytest.mark.parametrize(("path", "top"), NAMES, ids=[p for p, _ in NAMES])
def test_numpydoc(path, top):
    assert _errors(path, top) == []


@pytest.mark.parametrize("path", [p for p, top in NAMES if top], ids=[p for p, top in NAMES if top])
def test_references_and_no_internal_pointers(path):
    obj = numpydoc_validate.Validator._load_obj(path)
    doc = inspect.getdoc(obj) or ""
    assert not re.search(r"seed 00\d|METHODS", doc), "cite papers by authors and title"
    if path.split(".")[1] in NO_REFERENCES or path in NO_REFERENCES_NAMES:
        return
    assert re.search(r"^References\n-{10}$", doc, re.M), f"{path} has no References section"


def test_the_checker_catches_a_bad_docstring(tmp_path, monkeypatch):
    """The gate can fail: a function without Examples and with an undocumented parameter."""
    (tmp_path / "_bad_doc_mod.py").write_text(
        'def f(a, b):\n    """Summary.\n\n    Parameters\n    ----------\n    a : int\n        A.\n\n'
        '    Returns\n    -------\n    int\n        A.\n    """\n    return a\n',
        encoding="utf-8",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    codes = {e.split(":")[0] for e in _errors("_bad_doc_mod.f", True)}
    assert {"PR01", "EX01"} <= codes
