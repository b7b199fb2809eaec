"""Derive one outline per bureau for a commune from its labelled points."""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.errors import GEOSException
from shapely.geometry import MultiPolygon
from shapely.geometry.base import BaseGeometry

from geometry.boundary import derive_boundary, project_boundary
from geometry.checks import check_partition
from geometry.crs import WGS84, transform_geometry, working_crs
from geometry.errors import InvalidInputError, NoUsablePointsError, PartitionError
from geometry.fragments import reassign_fragments
from geometry.params import BuildParams
from geometry.partition import EMPTY, concave_partition, polygonal, snap_sites, voronoi_partition
from geometry.points import (
    CONFLICT,
    IMPRECISE,
    NO_LOCATION,
    OUTLIER,
    TOO_FAR,
    USED,
    classify_points,
    find_outliers,
    prepare_points,
    resolve_conflicts,
)
from geometry.streets import street_side_sites

logger = logging.getLogger(__name__)

FALLBACK = "fallback"

# Order in which set-aside points are tried for a bureau left without a site.
_FALLBACK_ORDER = (OUTLIER, CONFLICT, IMPRECISE, TOO_FAR)

# Partitions tried before a bureau whose sites lie outside the boundary is reported without outline.
_RESCUE_ATTEMPTS = 4


@dataclass
class BuildReport:
    """Counts and decisions of one commune's build."""

    commune: str
    crs: int
    method: str
    points_input: int = 0
    points_used: int = 0
    voters_input: int = 0
    voters_used: int = 0
    sites: int = 0
    street_sites: int = 0
    no_location: int = 0
    imprecise_geocode: int = 0
    outside_boundary: int = 0
    """Used points outside the boundary but within the tolerance."""
    too_far_outside: int = 0
    conflicts: int = 0
    """Locations shared by several bureaux."""
    conflict_points: int = 0
    """Points set aside because another bureau won their location."""
    outliers: int = 0
    fragments_reassigned: int = 0
    bureaux: int = 0
    bureaux_without_outline: list[str] = field(default_factory=list)
    bureaux_fallback: list[str] = field(default_factory=list)
    """Bureaux whose outline rests on set-aside points or on points moved inside the boundary."""
    boundary_derived: bool = False
    voters_in_own_outline: float = float("nan")
    """Share of the voters of used points that fall in their own bureau's outline."""
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)

    def asdict(self) -> dict:
        """Return the report as a plain dict."""
        return dataclasses.asdict(self)


@dataclass
class CommuneBuild:
    """Outlines of one commune's bureaux, with the build report.

    ``outlines`` is in EPSG:4326 and ``outlines_local`` in the working CRS, with the
    same rows and columns: bureau, geometry, area_m2, addresses, voters,
    points_used, voters_in_outline (share), parts, fallback. ``point_status`` gives
    each input point's status, indexed like the input.
    """

    outlines: gpd.GeoDataFrame
    outlines_local: gpd.GeoDataFrame
    report: BuildReport
    point_status: pd.Series


def build_commune(
    points: gpd.GeoDataFrame,
    boundary: BaseGeometry | None,
    commune: str,
    bureaux: Sequence[str] | None = None,
    params: BuildParams | None = None,
) -> CommuneBuild:
    """Derive one outline per bureau so that the outlines partition the commune.

    Parameters
    ----------
    points
        Points in EPSG:4326 with columns bureau, voters and optionally geo_type,
        geo_score, street and numero. Points with an empty geometry count as not located.
    boundary
        Commune boundary in EPSG:4326, or None to derive it from the points
        (the report then has ``boundary_derived`` set).
    commune
        INSEE code; it selects the working CRS.
    bureaux
        Every bureau of the commune, including those without a point.
    params
        Build settings; ``BuildParams()`` when None.

    Raises
    ------
    UnknownTerritoryError, InvalidInputError, InvalidBoundaryError, NoUsablePointsError
        On unusable input.
    PartitionError
        If the outlines fail the partition check, or if a GEOS operation still
        raises after the fallbacks of ``geometry.overlay``.
    """
    started = time.perf_counter()
    params = params or BuildParams()
    try:
        result = _build_outlines(points, boundary, commune, bureaux, params)
    except GEOSException as error:
        logger.warning("commune %s: build failed on a GEOS error: %s", commune, error)
        raise PartitionError(
            commune,
            f"a geometry operation failed after every fallback ({error})",
            f"une opération géométrique a échoué malgré toutes les solutions de repli ({error})",
        ) from error

    report = result.report
    report.seconds = round(time.perf_counter() - started, 3)
    logger.info(
        "commune %s: build finished in %.2f s, %d outlines, %d bureaux without outline",
        commune,
        report.seconds,
        len(result.outlines),
        len(report.bureaux_without_outline),
    )
    return result


