"""Tests of the offline geocoder: normalisation, reference index, matching ladder, comparison."""

from __future__ import annotations

import gzip
import json
import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ingest.geocode import (
    AddressColumnsError,
    EmptyReferenceError,
    ExpectedFileError,
    GeocodeError,
    IndexStoreError,
    LocalGeocoder,
    ReferenceFormatError,
    ReferenceIndex,
    ReferenceNotFoundError,
    compare_with_expected,
)
from ingest.geocode import similarity
from ingest.geocode.evaluate import haversine_metres
from ingest.geocode.local import STREET_CUTOFF
from ingest.geocode.normalise import parse_street, street_key

FULL_HEADER = (
    "id;id_fantoir;numero;rep;nom_voie;code_postal;code_insee;nom_commune;code_insee_ancienne_commune;"
    "nom_ancienne_commune;x;y;lon;lat;type_position;alias;nom_ld;libelle_acheminement;nom_afnor;"
    "source_position;source_nom_voie;certification_commune;cad_parcelles"
)
REDUCED_HEADER = "id;numero;rep;nom_voie;code_postal;code_insee;nom_commune;lon;lat;type_position"

# Tiny BAN in the full published layout: (id, fantoir, numero, rep, nom_voie,
# code_postal, code_insee, nom_commune, former code, former name, lon, lat, nom_ld).
BAN_ROWS = [
    # Créteil (94028): numbers along Avenue de Paris, both sides, with 12 b but no 12 bis.
    ("94028_0100_00010", "94028_0100", "10", "", "Avenue de Paris", "94000", "94028", "Créteil", "", "", 2.4500, 48.7900, ""),
    ("94028_0100_00012", "94028_0100", "12", "", "Avenue de Paris", "94000", "94028", "Créteil", "", "", 2.4510, 48.7900, ""),
    ("94028_0100_00012_b", "94028_0100", "12", "b", "Avenue de Paris", "94000", "94028", "Créteil", "", "", 2.4511, 48.7901, ""),
    ("94028_0100_00020", "94028_0100", "20", "", "Avenue de Paris", "94000", "94028", "Créteil", "", "", 2.4560, 48.7900, ""),
    ("94028_0100_00011", "94028_0100", "11", "", "Avenue de Paris", "94000", "94028", "Créteil", "", "", 2.4505, 48.7895, ""),
    ("94028_0100_00015", "94028_0100", "15", "", "Avenue de Paris", "94000", "94028", "Créteil", "", "", 2.4525, 48.7895, ""),
    # Rue Pasteur: 30 and 30 ter, 32 ter only, 40 quater written `q`.
    ("94028_0200_00030", "94028_0200", "30", "", "Rue Pasteur", "94000", "94028", "Créteil", "", "", 2.4600, 48.7800, ""),
    ("94028_0200_00030_ter", "94028_0200", "30", "ter", "Rue Pasteur", "94000", "94028", "Créteil", "", "", 2.4601, 48.7801, ""),
    ("94028_0200_00032_ter", "94028_0200", "32", "ter", "Rue Pasteur", "94000", "94028", "Créteil", "", "", 2.4605, 48.7801, ""),
    ("94028_0200_00040_q", "94028_0200", "40", "q", "Rue Pasteur", "94000", "94028", "Créteil", "", "", 2.4620, 48.7801, ""),
    ("94028_0200_00050_quinquies", "94028_0200", "50", "quinquies", "Rue Pasteur", "94000", "94028", "Créteil", "", "", 2.4630, 48.7801, ""),
    ("94028_0200_00044_t", "94028_0200", "44", "t", "Rue Pasteur", "94000", "94028", "Créteil", "", "", 2.4625, 48.7801, ""),
    ("94028_0300_00012", "94028_0300", "12", "", "Rue d'Alsace", "94000", "94028", "Créteil", "", "", 2.4400, 48.7700, ""),
    ("94028_0400_00001", "94028_0400", "1", "", "Rue de la Mairie", "94000", "94028", "Créteil", "", "", 2.4300, 48.7750, ""),
    ("94028_0500_00010", "94028_0500", "10", "", "Rue de l'Église", "94000", "94028", "Créteil", "", "", 2.4350, 48.7760, ""),
    ("94028_0600_00004", "94028_0600", "4", "", "Avenue du Général Leclerc", "94000", "94028", "Créteil", "", "", 2.4370, 48.7770, ""),
    ("94028_0700_00022", "94028_0700", "22", "", "Rue Jean Jaurès", "94000", "94028", "Créteil", "", "", 2.4380, 48.7780, ""),
    ("94028_0800_00006", "94028_0800", "6", "", "Boulevard de la République", "94000", "94028", "Créteil", "", "", 2.4390, 48.7790, "Le Mont Mesly"),
    ("94028_0800_00008", "94028_0800", "8", "", "Boulevard de la République", "94000", "94028", "Créteil", "", "", 2.4392, 48.7792, "Le Mont Mesly"),
    ("94028_0900_00003", "94028_0900", "3", "", "Rue du Colonel Pierre Brossolette", "94000", "94028", "Créteil", "", "", 2.4410, 48.7810, ""),
    ("94028_1000_00005", "94028_1000", "5", "", "Rue du Guesclin", "94000", "94028", "Créteil", "", "", 2.4420, 48.7820, ""),
    ("94028_1100_00007", "94028_1100", "7", "", "Rue du 11 Novembre 1918", "94000", "94028", "Créteil", "", "", 2.4430, 48.7830, ""),
    ("94028_1200_00009", "94028_1200", "9", "", "Place Notre-Dame", "94000", "94028", "Créteil", "", "", 2.4440, 48.7840, ""),
    ("94028_1300_00002", "94028_1300", "2", "", "Avenue du Maréchal Foch", "94000", "94028", "Créteil", "", "", 2.4450, 48.7850, ""),
    ("94028_1400_00002", "94028_1400", "2", "", "Rue Saint-Simon", "94000", "94028", "Créteil", "", "", 2.4460, 48.7860, ""),
    ("94028_B001_99999", "94028_B001", "99999", "", "Les Hauts Champs", "94000", "94028", "Créteil", "", "", 2.4700, 48.7600, ""),
    ("94028_B002_00001", "94028_B002", "1", "", "Chemin de la Fontaine", "94000", "94028", "Créteil", "", "", 2.4800, 48.7650, "La Fontaine"),
    ("94028_B002_00003", "94028_B002", "3", "", "Chemin de la Fontaine", "94000", "94028", "Créteil", "", "", 2.4810, 48.7660, "La Fontaine"),
    # Saint-Maur-des-Fossés (94068), with La Varenne-Saint-Hilaire as its postal name for 94210.
    ("94068_0100_00005", "94068_0100", "5", "", "Avenue du Bac", "94210", "94068", "Saint-Maur-des-Fossés", "", "", 2.5000, 48.8000, ""),
    ("94068_0200_00007", "94068_0200", "7", "", "Rue de la Paix", "94100", "94068", "Saint-Maur-des-Fossés", "", "", 2.4900, 48.8050, ""),
    # A commune nouvelle with two former communes that both have a Rue de la Paix.
    ("49092_0100_00003", "49092_0100", "3", "", "Rue de la Paix", "49160", "49092", "Longué-Jumelles", "49174", "Jumelles", 0.1000, 47.4000, ""),
    ("49092_0200_00003", "49092_0200", "3", "", "Rue de la Paix", "49160", "49092", "Longué-Jumelles", "49180", "Longué", 0.1100, 47.3800, ""),
]
LIBELLE = {"94210": "LA VARENNE ST HILAIRE"}


