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


def entry_key(entry: dict) -> tuple:
    """Return the key of a /stats entry or collection value: its sorted (dimension, category) pairs."""
    return tuple(sorted((name, value) for name, value in entry.items() if name not in ("voters", "secret")))


def published_lines_hold(response: dict, published_elsewhere: frozenset = frozenset()) -> None:
    """Check that every line of a /stats response has 0 or at least 2 withheld entries.

    An entry withheld here but in ``published_elsewhere`` (keys of values
    another resource publishes) counts as published.
    """
    dimensions = response["dimensions"]
    entries = {}
    for entry in response["cells"] + response["totals"]:
        key = tuple(entry.get(name) for name in dimensions)
        entries[key] = {**entry, "secret": entry["secret"] and entry_key(entry) not in published_elsewhere}
    for key, entry in entries.items():
        for index, value in enumerate(key):
            if value is not None:
                continue
            members = [other for other_key, other in entries.items() if other_key[:index] + other_key[index + 1 :] == key[:index] + key[index + 1 :] and other_key[index] is not None]
            if not members:
                # A margin over a dimension without categories is an empty sum, not an equation.
                continue
            hidden = [item for item in [entry, *members] if item["secret"]]
            assert len(hidden) != 1, (key, index)


# /stats responses


def test_stats_by_bureau_and_sex(client):
    response = client.get("/stats", params={"commune": "94028", "group_by": "bureau,sexe", "electorat": "presidentielle"})
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


def test_main_list_matches_collections(client):
    document = client.get("/stats", params={"commune": "94028", "group_by": "bureau", "electorat": "presidentielle"}).json()
    features = client.get("/collections/bureaux/items", params={"commune": "94028"}).json()["features"]
    collection = {feature["id"]: feature["properties"]["voters"] for feature in features}
    assert {cell["bureau"]: cell["voters"] for cell in document["cells"]} == collection
    commune = client.get("/collections/communes/items/94028").json()["properties"]["voters"]
    assert document["totals"][0]["voters"] == commune


def test_every_list_bureau_totals_withheld(client):
    # Every list minus the européennes électorat is the municipal complementary
    # list: 3 to 7 voters per bureau, so the every-list totals are withheld.
    document = client.get("/stats", params={"commune": "94028", "group_by": "bureau"}).json()
    assert len(document["cells"]) == 7
    for cell in document["cells"]:
        assert cell["secret"] is True
        assert cell["voters"] is None


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


# The collections publish main-list counts per bureau and per commune: they
# are contained in the same électorats as the présidentielle table.
COLLECTION_PAIRS = [(None, "collections"), ("municipales", "collections"), ("europeennes", "collections")]


def _stats(client, electorat, group_by) -> dict:
    params = {"commune": "94028", "group_by": group_by}
    if electorat:
        params["electorat"] = electorat
    return client.get("/stats", params=params).json()


def _collection_values(client, commune: str) -> dict:
    """Return the collections' values of ``commune`` keyed as /stats entries of that commune: None when withheld."""
    features = client.get("/collections/bureaux/items", params={"commune": commune}).json()["features"]
    values = {(("bureau", feature["id"]),): feature["properties"]["voters"] for feature in features}
    # With a commune filter, a table's grand total (key ()) is the commune's total.
    values[()] = client.get(f"/collections/communes/items/{commune}").json()["properties"]["voters"]
    return values


def check_nested_differences(tables: dict) -> None:
    """Check that no two published values of nested électorats differ by 1 to THRESHOLD − 1."""
    for first, second in NESTED_PAIRS + COLLECTION_PAIRS:
        for key in tables[first].keys() & tables[second].keys():
            difference = tables[first][key] - tables[second][key]
            assert difference == 0 or difference >= THRESHOLD, (first, second, key, difference)


def check_main_list_agrees(table: dict, collections: dict) -> None:
    """Check that the présidentielle table and the collections publish the same values and withhold the same totals."""
    for entry in table["cells"] + table["totals"]:
        key = entry_key(entry)
        if key not in collections:
            continue
        if collections[key] is None:
            assert entry["secret"] is True, key
        elif not entry["secret"]:
            assert entry["voters"] == collections[key], key
    published = frozenset(key for key, value in collections.items() if value is not None)
    published_lines_hold(table, published)


@pytest.mark.parametrize("group_by", ["bureau", "bureau,sexe", "bureau,sexe,tranche_age", "sexe,tranche_age"])
def test_electorats_differences_not_small(client, group_by):
    documents = {electorat: _stats(client, electorat, group_by) for electorat in ELECTORAT_CHOICES}
    tables = {electorat: _published_entries(document) for electorat, document in documents.items()}
    collections = _collection_values(client, "94028")
    tables["collections"] = {key: value for key, value in collections.items() if value is not None}
    check_nested_differences(tables)
    check_main_list_agrees(documents["presidentielle"], collections)


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


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"commune": "99999"}, "99999"),
        ({"commune": "29039", "group_by": "bureau,sexe"}, "29039"),
        ({"departement": "29"}, "29"),
        ({"departement": "2B", "group_by": "commune"}, "2B"),
    ],
)
def test_stats_area_not_loaded(client, params, code):
    response = client.get("/stats", params=params)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"] == "/problems/not-found"
    assert code in problem["detail"]
    assert "chargé" in problem["detail"]
    english = client.get("/stats", params=params, headers={"Accept-Language": "en"}).json()["detail"]
    assert "not loaded" in english


