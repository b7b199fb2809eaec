"""Downloads per commune and département in four formats, and the export writer behind them."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from service.api.downloads import NothingToExportError, write_export
from service.store.database import open_database

FORMATS = ("geojson", "gpkg", "fgb", "parquet")


def read(path) -> gpd.GeoDataFrame:
    if str(path).endswith(".parquet"):
        return gpd.read_parquet(path)
    return gpd.read_file(path)


@pytest.mark.parametrize("fmt", FORMATS)
def test_download_commune(client, tmp_path, fmt):
    response = client.get(f"/downloads/communes/94028.{fmt}")
    assert response.status_code == 200
    assert f"bureaux-94028.{fmt}" in response.headers["content-disposition"]
    path = tmp_path / f"download.{fmt}"
    path.write_bytes(response.content)
    frame = read(path)
    assert sorted(frame["bureau"]) == [f"94028_000{index}" for index in range(1, 8)]
    assert frame.crs.to_epsg() == 4326
    assert frame.geometry.is_valid.all()


def test_download_formats_agree(client, tmp_path):
    frames = {}
    for fmt in FORMATS:
        path = tmp_path / f"agree.{fmt}"
        path.write_bytes(client.get(f"/downloads/communes/94028.{fmt}").content)
        frames[fmt] = read(path).sort_values("bureau").reset_index(drop=True)
    reference = frames["geojson"]
    for fmt, frame in frames.items():
        assert list(frame["bureau"]) == list(reference["bureau"]), fmt
        assert list(frame["voters"]) == list(reference["voters"]), fmt
        for left, right in zip(frame.geometry, reference.geometry):
            assert shapely.equals_exact(shapely.normalize(left), shapely.normalize(right), tolerance=1e-9), fmt


def test_download_same_as_export(client, api_database, tmp_path):
    engine = open_database(str(api_database))
    path = tmp_path / "export.geojson"
    count = write_export(engine, commune="94028", fmt="geojson", path=path)
    assert count == 7
    assert client.get("/downloads/communes/94028.geojson").content == path.read_bytes()


def test_download_departement(client, tmp_path):
    response = client.get("/downloads/departements/2A.gpkg")
    assert response.status_code == 200
    path = tmp_path / "2A.gpkg"
    path.write_bytes(response.content)
    assert sorted(read(path)["bureau"]) == ["2A004_0001", "2A004_0002"]


def test_download_secret_voters_null(client, tmp_path):
    path = tmp_path / "974.parquet"
    path.write_bytes(client.get("/downloads/departements/974.parquet").content)
    frame = read(path)
    assert frame["voters"].isna().all()
    assert frame["secret"].all()


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/downloads/communes/29039.gpkg", 404),
        ("/downloads/communes/94028.shp", 400),
        ("/downloads/communes/9402.gpkg", 400),
        ("/downloads/departements/20.fgb", 400),
        ("/downloads/departements/29.fgb", 404),
    ],
)
def test_download_errors(client, url, status):
    response = client.get(url)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"


def test_export_nothing(api_database, tmp_path):
    engine = open_database(str(api_database))
    with pytest.raises(NothingToExportError):
        write_export(engine, commune="29039", fmt="gpkg", path=tmp_path / "none.gpkg")


def test_export_unknown_format(api_database, tmp_path):
    engine = open_database(str(api_database))
    with pytest.raises(ValueError, match="shp"):
        write_export(engine, commune="94028", fmt="shp", path=tmp_path / "x.shp")
