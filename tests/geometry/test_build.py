from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.errors import GEOSException
from shapely.geometry import MultiPolygon

from geometry.build import BuildParams, build_commune
from geometry.crs import WGS84, transform_geometry
from geometry.errors import (
    GeometryError,
    InvalidBoundaryError,
    InvalidInputError,
    NoUsablePointsError,
    PartitionError,
)
from tests.geometry.helpers import (
    COCIRCULAR,
    COCIRCULAR_BOUNDARY,
    local_box,
    make_points,
    partition_defects,
    random_points_in,
)

# A 2 km square in Choisy-le-Roi (94022), in EPSG:4326.
BOX, CENTER = local_box(2154, 2.41, 48.765, 1000.0)
BOX_LOCAL = transform_geometry(BOX, WGS84, 2154)


def grid_points(bureaux: int = 4, per_side: int = 10, seed: int = 0) -> tuple[np.ndarray, list[str]]:
    """Return lon/lat of a jittered grid inside BOX, labelled by vertical bands."""
    rng = np.random.default_rng(seed)
    steps = (np.arange(per_side) + 0.5) / per_side * 2000.0 - 1000.0
    x, y = np.meshgrid(steps, steps)
    x = x.ravel() + CENTER.x + rng.uniform(-20, 20, x.size)
    y = y.ravel() + CENTER.y + rng.uniform(-20, 20, y.size)
    band = np.minimum(((x - CENTER.x + 1000.0) / 2000.0 * bureaux).astype(int), bureaux - 1)
    lonlat = np.array(transform_geometry(shapely.points(np.column_stack([x, y])), 2154, WGS84).tolist())
    coords = np.array([[p.x, p.y] for p in lonlat])
    return coords, [f"94022_{b + 1:04d}" for b in band]


def test_grid_partition_invariants() -> None:
    coords, labels = grid_points()
    built = build_commune(make_points(coords[:, 0], coords[:, 1], labels), BOX, "94022")
    overlap, difference = partition_defects(built.outlines_local, BOX_LOCAL)
    assert overlap < 0.1
    assert difference < 0.1
    assert sorted(built.outlines["bureau"]) == sorted(set(labels))
    assert built.outlines.crs.to_epsg() == 4326
    assert built.outlines_local.crs.to_epsg() == 2154
    assert all(isinstance(g, MultiPolygon) for g in built.outlines.geometry)
    assert built.outlines.geometry.is_valid.all()


def test_grid_points_in_own_outline() -> None:
    coords, labels = grid_points()
    built = build_commune(make_points(coords[:, 0], coords[:, 1], labels), BOX, "94022")
    assert built.report.voters_in_own_outline == 1.0
    assert (built.outlines["voters_in_outline"] == 1.0).all()


def test_outline_columns_and_counts() -> None:
    coords, labels = grid_points()
    points = make_points(coords[:, 0], coords[:, 1], labels, voters=[3] * len(labels))
    built = build_commune(points, BOX, "94022")
    row = built.outlines.set_index("bureau").loc["94022_0001"]
    assert row["addresses"] == labels.count("94022_0001")
    assert row["voters"] == 3 * labels.count("94022_0001")
    assert row["area_m2"] == pytest.approx(built.outlines_local.set_index("bureau").loc["94022_0001"].geometry.area)
    assert built.outlines["area_m2"].sum() == pytest.approx(BOX_LOCAL.area, abs=0.1)


def test_report_asdict_fields() -> None:
    coords, labels = grid_points()
    report = build_commune(make_points(coords[:, 0], coords[:, 1], labels), BOX, "94022").report.asdict()
    for name in (
        "points_used",
        "conflicts",
        "outliers",
        "outside_boundary",
        "fragments_reassigned",
        "bureaux_without_outline",
        "boundary_derived",
        "method",
    ):
        assert name in report
    assert report["points_used"] == len(labels)
    assert report["boundary_derived"] is False


def test_single_bureau_whole_boundary() -> None:
    points = make_points([2.41], [48.765], ["94022_0001"])
    built = build_commune(points, BOX, "94022", ["94022_0001"])
    assert len(built.outlines) == 1
    assert built.outlines_local.geometry.iloc[0].symmetric_difference(BOX_LOCAL).area < 0.1


def test_single_bureau_without_points() -> None:
    points = make_points([], [], [])
    built = build_commune(points, BOX, "94022", ["94022_0001"])
    assert list(built.outlines["bureau"]) == ["94022_0001"]
    assert built.outlines_local.geometry.iloc[0].symmetric_difference(BOX_LOCAL).area < 0.1


