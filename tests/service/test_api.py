"""OGC API – Features routes, problems and HTTP behaviour, on the synthetic database."""

from __future__ import annotations

import gzip
import json

import httpx
import numpy as np
import pytest

GEOJSON = "application/geo+json"
PROBLEM = "application/problem+json"
SERVED_BUREAUX = 10  # 7 in 94028, 2 in 2A004, 1 in 97411


def signed_area(ring: list[list[float]]) -> float:
    points = np.asarray(ring)
    x, y = points[:, 0], points[:, 1]
    return float(np.dot(x[:-1], y[1:]) - np.dot(x[1:], y[:-1])) / 2


def decimals(value: float) -> int:
    text = repr(value)
    return len(text.split(".")[1]) if "." in text else 0


def links_by_rel(document: dict) -> dict[str, list[dict]]:
    result: dict[str, list[dict]] = {}
    for link in document["links"]:
        result.setdefault(link["rel"], []).append(link)
    return result


# Landing page, conformance, collections


def test_landing_links(client):
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    rels = links_by_rel(response.json())
    for rel in ("self", "service-desc", "conformance", "data", "alternate"):
        assert rel in rels, rel
    assert rels["service-desc"][0]["href"].endswith("/openapi.json")
    assert any(link["href"].endswith("/carte") for link in rels["alternate"])


def test_landing_html_by_accept(client):
    response = client.get("/", headers={"Accept": "text/html,application/xhtml+xml"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert '<html lang="fr">' in response.text


def test_conformance_classes(client):
    classes = client.get("/conformance").json()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in classes
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson" in classes


def test_collections_with_extent(client):
    document = client.get("/collections").json()
    ids = [collection["id"] for collection in document["collections"]]
    assert ids == ["bureaux", "communes"]
    for collection in document["collections"]:
        minx, miny, maxx, maxy = collection["extent"]["spatial"]["bbox"][0]
        assert minx == pytest.approx(2.44, abs=1e-6)
        assert maxx == pytest.approx(55.48, abs=1e-6)
        assert miny == pytest.approx(-20.90, abs=1e-6)
        assert maxy == pytest.approx(48.79, abs=1e-6)
        items = [link for link in collection["links"] if link["rel"] == "items"]
        assert any(link["type"] == GEOJSON for link in items)


def test_collections_extent_rounded(client):
    bbox = client.get("/collections/bureaux").json()["extent"]["spatial"]["bbox"][0]
    for value in bbox:
        assert decimals(value) <= 6, value


@pytest.mark.parametrize("collection_id", ["bureaux", "communes"])
def test_collection_describes_main_list(client, collection_id):
    french = client.get(f"/collections/{collection_id}").json()["description"]
    english = client.get(f"/collections/{collection_id}", headers={"Accept-Language": "en"}).json()["description"]
    assert "liste principale" in french
    assert "main list" in english


def test_collection_unknown(client):
    response = client.get("/collections/electeurs")
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["type"] == "/problems/not-found"
    assert "electeurs" in problem["detail"]
    assert problem["instance"] == "/collections/electeurs"


# Items


def test_items_default_page(client):
    response = client.get("/collections/bureaux/items")
    assert response.status_code == 200
    assert response.headers["content-type"] == GEOJSON
    document = response.json()
    assert document["type"] == "FeatureCollection"
    assert document["numberMatched"] == SERVED_BUREAUX
    assert document["numberReturned"] == SERVED_BUREAUX
    assert "crs" not in document
    assert [feature["id"] for feature in document["features"]] == sorted(feature["id"] for feature in document["features"])


def test_items_only_active_build(client):
    # The older build is shifted by half a degree: none of its outlines may appear.
    for feature in client.get("/collections/bureaux/items", params={"commune": "94028"}).json()["features"]:
        xs = [point[0] for polygon in feature["geometry"]["coordinates"] for ring in polygon for point in ring]
        assert max(xs) <= 2.47 + 1e-9


def test_items_paging_links(client):
    seen = []
    url = "/collections/bureaux/items?limit=3"
    pages = 0
    while url:
        document = client.get(url).json()
        assert document["numberMatched"] == SERVED_BUREAUX
        assert document["numberReturned"] == len(document["features"])
        seen.extend(feature["id"] for feature in document["features"])
        rels = links_by_rel(document)
        if pages > 0:
            assert rels["prev"][0]["type"] == GEOJSON
        url = rels["next"][0]["href"].replace("http://testserver", "") if "next" in rels else None
        if url:
            assert rels["next"][0]["type"] == GEOJSON
        pages += 1
    assert pages == 4
    assert len(seen) == SERVED_BUREAUX
    assert len(set(seen)) == SERVED_BUREAUX


def test_items_offset_past_end(client):
    document = client.get("/collections/bureaux/items", params={"offset": 50}).json()
    assert document["numberReturned"] == 0
    assert document["numberMatched"] == SERVED_BUREAUX
    assert "next" not in links_by_rel(document)


def test_items_limit_clamped(client):
    document = client.get("/collections/bureaux/items", params={"limit": 1_000_000, "offset": 2}).json()
    assert document["numberReturned"] == SERVED_BUREAUX - 2
    prev = links_by_rel(document)["prev"][0]["href"]
    assert "limit=10000" in prev


@pytest.mark.parametrize("limit", ["0", "-1", "abc", "1.5", ""])
def test_items_limit_invalid(client, limit):
    response = client.get("/collections/bureaux/items", params={"limit": limit})
    assert response.status_code == 400
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["type"] == "/problems/invalid-parameter"
    assert "limit" in response.json()["detail"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"commune": "94028"}, 7),
        ({"commune": "2a004"}, 2),
        ({"departement": "2A"}, 2),
        ({"departement": "974"}, 1),
        ({"departement": "94"}, 7),
        ({"departement": "29"}, 0),
        ({"commune": "94028", "departement": "2A"}, 0),
    ],
)
def test_items_area_filters(client, params, expected):
    document = client.get("/collections/bureaux/items", params=params).json()
    assert document["numberMatched"] == expected
    assert len(document["features"]) == expected


