"""Who may open a page: a signed-in person holding one of the roles the page serves; the spaces a person holds
(« Mes espaces », in every page's header) and where they land once signed in.

One person may hold several roles (decision record 0027): a producer who also files a rescrit opens DOMINO-NG and
OGDE with the same sign-in. A space they do not hold is never linked.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import HTTPException, Request

from portal.session import Session, session_of

CHOOSER = "/espaces"
"""« Mes espaces »: the spaces a person holds, for whoever holds several."""

HOMES = {
    "declarant": "/domino",
    "requester": "/ogde",
    "agent": "/instruction",
    "admin": CHOOSER,
    "auditor": "/audit",
    "comptable": "/recouvrement",
    "dpo": "/dpo",
}
"""Where each role lands after signing in."""


@dataclass(frozen=True)
class Space:
    """A space of the portal and the roles that open it (as its routes' opening checks them)."""

    key: str
    name: str
    roles: tuple[str, ...]
    summary: str

    @property
    def path(self) -> str:
        return f"/{self.key}"


SPACES = (
    Space(
        "domino", "DOMINO-NG", ("declarant", "admin"), "Déclarer l'octroi de mer de vos relations, chaque trimestre."
    ),
    Space(
        "ogde", "OGDE", ("requester",), "Demander un rescrit, un second examen ou un contrôle, et suivre vos demandes."
    ),
    Space("instruction", "Instruction", ("agent", "admin"), "Instruire les demandes ESSOC de vos directions."),
    Space("suivi", "Suivi", ("agent", "admin"), "Suivre les déclarations d'octroi de mer et les mandats des bureaux."),
    Space(
        "recouvrement",
        "Recouvrement",
        ("comptable", "auditor", "admin"),
        "Les prélèvements, les relevés bancaires et les crédits en attente des comptes de recette.",
    ),
    Space(
        "audit", "Audit", ("auditor", "admin"), "Les journaux d'événements des services, leurs traces et leurs sceaux."
    ),
    Space(
        "dpo",
        "Protection des données",
        ("dpo",),
        "Les demandes des personnes sur leurs données (délai d'un mois) et qui a lu quoi.",
    ),
)


class NotSignedIn(Exception):
    """The page needs a signed-in person: the sign-in page, then back here."""


def person(request: Request, *roles: str) -> Session:
    """The signed-in person, when they hold any of `roles` (any role at all when none is named)."""
    session = session_of(request)
    if not session.signed_in:
        raise NotSignedIn()
    if roles and not session.has(*roles):
        raise HTTPException(403, "Votre profil ne donne pas accès à cette page.")
    return session


def spaces_of(session: Session) -> list[Space]:
    """The spaces the person holds, in the header's order."""
    return [space for space in SPACES if session.signed_in and session.has(*space.roles)]


def home_of(session: Session) -> str:
    """Where the person lands: their role's home, or « Mes espaces » when their roles have several homes."""
    homes = list(dict.fromkeys(HOMES[role] for role in session.roles if role in HOMES))
    return homes[0] if len(homes) == 1 else CHOOSER
