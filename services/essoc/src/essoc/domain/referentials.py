"""OGDE reference data (natures, categories, directorates, fields, refusal grounds) and its lookups.

Parsing is pure (`Referentials.from_mapping`); `default_referentials` reads the packaged YAML once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

NATURES = ("rescrit", "second_examen", "droit_au_controle")


@dataclass(frozen=True)
class Label:
    code: str
    label: str


@dataclass(frozen=True)
class Directorate:
    """A regional directorate or bureau that receives requests, or the central directorate."""

    code: str
    label: str
    territory: str | None
    mailbox: str
    central: bool = False
    unit: str | None = None


@dataclass(frozen=True)
class FieldDomain:
    """A field of application: a domain and the sub-domains a requester may pick in it."""

    domain: str
    label: str
    sub_domains: tuple[str, ...]


@dataclass(frozen=True)
class Referentials:
    natures: tuple[Label, ...]
    categories: Mapping[str, tuple[Label, ...]]
    directorates: tuple[Directorate, ...]
    fields: tuple[FieldDomain, ...]
    refusal_grounds: tuple[Label, ...]
    poles: Mapping[str, str]

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any]) -> Referentials:
        """Reads the YAML shape; a droit au contrôle's categories name directorates by code."""
        directorates = tuple(
            Directorate(
                code=d["code"],
                label=d["label"],
                territory=d.get("territory"),
                mailbox=d["mailbox"],
                central=bool(d.get("central", False)),
                unit=d.get("unit"),
            )
            for d in raw["directorates"]
        )
        by_code = {d.code: d for d in directorates}
        categories: dict[str, tuple[Label, ...]] = {}
        for nature in NATURES:
            entries = raw["categories"][nature]
            if nature == "droit_au_controle":
                unknown = [code for code in entries if code not in by_code or by_code[code].central]
                if unknown:
                    raise ValueError(f"catégories de droit au contrôle sans direction régionale : {unknown}")
                categories[nature] = tuple(Label(code, by_code[code].label) for code in entries)
            else:
                categories[nature] = tuple(Label(c["code"], c["label"]) for c in entries)
        return cls(
            natures=tuple(Label(n["code"], n["label"]) for n in raw["natures"]),
            categories=categories,
            directorates=directorates,
            fields=tuple(FieldDomain(f["domain"], f["label"], tuple(f["sub_domains"])) for f in raw["fields"]),
            refusal_grounds=tuple(Label(g["code"], g["label"]) for g in raw["refusal_grounds"]),
            poles=dict(raw["poles"]),
        )

    def nature(self, code: str) -> Label | None:
        return _find(self.natures, code)

    def category(self, nature: str, code: str) -> Label | None:
        return _find(self.categories.get(nature, ()), code)

    def directorate(self, code: str) -> Directorate | None:
        return next((d for d in self.directorates if d.code == code), None)

    def field_domain(self, domain: str) -> FieldDomain | None:
        return next((f for f in self.fields if f.domain == domain), None)

    def refusal_ground(self, code: str) -> Label | None:
        return _find(self.refusal_grounds, code)

    def unit_for(self, nature: str, directorate: Directorate) -> str:
        """The unit that examines a request of this nature, as the manual shows it ("DR Lyon - PAE")."""
        return directorate.unit or f"{directorate.label} - {self.poles[nature]}"

    def describe(self, nature: str, category: str, sub_category: str | None) -> str:
        """The "type de demande" column: nature / category / sub-category, by their labels."""
        parts = [_label(self.nature(nature), nature), _label(self.category(nature, category), category)]
        if sub_category:
            parts.append(_label(self.directorate(sub_category), sub_category))
        return " / ".join(parts)

    def as_dict(self) -> dict[str, Any]:
        """The `GET /referentials` document."""
        return {
            "natures": [_pair(n) for n in self.natures],
            "categories": {nature: [_pair(c) for c in cats] for nature, cats in self.categories.items()},
            "directorates": [
                {
                    "code": d.code,
                    "label": d.label,
                    "territory": d.territory,
                    "mailbox": d.mailbox,
                    "central": d.central,
                }
                for d in self.directorates
            ],
            "fields": [{"domain": f.domain, "label": f.label, "sub_domains": list(f.sub_domains)} for f in self.fields],
            "refusal_grounds": [_pair(g) for g in self.refusal_grounds],
        }


@cache
def default_referentials() -> Referentials:
    """The reference data shipped with the service (`referentials.yaml`)."""
    text = resources.files("essoc.domain").joinpath("referentials.yaml").read_text(encoding="utf-8")
    return Referentials.from_mapping(yaml.safe_load(text))


def _find(items: tuple[Label, ...], code: str) -> Label | None:
    return next((item for item in items if item.code == code), None)


def _label(item: Label | Directorate | None, fallback: str) -> str:
    return item.label if item else fallback


def _pair(item: Label) -> dict[str, str]:
    return {"code": item.code, "label": item.label}
