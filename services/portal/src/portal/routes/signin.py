"""Sign-in and sign-out: OpenID Connect (authorisation code with PKCE) in production; for `make run` only,
`/dev/connexion` signs a demo user in (PORTAL_DEV_LOGIN, never set by compose or k8s)."""

from __future__ import annotations

import secrets
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import httpx
import structlog
import yaml
from authlib.integrations.httpx_client import AsyncOAuth2Client
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from chassis.http.auth import Unauthenticated, mint
from chassis.settings import ServiceSettings
from portal.auth import home_of
from portal.backends import Unavailable
from portal.forms import submitted
from portal.rendering import render
from portal.session import session_of
from portal.settings import PortalSettings

router = APIRouter()
dev_router = APIRouter()
log = structlog.get_logger()


def _settings(request: Request) -> PortalSettings:
    settings: PortalSettings = request.app.state.settings
    return settings


MAX_RETURN_PATH = 2000
NOT_RETURNED_TO = ("/connexion", "/deconnexion", "/dev/", "/static/", "/health/", "/metrics")
"""Signing in, signing out, files and probes are no page to come back to after signing in."""


def _local(target: str | None) -> str:
    """Only a path of this site is a place to go back to after signing in (no open redirection): a path with its
    query, no scheme, no host, no `//` or `\\` a browser would read as another host, no control character or space
    (a browser drops tabs and line breaks before reading `/\t/elsewhere`); « / » otherwise."""
    if not target or len(target) > MAX_RETURN_PATH or not target.startswith("/") or target.startswith("//"):
        return "/"
    if "\\" in target or any(ord(c) < 0x21 or ord(c) == 0x7F for c in target):
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or parts.fragment or not parts.path.startswith("/"):
        return "/"
    if parts.path == "/connexion" or parts.path.startswith(NOT_RETURNED_TO):
        return "/"
    return target


def return_path(request: Request) -> str:
    """Where a request that found its session ended goes back after signing in again: the page itself for a GET;
    for a form sent, the page it was sent from (htmx names it, else the browser's same-origin `Referer`), not the
    address it posted to, which opens no page."""
    if request.method in ("GET", "HEAD"):
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return _local(here)
    sent_from = request.headers.get("HX-Current-URL") or request.headers.get("Referer") or ""
    parts = urlsplit(sent_from)
    if parts.netloc and parts.netloc != request.url.netloc:
        return "/"
    return _local(parts.path + (f"?{parts.query}" if parts.query else ""))


def sign_in_again(request: Request) -> str:
    """The sign-in page, then back to `return_path`."""
    return f"/connexion?suite={quote(return_path(request), safe='')}"


@router.get("/connexion")
async def sign_in_page(request: Request, suite: str | None = None) -> Response:
    settings = _settings(request)
    session = session_of(request)
    if session.signed_in:
        return RedirectResponse(_local(suite) if suite else home_of(session), status_code=303)
    return render(
        request,
        "signin.html",
        {"suite": _local(suite), "oidc": bool(settings.oidc_issuer), "dev": settings.dev_login},
    )


# ---- OpenID Connect ---------------------------------------------------------------------------------


class Provider:
    """The identity provider's endpoints and keys, from its discovery document (fetched once)."""

    def __init__(self, settings: PortalSettings) -> None:
        self.settings = settings
        self.metadata: dict[str, Any] | None = None
        self.keys: KeySet | None = None

    async def discover(self, *, again: bool = False) -> dict[str, Any]:
        """The provider's metadata and keys, fetched once, and again when a token names a key we do not have
        (the provider rotated its keys). A provider that does not answer is `Unavailable`."""
        if self.metadata is None or again:
            issuer = (self.settings.oidc_issuer or "").rstrip("/")
            try:
                async with httpx.AsyncClient(timeout=10) as client:
                    found = await client.get(f"{issuer}/.well-known/openid-configuration")
                    metadata = found.raise_for_status().json()
                    keys = (await client.get(metadata["jwks_uri"])).raise_for_status().json()
            except (httpx.HTTPError, KeyError, ValueError) as error:
                log.warning("oidc_provider_unreachable", error=repr(error))
                raise Unavailable("fournisseur d'identité", type(error).__name__) from error
            self.metadata, self.keys = metadata, KeySet.import_key_set(keys)
        return self.metadata

    def client(self) -> AsyncOAuth2Client:
        return AsyncOAuth2Client(
            client_id=self.settings.oidc_client_id,
            client_secret=self.settings.oidc_client_secret,
            scope=self.settings.oidc_scopes,
            redirect_uri=self.settings.public_url.rstrip("/") + "/connexion/retour",
            code_challenge_method="S256",
            token_endpoint_auth_method="client_secret_basic" if self.settings.oidc_client_secret else "none",
        )

    def claims(self, id_token: str, nonce: str) -> dict[str, Any]:
        """The ID token's claims, once its signature, issuer, audience, expiry and nonce are checked."""
        assert self.keys is not None and self.metadata is not None
        decoded = jwt.decode(id_token, self.keys, algorithms=["RS256", "ES256", "PS256"])
        registry = jwt.JWTClaimsRegistry(
            iss={"essential": True, "value": self.metadata["issuer"]},
            aud={"essential": True, "value": self.settings.oidc_client_id or ""},
            exp={"essential": True},
            sub={"essential": True},
            nonce={"essential": True, "value": nonce},
        )
        registry.validate(decoded.claims)
        return dict(decoded.claims)


def _provider(request: Request) -> Provider:
    provider: Provider | None = getattr(request.app.state, "oidc", None)
    if provider is None:
        provider = request.app.state.oidc = Provider(_settings(request))
    return provider


