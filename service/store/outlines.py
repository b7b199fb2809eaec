"""Store builds and their outlines, and switch the served build per commune atomically."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone

import pandas as pd
import shapely
from sqlalchemy import Engine, delete, insert, select, update

from service.store.models import ActiveBuildRecord, BuildRecord, CommuneBuildRecord, OutlineRecord

logger = logging.getLogger(__name__)


@dataclass
class CommuneResult:
    """Result of one commune's build, as plain data a worker process can send back."""

    commune: str
    ok: bool
    report: dict
    crs: int | None = None
    outlines: pd.DataFrame | None = None  # bureau, geometry (WKB 4326), geometry_local (WKB), figures
    error: dict[str, str] = field(default_factory=dict)  # message per language when not ok


def start_build(engine: Engine, method: str, params: dict) -> int:
    """Record a new build as running and return its id."""
    with engine.begin() as connection:
        return connection.execute(
            insert(BuildRecord).values(
                started_at=datetime.now(timezone.utc), status="running", method=method, params=json.dumps(params, default=str)
            )
        ).inserted_primary_key[0]


def finish_build(engine: Engine, build_id: int, results: list[CommuneResult]) -> None:
    """Store every commune's outlines and report, then serve the communes that succeeded.

    One transaction: readers see the previous build of a commune until it
    commits. Outlines of builds no longer served anywhere are deleted.
    """
    succeeded = [result for result in results if result.ok]
    outline_rows = []
    for result in succeeded:
        for row in result.outlines.itertuples(index=False):
            minx, miny, maxx, maxy = shapely.bounds(shapely.from_wkb(row.geometry))
            outline_rows.append(
                {
                    "build_id": build_id,
                    "commune": result.commune,
                    "bureau": row.bureau,
                    "geometry": row.geometry,
                    "geometry_local": row.geometry_local,
                    "crs": result.crs,
                    "minx": float(minx),
                    "miny": float(miny),
                    "maxx": float(maxx),
                    "maxy": float(maxy),
                    "area_m2": float(row.area_m2),
                    "addresses": int(row.addresses),
                    "voters": int(row.voters),
                    "points_used": int(row.points_used),
                    "voters_in_outline": None if pd.isna(row.voters_in_outline) else float(row.voters_in_outline),
                    "fallback": bool(row.fallback),
                }
            )

    if len(succeeded) == len(results):
        status = "complete"
    elif succeeded:
        status = "partial"
    else:
        status = "failed"
    with engine.begin() as connection:
        if outline_rows:
            connection.execute(insert(OutlineRecord), outline_rows)
        connection.execute(
            insert(CommuneBuildRecord),
            [
                {
                    "build_id": build_id,
                    "commune": result.commune,
                    "status": "complete" if result.ok else "failed",
                    "crs": result.crs,
                    "report": json.dumps(result.report if result.ok else {**result.report, "error": result.error}, default=str),
                }
                for result in results
            ],
        )
        communes = [result.commune for result in succeeded]
        if communes:
            connection.execute(delete(ActiveBuildRecord).where(ActiveBuildRecord.commune.in_(communes)))
            connection.execute(insert(ActiveBuildRecord), [{"commune": code, "build_id": build_id} for code in communes])
        connection.execute(
            update(BuildRecord)
            .where(BuildRecord.id == build_id)
            .values(
                status=status,
                finished_at=datetime.now(timezone.utc),
                communes=len(results),
                bureaux=len(outline_rows),
                bureaux_without_outline=sum(len(r.report.get("bureaux_without_outline", [])) for r in results),
            )
        )
        served = select(ActiveBuildRecord.build_id)
        connection.execute(delete(OutlineRecord).where(OutlineRecord.build_id.not_in(served)))
    logger.info("build %d %s: %d communes, %d outlines", build_id, status, len(results), len(outline_rows))


def fail_build(engine: Engine, build_id: int) -> None:
    """Mark a build that stopped before storing anything as failed."""
    with engine.begin() as connection:
        connection.execute(
            update(BuildRecord).where(BuildRecord.id == build_id).values(status="failed", finished_at=datetime.now(timezone.utc))
        )


def active_outlines(engine: Engine, communes: list[str] | None = None) -> pd.DataFrame:
    """Return the served outlines (WKB in EPSG:4326), optionally of some communes only."""
    query = (
        select(OutlineRecord)
        .join(
            ActiveBuildRecord,
            (ActiveBuildRecord.commune == OutlineRecord.commune) & (ActiveBuildRecord.build_id == OutlineRecord.build_id),
        )
        .order_by(OutlineRecord.bureau)
    )
    if communes:
        query = query.where(OutlineRecord.commune.in_(communes))
    with engine.connect() as connection:
        return pd.read_sql(query, connection)
