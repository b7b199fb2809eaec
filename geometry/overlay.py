"""Overlay operations that retry on repaired inputs, then on a fixed grid, when GEOS raises.

GEOS can raise a ``TopologyException`` where vertices nearly coincide, as around
the self-intersecting Voronoi cell it returns for four cocircular sites. Each
function here runs the plain shapely operation first. On a ``GEOSException`` it
makes the invalid inputs valid and retries, and on a second failure it reruns
the operation with snap-rounding on a ``GRID_SIZE_M`` grid. The exception of
that last attempt propagates.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

import numpy as np
import shapely
from shapely.errors import GEOSException
from shapely.geometry.base import BaseGeometry

logger = logging.getLogger(__name__)

Geometries = BaseGeometry | np.ndarray | Sequence[BaseGeometry]
"""One geometry, or an array or list of them; the functions here work element-wise like shapely's."""

GRID_SIZE_M = 1e-6
"""Grid of the last attempt, in metres (working CRS).

Snap-rounding moves each vertex by at most 0.71 µm, half the grid diagonal. The
area an outline of perimeter P gains or loses is therefore at most about
P × 0.71e-6 m² (an estimate): 0.07 m² for P = 100 km, within the default 0.1 m²
tolerance of the partition check.
"""


def repair(geometry: Geometries) -> Geometries:
    """Return ``geometry`` (a geometry or an array of them) with each invalid one made valid.

    Polygonal inputs stay polygonal: parts that collapse to lines or points are dropped.
    """
    valid = shapely.is_valid(geometry) | shapely.is_missing(geometry)
    if np.all(valid):
        return geometry
    fixed = shapely.make_valid(geometry, method="structure", keep_collapsed=False)
    if np.ndim(geometry) == 0:
        return fixed
    return np.where(valid, geometry, fixed)


def _run(operation: Callable, geometries: tuple, description: str) -> Geometries:
    try:
        return operation(*geometries)
    except GEOSException as error:
        logger.warning("%s failed (%s): retrying with repaired inputs", description, error)

    repaired = tuple(repair(geometry) for geometry in geometries)
    try:
        return operation(*repaired)
    except GEOSException as error:
        logger.warning("%s failed on repaired inputs (%s): retrying on a %g m grid", description, error, GRID_SIZE_M)

    return operation(*repaired, grid_size=GRID_SIZE_M)


def union_all(geometries: Geometries, description: str = "union") -> BaseGeometry:
    """Union ``geometries`` (an array or list) into one geometry; ``description`` names the operation in the logs."""
    return _run(shapely.union_all, (geometries,), description)


def coverage_union_all(geometries: Geometries, description: str = "coverage union") -> BaseGeometry:
    """Union polygons that should form a coverage, falling back to ``union_all`` when they do not.

    ``shapely.coverage_union_all`` is much faster, but it needs shared edges
    with the same vertices on both sides, which a repaired cell no longer has.
    It then raises, or returns an invalid polygon (nested shells), so its
    result is checked.
    """
    try:
        merged = shapely.coverage_union_all(geometries)
    except GEOSException as error:
        logger.info("%s failed (%s): using a full union", description, error)
        return union_all(geometries, description)

    if not merged.is_valid:
        logger.info("%s returned an invalid geometry (%s): using a full union", description, shapely.is_valid_reason(merged))
        return union_all(geometries, description)
    return merged


def union(a: Geometries, b: Geometries, description: str = "union") -> Geometries:
    """Union ``a`` and ``b`` element-wise, like ``shapely.union``."""
    return _run(shapely.union, (a, b), description)


def intersection(a: Geometries, b: Geometries, description: str = "intersection") -> Geometries:
    """Intersect ``a`` and ``b`` element-wise, like ``shapely.intersection``."""
    return _run(shapely.intersection, (a, b), description)


def difference(a: Geometries, b: Geometries, description: str = "difference") -> Geometries:
    """Subtract ``b`` from ``a`` element-wise, like ``shapely.difference``."""
    return _run(shapely.difference, (a, b), description)


def symmetric_difference(a: Geometries, b: Geometries, description: str = "symmetric difference") -> Geometries:
    """Return the parts of ``a`` or ``b`` outside the other, element-wise, like ``shapely.symmetric_difference``."""
    return _run(shapely.symmetric_difference, (a, b), description)
