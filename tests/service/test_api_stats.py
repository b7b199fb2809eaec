"""Counts: dimensions, électorats, small-cell suppression, and refusal of inference queries."""

from __future__ import annotations

import json
from collections import defaultdict

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.api.suppression import THRESHOLD, all_entries, lines, suppress
from tests.service.conftest import read_json_lines

INFERENCE_TYPE = "/problems/inference-refused"


def published_lines_hold(response: dict) -> None:
    """Check that every published line of a /stats response has 0 or at least 2 withheld entries."""
    dimensions = response["dimensions"]
    entries = {}
    for entry in response["cells"] + response["totals"]:
        key = tuple(entry.get(name) for name in dimensions)
        entries[key] = entry
    for key, entry in entries.items():
        for index, value in enumerate(key):
            if value is not None:
                continue
            members = [other for other_key, other in entries.items() if other_key[:index] + other_key[index + 1 :] == key[:index] + key[index + 1 :] and other_key[index] is not None]
            hidden = [item for item in [entry, *members] if item["secret"]]
            assert len(hidden) != 1, (key, index)


# /stats responses


def test_stats_by_bureau_and_sex(client):
    response = client.get("/stats", params={"commune": "94028", "group_by": "bureau,sexe"})
    assert response.status_code == 200
    document = response.json()
    assert document["group_by"] == ["bureau", "sexe"]
    assert document["threshold"] == THRESHOLD
    assert len(document["cells"]) == 7 * 2
    bureau_totals = [entry for entry in document["totals"] if "bureau" in entry and "sexe" not in entry]
    assert len(bureau_totals) == 7
    for entry in bureau_totals:
        assert entry["secret"] is False
        assert entry["voters"] > THRESHOLD


def test_stats_cells_add_up(client):
    document = client.get("/stats", params={"commune": "94028", "group_by": "bureau,sexe", "electorat": "presidentielle"}).json()
    cells = defaultdict(int)
    for cell in document["cells"]:
        assert cell["secret"] is False
        cells[cell["bureau"]] += cell["voters"]
    for entry in document["totals"]:
        if "bureau" in entry and "sexe" not in entry:
            assert cells[entry["bureau"]] == entry["voters"]


def test_small_list_complement_withheld(client):
    # Each bureau has 3 to 7 women on the municipal complementary list (EU
    # citizens): the table of every list, beside the main list's, would give that count.
    every = client.get("/stats", params={"commune": "94028", "group_by": "bureau,sexe"}).json()
    main = client.get("/stats", params={"commune": "94028", "group_by": "bureau,sexe", "electorat": "presidentielle"}).json()
    municipal = client.get("/stats", params={"commune": "94028", "group_by": "bureau,sexe", "electorat": "municipales"}).json()
    assert all(cell["secret"] for cell in every["cells"] if cell["sexe"] == "F")
    assert all(cell["secret"] for cell in municipal["cells"] if cell["sexe"] == "F")
    # The main list is not withheld for it.
    assert not any(cell["secret"] for cell in main["cells"])


ELECTORAT_CHOICES = (None, "presidentielle", "municipales", "europeennes")
# Pairs (containing, contained): their difference is a count of complementary-list
# voters. Municipales minus européennes is LCM − LCE, a difference of two counts
# that are each published (and so at least 11) or withheld, which gives neither.
NESTED_PAIRS = [(None, "presidentielle"), (None, "municipales"), (None, "europeennes"),
                ("municipales", "presidentielle"), ("europeennes", "presidentielle")]


def _published(client, electorat, group_by) -> dict:
    params = {"commune": "94028", "group_by": group_by}
    if electorat:
        params["electorat"] = electorat
    document = client.get("/stats", params=params).json()
    published = {}
    for entry in document["cells"] + document["totals"]:
        if not entry["secret"]:
            key = tuple(sorted((name, value) for name, value in entry.items() if name not in ("voters", "secret")))
            published[key] = entry["voters"]
    return published


@pytest.mark.parametrize("group_by", ["bureau", "bureau,sexe", "bureau,sexe,tranche_age", "sexe,tranche_age"])
def test_electorats_differences_not_small(client, group_by):
    tables = {electorat: _published(client, electorat, group_by) for electorat in ELECTORAT_CHOICES}
    for first, second in NESTED_PAIRS:
        for key in tables[first].keys() & tables[second].keys():
            difference = tables[first][key] - tables[second][key]
            assert difference == 0 or difference >= THRESHOLD, (first, second, key, difference)


