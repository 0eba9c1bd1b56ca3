"""A requester erased at the end of the retention of their closed request (crypto-shredding, decision 0031): essoc
and the notifier in process on the embedded Kafka, MongoDB and SMTP sink, with a key store of their own.

After the daily passes run at the instant the retention ends, a raw search of every collection of essoc's, the
notifier's and the key store's databases (logs, inboxes, views, files) finds neither the name, the e-mail, the free
texts nor the file; the chains, the seals and the offline bundle still verify; the views, replayed, show
« [donnée effacée] », and so do the request's detail, its PDF and the auditor's reading of its stream."""

from __future__ import annotations

import asyncio
import io
import json
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase
from pypdf import PdfReader

from chassis.audit import export_bundle
from chassis.erasure import ErasureJob
from chassis.erasure_due import ErasureDueStore
from chassis.http.auth import mint
from chassis.read_log_retention import delete_reads_past_retention
from chassis.service import Runtime, attach, create_app
from contracts.audit import Keyring, generate_private_key, public_key_entry
from contracts.ciphertext import ERASED
from contracts.envelope import utc_now
from devstack.infra import EmbeddedInfra
from essoc.adapters.closed_requests import ClosedRequestReadModel
from essoc.application.personal_retention import PersonalDataRetention
from essoc.application.projections import VIEW
from essoc.bootstrap import build as build_essoc
from essoc.settings import EssocSettings
from notifier.adapters.outbox import OUTBOX
from notifier.adapters.outbox_retention import OutboxRetention
from notifier.application.mail_retention import MailRetention
from notifier.bootstrap import build as build_notifier
from notifier.settings import NotifierSettings

ROOT = Path(__file__).resolve().parents[2]
SECRET = "erasure-flow-secret-0123456789-abcdefghijklmnop"
Doc = dict[str, Any]


@dataclass
class Running:
    runtime: Runtime
    http: httpx.AsyncClient


@dataclass
class Stack:
    essoc: Running
    notifier: Running
    keystore: AsyncDatabase[Doc]
    tokens: dict[str, str]
    keys_dir: Path
    suffix: str


async def _start(definition: Any) -> Running:
    app = create_app(definition)
    runtime = Runtime(definition)
    await runtime.start()
    attach(app, runtime)
    return Running(
        runtime, httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://svc", timeout=30)
    )


@pytest.fixture
async def stack(infra: EmbeddedInfra, tmp_path: Path) -> AsyncIterator[Stack]:
    suffix = uuid.uuid4().hex[:8]
    key = generate_private_key(tmp_path / "essoc.key")
    keyring = tmp_path / "keyring.json"
    keyring.write_text(Keyring(keys=[public_key_entry(key, "essoc")]).dumps(), encoding="utf-8")
    common: dict[str, Any] = {
        "mongo_uri": infra.mongo_uri,
        "kafka_bootstrap": infra.kafka_bootstrap,
        "kafka_topic_prefix": f"erasure-{suffix}.",
        "topics_file": str(ROOT / "deploy/kafka/topics.yaml"),
        "jwt_secret": SECRET,
        "log_json": False,
        "log_level": "WARNING",
        "keystore_db": f"t_keystore_{suffix}",
        "keystore_cache_seconds": 0,  # an erased key is unreadable at once (a replica keeps one a minute at most)
    }
    essoc = await _start(
        build_essoc(
            EssocSettings(
                mongo_db=f"t_essoc_{suffix}",
                kafka_group=f"essoc-{suffix}",
                company_directory=str(ROOT / "deploy/reference/companies.csv"),
                audit_signing_key=str(tmp_path / "essoc.key"),
                audit_keyring=str(keyring),
                **common,
            )
        )
    )
    notifier = await _start(
        build_notifier(
            NotifierSettings(
                mongo_db=f"t_notifier_{suffix}",
                kafka_group=f"notifier-{suffix}",
                smtp_host=infra.smtp_host,
                smtp_port=infra.smtp_port,
                sender_poll_seconds=0.1,
                declarations_url=None,
                **common,
            )
        )
    )
    await asyncio.wait_for(
        asyncio.gather(essoc.runtime.consumer_ready.wait(), notifier.runtime.consumer_ready.wait()), 60
    )
    settings = essoc.runtime.settings
    tokens = {
        "requester": mint(
            settings,
            sub=f"u-efface-{suffix}",
            role="requester",
            name="Zérovski",
            given_name="Erasmine",
            email=f"erasmine.{suffix}@entreprise.example",
        ),
        "agent": mint(
            settings,
            sub="agent-971",
            role="agent",
            name="Lubin",
            given_name="Joseph",
            email="joseph.lubin@douane.example",
            territories=["971"],
            directorates=["dr-guadeloupe"],
        ),
        "auditor": mint(settings, sub="auditor-1", role="auditor", name="Hoarau", territories=["971"]),
    }
    try:
        yield Stack(essoc, notifier, essoc.runtime.keys.keys.database, tokens, tmp_path, suffix)
    finally:
        for running in (essoc, notifier):
            await running.http.aclose()
            await running.runtime.stop()
        client: AsyncMongoClient[Doc] = AsyncMongoClient(infra.mongo_uri)
        for name in (f"t_essoc_{suffix}", f"t_notifier_{suffix}", f"t_keystore_{suffix}"):
            await client.drop_database(name)
        await client.close()


