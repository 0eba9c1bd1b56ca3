"""The command line every service gets: `serve`, `replay`, `verify`."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import typer
import uvicorn
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from chassis.dead_letters import DeadLetters, summary
from chassis.service import Runtime, ServiceDefinition, create_app
from contracts.errors import DomainError

console = Console(stderr=True)


def make_cli(build: Callable[[], ServiceDefinition]) -> typer.Typer:
    app = typer.Typer(add_completion=False, no_args_is_help=True)

    @app.command()
    def serve(host: str | None = None, port: int | None = None) -> None:
        """Runs the HTTP API, the outbox relay and the Kafka consumer."""
        definition = build()
        refusal = definition.settings.signing_problem()
        if refusal:
            console.print(f"[red]{refusal}[/red]")
            raise typer.Exit(2)
        uvicorn.run(
            create_app(definition),
            host=host or definition.settings.http_host,
            port=port or definition.settings.http_port,
            log_level="warning",
            access_log=False,
        )

    @app.command()
    def replay(
        projection: str | None = typer.Option(None, help="only this read model"),
        as_of: datetime | None = typer.Option(None, "--as-of", help="fold events up to this date (UTC)"),
    ) -> None:
        """Drops the read models and rebuilds them from this service's own log."""
        cutoff = as_of.replace(tzinfo=UTC) if as_of and as_of.tzinfo is None else as_of
        count = asyncio.run(_replay(build(), projection, cutoff))
        console.print(f"[green]{count} événements rejoués.[/green]")

    letters = typer.Typer(help="Dead letters: consumed records this service could not process.")
    app.add_typer(letters, name="dead-letters")

    @letters.command("list")
    def list_letters(replayed: bool = typer.Option(False, help="the ones already replayed")) -> None:
        """Lists the parked records, oldest first."""
        total, items = asyncio.run(_letters(build(), lambda dl, _: dl.list(state="replayed" if replayed else "parked")))
        for item in items:
            event = item["event"] or {}
            console.print(f"{item['id']}  {event.get('type', '?')}  {event.get('stream_id', '')}  {item['error']}")
        console.print(f"{total} lettre(s) morte(s).")

    @letters.command("show")
    def show_letter(letter: str) -> None:
        """One parked record: where it came from, why it failed, the event it carries."""
        doc = asyncio.run(_letters(build(), lambda dl, _: dl.get(letter)))
        console.print_json(data=summary(doc))

    @letters.command("replay")
    def replay_letter(letter: str) -> None:
        """Processes the record again (once its cause is fixed); it stays parked if it fails again."""

        async def run(dl: DeadLetters, runtime: Runtime) -> Any:
            assert runtime.consumer is not None
            return await dl.replay(letter, runtime.consumer.process)

        try:
            outcome = asyncio.run(_letters(build(), run))
        except DomainError as refusal:
            console.print(f"[red]{refusal.detail}[/red]")
            raise typer.Exit(1) from None
        console.print(f"[green]{letter} rejouée : {outcome.get('state')}.[/green]")

    @app.command()
    def verify(stream: str | None = typer.Option(None, help="one stream id; all streams if omitted")) -> None:
        """Checks the hash chain of every stream: any altered, removed or inserted event is reported."""
        broken = asyncio.run(_verify(build(), stream))
        if broken:
            for stream_id, problems in broken.items():
                for problem in problems:
                    console.print(f"[red]{stream_id}[/red] : {problem}")
            raise typer.Exit(1)
        console.print("[green]Toutes les chaînes sont intactes.[/green]")

    return app


async def _replay(definition: ServiceDefinition, projection: str | None, as_of: datetime | None) -> int:
    runtime = Runtime(definition)
    try:
        await runtime.start_storage()
        total = await runtime.store.count_log()
        with Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=console,
        ) as progress:
            task = progress.add_task(f"Rejeu {definition.name}", total=total)
            return await runtime.projector.replay(
                runtime.store,
                projection=projection,
                as_of=as_of,
                progress=lambda n: progress.update(task, completed=n),
            )
    finally:
        await runtime.client.close()


async def _letters(definition: ServiceDefinition, work: Callable[[DeadLetters, Runtime], Awaitable[Any]]) -> Any:
    runtime = Runtime(definition)
    try:
        await runtime.wire()
        assert runtime.consumer is not None
        letters = runtime.consumer.dead_letters
        return await work(letters, runtime)
    finally:
        await runtime.client.close()


async def _verify(definition: ServiceDefinition, stream: str | None) -> dict[str, list[str]]:
    runtime = Runtime(definition)
    try:
        ids = [stream] if stream else await runtime.store.stream_ids()
        broken: dict[str, list[str]] = {}
        for stream_id in ids:
            problems = await runtime.store.verify_stream(stream_id)
            if problems:
                broken[stream_id] = problems
        return broken
    finally:
        await runtime.client.close()
