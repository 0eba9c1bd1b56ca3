"""References people read and banks match: a declaration's human reference and its ISO 11649 creditor reference.

A declaration is known inside the system by its stream id (`decl-rel-974-0001-2026-Q3`); producers, accountants
and banks read « OM-974-2026-T3-0974000789 »: the tax, the territory, the period and the relation's number at the
customs office, the words of the manual's receipt. A payment by transfer quotes the same reference as an ISO 11649
structured creditor reference (« RF » and two check digits), which banks carry unchanged in the statement and
check as they are typed: a typing mistake is refused by the payer's bank, not matched to someone else.
"""

from __future__ import annotations

from stdnum import iso11649
from stdnum.iso7064 import mod_97_10

from contracts.errors import DomainError


def declaration_reference(territory: str, year: int, quarter: int, relation_number: str, corrective: int = 0) -> str:
    """« OM-974-2026-T3-0974000789 »; a déclaration rectificative adds its number: « …-R1 »."""
    reference = f"OM-{territory}-{year}-T{quarter}-{relation_number}"
    return f"{reference}-R{corrective}" if corrective else reference


def creditor_reference(territory: str, year: int, quarter: int, relation_number: str, corrective: int = 0) -> str:
    """The ISO 11649 creditor reference of a declaration (or of a rectificative's supplement), printed in groups of
    four as the standard shows it: « RF41 9742 6T30 9740 0078 9 ». The standard allows 21 letters and digits after
    the check digits: the territory, the year's last two digits, the quarter, the relation's number and the
    rectificative's number fit (« OM » and the century would not, with a rectificative)."""
    body = f"{territory}{year % 100:02d}T{quarter}{relation_number}" + (f"R{corrective}" if corrective else "")
    if len(body) > 21 or not body.isascii() or not body.isalnum():
        raise ValueError(f"no ISO 11649 reference for {body!r}: 1 to 21 ASCII letters and digits")
    # ISO 11649 § 6: the check digits make « body + RF + digits » ≡ 1 (mod 97), letters counted A=10 … Z=35.
    digits = mod_97_10.calc_check_digits(body.upper() + "RF")
    return str(iso11649.format("RF" + digits + body.upper()))


def read_creditor_reference(text: str, *, field: str = "reference") -> str:
    """A creditor reference as a payer typed or a bank reported it, compacted (« RF4197426T30974000789 »);
    a wrong check digit is refused with a French message."""
    try:
        return iso11649.validate(text)
    except iso11649.ValidationError:
        raise DomainError(
            "Cette référence n'est pas une référence de créancier valide (« RF » suivi de deux chiffres de "
            "contrôle) : vérifiez-la sur la déclaration.",
            field=field,
        ) from None
