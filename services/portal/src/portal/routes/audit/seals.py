"""« Sceaux »: the latest seals of each service's log, and the keys that sign them."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import Response

from contracts import french
from portal.rendering import render
from portal.routes.audit.opening import backend, each_service, signed_in
from portal.routes.audit.wording import SERVICES

UTC_ZONE = ZoneInfo("UTC")


async def seals(request: Request) -> Response:
    """« Sceaux »: the latest seals of each service's log, and the keyring that checks them."""
    session = signed_in(request)
    reads: dict[str, Awaitable[Any]] = {
        name: backend(request, name).get("/api/v1/audit/seals", session.token, per_page=10) for name in SERVICES
    }
    found, silent = await each_service(reads)
    keyrings, _ = await each_service(
        {name: backend(request, name).get("/api/v1/audit/keys", session.token) for name in found}
    )
    keys = {k["key_id"]: k for body in keyrings.values() for k in body["keys"]}
    return render(
        request,
        "audit/seals.html",
        {
            "title": "Sceaux et clés",
            "found": [(name, SERVICES[name], found[name]) for name in SERVICES if name in found],
            "silent": silent,
            "keys": sorted(keys.values(), key=lambda k: (_rank(k.get("service")), k.get("not_before") or "")),
            "services": SERVICES,
            "utc": _utc_moment,
        },
    )


def _rank(service: object) -> int:
    """The services in their order, a key for any service last."""
    order = list(SERVICES)
    return order.index(str(service)) if service in SERVICES else len(order)


def _utc_moment(value: object) -> str:
    """A seal's or a key's instant: they belong to no territory, so in UTC, said so."""
    return "—" if not value else french.moment(str(value), UTC_ZONE) + " (UTC)"
