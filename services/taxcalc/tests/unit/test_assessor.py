"""The assessor policy and tariff publication on an in-memory unit of work: given the events taxcalc
received, when one more arrives (or a tariff is published), then what taxcalc appends to its streams."""

from __future__ import annotations

from decimal import Decimal

import pytest

from chassis.http.auth import Principal
from chassis.memory import MemoryTransaction
from contracts.errors import DomainError, Forbidden
from contracts.events.taxcalc import (
    CreditCarriedForward,
    DeclarationAssessed,
    LineAssessed,
    TariffPublished,
    TotalsProjected,
)
from taxcalc.application.assessor import Assessor
from taxcalc.application.tariffs import PublishTariff, publish_tariff
from taxcalc.domain.tariff import Tariff

from taxcalc_given import DECLARATION, DETAILS, Given, drafted, filed, line

D = Decimal
ADMIN = Principal(id="admin", roles=("admin",))


async def test_a_new_line_is_assessed_then_the_totals_of_its_version_projected(demo_tariff: Tariff) -> None:
    given = Given(demo_tariff)
    await given.consume(drafted(), line("L1"))
    [totals_v1, assessed, totals_v2] = given.assessed()
    assert isinstance(totals_v1, TotalsProjected) and totals_v1.declaration_version == 1
    assert isinstance(assessed, LineAssessed) and assessed.om_amount == D("400.00")
    assert isinstance(totals_v2, TotalsProjected) and totals_v2.declaration_version == 2
    assert totals_v2.boxes["4"] == D("400.00") and totals_v2.total_due == D("650.00")


async def test_every_version_gets_its_totals(demo_tariff: Tariff) -> None:
    given = Given(demo_tariff)
    await given.consume(drafted(), DETAILS)
    assert [e.declaration_version for e in given.assessed() if isinstance(e, TotalsProjected)] == [1, 2]


async def test_an_event_of_a_declaration_never_drafted_here_changes_nothing(demo_tariff: Tariff) -> None:
    given = Given(demo_tariff)
    [orphan] = given.receive(drafted())
    given.store.received.clear()
    await given.store.run(lambda tx: Assessor(given.uow).dispatch(orphan, given.uow(tx)))
    assert given.store.streams == {}


async def test_a_filing_is_settled_and_its_credit_carried_to_the_next_draft(demo_tariff: Tariff) -> None:
    given = Given(demo_tariff)
    next_quarter = drafted("decl-rel-974-0001-2026-Q2", quarter=2)
    await given.consume(next_quarter, stream_id=next_quarter.declaration_id)
    await given.consume(drafted(), DETAILS, filed({"14": "40.00", "26": "2.00"}, version=2))
    settled = given.assessed()[-1]
    assert isinstance(settled, DeclarationAssessed) and settled.boxes["14"] == D("40.00")
    [credit] = given.store.events("ledger-rel-974-0001")
    assert isinstance(credit, CreditCarriedForward) and (credit.om_credit, credit.omr_credit) == (D("40"), D("2"))
    recomputed = given.assessed(next_quarter.declaration_id)[-1]
    assert isinstance(recomputed, TotalsProjected) and recomputed.boxes["10"] == D("40.00")


async def test_a_redelivered_or_replayed_event_finds_nothing_more_to_do(demo_tariff: Tariff) -> None:
    given = Given(demo_tariff)
    [first] = given.receive(drafted())
    policy = Assessor(given.uow)
    for _ in range(2):
        await given.store.run(lambda tx: policy.dispatch(first, given.uow(tx)))
    assert [e.version for e in given.store.streams[f"assess-{DECLARATION}"]] == [1]


async def test_no_totals_are_projected_past_a_missing_version(demo_tariff: Tariff) -> None:
    # A broker that lost version 3 must not let taxcalc call the totals of version 4 current.
    given = Given(demo_tariff)
    await given.consume(drafted(), DETAILS, line("L2", price="5000.00"), versions=[1, 2, 4])
    assert [e.declaration_version for e in given.assessed() if isinstance(e, TotalsProjected)] == [1, 2]
    assert not any(isinstance(e, LineAssessed) for e in given.assessed())
    await given.consume(line("L1"), versions=[3])  # published again: the assessment catches up at once
    *_, totals = given.assessed()
    assert isinstance(totals, TotalsProjected) and totals.declaration_version == 4
    assert totals.boxes["1"] == D("15000.00") and totals.boxes["4"] == D("600.00")
    assessed = [e.line_id for e in given.assessed() if isinstance(e, LineAssessed)]
    assert sorted(assessed) == ["L1", "L2"]


async def test_a_filing_after_a_missing_version_waits_for_it(demo_tariff: Tariff) -> None:
    given = Given(demo_tariff)
    await given.consume(drafted(), filed({"14": "0.00"}, version=3), versions=[1, 4])
    assert not any(isinstance(e, DeclarationAssessed) for e in given.assessed())
    assert "ledger-rel-974-0001" not in given.store.streams
    await given.consume(DETAILS, line("L1"), versions=[2, 3])
    assert isinstance(given.assessed()[-1], DeclarationAssessed)


