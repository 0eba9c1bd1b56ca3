"""A person's requests about their data (decision record 0030): « Demander une rectification », « Demander
l'effacement » and their follow-up; the DPO's list (oldest first, late ones flagged), answer and extension.

A request is its person's and the DPO's: anyone else is told it does not exist (404)."""

from __future__ import annotations

import contextlib
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response

from chassis.commands import Commands
from chassis.erasure_due import ErasureDueStore
from chassis.http.auth import CurrentPrincipal, Principal
from chassis.http.inputs import Paragraph
from chassis.repository import recorded
from chassis.unit_of_work import Transaction
from contracts.errors import DomainError
from contracts.events.rights import HeldRecord
from contracts.personal_subjects import stream_owner
from essoc.application import drafting, rights
from essoc.application.drafting import draft_territory
from essoc.domain.rights import RightsRequest, unknown_rights_request
from essoc.entrypoints.http.services import Body, EssocServices, Services

router = APIRouter()
TAG = "droits des personnes"
Number = Annotated[str, Path(pattern=r"^DR-\d{4}-\d{6}$", description="numéro de la demande, « DR-2026-000001 »")]
STATES = {"recue": "Reçue", "accordee": "Accordée", "refusee": "Refusée", "decidee": "Décidée"}
KINDS = {"rectification": "Rectification", "effacement": "Effacement"}


class RectificationBody(Body):
    data_concerned: Paragraph | None = None
    what_is_wrong: Paragraph | None = None
    right_value: Paragraph | None = None


class ErasureBody(Body):
    records: list[HeldRecord]


class DecisionBody(Body):
    outcome: str
    reason: Paragraph | None = None


class ExtensionBody(Body):
    months: int
    reason: Paragraph | None = None


def _runner(services: EssocServices, runtime: Any) -> Commands[rights.RightsUnitOfWork]:
    territory = draft_territory(services.settings.territories)

    def bind(tx: Transaction) -> rights.RightsUnitOfWork:
        return rights.RightsUnitOfWork(tx, services.clock, territory)

    return Commands(runtime.uow, bind)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def detail(found: RightsRequest, now: datetime) -> dict[str, Any]:
    """The request as its person and the DPO read it; `overdue` when still unanswered past its deadline."""
    asked = found.requested
    assert asked is not None and found.requester is not None and found.due_at is not None
    return {
        "number": found.number,
        "kind": found.kind,
        "kind_label": KINDS[found.kind],
        "state": found.state,
        "state_label": STATES[found.state],
        "open": found.is_open,
        "overdue": found.is_open and now > found.due_at,
        "requester": found.requester.model_dump(),
        "received_at": _iso(found.received_at),
        "due_at": _iso(found.due_at),
        "extended": found.extended,
        "data_concerned": asked.data_concerned,
        "what_is_wrong": asked.what_is_wrong,
        "right_value": asked.right_value,
        "reason": found.reason or None,
        "outcomes": [
            {
                **o.record.model_dump(mode="json"),
                "outcome": o.outcome,
                "outcome_label": STATES[o.outcome],
                "reason": o.reason,
                "kept_until": _iso(o.kept_until),
                "source": o.source,
            }
            for o in found.outcomes
        ],
    }


async def _load(services: EssocServices, number: str) -> RightsRequest | None:
    envelopes = await services.store.read_stream(rights.stream_of(number))
    if not envelopes or envelopes[0].stream_type != "droits":
        return None
    return RightsRequest.from_recorded(recorded(envelopes))


async def request_of(services: EssocServices, who: Principal, number: str) -> RightsRequest:
    who.require(*rights.PERSON_ROLES)
    found = await _load(services, number)
    if found is None or not rights.may_see(found, who):
        raise unknown_rights_request()
    return found


async def _listed(services: EssocServices, query: dict[str, Any]) -> list[RightsRequest]:
    # the opening events by the `type` index (and `data.requester.id` for one person), then each stream
    cursor = services.store.events.find({"type": "RightsRequested", **query}, sort=[("occurred_at", 1), ("_id", 1)])
    numbers = [d["data"]["number"] async for d in cursor]
    return [r for r in [await _load(services, n) for n in numbers] if r is not None]