def test_bureau_without_point_reported() -> None:
    coords, labels = grid_points(bureaux=2)
    built = build_commune(make_points(coords[:, 0], coords[:, 1], labels), BOX, "94022", ["94022_0001", "94022_0002", "94022_0009"])
    assert built.report.bureaux_without_outline == ["94022_0009"]
    assert "94022_0009" not in set(built.outlines["bureau"])
    assert built.report.bureaux == 3


def test_bureau_with_only_street_points_falls_back() -> None:
    coords, labels = grid_points(bureaux=2)
    lon = list(coords[:, 0]) + [2.405]
    lat = list(coords[:, 1]) + [48.765]
    kinds = ["housenumber"] * len(labels) + ["street"]
    built = build_commune(make_points(lon, lat, labels + ["94022_0003"], geo_type=kinds), BOX, "94022")
    assert "94022_0003" in set(built.outlines["bureau"])
    assert built.report.bureaux_fallback == ["94022_0003"]
    assert built.report.bureaux_without_outline == []


def test_imprecise_points_set_aside() -> None:
    coords, labels = grid_points(bureaux=2)
    kinds = ["street" if i % 10 == 0 else "housenumber" for i in range(len(labels))]
    scores = [0.2 if i % 10 == 1 else 0.9 for i in range(len(labels))]
    built = build_commune(make_points(coords[:, 0], coords[:, 1], labels, geo_type=kinds, geo_score=scores), BOX, "94022")
    assert built.report.imprecise_geocode == 20
    assert built.report.points_used == len(labels) - 20


def test_points_outside_within_tolerance_used() -> None:
    coords, labels = grid_points(bureaux=2)
    outside = transform_geometry(shapely.Point(CENTER.x - 1100.0, CENTER.y), 2154, WGS84)
    far = transform_geometry(shapely.Point(CENTER.x + 3000.0, CENTER.y), 2154, WGS84)
    lon = list(coords[:, 0]) + [outside.x, far.x]
    lat = list(coords[:, 1]) + [outside.y, far.y]
    built = build_commune(make_points(lon, lat, labels + ["94022_0001", "94022_0002"]), BOX, "94022")
    assert built.report.outside_boundary == 1
    assert built.report.too_far_outside == 1
    assert built.point_status.iloc[-1] == "too_far_outside"
    assert built.point_status.iloc[-2] == "used"


def test_outlier_set_aside() -> None:
    coords, labels = grid_points(bureaux=2, per_side=12)
    # A point of the western bureau deep in the eastern half.
    stray = transform_geometry(shapely.Point(CENTER.x + 900.0, CENTER.y + 5.0), 2154, WGS84)
    lon = list(coords[:, 0]) + [stray.x]
    lat = list(coords[:, 1]) + [stray.y]
    # The western bureau's median distance to its centre is about 500 m and the stray
    # point is about 1400 m away, so a factor of 2 marks it.
    built = build_commune(make_points(lon, lat, labels + ["94022_0001"]), BOX, "94022", params=BuildParams(remove_outliers=True, outlier_factor=2.0))
    assert built.report.outliers == 1
    assert built.point_status.iloc[-1] == "outlier"
    default = build_commune(make_points(lon, lat, labels + ["94022_0001"]), BOX, "94022")
    assert default.report.outliers == 0


def test_enclosed_fragment_reassigned() -> None:
    coords, labels = grid_points(bureaux=2, per_side=12)
    stray = transform_geometry(shapely.Point(CENTER.x + 300.0, CENTER.y + 5.0), 2154, WGS84)
    lon = list(coords[:, 0]) + [stray.x]
    lat = list(coords[:, 1]) + [stray.y]
    points = make_points(lon, lat, labels + ["94022_0001"])
    params = BuildParams(remove_outliers=False)
    built = build_commune(points, BOX, "94022", params=params)
    assert built.report.fragments_reassigned == 1
    assert (built.outlines["parts"] == 1).all()
    kept = build_commune(points, BOX, "94022", params=params.with_changes(reassign_fragments=False))
    assert kept.outlines.set_index("bureau").loc["94022_0001", "parts"] == 2


def test_holes_kept() -> None:
    coords, _ = grid_points(per_side=9)
    labels = ["94022_0001"] * len(coords)
    labels[40] = "94022_0002"  # the centre of a 9 x 9 grid
    labels[41] = "94022_0002"
    built = build_commune(make_points(coords[:, 0], coords[:, 1], labels), BOX, "94022", params=BuildParams(remove_outliers=False, reassign_fragments=False))
    outer = built.outlines_local.set_index("bureau").loc["94022_0001"].geometry
    assert len(outer.geoms[0].interiors) == 1