async def test_publishing_a_tariff_reassesses_the_lines_that_had_no_rate(demo_tariff: Tariff, demo_csv_of) -> None:  # type: ignore[no-untyped-def]
    given = Given(Tariff())
    await given.consume(drafted(), line("L1"))
    assert [e.status for e in given.assessed() if isinstance(e, LineAssessed)] == ["no_rate"]
    given.tariffs.tariff = demo_tariff

    async def publish(tx: MemoryTransaction) -> object:
        return await publish_tariff(PublishTariff(text=demo_csv_of("974")), ADMIN, given.uow(tx))

    outcome = await given.store.run(publish)
    assert outcome.published and outcome.territory == "974" and outcome.version == 1  # type: ignore[attr-defined]
    [published] = given.store.events("tariff-974")
    assert isinstance(published, TariffPublished)
    reassessed, totals = given.assessed()[-2:]
    assert isinstance(reassessed, LineAssessed) and reassessed.status == "assessed"
    assert isinstance(totals, TotalsProjected) and totals.complete and totals.declaration_version == 2


async def test_the_same_tariff_file_twice_publishes_once(demo_csv_of) -> None:  # type: ignore[no-untyped-def]
    given = Given(Tariff())
    command = PublishTariff(text=demo_csv_of("974"))
    for _ in range(2):
        await given.store.run(lambda tx: publish_tariff(command, ADMIN, given.uow(tx)))
    assert len(given.store.events("tariff-974")) == 1


async def test_only_an_admin_publishes_a_tariff(demo_csv_of) -> None:  # type: ignore[no-untyped-def]
    given = Given(Tariff())
    declarant = Principal(id="d", roles=("declarant",))
    with pytest.raises(Forbidden):
        await given.store.run(
            lambda tx: publish_tariff(PublishTariff(text=demo_csv_of("974")), declarant, given.uow(tx))
        )
    assert given.store.streams == {}


def _several(demo_csv_of, *territories: str) -> str:  # type: ignore[no-untyped-def]
    header, *_ = demo_csv_of(territories[0]).splitlines()
    rows = [row for t in territories for row in demo_csv_of(t).splitlines()[1:] if row.strip()]
    return "\n".join([header, *rows]) + "\n"


async def test_a_tariff_file_of_several_territories_publishes_each_when_all_are_served(demo_csv_of) -> None:  # type: ignore[no-untyped-def]
    # the issue: a CSV with rows of several territories is accepted when the deployment serves them all,
    # grouped by territory, all or nothing; versions are compared within one territory only
    given = Given(Tariff(), served=("971", "974"))
    outcome = await given.store.run(
        lambda tx: publish_tariff(PublishTariff(text=_several(demo_csv_of, "971", "974")), ADMIN, given.uow(tx))
    )
    assert outcome.published and outcome.territory is None and outcome.version is None
    assert [(t.territory, t.published, t.version) for t in outcome.territories] == [("971", True, 1), ("974", True, 1)]
    for territory in ("971", "974"):
        [published] = given.store.events(f"tariff-{territory}")
        assert isinstance(published, TariffPublished) and published.territory == territory
    # the same file again: nothing; a file changing one territory publishes that one only
    again = await given.store.run(
        lambda tx: publish_tariff(PublishTariff(text=_several(demo_csv_of, "971", "974")), ADMIN, given.uow(tx))
    )
    assert not again.published
    only_974 = await given.store.run(
        lambda tx: publish_tariff(PublishTariff(text=_several(demo_csv_of, "974", "971")), ADMIN, given.uow(tx))
    )
    assert not only_974.published, "the same lines in another order are the same tariffs"


async def test_a_tariff_file_with_a_territory_not_served_publishes_nothing(demo_csv_of) -> None:  # type: ignore[no-untyped-def]
    given = Given(Tariff(), served=("974",))
    with pytest.raises(Forbidden) as refusal:
        await given.store.run(
            lambda tx: publish_tariff(PublishTariff(text=_several(demo_csv_of, "971", "974")), ADMIN, given.uow(tx))
        )
    assert "971 (Guadeloupe)" in refusal.value.detail and "rien n'a été importé" in refusal.value.detail
    assert given.store.streams == {}


async def test_a_tariff_file_naming_one_territory_refuses_the_rows_of_another(demo_csv_of) -> None:  # type: ignore[no-untyped-def]
    given = Given(Tariff(), served=("971", "974"))
    command = PublishTariff(text=_several(demo_csv_of, "971", "974"), territory="974")
    with pytest.raises(DomainError) as refusal:
        await given.store.run(lambda tx: publish_tariff(command, ADMIN, given.uow(tx)))
    assert "ne correspond pas au tarif importé (974" in refusal.value.extra["rows"][0]["message"]
    assert given.store.streams == {}