@router.post("/rights-requests/rectification", status_code=201, tags=[TAG])
async def ask_rectification(
    body: RectificationBody, request: Request, services: Services, response: Response, who: CurrentPrincipal
) -> dict[str, Any]:
    """« Demander une rectification »: which data, what is wrong, the right value; the person is mailed its
    number and its deadline (one month, RGPD art. 12.3)."""
    runtime = request.app.state.runtime
    command = rights.AskRectification(**body.model_dump())
    number = await _runner(services, runtime).run(rights.ask_rectification, command, who)
    response.headers["Location"] = f"/api/v1/rights-requests/{number}"
    return detail(await request_of(services, who, number), services.clock())


@router.post("/rights-requests/erasure", status_code=201, tags=[TAG])
async def ask_erasure(
    body: ErasureBody, request: Request, services: Services, response: Response, who: CurrentPrincipal
) -> dict[str, Any]:
    """« Demander l'effacement » of the records listed: decided at once record by record, granted where no legal
    obligation keeps them (essoc's own carried out now), refused with the text and the date where one does."""
    runtime = request.app.state.runtime
    number = await _runner(services, runtime).run(rights.ask_erasure, rights.AskErasure(records=body.records), who)
    found = await request_of(services, who, number)

    async def owned(stream_id: str) -> bool:
        envelopes = await services.store.read_stream(stream_id)
        return bool(envelopes) and stream_owner(envelopes[0].type, envelopes[0].data) == who.id

    drafts = await rights.record_granted_erasures(found, ErasureDueStore(runtime.db), services.clock(), owned)
    for draft_id in drafts:
        with contextlib.suppress(DomainError):  # already closed or submitted: nothing left to delete
            contents = await services.commands.run(drafting.discard, drafting.DiscardDraft(draft_id=draft_id), who)
            for blob_id in contents:
                await services.blobs.delete(blob_id)
    response.headers["Location"] = f"/api/v1/rights-requests/{number}"
    return detail(found, services.clock())


@router.get("/rights-requests/mine", tags=[TAG])
async def mine(services: Services, who: CurrentPrincipal) -> dict[str, Any]:
    """The caller's own requests, the last received first."""
    who.require(*rights.PERSON_ROLES)
    found = await _listed(services, {"data.requester.id": who.id})
    now = services.clock()
    return {"items": [detail(r, now) for r in reversed(found)]}


@router.get("/rights-requests", tags=[TAG])
async def every_request(services: Services, who: CurrentPrincipal) -> dict[str, Any]:
    """The DPO's list: every request, the oldest received first, the late ones flagged (`overdue`)."""
    who.require("dpo")
    now = services.clock()
    items = [detail(r, now) for r in await _listed(services, {})]
    return {
        "total": len(items),
        "open": sum(1 for i in items if i["open"]),
        "overdue": sum(1 for i in items if i["overdue"]),
        "items": items,
    }


@router.get("/rights-requests/{number}", tags=[TAG])
async def one(number: Number, services: Services, who: CurrentPrincipal) -> dict[str, Any]:
    return detail(await request_of(services, who, number), services.clock())


@router.post("/rights-requests/{number}/decision", tags=[TAG])
async def decide(
    number: Number, body: DecisionBody, request: Request, services: Services, who: CurrentPrincipal
) -> dict[str, Any]:
    """The DPO grants or refuses a rectification, with the reason the person reads and is mailed."""
    command = rights.DecideRectification(number=number, outcome=body.outcome, reason=body.reason)
    await _runner(services, request.app.state.runtime).run(rights.decide_rectification, command, who)
    return detail(await request_of(services, who, number), services.clock())


@router.post("/rights-requests/{number}/extension", tags=[TAG])
async def extend(
    number: Number, body: ExtensionBody, request: Request, services: Services, who: CurrentPrincipal
) -> dict[str, Any]:
    """The DPO extends the deadline by one or two months, with the reason the person is mailed (art. 12.3)."""
    command = rights.ExtendDeadline(number=number, months=body.months, reason=body.reason)
    await _runner(services, request.app.state.runtime).run(rights.extend_deadline, command, who)
    return detail(await request_of(services, who, number), services.clock())