def test_derived_boundary_reported() -> None:
    coords, labels = grid_points()
    built = build_commune(make_points(coords[:, 0], coords[:, 1], labels), None, "94022")
    assert built.report.boundary_derived is True
    assert built.report.warnings
    union = shapely.union_all(built.outlines_local.geometry.to_numpy())
    xy = np.array(transform_geometry(shapely.points(coords), WGS84, 2154).tolist())
    assert all(union.contains(p) for p in xy)


def test_multipolygon_every_part_covered() -> None:
    west, _ = local_box(2154, 2.40, 48.765, 500.0)
    east, _ = local_box(2154, 2.43, 48.765, 500.0)
    island = transform_geometry(shapely.Point(2.415, 48.78), WGS84, 2154).buffer(100.0)
    boundary = shapely.MultiPolygon([west, east, transform_geometry(island, 2154, WGS84)])
    rng = np.random.default_rng(1)
    lonlat = np.vstack([random_points_in(west, 30, rng), random_points_in(east, 30, rng)])
    labels = ["94022_0001"] * 30 + ["94022_0002"] * 15 + ["94022_0003"] * 15
    built = build_commune(make_points(lonlat[:, 0], lonlat[:, 1], labels), boundary, "94022")
    union = shapely.union_all(built.outlines_local.geometry.to_numpy())
    for part in transform_geometry(boundary, WGS84, 2154).geoms:
        assert shapely.difference(part, union).area < 0.1
    assert len(built.outlines) == 3


@pytest.mark.parametrize(
    ("commune", "lon", "lat", "epsg"),
    [
        ("97105", -61.73, 15.99, 5490),
        ("97209", -61.07, 14.61, 5490),
        ("97302", -52.33, 4.93, 2972),
        ("97411", 55.45, -20.88, 2975),
        ("97611", 45.23, -12.78, 4471),
        ("2A004", 8.74, 41.92, 2154),
    ],
)
def test_overseas_commune_builds(commune: str, lon: float, lat: float, epsg: int) -> None:
    boundary, center = local_box(epsg, lon, lat, 800.0)
    rng = np.random.default_rng(2)
    lonlat = random_points_in(boundary, 40, rng)
    labels = [f"{commune}_{1 + (x > lon):04d}" for x in lonlat[:, 0]]
    built = build_commune(make_points(lonlat[:, 0], lonlat[:, 1], labels), boundary, commune)
    assert built.report.crs == epsg
    assert built.outlines_local.crs.to_epsg() == epsg
    assert len(built.outlines) == 2
    overlap, difference = partition_defects(built.outlines_local, transform_geometry(boundary, WGS84, epsg))
    assert overlap < 0.1
    assert difference < 0.1
    assert built.outlines["area_m2"].sum() == pytest.approx(1600.0 * 1600.0, rel=1e-6)


def test_shared_location_most_voters_wins() -> None:
    lon = [2.41, 2.41, 2.405, 2.415]
    lat = [48.765, 48.765, 48.760, 48.770]
    points = make_points(lon, lat, ["94022_0001", "94022_0002", "94022_0001", "94022_0002"], voters=[2, 9, 5, 5], geo_score=[0.95, 0.9, 0.95, 0.95])
    built = build_commune(points, BOX, "94022")
    assert built.report.conflicts == 1
    assert list(built.point_status.iloc[:2]) == ["conflict", "used"]


@pytest.mark.parametrize(
    ("voters", "scores", "winner"),
    [
        ([4, 4], [0.8, 0.9], "94022_0002"),
        ([4, 4], [0.9, 0.8], "94022_0001"),
        ([4, 4], [0.9, 0.9], "94022_0001"),
    ],
)
def test_shared_location_ties(voters: list[int], scores: list[float], winner: str) -> None:
    # The bureau ids are given in reverse order, so the lower id wins by rule, not by row order.
    points = make_points(
        [2.41, 2.41, 2.405, 2.415],
        [48.765, 48.765, 48.760, 48.770],
        ["94022_0002", "94022_0001", "94022_0001", "94022_0002"],
        voters=[voters[1], voters[0], 5, 5],
        geo_score=[scores[1], scores[0], 0.9, 0.9],
    )
    built = build_commune(points, BOX, "94022")
    status = dict(zip(["94022_0002", "94022_0001"], built.point_status.iloc[:2]))
    assert status[winner] == "used"
    assert built.report.conflicts == 1


