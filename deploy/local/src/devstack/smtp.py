"""SMTP: an aiosmtpd sink delivering into a Maildir, as a :class:`~devstack.process.ManagedServer`."""

from __future__ import annotations

import asyncio
import contextlib
import os
import smtplib
import sys
from pathlib import Path
from typing import Unpack

from devstack.maildir import Maildir
from devstack.process import ManagedServer, ServerOptions

__all__ = ["SmtpServer"]


class SmtpServer(ManagedServer):
    """aiosmtpd with its ``Mailbox`` handler: every accepted message lands in :attr:`maildir`.

    No TLS, no auth, accepts any sender and recipient.
    """

    name = "smtp"

    def __init__(
        self,
        var_dir: str | os.PathLike[str],
        *,
        smtputf8: bool = False,
        maildir: str | os.PathLike[str] | None = None,
        **options: Unpack[ServerOptions],
    ) -> None:
        super().__init__(var_dir, **options)
        self.maildir = Maildir(Path(maildir).resolve() if maildir else self.var_dir / "mail")
        self.smtputf8 = smtputf8

    @property
    def url(self) -> str:
        return f"smtp://{self.address}"

    def prepare(self) -> None:
        super().prepare()
        self.maildir.ensure()  # an existing folder without tmp/ new/ cur/ makes aiosmtpd fail

    def command(self) -> list[str]:
        argv = [
            sys.executable, "-m", "aiosmtpd", "-n",
            "-l", self.address,
            "-c", "aiosmtpd.handlers.Mailbox",
        ]  # fmt: skip
        if self.smtputf8:
            argv.append("-u")
        return [*argv, *self.extra_args, str(self.maildir.path)]

    async def probe_async(self, timeout: float) -> None:  # noqa: ASYNC109
        """The greeting, then ``EHLO`` answered with 250 (``smtplib.SMTPResponseException`` if not)."""
        async with asyncio.timeout(timeout):
            reader, writer = await asyncio.open_connection(self.host, self.port)
            try:
                await _expect(reader, 220)
                writer.write(b"EHLO devstack\r\n")
                await _expect(reader, 250)
                writer.write(b"QUIT\r\n")
                await writer.drain()
            finally:
                writer.close()
                with contextlib.suppress(OSError):
                    await writer.wait_closed()


async def _expect(reader: asyncio.StreamReader, code: int) -> None:
    """Read one (possibly multi-line) SMTP reply; raise unless its code is ``code``."""
    lines: list[bytes] = []
    while True:
        line = await reader.readline()
        if not line:
            raise smtplib.SMTPServerDisconnected("connection closed before a complete reply")
        lines.append(line[4:].rstrip(b"\r\n"))
        if line[3:4] != b"-":  # "250-..." goes on, "250 ..." is the last line
            break
    got = int(line[:3]) if line[:3].isdigit() else -1
    if got != code:
        raise smtplib.SMTPResponseException(got, b"\n".join(lines))
