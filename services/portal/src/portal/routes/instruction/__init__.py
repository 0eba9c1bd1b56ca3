"""OGDE for the customs agents: the board of their directorates' requests, and the instruction of one.

The board (« Demandes ESSOC ») queues the requests by stage, as the instructors' screens of *Démarches
simplifiées* do: « À traiter » (filed, taken by nobody), « Suivies par moi », « Prises en charge »,
« Refusées », « Clôturées », with their counts, filters, a search by number or words, a sort by any column,
20 rows a page, and the export of what is shown as a spreadsheet. A badge marks a request whose requester
wrote since the agent last opened it.

The request page shows what the requester sees, then the actions in the workflow's order: « Prendre en
charge », « Poser une question », « Décider de la recevabilité », « Clôturer avec la réponse », and beside them
« Réassigner » and the private notes. An irreversible step (the admissibility, the closing) asks for an
explicit confirmation in the form itself, so it works without JavaScript and keeps the files chosen. Every
refusal of the service comes back next to its field, what was typed kept. No rule is decided here. « Documents »
lists the guide and the blank forms the requesters download.

Each screen or action is a module; the space's routes are registered here, in the order they are matched (a
route with a path parameter registered before a fixed path would take its URLs).
"""

from __future__ import annotations

from fastapi import APIRouter

from portal.routes.instruction import actions, admissibility, board, closure, documents, export, files, request_page

router = APIRouter(prefix="/instruction")
router.get("")(board.board)
router.get("/export.csv")(export.export)
router.get("/documents")(documents.documents)
router.get("/documents/{document_id}")(documents.document_download)
router.get("/demandes/{number}")(request_page.request_page)
router.post("/demandes/{number}/prise-en-charge")(actions.take_charge)
router.post("/demandes/{number}/questions")(actions.ask)
router.post("/demandes/{number}/recevabilite")(admissibility.admissibility)
router.post("/demandes/{number}/cloture")(closure.close)
router.post("/demandes/{number}/reassignation")(actions.reassign)
router.post("/demandes/{number}/notes")(actions.note)
router.get("/demandes/{number}/contenu.pdf")(files.request_pdf)
router.get("/demandes/{number}/pieces-jointes/{attachment_id}")(files.attachment)
