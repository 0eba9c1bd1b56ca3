"""Which mails an event causes: template, recipient, subject and a JSON-safe context for each.

A mail's id is derived from the event, the template and the recipient, so a redelivered event
gives the same ids and the sender can skip what it already sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any
from uuid import UUID, uuid5

from pydantic import BaseModel

from contracts.events.essoc import (
    AdmissibilityDecided,
    DeadlineReached,
    Notice,
    QuestionAnswered,
    RequestClosed,
    RequestQuestioned,
    RequestSubmitted,
)
from contracts.events.taxcalc import DeclarationAssessed
from contracts.registry import event_type as registered
from notifier.domain.boxes import box_summary

NOTIFICATION_NAMESPACE = uuid5(UUID(int=0), "notifier.douane.example")
NATURE_LABELS = {
    "rescrit": "rescrit sur une situation de fait",
    "second_examen": "second examen",
    "droit_au_controle": "droit au contrôle",
}
HANDLED_EVENTS = frozenset(
    {"RequestSubmitted", "AdmissibilityDecided", "RequestQuestioned", "QuestionAnswered", "RequestClosed",
     "DeadlineReached", "DeclarationAssessed"}
)  # fmt: skip


@dataclass(frozen=True)
class AttachedFile:
    """A file to attach, by reference (claim check): fetched from its producer, checked by SHA-256."""

    attachment_id: str
    filename: str
    content_type: str
    size: int
    sha256: str


@dataclass(frozen=True)
class Mail:
    notification_id: str
    template: str
    recipient: str
    subject: str
    context: dict[str, Any]
    territory: str | None = None
    """Whose zone the dates are shown in (the event envelope's territory)."""
    attachments: tuple[AttachedFile, ...] = ()


def notification_id(event_id: UUID | str, template: str, recipient: str) -> str:
    return str(uuid5(NOTIFICATION_NAMESPACE, f"{event_id}/{template}/{recipient.lower()}"))


def mails_for(
    event_type: str,
    data: Mapping[str, Any] | BaseModel,
    event_id: UUID | str,
    *,
    territory: str | None = None,
) -> list[Mail]:
    """The mails `event_type` causes; none for an event nobody is told about."""
    if event_type not in HANDLED_EVENTS:
        return []
    event = data if isinstance(data, BaseModel) else registered(event_type).model.model_validate(data)
    drafts = _drafts(event)
    files = _files(event)
    return [
        Mail(notification_id(event_id, template, to), template, to, subject, context, territory, files)
        for template, to, subject, context in drafts
    ]


def _files(event: BaseModel) -> tuple[AttachedFile, ...]:
    """The answer's attachments, sent with the closure mail (OGDE manual §4, "avec la réponse apportée")."""
    if not isinstance(event, RequestClosed):
        return ()
    return tuple(AttachedFile(a.attachment_id, a.filename, a.content_type, a.size, a.sha256) for a in event.attachments)


def within_size(mail: Mail, max_bytes: int) -> Mail:
    """The mail itself, or without its files when together they exceed what a mail may carry:
    it then says they are in the request's detail in OGDE (mail servers refuse large messages)."""
    if sum(f.size for f in mail.attachments) <= max_bytes:
        return mail
    return replace(mail, attachments=(), context={**mail.context, "attached_files": []})


Draft = tuple[str, str, str, dict[str, Any]]


def _drafts(event: BaseModel) -> list[Draft]:
    match event:
        case RequestSubmitted():
            context = _essoc(event.notice) | {
                "nature": NATURE_LABELS[event.nature],
                "nature_code": event.nature,
                "request_subject": event.subject,
                "unit": event.unit,
                "collegial": event.collegial,
                "received_at": event.received_at.isoformat(),
                "deadline_at": event.deadline_at.isoformat(),
            }
            return [_to_requester(event.notice, "essoc_request_submitted", "a bien été déposée", context)]
        case AdmissibilityDecided(decision="oui"):
            return [_to_requester(event.notice, "essoc_request_admissible", "est recevable", _essoc(event.notice))]
        case AdmissibilityDecided():
            context = _essoc(event.notice) | {"grounds": event.grounds or ""}
            return [_to_requester(event.notice, "essoc_request_refused", "n'est pas recevable", context)]
        case RequestQuestioned():
            context = _essoc(event.notice) | {"question": event.text}
            return [_to_requester(event.notice, "essoc_question_asked", "appelle une réponse de votre part",
                                  context)]  # fmt: skip
        case RequestClosed():
            context = _essoc(event.notice) | {
                "response": event.response,
                "attachment_count": len(event.attachment_ids),
                "attached_files": [{"filename": a.filename, "size": a.size} for a in event.attachments],
            }
            return [_to_requester(event.notice, "essoc_request_closed", "a reçu sa réponse", context)]
        case QuestionAnswered():
            context = _essoc(event.notice) | {"question": event.question_text, "answer": event.text}
            subject = f"[OGDE] Demande n° {event.notice.number} : le demandeur a répondu à votre question"
            return [("essoc_question_answered", event.notice.directorate_mailbox, subject, context)]
        case DeadlineReached():
            return [_deadline(event)]
        case DeclarationAssessed():
            return _filing_receipt(event)
    return []


def _essoc(notice: Notice) -> dict[str, Any]:
    return {
        "number": notice.number,
        "requester_name": notice.requester_name,
        "directorate": notice.directorate,
    }


def _to_requester(notice: Notice, template: str, what: str, context: dict[str, Any]) -> Draft:
    return template, notice.requester_email, f"[OGDE] Votre demande n° {notice.number} {what}", context


def _deadline(event: DeadlineReached) -> Draft:
    number = event.notice.number
    context = _essoc(event.notice) | {"deadline_at": event.deadline_at.isoformat()}
    if event.kind == "reminder":
        subject = f"[OGDE] Demande n° {number} : le délai de réponse expire dans 15 jours"
        return "essoc_deadline_reminder", event.notice.directorate_mailbox, subject, context
    subject = f"[OGDE] Demande n° {number} : le délai de réponse de trois mois est expiré"
    return "essoc_deadline_expired", event.notice.directorate_mailbox, subject, context


def _filing_receipt(event: DeclarationAssessed) -> list[Draft]:
    if not event.declarant_email:
        return []
    period = f"T{event.quarter} {event.year}"
    context = {
        "relation_number": event.relation_number,
        "period": period,
        "office": event.office,
        "filed_at": event.filed_at.isoformat(),
        "late": event.late,
        "days_late": event.days_late,
        "total_due": format(event.total_due, "f"),
        "boxes": box_summary(event.boxes),
        "warnings": list(event.warnings),
    }
    subject = f"[DOMINO-NG] Accusé de dépôt de votre déclaration d'octroi de mer {period}"
    return [("domino_filing_receipt", event.declarant_email, subject, context)]
