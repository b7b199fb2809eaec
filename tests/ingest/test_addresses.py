"""Building one folded address per row."""

from __future__ import annotations

import pandas as pd
import pytest

from ingest.addresses import build_address, build_addresses, remove_care_of


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"numero": "12", "voie": "AVENUE DE PARIS", "complement1": "BIS"}, ("12", "bis", "AVENUE DE PARIS", "")),
        ({"numero": "12", "voie": "AVENUE DE PARIS", "complement2": "TER"}, ("12", "ter", "AVENUE DE PARIS", "")),
        ({"numero": "12", "voie": "RUE X", "complement1": "BAT B"}, ("12", "", "RUE X", "")),
        ({"numero": "", "voie": "LIEU-DIT LA FONTAINE"}, ("", "", "", "LA FONTAINE")),
        ({"lieu_dit": "Les Hauts Champs"}, ("", "", "", "LES HAUTS CHAMPS")),
        ({"numero": "3", "type_voie": "RUE", "voie": "DES LILAS"}, ("3", "", "RUE DES LILAS", "")),
        ({"adresse": "10   RUE DE L' EGLISE"}, ("10", "", "RUE DE L'EGLISE", "")),
        ({"adresse": "22 RUE JEAN JAURES CHEZ M. FAUXNOM"}, ("22", "", "RUE JEAN JAURES", "")),
        ({"adresse": "CHEZ MME FAUXNOM 4 RUE X"}, ("4", "", "RUE X", "")),
        ({"voie": "8 RUE VICTOR HUGO"}, ("8", "", "RUE VICTOR HUGO", "")),
        ({}, ("", "", "", "")),
    ],
)
def test_build_address(fields, expected):
    assert tuple(build_address(**fields)) == expected


def test_empty_address_flag():
    assert build_address().is_empty
    assert not build_address(lieu_dit="LE BOURG").is_empty


def test_care_of_removed():
    assert remove_care_of("RESIDENCE X C/O FAUXNOM") == "RESIDENCE X"
    assert "FAUXNOM" not in remove_care_of("AUX BONS SOINS DE FAUXNOM, 3 RUE Y")


def test_build_addresses_frame():
    frame = pd.DataFrame(
        {"numero": ["12", "12B", "12"], "voie": ["Av. de Paris", "AV. DE PARIS", "av. de paris"], "complement1": ["", "", "BIS"]},
        index=[10, 11, 12],
    )
    built = build_addresses(frame)
    assert built.index.tolist() == [10, 11, 12]
    assert built["key"].nunique() == 2
    assert built.loc[11, "key"] == built.loc[12, "key"] == "12|bis|AV. DE PARIS|"
