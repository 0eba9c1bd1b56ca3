"""Publishing tariffs: a CSV of one territory's tariff, or of several territories' (each row names its own),
becomes one TariffPublished per territory whose tariff changed, all in one transaction (nothing when the same
file is re-imported); then the drafts' lines that had no rate are assessed again."""

from __future__ import annotations

import hashlib

from pydantic import BaseModel, ConfigDict

from chassis.http.auth import Principal
from contracts.errors import Forbidden
from contracts.events.taxcalc import TariffLine, TariffPublished
from contracts.types import TERRITORY_NAMES, Territory
from taxcalc.application.assessor import reassess_without_rate
from taxcalc.application.unit_of_work import TaxcalcUnitOfWork, tariff_stream
from taxcalc.domain.tariff_csv import parse_tariff_file


class PublishTariff(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    text: str
    """The CSV file, decoded."""
    territory: Territory | None = None
    """The territory named by the caller: the file holds its tariff only. None: the file may hold the tariffs
    of several territories, each row naming its own."""


class PublishedTerritory(BaseModel):
    territory: Territory
    published: bool
    """False when the territory's tariff is the one already in force (nothing appended)."""
    version: int
    lines: int


class Published(BaseModel):
    published: bool
    """Whether anything was published (a tariff that changed)."""
    territory: Territory | None
    """The territory, when the file held one; None for a file of several (see `territories`)."""
    version: int | None
    """The tariff's version, when the file held one territory."""
    lines: int
    territories: list[PublishedTerritory]


async def publish_tariff(cmd: PublishTariff, who: Principal, uow: TaxcalcUnitOfWork) -> Published:
    """Publishes the tariff of each territory of the file, all of them or none (one transaction); a territory
    whose tariff is unchanged publishes nothing (re-importing the same file changes nothing)."""
    who.require("admin")
    if cmd.territory is not None:
        _check_served(cmd.territory, uow, who)
    by_territory = parse_tariff_file(cmd.text, cmd.territory)
    # the deployment's territories, and the admin's own when its token names some
    unserved = sorted(t for t in by_territory if t not in uow.served or (who.territories and t not in who.territories))
    if unserved:
        names = ", ".join(f"{t} ({TERRITORY_NAMES[t]})" for t in unserved)
        which = "le territoire" if len(unserved) == 1 else "les territoires"
        raise Forbidden(
            f"Ce déploiement ou votre habilitation ne couvre pas {which} {names} : rien n'a été importé.",
            field="territory",
        )
    digest = hashlib.sha256(cmd.text.encode()).hexdigest()
    outcomes = [await _publish(uow, territory, lines, digest) for territory, lines in sorted(by_territory.items())]
    single = outcomes[0] if len(outcomes) == 1 else None
    return Published(
        published=any(o.published for o in outcomes),
        territory=single.territory if single else None,
        version=single.version if single else None,
        lines=sum(o.lines for o in outcomes),
        territories=outcomes,
    )


async def _publish(
    uow: TaxcalcUnitOfWork, territory: Territory, lines: list[TariffLine], digest: str
) -> PublishedTerritory:
    stream = tariff_stream(territory)
    current = await uow.tariffs.get(stream)
    if current is not None and (current.aggregate.source_sha256 == digest or current.aggregate.lines == lines):
        return PublishedTerritory(territory=territory, published=False, version=current.version, lines=len(lines))
    version = current.version if current else 0
    published = TariffPublished(territory=territory, source_sha256=digest, lines=lines)
    await uow.tariffs.save(stream, [published], expected_version=version, territory=territory)
    await reassess_without_rate(uow, territory)
    return PublishedTerritory(territory=territory, published=True, version=version + 1, lines=len(lines))


def _check_served(territory: str, uow: TaxcalcUnitOfWork, who: Principal) -> None:
    if territory not in uow.served or (who.territories and territory not in who.territories):
        raise Forbidden(f"Ce déploiement ne traite pas le territoire {territory}.", field="territory")
