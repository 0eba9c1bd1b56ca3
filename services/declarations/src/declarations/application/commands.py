"""The commands of DOMINO-NG and their handlers: load the declaration, check who acts, let the
declaration decide, save what it decided at the version read.

Each handler is `(command, principal, uow)` and runs in one transaction (`chassis.commands`).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from chassis.http.auth import Principal
from chassis.repository import Loaded
from contracts.errors import ConcurrencyError, Conflict, NotFound
from contracts.events.declarations import FilingReminderIssued
from declarations.application import access, collection
from declarations.application.unit_of_work import DeclarationsUnitOfWork, reminder_stream
from declarations.domain import calendar, correction, drafting, reminders
from declarations.domain.declarant import PAYMENT_METHODS
from declarations.domain.declaration import Declaration, DeclarationEvent
from declarations.domain.lines import LineChange, LineEntry, RowRefusal


class Command(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class DraftDeclaration(Command):
    relation_id: str
    year: int
    quarter: int


class DeclarationCommand(Command):
    declaration_id: str
    expected_version: int | None = None
    """The version the caller decided on (HTTP `If-Match`); any other is a conflict."""


class SetDeclarantDetails(DeclarationCommand):
    name: str | None = None
    quality: str | None = None
    place: str | None = None
    payment_method: str | None = None


class AddLine(DeclarationCommand):
    line_id: str
    line: LineEntry


class ChangeLine(DeclarationCommand):
    line_id: str
    change: LineChange


class ImportLines(DeclarationCommand):
    lines: list[tuple[int, str, LineEntry]]
    """`(row, line_id, entry)`: the row as the sender numbers it (a file's row, a list's position)."""
    unreadable: list[tuple[int, str | None, str]] = []
    """`(row, field, message)`: rows of a file whose cells could not be read, reported with the others."""


class RecordPayment(DeclarationCommand):
    reference: str
    amount: Any
    paid_on: date
    method: str


class RemoveLine(DeclarationCommand):
    line_id: str


class DeclareAnnualTurnover(DeclarationCommand):
    amount: Any


class EnterDeductions(DeclarationCommand):
    om: dict[str, Any]
    omr: dict[str, Any]


class FileDeclaration(DeclarationCommand):
    pass


class OpenCorrection(DeclarationCommand):
    """Opens a déclaration rectificative of the filed declaration `declaration_id`."""


def declaration_id(relation_id: str, year: int, quarter: int) -> str:
    """One stream per relation and quarter: a second draft conflicts on the stream's first version."""
    return f"decl-{relation_id}-{year}-Q{quarter}"


async def draft_declaration(cmd: DraftDeclaration, who: Principal, uow: DeclarationsUnitOfWork) -> str:
    who.require("declarant", "admin")
    relation = access.relation_for(who, cmd.relation_id, uow.relations, acting=True)
    access.require_served(relation.territory, uow.served)
    stream = declaration_id(cmd.relation_id, cmd.year, cmd.quarter)
    if await uow.declarations.get(stream) is not None:
        raise _already(stream)
    events = drafting.draft(stream, relation, year=cmd.year, quarter=cmd.quarter, now=uow.clock())
    try:
        await uow.declarations.save(stream, events, expected_version=0, territory=relation.territory)
    except ConcurrencyError:
        raise _already(stream) from None
    return stream


async def set_declarant_details(cmd: SetDeclarantDetails, who: Principal, uow: DeclarationsUnitOfWork) -> None:
    loaded = await _load(cmd, who, uow)
    events = loaded.aggregate.set_declarant_details(
        name=cmd.name,
        quality=cmd.quality,
        place=cmd.place,
        payment_method=cmd.payment_method,
        accepted_payment_methods=_payment_methods(uow),
    )
    await _save(loaded, uow, events)


async def add_line(cmd: AddLine, who: Principal, uow: DeclarationsUnitOfWork) -> None:
    loaded, relation = await _load_with_relation(cmd, who, uow)
    canas = await uow.canas.of(loaded.territory)
    await _save(loaded, uow, loaded.aggregate.add_line(cmd.line_id, cmd.line, ape=relation.ape, canas=canas))


