"""Errors raised by the geometry engine, each with a French and an English message."""

from __future__ import annotations


class GeometryError(Exception):
    """Base class of the errors raised while deriving bureau outlines.

    ``str(exc)`` is the English message; ``exc.message("fr")`` returns the French one.
    """

    def __init__(self, message_en: str, message_fr: str, commune: str | None = None) -> None:
        super().__init__(message_en)
        self.commune = commune
        self._messages = {"en": message_en, "fr": message_fr}

    def message(self, lang: str = "fr") -> str:
        """Return the message in ``lang`` ("fr" or "en"); any other value gives French."""
        return self._messages.get(lang, self._messages["fr"])


class UnknownTerritoryError(GeometryError):
    """The commune code belongs to no territory with a known working CRS."""

    def __init__(self, commune: object) -> None:
        super().__init__(
            f"Unknown territory for commune code {commune!r}: expected a 5-character INSEE code "
            "of mainland France, Corsica (2A, 2B) or an overseas département 971, 972, 973, 974 "
            "or 976. Check the commune code.",
            f"Territoire inconnu pour le code commune {commune!r} : un code INSEE de 5 caractères "
            "de France métropolitaine, de Corse (2A, 2B) ou d'un département d'outre-mer 971, 972, "
            "973, 974 ou 976 est attendu. Vérifiez le code commune.",
            commune=str(commune),
        )


class InvalidInputError(GeometryError):
    """The points or the parameters given to a build are unusable."""

    def __init__(self, commune: str | None, detail_en: str, detail_fr: str) -> None:
        where_en = f"commune {commune}: " if commune else ""
        where_fr = f"commune {commune} : " if commune else ""
        super().__init__(f"Invalid input for {where_en}{detail_en}", f"Entrée invalide, {where_fr}{detail_fr}", commune)


class InvalidBoundaryError(GeometryError):
    """The commune boundary is empty, not polygonal or cannot be repaired."""

    def __init__(self, commune: str, detail_en: str, detail_fr: str) -> None:
        super().__init__(
            f"Invalid boundary for commune {commune}: {detail_en}. "
            "Give a Polygon or MultiPolygon in EPSG:4326, or none to derive it from the points.",
            f"Contour invalide pour la commune {commune} : {detail_fr}. "
            "Donnez un Polygon ou MultiPolygon en EPSG:4326, ou aucun contour pour le déduire des points.",
            commune,
        )


class PartitionError(GeometryError):
    """The outlines of a commune could not be computed, or failed the partition check (validity, overlaps, gaps)."""

    def __init__(self, commune: str, detail_en: str, detail_fr: str) -> None:
        super().__init__(
            f"Partition failed for commune {commune}: {detail_en}. "
            "This is a bug in the build: report it with the commune's input points.",
            f"Échec de la partition de la commune {commune} : {detail_fr}. "
            "C'est un défaut du calcul : signalez-le avec les points de la commune.",
            commune,
        )


class NoUsablePointsError(GeometryError):
    """A commune with several bureaux has no located point to split it with."""

    def __init__(self, commune: str, bureaux: int) -> None:
        super().__init__(
            f"Commune {commune} has {bureaux} bureaux but no located point: no outline can be derived. "
            "Geocode its addresses first.",
            f"La commune {commune} a {bureaux} bureaux mais aucun point localisé : aucun contour ne peut "
            "être calculé. Géocodez d'abord ses adresses.",
            commune,
        )
