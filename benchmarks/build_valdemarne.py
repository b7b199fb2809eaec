"""Time the build of every Val-de-Marne commune of the shared set with a process pool.

Usage: python benchmarks/build_valdemarne.py [--workers 2] [--repeats 3] [--shared PATH]
Prints the machine, the median wall time of the repeats and the peak memory.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from geometry.build import build_commune  # noqa: E402
from tests.geometry.datasets import load_valdemarne  # noqa: E402


def cpu_model() -> str:
    """Return the CPU model name from /proc/cpuinfo, or the platform's processor string."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def build_one(item) -> tuple[str, int, int]:
    code, commune = item
    built = build_commune(commune.points, commune.boundary, code, commune.bureaux)
    return code, len(built.outlines), len(built.report.bureaux_without_outline)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2, help="processes in the pool")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs; the median is printed")
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data", help="shared data folder")
    args = parser.parse_args()

    started = time.perf_counter()
    communes = load_valdemarne(args.shared / "val-de-marne")
    load_seconds = time.perf_counter() - started
    items = sorted(communes.items(), key=lambda item: -len(item[1].points))

    timings = []
    outlines = 0
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        for _ in range(args.repeats):
            started = time.perf_counter()
            results = list(pool.map(build_one, items))
            timings.append(time.perf_counter() - started)
            outlines = sum(count for _, count, _ in results)

    parent_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    points = sum(len(c.points) for c in communes.values())
    print(f"machine: nproc={os.cpu_count()}, cpu={cpu_model()}, python={platform.python_version()}")
    print(f"input: {len(communes)} communes, {points} points, {outlines} outlines")
    print(f"load: {load_seconds:.1f} s (CSV join, not part of the build)")
    print(f"build with {args.workers} workers: median {statistics.median(timings):.2f} s over {args.repeats} runs {[round(t, 2) for t in timings]}")
    print(
        f"peak memory: parent {parent_mib:.0f} MiB, largest worker {child_mib:.0f} MiB, "
        f"bound for all processes {parent_mib + args.workers * child_mib:.0f} MiB"
    )


if __name__ == "__main__":
    main()
