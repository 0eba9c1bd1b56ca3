"""`notifier_mails_total`: each settlement the sender decides counted once, under its outcome."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

from prometheus_client import REGISTRY

from chassis.unit_of_work import UnitOfWork
from notifier.application.pending import AlreadySent, Failed, Obsolete, Sent, Settlement
from notifier.application.sender import MailSender
from notifier.settings import NotifierSettings

SETTINGS = NotifierSettings(
    service_name="notifier-outcomes", jwt_secret="outcomes-secret-0123456789-abcdefghijklmnopqrstuv"
)


class Outbox:
    def __init__(self) -> None:
        self.settled: list[tuple[str, Settlement]] = []

    async def due(self, now: datetime, limit: int = 100) -> list[str]:
        return []

    async def claim(self, notification_id: str, now: datetime, lease: Any) -> None:
        return None

    async def settle(self, notification_id: str, settlement: Settlement) -> None:
        self.settled.append((notification_id, settlement))


def _count(outcome: str) -> float:
    value = REGISTRY.get_sample_value("notifier_mails_total", {"service": SETTINGS.service_name, "outcome": outcome})
    assert value is not None, f"no series for {outcome}"
    return value


async def test_each_settlement_is_counted_once_under_its_outcome_and_only_sent_or_failed() -> None:
    outbox = Outbox()
    sender = MailSender(cast(UnitOfWork, None), outbox, mailer=cast(Any, None), settings=SETTINGS)
    assert (_count("sent"), _count("failed")) == (0, 0)  # both series exist before the first mail

    failed = Failed(attempts=3, failures=1, error="SMTPServerDisconnected", next_attempt_at=datetime.now(UTC))
    for settlement in (Sent(attempts=1), failed, Sent(attempts=4), AlreadySent(), Obsolete()):
        await sender._settle("n-1", settlement)

    assert (_count("sent"), _count("failed")) == (2, 1)
    assert len(outbox.settled) == 5
