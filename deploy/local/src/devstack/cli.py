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
from devstack import observe as observing
from devstack import spans
from devstack.bank_cli import bank
from devstack.stack import SERVICES, Stack

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


@app.command()
def observe(
    var_dir: Path = typer.Option(Path("var"), help="the `make run` directory"),
    port: int = typer.Option(observing.PROMETHEUS_PORT, help="Prometheus's web port"),
) -> None:
    """Prometheus (Debian's /usr/bin/prometheus) scraping the running `make run`, with the alert rules."""
    if not Path(observing.PROMETHEUS).exists():
        console.print("[red]Prometheus n'est pas installé : `sudo apt-get install prometheus` (paquet Debian).[/red]")
        raise typer.Exit(1)
    config_file = observing.write_config(var_dir, observing.ports())
    print(f"Prometheus : http://127.0.0.1:{port}/alerts (règles : {observing.ALERTS})", flush=True)  # not wrapped
    os.execv(observing.PROMETHEUS, observing.command(config_file, var_dir, port))


@app.command()
def stop(
    name: str = typer.Argument(..., help="le service à arrêter (declarations, taxcalc, essoc, notifier, portal)"),
    var_dir: Path = typer.Option(Path("var"), help="the `make run` directory"),
) -> None:
    """Stops one service of the running `make run` and keeps it stopped (its supervisor does not restart it)
    until `devstack start` (the drill of a service away)."""
    _known(name)
    held = var_dir / "held" / name
    held.parent.mkdir(parents=True, exist_ok=True)
    held.touch()
    print(f"{name} sera arrêté d'ici une seconde et le restera jusqu'à `uv run devstack start {name}`.")


@app.command()
def start(
    name: str = typer.Argument(..., help="le service à redémarrer"),
    var_dir: Path = typer.Option(Path("var"), help="the `make run` directory"),
) -> None:
    """Lets the supervisor of `make run` start again a service `devstack stop` held."""
    _known(name)
    (var_dir / "held" / name).unlink(missing_ok=True)
    print(f"{name} redémarre d'ici une seconde.")


def _known(name: str) -> None:
    if name not in SERVICES:
        console.print(f"[red]« {name} » n'est pas un service de `make run` : {', '.join(SERVICES)}.[/red]")
        raise typer.Exit(2)


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
    correlation_id: str = typer.Argument(
        ..., help="un identifiant de trace, de corrélation, de déclaration ou de demande"
    ),
    var_dir: Path = typer.Option(Path("var"), help="the `make run` directory, where tokens.json is"),
) -> None:
    """The spans of the traces the identifier names (var/traces), as trees with their timings and services;
    then, for a correlation id, the events it caused in each service's log as the demo auditor reads them
    (written there, or received), merged in time order."""
    found = _span_trees(var_dir / "traces", correlation_id)
    tokens_file = var_dir / "tokens.json"
    if not tokens_file.exists():
        if found:
            raise typer.Exit(0)
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
        raise typer.Exit(0 if found or len(silent) < len(urls) else 1)
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


def _span_trees(directory: Path, identifier: str) -> bool:
    """Prints the traces `identifier` names, as trees; whether there was any."""
    if not directory.is_dir():
        return False
    every = spans.read_spans(directory)
    named = spans.traces_named(every, identifier)
    for trace_id in named:
        for line in spans.render([s for s in every if s.trace_id == trace_id]):
            print(line)  # plain: rich would wrap the tree
        print()
    return bool(named)


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
