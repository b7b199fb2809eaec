"""The awkward ingest inputs of the shared cases folder, each with its expected result."""

from __future__ import annotations

import pytest

from ingest.extract import read_extract

pytestmark = pytest.mark.realdata


def keys(extract) -> dict[str, int]:
    return dict(zip(extract.addresses["key"], extract.addresses["voters"]))


def test_cp1252_read_with_accents(shared_cases):
    extract = read_extract(shared_cases / "c01-cp1252.csv")
    assert extract.report.encoding == "cp1252"
    assert "12||RUE DES ECOLES|" in keys(extract)
    assert not any("Ã" in key for key in keys(extract))


def test_cp1252_keeps_accent_in_label(shared_cases):
    extract = read_extract(shared_cases / "c01-cp1252.csv")
    assert "Creteil" in extract.communes["label"].tolist()


def test_bom_not_in_first_header(shared_cases):
    extract = read_extract(shared_cases / "c02-utf8-bom.csv")
    assert extract.report.layout == "reu"
    assert extract.communes["commune"].tolist() == ["94028"]
    assert extract.report.accepted == 3


def test_cr_only_gives_three_rows(shared_cases):
    extract = read_extract(shared_cases / "c03-cr-only.csv")
    assert extract.report.lines_read == 3
    assert extract.report.accepted == 3


def test_header_variants_recognised(shared_cases):
    extract = read_extract(shared_cases / "c04-header-variants.csv")
    assert extract.report.layout == "reu"
    assert extract.report.unknown_columns == []
    assert extract.report.accepted == 3
    assert set(extract.bureaux["bureau"]) == {"94028_0001", "94028_0002"}


def test_curly_apostrophe_one_address(shared_cases):
    extract = read_extract(shared_cases / "c05-curly-apostrophe.csv")
    assert keys(extract) == {"12||RUE D'ALSACE|": 2}


def test_bis_spellings_one_address(shared_cases):
    extract = read_extract(shared_cases / "c06-bis-ter.csv")
    found = keys(extract)
    assert found["12|bis|AVENUE DE PARIS|"] == 3
    assert found["30|ter|RUE PASTEUR|"] == 1
    assert found["30||RUE PASTEUR|"] == 1
    assert len(found) == 3


def test_corsican_code_kept_as_string(shared_cases):
    extract = read_extract(shared_cases / "ListesElecteursActifs-com2B033-02-03-2026-09h10.csv")
    assert extract.communes["commune"].tolist() == ["2B033"]
    assert extract.bureaux["bureau"].tolist() == ["2B033_0001"]
    assert set(extract.counts["commune"]) == {"2B033"}
    assert extract.extract_date.isoformat() == "2026-03-02"


def test_corsican_code_from_file_name_only(shared_cases, tmp_path):
    source = shared_cases / "ListesElecteursActifs-com2B033-02-03-2026-09h10.csv"
    lines = source.read_text(encoding="utf-8").splitlines()
    # Drop the commune column so the code can only come from the file name.
    stripped = [";".join(line.split(";")[1:]) for line in lines]
    target = tmp_path / source.name
    target.write_text("\n".join(stripped) + "\n", encoding="utf-8")
    extract = read_extract(target)
    assert extract.communes["commune"].tolist() == ["2B033"]


def test_cedex_postcode_kept_commune_94028(shared_cases):
    extract = read_extract(shared_cases / "c08-cedex-bp.csv")
    row = extract.addresses.iloc[0]
    assert row["commune"] == "94028"
    assert row["key"] == "1||RUE DE LA MAIRIE|"
    assert "BP" not in row["key"]


def test_birth_dates_counted_and_warned(shared_cases):
    extract = read_extract(shared_cases / "c09-birth-dates.csv", extract_date=None)
    counts = extract.counts.groupby("tranche_age")["voters"].sum().to_dict()
    assert sum(counts.values()) == 4
    assert counts["inconnue"] == 2
    assert keys(extract) == {"5||RUE DU PONT|": 4}
    warned = {issue.line: issue.reason for issue in extract.report.warnings}
    assert warned[4] == "date_naissance_invalide"
    assert warned[5] == "date_naissance_manquante"
    assert warned[2] == "date_naissance_partielle"
    assert warned[3] == "date_naissance_partielle"
    assert extract.report.rejected == 0


def test_partial_birth_year_gives_band(shared_cases):
    from datetime import date

    extract = read_extract(shared_cases / "c09-birth-dates.csv", extract_date=date(2026, 3, 2))
    bands = extract.counts.groupby("tranche_age")["voters"].sum().to_dict()
    # Born 1953 → 72, born 1961 → 64 (before 1 July).
    assert bands["65-79"] == 1
    assert bands["50-64"] == 1


def test_missing_bureau_rejected_with_line(shared_cases):
    extract = read_extract(shared_cases / "c10-missing-bureau.csv")
    assert [(issue.line, issue.reason) for issue in extract.report.rejections] == [(2, "bureau_manquant")]
    assert extract.bureaux["bureau"].tolist() == ["94028_0003"]
    assert extract.counts["voters"].sum() == 1
    assert extract.report.lines_read == extract.report.accepted + extract.report.rejected


def test_lieu_dit_kept_not_rejected(shared_cases):
    extract = read_extract(shared_cases / "c11-lieu-dit.csv")
    assert set(extract.addresses["lieu_dit"]) == {"LES HAUTS CHAMPS", "LA FONTAINE"}
    assert set(extract.addresses["voie"]) == {""}
    assert extract.report.rejected == 0


def test_noise_complements_not_stored(shared_cases):
    extract = read_extract(shared_cases / "c12-address-noise.csv")
    stored = " ".join(extract.addresses[["key", "voie", "lieu_dit"]].astype(str).to_numpy().ravel())
    for fragment in ("FAUXNOM", "CHEZ", "ESC", "APPT", "ETAGE", "TILLEULS", "PORTE"):
        assert fragment not in stored


def test_one_row_detected(shared_cases):
    extract = read_extract(shared_cases / "c13-one-row.csv")
    assert extract.report.delimiter == ";"
    assert extract.report.encoding == "utf-8"
    assert extract.report.accepted == 1
    assert keys(extract) == {"2||PLACE DE L'EGLISE|": 1}
