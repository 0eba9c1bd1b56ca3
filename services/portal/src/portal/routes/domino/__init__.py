"""DOMINO-NG screens, in the manual's order and wording: the relation, the home, the declaration screen by
screen (Données, Annexe A, Annexe B, Champs calculés, Octroi de mer, Octroi de mer régional,
Récapitulatif), a line changed (« Modifier »), filing and its receipt, a filed declaration rectified (« Rectifier
cette déclaration »), the search, the office; and, for producers with many products, « Importer des lignes » and
« Reprendre les produits du trimestre précédent ».

Every read and command goes to the services' APIs with the person's token; nothing here decides a rule: a
refusal comes back with its field, and its message is shown next to that field, what was typed kept. Every form
that changes the declaration carries the version it was shown from (`opening.shown_version`): one older than
the declaration is shown again, what was typed kept, with why at its top (`opening.stale`).

One module a screen, each with its router, included here in the order their addresses must be tried: the tax
pages' /declarations/{declaration_id}/{page} last, as it would catch every screen of a declaration.
"""

from __future__ import annotations

from fastapi import APIRouter

from portal.routes.domino import (
    annexes,
    card,
    carry_over,
    computed,
    correction,
    declarant,
    declaration,
    filing,
    line_edit,
    lines_import,
    product,
    relation,
    sale,
    search,
    taxes,
    telepaiement,
)
from portal.routes.domino.opening import ChooseRelation

__all__ = ["ChooseRelation", "router"]

router = APIRouter(prefix="/domino")
# /domino itself is the relation choice: a path no included router may have (theirs cannot be empty).
router.add_api_route("", relation.relation_choice, methods=["GET"])
router.include_router(relation.router)
router.include_router(search.router)
router.include_router(telepaiement.router)
router.include_router(declaration.router)
router.include_router(correction.router)
router.include_router(declarant.router)
router.include_router(annexes.router)
router.include_router(product.router)
router.include_router(sale.router)
router.include_router(line_edit.router)
router.include_router(lines_import.router)
router.include_router(carry_over.router)
router.include_router(computed.router)
router.include_router(filing.router)
router.include_router(card.router)
router.include_router(taxes.router)
