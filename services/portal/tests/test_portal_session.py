"""The session cookie: encrypted and authenticated, expiring, never readable or forgeable by a page."""

from __future__ import annotations

import json
import re
import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from chassis.http.auth import Unauthenticated
from portal.session import Session, SessionCodec
from portal.session_store import SessionStore

from portal_sign_in import dev_sign_in

SECRET = "a-strong-session-secret-for-the-tests-0123456789"


def test_a_session_round_trips_and_its_token_is_not_readable_in_the_cookie() -> None:
    codec = SessionCodec(SECRET, 3600)
    session = Session()
    session.sign_in("eyJ.secret-token.sig", {"sub": "u1", "role": "declarant", "name": "Payet"})
    cookie = codec.encode(session)
    assert "secret-token" not in cookie and "Payet" not in cookie
    back = codec.decode(cookie)
    assert back.token == "eyJ.secret-token.sig" and back.roles == ["declarant"] and back.csrf == session.csrf


def test_a_session_keeps_every_role_of_the_person_and_reads_a_cookie_of_one_role() -> None:
    """Decision record 0027: `roles` from the token (the single `role` of earlier tokens too); a cookie written
    before, with its `role`, still opens that role's spaces."""
    codec = SessionCodec(SECRET, 3600)
    session = Session()
    session.sign_in("token", {"sub": "marie", "roles": ["declarant", "requester", "offline_access"]})
    assert session.roles == ["declarant", "requester"] and session.has("requester") and not session.has("agent")
    assert codec.decode(codec.encode(session)).roles == ["declarant", "requester"]
    old = codec.fernet.encrypt(
        json.dumps({"token": "t", "sub": "u1", "role": "comptable", "signed_in_at": time.time()}).encode()
    ).decode()
    assert codec.decode(old).roles == ["comptable"]


def test_claims_without_a_role_of_ours_sign_nobody_in() -> None:
    session = Session()
    with pytest.raises(Unauthenticated):
        session.sign_in("token", {"sub": "u1", "roles": ["offline_access"]})
    assert not session.signed_in


def test_a_tampered_or_foreign_cookie_is_an_empty_session() -> None:
    codec = SessionCodec(SECRET, 3600)
    session = Session()
    session.sign_in("token", {"sub": "u1", "role": "declarant"})
    cookie = codec.encode(session)
    tampered = cookie[:-6] + ("A" if cookie[-6] != "A" else "B") + cookie[-5:]
    assert not codec.decode(tampered).signed_in
    assert not SessionCodec("another-secret-of-enough-length-0123456789", 3600).decode(cookie).signed_in
    assert not codec.decode("not a cookie").signed_in


def test_a_session_expires_after_its_lifetime() -> None:
    codec = SessionCodec(SECRET, 60)
    session = Session()
    session.sign_in("token", {"sub": "u1", "role": "declarant"})
    session.signed_in_at = time.time() - 61
    assert not codec.decode(codec.encode(session)).signed_in


def test_signing_in_gives_a_new_csrf_token() -> None:
    session = Session()
    before = session.csrf
    session.sign_in("token", {"sub": "u1", "role": "requester"})
    assert session.csrf != before and session.relation_id is None


def test_flash_messages_are_shown_once() -> None:
    session = Session()
    session.say("Ligne ajoutée.")
    assert session.messages() == ["Ligne ajoutée."]
    assert session.messages() == []


# ---- sessions that end on the server (issue 24, item 2) -------------------------------------------------


def _signed_in(response: httpx.Response) -> bool:
    """/domino with its services down: 503 for a person signed in, the sign-in page for anyone else."""
    return response.status_code == 503


async def _csrf(portal: httpx.AsyncClient) -> str:
    page = await portal.get("/aide")
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found
    return found.group(1)


def _replay(cookie: str) -> dict[str, str]:
    return {"Cookie": f"portail={cookie}"}


