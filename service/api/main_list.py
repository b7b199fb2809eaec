"""Main-list voters per bureau and per commune, as the bureaux and communes collections publish them.

The main list (LP) is the électorat of the presidential election, and every
other électorat contains it, so it is the one count the service publishes
outside ``/stats``. A count under the threshold is withheld. Inside each
commune, secondary suppression also withholds a partner bureau, so that the
commune's published total minus its published bureaux never gives a withheld
bureau. ``/stats`` reads the same publication, so that its main-list tables
withhold what the collections withhold.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from service.api.suppression import THRESHOLD, all_entries, suppress


@dataclass
class MainListCounts:
    """Published main-list voters: a count, or None when withheld, per bureau id and per commune code."""

    bureaux: dict[str, int | None] = field(default_factory=dict)
    communes: dict[str, int | None] = field(default_factory=dict)

    def bureau(self, bureau_id: str) -> tuple[int | None, bool]:
        """Return ``(voters, secret)`` of a bureau. A bureau without main-list voters is withheld."""
        voters = self.bureaux.get(bureau_id)
        return voters, voters is None


def commune_count(voters: int | None) -> tuple[int | None, bool]:
    """Return ``(voters, secret)`` of a commune's main-list total.

    Within a commune's line (its total and its bureaux) secondary suppression
    prefers withholding bureaux, so the total is withheld exactly when it is
    under the threshold.
    """
    if voters is None or voters < THRESHOLD:
        return None, True
    return int(voters), False


def publish_main_list(rows: Iterable[dict]) -> MainListCounts:
    """Withhold the small main-list counts of ``rows`` (commune, bureau, voters), commune by commune."""
    by_commune: dict[str, dict[str, int]] = {}
    for row in rows:
        bureaux = by_commune.setdefault(row["commune"], {})
        bureaux[row["bureau"]] = bureaux.get(row["bureau"], 0) + int(row["voters"])

    published = MainListCounts()
    for code, bureaux in by_commune.items():
        categories = [sorted(bureaux)]
        entries = all_entries(categories, {(bureau_id,): voters for bureau_id, voters in bureaux.items()})
        withheld = suppress(categories, entries)
        for bureau_id in bureaux:
            published.bureaux[bureau_id] = None if (bureau_id,) in withheld else entries[(bureau_id,)]
        published.communes[code] = None if (None,) in withheld else entries[(None,)]
    return published
