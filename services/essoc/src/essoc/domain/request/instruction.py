"""The instruction's decisions on a request, by its agents: taking it in charge, entrusting it to another
agent, a private note, its admissibility (which starts the answer clock), a question to the requester, its
closure with the answer; and the notices of the answer clock the instruction runs against. Each returns the new
events, never mutates."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from contracts.errors import Conflict, DomainError, NotFound
from contracts.events.essoc import (
    AdmissibilityDecided,
    DeadlineReached,
    NoteAdded,
    RequestClosed,
    RequestQuestioned,
    RequestReassigned,
    RequestTakenInCharge,
)
from essoc.domain import deadlines
from essoc.domain.agents import Agent
from essoc.domain.referentials import Referentials
from essoc.domain.request.record import RequestRecord, required_text
from essoc.domain.states import Admissibility, RequestState


class InstructionDecisions(RequestRecord):
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
        return [NoteAdded(note_id=note_id, text=required_text(text, "text", "La note"), author=author.reference())]

    def decide_admissibility(
        self,
        *,
        decision: str,
        grounds: str | None = None,
        ground_code: str | None = None,
        referentials: Referentials,
        now: datetime,
    ) -> list[AdmissibilityDecided]:
        """Oui lets the examination go on and starts the 3 months of a rescrit or a second examen; non refuses the
        request and needs its grounds."""
        self._require_state(RequestState.PRISE_EN_CHARGE, "recevoir une décision de recevabilité")
        if self.admissibility is not Admissibility.A_L_ETUDE:
            raise Conflict(f"La recevabilité de la demande n° {self.number} est déjà décidée.")
        if decision not in ("oui", "non"):
            raise DomainError("La recevabilité se décide par « oui » ou « non ».", field="decision")
        grounds = (grounds or "").strip() or None
        if decision == "oui":
            deadline_at = deadlines.answer_deadline_from_admissibility(self.nature, now)
            return [AdmissibilityDecided(decision="oui", grounds=grounds, notice=self.notice, deadline_at=deadline_at)]
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
                text=required_text(text, "text", "La question"),
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
                response=required_text(response, "response", "La réponse"),
                attachment_ids=chosen,
                attachments=[self.attachments[a].reference() for a in chosen],
                notice=self.notice,
            )
        ]

    # ---- the clock -----------------------------------------------------------------------------

    def deadline_notices_due(self, now: datetime) -> list[DeadlineReached]:
        """The reminder (15 days before) or the expiry notice due at `now` and not yet emitted; none before
        admissibility, when no deadline runs yet."""
        if not self.state.is_open or self.deadline_at is None:
            return []
        kind = deadlines.due_kind(self.deadline_at, now)
        if kind is None or kind in self.deadline_notices:
            return []
        return [DeadlineReached(kind=kind, deadline_at=self.deadline_at, notice=self.notice)]
