"""Claim check: the answer's files are fetched from essoc with a service token and checked by SHA-256."""

from __future__ import annotations

import hashlib

import httpx
import jwt
import pytest

from notifier.adapters.attachments import AttachmentUnavailable, EssocAttachments
from notifier.domain.mails import AttachedFile
from notifier.settings import NotifierSettings

CONTENT = "Rescrit délivré.".encode()
FILE = AttachedFile("pj-1", "rescrit.pdf", "application/pdf", len(CONTENT), hashlib.sha256(CONTENT).hexdigest())
SETTINGS = NotifierSettings(
    jwt_secret="claim-check-secret-0123456789-abcdefghijklmnopqrstuv", essoc_url="http://essoc.test"
)


def _essoc(content: bytes = CONTENT, status: int = 200, seen: list[httpx.Request] | None = None) -> httpx.MockTransport:
    def answer(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(request)
        return httpx.Response(status, content=content)

    return httpx.MockTransport(answer)


async def test_a_file_is_fetched_from_essocs_api_with_an_admin_service_token() -> None:
    seen: list[httpx.Request] = []
    [fetched] = await EssocAttachments(SETTINGS, _essoc(seen=seen)).fetch("req-1", (FILE,))
    assert (fetched.filename, fetched.content_type, fetched.content) == ("rescrit.pdf", "application/pdf", CONTENT)
    [request] = seen
    assert str(request.url) == "http://essoc.test/api/v1/requests/req-1/attachments/pj-1"
    token = request.headers["Authorization"].removeprefix("Bearer ")
    claims = jwt.decode(token, SETTINGS.jwt_secret, algorithms=["HS256"])
    assert claims["role"] == "admin" and claims["exp"] - claims["iat"] <= 300


async def test_a_configured_token_is_used_as_is() -> None:
    seen: list[httpx.Request] = []
    settings = SETTINGS.model_copy(update={"essoc_token": "jeton-de-service"})
    await EssocAttachments(settings, _essoc(seen=seen)).fetch("req-1", (FILE,))
    assert seen[0].headers["Authorization"] == "Bearer jeton-de-service"


async def test_content_that_is_not_the_one_the_event_names_is_refused() -> None:
    with pytest.raises(AttachmentUnavailable, match="SHA-256"):
        await EssocAttachments(SETTINGS, _essoc(content=b"autre chose")).fetch("req-1", (FILE,))


async def test_a_file_essoc_does_not_serve_is_unavailable() -> None:
    with pytest.raises(AttachmentUnavailable, match="410"):
        await EssocAttachments(SETTINGS, _essoc(status=410)).fetch("req-1", (FILE,))


async def test_nothing_is_fetched_for_a_mail_without_files() -> None:
    assert await EssocAttachments(SETTINGS, _essoc(status=500)).fetch("req-1", ()) == []
