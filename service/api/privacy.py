"""Reject requests that would sort or select voters by name, birth data or nationality, and audit them."""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
import unicodedata
from datetime import datetime, timezone
from pathlib import Path

from fastapi import Request

from service.api.errors import InferenceRefusedError
from service.logs import JsonFormatter

audit_logger = logging.getLogger("service.audit")

# Words that name a surname, first name, birth date, birthplace or nationality,
# or a phonetic key of a name, after accents are removed and the text is
# lower-cased and split into words.
FORBIDDEN_WORDS = frozenset(
    {
        "nom", "noms", "name", "names", "surname", "surnames", "lastname", "firstname", "forename", "givenname",
        "familyname", "maidenname", "prenom", "prenoms", "patronyme", "patronymique",
        "naissance", "naissances", "birth", "births", "birthdate", "birthday", "birthplace", "dob", "ddn", "born",
        "nationalite", "nationalites", "nationality", "nationalities", "citizenship", "citoyennete",
        "consonance", "soundex", "metaphone", "phonetic", "phonetique", "phonex", "ethnie", "ethnic",
        "ethnicity", "origine", "origines", "origin", "religion", "confession",
    }
)
# Compound spellings with no separator between words (``lieunaissance``, ``paysNaissance``).
FORBIDDEN_FRAGMENTS = (
    "naissance", "birth", "prenom", "surname", "lastname", "firstname", "givenname", "familyname",
    "nationalit", "citizenship", "soundex", "phonet", "ethni", "patronym", "nomusage", "nomdenaissance",
)
# Parameters whose values are lists of field names: a refusal may echo the value.
FIELD_LIST_PARAMETERS = frozenset({"group_by", "groupby", "sortby", "sort", "order_by", "orderby", "properties", "fields", "select"})
# Parameters whose values are expressions or free text, which may contain a
# person's name: a refusal echoes only the protected word found in them.
EXPRESSION_PARAMETERS = frozenset({"filter", "q"})

_KEY = secrets.token_bytes(32)


def _words(text: str) -> list[str]:
    """Split ``text`` into lower-case ASCII words, also at camelCase boundaries."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(character for character in text if not unicodedata.combining(character))
    text = re.sub(r"([a-z])([A-Z])", r"\1 \2", text)
    return [word for word in re.split(r"[^a-z0-9]+", text.lower()) if word]


def forbidden_term(text: str) -> str | None:
    """Return the word of ``text`` that names a protected attribute, or None."""
    words = _words(text)
    for word in words:
        if word in FORBIDDEN_WORDS:
            return word
    joined = "".join(words)
    for fragment in FORBIDDEN_FRAGMENTS:
        if fragment in joined:
            return fragment
    return None


def _fingerprint(value: str) -> str:
    """Return a keyed hash of ``value``: equal values match within one process, and no dictionary reverses it."""
    return hmac.new(_KEY, value.encode(), hashlib.sha256).hexdigest()[:16]


def audit_refusal(request: Request, term: str) -> None:
    """Record a refused request: client, time, path, the protected word and parameter names, never values."""
    client = request.client.host if request.client else "-"
    parameters = [
        {"name": name, "length": len(value), "fingerprint": _fingerprint(value)}
        for name, value in request.query_params.multi_items()
    ]
    audit_logger.warning(
        "inference refused on %s %s: %s",
        request.method,
        request.url.path,
        term,
        extra={
            "event": "inference_refused",
            "client": client,
            "at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "path": request.url.path,
            "protected_word": term,
            "parameters": parameters,
            "user_agent_length": len(request.headers.get("user-agent", "")),
        },
    )


def refuse_inference(request: Request) -> None:
    """Raise ``InferenceRefusedError`` when a parameter name, or a field named in a value, is protected.

    The problem names the parameter as sent. It repeats the value only for
    parameters whose values are field names, never a value that could be data.
    """
    for name, value in request.query_params.multi_items():
        lowered = name.lower()
        if (term := forbidden_term(name)) is not None:
            error = InferenceRefusedError("inference_refused", translated={"rule": "inference.rule"}, name=name)
        elif lowered in FIELD_LIST_PARAMETERS and (term := forbidden_term(value)) is not None:
            error = InferenceRefusedError("inference_refused_value", translated={"rule": "inference.rule"}, name=name, value=value)
        elif lowered in EXPRESSION_PARAMETERS and (term := forbidden_term(value)) is not None:
            error = InferenceRefusedError("inference_refused_term", translated={"rule": "inference.rule"}, name=name, term=term)
        else:
            continue
        audit_refusal(request, term)
        raise error


def configure_audit(path: str | Path | None) -> None:
    """Also write the audit records to ``path``, one JSON object per line."""
    if path is None:
        return
    path = Path(path)
    for handler in audit_logger.handlers:
        if isinstance(handler, logging.FileHandler) and Path(handler.baseFilename) == path.resolve():
            return
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(JsonFormatter())
    audit_logger.addHandler(handler)
    audit_logger.setLevel(logging.INFO)
