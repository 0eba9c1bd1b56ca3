"""What every screen of the auditors' space opens with: the signed-in auditor, the service asked (an unknown
one is a page not found), the four services asked at once, and an instant as the services read it."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from datetime import UTC, datetime
from typing import Any

from fastapi import HTTPException, Request

from portal.auth import person
from portal.backends import Backend, Unavailable, backends_of
from portal.routes.audit.wording import SERVICES
from portal.session import Session


def signed_in(request: Request) -> Session:
    """The signed-in person, an auditor (or an administrator)."""
    return person(request, "auditor", "admin")


def backend(request: Request, service: str) -> Backend:
    """The service a URL names; another name is a page not found."""
    if service not in SERVICES:
        raise HTTPException(404)
    found: Backend = getattr(backends_of(request), service)
    return found


async def each_service(reads: dict[str, Awaitable[Any]]) -> tuple[dict[str, Any], list[str]]:
    """The four services asked at once; those that do not answer are named, the others' answers kept."""
    answers = await asyncio.gather(*reads.values(), return_exceptions=True)
    found: dict[str, Any] = {}
    silent: list[str] = []
    for name, answer in zip(reads, answers, strict=True):
        if isinstance(answer, Unavailable):
            silent.append(SERVICES[name])
        elif isinstance(answer, BaseException):
            raise answer
        else:
            found[name] = answer
    return found, silent


def utc(moment: datetime) -> str:
    """An instant as the services read it: in UTC, `Z`."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