def _build_outlines(
    points: gpd.GeoDataFrame,
    boundary: BaseGeometry | None,
    commune: str,
    bureaux: Sequence[str] | None,
    params: BuildParams,
) -> CommuneBuild:
    """Run the steps of ``build_commune``, which turns the GEOS errors raised here into PartitionError."""
    epsg = working_crs(commune)
    table = prepare_points(points, commune, epsg)
    all_bureaux = _bureau_list(bureaux, table, commune)
    report = BuildReport(commune=commune, crs=epsg, method=params.method, bureaux=len(all_bureaux))
    logger.info("commune %s: build started, %d points, %d bureaux", commune, len(table), len(all_bureaux))

    if boundary is None:
        boundary_local = _derived_boundary(table, commune, params, len(all_bureaux))
        report.boundary_derived = True
        report.warnings.append("no commune boundary given: derived from the points")
    else:
        boundary_local = project_boundary(boundary, commune, epsg)

    table = classify_points(table, boundary_local, params)
    table, sites, report.conflicts = resolve_conflicts(table, params)
    if params.remove_outliers and len(sites):
        table, sites = _set_outliers_aside(table, sites, params)

    table, sites = _add_fallback_sites(table, sites, all_bureaux, boundary_local, report, params.snap_m)
    outlines = _partition(table, sites, all_bureaux, boundary_local, params, report, commune)

    if params.reassign_fragments and len(outlines) > 1:
        outlines, report.fragments_reassigned = reassign_fragments(outlines, sites, params)

    check_partition(outlines, boundary_local, commune, params.check_tolerance_m2)
    return _assemble(table, outlines, all_bureaux, boundary_local, epsg, report, points.index)


def _bureau_list(bureaux: Sequence[str] | None, table: pd.DataFrame, commune: str) -> list[str]:
    names = [str(name) for name in bureaux] if bureaux is not None else []
    names += sorted(set(table["bureau"]) - set(names))
    names = list(dict.fromkeys(names))
    if not names:
        raise InvalidInputError(commune, "no points and no bureaux given", "ni points ni bureaux fournis")
    return names


def _derived_boundary(table: pd.DataFrame, commune: str, params: BuildParams, bureaux: int) -> BaseGeometry:
    located = table["located"].to_numpy()
    if not located.any():
        raise NoUsablePointsError(commune, bureaux) if bureaux > 1 else InvalidInputError(
            commune,
            "no boundary and no located point: give the commune boundary",
            "ni contour ni point localisé : donnez le contour de la commune",
        )
    xy = table.loc[located, ["x", "y"]].to_numpy()
    return derive_boundary(xy, params)


def _set_outliers_aside(table: pd.DataFrame, sites: pd.DataFrame, params: BuildParams) -> tuple[pd.DataFrame, pd.DataFrame]:
    outlier = find_outliers(sites, params)
    if not outlier.any():
        return table, sites
    outlier_sites = np.flatnonzero(outlier)
    records = table["site"].isin(outlier_sites).to_numpy()
    table = table.copy()
    table.loc[records, "status"] = OUTLIER
    renumber = np.full(len(sites), -1)
    renumber[~outlier] = np.arange(int((~outlier).sum()))
    site = table["site"].to_numpy()
    table["site"] = np.where(site >= 0, renumber[np.maximum(site, 0)], -1)
    return table, sites[~outlier].reset_index(drop=True)


def _pull_inside(xy: np.ndarray, boundary: BaseGeometry, depth_m: float = 0.5) -> np.ndarray:
    """Move the points outside ``boundary`` to about ``depth_m`` inside its nearest edge.

    Where that position is still outside (a thin spike of the boundary), the point
    goes part of the way towards a point surely inside the boundary.
    """
    xy = xy.copy()
    outside = ~shapely.intersects_xy(boundary, xy[:, 0], xy[:, 1])
    inner = boundary.point_on_surface()
    for index in np.flatnonzero(outside):
        line = shapely.shortest_line(shapely.Point(xy[index]), boundary)
        (x0, y0), (x1, y1) = line.coords
        length = max(np.hypot(x1 - x0, y1 - y0), 1e-9)
        candidates = [(x1 + (x1 - x0) / length * depth, y1 + (y1 - y0) / length * depth) for depth in (depth_m, depth_m / 10)]
        candidates += [(x1 + (inner.x - x1) * share, y1 + (inner.y - y1) * share) for share in (0.01, 0.1, 0.5, 1.0)]
        for x, y in candidates:
            if shapely.contains_xy(boundary, x, y):
                xy[index] = (x, y)
                break
    return xy


