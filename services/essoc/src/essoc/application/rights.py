"""The commands of a rights request (decision record 0030) and their handlers: any signed-in person asks for a
rectification or an erasure of their data; the DPO answers a rectification or extends its deadline. Each handler is
`(command, principal, uow)` and runs in one transaction; an erasure granted is carried out after it (its drafts
closed, its stream recorded « due for erasure » for the key's destruction).

A request is its person's: anyone else but the DPO is told it does not exist."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from chassis.erasure_due import DueForErasure, ErasureDueStore
from chassis.http.auth import Principal
from chassis.repository import Loaded, Repository
from chassis.unit_of_work import Transaction
from contracts.events.rights import HeldRecord, RightsRequester
from essoc.application.commands import new_id
from essoc.domain.rights import (
    RIGHTS_NUMBER,
    RightsRequest,
    request_erasure,
    request_rectification,
    rights_number,
    unknown_rights_request,
)

STREAM_PREFIX = "droits-"
PERSON_ROLES = ("declarant", "requester", "agent", "auditor", "comptable", "admin", "dpo")
COUNTERS = "counters"


def stream_of(number: str) -> str:
    return f"{STREAM_PREFIX}{number}"


class RightsCommand(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AskRectification(RightsCommand):
    data_concerned: str | None = None
    what_is_wrong: str | None = None
    right_value: str | None = None
    request_id: str = Field(default_factory=lambda: new_id("droits"))


class AskErasure(RightsCommand):
    records: list[HeldRecord] = Field(default_factory=list)
    request_id: str = Field(default_factory=lambda: new_id("droits"))


class DecideRectification(RightsCommand):
    number: str
    outcome: str
    reason: str | None = None


class ExtendDeadline(RightsCommand):
    number: str
    months: int
    reason: str | None = None


@dataclass
class RightsUnitOfWork:
    """What a rights handler works with, bound to one transaction."""

    tx: Transaction
    clock: Callable[[], datetime]
    territory: str

    @property
    def requests(self) -> Repository[RightsRequest]:
        return Repository(self.tx, RightsRequest.from_recorded)

    async def next_number(self, year: int) -> int:
        # Taken inside the request's transaction, as the tickets' numbers: a refused request gives it back.
        counter = await self.tx.db[COUNTERS].find_one_and_update(
            {"_id": f"droits-{year}"},
            {"$inc": {"value": 1}},
            upsert=True,
            return_document=True,
            session=self.tx.session,
        )
        assert counter is not None
        return int(counter["value"])


def _requester(who: Principal) -> RightsRequester:
    who.require(*PERSON_ROLES)
    name = " ".join(part for part in (who.first_name, who.name) if part) or who.id
    return RightsRequester(id=who.id, name=name, email=who.email)


async def _number(uow: RightsUnitOfWork) -> str:
    year = uow.clock().year
    return rights_number(year, await uow.next_number(year))


async def ask_rectification(cmd: AskRectification, who: Principal, uow: RightsUnitOfWork) -> str:
    """« Demander une rectification »: numbered and recorded; returns its number."""
    requester = _requester(who)
    number = await _number(uow)
    events = request_rectification(
        request_id=cmd.request_id,
        number=number,
        requester=requester,
        data_concerned=cmd.data_concerned,
        what_is_wrong=cmd.what_is_wrong,
        right_value=cmd.right_value,
        now=uow.clock(),
    )
    await uow.requests.save(stream_of(number), events, expected_version=0, territory=uow.territory)
    return number


async def ask_erasure(cmd: AskErasure, who: Principal, uow: RightsUnitOfWork) -> str:
    """« Demander l'effacement »: numbered, recorded and decided record by record; returns its number."""
    requester = _requester(who)
    number = await _number(uow)
    events = request_erasure(
        request_id=cmd.request_id, number=number, requester=requester, records=cmd.records, now=uow.clock()
    )
    await uow.requests.save(stream_of(number), events, expected_version=0, territory=uow.territory)
    return number


def may_see(request: RightsRequest, who: Principal) -> bool:
    """Its person, and the DPO."""
    return request.is_owned_by(who.id) or who.has("dpo")


async def load(number: str, who: Principal, uow: RightsUnitOfWork) -> Loaded[RightsRequest]:
    loaded = await uow.requests.get(stream_of(number)) if RIGHTS_NUMBER.fullmatch(number) else None
    if loaded is None or not may_see(loaded.aggregate, who):
        raise unknown_rights_request()
    return loaded


async def _save(loaded: Loaded[RightsRequest], uow: RightsUnitOfWork, events: Sequence[BaseModel]) -> None:
    await uow.requests.save(loaded.stream_id, events, expected_version=loaded.version, territory=loaded.territory)


async def decide_rectification(cmd: DecideRectification, who: Principal, uow: RightsUnitOfWork) -> None:
    who.require("dpo")
    loaded = await load(cmd.number, who, uow)
    events = loaded.aggregate.decide_rectification(outcome=cmd.outcome, reason=cmd.reason, by=who.id, now=uow.clock())
    await _save(loaded, uow, events)


async def extend_deadline(cmd: ExtendDeadline, who: Principal, uow: RightsUnitOfWork) -> None:
    who.require("dpo")
    loaded = await load(cmd.number, who, uow)
    await _save(loaded, uow, loaded.aggregate.extend(months=cmd.months, reason=cmd.reason, by=who.id, now=uow.clock()))


async def record_granted_erasures(
    request: RightsRequest, erasures: ErasureDueStore, now: datetime, owned: Callable[[str], Any]
) -> list[str]:
    """Records « due for erasure » every record of essoc granted to the person (`owned(stream_id)` says it is
    theirs: a record of another person named in the request is left alone); returns the drafts to close."""
    assert request.requester is not None
    drafts: list[str] = []
    for outcome in request.outcomes:
        record = outcome.record
        if outcome.outcome != "accordee" or record.service != "essoc" or not await owned(record.record_id):
            continue
        due = DueForErasure(record.record_type, record.record_id, "requester", request.requester.id, now)
        await erasures.record(due, now)
        if record.record_type == "essoc_draft":
            drafts.append(record.record_id)
    return drafts
