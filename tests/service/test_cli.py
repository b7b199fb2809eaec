"""The command line as a user runs it: exit codes, languages, JSON summaries, privacy."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from service.demo import generate_commune


def run(*args: str, env: dict | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    environment = {**os.environ, "LANG": "C.UTF-8", **(env or {})}
    environment.pop("LC_ALL", None)
    environment.pop("BUREAUX_LANG", None)
    return subprocess.run(
        [sys.executable, "-m", "service", *args], capture_output=True, text=True, env=environment, cwd=cwd, timeout=300
    )


@pytest.fixture(scope="module")
def demo_files(tmp_path_factory):
    return generate_commune(tmp_path_factory.mktemp("demo"), voters=400, seed=3)


def test_ingest_json_summary(tmp_path, demo_files):
    result = run("--db", str(tmp_path / "a.db"), "ingest", demo_files["extract"], "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["status"] == "imported"
    assert summary["lines_read"] == summary["accepted"] + summary["rejected"]
    assert summary["voters"] == 400
    assert summary["communes"] == ["45999"]


def test_ingest_twice_says_unchanged(tmp_path, demo_files):
    db = str(tmp_path / "a.db")
    run("--db", db, "ingest", demo_files["extract"])
    result = run("--db", db, "ingest", demo_files["extract"])
    assert result.returncode == 0
    assert "déjà chargé" in result.stderr


def test_ingest_english(tmp_path, demo_files):
    result = run("--db", str(tmp_path / "a.db"), "--lang", "en", "ingest", demo_files["extract"])
    assert "lines read" in result.stderr
    assert "lignes lues" not in result.stderr


def test_ingest_english_from_lang_variable(tmp_path, demo_files):
    result = run("--db", str(tmp_path / "a.db"), "ingest", demo_files["extract"], env={"LANG": "en_GB.UTF-8"})
    assert "lines read" in result.stderr


def test_missing_file_exits_nonzero(tmp_path):
    db = tmp_path / "a.db"
    result = run("--db", str(db), "ingest", str(tmp_path / "absent.csv"))
    assert result.returncode == 1
    assert "absent.csv" in result.stderr
    assert "Traceback" not in result.stderr
    assert not db.exists()


def test_unknown_layout_exits_nonzero(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("alpha;beta\n1;2\n", encoding="utf-8")
    result = run("--db", str(tmp_path / "a.db"), "--lang", "en", "ingest", str(path))
    assert result.returncode == 1
    assert "not a recognised header" in result.stderr


def test_invalid_date_option(tmp_path, demo_files):
    result = run("--db", str(tmp_path / "a.db"), "ingest", demo_files["extract"], "--date", "02/03/2026")
    assert result.returncode == 1
    assert "AAAA-MM-JJ" in result.stderr


@pytest.mark.parametrize(
    "command",
    [["ingest"], ["geocode"], ["build"], ["serve"], ["export"], ["evaluate", "geocoding"], ["evaluate", "outlines"],
     ["reference", "load"], ["reference", "communes"], ["demo"]],
)
def test_command_help(command):
    result = run(*command, "--help")
    assert result.returncode == 0, result.stderr
    assert "Usage" in result.stdout


def test_missing_argument_is_usage_error():
    result = run("ingest")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


def test_demo_runs_to_the_end(tmp_path):
    result = run("demo", "--folder", str(tmp_path / "demo"), "--voters", "300", "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["ingest"]["accepted"] == 300
    assert Path(summary["database"]).exists()


def test_json_logs(tmp_path, demo_files):
    result = run("--db", str(tmp_path / "a.db"), "--log-format", "json", "--log-level", "info", "ingest", demo_files["extract"], "--json")
    records = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    assert any(record["logger"] == "ingest.extract" for record in records)
    assert all({"time", "level", "message"} <= set(record) for record in records)


def test_help_follows_language():
    french = run("ingest", "--help")
    english = run("--lang", "en", "ingest", "--help")
    from_variable = run("ingest", "--help", env={"LANG": "en_US.UTF-8"})
    assert "Lire un extrait" in french.stdout
    assert "Read one voter-list extract" in english.stdout
    assert "Write the import report" in english.stdout
    assert "Read one voter-list extract" in from_variable.stdout


@pytest.mark.parametrize(
    ("number", "noun", "lang", "text"),
    [(0, "warning", "fr", "0 avertissement"), (1, "warning", "fr", "1 avertissement"), (2, "warning", "fr", "2 avertissements"),
     (1, "warning", "en", "1 warning"), (0, "warning", "en", "0 warnings"), (3, "bureau", "fr", "3 bureaux")],
)
def test_counted_nouns(number, noun, lang, text):
    from service.i18n import counted

    assert counted(number, noun, lang) == text


@pytest.mark.parametrize(
    ("args", "code"),
    [(["--lang", "de", "ingest", "x.csv"], 2), (["--log-level", "verbose", "ingest", "x.csv"], 2), (["--log-format", "xml", "ingest", "x.csv"], 2)],
)
def test_invalid_global_options(args, code):
    result = run(*args)
    assert result.returncode == code
    assert "Traceback" not in result.stderr


def test_reading_commands_need_database(tmp_path):
    db = tmp_path / "typo.db"
    for command in (["build"], ["geocode"], ["export", "--commune", "94028", "-o", str(tmp_path / "x.geojson")]):
        result = run("--db", str(db), *command)
        assert result.returncode == 1
        assert "introuvable" in result.stderr
    assert not db.exists()


def test_future_date_rejected(tmp_path, demo_files):
    result = run("--db", str(tmp_path / "a.db"), "ingest", demo_files["extract"], "--date", "2999-01-01")
    assert result.returncode == 1
    assert "2999-01-01" in result.stderr


def test_json_log_format_errors_are_json(tmp_path):
    result = run("--db", str(tmp_path / "a.db"), "--log-format", "json", "ingest", str(tmp_path / "absent.csv"))
    records = [json.loads(line) for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode == 1
    assert records[-1]["level"] == "error"
    assert "absent.csv" in records[-1]["message"]


def test_geocode_empty_database(tmp_path):
    db = str(tmp_path / "e.db")
    run("--db", db, "reference", "communes", str(tmp_path / "none.geojson"))
    from service.store.database import open_database

    open_database(db)
    result = run("--db", db, "geocode")
    assert result.returncode == 1
    assert "bureaux ingest" in result.stderr
