"""The portal's application: middleware, error pages, static files and the screens' routers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import structlog
from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from pymongo import AsyncMongoClient
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from chassis.http.observability import CorrelationMiddleware, health_router
from chassis.logging import correlation_id
from portal.auth import NotSignedIn
from portal.backends import Backend, Backends, Refused, SignedOut, Unavailable
from portal.forms import CrossSiteRefused, CsrfRefused, check_origin
from portal.rendering import render, templates
from portal.routes import (
    assistance,
    audit,
    domino,
    dpo,
    instruction,
    mes_donnees,
    ogde,
    pages,
    recouvrement,
    session_extension,
    signin,
    suivi,
)
from portal.routes.cgu import CguGate
from portal.session import SessionCodec, SessionMiddleware, session_of
from portal.session_store import SessionStore
from portal.settings import PortalSettings

log = structlog.get_logger()
STATIC = Path(__file__).parent / "static"


def content_security_policy(settings: PortalSettings) -> str:
    """No inline script, nothing from another origin; forms post here, or lead to the identity provider on
    sign-out and to the card payment service."""
    form_action = "'self'"
    if settings.payfip_origin:  # « Payer par carte bancaire » sends the payer on to PayFiP's page
        payfip = urlsplit(settings.payfip_origin)
        form_action += f" {payfip.scheme}://{payfip.netloc}"
    if settings.oidc_issuer:
        issuer = urlsplit(settings.oidc_issuer)
        form_action += f" {issuer.scheme}://{issuer.netloc}"
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
        f"connect-src 'self'; form-action {form_action}; frame-ancestors 'none'; base-uri 'self'; object-src 'none'"
    )


MAX_FORM_BYTES = 1024 * 1024
MAX_UPLOAD_BYTES = 5 * 21 * 1024 * 1024
"""A form's body: 1 MiB; with files (multipart), at most five attachments at the services' 20 MB cap."""


class BodyCap:
    """A body larger than its kind allows is refused while it streams (413, the French page), before
    anything parses or spools it; an announced `Content-Length` is refused before a byte is read."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers", []))
        multipart = headers.get(b"content-type", b"").startswith(b"multipart/form-data")
        cap = MAX_UPLOAD_BYTES if multipart else MAX_FORM_BYTES
        announced = headers.get(b"content-length", b"")
        if announced.isdigit() and int(announced) > cap:
            await self._refuse(scope, receive, send, cap)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > cap:
                    raise _TooLarge()
            return message

        try:
            await self.app(scope, counted, send)
        except _TooLarge:
            await self._refuse(scope, receive, send, cap)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, cap: int) -> None:
        request = Request(scope, receive)
        response = render(
            request,
            "error.html",
            {
                "title": "Envoi trop volumineux",
                "message": f"Ce que vous avez envoyé dépasse {cap // (1024 * 1024)} Mo. Envoyez moins de fichiers à la "
                "fois, ou des fichiers plus petits.",
                "reference": _reference(),
            },
            status=413,
        )
        await response(scope, receive, send)


class _TooLarge(Exception):
    pass


