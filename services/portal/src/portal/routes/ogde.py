"""OGDE screens, in the manual's wording: « Accueil », « Nouvelle demande » step by step, « Mes demandes » in
four tabs, « Détail de la demande n° … » with its exchanges and attachments, « Documents ».

« Nouvelle demande » keeps nothing on the server between steps: every step posts all that was typed so far
(the other steps' values as hidden fields), so « Retour » loses nothing and the journey works without
JavaScript. The service decides at « Créer la demande »; a refusal brings the person back to the step of the
field at fault, with the message next to it. The lists and what each nature asks come from the referentials.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response, StreamingResponse
from starlette.background import BackgroundTask
from starlette.datastructures import FormData, UploadFile

from portal.auth import person
from portal.backends import Refused, backends_of, seg
from portal.forms import MAX_FILES, Form, submitted, uploaded
from portal.rendering import render, see_other
from portal.session import Session

router = APIRouter(prefix="/ogde")

STEPS = (
    ("demandeur", "Demandeur"),
    ("caracteristiques", "Caractéristiques"),
    ("champs", "Champs d'application"),
    ("demande", "Demande"),
    ("pieces", "Pièces jointes"),
)
STEP_OF_FIELD = {
    "requester_type": "demandeur",
    "siret": "demandeur",
    "represented_siren": "demandeur",
    "email": "demandeur",
    "nature": "caracteristiques",
    "category": "caracteristiques",
    "sub_category": "caracteristiques",
    "previous_request": "caracteristiques",
    "contested_rescrit_date": "caracteristiques",
    "contested_rescrit_reference": "caracteristiques",
    "fields": "champs",
    "subject": "demande",
    "description": "demande",
}
COMPANY_CHOICE = ("company_name", "company_siret", "represents")
"""Fields of the « Demandeur » step that are the form's own (the company chosen), not the service's."""
TYPED = tuple(name for name, step in STEP_OF_FIELD.items() if step != "champs" and name != "email")
"""What the person types (the fields of application are chosen apart; the e-mail comes from the account)."""
WIZARD_FIELDS = (*COMPANY_CHOICE, *TYPED)
TABS = (
    ("deposees", "Déposées"),
    ("prises-en-charge", "Prises en charge"),
    ("refusees", "Refusées"),
    ("cloturees", "Clôturées"),
)


def _me(request: Request) -> Session:
    return person(request, "requester")


async def referentials(request: Request) -> dict[str, Any]:
    cached: dict[str, Any] | None = getattr(request.app.state, "ogde_referentials", None)
    if cached is None:
        cached = await backends_of(request).essoc.get("/api/v1/referentials", None)
        request.app.state.ogde_referentials = cached
    return cached


@router.get("")
async def home(request: Request) -> Response:
    """« Accueil »: the menu, and where the person's requests stand."""
    session = _me(request)
    found = await backends_of(request).essoc.get("/api/v1/requests", session.token, per_page=1)
    return render(request, "ogde/home.html", {"title": "Accueil", "counts": found["counts"], "tabs": TABS})


# ---- « Nouvelle demande » ---------------------------------------------------------------------------


def _fields_chosen(data: FormData) -> list[str]:
    return [v for v in data.getlist("fields") if isinstance(v, str) and "::" in v][:20]


def _wizard(
    request: Request,
    form: Form,
    step: str,
    chosen: list[str],
    refs: dict[str, Any],
    status: int = 200,
    company: dict[str, Any] | None = None,
) -> Response:
    index = next(i for i, (slug, _) in enumerate(STEPS) if slug == step)
    nature = form.value("nature")
    return render(
        request,
        "ogde/new.html",
        {
            "title": f"Nouvelle demande — {STEPS[index][1]}",
            "form": form,
            "step": step,
            "index": index + 1,
            "steps": STEPS,
            "chosen": chosen,
            "refs": refs,
            "rules": refs["forms"].get(nature, {}),
            "hidden": [name for name in WIZARD_FIELDS if name not in _visible(step)],
            "company": company,
        },
        status=status,
    )


