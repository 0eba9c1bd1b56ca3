"""Lines of the annexes: A (ventes internes, one line per product and rate period) and B (exportations)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from contracts.errors import Conflict, DomainError, NotFound
from contracts.events.declarations import LineAdded, LineChanged
from declarations.domain.amounts import parse_amount
from declarations.domain.canas import CanaMeasures, check_cana_in_tariff
from declarations.domain.codes import normalize_cana, normalize_naf, normalize_nomenclature

Annex = Literal["A", "B"]
ANNEXES: dict[str, Annex] = {"A": "A", "B": "B"}


@dataclass(frozen=True)
class Line:
    """One line of annexe A or B as the declaration holds it."""

    line_id: str
    annex: Annex
    nomenclature: str
    price_excl_tax: Decimal
    cana: str | None = None
    naf: str | None = None
    rates_date: date | None = None
    avitaillement: bool = False
    rfs: bool = False

    @classmethod
    def from_event(cls, event: LineAdded, quarter_first_day: date) -> Line:
        # An annexe A line stored without a date (schema v1) is at the rates of the quarter's first day.
        rates_date = event.rates_date
        if event.annex == "A" and rates_date is None:
            rates_date = quarter_first_day
        return cls(
            line_id=event.line_id,
            annex=event.annex,
            nomenclature=event.nomenclature,
            price_excl_tax=event.price_excl_tax,
            cana=event.cana,
            naf=event.naf,
            rates_date=rates_date,
            avitaillement=event.avitaillement,
            rfs=event.rfs,
        )

    def changed(self, event: LineChanged) -> Line:
        """The line with the values a `LineChanged` gives it (its annex, nomenclature and date stay)."""
        return replace(
            self,
            price_excl_tax=event.price_excl_tax,
            cana=event.cana,
            naf=event.naf,
            avitaillement=event.avitaillement,
            rfs=event.rfs,
        )

    @property
    def identity(self) -> tuple[str, str | None, date | None, bool, str | None]:
        """What identifies an annexe A line: a product (nomenclature, CANA) at the rates in force from a date,
        sold normally or as ship supplies, from one production activity (NAF)."""
        return self.nomenclature, self.cana, self.rates_date, self.avitaillement, self.naf


class LineEntry(BaseModel):
    """A line as the declarant typed it, before any rule: `new_line` decides what it becomes."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    annex: str
    nomenclature: str
    price_excl_tax: Any
    cana: str | None = None
    naf: str | None = None
    rates_date: date | None = None
    avitaillement: bool | None = None
    rfs: bool | None = None


