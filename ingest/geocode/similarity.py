"""Score how close two street keys are, for the fuzzy step of street matching."""

from __future__ import annotations

from rapidfuzz import fuzz, process

from ingest.geocode.normalise import STREET_TYPE_WORDS

# Weights below 1 rank a looser comparison under a strict one of the same raw value.
SUBSET_WEIGHT = 0.95
OTHER_TYPE_WEIGHT = 0.88
INITIALS_WEIGHT = 0.95
SHORTLIST = 8


def split_type(key: str) -> tuple[str, str]:
    """Split a street key into its street type (empty when none) and the rest of the name."""
    first, _, rest = key.partition(" ")
    if first in STREET_TYPE_WORDS and rest:
        return first, rest
    return "", key


def street_similarity(query: str, candidate: str) -> float:
    """Return a similarity in [0, 1] between two street keys, tolerant of typos, glued words, dropped words and initials."""
    if query == candidate:
        return 1.0
    query_type, query_name = split_type(query)
    candidate_type, candidate_name = split_type(candidate)
    type_weight = 1.0 if query_type == candidate_type or not query_type or not candidate_type else OTHER_TYPE_WEIGHT

    scores = [
        fuzz.token_sort_ratio(query, candidate),
        fuzz.ratio(query.replace(" ", ""), candidate.replace(" ", "")),
        type_weight * fuzz.ratio(query_name, candidate_name),
    ]

    # Dropped words: the query's name is contained in the candidate's, weighted
    # by how much of the candidate it covers, so `JEAN` ranks low against `JEAN JAURES`.
    subset = fuzz.token_set_ratio(query_name, candidate_name)
    coverage = min(len(query_name), len(candidate_name)) / max(len(query_name), len(candidate_name), 1)
    scores.append(type_weight * SUBSET_WEIGHT * subset * (0.85 + 0.15 * coverage))

    # Initials: `P BROSSOLETTE` against `PIERRE BROSSOLETTE`, `J B CLEMENT`.
    initials = {word for word in query_name.split(" ") if len(word) == 1}
    if initials:
        query_words = set(query_name.split(" "))
        abbreviated = " ".join(
            word[0] if len(word) > 1 and word[0] in initials and word not in query_words else word
            for word in candidate_name.split(" ")
        )
        scores.append(type_weight * INITIALS_WEIGHT * fuzz.token_sort_ratio(query_name, abbreviated))

    return max(scores) / 100.0


def best_matches(query: str, choices: list[str], cutoff: float, names: list[str] | None = None) -> list[tuple[int, float]]:
    """Return (position in choices, similarity) of the choices at or above cutoff, best first.

    A cheap rapidfuzz pass makes a shortlist, then :func:`street_similarity`
    scores it. ``names`` are the choices without their street type, when the
    caller has them ready.
    """
    if not choices or not query:
        return []
    candidates: set[int] = set()
    for _, _, position in process.extract(query, choices, scorer=fuzz.ratio, limit=SHORTLIST // 2):
        candidates.add(position)
    # Names without their street type, so that `IMPASSE VERGERS` finds
    # `HAMEAU VERGERS` even when many other impasses share the type word.
    query_name = split_type(query)[1]
    if names is None:
        names = [split_type(choice)[1] for choice in choices]
    for _, _, position in process.extract(query_name, names, scorer=fuzz.token_set_ratio, limit=SHORTLIST):
        candidates.add(position)

    scored = [(position, street_similarity(query, choices[position])) for position in candidates]
    scored = [(position, score) for position, score in scored if score >= cutoff]
    scored.sort(key=lambda item: (-item[1], item[0]))
    return scored
