"""Events of the tax calculator: tariffs, line assessments, totals and the credit ledger."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from contracts import topics
from contracts.events.declarations import BOX_NUMBERS, Correction, Difference
from contracts.personal import BY_VALUE, Code, Digest, Id, NotPersonal, Reference, contact
from contracts.registry import event
from contracts.types import Money, Rate, Territory

TariffLabel = Annotated[str, NotPersonal("libellé d'une ligne du tarif")]
CODE_MESSAGES = NotPersonal("messages écrits par le calcul")


class _Event(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class TariffLine(_Event):
    code: Code = Field(description="chapter (2 digits), heading (4), subheading (6), NC8 or TARIC10")
    cana: Code | None = None
    kind: Literal["OMI", "OME"]
    om_rate: Rate
    omr_rate: Rate
    valid_from: date
    valid_to: date | None = None
    deliberation: Reference
    label: TariffLabel = ""

    def covers(self, nomenclature: str, on: date) -> bool:
        """Whether the line applies to this product on that day: its code begins the product's (a chapter
        covers its headings), and it is in force. Codes are stored without separators."""
        in_force = self.valid_from <= on and (self.valid_to is None or on <= self.valid_to)
        return in_force and nomenclature.startswith(self.code)


@event("TariffPublished", stream_type="tariff", topic=topics.TAXCALC)
class TariffPublished(_Event):
    territory: Territory
    source_sha256: Digest
    lines: list[TariffLine]


@event("LineAssessed", stream_type="assessment", topic=topics.TAXCALC)
class LineAssessed(_Event):
    declaration_id: Id
    declaration_version: int
    line_id: Id
    annex: Literal["A", "B"]
    status: Literal["assessed", "no_rate"]
    om_rate: Rate | None = None
    omr_rate: Rate | None = None
    kind: Literal["OMI", "OME"] | None = None
    matched_code: Code | None = None
    deliberation: Reference | None = None
    label: TariffLabel | None = None
    om_amount: Money
    omr_amount: Money


@event("TotalsProjected", stream_type="assessment", topic=topics.TAXCALC)
class TotalsProjected(_Event):
    declaration_id: Id
    declaration_version: int
    relation_id: Id
    complete: bool = Field(description="false while a line has no rate")
    boxes: Annotated[dict[str, Money], BOX_NUMBERS]
    total_due: Money
    warnings: Annotated[list[str], CODE_MESSAGES] = Field(default_factory=list)
    errors: Annotated[list[str], CODE_MESSAGES] = Field(default_factory=list)
    difference: Difference | None = Field(
        default=None, description="a déclaration rectificative: what it changes against the one it supersedes"
    )


@event("DeclarationAssessed", stream_type="assessment", topic=topics.TAXCALC)
class DeclarationAssessed(_Event):
    declaration_id: Id
    relation_id: Id
    relation_number: Reference
    office: Code
    year: int
    quarter: int
    filed_at: datetime
    late: bool
    days_late: int
    boxes: Annotated[dict[str, Money], BOX_NUMBERS]
    total_due: Money
    declarant_email: Annotated[str, contact("declarant", BY_VALUE)] | None = None
    warnings: Annotated[list[str], CODE_MESSAGES] = Field(default_factory=list)
    correction: Correction | None = None


@event("CreditCarriedForward", stream_type="ledger", topic=topics.TAXCALC)
class CreditCarriedForward(_Event):
    relation_id: Id
    declaration_id: Id
    year: int
    quarter: int
    om_credit: Money = Field(description="box 14, carried to box 10 of the next declaration")
    omr_credit: Money = Field(description="box 26, carried to box 22 of the next declaration")
    absorbed: Annotated[list[str], NotPersonal("identifiants des déclarations rectificatives")] = Field(
        default_factory=list, description="the rectificatives whose credit this declaration's boxes 10/22 took in"
    )


@event("CorrectionCredited", stream_type="ledger", topic=topics.TAXCALC)
class CorrectionCredited(_Event):
    """A déclaration rectificative lowered what was owed: the credit waits for the relation's next declaration
    (boxes 10 and 22), which absorbs it when filed."""

    relation_id: Id
    declaration_id: Id = Field(description="the déclaration rectificative")
    year: int
    quarter: int
    om_credit: Money
    omr_credit: Money
