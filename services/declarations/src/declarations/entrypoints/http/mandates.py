"""A relation's télépaiement mandates: the producer registers the SEPA B2B mandate it signed, an agent of the
office validates or refuses it, either ends it; the office lists the mandates waiting."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from pydantic import Field

from chassis.http.auth import CurrentPrincipal, Principal
from chassis.http.inputs import IDENTIFIER_PATTERN, Code, Line, Paragraph
from contracts.errors import Forbidden
from declarations.adapters.collection_read_models import CollectionReadModel
from declarations.application import access, collection
from declarations.entrypoints.http.services import Body, DeclarationsServices, Services

router = APIRouter(tags=["télépaiement"])

RelationId = Annotated[str, Path(max_length=128, pattern=IDENTIFIER_PATTERN)]


class MandateBody(Body):
    rum: Line = Field(
        description="référence unique du mandat (RUM) imprimée sur le mandat signé, 35 caractères au plus"
    )
    iban: Line = Field(description="IBAN du compte à débiter")
    bic: Code = Field(description="BIC de la banque du compte")
    holder: Line = Field(description="titulaire du compte")
    signed_on: date = Field(description="date de signature du mandat")


class DecisionBody(Body):
    rum: Line = Field(description="la RUM du mandat en attente")
    decision: Literal["valider", "refuser"]
    reason: Paragraph = Field(default="", description="pourquoi le mandat est refusé (obligatoire pour refuser)")


class RevocationBody(Body):
    rum: Line = Field(description="la RUM du mandat en vigueur")
    reason: Paragraph = Field(default="", description="pourquoi le mandat prend fin")


def lists(services: DeclarationsServices) -> CollectionReadModel:
    if services.collection is None:
        raise RuntimeError("the collection's read model is not wired")
    return services.collection


async def _mandates(services: DeclarationsServices, who: Principal, relation_id: str) -> dict[str, Any]:
    relation = access.relation_for(who, relation_id, services.reference, acting=False)
    doc = await lists(services).mandates_of(relation_id) or {}
    return {
        "relation_id": relation_id,
        "territory": relation.territory,
        "establishment": relation.establishment,
        "active": doc.get("active"),
        "pending": doc.get("pending"),
        "history": doc.get("history", []),
    }


@router.get("/relations/{relation_id}/mandates")
async def relation_mandates(relation_id: RelationId, services: Services, who: CurrentPrincipal) -> dict[str, Any]:
    """The relation's validated mandate, the one waiting for the office, and what happened to each."""
    return await _mandates(services, who, relation_id)


@router.post("/relations/{relation_id}/mandates", status_code=201)
async def register_mandate(
    relation_id: RelationId, body: MandateBody, services: Services, who: CurrentPrincipal
) -> dict[str, Any]:
    """Registers the SEPA B2B mandate the producer signed (« Convention d'adhésion au télépaiement »); the office
    validates it before any debit."""
    command = collection.RegisterMandate(relation_id=relation_id, **body.model_dump())
    await services.commands.run(collection.register_mandate, command, who)
    return await _mandates(services, who, relation_id)


@router.post("/relations/{relation_id}/mandates/decision")
async def decide_mandate(
    relation_id: RelationId, body: DecisionBody, services: Services, who: CurrentPrincipal
) -> dict[str, Any]:
    """An agent of the relation's territory validates the mandate waiting (it then debits) or refuses it. The RUM
    is in the body: the EPC's character set allows a « / », which an address cannot carry."""
    command = collection.DecideMandate(
        relation_id=relation_id, rum=body.rum, decision=body.decision, reason=body.reason
    )
    await services.commands.run(collection.decide_mandate, command, who)
    return await _mandates(services, who, relation_id)


@router.post("/relations/{relation_id}/mandates/revocation")
async def revoke_mandate(
    relation_id: RelationId, body: RevocationBody, services: Services, who: CurrentPrincipal
) -> dict[str, Any]:
    """Ends the validated mandate: no debit after this (the producer's, or an agent's)."""
    command = collection.RevokeMandate(relation_id=relation_id, rum=body.rum, reason=body.reason)
    await services.commands.run(collection.revoke_mandate, command, who)
    return await _mandates(services, who, relation_id)


@router.get("/mandates")
async def mandates_waiting(
    services: Services,
    who: CurrentPrincipal,
    territory: Annotated[str | None, Query(pattern=r"^\d{3}$")] = None,
) -> dict[str, Any]:
    """The mandates waiting for validation in the caller's territories (agents, auditors, admins)."""
    if not who.has("agent", "auditor", "admin"):
        raise Forbidden("La validation des mandats est réservée aux agents des bureaux.", field="role")
    territories = [t for t in services.reference.territories if who.has("admin") or t in who.territories]
    if territory is not None:
        territories = [t for t in territories if t == territory]
    items = await lists(services).mandates_waiting(territories)
    for item in items:
        relation = services.reference.relation(item["_id"])
        item["relation_id"] = item.pop("_id")
        item["establishment"] = relation.establishment if relation else ""
    return {"items": items, "total": len(items)}
