"""Health probes, Prometheus metrics and the correlation id of each request."""

from __future__ import annotations

import asyncio
import hmac
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from opentelemetry.trace import SpanKind
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint

from chassis import tracing
from chassis.logging import correlation_id

REQUESTS = Counter("http_requests_total", "HTTP requests", ["service", "method", "route", "status"])
LATENCY = Histogram("http_request_seconds", "HTTP request latency", ["service", "method", "route"])
MEMORY_LIMIT = Gauge(
    "process_memory_limit_bytes", "The memory limit of this process's container (cgroup); absent when none", ["service"]
)
READY_CHECK = Gauge(
    "health_ready_check",
    "Each readiness check at the last /health/ready probe (the kubelet's, every few seconds): 1 ok, 0 failing",
    ["service", "check"],
)
# cgroup v2, then v1: what the container's `resources.limits.memory` became.
CGROUP_MEMORY_LIMITS = (Path("/sys/fs/cgroup/memory.max"), Path("/sys/fs/cgroup/memory/memory.limit_in_bytes"))

Check = Callable[[], Awaitable[None]]
CHECK_SECONDS = 1.5


class Unready(Exception):
    """A dependency's own account of why it is not ready (shown as is, in French)."""


class CorrelationMiddleware(BaseHTTPMiddleware):
    def __init__(self, app: object, service: str) -> None:
        super().__init__(app)  # type: ignore[arg-type]
        self.service = service
        tracing.configure(service)  # the portal's way in; a service configured it already (`install`)

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        cid = request.headers.get("X-Correlation-Id") or str(uuid.uuid4())
        token = correlation_id.set(cid)
        start = time.perf_counter()
        attributes = {"http.request.method": request.method, "url.path": request.url.path, "correlation.id": cid}
        try:
            with tracing.span(
                f"{request.method}",
                kind=SpanKind.SERVER,
                parent=request.headers.get("traceparent"),
                attributes=attributes,
            ) as span:
                response = await call_next(request)
                route = request.scope.get("route")
                path = getattr(route, "path", "unmatched")
                span.update_name(f"{request.method} {path}")
                span.set_attribute("http.route", path)
                span.set_attribute("http.response.status_code", response.status_code)
        finally:
            correlation_id.reset(token)
        REQUESTS.labels(self.service, request.method, path, response.status_code).inc()
        LATENCY.labels(self.service, request.method, path).observe(time.perf_counter() - start)
        response.headers["X-Correlation-Id"] = cid
        return response


Note = Callable[[], Awaitable[object]]


def health_router(
    checks: dict[str, Check],
    notes: dict[str, Note] | None = None,
    *,
    metrics_token: str | None = "",
    service: str = "",
) -> APIRouter:
    """`checks` decide readiness; `notes` are told alongside (dead letters waiting for an operator do not
    make a service unready: it keeps serving, and the count is also a metric to alert on).

    `metrics_token`: "" serves `/metrics` to anyone who reaches the port (a service behind its cluster's
    network); a token serves it only to a scraper that sends it (`Authorization: Bearer …`), and answers 404 to
    anyone else, as to an address that does not exist; None serves no metrics (a public portal without one).
    `service`: the label of `health_ready_check`, each check's outcome at the last probe."""
    router = APIRouter(tags=["santé"])

    @router.get("/health/live")
    async def live() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/health/ready")
    async def ready() -> JSONResponse:
        """Every dependency checked at once, each within `CHECK_SECONDS`: a dependency that is down makes
        this answer 503 quickly instead of hanging as long as its client would wait."""

        async def one(check: Check) -> str:
            try:
                await asyncio.wait_for(check(), timeout=CHECK_SECONDS)
                return "ok"
            except TimeoutError:
                return "indisponible : pas de réponse"
            except Exception as exc:
                return f"indisponible : {exc}" if isinstance(exc, Unready) else f"indisponible : {type(exc).__name__}"

        async def told(note: Note) -> object:
            try:
                return await asyncio.wait_for(note(), timeout=CHECK_SECONDS)
            except Exception:
                return None

        noted = notes or {}
        outcomes, values = await asyncio.gather(
            asyncio.gather(*(one(check) for check in checks.values())),
            asyncio.gather(*(told(note) for note in noted.values())),
        )
        results = dict(zip(checks, outcomes, strict=True))
        for name, outcome in results.items():
            READY_CHECK.labels(service, name).set(1 if outcome == "ok" else 0)
        ok = all(v == "ok" for v in results.values())
        body = {"status": "ok" if ok else "degraded", "checks": results, **dict(zip(noted, values, strict=True))}
        return JSONResponse(body, status_code=200 if ok else 503)

    @router.get("/metrics", include_in_schema=False)
    async def metrics(request: Request) -> Response:
        if metrics_token != "":
            given = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
            if metrics_token is None or not hmac.compare_digest(given.encode(), metrics_token.encode()):
                raise StarletteHTTPException(404)
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router


def memory_limit(paths: Iterable[Path] = CGROUP_MEMORY_LIMITS) -> int | None:
    """The container's memory limit in bytes, None when there is none (cgroup v2 says `max`, v1 a number
    near 2**63) or no cgroup file can be read (not in a container)."""
    for path in paths:
        try:
            text = path.read_text().strip()
        except OSError:
            continue
        return int(text) if text.isdigit() and int(text) < 1 << 60 else None
    return None


def install(app: FastAPI, service: str) -> None:
    tracing.configure(service)  # before the first request: the consumer and the workers trace too
    app.add_middleware(CorrelationMiddleware, service=service)
    # Beside process_resident_memory_bytes, so an alert can say « near the limit » without knowing the limit.
    if (limit := memory_limit()) is not None:
        MEMORY_LIMIT.labels(service).set(limit)
