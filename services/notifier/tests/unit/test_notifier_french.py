"""French formatting: amounts "1 234,56 €" with no-break spaces, dates "1er mars 2026 à 9 h 05"."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from notifier.domain.boxes import box_label, box_summary
from notifier.domain.french import format_date, format_datetime, format_money, zone_label

NBSP = "\u00a0"


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        (Decimal("1234.56"), "1 234,56 €"),
        ("0", "0,00 €"),
        ("999", "999,00 €"),
        ("1000000", "1 000 000,00 €"),
        ("-1234.5", "-1 234,50 €"),
        ("0.005", "0,01 €"),
        (12, "12,00 €"),
    ],
)
def test_amounts_are_written_the_french_way(amount: Decimal | str | int, shown: str) -> None:
    assert format_money(amount) == shown.replace(" ", NBSP)


def test_dates_are_written_in_french_with_1er() -> None:
    assert format_date(date(2026, 3, 1)) == "1er mars 2026"
    assert format_date(date(2026, 8, 15)) == "15 août 2026"


def test_an_instant_is_shown_in_the_territory_zone() -> None:
    moment = datetime(2026, 5, 1, 3, 30, tzinfo=UTC)
    assert format_datetime(moment, "971") == "30 avril 2026 à 23 h 30 (heure de la Guadeloupe)"
    assert format_datetime(moment.isoformat(), "974") == "1er mai 2026 à 7 h 30 (heure de La Réunion)"
    assert format_datetime(moment, "976") == "1er mai 2026 à 6 h 30 (heure de Mayotte)"
    assert format_datetime(moment, "973").endswith("(heure de la Guyane)")


def test_paris_time_follows_summer_time() -> None:
    assert format_datetime(datetime(2026, 1, 15, 12, 5, tzinfo=UTC)) == "15 janvier 2026 à 13 h 05 (heure de Paris)"
    assert format_datetime(datetime(2026, 7, 15, 12, 5, tzinfo=UTC)) == "15 juillet 2026 à 14 h 05 (heure de Paris)"
    assert zone_label("972") == "heure de la Martinique"


def test_box_labels_mirror_om_boxes_for_omr() -> None:
    assert box_label("15") == "OM : Taxe nette due"
    assert box_label("27") == "OMR : Taxe nette due"
    assert box_label("13bis") == "OM : Remboursement demandé (exportations)"
    assert box_label("25bis") == "OMR : Remboursement demandé (exportations)"
    assert box_label("16") == "Octroi de mer régional"
    assert box_label("42") == "Case 42"


def test_box_summary_lists_non_zero_boxes_in_order_and_always_both_net_amounts() -> None:
    boxes = {"27": Decimal(0), "9bis": Decimal(1), "10": Decimal(2), "9": Decimal(0), "15": Decimal(0), "2": Decimal(3)}
    assert [line["box"] for line in box_summary(boxes)] == ["2", "9bis", "10", "15", "27"]
