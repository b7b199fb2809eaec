"""Street-side sites: extra labelled points along each side of a street.

Bureau boundaries usually follow streets, with odd and even numbers of one street
often in different bureaux. Plain Voronoi cells of house points then give a house
to the bureau across the street wherever that side's houses are further apart.
Adding sites along the line joining consecutive numbers of one side, when both
belong to the same bureau, moves the cell border to the middle of the street.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from geometry.params import BuildParams

logger = logging.getLogger(__name__)


def street_side_sites(table: pd.DataFrame, sites: pd.DataFrame, params: BuildParams) -> pd.DataFrame:
    """Return extra sites (x, y, bureau) between consecutive numbers of each street side.

    ``table`` contains the used points with their street key and house number; a side
    is (street, parity of the number). Two consecutive numbers of one side are
    joined when they carry the same bureau, are at most ``street_max_gap_m`` apart
    and their numbers differ by at most ``street_max_number_gap``. Sites are placed
    every ``street_spacing_m`` along the segment, endpoints excluded. An extra site
    closer than ``street_clearance_m`` to a site of another bureau, or on the
    rounding grid cell of an existing site, is dropped.
    """
    empty = pd.DataFrame({"x": [], "y": [], "bureau": []})
    has_street = table["street"].notna().to_numpy() & table["numero"].notna().to_numpy()
    if not has_street.any() or sites.empty:
        return empty

    side = table.loc[has_street, ["street", "numero", "bureau", "x", "y"]].copy()
    side["numero"] = side["numero"].astype(np.int64)
    side["parity"] = side["numero"] % 2
    side = side.sort_values(["street", "parity", "numero", "x", "y"], kind="stable")

    same_side = (side["street"].to_numpy()[1:] == side["street"].to_numpy()[:-1]) & (
        side["parity"].to_numpy()[1:] == side["parity"].to_numpy()[:-1]
    )
    same_bureau = side["bureau"].to_numpy()[1:] == side["bureau"].to_numpy()[:-1]
    number_gap = np.diff(side["numero"].to_numpy())
    x = side["x"].to_numpy()
    y = side["y"].to_numpy()
    dx = np.diff(x)
    dy = np.diff(y)
    length = np.hypot(dx, dy)
    joined = same_side & same_bureau & (number_gap <= params.street_max_number_gap) & (length <= params.street_max_gap_m)
    joined &= length > params.street_spacing_m
    if not joined.any():
        return empty

    start = np.flatnonzero(joined)
    count = np.floor(length[start] / params.street_spacing_m).astype(np.int64)
    count = np.where(length[start] / params.street_spacing_m == count, count - 1, count)
    segment = np.repeat(start, count)
    step = np.concatenate([np.arange(1, c + 1) for c in count]) if len(count) else np.array([], dtype=np.int64)
    fraction = step * params.street_spacing_m / length[segment]
    extra_x = x[segment] + fraction * dx[segment]
    extra_y = y[segment] + fraction * dy[segment]
    extra_bureau = side["bureau"].to_numpy()[segment]

    # Drop added sites that come too close to a site of another bureau.
    tree = cKDTree(sites[["x", "y"]].to_numpy())
    neighbours = tree.query_ball_point(np.column_stack([extra_x, extra_y]), r=params.street_clearance_m)
    site_bureau = sites["bureau"].to_numpy()
    clear = np.array([all(site_bureau[j] == b for j in near) for near, b in zip(neighbours, extra_bureau)], dtype=bool)

    extra = pd.DataFrame({"x": extra_x[clear], "y": extra_y[clear], "bureau": extra_bureau[clear]})
    logger.debug("%d street-side sites added, %d dropped near other bureaux", len(extra), int((~clear).sum()))
    return extra
