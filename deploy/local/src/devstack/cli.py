"""`devstack run`: what `make run` calls; `devstack trace`: a correlation id followed through its four services."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import typer
from rich.console import Console
from rich.table import Table

from contracts.types import TERRITORY_ZONES
from devstack.bank_cli import bank
from devstack.stack import Stack

app = typer.Typer(add_completion=False, no_args_is_help=True)
app.add_typer(bank, name="banque")
console = Console()


@app.callback()
def main() -> None:
    """The embedded stack of DOMINO-NG and OGDE."""


@app.command()
def run(var_dir: Path = typer.Option(Path("var"), help="data, logs, mail and tokens")) -> None:
    """Starts Kafka (Tansu), MongoDB (SecantusDB), an SMTP sink and the four services; Ctrl-C stops all."""
    stack = Stack(var_dir)
    stop = asyncio.Event()

    async def serve() -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        console.print("[bold]Démarrage de Kafka, MongoDB, SMTP, des quatre services et du portail…[/bold]")
        tariffs = await stack.start()
        _banner(stack, tariffs)
        await stack.supervise(stop, console.print)

    try:
        asyncio.run(serve())
    except KeyboardInterrupt:
        pass
    finally:
        # A second Ctrl-C or a SIGTERM while stopping must not cut the orderly stop short.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        console.print("Arrêt…")
        with contextlib.suppress(Exception):
            stack.stop()
        console.print("[green]Arrêté proprement. Les données restent dans var/.[/green]")


def _banner(stack: Stack, tariffs: dict[str, str]) -> None:
    console.print(
        f"[bold green]Ouvrez {stack.portal.url}[/bold green]"
        f" (connexion de démonstration : {stack.portal.url}/dev/connexion)"
    )
    table = Table(title="DOMINO-NG et OGDE — pile locale", show_lines=False)
    table.add_column("service")
    table.add_column("adresse")
    for service in stack.services:
        if service.name == "payfip":
            table.add_row("payfip (SIMULATEUR)", f"{service.url}/tpa/paiementws.web — aucune carte débitée")
            continue
        table.add_row(service.name, service.url if service.name == "portal" else f"{service.url}/docs")
    table.add_row("kafka (Tansu)", stack.kafka.bootstrap)
    table.add_row("mongodb (SecantusDB)", stack.mongo.address)
    table.add_row("smtp (aiosmtpd)", f"{stack.smtp.host}:{stack.smtp.port} → {stack.var_dir / 'mail'}")
    console.print(table)
    console.print(f"Tarifs de démonstration : {tariffs}")
    # Plain prints: rich would wrap the tokens, and a wrapped token cannot be copied.
    tokens = json.loads((stack.var_dir / "tokens.json").read_text())
    print(f"Jetons de démonstration (aussi dans {stack.var_dir / 'tokens.json'}) :")
    for name, token in tokens.items():
        print(f"  {name:<10} {token}")
    print("Exemple :")
    print(
        f'  curl -H "Authorization: Bearer {tokens["declarant"]}" {stack.service("declarations").url}/api/v1/relations'
    )
    console.print(f"[bold]Portail : {stack.portal.url} — Ctrl-C pour tout arrêter.[/bold]")


DEFAULT_PORTS = {"declarations": 8001, "taxcalc": 8002, "essoc": 8003, "notifier": 8004}
"""Where `make run` puts the services unless `<NAME>_PORT` says otherwise (as `Stack` reads them)."""
AUDITED = {
    "declarations": "Déclarations",
    "taxcalc": "Calcul des taxes",
    "essoc": "Demandes ESSOC",
    "notifier": "Courriels",
}
"""The services whose logs a trace reads, in the order a declaration or a request travels through them."""
ORIGINS = {"propre": "écrit ici", "reçu": "reçu"}


@app.command()
def trace(
    correlation_id: str = typer.Argument(..., help="l'identifiant de corrélation à suivre"),
    var_dir: Path = typer.Option(Path("var"), help="the `make run` directory, where tokens.json is"),
) -> None:
    """Follows a correlation id through the four services of `make run`, as the demo auditor: the events it
    caused in each log (written there, or received), merged in time order."""
    tokens_file = var_dir / "tokens.json"
    if not tokens_file.exists():
        console.print(f"[red]Aucun jeton dans {tokens_file} : lancez d'abord `make run`.[/red]")
        raise typer.Exit(1)
    token = json.loads(tokens_file.read_text())["auditor"]
    # Not a `Stack`: building one rewrites the keyring the running services read.
    urls = {
        name: f"http://127.0.0.1:{os.environ.get(f'{name.upper()}_PORT', port)}" for name, port in DEFAULT_PORTS.items()
    }
    rows, silent = asyncio.run(correlation_trace(urls, token, correlation_id))
    for name, reason in silent.items():
        console.print(f"[yellow]{AUDITED[name]} n'a pas répondu ({reason}) : ses événements manquent.[/yellow]")
    if not rows:
        console.print(f"Aucun événement ne porte la corrélation {correlation_id}.")
        raise typer.Exit(0 if len(silent) < len(urls) else 1)
    table = Table(title=f"Trace de la corrélation {correlation_id}")
    for heading in (
        "Date (heure du territoire)",
        "Service",
        "Origine",
        "Événement",
        "Flux",
        "Version",
        "Par",
        "Empreinte",
    ):
        table.add_column(heading)
    for row in rows:
        zone = TERRITORY_ZONES.get(row["territory"], TERRITORY_ZONES["971"])
        table.add_row(
            datetime.fromisoformat(row["occurred_at"]).astimezone(zone).strftime("%d/%m/%Y %H:%M:%S"),
            AUDITED[row["service"]],
            ORIGINS.get(row["origin"], row["origin"]),
            row["type"],
            row["stream_id"],
            str(row["version"]),
            f"{row['actor']['role']} {row['actor']['id']}",
            row["hash"][:12],
        )
    console.print(table)
    seen = [AUDITED[name] for name in AUDITED if any(r["service"] == name for r in rows)]
    console.print(f"{len(rows)} événement(s), dans : {', '.join(seen)}.")


async def correlation_trace(
    urls: dict[str, str], token: str, correlation_id: str
) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """Every service's `/audit/trace` rows, each marked with its service, in time order (at the same instant,
    the service that wrote an event before those that received it); and the services that did not answer."""
    path = f"/api/v1/audit/trace/{quote(correlation_id, safe='')}"
    headers = {"Authorization": f"Bearer {token}"}

    async def read(client: httpx.AsyncClient, name: str) -> list[dict[str, Any]]:
        response = await client.get(urls[name] + path, headers=headers)
        response.raise_for_status()
        return [{**row, "service": name} for row in response.json()["items"]]

    async with httpx.AsyncClient(timeout=15) as client:
        answers = await asyncio.gather(*(read(client, name) for name in urls), return_exceptions=True)
    rows: list[dict[str, Any]] = []
    silent: dict[str, str] = {}
    for name, answer in zip(urls, answers, strict=True):
        if isinstance(answer, httpx.HTTPStatusError):
            silent[name] = f"HTTP {answer.response.status_code}"
        elif isinstance(answer, httpx.HTTPError):
            silent[name] = type(answer).__name__
        elif isinstance(answer, BaseException):
            raise answer
        else:
            rows += answer
    order = list(AUDITED)
    rows.sort(
        key=lambda r: (
            datetime.fromisoformat(r["occurred_at"]),
            r["origin"] != "propre",
            order.index(r["service"]),
            r["version"],
        )
    )
    return rows, silent
