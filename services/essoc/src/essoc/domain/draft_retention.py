"""Drafts untouched for 90 days are deleted: how long a draft of « Nouvelle demande » is kept after its last change.

A draft is personal data nobody asked the administration to examine; it is kept as long as the requester works on
it, and no longer (RGPD art. 5 §1 e), limitation de la conservation). The 90 days are the duration chosen for OGDE
(issue 23, item 2): counted from the draft's last change, to the instant, in UTC (the overseas territories have no
summer time, so 90 days are 90 × 24 hours wherever the requester is).
"""

from __future__ import annotations

from datetime import datetime, timedelta

DRAFT_RETENTION_DAYS = 90
DRAFT_RETENTION = timedelta(days=DRAFT_RETENTION_DAYS)


def draft_expires_at(changed_at: datetime) -> datetime:
    """When a draft last changed at `changed_at` is deleted, if nothing changes it before."""
    return changed_at + DRAFT_RETENTION


def drafts_untouched_for_90_days_are_deleted(changed_at: datetime, now: datetime) -> bool:
    """Whether a draft last changed at `changed_at` is due for deletion at `now`."""
    return now >= draft_expires_at(changed_at)