async def test_a_cookie_copied_before_sign_out_is_dead_after_it(portal: httpx.AsyncClient) -> None:
    """The probe's finding: a copied cookie still read and wrote for 8 h after « Déconnexion »."""
    await dev_sign_in(portal, "declarant")
    copied = portal.cookies["portail"]
    assert _signed_in(await portal.get("/domino"))
    assert (await portal.post("/deconnexion", data={"csrf": await _csrf(portal)})).status_code == 303
    portal.cookies.clear()
    replayed = await portal.get("/domino", headers=_replay(copied))
    assert replayed.status_code == 303 and replayed.headers["location"].startswith("/connexion")


async def test_a_session_ends_after_its_idle_time_and_its_lifetime(portal: httpx.AsyncClient) -> None:
    store: SessionStore = portal.app.state.sessions  # type: ignore[attr-defined]
    start = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)
    store.clock = lambda: start
    await dev_sign_in(portal, "declarant")
    copied = portal.cookies["portail"]
    store.clock = lambda: start + timedelta(minutes=29)  # active within the idle time: alive, and alive longer
    assert _signed_in(await portal.get("/domino"))
    store.clock = lambda: start + timedelta(minutes=29 + 29)
    assert _signed_in(await portal.get("/domino"))
    store.clock = lambda: start + timedelta(minutes=58 + 31)  # 31 minutes without a request
    portal.cookies.clear()
    idle = await portal.get("/domino", headers=_replay(copied))
    assert idle.status_code == 303 and idle.headers["location"].startswith("/connexion")
    # and however active, it ends with its lifetime (8 hours after sign-in)
    store.clock = lambda: start
    await dev_sign_in(portal, "declarant")
    for minutes in range(25, 8 * 60, 25):
        store.clock = lambda minutes=minutes: start + timedelta(minutes=minutes)  # type: ignore[misc]
        assert _signed_in(await portal.get("/domino")), minutes
    store.clock = lambda: start + timedelta(hours=8, minutes=1)
    assert not _signed_in(await portal.get("/domino"))


async def test_signing_out_of_every_device_ends_the_sessions_of_the_other_devices(
    portal: httpx.AsyncClient,
) -> None:
    await dev_sign_in(portal, "declarant")
    laptop = portal.cookies["portail"]
    portal.cookies.clear()
    await dev_sign_in(portal, "declarant")  # the same person on a phone: a new session, a new id
    phone = portal.cookies["portail"]
    assert phone != laptop and _signed_in(await portal.get("/domino"))
    portal.cookies.clear()
    assert _signed_in(await portal.get("/domino", headers=_replay(laptop)))
    csrf = re.search(r'name="csrf" value="([^"]+)"', (await portal.get("/aide", headers=_replay(phone))).text)
    assert csrf
    done = await portal.post("/deconnexion/partout", data={"csrf": csrf.group(1)}, headers=_replay(phone))
    assert done.status_code == 303
    portal.cookies.clear()
    assert not _signed_in(await portal.get("/domino", headers=_replay(laptop)))
    assert not _signed_in(await portal.get("/domino", headers=_replay(phone)))


async def test_the_session_store_keeps_a_digest_of_the_id_and_removes_what_ended(mongo_db) -> None:  # type: ignore[no-untyped-def]
    store = SessionStore(mongo_db["sessions"], idle=timedelta(minutes=30), absolute=timedelta(hours=8))
    await store.ensure_indexes()
    sid = await store.open("u1")
    [doc] = [d async for d in mongo_db["sessions"].find()]
    assert sid not in str(doc) and doc["sub"] == "u1"
    indexes = await mongo_db["sessions"].index_information()
    assert any(spec.get("expireAfterSeconds") == 0 for spec in indexes.values()), "a TTL index removes the ended"
    assert await store.alive(sid) and not await store.alive("another-id") and not await store.alive("")
    assert await store.close_all("u1") == 1 and not await store.alive(sid)
