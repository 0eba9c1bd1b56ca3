"""Who may see and act on a request, and which requests this deployment serves.

- A requester sees and completes only the requests they filed.
- An agent sees and examines only the requests of a territory *and* a directorate its token
  names (claims `territories` and `directorates`); a token without `directorates` serves none.
- An admin sees everything (support, audit, and the notifier's service token).
- An auditor sees every request of its territories and examines none.

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
    """The Mongo filter of the requests `who` may list."""
    if who.role == "admin":
        return {}
    if who.role == "requester":
        return {"requester.id": who.id}
    if who.role == "agent":
        return {"territory": {"$in": list(who.territories)}, "directorate": {"$in": list(who.directorates)}}
    if who.role == "auditor":
        return {"territory": {"$in": list(who.territories)}}
    return {"_id": {"$in": []}}


def may_see(who: Principal, *, requester_id: str, territory: str, directorate: str) -> bool:
    if who.role == "admin":
        return True
    if who.role == "requester":
        return who.id == requester_id
    if who.role == "agent":
        return is_agent_of(who, territory=territory, directorate=directorate)
    return who.reads_territory(territory)


def is_agent_of(who: Principal, *, territory: str, directorate: str) -> bool:
    return territory in who.territories and directorate in who.directorates


def unknown() -> NotFound:
    """The one answer to a request that does not exist and to one the caller may not see: the same status,
    type and words (no number, no id), so that nobody learns whether another person's request exists."""
    return NotFound("Cette demande est introuvable.", field="id", code="demande-introuvable")


def require_see(who: Principal, *, requester_id: str, territory: str, directorate: str) -> None:
    if not may_see(who, requester_id=requester_id, territory=territory, directorate=directorate):
        raise unknown()


def require_examiner(who: Principal, *, territory: str, directorate: str, number: int, label: str) -> None:
    """An agent of the request's territory and directorate (or an admin) examines it."""
    who.require("agent", "admin")
    if who.role == "agent" and not is_agent_of(who, territory=territory, directorate=directorate):
        raise Forbidden(
            f"La demande n° {number} relève de {label} (territoire {territory}) : vous n'êtes pas habilité "
            "à l'instruire.",
            field="id",
        )


def require_instruction_reader(who: Principal, *, territory: str, directorate: str, number: int) -> None:
    """The instruction's own pages (notes, who follows, the badge) are read by the request's agents, an admin,
    and an auditor of its territory; never by the requester."""
    allowed = (
        who.role == "admin"
        or (who.role == "agent" and is_agent_of(who, territory=territory, directorate=directorate))
        or (who.role == "auditor" and who.reads_territory(territory))
    )
    if not allowed:
        raise Forbidden(f"Vous n'avez pas accès à l'instruction de la demande n° {number}.", field="id")
