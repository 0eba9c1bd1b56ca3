"""One stream as it stood at a date or a version: its events, whether its chain of digests holds, the seal that
covers it, the state the service folds from it."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Query, Request
from fastapi.responses import Response

from contracts import french
from contracts.types import TERRITORY_ZONES
from portal.backends import seg
from portal.forms import Form
from portal.rendering import render
from portal.routes.audit.opening import backend, signed_in, utc
from portal.routes.audit.wording import AUDIT_EVENT_LABELS, SERVICES, STREAM_TYPES, readable_state, to_the_second

HOUR = re.compile(r"^(\d{1,2})\s*[:hH]\s*(\d{2})?$")


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
        return {"as_of": utc(datetime.combine(day, hour or time.max, tzinfo=TERRITORY_ZONES[territory]))}
    return None


async def stream(
    request: Request,
    service: str,
    stream_id: str,
    day: Annotated[str, Query(alias="date")] = "",
    heure: str = "",
    version: str = "",
) -> Response:
    """A stream « au … »: the version reached, its chain, its seal, the state folded there, its events."""
    session = signed_in(request)
    source = backend(request, service)
    path = f"/api/v1/audit/streams/{seg(stream_id)}"
    latest: dict[str, Any] = await source.get(path, session.token)
    territory = latest["territory"] if latest["territory"] in TERRITORY_ZONES else "971"
    form = Form(values={"date": day.strip()[:20], "heure": heure.strip()[:10], "version": version.strip()[:10]})
    asked = _reading(form, territory)
    shown: dict[str, Any] = await source.get(path, session.token, **asked) if asked else latest
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
            "state": readable_state(shown["state"], territory),
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
