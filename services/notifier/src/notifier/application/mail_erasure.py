"""An erasure granted for the mails (decision record 0030): the copies of the mails sent to the person are deleted
from the outbox, in the consumer's transaction; a mail still to be sent (the decision's own) is kept."""

from __future__ import annotations

from typing import Protocol

from chassis.dispatch import on
from chassis.policy import Policy
from contracts.events.rights import ErasureDecided
from contracts.recorded import Recorded


class SentMails(Protocol):
    async def erase_settled_to(self, recipient: str) -> int:
        """Deletes the settled mails (sent or obsolete) to `recipient`; returns how many."""
        ...


class MailErasure(Policy[SentMails]):
    @on(ErasureDecided)
    async def _erase(self, event: Recorded[ErasureDecided], mails: SentMails) -> None:
        granted = any(o.outcome == "accordee" and o.record.record_type == "notifier_mail" for o in event.event.outcomes)
        if granted:
            await mails.erase_settled_to(event.event.notice.requester_email)
