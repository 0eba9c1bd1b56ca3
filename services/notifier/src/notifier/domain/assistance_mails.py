"""The mails of an assistance ticket (decision record 0028): its acknowledgement to the person, the ticket sent to
the support mailbox, and the agent's answer to the person. Each links to the ticket's page in the portal."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from contracts.events.assistance import AssistanceAnswered, AssistanceRequested

ASSISTANCE_EVENTS: tuple[type[BaseModel], ...] = (AssistanceRequested, AssistanceAnswered)
SUPPORT_MAILBOX = "assistance@douane.example"
"""The support's mailbox by default (`NOTIFIER_SUPPORT_MAILBOX`)."""
CATEGORY_LABELS = {
    "domino": "DOMINO-NG",
    "ogde": "OGDE",
    "compte": "Compte et connexion",
    "paiement": "Paiement",
    "autre": "Autre",
}
GRAVITY_LABELS = {"bloquant": "bloquant", "genant": "gênant", "question": "question"}

Draft = tuple[str, str, str, dict[str, Any], str]
"""(template, recipient, subject, context, portal page), as `mails`."""


def ticket_page(number: str) -> str:
    """The ticket's page, for the person and for the agents alike."""
    return f"/assistance/{number}"


def assistance_drafts(event: BaseModel, support_mailbox: str) -> list[Draft]:
    match event:
        case AssistanceRequested():
            context: dict[str, Any] = {
                "requester_name": event.requester.name,
                "number": event.number,
                "ticket_subject": event.subject,
                "category": CATEGORY_LABELS[event.category],
                "gravity": GRAVITY_LABELS[event.gravity],
                "incident_reference": event.incident_reference,
                "filed_at": event.at.isoformat(),
            }
            support = context | {
                "description": event.description,
                "requester_email": event.requester.email,
                "files": [{"filename": f.filename, "size": f.size} for f in event.files],
            }
            page = ticket_page(event.number)
            return [
                (
                    "assistance_acknowledged",
                    event.requester.email,
                    f"[Assistance] Votre demande {event.number} est bien reçue",
                    context,
                    page,
                ),
                (
                    "assistance_to_support",
                    support_mailbox,
                    f"[Assistance] {event.number} ({GRAVITY_LABELS[event.gravity]}) : {event.subject}",
                    support,
                    page,
                ),
            ]
        case AssistanceAnswered():
            notice = event.notice
            context = {
                "requester_name": notice.requester_name,
                "number": notice.number,
                "ticket_subject": notice.subject,
                "answer": event.text,
                "agent_name": event.agent_name,
            }
            subject = f"[Assistance] Réponse à votre demande {notice.number}"
            return [("assistance_answered", notice.requester_email, subject, context, ticket_page(notice.number))]
    return []
