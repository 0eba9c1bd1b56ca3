"""The signed-in person's session, in an encrypted cookie: HttpOnly, SameSite=Lax, Secure over HTTPS.

The session (the user's token included) travels in the cookie, encrypted and authenticated (Fernet: AES-128-CBC
+ HMAC-SHA256), so page scripts never read the token and a forged or altered cookie is only ever an empty
session. It names its session id, and is signed in only while that session is alive in the portal's database
(`portal.session_store`): signing out there ends it everywhere, a copied cookie included.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

import structlog
from cryptography.fernet import Fernet, InvalidToken
from pymongo.errors import PyMongoError
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from chassis.http.auth import roles_in
from contracts.french import hour_of
from contracts.types import TERRITORY_ZONES
from portal.session_store import Lease, SessionStore

log = structlog.get_logger()
UNAVAILABLE = HTMLResponse(
    '<!doctype html><html lang="fr"><meta charset="utf-8"><title>Service momentanément indisponible</title>'
    "<h1>Service momentanément indisponible</h1><p>Le portail ne peut pas vérifier votre session pour l'instant. "
    "Réessayez dans quelques instants.</p></html>",
    status_code=503,
    headers={"Retry-After": "5", "Cache-Control": "no-store"},
)
MAX_COOKIE_BYTES = 4000
MAX_FLASH = 300


@dataclass
class Session:
    token: str | None = None
    sub: str = ""
    roles: list[str] = field(default_factory=list)
    """Every role the person's token gives (decision record 0027): the spaces they may open."""
    name: str = ""
    given_name: str = ""
    email: str = ""
    relation_id: str | None = None
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    signed_in_at: float = 0.0
    sid: str = ""
    """The session's id in the portal's database (`portal.session_store`); given when the sign-in is written."""
    flash: list[str] = field(default_factory=list)
    login: dict[str, str] = field(default_factory=dict)
    """While signing in: the OIDC state, nonce and PKCE verifier, and where to go back."""
    shown_csrf: bool = False
    """A page carrying the CSRF token was shown before sign-in (the development sign-in's buttons): the token
    must be the same when its form comes back, so the session is kept for it."""

    @property
    def signed_in(self) -> bool:
        return self.token is not None

    @property
    def display_name(self) -> str:
        return " ".join(part for part in (self.given_name, self.name) if part) or self.sub

    def has(self, *roles: str) -> bool:
        """Whether the person holds any of `roles`."""
        return any(role in self.roles for role in roles)

    def sign_in(self, token: str, claims: dict[str, Any]) -> None:
        """Raises `Unauthenticated` (and signs nobody in) when the claims give no role of ours."""
        roles = list(roles_in(claims))
        self.token = token
        self.sub = str(claims.get("sub", ""))
        self.roles = roles
        self.name = str(claims.get("name", ""))
        self.given_name = str(claims.get("given_name", ""))
        self.email = str(claims.get("email", ""))
        self.relation_id = None
        self.csrf = secrets.token_urlsafe(24)  # a new session, a new token: no fixation
        self.signed_in_at = time.time()
        self.sid = ""  # a new session, opened when the response is written
        self.login = {}

    def say(self, message: str) -> None:
        """A message shown once, on the next page (« Ligne ajoutée. »); a few, short: they travel in the cookie."""
        self.flash = [*self.flash, message if len(message) <= MAX_FLASH else message[: MAX_FLASH - 1] + "…"][-5:]

    def sign_out(self) -> None:
        """Nothing of the person stays: only a message for the next page."""
        kept = self.flash
        for name, value in Session().__dict__.items():
            setattr(self, name, value)
        self.flash = kept

    def messages(self) -> list[str]:
        shown, self.flash = self.flash, []
        return shown


@dataclass(frozen=True)
class PageSession:
    """What a page tells its script about its session (decision record 0029): its lease by the server's clock, and
    a tag of the person, so that what was typed before the session ended is given back to that person only."""

    lease: Lease
    person: str

    @property
    def ends_at(self) -> str:
        """The end as an ISO 8601 UTC instant (`2026-12-07T10:32:00Z`)."""
        return _utc_iso(self.lease.ends_at)

    @property
    def now(self) -> str:
        """The server's now as it read the lease: the page's script counts from it, whatever the device's clock."""
        return _utc_iso(self.lease.now)

    @property
    def zone_hours(self) -> str:
        """How the territories' zones are named (« heure de La Réunion »), as JSON for the page's script, which
        shows the end in the device's zone (the person's own clock) under that name."""
        return json.dumps(ZONE_HOURS, ensure_ascii=False, separators=(",", ":"))


ZONE_HOURS = {zone.key: hour_of(territory) for territory, zone in TERRITORY_ZONES.items()} | {
    "Europe/Paris": "heure de Paris"
}


def _utc_iso(instant: datetime) -> str:
    return instant.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


REMAINING_HEADER = "X-Session-Remaining"
"""On every answer to a signed-in request: the seconds the session has left, by the server's clock (a piece of a
page refreshed by htmx keeps the session alive: the page's script learns it here)."""
ENDS_HEADER = "X-Session-Ends"
"""…and when it ends, as an ISO 8601 UTC instant (to show, not to count from)."""
FINAL_HEADER = "X-Session-Final"
"""`true` when that end is the absolute one (no activity moves it)."""


