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
from service.i18n import counted, detect_language, translate
from service.logs import JsonFormatter, configure_logging

logger = logging.getLogger(__name__)


def _help_language() -> str:
    """Return the language of --help texts: --lang on the command line, else LANG."""
    arguments = sys.argv[1:]
    for index, argument in enumerate(arguments):
        if argument == "--lang" and index + 1 < len(arguments):
            return detect_language(arguments[index + 1])
        if argument.startswith("--lang="):
            return detect_language(argument.split("=", 1)[1])
    return detect_language(None)


HELP_LANGUAGE = _help_language()


def h(french: str, english: str) -> str:
    """Return the help text in the language of this run."""
    return english if HELP_LANGUAGE == "en" else french


EXIT_FAILURE = 1
EXPORT_FORMATS = ("geojson", "gpkg", "fgb", "parquet")
EXIT_NOT_AVAILABLE = 3

app = typer.Typer(
    name="bureaux",
    help=h(
        "Contours et effectifs des bureaux de vote à partir d'extraits de listes électorales.",
        "Polling-station outlines and counts from voter-list extracts.",
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
evaluate_app = typer.Typer(help=h("Évaluer le géocodage ou les contours.", "Evaluate geocoding or outlines."), no_args_is_help=True)
reference_app = typer.Typer(help=h("Charger des référentiels (BAN, communes).", "Load reference data (BAN, communes)."), no_args_is_help=True)
app.add_typer(evaluate_app, name="evaluate")
app.add_typer(reference_app, name="reference")


@dataclass
class State:
    """Options shared by every command."""

    db: str | None = None
    lang: str = "fr"
    log_format: str = "text"

    @property
    def stdout(self) -> Console:
        return Console(soft_wrap=True)

    @property
    def stderr(self) -> Console:
        return Console(stderr=True, soft_wrap=True)

    def _emit(self, level: str, text: str, style: str | None = None) -> None:
        # Batch runs with --log-format json get one JSON object per line on stderr.
        if self.log_format == "json":
            sys.stderr.write(JsonFormatter().format(logging.makeLogRecord({"name": "bureaux", "levelname": level.upper(), "msg": text})) + "\n")
        else:
            self.stderr.print(text, style=style, highlight=False, markup=False)

    def say(self, key: str, **params: object) -> None:
        self._emit("info", translate(key, self.lang, **params))

    def fail(self, message: str, code: int = EXIT_FAILURE) -> None:
        self._emit("error", translate("cli.error", self.lang, message=message), style="red")
        raise typer.Exit(code)


state = State()


@app.callback()
def main_options(
    db: Annotated[Optional[str], typer.Option("--db", help=h("Fichier SQLite ou URL de base (défaut : DATABASE_URL, sinon ./bureaux.db).", "SQLite file or database URL (default: DATABASE_URL, else ./bureaux.db)."))] = None,
    lang: Annotated[Optional[str], typer.Option("--lang", help=h("Langue des messages : fr ou en (défaut : d'après LANG).", "Language of messages: fr or en (default: from LANG)."))] = None,
    log_format: Annotated[str, typer.Option("--log-format", help=h("Format des journaux sur stderr : text ou json.", "Format of the logs on stderr: text or json."))] = "text",
    log_level: Annotated[str, typer.Option("--log-level", help=h("Niveau des journaux : debug, info, warning, error.", "Log level: debug, info, warning, error."))] = "warning",
) -> None:
    """Polling-station outlines and aggregate counts from French voter-list extracts."""
    if lang is not None and lang.lower() not in ("fr", "en"):
        raise typer.BadParameter(h(f"« {lang} » : fr ou en.", f"'{lang}': fr or en."), param_hint="--lang")
    if log_format not in ("text", "json"):
        raise typer.BadParameter(h(f"« {log_format} » : text ou json.", f"'{log_format}': text or json."), param_hint="--log-format")
    if log_level.lower() not in ("debug", "info", "warning", "error"):
        raise typer.BadParameter(h(f"« {log_level} » : debug, info, warning ou error.", f"'{log_level}': debug, info, warning or error."), param_hint="--log-level")
    state.db = db
    state.lang = detect_language(lang.lower() if lang else None)
    state.log_format = log_format
    configure_logging(log_level, log_format)


def _parse_date(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        state.fail(translate("cli.invalid_date", state.lang, value=value))
        return None
    if parsed > date.today():
        state.fail(translate("cli.future_date", state.lang, value=value))
    return parsed


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


@app.command(help=h("Lire un extrait de liste électorale et stocker ses adresses et effectifs.", "Read one voter-list extract and store its addresses and counts."))
def ingest(
    file: Annotated[Path, typer.Argument(help=h("Extrait CSV de liste électorale.", "CSV extract of the electoral list."), show_default=False)],
    commune: Annotated[Optional[str], typer.Option("--commune", help=h("Code INSEE de la commune de l'extrait.", "INSEE code of the extract's commune."))] = None,
    report: Annotated[Optional[Path], typer.Option("--report", help=h("Écrire le rapport d'import (JSON) dans ce fichier.", "Write the import report (JSON) to this file."))] = None,
    layout: Annotated[Optional[str], typer.Option("--layout", help=h(f"Forcer le format : {', '.join(LAYOUT_NAMES)}.", f"Force the layout: {', '.join(LAYOUT_NAMES)}."))] = None,
    mapping: Annotated[Optional[list[str]], typer.Option("--map", help=h("Format générique : champ=colonne (répétable).", "Generic layout: field=column (repeatable)."))] = None,
    extract_date: Annotated[Optional[str], typer.Option("--date", help=h("Date de l'extrait (AAAA-MM-JJ), pour le calcul des âges.", "Date of the extract (YYYY-MM-DD), at which ages are computed."))] = None,
    force: Annotated[bool, typer.Option("--force", help=h("Charger même un extrait plus ancien que celui en base.", "Load the extract even if it is older than the stored one."))] = False,
    as_json: Annotated[bool, typer.Option("--json", help=h("Écrire un résumé JSON sur la sortie standard.", "Write a JSON summary to standard output."))] = False,
) -> None:
    """Read one voter-list extract and store its addresses and counts."""
    from service.store.database import open_database
    from service.store.extracts import save_extract

    if layout is not None and layout not in LAYOUT_NAMES:
        state.fail(translate("cli.invalid_choice", state.lang, option="--layout", value=layout, choices=", ".join(LAYOUT_NAMES)))
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
        logger.info("database error during ingest of %s: %s", file.name, type(error).__name__)
        state.fail(translate("cli.database_error", state.lang, db=state.db or "bureaux.db", reason=_database_reason(error)))
        return

    data = extract.report.to_dict()
    if report is not None:
        report.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")

    summary = {
        "status": result.status,
        "extract_id": result.extract_id,
        "replaced_communes": result.replaced,
        "geocodes_kept": result.geocodes_kept,
        **{key: data[key] for key in ("file", "sha256", "layout", "encoding", "extract_date", "lines_read", "accepted", "rejected", "voters", "addresses", "bureaux", "communes")},
        "warnings": len(data["warnings"]),
        "reasons": data["reasons"],
        "commune_option": commune,
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
        lines_read=counted(summary["lines_read"], "line", state.lang),
        accepted=counted(summary["accepted"], "accepted", state.lang),
        rejected=counted(summary["rejected"], "rejected", state.lang),
        warnings=counted(summary["warnings"], "warning", state.lang),
        voters=counted(summary["voters"], "voter", state.lang),
        addresses=counted(summary["addresses"], "address", state.lang),
        bureaux=counted(summary["bureaux"], "bureau", state.lang),
        communes=counted(len(summary["communes"]), "commune", state.lang),
    )
    if summary["status"] == "empty" and set(summary["reasons"]["rejections"]) == {"autre_commune"}:
        state.say("ingest.all_other_commune", commune=summary.get("commune_option") or "")
    reasons = summary["reasons"]
    if reasons["rejections"]:
        state.say("ingest.rejections", reasons=", ".join(f"{k} {v}" for k, v in reasons["rejections"].items()))
    if reasons["warnings"]:
        state.say("ingest.warnings", reasons=", ".join(f"{k} {v}" for k, v in reasons["warnings"].items()))
    if summary["extract_date"] is None:
        state.say("ingest.date_today")
    if summary["replaced_communes"]:
        state.say("ingest.replaced", communes=", ".join(summary["replaced_communes"]))
    if summary["geocodes_kept"]:
        state.say("ingest.geocodes_kept", count=summary["geocodes_kept"])
    if report is not None:
        state.say("ingest.report_written", path=str(report))


def _not_available(command: str) -> None:
    state.stderr.print(translate("cli.not_available", state.lang, command=command), style="yellow", highlight=False, markup=False)
    raise typer.Exit(EXIT_NOT_AVAILABLE)


def _database_reason(error: SQLAlchemyError) -> str:
    # The driver's own message ("unable to open database file"), without the
    # SQL statement or its parameters, which could hold data.
    cause = getattr(error, "orig", None) or error
    return str(cause).splitlines()[0] if str(cause) else type(cause).__name__


def _engine(must_exist: bool = False):
    from service.store.database import DatabaseNotFoundError, open_database

    try:
        return open_database(state.db, must_exist=must_exist)
    except DatabaseNotFoundError as error:
        state.fail(translate("cli.database_missing", state.lang, path=error.path))
    except SQLAlchemyError as error:
        logger.info("opening the database failed: %s", type(error).__name__)
        state.fail(translate("cli.database_error", state.lang, db=state.db or "bureaux.db", reason=_database_reason(error)))


def _guard(function):
    """Turn the project's errors into one message and exit code 1, with no traceback."""
    from functools import wraps

    from geometry.errors import GeometryError
    from service.errors import BureauxError

    @wraps(function)
    def wrapper(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except (IngestError, BureauxError, GeometryError) as error:
            logger.info("%s failed: %s", function.__name__, type(error).__name__)
            state.fail(error.message(state.lang))
        except SQLAlchemyError as error:
            logger.info("%s failed on the database: %s", function.__name__, type(error).__name__)
            state.fail(translate("cli.database_error", state.lang, db=state.db or "bureaux.db", reason=_database_reason(error)))

    return wrapper


def _percent(value: float | None) -> str:
    if value is None or value != value:
        return "—"
    text = f"{100 * value:.2f} %"
    # French writes a decimal comma.
    return text.replace(".", ",") if state.lang == "fr" else text


def _count_progress(description: str) -> Progress:
    return Progress(
        TextColumn(description),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
        disable=not sys.stderr.isatty(),
    )


@reference_app.command("load", help=h("Charger des fichiers BAN dans l'index local (un fichier déjà chargé est ignoré).", "Load BAN address files into the local geocoding index (a file already loaded is skipped)."))
@_guard
def reference_load(
    files: Annotated[list[Path], typer.Argument(help=h("Fichiers BAN adresses-DEP.csv(.gz), complets ou réduits.", "BAN files adresses-DEP.csv(.gz), full or reduced header."), show_default=False)],
    reference_dir: Annotated[Optional[str], typer.Option("--reference-dir", help=h("Dossier de l'index BAN (défaut : à côté de la base SQLite).", "Folder of the BAN index (default: beside the SQLite file)."))] = None,
    as_json: Annotated[bool, typer.Option("--json", help=h("Écrire un résumé JSON sur la sortie standard.", "Write a JSON summary to standard output."))] = False,
) -> None:
    """Load BAN address files into the local geocoding index (a file already loaded is skipped)."""
    from service.geocoding import load_reference, reference_directory

    directory = reference_directory(state.db, reference_dir)
    loaded, index = load_reference(directory, files)
    summary = {
        "directory": str(directory),
        "loaded": [path.name for path in loaded],
        "skipped": len(files) - len(loaded),
        "rows": len(index.rows),
        "communes": len(index.communes),
    }
    if as_json:
        typer.echo(json.dumps(summary, ensure_ascii=False))
    else:
        state.say("reference.loaded", directory=directory, loaded=len(loaded), skipped=summary["skipped"], rows=summary["rows"], communes=summary["communes"])


@reference_app.command("communes", help=h("Charger les contours des communes qui découpent les contours de bureaux.", "Load commune boundaries used to clip the outlines."))
@_guard
def reference_communes(
    file: Annotated[Path, typer.Argument(help=h("Contours de communes : GeoJSON, GeoPackage ou shapefile.", "Commune boundaries: GeoJSON, GeoPackage or shapefile."), show_default=False)],
    code_field: Annotated[Optional[str], typer.Option("--code-field", help=h("Propriété du code INSEE (défaut : INSEE_COM, code, code_insee…).", "Property holding the INSEE code (default: INSEE_COM, code, code_insee…)."))] = None,
    as_json: Annotated[bool, typer.Option("--json", help=h("Écrire un résumé JSON sur la sortie standard.", "Write a JSON summary to standard output."))] = False,
) -> None:
    """Load commune boundaries used to clip the outlines."""
    from service.store.boundaries import read_boundaries, save_boundaries

    frame = read_boundaries(file, code_field)
    count = save_boundaries(_engine(), frame, file.name)
    if as_json:
        typer.echo(json.dumps({"file": file.name, "communes": count}))
    else:
        state.say("reference.communes", count=count, file=file.name)


@app.command(help=h("Géocoder les adresses stockées avec le référentiel BAN (ou un serveur addok).", "Geocode the stored addresses against the BAN reference (or an addok server)."))
@_guard
def geocode(
    commune: Annotated[Optional[list[str]], typer.Option("--commune", help=h("Ne géocoder que cette commune (répétable).", "Geocode only this commune (repeatable)."))] = None,
    geocoder: Annotated[str, typer.Option("--geocoder", help=h("local (index BAN, sans réseau) ou addok (serveur /search/csv/).", "local (BAN index, no network) or addok (/search/csv/ server)."))] = "local",
    url: Annotated[Optional[str], typer.Option("--url", help=h("URL du serveur addok, avec --geocoder addok.", "URL of the addok server, with --geocoder addok."))] = None,
    min_score: Annotated[float, typer.Option("--min-score", min=0.0, max=1.0, help=h("Score sous lequel une position n'est pas utilisée pour les contours.", "Score under which a position is not used for outlines."))] = 0.5,
    redo: Annotated[bool, typer.Option("--redo", help=h("Géocoder aussi les adresses déjà géocodées.", "Also geocode addresses already geocoded."))] = False,
    reference_dir: Annotated[Optional[str], typer.Option("--reference-dir", help=h("Dossier de l'index BAN (défaut : à côté de la base SQLite).", "Folder of the BAN index (default: beside the SQLite file)."))] = None,
    as_json: Annotated[bool, typer.Option("--json", help=h("Écrire un résumé JSON sur la sortie standard.", "Write a JSON summary to standard output."))] = False,
) -> None:
    """Geocode the stored addresses against the BAN reference (or an addok server)."""
    from service.geocoding import geocode_stored, reference_directory

    if geocoder not in ("local", "addok"):
        state.fail(translate("cli.invalid_choice", state.lang, option="--geocoder", value=geocoder, choices="local, addok"))
    if geocoder == "addok" and not url:
        state.fail(translate("geocode.url_missing", state.lang))
    engine = _engine(must_exist=True)
    from service.building import list_communes

    list_communes(engine, commune)  # names what to do when nothing is stored
    with _count_progress(translate("geocode.progress", state.lang)) as progress:
        task = progress.add_task("", total=None)
        summary = geocode_stored(
            engine,
            reference_directory(state.db, reference_dir),
            communes=commune,
            min_score=min_score,
            redo=redo,
            geocoder=geocoder,
            url=url,
            progress=lambda done, total: progress.update(task, completed=done, total=total),
        )
    if as_json:
        typer.echo(json.dumps(summary, ensure_ascii=False))
    else:
        types = ", ".join(f"{kind} {count}" for kind, count in sorted(summary["result_types"].items()))
        state.say("geocode.summary", addresses=summary["addresses"], geocoder=summary["geocoder"], types=types or "—", usable=_percent(summary["usable_voters_share"]))


def _params(method: str, no_street_sides: bool, min_score: float | None):
    from geometry.params import BuildParams

    params = BuildParams(method=method, street_sides=not no_street_sides)
    if min_score is not None:
        params = params.with_changes(min_score=min_score)
    return params


@app.command(help=h("Calculer le contour de chaque bureau à partir des adresses géocodées.", "Derive the outline of every bureau from the geocoded addresses."))
@_guard
def build(
    commune: Annotated[Optional[list[str]], typer.Option("--commune", help=h("Ne construire que cette commune (répétable).", "Build only this commune (repeatable)."))] = None,
    departement: Annotated[Optional[str], typer.Option("--departement", help=h("Ne construire que les communes de ce département.", "Build only the communes of this département."))] = None,
    method: Annotated[str, typer.Option("--method", help=h("voronoi ou concave.", "voronoi or concave."))] = "voronoi",
    no_street_sides: Annotated[bool, typer.Option("--no-street-sides", help=h("Ne pas densifier les côtés de rue.", "Do not add sites along street sides."))] = False,
    min_score: Annotated[Optional[float], typer.Option("--min-score", min=0.0, max=1.0, help=h("Score de géocodage minimal des points utilisés.", "Minimum geocoding score of the points used."))] = None,
    workers: Annotated[int, typer.Option("--workers", min=1, help=h("Processus de calcul (défaut : 2).", "Worker processes (default: 2)."))] = 2,
    scheduler: Annotated[Optional[str], typer.Option("--scheduler", help=h("Adresse d'un ordonnanceur Dask (tcp://hôte:port) au lieu du pool local.", "Address of a Dask scheduler (tcp://host:port) to use instead of the local pool."))] = None,
    as_json: Annotated[bool, typer.Option("--json", help=h("Écrire un résumé JSON sur la sortie standard.", "Write a JSON summary to standard output."))] = False,
) -> None:
    """Derive the outline of every bureau from the geocoded addresses."""
    from service.building import communes_without_positions, list_communes, run_build

    engine = _engine(must_exist=True)
    codes = list_communes(engine, commune, departement)
    unlocated = communes_without_positions(engine, codes)
    if len(unlocated) == len(codes):
        shown = ", ".join(unlocated[:5]) + (", …" if len(unlocated) > 5 else "")
        state.fail(translate("build.not_geocoded", state.lang, communes=shown))
    params = _params(method, no_street_sides, min_score)
    executor = None
    if scheduler:
        from distributed import Client

        executor = Client(scheduler).get_executor()
    with _count_progress(translate("build.progress", state.lang)) as progress:
        task = progress.add_task("", total=len(codes))
        build_id, results = run_build(
            engine, codes, params, workers=workers, executor=executor,
            progress=lambda done, total: progress.update(task, completed=done),
        )
    ok = [result for result in results if result.ok]
    missing = {result.commune: result.report.get("bureaux_without_outline", []) for result in ok}
    summary = {
        "build_id": build_id,
        "communes": len(results),
        "communes_built": len(ok),
        "outlines": sum(len(result.outlines) for result in ok),
        "bureaux_without_outline": {code: bureaux for code, bureaux in missing.items() if bureaux},
        "failed": {result.commune: result.error.get(state.lang, result.error.get("fr")) for result in results if not result.ok},
        "reports": {result.commune: result.report for result in results},
    }
    if as_json:
        typer.echo(json.dumps(summary, ensure_ascii=False, default=str))
    else:
        state.say(
            "build.summary", build_id=build_id, ok=len(ok), total=len(results), outlines=summary["outlines"],
            missing=sum(len(bureaux) for bureaux in missing.values()),
        )
        for code, bureaux in summary["bureaux_without_outline"].items():
            state.say("build.bureaux_missing", commune=code, bureaux=", ".join(bureaux))
        for result in ok:
            if result.report.get("boundary_derived"):
                state.say("build.boundary_derived", commune=result.commune)
        for code, message in summary["failed"].items():
            state.say("build.commune_failed", commune=code, message=message)
    if summary["failed"]:
        raise typer.Exit(EXIT_FAILURE)


@app.command(help=h("Servir contours et effectifs en HTTP (OGC API – Features, téléchargements, effectifs, carte).", "Serve outlines and counts over HTTP (OGC API – Features, downloads, counts, map page)."))
@_guard
def serve(
    host: Annotated[str, typer.Option("--host", help=h("Adresse d'écoute.", "Address to listen on."))] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help=h("Port d'écoute.", "Port to listen on."))] = 8000,
    workers: Annotated[int, typer.Option("--workers", min=1, help=h("Processus uvicorn.", "uvicorn worker processes."))] = 1,
    audit_log: Annotated[Optional[Path], typer.Option("--audit-log", help=h("Fichier JSON-lines où consigner les requêtes refusées (défaut : BUREAUX_AUDIT_LOG).", "JSON-lines file where rejected queries are recorded (default: BUREAUX_AUDIT_LOG)."))] = None,
) -> None:
    """Serve outlines and counts over HTTP (OGC API – Features, downloads, counts, map page)."""
    try:
        from service.api.app import create_app  # noqa: F401  (checks that the API is installed)
    except ImportError:
        _not_available("serve")
    import os

    import uvicorn

    _engine(must_exist=True)  # applies pending migrations before the workers start
    # uvicorn workers are new processes: they read their settings from the environment.
    if state.db:
        os.environ["DATABASE_URL"] = state.db
    if audit_log is not None:
        os.environ["BUREAUX_AUDIT_LOG"] = str(audit_log)
    state.say("serve.starting", host=host, port=port)
    uvicorn.run("service.asgi:app_from_environment", factory=True, host=host, port=port, workers=workers, log_level="warning")


@app.command(help=h("Écrire les contours d'une commune ou d'un département dans un fichier.", "Write the outlines of a commune or département to a file."))
@_guard
def export(
    output: Annotated[Path, typer.Option("-o", "--output", help=h("Fichier à écrire.", "File to write."))],
    commune: Annotated[Optional[str], typer.Option("--commune", help=h("Code INSEE de la commune.", "INSEE code of the commune."))] = None,
    departement: Annotated[Optional[str], typer.Option("--departement", help=h("Code du département.", "Code of the département."))] = None,
    fmt: Annotated[str, typer.Option("--format", help=h("geojson, gpkg, fgb ou parquet.", "geojson, gpkg, fgb or parquet."))] = "geojson",
) -> None:
    """Write the outlines of a commune or département to a file."""
    try:
        from service.api.downloads import NothingToExportError, write_export
    except ImportError:
        _not_available("export")
        return
    if bool(commune) == bool(departement):
        state.fail(translate("export.area", state.lang))
    if fmt not in EXPORT_FORMATS:
        state.fail(translate("export.format", state.lang, fmt=fmt, formats=", ".join(EXPORT_FORMATS)))
    try:
        count = write_export(_engine(must_exist=True), commune=commune, departement=departement, fmt=fmt, path=output)
    except NothingToExportError:
        logger.info("export of %s found no served outline", commune or departement)
        state.fail(translate("export.nothing", state.lang, area=commune or departement))
        return
    state.say("export.written", count=count, path=str(output), fmt=fmt)


@evaluate_app.command("geocoding", help=h("Comparer les résultats de géocodage stockés à un fichier de résultats attendus.", "Compare stored geocoding results with a file of expected results."))
@_guard
def evaluate_geocoding(
    expected: Annotated[Path, typer.Option("--expected", help=h("Fichier de résultats attendus, aligné par ligne (colonne ligne).", "File of expected results, aligned by line (column ligne)."))],
    extract: Annotated[Optional[int], typer.Option("--extract", help=h("Identifiant de l'extrait (défaut : le dernier importé).", "Id of the extract (default: the last one imported)."))] = None,
    worst: Annotated[int, typer.Option("--worst", min=0, help=h("Nombre de pires désaccords listés.", "Number of worst disagreements listed."))] = 20,
    as_json: Annotated[bool, typer.Option("--json", help=h("Écrire le résultat JSON sur la sortie standard.", "Write the JSON result to standard output."))] = False,
) -> None:
    """Compare stored geocoding results with a file of expected results."""
    from service.geocoding import evaluate_geocoding as compare

    result = compare(_engine(must_exist=True), expected, extract, worst)
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False, default=str))
    else:
        state.say(
            "evaluate.geocoding", rows=result["rows_with_expected"], same_id=_percent(result["same_result_id"]),
            near=_percent(result["within_30m"]), strong=_percent(result["agreement_housenumber_score_ge_0_8"]),
            all=_percent(result["agreement"]),
        )
        if result["worst"]:
            state.say("evaluate.worst_header", count=len(result["worst"]))
        for row in result["worst"]:
            distance = "—" if row["distance_m"] is None else f"{row['distance_m']:.0f} m"
            state.say(
                "evaluate.worst_row", line=row["row"], distance=distance,
                result=f"{row['result_label'] or '—'} ({row['result_type'] or '—'})",
                expected=f"{row['expected_label'] or '—'} ({row['expected_type'] or '—'})",
            )


@evaluate_app.command("outlines", help=h("Valider les contours par validation croisée, ou les comparer à des contours officiels.", "Cross-validate outlines, or compare the served ones with official outlines."))
@_guard
def evaluate_outlines(
    folds: Annotated[int, typer.Option("--folds", min=2, help=h("Nombre de plis de la validation croisée.", "Number of cross-validation folds."))] = 5,
    commune: Annotated[Optional[list[str]], typer.Option("--commune", help=h("Ne traiter que cette commune (répétable).", "Process only this commune (repeatable)."))] = None,
    reference: Annotated[Optional[Path], typer.Option("--reference", help=h("Contours officiels (GeoJSON…) à comparer aux contours servis.", "Official outlines (GeoJSON…) to compare with the served outlines."))] = None,
    bureau_field: Annotated[Optional[str], typer.Option("--bureau-field", help=h("Propriété du numéro de bureau dans --reference.", "Property holding the bureau number in --reference."))] = None,
    method: Annotated[str, typer.Option("--method", help=h("voronoi ou concave.", "voronoi or concave."))] = "voronoi",
    seed: Annotated[int, typer.Option("--seed", help=h("Graine du tirage des plis.", "Seed of the random split into folds."))] = 0,
    as_json: Annotated[bool, typer.Option("--json", help=h("Écrire le résultat JSON sur la sortie standard.", "Write the JSON result to standard output."))] = False,
) -> None:
    """Cross-validate outlines, or compare the served ones with official outlines."""
    from service.building import cross_validate_stored, list_communes

    engine = _engine(must_exist=True)
    if reference is not None:
        result = _compare_reference(engine, reference, bureau_field, commune)
    else:
        from geometry.evaluate import overall_accuracy

        codes = list_communes(engine, commune)
        evaluations = cross_validate_stored(engine, codes, _params(method, False, None), folds=folds, seed=seed)
        accuracy, baseline = overall_accuracy(evaluations)
        result = {
            "folds": folds,
            "accuracy": accuracy,
            "plain_voronoi_accuracy": baseline,
            "communes": {
                item.commune: {
                    "accuracy": item.accuracy, "plain_voronoi_accuracy": item.baseline_accuracy,
                    "voters_evaluated": item.voters_evaluated, "points_evaluated": item.points_evaluated,
                    "folds_failed": item.folds_failed,
                }
                for item in evaluations
            },
        }
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False, default=str))
    elif reference is not None:
        state.say("evaluate.reference", commune=result["commune"], mean_iou=f"{result['mean_iou']:.3f}", median_iou=f"{result['median_iou']:.3f}", wrong=_percent(result["wrong_area_share"]))
    else:
        state.say("evaluate.outlines", folds=folds, accuracy=_percent(result["accuracy"]), baseline=_percent(result["plain_voronoi_accuracy"]))
        for code, item in result["communes"].items():
            if item["folds_failed"]:
                state.say("evaluate.folds_failed", commune=code, failed=item["folds_failed"], folds=folds)


