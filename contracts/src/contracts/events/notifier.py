"""Events of the notifier: who was told what, and what could not be sent."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from contracts import topics
from contracts.registry import event


class _Event(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


@event("NotificationSent", stream_type="notification", topic=topics.NOTIFIER)
class NotificationSent(_Event):
    notification_id: str
    source_event_id: UUID
    source_event_type: str
    template: str
    recipient: str
    subject: str
    message_id: str
    sent_at: datetime
    attempts: int = Field(ge=1)


@event("NotificationFailed", stream_type="notification", topic=topics.NOTIFIER)
class NotificationFailed(_Event):
    notification_id: str
    source_event_id: UUID
    source_event_type: str
    template: str
    recipient: str
    error: str
    attempts: int = Field(ge=1)
