"""The map page: bureau outlines of a commune drawn as SVG by the page's own script."""

from __future__ import annotations

import json
from html import escape
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse, HTMLResponse

from service.api.errors import NotFoundError
from service.api.negotiation import request_language
from service.api.params import COMMUNE_REGEX, check_query

STATIC = Path(__file__).resolve().parent / "static"
STATIC_FILES = {"carte.js": "text/javascript", "carte.css": "text/css"}
# Only this service may be contacted: no CDN, no analytics, no tile server.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)

TEXTS = {
    "fr": {
        "title": "Carte des bureaux de vote",
        "commune": "Commune",
        "bureau": "Bureau",
        "voters": "Électeurs inscrits sur la liste principale",
        "sexe": "Sexe",
        "secret": "secret statistique",
        "loading": "Chargement…",
        "empty": "Aucun contour servi pour cette commune.",
        "drawn": "{count} bureaux dessinés. Cliquez sur un bureau pour voir ses effectifs.",
        "noscript": "Cette carte a besoin de JavaScript.",
    },
    "en": {
        "title": "Map of polling stations",
        "commune": "Commune",
        "bureau": "Bureau",
        "voters": "Voters on the main list",
        "sexe": "Sex",
        "secret": "withheld (statistical confidentiality)",
        "loading": "Loading…",
        "empty": "No outline is served for this commune.",
        "drawn": "{count} bureaux drawn. Click a bureau to see its counts.",
        "noscript": "This map needs JavaScript.",
    },
}

router = APIRouter()


def _page(lang: str) -> HTMLResponse:
    texts = TEXTS[lang]
    # Escape "<" so that no value can close the script element early.
    texts_json = json.dumps(texts, ensure_ascii=False).replace("<", "\\u003c")
    document = f"""<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>{escape(texts["title"])}</title>
<link rel="stylesheet" href="/static/carte.css">
</head>
<body>
<header>
<h1>{escape(texts["title"])}</h1>
<label>{escape(texts["commune"])} <select id="commune"></select></label>
<span id="status" role="status">{escape(texts["loading"])}</span>
</header>
<main>
<svg id="map" xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(texts["title"])}" preserveAspectRatio="xMidYMid meet"></svg>
<aside id="info" aria-live="polite"></aside>
</main>
<noscript>{escape(texts["noscript"])}</noscript>
<script id="texts" type="application/json">{texts_json}</script>
<script src="/static/carte.js"></script>
</body>
</html>
"""
    return HTMLResponse(
        document,
        headers={"Content-Language": lang, "Content-Security-Policy": CONTENT_SECURITY_POLICY, "Vary": "Accept-Language"},
    )


CommuneQuery = Annotated[str | None, Query(description="Commune affichée d'abord. Commune shown first.", pattern=COMMUNE_REGEX)]


@router.get(
    "/carte",
    summary="Carte des bureaux d'une commune. Map of a commune's bureaux.",
    dependencies=[Depends(check_query("commune"))],
    response_class=HTMLResponse,
)
def carte(request: Request, commune: CommuneQuery = None) -> HTMLResponse:
    return _page(request_language(request))


@router.get(
    "/map",
    summary="Carte (alias de /carte). Map (alias of /carte).",
    dependencies=[Depends(check_query("commune"))],
    response_class=HTMLResponse,
)
def map_page(request: Request, commune: CommuneQuery = None) -> HTMLResponse:
    return _page(request_language(request))


@router.get("/static/{name}", include_in_schema=False, dependencies=[Depends(check_query())])
def static_file(request: Request, name: str) -> FileResponse:
    if name not in STATIC_FILES:
        raise NotFoundError("path_not_found", path=request.url.path)
    return FileResponse(STATIC / name, media_type=STATIC_FILES[name], headers={"Cache-Control": "public, max-age=300"})
