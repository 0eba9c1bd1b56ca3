"""« Importer des lignes »: annexe A and B lines from a spreadsheet's CSV export.

What spreadsheets write: `;` (French Excel) or `,`, UTF-8 (with or without BOM) or Windows-1252, amounts
typed the French way (`10 000,00`), dates `24/01/2027`, yes/no as `oui`/`non`. The first row names the
columns (the template's labels, or their plain forms: `prix_ht`, `date_application`…); a column we do not
know is ignored and said so. Each cell is read here; the rules of a line are the domain's (`new_lines`).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from contracts import french
from contracts.errors import DomainError
from contracts.french import FrenchInputError, parse_amount, parse_day, plain
from declarations.domain.lines import FIELD_LABELS, LineEntry, RowRefusal


@dataclass(frozen=True)
class Column:
    field: str
    label: str
    aliases: tuple[str, ...] = ()
    required: bool = False


COLUMNS = (
    Column("annex", FIELD_LABELS["annex"], ("annexe", "annex"), required=True),
    Column("nomenclature", FIELD_LABELS["nomenclature"], ("code_nomenclature", "code"), required=True),
    Column("cana", FIELD_LABELS["cana"]),
    Column("naf", FIELD_LABELS["naf"], ("naf",)),
    Column("rates_date", FIELD_LABELS["rates_date"], ("date_application", "rates_date")),
    Column("price_excl_tax", FIELD_LABELS["price_excl_tax"], ("prix_ht", "prix", "price_excl_tax"), required=True),
    Column("rfs", FIELD_LABELS["rfs"], ("rfs",)),
    Column("avitaillement", FIELD_LABELS["avitaillement"]),
)
_YES = {"oui", "o", "x", "1", "vrai", "true", "yes"}
_NO = {"non", "n", "0", "faux", "false", "no"}


@dataclass(frozen=True)
class ParsedLines:
    rows: list[tuple[int, LineEntry]]
    """`(row, entry)`, the row as the spreadsheet numbers it (the header is row 1)."""
    unreadable: list[RowRefusal]
    """Rows with a cell that cannot be read (an ambiguous amount, a date): reported with the domain's."""
    ignored_columns: list[str]


def template() -> str:
    """The file offered for download: the header and one example line per annex, `;`-separated."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([c.label for c in COLUMNS])
    writer.writerow(["A", "19059080", "", "10.71Z", "01/01/2027", "12 500,00", "", "non"])
    writer.writerow(["B", "22084011", "", "11.01Z", "", "3 000,00", "oui", ""])
    return "\ufeff" + out.getvalue()


def decode(raw: bytes) -> str:
    """UTF-8 (a BOM dropped), else Windows-1252: what spreadsheets export."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError:
        raise DomainError(
            "Encodage du fichier non reconnu : enregistrez-le en CSV UTF-8 ou en CSV (séparateur point-virgule).",
            field="file",
        ) from None


def parse(text: str) -> ParsedLines:
    """The rows of the file as line entries, and the rows whose cells cannot be read (a structural fault,
    an empty file or a missing column, is refused at once)."""
    try:
        return _parse(text)
    except csv.Error as error:  # a stray carriage return or quote the CSV reader cannot place
        raise DomainError(
            f"Le fichier n'est pas un CSV lisible ({error}) : enregistrez-le à nouveau en CSV depuis le tableur.",
            field="file",
        ) from None


def _parse(text: str) -> ParsedLines:
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise DomainError("Le fichier est vide : la première ligne doit nommer les colonnes.", field="file")
    delimiter = ";" if lines[0].count(";") >= lines[0].count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = next(reader)
    by_field, ignored = _columns(header)
    missing = [c.label for c in COLUMNS if c.required and c.field not in by_field]
    if missing:
        raise DomainError(
            f"Colonne{'s' if len(missing) > 1 else ''} absente{'s' if len(missing) > 1 else ''} : "
            f"{', '.join(missing)}. Partez du modèle de fichier.",
            field="file",
        )
    rows: list[tuple[int, LineEntry]] = []
    refusals: list[RowRefusal] = []
    for cells in reader:
        row = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        values = {f: (cells[i].strip() if i < len(cells) else "") for f, i in by_field.items()}
        entry, wrong = _entry(row, values)
        refusals.extend(wrong)
        if entry is not None:
            rows.append((row, entry))
    if not rows and not refusals:
        raise DomainError("Le fichier ne contient aucune ligne de produit sous ses titres de colonnes.", field="file")
    return ParsedLines(rows, refusals, ignored)


def _columns(header: list[str]) -> tuple[dict[str, int], list[str]]:
    by_field: dict[str, int] = {}
    ignored: list[str] = []
    for index, title in enumerate(header):
        key = _plain(title)
        column = next((c for c in COLUMNS if key in c.aliases or key == _plain(c.label)), None)
        if column is None:
            if title.strip():
                ignored.append(title.strip())
            continue
        if column.field in by_field:
            raise DomainError(f"La colonne « {column.label} » figure deux fois.", field="file")
        by_field[column.field] = index
    return by_field, ignored


def _plain(title: str) -> str:
    """`Date d'application` → `date_d_application`: accents, case and punctuation put aside."""
    return re.sub(r"[^a-z0-9]+", "_", plain(title.strip().lstrip("\ufeff"))).strip("_")


def _entry(row: int, values: dict[str, str]) -> tuple[LineEntry | None, list[RowRefusal]]:
    fields: dict[str, Any] = {}
    wrong: list[RowRefusal] = []
    for name, cell in values.items():
        try:
            fields[name] = _cell(name, cell)
        except FrenchInputError as error:
            wrong.append(RowRefusal(row, name, f"{FIELD_LABELS[name]} : {error}"))
    if wrong:
        return None, wrong
    return LineEntry(
        annex=fields.get("annex") or "",
        nomenclature=fields.get("nomenclature") or "",
        price_excl_tax=fields.get("price_excl_tax") or "",
        cana=fields.get("cana"),
        naf=fields.get("naf"),
        rates_date=fields.get("rates_date"),
        rfs=fields.get("rfs"),
        avitaillement=fields.get("avitaillement"),
    ), []


def _cell(name: str, cell: str) -> str | date | bool | None:
    if name == "price_excl_tax":
        return parse_amount(cell) if cell else ""
    if not cell:
        return None
    if name == "rates_date":
        return parse_day(cell)
    if name in ("rfs", "avitaillement"):
        word = cell.lower()
        if word in _YES:
            return True
        if word in _NO:
            return False
        raise FrenchInputError(f"« {french.echo(cell)} » : écrivez oui ou non.")
    return cell
