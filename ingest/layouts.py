"""Recognise the layout of an extract from its header and map columns to fields.

Four layouts are read:

- ``reu``: the REU "Listes électeurs" export (27 columns, lower-case French
  headers) and its variants (``code de l'ugle``, ``identifiant nationalité``,
  code columns beside label columns);
- ``arrete2013``: the layout of the arrêté of 2013 (``TypeListe;InfoListe;…``);
- ``insee``: INSEE's open table of addresses per bureau, already geocoded;
- ``generic``: any CSV described by ``--map field=column``, or whose header
  uses the field names or their usual synonyms.

Columns that hold personal data (names, birthplace, nationality) are
recognised so that the header counts as known, and are never read.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from ingest.errors import LayoutMismatchError, MappingError, UnknownLayoutError

# Fields a row can carry once mapped. `date_naissance` is read only to compute
# an age band and is dropped at once.
FIELDS = (
    "commune",
    "commune_label",
    "bureau",
    "bureau_label",
    "type_liste",
    "sexe",
    "date_naissance",
    "date_liste",
    "numero",
    "type_voie",
    "voie",
    "complement1",
    "complement2",
    "lieu_dit",
    "adresse",
    "code_postal",
    "ville",
    "poids",
    "lon",
    "lat",
    "geo_type",
    "geo_score",
    "geo_label",
    "geo_id",
)

# Fields a user may name in --map for the generic layout.
GENERIC_FIELDS = (
    "commune",
    "bureau",
    "adresse",
    "numero",
    "voie",
    "complement",
    "lieu_dit",
    "code_postal",
    "ville",
    "sexe",
    "date_naissance",
    "type_liste",
    "poids",
)
_GENERIC_ALIASES = {"numéro": "numero", "lieu-dit": "lieu_dit", "complément": "complement"}


def header_key(name: str) -> str:
    """Reduce a header to lower-case letters and digits, for comparison.

    ``"Nom d’usage  "``, ``"nom d'usage"`` and ``NomDUsage`` all become
    ``nomdusage``; a newline inside a quoted header disappears.
    """
    name = unicodedata.normalize("NFKD", name.replace("\ufeff", ""))
    name = "".join(c for c in name if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]", "", name.lower())


@dataclass(frozen=True)
class Layout:
    """Columns of one layout: accepted header keys per field, and which are required."""

    name: str
    columns: dict[str, tuple[str, ...]]
    required: tuple[str, ...]
    personal: tuple[str, ...] = ()
    ignored: tuple[str, ...] = ()
    # Field whose value is a combined `{commune}_{bureau}` id (INSEE's table).
    combined_bureau: bool = False

    def known_keys(self) -> set[str]:
        keys = {key for keys in self.columns.values() for key in keys}
        return keys | set(self.personal) | set(self.ignored)


REU = Layout(
    name="reu",
    columns={
        "commune": ("codedulugle", "codedelugle", "codeugle", "codecommune"),
        "commune_label": ("libelledelugle", "libelledulugle", "libelleugle"),
        "type_liste": ("libelledutypedeliste", "codedutypedeliste", "typedeliste"),
        "sexe": ("sexe", "codesexe"),
        "date_naissance": ("datedenaissance",),
        "numero": ("numerodevoie",),
        "voie": ("libelledevoie",),
        "complement1": ("complement1",),
        "complement2": ("complement2",),
        "lieu_dit": ("lieudit",),
        "code_postal": ("codepostal",),
        "ville": ("commune",),
        "bureau": ("codedubureaudevote",),
        "bureau_label": ("libelledubureaudevote",),
    },
    required=("bureau", "voie", "numero"),
    personal=(
        "nomdenaissance",
        "nomdusage",
        "prenoms",
        "codecommunedenaissance",
        "libellecommunedenaissance",
        "communedenaissance",
        "codedepartementdenaissance",
        "departementdenaissance",
        "paysdenaissance",
        "codepaysdenaissance",
        "libellepaysdenaissance",
        "libellenationalite",
        "identifiantnationalite",
        "codenationalite",
        "nationalite",
    ),
    ignored=(
        "pays",
        "codecirconscriptionlegislativedubureaudevote",
        "libellecantondubureaudevote",
        "codecantondubureaudevote",
        "libellecirconscriptionmetropolitainedubureaudevote",
        "numerodordredanslebureaudevote",
    ),
)

ARRETE_2013 = Layout(
    name="arrete2013",
    columns={
        "type_liste": ("typeliste",),
        "date_liste": ("datecreationliste",),
        "commune": ("codecommune",),
        "commune_label": ("nomcommune",),
        "sexe": ("sexe",),
        "date_naissance": ("datedenaissance",),
        "bureau_label": ("nombureaudevote",),
        "bureau": ("nobureaudevote",),
        "complement1": ("complementdelocalisation1",),
        "complement2": ("complementdelocalisation2",),
        "numero": ("numerovoie",),
        "type_voie": ("typevoie",),
        "voie": ("libellevoie",),
        "lieu_dit": ("lieudit",),
        "code_postal": ("codepostal",),
        "ville": ("villelocalite",),
    },
    required=("bureau", "voie", "numero", "typeliste_or_commune"),
    personal=(
        "nomdenaissance",
        "nomdusage",
        "prenoms",
        "nomcomnaissance",
        "deptnaissance",
        "paysnaissance",
        "nationalite",
    ),
    ignored=("infoliste", "codedepartement", "noelecteurgeneral", "codecanton", "codecirconscription", "pays"),
)

INSEE = Layout(
    name="insee",
    columns={
        "commune": ("codecommuneref", "reconstitutioncodecommune"),
        "bureau": ("idbrutbvreu",),
        "geo_id": ("id",),
        "geo_label": ("geoadresse",),
        "geo_type": ("geotype",),
        "geo_score": ("geoscore",),
        "lon": ("longitude",),
        "lat": ("latitude",),
        "poids": ("nbadresses",),
    },
    required=("commune", "bureau", "lon", "lat"),
    ignored=("apiline", "nbbvcommune"),
    combined_bureau=True,
)

# Usual header names of a generic table, per field, tried when no --map is given.
GENERIC_SYNONYMS: dict[str, tuple[str, ...]] = {
    "commune": ("codecommune", "codeinsee", "insee", "codecom", "depcom", "citycode"),
    "bureau": ("codebureau", "bureau", "bureaudevote", "codebv", "numerobureau", "bv"),
    "adresse": ("adresse", "address", "adresseelecteur"),
    "numero": ("numero", "numerovoie", "numerodevoie"),
    "voie": ("voie", "libellevoie", "nomvoie", "rue"),
    "complement": ("complement", "complementadresse"),
    "lieu_dit": ("lieudit",),
    "code_postal": ("codepostal", "cp", "postcode"),
    "ville": ("ville", "commune", "nomcommune", "localite"),
    "sexe": ("sexe", "sex"),
    "date_naissance": ("datenaissance", "datedenaissance"),
    "type_liste": ("typeliste", "typedeliste"),
    "poids": ("poids", "nbelecteurs", "electeurs", "weight"),
}

LAYOUTS = {layout.name: layout for layout in (REU, ARRETE_2013, INSEE)}
LAYOUT_NAMES = ("reu", "arrete2013", "insee", "generic")


@dataclass
class ColumnMap:
    """Column index of each field, for one file."""

    layout: str
    fields: dict[str, int]
    combined_bureau: bool = False
    unknown_columns: list[str] = field(default_factory=list)


def _match(layout: Layout, keys: list[str]) -> tuple[dict[str, int], list[str]]:
    mapping: dict[str, int] = {}
    for field_name, accepted in layout.columns.items():
        for key in accepted:
            if key in keys and field_name not in mapping:
                index = keys.index(key)
                if index not in mapping.values():
                    mapping[field_name] = index
    missing = [name for name in layout.required if name not in mapping]
    # The TypeListe column distinguishes the 2013 layout from a REU export.
    if "typeliste_or_commune" in missing:
        missing.remove("typeliste_or_commune")
        if "typeliste" not in keys:
            missing.append("TypeListe")
    return mapping, missing


def _parse_mapping(items: list[str], header: list[str], keys: list[str], path: str) -> dict[str, int]:
    mapping: dict[str, int] = {}
    fields = ", ".join(GENERIC_FIELDS)
    for item in items:
        if "=" not in item:
            raise MappingError(item=item, reason={"fr": "attendu : champ=colonne", "en": "expected field=column"}, fields=fields)
        name, column = (part.strip() for part in item.split("=", 1))
        name = _GENERIC_ALIASES.get(name, name)
        if name not in GENERIC_FIELDS:
            raise MappingError(item=item, reason={"fr": f"champ « {name} » inconnu", "en": f"unknown field '{name}'"}, fields=fields)
        if column in header:
            mapping[name] = header.index(column)
        elif header_key(column) in keys:
            mapping[name] = keys.index(header_key(column))
        else:
            raise MappingError(
                item=item,
                reason={"fr": f"pas de colonne « {column} » dans {path}", "en": f"no column '{column}' in {path}"},
                fields=fields,
            )
    return mapping


def _generic_missing(mapping: dict[str, int]) -> list[str]:
    missing = [] if "bureau" in mapping else ["bureau"]
    if not ("adresse" in mapping or "voie" in mapping or "lieu_dit" in mapping):
        missing.append("adresse|voie|lieu_dit")
    return missing


def _generic(header: list[str], keys: list[str], mapping_items: list[str], path: str) -> ColumnMap | None:
    explicit = _parse_mapping(mapping_items, header, keys, path)
    mapping = dict(explicit)
    for name, synonyms in GENERIC_SYNONYMS.items():
        if name in mapping:
            continue
        for key in synonyms:
            if key in keys and keys.index(key) not in mapping.values():
                mapping[name] = keys.index(key)
                break
    if _generic_missing(mapping):
        return None
    if "complement" in mapping:
        mapping["complement1"] = mapping.pop("complement")
    return ColumnMap(layout="generic", fields=mapping)


def detect_layout(
    header: list[str],
    path: str,
    forced: str | None = None,
    mapping_items: list[str] | None = None,
) -> ColumnMap:
    """Choose the layout of a file from its header row and map its columns.

    Raises
    ------
    UnknownLayoutError
        When no layout fits the header.
    LayoutMismatchError
        When ``forced`` names a layout whose required columns are missing.
    MappingError
        When a ``--map`` item names an unknown field or column.
    """
    keys = [header_key(name) for name in header]
    mapping_items = mapping_items or []

    if forced == "generic" or (mapping_items and forced is None):
        column_map = _generic(header, keys, mapping_items, path)
        if column_map is None:
            mapped = _parse_mapping(mapping_items, header, keys, path)
            raise LayoutMismatchError(path=path, layout="generic", missing=", ".join(_generic_missing(mapped)))
        return column_map

    candidates = [LAYOUTS[forced]] if forced else list(LAYOUTS.values())
    for layout in candidates:
        mapping, missing = _match(layout, keys)
        if not missing:
            known = layout.known_keys()
            unknown = [name for name, key in zip(header, keys) if key not in known]
            return ColumnMap(layout.name, mapping, layout.combined_bureau, unknown)
        if forced:
            raise LayoutMismatchError(path=path, layout=forced, missing=", ".join(missing))

    column_map = _generic(header, keys, mapping_items, path)
    if column_map is not None:
        return column_map
    # The first line may be a voter's row when the header is missing: its cells
    # are never echoed, only counted.
    raise UnknownLayoutError(path=path, count=len(header), required="bureau, adresse|voie|lieu_dit")
