"""DOMINO-NG screens, in the manual's order and wording: the relation, the home, the declaration screen by
screen (Données, Annexe A, Annexe B, Champs calculés, Octroi de mer, Octroi de mer régional,
Récapitulatif), filing and its receipt, the search, the office; and, for producers with many products,
« Importer des lignes » and « Reprendre les produits du trimestre précédent ».

Every read and command goes to the services' APIs with the person's token; nothing here decides a rule: a
refusal comes back with its field, and its message is shown next to that field, what was typed kept.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from contracts import french
from contracts.boxes import ART19_BOXES, LATE_DEDUCTION_BOXES, OM_BOXES, OMR_BOXES, TYPED_BOXES
from portal.auth import person
from portal.backends import Refused, backends_of, seg
from portal.forms import Form, submitted, uploaded
from portal.rendering import amount_input, render, see_other
from portal.session import Session

router = APIRouter(prefix="/domino")

STEPS = (
    ("donnees", "Données de la déclaration"),
    ("annexe-a", "Annexe A — Ventes internes"),
    ("annexe-b", "Annexe B — Exportations"),
    ("champs-calcules", "Champs calculés"),
    ("octroi-de-mer", "Octroi de mer"),
    ("octroi-de-mer-regional", "Octroi de mer régional"),
    ("recapitulatif", "Récapitulatif"),
)
ANNEXES = {"a": "A", "b": "B"}
MAX_IMPORT_BYTES = 5 * 1024 * 1024
TAXES = {
    "om": ("octroi-de-mer", "Octroi de mer", OM_BOXES),
    "omr": ("octroi-de-mer-regional", "Octroi de mer régional", OMR_BOXES),
}


def _me(request: Request) -> Session:
    return person(request, "declarant", "admin")


async def _relations(request: Request, session: Session) -> list[dict[str, Any]]:
    relations: list[dict[str, Any]] = await backends_of(request).declarations.get("/api/v1/relations", session.token)
    return relations


async def _home(request: Request, session: Session) -> dict[str, Any]:
    """The chosen relation's home (relation, office, quarter due, late quarters)."""
    if not session.relation_id:
        raise ChooseRelation()
    try:
        home: dict[str, Any] = await backends_of(request).declarations.get(
            f"/api/v1/relations/{seg(session.relation_id)}/home", session.token
        )
    except Refused:
        session.relation_id = None
        raise ChooseRelation() from None
    return home


class ChooseRelation(Exception):
    """A page of a relation, and no relation chosen yet: the choice first (the app redirects to /domino)."""


# ---- relation and home ------------------------------------------------------------------------------


@router.get("")
async def relation_choice(request: Request, changer: bool = False) -> Response:
    """« Bienvenue dans l'application Domino »: the relation table; with one relation, straight home."""
    session = _me(request)
    relations = await _relations(request, session)
    if len(relations) == 1 and not changer:
        session.relation_id = relations[0]["id"]
        return see_other("/domino/accueil")
    if session.relation_id and not changer and any(r["id"] == session.relation_id for r in relations):
        return see_other("/domino/accueil")
    return render(
        request, "domino/relations.html", {"title": "Bienvenue dans l'application Domino", "relations": relations}
    )


@router.post("/relation")
async def choose_relation(request: Request) -> Response:
    session = _me(request)
    form, _ = await submitted(request)
    relations = await _relations(request, session)
    chosen = form.value("relation_id")
    if not any(r["id"] == chosen for r in relations):
        form.error("relation_id", "Choisissez l'une de vos relations.")
        return render(
            request,
            "domino/relations.html",
            {"title": "Bienvenue dans l'application Domino", "relations": relations, "form": form},
            status=422,
        )
    session.relation_id = chosen
    return see_other("/domino/accueil")


@router.get("/accueil")
async def home(request: Request) -> Response:
    """« Que souhaitez-vous faire? »"""
    session = _me(request)
    data = await _home(request, session)
    return render(request, "domino/home.html", {"title": "Que souhaitez-vous faire ?", "home": data, "form": Form()})


@router.get("/bureau")
async def office(request: Request) -> Response:
    """« Voir les coordonnées de mon bureau de douane »."""
    session = _me(request)
    data = await _home(request, session)
    return render(request, "domino/office.html", {"title": "Mon bureau de douane", "home": data})


