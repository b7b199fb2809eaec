"""The committed OpenAPI document matches the one the application generates."""

from __future__ import annotations

import json

from service.api.openapi import DEFAULT_PATH, openapi_document


def test_openapi_committed_matches():
    generated = openapi_document()
    committed = DEFAULT_PATH.read_text(encoding="utf-8")
    assert committed == generated, "openapi/openapi.json is stale: run python -m service.api.openapi"


def test_openapi_limit_maximum():
    document = json.loads(DEFAULT_PATH.read_text(encoding="utf-8"))
    parameters = document["paths"]["/collections/{collection_id}/items"]["get"]["parameters"]
    limit = next(parameter for parameter in parameters if parameter["name"] == "limit")
    assert limit["schema"]["maximum"] == 10_000
    assert limit["schema"]["default"] == 100
