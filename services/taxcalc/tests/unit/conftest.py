"""Shared fixtures of the taxcalc domain tests: the demo tariffs shipped in deploy/territories."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from contracts.types import Territory
from taxcalc.domain.tariff import Tariff
from taxcalc.domain.tariff_csv import parse_tariff_csv

TERRITORIES_DIR = Path(__file__).resolve().parents[4] / "deploy" / "territories"
DEMO_TERRITORIES: tuple[Territory, ...] = ("971", "972", "973", "974", "976")


def demo_csv(territory: Territory) -> str:
    return (TERRITORIES_DIR / territory / "tariff.csv").read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def demo_tariff() -> Tariff:
    return Tariff({territory: parse_tariff_csv(demo_csv(territory), territory) for territory in DEMO_TERRITORIES})


@pytest.fixture(scope="session")
def demo_csv_of() -> Callable[[Territory], str]:
    return demo_csv
