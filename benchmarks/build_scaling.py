"""Time the build of one synthetic commune at several sizes, to show how the cost grows.

Usage: python benchmarks/build_scaling.py [--sizes 10000 100000 1000000] [--repeats 3]

The commune is a square holding one point per 100 m² on a jittered grid. Each
pair of grid rows is one street (even numbers on one row, odd on the other),
and bureaux are about 1,000 points each, in blocks of the grid. Runs of the
largest size are repeated once only.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from build_valdemarne import cpu_model  # noqa: E402
from geometry.build import build_commune  # noqa: E402
from geometry.crs import WGS84, transform_coords, transform_geometry  # noqa: E402

# Lambert-93 position of the commune's south-west corner (near Créteil).
ORIGIN = (655000.0, 6845000.0)
SPACING_M = 10.0


def synthetic_commune(size: int, seed: int = 0) -> tuple[gpd.GeoDataFrame, shapely.Polygon, list[str]]:
    """Return ``size`` labelled points, the square boundary and the bureau list, in EPSG:4326."""
    rng = np.random.default_rng(seed)
    side = int(np.ceil(np.sqrt(size)))
    row, column = np.divmod(np.arange(size), side)
    x = ORIGIN[0] + (column + 0.5) * SPACING_M + rng.uniform(-2, 2, size)
    y = ORIGIN[1] + (row + 0.5) * SPACING_M + rng.uniform(-2, 2, size)

    block = max(1, int(round(np.sqrt(1000))))
    blocks_per_row = int(np.ceil(side / block))
    bureau_number = (row // block) * blocks_per_row + column // block + 1
    bureaux = [f"94028_{n:04d}" for n in bureau_number]

    lon, lat = transform_coords(x, y, 2154, WGS84)
    points = gpd.GeoDataFrame(
        {
            "bureau": bureaux,
            "voters": rng.integers(1, 30, size),
            "geo_type": "housenumber",
            "geo_score": rng.uniform(0.6, 1.0, size),
            "street": [f"rue {r // 2}" for r in row],
            "numero": 2 * column + 1 + row % 2,
        },
        geometry=gpd.points_from_xy(lon, lat),
        crs=WGS84,
    )
    square = shapely.box(ORIGIN[0], ORIGIN[1], ORIGIN[0] + side * SPACING_M, ORIGIN[1] + (row.max() + 1) * SPACING_M)
    return points, transform_geometry(square, 2154, WGS84), sorted(set(bureaux))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000], help="points per commune")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per size below 1,000,000 points")
    args = parser.parse_args()

    print(f"machine: nproc={os.cpu_count()}, cpu={cpu_model()}, python={platform.python_version()}")
    previous = None
    for size in args.sizes:
        points, boundary, bureaux = synthetic_commune(size)
        repeats = 1 if size >= 1_000_000 else args.repeats
        timings = []
        for _ in range(repeats):
            started = time.perf_counter()
            built = build_commune(points, boundary, "94028", bureaux)
            timings.append(time.perf_counter() - started)
        median = statistics.median(timings)
        per_point_us = median / size * 1e6
        growth = f", x{median / previous[1]:.1f} time for x{size / previous[0]:.0f} points" if previous else ""
        print(
            f"{size:>9} points, {len(bureaux):>5} bureaux, {built.report.street_sites:>8} street sites: "
            f"median {median:.2f} s over {repeats} runs ({per_point_us:.1f} µs per point{growth})"
        )
        previous = (size, median)


if __name__ == "__main__":
    main()
