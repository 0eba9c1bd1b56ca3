"""« Recouvrement », the comptable's space: the télépaiement debits to present and the bank file of a collection
date, the files issued, the bank statements read back with what each entry did, and the credits waiting to be
matched by hand. The declarations service decides everything; a refusal is shown next to its field.

Each screen is a module; the space's routes are registered here, in the order they are matched.
"""

from __future__ import annotations

from fastapi import APIRouter

from portal.routes.recouvrement import debits, files, statements, waiting

router = APIRouter(prefix="/recouvrement")
router.get("")(debits.debits_page)
router.post("/fichiers")(files.issue)
router.get("/fichiers")(files.files_page)
router.get("/fichiers/{file_id}.xml")(files.download)
router.get("/releves")(statements.statements_page)
router.post("/releves")(statements.upload)
router.get("/releves/{statement}")(statements.statement_page)
router.get("/en-attente")(waiting.waiting_page)
router.post("/en-attente/{statement}")(waiting.match)
