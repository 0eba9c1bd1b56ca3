"""The auditors' and agents' reads, logged: who read what, when (issue « audit »: an auditor reads everything of its
territories, and every read it makes leaves a trace; issue 25: so does an agent's read of personal data).

Each read by an `auditor` token (and each GET of personal data by an `agent` or `comptable`) is written twice:
a structured log line (`event="lecture_auditeur"` or `"lecture_agent"`, on the
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


AGENT_ROLES = ("agent", "comptable")
"""Agents' reads of personal data are logged too (issue 25 item 5), for the DPO only (`GET /admin/reads`)."""
NOT_PERSONAL_READS = ("/referentials", "/rates", "/tariffs", "/offices", "/personal-data/mine", "/admin/reads")
"""Reads that return no one's personal data (reference data) or the caller's own: not logged."""


def record_of(path: str) -> str:
    """The record a read names: the resource and its id after `/api/v1/` (« requests/req-123 »)."""
    parts = [p for p in path.split("/") if p][2:] if path.startswith("/api/v1/") else [p for p in path.split("/") if p]
    return "/".join(parts[:2])


def logs_agent_read(method: str, path: str) -> bool:
    """Whether an agent's request reads personal data: a GET of the API, reference data aside."""
    return method == "GET" and path.startswith("/api/v1/") and not any(m in path for m in NOT_PERSONAL_READS)


def read_entry(
    *, who: str, method: str, path: str, query: str, territories: tuple[str, ...], role: str = "auditor"
) -> dict[str, Any]:
    at: datetime = utc_now()
    return {
        "at": at,
        "who": who,
        "role": role,
        "record": record_of(path),
        "territories": list(territories),
        "method": method,
        "path": path,
        "query": query,
        "correlation_id": correlation_id.get() or None,
    }


async def record_read(db: Any, entry: dict[str, Any]) -> None:
    """Logs the read, then keeps it in `audit_reads` when the service has a database."""
    log.info(
        "lecture_auditeur" if entry["role"] == "auditor" else "lecture_agent",
        **{k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in entry.items()},
    )
    if db is None:
        return
    try:
        await db[COLLECTION].insert_one(dict(entry))
    except Exception as error:
        log.warning("lecture_auditeur_non_conservee", error=repr(error))
