"""The shared real data sets ingest with no rejected line and every voter counted."""

from __future__ import annotations

import pandas as pd
import pytest

from ingest.extract import read_extract

pytestmark = pytest.mark.realdata


def test_val_de_marne_zero_rejected(shared_data):
    path = shared_data / "val-de-marne" / "adresses-electeurs.csv"
    extract = read_extract(path)
    source = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert extract.report.layout == "generic"
    assert extract.report.rejected == 0
    assert extract.report.lines_read == len(source)
    assert int(extract.counts["voters"].sum()) == len(source)
    assert int(extract.addresses["voters"].sum()) == len(source)


def test_val_de_marne_bureaux_per_commune(shared_data):
    path = shared_data / "val-de-marne" / "adresses-electeurs.csv"
    extract = read_extract(path)
    source = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert len(extract.communes) == source["code_commune"].nunique()
    assert len(extract.bureaux) == source.groupby("code_commune")["code_bureau"].nunique().sum()
    # Bureau ids are padded: `31` and `0031` name the same bureau of a commune.
    assert extract.bureaux["bureau"].str.fullmatch(r"94\d{3}_\d{4}").all()


def test_val_de_marne_empty_addresses_warned(shared_data):
    extract = read_extract(shared_data / "val-de-marne" / "adresses-electeurs.csv")
    empty = [issue for issue in extract.report.warnings if issue.reason == "adresse_vide"]
    assert len(empty) == 2
    assert int(extract.addresses.loc[extract.addresses["key"] == "|||", "voters"].sum()) == 2


def test_finistere_zero_rejected(shared_data):
    path = shared_data / "finistere-reu" / "adresses-reu.csv"
    extract = read_extract(path)
    source = pd.read_csv(path, dtype=str)
    assert extract.report.layout == "insee"
    assert extract.report.rejected == 0
    assert extract.report.lines_read == len(source)
    assert int(extract.counts["voters"].sum()) == source["nb_adresses"].astype(int).sum()
    assert sorted(extract.communes["commune"]) == ["29039", "29046", "29116"]
    assert len(extract.bureaux) == source["id_brut_bv_reu"].nunique()


def test_finistere_positions_kept(shared_data):
    extract = read_extract(shared_data / "finistere-reu" / "adresses-reu.csv")
    assert extract.addresses["lon"].notna().all()
    assert set(extract.addresses["geo_type"]) == {"housenumber", "street", "locality"}
