"""Messages of the HTTP API, in French (default) and English."""

from __future__ import annotations

LANGUAGES = ("fr", "en")

MESSAGES: dict[str, tuple[str, str]] = {
    # Problem titles, one per problem type.
    "title.invalid-parameter": ("Paramètre invalide", "Invalid parameter"),
    "title.unknown-parameter": ("Paramètre inconnu", "Unknown parameter"),
    "title.not-found": ("Ressource introuvable", "Resource not found"),
    "title.not-acceptable": ("Représentation non disponible", "Representation not available"),
    "title.inference-refused": ("Requête refusée : inférence interdite", "Request refused: forbidden inference"),
    "title.internal-error": ("Erreur interne", "Internal error"),
    "title.method-not-allowed": ("Méthode non autorisée", "Method not allowed"),
    # Details.
    "unknown_parameter": (
        "Paramètre de requête inconnu : « {name} ». Paramètres acceptés ici : {allowed}.",
        "Unknown query parameter: '{name}'. Parameters accepted here: {allowed}.",
    ),
    "repeated_parameter": (
        "Le paramètre « {name} » est donné {count} fois ; donnez-le une seule fois.",
        "Parameter '{name}' is given {count} times; give it once.",
    ),
    "invalid_value": (
        "Valeur invalide pour « {name} » : « {value} ». Attendu : {expected}.",
        "Invalid value for '{name}': '{value}'. Expected: {expected}.",
    ),
    "expected.integer": ("un entier", "an integer"),
    "expected.valid": ("une valeur valide (voir /openapi.json)", "a valid value (see /openapi.json)"),
    "expected.limit": ("un entier entre 1 et {maximum}", "an integer from 1 to {maximum}"),
    "expected.offset": ("un entier positif ou nul", "a non-negative integer"),
    "expected.precision": ("un entier entre 0 et {maximum}", "an integer from 0 to {maximum}"),
    "expected.bbox": (
        "4 nombres séparés par des virgules, minlon,minlat,maxlon,maxlat en degrés CRS84, "
        "longitudes entre -180 et 180, latitudes entre -90 et 90, minlat ≤ maxlat",
        "4 comma-separated numbers, minlon,minlat,maxlon,maxlat in CRS84 degrees, "
        "longitudes from -180 to 180, latitudes from -90 to 90, minlat ≤ maxlat",
    ),
    "expected.commune": (
        "un code INSEE de commune à 5 caractères (29039, 2A004, 97411)",
        "a 5-character INSEE commune code (29039, 2A004, 97411)",
    ),
    "expected.departement": (
        "un code de département (29, 2A, 2B, 974)",
        "a département code (29, 2A, 2B, 974)",
    ),
    "expected.choice": ("une valeur parmi {choices}", "one of {choices}"),
    "expected.group_by": (
        "une liste de dimensions séparées par des virgules, sans doublon, parmi {choices}",
        "a comma-separated list of distinct dimensions among {choices}",
    ),
    "filter_required": (
        "Un décompte par bureau demande un filtre : ajoutez le paramètre « commune » ou « departement » "
        "(par exemple commune=94028).",
        "A count per bureau needs a filter: add the parameter 'commune' or 'departement' (for example commune=94028).",
    ),
    "invalid_extension": (
        "Extension du fichier invalide : « {value} ». Attendu : un format parmi {choices}.",
        "Invalid file extension: '{value}'. Expected: one of the formats {choices}.",
    ),
    "commune_not_loaded": (
        "La commune « {code} » n'est pas chargée. Les communes chargées sont listées à /collections/communes/items.",
        "Commune '{code}' is not loaded. The loaded communes are listed at /collections/communes/items.",
    ),
    "departement_not_loaded": (
        "Le département « {code} » n'est pas chargé : aucune de ses communes ne l'est. "
        "Les communes chargées sont listées à /collections/communes/items.",
        "Département '{code}' is not loaded: none of its communes is. "
        "The loaded communes are listed at /collections/communes/items.",
    ),
    "commune_not_in_departement": (
        "La commune « {commune} » n'est pas dans le département « {departement} ». Retirez l'un des deux filtres.",
        "Commune '{commune}' is not in département '{departement}'. Remove one of the two filters.",
    ),
    "collection_not_found": (
        "Collection inconnue : « {collection} ». Collections disponibles : {available}.",
        "Unknown collection: '{collection}'. Available collections: {available}.",
    ),
    "feature_not_found": (
        "Aucun objet « {feature} » dans la collection « {collection} » servie actuellement. "
        "Ses objets sont listés à /collections/{collection}/items.",
        "No feature '{feature}' in the collection '{collection}' as currently served. "
        "Its features are listed at /collections/{collection}/items.",
    ),
    "download_not_found": (
        "Aucun contour servi pour {scope} « {code} ». Lancez « bureaux build » pour cette zone.",
        "No outline is served for {scope} '{code}'. Run 'bureaux build' for this area.",
    ),
    "scope.communes": ("la commune", "commune"),
    "scope.departements": ("le département", "département"),
    "path_not_found": ("Aucune ressource à l'adresse {path}.", "No resource at {path}."),
    "method_not_allowed": (
        "La méthode {method} n'est pas autorisée sur {path}.",
        "Method {method} is not allowed on {path}.",
    ),
    "not_acceptable": (
        "Aucune des représentations demandées ({accept}) n'est disponible. Disponibles : {available}.",
        "None of the requested representations ({accept}) is available. Available: {available}.",
    ),
    "internal_error": (
        "Le serveur n'a pas pu traiter la requête. L'incident est consigné sous la référence {reference}.",
        "The server could not process the request. The incident is logged under reference {reference}.",
    ),
    "inference_refused": ("Le paramètre « {name} » {rule}", "Parameter '{name}' {rule}"),
    "inference_refused_value": (
        "Le paramètre « {name} » demande « {value} », qui {rule}",
        "Parameter '{name}' requests '{value}', which {rule}",
    ),
    "inference_refused_term": (
        "Le paramètre « {name} » contient le terme « {term} », qui {rule}",
        "Parameter '{name}' contains the term '{term}', which {rule}",
    ),
    "inference.rule": (
        "porte sur le nom, le prénom, la date ou le lieu de naissance ou la nationalité "
        "des électeurs. Ce service refuse tout filtre, regroupement, tri ou recherche sur ces données : "
        "la CNIL interdit de trier la liste électorale selon la consonance des noms ou le lieu de naissance, "
        "et l'article 9 du RGPD et l'article 226-19 du Code pénal interdisent de constituer un fichier "
        "faisant apparaître les origines ethniques, les opinions politiques ou religieuses. "
        "Valeurs autorisées de group_by : bureau, commune, departement, sexe, tranche_age.",
        "concerns the surname, first name, birth date, birthplace or nationality of voters. "
        "This service refuses any filter, grouping, sort or search on these data: the CNIL forbids sorting the "
        "electoral list by the sound of names or by birthplace, and GDPR article 9 and article 226-19 of the "
        "French Code pénal forbid files that reveal ethnic origin or political or religious opinions. "
        "Allowed values of group_by: bureau, commune, departement, sexe, tranche_age.",
    ),
    # Page text.
    "landing.title": ("Bureaux de vote : contours et effectifs", "Polling stations: outlines and counts"),
    "landing.description": (
        "Contours des bureaux de vote dérivés des listes électorales, et effectifs agrégés d'électeurs.",
        "Polling-station outlines derived from electoral lists, and aggregate voter counts.",
    ),
    "link.self": ("Ce document", "This document"),
    "link.alternate_html": ("Ce document en HTML", "This document as HTML"),
    "link.alternate_json": ("Ce document en JSON", "This document as JSON"),
    "link.service_desc": ("Définition de l'API (OpenAPI 3)", "API definition (OpenAPI 3)"),
    "link.conformance": ("Classes de conformité", "Conformance classes"),
    "link.data": ("Collections", "Collections"),
    "link.map": ("Carte des bureaux", "Map of the bureaux"),
    "link.items": ("Objets de la collection", "Items of the collection"),
    "link.collection": ("La collection", "The collection"),
    "link.next": ("Page suivante", "Next page"),
    "link.prev": ("Page précédente", "Previous page"),
    "collection.bureaux.title": ("Bureaux de vote", "Polling stations"),
    "collection.bureaux.description": (
        "Contour de chaque bureau de vote de la version servie, avec son nombre d'électeurs inscrits sur la "
        "liste principale (propriété « voters », masquée sous 11 ou par secret statistique).",
        "Outline of each polling station in the served build, with its number of voters on the main list "
        "(property 'voters', withheld under 11 or for statistical confidentiality).",
    ),
    "collection.communes.title": ("Communes", "Communes"),
    "collection.communes.description": (
        "Communes chargées, avec leur contour et leur nombre d'électeurs inscrits sur la liste principale "
        "(propriété « voters », masquée sous 11).",
        "Loaded communes, with their outline and their number of voters on the main list "
        "(property 'voters', withheld under 11).",
    ),
    "html.features": ("{returned} objets sur {matched}", "{returned} features of {matched}"),
    "html.secret": ("secret statistique", "withheld (statistical confidentiality)"),
    "conformance.title": ("Conformité", "Conformance"),
    "collections.title": ("Collections", "Collections"),
}


def translate(key: str, lang: str = "fr", **params: object) -> str:
    """Return message ``key`` in ``lang`` (French unless ``lang`` is ``en``), formatted with ``params``."""
    french, english = MESSAGES[key]
    return (english if lang == "en" else french).format(**params)
