"""Folding and house-number splitting."""

from __future__ import annotations

import pandas as pd
import pytest

from ingest.text import fold, fold_series, split_number, split_number_series


@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        ("Rue d’Alsace", "RUE D'ALSACE"),
        ("RUE DE L' EGLISE", "RUE DE L'EGLISE"),
        ("rue de l'église", "RUE DE L'EGLISE"),
        ("ALLÉE  DES   MÉSANGES ", "ALLEE DES MESANGES"),
        ("Boissy-Saint-Léger", "BOISSY SAINT LEGER"),
        ("Cœur de ville", "COEUR DE VILLE"),
        ("\u00a0Rue\tX", "RUE X"),
        ("", ""),
        (None, ""),
    ],
)
def test_fold(raw, folded):
    assert fold(raw) == folded


@pytest.mark.parametrize(
    ("raw", "numero", "rep", "rest"),
    [
        ("12 BIS", "12", "bis", ""),
        ("12BIS", "12", "bis", ""),
        ("12B", "12", "bis", ""),
        ("12 B", "12", "bis", ""),
        ("30 TER", "30", "ter", ""),
        ("12 T", "12", "ter", ""),
        ("2 QUATER RUE X", "2", "quater", "RUE X"),
        ("5 QUINQUIES", "5", "quinquies", ""),
        ("9 A RUE DU COLONEL", "9", "a", "RUE DU COLONEL"),
        ("16BIS QUAI J-B CLÉMENT", "16", "bis", "QUAI J B CLEMENT"),
        ("45 47 RUE MARCEL", "45", None, "RUE MARCEL"),
        ("25_29 AVENUE JOFFRE", "25", None, "AVENUE JOFFRE"),
        ("12 BOULEVARD X", "12", None, "BOULEVARD X"),
        ("0012", "12", None, ""),
        ("RUE SANS NUMERO", None, None, "RUE SANS NUMERO"),
        ("", None, None, ""),
    ],
)
def test_split_number(raw, numero, rep, rest):
    assert split_number(raw) == (numero, rep, rest)


def test_series_match_scalar():
    values = pd.Series(["12 bis rue x", None, "12 bis rue x", "3 rue y"], index=[5, 6, 7, 8])
    folded = fold_series(values)
    assert folded.tolist() == ["12 BIS RUE X", "", "12 BIS RUE X", "3 RUE Y"]
    assert folded.index.tolist() == [5, 6, 7, 8]
    split = split_number_series(values)
    assert split.loc[5].tolist() == ["12", "bis", "RUE X"]
    assert split.loc[6, ["numero", "rep"]].isna().all()
    assert split.loc[6, "rest"] == ""
