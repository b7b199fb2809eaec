"""Benchmark: ingest a synthetic 1,000,000-line REU extract beside a bare pandas read.

Usage::

    .venv/bin/python benchmarks/ingest_reu.py [--lines 1000000] [--repeats 3] [--folder /tmp/bench-ingest]

Each measurement runs in a fresh Python process so that its peak memory
(``ru_maxrss``) is its own. Reported: median wall time of the repeats for
``pandas.read_csv(engine="pyarrow")`` of the file, for ``read_extract`` alone
and for ``bureaux ingest`` (read + SQLite write), the ratio of the last two to
pandas, and peak memory.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HEADER = (
    '"code du l\'ugle";"libellé de l\'ugle";"libellé du type de liste";"nom de naissance";"nom d\'usage";'
    '"prénoms";"sexe";"date de naissance";"code commune de naissance";"libellé commune de naissance";'
    '"code département de naissance";"pays de naissance";"libellé nationalité";"numéro de voie";'
    '"libellé de voie";"complément 1";"complément 2";"lieu-dit";"code postal";"commune";"pays";'
    '"code du bureau de vote";"libellé du bureau de vote";"code circonscription législative du bureau de vote";'
    '"libellé canton du bureau de vote";"libellé circonscription métropolitaine du bureau de vote";'
    "numéro d'ordre dans le bureau de vote"
)
STREET_WORDS = ("RUE", "AVENUE", "ALLEE", "BOULEVARD", "CHEMIN", "IMPASSE", "PLACE", "ROUTE")
NAME_WORDS = ("DES LILAS", "DU MOULIN", "DE LA GARE", "VICTOR HUGO", "JEAN JAURES", "DES ECOLES", "PASTEUR",
              "DU STADE", "DES VIGNES", "DE L'EGLISE", "JULES FERRY", "DU CHATEAU", "DES ACACIAS", "EMILE ZOLA")


def generate(path: Path, lines: int, seed: int = 7) -> None:
    """Write a REU-layout extract: 200 communes, about 2.5 voters per address, made-up names."""
    rng = np.random.default_rng(seed)
    communes = np.array([f"{45000 + i:05d}" for i in range(1, 201)])
    commune = communes[rng.integers(0, len(communes), lines)]
    street = rng.integers(0, 80, lines)
    numero = rng.integers(1, 26, lines)
    bureau = 1 + (street * 7 + numero // 10) % 12
    sexe = np.where(rng.random(lines) < 0.52, "F", "M")
    year = rng.integers(1925, 2008, lines)
    month = rng.integers(1, 13, lines)
    day = rng.integers(1, 29, lines)
    rep = np.where(rng.random(lines) < 0.03, " BIS", "")
    with path.open("w", encoding="utf-8") as stream:
        stream.write(HEADER + "\n")
        for i in range(lines):
            voie = f"{STREET_WORDS[street[i] % 8]} {NAME_WORDS[street[i] % 14]} {street[i] // 14}"
            stream.write(
                f'"{commune[i]}";"COMMUNE {commune[i]}";"Liste principale";"NOM{i % 9973}";;"PRENOM{i % 97}";'
                f'"{sexe[i]}";"{day[i]:02d}/{month[i]:02d}/{year[i]}";"99999";"VILLE-FICTIVE";"99";"FRANCE";'
                f'"Française";"{numero[i]}{rep[i]}";"{voie}";;;;"45000";"COMMUNE {commune[i]}";"FRANCE";'
                f'"{bureau[i]:04d}";"BUREAU {bureau[i]}";"01";"CANTON";;{i}\n'
            )


PANDAS = """
import sys, time, pandas as pd
start = time.perf_counter()
frame = pd.read_csv(sys.argv[1], sep=";", engine="pyarrow", dtype=str)
print(time.perf_counter() - start, len(frame))
"""
READ = """
import sys, time
from ingest.extract import read_extract
start = time.perf_counter()
extract = read_extract(sys.argv[1])
print(time.perf_counter() - start, extract.report.accepted)
"""
INGEST = """
import sys, time
from ingest.extract import read_extract
from service.store.database import open_database
from service.store.extracts import save_extract
engine = open_database(sys.argv[2])
start = time.perf_counter()
extract = read_extract(sys.argv[1])
save_extract(engine, extract, force=True)
print(time.perf_counter() - start, len(extract.addresses))
"""


def measure(code: str, *args: str) -> tuple[float, int, float]:
    """Run ``code`` in a fresh interpreter; return (seconds, count, peak MiB)."""
    wrapper = code + "\nimport resource\nprint(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
    output = subprocess.run(
        [sys.executable, "-c", wrapper, *args], check=True, capture_output=True, text=True,
        cwd=Path(__file__).resolve().parents[1],
    ).stdout.split()
    return float(output[0]), int(output[1]), int(output[2]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--folder", type=Path, default=Path("/tmp/bench-ingest"))
    args = parser.parse_args()

    args.folder.mkdir(parents=True, exist_ok=True)
    path = args.folder / f"ListesElecteurs-reu-{args.lines}.csv"
    if not path.exists():
        started = time.perf_counter()
        generate(path, args.lines)
        print(f"generated {path} ({path.stat().st_size / 2**20:.0f} MiB) in {time.perf_counter() - started:.1f} s")

    results: dict[str, list[tuple[float, int, float]]] = {"pandas": [], "read": [], "ingest": []}
    for repeat in range(args.repeats):
        results["pandas"].append(measure(PANDAS, str(path)))
        results["read"].append(measure(READ, str(path)))
        db = args.folder / f"bench-{repeat}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        results["ingest"].append(measure(INGEST, str(path), str(db)))

    summary = {name: {"median_s": statistics.median(r[0] for r in runs), "peak_mib": max(r[2] for r in runs), "count": runs[0][1]}
               for name, runs in results.items()}
    summary["ratio_read_to_pandas"] = summary["read"]["median_s"] / summary["pandas"]["median_s"]
    summary["ratio_ingest_to_pandas"] = summary["ingest"]["median_s"] / summary["pandas"]["median_s"]
    summary["machine"] = {"nproc": os.cpu_count(), "cpu": _cpu_model(), "python": platform.python_version()}
    summary["lines"] = args.lines
    summary["repeats"] = args.repeats
    print(json.dumps(summary, indent=2))


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


if __name__ == "__main__":
    main()