def _visible(step: str) -> tuple[str, ...]:
    extra = COMPANY_CHOICE if step == "demandeur" else ()
    return (*extra, *(name for name in TYPED if STEP_OF_FIELD[name] == step))


@router.get("/nouvelle-demande")
async def new_request(request: Request) -> Response:
    _me(request)
    return _wizard(request, Form(), "demandeur", [], await referentials(request))


def _check(form: Form, step: str, chosen: list[str], refs: dict[str, Any]) -> None:
    """What the form itself asks before going on: the presence of each answer (the service checks the rest)."""
    if step == "demandeur":
        kind = form.required("requester_type", "Indiquez si vous êtes une entreprise ou un particulier.")
        if kind == "entreprise":
            siret = form.required("siret", "Saisissez le SIRET de l'entreprise.")
            if siret and form.value("company_siret") != "".join(siret.split()):
                form.error(
                    "siret", "Cliquez sur « Choisir une entreprise » puis « Valider » pour confirmer l'entreprise."
                )
        if form.checked("represents"):
            form.required("represented_siren", "Saisissez le SIREN de l'entreprise que vous représentez.")
    elif step == "caracteristiques":
        nature = form.required("nature", "Choisissez la nature de la demande.")
        form.required("category", "Choisissez la catégorie.")
        rules = refs["forms"].get(nature or "", {})
        if rules.get("sub_category"):
            form.required("sub_category", "Choisissez la direction compétente (sous-catégorie).")
        if rules.get("previous_request"):
            form.day("contested_rescrit_date")  # a date the person typed must read as one; the service says the rest
    elif step == "champs":
        rules = refs["forms"].get(form.value("nature"), {})
        if not chosen:
            form.error("fields", "Choisissez au moins un champ d'application.")
        elif rules.get("max_fields") and len(chosen) > rules["max_fields"]:
            most = rules["max_fields"]
            form.error(
                "fields",
                f"Cette nature de demande porte sur {most} champ{'s' if most > 1 else ''} d'application au plus.",
            )
    elif step == "demande":
        form.required("subject", "L'objet de la demande est obligatoire.")
        form.required("description", "La description de la demande est obligatoire.")


@router.post("/nouvelle-demande")
async def new_request_step(request: Request) -> Response:
    """One step posted: « Suivant » (checked), « Retour » (kept, not checked), « Choisir une entreprise »,
    « Valider », « Annuler », or « Créer la demande » at the last step."""
    session = _me(request)
    form, data = await submitted(request)
    refs = await referentials(request)
    chosen = _fields_chosen(data)
    step = form.value("step") if form.value("step") in dict(STEPS) else "demandeur"
    action = form.value("action")
    slugs = [slug for slug, _ in STEPS]
    here = slugs.index(step)
    form.values.pop("step", None)
    form.values.pop("action", None)
    if action == "annuler":
        session.say("La saisie de la demande a été abandonnée.")
        return see_other("/ogde")
    if action == "retour":
        return _wizard(request, form, slugs[max(0, here - 1)], chosen, refs)
    if action in ("choisir-entreprise", "valider-entreprise"):
        return await _company(request, session, form, chosen, refs, confirm=action == "valider-entreprise")
    if step == "caracteristiques" and action == "actualiser":  # the lists of another nature, without JavaScript
        return _wizard(request, form, step, chosen, refs)
    _check(form, step, chosen, refs)
    if not form.ok:
        return _wizard(request, form, step, chosen, refs, status=422)
    if step != "pieces":
        return _wizard(request, form, slugs[here + 1], chosen, refs)
    return await _create(request, session, form, data, chosen, refs)


