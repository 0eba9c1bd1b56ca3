"""Crypto-shredding (decision 0031): personal fields stored encrypted with their data subject's key, read back in
clear, read « [donnée effacée] » once the key is erased, while the hash chain still verifies; a forged ciphertext is
reported. Against the embedded MongoDB: the log in one database, the key store in another."""

from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import pytest
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from chassis.dispatch import on
from chassis.erasure import ErasureJob
from chassis.erasure_due import DueForErasure, ErasureDueStore
from chassis.eventstore import EventStore, NewEvent
from chassis.field_cipher import CiphertextTampered, FieldCipher
from chassis.keystore import KeyStore
from chassis.projection import Projection, Projector
from chassis.settings import ServiceSettings
from chassis.unit_of_work import Transaction, UnitOfWork
from chassis.views import ViewDatabase
from contracts.ciphertext import ERASED, is_ciphertext
from contracts.envelope import Actor
from contracts.events.essoc import QuestionAnswered, RequestSubmitted
from contracts.events.notifier import NotificationSent
from contracts.recorded import Recorded
from devstack.pytest_plugin import fresh_db_name

from chassis_support import append

pytestmark = pytest.mark.integration

Doc = dict[str, Any]
NAME, FIRST_NAME, EMAIL = "Bricot-Zérovski", "Judith", "judith.bricot@entreprise.example"
ANSWER = "Six ans d'âge, en fût de chêne."
REQUESTER = Actor(id="usager-crypto", role="requester")
MOMENT = datetime(2027, 5, 20, 14, 0, tzinfo=UTC)
NOTICE = {
    "number": 7,
    "requester_email": EMAIL,
    "requester_name": f"{FIRST_NAME} {NAME}",
    "directorate": "dr-guadeloupe",
    "directorate_mailbox": "dr-guadeloupe@douane.example",
}


def submitted(request_id: str, requester_id: str) -> RequestSubmitted:
    return RequestSubmitted.model_validate(
        {
            "request_id": request_id,
            "number": 7,
            "requester": {"id": requester_id, "name": NAME, "first_name": FIRST_NAME, "email": EMAIL},
            "requester_type": "particulier",
            "nature": "rescrit",
            "category": "octroi-de-mer",
            "directorate": "dr-guadeloupe",
            "unit": "pae-971",
            "fields": [],
            "subject": "Taux du rhum vieux",
            "description": "Quel taux s'applique ?",
            "received_at": MOMENT,
            "notice": NOTICE,
        }
    )


def answered() -> QuestionAnswered:
    return QuestionAnswered.model_validate(
        {"question_id": "q-1", "question_text": "Quel âge ?", "text": ANSWER, "notice": NOTICE}
    )


def mail_sent() -> NotificationSent:
    return NotificationSent.model_validate(
        {
            "notification_id": "n-1",
            "source_event_id": str(uuid.uuid4()),
            "source_event_type": "QuestionAnswered",
            "template": "essoc_question_answered",
            "recipient": EMAIL,
            "subject": "[OGDE] Votre demande n° 7",
            "message_id": "<m-1@example>",
            "sent_at": MOMENT,
            "attempts": 1,
        }
    )


class RequesterNames(Projection):
    """The requester's name per request: enough to see a view rebuilt with placeholders."""

    name: ClassVar[str] = "requester_names"
    collections: ClassVar[tuple[str, ...]] = ("requester_names",)

    @on(RequestSubmitted)
    async def _(self, event: Recorded[RequestSubmitted], db: ViewDatabase) -> None:
        who = event.event.requester
        await db["requester_names"].replace_one(
            {"_id": event.stream_id}, {"_id": event.stream_id, "name": who.name, "email": who.email}, upsert=True
        )


@pytest.fixture
async def keystore_db(mongo_client: AsyncMongoClient[Doc]) -> AsyncIterator[AsyncDatabase[Doc]]:
    name = fresh_db_name("keystore")
    yield mongo_client[name]
    await mongo_client.drop_database(name)


@pytest.fixture
def keys(keystore_db: AsyncDatabase[Doc]) -> KeyStore:
    return KeyStore(keystore_db, secrets.token_bytes(32), cache_seconds=0)


async def _raw(db: AsyncDatabase[Doc]) -> str:
    """Every document of every collection of `db`, as one text: what a raw search reads."""
    texts = []
    for name in await db.list_collection_names():
        texts += [json.dumps(d, default=str, ensure_ascii=False) async for d in db[name].find({})]
    return "\n".join(texts)


