"""The import report: every input line ends accepted or listed with a reason code.

The report names lines by number and reasons by code, never by content, so it
contains no personal data and can be shared.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field

import numpy as np

# Reasons a line is rejected: it takes no part in any count.
REJECT_REASONS = {
    "colonnes_incorrectes": ("nombre de colonnes incorrect", "wrong number of columns"),
    "commune_manquante": ("code commune manquant", "missing commune code"),
    "commune_invalide": ("code commune invalide", "invalid commune code"),
    "autre_commune": ("ligne d'une autre commune que --commune", "line of another commune than --commune"),
    "bureau_manquant": ("code du bureau de vote manquant", "missing bureau code"),
    "poids_invalide": ("nombre d'électeurs invalide", "invalid number of voters"),
}

# Warnings: the line is accepted and counted, with a problem worth knowing.
WARNING_REASONS = {
    "adresse_vide": ("adresse vide : électeur compté sans position", "empty address: voter counted with no position"),
    "date_naissance_partielle": ("date de naissance partielle : âge tiré de l'année", "partial birth date: age from the year"),
    "date_naissance_invalide": ("date de naissance invalide : tranche d'âge inconnue", "invalid birth date: age band unknown"),
    "date_naissance_manquante": ("date de naissance manquante : tranche d'âge inconnue", "missing birth date: age band unknown"),
    "sexe_inconnu": ("sexe non renseigné ou inconnu", "sex missing or unknown"),
    "type_liste_inconnu": ("type de liste inconnu", "unknown list type"),
    "coordonnees_invalides": ("coordonnées absentes ou invalides", "missing or invalid coordinates"),
    "commune_completee": ("code commune complété d'un zéro initial", "commune code padded with a leading zero"),
}


@dataclass
class LineIssue:
    """One line number and its reason code."""

    line: int
    reason: str


@dataclass
class ImportReport:
    """Outcome of every line of one extract."""

    file: str
    sha256: str
    layout: str = ""
    encoding: str = ""
    delimiter: str = ""
    extract_date: str | None = None
    extract_date_source: str = ""
    communes: list[str] = field(default_factory=list)
    lines_read: int = 0
    accepted: int = 0
    rejected: int = 0
    voters: int = 0
    addresses: int = 0
    bureaux: int = 0
    unknown_columns: list[str] = field(default_factory=list)
    rejections: list[LineIssue] = field(default_factory=list)
    warnings: list[LineIssue] = field(default_factory=list)

    def add(self, kind: str, lines: np.ndarray, reason: str) -> None:
        """Record ``reason`` for each line number in ``lines`` (``kind``: rejection or warning)."""
        target = self.rejections if kind == "rejection" else self.warnings
        target.extend(LineIssue(int(line), reason) for line in lines)

    def reason_counts(self) -> dict[str, dict[str, int]]:
        return {
            "rejections": dict(Counter(issue.reason for issue in self.rejections)),
            "warnings": dict(Counter(issue.reason for issue in self.warnings)),
        }

    def to_dict(self) -> dict:
        self.rejections.sort(key=lambda issue: issue.line)
        self.warnings.sort(key=lambda issue: issue.line)
        data = asdict(self)
        data["reasons"] = self.reason_counts()
        data["reason_labels"] = {
            code: {"fr": labels[0], "en": labels[1]}
            for code, labels in {**REJECT_REASONS, **WARNING_REASONS}.items()
        }
        return data
