"""The outbox's pending mails as the sender sees them: a mail it claimed, and how it settles one.

A settlement is one of a closed set; the outbox (`adapters.outbox.MailOutbox`) writes each as it always has.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class ClaimedMail:
    """A pending mail, leased to the sender: the event it comes from and how many times it was tried."""

    notification_id: str
    event: Mapping[str, object]
    """The source event as queued (an `EventEnvelope` in JSON), read by the sender when it sends."""
    attempts: int
    """SMTP attempts so far, over every pass."""
    failures: int
    """Passes that ended without sending."""
    traceparent: str | None = None
    """The trace of the event that queued it (W3C), continued by the send."""


@dataclass(frozen=True)
class AlreadySent:
    """The notification's stream already holds NotificationSent (sent by a pass that died before settling)."""


@dataclass(frozen=True)
class Sent:
    """Sent now, after `attempts` SMTP attempts over every pass."""

    attempts: int


@dataclass(frozen=True)
class Obsolete:
    """The source event no longer calls for this mail: it is never sent."""


@dataclass(frozen=True)
class Failed:
    """Not sent this pass: the mail stays pending, tried again from `next_attempt_at`."""

    attempts: int
    failures: int
    error: str
    next_attempt_at: datetime


Settlement = AlreadySent | Sent | Obsolete | Failed
"""What became of a claimed mail."""
