"""What every screen of the DPO's space opens with: the signed-in DPO."""

from __future__ import annotations

from fastapi import Request

from portal.auth import person
from portal.session import Session


def signed_in(request: Request) -> Session:
    return person(request, "dpo")
