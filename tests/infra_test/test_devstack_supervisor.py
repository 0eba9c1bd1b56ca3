"""The `make run` supervisor restarts what dies, and keeps trying when a restart fails (a process killed again
while it was starting: found by the chaos campaign, where the database then stayed down for good)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from devstack.stack import Stack


class FlakyServer:
    """A server that died, whose first restart fails."""

    def __init__(self, name: str, failures: int) -> None:
        self.name = name
        self.failures = failures
        self.starts = 0
        self.running = False
        self.returncode: int | None = -9

    async def start_async(self) -> FlakyServer:
        self.starts += 1
        self.returncode = None  # as a managed server leaves it after a failed start
        if self.starts <= self.failures:
            raise RuntimeError(f"{self.name} exited with code -9 while starting")
        self.running = True
        return self


class UpServer(FlakyServer):
    def __init__(self, name: str) -> None:
        super().__init__(name, 0)
        self.running, self.returncode = True, None


async def test_a_restart_that_fails_is_tried_again(tmp_path: Path) -> None:
    stack = Stack.on_free_ports(tmp_path)
    mongo = FlakyServer("mongo", failures=2)
    stack.mongo, stack.kafka, stack.smtp = mongo, UpServer("kafka"), UpServer("smtp")  # type: ignore[assignment]
    stack.services = []
    said: list[str] = []
    stop = asyncio.Event()
    supervisor = asyncio.create_task(stack.supervise(stop, said.append, every=0.01, first_delay=0.01, max_delay=0.05))
    async with asyncio.timeout(10):
        while not mongo.running:
            await asyncio.sleep(0.01)
    stop.set()
    await supervisor
    assert mongo.starts == 3
    assert [m for m in said if m.startswith("✗")] == [
        "✗ mongo n'a pas redémarré : mongo exited with code -9 while starting ; nouvel essai"
    ] * 2
    assert said[-1] == "✓ mongo redémarré"
