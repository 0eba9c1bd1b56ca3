"""What every screen of « Mes données » opens with: the signed-in person, what each service holds about them
(asked at once; a service that does not answer is named), and their requests about their data."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from portal.auth import person
from portal.backends import backends_of
from portal.routes.audit.opening import each_service
from portal.routes.audit.wording import SERVICES, STREAM_TYPES
from portal.session import Session

MINE = "/api/v1/personal-data/mine"


def signed_in(request: Request) -> Session:
    """Any signed-in person: everyone has data of their own."""
    return person(request)


def record_label(service: str, record: dict[str, Any]) -> str:
    """« Demande ESSOC req-… », « Courriel … »: the record's kind in French and its id."""
    kind = STREAM_TYPES.get(service, {}).get(record["stream_type"], record["stream_type"])
    return f"{kind} {record['record_id']}"


async def held(request: Request, session: Session) -> tuple[dict[str, Any], list[str]]:
    """{service: its answer} in the order the services are listed, and the services that did not answer."""
    backends = backends_of(request)
    reads = {name: getattr(backends, name).get(MINE, session.token) for name in SERVICES}
    found, silent = await each_service(reads)
    for name, answer in found.items():
        for record in answer["records"]:
            record["label"] = record_label(name, record)
    return {name: found[name] for name in SERVICES if name in found}, silent


async def my_requests(request: Request, session: Session) -> list[dict[str, Any]]:
    found: dict[str, Any] = await backends_of(request).essoc.get("/api/v1/rights-requests/mine", session.token)
    return list(found["items"])
