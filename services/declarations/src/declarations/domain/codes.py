"""Product and activity codes of a declaration line: nomenclature (NC8/TARIC10), CANA and NAF rév. 2.

Each `normalize_*` function returns the code in its canonical form or refuses it with a French message.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from importlib import resources
from types import MappingProxyType

from contracts import french
from contracts.errors import DomainError

NOMENCLATURE_PATTERN = re.compile(r"[0-9]{8}|[0-9]{10}")
"""NC8 (combined nomenclature), or TARIC10 when the good is so listed on lists A, B or C annexed to
décision n° 940/2014/UE (the manual, « Annexe A - Ventes internes »)."""

NOMENCLATURE_SEPARATORS = re.compile("[\\s.\u00a0\u202f]+", re.ASCII)
"""Spaces (no-break ones too, as French spreadsheets write them) and dots people type inside a code
("2204 10 11", "2204.10.11") carry no meaning."""

CANA_PATTERN = re.compile(r"Z[0-9A-Z]{3}")
"""Code additionnel national, « CANA de série Z » (the manual): a Z followed by three letters or digits."""

NAF_PATTERN = re.compile(r"[0-9]{2}\.[0-9]{2}[A-Z]")
"""A NAF rév. 2 sub-class as INSEE writes it: `NN.NNL`, e.g. 10.71C."""

_NAF_COMPACT = re.compile(r"([0-9]{2})([0-9]{2}[A-Z])")
"""The same code without its dot, as SIRENE stores it (1071C)."""

NAF_DATA_FILE = "naf_rev2.txt"


def normalize_nomenclature(raw: str) -> str:
    """The 8 or 10 digits of a nomenclature code, separators removed."""
    code = NOMENCLATURE_SEPARATORS.sub("", raw or "")
    if not code:
        raise DomainError("La nomenclature est obligatoire.", field="nomenclature")
    if not NOMENCLATURE_PATTERN.fullmatch(code):
        raise DomainError(
            f"La nomenclature « {french.echo(raw)} » doit comporter 8 chiffres (nomenclature combinée) "
            "ou 10 chiffres (code TARIC).",
            field="nomenclature",
        )
    return code


def normalize_cana(raw: str | None) -> str | None:
    """The CANA in capitals, or None when none was given (the CANA is optional)."""
    if raw is None or not raw.strip():
        return None
    code = raw.strip().upper()
    if not CANA_PATTERN.fullmatch(code):
        raise DomainError(
            f"Le CANA « {french.echo(raw)} » doit être un code additionnel national de série Z : "
            "la lettre Z suivie de 3 lettres ou chiffres (ex. Z001).",
            field="cana",
        )
    return code


def normalize_naf(raw: str | None) -> str | None:
    """The NAF rév. 2 sub-class as `NN.NNL`, checked against the official list; None when none was given."""
    if raw is None or not raw.strip():
        return None
    code = raw.strip().upper()
    compact = _NAF_COMPACT.fullmatch(code)
    if compact:
        code = f"{compact.group(1)}.{compact.group(2)}"
    if not NAF_PATTERN.fullmatch(code):
        raise DomainError(f"Le code NAF « {french.echo(raw)} » doit avoir la forme 99.99A (ex. 10.71C).", field="naf")
    if code not in naf_subclasses():
        raise DomainError(
            f"Le code NAF « {code} » n'existe pas dans la nomenclature d'activités française (NAF rév. 2).",
            field="naf",
        )
    return code


def naf_label(code: str) -> str | None:
    """The INSEE label of a NAF rév. 2 sub-class, or None when the code is not in the list."""
    return naf_subclasses().get(code)


@cache
def naf_subclasses() -> Mapping[str, str]:
    """The 732 sub-classes of NAF rév. 2 (décret n° 2007-1888), code → label, read once from the package."""
    text = resources.files(__name__.rpartition(".")[0]).joinpath(NAF_DATA_FILE).read_text(encoding="utf-8")
    subclasses: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        code, label = line.split("\t", 1)
        subclasses[code] = label
    return MappingProxyType(subclasses)
