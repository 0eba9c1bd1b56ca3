"""Revoked SEPA mandates past their retention: their account holder is recorded « due for erasure » (keyed by the
RUM), nothing is erased from the log yet (issue 25, item 2). Against the embedded MongoDB, the clock moved past
retention."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from chassis.erasure_due import ErasureDueStore
from chassis.read_log_retention import delete_reads_past_retention
from declarations.adapters.revoked_mandates import RevokedMandateReadModel
from declarations.application.collection_views import MANDATES
from declarations.application.personal_retention import DeclarationsRetention

REVOKED = datetime(2027, 1, 31, 10, 0, tzinfo=UTC)


def _clock() -> datetime:
    raise AssertionError("the test gives the pass its instant")


def _step(what: str, rum: str, at: datetime) -> dict[str, Any]:
    return {"what": what, "rum": rum, "at": at.isoformat(), "by": "declarant-1"}


async def test_revoked_mandates_are_kept_13_months_then_their_holder_is_due_for_erasure(
    mongo_db: AsyncDatabase[dict[str, Any]],
) -> None:
    # given a mandate revoked on 31 January 2027 (its relation's next one still active), and a relation's mandate
    # never revoked
    registered = datetime(2026, 6, 1, tzinfo=UTC)
    await mongo_db[MANDATES].insert_many(
        [
            {
                "_id": "rel-971-0001",
                "active": {"rum": "RUM-2"},
                "history": [
                    _step("enregistré", "RUM-1", registered),
                    _step("validé", "RUM-1", registered),
                    _step("révoqué", "RUM-1", REVOKED),
                    _step("enregistré", "RUM-2", REVOKED),
                ],
            },
            {"_id": "rel-971-0002", "active": {"rum": "RUM-3"}, "history": [_step("validé", "RUM-3", registered)]},
        ]
    )
    store = ErasureDueStore(mongo_db)
    job = DeclarationsRetention(
        RevokedMandateReadModel(mongo_db), store, lambda now: delete_reads_past_retention(mongo_db, now), _clock
    )

    # when the daily pass runs the day before the 13 months are over (31 January + 13 months = 29 February 2028)
    assert (await job.apply(datetime(2028, 2, 28, 10, 0, tzinfo=UTC))).holders_due == 0

    # when it runs on 29 February 2028 at 10:00, then RUM-1's holder is due for erasure, once
    assert (await job.apply(datetime(2028, 2, 29, 10, 0, tzinfo=UTC))).holders_due == 1
    assert (await job.apply(datetime(2028, 3, 1, 10, 0, tzinfo=UTC))).holders_due == 0
    [due] = await store.pending()
    assert (due["record_type"], due["stream_id"], due["subject"], due["subject_id"]) == (
        "mandate_revoked", "mandate-rel-971-0001", "account_holder", "RUM-1",
    )  # fmt: skip
    assert due["retention_ended_at"].replace(tzinfo=UTC) == datetime(2028, 2, 29, 10, 0, tzinfo=UTC)