@pytest.mark.parametrize(("name", "value"), [("commune", "9402"), ("commune", "94028x"), ("departement", "20"), ("departement", "97")])
def test_items_area_invalid(client, name, value):
    response = client.get("/collections/bureaux/items", params={name: value})
    assert response.status_code == 400
    assert response.json()["type"] == "/problems/invalid-parameter"


@pytest.mark.parametrize(
    ("bbox", "expected"),
    [
        ("2.445,48.775,2.455,48.785", {"94028_0001", "94028_0002", "94028_0004", "94028_0005"}),
        ("2.4632,48.7832,2.4668,48.7868", {"94028_0007"}),  # inside the hole of 0006: only the island
        ("8.6,41.8,8.71,42", {"2A004_0001"}),
        ("0,0,1,1", set()),
        ("179,-21,55.45,-20", {"97411_0001"}),  # crosses the antimeridian
    ],
)
def test_items_bbox(client, bbox, expected):
    document = client.get("/collections/bureaux/items", params={"bbox": bbox}).json()
    assert {feature["id"] for feature in document["features"]} == expected
    assert document["numberMatched"] == len(expected)


@pytest.mark.parametrize(
    "bbox",
    ["1,2,3", "1,2,3,4,5", "a,b,c,d", "2,50,3,49", "0,-91,1,0", "181,0,182,1", "1,2,3,4,", "nan,1,2,3", "1e1,2,3,4"],
)
def test_items_bbox_invalid(client, bbox):
    response = client.get("/collections/bureaux/items", params={"bbox": bbox})
    assert response.status_code == 400
    assert response.headers["content-type"] == PROBLEM
    assert "bbox" in response.json()["detail"]


def test_items_rfc7946_winding(client):
    features = client.get("/collections/bureaux/items").json()["features"]
    holes = 0
    for feature in features:
        assert feature["geometry"]["type"] == "MultiPolygon"
        for polygon in feature["geometry"]["coordinates"]:
            assert signed_area(polygon[0]) > 0, feature["id"]
            for hole in polygon[1:]:
                assert signed_area(hole) < 0, feature["id"]
                holes += 1
    assert holes == 1


