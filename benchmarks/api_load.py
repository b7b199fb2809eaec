"""Load benchmark of the HTTP API beside pygeoapi serving the same outlines from a GeoPackage.

Not a test. Needs Debian ``wrk``, the shared Val-de-Marne set (or ``--db`` of a
built database), and pygeoapi with gunicorn in its own virtual environment::

    /usr/bin/python3 -m venv --system-site-packages .venv-pygeoapi   # python3-gdal for the OGR provider
    .venv-pygeoapi/bin/pip install pygeoapi gunicorn
    .venv/bin/python benchmarks/api_load.py --pygeoapi-venv .venv-pygeoapi

Every server and client runs on 127.0.0.1. Both servers get the same number
of worker processes. For each query and client count, wrk warms up for
``--warmup`` seconds, then measures for ``--duration`` seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("BUREAUX_SHARED", ROOT.parent / "shared"))
# About 24 Val-de-Marne bureaux around Créteil: the size of the bbox query in the pygeoapi reference figures.
BBOX = "2.44,48.77,2.48,48.80"
QUERIES = {
    "items limit=10": "/collections/bureaux/items?limit=10&f=json",
    "items limit=100": "/collections/bureaux/items?limit=100&f=json",
    "bbox": f"/collections/bureaux/items?bbox={BBOX}&limit=100&f=json",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def build_database(folder: Path) -> Path:
    """Build a database of the Val-de-Marne set with the command line."""
    database = folder / "valdemarne.db"
    data = SHARED / "data" / "val-de-marne"
    steps = [
        ["ingest", str(data / "adresses-electeurs.csv")],
        ["reference", "load", str(data / "reference-ban.csv")],
        ["geocode"],
        ["reference", "communes", str(data / "communes.geojson")],
        ["build"],
    ]
    for step in steps:
        subprocess.run([sys.executable, "-m", "service", "--db", str(database), *step], check=True, capture_output=True)
    return database


def wait_until_up(url: str, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            if httpx.get(url, timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


def start_bureaux(database: Path, port: int, workers: int) -> subprocess.Popen:
    environment = {**os.environ, "DATABASE_URL": str(database)}
    command = [
        sys.executable, "-m", "uvicorn", "--factory", "service.api.app:create_app",
        "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers), "--log-level", "warning", "--no-access-log",
    ]
    return subprocess.Popen(command, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def pygeoapi_config(gpkg: Path, port: int, bbox: list[float]) -> dict:
    url = f"http://127.0.0.1:{port}"
    return {
        "server": {
            "bind": {"host": "127.0.0.1", "port": port},
            "url": url,
            "mimetype": "application/json; charset=UTF-8",
            "encoding": "utf-8",
            "languages": ["en-US"],
            "limits": {"default_items": 10, "max_items": 10000},
            # The map page is not requested by the benchmark; the tile URL only satisfies the config schema.
            "map": {"url": f"{url}/tiles/{{z}}/{{x}}/{{y}}.png", "attribution": "none"},
        },
        "logging": {"level": "ERROR"},
        "metadata": {
            "identification": {"title": "bench", "description": "bench", "keywords": ["bench"], "keywords_type": "theme", "terms_of_service": url, "url": url},
            "license": {"name": "none", "url": url},
            "provider": {"name": "bench", "url": url},
            "contact": {"name": "bench", "position": "bench", "address": "-", "city": "-", "stateorprovince": "-", "postalcode": "-", "country": "-", "phone": "-", "fax": "-", "email": "-", "url": url, "hours": "-", "instructions": "-", "role": "pointOfContact"},
        },
        "resources": {
            "bureaux": {
                "type": "collection",
                "title": "bureaux",
                "description": "bureaux",
                "keywords": ["bureaux"],
                "extents": {"spatial": {"bbox": bbox, "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84"}},
                "providers": [
                    {
                        "type": "feature",
                        "name": "OGR",
                        "data": {"source_type": "GPKG", "source": str(gpkg), "source_capabilities": {"paging": True}},
                        "id_field": "bureau",
                        "layer": "bureaux",
                    }
                ],
            }
        },
    }


def start_pygeoapi(venv: Path, gpkg: Path, port: int, workers: int, folder: Path, bbox: list[float]) -> subprocess.Popen:
    config = folder / "pygeoapi-config.yml"
    # JSON is valid YAML.
    config.write_text(json.dumps(pygeoapi_config(gpkg, port, bbox)))
    openapi = folder / "pygeoapi-openapi.yml"
    environment = {**os.environ, "PYGEOAPI_CONFIG": str(config), "PYGEOAPI_OPENAPI": str(openapi)}
    subprocess.run([str(venv / "bin" / "pygeoapi"), "openapi", "generate", str(config), "--output-file", str(openapi)], check=True, env=environment, capture_output=True)
    command = [str(venv / "bin" / "gunicorn"), "pygeoapi.flask_app:APP", "--workers", str(workers), "--bind", f"127.0.0.1:{port}", "--log-level", "error"]
    return subprocess.Popen(command, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _milliseconds(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit]


def run_wrk(url: str, clients: int, duration: int, warmup: int) -> dict:
    threads = str(min(clients, 2))
    subprocess.run(["wrk", "-t", threads, "-c", str(clients), "-d", f"{warmup}s", url], check=True, capture_output=True)
    output = subprocess.run(
        ["wrk", "-t", threads, "-c", str(clients), "-d", f"{duration}s", "--latency", url], check=True, capture_output=True, text=True
    ).stdout
    errors = 0
    for pattern in (r"Non-2xx or 3xx responses: (\d+)", r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)"):
        match = re.search(pattern, output)
        if match:
            errors += sum(int(group) for group in match.groups())
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        # Percentile lines of the latency distribution start with the percentile.
        "p50": _milliseconds(re.search(r"^\s+50%\s+(\S+)", output, re.MULTILINE).group(1)),
        "p99": _milliseconds(re.search(r"^\s+99%\s+(\S+)", output, re.MULTILINE).group(1)),
        "errors": errors,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", type=Path, help="built database to serve (default: build the Val-de-Marne set)")
    parser.add_argument("--pygeoapi-venv", type=Path, default=ROOT / ".venv-pygeoapi")
    parser.add_argument("--workers", type=int, default=2, help="worker processes of each server")
    parser.add_argument("--duration", type=int, default=10, help="seconds measured per row")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of warm-up per row")
    parser.add_argument("--clients", default="1,32", help="comma-separated concurrent client counts")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    arguments = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: install the Debian package wrk")

    from service.api.downloads import write_export
    from service.store.database import open_database
    from service.store.queries import served_extent

    with tempfile.TemporaryDirectory(prefix="bureaux-bench-") as name:
        folder = Path(name)
        database = arguments.db or build_database(folder)
        engine = open_database(str(database))
        gpkg = folder / "bureaux.gpkg"
        count = write_export(engine, departement="94", fmt="gpkg", path=gpkg)
        bbox = list(served_extent(engine))
        print(f"{count} Val-de-Marne outlines; pygeoapi reads {gpkg.name}", flush=True)

        servers = {}
        port = free_port()
        servers["bureaux"] = (start_bureaux(database, port, arguments.workers), f"http://127.0.0.1:{port}")
        if (arguments.pygeoapi_venv / "bin" / "pygeoapi").exists():
            port = free_port()
            servers["pygeoapi"] = (start_pygeoapi(arguments.pygeoapi_venv, gpkg, port, arguments.workers, folder, bbox), f"http://127.0.0.1:{port}")
        else:
            print(f"pygeoapi not found in {arguments.pygeoapi_venv}: measuring bureaux alone", flush=True)

        results = []
        try:
            for name_, (process, base) in servers.items():
                wait_until_up(base + "/collections?f=json", process)
            print(f"{'query':<16} {'server':<9} {'clients':>7} {'bytes':>7} {'numberReturned':>14} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>6}")
            for label, path in QUERIES.items():
                for clients in [int(value) for value in arguments.clients.split(",")]:
                    for server, (_, base) in servers.items():
                        sample = httpx.get(base + path, timeout=30)
                        returned = len(sample.json().get("features", []))
                        figures = run_wrk(base + path, clients, arguments.duration, arguments.warmup)
                        row = {"query": label, "server": server, "clients": clients, "bytes": len(sample.content), "returned": returned, **figures}
                        results.append(row)
                        print(
                            f"{label:<16} {server:<9} {clients:>7} {row['bytes']:>7} {returned:>14} {row['rps']:>8.1f} "
                            f"{row['p50']:>8.1f} {row['p99']:>8.1f} {row['errors']:>6}",
                            flush=True,
                        )
        finally:
            for process, _ in servers.values():
                process.terminate()
                process.wait(timeout=20)
        if arguments.json:
            arguments.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
