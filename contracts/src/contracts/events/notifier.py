"""Events of the notifier: who was told what, and what could not be sent."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from contracts import topics
from contracts.personal import BY_VALUE, Code, Id, NotPersonal, Reference, by_field, contact
from contracts.registry import event


class _Event(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


@event("NotificationSent", stream_type="notification", topic=topics.NOTIFIER)
class NotificationSent(_Event):
    notification_id: Id
    source_event_id: UUID
    source_event_type: Code
    template: Code
    recipient: Annotated[str, contact("recipient", BY_VALUE)]
    subject: Annotated[str, NotPersonal("objet écrit par le modèle du courriel (numéro, période)")]
    message_id: Reference
    sent_at: datetime
    attempts: int = Field(ge=1)


@event("NotificationFailed", stream_type="notification", topic=topics.NOTIFIER)
class NotificationFailed(_Event):
    notification_id: Id
    source_event_id: UUID
    source_event_type: Code
    template: Code
    recipient: Annotated[str, contact("recipient", BY_VALUE)]
    # A mail server's refusal often quotes the address it refused.
    error: Annotated[str, contact("recipient", by_field("recipient"))]
    attempts: int = Field(ge=1)
