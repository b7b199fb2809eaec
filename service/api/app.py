"""Build the FastAPI application that ``bureaux serve`` runs under uvicorn."""

from __future__ import annotations

import logging
import os

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.gzip import GZipMiddleware

from service.api import carte, downloads, features, problems, stats
from service.api.downloads import DownloadCache
from service.api.head import HeadAndVaryMiddleware
from service.api.errors import PROBLEM_RESPONSES, ApiError, handle_api_error, handle_http_exception, handle_unexpected, handle_validation_error
from service.api.privacy import configure_audit
from service.api.service import Service
from service.store.database import open_database

logger = logging.getLogger(__name__)

VERSION = "1.0.0"
DESCRIPTION = (
    "Contours des bureaux de vote (OGC API – Features, GeoJSON RFC 7946), téléchargements et effectifs "
    "agrégés d'électeurs avec secret statistique. Aucune donnée à l'adresse n'est servie, et toute requête "
    "sur le nom, la naissance ou la nationalité est refusée.\n\n"
    "Polling-station outlines (OGC API – Features, GeoJSON RFC 7946), downloads and aggregate voter counts "
    "with small-cell suppression. No address-level data is served, and any query on names, birth data or "
    "nationality is refused."
)


def create_app(db: str | None = None, *, audit_log: str | None = None) -> FastAPI:
    """Build the application over the database ``db`` (a SQLite path or a URL; ``DATABASE_URL`` when None).

    ``audit_log`` (default: the ``BUREAUX_AUDIT_LOG`` variable) names a file
    that receives the refused requests as JSON lines, besides the
    ``service.audit`` logger.
    """
    engine = open_database(db)
    configure_audit(audit_log or os.environ.get("BUREAUX_AUDIT_LOG"))

    app = FastAPI(
        title="bureaux",
        version=VERSION,
        description=DESCRIPTION,
        openapi_url="/openapi.json",
        # FastAPI's documentation pages load scripts from a CDN; the service sends no client to a third party.
        docs_url=None,
        redoc_url=None,
    )
    app.state.service = Service(engine)
    app.state.downloads = DownloadCache()

    app.include_router(features.router, responses=PROBLEM_RESPONSES, tags=["OGC API – Features"])
    app.include_router(stats.router, responses=PROBLEM_RESPONSES, tags=["Effectifs / counts"])
    app.include_router(downloads.router, responses=PROBLEM_RESPONSES, tags=["Téléchargements / downloads"])
    app.include_router(carte.router, responses=PROBLEM_RESPONSES, tags=["Carte / map"])
    app.include_router(problems.router, responses=PROBLEM_RESPONSES, tags=["Problèmes / problems"])

    app.add_exception_handler(ApiError, handle_api_error)
    app.add_exception_handler(RequestValidationError, handle_validation_error)
    app.add_exception_handler(StarletteHTTPException, handle_http_exception)
    app.add_exception_handler(Exception, handle_unexpected)

    app.add_middleware(GZipMiddleware, minimum_size=1024, compresslevel=5)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=["*"],
        allow_methods=["GET", "HEAD"],
        allow_headers=["Accept", "Accept-Language", "If-None-Match"],
        expose_headers=["ETag", "Content-Language"],
    )
    # Outermost, so that a HEAD response carries the headers of the compressed GET response.
    app.add_middleware(HeadAndVaryMiddleware)
    logger.info("application ready on %s", engine.url.render_as_string(hide_password=True))
    return app
