"""Reading extracts of every layout, and the errors that stop an import."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from ingest.errors import (
    ExtractNotFoundError,
    InvalidCommuneError,
    LayoutMismatchError,
    MappingError,
    MissingCommuneError,
    NotCsvError,
    UnknownLayoutError,
)
from ingest.aggregate import bureau_code
from ingest.extract import commune_from_file_name, date_from_file_name, read_extract

REU_HEADER = (
    '"code du l\'ugle";"libellé de l\'ugle";"libellé du type de liste";"nom de naissance";"nom d\'usage";'
    '"prénoms";"sexe";"date de naissance";"code commune de naissance";"libellé commune de naissance";'
    '"code département de naissance";"pays de naissance";"libellé nationalité";"numéro de voie";'
    '"libellé de voie";"complément 1";"complément 2";"lieu-dit";"code postal";"commune";"pays";'
    '"code du bureau de vote";"libellé du bureau de vote";"code circonscription législative du bureau de vote";'
    '"libellé canton du bureau de vote";"libellé circonscription métropolitaine du bureau de vote";'
    "numéro d'ordre dans le bureau de vote"
)


def reu_row(commune="29039", bureau="1", numero="3", voie="RUE DES LILAS", birth="14/03/1971", sexe="F",
            list_type="Liste principale", complement="", surname="ZORQUIX"):
    fields = [commune, "Concarneau", list_type, surname, "", "Alix", sexe, birth, "99999", "VILLE-FICTIVE",
              "99", "FRANCE", "Française", numero, voie, complement, "", "", "29900", "CONCARNEAU", "FRANCE",
              bureau, f"BUREAU {bureau}", "01", "CANTON", ""]
    return ";".join(f'"{value}"' if value else "" for value in fields) + ";1"


def write(path: Path, lines: list[str], encoding: str = "utf-8") -> Path:
    path.write_text("\n".join(lines) + "\n", encoding=encoding)
    return path


def test_reu_counts(tmp_path):
    path = write(tmp_path / "x.csv", [REU_HEADER, reu_row(), reu_row(bureau="2", sexe="M"), reu_row(list_type="Liste complémentaire européenne")])
    extract = read_extract(path, extract_date=date(2026, 3, 1))
    counts = {tuple(row[:5]): row[5] for row in extract.counts.itertuples(index=False)}
    assert counts[("29039", "29039_0001", "LP", "F", "50-64")] == 1
    assert counts[("29039", "29039_0001", "LCE", "F", "50-64")] == 1
    assert counts[("29039", "29039_0002", "LP", "M", "50-64")] == 1
    assert extract.bureaux.set_index("bureau").loc["29039_0001", "voters"] == 2
    assert extract.bureaux.set_index("bureau").loc["29039_0001", "code"] == "1"


def test_unknown_sex_and_list_type_warned(tmp_path):
    path = write(tmp_path / "x.csv", [REU_HEADER, reu_row(sexe="X", list_type="Autre")])
    extract = read_extract(path)
    reasons = {issue.reason for issue in extract.report.warnings}
    assert reasons == {"sexe_inconnu", "type_liste_inconnu"}
    assert extract.counts.iloc[0][["sexe", "type_liste"]].tolist() == ["inconnu", "inconnu"]


def test_wrong_column_count_rejected(tmp_path):
    path = write(tmp_path / "x.csv", [REU_HEADER, reu_row(), '"29039";"too";"short"', reu_row()])
    extract = read_extract(path)
    assert [(issue.line, issue.reason) for issue in extract.report.rejections] == [(3, "colonnes_incorrectes")]
    assert extract.report.lines_read == 3
    assert extract.report.accepted == 2


def test_line_numbers_after_skipped_row(tmp_path):
    path = write(tmp_path / "x.csv", [REU_HEADER, '"29039";"short"', reu_row(), reu_row(bureau="")])
    extract = read_extract(path)
    rejected = {issue.line: issue.reason for issue in extract.report.rejections}
    assert rejected == {2: "colonnes_incorrectes", 4: "bureau_manquant"}


def test_invalid_commune_rejected(tmp_path):
    path = write(tmp_path / "x.csv", [REU_HEADER, reu_row(commune="ABCDE"), reu_row(commune=""), reu_row()])
    extract = read_extract(path)
    rejected = {issue.line: issue.reason for issue in extract.report.rejections}
    assert rejected == {2: "commune_invalide", 3: "commune_manquante"}


def test_commune_option_rejects_other_communes(tmp_path):
    path = write(tmp_path / "x.csv", [REU_HEADER, reu_row(commune="29046"), reu_row()])
    extract = read_extract(path, commune="29039")
    assert [(issue.line, issue.reason) for issue in extract.report.rejections] == [(2, "autre_commune")]


def test_four_digit_commune_padded(tmp_path):
    path = write(tmp_path / "x.csv", [REU_HEADER, reu_row(commune="1004")])
    extract = read_extract(path)
    assert extract.communes["commune"].tolist() == ["01004"]
    assert extract.report.warnings[0].reason == "commune_completee"


def test_arrete_2013_layout(tmp_path):
    header = (
        "TypeListe;InfoListe;DateCreationListe;CodeDepartement;CodeCommune;NomCommune;NoElecteurGeneral;Sexe;"
        "NomdeNaissance;NomDusage;Prenoms;DateDeNaissance;NomComNaissance;DeptNaissance;PaysNaissance;Nationalite;"
        "NomBureauDeVote;NoBureauDeVote;CodeCanton;CodeCirconscription;ComplementDeLocalisation1;"
        "ComplementDeLocalisation2;NumeroVoie;TypeVoie;LibelleVoie;LieuDit;CodePostal;VilleLocalite;Pays"
    )
    row = "LP;;15/01/2025;29;29039;CONCARNEAU;123;M;ZORQUIX;;Alix;01/06/1990;VILLE-FICTIVE;99;FRANCE;FRANCAISE;ECOLE;3;01;01;;;5;RUE;DES LILAS;;29900;CONCARNEAU;FRANCE"
    extract = read_extract(write(tmp_path / "x.csv", [header, row, row.replace(";5;RUE", ";5 BIS;RUE")]))
    assert extract.report.layout == "arrete2013"
    assert extract.extract_date == date(2025, 1, 15)
    assert sorted(extract.addresses["key"]) == ["5|bis|RUE DES LILAS|", "5||RUE DES LILAS|"]
    assert extract.bureaux["bureau"].tolist() == ["29039_0003"]
    assert extract.counts["tranche_age"].tolist() == ["25-34"]


def test_insee_table_keeps_positions(tmp_path):
    lines = [
        "id_brut_bv_reu,code_commune_ref,longitude,latitude,geo_type,geo_score,nb_adresses",
        "29039_1,29039,-3.91,47.87,housenumber,0.96,2",
        "29039_1,29039,-3.91,47.87,housenumber,0.96,3",
        "29039_14,29039,-3.92,47.88,street,0.5,1",
        "29039_2,29039,,,,,4",
        "29039_2,29039,-3.9,47.8,housenumber,0.9,0",
    ]
    extract = read_extract(write(tmp_path / "x.csv", lines))
    assert extract.report.layout == "insee"
    assert extract.geocoded
    by_bureau = extract.bureaux.set_index("bureau")["voters"].to_dict()
    assert by_bureau == {"29039_0001": 5, "29039_0002": 4, "29039_0014": 1}
    assert len(extract.addresses) == 3
    warned = {issue.line: issue.reason for issue in extract.report.warnings}
    assert warned == {5: "coordonnees_invalides"}
    assert [(issue.line, issue.reason) for issue in extract.report.rejections] == [(6, "poids_invalide")]


def test_generic_detected_from_header(tmp_path):
    lines = ["code_commune,code_bureau,adresse,code_postal,commune", "94001,1,10 RUE X,94480,ABLON", "94001,2,,94480,ABLON"]
    extract = read_extract(write(tmp_path / "x.csv", lines))
    assert extract.report.layout == "generic"
    assert extract.addresses["key"].tolist() == ["10||RUE X|", "|||"]
    assert [issue.reason for issue in extract.report.warnings] == ["adresse_vide"]
    assert extract.report.accepted == 2


def test_generic_map_option(tmp_path):
    lines = ["insee;bv;ligne_adresse;ville;nb", "94001;0003;2 AV. FOCH;ABLON;3"]
    extract = read_extract(
        write(tmp_path / "x.csv", lines),
        mapping=["commune=insee", "bureau=bv", "adresse=ligne_adresse", "poids=nb"],
    )
    assert extract.bureaux["bureau"].tolist() == ["94001_0003"]
    assert extract.counts["voters"].sum() == 3


def test_generic_map_unknown_field(tmp_path):
    path = write(tmp_path / "x.csv", ["a;b", "1;2"])
    with pytest.raises(MappingError) as error:
        read_extract(path, mapping=["surname=a"])
    assert "surname" in error.value.message("en")


def test_generic_map_unknown_column(tmp_path):
    path = write(tmp_path / "x.csv", ["a;b", "1;2"])
    with pytest.raises(MappingError):
        read_extract(path, mapping=["bureau=zz"])


def test_missing_file():
    with pytest.raises(ExtractNotFoundError) as error:
        read_extract("/nonexistent/extract.csv")
    assert "/nonexistent/extract.csv" in error.value.message("fr")


@pytest.mark.parametrize(
    ("content", "reason"),
    [(b"", "vide"), (b"\x00\x01\x02PK\x03\x04", "binaire"), (b"one column\nvalue\n", "une seule colonne")],
)
def test_not_csv(tmp_path, content, reason):
    path = tmp_path / "x.csv"
    path.write_bytes(content)
    with pytest.raises(NotCsvError) as error:
        read_extract(path)
    assert reason in error.value.message("fr")
    assert str(path) in error.value.message("fr")


def test_unknown_layout(tmp_path):
    path = write(tmp_path / "x.csv", ["alpha;beta;gamma", "1;2;3"])
    with pytest.raises(UnknownLayoutError) as error:
        read_extract(path)
    assert "3 columns" in error.value.message("en")
    assert "3 colonnes" in error.value.message("fr")


def test_headerless_extract_echoes_no_value(tmp_path):
    # Without its header, the first line is a voter: no cell of it may reach the message.
    path = write(tmp_path / "x.csv", [reu_row(surname="ZORQUIXDAX"), reu_row()])
    with pytest.raises(UnknownLayoutError) as error:
        read_extract(path)
    for lang in ("fr", "en"):
        message = error.value.message(lang)
        for value in ("ZORQUIXDAX", "Alix", "14/03/1971", "VILLE-FICTIVE", "Française", "RUE DES LILAS"):
            assert value not in message
    assert "ZORQUIXDAX" not in str(error.value)


def test_forced_layout_mismatch(tmp_path):
    path = write(tmp_path / "x.csv", [REU_HEADER, reu_row()])
    with pytest.raises(LayoutMismatchError):
        read_extract(path, layout="insee")


def test_no_commune_anywhere(tmp_path):
    path = write(tmp_path / "x.csv", ["code_bureau;adresse", "1;3 RUE X"])
    with pytest.raises(MissingCommuneError):
        read_extract(path)


def test_commune_option_fills(tmp_path):
    path = write(tmp_path / "x.csv", ["code_bureau;adresse", "1;3 RUE X"])
    assert read_extract(path, commune="2a004").communes["commune"].tolist() == ["2A004"]


def test_invalid_commune_option(tmp_path):
    path = write(tmp_path / "x.csv", ["code_bureau;adresse", "1;3 RUE X"])
    with pytest.raises(InvalidCommuneError):
        read_extract(path, commune="2033")


def test_quoted_separator_and_newline(tmp_path):
    lines = ['code_commune;code_bureau;adresse', '94001;1;"3 RUE X; BAT A"', '94001;1;"4 RUE\nY"']
    extract = read_extract(write(tmp_path / "x.csv", lines))
    assert extract.report.accepted == 2
    assert "4||RUE Y|" in extract.addresses["key"].tolist()


def test_latin1_tab_separated(tmp_path):
    lines = ["code_commune\tcode_bureau\tadresse", "94001\t1\t3 RUE DES ÉCOLES"]
    extract = read_extract(write(tmp_path / "x.csv", lines, encoding="cp1252"))
    assert extract.report.encoding == "cp1252"
    assert extract.report.delimiter == "\t"
    assert extract.addresses["key"].tolist() == ["3||RUE DES ECOLES|"]


@pytest.mark.parametrize(("raw", "code"), [("1", "0001"), ("0005", "0005"), ("31", "0031"), ("0", "0000"), ("A1", "A1"), ("12345", "12345")])
def test_bureau_code(raw, code):
    import pandas as pd

    assert bureau_code(pd.Series([raw])).iloc[0] == code


def test_file_name_commune_and_date():
    name = "ListesElecteursActifs-com2B033-02-03-2026-09h10.csv"
    assert commune_from_file_name(name) == "2B033"
    assert date_from_file_name(name) == date(2026, 3, 2)
    assert commune_from_file_name("extract.csv") is None


def test_malformed_row_numbered_across_blocks(tmp_path, monkeypatch):
    # Small parser blocks make pyarrow parse on several threads, where it gives
    # skipped rows no number: the reader must parse again to number them.
    import ingest.reader

    monkeypatch.setattr(ingest.reader, "BLOCK_SIZE", 4096)
    rows = [reu_row(numero=str(index % 90 + 1)) for index in range(400)]
    rows[250] = '"29039";"short"'
    extract = read_extract(write(tmp_path / "x.csv", [REU_HEADER, *rows]))
    assert [(issue.line, issue.reason) for issue in extract.report.rejections] == [(252, "colonnes_incorrectes")]
    assert extract.report.accepted == 399
    assert extract.report.lines_read == 400


def test_generic_mismatch_names_only_missing(tmp_path):
    path = write(tmp_path / "x.csv", ["bv;rue_texte", "1;3 RUE X"])
    with pytest.raises(LayoutMismatchError) as error:
        read_extract(path, mapping=["bureau=bv"], commune="94001")
    message = error.value.message("en")
    assert "adresse|voie|lieu_dit" in message
    assert "missing columns: bureau" not in message


def test_unterminated_quote_not_csv(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text('{"type": "FeatureCollection", "features": [' + "x" * 200_000 + "\n", encoding="utf-8")
    with pytest.raises((NotCsvError, UnknownLayoutError)):
        read_extract(path)


def test_messages_one_language(tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(b"\x00\x01")
    with pytest.raises(NotCsvError) as error:
        read_extract(path)
    assert "binary" not in error.value.message("fr")
    assert "binaire" not in error.value.message("en")
