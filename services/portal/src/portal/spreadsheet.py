"""A table exported for a spreadsheet in French: `chassis.spreadsheet` (UTF-8 with a BOM, `;`, formulas
neutralised), sent as a download; every cell as the screen shows it (French dates and amounts)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from starlette.responses import Response

from chassis.spreadsheet import to_csv


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence[object]]) -> Response:
    return Response(
        to_csv(header, rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )
