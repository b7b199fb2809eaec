"""Check, project and clean the labelled points of one commune before the partition."""

from __future__ import annotations

import logging

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from geometry.crs import WGS84, transform_coords
from geometry.errors import InvalidInputError
from geometry.params import BuildParams

logger = logging.getLogger(__name__)

# Status of each input point after cleaning; only "used" points become sites.
USED = "used"
NO_LOCATION = "no_location"
IMPRECISE = "imprecise_geocode"
TOO_FAR = "too_far_outside"
CONFLICT = "conflict"
OUTLIER = "outlier"


def prepare_points(points: gpd.GeoDataFrame, commune: str, epsg: int) -> pd.DataFrame:
    """Check the input points and return a plain table with coordinates in EPSG ``epsg``.

    The table has the columns bureau, voters, geo_type, geo_score, street, numero,
    x, y (NaN when the point has no location) and located.

    Raises
    ------
    InvalidInputError
        If ``points`` is not a GeoDataFrame of points, lacks the bureau or voters
        column, or has a missing bureau or a negative or missing voter count.
    """
    if not isinstance(points, gpd.GeoDataFrame):
        raise InvalidInputError(
            commune,
            f"points must be a GeoDataFrame, got {type(points).__name__}",
            f"les points doivent être un GeoDataFrame, reçu {type(points).__name__}",
        )
    missing = [name for name in ("bureau", "voters") if name not in points.columns]
    if missing:
        raise InvalidInputError(
            commune,
            f"missing column(s) {', '.join(missing)} in the points; expected bureau, voters, geo_type, geo_score",
            f"colonne(s) {', '.join(missing)} absente(s) des points ; attendu bureau, voters, geo_type, geo_score",
        )
    if points.crs is not None and points.crs.to_epsg() != WGS84:
        logger.info("commune %s: points reprojected from %s to EPSG:4326", commune, points.crs)
        points = points.to_crs(WGS84)

    geoms = points.geometry.array
    empty = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    kinds = shapely.get_type_id(geoms)
    bad_kind = ~empty & (kinds != shapely.GeometryType.POINT)
    if bad_kind.any():
        first = int(np.flatnonzero(bad_kind)[0])
        raise InvalidInputError(
            commune,
            f"point {points.index[first]!r} is a {shapely.get_type_id(geoms[first])} geometry, not a Point",
            f"le point {points.index[first]!r} n'est pas une géométrie Point",
        )

    bureau = points["bureau"]
    if bureau.isna().any():
        first = bureau.index[bureau.isna()][0]
        raise InvalidInputError(
            commune,
            f"point {first!r} has no bureau; give every point its bureau id",
            f"le point {first!r} n'a pas de bureau ; donnez son bureau à chaque point",
        )
    voters = pd.to_numeric(points["voters"], errors="coerce")
    if voters.isna().any() or (voters < 0).any():
        first = voters.index[voters.isna() | (voters < 0)][0]
        raise InvalidInputError(
            commune,
            f"point {first!r} has an invalid voter count {points['voters'].loc[first]!r}; expected an integer >= 0",
            f"le point {first!r} a un nombre d'électeurs invalide {points['voters'].loc[first]!r} ; "
            "entier >= 0 attendu",
        )

    lon = np.full(len(points), np.nan)
    lat = np.full(len(points), np.nan)
    lon[~empty] = shapely.get_x(geoms[~empty])
    lat[~empty] = shapely.get_y(geoms[~empty])
    located = ~empty & np.isfinite(lon) & np.isfinite(lat)
    x = np.full(len(points), np.nan)
    y = np.full(len(points), np.nan)
    if located.any():
        x[located], y[located] = transform_coords(lon[located], lat[located], WGS84, epsg)
    located &= np.isfinite(x) & np.isfinite(y)

    table = pd.DataFrame(
        {
            "bureau": bureau.astype(str).to_numpy(),
            "voters": voters.to_numpy(dtype=np.int64),
            "geo_type": _optional_column(points, "geo_type", object),
            "geo_score": pd.to_numeric(_optional_column(points, "geo_score", float), errors="coerce"),
            "street": _optional_column(points, "street", object),
            "numero": pd.to_numeric(_optional_column(points, "numero", float), errors="coerce"),
            "x": x,
            "y": y,
            "located": located,
        }
    )
    return table


def _optional_column(points: pd.DataFrame, name: str, dtype: type) -> np.ndarray:
    if name in points.columns:
        return points[name].to_numpy()
    return np.full(len(points), None if dtype is object else np.nan, dtype=dtype)


