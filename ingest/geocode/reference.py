"""Build, save and reopen the local index of BAN addresses that the geocoder matches against.

The index keeps the reference rows (one per BAN id) and tables derived from
them: streets (one per commune, former commune and street key), house numbers,
lieux-dits, communes and the names and postcodes that point to a commune. It is
stored as Parquet files plus ``meta.json`` in one directory.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ingest.geocode.errors import (
    EmptyReferenceError,
    IndexStoreError,
    ReferenceFormatError,
    ReferenceNotFoundError,
)
from ingest.geocode.normalise import canonical, street_key

logger = logging.getLogger(__name__)

FORMAT_VERSION = 1

# Columns every reference file must have. The reduced header of a BAN-like
# extract has these plus code_postal, nom_commune and type_position.
REQUIRED_COLUMNS = ("id", "numero", "rep", "nom_voie", "code_insee", "lon", "lat")
OPTIONAL_COLUMNS = (
    "id_fantoir",
    "code_postal",
    "nom_commune",
    "code_insee_ancienne_commune",
    "nom_ancienne_commune",
    "type_position",
    "nom_ld",
    "libelle_acheminement",
)
# The BAN writes lieux-dits without house numbers with this number.
LIEU_DIT_NUMERO = 99999

ROW_COLUMNS = (
    "id", "numero", "rep", "nom_voie", "code_insee", "lon", "lat", *OPTIONAL_COLUMNS, "source",
)
TABLES = ("rows", "streets", "numbers", "localities", "communes", "aliases")


@dataclass
class ReferenceIndex:
    """Local index of BAN addresses: reference rows and the lookup tables derived from them.

    ``sources`` maps the SHA-256 of each loaded file to its file name.
    """

    rows: pd.DataFrame
    streets: pd.DataFrame
    numbers: pd.DataFrame
    localities: pd.DataFrame
    communes: pd.DataFrame
    aliases: pd.DataFrame
    sources: dict[str, str] = field(default_factory=dict)

    @classmethod
    def build(cls, paths: Iterable[str | Path]) -> ReferenceIndex:
        """Build an index from BAN files (``adresses-DEP.csv`` or ``.csv.gz``, full or reduced header)."""
        index = cls.empty()
        index.add(paths)
        return index

    @classmethod
    def empty(cls) -> ReferenceIndex:
        """Return an index with no address."""
        rows = _empty_rows()
        return cls(rows=rows, **_derive(rows), sources={})

    @classmethod
    def open(cls, directory: str | Path) -> ReferenceIndex:
        """Reopen an index saved with :meth:`save`."""
        directory = Path(directory)
        meta_path = directory / "meta.json"
        if not meta_path.is_file():
            raise IndexStoreError(path=str(directory), reason="meta.json is missing")
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as error:
            raise IndexStoreError(path=str(directory), reason=f"meta.json is unreadable ({error})") from error
        if meta.get("format_version") != FORMAT_VERSION:
            raise IndexStoreError(
                path=str(directory),
                reason=f"format version {meta.get('format_version')!r}, this program reads {FORMAT_VERSION}",
            )

        tables: dict[str, pd.DataFrame] = {}
        for name in TABLES:
            path = directory / f"{name}.parquet"
            try:
                tables[name] = pd.read_parquet(path)
            except (OSError, ValueError) as error:
                raise IndexStoreError(path=str(directory), reason=f"{path.name} is unreadable ({error})") from error

        logger.info("Opened reference index %s: %d rows from %d files", directory, len(tables["rows"]), len(meta["sources"]))
        return cls(**tables, sources=dict(meta["sources"]))

    def save(self, directory: str | Path) -> None:
        """Write the index to a directory (created when missing), replacing a previous index there."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        for name in TABLES:
            getattr(self, name).to_parquet(directory / f"{name}.parquet", index=False)
        meta = {"format_version": FORMAT_VERSION, "sources": self.sources, "rows": len(self.rows)}
        # meta.json last, so a directory whose save was interrupted fails to open.
        (directory / "meta.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False), encoding="utf-8")
        logger.info("Saved reference index to %s: %d rows", directory, len(self.rows))

    def add(self, paths: Iterable[str | Path]) -> list[Path]:
        """Load files not yet in the index and return those loaded.

        A file whose SHA-256 is already recorded is skipped, so loading the same
        file twice is a no-op. A file with the name of a loaded file but other
        content replaces that file's rows (a newer BAN edition of the same
        département). Rows with an id seen in an earlier file replace it.
        """
        loaded: list[Path] = []
        frames = [self.rows]
        sources = dict(self.sources)
        for path in paths:
            path = Path(path)
            digest = file_sha256(path)
            if digest in sources:
                logger.info("Reference file %s is already loaded (sha256 %s)", path, digest[:12])
                continue

            replaced = [sha for sha, name in sources.items() if name == path.name]
            for sha in replaced:
                logger.info("Reference file %s replaces its earlier version (sha256 %s)", path, sha[:12])
                frames = [frame[frame["source"] != sha] for frame in frames]
                del sources[sha]

            rows = read_reference(path)
            rows["source"] = digest
            frames.append(rows)
            sources[digest] = path.name
            loaded.append(path)

        if not loaded:
            return loaded

        rows = pd.concat(frames, ignore_index=True)
        rows = rows.drop_duplicates(subset="id", keep="last").reset_index(drop=True)
        derived = _derive(rows)
        self.rows = rows
        for name, table in derived.items():
            setattr(self, name, table)
        self.sources = sources
        logger.info(
            "Reference index holds %d rows: %d streets, %d house numbers, %d lieux-dits, %d communes",
            len(rows), len(self.streets), len(self.numbers), len(self.localities), len(self.communes),
        )
        return loaded

    def contains(self, path: str | Path) -> bool:
        """Tell whether this exact file (same SHA-256) is already loaded."""
        return file_sha256(Path(path)) in self.sources


def file_sha256(path: Path) -> str:
    """Return the SHA-256 of a file's bytes, as hexadecimal."""
    if not path.is_file():
        raise ReferenceNotFoundError(path=str(path))
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_reference(path: Path) -> pd.DataFrame:
    """Read one BAN file into reference rows, with a street key per row.

    Rows without valid coordinates are dropped and counted in the log.
    """
    header = _read_header(path)
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    if missing:
        raise ReferenceFormatError(path=str(path), missing=", ".join(missing), required=", ".join(REQUIRED_COLUMNS))

    usecols = [column for column in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS) if column in header]
    frame = pd.read_csv(
        path,
        sep=";",
        usecols=usecols,
        dtype=str,
        keep_default_na=False,
        encoding="utf-8-sig",
        engine="c",
    )
    if frame.empty:
        raise EmptyReferenceError(path=str(path), reason="no data line after the header")

    rows = pd.DataFrame({"id": frame["id"].str.strip()})
    rows["numero"] = pd.to_numeric(frame["numero"].str.strip(), errors="coerce").astype("Int64")
    rows["rep"] = frame["rep"].str.strip().str.lower()
    rows["nom_voie"] = frame["nom_voie"].str.strip()
    rows["code_insee"] = frame["code_insee"].str.strip()
    rows["lon"] = pd.to_numeric(frame["lon"], errors="coerce")
    rows["lat"] = pd.to_numeric(frame["lat"], errors="coerce")
    for column in OPTIONAL_COLUMNS:
        rows[column] = frame[column].str.strip() if column in frame else ""

    valid = rows["lon"].between(-180, 180) & rows["lat"].between(-90, 90) & (rows["id"] != "") & (rows["code_insee"] != "")
    dropped = int((~valid).sum())
    if dropped:
        logger.warning("Reference file %s: %d rows without id, commune or valid coordinates were skipped", path, dropped)
    rows = rows[valid].reset_index(drop=True)
    if rows.empty:
        raise EmptyReferenceError(path=str(path), reason="no row has an id, a commune and valid coordinates")

    logger.info("Read %d reference rows from %s", len(rows), path)
    return rows


