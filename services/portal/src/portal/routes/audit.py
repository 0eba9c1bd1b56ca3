"""The auditors' space: the streams of each service's log, one stream as it stood at a date or a version (its
events, whether its chain of digests holds, the seal that covers it, the state the service folds from it), the
trace of a correlation id across the four services, and the seals with the keys that sign them.

Everything here is read through the services' `/api/v1/audit` endpoints with the auditor's token: each service
decides what the auditor may read (their territories) and refuses the rest, shown as the portal's French page.
Nothing is computed here but the merging of the four services' answers and the French dates typed.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import re
from collections.abc import Awaitable
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response

from chassis.http.inputs import IDENTIFIER_PATTERN
from contracts import french
from contracts.types import TERRITORY_ZONES
from portal.auth import person
from portal.backends import Backend, Refused, Unavailable, backends_of, seg
from portal.forms import Form
from portal.rendering import EVENT_LABELS, render, see_other
from portal.session import Session

router = APIRouter(prefix="/audit")

PER_PAGE = 20
SERVICES = {
    "declarations": "Déclarations",
    "taxcalc": "Calcul des taxes",
    "essoc": "Demandes ESSOC",
    "notifier": "Courriels",
}
"""The four services, in the order a declaration or a request travels through them."""
STREAM_TYPES = {
    "declarations": {"declaration": "Déclaration", "reminder": "Relances de dépôt"},
    "taxcalc": {"assessment": "Calcul d'une déclaration", "ledger": "Crédits reportés", "tariff": "Tarif"},
    "essoc": {"request": "Demande ESSOC"},
    "notifier": {"notification": "Courriel"},
}
AUDIT_EVENT_LABELS = {
    **EVENT_LABELS,
    "FilingReminderIssued": "Relance de dépôt envoyée",
    "TariffPublished": "Tarif publié",
    "LineAssessed": "Ligne liquidée",
    "TotalsProjected": "Totaux calculés",
    "DeclarationAssessed": "Déclaration liquidée",
    "CreditCarriedForward": "Crédit reporté",
    "RequestSubmitted": "Demande déposée",
    "RequestTakenInCharge": "Demande prise en charge",
    "RequestQuestioned": "Question posée au demandeur",
    "QuestionAnswered": "Réponse du demandeur",
    "ComplementAdded": "Complément ajouté",
    "AttachmentAdded": "Pièce jointe ajoutée",
    "AttachmentRemoved": "Pièce jointe supprimée",
    "AdmissibilityDecided": "Recevabilité décidée",
    "RequestReassigned": "Demande réassignée",
    "NoteAdded": "Note privée ajoutée",
    "DeadlineReached": "Échéance atteinte",
    "RequestClosed": "Demande clôturée",
    "NotificationSent": "Courriel envoyé",
    "NotificationFailed": "Courriel en échec",
}
ORIGINS = {"propre": "Écrit ici", "reçu": "Reçu"}
HOUR = re.compile(r"^(\d{1,2})\s*[:hH]\s*(\d{2})?$")
IDENTIFIER = re.compile(IDENTIFIER_PATTERN)
UTC_ZONE = ZoneInfo("UTC")


def _backend(request: Request, service: str) -> Backend:
    if service not in SERVICES:
        raise HTTPException(404)
    backend: Backend = getattr(backends_of(request), service)
    return backend


def _me(request: Request) -> Session:
    return person(request, "auditor", "admin")


def _territories(session: Session) -> list[str]:
    """The territories the person audits, as their token names them (an admin: all). Only to offer the
    choices: each service checks the token itself and answers for these territories only."""
    if session.role == "admin":
        return list(french.TERRITORY_NAMES)
    try:
        payload = (session.token or "").split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        named = [str(t) for t in claims.get("territories", [])] if isinstance(claims, dict) else []
    except (IndexError, ValueError, binascii.Error):
        named = []
    return [t for t in named if t in french.TERRITORY_NAMES] or list(french.TERRITORY_NAMES)


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _hour(form: Form, name: str) -> time | None:
    """`14:30`, `14h30`, `14 h` → the end of that minute (what was recorded during it is included)."""
    typed = form.value(name).strip()
    if not typed:
        return None
    found = HOUR.match(typed)
    hours, minutes = (int(found.group(1)), int(found.group(2) or 0)) if found else (99, 99)
    if hours > 23 or minutes > 59:
        form.error(name, "Saisissez une heure au format hh:mm, par exemple 14:30.")
        return None
    return time(hours, minutes, 59, 999_999)


# ---- the streams ---------------------------------------------------------------------------------------


def _period(since: date | None, until: date | None, territory: str) -> dict[str, str]:
    """The days typed as instants: in the territory's zone, or, for every territory, from the first of them
    to enter the day to the last to leave it."""
    zones = [TERRITORY_ZONES[territory]] if territory else list(TERRITORY_ZONES.values())
    bounds: dict[str, str] = {}
    if since is not None:
        bounds["from"] = _utc(min(datetime.combine(since, time.min, tzinfo=z) for z in zones))
    if until is not None:
        bounds["to"] = _utc(max(datetime.combine(until, time.max, tzinfo=z) for z in zones))
    return bounds


def _streams_url(chosen: dict[str, str], page: int = 1) -> str:
    kept = {k: v for k, v in {**chosen, "page": str(page)}.items() if v and not (k == "page" and v == "1")}
    return "/audit?" + urlencode(kept)


@router.get("")
async def streams(
    request: Request, service: str = "", type: str = "", territoire: str = "", du: str = "", au: str = "", page: int = 1
) -> Response:
    """« Flux »: the streams of a service's log with an event in the period, newest first, 20 a page."""
    session = _me(request)
    territories = _territories(session)
    service = service if service in SERVICES else "declarations"
    chosen = {
        "service": service,
        "type": type if type in STREAM_TYPES[service] else "",
        "territoire": territoire if territoire in territories else "",
        "du": du.strip()[:20],
        "au": au.strip()[:20],
    }
    form = Form(values=dict(chosen))
    since, until = form.day("du"), form.day("au")
    if since and until and since > until:
        form.error("au", "La fin de la période doit suivre son début.")
    page = max(1, min(page, 10_000))
    found: dict[str, Any] = {"total": 0, "page": 1, "per_page": PER_PAGE, "items": []}
    if form.ok:
        params = {"type": chosen["type"], "territory": chosen["territoire"], "page": page, "per_page": PER_PAGE}
        try:
            found = await _backend(request, service).get(
                "/api/v1/audit/streams", session.token, **params, **_period(since, until, chosen["territoire"])
            )
        except Refused as refused:
            form.tell(refused.detail)
        last = max(1, -(-found["total"] // PER_PAGE))
        if page > last:
            return see_other(_streams_url(chosen, last))
    return render(
        request,
        "audit/streams.html",
        {
            "title": f"Flux — {SERVICES[service]}",
            "form": form,
            "chosen": chosen,
            "found": found,
            "services": list(SERVICES.items()),
            "service_label": SERVICES[service],
            "types": list(STREAM_TYPES[service].items()),
            "type_labels": STREAM_TYPES[service],
            "territories": [(t, french.TERRITORY_NAMES[t]) for t in territories],
            "page_url": lambda n: _streams_url(chosen, n),
        },
        status=200 if form.ok else 422,
    )


# ---- one stream, as of a date or a version -------------------------------------------------------------


def _day_of(instant: str, territory: str) -> date:
    return datetime.fromisoformat(instant).astimezone(TERRITORY_ZONES[territory]).date()


def _reading(form: Form, territory: str) -> dict[str, Any] | None:
    """What the form asks: `as_of` (the end of the day, or of the minute, in the stream's zone) or `version`;
    None for the stream as it stands; the errors next to their fields."""
    day, hour = form.day("date"), _hour(form, "heure")
    typed_version = form.value("version").strip()
    version = int(typed_version) if typed_version.isascii() and typed_version.isdigit() else None
    if typed_version and (version is None or version < 1):
        form.error("version", "Saisissez un numéro de version : un nombre entier à partir de 1.")
    if hour is not None and day is None and "date" not in form.errors:
        form.error("date", "Saisissez la date de cette heure, au format jj/mm/aaaa.")
    if typed_version and form.value("date").strip():
        form.error("version", "Choisissez une date ou une version, pas les deux.")
    if not form.ok:
        return None
    if version is not None:
        return {"version": version}
    if day is not None:
        return {"as_of": _utc(datetime.combine(day, hour or time.max, tzinfo=TERRITORY_ZONES[territory]))}
    return None


@router.get("/{service}/flux/{stream_id}")
async def stream(
    request: Request,
    service: str,
    stream_id: str,
    day: Annotated[str, Query(alias="date")] = "",
    heure: str = "",
    version: str = "",
) -> Response:
    """A stream « au … »: the version reached, its chain, its seal, the state folded there, its events."""
    session = _me(request)
    backend = _backend(request, service)
    path = f"/api/v1/audit/streams/{seg(stream_id)}"
    latest: dict[str, Any] = await backend.get(path, session.token)
    territory = latest["territory"] if latest["territory"] in TERRITORY_ZONES else "971"
    form = Form(values={"date": day.strip()[:20], "heure": heure.strip()[:10], "version": version.strip()[:10]})
    asked = _reading(form, territory)
    shown: dict[str, Any] = await backend.get(path, session.token, **asked) if asked else latest
    if shown["at"]:
        reference = _day_of(shown["at"], territory)
    else:
        reference = form.day("date") or _day_of(latest["at"], territory)
    base = f"/audit/{seg(service)}/flux/{seg(stream_id)}"
    return render(
        request,
        "audit/stream.html",
        {
            "title": f"Flux {stream_id}",
            "service": service,
            "service_label": SERVICES[service],
            "type_label": STREAM_TYPES[service].get(shown["stream_type"], shown["stream_type"]),
            "found": shown,
            "asked": asked,
            "territory": territory,
            "form": form,
            "base": base,
            "day_before": base + "?" + urlencode({"date": french.day(reference - timedelta(days=1))}),
            "day_after": base + "?" + urlencode({"date": french.day(reference + timedelta(days=1))}),
            "event_labels": AUDIT_EVENT_LABELS,
            "to_the_second": to_the_second,
        },
        status=200 if form.ok else 422,
    )


# ---- the trace of a correlation id ---------------------------------------------------------------------


async def _each_service(reads: dict[str, Awaitable[Any]]) -> tuple[dict[str, Any], list[str]]:
    """The four services asked at once; those that do not answer are named, the others' answers kept."""
    answers = await asyncio.gather(*reads.values(), return_exceptions=True)
    found: dict[str, Any] = {}
    silent: list[str] = []
    for name, answer in zip(reads, answers, strict=True):
        if isinstance(answer, Unavailable):
            silent.append(SERVICES[name])
        elif isinstance(answer, BaseException):
            raise answer
        else:
            found[name] = answer
    return found, silent


def merged_trace(answers: dict[str, Any]) -> list[dict[str, Any]]:
    """The services' rows in time order; at the same instant, the service that wrote the event before those
    that received it. A received event links to its stream in the service that wrote it, when that one is
    among the answers."""
    writers = {
        row["event_id"]: name for name, body in answers.items() for row in body["items"] if row["origin"] == "propre"
    }
    order = list(SERVICES)
    rows = [
        {**row, "service": name, "written_by": writers.get(row["event_id"])}
        for name, body in answers.items()
        for row in body["items"]
    ]
    return sorted(
        rows,
        key=lambda r: (
            datetime.fromisoformat(r["occurred_at"]),
            r["origin"] != "propre",
            order.index(r["service"]),
            r["version"],
        ),
    )


@router.get("/trace")
async def trace_search(request: Request, correlation: str = "") -> Response:
    """« Trace »: the correlation id to follow across the services."""
    _me(request)
    typed = correlation.strip()
    form = Form(values={"correlation": typed[:200]})
    if typed and IDENTIFIER.match(typed):
        return see_other(f"/audit/trace/{quote(typed, safe='')}")
    if typed:
        form.error("correlation", "Un identifiant de corrélation est fait de lettres, de chiffres et de « . _ : - ».")
    return render(
        request,
        "audit/trace.html",
        {"title": "Trace d'une corrélation", "form": form, "rows": None},
        status=200 if form.ok else 422,
    )


@router.get("/trace/{correlation_id}")
async def trace(request: Request, correlation_id: str) -> Response:
    """The events a correlation id caused in every service, merged in time order."""
    session = _me(request)
    path = f"/api/v1/audit/trace/{seg(correlation_id)}"
    answers, silent = await _each_service({name: _backend(request, name).get(path, session.token) for name in SERVICES})
    rows = merged_trace(answers)
    return render(
        request,
        "audit/trace.html",
        {
            "title": f"Trace de la corrélation {correlation_id}",
            "form": Form(values={"correlation": correlation_id}),
            "correlation_id": correlation_id,
            "rows": rows,
            "silent": silent,
            "services": SERVICES,
            "seen_in": [SERVICES[name] for name in SERVICES if any(r["service"] == name for r in rows)],
            "event_labels": AUDIT_EVENT_LABELS,
            "origins": ORIGINS,
            "to_the_second": to_the_second,
        },
    )


# ---- the seals and the keys ----------------------------------------------------------------------------


@router.get("/sceaux")
async def seals(request: Request) -> Response:
    """« Sceaux »: the latest seals of each service's log, and the keyring that checks them."""
    session = _me(request)
    reads: dict[str, Awaitable[Any]] = {
        name: _backend(request, name).get("/api/v1/audit/seals", session.token, per_page=10) for name in SERVICES
    }
    found, silent = await _each_service(reads)
    keyrings, _ = await _each_service(
        {name: _backend(request, name).get("/api/v1/audit/keys", session.token) for name in found}
    )
    keys = {k["key_id"]: k for body in keyrings.values() for k in body["keys"]}
    return render(
        request,
        "audit/seals.html",
        {
            "title": "Sceaux et clés",
            "found": [(name, SERVICES[name], found[name]) for name in SERVICES if name in found],
            "silent": silent,
            "keys": sorted(keys.values(), key=lambda k: (_rank(k.get("service")), k.get("not_before") or "")),
            "services": SERVICES,
            "utc": _utc_moment,
        },
    )


def _rank(service: object) -> int:
    """The services in their order, a key for any service last."""
    order = list(SERVICES)
    return order.index(str(service)) if service in SERVICES else len(order)


def to_the_second(value: object, territory: str) -> str:
    """`30/11/2026 à 11:04:07` in the territory's zone: events of one action fall within the same minute."""
    if not value:
        return "—"
    instant = datetime.fromisoformat(str(value))
    zone = TERRITORY_ZONES.get(territory, TERRITORY_ZONES["971"])
    return format_datetime(instant, "dd/MM/yyyy 'à' HH:mm:ss", tzinfo=zone, locale=french.LOCALE)


def _utc_moment(value: object) -> str:
    """A seal's or a key's instant: they belong to no territory, so in UTC, said so."""
    return "—" if not value else french.moment(str(value), UTC_ZONE) + " (UTC)"