async def test_personal_values_are_stored_encrypted_and_read_back_in_clear(
    mongo_db: AsyncDatabase[Doc], keys: KeyStore, keystore_db: AsyncDatabase[Doc]
) -> None:
    # given a store that encrypts, when a request and an answer are appended
    store = EventStore(mongo_db, cipher=FieldCipher(keys))
    await store.ensure_indexes()
    returned = await append(
        mongo_db.client, store, "request-c1", 0, NewEvent(submitted("request-c1", REQUESTER.id), "971", REQUESTER)
    )
    await append(mongo_db.client, store, "request-c1", 1, NewEvent(answered(), "971", REQUESTER))

    # then the stored documents and the key store hold neither the name, the e-mail nor the answer
    raw = await _raw(mongo_db) + await _raw(keystore_db)
    for secret in (NAME, FIRST_NAME, EMAIL, ANSWER, "Taux du rhum vieux"):
        assert secret not in raw
    stored = await mongo_db["events"].find_one({"stream_id": "request-c1", "version": 1})
    assert stored is not None and is_ciphertext(stored["data"]["requester"]["name"])
    assert stored["data"]["requester"]["id"] == REQUESTER.id  # the pseudonymous id finds the key: kept in clear
    assert REQUESTER.id not in json.dumps(await keystore_db["data_keys"].find_one({}), default=str)
    # and what the append returned, and every read, gives the values in clear, with the stored hashes
    assert returned[0].data["requester"]["name"] == NAME
    first, second = await store.read_stream("request-c1")
    assert (first.data["requester"]["email"], second.data["text"]) == (EMAIL, ANSWER)
    assert first.hash == stored["hash"] == returned[0].hash
    assert Recorded.of(second).event == answered()
    assert await store.verify_stream("request-c1") == []


async def test_erasing_the_requester_reads_placeholders_and_the_chain_and_replay_still_hold(
    mongo_db: AsyncDatabase[Doc], keys: KeyStore, keystore_db: AsyncDatabase[Doc]
) -> None:
    # given a request, its answer, a mail to the requester's address, and a view of the requester's name
    store = EventStore(mongo_db, cipher=FieldCipher(keys))
    await store.ensure_indexes()
    projector = Projector(mongo_db, [RequesterNames()])
    uow = UnitOfWork(mongo_db.client, store, projector)

    async def requested(tx: Transaction) -> None:
        await tx.append("request-c2", 0, [NewEvent(submitted("request-c2", "usager-efface"), "971", REQUESTER)])
        await tx.append("request-c2", 1, [NewEvent(answered(), "971", REQUESTER)])
        await tx.append("notification-n1", 0, [NewEvent(mail_sent(), "971", Actor(id="system", role="system"))])

    await uow.run(requested)
    assert (await mongo_db["requester_names"].find_one({"_id": "request-c2"}) or {})["name"] == NAME

    # when the requester's key is erased (retention over) and the views are rebuilt
    erased = await keys.erase("usager-efface", why="essoc_request_closed:request-c2", now=MOMENT)
    assert len(erased) == 2  # the person's key, and the key of the address met under them
    await projector.replay(store)

    # then every personal value reads « [donnée effacée] », the pseudonymous id stays
    first, second = await store.read_stream("request-c2")
    assert first.data["requester"] == {"id": "usager-efface", "name": ERASED, "first_name": ERASED, "email": ERASED}
    assert (second.data["text"], second.data["notice"]["requester_email"]) == (ERASED, ERASED)
    [mail] = await store.read_stream("notification-n1")
    assert mail.data["recipient"] == ERASED and mail.data["subject"] == "[OGDE] Votre demande n° 7"
    assert Recorded.of(first).event.requester.name == ERASED  # type: ignore[attr-defined]
    # and the chains verify as before; the rebuilt view shows the placeholder
    assert await store.verify_stream("request-c2") == [] and await store.verify_stream("notification-n1") == []
    assert await mongo_db["requester_names"].find_one({"_id": "request-c2"}) == {
        "_id": "request-c2", "name": ERASED, "email": ERASED
    }  # fmt: skip
    # and nothing of the name nor the address is left in the log's database nor in the key store
    raw = await _raw(mongo_db) + await _raw(keystore_db)
    assert NAME not in raw and EMAIL not in raw and ANSWER not in raw
    tombstones = [d async for d in keystore_db["erased_keys"].find({})]
    assert {d["why"] for d in tombstones} == {"essoc_request_closed:request-c2"}
    assert all(set(d) == {"_id", "tag", "erased_at", "why"} for d in tombstones)  # never the key
    assert await keys.is_erased("usager-efface")


