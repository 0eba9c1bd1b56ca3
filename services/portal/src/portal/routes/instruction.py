"""OGDE for the customs agents: the board of their directorates' requests, and the instruction of one.

The board (« Demandes ESSOC ») queues the requests by stage, as the instructors' screens of *Démarches
simplifiées* do: « À traiter » (filed, taken by nobody), « Suivies par moi », « Prises en charge »,
« Refusées », « Clôturées », with their counts, filters, a search by number or words, a sort by any column,
20 rows a page, and the export of what is shown as a spreadsheet. A badge marks a request whose requester
wrote since the agent last opened it.

The request page shows what the requester sees, then the actions in the workflow's order: « Prendre en
charge », « Poser une question », « Décider de la recevabilité », « Clôturer avec la réponse », and beside them
« Réassigner » and the private notes. An irreversible step (the admissibility, the closing) asks for an
explicit confirmation in the form itself, so it works without JavaScript and keeps the files chosen. Every
refusal of the service comes back next to its field, what was typed kept. No rule is decided here.
"""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import FormData, UploadFile

from portal.auth import person
from portal.backends import Refused, backends_of, seg
from portal.forms import MAX_FILES, Form, submitted
from portal.rendering import day_in, see_other
from portal.rendering import render as render_page
from portal.routes.ogde import referentials, stream
from portal.session import Session
from portal.spreadsheet import csv_response, moment_cell

router = APIRouter(prefix="/instruction")

TABS = ("a-traiter", "suivies", "prises-en-charge", "refusees", "cloturees")
SORTS = {
    "numero": "N°",
    "depot": "Dépôt",
    "demandeur": "Demandeur",
    "nature": "Nature / catégorie",
    "objet": "Objet",
    "maj": "MAJ",
    "echeance": "Échéance",
}
FILTERS = {"nature": "nature", "etat": "state", "recevabilite": "admissibility"}
"""The board's filters: the portal's query parameter → the API's."""
EXPORT_PAGE = 200
EXPORT_MOST = 10_000
CONFIRM = "confirmation"


def _me(request: Request) -> Session:
    return person(request, "agent", "admin")


# ---- the board ----------------------------------------------------------------------------------------


def _board_query(params: dict[str, str]) -> dict[str, str]:
    """The board's state as the URL carries it, each value checked (an unknown one is dropped)."""
    chosen = {
        "onglet": params.get("onglet", "") if params.get("onglet") in TABS else "a-traiter",
        "tri": params.get("tri", "") if params.get("tri") in SORTS else "echeance",
        "ordre": "desc" if params.get("ordre") == "desc" else "asc",
        "q": " ".join(params.get("q", "").split())[:80],
    }
    for name in FILTERS:
        value = params.get(name, "")
        if value and value.replace("_", "").isalpha() and len(value) <= 40:
            chosen[name] = value
    return chosen


def _api_params(chosen: dict[str, str], page: int, per_page: int) -> dict[str, Any]:
    params: dict[str, Any] = {
        "tab": chosen["onglet"],
        "sort": chosen["tri"],
        "order": chosen["ordre"],
        "q": chosen["q"] or None,
        "page": page,
        "per_page": per_page,
    }
    for name, api_name in FILTERS.items():
        params[api_name] = chosen.get(name) or None
    return params


def _url(chosen: dict[str, str], **changes: object) -> str:
    """The board's address with some of its state changed (another tab, column, page)."""
    values = {**chosen, **{k: str(v) for k, v in changes.items()}}
    kept = {k: v for k, v in values.items() if v and not (k == "page" and v == "1")}
    return "/instruction?" + urlencode(kept)


