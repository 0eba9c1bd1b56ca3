"""The short chaos campaign of `make test`: every component SIGKILLed twice while flows run, then the
invariants of `make chaos` (see campaign.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from campaign import campaign

pytestmark = pytest.mark.e2e


async def test_kills_lose_nothing_and_send_every_mail_once(tmp_path: Path) -> None:
    result = await campaign(tmp_path, kills=2, flows=4, seed=20261130, say=lambda _: None)
    (tmp_path / "chaos.json").write_text(json.dumps(result, indent=2, ensure_ascii=False))
    assert all(n == 2 for n in result["kills"].values()) and len(result["kills"]) == 6, result["kills"]
    held = {
        key: result[key]
        for key in (
            "lost_events",
            "events_without_accepted_command",
            "commands_given_up",
            "duplicate_mails",
            "missing_mails",
            "stuck_totals",
            "duplicate_ledger_entries",
            "filings_without_credit",
        )
    }
    assert held == dict.fromkeys(held, 0), result
    assert result["notifications_agree_with_maildir"] and result["replay_equal"] and result["chains_verified"], result
    assert result["flows"] == 4 + 2 and result["accepted_commands"] >= 6 * 6