def classify_points(table: pd.DataFrame, boundary: BaseGeometry, params: BuildParams) -> pd.DataFrame:
    """Set each point's status to used, no_location, imprecise_geocode or too_far_outside.

    Also adds ``outside`` (True for points outside the boundary, in the working CRS).
    """
    status = np.full(len(table), USED, dtype=object)
    status[~table["located"].to_numpy()] = NO_LOCATION

    if params.usable_types:
        kind = table["geo_type"]
        precise = kind.isna().to_numpy() | kind.isin(params.usable_types).to_numpy()
        status[(status == USED) & ~precise] = IMPRECISE
    score = table["geo_score"].to_numpy(dtype=float)
    low = np.isfinite(score) & (score < params.min_score)
    status[(status == USED) & low] = IMPRECISE

    outside = np.zeros(len(table), dtype=bool)
    located = table["located"].to_numpy()
    if located.any():
        shapely.prepare(boundary)
        x = table["x"].to_numpy()[located]
        y = table["y"].to_numpy()[located]
        inside = shapely.intersects_xy(boundary, x, y)
        outside[np.flatnonzero(located)[~inside]] = True
        if np.isfinite(params.boundary_tolerance_m):
            far_index = np.flatnonzero(outside)
            distance = shapely.distance(boundary, shapely.points(table["x"].to_numpy()[far_index], table["y"].to_numpy()[far_index]))
            too_far = far_index[distance > params.boundary_tolerance_m]
            status[too_far[status[too_far] == USED]] = TOO_FAR

    table = table.assign(status=status, outside=outside)
    return table


def resolve_conflicts(table: pd.DataFrame, params: BuildParams) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """Merge used points into sites, one bureau per location, and count the shared locations.

    Coordinates are rounded to ``params.snap_m``. Where several bureaux share a
    location, the bureau with the most voters there wins, then the one with the
    higher geocoding score, then the lower bureau id. The other bureaux' points
    there get the status "conflict".

    Returns the updated table, the sites (x, y, bureau, voters, points) and the
    number of locations shared by several bureaux.
    """
    used = table.index[table["status"] == USED]
    snap = params.snap_m
    keys = pd.DataFrame(
        {
            "gx": np.round(table.loc[used, "x"].to_numpy() / snap).astype(np.int64),
            "gy": np.round(table.loc[used, "y"].to_numpy() / snap).astype(np.int64),
            "bureau": table.loc[used, "bureau"].to_numpy(),
            "voters": table.loc[used, "voters"].to_numpy(),
            "score": table.loc[used, "geo_score"].fillna(-1.0).to_numpy(dtype=float),
        },
        index=used,
    )
    per_bureau = keys.groupby(["gx", "gy", "bureau"], sort=False).agg(
        voters=("voters", "sum"), score=("score", "max"), points=("voters", "size")
    )
    per_bureau = per_bureau.reset_index().sort_values(
        ["gx", "gy", "voters", "score", "bureau"], ascending=[True, True, False, False, True]
    )
    bureaux_here = per_bureau.groupby(["gx", "gy"], sort=False)["bureau"].transform("size")
    conflicts = int(per_bureau.loc[bureaux_here > 1, ["gx", "gy"]].drop_duplicates().shape[0])
    sites = per_bureau.drop_duplicates(["gx", "gy"], keep="first")

    winners = pd.MultiIndex.from_frame(sites[["gx", "gy", "bureau"]])
    record_keys = pd.MultiIndex.from_frame(keys[["gx", "gy", "bureau"]])
    lost = ~record_keys.isin(winners)
    table = table.copy()
    table.loc[used[lost], "status"] = CONFLICT
    table["site"] = -1
    site_number = pd.Series(np.arange(len(sites)), index=winners)
    table.loc[used[~lost], "site"] = site_number.reindex(record_keys[~lost]).to_numpy()

    sites = pd.DataFrame(
        {
            "x": sites["gx"].to_numpy() * snap,
            "y": sites["gy"].to_numpy() * snap,
            "bureau": sites["bureau"].to_numpy(),
            "voters": sites["voters"].to_numpy(),
            "points": sites["points"].to_numpy(),
        }
    )
    if conflicts:
        logger.debug("%d locations shared by several bureaux", conflicts)
    return table, sites, conflicts


def geometric_median(xy: np.ndarray, iterations: int = 100, tolerance: float = 1e-3) -> np.ndarray:
    """Return the point that minimises the sum of distances to ``xy`` (Weiszfeld's algorithm)."""
    median = xy.mean(axis=0)
    for _ in range(iterations):
        distance = np.hypot(*(xy - median).T)
        distance = np.maximum(distance, 1e-9)
        weight = 1.0 / distance
        step = (xy * weight[:, None]).sum(axis=0) / weight.sum()
        if np.hypot(*(step - median)) < tolerance:
            return step
        median = step
    return median


def find_outliers(sites: pd.DataFrame, params: BuildParams) -> np.ndarray:
    """Return a mask of the sites far from the rest of their bureau.

    A site is an outlier when its distance to the geometric median of its bureau's
    sites exceeds both ``outlier_factor`` times the bureau's median distance and
    ``outlier_min_distance_m``. A bureau never loses all its sites this way.
    """
    mask = np.zeros(len(sites), dtype=bool)
    xy = sites[["x", "y"]].to_numpy()
    for _, index in sites.groupby("bureau", sort=False).indices.items():
        if len(index) < params.outlier_min_points:
            continue
        own = xy[index]
        centre = geometric_median(own)
        distance = np.hypot(*(own - centre).T)
        limit = max(params.outlier_factor * float(np.median(distance)), params.outlier_min_distance_m)
        far = distance > limit
        if far.all():
            continue
        mask[index[far]] = True
    return mask
