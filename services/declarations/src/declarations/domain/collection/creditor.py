"""The customs' collection account of a territory, as payers and banks see it."""

from __future__ import annotations

from dataclasses import dataclass

from declarations.domain.collection.mandate import check_bic, check_iban


@dataclass(frozen=True)
class Creditor:
    """Where télépaiement debits and transfers are credited, and the SEPA creditor identifier (ICS) the direct
    debits present."""

    name: str
    iban: str
    bic: str
    creditor_id: str

    @classmethod
    def checked(cls, name: str, iban: str, bic: str, creditor_id: str) -> Creditor:
        """A creditor from reference data, its IBAN and BIC checked as a producer's are (a wrong account in a
        deployment's files fails at start, not at the first payment)."""
        return cls(name, check_iban(iban), check_bic(bic), creditor_id)
