"""The request as its events leave it: its state, folded with a `match` on the event classes, and what can be
read off it. The decisions that return new events build on it (`instruction`, `exchanges`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, Self, assert_never, cast

from pydantic import BaseModel

from contracts.errors import Conflict, DomainError, Forbidden
from contracts.events.essoc import (
    AdmissibilityDecided,
    AttachmentAdded,
    AttachmentRef,
    AttachmentRemoved,
    ComplementAdded,
    DeadlineReached,
    FieldOfApplication,
    NoteAdded,
    Notice,
    QuestionAnswered,
    RequestClosed,
    Requester,
    RequestQuestioned,
    RequestReassigned,
    RequestSubmitted,
    RequestTakenInCharge,
)
from contracts.recorded import Recorded
from essoc.domain import deadlines
from essoc.domain.states import Admissibility, RequestState

EssocEvent = (
    RequestSubmitted
    | RequestTakenInCharge
    | AdmissibilityDecided
    | RequestQuestioned
    | QuestionAnswered
    | ComplementAdded
    | AttachmentAdded
    | AttachmentRemoved
    | RequestClosed
    | DeadlineReached
    | RequestReassigned
    | NoteAdded
)
Dated = tuple[EssocEvent, datetime]
"""An event with the instant it was recorded (the envelope's `occurred_at`)."""


@dataclass
class Question:
    question_id: str
    text: str
    asked_by: str
    answer: str | None = None


@dataclass
class Attachment:
    attachment_id: str
    filename: str
    added_by: str
    added_by_role: Literal["requester", "agent"]
    content_type: str = "application/octet-stream"
    size: int = 0
    sha256: str = ""

    def reference(self) -> AttachmentRef:
        """What a reader needs to fetch and check the content elsewhere (claim check)."""
        return AttachmentRef(
            attachment_id=self.attachment_id,
            filename=self.filename,
            content_type=self.content_type,
            size=self.size,
            sha256=self.sha256,
        )


def company_siren(siret: str | None, represented_siren: str | None) -> str | None:
    """The company a request is about: the one represented when the requester acts for another, else the
    requester's own (a SIRET's first nine digits are its SIREN)."""
    if represented_siren:
        return represented_siren
    return siret[:9] if siret else None


def required_text(text: str, field_name: str, what: str) -> str:
    """`text` without its surrounding blanks; refused when nothing is left."""
    text = text.strip()
    if not text:
        raise DomainError(f"{what} ne peut pas être vide.", field=field_name)
    return text


@dataclass
class RequestRecord:
    id: str
    number: int
    requester: Requester
    nature: str
    category: str
    sub_category: str | None
    directorate: str
    unit: str
    fields: list[FieldOfApplication]
    collegial: bool
    previous_request: str | None
    received_at: datetime
    deadline_at: datetime | None
    """Set when the request is judged admissible (`deadlines.answer_deadline_from_admissibility`); None before,
    and always for a droit au contrôle, which has no answer clock."""
    notice: Notice
    state: RequestState = RequestState.DEPOSEE
    admissibility: Admissibility = Admissibility.EN_ATTENTE
    questions: dict[str, Question] = field(default_factory=dict)
    attachments: dict[str, Attachment] = field(default_factory=dict)
    complement_ids: set[str] = field(default_factory=set)
    deadline_notices: set[deadlines.DeadlineKind] = field(default_factory=set)
    """Kinds of DeadlineReached already emitted for the current `deadline_at`."""
    closed_at: datetime | None = None
    company_siren: str | None = None
    """The company the request is about: the SIREN of the requester's SIRET, or of the company represented."""
    followed_by: str | None = None
    """The agent who instructs it: the one who took it in charge, or the last it was entrusted to."""
    note_ids: set[str] = field(default_factory=set)
    version: int = 1

    # ---- folding -------------------------------------------------------------------------------

    @classmethod
    def rebuild(cls, history: Iterable[Dated]) -> Self:
        """The request as its events leave it; the first one must be its RequestSubmitted."""
        events = iter(history)
        first = next(events, None)
        if first is None or not isinstance(first[0], RequestSubmitted):
            raise ValueError("le flux d'une demande commence par RequestSubmitted")
        request = cls.started(first[0])
        for event, at in events:
            request.apply(event, at)
        return request

    @classmethod
    def from_recorded(cls, events: Sequence[Recorded[BaseModel]]) -> Self:
        """The request rebuilt from its stored events (the repository's fold)."""
        return cls.rebuild((cast(EssocEvent, e.event), e.occurred_at) for e in events)

    @classmethod
    def started(cls, e: RequestSubmitted) -> Self:
        return cls(
            id=e.request_id,
            number=e.number,
            requester=e.requester,
            nature=e.nature,
            category=e.category,
            sub_category=e.sub_category,
            directorate=e.directorate,
            unit=e.unit,
            fields=list(e.fields),
            collegial=e.collegial,
            previous_request=e.previous_request,
            received_at=e.received_at,
            deadline_at=None,  # the 3 months run from admissibility: no date yet
            notice=e.notice,
            company_siren=company_siren(e.siret, e.represented_siren),
        )

    def apply(self, event: EssocEvent, at: datetime) -> None:
        match event:
            case RequestSubmitted():
                raise ValueError(f"la demande {self.id} est déjà déposée")
            case RequestTakenInCharge():
                self._on_taken_in_charge(event)
            case AdmissibilityDecided():
                self._on_admissibility_decided(event, at)
            case RequestQuestioned():
                self.questions[event.question_id] = Question(event.question_id, event.text, event.asked_by)
            case QuestionAnswered():
                self.questions[event.question_id].answer = event.text
            case ComplementAdded():
                self.complement_ids.add(event.complement_id)
            case AttachmentAdded():
                self.attachments[event.attachment_id] = Attachment(
                    event.attachment_id,
                    event.filename,
                    event.added_by,
                    event.added_by_role,
                    event.content_type,
                    event.size,
                    event.sha256,
                )
            case AttachmentRemoved():
                self.attachments.pop(event.attachment_id, None)
            case RequestClosed():
                self.state, self.closed_at = RequestState.CLOTUREE, at
            case DeadlineReached():
                self._on_deadline_reached(event)
            case RequestReassigned():
                self.followed_by = event.to_agent.id
            case NoteAdded():
                self.note_ids.add(event.note_id)
            case _:
                assert_never(event)
        self.version += 1

    def _on_taken_in_charge(self, e: RequestTakenInCharge) -> None:
        self.state = RequestState.PRISE_EN_CHARGE
        self.admissibility = Admissibility.A_L_ETUDE
        self.unit = e.unit
        self.followed_by = e.agent_id

    def _on_admissibility_decided(self, e: AdmissibilityDecided, at: datetime) -> None:
        self.admissibility = Admissibility(e.decision)
        if e.decision == "non":
            self.state = RequestState.REFUSEE
            return
        # The notices a request got before, about a deadline once counted from receipt, are not this one's.
        self.deadline_at = deadlines.deadline_set_by_admissibility(self.nature, e.deadline_at, at)
        self.deadline_notices = set()

    def _on_deadline_reached(self, e: DeadlineReached) -> None:
        if e.deadline_at == self.deadline_at:
            # An expiry makes the reminder pointless: it is never sent afterwards.
            self.deadline_notices |= {"reminder", "expiry"} if e.kind == "expiry" else {"reminder"}

    # ---- queries -------------------------------------------------------------------------------

    @property
    def pending_questions(self) -> list[Question]:
        return [q for q in self.questions.values() if q.answer is None]

    def is_owned_by(self, user_id: str) -> bool:
        return self.requester.id == user_id

    def concerns(self, user_id: str, siren: str | None) -> bool:
        """Whether the request is the user's, or about the company `siren` (whoever filed it: the company
        itself, its lawyer, its RDE)."""
        return self.is_owned_by(user_id) or (siren is not None and siren == self.company_siren)

    # ---- guards of the decisions ---------------------------------------------------------------

    def _require_state(self, state: RequestState, action: str) -> None:
        if self.state is not state:
            raise Conflict(f"La demande n° {self.number} est {self.state.label.lower()} : elle ne peut pas {action}.")

    def _require_open(self, consequence: str) -> None:
        if not self.state.is_open:
            raise Conflict(f"La demande n° {self.number} est {self.state.label.lower()} : {consequence}.")

    def _require_owner(self, user_id: str, action: str) -> None:
        if not self.is_owned_by(user_id):
            raise Forbidden(f"Seul l'auteur de la demande n° {self.number} peut {action}.")
