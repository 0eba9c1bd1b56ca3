"""The ESSOC request aggregate: folded from its events, it decides each command by returning new events.

Commands never mutate; the caller appends the returned events, then folds them with `apply`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, assert_never, cast

from pydantic import BaseModel

from contracts.errors import Conflict, DomainError, Forbidden, NotFound
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
from essoc.domain.agents import Agent
from essoc.domain.attachments import DEFAULT_MAX_SIZE, check_upload
from essoc.domain.referentials import Referentials
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


@dataclass
class EssocRequest:
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
    """None when no answer clock runs (a droit au contrôle)."""
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
    def rebuild(cls, history: Iterable[Dated]) -> EssocRequest:
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
    def from_recorded(cls, events: Sequence[Recorded[BaseModel]]) -> EssocRequest:
        """The request rebuilt from its stored events (the repository's fold)."""
        return cls.rebuild((cast(EssocEvent, e.event), e.occurred_at) for e in events)

    @classmethod
    def started(cls, e: RequestSubmitted) -> EssocRequest:
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
            deadline_at=e.deadline_at,
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
                self._on_admissibility_decided(event)
            case RequestQuestioned():
                self.questions[event.question_id] = Question(event.question_id, event.text, event.asked_by)
            case QuestionAnswered():
                self.questions[event.question_id].answer = event.text
                self._restart_clock(event.restarts_clock, event.deadline_at)
            case ComplementAdded():
                self._on_complement_added(event)
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

    def _on_admissibility_decided(self, e: AdmissibilityDecided) -> None:
        self.admissibility = Admissibility(e.decision)
        if e.decision == "non":
            self.state = RequestState.REFUSEE

    def _on_complement_added(self, e: ComplementAdded) -> None:
        self.complement_ids.add(e.complement_id)
        self._restart_clock(e.restarts_clock, e.deadline_at)

    def _restart_clock(self, restarts: bool, deadline_at: datetime | None) -> None:
        # A droit au contrôle's answers filed before the rule still say they restart the clock: it has none.
        if restarts and deadline_at is not None and deadlines.has_answer_clock(self.nature):
            self.deadline_at, self.deadline_notices = deadline_at, set()

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

    # ---- agent commands ------------------------------------------------------------------------

    def take_charge(
        self, *, agent_id: str, unit: str | None = None, agent_name: str | None = None
    ) -> list[RequestTakenInCharge]:
        """The competent unit starts examining the request; admissibility goes to "à l'étude"; the agent
        who takes it follows it."""
        if self.state is not RequestState.DEPOSEE:
            raise Conflict(f"La demande n° {self.number} est déjà {self.state.label.lower()}.")
        unit = (unit or "").strip() or self.unit
        return [RequestTakenInCharge(agent_id=agent_id, unit=unit, notice=self.notice, agent_name=agent_name or None)]

    def reassign(self, *, to: Agent | None, to_id: str, territory: str, by: str) -> list[RequestReassigned]:
        """Entrusts the request taken in charge to another agent of its territory and directorate."""
        self._require_state(RequestState.PRISE_EN_CHARGE, "être réassignée")
        if to is None:
            raise NotFound(f"L'agent {to_id} est inconnu de l'annuaire des agents.", field="agent_id")
        if not to.serves(territory=territory, directorate=self.directorate):
            raise DomainError(
                f"{to.display_name} n'instruit pas les demandes de cette direction (territoire {territory}) : "
                "choisissez un agent de la même direction.",
                field="agent_id",
                code="agent-hors-direction",
            )
        if to.id == self.followed_by:
            raise Conflict(f"La demande n° {self.number} est déjà suivie par {to.display_name}.", field="agent_id")
        return [RequestReassigned(from_agent_id=self.followed_by, to_agent=to.reference(), by=by, notice=self.notice)]

    def add_note(self, *, note_id: str, text: str, author: Agent) -> list[NoteAdded]:
        """A private note of the instruction, at any stage (a closed request may still be annotated)."""
        if note_id in self.note_ids:
            raise Conflict(f"La note {note_id} existe déjà.", field="note_id")
        return [NoteAdded(note_id=note_id, text=_required(text, "text", "La note"), author=author.reference())]

    def decide_admissibility(
        self,
        *,
        decision: str,
        grounds: str | None = None,
        ground_code: str | None = None,
        referentials: Referentials,
    ) -> list[AdmissibilityDecided]:
        """Oui lets the examination go on; non refuses the request and needs its grounds."""
        self._require_state(RequestState.PRISE_EN_CHARGE, "recevoir une décision de recevabilité")
        if self.admissibility is not Admissibility.A_L_ETUDE:
            raise Conflict(f"La recevabilité de la demande n° {self.number} est déjà décidée.")
        if decision not in ("oui", "non"):
            raise DomainError("La recevabilité se décide par « oui » ou « non ».", field="decision")
        grounds = (grounds or "").strip() or None
        if decision == "oui":
            return [AdmissibilityDecided(decision="oui", grounds=grounds, notice=self.notice)]
        if self.nature == "droit_au_controle":
            grounds = self._control_refusal_grounds(grounds, ground_code, referentials)
        elif ground_code:
            raise DomainError(
                "Les motifs codifiés de refus ne valent que pour un droit au contrôle.", field="ground_code"
            )
        elif grounds is None:
            raise DomainError("Un refus doit être motivé.", field="grounds")
        return [AdmissibilityDecided(decision="non", grounds=grounds, ground_code=ground_code, notice=self.notice)]

    @staticmethod
    def _control_refusal_grounds(grounds: str | None, ground_code: str | None, referentials: Referentials) -> str:
        # CRPA L.124-1: a droit au contrôle is refused only for bad faith, abuse or harm to the
        # service's control programme, and the refusal says which.
        ground = referentials.refusal_ground(ground_code or "")
        if ground is None:
            allowed = " ; ".join(g.label for g in referentials.refusal_grounds)
            raise DomainError(
                f"Choisissez le motif du refus parmi ceux de l'article L.124-1 du CRPA : {allowed}.",
                field="ground_code",
                extra={"allowed": [g.code for g in referentials.refusal_grounds]},
            )
        return grounds or f"{ground.label[0].upper()}{ground.label[1:]}."

    def ask_question(self, *, question_id: str, text: str, agent_id: str) -> list[RequestQuestioned]:
        self._require_state(RequestState.PRISE_EN_CHARGE, "recevoir une question")
        if question_id in self.questions:
            raise Conflict(f"La question {question_id} existe déjà.", field="question_id")
        return [
            RequestQuestioned(
                question_id=question_id,
                text=_required(text, "text", "La question"),
                asked_by=agent_id,
                notice=self.notice,
            )
        ]

    def close(self, *, response: str, attachment_ids: Sequence[str] = ()) -> list[RequestClosed]:
        """The answer is delivered; only a request found admissible can be closed."""
        self._require_state(RequestState.PRISE_EN_CHARGE, "être clôturée")
        if self.admissibility is not Admissibility.OUI:
            raise Conflict(f"La demande n° {self.number} ne peut être clôturée qu'après avoir été jugée recevable.")
        unknown = [a for a in attachment_ids if a not in self.attachments]
        if unknown:
            raise NotFound(f"Pièce(s) jointe(s) introuvable(s) : {', '.join(unknown)}.", field="attachment_ids")
        chosen = list(dict.fromkeys(attachment_ids))
        return [
            RequestClosed(
                response=_required(response, "response", "La réponse"),
                attachment_ids=chosen,
                attachments=[self.attachments[a].reference() for a in chosen],
                notice=self.notice,
            )
        ]

    # ---- requester commands --------------------------------------------------------------------

    def answer_question(
        self, *, question_id: str, text: str, requester_id: str, now: datetime
    ) -> list[QuestionAnswered]:
        """The answer is the complement the service asked for: the 3-month clock restarts from it."""
        self._require_owner(requester_id, "répondre aux questions")
        question = self.questions.get(question_id)
        if question is None:
            raise NotFound(f"La question {question_id} est introuvable.", field="question_id")
        self._require_open("elle ne reçoit plus de réponse")
        if question.answer is not None:
            raise Conflict("Cette question a déjà reçu une réponse.", field="question_id")
        # code des douanes art. 345 bis II: the 3 months run again from receipt of the complements asked.
        return [
            QuestionAnswered(
                question_id=question_id,
                question_text=question.text,
                text=_required(text, "text", "La réponse"),
                notice=self.notice,
                restarts_clock=deadlines.has_answer_clock(self.nature),
                deadline_at=deadlines.answer_deadline_of(self.nature, now),
            )
        ]

    def add_complement(
        self, *, complement_id: str, text: str, requester_id: str, now: datetime
    ) -> list[ComplementAdded]:
        """A complement brought while the service awaits answers restarts the 3-month clock."""
        self._require_owner(requester_id, "compléter la demande")
        self._require_open("elle ne peut plus être complétée")
        if complement_id in self.complement_ids:
            raise Conflict(f"Le complément {complement_id} existe déjà.", field="complement_id")
        text = _required(text, "text", "Le complément")
        # code des douanes art. 345 bis II: the 3 months run again from receipt of the complements asked.
        if self.pending_questions and deadlines.has_answer_clock(self.nature):
            return [
                ComplementAdded(
                    complement_id=complement_id,
                    text=text,
                    restarts_clock=True,
                    deadline_at=deadlines.answer_deadline_of(self.nature, now),
                )
            ]
        return [ComplementAdded(complement_id=complement_id, text=text)]

    # ---- attachments (requester or agent) ------------------------------------------------------

    def add_attachment(
        self,
        *,
        attachment_id: str,
        filename: str,
        size: int,
        sha256: str,
        blob_id: str,
        added_by: str,
        role: Literal["requester", "agent"],
        max_size: int = DEFAULT_MAX_SIZE,
    ) -> list[AttachmentAdded]:
        if role == "requester":
            self._require_owner(added_by, "joindre des pièces")
        self._require_open("elle ne reçoit plus de pièce jointe")
        if attachment_id in self.attachments:
            raise Conflict(f"La pièce jointe {attachment_id} existe déjà.", field="attachment_id")
        upload = check_upload(filename, size, max_size)
        return [
            AttachmentAdded(
                attachment_id=attachment_id,
                filename=upload.filename,
                content_type=upload.content_type,
                size=size,
                sha256=sha256,
                blob_id=blob_id,
                added_by=added_by,
                added_by_role=role,
            )
        ]

    def remove_attachment(self, *, attachment_id: str, removed_by: str) -> list[AttachmentRemoved]:
        """Anyone may delete only the attachments they added themselves (manual §5.1)."""
        attachment = self.attachments.get(attachment_id)
        if attachment is None:
            raise NotFound(f"La pièce jointe {attachment_id} est introuvable.", field="attachment_id")
        if attachment.added_by != removed_by:
            raise Forbidden(
                "Vous ne pouvez supprimer que les pièces jointes que vous avez ajoutées.",
                field="attachment_id",
            )
        self._require_open("ses pièces jointes ne peuvent plus être supprimées")
        return [AttachmentRemoved(attachment_id=attachment_id)]

    # ---- the clock -----------------------------------------------------------------------------

    def deadline_notices_due(self, now: datetime) -> list[DeadlineReached]:
        """The reminder (15 days before) or the expiry notice due at `now` and not yet emitted."""
        if not self.state.is_open or self.deadline_at is None:
            return []
        kind = deadlines.due_kind(self.deadline_at, now)
        if kind is None or kind in self.deadline_notices:
            return []
        return [DeadlineReached(kind=kind, deadline_at=self.deadline_at, notice=self.notice)]

    # ---- guards --------------------------------------------------------------------------------

    def _require_state(self, state: RequestState, action: str) -> None:
        if self.state is not state:
            raise Conflict(f"La demande n° {self.number} est {self.state.label.lower()} : elle ne peut pas {action}.")

    def _require_open(self, consequence: str) -> None:
        if not self.state.is_open:
            raise Conflict(f"La demande n° {self.number} est {self.state.label.lower()} : {consequence}.")

    def _require_owner(self, user_id: str, action: str) -> None:
        if not self.is_owned_by(user_id):
            raise Forbidden(f"Seul l'auteur de la demande n° {self.number} peut {action}.")


def _required(text: str, field_name: str, what: str) -> str:
    text = text.strip()
    if not text:
        raise DomainError(f"{what} ne peut pas être vide.", field=field_name)
    return text
