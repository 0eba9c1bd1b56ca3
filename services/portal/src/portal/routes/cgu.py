"""« Conditions générales d'utilisation »: their text (`/cgu`) and their acceptance, once per version, after signing
in (`/cgu/accepter`). `CguGate` sends a signed-in person who has not accepted the current version there from any
other page, and back to that page once they have; refusing signs them out."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pymongo.errors import PyMongoError
from starlette.types import ASGIApp, Receive, Scope, Send

from portal.auth import NotSignedIn, home_of
from portal.backends import Unavailable
from portal.forms import Form, submitted
from portal.rendering import render
from portal.session import UNAVAILABLE, Session, session_of
from portal.terms import COLLECTION, CURRENT, Acceptances, required

router = APIRouter()
ACCEPT = "/cgu/accepter"
OPEN = ("/cgu", "/connexion", "/deconnexion", "/dev", "/static", "/health", "/metrics")
"""What a person who has not accepted yet may still open: the terms, signing in and out, files and probes."""
PUBLIC = ("/aide", "/accessibilite", "/mentions-legales", "/donnees-personnelles", "/notes-de-version", "/codes-naf")
"""…and the pages for everyone (the terms point to some of them)."""


def acceptances(app: Any) -> Acceptances:
    """The acceptances, in the portal's database beside its sessions (one instance per application)."""
    found: Acceptances | None = getattr(app.state, "cgu", None)
    if found is None:
        found = app.state.cgu = Acceptances(app.state.sessions.collection.database[COLLECTION])
    return found


@router.get("/cgu")
async def terms_page(request: Request) -> Response:
    return render(request, "pages/terms.html", {"title": "Conditions générales d'utilisation", "terms": CURRENT})


@router.get(ACCEPT)
async def accept_page(request: Request, suite: str | None = None) -> Response:
    session = _signed_in(request)
    if await _accepted(request, session):
        return RedirectResponse(_back(suite, session), status_code=303)
    return _page(request, Form(), suite)


@router.post(ACCEPT)
async def accept(request: Request) -> Response:
    """« J'accepte » (the box ticked) records the acceptance and goes back; « Je refuse » signs the person out."""
    session = _signed_in(request)
    form, _ = await submitted(request)
    suite = form.value("suite") or None
    if form.value("choix") == "refuser":
        session.sign_out()
        return render(request, "pages/terms_refused.html", {"title": "Conditions générales d'utilisation refusées"})
    if not form.checked("accepte"):
        form.error("accepte", "Cochez la case pour accepter les conditions générales d'utilisation, ou refusez-les.")
        return _page(request, form, suite, status=422)
    try:
        await acceptances(request.app).accept(session.sub, CURRENT)
    except PyMongoError as error:
        raise Unavailable("base du portail", type(error).__name__) from error
    session.say(
        f"Vous avez accepté les conditions générales d'utilisation (version {CURRENT.version} du "
        f"{CURRENT.published_on:%d/%m/%Y})."
    )
    return RedirectResponse(_back(suite, session), status_code=303)


def _page(request: Request, form: Form, suite: str | None, *, status: int = 200) -> Response:
    return render(
        request,
        "pages/terms_accept.html",
        {"title": "Accepter les conditions générales d'utilisation", "terms": CURRENT, "form": form, "suite": suite},
        status=status,
    )


def _signed_in(request: Request) -> Session:
    session = session_of(request)
    if not session.signed_in:
        raise NotSignedIn()
    return session


async def _accepted(request: Request, session: Session) -> bool:
    try:
        return await acceptances(request.app).accepted(session.sub, CURRENT)
    except PyMongoError as error:
        raise Unavailable("base du portail", type(error).__name__) from error


def _back(suite: str | None, session: Session) -> str:
    """Where the person was going, if a path of this site (no open redirection), else their home."""
    if suite and suite.startswith("/") and not suite.startswith("//") and "\\" not in suite and suite != ACCEPT:
        return suite
    return home_of(session)


def _open(path: str) -> bool:
    return any(path == p or path.startswith(p + "/") for p in (*OPEN, *PUBLIC))


class CguGate:
    """Innermost middleware (the session is in place): a signed-in person who has not accepted the current terms
    (where `terms.required`) is sent to `/cgu/accepter`, with the page they were opening to come back to."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or _open(scope["path"]):
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        session: Session | None = scope.get("state", {}).get("session")
        if session is None or not session.signed_in or not required(request.app.state.settings):
            await self.app(scope, receive, send)
            return
        try:
            accepted = await acceptances(request.app).accepted(session.sub, CURRENT)
        except PyMongoError:
            await UNAVAILABLE(scope, receive, send)
            return
        if accepted:
            await self.app(scope, receive, send)
            return
        await _to_terms(request)(scope, receive, send)


def _to_terms(request: Request) -> Response:
    if request.method == "GET":
        back = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    else:  # a form sent from a page opened before: back to that page, not to the form's address
        current = urlsplit(request.headers.get("HX-Current-URL", "/"))
        back = (current.path or "/") + (f"?{current.query}" if current.query else "")
    target = f"{ACCEPT}?suite={quote(back, safe='')}"
    if request.headers.get("HX-Request") == "true":  # htmx follows a redirection inside the page: leave it
        return Response(status_code=204, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)
