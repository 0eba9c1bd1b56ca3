"""The audit trail against the embedded MongoDB, the declarations service in process with its sealing key:
reads as of a date equal a replay --as-of, every tampering is detected with a French message naming the
stream and where (an event altered, removed or inserted; a stream rewritten with a recomputed chain; a seal
forged with another key; an old seal replayed), the exported bundle verifies offline and fails after any
byte is changed, an auditor's reads are logged and an auditor acts on nothing."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from chassis import kafka
from chassis.audit import export_bundle
from chassis.eventstore import from_doc, to_doc
from chassis.http.auth import mint
from chassis.service import Runtime, attach, create_app
from contracts.audit import Keyring, Seal, generate_private_key, next_seal, public_key_entry, sign_seal
from contracts.envelope import GENESIS_HASH
from declarations.bootstrap import build
from declarations.settings import DeclarationsSettings

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
SECRET = "audit-trail-tests-secret-0123456789-abcdefgh"
DECLARANT = {"sub": "decl-audit", "role": "declarant", "relations": ["rel-971-0001"], "email": "d@example.fr"}
AUDITOR = {"sub": "auditrice", "role": "auditor", "territories": ["971"]}
AUDITOR_974 = {"sub": "auditeur-974", "role": "auditor", "territories": ["974"]}
ADMIN = {"sub": "admin", "role": "admin", "territories": ["971", "972", "973", "974", "976"]}
CODES = iter(f"3305{n:04d}" for n in range(1000, 9999))


def _line() -> dict[str, str]:
    """A line of another product each time (one product per line and date)."""
    return {"annex": "A", "nomenclature": next(CODES), "price_excl_tax": "10.00"}


class Service:
    def __init__(self, app: Any, runtime: Runtime, settings: DeclarationsSettings, keys: Path) -> None:
        self.app, self.runtime, self.settings, self.keys = app, runtime, settings, keys

    def client(self, claims: dict[str, Any]) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.app),
            base_url="http://declarations",
            headers={"Authorization": f"Bearer {mint(self.settings, **claims)}"},
        )

    @property
    def events(self) -> Any:
        return self.runtime.db["events"]


@pytest.fixture
async def service(mongo_uri: str, tmp_path: Path) -> AsyncIterator[Service]:
    key = generate_private_key(tmp_path / "declarations.key")
    keyring = tmp_path / "keyring.json"
    keyring.write_text(Keyring(keys=[public_key_entry(key, "declarations")]).dumps(), encoding="utf-8")
    settings = DeclarationsSettings(
        mongo_uri=mongo_uri,
        mongo_db=f"audit_{uuid.uuid4().hex[:10]}",
        relay_enabled=False,
        consume=False,
        background_enabled=False,
        reminders_enabled=False,
        jwt_secret=SECRET,
        log_json=False,
        log_level="WARNING",
        topics_file=str(ROOT / "deploy/kafka/topics.yaml"),
        reference_dir=str(ROOT / "deploy/territories"),
        audit_signing_key=str(tmp_path / "declarations.key"),
        audit_keyring=str(keyring),
    )
    definition = build(settings)
    runtime = Runtime(definition)
    await runtime.wire()
    app = create_app(definition)
    attach(app, runtime)
    try:
        yield Service(app, runtime, settings, tmp_path)
    finally:
        await runtime.client.drop_database(runtime.db.name)
        await runtime.client.close()


QUARTERS = iter((year, quarter) for year in range(2021, 2026) for quarter in (1, 2, 3, 4))


async def _declaration(service: Service, lines: int = 1) -> str:
    year, quarter = next(QUARTERS)
    async with service.client(DECLARANT) as http:
        body = {"relation_id": "rel-971-0001", "year": year, "quarter": quarter}
        r = await http.post("/api/v1/declarations", json=body)
        assert r.status_code == 201, r.text
        declaration = str(r.json()["id"])
        for _ in range(lines):
            assert (await http.post(f"/api/v1/declarations/{declaration}/lines", json=_line())).status_code == 201
    return declaration


async def _problems(service: Service) -> list[str]:
    """What `declarations verify` reports: the broken chains, then the seals."""
    problems = [
        f"{s} : {p}"
        for s in await service.runtime.store.stream_ids()
        for p in await service.runtime.store.verify_stream(s)
    ]
    return problems + await service.runtime.seals.verify()


# ---- reads as of a date or a version ---------------------------------------------------------------


async def test_a_stream_read_as_of_a_date_equals_a_replay_as_of_that_date(service: Service) -> None:
    declaration = await _declaration(service, lines=1)
    first = await service.events.find_one({"stream_id": declaration}, sort=[("version", -1)])
    assert first is not None
    cutoff = first["occurred_at"]
    await asyncio.sleep(0.05)
    async with service.client(DECLARANT) as http:
        assert (await http.post(f"/api/v1/declarations/{declaration}/lines", json=_line())).status_code == 201
    async with service.client(AUDITOR) as http:
        then = (await http.get(f"/api/v1/audit/streams/{declaration}", params={"as_of": cutoff.isoformat()})).json()
        now = (await http.get(f"/api/v1/audit/streams/{declaration}")).json()
        at_version = (await http.get(f"/api/v1/audit/streams/{declaration}", params={"version": 1})).json()
    assert (then["version"], now["version"], then["latest_version"]) == (2, 3, 3)
    assert len(then["state"]["lines"]) == 1 and len(now["state"]["lines"]) == 2
    assert at_version["version"] == 1 and at_version["state"]["lines"] == {}
    assert then["chain"] == {"intact": True, "problems": []}
    assert [e["version"] for e in then["events"]] == [1, 2] and then["events"][1]["prev_hash"] == then["events"][0][
        "hash"
    ]
    # the service's own replay --as-of the same instant gives the same declaration
    await service.runtime.projector.replay(service.runtime.store, as_of=cutoff)
    view = await service.runtime.db["declarations"].find_one({"_id": declaration})
    assert view is not None and set(view["lines"]) == set(then["state"]["lines"])
    assert view["version"] == then["version"] and view["status"] == then["state"]["status"]


async def test_an_auditor_reads_its_territories_only_and_every_read_is_logged(service: Service) -> None:
    declaration = await _declaration(service)
    async with service.client(AUDITOR_974) as http:
        r = await http.get(f"/api/v1/audit/streams/{declaration}")
        assert r.status_code == 403 and "territoire" in r.json()["detail"]
        assert (await http.get("/api/v1/audit/streams")).json()["total"] == 0
    async with service.client(AUDITOR) as http:
        found = (await http.get("/api/v1/audit/streams", params={"type": "declaration"})).json()
        assert [s["stream_id"] for s in found["items"]] == [declaration]
        r = await http.post("/api/v1/declarations", json={"relation_id": "rel-971-0001", "year": 2025, "quarter": 2})
        assert r.status_code == 403  # an auditor acts on nothing
    reads = [d async for d in service.runtime.db["audit_reads"].find({"who": "auditrice"})]
    assert {(d["method"], d["path"]) for d in reads} >= {("GET", "/api/v1/audit/streams")}
    assert all(d["at"] and d["territories"] == ["971"] for d in reads)


# ---- tampering ---------------------------------------------------------------------------------------


async def test_an_event_altered_removed_or_inserted_breaks_its_chain(service: Service) -> None:
    altered, removed, inserted = await _declaration(service), await _declaration(service), await _declaration(service)
    await service.events.update_one({"stream_id": altered, "version": 2}, {"$set": {"data.price_excl_tax": "1.00"}})
    await service.events.delete_one({"stream_id": removed, "version": 1})
    extra = from_doc(await service.events.find_one({"stream_id": inserted, "version": 2}))
    forged = extra.model_copy(update={"version": 3, "event_id": uuid.uuid4(), "position": 10_000})
    await service.events.insert_one(to_doc(forged.chained(GENESIS_HASH)))
    problems = await _problems(service)
    assert any(p.startswith(altered) and "version 2" in p and "altéré" in p for p in problems), problems
    assert any(p.startswith(removed) and "version" in p for p in problems), problems
    assert any(p.startswith(inserted) and "version 3" in p for p in problems), problems


async def test_a_stream_rewritten_with_a_recomputed_chain_is_caught_by_the_seal(service: Service) -> None:
    declaration, other = await _declaration(service, lines=2), await _declaration(service)
    sealed = await service.runtime.seals.seal_now()
    assert sealed is not None and sealed.seq == 1 and sealed.streams == 2
    assert await _problems(service) == []
    # someone with write access changes a price and recomputes the whole chain: every chain still holds
    docs = [d async for d in service.events.find({"stream_id": declaration}, sort=[("version", 1)])]
    prev = GENESIS_HASH
    for doc in docs:
        envelope = from_doc(doc)
        if envelope.version == 2:
            envelope = envelope.model_copy(update={"data": {**envelope.data, "price_excl_tax": "0.01"}})
        envelope = envelope.chained(prev)
        prev = envelope.hash
        await service.events.replace_one({"_id": doc["_id"]}, to_doc(envelope))
    assert await service.runtime.store.verify_stream(declaration) == []
    problems = await service.runtime.seals.verify()
    assert any("sceau n° 1" in p and declaration in p for p in problems), problems
    assert not any(other in p for p in problems)
    # the auditor's read says so too (the probe's finding: it said « intacte »): its chain holds by itself, but
    # it no longer gives the head the seal signed
    async with service.client(AUDITOR) as http:
        body = (await http.get(f"/api/v1/audit/streams/{declaration}")).json()
        untouched = (await http.get(f"/api/v1/audit/streams/{other}")).json()
    assert body["chain"]["intact"] is False and body["sealed"]["intact"] is False and body["sealed"]["seal"] == 1
    assert any("réécrit depuis le sceau n° 1" in p and "version 3" in p for p in body["chain"]["problems"]), body
    assert untouched["chain"]["intact"] and untouched["sealed"]["intact"]
    # no new seal covers the rewrite, and an export of the stream fails to verify offline
    assert await service.runtime.seals.seal_now() is None
    bundle = service.keys / "reecrit.jsonl"
    await export_bundle(service.runtime, bundle, [declaration], None, None, None)
    command = [sys.executable, "-m", "contracts.verify", str(bundle), "--key", str(service.keys / "keyring.json")]
    checked = await asyncio.to_thread(subprocess.run, command, capture_output=True, text=True, timeout=60, check=False)
    assert checked.returncode == 1, checked.stdout + checked.stderr
    # deleting the stream's row beside the seal hides nothing: the latest seal must name it
    await service.runtime.db["seal_heads"].delete_one({"seal": 1, "stream_id": declaration})
    async with service.client(AUDITOR) as http:
        hidden = (await http.get(f"/api/v1/audit/streams/{declaration}")).json()
    assert hidden["sealed"]["intact"] is False and any("manque" in p for p in hidden["chain"]["problems"]), hidden


async def test_a_seal_forged_with_another_key_or_an_old_seal_replayed_is_caught(
    service: Service, tmp_path: Path
) -> None:
    await _declaration(service)
    first = await service.runtime.seals.seal_now()
    await _declaration(service)
    second = await service.runtime.seals.seal_now()
    assert first is not None and second is not None and await service.runtime.seals.verify() == []
    # a third seal signed with a key the keyring does not know
    intruder = generate_private_key(tmp_path / "intrus.key")
    heads = await service.runtime.seals.heads_at(second.position)
    forged = sign_seal(next_seal("declarations", heads, second.position, second), intruder)
    await service.runtime.db["seals"].insert_one({"_id": 3, **forged.model_dump(mode="json"), "published": False})
    problems = await service.runtime.seals.verify()
    assert any("sceau n° 3" in p and "clé" in p for p in problems), problems
    await service.runtime.db["seals"].delete_one({"_id": 3})
    # the first seal stored again as the latest
    await service.runtime.db["seals"].insert_one(
        {**{"_id": 3}, **first.model_dump(mode="json"), "seq": 3, "published": False}
    )
    problems = await service.runtime.seals.verify()
    assert any("sceau n° 3" in p for p in problems), problems


# ---- export for offline verification ------------------------------------------------------------------


async def test_the_exported_bundle_verifies_offline_and_fails_after_any_byte_is_changed(service: Service) -> None:
    declaration = await _declaration(service, lines=2)
    bundle = service.keys / "lot.jsonl"
    note = await export_bundle(service.runtime, bundle, [declaration], None, None, None)
    assert "1 flux, 3 événements" in note

    def verify(path: Path) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "contracts.verify", str(path), "--key", str(service.keys / "keyring.json")]
        return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)

    ok = verify(bundle)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "Lot vérifié" in ok.stdout
    content = bundle.read_bytes()
    for offset in (len(content) // 7, len(content) // 2, len(content) - 40):
        broken = service.keys / f"lot-{offset}.jsonl"
        changed = bytearray(content)
        changed[offset] = ord("0") if changed[offset] != ord("0") else ord("1")
        broken.write_bytes(bytes(changed))
        assert verify(broken).returncode == 1, offset


async def test_declarations_verify_fails_on_the_seal_of_a_rewritten_stream(service: Service) -> None:
    """The operator's command, as the README shows it: chains intact, seal broken, the stream named, exit 1."""
    declaration = await _declaration(service, lines=1)
    assert await service.runtime.seals.seal_now() is not None
    docs = [d async for d in service.events.find({"stream_id": declaration}, sort=[("version", 1)])]
    prev = GENESIS_HASH
    for doc in docs:
        envelope = from_doc(doc)
        if envelope.type == "LineAdded":
            envelope = envelope.model_copy(update={"data": {**envelope.data, "price_excl_tax": "0.01"}})
        envelope = envelope.chained(prev)
        prev = envelope.hash
        await service.events.replace_one({"_id": doc["_id"]}, to_doc(envelope))
    settings = service.settings
    env = {
        **os.environ,
        "DECLARATIONS_MONGO_URI": settings.mongo_uri,
        "DECLARATIONS_MONGO_DB": settings.mongo_db,
        "DECLARATIONS_AUDIT_SIGNING_KEY": str(settings.audit_signing_key),
        "DECLARATIONS_AUDIT_KEYRING": str(settings.audit_keyring),
        "DECLARATIONS_REFERENCE_DIR": settings.reference_dir,
        "DECLARATIONS_LOG_JSON": "false",
        "COLUMNS": "200",
    }
    command = [sys.executable, "-c", "from declarations.entrypoints.cli import app; app()", "verify"]
    done = await asyncio.to_thread(subprocess.run, command, env=env, capture_output=True, text=True, timeout=120)
    said = done.stdout + done.stderr
    assert done.returncode == 1, said
    assert "Toutes les chaînes" not in said and "sceau n° 1" in said and declaration in said