def test_street_sides_follow_street() -> None:
    # Two rows of houses 24 m apart: even numbers (south) in bureau 1, odd (north) in bureau 2.
    # The south side has houses every 60 m, the north side every 12 m.
    south = [(CENTER.x - 300 + 60 * i, CENTER.y - 12) for i in range(11)]
    north = [(CENTER.x - 300 + 12 * i, CENTER.y + 12) for i in range(51)]
    xy = np.array(south + north)
    lonlat = np.array([[p.x, p.y] for p in transform_geometry(shapely.points(xy), 2154, WGS84)])
    numbers = [2 * (i + 1) for i in range(11)] + [2 * i + 1 for i in range(51)]
    labels = ["94022_0001"] * 11 + ["94022_0002"] * 51
    points = make_points(lonlat[:, 0], lonlat[:, 1], labels, street=["rue haute"] * 62, numero=numbers)

    # A house of the south side halfway between two known ones, 1 m from the row.
    probe = np.array([[CENTER.x - 270.0, CENTER.y - 11.0]])
    with_sides = build_commune(points, BOX, "94022")
    without = build_commune(points, BOX, "94022", params=BuildParams(street_sides=False))
    inside = with_sides.outlines_local.set_index("bureau").loc["94022_0001"].geometry
    assert with_sides.report.street_sites > 0
    assert inside.contains(shapely.Point(probe[0]))
    assert not without.outlines_local.set_index("bureau").loc["94022_0001"].geometry.contains(shapely.Point(probe[0]))


def test_concave_method_partitions() -> None:
    coords, labels = grid_points()
    built = build_commune(make_points(coords[:, 0], coords[:, 1], labels), BOX, "94022", params=BuildParams(method="concave"))
    overlap, difference = partition_defects(built.outlines_local, BOX_LOCAL)
    assert built.report.method == "concave"
    assert overlap < 0.1
    assert difference < 0.1
    assert len(built.outlines) == 4


def test_two_points_split_commune() -> None:
    points = make_points([2.405, 2.415], [48.765, 48.765], ["94022_0001", "94022_0002"])
    built = build_commune(points, BOX, "94022")
    areas = built.outlines_local.set_index("bureau").geometry.area
    assert areas.loc["94022_0001"] == pytest.approx(BOX_LOCAL.area / 2, rel=0.05)
    assert areas.loc["94022_0002"] == pytest.approx(BOX_LOCAL.area / 2, rel=0.05)


def test_collinear_points_partition() -> None:
    lon = np.linspace(2.401, 2.419, 7)
    labels = ["94022_0001"] * 3 + ["94022_0002"] * 4
    built = build_commune(make_points(lon, [48.765] * 7, labels), BOX, "94022")
    overlap, difference = partition_defects(built.outlines_local, BOX_LOCAL)
    assert len(built.outlines) == 2
    assert overlap < 0.1
    assert difference < 0.1


def test_points_without_location_counted() -> None:
    coords, labels = grid_points(bureaux=2)
    lon = list(coords[:, 0]) + [np.nan]
    lat = list(coords[:, 1]) + [np.nan]
    built = build_commune(make_points(lon, lat, labels + ["94022_0001"]), BOX, "94022")
    assert built.report.no_location == 1


def test_points_reprojected_from_other_crs() -> None:
    coords, labels = grid_points(bureaux=2)
    points = make_points(coords[:, 0], coords[:, 1], labels).to_crs(2154)
    built = build_commune(points, BOX, "94022")
    assert built.report.points_used == len(labels)


@pytest.mark.parametrize(
    ("change", "error"),
    [
        (lambda p: pd.DataFrame(p.drop(columns="geometry")), InvalidInputError),
        (lambda p: p.drop(columns="bureau"), InvalidInputError),
        (lambda p: p.drop(columns="voters"), InvalidInputError),
        (lambda p: p.assign(voters=-1), InvalidInputError),
        (lambda p: p.assign(voters="many"), InvalidInputError),
        (lambda p: p.assign(bureau=None), InvalidInputError),
        (lambda p: p.set_geometry(shapely.buffer(p.geometry.to_numpy(), 0.001)), InvalidInputError),
    ],
)
def test_invalid_points_rejected(change, error) -> None:
    coords, labels = grid_points(bureaux=2)
    with pytest.raises(error):
        build_commune(change(make_points(coords[:, 0], coords[:, 1], labels)), BOX, "94022")


