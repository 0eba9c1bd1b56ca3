"""Who may see and act on a request, and which requests this deployment serves.

- A requester sees and completes only the requests they filed.
- An agent sees and examines only the requests of a territory *and* a directorate its token
  names (claims `territories` and `directorates`); a token without `directorates` serves none.
- An admin sees everything (support, audit, and the notifier's service token).
- An auditor sees every request of its territories and examines none.
- A person holding several of these roles (decision record 0027) sees what each of them sees; « Mes demandes »
  (`GET /requests`) is a requester's own requests, and the board the service's.

Territory of a request: the territory of the directorate it is addressed to (the sub-category of a
rescrit or a second examen, the category of a droit au contrôle). Every event carries a territory
and a deployment serves some of the overseas territories 971–976 (`ESSOC_TERRITORIES`). The
metropolitan directorates the manual names (Lyon, Aix-en-Provence, Amiens, Roissy, Nice port) stay
in the referentials so a requester can see them, but their requests are served by another
deployment of OGDE: filing one here is refused with 403, naming the field that chose the
directorate, and nothing is recorded.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from chassis.http.auth import Principal
from contracts.errors import Forbidden, NotFound
from contracts.types import TERRITORY_NAMES
from essoc.domain.referentials import Directorate

Doc = dict[str, Any]


def addressee_field(nature: str) -> str:
    """The form field that names the directorate: category for a droit au contrôle, else sub-category."""
    return "category" if nature == "droit_au_controle" else "sub_category"


def served_territory(directorate: Directorate, nature: str, served: Sequence[str]) -> str:
    """The territory of a request addressed to `directorate`, when this deployment serves it."""
    territory = directorate.territory
    if territory is not None and territory in served:
        return territory
    if territory in TERRITORY_NAMES:
        where = f"le territoire {territory} ({TERRITORY_NAMES[territory]})"
    else:
        where = "les directions de métropole"
    served_names = ", ".join(f"{t} ({TERRITORY_NAMES[t]})" for t in served)
    raise Forbidden(
        f"{directorate.label} n'est pas servie par ce déploiement d'OGDE, qui ne traite que les demandes "
        f"adressées aux directions de : {served_names}. Les demandes pour {where} sont instruites par un "
        "autre déploiement.",
        field=addressee_field(nature),
        code="direction-non-servie",
    )


def visible_requests(who: Principal) -> Doc:
    """The Mongo filter of « Mes demandes » (`GET /requests`): a requester's own requests (a requester who is
    also an agent finds the requests it instructs on the board, not among its own); for anyone else, the
    requests it reads as the service."""
    if who.has("requester"):
        return {"requester.id": who.id}
    return instructed_requests(who)


def instructed_requests(who: Principal) -> Doc:
    """The Mongo filter of the requests `who` reads as the service: every one for an admin, its territories' and
    directorates' for an agent, its territories' for an auditor (both, for a person who is both)."""
    if who.has("admin"):
        return {}
    seen: list[Doc] = []
    if who.has("agent"):
        seen.append({"territory": {"$in": list(who.territories)}, "directorate": {"$in": list(who.directorates)}})
    if who.has("auditor"):
        seen.append({"territory": {"$in": list(who.territories)}})
    if not seen:
        return {"_id": {"$in": []}}
    return seen[0] if len(seen) == 1 else {"$or": seen}


def may_see(who: Principal, *, requester_id: str, territory: str, directorate: str) -> bool:
    return (
        (who.has("requester") and who.id == requester_id)
        or (who.has("agent") and is_agent_of(who, territory=territory, directorate=directorate))
        or who.reads_territory(territory)
    )


def is_agent_of(who: Principal, *, territory: str, directorate: str) -> bool:
    return who.has("agent") and territory in who.territories and directorate in who.directorates


def unknown() -> NotFound:
    """The one answer to a request that does not exist and to one the caller may not see: the same status,
    type and words (no number, no id), so that nobody learns whether another person's request exists."""
    return NotFound("Cette demande est introuvable.", field="id", code="demande-introuvable")


def require_see(who: Principal, *, requester_id: str, territory: str, directorate: str) -> None:
    if not may_see(who, requester_id=requester_id, territory=territory, directorate=directorate):
        raise unknown()


def require_examiner(who: Principal, *, territory: str, directorate: str, number: int, label: str) -> None:
    """An agent of the request's territory and directorate (or an admin) examines it, and acts as such."""
    if is_agent_of(who, territory=territory, directorate=directorate):
        who.require("agent")
        return
    who.require("admin", "agent")
    if not who.has("admin"):
        raise Forbidden(
            f"La demande n° {number} relève de {label} (territoire {territory}) : vous n'êtes pas habilité "
            "à l'instruire.",
            field="id",
        )


def require_instruction_reader(who: Principal, *, territory: str, directorate: str, number: int) -> None:
    """The instruction's own pages (notes, who follows, the badge) are read by the request's agents, an admin,
    and an auditor of its territory; never by the requester (not even one who is an agent elsewhere)."""
    if not (is_agent_of(who, territory=territory, directorate=directorate) or who.reads_territory(territory)):
        raise Forbidden(f"Vous n'avez pas accès à l'instruction de la demande n° {number}.", field="id")
