"""One event of each mailed type, as the producing services emit them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import UUID

from pydantic import BaseModel

from contracts.events.declarations import Correction, Difference
from contracts.events.essoc import (
    AdmissibilityDecided,
    AttachmentRef,
    DeadlineReached,
    FieldOfApplication,
    Notice,
    QuestionAnswered,
    RequestClosed,
    Requester,
    RequestQuestioned,
    RequestSubmitted,
)
from contracts.events.taxcalc import DeclarationAssessed

EVENT_ID = UUID("01930000-0000-7000-8000-000000000001")
PORTAL = "https://reunion.portail.douane.example"
"""The portal's public address the mails link to (`NOTIFIER_PORTAL_URL`)."""
REQUESTER_EMAIL = "juda.bricot@example.fr"
MAILBOX = "dr-la-reunion@douane.example"
DECLARANT_EMAIL = "compta@rhumerie.example"
NOTICE = Notice(
    number=150,
    requester_email=REQUESTER_EMAIL,
    requester_name="Juda Bricot",
    directorate="DR La Réunion",
    directorate_mailbox=MAILBOX,
)
SUBMITTED = RequestSubmitted(
    request_id="req-1",
    number=150,
    requester=Requester(id="u-juda", name="Bricot", first_name="Juda", email=REQUESTER_EMAIL),
    requester_type="entreprise",
    siret="73282932000074",
    company_name="Rhumerie du Galion SAS",
    nature="rescrit",
    category="octroi-de-mer",
    sub_category="dr-la-reunion",
    directorate="dr-la-reunion",
    unit="DR La Réunion - PAE",
    fields=[FieldOfApplication(domain="octroi-de-mer", sub_domain="octroi de mer interne")],
    subject="Taux d'octroi de mer <rhum> & liqueurs",
    description="Description.",
    received_at=datetime(2026, 3, 10, 21, 30, tzinfo=UTC),
    notice=NOTICE,
)
"""As essoc files it since v3: no answer deadline yet, the 3 months run from admissibility."""
ADMITTED = AdmissibilityDecided(decision="oui", notice=NOTICE, deadline_at=datetime(2026, 6, 10, 21, 30, tzinfo=UTC))
"""Judged admissible on 10 March 2026 at 21:30 UTC: the 3 months run to 10 June, 21:30 UTC."""
REFUSED = AdmissibilityDecided(decision="non", grounds="Demande hors champ.\nVoir l'article 345 bis.", notice=NOTICE)
QUESTIONED = RequestQuestioned(question_id="q-1", text="Quel est le titre alcoométrique ?", asked_by="a", notice=NOTICE)
ANSWERED = QuestionAnswered(
    question_id="q-1", question_text="Quel est le titre alcoométrique ?", text="40 % vol.", notice=NOTICE
)
CLOSED = RequestClosed(response="Le rescrit est joint.", attachment_ids=["pj-1", "pj-2"], notice=NOTICE)
"""A closure recorded before attachment metadata travelled with it: the mail points to OGDE."""
CLOSED_WITH_FILES = RequestClosed(
    response="Le rescrit est joint.",
    attachment_ids=["pj-1", "pj-2"],
    attachments=[
        AttachmentRef(
            attachment_id="pj-1",
            filename="rescrit n°150.pdf",
            content_type="application/pdf",
            size=250_000,
            sha256="a" * 64,
        ),
        AttachmentRef(
            attachment_id="pj-2", filename="annexe.txt", content_type="text/plain", size=850, sha256="b" * 64
        ),
    ],
    notice=NOTICE,
)
REMINDER = DeadlineReached(kind="reminder", deadline_at=datetime(2026, 6, 10, 21, 30, tzinfo=UTC), notice=NOTICE)
EXPIRY = DeadlineReached(kind="expiry", deadline_at=datetime(2026, 6, 10, 21, 30, tzinfo=UTC), notice=NOTICE)
ASSESSED = DeclarationAssessed(
    declaration_id="decl-rel-974-0001-2026-Q3",
    relation_id="rel-974-0001",
    relation_number="0974000789",
    office="Bureau de Port-Réunion",
    year=2026,
    quarter=3,
    filed_at=datetime(2026, 10, 30, 20, 15, tzinfo=UTC),
    late=True,
    days_late=6,
    boxes={
        "1": Decimal("123456.78"),
        "2": Decimal("0"),
        "4": Decimal("8641.97"),
        "9bis": Decimal("12.00"),
        "15": Decimal("1234.56"),
        "16": Decimal("0"),
        "27": Decimal("0"),
    },
    total_due=Decimal("1234.56"),
    declarant_email=DECLARANT_EMAIL,
    warnings=["Ligne 3 : taux absent du tarif"],
)
CORRECTED_ID = "decl-rel-974-0001-2026-Q3-R1"


