"""What the HTTP APIs accept in a string, said once: a length cap, and no character that could hide or
reorder text (control characters, bidirectional overrides, lone surrogates).

Every string of every body, path and query uses one of these types, so the OpenAPI documents say the
limits (`maxLength`, and a `pattern` excluding those characters) and the server enforces exactly that,
with a French message and without echoing what was sent.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, Field

# C0 and C1 controls, DEL, the bidirectional marks and overrides (U+061C, U+200E/F, U+202A–E, U+2066–9),
# byte-order marks inside text, non-characters, and lone surrogates (not text at all).
_HIDDEN = (
    "\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f"
    "\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069\\ufeff\\ufffe\\uffff"
)
_SURROGATES = "\\ud800-\\udfff"
_BREAKS = "\\t\\n\\r"
HIDDEN = re.compile(f"[{_HIDDEN}{_SURROGATES}]")
BREAKS = re.compile(f"[{_BREAKS}]")

TEXT_PATTERN = f"^[^{_HIDDEN}]*$"
"""The JSON-schema pattern of a multi-line text (lone surrogates cannot be written in JSON Schema)."""
LINE_PATTERN = f"^[^{_HIDDEN}{_BREAKS}]*$"
IDENTIFIER_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$"
"""Ids the services give (streams, lines, attachments, questions): ASCII letters, digits and `._:-`."""

HIDDEN_MESSAGE = "Ce champ contient un caractère non admis (caractère de contrôle ou de direction d'écriture)."
BREAK_MESSAGE = "Ce champ tient sur une ligne : les retours à la ligne et tabulations n'y sont pas admis."


def visible_text(value: str) -> str:
    if HIDDEN.search(value):
        raise ValueError(HIDDEN_MESSAGE)
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
