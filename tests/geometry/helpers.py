"""Builders of small synthetic inputs for the geometry tests."""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import shapely

from geometry.crs import WGS84, transform_geometry

# Five sites on the 0.1 m grid in EPSG:2154 (Créteil, 94028), computed as snap_sites
# computes them (grid integer × 0.1). Some differ in the last bit from the decimal
# literal, and the fault depends on it. The first four lie on one circle of radius
# 48.23 m. With this boundary GEOS 3.14 returns a self-intersecting cell for the
# second site, and its union with most neighbours raises
# "TopologyException: unable to assign free hole to a shell".
COCIRCULAR = np.array(
    [
        [6613018, 68529248],
        [6612532, 68529686],
        [6613297, 68529341],
        [6612530, 68529736],
        [6611971, 68528847],
    ]
) * 0.1
COCIRCULAR_BOUNDARY = shapely.box(657900.0, 6851400.0, 661600.0, 6856500.0)


def make_points(
    lon: Sequence[float],
    lat: Sequence[float],
    bureau: Sequence[str],
    voters: Sequence[int] | None = None,
    geo_score: Sequence[float] | None = None,
    geo_type: Sequence[str | None] | None = None,
    **columns: Sequence,
) -> gpd.GeoDataFrame:
    """Return a points table in EPSG:4326 as ``build_commune`` expects it."""
    count = len(bureau)
    data = {
        "bureau": list(bureau),
        "voters": list(voters) if voters is not None else [1] * count,
        "geo_score": list(geo_score) if geo_score is not None else [0.9] * count,
        "geo_type": list(geo_type) if geo_type is not None else ["housenumber"] * count,
        **{name: list(values) for name, values in columns.items()},
    }
    return gpd.GeoDataFrame(data, geometry=gpd.points_from_xy(lon, lat), crs=WGS84)


def local_box(epsg: int, center_lon: float, center_lat: float, half_size_m: float):
    """Return a square of ``2 * half_size_m`` metres around a point, in EPSG:4326, and its centre in ``epsg``."""
    center = transform_geometry(shapely.Point(center_lon, center_lat), WGS84, epsg)
    square = shapely.box(center.x - half_size_m, center.y - half_size_m, center.x + half_size_m, center.y + half_size_m)
    return transform_geometry(square, epsg, WGS84), center


def random_points_in(polygon, count: int, rng: np.random.Generator) -> np.ndarray:
    """Return ``count`` random points inside ``polygon`` as an (n, 2) array."""
    minx, miny, maxx, maxy = polygon.bounds
    found = []
    while len(found) < count:
        xy = rng.uniform((minx, miny), (maxx, maxy), size=(count * 4, 2))
        found.extend(xy[shapely.contains_xy(polygon, xy[:, 0], xy[:, 1])])
    return np.array(found[:count])


def partition_defects(outlines_local: gpd.GeoDataFrame, boundary_local) -> tuple[float, float]:
    """Return the total overlap area and the area of the symmetric difference with the boundary (m²)."""
    geoms = outlines_local.geometry.to_numpy()
    overlap = 0.0
    for i in range(len(geoms)):
        for j in range(i + 1, len(geoms)):
            overlap += shapely.intersection(geoms[i], geoms[j]).area
    difference = shapely.symmetric_difference(shapely.union_all(geoms), boundary_local).area
    return overlap, difference
