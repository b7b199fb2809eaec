"""Generate a fictitious commune and run the pipeline on it, with no network and no outside file.

The commune ``45999`` (no such commune exists) is a grid of named streets
with numbered houses on both sides. Its bureaux follow main streets, as real
ones do. Voters carry made-up names built from syllables, so the privacy
guarantees can be shown on a file that looks like a real REU export.
"""

from __future__ import annotations

import csv
import json
import logging
import math
import random
from collections.abc import Callable
from datetime import date
from pathlib import Path

from ingest.extract import read_extract

logger = logging.getLogger(__name__)

COMMUNE = "45999"
COMMUNE_LABEL = "Villebrune-sur-Loire"
POSTCODE = "45990"
EXTRACT_DATE = date(2026, 3, 2)
ORIGIN = (1.9050, 47.8650)  # lon, lat of the south-west corner
METRES_PER_DEGREE_LAT = 111_320.0

STREET_TYPES = ("Rue", "Avenue", "Allée", "Boulevard", "Impasse", "Chemin")
STREET_NAMES = (
    "des Tilleuls", "de la République", "Victor Hugo", "du Général de Gaulle", "des Écoles",
    "de l'Église", "Jean Jaurès", "des Mésanges", "du Moulin", "Pasteur", "de la Gare",
    "des Acacias", "Jules Ferry", "du Stade", "des Vignes", "de la Fontaine", "Émile Zola",
    "des Peupliers", "du Château", "Saint-Martin",
)
SYLLABLES = ("zor", "quix", "vul", "bry", "kel", "dax", "wum", "yph", "oxa", "trel", "gno", "plu")
FIRST_NAMES = ("Alix", "Bastien", "Céleste", "Dorian", "Elouan", "Faustine", "Gaspard", "Hortense", "Iris", "Joachim", "Lison", "Maël", "Noé", "Ombeline", "Pacôme", "Roxane")
BIRTH_PLACES = ("VILLE-FICTIVE", "BOURG-IMAGINAIRE", "HAMEAU-INVENTE")

REU_HEADER = (
    "code du l'ugle", "libellé de l'ugle", "libellé du type de liste", "nom de naissance", "nom d'usage",
    "prénoms", "sexe", "date de naissance", "code commune de naissance", "libellé commune de naissance",
    "code département de naissance", "pays de naissance", "libellé nationalité", "numéro de voie",
    "libellé de voie", "complément 1", "complément 2", "lieu-dit", "code postal", "commune", "pays",
    "code du bureau de vote", "libellé du bureau de vote", "code circonscription législative du bureau de vote",
    "libellé canton du bureau de vote", "libellé circonscription métropolitaine du bureau de vote",
    "numéro d'ordre dans le bureau de vote",
)
BAN_HEADER = (
    "id", "id_fantoir", "numero", "rep", "nom_voie", "code_postal", "code_insee", "nom_commune",
    "code_insee_ancienne_commune", "nom_ancienne_commune", "x", "y", "lon", "lat", "type_position", "alias",
    "nom_ld", "libelle_acheminement", "nom_afnor", "source_position", "source_nom_voie",
    "certification_commune", "cad_parcelles",
)


def _to_lonlat(x: float, y: float) -> tuple[float, float]:
    lat = ORIGIN[1] + y / METRES_PER_DEGREE_LAT
    lon = ORIGIN[0] + x / (METRES_PER_DEGREE_LAT * math.cos(math.radians(ORIGIN[1])))
    return round(lon, 6), round(lat, 6)


def _fake_name(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).upper()


