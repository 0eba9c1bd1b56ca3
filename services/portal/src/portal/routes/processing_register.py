"""« Registre des traitements » (RGPD art. 30), linked from « Données personnelles »: built from the code by
`portal.register`, the same register the docs publish."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from contracts.personal import CATEGORY_LABELS, SUBJECT_LABELS
from portal import register
from portal.rendering import render

router = APIRouter()


@router.get("/donnees-personnelles/registre")
async def processing_register(request: Request) -> Response:
    return render(
        request,
        "pages/processing_register.html",
        {
            "title": "Registre des traitements",
            "controller": register.CONTROLLER,
            "dpo": register.DPO,
            "processings": register.processings(),
            "retentions": register.retentions(),
            "security": register.SECURITY,
            "transfers": register.TRANSFERS,
            "erasure_note": register.ERASURE_NOTE,
            "categories": CATEGORY_LABELS,
            "subjects": SUBJECT_LABELS,
        },
    )
