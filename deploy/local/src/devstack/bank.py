"""SIMULATOR — the customs' bank, for development and tests only: it reads a pain.008 file of direct debits as a
bank would and writes back the camt.053 statement a bank would send: each debit credited on its collection date,
or returned with an ISO reason code; and transfers (virements) quoting a creditor reference. Real statements come
from the bank; nothing in production uses this module.

Both files are ISO 20022 messages built from the official structures (pyiso20022's bindings of the ISO schemas,
serialised by xsdata), never strings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

import pyiso20022.camt.camt_053_001_02 as camt
from lxml import etree
from xsdata.formats.dataclass.serializers import XmlSerializer
from xsdata.formats.dataclass.serializers.config import SerializerConfig
from xsdata.models.datatype import XmlDate, XmlDateTime

NAMESPACE = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"
PAIN = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.008.001.02"}


@dataclass(frozen=True)
class Debit:
    """A debit as the pain.008 file presented it."""

    end_to_end_id: str
    amount: Decimal
    collection_date: date
    debtor: str
    rum: str


@dataclass(frozen=True)
class Transfer:
    """A transfer received, quoting a creditor reference (structured) or only free text."""

    amount: Decimal
    booked_on: date
    debtor: str
    creditor_reference: str | None = None
    remittance: str | None = None


@dataclass
class Statement:
    """What the simulated bank books on the customs' account over a day or a period."""

    account: str
    statement_id: str
    created_at: datetime
    credits: list[Debit] = field(default_factory=list)
    returns: list[tuple[Debit, str, date]] = field(default_factory=list)
    transfers: list[Transfer] = field(default_factory=list)
    booked_on: date | None = None
    """The day the debits are credited (their collection date when None)."""


def debits_of(pain008: bytes) -> list[Debit]:
    """The debits of a pain.008.001.02 file, read as the bank reads them."""
    root = etree.fromstring(pain008, etree.XMLParser(resolve_entities=False, no_network=True))
    debits = []
    for batch in root.iterfind(".//p:PmtInf", PAIN):
        day = date.fromisoformat(batch.findtext("p:ReqdColltnDt", namespaces=PAIN) or "")
        for tx in batch.iterfind("p:DrctDbtTxInf", PAIN):
            debits.append(
                Debit(
                    end_to_end_id=tx.findtext("p:PmtId/p:EndToEndId", namespaces=PAIN) or "",
                    amount=Decimal(tx.findtext("p:InstdAmt", namespaces=PAIN) or "0"),
                    collection_date=day,
                    debtor=tx.findtext("p:Dbtr/p:Nm", namespaces=PAIN) or "",
                    rum=tx.findtext("p:DrctDbtTx/p:MndtRltdInf/p:MndtId", namespaces=PAIN) or "",
                )
            )
    return debits


def camt053(statement: Statement) -> bytes:
    """The statement as a camt.053.001.02 message."""
    entries = [_debit_settled(d, i, statement.booked_on) for i, d in enumerate(statement.credits, start=1)]
    entries += [_debit_returned(d, code, day, i) for i, (d, code, day) in enumerate(statement.returns, start=1)]
    entries += [_transfer(t, i) for i, t in enumerate(statement.transfers, start=1)]
    created = XmlDateTime.from_datetime(statement.created_at)
    document = camt.Document(
        bk_to_cstmr_stmt=camt.BankToCustomerStatementV02(
            grp_hdr=camt.GroupHeader42(msg_id=f"SIMU-{statement.statement_id}", cre_dt_tm=created),
            stmt=[
                camt.AccountStatement2(
                    id=statement.statement_id,
                    cre_dt_tm=created,
                    acct=camt.CashAccount20(id=camt.AccountIdentification4Choice(iban=statement.account)),
                    ntry=entries,
                )
            ],
        )
    )
    serializer = XmlSerializer(config=SerializerConfig(indent="  "))
    return serializer.render(document, ns_map={None: NAMESPACE}).encode()


