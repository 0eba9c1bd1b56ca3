"""The collection's commands and their handlers: a producer registers its mandate, the office validates it, a
filing schedules its debit, the comptable issues the bank file and reads the bank's statements back.

Each handler is `(command, principal, uow)` and runs in one transaction (`chassis.commands`).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal, TypeVar

from pydantic import BaseModel, ConfigDict

from chassis.http.auth import Principal
from chassis.repository import Loaded, Repository
from contracts.errors import Conflict, NotFound
from contracts.events.collection import CollectionFileIssued, StatementEntry, StatementImported
from contracts.references import declaration_reference
from contracts.types import territory_code
from declarations.application import access
from declarations.application.unit_of_work import CollectionQueries, DeclarationsUnitOfWork
from declarations.domain import calendar, payments
from declarations.domain.collection.debits import schedule_debit
from declarations.domain.collection.files import CollectionFiles, collection_stream
from declarations.domain.collection.mandate import Mandates, mandate_stream
from declarations.domain.collection.reconciliation import BankMovement, creditor_reference_in
from declarations.domain.collection.statement import import_statement, statement_stream
from declarations.domain.declaration import Declaration, DeclarationEvent
from declarations.domain.drafting import Relation


class Command(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)


class RegisterMandate(Command):
    relation_id: str
    rum: str
    iban: str
    bic: str
    holder: str
    signed_on: date


class DecideMandate(Command):
    relation_id: str
    rum: str
    decision: Literal["valider", "refuser"]
    reason: str = ""


class RevokeMandate(Command):
    relation_id: str
    rum: str
    reason: str = ""


class IssueCollectionFile(Command):
    territory: str
    collection_date: date


class ReadStatement(Command):
    statement_id: str
    account: str
    created_at: datetime
    movements: list[BankMovement]


class ImportStatements(Command):
    territory: str
    statements: list[ReadStatement]


class MatchEntry(Command):
    territory: str
    statement: str
    """the statement's stream id"""
    entry_id: str
    declaration_id: str


# ---- mandates ---------------------------------------------------------------------------------------------


A = TypeVar("A")


def repository_of(repository: Repository[A] | None) -> Repository[A]:
    """A collection stream's repository, which a unit of work made for declaring alone does not have."""
    if repository is None:
        raise RuntimeError("this unit of work has no collection streams")
    return repository


async def _mandates(relation: Relation, uow: DeclarationsUnitOfWork) -> tuple[Mandates, int]:
    loaded = await repository_of(uow.mandates).get(mandate_stream(relation.relation_id))
    if loaded is None:
        return Mandates.empty(relation.relation_id), 0
    return loaded.aggregate, loaded.version


async def register_mandate(cmd: RegisterMandate, who: Principal, uow: DeclarationsUnitOfWork) -> None:
    """The producer of the relation (or an admin) registers the mandate it signed."""
    who.require("declarant", "admin")
    relation = access.relation_for(who, cmd.relation_id, uow.relations, acting=True)
    access.require_served(relation.territory, uow.served)
    mandates, version = await _mandates(relation, uow)
    # EPC SDD rulebooks (AT-01): a mandate's reference is unique for its creditor, the recette of the territory
    queries = uow.collection
    if queries is not None and await queries.mandate_reference_used(
        relation.territory, cmd.rum.strip(), relation.relation_id
    ):
        raise Conflict(
            "Cette référence de mandat (RUM) est déjà celle du mandat d'un autre établissement : vérifiez-la sur le "
            "mandat signé.",
            field="rum",
            code="mandat-deja-enregistre",
        )
    events = mandates.register(
        rum=cmd.rum,
        iban=cmd.iban,
        bic=cmd.bic,
        holder=cmd.holder,
        signed_on=cmd.signed_on,
        today=calendar.local_date(uow.clock(), relation.territory),
        registered_by=who.id,
    )
    await repository_of(uow.mandates).save(
        mandate_stream(relation.relation_id), events, expected_version=version, territory=relation.territory
    )


