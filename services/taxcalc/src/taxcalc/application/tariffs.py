"""Tariff import: a CSV becomes one TariffPublished event (nothing when the same file is re-imported)."""

from __future__ import annotations

import csv
import hashlib
import io

from chassis.eventstore import Metadata, NewEvent
from chassis.http.auth import Principal
from chassis.unit_of_work import Transaction, UnitOfWork
from contracts.errors import DomainError, Forbidden
from contracts.events.taxcalc import TariffPublished
from contracts.types import TERRITORY_NAMES
from taxcalc.application.assessor import Assessor
from taxcalc.application.projections import TARIFFS
from taxcalc.domain.tariff_csv import parse_tariff_csv


def tariff_stream(territory: str) -> str:
    return f"tariff-{territory}"


def territory_of(text: str, given: str | None) -> str:
    """The territory named by the caller, else by the file's first row."""
    if given:
        territory = given
    else:
        sample = text.removeprefix("\ufeff")
        dialect = ";" if sample.split("\n", 1)[0].count(";") > sample.split("\n", 1)[0].count(",") else ","
        rows = list(csv.DictReader(io.StringIO(sample), delimiter=dialect))
        territory = (rows[0].get("territory") or "").strip() if rows else ""
    if territory not in TERRITORY_NAMES:
        raise DomainError(f"Territoire « {territory} » inconnu : attendu 971, 972, 973, 974 ou 976.", field="territory")
    return territory


async def import_tariff(
    uow: UnitOfWork,
    who: Principal,
    text: str,
    territory: str | None,
    correlation: str,
    served: list[str],
    assessor: Assessor,
) -> tuple[bool, int, str]:
    """(published?, tariff version, territory). Re-importing the same file publishes nothing."""
    who.require("admin")
    code = territory_of(text, territory)
    if code not in served:
        raise Forbidden(f"Ce déploiement ne traite pas le territoire {code}.", field="territory")
    lines = parse_tariff_csv(text, code)  # type: ignore[arg-type]
    digest = hashlib.sha256(text.encode()).hexdigest()

    async def work(tx: Transaction) -> tuple[bool, int]:
        current = await tx.db[TARIFFS].find_one({"_id": code}, session=tx.session)
        if current and current["source_sha256"] == digest:
            return False, int(current["version"])
        head = await tx.store.head(tariff_stream(code), tx.session)
        version = head["version"] if head else 0
        meta = Metadata(correlation_id=correlation)
        await tx.append(
            tariff_stream(code),
            version,
            [
                NewEvent(
                    TariffPublished(territory=code, source_sha256=digest, lines=lines), territory=code, actor=who.actor
                )
            ],
            meta,
        )
        await assessor.reassess_missing_rates(tx, code, meta)
        return True, version + 1

    published, version = await uow.run(work)
    return published, version, code
