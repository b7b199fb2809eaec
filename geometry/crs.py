"""Working (metric) CRS of a commune, chosen from its INSEE code."""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry.base import BaseGeometry

from geometry.errors import UnknownTerritoryError

WGS84 = 4326
LAMBERT_93 = 2154

# Overseas départements and their official projected CRS (RGAF09 / UTM 20N for the
# Antilles, RGFG95 / UTM 22N, RGR92 / UTM 40S, RGM04 / UTM 38S).
OVERSEAS_CRS = {"971": 5490, "972": 5490, "973": 2972, "974": 2975, "976": 4471}

_MAINLAND_CODE = re.compile(r"^(?:\d{2}|2[AB])\d{3}$")


def working_crs(commune: str) -> int:
    """Return the EPSG code of the metric CRS used to build outlines for ``commune``.

    Raises
    ------
    UnknownTerritoryError
        If ``commune`` is not a 5-character INSEE code of mainland France, Corsica or
        one of the overseas départements 971, 972, 973, 974 and 976.
    """
    if not isinstance(commune, str) or len(commune) != 5:
        raise UnknownTerritoryError(commune)

    if commune.startswith("97"):
        epsg = OVERSEAS_CRS.get(commune[:3])
        if epsg is None or not commune[3:].isdigit():
            raise UnknownTerritoryError(commune)
        return epsg

    # 20 is no département since Corsica became 2A and 2B, and 96, 98, 99 are not
    # communes of France with a Lambert-93 grid.
    if not _MAINLAND_CODE.match(commune) or commune[:2] in {"00", "20", "96", "98", "99"}:
        raise UnknownTerritoryError(commune)
    return LAMBERT_93


@lru_cache(maxsize=32)
def _transformer(source: int, target: int) -> Transformer:
    return Transformer.from_crs(source, target, always_xy=True)


def transform_coords(x: np.ndarray, y: np.ndarray, source: int, target: int) -> tuple[np.ndarray, np.ndarray]:
    """Transform coordinate arrays from EPSG ``source`` to EPSG ``target`` (x = lon/easting)."""
    return _transformer(source, target).transform(np.asarray(x, dtype=float), np.asarray(y, dtype=float))


def transform_geometry(geometry: BaseGeometry | np.ndarray, source: int, target: int):
    """Transform one shapely geometry or an array of them between two EPSG codes."""
    transformer = _transformer(source, target)

    def _apply(coords: np.ndarray) -> np.ndarray:
        x, y = transformer.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geometry, _apply)
