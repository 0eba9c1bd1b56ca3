"""Reads of the requests read model, and the request-number counter."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pymongo import ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from contracts.french import plain
from essoc.application.draft_view import DRAFTS
from essoc.application.projections import OPEN_STATES, VIEW
from essoc.domain.identity import is_request_number
from essoc.domain.states import BoardTab, RequestState, RequestTab

Doc = dict[str, Any]
COUNTERS = "counters"
NUMBER_COUNTER = "request_number"


class RequestReadModel:
    """Implements `RequestNumbers` and `DueNotices` (inside a transaction when given its session)."""

    def __init__(
        self, db: AsyncDatabase[Doc], session: AsyncClientSession | None = None, *, first_number: int = 1
    ) -> None:
        self.db = db
        self.view = db[VIEW]
        self.session = session
        self.first_number = first_number

    async def next(self) -> int:
        # Incremented inside the filing transaction: a refused filing gives its number back, and two
        # concurrent filings conflict on this document (one is retried) instead of sharing a number.
        counter = await self.db[COUNTERS].find_one_and_update(
            {"_id": NUMBER_COUNTER},
            {"$inc": {"value": 1}},
            upsert=True,
            return_document=ReturnDocument.AFTER,
            session=self.session,
        )
        assert counter is not None
        return self.first_number - 1 + int(counter["value"])

    async def request_id(self, number: int) -> str | None:
        doc = await self.view.find_one({"number": number}, {"_id": 1}, session=self.session)
        return str(doc["_id"]) if doc else None

    async def due(self, now: datetime) -> list[str]:
        query = {"state": {"$in": list(OPEN_STATES)}, "next_notice_at": {"$lte": now}}
        return [str(d["_id"]) async for d in self.view.find(query, {"_id": 1}, session=self.session)]

    async def get(self, request_id: str) -> Doc | None:
        """A request by its id, or by its number when all digits."""
        query = {"number": int(request_id)} if is_request_number(request_id) else {"_id": request_id}
        return await self.view.find_one(query, session=self.session)

    async def tabs(
        self, visible: Doc, tab: RequestTab | None, *, page: int, per_page: int
    ) -> tuple[dict[str, int], int, list[Doc]]:
        """(count of every tab, rows of the chosen tab (all when None), that page's rows)."""
        counts = {t.value: 0 for t in RequestTab}
        pipeline = [{"$match": visible}, {"$group": {"_id": "$state", "n": {"$sum": 1}}}]
        async for row in await self.view.aggregate(pipeline, session=self.session):
            counts[RequestState(row["_id"]).tab.value] = int(row["n"])
        query = dict(visible)
        if tab is not None:
            query["state"] = tab.state.value
        total = await self.view.count_documents(query, session=self.session)
        cursor = self.view.find(query, sort=[("number", 1)], skip=(page - 1) * per_page, limit=per_page)
        return counts, total, [d async for d in cursor]

    async def refers_to_blob(self, blob_id: str) -> bool:
        """Whether a request's attachment (an event of the log), an open draft's file or an assistance ticket's file
        refers to this content."""
        doc = await self.db["events"].find_one({"type": "AttachmentAdded", "data.blob_id": blob_id}, {"_id": 1})
        if doc is None:
            doc = await self.db["events"].find_one(
                {"type": "AssistanceRequested", "data.files.blob_id": blob_id}, {"_id": 1}
            )
        return doc is not None or await self.db[DRAFTS].find_one({"files.blob_id": blob_id}, {"_id": 1}) is not None


SORTS = {
    "numero": "number",
    "depot": "filed_at",
    "demandeur": "requester_sort",
    "nature": "type_label",
    "objet": "subject_sort",
    "maj": "updated_at",
    "echeance": "deadline_sort",
}
"""The board's columns an agent may sort by, and the read model's field behind each."""
READS = "request_reads"


@dataclass(frozen=True)
class BoardQuery:
    """What the agents' board asks: a tab, filters, words or a number, a sort, a page."""

    tab: BoardTab
    agent_id: str
    nature: str | None = None
    state: str | None = None
    admissibility: str | None = None
    q: str | None = None
    sort: str = "echeance"
    descending: bool = False
    page: int = 1
    per_page: int = 20

    def filters(self) -> Doc:
        query: Doc = {}
        for key, value in (("nature", self.nature), ("state", self.state), ("admissibility", self.admissibility)):
            if value:
                query[key] = value
        words = plain(self.q or "").split()
        number = request_number(self.q or "")
        if number is not None:
            query["number"] = number
        elif words:
            query["$and"] = [{"search_text": {"$regex": re.escape(w)}} for w in words]
        return query

    def of_tab(self, tab: BoardTab) -> Doc:
        query: Doc = {"state": tab.state.value}
        if tab.mine:
            query["followed_by.id"] = self.agent_id
        return query


NUMBER_TYPED = re.compile(r"^\s*(?:n\s*°|no\.?|n\.|#)?\s*(\d{1,9})\s*$", re.IGNORECASE)


def request_number(typed: str) -> int | None:
    """A request number as an agent types it: `12`, `0012`, `n° 12`, `N°12`, `no 12`, `#12`."""
    found = NUMBER_TYPED.match(typed)
    return int(found.group(1)) if found else None


class Board:
    """The agents' board: the requests of their directorates in tabs, and what each agent has read."""

    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self.view = db[VIEW]
        self.reads = db[READS]

    async def page(self, visible: Doc, ask: BoardQuery) -> tuple[dict[str, int], int, list[Doc]]:
        """(count of every tab under the filters, rows of the chosen tab, that page's rows)."""
        base = {**visible, **ask.filters()}
        counts: dict[str, int] = {}
        for tab in BoardTab:
            counts[tab.value] = await self.view.count_documents({**base, **_merged(base, ask.of_tab(tab))})
        query = {**base, **_merged(base, ask.of_tab(ask.tab))}
        order = -1 if ask.descending else 1
        cursor = self.view.find(
            query,
            sort=[(SORTS.get(ask.sort, "deadline_sort"), order), ("number", order)],
            skip=(ask.page - 1) * ask.per_page,
            limit=ask.per_page,
        )
        return counts, counts[ask.tab.value], [d async for d in cursor]

    async def seen(self, agent_id: str, request_ids: list[str]) -> dict[str, datetime]:
        """When this agent last opened each of these requests."""
        found = self.reads.find({"agent_id": agent_id, "request_id": {"$in": request_ids}})
        return {d["request_id"]: d["seen_at"] async for d in found}

    async def mark_seen(self, agent_id: str, request_id: str, at: datetime) -> None:
        """The agent opened the request: its badge goes until the requester writes again."""
        await self.reads.update_one(
            {"_id": f"{request_id}:{agent_id}"},
            {"$set": {"agent_id": agent_id, "request_id": request_id, "seen_at": at}},
            upsert=True,
        )


def _merged(base: Doc, tab: Doc) -> Doc:
    """The tab's conditions, refined by a state filter that contradicts it (then nothing matches)."""
    if "state" in base and base["state"] != tab["state"]:
        return {**tab, "state": {"$in": []}}
    return tab