def generate_commune(folder: Path, voters: int = 3000, seed: int = 1) -> dict:
    """Write the demo commune's BAN file, boundary and REU extract into ``folder``.

    Returns the paths written and the figures of the commune.
    """
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)

    # Streets on a grid: `size` vertical and `size` horizontal streets, 180 m apart.
    size = max(4, min(10, int(math.sqrt(voters / 60)) + 2))
    spacing = 180.0
    extent = spacing * (size + 1)
    streets = []
    names = rng.sample(STREET_NAMES, k=min(len(STREET_NAMES), 2 * size))
    for index in range(2 * size):
        name = f"{STREET_TYPES[index % len(STREET_TYPES)]} {names[index % len(names)]}"
        vertical = index < size
        offset = spacing * ((index % size) + 1)
        streets.append((name, vertical, offset))

    # Houses every 24 m on both sides; odd numbers on the left or bottom side.
    houses = []
    for street_index, (name, vertical, offset) in enumerate(streets):
        for step in range(int(extent // 24) - 1):
            along = 24.0 * (step + 1)
            for side, parity in ((-1, 1), (1, 0)):
                numero = 2 * (step + 1) - parity
                x, y = (offset + 9 * side, along) if vertical else (along, offset + 9 * side)
                houses.append({"street": street_index, "name": name, "numero": numero, "x": x, "y": y})
    # Bureaux split the grid along its middle streets: a 2 x 3 layout.
    for house in houses:
        column = 0 if house["x"] < extent / 2 else 1
        row = min(2, int(3 * house["y"] / extent))
        house["bureau"] = 1 + row * 2 + column

    ban_path = folder / "adresses-45999.csv"
    with ban_path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream, delimiter=";", lineterminator="\n")
        writer.writerow(BAN_HEADER)
        for index, house in enumerate(houses):
            lon, lat = _to_lonlat(house["x"], house["y"])
            fantoir = f"{COMMUNE}_{house['street']:04d}"
            writer.writerow([
                f"{fantoir}_{house['numero']:05d}", fantoir, house["numero"], "", house["name"], POSTCODE, COMMUNE,
                COMMUNE_LABEL, "", "", round(house["x"], 2), round(house["y"], 2), lon, lat, "entrée", "", "",
                COMMUNE_LABEL.upper(), house["name"].upper(), "commune", "commune", "LIBRE", "",
            ])

    boundary_path = folder / "commune-45999.geojson"
    corners = [_to_lonlat(-40, -40), _to_lonlat(extent + 40, -40), _to_lonlat(extent + 40, extent + 40), _to_lonlat(-40, extent + 40)]
    boundary = {
        "type": "FeatureCollection",
        "features": [{
            "type": "Feature",
            "properties": {"code_insee": COMMUNE, "nom": COMMUNE_LABEL},
            "geometry": {"type": "Polygon", "coordinates": [[*map(list, corners), list(corners[0])]]},
        }],
    }
    boundary_path.write_text(json.dumps(boundary), encoding="utf-8")

    # The true bureau areas of the grid, as official outlines would give them.
    official_path = folder / "bureaux-officiels-45999.geojson"
    edges_x = [-40, extent / 2, extent + 40]
    edges_y = [-40, extent / 3, 2 * extent / 3, extent + 40]
    features = []
    for row in range(3):
        for column in range(2):
            ring = [
                _to_lonlat(edges_x[column], edges_y[row]), _to_lonlat(edges_x[column + 1], edges_y[row]),
                _to_lonlat(edges_x[column + 1], edges_y[row + 1]), _to_lonlat(edges_x[column], edges_y[row + 1]),
            ]
            features.append({
                "type": "Feature",
                "properties": {"bureau": 1 + row * 2 + column},
                "geometry": {"type": "Polygon", "coordinates": [[*map(list, ring), list(ring[0])]]},
            })
    official_path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")

    extract_path = folder / f"ListesElecteurs-com{COMMUNE}-{EXTRACT_DATE:%d-%m-%Y}-09h00.csv"
    written = _write_extract(extract_path, houses, voters, rng)
    return {
        "commune": COMMUNE,
        "ban": str(ban_path),
        "boundary": str(boundary_path),
        "official": str(official_path),
        "extract": str(extract_path),
        "voters": written,
        "bureaux": len({house["bureau"] for house in houses}),
        "ban_addresses": len(houses),
    }


def _write_extract(path: Path, houses: list[dict], voters: int, rng: random.Random) -> int:
    order = {bureau: 0 for bureau in range(1, 7)}
    rows = []
    for _ in range(voters):
        house = rng.choice(houses)
        bureau = house["bureau"]
        order[bureau] += 1
        numero, voie, complement = str(house["numero"]), house["name"].upper(), ""
        roll = rng.random()
        # Some of the spellings real lists mix, so the demo exercises normalisation.
        if roll < 0.03:
            complement = rng.choice(("BAT B", "ESC 2 APPT 12", "RESIDENCE LES PINS", f"CHEZ {_fake_name(rng)}"))
        elif roll < 0.05:
            voie = voie.replace("'", "\u2019")
        elif roll < 0.06:
            numero = f"{numero} BIS"
        birth = date(rng.randint(1930, 2007), rng.randint(1, 12), rng.randint(1, 28))
        birth_text = f"{birth:%d/%m/%Y}" if rng.random() > 0.01 else f"00/00/{birth.year}"
        list_type = "Liste principale" if rng.random() > 0.03 else "Liste complémentaire municipale"
        rows.append([
            COMMUNE, COMMUNE_LABEL, list_type, _fake_name(rng), "", rng.choice(FIRST_NAMES), rng.choice("FM"),
            birth_text, "99999", rng.choice(BIRTH_PLACES), "99", "FRANCE", "Française", numero, voie, complement,
            "", "", POSTCODE, COMMUNE_LABEL.upper(), "FRANCE", f"{bureau:04d}", f"BUREAU {bureau}", "01",
            "CANTON FICTIF", "", order[bureau],
        ])
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream, delimiter=";", quoting=csv.QUOTE_ALL, lineterminator="\n")
        writer.writerow(REU_HEADER)
        writer.writerows(rows)
    return len(rows)


