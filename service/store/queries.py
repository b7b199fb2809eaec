"""Read queries of the HTTP API over the served builds.

Every function reads only the outlines of the active build of each commune.
Bounding-box filters use SQLite's R*Tree table ``outline_rtree``, or the GiST
index on ``outline.geom`` on PostGIS; both return the outlines whose bounding
box meets the box, a superset that the caller refines on the geometries.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import Engine, and_, func, or_, select, text
from sqlalchemy.sql.expression import literal

from service.store.models import (
    ActiveBuildRecord,
    BoundaryRecord,
    BureauRecord,
    CommuneRecord,
    OutlineRecord,
    VoterCountRecord,
)

Box = tuple[float, float, float, float]

outline = OutlineRecord.__table__
active = ActiveBuildRecord.__table__
bureau = BureauRecord.__table__
commune = CommuneRecord.__table__
boundary = BoundaryRecord.__table__
voter_count = VoterCountRecord.__table__

# The main list: the électorat of the presidential election, contained in every
# other. The ingest stores this type for extracts that have no list type column.
MAIN_LIST = "LP"


@dataclass(frozen=True)
class AreaFilter:
    """Communes to read: one commune, one département, or all when both are None."""

    commune: str | None = None
    departement: str | None = None


def _served():
    return outline.join(active, and_(active.c.commune == outline.c.commune, active.c.build_id == outline.c.build_id))


def _area_conditions(column, area: AreaFilter) -> list:
    conditions = []
    if area.commune is not None:
        conditions.append(column == area.commune)
    if area.departement is not None:
        conditions.append(column.like(area.departement + "%"))
    return conditions


def _bbox_condition(engine: Engine, boxes: Sequence[Box]):
    """Return a condition on ``outline.id`` that keeps outlines whose bounding box meets one of ``boxes``.

    SQLite reads the R*Tree index; PostGIS compares the GiST-indexed ``geom`` column.
    """
    parts = []
    for index, (minx, miny, maxx, maxy) in enumerate(boxes):
        names = {key: f"{key}_{index}" for key in ("minx", "miny", "maxx", "maxy")}
        values = {names["minx"]: minx, names["miny"]: miny, names["maxx"]: maxx, names["maxy"]: maxy}
        if engine.dialect.name == "sqlite":
            clause = text(
                f"outline.id IN (SELECT id FROM outline_rtree WHERE maxx >= :{names['minx']} AND minx <= :{names['maxx']} "
                f"AND maxy >= :{names['miny']} AND miny <= :{names['maxy']})"
            ).bindparams(**values)
        else:
            clause = text(
                f"outline.geom && ST_MakeEnvelope(:{names['minx']}, :{names['miny']}, :{names['maxx']}, :{names['maxy']}, 4326)"
            ).bindparams(**values)
        parts.append(clause)
    return or_(*parts)


def count_outlines(engine: Engine, area: AreaFilter) -> int:
    """Count the served outlines of ``area``."""
    query = select(func.count()).select_from(_served()).where(*_area_conditions(outline.c.commune, area))
    with engine.connect() as connection:
        return int(connection.execute(query).scalar_one())


def outline_page(engine: Engine, area: AreaFilter, limit: int, offset: int) -> list[int]:
    """Return the ids of one page of served outlines of ``area``, ordered by bureau id."""
    query = (
        select(outline.c.id)
        .select_from(_served())
        .where(*_area_conditions(outline.c.commune, area))
        .order_by(outline.c.bureau)
        .limit(limit)
        .offset(offset)
    )
    with engine.connect() as connection:
        return [row[0] for row in connection.execute(query)]


def outline_candidates(engine: Engine, area: AreaFilter, boxes: Sequence[Box]) -> list[int]:
    """Return the ids of served outlines of ``area`` whose bounding box meets ``boxes``, ordered by bureau id."""
    query = (
        select(outline.c.id)
        .select_from(_served())
        .where(*_area_conditions(outline.c.commune, area), _bbox_condition(engine, boxes))
        .order_by(outline.c.bureau)
    )
    with engine.connect() as connection:
        return [row[0] for row in connection.execute(query)]


def served_outline_id(engine: Engine, bureau_id: str) -> int | None:
    """Return the id of the served outline of ``bureau_id``, or None."""
    query = select(outline.c.id).select_from(_served()).where(outline.c.bureau == bureau_id)
    with engine.connect() as connection:
        return connection.execute(query).scalar_one_or_none()


def _commune_name():
    """Return the commune's label from the extract, or the boundary's name when the extract has none."""
    return func.coalesce(func.nullif(commune.c.label, ""), boundary.c.name, literal(""))


def load_outlines(engine: Engine, ids: Iterable[int]) -> list[dict]:
    """Return outlines by id with their bureau and commune labels, geometry as WKB in EPSG:4326."""
    ids = list(ids)
    if not ids:
        return []
    query = (
        select(
            outline.c.id,
            outline.c.build_id,
            outline.c.commune,
            outline.c.bureau,
            outline.c.geometry,
            outline.c.minx,
            outline.c.miny,
            outline.c.maxx,
            outline.c.maxy,
            outline.c.area_m2,
            outline.c.fallback,
            bureau.c.code,
            bureau.c.label,
            _commune_name().label("commune_label"),
        )
        .select_from(
            outline.outerjoin(bureau, bureau.c.id == outline.c.bureau)
            .outerjoin(commune, commune.c.code == outline.c.commune)
            .outerjoin(boundary, boundary.c.code == outline.c.commune)
        )
        .where(outline.c.id.in_(ids))
    )
    with engine.connect() as connection:
        return [dict(row._mapping) for row in connection.execute(query)]


def served_extent(engine: Engine) -> Box | None:
    """Return the bounding box of every served outline, or None when nothing is served."""
    query = select(func.min(outline.c.minx), func.min(outline.c.miny), func.max(outline.c.maxx), func.max(outline.c.maxy)).select_from(
        _served()
    )
    with engine.connect() as connection:
        row = connection.execute(query).one()
    return None if row[0] is None else (float(row[0]), float(row[1]), float(row[2]), float(row[3]))


def served_version(engine: Engine) -> tuple:
    """Return a value that changes whenever the served build, the extract of any commune, or the boundaries change."""
    with engine.connect() as connection:
        builds = connection.execute(select(func.count(), func.coalesce(func.sum(active.c.build_id), 0), func.max(active.c.build_id))).one()
        boundaries = connection.execute(select(func.count()).select_from(boundary)).scalar_one()
        # A new extract of a commune gets a new id, so its counts show up even when the totals stay equal.
        communes = connection.execute(
            select(
                func.count(),
                func.coalesce(func.sum(commune.c.voters), 0),
                func.coalesce(func.sum(commune.c.extract_id), 0),
                func.max(commune.c.extract_id),
            ).select_from(commune)
        ).one()
    return (*builds, boundaries, *communes)


def commune_rows(engine: Engine, area: AreaFilter) -> list[dict]:
    """Return the loaded communes of ``area`` by code, with name, main-list voters, served build, bureau count and outline extent."""
    extents = (
        select(
            outline.c.commune,
            func.count().label("bureaux"),
            func.min(outline.c.minx).label("minx"),
            func.min(outline.c.miny).label("miny"),
            func.max(outline.c.maxx).label("maxx"),
            func.max(outline.c.maxy).label("maxy"),
        )
        .select_from(_served())
        .group_by(outline.c.commune)
        .subquery()
    )
    main_list = (
        select(voter_count.c.commune, func.sum(voter_count.c.voters).label("voters"))
        .where(voter_count.c.type_liste == MAIN_LIST)
        .group_by(voter_count.c.commune)
        .subquery()
    )
    query = (
        select(
            commune.c.code,
            _commune_name().label("label"),
            func.coalesce(main_list.c.voters, 0).label("main_list_voters"),
            active.c.build_id,
            extents.c.bureaux,
            extents.c.minx,
            extents.c.miny,
            extents.c.maxx,
            extents.c.maxy,
            boundary.c.name.label("boundary_name"),
            (boundary.c.code.is_not(None)).label("has_boundary"),
        )
        .select_from(
            commune.outerjoin(active, active.c.commune == commune.c.code)
            .outerjoin(extents, extents.c.commune == commune.c.code)
            .outerjoin(boundary, boundary.c.code == commune.c.code)
            .outerjoin(main_list, main_list.c.commune == commune.c.code)
        )
        .where(*_area_conditions(commune.c.code, area))
        .order_by(commune.c.code)
    )
    with engine.connect() as connection:
        return [dict(row._mapping) for row in connection.execute(query)]


def boundary_geometry(engine: Engine, code: str) -> bytes | None:
    """Return the loaded boundary of commune ``code`` as WKB in EPSG:4326, or None."""
    with engine.connect() as connection:
        return connection.execute(select(boundary.c.geometry).where(boundary.c.code == code)).scalar_one_or_none()


def served_outline_geometries(engine: Engine, code: str) -> list[bytes]:
    """Return the WKB geometries (EPSG:4326) of the served outlines of commune ``code``."""
    query = select(outline.c.geometry).select_from(_served()).where(outline.c.commune == code)
    with engine.connect() as connection:
        return [row[0] for row in connection.execute(query)]


def served_outline_ids(engine: Engine, area: AreaFilter) -> list[int]:
    """Return the ids of all served outlines of ``area``, ordered by bureau id."""
    query = select(outline.c.id).select_from(_served()).where(*_area_conditions(outline.c.commune, area)).order_by(outline.c.bureau)
    with engine.connect() as connection:
        return [row[0] for row in connection.execute(query)]


def voter_counts(engine: Engine, area: AreaFilter, list_types: Sequence[str] | None) -> list[dict]:
    """Return voters per (commune, bureau, sexe, tranche_age) of ``area``, summed over ``list_types`` (all when None)."""
    conditions = _area_conditions(voter_count.c.commune, area)
    if list_types is not None:
        conditions.append(voter_count.c.type_liste.in_(list_types))
    query = (
        select(
            voter_count.c.commune,
            voter_count.c.bureau,
            voter_count.c.sexe,
            voter_count.c.tranche_age,
            func.sum(voter_count.c.voters).label("voters"),
        )
        .where(*conditions)
        .group_by(voter_count.c.commune, voter_count.c.bureau, voter_count.c.sexe, voter_count.c.tranche_age)
    )
    with engine.connect() as connection:
        return [dict(row._mapping) for row in connection.execute(query)]


def main_list_voters(engine: Engine, communes: Iterable[str]) -> list[dict]:
    """Return the main-list voters per (commune, bureau) of ``communes``; bureaux without main-list voters are absent."""
    communes = sorted(set(communes))
    if not communes:
        return []
    query = (
        select(voter_count.c.commune, voter_count.c.bureau, func.sum(voter_count.c.voters).label("voters"))
        .where(voter_count.c.type_liste == MAIN_LIST, voter_count.c.commune.in_(communes))
        .group_by(voter_count.c.commune, voter_count.c.bureau)
    )
    with engine.connect() as connection:
        return [dict(row._mapping) for row in connection.execute(query)]


def voter_counts_by_list(engine: Engine, area: AreaFilter) -> list[dict]:
    """Return voters per (commune, bureau, type_liste, sexe, tranche_age) of ``area``."""
    query = select(
        voter_count.c.commune,
        voter_count.c.bureau,
        voter_count.c.type_liste,
        voter_count.c.sexe,
        voter_count.c.tranche_age,
        voter_count.c.voters,
    ).where(*_area_conditions(voter_count.c.commune, area))
    with engine.connect() as connection:
        return [dict(row._mapping) for row in connection.execute(query)]


def bureau_ids(engine: Engine, area: AreaFilter) -> list[tuple[str, str]]:
    """Return (bureau id, commune) of every loaded bureau of ``area``."""
    query = select(bureau.c.id, bureau.c.commune).where(*_area_conditions(bureau.c.commune, area)).order_by(bureau.c.id)
    with engine.connect() as connection:
        return [(row[0], row[1]) for row in connection.execute(query)]
