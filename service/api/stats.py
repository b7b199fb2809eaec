"""Aggregate voter counts with small-cell suppression: ``/stats``."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response

from service.api.errors import InvalidParameterError
from service.api.negotiation import request_language
from service.api.params import COMMUNE_REGEX, DEPARTEMENT_REGEX, check_query, departement_of, parse_commune, parse_departement
from service.api.service import Service, get_service
from service.api.suppression import THRESHOLD, all_entries, suppress
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


def count_table(rows: list[dict], group_by: list[str]) -> dict:
    """Cross-tabulate ``rows`` on ``group_by``, with every margin, and withhold small counts.

    Coarser geographic dimensions nest in the finest one requested. Only the
    finest is a dimension of the table, and the others are copied into its entries.

    NOTE: suppression protects the entries of one response. Differences
    between responses (two électorats, or a bureau total withheld here as a
    partner but published in the bureaux collection) are not checked.
    """
    geography = next((name for name in GEOGRAPHY if name in group_by), None)
    dimensions = [name for name in group_by if name not in GEOGRAPHY or name == geography]
    parents: dict[str, dict[str, str]] = {}
    cells: dict[tuple[str, ...], int] = {}
    for row in rows:
        key = tuple(_geography_value(row, name) if name in GEOGRAPHY else row[name] for name in dimensions)
        cells[key] = cells.get(key, 0) + int(row["voters"])
        if geography is not None:
            parents[_geography_value(row, geography)] = {name: _geography_value(row, name) for name in GEOGRAPHY if name in group_by}
    categories = [sorted({key[index] for key in cells}) for index in range(len(dimensions))]
    entries = all_entries(categories, cells)
    withheld = suppress(categories, entries)

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


@router.get(
    "/stats",
    summary="Effectifs d'électeurs agrégés, avec secret statistique. Aggregate voter counts with suppression.",
    dependencies=[Depends(check_query("commune", "departement", "group_by", "electorat"))],
    responses={
        200: {"description": "Cellules et totaux ; les effectifs inférieurs à 11 sont masqués. Cells and totals; counts under 11 are withheld."},
        403: {"description": "Inférence interdite (nom, naissance, nationalité). Forbidden inference (name, birth, nationality)."},
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
        Query(description="Listes qui votent à cette élection (LP ; LP+LCM ; LP+LCE). List types voting in this election."),
    ] = None,
) -> Response:
    lang = request_language(request)
    area = queries.AreaFilter(parse_commune(commune), parse_departement(departement))
    dimensions = parse_group_by(group_by)
    if "bureau" in dimensions and area.commune is None and area.departement is None:
        raise InvalidParameterError(
            "invalid_value", translated={"expected": "expected.filter_needed"}, name="group_by", value=group_by
        )

    rows = queries.voter_counts(service.engine, area, ELECTORATS.get(electorat) if electorat else None)
    table = count_table(rows, dimensions)
    body = {
        "filters": {"commune": area.commune, "departement": area.departement, "electorat": electorat},
        "group_by": dimensions,
        "threshold": THRESHOLD,
        **table,
    }
    return JSONResponse(body, headers={"Content-Language": lang, "Cache-Control": "public, max-age=60"})
