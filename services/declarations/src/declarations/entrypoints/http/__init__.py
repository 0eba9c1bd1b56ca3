"""HTTP API of DOMINO-NG: relations, offices, declarations and their commands.

One router, its parts included in the order the OpenAPI lists them: the relations, the reference data (NAF,
the lines' import template, the offices), the declarations and their declarant, their lines, the last boxes
and the filing, the payments, the history and the receipt, the télépaiement mandates and the comptable's
collection. The offices' follow-up (`declarations.entrypoints.follow_up`) is a router of its own.
"""

from __future__ import annotations

from fastapi import APIRouter

from declarations.entrypoints.http import (
    card,
    collection,
    declarations,
    filing,
    lines,
    mandates,
    payments,
    records,
    reference,
    relations,
)
from declarations.entrypoints.http.services import DeclarationsServices

__all__ = ["DeclarationsServices", "router"]

router = APIRouter()
for part in (relations, reference, declarations, lines, filing, payments, card, records, mandates, collection):
    router.include_router(part.router)
