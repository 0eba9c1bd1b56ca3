"""The DPO's space (délégué à la protection des données, decision record 0030): the people's requests about their
data, oldest first with their deadline and the late ones flagged, a request's page where the DPO answers a
rectification or extends its deadline, and « Qui a lu quoi », the agents' and auditors' reads of personal data.
Nobody but the `dpo` role opens these pages; each service checks it again. Routes registered in the order they
match."""

from __future__ import annotations

from fastapi import APIRouter

from portal.routes.dpo import reads, request, requests

router = APIRouter(prefix="/dpo")
router.get("")(requests.requests)
router.get("/lectures")(reads.reads)
router.get("/demandes/{number}")(request.request_page)
router.post("/demandes/{number}/decision")(request.decide)
router.post("/demandes/{number}/prolongation")(request.extend)
