"""Erasure by crypto-shredding (decision 0031): the subjects the retention passes recorded « due for erasure »
(`chassis.erasure_due`) lose their key, and so does a person whose erasure the DPO granted; then each service rebuilds
its read models, which held the values in clear, so that they read « [donnée effacée] » too.

Nothing of any log is rewritten: an event is kept as it was sealed, its ciphertext can no longer be read.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import structlog

from chassis.background import every
from chassis.erasure_due import ErasureDueStore
from chassis.eventstore import EventStore
from chassis.keystore import KeyStore
from chassis.projection import Projector

log = structlog.get_logger(__name__)
DAY_SECONDS = 24 * 3600.0
QUIET_REPLAY_TRIES = 5
"""How many replays one pass tries before leaving it to the next: a replay counts when no event crossed it."""
MARK = "erasure_views"
"""In each service's database: how many erasures its read models were last rebuilt after."""


@dataclass(frozen=True)
class ErasurePass:
    subjects_erased: int
    keys_erased: int
    views_rebuilt: bool


async def erase_subject(keys: KeyStore, subject_id: str, *, why: str, now: datetime) -> list[str]:
    """Erases one person's key (and the keys of their addresses): the DPO's command on a granted request."""
    erased = await keys.erase(subject_id, why=why, now=now)
    log.info("subject erased", keys=len(erased), why=why)
    return erased


async def erase_due(due: ErasureDueStore, keys: KeyStore, now: datetime) -> tuple[int, int]:
    """Executes every pending erasure of this service; returns (entries done, keys erased)."""
    done = erased = 0
    for entry in await due.pending():
        why = f"fin de conservation {entry['record_type']} ({entry['stream_id']})"
        erased += len(await keys.erase(str(entry["subject_id"]), why=why, now=now))
        await due.mark_erased(str(entry["_id"]), now)
        done += 1
    return done, erased


async def rebuild_views_if_erased(db: Any, keys: KeyStore, projector: Projector, store: EventStore) -> bool:
    """Replays this service's read models when keys were erased since their last rebuild (by any service: the key
    store is shared); True when it did."""
    erasures = await keys.tombstones.count_documents({})
    mark = await db[MARK].find_one({"_id": "views"})
    if mark is None and await store.count_log() == 0:  # a new database: its views hold nothing erased
        await db[MARK].update_one({"_id": "views"}, {"$setOnInsert": {"erasures": erasures}}, upsert=True)
        return False
    if int(mark["erasures"] if mark else 0) >= erasures:
        return False
    for _ in range(QUIET_REPLAY_TRIES):
        before = await store.last_position()
        await projector.replay(store)
        if await store.last_position() == before:
            await db[MARK].update_one({"_id": "views"}, {"$set": {"erasures": erasures}}, upsert=True)
            return True
        # An event was appended while the views were refilled: its live write may have been overwritten by the
        # replay's last ones. Replay again; the views are only trusted after a replay nothing crossed.
        log.info("views replayed while events were appended: again")
    log.warning("views not rebuilt quietly after an erasure: next pass retries", tries=QUIET_REPLAY_TRIES)
    return False


class ErasureJob:
    """Once a day, in the process that runs the background loops: the due erasures, then the views."""

    def __init__(
        self,
        db: Any,
        keys: KeyStore,
        projector: Projector,
        store: EventStore,
        clock: Callable[[], datetime],
        every_seconds: float = DAY_SECONDS,
        *,
        erase_due_subjects: bool = True,
    ) -> None:
        self.db = db
        self.keys = keys
        self.projector = projector
        self.store = store
        self.clock = clock
        self.every_seconds = every_seconds
        self.erase_due_subjects = erase_due_subjects
        """False: the due entries wait for the DPO (`erasure subject`), the views are still rebuilt after erasures.
        A key is a person's, not a record's: erasing it for one record whose retention is over would erase their
        other records too, some still kept by law (decision 0031, « Limits »)."""

    async def apply(self, now: datetime | None = None) -> ErasurePass:
        subjects = erased = 0
        if self.erase_due_subjects:
            subjects, erased = await erase_due(ErasureDueStore(self.db), self.keys, now or self.clock())
        rebuilt = await rebuild_views_if_erased(self.db, self.keys, self.projector, self.store)
        return ErasurePass(subjects, erased, rebuilt)

    async def tick(self) -> None:
        done = await self.apply()
        if done.subjects_erased or done.views_rebuilt:
            log.info("erasure pass", subjects=done.subjects_erased, keys=done.keys_erased, views=done.views_rebuilt)

    async def run(self, stop: asyncio.Event) -> None:
        await every(self.every_seconds, stop, self.tick, name="erasure")
