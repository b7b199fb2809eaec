"""Errors that stop an import, with their message in French and English."""

from __future__ import annotations


class IngestError(Exception):
    """Base class of the errors that stop reading an extract.

    Subclasses set ``templates``: one message per language, formatted with the
    keyword arguments given to the constructor. ``str(error)`` is the English
    message, for logs; user-facing code calls ``message(lang)``.
    """

    templates: dict[str, str] = {
        "fr": "Échec de la lecture de l'extrait.",
        "en": "Reading the extract failed.",
    }

    def __init__(self, **params: object) -> None:
        self.params = params
        super().__init__(self.message("en"))

    def message(self, lang: str = "fr") -> str:
        """Return the message in ``lang`` (``fr`` or ``en``; French otherwise).

        A parameter given as ``{"fr": …, "en": …}`` is taken in the same language.
        """
        lang = lang if lang in self.templates else "fr"
        params = {
            key: (value.get(lang, value.get("fr")) if isinstance(value, dict) else value) for key, value in self.params.items()
        }
        return self.templates[lang].format(**params)


class ExtractNotFoundError(IngestError):
    templates = {
        "fr": "Fichier introuvable : {path}. Vérifiez le chemin de l'extrait.",
        "en": "File not found: {path}. Check the path of the extract.",
    }


class NotCsvError(IngestError):
    templates = {
        "fr": (
            "{path} n'est pas un fichier CSV lisible ({reason}). Attendu : un export "
            "texte de la liste électorale, séparé par « ; », « , » ou des tabulations."
        ),
        "en": (
            "{path} is not a readable CSV file ({reason}). Expected: a text export of the "
            "electoral list, separated by ';', ',' or tabs."
        ),
    }


class UnknownLayoutError(IngestError):
    templates = {
        "fr": (
            "{path} : la première ligne ({count} colonnes) n'est pas un en-tête reconnu. Formats lus : export "
            "REU « Listes électeurs », format de l'arrêté de 2013, table d'adresses de l'INSEE, ou un CSV "
            "générique décrit par --map champ=colonne (champs obligatoires : {required}). Si la première ligne "
            "est déjà une ligne de données, ajoutez au fichier la ligne d'en-tête de l'export."
        ),
        "en": (
            "{path}: the first line ({count} columns) is not a recognised header. Layouts read: REU 'Listes "
            "électeurs' export, the 2013 arrêté layout, INSEE's address table, or a generic CSV described with "
            "--map field=column (required fields: {required}). If the first line is already a data row, add the "
            "export's header line to the file."
        ),
    }


class LayoutMismatchError(IngestError):
    templates = {
        "fr": "{path} : le format {layout} demandé ne correspond pas à l'en-tête ; colonnes manquantes : {missing}.",
        "en": "{path}: the requested layout {layout} does not match the header; missing columns: {missing}.",
    }


class MappingError(IngestError):
    templates = {
        "fr": "--map {item} invalide : {reason}. Champs possibles : {fields}.",
        "en": "Invalid --map {item}: {reason}. Possible fields: {fields}.",
    }


class InvalidCommuneError(IngestError):
    templates = {
        "fr": "Code commune invalide : « {code} ». Attendu : un code INSEE de 5 caractères (29039, 2A004, 97411).",
        "en": "Invalid commune code: '{code}'. Expected a 5-character INSEE code (29039, 2A004, 97411).",
    }


class StaleExtractError(IngestError):
    templates = {
        "fr": (
            "{path} date du {date}, plus ancien que l'extrait déjà chargé pour la commune "
            "{commune} ({current}). Rien n'a été modifié ; ajoutez --force pour le charger quand même."
        ),
        "en": (
            "{path} is dated {date}, older than the extract already loaded for commune "
            "{commune} ({current}). Nothing was changed; add --force to load it anyway."
        ),
    }


class MissingCommuneError(IngestError):
    templates = {
        "fr": (
            "{path} : aucune colonne ne donne le code commune et le nom du fichier n'en contient pas "
            "(…-com29039-…). Indiquez-le avec --commune CODE."
        ),
        "en": (
            "{path}: no column gives the commune code and the file name holds none "
            "(…-com29039-…). Give it with --commune CODE."
        ),
    }
