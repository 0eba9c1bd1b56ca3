"""What the HTTP APIs accept in a string, said once: a length cap, and no character that could hide or
reorder text: control characters, every format character of Unicode (category Cf: bidirectional marks and
overrides, zero-width spaces, the soft hyphen, tags), lone surrogates, and U+FFFD, the mark of bytes that were
not UTF-8. The zero-width joiner and non-joiner (U+200C, U+200D) are format characters some scripts need
inside a word: they are admitted between two letters or marks, nowhere else.

A payment reference « TP-1\u200b » would otherwise look like « TP-1 » and be recorded as another.

Every string of every body, path and query uses one of these types, so the OpenAPI documents say the
limits (`maxLength`, and a `pattern` excluding those characters) and the server enforces exactly that,
with a French message and without echoing what was sent.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated

from pydantic import AfterValidator, Field

# C0 and C1 controls, DEL, the format characters of the basic plane (Unicode 14, category Cf, less U+200C and
# U+200D: see JOINERS), U+FFFD (bytes that were not UTF-8), non-characters, and lone surrogates.
_HIDDEN = (
    "\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f"
    "\\u00ad\\u0600-\\u0605\\u061c\\u06dd\\u070f\\u0890\\u0891\\u08e2\\u180e\\u200b\\u200e\\u200f\\u202a-\\u202e"
    "\\u2060-\\u2064\\u2066-\\u206f\\ufeff\\ufff9-\\ufffb\\ufffd\\ufffe\\uffff"
)
# The format characters beyond the basic plane (JSON Schema patterns cannot name them portably).
_ASTRAL_FORMAT = (
    "\\U000110bd\\U000110cd\\U00013430-\\U00013438\\U0001bca0-\\U0001bca3"
    "\\U0001d173-\\U0001d17a\\U000e0001\\U000e0020-\\U000e007f"
)
_SURROGATES = "\\ud800-\\udfff"
_BREAKS = "\\t\\n\\r"
HIDDEN = re.compile(f"[{_HIDDEN}{_ASTRAL_FORMAT}{_SURROGATES}]")
JOINERS = re.compile("[\\u200c\\u200d]")
"""Zero-width non-joiner and joiner: needed inside a word by some scripts (Persian, Indic, emoji sequences)."""
BREAKS = re.compile(f"[{_BREAKS}]")

TEXT_PATTERN = f"^[^{_HIDDEN}]*$"
"""The JSON-schema pattern of a multi-line text (lone surrogates cannot be written in JSON Schema)."""
LINE_PATTERN = f"^[^{_HIDDEN}{_BREAKS}]*$"
IDENTIFIER_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$"
"""Ids the services give (streams, lines, attachments, questions): ASCII letters, digits and `._:-`."""

HIDDEN_MESSAGE = (
    "Ce champ contient un caractère invisible non admis (caractère de contrôle, de mise en forme ou de direction "
    "d'écriture, espace sans chasse) : retirez-le et saisissez de nouveau."
)
BROKEN_MESSAGE = "Ce champ contient des octets qui ne forment pas du texte (UTF-8 invalide) : saisissez-le de nouveau."
BREAK_MESSAGE = "Ce champ tient sur une ligne : les retours à la ligne et tabulations n'y sont pas admis."


def hidden_problem(value: str) -> str | None:
    """Why `value` cannot be taken as typed text (the French message), or None."""
    found = HIDDEN.search(value)
    if found is not None:
        return BROKEN_MESSAGE if found.group() == "\ufffd" else HIDDEN_MESSAGE
    for joiner in JOINERS.finditer(value):
        at = joiner.start()
        if not (0 < at < len(value) - 1 and _in_word(value[at - 1]) and _in_word(value[at + 1])):
            return HIDDEN_MESSAGE
    return None


def _in_word(char: str) -> bool:
    """A letter or mark of a script that joins (not Latin: « TP\u200dA » would look like « TPA »), or a
    pictograph of an emoji sequence."""
    category = unicodedata.category(char)
    if category in ("So", "Sk"):
        return True
    return category[0] in "LM" and not char.isascii() and not unicodedata.name(char, "").startswith("LATIN")


def visible_text(value: str) -> str:
    problem = hidden_problem(value)
    if problem is not None:
        raise ValueError(problem)
    return value


def one_line(value: str) -> str:
    visible_text(value)
    if BREAKS.search(value):
        raise ValueError(BREAK_MESSAGE)
    return value


def _line(max_length: int) -> object:
    return Field(max_length=max_length, json_schema_extra={"pattern": LINE_PATTERN})


def _text(max_length: int) -> object:
    return Field(max_length=max_length, json_schema_extra={"pattern": TEXT_PATTERN})


Code = Annotated[str, _line(40), AfterValidator(one_line)]
"""A code a person types (nomenclature, CANA, NAF, SIRET, a referential's code): checked further by the domain."""
Line = Annotated[str, _line(200), AfterValidator(one_line)]
"""A name, a place, a subject: one line."""
Paragraph = Annotated[str, _text(5_000), AfterValidator(visible_text)]
"""A question, an answer, grounds, a complement."""
LongText = Annotated[str, _text(20_000), AfterValidator(visible_text)]
"""A request's description, the service's answer."""
Identifier = Annotated[str, Field(min_length=1, max_length=128, pattern=IDENTIFIER_PATTERN)]
"""An id the services gave (in a path, a query or a body)."""
