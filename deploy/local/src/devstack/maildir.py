"""Reading the Maildir the SMTP sink (aiosmtpd's ``Mailbox`` handler) delivers into."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default as default_policy
from pathlib import Path

from devstack._aio import run_sync

__all__ = ["Maildir"]

Predicate = Callable[[EmailMessage], bool]

_SUBDIRS = ("tmp", "new", "cur")
_POLL_S = 0.05


class Maildir:
    """A Maildir folder: delivered messages are read from ``new/`` and ``cur/``, oldest first.

    Delivery writes into ``tmp/`` then renames into ``new/``, so a file seen here is complete.
    Messages are parsed with ``email.policy.default`` (headers decoded, ``get_content()``).
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"Maildir({str(self.path)!r})"

    def ensure(self) -> None:
        """Create the folder with ``tmp/ new/ cur/`` (aiosmtpd fails on an empty existing folder)."""
        for sub in _SUBDIRS:
            (self.path / sub).mkdir(parents=True, exist_ok=True)

    def _files(self) -> list[Path]:
        entries: list[tuple[int, str, Path]] = []
        for sub in ("new", "cur"):
            try:
                with os.scandir(self.path / sub) as it:
                    for entry in it:
                        if entry.is_file() and not entry.name.startswith("."):
                            try:
                                mtime = entry.stat().st_mtime_ns
                            except FileNotFoundError:
                                continue
                            entries.append((mtime, entry.name, Path(entry.path)))
            except FileNotFoundError:
                continue
        entries.sort()
        return [p for _, _, p in entries]

    def raw_messages(self) -> list[bytes]:
        """The delivered messages as bytes, oldest first."""
        out: list[bytes] = []
        for path in self._files():
            try:
                out.append(path.read_bytes())
            except FileNotFoundError:  # moved or deleted meanwhile
                continue
        return out

    def messages(self) -> list[EmailMessage]:
        """The delivered messages, parsed, oldest first."""
        parser = BytesParser(policy=default_policy)
        return [parser.parsebytes(raw) for raw in self.raw_messages()]

    def __len__(self) -> int:
        return len(self._files())

    def clear(self) -> int:
        """Delete every delivered message; returns how many were deleted."""
        n = 0
        for path in self._files():
            try:
                path.unlink()
                n += 1
            except FileNotFoundError:
                pass
        return n

    def _match(self, predicate: Predicate | None, count: int) -> list[EmailMessage] | None:
        found = [m for m in self.messages() if predicate is None or predicate(m)]
        return found if len(found) >= count else None

    async def wait_for_all_async(
        self,
        predicate: Predicate | None = None,
        count: int = 1,
        timeout: float = 10.0,  # noqa: ASYNC109
    ) -> list[EmailMessage]:
        """Wait until at least ``count`` messages match ``predicate``; returns all that match.

        Polls without blocking the loop.
        """
        deadline = time.monotonic() + timeout
        while True:
            found = self._match(predicate, count)
            if found is not None:
                return found
            if time.monotonic() >= deadline:
                raise TimeoutError(self._timeout_message(count, timeout))
            await asyncio.sleep(_POLL_S)

    def wait_for_all(
        self, predicate: Predicate | None = None, count: int = 1, timeout: float = 10.0
    ) -> list[EmailMessage]:
        """Synchronous :meth:`wait_for_all_async`."""
        return run_sync(lambda: self.wait_for_all_async(predicate, count, timeout))

    async def wait_for_async(self, predicate: Predicate | None = None, timeout: float = 10.0) -> EmailMessage:  # noqa: ASYNC109
        """Wait for the first message matching ``predicate`` (any message if None) and return it."""
        return (await self.wait_for_all_async(predicate, 1, timeout))[0]

    def wait_for(self, predicate: Predicate | None = None, timeout: float = 10.0) -> EmailMessage:
        """Synchronous :meth:`wait_for_async`."""
        return self.wait_for_all(predicate, 1, timeout)[0]

    def _timeout_message(self, count: int, timeout: float) -> str:
        subjects = [str(m.get("Subject", "")) for m in self.messages()]
        return (
            f"fewer than {count} matching message(s) in {self.path} after {timeout:.1f} s; "
            f"{len(subjects)} delivered: {subjects[:10]}"
        )
