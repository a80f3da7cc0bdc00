"""Every Python block of the README runs as printed (in a fresh namespace, in order)."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
TEXT = README.read_text(encoding="utf-8")
BLOCKS = re.findall(r"```python\n(.*?)```", TEXT, re.S)
#: what each kind of block must print (a block is recognised by a line of its code)
EXPECT = {
    "dagum_gini_panel": "Gnb_pct",
    "roads.od_matrix(slower": "310100",
    "efficiency.sbm(": "count",
}


def test_readme_has_the_examples():
    assert len(BLOCKS) >= 4
    assert "# not executed" not in TEXT  # every block runs


@pytest.mark.parametrize("code", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_readme_block_runs(code, capsys):
    if "from distributed import" in code and importlib.util.find_spec("distributed") is None:
        pytest.skip("dask[distributed] not installed (pip install '.[dask]')")
    exec(compile(code, str(README), "exec"), {"__name__": "__readme__"})
    out = capsys.readouterr().out
    for marker, printed in EXPECT.items():
        if marker in code:
            assert printed in out, (marker, out[-500:])