@pytest.mark.parametrize("precision", [6, 4, 3])
def test_items_precision(client, precision):
    params = {} if precision == 6 else {"precision": precision}
    features = client.get("/collections/bureaux/items", params=params).json()["features"]
    values = [value for feature in features for polygon in feature["geometry"]["coordinates"] for ring in polygon for point in ring for value in point]
    assert max(decimals(value) for value in values) <= precision


def test_items_precision_invalid(client):
    response = client.get("/collections/bureaux/items", params={"precision": 12})
    assert response.status_code == 400


def test_items_feature_properties(client):
    document = client.get("/collections/bureaux/items", params={"commune": "97411"}).json()
    properties = document["features"][0]["properties"]
    assert properties["commune"] == "97411"
    assert properties["departement"] == "974"
    assert properties["voters"] is None
    assert properties["secret"] is True
    for name in ("addresses", "voie", "numero", "lon", "lat"):
        assert name not in properties


def test_item_by_id(client):
    response = client.get("/collections/bureaux/items/94028_0003")
    assert response.status_code == 200
    assert response.headers["content-type"] == GEOJSON
    feature = response.json()
    assert feature["id"] == "94028_0003"
    assert feature["properties"]["voters"] > 0
    assert {link["rel"] for link in feature["links"]} >= {"self", "collection"}


def test_item_unknown(client):
    response = client.get("/collections/bureaux/items/94028_9999")
    assert response.status_code == 404
    assert response.json()["type"] == "/problems/not-found"
    assert "/collections/bureaux/items" in response.json()["detail"]


def test_bureau_voters_main_list(client):
    # The synthetic bureaux have voters on the complementary lists too: the collection counts the main list only.
    stats = client.get("/stats", params={"commune": "94028", "group_by": "bureau", "electorat": "presidentielle"}).json()
    main_list = {cell["bureau"]: cell["voters"] for cell in stats["cells"]}
    feature = client.get("/collections/bureaux/items/94028_0003").json()
    assert feature["properties"]["voters"] == main_list["94028_0003"]


def test_commune_voters_main_list(client):
    stats = client.get("/stats", params={"commune": "94028", "electorat": "presidentielle"}).json()
    feature = client.get("/collections/communes/items/94028").json()
    assert feature["properties"]["voters"] == stats["cells"][0]["voters"]
    assert feature["properties"]["secret"] is False


def test_bureau_voters_follow_new_extract(tmp_path, monkeypatch):
    from datetime import datetime, timezone

    from fastapi.testclient import TestClient
    from sqlalchemy import insert, update

    from service.api import service as service_module
    from service.api.app import create_app
    from service.store.database import open_database
    from service.store.models import CommuneRecord, ExtractRecord, VoterCountRecord
    from tests.service.conftest import make_synthetic_database

    monkeypatch.setattr(service_module, "VERSION_TTL_SECONDS", 0.0)
    database = make_synthetic_database(tmp_path / "bureaux.db")
    with TestClient(create_app(str(database))) as test_client:
        before = test_client.get("/collections/bureaux/items/94028_0003").json()["properties"]["voters"]

        # A new extract of the commune, with 100 more main-list voters in the bureau and no new build.
        engine = open_database(str(database))
        with engine.begin() as connection:
            extract_id = connection.execute(
                insert(ExtractRecord).values(
                    sha256="1" * 64, file_name="newer.csv", layout="reu", imported_at=datetime.now(timezone.utc),
                    lines_read=0, accepted=0, rejected=0, voters=0, report="{}",
                )
            ).inserted_primary_key[0]
            connection.execute(update(CommuneRecord).where(CommuneRecord.code == "94028").values(extract_id=extract_id))
            connection.execute(
                update(VoterCountRecord)
                .where(VoterCountRecord.bureau == "94028_0003", VoterCountRecord.type_liste == "LP")
                .where(VoterCountRecord.sexe == "F", VoterCountRecord.tranche_age == "18-24")
                .values(voters=VoterCountRecord.voters + 100)
            )
        engine.dispose()

        after = test_client.get("/collections/bureaux/items/94028_0003").json()["properties"]["voters"]
    assert after == before + 100


def test_commune_label_from_boundary(client):
    commune = client.get("/collections/communes/items/2A004").json()
    assert commune["properties"]["label"] == "Ajaccio"
    bureau = client.get("/collections/bureaux/items/2A004_0001").json()
    assert bureau["properties"]["commune_label"] == "Ajaccio"


