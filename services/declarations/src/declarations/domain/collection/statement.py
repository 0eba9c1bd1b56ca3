"""One bank statement of the customs' account, read once: its entries, what each settled or returned, and the
waiting credits the comptable matched by hand.

One stream per statement (`statement-<territory>-<digest of account and statement id>`): the same file uploaded
again finds its stream and records nothing twice.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from pydantic import BaseModel

from contracts.errors import Conflict, DomainError, NotFound
from contracts.events.collection import StatementEntry, StatementEntryMatched, StatementImported
from contracts.recorded import Recorded
from declarations.domain.collection.reconciliation import BankMovement, KnownPayments, reconcile

MAX_ENTRIES = 5000
"""A statement is read in one transaction: a day of a recette's account is far below this."""


def statement_stream(territory: str, account: str, statement_id: str) -> str:
    digest = hashlib.sha256(f"{account}\n{statement_id}".encode()).hexdigest()[:24]
    return f"statement-{territory}-{digest}"


@dataclass
class StatementRecord:
    imported: StatementImported
    matched: dict[str, str] = field(default_factory=dict)
    """entry id → the declaration the comptable matched it to."""

    @classmethod
    def from_recorded(cls, events: Sequence[Recorded[BaseModel]]) -> StatementRecord:
        first = events[0].event
        if not isinstance(first, StatementImported):
            raise ValueError(f"a statement stream starts with StatementImported, not {type(first).__name__}")
        record = cls(first)
        for recorded in events[1:]:
            event = recorded.event
            if not isinstance(event, StatementEntryMatched):
                raise ValueError(f"{type(event).__name__} is not an event of a statement")
            record.matched[event.entry_id] = event.declaration_id
        return record

    def entry(self, entry_id: str) -> StatementEntry:
        for entry in self.imported.entries:
            if entry.entry_id == entry_id:
                return entry
        raise NotFound(f"Le relevé ne contient pas l'écriture {entry_id}.", field="entry_id")

    def match(self, entry_id: str, declaration_id: str, *, matched_by: str) -> list[StatementEntryMatched]:
        """A waiting credit matched by hand to a declaration (once)."""
        entry = self.entry(entry_id)
        if entry.outcome != "waiting":
            raise Conflict("Cette écriture n'est pas en attente de rapprochement.", field="entry_id")
        if entry_id in self.matched:
            if self.matched[entry_id] == declaration_id:
                return []
            raise Conflict("Cette écriture est déjà rapprochée d'une autre déclaration.", field="entry_id")
        return [StatementEntryMatched(entry_id=entry_id, declaration_id=declaration_id, matched_by=matched_by)]


def import_statement(
    *,
    statement_id: str,
    account: str,
    creditor_account: str,
    created_at: datetime,
    movements: Sequence[BankMovement],
    known: KnownPayments,
    imported_by: str,
) -> StatementImported:
    """The statement's entries reconciled; a statement of another account than the territory's collection account
    is refused (it would match nothing, and say nothing true)."""
    if account.replace(" ", "").upper() != creditor_account:
        raise DomainError(
            f"Ce relevé est celui du compte {account}, pas du compte de recette du territoire ({creditor_account}).",
            field="file",
        )
    if len(movements) > MAX_ENTRIES:
        raise DomainError(
            f"Un relevé de plus de {MAX_ENTRIES} écritures se dépose en plusieurs fichiers.", field="file"
        )
    return StatementImported(
        statement_id=statement_id,
        account=creditor_account,
        created_at=created_at,
        imported_by=imported_by,
        entries=[reconcile(m, known) for m in movements],
    )
