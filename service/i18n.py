"""Messages of the command line and the API, in French (default) and English."""

from __future__ import annotations

import os

LANGUAGES = ("fr", "en")

MESSAGES: dict[str, tuple[str, str]] = {
    "ingest.reading": ("Lecture de {file}", "Reading {file}"),
    "ingest.summary": (
        "{file} : {lines_read} lues = {accepted} + {rejected} ; {warnings} ; {voters}, {addresses}, {bureaux}, {communes}.",
        "{file}: {lines_read} read = {accepted} + {rejected}; {warnings}; {voters}, {addresses}, {bureaux}, {communes}.",
    ),
    "ingest.all_other_commune": (
        "Toutes les lignes acceptables appartiennent à une autre commune que --commune {commune} : vérifiez le code.",
        "Every acceptable line belongs to another commune than --commune {commune}: check the code.",
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
    "ingest.geocodes_kept": (
        "{count} adresses gardent la position trouvée pour l'extrait précédent ; « bureaux geocode » traitera les autres.",
        "{count} addresses keep the position found for the previous extract; 'bureaux geocode' will handle the others.",
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
    "cli.future_date": (
        "Date « {value} » postérieure à aujourd'hui : un extrait ne peut pas dater du futur.",
        "Date '{value}' is after today: an extract cannot come from the future.",
    ),
    "cli.invalid_choice": (
        "{option} « {value} » invalide ; valeurs possibles : {choices}.",
        "Invalid {option} '{value}'; possible values: {choices}.",
    ),
    "cli.database_missing": (
        "Base introuvable : {path}. Vérifiez --db ou DATABASE_URL, ou créez-la avec « bureaux ingest » ou « bureaux demo ».",
        "Database not found: {path}. Check --db or DATABASE_URL, or create it with 'bureaux ingest' or 'bureaux demo'.",
    ),
    "geocode.url_missing": (
        "--geocoder addok demande l'adresse du serveur : ajoutez --url http://HÔTE:PORT.",
        "--geocoder addok needs the server's address: add --url http://HOST:PORT.",
    ),
    "evaluate.bureau_field": (
        "--bureau-field « {value} » : propriété absente des contours officiels ; propriétés présentes : {columns}.",
        "--bureau-field '{value}': no such property in the official outlines; properties present: {columns}.",
    ),
    "cli.database_error": (
        "Échec d'accès à la base {db} : {reason}. Vérifiez --db ou DATABASE_URL.",
        "Database access to {db} failed: {reason}. Check --db or DATABASE_URL.",
    ),
    "reference.loaded": (
        "Référentiel BAN ({directory}) : {loaded} fichier(s) chargé(s), {skipped} déjà présent(s) ; {rows} adresses, {communes} communes.",
        "BAN reference ({directory}): {loaded} file(s) loaded, {skipped} already present; {rows} addresses, {communes} communes.",
    ),
    "reference.communes": (
        "{count} contours de communes chargés depuis {file}.",
        "{count} commune boundaries loaded from {file}.",
    ),
    "geocode.progress": ("Géocodage", "Geocoding"),
    "geocode.summary": (
        "{addresses} adresses géocodées ({geocoder}) : {types}. Part des électeurs à une position utilisable : {usable}.",
        "{addresses} addresses geocoded ({geocoder}): {types}. Share of voters at a usable position: {usable}.",
    ),
    "build.progress": ("Construction des contours", "Building outlines"),
    "build.summary": (
        "Construction {build_id} : {ok}/{total} communes construites, {outlines} contours, {missing} bureaux sans contour.",
        "Build {build_id}: {ok}/{total} communes built, {outlines} outlines, {missing} bureaux without outline.",
    ),
    "build.commune_failed": ("Commune {commune} : {message}", "Commune {commune}: {message}"),
    "build.bureaux_missing": (
        "Commune {commune} : bureaux sans contour : {bureaux}.",
        "Commune {commune}: bureaux without outline: {bureaux}.",
    ),
    "build.boundary_derived": (
        "Commune {commune} : pas de contour communal chargé, contour déduit des adresses.",
        "Commune {commune}: no commune boundary loaded, boundary derived from the addresses.",
    ),
    "evaluate.outlines": (
        "Précision en validation croisée ({folds} plis, pondérée par les électeurs) : {accuracy} ; Voronoï simple : {baseline}.",
        "Cross-validated accuracy ({folds} folds, voter-weighted): {accuracy}; plain Voronoi: {baseline}.",
    ),
    "evaluate.folds_failed": (
        "Commune {commune} : {failed} pli(s) sur {folds} n'ont pas pu être construits et sont exclus des chiffres.",
        "Commune {commune}: {failed} of {folds} folds could not be built and are left out of the figures.",
    ),
    "evaluate.reference": (
        "Commune {commune} : IoU moyen {mean_iou}, médian {median_iou} ; part de surface attribuée au mauvais bureau : {wrong}.",
        "Commune {commune}: mean IoU {mean_iou}, median {median_iou}; share of area given to the wrong bureau: {wrong}.",
    ),
    "evaluate.geocoding": (
        "{rows} lignes comparées : même result_id {same_id} ; à moins de 30 m {near} ; numéros (score ≥ 0,8) d'accord : {strong} ; toutes lignes avec réponse : {all}.",
        "{rows} rows compared: same result_id {same_id}; within 30 m {near}; house numbers (score ≥ 0.8) agreeing: {strong}; all rows with an answer: {all}.",
    ),
    "export.area": (
        "Indiquez soit --commune CODE, soit --departement CODE.",
        "Give either --commune CODE or --departement CODE.",
    ),
    "export.format": ("Format « {fmt} » inconnu ; formats possibles : {formats}.", "Unknown format '{fmt}'; possible formats: {formats}."),
    "export.nothing": (
        "Aucun contour servi pour {area}. Lancez « bureaux build » pour cette zone d'abord.",
        "No outline is served for {area}. Run 'bureaux build' for this area first.",
    ),
    "export.written": ("{count} contours écrits dans {path} ({fmt}).", "{count} outlines written to {path} ({fmt})."),
    "evaluate.worst_header": ("{count} pires désaccords (ligne de données, distance, résultat, attendu) :", "{count} worst disagreements (data row, distance, result, expected):"),
    "evaluate.worst_row": ("  ligne {line} · {distance} · {result} · attendu {expected}", "  row {line} · {distance} · {result} · expected {expected}"),
    "serve.starting": ("Service sur http://{host}:{port}/ (carte : /carte)", "Serving on http://{host}:{port}/ (map: /carte)"),
    "demo.not_folder": (
        "{path} existe et n'est pas un dossier : choisissez un autre --folder.",
        "{path} exists and is not a folder: choose another --folder.",
    ),
    "build.not_geocoded": (
        "Aucune adresse localisée pour {communes} : lancez « bureaux geocode » (après « bureaux reference load ») avant « bureaux build ».",
        "No located address for {communes}: run 'bureaux geocode' (after 'bureaux reference load') before 'bureaux build'.",
    ),
    "demo.serve_hint": (
        "Pour parcourir le résultat : bureaux --db {db} serve, puis http://127.0.0.1:8000/carte",
        "To browse the result: bureaux --db {db} serve, then http://127.0.0.1:8000/carte",
    ),
    "demo.generated": (
        "Commune de démonstration {commune} générée dans {folder} : {voters} électeurs fictifs, {bureaux} bureaux, {addresses} adresses BAN.",
        "Demo commune {commune} generated in {folder}: {voters} fictitious voters, {bureaux} bureaux, {addresses} BAN addresses.",
    ),
    "demo.ingested": (
        "Import : {lines} lignes = {accepted} acceptées + {rejected} rejetées ; {addresses} adresses.",
        "Ingest: {lines} lines = {accepted} accepted + {rejected} rejected; {addresses} addresses.",
    ),
    "demo.geocoded": ("Géocodage : {types}.", "Geocoding: {types}."),
    "demo.built": ("Contours : {outlines} bureaux, {missing} sans contour.", "Outlines: {outlines} bureaux, {missing} without outline."),
    "demo.done": ("Démonstration terminée ; base : {db}", "Demo finished; database: {db}"),
}


# Nouns counted in messages: French singular and plural, then English.
NOUNS = {
    "line": ("ligne", "lignes", "line", "lines"),
    "accepted": ("acceptée", "acceptées", "accepted", "accepted"),
    "rejected": ("rejetée", "rejetées", "rejected", "rejected"),
    "warning": ("avertissement", "avertissements", "warning", "warnings"),
    "voter": ("électeur", "électeurs", "voter", "voters"),
    "address": ("adresse", "adresses", "address", "addresses"),
    "bureau": ("bureau", "bureaux", "bureau", "bureaux"),
    "commune": ("commune", "communes", "commune", "communes"),
}


def counted(number: int, noun: str, lang: str = "fr") -> str:
    """Return ``number`` with ``noun`` in the right number: French puts 0 and 1 in the singular."""
    french_singular, french_plural, english_singular, english_plural = NOUNS[noun]
    if lang == "en":
        return f"{number} {english_singular if number == 1 else english_plural}"
    return f"{number} {french_singular if number < 2 else french_plural}"


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
