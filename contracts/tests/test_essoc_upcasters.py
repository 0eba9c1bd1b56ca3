"""ESSOC events stored when the 3-month answer clock ran from receipt, read now that it runs from admissibility
(OGDE manual § 1.3): the stored event is never rewritten, its upcast payload carries no deadline from receipt."""

from __future__ import annotations

import json
from pathlib import Path

import contracts.events  # noqa: F401
from contracts.envelope import EventEnvelope
from contracts.events.essoc import AdmissibilityDecided, ComplementAdded, QuestionAnswered, RequestSubmitted
from contracts.registry import parse, upcast

SAMPLES = Path(__file__).parent / "samples"


def _stored(name: str) -> EventEnvelope:
    return EventEnvelope.model_validate(json.loads((SAMPLES / name).read_text()))


def test_a_stored_v2_request_submitted_loads_without_its_deadline_from_receipt() -> None:
    envelope = _stored("RequestSubmitted.v2.json")
    submitted = parse(envelope.type, envelope.schema_version, envelope.data)
    assert isinstance(submitted, RequestSubmitted)
    assert submitted.deadline_at is None, "no date runs before the request is judged admissible"
    assert (submitted.number, submitted.nature) == (42, "rescrit")
    assert upcast("RequestSubmitted", 2, envelope.data)[0] == 3
    assert envelope.data["deadline_at"] == "2027-01-05T13:12:40.101000Z", "the stored event is never rewritten"


def test_a_stored_v1_request_submitted_goes_through_every_upcaster() -> None:
    data = _stored("RequestSubmitted.v2.json").data
    assert upcast("RequestSubmitted", 1, data)[1]["deadline_at"] is None


def test_stored_answers_that_restarted_the_clock_load_without_it() -> None:
    for name, model in (("QuestionAnswered.v1.json", QuestionAnswered), ("ComplementAdded.v1.json", ComplementAdded)):
        envelope = _stored(name)
        event = parse(envelope.type, envelope.schema_version, envelope.data)
        assert isinstance(event, model)
        assert not {"restarts_clock", "deadline_at"} & set(event.model_dump()), name
        assert envelope.data["restarts_clock"] is True, "the stored event is never rewritten"


def test_an_admissibility_decided_before_it_carried_its_deadline_still_loads() -> None:
    # The field is optional: the fold counts the deadline from the event's instant (essoc.domain.deadlines).
    stored = {
        "decision": "oui",
        "grounds": None,
        "ground_code": None,
        "notice": {
            "number": 42,
            "requester_email": "juda.bricot@entreprise.example",
            "requester_name": "Juda Bricot",
            "directorate": "DR Guadeloupe",
            "directorate_mailbox": "dr-guadeloupe@douane.example",
        },
    }
    decision = parse("AdmissibilityDecided", 1, stored)
    assert isinstance(decision, AdmissibilityDecided) and decision.deadline_at is None
