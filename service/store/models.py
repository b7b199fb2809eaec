"""Tables of the service. No table has a column for a name, birth date, birthplace or nationality."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, LargeBinary, Text
from sqlmodel import Field, SQLModel


class ExtractRecord(SQLModel, table=True):
    """One imported file, identified by the SHA-256 of its bytes."""

    __tablename__ = "extract"

    id: int | None = Field(default=None, primary_key=True)
    sha256: str = Field(index=True, max_length=64)
    file_name: str
    layout: str
    extract_date: date | None = None
    imported_at: datetime
    lines_read: int
    accepted: int
    rejected: int
    voters: int
    # The import report as JSON: line numbers and reason codes only.
    report: str = Field(sa_column=Column(Text, nullable=False))


class CommuneRecord(SQLModel, table=True):
    """A commune and the extract currently loaded for it."""

    __tablename__ = "commune"

    code: str = Field(primary_key=True, max_length=5)
    label: str = ""
    extract_id: int = Field(foreign_key="extract.id", index=True)
    extract_date: date | None = None
    voters: int
    geocoded: bool = False


class BureauRecord(SQLModel, table=True):
    """A bureau de vote: id ``{commune}_{code}`` with numeric codes padded to 4 characters."""

    __tablename__ = "bureau"

    id: str = Field(primary_key=True, max_length=32)
    commune: str = Field(foreign_key="commune.code", index=True, max_length=5)
    code: str
    label: str = ""
    voters: int
    addresses: int


class AddressRecord(SQLModel, table=True):
    """A distinct folded address of one bureau, with its voters and position once geocoded."""

    __tablename__ = "address"

    id: int | None = Field(default=None, primary_key=True)
    commune: str = Field(index=True, max_length=5)
    bureau: str = Field(index=True, max_length=32)
    key: str
    numero: str = ""
    rep: str = ""
    voie: str = ""
    lieu_dit: str = ""
    code_postal: str = ""
    ville: str = ""
    voters: int
    # Input line numbers as little-endian int32, to compare with results given per line.
    lines: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    lon: float | None = None
    lat: float | None = None
    result_type: str | None = None
    result_score: float | None = None
    result_id: str | None = None
    result_label: str | None = None
    geocoder: str | None = None
    usable: bool | None = None
    # Street key and house number of the match, for the street-side step of outlines.
    street_key: str | None = None
    result_numero: int | None = None
    result_citycode: str | None = Field(default=None, max_length=5)


class VoterCountRecord(SQLModel, table=True):
    """Voters per bureau, list type, sex and age band."""

    __tablename__ = "voter_count"

    commune: str = Field(primary_key=True, max_length=5)
    bureau: str = Field(primary_key=True, max_length=32)
    type_liste: str = Field(primary_key=True, max_length=8)
    sexe: str = Field(primary_key=True, max_length=8)
    tranche_age: str = Field(primary_key=True, max_length=8)
    voters: int


class BoundaryRecord(SQLModel, table=True):
    """A commune boundary loaded by ``bureaux reference communes`` (EPSG:4326, WKB)."""

    __tablename__ = "commune_boundary"

    code: str = Field(primary_key=True, max_length=5)
    name: str = ""
    source: str = ""
    geometry: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class BuildRecord(SQLModel, table=True):
    """One run of ``bureaux build``: outlines become visible when its status is ``complete``."""

    __tablename__ = "build"

    id: int | None = Field(default=None, primary_key=True)
    started_at: datetime
    finished_at: datetime | None = None
    status: str = Field(default="running", max_length=16)  # running, complete, failed
    method: str = ""
    params: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    communes: int = 0
    bureaux: int = 0
    bureaux_without_outline: int = 0


class CommuneBuildRecord(SQLModel, table=True):
    """The report of one commune in one build."""

    __tablename__ = "commune_build"

    build_id: int = Field(foreign_key="build.id", primary_key=True)
    commune: str = Field(primary_key=True, max_length=5)
    status: str = Field(max_length=16)  # complete or failed
    crs: int | None = None
    report: str = Field(sa_column=Column(Text, nullable=False))


class ActiveBuildRecord(SQLModel, table=True):
    """The build whose outlines are served for a commune; switched in one transaction."""

    __tablename__ = "active_build"

    commune: str = Field(primary_key=True, max_length=5)
    build_id: int = Field(foreign_key="build.id", index=True)


class OutlineRecord(SQLModel, table=True):
    """The outline of one bureau in one build: WKB geometries and their bounding box in EPSG:4326."""

    __tablename__ = "outline"

    id: int | None = Field(default=None, primary_key=True)
    build_id: int = Field(foreign_key="build.id", index=True)
    commune: str = Field(index=True, max_length=5)
    bureau: str = Field(index=True, max_length=32)
    geometry: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    geometry_local: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    crs: int
    minx: float
    miny: float
    maxx: float
    maxy: float
    area_m2: float
    addresses: int
    voters: int
    points_used: int = 0
    voters_in_outline: float | None = None
    fallback: bool = False
