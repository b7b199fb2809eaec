"""API fixtures: a small synthetic database with served outlines, a TestClient and a real uvicorn server."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date, datetime, timezone
from pathlib import Path

import httpx
import pytest
import shapely
from shapely.geometry import MultiPolygon, Polygon, box
from sqlalchemy import insert

from service.store.database import open_database
from service.store.models import (
    ActiveBuildRecord,
    BoundaryRecord,
    BuildRecord,
    BureauRecord,
    CommuneRecord,
    ExtractRecord,
    OutlineRecord,
    VoterCountRecord,
)

SEXES = ("F", "M")
AGE_BANDS = ("18-24", "25-34", "35-49", "50-64", "65-79", "80+")


def _clockwise(polygon: Polygon) -> Polygon:
    """Return ``polygon`` with a clockwise exterior, the opposite of RFC 7946, to test re-orientation."""
    return shapely.orient_polygons(polygon, exterior_cw=True)


def _jitter(polygon: Polygon) -> Polygon:
    """Add decimals beyond the sixth to every coordinate, to test rounding."""
    return shapely.transform(polygon, lambda xy: xy + 1.234e-8)


def synthetic_outlines() -> dict[str, list[tuple[str, Polygon]]]:
    """Return the outlines of three communes as (bureau code, polygon) lists in EPSG:4326.

    ``94028``: a 3 × 2 grid of bureaux near Créteil, where bureau 0007 is an
    island inside 0006, so 0006 has a hole. ``2A004``: two bureaux near
    Ajaccio. ``97411``: one bureau in La Réunion.
    """
    x0, y0, step = 2.4400, 48.7700, 0.0100
    grid = []
    for index in range(6):
        column, row = index % 3, index // 3
        grid.append((f"{index + 1:04d}", box(x0 + column * step, y0 + row * step, x0 + (column + 1) * step, y0 + (row + 1) * step)))
    island = box(x0 + 2.3 * step, y0 + 1.3 * step, x0 + 2.7 * step, y0 + 1.7 * step)
    grid[5] = ("0006", Polygon(grid[5][1].exterior.coords, [island.exterior.coords]))
    grid.append(("0007", island))
    corsica = [("1", box(8.70, 41.90, 8.72, 41.93)), ("2", box(8.72, 41.90, 8.74, 41.93))]
    reunion = [("1", box(55.44, -20.90, 55.48, -20.86))]
    return {
        "94028": [(code, _jitter(_clockwise(polygon))) for code, polygon in grid],
        "2A004": corsica,
        "97411": reunion,
    }


def voter_rows(commune: str, code: str, seed: int) -> list[dict]:
    """Return voter counts per list, sex and age band for one bureau; some are under 11."""
    rows = []
    for sex_index, sexe in enumerate(SEXES):
        for age_index, tranche in enumerate(AGE_BANDS):
            value = (seed * 37 + sex_index * 11 + age_index * 23) % 90 + 2
            rows.append({"type_liste": "LP", "sexe": sexe, "tranche_age": tranche, "voters": value})
    rows.append({"type_liste": "LCM", "sexe": "F", "tranche_age": "35-49", "voters": 3 + seed % 5})
    rows.append({"type_liste": "LCE", "sexe": "M", "tranche_age": "25-34", "voters": 12 + seed % 4})
    bureau_id = f"{commune}_{code.zfill(4) if code.isdigit() else code}"
    return [{"commune": commune, "bureau": bureau_id, **row} for row in rows]


def make_synthetic_database(path: Path) -> Path:
    """Create a SQLite database at ``path`` with communes, bureaux, counts, two builds and served outlines."""
    engine = open_database(str(path))
    now = datetime.now(timezone.utc)
    outlines = synthetic_outlines()
    # 2A004 has no label, as with the generic layout: its name comes from its loaded boundary.
    labels = {"94028": "Créteil", "2A004": "", "97411": "Saint-Denis"}
    with engine.begin() as connection:
        extract_id = connection.execute(
            insert(ExtractRecord).values(
                sha256="0" * 64, file_name="synthetic.csv", layout="reu", extract_date=date(2026, 3, 1), imported_at=now,
                lines_read=0, accepted=0, rejected=0, voters=0, report="{}",
            )
        ).inserted_primary_key[0]
        old_build = connection.execute(insert(BuildRecord).values(started_at=now, status="complete", params="{}")).inserted_primary_key[0]
        build = connection.execute(insert(BuildRecord).values(started_at=now, status="complete", params="{}")).inserted_primary_key[0]
        seed = 0
        for commune, parts in outlines.items():
            counts = []
            bureau_totals = {}
            for code, _ in parts:
                seed += 1
                rows = voter_rows(commune, code, seed)
                if commune == "97411":
                    # A tiny bureau: every cell and its total are under 11.
                    rows = [{**row, "voters": 1} for row in rows[:8]]
                counts.extend(rows)
                bureau_totals[code] = sum(row["voters"] for row in rows)
            connection.execute(
                insert(CommuneRecord).values(
                    code=commune, label=labels[commune], extract_id=extract_id, voters=sum(bureau_totals.values()), geocoded=True
                )
            )
            for code, polygon in parts:
                bureau_id = f"{commune}_{code.zfill(4)}"
                connection.execute(
                    insert(BureauRecord).values(
                        id=bureau_id, commune=commune, code=code, label=f"École {code}", voters=bureau_totals[code], addresses=10
                    )
                )
                for build_id, geometry in ((old_build, shapely.affinity.translate(polygon, 0.5, 0.5)), (build, polygon)):
                    multi = MultiPolygon([geometry])
                    minx, miny, maxx, maxy = multi.bounds
                    connection.execute(
                        insert(OutlineRecord).values(
                            build_id=build_id, commune=commune, bureau=bureau_id, geometry=shapely.to_wkb(multi),
                            geometry_local=shapely.to_wkb(multi), crs=2154, minx=minx, miny=miny, maxx=maxx, maxy=maxy,
                            area_m2=1_000_000.0, addresses=10, voters=bureau_totals[code], points_used=10,
                        )
                    )
            connection.execute(insert(VoterCountRecord), counts)
            connection.execute(insert(ActiveBuildRecord).values(commune=commune, build_id=build))
        corsica = shapely.union_all([polygon for _, polygon in outlines["2A004"]])
        connection.execute(insert(BoundaryRecord).values(code="2A004", name="Ajaccio", source="test", geometry=shapely.to_wkb(corsica)))
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def api_database(tmp_path_factory) -> Path:
    """A synthetic database: 94028 (7 bureaux, one with a hole), 2A004 (2, unlabelled, with a boundary), 97411 (1, tiny)."""
    return make_synthetic_database(tmp_path_factory.mktemp("api") / "bureaux.db")


@pytest.fixture(scope="session")
def client(api_database):
    """A TestClient over the synthetic database."""
    from fastapi.testclient import TestClient

    from service.api.app import create_app

    with TestClient(create_app(str(api_database))) as test_client:
        yield test_client


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def running_server(database: Path, audit_log: Path | None = None) -> Iterator[str]:
    """Run ``uvicorn`` on 127.0.0.1 over ``database`` in a subprocess and yield its base URL."""
    port = free_port()
    environment = {**os.environ, "DATABASE_URL": str(database)}
    if audit_log is not None:
        environment["BUREAUX_AUDIT_LOG"] = str(audit_log)
    command = [
        sys.executable, "-m", "uvicorn", "--factory", "service.api.app:create_app",
        "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
    ]
    process = subprocess.Popen(command, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                output = process.stdout.read().decode(errors="replace") if process.stdout else ""
                raise RuntimeError(f"uvicorn exited with {process.returncode}: {output[-2000:]}")
            try:
                if httpx.get(base_url + "/conformance", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not answer within 60 s")
            time.sleep(0.2)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="session")
def audit_log(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("audit") / "audit.jsonl"


@pytest.fixture(scope="session")
def live_server(api_database, audit_log) -> Iterator[str]:
    """Base URL of a real uvicorn server over the synthetic database."""
    with running_server(api_database, audit_log) as base_url:
        yield base_url


def read_json_lines(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