async def test_seals_are_published_outside_the_database_on_audit_seals(service: Service, kafka_bootstrap: str) -> None:
    """An auditor keeps its own copy of every seal: a seal later dropped or replaced in the database is seen."""
    await _declaration(service)
    seal = await service.runtime.seals.seal_now()
    assert seal is not None
    topic = f"audit-{uuid.uuid4().hex[:8]}.audit.seals"
    await kafka.ensure_topics(
        kafka_bootstrap, ROOT / "deploy/kafka/topics.yaml", prefix=topic.removesuffix("audit.seals")
    )
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
    await producer.start()
    try:

        async def publish(name: str, key: bytes, value: bytes) -> None:
            await producer.send_and_wait(name, value=value, key=key)

        assert await service.runtime.seals.publish_pending(publish, topic) == 1
        assert await service.runtime.seals.publish_pending(publish, topic) == 0  # once
    finally:
        await producer.stop()
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=kafka_bootstrap,
        group_id=f"audit-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        session_timeout_ms=6000,
        heartbeat_interval_ms=1000,
    )
    await consumer.start()
    try:
        async with asyncio.timeout(30):
            record = await consumer.getone()
    finally:
        await consumer.stop()
    assert record.key == b"declarations"
    assert Seal.model_validate_json(record.value) == seal
    async with service.client(AUDITOR) as http:
        listed = (await http.get("/api/v1/audit/seals")).json()
    assert listed["items"][0]["seq"] == seal.seq and listed["items"][0]["published"] is True