async def _company(
    request: Request, session: Session, form: Form, chosen: list[str], refs: dict[str, Any], *, confirm: bool
) -> Response:
    """« Choisir une entreprise »: the raison sociale of the SIRET, shown before « Valider »."""
    siret = "".join(form.value("siret").split())
    if not siret:
        form.error("siret", "Saisissez le SIRET de l'entreprise.")
        return _wizard(request, form, "demandeur", chosen, refs, status=422)
    try:
        company = await backends_of(request).essoc.get(f"/api/v1/companies/{seg(siret)}", session.token)
    except Refused as refused:
        form.values.pop("company_siret", None)
        form.error("siret", refused.detail)
        return _wizard(request, form, "demandeur", chosen, refs, status=422)
    if confirm:
        form.values["company_siret"] = company["siret"]
        form.values["company_name"] = company["company_name"]
        form.values["siret"] = company["siret"]
        return _wizard(request, form, "demandeur", chosen, refs)
    form.values.pop("company_siret", None)
    return _wizard(request, form, "demandeur", chosen, refs, company=company)


def _filing(form: Form, chosen: list[str]) -> dict[str, Any]:
    body: dict[str, Any] = {
        "requester_type": form.value("requester_type"),
        "nature": form.value("nature"),
        "category": form.value("category"),
        "fields": [{"domain": c.split("::", 1)[0], "sub_domain": c.split("::", 1)[1]} for c in chosen],
        "subject": form.value("subject").strip(),
        "description": form.value("description").strip(),
    }
    for name in ("siret", "sub_category", "previous_request", "contested_rescrit_reference"):
        value = "".join(form.value(name).split()) if name == "siret" else form.value(name).strip()
        if value and not (name == "siret" and body["requester_type"] != "entreprise"):
            body[name] = value
    if (contested := form.day("contested_rescrit_date")) is not None:
        body["contested_rescrit_date"] = contested.isoformat()
    if form.checked("represents") and form.value("represented_siren").strip():
        body["represented_siren"] = "".join(form.value("represented_siren").split())
    return body


async def _create(
    request: Request, session: Session, form: Form, data: FormData, chosen: list[str], refs: dict[str, Any]
) -> Response:
    """« Créer la demande », then its attachments (checked first against what the service accepts)."""
    files = [f for f in data.getlist("files") if isinstance(f, UploadFile) and f.filename][:MAX_FILES]
    allowed = refs["attachments"]["extensions"]
    for file in files:
        extension = (file.filename or "").rsplit(".", 1)[-1].lower() if "." in (file.filename or "") else ""
        if extension not in allowed:
            form.error(
                "files", f"« {file.filename} » : extension non autorisée. Extensions autorisées : {', '.join(allowed)}."
            )
        elif file.size is not None and file.size > refs["attachments"]["max_bytes"]:
            form.error(
                "files",
                f"« {file.filename} » dépasse la taille maximale ({refs['attachments']['max_bytes'] / 1048576:g} Mo).",
            )
    if not form.ok:
        return _wizard(request, form, "pieces", chosen, refs, status=422)
    try:
        created = await backends_of(request).essoc.command(
            "POST", "/api/v1/requests", session.token or "", key=form.key, json=_filing(form, chosen)
        )
    except Refused as refused:
        field = (refused.field or "").split("[", 1)[0].split(".", 1)[0]
        step = STEP_OF_FIELD.get(field, "demandeur")
        if field in STEP_OF_FIELD and field in (*_visible(step), "fields"):
            form.error(field, refused.detail)
        else:
            form.tell(refused.detail)
        return _wizard(request, form, step, chosen, refs, status=refused.status)
    failed: list[str] = []
    for index, file in enumerate(files):
        try:
            await backends_of(request).essoc.command(
                "POST",
                f"/api/v1/requests/{seg(created['id'])}/attachments",
                session.token or "",
                key=f"{form.key}-piece-{index}",
                files={"file": (file.filename, await file.read(), file.content_type or "application/octet-stream")},
            )
        except Refused as refused:
            failed.append(f"{file.filename} : {refused.detail}")
    session.say(f"Votre demande n° {created['number']} est créée. Un accusé de réception vous est envoyé par courriel.")
    for message in failed:
        session.say(f"Pièce jointe non ajoutée — {message} Ajoutez-la depuis le détail de la demande.")
    return see_other(f"/ogde/demandes/{created['number']}")


