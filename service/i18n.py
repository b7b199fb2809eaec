"""Messages of the command line and the API, in French (default) and English."""

from __future__ import annotations

import os

LANGUAGES = ("fr", "en")

MESSAGES: dict[str, tuple[str, str]] = {
    "ingest.reading": ("Lecture de {file}", "Reading {file}"),
    "ingest.summary": (
        "{file} : {lines_read} lignes lues = {accepted} acceptées + {rejected} rejetées ; "
        "{warnings} avertissements ; {voters} électeurs, {addresses} adresses, {bureaux} bureaux, {communes} communes.",
        "{file}: {lines_read} lines read = {accepted} accepted + {rejected} rejected; "
        "{warnings} warnings; {voters} voters, {addresses} addresses, {bureaux} bureaux, {communes} communes.",
    ),
    "ingest.unchanged": (
        "{file} est déjà chargé (même SHA-256) : rien n'a changé.",
        "{file} is already loaded (same SHA-256): nothing changed.",
    ),
    "ingest.replaced": (
        "Extrait précédent remplacé pour les communes : {communes}.",
        "Previous extract replaced for communes: {communes}.",
    ),
    "ingest.empty": (
        "{file} : aucune ligne acceptée, la base n'a pas été modifiée.",
        "{file}: no line accepted, the database was not changed.",
    ),
    "ingest.report_written": ("Rapport d'import écrit dans {path}.", "Import report written to {path}."),
    "ingest.date_today": (
        "Date de l'extrait inconnue : les âges sont calculés à la date du jour (--date pour la fixer).",
        "Extract date unknown: ages are computed at today's date (set it with --date).",
    ),
    "ingest.rejections": ("Lignes rejetées par motif : {reasons}", "Rejected lines by reason: {reasons}"),
    "ingest.warnings": ("Avertissements par motif : {reasons}", "Warnings by reason: {reasons}"),
    "cli.not_available": (
        "La commande « {command} » n'est pas encore disponible dans cette version de bureaux.",
        "The '{command}' command is not available yet in this version of bureaux.",
    ),
    "cli.error": ("Erreur : {message}", "Error: {message}"),
    "cli.invalid_date": (
        "Date invalide : « {value} ». Attendu : AAAA-MM-JJ.",
        "Invalid date: '{value}'. Expected YYYY-MM-DD.",
    ),
    "cli.database_error": (
        "Échec d'accès à la base {db} : {reason}. Vérifiez --db ou DATABASE_URL.",
        "Database access to {db} failed: {reason}. Check --db or DATABASE_URL.",
    ),
    "demo.generated": (
        "Commune de démonstration {commune} générée dans {folder} : {voters} électeurs fictifs, {bureaux} bureaux, {addresses} adresses BAN.",
        "Demo commune {commune} generated in {folder}: {voters} fictitious voters, {bureaux} bureaux, {addresses} BAN addresses.",
    ),
    "demo.stage": ("Étape {stage} : {result}", "Stage {stage}: {result}"),
    "demo.stage_skipped": ("Étape {stage} : pas encore disponible, ignorée.", "Stage {stage}: not available yet, skipped."),
    "demo.done": ("Démonstration terminée ; base : {db}", "Demo finished; database: {db}"),
}


def detect_language(option: str | None = None) -> str:
    """Return ``option`` if given, else ``en`` when ``LC_ALL``/``LC_MESSAGES``/``LANG`` is English, else ``fr``."""
    if option:
        return option if option in LANGUAGES else "fr"
    for variable in ("BUREAUX_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(variable, "")
        if value:
            return "en" if value.lower().startswith("en") else "fr"
    return "fr"


def translate(key: str, lang: str = "fr", **params: object) -> str:
    """Return message ``key`` in ``lang``, formatted with ``params``."""
    french, english = MESSAGES[key]
    return (english if lang == "en" else french).format(**params)
