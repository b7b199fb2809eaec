"""Measure the offline geocoder on the Val-de-Marne voter addresses, and a local addok beside it.

Phases, each in its own process so that its peak memory (ru_maxrss) is its own:

- ``local``: build the index from reference-ban.csv, then geocode every
  address of adresses-electeurs.csv (distinct addresses per second, after the
  index is built), and compare with geocodage-attendu.csv;
- ``build``: generate a synthetic BAN file of ``--lines`` lines in the full
  published layout and time the index build, save and reopen;
- ``addok``: index reference-ban.csv in a local addok (Redis and addok on
  127.0.0.1), then geocode a sample of the same distinct addresses through the
  HTTP backend and through the local geocoder, for the ratio of the two.

Usage::

    .venv/bin/python benchmarks/geocode_valdemarne.py [--shared ../shared] [--lines 1000000]
        [--addok-sample 5000] [--output results.json]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPOSITORY = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPOSITORY))

from ingest.geocode import LocalGeocoder, ReferenceIndex, compare_with_expected  # noqa: E402
from tests.ingest.test_geocode_valdemarne import read_valdemarne_addresses as read_addresses  # noqa: E402

FULL_HEADER = (
    "id;id_fantoir;numero;rep;nom_voie;code_postal;code_insee;nom_commune;code_insee_ancienne_commune;"
    "nom_ancienne_commune;x;y;lon;lat;type_position;alias;nom_ld;libelle_acheminement;nom_afnor;"
    "source_position;source_nom_voie;certification_commune;cad_parcelles"
)


def peak_memory_mb() -> float:
    """Return this process's peak resident memory in MiB (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def phase_local(folder: Path) -> dict:
    started = time.perf_counter()
    index = ReferenceIndex.build([folder / "reference-ban.csv"])
    build_seconds = time.perf_counter() - started

    addresses = read_addresses(folder)
    distinct = len(addresses.drop_duplicates())
    runs = []
    for _ in range(3):
        started = time.perf_counter()
        geocoder = LocalGeocoder(index, min_score=0.5)
        prepare_seconds = time.perf_counter() - started
        started = time.perf_counter()
        results = geocoder.geocode(addresses)
        runs.append((time.perf_counter() - started, prepare_seconds))
    geocode_seconds, prepare_seconds = min(runs)

    expected = pd.read_csv(folder / "geocodage-attendu.csv", dtype=str, keep_default_na=False).replace("", None)
    report = compare_with_expected(results, expected)
    return {
        "index_rows": len(index.rows),
        "index_build_s": round(build_seconds, 3),
        "geocoder_prepare_s": round(prepare_seconds, 3),
        "rows": len(addresses),
        "distinct_addresses": distinct,
        "geocode_s_best_of_3": round(geocode_seconds, 3),
        "distinct_per_s": round(distinct / geocode_seconds),
        "result_types": results["result_type"].value_counts(dropna=False).to_dict(),
        "agreement_all": report["agreement"],
        "agreement_housenumber_score_ge_0_8": report["agreement_housenumber_score_ge_0_8"],
        "by_expected_type": report["by_expected_type"],
        "peak_memory_mb": round(peak_memory_mb(), 1),
    }