async def decide_mandate(cmd: DecideMandate, who: Principal, uow: DeclarationsUnitOfWork) -> None:
    """An agent of the relation's territory validates or refuses a mandate waiting."""
    who.require("agent", "admin")
    relation = access.relation_for(who, cmd.relation_id, uow.relations, acting=False)
    access.require_served(relation.territory, uow.served)
    mandates, version = await _mandates(relation, uow)
    if cmd.decision == "valider":
        events = mandates.validate(cmd.rum, validated_by=who.id)
    else:
        events = mandates.refuse(cmd.rum, reason=cmd.reason, refused_by=who.id)
    await repository_of(uow.mandates).save(
        mandate_stream(relation.relation_id), events, expected_version=version, territory=relation.territory
    )


async def revoke_mandate(cmd: RevokeMandate, who: Principal, uow: DeclarationsUnitOfWork) -> None:
    """The producer ends its mandate, or an agent of the territory does."""
    who.require("declarant", "agent", "admin")
    # its producer ends it as such; anyone else (an agent of the territory, an admin) as the office
    producer = who.has("declarant") and cmd.relation_id in who.relations
    if not producer:
        who.require("agent", "admin")
    relation = access.relation_for(who, cmd.relation_id, uow.relations, acting=producer)
    access.require_served(relation.territory, uow.served)
    mandates, version = await _mandates(relation, uow)
    events = mandates.revoke(cmd.rum, reason=cmd.reason, revoked_by=who.id)
    await repository_of(uow.mandates).save(
        mandate_stream(relation.relation_id), events, expected_version=version, territory=relation.territory
    )


async def debit_at_filing(declaration: Declaration, uow: DeclarationsUnitOfWork) -> list[DeclarationEvent]:
    """The debit a filing just decided calls for: télépaiement, something due, a validated mandate."""
    if uow.mandates is None or declaration.filing is None or declaration.declarant is None:
        return []
    loaded = await uow.mandates.get(mandate_stream(declaration.relation_id))
    reference = declaration_reference(
        declaration.territory,
        declaration.year,
        declaration.quarter,
        declaration.relation_number,
        declaration.corrective,
    )
    correction = declaration.filing.correction
    return list(
        schedule_debit(
            reference=reference,
            payment_method=declaration.declarant.payment_method,
            total_due=declaration.filing.payable,
            mandate=loaded.aggregate.active if loaded else None,
            due=correction.supplement_due if correction else declaration.due_date,
            filed_on=calendar.local_date(declaration.filing.filed_at, declaration.territory),
        )
    )


# ---- bank files and statements ---------------------------------------------------------------------------


def _comptable(who: Principal, territory: str, uow: DeclarationsUnitOfWork) -> CollectionQueries:
    who.require("comptable", "admin")
    access.require_served(territory, uow.served)
    access.require_payments_of(who, territory)
    if uow.collection is None:
        raise RuntimeError("this unit of work has no collection queries")
    return uow.collection


async def issue_collection_file(cmd: IssueCollectionFile, who: Principal, uow: DeclarationsUnitOfWork) -> str:
    """The bank file of the debits due on a collection date; returns its id."""
    queries = _comptable(who, cmd.territory, uow)
    repository = repository_of(uow.collections)
    loaded = await repository.get(collection_stream(cmd.territory))
    files = loaded.aggregate if loaded else CollectionFiles(cmd.territory)
    now = uow.clock()
    events = files.issue(
        await queries.pending_debits(cmd.territory),
        collection_date=cmd.collection_date,
        today=calendar.local_date(now, territory_code(cmd.territory)),
        now=now,
        issued_by=who.id,
    )
    await repository.save(
        collection_stream(cmd.territory),
        events,
        expected_version=loaded.version if loaded else 0,
        territory=cmd.territory,
    )
    issued: CollectionFileIssued = events[0]
    return issued.file_id


