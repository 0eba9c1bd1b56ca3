"""Who may see a relation's declarations and who may declare for it, and which territories this
deployment serves.

- A declarant sees and declares only for the relations its token names (claim `relations`).
- An agent sees the relations of its territories (claim `territories`) and declares for none.
- An admin sees and declares for every relation served here.
- An auditor sees the relations of its territories and declares for none.
- A comptable (the accountant, or the payment system's account) sees the relations of its territories, declares
  for none, and records the payments of their filed declarations.
- The follow-up of a quarter, relation by relation, is for the agents, auditors, comptables and admins.

A person may hold several of these roles (decision record 0027): what each role held allows, the person may; and
when it acts, its events name the role that allowed it (`Principal.require`).
"""

from __future__ import annotations

from collections.abc import Sequence

from chassis.http.auth import Principal
from contracts.errors import Forbidden, NotFound
from declarations.application.unit_of_work import RelationDirectory
from declarations.domain.drafting import Relation

TERRITORY_READERS = ("agent", "auditor", "comptable")
"""Roles that read the relations of the territories their token names."""


FOLLOW_UP_READERS = ("admin", *TERRITORY_READERS)
"""Roles that follow the declarations of a quarter relation by relation (the offices' follow-up)."""


def require_follow_up(who: Principal) -> None:
    """The follow-up of a quarter is the customs': a declarant follows its own declarations from its home."""
    if not who.has(*FOLLOW_UP_READERS):
        raise Forbidden("Le suivi des déclarations d'un trimestre est réservé aux agents des douanes.", field="role")


def visible_relations(who: Principal, directory: RelationDirectory) -> list[Relation]:
    """Every relation for an admin; else those of the territories it reads and those it declares for."""
    if who.has("admin"):
        return list(directory.relations())
    read = [r for r in directory.relations() if r.territory in who.territories] if who.has(*TERRITORY_READERS) else []
    declared = [directory.relation(i) for i in who.relations] if who.has("declarant") else []
    seen = {r.relation_id for r in read}
    return [*read, *(r for r in declared if r is not None and r.relation_id not in seen)]


def relation_for(who: Principal, relation_id: str, directory: RelationDirectory, *, acting: bool) -> Relation:
    """The relation, if `who` may see it (or act for it when `acting`)."""
    relation = directory.relation(relation_id)
    if relation is None:
        if relation_id in who.relations:
            raise Forbidden(f"La relation {relation_id} n'est pas servie par ce déploiement.", field="relation_id")
        raise NotFound(f"Relation {relation_id} inconnue.", field="relation_id")
    if who.has("declarant") and relation_id in who.relations:
        via = "declarant"
    elif who.has("admin"):
        via = "admin"
    elif who.has(*TERRITORY_READERS) and not acting and relation.territory in who.territories:
        return relation
    else:
        raise Forbidden(
            "Vous n'êtes pas habilité à déclarer pour cette relation."
            if acting
            else "Vous n'avez pas accès à cette relation.",
            field="relation_id",
        )
    if acting:
        who.require(via)  # a producer who is also an admin declares for its own relations as their producer
    return relation


def require_served(territory: str, served: Sequence[str]) -> None:
    if territory not in served:
        raise Forbidden(f"Ce déploiement ne traite pas le territoire {territory}.", field="territory")


def require_payments_of(who: Principal, territory: str) -> None:
    """A comptable records payments for the declarations of its territories only (an admin for all)."""
    if who.has("comptable") and territory in who.territories:
        who.require("comptable")
    elif who.has("admin"):
        who.require("admin")
    else:
        raise Forbidden("Vous n'êtes pas habilité à enregistrer les paiements de ce territoire.", field="territory")
