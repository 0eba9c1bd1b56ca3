"""Who may open a page: a signed-in person, of the roles the page serves."""

from __future__ import annotations

from fastapi import HTTPException, Request

from portal.session import Session, session_of

HOMES = {
    "declarant": "/domino",
    "requester": "/ogde",
    "agent": "/instruction",
    "admin": "/",
    "auditor": "/audit",
    "comptable": "/recouvrement",
}


class NotSignedIn(Exception):
    """The page needs a signed-in person: the sign-in page, then back here."""


def person(request: Request, *roles: str) -> Session:
    session = session_of(request)
    if not session.signed_in:
        raise NotSignedIn()
    if roles and session.role not in roles:
        raise HTTPException(403, "Votre profil ne donne pas accès à cette page.")
    return session


def home_of(role: str) -> str:
    return HOMES.get(role, "/")
