"""An ASGI middleware that handles HEAD wherever GET is handled, and sends one ``Vary`` header without repeated names."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send


def merge_vary(values: list[bytes]) -> bytes:
    """Return one ``Vary`` value with each header name once, in first-seen order (case-insensitive)."""
    names: dict[str, str] = {}
    for value in values:
        for name in value.decode("latin-1").split(","):
            name = name.strip()
            if name:
                names.setdefault(name.lower(), name)
    return ", ".join(names.values()).encode("latin-1")


class HeadAndVaryMiddleware:
    """Handle HEAD as GET without the body, and merge the ``Vary`` headers of every response.

    Every route of the API is a GET route, so a HEAD request runs the GET
    handler and sends its status and headers (``Content-Length`` included),
    as RFC 9110 section 9.3.2 asks. Routes and the gzip middleware each add
    ``Vary`` names, which would otherwise repeat.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        head = scope["method"] == "HEAD"
        if head:
            scope = {**scope, "method": "GET"}

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(name, value) for name, value in message.get("headers", []) if name.lower() != b"vary"]
                vary = [value for name, value in message.get("headers", []) if name.lower() == b"vary"]
                if vary:
                    headers.append((b"vary", merge_vary(vary)))
                message = {**message, "headers": headers}
            elif head and message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app(scope, receive, send_wrapper)
