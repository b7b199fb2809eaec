"""Reference loading, geocoding and building through the service, on the generated demo commune."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import shapely
from sqlalchemy import select

from geometry.errors import GeometryError
from geometry.params import BuildParams
from ingest.extract import read_extract
from service import building
from service.demo import COMMUNE, generate_commune
from service.errors import BoundaryFileError, NothingToBuildError, ReferenceMissingError
from service.geocoding import geocode_stored, load_reference, reference_directory, results_by_line
from service.store.boundaries import read_boundaries, save_boundaries
from service.store.database import open_database
from service.store.extracts import save_extract
from service.store.models import ActiveBuildRecord, BuildRecord, CommuneBuildRecord
from service.store.outlines import active_outlines
from tests.service.test_cli import run


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pipeline")
    files = generate_commune(folder, voters=1200, seed=5)
    return {key: Path(value) if key in ("ban", "boundary", "extract", "official") else value for key, value in files.items()}


@pytest.fixture
def geocoded(tmp_path, demo):
    engine = open_database(str(tmp_path / "p.db"))
    save_extract(engine, read_extract(demo["extract"]))
    directory = reference_directory(str(tmp_path / "p.db"))
    load_reference(directory, [demo["ban"]])
    save_boundaries(engine, read_boundaries(demo["boundary"]), "demo")
    geocode_stored(engine, directory)
    return engine


def test_reference_directory_beside_sqlite(tmp_path):
    assert reference_directory(str(tmp_path / "x.db")) == tmp_path / "x.reference"
    assert reference_directory("postgresql://h/db") == Path("bureaux-reference")
    assert reference_directory(None, "/tmp/ban") == Path("/tmp/ban")


def test_reference_load_twice_noop(tmp_path, demo):
    first, _ = load_reference(tmp_path / "ban", [demo["ban"]])
    second, index = load_reference(tmp_path / "ban", [demo["ban"]])
    assert [path.name for path in first] == [demo["ban"].name]
    assert second == []
    assert len(index.rows) == demo["ban_addresses"]


def test_geocode_without_reference(tmp_path, demo):
    engine = open_database(str(tmp_path / "p.db"))
    save_extract(engine, read_extract(demo["extract"]))
    with pytest.raises(ReferenceMissingError) as error:
        geocode_stored(engine, tmp_path / "missing")
    assert "bureaux reference load" in error.value.message("fr")


def test_geocode_fills_positions(geocoded):
    lines = results_by_line(geocoded)
    assert len(lines) == 1200
    assert lines["lon"].notna().all()
    assert set(lines["result_type"]) == {"housenumber"}


def test_geocode_second_run_skips_done(geocoded, tmp_path):
    summary = geocode_stored(geocoded, reference_directory(str(tmp_path / "p.db")))
    assert summary["addresses"] == 0


def test_build_partitions_commune(geocoded, demo):
    build_id, results = building.run_build(geocoded, [COMMUNE], BuildParams(), workers=1)
    outlines = active_outlines(geocoded)
    assert results[0].ok
    assert len(outlines) == demo["bureaux"]
    assert set(outlines["build_id"]) == {build_id}
    geometries = shapely.from_wkb(outlines["geometry"])
    assert all(shapely.is_valid(geometries))
    # The partition is exact in the working CRS (Lambert-93 here), where areas are in m².
    assert set(outlines["crs"]) == {2154}
    boundary = read_boundaries(demo["boundary"]).to_crs(2154).geometry.iloc[0]
    local = shapely.from_wkb(outlines["geometry_local"])
    assert shapely.symmetric_difference(shapely.union_all(local), boundary).area < 0.1
    overlaps = sum(shapely.area(local)) - shapely.union_all(local).area
    assert overlaps < 0.1


def test_new_build_switches_and_cleans(geocoded):
    first, _ = building.run_build(geocoded, [COMMUNE], BuildParams(), workers=1)
    second, _ = building.run_build(geocoded, [COMMUNE], BuildParams(method="concave"), workers=1)
    outlines = active_outlines(geocoded)
    assert set(outlines["build_id"]) == {second}
    with geocoded.connect() as connection:
        statuses = dict(connection.execute(select(BuildRecord.id, BuildRecord.status)).all())
    assert statuses == {first: "complete", second: "complete"}


def test_readers_keep_previous_build(geocoded):
    first, _ = building.run_build(geocoded, [COMMUNE], BuildParams(), workers=1)
    seen = []

    def during(done, total):
        seen.append(set(active_outlines(geocoded)["build_id"]))

    building.run_build(geocoded, [COMMUNE], BuildParams(), workers=1, progress=during)
    assert seen == [{first}]


def test_failed_commune_keeps_outlines(geocoded, monkeypatch):
    first, _ = building.run_build(geocoded, [COMMUNE], BuildParams(), workers=1)

    def broken(*args, **kwargs):
        raise GeometryError("partition check failed", "le contrôle de partition a échoué", COMMUNE)

    monkeypatch.setattr(building, "build_commune", broken)
    second, results = building.run_build(geocoded, [COMMUNE], BuildParams(), workers=1)
    assert not results[0].ok
    assert results[0].error["fr"] == "le contrôle de partition a échoué"
    assert set(active_outlines(geocoded)["build_id"]) == {first}
    with geocoded.connect() as connection:
        assert connection.execute(select(BuildRecord.status).where(BuildRecord.id == second)).scalar_one() == "failed"
        report = connection.execute(select(CommuneBuildRecord.report).where(CommuneBuildRecord.build_id == second)).scalar_one()
    assert "partition" in json.loads(report)["error"]["en"]


def test_build_in_process_pool(geocoded):
    build_id, results = building.run_build(geocoded, [COMMUNE], BuildParams(), workers=2)
    assert results[0].ok
    with geocoded.connect() as connection:
        assert connection.execute(select(ActiveBuildRecord.build_id)).scalar_one() == build_id


def test_nothing_to_build(tmp_path):
    engine = open_database(str(tmp_path / "empty.db"))
    with pytest.raises(NothingToBuildError):
        building.list_communes(engine)


def test_boundary_file_without_code(tmp_path):
    path = tmp_path / "b.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"x": 1}, "geometry": {"type": "Point", "coordinates": [2, 48]}}]}))
    with pytest.raises(BoundaryFileError) as error:
        read_boundaries(path)
    assert "INSEE_COM" in error.value.message("en")


def test_boundary_code_fields(tmp_path):
    polygon = {"type": "Polygon", "coordinates": [[[2, 48], [2.1, 48], [2.1, 48.1], [2, 48]]]}
    path = tmp_path / "b.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"INSEE_COM": "2A004", "NOM": "Ajaccio"}, "geometry": polygon}]}))
    frame = read_boundaries(path)
    assert frame["code"].tolist() == ["2A004"]
    assert frame["name"].tolist() == ["Ajaccio"]


def test_cli_whole_pipeline(tmp_path, demo):
    db = str(tmp_path / "cli.db")
    steps = [
        ("ingest", str(demo["extract"])),
        ("reference", "load", str(demo["ban"])),
        ("reference", "communes", str(demo["boundary"])),
        ("geocode",),
        ("build",),
    ]
    for step in steps:
        result = run("--db", db, *step, "--json")
        assert result.returncode == 0, (step, result.stderr)
    summary = json.loads(result.stdout)
    assert summary["communes_built"] == 1
    assert summary["outlines"] == demo["bureaux"]
    assert summary["bureaux_without_outline"] == {}


def test_cli_geocode_missing_reference(tmp_path, demo):
    db = str(tmp_path / "cli.db")
    run("--db", db, "ingest", str(demo["extract"]))
    result = run("--db", db, "--lang", "en", "geocode")
    assert result.returncode == 1
    assert "bureaux reference load" in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_build_empty_database(tmp_path):
    result = run("--db", str(tmp_path / "e.db"), "build")
    assert result.returncode == 1
    assert "bureaux ingest" in result.stderr


def test_build_on_dask_executor(geocoded):
    distributed = pytest.importorskip("distributed", reason="Dask is optional: pip install '.[dask]'")
    with distributed.Client(processes=False, n_workers=1, threads_per_worker=1, dashboard_address=None) as client:
        build_id, results = building.run_build(geocoded, [COMMUNE], BuildParams(), executor=client.get_executor())
    assert results[0].ok
    assert set(active_outlines(geocoded)["build_id"]) == {build_id}


def test_cli_compare_with_official(tmp_path, demo):
    db = str(tmp_path / "cli.db")
    for step in [("ingest", str(demo["extract"])), ("reference", "load", str(demo["ban"])),
                 ("reference", "communes", str(demo["boundary"])), ("geocode",), ("build",)]:
        assert run("--db", db, *step).returncode == 0
    result = run("--db", db, "evaluate", "outlines", "--reference", str(demo["official"]), "--bureau-field", "bureau", "--json")
    assert result.returncode == 0, result.stderr
    comparison = json.loads(result.stdout)
    assert comparison["commune"] == COMMUNE
    assert len(comparison["per_bureau"]) == demo["bureaux"]
    # Bureaux follow streets 9 m from the houses: the rebuilt areas match the true ones closely.
    assert comparison["mean_iou"] > 0.9
    assert comparison["wrong_area_share"] < 0.05


def test_cli_reference_unknown_field(tmp_path, demo):
    db = str(tmp_path / "cli.db")
    run("--db", db, "ingest", str(demo["extract"]))
    result = run("--db", db, "evaluate", "outlines", "--reference", str(demo["official"]), "--bureau-field", "nope")
    assert result.returncode == 1
    assert "bureau" in result.stderr


def test_cli_export_formats_and_errors(tmp_path, demo):
    db = str(tmp_path / "cli.db")
    for step in [("ingest", str(demo["extract"])), ("reference", "load", str(demo["ban"])),
                 ("reference", "communes", str(demo["boundary"])), ("geocode",), ("build",)]:
        assert run("--db", db, *step).returncode == 0
    written = run("--db", db, "--lang", "en", "export", "--commune", COMMUNE, "--format", "gpkg", "-o", str(tmp_path / "x.gpkg"))
    assert written.returncode == 0, written.stderr
    assert f"{demo['bureaux']} outlines written" in written.stderr
    unknown = run("--db", db, "export", "--commune", COMMUNE, "--format", "kml", "-o", str(tmp_path / "x.kml"))
    assert unknown.returncode == 1
    assert "kml" in unknown.stderr
    nothing = run("--db", db, "export", "--commune", "94028", "-o", str(tmp_path / "y.geojson"))
    assert nothing.returncode == 1
    assert "bureaux build" in nothing.stderr
    assert "Traceback" not in nothing.stderr
    both = run("--db", db, "export", "--commune", COMMUNE, "--departement", "45", "-o", str(tmp_path / "z.geojson"))
    assert both.returncode == 1


def test_newer_extract_keeps_geocodes(tmp_path, demo):
    from datetime import date

    from service.store.models import AddressRecord

    db = str(tmp_path / "k.db")
    engine = open_database(db)
    directory = reference_directory(db)
    load_reference(directory, [demo["ban"]])
    save_extract(engine, read_extract(demo["extract"], extract_date=date(2026, 1, 1)))
    first = geocode_stored(engine, directory)

    # The newer extract: the same voters plus one at a new address.
    lines = demo["extract"].read_text(encoding="utf-8").splitlines()
    extra = lines[1].split(";")
    extra[13], extra[14] = '"999"', '"RUE NOUVELLE"'
    newer = tmp_path / "newer.csv"
    newer.write_text("\n".join([*lines, ";".join(extra)]) + "\n", encoding="utf-8")
    saved = save_extract(engine, read_extract(newer, extract_date=date(2026, 2, 1)))

    assert saved.geocodes_kept == first["addresses"]
    with engine.connect() as connection:
        missing = connection.execute(select(AddressRecord.key).where(AddressRecord.geocoder.is_(None))).scalars().all()
    assert missing == ["999||RUE NOUVELLE|"]
    second = geocode_stored(engine, directory)
    assert second["addresses"] == 1
