"""schemathesis against every service's OpenAPI, as each role: no 5xx, every refusal a documented
problem+json, every answer what the document says (`FUZZ_EXAMPLES` per operation; 5 in `make test`,
more in `make chaos`)."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from devstack.stack import Stack

pytestmark = pytest.mark.e2e

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "5"))
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"
ROLES = {
    "declarations": ("declarant", "admin"),
    "taxcalc": ("admin", "declarant"),
    "essoc": ("requester", "agent_971", "admin"),
    "notifier": ("admin", "requester"),
}


@pytest.fixture(scope="module")
async def stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    stack = Stack.on_free_ports(Path(tmp_path_factory.mktemp("fuzz")))
    try:
        await stack.start(within=120)
        yield stack
    finally:
        stack.stop()


@pytest.mark.parametrize(("service", "role"), [(s, r) for s, roles in ROLES.items() for r in roles])
async def test_no_input_makes_a_service_fail_or_answer_undocumented(
    stack: Stack, tmp_path: Path, service: str, role: str
) -> None:
    token = json.loads((stack.var_dir / "tokens.json").read_text())[role]
    url = stack.service(service).url
    report = tmp_path / "report.json"
    schemathesis = Path(sys.executable).parent / "schemathesis"
    proc = await asyncio.create_subprocess_exec(
        str(schemathesis), "run", f"{url}/openapi.json",
        "--header", f"Authorization: Bearer {token}",
        "--checks", CHECKS,
        "--max-examples", str(EXAMPLES),
        "--seed", "20261130",
        "--phases", "examples,coverage,fuzzing",
        "--workers", "1",
        "--no-color", "--no-shrink",
        "--generation-database", "none",
        "--report", "json", "--report-json-path", str(report),
        "--request-timeout", "20",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    output, _ = await asyncio.wait_for(proc.communicate(), timeout=600)
    text = output.decode(errors="replace")
    failures = text[text.find("FAILURES") : text.find("SUMMARY")] if "FAILURES" in text else text[-4000:]
    assert proc.returncode == 0, failures[:12000]
