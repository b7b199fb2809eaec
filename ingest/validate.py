"""Validate the rows of an extract and reduce them to the columns the service keeps.

Every check runs on whole columns. A row that fails a check is rejected
with a reason code and takes no part in any count. A row with a
recoverable problem is kept and gets a warning code. Both are recorded in the import
report by line number only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from ingest.addresses import address_codes
from ingest.ages import age_bands
from ingest.layouts import ColumnMap
from ingest.report import ImportReport

COMMUNE_PATTERN = r"^(?:\d{5}|2[AB]\d{3})$"
COMMUNE_CODE = re.compile(COMMUNE_PATTERN)

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


@dataclass
class RowOptions:
    """Settings of validation besides the rows: the extract's commune and date, and its layout."""

    commune: str | None
    reference_date: date
    column_map: ColumnMap


@dataclass
class Rows:
    """The accepted rows: per-row columns, and the codes of their folded addresses."""

    frame: pd.DataFrame
    address_codes: np.ndarray
    address_table: pd.DataFrame


def _text(frame: pd.DataFrame, column: str) -> pd.Series:
    if column in frame.columns:
        return frame[column].fillna("").str.strip()
    return pd.Series("", index=frame.index, dtype="str")


def _map_distinct(values: pd.Series, table: dict[str, str]) -> pd.Series:
    """Map each value through ``table`` after folding it to lower-case ASCII letters and digits."""
    codes, uniques = pd.factorize(values.fillna(""))
    keys = pd.Series(uniques, dtype="str").str.normalize("NFKD").str.encode("ascii", "ignore").str.decode("ascii")
    keys = keys.str.lower().str.replace(r"[^a-z0-9]", "", regex=True)
    mapped = keys.map(table).to_numpy(dtype=object)
    return pd.Series(mapped[codes], index=values.index, dtype=object)


def _categories(frame: pd.DataFrame, column: str, clean) -> pd.Series:
    """Return ``clean(value)`` for every row as a categorical, calling ``clean`` once per distinct value."""
    values = frame[column] if column in frame.columns else pd.Series("", index=frame.index, dtype="str")
    codes, uniques = pd.factorize(values.fillna(""))
    cleaned_codes, cleaned = pd.factorize(pd.Series([clean(value) for value in uniques], dtype=object))
    if len(codes) and not len(uniques):
        cleaned_codes, cleaned = np.array([0]), pd.Index([clean("")])
    return pd.Series(pd.Categorical.from_codes(cleaned_codes[codes], categories=cleaned), index=frame.index)


def _bureau_part(value: str, combined: bool) -> str:
    value = value.strip()
    return re.sub(r"^[0-9AB]{5}_", "", value) if combined else value


def _communes(frame: pd.DataFrame, options: RowOptions) -> tuple[pd.Series, np.ndarray]:
    """Return each row's commune code and its status: ok, padded, empty, invalid or other."""
    values = frame["commune"] if "commune" in frame.columns else pd.Series("", index=frame.index, dtype="str")
    codes, uniques = pd.factorize(values.fillna(""))
    if len(codes) and not len(uniques):
        codes, uniques = np.zeros(len(codes), dtype=np.int64), [""]

    cleaned, statuses = [], []
    for value in uniques:
        code = value.strip().upper() or (options.commune or "")
        status = "ok"
        if re.fullmatch(r"\d{4}", code):
            code, status = "0" + code, "padded"
        if not code:
            status = "empty"
        elif not COMMUNE_CODE.match(code):
            status = "invalid"
        elif options.commune and "commune" in frame.columns and code != options.commune:
            status = "other"
        cleaned.append(code)
        statuses.append(status)

    cleaned_codes, categories = pd.factorize(pd.Series(cleaned, dtype=object))
    commune = pd.Series(pd.Categorical.from_codes(cleaned_codes[codes], categories=categories), index=frame.index)
    return commune, np.array(statuses, dtype=object)[codes]


