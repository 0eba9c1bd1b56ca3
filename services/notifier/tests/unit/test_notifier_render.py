"""Rendering: every mail renders in text and HTML, in French, escaped, dates in the territory's zone."""

from __future__ import annotations

import pytest
from markupsafe import escape
from pydantic import BaseModel

from notifier.domain.mails import mails_for
from notifier.domain.render import RenderedMail, render

from notifier_events import (
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
    assert "jusqu'au 11 juin 2026" in text
    _, text, _ = rendered("RequestSubmitted", SUBMITTED, territory="971")
    assert "déposée le 10 mars 2026 à 17 h 30 (heure de Guadeloupe)" in text


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
    assert "expire dans 15 jours, le 11 juin 2026 à 1 h 30" in rendered("DeadlineReached", REMINDER).text
    assert "a expiré le 11 juin 2026" in rendered("DeadlineReached", EXPIRY).text
