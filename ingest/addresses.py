"""Build one folded address per row from the address columns of an extract.

An address is (numéro, rep, voie, lieu-dit), folded so that the spellings a
voter list mixes give one key. Address complements (staircase, flat, ``CHEZ
…``) are read only to find a repetition suffix written apart (``12`` with
complement ``BIS``) and are never stored: they can hold a person's name.
"""

from __future__ import annotations

import re
from typing import NamedTuple

import numpy as np
import pandas as pd

from ingest.text import REPETITIONS, fold, split_folded_number

ADDRESS_COLUMNS = ("numero", "type_voie", "voie", "complement1", "complement2", "lieu_dit", "adresse")

_LIEU_DIT_PREFIX = re.compile(r"^(?:LIEU ?DIT|LIEUDIT|L ?D)\s+(?P<name>.+)$")
# `CHEZ M. DUPONT`, `C/O DUPONT`, `AUX BONS SOINS DE …`: a person's name follows.
# It runs to the next comma or house number, or to the end of the text.
_CARE_OF = re.compile(r"\b(?:CHEZ|C/O|C / O|A/S|AUX BONS SOINS D[EU]?)\b[^0-9,]*")


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
    return _build_folded(
        fold(numero), fold(type_voie), fold(voie), fold(complement1), fold(complement2), fold(lieu_dit), fold(adresse)
    )


def _build_folded(
    numero: str, type_voie: str, voie: str, complement1: str, complement2: str, lieu_dit: str, adresse: str
) -> Address:
    number, rep, _ = split_folded_number(numero)
    street = f"{type_voie} {voie}".strip() if type_voie else voie
    if adresse and not street:
        street = adresse
    street = remove_care_of(street)
    if number is None and street:
        number, rep, street = split_folded_number(street)

    place = lieu_dit
    match = _LIEU_DIT_PREFIX.match(street)
    if match:
        place = place or match["name"]
        street = ""

    if number is not None and rep is None:
        for word in (complement1, complement2):
            if word in REPETITIONS:
                rep = REPETITIONS[word]
                break

    return Address(number or "", rep or "", street, remove_care_of(place))


def address_codes(frame: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame]:
    """Build the folded address of every row as a code into a table of distinct addresses.

    ``frame`` may hold any of :data:`ADDRESS_COLUMNS`. Returns one integer per
    row and the table it indexes, with the columns ``numero``, ``rep``,
    ``voie``, ``lieu_dit`` and ``key``. Each distinct combination of raw
    values is built once, so the cost follows the number of distinct
    addresses, not of rows.
    """
    present = [column for column in ADDRESS_COLUMNS if column in frame.columns]
    if not present:
        table = pd.DataFrame([Address("", "", "", "")], columns=list(Address._fields))
        table["key"] = "|||"
        return np.zeros(len(frame), dtype=np.int64), table

    # Combine the per-column codes into one code per distinct raw combination,
    # factorising after each column so the combined code stays below rows².
    combined = np.zeros(len(frame), dtype=np.int64)
    for column in present:
        codes, uniques = pd.factorize(frame[column].fillna(""))
        combined, _ = pd.factorize(combined * (len(uniques) + 1) + codes)
    _, first_rows, inverse = np.unique(combined, return_index=True, return_inverse=True)

    sample = frame.iloc[first_rows][present].fillna("")
    built = [build_address(**dict(zip(present, values))) for values in sample.itertuples(index=False, name=None)]

    # Different raw spellings can fold to the same address: merge them by key.
    keys = [address.key for address in built]
    key_codes, unique_keys = pd.factorize(pd.Series(keys, dtype=object))
    _, first_built = np.unique(key_codes, return_index=True)
    table = pd.DataFrame([built[i] for i in first_built], columns=list(Address._fields))
    table["key"] = list(unique_keys)
    return key_codes[inverse.ravel()], table


def build_addresses(frame: pd.DataFrame) -> pd.DataFrame:
    """Build the folded address of every row.

    The result has the columns ``numero``, ``rep``, ``voie``, ``lieu_dit`` and
    ``key``, with the index of ``frame``.
    """
    codes, table = address_codes(frame)
    result = table.iloc[codes].reset_index(drop=True)
    result.index = frame.index
    return result
