"""Commands that carry files: the contents are stored before the command runs, removed if it is refused.

GridFS cannot write inside a multi-document transaction, so a file's content is stored first, under
its attachment id, and its event appended after; every file is first checked against the request as
it stands, so a refused upload leaves no trace. A crash in between leaves content no event refers to,
which the answer clock's sweep deletes after a grace period.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import IO, Protocol, TypeVar

from chassis.commands import Commands
from chassis.http.auth import Principal
from essoc.application import commands, drafting
from essoc.application.unit_of_work import EssocUnitOfWork
from essoc.domain.attachments import SNIFF_BYTES, check_content

R = TypeVar("R")
CHUNK = 255 * 1024


@dataclass(frozen=True)
class Upload:
    """A received file: the name the client gave and its content (a seekable file)."""

    filename: str
    stream: IO[bytes]


class BlobStore(Protocol):
    async def put(
        self,
        blob_id: str,
        filename: str,
        stream: IO[bytes],
        *,
        request_id: str,
        sha256: str,
        uploader: str | None = None,
    ) -> None: ...

    async def delete(self, blob_id: str) -> None: ...


def staged(upload: Upload) -> commands.StagedFile:
    """The upload under a new attachment id, with its size and SHA-256 (the file is rewound afterwards)."""
    upload.stream.seek(0)
    sha, size = hashlib.sha256(), 0
    while chunk := upload.stream.read(CHUNK):
        sha.update(chunk)
        size += len(chunk)
    upload.stream.seek(0)
    return commands.StagedFile(
        attachment_id=commands.new_id("pj"), filename=upload.filename, size=size, sha256=sha.hexdigest()
    )


class Uploads:
    def __init__(self, runner: Commands[EssocUnitOfWork], blobs: BlobStore) -> None:
        self.commands = runner
        self.blobs = blobs

    async def add(self, who: Principal, request_id: str, upload: Upload) -> str:
        async def add(files: list[commands.StagedFile]) -> str:
            command = commands.AddAttachment(request_id=request_id, file=files[0])
            return await self.commands.run(commands.add_attachment, command, who)

        return await self._with_files(who, request_id, [upload], add)

    async def close(
        self, who: Principal, request_id: str, response: str, attachment_ids: Sequence[str], uploads: Sequence[Upload]
    ) -> None:
        async def close(files: list[commands.StagedFile]) -> None:
            command = commands.CloseRequest(
                request_id=request_id, response=response, attachment_ids=list(attachment_ids), files=files
            )
            await self.commands.run(commands.close, command, who)

        await self._with_files(who, request_id, uploads, close)

    # ---- a draft's files (decision record 0026): stored at their step, deleted with the draft -----------------

    async def add_to_draft(self, who: Principal, draft_id: str, upload: Upload) -> str:
        async def check(files: list[commands.StagedFile]) -> None:
            command = drafting.AddDraftFile(draft_id=draft_id, file=files[0])
            await self.commands.run(drafting.check_file, command, who)

        async def add(files: list[commands.StagedFile]) -> str:
            command = drafting.AddDraftFile(draft_id=draft_id, file=files[0])
            return await self.commands.run(drafting.add_file, command, who)

        return await self._with_files(who, draft_id, [upload], add, check=check)

    async def remove_from_draft(self, who: Principal, draft_id: str, attachment_id: str) -> None:
        command = drafting.RemoveDraftFile(draft_id=draft_id, attachment_id=attachment_id)
        await self.blobs.delete(await self.commands.run(drafting.remove_file, command, who))

    async def discard_draft(self, who: Principal, draft_id: str) -> None:
        for blob_id in await self.commands.run(drafting.discard, drafting.DiscardDraft(draft_id=draft_id), who):
            await self.blobs.delete(blob_id)

    async def with_files(
        self,
        who: Principal,
        owner: str,
        uploads: Sequence[Upload],
        then: Callable[[list[commands.StagedFile]], Awaitable[R]],
        check: Callable[[list[commands.StagedFile]], Awaitable[None]] | None = None,
    ) -> R:
        """Files of another aggregate than a request (an assistance ticket, decision record 0028)."""
        return await self._with_files(who, owner, uploads, then, check)

    async def _with_files(
        self,
        who: Principal,
        request_id: str,
        uploads: Sequence[Upload],
        then: Callable[[list[commands.StagedFile]], Awaitable[R]],
        check: Callable[[list[commands.StagedFile]], Awaitable[None]] | None = None,
    ) -> R:
        """`request_id`: the request, or the draft, the files go to."""
        files = [staged(upload) for upload in uploads]
        if files and check is not None:
            await check(files)
        elif files:
            await self.commands.run(commands.check_files, commands.CheckFiles(request_id=request_id, files=files), who)
        for upload in uploads:  # then what it holds: a file is what its extension says
            check_content(upload.filename, upload.stream.read(SNIFF_BYTES))
            upload.stream.seek(0)
        stored: list[str] = []
        try:
            for file, upload in zip(files, uploads, strict=True):
                await self.blobs.put(
                    file.attachment_id,
                    file.filename,
                    upload.stream,
                    request_id=request_id,
                    sha256=file.sha256,
                    uploader=who.id,
                )
                stored.append(file.attachment_id)
            return await then(files)
        except BaseException:
            for attachment_id in stored:
                await self.blobs.delete(attachment_id)
            raise