def write_ban(path: Path, rows: list[tuple] = BAN_ROWS, header: str = FULL_HEADER) -> Path:
    """Write a BAN file in the full published layout (gzip-compressed when the name ends in .gz)."""
    lines = [header]
    for (identifier, fantoir, numero, rep, voie, postcode, insee, commune, former_code, former_name, lon, lat, lieu_dit) in rows:
        libelle = LIBELLE.get(postcode, commune.upper())
        fields = [
            identifier, fantoir, numero, rep, voie, postcode, insee, commune, former_code, former_name,
            "", "", str(lon), str(lat), "entrée", "", lieu_dit, libelle, voie.upper(), "commune", "commune", "1", "",
        ]
        lines.append(";".join(fields))
    text = "\n".join(lines) + "\n"
    if path.suffix == ".gz":
        with gzip.open(path, "wt", encoding="utf-8") as handle:
            handle.write(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def ban_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_ban(tmp_path_factory.mktemp("ban") / "adresses-94.csv.gz")


@pytest.fixture(scope="module")
def index(ban_file: Path) -> ReferenceIndex:
    return ReferenceIndex.build([ban_file])


@pytest.fixture(scope="module")
def geocoder(index: ReferenceIndex) -> LocalGeocoder:
    return LocalGeocoder(index, min_score=0.5)


def address(voie: str | None, numero: str | None = None, rep: str | None = None, commune: str | None = "94028", **extra) -> dict:
    return {"commune": commune, "numero": numero, "rep": rep, "voie": voie, "lieu_dit": None, "code_postal": None, "ville": None, **extra}


def geocode_one(geocoder: LocalGeocoder, **fields) -> pd.Series:
    voie = fields.pop("voie", None)
    return geocoder.geocode(pd.DataFrame([address(voie, **fields)])).iloc[0]


# Normalisation: one table, one rule per row. Each pair must give the same key.

SAME_KEY = [
    ("case", "rue de paris", "RUE DE PARIS"),
    ("accents", "RUE DE L'ÉGLISE", "RUE DE L'EGLISE"),
    ("curly apostrophe", "RUE D’ALSACE", "RUE D'ALSACE"),
    ("apostrophe then space", "RUE DE L' EGLISE", "RUE DE L'EGLISE"),
    ("apostrophe as space", "RUE DE L EGLISE", "RUE DE L'ÉGLISE"),
    ("hyphens", "RUE SAINT-SIMON", "RUE SAINT SIMON"),
    ("repeated spaces", "RUE   DE    PARIS ", "RUE DE PARIS"),
    ("dropped article", "RUE GUESCLIN", "RUE DU GUESCLIN"),
    ("AV", "AV DE PARIS", "AVENUE DE PARIS"),
    ("AV.", "AV. DE PARIS", "AVENUE DE PARIS"),
    ("AVE", "AVE DE PARIS", "AVENUE DE PARIS"),
    ("BD", "BD DE LA REPUBLIQUE", "BOULEVARD DE LA REPUBLIQUE"),
    ("BLD", "BLD DE LA REPUBLIQUE", "BOULEVARD DE LA REPUBLIQUE"),
    ("BVD", "BVD DE LA REPUBLIQUE", "BOULEVARD DE LA REPUBLIQUE"),
    ("R", "R PASTEUR", "RUE PASTEUR"),
    ("CHE", "CHE DES VIGNES", "CHEMIN DES VIGNES"),
    ("CH", "CH DES VIGNES", "CHEMIN DES VIGNES"),
    ("IMP", "IMP DES LILAS", "IMPASSE DES LILAS"),
    ("PL", "PL DE LA GARE", "PLACE DE LA GARE"),
    ("RTE", "RTE DE LESIGNY", "ROUTE DE LESIGNY"),
    ("FG", "FG SAINT ANTOINE", "FAUBOURG SAINT ANTOINE"),
    ("FBG", "FBG SAINT ANTOINE", "FAUBOURG SAINT ANTOINE"),
    ("ALL", "ALL DES PINS", "ALLÉE DES PINS"),
    ("SQ", "SQ DU PARC", "SQUARE DU PARC"),
    ("RES", "RES LES TILLEULS", "RÉSIDENCE LES TILLEULS"),
    ("ST", "RUE ST SIMON", "RUE SAINT-SIMON"),
    ("STE", "RUE STE ANNE", "RUE SAINTE-ANNE"),
    ("GAL", "AV DU GAL LECLERC", "AVENUE DU GÉNÉRAL LECLERC"),
    ("GEN", "AV DU GEN LECLERC", "AVENUE DU GÉNÉRAL LECLERC"),
    ("MAL", "AV DU MAL FOCH", "AVENUE DU MARÉCHAL FOCH"),
    ("PDT", "AV DU PDT WILSON", "AVENUE DU PRÉSIDENT WILSON"),
    ("DR", "RUE DU DR ROUX", "RUE DU DOCTEUR ROUX"),
    ("N D", "PL N D", "PLACE NOTRE-DAME"),
    ("number word", "RUE DU ONZE NOVEMBRE", "RUE DU 11 NOVEMBRE"),
    ("compound number word", "PLACE DU DIX NEUF MARS", "PLACE DU 19 MARS"),
]


@pytest.mark.parametrize(("rule", "query", "reference"), SAME_KEY, ids=[row[0] for row in SAME_KEY])
def test_street_key_rule(rule: str, query: str, reference: str) -> None:
    assert street_key(query) == street_key(reference)


NOISE = [
    ("staircase and flat", "RUE DE L' EGLISE ESC 7 - APPT. 731", "RUE DE L'EGLISE"),
    ("staircase word", "RUE DE PARIS ESCALIER B", "RUE DE PARIS"),
    ("flat", "RUE DE PARIS APPT 12", "RUE DE PARIS"),
    ("flat word", "RUE DE PARIS APPARTEMENT 12", "RUE DE PARIS"),
    ("building and floor", "AV. DU GAL LECLERC BAT B 3EME ETAGE", "AVENUE DU GENERAL LECLERC"),
    ("building word", "RUE DE PARIS BATIMENT C", "RUE DE PARIS"),
    ("floor", "RUE DE PARIS ETAGE 2", "RUE DE PARIS"),
    ("ground floor", "RUE DE PARIS RDC", "RUE DE PARIS"),
    ("door", "RUE DE PARIS PORTE 12", "RUE DE PARIS"),
    ("residence name", "BD DE LA REPUBLIQUE RESIDENCE LES TILLEULS", "BOULEVARD DE LA REPUBLIQUE"),
    ("residence abbreviation", "BD DE LA REPUBLIQUE RES LES TILLEULS", "BOULEVARD DE LA REPUBLIQUE"),
    ("BP", "RUE DE LA MAIRIE BP 12", "RUE DE LA MAIRIE"),
    ("CS", "RUE DE LA MAIRIE CS 40012", "RUE DE LA MAIRIE"),
    ("TSA", "RUE DE LA MAIRIE TSA 70001", "RUE DE LA MAIRIE"),
    ("CEDEX", "RUE DE LA MAIRIE CEDEX", "RUE DE LA MAIRIE"),
    ("CEDEX number", "RUE DE LA MAIRIE CEDEX 9", "RUE DE LA MAIRIE"),
    ("CHEZ after", "RUE JEAN JAURES CHEZ M. FAUXNOM", "RUE JEAN JAURES"),
    ("CHEZ before", "CHEZ MME FAUXNOM RUE JEAN JAURES", "RUE JEAN JAURES"),
]


@pytest.mark.parametrize(("rule", "query", "reference"), NOISE, ids=[row[0] for row in NOISE])
def test_noise_removed(rule: str, query: str, reference: str) -> None:
    assert street_key(query) == street_key(reference)


KEPT = [
    ("door as a name", "RUE DE LA PORTE", "PORTE"),
    ("residence as a name", "RUE DE LA RESIDENCE", "RESIDENCE"),
    ("residence as the street", "RESIDENCE LES TILLEULS", "TILLEULS"),
    ("staircase as a name", "RUE DE L ESCALIER", "ESCALIER"),
]


@pytest.mark.parametrize(("rule", "query", "word"), KEPT, ids=[row[0] for row in KEPT])
def test_street_words_kept(rule: str, query: str, word: str) -> None:
    assert word in street_key(query).split(" ")


def test_chez_name_absent_from_key() -> None:
    assert "FAUXNOM" not in street_key("RUE JEAN JAURES CHEZ M. FAUXNOM")


def test_parse_street_range_second_number() -> None:
    parsed = parse_street("47 RUE MARCEL BOURDARIAS", has_number=True)
    assert parsed.street_key == street_key("RUE MARCEL BOURDARIAS")
    assert parsed.numero is None


def test_parse_street_number_after_residence() -> None:
    parsed = parse_street("RESIDENCE LES PINS 12 RUE PASTEUR", has_number=False)
    assert parsed.numero == 12
    assert parsed.street_key == street_key("RUE PASTEUR")


def test_parse_street_lieu_dit_marker() -> None:
    parsed = parse_street("LIEU-DIT LA FONTAINE", has_number=False)
    assert parsed.street_key is None
    assert parsed.lieu_dit_key == street_key("La Fontaine")


# Reference index.


def test_index_tables(index: ReferenceIndex) -> None:
    assert len(index.rows) == len(BAN_ROWS)
    assert len(index.numbers) == len(BAN_ROWS) - 1  # the 99999 lieu-dit is no house number
    assert set(index.communes["code_insee"]) == {"94028", "94068", "49092"}
    assert {"LES HAUTS CHAMPS", "LA FONTAINE", "LE MONT MESLY"} <= set(index.localities["name"].str.upper())


def test_index_streets_split_by_former_commune(index: ReferenceIndex) -> None:
    paix = index.streets[(index.streets["code_insee"] == "49092") & (index.streets["street_key"] == street_key("Rue de la Paix"))]
    assert len(paix) == 2


def test_index_sources_sha256(index: ReferenceIndex, ban_file: Path) -> None:
    assert list(index.sources.values()) == [ban_file.name]
    assert len(next(iter(index.sources))) == 64


def test_index_save_open_roundtrip(index: ReferenceIndex, tmp_path: Path) -> None:
    index.save(tmp_path / "index")
    reopened = ReferenceIndex.open(tmp_path / "index")
    assert reopened.sources == index.sources
    assert len(reopened.numbers) == len(index.numbers)
    assert reopened.streets["street_key"].tolist() == index.streets["street_key"].tolist()


def test_index_reopened_geocodes_same(index: ReferenceIndex, tmp_path: Path) -> None:
    index.save(tmp_path / "index")
    queries = pd.DataFrame([address("AVENUE DE PARIS", "12"), address("RUE PASTEUR", "36")])
    before = LocalGeocoder(index).geocode(queries)
    after = LocalGeocoder(ReferenceIndex.open(tmp_path / "index")).geocode(queries)
    pd.testing.assert_frame_equal(before, after)


def test_index_same_file_twice_noop(ban_file: Path) -> None:
    index = ReferenceIndex.build([ban_file])
    loaded = index.add([ban_file])
    assert loaded == []
    assert len(index.rows) == len(BAN_ROWS)


def test_index_contains(index: ReferenceIndex, ban_file: Path, tmp_path: Path) -> None:
    other = write_ban(tmp_path / "other.csv", BAN_ROWS[:3])
    assert index.contains(ban_file)
    assert not index.contains(other)


def test_index_new_edition_replaces(tmp_path: Path) -> None:
    path = write_ban(tmp_path / "adresses-94.csv", BAN_ROWS)
    index = ReferenceIndex.build([path])
    write_ban(path, BAN_ROWS[:3])
    loaded = index.add([path])
    assert loaded == [path]
    assert len(index.rows) == 3
    assert len(index.sources) == 1


def test_index_two_files_merge(tmp_path: Path) -> None:
    first = write_ban(tmp_path / "adresses-94.csv", BAN_ROWS[:20])
    second = write_ban(tmp_path / "adresses-49.csv", BAN_ROWS[20:])
    index = ReferenceIndex.build([first, second])
    assert len(index.rows) == len(BAN_ROWS)
    assert sorted(index.sources.values()) == ["adresses-49.csv", "adresses-94.csv"]


def test_index_reduced_header(tmp_path: Path) -> None:
    path = tmp_path / "reference-ban.csv"
    path.write_text(
        REDUCED_HEADER + "\n"
        "ADRNIVX_1;4;;Allée de l'Orangerie;94480;94001;Ablon-sur-Seine;2.411314;48.722336;entrée\n"
        "ADRNIVX_2;6;bis;Allée de l'Orangerie;94480;94001;Ablon-sur-Seine;2.411459;48.722645;entrée\n"
        "94001_0005_91c2fd;;;Rue d'Ablon;94480;94001;Ablon-sur-Seine;2.414158;48.721501;segment\n",
        encoding="utf-8",
    )
    index = ReferenceIndex.build([path])
    streets = index.streets.set_index("street_key")
    assert len(index.numbers) == 2
    assert streets.loc[street_key("Rue d'Ablon"), "street_id"] == "94001_0005_91c2fd"


def test_index_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ReferenceNotFoundError) as caught:
        ReferenceIndex.build([tmp_path / "absent.csv.gz"])
    assert "absent.csv.gz" in caught.value.message("fr")
    assert "not found" in caught.value.message("en")


