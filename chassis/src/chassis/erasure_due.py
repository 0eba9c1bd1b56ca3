"""Personal data of an event log whose retention is over, recorded « due for erasure » (`erasure_due`, in the
service's database) without erasing anything: an event is never rewritten, and the erasure itself (destroying the
data subject's key, crypto-shredding, issue 25 item 3) reads this collection.

One document per (record type, stream, subject), written with `$setOnInsert`: several replicas recording the same
due erasure on the same day write it once, and the first day it was found stays.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

COLLECTION = "erasure_due"


@dataclass(frozen=True)
class DueForErasure:
    """The personal data of `subject_id` (a `contracts.personal` subject) in stream `stream_id`, whose retention of
    `record_type` (`contracts.retention`) ended at `retention_ended_at`."""

    record_type: str
    stream_id: str
    subject: str
    subject_id: str
    retention_ended_at: datetime


class ErasureDueStore:
    def __init__(self, db: Any) -> None:
        self.collection = db[COLLECTION]

    async def record(self, due: DueForErasure, now: datetime) -> bool:
        """Records `due` once; True when it was not recorded before."""
        key = f"{due.record_type}:{due.stream_id}:{due.subject}:{due.subject_id}"
        result = await self.collection.update_one(
            {"_id": key},
            {
                "$setOnInsert": {
                    "record_type": due.record_type,
                    "stream_id": due.stream_id,
                    "subject": due.subject,
                    "subject_id": due.subject_id,
                    "retention_ended_at": due.retention_ended_at,
                    "found_at": now,
                    "erased_at": None,
                }
            },
            upsert=True,
        )
        return result.upserted_id is not None

    async def pending(self) -> list[dict[str, Any]]:
        """What is due and not erased yet, the oldest end of retention first."""
        cursor = self.collection.find({"erased_at": None}, sort=[("retention_ended_at", 1), ("_id", 1)])
        return [d async for d in cursor]

    async def mark_erased(self, key: str, now: datetime) -> None:
        """The subject's key is erased (`chassis.erasure`): the entry is done."""
        await self.collection.update_one({"_id": key, "erased_at": None}, {"$set": {"erased_at": now}})
