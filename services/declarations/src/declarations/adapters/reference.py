"""Reference data of the served territories, from `deploy/territories/<code>/`: customs offices and
the relations of the declarants."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from contracts.errors import NotFound
from contracts.types import territory_code
from declarations.domain.collection.creditor import Creditor
from declarations.domain.drafting import Relation


class ReferenceData:
    """Implements `RelationDirectory` from the files; knows nothing of who may see what."""

    def __init__(
        self,
        offices: dict[str, dict[str, Any]],
        relations: dict[str, Relation],
        territories: list[str],
        creditors: dict[str, Creditor] | None = None,
    ) -> None:
        self.offices = offices
        self._relations = relations
        self.territories = territories
        self.creditors = creditors or {}

    @classmethod
    def load(cls, root: str | Path, territories: list[str]) -> ReferenceData:
        offices: dict[str, dict[str, Any]] = {}
        relations: dict[str, Relation] = {}
        creditors: dict[str, Creditor] = {}
        for territory in territories:
            folder = Path(root) / territory
            if (folder / "creditor.yaml").exists():
                creditor = {k: str(v) for k, v in _read(folder / "creditor.yaml")["creditor"].items()}
                creditors[territory] = Creditor.checked(**creditor)
            for office in _read(folder / "offices.yaml").get("offices") or []:
                offices[str(office["code"])] = {**office, "code": str(office["code"]), "territory": territory}
            for rel in _read(folder / "relations.yaml").get("relations") or []:
                fields = {k: str(v) for k, v in rel.items()}
                relation = Relation(
                    relation_id=fields["id"],
                    relation_number=fields["number"],
                    siret=fields["siret"],
                    establishment=fields["establishment"],
                    office=fields["office"],
                    territory=territory_code(territory),
                    production_activity_id=fields["production_activity_id"],
                    trade_name=fields["trade_name"],
                    ape=fields.get("ape"),
                    email=fields.get("email"),
                )
                relations[relation.relation_id] = relation
        return cls(offices, relations, territories, creditors)

    def office(self, code: str) -> dict[str, Any]:
        try:
            return self.offices[code]
        except KeyError:
            raise NotFound(f"Aucun bureau de douane n'a le code {code}.", field="code") from None

    def creditor(self, territory: str) -> Creditor:
        """The territory's collection account; a deployment without one takes no online payment."""
        try:
            return self.creditors[territory]
        except KeyError:
            raise NotFound(
                f"Le compte de recette du territoire {territory} n'est pas configuré (creditor.yaml).",
                field="territory",
            ) from None

    def relation(self, relation_id: str) -> Relation | None:
        return self._relations.get(relation_id)

    def relations(self) -> Sequence[Relation]:
        return list(self._relations.values())


def _read(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data or {}
