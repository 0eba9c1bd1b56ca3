"""The notifier's mails and the auditors' reads are kept for their retention (`contracts.retention`), then deleted by
the daily pass (issue 25, item 2): against the embedded MongoDB, the clock moved past retention."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from chassis.audit_log import COLLECTION as READS
from chassis.read_log_retention import delete_reads_past_retention
from contracts.envelope import SYSTEM, EventEnvelope
from notifier.adapters.outbox import OUTBOX, MailOutbox
from notifier.adapters.outbox_retention import OutboxRetention
from notifier.application.mail_retention import MailRetention
from notifier.application.pending import Obsolete, Sent
from notifier.domain.mails import Mail

QUEUED = datetime(2027, 3, 1, 9, 30, tzinfo=UTC)


def _mail(n: int) -> Mail:
    return Mail(f"mail-{n}", "domino_filing_receipt", f"declarant{n}@exemple.fr", "Accusé", {}, "/domino")


def _event() -> EventEnvelope:
    return EventEnvelope(
        type="DeclarationFiled", schema_version=1, stream_id="declaration-1", stream_type="declaration", version=1,
        territory="971", actor=SYSTEM, correlation_id="c", data={},
    )  # fmt: skip


async def _ids(db: AsyncDatabase[dict[str, Any]], collection: str) -> list[str]:
    return sorted([str(d["_id"]) async for d in db[collection].find({}, {"_id": 1})])


async def test_mails_of_the_notifier_are_deleted_one_year_after_queued_once_settled(
    mongo_db: AsyncDatabase[dict[str, Any]],
) -> None:
    # given a mail sent, one obsolete, one still pending, all queued on 1 March 2027, and one queued a day later
    outbox = MailOutbox(mongo_db)
    for n, queued in ((1, QUEUED), (2, QUEUED), (3, QUEUED), (4, QUEUED + timedelta(days=1))):
        await outbox.queue(_mail(n), _event(), queued)
    await outbox.settle("mail-1", Sent(attempts=1))
    await outbox.settle("mail-2", Obsolete())
    await outbox.settle("mail-4", Sent(attempts=1))
    retention = MailRetention(OutboxRetention(mongo_db), lambda now: delete_reads_past_retention(mongo_db, now))

    # when the daily pass runs a moment before the year is over, nothing goes
    done = await retention.apply(QUEUED + timedelta(days=366) - timedelta(seconds=1))  # 2028 is a leap year
    assert done.mails_deleted == 0 and await _ids(mongo_db, OUTBOX) == ["mail-1", "mail-2", "mail-3", "mail-4"]

    # when it runs at the end of the year, then the settled mails of that day are deleted, the pending one stays
    done = await retention.apply(datetime(2028, 3, 1, 9, 30, tzinfo=UTC))
    assert done.mails_deleted == 2 and await _ids(mongo_db, OUTBOX) == ["mail-3", "mail-4"]

    # and a second replica running the same pass deletes nothing more
    assert (await retention.apply(datetime(2028, 3, 1, 9, 30, tzinfo=UTC))).mails_deleted == 0


async def test_read_logs_of_auditors_are_deleted_after_one_year(mongo_db: AsyncDatabase[dict[str, Any]]) -> None:
    # given two reads by an auditor, a year apart
    old, recent = datetime(2027, 1, 10, 8, tzinfo=UTC), datetime(2028, 1, 10, 8, tzinfo=UTC)
    for at in (old, recent):
        await mongo_db[READS].insert_one({"at": at, "who": "auditeur-1", "role": "auditor", "path": "/audit/x"})

    # when the pass runs on 10 January 2028 at 8:00, then only the read of a year ago is deleted
    assert await delete_reads_past_retention(mongo_db, datetime(2028, 1, 10, 7, 59, tzinfo=UTC)) == 0
    assert await delete_reads_past_retention(mongo_db, recent) == 1
    assert [d["at"].replace(tzinfo=UTC) async for d in mongo_db[READS].find()] == [recent]
