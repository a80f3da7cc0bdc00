"""Hypothesis profiles and the outcome recorder of ``tests/test_fuzz.py``.

Profiles (selected with the environment variable ``GEOAGGL_FUZZ``):

* ``ci`` (default): a few derandomized examples per (function, input kind);
  the whole file runs in about a minute.
* ``deep``: at least 1,000 examples per public function, random seeds.

The profiles are applied per test (``settings(parent=...)``), never loaded
globally, so importing this module does not change the hypothesis settings of
the other test files.

``GEOAGGL_FUZZ_REPORT=<path>`` writes a per-function outcome table (calls,
valid, geoaggl error, foreign, mutation, identity violation, hang) and the
distinct contract breaches to ``<path>`` at the end of the session.
``GEOAGGL_FUZZ_SHRINK=1`` raises on the first breach of each test so that
hypothesis shrinks it to a minimal example (default: all breaches of a test
are collected and reported together when its examples are done).
"""

from __future__ import annotations

import math
import os
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from hypothesis import HealthCheck, Phase, settings

PROFILE = os.environ.get("GEOAGGL_FUZZ", "ci").strip().lower() or "ci"
if PROFILE not in ("ci", "deep"):
    raise RuntimeError(f"GEOAGGL_FUZZ must be 'ci' or 'deep', not {PROFILE!r}")
SHRINK = os.environ.get("GEOAGGL_FUZZ_SHRINK", "") not in ("", "0")
REPORT = os.environ.get("GEOAGGL_FUZZ_REPORT") or None
#: Per-call deadline (seconds) after which a call counts as a hang.
CALL_DEADLINE = float(os.environ.get("GEOAGGL_FUZZ_DEADLINE", "20"))
#: Examples per public function in the deep profile (spread over its input kinds).
DEEP_EXAMPLES = 1000

_HEALTH = list(HealthCheck)

settings.register_profile(
    "geoaggl-fuzz-ci",
    derandomize=True,
    deadline=None,
    database=None,
    print_blob=False,
    suppress_health_check=_HEALTH,
    phases=[Phase.explicit, Phase.generate] + ([Phase.shrink] if SHRINK else []),
)
settings.register_profile(
    "geoaggl-fuzz-deep",
    derandomize=False,
    deadline=None,
    database=None,
    print_blob=False,
    suppress_health_check=_HEALTH,
    phases=[Phase.explicit, Phase.generate] + ([Phase.shrink] if SHRINK else []),
)


def fuzz_settings(n_kinds: int, ci_examples: int = 2) -> settings:
    """Settings of one (function, kind) test under the active profile."""
    if PROFILE == "deep":
        # 25 % headroom: hypothesis skips duplicate examples, so fewer calls than max_examples are made
        n = max(ci_examples, math.ceil(1.25 * DEEP_EXAMPLES / max(n_kinds, 1)))
        return settings(settings.get_profile("geoaggl-fuzz-deep"), max_examples=n)
    return settings(settings.get_profile("geoaggl-fuzz-ci"), max_examples=ci_examples)


COLUMNS = ("calls", "valid", "geoaggl error", "foreign", "mutation", "identity violation", "hang")


@dataclass
class Recorder:
    """Outcome counts per function and the distinct breaches seen."""

    counts: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    breaches: dict[tuple[str, str, str], tuple[str, str]] = field(default_factory=dict)
    hits: Counter = field(default_factory=Counter)

    def count(self, fname: str, outcome: str) -> None:
        self.counts[fname][outcome] += 1

    def breach(self, fname: str, category: str, signature: str, kind: str, detail: str) -> None:
        key = (fname, category, signature)
        self.hits[key] += 1
        self.breaches.setdefault(key, (kind, detail))

    def table(self) -> str:
        head = "| function | " + " | ".join(COLUMNS) + " |"
        lines = [f"# geoaggl fuzz report (profile {PROFILE})", "", head, "|" + "---|" * (len(COLUMNS) + 1)]
        total: Counter = Counter()
        for fname in sorted(self.counts):
            c = self.counts[fname]
            total.update(c)
            lines.append(f"| {fname} | " + " | ".join(str(c[k]) for k in COLUMNS) + " |")
        lines.append("| **total** | " + " | ".join(str(total[k]) for k in COLUMNS) + " |")
        lines += ["", f"## Distinct breaches ({len(self.breaches)})", ""]
        for (fname, category, sig), (kind, detail) in sorted(self.breaches.items()):
            n = self.hits[(fname, category, sig)]
            lines.append(f"- {fname} [{category}] kind={kind} x{n}: {sig}")
            lines.append(f"    {detail}")
        return "\n".join(lines) + "\n"

    def write(self, path: str | None = None) -> Path | None:
        path = path or REPORT
        if not path:
            return None
        p = Path(path)
        p.write_text(self.table(), encoding="utf-8")
        return p


RECORDER = Recorder()
