from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.errors import GEOSException

from geometry import overlay
from geometry.checks import check_partition
from geometry.partition import voronoi_cells, voronoi_partition
from tests.geometry.helpers import COCIRCULAR, COCIRCULAR_BOUNDARY

SQUARES = np.array([shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)])


@pytest.fixture
def raw_cells(monkeypatch) -> np.ndarray:
    """Cells of COCIRCULAR as voronoi_cells computes them, without the repair."""
    with monkeypatch.context() as patch:
        patch.setattr(overlay, "repair", lambda geometry: geometry)
        return voronoi_cells(COCIRCULAR, COCIRCULAR_BOUNDARY)


def failing(operation, failures: int):
    """Wrap a shapely operation so that its first ``failures`` calls raise a GEOSException."""
    calls = []

    def wrapped(*args, **kwargs):
        calls.append(kwargs)
        if len(calls) <= failures:
            raise GEOSException("TopologyException: simulated")
        return operation(*args, **kwargs)

    return wrapped, calls


def test_cocircular_cell_invalid_in_geos(raw_cells) -> None:
    # If this fails, the installed GEOS no longer returns an invalid cell for these
    # sites, and the tests below no longer exercise the repair: find a new trigger.
    assert not shapely.is_valid(raw_cells[1]), f"GEOS {shapely.geos_version_string} returned a valid cell"
    with pytest.raises(GEOSException):
        shapely.union_all(raw_cells[[0, 1]])


def test_voronoi_cells_repaired(raw_cells) -> None:
    cells = voronoi_cells(COCIRCULAR, COCIRCULAR_BOUNDARY)
    assert shapely.is_valid(cells).all()
    assert shapely.area(cells[1]) == pytest.approx(shapely.area(raw_cells[1]), abs=1e-6)


@pytest.mark.parametrize("labels", ["aabbb", "aaaab", "abbbb", "ababa", "abaab"])
def test_voronoi_partition_cocircular(labels: str) -> None:
    sites = pd.DataFrame({"x": COCIRCULAR[:, 0], "y": COCIRCULAR[:, 1], "bureau": list(labels)})
    outlines = voronoi_partition(sites, COCIRCULAR_BOUNDARY)
    assert sorted(outlines) == ["a", "b"]
    check_partition(outlines, COCIRCULAR_BOUNDARY, "94028", 0.1)


def test_union_all_plain_call() -> None:
    merged = overlay.union_all(SQUARES)
    assert merged.equals(shapely.box(0, 0, 2, 1))


def test_union_all_retries_repaired(monkeypatch) -> None:
    wrapped, calls = failing(shapely.union_all, 1)
    monkeypatch.setattr(shapely, "union_all", wrapped)
    bowtie = shapely.Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])
    merged = overlay.union_all(np.array([bowtie, shapely.box(1, 0, 2, 1)]))
    assert len(calls) == 2
    assert calls[1] == {}
    assert merged.is_valid
    assert merged.area == pytest.approx(1.5)


def test_union_all_retries_on_grid(monkeypatch) -> None:
    wrapped, calls = failing(shapely.union_all, 2)
    monkeypatch.setattr(shapely, "union_all", wrapped)
    merged = overlay.union_all(SQUARES)
    assert len(calls) == 3
    assert calls[2] == {"grid_size": overlay.GRID_SIZE_M}
    assert merged.area == pytest.approx(2.0)


def test_union_all_raises_after_fallbacks(monkeypatch) -> None:
    wrapped, calls = failing(shapely.union_all, 3)
    monkeypatch.setattr(shapely, "union_all", wrapped)
    with pytest.raises(GEOSException, match="simulated"):
        overlay.union_all(SQUARES)
    assert len(calls) == 3


def test_coverage_union_falls_back(monkeypatch) -> None:
    wrapped, calls = failing(shapely.coverage_union_all, 1)
    monkeypatch.setattr(shapely, "coverage_union_all", wrapped)
    merged = overlay.coverage_union_all(SQUARES)
    assert len(calls) == 1
    assert merged.equals(shapely.box(0, 0, 2, 1))


def test_coverage_union_invalid_result_replaced(monkeypatch) -> None:
    bowtie = shapely.Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])
    monkeypatch.setattr(shapely, "coverage_union_all", lambda geometries: bowtie)
    merged = overlay.coverage_union_all(SQUARES)
    assert merged.equals(shapely.box(0, 0, 2, 1))


@pytest.mark.parametrize(
    ("function", "name", "area"),
    [
        (overlay.union, "union", 2.0),
        (overlay.intersection, "intersection", 0.0),
        (overlay.difference, "difference", 1.0),
        (overlay.symmetric_difference, "symmetric_difference", 2.0),
    ],
)
def test_binary_operation_retries(monkeypatch, function, name: str, area: float) -> None:
    wrapped, calls = failing(getattr(shapely, name), 2)
    monkeypatch.setattr(shapely, name, wrapped)
    result = function(SQUARES[0], SQUARES[1])
    assert len(calls) == 3
    assert shapely.area(result) == pytest.approx(area)


def test_repair_keeps_valid_unchanged() -> None:
    repaired = overlay.repair(SQUARES)
    assert repaired[0] is SQUARES[0]
    assert repaired[1] is SQUARES[1]


def test_repair_keeps_polygonal() -> None:
    bowtie = shapely.Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])
    repaired = overlay.repair(bowtie)
    assert repaired.is_valid
    assert repaired.geom_type == "MultiPolygon"
