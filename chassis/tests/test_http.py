"""HTTP plumbing: problem+json in French naming the field, bearer auth, Idempotency-Key, 409."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
import pytest
from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from chassis.eventstore import Metadata, NewEvent
from chassis.http.auth import CurrentPrincipal, mint
from chassis.http.idempotency import LEASE_SECONDS
from chassis.service import Runtime, ServiceDefinition, attach, create_app
from chassis.settings import ServiceSettings
from chassis.unit_of_work import Transaction
from contracts.events.declarations import AnnualTurnoverDeclared
from contracts.types import Money

pytestmark = pytest.mark.integration


class Turnover(BaseModel):
    amount: Money = Field(ge=Decimal(0))
    expected_version: int


router = APIRouter()


@router.post("/things/{thing_id}/turnover", status_code=201)
async def declare(thing_id: str, body: Turnover, request: Request, who: CurrentPrincipal) -> dict[str, object]:
    who.require("declarant")
    runtime: Runtime = request.app.state.runtime

    async def work(tx: Transaction) -> int:
        stored = await tx.append(
            thing_id,
            body.expected_version,
            [NewEvent(AnnualTurnoverDeclared(amount=body.amount), "974", who.actor)],
            Metadata(correlation_id="c"),
        )
        return stored[-1].version

    return {"id": thing_id, "version": await runtime.uow.run(work), "nonce": str(uuid.uuid4())}


HELD: dict[str, asyncio.Event] = {}
"""The first run of a command is held in its transaction until the test lets it go (keyed by its `hold` field);
the runs after it (a retry, the first one's own transaction run again) are not."""


class NewThing(BaseModel):
    amount: Money = Field(ge=Decimal(0))
    hold: str | None = None


@router.post("/things", status_code=201)
async def create(body: NewThing, request: Request, who: CurrentPrincipal) -> dict[str, object]:
    """A command that creates a new stream each time it runs: a second run is a second thing, not a conflict."""
    runtime: Runtime = request.app.state.runtime
    thing_id = f"thing-{uuid.uuid4()}"

    async def work(tx: Transaction) -> str:
        if body.hold and body.hold in HELD:
            await HELD.pop(body.hold).wait()
        await tx.append(thing_id, 0, [NewEvent(AnnualTurnoverDeclared(amount=body.amount), "974", who.actor)])
        return thing_id

    return {"id": await runtime.uow.run(work)}


@contextlib.asynccontextmanager
async def _replica(mongo_db):  # type: ignore[no-untyped-def]
    """One replica of a service on the test's database, and an HTTP client signed in as u1."""
    settings = ServiceSettings(service_name="t", mongo_db=mongo_db.name, relay_enabled=False, consume=False)
    definition = ServiceDefinition(name="t", settings=settings, routers=[router])
    app = create_app(definition)
    runtime = Runtime(definition, client=mongo_db.client)
    await runtime.start_storage()
    attach(app, runtime)
    token = mint(settings, sub="u1", role="declarant")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t", headers={"Authorization": f"Bearer {token}"}
    ) as c:
        yield c, settings


@pytest.fixture
async def client(mongo_db):  # type: ignore[no-untyped-def]
    async with _replica(mongo_db) as replica:
        yield replica


async def test_a_missing_field_is_a_french_problem_naming_the_field(client):  # type: ignore[no-untyped-def]
    c, _ = client
    r = await c.post("/api/v1/things/a/turnover", json={"expected_version": 0})
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert body["field"] == "amount" and "obligatoire" in body["detail"]
    assert body["status"] == 422 and body["title"] == "Données invalides"


async def test_a_float_amount_is_refused(client):  # type: ignore[no-untyped-def]
    c, _ = client
    r = await c.post("/api/v1/things/a/turnover", json={"amount": 12.5, "expected_version": 0})
    assert r.status_code == 422 and r.json()["field"] == "amount"


async def test_no_token_is_401_and_a_wrong_role_is_403(client):  # type: ignore[no-untyped-def]
    c, settings = client
    r = await c.post(
        "/api/v1/things/a/turnover", json={"amount": "1", "expected_version": 0}, headers={"Authorization": ""}
    )
    assert r.status_code == 401 and r.headers["content-type"] == "application/problem+json"
    bad = mint(settings, sub="x", role="requester")
    r = await c.post(
        "/api/v1/things/a/turnover",
        json={"amount": "1", "expected_version": 0},
        headers={"Authorization": f"Bearer {bad}"},
    )
    assert r.status_code == 403


