"""A table exported for a spreadsheet in French: `chassis.spreadsheet` (UTF-8 with a BOM, `;`, formulas
neutralised), sent as a download; every cell as the screen shows it (French dates and amounts)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal

from starlette.responses import Response

from chassis.spreadsheet import to_csv
from contracts.types import TERRITORY_ZONES
from portal.rendering import instant_of


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence[object]]) -> Response:
    return Response(
        to_csv(header, rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )


def amount_cell(value: object) -> str:
    """An amount a spreadsheet in French adds up: `1851,85` (no grouping, no sign of the currency, which the
    column's title carries); empty when there is none."""
    if value in (None, ""):
        return ""
    return f"{Decimal(str(value)):.2f}".replace(".", ",")


def moment_cell(value: object, territory: str) -> str:
    """An instant a spreadsheet in French reads as a date and time: `30/11/2026 14:05`, in the territory's
    zone; empty when there is none."""
    if not value:
        return ""
    return instant_of(value).astimezone(TERRITORY_ZONES[territory]).strftime("%d/%m/%Y %H:%M")
