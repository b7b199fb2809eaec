"""Errors of the HTTP API, their status codes and their RFC 9457 problem documents."""

from __future__ import annotations

import json
import logging
import re
import uuid

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from service.api.messages import translate
from service.api.negotiation import request_language

logger = logging.getLogger(__name__)

PROBLEM_MEDIA_TYPE = "application/problem+json"
# Problem types are relative URIs: they stay the same on every deployment, and
# the service documents each of them at this path.
PROBLEM_BASE = "/problems/"


class ApiError(Exception):
    """Base class of the errors the API turns into problem documents.

    ``key`` names the detail message in ``service.api.messages``; the keyword
    arguments fill it. A value given as a message key in ``translated`` is
    translated into the response language first.
    """

    problem = "internal-error"

    def __init__(self, key: str, *, translated: dict[str, str] | None = None, **params: object) -> None:
        self.key = key
        self.params = params
        self.translated = translated or {}
        super().__init__(f"{key} {params}")

    def detail(self, lang: str) -> str:
        """Return the detail message in ``lang``."""
        params = dict(self.params)
        for name, key in self.translated.items():
            params[name] = translate(key, lang, **params)
        return translate(self.key, lang, **params)


class InvalidParameterError(ApiError):
    problem = "invalid-parameter"


class UnknownParameterError(ApiError):
    problem = "unknown-parameter"


class NotFoundError(ApiError):
    problem = "not-found"


class NotAcceptableError(ApiError):
    problem = "not-acceptable"


class InferenceRefusedError(ApiError):
    """A request that filters, groups, sorts or searches on a name, birth data or nationality."""

    problem = "inference-refused"


class MethodNotAllowedError(ApiError):
    problem = "method-not-allowed"


# The one place where exception classes meet HTTP status codes.
STATUS: dict[type[ApiError], int] = {
    InvalidParameterError: 400,
    UnknownParameterError: 400,
    InferenceRefusedError: 403,
    NotFoundError: 404,
    MethodNotAllowedError: 405,
    NotAcceptableError: 406,
}

_PROBLEM_SCHEMA = {
    "type": "object",
    "required": ["type", "title", "status", "detail", "instance"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
    },
}
_PROBLEM_CONTENT = {PROBLEM_MEDIA_TYPE: {"schema": _PROBLEM_SCHEMA}}
# Problem responses every route may return, for the OpenAPI document.
PROBLEM_RESPONSES: dict[int | str, dict] = {
    400: {"description": "Paramètre invalide ou inconnu. Invalid or unknown parameter.", "content": _PROBLEM_CONTENT},
    403: {"description": "Inférence interdite (nom, naissance, nationalité). Forbidden inference.", "content": _PROBLEM_CONTENT},
    404: {"description": "Ressource introuvable. Resource not found.", "content": _PROBLEM_CONTENT},
    406: {"description": "Représentation non disponible. Representation not available.", "content": _PROBLEM_CONTENT},
    500: {"description": "Erreur interne. Internal error.", "content": _PROBLEM_CONTENT},
}



def problem_doc(description: str) -> dict:
    """Return an OpenAPI response entry for a problem document with a route's own ``description``."""
    return {"description": description, "content": _PROBLEM_CONTENT}


PROBLEM_TYPES = ("invalid-parameter", "unknown-parameter", "inference-refused", "not-found", "method-not-allowed", "not-acceptable", "internal-error")


def problem_response(
    request: Request, status: int, problem: str, detail: str, lang: str, headers: dict[str, str] | None = None
) -> Response:
    """Build an ``application/problem+json`` response."""
    body = {
        "type": PROBLEM_BASE + problem,
        "title": translate(f"title.{problem}", lang),
        "status": status,
        "detail": detail,
        "instance": request.url.path,
    }
    return Response(
        json.dumps(body, ensure_ascii=False).encode(),
        status_code=status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers={"Content-Language": lang, "Cache-Control": "no-store", "Vary": "Accept-Language", **(headers or {})},
    )


