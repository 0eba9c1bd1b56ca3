"""`devstack banque`: the SIMULATED bank's statement for a pain.008 file, in development only (see `bank.py`)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

import typer

from devstack.bank import Statement, Transfer, camt053, debits_of

bank = typer.Typer(
    add_completion=False, no_args_is_help=True, help="SIMULATEUR de la banque de la recette (développement)"
)


@bank.command("releve")
def statement(
    account: str = typer.Option(..., "--compte", help="l'IBAN du compte de recette (creditor.yaml du territoire)"),
    debits: Path | None = typer.Option(None, "--prelevements", help="un fichier pain.008 téléchargé"),
    returned: list[str] = typer.Option([], "--rejet", help="END_TO_END_ID:MOTIF, par exemple OM974…:AM04"),
    transfers: list[str] = typer.Option([], "--virement", help="REFERENCE_RF:MONTANT, par exemple RF41…:250.00"),
    day: str = typer.Option(date.today().isoformat(), "--jour", help="jour de comptabilisation (AAAA-MM-JJ)"),
    out: Path = typer.Option(Path("var/releve.xml"), "--sortie", help="le relevé camt.053 écrit"),
) -> None:
    """Writes the camt.053 statement the bank would send: every debit of the file settled, except those returned
    with their reason code (booked on --jour), and the transfers quoting an RF reference."""
    booked = date.fromisoformat(day)
    presented = debits_of(debits.read_bytes()) if debits else []
    reasons = dict(item.split(":", 1) for item in returned)
    unknown = set(reasons) - {d.end_to_end_id for d in presented}
    if unknown:
        raise typer.BadParameter(f"pas dans le fichier de prélèvements : {', '.join(sorted(unknown))}")
    received = []
    for item in transfers:
        reference, _, amount = item.rpartition(":")
        try:
            received.append(Transfer(Decimal(amount), booked, "VIREMENT SIMULE", reference or None))
        except InvalidOperation:
            raise typer.BadParameter(f"montant illisible : {item}") from None
    statement = Statement(
        account=account.replace(" ", ""),
        statement_id=f"SIMU-{booked:%Y%m%d}-{datetime.now(UTC):%H%M%S}",
        created_at=datetime.now(UTC),
        credits=[d for d in presented if d.end_to_end_id not in reasons],
        returns=[(d, reasons[d.end_to_end_id], booked) for d in presented if d.end_to_end_id in reasons],
        transfers=received,
        booked_on=booked,
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(camt053(statement))
    typer.echo(f"Relevé SIMULÉ écrit dans {out} : à déposer dans le portail, espace comptable.")