def test_stats_small_counts_withheld(client):
    document = client.get("/stats", params={"commune": "94028", "group_by": "bureau,sexe,tranche_age"}).json()
    values = [cell["voters"] for cell in document["cells"] if not cell["secret"]]
    assert min(values) >= THRESHOLD
    secrets = [cell for cell in document["cells"] if cell["secret"]]
    assert secrets
    for cell in secrets:
        assert cell["voters"] is None
    published_lines_hold(document)


def test_stats_tiny_commune_all_secret(client):
    document = client.get("/stats", params={"commune": "97411", "group_by": "sexe"}).json()
    for entry in document["cells"] + document["totals"]:
        assert entry["secret"] is True
        assert entry["voters"] is None


def test_stats_geography_nests(client):
    document = client.get("/stats", params={"departement": "94", "group_by": "commune,bureau"}).json()
    assert document["dimensions"] == ["bureau"]
    assert {cell["commune"] for cell in document["cells"]} == {"94028"}


def test_stats_total_only(client):
    document = client.get("/stats", params={"commune": "94028"}).json()
    assert len(document["cells"]) == 1
    assert document["cells"][0]["voters"] > 0
    assert document["totals"] == []


@pytest.mark.parametrize("electorat", ["presidentielle", "municipales", "europeennes"])
def test_stats_electorat(client, electorat):
    everyone = client.get("/stats", params={"commune": "94028"}).json()["cells"][0]["voters"]
    selected = client.get("/stats", params={"commune": "94028", "electorat": electorat}).json()["cells"][0]["voters"]
    assert selected < everyone


def test_stats_electorat_order(client):
    def total(electorat: str) -> int:
        return client.get("/stats", params={"commune": "94028", "electorat": electorat}).json()["cells"][0]["voters"]

    assert total("presidentielle") < total("municipales")
    assert total("presidentielle") < total("europeennes")


@pytest.mark.parametrize(
    "params",
    [
        {"commune": "94028", "group_by": "bureau,bureau"},
        {"commune": "94028", "group_by": "type_liste"},
        {"commune": "94028", "group_by": "adresse"},
        {"group_by": "bureau"},
        {"commune": "94028", "electorat": "legislatives"},
        {"commune": "x"},
    ],
)
def test_stats_invalid(client, params):
    response = client.get("/stats", params=params)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"


# Refusal of inference


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/stats", {"commune": "94028", "nom": "Dupont"}),
        ("/stats", {"commune": "94028", "name": "x"}),
        ("/stats", {"commune": "94028", "surname": "x"}),
        ("/stats", {"commune": "94028", "prenom": "x"}),
        ("/stats", {"commune": "94028", "Prénom": "x"}),
        ("/stats", {"commune": "94028", "first_name": "x"}),
        ("/stats", {"commune": "94028", "date_naissance": "1970-01-01"}),
        ("/stats", {"commune": "94028", "lieu_naissance": "x"}),
        ("/stats", {"commune": "94028", "lieuNaissance": "x"}),
        ("/stats", {"commune": "94028", "birthplace": "x"}),
        ("/stats", {"commune": "94028", "pays_naissance": "x"}),
        ("/stats", {"commune": "94028", "departement_naissance": "75"}),
        ("/stats", {"commune": "94028", "nationalite": "x"}),
        ("/stats", {"commune": "94028", "nationality": "x"}),
        ("/stats", {"commune": "94028", "group_by": "bureau,nom"}),
        ("/stats", {"commune": "94028", "group_by": "sexe,lieu_naissance"}),
        ("/stats", {"commune": "94028", "group_by": "nationalité"}),
        ("/stats", {"commune": "94028", "group_by": "soundex"}),
        ("/collections/bureaux/items", {"nom_usage": "x"}),
        ("/collections/bureaux/items", {"sortby": "-prenom"}),
        ("/collections/bureaux/items", {"filter": "nom='Martin'"}),
        ("/collections/bureaux/items", {"q": "birth_date"}),
        ("/downloads/communes/94028.gpkg", {"nationalite": "x"}),
    ],
)
def test_inference_refused(client, path, params):
    response = client.get(path, params=params)
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"] == INFERENCE_TYPE
    assert problem["status"] == 403
    assert "CNIL" in problem["detail"]
    assert "RGPD" in problem["detail"]
    assert "226-19" in problem["detail"]
    assert "Dupont" not in problem["detail"]
    assert "Martin" not in problem["detail"]


def test_inference_refused_in_english(client):
    response = client.get("/stats", params={"commune": "94028", "nom": "x"}, headers={"Accept-Language": "en"})
    detail = response.json()["detail"]
    assert "GDPR article 9" in detail
    assert "Code pénal" in detail


@pytest.mark.parametrize(
    "params",
    [
        {"commune": "94028", "group_by": "bureau,sexe,tranche_age"},
        {"commune": "94028", "group_by": "commune"},
        {"departement": "94", "group_by": "département"},
        {"group_by": "departement,sexe"},
    ],
)
def test_allowed_not_refused(client, params):
    response = client.get("/stats", params=params)
    assert response.status_code == 200


def test_refusal_audited(live_server, audit_log):
    before = len(read_json_lines(audit_log))
    response = httpx.get(live_server + "/stats", params={"commune": "94028", "nom": "Zorquixbry", "group_by": "sexe"})
    assert response.status_code == 403
    records = read_json_lines(audit_log)
    assert len(records) == before + 1
    record = records[-1]
    assert record["logger"] == "service.audit"
    assert record["client"] == "127.0.0.1"
    assert record["path"] == "/stats"
    assert record["protected_word"] == "nom"
    assert [parameter["name"] for parameter in record["parameters"]] == ["commune", "nom", "group_by"]
    assert record["parameters"][1]["length"] == len("Zorquixbry")
    assert "Zorquixbry" not in audit_log.read_text(encoding="utf-8")


def test_refusal_logged_without_value(client, caplog):
    with caplog.at_level("INFO", logger="service.audit"):
        client.get("/stats", params={"prenom": "Hortense"})
    assert any(record.name == "service.audit" for record in caplog.records)
    assert "Hortense" not in caplog.text


# Secondary suppression, as a property

category_lists = st.lists(st.integers(min_value=1, max_value=4), min_size=1, max_size=3)


@st.composite
def tables(draw):
    sizes = draw(category_lists)
    categories = [[f"c{dimension}{index}" for index in range(size)] for dimension, size in enumerate(sizes)]
    cells = {}
    keys = [()]
    for values in categories:
        keys = [key + (value,) for key in keys for value in values]
    for key in keys:
        cells[key] = draw(st.one_of(st.integers(0, 12), st.integers(0, 200)))
    return categories, cells


@settings(max_examples=300, deadline=None)
@given(tables())
def test_no_withheld_entry_recoverable(table):
    categories, cells = table
    entries = all_entries(categories, cells)
    withheld = suppress(categories, entries)

    for key, value in entries.items():
        if value < THRESHOLD:
            assert key in withheld, key
    for line in lines(categories, entries):
        hidden = [key for key in line if key in withheld]
        # Total minus the published members would give a lone withheld entry.
        assert len(hidden) != 1, line


@settings(max_examples=100, deadline=None)
@given(tables())
def test_margins_are_sums(table):
    categories, cells = table
    entries = all_entries(categories, cells)
    for line in lines(categories, entries):
        assert entries[line[0]] == sum(entries[key] for key in line[1:])


def test_stats_response_json_has_no_address(client):
    text = json.dumps(client.get("/stats", params={"commune": "94028", "group_by": "bureau"}).json())
    for word in ("adresse", "voie", "numero", "lon", "lat"):
        assert word not in text


def _published_entries(table: dict) -> dict:
    published = {}
    for entry in table["cells"] + table["totals"]:
        if not entry["secret"]:
            published[tuple(sorted((k, v) for k, v in entry.items() if k not in ("voters", "secret")))] = entry["voters"]
    return published


list_counts = st.fixed_dictionaries(
    {
        (bureau, sexe, liste): st.integers(min_value=0, max_value=40)
        for bureau in ("94028_0001", "94028_0002")
        for sexe in ("F", "M")
        for liste in ("LP", "LCM", "LCE")
    }
)


@settings(max_examples=150, deadline=None)
@given(counts=list_counts, group_by=st.sampled_from([["bureau"], ["bureau", "sexe"], ["sexe"]]))
def test_electorat_differences_property(counts, group_by):
    from service.api.stats import electorat_table

    rows = [
        {"commune": "94028", "bureau": bureau, "sexe": sexe, "type_liste": liste, "tranche_age": "35-49", "voters": value}
        for (bureau, sexe, liste), value in counts.items()
    ]
    tables = {name: _published_entries(electorat_table(rows, name, group_by)) for name in ELECTORAT_CHOICES}
    # Totals of every list per bureau and commune are published by the collections, whatever /stats withholds.
    every_list = electorat_table(rows, None, group_by)
    for entry in every_list["cells"] + every_list["totals"]:
        if all(name in ("bureau", "commune", "departement", "voters", "secret") for name in entry):
            key = tuple(sorted((k, v) for k, v in entry.items() if k not in ("voters", "secret")))
            value = sum(row["voters"] for row in rows if all(row.get(k) == v for k, v in key))
            tables[None].setdefault(key, value)
    for first, second in NESTED_PAIRS:
        for key in tables[first].keys() & tables[second].keys():
            difference = tables[first][key] - tables[second][key]
            assert difference == 0 or difference >= THRESHOLD, (first, second, key, difference)