# ---- « Mes demandes » and the detail ----------------------------------------------------------------


@router.get("/demandes")
async def my_requests(request: Request, onglet: str = "deposees", page: int = 1) -> Response:
    """« Mes demandes »: the four tabs with their counts, 20 rows a page."""
    session = _me(request)
    tab = onglet if onglet in dict(TABS) else "deposees"
    found = await backends_of(request).essoc.get(
        "/api/v1/requests", session.token, tab=tab, page=max(1, min(page, 10_000)), per_page=20
    )
    return render(request, "ogde/list.html", {"title": "Mes demandes", "found": found, "tab": tab, "tabs": TABS})


async def _detail(request: Request, session: Session, number: str) -> dict[str, Any]:
    try:
        detail: dict[str, Any] = await backends_of(request).essoc.get(f"/api/v1/requests/{seg(number)}", session.token)
    except Refused as refused:
        if refused.status in (403, 404, 422):
            raise HTTPException(404) from None
        raise
    return detail


def _detail_page(
    request: Request, detail: dict[str, Any], form: Form | None = None, status: int = 200, anchor: str | None = None
) -> Response:
    return render(
        request,
        "ogde/detail.html",
        {
            "title": f"Détail de la demande n° {detail['number']}",
            "detail": detail,
            "form": form or Form(),
            "anchor": anchor,
            "open": detail["tab"] in ("deposees", "prises-en-charge"),
        },
        status=status,
    )


@router.get("/demandes/{number}")
async def request_detail(request: Request, number: str) -> Response:
    """« Détail de la demande n° … »."""
    session = _me(request)
    return _detail_page(request, await _detail(request, session, number))


@router.post("/demandes/{number}/questions/{question_id}/reponse")
async def answer(request: Request, number: str, question_id: str) -> Response:
    """« Répondre » to a question of the service."""
    session = _me(request)
    form, _ = await submitted(request)
    name = f"answer-{question_id}"
    text = form.required(name, "Saisissez votre réponse.")
    if text:
        try:
            await backends_of(request).essoc.command(
                "POST",
                f"/api/v1/requests/{seg(number)}/questions/{seg(question_id)}/answer",
                session.token or "",
                key=form.key,
                json={"text": form.value(name).strip()},
            )
        except Refused as refused:
            form.error(name, refused.detail)
        else:
            session.say("Votre réponse est envoyée au service.")
            return see_other(f"/ogde/demandes/{number}#echanges")
    return _detail_page(request, await _detail(request, session, number), form, status=422, anchor="echanges")


@router.post("/demandes/{number}/complements")
async def complement(request: Request, number: str) -> Response:
    """« Ajouter un complément »."""
    session = _me(request)
    form, _ = await submitted(request)
    if form.required("complement", "Saisissez le complément à ajouter."):
        try:
            await backends_of(request).essoc.command(
                "POST",
                f"/api/v1/requests/{seg(number)}/complements",
                session.token or "",
                key=form.key,
                json={"text": form.value("complement").strip()},
            )
        except Refused as refused:
            form.error("complement", refused.detail)
        else:
            session.say("Votre complément est ajouté à la demande.")
            return see_other(f"/ogde/demandes/{number}#echanges")
    return _detail_page(request, await _detail(request, session, number), form, status=422, anchor="echanges")


@router.post("/demandes/{number}/pieces-jointes")
async def attachment_add(request: Request, number: str) -> Response:
    """« Ajouter une pièce jointe »."""
    session = _me(request)
    form, data = await submitted(request)
    file = uploaded(data, "file")
    if file is None:
        form.error("file", "Choisissez le fichier à joindre.")
    else:
        try:
            await backends_of(request).essoc.command(
                "POST",
                f"/api/v1/requests/{seg(number)}/attachments",
                session.token or "",
                key=form.key,
                files={"file": (file.filename, await file.read(), file.content_type or "application/octet-stream")},
            )
        except Refused as refused:
            form.error("file", refused.detail)
        else:
            session.say(f"La pièce jointe « {file.filename} » est ajoutée.")
            return see_other(f"/ogde/demandes/{number}#pieces-jointes")
    return _detail_page(request, await _detail(request, session, number), form, status=422, anchor="pieces-jointes")


