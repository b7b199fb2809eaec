"""Partition a commune between bureaux from labelled sites (working CRS)."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import shapely
from shapely.errors import GEOSException
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry
from sklearn.cluster import DBSCAN

from geometry import overlay
from geometry.params import BuildParams

logger = logging.getLogger(__name__)

EMPTY = MultiPolygon()


def polygonal(geometry: BaseGeometry | None) -> MultiPolygon:
    """Return the polygonal parts of ``geometry`` as one MultiPolygon (empty if none)."""
    if geometry is None or geometry.is_empty:
        return EMPTY
    parts = shapely.get_parts(geometry)
    polygons: list[Polygon] = []
    for part in parts:
        if isinstance(part, Polygon):
            if not part.is_empty:
                polygons.append(part)
        elif isinstance(part, MultiPolygon):
            polygons.extend(shapely.get_parts(part))
        elif part.geom_type == "GeometryCollection":
            polygons.extend(polygonal(part).geoms)
    return MultiPolygon(polygons) if polygons else EMPTY


def snap_sites(sites: pd.DataFrame, snap_m: float) -> pd.DataFrame:
    """Round site coordinates to the ``snap_m`` grid and keep the first site of each grid point."""
    gx = np.round(sites["x"].to_numpy() / snap_m).astype(np.int64)
    gy = np.round(sites["y"].to_numpy() / snap_m).astype(np.int64)
    keep = ~pd.DataFrame({"gx": gx, "gy": gy}).duplicated().to_numpy()
    return pd.DataFrame({"x": gx[keep] * snap_m, "y": gy[keep] * snap_m, "bureau": sites["bureau"].to_numpy()[keep]})


def voronoi_cells(xy: np.ndarray, boundary: BaseGeometry) -> np.ndarray:
    """Compute one Voronoi cell per site, in the order of ``xy``, covering the boundary's envelope.

    ``xy`` must hold at least two distinct sites. Invalid cells are made valid:
    GEOS can return a self-intersecting cell where four or more sites are
    cocircular, as sites snapped to a grid can be.
    """
    minx, miny, maxx, maxy = boundary.bounds
    pminx, pminy = xy.min(axis=0)
    pmaxx, pmaxy = xy.max(axis=0)
    margin = 10.0 + 0.1 * max(maxx - minx, maxy - miny, pmaxx - pminx, pmaxy - pminy)
    envelope = shapely.box(
        min(minx, pminx) - margin, min(miny, pminy) - margin, max(maxx, pmaxx) + margin, max(maxy, pmaxy) + margin
    )
    diagram = shapely.voronoi_polygons(shapely.multipoints(xy), extend_to=envelope, ordered=True)
    cells = shapely.get_parts(diagram)
    if len(cells) != len(xy):
        raise GEOSException(f"Voronoi diagram returned {len(cells)} cells for {len(xy)} sites")

    invalid = ~shapely.is_valid(cells)
    if invalid.any():
        logger.info("%d invalid Voronoi cells out of %d made valid", int(invalid.sum()), len(cells))
        cells = overlay.repair(cells)
    return cells


def dissolve(cells: np.ndarray, labels: np.ndarray) -> dict[str, BaseGeometry]:
    """Merge the cells of each label; the cells should form a coverage (no overlaps)."""
    order = np.argsort(labels, kind="stable")
    sorted_labels = labels[order]
    starts = np.flatnonzero(np.r_[True, sorted_labels[1:] != sorted_labels[:-1]])
    groups = np.split(order, starts[1:])
    merged: dict[str, BaseGeometry] = {}
    for group in groups:
        label = labels[group[0]]
        merged[label] = overlay.coverage_union_all(cells[group], f"union of the Voronoi cells of bureau {label}")
    return merged


def voronoi_partition(sites: pd.DataFrame, boundary: BaseGeometry) -> dict[str, MultiPolygon]:
    """Split ``boundary`` between the bureaux of ``sites`` by the Voronoi cells of the sites.

    Each bureau gets the union of its sites' cells clipped to the boundary; holes
    are kept. ``sites`` must be snapped (distinct coordinates).
    """
    bureaux = sites["bureau"].to_numpy().astype(str)
    unique = np.unique(bureaux)
    if len(unique) == 1:
        return {str(unique[0]): polygonal(boundary)}

    cells = voronoi_cells(sites[["x", "y"]].to_numpy(), boundary)
    merged = dissolve(cells, bureaux)
    shapely.prepare(boundary)
    return {
        bureau: polygonal(overlay.intersection(region, boundary, f"clipping of bureau {bureau} to the boundary"))
        for bureau, region in merged.items()
    }


def concave_partition(sites: pd.DataFrame, boundary: BaseGeometry, params: BuildParams) -> dict[str, MultiPolygon]:
    """Split ``boundary`` from concave hulls of each bureau's clusters of sites.

    Each bureau's sites are grouped with DBSCAN (radius ``cluster_eps_m``); each
    cluster becomes its concave hull buffered by ``hull_buffer_m``. Land held by
    exactly one bureau's hulls is that bureau's; overlaps and gaps go to the bureau
    of the nearest site, through the Voronoi partition.
    """
    nearest = voronoi_partition(sites, boundary)
    if len(nearest) == 1:
        return nearest

    hulls: dict[str, BaseGeometry] = {}
    for bureau, group in sites.groupby("bureau", sort=True):
        xy = group[["x", "y"]].to_numpy()
        labels = DBSCAN(eps=params.cluster_eps_m, min_samples=1).fit_predict(xy) if len(xy) > 1 else np.zeros(1, int)
        pieces = []
        for label in np.unique(labels):
            cluster = shapely.multipoints(xy[labels == label])
            pieces.append(shapely.concave_hull(cluster, ratio=params.concave_ratio).buffer(params.hull_buffer_m))
        hulls[str(bureau)] = overlay.union_all(pieces, f"union of the hulls of bureau {bureau}")

    names = list(hulls)
    geoms = np.array([hulls[name] for name in names])
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    pairs = left < right
    pairwise = overlay.intersection(geoms[left[pairs]], geoms[right[pairs]], "intersection of overlapping hulls")
    overlaps = overlay.union_all(pairwise, "union of the hull overlaps")
    exclusive = {
        name: overlay.intersection(
            overlay.difference(hulls[name], overlaps, f"removal of overlaps from the hulls of bureau {name}"),
            boundary,
            f"clipping of the hulls of bureau {name} to the boundary",
        )
        for name in names
    }
    exclusive_union = overlay.union_all(list(exclusive.values()), "union of the exclusive hulls")
    contested = overlay.difference(boundary, exclusive_union, "removal of the exclusive hulls from the boundary")

    outlines: dict[str, MultiPolygon] = {}
    for name in names:
        share = overlay.intersection(nearest.get(name, EMPTY), contested, f"contested land of bureau {name}")
        outlines[name] = polygonal(overlay.union(exclusive[name], share, f"outline of bureau {name}"))
    return outlines
