"""OGC API – Features, Part 1 (Core, GeoJSON): landing page, conformance, collections and items."""

from __future__ import annotations

import hashlib
import json
from typing import Annotated

import shapely
from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import JSONResponse, Response

from service.api import html
from service.api.errors import NotFoundError, problem_doc
from service.api.messages import translate
from service.api.negotiation import request_language
from service.api.params import (
    DEFAULT_PRECISION,
    ITEMS_PARAMETERS,
    PrecisionParam,
    FormatParam,
    ItemsParams,
    ItemsQuery,
    check_query,
    representation,
)
from service.api.service import Service, get_service
from service.store import queries

GEOJSON = "application/geo+json"
JSON = "application/json"
HTML = "text/html"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
COLLECTIONS = ("bureaux", "communes")
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
]
# Outline responses may be reused for a minute: a rebuild is rarely more urgent than that.
CACHE_CONTROL = "public, max-age=60"
VARY = "Accept, Accept-Language, Accept-Encoding"

router = APIRouter()

CollectionId = Annotated[str, Path(description="Identifiant de la collection : bureaux ou communes. Collection id.")]
ServiceDep = Annotated[Service, Depends(get_service)]


def _link(request: Request, path: str, rel: str, media_type: str, title_key: str, lang: str, **query: object) -> dict:
    url = request.url.replace(path=path, query="").include_query_params(**query) if query else request.url.replace(path=path, query="")
    return {"href": str(url), "rel": rel, "type": media_type, "title": translate(title_key, lang)}


def _self_links(request: Request, lang: str, json_type: str) -> list[dict]:
    return [
        {"href": str(request.url.include_query_params(f="json")), "rel": "self", "type": json_type, "title": translate("link.self", lang)},
        {"href": str(request.url.include_query_params(f="html")), "rel": "alternate", "type": HTML, "title": translate("link.alternate_html", lang)},
    ]


def _json(data: dict, media_type: str, lang: str) -> Response:
    return JSONResponse(data, media_type=media_type, headers={"Content-Language": lang, "Vary": VARY})


def _check_collection(collection_id: str) -> None:
    if collection_id not in COLLECTIONS:
        raise NotFoundError("collection_not_found", collection=collection_id, available=", ".join(COLLECTIONS))


@router.get(
    "/",
    summary="Page d'accueil. Landing page.",
    dependencies=[Depends(check_query("f"))],
    responses={200: {"content": {HTML: {}}}},
)
def landing(request: Request, f: FormatParam = None) -> Response:
    lang = request_language(request)
    links = _self_links(request, lang, JSON) + [
        _link(request, "/openapi.json", "service-desc", OPENAPI, "link.service_desc", lang),
        _link(request, "/conformance", "conformance", JSON, "link.conformance", lang),
        _link(request, "/collections", "data", JSON, "link.data", lang),
        _link(request, "/carte", "alternate", HTML, "link.map", lang),
    ]
    data = {"title": translate("landing.title", lang), "description": translate("landing.description", lang), "links": links}
    if representation(request, f, (JSON,)) == "html":
        return html.page(data["title"], lang, f"<p>{data['description']}</p>" + html.links_list(links))
    return _json(data, JSON, lang)


@router.get(
    "/conformance",
    summary="Classes de conformité. Conformance classes.",
    dependencies=[Depends(check_query("f"))],
    responses={200: {"content": {HTML: {}}}},
)
def conformance(request: Request, f: FormatParam = None) -> Response:
    lang = request_language(request)
    data = {"conformsTo": CONFORMANCE}
    if representation(request, f, (JSON,)) == "html":
        items = "".join(f"<li>{uri}</li>" for uri in CONFORMANCE)
        return html.page(translate("conformance.title", lang), lang, f"<ul>{items}</ul>")
    return _json(data, JSON, lang)


