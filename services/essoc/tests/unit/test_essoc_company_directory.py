"""The company directory file: valid SIRETs only, the demo companies present, lookups by SIRET."""

from __future__ import annotations

import csv
from pathlib import Path

from stdnum.fr import siret

from essoc.adapters.companies import CsvCompanyDirectory

COMPANIES = Path(__file__).resolve().parents[4] / "deploy" / "reference" / "companies.csv"


def test_every_siret_of_the_directory_has_14_digits_and_a_valid_luhn_key() -> None:
    with COMPANIES.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) >= 20
    assert [r["siret"] for r in rows if not siret.is_valid(r["siret"])] == []
    assert len({r["siret"] for r in rows}) == len(rows)


def test_the_demo_companies_are_in_the_directory() -> None:
    directory = CsvCompanyDirectory.load(COMPANIES)
    for demo in ("41234567000019", "52345678800018", "63456789500012", "74567890400012"):
        company = directory.lookup(demo)
        assert company is not None and company.name


def test_a_siret_is_looked_up_by_its_digits_and_an_unknown_one_is_none() -> None:
    directory = CsvCompanyDirectory.load(COMPANIES)
    company = directory.lookup("41234567000019")
    assert company is not None and (company.name, company.territory) == ("Distillerie Bellevue SAS", "971")
    assert directory.lookup("73177848600027") is None
