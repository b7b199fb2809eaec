"""Start a local addok HTTP server over a throwaway Redis, indexed with a small BAN extract.

addok and its plugins live in a separate virtual environment (``.venv-addok``
beside the repository, or the one named by ``BUREAUX_ADDOK_VENV``) because
their pins clash with the project's. Redis is Debian's ``redis-server``. Both
servers listen on free ports of 127.0.0.1 only.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pandas as pd

REPOSITORY = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"

# French address configuration: addok-france query and token processors,
# addok-fr phonemisation and synonyms, citycode as a field so that CSV results
# carry `result_citycode`, and the type/postcode/citycode filters.
CONFIG_TEMPLATE = """
from pathlib import Path
import addok_fr

REDIS = {{
    "host": "{host}",
    "port": {redis_port},
    "unix_socket_path": None,
    "indexes": {{"db": 0}},
    "documents": {{"db": 1}},
}}
LOG_DIR = "{log_dir}"
BATCH_WORKERS = 1
QUERY_PROCESSORS_PYPATHS = [
    "addok.helpers.text.check_query_length",
    "addok_france.extract_address",
    "addok_france.clean_query",
    "addok_france.remove_leading_zeros",
]
SEARCH_RESULT_PROCESSORS_PYPATHS = [
    "addok.helpers.results.match_housenumber",
    "addok_france.make_labels",
    "addok.helpers.results.score_by_importance",
    "addok.helpers.results.score_by_autocomplete_distance",
    "addok.helpers.results.score_by_ngram_distance",
    "addok.helpers.results.score_by_geo_distance",
]
PROCESSORS_PYPATHS = [
    "addok.helpers.text.tokenize",
    "addok.helpers.text.normalize",
    "addok_france.glue_ordinal",
    "addok_france.fold_ordinal",
    "addok_france.flag_housenumber",
    "addok.helpers.text.synonymize",
    "addok_fr.phonemicize",
]
SYNONYMS_PATHS = [str(Path(addok_fr.__file__).parent / "resources" / "synonyms.txt")]
FIELDS = [
    {{"key": "name", "boost": 4, "null": False}},
    {{"key": "street"}},
    {{"key": "postcode", "boost": lambda doc: 1.2 if doc.get("type") == "municipality" else 1}},
    {{"key": "city"}},
    {{"key": "housenumbers"}},
    {{"key": "context"}},
    {{"key": "citycode"}},
]
FILTERS = ["type", "postcode", "citycode"]
"""


def addok_venv() -> Path:
    """Return the virtual environment that contains addok."""
    return Path(os.environ.get("BUREAUX_ADDOK_VENV", REPOSITORY / ".venv-addok"))


def missing_tools() -> str | None:
    """Return why the local addok cannot run here, or None when it can."""
    if shutil.which("redis-server") is None:
        return "redis-server is not installed (apt-get install redis-server)"
    if not (addok_venv() / "bin" / "addok").exists():
        return f"addok is not installed in {addok_venv()} (python -m venv {addok_venv()} && {addok_venv()}/bin/pip install addok addok-fr addok-france addok-csv)"
    return None


def free_port() -> int:
    """Return a TCP port that is free on 127.0.0.1 now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def ban_documents(reference: pd.DataFrame) -> list[dict]:
    """Turn BAN rows (id, numero, rep, nom_voie, code_postal, code_insee, nom_commune, lon, lat) into addok street documents.

    One document per commune and street name, with its house numbers nested.
    A street-level row (no numero) gives the street's id and position,
    otherwise the street gets a derived id and the centroid of its numbers.
    """
    documents = []
    reference = reference.assign(
        numero=pd.to_numeric(reference["numero"], errors="coerce"),
        lon=pd.to_numeric(reference["lon"], errors="coerce"),
        lat=pd.to_numeric(reference["lat"], errors="coerce"),
    )
    for (insee, name), rows in reference.groupby(["code_insee", "nom_voie"], sort=False):
        street_rows = rows[rows["numero"].isna()]
        numbered = rows[rows["numero"].notna()]
        if len(street_rows):
            street_id = street_rows["id"].iloc[0]
            lon, lat = float(street_rows["lon"].iloc[0]), float(street_rows["lat"].iloc[0])
        else:
            street_id = f"{insee}_{hashlib.sha1(name.encode()).hexdigest()[:8]}"
            lon, lat = float(numbered["lon"].mean()), float(numbered["lat"].mean())
        housenumbers = {}
        for row in numbered.itertuples(index=False):
            rep = row.rep if isinstance(row.rep, str) and row.rep else ""
            key = f"{int(row.numero)} {rep}".strip()
            housenumbers[key] = {"id": row.id, "lon": float(row.lon), "lat": float(row.lat)}
        documents.append(
            {
                "id": street_id,
                "type": "street",
                "name": name,
                "postcode": rows["code_postal"].iloc[0],
                "citycode": insee,
                "city": rows["nom_commune"].iloc[0],
                "lon": lon,
                "lat": lat,
                "importance": 0.5,
                "housenumbers": housenumbers,
            }
        )
    return documents


@dataclass
class AddokServer:
    """A running addok HTTP server and its Redis."""

    url: str
    redis_port: int
    config_path: Path
    server_pid: int
    redis_pid: int


def _wait_for_port(port: int, process: subprocess.Popen, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with code {process.returncode} before listening on {HOST}:{port}")
        try:
            with socket.create_connection((HOST, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{what} did not listen on {HOST}:{port} within {timeout} s")


def _addok(config_path: Path, *arguments: str, log: Path) -> None:
    command = [str(addok_venv() / "bin" / "addok"), "--config", str(config_path), *arguments]
    with log.open("ab") as handle:
        subprocess.run(command, check=True, stdout=handle, stderr=subprocess.STDOUT, timeout=600)


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@contextmanager
def running_addok(documents: list[dict], workdir: Path) -> Iterator[AddokServer]:
    """Start Redis and addok on free 127.0.0.1 ports, index ``documents``, yield the server, then stop both."""
    workdir.mkdir(parents=True, exist_ok=True)
    log = workdir / "addok.log"
    redis_port = free_port()
    redis = subprocess.Popen(
        ["redis-server", "--port", str(redis_port), "--bind", HOST, "--save", "", "--appendonly", "no", "--dir", str(workdir)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server = None
    try:
        _wait_for_port(redis_port, redis, "redis-server")
        config_path = workdir / "addok_local.py"
        config_path.write_text(CONFIG_TEMPLATE.format(host=HOST, redis_port=redis_port, log_dir=workdir), encoding="utf-8")

        documents_path = workdir / "documents.ndjson"
        with documents_path.open("w", encoding="utf-8") as handle:
            for document in documents:
                handle.write(json.dumps(document, ensure_ascii=False) + "\n")
        _addok(config_path, "batch", str(documents_path), log=log)
        _addok(config_path, "ngrams", log=log)

        http_port = free_port()
        with log.open("ab") as handle:
            server = subprocess.Popen(
                [str(addok_venv() / "bin" / "addok"), "--config", str(config_path), "serve", "--host", HOST, "--port", str(http_port)],
                stdout=handle,
                stderr=subprocess.STDOUT,
            )
        _wait_for_port(http_port, server, "addok serve")
        url = f"http://{HOST}:{http_port}"
        httpx.get(f"{url}/search/", params={"q": "rue"}, timeout=30).raise_for_status()
        yield AddokServer(url=url, redis_port=redis_port, config_path=config_path, server_pid=server.pid, redis_pid=redis.pid)
    finally:
        if server is not None:
            _stop(server)
        _stop(redis)
