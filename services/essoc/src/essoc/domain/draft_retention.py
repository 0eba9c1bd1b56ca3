"""Drafts untouched for 90 days are deleted: how long a draft of « Nouvelle demande » is kept after its last change.

A draft is personal data nobody asked the administration to examine; it is kept as long as the requester works on
it, and no longer (RGPD art. 5 §1 e), limitation de la conservation). The duration is the dated parameter
`essoc_draft` of `contracts.retention` (90 days, the duration chosen for OGDE, issue 23 item 2), the value in force
on the day of the draft's last change: counted from that change, to the instant, in UTC (the overseas territories
have no summer time, so 90 days are 90 × 24 hours wherever the requester is).
"""

from __future__ import annotations

from datetime import datetime

from contracts import retention

DRAFT_RETENTION_DAYS = retention.record_types()["essoc_draft"].rules[-1].days
"""The duration the latest value sets, as the requester's list of drafts announces it."""


def draft_expires_at(changed_at: datetime) -> datetime:
    """When a draft last changed at `changed_at` is deleted, if nothing changes it before."""
    return retention.rule("essoc_draft", changed_at.date()).expires_at(changed_at)


def drafts_untouched_for_90_days_are_deleted(changed_at: datetime, now: datetime) -> bool:
    """Whether a draft last changed at `changed_at` is due for deletion at `now`."""
    return now >= draft_expires_at(changed_at)
