"""The ``bureaux`` command line: ingest, geocode, build, serve, export, evaluate, demo."""

from __future__ import annotations

import json
import logging
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn
from sqlalchemy.exc import SQLAlchemyError

from ingest.errors import IngestError
from ingest.extract import read_extract
from ingest.layouts import LAYOUT_NAMES
from service.i18n import detect_language, translate
from service.logs import configure_logging

logger = logging.getLogger(__name__)

EXIT_FAILURE = 1
EXIT_NOT_AVAILABLE = 3

app = typer.Typer(
    name="bureaux",
    help="Contours et effectifs des bureaux de vote à partir d'extraits de listes électorales. "
    "Polling-station outlines and counts from voter-list extracts.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
evaluate_app = typer.Typer(help="Évaluer le géocodage ou les contours. Evaluate geocoding or outlines.", no_args_is_help=True)
reference_app = typer.Typer(help="Charger des référentiels (BAN, communes). Load reference data (BAN, communes).", no_args_is_help=True)
app.add_typer(evaluate_app, name="evaluate")
app.add_typer(reference_app, name="reference")


@dataclass
class State:
    """Options shared by every command."""

    db: str | None = None
    lang: str = "fr"

    @property
    def stdout(self) -> Console:
        return Console(soft_wrap=True)

    @property
    def stderr(self) -> Console:
        return Console(stderr=True, soft_wrap=True)

    def say(self, key: str, **params: object) -> None:
        self.stderr.print(translate(key, self.lang, **params), highlight=False, markup=False)

    def fail(self, message: str, code: int = EXIT_FAILURE) -> None:
        self.stderr.print(translate("cli.error", self.lang, message=message), style="red", highlight=False, markup=False)
        raise typer.Exit(code)


state = State()


@app.callback()
def main_options(
    db: Annotated[Optional[str], typer.Option("--db", help="Fichier SQLite ou URL de base (défaut : DATABASE_URL, sinon ./bureaux.db).")] = None,
    lang: Annotated[Optional[str], typer.Option("--lang", help="Langue des messages : fr ou en (défaut : d'après LANG).")] = None,
    log_format: Annotated[str, typer.Option("--log-format", help="Format des journaux sur stderr : text ou json.")] = "text",
    log_level: Annotated[str, typer.Option("--log-level", help="Niveau des journaux : debug, info, warning, error.")] = "warning",
) -> None:
    """Polling-station outlines and aggregate counts from French voter-list extracts."""
    state.db = db
    state.lang = detect_language(lang)
    configure_logging(log_level, log_format)


def _parse_date(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        state.fail(translate("cli.invalid_date", state.lang, value=value))
    return None


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
        disable=not sys.stderr.isatty(),
    )


@app.command()
def ingest(
    file: Annotated[Path, typer.Argument(help="Extrait CSV de liste électorale.", show_default=False)],
    commune: Annotated[Optional[str], typer.Option("--commune", help="Code INSEE de la commune de l'extrait.")] = None,
    report: Annotated[Optional[Path], typer.Option("--report", help="Écrire le rapport d'import (JSON) dans ce fichier.")] = None,
    layout: Annotated[Optional[str], typer.Option("--layout", help=f"Forcer le format : {', '.join(LAYOUT_NAMES)}.")] = None,
    mapping: Annotated[Optional[list[str]], typer.Option("--map", help="Format générique : champ=colonne (répétable).")] = None,
    extract_date: Annotated[Optional[str], typer.Option("--date", help="Date de l'extrait (AAAA-MM-JJ), pour le calcul des âges.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Charger même un extrait plus ancien que celui en base.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Écrire un résumé JSON sur la sortie standard.")] = False,
) -> None:
    """Read one voter-list extract and store its addresses and counts."""
    from service.store.database import open_database
    from service.store.extracts import save_extract

    if layout is not None and layout not in LAYOUT_NAMES:
        state.fail(f"--layout {layout} : {', '.join(LAYOUT_NAMES)}")
    when = _parse_date(extract_date)
    try:
        with _progress() as progress:
            size = file.stat().st_size if file.is_file() else None
            task = progress.add_task(translate("ingest.reading", state.lang, file=file.name), total=size)
            extract = read_extract(
                file,
                commune=commune,
                layout=layout,
                mapping=mapping,
                extract_date=when,
                progress=lambda nbytes: progress.advance(task, nbytes),
            )
        engine = open_database(state.db)
        result = save_extract(engine, extract, force=force)
    except IngestError as error:
        logger.info("ingest of %s failed: %s", file.name, type(error).__name__)
        state.fail(error.message(state.lang))
        return
    except SQLAlchemyError as error:
        logger.error("database error during ingest of %s: %s", file.name, type(error).__name__)
        state.fail(translate("cli.database_error", state.lang, db=state.db or "bureaux.db", reason=type(error).__name__))
        return

    data = extract.report.to_dict()
    if report is not None:
        report.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")

    summary = {
        "status": result.status,
        "extract_id": result.extract_id,
        "replaced_communes": result.replaced,
        **{key: data[key] for key in ("file", "sha256", "layout", "encoding", "extract_date", "lines_read", "accepted", "rejected", "voters", "addresses", "bureaux", "communes")},
        "warnings": len(data["warnings"]),
        "reasons": data["reasons"],
    }
    if as_json:
        typer.echo(json.dumps(summary, ensure_ascii=False))
    else:
        _print_ingest_summary(summary, report)
    if result.status == "empty":
        raise typer.Exit(EXIT_FAILURE)


def _print_ingest_summary(summary: dict, report: Path | None) -> None:
    file = summary["file"]
    if summary["status"] == "unchanged":
        state.say("ingest.unchanged", file=file)
    elif summary["status"] == "empty":
        state.say("ingest.empty", file=file)
    state.say(
        "ingest.summary",
        file=file,
        lines_read=summary["lines_read"],
        accepted=summary["accepted"],
        rejected=summary["rejected"],
        warnings=summary["warnings"],
        voters=summary["voters"],
        addresses=summary["addresses"],
        bureaux=summary["bureaux"],
        communes=len(summary["communes"]),
    )
    reasons = summary["reasons"]
    if reasons["rejections"]:
        state.say("ingest.rejections", reasons=", ".join(f"{k} {v}" for k, v in reasons["rejections"].items()))
    if reasons["warnings"]:
        state.say("ingest.warnings", reasons=", ".join(f"{k} {v}" for k, v in reasons["warnings"].items()))
    if summary["extract_date"] is None:
        state.say("ingest.date_today")
    if summary["replaced_communes"]:
        state.say("ingest.replaced", communes=", ".join(summary["replaced_communes"]))
    if report is not None:
        state.say("ingest.report_written", path=str(report))


def _not_available(command: str) -> None:
    state.stderr.print(translate("cli.not_available", state.lang, command=command), style="yellow", highlight=False, markup=False)
    raise typer.Exit(EXIT_NOT_AVAILABLE)


@app.command()
def geocode() -> None:
    """Geocode the stored addresses against a BAN reference."""
    _not_available("geocode")


@app.command()
def build() -> None:
    """Derive the outline of every bureau from the geocoded addresses."""
    _not_available("build")


@app.command()
def serve() -> None:
    """Serve outlines and counts over HTTP (OGC API – Features)."""
    _not_available("serve")


@app.command()
def export() -> None:
    """Write the outlines of a commune or département to a file."""
    _not_available("export")


@evaluate_app.command("geocoding")
def evaluate_geocoding() -> None:
    """Compare stored geocoding results with a file of expected results."""
    _not_available("evaluate geocoding")


@evaluate_app.command("outlines")
def evaluate_outlines() -> None:
    """Cross-validate outlines, or compare them with official ones."""
    _not_available("evaluate outlines")


@reference_app.command("load")
def reference_load() -> None:
    """Load BAN address files into the local geocoding index."""
    _not_available("reference load")


@reference_app.command("communes")
def reference_communes() -> None:
    """Load commune boundaries (GeoJSON, GeoPackage, shapefile)."""
    _not_available("reference communes")


@app.command()
def demo(
    folder: Annotated[Path, typer.Option("--folder", help="Dossier où écrire la commune de démonstration.")] = Path("bureaux-demo"),
    voters: Annotated[int, typer.Option("--voters", min=50, help="Nombre d'électeurs fictifs.")] = 3000,
    seed: Annotated[int, typer.Option("--seed", help="Graine du générateur (même graine, même commune).")] = 1,
    as_json: Annotated[bool, typer.Option("--json", help="Écrire un résumé JSON sur la sortie standard.")] = False,
) -> None:
    """Generate a fictitious commune and run every available stage on it."""
    from service.demo import run_demo

    try:
        summary = run_demo(folder, voters=voters, seed=seed, db=state.db, lang=state.lang, say=state.say)
    except IngestError as error:
        state.fail(error.message(state.lang))
        return
    if as_json:
        typer.echo(json.dumps(summary, ensure_ascii=False))


def main() -> None:
    """Run the command line."""
    app()