def _as(stack: Stack, who: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {stack.tokens[who]}"}


async def _sent(stack: Stack, email: str) -> int:
    """The requester's mails sent, once the notifier has no mail left to send (to them or to the directorate)."""
    if await stack.notifier.runtime.db[OUTBOX].count_documents({"state": "pending"}):
        return 0
    return await stack.notifier.runtime.db["notifications"].count_documents({"recipient": email, "status": "sent"})


def _text(value: object) -> str:
    return bytes(value).decode("latin-1") if isinstance(value, bytes) else str(value)


async def _raw(db: AsyncDatabase[Doc], only: str | None = None) -> str:
    """Every document of every collection of `db` (GridFS chunks included), as one text: what a raw search reads."""
    texts = []
    for name in [only] if only else await db.list_collection_names():
        async for doc in db[name].find({}):
            texts.append(json.dumps(doc, default=_text, ensure_ascii=False))
    return "\n".join(texts)


async def test_a_requester_erased_at_the_end_of_retention_leaves_no_trace_and_a_verifiable_log(stack: Stack) -> None:
    essoc = stack.essoc.http
    email = f"erasmine.{stack.suffix}@entreprise.example"
    answer = f"Six ans d'âge, en fût de chêne n° {stack.suffix}"
    content = f"Facture confidentielle {stack.suffix}".encode()
    filename = f"facture-{stack.suffix}.txt"
    # given a rescrit filed by Erasmine Zérovski, with a file, a question answered, then closed
    body = {
        "requester_type": "entreprise",
        "siret": "41234567000019",
        "nature": "rescrit",
        "category": "octroi-de-mer",
        "sub_category": "dr-guadeloupe",
        "fields": [{"domain": "octroi-de-mer", "sub_domain": "octroi de mer interne"}],
        "subject": "Taux d'octroi de mer applicable au rhum vieux",
        "description": "Quel taux s'applique à nos ventes de rhum vieux en Guadeloupe ?",
    }
    r = await essoc.post("/api/v1/requests", json=body, headers=_as(stack, "requester"))
    assert r.status_code == 201, r.text
    rid = r.json()["id"]
    r = await essoc.post(
        f"/api/v1/requests/{rid}/attachments", files={"file": (filename, content)}, headers=_as(stack, "requester")
    )
    assert r.status_code == 201, r.text
    file_url = r.json()["url"]
    assert (await essoc.get(file_url, headers=_as(stack, "requester"))).content == content
    agent = _as(stack, "agent")
    assert (await essoc.post(f"/api/v1/requests/{rid}/take-charge", headers=agent)).status_code == 200
    r = await essoc.post(f"/api/v1/requests/{rid}/admissibility", json={"decision": "oui"}, headers=agent)
    assert r.status_code == 200, r.text
    r = await essoc.post(f"/api/v1/requests/{rid}/questions", json={"text": "Quel âge a le rhum ?"}, headers=agent)
    assert r.status_code == 201, r.text
    question = r.json()["question_id"]
    r = await essoc.post(
        f"/api/v1/requests/{rid}/questions/{question}/answer", json={"text": answer}, headers=_as(stack, "requester")
    )
    assert r.status_code == 200, r.text
    r = await essoc.post(f"/api/v1/requests/{rid}/closure", json={"response": "Le taux est de 2,5 %."}, headers=agent)
    assert r.status_code == 200, r.text
    detail = (await essoc.get(f"/api/v1/requests/{rid}", headers=_as(stack, "requester"))).json()
    assert email in json.dumps(detail) and "Zérovski" in json.dumps(detail, ensure_ascii=False)
    async with asyncio.timeout(60):  # the mails to the requester are sent and recorded by the notifier
        while await _sent(stack, email) < 3:
            await asyncio.sleep(0.2)
    # the values are stored encrypted from the start: the logs and the files never held them in clear
    for name in ("events", "inbox", "attachments.files", "attachments.chunks"):
        raw = await _raw(stack.essoc.runtime.db, name)
        assert answer not in raw and filename not in raw and content.decode() not in raw and email not in raw

    await stack.essoc.runtime.seals.seal_now()  # the seal signed before the erasure must still hold after it
    sealed = await stack.essoc.runtime.seals.latest()

    # when the daily passes run on the day the 3 years of retention of the closed request are over
    view = await stack.essoc.runtime.db[VIEW].find_one({"_id": rid})
    assert view is not None
    now = view["closed_at"] + timedelta(days=3 * 366)
    db = stack.essoc.runtime.db
    due = PersonalDataRetention(
        ClosedRequestReadModel(db), ErasureDueStore(db), lambda at: delete_reads_past_retention(db, at), utc_now
    )
    assert (await due.apply(now)).requesters_due == 1
    await MailRetention(
        OutboxRetention(stack.notifier.runtime.db),
        lambda at: delete_reads_past_retention(stack.notifier.runtime.db, at),
    ).apply(now)
    passes = [
        await ErasureJob(r.db, r.keys, r.projector, r.store, utc_now).apply(now)
        for r in (stack.essoc.runtime, stack.notifier.runtime)
    ]

    # then the requester's key and the key of their address are erased, and both services rebuilt their views
    assert passes[0].subjects_erased == 1 and passes[0].keys_erased == 2
    assert all(p.views_rebuilt for p in passes)
    assert await ErasureDueStore(db).pending() == []
    # and no collection of any database holds the name, the e-mail, the answer or the file any more
    for database in (stack.essoc.runtime.db, stack.notifier.runtime.db, stack.keystore):
        raw = await _raw(database)
        for secret in ("Zérovski", "Erasmine", email, answer, filename, content.decode()):
            assert secret not in raw, (database.name, secret)
    # and the request's detail, its PDF and the auditor's reading show « [donnée effacée] »
    detail = (await essoc.get(f"/api/v1/requests/{rid}", headers=_as(stack, "requester"))).json()
    assert detail["requester"]["email"] == ERASED and detail["requester"]["name"] == ERASED
    r = await essoc.get(f"/api/v1/requests/{rid}/pdf", headers=_as(stack, "requester"))
    assert r.status_code == 200, r.text
    text = " ".join(" ".join((p.extract_text() or "").split()) for p in PdfReader(io.BytesIO(r.content)).pages)
    assert ERASED in text and "Zérovski" not in text
    r = await essoc.get(f"/api/v1/audit/streams/{rid}", headers=_as(stack, "auditor"))
    assert r.status_code == 200, r.text
    read = r.json()
    assert read["chain"]["intact"] and read["sealed"]["intact"], read["chain"]
    assert read["events"][0]["data"]["requester"]["name"] == ERASED and read["state"]["requester"]["name"] == ERASED
    assert (await essoc.get(file_url, headers=_as(stack, "requester"))).status_code == 404
    # and replaying the views again gives the same views, with their placeholders
    before = await stack.essoc.runtime.projector.snapshot()
    await stack.essoc.runtime.projector.replay(stack.essoc.runtime.store)
    assert await stack.essoc.runtime.projector.snapshot() == before
    # and every chain, the seals and the offline bundle still verify
    store = stack.essoc.runtime.store
    assert [p for s in await store.stream_ids() for p in await store.verify_stream(s)] == []
    assert await stack.essoc.runtime.seals.verify() == []
    assert sealed is not None and (await stack.essoc.runtime.seals.latest()) == sealed  # nothing was rewritten
    bundle = stack.keys_dir / "lot.jsonl"
    await export_bundle(stack.essoc.runtime, bundle, [rid], None, None, None)
    command = [sys.executable, "-m", "contracts.verify", str(bundle), "--key", str(stack.keys_dir / "keyring.json")]
    checked = await asyncio.to_thread(subprocess.run, command, capture_output=True, text=True, timeout=60, check=False)
    assert checked.returncode == 0 and "Lot vérifié" in checked.stdout, checked.stdout + checked.stderr