def test_stats_commune_outside_departement(client):
    response = client.get("/stats", params={"commune": "94028", "departement": "2A"})
    assert response.status_code == 404
    assert "94028" in response.json()["detail"]
    assert "2A" in response.json()["detail"]


ALLOWED_DIMENSIONS = "bureau, commune, departement, sexe, tranche_age"


@pytest.mark.parametrize(
    ("params", "present", "absent"),
    [
        ({"commune": "94028", "group_by": "age"}, ["« group_by »", "« age »", ALLOWED_DIMENSIONS], ["^(", "|"]),
        ({"commune": "94028", "group_by": "bureau,bureau"}, ["sans doublon", ALLOWED_DIMENSIONS], ["^("]),
        ({"commune": "94028", "electorat": "legislatives"}, ["presidentielle, municipales, europeennes"], [" or ", "'"]),
        ({"group_by": "bureau"}, ["« commune »", "« departement »"], ["group_by"]),
        ({"commune": "9402"}, ["« commune »", "5 caractères"], ["^("]),
    ],
)
def test_stats_invalid_wording(client, params, present, absent):
    detail = client.get("/stats", params=params).json()["detail"]
    for text in present:
        assert text in detail
    for text in absent:
        assert text not in detail


def test_stats_filter_required_in_english(client):
    detail = client.get("/stats", params={"group_by": "bureau"}, headers={"Accept-Language": "en"}).json()["detail"]
    assert "'commune'" in detail
    assert "'departement'" in detail


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


@pytest.mark.parametrize(
    ("path", "params", "cited"),
    [
        ("/stats", {"commune": "94028", "group_by": "lieu_naissance"}, ["« group_by »", "« lieu_naissance »"]),
        ("/stats", {"commune": "94028", "group_by": "sexe,nationalité"}, ["« group_by »", "« sexe,nationalité »"]),
        ("/stats", {"commune": "94028", "lieuNaissance": "Dupont"}, ["« lieuNaissance »"]),
        ("/collections/bureaux/items", {"sortby": "-prenom"}, ["« sortby »", "« -prenom »"]),
        ("/collections/bureaux/items", {"filter": "nom='Martin'"}, ["« filter »", "« nom »"]),
    ],
)
def test_inference_refused_cites_request(client, path, params, cited):
    detail = client.get(path, params=params).json()["detail"]
    for text in cited:
        assert text in detail
    assert ALLOWED_DIMENSIONS in detail
    assert "Dupont" not in detail
    assert "Martin" not in detail


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
    return {entry_key(entry): entry["voters"] for entry in table["cells"] + table["totals"] if not entry["secret"]}


# Two communes of one département, so that a table's partners may lie in another commune than the collections'.
BUREAUX = ("94028_0001", "94028_0002", "94046_0001", "94046_0002")
list_counts = st.fixed_dictionaries(
    {
        (bureau, sexe, liste): st.integers(min_value=0, max_value=40)
        for bureau in BUREAUX
        for sexe in ("F", "M")
        for liste in ("LP", "LCM", "LCE")
    }
)
GROUPINGS = [["bureau"], ["bureau", "sexe"], ["commune"], ["commune", "sexe"], ["sexe"], []]


@settings(max_examples=300, deadline=None)
@given(counts=list_counts, group_by=st.sampled_from(GROUPINGS))
def test_electorat_differences_property(counts, group_by):
    from service.api.main_list import publish_main_list
    from service.api.stats import electorat_table

    rows = [
        {"commune": bureau[:5], "bureau": bureau, "sexe": sexe, "type_liste": liste, "tranche_age": "35-49", "voters": value}
        for (bureau, sexe, liste), value in counts.items()
        if value > 0
    ]
    documents = {name: electorat_table(rows, name, group_by) for name in ELECTORAT_CHOICES}
    tables = {name: _published_entries(document) for name, document in documents.items()}

    # What the bureaux and communes collections publish for the same rows, keyed as /stats entries.
    main_list = publish_main_list(row for row in rows if row["type_liste"] == "LP")
    collections = {(("bureau", bureau),): voters for bureau, voters in main_list.bureaux.items()}
    collections.update({(("commune", code),): voters for code, voters in main_list.communes.items()})
    tables["collections"] = {key: value for key, value in collections.items() if value is not None}

    check_nested_differences(tables)
    check_main_list_agrees(documents["presidentielle"], collections)
    for document in documents.values():
        published_lines_hold(document)


@settings(max_examples=200, deadline=None)
@given(values=st.lists(st.integers(min_value=0, max_value=30), min_size=1, max_size=6))
def test_main_list_lines_hold(values):
    from service.api.main_list import publish_main_list

    rows = [{"commune": "94028", "bureau": f"94028_{index:04d}", "voters": value} for index, value in enumerate(values)]
    published = publish_main_list(rows)
    withheld = [bureau for bureau, voters in published.bureaux.items() if voters is None]
    for bureau, voters in published.bureaux.items():
        if voters is not None:
            assert voters >= THRESHOLD, bureau
    # The commune total minus its published bureaux must not give one withheld bureau.
    if published.communes["94028"] is not None:
        assert len(withheld) != 1, published
