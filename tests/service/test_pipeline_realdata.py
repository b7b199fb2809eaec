"""The whole command-line chain on the shared real data sets."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from tests.service.test_cli import run

pytestmark = pytest.mark.realdata


def step(db: str, *args: str) -> dict:
    result = run("--db", db, *args, "--json")
    assert result.returncode == 0, (args, result.stderr[-2000:])
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def val_de_marne(shared_data, tmp_path_factory):
    folder = shared_data / "val-de-marne"
    db = str(tmp_path_factory.mktemp("vdm") / "vdm.db")
    step(db, "ingest", str(folder / "adresses-electeurs.csv"))
    step(db, "reference", "load", str(folder / "reference-ban.csv"))
    step(db, "reference", "communes", str(folder / "communes.geojson"))
    geocoded = step(db, "geocode")
    built = step(db, "build")
    return {"db": db, "folder": folder, "geocoded": geocoded, "built": built}


@pytest.fixture(scope="module")
def finistere(shared_data, tmp_path_factory):
    folder = shared_data / "finistere-reu"
    db = str(tmp_path_factory.mktemp("fin") / "fin.db")
    step(db, "ingest", str(folder / "adresses-reu.csv"))
    step(db, "reference", "communes", str(folder / "communes.geojson"))
    built = step(db, "build")
    return {"db": db, "folder": folder, "built": built}


def test_val_de_marne_every_bureau_outlined(val_de_marne):
    source = pd.read_csv(val_de_marne["folder"] / "adresses-electeurs.csv", dtype=str)
    built = val_de_marne["built"]
    assert built["communes_built"] == source["code_commune"].nunique()
    assert built["outlines"] == source.groupby("code_commune")["code_bureau"].nunique().sum()
    assert built["bureaux_without_outline"] == {}
    assert built["failed"] == {}


def test_val_de_marne_geocoding_agreement(val_de_marne):
    result = step(val_de_marne["db"], "evaluate", "geocoding", "--expected", str(val_de_marne["folder"] / "geocodage-attendu.csv"))
    assert result["agreement_housenumber_score_ge_0_8"] >= 0.985
    assert result["agreement"] >= 0.97
    assert result["rows"] == 95454


def test_val_de_marne_cross_validation(val_de_marne):
    result = step(val_de_marne["db"], "evaluate", "outlines", "--folds", "3", "--commune", "94001", "--commune", "94056")
    assert set(result["communes"]) == {"94001", "94056"}
    assert 0.5 < result["accuracy"] <= 1.0
    assert 0.5 < result["plain_voronoi_accuracy"] <= 1.0
    assert all(item["folds_failed"] == 0 for item in result["communes"].values())


def test_finistere_every_bureau_outlined(finistere):
    source = pd.read_csv(finistere["folder"] / "adresses-reu.csv", dtype=str)
    built = finistere["built"]
    assert built["communes_built"] == 3
    assert built["outlines"] == source["id_brut_bv_reu"].nunique()
    assert built["bureaux_without_outline"] == {}


def test_finistere_geocode_keeps_source_positions(finistere):
    # INSEE's table is already geocoded: geocoding has nothing to do and needs no BAN.
    result = step(finistere["db"], "geocode")
    assert result["addresses"] == 0
    assert result["usable_voters_share"] > 0.95
