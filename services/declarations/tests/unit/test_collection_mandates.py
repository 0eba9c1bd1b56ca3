"""A relation's SEPA B2B mandate: registered by its producer, validated by the office, never reused."""

from __future__ import annotations

from datetime import date

import pytest

from contracts.errors import Conflict, DomainError, NotFound
from contracts.events.collection import MandateRefused, MandateRegistered, MandateRevoked, MandateValidated
from declarations.domain.collection.mandate import MandateEvent, Mandates

IBAN = "FR76 3000 6000 0112 3456 7890 189"
TODAY = date(2026, 10, 5)


def registered(rum: str = "RUM-974-0001") -> MandateRegistered:
    return MandateRegistered(
        relation_id="rel-974-0001",
        rum=rum,
        iban="FR7630006000011234567890189",
        bic="AGRIFRPPXXX",
        holder="Savonnerie Bourbon",
        signed_on=date(2026, 9, 30),
        registered_by="marie",
    )


def given(*events: MandateEvent) -> Mandates:
    mandates = Mandates.empty("rel-974-0001")
    for event in events:
        mandates.apply(event)
    return mandates


def register(mandates: Mandates, **changes: object) -> list[MandateEvent]:
    fields: dict[str, object] = {
        "rum": "RUM-974-0001",
        "iban": IBAN,
        "bic": "AGRIFRPPXXX",
        "holder": " Savonnerie   Bourbon ",
        "signed_on": date(2026, 9, 30),
        "today": TODAY,
        "registered_by": "marie",
    }
    return list(mandates.register(**{**fields, **changes}))  # type: ignore[arg-type]


def test_a_signed_mandate_is_registered_with_its_iban_in_electronic_form() -> None:
    assert register(given()) == [registered()]


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("iban", "FR76 3000 6000 0112 3456 7890 188", "n'est pas valide"),
        ("iban", "US64 SVBK US6S 3300 9673 8637", "n'est pas valide"),
        ("bic", "AGRI", "BIC"),
        ("rum", "RUM#1", "35 caractères"),
        ("rum", "R" * 36, "35 caractères"),
        ("holder", "   ", "titulaire"),
        ("signed_on", date(2026, 10, 6), "postérieure"),
    ],
)
def test_a_mandate_with_a_wrong_field_is_refused_on_that_field(field: str, value: object, words: str) -> None:
    with pytest.raises(DomainError) as refused:
        register(given(), **{field: value})
    assert refused.value.field == field
    assert words in refused.value.detail


def test_a_rum_is_never_registered_twice_for_a_relation() -> None:
    """EPC SDD rulebook, AT-01: the mandate's reference is unique for its creditor."""
    with pytest.raises(Conflict) as refused:
        register(given(registered(), MandateValidated(rum="RUM-974-0001", validated_by="joseph")))
    assert refused.value.field == "rum"


def test_validating_the_waiting_mandate_makes_it_the_one_that_debits() -> None:
    mandates = given(registered())
    assert mandates.validate("RUM-974-0001", validated_by="joseph") == [
        MandateValidated(rum="RUM-974-0001", validated_by="joseph")
    ]
    mandates.apply(MandateValidated(rum="RUM-974-0001", validated_by="joseph"))
    assert mandates.active is not None and mandates.active.iban == "FR7630006000011234567890189"
    assert mandates.pending is None


def test_a_new_mandate_waits_while_the_validated_one_keeps_debiting() -> None:
    mandates = given(registered(), MandateValidated(rum="RUM-974-0001", validated_by="joseph"))
    mandates.apply(register(mandates, rum="RUM-974-0002")[0])
    assert mandates.active is not None and mandates.active.rum == "RUM-974-0001"
    assert mandates.pending is not None and mandates.pending.rum == "RUM-974-0002"
    mandates.apply(MandateValidated(rum="RUM-974-0002", validated_by="joseph"))
    assert mandates.active.rum == "RUM-974-0002"


def test_only_the_waiting_mandate_can_be_validated_or_refused() -> None:
    with pytest.raises(NotFound):
        given().validate("RUM-974-0001", validated_by="joseph")
    with pytest.raises(NotFound):
        given(registered()).refuse("RUM-OTHER", reason="signature absente", refused_by="joseph")


def test_a_refusal_says_why() -> None:
    with pytest.raises(DomainError) as refused:
        given(registered()).refuse("RUM-974-0001", reason="  ", refused_by="joseph")
    assert refused.value.field == "reason"
    assert given(registered()).refuse("RUM-974-0001", reason="signature absente", refused_by="joseph") == [
        MandateRefused(rum="RUM-974-0001", reason="signature absente", refused_by="joseph")
    ]


def test_revoking_ends_the_validated_mandate() -> None:
    mandates = given(registered(), MandateValidated(rum="RUM-974-0001", validated_by="joseph"))
    events = mandates.revoke("RUM-974-0001", reason="changement de banque", revoked_by="marie")
    assert events == [MandateRevoked(rum="RUM-974-0001", reason="changement de banque", revoked_by="marie")]
    mandates.apply(events[0])
    assert mandates.active is None
