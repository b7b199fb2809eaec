"""Measure outline quality: held-out accuracy by k-fold cross-validation, and agreement with official outlines."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from geometry.boundary import project_boundary
from geometry.build import build_commune
from geometry.crs import working_crs
from geometry.errors import GeometryError, InvalidInputError
from geometry.params import BuildParams
from geometry.points import USED, classify_points, prepare_points

logger = logging.getLogger(__name__)


@dataclass
class CrossValidation:
    """Voter-weighted held-out accuracy of one commune, for a method and for plain Voronoi."""

    commune: str
    folds: int
    voters_evaluated: int = 0
    voters_correct: int = 0
    baseline_correct: int = 0
    points_evaluated: int = 0
    folds_failed: int = 0
    """Folds left out of every figure because a build from their training points raised a GeometryError."""

    @property
    def accuracy(self) -> float:
        """Share of held-out voters that fall in their own bureau's outline."""
        return self.voters_correct / self.voters_evaluated if self.voters_evaluated else float("nan")

    @property
    def baseline_accuracy(self) -> float:
        """The same share for the plain Voronoi partition."""
        return self.baseline_correct / self.voters_evaluated if self.voters_evaluated else float("nan")


def predict_bureau(outlines_local: gpd.GeoDataFrame, xy: np.ndarray) -> np.ndarray:
    """Return the bureau of the outline containing each point, or of the nearest outline."""
    geoms = outlines_local.geometry.to_numpy()
    tree = shapely.STRtree(geoms)
    point_index, outline_index = tree.query_nearest(shapely.points(xy), all_matches=False)
    bureau = np.empty(len(xy), dtype=object)
    bureau[point_index] = outlines_local["bureau"].to_numpy()[outline_index]
    return bureau


def evaluation_mask(points: gpd.GeoDataFrame, boundary: BaseGeometry | None, commune: str) -> np.ndarray:
    """Return the points that count as held-out checks: usable under the default build settings.

    The same mask serves every method compared, so that their figures are on the same points.
    """
    params = BuildParams()
    epsg = working_crs(commune)
    table = prepare_points(points, commune, epsg)
    if boundary is None:
        return table["located"].to_numpy()
    table = classify_points(table, project_boundary(boundary, commune, epsg), params)
    return (table["status"] == USED).to_numpy()


def cross_validate(
    points: gpd.GeoDataFrame,
    boundary: BaseGeometry | None,
    commune: str,
    bureaux: Sequence[str] | None = None,
    params: BuildParams | None = None,
    folds: int = 5,
    seed: int = 0,
    baseline: bool = True,
) -> CrossValidation:
    """Cross-validate a build of one commune, and plain Voronoi in the same folds.

    The points are split at random (``seed``) into ``folds`` folds. For each fold
    the outlines are built from the other folds. Each held-out point that is
    usable under the default settings counts its voters as correct when it falls
    in its own bureau's outline. A point outside every outline counts for the
    nearest one. A fold whose build, or baseline build, raises a GeometryError
    is counted in ``folds_failed`` and left out of both figures.
    """
    if folds < 2:
        raise InvalidInputError(commune, f"folds must be at least 2, got {folds}", f"folds doit valoir au moins 2, reçu {folds}")
    params = params or BuildParams()
    result = CrossValidation(commune=commune, folds=folds)
    if len(points) < folds:
        logger.info("commune %s: %d points, fewer than %d folds: not evaluated", commune, len(points), folds)
        return result

    epsg = working_crs(commune)
    checked = evaluation_mask(points, boundary, commune)
    table = prepare_points(points, commune, epsg)
    fold_of = np.random.default_rng(seed).permutation(len(points)) % folds

    for fold in range(folds):
        train = points.iloc[np.flatnonzero(fold_of != fold)]
        test = np.flatnonzero((fold_of == fold) & checked)
        if len(test) == 0:
            continue
        try:
            built = build_commune(train, boundary, commune, bureaux, params)
            plain = build_commune(train, boundary, commune, bureaux, BuildParams.plain_voronoi()) if baseline else None
        except GeometryError as error:
            logger.info("commune %s: fold %d of %d skipped, its build failed: %s", commune, fold + 1, folds, error)
            result.folds_failed += 1
            continue

        xy = table[["x", "y"]].to_numpy()[test]
        truth = table["bureau"].to_numpy()[test]
        voters = table["voters"].to_numpy()[test]
        result.voters_evaluated += int(voters.sum())
        result.points_evaluated += len(test)
        result.voters_correct += int(voters[predict_bureau(built.outlines_local, xy) == truth].sum())
        if plain is not None:
            result.baseline_correct += int(voters[predict_bureau(plain.outlines_local, xy) == truth].sum())
    return result


def overall_accuracy(results: Iterable[CrossValidation]) -> tuple[float, float]:
    """Return the voter-weighted accuracy of the method and of plain Voronoi over several communes."""
    results = list(results)
    evaluated = sum(r.voters_evaluated for r in results)
    if not evaluated:
        return float("nan"), float("nan")
    return sum(r.voters_correct for r in results) / evaluated, sum(r.baseline_correct for r in results) / evaluated


@dataclass
class ReferenceComparison:
    """Agreement of built outlines with official ones."""

    per_bureau: pd.DataFrame = field(repr=False)
    """One row per bureau of either side: bureau, iou, area_built_m2, area_reference_m2."""
    wrong_area_share: float
    """Share of the official outlines' area, within the built outlines, that the build gives to another bureau."""
    mean_iou: float
    median_iou: float


def compare_with_reference(outlines: gpd.GeoDataFrame, reference: gpd.GeoDataFrame, commune: str) -> ReferenceComparison:
    """Compare built outlines with official outlines of the same bureaux, in the commune's working CRS.

    Both tables need the columns bureau and geometry and a CRS. A bureau present on
    one side only has an IoU of 0.
    """
    for name, frame in (("outlines", outlines), ("reference", reference)):
        if "bureau" not in frame.columns or frame.crs is None:
            raise InvalidInputError(
                commune,
                f"{name} needs a bureau column and a CRS",
                f"{name} doit avoir une colonne bureau et un CRS",
            )
    epsg = working_crs(commune)
    built = outlines.to_crs(epsg).dissolve("bureau").geometry
    official = reference.to_crs(epsg).dissolve("bureau").geometry
    official = official.apply(shapely.make_valid)

    rows = []
    for bureau in sorted(set(built.index) | set(official.index)):
        a = built.get(bureau)
        b = official.get(bureau)
        area_a = a.area if a is not None else 0.0
        area_b = b.area if b is not None else 0.0
        common = shapely.intersection(a, b).area if a is not None and b is not None else 0.0
        union = area_a + area_b - common
        rows.append({"bureau": bureau, "iou": common / union if union else 0.0, "common_m2": common, "area_built_m2": area_a, "area_reference_m2": area_b})
    per_bureau = pd.DataFrame(rows)

    # Official outlines may overlap a little and need not match the commune boundary
    # used for the build, so the share is taken over each official outline's part
    # inside the built outlines.
    built_union = shapely.union_all(built.to_numpy())
    covered = float(shapely.area(shapely.intersection(official.to_numpy(), built_union)).sum())
    wrong = 1.0 - per_bureau["common_m2"].sum() / covered if covered else float("nan")
    return ReferenceComparison(
        per_bureau=per_bureau,
        wrong_area_share=float(wrong),
        mean_iou=float(per_bureau["iou"].mean()),
        median_iou=float(per_bureau["iou"].median()),
    )
