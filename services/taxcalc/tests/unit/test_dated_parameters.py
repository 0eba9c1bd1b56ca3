"""Dated legal parameters: thresholds and rate caps by date, refund thresholds by configuration."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from contracts.errors import DomainError
from taxcalc.domain.parameters import (
    LIABILITY_THRESHOLD,
    DatedParameter,
    DatedValue,
    RefundThresholds,
    cap_change_days,
    om_rate_cap,
    omr_rate_cap,
    refund_thresholds,
)


def test_dated_parameter_gives_the_value_in_force_on_the_day() -> None:
    parameter = DatedParameter(
        "exemple",
        [
            DatedValue(date(2020, 1, 1), Decimal("1"), "texte A"),
            DatedValue(date(2021, 1, 1), Decimal("2"), "texte B"),
        ],
    )
    assert parameter.at(date(2020, 12, 31)) == Decimal("1")
    assert parameter.at(date(2021, 1, 1)) == Decimal("2")
    assert parameter.reference_at(date(2030, 1, 1)) == "texte B"


def test_dated_parameter_before_its_first_value_is_refused() -> None:
    parameter = DatedParameter("exemple", [DatedValue(date(2020, 1, 1), Decimal("1"), "texte A")])
    with pytest.raises(DomainError, match="n'est pas défini au 31/12/2019"):
        parameter.at(date(2019, 12, 31))


def test_dated_parameter_refuses_two_values_on_the_same_day() -> None:
    with pytest.raises(ValueError):
        DatedParameter("x", [DatedValue(date(2020, 1, 1), 1, "a"), DatedValue(date(2020, 1, 1), 2, "b")])


@pytest.mark.parametrize(
    ("day", "threshold"),
    [
        (date(2010, 6, 30), Decimal("550000")),  # loi 2004-639 art. 2, original wording
        (date(2015, 6, 30), Decimal("550000")),
        (date(2015, 7, 1), Decimal("300000")),  # loi 2015-762
        (date(2021, 12, 31), Decimal("300000")),
        (date(2022, 1, 1), Decimal("550000")),  # back to 550 000 € since 01/01/2022
    ],
)
def test_liability_threshold_follows_loi_2004_639_art_2(day: date, threshold: Decimal) -> None:
    # loi 2004-639 art. 2
    assert LIABILITY_THRESHOLD.at(day) == threshold
    assert "2004-639" in LIABILITY_THRESHOLD.reference_at(day)


def test_om_rate_cap_is_60_percent() -> None:
    # loi 2004-639 art. 28
    assert om_rate_cap("974", "3305", date(2020, 1, 1)) == Decimal("60")


@pytest.mark.parametrize("code", ["2203", "22042100", "220840", "2402", "24031910"])
def test_om_rate_cap_is_90_percent_for_alcohol_and_tobacco(code: str) -> None:
    # loi 2004-639 art. 28: alcohols and alcoholic beverages (2203–2208), tobacco (2401–2403)
    assert om_rate_cap("971", code, date(2020, 1, 1)) == Decimal("90")


@pytest.mark.parametrize("code", ["22011000", "22029100", "2201", "22", "24"])
def test_om_rate_cap_alcohol_tobacco_excludes_water_and_soft_drinks(code: str) -> None:
    # loi 2004-639 art. 28: water (2201) and soft drinks (2202) are beverages, not alcoholic ones; a line on a
    # whole chapter covers them too
    assert om_rate_cap("971", code, date(2020, 1, 1)) == Decimal("60")


def test_om_rate_cap_alcohol_tobacco_follows_the_2022_nomenclature() -> None:
    # nomenclature combinée 2022: 2404 11/19 (products containing tobacco) are tobacco, 2404 12 is not
    assert om_rate_cap("971", "24041100", date(2022, 1, 1)) == Decimal("90")
    assert om_rate_cap("971", "24041200", date(2022, 1, 1)) == Decimal("60")
    assert om_rate_cap("971", "24041100", date(2021, 12, 31)) == Decimal("60")


def test_cap_change_days_list_every_day_a_cap_may_change() -> None:
    assert cap_change_days(date(2026, 1, 1), None) == [date(2026, 1, 1), date(2026, 7, 1)]
    assert cap_change_days(date(2026, 1, 1), date(2026, 6, 30)) == [date(2026, 1, 1)]
    assert cap_change_days(date(2021, 6, 1), date(2022, 3, 1)) == [date(2021, 6, 1), date(2022, 1, 1)]


def test_om_rate_caps_are_raised_by_half_in_mayotte_from_july_2026() -> None:
    # DOMAIN §1 Rates: ×1.5 in Mayotte from 01/07/2026
    assert om_rate_cap("976", "33", date(2026, 6, 30)) == Decimal("60")
    assert om_rate_cap("976", "33", date(2026, 7, 1)) == Decimal("90")
    assert om_rate_cap("976", "2208", date(2026, 7, 1)) == Decimal("135")
    assert om_rate_cap("974", "33", date(2026, 7, 1)) == Decimal("60")


def test_omr_rate_cap_is_2_5_percent_and_5_percent_in_guyane() -> None:
    # loi 2004-639 art. 37
    assert omr_rate_cap("971", date(2020, 1, 1)) == Decimal("2.5")
    assert omr_rate_cap("973", date(2020, 1, 1)) == Decimal("5")


def test_refund_thresholds_default_to_150_annual_and_760_quarterly() -> None:
    # Seed manual, crédit de taxe (unconfirmed)
    assert refund_thresholds(date(2026, 1, 1)) == RefundThresholds(annual=Decimal("150"), quarterly=Decimal("760"))


def test_refund_thresholds_are_overridable_by_configuration() -> None:
    thresholds = refund_thresholds(date(2026, 1, 1), {"quarterly": "1000", "annual": Decimal("200")})
    assert thresholds == RefundThresholds(annual=Decimal("200"), quarterly=Decimal("1000"))


@pytest.mark.parametrize("overrides", [{"monthly": "1"}, {"annual": "abc"}, {"quarterly": "-5"}])
def test_refund_threshold_overrides_are_checked(overrides: dict[str, str]) -> None:
    with pytest.raises(ValueError):
        refund_thresholds(date(2026, 1, 1), overrides)
