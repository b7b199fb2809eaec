"""Store an ingested extract, replacing the previous one of each of its communes atomically."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone

import pandas as pd
from sqlalchemy import Engine, delete, insert, select

from ingest.errors import StaleExtractError
from ingest.extract import Extract
from service.store.database import driver_rows, parameter_marker
from service.store.models import AddressRecord, BureauRecord, CommuneRecord, ExtractRecord, VoterCountRecord

logger = logging.getLogger(__name__)

INSERT_CHUNK = 50_000
USABLE_SCORE = 0.5


@dataclass
class SaveResult:
    """Outcome of storing one extract."""

    status: str  # "imported", "unchanged" or "empty"
    extract_id: int | None = None
    replaced: list[str] = field(default_factory=list)
    # Addresses of the new extract that kept the position found for the previous one.
    geocodes_kept: int = 0


# Geocoding results carried from a commune's previous extract to the same
# folded address in the new one, so a monthly refresh geocodes only what changed.
CARRIED_COLUMNS = (
    "lon", "lat", "result_type", "result_score", "result_id", "result_label",
    "geocoder", "usable", "street_key", "result_numero", "result_citycode",
)


def _insert(connection, table, frame: pd.DataFrame, columns: list[str]) -> None:
    """Insert the rows of ``frame`` through the driver's executemany, in chunks.

    Rows go as tuples, not through the ORM: a 1,000,000-line extract has
    hundreds of thousands of addresses.
    """
    if frame.empty:
        return
    rows = driver_rows(frame[columns])
    dialect = connection.dialect
    names = ", ".join(dialect.identifier_preparer.quote(column) for column in columns)
    markers = ", ".join([parameter_marker(dialect)] * len(columns))
    statement = f"INSERT INTO {table.__tablename__} ({names}) VALUES ({markers})"
    for start in range(0, len(rows), INSERT_CHUNK):
        connection.exec_driver_sql(statement, rows[start: start + INSERT_CHUNK])


def save_extract(engine: Engine, extract: Extract, *, force: bool = False) -> SaveResult:
    """Store ``extract`` in one transaction.

    A file whose SHA-256 and extract date are already the current extract of
    all its communes changes nothing, unless ``force`` is set. Otherwise every
    commune of the extract loses its previous addresses, bureaux and counts
    and gets the new ones. Readers see either the old state or the new one,
    because both happen in one transaction.

    Raises
    ------
    StaleExtractError
        When the extract is dated before the one stored for one of its communes,
        unless ``force`` is set.
    """
    communes = extract.communes["commune"].tolist() if not extract.communes.empty else []
    if not communes:
        return SaveResult(status="empty")

    with engine.begin() as connection:
        current = {
            row.code: row
            for row in connection.execute(
                select(CommuneRecord.code, CommuneRecord.extract_id, CommuneRecord.extract_date).where(
                    CommuneRecord.code.in_(communes)
                )
            )
        }
        # Same bytes read at the same date give the same rows: nothing to do,
        # unless --force requests the import again.
        same = connection.execute(
            select(ExtractRecord.id).where(
                ExtractRecord.sha256 == extract.sha256, ExtractRecord.extract_date == extract.extract_date
            )
        ).scalars().all()
        unchanged = same and len(current) == len(communes) and all(row.extract_id in same for row in current.values())
        if unchanged and not force:
            logger.info("extract %s already loaded (sha256 %s): nothing changed", extract.path.name, extract.sha256[:12])
            return SaveResult(status="unchanged", extract_id=same[0])

        if not force and extract.extract_date is not None:
            for code, row in current.items():
                if row.extract_date is not None and row.extract_date > extract.extract_date:
                    raise StaleExtractError(
                        path=extract.path.name,
                        date=extract.extract_date.isoformat(),
                        commune=code,
                        current=row.extract_date.isoformat(),
                    )

        report = extract.report
        extract_id = connection.execute(
            insert(ExtractRecord).values(
                sha256=extract.sha256,
                file_name=extract.path.name,
                layout=report.layout,
                extract_date=extract.extract_date,
                imported_at=datetime.now(timezone.utc),
                lines_read=report.lines_read,
                accepted=report.accepted,
                rejected=report.rejected,
                voters=report.voters,
                report=json.dumps(report.to_dict(), ensure_ascii=False),
            )
        ).inserted_primary_key[0]

        carried = _save_geocodes(connection, communes)
        for table in (AddressRecord, VoterCountRecord, BureauRecord):
            connection.execute(delete(table).where(table.commune.in_(communes)))
        connection.execute(delete(CommuneRecord).where(CommuneRecord.code.in_(communes)))

        commune_rows = extract.communes.rename(columns={"commune": "code"}).assign(
            extract_id=extract_id, extract_date=extract.extract_date, geocoded=extract.geocoded
        )
        _insert(connection, CommuneRecord, commune_rows, ["code", "label", "extract_id", "extract_date", "voters", "geocoded"])
        bureau_rows = extract.bureaux.rename(columns={"bureau": "id"})
        _insert(connection, BureauRecord, bureau_rows, ["id", "commune", "code", "label", "voters", "addresses"])
        _insert(connection, VoterCountRecord, extract.counts, ["commune", "bureau", "type_liste", "sexe", "tranche_age", "voters"])
        address_rows, address_columns = _address_records(extract)
        address_rows, address_columns, kept = _with_carried_geocodes(address_rows, address_columns, carried)
        _insert(connection, AddressRecord, address_rows, address_columns)

    replaced = sorted(code for code in current)
    logger.info(
        "stored extract %s as id %s: communes=%d replaced=%d addresses=%d",
        extract.path.name,
        extract_id,
        len(communes),
        len(replaced),
        len(extract.addresses),
    )
    return SaveResult(status="imported", extract_id=extract_id, replaced=replaced, geocodes_kept=kept)


def _save_geocodes(connection, communes: list[str]) -> pd.DataFrame:
    """Read the geocoding results of the communes' current addresses, one per (commune, key)."""
    query = select(
        AddressRecord.commune, AddressRecord.key, *[getattr(AddressRecord, column) for column in CARRIED_COLUMNS]
    ).where(AddressRecord.commune.in_(communes), AddressRecord.geocoder.is_not(None), AddressRecord.geocoder != "source")
    frame = pd.DataFrame(connection.execute(query).fetchall(), columns=["commune", "key", *CARRIED_COLUMNS])
    return frame.drop_duplicates(["commune", "key"])


