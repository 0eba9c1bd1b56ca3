"""Who may read which notifications.

- Admins, agents and auditors read every notification (an agent or an auditor, those of its
  territories when its token names some), and may narrow them to one recipient.
- Requesters and declarants read only the notifications sent to their own address.
- A person holding several roles (decision record 0027) reads what each of them reads.
- « Mes notifications »: every signed-in person reads the mails sent to their own address (the token's `email`,
  whatever its case), and nobody else's, whatever their roles.
"""

from __future__ import annotations

import re
from typing import Any

from chassis.http.auth import Principal


def visible_notifications(who: Principal, recipient: str | None = None) -> dict[str, Any]:
    """The Mongo filter of the notifications `who` may list: what its service role reads (if any), and what was
    sent to its own address (if it is also a requester or a declarant)."""
    who.require("admin", "agent", "auditor", "requester", "declarant")
    own = {"recipient": who.email}
    if not who.has("admin", "agent", "auditor"):
        return own
    query: dict[str, Any] = {}
    if recipient:
        query["recipient"] = recipient
    if not who.has("admin") and who.territories:
        query["territory"] = {"$in": list(who.territories)}
    if who.has("requester", "declarant") and query and recipient in (None, who.email):
        return {"$or": [query, own]}
    return query


NOTHING: dict[str, Any] = {"_id": {"$in": []}}
"""A filter no notification matches."""


def own_notifications(who: Principal) -> dict[str, Any]:
    """The Mongo filter of the mails sent to `who`'s own address, matched case-insensitively (an address's case is
    the sender's choice: `Marie.Payet@…` and `marie.payet@…` are one mailbox); none when its token names no address."""
    email = who.email.strip()
    if not email:
        return dict(NOTHING)
    return {"recipient": {"$regex": f"^{re.escape(email)}$", "$options": "i"}}
