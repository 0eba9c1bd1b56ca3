"""The bank files as a bank reads them: pain.008.001.02 valid against the ISO 20022 schema, the same bytes at
every download; camt.053.001.02 read from the official structures, hostile or foreign files refused in French."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
import sepaxml
from lxml import etree

from contracts.errors import DomainError
from contracts.events.collection import CollectionFileIssued, PresentedDebit
from declarations.adapters.camt053 import read_statements
from declarations.adapters.pain008 import pain008
from declarations.domain.collection.creditor import Creditor
from devstack.bank import Statement, Transfer, camt053, debits_of

CREDITOR = Creditor.checked(
    "Recette régionale des douanes de La Réunion", "FR063000100000009740000OM96", "BDFEFRPPCCT", "FR96ZZZ974DOM"
)
XSD = Path(sepaxml.__file__).parent / "schemas" / "pain.008.001.02.xsd"


def presented(e2e: str, amount: str, sequence: str, rum: str) -> PresentedDebit:
    return PresentedDebit(
        declaration_id=f"decl-{e2e}",
        reference=f"OM-974-2026-T3-{e2e[-10:]}",
        end_to_end_id=e2e,
        amount=Decimal(amount),
        sequence_type=sequence,  # type: ignore[arg-type]
        rum=rum,
        iban="FR7630006000011234567890189",
        bic="AGRIFRPPXXX",
        holder="Savonnerie Bourbon — usine du Port",
        signed_on=date(2026, 9, 30),
    )


FILE = CollectionFileIssued(
    file_id="DOMINO-974-20261026-001",
    collection_date=date(2026, 10, 26),
    issued_at=datetime(2026, 10, 22, 9, 30, tzinfo=UTC),
    issued_by="comptable-974",
    debits=[
        presented("OM9742026T30974000789", "1234.56", "FRST", "RUM-974-0001"),
        presented("OM9742026T30974000790", "0.01", "RCUR", "RUM-974-0002"),
    ],
)


def test_a_pain_008_file_is_valid_against_the_iso_20022_schema() -> None:
    schema = etree.XMLSchema(etree.parse(str(XSD)))
    document = etree.fromstring(pain008(FILE, CREDITOR))
    assert schema.validate(document), schema.error_log
    ns = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.008.001.02"}
    assert document.findtext("p:CstmrDrctDbtInitn/p:GrpHdr/p:MsgId", namespaces=ns) == FILE.file_id
    assert document.findtext("p:CstmrDrctDbtInitn/p:GrpHdr/p:CtrlSum", namespaces=ns) == "1234.57"
    assert {e.text for e in document.iterfind(".//p:LclInstrm/p:Cd", ns)} == {"B2B"}
    assert [e.text for e in document.iterfind(".//p:SeqTp", ns)] == ["FRST", "RCUR"]
    assert document.findtext(".//p:CdtrSchmeId//p:Othr/p:Id", namespaces=ns) == "FR96ZZZ974DOM"


def test_a_file_downloaded_again_is_the_same_file() -> None:
    """Its message id is the file's: a bank refuses the same file sent twice, and a re-download changes nothing."""
    assert pain008(FILE, CREDITOR) == pain008(FILE, CREDITOR)


def test_the_simulated_bank_reads_the_debits_the_file_presents() -> None:
    debits = debits_of(pain008(FILE, CREDITOR))
    assert [(d.end_to_end_id, d.amount, d.collection_date, d.rum) for d in debits] == [
        ("OM9742026T30974000789", Decimal("1234.56"), date(2026, 10, 26), "RUM-974-0001"),
        ("OM9742026T30974000790", Decimal("0.01"), date(2026, 10, 26), "RUM-974-0002"),
    ]


def statement() -> bytes:
    [settled, returned] = debits_of(pain008(FILE, CREDITOR))
    return camt053(
        Statement(
            account=CREDITOR.iban,
            statement_id="REL-974-20261028",
            created_at=datetime(2026, 10, 28, 6, tzinfo=UTC),
            credits=[settled],
            returns=[(returned, "AM04", date(2026, 10, 28))],
            transfers=[Transfer(Decimal("250.00"), date(2026, 10, 27), "SARL Y", "RF41 9742 6T30 9740 0078 9")],
        )
    )


def test_a_camt_053_statement_is_read_into_its_booked_movements() -> None:
    [read] = read_statements(statement())
    assert (read.statement_id, read.account) == ("REL-974-20261028", CREDITOR.iban)
    moves = [
        (m.direction, m.amount, m.end_to_end_id, m.return_reason_code, m.creditor_reference) for m in read.movements
    ]
    assert moves == [
        ("credit", Decimal("1234.56"), "OM9742026T30974000789", None, None),
        ("debit", Decimal("0.01"), "OM9742026T30974000790", "AM04", None),
        ("credit", Decimal("250.00"), None, None, "RF41 9742 6T30 9740 0078 9"),
    ]


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"not xml at all", "pas un fichier XML"),
        (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>', "DOCTYPE"),
        (b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.02"/>', "camt.054.001.02"),
        (b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><Nope/></Document>', "schéma"),
    ],
)
def test_a_file_that_is_not_a_camt_053_statement_is_refused_in_french(content: bytes, words: str) -> None:
    with pytest.raises(DomainError) as refused:
        read_statements(content)
    assert refused.value.field == "file" and words in refused.value.detail


def test_each_debit_is_booked_on_its_own_so_the_statement_names_it() -> None:
    ns = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.008.001.02"}
    document = etree.fromstring(pain008(FILE, CREDITOR))
    assert {e.text for e in document.iterfind(".//p:BtchBookg", ns)} == {"false"}


@pytest.mark.parametrize(
    ("old", "new", "words"), [('Ccy="EUR">0.01', 'Ccy="USD">0.01', "USD"), ("1234.56<", "-1234.56<", "montant")]
)
def test_an_entry_in_another_currency_or_without_a_positive_amount_is_refused(old: str, new: str, words: str) -> None:
    content = statement().decode().replace(old, new, 1).encode()
    with pytest.raises(DomainError) as refused:
        read_statements(content)
    assert words in refused.value.detail


def test_an_entry_without_a_bank_reference_keeps_its_id_from_one_file_to_the_next() -> None:
    first = statement().decode()
    stripped = re.sub(r"<AcctSvcrRef>[^<]*</AcctSvcrRef>", "", first).encode()
    [one] = read_statements(stripped)
    [two] = read_statements(stripped.decode().replace("REL-974-20261028", "REL-974-OTHER").encode())
    assert [m.entry_id for m in one.movements] == [m.entry_id for m in two.movements]
    assert len({m.entry_id for m in one.movements}) == 3
