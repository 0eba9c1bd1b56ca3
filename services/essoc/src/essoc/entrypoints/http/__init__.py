"""HTTP API of OGDE: referentials, filing, the four tabs, the detail, the agent's and requester's commands.

One router, its parts included in the order the OpenAPI lists them: the referentials, the requesters' drafts of
« Nouvelle demande », the requests (filing and reading), the agents' commands of the instruction, the requester's
exchanges, the attachments. The agents' board and notes (`essoc.entrypoints.instruction`) and the documents are
routers of their own.
"""

from __future__ import annotations

from fastapi import APIRouter

from essoc.entrypoints.http import (
    assistance,
    attachments,
    drafts,
    exchanges,
    instructing,
    referentials,
    requests,
    rights,
)
from essoc.entrypoints.http.attachments import MULTIPART_OVERHEAD
from essoc.entrypoints.http.services import EssocServices

__all__ = ["MULTIPART_OVERHEAD", "EssocServices", "router"]

router = APIRouter()
for part in (referentials, drafts, requests, instructing, exchanges, attachments, assistance, rights):
    router.include_router(part.router)
