"""Pages and fragments: Jinja2 templates (jinja2-fragments renders one block for an htmx request), with
the French formats of `contracts.french` as filters, in the territory's zone."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from babel.numbers import format_decimal
from jinja2_fragments.fastapi import Jinja2Blocks
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from contracts import french
from contracts.boxes import BOX_LABELS
from contracts.types import TERRITORY_ZONES
from portal.auth import spaces_of
from portal.session import session_of

TEMPLATES = Path(__file__).parent / "templates"
PAYMENT_METHODS = {
    "telepaiement": "Télépaiement",
    "carte_bancaire": "Carte bancaire",
    "virement": "Virement",
    "cheque": "Chèque",
    "numeraire": "Numéraire",
}
EVENT_LABELS = {
    "DeclarationDrafted": "Déclaration ouverte",
    "DeclarantDetailsSet": "Données de la déclaration enregistrées",
    "LineAdded": "Ligne ajoutée",
    "LineRemoved": "Ligne supprimée",
    "LineChanged": "Ligne modifiée",
    "AnnualTurnoverDeclared": "Chiffre d'affaires annuel de production déclaré (case 3)",
    "DeductionsEntered": "Cases d'octroi de mer et d'octroi de mer régional saisies",
    "DeclarationFiled": "Déclaration déposée",
    "PaymentRecorded": "Paiement enregistré",
    "DebitScheduled": "Prélèvement programmé",
    "PaymentReturned": "Paiement rejeté par la banque",
    "CorrectionOpened": "Déclaration rectificative ouverte",
    "DeclarationSuperseded": "Remplacée par une déclaration rectificative",
}
ROLE_LABELS = {
    "declarant": "Déclarant",
    "requester": "Demandeur",
    "agent": "Agent des douanes",
    "admin": "Administrateur",
    "auditor": "Auditeur",
    "comptable": "Comptable",
    "dpo": "Délégué à la protection des données",
    "system": "Le service",
}
QUALITIES = {"representant": "Représentant de l'entreprise", "mandataire": "Personne disposant d'un mandat"}


def euros(value: object) -> str:
    if value in (None, ""):
        return "—"
    try:
        return french.euros(Decimal(str(value)))
    except InvalidOperation:
        return str(value)


def amount_input(value: object) -> str:
    """An amount as a French input shows it back: `10 000,00` (typed text is kept as typed elsewhere)."""
    if value in (None, ""):
        return ""
    try:
        return french.amount(Decimal(str(value)))
    except InvalidOperation:
        return str(value)


def _rate(value: object) -> str:
    return "—" if value in (None, "") else french.rate(str(value))


def _day(value: object) -> str:
    return "—" if not value else french.day(str(value)[:10])


def instant_of(value: object) -> datetime:
    """An instant as a service gives it (ISO 8601), or already read."""
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def moment(value: object, territory: str = "971") -> str:
    if not value:
        return "—"
    return french.moment(instant_of(value), TERRITORY_ZONES.get(territory, TERRITORY_ZONES["971"]))


def day_in(value: object, territory: str = "971") -> str:
    """An instant's calendar day in the territory's zone: `30/04/2026`."""
    if not value:
        return "—"
    local = instant_of(value).astimezone(TERRITORY_ZONES.get(territory, TERRITORY_ZONES["971"]))
    return french.day(local.date().isoformat())


def _days_left(days: object) -> str:
    """What is left before a deadline, in words: `45 jours restants`, `Aujourd'hui`, `Dépassée de 3 jours`."""
    count = int(str(days))
    if count < 0:
        return f"Dépassée de {-count} jour{'s' if count < -1 else ''}"
    if count == 0:
        return "Échéance aujourd'hui"
    return f"{count} jour{'s' if count > 1 else ''} restant{'s' if count > 1 else ''}"


def _file_size(size: object) -> str:
    """`40 octets`, `12,3 Ko`, `4,5 Mo`."""
    count = int(str(size or 0))
    if count < 1024:
        return f"{count} octet{'s' if count > 1 else ''}"
    for unit, scale in (("Mo", 1024 * 1024), ("Ko", 1024)):
        if count >= scale:
            return f"{format_decimal(count / scale, format='#,##0.#', locale=french.LOCALE)} {unit}"
    return f"{count} octets"  # pragma: no cover


def declaration_name(declaration: Mapping[str, Any]) -> str:
    """What a declaration is called on its pages: « Déclaration du 3e trimestre 2026 », or « Déclaration
    rectificative n° 1 — 3e trimestre 2026 » for the first déclaration rectificative of that quarter."""
    corrective = int(declaration.get("corrective") or 0)
    if corrective:
        return f"Déclaration rectificative n° {corrective} — {declaration['period']}"
    return f"Déclaration du {declaration['period']}"


def change(after: object, before: object) -> str:
    """What an amount became against what it was, signed: `+1 250,00 €`, `−300,00 €`, `0,00 €`."""
    try:
        moved = Decimal(str(after)) - Decimal(str(before))
    except InvalidOperation:
        return "—"
    sign = "+" if moved > 0 else "−" if moved < 0 else ""
    return f"{sign}{french.euros(abs(moved))}"


def _box(key: str) -> str:
    return key.replace("bis", " bis")


def _groups_of_four(value: object) -> str:
    """An IBAN or a creditor reference as people read and type it: « FR76 3000 6000 0112 3456 7890 189 »."""
    compact = "".join(str(value or "").split())
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))


def _paragraphs(text: object) -> Markup:
    """A text typed by a person, its line breaks kept, escaped."""
    escaped = Markup.escape(str(text or ""))
    return Markup("<br>").join(escaped.split("\n"))


def templates() -> Jinja2Blocks:
    engine = Jinja2Blocks(directory=str(TEMPLATES))
    env = engine.env
    env.filters.update(
        euros=euros,
        amount_input=amount_input,
        rate=_rate,
        day=_day,
        long_day=lambda v: "—" if not v else french.long_day(str(v)[:10]),
        moment=moment,
        day_in=day_in,
        days_left=_days_left,
        box=_box,
        file_size=_file_size,
        paragraphs=_paragraphs,
        payment=lambda v: PAYMENT_METHODS.get(str(v), str(v or "—")),
        quality=lambda v: QUALITIES.get(str(v), str(v or "—")),
        territory_name=lambda t: french.TERRITORY_NAMES.get(str(t), str(t)),
        iban=_groups_of_four,
        options=lambda items: [(item["code"], item["label"]) for item in items or []],
        declaration_name=declaration_name,
        change=change,
    )
    env.globals.update(
        spaces_of=spaces_of,  # « Mes espaces » in the header
        BOX_LABELS=BOX_LABELS,
        PAYMENT_METHODS=PAYMENT_METHODS,
        QUALITIES=QUALITIES,
        EVENT_LABELS=EVENT_LABELS,
        ROLE_LABELS=ROLE_LABELS,
    )
    env.trim_blocks = True
    env.lstrip_blocks = True
    # The DSFR table frame, for every template and every fragment htmx asks for (a block rendered alone does
    # not run its template's imports).
    env.globals["frames"] = env.get_template("table.html").module
    return engine


def see_other(url: str) -> RedirectResponse:
    """After a POST, the page to GET (303)."""
    return RedirectResponse(url, status_code=303)


def is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-Boosted") != "true"


def render(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    status: int = 200,
    block: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """A whole page, or only `block` when htmx asks for a piece of it (never for a boosted navigation)."""
    engine: Jinja2Blocks = request.app.state.templates
    session = session_of(request)
    values = {
        "request": request,
        "session": session,
        "settings": request.app.state.settings,
        "csrf": session.csrf,
        "flash": [] if is_htmx(request) else session.messages(),  # a piece of a page shows no message
        **(context or {}),
    }
    chosen = block if block is not None and is_htmx(request) else None
    if status == 422 and request.headers.get("HX-Request") == "true":
        status = 200  # htmx swaps it either way; a 4xx would only log a network error in the console
    response = engine.TemplateResponse(request, template, values, status_code=status, block_name=chosen)
    if request.method != "GET" and request.headers.get("HX-Request") == "true":
        # A form shown again (refused) is the answer to a POST: its address must not enter the history, or
        # « Précédent » and « Actualiser » would open the POST's address by GET. The page's address stays.
        response.headers["HX-Push-Url"] = "false"
    for key, value in (headers or {}).items():
        response.headers[key] = value
    if template == "error.html" and request.headers.get("HX-Request") == "true":
        # An error met by a piece of a page (a poll, a list refreshed) replaces the whole page, not the piece.
        response.headers["HX-Retarget"] = "body"
        response.headers["HX-Reswap"] = "innerHTML"
        response.headers["HX-Reselect"] = "#page"  # else the piece's own hx-select finds nothing in it
    return response
