"""What the portal itself keeps about the signed-in person (« Mes données », decision record 0030): their open
sessions (`sessions`, by the `sub` index) and their acceptances of the conditions générales d'utilisation
(`cgu_acceptances`, one per version: a small collection, read by `sub`)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import Request

from portal.terms import COLLECTION as ACCEPTANCES


def _iso(value: object) -> str | None:
    if not isinstance(value, datetime):
        return None
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()


async def portal_held(request: Request, sub: str) -> dict[str, Any]:
    db = request.app.state.sessions.collection.database
    sessions = [
        {
            "signed_in_at": _iso(d.get("signed_in_at")),
            "seen_at": _iso(d.get("seen_at")),
            "ends_at": _iso(d.get("ends_at")),
        }
        async for d in db["sessions"].find({"sub": sub}, sort=[("signed_in_at", -1)])
    ]
    acceptances = [
        {"version": d.get("version"), "accepted_at": _iso(d.get("accepted_at"))}
        async for d in db[ACCEPTANCES].find({"sub": sub}, sort=[("accepted_at", 1)])
    ]
    return {"sub": sub, "sessions": sessions, "cgu_acceptances": acceptances}
