"""HTTP API of DOMINO-NG: relations, offices, declarations and their commands."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field, StrictBool, ValidationError

from chassis.commands import Commands
from chassis.eventstore import EventStore
from chassis.http.auth import CurrentPrincipal, Principal
from chassis.http.history import event_rows
from chassis.http.inputs import IDENTIFIER_PATTERN, LINE_PATTERN, Code, Identifier, Line
from chassis.service import services_of
from contracts.envelope import utc_now
from contracts.errors import ConcurrencyError, DomainError, NotFound
from contracts.french import plain
from contracts.types import TERRITORY_ZONES
from declarations.adapters import lines_csv, receipt_pdf
from declarations.adapters.read_models import DeclarationReadModel
from declarations.adapters.reference import ReferenceData
from declarations.application import access, commands
from declarations.application.reminders import FilingReminders
from declarations.application.unit_of_work import Clock, DeclarationsUnitOfWork
from declarations.domain.amounts import AMOUNT_PATTERN
from declarations.domain.calendar import (
    current_quarter,
    due_date,
    filing_opens_on,
    late_quarters,
    local_date,
    quarter_due,
    quarter_name,
)
from declarations.domain.codes import naf_subclasses
from declarations.domain.lines import LineEntry
from declarations.entrypoints import views

router = APIRouter()
C = TypeVar("C", bound=commands.DeclarationCommand)

AmountIn = Annotated[
    Any, Field(json_schema_extra={"type": "string", "pattern": AMOUNT_PATTERN, "examples": ["1250.00"]})
]
Year = Annotated[int, Field(strict=True, ge=2004, le=2100)]
Quarter = Annotated[int, Field(strict=True, ge=1, le=4)]
DeclarationId = Annotated[str, Path(min_length=1, max_length=128, pattern=IDENTIFIER_PATTERN)]
LineId = Annotated[str, Path(min_length=1, max_length=128, pattern=IDENTIFIER_PATTERN)]
IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        pattern=r'^(W/)?"?[0-9]{1,9}"?$',
        description='version attendue (concurrence optimiste), par exemple "3"',
    ),
]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DraftBody(_Body):
    relation_id: Identifier
    year: Year
    quarter: Quarter


class DeclarantBody(_Body):
    name: Line | None = None
    quality: Code | None = Field(default=None, description='"representant" ou "mandataire"')
    place: Line | None = None
    payment_method: Code | None = None


class LineBody(_Body):
    annex: Literal["A", "B"]
    nomenclature: Code
    price_excl_tax: AmountIn
    cana: Code | None = None
    naf: Code | None = None
    rates_date: date | None = None
    avitaillement: StrictBool | None = None
    rfs: StrictBool | None = None


class TurnoverBody(_Body):
    amount: AmountIn


class PaymentBody(_Body):
    reference: Line = Field(description="la référence du paiement au système de paiement ; la même deux fois : "
                            "enregistré une fois")  # fmt: skip
    amount: AmountIn
    paid_on: date = Field(description="jour de réception du paiement (dans le territoire)")
    method: Code = Field(description="telepaiement, carte_bancaire, virement, cheque ou numeraire")


class DeductionsBody(_Body):
    om: dict[Code, Any] = Field(default_factory=dict, max_length=20)
    omr: dict[Code, Any] = Field(default_factory=dict, max_length=20)


@dataclass
class DeclarationsServices:
    """What the routes depend on, wired by `bootstrap`."""

    commands: Commands[DeclarationsUnitOfWork]
    reference: ReferenceData
    read_model: DeclarationReadModel
    store: EventStore
    reminders: FilingReminders | None = None
    clock: Clock = utc_now
    """What "today" is for the reads that depend on it (the follow-up's lateness)."""


Services = Annotated[DeclarationsServices, Depends(services_of(DeclarationsServices))]


def _expected(if_match: str | None) -> int | None:
    if if_match is None:
        return None
    raw = if_match.strip().removeprefix("W/").strip('"')
    try:
        return int(raw)
    except ValueError:
        raise DomainError("L'en-tête If-Match doit porter un numéro de version.", field="If-Match") from None


async def _load(services: DeclarationsServices, who: Principal, declaration_id: str) -> dict[str, Any]:
    doc = await services.read_model.get(declaration_id)
    if doc is None:
        raise NotFound(f"Déclaration {declaration_id} introuvable.", field="id")
    access.relation_for(who, doc["relation_id"], services.reference, acting=False)
    return dict(doc)


async def _execute(
    services: DeclarationsServices,
    response: Response,
    who: Principal,
    handler: Callable[[C, Principal, DeclarationsUnitOfWork], Awaitable[None]],
    command: C,
) -> dict[str, Any]:
    """Runs the command, then answers with the declaration as it now stands."""
    await services.commands.run(handler, command, who)
    return await _answer(services, response, who, command.declaration_id)


async def _answer(
    services: DeclarationsServices, response: Response, who: Principal, declaration_id: str
) -> dict[str, Any]:
    doc = await _load(services, who, declaration_id)
    response.headers["ETag"] = f'"{doc["version"]}"'
    return views.detail(doc)


@router.get("/relations", tags=["relations"])
async def relations(services: Services, who: CurrentPrincipal) -> list[dict[str, Any]]:
    """The caller's relations (one account may hold several: choose one first), with their office's name."""
    return [
        {**views.relation(r), "office_name": services.reference.offices.get(r.office, {}).get("name")}
        for r in access.visible_relations(who, services.reference)
    ]


@router.get("/relations/{relation_id}/home", tags=["relations"])
async def home(
    relation_id: Annotated[str, Path(max_length=128, pattern=IDENTIFIER_PATTERN)],
    services: Services,
    who: CurrentPrincipal,
) -> dict[str, Any]:
    """The manual's home page in one call: the relation, its office, the current quarter's declaration."""
    relation = access.relation_for(who, relation_id, services.reference, acting=False)
    now = datetime.now(UTC)
    year, quarter = current_quarter(now, relation.territory)
    today = local_date(now, relation.territory)
    recent = {
        (d["year"], d["quarter"]): d
        for d in (await services.read_model.search({"relation_id": relation_id}, page=1, per_page=12))[1]
    }
    filed = {period for period, d in recent.items() if d["status"] == "filed"}

    async def of(period: tuple[int, int]) -> dict[str, Any]:
        doc = recent.get(period) or await services.read_model.of_quarter(relation_id, *period)
        return {
            "year": period[0],
            "quarter": period[1],
            "period": quarter_name(*period),
            "due_date": due_date(*period).isoformat(),
            "filing_opens_on": filing_opens_on(*period).isoformat(),
            "filing_open": today >= filing_opens_on(*period),
            "declaration": views.summary(doc) if doc else None,
        }

    current = await services.read_model.of_quarter(relation_id, year, quarter)
    return {
        "relation": views.relation(relation),
        "office": services.reference.office(relation.office),
        "current_quarter": {"year": year, "quarter": quarter},
        "current_declaration": views.summary(current) if current else None,
        "quarter_due": await of(quarter_due(today)),
        "late_quarters": [await of(period) for period in late_quarters(today, filed)],
        "search": f"/api/v1/declarations?relation_id={relation_id}",
    }


@router.get("/naf", tags=["référentiels"])
async def naf(q: Annotated[str | None, Query(max_length=80, pattern=LINE_PATTERN)] = None) -> dict[str, Any]:
    """The NAF rév. 2 sub-classes (INSEE, public), filtered by a code or words of the label (accents and case
    aside)."""
    words = plain(q or "").split()
    items = [
        {"code": code, "label": label}
        for code, label in naf_subclasses().items()
        if all(w in plain(f"{code} {code.replace('.', '')} {label}") for w in words)
    ]
    return {"q": q or "", "total": len(items), "items": items}


@router.get(
    "/line-import/template.csv",
    tags=["déclarations"],
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}},
)
async def line_import_template() -> Response:
    """The file to fill for « Importer des lignes » (`;`, UTF-8 with BOM, one example per annex)."""
    return Response(
        lines_csv.template().encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="modele-lignes-annexes.csv"'},
    )


