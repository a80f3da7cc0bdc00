"""Coordinate helpers: GCJ-02 <-> WGS84 and metric projections (private).

GCJ-02 ("Mars coordinates") is the obfuscated datum that Chinese map providers
(Amap/Gaode, Tencent) publish.  The forward transform WGS84 -> GCJ-02 is the
well-known public algorithm (Krasovsky 1940 ellipsoid constants); there is no
closed-form inverse, so :func:`gcj02_to_wgs84` inverts it by fixed-point
iteration until the round trip is below a tolerance (default 1e-9 degrees,
about 0.1 mm, far inside the 1 cm the project requires).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "METRIC_CRS",
    "gcj02_to_wgs84",
    "out_of_china",
    "transform_geometry",
    "wgs84_to_gcj02",
]

#: Albers equal-area conic for China (lat_1=25, lat_2=47, lon_0=105), used for
#: areas and lengths.  Same parameters as the widely used "Asia North Albers".
METRIC_CRS = "+proj=aea +lat_0=0 +lon_0=105 +lat_1=25 +lat_2=47 +x_0=0 +y_0=0 +ellps=WGS84 +units=m +no_defs"

_A = 6378245.0  # Krasovsky 1940 semi-major axis used by GCJ-02
_EE = 0.00669342162296594323  # its first eccentricity squared


def out_of_china(lon: ArrayLike, lat: ArrayLike) -> NDArray[np.bool_]:
    """True where a point lies outside the GCJ-02 bounding box (no offset applied)."""
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    return (lon < 72.004) | (lon > 137.8347) | (lat < 0.8293) | (lat > 55.8271)


def _delta(
    lon: NDArray[np.float64], lat: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    x = lon - 105.0
    y = lat - 35.0
    sqrt_abs_x = np.sqrt(np.abs(x))
    six = 20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sqrt_abs_x
    dlat = dlat + six * 2.0 / 3.0
    dlat = dlat + (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    dlat = dlat + (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sqrt_abs_x
    dlon = dlon + six * 2.0 / 3.0
    dlon = dlon + (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    dlon = dlon + (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    radlat = lat / 180.0 * np.pi
    magic = 1.0 - _EE * np.sin(radlat) ** 2
    sqrtmagic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrtmagic) * np.pi)
    dlon = (dlon * 180.0) / (_A / sqrtmagic * np.cos(radlat) * np.pi)
    return dlon, dlat


def wgs84_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Forward transform WGS84 -> GCJ-02 (vectorised; points outside China unchanged).

    ``gcj = wgs + delta(wgs)`` where ``delta`` is the published GCJ-02 offset
    polynomial on the Krasovsky ellipsoid.
    """
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    dlon, dlat = _delta(lon, lat)
    outside = out_of_china(lon, lat)
    return np.where(outside, lon, lon + dlon), np.where(outside, lat, lat + dlat)


def gcj02_to_wgs84(
    lon: ArrayLike, lat: ArrayLike, *, tol: float = 1e-9, max_iter: int = 30
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Inverse transform GCJ-02 -> WGS84 by fixed-point iteration.

    Solves ``wgs84_to_gcj02(w) = g`` for ``w``: start at ``w0 = g`` and iterate
    ``w_{k+1} = w_k - (wgs84_to_gcj02(w_k) - g)`` until every residual is below
    ``tol`` degrees (1e-9 deg ~ 0.1 mm).  Converges in 3-5 steps because the
    offset varies slowly (its Jacobian is within ~1e-5 of the identity).

    Non-finite coordinates (NaN, inf) are returned unchanged.

    Raises
    ------
    DataError
        If the iteration has not converged after ``max_iter`` steps (a
        :class:`~geoaggl.errors.GeoagglError`, as every error of the package).
    """
    from .errors import DataError

    g_lon = np.asarray(lon, dtype=float)
    g_lat = np.asarray(lat, dtype=float)
    w_lon = g_lon.copy()
    w_lat = g_lat.copy()
    finite = np.isfinite(g_lon) & np.isfinite(g_lat)
    for _ in range(max_iter):
        with np.errstate(invalid="ignore"):
            f_lon, f_lat = wgs84_to_gcj02(w_lon, w_lat)
            r_lon = np.where(finite, f_lon - g_lon, 0.0)
            r_lat = np.where(finite, f_lat - g_lat, 0.0)
        w_lon = w_lon - r_lon
        w_lat = w_lat - r_lat
        if np.all(np.abs(r_lon) < tol) and np.all(np.abs(r_lat) < tol):
            return w_lon, w_lat
    raise DataError(f"GCJ-02 -> WGS84 inversion did not converge in {max_iter} steps")


def transform_geometry(geoms: Any, *, to: str = "wgs84") -> Any:
    """Apply the GCJ-02 conversion to every vertex of shapely geometries.

    ``to="wgs84"`` converts GCJ-02 -> WGS84, ``to="gcj02"`` the reverse.
    Vertices are transformed independently and identically, so a vertex shared
    by two neighbouring polygons stays shared (coverages stay coverages).
    """
    import shapely

    from ._validate import check_option

    check_option(to, ("wgs84", "gcj02"), name="to", where="transform_geometry")
    func = gcj02_to_wgs84 if to == "wgs84" else wgs84_to_gcj02

    def _apply(coords: NDArray[np.float64]) -> NDArray[np.float64]:
        x, y = func(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geoms, _apply)
