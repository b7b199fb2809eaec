"""Score how close two street keys are, for the fuzzy step of street matching.

A key is split into its street type (``RUE``, ``PLACE``) and its name. The name
decides whether two keys are the same street. When both keys have a type and
the types differ, the name's similarity is multiplied by a weight well below 1,
so `PLACE BOILEAU` matched to `RUE BOILEAU` stays possible but scores low.
"""

from __future__ import annotations

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from ingest.geocode.normalise import STREET_TYPE_WORDS, TITLES

# Weights below 1 rank a looser comparison under a strict one of the same raw value.
SUBSET_WEIGHT = 0.95
INITIALS_WEIGHT = 0.95
# Weight of a match whose street type differs from the query's (`PLACE X` for `RUE X`).
OTHER_TYPE_WEIGHT = 0.7
# Types that name the same kind of way, so one written for the other is no mismatch.
EQUIVALENT_TYPES: dict[str, str] = {"SENTE": "SENTIER"}
# A query word matches a candidate word at or above this rapidfuzz ratio, or one edit away.
WORD_CUTOFF = 75.0
# Share of the query's letters that must be in words found in the candidate.
# Under 1, so that noise words (`BUREAU 27`) and an added first name still match.
MIN_SHARED_WORDS = 0.5
# The similarity is lowered by this weight times the share of the query's
# letters in words not found in the candidate.
UNMATCHED_WEIGHT = 0.1
SHORTLIST = 8

# Title words are left out of the shared-word test, as lists add or drop them
# (`AVENUE DU GENERAL LECLERC` for `Avenue Leclerc`).
_MINOR_WORDS: frozenset[str] = frozenset(word for full in TITLES.values() for word in full.split(" "))


def split_type(key: str) -> tuple[str, str]:
    """Split a street key into its street type (empty when none) and the rest of the name."""
    first, _, rest = key.partition(" ")
    if first in STREET_TYPE_WORDS and rest:
        return first, rest
    return "", key


def same_type(first: str, second: str) -> bool:
    """Tell whether two street types are equal or equivalent. An empty type matches any."""
    if not first or not second:
        return True
    return EQUIVALENT_TYPES.get(first, first) == EQUIVALENT_TYPES.get(second, second)


def street_similarity(query: str, candidate: str) -> float:
    """Return a similarity in [0, 1] between two street keys, tolerant of typos, glued words, dropped words and initials.

    The similarity is the names' similarity times the street-type weight of
    :func:`compare_streets`.
    """
    name, weight = compare_streets(query, candidate)
    return name * weight


def compare_streets(query: str, candidate: str) -> tuple[float, float]:
    """Compare two street keys and return (name similarity, street-type weight).

    The weight is :data:`OTHER_TYPE_WEIGHT` when both keys have a street type
    and the types differ, else 1. A query that starts with two type words
    (`RUE CHEMIN DE LA POMPE`, `AVENUE AVENUE DU MAINE`) is also read with the
    second one as its type, and the better reading counts.
    """
    if query == candidate:
        return 1.0, 1.0
    if query in STREET_TYPE_WORDS:
        # A type word alone (`RUE`) names no street.
        return 0.0, 1.0
    candidate_type, candidate_name = split_type(candidate)
    query_type, query_name = split_type(query)
    best = _compare_split(query, query_type, query_name, candidate, candidate_type, candidate_name)

    second_type, second_name = split_type(query_name)
    if query_type and second_type:
        other = _compare_split(query_name, second_type, second_name, candidate, candidate_type, candidate_name)
        if other[0] * other[1] > best[0] * best[1]:
            best = other
    return best


def _compare_split(
    query: str, query_type: str, query_name: str, candidate: str, candidate_type: str, candidate_name: str
) -> tuple[float, float]:
    if query_type and candidate_type:
        if not same_type(query_type, candidate_type):
            # The type words must not lift the score of a mismatch, so only names count.
            return name_similarity(query_name, candidate_name), OTHER_TYPE_WEIGHT
        # Same type: the whole keys are compared too, because the shared type word is evidence.
        factor = _word_factor(query_name, candidate_name)
        if factor == 0.0:
            return 0.0, 1.0
        return factor * max(_similarity(query_name, candidate_name), _similarity(query, candidate)), 1.0
    if query_type:
        # The candidate's first word may be a type missing from
        # STREET_TYPE_WORDS (`GRAND RUE X` against the query `GRANDE RUE X`).
        return max(name_similarity(query_name, candidate), name_similarity(query, candidate)), 1.0
    # A query with no type word may start with noise (`A1 RUE DU 18 JUIN 40`),
    # or be noise around a whole street key (`MAISON RETRAITE CITE VERTE`).
    return max(
        name_similarity(query, candidate_name),
        name_similarity(query, candidate),
        name_similarity(query, candidate, around_candidate=True),
    ), 1.0