def test_index_wrong_header(tmp_path: Path) -> None:
    path = tmp_path / "wrong.csv"
    path.write_text("code;libelle\n1;x\n", encoding="utf-8")
    with pytest.raises(ReferenceFormatError) as caught:
        ReferenceIndex.build([path])
    assert "nom_voie" in caught.value.message("en")
    assert "wrong.csv" in caught.value.message("fr")


def test_index_comma_separated_rejected(tmp_path: Path) -> None:
    path = tmp_path / "commas.csv"
    path.write_text(REDUCED_HEADER.replace(";", ",") + "\n", encoding="utf-8")
    with pytest.raises(ReferenceFormatError):
        ReferenceIndex.build([path])


def test_index_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_text("", encoding="utf-8")
    with pytest.raises(EmptyReferenceError):
        ReferenceIndex.build([path])


def test_index_header_only(tmp_path: Path) -> None:
    path = write_ban(tmp_path / "header.csv", [])
    with pytest.raises(EmptyReferenceError) as caught:
        ReferenceIndex.build([path])
    assert "header.csv" in caught.value.message("en")


def test_index_bad_coordinates_skipped(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    rows = [BAN_ROWS[0], (*BAN_ROWS[1][:10], "x", "y", ""), (*BAN_ROWS[2][:10], 500.0, 48.0, "")]
    path = write_ban(tmp_path / "bad.csv", rows)
    with caplog.at_level(logging.WARNING, logger="ingest.geocode.reference"):
        index = ReferenceIndex.build([path])
    assert len(index.rows) == 1
    assert "2 rows" in caplog.text


def test_index_open_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(IndexStoreError) as caught:
        ReferenceIndex.open(tmp_path / "nowhere")
    assert "reference load" in caught.value.message("en")


def test_index_open_other_version(index: ReferenceIndex, tmp_path: Path) -> None:
    index.save(tmp_path / "index")
    meta = json.loads((tmp_path / "index" / "meta.json").read_text())
    meta["format_version"] = 999
    (tmp_path / "index" / "meta.json").write_text(json.dumps(meta))
    with pytest.raises(IndexStoreError):
        ReferenceIndex.open(tmp_path / "index")


def test_index_open_missing_table(index: ReferenceIndex, tmp_path: Path) -> None:
    index.save(tmp_path / "index")
    (tmp_path / "index" / "numbers.parquet").unlink()
    with pytest.raises(IndexStoreError) as caught:
        ReferenceIndex.open(tmp_path / "index")
    assert "numbers.parquet" in caught.value.message("en")


def test_errors_share_base() -> None:
    assert issubclass(ReferenceFormatError, GeocodeError)
    assert issubclass(AddressColumnsError, GeocodeError)


# Matching ladder.


def test_ladder_exact_housenumber(geocoder: LocalGeocoder) -> None:
    result = geocode_one(geocoder, voie="AVENUE DE PARIS", numero="12")
    assert result["result_type"] == "housenumber"
    assert result["result_id"] == "94028_0100_00012"
    assert result["result_score"] == 1.0
    assert result["usable"]


def test_ladder_exact_rep(geocoder: LocalGeocoder) -> None:
    result = geocode_one(geocoder, voie="RUE PASTEUR", numero="30", rep="ter")
    assert result["result_id"] == "94028_0200_00030_ter"
    assert result["result_score"] == 1.0


def test_ladder_bis_matches_b(geocoder: LocalGeocoder) -> None:
    result = geocode_one(geocoder, voie="AVENUE DE PARIS", numero="12", rep="bis")
    assert result["result_type"] == "housenumber"
    assert result["result_id"] == "94028_0100_00012_b"
    assert result["result_score"] < 1.0


def test_ladder_rep_absent_falls_to_number(geocoder: LocalGeocoder) -> None:
    result = geocode_one(geocoder, voie="AVENUE DE PARIS", numero="10", rep="bis")
    assert result["result_id"] == "94028_0100_00010"
    assert result["result_type"] == "housenumber"
    assert result["result_score"] < 1.0


@pytest.mark.parametrize(
    ("numero", "rep", "expected"),
    [
        ("44", "ter", "94028_0200_00044_t"),
        ("40", "quater", "94028_0200_00040_q"),
        ("50", "quinquies", "94028_0200_00050_quinquies"),
    ],
)
def test_ladder_rep_spellings(geocoder: LocalGeocoder, numero: str, rep: str, expected: str) -> None:
    assert geocode_one(geocoder, voie="RUE PASTEUR", numero=numero, rep=rep)["result_id"] == expected


def test_ladder_other_rep_not_taken(geocoder: LocalGeocoder) -> None:
    result = geocode_one(geocoder, voie="RUE PASTEUR", numero="32", rep="bis")
    assert result["result_id"] != "94028_0200_00032_ter"
    assert result["result_type"] in {"interpolation", "street"}


def test_ladder_number_only_with_rep(geocoder: LocalGeocoder) -> None:
    result = geocode_one(geocoder, voie="RUE PASTEUR", numero="32")
    assert result["result_id"] == "94028_0200_00032_ter"
    assert result["result_score"] < 0.9


def test_ladder_interpolation_same_parity(geocoder: LocalGeocoder) -> None:
    result = geocode_one(geocoder, voie="AVENUE DE PARIS", numero="16")
    # Even side: between 12 (2.4510) and 20 (2.4560); the odd 15 is ignored.
    assert result["result_type"] == "interpolation"
    assert result["lon"] == pytest.approx(2.4510 + 0.5 * 0.0050)
    assert result["lat"] == pytest.approx(48.7900)
    assert result["result_numero"] == 16
    assert pd.isna(result["result_id"])


def test_ladder_interpolation_odd_side(geocoder: LocalGeocoder) -> None:
    result = geocode_one(geocoder, voie="AVENUE DE PARIS", numero="13")
    assert result["result_type"] == "interpolation"
    assert result["lat"] == pytest.approx(48.7895)


def test_ladder_street_when_number_far(geocoder: LocalGeocoder) -> None:
    result = geocode_one(geocoder, voie="RUE D'ALSACE", numero="250")
    assert result["result_type"] == "street"
    assert result["lon"] == pytest.approx(2.4400)
    assert result["street_key"] == street_key("Rue d'Alsace")


def test_ladder_street_without_number(geocoder: LocalGeocoder) -> None:
    result = geocode_one(geocoder, voie="AVENUE DE PARIS")
    assert result["result_type"] == "street"
    assert result["result_id"] == "94028_0100"


def test_ladder_locality(geocoder: LocalGeocoder) -> None:
    result = geocode_one(geocoder, voie=None, lieu_dit="LES HAUTS CHAMPS")
    assert result["result_type"] == "locality"
    assert result["result_id"] == "94028_B001_99999"


def test_ladder_locality_from_nom_ld(geocoder: LocalGeocoder) -> None:
    result = geocode_one(geocoder, voie="LIEU-DIT LE MONT MESLY")
    assert result["result_type"] == "locality"
    assert result["lon"] == pytest.approx(2.4391)


def test_ladder_municipality(geocoder: LocalGeocoder) -> None:
    result = geocode_one(geocoder, voie="RUE QUI N EXISTE PAS", numero="3")
    assert result["result_type"] == "municipality"
    assert result["result_id"] == "94028"
    assert not result["usable"]


def test_ladder_unknown_commune(geocoder: LocalGeocoder) -> None:
    result = geocode_one(geocoder, voie="RUE DE PARIS", numero="1", commune="75056")
    assert pd.isna(result["result_type"])
    assert not result["usable"]


FUZZY = [
    ("typo", "RUE PASTUER", "30", "94028_0200_00030"),
    ("dropped word", "RUE DU COLONEL BROSSOLETTE", "3", "94028_0900_00003"),
    ("initial", "RUE DU COLONEL P BROSSOLETTE", "3", "94028_0900_00003"),
    ("glued particle", "RUE DUGUESCLIN", "5", "94028_1000_00005"),
    ("missing year", "RUE DU ONZE NOVEMBRE", "7", "94028_1100_00007"),
    ("wrong type", "RUE DU MARECHAL FOCH", "2", "94028_1300_00002"),
]


@pytest.mark.parametrize(("case", "voie", "numero", "expected"), FUZZY, ids=[row[0] for row in FUZZY])
def test_ladder_fuzzy_street(geocoder: LocalGeocoder, case: str, voie: str, numero: str, expected: str) -> None:
    result = geocode_one(geocoder, voie=voie, numero=numero)
    assert result["result_id"] == expected
    assert 0.5 <= result["result_score"] < 1.0


def test_ladder_type_word_alone_not_fuzzy(geocoder: LocalGeocoder) -> None:
    assert geocode_one(geocoder, voie="RUE", numero="3")["result_type"] == "municipality"


# Streets with close names: the ladder must keep the written street and name.
# Villeneuve-Saint-Georges (94078): Place Boileau holds 3 and 15, Rue Boileau,
# 4.8 km away, holds 5 and 40. Champigny (94017): Avenue Reine and Avenue
# Arsène. Vitry (94081): Avenue Arsène only, and Rue Henri but no Rue Henri Oreiller.
CLOSE_NAME_ROWS = [
    ("94078_0100_00003", "94078_0100", "3", "", "Place Boileau", "94190", "94078", "Villeneuve-Saint-Georges", "", "", 2.4400, 48.7300, ""),
    ("94078_0100_00015", "94078_0100", "15", "", "Place Boileau", "94190", "94078", "Villeneuve-Saint-Georges", "", "", 2.4412, 48.7300, ""),
    ("94078_0200_00005", "94078_0200", "5", "", "Rue Boileau", "94190", "94078", "Villeneuve-Saint-Georges", "", "", 2.5000, 48.7100, ""),
    ("94078_0200_00040", "94078_0200", "40", "", "Rue Boileau", "94190", "94078", "Villeneuve-Saint-Georges", "", "", 2.5030, 48.7100, ""),
    ("94017_0100_00003", "94017_0100", "3", "", "Avenue Reine", "94500", "94017", "Champigny-sur-Marne", "", "", 2.5100, 48.8100, ""),
    ("94017_0100_00007", "94017_0100", "7", "", "Avenue Reine", "94500", "94017", "Champigny-sur-Marne", "", "", 2.5104, 48.8100, ""),
    ("94017_0200_00019", "94017_0200", "19", "", "Avenue Arsène", "94500", "94017", "Champigny-sur-Marne", "", "", 2.5600, 48.8300, ""),
    ("94017_0200_00021", "94017_0200", "21", "", "Avenue Arsène", "94500", "94017", "Champigny-sur-Marne", "", "", 2.5602, 48.8300, ""),
    ("94081_0100_00019", "94081_0100", "19", "", "Avenue Arsène", "94400", "94081", "Vitry-sur-Seine", "", "", 2.3900, 48.7900, ""),
    ("94081_0200_00006", "94081_0200", "6", "", "Rue Henri", "94400", "94081", "Vitry-sur-Seine", "", "", 2.3950, 48.7950, ""),
]


@pytest.fixture(scope="module")
def close_names(tmp_path_factory: pytest.TempPathFactory) -> LocalGeocoder:
    path = write_ban(tmp_path_factory.mktemp("ban-close") / "adresses-close.csv", CLOSE_NAME_ROWS)
    return LocalGeocoder(ReferenceIndex.build([path]), min_score=0.5)


def test_close_name_interpolates_on_own_street(close_names: LocalGeocoder) -> None:
    result = geocode_one(close_names, voie="PLACE BOILEAU", numero="5", commune="94078")
    assert result["result_type"] == "interpolation"
    assert result["street_key"] == "PLACE BOILEAU"
    assert result["lon"] == pytest.approx(2.4400 + 2 / 12 * 0.0012)


def test_close_name_street_when_number_far(close_names: LocalGeocoder) -> None:
    result = geocode_one(close_names, voie="PLACE BOILEAU", numero="40", commune="94078")
    assert result["result_type"] == "street"
    assert result["street_key"] == "PLACE BOILEAU"
    assert result["result_id"] == "94078_0100"


def test_close_name_typo_keeps_type(close_names: LocalGeocoder) -> None:
    result = geocode_one(close_names, voie="PLACE BOILAU", numero="5", commune="94078")
    assert result["street_key"] == "PLACE BOILEAU"
    assert result["result_type"] == "interpolation"


def test_close_name_other_type_scores_low(close_names: LocalGeocoder) -> None:
    # No square in the commune: Rue Boileau holds the number, but the type differs.
    result = geocode_one(close_names, voie="SQUARE BOILEAU", numero="5", commune="94078")
    assert result["result_id"] == "94078_0200_00005"
    assert result["result_score"] <= similarity.OTHER_TYPE_WEIGHT


def test_close_name_exact_short_name_stays(close_names: LocalGeocoder) -> None:
    result = geocode_one(close_names, voie="AVENUE REINE", numero="19", rep="b", commune="94017")
    assert result["street_key"] == "AVENUE REINE"
    assert result["result_type"] == "street"


def test_close_name_distinct_short_name_rejected(close_names: LocalGeocoder) -> None:
    result = geocode_one(close_names, voie="AVENUE REINE", numero="19", commune="94081")
    assert result["result_type"] == "municipality"
    assert not result["usable"]


def test_close_name_extra_word_rejected(close_names: LocalGeocoder) -> None:
    result = geocode_one(close_names, voie="RUE HENRI OREILLER", numero="6", commune="94081")
    assert result["result_type"] == "municipality"


@pytest.mark.parametrize("voie", ["AVENUE ARSENNE", "AVENUE ARSNE", "AV ARSENE"])
def test_close_name_typo_matches(close_names: LocalGeocoder, voie: str) -> None:
    result = geocode_one(close_names, voie=voie, numero="19", commune="94081")
    assert result["result_id"] == "94081_0100_00019"
    assert result["usable"]


# Street similarity: pairs above and below the fuzzy cutoff.

SIMILAR = [
    ("typo", "RUE PASTUER", "RUE PASTEUR"),
    ("one letter off", "AVENUE ARSENNE", "AVENUE ARSENE"),
    ("dropped word", "RUE JAURES", "RUE JEAN JAURES"),
    ("glued words", "RUE JEANJAURES", "RUE JEAN JAURES"),
    ("initial", "RUE COLONEL P BROSSOLETTE", "RUE COLONEL PIERRE BROSSOLETTE"),
    ("noise around the key", "MAISON RETRAITE CITE VERTE", "CITE VERTE"),
    ("type written twice", "RUE CHEMIN POMPE", "CHEMIN POMPE"),
    ("noise word after the name", "RUE LOISIRS BUREAU", "RUE LOISIRS"),
]
DIFFERENT = [
    ("short names sharing letters", "AVENUE REINE", "AVENUE ARSENE"),
    ("other saint", "ALLEE SAINT ANTOINE", "ALLEE SAINT MARTIN"),
    ("query name longer", "RUE HENRI OREILLER", "RUE HENRI"),
    ("shared first name only", "RUE JEAN MOULIN", "RUE JEAN"),
    ("name not in a noisy query", "ECLUSE ILE BRISE PAIN", "QUAI BRISE"),
    ("glued pair far off", "AVENUE FONTAINE", "AVENUE FRONT SEINE"),
    ("type word alone", "RUE", "RUE PASTEUR"),
]


@pytest.mark.parametrize(("case", "query", "candidate"), SIMILAR, ids=[row[0] for row in SIMILAR])
def test_similarity_above_cutoff(case: str, query: str, candidate: str) -> None:
    assert similarity.street_similarity(query, candidate) >= STREET_CUTOFF


@pytest.mark.parametrize(("case", "query", "candidate"), DIFFERENT, ids=[row[0] for row in DIFFERENT])
def test_similarity_below_cutoff(case: str, query: str, candidate: str) -> None:
    assert similarity.street_similarity(query, candidate) < STREET_CUTOFF


def test_similarity_other_type_weighted() -> None:
    name, weight = similarity.compare_streets("PLACE BOILEAU", "RUE BOILEAU")
    assert name == 1.0
    assert weight == similarity.OTHER_TYPE_WEIGHT


def test_similarity_equivalent_types() -> None:
    assert similarity.compare_streets("SENTE MOULINS", "SENTIER MOULINS")[1] == 1.0


def test_ladder_min_score_marks_unusable(index: ReferenceIndex) -> None:
    strict = LocalGeocoder(index, min_score=0.95)
    results = strict.geocode(pd.DataFrame([address("AVENUE DE PARIS", "12"), address("AVENUE DE PARIS", "12", "bis")]))
    assert results["usable"].tolist() == [True, False]
    assert results["result_type"].tolist() == ["housenumber", "housenumber"]


def test_ladder_min_score_range(index: ReferenceIndex) -> None:
    with pytest.raises(ValueError):
        LocalGeocoder(index, min_score=1.5)


def test_geocode_keeps_index_and_columns(geocoder: LocalGeocoder) -> None:
    frame = pd.DataFrame([address("AVENUE DE PARIS", "12"), address("RUE PASTEUR", "30")], index=[17, 4])
    results = geocoder.geocode(frame)
    assert results.index.tolist() == [17, 4]
    assert {"result_type", "result_score", "result_id", "result_label", "lon", "lat", "usable", "street_key", "result_numero"} <= set(results.columns)


def test_geocode_empty_frame(geocoder: LocalGeocoder) -> None:
    results = geocoder.geocode(pd.DataFrame(columns=["commune", "numero", "rep", "voie", "lieu_dit", "code_postal", "ville"]))
    assert len(results) == 0
    assert "result_type" in results.columns


def test_geocode_missing_columns(geocoder: LocalGeocoder) -> None:
    with pytest.raises(AddressColumnsError) as caught:
        geocoder.geocode(pd.DataFrame({"numero": ["1"]}))
    assert "commune" in caught.value.message("en")


def test_geocode_nan_values(geocoder: LocalGeocoder) -> None:
    frame = pd.DataFrame({"commune": ["94028"], "numero": [np.nan], "rep": [np.nan], "voie": ["AVENUE DE PARIS"], "lieu_dit": [np.nan], "code_postal": [np.nan], "ville": [np.nan]})
    assert geocoder.geocode(frame).iloc[0]["result_type"] == "street"


# Commune resolution.


def test_commune_from_postal_name(geocoder: LocalGeocoder) -> None:
    result = geocode_one(geocoder, voie="AVENUE DU BAC", numero="5", commune=None, code_postal="94210", ville="LA-VARENNE-SAINT-HILAIRE")
    assert result["result_citycode"] == "94068"
    assert result["result_id"] == "94068_0100_00005"


def test_commune_code_wins_over_town(geocoder: LocalGeocoder) -> None:
    result = geocode_one(geocoder, voie="RUE DE LA PAIX", numero="7", commune="94068", code_postal="94210", ville="LA VARENNE ST HILAIRE")
    assert result["result_id"] == "94068_0200_00007"


def test_commune_from_former_code(geocoder: LocalGeocoder) -> None:
    result = geocode_one(geocoder, voie="RUE DE LA PAIX", numero="3", commune="49180")
    assert result["result_citycode"] == "49092"
    assert result["result_id"] == "49092_0200_00003"


def test_commune_former_name_picks_street(geocoder: LocalGeocoder) -> None:
    jumelles = geocode_one(geocoder, voie="RUE DE LA PAIX", numero="3", commune="49092", ville="JUMELLES")
    longue = geocode_one(geocoder, voie="RUE DE LA PAIX", numero="3", commune="49092", ville="LONGUE")
    assert jumelles["result_id"] == "49092_0100_00003"
    assert longue["result_id"] == "49092_0200_00003"


def test_commune_from_name_alone(geocoder: LocalGeocoder) -> None:
    result = geocode_one(geocoder, voie="RUE PASTEUR", numero="30", commune=None, ville="CRETEIL CEDEX")
    assert result["result_citycode"] == "94028"


# Awkward cases: the geocoding side of c05, c06, c08, c11, c12, with the
# fields as the extract reader passes them.


def test_case_curly_apostrophe_same_result(geocoder: LocalGeocoder) -> None:
    results = geocoder.geocode(pd.DataFrame([address("RUE D’ALSACE", "12"), address("RUE D'ALSACE", "12")]))
    assert results["result_id"].tolist() == ["94028_0300_00012", "94028_0300_00012"]


def test_case_bis_variants(geocoder: LocalGeocoder) -> None:
    frame = pd.DataFrame(
        [
            address("AVENUE DE PARIS", "12", "bis"),
            address("AVENUE DE PARIS", "12", "b"),
            address("AVENUE DE PARIS", "12", None, complement="BIS"),
        ]
    )
    assert geocoder.geocode(frame)["result_id"].tolist() == ["94028_0100_00012_b"] * 3


def test_case_ter_and_plain_distinct(geocoder: LocalGeocoder) -> None:
    results = geocoder.geocode(pd.DataFrame([address("RUE PASTEUR", "30", "ter"), address("RUE PASTEUR", "30")]))
    assert results["result_id"].tolist() == ["94028_0200_00030_ter", "94028_0200_00030"]


def test_case_cedex_bp(geocoder: LocalGeocoder) -> None:
    result = geocode_one(geocoder, voie="RUE DE LA MAIRIE BP 12", numero="1", code_postal="94001", ville="CRETEIL CEDEX")
    assert result["result_id"] == "94028_0400_00001"
    assert result["result_citycode"] == "94028"


def test_case_lieu_dit(geocoder: LocalGeocoder) -> None:
    frame = pd.DataFrame([address(None, lieu_dit="LES HAUTS CHAMPS"), address("LIEU-DIT LA FONTAINE")])
    assert geocoder.geocode(frame)["result_type"].tolist() == ["locality", "locality"]


NOISY = [
    ("10", "RUE DE L' EGLISE ESC 7 - APPT. 731", "94028_0500_00010"),
    ("4", "AV. DU GAL LECLERC BAT B 3EME ETAGE", "94028_0600_00004"),
    ("22", "RUE JEAN JAURES CHEZ M. FAUXNOM", "94028_0700_00022"),
    ("6", "BD DE LA REPUBLIQUE RESIDENCE LES TILLEULS PORTE 12", "94028_0800_00006"),
]


@pytest.mark.parametrize(("numero", "voie", "expected"), NOISY)
def test_case_noise_stripped(geocoder: LocalGeocoder, numero: str, voie: str, expected: str) -> None:
    assert geocode_one(geocoder, voie=voie, numero=numero)["result_id"] == expected


def test_case_chez_name_not_stored_or_logged(index: ReferenceIndex, caplog: pytest.LogCaptureFixture) -> None:
    frame = pd.DataFrame([address("RUE JEAN JAURES CHEZ M. FAUXNOM", "22"), address("CHEZ M. FAUXNOM", None)])
    with caplog.at_level(logging.DEBUG, logger="ingest.geocode"):
        results = LocalGeocoder(index).geocode(frame)
    stored = results.astype(str).to_csv()
    assert "FAUXNOM" not in stored.upper()
    assert "FAUXNOM" not in caplog.text.upper()


@pytest.mark.realdata
def test_case_files_parse(shared_cases: Path, geocoder: LocalGeocoder) -> None:
    """Geocode the address fields of the shared case files c05, c06, c08, c11, c12."""
    from ingest.text import fold, split_number

    expected = {
        "c05-curly-apostrophe.csv": ["94028_0300_00012", "94028_0300_00012"],
        "c06-bis-ter.csv": ["94028_0100_00012_b"] * 3 + ["94028_0200_00030_ter", "94028_0200_00030"],
        "c08-cedex-bp.csv": ["94028_0400_00001"],
        "c12-address-noise.csv": ["94028_0500_00010", "94028_0600_00004", "94028_0700_00022", "94028_0800_00006"],
    }
    for name, ids in expected.items():
        frame = _case_addresses(shared_cases / name, fold, split_number)
        assert geocoder.geocode(frame)["result_id"].tolist() == ids, name

    lieux = _case_addresses(shared_cases / "c11-lieu-dit.csv", fold, split_number)
    assert geocoder.geocode(lieux)["result_type"].tolist() == ["locality", "locality"]


def _case_addresses(path: Path, fold, split_number) -> pd.DataFrame:
    raw = pd.read_csv(path, sep=";", dtype=str, keep_default_na=False)
    numbers = [split_number(value) for value in raw["numéro de voie"]]
    return pd.DataFrame(
        {
            "commune": raw["code du l'ugle"],
            "numero": [numero for numero, _, _ in numbers],
            "rep": [rep for _, rep, _ in numbers],
            "voie": [fold(value) or None for value in raw["libellé de voie"]],
            "lieu_dit": [fold(value) or None for value in raw["lieu-dit"]],
            "code_postal": raw["code postal"],
            "ville": raw["commune"],
            "complement": [fold(value) or None for value in raw["complément 1"]],
        }
    )


# Comparison with another geocoder's answers.


def _expected(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["result_type", "result_id", "result_score", "longitude", "latitude", "result_label"])


def _results(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["result_type", "result_id", "lon", "lat", "result_label", "result_score"])


def test_compare_counts() -> None:
    expected = _expected(
        [
            ("housenumber", "A", 0.9, 2.0, 48.0, "a"),
            ("housenumber", "B", 0.9, 2.0, 48.0, "b"),
            ("street", "C", 0.6, 2.0, 48.0, "c"),
            (None, None, None, None, None, None),
        ]
    )
    results = _results(
        [
            ("housenumber", "A", 2.1, 48.0, "a", 1.0),  # same id, far
            ("housenumber", "X", 2.0001, 48.0, "x", 1.0),  # other id, about 7 m
            ("street", "Y", 2.01, 48.0, "y", 0.6),  # other id, about 740 m
            ("housenumber", "Z", 2.0, 48.0, "z", 1.0),  # no expected answer
        ]
    )
    report = compare_with_expected(results, expected)
    assert report["rows"] == 4
    assert report["rows_with_expected"] == 3
    assert report["same_result_id"] == pytest.approx(1 / 3, abs=1e-6)
    assert report["within_30m"] == pytest.approx(1 / 3, abs=1e-6)
    assert report["agreement"] == pytest.approx(2 / 3, abs=1e-6)
    assert report["agreement_housenumber_score_ge_0_8"] == 1.0
    assert report["by_expected_type"]["street"]["agreement"] == 0.0
    assert [row["row"] for row in report["worst"]] == [2]


def test_compare_is_json_ready() -> None:
    expected = _expected([("housenumber", "A", 0.9, 2.0, 48.0, "a")])
    results = _results([(None, None, np.nan, np.nan, None, np.nan)])
    report = compare_with_expected(results, expected)
    assert json.loads(json.dumps(report))["worst"][0]["distance_m"] is None


def test_compare_misaligned() -> None:
    expected = _expected([("housenumber", "A", 0.9, 2.0, 48.0, "a")])
    results = _results([("housenumber", "A", 2.0, 48.0, "a", 1.0)]).set_axis([5])
    with pytest.raises(ExpectedFileError):
        compare_with_expected(results, expected)


def test_compare_missing_columns() -> None:
    with pytest.raises(ExpectedFileError) as caught:
        compare_with_expected(_results([]), pd.DataFrame({"result_id": []}))
    assert "longitude" in caught.value.message("en")


def test_haversine_known_distance() -> None:
    # One degree of latitude is about 111.2 km.
    assert haversine_metres(np.array([2.0]), np.array([48.0]), np.array([2.0]), np.array([49.0]))[0] == pytest.approx(111_195, rel=1e-3)
