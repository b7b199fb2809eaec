"""End to end on real data: the Val-de-Marne and Finistère sets go through the command line and are served over HTTP."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys

import geopandas as gpd
import httpx
import numpy as np
import pytest
import shapely

from tests.service.conftest import running_server

pytestmark = [pytest.mark.realdata, pytest.mark.slow]


def bureaux(database, *arguments: str) -> None:
    command = [sys.executable, "-m", "service", "--db", str(database), *arguments]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode == 0, f"{' '.join(arguments)}: {result.stderr[-3000:]}"


@pytest.fixture(scope="module")
def real_database(shared_data, tmp_path_factory):
    """A fresh SQLite database built from the shared sets by the command line."""
    folder = tmp_path_factory.mktemp("realdata")
    database = folder / "bureaux.db"
    valdemarne = shared_data / "val-de-marne"
    finistere = shared_data / "finistere-reu"
    bureaux(database, "ingest", str(valdemarne / "adresses-electeurs.csv"))
    bureaux(database, "ingest", str(finistere / "adresses-reu.csv"))
    bureaux(database, "reference", "load", str(valdemarne / "reference-ban.csv"))
    bureaux(database, "geocode")
    bureaux(database, "reference", "communes", str(valdemarne / "communes.geojson"))
    bureaux(database, "reference", "communes", str(finistere / "communes.geojson"))
    bureaux(database, "build")
    return database


@pytest.fixture(scope="module")
def real_server(real_database):
    with running_server(real_database) as base_url:
        yield base_url


@pytest.fixture(scope="module")
def bureau_ids(real_database) -> set[str]:
    with sqlite3.connect(real_database) as connection:
        return {row[0] for row in connection.execute("SELECT id FROM bureau")}


def follow(url: str, params: dict | None = None) -> tuple[list[dict], list[int]]:
    """Fetch a page and follow its ``next`` links; return every feature and each page's numberMatched."""
    features, matched = [], []
    response = httpx.get(url, params=params, timeout=60)
    while True:
        assert response.status_code == 200, response.text[:500]
        assert response.headers["content-type"] == "application/geo+json"
        document = response.json()
        assert document["numberReturned"] == len(document["features"])
        features.extend(document["features"])
        matched.append(document["numberMatched"])
        next_links = [link for link in document["links"] if link["rel"] == "next"]
        if not next_links:
            return features, matched
        assert next_links[0]["type"] == "application/geo+json"
        response = httpx.get(next_links[0]["href"], timeout=60)


def test_every_bureau_once(real_server, bureau_ids):
    features, matched = follow(real_server + "/collections/bureaux/items", {"limit": 97})
    ids = [feature["id"] for feature in features]
    assert len(bureau_ids) == 519 + 31
    assert len(ids) == len(set(ids))
    assert set(ids) == bureau_ids
    assert set(matched) == {len(bureau_ids)}


def test_bbox_pages(real_server):
    everything, _ = follow(real_server + "/collections/bureaux/items", {"limit": 10_000})
    bbox = (2.40, 48.76, 2.50, 48.80)  # around Créteil and Maisons-Alfort
    area = shapely.box(*bbox)
    expected = {feature["id"] for feature in everything if shapely.geometry.shape(feature["geometry"]).intersects(area)}
    assert len(expected) > 20

    features, matched = follow(real_server + "/collections/bureaux/items", {"bbox": ",".join(map(str, bbox)), "limit": 7})
    ids = [feature["id"] for feature in features]
    assert len(ids) == len(set(ids))
    assert set(ids) == expected
    assert set(matched) == {len(expected)}


def test_rfc7946_geometry(real_server):
    features, _ = follow(real_server + "/collections/bureaux/items", {"limit": 10_000})
    for feature in features:
        for polygon in feature["geometry"]["coordinates"]:
            for index, ring in enumerate(polygon):
                points = np.asarray(ring)
                area = np.dot(points[:-1, 0], points[1:, 1]) - np.dot(points[1:, 0], points[:-1, 1])
                assert (area > 0) == (index == 0), feature["id"]
                assert points[:, 0].min() >= -180 and points[:, 0].max() <= 180
                for value in points.ravel():
                    fraction = repr(float(value)).partition(".")[2]
                    assert len(fraction) <= 6, value


@pytest.mark.parametrize("fmt", ["geojson", "gpkg", "fgb", "parquet"])
def test_download_commune(real_server, tmp_path, fmt):
    expected = httpx.get(real_server + "/collections/bureaux/items", params={"commune": "29039", "limit": 1}).json()["numberMatched"]
    response = httpx.get(f"{real_server}/downloads/communes/29039.{fmt}", timeout=120)
    assert response.status_code == 200
    path = tmp_path / f"29039.{fmt}"
    path.write_bytes(response.content)
    frame = gpd.read_parquet(path) if fmt == "parquet" else gpd.read_file(path)
    assert len(frame) == expected == 17
    assert frame.crs.to_epsg() == 4326
    assert frame["commune"].eq("29039").all()


def test_commune_names(real_server):
    communes, _ = follow(real_server + "/collections/communes/items", {"limit": 10_000})
    assert communes
    for feature in communes:
        assert feature["properties"]["label"], feature["id"]
    bureaux, _ = follow(real_server + "/collections/bureaux/items", {"limit": 10_000})
    for feature in bureaux:
        assert feature["properties"]["commune_label"], feature["id"]


def test_name_query_refused(real_server):
    response = httpx.get(real_server + "/stats", params={"commune": "94028", "group_by": "bureau,prenom"})
    assert response.status_code == 403
    assert response.json()["type"] == "/problems/inference-refused"


def test_gdal_reads_real_outlines(real_server):
    ogrinfo = shutil.which("ogrinfo")
    if ogrinfo is None:
        pytest.skip("ogrinfo is missing: install the Debian package gdal-bin")
    result = subprocess.run(
        [ogrinfo, "-ro", "-al", "-q", f"OAPIF:{real_server}/", "bureaux"], capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("OGRFeature(bureaux)") == 550
