"""A service's refusal reads with the field's French label: next to its input the bare sentence (the label is
above it), at the top of the page the sentence with the label, never the machine name."""

from __future__ import annotations

from portal.backends import Refused
from portal.forms import Form

REFUSED = Refused(
    status=422,
    detail="Date du paiement : Ce champ doit être une date au format AAAA-MM-JJ.",
    field="paid_on",
    errors=[
        {"field": "paid_on", "label": "Date du paiement", "detail": "Ce champ doit être une date au format AAAA-MM-JJ."}
    ],
)


def test_next_to_its_input_the_refusal_is_the_bare_sentence() -> None:
    form = Form(values={"paid_on": "demain"})
    form.refuse(REFUSED)
    assert form.errors == {"paid_on": "Ce champ doit être une date au format AAAA-MM-JJ."}


def test_without_its_input_the_top_of_the_page_names_the_field_in_french() -> None:
    form = Form(values={"reference": "R1"})
    form.refuse(REFUSED)
    assert form.summary is not None and form.summary.startswith("Date du paiement : ") and "paid_on" not in form.summary