def _read_header(path: Path) -> list[str]:
    if not path.is_file():
        raise ReferenceNotFoundError(path=str(path))
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rt", encoding="utf-8-sig") as handle:
            line = handle.readline()
    except (OSError, UnicodeDecodeError) as error:
        raise EmptyReferenceError(path=str(path), reason=f"unreadable: {error}") from error
    if not line.strip():
        raise EmptyReferenceError(path=str(path), reason="the file is empty")
    return [column.strip().strip('"') for column in line.rstrip("\r\n").split(";")]


def _empty_rows() -> pd.DataFrame:
    rows = pd.DataFrame({column: pd.Series(dtype=object) for column in ROW_COLUMNS})
    rows["numero"] = rows["numero"].astype("Int64")
    rows["lon"] = rows["lon"].astype(float)
    rows["lat"] = rows["lat"].astype(float)
    return rows


def _map_distinct(values: pd.Series, function) -> np.ndarray:
    codes, uniques = pd.factorize(values)
    mapped = np.array([function(value) for value in uniques] + [""], dtype=object)
    return mapped[codes]


def _derive(rows: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Derive the lookup tables (streets, numbers, lieux-dits, communes, aliases) from reference rows."""
    rows = rows.copy()
    rows["street_key"] = _map_distinct(rows["nom_voie"].astype(object), street_key)
    numero = rows["numero"]
    is_lieu_dit = numero.eq(LIEU_DIT_NUMERO).fillna(False).to_numpy(dtype=bool)
    is_number = numero.notna().to_numpy() & ~is_lieu_dit
    is_segment = numero.isna().to_numpy()

    streets, numbers = _derive_streets(rows, is_number, is_segment)
    return {
        "streets": streets,
        "numbers": numbers,
        "localities": _derive_localities(rows, is_lieu_dit),
        "communes": _derive_communes(rows),
        "aliases": _derive_aliases(rows),
    }


def _derive_streets(rows: pd.DataFrame, is_number: np.ndarray, is_segment: np.ndarray) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Group rows by commune, former commune and street key into streets and their house numbers.

    A street's position is its BAN street-level row when the file has one
    (``segment`` rows of a reduced extract), otherwise the centroid of its
    house numbers.
    """
    street_rows = rows[(is_number | is_segment) & (rows["street_key"] != "")]
    group_columns = ["code_insee", "code_insee_ancienne_commune", "street_key"]
    if street_rows.empty:
        streets = pd.DataFrame(
            columns=["street_idx", *group_columns, "nom_voie", "street_id", "code_postal", "nom_commune",
                     "nom_ancienne_commune", "lon", "lat", "numbers"]
        )
        numbers = pd.DataFrame(columns=["street_idx", "numero", "rep", "id", "lon", "lat"])
        return streets.astype({"street_idx": "int64", "lon": float, "lat": float, "numbers": "int64"}), numbers

    grouped = street_rows.groupby(group_columns, sort=True, dropna=False)
    street_idx = grouped.ngroup().to_numpy()
    street_rows = street_rows.assign(street_idx=street_idx)

    first = street_rows.sort_values("street_idx", kind="stable").drop_duplicates("street_idx")
    streets = first[["street_idx", *group_columns, "nom_voie", "code_postal", "nom_commune", "nom_ancienne_commune"]].copy()
    streets = streets.set_index("street_idx")

    numbered = street_rows[street_rows["numero"].notna()]
    centroid = numbered.groupby("street_idx")[["lon", "lat"]].mean()
    count = numbered.groupby("street_idx").size()
    segments = street_rows[street_rows["numero"].isna()].drop_duplicates("street_idx").set_index("street_idx")

    streets["lon"] = segments["lon"].combine_first(centroid["lon"])
    streets["lat"] = segments["lat"].combine_first(centroid["lat"])
    streets["numbers"] = count.reindex(streets.index, fill_value=0).astype("int64")
    streets["street_id"] = segments["id"].reindex(streets.index)
    fantoir = numbered.drop_duplicates("street_idx").set_index("street_idx")["id_fantoir"].replace("", None)
    streets["street_id"] = streets["street_id"].combine_first(fantoir.reindex(streets.index))
    synthetic = [
        f"{insee}_{hashlib.sha1(f'{former}|{key}'.encode()).hexdigest()[:8]}"
        for insee, former, key in zip(streets["code_insee"], streets["code_insee_ancienne_commune"], streets["street_key"])
    ]
    streets["street_id"] = streets["street_id"].fillna(pd.Series(synthetic, index=streets.index))
    streets = streets.reset_index()

    numbers = numbered[["street_idx", "numero", "rep", "id", "lon", "lat"]].copy()
    numbers["numero"] = numbers["numero"].astype("int64")
    numbers = numbers.sort_values(["street_idx", "numero", "rep"], kind="stable").reset_index(drop=True)
    # Without `entrée` / `segment` ranking, the first row of a duplicated number wins.
    numbers = numbers.drop_duplicates(["street_idx", "numero", "rep"]).reset_index(drop=True)
    return streets, numbers


def _derive_localities(rows: pd.DataFrame, is_lieu_dit: np.ndarray) -> pd.DataFrame:
    """Collect lieux-dits: BAN rows numbered 99999, and the centroid of each ``nom_ld``."""
    columns = ["code_insee", "locality_key", "name", "locality_id", "lon", "lat", "code_postal", "nom_commune"]
    named = rows[is_lieu_dit][["code_insee", "nom_voie", "id", "lon", "lat", "code_postal", "nom_commune"]]
    named = named.rename(columns={"nom_voie": "name", "id": "locality_id"})

    with_ld = rows[rows["nom_ld"] != ""]
    if not with_ld.empty:
        grouped = with_ld.groupby(["code_insee", "nom_ld"], sort=False)
        from_ld = grouped.agg(
            lon=("lon", "mean"), lat=("lat", "mean"), code_postal=("code_postal", "first"), nom_commune=("nom_commune", "first")
        ).reset_index().rename(columns={"nom_ld": "name"})
        from_ld["locality_id"] = [
            f"{insee}_ld_{hashlib.sha1(name.encode()).hexdigest()[:8]}"
            for insee, name in zip(from_ld["code_insee"], from_ld["name"])
        ]
        named = pd.concat([named, from_ld], ignore_index=True)

    localities = named.copy()
    localities["locality_key"] = _map_distinct(localities["name"].astype(object), street_key) if len(localities) else []
    localities = localities[localities["locality_key"] != ""]
    # A numbered lieu-dit row comes before a nom_ld centroid of the same name.
    localities = localities.drop_duplicates(["code_insee", "locality_key"]).reset_index(drop=True)
    return localities[columns] if len(localities) else pd.DataFrame(columns=columns).astype({"lon": float, "lat": float})


def _derive_communes(rows: pd.DataFrame) -> pd.DataFrame:
    """Summarise each commune: name, main postcode and the centroid of its addresses."""
    columns = ["code_insee", "nom_commune", "code_postal", "lon", "lat"]
    if rows.empty:
        return pd.DataFrame(columns=columns).astype({"lon": float, "lat": float})
    grouped = rows.groupby("code_insee", sort=True)
    communes = grouped.agg(lon=("lon", "mean"), lat=("lat", "mean")).reset_index()
    names = grouped["nom_commune"].agg(_most_common)
    postcodes = grouped["code_postal"].agg(_most_common)
    communes["nom_commune"] = names.to_numpy()
    communes["code_postal"] = postcodes.to_numpy()
    return communes[columns]


def _derive_aliases(rows: pd.DataFrame) -> pd.DataFrame:
    """List what points to a commune: its names, former communes, postal names, postcodes and former codes."""
    pieces = []
    for column, kind in (
        ("nom_commune", "name"),
        ("nom_ancienne_commune", "name"),
        ("libelle_acheminement", "name"),
        ("code_postal", "postcode"),
        ("code_insee_ancienne_commune", "code"),
    ):
        pairs = rows[["code_insee", column]].drop_duplicates()
        pairs = pairs[pairs[column] != ""]
        pieces.append(pd.DataFrame({"kind": kind, "value": pairs[column].to_numpy(), "code_insee": pairs["code_insee"].to_numpy()}))
    aliases = pd.concat(pieces, ignore_index=True)
    names = aliases["kind"] == "name"
    aliases.loc[names, "value"] = [canonical(value) for value in aliases.loc[names, "value"]]
    return aliases.drop_duplicates().reset_index(drop=True)


def _most_common(values: pd.Series) -> str:
    values = values[values != ""]
    if values.empty:
        return ""
    return str(values.value_counts().index[0])
