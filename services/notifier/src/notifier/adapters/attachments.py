"""Fetches the files a mail carries from the service that holds them (claim check).

The event names each file (id, name, size, SHA-256); its bytes stay in essoc, read here through
essoc's API with a service token, and are refused unless their SHA-256 is the one the event names.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import httpx

from chassis.http.auth import mint
from notifier.domain.mails import AttachedFile
from notifier.settings import NotifierSettings


class AttachmentUnavailable(Exception):
    """The file could not be fetched, or not as the event describes it: the mail waits and is retried."""


@dataclass(frozen=True)
class FetchedFile:
    filename: str
    content_type: str
    content: bytes


class EssocAttachments:
    def __init__(self, settings: NotifierSettings, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.settings = settings
        self.transport = transport

    def _token(self) -> str:
        # A static token when one is configured (production: issued by the identity provider);
        # otherwise a short-lived admin token signed with the shared secret (local runs, tests).
        if self.settings.essoc_token:
            return self.settings.essoc_token
        return mint(self.settings, sub="service-notifier", role="admin", ttl_seconds=300, name="notifier")

    async def fetch(self, request_id: str, files: tuple[AttachedFile, ...]) -> list[FetchedFile]:
        if not files:
            return []
        fetched: list[FetchedFile] = []
        async with httpx.AsyncClient(base_url=self.settings.essoc_url, transport=self.transport,
                                     timeout=self.settings.attachment_fetch_timeout_seconds,
                                     headers={"Authorization": f"Bearer {self._token()}"}) as client:
            for file in files:
                url = f"/api/v1/requests/{request_id}/attachments/{file.attachment_id}"
                try:
                    response = await client.get(url)
                except httpx.HTTPError as error:
                    raise AttachmentUnavailable(f"pièce jointe {file.filename} : essoc injoignable "
                                                f"({type(error).__name__})") from error
                if response.status_code != 200:
                    raise AttachmentUnavailable(f"pièce jointe {file.filename} : essoc a répondu "
                                                f"{response.status_code}")
                content = response.content
                if hashlib.sha256(content).hexdigest() != file.sha256:
                    raise AttachmentUnavailable(f"pièce jointe {file.filename} : empreinte SHA-256 différente "
                                                "de celle de l'événement")
                fetched.append(FetchedFile(file.filename, file.content_type, content))
        return fetched
