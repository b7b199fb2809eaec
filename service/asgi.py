"""ASGI entry point for uvicorn workers: the app for the database in ``DATABASE_URL``."""

from __future__ import annotations

import os

from fastapi import FastAPI


def app_from_environment() -> FastAPI:
    """Create the HTTP application for ``DATABASE_URL`` (``./bureaux.db`` when unset)."""
    from service.api.app import create_app

    return create_app(os.environ.get("DATABASE_URL"))
