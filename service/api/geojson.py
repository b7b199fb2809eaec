"""Serialize outlines as RFC 7946 GeoJSON features, and keep the serialized features in memory.

RFC 7946: longitude before latitude, exterior rings counter-clockwise and holes
clockwise, no ``crs`` member. Coordinates are rounded to ``precision`` decimals;
rings are re-oriented after rounding and dropped when rounding collapses them.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence

import numpy as np
import shapely
from sqlalchemy import Engine

from service.api.main_list import MainListCounts, commune_count, publish_main_list
from service.api.params import departement_of
from service.store import queries


def _ring(coords: np.ndarray, precision: int, counter_clockwise: bool) -> list | None:
    ring = np.round(np.asarray(coords)[:, :2], precision)
    changed = np.any(np.diff(ring, axis=0) != 0, axis=1)
    ring = ring[np.concatenate(([True], changed))]
    if len(ring) < 4 or not np.array_equal(ring[0], ring[-1]):
        return None
    x, y = ring[:, 0], ring[:, 1]
    signed_area = float(np.dot(x[:-1], y[1:]) - np.dot(x[1:], y[:-1]))
    if signed_area == 0.0:
        return None
    if (signed_area > 0) != counter_clockwise:
        ring = ring[::-1]
    return ring.tolist()


def geometry_object(geometry: shapely.Geometry | None, precision: int) -> dict | None:
    """Return the GeoJSON MultiPolygon of a (Multi)Polygon, rounded and oriented as RFC 7946 requires."""
    if geometry is None or geometry.is_empty:
        return None
    polygons = geometry.geoms if geometry.geom_type in ("MultiPolygon", "GeometryCollection") else [geometry]
    coordinates = []
    for polygon in polygons:
        if polygon.geom_type != "Polygon":
            continue
        exterior = _ring(polygon.exterior.coords, precision, counter_clockwise=True)
        if exterior is None:
            continue
        holes = [_ring(interior.coords, precision, counter_clockwise=False) for interior in polygon.interiors]
        coordinates.append([exterior, *[hole for hole in holes if hole is not None]])
    if not coordinates:
        return None
    return {"type": "MultiPolygon", "coordinates": coordinates}


def bureau_properties(row: dict, main_list: MainListCounts) -> dict:
    """Return the published properties of one bureau outline; no address-level data.

    ``voters`` is the bureau's main-list count as ``main_list`` publishes it.
    """
    voters, secret = main_list.bureau(row["bureau"])
    return {
        "bureau": row["bureau"],
        "code": row.get("code") or row["bureau"].split("_", 1)[-1],
        "label": row.get("label") or "",
        "commune": row["commune"],
        "commune_label": row.get("commune_label") or "",
        "departement": departement_of(row["commune"]),
        "voters": voters,
        "secret": secret,
        "area_m2": round(float(row["area_m2"]), 1),
        "fallback": bool(row["fallback"]),
        "build": row["build_id"],
    }


def feature_bytes(feature_id: str, geometry: dict | None, properties: dict) -> bytes:
    feature = {"type": "Feature", "id": feature_id, "geometry": geometry, "properties": properties}
    return json.dumps(feature, ensure_ascii=False, separators=(",", ":")).encode()


class LruCache:
    """A thread-safe mapping that keeps the ``size`` most recently used entries."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict[Hashable, object] = OrderedDict()
        self._lock = threading.Lock()

    def get_many(self, keys: Sequence[Hashable]) -> dict[Hashable, object]:
        found = {}
        with self._lock:
            for key in keys:
                if key in self._entries:
                    self._entries.move_to_end(key)
                    found[key] = self._entries[key]
        return found

    def put_many(self, items: dict[Hashable, object]) -> None:
        with self._lock:
            for key, value in items.items():
                self._entries[key] = value
                self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


class FeatureStore:
    """Serialized features and geometries of the served outlines, cached by outline id.

    An outline row never changes once its build is stored, so a geometry keyed
    by outline id stays valid: a new build brings new ids, and the old entries
    age out. A feature also carries the main-list count of the commune's
    current extract, which a new extract changes without a new build, so the
    owner calls ``clear_features`` whenever the served version changes.
    """

    def __init__(self, engine: Engine, size: int = 50_000) -> None:
        self.engine = engine
        self._features = LruCache(size)
        self._geometries = LruCache(size)
        self._bureau_ids = LruCache(size)

    def clear_features(self) -> None:
        """Drop the serialized features, keeping the geometries."""
        self._features.clear()

    def _fill(self, ids: Sequence[int], precision: int) -> None:
        rows = queries.load_outlines(self.engine, ids)
        main_list = publish_main_list(queries.main_list_voters(self.engine, {row["commune"] for row in rows}))
        geometries = shapely.from_wkb([row["geometry"] for row in rows])
        features, shapes, bureau_ids = {}, {}, {}
        for row, geometry in zip(rows, geometries):
            properties = bureau_properties(row, main_list)
            features[(row["id"], precision)] = feature_bytes(row["bureau"], geometry_object(geometry, precision), properties)
            shapes[row["id"]] = geometry
            bureau_ids[row["id"]] = row["bureau"]
        self._features.put_many(features)
        self._geometries.put_many(shapes)
        self._bureau_ids.put_many(bureau_ids)

    def features(self, ids: Sequence[int], precision: int) -> list[bytes]:
        """Return the serialized features of outlines ``ids``, in that order."""
        keys = [(outline_id, precision) for outline_id in ids]
        found = self._features.get_many(keys)
        missing = [outline_id for outline_id, precision_ in keys if (outline_id, precision_) not in found]
        if missing:
            self._fill(missing, precision)
            found.update(self._features.get_many([(outline_id, precision) for outline_id in missing]))
        return [found[key] for key in keys]

    def geometries(self, ids: Sequence[int]) -> list[shapely.Geometry]:
        """Return the EPSG:4326 geometries of outlines ``ids``, in that order."""
        found = self._geometries.get_many(ids)
        missing = [outline_id for outline_id in ids if outline_id not in found]
        if missing:
            self._fill(missing, 6)
            found.update(self._geometries.get_many(missing))
        return [found[outline_id] for outline_id in ids]

    def commune_feature(self, row: dict, precision: int, geometry_of: Callable[[dict], shapely.Geometry | None]) -> bytes:
        """Return the serialized feature of a commune row from ``queries.commune_rows``."""
        key = ("commune", row["code"], row["build_id"], row["has_boundary"], precision)
        found = self._features.get_many([key])
        if key in found:
            return found[key]
        voters, secret = commune_count(row["main_list_voters"])
        properties = {
            "code": row["code"],
            "label": row["label"],
            "departement": departement_of(row["code"]),
            "voters": voters,
            "secret": secret,
            "bureaux": row["bureaux"] or 0,
            "build": row["build_id"],
        }
        data = feature_bytes(row["code"], geometry_object(geometry_of(row), precision), properties)
        self._features.put_many({key: data})
        return data