def _separate_sites(sites: pd.DataFrame, boundary: BaseGeometry, snap_m: float) -> pd.DataFrame:
    """Move sites that share a grid point with an earlier site by 1 m steps towards the inside."""
    grid = pd.DataFrame({"gx": np.round(sites["x"] / snap_m), "gy": np.round(sites["y"] / snap_m)})
    if not grid.duplicated().any():
        return sites
    sites = sites.copy()
    inner = boundary.point_on_surface()
    taken: set[tuple[int, int]] = set()
    for index in range(len(sites)):
        x, y = sites.at[index, "x"], sites.at[index, "y"]
        while (int(np.round(x / snap_m)), int(np.round(y / snap_m))) in taken:
            x, y = _step_towards(x, y, inner, 1.0)
        taken.add((int(np.round(x / snap_m)), int(np.round(y / snap_m))))
        sites.at[index, "x"], sites.at[index, "y"] = x, y
    return sites


def _step_towards(x: float, y: float, target, distance: float) -> tuple[float, float]:
    dx, dy = target.x - x, target.y - y
    length = np.hypot(dx, dy)
    if length < distance:
        return x + distance, y
    return x + dx / length * distance, y + dy / length * distance


def _add_fallback_sites(
    table: pd.DataFrame,
    sites: pd.DataFrame,
    all_bureaux: list[str],
    boundary: BaseGeometry,
    report: BuildReport,
    snap_m: float,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Give a site to each bureau without one, from its set-aside points, and report it."""
    with_site = set(sites["bureau"])
    if len(all_bureaux) == 1 or with_site.issuperset(all_bureaux):
        return table, sites
    added = []
    table = table.copy()
    def grid_key(x: float, y: float) -> tuple[int, int]:
        return int(np.round(x / snap_m)), int(np.round(y / snap_m))

    taken = {grid_key(x, y) for x, y in zip(sites["x"], sites["y"])}
    inner = boundary.point_on_surface()
    for bureau in all_bureaux:
        if bureau in with_site or len(all_bureaux) == 1:
            continue
        own = table[(table["bureau"] == bureau) & table["located"]]
        for status in _FALLBACK_ORDER:
            candidates = own[own["status"] == status]
            if candidates.empty:
                continue
            xy = _pull_inside(candidates[["x", "y"]].to_numpy(), boundary)
            for x, y in xy:
                # A location won by another bureau is shifted by 1 m towards the inside of
                # the boundary, so that both bureaux keep a site.
                while grid_key(x, y) in taken:
                    x, y = _step_towards(x, y, inner, 1.0)
                taken.add(grid_key(x, y))
                added.append({"x": x, "y": y, "bureau": bureau, "voters": 0, "points": 1})
            table.loc[candidates.index, "status"] = FALLBACK
            report.bureaux_fallback.append(bureau)
            report.warnings.append(f"bureau {bureau}: no usable point, outline built from {status} points")
            break
    if added:
        sites = pd.concat([sites, pd.DataFrame(added)], ignore_index=True)
    return table, sites


def _partition(
    table: pd.DataFrame,
    sites: pd.DataFrame,
    all_bureaux: list[str],
    boundary: BaseGeometry,
    params: BuildParams,
    report: BuildReport,
    commune: str,
) -> dict[str, MultiPolygon]:
    """Split the boundary between the bureaux that have sites."""
    if len(all_bureaux) == 1:
        return {all_bureaux[0]: polygonal(boundary)}
    if sites.empty:
        raise NoUsablePointsError(commune, len(all_bureaux))
    if sites["bureau"].nunique() == 1:
        return {str(sites["bureau"].iloc[0]): polygonal(boundary)}

    extra = pd.DataFrame({"x": [], "y": [], "bureau": []})
    if params.street_sides:
        extra = street_side_sites(table[table["status"] == USED], sites, params)

    for attempt in range(_RESCUE_ATTEMPTS):
        snapped = snap_sites(pd.concat([sites[["x", "y", "bureau"]], extra], ignore_index=True), params.snap_m)
        report.sites = len(sites)
        report.street_sites = len(snapped) - len(sites)
        if params.method == "concave":
            outlines = concave_partition(snapped, boundary, params)
        else:
            outlines = voronoi_partition(snapped, boundary)

        lost = [b for b in sites["bureau"].unique() if outlines.get(b, EMPTY).is_empty]
        if not lost or attempt == _RESCUE_ATTEMPTS - 1:
            return outlines
        # A bureau whose sites all lie outside the boundary can end with no land:
        # its sites are moved inside the boundary, deeper at each attempt, and the
        # partition is redone.
        moved = sites["bureau"].isin(lost).to_numpy()
        sites = sites.copy()
        sites.loc[moved, ["x", "y"]] = _pull_inside(sites.loc[moved, ["x", "y"]].to_numpy(), boundary, 0.5 * 4**attempt)
        sites = _separate_sites(sites, boundary, params.snap_m)
        report.bureaux_fallback.extend(b for b in lost if b not in report.bureaux_fallback)
        report.warnings.append(f"bureaux {', '.join(lost)}: points outside the boundary moved inside it")
    return outlines


def _assemble(
    table: pd.DataFrame,
    outlines: dict[str, MultiPolygon],
    all_bureaux: list[str],
    boundary: BaseGeometry,
    epsg: int,
    report: BuildReport,
    index: pd.Index,
) -> CommuneBuild:
    """Fill in the report and the per-bureau table of outlines."""
    status = table["status"].to_numpy()
    used = (status == USED) | (status == FALLBACK)
    report.points_input = len(table)
    report.voters_input = int(table["voters"].sum())
    report.points_used = int(used.sum())
    report.voters_used = int(table.loc[used, "voters"].sum())
    report.no_location = int((status == NO_LOCATION).sum())
    report.imprecise_geocode = int((status == IMPRECISE).sum())
    report.too_far_outside = int((status == TOO_FAR).sum())
    report.outside_boundary = int((used & table["outside"].to_numpy()).sum())
    report.conflict_points = int((status == CONFLICT).sum())
    report.outliers = int((status == OUTLIER).sum())
    report.bureaux_without_outline = [b for b in all_bureaux if outlines.get(b, EMPTY).is_empty]
    for bureau in report.bureaux_without_outline:
        logger.warning("commune %s: bureau %s has no outline", report.commune, bureau)

    rows = []
    inside_voters = 0
    for bureau in all_bureaux:
        geometry = outlines.get(bureau, EMPTY)
        if geometry.is_empty:
            continue
        own = table[table["bureau"] == bureau]
        own_used = own[((own["status"] == USED) | (own["status"] == FALLBACK)).to_numpy()]
        inside = shapely.contains_xy(geometry, own_used["x"].to_numpy(), own_used["y"].to_numpy()) if len(own_used) else np.array([], bool)
        voters_inside = int(own_used["voters"].to_numpy()[inside].sum()) if len(own_used) else 0
        inside_voters += voters_inside
        used_voters = int(own_used["voters"].sum())
        rows.append(
            {
                "bureau": bureau,
                "geometry": geometry,
                "area_m2": float(geometry.area),
                "addresses": len(own),
                "voters": int(own["voters"].sum()),
                "points_used": len(own_used),
                "voters_in_outline": voters_inside / used_voters if used_voters else float("nan"),
                "parts": len(geometry.geoms),
                "fallback": bureau in report.bureaux_fallback,
            }
        )
    report.voters_in_own_outline = inside_voters / report.voters_used if report.voters_used else float("nan")

    columns = ["bureau", "geometry", "area_m2", "addresses", "voters", "points_used", "voters_in_outline", "parts", "fallback"]
    local = gpd.GeoDataFrame(pd.DataFrame(rows, columns=columns), geometry="geometry", crs=epsg)
    wgs84 = local.copy()
    geographic = transform_geometry(local.geometry.to_numpy(), epsg, WGS84)
    invalid = ~shapely.is_valid(geographic)
    if invalid.any():
        # Reprojection can fold a sliver thinner than the coordinate precision.
        report.warnings.append(f"{int(invalid.sum())} outlines repaired after reprojection to EPSG:4326")
        geographic[invalid] = [polygonal(shapely.make_valid(g)) for g in geographic[invalid]]
    wgs84 = gpd.GeoDataFrame(wgs84.drop(columns="geometry"), geometry=gpd.GeoSeries(geographic, crs=WGS84), crs=WGS84)
    wgs84 = wgs84[columns]
    return CommuneBuild(outlines=wgs84, outlines_local=local, report=report, point_status=pd.Series(status, index=index, name="status"))