def test_communes_items(client):
    document = client.get("/collections/communes/items").json()
    assert [feature["id"] for feature in document["features"]] == ["2A004", "94028", "97411"]
    for feature in document["features"]:
        assert feature["geometry"]["type"] == "MultiPolygon"
    corsica = client.get("/collections/communes/items/2A004").json()
    assert corsica["properties"]["label"] == "Ajaccio"
    assert corsica["properties"]["bureaux"] == 2


def test_communes_bbox(client):
    document = client.get("/collections/communes/items", params={"bbox": "55,-21,56,-20"}).json()
    assert [feature["id"] for feature in document["features"]] == ["97411"]


# Parameters, negotiation, problems


def test_unknown_parameter(client):
    response = client.get("/collections/bureaux/items", params={"sortby": "bureau"})
    assert response.status_code == 400
    problem = response.json()
    assert problem["type"] == "/problems/unknown-parameter"
    assert "sortby" in problem["detail"]


def test_repeated_parameter(client):
    response = client.get("/collections/bureaux/items?limit=1&limit=2")
    assert response.status_code == 400
    assert "limit" in response.json()["detail"]


@pytest.mark.parametrize("path", ["/", "/conformance", "/collections", "/collections/bureaux", "/stats", "/carte"])
def test_unknown_parameter_every_route(client, path):
    response = client.get(path, params={"verbose": "1"})
    assert response.status_code == 400
    assert response.headers["content-type"] == PROBLEM


def test_format_html(client):
    response = client.get("/collections/bureaux/items", params={"f": "html", "commune": "97411"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "97411_0001" in response.text
    assert "secret" in response.text


def test_format_invalid(client):
    response = client.get("/collections/bureaux/items", params={"f": "xml"})
    assert response.status_code == 400
    detail = response.json()["detail"]
    assert "json, html" in detail
    assert " or " not in detail
    assert "'" not in detail


@pytest.mark.parametrize(("lang", "label"), [("fr", "extension du fichier"), ("en", "file extension")])
def test_download_extension_invalid(client, lang, label):
    response = client.get("/downloads/communes/94028.shp", headers={"Accept-Language": lang})
    assert response.status_code == 400
    detail = response.json()["detail"]
    assert label in detail.lower()
    assert "shp" in detail
    assert "geojson, gpkg, fgb, parquet" in detail
    assert "ext" not in detail.replace("extension", "")


def test_accept_not_available(client):
    response = client.get("/collections/bureaux/items", headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert response.headers["content-type"] == PROBLEM


def test_accept_geojson(client):
    response = client.get("/collections/bureaux/items", headers={"Accept": "application/geo+json"})
    assert response.headers["content-type"] == GEOJSON


def test_problem_in_english(client):
    response = client.get("/collections/bureaux/items", params={"limit": "0"}, headers={"Accept-Language": "en-GB,en;q=0.8"})
    problem = response.json()
    assert problem["title"] == "Invalid parameter"
    assert problem["detail"].startswith("Invalid value for 'limit'")
    assert response.headers["content-language"] == "en"


@pytest.mark.parametrize("header", ["de-DE", "??;;q=x", "en;q=abc", "*", ""])
def test_problem_language_fallback(client, header):
    response = client.get("/collections/bureaux/items", params={"limit": "0"}, headers={"Accept-Language": header})
    assert response.status_code == 400
    assert response.headers["content-language"] == "fr"
    assert response.json()["title"] == "Paramètre invalide"


def test_problem_prefers_quality(client):
    response = client.get("/nowhere", headers={"Accept-Language": "fr;q=0.3, en;q=0.9"})
    assert response.headers["content-language"] == "en"


def test_problem_hides_internal_error(client, monkeypatch):
    from fastapi.testclient import TestClient

    from service.store import queries

    def broken(*args, **kwargs):
        raise RuntimeError("secret internal path /var/lib/bureaux.db")

    monkeypatch.setattr(queries, "count_outlines", broken)
    quiet_client = TestClient(client.app, raise_server_exceptions=False)
    response = quiet_client.get("/collections/bureaux/items", params={"commune": "94028"})
    assert response.status_code == 500
    assert response.headers["content-type"] == PROBLEM
    assert "/var/lib" not in response.text
    assert "Traceback" not in response.text
    assert "RuntimeError" not in response.text
    assert response.json()["type"] == "/problems/internal-error"


def test_problem_type_documented(client):
    response = client.get("/problems/inference-refused")
    assert response.status_code == 200
    assert "226-19" in response.text


def test_method_not_allowed(client):
    response = client.post("/collections")
    assert response.status_code == 405
    assert response.headers["content-type"] == PROBLEM
    assert "HEAD" in response.headers["allow"]


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/conformance",
        "/collections",
        "/collections/bureaux",
        "/collections/bureaux/items?limit=2",
        "/collections/bureaux/items/94028_0003",
        "/stats?commune=94028",
        "/carte",
        "/openapi.json",
        "/problems/not-found",
        "/downloads/communes/94028.geojson",
    ],
)
def test_head_like_get(client, path):
    get = client.get(path)
    head = client.head(path)
    assert head.status_code == get.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]
    assert head.headers["content-length"] == get.headers["content-length"]


