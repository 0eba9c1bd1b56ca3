"""Reference data of the served territories: customs offices and the relations of the declarants."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from chassis.http.auth import Principal
from contracts.errors import Forbidden, NotFound
from declarations.domain.declaration import Relation


@dataclass(frozen=True)
class RelationRecord:
    id: str
    number: str
    siret: str
    establishment: str
    office: str
    production_activity_id: str
    trade_name: str
    territory: str
    ape: str | None = None

    def as_domain(self) -> Relation:
        return Relation(
            relation_id=self.id,
            relation_number=self.number,
            siret=self.siret,
            establishment=self.establishment,
            office=self.office,
            territory=self.territory,  # type: ignore[arg-type]
        )

    def public(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "number": self.number,
            "siret": self.siret,
            "establishment": self.establishment,
            "office": self.office,
            "production_activity_id": self.production_activity_id,
            "trade_name": self.trade_name,
            "territory": self.territory,
            "ape": self.ape,
        }


class ReferenceData:
    def __init__(
        self, offices: dict[str, dict[str, Any]], relations: dict[str, RelationRecord], territories: list[str]
    ) -> None:
        self.offices = offices
        self.relations = relations
        self.territories = territories

    @classmethod
    def load(cls, root: str | Path, territories: list[str]) -> ReferenceData:
        offices: dict[str, dict[str, Any]] = {}
        relations: dict[str, RelationRecord] = {}
        for territory in territories:
            folder = Path(root) / territory
            for office in _read(folder / "offices.yaml").get("offices") or []:
                offices[str(office["code"])] = {**office, "code": str(office["code"]), "territory": territory}
            for rel in _read(folder / "relations.yaml").get("relations") or []:
                record = RelationRecord(territory=territory, **{k: str(v) for k, v in rel.items()})
                relations[record.id] = record
        return cls(offices, relations, territories)

    def office(self, code: str) -> dict[str, Any]:
        try:
            return self.offices[code]
        except KeyError:
            raise NotFound(f"Aucun bureau de douane n'a le code {code}.", field="code") from None

    def relations_of(self, who: Principal) -> list[RelationRecord]:
        if who.role == "admin":
            return list(self.relations.values())
        if who.role == "agent":
            return [r for r in self.relations.values() if r.territory in who.territories]
        return [self.relations[r] for r in who.relations if r in self.relations]

    def relation_for(self, who: Principal, relation_id: str, *, acting: bool) -> RelationRecord:
        """The relation, if `who` may see it (or act for it when `acting`)."""
        record = self.relations.get(relation_id)
        if record is None:
            if relation_id in who.relations:
                raise Forbidden(f"La relation {relation_id} n'est pas servie par ce déploiement.", field="relation_id")
            raise NotFound(f"Relation {relation_id} inconnue.", field="relation_id")
        allowed = (
            who.role == "admin"
            or (who.role == "declarant" and relation_id in who.relations)
            or (who.role == "agent" and not acting and record.territory in who.territories)
        )
        if not allowed:
            raise Forbidden(
                "Vous n'êtes pas habilité à déclarer pour cette relation."
                if acting
                else "Vous n'avez pas accès à cette relation.",
                field="relation_id",
            )
        return record


def _read(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data or {}
