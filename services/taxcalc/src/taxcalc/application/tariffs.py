"""Publishing a tariff: a CSV becomes one TariffPublished event (nothing when the same file is re-imported),
then the drafts' lines that had no rate are assessed again."""

from __future__ import annotations

import csv
import hashlib
import io

from pydantic import BaseModel, ConfigDict

from chassis.http.auth import Principal
from contracts.errors import DomainError, Forbidden
from contracts.events.taxcalc import TariffPublished
from contracts.types import TERRITORY_NAMES, Territory, territory_code
from taxcalc.application.assessor import reassess_without_rate
from taxcalc.application.unit_of_work import TaxcalcUnitOfWork, tariff_stream
from taxcalc.domain.tariff_csv import parse_tariff_csv


class PublishTariff(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    text: str
    """The CSV file, decoded."""
    territory: Territory | None = None
    """The territory named by the caller; else the file's first row names it."""


class Published(BaseModel):
    published: bool
    version: int
    territory: Territory
    lines: int


def territory_of(text: str, given: str | None) -> Territory:
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
    return territory_code(territory)


async def publish_tariff(cmd: PublishTariff, who: Principal, uow: TaxcalcUnitOfWork) -> Published:
    """Re-importing the same file publishes nothing."""
    who.require("admin")
    code = territory_of(cmd.text, cmd.territory)
    if code not in uow.served:
        raise Forbidden(f"Ce déploiement ne traite pas le territoire {code}.", field="territory")
    lines = parse_tariff_csv(cmd.text, code)
    digest = hashlib.sha256(cmd.text.encode()).hexdigest()
    stream = tariff_stream(code)
    current = await uow.tariffs.get(stream)
    if current is not None and current.aggregate.source_sha256 == digest:
        return Published(published=False, version=current.version, territory=code, lines=len(lines))
    version = current.version if current else 0
    published = TariffPublished(territory=code, source_sha256=digest, lines=lines)
    await uow.tariffs.save(stream, [published], expected_version=version, territory=code)
    await reassess_without_rate(uow, code)
    return Published(published=True, version=version + 1, territory=code, lines=len(lines))
