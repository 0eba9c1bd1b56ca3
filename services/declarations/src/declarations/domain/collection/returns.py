"""Why a direct debit came back: the ISO 20022 return reason codes a bank statement carries, said in French.

ISO 20022 External Code Sets, ExternalReturnReason1Code (the codes the EPC SDD rulebooks allow for R-transactions,
« Reason codes for R-transactions », EPC guidance document EPC173-14).
"""

from __future__ import annotations

RETURN_REASONS: dict[str, str] = {
    "AC01": "numéro de compte incorrect",
    "AC04": "compte clôturé",
    "AC06": "compte bloqué",
    "AC13": "le compte débité n'est pas celui d'une entreprise",
    "AG01": "opération interdite sur ce compte",
    "AG02": "code opération incorrect",
    "AM04": "provision insuffisante",
    "AM05": "opération en double",
    "BE05": "créancier non reconnu",
    "CNOR": "banque du créancier non joignable",
    "DNOR": "banque du débiteur non joignable",
    "FF01": "fichier invalide",
    "MD01": "pas de mandat",
    "MD02": "informations du mandat manquantes ou erronées",
    "MD07": "titulaire du compte décédé",
    "MS02": "refusé par le débiteur",
    "MS03": "raison non précisée par la banque",
    "RC01": "BIC incorrect",
    "RR01": "identification du débiteur manquante",
    "RR02": "nom ou adresse du débiteur manquant",
    "RR03": "nom ou adresse du créancier manquant",
    "RR04": "raison réglementaire",
    "SL01": "service particulier de la banque du débiteur",
}


def return_reason(code: str) -> str:
    """The reason in French; an unknown code is shown as the bank gave it."""
    return RETURN_REASONS.get(code.strip().upper(), f"motif bancaire {code.strip().upper()}")
