"""« Mes notifications »: every mail the service sent the signed-in person, newest first, each linked to the page it
is about (the notifier's list of the mails sent to the person's own address), whatever space the person holds."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from portal.auth import person
from portal.backends import backends_of
from portal.rendering import render

router = APIRouter()
PER_PAGE = 20


@router.get("/notifications")
async def my_notifications(request: Request, page: int = 1) -> Response:
    """The table of the person's mails, 20 a page; an empty state when none was sent."""
    session = person(request)
    found = await backends_of(request).notifier.get(
        "/api/v1/notifications/mine", session.token, page=max(1, min(page, 10_000)), per_page=PER_PAGE
    )
    found["items"] = [{**item, "link": portal_page(item.get("link"))} for item in found["items"]]
    return render(request, "pages/notifications.html", {"title": "Mes notifications", "found": found})


def portal_page(link: Any) -> str | None:
    """A path of this portal, as the link of a row; anything else (another site, none) is no link."""
    if isinstance(link, str) and link.startswith("/") and not link.startswith(("//", "/\\")):
        return link
    return None
