"""The command line every service gets: `serve`, `replay`, `verify`."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import typer
import uvicorn
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from chassis.audit import AuditReads, export_bundle
from chassis.dead_letters import DeadLetters, summary
from chassis.erasure import ErasureJob, ErasurePass, erase_subject
from chassis.service import Runtime, ServiceDefinition, create_app
from contracts.audit import load_private_key, public_key_entry
from contracts.envelope import utc_now
from contracts.errors import DomainError

console = Console(stderr=True)


def make_cli(build: Callable[[], ServiceDefinition]) -> typer.Typer:
    app = typer.Typer(add_completion=False, no_args_is_help=True)

    @app.command()
    def serve(host: str | None = None, port: int | None = None) -> None:
        """Runs the HTTP API, the outbox relay and the Kafka consumer."""
        definition = build()
        refusal = definition.settings.signing_problem() or definition.settings.durability_problem()
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
        """Checks the hash chain of every stream (any altered, removed or inserted event), then the seals:
        their chain and signatures, and that the log still gives the latest seal's root (a stream rewritten
        with a recomputed chain)."""
        broken, sealed = asyncio.run(_verify(build(), stream))
        if broken:
            for stream_id, problems in broken.items():
                for problem in problems:
                    console.print(f"[red]{stream_id}[/red] : {problem}")
            raise typer.Exit(1)
        console.print("[green]Toutes les chaînes sont intactes.[/green]")
        console.print(sealed)

    audit = typer.Typer(help="The audit trail: seals, exports for offline verification, traces.")
    app.add_typer(audit, name="audit")

    @audit.command("seal")
    def seal() -> None:
        """Seals the log now (signed with AUDIT_SIGNING_KEY)."""
        made = asyncio.run(_with_runtime(build(), lambda runtime: runtime.seals.seal_now()))
        if made is None:
            console.print("Rien à sceller : aucun événement depuis le dernier sceau, ou pas de clé de scellement.")
            return
        console.print(
            f"[green]Sceau n° {made.seq} : position {made.position}, {made.streams} flux, clé {made.key_id}.[/green]"
        )

    @audit.command("export")
    def export(
        out: Path = typer.Option(..., "--out", help="the bundle file to write (JSON Lines)"),
        stream: list[str] = typer.Option([], "--stream", help="a stream id (repeatable)"),
        stream_type: str | None = typer.Option(None, "--type", help="every stream of this type"),
        since: datetime | None = typer.Option(None, "--from", help="with an event since (UTC)"),
        until: datetime | None = typer.Option(None, "--to", help="with an event until (UTC)"),
    ) -> None:
        """Writes the streams chosen, the latest seal and the proofs that tie them, for
        `python -m contracts.verify BUNDLE --key KEYRING`."""
        if not stream and stream_type is None:
            console.print("[red]Choisissez des flux : --stream ID ou --type TYPE.[/red]")
            raise typer.Exit(2)
        try:
            note = asyncio.run(
                _with_runtime(build(), lambda r: export_bundle(r, out, stream, stream_type, _utc(since), _utc(until)))
            )
        except DomainError as refusal:
            console.print(f"[red]{refusal.detail}[/red]")
            raise typer.Exit(1) from None
        console.print(f"[green]{note}[/green]")

    @audit.command("trace")
    def trace(correlation: str) -> None:
        """The events of this service's log, and those it consumed, that carry a correlation id."""
        rows = asyncio.run(
            _with_runtime(
                build(), lambda r: AuditReads(r.db, r.definition.audit_folds).trace(correlation, territories=None)
            )
        )
        for row in rows:
            console.print(
                f"{row['occurred_at']}  {row['origin']:6}  {row['type']:24} {row['stream_id']} v{row['version']}"
            )
        console.print(f"{len(rows)} événement(s).")

    @audit.command("public-key")
    def public_key(not_before: datetime | None = typer.Option(None, "--not-before", help="valid from (UTC)")) -> None:
        """This service's signing key as a keyring entry (only its public half), to publish in the keyring."""
        definition = build()
        if not definition.settings.audit_signing_key:
            console.print("[red]Aucune clé de scellement configurée (AUDIT_SIGNING_KEY).[/red]")
            raise typer.Exit(2)
        entry = public_key_entry(
            load_private_key(definition.settings.audit_signing_key), definition.name, not_before=_utc(not_before)
        )
        print(entry.model_dump_json(indent=2))

    erasure = typer.Typer(help="Effacement de données personnelles par destruction de clé (décision 0031).")
    app.add_typer(erasure, name="erasure")

    @erasure.command("subject")
    def erase_one(
        subject: str = typer.Argument(..., help="identifiant de la personne (son identifiant de connexion)"),
        why: str = typer.Option(..., "--why", help="la demande accordée (sa référence) ou le motif"),
    ) -> None:
        """Erases one person's key on a granted request: every log then reads « [donnée effacée] »."""
        erased = asyncio.run(_with_runtime(build(), lambda r: erase_subject(r.keys, subject, why=why, now=utc_now())))
        if not erased:
            console.print("[yellow]Aucune clé pour cette personne (rien de chiffré, ou déjà effacée).[/yellow]")
            return
        console.print(f"[green]{len(erased)} clé(s) effacée(s) ; les vues seront reconstruites (erasure run).[/green]")

    @erasure.command("run")
    def erase_now() -> None:
        """The daily pass now: the due erasures of this service, then its views if keys were erased."""

        async def run(r: Runtime) -> ErasurePass:
            job = ErasureJob(
                r.db, r.keys, r.projector, r.store, utc_now, erase_due_subjects=r.settings.erasure_of_due_subjects
            )
            return await job.apply()

        done = asyncio.run(_with_runtime(build(), run))
        views = "reconstruites" if done.views_rebuilt else "inchangées"
        told = f"{done.subjects_erased} effacement(s) dû(s) fait(s), {done.keys_erased} clé(s) ; vues {views}."
        console.print(f"[green]{told}[/green]")

    return app


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


async def _with_runtime(definition: ServiceDefinition, work: Callable[[Runtime], Awaitable[Any]]) -> Any:
    runtime = Runtime(definition)
    try:
        await runtime.start_storage()
        return await work(runtime)
    finally:
        await runtime.client.close()


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


async def _verify(definition: ServiceDefinition, stream: str | None) -> tuple[dict[str, list[str]], str]:
    """The streams whose chain is broken, and what the seals say (a problem of theirs under « sceaux »)."""
    runtime = Runtime(definition)
    try:
        ids = [stream] if stream else await runtime.store.stream_ids()
        broken: dict[str, list[str]] = {}
        for stream_id in ids:
            problems = await runtime.store.verify_stream(stream_id)
            if problems:
                broken[stream_id] = problems
        if stream is not None:
            return broken, "Sceaux non vérifiés (un seul flux demandé)."
        seal_problems = await runtime.seals.verify()
        if seal_problems:
            broken["sceaux"] = seal_problems
        latest = await runtime.seals.latest()
        if latest is None:
            return broken, "Aucun sceau : les chaînes ne sont garanties que contre une altération maladroite."
        return broken, (
            f"{latest.label} (position {latest.position}, {latest.streams} flux, clé {latest.key_id}) : "
            "le journal le confirme."
        )
    finally:
        await runtime.client.close()
