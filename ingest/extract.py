"""Read one voter-list extract into per-address and per-group voter counts.

This is the ingest stage's entry point: :func:`read_extract` detects the
file's format and layout, validates every row, drops personal fields while
reading and returns what the service stores. It writes nothing.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from ingest.aggregate import aggregate
from ingest.errors import InvalidCommuneError, MissingCommuneError
from ingest.layouts import detect_layout
from ingest.reader import InvalidRows, file_sha256, sniff, stream_columns
from ingest.report import ImportReport
from ingest.validate import COMMUNE_CODE, RowOptions, validate_rows

logger = logging.getLogger(__name__)

_FILE_COMMUNE = re.compile(r"com(\d[0-9AB]\d{3})(?![0-9A-Z])", re.IGNORECASE)
_FILE_DATE = re.compile(r"(?<!\d)(\d{2})-(\d{2})-(\d{4})(?!\d)")


@dataclass
class Extract:
    """Part of one extract that the service keeps: no names, birth dates, birthplaces or nationality.

    ``addresses``: one row per distinct (commune, bureau, address key) with the
    folded address parts, the number of voters and the input lines it covers.
    ``counts``: voters per (commune, bureau, type_liste, sexe, tranche_age).
    ``bureaux`` and ``communes``: labels and voter totals.
    """

    path: Path
    sha256: str
    extract_date: date | None
    addresses: pd.DataFrame
    counts: pd.DataFrame
    bureaux: pd.DataFrame
    communes: pd.DataFrame
    report: ImportReport
    geocoded: bool = False


def commune_from_file_name(name: str) -> str | None:
    """Return the commune code written in a REU export's file name (``…-com2B033-…``)."""
    match = _FILE_COMMUNE.search(name)
    return match.group(1).upper() if match else None


def date_from_file_name(name: str) -> date | None:
    """Return the date written in a REU export's file name (``…-02-03-2026-09h10``)."""
    for day, month, year in _FILE_DATE.findall(name):
        try:
            return date(int(year), int(month), int(day))
        except ValueError:
            continue
    return None


def check_commune_code(code: str) -> str:
    """Return ``code`` upper-cased if it is a valid INSEE commune code, else raise."""
    code = code.strip().upper()
    if not COMMUNE_CODE.match(code):
        raise InvalidCommuneError(code=code)
    return code


def read_extract(
    path: str | Path,
    *,
    commune: str | None = None,
    layout: str | None = None,
    mapping: list[str] | None = None,
    extract_date: date | None = None,
    progress: Callable[[int], None] | None = None,
) -> Extract:
    """Read, validate and reduce one extract.

    Parameters
    ----------
    path
        The CSV file.
    commune
        INSEE code of the extract's commune: fills rows without one and rejects
        rows of another commune. Taken from the file name (``…-com29039-…``)
        when the file has no commune column and this is not given.
    layout
        ``reu``, ``arrete2013``, ``insee`` or ``generic``; detected when None.
    mapping
        ``field=column`` items for the generic layout.
    extract_date
        Date at which ages are computed; else the list's creation date, the date
        in the file name, or today.
    progress
        Called with the number of bytes read so far after each block.

    Raises
    ------
    IngestError
        A subclass naming the file and what was expected, when the file cannot
        be read at all. A problem of a single row goes to the report instead.
    """
    path = Path(path)
    csv_format = sniff(path)
    column_map = detect_layout(csv_format.header, str(path), forced=layout, mapping_items=mapping)
    sha256 = file_sha256(path)
    report = ImportReport(
        file=path.name,
        sha256=sha256,
        layout=column_map.layout,
        encoding=csv_format.encoding,
        delimiter=csv_format.delimiter,
        unknown_columns=column_map.unknown_columns,
    )
    logger.info("reading %s: layout=%s encoding=%s", path.name, column_map.layout, csv_format.encoding)

    if commune:
        commune = check_commune_code(commune)
    elif "commune" not in column_map.fields:
        commune = commune_from_file_name(path.name)
        if commune is None:
            raise MissingCommuneError(path=str(path))

    date_source = "option"
    if extract_date is None:
        extract_date, date_source = date_from_file_name(path.name), "file_name"

    batches, invalid = _read_batches(path, csv_format, column_map.fields, progress)
    frame = _to_frame(batches, column_map.fields)
    del batches

    if extract_date is None and "date_liste" in frame.columns and len(frame):
        extract_date = _parse_list_date(frame["date_liste"].iloc[0])
        date_source = "date_liste"
    report.extract_date = extract_date.isoformat() if extract_date else None
    report.extract_date_source = date_source if extract_date else "today"
    options = RowOptions(commune=commune, reference_date=extract_date or date.today(), column_map=column_map)

    # Record numbers: the header is line 1; rows the parser skipped keep their number.
    skipped = np.array(sorted(invalid.lines), dtype=np.int64)
    total = len(frame) + len(skipped)
    lines = np.setdiff1d(np.arange(2, total + 2, dtype=np.int64), skipped, assume_unique=True)
    report.add("rejection", skipped, "colonnes_incorrectes")

    rows = validate_rows(frame, options, report, lines)
    del frame
    report.lines_read = total
    report.rejected = len({issue.line for issue in report.rejections})
    report.accepted = total - report.rejected
    geocoded = "lon" in column_map.fields
    if rows.frame.empty:
        empty = pd.DataFrame()
        return Extract(path, sha256, extract_date, empty, empty, empty, empty, report, geocoded)

    addresses, counts, bureaux, communes = aggregate(rows, geocoded)
    report.communes = communes["commune"].tolist()
    report.voters = int(counts["voters"].sum())
    report.addresses = len(addresses)
    report.bureaux = len(bureaux)
    logger.info(
        "read %s: lines=%d accepted=%d rejected=%d warnings=%d communes=%d bureaux=%d addresses=%d",
        path.name,
        report.lines_read,
        report.accepted,
        report.rejected,
        len(report.warnings),
        len(communes),
        len(bureaux),
        len(addresses),
    )
    return Extract(path, sha256, extract_date, addresses, counts, bureaux, communes, report, geocoded)


def _read_batches(
    path: Path, csv_format, fields: dict[str, int], progress: Callable[[int], None] | None
) -> tuple[list[pa.RecordBatch], InvalidRows]:
    """Parse the file on several threads; parse again on one when a malformed row needs its number.

    pyarrow numbers a skipped row only when it parses on a single thread.
    """
    for threads in (True, False):
        invalid = InvalidRows()
        batches = []
        for batch in stream_columns(path, csv_format, fields, invalid, use_threads=threads):
            batches.append(batch)
            if progress and threads:
                progress(batch.nbytes)
        if not invalid.unnumbered:
            break
        logger.info("%s has malformed rows: parsing again on one thread to number them", path.name)
    return batches, invalid


def _to_frame(batches: list[pa.RecordBatch], fields: dict[str, int]) -> pd.DataFrame:
    names = {f"c{index}": name for name, index in fields.items()}
    if not batches:
        return pd.DataFrame(columns=list(fields))
    table = pa.Table.from_batches(batches)
    return table.rename_columns([names[name] for name in table.column_names]).to_pandas()


def _parse_list_date(text: str) -> date | None:
    text = text.strip()
    for pattern, order in ((r"^(\d{2})/(\d{2})/(\d{4})", "dmy"), (r"^(\d{4})-(\d{2})-(\d{2})", "ymd")):
        match = re.match(pattern, text)
        if match:
            parts = [int(group) for group in match.groups()]
            day, month, year = parts if order == "dmy" else parts[::-1]
            try:
                return date(year, month, day)
            except ValueError:
                return None
    return None
