"""What the routes of the declarations API share: the services `bootstrap` wires, the path parameters and
the `If-Match` header, the strict bodies and their amounts, and the read of a declaration the caller may see."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Header, Path, Response
from pydantic import BaseModel, ConfigDict, Field

from chassis.commands import Commands
from chassis.eventstore import EventStore
from chassis.http.auth import Principal
from chassis.http.inputs import IDENTIFIER_PATTERN
from chassis.service import services_of
from contracts.envelope import utc_now
from contracts.errors import DomainError, NotFound
from declarations.adapters.collection_read_models import CollectionReadModel
from declarations.adapters.payfip import Payfip
from declarations.adapters.read_models import DeclarationReadModel
from declarations.adapters.reference import ReferenceData
from declarations.application import access, commands
from declarations.application.reminders import FilingReminders
from declarations.application.unit_of_work import Clock, DeclarationsUnitOfWork
from declarations.domain.amounts import AMOUNT_PATTERN
from declarations.entrypoints import views

C = TypeVar("C", bound=commands.DeclarationCommand)

AmountIn = Annotated[
    Any, Field(json_schema_extra={"type": "string", "pattern": AMOUNT_PATTERN, "examples": ["1250.00"]})
]
DeclarationId = Annotated[str, Path(min_length=1, max_length=128, pattern=IDENTIFIER_PATTERN)]
IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        pattern=r'^(W/)?"?[0-9]{1,9}"?$',
        description='version attendue (concurrence optimiste), par exemple "3"',
    ),
]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


@dataclass
class CardDesk:
    """PayFiP, and the addresses it sends the payer back to and notifies."""

    payfip: Payfip
    notification_url: str
    portal_url: str


@dataclass
class DeclarationsServices:
    """What the routes depend on, wired by `bootstrap`."""

    commands: Commands[DeclarationsUnitOfWork]
    reference: ReferenceData
    read_model: DeclarationReadModel
    store: EventStore
    reminders: FilingReminders | None = None
    clock: Clock = utc_now
    collection: CollectionReadModel | None = None
    """The collection's lists (mandates, debits, bank files, statements)."""
    card: CardDesk | None = None
    """PayFiP and its addresses, when card payments are offered."""
    """What "today" is for the reads that depend on it (the follow-up's lateness)."""


Services = Annotated[DeclarationsServices, Depends(services_of(DeclarationsServices))]


def expected_version(if_match: str | None) -> int | None:
    if if_match is None:
        return None
    raw = if_match.strip().removeprefix("W/").strip('"')
    try:
        return int(raw)
    except ValueError:
        raise DomainError("L'en-tête If-Match doit porter un numéro de version.", field="If-Match") from None


async def load_declaration(services: DeclarationsServices, who: Principal, declaration_id: str) -> dict[str, Any]:
    doc = await services.read_model.get(declaration_id)
    if doc is None:
        raise NotFound(f"Déclaration {declaration_id} introuvable.", field="id")
    access.relation_for(who, doc["relation_id"], services.reference, acting=False)
    return dict(doc)


async def execute(
    services: DeclarationsServices,
    response: Response,
    who: Principal,
    handler: Callable[[C, Principal, DeclarationsUnitOfWork], Awaitable[None]],
    command: C,
) -> dict[str, Any]:
    """Runs the command, then answers with the declaration as it now stands."""
    await services.commands.run(handler, command, who)
    return await command_answer(services, response, who, command.declaration_id)


async def command_answer(
    services: DeclarationsServices, response: Response, who: Principal, declaration_id: str
) -> dict[str, Any]:
    doc = await load_declaration(services, who, declaration_id)
    response.headers["ETag"] = f'"{doc["version"]}"'
    detail = views.detail(doc, now=services.clock())
    creditor = services.reference.creditors.get(doc["territory"])
    if detail.get("payment") and creditor is not None:
        # how to pay by transfer: the territory's collection account and the reference to quote
        detail["payment"]["transfer"] = {"name": creditor.name, "iban": creditor.iban, "bic": creditor.bic}
    if detail.get("payment"):
        detail["payment"]["card"] = services.card is not None
        debit = detail["payment"].get("debit")
        if debit and not debit["presented"] and services.collection is not None:
            # a debit not presented yet is cancelled when its mandate is no longer in force
            debit["cancelled"] = not await debit_in_force(services, doc["relation_id"], debit)
    return detail


async def debit_in_force(services: DeclarationsServices, relation_id: str, debit: dict[str, Any]) -> bool:
    """Whether a declaration's debit is still under the relation's mandate in force (`debits.presentable` decides
    the same when a file is issued)."""
    if services.collection is None:
        return False
    mandates = await services.collection.mandates_of(relation_id) or {}
    return bool((mandates.get("active") or {}).get("rum") == debit["rum"])
