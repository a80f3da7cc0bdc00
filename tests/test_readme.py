"""The README's runnable examples run as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = re.findall(r"<!-- runnable -->\s*```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


def test_readme_has_runnable_examples():
    assert len(BLOCKS) >= 1


@pytest.mark.parametrize("code", BLOCKS)
def test_readme_example_runs(code, capsys):
    exec(compile(code, str(README), "exec"), {"__name__": "__readme__"})
    out = capsys.readouterr().out
    assert "Gnb_pct" in out  # the decomposition table was printed
