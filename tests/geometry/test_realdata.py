"""Builds and evaluations on the shared Val-de-Marne, Finistère and Montpellier sets."""

from __future__ import annotations

import logging

import numpy as np
import pytest
import shapely

from geometry.build import build_commune
from geometry.crs import WGS84, transform_geometry
from geometry.evaluate import compare_with_reference, cross_validate, overall_accuracy
from tests.geometry.datasets import load_finistere, load_montpellier, load_valdemarne
from tests.geometry.helpers import make_points, partition_defects, random_points_in

pytestmark = pytest.mark.realdata

# Small Val-de-Marne communes cross-validated in the test suite; the full run is
# benchmarks/build_accuracy.py.
VALDEMARNE_SAMPLE = ("94001", "94047", "94053", "94056", "94070", "94074")


@pytest.fixture(scope="session")
def communes(shared_data):
    return {
        **load_valdemarne(shared_data / "val-de-marne"),
        **load_finistere(shared_data / "finistere-reu"),
    }


@pytest.fixture(scope="session")
def builds(communes):
    return {code: build_commune(c.points, c.boundary, code, c.bureaux) for code, c in communes.items()}


def test_all_communes_loaded(communes) -> None:
    assert len(communes) == 31 + 3


def test_every_commune_partitioned(communes, builds) -> None:
    for code, built in builds.items():
        boundary = transform_geometry(communes[code].boundary, WGS84, built.report.crs)
        overlap, difference = partition_defects(built.outlines_local, boundary)
        assert overlap < 0.1, code
        assert difference < 0.1, code
        assert built.outlines.geometry.is_valid.all(), code


def test_every_located_bureau_has_outline(communes, builds) -> None:
    for code, built in builds.items():
        points = communes[code].points
        located = set(points.loc[~points.geometry.is_empty & points.geometry.x.notna(), "bureau"])
        assert set(built.outlines["bureau"]) == located, code
        # A bureau none of whose addresses was geocoded is reported, not dropped.
        assert set(built.report.bureaux_without_outline) == set(communes[code].bureaux) - located, code


def test_points_outside_boundary_counted(builds) -> None:
    outside = sum(b.report.outside_boundary for code, b in builds.items() if code.startswith("94"))
    assert outside > 0


def test_cocircular_fold_creteil_builds(communes, caplog) -> None:
    # With seed 3, the training points of the fourth fold of Créteil hold four
    # cocircular sites. GEOS returns a self-intersecting Voronoi cell for them, and
    # the union of that bureau's cells raised a TopologyException before the repair.
    commune = communes["94028"]
    fold_of = np.random.default_rng(3).permutation(len(commune.points)) % 5
    train = commune.points.iloc[np.flatnonzero(fold_of != 3)]
    with caplog.at_level(logging.INFO, logger="geometry.partition"):
        built = build_commune(train, commune.boundary, "94028", commune.bureaux)

    boundary = transform_geometry(commune.boundary, WGS84, built.report.crs)
    overlap, difference = partition_defects(built.outlines_local, boundary)
    assert "invalid Voronoi cells" in caplog.text
    assert overlap < 0.1
    assert difference < 0.1
    assert built.outlines.geometry.is_valid.all()


def test_crossval_creteil_no_failed_fold(communes) -> None:
    commune = communes["94028"]
    result = cross_validate(commune.points, commune.boundary, "94028", commune.bureaux, seed=3, baseline=False)
    assert result.folds_failed == 0
    assert result.accuracy > 0.9


def test_single_bureau_commune_whole(communes, builds) -> None:
    built = builds["29116"]
    boundary = transform_geometry(communes["29116"].boundary, WGS84, 2154)
    assert len(built.outlines) == 1
    assert built.outlines_local.geometry.iloc[0].symmetric_difference(boundary).area < 0.1


def test_crossval_beats_plain_valdemarne(communes) -> None:
    results = [cross_validate(communes[c].points, communes[c].boundary, c, communes[c].bureaux) for c in VALDEMARNE_SAMPLE]
    accuracy, plain = overall_accuracy(results)
    assert accuracy > plain
    assert all(r.voters_evaluated > 0 for r in results)


def test_crossval_no_worse_finistere(communes) -> None:
    results = [cross_validate(c.points, c.boundary, code, c.bureaux) for code, c in communes.items() if code.startswith("29")]
    accuracy, plain = overall_accuracy(results)
    assert accuracy >= plain
    assert accuracy > 0.9


@pytest.fixture(scope="module")
def montpellier(shared_data):
    return load_montpellier(shared_data / "montpellier")


def sampled_build(official, commune, per_bureau: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    samples = [random_points_in(shapely.make_valid(g), per_bureau, rng) for g in official.geometry]
    xy = np.vstack(samples)
    labels = np.repeat(official["bureau"].to_numpy(), per_bureau)
    return build_commune(make_points(xy[:, 0], xy[:, 1], labels), commune, "34172")


def test_reference_self_comparison(montpellier) -> None:
    official, _ = montpellier
    comparison = compare_with_reference(official, official, "34172")
    assert comparison.wrong_area_share == pytest.approx(0.0, abs=1e-9)
    assert comparison.mean_iou == pytest.approx(1.0)
    assert len(comparison.per_bureau) == 131


def test_reference_shifted_labels_wrong(montpellier) -> None:
    official, _ = montpellier
    shuffled = official.assign(bureau=np.roll(official["bureau"].to_numpy(), 1))
    comparison = compare_with_reference(shuffled, official, "34172")
    assert comparison.wrong_area_share > 0.9
    assert comparison.mean_iou < 0.1


def test_reference_more_points_closer(montpellier) -> None:
    official, commune = montpellier
    sparse = compare_with_reference(sampled_build(official, commune, 5).outlines, official, "34172")
    dense = compare_with_reference(sampled_build(official, commune, 20).outlines, official, "34172")
    assert dense.wrong_area_share < sparse.wrong_area_share
    assert dense.mean_iou > sparse.mean_iou
    assert dense.wrong_area_share < 0.25
    assert len(dense.per_bureau) == 131


def test_reference_missing_bureau_zero_iou(montpellier) -> None:
    official, _ = montpellier
    comparison = compare_with_reference(official.iloc[1:], official, "34172")
    missing = comparison.per_bureau.set_index("bureau").loc[official["bureau"].iloc[0], "iou"]
    assert missing == 0.0
    assert comparison.mean_iou < 1.0