class SecurityHeaders:
    def __init__(self, app: ASGIApp, csp: str, *, secure: bool) -> None:
        self.app = app
        self.headers = [
            (b"content-security-policy", csp.encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"x-frame-options", b"DENY"),
            (b"referrer-policy", b"same-origin"),
            (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
            (b"cross-origin-opener-policy", b"same-origin"),
        ]
        if secure:
            self.headers.append((b"strict-transport-security", b"max-age=31536000; includeSubDomains"))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope["path"].startswith("/static/")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += self.headers
                if any(name.lower() == b"cache-control" for name, _ in headers):
                    pass  # the page chose (a service's document, cached privately and revalidated by its ETag)
                elif not static:
                    headers.append((b"cache-control", b"no-store"))
                else:
                    headers.append((b"cache-control", b"public, max-age=86400"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


def create_app(settings: PortalSettings | None = None, *, transport: httpx.AsyncBaseTransport | None = None) -> FastAPI:
    config = settings or PortalSettings()
    timeout = config.service_timeout_seconds

    # Short timeouts: with the database away, a page says so in 2 s rather than after the driver's 30.
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        config.mongo_uri, tz_aware=True, serverSelectionTimeoutMS=2000, timeoutMS=5000
    )
    sessions = SessionStore(
        mongo[config.mongo_db]["sessions"],
        idle=timedelta(minutes=config.session_idle_minutes),
        absolute=timedelta(hours=config.session_hours),
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await sessions.ensure_indexes()
        app.state.backends = Backends(
            declarations=Backend("declarations", config.declarations_url, timeout=timeout, transport=transport),
            taxcalc=Backend("taxcalc", config.taxcalc_url, timeout=timeout, transport=transport),
            essoc=Backend("essoc", config.essoc_url, timeout=timeout, transport=transport),
            notifier=Backend("notifier", config.notifier_url, timeout=timeout, transport=transport),
        )
        try:
            yield
        finally:
            await app.state.backends.close()
            await mongo.close()

    app = FastAPI(
        title="Portail DOMINO-NG et OGDE",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        dependencies=[Depends(_same_site)],
    )
    app.state.settings = config
    app.state.sessions = sessions
    app.state.templates = templates()
    app.state.changelog = pages.changelog(config.changelog_file)
    app.state.demo_users = signin.demo_users(config) if config.dev_login else {}
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    # Not ready without its services' answers either way: the sessions' database away gives the signed-in pages a
    # 503 of their own, while the public pages keep serving (so it is not a readiness check).
    app.include_router(health_router({}, {"sessions": _ping(mongo)}, metrics_token=config.metrics_token))
    screens = (domino.router, ogde.router, instruction.router, suivi.router, audit.router, recouvrement.router)
    people = (mes_donnees.router, dpo.router)  # « Mes données » and the DPO's space (decision record 0030)
    for router in (signin.router, session_extension.router, pages.router, assistance.router, *screens, *people):
        app.include_router(router)
    if config.dev_login:
        app.include_router(signin.dev_router)
    _error_pages(app)
    app.add_middleware(CguGate)  # innermost: the session is in place
    app.add_middleware(BodyCap)
    app.add_middleware(CrashPage)
    app.add_middleware(
        SessionMiddleware,
        codec=SessionCodec(config.session_secret, config.session_hours * 3600),
        secure=config.secure_cookies,
        store=sessions,
    )
    app.add_middleware(SecurityHeaders, csp=content_security_policy(config), secure=config.secure_cookies)
    app.add_middleware(CorrelationMiddleware, service="portal")
    return app


def _ping(client: AsyncMongoClient[dict[str, Any]]) -> Callable[[], Awaitable[str]]:
    async def ping() -> str:
        await client.admin.command("ping")
        return "ok"

    return ping


UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


async def _same_site(request: Request) -> None:
    """Every state-changing request of every route comes from the portal's own pages (in addition to its
    CSRF token): one another site sent is refused before the route runs."""
    if request.method in UNSAFE_METHODS:
        check_origin(request, request.app.state.settings.public_url)


def _refusal_page(request: Request, title: str, message: str) -> Response:
    """A form refused before any route ran: 403, the French page, the incident's reference."""
    return render(request, "error.html", {"title": title, "message": message, "reference": _reference()}, status=403)


def _reference() -> str:
    return correlation_id.get() or "-"


def _error_pages(app: FastAPI) -> None:
    @app.exception_handler(NotSignedIn)
    async def _sign_in(request: Request, exc: NotSignedIn) -> Response:
        return _redirect(request, signin.sign_in_again(request))  # back to the page, or the form's page (0029)

    @app.exception_handler(domino.ChooseRelation)
    async def _choose(request: Request, exc: domino.ChooseRelation) -> Response:
        return _redirect(request, "/domino")

    @app.exception_handler(SignedOut)
    async def _signed_out(request: Request, exc: SignedOut) -> Response:
        session = session_of(request)
        session.sign_out()
        session.say("Votre session a expiré : connectez-vous à nouveau.")
        return _redirect(request, signin.sign_in_again(request))

    @app.exception_handler(CrossSiteRefused)
    async def _cross_site(request: Request, exc: CrossSiteRefused) -> Response:
        return _refusal_page(
            request,
            "Action refusée",
            "Cette action a été envoyée depuis un autre site que le portail : elle n'a pas été exécutée. Si vous en "
            "êtes l'auteur, revenez sur le portail et recommencez depuis ses pages.",
        )

    @app.exception_handler(CsrfRefused)
    async def _csrf(request: Request, exc: CsrfRefused) -> Response:
        return _refusal_page(
            request,
            "Formulaire expiré",
            "Ce formulaire a expiré (vous vous êtes peut-être reconnecté entre-temps). Revenez à la page précédente, "
            "rechargez-la et saisissez à nouveau.",
        )

    @app.exception_handler(Refused)
    async def _refused(request: Request, exc: Refused) -> Response:
        """A refusal no page could put next to a field (a file gone, a resource of someone else's)."""
        titles = {403: "Accès refusé", 404: "Page non trouvée", 410: "Élément supprimé"}
        return render(
            request,
            "error.html",
            {"title": titles.get(exc.status, "Demande refusée"), "message": exc.detail},
            status=exc.status,
        )

    @app.exception_handler(Unavailable)
    async def _unavailable(request: Request, exc: Unavailable) -> Response:
        log.warning("page_unavailable", service=exc.service, reason=exc.reason, path=request.url.path)
        return render(
            request,
            "error.html",
            {
                "title": "Service momentanément indisponible",
                "message": "Le service ne répond pas pour le moment. Ce qui était déjà enregistré n'est pas perdu ; "
                "réessayez dans quelques minutes.",
                "reference": _reference(),
            },
            status=503,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404:
            title, message = "Page non trouvée", "La page que vous cherchez n'existe pas ou a été déplacée."
        elif exc.status_code == 405:
            title, message = "Action impossible", "Cette adresse ne s'ouvre pas ainsi ; revenez à l'accueil."
        elif exc.status_code == 403:
            title, message = "Accès refusé", "Votre profil ne donne pas accès à cette page."
        else:
            title, message = "Demande refusée", "Cette demande ne peut pas aboutir."
        return render(request, "error.html", {"title": title, "message": message}, status=exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        return render(
            request,
            "error.html",
            {"title": "Adresse incorrecte", "message": "Cette adresse n'est pas valide.", "reference": _reference()},
            status=400,
        )


class CrashPage:
    """An unexpected failure gives the French error page with its reference, never a trace (innermost, so
    the correlation id and the session are still there)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception:
            log.exception("page_failed", path=scope.get("path"))
            if started:
                raise
            request = Request(scope, receive)
            response = render(
                request,
                "error.html",
                {
                    "title": "Erreur inattendue",
                    "message": "Une erreur inattendue s'est produite. Elle a été enregistrée ; si elle se répète, "
                    "communiquez la référence ci-dessous à l'assistance.",
                    "reference": _reference(),
                },
                status=500,
            )
            await response(scope, receive, send)


def _redirect(request: Request, target: str) -> Response:
    """A redirection that also works for htmx requests (which follow redirects without changing the page)."""
    if request.headers.get("HX-Request") == "true":
        return Response(status_code=204, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)
