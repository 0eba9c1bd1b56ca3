"""Events of an assistance ticket (« Demande d'assistance », decision record 0028): filed by any signed-in person,
answered by the agents, followed up and closed. Its own stream type, `assistance`, kept by essoc.

Each event carries `at`, the instant on essoc's clock, and what the notifier needs to address its mails (the
ticket's number and the requester's name and email: event-carried state)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from contracts import topics
from contracts.personal import (
    BY_STREAM_OWNER,
    BY_VALUE,
    AgentId,
    Digest,
    Id,
    MediaType,
    Reference,
    SignInId,
    by_field,
    contact,
    file,
    free_text,
    identity,
)
from contracts.registry import event

TicketText = Annotated[str, free_text("user", BY_STREAM_OWNER)]
"""What the person or the assistance wrote on the ticket: erased with the person who filed it."""
AssistanceCategory = Literal["domino", "ogde", "compte", "paiement", "autre"]
Gravity = Literal["bloquant", "genant", "question"]


def _ticket(name: str, version: int = 1):  # type: ignore[no-untyped-def]
    return event(name, version=version, stream_type="assistance", topic=topics.ESSOC)


class _Event(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class TicketRequester(_Event):
    """The person who filed the ticket, as their token names them, and the space they wrote from."""

    id: Annotated[str, identity("user", BY_VALUE)]
    name: Annotated[str, identity("user", by_field("id"))]
    email: Annotated[str, contact("user", by_field("id"))]
    roles: list[Annotated[str, identity("user", by_field("id"))]]
    """The roles (profiles) the person holds: the space they wrote from."""


class TicketFile(_Event):
    """A file sent with a message, by reference (claim check): its content is essoc's, under `blob_id`."""

    attachment_id: Id
    filename: Annotated[str, file("user", BY_STREAM_OWNER)]
    content_type: MediaType
    size: int = Field(ge=0)
    sha256: Digest
    blob_id: Id


class TicketNotice(_Event):
    """What the notifier needs to write to the requester about their ticket."""

    number: Reference
    subject: TicketText
    requester_name: Annotated[str, identity("user", BY_STREAM_OWNER)]
    requester_email: Annotated[str, contact("user", BY_STREAM_OWNER)]


@_ticket("AssistanceRequested")
class AssistanceRequested(_Event):
    """« Demande d'assistance » sent: the ticket exists, numbered « AS-2026-000123 »."""

    ticket_id: Id
    number: Reference
    subject: TicketText
    category: AssistanceCategory
    gravity: Gravity
    description: TicketText
    incident_reference: Reference | None = None
    """The reference an error page showed, when the person came from one."""
    files: list[TicketFile] = Field(default_factory=list)
    requester: TicketRequester
    at: datetime


@_ticket("AssistanceAnswered")
class AssistanceAnswered(_Event):
    """An agent answered the ticket (the requester is mailed)."""

    message_id: Id
    agent_id: AgentId
    agent_name: Annotated[str, identity("agent", by_field("agent_id"))]
    text: TicketText
    notice: TicketNotice
    at: datetime


@_ticket("AssistanceFollowedUp")
class AssistanceFollowedUp(_Event):
    """The requester wrote again on their ticket (it goes back to the top of the agents' queue)."""

    message_id: Id
    text: TicketText
    at: datetime


@_ticket("AssistanceClosed")
class AssistanceClosed(_Event):
    """The ticket is closed: by the requester (solved), or by an agent."""

    by: Literal["requester", "agent"]
    by_id: SignInId
    at: datetime
