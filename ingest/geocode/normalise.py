"""Normalise street names and address lines into the keys the geocoder matches on.

The same functions build the keys of the reference index and of the queries,
so a BAN name such as ``Rue de l'Église`` and a voter-list line such as
``R DE L' EGLISE ESC 7 - APPT. 731`` end on the same key ``RUE EGLISE``.

Steps, in order: fold (``ingest.text.fold``), punctuation to spaces, noise
removed (staircase, flat, floor, building, door, residence name, ``BP``/``CS``/
``TSA`` numbers, ``CEDEX``, ``CHEZ`` and the name after it), abbreviations
expanded (street types, titles), articles dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.text import REPETITIONS, fold

# Street types: abbreviation → full form. Applied to the first word of a name
# only, because single letters and short words elsewhere are initials or words
# (`R` is `RUE` only in front, `PL` never means `PLACE` in the middle).
STREET_TYPES: dict[str, str] = {
    "AV": "AVENUE",
    "AVE": "AVENUE",
    "AVN": "AVENUE",
    "BD": "BOULEVARD",
    "BLD": "BOULEVARD",
    "BVD": "BOULEVARD",
    "BOUL": "BOULEVARD",
    "BLVD": "BOULEVARD",
    "R": "RUE",
    "CHE": "CHEMIN",
    "CH": "CHEMIN",
    "CHEM": "CHEMIN",
    "IMP": "IMPASSE",
    "PL": "PLACE",
    "RTE": "ROUTE",
    "FG": "FAUBOURG",
    "FBG": "FAUBOURG",
    "ALL": "ALLEE",
    "AL": "ALLEE",
    "SQ": "SQUARE",
    "RES": "RESIDENCE",
    "RESID": "RESIDENCE",
    "PAS": "PASSAGE",
    "PASS": "PASSAGE",
    "QU": "QUAI",
    "CRS": "COURS",
    "SENT": "SENTIER",
    "SEN": "SENTIER",
    "VLA": "VILLA",
    "VIL": "VILLA",
    "HAM": "HAMEAU",
    "LOT": "LOTISSEMENT",
    "RPT": "ROND POINT",
    "PRV": "PARVIS",
    "PROM": "PROMENADE",
    "CAR": "CARREFOUR",
    "CARR": "CARREFOUR",
    "ESP": "ESPLANADE",
    "TRAV": "TRAVERSE",
    "GR": "GRANDE",
    "GDE": "GRANDE",
    "CHS": "CHAUSSEE",
    "CITE": "CITE",
    "SENTE": "SENTE",
    "RLE": "RUELLE",
    "MAIL": "MAIL",
}

# Full street-type words, used to tell where a street name starts inside a line.
STREET_TYPE_WORDS: frozenset[str] = frozenset(
    set(STREET_TYPES.values())
    | {
        "RUE", "AVENUE", "BOULEVARD", "CHEMIN", "IMPASSE", "PLACE", "ROUTE", "FAUBOURG",
        "ALLEE", "SQUARE", "QUAI", "COURS", "SENTIER", "VILLA", "PASSAGE", "VOIE",
        "RUELLE", "SENTE", "CITE", "CLOS", "COUR", "PARC", "MAIL", "PROMENADE",
        "ESPLANADE", "RONDPOINT", "CARREFOUR", "TRAVERSE", "CHAUSSEE", "PARVIS",
        "HAMEAU", "LOTISSEMENT", "RESIDENCE", "ZONE", "PONT", "QUARTIER", "DOMAINE",
    }
)

# Titles and other words abbreviated anywhere in a name.
TITLES: dict[str, str] = {
    "ST": "SAINT",
    "STE": "SAINTE",
    "STS": "SAINTS",
    "GAL": "GENERAL",
    "GEN": "GENERAL",
    "GL": "GENERAL",
    "GNL": "GENERAL",
    "MAL": "MARECHAL",
    "MAR": "MARECHAL",
    "MCHL": "MARECHAL",
    "PDT": "PRESIDENT",
    "PRES": None,  # `PRES` is the word `prés` (meadows) as often as `président`
    "DR": "DOCTEUR",
    "PR": "PROFESSEUR",
    "PROF": "PROFESSEUR",
    "CDT": "COMMANDANT",
    "CMDT": "COMMANDANT",
    "CNE": "CAPITAINE",
    "CPT": "CAPITAINE",
    "LT": "LIEUTENANT",
    "LTN": "LIEUTENANT",
    "COL": "COLONEL",
    "ADJ": "ADJUDANT",
    "SGT": "SERGENT",
    "MGR": "MONSEIGNEUR",
    "ABB": "ABBE",
    "ND": "NOTRE DAME",
    "MME": "MADAME",
    "MLLE": "MADEMOISELLE",
    "GD": "GRAND",
    "PT": "PETIT",
    "GDE": "GRANDE",
    "PDE": "PROMENADE",
    "CIE": "COMPAGNIE",
    "RES": "RESIDENCE",
}
TITLES = {short: full for short, full in TITLES.items() if full is not None}

# Numbers written as words, as in `RUE DU ONZE NOVEMBRE` for `Rue du 11 Novembre`.
NUMBER_WORDS: dict[str, str] = {
    "UN": "1", "DEUX": "2", "TROIS": "3", "QUATRE": "4", "CINQ": "5", "SIX": "6", "SEPT": "7",
    "HUIT": "8", "NEUF": "9", "DIX": "10", "ONZE": "11", "DOUZE": "12", "TREIZE": "13",
    "QUATORZE": "14", "QUINZE": "15", "SEIZE": "16", "VINGT": "20", "TRENTE": "30",
}
_TENS_UNITS = {("DIX", "SEPT"): "17", ("DIX", "HUIT"): "18", ("DIX", "NEUF"): "19"}

# Articles and linking words dropped from keys, so `RUE DE L EGLISE`,
# `RUE DE L'ÉGLISE` and `RUE EGLISE` share one key.
ARTICLES: frozenset[str] = frozenset(
    {"LE", "LA", "LES", "L", "D", "DE", "DU", "DES", "AU", "AUX", "ET", "EN", "SUR", "SOUS"}
)

# Repetition words and their letter forms, grouped as equivalent spellings of
# the same suffix. `b` is also a plain letter suffix in the BAN, which is why
# the geocoder tries the other form only when the first one is absent.
REP_EQUIVALENTS: dict[str, tuple[str, ...]] = {
    "bis": ("b",),
    "b": ("bis",),
    "ter": ("t",),
    "t": ("ter",),
    "quater": ("q", "qa"),
    "q": ("quater", "qa"),
    "qa": ("quater", "q"),
    "quinquies": ("qq", "c"),
}

_NON_ALNUM = re.compile(r"[^A-Z0-9]+")
_SPACES = re.compile(r"\s+")

# Identifier of a flat, staircase, building or door: `7`, `B`, `12B`, `A3`,
# optionally after `N` or `NO`.
_UNIT_ID = r"(?:\s+(?:N|NO|NUM)\b)?(?:\s+(?:\d+[A-Z]?|[A-Z]\d*)\b)?"
_UNIT_WORDS = (
    "ESC|ESCAL|ESCALIER|APPT|APPTS|APP|APPART|APPARTEMENT|APT|BAT|BATIMENT|BT|BLOC"
    "|ETG|ETAGE|LOGEMENT|LOGT|LGT|LOG|STUDIO|CHAMBRE|CHB|BAL|BOITE|CELLULE"
)
# Words that are a unit only when an identifier follows (`PORTE 12` is a door,
# `RUE DE LA PORTE` is a street).
_UNIT_WORDS_WITH_ID = "PORTE|PTE|ENTREE|HALL|PAVILLON|PAV|NIVEAU|NIV|BOX|LOCAL|LOT"

# Words that end the name after `CHEZ`: full street types and the
# abbreviations that are not also initials (`R`, `AL` or `CH` may be initials).
_CHEZ_STOP_WORDS = "|".join(sorted(STREET_TYPE_WORDS | {"AV", "AVE", "BD", "BLD", "IMP", "RTE", "CHE", "CHEM", "ALL"}))
# Unit words right after an article are part of a street name (`RUE DE LA PORTE`).
_NOT_AFTER_ARTICLE = r"(?<!\bDE )(?<!\bDU )(?<!\bDES )(?<!\bLA )(?<!\bLE )(?<!\bLES )(?<!\bL )(?<!\bD )"

NOISE_PATTERNS: tuple[re.Pattern[str], ...] = (
    # `CHEZ` and the name after it, up to a house number or a street type.
    re.compile(r"\bCHEZ\b(?:\s+(?!\d)(?!(?:" + _CHEZ_STOP_WORDS + r")\b)\S+)*"),
    re.compile(r"\b(?:C\s?O)\b(?:\s+(?!\d)\S+)*$"),
    re.compile(r"\b(?:BP|B\s+P|CS|TSA)\s*\d+\b"),
    re.compile(r"\bCEDEX(?:\s*\d+)?\b"),
    re.compile(r"\b\d+\s*(?:E|EME|ER|ERE|IEME|IER|IERE)\s+(?:ETAGE|ETG)\b"),
    re.compile(r"\b(?:REZ DE CHAUSSEE|RDC|SOUS SOL|SS SOL)\b"),
    re.compile(_NOT_AFTER_ARTICLE + r"\b(?:" + _UNIT_WORDS + r")\b" + _UNIT_ID),
    re.compile(_NOT_AFTER_ARTICLE + r"\b(?:" + _UNIT_WORDS_WITH_ID + r")(?:\s+(?:N|NO|NUM))?\s+(?:\d+[A-Z]?|[A-Z]\d*)\b"),
)

# A residence or building name after a street: cut from the keyword to the
# end, unless an article precedes it (`RUE DE LA RESIDENCE` is a street).
_RESIDENCE_TAIL = re.compile(
    r"(?<!\bDE )(?<!\bLA )(?<!\bL )(?<!\bDU )(?<!\bDES )(?<!\bLE )"
    r"\b(?:RESIDENCE|RES|RESID|IMMEUBLE|IMM|FOYER|EHPAD|MAISON DE RETRAITE)\b.*$"
)
_LIEU_DIT_PREFIX = re.compile(r"^(?:LIEU DIT|LIEUDIT|LD|L D)\s+")
_REP_WORDS = "|".join(sorted(REPETITIONS, key=len, reverse=True))
# Leading number left in a street field: the second number of a range
# (`45 47 RUE`) or a number that the caller did not split off.
_LEADING_NUMBER = re.compile(rf"^(?P<numero>\d{{1,5}})(?:\s*(?P<rep>{_REP_WORDS}|[A-Z])(?=\s))?\s+")
_LEADING_REP = re.compile(rf"^(?P<rep>{_REP_WORDS})\s+")


@dataclass(frozen=True, slots=True)
class ParsedStreet:
    """A street field after noise removal: number found in it, street key, lieu-dit key."""

    numero: int | None
    rep: str | None
    street_key: str | None
    lieu_dit_key: str | None


def canonical(text: str | None) -> str:
    """Fold text and turn every punctuation mark into a single space."""
    folded = fold(text)
    if not folded:
        return ""
    return _SPACES.sub(" ", _NON_ALNUM.sub(" ", folded)).strip()


def strip_noise(text: str) -> str:
    """Remove flats, staircases, floors, residence names, BP/CS/TSA, CEDEX and CHEZ … from canonical text.

    A residence keyword in first position is kept, because then it is the
    street type (``RESIDENCE LES TILLEULS`` with no other street).
    """
    for pattern in NOISE_PATTERNS:
        text = pattern.sub(" ", text)
    text = _SPACES.sub(" ", text).strip()

    words = text.split(" ")
    if len(words) > 2:
        head, tail = words[0], " ".join(words[1:])
        tail = _RESIDENCE_TAIL.sub("", tail).strip()
        text = f"{head} {tail}".strip() if tail else head
    return text


def expand_words(words: list[str]) -> list[str]:
    """Expand a street-type abbreviation in first position and titles anywhere."""
    if not words:
        return words
    expanded: list[str] = []
    first = STREET_TYPES.get(words[0])
    if first is not None and len(words) > 1:
        expanded.extend(first.split(" "))
        rest = words[1:]
    else:
        rest = words

    index = 0
    while index < len(rest):
        word = rest[index]
        following = rest[index + 1] if index + 1 < len(rest) else None
        # `N D` (two initials) is `NOTRE DAME`.
        if word == "N" and following == "D":
            expanded.extend(("NOTRE", "DAME"))
            index += 2
            continue
        if (word, following) in _TENS_UNITS:
            expanded.append(_TENS_UNITS[(word, following)])
            index += 2
            continue
        if word in NUMBER_WORDS:
            expanded.append(NUMBER_WORDS[word])
            index += 1
            continue
        expanded.extend(TITLES.get(word, word).split(" "))
        index += 1
    return expanded


def key_from_canonical(text: str) -> str:
    """Build a matching key from canonical, noise-free text."""
    words = expand_words(text.split(" ")) if text else []
    kept = [word for word in words if word not in ARTICLES]
    # A name made only of articles (rare, but `LES` alone exists) keeps them.
    return " ".join(kept if kept else words)


def street_key(name: str | None) -> str:
    """Return the matching key of a street or lieu-dit name (BAN side or query side)."""
    text = canonical(name)
    if not text:
        return ""
    return key_from_canonical(strip_noise(text))


def parse_street(voie: str | None, has_number: bool) -> ParsedStreet:
    """Parse a street field that may still hold noise, a range number or a lieu-dit marker.

    ``has_number`` is True when the caller already split a house number off.
    When it is False, a number found at the start of the field or before a
    street type inside it (``RESIDENCE LES PINS 12 RUE X``) is returned.
    """
    text = canonical(voie)
    if not text:
        return ParsedStreet(None, None, None, None)

    lieu_dit = _LIEU_DIT_PREFIX.match(text)
    if lieu_dit is not None:
        key = key_from_canonical(strip_noise(text[lieu_dit.end():]))
        return ParsedStreet(None, None, None, key or None)

    text = strip_noise(text)
    numero: int | None = None
    rep: str | None = None

    # Drop leading numbers while a street type follows (ranges like `45 47 RUE`),
    # and keep the first one when the caller had none.
    while True:
        match = _LEADING_NUMBER.match(text)
        if match is None:
            break
        rest = text[match.end():]
        if not has_number and numero is None:
            numero = int(match["numero"])
            rep = _rep_of(match["rep"])
        elif has_number and not _starts_with_street_type(rest):
            break
        text = rest

    if numero is None and not has_number:
        inner = _inner_number(text)
        if inner is not None:
            numero, rep, text = inner

    # A suffix word left in front of the street (`BIS RUE X`).
    match = _LEADING_REP.match(text)
    if match is not None and _starts_with_street_type(text[match.end():]):
        rep = rep or REPETITIONS[match["rep"]]
        text = text[match.end():]

    key = key_from_canonical(text)
    return ParsedStreet(numero, rep, key or None, None)


def _rep_of(token: str | None) -> str | None:
    if not token:
        return None
    return REPETITIONS.get(token, token.lower())


def _starts_with_street_type(text: str) -> bool:
    first = text.split(" ", 1)[0]
    return first in STREET_TYPE_WORDS or first in STREET_TYPES


_INNER_NUMBER = re.compile(rf"\b(?P<numero>\d{{1,5}})(?:\s*(?P<rep>{_REP_WORDS}|[A-Z])(?=\s))?\s+(?P<rest>\S.*)$")


def _inner_number(text: str) -> tuple[int, str | None, str] | None:
    """Find `NUMBER STREET-TYPE …` inside text that starts with a place name."""
    for match in _INNER_NUMBER.finditer(text):
        if match.start() == 0:
            continue
        rest = match["rest"]
        if _starts_with_street_type(rest):
            return int(match["numero"]), _rep_of(match["rep"]), rest
    return None


def rep_alternatives(rep: str | None) -> tuple[str, ...]:
    """Return the other spellings of a repetition suffix, nearest first."""
    if not rep:
        return ()
    return REP_EQUIVALENTS.get(rep, ())


def query_text(numero: str | int | None, rep: str | None, voie: str | None, lieu_dit: str | None = None) -> str:
    """Build the free-text query sent to an HTTP geocoder: number, suffix and street, noise removed.

    Flats, residence names, BP/CEDEX and the name after ``CHEZ`` are removed
    first, so no person's name leaves the machine. Abbreviations are expanded
    and articles kept, as a human would write the address.
    """
    text = canonical(voie)
    lieu_dit_match = _LIEU_DIT_PREFIX.match(text) if text else None
    if lieu_dit_match is not None:
        text = text[lieu_dit_match.end():]
    text = strip_noise(text) if text else ""
    if not text and lieu_dit:
        text = strip_noise(canonical(lieu_dit))

    words = expand_words(text.split(" ")) if text else []
    parts = [str(numero).strip()] if numero not in (None, "") else []
    if parts and rep:
        parts.append(str(rep).strip().upper())
    parts.extend(words)
    return " ".join(parts)
