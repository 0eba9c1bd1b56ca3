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
from contracts.types import TERRITORY_NAMES, Territory, territory_code
from taxcalc.domain.french import format_date, format_rate
from taxcalc.domain.parameters import (
    cap_change_days,
    chapter_of,
    om_rate_cap,
    om_rate_cap_reference,
    omr_rate_cap,
    omr_rate_cap_reference,
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
    territory: Territory
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


def _row_territory(reader: _RowReader, expected: Territory | None) -> Territory | None:
    """The row's territory: any of the five when the file may hold several, else the one imported."""
    given = reader.text("territory")
    if expected is not None and given != expected:
        reader.fail(
            "territory",
            f"le territoire « {given} » ne correspond pas au tarif importé ({expected}, {TERRITORY_NAMES[expected]}).",
        )
        return None
    if given not in TERRITORY_NAMES:
        reader.fail("territory", f"le territoire « {given} » est inconnu : attendu 971, 972, 973, 974 ou 976.")
        return None
    return territory_code(given)


def _read_row(
    reader: _RowReader, expected: Territory | None
) -> tuple[TariffLine | None, _Version | None, Territory | None]:
    territory = _row_territory(reader, expected)
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
    if territory is not None and valid_from is not None and (valid_to is None or valid_to >= valid_from):
        _check_caps(reader, territory, code, om_rate, omr_rate, valid_from, valid_to)
    version = None
    if territory and code and kind in ("OMI", "OME") and valid_from and (valid_to is None or valid_to >= valid_from):
        version = _Version(reader.row, territory, code, cana, kind, valid_from, valid_to)
    if reader.errors or om_rate is None or omr_rate is None or valid_from is None:
        return None, version, territory
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
    return line, version, territory


def _check_caps(
    reader: _RowReader,
    territory: Territory,
    code: str | None,
    om_rate: Decimal | None,
    omr_rate: Decimal | None,
    valid_from: date,
    valid_to: date | None,
) -> None:
    """loi 2004-639 art. 28 and 37: a rate respects the caps on every day of its validity, not only the first
    (a cap may fall, or a product leave the alcohol list, while the rate is in force)."""
    for day in cap_change_days(valid_from, valid_to):
        if om_rate is not None and code and om_rate > (cap := om_rate_cap(territory, code, day)):
            reader.fail(
                "om_rate",
                f"le taux d'octroi de mer {format_rate(om_rate)} dépasse le plafond légal de "
                f"{format_rate(cap)}{_from(day, valid_from)} ({om_rate_cap_reference(territory, code, day)}).",
            )
            break
    for day in cap_change_days(valid_from, valid_to):
        if omr_rate is not None and omr_rate > (cap := omr_rate_cap(territory, day)):
            reader.fail(
                "omr_rate",
                f"le taux d'octroi de mer régional {format_rate(omr_rate)} dépasse le plafond légal de "
                f"{format_rate(cap)}{_from(day, valid_from)} ({omr_rate_cap_reference(territory, day)}).",
            )
            break


def _from(day: date, valid_from: date) -> str:
    return "" if day == valid_from else f" en vigueur le {format_date(day)}, pendant la validité du taux"


def _period(line: _Version) -> str:
    if line.valid_to is None:
        return f"à partir du {format_date(line.valid_from)}, sans date de fin"
    return f"du {format_date(line.valid_from)} au {format_date(line.valid_to)}"


def _overlaps(first: _Version, second: _Version) -> bool:
    first_end = first.valid_to or date.max
    second_end = second.valid_to or date.max
    return first.valid_from <= second_end and second.valid_from <= first_end


def _overlap_errors(versions: list[_Version]) -> list[RowError]:
    """Two versions of the same (code, CANA, kind) of one territory may not be in force on the same day."""
    groups: dict[tuple[str, str, str | None, str], list[_Version]] = {}
    for version in versions:
        groups.setdefault((version.territory, version.code, version.cana, version.kind), []).append(version)
    errors: list[RowError] = []
    for (_, code, cana, kind), items in groups.items():
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
    """TariffLine values of a file of one territory's tariff, or DomainError with every faulty row in
    `extra["rows"]`."""
    return parse_tariff_file(text, territory).get(territory, [])


def parse_tariff_file(text: str, territory: Territory | None = None) -> dict[Territory, list[TariffLine]]:
    """The lines of each territory of the file (one, or several when `territory` is None), all of them or
    DomainError with every faulty row in `extra["rows"]`: nothing of a faulty file is imported."""
    try:
        return _parse_tariff_file(text, territory)
    except csv.Error as error:  # a stray carriage return or quote the CSV reader cannot place
        raise DomainError(
            f"Le fichier tarifaire n'est pas un CSV lisible ({error}).",
            field="tariff",
            code="tarif-invalide",
            extra={"rows": []},
        ) from None


def _parse_tariff_file(text: str, territory: Territory | None) -> dict[Territory, list[TariffLine]]:
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise DomainError(
            "Le fichier tarifaire est vide.",
            field="tariff",
            code="tarif-invalide",
            extra={"rows": []},
        )
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text.splitlines()[0]))
    header = tuple(cell.strip().lower() for cell in next(reader))
    if header != HEADER:
        error = RowError(
            1,
            None,
            f"Ligne 1 : en-tête attendu « {','.join(HEADER)} », trouvé « {','.join(header)} ».",
        )
        _raise([error], territory)
    errors: list[RowError] = []
    lines: dict[Territory, list[TariffLine]] = {}
    versions: list[_Version] = []
    for cells in reader:
        if not any(cell.strip() for cell in cells):
            continue
        row_reader = _RowReader(reader.line_num, dict(zip(HEADER, cells, strict=False)))
        if len(cells) != len(HEADER):
            row_reader.fail(None, f"{len(cells)} colonnes au lieu de {len(HEADER)}.")
            errors.extend(row_reader.errors)
            continue
        line, version, row_territory = _read_row(row_reader, territory)
        errors.extend(row_reader.errors)
        if line is not None and row_territory is not None:
            lines.setdefault(row_territory, []).append(line)
        if version is not None:
            versions.append(version)
    errors.extend(_overlap_errors(versions))
    if not errors and not lines:
        errors.append(RowError(2, None, "Ligne 2 : le fichier ne contient aucune ligne de tarif."))
    if errors:
        _raise(sorted(errors, key=lambda error: error.row), territory)
    return lines


def _raise(errors: list[RowError], territory: Territory | None) -> NoReturn:
    count = len(errors)
    what = f"Le tarif {territory} ({TERRITORY_NAMES[territory]})" if territory else "Le fichier tarifaire"
    raise DomainError(
        f"{what} n'a pas été importé : {count} erreur{'s' if count > 1 else ''} dans le fichier.",
        field="tariff",
        code="tarif-invalide",
        extra={"rows": [error.as_dict() for error in errors]},
    )
