"""The déclaration rectificative: a filed declaration corrected by its producer (the *droit à l'erreur*).

The producer opens a copy of the declaration in force for the quarter, changes what was wrong and files it as
« déclaration rectificative n° N ». Filed, it supersedes the one it corrects (both stay, with their events); taxcalc
computes the difference it makes (`Difference`): a supplement due, with its own due date, or a credit carried to
boxes 10 and 22 of the relation's next declaration.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from contracts.errors import Conflict, DomainError
from contracts.events.declarations import (
    AnnualTurnoverDeclared,
    Correction,
    CorrectionOpened,
    DeclarationDrafted,
    DeclarationFiled,
    DeclarationSuperseded,
    LineAdded,
)
from declarations.domain import calendar
from declarations.domain.filing import Totals

if TYPE_CHECKING:
    from declarations.domain.declaration import Declaration, DeclarationEvent

RECOVERY_YEARS = 3
"""The recovery period (« délai de reprise »): code des douanes art. 354, « le droit de reprise de l'administration
s'exerce pendant un délai de trois ans, à compter du fait générateur », applied to the octroi de mer by loi
n° 2004-639 du 2 juillet 2004, art. 47 (its taxes are recovered and checked as customs duties). The same three
years bound the producer's claims (code des douanes art. 352). A quarter's taxable events run to its last day: the
period is counted from it, so that no delivery of the quarter is out of time when the correction is opened."""


def recovery_period_end(year: int, quarter: int) -> date:
    """The last day a declaration of the quarter can still be corrected (`RECOVERY_YEARS` after its last day)."""
    last = calendar.quarter_last_day(year, quarter)  # 31/03, 30/06, 30/09 or 31/12: the same day exists every year
    return last.replace(year=last.year + RECOVERY_YEARS)


def correction_id(original_root: str, corrective: int) -> str:
    """The rectificative's stream: the quarter's declaration id and its number (« decl-…-2026-Q3-R1 »)."""
    return f"{original_root}-R{corrective}"


def check_correctable(declaration: Declaration, *, today: date) -> None:
    """A declaration can be corrected if it is filed, still in force, has no rectificative open and its quarter is
    within the recovery period; `today` is the territory's date."""
    if declaration.filing is None:
        raise Conflict(
            "Seule une déclaration déposée peut être rectifiée : tant qu'elle ne l'est pas, modifiez-la directement.",
            field="id",
            code="declaration-non-deposee",
        )
    if declaration.superseded_by is not None:
        raise Conflict(
            "Cette déclaration a déjà été rectifiée : c'est la dernière déclaration rectificative déposée qui peut "
            "l'être à son tour.",
            field="id",
            code="declaration-remplacee",
            extra={"superseded_by": declaration.superseded_by},
        )
    if declaration.correction_open is not None:
        raise Conflict(
            "Une déclaration rectificative de cette déclaration est déjà en cours : reprenez-la.",
            field="id",
            code="rectificative-en-cours",
            extra={"correction_id": declaration.correction_open},
        )
    end = recovery_period_end(declaration.year, declaration.quarter)
    if today > end:
        raise DomainError(
            f"Le délai de reprise de trois ans est écoulé depuis le {end:%d/%m/%Y} : la déclaration du "
            f"{calendar.quarter_name(declaration.year, declaration.quarter)} ne peut plus être rectifiée en ligne. "
            "Adressez-vous à votre bureau de douane.",
            field="id",
            code="delai-de-reprise-ecoule",
        )


def open_correction(
    declaration: Declaration, new_id: str, *, now: datetime
) -> tuple[list[DeclarationEvent], list[DeclarationEvent]]:
    """What opening a rectificative decides: on the declaration, `CorrectionOpened`; the rectificative's own
    stream, a copy of it as filed (its data, lines, turnover and deductions) to be corrected."""
    check_correctable(declaration, today=calendar.local_date(now, declaration.territory))
    corrective = declaration.corrective + 1
    copy: list[DeclarationEvent] = [
        DeclarationDrafted(
            declaration_id=new_id,
            relation_id=declaration.relation_id,
            relation_number=declaration.relation_number,
            siret=declaration.siret,
            establishment=declaration.establishment,
            office=declaration.office,
            year=declaration.year,
            quarter=declaration.quarter,
            due_date=declaration.due_date,
            corrects=declaration.id,
            corrective=corrective,
        )
    ]
    if declaration.declarant is not None:
        copy.append(declaration.declarant)
    copy += [
        LineAdded(
            line_id=line.line_id,
            annex=line.annex,
            nomenclature=line.nomenclature,
            price_excl_tax=line.price_excl_tax,
            cana=line.cana,
            naf=line.naf,
            rates_date=line.rates_date,
            avitaillement=line.avitaillement,
            rfs=line.rfs,
        )
        for line in declaration.lines.values()
    ]
    if declaration.annual_turnover is not None:
        copy.append(AnnualTurnoverDeclared(amount=declaration.annual_turnover))
    if declaration.deductions is not None:
        copy.append(declaration.deductions)
    return [CorrectionOpened(correction_id=new_id, corrective=corrective)], copy


def supersede(declaration: Declaration, by: str, corrective: int, *, now: datetime) -> list[DeclarationEvent]:
    """On the corrected declaration, when its rectificative is filed: it is no longer the one in force."""
    if declaration.correction_open != by:
        raise Conflict(
            "La déclaration rectifiée n'attend plus cette rectificative : rechargez la page.",
            field="id",
            code="rectificative-obsolete",
        )
    return [DeclarationSuperseded(by=by, corrective=corrective, superseded_at=now.astimezone(UTC))]


def supplement_due(original_due: date, filed_on: date) -> date:
    """The day a rectificative's supplement is due: the tax was due with the declaration it corrects, so the
    supplement is payable at once when the rectificative is filed after that declaration's due date (the manual:
    « déposée et payée »), and by that due date when it is filed before (the quarter's deadline still runs).
    No penalty or interest is computed here: the office applies them (ESSOC, loi 2018-727 art. 2: a first error
    corrected spontaneously in good faith is not sanctioned)."""
    return max(original_due, filed_on)


def filed_correction(
    declaration: Declaration, totals: Totals, *, now: datetime, declarant_email: str | None
) -> DeclarationFiled:
    """The rectificative filed with the totals and the difference taxcalc computed for its current version. It is
    not a late filing (its quarter was filed): what it adds is due on `supplement_due`."""
    if declaration.corrects is None:
        raise ValueError(f"{declaration.id} is not a déclaration rectificative")
    if totals.difference is None:
        raise Conflict(
            "La différence avec la déclaration rectifiée n'est pas encore calculée : réessayez dans un instant.",
            field="totals",
            code="totaux-en-attente",
        )
    filed_on = calendar.local_date(now, declaration.territory)
    return DeclarationFiled(
        filed_at=now.astimezone(UTC),
        totals_version=totals.declaration_version,
        boxes=dict(totals.boxes),
        total_due=totals.total_due,
        late=False,
        days_late=0,
        declarant_email=declarant_email or None,
        warnings=list(totals.warnings),
        correction=Correction(
            corrects=declaration.corrects,
            corrective=declaration.corrective,
            difference=totals.difference,
            supplement_due=supplement_due(declaration.due_date, filed_on),
        ),
    )
