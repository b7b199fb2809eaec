"""Aggregate voter counts with small-cell suppression: ``/stats``."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response

from service.api.errors import InvalidParameterError, NotFoundError, problem_doc
from service.api.negotiation import request_language
from service.api.params import COMMUNE_REGEX, DEPARTEMENT_REGEX, check_query, departement_of, parse_commune, parse_departement
from service.api.service import Service, get_service
from service.api.main_list import MainListCounts, publish_main_list
from service.api.suppression import THRESHOLD, all_entries, small_differences, suppress
from service.store import queries

router = APIRouter()

GEOGRAPHY = ("bureau", "commune", "departement")  # finest first
DIMENSIONS = (*GEOGRAPHY, "sexe", "tranche_age")
_DIMENSION_REGEX = "(bureau|bureaux|commune|communes|departement|departements|département|sexe|tranche_age)"
GROUP_BY_REGEX = f"^({_DIMENSION_REGEX}(,{_DIMENSION_REGEX})*)?$"
ALIASES = {"département": "departement", "departements": "departement", "bureaux": "bureau", "communes": "commune"}
# List types whose voters vote in each election: LP is the main list, LCM and
# LCE the complementary lists of EU citizens for municipal and European elections.
ELECTORATS = {"presidentielle": ("LP",), "municipales": ("LP", "LCM"), "europeennes": ("LP", "LCE")}
# The électorats whose populations are contained in each one; None is every
# list. Subtracting a contained table from a containing one gives a count of
# complementary-list voters, that is of EU citizens: a nationality count. The
# containing table withholds such small differences, so the main list, which
# the collections also publish, is never withheld for them.
CONTAINED = {
    None: ("presidentielle", "municipales", "europeennes"),
    "presidentielle": (),
    "municipales": ("presidentielle",),
    "europeennes": ("presidentielle",),
}


def parse_group_by(value: str | None) -> list[str]:
    """Return the distinct dimensions of ``group_by``, in the given order."""
    if value is None or value.strip() == "":
        return []
    names = [ALIASES.get(part.strip().lower(), part.strip().lower()) for part in value.split(",")]
    if any(name not in DIMENSIONS for name in names) or len(set(names)) != len(names):
        raise InvalidParameterError(
            "invalid_value", translated={"expected": "expected.group_by"}, name="group_by", value=value, choices=", ".join(DIMENSIONS)
        )
    return names


def _geography_value(row: dict, dimension: str) -> str:
    if dimension == "bureau":
        return row["bureau"]
    if dimension == "commune":
        return row["commune"]
    return departement_of(row["commune"])


def _cells(rows: list[dict], dimensions: list[str]) -> dict[tuple[str, ...], int]:
    cells: dict[tuple[str, ...], int] = {}
    for row in rows:
        key = tuple(_geography_value(row, name) if name in GEOGRAPHY else row[name] for name in dimensions)
        cells[key] = cells.get(key, 0) + int(row["voters"])
    return cells


def count_table(
    rows: list[dict], group_by: list[str], contained: list[list[dict]] | None = None, main_list: MainListCounts | None = None
) -> dict:
    """Cross-tabulate ``rows`` on ``group_by``, with every margin, and withhold small counts.

    Coarser geographic dimensions nest in the finest one requested. Only the
    finest is a dimension of the table, and the others are copied into its entries.
    An entry is also withheld when it exceeds the same entry of a ``contained``
    électorat's rows by 1 to 10 voters. ``main_list`` is given for the table
    of the main list, whose totals per bureau and per commune the collections
    publish: such a total is withheld where the collections withhold it, and is
    chosen as a partner for secondary suppression only when no other entry is left.

    NOTE: each request's table is protected, and so are differences between
    électorats; combining tables of different group_by values is not checked.
    """
    geography = next((name for name in GEOGRAPHY if name in group_by), None)
    dimensions = [name for name in group_by if name not in GEOGRAPHY or name == geography]
    compared = contained or []
    parents: dict[str, dict[str, str]] = {}
    for row in [*rows, *(row for other in compared for row in other)]:
        if geography is not None:
            parents[_geography_value(row, geography)] = {name: _geography_value(row, name) for name in GEOGRAPHY if name in group_by}
    cells = _cells(rows, dimensions)
    other_cells = [_cells(other, dimensions) for other in compared]
    # The categories of every compared table, so that their entries line up.
    categories = [
        sorted({key[index] for table in (cells, *other_cells) for key in table}) for index in range(len(dimensions))
    ]
    entries = all_entries(categories, cells)
    differences = small_differences(entries, [all_entries(categories, table) for table in other_cells])
    withheld_there, published_there = set(), set()
    if main_list is not None:
        withheld_there, published_there = _collection_entries(entries, dimensions, geography, rows, main_list)
    withheld = suppress(categories, entries, also=differences | withheld_there, published_elsewhere=published_there)

    cell_list, totals = [], []
    for key, value in entries.items():
        entry: dict[str, object] = {}
        for name, part in zip(dimensions, key):
            if part is None:
                continue
            if name == geography:
                entry.update(parents[part])
            else:
                entry[name] = part
        secret = key in withheld
        entry["voters"] = None if secret else value
        entry["secret"] = secret
        (totals if None in key else cell_list).append(entry)
    if not dimensions:
        totals = []
    return {"dimensions": dimensions, "cells": cell_list, "totals": totals}


def _collection_entries(
    entries: dict, dimensions: list[str], geography: str | None, rows: list[dict], main_list: MainListCounts
) -> tuple[set, set]:
    """Return the keys of the main-list totals that the collections withhold, and those they publish.

    A total counts one bureau, or the communes of its area: it is a collection
    value when that area contains exactly one commune.
    """
    communes = {row["commune"] for row in rows}
    geography_index = dimensions.index(geography) if geography is not None else None
    withheld, published = set(), set()
    for key in entries:
        if any(part is not None for index, part in enumerate(key) if index != geography_index):
            continue
        part = key[geography_index] if geography_index is not None else None
        if geography == "bureau" and part is not None:
            voters = main_list.bureaux.get(part)
        else:
            covered = communes if part is None else {code for code in communes if _area_contains(geography, part, code)}
            if len(covered) != 1:
                continue
            voters = main_list.communes.get(next(iter(covered)))
        (withheld if voters is None else published).add(key)
    return withheld, published


def _area_contains(geography: str | None, part: str, commune: str) -> bool:
    if geography == "commune":
        return commune == part
    return departement_of(commune) == part


def electorat_table(by_list: list[dict], electorat: str | None, dimensions: list[str]) -> dict:
    """Return the count table of one électorat from rows per list type, protected against the other électorats' tables.

    The main list's table (présidentielle) is never withheld for differencing,
    because every other électorat contains it: their tables withhold instead.
    """

    def rows_of(name: str | None) -> list[dict]:
        allowed = ELECTORATS.get(name) if name else None
        return [row for row in by_list if allowed is None or row["type_liste"] in allowed]

    main_list = publish_main_list(rows_of("presidentielle")) if electorat == "presidentielle" else None
    return count_table(rows_of(electorat), dimensions, [rows_of(other) for other in CONTAINED[electorat]], main_list)


def _check_loaded(service: Service, area: queries.AreaFilter) -> None:
    """Raise ``NotFoundError`` when no loaded commune matches the commune or département filter."""
    if (area.commune is None and area.departement is None) or service.communes(area):
        return
    if area.commune is not None and not service.communes(queries.AreaFilter(commune=area.commune)):
        raise NotFoundError("commune_not_loaded", code=area.commune)
    if area.departement is not None and not service.communes(queries.AreaFilter(departement=area.departement)):
        raise NotFoundError("departement_not_loaded", code=area.departement)
    raise NotFoundError("commune_not_in_departement", commune=area.commune, departement=area.departement)


@router.get(
    "/stats",
    summary="Effectifs d'électeurs agrégés, avec secret statistique. Aggregate voter counts with suppression.",
    dependencies=[Depends(check_query("commune", "departement", "group_by", "electorat"))],
    responses={
        200: {"description": "Cellules et totaux ; les effectifs inférieurs à 11 sont masqués. Cells and totals; counts under 11 are withheld."},
        403: problem_doc("Inférence interdite (nom, naissance, nationalité). Forbidden inference (name, birth, nationality)."),
        404: problem_doc("Commune ou département non chargé. Commune or département not loaded."),
    },
)
def stats(
    request: Request,
    service: Annotated[Service, Depends(get_service)],
    commune: Annotated[str | None, Query(description="Code INSEE de la commune. INSEE commune code.", pattern=COMMUNE_REGEX)] = None,
    departement: Annotated[str | None, Query(description="Code du département. Département code.", pattern=DEPARTEMENT_REGEX)] = None,
    group_by: Annotated[
        str | None,
        Query(
            description=f"Dimensions distinctes séparées par des virgules parmi {', '.join(DIMENSIONS)}. "
            "Distinct comma-separated dimensions.",
            pattern=GROUP_BY_REGEX,
        ),
    ] = None,
    electorat: Annotated[
        Literal["presidentielle", "municipales", "europeennes"] | None,
        Query(
            description="Listes qui votent à cette élection : presidentielle = liste principale (LP), comptée aussi par "
            "les collections ; municipales = LP+LCM ; europeennes = LP+LCE ; sans ce paramètre, toutes les listes. "
            "List types voting in this election: presidentielle is the main list (LP), which the collections also count; "
            "without it, every list."
        ),
    ] = None,
) -> Response:
    lang = request_language(request)
    area = queries.AreaFilter(parse_commune(commune), parse_departement(departement))
    dimensions = parse_group_by(group_by)
    if "bureau" in dimensions and area.commune is None and area.departement is None:
        raise InvalidParameterError("filter_required")
    _check_loaded(service, area)

    table = electorat_table(queries.voter_counts_by_list(service.engine, area), electorat, dimensions)
    body = {
        "filters": {"commune": area.commune, "departement": area.departement, "electorat": electorat},
        "group_by": dimensions,
        "threshold": THRESHOLD,
        **table,
    }
    return JSONResponse(body, headers={"Content-Language": lang, "Cache-Control": "public, max-age=60"})