def _compare_reference(engine, reference: Path, bureau_field: str | None, communes: list[str] | None) -> dict:
    import geopandas as gpd
    import shapely

    from geometry.evaluate import compare_with_reference
    from service.errors import NoGeocodedDataError
    from service.store.outlines import active_outlines

    from service.errors import NoOverlapError, OfficialOutlinesError

    try:
        official = gpd.read_file(reference)
    except Exception as error:  # pyogrio raises several unrelated types
        logger.info("reading %s failed: %s", reference, type(error).__name__)
        reason = ("fichier introuvable", "file not found") if not reference.exists() else ("format illisible", "unreadable format")
        raise OfficialOutlinesError(path=str(reference), reason_fr=reason[0], reason_en=reason[1]) from error
    field = bureau_field or next((name for name in ("bureau", "Bureau", "code_bureau", "id_bv", "BUREAU") if name in official.columns), None)
    if field is None or field not in official.columns:
        columns = ", ".join(str(name) for name in official.columns if name != "geometry")
        state.fail(translate("evaluate.bureau_field", state.lang, value=bureau_field or "—", columns=columns))
    served = active_outlines(engine, communes)
    if served.empty:
        raise NoGeocodedDataError(what=", ".join(communes or []) or "—")
    commune = communes[0] if communes else served["commune"].mode().iloc[0]
    served = served[served["commune"] == commune]
    outlines = gpd.GeoDataFrame({"bureau": served["bureau"]}, geometry=shapely.from_wkb(served["geometry"]), crs=4326)
    codes = official[field].astype(str).str.strip()
    codes = codes.where(~codes.str.fullmatch(r"\d+"), codes.str.lstrip("0").replace("", "0").str.zfill(4))
    official = gpd.GeoDataFrame({"bureau": commune + "_" + codes}, geometry=official.geometry, crs=official.crs or 4326)
    if not official.to_crs(4326).intersects(outlines.union_all()).any():
        raise NoOverlapError(file=reference.name, commune=commune)
    comparison = compare_with_reference(outlines, official, commune)
    return {
        "commune": commune,
        "mean_iou": comparison.mean_iou,
        "median_iou": comparison.median_iou,
        "wrong_area_share": comparison.wrong_area_share,
        "per_bureau": comparison.per_bureau.to_dict("records"),
    }


@app.command(help=h("Générer une commune fictive et y exécuter toutes les étapes.", "Generate a fictitious commune and run every stage on it."))
def demo(
    folder: Annotated[Path, typer.Option("--folder", help=h("Dossier où écrire la commune de démonstration.", "Folder where the demo commune is written."))] = Path("bureaux-demo"),
    voters: Annotated[int, typer.Option("--voters", min=50, help=h("Nombre d'électeurs fictifs.", "Number of fictitious voters."))] = 3000,
    seed: Annotated[int, typer.Option("--seed", help=h("Graine du générateur (même graine, même commune).", "Seed of the generator (same seed, same commune)."))] = 1,
    as_json: Annotated[bool, typer.Option("--json", help=h("Écrire un résumé JSON sur la sortie standard.", "Write a JSON summary to standard output."))] = False,
) -> None:
    """Generate a fictitious commune and run every available stage on it."""
    from service.demo import run_demo

    if folder.exists() and not folder.is_dir():
        state.fail(translate("demo.not_folder", state.lang, path=str(folder)))
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
