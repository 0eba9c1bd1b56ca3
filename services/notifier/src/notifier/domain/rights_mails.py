"""The mails of a request about one's data (decision record 0030): its acknowledgement with its deadline (RGPD
art. 12.3), the extension of that deadline, the DPO's answer to a rectification and the decision on an erasure.
Each links to « Mes données », where the person follows their requests."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from contracts.events.rights import ErasureDecided, RectificationDecided, RightsDeadlineExtended, RightsRequested

RIGHTS_EVENTS: tuple[type[BaseModel], ...] = (
    RightsRequested,
    RightsDeadlineExtended,
    RectificationDecided,
    ErasureDecided,
)
KIND_LABELS = {"rectification": "rectification", "effacement": "effacement"}
PAGE = "/mes-donnees"

Draft = tuple[str, str, str, dict[str, Any], str]
"""(template, recipient, subject, context, portal page), as `mails`."""


def rights_drafts(event: BaseModel) -> list[Draft]:
    match event:
        case RightsRequested():
            context: dict[str, Any] = {
                "requester_name": event.requester.name,
                "number": event.number,
                "kind": KIND_LABELS[event.kind],
                "received_at": event.received_at.isoformat(),
                "due_at": event.due_at.isoformat(),
                "data_concerned": event.data_concerned,
            }
            subject = f"[Vos données] Votre demande de {KIND_LABELS[event.kind]} {event.number} est bien reçue"
            return [("rights_acknowledged", event.requester.email, subject, context, PAGE)]
        case RightsDeadlineExtended():
            notice = event.notice
            context = {
                "requester_name": notice.requester_name,
                "number": notice.number,
                "reason": event.reason,
                "due_at": event.due_at.isoformat(),
            }
            subject = f"[Vos données] Le délai de réponse à votre demande {notice.number} est prolongé"
            return [("rights_extended", notice.requester_email, subject, context, PAGE)]
        case RectificationDecided():
            notice = event.notice
            context = {
                "requester_name": notice.requester_name,
                "number": notice.number,
                "granted": event.outcome == "accordee",
                "reason": event.reason,
            }
            subject = f"[Vos données] Réponse à votre demande de rectification {notice.number}"
            return [("rights_rectification_decided", notice.requester_email, subject, context, PAGE)]
        case ErasureDecided():
            notice = event.notice
            context = {
                "requester_name": notice.requester_name,
                "number": notice.number,
                "outcomes": [
                    {
                        "label": o.record.label,
                        "granted": o.outcome == "accordee",
                        "reason": o.reason,
                        "kept_until": o.kept_until.isoformat() if o.kept_until else None,
                        "source": o.source,
                    }
                    for o in event.outcomes
                ],
            }
            subject = f"[Vos données] Décision sur votre demande d'effacement {notice.number}"
            return [("rights_erasure_decided", notice.requester_email, subject, context, PAGE)]
    return []
