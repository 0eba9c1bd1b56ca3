"""« Mes données » (decision record 0030), for any signed-in person: what the four services hold about them, by
service and record, downloaded as JSON and as a tagged PDF; « Demander une rectification » and « Demander
l'effacement », and the requests made, with their deadline and answer. Routes registered in the order they match."""

from __future__ import annotations

from fastapi import APIRouter

from portal.routes.mes_donnees import downloads, erasure, page, rectification

router = APIRouter(prefix="/mes-donnees")
router.get("")(page.my_data)
router.get("/export.json")(downloads.as_json)
router.get("/export.pdf")(downloads.as_pdf)
router.get("/rectification")(rectification.form)
router.post("/rectification")(rectification.sent)
router.get("/effacement")(erasure.form)
router.post("/effacement")(erasure.sent)
