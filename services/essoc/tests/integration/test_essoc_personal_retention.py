"""Closed requests past their retention: their requester is recorded « due for erasure », nothing is erased from the
log yet (issue 25, item 2; crypto-shredding is item 3). Against the embedded MongoDB, the clock moved past retention."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from chassis.audit_log import COLLECTION as READS
from chassis.erasure_due import ErasureDueStore
from chassis.read_log_retention import delete_reads_past_retention
from essoc.adapters.closed_requests import ClosedRequestReadModel
from essoc.application.personal_retention import PersonalDataRetention
from essoc.application.projections import VIEW

CLOSED = datetime(2027, 5, 20, 14, 0, tzinfo=UTC)
A_DAY_LATER = CLOSED + timedelta(days=1)


def _clock() -> datetime:
    raise AssertionError("the test gives the pass its instant")


async def test_closed_essoc_requests_are_kept_3_years_then_their_requester_is_due_for_erasure(
    mongo_db: AsyncDatabase[dict[str, Any]],
) -> None:
    # given a request closed on 20 May 2027, one closed a day later, and one still open
    await mongo_db[VIEW].insert_many(
        [
            {"_id": "request-1", "state": "cloturee", "closed_at": CLOSED, "requester": {"id": "usager-1"}},
            {
                "_id": "request-2",
                "state": "cloturee",
                "closed_at": CLOSED + timedelta(days=1),
                "requester": {"id": "u2"},
            },
            {"_id": "request-3", "state": "prise_en_charge", "closed_at": None, "requester": {"id": "usager-3"}},
        ]
    )
    await mongo_db[READS].insert_one({"at": CLOSED, "who": "auditeur-1", "role": "auditor", "path": "/requests"})
    events_before = await mongo_db["events"].count_documents({})
    store = ErasureDueStore(mongo_db)
    job = PersonalDataRetention(
        ClosedRequestReadModel(mongo_db), store, lambda now: delete_reads_past_retention(mongo_db, now), _clock
    )

    # when the daily pass runs just before the 3 years are over, no requester is due (the read of 2027 is deleted:
    # its own retention is a year)
    early = await job.apply(datetime(2030, 5, 20, 13, 59, tzinfo=UTC))
    assert early.requesters_due == 0 and early.reads_deleted == 1

    # when it runs on 20 May 2030 at 14:00, then request-1's requester is due for erasure, with the day it became so
    done = await job.apply(datetime(2030, 5, 20, 14, 0, tzinfo=UTC))
    assert done.requesters_due == 1 and done.reads_deleted == 0
    [due] = await store.pending()
    assert (due["record_type"], due["stream_id"], due["subject"], due["subject_id"]) == (
        "essoc_request_closed", "request-1", "requester", "usager-1",
    )  # fmt: skip
    assert due["retention_ended_at"].replace(tzinfo=UTC) == datetime(2030, 5, 20, 14, 0, tzinfo=UTC)
    assert due["erased_at"] is None

    # and another replica's pass, or the next day's, records it once; nothing of the log is touched
    assert (await job.apply(datetime(2030, 5, 20, 14, 0, tzinfo=UTC))).requesters_due == 0
    assert (await job.apply(datetime(2030, 5, 21, 15, 0, tzinfo=UTC))).requesters_due == 1  # request-2's turn
    assert len(await store.pending()) == 2
    assert await mongo_db["events"].count_documents({}) == events_before