class LineChange(BaseModel):
    """New values of a line's changeable fields as the declarant typed them, all of them: one left out is
    emptied (a NAF left out is the APE's, as when adding)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    price_excl_tax: Any
    cana: str | None = None
    naf: str | None = None
    avitaillement: bool | None = None
    rfs: bool | None = None


@dataclass(frozen=True)
class RowRefusal:
    """Why one row of a batch of lines is refused: its number (1 for the first data row of a list, the
    spreadsheet's row for a file), the field at fault, the message."""

    row: int
    field: str | None
    message: str


MAX_LINES_PER_BATCH = 5000

FIELD_LABELS = {
    "annex": "Annexe",
    "nomenclature": "Nomenclature",
    "cana": "CANA",
    "naf": "Code NAF",
    "rates_date": "Date d'application",
    "price_excl_tax": "Prix hors TVA et hors accises",
    "rfs": "Placement sous RFS",
    "avitaillement": "Avitaillement",
}
"""The columns of the annexes as the manual names them, for the field at fault in a row."""


REPORTED_ERRORS = 100
"""The errors a refused batch reports, at most: the first ones, then how many others (a file of 2 000 wrong rows
gave a 2.2 MB answer and page)."""


class LinesRefused(DomainError):
    """A batch of lines with at least one wrong row: none of them is added."""

    code = "lignes-refusees"

    def __init__(self, refusals: list[RowRefusal], rows: int) -> None:
        wrong = len({r.row for r in refusals})
        others = max(0, len(refusals) - REPORTED_ERRORS)
        super().__init__(
            f"{wrong} ligne{'s' if wrong > 1 else ''} sur {rows} "
            f"{'sont refusées' if wrong > 1 else 'est refusée'} ; aucune ligne n'a été ajoutée."
            + (
                f" Les {REPORTED_ERRORS} premières erreurs sont listées, et {others} autre{'s' if others > 1 else ''}."
                if others
                else ""
            ),
            field="lines",
            extra={
                "other_errors": others,
                "errors": [
                    {
                        "row": r.row,
                        "column": FIELD_LABELS.get(r.field or "", ""),
                        "field": r.field,
                        "message": r.message,
                    }
                    for r in refusals[:REPORTED_ERRORS]
                ],
            },
        )
        self.refusals = refusals


def new_lines(
    entries: Iterable[tuple[int, str, LineEntry]],
    *,
    quarter: tuple[date, date],
    existing: Iterable[Line] = (),
    refused: Iterable[RowRefusal] = (),
    ape: str | None = None,
    canas: CanaMeasures | None = None,
) -> list[LineAdded]:
    """All the rows as `LineAdded` events, each checked as if the rows before it were declared; or, if any
    row is wrong, every wrong row refused at once (`LinesRefused`) and nothing added.

    `entries` are `(row, line_id, entry)`; `refused` are the rows whoever read them could not even read
    (a file's cells), reported with the others."""
    batch = list(entries)
    refusals: list[RowRefusal] = list(refused)
    rows = len(batch) + len({r.row for r in refusals})
    if not rows:
        raise DomainError("Aucune ligne à ajouter.", field="lines")
    if rows > MAX_LINES_PER_BATCH:
        raise DomainError(
            f"Un envoi compte au plus {MAX_LINES_PER_BATCH} lignes ({rows} reçues) : découpez-le.",
            field="lines",
        )
    lines = list(existing)
    events: list[LineAdded] = []
    for row, line_id, entry in batch:
        try:
            event = new_line(line_id, entry, quarter=quarter, existing=lines, ape=ape, canas=canas)
        except DomainError as refused:
            refusals.append(RowRefusal(row, refused.field, refused.detail))
            continue
        events.append(event)
        lines.append(Line.from_event(event, quarter[0]))
    if refusals:
        raise LinesRefused(sorted(refusals, key=lambda r: r.row), rows)
    return events


def new_line(
    line_id: str,
    entry: LineEntry,
    *,
    quarter: tuple[date, date],
    existing: Iterable[Line] = (),
    ape: str | None = None,
    canas: CanaMeasures | None = None,
) -> LineAdded:
    """The `LineAdded` event for a line typed by the declarant, or a refusal naming the field at fault.

    `quarter` is the declaration's (first day, last day); `existing` are the lines already declared; `ape`
    is the main activity of the relation's establishment, the line's activity when no NAF is typed;
    `canas` the CANA measures of the territory's tariff, when known.
    """
    lines = list(existing)
    annex, nomenclature, cana, naf = entry.annex, entry.nomenclature, entry.cana, entry.naf
    rates_date, avitaillement, rfs = entry.rates_date, entry.avitaillement, entry.rfs
    if not line_id or not line_id.strip():
        raise DomainError("L'identifiant de la ligne est obligatoire.", field="line_id")
    if any(line.line_id == line_id for line in lines):
        raise Conflict(f"La ligne {line_id} existe déjà dans la déclaration.", field="line_id")
    checked_annex = ANNEXES.get((annex or "").strip().upper())
    if checked_annex is None:
        raise DomainError("L'annexe doit être « A » (ventes internes) ou « B » (exportations).", field="annex")
    code = normalize_nomenclature(nomenclature)
    price = parse_amount(
        entry.price_excl_tax,
        field="price_excl_tax",
        label="Le prix hors TVA et hors accises",
        strictly_positive=True,
    )
    naf_code = production_activity(naf, ape)
    _check_flag(avitaillement, "avitaillement", "L'indicateur d'avitaillement")
    _check_flag(rfs, "rfs", "L'indicateur de placement sous RFS")
    if checked_annex == "A":
        return _annex_a_line(
            line_id, code, price, naf_code, cana, rates_date, bool(avitaillement), rfs, quarter, lines, canas
        )
    return _annex_b_line(line_id, code, price, naf_code, cana, rates_date, avitaillement, bool(rfs))


def declared_line(lines: Mapping[str, Line], line_id: str) -> Line:
    """The line `line_id` of a declaration's `lines`, or a refusal saying it has none."""
    if line_id not in lines:
        raise NotFound(f"La ligne {line_id} n'existe pas dans cette déclaration.", field="line_id")
    return lines[line_id]


def changed_line(
    line: Line,
    change: LineChange,
    *,
    quarter: tuple[date, date],
    lines: Mapping[str, Line],
    ape: str | None = None,
    canas: CanaMeasures | None = None,
) -> list[LineChanged]:
    """The `LineChanged` event for new values of a line, or none when they are the ones it holds.

    The line as it would become is checked by `new_line`'s rules, its annex, nomenclature and date of application
    kept, against the other `lines` of the declaration (by id): one place says what a valid line is.
    """
    others = [other for line_id, other in lines.items() if line_id != line.line_id]
    rates_date = line.rates_date if line.annex == "A" else None
    entry = LineEntry(annex=line.annex, nomenclature=line.nomenclature, rates_date=rates_date, **change.model_dump())
    checked = new_line(line.line_id, entry, quarter=quarter, existing=others, ape=ape, canas=canas)
    event = LineChanged(
        line_id=line.line_id,
        price_excl_tax=checked.price_excl_tax,
        cana=checked.cana,
        naf=checked.naf,
        avitaillement=checked.avitaillement,
        rfs=checked.rfs,
    )
    return [] if line.changed(event) == line else [event]


def production_activity(naf: str | None, ape: str | None) -> str | None:
    """The NAF code a line records. The manual (Annexe A): « Code NAF : à renseigner uniquement si l'activité
    de production est différente de l'activité principale (APE) »; so a line without one is of the main
    activity, and records the APE; a NAF equal to the APE is the same thing said twice, and accepted."""
    typed = normalize_naf(naf)
    if typed is not None:
        return typed
    try:
        return normalize_naf(ape)
    except DomainError:
        return None  # an APE the referential holds in a form NAF rev. 2 does not know: nothing to record


def _annex_a_line(
    line_id: str,
    code: str,
    price: Decimal,
    naf_code: str | None,
    cana: str | None,
    rates_date: date | None,
    avitaillement: bool,
    rfs: bool | None,
    quarter: tuple[date, date],
    lines: list[Line],
    canas: CanaMeasures | None,
) -> LineAdded:
    # The manual, annexe B: « la seule différence étant la case Placement sous RFS » — RFS is B only.
    if rfs:
        raise DomainError("Le placement sous RFS ne concerne que les exportations (annexe B).", field="rfs")
    cana_code = normalize_cana(cana)
    first_day, last_day = quarter
    # The manual: the « date d'application » is left at its default unless rates changed in the quarter.
    applied_on = first_day if rates_date is None else rates_date
    if not first_day <= applied_on <= last_day:
        raise DomainError(
            "La date d'application des taux doit être comprise dans le trimestre déclaré "
            f"(du {first_day:%d/%m/%Y} au {last_day:%d/%m/%Y}).",
            field="rates_date",
        )
    check_cana_in_tariff(cana_code, code, applied_on, canas)
    check_annex_a_line_unique((code, cana_code, applied_on, avitaillement, naf_code), lines)
    return LineAdded(
        line_id=line_id,
        annex="A",
        nomenclature=code,
        price_excl_tax=price,
        cana=cana_code,
        naf=naf_code,
        rates_date=applied_on,
        avitaillement=avitaillement,
        rfs=False,
    )


def check_annex_a_line_unique(identity: tuple[str, str | None, date, bool, str | None], lines: Iterable[Line]) -> None:
    """The manual (Annexe A): a product is entered twice only when its rates changed within the quarter,
    each line with its own date of application. A product sold both normally and as ship supplies
    (avitaillement), or made by two production activities (NAF), is also on two lines: those say what the
    line is, so two lines differing by one of them are not duplicates."""
    if not any(line.annex == "A" and line.identity == identity for line in lines):
        return
    code, cana, applied_on, avitaillement, naf = identity
    described = (
        (f", CANA {cana}" if cana else "")
        + (f", code NAF {naf}" if naf else "")
        + (", en avitaillement" if avitaillement else "")
    )
    raise Conflict(
        f"Le produit {code}{described} figure déjà en annexe A avec la date d'application des taux "
        f"du {applied_on:%d/%m/%Y}. Un même produit ne se saisit deux fois que si ses taux ont changé "
        "au cours du trimestre (chaque ligne avec sa propre date d'application), s'il est aussi vendu en "
        "avitaillement, ou s'il provient d'une autre activité de production (code NAF).",
        field="rates_date",
    )


def _annex_b_line(
    line_id: str,
    code: str,
    price: Decimal,
    naf_code: str | None,
    cana: str | None,
    rates_date: date | None,
    avitaillement: bool | None,
    rfs: bool,
) -> LineAdded:
    # Annexe B columns (the manual): nomenclature, prix HT, code NAF, placement sous RFS. Exports bear
    # no OM/OMR, so neither a CANA nor a date of application of rates, and avitaillement is annexe A's.
    if cana is not None and cana.strip():
        raise DomainError("Le CANA ne se déclare qu'en annexe A (ventes internes).", field="cana")
    if rates_date is not None:
        raise DomainError(
            "La date d'application des taux ne se déclare qu'en annexe A (ventes internes).",
            field="rates_date",
        )
    if avitaillement:
        raise DomainError("L'avitaillement ne se déclare qu'en annexe A (ventes internes).", field="avitaillement")
    return LineAdded(line_id=line_id, annex="B", nomenclature=code, price_excl_tax=price, naf=naf_code, rfs=rfs)


def _check_flag(value: object, field: str, label: str) -> None:
    if value is not None and not isinstance(value, bool):
        raise DomainError(f"{label} doit valoir vrai ou faux.", field=field)
