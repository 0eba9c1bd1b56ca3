"""What a text field accepts: no character that hides or reorders text, no bytes that were not UTF-8."""

from __future__ import annotations

import sys
import unicodedata

import pytest
from pydantic import TypeAdapter, ValidationError

from chassis.http.inputs import BROKEN_MESSAGE, HIDDEN, HIDDEN_MESSAGE, JOINERS, Line, hidden_problem


def test_every_format_character_of_unicode_is_refused_but_the_joiners_which_are_checked_in_context() -> None:
    """The list in `inputs` is written out (a JSON Schema pattern needs it); it must be Python's Unicode's whole
    category Cf, so that a new Unicode version adding one makes this test fail rather than let it through."""
    format_characters = {chr(c) for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) == "Cf"}
    listed = {c for c in format_characters if HIDDEN.fullmatch(c)}
    assert format_characters - listed == {"\u200c", "\u200d"}
    assert all(JOINERS.fullmatch(c) for c in format_characters - listed)


@pytest.mark.parametrize(
    "typed",
    [
        "TP-1\u200b",
        "Dupont\u2060",
        "\u00adRéunion",
        "abc\ufeff",
        "\U000e0041tag",
        "\u200dJuda",
        "Juda\u200c",
        "a \u200d b",
        "TP\u200dA",
    ],
)
def test_an_invisible_character_is_refused_with_a_french_message(typed: str) -> None:
    assert hidden_problem(typed) == HIDDEN_MESSAGE
    with pytest.raises(ValidationError) as refusal:
        TypeAdapter(Line).validate_python(typed)
    assert "caractère invisible" in str(refusal.value)


@pytest.mark.parametrize(
    "typed", ["\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645", "क्\u200dष", "👩\u200d💻", "Lubin"]
)
def test_a_joiner_inside_a_word_is_what_some_scripts_need(typed: str) -> None:
    assert hidden_problem(typed) is None


def test_bytes_that_were_not_utf8_are_refused_not_stored_as_replacement_characters() -> None:
    """`%ED%A0%80` in a form (a lone surrogate's bytes) is decoded as U+FFFD: refused, never stored."""
    assert b"Juda \xed\xa0\x80".decode(errors="replace") == "Juda \ufffd\ufffd\ufffd"
    assert hidden_problem("Juda \ufffd\ufffd\ufffd") == BROKEN_MESSAGE
