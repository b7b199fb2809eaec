"""The same pipeline on PostgreSQL with PostGIS: ingest, geocode, build, spatial index."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from geometry.params import BuildParams
from ingest.extract import read_extract
from service.building import run_build
from service.demo import COMMUNE, generate_commune
from service.geocoding import geocode_stored, load_reference
from service.store.boundaries import read_boundaries, save_boundaries
from service.store.database import database_url, open_database
from service.store.extracts import save_extract
from service.store.outlines import active_outlines
from tests.conftest import skip_or_fail_service

pytestmark = pytest.mark.postgis


@pytest.fixture(scope="module")
def postgis_url():
    base = os.environ.get("BUREAUX_TEST_POSTGRES_URL")
    if not base:
        skip_or_fail_service("BUREAUX_TEST_POSTGRES_URL is not set (a PostgreSQL server with PostGIS)")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        skip_or_fail_service("psycopg is not installed: pip install '.[postgis]'")
    admin = create_engine(database_url(base), isolation_level="AUTOCOMMIT")
    name = f"bureaux_test_{uuid.uuid4().hex[:8]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f"CREATE DATABASE {name}"))
    except Exception as error:  # noqa: BLE001  (any connection failure means no server)
        skip_or_fail_service(f"PostgreSQL at {make_url(database_url(base)).render_as_string()} is unreachable: {type(error).__name__}")
    url = make_url(database_url(base)).set(database=name).render_as_string(hide_password=False)
    yield url
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    admin.dispose()


@pytest.fixture(scope="module")
def built(postgis_url, tmp_path_factory):
    folder = tmp_path_factory.mktemp("postgis")
    files = generate_commune(folder, voters=800, seed=9)
    engine = open_database(postgis_url)
    save_extract(engine, read_extract(files["extract"]))
    load_reference(folder / "ref", [Path(files["ban"])])
    save_boundaries(engine, read_boundaries(Path(files["boundary"])), "demo")
    geocode_stored(engine, folder / "ref")
    build_id, results = run_build(engine, [COMMUNE], BuildParams(), workers=1)
    yield {"engine": engine, "files": files, "build_id": build_id, "results": results}
    engine.dispose()


def test_postgis_build_outlines(built):
    outlines = active_outlines(built["engine"])
    assert built["results"][0].ok
    assert len(outlines) == built["files"]["bureaux"]
    assert set(outlines["build_id"]) == {built["build_id"]}


def test_postgis_geometry_column_valid(built):
    with built["engine"].connect() as connection:
        rows = connection.execute(text("SELECT ST_IsValid(geom), ST_SRID(geom), GeometryType(geom) FROM outline")).all()
    assert rows
    assert all(valid for valid, _, _ in rows)
    assert {srid for _, srid, _ in rows} == {4326}
    assert {kind for _, _, kind in rows} == {"MULTIPOLYGON"}


def test_postgis_gist_index_used_for_bbox(built):
    with built["engine"].connect() as connection:
        connection.execute(text("SET enable_seqscan = off"))
        plan = "\n".join(
            row[0]
            for row in connection.execute(
                text("EXPLAIN SELECT id FROM outline WHERE geom && ST_MakeEnvelope(1.9, 47.86, 1.92, 47.87, 4326)")
            )
        )
        count = connection.execute(
            text("SELECT count(*) FROM outline WHERE geom && ST_MakeEnvelope(1.9, 47.86, 1.92, 47.87, 4326)")
        ).scalar_one()
    assert "ix_outline_geom" in plan
    assert count >= 1


def test_postgis_reimport_unchanged(built):
    result = save_extract(built["engine"], read_extract(built["files"]["extract"]))
    assert result.status == "unchanged"


def test_postgis_api_items_and_bbox(built, postgis_url):
    from fastapi.testclient import TestClient

    from service.api.app import create_app

    with TestClient(create_app(postgis_url)) as client:
        every = client.get("/collections/bureaux/items", params={"limit": 100})
        assert every.status_code == 200
        features = every.json()["features"]
        assert every.json()["numberMatched"] == built["files"]["bureaux"]
        assert len(features) == built["files"]["bureaux"]

        # A box around the first outline's first vertex meets that outline.
        lon, lat = features[0]["geometry"]["coordinates"][0][0][0]
        bbox = f"{lon - 0.0005},{lat - 0.0005},{lon + 0.0005},{lat + 0.0005}"
        inside = client.get("/collections/bureaux/items", params={"bbox": bbox})
        assert inside.status_code == 200
        assert features[0]["id"] in {feature["id"] for feature in inside.json()["features"]}
        assert 1 <= inside.json()["numberMatched"] < len(features)

        far = client.get("/collections/bureaux/items", params={"bbox": "5,43,5.1,43.1"})
        assert far.json()["numberMatched"] == 0

        stats = client.get("/stats", params={"commune": COMMUNE, "group_by": "bureau", "electorat": "presidentielle"})
        assert stats.status_code == 200
        with built["engine"].connect() as connection:
            main_list = connection.execute(text("SELECT sum(voters) FROM voter_count WHERE type_liste = 'LP'")).scalar_one()
        assert sum(cell["voters"] or 0 for cell in stats.json()["cells"]) == main_list
        assert all(not cell["secret"] for cell in stats.json()["cells"])


def test_postgis_newer_extract_keeps_geocodes(built, tmp_path):
    from datetime import date

    source = Path(built["files"]["extract"])
    newer = tmp_path / source.name.replace("02-03-2026", "02-04-2026")
    newer.write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    with newer.open("a", encoding="utf-8") as stream:
        stream.write(source.read_text(encoding="utf-8").splitlines()[1] + "\n")
    saved = save_extract(built["engine"], read_extract(newer, extract_date=date(2026, 4, 2)))
    assert saved.status == "imported"
    assert saved.geocodes_kept > 0
    with built["engine"].connect() as connection:
        missing = connection.execute(text("SELECT count(*) FROM address WHERE geocoder IS NULL")).scalar_one()
    assert missing == 0
