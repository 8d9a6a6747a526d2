"""Geodesic distances on the WGS-84 ellipsoid, vectorised, and a spatial index to find near points.

`geodesic_km` is Vincenty's inverse formula in numpy; it agrees with `geopy.distance.geodesic`
(Karney's method) to well under a millimetre wherever the points are not nearly antipodal, and
falls back to geopy for the few pairs where the iteration does not converge. `PointIndex` finds
candidates on a sphere with a safety margin, then keeps only those the exact distance admits.
"""

from __future__ import annotations

import numpy as np
from geopy.distance import geodesic
from numpy.typing import ArrayLike, NDArray
from scipy.spatial import cKDTree

_A = 6378137.0
_F = 1 / 298.257223563
_B = _A * (1 - _F)
_MEAN_RADIUS_KM = 6371.0088
# A great circle on the mean sphere differs from the ellipsoidal geodesic by under 0.6 %.
_MARGIN = 1.01
_SLACK_KM = 0.01


def geodesic_km(lat1: ArrayLike, lon1: ArrayLike, lat2: ArrayLike, lon2: ArrayLike) -> NDArray:
    """Geodesic kilometres between points given in degrees; inputs broadcast like numpy."""
    arrays = np.broadcast_arrays(*(np.asarray(a, float) for a in (lat1, lon1, lat2, lon2)))
    shape = arrays[0].shape
    lat1, lon1, lat2, lon2 = (np.atleast_1d(a) for a in arrays)
    u1 = np.arctan((1 - _F) * np.tan(np.radians(lat1)))
    u2 = np.arctan((1 - _F) * np.tan(np.radians(lat2)))
    big_l = np.radians(lon2 - lon1)
    sin_u1, cos_u1, sin_u2, cos_u2 = np.sin(u1), np.cos(u1), np.sin(u2), np.cos(u2)
    lam = big_l.copy()
    converged = np.zeros(lam.shape, bool)
    with np.errstate(invalid="ignore", divide="ignore"):
        for _ in range(200):
            sin_lam, cos_lam = np.sin(lam), np.cos(lam)
            sin_sigma = np.hypot(cos_u2 * sin_lam, cos_u1 * sin_u2 - sin_u1 * cos_u2 * cos_lam)
            cos_sigma = sin_u1 * sin_u2 + cos_u1 * cos_u2 * cos_lam
            sigma = np.arctan2(sin_sigma, cos_sigma)
            sin_alpha = np.where(sin_sigma == 0, 0.0, cos_u1 * cos_u2 * sin_lam / sin_sigma)
            cos2_alpha = 1 - sin_alpha**2
            cos_2sm = np.where(cos2_alpha == 0, 0.0, cos_sigma - 2 * sin_u1 * sin_u2 / cos2_alpha)
            c = _F / 16 * cos2_alpha * (4 + _F * (4 - 3 * cos2_alpha))
            previous = lam
            lam = big_l + (1 - c) * _F * sin_alpha * (
                sigma + c * sin_sigma * (cos_2sm + c * cos_sigma * (-1 + 2 * cos_2sm**2))
            )
            converged = np.abs(lam - previous) < 1e-12
            if converged.all():
                break
        u_sq = cos2_alpha * (_A**2 - _B**2) / _B**2
        a = 1 + u_sq / 16384 * (4096 + u_sq * (-768 + u_sq * (320 - 175 * u_sq)))
        b = u_sq / 1024 * (256 + u_sq * (-128 + u_sq * (74 - 47 * u_sq)))
        delta = b * sin_sigma * (cos_2sm + b / 4 * (
            cos_sigma * (-1 + 2 * cos_2sm**2)
            - b / 6 * cos_2sm * (-3 + 4 * sin_sigma**2) * (-3 + 4 * cos_2sm**2)))
        metres = _B * a * (sigma - delta)
    for i in zip(*np.nonzero(~converged | ~np.isfinite(metres)), strict=True):
        metres[i] = geodesic((lat1[i], lon1[i]), (lat2[i], lon2[i])).meters
    return (metres / 1000.0).reshape(shape)


def _agreeing_with_geopy(lat: float, lon: float, lats: NDArray, lons: NDArray,
                         km: float) -> NDArray:
    """Exact distances; within a millimetre of `km`, geopy's own, so that rules decide alike."""
    dist = geodesic_km(lat, lon, lats, lons)
    for i in np.flatnonzero(np.abs(dist - km) < 1e-6):
        dist[i] = geodesic((lat, lon), (lats[i], lons[i])).km
    return dist


def _unit_vectors(lat: NDArray, lon: NDArray) -> NDArray:
    phi, lam = np.radians(lat), np.radians(lon)
    return np.column_stack((np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)))


def _chord(km: float) -> float:
    angle = min(np.pi, km * _MARGIN / _MEAN_RADIUS_KM + _SLACK_KM / _MEAN_RADIUS_KM)
    return float(2 * np.sin(angle / 2))


class PointIndex:
    """Points (units, schools) that can be asked which of them lie near a place."""

    def __init__(self, lat: ArrayLike, lon: ArrayLike) -> None:
        self.lat = np.asarray(lat, float)
        self.lon = np.asarray(lon, float)
        self._tree = cKDTree(_unit_vectors(self.lat, self.lon)) if self.lat.size else None

    def near(self, lat: float, lon: float, km: float) -> tuple[NDArray, NDArray]:
        """Indices of the points within `km` (inclusive) of a place, and their exact distances."""
        if self._tree is None:
            return np.empty(0, int), np.empty(0)
        found = self._tree.query_ball_point(_unit_vectors(np.array([lat]), np.array([lon]))[0],
                                            _chord(km))
        candidates = np.array(sorted(found), dtype=int)
        if candidates.size == 0:
            return candidates, np.empty(0)
        dist = _agreeing_with_geopy(lat, lon, self.lat[candidates], self.lon[candidates], km)
        keep = dist <= km
        return candidates[keep], dist[keep]
