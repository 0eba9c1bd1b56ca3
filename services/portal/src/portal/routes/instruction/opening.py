"""What every screen of the customs agents' board opens with: the signed-in agent, and the request with its
instruction, one French page not found when it is another directorate's or none."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from portal.auth import person
from portal.backends import Refused, backends_of, seg
from portal.session import Session


def signed_in(request: Request) -> Session:
    """The signed-in person, a customs agent (or an administrator)."""
    return person(request, "agent", "admin")


def not_yours(number: str) -> Refused:
    """Another directorate's request, or none: one French page for both, that tells nothing of the other."""
    return Refused(
        404,
        f"La demande n° {number} n'existe pas, ou elle relève d'une direction que vous n'instruisez pas : "
        "vous ne pouvez pas l'ouvrir. Retrouvez les demandes de vos directions dans « Demandes ESSOC ».",
    )


async def read_request(request: Request, session: Session, number: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The request as its requester sees it, and its instruction."""
    essoc = backends_of(request).essoc
    try:
        detail: dict[str, Any] = await essoc.get(f"/api/v1/requests/{seg(number)}", session.token)
        instruction: dict[str, Any] = await essoc.get(f"/api/v1/requests/{seg(number)}/instruction", session.token)
    except Refused as refused:
        if refused.status in (403, 404, 422):
            raise not_yours(number) from None
        raise
    return detail, instruction
