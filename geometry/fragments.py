"""Give small enclosed pieces of a bureau to the bureau around them."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import shapely
from shapely.geometry import MultiPolygon

from geometry import overlay
from geometry.params import BuildParams
from geometry.partition import polygonal

logger = logging.getLogger(__name__)


def reassign_fragments(
    outlines: dict[str, MultiPolygon], sites: pd.DataFrame, params: BuildParams
) -> tuple[dict[str, MultiPolygon], int]:
    """Move small enclosed parts of each bureau to the neighbour that encloses them.

    A part is moved when it is not its bureau's main part (the one with the most
    sites, then the largest), contains at most ``fragment_max_points`` of the bureau's
    sites, and one neighbour shares at least ``fragment_enclosed_share`` of its
    border with other bureaux and at least half of its whole border. Returns the
    new outlines and the number of parts moved.
    """
    outlines = dict(outlines)
    names = list(outlines)
    by_bureau = {name: group[["x", "y"]].to_numpy() for name, group in sites.groupby("bureau", sort=False)}
    moved = 0

    for name in names:
        parts = list(outlines[name].geoms)
        if len(parts) < 2:
            continue
        xy = by_bureau.get(name, np.empty((0, 2)))
        counts = np.array([int(shapely.contains_xy(part, xy[:, 0], xy[:, 1]).sum()) if len(xy) else 0 for part in parts])
        areas = np.array([part.area for part in parts])
        main = int(np.lexsort((areas, counts))[-1])

        kept = []
        for index, part in enumerate(parts):
            target = None
            if index != main and counts[index] <= params.fragment_max_points:
                target = _enclosing_bureau(part, name, outlines, params)
            if target is None:
                kept.append(part)
                continue
            outlines[target] = polygonal(overlay.union(outlines[target], part, f"move of a part of bureau {name} to bureau {target}"))
            moved += 1
        if len(kept) != len(parts):
            outlines[name] = MultiPolygon(kept)

    if moved:
        logger.debug("%d fragments reassigned", moved)
    return outlines, moved


def _enclosing_bureau(part, name: str, outlines: dict[str, MultiPolygon], params: BuildParams) -> str | None:
    ring = part.boundary
    shared: dict[str, float] = {}
    for other, geometry in outlines.items():
        if other == name or geometry.is_empty or not shapely.intersects(geometry, part):
            continue
        length = overlay.intersection(ring, geometry.boundary, f"border of bureaux {name} and {other}").length
        if length > 0:
            shared[other] = length
    if not shared:
        return None
    best = max(shared, key=shared.get)
    total = sum(shared.values())
    if shared[best] >= params.fragment_enclosed_share * total and shared[best] >= 0.5 * ring.length:
        return best
    return None
