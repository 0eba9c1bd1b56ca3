"""Retention as dated parameters (issue 25, item 2): one rule per record type, each with its source or « à confirmer
par le DPO », looked up by day; a test per rule, named after it."""

from __future__ import annotations

import typing
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from contracts.retention import RecordType, RetentionNotDefined, read, record_types, rule

DAY = date(2026, 12, 8)


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_every_record_type_has_a_rule_with_a_source() -> None:
    assert set(record_types()) == set(typing.get_args(RecordType))
    for name, record in record_types().items():
        current = record.rule_at(DAY)
        assert current.source, name
        assert current.to_confirm or "à confirmer" not in current.source.lower(), name
        assert record.label and record.counted_from and record.applied, name


def test_drafts_untouched_for_90_days_are_deleted() -> None:
    # RGPD art. 5 § 1 e); decision 0026
    draft = rule("essoc_draft", DAY)
    assert draft.expires_at(at(2026, 12, 8, 10)) == at(2027, 3, 8, 10)
    assert draft.duration() == "90 jours"


def test_closed_essoc_requests_are_kept_3_years_to_be_confirmed_by_the_dpo() -> None:
    # proposal aligned on code des douanes art. 354 (3 years of reprise): no text fixes it
    closed = rule("essoc_request_closed", DAY)
    assert closed.expires_at(at(2027, 1, 15)) == at(2030, 1, 15)
    assert closed.to_confirm and "art. 354" in closed.source


def test_assistance_tickets_are_kept_1_year_to_be_confirmed_by_the_dpo() -> None:
    ticket = rule("assistance_ticket", DAY)
    assert ticket.duration() == "1 an" and ticket.to_confirm and "À confirmer par le DPO" in ticket.source


def test_declarations_and_payments_are_kept_for_the_3_years_of_reprise() -> None:
    # code des douanes art. 354: the administration's right of reprise runs 3 years
    declaration = rule("declaration", DAY)
    assert declaration.expires_at(at(2027, 4, 30, 12)) == at(2030, 4, 30, 12)
    assert "code des douanes, art. 354" in declaration.source.lower() and declaration.to_confirm


def test_revoked_mandates_are_kept_13_months() -> None:
    # code monétaire et financier art. L. 133-24: an unauthorised debit can be contested for 13 months
    mandate = rule("mandate_revoked", DAY)
    assert mandate.expires_at(at(2027, 1, 31)) == at(2028, 2, 29), "calendar months, to the month's last day"
    assert "L. 133-24" in mandate.source


def test_mails_of_the_notifier_are_kept_1_year_to_be_confirmed_by_the_dpo() -> None:
    mail = rule("notifier_mail", DAY)
    assert mail.is_over(at(2027, 1, 1), at(2028, 1, 1)) and not mail.is_over(at(2027, 1, 1), at(2027, 12, 31, 23))
    assert mail.to_confirm


def test_technical_logs_are_kept_1_year() -> None:
    # CNIL délibération n° 2021-122 du 14 octobre 2021: between six months and one year
    logs = rule("technical_logs", DAY)
    assert logs.duration() == "1 an" and "2021-122" in logs.source and not logs.to_confirm


def test_read_logs_of_auditors_and_agents_are_kept_1_year() -> None:
    # CNIL délibération n° 2021-122 du 14 octobre 2021
    reads = rule("read_log", DAY)
    assert reads.expires_at(at(2027, 2, 1)) == at(2028, 2, 1) and "2021-122" in reads.source


def test_no_rule_is_in_force_before_its_first_value() -> None:
    with pytest.raises(RetentionNotDefined, match="aucune durée de conservation"):
        rule("essoc_draft", date(2020, 1, 1))


def test_a_later_value_replaces_the_earlier_one_from_its_date(tmp_path: Path) -> None:
    source = tmp_path / "retention.yaml"
    source.write_text(
        """
essoc_draft:
  label: Brouillon
  owner: essoc
  counted_from: la dernière modification
  applied: supprimé
  values:
    - {valid_from: 2027-06-01, days: 30, source: "texte B"}
    - {valid_from: 2026-01-01, days: 90, source: "texte A"}
""",
        encoding="utf-8",
    )
    drafts = read(source)["essoc_draft"]
    assert drafts.rule_at(date(2027, 5, 31)).days == 90
    assert drafts.rule_at(date(2027, 6, 1)).days == 30 and drafts.rule_at(date(2027, 6, 1)).source == "texte B"


def test_a_value_without_source_or_duration_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "retention.yaml"
    source.write_text(
        "x:\n  label: X\n  owner: o\n  counted_from: c\n  applied: a\n"
        "  values:\n    - {valid_from: 2026-01-01, days: 3}\n",
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="sa source"):
        read(source)


def test_a_record_is_due_from_the_instant_its_retention_ends_even_at_a_months_end() -> None:
    mandate = rule("mandate_revoked", DAY)
    for start in (at(2027, 1, 29, 10), at(2027, 1, 30, 10), at(2027, 1, 31, 10)):
        assert mandate.expires_at(start) == at(2028, 2, 29, 10)
        assert start <= mandate.cutoff(at(2028, 2, 29, 10)), "the query bound takes in every start now due"
        assert not mandate.is_over(start, at(2028, 2, 29, 9, 59)) and mandate.is_over(start, at(2028, 2, 29, 10))
    reads = rule("read_log", DAY)
    assert reads.cutoff(at(2028, 3, 1)) == at(2027, 3, 1)
