"""Downloads of the served outlines per commune or département, and the writer behind ``bureaux export``."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import threading
from pathlib import Path as FilePath
from typing import Annotated, Literal

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely
from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import FileResponse
from sqlalchemy import Engine

from service.api.errors import InvalidParameterError, NotFoundError, problem_doc
from service.api.geojson import bureau_properties, feature_bytes, geometry_object
from service.api.main_list import publish_main_list
from service.api.params import COMMUNE_REGEX, DEPARTEMENT_REGEX, check_query, parse_commune, parse_departement
from service.api.service import Service, get_service
from service.store import queries

logger = logging.getLogger(__name__)

FORMATS = {
    "geojson": "application/geo+json",
    "gpkg": "application/geopackage+sqlite3",
    "fgb": "application/vnd.flatgeobuf",
    "parquet": "application/vnd.apache.parquet",
}
LAYER = "bureaux"
PRECISION = 6

router = APIRouter()


class NothingToExportError(Exception):
    """No outline is served for the requested commune or département."""


def _frame(engine: Engine, area: queries.AreaFilter) -> tuple[gpd.GeoDataFrame, list[bytes]]:
    """Return the served outlines of ``area`` as a GeoDataFrame and as GeoJSON features, identical in content."""
    ids = queries.served_outline_ids(engine, area)
    rows = {row["id"]: row for row in queries.load_outlines(engine, ids)}
    main_list = publish_main_list(queries.main_list_voters(engine, {row["commune"] for row in rows.values()}))
    records, geometries, features = [], [], []
    for outline_id in ids:
        row = rows[outline_id]
        properties = bureau_properties(row, main_list)
        geometry = geometry_object(shapely.from_wkb(row["geometry"]), PRECISION)
        records.append(properties)
        geometries.append(shapely.geometry.shape(geometry) if geometry else None)
        features.append(feature_bytes(row["bureau"], geometry, properties))
    frame = pd.DataFrame.from_records(records)
    if records:
        frame["voters"] = frame["voters"].astype("Int64")
    return gpd.GeoDataFrame(frame, geometry=geometries, crs="EPSG:4326"), features


def write_export(engine: Engine, *, commune: str | None = None, departement: str | None = None, fmt: str, path: str | os.PathLike) -> int:
    """Write the served outlines of one commune or département to ``path`` and return the number written.

    ``fmt`` is ``geojson`` (RFC 7946), ``gpkg``, ``fgb`` (FlatGeobuf) or
    ``parquet`` (GeoParquet). Coordinates are EPSG:4326 rounded to 6 decimals
    in every format, so that all four hold the same geometries. Raises
    ``ValueError`` for an unknown format and ``NothingToExportError`` when
    nothing is served for the area.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}: expected one of {', '.join(FORMATS)}")
    area = queries.AreaFilter(commune, departement)
    frame, features = _frame(engine, area)
    if frame.empty:
        raise NothingToExportError(f"no outline is served for commune={commune} departement={departement}")

    path = FilePath(path)
    if path.exists():
        path.unlink()
    if fmt == "geojson":
        with path.open("wb") as output:
            output.write(b'{"type":"FeatureCollection","features":[\n')
            output.write(b",\n".join(features))
            output.write(b"\n]}\n")
    elif fmt == "parquet":
        frame.to_parquet(path, index=False)
    else:
        driver = "GPKG" if fmt == "gpkg" else "FlatGeobuf"
        pyogrio.write_dataframe(frame, path, driver=driver, layer=LAYER, promote_to_multi=True)
    logger.info("exported %d outlines (%s) to %s", len(frame), fmt, path)
    return len(frame)


class DownloadCache:
    """Exported files on disk, keyed by area, format, served outline ids and served version.

    A rebuild or a new extract (whose counts the files carry) therefore makes new files.
    """

    def __init__(self) -> None:
        self.folder = FilePath(tempfile.mkdtemp(prefix="bureaux-downloads-"))
        self._lock = threading.Lock()

    def file(self, engine: Engine, area: queries.AreaFilter, fmt: str) -> FilePath | None:
        ids = queries.served_outline_ids(engine, area)
        if not ids:
            return None
        version = [str(part) for part in queries.served_version(engine)]
        digest = hashlib.sha256(json.dumps([area.commune, area.departement, fmt, ids, version]).encode()).hexdigest()[:24]
        target = self.folder / f"{digest}.{fmt}"
        with self._lock:
            if not target.exists():
                partial = self.folder / f"{digest}.partial.{fmt}"
                write_export(engine, commune=area.commune, departement=area.departement, fmt=fmt, path=partial)
                os.replace(partial, target)
        return target


def _download(request: Request, service: Service, scope: str, code: str, ext: str) -> FileResponse:
    if ext not in FORMATS:
        raise InvalidParameterError("invalid_extension", value=ext, choices=", ".join(FORMATS))
    if scope == "communes":
        area = queries.AreaFilter(commune=parse_commune(code))
    else:
        area = queries.AreaFilter(departement=parse_departement(code))
    cache: DownloadCache = request.app.state.downloads
    target = cache.file(service.engine, area, ext)
    if target is None:
        raise NotFoundError("download_not_found", translated={"scope": f"scope.{scope}"}, code=code)
    return FileResponse(
        target,
        media_type=FORMATS[ext],
        filename=f"bureaux-{code}.{ext}",
        headers={"Cache-Control": "public, max-age=60"},
    )


DOWNLOAD_RESPONSES = {
    200: {"content": {media_type: {} for media_type in FORMATS.values()}, "description": "Fichier. File."},
    400: problem_doc("Code ou format invalide. Invalid code or format."),
    404: problem_doc("Rien n'est servi pour cette zone. Nothing served for this area."),
}
ServiceDep = Annotated[Service, Depends(get_service)]
Extension = Annotated[Literal["geojson", "gpkg", "fgb", "parquet"], Path(description=f"Format : {', '.join(FORMATS)}.")]


@router.get(
    "/downloads/communes/{code}.{ext}",
    summary="Contours d'une commune en fichier. Outlines of one commune as a file.",
    dependencies=[Depends(check_query())],
    response_class=FileResponse,
    responses=DOWNLOAD_RESPONSES,
)
def download_commune(
    request: Request,
    code: Annotated[str, Path(description="Code INSEE de la commune. INSEE commune code.", pattern=COMMUNE_REGEX)],
    ext: Extension,
    service: ServiceDep,
) -> FileResponse:
    return _download(request, service, "communes", code, ext)


@router.get(
    "/downloads/departements/{code}.{ext}",
    summary="Contours d'un département en fichier. Outlines of one département as a file.",
    dependencies=[Depends(check_query())],
    response_class=FileResponse,
    responses=DOWNLOAD_RESPONSES,
)
def download_departement(
    request: Request,
    code: Annotated[str, Path(description="Code du département. Département code.", pattern=DEPARTEMENT_REGEX)],
    ext: Extension,
    service: ServiceDep,
) -> FileResponse:
    return _download(request, service, "departements", code, ext)
