"""Reading the customs' bank statements: ISO 20022 camt.053.001.02 (BankToCustomerStatement), the version French
banks deliver, read into the official message's structures (pyiso20022's bindings generated from the ISO schema,
parsed by xsdata), then into the booked movements reconciliation matches.

The file comes from a person's upload: no DOCTYPE (no entity can expand or reach out), a size cap, and any
element the schema does not define refused rather than skipped.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Literal

import pyiso20022.camt.camt_053_001_02 as camt
from lxml import etree
from xsdata.exceptions import ParserError
from xsdata.formats.dataclass.parsers import XmlParser
from xsdata.formats.dataclass.parsers.config import ParserConfig

from contracts.errors import DomainError
from declarations.domain.collection.reconciliation import BankMovement

NAMESPACE = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"
MAX_BYTES = 10 * 1024 * 1024
NOT_PROVIDED = "NOTPROVIDED"


@dataclass(frozen=True)
class BankStatement:
    statement_id: str
    account: str
    created_at: datetime
    movements: list[BankMovement]


def unreadable(why: str) -> DomainError:
    return DomainError(f"Ce relevé bancaire n'a pas pu être lu : {why}.", field="file")


def read_statements(content: bytes) -> list[BankStatement]:
    """Every statement of a camt.053 file, or a French refusal that says why it cannot be read."""
    if len(content) > MAX_BYTES:
        raise unreadable("le fichier dépasse 10 Mo")
    if b"<!DOCTYPE" in content.upper().replace(b" ", b"")[:4096] or b"<!ENTITY" in content.upper():
        raise unreadable("il déclare un DOCTYPE, qu'un relevé ISO 20022 n'a pas")
    try:
        root = etree.fromstring(content, etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False))
    except etree.XMLSyntaxError:
        raise unreadable("ce n'est pas un fichier XML") from None
    namespace = etree.QName(root).namespace
    if namespace != NAMESPACE:
        raise unreadable(
            f"le format « {namespace or 'sans espace de noms'} » n'est pas celui attendu (camt.053.001.02)"
        )
    try:
        document = XmlParser(config=ParserConfig(fail_on_unknown_properties=True)).from_bytes(content, camt.Document)
    except (ParserError, ValueError, TypeError) as error:
        raise unreadable(f"il ne suit pas le schéma camt.053.001.02 ({str(error)[:120]})") from None
    return [_statement(s) for s in document.bk_to_cstmr_stmt.stmt]


def _statement(statement: camt.AccountStatement2) -> BankStatement:
    account = statement.acct.id.iban or (statement.acct.id.othr.id if statement.acct.id.othr else "")
    movements: list[BankMovement] = []
    for entry in statement.ntry:
        if entry.sts.value != "BOOK":
            continue  # pending or information-only entries settle nothing
        movements += _movements(entry)
    return BankStatement(statement.id, account or "", _moment(statement.cre_dt_tm), movements)


def _amount(amount: camt.ActiveOrHistoricCurrencyAndAmount, where: str) -> Decimal:
    """An amount in euros, positive: the account is in euros and a statement's amounts carry no sign (the
    direction says which way it went)."""
    if amount.ccy != "EUR":
        raise unreadable(f"l'écriture {where} est en {amount.ccy}, pas en euros")
    value = Decimal(amount.value)
    if not value.is_finite() or value <= 0 or value != value.quantize(Decimal("0.01")):
        raise unreadable(f"l'écriture {where} a un montant invalide ({amount.value})")
    return value


def _movements(entry: camt.ReportEntry2) -> list[BankMovement]:
    direction: Literal["credit", "debit"] = "credit" if entry.cdt_dbt_ind.value == "CRDT" else "debit"
    # the value date is the day the money moved (the booking may be a day later): what the payment's date is
    booked = _day(entry.val_dt) or _day(entry.bookg_dt)
    where = entry.acct_svcr_ref or entry.ntry_ref or "sans référence"
    if booked is None:
        raise unreadable(f"l'écriture {where} n'a pas de date")
    total = _amount(entry.amt, where)
    # without the bank's reference, an id from what the entry says: the same entry in two files is one entry
    entry_id = entry.acct_svcr_ref or entry.ntry_ref or _content_id(entry, booked, total)
    transactions = [t for details in entry.ntry_dtls for t in details.tx_dtls]
    reversal = bool(entry.rvsl_ind)
    if not transactions:
        return [BankMovement(entry_id, direction, total, booked, reversal=reversal)]
    movements = []
    for index, tx in enumerate(transactions, start=1):
        amount = _transaction_amount(tx, where) if len(transactions) > 1 else total
        refs = tx.refs
        e2e = refs.end_to_end_id if refs and refs.end_to_end_id != NOT_PROVIDED else None
        remittance = tx.rmt_inf
        structured = [r.cdtr_ref_inf.ref for r in (remittance.strd if remittance else []) if r.cdtr_ref_inf]
        reason = tx.rtr_inf.rsn.cd if tx.rtr_inf and tx.rtr_inf.rsn else None
        debtor = tx.rltd_pties.dbtr.nm if tx.rltd_pties and tx.rltd_pties.dbtr else None
        movements.append(
            BankMovement(
                entry_id=entry_id if len(transactions) == 1 else f"{entry_id}-{index}",
                direction=direction,
                amount=amount,
                booked_on=booked,
                end_to_end_id=e2e,
                creditor_reference=next((r for r in structured if r), None),
                remittance=(" ".join(remittance.ustrd) or None) if remittance else None,
                debtor=debtor,
                return_reason_code=reason,
                reversal=reversal,
            )
        )
    return movements


def _transaction_amount(tx: camt.EntryTransaction2, where: str) -> Decimal:
    details = tx.amt_dtls
    for amount in (details.tx_amt, details.instd_amt) if details else ():
        if amount is not None:
            return _amount(amount.amt, where)
    raise unreadable("une opération d'un lot n'a pas de montant")


def _content_id(entry: camt.ReportEntry2, booked: date, amount: Decimal) -> str:
    details = [t for d in entry.ntry_dtls for t in d.tx_dtls]
    words = [entry.cdt_dbt_ind.value, booked.isoformat(), str(amount)]
    for tx in details:
        words += [tx.refs.end_to_end_id or "" if tx.refs else "", " ".join(tx.rmt_inf.ustrd) if tx.rmt_inf else ""]
    return "E" + hashlib.sha256("|".join(words).encode()).hexdigest()[:20]


def _day(choice: camt.DateAndDateTimeChoice | None) -> date | None:
    if choice is None:
        return None
    if choice.dt is not None:
        day: date = choice.dt.to_date()
        return day
    if choice.dt_tm is not None:
        moment: datetime = choice.dt_tm.to_datetime()
        return moment.date()
    return None


def _moment(value: object) -> datetime:
    moment: datetime = value.to_datetime()  # type: ignore[attr-defined]
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
