"""The figures `make bench` takes on the whole stack as processes (what a user meets): a quarter's filing from
its lines to the receipt mail, 20 concurrent clients creating declarations and adding lines for a while, and
each service's memory at rest and after the load."""

from __future__ import annotations

import asyncio
import os
import statistics
import time
from pathlib import Path
from typing import Any

import httpx
from soak import Figures, call, pids, reference_with_producers, rss_mb

from chassis.http.auth import mint
from chassis.settings import ServiceSettings
from devstack.stack import Stack

SERVICES = ("declarations", "taxcalc", "essoc", "notifier", "portal")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))] if ordered else float("nan")


def _token(secret: str, relation: str, n: int) -> str:
    claims = {"relations": [relation], "email": f"producteur{n}@example.org"}
    return mint(ServiceSettings(jwt_secret=secret), sub=f"p-{n}", role="declarant", **claims)


async def _current_totals(http: httpx.AsyncClient, did: str) -> None:
    while True:
        body = (await http.get(f"/api/v1/declarations/{did}")).json()
        if body.get("totals", {}).get("status") == "current" and body["totals"].get("version") == body.get("version"):
            return
        await asyncio.sleep(0.01)


async def filing(stack: Stack, n: int, lines: int) -> tuple[float, float]:
    """A producer's quarter: its lines, their totals, the filing, its receipt mail. Returns (the whole, in ms;
    from the filing's POST to the mail, in ms)."""
    relation = f"rel-974-s{n:04d}"
    headers = {"Authorization": f"Bearer {_token(stack.secret, relation, n)}"}
    async with httpx.AsyncClient(base_url=stack.service("declarations").url, timeout=30, headers=headers) as http:
        start = time.perf_counter()
        did = (
            await http.post("/api/v1/declarations", json={"relation_id": relation, "year": 2025, "quarter": 4})
        ).json()["id"]
        await http.put(
            f"/api/v1/declarations/{did}/declarant",
            json={"name": "P", "quality": "representant", "place": "Le Port", "payment_method": "virement"},
        )
        await http.put(f"/api/v1/declarations/{did}/annual-turnover", json={"amount": "250000.00"})
        for i in range(lines):
            line = {"annex": "A", "nomenclature": "33051000", "price_excl_tax": f"{100 + i}.00"}
            line["rates_date"] = f"2025-10-{1 + i:02d}"
            assert (await http.post(f"/api/v1/declarations/{did}/lines", json=line)).status_code == 201
        await _current_totals(http, did)
        filed = time.perf_counter()
        r = await http.post(f"/api/v1/declarations/{did}/filing")
        assert r.status_code == 200, r.text
        to = f"producteur{n}@example.org"
        await stack.smtp.maildir.wait_for_async(lambda m: to in m["To"] and "du 4e trimestre 2025" in m["Subject"], 60)
        done = time.perf_counter()
    return (done - start) * 1000, (done - filed) * 1000


async def load(stack: Stack, clients: int, seconds: float, first: int) -> dict[str, Any]:
    """`clients` producers at once, each creating declarations and adding lines until the time is up."""
    figures = Figures()
    until = time.monotonic() + seconds
    quarters = [(year, q) for year in range(2024, 2004, -1) for q in (4, 3, 2, 1)]

    async def client(n: int) -> None:
        relation = f"rel-974-s{n:04d}"
        headers = {"Authorization": f"Bearer {_token(stack.secret, relation, n)}"}
        async with httpx.AsyncClient(base_url=stack.service("declarations").url, timeout=30, headers=headers) as http:
            for year, quarter in quarters:
                if time.monotonic() > until:
                    return
                body = {"relation_id": relation, "year": year, "quarter": quarter}
                r = await call(http, figures, "POST /declarations", "POST", "/api/v1/declarations", json=body)
                if r.status_code != 201:
                    continue
                did = r.json()["id"]
                for i in range(10):
                    if time.monotonic() > until:
                        return
                    line = {"annex": "A", "nomenclature": "33051000", "price_excl_tax": f"{100 + i}.00"}
                    line["rates_date"] = f"{year}-{3 * quarter - 2:02d}-{1 + i:02d}"
                    await call(http, figures, "POST /lines", "POST", f"/api/v1/declarations/{did}/lines", json=line)

    started = time.monotonic()
    await asyncio.gather(*(client(first + n) for n in range(clients)))
    elapsed = time.monotonic() - started
    latencies = [v for values in figures.latency.values() for v in values]
    errors = sum(n for s in figures.statuses.values() for code, n in s.items() if code >= 500)
    return {
        "requests": len(latencies),
        "seconds": round(elapsed, 1),
        "rps": round(len(latencies) / elapsed, 1),
        "p50_ms": round(statistics.median(latencies), 1) if latencies else None,
        "p99_ms": round(percentile(latencies, 0.99), 1),
        "max_ms": round(max(latencies), 1) if latencies else None,
        "server_errors": errors,
        "statuses": {route: dict(s) for route, s in figures.statuses.items()},
    }


def cpu_seconds(pid: int | None) -> float | None:
    """CPU seconds (user and system) a process has used so far."""
    if pid is None:
        return None
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks  # utime, stime: fields 14 and 15 of proc(5)


def cpu(stack: Stack) -> dict[str, float | None]:
    return {name: cpu_seconds(pid) for name, pid in pids(stack).items()} | {"bench clients": time.process_time()}


def memory(stack: Stack) -> dict[str, float | None]:
    found = pids(stack)
    return {name: rss_mb(found.get(name)) for name in SERVICES}


async def measure(var: Path, *, lines: int, filings: int, clients: int, seconds: float) -> dict[str, Any]:
    reference_with_producers(var / "reference", filings + clients)
    stack = Stack.on_free_ports(
        var,
        env={
            "DECLARATIONS_REFERENCE_DIR": str(var / "reference"),
            **{f"{s.upper()}_LOG_LEVEL": "WARNING" for s in SERVICES if s != "portal"},
        },
    )
    await stack.start(within=180)
    try:
        await asyncio.sleep(3)
        at_rest = memory(stack)
        times = [await filing(stack, n, lines) for n in range(1, filings + 1)]
        before = cpu(stack)
        loaded = await load(stack, clients, seconds, filings + 1)
        spent = cpu(stack)
        loaded["cpu_seconds"] = {
            name: round(used - before[name], 1)  # type: ignore[operator]
            for name, used in spent.items()
            if used is not None and before.get(name) is not None
        }
        after = memory(stack)
    finally:
        stack.stop()
    whole = [t[0] for t in times]
    to_mail = [t[1] for t in times]
    return {
        "filing_whole_p99_ms": round(percentile(whole, 0.99), 1),
        "filing_p99_ms": round(percentile(to_mail, 0.99), 1),
        "filing_p50_ms": round(statistics.median(to_mail), 1),
        "filings": filings,
        "lines_per_filing": lines,
        "load": loaded,
        "rss_at_rest_mb": at_rest,
        "rss_after_load_mb": after,
        "max_rss_mb": max(v for v in [*at_rest.values(), *after.values()] if v is not None),
    }
