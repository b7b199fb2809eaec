"""The build stage: derive every commune's outlines in a pool of workers and store them as one build.

Communes are independent, so a build is a map over communes. The map runs on
any ``concurrent.futures.Executor``: a local process pool by default, or a
Dask cluster's executor (``dask.distributed.Client.get_executor()``) with the
same code path.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from sqlalchemy import Engine, select

from geometry.build import build_commune
from geometry.errors import GeometryError
from geometry.evaluate import CrossValidation, cross_validate
from geometry.params import BuildParams
from ingest.validate import COMMUNE_CODE
from service.errors import InvalidCommuneCodeError, NothingToBuildError
from service.store.boundaries import load_boundaries
from service.store.models import AddressRecord, BureauRecord, CommuneRecord
from service.store.outlines import CommuneResult, fail_build, finish_build, start_build

logger = logging.getLogger(__name__)

POINT_COLUMNS = ["bureau", "voters", "lon", "lat", "result_type", "result_score", "street_key", "result_numero"]


@dataclasses.dataclass
class CommuneInput:
    """Everything one worker needs to build a commune: plain data, no database handle."""

    commune: str
    points: pd.DataFrame
    bureaux: list[str]
    boundary: bytes | None


def list_communes(engine: Engine, communes: list[str] | None = None, departement: str | None = None) -> list[str]:
    """Return the stored communes to process, optionally restricted to some codes or a département.

    Raises
    ------
    InvalidCommuneCodeError
        When a requested code is not an INSEE commune code.
    NothingToBuildError
        When no stored commune matches.
    """
    for code in communes or []:
        if not COMMUNE_CODE.match(code.strip().upper()):
            raise InvalidCommuneCodeError(code=code)
    communes = [code.strip().upper() for code in communes] if communes else communes
    query = select(CommuneRecord.code).order_by(CommuneRecord.code)
    if communes:
        query = query.where(CommuneRecord.code.in_(communes))
    with engine.connect() as connection:
        codes = connection.execute(query).scalars().all()
    if departement:
        codes = [code for code in codes if code.startswith(departement)]
    if not codes:
        detail = f" ({', '.join(communes or [])}{departement or ''})" if communes or departement else ""
        raise NothingToBuildError(detail_fr=detail, detail_en=detail)
    return codes


def communes_without_positions(engine: Engine, communes: list[str]) -> list[str]:
    """Return the communes none of whose addresses has a position."""
    with engine.connect() as connection:
        located = set(
            connection.execute(
                select(AddressRecord.commune).where(AddressRecord.commune.in_(communes), AddressRecord.lon.is_not(None)).distinct()
            ).scalars()
        )
    return [code for code in communes if code not in located]


def load_inputs(engine: Engine, communes: list[str]) -> list[CommuneInput]:
    """Read the geocoded points, bureaux and boundaries of ``communes``."""
    with engine.connect() as connection:
        points = pd.read_sql(
            select(AddressRecord.commune, *[getattr(AddressRecord, column) for column in POINT_COLUMNS]).where(
                AddressRecord.commune.in_(communes)
            ),
            connection,
        )
        bureaux = pd.read_sql(select(BureauRecord.commune, BureauRecord.id).where(BureauRecord.commune.in_(communes)), connection)
    boundaries = load_boundaries(engine, communes)
    inputs = []
    for code in communes:
        inputs.append(
            CommuneInput(
                commune=code,
                points=points[points["commune"] == code].drop(columns="commune").reset_index(drop=True),
                bureaux=sorted(bureaux.loc[bureaux["commune"] == code, "id"]),
                boundary=shapely.to_wkb(boundaries[code]) if code in boundaries else None,
            )
        )
    return inputs


def points_frame(points: pd.DataFrame) -> gpd.GeoDataFrame:
    """Turn stored address rows into the GeoDataFrame the geometry engine reads."""
    geometry = shapely.points(points["lon"].to_numpy(dtype=float), points["lat"].to_numpy(dtype=float))
    located = points["lon"].notna().to_numpy() & points["lat"].notna().to_numpy()
    geometry = np.where(located, geometry, shapely.from_wkt("POINT EMPTY"))
    numero = pd.to_numeric(points["result_numero"], errors="coerce")
    return gpd.GeoDataFrame(
        {
            "bureau": points["bureau"].to_numpy(),
            "voters": points["voters"].to_numpy(dtype=np.int64),
            "geo_type": points["result_type"].to_numpy(dtype=object),
            "geo_score": pd.to_numeric(points["result_score"], errors="coerce").to_numpy(),
            "street": points["street_key"].to_numpy(dtype=object),
            "numero": numero.astype("Int64"),
        },
        geometry=geometry,
        crs=4326,
    )


def build_one(item: CommuneInput, params: BuildParams) -> CommuneResult:
    """Build one commune; errors of the geometry engine become a failed result, not an exception."""
    try:
        boundary = shapely.from_wkb(item.boundary) if item.boundary is not None else None
        built = build_commune(points_frame(item.points), boundary, item.commune, item.bureaux, params)
    except GeometryError as error:
        logger.info("commune %s: build failed: %s", item.commune, error)
        return CommuneResult(
            commune=item.commune, ok=False, report={}, error={"fr": error.message("fr"), "en": error.message("en")}
        )

    outlines = pd.DataFrame(built.outlines.drop(columns="geometry"))
    outlines["geometry"] = shapely.to_wkb(built.outlines.geometry.to_numpy())
    outlines["geometry_local"] = shapely.to_wkb(built.outlines_local.geometry.to_numpy())
    return CommuneResult(commune=item.commune, ok=True, report=built.report.asdict(), crs=built.report.crs, outlines=outlines)


def run_build(
    engine: Engine,
    communes: list[str],
    params: BuildParams,
    *,
    workers: int = 2,
    executor: Executor | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[int, list[CommuneResult]]:
    """Build ``communes`` and store them as one build; return its id and each commune's result.

    Communes that fail keep their previous outlines; the others switch to the
    new build together when it is stored.
    """
    build_id = start_build(engine, params.method, dataclasses.asdict(params))
    try:
        inputs = load_inputs(engine, communes)
        results = []
        own_pool = executor is None and workers > 1 and len(inputs) > 1
        if executor is None and not own_pool:
            for number, item in enumerate(inputs, start=1):
                results.append(build_one(item, params))
                if progress:
                    progress(number, len(inputs))
        else:
            pool = executor or ProcessPoolExecutor(max_workers=workers)
            try:
                # Largest communes first, so one big commune does not finish last alone.
                ordered = sorted(inputs, key=lambda item: -len(item.points))
                futures = [pool.submit(build_one, item, params) for item in ordered]
                for number, future in enumerate(as_completed(futures), start=1):
                    results.append(future.result())
                    if progress:
                        progress(number, len(inputs))
            finally:
                if own_pool:
                    pool.shutdown()
        results.sort(key=lambda result: result.commune)
        finish_build(engine, build_id, results)
    except BaseException:
        fail_build(engine, build_id)
        raise
    return build_id, results


def cross_validate_stored(
    engine: Engine, communes: list[str], params: BuildParams, folds: int = 5, seed: int = 0
) -> list[CrossValidation]:
    """Cross-validate the build of each stored commune, beside plain Voronoi in the same folds."""
    results = []
    for item in load_inputs(engine, communes):
        boundary = shapely.from_wkb(item.boundary) if item.boundary is not None else None
        results.append(cross_validate(points_frame(item.points), boundary, item.commune, item.bureaux, params, folds=folds, seed=seed))
    return results
