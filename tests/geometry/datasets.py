"""Load the shared Val-de-Marne, Finistère and Montpellier sets as build inputs."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd
from shapely.geometry.base import BaseGeometry

_LEADING_NUMBER = re.compile(r"^\s*(\d+)")


@dataclass
class CommuneInput:
    """Points, boundary and bureau list of one commune."""

    commune: str
    points: gpd.GeoDataFrame
    boundary: BaseGeometry
    bureaux: list[str]


def bureau_id(commune: str, code: str) -> str:
    """Return the bureau id ``{commune}_{code}``, with a numeric code zero-padded to 4 characters."""
    code = str(code).strip()
    return f"{commune}_{code.zfill(4) if code.isdigit() else code}"


def _house_number(value: object) -> float:
    match = _LEADING_NUMBER.match(str(value)) if isinstance(value, str) else None
    return float(match.group(1)) if match else float("nan")


def load_valdemarne(folder: Path) -> dict[str, CommuneInput]:
    """Join the voter addresses with the expected geocoding, one point per (bureau, address location).

    One input row is one voter, so ``voters`` counts the rows merged into a point.
    """
    addresses = pd.read_csv(folder / "adresses-electeurs.csv", dtype=str, keep_default_na=False)
    geocoded = pd.read_csv(folder / "geocodage-attendu.csv", dtype={"result_housenumber": str, "result_name": str})
    geocoded = geocoded.set_index("ligne").reindex(range(1, len(addresses) + 1))
    frame = pd.DataFrame(
        {
            "commune": addresses["code_commune"].to_numpy(),
            "bureau": [bureau_id(c, b) for c, b in zip(addresses["code_commune"], addresses["code_bureau"])],
            "lon": geocoded["longitude"].to_numpy(),
            "lat": geocoded["latitude"].to_numpy(),
            "geo_type": geocoded["result_type"].to_numpy(),
            "geo_score": geocoded["result_score"].to_numpy(),
            "street": geocoded["result_name"].str.lower().str.split().str.join(" ").to_numpy(),
            "numero": [
                _house_number(number) if kind == "housenumber" else float("nan")
                for number, kind in zip(geocoded["result_housenumber"], geocoded["result_type"])
            ],
        }
    )
    frame["street"] = frame["street"].where(frame["numero"].notna(), None)
    keys = ["commune", "bureau", "lon", "lat", "geo_type", "street", "numero"]
    points = (
        frame.groupby(keys, dropna=False, sort=False)
        .agg(voters=("bureau", "size"), geo_score=("geo_score", "max"))
        .reset_index()
    )
    return _split_communes(points, folder / "communes.geojson")


def load_finistere(folder: Path) -> dict[str, CommuneInput]:
    """Read the REU address sample; ``nb_adresses`` is the weight (voters) of each point."""
    table = pd.read_csv(folder / "adresses-reu.csv", dtype={"id_brut_bv_reu": str, "code_commune_ref": str})
    points = pd.DataFrame(
        {
            "commune": table["code_commune_ref"],
            "bureau": [bureau_id(*raw.split("_", 1)) for raw in table["id_brut_bv_reu"]],
            "lon": table["longitude"],
            "lat": table["latitude"],
            "geo_type": table["geo_type"],
            "geo_score": table["geo_score"],
            "voters": table["nb_adresses"].astype(int),
        }
    )
    return _split_communes(points, folder / "communes.geojson")


def _split_communes(points: pd.DataFrame, boundaries_path: Path) -> dict[str, CommuneInput]:
    boundaries = gpd.read_file(boundaries_path).set_index("code_insee").geometry
    geometry = gpd.points_from_xy(points["lon"], points["lat"], crs=4326)
    frame = gpd.GeoDataFrame(points.drop(columns=["lon", "lat"]), geometry=geometry, crs=4326)
    communes = {}
    for commune, group in frame.groupby("commune", sort=True):
        communes[commune] = CommuneInput(
            commune=commune,
            points=group.drop(columns="commune").reset_index(drop=True),
            boundary=boundaries.loc[commune],
            bureaux=sorted(group["bureau"].unique()),
        )
    return communes


def load_montpellier(folder: Path) -> tuple[gpd.GeoDataFrame, BaseGeometry]:
    """Read the official Montpellier outlines (column bureau = ``34172_NNNN``) and the commune outline."""
    official = gpd.read_file(folder / "bureaux-officiels.geojson")
    official["bureau"] = [bureau_id("34172", str(int(float(b)))) for b in official["Bureau"]]
    commune = gpd.read_file(folder / "commune.geojson").geometry.union_all()
    return official[["bureau", "geometry"]], commune
