"""« Prélèvements à présenter »: the télépaiement debits no file presented yet, by collection date, each date with
its « Émettre le fichier » button."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from portal.backends import backends_of
from portal.forms import Form
from portal.routes.recouvrement.opening import desk, page, signed_in


async def debits_view(request: Request, territoire: str, form: Form | None = None, status: int = 200) -> Response:
    session = signed_in(request)
    chosen, desks = await desk(request, session, territoire)
    found = await backends_of(request).declarations.get(
        "/api/v1/collection/debits", session.token, territory=chosen["territory"], status="a-presenter"
    )
    by_date: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for item in found["items"]:
        by_date[item["collection_date"]].append(item)
    earliest = str(found["earliest_collection_date"])
    dates = [
        {
            "day": day,
            "issue_on": max(day, earliest),  # a date already past is collected at the soonest the service allows
            "debits": items,
            "total": str(sum((Decimal(i["amount"]) for i in items), Decimal("0.00"))),
        }
        for day, items in sorted(by_date.items())
    ]
    return page(
        request,
        "recouvrement/debits.html",
        chosen,
        desks,
        "",
        title="Prélèvements à présenter",
        form=form,
        status=status,
        dates=dates,
        can_issue=session.has("comptable", "admin"),
    )


async def debits_page(request: Request, territoire: str = "") -> Response:
    return await debits_view(request, territoire)
