"""`make soak`: a quarter-end peak, then a soak, then a broker loss with a full log; figures, not tests.

1. Peak: `--producers` producers (one relation each, generated) file a quarter of `--lines` lines each,
   `--concurrency` at a time, while requesters and agents take ESSOC requests through their life.
2. Soak: the same mix goes on until `--minutes` have passed; the RSS of every process is read every
   minute (flat, or it leaks).
3. Recovery: the broker is killed with the whole log behind it; how long until the relays have
   published it again, the consumers have gone through it, and a new line's totals are current.

Writes `var/soak.json` and `docs/soak.png` (RSS per process, and throughput, minute by minute).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import shutil
import statistics
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import httpx
import yaml

from chassis.http.auth import mint
from chassis.settings import ServiceSettings
from devstack.stack import PROCESSES, Stack

ROOT = Path(__file__).resolve().parents[2]


class Figures:
    def __init__(self) -> None:
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.statuses: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        self.per_minute: dict[int, int] = defaultdict(int)
        self.refusals: dict[str, str] = {}
        self.started = time.monotonic()

    def record(self, route: str, status: int, seconds: float, response: httpx.Response | None = None) -> None:
        self.latency[route].append(seconds * 1000)
        self.statuses[route][status] += 1
        self.per_minute[int((time.monotonic() - self.started) // 60)] += 1
        key = f"{route} {status}"
        if response is not None and status >= 400 and key not in self.refusals:
            self.refusals[key] = response.text[:300]  # the first refusal of each kind, to read

    def summary(self) -> dict[str, Any]:
        routes = {}
        for route, values in sorted(self.latency.items()):
            ordered = sorted(values)
            routes[route] = {
                "n": len(values),
                "p50_ms": round(statistics.median(ordered), 1),
                "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))], 1),
                "statuses": dict(self.statuses[route]),
            }
        total = sum(len(v) for v in self.latency.values())
        seconds = time.monotonic() - self.started
        server_errors = sum(n for s in self.statuses.values() for code, n in s.items() if 500 <= code < 599)
        timeouts = sum(s.get(599, 0) for s in self.statuses.values())
        return {
            "requests": total,
            "seconds": round(seconds, 1),
            "rps": round(total / seconds, 1),
            "server_errors": server_errors,
            "client_timeouts": timeouts,
            "routes": routes,
            "first_refusals": self.refusals,
        }


async def call(
    http: httpx.AsyncClient, figures: Figures, route: str, method: str, url: str, **kw: Any
) -> httpx.Response:
    while True:
        start = time.monotonic()
        try:
            r = await http.request(method, url, **kw)
        except httpx.HTTPError:
            figures.record(route, 599, time.monotonic() - start)
            await asyncio.sleep(0.5)
            continue
        figures.record(route, r.status_code, time.monotonic() - start, r)
        return r


def reference_with_producers(target: Path, count: int) -> None:
    shutil.copytree(ROOT / "deploy/territories", target)
    relations = [
        {
            "id": f"rel-974-s{n:04d}",
            "number": f"0974{n:06d}",
            "siret": "52345678800018",
            "establishment": f"Établissement {n}",
            "office": "974001",
            "production_activity_id": f"PA-S{n}",
            "trade_name": f"Producteur {n}",
            "ape": "20.42Z",
        }
        for n in range(1, count + 1)
    ]
    path = target / "974" / "relations.yaml"
    existing = yaml.safe_load(path.read_text(encoding="utf-8"))["relations"]
    path.write_text(yaml.safe_dump({"relations": existing + relations}, allow_unicode=True), encoding="utf-8")


async def producer(
    stack: Stack, secret: str, n: int, quarters: list[tuple[int, int]], lines: int, figures: Figures, until: float
) -> int:
    relation = f"rel-974-s{n:04d}"
    token = mint(
        ServiceSettings(jwt_secret=secret),
        sub=f"p-{n}",
        role="declarant",
        relations=[relation],
        email=f"producteur{n}@example.org",
    )
    filed = 0
    async with httpx.AsyncClient(
        base_url=stack.service("declarations").url, timeout=30, headers={"Authorization": f"Bearer {token}"}
    ) as http:
        for year, quarter in quarters:
            if time.monotonic() > until:
                break
            r = await call(
                http,
                figures,
                "POST /declarations",
                "POST",
                "/api/v1/declarations",
                json={"relation_id": relation, "year": year, "quarter": quarter},
            )
            if r.status_code != 201:
                continue
            did = r.json()["id"]
            await call(
                http,
                figures,
                "PUT /declarant",
                "PUT",
                f"/api/v1/declarations/{did}/declarant",
                json={"name": "P", "quality": "representant", "place": "Le Port", "payment_method": "virement"},
            )
            if quarter == 4:  # box 3, the year's production turnover, is due on the Q4 declaration
                await call(
                    http,
                    figures,
                    "PUT /annual-turnover",
                    "PUT",
                    f"/api/v1/declarations/{did}/annual-turnover",
                    json={"amount": "250000.00"},
                )
            for i in range(lines):
                await call(
                    http,
                    figures,
                    "POST /lines",
                    "POST",
                    f"/api/v1/declarations/{did}/lines",
                    json={
                        "annex": "A",
                        "nomenclature": "33051000",
                        "price_excl_tax": f"{100 + i}.00",
                        "rates_date": f"{year}-{3 * quarter - 2:02d}-{1 + i:02d}",
                    },
                )
            # as the portal does: wait for the totals of the current version (GET), then file once
            while True:
                r = await call(http, figures, "GET /declaration", "GET", f"/api/v1/declarations/{did}")
                body = r.json() if r.status_code == 200 else {}
                if body.get("totals", {}).get("status") == "current" and body["totals"].get("version") == body.get(
                    "version"
                ):
                    break
                await asyncio.sleep(0.5)
            r = await call(http, figures, "POST /filing", "POST", f"/api/v1/declarations/{did}/filing")
            filed += r.status_code == 200
    return filed


async def essoc_worker(stack: Stack, tokens: dict[str, str], figures: Figures, until: float) -> int:
    base = stack.service("essoc").url
    closed = 0

    def client(role: str) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=base, timeout=30, headers={"Authorization": f"Bearer {tokens[role]}"})

    async with client("requester") as req, client("agent_971") as agent:
        while time.monotonic() < until:
            r = await call(
                req,
                figures,
                "POST /requests",
                "POST",
                "/api/v1/requests",
                json={
                    "requester_type": "particulier",
                    "nature": "rescrit",
                    "category": "octroi-de-mer",
                    "sub_category": "dr-guadeloupe",
                    "fields": [{"domain": "octroi-de-mer", "sub_domain": "octroi de mer interne"}],
                    "subject": "Soak",
                    "description": "Quel taux ?",
                },
            )
            if r.status_code != 201:
                await asyncio.sleep(1)
                continue
            rid = r.json()["id"]
            await call(agent, figures, "POST /take-charge", "POST", f"/api/v1/requests/{rid}/take-charge")
            await call(
                agent,
                figures,
                "POST /admissibility",
                "POST",
                f"/api/v1/requests/{rid}/admissibility",
                json={"decision": "oui"},
            )
            await call(
                agent, figures, "POST /closure", "POST", f"/api/v1/requests/{rid}/closure", json={"response": "Non."}
            )
            await call(req, figures, "GET /requests", "GET", "/api/v1/requests?tab=cloturees")
            closed += 1
    return closed


def rss_mb(pid: int | None) -> float | None:
    if pid is None:
        return None
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def pids(stack: Stack) -> dict[str, int | None]:
    found: dict[str, int | None] = {"kafka": stack.kafka.pid, "mongo": stack.mongo.pid, "smtp": stack.smtp.pid}
    for service in stack.services:
        found[service.name] = service.proc.pid if service.proc else None
    return found


async def sample_rss(stack: Stack, samples: list[dict[str, Any]], stop: asyncio.Event) -> None:
    started = time.monotonic()
    while not stop.is_set():
        samples.append(
            {
                "minute": round((time.monotonic() - started) / 60, 2),
                **{name: rss_mb(pid) for name, pid in pids(stack).items()},
            }
        )
        try:
            await asyncio.wait_for(stop.wait(), timeout=60)
        except TimeoutError:
            pass


async def recovery(stack: Stack, secret: str) -> dict[str, Any]:
    """Kills the broker behind a full log; times the way back to a current total."""
    async with httpx.AsyncClient(timeout=10) as http:
        start = time.monotonic()
        await stack.kafka.restart_async(hard=True)  # SIGKILL, reaped, then started on the same port
        relation = "rel-974-s0001"
        token = mint(ServiceSettings(jwt_secret=secret), sub="p-1", role="declarant", relations=[relation])
        auth = {"Authorization": f"Bearer {token}"}
        url = stack.service("declarations").url
        did = f"decl-{relation}-2026-Q3"
        await http.post(
            f"{url}/api/v1/declarations", headers=auth, json={"relation_id": relation, "year": 2026, "quarter": 3}
        )
        r = await http.post(
            f"{url}/api/v1/declarations/{did}/lines",
            headers=auth,
            json={"annex": "A", "nomenclature": "33051000", "price_excl_tax": "1.00"},
        )
        version = r.json().get("declaration_version")
        while True:
            body = (await http.get(f"{url}/api/v1/declarations/{did}", headers=auth)).json()
            if body["totals"]["status"] == "current" and body["version"] == version:
                break
            await asyncio.sleep(0.5)
        return {"broker_restart_to_current_totals_s": round(time.monotonic() - start, 1)}


async def main(args: argparse.Namespace) -> dict[str, Any]:
    var = ROOT / "var" / "soak"
    shutil.rmtree(var, ignore_errors=True)
    var.mkdir(parents=True)
    reference_with_producers(var / "reference", args.producers)
    stack = Stack.on_free_ports(
        var,
        env={
            "DECLARATIONS_REFERENCE_DIR": str(var / "reference"),
            "DECLARATIONS_LOG_LEVEL": "WARNING",
            "TAXCALC_LOG_LEVEL": "WARNING",
            "ESSOC_LOG_LEVEL": "WARNING",
            "NOTIFIER_LOG_LEVEL": "WARNING",
        },
    )
    await stack.start(within=180)
    tokens = json.loads((var / "tokens.json").read_text())
    samples: list[dict[str, Any]] = []
    stop = asyncio.Event()
    sampler = asyncio.create_task(sample_rss(stack, samples, stop))
    figures = Figures()
    until = time.monotonic() + args.minutes * 60
    quarters = [(year, q) for year in range(2025, 2015, -1) for q in (4, 3, 2, 1)]
    try:
        queue: asyncio.Queue[int] = asyncio.Queue()
        for n in range(1, args.producers + 1):
            queue.put_nowait(n)
        peak: dict[str, Any] = {}
        rounds = itertools.count(1)

        async def worker() -> int:
            total = 0
            while not queue.empty() and time.monotonic() < until:
                n = queue.get_nowait()
                total += await producer(stack, stack.secret, n, quarters[:1], args.lines, figures, until)
            # the soak: the producers go on with earlier quarters until the time is up, one quarter per
            # round over all of them, so every round declares new quarters
            while time.monotonic() < until:
                n = next(rounds)
                earlier = 1 + ((n - 1) // args.producers) % (len(quarters) - 1)
                producer_n = (n - 1) % args.producers + 1
                total += await producer(
                    stack, stack.secret, producer_n, quarters[earlier : earlier + 1], args.lines, figures, until
                )
            return total

        essoc = [essoc_worker(stack, tokens, figures, until) for _ in range(args.essoc)]
        peak_started = time.monotonic()
        results = await asyncio.gather(*(worker() for _ in range(args.concurrency)), *essoc)
        peak = {
            "filed": sum(results[: args.concurrency]),
            "essoc_closed": sum(results[args.concurrency :]),
            "seconds": round(time.monotonic() - peak_started, 1),
        }
        load = figures.summary()
        recovered = await recovery(stack, stack.secret)
    finally:
        stop.set()
        await sampler
        stack.stop()
    result = {
        "args": vars(args),
        "load": load,
        "work": peak,
        "rss_mb": samples,
        "recovery": recovered,
        "per_minute": dict(figures.per_minute),
    }
    (ROOT / "var" / "soak.json").write_text(json.dumps(result, indent=2, ensure_ascii=False))
    plot(result, ROOT / "docs" / "soak.png")
    return result


def plot(result: dict[str, Any], target: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    target.parent.mkdir(parents=True, exist_ok=True)
    fig, (rss, rate) = plt.subplots(2, 1, figsize=(9, 7), sharex=True)
    minutes = [s["minute"] for s in result["rss_mb"]]
    for name in PROCESSES:
        rss.plot(minutes, [s.get(name) for s in result["rss_mb"]], marker="o", markersize=3, label=name)
    rss.set_ylabel("RSS (Mo)")
    rss.set_title("Mémoire de chaque processus pendant l'endurance")
    rss.legend(fontsize=8, ncol=4)
    rss.grid(alpha=0.3)
    per_minute = sorted((int(k), v / 60) for k, v in result["per_minute"].items())
    rate.bar([m + 0.5 for m, _ in per_minute], [v for _, v in per_minute], width=0.8)
    rate.set_ylabel("requêtes/s")
    rate.set_xlabel("minutes")
    rate.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(target, dpi=110)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--producers", type=int, default=500)
    parser.add_argument("--lines", type=int, default=20)
    # 16 at a time overloads this 2-core machine (30 s timeouts on the embedded MongoDB); 4 is what it sustains
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--essoc", type=int, default=2)
    outcome = asyncio.run(main(parser.parse_args()))
    print(json.dumps({k: v for k, v in outcome.items() if k != "rss_mb"}, indent=2, ensure_ascii=False))