async def change_line(cmd: ChangeLine, who: Principal, uow: DeclarationsUnitOfWork) -> None:
    loaded, relation = await _load_with_relation(cmd, who, uow)
    canas = await uow.canas.of(loaded.territory)
    events = loaded.aggregate.change_line(cmd.line_id, cmd.change, ape=relation.ape, canas=canas)
    await _save(loaded, uow, events)


async def import_lines(cmd: ImportLines, who: Principal, uow: DeclarationsUnitOfWork) -> None:
    loaded, relation = await _load_with_relation(cmd, who, uow)
    refused = [RowRefusal(row, field, message) for row, field, message in cmd.unreadable]
    canas = await uow.canas.of(loaded.territory)
    await _save(loaded, uow, loaded.aggregate.add_lines(cmd.lines, refused, ape=relation.ape, canas=canas))


async def remove_line(cmd: RemoveLine, who: Principal, uow: DeclarationsUnitOfWork) -> None:
    loaded = await _load(cmd, who, uow)
    await _save(loaded, uow, loaded.aggregate.remove_line(cmd.line_id))


async def declare_annual_turnover(cmd: DeclareAnnualTurnover, who: Principal, uow: DeclarationsUnitOfWork) -> None:
    loaded = await _load(cmd, who, uow)
    await _save(loaded, uow, loaded.aggregate.declare_annual_turnover(cmd.amount))


async def enter_deductions(cmd: EnterDeductions, who: Principal, uow: DeclarationsUnitOfWork) -> None:
    loaded = await _load(cmd, who, uow)
    await _save(loaded, uow, loaded.aggregate.enter_deductions(cmd.om, cmd.omr, now=uow.clock()))


async def file_declaration(cmd: FileDeclaration, who: Principal, uow: DeclarationsUnitOfWork) -> None:
    """Files with the totals taxcalc projected for the declaration's current version."""
    loaded = await _load(cmd, who, uow)
    totals = await uow.totals.of(cmd.declaration_id)
    if totals is None:
        raise Conflict(
            f"Les totaux ne sont pas encore calculés pour la version {loaded.version} de la déclaration.",
            field="totals",
            code="totaux-en-attente",
        )
    events = loaded.aggregate.file(totals, now=uow.clock(), declarant_email=who.email or None)
    # Filed with télépaiement under a validated mandate: its debit is scheduled in the same transaction.
    filed = loaded.aggregate.apply_all(events)
    events += await collection.debit_at_filing(filed, uow)
    if filed.corrects is not None:  # a rectificative supersedes the declaration it corrects, in the same transaction
        corrected = await _stored(FileDeclaration(declaration_id=filed.corrects), uow)
        await _save(corrected, uow, corrected.aggregate.supersede(filed.id, filed.corrective, now=uow.clock()))
    await _save(loaded, uow, events)


async def open_correction(cmd: OpenCorrection, who: Principal, uow: DeclarationsUnitOfWork) -> str:
    """Opens a déclaration rectificative: `CorrectionOpened` on the filed declaration (at the version the producer
    saw, so two clicks open one) and the copy that starts the rectificative's stream, in one transaction."""
    loaded = await _load(cmd, who, uow)
    original = loaded.aggregate
    root = declaration_id(original.relation_id, original.year, original.quarter)
    new_id = correction.correction_id(root, original.corrective + 1)
    on_original, copy = original.open_correction(new_id, now=uow.clock())
    await _save(loaded, uow, on_original)
    await uow.declarations.save(new_id, copy, expected_version=0, territory=loaded.territory)
    return new_id


async def _load(cmd: DeclarationCommand, who: Principal, uow: DeclarationsUnitOfWork) -> Loaded[Declaration]:
    """The declaration, if `who` may declare for its relation here and decided on its current version."""
    loaded, _ = await _load_with_relation(cmd, who, uow)
    return loaded


