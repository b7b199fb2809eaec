"""Cross-validate the default build against plain Voronoi on the shared sets.

Usage: python benchmarks/build_accuracy.py [--folds 5] [--seed 0] [--sets val-de-marne finistere-reu]
       [--set-param NAME=VALUE ...]

For each commune, the points are split into folds, and outlines are built from
the other folds. Each held-out point that the default settings would use counts
its voters as correct when it lies in its own bureau's outline. A point outside
every outline counts for the nearest outline. Plain Voronoi (no cleaning, no
street sides) is scored in the same folds. Prints per commune and
overall voter-weighted figures.
"""

from __future__ import annotations

import argparse
import ast
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from geometry.evaluate import cross_validate, overall_accuracy  # noqa: E402
from geometry.params import BuildParams  # noqa: E402
from tests.geometry.datasets import load_finistere, load_valdemarne  # noqa: E402

LOADERS = {"val-de-marne": load_valdemarne, "finistere-reu": load_finistere}


def parse_change(text: str) -> tuple[str, object]:
    """Parse ``NAME=VALUE`` where VALUE is a Python literal (``5``, ``False``, ``'concave'``)."""
    name, _, value = text.partition("=")
    try:
        return name, ast.literal_eval(value)
    except (ValueError, SyntaxError):
        return name, value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5, help="number of folds per commune")
    parser.add_argument("--seed", type=int, default=0, help="seed of the random fold split")
    parser.add_argument("--sets", nargs="+", default=list(LOADERS), choices=list(LOADERS), help="shared sets to evaluate")
    parser.add_argument("--set-param", action="append", default=[], metavar="NAME=VALUE", help="change a BuildParams setting")
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data", help="shared data folder")
    parser.add_argument("--quiet", action="store_true", help="print only the overall figures")
    args = parser.parse_args()

    params = BuildParams().with_changes(**dict(parse_change(text) for text in args.set_param))
    print(f"machine: nproc={os.cpu_count()}, python={platform.python_version()}")
    print(f"params: {params}")
    for name in args.sets:
        started = time.perf_counter()
        communes = LOADERS[name](args.shared / name)
        results = []
        for code, commune in communes.items():
            result = cross_validate(commune.points, commune.boundary, code, commune.bureaux, params, args.folds, args.seed)
            results.append(result)
            if not args.quiet:
                print(
                    f"  {name} {code}: {result.points_evaluated} points, {result.voters_evaluated} voters, "
                    f"method {result.accuracy:.4f}, plain Voronoi {result.baseline_accuracy:.4f}"
                )
        accuracy, plain = overall_accuracy(results)
        voters = sum(r.voters_evaluated for r in results)
        print(
            f"{name}: {args.folds}-fold held-out accuracy (voter-weighted, {voters} voters): "
            f"method {accuracy:.4f}, plain Voronoi {plain:.4f} ({time.perf_counter() - started:.0f} s)"
        )


if __name__ == "__main__":
    main()