async def test_a_forged_ciphertext_fails_authentication_and_is_reported(
    mongo_db: AsyncDatabase[Doc], keys: KeyStore
) -> None:
    store = EventStore(mongo_db, cipher=FieldCipher(keys))
    await store.ensure_indexes()
    await append(
        mongo_db.client, store, "request-c3", 0, NewEvent(submitted("request-c3", "usager-c3"), "971", REQUESTER)
    )
    doc = await mongo_db["events"].find_one({"stream_id": "request-c3"})
    assert doc is not None
    requester = doc["data"]["requester"]

    # when a ciphertext is moved to another field of the same event (both valid under the same key)
    await mongo_db["events"].update_one(
        {"_id": doc["_id"]},
        {"$set": {"data.requester.name": requester["first_name"], "data.requester.first_name": requester["name"]}},
    )
    # then reading it fails authentication, with a French report, and the chain check sees the change
    with pytest.raises(CiphertextTampered) as refused:
        await store.read_stream("request-c3")
    assert "altérée" in refused.value.detail and "requester.name" in refused.value.detail
    assert await store.verify_stream("request-c3") != []

    # when one byte of a ciphertext is changed
    forged = dict(requester["email"], ct=_flip(requester["email"]["ct"]))
    await mongo_db["events"].update_one(
        {"_id": doc["_id"]}, {"$set": {"data.requester": dict(requester, email=forged)}}
    )
    with pytest.raises(CiphertextTampered):
        await store.read_stream("request-c3")


def _flip(b64: str) -> str:
    import base64

    raw = bytearray(base64.b64decode(b64))
    raw[0] ^= 1
    return base64.b64encode(bytes(raw)).decode()


async def test_the_erasure_pass_erases_what_is_due_once_and_rebuilds_the_views_once(
    mongo_db: AsyncDatabase[Doc], keys: KeyStore
) -> None:
    # given a request in the log, its view, and its requester recorded « due for erasure » by a retention pass
    store = EventStore(mongo_db, cipher=FieldCipher(keys))
    await store.ensure_indexes()
    projector = Projector(mongo_db, [RequesterNames()])
    uow = UnitOfWork(mongo_db.client, store, projector)

    async def requested(tx: Transaction) -> None:
        await tx.append("request-c4", 0, [NewEvent(submitted("request-c4", "usager-c4"), "971", REQUESTER)])

    await uow.run(requested)
    job = ErasureJob(mongo_db, keys, projector, store, lambda: MOMENT)
    first = await job.apply()  # a new database: its views hold nothing erased, nothing to rebuild
    assert (first.subjects_erased, first.views_rebuilt) == (0, False)
    due = ErasureDueStore(mongo_db)
    ended = MOMENT + timedelta(days=3 * 365)
    await due.record(DueForErasure("essoc_request_closed", "request-c4", "requester", "usager-c4", ended), ended)

    # when the daily pass runs
    done = await job.apply(ended)

    # then the requester's key is erased (their address has none: no mail was recorded), the entry is done, and
    # the view shows the placeholder
    assert (done.subjects_erased, done.keys_erased, done.views_rebuilt) == (1, 1, True)
    assert await due.pending() == []
    assert (await mongo_db["requester_names"].find_one({"_id": "request-c4"}) or {})["name"] == ERASED
    [entry] = [d async for d in mongo_db["erasure_due"].find({})]
    assert entry["erased_at"].replace(tzinfo=UTC) == ended
    # and the next pass has nothing left to do
    again = await job.apply(ended + timedelta(days=1))
    assert (again.subjects_erased, again.keys_erased, again.views_rebuilt) == (0, 0, False)


async def test_a_person_due_for_erasure_keeps_their_key_until_the_dpo_erases_them_while_keys_are_per_person(
    mongo_db: AsyncDatabase[Doc], keys: KeyStore
) -> None:
    # given the services' default (decision 0031: a key is a person's, not a record's), and a requester recorded due
    # for erasure by the retention pass of one of their requests
    assert ServiceSettings().erasure_of_due_subjects is False
    store = EventStore(mongo_db, cipher=FieldCipher(keys))
    await store.ensure_indexes()
    projector = Projector(mongo_db, [RequesterNames()])
    uow = UnitOfWork(mongo_db.client, store, projector)

    async def requested(tx: Transaction) -> None:
        await tx.append("request-c7", 0, [NewEvent(submitted("request-c7", "usager-c7"), "971", REQUESTER)])

    await uow.run(requested)
    ended = MOMENT + timedelta(days=3 * 365)
    due = ErasureDueStore(mongo_db)
    await due.record(DueForErasure("essoc_request_closed", "request-c7", "requester", "usager-c7", ended), ended)

    # when the daily pass runs as the services run it
    done = await ErasureJob(mongo_db, keys, projector, store, lambda: ended, erase_due_subjects=False).apply()

    # then nothing is erased: the entry waits for the DPO, the person's data still reads
    assert (done.subjects_erased, done.keys_erased) == (0, 0)
    assert [e["subject_id"] for e in await due.pending()] == ["usager-c7"]
    assert not await keys.is_erased("usager-c7")
    assert (await mongo_db["requester_names"].find_one({"_id": "request-c7"}) or {})["name"] == NAME


