"""The demo tariffs shipped in deploy/territories parse cleanly and carry the lines the demos rely on."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

import pytest

from contracts.types import Territory
from taxcalc.domain.tariff import Tariff
from taxcalc.domain.tariff_csv import parse_tariff_csv

DEMO_TERRITORIES: tuple[Territory, ...] = ("971", "972", "973", "974", "976")
DEMO_CHAPTERS = ("02", "04", "09", "16", "19", "20", "22", "33", "39", "44", "73", "85", "94")


@pytest.mark.parametrize("territory", DEMO_TERRITORIES)
def test_demo_tariff_parses_without_errors(demo_csv_of: Callable[[Territory], str], territory: Territory) -> None:
    lines = parse_tariff_csv(demo_csv_of(territory), territory)
    assert 15 <= len(lines) <= 30
    assert {line.kind for line in lines} == {"OMI", "OME"}
    assert all(line.valid_from >= date(2015, 1, 1) for line in lines)


@pytest.mark.parametrize("territory", DEMO_TERRITORIES)
def test_demo_tariff_has_a_default_for_each_demo_chapter(demo_tariff: Tariff, territory: Territory) -> None:
    codes = {line.code for line in demo_tariff.in_force(date(2026, 1, 1), territory) if line.cana is None}
    assert set(DEMO_CHAPTERS) <= codes


@pytest.mark.parametrize("territory", DEMO_TERRITORIES)
def test_demo_tariff_changes_a_rate_inside_a_2026_quarter(demo_tariff: Tariff, territory: Territory) -> None:
    lines = demo_tariff.lines(territory)
    changes = [
        (ended, started)
        for ended in lines
        for started in lines
        if ended.valid_to is not None
        and ended.valid_to.year == 2026
        and (ended.code, ended.cana, ended.kind) == (started.code, started.cana, started.kind)
        and started.valid_from == ended.valid_to + timedelta(days=1)
    ]
    assert changes, territory


def test_demo_tariffs_have_cana_lines(demo_tariff: Tariff) -> None:
    assert any(line.cana == "Z001" for line in demo_tariff.lines("974"))


def test_guyane_omr_reaches_5_percent_and_alcohol_exceeds_60_percent(demo_tariff: Tariff) -> None:
    assert max(line.omr_rate for line in demo_tariff.lines("973")) == Decimal("5")
    assert any(line.om_rate > 60 and line.code.startswith("22") for line in demo_tariff.lines("971"))


def test_mayotte_uses_its_raised_cap_from_july_2026(demo_tariff: Tariff) -> None:
    # DOMAIN §1 Rates: ×1.5 in Mayotte from 01/07/2026
    assert demo_tariff.lookup("976", "22084011", None, date(2026, 6, 30)).om_rate == Decimal("60")
    assert demo_tariff.lookup("976", "22084011", None, date(2026, 7, 1)).om_rate == Decimal("100")
