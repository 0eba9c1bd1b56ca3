"""A draft of a request as its events leave it: its state, folded with a `match` on the event classes, what can be
read off it, and who may act on it. Its decisions (one per step, and its end) build on it (`essoc.domain.draft`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Self, assert_never, cast

from pydantic import BaseModel

from contracts.errors import Conflict, NotFound
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
    FieldOfApplication,
    Requester,
)
from contracts.recorded import Recorded
from essoc.domain.draft_retention import draft_expires_at
from essoc.domain.filing import NATURE_FORMS, Filing

DraftEvent = (
    DraftStarted
    | DraftRequesterSet
    | DraftCharacteristicsSet
    | DraftFieldsSet
    | DraftDescriptionSet
    | DraftFileAdded
    | DraftFileRemoved
    | DraftDiscarded
    | DraftExpired
    | DraftSubmitted
)


class DraftState(StrEnum):
    OPEN = "open"
    SUBMITTED = "submitted"
    DISCARDED = "discarded"
    EXPIRED = "expired"


@dataclass(frozen=True)
class DraftFile:
    attachment_id: str
    filename: str
    content_type: str
    size: int
    sha256: str
    blob_id: str


def unknown_draft() -> NotFound:
    """A draft that does not exist and another person's answer alike (decision record 0015)."""
    return NotFound("Ce brouillon est introuvable.", field="id", code="brouillon-introuvable")


def missing_answers(
    *,
    requester_type: str | None,
    nature: str | None,
    category: str | None,
    sub_category: str | None,
    previous_request: str | None,
    contested_rescrit_date: date | str | None,
    contested_rescrit_reference: str | None,
    fields: int,
    subject: str | None,
    description: str | None,
) -> list[str]:
    """The answers a request still needs before « Créer la demande », by field, in the order of the steps (what the
    form of its nature asks: `filing.NATURE_FORMS`); the list of drafts reads it as the step to resume at."""
    form = NATURE_FORMS.get(nature or "")
    contested = bool(previous_request or (contested_rescrit_date and contested_rescrit_reference))
    given = {
        "requester_type": bool(requester_type),
        "nature": bool(nature),
        "category": bool(category),
        "sub_category": bool(sub_category) or not (form and form.sub_category),
        "contested_rescrit_date": contested or not (form and form.previous_request),
        "fields": fields > 0,
        "subject": bool((subject or "").strip()),
        "description": bool((description or "").strip()),
    }
    return [name for name, ok in given.items() if not ok]


@dataclass
class DraftRecord:
    id: str
    requester: Requester
    started_at: datetime
    changed_at: datetime
    """The instant of the last change: the 90 days of retention run from it (`draft_retention`)."""
    requester_type: str = ""
    siret: str | None = None
    company_name: str | None = None
    represented_siren: str | None = None
    nature: str = ""
    category: str = ""
    sub_category: str | None = None
    directorate: str | None = None
    previous_request: str | None = None
    previous_request_number: int | None = None
    contested_rescrit_date: date | None = None
    contested_rescrit_reference: str | None = None
    fields: list[FieldOfApplication] = field(default_factory=list)
    subject: str = ""
    description: str = ""
    files: dict[str, DraftFile] = field(default_factory=dict)
    state: DraftState = DraftState.OPEN
    request_id: str | None = None
    request_number: int | None = None
    version: int = 1

    # ---- folding -------------------------------------------------------------------------------

    @classmethod
    def rebuild(cls, history: Iterable[DraftEvent]) -> Self:
        events = iter(history)
        first = next(events, None)
        if not isinstance(first, DraftStarted):
            raise ValueError("le flux d'un brouillon commence par DraftStarted")
        draft = cls(id=first.draft_id, requester=first.requester, started_at=first.at, changed_at=first.at)
        for event in events:
            draft.apply(event)
        return draft

    @classmethod
    def from_recorded(cls, events: Sequence[Recorded[BaseModel]]) -> Self:
        return cls.rebuild(cast(DraftEvent, e.event) for e in events)

    def apply(self, event: DraftEvent) -> None:
        match event:
            case DraftStarted():
                raise ValueError(f"le brouillon {self.id} est déjà commencé")
            case DraftRequesterSet():
                self.requester_type, self.siret = event.requester_type, event.siret
                self.company_name, self.represented_siren = event.company_name, event.represented_siren
            case DraftCharacteristicsSet():
                self._on_characteristics(event)
            case DraftFieldsSet():
                self.fields = list(event.fields)
            case DraftDescriptionSet():
                self.subject, self.description = event.subject, event.description
            case DraftFileAdded():
                self.files[event.attachment_id] = DraftFile(
                    event.attachment_id, event.filename, event.content_type, event.size, event.sha256, event.blob_id
                )
            case DraftFileRemoved():
                self.files.pop(event.attachment_id, None)
            case DraftDiscarded():
                self.state = DraftState.DISCARDED
            case DraftExpired():
                self.state = DraftState.EXPIRED
            case DraftSubmitted():
                self.state, self.request_id, self.request_number = DraftState.SUBMITTED, event.request_id, event.number
            case _:
                assert_never(event)
        if not isinstance(event, DraftExpired):  # the service closing it is no change of the requester's
            self.changed_at = event.at
        self.version += 1

    def _on_characteristics(self, e: DraftCharacteristicsSet) -> None:
        self.nature, self.category, self.sub_category = e.nature or "", e.category or "", e.sub_category
        self.directorate = e.directorate
        self.previous_request, self.previous_request_number = e.previous_request, e.previous_request_number
        self.contested_rescrit_date, self.contested_rescrit_reference = (
            e.contested_rescrit_date,
            e.contested_rescrit_reference,
        )

    # ---- queries -------------------------------------------------------------------------------

    @property
    def expires_at(self) -> datetime:
        return draft_expires_at(self.changed_at)

    def filing(self) -> Filing:
        """The form as the draft holds it, for `submit_request` (which refuses what is still missing)."""
        return Filing(
            requester_type=self.requester_type,
            nature=self.nature,
            category=self.category,
            fields=list(self.fields),
            subject=self.subject,
            description=self.description,
            sub_category=self.sub_category,
            siret=self.siret,
            represented_siren=self.represented_siren,
            previous_request=self.previous_request,
            contested_rescrit_date=self.contested_rescrit_date,
            contested_rescrit_reference=self.contested_rescrit_reference,
        )

    def missing(self) -> list[str]:
        """The answers the request still needs, by field, in the order of the steps."""
        return missing_answers(
            requester_type=self.requester_type,
            nature=self.nature,
            category=self.category,
            sub_category=self.sub_category,
            previous_request=self.previous_request,
            contested_rescrit_date=self.contested_rescrit_date,
            contested_rescrit_reference=self.contested_rescrit_reference,
            fields=len(self.fields),
            subject=self.subject,
            description=self.description,
        )

    # ---- guards --------------------------------------------------------------------------------

    def is_owned_by(self, user_id: str) -> bool:
        return self.requester.id == user_id

    def require_author(self, user_id: str) -> None:
        """Only its requester knows a draft exists: anyone else is told it does not."""
        if not self.is_owned_by(user_id):
            raise unknown_draft()

    def require_open_by(self, user_id: str) -> None:
        """Its requester acts on it while it is open."""
        self.require_author(user_id)
        if self.state is DraftState.SUBMITTED:
            raise Conflict(
                f"Ce brouillon est déjà transmis : c'est la demande n° {self.request_number}.",
                field="id",
                code="brouillon-transmis",
            )
        if self.state is not DraftState.OPEN:
            raise Conflict("Ce brouillon a été supprimé.", field="id", code="brouillon-supprime")
