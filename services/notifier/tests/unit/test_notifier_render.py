"""Rendering: every mail renders in text and HTML, in French, escaped, dates in the territory's zone."""

from __future__ import annotations

import pytest
from markupsafe import escape
from pydantic import BaseModel

from contracts.registry import parse
from notifier.domain.mails import mails_for
from notifier.domain.render import RenderedMail, render

from notifier_events import (
    ADMITTED,
    ANSWERED,
    ASSESSED,
    CLOSED,
    EVENT_ID,
    EXPECTED,
    EXPIRY,
    PORTAL,
    QUESTIONED,
    REFUSED,
    REMINDER,
    SUBMITTED,
)

NBSP = "\u00a0"
FROM_ADMISSIBILITY = (
    "L'administration dispose de trois mois pour vous répondre, à compter de la date à laquelle votre demande "
    "aura été jugée recevable ; cette date vous sera indiquée par courriel."
)


def rendered(event_type: str, event: BaseModel, territory: str | None = "974") -> RenderedMail:
    [mail] = mails_for(event, EVENT_ID, territory=territory)
    return render(mail, PORTAL)


@pytest.mark.parametrize(("event_type", "event", "template", "recipient"), EXPECTED, ids=[e[2] for e in EXPECTED])
def test_every_mail_renders_in_text_and_html(event_type: str, event: BaseModel, template: str, recipient: str) -> None:
    subject, text, html = rendered(event_type, event)
    assert text.startswith("Bonjour")
    assert "Ce courriel vous est envoyé automatiquement" in text
    assert html.startswith("<!DOCTYPE html>") and '<html lang="fr">' in html
    assert f"<title>{escape(subject)}</title>" in html
    assert "{{" not in text + html


def test_html_escapes_the_requesters_text_and_keeps_its_line_breaks() -> None:
    _, text, html = rendered("RequestSubmitted", SUBMITTED)
    assert "Taux d'octroi de mer <rhum> & liqueurs" in text
    assert "&lt;rhum&gt; &amp; liqueurs" in html and "<rhum>" not in html
    _, _, refusal = rendered("AdmissibilityDecided", REFUSED)
    assert "Demande hors champ.<br>\nVoir l&#39;article 345 bis." in refusal


def test_dates_are_shown_in_the_territory_zone_in_french() -> None:
    # 2026-03-10 21:30 UTC is already the 11th in La Réunion (UTC+4), still the 10th in Guadeloupe.
    _, text, _ = rendered("RequestSubmitted", SUBMITTED, territory="974")
    assert "déposée le 11 mars 2026 à 1 h 30 (heure de La Réunion)" in text
    assert FROM_ADMISSIBILITY in text
    _, text, _ = rendered("RequestSubmitted", SUBMITTED, territory="971")
    assert "déposée le 10 mars 2026 à 17 h 30 (heure de la Guadeloupe)" in text


def test_the_receipt_of_a_rescrit_gives_no_date_the_3_months_run_from_admissibility() -> None:
    _, text, html = rendered("RequestSubmitted", SUBMITTED)
    assert FROM_ADMISSIBILITY in text and FROM_ADMISSIBILITY in html
    assert "L'absence de réponse dans ce délai ne vaut pas prise de position favorable." in text
    assert "jusqu'au" not in text + html and "court à nouveau" not in text + html


def test_the_receipt_of_a_second_examen_also_counts_from_admissibility() -> None:
    second = SUBMITTED.model_copy(update={"nature": "second_examen", "collegial": True})
    text = rendered("RequestSubmitted", second).text
    assert FROM_ADMISSIBILITY in text and "examinée de manière collégiale" in text


def test_the_receipt_of_a_droit_au_controle_names_no_answer_period() -> None:
    text = rendered("RequestSubmitted", SUBMITTED.model_copy(update={"nature": "droit_au_controle"})).text
    assert "(droit au contrôle)" in text
    assert "trois mois" not in text and "jusqu'au" not in text


def test_a_receipt_filed_before_v3_renders_without_the_date_it_carried() -> None:
    # A RequestSubmitted v2 (redelivered, or replayed) carried a deadline counted from receipt: the upcaster clears it.
    v2 = SUBMITTED.model_dump(mode="json") | {"deadline_at": "2026-06-10T21:30:00Z"}
    text = rendered("RequestSubmitted", parse("RequestSubmitted", 2, v2)).text
    assert FROM_ADMISSIBILITY in text and "jusqu'au" not in text


