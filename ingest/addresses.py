"""Build one folded address per row from the address columns of an extract.

An address is (numéro, rep, voie, lieu-dit), folded so that the spellings a
voter list mixes give one key. Address complements (staircase, flat, ``CHEZ
…``) are read only to find a repetition suffix written apart (``12`` with
complement ``BIS``) and are never stored: they can hold a person's name.
"""

from __future__ import annotations

import re
from typing import NamedTuple

import pandas as pd

from ingest.text import REPETITIONS, fold, split_number

ADDRESS_COLUMNS = ("numero", "type_voie", "voie", "complement1", "complement2", "lieu_dit", "adresse")

_LIEU_DIT_PREFIX = re.compile(r"^(?:LIEU ?DIT|LIEUDIT|L ?D)\s+(?P<name>.+)$")
# `CHEZ M. DUPONT`, `C/O DUPONT`, `AUX BONS SOINS DE …`: a person's name follows.
# It runs to the next comma or house number, or to the end of the text.
_CARE_OF = re.compile(r"\b(?:CHEZ|C/O|C / O|A/S|AUX BONS SOINS D[EU]?)\b[^0-9,]*")
_SEPARATOR = "\x1f"


class Address(NamedTuple):
    """A folded address; empty strings where a part is absent."""

    numero: str
    rep: str
    voie: str
    lieu_dit: str

    @property
    def key(self) -> str:
        return "|".join(self)

    @property
    def is_empty(self) -> bool:
        return not (self.numero or self.voie or self.lieu_dit)


def remove_care_of(text: str) -> str:
    """Remove a ``CHEZ …`` part and the name after it from folded text."""
    if "CHEZ" not in text and "/" not in text and "SOINS" not in text:
        return text
    return re.sub(r"\s+", " ", _CARE_OF.sub(" ", text)).strip(" ,")


def build_address(
    numero: str = "",
    type_voie: str = "",
    voie: str = "",
    complement1: str = "",
    complement2: str = "",
    lieu_dit: str = "",
    adresse: str = "",
) -> Address:
    """Build the folded address of one row.

    ``adresse`` is a whole address line (generic layout); when given, the
    house number and suffix are split from its start. ``voie`` written
    ``LIEU-DIT LA FONTAINE`` becomes the lieu-dit ``LA FONTAINE``.
    """
    number, rep, _ = split_number(numero)
    street = fold(f"{type_voie} {voie}")
    if adresse and not street:
        street = fold(adresse)
    street = remove_care_of(street)
    if number is None and street:
        number, rep, street = split_number(street)

    place = fold(lieu_dit)
    match = _LIEU_DIT_PREFIX.match(street)
    if match:
        place = place or match["name"]
        street = ""

    if number is not None and rep is None:
        for complement in (complement1, complement2):
            word = fold(complement)
            if word in REPETITIONS:
                rep = REPETITIONS[word]
                break

    return Address(number or "", rep or "", street, remove_care_of(place))


def build_addresses(frame: pd.DataFrame) -> pd.DataFrame:
    """Build the folded address of every row, computing each distinct combination once.

    ``frame`` may hold any of :data:`ADDRESS_COLUMNS`; the result has the
    columns ``numero``, ``rep``, ``voie``, ``lieu_dit`` and ``key``, same index.
    """
    present = [column for column in ADDRESS_COLUMNS if column in frame.columns]
    if not present:
        empty = pd.Series("", index=frame.index, dtype=object)
        return pd.DataFrame({"numero": empty, "rep": empty, "voie": empty, "lieu_dit": empty, "key": "|||"})

    combined = frame[present[0]].fillna("")
    for column in present[1:]:
        combined = combined + _SEPARATOR + frame[column].fillna("")
    codes, uniques = pd.factorize(combined)

    built = []
    for value in uniques:
        parts = dict(zip(present, value.split(_SEPARATOR)))
        built.append(build_address(**parts))
    table = pd.DataFrame(built, columns=list(Address._fields))
    table["key"] = [address.key for address in built]
    result = table.iloc[codes].reset_index(drop=True)
    result.index = frame.index
    return result
