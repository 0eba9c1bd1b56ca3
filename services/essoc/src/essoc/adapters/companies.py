"""The company directory: the name a SIRET is registered under (manual §3.2.1, "Raison sociale").

The real registry (INSEE SIRENE) is not reachable from here; this adapter reads a local CSV
(`deploy/reference/companies.csv`) with the same question and answer, so it can be swapped.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Company:
    siret: str
    name: str
    territory: str | None = None


class CsvCompanyDirectory:
    """`siret,company_name[,territory]`, one establishment per line; read once at start.

    Implements `application.unit_of_work.CompanyDirectory`.
    """

    def __init__(self, companies: dict[str, Company]) -> None:
        self.companies = companies

    @classmethod
    def load(cls, path: str | Path) -> CsvCompanyDirectory:
        companies: dict[str, Company] = {}
        with Path(path).open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                siret = "".join(ch for ch in row["siret"] if ch.isdigit())
                companies[siret] = Company(siret, row["company_name"].strip(), (row.get("territory") or None))
        return cls(companies)

    def lookup(self, siret: str) -> Company | None:
        return self.companies.get(siret)
