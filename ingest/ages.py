"""Turn birth dates into age bands at the extract's date, then forget them."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

AGE_BANDS = ("18-24", "25-34", "35-49", "50-64", "65-79", "80+")
UNKNOWN_BAND = "inconnue"
# Lower bounds of the bands above. Voters aged 17 on the extract's date (they
# turn 18 before the election) fall in the first band.
_BAND_STARTS = np.array([0, 25, 35, 50, 65, 80])
MAX_AGE = 120

# Warning codes of the import report.
DATE_PARTIAL = "date_naissance_partielle"
DATE_INVALID = "date_naissance_invalide"
DATE_MISSING = "date_naissance_manquante"

_FULL = r"^(?P<d>\d{1,2})[/.\-](?P<m>\d{1,2})[/.\-](?P<y>\d{4})$"
_ISO = r"^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})$"
_COMPACT = r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})$"
_YEAR = r"^(?P<y>\d{4})$"


def _parse_distinct(values: pd.Series, reference: date) -> pd.DataFrame:
    """Parse distinct birth-date strings into (age, warning code)."""
    text = values.fillna("").astype(str).str.strip()
    parts = pd.DataFrame(index=values.index, columns=["d", "m", "y"], dtype=object)
    for pattern in (_FULL, _ISO, _COMPACT, _YEAR):
        found = text.str.extract(pattern)
        fill = parts["y"].isna() & found["y"].notna()
        for column in found.columns:
            parts.loc[fill, column] = found.loc[fill, column]

    year = pd.to_numeric(parts["y"], errors="coerce")
    month = pd.to_numeric(parts["m"], errors="coerce")
    day = pd.to_numeric(parts["d"], errors="coerce")

    # `00/00/1953` and `1961`: only the year is known; the age is taken at 1 July.
    year_only = year.notna() & (month.isna() | (month == 0) | day.isna() | (day == 0))
    stamp = pd.to_datetime(
        {"year": year.where(~year_only), "month": month.where(~year_only), "day": day.where(~year_only)},
        errors="coerce",
    )
    valid_full = stamp.notna()

    age = pd.Series(np.nan, index=values.index)
    ref = pd.Timestamp(reference)
    full_age = ref.year - stamp.dt.year - ((stamp.dt.month > ref.month) | ((stamp.dt.month == ref.month) & (stamp.dt.day > ref.day)))
    age[valid_full] = full_age[valid_full]
    partial_age = ref.year - year - (ref.month < 7)
    age[year_only] = partial_age[year_only]

    warning = pd.Series(None, index=values.index, dtype=object)
    warning[text == ""] = DATE_MISSING
    warning[year_only] = DATE_PARTIAL
    invalid = (text != "") & ~year_only & ~valid_full
    out_of_range = age.notna() & ((age < 0) | (age > MAX_AGE))
    warning[invalid | out_of_range] = DATE_INVALID
    age[out_of_range] = np.nan
    return pd.DataFrame({"age": age, "warning": warning})


def age_bands(birth_dates: pd.Series, reference: date) -> tuple[pd.Series, pd.Series]:
    """Return the age band of each birth date on ``reference``, and a warning code or None.

    Accepted forms: ``DD/MM/YYYY`` (also with ``.`` or ``-``), ``YYYY-MM-DD``,
    ``YYYYMMDD``, and the partial ``00/00/YYYY`` or ``YYYY``, whose age is
    taken on 1 July of that year. Missing, impossible (``31/02/1980``) or
    out-of-range dates give the band ``inconnue``.
    """
    codes, uniques = pd.factorize(birth_dates, use_na_sentinel=True)
    distinct = pd.Series(list(uniques) + [None], dtype=object)
    parsed = _parse_distinct(distinct, reference)

    band_index = np.searchsorted(_BAND_STARTS, parsed["age"].to_numpy(), side="right") - 1
    labels = np.array(AGE_BANDS, dtype=object)[np.clip(band_index, 0, len(AGE_BANDS) - 1)]
    labels[parsed["age"].isna().to_numpy()] = UNKNOWN_BAND

    bands = pd.Series(labels[codes], index=birth_dates.index)
    warnings = pd.Series(parsed["warning"].to_numpy()[codes], index=birth_dates.index)
    return bands, warnings