def test_head_unknown_path(client):
    response = client.head("/nowhere")
    assert response.status_code == 404
    assert response.content == b""


@pytest.mark.parametrize("path", ["/collections", "/collections/bureaux/items", "/collections/bureaux/items/94028_0003"])
def test_vary_names_once(client, path):
    response = client.get(path, headers={"Accept-Encoding": "gzip"})
    names = [name.strip().lower() for name in response.headers["vary"].split(",")]
    assert len(names) == len(set(names)), names
    assert "accept-encoding" in names


# Caching, compression, CORS


def test_etag_not_modified(client):
    first = client.get("/collections/bureaux/items", params={"limit": 2})
    etag = first.headers["etag"]
    assert first.headers["cache-control"].startswith("public")
    second = client.get("/collections/bureaux/items", params={"limit": 2}, headers={"If-None-Match": etag})
    assert second.status_code == 304
    other = client.get("/collections/bureaux/items", params={"limit": 3}, headers={"If-None-Match": etag})
    assert other.status_code == 200


def test_cors_on_get(client):
    response = client.get("/collections", headers={"Origin": "https://example.org"})
    assert response.headers["access-control-allow-origin"] == "*"


# Over a real uvicorn server


def test_live_items_gzip(live_server):
    response = httpx.get(live_server + "/collections/bureaux/items", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["content-encoding"] == "gzip"
    assert response.headers["content-type"] == GEOJSON
    assert response.json()["numberReturned"] == SERVED_BUREAUX


def test_live_raw_gzip_body(live_server):
    with httpx.Client() as http:
        request = http.build_request("GET", live_server + "/collections/bureaux/items", headers={"Accept-Encoding": "gzip"})
        response = http.send(request, stream=True)
        raw = b"".join(response.iter_raw())
    assert json.loads(gzip.decompress(raw))["type"] == "FeatureCollection"


def test_live_next_links(live_server):
    url = live_server + "/collections/bureaux/items?limit=4"
    seen = []
    while url:
        document = httpx.get(url).json()
        seen.extend(feature["id"] for feature in document["features"])
        url = next((link["href"] for link in document["links"] if link["rel"] == "next"), None)
        if url:
            assert url.startswith(live_server)
    assert sorted(seen) == sorted(set(seen))
    assert len(seen) == SERVED_BUREAUX


def test_live_head(live_server):
    get = httpx.get(live_server + "/collections/bureaux/items", headers={"Accept-Encoding": "gzip"})
    head = httpx.head(live_server + "/collections/bureaux/items", headers={"Accept-Encoding": "gzip"})
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-encoding"] == "gzip"
    assert head.headers["content-length"] == get.headers["content-length"]
    assert head.headers["etag"] == get.headers["etag"]


def test_live_problem(live_server):
    response = httpx.get(live_server + "/collections/bureaux/items", params={"bbox": "1,2"})
    assert response.status_code == 400
    assert response.headers["content-type"] == PROBLEM
    assert set(response.json()) == {"type", "title", "status", "detail", "instance"}
