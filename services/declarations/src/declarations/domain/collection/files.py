"""The collection files of a territory: which debits were presented to the bank, and in which file.

One stream per territory (`collection-<territory>`): two comptables issuing a file at once cannot both present a
debit (the second append fails on the stream's version), and every debit is in one file only. A file's message id
is its id: the bank refuses a file it already received.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from pydantic import BaseModel

from contracts.errors import DomainError
from contracts.events.collection import CollectionFileIssued, DebitScheduled, PresentedDebit, SequenceType
from contracts.recorded import Recorded
from declarations.domain.collection.target import is_target_day, target_days_after


def collection_stream(territory: str) -> str:
    return f"collection-{territory}"


@dataclass(frozen=True)
class PendingDebit:
    """A scheduled debit not yet presented, with the declaration it pays."""

    declaration_id: str
    reference: str
    debit: DebitScheduled


@dataclass
class CollectionFiles:
    territory: str
    issued: list[CollectionFileIssued] = field(default_factory=list)
    presented: set[str] = field(default_factory=set)
    """End-to-end ids of the debits already in a file."""
    used_mandates: set[str] = field(default_factory=set)
    """RUMs under which a debit was presented: the next one is recurrent."""

    @classmethod
    def from_recorded(cls, events: Sequence[Recorded[BaseModel]]) -> CollectionFiles:
        files = cls(events[0].territory)
        for recorded in events:
            files.apply(recorded.event)
        return files

    def apply(self, event: BaseModel) -> None:
        if not isinstance(event, CollectionFileIssued):
            raise ValueError(f"{type(event).__name__} is not an event of the collection files")
        self.issued.append(event)
        self.presented.update(d.end_to_end_id for d in event.debits)
        self.used_mandates.update(d.rum for d in event.debits)

    def issue(
        self,
        pending: Sequence[PendingDebit],
        *,
        collection_date: date,
        today: date,
        now: datetime,
        issued_by: str,
    ) -> list[CollectionFileIssued]:
        """The file of the debits due on `collection_date` (and of those due before it that no file presented
        yet: they are collected that day), each presented FRST under a mandate never used, RCUR after."""
        earliest = target_days_after(today, 1)
        if not is_target_day(collection_date) or collection_date < earliest:
            raise DomainError(
                f"Un prélèvement interentreprises se présente au plus tard la veille de son échéance, un jour "
                f"ouvré TARGET : la première date possible est le {earliest:%d/%m/%Y}.",
                field="collection_date",
            )
        due = [p for p in pending if p.debit.end_to_end_id not in self.presented]
        due = [p for p in due if p.debit.collection_date <= collection_date]
        if not due:
            raise DomainError(
                f"Aucun prélèvement à présenter pour le {collection_date:%d/%m/%Y}.", field="collection_date"
            )
        used = set(self.used_mandates)
        debits: list[PresentedDebit] = []
        for item in sorted(due, key=lambda p: (p.debit.collection_date, p.debit.end_to_end_id)):
            sequence: SequenceType = "RCUR" if item.debit.rum in used else "FRST"
            used.add(item.debit.rum)
            d = item.debit
            debits.append(
                PresentedDebit(
                    declaration_id=item.declaration_id,
                    reference=item.reference,
                    end_to_end_id=d.end_to_end_id,
                    amount=d.amount,
                    sequence_type=sequence,
                    rum=d.rum,
                    iban=d.iban,
                    bic=d.bic,
                    holder=d.holder,
                    signed_on=d.signed_on,
                )
            )
        file_id = f"DOMINO-{self.territory}-{collection_date:%Y%m%d}-{len(self.issued) + 1:03d}"
        return [
            CollectionFileIssued(
                file_id=file_id, collection_date=collection_date, issued_at=now, issued_by=issued_by, debits=debits
            )
        ]
