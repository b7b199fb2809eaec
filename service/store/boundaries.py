"""Load commune boundaries (GeoJSON, GeoPackage, shapefile) and read them back."""

from __future__ import annotations

import logging
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Engine, delete, insert, select

from service.errors import BoundaryFileError
from service.store.models import BoundaryRecord

logger = logging.getLogger(__name__)

# Properties that carry the INSEE code and the name, by publisher: IGN ADMIN
# EXPRESS (INSEE_COM, NOM), Etalab's découpage administratif (code, nom), and others.
CODE_FIELDS = ("INSEE_COM", "insee_com", "code_insee", "code", "insee", "codgeo", "CODGEO", "com", "depcom")
NAME_FIELDS = ("NOM", "nom", "NOM_COM", "nom_com", "name", "libelle", "LIBGEO", "libgeo")


def _field(frame: gpd.GeoDataFrame, candidates: tuple[str, ...]) -> str | None:
    return next((name for name in candidates if name in frame.columns), None)


def read_boundaries(path: Path, code_field: str | None = None) -> gpd.GeoDataFrame:
    """Read commune boundaries with their INSEE code, in EPSG:4326, one row per code.

    Raises
    ------
    BoundaryFileError
        When the file cannot be read or has no commune-code property.
    """
    if not path.exists():
        raise BoundaryFileError(path=str(path), reason_fr="fichier introuvable", reason_en="file not found")
    try:
        frame = gpd.read_file(path)
    except Exception as error:  # pyogrio raises several unrelated types
        logger.info("reading boundaries %s failed: %s", path, error)
        raise BoundaryFileError(path=str(path), reason_fr="format illisible", reason_en="unreadable format") from error

    if code_field is not None and code_field not in frame.columns:
        present = ", ".join(str(name) for name in frame.columns if name != "geometry")
        raise BoundaryFileError(
            path=str(path),
            reason_fr=f"pas de propriété « {code_field} » (propriétés présentes : {present})",
            reason_en=f"no property '{code_field}' (properties present: {present})",
        )
    code_field = code_field or _field(frame, CODE_FIELDS)
    if code_field is None:
        fields = ", ".join(CODE_FIELDS)
        raise BoundaryFileError(
            path=str(path),
            reason_fr=f"aucune propriété de code commune ({fields})",
            reason_en=f"no commune-code property ({fields})",
        )
    if frame.crs is None:
        frame = frame.set_crs(4326)
    frame = frame.to_crs(4326)

    name_field = _field(frame, NAME_FIELDS)
    codes = frame[code_field].astype(str).str.strip().str.upper().str.zfill(5)
    result = gpd.GeoDataFrame(
        {"code": codes, "name": frame[name_field].astype(str) if name_field else ""},
        geometry=shapely.make_valid(frame.geometry.to_numpy()),
        crs=4326,
    )
    result = result[~result.geometry.is_empty & result.geometry.notna()]
    return result.dissolve("code", aggfunc="first").reset_index()


def save_boundaries(engine: Engine, frame: gpd.GeoDataFrame, source: str) -> int:
    """Insert or replace the boundaries of ``frame``; return how many were stored."""
    rows = [
        {"code": row.code, "name": row.name, "source": source, "geometry": shapely.to_wkb(row.geometry)}
        for row in frame.itertuples(index=False)
    ]
    with engine.begin() as connection:
        connection.execute(delete(BoundaryRecord).where(BoundaryRecord.code.in_(frame["code"].tolist())))
        if rows:
            connection.execute(insert(BoundaryRecord), rows)
    logger.info("stored %d commune boundaries from %s", len(rows), source)
    return len(rows)


def load_boundaries(engine: Engine, communes: list[str]) -> dict[str, BaseGeometry]:
    """Return the stored boundary of each commune that has one."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(BoundaryRecord.code, BoundaryRecord.geometry).where(BoundaryRecord.code.in_(communes))
        ).all()
    return {code: shapely.from_wkb(geometry) for code, geometry in rows}


def boundaries_frame(engine: Engine) -> pd.DataFrame:
    with engine.connect() as connection:
        return pd.read_sql(select(BoundaryRecord.code, BoundaryRecord.name, BoundaryRecord.source), connection)
