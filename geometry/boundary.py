"""Commune boundaries: check and project a given one, or derive one from the points."""

from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from geometry.crs import WGS84, transform_geometry
from geometry.errors import InvalidBoundaryError
from geometry.params import BuildParams
from geometry.partition import polygonal


def project_boundary(boundary: BaseGeometry, commune: str, epsg: int) -> BaseGeometry:
    """Return ``boundary`` (EPSG:4326) in EPSG ``epsg``, repaired when invalid.

    Raises
    ------
    InvalidBoundaryError
        If the boundary is empty or has no polygonal part.
    """
    if not isinstance(boundary, BaseGeometry) or boundary.is_empty:
        raise InvalidBoundaryError(commune, "the boundary is empty or not a shapely geometry", "le contour est vide ou n'est pas une géométrie shapely")
    minx, miny, maxx, maxy = boundary.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise InvalidBoundaryError(
            commune,
            f"bounds {boundary.bounds} are not longitudes and latitudes",
            f"l'emprise {boundary.bounds} n'est pas en longitudes et latitudes",
        )
    local = polygonal(shapely.make_valid(transform_geometry(boundary, WGS84, epsg)))
    if local.is_empty or local.area <= 0:
        raise InvalidBoundaryError(commune, f"the {boundary.geom_type} has no area", f"le {boundary.geom_type} n'a pas de surface")
    if len(local.geoms) == 1:
        return local.geoms[0]
    return local


def derive_boundary(xy: np.ndarray, params: BuildParams) -> BaseGeometry:
    """Return a commune outline around the points: their concave hull, buffered.

    One or two points, or points on a line, give a buffered point or line.
    """
    hull = shapely.concave_hull(shapely.multipoints(xy), ratio=params.concave_ratio)
    outline = polygonal(hull.buffer(params.derived_boundary_buffer_m))
    return outline.geoms[0] if len(outline.geoms) == 1 else outline