def _collection(request: Request, service: Service, collection_id: str, lang: str) -> dict:
    extent = service.extent()
    # Rounded as the features' coordinates are, so the box is exactly that of the published geometries.
    bbox = [round(value, DEFAULT_PRECISION) for value in extent] if extent else [-180.0, -90.0, 180.0, 90.0]
    items_path = f"/collections/{collection_id}/items"
    return {
        "id": collection_id,
        "title": translate(f"collection.{collection_id}.title", lang),
        "description": translate(f"collection.{collection_id}.description", lang),
        "itemType": "feature",
        "crs": [CRS84],
        "extent": {"spatial": {"bbox": [bbox], "crs": CRS84}},
        "links": [
            _link(request, f"/collections/{collection_id}", "self", JSON, "link.collection", lang),
            _link(request, f"/collections/{collection_id}", "alternate", HTML, "link.alternate_html", lang, f="html"),
            _link(request, items_path, "items", GEOJSON, "link.items", lang),
            _link(request, items_path, "items", HTML, "link.items", lang, f="html"),
        ],
    }


@router.get(
    "/collections",
    summary="Collections servies. Served collections.",
    dependencies=[Depends(check_query("f"))],
    responses={200: {"content": {HTML: {}}}},
)
def collections(request: Request, service: ServiceDep, f: FormatParam = None) -> Response:
    lang = request_language(request)
    data = {
        "links": _self_links(request, lang, JSON),
        "collections": [_collection(request, service, collection_id, lang) for collection_id in COLLECTIONS],
    }
    if representation(request, f, (JSON,)) == "html":
        body = "".join(
            f"<h2>{html.escape(item['title'])}</h2><p>{html.escape(item['description'])}</p>{html.links_list(item['links'])}"
            for item in data["collections"]
        )
        return html.page(translate("collections.title", lang), lang, body)
    return _json(data, JSON, lang)


@router.get(
    "/collections/{collection_id}",
    summary="Description d'une collection. Collection description.",
    dependencies=[Depends(check_query("f"))],
    responses={200: {"content": {HTML: {}}}, 404: problem_doc("Collection inconnue. Unknown collection.")},
)
def collection(request: Request, collection_id: CollectionId, service: ServiceDep, f: FormatParam = None) -> Response:
    _check_collection(collection_id)
    lang = request_language(request)
    data = _collection(request, service, collection_id, lang)
    if representation(request, f, (JSON,)) == "html":
        return html.page(data["title"], lang, f"<p>{html.escape(data['description'])}</p>" + html.links_list(data["links"]))
    return _json(data, JSON, lang)


def _page_links(request: Request, query: ItemsQuery, matched: int, returned: int, lang: str) -> list[dict]:
    links = _self_links(request, lang, GEOJSON)
    if query.offset + returned < matched:
        url = request.url.include_query_params(offset=query.offset + returned, limit=query.limit)
        links.append({"href": str(url), "rel": "next", "type": GEOJSON, "title": translate("link.next", lang)})
    if query.offset > 0:
        url = request.url.include_query_params(offset=max(query.offset - query.limit, 0), limit=query.limit)
        links.append({"href": str(url), "rel": "prev", "type": GEOJSON, "title": translate("link.prev", lang)})
    collection_path = request.url.path.rsplit("/items", 1)[0]
    links.append(_link(request, collection_path, "collection", JSON, "link.collection", lang))
    return links


def _cached(request: Request, body: bytes, media_type: str, lang: str) -> Response:
    """Return ``body`` with an ETag, or 304 when the client already has that version."""
    # Weak, because the gzip middleware may send the same content with another encoding.
    etag = 'W/"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'
    headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL, "Content-Language": lang, "Vary": VARY}
    if etag in [tag.strip() for tag in request.headers.get("if-none-match", "").split(",")]:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=media_type, headers=headers)


