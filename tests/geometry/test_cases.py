"""Awkward point sets from the shared cases file (c14 to c16)."""

from __future__ import annotations

import pandas as pd
import pytest
import shapely

from geometry.build import build_commune
from geometry.crs import WGS84, transform_geometry
from tests.geometry.helpers import make_points, partition_defects

pytestmark = pytest.mark.realdata


@pytest.fixture(scope="module")
def cases(shared_cases) -> dict[str, pd.DataFrame]:
    table = pd.read_csv(shared_cases / "geometry-points.csv", dtype={"code_commune": str, "id_bv": str})
    return {name: group.reset_index(drop=True) for name, group in table.groupby("case")}


def points_of(case: pd.DataFrame):
    return make_points(case["longitude"], case["latitude"], case["id_bv"], voters=case["nb_electeurs"], geo_score=case["geo_score"])


def box_around(case: pd.DataFrame, margin: float = 0.005):
    return shapely.box(
        case["longitude"].min() - margin, case["latitude"].min() - margin, case["longitude"].max() + margin, case["latitude"].max() + margin
    )


def test_c14_most_voters_wins(cases) -> None:
    case = cases["c14"]
    built = build_commune(points_of(case), box_around(case), "94028")
    shared = shapely.Point(2.4550, 48.7900)
    owner = built.outlines[built.outlines.contains(shared)]["bureau"].tolist()
    assert owner == ["94028_0002"]
    assert built.report.conflicts == 1
    assert built.point_status.iloc[0] == "conflict"
    assert built.point_status.iloc[1] == "used"


@pytest.mark.parametrize("boundary", ["box", "derived"])
def test_c15_nearly_equal_points(cases, boundary: str) -> None:
    case = cases["c15"]
    built = build_commune(points_of(case), box_around(case) if boundary == "box" else None, "94028")
    assert sorted(built.outlines["bureau"]) == ["94028_0001", "94028_0002"]
    assert (built.outlines_local.geometry.area > 0).all()
    assert built.report.bureaux_without_outline == []


@pytest.mark.parametrize("boundary", ["box", "derived"])
def test_c16_two_points_split(cases, boundary: str) -> None:
    case = cases["c16"]
    outline = box_around(case) if boundary == "box" else None
    built = build_commune(points_of(case), outline, "94028")
    assert sorted(built.outlines["bureau"]) == ["94028_0001", "94028_0002"]
    assert (built.outlines_local.geometry.area > 0).all()
    if outline is not None:
        overlap, difference = partition_defects(built.outlines_local, transform_geometry(outline, WGS84, 2154))
        assert overlap < 0.1
        assert difference < 0.1
    # Each point lies in its own bureau's outline.
    for _, row in case.iterrows():
        own = built.outlines.set_index("bureau").loc[row["id_bv"]].geometry
        assert own.contains(shapely.Point(row["longitude"], row["latitude"]))
