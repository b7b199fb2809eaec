"""Errors of the service layer, each with a French and an English message."""

from __future__ import annotations


class BureauxError(Exception):
    """Base class of the service's errors.

    ``templates`` contains one message per language, formatted with the keyword
    arguments given to the constructor; ``str(error)`` is the English one.
    """

    templates: dict[str, str] = {"fr": "Échec de l'opération.", "en": "The operation failed."}

    def __init__(self, **params: object) -> None:
        self.params = params
        super().__init__(self.message("en"))

    def message(self, lang: str = "fr") -> str:
        """Return the message in ``lang`` (``fr`` or ``en``; French otherwise)."""
        template = self.templates.get(lang, self.templates["fr"])
        params = {key: (value[lang] if isinstance(value, dict) and lang in value else value) for key, value in self.params.items()}
        return template.format(**params)


class BoundaryFileError(BureauxError):
    templates = {
        "fr": "Contours de communes {path} : {reason_fr}. Attendu : GeoJSON, GeoPackage ou shapefile avec une propriété INSEE_COM, code ou code_insee.",
        "en": "Commune boundaries {path}: {reason_en}. Expected GeoJSON, GeoPackage or shapefile with an INSEE_COM, code or code_insee property.",
    }


class NothingToBuildError(BureauxError):
    templates = {
        "fr": "Aucune commune à traiter{detail_fr}. Importez d'abord un extrait avec « bureaux ingest ».",
        "en": "No commune to process{detail_en}. Import an extract first with 'bureaux ingest'.",
    }


class ReferenceMissingError(BureauxError):
    templates = {
        "fr": "Aucun référentiel BAN chargé dans {directory}. Chargez un fichier adresses-DEP.csv.gz avec « bureaux reference load ».",
        "en": "No BAN reference loaded in {directory}. Load an adresses-DEP.csv.gz file with 'bureaux reference load'.",
    }


class NoGeocodedDataError(BureauxError):
    templates = {
        "fr": "Aucune adresse géocodée pour {what}. Lancez « bureaux geocode » d'abord.",
        "en": "No geocoded address for {what}. Run 'bureaux geocode' first.",
    }


class UnknownExtractError(BureauxError):
    templates = {
        "fr": "Aucun extrait d'identifiant {extract} dans la base. Les identifiants figurent dans le résumé de « bureaux ingest --json ».",
        "en": "No extract with id {extract} in the database. Ids appear in the summary of 'bureaux ingest --json'.",
    }


class ExpectedMismatchError(BureauxError):
    templates = {
        "fr": (
            "{file} ne correspond pas à l'extrait : {rows} lignes attendues, {lines} lignes dans l'extrait, "
            "{covered} en commun. Donnez le fichier de résultats écrit pour cet extrait, ou choisissez l'extrait avec --extract."
        ),
        "en": (
            "{file} does not match the extract: {rows} expected rows, {lines} lines in the extract, {covered} in "
            "common. Give the results file written for this extract, or choose the extract with --extract."
        ),
    }


class NoOverlapError(BureauxError):
    templates = {
        "fr": "Les contours officiels de {file} ne recouvrent aucun contour servi de la commune {commune}. Vérifiez le fichier ou --commune.",
        "en": "The official outlines of {file} overlap no served outline of commune {commune}. Check the file or --commune.",
    }


class OfficialOutlinesError(BureauxError):
    templates = {
        "fr": "Contours officiels {path} : {reason_fr}. Attendu : un GeoJSON, GeoPackage ou shapefile de polygones avec le numéro de bureau en propriété (--bureau-field).",
        "en": "Official outlines {path}: {reason_en}. Expected a GeoJSON, GeoPackage or shapefile of polygons with the bureau number as a property (--bureau-field).",
    }


class InvalidCommuneCodeError(BureauxError):
    templates = {
        "fr": "Code commune invalide : « {code} ». Attendu : un code INSEE de 5 caractères (29039, 2A004, 97411).",
        "en": "Invalid commune code: '{code}'. Expected a 5-character INSEE code (29039, 2A004, 97411).",
    }
