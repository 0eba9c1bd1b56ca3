"""The auditors' reads, logged: who read what, when (issue « audit »: an auditor reads everything of its
territories, and every read it makes leaves a trace).

Each read by an `auditor` token is written twice: a structured log line (`event="lecture_auditeur"`, on the
`audit` logger, shipped with the service's logs) and a document of the service's `audit_reads` collection
(append-only, queryable, kept with the event log it reads). The document is best effort: a failure to
write it is logged and never refuses the read.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import structlog

from chassis.logging import correlation_id
from contracts.envelope import utc_now

log = structlog.get_logger("audit")
COLLECTION = "audit_reads"


def read_entry(*, who: str, method: str, path: str, query: str, territories: tuple[str, ...]) -> dict[str, Any]:
    at: datetime = utc_now()
    return {
        "at": at,
        "who": who,
        "role": "auditor",
        "territories": list(territories),
        "method": method,
        "path": path,
        "query": query,
        "correlation_id": correlation_id.get() or None,
    }


async def record_read(db: Any, entry: dict[str, Any]) -> None:
    """Logs the read, then keeps it in `audit_reads` when the service has a database."""
    log.info("lecture_auditeur", **{k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in entry.items()})
    if db is None:
        return
    try:
        await db[COLLECTION].insert_one(dict(entry))
    except Exception as error:
        log.warning("lecture_auditeur_non_conservee", error=repr(error))
