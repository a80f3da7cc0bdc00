"""Write ``geoaggl/data/prefectures.npz``: the shipped prefecture GeoJSON in a binary form that
loads without GDAL (WKB geometries and attribute arrays, ~15 ms instead of ~150 ms).

Derived from ``geoaggl/data/prefectures.geojson`` alone (re-run after
``boundaries/build_prefectures.py``; that script calls this one).  The file records the SHA-1
of the GeoJSON it was made from: :func:`geoaggl.prefectures` reads it only when that matches,
else it reads the GeoJSON; ``tests/test_boundaries_fast_load.py`` checks both give the same frame.

Run: ``python boundaries/build_prefectures_npz.py``
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pyogrio
import shapely

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "geoaggl" / "data" / "prefectures.geojson"
OUT = ROOT / "geoaggl" / "data" / "prefectures.npz"
TEXT = ["adcode", "name", "name_en", "province", "kind", "seat_source"]
FLOAT = ["seat_lon", "seat_lat"]


def main() -> None:
    raw = SRC.read_bytes()
    df = pyogrio.read_dataframe(SRC, use_arrow=False)
    wkb = shapely.to_wkb(np.asarray(df.geometry.values))
    lengths = np.array([len(b) for b in wkb], dtype=np.int64)
    out: dict[str, np.ndarray] = {
        "source_sha1": np.array(hashlib.sha1(raw).hexdigest()),
        "wkb": np.frombuffer(b"".join(wkb), dtype=np.uint8),
        "wkb_offsets": np.r_[0, np.cumsum(lengths)].astype(np.int64),
    }
    for c in TEXT:
        out[c] = df[c].astype(str).to_numpy(dtype=str)
    for c in FLOAT:
        out[c] = df[c].to_numpy(dtype=np.float64)
    np.savez_compressed(OUT, **out)
    print(f"wrote {OUT.relative_to(ROOT)}: {len(df)} units, {OUT.stat().st_size / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
