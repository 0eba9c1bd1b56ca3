"""A server process we start, probe, stop, kill and restart: the base of the embedded servers.

Every server:
- runs in its own process group (``start_new_session``), so ``stop()``/``kill()`` reach it and
  anything it spawned, and a Ctrl-C in the terminal does not hit it before we stop it;
- on Linux, when started from the main thread, is also killed by the kernel if our process dies
  without cleaning up (``PR_SET_PDEATHSIG``), so no orphan keeps a port;
- appends its stdout/stderr to ``<var_dir>/logs/<name>.log``;
- is "started" only when a real client request succeeds (Kafka metadata, Mongo ``ping``,
  SMTP ``EHLO``), not merely when its port opens.

Each lifecycle step has one implementation, async; the synchronous methods run it through
:func:`devstack._aio.run_sync`, but always spawn on the calling thread (see ``ManagedServer.spawn``).
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
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import ClassVar, Self, TypedDict

from devstack._aio import run_sync
from devstack.ports import free_port, port_is_open

__all__ = [
    "DEFAULT_START_TIMEOUT",
    "DEFAULT_STOP_TIMEOUT",
    "ManagedServer",
    "ServerOptions",
    "ServerStartError",
    "die_with_parent",
]

log = logging.getLogger("devstack.servers")  # the logger name the servers have always logged under

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
    leftovers = list(_LIVE)
    for server in leftovers:
        server.terminate()  # plain signals first: they need no helper thread
    for server in leftovers:
        with contextlib.suppress(Exception):
            server.stop(timeout=3.0)


# -- the base class -------------------------------------------------------------------------------


class ServerOptions(TypedDict, total=False):
    """The keyword arguments every server takes besides its own.

    ``host`` (default ``127.0.0.1``); ``port`` (None: a free one, retried on another free one if
    it is taken before the server binds it); ``extra_args`` appended to the command line;
    ``log_path`` (default ``<var_dir>/logs/<name>.log``); ``env`` added to our environment.
    """

    host: str
    port: int | None
    extra_args: Sequence[str]
    log_path: str | os.PathLike[str] | None
    env: Mapping[str, str] | None


class ManagedServer(abc.ABC):
    """A server process we start, probe, stop, kill and restart."""

    name: ClassVar[str] = "server"

    def __init__(
        self,
        var_dir: str | os.PathLike[str],
        *,
        host: str = "127.0.0.1",
        port: int | None = None,
        extra_args: Sequence[str] = (),
        log_path: str | os.PathLike[str] | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.var_dir = Path(var_dir).resolve()
        self.host = host
        self._auto_port = port is None
        self.port: int = port if port is not None else free_port(host)
        self.extra_args = list(extra_args)
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
    async def probe_async(self, timeout: float) -> None:  # noqa: ASYNC109
        """Raise unless a real client request to the server succeeds within ``timeout``."""

    def probe(self, timeout: float) -> None:
        """Synchronous :meth:`probe_async`."""
        run_sync(lambda: self.probe_async(timeout))

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
        """Start the process without waiting for it to be ready; call it from the main thread
        where possible, as only a child forked by the main thread gets ``PR_SET_PDEATHSIG``."""
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

    async def wait_ready_async(self, timeout: float = DEFAULT_START_TIMEOUT) -> None:  # noqa: ASYNC109
        """Until the process answers :meth:`probe_async`; ServerStartError if it exits or times out."""
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

    def wait_ready(self, timeout: float = DEFAULT_START_TIMEOUT) -> None:
        """Synchronous :meth:`wait_ready_async`."""
        run_sync(lambda: self.wait_ready_async(timeout))

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
        self.spawn()  # on the calling thread, not run_sync's helper thread (see spawn)
        return self.finish_start(timeout)

    async def start_async(self, timeout: float = DEFAULT_START_TIMEOUT) -> Self:  # noqa: ASYNC109
        """Async :meth:`start` (the process is spawned from the calling thread)."""
        self.spawn()
        return await self.finish_start_async(timeout)

    async def finish_start_async(self, timeout: float = DEFAULT_START_TIMEOUT) -> Self:  # noqa: ASYNC109
        """Second half of :meth:`start`, after :meth:`spawn` (spawn several, then finish each).
        An early exit on a port we picked (a lost race for it): respawned on another free port."""
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

    def finish_start(self, timeout: float = DEFAULT_START_TIMEOUT) -> Self:
        """Synchronous :meth:`finish_start_async`.

        It runs on run_sync's helper thread, so a respawn after a lost port race happens there
        and that process goes without ``PR_SET_PDEATHSIG`` (the exit-time cleanup still stops it).
        """
        return run_sync(lambda: self.finish_start_async(timeout))

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

    async def stop_async(self, timeout: float = DEFAULT_STOP_TIMEOUT) -> int | None:  # noqa: ASYNC109
        """SIGTERM, wait up to ``timeout`` s, then SIGKILL. Returns the exit code (None if not started)."""
        if self._proc is None:
            return None
        if self._proc.poll() is None:
            self._signal(signal.SIGTERM)
            deadline = time.monotonic() + timeout
            while self._proc.poll() is None and time.monotonic() < deadline:  # noqa: ASYNC110
                await asyncio.sleep(_POLL_S)
            if self._proc.poll() is None:
                log.warning("%s did not stop within %.1f s of SIGTERM: SIGKILL", self.name, timeout)
                return await self.kill_async()
        return self._reap()

    def stop(self, timeout: float = DEFAULT_STOP_TIMEOUT) -> int | None:
        """Synchronous :meth:`stop_async`."""
        return run_sync(lambda: self.stop_async(timeout))

    async def kill_async(self) -> int | None:
        """SIGKILL now (a crash, as far as the server can tell). Returns the exit code."""
        if self._proc is None:
            return None
        self._signal(signal.SIGKILL)
        await asyncio.to_thread(self._proc.wait)
        return self._reap()

    def kill(self) -> int | None:
        """Synchronous :meth:`kill_async`."""
        return run_sync(self.kill_async)

    async def _halt_async(self, *, hard: bool) -> None:
        if hard:
            await self.kill_async()
        else:
            await self.stop_async()

    def restart(self, timeout: float = DEFAULT_START_TIMEOUT, *, hard: bool = False) -> Self:
        """Stop (or kill, if ``hard``) and start again on the same port and storage."""
        run_sync(lambda: self._halt_async(hard=hard))
        return self.start(timeout)  # spawned from the calling thread

    async def restart_async(self, timeout: float = DEFAULT_START_TIMEOUT, *, hard: bool = False) -> Self:  # noqa: ASYNC109
        """Async :meth:`restart`."""
        await self._halt_async(hard=hard)
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