def validate_rows(frame: pd.DataFrame, options: RowOptions, report: ImportReport, lines: np.ndarray) -> Rows:
    """Check every row of ``frame`` (fields as columns, all strings) and keep what is needed.

    ``lines`` gives each row's line number in the file, for the report.
    """
    keep = np.ones(len(frame), dtype=bool)

    def reject(mask: np.ndarray, reason: str) -> None:
        mask = np.asarray(mask, dtype=bool) & keep
        if mask.any():
            report.add("rejection", lines[mask], reason)
            keep[mask] = False

    def warn(mask: np.ndarray, reason: str) -> None:
        mask = np.asarray(mask, dtype=bool) & keep
        if mask.any():
            report.add("warning", lines[mask], reason)

    # Commune and bureau codes are checked once per distinct value.
    commune, commune_status = _communes(frame, options)
    reject(commune_status == "empty", "commune_manquante")
    reject(commune_status == "invalid", "commune_invalide")
    reject(commune_status == "other", "autre_commune")
    warn(commune_status == "padded", "commune_completee")

    # Bureau: INSEE's table writes `{commune}_{n}`.
    raw_bureau = _categories(frame, "bureau", lambda value: _bureau_part(value, options.column_map.combined_bureau))
    reject((raw_bureau == "").to_numpy(), "bureau_manquant")

    if "poids" in frame.columns:
        voters = pd.to_numeric(_text(frame, "poids"), errors="coerce")
        invalid = (voters.isna() | (voters <= 0) | (voters != voters.round())).to_numpy()
        reject(invalid, "poids_invalide")
        voters = voters.where(~invalid, 0).astype("int64")
    else:
        voters = pd.Series(1, index=frame.index, dtype="int64")

    kept = pd.DataFrame(
        {
            "commune": commune,
            "bureau_raw": raw_bureau,
            "bureau_label": _text(frame, "bureau_label"),
            "commune_label": _text(frame, "commune_label"),
            "code_postal": _text(frame, "code_postal"),
            "ville": _text(frame, "ville"),
            "voters": voters,
            "line": lines,
        }
    )
    if not keep.all():
        kept = kept[keep]
        frame = frame[keep]
        # A commune whose every row was rejected must not survive as an empty
        # category: storing the extract would replace that commune's data.
        for column in ("commune", "bureau_raw"):
            if isinstance(kept[column].dtype, pd.CategoricalDtype):
                kept[column] = kept[column].cat.remove_unused_categories()
    kept_lines = lines[keep]

    def warn_kept(mask, reason: str) -> None:
        mask = np.asarray(mask, dtype=bool)
        if mask.any():
            report.add("warning", kept_lines[mask], reason)

    codes, table = _addresses(frame, kept)
    if "lon" not in frame.columns:
        empty_key = (table["key"] == "|||").to_numpy()
        warn_kept(empty_key[codes], "adresse_vide")

    # Count dimensions. The birth date becomes a band here and is not kept.
    if "date_naissance" in frame.columns:
        bands, date_warnings = age_bands(frame["date_naissance"], options.reference_date)
        kept["tranche_age"] = pd.Categorical(bands.to_numpy())
        for reason in date_warnings.dropna().unique():
            warn_kept((date_warnings == reason).to_numpy(), reason)
    else:
        kept["tranche_age"] = "inconnue"
    if "sexe" in frame.columns:
        sexe = _map_distinct(frame["sexe"], SEXES)
        warn_kept(sexe.isna().to_numpy(), "sexe_inconnu")
        kept["sexe"] = pd.Categorical(sexe.fillna(UNKNOWN).to_numpy())
    else:
        kept["sexe"] = UNKNOWN
    if "type_liste" in frame.columns:
        list_type = _map_distinct(frame["type_liste"], LIST_TYPES)
        warn_kept(list_type.isna().to_numpy(), "type_liste_inconnu")
        kept["type_liste"] = pd.Categorical(list_type.fillna(UNKNOWN).to_numpy())
    else:
        kept["type_liste"] = "LP"

    if "lon" in frame.columns:
        _positions(frame, kept, warn_kept)
    return Rows(kept.reset_index(drop=True), codes, table)


def _addresses(frame: pd.DataFrame, kept: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame]:
    codes, table = address_codes(frame)
    if "lon" not in frame.columns or (table["key"] != "|||").any():
        return codes, table
    # A row of INSEE's table is a position, with no address text: the
    # position is its own address.
    position = "@" + _text(frame, "lon") + "," + _text(frame, "lat")
    codes, uniques = pd.factorize(position)
    table = pd.DataFrame({"numero": "", "rep": "", "voie": "", "lieu_dit": "", "key": list(uniques)})
    return codes.astype(np.int64), table


def _positions(frame: pd.DataFrame, kept: pd.DataFrame, warn_kept) -> None:
    lon = pd.to_numeric(_text(frame, "lon"), errors="coerce")
    lat = pd.to_numeric(_text(frame, "lat"), errors="coerce")
    bad = (lon.isna() | lat.isna() | (lon.abs() > 180) | (lat.abs() > 90)).to_numpy()
    warn_kept(bad, "coordonnees_invalides")
    kept["lon"] = lon.where(~bad).to_numpy()
    kept["lat"] = lat.where(~bad).to_numpy()
    kept["geo_score"] = pd.to_numeric(frame["geo_score"], errors="coerce").to_numpy() if "geo_score" in frame else np.nan
    for column in ("geo_type", "geo_label", "geo_id"):
        kept[column] = _text(frame, column).to_numpy()