async def test_a_stale_version_is_409_and_appends_nothing(client, mongo_db):  # type: ignore[no-untyped-def]
    c, _ = client
    stream = f"s-{uuid.uuid4()}"
    assert (
        await c.post(f"/api/v1/things/{stream}/turnover", json={"amount": "1", "expected_version": 0})
    ).status_code == 201
    r = await c.post(f"/api/v1/things/{stream}/turnover", json={"amount": "2", "expected_version": 0})
    assert r.status_code == 409 and r.json()["actual_version"] == 1
    assert await mongo_db["events"].count_documents({"stream_id": stream}) == 1


async def test_a_retried_command_with_the_same_key_returns_the_first_answer(client, mongo_db):  # type: ignore[no-untyped-def]
    c, _ = client
    stream = f"s-{uuid.uuid4()}"
    key = {"Idempotency-Key": str(uuid.uuid4())}
    body = {"amount": "10.00", "expected_version": 0}
    first = await c.post(f"/api/v1/things/{stream}/turnover", json=body, headers=key)
    again = await c.post(f"/api/v1/things/{stream}/turnover", json=body, headers=key)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json() and again.headers["Idempotent-Replayed"] == "true"
    assert await mongo_db["events"].count_documents({"stream_id": stream}) == 1
    other = await c.post(f"/api/v1/things/{stream}/turnover", json={**body, "amount": "11"}, headers=key)
    assert other.status_code == 422 and other.json()["field"] == "Idempotency-Key"


async def test_a_key_left_pending_by_a_killed_process_never_blocks_nor_runs_twice(client, mongo_db):  # type: ignore[no-untyped-def]
    """A process killed after its command committed, before answering: the key stays pending. Past the
    lease, a retry learns the command was applied; a command that never committed runs on retry."""
    c, _ = client
    stream = f"s-{uuid.uuid4()}"
    key = str(uuid.uuid4())
    body = {"amount": "10.00", "expected_version": 0}
    assert (
        await c.post(f"/api/v1/things/{stream}/turnover", json=body, headers={"Idempotency-Key": key})
    ).status_code == 201
    [reservation] = [d async for d in mongo_db["idempotency_keys"].find({"_id": {"$regex": f":{key}$"}})]
    assert await mongo_db["idempotency_commits"].find_one({"_id": reservation["_id"]}) is not None
    stale = datetime.now(UTC) - timedelta(seconds=LEASE_SECONDS + 5)
    await mongo_db["idempotency_keys"].update_one(  # as if the process died before recording its answer
        {"_id": reservation["_id"]}, {"$set": {"state": "pending", "created_at": stale}, "$unset": {"body": ""}}
    )
    again = await c.post(f"/api/v1/things/{stream}/turnover", json=body, headers={"Idempotency-Key": key})
    assert again.status_code == 409 and again.json()["type"].endswith("commande-deja-executee")
    assert await mongo_db["events"].count_documents({"stream_id": stream}) == 1
    # A command whose process died before it committed: its key is taken over and the command runs.
    other, lost = f"s-{uuid.uuid4()}", str(uuid.uuid4())
    caller = reservation["_id"].split(":", 1)[0]
    await mongo_db["idempotency_keys"].insert_one(
        {
            "_id": f"{caller}:POST:/api/v1/things/{other}/turnover:{lost}",
            "state": "pending",
            "fingerprint": hashlib.sha256(json.dumps(body, separators=(",", ":")).encode()).hexdigest(),
            "created_at": stale,
        }
    )
    retried = await c.post(
        f"/api/v1/things/{other}/turnover",
        content=json.dumps(body, separators=(",", ":")),
        headers={"Idempotency-Key": lost, "Content-Type": "application/json"},
    )
    assert retried.status_code == 201, retried.text
    assert await mongo_db["events"].count_documents({"stream_id": other}) == 1


