"""Dead letters are known by what they are (the event's id, or a record's bytes), never by a topic's offset."""

from __future__ import annotations

import pytest

from chassis.dead_letters import DeadLetters
from contracts.envelope import Actor, EventEnvelope
from contracts.wire import to_kafka

pytestmark = pytest.mark.integration


def _poison(line: str) -> tuple[bytes, list[tuple[str, bytes]]]:
    event = EventEnvelope(
        type="LineRemoved",
        schema_version=1,
        stream_id=f"s-{line}",
        stream_type="declaration",
        version=1,
        territory="974",
        actor=Actor(id="u", role="declarant"),
        correlation_id="c",
        data={"line_id": line},
    )
    _, value, headers = to_kafka(event, "/test")
    return value, headers


async def _park(letters: DeadLetters, value: bytes, headers: list[tuple[str, bytes]], offset: int = 0) -> None:
    await letters.park(
        topic="declarations.events",
        partition=0,
        offset=offset,
        key=None,
        headers=headers,
        value=value,
        error=RuntimeError("règle cassée"),
        attempts=3,
    )


async def test_a_dead_letter_on_an_offset_reused_by_a_new_cluster_is_parked_not_lost(mongo_db) -> None:  # type: ignore[no-untyped-def]
    """The reviewer's experiment: a poison record parked at offset 0, the broker lost (offsets start again at 0),
    another poison record at offset 0 of the new cluster. Keyed on the offset, the second was taken for the
    first, acknowledged and never parked."""
    letters = DeadLetters(mongo_db, "test")
    await _park(letters, *_poison("first"))
    await _park(letters, *_poison("second"))  # the same topic, partition and offset, on the new cluster
    total, parked = await letters.list()
    assert total == 2
    assert {letter["event"]["data"]["line_id"] for letter in parked} == {"first", "second"}


async def test_the_same_event_parked_again_from_a_new_cluster_stays_one_letter_that_says_where_it_was_read(  # type: ignore[no-untyped-def]
    mongo_db,
) -> None:
    letters = DeadLetters(mongo_db, "test")
    value, headers = _poison("again")
    await _park(letters, value, headers, offset=7)
    await _park(letters, value, headers, offset=0)  # republished by the relay after a broker loss
    total, [letter] = await letters.list()
    assert total == 1 and letter["id"].startswith("event:")
    stored = await letters.get(letter["id"])
    assert sorted(place["offset"] for place in stored["seen"]) == [0, 7]


async def test_an_unreadable_record_is_known_by_its_bytes(mongo_db) -> None:  # type: ignore[no-untyped-def]
    letters = DeadLetters(mongo_db, "test")
    await _park(letters, b"not a cloudevent", [])
    await _park(letters, b"another unreadable record", [])
    await _park(letters, b"not a cloudevent", [], offset=1)
    total, parked = await letters.list()
    assert total == 2 and all(letter["id"].startswith("record:") for letter in parked)
