"""The state one application shares between requests: the database engine and the caches."""

from __future__ import annotations

import threading
import time

import shapely
from fastapi import Request
from sqlalchemy import Engine

from service.api.geojson import FeatureStore
from service.store import queries

# How long a check of the served builds stays fresh; a new build shows within this delay.
VERSION_TTL_SECONDS = 2.0


class Service:
    """Engine, feature cache, and the commune list cached per served version."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.store = FeatureStore(engine)
        self._lock = threading.Lock()
        self._version: tuple | None = None
        self._checked_at = 0.0
        self._extent: queries.Box | None = None
        self._communes: list[dict] = []
        self._geometries: dict[tuple, shapely.Geometry | None] = {}

    def _refresh(self) -> None:
        """Reload the extent and the commune list when the served builds or boundaries changed."""
        now = time.monotonic()
        with self._lock:
            if self._version is not None and now - self._checked_at < VERSION_TTL_SECONDS:
                return
            version = queries.served_version(self.engine)
            self._checked_at = now
            if version == self._version:
                return
            self.store.clear_features()
            self._extent = queries.served_extent(self.engine)
            communes = queries.commune_rows(self.engine, queries.AreaFilter())
            self._geometries = {}
            for row in communes:
                row["bounds"] = None
                if row["minx"] is not None:
                    row["bounds"] = shapely.box(row["minx"], row["miny"], row["maxx"], row["maxy"])
                elif row["has_boundary"]:
                    geometry = self.commune_geometry(row)
                    row["bounds"] = shapely.box(*geometry.bounds) if geometry is not None else None
            self._communes = communes
            self._version = version

    def features(self, ids: list[int], precision: int) -> list[bytes]:
        """Return the serialized features of outlines ``ids``, with counts of the served version."""
        self._refresh()
        return self.store.features(ids, precision)

    def extent(self) -> queries.Box | None:
        """Return the bounding box of the served outlines."""
        self._refresh()
        return self._extent

    def communes(self, area: queries.AreaFilter) -> list[dict]:
        """Return the loaded communes of ``area``, by code."""
        self._refresh()
        rows = self._communes
        if area.commune is not None:
            rows = [row for row in rows if row["code"] == area.commune]
        if area.departement is not None:
            rows = [row for row in rows if row["code"].startswith(area.departement)]
        return rows

    def commune_geometry(self, row: dict) -> shapely.Geometry | None:
        """Return the boundary of a commune, or the union of its served outlines when none is loaded."""
        key = (row["code"], row["build_id"], row["has_boundary"])
        if key in self._geometries:
            return self._geometries[key]
        wkb = queries.boundary_geometry(self.engine, row["code"]) if row["has_boundary"] else None
        if wkb is not None:
            geometry = shapely.from_wkb(wkb)
        else:
            parts = queries.served_outline_geometries(self.engine, row["code"])
            geometry = shapely.union_all(shapely.from_wkb(parts)) if parts else None
        self._geometries[key] = geometry
        return geometry


def get_service(request: Request) -> Service:
    """Return the application's ``Service``."""
    return request.app.state.service
