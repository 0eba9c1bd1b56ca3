"""`make run`'s supervisor as a user meets it: it starts, Ctrl-C stops everything, a restart keeps the data."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from devstack.demo import DEMO_USERS
from devstack.ports import free_port, port_is_open

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
NAMES = ("PORTAL", "KAFKA", "MONGO", "SMTP", "DECLARATIONS", "TAXCALC", "ESSOC", "NOTIFIER")


def _start(var_dir: Path, ports: dict[str, int]) -> subprocess.Popen[bytes]:
    env = {**os.environ, **{f"{n}_PORT": str(p) for n, p in ports.items()}}
    devstack = Path(sys.executable).parent / "devstack"
    return subprocess.Popen(
        [str(devstack), "run", "--var-dir", str(var_dir)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def _wait_ready(proc: subprocess.Popen[bytes], var_dir: Path, ports: dict[str, int], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    tokens = var_dir / "tokens.json"
    while time.monotonic() < deadline:
        assert proc.poll() is None, (proc.stdout.read() if proc.stdout else b"").decode(errors="replace")
        if tokens.exists():
            try:
                if httpx.get(f"http://127.0.0.1:{ports['DECLARATIONS']}/health/ready", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
        time.sleep(0.5)
    raise TimeoutError("make run did not become ready")


def test_ctrl_c_stops_everything_and_a_restart_keeps_the_log(tmp_path: Path) -> None:
    ports = {n: free_port() for n in NAMES}
    proc = _start(tmp_path, ports)
    try:
        _wait_ready(proc, tmp_path, ports)
        tokens = json.loads((tmp_path / "tokens.json").read_text())
        assert set(tokens) == set(DEMO_USERS)  # each demo account of deploy/reference/demo-users.yaml
        who = {"Authorization": f"Bearer {tokens['declarant']}"}
        created = httpx.post(
            f"http://127.0.0.1:{ports['DECLARATIONS']}/api/v1/declarations",
            headers=who,
            json={"relation_id": "rel-971-0001", "year": 2026, "quarter": 1},
            timeout=10,
        )
        assert created.status_code == 201, created.text
        # The portal, with the development sign-in listing the demo users.
        portal = f"http://127.0.0.1:{ports['PORTAL']}"
        page = httpx.get(f"{portal}/dev/connexion", timeout=10)
        assert page.status_code == 200 and "connexion-declarant" in page.text and "connexion-requester" in page.text
    finally:
        proc.send_signal(signal.SIGINT)
        output = proc.communicate(timeout=90)[0].decode(errors="replace")
    assert proc.returncode == 0, output
    assert "Arrêté proprement" in output
    # The portal's address comes first, before the table of services and the tokens.
    opened = output.index(f"Ouvrez http://127.0.0.1:{ports['PORTAL']}")
    assert opened < output.index("Jetons de démonstration") and opened < output.index("declarations")
    assert not any(port_is_open("127.0.0.1", p, timeout=0.5) for p in ports.values()), "a process outlived Ctrl-C"

    again = _start(tmp_path, ports)
    try:
        _wait_ready(again, tmp_path, ports)
        tokens = json.loads((tmp_path / "tokens.json").read_text())
        kept = httpx.get(
            f"http://127.0.0.1:{ports['DECLARATIONS']}/api/v1/declarations/decl-rel-971-0001-2026-Q1",
            headers={"Authorization": f"Bearer {tokens['declarant']}"},
            timeout=10,
        )
        assert kept.status_code == 200 and kept.json()["relation_id"] == "rel-971-0001"
        _the_drafting_is_traced_across_the_services(tmp_path, ports)
        _an_operator_holds_a_service_stopped_then_starts_it(tmp_path, ports["TAXCALC"])
    finally:
        again.send_signal(signal.SIGINT)
        again.communicate(timeout=90)
    assert again.returncode == 0


def _devstack(var_dir: Path, *args: str, ports: dict[str, int] | None = None) -> str:
    devstack = Path(sys.executable).parent / "devstack"
    env = {**os.environ, **{f"{n}_PORT": str(p) for n, p in (ports or {}).items()}}
    done = subprocess.run(
        [str(devstack), *args, "--var-dir", str(var_dir)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _the_drafting_is_traced_across_the_services(var_dir: Path, ports: dict[str, int]) -> None:
    """`devstack trace <declaration id>`: the first run's drafting, from the request to taxcalc's consume, as a tree
    read from var/traces (the spans of a stopped process were flushed when it stopped; taxcalc may consume the event
    only after the restart, when the relay publishes the log again to the new Tansu, in the same trace)."""
    deadline = time.monotonic() + 30
    while "consume DeclarationDrafted [taxcalc]" not in (
        out := _devstack(var_dir, "trace", "decl-rel-971-0001-2026-Q1", ports=ports)
    ):
        assert time.monotonic() < deadline, out
        time.sleep(0.5)
    [tree] = [block for block in out.split("\n\n") if "append DeclarationDrafted" in block]
    lines = tree.splitlines()
    assert lines[0].startswith("Trace ") and "services : declarations, taxcalc" in lines[0], tree

    def depth(span: str) -> int:
        """How deep in the tree the first line drawing `span` is (its column)."""
        return next(line.index(span) for line in lines if span in line)

    request = depth("POST /api/v1/declarations [declarations]")
    appended = depth("append DeclarationDrafted [declarations]")
    published = depth("publish DeclarationDrafted [declarations]")
    assert request < appended < published < depth("consume DeclarationDrafted [taxcalc]"), tree


def _an_operator_holds_a_service_stopped_then_starts_it(var_dir: Path, port: int) -> None:
    """`devstack stop taxcalc`: the supervisor stops it and does not restart it; `devstack start taxcalc` does."""
    _devstack(var_dir, "stop", "taxcalc")
    deadline = time.monotonic() + 30
    while port_is_open("127.0.0.1", port) and time.monotonic() < deadline:
        time.sleep(0.3)
    assert not port_is_open("127.0.0.1", port), "taxcalc still answers"
    time.sleep(3)  # the supervisor would have restarted it after 1 s
    assert not port_is_open("127.0.0.1", port), "the supervisor restarted a service held stopped"
    _devstack(var_dir, "start", "taxcalc")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health/ready", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise AssertionError("taxcalc did not start again")