@router.get("/recherche")
async def search(request: Request, annee: str = "", trimestre: str = "", etat: str = "", page: int = 1) -> Response:
    """« Rechercher une déclaration » (année, trimestre, état)."""
    session = _me(request)
    data = await _home(request, session)
    form = Form(values={"annee": annee, "trimestre": trimestre, "etat": etat})
    year = annee.strip() if annee.strip().isdigit() and len(annee.strip()) == 4 else None
    if annee.strip() and year is None:
        form.error("annee", "L'année s'écrit sur quatre chiffres, par exemple 2026.")
    quarter = trimestre if trimestre in ("1", "2", "3", "4") else None
    status = etat if etat in ("draft", "filed") else None
    found = await backends_of(request).declarations.get(
        "/api/v1/declarations",
        session.token,
        relation_id=session.relation_id,
        year=year,
        quarter=quarter,
        status=status,
        page=max(1, min(page, 10_000)),
        per_page=20,
    )
    query = urlencode({k: v for k, v in form.values.items() if v})
    return render(
        request,
        "domino/search.html",
        {"title": "Rechercher une déclaration", "home": data, "form": form, "found": found, "query": query},
    )


@router.post("/declarations")
async def start(request: Request) -> Response:
    """« Déclarer »: opens the quarter's declaration (or the one already open) at its first screen."""
    session = _me(request)
    form, _ = await submitted(request)
    body = {
        "relation_id": session.relation_id,
        "year": _int(form.value("year")),
        "quarter": _int(form.value("quarter")),
    }
    try:
        created = await backends_of(request).declarations.command(
            "POST", "/api/v1/declarations", session.token or "", key=form.key, json=body
        )
    except Refused as refused:
        if refused.code == "declaration-existante" and refused.extra.get("existing_id"):
            return see_other(f"/domino/declarations/{refused.extra['existing_id']}")
        data = await _home(request, session)
        form.refuse(refused)
        return render(
            request,
            "domino/home.html",
            {"title": "Que souhaitez-vous faire ?", "home": data, "form": form},
            status=refused.status,
        )
    return see_other(f"/domino/declarations/{created['id']}/donnees")


def _int(text: str) -> int | None:
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 4 else None


# ---- the declaration, screen by screen -------------------------------------------------------------


async def _declaration(request: Request, session: Session, declaration_id: str) -> dict[str, Any]:
    try:
        detail: dict[str, Any] = await backends_of(request).declarations.get(
            f"/api/v1/declarations/{seg(declaration_id)}", session.token
        )
    except Refused as refused:
        if refused.status in (403, 404, 422):
            raise HTTPException(404) from None
        raise
    if session.relation_id != detail["relation_id"]:
        session.relation_id = detail["relation_id"]
    return detail


def _page(
    request: Request,
    template: str,
    declaration: dict[str, Any],
    step: str | None,
    *,
    form: Form | None = None,
    status: int = 200,
    block: str | None = None,
    **extra: Any,
) -> Response:
    titles = dict(STEPS)
    if "annex" in extra:
        extra["slug"] = str(extra["annex"]).lower()  # the annex in the pages' addresses: annexe-a, annexe-b
    context = {
        "title": f"{titles.get(step or '', extra.pop('title', 'Déclaration'))} — {declaration['period']}",
        "declaration": declaration,
        "steps": STEPS,
        "step": step,
        "form": form or Form(),
        **extra,
    }
    return render(request, template, context, status=status, block=block)


def _editable(declaration: dict[str, Any]) -> Response | None:
    """A filed declaration opens read-only."""
    if declaration["status"] != "draft":
        return see_other(f"/domino/declarations/{declaration['id']}")
    return None


@router.get("/declarations/{declaration_id}")
async def declaration_page(request: Request, declaration_id: str) -> Response:
    """A draft opens at its first screen; a filed declaration read-only, with its PDF and history."""
    session = _me(request)
    declaration = await _declaration(request, session, declaration_id)
    if declaration["status"] == "draft":
        return see_other(f"/domino/declarations/{declaration_id}/donnees")
    history = await backends_of(request).declarations.get(
        f"/api/v1/declarations/{seg(declaration_id)}/history", session.token
    )
    return _page(request, "domino/consult.html", declaration, None, title="Déclaration déposée", history=history)


@router.get("/declarations/{declaration_id}/donnees")
async def declarant_page(request: Request, declaration_id: str) -> Response:
    session = _me(request)
    declaration = await _declaration(request, session, declaration_id)
    if (closed := _editable(declaration)) is not None:
        return closed
    known = declaration.get("declarant") or {}
    form = Form(values={k: str(known.get(k) or "") for k in ("name", "quality", "place", "payment_method")})
    if not known.get("name"):
        form.values["name"] = session.display_name
    return _page(request, "domino/declarant.html", declaration, "donnees", form=form)


@router.post("/declarations/{declaration_id}/donnees")
async def declarant_save(request: Request, declaration_id: str) -> Response:
    session = _me(request)
    form, _ = await submitted(request)
    body = {k: form.value(k).strip() or None for k in ("name", "quality", "place", "payment_method")}
    try:
        await backends_of(request).declarations.command(
            "PUT", f"/api/v1/declarations/{seg(declaration_id)}/declarant", session.token or "", key=form.key, json=body
        )
    except Refused as refused:
        declaration = await _declaration(request, session, declaration_id)
        form.refuse(refused, {k: k for k in body})
        return _page(request, "domino/declarant.html", declaration, "donnees", form=form, status=refused.status)
    return see_other(f"/domino/declarations/{declaration_id}/annexe-a")


@router.get("/declarations/{declaration_id}/annexe-{annex}")
async def annex_page(request: Request, declaration_id: str, annex: str) -> Response:
    """The lines of an annex; their amounts appear as taxcalc assesses them (the table polls while pending)."""
    session = _me(request)
    letter = _annex(annex)
    declaration = await _declaration(request, session, declaration_id)
    if (closed := _editable(declaration)) is not None:
        return closed
    return _page(
        request,
        "domino/annex.html",
        declaration,
        f"annexe-{annex}",
        annex=letter,
        lines=declaration["lines"][letter],
        block="lines",
    )


def _annex(annex: str) -> str:
    if annex not in ANNEXES:
        raise HTTPException(404)
    return ANNEXES[annex]


@router.get("/declarations/{declaration_id}/annexe-{annex}/produit")
async def product_page(
    request: Request, declaration_id: str, annex: str, nomenclature: str = "", rates_date: str = ""
) -> Response:
    """« Ajouter un produit »: Nomenclature (and, for annexe A, Date d'application)."""
    session = _me(request)
    letter = _annex(annex)
    declaration = await _declaration(request, session, declaration_id)
    if (closed := _editable(declaration)) is not None:
        return closed
    form = Form(values={"nomenclature": nomenclature, "rates_date": _french_day(rates_date)})
    return _page(request, "domino/product.html", declaration, f"annexe-{annex}", form=form, annex=letter)


def _french_day(iso: str) -> str:
    if len(iso) == 10 and iso[4] == "-" and iso[7] == "-":
        return f"{iso[8:10]}/{iso[5:7]}/{iso[0:4]}"
    return iso


@router.post("/declarations/{declaration_id}/annexe-{annex}/produit")
async def product_choose(request: Request, declaration_id: str, annex: str) -> Response:
    """The product is checked against the tariff (annexe A: its rates on the date) before the sale is typed."""
    session = _me(request)
    letter = _annex(annex)
    form, _ = await submitted(request)
    declaration = await _declaration(request, session, declaration_id)
    nomenclature = form.required("nomenclature", "La nomenclature est obligatoire.")
    day = form.day("rates_date") if letter == "A" else None
    if letter == "A" and form.ok and nomenclature:
        when = day.isoformat() if day else _quarter_start(declaration)
        try:
            await backends_of(request).taxcalc.get(
                "/api/v1/rates", session.token, territory=declaration["territory"], nomenclature=nomenclature, date=when
            )
        except Refused as refused:
            form.refuse(refused, {"nomenclature": "nomenclature", "date": "rates_date"})
    if not form.ok:
        return _page(
            request, "domino/product.html", declaration, f"annexe-{annex}", form=form, annex=letter, status=422
        )
    query = {"nomenclature": nomenclature or ""}
    if day:
        query["rates_date"] = day.isoformat()
    return see_other(f"/domino/declarations/{declaration_id}/annexe-{annex}/vente?{urlencode(query)}")