async def handle_api_error(request: Request, error: ApiError) -> Response:
    status = STATUS.get(type(error), 500)
    lang = request_language(request)
    logger.info("%s %s: %s (%s)", request.method, request.url.path, error.problem, error.key)
    return problem_response(request, status, error.problem, error.detail(lang), lang)


async def handle_validation_error(request: Request, error: RequestValidationError) -> Response:
    """Turn FastAPI's parameter validation errors into a 400 problem naming the parameter and value."""
    lang = request_language(request)
    first = error.errors()[0] if error.errors() else {}
    location = first.get("loc", ())
    name = str(location[-1]) if location else "?"
    value = request.query_params.get(name, str(request.path_params.get(name, "")))
    logger.info("%s %s: invalid parameter %s (%s)", request.method, request.url.path, name, first.get("type"))
    if name == "ext":
        api_error = InvalidParameterError("invalid_extension", value=value, choices=_choices(first))
        return problem_response(request, 400, api_error.problem, api_error.detail(lang), lang)
    if name == "code":
        name = "commune" if "/communes/" in request.url.path else "departement"
    expected = _expected_for(name, first)
    api_error = InvalidParameterError("invalid_value", translated={"expected": expected[0]}, name=name, value=value, **expected[1])
    return problem_response(request, 400, api_error.problem, api_error.detail(lang), lang)


def _choices(error: dict) -> str:
    """Return the allowed values of a Literal parameter, comma-separated.

    Pydantic lists them in an English phrase (``'json' or 'html'``), so only
    the quoted values are kept.
    """
    return ", ".join(re.findall(r"'([^']*)'", str(error.get("ctx", {}).get("expected", ""))))


def _expected_for(name: str, error: dict) -> tuple[str, dict[str, object]]:
    from service.api.params import MAX_LIMIT, MAX_PRECISION
    from service.api.stats import DIMENSIONS

    if name == "limit":
        return "expected.limit", {"maximum": MAX_LIMIT}
    if name == "offset":
        return "expected.offset", {}
    if name == "precision":
        return "expected.precision", {"maximum": MAX_PRECISION}
    if name in ("bbox", "commune", "departement"):
        return f"expected.{name}", {}
    if name == "group_by":
        return "expected.group_by", {"choices": ", ".join(DIMENSIONS)}
    if error.get("type") in ("enum", "literal_error"):
        return "expected.choice", {"choices": _choices(error)}
    if error.get("type") == "int_parsing":
        return "expected.integer", {}
    # Never the raw pattern of the OpenAPI document, which means nothing to a user.
    return "expected.valid", {}


async def handle_http_exception(request: Request, error: StarletteHTTPException) -> Response:
    """Return problem documents for Starlette's own 404 and 405 errors."""
    lang = request_language(request)
    if error.status_code == 405:
        detail = translate("method_not_allowed", lang, method=request.method, path=request.url.path)
        headers = dict(error.headers or {})
        allowed = [method.strip() for method in headers.get("Allow", "").split(",") if method.strip()]
        if "GET" in allowed and "HEAD" not in allowed:
            # The application handles HEAD wherever it handles GET (see service.api.head).
            headers["Allow"] = ", ".join([*allowed, "HEAD"])
        return problem_response(request, 405, "method-not-allowed", detail, lang, headers=headers)
    if error.status_code == 404:
        detail = translate("path_not_found", lang, path=request.url.path)
        return problem_response(request, 404, "not-found", detail, lang)
    detail = translate("internal_error", lang, reference="-")
    return problem_response(request, error.status_code, "internal-error", detail, lang)


async def handle_unexpected(request: Request, error: Exception) -> Response:
    """Log an unexpected error with a reference and return a problem that shows only the reference."""
    reference = uuid.uuid4().hex[:12]
    logger.exception("unexpected error %s on %s %s", reference, request.method, request.url.path)
    lang = request_language(request)
    return problem_response(request, 500, "internal-error", translate("internal_error", lang, reference=reference), lang)
