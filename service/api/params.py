"""Query parameters shared by the routes, as FastAPI dependencies that validate them."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import Depends, Query, Request

from service.api.errors import InvalidParameterError, NotAcceptableError, UnknownParameterError
from service.api.negotiation import accepted_media_types
from service.api.privacy import refuse_inference

# Four decimal numbers, longitudes in [-180, 180] and latitudes in [-90, 90]; parse_bbox also checks
# that minlat ≤ maxlat, which a pattern cannot express.
_LON = r"-?(180(\.0+)?|1[0-7][0-9](\.[0-9]+)?|[0-9]{1,2}(\.[0-9]+)?)"
_LAT = r"-?(90(\.0+)?|[0-8]?[0-9](\.[0-9]+)?)"
BBOX_PATTERN = f"^{_LON},{_LAT},{_LON},{_LAT}$"
DEFAULT_LIMIT = 100
MAX_LIMIT = 10_000
DEFAULT_PRECISION = 6
MAX_PRECISION = 9

# Patterns in the common subset of Python and ECMA-262 regular expressions, for the OpenAPI document too.
COMMUNE_REGEX = r"^([0-9]{5}|2[ABab][0-9]{3})$"
# Mainland départements are 2 characters (2A and 2B for Corsica, no 20), overseas ones 3 (971 to 976).
DEPARTEMENT_REGEX = r"^(0[1-9]|1[0-9]|2[1-9ABab]|[3-8][0-9]|9[0-5]|97[1-6])$"
COMMUNE_PATTERN = re.compile(COMMUNE_REGEX)
DEPARTEMENT_PATTERN = re.compile(DEPARTEMENT_REGEX)


def departement_of(commune: str) -> str:
    """Return the département code of a commune code: 3 characters overseas (97x), else 2."""
    return commune[:3] if commune.startswith("97") else commune[:2]


def check_query(*allowed: str):
    """Build a dependency that rejects inference parameters (403), then unknown or repeated ones (400)."""
    allowed_set = frozenset(allowed)
    allowed_text = ", ".join(sorted(allowed_set)) or "-"

    def dependency(request: Request) -> None:
        refuse_inference(request)
        names = [name for name, _ in request.query_params.multi_items()]
        for name in names:
            if name not in allowed_set:
                raise UnknownParameterError("unknown_parameter", name=name, allowed=allowed_text)
        for name in set(names):
            count = names.count(name)
            if count > 1:
                raise InvalidParameterError("repeated_parameter", name=name, count=count)

    return dependency


def representation(request: Request, f: Literal["json", "html"] | None, json_types: tuple[str, ...]) -> str:
    """Return ``json`` or ``html``: ``f`` when given, else the first acceptable type in ``Accept``."""
    if f is not None:
        return f
    for media_type in accepted_media_types(request):
        if media_type in json_types or media_type in ("application/json", "application/*", "*/*"):
            return "json"
        if media_type in ("text/html", "text/*", "application/xhtml+xml"):
            return "html"
    available = ", ".join((*json_types, "application/json", "text/html"))
    raise NotAcceptableError("not_acceptable", accept=request.headers.get("accept", ""), available=available)


@dataclass(frozen=True)
class BBox:
    """A CRS84 box; ``minx > maxx`` means it crosses the antimeridian."""

    minx: float
    miny: float
    maxx: float
    maxy: float

    def parts(self) -> list[tuple[float, float, float, float]]:
        """Return one box, or two when this one crosses the antimeridian."""
        if self.minx <= self.maxx:
            return [(self.minx, self.miny, self.maxx, self.maxy)]
        return [(self.minx, self.miny, 180.0, self.maxy), (-180.0, self.miny, self.maxx, self.maxy)]


def parse_bbox(value: str | None) -> BBox | None:
    """Parse ``minlon,minlat,maxlon,maxlat`` in CRS84 degrees."""
    if value is None:
        return None
    error = InvalidParameterError("invalid_value", translated={"expected": "expected.bbox"}, name="bbox", value=value)
    try:
        numbers = [float(part) for part in value.split(",")]
    except ValueError:
        raise error from None
    if len(numbers) != 4 or not all(math.isfinite(number) for number in numbers):
        raise error
    minx, miny, maxx, maxy = numbers
    if not (-180 <= minx <= 180 and -180 <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise error
    return BBox(minx, miny, maxx, maxy)


def parse_commune(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.upper()
    if not COMMUNE_PATTERN.match(value):
        raise InvalidParameterError("invalid_value", translated={"expected": "expected.commune"}, name="commune", value=value)
    return value


def parse_departement(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.upper()
    if not DEPARTEMENT_PATTERN.match(value):
        raise InvalidParameterError("invalid_value", translated={"expected": "expected.departement"}, name="departement", value=value)
    return value


@dataclass(frozen=True)
class ItemsQuery:
    """The validated parameters of an items request."""

    bbox: BBox | None
    limit: int
    offset: int
    precision: int
    commune: str | None
    departement: str | None
    f: str | None


def items_query(
    bbox: Annotated[
        str | None,
        Query(
            description="Boîte englobante minlon,minlat,maxlon,maxlat en degrés CRS84. Bounding box in CRS84 degrees.",
            examples=["2.40,48.75,2.50,48.80"],
            pattern=BBOX_PATTERN,
        ),
    ] = None,
    limit: Annotated[
        int,
        Query(
            ge=1,
            description=f"Nombre maximal d'objets par page ; une valeur au-delà de {MAX_LIMIT} est ramenée à {MAX_LIMIT}. "
            f"Maximum features per page; a larger value is clamped to {MAX_LIMIT}.",
            json_schema_extra={"maximum": MAX_LIMIT},
        ),
    ] = DEFAULT_LIMIT,
    offset: Annotated[int, Query(ge=0, description="Rang du premier objet de la page. Index of the page's first feature.")] = 0,
    precision: Annotated[
        int,
        Query(ge=0, le=MAX_PRECISION, description="Décimales des coordonnées. Decimal places of coordinates."),
    ] = DEFAULT_PRECISION,
    commune: Annotated[str | None, Query(description="Code INSEE de la commune. INSEE commune code.", pattern=COMMUNE_REGEX)] = None,
    departement: Annotated[str | None, Query(description="Code du département. Département code.", pattern=DEPARTEMENT_REGEX)] = None,
    f: Annotated[Literal["json", "html"] | None, Query(description="Représentation. Representation.")] = None,
) -> ItemsQuery:
    """Validate the items parameters; a ``limit`` above the maximum is clamped, as OGC API – Features allows."""
    return ItemsQuery(
        bbox=parse_bbox(bbox),
        limit=min(limit, MAX_LIMIT),
        offset=offset,
        precision=precision,
        commune=parse_commune(commune),
        departement=parse_departement(departement),
        f=f,
    )


ITEMS_PARAMETERS = ("bbox", "limit", "offset", "precision", "commune", "departement", "f")
ItemsParams = Annotated[ItemsQuery, Depends(items_query)]
FormatParam = Annotated[Literal["json", "html"] | None, Query(description="Représentation. Representation.")]
PrecisionParam = Annotated[int, Query(ge=0, le=MAX_PRECISION, description="Décimales des coordonnées. Decimal places of coordinates.")]