def _checked_rates_date(form: Form) -> None:
    """The date of the rates comes back in the page's address and its hidden field as the service wrote it
    (2026-02-15); anything else (an address edited by hand) is dropped, with a message, never read as a date."""
    given = form.value("rates_date")
    if not given:
        return
    try:
        date.fromisoformat(given)
        valid = len(given) == 10
    except ValueError:
        valid = False
    if not valid:
        form.values["rates_date"] = ""
        form.tell(
            f"La date d'application « {french.echo(given)} » n'est pas une date : les taux sont ceux du premier jour "
            "du trimestre. Choisissez de nouveau le produit pour donner une autre date."
        )


def _quarter_start(declaration: dict[str, Any]) -> str:
    """The rates of a line typed without a date are those of the quarter's first day (the service says which)."""
    first: str = declaration["first_day"]
    return first


async def _rates(
    request: Request, session: Session, declaration: dict[str, Any], nomenclature: str, rates_date: str, cana: str
) -> tuple[dict[str, Any] | None, str | None]:
    """« Taux appliqués avec ces critères »: the rates taxcalc would apply, or why none apply."""
    try:
        rates: dict[str, Any] = await backends_of(request).taxcalc.get(
            "/api/v1/rates",
            session.token,
            territory=declaration["territory"],
            nomenclature=nomenclature,
            date=rates_date or _quarter_start(declaration),
            cana=cana or None,
        )
    except Refused as refused:
        return None, refused.detail
    return rates, None


@router.get("/declarations/{declaration_id}/annexe-{annex}/vente")
async def sale_page(
    request: Request, declaration_id: str, annex: str, nomenclature: str = "", rates_date: str = "", cana: str = ""
) -> Response:
    """« Ajouter une vente interne » (annexe A) or an export (annexe B), the rates shown before adding."""
    session = _me(request)
    letter = _annex(annex)
    declaration = await _declaration(request, session, declaration_id)
    if (closed := _editable(declaration)) is not None:
        return closed
    if not nomenclature:
        return see_other(f"/domino/declarations/{declaration_id}/annexe-{annex}/produit")
    form = Form(values={"nomenclature": nomenclature, "rates_date": rates_date, "cana": cana})
    return await _sale(request, session, declaration, annex, letter, form)


async def _sale(
    request: Request,
    session: Session,
    declaration: dict[str, Any],
    annex: str,
    letter: str,
    form: Form,
    status: int = 200,
) -> Response:
    rates, no_rate = (None, None)
    _checked_rates_date(form)
    if letter == "A":
        rates, no_rate = await _rates(
            request, session, declaration, form.value("nomenclature"), form.value("rates_date"), form.value("cana")
        )
        if no_rate and form.value("cana"):
            form.error("cana", no_rate)
    return _page(
        request,
        "domino/sale.html",
        declaration,
        f"annexe-{annex}",
        form=form,
        annex=letter,
        rates=rates,
        no_rate=no_rate,
        status=status,
        block="rates",
    )


@router.post("/declarations/{declaration_id}/annexe-{annex}/vente")
async def sale_add(request: Request, declaration_id: str, annex: str) -> Response:
    """« Ajouter ce produit »; « Actualiser les taux » (without JavaScript) shows the rates of the CANA chosen."""
    session = _me(request)
    letter = _annex(annex)
    form, _ = await submitted(request)
    declaration = await _declaration(request, session, declaration_id)
    if form.value("action") == "taux":
        return await _sale(request, session, declaration, annex, letter, form)
    price = form.amount("price_excl_tax", required=True, message="Le prix hors TVA et hors accises est obligatoire.")
    if not form.ok:
        return await _sale(request, session, declaration, annex, letter, form, status=422)
    line: dict[str, Any] = {"annex": letter, "nomenclature": form.value("nomenclature"), "price_excl_tax": price}
    if form.value("naf").strip():
        line["naf"] = form.value("naf").strip()
    if letter == "A":
        line["avitaillement"] = form.checked("avitaillement")
        if form.value("rates_date"):
            line["rates_date"] = form.value("rates_date")
        if form.value("cana"):
            line["cana"] = form.value("cana")
    else:
        line["rfs"] = form.checked("rfs")
    try:
        await backends_of(request).declarations.command(
            "POST", f"/api/v1/declarations/{seg(declaration_id)}/lines", session.token or "", key=form.key, json=line
        )
    except Refused as refused:
        form.refuse(refused, {k: k for k in ("price_excl_tax", "naf", "cana", "rfs", "avitaillement")})
        if refused.field in ("nomenclature", "rates_date"):
            form.tell(refused.detail)
        return await _sale(request, session, declaration, annex, letter, form, status=refused.status)
    session.say(f"Produit {form.value('nomenclature')} ajouté à l'annexe {letter}.")
    return see_other(f"/domino/declarations/{declaration_id}/annexe-{annex}")


