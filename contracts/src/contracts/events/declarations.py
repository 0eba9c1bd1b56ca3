"""Events of a quarterly octroi de mer declaration (DOMINO-NG), stream type `declaration`."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from contracts import topics
from contracts.personal import (
    BY_ACTOR,
    BY_VALUE,
    Code,
    ComptableId,
    Id,
    NotPersonal,
    Reference,
    Siret,
    contact,
    identity,
)
from contracts.registry import event, upcaster
from contracts.types import Money

BOX_NUMBERS = NotPersonal("numéros de case de la déclaration")
RelationEmail = Annotated[str, contact("declarant", BY_VALUE)]
Establishment = Annotated[str, NotPersonal("nom d'un établissement de production, une personne morale")]


def _decl(name: str, version: int = 1):  # type: ignore[no-untyped-def]
    return event(name, version=version, stream_type="declaration", topic=topics.DECLARATIONS)


class _Event(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


@_decl("DeclarationDrafted")
class DeclarationDrafted(_Event):
    declaration_id: Id
    relation_id: Id
    relation_number: Reference
    siret: Siret
    establishment: Establishment
    office: Code
    year: int = Field(ge=2000, le=2100)
    quarter: int = Field(ge=1, le=4)
    due_date: date
    corrects: Id | None = Field(
        default=None, description="a déclaration rectificative: the id of the filed declaration it corrects"
    )
    corrective: int = Field(default=0, ge=0, description="the rectificative's number N (0: the quarter's original)")


@_decl("CorrectionOpened")
class CorrectionOpened(_Event):
    """On a filed declaration: its producer opened a déclaration rectificative of it (a copy to correct)."""

    correction_id: Id
    corrective: int = Field(ge=1)


@_decl("DeclarationSuperseded")
class DeclarationSuperseded(_Event):
    """On a filed declaration: the rectificative that corrects it was filed and is now the one in force."""

    by: Id = Field(description="the id of the déclaration rectificative")
    corrective: int = Field(ge=1)
    superseded_at: datetime


@_decl("DeclarantDetailsSet")
class DeclarantDetailsSet(_Event):
    name: Annotated[str, identity("declarant", BY_ACTOR)]
    quality: Literal["representant", "mandataire"]
    place: Annotated[str, identity("declarant", BY_ACTOR)]
    payment_method: Code


@_decl("LineAdded", version=2)
class LineAdded(_Event):
    line_id: Id
    annex: Literal["A", "B"]
    nomenclature: Code
    price_excl_tax: Money
    cana: Code | None = None
    naf: Code | None = None
    rates_date: date | None = None
    avitaillement: bool = False
    rfs: bool = False


@upcaster("LineAdded", from_version=1)
def _line_added_v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    # v1 (pilot) called the price `price` and had no avitaillement/RFS flags.
    data["price_excl_tax"] = data.pop("price")
    data.setdefault("avitaillement", False)
    data.setdefault("rfs", False)
    return data


@_decl("LineRemoved")
class LineRemoved(_Event):
    line_id: Id


@_decl("LineChanged")
class LineChanged(_Event):
    """A line of annexe A or B changed before filing: every changeable field as it now is (not a diff). Its
    annex, nomenclature and date of application stay what `LineAdded` said: changing them is another line."""

    line_id: Id
    price_excl_tax: Money
    cana: Code | None = Field(description="annexe A only; null when the line names none")
    naf: Code | None = Field(description="the production activity (the APE when none was typed)")
    avitaillement: bool = Field(description="annexe A only")
    rfs: bool = Field(description="placement sous RFS, annexe B only")


@_decl("AnnualTurnoverDeclared")
class AnnualTurnoverDeclared(_Event):
    amount: Money


class Deductions(_Event):
    """Amounts keyed by box number ("5", "7", "9bis", "13bis"…) and the art. 19-1 flags."""

    amounts: Annotated[dict[str, Money], BOX_NUMBERS] = Field(default_factory=dict)
    flags: Annotated[dict[str, bool], BOX_NUMBERS] = Field(default_factory=dict)
    years: Annotated[dict[str, int], BOX_NUMBERS] = Field(
        default_factory=dict,
        description="year of the omission of a late deduction (boxes 9, 9bis, 21, 21bis); "
        "the declaration's year when absent",
    )


@_decl("DeductionsEntered", version=2)
class DeductionsEntered(_Event):
    om: Deductions
    omr: Deductions


@upcaster("DeductionsEntered", from_version=1)
def _deductions_entered_v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    # v1 had no year of omission: the late deductions were of the declaration's own year.
    for tax in ("om", "omr"):
        data[tax] = {**data[tax], "years": data[tax].get("years", {})}
    return data


class Difference(_Event):
    """What a déclaration rectificative changes against the declaration it supersedes, tax by tax (taxcalc's
    `correction.difference`): a positive change is owed (the supplement), a negative one is a credit carried to
    box 10 (OM) or 22 (OMR) of the relation's next declaration."""

    original_total_due: Money
    corrected_total_due: Money
    om: Money = Field(description="change of the OM position: (box 15 − box 14) corrected minus original")
    omr: Money = Field(description="change of the OMR position: (box 27 − box 26) corrected minus original")
    supplement: Money = Field(description="what the rectificative makes payable: the positive changes")
    om_credit: Money = Field(description="carried to box 10 of the next declaration")
    omr_credit: Money = Field(description="carried to box 22 of the next declaration")


class Correction(_Event):
    """A filed déclaration rectificative: the declaration it supersedes and the difference it makes."""

    corrects: Id
    corrective: int = Field(ge=1)
    difference: Difference
    supplement_due: date = Field(description="the day its supplement is due, in the territory")


@_decl("DeclarationFiled")
class DeclarationFiled(_Event):
    filed_at: datetime
    totals_version: int = Field(description="declaration version the filed totals were computed for")
    boxes: Annotated[dict[str, Money], BOX_NUMBERS]
    total_due: Money
    late: bool
    days_late: int = Field(ge=0)
    declarant_email: Annotated[str, contact("declarant", BY_ACTOR)] | None = None
    warnings: Annotated[list[str], NotPersonal("messages écrits par le calcul")] = Field(default_factory=list)
    correction: Correction | None = Field(default=None, description="a déclaration rectificative's difference")

    @property
    def payable(self) -> Money:
        """What this filing asks to pay: the total due, or a rectificative's supplement."""
        return self.correction.difference.supplement if self.correction else self.total_due


@_decl("PaymentRecorded")
class PaymentRecorded(_Event):
    """A payment received for a filed declaration, as the payment system or the accountant records it."""

    reference: Reference = Field(description="the payment's reference at the payment system (idempotency key)")
    amount: Money
    paid_on: date = Field(description="the day the payment was received, in the territory")
    method: Code = Field(description="telepaiement, carte_bancaire, virement, cheque or numeraire")
    recorded_by: ComptableId


@event("FilingReminderIssued", stream_type="reminder", topic=topics.DECLARATIONS)
class FilingReminderIssued(_Event):
    """A relation's declaration of a quarter is not filed: a reminder before its due date, or a late notice the
    day after. One stream per relation and quarter, so each is issued once across restarts and replicas."""

    relation_id: Id
    relation_number: Reference
    establishment: Establishment
    year: int = Field(ge=2000, le=2100)
    quarter: int = Field(ge=1, le=4)
    due_date: date
    kind: Literal["before_due", "late"]
    days_before: int | None = Field(default=None, description="before_due: how many days before the due date")
    email: RelationEmail = Field(description="the relation's declarant, as the referential names them")
