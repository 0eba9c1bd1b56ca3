"""Which mails each event causes, to whom, with which template; ids stable across redeliveries."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from uuid import UUID

import pytest
from pydantic import BaseModel

from contracts.events.declarations import FilingReminderIssued
from contracts.events.essoc import (
    AgentRef,
    AttachmentAdded,
    ComplementAdded,
    NoteAdded,
    RequestReassigned,
    RequestTakenInCharge,
)
from contracts.events.taxcalc import LineAssessed
from contracts.registry import event_type as event_type_spec
from contracts.registry import parse
from notifier.domain.mails import mails_for, notification_id
from notifier.domain.render import render

from notifier_events import ASSESSED, EVENT_ID, EXPECTED, NOTICE, PORTAL, REFUSED, SUBMITTED

TEMPLATES = Path(__file__).parents[2] / "src" / "notifier" / "domain" / "templates"


@pytest.mark.parametrize(("event_type", "event", "template", "recipient"), EXPECTED, ids=[e[2] for e in EXPECTED])
def test_each_event_mails_the_right_recipient_with_the_right_template(
    event_type: str, event: BaseModel, template: str, recipient: str
) -> None:
    [mail] = mails_for(event, EVENT_ID)
    assert (mail.template, mail.recipient) == (template, recipient)
    assert mail.subject and "\n" not in mail.subject


@pytest.mark.parametrize(("event_type", "event", "template", "recipient"), EXPECTED, ids=[e[2] for e in EXPECTED])
def test_a_wire_payload_gives_the_same_mail_as_the_model(
    event_type: str, event: BaseModel, template: str, recipient: str
) -> None:
    wire = parse(event_type, event_type_spec(event_type).version, event.model_dump(mode="json"))
    assert mails_for(wire, EVENT_ID) == mails_for(event, EVENT_ID)


def test_every_template_has_a_text_and_an_html_version() -> None:
    for _, _, template, _ in EXPECTED:
        assert (TEMPLATES / f"{template}.txt.j2").is_file()
        assert (TEMPLATES / f"{template}.html.j2").is_file()


def test_notification_id_is_a_uuid5_of_event_template_and_recipient() -> None:
    [mail] = mails_for(SUBMITTED, EVENT_ID)
    assert UUID(mail.notification_id).version == 5
    assert mail.notification_id == notification_id(EVENT_ID, mail.template, mail.recipient)
    assert mails_for(SUBMITTED, str(EVENT_ID))[0].notification_id == mail.notification_id
    other = UUID("01930000-0000-7000-8000-000000000002")
    assert mails_for(SUBMITTED, other)[0].notification_id != mail.notification_id


def test_requester_mails_never_put_the_requesters_text_in_the_subject() -> None:
    [mail] = mails_for(SUBMITTED, EVENT_ID)
    assert "rhum" not in mail.subject
    assert mail.subject == "[OGDE] Votre demande n° 150 a bien été déposée"


def test_refusal_mail_carries_the_grounds() -> None:
    [mail] = mails_for(REFUSED, EVENT_ID)
    assert mail.context["grounds"] == REFUSED.grounds


def test_receipt_context_has_period_total_and_box_summary() -> None:
    [mail] = mails_for(ASSESSED, EVENT_ID, territory="974")
    assert mail.territory == "974"
    assert (mail.context["period"], mail.context["total_due"], mail.context["late"]) == (
        "3e trimestre 2026",
        "1234.56",
        True,
    )
    assert mail.context["reference"] == "OM-974-2026-T3-0974000789"
    assert [line["box"] for line in mail.context["boxes"]] == ["1", "4", "9bis", "15", "27"]


def test_no_receipt_without_a_declarant_email() -> None:
    assert mails_for(ASSESSED.model_copy(update={"declarant_email": None}), EVENT_ID) == []


@pytest.mark.parametrize(
    ("event_type", "event"),
    [
        ("RequestTakenInCharge", RequestTakenInCharge(agent_id="a", unit="u", notice=NOTICE)),
        ("ComplementAdded", ComplementAdded(complement_id="c", text="x")),
        ("NoteAdded", NoteAdded(note_id="n", text="Note privée", author=AgentRef(id="a", name="Joseph Lubin"))),
        (
            "AttachmentAdded",
            AttachmentAdded(
                attachment_id="p",
                filename="f.pdf",
                content_type="application/pdf",
                size=1,
                sha256="0" * 64,
                blob_id="b",
                added_by="u",
                added_by_role="requester",
            ),
        ),
    ],
)
def test_events_nobody_is_told_about_give_no_mail(event_type: str, event: BaseModel) -> None:
    assert mails_for(event, EVENT_ID) == []


def test_an_event_type_of_another_service_gives_no_mail() -> None:
    assessed = LineAssessed(
        declaration_id="d", declaration_version=1, line_id="l", annex="B", status="assessed", om_amount=0, omr_amount=0
    )
    assert mails_for(assessed, EVENT_ID) == []


def test_filing_reminders_go_to_the_relations_declarant_in_french() -> None:
    before = FilingReminderIssued(
        relation_id="rel-974-0001",
        relation_number="0974000789",
        establishment="Savonnerie Bourbon",
        year=2026,
        quarter=3,
        due_date=date(2026, 10, 24),
        kind="before_due",
        days_before=7,
        email="marie.payet@producteur.example",
    )
    [mail] = mails_for(before, "00000000-0000-0000-0000-000000000001", territory="974")
    assert mail.recipient == "marie.payet@producteur.example" and mail.template == "domino_filing_reminder"
    assert mail.subject == "[DOMINO-NG] Rappel : déclaration du 3e trimestre 2026 à déposer dans 7 jours"
    late = before.model_copy(update={"kind": "late", "days_before": None})
    [notice] = mails_for(late, "00000000-0000-0000-0000-000000000002", territory="974")
    assert notice.template == "domino_filing_late"
    assert notice.subject == "[DOMINO-NG] Déclaration du 3e trimestre 2026 non déposée : date limite dépassée"
    text = render(mail, PORTAL).text
    assert "au plus tard le 24 octobre 2026, dans 7 jours" in text and "sans vente ni livraison" in text
    # a date is a date in every zone: the 24th in Guadeloupe too (UTC-4), not the 23rd
    [antilles] = mails_for(before, "00000000-0000-0000-0000-000000000003", territory="971")
    assert "au plus tard le 24 octobre 2026" in render(antilles, PORTAL).text
    [today] = mails_for(before.model_copy(update={"days_before": 0}), "00000000-0000-0000-0000-000000000004")
    assert today.subject.endswith("à déposer aujourd'hui") and "c'est-à-dire aujourd'hui" in render(today, PORTAL).text


def test_the_agent_a_request_is_entrusted_to_is_told_and_nobody_else() -> None:
    to = AgentRef(id="agent-971-b", name="Lucie Bélénus", email="lucie.belenus@douane.example")
    event = RequestReassigned(from_agent_id="agent-971", to_agent=to, by="agent-971", notice=NOTICE)
    [mail] = mails_for(event, EVENT_ID)
    assert (mail.template, mail.recipient) == ("essoc_request_reassigned", "lucie.belenus@douane.example")
    assert f"n° {NOTICE.number} vous est confiée" in mail.subject
    text = render(mail, PORTAL).text
    assert "Bonjour Lucie Bélénus" in text and "Suivies par moi" in text
    unreachable = event.model_copy(update={"to_agent": to.model_copy(update={"email": None})})
    assert mails_for(unreachable, EVENT_ID) == []