@router.post("/declarations/{declaration_id}/lignes/{line_id}/suppression")
async def line_remove(request: Request, declaration_id: str, line_id: str) -> Response:
    session = _me(request)
    form, _ = await submitted(request)
    back = "b" if form.value("annex") == "B" else "a"
    try:
        await backends_of(request).declarations.command(
            "DELETE",
            f"/api/v1/declarations/{seg(declaration_id)}/lines/{seg(line_id)}",
            session.token or "",
            key=form.key,
        )
    except Refused as refused:
        session.say(refused.detail)
    else:
        session.say("Ligne supprimée.")
    return see_other(f"/domino/declarations/{declaration_id}/annexe-{back}")


# ---- many products: import and the previous quarter ------------------------------------------------


@router.get("/modele-lignes.csv")
async def import_template(request: Request) -> Response:
    session = _me(request)
    async with backends_of(request).declarations.download(
        "/api/v1/line-import/template.csv", session.token or ""
    ) as got:
        content = await got.aread()
    return Response(
        content,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="modele-lignes-annexes.csv"'},
    )


@router.get("/declarations/{declaration_id}/import")
async def import_page(request: Request, declaration_id: str) -> Response:
    """« Importer des lignes »."""
    session = _me(request)
    declaration = await _declaration(request, session, declaration_id)
    if (closed := _editable(declaration)) is not None:
        return closed
    return _page(request, "domino/import.html", declaration, "annexe-a", title="Importer des lignes")


@router.post("/declarations/{declaration_id}/import")
async def import_lines(request: Request, declaration_id: str) -> Response:
    session = _me(request)
    form, data = await submitted(request)
    declaration = await _declaration(request, session, declaration_id)
    file = uploaded(data, "fichier")
    report: list[dict[str, Any]] = []
    others = 0
    if file is None:
        form.error("fichier", "Choisissez le fichier CSV à importer.")
    else:
        content = await file.read(MAX_IMPORT_BYTES + 1)
        if len(content) > MAX_IMPORT_BYTES:
            form.error("fichier", "Le fichier dépasse 5 Mo : découpez-le en plusieurs fichiers.")
        else:
            try:
                done = await backends_of(request).declarations.command(
                    "POST",
                    f"/api/v1/declarations/{seg(declaration_id)}/lines/import",
                    session.token or "",
                    key=form.key,
                    content=content,
                    content_type="text/csv",
                )
            except Refused as refused:
                form.error("fichier", refused.detail)
                report = refused.errors
                others = int(refused.extra.get("other_errors") or 0)
            else:
                ignored = done.get("ignored_columns") or []
                note = f" Colonnes ignorées : {', '.join(ignored)}." if ignored else ""
                session.say(
                    f"{done['imported']} ligne{'s' if done['imported'] > 1 else ''} importée"
                    f"{'s' if done['imported'] > 1 else ''}.{note}"
                )
                return see_other(f"/domino/declarations/{declaration_id}/annexe-a")
    return _page(
        request,
        "domino/import.html",
        declaration,
        "annexe-a",
        form=form,
        report=report,
        others=others,
        title="Importer des lignes",
        status=422,
    )


