"""Who may read which notifications.

- Admins, agents and auditors read every notification (an agent or an auditor, those of its
  territories when its token names some), and may narrow them to one recipient.
- Requesters and declarants read only the notifications sent to their own address.
"""

from __future__ import annotations

from typing import Any

from chassis.http.auth import Principal


def visible_notifications(who: Principal, recipient: str | None = None) -> dict[str, Any]:
    """The Mongo filter of the notifications `who` may list."""
    who.require("admin", "agent", "auditor", "requester", "declarant")
    query: dict[str, Any] = {}
    if who.role not in ("admin", "agent", "auditor"):
        query["recipient"] = who.email
    elif recipient:
        query["recipient"] = recipient
    if who.role in ("agent", "auditor") and who.territories:
        query["territory"] = {"$in": list(who.territories)}
    return query
