"""Choose the language and the representation of a response from the request."""

from __future__ import annotations

from fastapi import Request

LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "fr"


def _parse_header(value: str) -> list[tuple[str, float]]:
    """Split an ``Accept`` or ``Accept-Language`` header into (item, q) pairs, best first.

    Malformed entries are skipped, so a garbled header falls back to the defaults
    instead of failing the request.
    """
    entries: list[tuple[str, float, int]] = []
    for position, part in enumerate(value.split(",")):
        fields = [field.strip() for field in part.split(";")]
        item = fields[0].lower()
        if not item:
            continue
        quality = 1.0
        for parameter in fields[1:]:
            if parameter.startswith("q="):
                try:
                    quality = float(parameter[2:])
                except ValueError:
                    quality = -1.0
        if 0.0 < quality <= 1.0:
            entries.append((item, quality, position))
    entries.sort(key=lambda entry: (-entry[1], entry[2]))
    return [(item, quality) for item, quality, _ in entries]


def request_language(request: Request) -> str:
    """Return ``fr`` or ``en`` from ``Accept-Language``; French when neither is asked for."""
    cached = request.scope.get("bureaux.lang")
    if cached:
        return cached
    lang = DEFAULT_LANGUAGE
    for item, _ in _parse_header(request.headers.get("accept-language", "")):
        primary = item.split("-")[0]
        if primary in LANGUAGES:
            lang = primary
            break
        if primary == "*":
            break
    request.scope["bureaux.lang"] = lang
    return lang


def accepted_media_types(request: Request) -> list[str]:
    """Return the media types of the ``Accept`` header, best first (``*/*`` when absent)."""
    header = request.headers.get("accept", "")
    if not header.strip():
        return ["*/*"]
    return [item for item, _ in _parse_header(header)]
