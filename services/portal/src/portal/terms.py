"""The conditions générales d'utilisation in force, and who accepted which version when, in the portal's database
(beside the sessions): a person accepts each version once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection

from portal.settings import PortalSettings


@dataclass(frozen=True)
class Terms:
    version: str
    published_on: date


CURRENT = Terms(version="1.0", published_on=date(2026, 12, 7))
"""The version `templates/pages/terms_text.html` words: a new text gets a new version, asked again of everyone."""
COLLECTION = "cgu_acceptances"


def required(settings: PortalSettings) -> bool:
    """Whether a signed-in person must have accepted the current version: as set, or else wherever the portal is
    served over https (every real deployment), not on a developer's http (`make run`, the test harnesses)."""
    if settings.cgu_acceptance is not None:
        return settings.cgu_acceptance
    return settings.secure_cookies


@dataclass
class Acceptances:
    """`cgu_acceptances`: one document per person and version (`_id` « version|sub »), never rewritten: the first
    acceptance of a version is the one kept."""

    collection: AsyncCollection[dict[str, Any]]
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    _known: set[tuple[str, str]] = field(default_factory=set, init=False, repr=False)
    """(version, sub) seen accepted by this replica: acceptance is never withdrawn, so the database is asked once."""

    async def accepted(self, sub: str, terms: Terms) -> bool:
        if (terms.version, sub) in self._known:
            return True
        found = await self.collection.find_one({"_id": _key(sub, terms)}, {"_id": 1}) is not None
        if found:
            self._known.add((terms.version, sub))
        return found

    async def accept(self, sub: str, terms: Terms) -> datetime:
        """Records that `sub` accepted `terms` now (UTC); returns the instant kept (the first one, if already)."""
        now = self.clock()
        await self.collection.update_one(
            {"_id": _key(sub, terms)},
            {"$setOnInsert": {"sub": sub, "version": terms.version, "accepted_at": now}},
            upsert=True,
        )
        self._known.add((terms.version, sub))
        doc = await self.collection.find_one({"_id": _key(sub, terms)})
        kept: datetime = doc["accepted_at"] if doc else now
        return kept


def _key(sub: str, terms: Terms) -> str:
    # The version never holds « | »: the key reads back unambiguously whatever the subject holds.
    return f"{terms.version}|{sub}"
