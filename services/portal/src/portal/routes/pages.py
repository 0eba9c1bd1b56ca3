"""Pages for everyone: the welcome page, help, the NAF codes, the release notes; the legal pages and the CGU
(`routes.legal`, `routes.cgu`) and every signed-in person's « Mes notifications » (`routes.notifications`) come with
them."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from markdown_it import MarkdownIt
from markupsafe import Markup

from portal.auth import CHOOSER, home_of, person, spaces_of
from portal.rendering import render
from portal.routes import cgu, legal, notifications, processing_register
from portal.session import session_of

router = APIRouter()
router.include_router(legal.router)
router.include_router(processing_register.router)
router.include_router(cgu.router)
router.include_router(notifications.router)


@router.get("/")
async def welcome(request: Request) -> Response:
    """The front door; a signed-in person goes to their space (or chooses among theirs)."""
    session = session_of(request)
    if session.signed_in:
        return RedirectResponse(home_of(session), status_code=303)
    return render(request, "pages/welcome.html")


@router.get(CHOOSER)
async def spaces(request: Request) -> Response:
    """« Mes espaces »: the spaces the person holds, each one click away, without signing in again."""
    session = person(request)
    return render(request, "pages/spaces.html", {"title": "Mes espaces", "spaces": spaces_of(session)})


@router.get("/aide")
async def help_page(request: Request) -> Response:
    return render(request, "pages/help.html", {"title": "Aide"})


@router.get("/codes-naf")
async def naf_codes(request: Request, q: str | None = None) -> Response:
    """The INSEE list, searched as one types (htmx) or with the button (without JavaScript)."""
    query = (q or "").strip()[:80]
    found = await request.app.state.backends.declarations.get("/api/v1/naf", None, q=query)
    return render(request, "pages/naf.html", {"title": "Codes NAF", "q": query, "found": found}, block="results")


@router.get("/notes-de-version")
async def release_notes(request: Request) -> Response:
    return render(request, "pages/changelog.html", {"title": "Notes de version", "notes": request.app.state.changelog})


def changelog(path: str) -> Markup:
    """The project's CHANGELOG as HTML (read once at start; raw HTML in it is escaped)."""
    file = Path(path)
    text = file.read_text(encoding="utf-8") if file.exists() else "Aucune note de version n'est publiée."
    return Markup(MarkdownIt("commonmark", {"html": False}).render(text))