@router.get("/offices/{code}", tags=["relations"])
async def office(
    code: Annotated[str, Path(max_length=40, pattern=IDENTIFIER_PATTERN)], services: Services, who: CurrentPrincipal
) -> dict[str, Any]:
    """A customs office's contact details."""
    return services.reference.office(code)


@router.post("/declarations", status_code=201, tags=["déclarations"])
async def draft(body: DraftBody, services: Services, response: Response, who: CurrentPrincipal) -> dict[str, Any]:
    """Opens the declaration of a relation for a quarter (one per relation and quarter)."""
    command = commands.DraftDeclaration(relation_id=body.relation_id, year=body.year, quarter=body.quarter)
    stream = await services.commands.run(commands.draft_declaration, command, who)
    response.headers["Location"] = f"/api/v1/declarations/{stream}"
    return views.summary(await _load(services, who, stream))


@router.get("/declarations", tags=["déclarations"])
async def search(
    services: Services,
    who: CurrentPrincipal,
    relation_id: Annotated[str | None, Query(max_length=128, pattern=IDENTIFIER_PATTERN)] = None,
    year: Annotated[int | None, Query(ge=2004, le=2100)] = None,
    quarter: Annotated[int | None, Query(ge=1, le=4)] = None,
    status: Annotated[Literal["draft", "filed"] | None, Query()] = None,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=200)] = 20,
) -> dict[str, Any]:
    """Searches the declarations the caller may see."""
    visible = [r.relation_id for r in access.visible_relations(who, services.reference)]
    if relation_id is not None:
        access.relation_for(who, relation_id, services.reference, acting=False)
        visible = [relation_id]
    query: dict[str, Any] = {"relation_id": {"$in": visible}}
    for key, value in (("year", year), ("quarter", quarter), ("status", status)):
        if value is not None:
            query[key] = value
    total, docs = await services.read_model.search(query, page=page, per_page=per_page)
    return {"total": total, "page": page, "per_page": per_page, "items": [views.summary(d) for d in docs]}