def test_the_admissible_mail_gives_the_answer_date_in_the_directorates_zone() -> None:
    # 2026-06-10 21:30 UTC, 3 months after the decision, is the 11th in La Réunion, still the 10th in Guadeloupe.
    _, text, html = rendered("AdmissibilityDecided", ADMITTED, territory="974")
    sentence = (
        "L'administration dispose de trois mois à compter de cette décision pour vous répondre, "
        "soit jusqu'au 11 juin 2026."
    )
    assert sentence in text and sentence in html
    assert "L'absence de réponse dans ce délai ne vaut pas prise de position favorable." in text
    assert "soit jusqu'au 10 juin 2026." in rendered("AdmissibilityDecided", ADMITTED, territory="971").text


def test_the_admissible_mail_gives_no_date_when_the_decision_carries_none() -> None:
    # A droit au contrôle has no answer deadline; a decision recorded before it carried one has none either.
    text = rendered("AdmissibilityDecided", ADMITTED.model_copy(update={"deadline_at": None})).text
    assert "a été jugée recevable." in text
    assert "trois mois" not in text and "jusqu'au" not in text


def test_dates_default_to_paris_time_for_a_metropolitan_directorate() -> None:
    _, text, _ = rendered("DeadlineReached", REMINDER, territory=None)
    assert "le 10 juin 2026 à 23 h 30 (heure de Paris)" in text


def test_the_filing_receipt_shows_relation_period_office_lateness_and_amounts_in_french() -> None:
    subject, text, html = rendered("DeclarationAssessed", ASSESSED)
    assert subject == (
        "[DOMINO-NG] Accusé de dépôt de votre déclaration d'octroi de mer du 3e trimestre 2026 "
        "(OM-974-2026-T3-0974000789)"
    )
    assert "votre déclaration d'octroi de mer du 3e trimestre 2026, déposée le" in text
    assert "Référence : OM-974-2026-T3-0974000789" in text and "decl-rel" not in subject + text.split("http")[0]
    assert "Numéro de relation : 0974000789" in text
    assert "Bureau de douane : Bureau de Port-Réunion" in text
    assert "déposée le 31 octobre 2026 à 0 h 15 (heure de La Réunion)" in text
    assert "hors délai (6 jours de retard)" in text
    assert f"Total à payer : 1{NBSP}234,56{NBSP}€" in text
    assert f"case 1, Ventes internes : 123{NBSP}456,78{NBSP}€" in text
    assert f"case 27, OMR : Taxe nette due : 0,00{NBSP}€" in text
    assert "Ligne 3 : taux absent du tarif" in text
    assert f"<strong>1{NBSP}234,56{NBSP}€</strong>" in html


def test_a_receipt_on_time_says_so() -> None:
    _, text, _ = rendered("DeclarationAssessed", ASSESSED.model_copy(update={"late": False, "days_late": 0}))
    assert "Dépôt : dans le délai" in text


def test_requester_mails_carry_what_they_announce() -> None:
    assert "Quel est le titre alcoométrique ?" in rendered("RequestQuestioned", QUESTIONED).text
    closed = rendered("RequestClosed", CLOSED).text
    assert "Le rescrit est joint." in closed and "2 pièces jointes accompagnent" in closed
    assert "Demande hors champ." in rendered("AdmissibilityDecided", REFUSED).text


def test_directorate_mails_carry_the_exchange_and_the_deadline() -> None:
    answered = rendered("QuestionAnswered", ANSWERED).text
    assert answered.startswith("Bonjour,") and "40 % vol." in answered and "titre alcoométrique" in answered
    reminder = rendered("DeadlineReached", REMINDER).text
    assert "expire dans 15 jours, le 11 juin 2026 à 1 h 30" in reminder
    assert "court à compter de la date à laquelle la demande a été jugée recevable (code des douanes" in reminder
    expired = rendered("DeadlineReached", EXPIRY).text
    assert "a expiré le 11 juin 2026" in expired
    assert "Le délai de réponse de trois mois (compté à partir de la recevabilité)" in expired