def corrected(om: str, omr: str = "0.00") -> DeclarationAssessed:
    """Rectificative n° 1 of `ASSESSED` (boxes 15 = 1 234,56 €, 27 = 0, nothing carried forward), filed on
    5 November 2026, after the quarter's due date: its OM position changes by `om`, its OMR one by `omr`."""
    zero = Decimal("0.00")
    om_change, omr_change = Decimal(om), Decimal(omr)
    # A position lowered below nothing due is a credit carried forward (box 14, 26), never a negative box 15, 27.
    om_position, omr_position = ASSESSED.boxes["15"] + om_change, ASSESSED.boxes["27"] + omr_change
    boxes = ASSESSED.boxes | {
        "14": max(-om_position, zero),
        "15": max(om_position, zero),
        "26": max(-omr_position, zero),
        "27": max(omr_position, zero),
    }
    total = boxes["15"] + boxes["27"]
    return ASSESSED.model_copy(
        update={
            "declaration_id": CORRECTED_ID,
            "filed_at": datetime(2026, 11, 5, 6, 0, tzinfo=UTC),
            "late": False,
            "days_late": 0,
            "boxes": boxes,
            "total_due": total,
            "warnings": [],
            "correction": Correction(
                corrects=ASSESSED.declaration_id,
                corrective=1,
                difference=Difference(
                    original_total_due=ASSESSED.total_due,
                    corrected_total_due=total,
                    om=om_change,
                    omr=omr_change,
                    supplement=max(om_change, zero) + max(omr_change, zero),
                    om_credit=max(-om_change, zero),
                    omr_credit=max(-omr_change, zero),
                ),
                supplement_due=date(2026, 11, 5),
            ),
        }
    )


RAISED = corrected("300.00")
"""A rectificative that raises the octroi de mer by 300 €: a supplement to pay."""
LOWERED = corrected("-200.00")
"""A rectificative that lowers the octroi de mer by 200 €: a credit carried to box 10."""
UNCHANGED = corrected("0.00")
"""A rectificative that changes no tax's position."""

EXPECTED: list[tuple[str, BaseModel, str, str]] = [
    ("RequestSubmitted", SUBMITTED, "essoc_request_submitted", REQUESTER_EMAIL),
    ("AdmissibilityDecided", ADMITTED, "essoc_request_admissible", REQUESTER_EMAIL),
    ("AdmissibilityDecided", REFUSED, "essoc_request_refused", REQUESTER_EMAIL),
    ("RequestQuestioned", QUESTIONED, "essoc_question_asked", REQUESTER_EMAIL),
    ("QuestionAnswered", ANSWERED, "essoc_question_answered", MAILBOX),
    ("RequestClosed", CLOSED, "essoc_request_closed", REQUESTER_EMAIL),
    ("DeadlineReached", REMINDER, "essoc_deadline_reminder", MAILBOX),
    ("DeadlineReached", EXPIRY, "essoc_deadline_expired", MAILBOX),
    ("DeclarationAssessed", ASSESSED, "domino_filing_receipt", DECLARANT_EMAIL),
    ("DeclarationAssessed", RAISED, "domino_correction_receipt", DECLARANT_EMAIL),
]
"""(event type, event, template, recipient) for every mail the notifier sends."""
