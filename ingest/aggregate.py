"""Aggregate accepted rows into per-address and per-group voter counts.

Groups are found on integer codes with numpy rather than on strings, so the
cost stays close to that of sorting one integer column.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ingest.validate import Rows

GEO_FIELDS = ("lon", "lat", "geo_type", "geo_score", "geo_label", "geo_id")


def bureau_code(raw: pd.Series) -> pd.Series:
    """Zero-pad numeric bureau codes to 4 characters (``1`` → ``0001``); keep others, upper-cased."""
    text = raw.str.strip().str.upper()
    numeric = text.str.fullmatch(r"\d+")
    return text.where(~numeric, text.str.lstrip("0").replace("", "0").str.zfill(4))


def _codes(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    if isinstance(values.dtype, pd.CategoricalDtype):
        return values.cat.codes.to_numpy().astype(np.int64), np.asarray(values.cat.categories, dtype=object)
    codes, uniques = pd.factorize(values)
    return codes.astype(np.int64), np.asarray(uniques, dtype=object)


def _bureau_ids(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return each row's bureau code, the bureau ids ``{commune}_{code}``, and each bureau's raw code."""
    commune_codes, communes = _codes(frame["commune"])
    raw_codes, raws = _codes(frame["bureau_raw"])
    padded = bureau_code(pd.Series(raws, dtype="str")).to_numpy(dtype=object) if len(raws) else np.array([], dtype=object)
    # Raw codes `1` and `0001` name the same bureau: group on the padded code.
    padded_codes, padded_uniques = pd.factorize(pd.Series(padded, dtype=object))
    row_padded = padded_codes[raw_codes] if len(raw_codes) else raw_codes
    groups, first_rows = _group((commune_codes, len(communes)), (row_padded, len(padded_uniques)))
    ids = np.array(
        [f"{communes[commune_codes[row]]}_{padded_uniques[row_padded[row]]}" for row in first_rows], dtype=object
    )
    first_raw = raws[raw_codes[first_rows]] if len(first_rows) else np.array([], dtype=object)
    return groups, ids, first_raw


def _group(*columns: tuple[np.ndarray, int]) -> tuple[np.ndarray, np.ndarray]:
    """Group rows on several code columns: return each row's group and each group's first row."""
    combined = np.zeros(len(columns[0][0]), dtype=np.int64)
    for codes, size in columns:
        combined, _ = pd.factorize(combined * (size + 1) + codes)
    # factorize numbers groups in order of first appearance, so a row opens a
    # group exactly where its code exceeds every code before it.
    if not len(combined):
        return combined, combined
    previous_max = np.maximum.accumulate(np.concatenate(([-1], combined[:-1])))
    first_rows = np.flatnonzero(combined > previous_max)
    return combined.astype(np.int64), first_rows


def _first_non_empty(groups: np.ndarray, values: pd.Series, count: int) -> np.ndarray:
    result = np.full(count, "", dtype=object)
    present = np.flatnonzero((values != "").to_numpy())
    if len(present):
        found, first = np.unique(groups[present], return_index=True)
        result[found] = values.iloc[present[first]].to_numpy(dtype=object)
    return result


def aggregate(rows: Rows, geocoded: bool) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Return (addresses, counts, bureaux, communes) from the accepted rows.

    - addresses: one row per (commune, bureau, address key), with voters and
      the input line numbers it covers (``lines``: little-endian int32 bytes);
    - counts: voters per (commune, bureau, type_liste, sexe, tranche_age);
    - bureaux: id, raw code, label, voters and number of addresses;
    - communes: code, label and voters.
    """
    frame = rows.frame
    voters = frame["voters"].to_numpy(dtype=np.int64)

    bureau_codes, bureau_uniques, bureau_raw = _bureau_ids(frame)
    bureau_count = len(bureau_uniques)

    # Addresses: one group per (bureau, folded address).
    address_groups, first_rows = _group((bureau_codes, bureau_count), (rows.address_codes, len(rows.address_table)))
    group_count = len(first_rows)
    first = frame.iloc[first_rows].reset_index(drop=True)
    parts = rows.address_table.iloc[rows.address_codes[first_rows]].reset_index(drop=True)
    addresses = pd.DataFrame(
        {
            "commune": first["commune"].to_numpy(dtype=object),
            "bureau": bureau_uniques[bureau_codes[first_rows]],
            "key": parts["key"].to_numpy(),
            "numero": parts["numero"].to_numpy(),
            "rep": parts["rep"].to_numpy(),
            "voie": parts["voie"].to_numpy(),
            "lieu_dit": parts["lieu_dit"].to_numpy(),
            "code_postal": first["code_postal"].to_numpy(),
            "ville": first["ville"].to_numpy(),
            "voters": np.bincount(address_groups, weights=voters, minlength=group_count).astype(np.int64),
        }
    )
    if geocoded:
        for column in GEO_FIELDS:
            addresses[column] = first[column].to_numpy()

    order = np.argsort(address_groups, kind="stable")
    line_values = frame["line"].to_numpy()[order].astype("<i4")
    bounds = np.searchsorted(address_groups[order], np.arange(group_count + 1))
    addresses["lines"] = [line_values[bounds[i]: bounds[i + 1]].tobytes() for i in range(group_count)]

    # Counts per bureau, list type, sex and age band.
    dimensions = [(bureau_codes, bureau_count)]
    uniques_by_dimension = []
    for column in ("type_liste", "sexe", "tranche_age"):
        codes, uniques = _codes(frame[column])
        dimensions.append((codes, len(uniques)))
        uniques_by_dimension.append((column, codes, uniques))
    count_groups, count_first = _group(*dimensions)
    counts = pd.DataFrame(
        {
            "commune": frame["commune"].to_numpy(dtype=object)[count_first],
            "bureau": bureau_uniques[bureau_codes[count_first]],
            **{column: uniques[codes[count_first]] for column, codes, uniques in uniques_by_dimension},
            "voters": np.bincount(count_groups, weights=voters, minlength=len(count_first)).astype(np.int64),
        }
    ).sort_values(["bureau", "type_liste", "sexe", "tranche_age"]).reset_index(drop=True)

    bureaux = pd.DataFrame(
        {
            "commune": [bureau.rsplit("_", 1)[0] for bureau in bureau_uniques],
            "bureau": bureau_uniques,
            "code": bureau_raw,
            "label": _first_non_empty(bureau_codes, frame["bureau_label"], bureau_count),
            "voters": np.bincount(bureau_codes, weights=voters, minlength=bureau_count).astype(np.int64),
            "addresses": np.bincount(bureau_codes[first_rows], minlength=bureau_count).astype(np.int64),
        }
    ).sort_values("bureau").reset_index(drop=True)

    commune_codes, commune_uniques = _codes(frame["commune"])
    communes = pd.DataFrame(
        {
            "commune": commune_uniques,
            "label": _first_non_empty(commune_codes, frame["commune_label"], len(commune_uniques)),
            "voters": np.bincount(commune_codes, weights=voters, minlength=len(commune_uniques)).astype(np.int64),
        }
    ).sort_values("commune").reset_index(drop=True)
    return addresses, counts, bureaux, communes
