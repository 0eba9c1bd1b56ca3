"""The bank file of a collection: ISO 20022 pain.008.001.02 (SEPA B2B direct debits), written by sepaxml and
validated by it against the official schema it ships.

The file is written from the `CollectionFileIssued` event alone, so the same file comes out every time it is
downloaded: its message id is the file's id (a bank refuses a message id it already took), and the creation time
and the batch ids are the event's, not the moment of the download.
"""

from __future__ import annotations

from datetime import UTC
from decimal import Decimal

from lxml import etree
from sepaxml import SepaDD
from sepaxml.validation import try_valid_xml

from contracts.events.collection import CollectionFileIssued
from declarations.domain.collection.creditor import Creditor

SCHEMA = "pain.008.001.02"
NS = {"p": f"urn:iso:std:iso:20022:tech:xsd:{SCHEMA}"}


def cents(amount: Decimal) -> int:
    return int((amount * 100).to_integral_exact())


def pain008(file: CollectionFileIssued, creditor: Creditor) -> bytes:
    config = {
        "name": creditor.name,
        "IBAN": creditor.iban,
        "BIC": creditor.bic,
        "batch": True,
        "creditor_id": creditor.creditor_id,
        "currency": "EUR",
        "instrument": "B2B",
    }
    sepa = SepaDD(config, schema=SCHEMA, clean=True)
    for debit in file.debits:
        sepa.add_payment(
            {
                "name": debit.holder,
                "IBAN": debit.iban,
                "BIC": debit.bic,
                "amount": cents(debit.amount),
                "type": debit.sequence_type,
                "collection_date": file.collection_date,
                "mandate_id": debit.rum,
                "mandate_date": debit.signed_on,
                "description": f"Octroi de mer {debit.reference}",
                "endtoend_id": debit.end_to_end_id,
            }
        )
    return _stamped(sepa.export(validate=True), file)


def _stamped(xml: bytes, file: CollectionFileIssued) -> bytes:
    """The file's own ids and time in place of the random ones and the clock sepaxml puts in, checked again
    against the schema."""
    root = etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True))
    root.find("p:CstmrDrctDbtInitn/p:GrpHdr/p:MsgId", NS).text = file.file_id
    stamp = file.issued_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")  # UTC, in the form sepaxml writes
    root.find("p:CstmrDrctDbtInitn/p:GrpHdr/p:CreDtTm", NS).text = stamp
    for number, batch in enumerate(root.iterfind("p:CstmrDrctDbtInitn/p:PmtInf", NS), start=1):
        batch.find("p:PmtInfId", NS).text = f"{file.file_id}-{number}"
        # one booking per debit, not one per batch: the statement then reports each debit with its end-to-end
        # id, which is how reconciliation knows which declaration it paid
        batch.find("p:BtchBookg", NS).text = "false"
    out: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    try_valid_xml(out, SCHEMA)
    return out
