"""The portal's RGAA 4.1 self-assessment (`rgaa.yaml`) read once: its criteria, the conformity rate it gives and the
state the accessibility statement and the footer declare."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, Decimal
from functools import cache
from pathlib import Path
from typing import Any, Literal

import yaml

SOURCE = Path(__file__).parent / "rgaa.yaml"
Status = Literal["conforme", "non conforme", "non applicable"]
STATUSES: tuple[Status, ...] = ("conforme", "non conforme", "non applicable")
CRITERIA_PER_THEME = {1: 9, 2: 2, 3: 3, 4: 13, 5: 8, 6: 2, 7: 5, 8: 10, 9: 4, 10: 14, 11: 13, 12: 11, 13: 12}
"""RGAA 4.1: 106 criteria in 13 themes."""


@dataclass(frozen=True)
class Criterion:
    number: str
    theme: str
    title: str
    status: Status
    note: str = ""
    planned: str = ""


@dataclass(frozen=True)
class Assessment:
    audited_on: date
    by: str
    method: str
    pages: tuple[str, ...]
    criteria: tuple[Criterion, ...]
    plan_period: str
    plan: tuple[tuple[int, tuple[str, ...]], ...]

    @property
    def this_year(self) -> int:
        """The year of the action plan in force, the evaluation's: the multi-year plan is « décliné en plans
        d'actions annuels » (loi n° 2005-102 art. 47)."""
        return self.audited_on.year

    def count(self, status: Status) -> int:
        return sum(1 for c in self.criteria if c.status == status)

    @property
    def rate(self) -> Decimal:
        """Conforming criteria over applicable ones, in percent, one decimal (rounded down: never flattering)."""
        applicable = self.count("conforme") + self.count("non conforme")
        if not applicable:
            return Decimal(0)
        return (Decimal(100) * self.count("conforme") / applicable).quantize(Decimal("0.1"), rounding=ROUND_DOWN)

    @property
    def state(self) -> str:
        """RGAA's three states: totally (100 %), partially (50 % or more) or not conforming."""
        if self.rate == 100:
            return "totalement conforme"
        return "partiellement conforme" if self.rate >= 50 else "non conforme"

    @property
    def failing(self) -> list[Criterion]:
        return [c for c in self.criteria if c.status == "non conforme"]

    def by_theme(self) -> list[tuple[str, list[Criterion]]]:
        themes: dict[str, list[Criterion]] = {}
        for criterion in self.criteria:
            themes.setdefault(criterion.theme, []).append(criterion)
        return list(themes.items())


def read(source: Path = SOURCE) -> Assessment:
    """The assessment in `source`; ValueError when a criterion is missing, repeated or of an unknown status."""
    raw: dict[str, Any] = yaml.safe_load(source.read_text(encoding="utf-8"))
    themes = {int(k): str(v) for k, v in raw["themes"].items()}
    criteria = []
    for entry in raw["criteria"]:
        status = str(entry["status"])
        if status not in STATUSES:
            raise ValueError(f"critère {entry['number']} : statut inconnu {status!r}")
        number = str(entry["number"])
        criteria.append(
            Criterion(
                number=number,
                theme=themes[int(number.split(".")[0])],
                title=str(entry["title"]),
                status=status,
                note=str(entry.get("note") or ""),
                planned=str(entry.get("planned") or ""),
            )
        )
    expected = [f"{theme}.{n}" for theme, count in CRITERIA_PER_THEME.items() for n in range(1, count + 1)]
    if [c.number for c in criteria] != expected:
        raise ValueError("rgaa.yaml doit lister les 106 critères du RGAA 4.1, une fois chacun, dans l'ordre")
    if missing := [c.number for c in criteria if c.status == "non conforme" and not c.planned]:
        raise ValueError(f"critères non conformes sans action prévue : {missing}")
    audit, plan = raw["audit"], raw["plan"]
    assessment = Assessment(
        audited_on=audit["date"],
        by=str(audit["by"]),
        method=str(audit["method"]),
        pages=tuple(str(p) for p in audit["pages"]),
        criteria=tuple(criteria),
        plan_period=str(plan["period"]),
        plan=tuple((int(y["year"]), tuple(str(a) for a in y["actions"])) for y in plan["years"]),
    )
    if assessment.this_year not in [year for year, _ in assessment.plan]:
        raise ValueError(f"le schéma pluriannuel n'a pas de plan d'actions pour {assessment.this_year}")
    return assessment


@cache
def assessment() -> Assessment:
    """The portal's own assessment, read once."""
    return read()
