"""DOMINO-NG for the customs agents of the offices: the declarations of their territories by quarter, in tabs
(« Déposées », « Non déposées », « En retard », « Toutes »), one declaration read-only, and the list as CSV.

The declarations service decides everything shown: which relations the agent follows, which quarter opens by
default, what is late, what is due and paid. Nothing here computes a rule; a wrong year or office comes back
from the service and is shown next to its field.

Each screen is a module; the space's routes are registered here, in the order they are matched (a route with a
path parameter registered before a fixed path would take its URLs).
"""

from __future__ import annotations

from fastapi import APIRouter

from portal.routes.suivi import declaration, export, mandates, quarter

router = APIRouter(prefix="/suivi")
router.get("")(quarter.quarter_page)
router.get("/export.csv")(export.export)
router.get("/mandats")(mandates.mandates_page)
router.post("/mandats/{relation_id}")(mandates.decide)
router.get("/declarations/{declaration_id}")(declaration.declaration_page)
router.get("/declarations/{declaration_id}/declaration.pdf")(declaration.declaration_pdf)
