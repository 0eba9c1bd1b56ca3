"""`devstack run`: what `make run` calls."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from devstack.stack import Stack

app = typer.Typer(add_completion=False, no_args_is_help=True)
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