async def test_a_key_taken_over_while_its_first_run_still_runs_commits_the_command_once(client, mongo_db):  # type: ignore[no-untyped-def]
    """The reviewer's experiment: the first run is still in its transaction past the lease (a loaded database);
    a retry reaches another replica, takes the key over and commits. The first run, going on, must not commit a
    second thing: its commit mark is an insert that the retry's mark refuses. Both callers learn one outcome."""
    c, _ = client
    hold, key = str(uuid.uuid4()), {"Idempotency-Key": str(uuid.uuid4())}
    held = HELD[hold] = asyncio.Event()
    body = {"amount": "10.00", "hold": hold}
    first = asyncio.create_task(c.post("/api/v1/things", json=body, headers=key))
    reservation = {"_id": {"$regex": f":{key['Idempotency-Key']}$"}}
    async with asyncio.timeout(20):
        while await mongo_db["idempotency_keys"].find_one(reservation) is None:
            await asyncio.sleep(0.01)
    await asyncio.sleep(0.2)  # the first run is inside its transaction, held
    stale = datetime.now(UTC) - timedelta(seconds=LEASE_SECONDS + 5)
    await mongo_db["idempotency_keys"].update_many(reservation, {"$set": {"created_at": stale}})
    async with _replica(mongo_db) as (other, _):
        retry = await other.post("/api/v1/things", json=body, headers=key)
    assert retry.status_code == 201, retry.text
    held.set()
    answered = await first
    assert answered.status_code in (201, 409), answered.text
    if answered.status_code == 201:
        assert answered.json() == retry.json(), "the first caller is told the retry's outcome"
    else:
        assert answered.json()["type"].endswith("commande-deja-executee")
    things = await mongo_db["events"].distinct("stream_id", {"stream_id": {"$regex": "^thing-"}})
    assert things == [retry.json()["id"]], "one key, one command: no second thing"
    assert await mongo_db["idempotency_commits"].count_documents(reservation) == 1


async def test_a_retry_with_a_refreshed_token_gets_the_first_answer(client, mongo_db):  # type: ignore[no-untyped-def]
    """A key is the person's, not the token's: a client that refreshed its token is not a new caller."""
    c, settings = client
    key = {"Idempotency-Key": str(uuid.uuid4())}
    first = await c.post("/api/v1/things", json={"amount": "3.00"}, headers=key)
    refreshed = mint(settings, sub="u1", role="declarant", ttl_seconds=7200)
    again = await c.post(
        "/api/v1/things", json={"amount": "3.00"}, headers={**key, "Authorization": f"Bearer {refreshed}"}
    )
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
    someone_else = mint(settings, sub="u2", role="declarant")
    theirs = await c.post(
        "/api/v1/things", json={"amount": "3.00"}, headers={**key, "Authorization": f"Bearer {someone_else}"}
    )
    assert theirs.status_code == 201 and theirs.json() != first.json(), "another person's key is their own"


async def test_a_retry_right_after_a_crash_takes_the_key_of_the_dead_process_over_at_once(client, mongo_db):  # type: ignore[no-untyped-def]
    """The probe's case: a filing retried right after its process was killed was refused for up to 30 s with
    « réessayez ». The key's owner is gone (it stopped beating): the retry runs at once. A key whose owner runs
    still is refused with the seconds to wait."""
    c, _ = client
    body = {"amount": "7.00"}
    caller = hashlib.sha256(b"u1").hexdigest()[:32]
    fingerprint = hashlib.sha256(json.dumps(body, separators=(",", ":")).encode()).hexdigest()
    killed, running = str(uuid.uuid4()), str(uuid.uuid4())
    # beats on the database server's clock: one written 60 s ago (as if), one just now
    await mongo_db["instances"].update_one(
        {"_id": "machine-vive:4243:abcd"}, {"$currentDate": {"beat_at": True}}, upsert=True
    )
    alive = await mongo_db["instances"].find_one({"_id": "machine-vive:4243:abcd"})
    await mongo_db["instances"].insert_one(
        {"_id": "machine-morte:4242:abcd", "beat_at": alive["beat_at"] - timedelta(seconds=60)}
    )
    for key, owner in ((killed, "machine-morte:4242:abcd"), (running, "machine-vive:4243:abcd")):
        await mongo_db["idempotency_keys"].insert_one(
            {
                "_id": f"{caller}:POST:/api/v1/things:{key}",
                "state": "pending",
                "fingerprint": fingerprint,
                "created_at": datetime.now(UTC) - timedelta(seconds=1),
                "owner": owner,
            }
        )
    headers = {"Content-Type": "application/json"}
    content = json.dumps(body, separators=(",", ":"))
    retried = await c.post("/api/v1/things", content=content, headers={**headers, "Idempotency-Key": killed})
    assert retried.status_code == 201, retried.text
    waiting = await c.post("/api/v1/things", content=content, headers={**headers, "Idempotency-Key": running})
    assert waiting.status_code == 409 and waiting.json()["type"].endswith("commande-en-cours")
    seconds = int(waiting.headers["Retry-After"])
    assert 1 <= seconds <= LEASE_SECONDS and f"réessayez dans {seconds} seconde" in waiting.json()["detail"]
