"""Who may read a declaration's totals and a relation's credit ledger.

- An admin reads everything; an agent or an auditor, what belongs to its territories (claim
  `territories`).
- A declarant reads only what belongs to the relations its token names (claim `relations`).
"""

from __future__ import annotations

from chassis.http.auth import Principal
from contracts.errors import Forbidden


def require_see(who: Principal, territory: str, relation_id: str | None = None) -> None:
    if who.role == "admin":
        return
    if who.role in ("agent", "auditor") and territory in who.territories:
        return
    if who.role == "declarant" and relation_id is not None and relation_id in who.relations:
        return
    raise Forbidden("Vous n'avez pas accès à ces données.")