def _collection_body(features: list[bytes], matched: int, links: list[dict]) -> bytes:
    head = json.dumps(
        {"type": "FeatureCollection", "numberMatched": matched, "numberReturned": len(features), "links": links},
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return head[:-1].encode() + b',"features":[' + b",".join(features) + b"]}"


def _bureaux_page(service: Service, query: ItemsQuery) -> tuple[list[bytes], int]:
    area = queries.AreaFilter(query.commune, query.departement)
    if query.bbox is None:
        matched = queries.count_outlines(service.engine, area)
        ids = queries.outline_page(service.engine, area, query.limit, query.offset) if query.offset < matched else []
        return service.features(ids, query.precision), matched

    candidates = queries.outline_candidates(service.engine, area, query.bbox.parts())
    if candidates:
        boxes = [shapely.box(*part) for part in query.bbox.parts()]
        geometries = service.store.geometries(candidates)
        hits = shapely.intersects(geometries, boxes[0])
        for box in boxes[1:]:
            hits |= shapely.intersects(geometries, box)
        candidates = [outline_id for outline_id, hit in zip(candidates, hits) if hit]
    page = candidates[query.offset : query.offset + query.limit]
    return service.features(page, query.precision), len(candidates)


def _communes_page(service: Service, query: ItemsQuery) -> tuple[list[bytes], int]:
    rows = service.communes(queries.AreaFilter(query.commune, query.departement))
    if query.bbox is not None:
        boxes = [shapely.box(*part) for part in query.bbox.parts()]
        rows = [row for row in rows if row["bounds"] is not None and any(box.intersects(row["bounds"]) for box in boxes)]
    page = rows[query.offset : query.offset + query.limit]
    return [service.store.commune_feature(row, query.precision, service.commune_geometry) for row in page], len(rows)


@router.get(
    "/collections/{collection_id}/items",
    summary="Objets d'une collection (GeoJSON). Features of a collection (GeoJSON).",
    dependencies=[Depends(check_query(*ITEMS_PARAMETERS))],
    response_class=Response,
    responses={
        200: {"content": {GEOJSON: {"schema": {"type": "object"}}, HTML: {}}, "description": "FeatureCollection (RFC 7946)."},
        304: {"description": "Inchangé depuis l'ETag donné. Unchanged since the given ETag."},
        404: problem_doc("Collection inconnue. Unknown collection."),
    },
)
def items(request: Request, collection_id: CollectionId, query: ItemsParams, service: ServiceDep) -> Response:
    _check_collection(collection_id)
    lang = request_language(request)
    kind = representation(request, query.f, (GEOJSON,))
    if collection_id == "bureaux":
        features, matched = _bureaux_page(service, query)
    else:
        features, matched = _communes_page(service, query)
    links = _page_links(request, query, matched, len(features), lang)

    if kind == "html":
        parsed = [json.loads(feature) for feature in features]
        body = (
            f"<p>{html.escape(translate('html.features', lang, returned=len(features), matched=matched))}</p>"
            + html.links_list(links)
            + html.properties_table(parsed, translate("html.secret", lang))
        )
        return html.page(translate(f"collection.{collection_id}.title", lang), lang, body)
    return _cached(request, _collection_body(features, matched, links), GEOJSON, lang)


@router.get(
    "/collections/{collection_id}/items/{feature_id}",
    summary="Un objet (GeoJSON). One feature (GeoJSON).",
    dependencies=[Depends(check_query("f", "precision"))],
    response_class=Response,
    responses={
        200: {"content": {GEOJSON: {"schema": {"type": "object"}}, HTML: {}}, "description": "Feature (RFC 7946)."},
        304: {"description": "Inchangé depuis l'ETag donné. Unchanged since the given ETag."},
        404: problem_doc("Collection ou objet inconnu. Unknown collection or feature."),
    },
)
def item(
    request: Request,
    collection_id: CollectionId,
    feature_id: Annotated[str, Path(description="Identifiant du bureau (29039_0001) ou code de commune. Bureau id or commune code.")],
    service: ServiceDep,
    f: FormatParam = None,
    precision: PrecisionParam = DEFAULT_PRECISION,
) -> Response:
    _check_collection(collection_id)
    lang = request_language(request)
    kind = representation(request, f, (GEOJSON,))
    if collection_id == "bureaux":
        outline_id = queries.served_outline_id(service.engine, feature_id)
        feature = service.features([outline_id], precision)[0] if outline_id is not None else None
    else:
        rows = [row for row in service.communes(queries.AreaFilter(commune=feature_id)) if row["code"] == feature_id]
        feature = service.store.commune_feature(rows[0], precision, service.commune_geometry) if rows else None
    if feature is None:
        raise NotFoundError("feature_not_found", feature=feature_id, collection=collection_id)

    links = [
        *_self_links(request, lang, GEOJSON),
        _link(request, f"/collections/{collection_id}", "collection", JSON, "link.collection", lang),
    ]
    if kind == "html":
        parsed = json.loads(feature)
        return html.page(str(parsed["id"]), lang, html.links_list(links) + html.properties_table([parsed], translate("html.secret", lang)))
    body = feature[:-1] + b',"links":' + json.dumps(links, ensure_ascii=False, separators=(",", ":")).encode() + b"}"
    return _cached(request, body, GEOJSON, lang)
