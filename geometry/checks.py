"""Check that the outlines of a commune form a partition of its boundary."""

from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from geometry import overlay
from geometry.errors import PartitionError


def check_partition(outlines: dict[str, BaseGeometry], boundary: BaseGeometry, commune: str, tolerance_m2: float) -> None:
    """Raise PartitionError unless the outlines are valid, disjoint and cover the boundary.

    Works in a metric CRS: ``tolerance_m2`` bounds the total area of the
    overlaps between outlines and, separately, the area of the symmetric
    difference between their union and ``boundary``. Empty outlines are skipped.
    """
    names = [name for name, geometry in outlines.items() if geometry is not None and not geometry.is_empty]
    geoms = np.array([outlines[name] for name in names])
    if len(geoms) == 0:
        raise PartitionError(commune, "no bureau has an outline", "aucun bureau n'a de contour")

    invalid = ~shapely.is_valid(geoms)
    if invalid.any():
        bad = names[int(np.flatnonzero(invalid)[0])]
        reason = shapely.is_valid_reason(outlines[bad])
        raise PartitionError(commune, f"outline of bureau {bad} is invalid ({reason})", f"le contour du bureau {bad} est invalide ({reason})")
    kinds = set(shapely.get_type_id(geoms).tolist())
    if not kinds <= {shapely.GeometryType.POLYGON, shapely.GeometryType.MULTIPOLYGON}:
        raise PartitionError(commune, "an outline is not polygonal", "un contour n'est pas polygonal")

    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    pairs = left < right
    overlap = float(shapely.area(overlay.intersection(geoms[left[pairs]], geoms[right[pairs]], "overlaps between outlines")).sum())
    if overlap > tolerance_m2:
        raise PartitionError(
            commune,
            f"outlines overlap by {overlap:.3f} m² (tolerance {tolerance_m2} m²)",
            f"les contours se chevauchent sur {overlap:.3f} m² (tolérance {tolerance_m2} m²)",
        )

    union = overlay.union_all(geoms, "union of the outlines")
    difference = float(overlay.symmetric_difference(union, boundary, "comparison of the outlines with the boundary").area)
    if difference > tolerance_m2:
        raise PartitionError(
            commune,
            f"union of the outlines differs from the commune boundary by {difference:.3f} m² (tolerance {tolerance_m2} m²)",
            f"l'union des contours diffère du contour communal de {difference:.3f} m² (tolérance {tolerance_m2} m²)",
        )