def name_similarity(query: str, candidate: str, around_candidate: bool = False) -> float:
    """Return a similarity in [0, 1] between two street names.

    The names must share words (see :func:`_word_factor`): `REINE` and
    `ARSENE` share letters but are different streets, so they score 0. With
    ``around_candidate``, every word of the candidate must be in the query
    instead, which may hold other words.
    """
    if query == candidate:
        return 1.0
    if around_candidate:
        factor = 1.0 if _shared_share(candidate.split(" "), query.split(" ")) == 1.0 else 0.0
    else:
        factor = _word_factor(query, candidate)
    if factor == 0.0:
        return 0.0
    return factor * _similarity(query, candidate)


def _word_factor(query: str, candidate: str) -> float:
    """Weigh a comparison by the share of the query's letters in words found in the candidate.

    Under :data:`MIN_SHARED_WORDS` the names are different and the factor is
    0. Above, each unmatched letter costs a little, so `MOULIN BATEAU` ranks
    under an exact name of another type rather than matching `JEAN MOULIN`.
    """
    share = _shared_share(query.split(" "), candidate.split(" "))
    if share < MIN_SHARED_WORDS:
        return 0.0
    return 1.0 - UNMATCHED_WEIGHT * (1.0 - share)


def _similarity(query: str, candidate: str) -> float:
    """Score two texts with rapidfuzz, tolerant of typos, glued words, dropped words and initials."""
    query_words = query.split(" ")
    candidate_words = candidate.split(" ")
    scores = [
        fuzz.ratio(query, candidate),
        fuzz.ratio(query.replace(" ", ""), candidate.replace(" ", "")),
        fuzz.token_sort_ratio(query, candidate),
    ]

    # Dropped words, in either direction, weighted by how much of the longer
    # text the shorter covers, so `JEAN` ranks low against `JEAN JAURES`.
    coverage = min(len(query), len(candidate)) / max(len(query), len(candidate), 1)
    scores.append(SUBSET_WEIGHT * fuzz.token_set_ratio(query, candidate) * (0.85 + 0.15 * coverage))

    # Initials: `P BROSSOLETTE` against `PIERRE BROSSOLETTE`, `J B CLEMENT`.
    initials = {word for word in query_words if len(word) == 1}
    if initials:
        present = set(query_words)
        abbreviated = " ".join(
            word[0] if len(word) > 1 and word[0] in initials and word not in present else word
            for word in candidate_words
        )
        scores.append(INITIALS_WEIGHT * fuzz.token_sort_ratio(query, abbreviated))

    return max(scores) / 100.0


def _shared_share(words: list[str], others: list[str]) -> float:
    """Return the share of letters of ``words`` in words that match a word of ``others``.

    Title and street-type words are left out, unless the name has no other
    word (`RUE DU PARC`). A single letter matches a word with that initial.
    Two adjacent words of ``others`` glued together match a word at most one
    edit away (`JEANJAURES`). A name made only of title words returns 1.
    """
    significant = [word for word in words if word not in _MINOR_WORDS and word not in STREET_TYPE_WORDS]
    if not significant:
        significant = [word for word in words if word not in _MINOR_WORDS]
    glued = [first + second for first, second in zip(others, others[1:])]
    total = 0
    shared = 0
    for word in significant:
        total += len(word)
        if len(word) == 1:
            matched = any(other.startswith(word) for other in others)
        else:
            matched = any(_word_matches(word, other) for other in others) or any(
                Levenshtein.distance(word, other, score_cutoff=1) <= 1 for other in glued
            )
        if matched:
            shared += len(word)
    return shared / total if total else 1.0


def _word_matches(word: str, other: str) -> bool:
    if word == other:
        return True
    if len(word) >= 3 and len(other) >= 3 and (word in other or other in word):
        return True
    if len(word) >= 3 and Levenshtein.distance(word, other, score_cutoff=1) <= 1:
        return True
    return fuzz.ratio(word, other) >= WORD_CUTOFF


def best_matches(query: str, choices: list[str], cutoff: float, names: list[str] | None = None) -> list[tuple[int, float]]:
    """Return (position in choices, similarity) of the choices whose name similarity is at or above cutoff, best first.

    The cutoff applies to the names, so a street of another type stays a
    candidate, with its similarity lowered by the type weight. A cheap
    rapidfuzz pass makes a shortlist, then :func:`compare_streets` scores it.
    ``names`` are the choices without their street type, when the caller has
    them ready.
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

    scored = []
    for position in candidates:
        name, weight = compare_streets(query, choices[position])
        if name >= cutoff:
            scored.append((position, name * weight))
    scored.sort(key=lambda item: (-item[1], item[0]))
    return scored
