"""OGDE screens, in the manual's wording: « Accueil », « Nouvelle demande » step by step, « Mes demandes » in
four tabs and « Brouillons », « Détail de la demande n° … » with its exchanges and attachments, « Documents ».

« Nouvelle demande » is a draft kept by essoc from its first « Suivant » (decision record 0026): each step is saved
to it, checked by the service then, its files kept with it; « Récapitulatif » shows it all before « Créer la
demande »; « Annuler » asks for confirmation, then deletes it. Everything works without JavaScript. The lists and
what each nature asks come from the referentials.

Each screen is a module; the space's routes are registered here, in the order they are matched (a route with a
path parameter registered before a fixed path would take its URLs).
"""

from __future__ import annotations

from fastapi import APIRouter

from portal.routes.ogde import (
    answers,
    attachments,
    detail,
    discard,
    documents,
    draft_files,
    draft_steps,
    home,
    my_requests,
    new_request,
)

router = APIRouter(prefix="/ogde")
router.get("")(home.home)
router.get("/nouvelle-demande")(new_request.new_request)
router.post("/nouvelle-demande")(new_request.new_request_step)
router.get("/brouillons/{draft_id}/annulation")(discard.confirm_discard)
router.post("/brouillons/{draft_id}/annulation")(discard.discard)
router.post("/brouillons/{draft_id}/pieces/{attachment_id}/retrait")(draft_files.file_removed)
router.get("/brouillons/{draft_id}/{step}")(draft_steps.draft_step)
router.post("/brouillons/{draft_id}/{step}")(draft_steps.draft_step_post)
router.get("/demandes")(my_requests.my_requests)
router.get("/demandes/{number}")(detail.request_detail)
router.post("/demandes/{number}/questions/{question_id}/reponse")(answers.answer)
router.post("/demandes/{number}/complements")(answers.complement)
router.post("/demandes/{number}/pieces-jointes")(attachments.attachment_add)
router.post("/demandes/{number}/pieces-jointes/{attachment_id}/suppression")(attachments.attachment_remove)
router.get("/demandes/{number}/pieces-jointes/{attachment_id}")(attachments.attachment_download)
router.get("/demandes/{number}/contenu.pdf")(detail.request_pdf)
router.get("/documents")(documents.documents)
router.get("/documents/{document_id}")(documents.document_download)
