"""HTTP API of the instruction, for the agents: their board, who follows a request and who it may be entrusted
to, the private notes, and what each agent has read (the badge)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from pydantic import Field

from chassis.http.auth import CurrentPrincipal, Principal
from chassis.http.inputs import LINE_PATTERN, Code, Identifier, Paragraph
from essoc.adapters.read_models import SORTS, BoardQuery
from essoc.application import access, commands
from essoc.domain.states import Admissibility, BoardTab, RequestState
from essoc.entrypoints import views
from essoc.entrypoints.http.services import Body, EssocServices, RequestRef, Services, request_document, request_id_of

router = APIRouter()
Sort = Literal["numero", "depot", "demandeur", "nature", "objet", "maj", "echeance"]


class AssignmentBody(Body):
    agent_id: Identifier = Field(description="l'agent de la même direction qui suivra la demande")


class NoteBody(Body):
    text: Paragraph


@router.get("/instruction/requests", tags=["instruction"])
async def board(
    services: Services,
    who: CurrentPrincipal,
    tab: Annotated[Literal["a-traiter", "suivies", "prises-en-charge", "refusees", "cloturees"], Query()] = "a-traiter",
    nature: Annotated[Code | None, Query(description="rescrit, second_examen, droit_au_controle")] = None,
    state: Annotated[Literal["deposee", "prise_en_charge", "refusee", "cloturee"] | None, Query()] = None,
    admissibility: Annotated[Literal["en_attente", "a_l_etude", "oui", "non"] | None, Query()] = None,
    q: Annotated[str | None, Query(max_length=80, pattern=LINE_PATTERN, description="un numéro ou des mots")] = None,
    sort: Annotated[
        Literal["numero", "depot", "demandeur", "nature", "objet", "maj", "echeance"], Query()
    ] = "echeance",
    order: Annotated[Literal["asc", "desc"], Query()] = "asc",
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=200)] = 20,
) -> dict[str, Any]:
    """The board of the caller's directorates: the tabs with their counts (under the filters), the chosen tab's
    rows with the answer clock and the badge of what the requester wrote since the caller last opened it."""
    who.require("agent", "admin", "auditor")
    ask = BoardQuery(
        tab=BoardTab(tab),
        agent_id=who.id,
        nature=nature,
        state=state,
        admissibility=admissibility,
        q=q,
        sort=sort,
        descending=order == "desc",
        page=page,
        per_page=per_page,
    )
    counts, total, rows = await services.board.page(access.instructed_requests(who), ask)
    seen = await services.board.seen(who.id, [d["_id"] for d in rows])
    now = services.clock()
    return {
        "tab": tab,
        "tabs": [{"slug": t.value, "label": t.label, "count": counts[t.value]} for t in BoardTab],
        "counts": counts,
        "total": total,
        "page": page,
        "per_page": per_page,
        "sort": sort,
        "order": order,
        "sorts": list(SORTS),
        "filters": {
            "natures": [{"code": n.code, "label": n.label} for n in services.referentials.natures],
            "states": [{"code": s.value, "label": s.label} for s in RequestState],
            "admissibilities": [{"code": a.value, "label": a.label} for a in Admissibility],
        },
        "items": [views.board_row(d, now, seen.get(d["_id"])) for d in rows],
    }


async def _instruction_doc(
    services: EssocServices, who: Principal, request_id: str, response: Response | None = None
) -> dict[str, Any]:
    """The request's read model, if `who` may read its instruction; with `response`, its version as the `ETag`."""
    doc = await request_document(services, who, request_id, response)
    access.require_instruction_reader(
        who, territory=doc["territory"], directorate=doc["directorate"], number=doc["number"]
    )
    return doc


async def _instruction(
    services: EssocServices, who: Principal, request_id: str, response: Response | None = None
) -> dict[str, Any]:
    """The instruction's view of the request; with `response`, its version as the `ETag`."""
    doc = await _instruction_doc(services, who, request_id, response)
    seen = await services.board.seen(who.id, [doc["_id"]])
    agents = services.agents.serving(territory=doc["territory"], directorate=doc["directorate"])
    return {
        "id": doc["_id"],
        "number": doc["number"],
        "version": doc["version"],
        **views.instruction(doc, services.clock(), seen.get(doc["_id"])),
        "agents": [{"id": a.id, "name": a.display_name} for a in agents],
    }


@router.get("/requests/{request_id}/instruction", tags=["instruction"])
async def instruction(request_id: RequestRef, services: Services, who: CurrentPrincipal) -> dict[str, Any]:
    """Who follows the request, its private notes and reassignments, the answer clock, the badge, and the agents
    it may be entrusted to. Never the requester's."""
    return await _instruction(services, who, request_id)


@router.put("/requests/{request_id}/seen", status_code=204, tags=["instruction"])
async def seen(request_id: RequestRef, services: Services, who: CurrentPrincipal) -> Response:
    """The caller (an agent of the request) has opened it: its badge goes until the requester writes again. A
    mark of reading, not an event of the request: it is not in the log and a replay does not rebuild it."""
    who.require("agent", "admin")
    doc = await _instruction_doc(services, who, request_id)
    await services.board.mark_seen(who.id, doc["_id"], services.clock())
    return Response(status_code=204)


@router.post("/requests/{request_id}/assignment", tags=["instruction"])
async def assignment(
    request_id: RequestRef, body: AssignmentBody, services: Services, response: Response, who: CurrentPrincipal
) -> dict[str, Any]:
    """« Réassigner »: an agent of the same directorate follows the request taken in charge from now on."""
    rid = await request_id_of(services, request_id)
    await services.commands.run(
        commands.reassign, commands.ReassignRequest(request_id=rid, agent_id=body.agent_id), who
    )
    return await _instruction(services, who, rid, response)


@router.post("/requests/{request_id}/notes", status_code=201, tags=["instruction"])
async def note(
    request_id: RequestRef, body: NoteBody, services: Services, response: Response, who: CurrentPrincipal
) -> dict[str, Any]:
    """A private note of the instruction (agents only; never shown to the requester nor in their PDF)."""
    rid = await request_id_of(services, request_id)
    note_id = await services.commands.run(commands.add_note, commands.AddNote(request_id=rid, text=body.text), who)
    return {**await _instruction(services, who, rid, response), "note_id": note_id}