@router.get("")
async def board(request: Request, page: int = 1) -> Response:
    """« Demandes ESSOC »: the tabs and their counts, the filters, the rows of the chosen tab."""
    session = _me(request)
    chosen = _board_query(dict(request.query_params))
    form = Form(values=dict(chosen))
    page = max(1, min(page, 10_000))
    try:
        found = await backends_of(request).essoc.get(
            "/api/v1/instruction/requests", session.token, **_api_params(chosen, page, 20)
        )
    except Refused as refused:
        form.error("q", refused.detail)
        chosen["q"] = ""
        found = await backends_of(request).essoc.get(
            "/api/v1/instruction/requests", session.token, **_api_params(chosen, 1, 20)
        )
    last = max(1, -(-found["total"] // found["per_page"]))
    if page > last:
        return see_other(_url(chosen, page=last))  # a page past the last one (an old link): the last one
    label = next(t["label"] for t in found["tabs"] if t["slug"] == chosen["onglet"])
    return render_page(
        request,
        "agent/board.html",
        {
            "title": f"Demandes ESSOC — {label}",
            "found": found,
            "chosen": chosen,
            "form": form,
            "label": label,
            "sorts": SORTS,
            "url": lambda **changes: _url(chosen, **changes),
            "page_url": lambda n: _url(chosen, page=n),
            "elsewhere": [t for t in found["tabs"] if t["count"] and t["slug"] != chosen["onglet"]],
            "export": "/instruction/export.csv?" + urlencode({k: v for k, v in chosen.items() if v}),
        },
    )


@router.get("/export.csv")
async def export(request: Request) -> Response:
    """The current tab, under its filters and sort, as a spreadsheet (every page, the board's columns)."""
    session = _me(request)
    chosen = _board_query(dict(request.query_params))
    rows: list[dict[str, Any]] = []
    page = 1
    while len(rows) < EXPORT_MOST:
        found = await backends_of(request).essoc.get(
            "/api/v1/instruction/requests", session.token, **_api_params(chosen, page, EXPORT_PAGE)
        )
        rows.extend(found["items"])
        if page * EXPORT_PAGE >= found["total"]:
            break
        page += 1
    header = (
        "N°",
        "Dépôt",
        "Demandeur",
        "Entreprise",
        "SIRET",
        "Nature",
        "Catégorie",
        "Objet",
        "MAJ",
        "Échéance",
        "Jours restants",
        "État",
        "Recevabilité",
        "Suivie par",
        "Pôle",
        "Motif du refus",
        "Clôturée le",
    )
    return csv_response(
        f"demandes-essoc-{chosen['onglet']}.csv",
        header,
        ([*_cells(row)] for row in rows),
    )


def _cells(row: dict[str, Any]) -> tuple[object, ...]:
    territory = row["territory"]
    clock = row.get("clock") or {}
    return (
        row["number"],
        moment_cell(row["filed_at"], territory),
        row["requester_name"],
        row.get("company_name") or "",
        row.get("siret") or "",
        row["nature_label"],
        row["category_label"],
        row["subject"],
        moment_cell(row["updated_at"], territory),
        day_in(clock["deadline_at"], territory) if clock else "",
        clock.get("days_left", ""),
        row["state_label"],
        row["admissibility_label"],
        (row.get("followed_by") or {}).get("name", ""),
        row.get("unit") or "",
        row.get("refusal_grounds") or "",
        moment_cell(row.get("closed_at"), territory),
    )


# ---- the request --------------------------------------------------------------------------------------


def _not_yours(number: str) -> Refused:
    """Another directorate's request, or none: one French page for both, that tells nothing of the other."""
    return Refused(
        404,
        f"La demande n° {number} n'existe pas, ou elle relève d'une direction que vous n'instruisez pas : "
        "vous ne pouvez pas l'ouvrir. Retrouvez les demandes de vos directions dans « Demandes ESSOC ».",
    )


async def _read(request: Request, session: Session, number: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The request as its requester sees it, and its instruction."""
    essoc = backends_of(request).essoc
    try:
        detail: dict[str, Any] = await essoc.get(f"/api/v1/requests/{seg(number)}", session.token)
        instruction: dict[str, Any] = await essoc.get(f"/api/v1/requests/{seg(number)}/instruction", session.token)
    except Refused as refused:
        if refused.status in (403, 404, 422):
            raise _not_yours(number) from None
        raise
    return detail, instruction


async def _page(
    request: Request, session: Session, number: str, form: Form | None = None, status: int = 200, anchor: str = ""
) -> Response:
    detail, instruction = await _read(request, session, number)
    refs = await referentials(request)
    following = (instruction["followed_by"] or {}).get("id")
    if status == 200:
        # Opened: the badge of what the requester wrote goes, until they write again.
        await backends_of(request).essoc.command(
            "PUT", f"/api/v1/requests/{seg(detail['id'])}/seen", session.token or "", key=str(uuid.uuid4())
        )
    return render_page(
        request,
        "agent/request.html",
        {
            "title": f"Demande n° {detail['number']}",
            "detail": detail,
            "instruction": instruction,
            "form": form or Form(),
            "refusal_grounds": refs.get("refusal_grounds", []),
            "attachments": refs["attachments"],
            "reassign_to": [(a["id"], a["name"]) for a in instruction["agents"] if a["id"] != following],
            "anchor": anchor,
        },
        status=status,
    )


@router.get("/demandes/{number}")
async def request_page(request: Request, number: str) -> Response:
    """« Demande n° … » for the agent: the request, then the instruction's actions and notes."""
    session = _me(request)
    return await _page(request, session, number)


async def _act(
    request: Request,
    session: Session,
    number: str,
    form: Form,
    *,
    path: str,
    done: str,
    anchor: str,
    fields: dict[str, str],
    json: Any = None,
    files: Any = None,
) -> Response:
    """Sends one command of the instruction; back to the page with the message, or the refusal next to its
    field (what was typed kept)."""
    if form.ok:
        try:
            await backends_of(request).essoc.command(
                "POST",
                f"/api/v1/requests/{seg(number)}/{path}",
                session.token or "",
                key=form.key,
                json=json,
                files=files,
            )
        except Refused as refused:
            if refused.status in (403, 404) and refused.field in (None, "id"):
                raise _not_yours(number) from None
            form.refuse(refused, fields)
        else:
            session.say(done)
            return see_other(f"/instruction/demandes/{number}#{anchor}")
    return await _page(request, session, number, form, status=422, anchor=anchor)


@router.post("/demandes/{number}/prise-en-charge")
async def take_charge(request: Request, number: str) -> Response:
    """« Prendre en charge »: the request leaves « À traiter » for the agent's « Suivies par moi »."""
    session = _me(request)
    form, _ = await submitted(request)
    return await _act(
        request,
        session,
        number,
        form,
        path="take-charge",
        done=f"Vous avez pris en charge la demande n° {number} : elle figure dans « Suivies par moi ».",
        anchor="instruction",
        fields={},
    )


@router.post("/demandes/{number}/questions")
async def ask(request: Request, number: str) -> Response:
    """« Poser une question » to the requester (who is told by mail; the answer restarts the clock)."""
    return await _text_command(
        request,
        number,
        name="question",
        missing="Saisissez la question à poser au demandeur.",
        path="questions",
        done="Votre question est envoyée au demandeur.",
        anchor="etape-question",
    )


@router.post("/demandes/{number}/recevabilite")
async def admissibility(request: Request, number: str) -> Response:
    """« Décider de la recevabilité »: Oui, or Non with its ground and a free text; confirmed first."""
    session = _me(request)
    form, _ = await submitted(request)
    decision = form.required("decision", "Choisissez « Oui » ou « Non ».")
    body: dict[str, Any] = {"decision": decision}
    if decision == "non":
        if form.value("ground_code"):
            body["ground_code"] = form.value("ground_code")
        if form.value("grounds").strip():
            body["grounds"] = form.value("grounds").strip()
    _confirmed(form, "La recevabilité décidée ne se modifie plus : cochez la case pour confirmer.")
    return await _act(
        request,
        session,
        number,
        form,
        path="admissibility",
        done="La demande est jugée recevable."
        if decision == "oui"
        else "La demande est jugée irrecevable : le demandeur en est informé.",
        anchor="etape-recevabilite",
        fields={"decision": "decision", "grounds": "grounds", "ground_code": "ground_code"},
        json=body,
    )


@router.post("/demandes/{number}/cloture")
async def close(request: Request, number: str) -> Response:
    """« Clôturer avec la réponse »: the answer's text and its files, sent to the requester; confirmed first."""
    session = _me(request)
    form, data = await submitted(request)
    form.required("response", "Saisissez la réponse de l'administration.")
    _confirmed(form, "La clôture est définitive : cochez la case pour confirmer l'envoi de la réponse.")
    files = _files(data)
    _same_files(form, files)
    parts: list[tuple[str, Any]] = [("response", (None, form.value("response").strip()))]
    parts += [("files", (f.filename, await f.read(), f.content_type or "application/octet-stream")) for f in files]
    return await _act(
        request,
        session,
        number,
        form,
        path="closure",
        done=f"La demande n° {number} est clôturée : la réponse est envoyée au demandeur.",
        anchor="etape-cloture",
        fields={"response": "response", "file": "files", "attachment_ids": "files"},
        files=parts,
    )


@router.post("/demandes/{number}/reassignation")
async def reassign(request: Request, number: str) -> Response:
    """« Réassigner » to another agent of the directorate."""
    return await _text_command(
        request,
        number,
        name="agent_id",
        missing="Choisissez l'agent à qui confier la demande.",
        path="assignment",
        done="La demande est confiée à l'agent choisi : elle figure dans ses demandes suivies.",
        anchor="reassigner",
        key="agent_id",
    )


@router.post("/demandes/{number}/notes")
async def note(request: Request, number: str) -> Response:
    """A private note (agents only)."""
    return await _text_command(
        request,
        number,
        name="note",
        missing="Saisissez le texte de la note.",
        path="notes",
        done="Votre note privée est ajoutée.",
        anchor="notes",
    )


async def _text_command(
    request: Request, number: str, *, name: str, missing: str, path: str, done: str, anchor: str, key: str = "text"
) -> Response:
    """A command of one typed value (a question, a note, the agent chosen): required here, decided there."""
    session = _me(request)
    form, _ = await submitted(request)
    typed = form.required(name, missing)
    return await _act(
        request,
        session,
        number,
        form,
        path=path,
        done=done,
        anchor=anchor,
        fields={key: name},
        json={key: form.value(name).strip()} if typed else None,
    )


def _same_files(form: Form, files: list[UploadFile]) -> None:
    """A browser never keeps a file when a refused form comes back: the files sent are named in the form, and
    if it comes back the closing is refused until they are chosen again (or explicitly left out), so an
    irreversible answer never goes without the files the agent meant to send."""
    if files:
        form.values["fichiers_choisis"] = ", ".join(f.filename or "" for f in files)
    elif form.value("fichiers_choisis") and not form.checked("sans_fichiers"):
        form.error(
            "files",
            f"Vous aviez joint « {form.value('fichiers_choisis')} » : choisissez à nouveau ces fichiers, ou cochez "
            "« Clôturer sans les fichiers choisis la première fois ».",
        )


def _confirmed(form: Form, message: str) -> None:
    if not form.checked(CONFIRM):
        form.error(CONFIRM, message)


def _files(data: FormData) -> list[UploadFile]:
    return [f for f in data.getlist("files") if isinstance(f, UploadFile) and f.filename][:MAX_FILES]


@router.get("/demandes/{number}/contenu.pdf")
async def request_pdf(request: Request, number: str) -> Response:
    session = _me(request)
    return await _file(request, session, number, f"/api/v1/requests/{seg(number)}/pdf")


@router.get("/demandes/{number}/pieces-jointes/{attachment_id}")
async def attachment(request: Request, number: str, attachment_id: str) -> Response:
    session = _me(request)
    path = f"/api/v1/requests/{seg(number)}/attachments/{seg(attachment_id)}"
    return await _file(request, session, number, path)


async def _file(request: Request, session: Session, number: str, path: str) -> Response:
    try:
        return await stream(request, session, path)
    except Refused as refused:
        if refused.status == 403 or (refused.status == 404 and refused.field == "id"):
            raise _not_yours(number) from None
        raise
