"""An assistance ticket (« Demande d'assistance », decision record 0028): what the person filed, the messages
since, its state; folded with a `match` on its events, deciding by returning new events.

Any signed-in person files one and sees only their own; the agents (all of them: tickets are not per directorate)
answer it. Its number is « AS-<year>-<six digits> », the year of the service's clock when filed."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Self, assert_never, cast, get_args

from pydantic import BaseModel

from contracts.errors import Conflict, DomainError, NotFound
from contracts.events.assistance import (
    AssistanceAnswered,
    AssistanceCategory,
    AssistanceClosed,
    AssistanceFollowedUp,
    AssistanceRequested,
    Gravity,
    TicketFile,
    TicketNotice,
    TicketRequester,
)
from contracts.recorded import Recorded
from essoc.domain.attachments import DEFAULT_MAX_SIZE, check_upload

TicketEvent = AssistanceRequested | AssistanceAnswered | AssistanceFollowedUp | AssistanceClosed

TICKET_MAX_FILES = 5
"""Files sent with a request for assistance, at most: as « Nouvelle demande » of OGDE."""
SUBJECT_MAX = 200
TEXT_MAX = 5000
CATEGORIES: dict[str, str] = {
    "domino": "DOMINO-NG (déclaration d'octroi de mer)",
    "ogde": "OGDE (demandes ESSOC)",
    "compte": "Mon compte, la connexion",
    "paiement": "Un paiement, un prélèvement",
    "autre": "Autre",
}
GRAVITIES: dict[str, str] = {
    "bloquant": "Bloquant : je ne peux pas continuer",
    "genant": "Gênant : je peux continuer autrement",
    "question": "Une question",
}
INCIDENT_REFERENCE = re.compile(r"[A-Za-z0-9._-]{1,64}")
TICKET_NUMBER = re.compile(r"AS-\d{4}-\d{6}")
assert set(CATEGORIES) == set(get_args(AssistanceCategory)) and set(GRAVITIES) == set(get_args(Gravity))


def ticket_number(year: int, sequence: int) -> str:
    """« AS-2026-000123 »: the year filed, then the deployment's counter of tickets."""
    return f"AS-{year:04d}-{sequence:06d}"


def unknown_ticket() -> NotFound:
    """A ticket that does not exist and another person's alike."""
    return NotFound("Cette demande d'assistance est introuvable.", field="number", code="assistance-introuvable")


@dataclass(frozen=True)
class Attached:
    """A file as the person sent it, before it is kept (its content is stored under `blob_id`)."""

    attachment_id: str
    filename: str
    size: int
    sha256: str


def check_files(files: Sequence[Attached], max_size: int = DEFAULT_MAX_SIZE) -> list[TicketFile]:
    """At most `TICKET_MAX_FILES`, each of an allowed type and under the size cap."""
    if len(files) > TICKET_MAX_FILES:
        raise DomainError(
            f"Joignez {TICKET_MAX_FILES} fichiers au plus à une demande d'assistance.",
            field="file",
            code="trop-de-pieces-jointes",
            extra={"max_files": TICKET_MAX_FILES},
        )
    kept = []
    for f in files:
        upload = check_upload(f.filename, f.size, max_size)
        kept.append(
            TicketFile(
                attachment_id=f.attachment_id,
                filename=upload.filename,
                content_type=upload.content_type,
                size=f.size,
                sha256=f.sha256,
                blob_id=f.attachment_id,
            )
        )
    return kept


def _text(value: str, *, field_name: str, label: str, limit: int) -> str:
    text = value.strip()
    if not text:
        raise DomainError(f"Saisissez {label}.", field=field_name)
    if len(text) > limit:
        raise DomainError(f"{label[0].upper()}{label[1:]} compte {limit} caractères au plus.", field=field_name)
    return text


def request_assistance(
    *,
    ticket_id: str,
    number: str,
    subject: str,
    category: str,
    gravity: str,
    description: str,
    incident_reference: str | None,
    files: Sequence[TicketFile],
    requester: TicketRequester,
    now: datetime,
) -> list[AssistanceRequested]:
    """« Envoyer la demande »: each field checked, in the form's order; nothing is kept when one is refused."""
    subject = _text(subject, field_name="subject", label="l'objet de votre demande", limit=SUBJECT_MAX)
    if category not in CATEGORIES:
        raise DomainError("Choisissez la catégorie de votre demande.", field="category")
    if gravity not in GRAVITIES:
        raise DomainError("Choisissez la gravité de votre problème.", field="gravity")
    description = _text(description, field_name="description", label="la description du problème", limit=TEXT_MAX)
    reference = (incident_reference or "").strip() or None
    if reference is not None and not INCIDENT_REFERENCE.fullmatch(reference):
        raise DomainError(
            "La référence de l'incident est celle affichée sur la page d'erreur (lettres, chiffres et tirets).",
            field="incident_reference",
        )
    if not requester.email.strip():
        raise DomainError("Votre compte ne comporte pas d'adresse électronique.", field="email")
    return [
        AssistanceRequested(
            ticket_id=ticket_id,
            number=number,
            subject=subject,
            category=cast(AssistanceCategory, category),
            gravity=cast(Gravity, gravity),
            description=description,
            incident_reference=reference,
            files=list(files),
            requester=requester,
            at=now,
        )
    ]