def write_synthetic_ban(path: Path, lines: int, seed: int = 0) -> None:
    """Write a BAN file in the full layout: 200 communes, streets of up to 80 numbers, 5 % with a suffix."""
    rng = np.random.default_rng(seed)
    types = np.array(["Rue", "Avenue", "Boulevard", "Chemin", "Impasse", "Allée", "Place", "Route"])
    words = np.array(
        ["Victor Hugo", "Jean Jaurès", "de la Gare", "des Écoles", "du Moulin", "Pasteur", "de Paris", "du Général de Gaulle",
         "des Lilas", "de l'Église", "Gambetta", "de la République", "du Château", "des Peupliers", "Émile Zola", "Voltaire",
         "de la Fontaine", "du Stade", "des Vignes", "Saint-Martin", "Jules Ferry", "de Verdun", "Anatole France", "du Bois"]
    )
    numbers_per_street = 50
    streets = lines // numbers_per_street + 1
    street = np.arange(lines) // numbers_per_street
    numero = np.arange(lines) % numbers_per_street * 2 + 1 + (street % 2)
    commune = street % 200
    insee = np.char.add("99", np.char.zfill((commune + 1).astype(str), 3))
    name_type = types[rng.integers(0, len(types), streets)]
    name_word = words[rng.integers(0, len(words), streets)]
    name_suffix = np.char.add(" ", (np.arange(streets) // 200).astype(str))
    names = np.char.add(np.char.add(np.char.add(name_type, " "), name_word), name_suffix)
    rep = np.where(rng.random(lines) < 0.05, "bis", "")
    lon = 2.0 + commune * 0.01 + (street % 97) * 0.0005 + numero * 0.00001
    lat = 48.0 + commune * 0.01 + (street % 89) * 0.0005

    frame = pd.DataFrame(
        {
            "id": [f"{code}_{s:05d}_{n:05d}{r}" for code, s, n, r in zip(insee, street, numero, rep)],
            "id_fantoir": [f"{code}_{s:05d}" for code, s in zip(insee, street)],
            "numero": numero,
            "rep": rep,
            "nom_voie": names[street],
            "code_postal": np.char.add("9", np.char.zfill((commune % 50).astype(str), 4)),
            "code_insee": insee,
            "nom_commune": np.char.add("Commune ", commune.astype(str)),
            "code_insee_ancienne_commune": "",
            "nom_ancienne_commune": "",
            "x": "", "y": "",
            "lon": lon.round(6),
            "lat": lat.round(6),
            "type_position": "entrée",
            "alias": "", "nom_ld": "",
            "libelle_acheminement": np.char.add("COMMUNE ", commune.astype(str)),
            "nom_afnor": "", "source_position": "commune", "source_nom_voie": "commune",
            "certification_commune": "1", "cad_parcelles": "",
        }
    )
    frame.to_csv(path, sep=";", index=False, header=FULL_HEADER.split(";"))


def phase_build(lines: int) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "adresses-99.csv"
        started = time.perf_counter()
        write_synthetic_ban(path, lines)
        generate_seconds = time.perf_counter() - started
        memory_after_generation = peak_memory_mb()

        started = time.perf_counter()
        index = ReferenceIndex.build([path])
        build_seconds = time.perf_counter() - started

        started = time.perf_counter()
        index.save(Path(folder) / "index")
        save_seconds = time.perf_counter() - started

        started = time.perf_counter()
        reopened = ReferenceIndex.open(Path(folder) / "index")
        LocalGeocoder(reopened)
        open_seconds = time.perf_counter() - started

        size = sum(file.stat().st_size for file in (Path(folder) / "index").iterdir())
        return {
            "lines": lines,
            "file_mb": round(path.stat().st_size / 2**20, 1),
            "generate_s": round(generate_seconds, 2),
            "build_s": round(build_seconds, 2),
            "streets": len(index.streets),
            "save_s": round(save_seconds, 2),
            "open_and_prepare_s": round(open_seconds, 2),
            "index_mb": round(size / 2**20, 1),
            "peak_memory_mb": round(peak_memory_mb(), 1),
            "peak_memory_before_build_mb": round(memory_after_generation, 1),
        }


def _process_peak_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def phase_addok(folder: Path, sample: int) -> dict:
    from ingest.geocode.addok import AddokGeocoder
    from tests.ingest.addok_server import ban_documents, missing_tools, running_addok

    reason = missing_tools()
    if reason is not None:
        return {"skipped": reason}

    reference = pd.read_csv(folder / "reference-ban.csv", sep=";", dtype=str, keep_default_na=False)
    # With no sample, every row is sent (the geocoders send each distinct
    # address once), so the results line up with geocodage-attendu.csv.
    addresses = read_addresses(folder)
    if sample:
        addresses = addresses.drop_duplicates().sample(n=min(sample, len(addresses)), random_state=0)
    distinct = len(addresses.drop_duplicates())

    with tempfile.TemporaryDirectory() as workdir:
        started = time.perf_counter()
        documents = ban_documents(reference)
        with running_addok(documents, Path(workdir)) as server:
            import_seconds = time.perf_counter() - started
            with AddokGeocoder(server.url, min_score=0.5) as geocoder:
                started = time.perf_counter()
                remote = geocoder.geocode(addresses)
                addok_seconds = time.perf_counter() - started
                filters_supported = geocoder.filters_supported
            server_peak = _process_peak_mb(server.server_pid)
            redis_peak = _process_peak_mb(server.redis_pid)

    index = ReferenceIndex.build([folder / "reference-ban.csv"])
    geocoder = LocalGeocoder(index, min_score=0.5)
    started = time.perf_counter()
    local = geocoder.geocode(addresses)
    local_seconds = time.perf_counter() - started

    same = (remote["result_id"] == local["result_id"]) & remote["result_id"].notna()
    agreement = {}
    if not sample:
        expected = pd.read_csv(folder / "geocodage-attendu.csv", dtype=str, keep_default_na=False).replace("", None)
        for name, results in (("addok", remote), ("local", local)):
            report = compare_with_expected(results, expected)
            agreement[name] = {
                "agreement_all": report["agreement"],
                "agreement_housenumber_score_ge_0_8": report["agreement_housenumber_score_ge_0_8"],
                "by_expected_type": report["by_expected_type"],
            }
        remote.assign(local_id=local["result_id"], local_type=local["result_type"]).to_csv(Path(tempfile.gettempdir()) / "geocode_addok_vs_local.csv")
    return {
        "distinct_addresses": distinct,
        "agreement": agreement,
        "import_s": round(import_seconds, 1),
        "addok_s": round(addok_seconds, 1),
        "addok_per_s": round(distinct / addok_seconds, 1),
        "local_s": round(local_seconds, 3),
        "local_per_s": round(distinct / local_seconds),
        "local_over_addok": round(addok_seconds / local_seconds, 1),
        "same_result_id_share": round(float(same.mean()), 4),
        "addok_citycode_filter_accepted": filters_supported,
        "addok_result_types": remote["result_type"].value_counts(dropna=False).to_dict(),
        "addok_server_peak_mb": server_peak,
        "redis_peak_mb": redis_peak,
        "peak_memory_mb": round(peak_memory_mb(), 1),
    }


def run_phase(name: str, arguments: list[str]) -> dict:
    """Run one phase in a child process and return its JSON report."""
    command = [sys.executable, __file__, "--phase", name, *arguments]
    completed = subprocess.run(command, capture_output=True, text=True, check=False, cwd=REPOSITORY)
    if completed.returncode != 0:
        return {"failed": completed.stderr[-2000:]}
    return json.loads(completed.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=Path(os.environ.get("BUREAUX_SHARED", REPOSITORY.parent / "shared")),
                        help="folder holding data/val-de-marne (default: ../shared)")
    parser.add_argument("--lines", type=int, default=1_000_000, help="lines of the synthetic BAN file (default 1,000,000)")
    parser.add_argument("--addok-sample", type=int, default=5_000,
                        help="distinct addresses sent to the local addok; 0 sends all (about 5 minutes at 300 rows/s)")
    parser.add_argument("--phase", choices=["local", "build", "addok"], help=argparse.SUPPRESS)
    parser.add_argument("--output", type=Path, help="also write the JSON report to this file")
    args = parser.parse_args()
    folder = args.shared / "data" / "val-de-marne"

    if args.phase == "local":
        print(json.dumps(phase_local(folder)))
        return
    if args.phase == "build":
        print(json.dumps(phase_build(args.lines)))
        return
    if args.phase == "addok":
        print(json.dumps(phase_addok(folder, args.addok_sample)))
        return

    common = ["--shared", str(args.shared), "--lines", str(args.lines), "--addok-sample", str(args.addok_sample)]
    report = {
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
        "local": run_phase("local", common),
        "build": run_phase("build", common),
        "addok": run_phase("addok", common),
    }
    text = json.dumps(report, indent=2, ensure_ascii=False)
    print(text)
    if args.output:
        args.output.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
