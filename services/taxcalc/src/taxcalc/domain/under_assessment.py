"""A declaration as taxcalc assesses it: what declarations said of it (the events taxcalc consumed)
and what taxcalc decided about it (its own `assess-<id>` stream).

Folded from both streams, it decides each step of the assessment by returning the events to append:
a new or changed line's rates and amounts, the boxes of the current version, the settlement of a filing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from pydantic import BaseModel

from contracts.events.declarations import (
    AnnualTurnoverDeclared,
    DeclarationDrafted,
    DeclarationFiled,
    Deductions,
    DeductionsEntered,
    LineAdded,
    LineChanged,
    LineRemoved,
)
from contracts.events.taxcalc import DeclarationAssessed, LineAssessed, TotalsProjected
from contracts.recorded import Recorded
from contracts.types import Territory
from taxcalc.domain import correction
from taxcalc.domain.assessment import LineAssessment, assess_line, project_totals, quarter_start
from taxcalc.domain.ledger import ZERO, CarriedCredit, CreditLedger, LedgerEntry
from taxcalc.domain.parameters import RefundThresholds
from taxcalc.domain.tariff import Tariff

NO_DEDUCTIONS = Deductions()


def assessment_stream(declaration_id: str) -> str:
    return f"assess-{declaration_id}"


@dataclass
class DeclarationUnderAssessment:
    declaration_id: str
    territory: Territory
    relation_id: str
    relation_number: str
    office: str
    year: int
    quarter: int
    corrects: str | None = None
    """A déclaration rectificative: the declaration it supersedes once filed."""
    corrective: int = 0
    lines: dict[str, LineAdded] = field(default_factory=dict)
    assessments: dict[str, LineAssessed] = field(default_factory=dict)
    """The latest assessment of each line, by line id."""
    changed_in: dict[str, int] = field(default_factory=dict)
    """The declaration version of each changed line's latest `LineChanged`: an assessment of an earlier version
    is of its old values."""
    deductions: DeductionsEntered | None = None
    annual_turnover: Decimal | None = None
    filing: DeclarationFiled | None = None
    declaration_version: int = 1
    """The version folded: every version of the declaration up to it was received."""
    latest_received: int = 1
    """The highest version received; above `declaration_version` when one before it is missing."""
    projected_for: int = 0
    """The declaration version of taxcalc's latest TotalsProjected (0: none yet)."""
    settled: bool = False
    """Whether taxcalc has appended the DeclarationAssessed of its filing."""

    # ---- folding -------------------------------------------------------------------------------

    @classmethod
    def fold(
        cls, declaration: Sequence[Recorded[BaseModel]], assessment: Sequence[Recorded[BaseModel]] = ()
    ) -> DeclarationUnderAssessment:
        """From the declaration's consumed events (the first is its `DeclarationDrafted`, version 1) and
        taxcalc's own events about it.

        Only the versions received without a gap are folded: an event that arrives after a missing one
        (a message lost by the broker, to be published again) waits, so no totals are ever computed on a
        declaration with a hole in it.
        """
        first = declaration[0] if declaration else None
        if first is None or not isinstance(first.event, DeclarationDrafted) or first.version != 1:
            raise ValueError("a declaration under assessment starts with its DeclarationDrafted")
        drafted = first.event
        state = cls(
            declaration_id=drafted.declaration_id,
            territory=first.territory,
            relation_id=drafted.relation_id,
            relation_number=drafted.relation_number,
            office=drafted.office,
            year=drafted.year,
            quarter=drafted.quarter,
            corrects=drafted.corrects,
            corrective=drafted.corrective,
        )
        for recorded in sorted(declaration[1:], key=lambda r: r.version):
            state.latest_received = max(state.latest_received, recorded.version)
            if recorded.version == state.declaration_version + 1:  # past a gap, nothing more is folded
                state.declared(recorded.event, recorded.version)
        for recorded in assessment:
            match recorded.event:
                case LineAssessed():
                    state.apply(recorded.event)
                case TotalsProjected():
                    state.projected_for = max(state.projected_for, recorded.event.declaration_version)
                case DeclarationAssessed():
                    state.settled = True
        return state

    def declared(self, event: BaseModel, version: int) -> None:
        """Folds one more event of the declaration (what the declarant did)."""
        if isinstance(event, LineAdded):
            self.lines[event.line_id] = event
        elif isinstance(event, LineChanged):
            self._line_changed(event, version)
        elif isinstance(event, LineRemoved):
            self.lines.pop(event.line_id, None)
            self.changed_in.pop(event.line_id, None)
        elif isinstance(event, AnnualTurnoverDeclared):
            self.annual_turnover = event.amount
        elif isinstance(event, DeductionsEntered):
            self.deductions = event
        elif isinstance(event, DeclarationFiled):
            self.filing = event
        self.declaration_version = version

    def _line_changed(self, event: LineChanged, version: int) -> None:
        line = self.lines.get(event.line_id)
        if line is not None:
            changed = {**line.model_dump(mode="json"), **event.model_dump(mode="json")}
            self.lines[event.line_id] = LineAdded.model_validate(changed)
            self.changed_in[event.line_id] = version

    def apply(self, event: LineAssessed) -> None:
        """Folds one of taxcalc's own assessments of a line."""
        self.assessments[event.line_id] = event

    # ---- reading -------------------------------------------------------------------------------

    @property
    def missing_versions(self) -> list[int]:
        """Versions of the declaration not received yet, below the highest one received."""
        return list(range(self.declaration_version + 1, self.latest_received))

    def current_assessment(self, line_id: str) -> LineAssessed | None:
        """The line's latest assessment, if it is of the line's current values (made since its last change)."""
        assessed = self.assessments.get(line_id)
        if assessed is None or assessed.declaration_version < self.changed_in.get(line_id, 0):
            return None
        return assessed

    def unassessed_lines(self) -> list[str]:
        """Lines never assessed, or changed since their latest assessment."""
        return [i for i in self.lines if self.current_assessment(i) is None]

    def lines_without_rate(self) -> list[str]:
        """Lines still declared whose latest assessment found no rate in the tariff."""
        return [i for i in self.lines if i in self.assessments and self.assessments[i].status == "no_rate"]

    def assessed_lines(self) -> list[LineAssessment]:
        current = {i: self.current_assessment(i) for i in self.lines}
        return [
            LineAssessment.from_event(assessed, self.lines[i].price_excl_tax)
            for i, assessed in current.items()
            if assessed is not None
        ]

    # ---- decisions -----------------------------------------------------------------------------

    def assess(self, line_id: str, tariff: Tariff) -> LineAssessed:
        """The rates of the tariff in force on the line's date of application, and its amounts."""
        assessment = assess_line(tariff, self.territory, self.lines[line_id], quarter_start(self.year, self.quarter))
        return assessment.to_event(self.declaration_id, self.declaration_version)

    def project(
        self, ledger: CreditLedger, thresholds: RefundThresholds, superseded: DeclarationFiled | None = None
    ) -> TotalsProjected:
        """Boxes 1–27 of the current version, box 10/22 from the relation's credit ledger; a rectificative keeps
        the boxes 10/22 the declaration it corrects (`superseded`, as filed) received, and gets its difference."""
        deductions = self.deductions
        carried = ledger.carried_into(self.year, self.quarter)
        if self.corrects is not None and superseded is not None:
            carried = CarriedCredit(om=superseded.boxes.get("10", ZERO), omr=superseded.boxes.get("22", ZERO))
        totals = project_totals(
            self.assessed_lines(),
            deductions.om if deductions else NO_DEDUCTIONS,
            deductions.omr if deductions else NO_DEDUCTIONS,
            year=self.year,
            quarter=self.quarter,
            annual_turnover=self.annual_turnover,
            carried=carried,
            thresholds=thresholds,
        )
        projected = totals.to_event(self.declaration_id, self.declaration_version, self.relation_id)
        if self.corrects is None or superseded is None:
            return projected
        change = correction.difference(superseded.boxes, superseded.total_due, totals.boxes, totals.total_due)
        return projected.model_copy(update={"difference": change})

    def settle(self) -> DeclarationAssessed:
        """The filed declaration, assessed with the totals it was filed with."""
        filed = self._filed()
        return DeclarationAssessed(
            declaration_id=self.declaration_id,
            relation_id=self.relation_id,
            relation_number=self.relation_number,
            office=self.office,
            year=self.year,
            quarter=self.quarter,
            filed_at=filed.filed_at,
            late=filed.late,
            days_late=filed.days_late,
            boxes=filed.boxes,
            total_due=filed.total_due,
            declarant_email=filed.declarant_email,
            warnings=filed.warnings,
            correction=filed.correction,
        )

    def credit(self) -> LedgerEntry:
        """What the filing carries to the next quarter: boxes 14 (OM) and 26 (OMR)."""
        boxes = self._filed().boxes
        return LedgerEntry(
            declaration_id=self.declaration_id,
            year=self.year,
            quarter=self.quarter,
            om_credit=boxes.get("14", Decimal("0")),
            omr_credit=boxes.get("26", Decimal("0")),
        )

    def _filed(self) -> DeclarationFiled:
        if self.filing is None:
            raise ValueError(f"declaration {self.declaration_id} is not filed")
        return self.filing