def _amount(value: Decimal) -> camt.ActiveOrHistoricCurrencyAndAmount:
    return camt.ActiveOrHistoricCurrencyAndAmount(value=value.quantize(Decimal("0.01")), ccy="EUR")


def _code(domain: str, family: str, sub: str) -> camt.BankTransactionCodeStructure4:
    return camt.BankTransactionCodeStructure4(
        domn=camt.BankTransactionCodeStructure5(
            cd=domain, fmly=camt.BankTransactionCodeStructure6(cd=family, sub_fmly_cd=sub)
        )
    )


def _entry(
    ref: str, amount: Decimal, credit: bool, day: date, code: camt.BankTransactionCodeStructure4, tx: object
) -> camt.ReportEntry2:
    return camt.ReportEntry2(
        amt=_amount(amount),
        cdt_dbt_ind=camt.CreditDebitCode.CRDT if credit else camt.CreditDebitCode.DBIT,
        sts=camt.EntryStatus2Code.BOOK,
        bookg_dt=camt.DateAndDateTimeChoice(dt=XmlDate.from_date(day)),
        val_dt=camt.DateAndDateTimeChoice(dt=XmlDate.from_date(day)),
        acct_svcr_ref=ref,
        bk_tx_cd=code,
        ntry_dtls=[camt.EntryDetails1(tx_dtls=[tx])],
    )


def _debit_settled(debit: Debit, index: int, booked_on: date | None) -> camt.ReportEntry2:
    tx = camt.EntryTransaction2(
        refs=camt.TransactionReferences2(end_to_end_id=debit.end_to_end_id, mndt_id=debit.rum),
        rltd_pties=camt.TransactionParty2(dbtr=camt.PartyIdentification32(nm=debit.debtor)),
    )
    day = booked_on or debit.collection_date
    ref = f"SIMU-PRLV-{day:%Y%m%d}-{index:04d}"
    return _entry(ref, debit.amount, True, day, _code("PMNT", "RDDT", "BBDD"), tx)


def _debit_returned(debit: Debit, reason: str, day: date, index: int) -> camt.ReportEntry2:
    tx = camt.EntryTransaction2(
        refs=camt.TransactionReferences2(end_to_end_id=debit.end_to_end_id, mndt_id=debit.rum),
        rltd_pties=camt.TransactionParty2(dbtr=camt.PartyIdentification32(nm=debit.debtor)),
        rtr_inf=camt.ReturnReasonInformation10(rsn=camt.ReturnReason5Choice(cd=reason)),
    )
    ref = f"SIMU-RJCT-{day:%Y%m%d}-{index:04d}"
    return _entry(ref, debit.amount, False, day, _code("PMNT", "RDDT", "UPDD"), tx)


def _transfer(transfer: Transfer, index: int) -> camt.ReportEntry2:
    structured = (
        [
            camt.StructuredRemittanceInformation7(
                cdtr_ref_inf=camt.CreditorReferenceInformation2(
                    tp=camt.CreditorReferenceType2(
                        cd_or_prtry=camt.CreditorReferenceType1Choice(cd=camt.DocumentType3Code.SCOR)
                    ),
                    ref=transfer.creditor_reference,
                )
            )
        ]
        if transfer.creditor_reference
        else []
    )
    tx = camt.EntryTransaction2(
        refs=camt.TransactionReferences2(end_to_end_id="NOTPROVIDED"),
        rltd_pties=camt.TransactionParty2(dbtr=camt.PartyIdentification32(nm=transfer.debtor)),
        rmt_inf=camt.RemittanceInformation5(
            ustrd=[transfer.remittance] if transfer.remittance else [], strd=structured
        ),
    )
    ref = f"SIMU-VIR-{transfer.booked_on:%Y%m%d}-{index:04d}"
    return _entry(ref, transfer.amount, True, transfer.booked_on, _code("PMNT", "RCDT", "ESCT"), tx)
