"""Age bands from birth dates."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from ingest.ages import age_bands

REFERENCE = date(2026, 3, 2)


@pytest.mark.parametrize(
    ("birth", "band", "warning"),
    [
        ("14/03/1971", "50-64", None),
        ("1971-03-14", "50-64", None),
        ("19710314", "50-64", None),
        ("02/03/2008", "18-24", None),  # 18 on the day
        ("03/03/2008", "18-24", None),  # 17, turns 18 before the election
        ("02/03/2001", "25-34", None),
        ("03/03/2001", "18-24", None),
        ("01/01/1991", "35-49", None),
        ("01/01/1976", "50-64", None),
        ("01/01/1961", "65-79", None),
        ("01/01/1946", "80+", None),
        ("00/00/1953", "65-79", "date_naissance_partielle"),
        ("1961", "50-64", "date_naissance_partielle"),
        ("31/02/1980", "inconnue", "date_naissance_invalide"),
        ("13/13/1980", "inconnue", "date_naissance_invalide"),
        ("01/01/1850", "inconnue", "date_naissance_invalide"),
        ("01/01/2030", "inconnue", "date_naissance_invalide"),
        ("demain", "inconnue", "date_naissance_invalide"),
        ("", "inconnue", "date_naissance_manquante"),
    ],
)
def test_age_band(birth, band, warning):
    bands, warnings = age_bands(pd.Series([birth]), REFERENCE)
    assert bands.iloc[0] == band
    found = warnings.iloc[0]
    assert (None if pd.isna(found) else found) == warning


def test_age_bands_keep_index():
    values = pd.Series(["14/03/1971", None, "14/03/1971"], index=[7, 8, 9])
    bands, _ = age_bands(values, REFERENCE)
    assert bands.to_dict() == {7: "50-64", 8: "inconnue", 9: "50-64"}