async def _load_with_relation(
    cmd: DeclarationCommand, who: Principal, uow: DeclarationsUnitOfWork
) -> tuple[Loaded[Declaration], drafting.Relation]:
    """`_load`, and the relation `who` declares for (its APE is a line's activity when no NAF is typed)."""
    who.require("declarant", "admin")
    loaded = await _stored(cmd, uow)
    relation = access.relation_for(who, loaded.aggregate.relation_id, uow.relations, acting=True)
    access.require_served(loaded.territory, uow.served)
    loaded.expect(cmd.expected_version)
    return loaded, relation


async def _stored(cmd: DeclarationCommand, uow: DeclarationsUnitOfWork) -> Loaded[Declaration]:
    loaded = await uow.declarations.get(cmd.declaration_id)
    if loaded is None:
        raise NotFound(f"Déclaration {cmd.declaration_id} introuvable.", field="id")
    return loaded


async def record_payment(cmd: RecordPayment, who: Principal, uow: DeclarationsUnitOfWork) -> bool:
    """A payment received for a filed declaration, by the payment system or the accountant of its territory.
    Returns whether it was new (False: the same payment was already recorded)."""
    who.require("comptable", "admin")
    loaded = await _stored(cmd, uow)
    access.require_served(loaded.territory, uow.served)
    access.require_payments_of(who, loaded.territory)
    loaded.expect(cmd.expected_version)
    events = loaded.aggregate.record_payment(
        reference=cmd.reference,
        amount=cmd.amount,
        paid_on=cmd.paid_on,
        method=cmd.method,
        recorded_by=who.id,
        now=uow.clock(),
        methods=_payment_methods(uow),
    )
    await _save(loaded, uow, events)
    return bool(events)


class IssueReminder(Command):
    relation_id: str
    year: int
    quarter: int
    now: datetime
    days_before: tuple[int, ...] = reminders.DEFAULT_DAYS_BEFORE
    late_window: int = reminders.LATE_NOTICE_WINDOW_DAYS


async def issue_reminder(cmd: IssueReminder, who: Principal, uow: DeclarationsUnitOfWork) -> int:
    """The reminder (or late notice) now due to the relation's declarant about a quarter not filed, once: the
    relation's reminder stream for the quarter says what was issued, and a concurrent pass gets a conflict."""
    who.require("system")
    relation = uow.relations.relation(cmd.relation_id)
    if relation is None or not relation.email or uow.reminders is None:
        return 0
    declared = await uow.declarations.get(declaration_id(cmd.relation_id, cmd.year, cmd.quarter))
    if declared is not None and declared.aggregate.is_filed:
        return 0  # filed since the scheduler looked
    stream = reminder_stream(cmd.relation_id, cmd.year, cmd.quarter)
    loaded = await uow.reminders.get(stream)
    today = calendar.local_date(cmd.now, relation.territory)
    due = reminders.reminder_due(
        today,
        (cmd.year, cmd.quarter),
        loaded.aggregate.issued if loaded else (),
        days_before=cmd.days_before,
        late_window=cmd.late_window,
    )
    if due is None:
        return 0
    event = FilingReminderIssued(
        relation_id=relation.relation_id,
        relation_number=relation.relation_number,
        establishment=relation.establishment,
        year=cmd.year,
        quarter=cmd.quarter,
        due_date=calendar.due_date(cmd.year, cmd.quarter),
        kind=due.kind,
        days_before=due.days_before,
        email=relation.email,
    )
    await uow.reminders.save(
        stream, [event], expected_version=loaded.version if loaded else 0, territory=relation.territory
    )
    return 1


def _payment_methods(uow: DeclarationsUnitOfWork) -> tuple[str, ...]:
    """The deployment's narrowed list of payment methods, else the domain's."""
    return tuple(uow.payment_methods) if uow.payment_methods else PAYMENT_METHODS


async def _save(loaded: Loaded[Declaration], uow: DeclarationsUnitOfWork, events: list[DeclarationEvent]) -> None:
    await uow.declarations.save(loaded.stream_id, events, expected_version=loaded.version, territory=loaded.territory)


def _already(stream: str) -> Conflict:
    return Conflict(
        "Une déclaration existe déjà pour cette relation et ce trimestre.",
        field="quarter",
        code="declaration-existante",
        extra={"existing_id": stream},
    )