@dataclass(frozen=True)
class TicketMessage:
    message_id: str
    author: str
    """« requester » or « agent »."""
    author_name: str
    text: str
    at: datetime


@dataclass
class AssistanceTicket:
    id: str
    number: str
    subject: str
    category: str
    gravity: str
    description: str
    incident_reference: str | None
    files: list[TicketFile]
    requester: TicketRequester
    filed_at: datetime
    messages: list[TicketMessage] = field(default_factory=list)
    closed_by: str | None = None
    closed_at: datetime | None = None

    @classmethod
    def rebuild(cls, history: Iterable[TicketEvent]) -> Self:
        events = iter(history)
        first = next(events, None)
        if not isinstance(first, AssistanceRequested):
            raise ValueError("le flux d'une demande d'assistance commence par AssistanceRequested")
        ticket = cls(
            id=first.ticket_id,
            number=first.number,
            subject=first.subject,
            category=first.category,
            gravity=first.gravity,
            description=first.description,
            incident_reference=first.incident_reference,
            files=list(first.files),
            requester=first.requester,
            filed_at=first.at,
        )
        for event in events:
            ticket.apply(event)
        return ticket

    @classmethod
    def from_recorded(cls, events: Sequence[Recorded[BaseModel]]) -> Self:
        return cls.rebuild(cast(TicketEvent, e.event) for e in events)

    def apply(self, event: TicketEvent) -> None:
        match event:
            case AssistanceRequested():
                raise ValueError(f"la demande d'assistance {self.number} existe déjà")
            case AssistanceAnswered():
                self.messages.append(TicketMessage(event.message_id, "agent", event.agent_name, event.text, event.at))
            case AssistanceFollowedUp():
                name = self.requester.name
                self.messages.append(TicketMessage(event.message_id, "requester", name, event.text, event.at))
            case AssistanceClosed():
                self.closed_by, self.closed_at = event.by, event.at
            case _:
                assert_never(event)

    # ---- queries -------------------------------------------------------------------------------

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    def is_owned_by(self, user_id: str) -> bool:
        return self.requester.id == user_id

    def notice(self) -> TicketNotice:
        return TicketNotice(
            number=self.number,
            subject=self.subject,
            requester_name=self.requester.name,
            requester_email=self.requester.email,
        )

    # ---- decisions -----------------------------------------------------------------------------

    def answer(
        self, *, message_id: str, agent_id: str, agent_name: str, text: str, now: datetime
    ) -> list[AssistanceAnswered]:
        """An agent's answer: the requester is mailed it."""
        self._require_open()
        text = _text(text, field_name="text", label="votre réponse", limit=TEXT_MAX)
        return [
            AssistanceAnswered(
                message_id=message_id,
                agent_id=agent_id,
                agent_name=agent_name,
                text=text,
                notice=self.notice(),
                at=now,
            )
        ]

    def follow_up(self, *, message_id: str, text: str, by: str, now: datetime) -> list[AssistanceFollowedUp]:
        """The requester writes again on their ticket."""
        self._require_owner(by)
        self._require_open()
        text = _text(text, field_name="text", label="votre message", limit=TEXT_MAX)
        return [AssistanceFollowedUp(message_id=message_id, text=text, at=now)]

    def close(self, *, by: str, by_id: str, now: datetime) -> list[AssistanceClosed]:
        """« Clore la demande », by its requester (solved) or by an agent."""
        if by == "requester":
            self._require_owner(by_id)
        self._require_open()
        return [AssistanceClosed(by="agent" if by == "agent" else "requester", by_id=by_id, at=now)]

    def _require_owner(self, user_id: str) -> None:
        if not self.is_owned_by(user_id):
            raise unknown_ticket()

    def _require_open(self) -> None:
        if not self.is_open:
            raise Conflict(f"La demande d'assistance {self.number} est close.", field="number", code="assistance-close")