class CrossedOnce(RequesterNames):
    """The same view, whose first replay is crossed by a command: a request filed while the views are refilled."""

    uow: ClassVar[UnitOfWork | None] = None
    folded: ClassVar[list[str]] = []

    @on(RequestSubmitted)
    async def _(self, event: Recorded[RequestSubmitted], db: ViewDatabase) -> None:
        await RequesterNames._(self, event, db)  # type: ignore[call-arg]
        CrossedOnce.folded.append(event.stream_id)
        uow, CrossedOnce.uow = CrossedOnce.uow, None
        if uow is not None and event.stream_id == "request-c5":

            async def crossing(tx: Transaction) -> None:
                await tx.append("request-c6", 0, [NewEvent(submitted("request-c6", "usager-c6"), "971", REQUESTER)])

            await uow.run(crossing)


async def test_a_rebuild_crossed_by_a_command_is_replayed_until_nothing_crosses_it(
    mongo_db: AsyncDatabase[Doc], keys: KeyStore
) -> None:
    # given a request whose requester is due for erasure, and a command that lands while the views are refilled
    store = EventStore(mongo_db, cipher=FieldCipher(keys))
    await store.ensure_indexes()
    projector = Projector(mongo_db, [CrossedOnce()])
    uow = UnitOfWork(mongo_db.client, store, projector)

    async def requested(tx: Transaction) -> None:
        await tx.append("request-c5", 0, [NewEvent(submitted("request-c5", "usager-c5"), "971", REQUESTER)])

    await uow.run(requested)
    job = ErasureJob(mongo_db, keys, projector, store, lambda: MOMENT)
    await job.apply()
    ended = MOMENT + timedelta(days=3 * 365)
    await ErasureDueStore(mongo_db).record(
        DueForErasure("essoc_request_closed", "request-c5", "requester", "usager-c5", ended), ended
    )
    CrossedOnce.uow, CrossedOnce.folded = uow, []

    # when the daily pass erases the key and rebuilds the views, the first replay being crossed
    done = await job.apply(ended)

    # then the crossed replay was not trusted: a second one, which nothing crossed, rebuilt the views, with the
    # erased name and the request filed meanwhile
    assert done.views_rebuilt
    assert CrossedOnce.folded == ["request-c5", "request-c6", "request-c5", "request-c6"]
    rows = {d["_id"]: d["name"] async for d in mongo_db["requester_names"].find({})}
    assert rows == {"request-c5": ERASED, "request-c6": NAME}


async def test_a_person_erased_then_back_gets_a_new_key_and_is_erased_again_with_their_address(
    mongo_db: AsyncDatabase[Doc], keys: KeyStore
) -> None:
    store = EventStore(mongo_db, cipher=FieldCipher(keys))
    await store.ensure_indexes()
    system = Actor(id="system", role="system")

    async def request_and_mail(n: int) -> None:
        await append(
            mongo_db.client,
            store,
            f"request-r{n}",
            0,
            NewEvent(submitted(f"request-r{n}", "usager-r"), "971", REQUESTER),
        )
        await append(mongo_db.client, store, f"notification-r{n}", 0, NewEvent(mail_sent(), "971", system))

    # given a requester erased once, who files again and is mailed again
    await request_and_mail(1)
    assert len(await keys.erase("usager-r", why="DR-1", now=MOMENT)) == 2
    await request_and_mail(2)
    [first], [second] = await store.read_stream("request-r1"), await store.read_stream("request-r2")
    assert first.data["requester"]["name"] == ERASED and second.data["requester"]["name"] == NAME  # a new key

    # when they are erased again, then their new key and their address's new key go, the chains still hold
    assert len(await keys.erase("usager-r", why="DR-2", now=MOMENT)) == 2
    [second], [mail] = await store.read_stream("request-r2"), await store.read_stream("notification-r2")
    assert (second.data["requester"]["name"], mail.data["recipient"]) == (ERASED, ERASED)
    assert await store.verify_stream("request-r2") == [] and await store.verify_stream("notification-r2") == []