@router.get("/declarations/{declaration_id}", tags=["déclarations"])
async def get_declaration(
    declaration_id: DeclarationId, services: Services, response: Response, who: CurrentPrincipal
) -> dict[str, Any]:
    """Everything: lines with their rates and amounts, deductions, totals (current or pending)."""
    return await _answer(services, response, who, declaration_id)


@router.put("/declarations/{declaration_id}/declarant", tags=["déclarations"])
async def set_declarant(
    declaration_id: DeclarationId,
    body: DeclarantBody,
    services: Services,
    response: Response,
    who: CurrentPrincipal,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    command = commands.SetDeclarantDetails(
        declaration_id=declaration_id, expected_version=_expected(if_match), **body.model_dump()
    )
    return await _execute(services, response, who, commands.set_declarant_details, command)


@router.post("/declarations/{declaration_id}/lines", status_code=201, tags=["déclarations"])
async def add_line(
    declaration_id: DeclarationId,
    body: LineBody,
    services: Services,
    response: Response,
    who: CurrentPrincipal,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    """Adds a line to annexe A (ventes internes) or B (exportations); rates follow once assessed."""
    line_id = f"L{uuid.uuid4().hex[:12]}"
    command = commands.AddLine(
        declaration_id=declaration_id,
        expected_version=_expected(if_match),
        line_id=line_id,
        line=LineEntry.model_validate(body.model_dump()),
    )
    await services.commands.run(commands.add_line, command, who)
    declaration = await _answer(services, response, who, declaration_id)
    line = next(x for x in declaration["lines"][body.annex] if x["line_id"] == line_id)
    response.headers["Location"] = f"/api/v1/declarations/{declaration_id}/lines/{line_id}"
    return {**line, "declaration_id": declaration_id, "declaration_version": declaration["version"]}


class LinesBody(_Body):
    lines: list[LineBody] = Field(min_length=1, max_length=2000)


_IMPORT_DOC: dict[str, Any] = {
    "requestBody": {
        "content": {
            "text/csv": {"schema": {"type": "string", "description": "le modèle `/api/v1/line-import/template.csv`"}},
            "application/json": {"schema": LinesBody.model_json_schema()},
        },
        "required": True,
    }
}


@router.post(
    "/declarations/{declaration_id}/lines/import",
    status_code=201,
    tags=["déclarations"],
    openapi_extra=_IMPORT_DOC,
)
async def import_lines(
    declaration_id: DeclarationId,
    request: Request,
    services: Services,
    response: Response,
    who: CurrentPrincipal,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    """« Importer des lignes »: a CSV of annexe A/B lines (`;` or `,`, UTF-8 or Windows-1252, French amounts
    and dates), or `{"lines": [...]}`. All the lines or none: a refusal lists every wrong row (`errors`:
    row, column, message)."""
    ignored: list[str] = []
    unreadable: list[tuple[int, str | None, str]] = []
    if request.headers.get("content-type", "").split(";")[0].strip().lower() in ("text/csv", "application/csv"):
        parsed = lines_csv.parse(lines_csv.decode(await request.body()))
        rows, ignored = parsed.rows, parsed.ignored_columns
        unreadable = [(r.row, r.field, r.message) for r in parsed.unreadable]
    else:
        try:
            body = LinesBody.model_validate_json(await request.body() or b"{}")
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "lines"
            raise DomainError(f"{where} : champ absent ou invalide ({first['msg']}).", field=where) from None
        rows = [(n, LineEntry.model_validate(line.model_dump())) for n, line in enumerate(body.lines, start=1)]
    command = commands.ImportLines(
        declaration_id=declaration_id,
        expected_version=_expected(if_match),
        lines=[(row, f"L{uuid.uuid4().hex[:12]}", entry) for row, entry in rows],
        unreadable=unreadable,
    )
    await services.commands.run(commands.import_lines, command, who)
    declaration = await _answer(services, response, who, declaration_id)
    return {**declaration, "imported": len(rows), "ignored_columns": ignored}


@router.delete("/declarations/{declaration_id}/lines/{line_id}", tags=["déclarations"])
async def remove_line(
    declaration_id: DeclarationId,
    line_id: LineId,
    services: Services,
    response: Response,
    who: CurrentPrincipal,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    command = commands.RemoveLine(declaration_id=declaration_id, expected_version=_expected(if_match), line_id=line_id)
    return await _execute(services, response, who, commands.remove_line, command)


@router.put("/declarations/{declaration_id}/annual-turnover", tags=["déclarations"])
async def annual_turnover(
    declaration_id: DeclarationId,
    body: TurnoverBody,
    services: Services,
    response: Response,
    who: CurrentPrincipal,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    """Box 3: the annual production turnover, on the Q4 declaration only."""
    command = commands.DeclareAnnualTurnover(
        declaration_id=declaration_id, expected_version=_expected(if_match), amount=body.amount
    )
    return await _execute(services, response, who, commands.declare_annual_turnover, command)


@router.put("/declarations/{declaration_id}/deductions", tags=["déclarations"])
async def deductions(
    declaration_id: DeclarationId,
    body: DeductionsBody,
    services: Services,
    response: Response,
    who: CurrentPrincipal,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    """Boxes 5, 7–9bis, 13/13bis (OM) and 17, 19–21bis, 25/25bis (OMR)."""
    command = commands.EnterDeductions(
        declaration_id=declaration_id, expected_version=_expected(if_match), om=body.om, omr=body.omr
    )
    return await _execute(services, response, who, commands.enter_deductions, command)


@router.post("/declarations/{declaration_id}/filing", tags=["déclarations"])
async def file(
    declaration_id: DeclarationId,
    services: Services,
    response: Response,
    who: CurrentPrincipal,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    """Files the declaration with the totals computed for its current version."""
    command = commands.FileDeclaration(declaration_id=declaration_id, expected_version=_expected(if_match))
    await services.commands.run(commands.file_declaration, command, who)
    declaration = await _answer(services, response, who, declaration_id)
    filing = declaration["filing"]
    return {
        **declaration,
        "late": filing["late"],
        "days_late": filing["days_late"],
        "warnings": filing.get("warnings", []),
    }


@router.post("/declarations/{declaration_id}/payments", tags=["paiements"])
async def record_payment(
    declaration_id: DeclarationId,
    body: PaymentBody,
    services: Services,
    response: Response,
    who: CurrentPrincipal,
) -> dict[str, Any]:
    """Records a payment received for a filed declaration (role comptable, or admin): 201 when new, 200 when
    this reference is already recorded with the same facts, 409 when with other facts. An overpayment is
    recorded and flagged (`payment.overpaid`), not refused."""
    command = commands.RecordPayment(
        declaration_id=declaration_id,
        reference=body.reference,
        amount=body.amount,
        paid_on=body.paid_on,
        method=body.method,
    )
    try:
        new = await services.commands.run(commands.record_payment, command, who)
    except ConcurrencyError:
        # the same payment sent twice at once (a retry after a timeout): the second reads the first, and is
        # the 200 of an idempotent call rather than a conflict
        new = await services.commands.run(commands.record_payment, command, who)
    response.status_code = 201 if new else 200
    return await _answer(services, response, who, declaration_id)


@router.get("/relations/{relation_id}/payments", tags=["paiements"])
async def relation_payments(
    relation_id: Annotated[str, Path(max_length=128, pattern=IDENTIFIER_PATTERN)],
    services: Services,
    who: CurrentPrincipal,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:
    """The payment follow-up of a relation's filed declarations, latest first, and its balance: what is due,
    paid, left to pay and overpaid over all of them."""
    access.relation_for(who, relation_id, services.reference, acting=False)
    total, docs = await services.read_model.search(
        {"relation_id": relation_id, "status": "filed"}, page=page, per_page=per_page
    )
    items = [{**views.summary(d), "payment": views.payment_of(d)} for d in docs]
    balance = views.relation_balance(await services.read_model.filed_of(relation_id))
    return {"relation_id": relation_id, "balance": balance, "total": total, "page": page, "per_page": per_page,
            "items": items}  # fmt: skip


@router.get("/declarations/{declaration_id}/history", tags=["déclarations"])
async def history(declaration_id: DeclarationId, services: Services, who: CurrentPrincipal) -> list[dict[str, Any]]:
    """Every event of the declaration: what, who, when (UTC and the territory's local time)."""
    doc = await _load(services, who, declaration_id)
    zone = TERRITORY_ZONES[doc["territory"]]
    return event_rows(await services.store.read_stream(declaration_id), zone)


@router.get(
    "/declarations/{declaration_id}/receipt.pdf",
    tags=["déclarations"],
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
async def receipt(declaration_id: DeclarationId, services: Services, who: CurrentPrincipal) -> Response:
    """The declaration as a PDF: the filing receipt once filed (a draft is marked as such)."""
    view = views.detail(await _load(services, who, declaration_id))
    office = services.reference.offices.get(view["office"])
    content = await run_in_threadpool(receipt_pdf.render, view, office)
    filename = f"declaration-{declaration_id}.pdf"
    return Response(
        content, media_type="application/pdf", headers={"Content-Disposition": f'inline; filename="{filename}"'}
    )
