"""Guards that need no server: event weight, JSON depth, log redaction, the signing secret at start."""

from __future__ import annotations

import pytest
from pydantic import BaseModel
from typer.testing import CliRunner

from chassis.cli import make_cli
from chassis.eventstore import NewEvent
from chassis.http.guards import json_depth
from chassis.logging import redact
from chassis.memory import MemoryEventStore, MemoryTransaction
from chassis.service import ServiceDefinition
from chassis.settings import ServiceSettings
from chassis.spreadsheet import to_csv
from contracts.envelope import SYSTEM
from contracts.errors import DomainError
from contracts.events.declarations import DeclarantDetailsSet


async def test_an_event_too_heavy_for_the_broker_is_refused_before_it_is_stored() -> None:
    store = MemoryEventStore()
    heavy = DeclarantDetailsSet(name="x" * (600 * 1024), quality="representant", place="p", payment_method="t")

    async def work(tx: MemoryTransaction) -> object:
        return await tx.append("decl-1", 0, [NewEvent(heavy, territory="974", actor=SYSTEM)])

    with pytest.raises(DomainError) as refused:
        await store.run(work)
    assert refused.value.status == 413 and "trop volumineux" in refused.value.detail
    assert store.streams == {}


def test_json_depth_counts_nesting_not_brackets_in_strings() -> None:
    assert json_depth(b'{"a": [1, {"b": "[[[["}]}') == 3
    assert json_depth(b"[" * 40 + b"]" * 40) == 40
    assert json_depth(b'"\\"[["') == 0


def test_logs_never_carry_a_token_a_secret_or_bytes() -> None:
    token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJkIn0.c2lnbmF0dXJl"
    line = redact(
        None,
        "info",
        {"event": f"call with Bearer {token}", "authorization": "Bearer abc", "jwt_secret": "s", "blob": b"\x00" * 9},
    )
    assert token not in str(line) and line["authorization"] == "***" and line["jwt_secret"] == "***"
    assert line["blob"] == "<9 octets>" and "Bearer ***" in line["event"]


class _Nothing(BaseModel):
    pass


@pytest.mark.parametrize("secret", [None, "short"])
def test_serve_refuses_to_start_without_a_strong_signing_secret(secret: str | None) -> None:
    settings = ServiceSettings() if secret is None else ServiceSettings(jwt_secret=secret)
    runner = CliRunner()
    result = runner.invoke(make_cli(lambda: ServiceDefinition(name="t", settings=settings)), ["serve"])
    assert result.exit_code == 2 and "Refus de démarrer" in result.output
    assert ServiceSettings(jwt_secret="k" * 40).signing_problem() is None
    assert ServiceSettings(jwks_url="https://idp.example/jwks").signing_problem() is None


@pytest.mark.parametrize(
    "uri",
    [
        "mongodb://mongo-0,mongo-1,mongo-2/?replicaSet=rs0",
        "mongodb://mongo-0,mongo-1,mongo-2/?replicaSet=rs0&w=1",
        "mongodb://127.0.0.1:27017/?directConnection=true&journal=true",
    ],
)
def test_serve_refuses_a_mongo_uri_without_majority_writes(uri: str) -> None:
    """Checkpoints, idempotency keys and dead letters are written outside transactions: with w=1 a fail-over
    can roll back what was confirmed. Production URIs carry w=majority; a service refuses to start without."""
    settings = ServiceSettings(jwt_secret="k" * 40, mongo_uri=uri)
    result = CliRunner().invoke(make_cli(lambda: ServiceDefinition(name="t", settings=settings)), ["serve"])
    assert result.exit_code == 2 and "w=majority" in result.output
    assert ServiceSettings(mongo_uri=uri.split("?")[0] + "?replicaSet=rs0&w=majority").durability_problem() is None
    assert ServiceSettings().durability_problem() is None, "the default (make run) asks for majority"


def test_no_csv_cell_runs_as_a_formula_and_the_file_opens_in_a_french_spreadsheet() -> None:
    data = to_csv(
        ["N°", "Objet"], [[1, '=HYPERLINK("http://x")'], [2, "+33 1 02"], [3, "-5"], [4, "@SUM(A1)"], [5, "Été"]]
    )
    assert data.startswith("\ufeff".encode())
    text = data.decode("utf-8-sig")
    assert text.splitlines() == [
        "N°;Objet",
        '1;"\'=HYPERLINK(""http://x"")"',
        "2;'+33 1 02",
        "3;'-5",
        "4;'@SUM(A1)",
        "5;Été",
    ]