class SessionCodec:
    def __init__(self, secret: str, lifetime_seconds: float) -> None:
        key = base64.urlsafe_b64encode(hashlib.sha256(b"portal-session:" + secret.encode()).digest())
        self.fernet = Fernet(key)
        self.lifetime = lifetime_seconds
        self._person_key = hashlib.sha256(b"portal-person:" + secret.encode()).digest()

    def person_tag(self, sub: str) -> str:
        """A tag of the person that names nobody outside the portal (a keyed digest of the subject)."""
        return hmac.new(self._person_key, sub.encode(), hashlib.sha256).hexdigest()[:24]

    def encode(self, session: Session) -> str:
        return self.fernet.encrypt(json.dumps(asdict(session), separators=(",", ":")).encode()).decode()

    def decode(self, cookie: str | None) -> Session:
        if not cookie:
            return Session()
        try:
            raw = self.fernet.decrypt(cookie.encode(), ttl=int(self.lifetime))
            data = json.loads(raw)
            if "role" in data and "roles" not in data:  # a cookie written before decision record 0027
                data["roles"] = [data["role"]] if data["role"] else []
            session = Session(**{k: v for k, v in data.items() if k in Session.__dataclass_fields__})
        except (InvalidToken, ValueError, TypeError):
            return Session()
        if session.signed_in and time.time() - session.signed_in_at > self.lifetime:
            return Session()
        return session


class SessionMiddleware:
    """Puts `request.state.session` in place and writes the cookie back when the session changed."""

    def __init__(self, app: ASGIApp, codec: SessionCodec, *, secure: bool, store: SessionStore) -> None:
        self.app = app
        self.codec = codec
        self.secure = secure
        self.store = store
        self.name = "__Host-portail" if secure else "portail"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(("/static/", "/health/")):
            await self.app(scope, receive, send)  # no session for a file or a probe
            return
        request = Request(scope)
        cookie = request.cookies.get(self.name)
        session = self.codec.decode(cookie)
        before = json.dumps(asdict(session), sort_keys=True)
        lease: Lease | None = None
        try:
            if session.signed_in and (lease := await self.store.lease(session.sid)) is None:
                session.sign_out()  # signed out elsewhere, idle too long, or past its lifetime
                session.say("Votre session a pris fin (déconnexion ou inactivité) : connectez-vous à nouveau.")
        except PyMongoError:
            log.warning("sessions_indisponibles")
            await UNAVAILABLE(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        state["session"] = session
        state["page_session"] = PageSession(lease, self.codec.person_tag(session.sub)) if lease else None
        opened = session.sid

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                if session.sid != opened or (session.signed_in and not session.sid):
                    await self.store.close(opened)  # signed out, or signed in again: the old session ends
                    if session.signed_in:
                        session.sid = await self.store.open(session.sub)
                keep = session.signed_in or bool(session.login) or bool(session.flash) or session.shown_csrf
                changed = json.dumps(asdict(session), sort_keys=True) != before
                response = Response()
                if keep and changed:
                    value = self.codec.encode(session)
                    if len(value) > MAX_COOKIE_BYTES and session.flash:
                        session.flash = []  # the messages give way, never the session
                        value = self.codec.encode(session)
                    if len(value) > MAX_COOKIE_BYTES:
                        log.error("session_cookie_too_large", size=len(value))
                    else:
                        response.set_cookie(
                            self.name, value, httponly=True, samesite="lax", secure=self.secure, path="/"
                        )
                elif not keep and cookie:
                    response.delete_cookie(self.name, httponly=True, samesite="lax", secure=self.secure, path="/")
                message["headers"] = list(message.get("headers", [])) + [
                    (k, v) for k, v in response.raw_headers if k == b"set-cookie"
                ]
                shown: PageSession | None = state.get("page_session")
                if shown is not None and session.signed_in and session.sid == opened:
                    message["headers"] += [
                        (REMAINING_HEADER.lower().encode(), str(shown.lease.remaining_seconds).encode()),
                        (ENDS_HEADER.lower().encode(), shown.ends_at.encode()),
                        (FINAL_HEADER.lower().encode(), b"true" if shown.lease.final else b"false"),
                    ]
            await send(message)

        await self.app(scope, receive, send_with_cookie)


def session_of(request: Request) -> Session:
    session: Session = request.state.session
    return session


def page_session_of(request: Request) -> PageSession | None:
    """The session's lease and person tag as this request found them; None when nobody is signed in."""
    shown: PageSession | None = getattr(request.state, "page_session", None)
    return shown


async def extend(request: Request, store: SessionStore) -> PageSession | None:
    """« Rester connecté »: the session alive `idle` from now (its absolute end never moves); what the page now
    shows, or None when the session had already ended."""
    shown = page_session_of(request)
    session = session_of(request)
    if shown is None or not session.signed_in:
        return None
    lease = await store.extend(session.sid)
    if lease is None:
        return None
    request.state.page_session = extended = PageSession(lease, shown.person)
    return extended