@router.post("/demandes/{number}/pieces-jointes/{attachment_id}/suppression")
async def attachment_remove(request: Request, number: str, attachment_id: str) -> Response:
    session = _me(request)
    form, _ = await submitted(request)
    try:
        await backends_of(request).essoc.command(
            "DELETE",
            f"/api/v1/requests/{seg(number)}/attachments/{seg(attachment_id)}",
            session.token or "",
            key=form.key,
        )
    except Refused as refused:
        session.say(refused.detail)
    else:
        session.say("La pièce jointe est supprimée.")
    return see_other(f"/ogde/demandes/{number}#pieces-jointes")


@router.get("/demandes/{number}/pieces-jointes/{attachment_id}")
async def attachment_download(request: Request, number: str, attachment_id: str) -> Response:
    session = _me(request)
    return await stream(request, session, f"/api/v1/requests/{seg(number)}/attachments/{seg(attachment_id)}")


@router.get("/demandes/{number}/contenu.pdf")
async def request_pdf(request: Request, number: str) -> Response:
    """« Télécharger le contenu de la demande (PDF) »."""
    session = _me(request)
    return await stream(request, session, f"/api/v1/requests/{seg(number)}/pdf")


SAFE_TYPES = {"application/pdf", "image/png", "image/jpeg", "image/gif", "text/plain"}


async def stream(request: Request, session: Session, path: str) -> Response:
    """A file from essoc, streamed through: always as a download (never shown in the portal's origin), its
    type kept only when harmless, the connection to essoc closed whether or not the person reads it all."""
    backend = backends_of(request).essoc
    context = backend.download(path, session.token or "", if_none_match=request.headers.get("if-none-match"))
    got = await context.__aenter__()
    if got.status_code == 304:  # the browser's copy is current (a document's ETag)
        await context.__aexit__(None, None, None)
        kept = {k: got.headers[k] for k in ("etag", "cache-control") if k in got.headers}
        return Response(status_code=304, headers=kept)
    kind = got.headers.get("content-type", "").split(";")[0].strip().lower()
    headers = {
        "Content-Type": kind if kind in SAFE_TYPES else "application/octet-stream",
        "Content-Disposition": _as_attachment(got.headers.get("content-disposition", "")),
        "X-Content-Type-Options": "nosniff",
    }
    if got.headers.get("content-length", "").isdigit():
        headers["Content-Length"] = got.headers["content-length"]
    for name in ("ETag", "Cache-Control"):  # a document's: cached by the browser, revalidated by its ETag
        if name.lower() in got.headers:
            headers[name] = got.headers[name.lower()]

    async def close() -> None:
        await context.__aexit__(None, None, None)

    return StreamingResponse(got.aiter_bytes(), headers=headers, background=BackgroundTask(close))


def _as_attachment(disposition: str) -> str:
    """The service's file name, always as an attachment."""
    _, _, parameters = disposition.partition(";")
    return "attachment;" + parameters if parameters.strip() else "attachment"


@router.get("/documents")
async def documents(request: Request) -> Response:
    """« Documents » (manual §6): the user guide and the blank request forms, each downloaded through the
    portal."""
    session = _me(request)
    found = await backends_of(request).essoc.get("/api/v1/documents", session.token)
    return render(request, "ogde/documents.html", {"title": "Documents", "documents": found.get("items", [])})


@router.get("/documents/{document_id}")
async def document_download(request: Request, document_id: str) -> Response:
    session = _me(request)
    return await stream(request, session, f"/api/v1/documents/{seg(document_id)}")
