"""The `Declaration` aggregate: its state folded from its events, and the commands that decide new ones.

A command reads the state and returns the events it decides (never stored here), or raises a
`DomainError` / `Conflict` / `NotFound` with a French message and the field at fault.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel

from contracts.errors import Conflict, DomainError
from contracts.events.collection import DebitScheduled, PaymentReturned
from contracts.events.declarations import (
    AnnualTurnoverDeclared,
    CorrectionOpened,
    DeclarantDetailsSet,
    DeclarationDrafted,
    DeclarationFiled,
    DeclarationSuperseded,
    DeductionsEntered,
    LineAdded,
    LineChanged,
    LineRemoved,
    PaymentRecorded,
)
from contracts.recorded import Recorded
from contracts.types import Territory
from declarations.domain import calendar, correction
from declarations.domain import deductions as deduction_boxes
from declarations.domain import lines as line_rules
from declarations.domain import payments as payment_rules
from declarations.domain.amounts import parse_amount
from declarations.domain.canas import CanaMeasures
from declarations.domain.declarant import PAYMENT_METHODS, declarant_details
from declarations.domain.filing import Totals, check_totals, filed
from declarations.domain.lines import Annex, Line, LineChange, LineEntry, RowRefusal, new_line, new_lines

DeclarationEvent = (
    DeclarationDrafted
    | DeclarantDetailsSet
    | LineAdded
    | LineRemoved
    | LineChanged
    | AnnualTurnoverDeclared
    | DeductionsEntered
    | DeclarationFiled
    | PaymentRecorded
    | DebitScheduled
    | PaymentReturned
    | CorrectionOpened
    | DeclarationSuperseded
)
Status = Literal["draft", "filed"]

FILED_IS_FINAL = "La déclaration est déposée : elle ne peut plus être modifiée."


@dataclass
class Declaration:
    """One quarterly declaration of octroi de mer interne, as its events left it."""

    id: str
    territory: Territory
    relation_id: str
    relation_number: str
    siret: str
    establishment: str
    office: str
    year: int
    quarter: int
    due_date: date
    status: Status = "draft"
    declarant: DeclarantDetailsSet | None = None
    lines: dict[str, Line] = field(default_factory=dict)
    annual_turnover: Decimal | None = None
    deductions: DeductionsEntered | None = None
    filing: DeclarationFiled | None = None
    payments: list[PaymentRecorded] = field(default_factory=list)
    returned: list[PaymentReturned] = field(default_factory=list)
    debit: DebitScheduled | None = None
    corrects: str | None = None
    """A déclaration rectificative: the declaration it corrects."""
    corrective: int = 0
    """The rectificative's number N (0: the quarter's original declaration)."""
    correction_open: str | None = None
    """The rectificative of this declaration being prepared, until it is filed."""
    superseded_by: str | None = None
    """The filed rectificative that replaced this declaration."""
    version: int = 1
    """Number of events folded so far: the stream version the next command must append after."""

    # ---- rebuilding -------------------------------------------------------------------------------

    @classmethod
    def fold(cls, events: Iterable[BaseModel], *, territory: Territory) -> Declaration:
        """The declaration its events describe, oldest first; the first one must be `DeclarationDrafted`."""
        stream = iter(events)
        first = next(stream, None)
        if not isinstance(first, DeclarationDrafted):
            raise ValueError(f"a declaration starts with DeclarationDrafted, not {type(first).__name__}")
        declaration = cls._drafted(first, territory)
        for event in stream:
            declaration.apply(event)
        return declaration

    @classmethod
    def from_recorded(cls, events: Sequence[Recorded[BaseModel]]) -> Declaration:
        """The declaration rebuilt from its stored events (the repository's fold)."""
        if not events:
            raise ValueError("an empty stream holds no declaration")
        return cls.fold((e.event for e in events), territory=events[0].territory)

    def apply(self, event: BaseModel) -> None:
        """Folds one more event into the state (one handler per event type)."""
        if isinstance(event, DeclarantDetailsSet):
            self._declarant_details_set(event)
        elif isinstance(event, LineAdded):
            self._line_added(event)
        elif isinstance(event, LineRemoved):
            self._line_removed(event)
        elif isinstance(event, LineChanged):
            self.lines[event.line_id] = self.lines[event.line_id].changed(event)
        elif isinstance(event, AnnualTurnoverDeclared):
            self._annual_turnover_declared(event)
        elif isinstance(event, DeductionsEntered):
            self._deductions_entered(event)
        elif isinstance(event, DeclarationFiled):
            self._filed(event)
        elif isinstance(event, PaymentRecorded):
            self.payments.append(event)
        elif isinstance(event, PaymentReturned):
            self.returned.append(event)
        elif isinstance(event, DebitScheduled):
            self.debit = event
        elif isinstance(event, CorrectionOpened):
            self.correction_open = event.correction_id
        elif isinstance(event, DeclarationSuperseded):
            self.superseded_by, self.correction_open = event.by, None
        elif isinstance(event, DeclarationDrafted):
            raise ValueError(f"declaration {self.id} drafted twice")
        else:
            raise ValueError(f"{type(event).__name__} is not an event of a declaration")
        self.version += 1

    def apply_all(self, events: Iterable[BaseModel]) -> Declaration:
        for event in events:
            self.apply(event)
        return self

    @classmethod
    def _drafted(cls, event: DeclarationDrafted, territory: Territory) -> Declaration:
        return cls(
            id=event.declaration_id,
            territory=territory,
            relation_id=event.relation_id,
            relation_number=event.relation_number,
            siret=event.siret,
            establishment=event.establishment,
            office=event.office,
            year=event.year,
            quarter=event.quarter,
            due_date=event.due_date,
            corrects=event.corrects,
            corrective=event.corrective,
        )

    def _declarant_details_set(self, event: DeclarantDetailsSet) -> None:
        self.declarant = event

    def _line_added(self, event: LineAdded) -> None:
        self.lines[event.line_id] = Line.from_event(event, self.first_day)

    def _line_removed(self, event: LineRemoved) -> None:
        self.lines.pop(event.line_id, None)

    def _annual_turnover_declared(self, event: AnnualTurnoverDeclared) -> None:
        self.annual_turnover = event.amount

    def _deductions_entered(self, event: DeductionsEntered) -> None:
        self.deductions = event

    def _filed(self, event: DeclarationFiled) -> None:
        self.status = "filed"
        self.filing = event

    # ---- reading ----------------------------------------------------------------------------------

    @property
    def first_day(self) -> date:
        return calendar.quarter_first_day(self.year, self.quarter)

    @property
    def last_day(self) -> date:
        return calendar.quarter_last_day(self.year, self.quarter)

    @property
    def is_filed(self) -> bool:
        return self.status == "filed"

    def annex(self, annex: Annex) -> list[Line]:
        return [line for line in self.lines.values() if line.annex == annex]

    # ---- commands ---------------------------------------------------------------------------------

    def set_declarant_details(
        self,
        *,
        name: str | None,
        quality: str | None,
        place: str | None,
        payment_method: str | None,
        accepted_payment_methods: Collection[str] = PAYMENT_METHODS,
    ) -> list[DeclarationEvent]:
        self._ensure_draft()
        return [
            declarant_details(
                name=name,
                quality=quality,
                place=place,
                payment_method=payment_method,
                accepted_payment_methods=accepted_payment_methods,
            )
        ]

    def add_line(
        self, line_id: str, entry: LineEntry, *, ape: str | None = None, canas: CanaMeasures | None = None
    ) -> list[DeclarationEvent]:
        """One line; `ape` is the relation's main activity, recorded when the line names no NAF; `canas` the
        CANA measures of the territory's tariff, when known."""
        self._ensure_draft()
        period = (self.first_day, self.last_day)
        return [new_line(line_id, entry, quarter=period, existing=self.lines.values(), ape=ape, canas=canas)]

    def add_lines(
        self,
        entries: Sequence[tuple[int, str, LineEntry]],
        refused: Sequence[RowRefusal] = (),
        *,
        ape: str | None = None,
        canas: CanaMeasures | None = None,
    ) -> list[DeclarationEvent]:
        """Several lines at once (an import): all of them, or none and every wrong row said."""
        self._ensure_draft()
        period = (self.first_day, self.last_day)
        existing = self.lines.values()
        return list(new_lines(entries, quarter=period, existing=existing, refused=refused, ape=ape, canas=canas))

    def change_line(
        self, line_id: str, change: LineChange, *, ape: str | None = None, canas: CanaMeasures | None = None
    ) -> list[DeclarationEvent]:
        """New values for a line's price, CANA, NAF and flags (`lines.changed_line`); nothing if unchanged."""
        self._ensure_draft()
        line, period = line_rules.declared_line(self.lines, line_id), (self.first_day, self.last_day)
        return list(line_rules.changed_line(line, change, quarter=period, lines=self.lines, ape=ape, canas=canas))

    def remove_line(self, line_id: str) -> list[DeclarationEvent]:
        self._ensure_draft()
        return [LineRemoved(line_id=line_rules.declared_line(self.lines, line_id).line_id)]

    def declare_annual_turnover(self, amount: object) -> list[DeclarationEvent]:
        self._ensure_draft()
        # DOMAIN §1: « The Q4 declaration must state the annual production turnover (box 3) »; the
        # manual: « S'il s'agit de la déclaration du quatrième trimestre civil renseignez dans le champ 3 ».
        if self.quarter != 4:
            raise DomainError(
                "Le chiffre d'affaires annuel de production (case 3) ne se déclare que sur la déclaration "
                "du 4e trimestre.",
                field="amount",
            )
        turnover = parse_amount(amount, field="amount", label="Le chiffre d'affaires annuel de production")
        return [AnnualTurnoverDeclared(amount=turnover)]

    def enter_deductions(
        self, om: Mapping[str, object], omr: Mapping[str, object], *, now: datetime
    ) -> list[DeclarationEvent]:
        self._ensure_draft()
        entered = deduction_boxes.enter_deductions(om, omr)
        today = calendar.local_date(now, self.territory)
        deduction_boxes.check_late_deduction_years(entered, declaration_year=self.year, today=today)
        return [entered]

    def file(self, totals: Totals, *, now: datetime, declarant_email: str | None) -> list[DeclarationEvent]:
        """Files the declaration with the totals computed for its current version, late or not."""
        self._ensure_draft()
        calendar.check_quarter_ended(self.year, self.quarter, calendar.local_date(now, self.territory))
        # The manual: the « données de la déclaration » must be filled in before filing.
        if self.declarant is None:
            raise DomainError(
                "Les données de la déclaration (nom, qualité et lieu du déclarant, mode de paiement) "
                "doivent être renseignées avant le dépôt.",
                field="declarant",
            )
        # DOMAIN §1: the Q4 declaration must state the annual production turnover (box 3).
        if self.quarter == 4 and self.annual_turnover is None:
            raise DomainError(
                "La déclaration du 4e trimestre doit indiquer le chiffre d'affaires annuel de production "
                "(case 3) avant le dépôt.",
                field="annual_turnover",
            )
        if self.deductions is not None:  # a late deduction is claimed when the declaration is filed
            today = calendar.local_date(now, self.territory)
            deduction_boxes.check_late_deduction_years(self.deductions, declaration_year=self.year, today=today)
        check_totals(totals, self.version)
        if self.corrects is not None:  # a rectificative is filed with the difference it makes
            return [correction.filed_correction(self, totals, now=now, declarant_email=declarant_email)]
        # A declaration filed after the due date is still received; the event records by how many days
        # it is late, for the office (penalties are not computed here).
        return [
            filed(
                totals,
                now=now,
                territory=self.territory,
                due=self.due_date,
                declarant_email=declarant_email,
                period=(self.year, self.quarter),
            )
        ]

    def record_payment(
        self,
        *,
        reference: str,
        amount: object,
        paid_on: date,
        method: str,
        recorded_by: str,
        now: datetime,
        methods: Collection[str] = PAYMENT_METHODS,
    ) -> list[DeclarationEvent]:
        """A payment received for the filed declaration (nothing when the same payment is recorded again)."""
        if not self.is_filed:
            raise Conflict(
                "La déclaration n'est pas déposée : un paiement ne s'enregistre que sur une déclaration déposée.",
                field="id",
                code="declaration-non-deposee",
            )
        return list(
            payment_rules.record_payment(
                self.payments,
                reference=reference,
                amount=amount,
                paid_on=paid_on,
                method=method,
                recorded_by=recorded_by,
                first_day=self.first_day,
                today=calendar.local_date(now, self.territory),
                methods=methods,
            )
        )

    def payment_state(self) -> payment_rules.PaymentState | None:
        """Paid, partly paid, unpaid, paid late: None while not filed."""
        if self.filing is None:
            return None
        deadline = payment_rules.payment_deadline(
            self.filing.correction.supplement_due if self.filing.correction else self.due_date,
            filed_late=self.filing.late,
            debit_collected_on=self.debit.collection_date if self.debit else None,
        )
        return payment_rules.payment_state(self.filing.payable, deadline, self.payments, self.returned)

    def open_correction(self, new_id: str, *, now: datetime) -> tuple[list[DeclarationEvent], list[DeclarationEvent]]:
        """A déclaration rectificative of this filed declaration (`correction.open_correction`): the event on this
        declaration, and the copy that starts the rectificative's stream."""
        return correction.open_correction(self, new_id, now=now)

    def supersede(self, by: str, corrective: int, *, now: datetime) -> list[DeclarationEvent]:
        return correction.supersede(self, by, corrective, now=now)

    def _ensure_draft(self) -> None:
        if self.is_filed:
            raise Conflict(FILED_IS_FINAL)
