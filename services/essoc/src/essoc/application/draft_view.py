"""The drafts read model: one document per open draft, what « Mes demandes », tab « Brouillons », lists and the
retention pass queries. A draft closed (submitted, discarded, expired) leaves it; its events stay in the log.

Only the requester's own reads query it (`GET /drafts`): it is not the `requests` collection, so the agents'
board, their search and « Mes demandes »'s four tabs never see a draft.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from chassis.dispatch import on
from chassis.projection import Projection
from chassis.views import Index, ViewDatabase
from contracts.events.essoc import (
    DraftCharacteristicsSet,
    DraftDescriptionSet,
    DraftDiscarded,
    DraftExpired,
    DraftFieldsSet,
    DraftFileAdded,
    DraftFileRemoved,
    DraftRequesterSet,
    DraftStarted,
    DraftSubmitted,
)
from contracts.recorded import Recorded
from essoc.application.projections import utc
from essoc.domain.draft.record import missing_answers
from essoc.domain.draft_retention import draft_expires_at
from essoc.domain.referentials import Referentials, default_referentials

Doc = dict[str, Any]
DRAFTS = "drafts"
ANSWERS = (
    "requester_type",
    "nature",
    "category",
    "sub_category",
    "previous_request",
    "contested_rescrit_date",
    "contested_rescrit_reference",
    "subject",
    "description",
)


class DraftView(Projection):
    name = "drafts"
    collections = (DRAFTS,)
    indexes = (
        Index(DRAFTS, (("requester_id", 1), ("changed_at", -1))),
        Index(DRAFTS, (("expires_at", 1),)),
        Index(DRAFTS, (("files.blob_id", 1),)),
    )

    def __init__(self, referentials: Referentials | None = None) -> None:
        self.referentials = referentials or default_referentials()

    @on(DraftStarted)
    async def _started(self, event: Recorded[DraftStarted], db: ViewDatabase) -> None:
        e = event.event
        doc: Doc = {
            "_id": event.stream_id,
            "requester_id": e.requester.id,
            "territory": event.territory,
            "started_at": utc(e.at),
            "files": [],
            "fields": 0,
            "type_label": None,
            **dict.fromkeys(ANSWERS),
        }
        self._changed_at(doc, event, e.at)
        await db[DRAFTS].replace_one({"_id": event.stream_id}, doc, upsert=True)

    @on(
        DraftRequesterSet,
        DraftCharacteristicsSet,
        DraftFieldsSet,
        DraftDescriptionSet,
        DraftFileAdded,
        DraftFileRemoved,
    )
    async def _saved(self, event: Recorded[BaseModel], db: ViewDatabase) -> None:
        doc = await db[DRAFTS].find_one({"_id": event.stream_id})
        if doc is None:
            return  # a draft this read model never saw started (partial replay): nothing to fold into
        e, d = event.event, event.event.model_dump(mode="json")
        match e:
            case DraftFieldsSet():
                doc["fields"] = len(e.fields)
            case DraftFileAdded():
                doc["files"].append({k: d[k] for k in ("attachment_id", "blob_id", "filename", "size")})
            case DraftFileRemoved():
                doc["files"] = [f for f in doc["files"] if f["attachment_id"] != e.attachment_id]
            case _:
                doc.update({k: v for k, v in d.items() if k in ANSWERS})
                if isinstance(e, DraftCharacteristicsSet):
                    self._addressed(doc, e)
        self._changed_at(doc, event, d["at"])
        await db[DRAFTS].replace_one({"_id": event.stream_id}, doc)

    @on(DraftDiscarded, DraftExpired, DraftSubmitted)
    async def _closed(self, event: Recorded[BaseModel], db: ViewDatabase) -> None:
        await db[DRAFTS].delete_one({"_id": event.stream_id})

    def _addressed(self, doc: Doc, e: DraftCharacteristicsSet) -> None:
        refs = self.referentials
        doc["type_label"] = refs.describe(e.nature, e.category or "", e.sub_category) if e.nature else None
        directorate = refs.directorate(e.directorate) if e.directorate else None
        doc["directorate_territory"] = directorate.territory if directorate else None

    @staticmethod
    def _changed_at(doc: Doc, event: Recorded[BaseModel], at: datetime | str) -> None:
        moment = at if isinstance(at, datetime) else datetime.fromisoformat(str(at))
        doc["changed_at"] = utc(moment)
        doc["expires_at"] = utc(draft_expires_at(moment))
        doc["version"] = event.version
        doc["missing"] = missing_answers(**{k: doc.get(k) for k in ANSWERS}, fields=doc["fields"])
