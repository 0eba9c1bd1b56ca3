"""Who may read a declaration's totals and a relation's credit ledger.

- An admin reads everything; an agent or an auditor, what belongs to its territories (claim
  `territories`).
- A declarant reads only what belongs to the relations its token names (claim `relations`).
"""

from __future__ import annotations

from chassis.http.auth import Principal
from contracts.errors import Forbidden


def require_see(who: Principal, territory: str, relation_id: str | None = None) -> None:
    """Passes when any role the caller holds reads it (a person may hold several: decision record 0027)."""
    if who.has("admin"):
        return
    if who.has("agent", "auditor") and territory in who.territories:
        return
    if who.has("declarant") and relation_id is not None and relation_id in who.relations:
        return
    raise Forbidden("Vous n'avez pas accès à ces données.")
