"""Property tests: random labelled points in random polygons always give a partition."""

from __future__ import annotations

import numpy as np
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geometry.build import BuildParams, build_commune
from geometry.crs import WGS84, transform_geometry
from tests.geometry.helpers import make_points, partition_defects

# Lambert-93 coordinates near Créteil (94028).
ORIGIN = (661000.0, 6851000.0)


@st.composite
def star_polygons(draw):
    """Draw a star-shaped polygon of 5 to 20 vertices, 200 m to 3 km across, in EPSG:2154."""
    count = draw(st.integers(5, 20))
    radii = draw(st.lists(st.floats(100.0, 1500.0), min_size=count, max_size=count))
    angles = np.linspace(0.0, 2 * np.pi, count, endpoint=False)
    ring = [(ORIGIN[0] + r * np.cos(a), ORIGIN[1] + r * np.sin(a)) for r, a in zip(radii, angles)]
    return shapely.Polygon(ring)


@st.composite
def labelled_points(draw):
    """Draw a polygon and up to 60 labelled points around it, some duplicated or nearly equal."""
    polygon = draw(star_polygons())
    bureaux = draw(st.integers(1, 5))
    count = draw(st.integers(1, 60))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    minx, miny, maxx, maxy = polygon.buffer(50.0).bounds
    xy = rng.uniform((minx, miny), (maxx, maxy), size=(count, 2))
    if count > 3 and draw(st.booleans()):
        xy[1] = xy[0]
        xy[2] = xy[0] + 1e-4
    labels = [f"94028_{b + 1:04d}" for b in rng.integers(0, bureaux, count)]
    voters = rng.integers(1, 20, count).tolist()
    numbers = rng.integers(1, 40, count).tolist()
    streets = [f"rue {s}" for s in rng.integers(0, 3, count)]
    return polygon, xy, labels, voters, numbers, streets


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(labelled_points(), st.sampled_from(["voronoi", "concave"]))
def test_random_points_partition(sample, method: str) -> None:
    polygon, xy, labels, voters, numbers, streets = sample
    lonlat = np.array([[p.x, p.y] for p in transform_geometry(shapely.points(xy), 2154, WGS84)])
    points = make_points(lonlat[:, 0], lonlat[:, 1], labels, voters=voters, street=streets, numero=numbers)
    boundary = transform_geometry(polygon, 2154, WGS84)

    built = build_commune(points, boundary, "94028", params=BuildParams(method=method))

    boundary_local = transform_geometry(boundary, WGS84, 2154)
    overlap, difference = partition_defects(built.outlines_local, boundary_local)
    assert overlap < 0.1
    assert difference < 0.1
    assert built.outlines_local.geometry.is_valid.all()
    assert built.outlines.geometry.is_valid.all()
    assert not built.outlines_local.geometry.is_empty.any()
    reported = set(built.outlines["bureau"]) | set(built.report.bureaux_without_outline)
    assert reported == set(labels)
    assert built.report.bureaux_without_outline == []