async def import_statements(
    cmd: ImportStatements, who: Principal, uow: DeclarationsUnitOfWork, *, creditor_account: str
) -> list[tuple[str, StatementImported, bool]]:
    """Each statement read once: `(stream, what it recorded, whether it was new)`; the payments it settles and
    the debits it returns are recorded on their declarations in the same transaction."""
    queries = _comptable(who, cmd.territory, uow)
    repository = repository_of(uow.statements)
    reports = []
    for statement in cmd.statements:
        stream = statement_stream(cmd.territory, statement.account, statement.statement_id)
        existing = await repository.get(stream)
        if existing is not None:
            reports.append((stream, existing.aggregate.imported, False))
            continue
        e2e = {m.end_to_end_id for m in statement.movements if m.end_to_end_id}
        refs = {r for m in statement.movements if (r := creditor_reference_in(m))}
        imported = import_statement(
            statement_id=statement.statement_id,
            account=statement.account,
            creditor_account=creditor_account,
            created_at=statement.created_at,
            movements=statement.movements,
            known=await queries.known_payments(cmd.territory, e2e, refs),
            imported_by=who.id,
        )
        await repository.save(stream, [imported], expected_version=0, territory=cmd.territory)
        for entry in imported.entries:
            if entry.declaration_id is None:
                continue
            if entry.outcome == "paid":
                await _pay(entry.declaration_id, entry.entry_id if entry.method == "virement" else entry.end_to_end_id,
                           entry.amount, entry.booked_on, entry.method or "virement", who, uow)  # fmt: skip
            elif entry.outcome == "returned":
                await _return(entry.declaration_id, entry, uow)
        reports.append((stream, imported, True))
    return reports


async def match_entry(cmd: MatchEntry, who: Principal, uow: DeclarationsUnitOfWork) -> None:
    """A waiting credit matched by hand: recorded on the statement and paid on the declaration."""
    _comptable(who, cmd.territory, uow)
    repository = repository_of(uow.statements)
    loaded = await repository.get(cmd.statement)
    if loaded is None or loaded.territory != cmd.territory:
        raise NotFound("Relevé introuvable.", field="statement")
    events = loaded.aggregate.match(cmd.entry_id, cmd.declaration_id, matched_by=who.id)
    if not events:
        return
    await repository.save(cmd.statement, events, expected_version=loaded.version, territory=cmd.territory)
    entry = loaded.aggregate.entry(cmd.entry_id)
    await _pay(cmd.declaration_id, cmd.entry_id, entry.amount, entry.booked_on, "virement", who, uow)


async def _declaration(declaration_id: str, uow: DeclarationsUnitOfWork) -> Loaded[Declaration]:
    loaded = await uow.declarations.get(declaration_id)
    if loaded is None:
        raise NotFound(f"Déclaration {declaration_id} introuvable.", field="declaration_id")
    return loaded


async def _pay(
    declaration_id: str,
    reference: str | None,
    amount: Decimal,
    paid_on: date,
    method: str,
    who: Principal,
    uow: DeclarationsUnitOfWork,
) -> None:
    loaded = await _declaration(declaration_id, uow)
    events = loaded.aggregate.record_payment(
        reference=reference or declaration_id,
        amount=amount,
        paid_on=paid_on,
        method=method,
        recorded_by=who.id,
        now=uow.clock(),
    )
    await uow.declarations.save(declaration_id, events, expected_version=loaded.version, territory=loaded.territory)


async def _return(declaration_id: str, entry: StatementEntry, uow: DeclarationsUnitOfWork) -> None:
    loaded = await _declaration(declaration_id, uow)
    d = loaded.aggregate
    filed = payments.Filed(d.id, d.year, d.quarter, d.relation_number, d.filing.declarant_email if d.filing else None)
    events = payments.return_payment(
        d.returned,
        filed,
        reference=entry.end_to_end_id or entry.entry_id,
        amount=entry.amount,
        returned_on=entry.booked_on,
        reason_code=entry.return_reason_code or "MS03",
    )
    await uow.declarations.save(declaration_id, events, expected_version=loaded.version, territory=loaded.territory)
