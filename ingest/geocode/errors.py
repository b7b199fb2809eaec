"""Errors of the geocoder, with their message in French and English."""

from __future__ import annotations

from ingest.errors import IngestError


class GeocodeError(IngestError):
    """Base class of the errors raised while building a reference index or geocoding."""

    templates = {
        "fr": "Échec du géocodage.",
        "en": "Geocoding failed.",
    }


class ReferenceNotFoundError(GeocodeError):
    templates = {
        "fr": "Fichier d'adresses de référence introuvable : {path}. Vérifiez le chemin (par exemple adresses-94.csv.gz, téléchargé depuis la BAN).",
        "en": "Reference address file not found: {path}. Check the path (for example adresses-94.csv.gz, downloaded from the BAN).",
    }


class ReferenceFormatError(GeocodeError):
    templates = {
        "fr": (
            "{path} : en-tête non reconnu, colonnes manquantes : {missing}. Attendu : un fichier "
            "BAN « adresses-DEP.csv(.gz) » séparé par « ; », avec au moins les colonnes {required}."
        ),
        "en": (
            "{path}: header not recognised, missing columns: {missing}. Expected a BAN "
            "'adresses-DEP.csv(.gz)' file separated by ';', with at least the columns {required}."
        ),
    }


class EmptyReferenceError(GeocodeError):
    templates = {
        "fr": "{path} ne contient aucune adresse utilisable ({reason}). Vérifiez que le fichier est complet.",
        "en": "{path} contains no usable address ({reason}). Check that the file is complete.",
    }


class IndexStoreError(GeocodeError):
    templates = {
        "fr": "Index d'adresses illisible dans {path} : {reason}. Reconstruisez-le avec « bureaux reference load FICHIER… ».",
        "en": "Cannot read the address index in {path}: {reason}. Rebuild it with 'bureaux reference load FILE...'.",
    }


class AddressColumnsError(GeocodeError):
    templates = {
        "fr": "Adresses à géocoder : colonnes manquantes {missing}. Colonnes attendues : {expected}.",
        "en": "Addresses to geocode: missing columns {missing}. Expected columns: {expected}.",
    }


class AddokError(GeocodeError):
    templates = {
        "fr": "Le géocodeur addok à {url} a échoué : {reason}. Vérifiez l'adresse du serveur et qu'il répond sur /search/csv/.",
        "en": "The addok geocoder at {url} failed: {reason}. Check the server URL and that it answers on /search/csv/.",
    }


class ExpectedFileError(GeocodeError):
    templates = {
        "fr": "Fichier de géocodage attendu invalide : {reason}. Colonnes attendues : {expected}.",
        "en": "Invalid expected geocoding file: {reason}. Expected columns: {expected}.",
    }
