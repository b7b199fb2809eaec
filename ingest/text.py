"""Fold address text and split house numbers, for one value or a whole column.

Folding makes spellings that a voter list mixes freely compare equal: case,
accents, curly and straight apostrophes, hyphens and repeated spaces. It is
the first step of every address comparison in the project; the geocoder adds
abbreviation and noise rules on top of it.
"""

from __future__ import annotations

import functools
import re
import unicodedata

import pandas as pd

# Characters folded to a plain apostrophe: right and left single quotes,
# modifier letters, prime, backtick and acute accent used as apostrophes.
_APOSTROPHES = "\u2019\u2018\u02bc\u02bb\u2032\u0060\u00b4"
_DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2212_"
_TRANSLATION = str.maketrans(
    {**{c: "'" for c in _APOSTROPHES}, **{c: " " for c in _DASHES}, "\u00a0": " ", "\t": " "}
)
_LIGATURES = {"Œ": "OE", "Æ": "AE", "ß": "SS"}
_SPACES = re.compile(r"\s+")
_SPACE_AROUND_APOSTROPHE = re.compile(r"\s*'\s*")

# Repetition suffixes of French house numbers, as the BAN writes them in `rep`.
# Longer words first so that `QUATER` is not read as `Q`.
REPETITIONS = {
    "BIS": "bis",
    "TER": "ter",
    "QUATER": "quater",
    "QUINQUIES": "quinquies",
    "QUINQUIE": "quinquies",
    "SEXIES": "sexies",
}
_REP_WORDS = "|".join(sorted(REPETITIONS, key=len, reverse=True))

# A leading house number: digits, then a repetition word or a single letter
# glued or separated by a space, when the letter is a word of its own (`12 B RUE`, not
# `12 BOULEVARD`). A range `45 47` or `25-29` keeps the first number.
_LEADING_NUMBER = re.compile(
    rf"^(?P<numero>\d{{1,5}})"
    rf"(?:\s*(?P<rep>{_REP_WORDS}|[A-Z])(?=\s|$|,))?"
    rf"(?:\s*(?:[\s,/]|A)\s*\d{{1,5}}(?:\s*(?:{_REP_WORDS}|[A-Z])(?=\s|$|,))?(?=\s))?"
    rf"[\s,]*"
)
_NUMBER_ONLY = re.compile(rf"^(?P<numero>\d{{1,5}})\s*(?P<rep>{_REP_WORDS}|[A-Z])?$")
_REP_ONLY = re.compile(rf"^(?:{_REP_WORDS}|[A-Z])$")


def fold(text: str | None) -> str:
    """Fold an address fragment to upper case without accents or punctuation noise.

    Returns an empty string for ``None`` or blank input. Apostrophes keep no
    space around them (``DE L' EGLISE`` → ``DE L'EGLISE``), so both spellings
    compare equal.
    """
    if text is None or text != text:  # None or NaN
        return ""
    return _fold(str(text))


@functools.lru_cache(maxsize=1 << 16)
def _fold(text: str) -> str:
    text = text.translate(_TRANSLATION).upper()
    if not text.isascii():
        for ligature, letters in _LIGATURES.items():
            text = text.replace(ligature, letters)
        text = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in text if not unicodedata.combining(c))
    if "'" in text:
        text = _SPACE_AROUND_APOSTROPHE.sub("'", text)
    return _SPACES.sub(" ", text).strip()


# Single letters that voter lists write for a repetition word (`12B` is 12 bis).
# Other letters (`9 A`, `12 C`) are kept as letters, as the BAN writes them.
LETTER_REPETITIONS = {"B": "bis", "T": "ter", "Q": "quater"}


def normalize_rep(token: str | None) -> str | None:
    """Return the BAN spelling of a repetition suffix (``BIS`` or ``B`` → ``bis``, ``A`` → ``a``)."""
    if not token:
        return None
    token = fold(token)
    if token in REPETITIONS:
        return REPETITIONS[token]
    if token in LETTER_REPETITIONS:
        return LETTER_REPETITIONS[token]
    if _REP_ONLY.match(token):
        return token.lower()
    return None


def split_number(text: str | None) -> tuple[str | None, str | None, str]:
    """Split a leading house number and repetition suffix from folded text.

    ``12 BIS RUE X`` → (``12``, ``bis``, ``RUE X``); ``16BIS QUAI`` → (``16``,
    ``bis``, ``QUAI``); ``45 47 RUE`` → (``45``, ``None``, ``RUE``). Leading
    zeros are dropped (``007`` → ``7``). Text without a number is returned
    whole as the third item.
    """
    return split_folded_number(fold(text))


def split_folded_number(folded: str) -> tuple[str | None, str | None, str]:
    """Split a leading house number like :func:`split_number`, from text already folded."""
    if not folded or not folded[0].isdigit():
        return None, None, folded
    match = _NUMBER_ONLY.match(folded)
    if match is None:
        match = _LEADING_NUMBER.match(folded)
    if match is None:
        return None, None, folded
    numero = str(int(match["numero"]))
    rep = normalize_rep(match["rep"])
    return numero, rep, folded[match.end():].strip()


def fold_series(values: pd.Series) -> pd.Series:
    """Fold every value of a column, computing each distinct value once."""
    return _map_distinct(values, fold)


def split_number_series(values: pd.Series) -> pd.DataFrame:
    """Split every value of a column into ``numero``, ``rep`` and ``rest`` columns."""
    parts = _map_distinct(values, split_number)
    return pd.DataFrame(
        parts.tolist() if len(parts) else [],
        index=values.index,
        columns=["numero", "rep", "rest"],
    )


def _map_distinct(values: pd.Series, function) -> pd.Series:
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    mapped = [function(value) for value in uniques]
    missing = function(None)
    lookup = pd.Series(mapped + [missing], dtype=object)
    return pd.Series(lookup.to_numpy()[codes], index=values.index)
