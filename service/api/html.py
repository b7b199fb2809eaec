"""Plain HTML pages for the OGC API resources, written with the standard library only."""

from __future__ import annotations

import json
from html import escape

from fastapi.responses import HTMLResponse

STYLE = (
    "body{font-family:system-ui,sans-serif;margin:1.5rem;max-width:70rem;color:#222}"
    "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2rem .5rem;text-align:left}"
    "nav a{margin-right:1rem}"
)


def page(title: str, lang: str, body: str, headers: dict[str, str] | None = None) -> HTMLResponse:
    """Return a complete HTML page; ``body`` must already be escaped."""
    document = (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width,initial-scale=1"><title>{escape(title)}</title>'
        f"<style>{STYLE}</style></head><body><h1>{escape(title)}</h1>{body}</body></html>"
    )
    return HTMLResponse(document, headers={"Content-Language": lang, **(headers or {})})


def links_list(links: list[dict]) -> str:
    items = "".join(
        f'<li><a href="{escape(link["href"])}" rel="{escape(link["rel"])}">{escape(link.get("title") or link["rel"])}</a>'
        f' <small>{escape(link.get("type", ""))}</small></li>'
        for link in links
    )
    return f"<ul>{items}</ul>"


def properties_table(features: list[dict], secret_text: str) -> str:
    if not features:
        return "<p>-</p>"
    columns = list(features[0]["properties"].keys())
    head = "".join(f"<th>{escape(column)}</th>" for column in ["id", *columns])
    rows = []
    for feature in features:
        properties = feature["properties"]
        cells = [escape(str(feature["id"]))]
        for column in columns:
            value = properties.get(column)
            if column == "voters" and value is None and properties.get("secret"):
                cells.append(escape(secret_text))
            else:
                cells.append(escape("" if value is None else str(value)))
        rows.append("<tr>" + "".join(f"<td>{cell}</td>" for cell in cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def json_block(data: object) -> str:
    return f"<pre>{escape(json.dumps(data, ensure_ascii=False, indent=2))}</pre>"
