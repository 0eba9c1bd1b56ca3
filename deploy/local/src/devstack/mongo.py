"""MongoDB: SecantusDB, a MongoDB-protocol server, as a :class:`~devstack.process.ManagedServer`."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import Any, Unpack

from pymongo import AsyncMongoClient

from devstack.process import ManagedServer, ServerOptions

__all__ = ["MongoServer", "secantusd_path"]


def secantusd_path() -> str:
    """The ``secantusd-py`` console script of the running interpreter's environment."""
    candidate = Path(sys.executable).parent / "secantusd-py"
    if candidate.is_file():
        return str(candidate)
    found = shutil.which("secantusd-py")
    if found:
        return found
    raise FileNotFoundError("secantusd-py not found: install the dev group (secantusdb>=0.7.0b3)")


class MongoServer(ManagedServer):
    """SecantusDB, a MongoDB-protocol server advertising itself as a one-node replica set
    (``setName: "secantus"``), so transactions and change streams work.

    Started with ``--sync-on-commit`` by default and with ``journal=true`` in :attr:`uri`: an
    acknowledged write survives a SIGKILL.
    """

    name = "mongo"

    def __init__(
        self,
        var_dir: str | os.PathLike[str],
        *,
        storage_path: str | os.PathLike[str] | None = None,
        sync_on_commit: bool = True,
        **options: Unpack[ServerOptions],
    ) -> None:
        super().__init__(var_dir, **options)
        if storage_path is None:
            self.storage_path: str = str(self.var_dir / "mongo")
        elif str(storage_path) == ":memory:":
            self.storage_path = ":memory:"
        else:
            self.storage_path = str(Path(storage_path).resolve())
        self.sync_on_commit = sync_on_commit

    @property
    def config_path(self) -> Path:
        return self.var_dir / f"{self.name}.secantusd.toml"

    @property
    def uri(self) -> str:
        """For pymongo (sync or async): direct connection, journaled writes."""
        return f"mongodb://{self.address}/?directConnection=true&w=majority&journal=true"

    @property
    def url(self) -> str:
        return self.uri

    def prepare(self) -> None:
        super().prepare()
        # An explicit (empty) config file: otherwise secantusd-py picks up ./secantusd.toml,
        # ~/.secantus/secantusd.toml or /etc/secantus/secantusd.toml if one exists.
        if not self.config_path.exists():
            self.config_path.write_text(
                "# written by devstack: settings come from the command line\n", encoding="utf-8"
            )

    def command(self) -> list[str]:
        argv = [
            secantusd_path(),
            "--config", str(self.config_path),
            "--host", self.host,
            "--port", str(self.port),
            "--storage-path", self.storage_path,
        ]  # fmt: skip
        if self.sync_on_commit:
            argv.append("--sync-on-commit")
        return [*argv, *self.extra_args]

    async def probe_async(self, timeout: float) -> None:  # noqa: ASYNC109
        ms = int(timeout * 1000)
        client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
            self.uri, serverSelectionTimeoutMS=ms, connectTimeoutMS=ms, socketTimeoutMS=ms
        )
        try:
            await client.admin.command("ping")
        finally:
            await client.close()
