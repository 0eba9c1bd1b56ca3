"""Events of a request about one's personal data (RGPD art. 15 to 17): « Demander une rectification » or « Demander
l'effacement » from « Mes données », answered within one month (art. 12.3). Its own stream type, `droits`, kept by
essoc next to the assistance tickets (decision record 0030).

Each event carries what the notifier needs to write to the person (event-carried state, as the tickets do)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from contracts import topics
from contracts.personal import (
    BY_STREAM_OWNER,
    BY_VALUE,
    Code,
    CodeText,
    Id,
    Reference,
    SignInId,
    by_field,
    contact,
    free_text,
    identity,
)
from contracts.registry import event

RightsText = Annotated[str, free_text("user", BY_STREAM_OWNER)]
"""What the person or the DPO wrote on the request: erased with the person who made it."""
RightsKind = Literal["rectification", "effacement"]
Outcome = Literal["accordee", "refusee"]


def _rights(name: str, version: int = 1):  # type: ignore[no-untyped-def]
    return event(name, version=version, stream_type="droits", topic=topics.ESSOC)


class _Event(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RightsRequester(_Event):
    """The person, as their token names them."""

    id: Annotated[str, identity("user", BY_VALUE)]
    name: Annotated[str, identity("user", by_field("id"))]
    email: Annotated[str, contact("user", by_field("id"))]


class RightsNotice(_Event):
    """What the notifier needs to write to the person about their request."""

    number: Reference
    kind: RightsKind
    requester_name: Annotated[str, identity("user", BY_STREAM_OWNER)]
    requester_email: Annotated[str, contact("user", BY_STREAM_OWNER)]


class HeldRecord(_Event):
    """A record « Mes données » listed, whose erasure is asked: the service that holds it, its type of record
    (`contracts.retention`), its id and the end of its retention as that service computed it."""

    service: Code
    record_type: Code
    record_id: Id
    label: CodeText
    retention_ends_at: datetime | None = None


@_rights("RightsRequested")
class RightsRequested(_Event):
    """The request is received, numbered « DR-2026-000001 », to be answered by `due_at` (RGPD art. 12.3)."""

    request_id: Id
    number: Reference
    kind: RightsKind
    requester: RightsRequester
    data_concerned: RightsText | None = None
    """Rectification: which data (« mon nom sur la demande 000123 »)."""
    what_is_wrong: RightsText | None = None
    right_value: RightsText | None = None
    records: list[HeldRecord] = Field(default_factory=list)
    """Erasure: the records it is asked for."""
    received_at: datetime
    due_at: datetime


@_rights("RightsDeadlineExtended")
class RightsDeadlineExtended(_Event):
    """The DPO extended the deadline by up to two months, with the reason told to the person (RGPD art. 12.3)."""

    reason: RightsText
    due_at: datetime
    by_id: SignInId
    notice: RightsNotice
    at: datetime


@_rights("RectificationDecided")
class RectificationDecided(_Event):
    """The DPO granted or refused the rectification, with the reason the person reads and is mailed."""

    outcome: Outcome
    reason: RightsText
    by_id: SignInId
    notice: RightsNotice
    at: datetime


class ErasureOutcome(_Event):
    """The decision on one record: granted where no legal obligation keeps it, else refused until its end of
    retention, with the text that keeps it."""

    record: HeldRecord
    outcome: Outcome
    reason: CodeText
    kept_until: datetime | None = None
    source: CodeText = ""


@_rights("ErasureDecided")
class ErasureDecided(_Event):
    """The erasure was decided record type by record type from the retention parameters (`contracts.retention`)."""

    outcomes: list[ErasureOutcome]
    notice: RightsNotice
    at: datetime


RIGHTS_EVENTS: tuple[type[BaseModel], ...] = (
    RightsRequested,
    RightsDeadlineExtended,
    RectificationDecided,
    ErasureDecided,
)
