"""A request whose events were stored when the 3 months ran from receipt and restarted at each answer, folded today
by the requests read model and by the aggregate: the deadline is 3 months from its admissibility (OGDE manual
§ 1.3), whatever the stored events said, and the notices follow it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from pymongo.asynchronous.database import AsyncDatabase

from chassis.projection import Projector
from contracts.envelope import Actor, EventEnvelope
from contracts.recorded import Recorded
from essoc.application.projections import RequestView
from essoc.domain.request import EssocRequest
from essoc.entrypoints import views

pytestmark = pytest.mark.integration

NOTICE = {
    "number": 42,
    "requester_email": "juda.bricot@entreprise.example",
    "requester_name": "Juda Bricot",
    "directorate": "DR Guadeloupe",
    "directorate_mailbox": "dr-guadeloupe@douane.example",
}
RECEIVED = datetime(2026, 3, 10, 9, tzinfo=UTC)
ADMITTED = datetime(2026, 4, 15, 14, tzinfo=UTC)
DEADLINE = datetime(2026, 7, 15, 14, tzinfo=UTC)
SUBMITTED_V2 = {
    "request_id": "req-legacy",
    "number": 42,
    "requester": {"id": "u-juda", "name": "Bricot", "first_name": "Juda", "email": "juda.bricot@entreprise.example"},
    "requester_type": "entreprise",
    "siret": "41234567000019",
    "company_name": "Distillerie Bellevue SAS",
    "represented_siren": None,
    "nature": "rescrit",
    "category": "octroi-de-mer",
    "sub_category": "dr-guadeloupe",
    "directorate": "dr-guadeloupe",
    "unit": "DR Guadeloupe - PAE",
    "fields": [{"domain": "octroi-de-mer", "sub_domain": "octroi de mer interne"}],
    "subject": "Taux d'octroi de mer applicable au rhum vieux",
    "description": "Quel taux s'applique ?",
    "previous_request": None,
    "collegial": False,
    "received_at": RECEIVED.isoformat(),
    "deadline_at": "2026-06-10T09:00:00+00:00",  # 3 months from receipt
    "notice": NOTICE,
}
STORED: list[tuple[str, int, datetime, dict[str, Any]]] = [
    ("RequestSubmitted", 2, RECEIVED, SUBMITTED_V2),
    ("RequestTakenInCharge", 1, datetime(2026, 3, 12, 8, tzinfo=UTC),
     {"agent_id": "agent-971", "unit": "DR Guadeloupe - PAE", "notice": NOTICE}),
    ("AdmissibilityDecided", 1, ADMITTED, {"decision": "oui", "grounds": None, "ground_code": None, "notice": NOTICE}),
    ("RequestQuestioned", 1, datetime(2026, 5, 2, 8, tzinfo=UTC),
     {"question_id": "q-1", "text": "Quel âge ?", "asked_by": "agent-971", "notice": NOTICE}),
    ("QuestionAnswered", 1, datetime(2026, 5, 20, 8, tzinfo=UTC),
     {"question_id": "q-1", "question_text": "Quel âge ?", "text": "Six ans.", "notice": NOTICE,
      "restarts_clock": True, "deadline_at": "2026-08-20T08:00:00+00:00"}),
    ("DeadlineReached", 1, datetime(2026, 8, 5, 8, tzinfo=UTC),
     {"kind": "reminder", "deadline_at": "2026-08-20T08:00:00+00:00", "notice": NOTICE}),
]  # fmt: skip


def _recorded() -> list[Recorded[Any]]:
    return [
        Recorded.of(
            EventEnvelope(
                type=name,
                schema_version=schema,
                stream_id="req-legacy",
                stream_type="request",
                version=position,
                occurred_at=at,
                territory="971",
                actor=Actor(id="u", role="requester"),
                correlation_id="c",
                data=data,
            )
        )
        for position, (name, schema, at, data) in enumerate(STORED, start=1)
    ]


async def test_the_read_model_counts_a_stored_request_from_its_admissibility(
    mongo_db: AsyncDatabase[dict[str, Any]],
) -> None:
    await Projector(mongo_db, [RequestView()]).apply(_recorded(), None)
    doc = await mongo_db["requests"].find_one({"_id": "req-legacy"})
    assert doc is not None
    detail = views.detail(doc)["deadline"]
    assert datetime.fromisoformat(detail["deadline_at"]) == DEADLINE
    assert detail["awaiting_admissibility"] is False
    # the reminder of 5 August was about the deadline the answer once set: the new one's is still due
    assert doc["notices_sent"] == []
    assert doc["next_notice_at"].replace(tzinfo=UTC) == datetime(2026, 6, 30, 14, tzinfo=UTC)
    clock = views.clock(doc, datetime(2026, 7, 1, 12, tzinfo=UTC))  # 1 July, 08:00 in Guadeloupe
    assert clock is not None and clock["near"] is True and clock["days_left"] == 14


def test_the_aggregate_counts_a_stored_request_from_its_admissibility() -> None:
    request = EssocRequest.from_recorded(_recorded())
    assert request.deadline_at == DEADLINE
    [expiry] = request.deadline_notices_due(datetime(2026, 8, 10, tzinfo=UTC))
    assert (expiry.kind, expiry.deadline_at) == ("expiry", DEADLINE)
