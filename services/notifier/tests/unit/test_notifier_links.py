"""Every mail links to the portal page it is about, absolute, in its text and HTML parts; DOMINO-NG mails name
the quarter as the portal does (« 3e trimestre 2026 ») and the declaration by its reference, never its id."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from pydantic import BaseModel, ValidationError

from contracts.events.collection import PaymentReturned
from contracts.events.declarations import FilingReminderIssued
from contracts.events.essoc import AgentRef, RequestReassigned
from notifier.domain.mails import mails_for
from notifier.domain.render import link, render
from notifier.settings import NotifierSettings

from notifier_events import ASSESSED, EVENT_ID, EXPECTED, NOTICE, PORTAL

REQUESTER_PAGE = "/ogde/demandes/150"
AGENT_PAGE = "/instruction/demandes/150"
PAGES = {
    "essoc_request_submitted": REQUESTER_PAGE,
    "essoc_request_admissible": REQUESTER_PAGE,
    "essoc_request_refused": REQUESTER_PAGE,
    "essoc_question_asked": REQUESTER_PAGE,
    "essoc_request_closed": REQUESTER_PAGE,
    "essoc_question_answered": AGENT_PAGE,
    "essoc_deadline_reminder": AGENT_PAGE,
    "essoc_deadline_expired": AGENT_PAGE,
    "essoc_request_reassigned": AGENT_PAGE,
    "domino_filing_receipt": "/domino/declarations/decl-rel-974-0001-2026-Q3",
    "domino_correction_receipt": "/domino/declarations/decl-rel-974-0001-2026-Q3-R1",
    "domino_filing_reminder": "/domino",
    "domino_filing_late": "/domino",
    "domino_payment_returned": "/domino/declarations/decl-rel-974-0001-2026-Q3",
}
"""The page of each mail: the requester's request page, the agents' one, the filed declaration, DOMINO-NG's home."""

REMINDER = FilingReminderIssued(
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
RETURNED = PaymentReturned(
    declaration_id="decl-rel-974-0001-2026-Q3",
    year=2026,
    quarter=3,
    relation_number="0974000789",
    declarant_email="marie.payet@producteur.example",
    reference="OM9742026T30974000789",
    amount=Decimal("1234.56"),
    returned_on=date(2026, 10, 28),
    reason_code="AM04",
    reason="provision insuffisante",
)
REASSIGNED = RequestReassigned(
    from_agent_id="agent-974",
    to_agent=AgentRef(id="agent-974-b", name="Lucie Bélénus", email="lucie.belenus@douane.example"),
    by="agent-974",
    notice=NOTICE,
)
EVERY_MAIL: list[BaseModel] = [
    *(event for _, event, _, _ in EXPECTED),
    REASSIGNED,
    REMINDER,
    REMINDER.model_copy(update={"kind": "late", "days_before": None}),
    RETURNED,
]


@pytest.mark.parametrize("event", EVERY_MAIL, ids=lambda e: type(e).__name__)
def test_every_mail_links_to_its_page_on_the_portal_in_both_parts(event: BaseModel) -> None:
    [mail] = mails_for(event, EVENT_ID, territory="974")
    assert mail.page == PAGES[mail.template]
    _, text, html = render(mail, PORTAL)
    address = PORTAL + PAGES[mail.template]
    assert address in text.split(), text  # a word of its own: no punctuation glued to it that a client would take
    assert f'<a href="{address}">{address}</a>' in html


@pytest.mark.parametrize("event", EVERY_MAIL, ids=lambda e: type(e).__name__)
def test_every_mail_ends_with_a_link_to_mes_notifications_in_both_parts(event: BaseModel) -> None:
    """Issue 23, item 5: a mail is no dead end; its footer leads to every mail the person was sent."""
    [mail] = mails_for(event, EVENT_ID, territory="974")
    _, text, html = render(mail, PORTAL)
    address = f"{PORTAL}/notifications"
    assert f"Retrouvez tous vos courriels dans « Mes notifications » : {address}\n" in text
    assert f'Retrouvez tous vos courriels dans « Mes notifications » : <a href="{address}">{address}</a>' in html
    assert text.index(address) > text.index("\n--\n")  # in the footer, after the mail's own link


def test_the_link_is_the_portal_address_and_the_page_whatever_the_slashes() -> None:
    assert link("https://reunion.portail.douane.example/", "/domino") == "https://reunion.portail.douane.example/domino"
    assert link("http://127.0.0.1:8000", "domino") == "http://127.0.0.1:8000/domino"


def test_the_portal_address_is_absolute_and_kept_without_its_trailing_slash() -> None:
    assert NotifierSettings().portal_url == "http://127.0.0.1:8000"  # `make run`'s portal
    assert NotifierSettings(portal_url=PORTAL + "/").portal_url == PORTAL
    for wrong in ("reunion.portail.douane.example", "/domino", "https://portail.example/?x=1"):
        with pytest.raises(ValidationError, match="portal_url"):
            NotifierSettings(portal_url=wrong)


def test_the_receipt_names_the_quarter_and_the_reference_never_the_internal_id() -> None:
    [mail] = mails_for(ASSESSED, EVENT_ID, territory="974")
    subject, text, html = render(mail, PORTAL)
    assert subject == (
        "[DOMINO-NG] Accusé de dépôt de votre déclaration d'octroi de mer du 3e trimestre 2026 "
        "(OM-974-2026-T3-0974000789)"
    )
    assert "du 3e trimestre 2026, déposée le" in text and "Référence : OM-974-2026-T3-0974000789" in text
    assert "<strong>OM-974-2026-T3-0974000789</strong>" in html and "<strong>3e trimestre 2026</strong>" in html
    page = PORTAL + PAGES["domino_filing_receipt"]
    for part in (subject, text.replace(page, ""), html.replace(page, "")):
        assert "decl-rel" not in part and "T3 2026" not in part


def test_a_filing_reminder_names_the_quarter_and_the_declaration_it_expects() -> None:
    [mail] = mails_for(REMINDER, EVENT_ID, territory="974")
    subject, text, _ = render(mail, PORTAL)
    assert subject == "[DOMINO-NG] Rappel : déclaration du 3e trimestre 2026 à déposer dans 7 jours"
    assert "du 3e trimestre 2026 (référence OM-974-2026-T3-0974000789) n'est pas encore déposée" in text
    assert f"rubrique « Déclarer » : {PORTAL}/domino" in text
    [late] = mails_for(REMINDER.model_copy(update={"kind": "late", "days_before": None}), EVENT_ID, territory="971")
    assert "(référence OM-971-2026-T3-0974000789)" in render(late, PORTAL).text


def test_a_mail_of_no_known_territory_names_no_reference_but_still_the_quarter() -> None:
    [mail] = mails_for(ASSESSED, EVENT_ID)
    subject, text, _ = render(mail, PORTAL)
    assert subject.endswith("du 3e trimestre 2026") and "Référence" not in text


def test_a_returned_debit_tells_its_producer_in_french_why_and_how_to_pay() -> None:
    [mail] = mails_for(RETURNED, EVENT_ID, territory="974")
    assert mail.recipient == "marie.payet@producteur.example"
    assert mail.subject == "[DOMINO-NG] Paiement rejeté : déclaration d'octroi de mer du 3e trimestre 2026"
    _, text, _ = render(mail, PORTAL)
    expected = ("1\u00a0234,56\u00a0€", "OM-974-2026-T3-0974000789", "28 octobre 2026", "provision insuffisante")
    for words in (*expected, "AM04"):
        assert words in text, words
    assert mails_for(RETURNED.model_copy(update={"declarant_email": None}), EVENT_ID, territory="974") == []
