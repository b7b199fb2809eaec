"""Compare stored geocoding results with another geocoder's results, row by row."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ingest.geocode.errors import ExpectedFileError

AGREEMENT_METRES = 30.0
EARTH_RADIUS_METRES = 6_371_008.8
RESULT_REQUIRED = ("result_type", "result_id", "lon", "lat")
EXPECTED_REQUIRED = ("result_type", "result_id", "result_score", "longitude", "latitude")


def haversine_metres(lon1: np.ndarray, lat1: np.ndarray, lon2: np.ndarray, lat2: np.ndarray) -> np.ndarray:
    """Return great-circle distances in metres between WGS84 points (NaN where a point is missing)."""
    lon1, lat1, lon2, lat2 = (np.radians(np.asarray(values, dtype=float)) for values in (lon1, lat1, lon2, lat2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_METRES * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def compare_with_expected(
    results: pd.DataFrame,
    expected: pd.DataFrame,
    worst: int = 20,
    min_expected_score: float = 0.8,
) -> dict:
    """Compare results with expected results aligned on the same index (one row per input line).

    ``results`` has ``result_type``, ``result_id``, ``lon``, ``lat``;
    ``expected`` has ``result_type``, ``result_id``, ``result_score``,
    ``longitude``, ``latitude`` (the addok CSV columns), plus optional
    ``result_label``. A row agrees when both give the same ``result_id`` or
    points less than 30 m apart. Rows without an expected result are counted
    but not compared. Returns a JSON-ready dict.
    """
    _check(results, RESULT_REQUIRED, "results")
    _check(expected, EXPECTED_REQUIRED, "expected")
    if not results.index.equals(expected.index):
        raise ExpectedFileError(
            reason=f"{len(results)} result rows and {len(expected)} expected rows do not share the same row index",
            expected=", ".join(EXPECTED_REQUIRED),
        )

    expected_type = expected["result_type"].astype(object).where(expected["result_type"].notna(), None)
    has_expected = expected_type.notna() & (expected_type != "")
    expected_score = pd.to_numeric(expected["result_score"], errors="coerce")

    same_id = (
        results["result_id"].notna()
        & (results["result_id"].astype(object) == expected["result_id"].astype(object))
    ).to_numpy()
    distance = haversine_metres(
        results["lon"], results["lat"],
        pd.to_numeric(expected["longitude"], errors="coerce"), pd.to_numeric(expected["latitude"], errors="coerce"),
    )
    near = np.nan_to_num(distance, nan=np.inf) < AGREEMENT_METRES
    agree = (same_id | near) & has_expected.to_numpy()

    compared = has_expected.to_numpy()
    strong = compared & (expected_type == "housenumber").to_numpy() & (expected_score >= min_expected_score).to_numpy()

    report = {
        "rows": int(len(expected)),
        "rows_with_expected": int(compared.sum()),
        "same_result_id": _share(same_id & compared, compared),
        "within_30m": _share(near & compared, compared),
        "agreement": _share(agree, compared),
        "agreement_housenumber_score_ge_0_8": _share(agree & strong, strong),
        "rows_housenumber_score_ge_0_8": int(strong.sum()),
        "by_expected_type": _by_type(expected_type, compared, agree, same_id, near),
        "by_result_type": _by_type(results["result_type"].astype(object).where(results["result_type"].notna(), None), compared, agree, same_id, near),
        "worst": _worst(results, expected, distance, compared & ~agree, worst),
    }
    return report


def _check(frame: pd.DataFrame, required: tuple[str, ...], name: str) -> None:
    missing = [column for column in required if column not in frame.columns]
    if missing:
        raise ExpectedFileError(reason=f"{name}: missing columns {', '.join(missing)}", expected=", ".join(required))


def _share(selected: np.ndarray, among: np.ndarray) -> float | None:
    total = int(np.sum(among))
    if total == 0:
        return None
    return round(float(np.sum(selected)) / total, 6)


def _by_type(types: pd.Series, compared: np.ndarray, agree: np.ndarray, same_id: np.ndarray, near: np.ndarray) -> dict:
    out = {}
    labels = types.fillna("none").to_numpy(dtype=object)
    for label in sorted(set(labels[compared])):
        mask = compared & (labels == label)
        out[label] = {
            "rows": int(mask.sum()),
            "agreement": _share(agree & mask, mask),
            "same_result_id": _share(same_id & mask, mask),
            "within_30m": _share(near & mask, mask),
        }
    return out


def _worst(results: pd.DataFrame, expected: pd.DataFrame, distance: np.ndarray, disagree: np.ndarray, count: int) -> list[dict]:
    """List the disagreements furthest apart; rows where one side has no position come first."""
    positions = np.flatnonzero(disagree)
    order = positions[np.argsort(-np.nan_to_num(distance[positions], nan=np.inf), kind="stable")][:count]
    rows = []
    for position in order:
        result = results.iloc[position]
        answer = expected.iloc[position]
        rows.append(
            {
                "row": _plain(results.index[position]),
                "distance_m": None if np.isnan(distance[position]) else round(float(distance[position]), 1),
                "result_type": _plain(result.get("result_type")),
                "result_label": _plain(result.get("result_label")),
                "result_score": _plain(result.get("result_score")),
                "expected_type": _plain(answer.get("result_type")),
                "expected_label": _plain(answer.get("result_label")),
                "expected_score": _plain(answer.get("result_score")),
            }
        )
    return rows


def _plain(value):
    if value is None:
        return None
    if isinstance(value, float) and np.isnan(value):
        return None
    if value is pd.NA:
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value
