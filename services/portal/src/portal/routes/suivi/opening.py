"""What every screen of the offices' follow-up opens with: the signed-in agent, the quarter asked (else the one
the service follows), a query string of what is set, and a refusal of the service as the portal's page."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import HTTPException, Request

from portal.auth import person
from portal.backends import Refused, backends_of
from portal.session import Session


def signed_in(request: Request) -> Session:
    """The signed-in person, a customs agent (or an administrator)."""
    return person(request, "agent", "admin")


def _digits(text: str, length: int) -> int | None:
    text = text.strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) == length else None


async def chosen_quarter(
    request: Request, session: Session, annee: str, trimestre: str
) -> tuple[int, int, dict[str, Any]]:
    """The quarter asked for, else the one the service follows by default; and the service's choices."""
    quarters: dict[str, Any] = await backends_of(request).declarations.get("/api/v1/quarters", session.token)
    year, quarter = _digits(annee, 4), _digits(trimestre, 1)
    followed = quarters["followed"]
    return year or followed["year"], quarter or followed["quarter"], quarters


def query(values: dict[str, object]) -> str:
    return urlencode({k: v for k, v in values.items() if v not in (None, "")})


def not_shown(refused: Refused) -> Exception:
    """A refusal of the service as the portal's French page: another territory's declaration is a page not found,
    as an unknown one (the page tells nothing of what it holds); anything else as it came."""
    if refused.status in (403, 404, 422):
        return HTTPException(404)
    return refused
