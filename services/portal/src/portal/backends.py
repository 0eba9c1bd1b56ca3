"""The services' HTTP APIs as the portal calls them: with the signed-in user's token, the request's
correlation id, a timeout, and an `Idempotency-Key` on every command (a double click or a retry of the same
form never acts twice). A refusal comes back as `Refused` (the problem+json: detail, field, code, errors);
a service that does not answer, or answers 5xx, as `Unavailable`, which the portal shows as its error page."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx
import structlog
from starlette.requests import Request

from chassis import tracing
from chassis.logging import correlation_id

log = structlog.get_logger()


def seg(value: object) -> str:
    """One path segment of a service's address, whatever the person typed or the URL held (`..`, `/`, `?`)."""
    return quote(str(value), safe="")


@dataclass
class Refused(Exception):
    """A 4xx problem+json from a service: shown next to its field, what was typed kept."""

    status: int
    detail: str
    field: str | None = None
    code: str | None = None
    errors: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    extra: dict[str, Any] = dataclasses.field(default_factory=dict)

    def __str__(self) -> str:
        return self.detail


@dataclass
class Unavailable(Exception):
    """The service could not answer (down, timeout, 5xx)."""

    service: str
    reason: str

    def __str__(self) -> str:
        return f"{self.service}: {self.reason}"


class SignedOut(Exception):
    """The service refused the token (expired or revoked): the person signs in again."""


class Backend:
    def __init__(self, name: str, base_url: str, *, timeout: float, transport: httpx.AsyncBaseTransport | None = None):
        self.name = name
        self.client = httpx.AsyncClient(base_url=base_url, timeout=timeout, transport=transport)

    async def close(self) -> None:
        await self.client.aclose()

    def _headers(self, token: str | None, key: str | None, extra: Mapping[str, str] | None) -> dict[str, str]:
        headers = {"Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        cid = correlation_id.get()
        if cid:
            headers["X-Correlation-Id"] = cid
        if key:
            headers["Idempotency-Key"] = key
        tracing.inject(headers)  # the service's request span continues the portal's
        headers.update(extra or {})
        return headers

    async def _send(self, method: str, path: str, token: str | None, **kwargs: Any) -> httpx.Response:
        key = kwargs.pop("key", None)
        headers = self._headers(token, key, kwargs.pop("headers", None))
        try:
            response = await self.client.request(method, path, headers=headers, **kwargs)
        except httpx.HTTPError as error:
            log.warning("service_unreachable", service=self.name, path=path, error=repr(error))
            raise Unavailable(self.name, type(error).__name__) from error
        if response.status_code == 401:
            raise SignedOut()
        if response.status_code >= 500:
            log.warning("service_error", service=self.name, path=path, status=response.status_code)
            raise Unavailable(self.name, f"HTTP {response.status_code}")
        if response.status_code >= 400:
            raise _refused(response)
        return response

    async def get(self, path: str, token: str | None, **params: Any) -> Any:
        clean = {k: v for k, v in params.items() if v not in (None, "")}
        return (await self._send("GET", path, token, params=clean)).json()

    async def command(
        self,
        method: str,
        path: str,
        token: str,
        *,
        key: str,
        json: Any = None,
        content: bytes | None = None,
        files: Any = None,
        content_type: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        headers = {**(headers or {}), **({"Content-Type": content_type} if content_type else {})}
        response = await self._send(
            method, path, token, key=key, json=json, content=content, files=files, headers=headers
        )
        return response.json() if response.content else None

    @asynccontextmanager
    async def download(
        self, path: str, token: str, *, if_none_match: str | None = None
    ) -> AsyncIterator[httpx.Response]:
        """A file (a PDF, an attachment), streamed through; a 304 when `if_none_match` names its ETag."""
        headers = self._headers(token, None, None)
        if if_none_match:
            headers["If-None-Match"] = if_none_match
        request = self.client.build_request("GET", path, headers=headers)
        try:
            response = await self.client.send(request, stream=True)
        except httpx.HTTPError as error:
            raise Unavailable(self.name, type(error).__name__) from error
        try:
            if response.status_code == 401:
                raise SignedOut()
            if response.status_code >= 500:
                raise Unavailable(self.name, f"HTTP {response.status_code}")
            if response.status_code >= 400:
                await response.aread()
                raise _refused(response)
            yield response
        finally:
            await response.aclose()


def _refused(response: httpx.Response) -> Refused:
    try:
        body = response.json()
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    known = {"type", "title", "status", "detail", "field", "code", "errors", "instance"}
    kind = str(body.get("type") or "")
    return Refused(
        status=response.status_code,
        detail=str(body.get("detail") or "La demande a été refusée."),
        field=body.get("field"),
        code=kind.rsplit("/", 1)[-1] if "/" in kind else None,  # the problem type names the rule broken
        errors=list(body.get("errors") or []) if isinstance(body.get("errors"), list) else [],
        extra={k: v for k, v in body.items() if k not in known},
    )


@dataclass
class Backends:
    declarations: Backend
    taxcalc: Backend
    essoc: Backend
    notifier: Backend

    async def close(self) -> None:
        for backend in (self.declarations, self.taxcalc, self.essoc, self.notifier):
            await backend.close()


def backends_of(request: Request) -> Backends:
    """The services' APIs, as the app holds them."""
    backends: Backends = request.app.state.backends
    return backends
