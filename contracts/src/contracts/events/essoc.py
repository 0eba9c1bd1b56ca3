"""Events of an ESSOC request (OGDE): rescrit, second examen, droit au contrôle."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from contracts import topics
from contracts.personal import (
    BY_STREAM_OWNER,
    BY_VALUE,
    AgentId,
    Code,
    Digest,
    Id,
    InternalNote,
    MediaType,
    NotPersonal,
    Reference,
    RequestText,
    SignInId,
    Siret,
    by_field,
    contact,
    file,
    identity,
)
from contracts.registry import event, upcaster

Nature = Literal["rescrit", "second_examen", "droit_au_controle"]

CompanyName = Annotated[str, identity("requester", BY_STREAM_OWNER)]
"""Personal for an entrepreneur individuel only; marked personal, as one cannot tell."""
FileName = Annotated[str, file("requester", BY_STREAM_OWNER)]
"""An attachment's name (its content, stored under `blob_id`, goes with it)."""


def _req(name: str, version: int = 1):  # type: ignore[no-untyped-def]
    return event(name, version=version, stream_type="request", topic=topics.ESSOC)


class _Event(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Requester(_Event):
    id: Annotated[str, identity("requester", BY_VALUE)]
    name: Annotated[str, identity("requester", by_field("id"))]
    first_name: Annotated[str, identity("requester", by_field("id"))]
    email: Annotated[str, contact("requester", by_field("id"))]


class FieldOfApplication(_Event):
    domain: Code
    sub_domain: Code


class Notice(_Event):
    """What the notifier needs to address a mail, carried by each event (event-carried state)."""

    number: int
    requester_email: Annotated[str, contact("requester", BY_STREAM_OWNER)]
    requester_name: Annotated[str, identity("requester", BY_STREAM_OWNER)]
    directorate: Code
    directorate_mailbox: Annotated[str, NotPersonal("boîte fonctionnelle d'une direction")]


@_req("RequestSubmitted", version=3)
class RequestSubmitted(_Event):
    request_id: Id
    number: int
    requester: Requester
    requester_type: Literal["entreprise", "particulier"]
    siret: Siret | None = None
    company_name: CompanyName | None = None
    represented_siren: Siret | None = None
    nature: Nature
    category: Code
    sub_category: Code | None = None
    directorate: Code
    unit: Code
    fields: list[FieldOfApplication]
    subject: RequestText
    description: RequestText
    previous_request: Id | None = None
    previous_request_number: int | None = None
    """The number of the rescrit `previous_request` names, as the requester knows it."""
    contested_rescrit_date: date | None = None
    """A second examen that names no rescrit of OGDE: the date of the rescrit it contests, as stated."""
    contested_rescrit_reference: Reference | None = None
    """…and its reference, as stated (a letter's reference, a rescrit delivered outside OGDE)."""
    collegial: bool = False
    received_at: datetime
    deadline_at: datetime | None = None
    """Always None since v3: no answer deadline runs before the request is judged admissible (it is
    `AdmissibilityDecided.deadline_at`). Kept so that readers written for v2 still read it; the v2 → v3 upcaster
    clears the date v2 counted from receipt."""
    notice: Notice


@upcaster("RequestSubmitted", from_version=1)
def _request_submitted_v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    # v1 gave every request the 3-month deadline of the rescrit; a droit au contrôle never had one
    # (CRPA L.124-1: « dans un délai raisonnable »), so it reads as none.
    if data.get("nature") == "droit_au_controle":
        data["deadline_at"] = None
    return data


@upcaster("RequestSubmitted", from_version=2)
def _request_submitted_v2_to_v3(data: dict[str, Any]) -> dict[str, Any]:
    # v2 counted the 3 months from receipt; they run from admissibility (OGDE manual § 1.3, code des douanes
    # art. 345 bis II), so a request just filed has no date yet.
    data["deadline_at"] = None
    return data


@_req("RequestTakenInCharge")
class RequestTakenInCharge(_Event):
    agent_id: AgentId
    unit: Code
    notice: Notice
    agent_name: Annotated[str, identity("agent", by_field("agent_id"))] | None = None
    """The agent who takes it, as the board shows them (« Suivie par »); absent in older events."""


@_req("AdmissibilityDecided")
class AdmissibilityDecided(_Event):
    decision: Literal["oui", "non"]
    grounds: RequestText | None = None
    ground_code: Code | None = None
    notice: Notice
    deadline_at: datetime | None = None
    """The answer deadline this decision starts: 3 months from it for a rescrit or a second examen judged
    admissible. None when refused, for a droit au contrôle (it has none), and in decisions recorded before it was
    carried, whose deadline is counted from the event's instant when folded."""


@_req("RequestQuestioned")
class RequestQuestioned(_Event):
    question_id: Id
    text: RequestText
    asked_by: AgentId
    notice: Notice


@_req("QuestionAnswered", version=2)
class QuestionAnswered(_Event):
    """The requester answered a question. The answer deadline stays where admissibility set it."""

    question_id: Id
    question_text: RequestText
    text: RequestText
    notice: Notice


@_req("ComplementAdded", version=2)
class ComplementAdded(_Event):
    """The requester added a complement. The answer deadline stays where admissibility set it."""

    complement_id: Id
    text: RequestText


@upcaster("QuestionAnswered", from_version=1)
@upcaster("ComplementAdded", from_version=1)
def _exchange_v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    # v1 restarted the 3 months from an answer (`restarts_clock`, `deadline_at` counted from it). They run from
    # admissibility and nothing moves them since (OGDE manual § 1.3): the answer no longer carries a deadline.
    data.pop("restarts_clock", None)
    data.pop("deadline_at", None)
    return data


@_req("AttachmentAdded")
class AttachmentAdded(_Event):
    attachment_id: Id
    filename: FileName
    content_type: MediaType
    size: int = Field(ge=0)
    sha256: Digest
    blob_id: Id
    added_by: SignInId
    added_by_role: Literal["requester", "agent"]


@_req("AttachmentRemoved")
class AttachmentRemoved(_Event):
    attachment_id: Id


class AttachmentRef(_Event):
    """An attachment sent with the answer, by reference (claim check): the notifier fetches its bytes
    from essoc's API and checks them against `sha256` before attaching them to the mail."""

    attachment_id: Id
    filename: FileName
    content_type: MediaType = "application/octet-stream"
    size: int = Field(ge=0)
    sha256: Digest


@_req("RequestClosed")
class RequestClosed(_Event):
    response: RequestText
    attachment_ids: Annotated[list[str], NotPersonal("identifiants des pièces jointes")] = Field(default_factory=list)
    notice: Notice
    attachments: list[AttachmentRef] = Field(default_factory=list)
    """Metadata of `attachment_ids` (empty in events recorded before it existed)."""


@_req("DeadlineReached")
class DeadlineReached(_Event):
    kind: Literal["reminder", "expiry"]
    deadline_at: datetime
    notice: Notice


class AgentRef(_Event):
    """An agent of a directorate, as the instruction shows and mails them."""

    id: AgentId
    name: Annotated[str, identity("agent", by_field("id"))]
    email: Annotated[str, contact("agent", by_field("id"))] | None = None


@_req("RequestReassigned")
class RequestReassigned(_Event):
    """The request taken in charge is entrusted to another agent of its directorate (it moves to their
    « Suivies par moi »). The service's business: the requester is not told."""

    from_agent_id: AgentId | None
    to_agent: AgentRef
    by: AgentId
    notice: Notice


@_req("NoteAdded")
class NoteAdded(_Event):
    """A private note of the instruction: read by the agents only, never shown to the requester, never in the
    requester's PDF, never mailed."""

    note_id: Id
    text: InternalNote
    author: AgentRef


# ---- drafts of « Nouvelle demande » (decision record 0026) ---------------------------------------------------
# A draft is the requester's own stream (`draft-…`), never an agent's: no notice, nothing the notifier or the
# agents' board reads. Each event carries `at`, the instant on the service's clock (the envelope's `occurred_at` is
# the writer's wall clock): the 90 days of retention run from the last `at`.


def _draft(name: str, version: int = 1):  # type: ignore[no-untyped-def]
    return event(name, version=version, stream_type="draft", topic=topics.ESSOC)


@_draft("DraftStarted")
class DraftStarted(_Event):
    """The requester saved the first step of « Nouvelle demande »: their draft exists from now on."""

    draft_id: Id
    requester: Requester
    at: datetime


@_draft("DraftRequesterSet")
class DraftRequesterSet(_Event):
    """Step « Demandeur »: a company (its SIRET, the raison sociale found) or a private person."""

    requester_type: Literal["entreprise", "particulier"]
    siret: Siret | None = None
    company_name: CompanyName | None = None
    represented_siren: Siret | None = None
    at: datetime


@_draft("DraftCharacteristicsSet")
class DraftCharacteristicsSet(_Event):
    """Step « Caractéristiques »: what was chosen, each value checked (a directorate this deployment serves)."""

    nature: Nature | None = None
    category: Code | None = None
    sub_category: Code | None = None
    directorate: Code | None = None
    """The directorate addressed (the sub-category, or the category of a droit au contrôle), once chosen."""
    previous_request: Id | None = None
    previous_request_number: int | None = None
    contested_rescrit_date: date | None = None
    contested_rescrit_reference: Reference | None = None
    at: datetime


@_draft("DraftFieldsSet")
class DraftFieldsSet(_Event):
    """Step « Champs d'application »."""

    fields: list[FieldOfApplication]
    at: datetime


@_draft("DraftDescriptionSet")
class DraftDescriptionSet(_Event):
    """Step « Demande »: the subject and the description, as typed so far."""

    subject: RequestText
    description: RequestText
    at: datetime


@_draft("DraftFileAdded")
class DraftFileAdded(_Event):
    """Step « Pièces jointes »: a file kept with the draft; its content is stored under `blob_id` and becomes the
    request's attachment (same id, same content) when the draft is submitted."""

    attachment_id: Id
    filename: FileName
    content_type: MediaType
    size: int = Field(ge=0)
    sha256: Digest
    blob_id: Id
    at: datetime


@_draft("DraftFileRemoved")
class DraftFileRemoved(_Event):
    attachment_id: Id
    at: datetime


@_draft("DraftDiscarded")
class DraftDiscarded(_Event):
    """« Annuler », confirmed: the draft is closed and its files deleted."""

    at: datetime


@_draft("DraftExpired")
class DraftExpired(_Event):
    """The draft was left untouched for the retention period (90 days): closed and its files deleted."""

    untouched_since: datetime
    at: datetime


@_draft("DraftSubmitted")
class DraftSubmitted(_Event):
    """« Créer la demande »: the draft became request `request_id` (its own stream, starting with RequestSubmitted,
    in the same transaction); the draft is closed."""

    request_id: Id
    number: int
    at: datetime
