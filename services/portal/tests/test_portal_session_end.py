"""The session ends with a warning and nothing typed is lost (issue 23 item 11, RGAA 13.1; decision record 0029):
the page carries its end by the server's clock, « Rester connecté » extends it, and signing in again leads back to
the page, never to another site."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from pydantic import ValidationError
from starlette.requests import Request

from portal.routes.signin import _local, return_path
from portal.session_store import SessionStore
from portal.settings import PortalSettings

from portal_sign_in import dev_sign_in

START = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
EXTEND = "/connexion/prolonger"


def _store(portal: httpx.AsyncClient) -> SessionStore:
    store: SessionStore = portal.app.state.sessions  # type: ignore[attr-defined]
    return store


def _at(portal: httpx.AsyncClient, moment: datetime) -> None:
    _store(portal).clock = lambda: moment


async def _page(portal: httpx.AsyncClient, path: str = "/aide") -> tuple[str, str]:
    """A signed-in page and its CSRF token."""
    page = await portal.get(path)
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert csrf, page.text[:300]
    return page.text, csrf.group(1)


def _attribute(html: str, name: str) -> str:
    found = re.search(rf'{name}="([^"]*)"', html)
    assert found, name
    return found.group(1)


# ---- the return path: a page of the portal, never another site ---------------------------------------------


@pytest.mark.parametrize(
    "given",
    [
        "https://elsewhere.example/x",
        "//elsewhere.example/x",
        "/\\elsewhere.example",
        "/\t/elsewhere.example",
        "/\n/elsewhere.example",
        " /ogde",
        "ogde/demandes",
        "javascript:alert(1)",
        "/connexion",
        "/connexion?suite=//elsewhere.example",
        "/deconnexion",
        "/dev/connexion/admin",
        "/static/portal.js",
        "/ogde#ancre",
        "/" + "a" * 2001,
        "",
        None,
    ],
)
def test_a_return_path_that_is_not_a_page_of_the_portal_goes_home(given: str | None) -> None:
    assert _local(given) == "/"


@pytest.mark.parametrize("given", ["/ogde/nouvelle-demande", "/domino/declarations/d-1/donnees?vue=2", "/aide"])
def test_a_page_of_the_portal_is_a_return_path(given: str) -> None:
    assert _local(given) == given


def _request(method: str, path: str, headers: dict[str, str]) -> Request:
    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "query_string": b"",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()] + [(b"host", b"portail.test")],
        "scheme": "http",
        "server": ("portail.test", 80),
    }
    return Request(scope)


def test_a_form_sent_after_the_end_comes_back_to_the_page_it_was_sent_from() -> None:
    """Not to the address it posted to, which opens no page (a GET there would answer 405)."""
    htmx = {"HX-Request": "true", "HX-Current-URL": "http://portail.test/domino/declarations/d-1/annexe-a?p=2"}
    assert return_path(_request("POST", "/domino/declarations/d-1/annexe-a/lignes", htmx)) == (
        "/domino/declarations/d-1/annexe-a?p=2"
    )
    plain = {"Referer": "http://portail.test/ogde/nouvelle-demande"}
    assert return_path(_request("POST", "/ogde/nouvelle-demande", plain)) == "/ogde/nouvelle-demande"
    foreign = {"Referer": "https://elsewhere.example/ogde"}
    assert return_path(_request("POST", "/ogde/nouvelle-demande", foreign)) == "/"
    assert return_path(_request("GET", "/ogde/demandes", {})) == "/ogde/demandes"


async def test_the_development_sign_in_leads_back_to_the_page(portal: httpx.AsyncClient) -> None:
    signin = await portal.get("/connexion", params={"suite": "/ogde/nouvelle-demande"})
    assert 'href="/dev/connexion?suite=/ogde/nouvelle-demande"' in signin.text
    page = await portal.get("/dev/connexion", params={"suite": "/ogde/nouvelle-demande"})
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert csrf and 'name="suite" value="/ogde/nouvelle-demande"' in page.text
    done = await portal.post(
        "/dev/connexion/requester", data={"csrf": csrf.group(1), "suite": "/ogde/nouvelle-demande"}
    )
    assert done.status_code == 303 and done.headers["location"] == "/ogde/nouvelle-demande"


async def test_the_development_sign_in_never_leads_to_another_site(portal: httpx.AsyncClient) -> None:
    page = await portal.get("/dev/connexion", params={"suite": "//elsewhere.example"})
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert csrf and "elsewhere" not in page.text
    done = await portal.post("/dev/connexion/requester", data={"csrf": csrf.group(1), "suite": "//elsewhere.example"})
    assert done.status_code == 303 and done.headers["location"] == "/ogde"


# ---- the page knows when its session ends -------------------------------------------------------------------


async def test_a_signed_in_page_carries_its_end_and_the_servers_now(portal: httpx.AsyncClient) -> None:
    _at(portal, START)
    await dev_sign_in(portal, "requester")
    _at(portal, START + timedelta(seconds=30))  # within the minute: the activity is not written again
    html, _ = await _page(portal)
    assert 'role="alertdialog"' in html and 'id="rester-connecte"' in html
    assert _attribute(html, "data-session-ends") == "2026-12-07T10:30:00Z"
    assert _attribute(html, "data-session-now") == "2026-12-07T10:00:30Z"
    assert _attribute(html, "data-session-final") == "false"
    assert _attribute(html, "data-session-warning") == "120"
    assert "heure de La Réunion" in _attribute(html, "data-session-zones")
    assert '<script defer src="/static/saisie.js"></script>' in html
    assert '<script defer src="/static/session.js"></script>' in html
    answer = await portal.get("/aide")
    assert answer.headers["X-Session-Remaining"] == str(29 * 60 + 30)
    assert answer.headers["X-Session-Ends"] == "2026-12-07T10:30:00Z" and answer.headers["X-Session-Final"] == "false"


async def test_a_page_without_a_session_has_no_dialog(portal: httpx.AsyncClient) -> None:
    answer = await portal.get("/aide")
    assert "fin-de-session" not in answer.text and "X-Session-Remaining" not in answer.headers


async def test_the_person_tag_is_the_same_at_each_sign_in_and_names_nobody(portal: httpx.AsyncClient) -> None:
    await dev_sign_in(portal, "requester")
    first = _attribute((await _page(portal))[0], "data-session-person")
    portal.cookies.clear()
    await dev_sign_in(portal, "requester")
    again = _attribute((await _page(portal))[0], "data-session-person")
    portal.cookies.clear()
    await dev_sign_in(portal, "declarant")
    other = _attribute((await _page(portal))[0], "data-session-person")
    assert first == again != other and "requester" not in first


# ---- « Rester connecté » ------------------------------------------------------------------------------------


async def test_staying_signed_in_extends_the_session_by_its_idle_time(portal: httpx.AsyncClient) -> None:
    _at(portal, START)
    await dev_sign_in(portal, "requester")
    _, csrf = await _page(portal)
    _at(portal, START + timedelta(minutes=28, seconds=15))  # the dialog is open: 1 min 45 s left
    answer = await portal.post(EXTEND, headers={"X-CSRF-Token": csrf})
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "ends_at": "2026-12-07T10:58:15Z",
        "now": "2026-12-07T10:28:15Z",
        "remaining_seconds": 1800,
        "final": False,
    }
    assert answer.headers["X-Session-Remaining"] == "1800"
    # extended, it is alive past its first end: extendable again and again (WCAG 2.2.1: ten times at least)
    for minute in range(1, 12):
        _at(portal, START + timedelta(minutes=28 * minute + 29))
        again = await portal.post(EXTEND, data={"csrf": csrf})
        assert again.status_code == 200 and again.json()["remaining_seconds"] == 1800, minute


async def test_staying_signed_in_needs_the_pages_csrf_token(portal: httpx.AsyncClient) -> None:
    _at(portal, START)
    await dev_sign_in(portal, "requester")
    await _page(portal)
    _at(portal, START + timedelta(seconds=50))  # within the minute: a request alone writes no activity
    refused = await portal.post(EXTEND, headers={"X-CSRF-Token": "another"})
    assert refused.status_code == 403 and "Formulaire expiré" in refused.text
    other_site = await portal.post(EXTEND, headers={"Origin": "https://elsewhere.example"})
    assert other_site.status_code == 403
    _at(portal, START + timedelta(minutes=30, seconds=1))  # not extended: it has ended
    assert (await portal.get("/aide")).headers.get("X-Session-Remaining") is None


async def test_the_absolute_end_is_never_extended(portal: httpx.AsyncClient) -> None:
    _at(portal, START)
    await dev_sign_in(portal, "requester")
    _, csrf = await _page(portal)
    for minutes in range(25, 7 * 60 + 45, 25):  # active all day
        _at(portal, START + timedelta(minutes=minutes))
        assert (await portal.post(EXTEND, data={"csrf": csrf})).status_code == 200
    _at(portal, START + timedelta(hours=7, minutes=50))
    html, _ = await _page(portal)
    assert _attribute(html, "data-session-final") == "true" and _attribute(html, "data-session-ends") == (
        "2026-12-07T18:00:00Z"
    )
    answer = await portal.post(EXTEND, data={"csrf": csrf})
    assert answer.json() == {
        "ends_at": "2026-12-07T18:00:00Z",
        "now": "2026-12-07T17:50:00Z",
        "remaining_seconds": 600,
        "final": True,
    }


async def test_staying_signed_in_after_the_end_says_where_to_sign_in_again(portal: httpx.AsyncClient) -> None:
    _at(portal, START)
    await dev_sign_in(portal, "requester")
    _, csrf = await _page(portal)
    _at(portal, START + timedelta(minutes=31))
    ended = await portal.post(
        EXTEND, data={"csrf": csrf}, headers={"Referer": "http://portail.test/ogde/nouvelle-demande"}
    )
    assert ended.status_code == 401 and ended.headers["content-type"] == "application/problem+json"
    problem = ended.json()
    assert problem["suite"] == "/ogde/nouvelle-demande" and "connectez-vous à nouveau" in problem["detail"]


async def test_a_form_sent_by_htmx_after_the_end_leads_back_to_its_page(portal: httpx.AsyncClient) -> None:
    _at(portal, START)
    await dev_sign_in(portal, "requester")
    _, csrf = await _page(portal)
    _at(portal, START + timedelta(minutes=31))
    sent = await portal.post(
        "/ogde/nouvelle-demande",
        data={"csrf": csrf, "requester_type": "particulier"},
        headers={"HX-Request": "true", "HX-Current-URL": "http://portail.test/ogde/nouvelle-demande?etape=1"},
    )
    assert sent.status_code == 204
    target = urlsplit(sent.headers["HX-Redirect"])
    assert target.path == "/connexion" and parse_qs(target.query)["suite"] == ["/ogde/nouvelle-demande?etape=1"]


def test_the_warning_comes_before_the_idle_end_and_leaves_twenty_seconds_at_least() -> None:
    settings = PortalSettings(
        session_secret="a-strong-session-secret-for-the-tests-0123456789", dev_login=True, dev_jwt_secret="x" * 40
    )
    assert settings.session_warning_minutes == 2 and settings.startup_problem() is None
    late = settings.model_copy(update={"session_warning_minutes": 30.0})
    assert "PORTAL_SESSION_WARNING_MINUTES" in (late.startup_problem() or "")
    with pytest.raises(ValidationError):
        PortalSettings(session_warning_minutes=0.2)
