"""No name, birth date, birthplace or nationality reaches the database, the logs or the report."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from datetime import datetime

import pytest

from ingest.text import fold
from service.demo import generate_commune

PERSONAL_COLUMNS = (
    "nom de naissance",
    "nom d'usage",
    "prénoms",
    "date de naissance",
    "libellé commune de naissance",
    "pays de naissance",
    "libellé nationalité",
)


def personal_values(path) -> set[str]:
    """Collect every personal value of a REU extract, with birth dates in the forms a store might use."""
    values: set[str] = set()
    with open(path, encoding="utf-8", newline="") as stream:
        for row in csv.DictReader(stream, delimiter=";"):
            for column in PERSONAL_COLUMNS:
                value = row[column].strip()
                if column == "pays de naissance" and value == "FRANCE":
                    continue  # also the country of every postal address
                if not value:
                    continue
                values.add(value)
                if column == "date de naissance" and not value.startswith("00/"):
                    when = datetime.strptime(value, "%d/%m/%Y")
                    values.update({when.strftime("%Y-%m-%d"), when.strftime("%Y%m%d")})
            complement = row["complément 1"]
            if complement.startswith("CHEZ "):
                values.add(complement[len("CHEZ "):])
    return values


def leaked(values: set[str], text: str) -> list[str]:
    """Return the values found in ``text``, compared exactly and after folding case and accents."""
    folded = fold(text)
    return sorted(value for value in values if value in text or fold(value) in folded)


@pytest.fixture(scope="module")
def ingested(tmp_path_factory):
    folder = tmp_path_factory.mktemp("privacy")
    files = generate_commune(folder, voters=1500, seed=11)
    db = folder / "privacy.db"
    report = folder / "report.json"
    environment = {**os.environ, "LANG": "C.UTF-8"}
    result = subprocess.run(
        [sys.executable, "-m", "service", "--db", str(db), "--log-level", "debug", "--log-format", "json",
         "ingest", files["extract"], "--report", str(report), "--json"],
        capture_output=True, text=True, env=environment, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return {"values": personal_values(files["extract"]), "db": db, "report": report, "output": result.stdout + result.stderr}


def test_extract_has_personal_values(ingested):
    # Guards the test itself: it must search for something.
    assert len(ingested["values"]) > 1000


def test_database_has_no_personal_value(ingested):
    content = b""
    for suffix in ("", "-wal", "-shm"):
        path = ingested["db"].with_name(ingested["db"].name + suffix)
        if path.exists():
            content += path.read_bytes()
    assert leaked(ingested["values"], content.decode("utf-8", errors="ignore")) == []


def test_report_has_no_personal_value(ingested):
    text = ingested["report"].read_text(encoding="utf-8")
    assert leaked(ingested["values"], text) == []


def test_logs_have_no_personal_value(ingested):
    assert leaked(ingested["values"], ingested["output"]) == []


def test_care_of_name_not_stored(ingested):
    names = [value for value in ingested["values"] if value.isupper() and len(value) > 5]
    assert names
    content = ingested["db"].read_bytes()
    assert not any(name.encode() in content for name in names)
