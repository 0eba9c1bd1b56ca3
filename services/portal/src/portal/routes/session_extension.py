"""« Rester connecté »: the dialog that warns before a session's end extends it here (decision record 0029), a POST
with the page's CSRF token, answered with the session's new end by the server's clock."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from portal.forms import submitted
from portal.routes.signin import return_path
from portal.session import PageSession, extend, session_of

router = APIRouter()
EXTEND = "/connexion/prolonger"
ENDED = (
    "Votre session a pris fin : ce que vous avez saisi sur cette page est gardé dans ce navigateur, "
    "connectez-vous à nouveau pour le retrouver."
)


def _answer(shown: PageSession) -> dict[str, str | int | bool]:
    return {
        "ends_at": shown.ends_at,
        "now": shown.now,
        "remaining_seconds": shown.lease.remaining_seconds,
        "final": shown.lease.final,
    }


@router.post(EXTEND)
async def extend_session(request: Request) -> Response:
    """The session alive `PORTAL_SESSION_IDLE_MINUTES` from now (never past its absolute end); 401 with where to
    sign in again when it had already ended."""
    if not session_of(request).signed_in:
        return _ended(request)
    await submitted(request)  # the CSRF check, as every POST of the portal
    extended = await extend(request, request.app.state.sessions)
    if extended is None:
        return _ended(request)
    return JSONResponse(_answer(extended))


def _ended(request: Request) -> Response:
    suite = return_path(request)
    return JSONResponse(
        {"title": "Session terminée", "status": 401, "detail": ENDED, "suite": suite},
        status_code=401,
        media_type="application/problem+json",
    )
