"""The comptable's collection: the debits scheduled, the pain.008 file of a collection date, the bank statements
(camt.053) read back with what each entry did, and the credits waiting to be matched by hand."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import Field

from chassis.http.auth import CurrentPrincipal, Principal
from chassis.http.inputs import IDENTIFIER_PATTERN
from contracts import french
from contracts.errors import DomainError, Forbidden, NotFound
from contracts.events.collection import CollectionFileIssued, StatementImported
from contracts.types import territory_code
from declarations.adapters import camt053
from declarations.adapters.pain008 import pain008
from declarations.application import access, collection
from declarations.domain import calendar
from declarations.domain.collection.target import target_days_after
from declarations.entrypoints.http.mandates import lists
from declarations.entrypoints.http.services import Body, DeclarationsServices, Services

router = APIRouter(prefix="/collection", tags=["recouvrement"])

Territory = Annotated[str, Query(pattern=r"^\d{3}$", description="le territoire (971, 972, 973, 974, 976)")]
FileId = Annotated[str, Path(max_length=64, pattern=r"^DOMINO-\d{3}-\d{8}-\d{3,6}$")]
StatementRef = Annotated[str, Path(max_length=128, pattern=IDENTIFIER_PATTERN)]


class FileBody(Body):
    territory: str = Field(pattern=r"^\d{3}$")
    collection_date: date = Field(description="jour de prélèvement demandé (un jour ouvré TARGET)")


class MatchBody(Body):
    entry_id: str = Field(min_length=1, max_length=80, description="l'écriture en attente du relevé")
    reference: str = Field(
        min_length=1, max_length=128, description="la référence de la déclaration (OM-974-2026-T3-0974000789)"
    )


def _reader(who: Principal, territory: str, services: DeclarationsServices) -> None:
    """The comptable of the territory (or an admin, or an auditor of it) reads the collection."""
    who.require("comptable", "auditor", "admin")
    access.require_served(territory, services.reference.territories)
    if not who.has("admin") and territory not in who.territories:
        raise Forbidden("Le recouvrement de ce territoire ne vous est pas confié.", field="territory")


def _keeper(who: Principal, territory: str, services: DeclarationsServices) -> None:
    """The comptable of the territory (or an admin) acts on its collection: checked before the body is read."""
    who.require("comptable", "admin")
    _reader(who, territory, services)


@router.get("/desks")
async def desks(services: Services, who: CurrentPrincipal) -> dict[str, Any]:
    """The territories whose collection the caller keeps or reads, with their collection account."""
    who.require("comptable", "auditor", "admin")
    items = []
    for territory in services.reference.territories:
        creditor = services.reference.creditors.get(territory)
        if creditor is not None and (who.has("admin") or territory in who.territories):
            items.append({"territory": territory, "name": creditor.name, "iban": creditor.iban, "bic": creditor.bic})
    return {"items": items}


@router.get("/debits")
async def debits(
    territory: Territory,
    services: Services,
    who: CurrentPrincipal,
    status: Annotated[Literal["a-presenter", "presentes", "tous"], Query()] = "a-presenter",
) -> dict[str, Any]:
    """The debits télépaiement filings scheduled: to present (no file yet), presented, or all."""
    _reader(who, territory, services)
    presented = {"a-presenter": False, "presentes": True, "tous": None}[status]
    items = await lists(services).debits(territory, presented=presented)
    today = calendar.local_date(services.clock(), territory_code(territory))
    earliest = target_days_after(today, 1)  # a file issued today is collected the next TARGET day at the soonest
    return {"items": [_debit_row(d) for d in items], "total": len(items), "earliest_collection_date": earliest}


def _debit_row(doc: dict[str, Any]) -> dict[str, Any]:
    debit = doc["debit"]
    return {
        "declaration_id": doc["_id"],
        "reference": doc["reference"],
        "establishment": doc.get("establishment"),
        "amount": debit["amount"],
        "collection_date": debit["collection_date"],
        "rum": debit["rum"],
        "end_to_end_id": debit["end_to_end_id"],
        "file_id": debit.get("file_id"),
        "sequence_type": debit.get("sequence_type"),
    }


@router.post("/files", status_code=201)
async def issue_file(body: FileBody, services: Services, who: CurrentPrincipal, response: Response) -> dict[str, Any]:
    """Issues the pain.008 file of the debits due on a collection date (and of those due before that no file
    presented); each debit is in one file only. Download it at `Location`."""
    _keeper(who, body.territory, services)
    command = collection.IssueCollectionFile(territory=body.territory, collection_date=body.collection_date)
    file_id = await services.commands.run(collection.issue_collection_file, command, who)
    response.headers["Location"] = f"/api/v1/collection/files/{file_id}.xml"
    return await _file(services, who, file_id)


@router.get("/files")
async def files(territory: Territory, services: Services, who: CurrentPrincipal) -> dict[str, Any]:
    _reader(who, territory, services)
    items = await lists(services).files(territory)
    return {"items": [{**f, "file_id": f.pop("_id")} for f in items], "total": len(items)}


async def _file(services: DeclarationsServices, who: Principal, file_id: str) -> dict[str, Any]:
    who.require("comptable", "auditor", "admin")
    doc = await lists(services).file(file_id)
    if doc is None:
        raise NotFound(f"Le fichier {file_id} n'existe pas.", field="file_id")
    _reader(who, doc["territory"], services)
    return {**doc, "file_id": doc.pop("_id")}


# before /files/{file_id}, which would take « ….xml » and refuse it
@router.get("/files/{file_id}.xml", response_class=Response)
async def file_xml(file_id: FileId, services: Services, who: CurrentPrincipal) -> Response:
    """The pain.008.001.02 file for the bank: the same bytes at every download."""
    doc = await _file(services, who, file_id)
    issued = CollectionFileIssued.model_validate({k: doc[k] for k in CollectionFileIssued.model_fields})
    content = pain008(issued, services.reference.creditor(doc["territory"]))
    disposition = f'attachment; filename="{file_id}.xml"'
    return Response(content, media_type="application/xml", headers={"Content-Disposition": disposition})


@router.get("/files/{file_id}")
async def file(file_id: FileId, services: Services, who: CurrentPrincipal) -> dict[str, Any]:
    return await _file(services, who, file_id)


@router.post("/statements", status_code=201)
async def import_statement(
    territory: Territory, request: Request, services: Services, who: CurrentPrincipal, response: Response
) -> dict[str, Any]:
    """Reads a bank statement of the territory's collection account (camt.053.001.02, the XML as the body):
    credits matched by a debit's end-to-end id or an RF reference are recorded as payments, returned debits
    mark their payment rejected, other credits wait for the comptable. The same statement again records
    nothing (200)."""
    _keeper(who, territory, services)
    content = await request.body()
    if not content:
        raise DomainError("Déposez le relevé bancaire (fichier camt.053).", field="file")
    read = camt053.read_statements(content)
    command = collection.ImportStatements(
        territory=territory,
        statements=[
            collection.ReadStatement(
                statement_id=s.statement_id, account=s.account, created_at=s.created_at, movements=s.movements
            )
            for s in read
        ],
    )
    account = services.reference.creditor(territory).iban

    async def run(c: collection.ImportStatements, w: Principal, uow: Any) -> Any:
        return await collection.import_statements(c, w, uow, creditor_account=account)

    reports = await services.commands.run(run, command, who)
    if reports and not any(new for _, _, new in reports):
        response.status_code = 200
    return {"statements": [_report(stream, imported, new) for stream, imported, new in reports]}


def _report(stream: str, imported: StatementImported, new: bool) -> dict[str, Any]:
    counts = {outcome: 0 for outcome in ("paid", "returned", "waiting", "ignored")}
    for entry in imported.entries:
        counts[entry.outcome] += 1
    return {
        "statement": stream,
        "statement_id": imported.statement_id,
        "new": new,
        "counts": counts,
        "entries": [e.model_dump(mode="json") for e in imported.entries],
    }


@router.get("/statements")
async def statements(territory: Territory, services: Services, who: CurrentPrincipal) -> dict[str, Any]:
    _reader(who, territory, services)
    items = await lists(services).statements(territory)
    return {"items": [{**s, "statement": s.pop("_id")} for s in items], "total": len(items)}


@router.get("/statements/{statement}")
async def statement(statement: StatementRef, services: Services, who: CurrentPrincipal) -> dict[str, Any]:
    who.require("comptable", "auditor", "admin")
    doc = await lists(services).statement(statement)
    if doc is None:
        raise NotFound("Relevé introuvable.", field="statement")
    _reader(who, doc["territory"], services)
    return {**doc, "statement": doc.pop("_id")}


@router.get("/waiting")
async def waiting(territory: Territory, services: Services, who: CurrentPrincipal) -> dict[str, Any]:
    """The credits no reference matched, waiting for the comptable, oldest first."""
    _reader(who, territory, services)
    items = await lists(services).waiting(territory)
    return {"items": items, "total": len(items)}


@router.post("/statements/{statement}/match")
async def match(
    statement: StatementRef,
    territory: Territory,
    body: MatchBody,
    services: Services,
    who: CurrentPrincipal,
) -> dict[str, Any]:
    """Matches a waiting credit to a declaration, named by its reference, by hand: recorded as its payment. The
    entry is named in the body: a bank's reference may hold characters an address cannot carry."""
    _keeper(who, territory, services)
    declaration_id = await lists(services).declaration_of_reference(territory, body.reference)
    if declaration_id is None:
        raise DomainError(
            f"Aucune déclaration déposée de ce territoire ne porte la référence « {french.echo(body.reference)} ».",
            field="reference",
        )
    command = collection.MatchEntry(
        territory=territory, statement=statement, entry_id=body.entry_id, declaration_id=declaration_id
    )
    await services.commands.run(collection.match_entry, command, who)
    return {"statement": statement, "entry_id": body.entry_id, "declaration_id": declaration_id}
