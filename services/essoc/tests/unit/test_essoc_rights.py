"""A request about one's data, given / when / then (decision record 0030): the one-month deadline of RGPD art. 12.3
and its extension; what a rectification needs, on which field; an erasure decided record type by record type; the
DPO's answer, once."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from contracts.errors import Conflict, DomainError
from contracts.events.rights import (
    ErasureDecided,
    ErasureOutcome,
    HeldRecord,
    RectificationDecided,
    RightsDeadlineExtended,
    RightsNotice,
    RightsRequested,
    RightsRequester,
)
from contracts.recorded import Recorded
from essoc.domain.rights import (
    RightsRequest,
    answer_deadline_rgpd_art_12_3,
    extended_deadline_rgpd_art_12_3,
    request_erasure,
    request_rectification,
)

RECEIVED = datetime(2027, 1, 31, 9, 0, tzinfo=UTC)
LATER = datetime(2027, 2, 10, 9, 0, tzinfo=UTC)
JUDA = RightsRequester(id="u-juda", name="Juda Bricot", email="juda@example.fr")
NOTICE = RightsNotice(number="DR-2027-000001", kind="rectification", requester_name="Juda Bricot",
                      requester_email="juda@example.fr")  # fmt: skip
ASKED = RightsRequested(
    request_id="droits-1",
    number="DR-2027-000001",
    kind="rectification",
    requester=JUDA,
    data_concerned="Mon prénom",
    what_is_wrong="Judas",
    right_value="Juda",
    received_at=RECEIVED,
    due_at=datetime(2027, 2, 28, 9, 0, tzinfo=UTC),
)
DRAFT = HeldRecord(service="essoc", record_type="essoc_draft", record_id="brouillon-1", label="Brouillon")
DECLARATION = HeldRecord(
    service="declarations",
    record_type="declaration",
    record_id="decl-1",
    label="Déclaration 2026 T4",
    retention_ends_at=datetime(2029, 12, 31, 23, 59, 59, tzinfo=UTC),
)


def given(*events: object) -> RightsRequest:
    return RightsRequest.from_recorded([Recorded(None, e) for e in events])  # type: ignore[arg-type]


def test_the_answer_is_due_one_calendar_month_after_receipt_rgpd_art_12_3() -> None:
    # RGPD art. 12.3: « dans un délai d'un mois à compter de la réception de la demande »
    assert answer_deadline_rgpd_art_12_3(datetime(2027, 3, 15, 8, 0, tzinfo=UTC)) == datetime(
        2027, 4, 15, 8, 0, tzinfo=UTC
    )
    assert answer_deadline_rgpd_art_12_3(RECEIVED) == datetime(2027, 2, 28, 9, 0, tzinfo=UTC)
    assert answer_deadline_rgpd_art_12_3(datetime(2028, 1, 31, tzinfo=UTC)) == datetime(2028, 2, 29, tzinfo=UTC)


def test_the_deadline_is_extended_by_one_or_two_months_no_more_rgpd_art_12_3() -> None:
    assert extended_deadline_rgpd_art_12_3(RECEIVED, 2) == datetime(2027, 4, 30, 9, 0, tzinfo=UTC)
    with pytest.raises(DomainError) as refused:
        extended_deadline_rgpd_art_12_3(RECEIVED, 3)
    assert refused.value.field == "months"


def test_a_rectification_names_the_data_what_is_wrong_and_the_right_value() -> None:
    asked = request_rectification(request_id="droits-1", number="DR-2027-000001", requester=JUDA,
                                  data_concerned=" Mon prénom ", what_is_wrong="Judas", right_value="Juda",
                                  now=RECEIVED)  # fmt: skip
    assert asked == [ASKED]
    for missing in ("data_concerned", "what_is_wrong", "right_value"):
        fields = {"data_concerned": "Mon prénom", "what_is_wrong": "Judas", "right_value": "Juda", missing: "  "}
        with pytest.raises(DomainError) as refused:
            request_rectification(request_id="d", number="DR-2027-000002", requester=JUDA, now=RECEIVED, **fields)
        assert refused.value.field == missing and refused.value.detail.startswith("Indiquez ")


def test_an_erasure_is_granted_for_a_draft_and_refused_for_a_declaration_until_its_end_of_retention() -> None:
    events = request_erasure(request_id="droits-2", number="DR-2027-000002", requester=JUDA,
                             records=[DRAFT, DECLARATION], now=RECEIVED)  # fmt: skip
    decided = events[1]
    assert isinstance(decided, ErasureDecided)
    draft, declaration = decided.outcomes
    erased = "Aucune obligation légale ne conserve un brouillon : il est supprimé."
    assert draft == ErasureOutcome(record=DRAFT, outcome="accordee", reason=erased)
    assert declaration.outcome == "refusee" and declaration.kept_until == DECLARATION.retention_ends_at
    assert declaration.source.startswith("Code des douanes, art. 354")
    with pytest.raises(DomainError) as refused:
        request_erasure(request_id="d", number="DR-2027-000003", requester=JUDA, records=[], now=RECEIVED)
    assert refused.value.field == "records"
    unreachable = JUDA.model_copy(update={"email": ""})
    with pytest.raises(DomainError) as no_address:
        request_erasure(request_id="d", number="DR-2027-000003", requester=unreachable, records=[DRAFT], now=RECEIVED)
    assert no_address.value.field == "email"


def test_the_dpo_answers_a_rectification_once_with_a_reason() -> None:
    request = given(ASKED)
    with pytest.raises(DomainError) as no_reason:
        request.decide_rectification(outcome="accordee", reason=" ", by="dpo-1", now=LATER)
    assert no_reason.value.field == "reason"

    decided = request.decide_rectification(outcome="refusee", reason="Le prénom est juste.", by="dpo-1", now=LATER)

    assert decided == [RectificationDecided(outcome="refusee", reason="Le prénom est juste.", by_id="dpo-1",
                                            notice=NOTICE, at=LATER)]  # fmt: skip
    with pytest.raises(Conflict):
        given(ASKED, *decided).decide_rectification(outcome="accordee", reason="x", by="dpo-1", now=LATER)


def test_a_deadline_is_extended_once_and_a_late_request_stays_open_until_answered() -> None:
    extended = given(ASKED).extend(months=1, reason="Demande complexe.", by="dpo-1", now=LATER)
    due = datetime(2027, 3, 31, 9, 0, tzinfo=UTC)
    assert extended == [
        RightsDeadlineExtended(reason="Demande complexe.", due_at=due, by_id="dpo-1", notice=NOTICE, at=LATER)
    ]
    request = given(ASKED, *extended)
    assert request.is_open and request.due_at == datetime(2027, 3, 31, 9, 0, tzinfo=UTC)
    with pytest.raises(Conflict) as twice:
        request.extend(months=1, reason="Encore.", by="dpo-1", now=LATER)
    assert twice.value.field == "months"