def _with_carried_geocodes(
    rows: pd.DataFrame, columns: list[str], carried: pd.DataFrame
) -> tuple[pd.DataFrame, list[str], int]:
    """Give new address rows the saved result of the same (commune, key); return them, their columns and how many got one."""
    if carried.empty or "geocoder" in columns:
        return rows, columns, 0
    merged = rows.merge(carried, on=["commune", "key"], how="left")
    return merged, [*columns, *CARRIED_COLUMNS], int(merged["geocoder"].notna().sum())


def _address_records(extract: Extract) -> tuple[pd.DataFrame, list[str]]:
    frame = extract.addresses
    columns = ["commune", "bureau", "key", "numero", "rep", "voie", "lieu_dit", "code_postal", "ville", "voters", "lines"]
    if extract.geocoded:
        # INSEE's table comes geocoded: its positions are kept as the geocoding result.
        frame = frame.assign(
            result_type=frame["geo_type"].replace("", None),
            result_score=frame["geo_score"],
            result_id=frame["geo_id"].replace("", None),
            result_label=frame["geo_label"].replace("", None),
            geocoder="source",
            # Same rule as the local geocoder's default: a position under score 0.5
            # or at commune level is kept but not used for outlines.
            usable=frame["lon"].notna()
            & ~(frame["geo_score"] < USABLE_SCORE)
            & ~frame["geo_type"].isin(["municipality", "town", "city"]),
        )
        columns += ["lon", "lat", "result_type", "result_score", "result_id", "result_label", "geocoder", "usable"]
    return frame, columns
