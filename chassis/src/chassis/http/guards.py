"""What every HTTP answer and every request body goes through before a route sees it.

- A body larger than its route allows is refused with 413 while it is read (chunked bodies included),
  before anything is parsed or stored; the cap depends on what is sent (JSON, a CSV, a file).
- A JSON body nested deeper than any of our documents is refused with 422 (a deep document costs the
  parser; ours are a few levels deep).
- Every answer carries the security headers; API answers are never cached by intermediaries.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

from chassis.http.problems import PROBLEM, TITLES

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]

MAX_JSON_DEPTH = 32
SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cross-origin-resource-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
    "strict-transport-security": "max-age=31536000; includeSubDomains",
}
API_CSP = "default-src 'none'; frame-ancestors 'none'"
DOCS_PATHS = ("/docs", "/redoc", "/openapi.json")
"""The interactive documentation loads Swagger UI's scripts: no restrictive CSP there."""


@dataclass(frozen=True)
class BodyLimits:
    """Caps by what the body is: JSON (and anything else), a CSV file, an XML file (a bank statement), a multipart
    upload."""

    json_bytes: int = 256 * 1024
    csv_bytes: int = 5 * 1024 * 1024
    upload_bytes: int = 21 * 1024 * 1024
    xml_bytes: int = 10 * 1024 * 1024

    def for_content_type(self, content_type: str) -> int:
        kind = content_type.split(";", 1)[0].strip().lower()
        if kind == "multipart/form-data":
            return self.upload_bytes
        if kind in ("text/csv", "application/csv"):
            return self.csv_bytes
        if kind in ("application/xml", "text/xml"):
            return self.xml_bytes
        return self.json_bytes


class BodyTooLarge(Exception):
    pass


def json_depth(body: bytes) -> int:
    """The deepest nesting of arrays and objects in a JSON text (strings skipped); no parsing."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in body:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            deepest = max(deepest, depth)
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return deepest


async def _send_problem(send: Send, status: int, detail: str, field: str | None = None) -> None:
    body: dict[str, Any] = {"type": f"https://errors.douane.example/{status}", "title": TITLES.get(status, "Erreur")}
    body |= {"status": status, "detail": detail}
    if field:
        body["field"] = field
    content = json.dumps(body, ensure_ascii=False).encode()
    headers = [(b"content-type", PROBLEM.encode()), (b"content-length", str(len(content)).encode())]
    headers += [(k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": content})


class RequestGuard:
    """Raw ASGI middleware (a body is checked while it streams in, not after it was buffered)."""

    def __init__(self, app: App, limits: BodyLimits | None = None) -> None:
        self.app = app
        self.limits = limits or BodyLimits()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        content_type = headers.get("content-type", "")
        cap = self.limits.for_content_type(content_type)
        declared = headers.get("content-length", "")
        field = "corps" if content_type.split(";", 1)[0].strip().lower().endswith("json") else "file"
        if declared.isascii() and declared.isdigit() and int(declared) > cap:
            await _send_problem(send, 413, _too_large(cap), field)
            return
        send = _with_security_headers(scope, send)
        if content_type.split(";", 1)[0].strip().lower().endswith("json"):
            checked = await self._json_body(receive, send, cap)
            if checked is not None:
                await self.app(scope, checked, send)
            return
        await self._streamed(scope, receive, send, cap)

    async def _streamed(self, scope: Scope, receive: Receive, send: Send, cap: int) -> None:
        """A file streams through, counted: past the cap the client gets 413 and the route reads no more."""
        size = 0
        refused = False

        async def counting() -> Message:
            nonlocal size, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            size += len(message.get("body", b""))
            if size > cap:
                refused = True
                await _send_problem(send, 413, _too_large(cap), "file")
                return {"type": "http.disconnect"}
            return message

        async def quiet(message: Message) -> None:
            if not refused:
                await send(message)

        try:
            await self.app(scope, counting, quiet)
        except Exception:
            if not refused:
                raise

    async def _json_body(self, receive: Receive, send: Send, cap: int) -> Receive | None:
        """Reads the whole body within the cap (None when refused: the answer was sent), then replays it."""
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > cap:
                await _send_problem(send, 413, _too_large(cap), "corps")
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if json_depth(body) > MAX_JSON_DEPTH:
            await _send_problem(
                send,
                422,
                f"Le document JSON est imbriqué trop profondément ({MAX_JSON_DEPTH} niveaux au plus).",
                "corps",
            )
            return None
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        return replay


def _too_large(cap: int) -> str:
    size = f"{cap / (1024 * 1024):g} Mo" if cap >= 1024 * 1024 else f"{cap // 1024} Ko"
    return f"Le corps de la requête dépasse la taille admise pour ce contenu ({size})."


def _with_security_headers(scope: Scope, send: Send) -> Send:
    docs = str(scope.get("path", "")).startswith(DOCS_PATHS)

    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", []))
            present = {k.decode("latin-1").lower() for k, _ in headers}
            extra = dict(SECURITY_HEADERS)
            if not docs:
                extra["content-security-policy"] = API_CSP
                extra["cache-control"] = "no-store"
            headers += [(k.encode(), v.encode()) for k, v in extra.items() if k not in present]
            message["headers"] = headers
        await send(message)

    return sending
