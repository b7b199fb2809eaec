"""Geocode addresses against a :class:`ReferenceIndex`, with no network.

The ladder, within the address's commune, tries in order:

1. the exact house number and suffix;
2. the same number with another spelling of its suffix, or without it;
3. interpolation between the nearest numbers of the same parity;
4. the street's position;
5. a lieu-dit;
6. the commune's centroid.

Street names are matched exactly on their key first, then fuzzily among the
commune's streets. A street that exists without the number keeps the address
(steps 3 and 4). Another street of the same name that holds the number is used
only when the commune has no street of the query's type with that name
(`AV DU CLOSEAU` for `Cité du Closeau`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ingest.geocode.errors import AddressColumnsError
from ingest.geocode.normalise import ParsedStreet, canonical, parse_street, rep_alternatives, street_key
from ingest.geocode.reference import ReferenceIndex
from ingest.geocode.similarity import best_matches, same_type, split_type
from ingest.text import REPETITIONS, fold, normalize_rep

logger = logging.getLogger(__name__)

ADDRESS_COLUMNS = ("commune", "numero", "rep", "voie", "lieu_dit", "code_postal", "ville")
# Optional: an address complement. Only a bare suffix word (`BIS`) is read from
# it; flats, staircases and names in it are ignored, never stored.
OPTIONAL_COLUMNS = ("complement",)
RESULT_COLUMNS = (
    "result_type", "result_score", "result_id", "result_label", "lon", "lat",
    "usable", "street_key", "result_numero", "result_citycode",
)

# Score of each rung, multiplied by the street-name similarity (1 for an exact key).
SCORE_HOUSENUMBER = 1.0
SCORE_OTHER_REP_FORM = 0.9  # `12 bis` found as `12 b`, or `12 bis` absent so `12`
SCORE_OTHER_REP = 0.8  # `12` found only with a suffix (`12 bis`)
SCORE_INTERPOLATION = 0.7
SCORE_NEAREST_NUMBER = 0.6  # a neighbour on one side only
SCORE_STREET = 0.6
SCORE_LOCALITY = 0.5
SCORE_MUNICIPALITY = 0.1
# Fuzzy street matches whose names are under this similarity are ignored.
STREET_CUTOFF = 0.8
# When the query's street type is absent from the commune, another street
# holding the missing number is used if its name is at or above this similarity.
CLOSE_STREET_CUTOFF = 0.85
# Two fuzzy candidates this close are ambiguous, so the result's score is lowered.
AMBIGUITY_MARGIN = 0.02
AMBIGUITY_WEIGHT = 0.8
# A single-sided neighbour further than this (in house numbers) is not used.
MAX_NEIGHBOUR_GAP = 10

_NO_RESULT = (None, 0.0, None, None, np.nan, np.nan, None, None, None)


def results_frame(records: list[tuple], index: pd.Index, min_score: float) -> pd.DataFrame:
    """Turn result tuples into the result table of every geocoder, with ``usable`` derived from ``min_score``.

    Each tuple holds result_type, result_score, result_id, result_label, lon,
    lat, street_key, result_numero and result_citycode. Municipality results
    and results under ``min_score`` are kept but not usable.
    """
    columns = ["result_type", "result_score", "result_id", "result_label", "lon", "lat", "street_key", "result_numero", "result_citycode"]
    if records:
        frame = pd.DataFrame.from_records(records, columns=columns, index=index)
    else:
        frame = pd.DataFrame(columns=columns, index=index)
    frame["result_score"] = frame["result_score"].astype(float)
    frame["lon"] = frame["lon"].astype(float)
    frame["lat"] = frame["lat"].astype(float)
    frame["result_numero"] = frame["result_numero"].astype("Int64")
    frame["usable"] = (
        frame["result_type"].notna() & (frame["result_type"] != "municipality") & (frame["result_score"] >= min_score)
    ).astype(bool)
    return frame[list(RESULT_COLUMNS)]


@dataclass(frozen=True, slots=True)
class _StreetMatch:
    street_idx: int
    similarity: float


class LocalGeocoder:
    """Match addresses to positions with a local :class:`ReferenceIndex`.

    ``min_score`` is the score under which a result is kept but marked
    ``usable=False`` (not used to derive outlines). Municipality results are
    never usable.
    """

    def __init__(self, index: ReferenceIndex, min_score: float = 0.5) -> None:
        if not 0.0 <= min_score <= 1.0:
            raise ValueError(f"min_score must be between 0 and 1, got {min_score!r}")
        self.index = index
        self.min_score = min_score
        self._prepare_streets()
        self._prepare_numbers()
        self._prepare_localities()
        self._prepare_communes()
        self._parse_cache: dict[tuple[str | None, bool], ParsedStreet] = {}
        self._street_cache: dict[tuple[str, str], list[tuple[int, float]]] = {}
        self._commune_cache: dict[tuple[str | None, str | None, str | None], str | None] = {}

    # Preparation of lookup structures.

    def _prepare_streets(self) -> None:
        streets = self.index.streets
        self._street_insee = streets["code_insee"].to_numpy(dtype=object)
        self._street_key = streets["street_key"].to_numpy(dtype=object)
        self._street_name = streets["nom_voie"].to_numpy(dtype=object)
        self._street_id = streets["street_id"].to_numpy(dtype=object)
        self._street_postcode = streets["code_postal"].to_numpy(dtype=object)
        self._street_commune_name = streets["nom_commune"].to_numpy(dtype=object)
        self._street_former_code = streets["code_insee_ancienne_commune"].to_numpy(dtype=object)
        self._street_former_name = np.array([canonical(name) for name in streets["nom_ancienne_commune"]], dtype=object)
        self._street_lon = streets["lon"].to_numpy(dtype=float)
        self._street_lat = streets["lat"].to_numpy(dtype=float)

        self._streets_by_key: dict[tuple[str, str], list[int]] = {}
        self._commune_street_keys: dict[str, tuple[list[str], list[list[int]], list[str]]] = {}
        for position, (insee, key) in enumerate(zip(self._street_insee, self._street_key)):
            self._streets_by_key.setdefault((insee, key), []).append(position)
        for (insee, key), positions in self._streets_by_key.items():
            keys, groups, names = self._commune_street_keys.setdefault(insee, ([], [], []))
            keys.append(key)
            groups.append(positions)
            names.append(split_type(key)[1])

    def _prepare_numbers(self) -> None:
        numbers = self.index.numbers
        self._number_street = numbers["street_idx"].to_numpy(dtype=np.int64)
        self._number_numero = numbers["numero"].to_numpy(dtype=np.int64)
        self._number_rep = numbers["rep"].fillna("").to_numpy(dtype=object)
        self._number_id = numbers["id"].to_numpy(dtype=object)
        self._number_lon = numbers["lon"].to_numpy(dtype=float)
        self._number_lat = numbers["lat"].to_numpy(dtype=float)
        bounds = np.arange(len(self._street_key) + 1)
        self._number_offsets = np.searchsorted(self._number_street, bounds)
        self._numbers_of_street: dict[int, dict[tuple[int, str], int]] = {}

    def _prepare_localities(self) -> None:
        localities = self.index.localities
        self._locality_rows = localities.reset_index(drop=True)
        self._localities_by_key: dict[tuple[str, str], int] = {}
        self._commune_locality_keys: dict[str, tuple[list[str], list[int]]] = {}
        for position, (insee, key) in enumerate(zip(localities["code_insee"], localities["locality_key"])):
            self._localities_by_key.setdefault((insee, key), position)
            keys, positions = self._commune_locality_keys.setdefault(insee, ([], []))
            keys.append(key)
            positions.append(position)

    def _prepare_communes(self) -> None:
        communes = self.index.communes
        self._communes = {
            row.code_insee: (row.nom_commune, row.code_postal, row.lon, row.lat)
            for row in communes.itertuples(index=False)
        }
        self._alias_codes: dict[str, set[str]] = {}
        self._alias_names: dict[str, set[str]] = {}
        self._alias_postcodes: dict[str, set[str]] = {}
        tables = {"code": self._alias_codes, "name": self._alias_names, "postcode": self._alias_postcodes}
        for kind, value, insee in self.index.aliases[["kind", "value", "code_insee"]].itertuples(index=False):
            tables[kind].setdefault(value, set()).add(insee)

    # Public entry point.

    def geocode(self, addresses: pd.DataFrame) -> pd.DataFrame:
        """Geocode each row of ``addresses`` and return the results on the same index.

        Each distinct address is matched once. Missing optional columns are read
        as empty; ``commune`` is required.
        """
        _check_columns(addresses)
        values = addresses.reindex(columns=[*ADDRESS_COLUMNS, *OPTIONAL_COLUMNS]).astype(object)
        values = values.where(values.notna(), None)

        cache: dict[tuple, tuple] = {}
        out: list[tuple] = []
        for row in values.itertuples(index=False, name=None):
            result = cache.get(row)
            if result is None:
                result = self._geocode_one(*row)
                cache[row] = result
            out.append(result)

        logger.info("Geocoded %d addresses (%d distinct) with the local index", len(out), len(cache))
        return self._to_frame(out, addresses.index)

    def _to_frame(self, out: list[tuple], index: pd.Index) -> pd.DataFrame:
        return results_frame(out, index, self.min_score)

    # The ladder.

    def _geocode_one(self, commune, numero, rep, voie, lieu_dit, code_postal, ville, complement) -> tuple:
        insee = self.resolve_commune(commune, code_postal, ville)
        if insee is None:
            return _NO_RESULT

        number = _to_int(numero)
        parsed = self._parse(voie, number is not None)
        if number is None:
            number = parsed.numero
        if not rep and complement:
            rep = normalize_rep(complement) if fold(complement) in REPETITIONS else None
        rep = (rep or parsed.rep or None) if number is not None else None
        if rep is not None:
            rep = str(rep).strip().lower() or None

        lieu_dit_key = parsed.lieu_dit_key or (street_key(lieu_dit) if lieu_dit else None)
        postcode = _clean_postcode(code_postal)
        town = canonical(ville) if ville else ""
        # The extract's code may name a former commune: its streets come first.
        former = str(commune).strip() if commune and str(commune).strip() != insee else None
        place = (postcode, town, former)

        if parsed.street_key:
            result = self._match_street_ladder(insee, parsed.street_key, number, rep, place)
            if result is not None:
                return result
            # A street field that contains a lieu-dit name (`ECLUSE DE L ILE BRISE PAIN`).
            result = self._match_locality(insee, parsed.street_key)
            if result is not None:
                return result

        if lieu_dit_key:
            result = self._match_locality(insee, lieu_dit_key)
            if result is not None:
                return result
            result = self._match_street_ladder(insee, lieu_dit_key, None, None, place)
            if result is not None:
                return result

        return self._municipality(insee)

    def _parse(self, voie: str | None, has_number: bool) -> ParsedStreet:
        key = (voie, has_number)
        parsed = self._parse_cache.get(key)
        if parsed is None:
            parsed = parse_street(voie, has_number)
            self._parse_cache[key] = parsed
        return parsed

    def _match_street_ladder(self, insee: str, key: str, number: int | None, rep: str | None, place: tuple) -> tuple | None:
        candidates = self._street_candidates(insee, key)
        if not candidates:
            return None
        match = self._choose_street(candidates, number, rep, place)

        if number is not None:
            found = self._find_number(match.street_idx, number, rep)
            if found is not None:
                position, base = found
                return self._housenumber(match, position, base)
            if not same_type(split_type(key)[0], split_type(self._street_key[match.street_idx])[0]):
                other = self._number_on_close_street(insee, key, match, number, rep)
                if other is not None:
                    return other
            interpolated = self._interpolate(match, number)
            if interpolated is not None:
                return interpolated
        return self._street(match)

    def _street_candidates(self, insee: str, key: str) -> list[tuple[int, float]]:
        """Return (street position, similarity) pairs for a street key, cached per commune and key."""
        cache_key = (insee, key)
        cached = self._street_cache.get(cache_key)
        if cached is not None:
            return cached

        exact = self._streets_by_key.get(cache_key)
        if exact:
            candidates = [(position, 1.0) for position in exact]
        else:
            keys, groups, names = self._commune_street_keys.get(insee, ([], [], []))
            matches = best_matches(key, keys, STREET_CUTOFF, names)
            candidates = []
            if len(matches) > 1 and matches[0][1] - matches[1][1] < AMBIGUITY_MARGIN:
                # Two streets fit equally well: keep both, with a lowered score.
                matches = [(choice, score * AMBIGUITY_WEIGHT) for choice, score in matches]
            for choice, score in matches[:4]:
                candidates.extend((position, score) for position in groups[choice])
        self._street_cache[cache_key] = candidates
        return candidates

    def _choose_street(self, candidates: list[tuple[int, float]], number: int | None, rep: str | None, place: tuple) -> _StreetMatch:
        """Pick the best candidate street: close similarity and holding the number, then similarity, then place.

        ``place`` is (postcode, folded town name, former commune code) of the
        address; a street in that former commune or postcode wins a tie.
        """
        postcode, town, former = place
        best_score = max(score for _, score in candidates)

        def rank(item: tuple[int, float]) -> tuple:
            position, score = item
            close = score >= best_score - 0.05
            same_place = (
                (former is not None and self._street_former_code[position] == former)
                or (bool(town) and self._street_former_name[position] == town)
                or (postcode is not None and self._street_postcode[position] == postcode)
            )
            has_number = number is not None and self._find_number(position, number, rep) is not None
            return (close, close and has_number, score, same_place)

        position, score = max(candidates, key=rank)
        return _StreetMatch(position, score)

    def _number_on_close_street(self, insee: str, key: str, match: _StreetMatch, number: int, rep: str | None) -> tuple | None:
        """Find the number on another street of the commune with a very close name.

        Voter lists often give the wrong street type (`AV DU CLOSEAU` for `Cité
        du Closeau`). When the commune has no street of the query's type with
        that name, the matched street lacks the number and a close street has
        it, that house number beats an interpolation. The caller checks the type.
        """
        keys, groups, names = self._commune_street_keys.get(insee, ([], [], []))
        for choice, similarity in best_matches(key, keys, CLOSE_STREET_CUTOFF, names):
            for position in groups[choice]:
                if position == match.street_idx:
                    continue
                found = self._find_number(position, number, rep)
                if found is not None:
                    row, base = found
                    return self._housenumber(_StreetMatch(position, similarity), row, base)
        return None

    def _street_numbers(self, street_idx: int) -> dict[tuple[int, str], int]:
        numbers = self._numbers_of_street.get(street_idx)
        if numbers is None:
            start, stop = self._number_offsets[street_idx], self._number_offsets[street_idx + 1]
            numbers = {
                (int(self._number_numero[row]), self._number_rep[row]): row for row in range(start, stop)
            }
            self._numbers_of_street[street_idx] = numbers
        return numbers

    def _find_number(self, street_idx: int, number: int, rep: str | None) -> tuple[int, float] | None:
        """Find a house number on a street and return (row, base score), trying other suffix spellings."""
        numbers = self._street_numbers(street_idx)
        row = numbers.get((number, rep or ""))
        if row is not None:
            return row, SCORE_HOUSENUMBER

        if rep:
            for other in rep_alternatives(rep):
                row = numbers.get((number, other))
                if row is not None:
                    return row, SCORE_OTHER_REP_FORM
            row = numbers.get((number, ""))
            if row is not None:
                return row, SCORE_OTHER_REP_FORM
            # `12 ter` is another building than `12 bis`, so no other suffix is tried.
            return None

        # The number exists only with a suffix (`12` → `12 bis`).
        others = [(value, position) for (numero, value), position in numbers.items() if numero == number]
        if others:
            others.sort(key=lambda item: _REP_ORDER.get(item[0], 99))
            return others[0][1], SCORE_OTHER_REP
        return None

    def _interpolate(self, match: _StreetMatch, number: int) -> tuple | None:
        """Place a missing number between the nearest numbers of the same parity on the street."""
        start, stop = self._number_offsets[match.street_idx], self._number_offsets[match.street_idx + 1]
        numeros = self._number_numero[start:stop]
        same_side = np.flatnonzero((numeros % 2) == (number % 2))
        if same_side.size == 0:
            return None
        below = same_side[numeros[same_side] < number]
        above = same_side[numeros[same_side] > number]
        if below.size == 0 and above.size == 0:
            # The street holds this number only with another suffix (`12 ter` for `12 bis`).
            return None

        if below.size and above.size:
            low = start + below[np.argmax(numeros[below])]
            high = start + above[np.argmin(numeros[above])]
            low_number, high_number = self._number_numero[low], self._number_numero[high]
            fraction = (number - low_number) / (high_number - low_number)
            lon = self._number_lon[low] + fraction * (self._number_lon[high] - self._number_lon[low])
            lat = self._number_lat[low] + fraction * (self._number_lat[high] - self._number_lat[low])
            score = SCORE_INTERPOLATION
        else:
            side = below if below.size else above
            nearest = start + side[np.argmin(np.abs(numeros[side] - number))]
            if abs(int(self._number_numero[nearest]) - number) > MAX_NEIGHBOUR_GAP:
                return None
            lon, lat = self._number_lon[nearest], self._number_lat[nearest]
            score = SCORE_NEAREST_NUMBER

        label = self._label(f"{number} {self._street_name[match.street_idx]}", match.street_idx)
        return (
            "interpolation", round(score * match.similarity, 4), None, label, float(lon), float(lat),
            self._street_key[match.street_idx], number, self._street_insee[match.street_idx],
        )

    def _housenumber(self, match: _StreetMatch, row: int, base: float) -> tuple:
        numero = int(self._number_numero[row])
        rep = self._number_rep[row]
        number_text = f"{numero} {rep}" if rep else str(numero)
        label = self._label(f"{number_text} {self._street_name[match.street_idx]}", match.street_idx)
        return (
            "housenumber", round(base * match.similarity, 4), self._number_id[row], label,
            float(self._number_lon[row]), float(self._number_lat[row]),
            self._street_key[match.street_idx], numero, self._street_insee[match.street_idx],
        )

    def _street(self, match: _StreetMatch) -> tuple:
        position = match.street_idx
        return (
            "street", round(SCORE_STREET * match.similarity, 4), self._street_id[position],
            self._label(self._street_name[position], position),
            float(self._street_lon[position]), float(self._street_lat[position]),
            self._street_key[position], None, self._street_insee[position],
        )

    def _match_locality(self, insee: str, key: str) -> tuple | None:
        position = self._localities_by_key.get((insee, key))
        similarity = 1.0
        if position is None:
            keys, positions = self._commune_locality_keys.get(insee, ([], []))
            matches = best_matches(key, keys, STREET_CUTOFF)
            if not matches:
                return None
            position, similarity = positions[matches[0][0]], matches[0][1]

        row = self._locality_rows.iloc[position]
        label = " ".join(part for part in (row["name"], row["code_postal"], row["nom_commune"]) if part)
        return (
            "locality", round(SCORE_LOCALITY * similarity, 4), row["locality_id"], label,
            float(row["lon"]), float(row["lat"]), None, None, insee,
        )

    def _municipality(self, insee: str) -> tuple:
        name, postcode, lon, lat = self._communes[insee]
        label = " ".join(part for part in (postcode, name) if part)
        return ("municipality", SCORE_MUNICIPALITY, insee, label, float(lon), float(lat), None, None, insee)

    def _label(self, text: str, street_idx: int) -> str:
        parts = (text, self._street_postcode[street_idx], self._street_commune_name[street_idx])
        return " ".join(part for part in parts if part)

    # Commune resolution.

    def resolve_commune(self, commune: str | None, code_postal: str | None, ville: str | None) -> str | None:
        """Return the INSEE code of the indexed commune an address belongs to, or None.

        The extract's commune code wins. A former commune's code maps to the
        commune that absorbed it. Without a usable code, the town name (current,
        former or postal name) and the postcode are tried, alone or together.
        """
        key = (commune, code_postal, ville)
        if key in self._commune_cache:
            return self._commune_cache[key]
        insee = self._resolve_commune(commune, code_postal, ville)
        self._commune_cache[key] = insee
        return insee

    def _resolve_commune(self, commune: str | None, code_postal: str | None, ville: str | None) -> str | None:
        code = str(commune).strip().upper() if commune else ""
        if code in self._communes:
            return code
        former = self._alias_codes.get(code, set())
        if len(former) == 1:
            return next(iter(former))

        postcode = _clean_postcode(code_postal)
        by_postcode = self._alias_postcodes.get(postcode, set()) if postcode else set()
        town = canonical(ville) if ville else ""
        by_name = set()
        if town:
            for name in (town, town.replace(" CEDEX", "").strip()):
                by_name |= self._alias_names.get(name, set())

        for choice in (by_name & by_postcode, by_name, by_postcode):
            if len(choice) == 1:
                return next(iter(choice))
        logger.debug("No indexed commune for code %r and postcode %r", code, postcode)
        return None


_REP_ORDER = {"": 0, "bis": 1, "b": 2, "ter": 3, "t": 4, "quater": 5, "q": 6}


def _check_columns(addresses: pd.DataFrame) -> None:
    if not isinstance(addresses, pd.DataFrame):
        raise AddressColumnsError(missing="(not a DataFrame)", expected=", ".join(ADDRESS_COLUMNS))
    if "commune" not in addresses.columns and not {"code_postal", "ville"} & set(addresses.columns):
        raise AddressColumnsError(missing="commune", expected=", ".join(ADDRESS_COLUMNS))
    if "voie" not in addresses.columns and "lieu_dit" not in addresses.columns:
        raise AddressColumnsError(missing="voie, lieu_dit", expected=", ".join(ADDRESS_COLUMNS))


def _to_int(value) -> int | None:
    if value is None:
        return None
    text = str(value).strip()
    if not text.isdigit():
        return None
    return int(text)


def _clean_postcode(value) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    if len(text) == 4 and text.isdigit():
        text = "0" + text
    return text if len(text) == 5 else None