async def _previous(request: Request, session: Session, declaration: dict[str, Any]) -> dict[str, Any] | None:
    year, quarter = declaration["year"], declaration["quarter"]
    year, quarter = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
    found = await backends_of(request).declarations.get(
        "/api/v1/declarations", session.token, relation_id=declaration["relation_id"], year=year, quarter=quarter
    )
    if not found["items"]:
        return None
    previous: dict[str, Any] = await backends_of(request).declarations.get(
        f"/api/v1/declarations/{seg(found['items'][0]['id'])}", session.token
    )
    return previous


def _products(previous: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The previous quarter's products, once each (a product split over a rate change is one product)."""
    seen: set[tuple[Any, ...]] = set()
    products: list[dict[str, Any]] = []
    for annex in ("A", "B"):
        for line in (previous or {}).get("lines", {}).get(annex, []):
            key = (annex, line["nomenclature"], line.get("cana"), line.get("naf"), bool(line.get("rfs")))
            if key not in seen:
                seen.add(key)
                products.append(
                    {
                        "annex": annex,
                        "nomenclature": line["nomenclature"],
                        "cana": line.get("cana"),
                        "naf": line.get("naf"),
                        "rfs": bool(line.get("rfs")),
                        "avitaillement": bool(line.get("avitaillement")),
                    }
                )
    return products


@router.get("/declarations/{declaration_id}/reprise")
async def carry_over_page(request: Request, declaration_id: str) -> Response:
    """« Reprendre les produits du trimestre précédent »: the products, their prices to fill."""
    session = _me(request)
    declaration = await _declaration(request, session, declaration_id)
    if (closed := _editable(declaration)) is not None:
        return closed
    previous = await _previous(request, session, declaration)
    return _page(
        request,
        "domino/carry_over.html",
        declaration,
        "annexe-a",
        previous=previous,
        products=_products(previous),
        title="Reprendre les produits du trimestre précédent",
    )


@router.post("/declarations/{declaration_id}/reprise")
async def carry_over(request: Request, declaration_id: str) -> Response:
    session = _me(request)
    form, _ = await submitted(request)
    declaration = await _declaration(request, session, declaration_id)
    previous = await _previous(request, session, declaration)
    products = _products(previous)
    lines: list[dict[str, Any]] = []
    rows: list[int] = []
    for index, product in enumerate(products):
        price = form.amount(f"price_{index}")
        if price is None:
            continue
        line = {k: v for k, v in product.items() if v not in (None, False)}
        if product["annex"] == "A":
            line.pop("rfs", None)
        else:
            line.pop("avitaillement", None)
        lines.append({**line, "price_excl_tax": price})
        rows.append(index)
    if form.ok and not lines:
        form.tell("Saisissez le prix d'au moins un produit vendu ou exporté ce trimestre.")
    if form.ok:
        try:
            done = await backends_of(request).declarations.command(
                "POST",
                f"/api/v1/declarations/{seg(declaration_id)}/lines/import",
                session.token or "",
                key=form.key,
                json={"lines": lines},
            )
        except Refused as refused:
            for error in refused.errors:
                row = error.get("row")
                if isinstance(row, int) and 1 <= row <= len(rows):
                    form.error(f"price_{rows[row - 1]}", str(error.get("message") or refused.detail))
            if not form.errors:
                form.tell(refused.detail)
        else:
            session.say(
                f"{done['imported']} produit{'s' if done['imported'] > 1 else ''} repris du trimestre précédent."
            )
            return see_other(f"/domino/declarations/{declaration_id}/annexe-a")
    return _page(
        request,
        "domino/carry_over.html",
        declaration,
        "annexe-a",
        form=form,
        previous=previous,
        products=products,
        title="Reprendre les produits du trimestre précédent",
        status=422,
    )


# ---- computed boxes, OM and OMR pages, recap, filing -----------------------------------------------


@router.get("/declarations/{declaration_id}/champs-calcules")
async def computed_page(request: Request, declaration_id: str) -> Response:
    """« Champs calculés »: boxes 1 and 2, and box 3 (annual turnover) on a Q4 declaration."""
    session = _me(request)
    declaration = await _declaration(request, session, declaration_id)
    if (closed := _editable(declaration)) is not None:
        return closed
    form = Form(values={"amount": _shown(declaration.get("annual_turnover"))})
    return _page(request, "domino/computed.html", declaration, "champs-calcules", form=form, block="totals")


def _shown(amount: object) -> str:
    return amount_input(amount)


@router.post("/declarations/{declaration_id}/champs-calcules")
async def computed_save(request: Request, declaration_id: str) -> Response:
    session = _me(request)
    form, _ = await submitted(request)
    declaration = await _declaration(request, session, declaration_id)
    if form.value("amount").strip():  # box 3: typed where the form offers it (the service says when it applies)
        amount = form.amount("amount")
        if form.ok:
            try:
                await backends_of(request).declarations.command(
                    "PUT",
                    f"/api/v1/declarations/{seg(declaration_id)}/annual-turnover",
                    session.token or "",
                    key=form.key,
                    json={"amount": amount},
                )
            except Refused as refused:
                form.refuse(refused, {"amount": "amount"})
        if not form.ok:
            return _page(request, "domino/computed.html", declaration, "champs-calcules", form=form, status=422)
    return see_other(f"/domino/declarations/{declaration_id}/octroi-de-mer")


@router.get("/declarations/{declaration_id}/recapitulatif")
async def recap_page(request: Request, declaration_id: str) -> Response:
    """« Aller à l'écran récapitulatif »: every box, the total to pay, the warnings."""
    session = _me(request)
    declaration = await _declaration(request, session, declaration_id)
    if (closed := _editable(declaration)) is not None:
        return closed
    return _page(request, "domino/recap.html", declaration, "recapitulatif", block="totals")


@router.get("/declarations/{declaration_id}/depot/confirmation")
async def filing_confirm(request: Request, declaration_id: str) -> Response:
    """The confirmation asked before filing: what will be filed, the total to pay."""
    session = _me(request)
    declaration = await _declaration(request, session, declaration_id)
    if (closed := _editable(declaration)) is not None:
        return closed
    return _page(request, "domino/file.html", declaration, "recapitulatif", title="Déposer la déclaration")


@router.post("/declarations/{declaration_id}/depot")
async def filing(request: Request, declaration_id: str) -> Response:
    """« Déposer la déclaration », at the version the person confirmed (If-Match): nothing else is filed."""
    session = _me(request)
    form, _ = await submitted(request)
    version = form.value("version")
    try:
        await backends_of(request).declarations.command(
            "POST",
            f"/api/v1/declarations/{seg(declaration_id)}/filing",
            session.token or "",
            key=form.key,
            headers={"If-Match": f'"{version}"'} if version.isdigit() else None,
        )
    except Refused as refused:
        declaration = await _declaration(request, session, declaration_id)
        if declaration["status"] == "filed":
            return see_other(f"/domino/declarations/{declaration_id}/accuse")
        if refused.code == "totaux-en-attente":
            form.tell(
                "Les montants de votre dernière modification sont en cours de calcul : patientez quelques "
                "secondes, vérifiez le récapitulatif puis déposez à nouveau."
            )
        elif refused.code == "conflit-de-version":
            form.tell(
                "La déclaration a changé depuis l'affichage du récapitulatif : vérifiez-le puis déposez à nouveau."
            )
        else:
            form.tell(refused.detail)
        return _page(request, "domino/recap.html", declaration, "recapitulatif", form=form, status=refused.status)
    return see_other(f"/domino/declarations/{declaration_id}/accuse")


@router.get("/declarations/{declaration_id}/accuse")
async def receipt(request: Request, declaration_id: str) -> Response:
    """The receipt page: filed when, the total to pay, the PDF."""
    session = _me(request)
    declaration = await _declaration(request, session, declaration_id)
    if declaration["status"] != "filed":
        return see_other(f"/domino/declarations/{declaration_id}/recapitulatif")
    return _page(request, "domino/receipt.html", declaration, None, title="Accusé de dépôt")


@router.get("/declarations/{declaration_id}/declaration.pdf")
async def receipt_pdf(request: Request, declaration_id: str) -> Response:
    session = _me(request)
    backend = backends_of(request).declarations
    try:
        async with backend.download(
            f"/api/v1/declarations/{seg(declaration_id)}/receipt.pdf", session.token or ""
        ) as got:
            content = await got.aread()
    except Refused as refused:  # someone else's declaration is as one that does not exist
        if refused.status in (403, 404):
            raise HTTPException(404) from None
        raise
    return Response(
        content,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="declaration-{declaration_id}.pdf"'},
    )


# The OM and OMR pages last: their path would otherwise catch the pages above.


@router.get("/declarations/{declaration_id}/{page}")
async def tax_page(request: Request, declaration_id: str, page: str) -> Response:
    """« Suivant: octroi de mer » (boxes 4–15) and « Suivant: octroi de mer régional » (16–27)."""
    tax = _tax(page)
    session = _me(request)
    declaration = await _declaration(request, session, declaration_id)
    if (closed := _editable(declaration)) is not None:
        return closed
    entered = (declaration.get("deductions") or {}).get(tax, {})
    form = Form(values=_deduction_values(tax, entered))
    return _tax_page(request, declaration, tax, form)


def _tax(page: str) -> str:
    for tax, (slug, _, _) in TAXES.items():
        if slug == page:
            return tax
    raise HTTPException(404)


def _deduction_values(tax: str, entered: dict[str, Any]) -> dict[str, str]:
    values = {f"{tax}.{box}": _shown(entered.get(box)) for box in TYPED_BOXES[tax]}
    for box in ART19_BOXES[tax]:
        if entered.get(f"{box}_art19_1"):
            values[f"{tax}.{box}_art19_1"] = "on"
    for box in LATE_DEDUCTION_BOXES[tax]:
        if entered.get(f"{box}_year"):
            values[f"{tax}.{box}_year"] = str(entered[f"{box}_year"])
    return values


def _tax_page(request: Request, declaration: dict[str, Any], tax: str, form: Form, status: int = 200) -> Response:
    slug, label, boxes = TAXES[tax]
    return _page(
        request,
        "domino/tax.html",
        declaration,
        slug,
        form=form,
        tax=tax,
        tax_label=label,
        boxes=boxes,
        typed=TYPED_BOXES[tax],
        art19=ART19_BOXES[tax],
        late=LATE_DEDUCTION_BOXES[tax],
        status=status,
        block="totals",
    )


@router.post("/declarations/{declaration_id}/{page}")
async def tax_save(request: Request, declaration_id: str, page: str) -> Response:
    session = _me(request)
    tax = _tax(page)
    form, _ = await submitted(request)
    declaration = await _declaration(request, session, declaration_id)
    other = "omr" if tax == "om" else "om"
    kept = (declaration.get("deductions") or {}).get(other, {})
    body: dict[str, dict[str, Any]] = {other: dict(kept), tax: {}}
    for box in TYPED_BOXES[tax]:
        typed = form.amount(f"{tax}.{box}")
        if typed is not None:  # a box left empty is not sent: the service reads it as nothing to declare
            body[tax][box] = typed
    for box in ART19_BOXES[tax]:
        body[tax][f"{box}_art19_1"] = form.checked(f"{tax}.{box}_art19_1")
    for box in LATE_DEDUCTION_BOXES[tax]:
        year = "".join(form.value(f"{tax}.{box}_year").split())
        if year:  # sent as typed: the service says what a year is and until when it may be claimed
            body[tax][f"{box}_year"] = year
    if not form.ok:
        return _tax_page(request, declaration, tax, form, status=422)
    version = form.value("version")
    try:
        await backends_of(request).declarations.command(
            "PUT",
            f"/api/v1/declarations/{seg(declaration_id)}/deductions",
            session.token or "",
            key=form.key,
            json=body,
            headers={"If-Match": f'"{version}"'} if version.isdigit() else None,
        )  # the other page's boxes are sent as read: at the version read, or refused
    except Refused as refused:
        if refused.code == "conflit-de-version":
            declaration = await _declaration(request, session, declaration_id)
            form.tell(
                "La déclaration a changé depuis l'affichage de cette page (dans un autre onglet ?) : "
                "vérifiez les montants puis enregistrez à nouveau."
            )
            return _tax_page(request, declaration, tax, form, status=409)
        field = refused.field or ""
        form.refuse(refused, {field: field})
        return _tax_page(request, declaration, tax, form, status=refused.status)
    following = "octroi-de-mer-regional" if tax == "om" else "recapitulatif"
    return see_other(f"/domino/declarations/{declaration_id}/{following}")
