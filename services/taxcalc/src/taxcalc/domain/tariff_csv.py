"""Reading a territory's tariff from CSV into TariffLine values, with every faulty row reported
at once (row number and French message) so the file can be fixed in one go."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Literal, NoReturn

from contracts.errors import DomainError
from contracts.events.taxcalc import TariffLine
from contracts.types import TERRITORY_NAMES, Territory
from taxcalc.domain.french import format_date, format_rate
from taxcalc.domain.parameters import (
    MAYOTTE_CAP_FACTOR,
    OM_RATE_CAP,
    OMR_RATE_CAP,
    chapter_of,
    om_rate_cap,
    omr_rate_cap,
)
from taxcalc.domain.tariff import CODE_LENGTHS, normalize_code

HEADER = (
    "territory",
    "code",
    "cana",
    "kind",
    "om_rate",
    "omr_rate",
    "valid_from",
    "valid_to",
    "deliberation",
    "label",
)
_CANA = re.compile(r"^Z[0-9A-Z]{3}$")  # national additional code, Z series (manual, Annexe A)


@dataclass(frozen=True)
class RowError:
    row: int
    field: str | None
    message: str

    def as_dict(self) -> dict[str, object]:
        return {"row": self.row, "field": self.field, "message": self.message}


@dataclass(frozen=True)
class _Version:
    """Where a row sits in time for its (code, CANA, kind), known even when its rates are faulty."""

    row: int
    code: str
    cana: str | None
    kind: str
    valid_from: date
    valid_to: date | None


class _RowReader:
    """Reads one CSV row field by field, noting each fault instead of stopping at the first."""

    def __init__(self, row_number: int, cells: dict[str, str]) -> None:
        self.row = row_number
        self.cells = cells
        self.errors: list[RowError] = []

    def fail(self, field: str | None, message: str) -> None:
        self.errors.append(RowError(self.row, field, f"Ligne {self.row} : {message}"))

    def text(self, field: str) -> str:
        return self.cells.get(field, "").strip()

    def rate(self, field: str, name: str) -> Decimal | None:
        raw = self.text(field)
        try:
            value = Decimal(raw.removesuffix("%").strip().replace(",", "."))
        except InvalidOperation:
            self.fail(field, f"le taux {name} « {raw} » n'est pas un nombre décimal.")
            return None
        if not value.is_finite():
            self.fail(field, f"le taux {name} « {raw} » n'est pas un nombre décimal.")
            return None
        if value < 0:
            self.fail(field, f"le taux {name} {format_rate(value)} ne peut pas être négatif.")
            return None
        return value

    def day(self, field: str, name: str, *, required: bool) -> date | None:
        raw = self.text(field)
        if not raw:
            if required:
                self.fail(field, f"la date {name} est obligatoire.")
            return None
        try:
            return date.fromisoformat(raw)
        except ValueError:
            self.fail(field, f"la date {name} « {raw} » n'est pas une date au format AAAA-MM-JJ.")
            return None


def _read_row(reader: _RowReader, territory: Territory) -> tuple[TariffLine | None, _Version | None]:
    row_territory = reader.text("territory")
    if row_territory != territory:
        reader.fail(
            "territory",
            f"le territoire « {row_territory} » ne correspond pas au tarif importé "
            f"({territory}, {TERRITORY_NAMES[territory]}).",
        )
    raw_code = reader.text("code")
    code = normalize_code(raw_code)
    if not (code.isascii() and code.isdigit()) or len(code) not in CODE_LENGTHS:
        reader.fail(
            "code",
            f"le code « {raw_code} » doit comporter 2, 4, 6, 8 ou 10 chiffres "
            "(chapitre, position, sous-position, nomenclature combinée ou code TARIC).",
        )
        code = ""
    elif not 1 <= int(chapter_of(code)) <= 97:
        reader.fail("code", f"le chapitre {chapter_of(code)} n'existe pas dans la nomenclature combinée.")
        code = ""
    cana = reader.text("cana").upper() or None
    if cana is not None and not _CANA.match(cana):
        reader.fail(
            "cana",
            f"le CANA « {reader.text('cana')} » doit être un code additionnel national de série Z "
            "(Z suivi de 3 caractères, par exemple Z001).",
        )
    kind = reader.text("kind").upper()
    if kind not in ("OMI", "OME"):
        reader.fail("kind", f"le type « {reader.text('kind')} » doit être OMI (taux interne) ou OME (taux externe).")
    om_rate = reader.rate("om_rate", "d'octroi de mer")
    omr_rate = reader.rate("omr_rate", "d'octroi de mer régional")
    valid_from = reader.day("valid_from", "de début", required=True)
    valid_to = reader.day("valid_to", "de fin", required=False)
    if valid_from and valid_to and valid_to < valid_from:
        reader.fail(
            "valid_to",
            f"la date de fin {format_date(valid_to)} précède la date de début {format_date(valid_from)}.",
        )
    deliberation = reader.text("deliberation")
    if not deliberation:
        reader.fail("deliberation", "la référence de la délibération est obligatoire.")
    if valid_from is not None:
        # loi 2004-639 art. 28 and 37: caps in force when the rate takes effect.
        if om_rate is not None and code and om_rate > (cap := om_rate_cap(territory, code, valid_from)):
            reader.fail(
                "om_rate",
                f"le taux d'octroi de mer {format_rate(om_rate)} dépasse le plafond légal de "
                f"{format_rate(cap)} ({_cap_reference(territory, valid_from, om=True)}).",
            )
        if omr_rate is not None and omr_rate > (cap := omr_rate_cap(territory, valid_from)):
            reader.fail(
                "omr_rate",
                f"le taux d'octroi de mer régional {format_rate(omr_rate)} dépasse le plafond légal de "
                f"{format_rate(cap)} ({_cap_reference(territory, valid_from, om=False)}).",
            )
    version = None
    if code and kind in ("OMI", "OME") and valid_from and (valid_to is None or valid_to >= valid_from):
        version = _Version(reader.row, code, cana, kind, valid_from, valid_to)
    if reader.errors or om_rate is None or omr_rate is None or valid_from is None:
        return None, version
    checked_kind: Literal["OMI", "OME"] = "OMI" if kind == "OMI" else "OME"
    line = TariffLine(
        code=code,
        cana=cana,
        kind=checked_kind,
        om_rate=om_rate,
        omr_rate=omr_rate,
        valid_from=valid_from,
        valid_to=valid_to,
        deliberation=deliberation,
        label=reader.text("label"),
    )
    return line, version


def _cap_reference(territory: Territory, day: date, *, om: bool) -> str:
    reference = (OM_RATE_CAP if om else OMR_RATE_CAP).reference_at(day)
    if om and territory == "976" and MAYOTTE_CAP_FACTOR.at(day) != 1:
        reference = MAYOTTE_CAP_FACTOR.reference_at(day)
    return reference


def _period(line: _Version) -> str:
    if line.valid_to is None:
        return f"à partir du {format_date(line.valid_from)}, sans date de fin"
    return f"du {format_date(line.valid_from)} au {format_date(line.valid_to)}"


def _overlaps(first: _Version, second: _Version) -> bool:
    first_end = first.valid_to or date.max
    second_end = second.valid_to or date.max
    return first.valid_from <= second_end and second.valid_from <= first_end


def _overlap_errors(versions: list[_Version]) -> list[RowError]:
    """Two versions of the same (code, CANA, kind) may not be in force on the same day."""
    groups: dict[tuple[str, str | None, str], list[_Version]] = {}
    for version in versions:
        groups.setdefault((version.code, version.cana, version.kind), []).append(version)
    errors: list[RowError] = []
    for (code, cana, kind), items in groups.items():
        items.sort(key=lambda item: (item.valid_from, item.row))
        for index, later in enumerate(items):
            earlier = next((e for e in items[:index] if _overlaps(e, later)), None)
            if earlier is None:
                continue
            what = f"{code} ({kind}" + (f", CANA {cana}" if cana else "") + ")"
            errors.append(
                RowError(
                    later.row,
                    "valid_from",
                    f"Ligne {later.row} : la version de {what} valable {_period(later)} chevauche "
                    f"celle de la ligne {earlier.row} ({_period(earlier)}).",
                )
            )
    return errors


def _delimiter(first_line: str) -> str:
    # Spreadsheets set to French often save with semicolons.
    return ";" if first_line.count(";") > first_line.count(",") else ","


def parse_tariff_csv(text: str, territory: Territory) -> list[TariffLine]:
    """TariffLine values of the file, or DomainError with every faulty row in `extra["rows"]`."""
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise DomainError(
            "Le fichier tarifaire est vide.",
            field="tariff",
            code="tarif-invalide",
            extra={"rows": []},
        )
    reader = csv.reader(io.StringIO(text), delimiter=_delimiter(text.splitlines()[0]))
    header = tuple(cell.strip().lower() for cell in next(reader))
    if header != HEADER:
        error = RowError(
            1,
            None,
            f"Ligne 1 : en-tête attendu « {','.join(HEADER)} », trouvé « {','.join(header)} ».",
        )
        _raise([error], territory)
    errors: list[RowError] = []
    lines: list[TariffLine] = []
    versions: list[_Version] = []
    for cells in reader:
        if not any(cell.strip() for cell in cells):
            continue
        row_reader = _RowReader(reader.line_num, dict(zip(HEADER, cells, strict=False)))
        if len(cells) != len(HEADER):
            row_reader.fail(None, f"{len(cells)} colonnes au lieu de {len(HEADER)}.")
            errors.extend(row_reader.errors)
            continue
        line, version = _read_row(row_reader, territory)
        errors.extend(row_reader.errors)
        if line is not None:
            lines.append(line)
        if version is not None:
            versions.append(version)
    errors.extend(_overlap_errors(versions))
    if not errors and not lines:
        errors.append(RowError(2, None, "Ligne 2 : le fichier ne contient aucune ligne de tarif."))
    if errors:
        _raise(sorted(errors, key=lambda error: error.row), territory)
    return lines


def _raise(errors: list[RowError], territory: Territory) -> NoReturn:
    count = len(errors)
    raise DomainError(
        f"Le tarif {territory} ({TERRITORY_NAMES[territory]}) n'a pas été importé : "
        f"{count} erreur{'s' if count > 1 else ''} dans le fichier.",
        field="tariff",
        code="tarif-invalide",
        extra={"rows": [error.as_dict() for error in errors]},
    )
