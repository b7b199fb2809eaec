from __future__ import annotations

import logging

import numpy as np
import pytest
import shapely

import geometry.evaluate
from geometry.build import build_commune
from geometry.crs import WGS84, transform_geometry
from geometry.errors import PartitionError
from geometry.evaluate import cross_validate
from tests.geometry.helpers import local_box, make_points

# A 2 km square in Choisy-le-Roi (94022), in EPSG:4326.
BOX, CENTER = local_box(2154, 2.41, 48.765, 1000.0)


def band_points(count: int = 200, seed: int = 0):
    """Return random points in BOX, labelled by three vertical bands."""
    rng = np.random.default_rng(seed)
    x = CENTER.x + rng.uniform(-990, 990, count)
    y = CENTER.y + rng.uniform(-990, 990, count)
    band = np.minimum(((x - CENTER.x + 1000.0) / 2000.0 * 3).astype(int), 2)
    lonlat = transform_geometry(shapely.points(np.column_stack([x, y])), 2154, WGS84)
    return make_points(shapely.get_x(lonlat), shapely.get_y(lonlat), [f"94022_{b + 1:04d}" for b in band])


def test_crossval_all_folds_counted() -> None:
    result = cross_validate(band_points(), BOX, "94022", folds=5)
    assert result.folds_failed == 0
    assert result.points_evaluated == 200
    assert result.accuracy > 0.9


@pytest.mark.parametrize("failing_call", [1, 2])
def test_crossval_failed_fold_skipped(monkeypatch, caplog, failing_call: int) -> None:
    # Calls 1 and 2 are the method and baseline builds of the first fold.
    calls = []

    def build_or_fail(*args, **kwargs):
        calls.append(args)
        if len(calls) == failing_call:
            raise PartitionError("94022", "simulated failure", "échec simulé")
        return build_commune(*args, **kwargs)

    monkeypatch.setattr(geometry.evaluate, "build_commune", build_or_fail)
    points = band_points()
    fold_of = np.random.default_rng(0).permutation(len(points)) % 5
    with caplog.at_level(logging.INFO, logger="geometry.evaluate"):
        result = cross_validate(points, BOX, "94022", folds=5)

    assert result.folds_failed == 1
    assert result.points_evaluated == int((fold_of != 0).sum())
    assert result.voters_evaluated == int((fold_of != 0).sum())
    assert result.accuracy > 0.9
    assert result.baseline_accuracy > 0.9
    assert "commune 94022: fold 1 of 5 skipped" in caplog.text
