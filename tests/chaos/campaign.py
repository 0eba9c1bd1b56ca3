"""`make chaos`: the whole stack as processes, concurrent DOMINO-NG and OGDE flows, and SIGKILLs.

The broker, the database and each service are killed in turn at random moments (`--kills` per
component); `make run`'s supervisor restarts them. The flows retry as a client would (same
Idempotency-Key). Once every flow is done and the stack is quiet, the invariants are checked and
written to `var/chaos.json`:

- every command that got a 2xx (or the "already applied" answer) is in the log, and nothing else is;
- every filing and every ESSOC step that calls for a mail produced exactly one mail, and
  `GET /notifications` agrees with the Maildir;
- every draft's totals became current for its latest version; no filing was left refused;
- each filing's credit was carried once; replay equals the live read models; every hash chain holds.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
from pymongo import AsyncMongoClient

from contracts import french

ROOT = Path(__file__).resolve().parents[2]
COMPONENTS = ("kafka", "mongo", "declarations", "taxcalc", "essoc", "notifier")
RETRYABLE = {429, 500, 502, 503, 504}
AGAIN_LATER = ("commande-en-cours",)
"""A 409 with this type: the same command (same key) is still being applied; ask again."""
NEW_ATTEMPT = ("totaux-en-attente",)
"""A 409 with this type refused the command and changed nothing: try again later, as a new command."""
RELATIONS = ("rel-971-0001", "rel-971-0002", "rel-974-0001")
DECLARANT_EMAIL = "marie.payet@producteur.example"
CHAOS_ENV = {
    # Faster recovery figures than production defaults, so a campaign fits in minutes.
    "NOTIFIER_SEND_LEASE_SECONDS": "8",
    "NOTIFIER_REDELIVERY_SECONDS": "1",
    "NOTIFIER_REDELIVERY_MAX_SECONDS": "5",
    "NOTIFIER_SENDER_POLL_SECONDS": "0.3",
    "ESSOC_DEADLINE_SCAN_SECONDS": "3600",
    **{f"{s}_RELAY_CHECK_SECONDS": "2" for s in ("DECLARATIONS", "TAXCALC", "ESSOC", "NOTIFIER")},
}


@dataclass
class Ledger:
    """What the clients were told: the commands accepted per stream, the flows that finished."""

    accepted: dict[str, list[str]] = field(default_factory=dict)
    gave_up: list[str] = field(default_factory=list)
    filed: list[dict[str, Any]] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    stuck_totals: int = 0
    commands: int = 0

    def accept(self, stream: str, what: str) -> None:
        self.accepted.setdefault(stream, []).append(what)
        self.commands += 1


class Client:
    """A client that retries a command (same Idempotency-Key) until it is answered for good."""

    def __init__(self, base: str, token: str, ledger: Ledger, deadline: float) -> None:
        self.http = httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=10)
        self.ledger = ledger
        self.deadline = deadline

    async def command(
        self, method: str, url: str, *, stream: str | None, what: str, **kwargs: Any
    ) -> httpx.Response | None:
        key = str(uuid.uuid4())
        delay = 0.2
        while time.monotonic() < self.deadline:
            try:
                r = await self.http.request(method, url, headers={"Idempotency-Key": key}, **kwargs)
            except httpx.HTTPError:
                r = None
            kind = r.json().get("type", "").rsplit("/", 1)[-1] if r is not None and r.status_code == 409 else ""
            if r is not None and r.status_code < 300:
                self.ledger.accept(stream or r.json().get("id", "?"), what)
                return r
            if kind == "commande-deja-executee":
                self.ledger.accept(stream or "?", what)
                return r
            if kind in NEW_ATTEMPT:
                key = str(uuid.uuid4())
            elif r is not None and r.status_code not in RETRYABLE and kind not in AGAIN_LATER:
                raise AssertionError(f"{method} {url} refused: {r.status_code} {r.text[:300]}")
            await asyncio.sleep(delay)
            delay = min(delay * 1.5, 3.0)
        self.ledger.gave_up.append(f"{method} {url} {what}")
        return None

    async def get(self, url: str, **kwargs: Any) -> dict[str, Any] | None:
        while time.monotonic() < self.deadline:
            try:
                r = await self.http.get(url, **kwargs)
                if r.status_code == 200:
                    body: dict[str, Any] = r.json()
                    return body
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.5)
        return None


async def filing_flow(stack: Any, tokens: dict[str, str], ledger: Ledger, n: int, deadline: float) -> None:
    relation = RELATIONS[n % len(RELATIONS)]
    year, quarter = 2015 + n // 4, n % 4 + 1  # the demo tariffs start in 2015
    client = Client(stack.service("declarations").url, tokens["declarant"], ledger, deadline)
    did = f"decl-{relation}-{year}-Q{quarter}"
    try:
        body = {"relation_id": relation, "year": year, "quarter": quarter}
        if (
            await client.command("POST", "/api/v1/declarations", stream=did, what="DeclarationDrafted", json=body)
            is None
        ):
            return
        declarant = {
            "name": "Marie Payet",
            "quality": "representant",
            "place": "Le Port",
            "payment_method": "telepaiement",
        }
        await client.command(
            "PUT", f"/api/v1/declarations/{did}/declarant", stream=did, what="DeclarantDetailsSet", json=declarant
        )
        for i in range(3):  # the same product at three dates of application (rates changed in the quarter)
            line = {
                "annex": "A",
                "nomenclature": "33051000",
                "price_excl_tax": f"{1000 + 10 * i + n}.00",
                "rates_date": f"{year}-{3 * quarter - 2:02d}-{1 + i:02d}",
            }
            await client.command("POST", f"/api/v1/declarations/{did}/lines", stream=did, what="LineAdded", json=line)
        if quarter == 4:
            await client.command(
                "PUT",
                f"/api/v1/declarations/{did}/annual-turnover",
                stream=did,
                what="AnnualTurnoverDeclared",
                json={"amount": "900000.00"},
            )
        # The filing is accepted once taxcalc's totals are current: a 409 "totaux en attente" is retried.
        filed = await client.command("POST", f"/api/v1/declarations/{did}/filing", stream=did, what="DeclarationFiled")
        if filed is None:
            ledger.stuck_totals += 1
            return
        ledger.filed.append({"id": did, "year": year, "quarter": quarter, "relation": relation})
    finally:
        await client.http.aclose()


async def essoc_flow(stack: Any, tokens: dict[str, str], ledger: Ledger, n: int, deadline: float) -> None:
    url = stack.service("essoc").url
    requester = Client(url, tokens["requester"], ledger, deadline)
    agent = Client(url, tokens["agent_971"], ledger, deadline)
    try:
        body = {
            "requester_type": "entreprise",
            "siret": "41234567000019",
            "nature": "rescrit",
            "category": "octroi-de-mer",
            "sub_category": "dr-guadeloupe",
            "fields": [{"domain": "octroi-de-mer", "sub_domain": "octroi de mer interne"}],
            "subject": f"Chaos {n}",
            "description": "Quel taux ?",
        }
        filed = await requester.command("POST", "/api/v1/requests", stream=None, what="RequestSubmitted", json=body)
        if filed is None or filed.status_code >= 300:
            return
        rid, number = filed.json()["id"], filed.json()["number"]
        await agent.command("POST", f"/api/v1/requests/{rid}/take-charge", stream=rid, what="RequestTakenInCharge")
        asked = await agent.command(
            "POST", f"/api/v1/requests/{rid}/questions", stream=rid, what="RequestQuestioned", json={"text": "Âge ?"}
        )
        question = asked.json()["question_id"] if asked is not None and asked.status_code < 300 else None
        if question is None:
            detail = await requester.get(f"/api/v1/requests/{rid}")
            question = next(iter(q["question_id"] for q in (detail or {}).get("questions", [])), None)
        if question is not None:
            await requester.command(
                "POST",
                f"/api/v1/requests/{rid}/questions/{question}/answer",
                stream=rid,
                what="QuestionAnswered",
                json={"text": "Six ans."},
            )
        await agent.command(
            "POST",
            f"/api/v1/requests/{rid}/admissibility",
            stream=rid,
            what="AdmissibilityDecided",
            json={"decision": "oui"},
        )
        await agent.command(
            "POST", f"/api/v1/requests/{rid}/closure", stream=rid, what="RequestClosed", json={"response": "2,5 %."}
        )
        ledger.requests.append({"id": rid, "number": number})
    finally:
        await requester.http.aclose()
        await agent.http.aclose()


def _pid(stack: Any, component: str) -> int | None:
    if component in ("kafka", "mongo", "smtp"):
        server = getattr(stack, component)
        return server.pid if server.running else None  # type: ignore[no-any-return]
    proc = stack.service(component).proc
    return proc.pid if proc is not None and proc.poll() is None else None


async def killer(
    stack: Any, kills: int, rng: random.Random, log: list[dict[str, Any]], done: asyncio.Event
) -> Counter[str]:
    counts: Counter[str] = Counter()
    plan = [c for _ in range(kills) for c in rng.sample(COMPONENTS, len(COMPONENTS))]
    for component in plan:
        await asyncio.sleep(rng.uniform(1.0, 3.0))
        for _ in range(40):  # the supervisor may still be bringing it back from its last kill
            pid = _pid(stack, component)
            if pid is not None:
                break
            await asyncio.sleep(0.5)
        if pid is None:
            continue
        try:
            os.killpg(pid, signal.SIGKILL)
        except ProcessLookupError:
            continue
        counts[component] += 1
        log.append({"at": time.time(), "killed": component})
    done.set()
    return counts


def _maildir(stack: Any) -> list[EmailMessage]:
    return list(stack.smtp.maildir.messages())


async def quiet(stack: Any, ledger: Ledger, within: float) -> None:
    """Until every expected mail is in the Maildir (or `within` runs out)."""
    expected = len(ledger.filed) + 5 * len(ledger.requests)
    deadline = time.monotonic() + within
    while time.monotonic() < deadline and len({m["Message-ID"] for m in _maildir(stack)}) < expected:
        await asyncio.sleep(1.0)
    await asyncio.sleep(3.0)  # a late duplicate would show now


async def check(stack: Any, tokens: dict[str, str], ledger: Ledger) -> dict[str, Any]:
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(stack.mongo.uri, tz_aware=True)
    try:
        lost = extra = 0
        for stream, accepted in ledger.accepted.items():
            service = "declarations" if stream.startswith("decl-") else "essoc"
            logged = [
                d["type"]
                async for d in mongo[service]["events"].find({"stream_id": stream}, sort=[("version", 1)])
                if d["type"] != "DeadlineReached"
            ]
            lost += sum((Counter(accepted) - Counter(logged)).values())
            extra += sum((Counter(logged) - Counter(accepted)).values())
        mails = _maildir(stack)
        by_id = Counter(str(m["Message-ID"]) for m in mails)
        by_subject = Counter(str(m["Subject"]) + "|" + str(m["To"]) for m in mails)
        duplicates_same_id = sum(n - 1 for n in by_id.values() if n > 1)
        duplicates_other_id = sum(n - 1 for n in by_subject.values() if n > 1) - duplicates_same_id
        receipts = [f"du {french.quarter(f['year'], f['quarter'])}" for f in ledger.filed]
        missing = sum(1 for period in receipts if not any(period in str(m["Subject"]) for m in mails))
        for request in ledger.requests:
            got = [m for m in mails if f"n° {request['number']} " in str(m["Subject"])]
            missing += max(0, 5 - len({str(m["Subject"]) for m in got}))
        sent = [d async for d in mongo["notifier"]["notifications"].find({"status": "sent"})]
        notifications_agree = {d["message_id"] for d in sent} == set(by_id)
        credits = Counter(
            [
                d["data"]["declaration_id"]
                async for d in mongo["taxcalc"]["events"].find({"type": "CreditCarriedForward"})
            ]
        )
        duplicate_ledger = sum(n - 1 for n in credits.values() if n > 1)
        uncarried = sum(1 for f in ledger.filed if credits[f["id"]] == 0)
    finally:
        await mongo.close()
    replay_equal, chains = await replay_and_verify(stack)
    return {
        "flows": len(ledger.filed) + len(ledger.requests),
        "accepted_commands": ledger.commands,
        "lost_events": lost,
        "events_without_accepted_command": extra,
        "commands_given_up": len(ledger.gave_up),
        # A second, different mail for one event is a bug. The same mail again (same Message-ID) is the one
        # window no SMTP client can close: killed between the server's 250 and recording it as sent, the
        # notifier sends it again, as the same message, which mail servers and clients deduplicate.
        "duplicate_mails": max(0, duplicates_other_id),
        "resent_with_same_message_id": duplicates_same_id,
        "missing_mails": missing,
        "notifications_agree_with_maildir": notifications_agree,
        "stuck_totals": ledger.stuck_totals,
        "duplicate_ledger_entries": duplicate_ledger,
        "filings_without_credit": uncarried,
        "replay_equal": replay_equal,
        "chains_verified": chains,
    }


async def replay_and_verify(stack: Any) -> tuple[bool, bool]:
    """With the services stopped: each read model dropped and rebuilt equals the live one; chains hold."""
    from chassis.service import Runtime
    from declarations.bootstrap import build as declarations
    from essoc.bootstrap import build as essoc
    from notifier.bootstrap import build as notifier
    from taxcalc.bootstrap import build as taxcalc

    for service in stack.services:
        service.stop()
    equal = chains = True
    saved = dict(os.environ)
    try:
        for name, build in (
            ("declarations", declarations),
            ("taxcalc", taxcalc),
            ("essoc", essoc),
            ("notifier", notifier),
        ):
            os.environ.update({k: v for k, v in stack.service(name).env.items() if k.startswith(name.upper() + "_")})
            runtime = Runtime(build())
            try:
                await runtime.wire()
                live = await runtime.projector.snapshot()
                await runtime.projector.replay(runtime.store)
                equal = equal and await runtime.projector.snapshot() == live
                for stream in await runtime.store.stream_ids():
                    chains = chains and not await runtime.store.verify_stream(stream)
            finally:
                await runtime.client.close()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return equal, chains


async def campaign(var_dir: Path, *, kills: int, flows: int, seed: int, say: Any = print) -> dict[str, Any]:
    from devstack.stack import Stack

    rng = random.Random(seed)
    stack = Stack.on_free_ports(var_dir, env=CHAOS_ENV)
    stop = asyncio.Event()
    started = time.monotonic()
    await stack.start(within=180)
    tokens = json.loads((var_dir / "tokens.json").read_text())
    supervisor = asyncio.create_task(stack.supervise(stop, say, first_delay=0.5, max_delay=2.0))
    ledger = Ledger()
    deadline = time.monotonic() + 240 + 12 * kills * len(COMPONENTS)
    kill_log: list[dict[str, Any]] = []
    kills_done = asyncio.Event()
    try:
        killing = asyncio.create_task(killer(stack, kills, rng, kill_log, kills_done))
        work = [filing_flow(stack, tokens, ledger, n, deadline) for n in range(flows)]
        work += [essoc_flow(stack, tokens, ledger, n, deadline) for n in range(max(1, flows * 2 // 3))]
        await asyncio.gather(*work)
        counts = await killing
        await quiet(stack, ledger, within=120)
        stop.set()
        await supervisor
        result = await check(stack, tokens, ledger)
    finally:
        stop.set()
        stack.stop()
    return {
        "kills": dict(counts),
        **result,
        "seed": seed,
        "seconds": round(time.monotonic() - started, 1),
        "given_up": ledger.gave_up[:20],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kills", type=int, default=int(os.environ.get("CHAOS_KILLS", "20")))
    parser.add_argument("--flows", type=int, default=int(os.environ.get("CHAOS_FLOWS", "24")))
    parser.add_argument("--seed", type=int, default=int(os.environ.get("CHAOS_SEED", str(int(time.time())))))
    parser.add_argument("--var-dir", type=Path, default=ROOT / "var" / "chaos")
    args = parser.parse_args()
    import shutil

    shutil.rmtree(args.var_dir, ignore_errors=True)
    args.var_dir.mkdir(parents=True)
    result = asyncio.run(campaign(args.var_dir, kills=args.kills, flows=args.flows, seed=args.seed))
    out = ROOT / "var" / "chaos.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    print(json.dumps(result, indent=2, ensure_ascii=False))
    held = not any(
        result[k]
        for k in (
            "lost_events",
            "events_without_accepted_command",
            "duplicate_mails",
            "missing_mails",
            "stuck_totals",
            "duplicate_ledger_entries",
            "commands_given_up",
        )
    )
    sys.exit(0 if held and result["replay_equal"] and result["chains_verified"] else 1)


if __name__ == "__main__":
    main()