def run_demo(
    folder: Path,
    *,
    voters: int = 3000,
    seed: int = 1,
    db: str | None = None,
    lang: str = "fr",
    say: Callable[..., None] | None = None,
) -> dict:
    """Generate the demo commune, then ingest, geocode and build it on SQLite; return a summary."""
    from geometry.params import BuildParams
    from service.building import run_build
    from service.geocoding import geocode_stored, load_reference, reference_directory
    from service.store.boundaries import read_boundaries, save_boundaries
    from service.store.database import open_database
    from service.store.extracts import save_extract

    say = say or (lambda *args, **kwargs: None)
    files = generate_commune(folder, voters=voters, seed=seed)
    say("demo.generated", commune=COMMUNE, folder=str(folder), voters=files["voters"], bureaux=files["bureaux"], addresses=files["ban_addresses"])

    db = db or str(folder / "bureaux.db")
    engine = open_database(db)
    extract = read_extract(files["extract"])
    saved = save_extract(engine, extract, force=True)
    report = extract.report
    summary: dict = {
        "files": files,
        "database": db,
        "ingest": {
            "status": saved.status,
            "lines_read": report.lines_read,
            "accepted": report.accepted,
            "rejected": report.rejected,
            "voters": report.voters,
            "addresses": report.addresses,
            "bureaux": report.bureaux,
        },
    }
    say("demo.ingested", lines=report.lines_read, accepted=report.accepted, rejected=report.rejected, addresses=report.addresses)

    directory = reference_directory(db)
    load_reference(directory, [Path(files["ban"])])
    save_boundaries(engine, read_boundaries(Path(files["boundary"])), Path(files["boundary"]).name)
    geocoded = geocode_stored(engine, directory, communes=[COMMUNE], redo=True)
    summary["geocode"] = geocoded
    say("demo.geocoded", types=", ".join(f"{kind} {count}" for kind, count in sorted(geocoded["result_types"].items())))

    build_id, results = run_build(engine, [COMMUNE], BuildParams(), workers=1)
    result = results[0]
    summary["build"] = {
        "build_id": build_id,
        "ok": result.ok,
        "outlines": 0 if result.outlines is None else len(result.outlines),
        "bureaux_without_outline": result.report.get("bureaux_without_outline", []),
    }
    say("demo.built", outlines=summary["build"]["outlines"], missing=len(summary["build"]["bureaux_without_outline"]))
    say("demo.serve_hint", db=db)
    say("demo.done", db=db)
    return summary
