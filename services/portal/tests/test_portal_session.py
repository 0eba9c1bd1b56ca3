"""The session cookie: encrypted and authenticated, expiring, never readable or forgeable by a page."""

from __future__ import annotations

import time

from portal.session import Session, SessionCodec

SECRET = "a-strong-session-secret-for-the-tests-0123456789"


def test_a_session_round_trips_and_its_token_is_not_readable_in_the_cookie() -> None:
    codec = SessionCodec(SECRET, 3600)
    session = Session()
    session.sign_in("eyJ.secret-token.sig", {"sub": "u1", "role": "declarant", "name": "Payet"})
    cookie = codec.encode(session)
    assert "secret-token" not in cookie and "Payet" not in cookie
    back = codec.decode(cookie)
    assert back.token == "eyJ.secret-token.sig" and back.role == "declarant" and back.csrf == session.csrf


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
