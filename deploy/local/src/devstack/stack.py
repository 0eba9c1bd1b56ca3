"""`make run`: the embedded servers and the four services as processes, in the foreground.

Ports come from the environment (KAFKA_PORT, MONGO_PORT, SMTP_PORT, DECLARATIONS_PORT, TAXCALC_PORT,
ESSOC_PORT, NOTIFIER_PORT); data lives under `var/` and survives restarts (Tansu keeps topics in
memory: after a restart the relays go on from their checkpoints in Mongo).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import httpx

from contracts.envelope import utc_now
from devstack import demo, environment
from devstack.ports import free_ports
from devstack.servers import KafkaServer, ManagedServer, MongoServer, SmtpServer, die_with_parent

ROOT = Path(__file__).resolve().parents[4]
PROCESSES = ("kafka", "mongo", "smtp", "declarations", "taxcalc", "essoc", "notifier", "portal", "payfip")
"""Everything the stack starts, by the name its port is given under."""
SERVICES = ("declarations", "taxcalc", "essoc", "notifier", "portal", "payfip")
"""The processes an operator may stop and start again (`devstack stop` / `start`)."""


@dataclass
class ServiceProcess:
    name: str
    port: int
    env: dict[str, str]
    log_path: Path
    proc: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        executable = Path(sys.executable).parent / self.name
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        # Own session (Ctrl-C reaches the supervisor only, which stops services in order), and
        # killed by the kernel if the supervisor dies first, like the servers.
        on_main_thread = threading.current_thread() is threading.main_thread()
        self.proc = subprocess.Popen(
            [str(executable), "serve"],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=die_with_parent if on_main_thread else None,
        )

    def stop(self, timeout: float = 15.0) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def _port(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


class Stack:
    """Everything `make run` starts, in order, and stops in reverse order."""

    def __init__(
        self, var_dir: Path | None = None, *, ports: dict[str, int] | None = None, env: dict[str, str] | None = None
    ) -> None:
        """`env`: settings of the services (`DECLARATIONS_…`, `NOTIFIER_…`) on top of this process's environment."""
        ports = ports or {}
        self.extra_env = dict(env or {})
        self.var_dir = (var_dir or ROOT / "var").resolve()
        self.var_dir.mkdir(parents=True, exist_ok=True)
        self.kafka = KafkaServer(self.var_dir, port=ports.get("kafka", _port("KAFKA_PORT", 9092)))
        self.mongo = MongoServer(
            self.var_dir, port=ports.get("mongo", _port("MONGO_PORT", 27017)), storage_path=self.var_dir / "mongo"
        )
        self.smtp = SmtpServer(
            self.var_dir, port=ports.get("smtp", _port("SMTP_PORT", 1025)), maildir=self.var_dir / "mail"
        )
        self.secret = demo.jwt_secret(self.var_dir)
        self.session_secret = demo.secret(self.var_dir, "portal-session-secret")
        self.keyring = demo.audit_keys(self.var_dir, ["declarations", "taxcalc", "essoc", "notifier"])
        # payfip: the SIMULATOR of the card payment service (devstack.payfip), never outside `make run` and tests
        defaults = {
            "declarations": 8001,
            "taxcalc": 8002,
            "essoc": 8003,
            "notifier": 8004,
            "portal": 8000,
            "payfip": 8005,
        }
        self.services = [
            ServiceProcess(
                name, ports.get(name, _port(f"{name.upper()}_PORT", port)), {}, self.var_dir / "logs" / f"{name}.log"
            )
            for name, port in defaults.items()
        ]
        for service in self.services:
            service.env = self._env(service)

    @classmethod
    def on_free_ports(cls, var_dir: Path, *, env: dict[str, str] | None = None) -> Stack:
        """A stack of its own (tests, campaigns): every process on a free port, nothing shared with `make run`.
        Its deadline reminders are off unless `env` turns them on: mails that depend on the day a test runs would
        make its mail counts depend on it too (the reminders have their own tests, with their own clock)."""
        return cls(
            var_dir,
            ports=dict(zip(PROCESSES, free_ports(len(PROCESSES)), strict=True)),
            env={"DECLARATIONS_REMINDERS_ENABLED": "false", **(env or {})},
        )

    @property
    def servers(self) -> list[ManagedServer]:
        return [self.mongo, self.kafka, self.smtp]

    def service(self, name: str) -> ServiceProcess:
        return next(s for s in self.services if s.name == name)

    @staticmethod
    def now() -> datetime:
        """The instant the stack's services read as now: their default clock (`utc_now`) on this machine, which
        the date-sensitive runs (`make test-dates`) move as a whole. Tests build business dates from it."""
        return utc_now()

    @property
    def portal(self) -> ServiceProcess:
        return self.service("portal")

    def _env(self, service: ServiceProcess) -> dict[str, str]:
        return environment.of(self, service)

    def portal_public_url(self) -> str:
        """The portal's address as people type it: its port here, unless the caller gives PORTAL_PUBLIC_URL."""
        given = self.extra_env.get("PORTAL_PUBLIC_URL") or os.environ.get("PORTAL_PUBLIC_URL")
        return given or f"http://127.0.0.1:{self.service_port('portal')}"

    def service_port(self, name: str) -> int:
        return next(s.port for s in self.services if s.name == name)

    async def start(self, *, within: float = 90.0) -> dict[str, str]:
        shutil.rmtree(self.var_dir / "held", ignore_errors=True)  # `devstack stop` holds for one run only
        await asyncio.gather(*(server.start_async() for server in self.servers))
        for service in self.services:
            service.start()
        await self.wait_ready(within)
        minted = demo.tokens(self.secret)
        demo.write_tokens(self.var_dir, minted)
        return await demo.load_tariffs(self.service("taxcalc").url, minted["admin"], ROOT / "deploy/territories")

    async def wait_ready(self, within: float) -> None:
        async with httpx.AsyncClient(timeout=3) as client:
            for service in self.services:
                async with asyncio.timeout(within):
                    while True:
                        if service.proc is not None and service.proc.poll() is not None:
                            tail = service.log_path.read_text(errors="replace")[-3000:]
                            raise RuntimeError(f"{service.name} exited ({service.proc.returncode}):\n{tail}")
                        with contextlib.suppress(httpx.HTTPError):
                            if (await client.get(f"{service.url}/health/ready")).status_code == 200:
                                break
                        await asyncio.sleep(0.3)

    async def supervise(
        self,
        stop: asyncio.Event,
        say: Callable[[str], None],
        *,
        every: float = 0.5,
        first_delay: float = 1.0,
        max_delay: float = 30.0,
    ) -> None:
        """Restarts whatever exits unexpectedly, with a growing delay (1 s, 2 s, 4 s… 30 s), and says so.

        A process that stayed up a minute starts again from the shortest delay. Services reconnect to a
        restarted database or broker by themselves; a restarted Tansu is a new, empty cluster, and the
        services' relays publish their logs to it again.
        """
        delays: dict[str, float] = {}
        started: dict[str, float] = {}
        failed: set[str] = set()
        """Processes whose restart failed (killed again while starting): tried again, never given up."""
        holding: set[str] = set()
        """Services an operator stopped (`devstack stop`): not restarted until `devstack start`."""
        loop = asyncio.get_running_loop()

        async def restart(name: str, code: int | None, start: Callable[[], Awaitable[object]]) -> None:
            if loop.time() - started.get(name, 0.0) > 60:
                delays[name] = first_delay
            delay = delays.get(name, first_delay)
            say(f"⚠ {name} s'est arrêté (code {code}) ; redémarrage dans {delay:g} s")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=delay)
            if stop.is_set():
                return
            delays[name] = min(delay * 2, max_delay)
            try:
                await start()
            except Exception as exc:
                say(f"✗ {name} n'a pas redémarré : {exc} ; nouvel essai")
                failed.add(name)
                return
            failed.discard(name)
            started[name] = loop.time()
            say(f"✓ {name} redémarré")

        while not stop.is_set():
            for server in self.servers:
                if server.running:
                    failed.discard(server.name)  # up after all (it was only slow to answer)
                elif server.name in failed or server.returncode is not None:
                    await restart(server.name, server.returncode, server.start_async)
            for service in self.services:
                if (self.var_dir / "held" / service.name).exists():  # `devstack stop <name>`: kept stopped
                    holding.add(service.name)
                    if service.proc is not None and service.proc.poll() is None:
                        service.stop()
                        say(f"■ {service.name} arrêté à la demande (`devstack start {service.name}` le relance)")
                    continue
                if service.name in holding:  # `devstack start <name>`: at once, not as a crash
                    holding.discard(service.name)
                    service.start()
                    started[service.name] = loop.time()
                    say(f"▶ {service.name} relancé à la demande")
                    continue
                if service.name in failed or (service.proc is not None and service.proc.poll() is not None):
                    code = service.proc.returncode if service.proc is not None else None

                    async def start(service: ServiceProcess = service) -> None:
                        service.start()

                    await restart(service.name, code, start)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=every)

    def stop(self) -> None:
        for service in reversed(self.services):
            service.stop()
        for server in (self.smtp, self.kafka, self.mongo):
            with contextlib.suppress(Exception):
                server.stop()
