"""« Demande d'assistance » (decision record 0028), for any signed-in person: the form (its incident reference
prefilled from an error page), « Mes demandes d'assistance », the ticket's page with its messages, files, reply and
closing; and, for the agents, the queue of every ticket (« Assistance » in their navigation) and the answer form on
the same ticket page. Routes registered in the order they are matched."""

from __future__ import annotations

from fastapi import APIRouter

from portal.routes.assistance import new_ticket, queue, ticket

router = APIRouter()
router.get("/assistance")(ticket.my_tickets)
router.get("/assistance/nouvelle")(new_ticket.new_ticket)
router.post("/assistance/nouvelle")(new_ticket.new_ticket_sent)
router.get("/assistance/{number}")(ticket.ticket_page)
router.post("/assistance/{number}/message")(ticket.message)
router.post("/assistance/{number}/reponse")(ticket.answer)
router.post("/assistance/{number}/cloture")(ticket.close)
router.get("/assistance/{number}/fichiers/{attachment_id}")(ticket.download)
router.get("/instruction/assistance")(queue.queue)
