"""An erasure granted for the mails (decision record 0030): the notifier deletes the copies of the mails sent to the
person from its outbox; an erasure that grants nothing of the mails deletes nothing."""

from __future__ import annotations

from datetime import UTC, datetime

from contracts.events.rights import ErasureDecided, ErasureOutcome, HeldRecord, RightsNotice
from contracts.recorded import Recorded
from notifier.application.mail_erasure import MailErasure

NOTICE = RightsNotice(number="DR-2027-000001", kind="effacement", requester_name="Juda Bricot",
                      requester_email="juda@example.fr")  # fmt: skip
MAILS = HeldRecord(service="notifier", record_type="notifier_mail", record_id="notification-1", label="Courriel")
DECLARATION = HeldRecord(service="declarations", record_type="declaration", record_id="decl-1", label="Déclaration")


class SentMails:
    """The outbox's settled mails, by recipient (the adapter runs the same query on MongoDB)."""

    def __init__(self) -> None:
        self.settled = {"juda@example.fr": 3, "marie@example.fr": 2}

    async def erase_settled_to(self, recipient: str) -> int:
        return self.settled.pop(recipient, 0)


def _decided(*outcomes: ErasureOutcome) -> Recorded[ErasureDecided]:
    event = ErasureDecided(outcomes=list(outcomes), notice=NOTICE, at=datetime(2027, 1, 31, tzinfo=UTC))
    return Recorded(None, event)  # type: ignore[arg-type]


async def test_the_mails_sent_to_the_person_are_deleted_when_their_erasure_is_granted() -> None:
    mails = SentMails()

    await MailErasure(lambda tx: mails).dispatch(
        _decided(ErasureOutcome(record=MAILS, outcome="accordee", reason="x")), mails
    )  # type: ignore[arg-type]

    assert mails.settled == {"marie@example.fr": 2}


async def test_nothing_is_deleted_when_no_erasure_of_the_mails_is_granted() -> None:
    mails = SentMails()
    refused = ErasureOutcome(record=DECLARATION, outcome="refusee", reason="art. 354")

    await MailErasure(lambda tx: mails).dispatch(_decided(refused), mails)  # type: ignore[arg-type]

    assert mails.settled == {"juda@example.fr": 3, "marie@example.fr": 2}