@router.get("/connexion/oidc")
async def oidc_start(request: Request, suite: str | None = None) -> Response:
    settings = _settings(request)
    if not settings.oidc_issuer:
        raise HTTPException(404)
    provider = _provider(request)
    metadata = await provider.discover()
    verifier, nonce = secrets.token_urlsafe(48), secrets.token_urlsafe(24)
    async with provider.client() as client:
        url, state = client.create_authorization_url(
            metadata["authorization_endpoint"], code_verifier=verifier, nonce=nonce
        )
    session_of(request).login = {"state": state, "verifier": verifier, "nonce": nonce, "suite": _local(suite)}
    return RedirectResponse(url, status_code=303)


@router.get("/connexion/retour")
async def oidc_return(request: Request) -> Response:
    session = session_of(request)
    pending, params = session.login, request.query_params
    if not pending or params.get("state") != pending.get("state"):
        session.login = {}
        return _failed(request, "La connexion n'a pas abouti (demande expirée ou déjà utilisée) : recommencez.")
    if params.get("error"):
        session.login = {}
        return _failed(request, "La connexion a été refusée ou annulée auprès du fournisseur d'identité.")
    provider = _provider(request)
    metadata = await provider.discover()
    try:
        async with provider.client() as client:
            token = await client.fetch_token(
                metadata["token_endpoint"], code=params.get("code", ""), code_verifier=pending["verifier"]
            )
        try:
            claims = provider.claims(token["id_token"], pending["nonce"])
        except JoseError:  # perhaps a key the provider rotated in since we fetched its keys
            await provider.discover(again=True)
            claims = provider.claims(token["id_token"], pending["nonce"])
    except (httpx.HTTPError, JoseError, KeyError, ValueError) as error:
        session.login = {}
        log.warning("oidc_sign_in_failed", error=repr(error))
        return _failed(request, "La connexion n'a pas pu être vérifiée : recommencez.")
    access = token.get(provider.settings.oidc_access_token_field) or token["access_token"]
    suite = pending.get("suite") or "/"
    try:
        session.sign_in(access, claims)  # the identity provider's `roles` (or `role`): every space they open
    except Unauthenticated:
        session.login = {}
        log.warning("oidc_sign_in_without_role", sub=str(claims.get("sub", "")))
        return _failed(
            request,
            "Votre compte est reconnu, mais aucun profil de ce portail ne lui est attribué : adressez-vous à "
            "votre administrateur.",
        )
    return RedirectResponse(suite if suite != "/" else home_of(session), status_code=303)


def _failed(request: Request, message: str) -> Response:
    return render(
        request,
        "signin.html",
        {"suite": "/", "oidc": True, "dev": _settings(request).dev_login, "problem": message},
        status=400,
    )


@router.post("/deconnexion")
async def sign_out(request: Request) -> Response:
    session = session_of(request)
    if not session.signed_in:  # already out (an old page): nothing to protect, nothing to say
        return RedirectResponse("/", status_code=303)
    await submitted(request)  # the CSRF check: no other site signs anyone out
    was_signed_in = session.signed_in
    session.sign_out()
    settings = _settings(request)
    if settings.oidc_issuer and was_signed_in:
        metadata = await _provider(request).discover()
        end = metadata.get("end_session_endpoint")
        if end:
            query = urlencode(
                {
                    "client_id": settings.oidc_client_id,
                    "post_logout_redirect_uri": settings.public_url.rstrip("/") + "/",
                }
            )
            return RedirectResponse(f"{end}?{query}", status_code=303)
    session.say("Vous êtes déconnecté.")
    return RedirectResponse("/", status_code=303)


@router.post("/deconnexion/partout")
async def sign_out_everywhere(request: Request) -> Response:
    """« Se déconnecter de tous les appareils »: every session of the person ends, this one included (a cookie
    left on another computer, or copied, is dead at once)."""
    session = session_of(request)
    if not session.signed_in:
        return RedirectResponse("/", status_code=303)
    await submitted(request)
    ended = await request.app.state.sessions.close_all(session.sub)
    session.sign_out()
    session.say(
        f"Vous êtes déconnecté de tous vos appareils ({ended} session{'s' if ended > 1 else ''} "
        f"fermée{'s' if ended > 1 else ''})."
    )
    return RedirectResponse("/", status_code=303)


# ---- development sign-in ----------------------------------------------------------------------------


def demo_users(settings: PortalSettings) -> dict[str, dict[str, Any]]:
    users: dict[str, dict[str, Any]] = yaml.safe_load(Path(settings.demo_users_file).read_text(encoding="utf-8"))
    return users


@dev_router.get("/dev/connexion")
async def dev_page(request: Request, suite: str | None = None) -> Response:
    session_of(request).shown_csrf = True  # its buttons post this token back before anyone is signed in
    return render(request, "dev_signin.html", {"users": request.app.state.demo_users, "suite": _local(suite)})


@dev_router.post("/dev/connexion/{key}")
async def dev_sign_in(request: Request, key: str) -> Response:
    """A POST with the page's CSRF token: a link or an image on another site cannot sign anyone in as a demo
    user (and, through it, out of their own session)."""
    form, _ = await submitted(request)
    settings = _settings(request)
    users = request.app.state.demo_users
    if key not in users:
        raise HTTPException(404)
    claims = dict(users[key])
    token = mint(ServiceSettings(jwt_secret=settings.dev_jwt_secret or ""), ttl_seconds=12 * 3600, **claims)
    session = session_of(request)
    session.sign_in(token, {**claims, "iat": int(time.time())})
    suite = _local(form.value("suite"))
    return RedirectResponse(suite if suite != "/" else home_of(session), status_code=303)
