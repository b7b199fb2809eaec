"""Detect the encoding and separator of a CSV extract and stream its columns.

Only the columns mapped to a field are decoded: pyarrow skips the others
while parsing, so names, birthplaces and nationality never become Python
objects.
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

from ingest.errors import ExtractNotFoundError, NotCsvError

logger = logging.getLogger(__name__)

SNIFF_BYTES = 256 * 1024
DELIMITERS = (";", ",", "\t", "|")
BLOCK_SIZE = 16 * 1024 * 1024


@dataclass
class CsvFormat:
    """Encoding, separator and header row of one file."""

    encoding: str
    delimiter: str
    header: list[str]


@dataclass
class InvalidRows:
    """Rows the parser skipped because their number of fields is wrong."""

    lines: list[int] = field(default_factory=list)
    unnumbered: int = 0

    def handle(self, row: pacsv.InvalidRow) -> str:
        # pyarrow numbers records from 1, the header being record 1, and
        # gives no number when it parses on several threads.
        if row.number is None:
            self.unnumbered += 1
        else:
            self.lines.append(row.number)
        return "skip"


def file_sha256(path: Path) -> str:
    """Return the SHA-256 of a file's bytes, as lower-case hex."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _decode_head(head: bytes, path: Path) -> tuple[str, str]:
    if b"\x00" in head:
        raise NotCsvError(path=str(path), reason={"fr": "contenu binaire", "en": "binary content"})
    if head.startswith(b"\xef\xbb\xbf"):
        return "utf-8", head[3:].decode("utf-8", errors="ignore")
    try:
        # A multi-byte character may be cut at the end of the sample.
        return "utf-8", head.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.start >= len(head) - 3:
            return "utf-8", head[: error.start].decode("utf-8")
    # Windows-1252 is a superset of Latin-1 for printable characters and is what
    # spreadsheet software writes in France; undefined bytes fall back to Latin-1.
    try:
        return "cp1252", head.decode("cp1252")
    except UnicodeDecodeError:
        return "latin-1", head.decode("latin-1")


def _first_record(text: str, delimiter: str) -> list[str]:
    reader = csv.reader(io.StringIO(text.replace("\r\n", "\n").replace("\r", "\n")), delimiter=delimiter)
    try:
        return next(reader, [])
    except csv.Error:
        # A quote left open runs past csv's field size limit: not a header.
        return []


def sniff(path: Path) -> CsvFormat:
    """Detect encoding, separator and header of ``path``.

    Raises
    ------
    ExtractNotFoundError
        When the file does not exist.
    NotCsvError
        When the file is empty, binary or has a single column.
    """
    if not path.is_file():
        raise ExtractNotFoundError(path=str(path))
    with path.open("rb") as stream:
        head = stream.read(SNIFF_BYTES)
    if not head.strip():
        raise NotCsvError(path=str(path), reason={"fr": "fichier vide", "en": "empty file"})
    encoding, text = _decode_head(head, path)

    # The separator is the candidate that splits the header into the most
    # fields; quoted separators inside a header are counted correctly by csv.
    best: tuple[int, str, list[str]] = (1, "", [])
    for delimiter in DELIMITERS:
        header = _first_record(text, delimiter)
        if len(header) > best[0]:
            best = (len(header), delimiter, header)
    count, delimiter, header = best
    if count < 2:
        raise NotCsvError(path=str(path), reason={"fr": "une seule colonne", "en": "a single column"})

    header = [name.strip() for name in header]
    logger.debug("sniffed %s: encoding=%s delimiter=%r columns=%d", path.name, encoding, delimiter, count)
    return CsvFormat(encoding=encoding, delimiter=delimiter, header=header)


def stream_columns(
    path: Path, csv_format: CsvFormat, columns: dict[str, int], invalid: InvalidRows, use_threads: bool = False
) -> Iterator[pa.RecordBatch]:
    """Yield record batches holding only ``columns`` (field name → column index), as strings.

    Rows with the wrong number of fields are skipped and their line numbers
    appended to ``invalid``.
    """
    width = len(csv_format.header)
    names = [f"c{i}" for i in range(width)]
    include = [f"c{index}" for index in sorted(set(columns.values()))]
    read_options = pacsv.ReadOptions(
        column_names=names,
        skip_rows_after_names=1,
        encoding=csv_format.encoding,
        block_size=BLOCK_SIZE,
        use_threads=use_threads,
    )
    parse_options = pacsv.ParseOptions(
        delimiter=csv_format.delimiter,
        newlines_in_values=True,
        invalid_row_handler=invalid.handle,
    )
    convert_options = pacsv.ConvertOptions(
        include_columns=include,
        column_types={name: pa.string() for name in include},
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
    )
    try:
        reader = pacsv.open_csv(
            path, read_options=read_options, parse_options=parse_options, convert_options=convert_options
        )
        for batch in reader:
            yield batch
    except (pa.ArrowInvalid, UnicodeDecodeError) as error:
        # Arrow's message may quote a row of the file; keep it out of user output.
        logger.warning("parsing %s failed: %s", path.name, type(error).__name__)
        raise NotCsvError(path=str(path), reason={"fr": "CSV mal formé", "en": "malformed CSV"}) from error