@pytest.mark.parametrize(
    "boundary",
    [shapely.Polygon(), shapely.LineString([(2.40, 48.76), (2.42, 48.77)]), shapely.box(650000, 6850000, 652000, 6852000)],
)
def test_invalid_boundary_rejected(boundary) -> None:
    coords, labels = grid_points(bureaux=2)
    with pytest.raises(InvalidBoundaryError):
        build_commune(make_points(coords[:, 0], coords[:, 1], labels), boundary, "94022")


def test_self_intersecting_boundary_repaired() -> None:
    bowtie = shapely.Polygon([(2.40, 48.76), (2.42, 48.77), (2.42, 48.76), (2.40, 48.77)])
    coords, labels = grid_points(bureaux=2)
    built = build_commune(make_points(coords[:, 0], coords[:, 1], labels), bowtie, "94022")
    assert built.outlines.geometry.is_valid.all()


def test_empty_input_rejected() -> None:
    with pytest.raises(InvalidInputError):
        build_commune(make_points([], [], []), BOX, "94022")


def test_no_located_point_rejected() -> None:
    points = make_points([np.nan, np.nan], [np.nan, np.nan], ["94022_0001", "94022_0002"])
    with pytest.raises(NoUsablePointsError) as caught:
        build_commune(points, BOX, "94022")
    assert "94022" in caught.value.message("fr")
    assert "94022" in caught.value.message("en")


def test_unknown_territory_rejected() -> None:
    coords, labels = grid_points(bureaux=2)
    with pytest.raises(GeometryError):
        build_commune(make_points(coords[:, 0], coords[:, 1], labels), BOX, "98735")


def test_invalid_params_rejected() -> None:
    with pytest.raises(InvalidInputError) as caught:
        BuildParams(method="kriging")
    assert "kriging" in caught.value.message("en")
    assert "kriging" in caught.value.message("fr")
    with pytest.raises(InvalidInputError):
        BuildParams(snap_m=0)
    with pytest.raises(InvalidInputError):
        BuildParams(boundary_tolerance_m=-1)


def cocircular_points(labels: str):
    """Return the COCIRCULAR sites as points in EPSG:4326, labelled ``94028_a``, ``94028_b``."""
    lonlat = transform_geometry(shapely.points(COCIRCULAR), 2154, WGS84)
    bureaux = [f"94028_{label}" for label in labels]
    return make_points(shapely.get_x(lonlat), shapely.get_y(lonlat), bureaux)


@pytest.mark.parametrize("labels", ["aabbb", "aaaab", "abbbb", "ababa"])
def test_cocircular_sites_build(labels: str) -> None:
    boundary = transform_geometry(COCIRCULAR_BOUNDARY, 2154, WGS84)
    built = build_commune(cocircular_points(labels), boundary, "94028")
    overlap, difference = partition_defects(built.outlines_local, transform_geometry(boundary, WGS84, 2154))
    assert sorted(built.outlines["bureau"]) == ["94028_a", "94028_b"]
    assert overlap < 0.1
    assert difference < 0.1
    assert built.outlines.geometry.is_valid.all()


def test_geos_error_becomes_partition_error(monkeypatch) -> None:
    def raise_topology(*args, **kwargs):
        raise GEOSException("TopologyException: simulated")

    monkeypatch.setattr(shapely, "coverage_union_all", raise_topology)
    monkeypatch.setattr(shapely, "union_all", raise_topology)
    coords, labels = grid_points(bureaux=2)
    with pytest.raises(PartitionError) as caught:
        build_commune(make_points(coords[:, 0], coords[:, 1], labels), BOX, "94022")
    assert caught.value.commune == "94022"
    assert "simulated" in caught.value.message("en")
    assert "94022" in caught.value.message("fr")
    assert isinstance(caught.value.__cause__, GEOSException)


def test_geos_error_once_still_builds(monkeypatch) -> None:
    calls = []
    union_all = shapely.union_all

    def fail_first(*args, **kwargs):
        calls.append(kwargs)
        if len(calls) == 1:
            raise GEOSException("TopologyException: simulated")
        return union_all(*args, **kwargs)

    def raise_topology(*args, **kwargs):
        raise GEOSException("CoverageUnion cannot process incorrectly noded inputs")

    monkeypatch.setattr(shapely, "coverage_union_all", raise_topology)
    monkeypatch.setattr(shapely, "union_all", fail_first)
    coords, labels = grid_points(bureaux=2)
    built = build_commune(make_points(coords[:, 0], coords[:, 1], labels), BOX, "94022")
    overlap, difference = partition_defects(built.outlines_local, BOX_LOCAL)
    assert len(calls) > 1
    assert overlap < 0.1
    assert difference < 0.1
    assert len(built.outlines) == 2
