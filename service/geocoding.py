"""The geocoding stage: load the BAN reference, geocode stored addresses, evaluate the results."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import Engine, select, update

from ingest.geocode import ExpectedFileError, LocalGeocoder, ReferenceIndex, compare_with_expected
from service.errors import (
    ExpectedMismatchError,
    NoGeocodedDataError,
    NothingToBuildError,
    ReferenceMissingError,
    UnknownExtractError,
)
from service.store.database import database_url, driver_rows, parameter_marker
from service.store.models import AddressRecord, CommuneRecord, ExtractRecord

logger = logging.getLogger(__name__)

CHUNK = 20_000
EXPECTED_COLUMNS = "ligne, result_type, result_id, result_score, latitude, longitude"
# Share of lines that an expected-results file and the extract must have in common.
MIN_EXPECTED_COVERAGE = 0.99
INPUT_COLUMNS = ["id", "commune", "numero", "rep", "voie", "lieu_dit", "code_postal", "ville"]
RESULT_COLUMNS = [
    "lon", "lat", "result_type", "result_score", "result_id", "result_label",
    "usable", "street_key", "result_numero", "result_citycode",
]


def reference_directory(db: str | None, option: str | None = None) -> Path:
    """Return where the BAN index lives: ``--reference-dir``, ``BUREAUX_REFERENCE_DIR``, or beside the SQLite file."""
    if option:
        return Path(option)
    if os.environ.get("BUREAUX_REFERENCE_DIR"):
        return Path(os.environ["BUREAUX_REFERENCE_DIR"])
    url = database_url(db)
    if url.startswith("sqlite:///"):
        path = Path(url[len("sqlite:///"):])
        return path.with_name(path.stem + ".reference")
    return Path("bureaux-reference")


def load_reference(directory: Path, files: Iterable[Path]) -> tuple[list[Path], ReferenceIndex]:
    """Add BAN files to the index in ``directory``; return the files actually loaded and the index."""
    index = ReferenceIndex.open(directory) if (directory / "meta.json").exists() else ReferenceIndex.empty()
    loaded = index.add(files)
    if loaded:
        index.save(directory)
    return loaded, index


def _addresses_to_geocode(engine: Engine, communes: list[str] | None, redo: bool) -> pd.DataFrame:
    query = select(*[getattr(AddressRecord, column) for column in INPUT_COLUMNS]).where(AddressRecord.key != "|||")
    # Positions that came with the extract (INSEE's table) are kept as they are.
    query = query.where((AddressRecord.geocoder.is_(None)) | (AddressRecord.geocoder != "source"))
    if not redo:
        query = query.where(AddressRecord.geocoder.is_(None))
    if communes:
        query = query.where(AddressRecord.commune.in_(communes))
    with engine.connect() as connection:
        return pd.read_sql(query, connection)


def geocode_stored(
    engine: Engine,
    directory: Path,
    *,
    communes: list[str] | None = None,
    min_score: float = 0.5,
    redo: bool = False,
    geocoder: str = "local",
    url: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict:
    """Geocode the stored addresses not geocoded yet (all of them with ``redo``); return a summary.

    Raises
    ------
    ReferenceMissingError
        For the local geocoder, when no BAN file was loaded.
    """
    frame = _addresses_to_geocode(engine, communes, redo)
    if frame.empty:
        # Everything is geocoded already, or came with positions (INSEE's table).
        return {"addresses": 0, "geocoder": geocoder, "result_types": {}, "usable_voters_share": _usable_share(engine, communes)}
    if geocoder == "addok":
        from ingest.geocode.addok import AddokGeocoder

        engine_name = "addok"
        matcher = AddokGeocoder(url, min_score=min_score)
    else:
        if not (directory / "meta.json").exists():
            raise ReferenceMissingError(directory=str(directory))
        engine_name = "local"
        matcher = LocalGeocoder(ReferenceIndex.open(directory), min_score=min_score)

    logger.info("geocoding %d addresses with the %s geocoder", len(frame), engine_name)
    done = 0
    counts: dict[str, int] = {}
    for start in range(0, len(frame), CHUNK):
        chunk = frame.iloc[start: start + CHUNK]
        results = matcher.geocode(chunk[INPUT_COLUMNS[1:]])
        _store_results(engine, chunk["id"].to_numpy(), results, engine_name)
        for kind, number in results["result_type"].fillna("none").value_counts().items():
            counts[kind] = counts.get(kind, 0) + int(number)
        done += len(chunk)
        if progress:
            progress(done, len(frame))
    if geocoder == "addok":
        matcher.close()

    with engine.begin() as connection:
        query = update(CommuneRecord).values(geocoded=True)
        if communes:
            query = query.where(CommuneRecord.code.in_(communes))
        connection.execute(query)
    usable = _usable_share(engine, communes)
    return {"addresses": len(frame), "geocoder": engine_name, "result_types": counts, "usable_voters_share": usable}


def _store_results(engine: Engine, ids: np.ndarray, results: pd.DataFrame, engine_name: str) -> None:
    rows = [(*row, engine_name, int(address_id)) for row, address_id in zip(driver_rows(results[RESULT_COLUMNS]), ids)]
    with engine.begin() as connection:
        marker = parameter_marker(connection.dialect)
        assignments = ", ".join(f"{column} = {marker}" for column in [*RESULT_COLUMNS, "geocoder"])
        connection.exec_driver_sql(f"UPDATE address SET {assignments} WHERE id = {marker}", rows)


def _usable_share(engine: Engine, communes: list[str] | None) -> float | None:
    query = select(AddressRecord.voters, AddressRecord.usable)
    if communes:
        query = query.where(AddressRecord.commune.in_(communes))
    with engine.connect() as connection:
        frame = pd.read_sql(query, connection)
    total = frame["voters"].sum()
    return float(frame.loc[frame["usable"].fillna(False).astype(bool), "voters"].sum() / total) if total else None


def results_by_line(engine: Engine, extract_id: int | None = None) -> pd.DataFrame:
    """Return the stored result of each input line of an extract (the latest by default), indexed by line number."""
    with engine.connect() as connection:
        if extract_id is None:
            extract_id = connection.execute(select(ExtractRecord.id).order_by(ExtractRecord.id.desc()).limit(1)).scalar()
        if extract_id is None:
            raise NothingToBuildError(detail_fr="", detail_en="")
        if connection.execute(select(ExtractRecord.id).where(ExtractRecord.id == extract_id)).scalar() is None:
            raise UnknownExtractError(extract=extract_id)
        communes = select(CommuneRecord.code).where(CommuneRecord.extract_id == extract_id)
        frame = pd.read_sql(
            select(
                AddressRecord.lines, AddressRecord.result_type, AddressRecord.result_id, AddressRecord.result_label,
                AddressRecord.result_score, AddressRecord.lon, AddressRecord.lat, AddressRecord.geocoder,
            ).where(AddressRecord.commune.in_(communes)),
            connection,
        )
    if frame["geocoder"].isna().all():
        raise NoGeocodedDataError(what=f"extract {extract_id}")
    lines = [np.frombuffer(blob, dtype="<i4") for blob in frame["lines"]]
    repeat = np.array([len(values) for values in lines])
    expanded = frame.drop(columns=["lines", "geocoder"]).loc[frame.index.repeat(repeat)].reset_index(drop=True)
    expanded["line"] = np.concatenate(lines) if lines else np.array([], dtype=np.int64)
    return expanded.set_index("line").sort_index()


def evaluate_geocoding(engine: Engine, expected_path: Path, extract_id: int | None = None, worst: int = 20) -> dict:
    """Compare stored results with a file of expected results matched by line.

    The file's ``ligne`` column counts data rows from 1, as the extract's rows
    after its header; worst disagreements are reported by the same ``ligne``.

    Raises
    ------
    ExpectedFileError
        When the file is missing, unreadable, or does not cover the extract's lines.
    """
    try:
        expected = pd.read_csv(expected_path, dtype={"result_id": str, "result_type": str})
    except FileNotFoundError as error:
        raise ExpectedFileError(reason={"fr": "fichier introuvable", "en": "file not found"}, expected=EXPECTED_COLUMNS) from error
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as error:
        logger.info("reading %s failed: %s", expected_path, type(error).__name__)
        raise ExpectedFileError(reason={"fr": "CSV illisible", "en": "unreadable CSV"}, expected=EXPECTED_COLUMNS) from error
    if "ligne" not in expected.columns:
        raise ExpectedFileError(reason={"fr": "pas de colonne ligne", "en": "no ligne column"}, expected=EXPECTED_COLUMNS)

    results = results_by_line(engine, extract_id)
    results.index = results.index - 1  # line numbers count the header as line 1
    expected = expected.set_index("ligne")
    covered = expected.index.isin(results.index)
    # A file written for another extract matches few of its lines.
    if covered.mean() < MIN_EXPECTED_COVERAGE or results.index.isin(expected.index).mean() < MIN_EXPECTED_COVERAGE:
        raise ExpectedMismatchError(
            file=expected_path.name, rows=len(expected), lines=len(results), covered=int(covered.sum())
        )
    expected = expected.loc[covered]
    return compare_with_expected(results.reindex(expected.index), expected, worst=worst)
