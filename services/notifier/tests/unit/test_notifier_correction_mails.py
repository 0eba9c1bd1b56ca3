"""The filing receipt of a déclaration rectificative: « Déclaration rectificative n° N », the totals before and after,
the difference tax by tax, then the supplement to pay (with its own date and creditor reference), the credit carried
to boxes 10 and 22 of the next declaration, or nothing more (taxcalc.domain.correction decides which)."""

from __future__ import annotations

from notifier.domain.mails import mails_for
from notifier.domain.render import RenderedMail, render

from notifier_events import ASSESSED, EVENT_ID, LOWERED, PORTAL, RAISED, UNCHANGED, corrected

NBSP = "\u00a0"
REFERENCE = "OM-974-2026-T3-0974000789-R1"
PAGE = PORTAL + "/domino/declarations/decl-rel-974-0001-2026-Q3-R1"


def euros(amount: str) -> str:
    return amount.replace(" ", NBSP) + NBSP + "€"


def rendered(event: object, territory: str | None = "974") -> RenderedMail:
    [mail] = mails_for(event, EVENT_ID, territory=territory)  # type: ignore[arg-type]
    return render(mail, PORTAL)


def test_a_rectificative_is_named_by_its_number_quarter_and_reference_in_subject_and_body() -> None:
    [mail] = mails_for(RAISED, EVENT_ID, territory="974")
    assert mail.template == "domino_correction_receipt" and mail.receipt_of == RAISED.declaration_id
    subject, text, html = render(mail, PORTAL)
    assert subject == (
        f"[DOMINO-NG] Déclaration rectificative n° 1 du 3e trimestre 2026 : accusé de dépôt ({REFERENCE})"
    )
    assert text.startswith("Bonjour,\n\nDéclaration rectificative n° 1 – octroi de mer du 3e trimestre 2026")
    assert "<strong>Déclaration rectificative n° 1</strong>" in html
    assert f"Référence : {REFERENCE}" in text and f"<strong>{REFERENCE}</strong>" in html
    assert "Elle remplace la déclaration OM-974-2026-T3-0974000789, qui reste consultable" in text
    assert "déposée le 5 novembre 2026 à 10 h 00 (heure de La Réunion)" in text
    assert f"Consultez votre déclaration rectificative dans DOMINO-NG : {PAGE}" in text
    assert f'<a href="{PAGE}">{PAGE}</a>' in html
    for part in (subject, text.replace(PAGE, ""), html.replace(PAGE, "")):
        assert "decl-rel" not in part and "T3 2026" not in part


def test_a_rectificative_that_raises_the_tax_asks_the_supplement_by_its_date_with_its_own_creditor_reference() -> None:
    _, text, html = rendered(RAISED)
    assert f"Total dû avant rectification (cases 15 + 27) : {euros('1 234,56')}" in text
    assert f"Total dû rectifié (cases 15 + 27) : {euros('1 534,56')}" in text
    assert f"Différence d'octroi de mer (case 15 − case 14) : +{euros('300,00')}" in text
    assert f"Différence d'octroi de mer régional (case 27 − case 26) : {euros('0,00')}" in text
    assert f"Supplément à payer : {euros('300,00')}, au plus tard le 05/11/2026" in text
    # ISO 11649 reference of the rectificative (« …R1 »), not the original's « RF41 … »
    assert "Référence de créancier à indiquer sur votre virement : RF05 9742 6T30 9740 0078 9R1" in text
    assert "RF41" not in text
    assert "Crédit reporté" not in text and "Aucun montant supplémentaire" not in text
    assert f"<strong>Supplément à payer : {euros('300,00')}, au plus tard le 05/11/2026</strong>" in html


def test_a_rectificative_that_lowers_the_tax_carries_the_credit_to_boxes_10_and_22() -> None:
    _, text, html = rendered(LOWERED)
    assert f"Total dû rectifié (cases 15 + 27) : {euros('1 034,56')}" in text
    assert f"Différence d'octroi de mer (case 15 − case 14) : -{euros('200,00')}" in text
    assert (
        "Crédit reporté sur votre prochaine déclaration : "
        f"case 10 (octroi de mer) {euros('200,00')}, case 22 (octroi de mer régional) {euros('0,00')}"
    ) in text
    assert "Supplément à payer" not in text + html and "RF" not in text.replace("DOMINO-NG", "")
    assert "Aucun montant supplémentaire" not in text


def test_a_rectificative_that_changes_nothing_due_says_no_further_amount() -> None:
    _, text, html = rendered(UNCHANGED)
    assert f"Total dû avant rectification (cases 15 + 27) : {euros('1 234,56')}" in text
    assert f"Total dû rectifié (cases 15 + 27) : {euros('1 234,56')}" in text
    assert "Aucun montant supplémentaire" in text and "<strong>Aucun montant supplémentaire</strong>" in html
    assert "Supplément à payer" not in text and "Crédit reporté" not in text


def test_om_and_omr_are_never_netted_a_raise_of_one_is_paid_and_a_fall_of_the_other_carried() -> None:
    # loi 2004-639: the OM goes to the communes, the OMR to the region; taxcalc.domain.correction keeps them apart
    _, text, _ = rendered(corrected("100.00", "-40.00"))
    assert f"Supplément à payer : {euros('100,00')}, au plus tard le 05/11/2026" in text
    assert (f"case 10 (octroi de mer) {euros('0,00')}, case 22 (octroi de mer régional) {euros('40,00')}") in text
    assert "Aucun montant supplémentaire" not in text


def test_a_rectificative_of_no_known_territory_still_names_its_number_without_references() -> None:
    subject, text, _ = rendered(RAISED, territory=None)
    assert subject == "[DOMINO-NG] Déclaration rectificative n° 1 du 3e trimestre 2026 : accusé de dépôt"
    assert "Référence" not in text and "Elle remplace" not in text
    assert f"Supplément à payer : {euros('300,00')}, au plus tard le 05/11/2026" in text


def test_the_original_filing_receipt_is_unchanged_by_the_rectificatives() -> None:
    [mail] = mails_for(ASSESSED, EVENT_ID, territory="974")
    assert mail.template == "domino_filing_receipt"
    assert "rectificati" not in render(mail, PORTAL).text.lower()
    assert mails_for(RAISED.model_copy(update={"declarant_email": None}), EVENT_ID, territory="974") == []
