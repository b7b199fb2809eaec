"""Read one voter-list extract into per-address and per-group voter counts.

This is the ingest stage's entry point: :func:`read_extract` detects the
file's format and layout, validates every row, drops personal fields while
reading and returns what the service stores. It writes nothing.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from ingest.addresses import ADDRESS_COLUMNS, build_addresses
from ingest.ages import age_bands
from ingest.errors import InvalidCommuneError, MissingCommuneError
from ingest.layouts import ColumnMap, detect_layout
from ingest.reader import InvalidRows, file_sha256, sniff, stream_columns
from ingest.report import ImportReport

logger = logging.getLogger(__name__)

COMMUNE_CODE = re.compile(r"^(?:\d{5}|2[AB]\d{3})$")
_FILE_COMMUNE = re.compile(r"com(\d[0-9AB]\d{3})(?![0-9A-Z])", re.IGNORECASE)
_FILE_DATE = re.compile(r"(?<!\d)(\d{2})-(\d{2})-(\d{4})(?!\d)")

LIST_TYPES = {
    "lp": "LP",
    "listeprincipale": "LP",
    "principale": "LP",
    "p": "LP",
    "g": "LP",
    "lcm": "LCM",
    "listecomplementairemunicipale": "LCM",
    "complementairemunicipale": "LCM",
    "municipale": "LCM",
    "m": "LCM",
    "lce": "LCE",
    "listecomplementaireeuropeenne": "LCE",
    "complementaireeuropeenne": "LCE",
    "europeenne": "LCE",
    "e": "LCE",
}
SEXES = {"f": "F", "feminin": "F", "femme": "F", "2": "F", "m": "M", "h": "M", "masculin": "M", "homme": "M", "1": "M"}
UNKNOWN = "inconnu"

ADDRESS_FIELDS = ("numero", "rep", "voie", "lieu_dit", "key")
GEO_FIELDS = ("lon", "lat", "geo_type", "geo_score", "geo_label", "geo_id")


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
    warnings_by_line: dict[int, list[str]] = field(default_factory=dict)


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


def bureau_code(raw: pd.Series) -> pd.Series:
    """Zero-pad numeric bureau codes to 4 characters (``1`` → ``0001``); keep others, upper-cased."""
    text = raw.str.strip().str.upper()
    numeric = text.str.fullmatch(r"\d+")
    padded = text.where(~numeric, text.str.lstrip("0").replace("", "0").str.zfill(4))
    return padded


def check_commune_code(code: str) -> str:
    """Return ``code`` upper-cased if it is a valid INSEE commune code, else raise."""
    code = code.strip().upper()
    if not COMMUNE_CODE.match(code):
        raise InvalidCommuneError(code=code)
    return code


@dataclass
class _Options:
    commune: str | None
    reference_date: date
    column_map: ColumnMap


def _lookup(values: pd.Series, table: dict[str, str]) -> pd.Series:
    keys = values.fillna("").str.normalize("NFKD").str.encode("ascii", "ignore").str.decode("ascii")
    keys = keys.str.lower().str.replace(r"[^a-z0-9]", "", regex=True)
    return keys.map(table)


def _prepare_batch(frame: pd.DataFrame, options: _Options, report: ImportReport, lines: np.ndarray) -> pd.DataFrame:
    """Validate one batch of rows and reduce it to the columns that are kept."""
    rows = len(frame)
    keep = np.ones(rows, dtype=bool)

    def reject(mask: np.ndarray, reason: str) -> None:
        mask = mask & keep
        if mask.any():
            report.add("rejection", lines[mask], reason)
            keep[mask] = False

    def warn(mask: np.ndarray, reason: str) -> None:
        mask = mask & keep
        if mask.any():
            report.add("warning", lines[mask], reason)

    # Commune: from the column, else from --commune or the file name.
    if "commune" in frame.columns:
        commune = frame["commune"].str.strip().str.upper()
        if options.commune:
            commune = commune.mask(commune == "", options.commune)
    else:
        commune = pd.Series(options.commune or "", index=frame.index)
    padded = commune.str.fullmatch(r"\d{4}")
    warn(padded.to_numpy(), "commune_completee")
    commune = commune.where(~padded, "0" + commune)
    reject((commune == "").to_numpy(), "commune_manquante")
    reject((~commune.str.match(COMMUNE_CODE)).to_numpy(), "commune_invalide")
    if options.commune and "commune" in frame.columns:
        reject((commune != options.commune).to_numpy(), "autre_commune")

    # Bureau: INSEE's table writes `{commune}_{n}`.
    raw_bureau = frame["bureau"].str.strip()
    if options.column_map.combined_bureau:
        raw_bureau = raw_bureau.str.replace(r"^[0-9AB]{5}_", "", regex=True)
    reject((raw_bureau == "").to_numpy(), "bureau_manquant")

    if "poids" in frame.columns:
        voters = pd.to_numeric(frame["poids"].str.strip(), errors="coerce")
        invalid = voters.isna() | (voters <= 0) | (voters != voters.round())
        reject(invalid.to_numpy(), "poids_invalide")
        voters = voters.where(~invalid, 0).astype("int64")
    else:
        voters = pd.Series(1, index=frame.index, dtype="int64")

    kept = pd.DataFrame(
        {
            "commune": commune,
            "bureau_raw": raw_bureau,
            "bureau_label": frame["bureau_label"].str.strip() if "bureau_label" in frame else "",
            "commune_label": frame["commune_label"].str.strip() if "commune_label" in frame else "",
            "voters": voters,
            "line": lines,
        }
    )[keep]
    if kept.empty:
        return kept
    frame = frame[keep]
    kept_lines = lines[keep]

    def warn_kept(mask: pd.Series, reason: str) -> None:
        if mask.any():
            report.add("warning", kept_lines[mask.to_numpy()], reason)

    # Address parts; complements are read here and dropped.
    address_input = frame[[c for c in ADDRESS_COLUMNS if c in frame.columns]]
    addresses = build_addresses(address_input)
    for column in ADDRESS_FIELDS:
        kept[column] = addresses[column].to_numpy()
    kept["code_postal"] = frame["code_postal"].str.strip().to_numpy() if "code_postal" in frame else ""
    kept["ville"] = frame["ville"].str.strip().to_numpy() if "ville" in frame else ""

    geocoded = "lon" in frame.columns
    if geocoded:
        lon = pd.to_numeric(frame["lon"].str.strip(), errors="coerce")
        lat = pd.to_numeric(frame["lat"].str.strip(), errors="coerce")
        bad = lon.isna() | lat.isna() | (lon.abs() > 180) | (lat.abs() > 90)
        warn_kept(bad, "coordonnees_invalides")
        kept["lon"] = lon.where(~bad).to_numpy()
        kept["lat"] = lat.where(~bad).to_numpy()
        kept["geo_score"] = pd.to_numeric(frame["geo_score"], errors="coerce").to_numpy() if "geo_score" in frame else np.nan
        for column in ("geo_type", "geo_label", "geo_id"):
            kept[column] = frame[column].str.strip().to_numpy() if column in frame else ""
        # A row of INSEE's table is a position: it is its own address.
        no_text = kept["key"] == "|||"
        position_key = "@" + kept["lon"].round(6).astype(str) + "," + kept["lat"].round(6).astype(str)
        kept["key"] = kept["key"].where(~no_text, position_key)
    else:
        warn_kept(pd.Series(addresses["key"].to_numpy() == "|||"), "adresse_vide")

    # Counts dimensions; the birth date is turned into a band and not kept.
    if "date_naissance" in frame.columns:
        bands, date_warnings = age_bands(frame["date_naissance"], options.reference_date)
        kept["tranche_age"] = bands.to_numpy()
        for reason in date_warnings.dropna().unique():
            warn_kept(date_warnings == reason, reason)
    else:
        kept["tranche_age"] = "inconnue"
    if "sexe" in frame.columns:
        sexe = _lookup(frame["sexe"], SEXES)
        warn_kept(sexe.isna(), "sexe_inconnu")
        kept["sexe"] = sexe.fillna(UNKNOWN).to_numpy()
    else:
        kept["sexe"] = UNKNOWN
    if "type_liste" in frame.columns:
        list_type = _lookup(frame["type_liste"], LIST_TYPES)
        warn_kept(list_type.isna(), "type_liste_inconnu")
        kept["type_liste"] = list_type.fillna(UNKNOWN).to_numpy()
    else:
        kept["type_liste"] = "LP"
    return kept


def _most_frequent(values: pd.Series) -> str:
    values = values[values != ""]
    return values.mode().iloc[0] if len(values) else ""


def _aggregate(rows: pd.DataFrame, geocoded: bool) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    rows = rows.copy()
    rows["bureau"] = rows["commune"] + "_" + bureau_code(rows["bureau_raw"])

    group = ["commune", "bureau", "key"]
    agg: dict[str, tuple[str, str]] = {
        "voters": ("voters", "sum"),
        "numero": ("numero", "first"),
        "rep": ("rep", "first"),
        "voie": ("voie", "first"),
        "lieu_dit": ("lieu_dit", "first"),
        "code_postal": ("code_postal", "first"),
        "ville": ("ville", "first"),
        "first_line": ("line", "min"),
    }
    if geocoded:
        for column in GEO_FIELDS:
            agg[column] = (column, "first")
    addresses = rows.groupby(group, sort=True, dropna=False).agg(**agg).reset_index()

    # Input lines per address, for evaluations matched by line.
    codes = rows.groupby(group, sort=True, dropna=False).ngroup().to_numpy()
    order = np.argsort(codes, kind="stable")
    line_values = rows["line"].to_numpy()[order].astype("<i4")
    bounds = np.searchsorted(codes[order], np.arange(len(addresses) + 1))
    addresses["lines"] = [line_values[bounds[i]: bounds[i + 1]].tobytes() for i in range(len(addresses))]

    counts = (
        rows.groupby(["commune", "bureau", "type_liste", "sexe", "tranche_age"], sort=True)["voters"]
        .sum()
        .reset_index()
    )
    bureaux = (
        rows.groupby(["commune", "bureau"], sort=True)
        .agg(
            code=("bureau_raw", "first"),
            label=("bureau_label", _most_frequent),
            voters=("voters", "sum"),
        )
        .reset_index()
    )
    bureaux["addresses"] = addresses.groupby("bureau").size().reindex(bureaux["bureau"]).fillna(0).astype(int).to_numpy()
    communes = (
        rows.groupby("commune", sort=True)
        .agg(label=("commune_label", _most_frequent), voters=("voters", "sum"))
        .reset_index()
    )
    return addresses, counts, bureaux, communes


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
    options = _Options(commune=commune, reference_date=extract_date or date.today(), column_map=column_map)

    invalid = InvalidRows()
    batches: list[pd.DataFrame] = []
    list_dates: list[str] = []
    ordinal = 0
    names = {f"c{index}": name for name, index in column_map.fields.items()}
    for batch in stream_columns(path, csv_format, column_map.fields, invalid):
        frame = batch.to_pandas().rename(columns=names)
        if "date_liste" in frame.columns and extract_date is None:
            list_dates.extend(frame["date_liste"].head(1).tolist())
        # Line numbers are fixed once every skipped row is known; keep ordinals now.
        ordinals = np.arange(ordinal, ordinal + len(frame))
        ordinal += len(frame)
        batches.append(frame.assign(_ordinal=ordinals))
        if progress:
            progress(batch.nbytes)

    if extract_date is None and list_dates:
        extract_date = _parse_list_date(list_dates[0])
        if extract_date:
            options.reference_date, date_source = extract_date, "date_liste"
    report.extract_date = extract_date.isoformat() if extract_date else None
    report.extract_date_source = date_source if extract_date else "today"

    # Record numbers: the header is line 1; rows the parser skipped keep their number.
    skipped = np.array(sorted(line for line in invalid.lines if line > 0), dtype=np.int64)
    total = ordinal + len(invalid.lines)
    all_lines = np.arange(2, total + 2, dtype=np.int64)
    valid_lines = np.setdiff1d(all_lines, skipped, assume_unique=True)[:ordinal]
    report.add("rejection", skipped, "colonnes_incorrectes")

    prepared = []
    for frame in batches:
        lines = valid_lines[frame.pop("_ordinal").to_numpy()]
        prepared.append(_prepare_batch(frame, options, report, lines))
    rows = pd.concat(prepared, ignore_index=True) if prepared else pd.DataFrame()
    del batches, prepared

    report.lines_read = total
    report.rejected = len({issue.line for issue in report.rejections})
    report.accepted = total - report.rejected
    geocoded = "lon" in column_map.fields
    if rows.empty:
        empty = pd.DataFrame()
        return Extract(path, sha256, extract_date, empty, empty, empty, empty, report, geocoded)

    addresses, counts, bureaux, communes = _aggregate(rows, geocoded)
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
