"""The declaration rebuilt by folding its events: one handler per event type, deterministic, versioned."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given as for_all
from hypothesis import settings
from hypothesis import strategies as st
from pydantic import BaseModel

from chassis.repository import recorded
from contracts.envelope import SYSTEM, EventEnvelope
from contracts.errors import DomainError
from contracts.events.declarations import (
    DeclarationFiled,
    DeductionsEntered,
    LineAdded,
    LineRemoved,
)
from declarations.domain.declaration import Declaration
from declarations.domain.lines import Line, LineEntry

from declarations_given import DURING_Q1_2024, details_set, drafted, given, line_a, line_b, totals_for, utc


def test_drafted_declaration_state() -> None:
    declaration = given(drafted(2024, 3, "decl-7"), territory="971")
    assert (declaration.id, declaration.territory, declaration.year, declaration.quarter) == (
        "decl-7",
        "971",
        2024,
        3,
    )
    assert declaration.due_date == date(2024, 10, 24)
    assert declaration.status == "draft" and declaration.version == 1
    assert declaration.declarant is None and declaration.lines == {}


def test_every_event_moves_the_version_by_one() -> None:
    declaration = given(drafted(), details_set(), line_a("l-1"), line_b("l-2"), LineRemoved(line_id="l-1"))
    assert declaration.version == 5
    assert list(declaration.lines) == ["l-2"]
    assert declaration.declarant == details_set()


def test_lines_keep_every_field_of_their_event() -> None:
    declaration = given(drafted(), line_a("l-1", cana="Z001", rates_date=date(2024, 2, 1)), line_b("l-2"))
    assert declaration.lines["l-1"] == Line(
        line_id="l-1",
        annex="A",
        nomenclature="22084011",
        price_excl_tax=Decimal("1000.00"),
        cana="Z001",
        rates_date=date(2024, 2, 1),
    )
    assert [line.line_id for line in declaration.annex("B")] == ["l-2"]


def test_filed_event_closes_the_declaration() -> None:
    declaration = given(drafted(), details_set(), line_a())
    declaration.apply_all(declaration.file(totals_for(declaration), now=utc(2024, 4, 2), declarant_email=None))
    assert declaration.is_filed and declaration.status == "filed"
    assert isinstance(declaration.filing, DeclarationFiled) and declaration.filing.totals_version == 3


def test_a_stream_must_start_with_declaration_drafted() -> None:
    with pytest.raises(ValueError):
        Declaration.fold([details_set()], territory="972")
    with pytest.raises(ValueError):
        Declaration.fold([], territory="972")


def test_a_second_declaration_drafted_is_refused() -> None:
    with pytest.raises(ValueError):
        given(drafted(), drafted())


def test_an_event_of_another_stream_is_refused() -> None:
    class Stranger(BaseModel):
        pass

    with pytest.raises(ValueError):
        given(drafted(), Stranger())


def envelope(version: int, event_type: str, data: dict[str, Any], schema_version: int = 1) -> EventEnvelope:
    return EventEnvelope(
        type=event_type,
        schema_version=schema_version,
        stream_id="decl-1",
        stream_type="declaration",
        version=version,
        territory="974",
        actor=SYSTEM,
        correlation_id="corr-1",
        data=data,
    )


def test_rebuilt_from_its_stream_with_old_schemas_upcast() -> None:
    envelopes = [
        envelope(1, "DeclarationDrafted", drafted().model_dump(mode="json")),
        # A pilot-era LineAdded v1: `price`, no flags, no rates_date.
        envelope(2, "LineAdded", {"line_id": "l-1", "annex": "A", "nomenclature": "22084011", "price": "12.00"}),
    ]
    declaration = Declaration.from_recorded(recorded(envelopes))
    assert declaration.territory == "974" and declaration.version == 2
    line = declaration.lines["l-1"]
    assert line.price_excl_tax == Decimal("12.00") and line.avitaillement is False
    assert line.rates_date == date(2024, 1, 1)  # the quarter's first day, as the command defaults it


def test_a_stream_out_of_order_is_refused() -> None:
    with pytest.raises(ValueError):
        Declaration.from_recorded(recorded([envelope(2, "DeclarationDrafted", drafted().model_dump(mode="json"))]))


# ---- folding is deterministic ------------------------------------------------------------------

commands = st.lists(
    st.one_of(
        st.tuples(
            st.just("add"),
            st.sampled_from(["A", "B"]),
            st.sampled_from(["22084011", "3305100000", "19059060"]),
            st.sampled_from([None, "Z001"]),
            st.integers(min_value=0, max_value=95),
            st.decimals(min_value=Decimal("0.01"), max_value=Decimal("100000"), places=2),
        ),
        st.tuples(st.just("remove"), st.integers(min_value=0, max_value=10)),
        st.tuples(st.just("details"), st.sampled_from(["representant", "mandataire"])),
        st.tuples(st.just("deductions"), st.decimals(min_value=0, max_value=Decimal("5000"), places=2)),
    ),
    max_size=25,
)


def run(script: list[tuple[Any, ...]]) -> list[BaseModel]:
    """Plays commands on a Q1 2024 draft, keeping every accepted event (refusals are skipped)."""
    history: list[BaseModel] = [drafted()]
    declaration = given(*history)
    for step, command in enumerate(script):
        try:
            if command[0] == "add":
                _, annex, code, cana, offset, price = command
                extra = {"cana": cana, "rates_date": date.fromordinal(date(2024, 1, 1).toordinal() + offset)}
                events = declaration.add_line(
                    f"l-{step}",
                    LineEntry(annex=annex, nomenclature=code, price_excl_tax=price, **(extra if annex == "A" else {})),
                )
            elif command[0] == "remove":
                ids = list(declaration.lines)
                events = declaration.remove_line(ids[command[1] % len(ids)] if ids else "none")
            elif command[0] == "details":
                events = declaration.set_declarant_details(
                    name="N", quality=command[1], place="P", payment_method="virement"
                )
            else:
                events = declaration.enter_deductions({"8": command[1]}, {"20": command[1]}, now=DURING_Q1_2024)
        except DomainError:
            continue
        declaration.apply_all(events)
        history.extend(events)
    return history


@settings(max_examples=60, deadline=None)
@for_all(commands)
def test_folding_the_same_events_always_gives_the_same_declaration(script: list[tuple[Any, ...]]) -> None:
    history = run(script)
    incremental = given(*history[:1]).apply_all(history[1:])
    assert Declaration.fold(history, territory="972") == Declaration.fold(history, territory="972")
    assert Declaration.fold(history, territory="972") == incremental
    assert incremental.version == len(history)


@settings(max_examples=60, deadline=None)
@for_all(commands)
def test_annex_a_never_holds_the_same_line_twice(script: list[tuple[Any, ...]]) -> None:
    declaration = Declaration.fold(run(script), territory="972")
    periods = [line.identity for line in declaration.annex("A")]
    assert len(periods) == len(set(periods))
    assert all(declaration.first_day <= p[2] <= declaration.last_day for p in periods if p[2] is not None)


def test_replaying_events_from_json_gives_the_same_declaration() -> None:
    history = [
        drafted(),
        details_set(),
        line_a(),
        DeductionsEntered.model_validate({"om": {"amounts": {"8": "1.00"}, "flags": {"7": True}}, "omr": {}}),
        LineAdded.model_validate(
            {
                "line_id": "l-b",
                "annex": "B",
                "nomenclature": "22084011",
                "price_excl_tax": "3.00",
                "rfs": True,
            }
        ),
    ]
    replayed = [type(e).model_validate_json(e.model_dump_json()) for e in history]
    assert Declaration.fold(replayed, territory="972") == Declaration.fold(history, territory="972")
